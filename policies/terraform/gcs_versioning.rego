package terraform.rules.gcs_versioning

import data.terraform.lib

# METADATA
# title: Buckets keep object versions
# description: |
#   Versioning lets an overwritten or deleted object be restored. On the
#   Terraform state bucket (name matching config state_bucket_patterns) a lost
#   version is a lost state file: HIGH there, MEDIUM on other buckets.
# custom:
#   id: GCP-GCS-003
#   severity: HIGH
#   resource_types: ["google_storage_bucket"]
#   remediation: Add versioning { enabled = true }.
#   related: ["checkov:CKV_GCP_78", "trivy:GCP-0078"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

path := ["versioning"]

enabled(rc) if {
	some v in lib.arr(lib.get(rc, path))
	v.enabled == true
}

severity(rc) := "HIGH" if lib.state_bucket(rc)

else := "MEDIUM"

issues contains lib.with_severity(lib.issue(rc, "versioning is not enabled"), severity(rc)) if {
	some rc in lib.resources_by_type.google_storage_bucket
	not lib.unknown(rc, path)
	not enabled(rc)
}

issues contains lib.with_severity(lib.unknown_issue(rc, path), severity(rc)) if {
	some rc in lib.resources_by_type.google_storage_bucket
	lib.unknown(rc, path)
}
