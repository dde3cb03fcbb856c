package terraform.rules.gcs_versioning_test

import data.terraform.rules.gcs_versioning as rule
import data.terraform.testing as t

test_allow_versioned_state_bucket if {
	r := t.rc("google_storage_bucket", "s", {"name": "acme-tfstate", "versioning": [{"enabled": true}]})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_unversioned_state_bucket_high if {
	r := t.rc("google_storage_bucket", "s", {"name": "acme-tfstate", "versioning": []})
	[[f.rule_id, f.severity] | some f in rule.deny] == [["GCP-GCS-003", "HIGH"]] with input as t.plan([r])
}

test_deny_unversioned_other_bucket_medium if {
	r := t.rc("google_storage_bucket", "b", {"name": "exports", "versioning": [{"enabled": false}]})
	[f.severity | some f in rule.deny] == ["MEDIUM"] with input as t.plan([r])
}

test_deny_unknown_versioning if {
	r := t.unknown_rc("google_storage_bucket", "s", {"name": "acme-tfstate"}, {"versioning": [{"enabled": true}]})
	t.hits(rule.deny) == {["GCP-GCS-003", "google_storage_bucket.s", true]} with input as t.plan([r])
}

test_deny_module_address_kept if {
	r := t.module_rc("module.state", "google_storage_bucket", "tfstate", "", {"name": "acme-tfstate"})
	t.hits(rule.deny) == {["GCP-GCS-003", "module.state.google_storage_bucket.tfstate", false]} with input as t.plan([r])
}
