package terraform.rules.gcs_state_force_destroy

import data.terraform.lib

# METADATA
# title: The state bucket cannot be force-destroyed
# description: |
#   force_destroy = true lets `terraform destroy` delete a non-empty bucket and
#   with it every state file it holds. Applies to buckets whose name matches
#   config state_bucket_patterns.
# custom:
#   id: GCP-GCS-004
#   severity: MEDIUM
#   resource_types: ["google_storage_bucket"]
#   remediation: Set force_destroy = false (the default) on the state bucket and add lifecycle { prevent_destroy = true }.
#   related: ["ours: no Checkov, Trivy or policy-library equivalent"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

issues contains lib.issue(rc, "force_destroy is true on the Terraform state bucket") if {
	some rc in lib.resources_by_type.google_storage_bucket
	lib.state_bucket(rc)
	lib.get(rc, ["force_destroy"]) == true
}

issues contains lib.unknown_issue(rc, ["force_destroy"]) if {
	some rc in lib.resources_by_type.google_storage_bucket
	lib.state_bucket(rc)
	lib.unknown_configured(rc, ["force_destroy"])
}
