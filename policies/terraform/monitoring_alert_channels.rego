package terraform.rules.monitoring_alert_channels

import data.terraform.lib

# METADATA
# title: Alert policies notify someone and are enabled
# description: |
#   An alert policy without notification_channels only shows up in the
#   console; a disabled one never fires. Channels created in the same plan
#   (ids known after apply) count as set.
# custom:
#   id: GCP-MON-001
#   severity: LOW
#   resource_types: ["google_monitoring_alert_policy"]
#   remediation: Set notification_channels = [google_monitoring_notification_channel.<name>.id] and leave enabled = true.
#   related: ["ours: no Checkov, Trivy or policy-library equivalent"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

path := ["notification_channels"]

issues contains lib.issue(rc, "notification_channels is empty: the alert notifies no one") if {
	some rc in lib.resources_by_type.google_monitoring_alert_policy
	not lib.unknown(rc, path)
	count(lib.arr(lib.get(rc, path))) == 0
}

issues contains lib.unknown_issue(rc, path) if {
	some rc in lib.resources_by_type.google_monitoring_alert_policy
	lib.undecided(rc, path)
}

issues contains lib.issue(rc, "enabled is false: the alert never fires") if {
	some rc in lib.resources_by_type.google_monitoring_alert_policy
	lib.get(rc, ["enabled"]) == false
}
