package terraform.rules.bigquery_public_access_test

import data.terraform.rules.bigquery_public_access as rule
import data.terraform.testing as t

test_allow_group_and_service_account_entries if {
	r := t.rc("google_bigquery_dataset", "d", {"access": [
		{"role": "OWNER", "special_group": "projectOwners"},
		{"role": "WRITER", "user_by_email": "run@p.iam.gserviceaccount.com"},
	]})
	a := t.rc("google_bigquery_dataset_access", "a", {"role": "READER", "group_by_email": "analysts@acme.example"})
	count(rule.deny) == 0 with input as t.plan([r, a])
}

test_allow_unset_access_computed if {
	r := t.unknown_rc("google_bigquery_dataset", "d", {"dataset_id": "events"}, {"access": true})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_all_authenticated_special_group if {
	r := t.rc("google_bigquery_dataset", "d", {"access": [{"role": "READER", "special_group": "allAuthenticatedUsers"}]})
	t.hits(rule.deny) == {["GCP-BQ-001", "google_bigquery_dataset.d", false]} with input as t.plan([r])
}

test_deny_dataset_access_all_users if {
	r := t.rc("google_bigquery_dataset_access", "a", {"role": "READER", "iam_member": "allUsers"})
	t.hits(rule.deny) == {["GCP-BQ-001", "google_bigquery_dataset_access.a", false]} with input as t.plan([r])
}

test_deny_unknown_access_from_variable if {
	r := t.unknown_rc("google_bigquery_dataset", "d", {}, {"access": true})
	p := t.plan_with_config([r], [["google_bigquery_dataset", "d", {"access": [{"role": t.const("READER"), "iam_member": t.ref(["var.reader"])}]}]])
	t.hits(rule.deny) == {["GCP-BQ-001", "google_bigquery_dataset.d", true]} with input as p
}

test_deny_unknown_dataset_access_member if {
	r := t.unknown_rc("google_bigquery_dataset_access", "a", {"role": "READER"}, {"iam_member": true})
	p := t.plan_with_config([r], [["google_bigquery_dataset_access", "a", {"iam_member": t.ref(["module.x.member"])}]])
	t.hits(rule.deny) == {["GCP-BQ-001", "google_bigquery_dataset_access.a", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.warehouse", "google_bigquery_dataset", "d", `["raw"]`, {"access": [{"role": "READER", "iam_member": "allUsers"}]})
	t.hits(rule.deny) == {["GCP-BQ-001", `module.warehouse.google_bigquery_dataset.d["raw"]`, false]} with input as t.plan([r])
}
