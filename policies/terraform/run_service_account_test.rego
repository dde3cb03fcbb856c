package terraform.rules.run_service_account_test

import data.terraform.rules.run_service_account as rule
import data.terraform.testing as t

test_allow_dedicated_account if {
	r := t.rc("google_cloud_run_v2_service", "api", {"template": [{"service_account": "flight-events@p.iam.gserviceaccount.com"}]})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_account_created_in_plan if {
	r := t.unknown_rc("google_cloud_run_v2_service", "api", {"template": [{}]}, {"template": [{"service_account": true}]})
	p := t.plan_with_config([r], [["google_cloud_run_v2_service", "api", {"template": [{"service_account": t.ref(["google_service_account.run.email", "google_service_account.run"])}]}]])
	count(rule.deny) == 0 with input as p
}

test_deny_unset if {
	r := t.rc("google_cloud_run_v2_service", "api", {"template": [{"service_account": null}]})
	t.hits(rule.deny) == {["GCP-RUN-002", "google_cloud_run_v2_service.api", false]} with input as t.plan([r])
}

test_deny_unset_computed if {
	r := t.unknown_rc("google_cloud_run_v2_service", "api", {"template": [{}]}, {"template": [{"service_account": true}]})
	t.hits(rule.deny) == {["GCP-RUN-002", "google_cloud_run_v2_service.api", false]} with input as t.plan([r])
}

test_deny_default_compute_account_on_job if {
	r := t.rc("google_cloud_run_v2_job", "load", {"template": [{"template": [{"service_account": "123-compute@developer.gserviceaccount.com"}]}]})
	t.hits(rule.deny) == {["GCP-RUN-002", "google_cloud_run_v2_job.load", false]} with input as t.plan([r])
}

test_deny_unknown_account_from_module_output if {
	r := t.unknown_rc("google_cloud_run_v2_service", "api", {"template": [{}]}, {"template": [{"service_account": true}]})
	p := t.plan_with_config([r], [["google_cloud_run_v2_service", "api", {"template": [{"service_account": t.ref(["module.iam.email"])}]}]])
	t.hits(rule.deny) == {["GCP-RUN-002", "google_cloud_run_v2_service.api", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc(`module.svc["api"]`, "google_cloud_run_v2_service", "this", "", {"template": [{}]})
	t.hits(rule.deny) == {["GCP-RUN-002", `module.svc["api"].google_cloud_run_v2_service.this`, false]} with input as t.plan([r])
}
