output "alert_policy_ids" {
  description = "IDs of the threshold alert policies, by name: latency, error_rate, no_messages, bytes_billed (the FinOps alert)."
  value = {
    latency      = google_monitoring_alert_policy.latency.id
    error_rate   = google_monitoring_alert_policy.error_rate.id
    no_messages  = google_monitoring_alert_policy.no_messages.id
    bytes_billed = google_monitoring_alert_policy.bytes_billed.id
  }
}

output "burn_rate_alert_policy_ids" {
  description = "IDs of the burn-rate alert policies, by <slo>-<fast|slow>."
  value       = { for k, p in google_monitoring_alert_policy.burn_rate : k => p.id }
}

output "slo_names" {
  description = "Full resource names of the SLOs, by name: latency, availability, ingest."
  value       = local.slos
}

output "dashboard_id" {
  description = "ID of the Cloud Monitoring dashboard."
  value       = google_monitoring_dashboard.this.id
}
