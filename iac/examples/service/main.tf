provider "google" {
  project = var.project_id
  region  = var.region
}

locals {
  labels = { example = "service", managed-by = "terraform" }
}

module "flight_events" {
  source = "../../modules/flight-events"

  project_id                  = var.project_id
  name                        = "example-svc"
  allowed_persistence_regions = [var.region]
  labels                      = local.labels
}

module "event_store" {
  source = "../../modules/event-store"

  project_id          = var.project_id
  location            = var.region
  dataset_id          = "example_svc"
  table_id            = "events"
  schema_json         = file("${path.module}/../../../skeleton/schema/events.json")
  deletion_protection = false
  labels              = local.labels
}

module "service" {
  source = "../../modules/service"

  project_id             = var.project_id
  region                 = var.region
  name                   = "example-svc"
  image                  = "us-docker.pkg.dev/cloudrun/container/hello"
  dataset_id             = module.event_store.dataset_id
  table_id               = module.event_store.table_id
  bigquery_location      = module.event_store.location
  topic_name             = module.flight_events.topic_name
  subscription_name      = module.flight_events.subscription_name
  dead_letter_topic_name = module.flight_events.dead_letter_topic_name
  deletion_protection    = false
  labels                 = local.labels
}
