package terraform.rules.bigquery_cmek

import data.terraform.lib

# METADATA
# title: BigQuery datasets use a customer-managed key
# description: |
#   default_encryption_configuration.kms_key_name makes new tables of the
#   dataset use a Cloud KMS key the project controls (and can revoke). A key
#   created in the same plan (known after apply) counts as set.
# custom:
#   id: GCP-BQ-002
#   severity: MEDIUM
#   resource_types: ["google_bigquery_dataset"]
#   remediation: Add default_encryption_configuration { kms_key_name = google_kms_crypto_key.<name>.id }.
#   related: ["checkov:CKV_GCP_81", "checkov:CKV_GCP_80", "policy-library:GCPBigQueryCMEKEncryptionConstraintV1"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

path := ["default_encryption_configuration", 0, "kms_key_name"]

key_set(rc) if {
	key := lib.get(rc, path)
	is_string(key)
	key != ""
}

issues contains lib.issue(rc, "default_encryption_configuration.kms_key_name is not set: Google-managed encryption") if {
	some rc in lib.resources_by_type.google_bigquery_dataset
	not lib.unknown(rc, path)
	not key_set(rc)
}

issues contains lib.unknown_issue(rc, path) if {
	some rc in lib.resources_by_type.google_bigquery_dataset
	lib.undecided(rc, path)
}
