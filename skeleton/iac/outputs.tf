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

output "batch_templates_bucket" {
  description = "Bucket the service CI builds the batch flex template into (set the BATCH_TEMPLATES_BUCKET repository variable to it)."
  value       = module.batch.templates_bucket
}

output "batch_input_bucket" {
  description = "Bucket of the files a Dataflow backfill reads."
  value       = module.batch.input_bucket
}

output "batch_service_account_email" {
  description = "Identity of the batch pipeline's Dataflow workers."
  value       = module.batch.service_account_email
}

output "batch_launch_command" {
  description = "gcloud command that launches a Dataflow backfill (replace INPUT with comma-separated gs:// globs)."
  value       = module.batch.launch_command
}
