package terraform.rules.dataflow_service_account

import data.terraform.lib

# METADATA
# title: Dataflow jobs run as a dedicated worker service account
# description: |
#   Without service_account_email the launcher and the workers run as the
#   project's default Compute Engine service account, shared by every VM and
#   often holding Editor, so a pipeline could read or change anything in the
#   project. A flex template job's parameters.serviceAccountEmail overrides the
#   attribute. A service account created in the same plan (email known after
#   apply) counts as dedicated.
# custom:
#   id: GCP-DF-002
#   severity: HIGH
#   resource_types: ["google_dataflow_job", "google_dataflow_flex_template_job"]
#   remediation: Create a google_service_account with roles/dataflow.worker and grants on its own data only (iac/modules/batch), and set service_account_email = google_service_account.<name>.email.
#   related: ["ours: no Checkov, Trivy or policy-library equivalent for Dataflow (compare CKV_GCP_30 for instances)"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

types := {"google_dataflow_job", "google_dataflow_flex_template_job"}

attr_path := ["service_account_email"]

override_path := ["parameters", "serviceAccountEmail"]

# path(rc): where the account the provider launches with is set: the flex
# template's parameters.serviceAccountEmail when present, else the attribute.
path(rc) := override_path if {
	rc.type == "google_dataflow_flex_template_job"
	lib.get(rc, override_path) != null
} else := attr_path

# override_unknown: a flex template job's parameters.serviceAccountEmail is
# known only after apply. The plan's configuration holds one expression for
# the whole parameters map, so the element cannot be resolved: unknown.
override_unknown(rc) if {
	rc.type == "google_dataflow_flex_template_job"
	lib.unknown(rc, override_path)
}

default_account(sa) if endswith(sa, "-compute@developer.gserviceaccount.com")

default_account(sa) if endswith(sa, "@appspot.gserviceaccount.com")

issues contains lib.issue(rc, "service_account_email is not set: runs as the default compute service account") if {
	some t in types
	some rc in lib.resources_by_type[t]
	not override_unknown(rc)
	not lib.unknown(rc, path(rc))
	lib.get(rc, path(rc)) in {null, ""}
}

issues contains lib.issue(rc, sprintf("service_account_email is the default service account %s", [sa])) if {
	some t in types
	some rc in lib.resources_by_type[t]
	not override_unknown(rc)
	sa := lib.get(rc, path(rc))
	is_string(sa)
	default_account(sa)
}

issues contains lib.issue(rc, "service_account_email is not set: runs as the default compute service account") if {
	some t in types
	some rc in lib.resources_by_type[t]
	not override_unknown(rc)
	lib.unset_unknown(rc, path(rc))
}

issues contains lib.unknown_issue(rc, path(rc)) if {
	some t in types
	some rc in lib.resources_by_type[t]
	not override_unknown(rc)
	lib.unresolved(rc, path(rc))
}

issues contains lib.unknown_issue(rc, override_path) if {
	some rc in lib.resources_by_type.google_dataflow_flex_template_job
	override_unknown(rc)
}
