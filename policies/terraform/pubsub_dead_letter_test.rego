package terraform.rules.pubsub_dead_letter_test

import data.terraform.rules.pubsub_dead_letter as rule
import data.terraform.testing as t

test_allow_dead_letter_topic_created_in_plan if {
	r := t.unknown_rc("google_pubsub_subscription", "s", {"dead_letter_policy": [{"max_delivery_attempts": 5}]}, {"dead_letter_policy": [{"dead_letter_topic": true}]})
	p := t.plan_with_config([r], [["google_pubsub_subscription", "s", {"dead_letter_policy": [{"dead_letter_topic": t.ref(["google_pubsub_topic.dlq.id", "google_pubsub_topic.dlq"]), "max_delivery_attempts": t.const(5)}]}]])
	count(rule.deny) == 0 with input as p
}

test_deny_no_policy if {
	r := t.rc("google_pubsub_subscription", "s", {"dead_letter_policy": []})
	t.hits(rule.deny) == {["GCP-PS-002", "google_pubsub_subscription.s", false]} with input as t.plan([r])
}

test_deny_no_max_delivery_attempts if {
	r := t.rc("google_pubsub_subscription", "s", {"dead_letter_policy": [{"dead_letter_topic": "projects/p/topics/dlq", "max_delivery_attempts": 0}]})
	t.hits(rule.deny) == {["GCP-PS-002", "google_pubsub_subscription.s", false]} with input as t.plan([r])
}

test_deny_unknown_topic_from_variable if {
	r := t.unknown_rc("google_pubsub_subscription", "s", {"dead_letter_policy": [{"max_delivery_attempts": 5}]}, {"dead_letter_policy": [{"dead_letter_topic": true}]})
	p := t.plan_with_config([r], [["google_pubsub_subscription", "s", {"dead_letter_policy": [{"dead_letter_topic": t.ref(["module.bus.dlq_id"])}]}]])
	t.hits(rule.deny) == {["GCP-PS-002", "google_pubsub_subscription.s", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc(`module.consumers["bq"]`, "google_pubsub_subscription", "s", "", {})
	t.hits(rule.deny) == {["GCP-PS-002", `module.consumers["bq"].google_pubsub_subscription.s`, false]} with input as t.plan([r])
}
