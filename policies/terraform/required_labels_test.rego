package terraform.rules.required_labels_test

import data.terraform.rules.required_labels as rule
import data.terraform.testing as t

test_allow_all_labels if {
	rs := [
		t.rc("google_pubsub_topic", "t", {"labels": t.labels}),
		t.rc("google_monitoring_alert_policy", "a", {"user_labels": t.labels}),
		t.rc("google_service_account", "sa", {"account_id": "run"}),
	]
	count(rule.deny) == 0 with input as t.plan(rs)
}

test_allow_labels_from_provider_default_labels if {
	r := t.rc("google_storage_bucket", "b", {"labels": {"service": "flight-events"}, "terraform_labels": t.labels})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_missing_labels if {
	r := t.rc("google_cloud_run_v2_service", "api", {"labels": {"service": "flight-events", "env": "dev"}})
	[f.message | some f in rule.deny] == ["missing required labels: managed-by, owner"] with input as t.plan([r])
}

test_deny_configured_required_labels if {
	r := t.rc("google_pubsub_topic", "t", {"labels": t.labels})
	t.hits(rule.deny) == {["GCP-GEN-001", "google_pubsub_topic.t", false]} with input as t.plan([r]) with data.gate.config as {"required_labels": ["cost-center"]}
}

test_deny_unknown_labels if {
	r := t.unknown_rc("google_bigquery_dataset", "d", {}, {"labels": true, "terraform_labels": true})
	t.hits(rule.deny) == {["GCP-GEN-001", "google_bigquery_dataset.d", true]} with input as t.plan([r])
}

test_deny_module_address_kept if {
	r := t.module_rc("module.data", "google_bigquery_table", "t", `["events"]`, {"labels": null})
	t.hits(rule.deny) == {["GCP-GEN-001", `module.data.google_bigquery_table.t["events"]`, false]} with input as t.plan([r])
}

test_allow_labelled_dataflow_jobs if {
	rs := [
		t.rc("google_dataflow_job", "backfill", {"labels": t.labels}),
		t.rc("google_dataflow_flex_template_job", "backfill", {"labels": object.union(t.labels, {"component": "batch"})}),
	]
	count(rule.deny) == 0 with input as t.plan(rs)
}

test_deny_unlabelled_dataflow_jobs if {
	rs := [
		t.rc("google_dataflow_job", "backfill", {"labels": {"service": "flight-events"}}),
		t.rc("google_dataflow_flex_template_job", "backfill", {}),
	]
	t.hits(rule.deny) == {["GCP-GEN-001", "google_dataflow_job.backfill", false], ["GCP-GEN-001", "google_dataflow_flex_template_job.backfill", false]} with input as t.plan(rs)
}
