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
