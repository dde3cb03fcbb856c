output "dataset_id" {
  description = "ID of the dataset."
  value       = google_bigquery_dataset.this.dataset_id
}

output "table_id" {
  description = "ID of the events table."
  value       = google_bigquery_table.events.table_id
}

output "table_ref" {
  description = "Fully qualified table name, <project>.<dataset>.<table>, as SQL and the BigQuery clients use it."
  value       = "${var.project_id}.${google_bigquery_dataset.this.dataset_id}.${google_bigquery_table.events.table_id}"
}

output "location" {
  description = "Location of the dataset."
  value       = google_bigquery_dataset.this.location
}
