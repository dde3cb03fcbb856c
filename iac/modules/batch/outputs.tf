output "service_account_email" {
  description = "Identity of the launcher and the workers (--service-account-email)."
  value       = google_service_account.workers.email
}

output "input_bucket" {
  description = "Bucket of the files to backfill (the input parameter's globs point here)."
  value       = google_storage_bucket.this["input"].name
}

output "work_bucket" {
  description = "Bucket of the jobs' temp/, staging/ and dead-letter/ prefixes."
  value       = google_storage_bucket.this["work"].name
}

output "templates_bucket" {
  description = "Bucket the service CI builds the flex template specs into (batch/<commit>.json, batch/batch.json) and reads batch/environment.json from."
  value       = google_storage_bucket.this["templates"].name
}

output "template_spec" {
  description = "Flex template spec of the last build on main (--template-file-gcs-location)."
  value       = "gs://${google_storage_bucket.this["templates"].name}/batch/batch.json"
}

output "environment" {
  description = "Launch defaults baked into every template spec: region, service account, subnetwork, no public IPs, temp and staging locations, max workers, machine type, labels."
  value       = local.environment
}

output "parameters" {
  description = "Pipeline parameters every launch passes besides input: dead_letter, dataset and table."
  value       = local.parameters
}

output "launch_command" {
  description = "The gcloud command that launches a backfill; replace INPUT with the comma-separated gs:// globs (^~^ makes ~ the parameter separator, so the commas stay in the value)."
  value       = "gcloud dataflow flex-template run ${local.network_name}-$(date -u +%Y%m%d-%H%M%S) --project=${var.project_id} --region=${var.region} --template-file-gcs-location=gs://${google_storage_bucket.this["templates"].name}/batch/batch.json --parameters=^~^input=INPUT~dead_letter=${local.parameters.dead_letter}~dataset=${var.dataset_id}~table=${var.table_id}"
}
