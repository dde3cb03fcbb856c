package terraform.rules.pubsub_topic_cmek

import data.terraform.lib

# METADATA
# title: Pub/Sub topics use a customer-managed key
# description: |
#   kms_key_name encrypts the topic's stored messages with a Cloud KMS key the
#   project controls. A key created in the same plan (known after apply) counts
#   as set.
# custom:
#   id: GCP-PS-001
#   severity: MEDIUM
#   resource_types: ["google_pubsub_topic"]
#   remediation: Set kms_key_name = google_kms_crypto_key.<name>.id and grant the Pub/Sub service agent roles/cloudkms.cryptoKeyEncrypterDecrypter on it.
#   related: ["checkov:CKV_GCP_83"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

path := ["kms_key_name"]

key_set(rc) if {
	key := lib.get(rc, path)
	is_string(key)
	key != ""
}

issues contains lib.issue(rc, "kms_key_name is not set: Google-managed encryption") if {
	some rc in lib.resources_by_type.google_pubsub_topic
	not lib.unknown(rc, path)
	not key_set(rc)
}

issues contains lib.unknown_issue(rc, path) if {
	some rc in lib.resources_by_type.google_pubsub_topic
	lib.undecided(rc, path)
}
