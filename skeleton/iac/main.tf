# Infrastructure of the service, composed from the platform's shared modules
# at the template's platform ref. One root for every environment:
#   terraform init -backend-config=envs/dev.gcs.tfbackend
#   terraform plan -var-file=envs/dev.tfvars -out=plan.tfplan

provider "google" {
  project = var.project_id
  region  = var.region
}

locals {
  # Resources are named after the service name plus the environment's suffix
  # (prod shares the project as <name>-prod). Above 63 characters, the limit
  # of the shared modules' name and of KMS names, that becomes its first 56
  # characters (trailing hyphens trimmed), a hyphen and the first 6 hex
  # digits of its SHA-1, so two long names with the same prefix still differ.
  instance_name = "${var.name}${var.name_suffix}"
  resource_name = length(local.instance_name) <= 63 ? local.instance_name : "${trim(substr(local.instance_name, 0, 56), "-")}-${substr(sha1(local.instance_name), 0, 6)}"

  # The alert bridge's webhook, keyed apart from the e-mail channels' addresses.
  incident_webhooks = var.incident_webhook == null ? {} : { alertbridge = var.incident_webhook }

  # Label values hold at most 63 characters: the template's name always fits.
  labels = {
    service    = var.name
    env        = var.environment
    owner      = substr(replace(lower(var.owner), "/[^a-z0-9_-]/", "_"), 0, 63)
    system     = substr(replace(lower(var.system), "/[^a-z0-9_-]/", "_"), 0, 63)
    platform   = substr(replace(lower(var.platform_ref), "/[^a-z0-9_-]/", "-"), 0, 63)
    managed-by = "terraform"
  }
}

module "flight_events" {
  source = "git::https://github.com/acme-platform/golden-path.git//iac/modules/flight-events?ref=${{ values.platformRef }}"

  project_id                  = var.project_id
  name                        = local.resource_name
  allowed_persistence_regions = [var.region]
  kms_key_name                = google_kms_crypto_key_iam_member.pubsub.crypto_key_id
  publisher_members           = var.publisher_members
  labels                      = local.labels
}

module "event_store" {
  source = "git::https://github.com/acme-platform/golden-path.git//iac/modules/event-store?ref=${{ values.platformRef }}"

  project_id = var.project_id
  location   = var.region
  dataset_id = var.dataset_id
  table_id   = var.table_id
  # The one definition of the columns, also read by the service's tests.
  schema_json  = file("${path.module}/../schema/events.json")
  kms_key_name = google_kms_crypto_key_iam_member.bigquery.crypto_key_id
  labels       = local.labels
}

module "service" {
  source = "git::https://github.com/acme-platform/golden-path.git//iac/modules/service?ref=${{ values.platformRef }}"

  project_id             = var.project_id
  region                 = var.region
  name                   = local.resource_name
  image                  = var.image
  public                 = var.public_api
  invoker_members        = var.invoker_members
  deployer_members       = var.deployer_members
  dataset_id             = module.event_store.dataset_id
  table_id               = module.event_store.table_id
  bigquery_location      = module.event_store.location
  topic_name             = module.flight_events.topic_name
  subscription_name      = module.flight_events.subscription_name
  dead_letter_topic_name = module.flight_events.dead_letter_topic_name
  labels                 = local.labels
}

# The batch pipeline's production path (batch/ on Dataflow): worker identity,
# buckets, network and the template's launch defaults. The job is launched on
# demand from the template spec CI builds (docs/batch-dataflow.md of the
# platform), never by an apply.
module "batch" {
  source = "git::https://github.com/acme-platform/golden-path.git//iac/modules/batch?ref=${{ values.platformRef }}"

  project_id                 = var.project_id
  region                     = var.region
  name                       = local.resource_name
  dataset_id                 = module.event_store.dataset_id
  table_id                   = module.event_store.table_id
  artifact_registry_location = var.region
  artifact_repository_id     = var.artifact_repository_id
  launcher_members           = var.deployer_members
  max_workers                = var.batch_max_workers
  labels                     = local.labels
}

resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.alert_emails)

  project      = var.project_id
  display_name = "${local.instance_name} alerts: ${each.value}"
  type         = "email"
  user_labels  = local.labels

  labels = {
    email_address = each.value
  }
}

# The platform's alert bridge files every alert as a Jira incident
# (docs/alertbridge.md of the platform). The password is read from Secret
# Manager at plan time: Terraform marks it sensitive (never printed) but a
# data source's result and the channel's sensitive_labels are both kept in
# this root's state, which only the deploy identities can read. Terraform
# 1.5 has no ephemeral values to avoid that.
data "google_secret_manager_secret_version" "incident_webhook" {
  for_each = local.incident_webhooks

  secret  = each.value.password_secret
  version = "latest"
}

resource "google_monitoring_notification_channel" "incident_webhook" {
  for_each = local.incident_webhooks

  project      = var.project_id
  display_name = "${local.instance_name} incidents: alert bridge"
  type         = "webhook_basicauth"
  user_labels  = local.labels

  labels = {
    url      = each.value.url
    username = each.value.username
  }

  sensitive_labels {
    password = data.google_secret_manager_secret_version.incident_webhook[each.key].secret_data
  }
}

module "observability" {
  source = "git::https://github.com/acme-platform/golden-path.git//iac/modules/observability?ref=${{ values.platformRef }}"

  project_id            = var.project_id
  name                  = local.resource_name
  api_service_name      = module.service.api_service_name
  topic_name            = module.flight_events.topic_name
  subscription_name     = module.flight_events.subscription_name
  notification_channels = [for c in merge(google_monitoring_notification_channel.email, google_monitoring_notification_channel.incident_webhook) : c.id]
  labels                = local.labels
  # The FinOps alert: a day of BigQuery queries billing more than a day's share
  # of the service's monthly budget (costpolicy.yaml).
  bigquery_query_budget = { monthly_usd = ${{ values.monthlyBudget }} }

  # The service's own alerts (PromQL on its /metrics, scraped by the GMP
  # sidecar), kept beside its dashboard and checked against its registry.
  prometheus_alerts = [for r in jsondecode(file("${path.module}/../dashboards/alerts.json")).groups[0].rules : {
    name     = r.alert
    query    = r.expr
    duration = "${tonumber(trimsuffix(r["for"], "m")) * 60}s"
    severity = r.labels.severity
    summary  = r.annotations.summary
  }]
}
