package terraform.rules.dataflow_public_ips_test

import data.terraform.rules.dataflow_public_ips as rule
import data.terraform.testing as t

test_allow_private_workers if {
	r := t.rc("google_dataflow_job", "backfill", {"ip_configuration": "WORKER_IP_PRIVATE"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_flex_private_through_parameters if {
	r := t.rc("google_dataflow_flex_template_job", "backfill", {"ip_configuration": null, "parameters": {"ipConfiguration": "WORKER_IP_PRIVATE"}})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_deleted_job if {
	r := t.with_actions(t.rc("google_dataflow_job", "old", {"ip_configuration": "WORKER_IP_PUBLIC"}), ["delete"])
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_unset if {
	r := t.rc("google_dataflow_job", "backfill", {"ip_configuration": null})
	t.hits(rule.deny) == {["GCP-DF-001", "google_dataflow_job.backfill", false]} with input as t.plan([r])
}

test_deny_public if {
	r := t.rc("google_dataflow_flex_template_job", "backfill", {"ip_configuration": "WORKER_IP_PUBLIC"})
	t.hits(rule.deny) == {["GCP-DF-001", "google_dataflow_flex_template_job.backfill", false]} with input as t.plan([r])
}

test_deny_parameters_override_to_public if {
	r := t.rc("google_dataflow_flex_template_job", "backfill", {"ip_configuration": "WORKER_IP_PRIVATE", "parameters": {"ipConfiguration": "WORKER_IP_PUBLIC"}})
	t.hits(rule.deny) == {["GCP-DF-001", "google_dataflow_flex_template_job.backfill", false]} with input as t.plan([r])
}

test_deny_unknown if {
	r := t.unknown_rc("google_dataflow_job", "backfill", {}, {"ip_configuration": true})
	p := t.plan_with_config([r], [["google_dataflow_job", "backfill", {"ip_configuration": t.ref(["var.ip"])}]])
	t.hits(rule.deny) == {["GCP-DF-001", "google_dataflow_job.backfill", true]} with input as p
}

test_deny_unknown_parameters_override if {
	r := t.unknown_rc("google_dataflow_flex_template_job", "backfill", {"ip_configuration": "WORKER_IP_PRIVATE", "parameters": {}}, {"parameters": {"ipConfiguration": true}})
	t.hits(rule.deny) == {["GCP-DF-001", "google_dataflow_flex_template_job.backfill", true]} with input as t.plan([r])
}

test_deny_module_address_kept if {
	r := t.module_rc(`module.batch["prod"]`, "google_dataflow_flex_template_job", "this", "[0]", {})
	t.hits(rule.deny) == {["GCP-DF-001", `module.batch["prod"].google_dataflow_flex_template_job.this[0]`, false]} with input as t.plan([r])
}
