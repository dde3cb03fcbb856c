package terraform.rules.gcs_state_force_destroy_test

import data.terraform.rules.gcs_state_force_destroy as rule
import data.terraform.testing as t

test_allow_state_bucket_without_force_destroy if {
	r := t.rc("google_storage_bucket", "s", {"name": "acme-tfstate", "force_destroy": false})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_force_destroy_on_other_bucket if {
	r := t.rc("google_storage_bucket", "tmp", {"name": "scratch", "force_destroy": true})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_force_destroy_on_state_bucket if {
	r := t.rc("google_storage_bucket", "s", {"name": "acme-terraform-state", "force_destroy": true})
	t.hits(rule.deny) == {["GCP-GCS-004", "google_storage_bucket.s", false]} with input as t.plan([r])
}

test_deny_unknown_force_destroy if {
	r := t.unknown_rc("google_storage_bucket", "s", {"name": "acme-tfstate"}, {"force_destroy": true})
	p := t.plan_with_config([r], [["google_storage_bucket", "s", {"force_destroy": t.ref(["var.destroyable"])}]])
	t.hits(rule.deny) == {["GCP-GCS-004", "google_storage_bucket.s", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.state", "google_storage_bucket", "tfstate", "", {"name": "acme-tfstate", "force_destroy": true})
	t.hits(rule.deny) == {["GCP-GCS-004", "module.state.google_storage_bucket.tfstate", false]} with input as t.plan([r])
}
