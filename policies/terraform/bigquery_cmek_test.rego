package terraform.rules.bigquery_cmek_test

import data.terraform.rules.bigquery_cmek as rule
import data.terraform.testing as t

test_allow_kms_key if {
	r := t.rc("google_bigquery_dataset", "d", {"default_encryption_configuration": [{"kms_key_name": "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"}]})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_key_created_in_plan if {
	r := t.unknown_rc("google_bigquery_dataset", "d", {"default_encryption_configuration": [{}]}, {"default_encryption_configuration": [{"kms_key_name": true}]})
	p := t.plan_with_config([r], [["google_bigquery_dataset", "d", {"default_encryption_configuration": [{"kms_key_name": t.ref(["google_kms_crypto_key.bq.id", "google_kms_crypto_key.bq"])}]}]])
	count(rule.deny) == 0 with input as p
}

test_deny_no_encryption_configuration if {
	r := t.rc("google_bigquery_dataset", "d", {"default_encryption_configuration": []})
	t.hits(rule.deny) == {["GCP-BQ-002", "google_bigquery_dataset.d", false]} with input as t.plan([r])
}

test_deny_unknown_key_from_module_output if {
	r := t.unknown_rc("google_bigquery_dataset", "d", {"default_encryption_configuration": [{}]}, {"default_encryption_configuration": [{"kms_key_name": true}]})
	p := t.plan_with_config([r], [["google_bigquery_dataset", "d", {"default_encryption_configuration": [{"kms_key_name": t.ref(["module.kms.key_id", "module.kms"])}]}]])
	t.hits(rule.deny) == {["GCP-BQ-002", "google_bigquery_dataset.d", true]} with input as p
}

test_allow_module_key_created_in_module if {
	r := object.union(t.unknown_rc("google_bigquery_dataset", "d", {"default_encryption_configuration": [{}]}, {"default_encryption_configuration": [{"kms_key_name": true}]}), {"address": "module.data.google_bigquery_dataset.d", "module_address": "module.data"})
	p := t.plan_with_module_config([r], "data", [["google_bigquery_dataset", "d", {"default_encryption_configuration": [{"kms_key_name": t.ref(["google_kms_crypto_key.k.id", "google_kms_crypto_key.k"])}]}]])
	count(rule.deny) == 0 with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.data", "google_bigquery_dataset", "d", "[0]", {})
	t.hits(rule.deny) == {["GCP-BQ-002", "module.data.google_bigquery_dataset.d[0]", false]} with input as t.plan([r])
}
