package terraform.rules.pubsub_topic_cmek_test

import data.terraform.rules.pubsub_topic_cmek as rule
import data.terraform.testing as t

test_allow_key if {
	r := t.rc("google_pubsub_topic", "events", {"kms_key_name": "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_key_created_in_plan if {
	r := t.unknown_rc("google_pubsub_topic", "events", {}, {"kms_key_name": true})
	p := t.plan_with_config([r], [["google_pubsub_topic", "events", {"kms_key_name": t.ref(["google_kms_crypto_key.ps.id", "google_kms_crypto_key.ps"])}]])
	count(rule.deny) == 0 with input as p
}

test_deny_no_key if {
	r := t.rc("google_pubsub_topic", "events", {"kms_key_name": null})
	t.hits(rule.deny) == {["GCP-PS-001", "google_pubsub_topic.events", false]} with input as t.plan([r])
}

test_deny_unknown_key_not_configured_resource if {
	r := t.unknown_rc("google_pubsub_topic", "events", {}, {"kms_key_name": true})
	p := t.plan_with_config([r], [["google_pubsub_topic", "events", {"kms_key_name": t.ref(["data.google_kms_crypto_key.k.id"])}]])
	t.hits(rule.deny) == {["GCP-PS-001", "google_pubsub_topic.events", true]} with input as p
}

test_deny_unknown_key_without_configuration if {
	r := t.unknown_rc("google_pubsub_topic", "events", {}, {"kms_key_name": true})
	t.hits(rule.deny) == {["GCP-PS-001", "google_pubsub_topic.events", true]} with input as t.plan([r])
}

test_deny_module_address_kept if {
	r := t.module_rc("module.bus", "google_pubsub_topic", "t", `["dlq"]`, {})
	t.hits(rule.deny) == {["GCP-PS-001", `module.bus.google_pubsub_topic.t["dlq"]`, false]} with input as t.plan([r])
}
