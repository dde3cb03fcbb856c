package terraform.rules.gcs_uniform_access_test

import data.terraform.rules.gcs_uniform_access as rule
import data.terraform.testing as t

test_allow_uniform if {
	r := t.rc("google_storage_bucket", "b", {"name": "b", "uniform_bucket_level_access": true})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_false if {
	r := t.rc("google_storage_bucket", "b", {"name": "b", "uniform_bucket_level_access": false})
	t.hits(rule.deny) == {["GCP-GCS-001", "google_storage_bucket.b", false]} with input as t.plan([r])
}

test_deny_unset_computed if {
	r := t.unknown_rc("google_storage_bucket", "b", {"name": "b"}, {"uniform_bucket_level_access": true})
	p := t.plan_with_config([r], [["google_storage_bucket", "b", {"name": t.const("b")}]])
	t.hits(rule.deny) == {["GCP-GCS-001", "google_storage_bucket.b", false]} with input as p
}

test_deny_unknown_from_variable if {
	r := t.unknown_rc("google_storage_bucket", "b", {"name": "b"}, {"uniform_bucket_level_access": true})
	p := t.plan_with_config([r], [["google_storage_bucket", "b", {"uniform_bucket_level_access": t.ref(["data.external.x.result"])}]])
	t.hits(rule.deny) == {["GCP-GCS-001", "google_storage_bucket.b", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.state", "google_storage_bucket", "tfstate", "", {"name": "p-tfstate", "uniform_bucket_level_access": false})
	t.hits(rule.deny) == {["GCP-GCS-001", "module.state.google_storage_bucket.tfstate", false]} with input as t.plan([r])
}
