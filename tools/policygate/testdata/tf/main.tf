resource "google_service_account" "run" {
  account_id = local.name
}

resource "google_cloud_run_v2_service" "api" {
  name     = local.name
  location = var.region
  ingress  = "INGRESS_TRAFFIC_ALL"
  labels   = local.labels

  template {
    service_account = google_service_account.run.email
  }
}

resource "google_cloud_run_v2_service_iam_member" "invoker" {
  name   = google_cloud_run_v2_service.api.name
  role   = "roles/run.invoker"
  member = "allUsers"
}

module "state" {
  source = "./modules/state"
  name   = var.project_id
}

module "alerts" {
  source = "./modules/alerts"
  count  = 1
}
