package terraform.rules.required_labels

import data.terraform.lib

# METADATA
# title: Resources carry the required labels
# description: |
#   Labels attribute cost and ownership (billing export, FinOps gate, incident
#   routing). Every labelable type in config labelable_types must carry every
#   key of config required_labels, either in its own labels (user_labels on
#   alert policies) or through the provider's default_labels (terraform_labels).
#   Dataflow jobs count too: a job's labels go to its worker VMs, and billing
#   attributes the workers' cost by them.
# custom:
#   id: GCP-GEN-001
#   severity: LOW
#   resource_types: ["google_storage_bucket", "google_bigquery_dataset", "google_bigquery_table", "google_pubsub_topic", "google_pubsub_subscription", "google_cloud_run_v2_service", "google_cloud_run_v2_job", "google_dataflow_job", "google_dataflow_flex_template_job", "google_monitoring_alert_policy", "google_kms_crypto_key", "google_artifact_registry_repository", "google_secret_manager_secret"]
#   remediation: Add the missing keys to labels (or to the provider's default_labels), e.g. labels = local.labels.
#   related: ["checkov:CKV_GCP_21", "policy-library:GCPEnforceLabelConstraintV1"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

required := {l | some l in lib.config.required_labels}

# One pass per labelable resource: the keys present in its own labels
# (field), terraform_labels and effective_labels; when some required key is
# missing, a finding, or an unknown finding when the labels are known only
# after apply.
issues contains issue if {
	some t, field in lib.config.labelable_types
	some rc in lib.resources_by_type[t]
	after := lib.after(rc)
	present := {k | some attr in [field, "terraform_labels", "effective_labels"]; some k, _ in lib.obj(object.get(after, attr, null))}
	missing := required - present
	count(missing) > 0
	issue := labels_issue(rc, field, missing)
}

labels_issue(rc, field, missing) := lib.unknown_issue(rc, [field]) if {
	count(missing) > 0
	labels_unknown(rc, field)
} else := lib.issue(rc, sprintf("missing required labels: %s", [concat(", ", sort(missing))]))

labels_unknown(rc, field) if lib.unknown(rc, [field])

labels_unknown(rc, _) if lib.unknown(rc, ["terraform_labels"])
