package terraform.rules.iam_service_account_keys_test

import data.terraform.rules.iam_service_account_keys as rule
import data.terraform.testing as t

test_allow_service_account_without_key if {
	r := t.rc("google_service_account", "run", {"account_id": "run"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_key_being_deleted if {
	r := t.with_actions(t.rc("google_service_account_key", "old", {}), ["delete"])
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_key if {
	r := t.rc("google_service_account_key", "k", {"service_account_id": "projects/p/serviceAccounts/run@p.iam.gserviceaccount.com"})
	t.hits(rule.deny) == {["GCP-IAM-003", "google_service_account_key.k", false]} with input as t.plan([r])
}

test_deny_key_with_unknown_account if {
	r := t.unknown_rc("google_service_account_key", "k", {}, {"service_account_id": true})
	t.hits(rule.deny) == {["GCP-IAM-003", "google_service_account_key.k", false]} with input as t.plan([r])
}

test_deny_module_address_kept if {
	r := t.module_rc("module.ci", "google_service_account_key", "k", "[1]", {"service_account_id": "x"})
	t.hits(rule.deny) == {["GCP-IAM-003", "module.ci.google_service_account_key.k[1]", false]} with input as t.plan([r])
}
