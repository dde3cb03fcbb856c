provider "google" {
  project = var.project_id
  region  = var.region
}

module "flight_events" {
  source = "../../modules/flight-events"

  project_id                  = var.project_id
  name                        = "example-flight-events"
  allowed_persistence_regions = [var.region]
  max_delivery_attempts       = 5
  labels                      = { example = "flight-events", managed-by = "terraform" }
}
