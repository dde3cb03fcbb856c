resource "google_monitoring_notification_channel" "email" {
  display_name = "flight-ops on-call"
  type         = "email"
}

resource "google_monitoring_alert_policy" "this" {
  for_each = local.alerts

  display_name          = each.value.name
  combiner              = "OR"
  enabled               = false
  notification_channels = [google_monitoring_notification_channel.email.id]
}
