package terraform.rules.gcs_public_access_prevention

import data.terraform.lib

# METADATA
# title: Buckets enforce public access prevention
# description: |
#   public_access_prevention = "enforced" blocks allUsers/allAuthenticatedUsers
#   grants and public ACLs on the bucket whatever IAM says. Unset fails: the
#   provider computes "inherited", which is only as strong as the org policy.
# custom:
#   id: GCP-GCS-002
#   severity: HIGH
#   resource_types: ["google_storage_bucket"]
#   remediation: Set public_access_prevention = "enforced".
#   related: ["checkov:CKV_GCP_114"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

path := ["public_access_prevention"]

issues contains lib.issue(rc, sprintf("public_access_prevention is %v, want \"enforced\"", [lib.get(rc, path)])) if {
	some rc in lib.resources_by_type.google_storage_bucket
	not lib.unknown(rc, path)
	lib.get(rc, path) != "enforced"
}

issues contains lib.issue(rc, "public_access_prevention is not set: the provider computes \"inherited\"") if {
	some rc in lib.resources_by_type.google_storage_bucket
	lib.unset_unknown(rc, path)
}

issues contains lib.unknown_issue(rc, path) if {
	some rc in lib.resources_by_type.google_storage_bucket
	lib.unknown_configured(rc, path)
}
