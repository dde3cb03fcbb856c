output "url" {
  description = "HTTPS URL of the API (GET /datos)."
  value       = module.service.url
}

output "api_service_name" {
  description = "Cloud Run service of the API (deploy revisions to this name: it is shortened from the service name when that is too long for Cloud Run)."
  value       = module.service.api_service_name
}

output "subscriber_service_name" {
  description = "Cloud Run service of the subscriber."
  value       = module.service.subscriber_service_name
}

output "topic_id" {
  description = "Topic producers publish flight events to."
  value       = module.flight_events.topic_id
}

output "table_ref" {
  description = "BigQuery table of the events, <project>.<dataset>.<table>."
  value       = module.event_store.table_ref
}

output "api_service_account_email" {
  description = "Runtime identity of the API."
  value       = module.service.api_service_account_email
}

output "subscriber_service_account_email" {
  description = "Runtime identity of the subscriber."
  value       = module.service.subscriber_service_account_email
}

output "dashboard_id" {
  description = "Cloud Monitoring dashboard of the service."
  value       = module.observability.dashboard_id
}
