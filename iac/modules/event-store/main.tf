# The event store: a BigQuery dataset and the events table, partitioned by
# day on `timestamp` and clustered by flight and status, whose schema is the
# service's schema/events.json.
#
# Access is granted with google_bigquery_dataset_iam_member only: the
# dataset's authoritative `access` blocks are left to the provider's defaults
# (project owners, writers and readers), because mixing both fights over the
# same ACL on every apply.

resource "google_bigquery_dataset" "this" {
  project     = var.project_id
  dataset_id  = var.dataset_id
  location    = var.location
  description = "Flight-status events written by the subscriber and served by the API."
  labels      = var.labels

  delete_contents_on_destroy = false

  dynamic "default_encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = default_encryption_configuration.value
    }
  }
}

resource "google_bigquery_table" "events" {
  project     = var.project_id
  dataset_id  = google_bigquery_dataset.this.dataset_id
  table_id    = var.table_id
  description = "One row per flight-status event; event_id is the idempotency key."
  labels      = var.labels
  schema      = var.schema_json

  deletion_protection      = var.deletion_protection
  require_partition_filter = true
  clustering               = ["flight_id", "status"]

  time_partitioning {
    type          = "DAY"
    field         = "timestamp"
    expiration_ms = var.partition_expiration_days == null ? null : var.partition_expiration_days * 86400000
  }

  dynamic "encryption_configuration" {
    for_each = var.kms_key_name == null ? [] : [var.kms_key_name]
    content {
      kms_key_name = encryption_configuration.value
    }
  }
}

resource "google_bigquery_dataset_iam_member" "readers" {
  for_each = toset(var.reader_members)

  project    = var.project_id
  dataset_id = google_bigquery_dataset.this.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = each.value
}
