package terraform.rules.pubsub_retention

import data.terraform.lib

# METADATA
# title: Pub/Sub subscriptions retain messages for at least one day
# description: |
#   message_retention_duration below 86400s loses unacknowledged messages after
#   a subscriber outage shorter than a weekend. Unset is fine: the default is
#   7 days.
# custom:
#   id: GCP-PS-003
#   severity: LOW
#   resource_types: ["google_pubsub_subscription"]
#   remediation: Set message_retention_duration to at least "86400s" (default "604800s").
#   related: ["ours: no Checkov, Trivy or policy-library equivalent"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

path := ["message_retention_duration"]

seconds(d) := to_number(trim_suffix(d, "s")) if regex.match(`^[0-9]+(\.[0-9]+)?s$`, d)

issues contains lib.issue(rc, sprintf("message_retention_duration is %s, want at least 86400s", [d])) if {
	some rc in lib.resources_by_type.google_pubsub_subscription
	d := lib.get(rc, path)
	is_string(d)
	seconds(d) < 86400
}

issues contains lib.issue(rc, sprintf("message_retention_duration %q is not a duration in seconds", [d])) if {
	some rc in lib.resources_by_type.google_pubsub_subscription
	d := lib.get(rc, path)
	is_string(d)
	not seconds(d)
}

issues contains lib.unknown_issue(rc, path) if {
	some rc in lib.resources_by_type.google_pubsub_subscription
	lib.unknown_configured(rc, path)
}
