package terraform.rules.pubsub_retention_test

import data.terraform.rules.pubsub_retention as rule
import data.terraform.testing as t

test_allow_default_and_one_day if {
	rs := [
		t.rc("google_pubsub_subscription", "a", {"message_retention_duration": "604800s"}),
		t.rc("google_pubsub_subscription", "b", {"message_retention_duration": "86400s"}),
		t.rc("google_pubsub_subscription", "c", {}),
	]
	count(rule.deny) == 0 with input as t.plan(rs)
}

test_deny_short_retention if {
	r := t.rc("google_pubsub_subscription", "s", {"message_retention_duration": "3600s"})
	t.hits(rule.deny) == {["GCP-PS-003", "google_pubsub_subscription.s", false]} with input as t.plan([r])
}

test_deny_malformed_duration if {
	r := t.rc("google_pubsub_subscription", "s", {"message_retention_duration": "1d"})
	t.hits(rule.deny) == {["GCP-PS-003", "google_pubsub_subscription.s", false]} with input as t.plan([r])
}

test_deny_unknown_retention if {
	r := t.unknown_rc("google_pubsub_subscription", "s", {}, {"message_retention_duration": true})
	p := t.plan_with_config([r], [["google_pubsub_subscription", "s", {"message_retention_duration": t.ref(["terraform_data.r.output"])}]])
	t.hits(rule.deny) == {["GCP-PS-003", "google_pubsub_subscription.s", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.bus", "google_pubsub_subscription", "s", "[0]", {"message_retention_duration": "600s"})
	t.hits(rule.deny) == {["GCP-PS-003", "module.bus.google_pubsub_subscription.s[0]", false]} with input as t.plan([r])
}
