package terraform.rules.allowed_locations_test

import data.terraform.rules.allowed_locations as rule
import data.terraform.testing as t

test_allow_allowed_regions if {
	rs := [
		t.rc("google_storage_bucket", "b", {"location": "EUROPE-WEST1"}),
		t.rc("google_bigquery_dataset", "d", {"location": "europe-west1"}),
		t.rc("google_cloud_run_v2_service", "api", {"location": "us-central1"}),
		t.rc("google_pubsub_topic", "t", {"message_storage_policy": [{"allowed_persistence_regions": ["europe-west1", "europe-west4"]}]}),
	]
	count(rule.deny) == 0 with input as t.plan(rs)
}

test_deny_multi_region_and_other_region if {
	rs := [
		t.rc("google_storage_bucket", "b", {"location": "EU"}),
		t.rc("google_bigquery_dataset", "d", {"location": "asia-east1"}),
	]
	t.hits(rule.deny) == {["GCP-GEN-002", "google_storage_bucket.b", false], ["GCP-GEN-002", "google_bigquery_dataset.d", false]} with input as t.plan(rs)
}

test_deny_topic_without_storage_policy if {
	r := t.rc("google_pubsub_topic", "t", {"message_storage_policy": []})
	t.hits(rule.deny) == {["GCP-GEN-002", "google_pubsub_topic.t", false]} with input as t.plan([r])
}

test_deny_topic_storage_outside_allowed if {
	r := t.rc("google_pubsub_topic", "t", {"message_storage_policy": [{"allowed_persistence_regions": ["europe-west1", "asia-east1"]}]})
	[f.message | some f in rule.deny] == ["message_storage_policy allows region asia-east1"] with input as t.plan([r])
}

test_allow_configured_regions if {
	r := t.rc("google_storage_bucket", "b", {"location": "EU"})
	count(rule.deny) == 0 with input as t.plan([r]) with data.gate.config as {"allowed_regions": ["eu"]}
}

test_deny_unknown_location if {
	rs := [
		t.unknown_rc("google_cloud_run_v2_service", "api", {}, {"location": true}),
		t.unknown_rc("google_pubsub_topic", "t", {}, {"message_storage_policy": true}),
	]
	t.hits(rule.deny) == {["GCP-GEN-002", "google_cloud_run_v2_service.api", true], ["GCP-GEN-002", "google_pubsub_topic.t", true]} with input as t.plan(rs)
}

test_deny_module_address_kept if {
	r := t.module_rc(`module.region["asia"]`, "google_storage_bucket", "b", "[0]", {"location": "ASIA"})
	t.hits(rule.deny) == {["GCP-GEN-002", `module.region["asia"].google_storage_bucket.b[0]`, false]} with input as t.plan([r])
}
