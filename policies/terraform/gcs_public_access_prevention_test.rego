package terraform.rules.gcs_public_access_prevention_test

import data.terraform.rules.gcs_public_access_prevention as rule
import data.terraform.testing as t

test_allow_enforced if {
	r := t.rc("google_storage_bucket", "b", {"public_access_prevention": "enforced"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_inherited if {
	r := t.rc("google_storage_bucket", "b", {"public_access_prevention": "inherited"})
	t.hits(rule.deny) == {["GCP-GCS-002", "google_storage_bucket.b", false]} with input as t.plan([r])
}

test_deny_unset_computed if {
	r := t.unknown_rc("google_storage_bucket", "b", {}, {"public_access_prevention": true})
	t.hits(rule.deny) == {["GCP-GCS-002", "google_storage_bucket.b", false]} with input as t.plan([r])
}

test_deny_unknown_from_variable if {
	r := t.unknown_rc("google_storage_bucket", "b", {}, {"public_access_prevention": true})
	p := t.plan_with_config([r], [["google_storage_bucket", "b", {"public_access_prevention": t.ref(["terraform_data.pap.output"])}]])
	t.hits(rule.deny) == {["GCP-GCS-002", "google_storage_bucket.b", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.assets", "google_storage_bucket", "b", "[2]", {"public_access_prevention": null})
	t.hits(rule.deny) == {["GCP-GCS-002", "module.assets.google_storage_bucket.b[2]", false]} with input as t.plan([r])
}
