package terraform.rules.monitoring_alert_channels_test

import data.terraform.rules.monitoring_alert_channels as rule
import data.terraform.testing as t

test_allow_channels if {
	r := t.rc("google_monitoring_alert_policy", "a", {"enabled": true, "notification_channels": ["projects/p/notificationChannels/1"]})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_channel_created_in_plan if {
	r := t.unknown_rc("google_monitoring_alert_policy", "a", {"enabled": true}, {"notification_channels": true})
	p := t.plan_with_config([r], [["google_monitoring_alert_policy", "a", {"notification_channels": t.ref(["google_monitoring_notification_channel.email.id", "google_monitoring_notification_channel.email"])}]])
	count(rule.deny) == 0 with input as p
}

test_deny_no_channels if {
	r := t.rc("google_monitoring_alert_policy", "a", {"enabled": true, "notification_channels": []})
	t.hits(rule.deny) == {["GCP-MON-001", "google_monitoring_alert_policy.a", false]} with input as t.plan([r])
}

test_deny_disabled if {
	r := t.rc("google_monitoring_alert_policy", "a", {"enabled": false, "notification_channels": ["c"]})
	[f.message | some f in rule.deny] == ["enabled is false: the alert never fires"] with input as t.plan([r])
}

test_deny_unknown_channels_from_variable if {
	r := t.unknown_rc("google_monitoring_alert_policy", "a", {"enabled": true}, {"notification_channels": true})
	p := t.plan_with_config([r], [["google_monitoring_alert_policy", "a", {"notification_channels": t.ref(["var.channels"])}]])
	t.hits(rule.deny) == {["GCP-MON-001", "google_monitoring_alert_policy.a", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.alerts", "google_monitoring_alert_policy", "a", `["lag"]`, {"enabled": true})
	t.hits(rule.deny) == {["GCP-MON-001", `module.alerts.google_monitoring_alert_policy.a["lag"]`, false]} with input as t.plan([r])
}

# observability_plan: an alert policy in module.observability whose channels
# come from var.notification_channels, set by the root module call from
# call_refs (the shape of the service plan).
observability_plan(call_refs) := {
	"format_version": "1.2",
	"resource_changes": [observability_alert],
	"configuration": {"root_module": {"module_calls": {"observability": {
		"source": "./modules/observability",
		"expressions": {"notification_channels": t.ref(call_refs)},
		"module": {"resources": [t.config_resource(["google_monitoring_alert_policy", "latency", {"notification_channels": t.ref(["var.notification_channels"])}])]},
	}}}},
}

observability_alert := object.union(
	t.unknown_rc("google_monitoring_alert_policy", "latency", {"enabled": true}, {"notification_channels": [true]}),
	{"address": "module.observability.google_monitoring_alert_policy.latency", "module_address": "module.observability"},
)

test_allow_channels_created_in_plan_through_module_variable if {
	count(rule.deny) == 0 with input as observability_plan(["google_monitoring_notification_channel.email"])
}

test_deny_unknown_channels_from_module_variable_set_by_root_variable if {
	want := {["GCP-MON-001", "module.observability.google_monitoring_alert_policy.latency", true]}
	t.hits(rule.deny) == want with input as observability_plan(["var.channel_ids"])
}
