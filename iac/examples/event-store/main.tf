provider "google" {
  project = var.project_id
  region  = var.region
}

module "event_store" {
  source = "../../modules/event-store"

  project_id = var.project_id
  location   = var.region
  dataset_id = "example_flight_events"
  table_id   = "events"
  # The service's schema file: the single definition of the columns.
  schema_json         = file("${path.module}/../../../skeleton/schema/events.json")
  deletion_protection = false
  labels              = { example = "event-store", managed-by = "terraform" }
}
