package terraform.rules.bigquery_table_deletion_protection_test

import data.terraform.rules.bigquery_table_deletion_protection as rule
import data.terraform.testing as t

test_allow_default_protection if {
	r := t.rc("google_bigquery_table", "events", {"table_id": "events", "deletion_protection": true})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_protection_off if {
	r := t.rc("google_bigquery_table", "events", {"table_id": "events", "deletion_protection": false})
	t.hits(rule.deny) == {["GCP-BQ-003", "google_bigquery_table.events", false]} with input as t.plan([r])
}

test_deny_unknown_protection if {
	r := t.unknown_rc("google_bigquery_table", "events", {"table_id": "events"}, {"deletion_protection": true})
	p := t.plan_with_config([r], [["google_bigquery_table", "events", {"deletion_protection": t.ref(["terraform_data.env.output"])}]])
	t.hits(rule.deny) == {["GCP-BQ-003", "google_bigquery_table.events", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.data", "google_bigquery_table", "t", `["events"]`, {"deletion_protection": false})
	t.hits(rule.deny) == {["GCP-BQ-003", `module.data.google_bigquery_table.t["events"]`, false]} with input as t.plan([r])
}
