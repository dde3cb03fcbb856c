# The alert bridge (tools/alertbridge): Cloud Monitoring's webhook channels
# post incidents to it and it files them in Jira Service Management. One per
# platform, shared by every service; only when var.alertbridge is set.
#
# Secrets: the Jira API token and the webhook password live in Secret
# Manager, created with gcloud (docs/alertbridge.md), so that neither the
# secrets nor their values ever enter this state. Terraform only grants the
# bridge's own service account access to exactly those two; Cloud Run reads
# them at start-up (env value_source), not Terraform.
#
# Exposure: Cloud Monitoring's webhooks come from the internet without a
# Google identity token, so the service takes all ingress and allUsers may
# invoke it; every request is authenticated by the bridge itself (HTTP basic,
# constant-time compare). The policy gate flags both; policy-waivers.yaml
# holds the reviewed waivers.

locals {
  bridge = var.alertbridge == null ? {} : { alertbridge = var.alertbridge }
  bridge_secrets = var.alertbridge == null ? {} : {
    jira_api_token   = "alertbridge-jira-api-token"
    webhook_password = "alertbridge-webhook-password"
  }
  bridge_args = var.alertbridge == null ? [] : concat(
    [
      "--base-url=${var.alertbridge.jira_base_url}",
      "--project=${var.alertbridge.jira_project}",
      "--resolve-transition=${var.alertbridge.resolve_transition}",
    ],
    var.alertbridge.service_desk_id == "" ? [] : [
      "--service-desk-id=${var.alertbridge.service_desk_id}",
      "--request-type-id=${var.alertbridge.request_type_id}",
    ],
  )
}

resource "google_service_account" "alertbridge" {
  for_each = local.bridge

  project      = var.project_id
  account_id   = "alertbridge"
  display_name = "Alert bridge (Cloud Monitoring to Jira)"
  description  = "Runs the alert bridge: reads its two Secret Manager secrets, nothing else."
}

# The bridge reads its two secrets and no other: a project-level grant (the
# secrets are created outside Terraform) conditioned on their names.
resource "google_project_iam_member" "alertbridge_secrets" {
  for_each = local.bridge

  project = var.project_id
  role    = "roles/secretmanager.secretAccessor"
  member  = google_service_account.alertbridge["alertbridge"].member

  condition {
    title       = "alertbridge secrets only"
    description = "The alert bridge's Jira API token and webhook password."
    expression  = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.bridge_secrets.jira_api_token}\") || resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${local.bridge_secrets.webhook_password}\")"
  }
}

# The deploy identity rolls out new revisions running as the bridge's account.
resource "google_service_account_iam_member" "apply_alertbridge" {
  for_each = local.bridge

  service_account_id = google_service_account.alertbridge["alertbridge"].name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.apply.member
}

resource "google_cloud_run_v2_service" "alertbridge" {
  for_each = local.bridge

  project             = var.project_id
  name                = "alertbridge"
  location            = var.region
  description         = "Cloud Monitoring incidents to Jira Service Management (tools/alertbridge)."
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false
  labels              = var.labels

  template {
    service_account = google_service_account.alertbridge["alertbridge"].email
    labels          = var.labels
    timeout         = "30s"

    # One instance: the bridge serialises the notifications of a policy in
    # memory, and Cloud Monitoring's traffic is a few requests a minute.
    scaling {
      min_instance_count = 0
      max_instance_count = 1
    }

    containers {
      image = each.value.image
      args  = local.bridge_args

      resources {
        limits   = { cpu = "1", memory = "256Mi" }
        cpu_idle = true
      }

      env {
        name  = "JIRA_EMAIL"
        value = each.value.jira_email
      }

      env {
        name  = "ALERTBRIDGE_USER"
        value = each.value.webhook_user
      }

      env {
        name = "JIRA_API_TOKEN"
        value_source {
          secret_key_ref {
            secret  = local.bridge_secrets.jira_api_token
            version = "latest"
          }
        }
      }

      env {
        name = "ALERTBRIDGE_PASSWORD"
        value_source {
          secret_key_ref {
            secret  = local.bridge_secrets.webhook_password
            version = "latest"
          }
        }
      }

      startup_probe {
        http_get {
          path = "/healthz"
        }
      }

      liveness_probe {
        http_get {
          path = "/healthz"
        }
      }
    }
  }

  depends_on = [google_project_iam_member.alertbridge_secrets, google_project_service.this]
}

resource "google_cloud_run_v2_service_iam_member" "alertbridge_public" {
  for_each = local.bridge

  project  = var.project_id
  location = google_cloud_run_v2_service.alertbridge[each.key].location
  name     = google_cloud_run_v2_service.alertbridge[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
