package terraform.rules.dataflow_service_account_test

import data.terraform.rules.dataflow_service_account as rule
import data.terraform.testing as t

test_allow_dedicated_account if {
	r := t.rc("google_dataflow_job", "backfill", {"service_account_email": "flight-events-batch@p.iam.gserviceaccount.com"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_account_created_in_plan if {
	r := t.unknown_rc("google_dataflow_flex_template_job", "backfill", {}, {"service_account_email": true})
	p := t.plan_with_config([r], [["google_dataflow_flex_template_job", "backfill", {"service_account_email": t.ref(["google_service_account.workers.email", "google_service_account.workers"])}]])
	count(rule.deny) == 0 with input as p
}

test_allow_dedicated_account_in_parameters if {
	r := t.unknown_rc("google_dataflow_flex_template_job", "backfill", {"parameters": {"serviceAccountEmail": "flight-events-batch@p.iam.gserviceaccount.com"}}, {"service_account_email": true})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_unset if {
	r := t.rc("google_dataflow_job", "backfill", {"service_account_email": null})
	t.hits(rule.deny) == {["GCP-DF-002", "google_dataflow_job.backfill", false]} with input as t.plan([r])
}

test_deny_unset_computed if {
	r := t.unknown_rc("google_dataflow_flex_template_job", "backfill", {}, {"service_account_email": true})
	t.hits(rule.deny) == {["GCP-DF-002", "google_dataflow_flex_template_job.backfill", false]} with input as t.plan([r])
}

test_deny_default_compute_account if {
	r := t.rc("google_dataflow_job", "backfill", {"service_account_email": "123456789012-compute@developer.gserviceaccount.com"})
	t.hits(rule.deny) == {["GCP-DF-002", "google_dataflow_job.backfill", false]} with input as t.plan([r])
}

test_deny_parameters_override_to_default_account if {
	r := t.rc("google_dataflow_flex_template_job", "backfill", {"service_account_email": "flight-events-batch@p.iam.gserviceaccount.com", "parameters": {"serviceAccountEmail": "p@appspot.gserviceaccount.com"}})
	t.hits(rule.deny) == {["GCP-DF-002", "google_dataflow_flex_template_job.backfill", false]} with input as t.plan([r])
}

test_deny_unknown_account_from_root_variable if {
	r := t.unknown_rc("google_dataflow_job", "backfill", {}, {"service_account_email": true})
	p := t.plan_with_config([r], [["google_dataflow_job", "backfill", {"service_account_email": t.ref(["var.worker_account"])}]])
	t.hits(rule.deny) == {["GCP-DF-002", "google_dataflow_job.backfill", true]} with input as p
}

test_deny_unknown_parameters_override if {
	r := t.unknown_rc("google_dataflow_flex_template_job", "backfill", {"service_account_email": "flight-events-batch@p.iam.gserviceaccount.com", "parameters": {}}, {"parameters": {"serviceAccountEmail": true}})
	t.hits(rule.deny) == {["GCP-DF-002", "google_dataflow_flex_template_job.backfill", true]} with input as t.plan([r])
}

test_deny_module_address_kept if {
	r := t.module_rc("module.batch", "google_dataflow_job", "this", "", {})
	t.hits(rule.deny) == {["GCP-DF-002", "module.batch.google_dataflow_job.this", false]} with input as t.plan([r])
}
