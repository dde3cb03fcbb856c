provider "google" {
  project = var.project_id
  region  = var.region
}

module "batch" {
  source = "../../modules/batch"

  project_id                 = var.project_id
  region                     = var.region
  name                       = "example-batch"
  dataset_id                 = "example_flight_events"
  table_id                   = "events"
  artifact_registry_location = var.region
  artifact_repository_id     = "services"
  max_workers                = 4
  labels                     = { example = "batch", managed-by = "terraform" }
}
