# The production path of the service's batch pipeline (skeleton batch/, Apache
# Beam Go on Dataflow): everything a Flex Template launch needs, but not the
# launch itself.
#
# Why no google_dataflow_flex_template_job here: the backfill is a batch job
# run on demand, and that resource models a long-lived job. It exists only in
# the google-beta provider; its create waits for JOB_STATE_RUNNING (a short
# batch that finishes first fails the apply); and its read drops a job in a
# terminal state (Done) from the state, so the next plan creates it again:
# every apply after a finished backfill would launch the backfill once more.
# The launch is `gcloud dataflow flex-template run` (docs/batch-dataflow.md of
# the platform) on the template spec the service CI builds into the templates
# bucket, with the defaults written below into the spec.
#
# What this module creates:
#   - the workers' own service account: roles/dataflow.worker on the project,
#     BigQuery data editor on the events dataset only, object viewer on the
#     input bucket, object admin on the work bucket (temp, staging, dead
#     letters), reader on the Artifact Registry repository of the template
#     image; no project-wide BigQuery or Storage role;
#   - three buckets: input (files to backfill), work (temp/, staging/ and
#     dead-letter/, each prefix with its own lifecycle) and templates (the
#     flex template specs, versioned, written by CI);
#   - a worker network when none is given: a subnetwork with Private Google
#     Access (workers have no public IP but reach Cloud Storage, BigQuery and
#     the registries) and the firewall rule between workers (Dataflow's shuffle
#     ports 12345-12346);
#   - batch/environment.json in the templates bucket: the launch defaults CI
#     bakes into every template spec (private IPs, the service account, the
#     subnetwork, temp/staging locations, max workers, labels).

locals {
  name_hash = substr(sha1(var.name), 0, 6)

  # Service account ID: ^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$, 6-30 characters.
  account_id = can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", "${var.name}-batch")) ? "${var.name}-batch" : "${trim(substr(var.name, 0, 17), "-")}-${local.name_hash}-batch"

  # Bucket names are global: <project>-<name>, at most 47 characters so that
  # the longest role suffix (-batch-templates, 16) stays within 63.
  bucket_base   = "${var.project_id}-${var.name}"
  bucket_prefix = length(local.bucket_base) <= 47 ? local.bucket_base : "${trim(substr(local.bucket_base, 0, 40), "-")}-${substr(sha1(local.bucket_base), 0, 6)}"

  # Network, subnetwork and firewall names: RFC 1035, at most 63 characters.
  network_name = length(var.name) <= 49 ? "${var.name}-batch" : "${trim(substr(var.name, 0, 42), "-")}-${local.name_hash}-batch"

  # The account's email, known at plan time (the policy gate and the
  # service's tests read it in environment.json): IAM derives it so.
  account_email = "${local.account_id}@${var.project_id}.iam.gserviceaccount.com"

  create_network = var.subnetwork == null
  subnetwork     = local.create_network ? "regions/${var.region}/subnetworks/${google_compute_subnetwork.workers[0].name}" : var.subnetwork

  work_bucket = google_storage_bucket.this["work"].name

  # The launch defaults, baked into the template spec by the service CI
  # (gcloud dataflow flex-template build flags) and documented as outputs.
  environment = {
    region                = var.region
    service_account_email = local.account_email
    subnetwork            = local.subnetwork
    disable_public_ips    = true
    temp_location         = "gs://${local.work_bucket}/temp"
    staging_location      = "gs://${local.work_bucket}/staging"
    max_workers           = var.max_workers
    worker_machine_type   = var.worker_machine_type
    additional_user_labels = merge(var.labels, {
      component = "batch"
    })
  }
  parameters = {
    dead_letter = "gs://${local.work_bucket}/dead-letter"
    dataset     = var.dataset_id
    table       = var.table_id
  }
}

# --- Identity -------------------------------------------------------------------

resource "google_service_account" "workers" {
  project      = var.project_id
  account_id   = local.account_id
  display_name = "${var.name} batch (Dataflow workers)"
  description  = "Identity of the ${var.name} Beam pipeline's launcher and workers: reads the input bucket, writes the events dataset."
}

# The worker role: lease work items, report progress, read and write the
# job's own staging and temp files. It holds no data access of its own.
resource "google_project_iam_member" "worker" {
  project = var.project_id
  role    = "roles/dataflow.worker"
  member  = google_service_account.workers.member
}

# Writes (and dedups against) the events table, on this dataset only.
resource "google_bigquery_dataset_iam_member" "data_editor" {
  project    = var.project_id
  dataset_id = var.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.workers.member
}

resource "google_storage_bucket_iam_member" "input_viewer" {
  bucket = google_storage_bucket.this["input"].name
  role   = "roles/storage.objectViewer"
  member = google_service_account.workers.member
}

# temp/ and staging/ files are created, listed and deleted by the SDK and
# the service; dead-letter/ files are written by the pipeline.
resource "google_storage_bucket_iam_member" "work_admin" {
  bucket = google_storage_bucket.this["work"].name
  role   = "roles/storage.objectAdmin"
  member = google_service_account.workers.member
}

# The launcher VM runs the template image as this account.
resource "google_artifact_registry_repository_iam_member" "image_reader" {
  project    = var.project_id
  location   = var.artifact_registry_location
  repository = var.artifact_repository_id
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.workers.member
}

# Launchers (the CI identity, on-call): launch jobs as the worker account
# (actAs on that account only, never on the project), build templates into
# the templates bucket and read the work bucket's dead letters.
resource "google_project_iam_member" "launcher_developer" {
  for_each = toset(var.launcher_members)

  project = var.project_id
  role    = "roles/dataflow.developer"
  member  = each.value
}

resource "google_service_account_iam_member" "launcher_act_as" {
  for_each = toset(var.launcher_members)

  service_account_id = google_service_account.workers.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

resource "google_storage_bucket_iam_member" "launcher_templates" {
  for_each = toset(var.launcher_members)

  bucket = google_storage_bucket.this["templates"].name
  role   = "roles/storage.objectUser"
  member = each.value
}

resource "google_storage_bucket_iam_member" "launcher_work" {
  for_each = toset(var.launcher_members)

  bucket = google_storage_bucket.this["work"].name
  role   = "roles/storage.objectViewer"
  member = each.value
}

# --- Buckets ---------------------------------------------------------------------

locals {
  # Each bucket's lifecycle: deletes by age under prefixes, and when its
  # noncurrent versions go.
  buckets = {
    # An overwritten or deleted input file stays recoverable for a week.
    input = {
      expire     = []
      noncurrent = { days_since_noncurrent_time = 7, num_newer_versions = null, with_state = null }
    }
    # A finished job leaves nothing it needs in temp/ and staging/; dead
    # letters are kept long enough to be corrected and replayed.
    work = {
      expire = [
        { age = var.retention_days.temp, matches_prefix = ["temp/", "staging/"] },
        { age = var.retention_days.dead_letter, matches_prefix = ["dead-letter/"] },
      ]
      noncurrent = { days_since_noncurrent_time = 1, num_newer_versions = null, with_state = null }
    }
    # Every build writes batch/<commit>.json and batch/batch.json: earlier
    # specs of batch.json stay as noncurrent versions for a rollback.
    templates = {
      expire     = []
      noncurrent = { days_since_noncurrent_time = null, num_newer_versions = 10, with_state = "ARCHIVED" }
    }
  }
}

resource "google_storage_bucket" "this" {
  for_each = local.buckets

  project                     = var.project_id
  name                        = "${local.bucket_prefix}-batch-${each.key}"
  location                    = var.region
  labels                      = var.labels
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  dynamic "lifecycle_rule" {
    for_each = each.value.expire
    content {
      condition {
        age            = lifecycle_rule.value.age
        matches_prefix = lifecycle_rule.value.matches_prefix
      }
      action {
        type = "Delete"
      }
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = each.value.noncurrent.days_since_noncurrent_time
      num_newer_versions         = each.value.noncurrent.num_newer_versions
      with_state                 = each.value.noncurrent.with_state
    }
    action {
      type = "Delete"
    }
  }
}

# The launch defaults, read by the service CI when it builds a template spec.
resource "google_storage_bucket_object" "environment" {
  bucket       = google_storage_bucket.this["templates"].name
  name         = "batch/environment.json"
  content_type = "application/json"
  content = jsonencode({
    environment = local.environment
    parameters  = local.parameters
  })
}

# --- Worker network (unless a subnetwork is given) --------------------------------

resource "google_compute_network" "workers" {
  count = local.create_network ? 1 : 0

  project                 = var.project_id
  name                    = local.network_name
  description             = "Dataflow workers of ${var.name} (no public IPs)."
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "workers" {
  count = local.create_network ? 1 : 0

  project       = var.project_id
  name          = local.network_name
  region        = var.region
  network       = google_compute_network.workers[0].id
  ip_cidr_range = var.worker_cidr
  # Workers without external IPs reach Google APIs through this.
  private_ip_google_access = true
}

# Dataflow workers exchange shuffle data on TCP 12345-12346; Dataflow tags
# its VMs "dataflow".
resource "google_compute_firewall" "workers" {
  count = local.create_network ? 1 : 0

  project     = var.project_id
  name        = "${local.network_name}-workers"
  network     = google_compute_network.workers[0].id
  description = "Dataflow worker to worker traffic of ${var.name}."
  direction   = "INGRESS"
  source_tags = ["dataflow"]
  target_tags = ["dataflow"]

  allow {
    protocol = "tcp"
    ports    = ["12345-12346"]
  }
}
