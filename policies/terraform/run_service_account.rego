package terraform.rules.run_service_account

import data.terraform.lib

# METADATA
# title: Cloud Run services run as a dedicated service account
# description: |
#   Without template.service_account a revision runs as the default Compute
#   Engine service account, shared by every workload and often holding Editor.
#   A service account created in the same plan (email known after apply) counts
#   as dedicated.
# custom:
#   id: GCP-RUN-002
#   severity: HIGH
#   resource_types: ["google_cloud_run_v2_service", "google_cloud_run_v2_job"]
#   remediation: Create a google_service_account for the service and set template { service_account = google_service_account.<name>.email }.
#   related: ["ours: no Checkov, Trivy or policy-library equivalent for Cloud Run (compare CKV_GCP_30, CKV2_GCP_1)"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

types := {"google_cloud_run_v2_service", "google_cloud_run_v2_job"}

# Cloud Run v2 jobs nest the revision template one level deeper.
path(rc) := ["template", 0, "service_account"] if rc.type == "google_cloud_run_v2_service"

path(rc) := ["template", 0, "template", 0, "service_account"] if rc.type == "google_cloud_run_v2_job"

default_account(sa) if endswith(sa, "-compute@developer.gserviceaccount.com")

default_account(sa) if endswith(sa, "@appspot.gserviceaccount.com")

issues contains lib.issue(rc, "template.service_account is not set: runs as the default compute service account") if {
	some t in types
	some rc in lib.resources_by_type[t]
	not lib.unknown(rc, path(rc))
	lib.get(rc, path(rc)) in {null, ""}
}

issues contains lib.issue(rc, sprintf("template.service_account is the default service account %s", [sa])) if {
	some t in types
	some rc in lib.resources_by_type[t]
	sa := lib.get(rc, path(rc))
	is_string(sa)
	default_account(sa)
}

issues contains lib.issue(rc, "template.service_account is not set: runs as the default compute service account") if {
	some t in types
	some rc in lib.resources_by_type[t]
	lib.unset_unknown(rc, path(rc))
}

issues contains lib.unknown_issue(rc, path(rc)) if {
	some t in types
	some rc in lib.resources_by_type[t]
	lib.unresolved(rc, path(rc))
}
