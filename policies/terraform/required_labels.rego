package terraform.rules.required_labels

import data.terraform.lib

# METADATA
# title: Resources carry the required labels
# description: |
#   Labels attribute cost and ownership (billing export, FinOps gate, incident
#   routing). Every labelable type in config labelable_types must carry every
#   key of config required_labels, either in its own labels (user_labels on
#   alert policies) or through the provider's default_labels (terraform_labels).
# custom:
#   id: GCP-GEN-001
#   severity: LOW
#   resource_types: ["google_storage_bucket", "google_bigquery_dataset", "google_bigquery_table", "google_pubsub_topic", "google_pubsub_subscription", "google_cloud_run_v2_service", "google_cloud_run_v2_job", "google_monitoring_alert_policy", "google_kms_crypto_key", "google_artifact_registry_repository", "google_secret_manager_secret"]
#   remediation: Add the missing keys to labels (or to the provider's default_labels), e.g. labels = local.labels.
#   related: ["checkov:CKV_GCP_21", "policy-library:GCPEnforceLabelConstraintV1"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

field(rc) := lib.config.labelable_types[rc.type]

keys(rc, attr) := object.keys(lib.obj(lib.get(rc, [attr])))

present(rc) := (keys(rc, field(rc)) | keys(rc, "terraform_labels")) | keys(rc, "effective_labels")

labels_unknown(rc) if lib.unknown(rc, [field(rc)])

labels_unknown(rc) if lib.unknown(rc, ["terraform_labels"])

required := {l | some l in lib.config.required_labels}

missing(rc) := required - present(rc)

issues contains lib.issue(rc, sprintf("missing required labels: %s", [concat(", ", sort(m))])) if {
	some t, _ in lib.config.labelable_types
	some rc in lib.resources_by_type[t]
	m := missing(rc)
	count(m) > 0
	not labels_unknown(rc)
}

issues contains lib.unknown_issue(rc, [field(rc)]) if {
	some t, _ in lib.config.labelable_types
	some rc in lib.resources_by_type[t]
	labels_unknown(rc)
	count(missing(rc)) > 0
}
