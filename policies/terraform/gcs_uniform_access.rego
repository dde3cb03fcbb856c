package terraform.rules.gcs_uniform_access

import data.terraform.lib

# METADATA
# title: Buckets use uniform bucket-level access
# description: |
#   Without uniform bucket-level access, object ACLs can grant access that IAM
#   does not show. Unset fails: the bucket then keeps fine-grained ACLs unless
#   an organization policy happens to enforce it.
# custom:
#   id: GCP-GCS-001
#   severity: HIGH
#   resource_types: ["google_storage_bucket"]
#   remediation: Set uniform_bucket_level_access = true.
#   related: ["checkov:CKV_GCP_29", "trivy:GCP-0002", "policy-library:GCPStorageBucketPolicyOnlyConstraintV1", "regula:FG_R00421"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

path := ["uniform_bucket_level_access"]

issues contains lib.issue(rc, sprintf("uniform_bucket_level_access is %v, want true", [lib.get(rc, path)])) if {
	some rc in lib.resources_by_type.google_storage_bucket
	not lib.unknown(rc, path)
	lib.get(rc, path) != true
}

issues contains lib.issue(rc, "uniform_bucket_level_access is not set: the bucket keeps fine-grained ACLs") if {
	some rc in lib.resources_by_type.google_storage_bucket
	lib.unset_unknown(rc, path)
}

issues contains lib.unknown_issue(rc, path) if {
	some rc in lib.resources_by_type.google_storage_bucket
	lib.unknown_configured(rc, path)
}
