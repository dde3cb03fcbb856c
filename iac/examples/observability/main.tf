provider "google" {
  project = var.project_id
  region  = var.region
}

resource "google_monitoring_notification_channel" "email" {
  project      = var.project_id
  display_name = "example alerts"
  type         = "email"
  user_labels  = { example = "observability" }

  labels = {
    email_address = var.notification_email
  }
}

module "observability" {
  source = "../../modules/observability"

  project_id            = var.project_id
  name                  = "example-svc"
  api_service_name      = "example-svc"
  topic_name            = "example-svc"
  subscription_name     = "example-svc-sub"
  notification_channels = [google_monitoring_notification_channel.email.id]
  bigquery_query_budget = { monthly_usd = 50 }
  labels                = { example = "observability", managed-by = "terraform" }
}
