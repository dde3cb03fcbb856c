# The service's runtime on Cloud Run v2: the HTTP API and the Pub/Sub
# subscriber, each with its own service account and least-privilege grants.
#
# Subscriber runtime choice: a Cloud Run *service* with instance-based billing
# (cpu_idle = false) and min instances >= 1, internal ingress and no invokers.
# A streaming pull is a long-lived outbound connection, so CPU must stay
# allocated between requests and at least one instance must always run.
# Cloud Run worker pools fit the job too but are not in the GA google provider
# range pinned here; switching is a resource swap with the same service
# account and grants. The subscriber still serves /healthz and /readyz on
# $PORT for the probes.

locals {
  # Derived identifiers. Each is "<name>" or "<name>-<role>" when that fits
  # the GCP rule quoted next to it; otherwise the name is truncated and a
  # hash keeps it unique: "<prefix>-<6 hex of sha1(name)>[-<role>]", where
  # prefix is the longest leading part of the name that fits, trailing
  # hyphens trimmed. Names sharing a long prefix get different hashes; the
  # full name stays in descriptions and display names.
  name_hash = substr(sha1(var.name), 0, 6)

  # Cloud Run service names: a letter, then letters, digits and hyphens, not
  # ending with a hyphen, at most 49 characters (revision names add a suffix
  # within DNS's 63).
  api_name        = can(regex("^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$", var.name)) ? var.name : "${trim(substr(var.name, 0, 42), "-")}-${local.name_hash}"
  subscriber_name = length(var.name) <= 38 ? "${var.name}-subscriber" : "${trim(substr(var.name, 0, 31), "-")}-${local.name_hash}-subscriber"

  # Service account IDs: ^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$, 6-30 characters.
  api_account_id        = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", "${var.name}-api")) ? "${var.name}-api" : "${trim(substr(var.name, 0, 19), "-")}-${local.name_hash}-api"
  subscriber_account_id = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", "${var.name}-sub")) ? "${var.name}-sub" : "${trim(substr(var.name, 0, 19), "-")}-${local.name_hash}-sub"

  port = 8080

  # Managed Service for Prometheus: the Cloud Run GMP sidecar scrapes the
  # service's /metrics on localhost and writes to Cloud Monitoring. Its
  # RunMonitoring config (a subset of GMP's PodMonitoring) is mounted from
  # Secret Manager at /etc/rungmp/config.yaml.
  gmp_secret_id = "${local.api_name}-gmp-config"
  gmp_config = yamlencode({
    apiVersion = "monitoring.googleapis.com/v1beta"
    kind       = "RunMonitoring"
    metadata   = { name = "flightevents" }
    spec = {
      endpoints = [{
        port     = tostring(local.port)
        path     = "/metrics"
        interval = var.metrics_scrape_interval
      }]
      # service_name and revision_name labels on every series (alerts group
      # by service_name); no per-instance label, which would multiply series.
      targetLabels = { metadata = ["service", "revision"] }
    }
  })

  # The sidecars both services run after their app container, defined once:
  # the GMP sidecar, its config secret mounted as <mount_path>/<file>. The
  # services write them with dynamic blocks, which `terraform show -json`
  # leaves out of the plan's configuration (hashicorp/terraform#28346); the
  # planned values carry them in full.
  sidecars = [{
    name       = "gmp-sidecar"
    image      = var.gmp_sidecar_image
    limits     = { cpu = "1", memory = "256Mi" }
    volume     = "gmp-config"
    mount_path = "/etc/rungmp"
    secret     = google_secret_manager_secret.gmp_config.secret_id
    file       = "config.yaml"
  }]

  # Configuration both containers read from the environment (the service's
  # config package; Cloud Run adds PORT and K_SERVICE).
  env = {
    STORE                    = "bigquery"
    GOOGLE_CLOUD_PROJECT     = var.project_id
    REGION                   = var.region
    BIGQUERY_DATASET         = var.dataset_id
    BIGQUERY_TABLE           = var.table_id
    BIGQUERY_LOCATION        = var.bigquery_location
    PUBSUB_TOPIC             = var.topic_name
    PUBSUB_SUBSCRIPTION      = var.subscription_name
    PUBSUB_DEAD_LETTER_TOPIC = var.dead_letter_topic_name
  }
}

resource "google_service_account" "api" {
  project      = var.project_id
  account_id   = local.api_account_id
  display_name = "${var.name} API (Cloud Run)"
  description  = "Runtime identity of the ${var.name} API: reads the events dataset."
}

resource "google_service_account" "subscriber" {
  project      = var.project_id
  account_id   = local.subscriber_account_id
  display_name = "${var.name} subscriber (Cloud Run)"
  description  = "Runtime identity of the ${var.name} subscriber: pulls the subscription, writes the events table."
}

resource "google_cloud_run_v2_service" "api" {
  project             = var.project_id
  name                = local.api_name
  location            = var.region
  description         = "${var.name} API: GET /datos over the events table."
  ingress             = var.public ? "INGRESS_TRAFFIC_ALL" : "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = var.deletion_protection
  labels              = var.labels

  # Only images the project's Binary Authorization policy admits: attested by
  # the service CI's attestor (iac/bootstrap/binauthz.tf). Break-glass: README.
  binary_authorization {
    use_default              = true
    breakglass_justification = var.breakglass_justification
  }

  template {
    service_account                  = google_service_account.api.email
    labels                           = var.labels
    timeout                          = "30s"
    max_instance_request_concurrency = var.api_scaling.concurrency

    scaling {
      min_instance_count = var.api_scaling.min_instances
      max_instance_count = var.api_scaling.max_instances
    }

    containers {
      name  = "app"
      image = var.image
      args  = ["serve"]

      ports {
        container_port = local.port
      }

      resources {
        limits = {
          cpu    = var.api_scaling.cpu
          memory = var.api_scaling.memory
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.env
        content {
          name  = env.key
          value = env.value
        }
      }

      # Start-up: the binary answers /readyz 200 about 15 ms after it starts
      # (BenchmarkStartToReady); probe every second from the start, for at
      # most 10 s (store and Pub/Sub clients on a cold instance). README.
      startup_probe {
        initial_delay_seconds = 0
        period_seconds        = 1
        timeout_seconds       = 1
        failure_threshold     = 10

        http_get {
          path = "/readyz"
          port = local.port
        }
      }

      liveness_probe {
        period_seconds    = 10
        timeout_seconds   = 2
        failure_threshold = 3

        http_get {
          path = "/healthz"
          port = local.port
        }
      }
    }

    # The sidecars (local.sidecars), after the app, each with its volume.
    dynamic "containers" {
      for_each = local.sidecars
      content {
        name       = containers.value.name
        image      = containers.value.image
        depends_on = ["app"]

        resources {
          limits = containers.value.limits
        }

        volume_mounts {
          name       = containers.value.volume
          mount_path = containers.value.mount_path
        }
      }
    }

    dynamic "volumes" {
      for_each = local.sidecars
      content {
        name = volumes.value.volume

        secret {
          secret = volumes.value.secret

          items {
            version = "latest"
            path    = volumes.value.file
          }
        }
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.api_gmp_config, google_secret_manager_secret_version.gmp_config]

  lifecycle {
    # Revisions are deployed by image digest from CI after apply.
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }
}

resource "google_cloud_run_v2_service" "subscriber" {
  project             = var.project_id
  name                = local.subscriber_name
  location            = var.region
  description         = "${var.name} subscriber: streaming pull from Pub/Sub into BigQuery."
  ingress             = "INGRESS_TRAFFIC_INTERNAL_ONLY"
  deletion_protection = var.deletion_protection
  labels              = var.labels

  # Only images the project's Binary Authorization policy admits: attested by
  # the service CI's attestor (iac/bootstrap/binauthz.tf). Break-glass: README.
  binary_authorization {
    use_default              = true
    breakglass_justification = var.breakglass_justification
  }

  template {
    service_account = google_service_account.subscriber.email
    labels          = var.labels

    scaling {
      min_instance_count = var.subscriber_scaling.min_instances
      max_instance_count = var.subscriber_scaling.max_instances
    }

    containers {
      name  = "app"
      image = var.image
      args  = ["subscribe"]

      ports {
        container_port = local.port
      }

      resources {
        limits = {
          cpu    = var.subscriber_scaling.cpu
          memory = var.subscriber_scaling.memory
        }
        # Instance-based billing: CPU stays allocated for the streaming pull.
        cpu_idle          = false
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.env
        content {
          name  = env.key
          value = env.value
        }
      }

      # Start-up: the binary answers /readyz 200 about 15 ms after it starts
      # (BenchmarkStartToReady); probe every second from the start, for at
      # most 10 s (store and Pub/Sub clients on a cold instance). README.
      startup_probe {
        initial_delay_seconds = 0
        period_seconds        = 1
        timeout_seconds       = 1
        failure_threshold     = 10

        http_get {
          path = "/readyz"
          port = local.port
        }
      }

      liveness_probe {
        period_seconds    = 10
        timeout_seconds   = 2
        failure_threshold = 3

        http_get {
          path = "/healthz"
          port = local.port
        }
      }
    }

    # The sidecars (local.sidecars), after the app, each with its volume.
    dynamic "containers" {
      for_each = local.sidecars
      content {
        name       = containers.value.name
        image      = containers.value.image
        depends_on = ["app"]

        resources {
          limits = containers.value.limits
        }

        volume_mounts {
          name       = containers.value.volume
          mount_path = containers.value.mount_path
        }
      }
    }

    dynamic "volumes" {
      for_each = local.sidecars
      content {
        name = volumes.value.volume

        secret {
          secret = volumes.value.secret

          items {
            version = "latest"
            path    = volumes.value.file
          }
        }
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.subscriber_gmp_config, google_secret_manager_secret_version.gmp_config]

  lifecycle {
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }
}

# --- Metrics: the GMP sidecar's config and grants (both services) ------------

resource "google_secret_manager_secret" "gmp_config" {
  project   = var.project_id
  secret_id = local.gmp_secret_id
  labels    = var.labels

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }
}

resource "google_secret_manager_secret_version" "gmp_config" {
  secret      = google_secret_manager_secret.gmp_config.id
  secret_data = local.gmp_config
}

# The sidecar runs as the service's own identity: it reads its config and
# writes time series, nothing more (metricWriter cannot read metrics).
resource "google_secret_manager_secret_iam_member" "api_gmp_config" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.gmp_config.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.api.member
}

resource "google_secret_manager_secret_iam_member" "subscriber_gmp_config" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.gmp_config.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.subscriber.member
}

resource "google_project_iam_member" "api_metric_writer" {
  project = var.project_id
  role    = "roles/monitoring.metricWriter"
  member  = google_service_account.api.member
}

resource "google_project_iam_member" "subscriber_metric_writer" {
  project = var.project_id
  role    = "roles/monitoring.metricWriter"
  member  = google_service_account.subscriber.member
}

# --- API grants ---------------------------------------------------------------

resource "google_bigquery_dataset_iam_member" "api_data_viewer" {
  project    = var.project_id
  dataset_id = var.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.api.member
}

resource "google_project_iam_member" "api_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.api.member
}

resource "google_cloud_run_v2_service_iam_member" "public_invoker" {
  count = var.public ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  # Deliberate: the service was declared public in the template. The policy
  # gate reports this as GCP-IAM-002 and GCP-RUN-001 and needs a reviewed waiver.
  member = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "invokers" {
  for_each = toset(var.invoker_members)

  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.api.name
  role     = "roles/run.invoker"
  member   = each.value
}

# --- Subscriber grants --------------------------------------------------------

resource "google_pubsub_subscription_iam_member" "subscriber" {
  project      = var.project_id
  subscription = var.subscription_name
  role         = "roles/pubsub.subscriber"
  member       = google_service_account.subscriber.member
}

resource "google_bigquery_table_iam_member" "subscriber_data_editor" {
  project    = var.project_id
  dataset_id = var.dataset_id
  table_id   = var.table_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.subscriber.member
}

resource "google_pubsub_topic_iam_member" "subscriber_dead_letter_publisher" {
  project = var.project_id
  topic   = var.dead_letter_topic_name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.subscriber.member
}

# --- Deployers may act as the runtime identities, and nothing more -----------

resource "google_service_account_iam_member" "deployer_api" {
  for_each = toset(var.deployer_members)

  service_account_id = google_service_account.api.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

resource "google_service_account_iam_member" "deployer_subscriber" {
  for_each = toset(var.deployer_members)

  service_account_id = google_service_account.subscriber.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}
