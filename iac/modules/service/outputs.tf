output "url" {
  description = "HTTPS URL of the API service."
  value       = google_cloud_run_v2_service.api.uri
}

output "api_service_name" {
  description = "Name of the API Cloud Run service."
  value       = google_cloud_run_v2_service.api.name
}

output "subscriber_service_name" {
  description = "Name of the subscriber Cloud Run service."
  value       = google_cloud_run_v2_service.subscriber.name
}

output "api_service_account_email" {
  description = "Email of the API's runtime service account."
  value       = google_service_account.api.email
}

output "subscriber_service_account_email" {
  description = "Email of the subscriber's runtime service account."
  value       = google_service_account.subscriber.email
}
