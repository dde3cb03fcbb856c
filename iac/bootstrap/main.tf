# One-time platform setup of a project: the APIs, the Terraform state bucket,
# GitHub Actions OIDC workload identity federation (no service account keys),
# the plan and apply service accounts, the Artifact Registry repository and,
# the Binary Authorization policy and its attestor (binauthz.tf) and, when
# var.alertbridge is set, the alert bridge (alertbridge.tf).
#
# Run once with local state by a project owner, then move the state into the
# bucket it created (see README.md).

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  state_bucket = coalesce(var.state_bucket_name, "${var.project_id}-tfstate")

  services = [
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "binaryauthorization.googleapis.com",
    "cloudkms.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "containeranalysis.googleapis.com",
    "dataflow.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "serviceusage.googleapis.com",
    "storage.googleapis.com",
    "sts.googleapis.com",
  ]
  # The alert bridge keeps its two secrets in Secret Manager.
  bridge_services = var.alertbridge == null ? [] : ["secretmanager.googleapis.com"]

  # The plan identity reads everything a service plan refreshes; it writes
  # only the state bucket (locks).
  plan_roles = [
    "roles/artifactregistry.reader",
    "roles/bigquery.metadataViewer",
    "roles/compute.networkViewer",
    "roles/iam.securityReviewer",
    "roles/iam.serviceAccountViewer",
    "roles/monitoring.viewer",
    "roles/pubsub.viewer",
    "roles/run.viewer",
    "roles/storage.bucketViewer",
  ]

  # The apply identity manages exactly the resource types the shared modules
  # create. It gets no project-level serviceAccountUser: the service module
  # grants it actAs on each runtime service account instead. The batch module
  # (Dataflow) adds buckets, a worker network and its firewall rule.
  apply_roles = [
    "roles/bigquery.dataOwner",
    "roles/compute.networkAdmin",
    "roles/compute.securityAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/monitoring.editor",
    "roles/pubsub.admin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/run.admin",
    "roles/storage.admin",
  ]

  repository_condition = join(", ", [for r in var.github_repositories : "'${r}'"])

  # The pool's principal prefix, built from known values so that the grants'
  # members are known at plan time (and checkable by the policy gate).
  pool_principal = "principalSet://iam.googleapis.com/projects/${data.google_project.this.number}/locations/global/workloadIdentityPools/${google_iam_workload_identity_pool.github.workload_identity_pool_id}"
}

resource "google_project_service" "this" {
  for_each = toset(concat(local.services, local.bridge_services))

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

# --- State bucket --------------------------------------------------------------

resource "google_storage_bucket" "tfstate" {
  project  = var.project_id
  name     = local.state_bucket
  location = upper(var.region)
  labels   = var.labels

  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  soft_delete_policy {
    retention_duration_seconds = var.state_soft_delete_days * 86400
  }

  lifecycle_rule {
    condition {
      num_newer_versions = var.state_noncurrent_versions
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}

# --- GitHub Actions workload identity federation ----------------------------------

resource "google_iam_workload_identity_pool" "github" {
  project                   = var.project_id
  workload_identity_pool_id = "github"
  display_name              = "GitHub Actions"
  description               = "OIDC tokens of GitHub Actions workflows in ${var.github_owner}'s service repositories."

  depends_on = [google_project_service.this]
}

resource "google_iam_workload_identity_pool_provider" "github" {
  project                            = var.project_id
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github-actions"
  display_name                       = "GitHub Actions OIDC"

  attribute_mapping = {
    "google.subject"             = "assertion.sub"
    "attribute.repository"       = "assertion.repository"
    "attribute.repository_owner" = "assertion.repository_owner"
    "attribute.ref"              = "assertion.ref"
    "attribute.repository_ref"   = "assertion.repository + '@' + assertion.ref"
  }

  # Without a condition any GitHub repository could mint tokens for this pool.
  attribute_condition = "assertion.repository_owner == '${var.github_owner}' && assertion.repository in [${local.repository_condition}]"

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

# --- Deploy identities ---------------------------------------------------------------

resource "google_service_account" "plan" {
  project      = var.project_id
  account_id   = "tf-plan"
  display_name = "Terraform plan (GitHub Actions)"
  description  = "Plans service infrastructure from pull requests: read-only on resources, read/write on the state bucket."
}

resource "google_service_account" "apply" {
  project      = var.project_id
  account_id   = "tf-apply"
  display_name = "Terraform apply and deploy (GitHub Actions)"
  description  = "Applies service infrastructure and deploys revisions from ${var.apply_ref}."
}

resource "google_project_iam_member" "plan" {
  for_each = toset(local.plan_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.plan.member
}

resource "google_project_iam_member" "apply" {
  for_each = toset(local.apply_roles)

  project = var.project_id
  role    = each.value
  member  = google_service_account.apply.member
}

resource "google_storage_bucket_iam_member" "state_plan" {
  bucket = google_storage_bucket.tfstate.name
  role   = "roles/storage.objectUser"
  member = google_service_account.plan.member
}

resource "google_storage_bucket_iam_member" "state_apply" {
  bucket = google_storage_bucket.tfstate.name
  role   = "roles/storage.objectUser"
  member = google_service_account.apply.member
}

resource "google_service_account_iam_member" "plan_workload_identity" {
  for_each = toset(var.github_repositories)

  service_account_id = google_service_account.plan.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "${local.pool_principal}/attribute.repository/${each.value}"
}

resource "google_service_account_iam_member" "apply_workload_identity" {
  for_each = toset(var.github_repositories)

  service_account_id = google_service_account.apply.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "${local.pool_principal}/attribute.repository_ref/${each.value}@${var.apply_ref}"
}

# --- Artifact Registry -----------------------------------------------------------------

resource "google_artifact_registry_repository" "services" {
  project       = var.project_id
  location      = var.region
  repository_id = var.artifact_repository_id
  description   = "Container images of the golden-path services."
  format        = "DOCKER"
  labels        = var.labels

  docker_config {
    immutable_tags = true
  }

  depends_on = [google_project_service.this]
}

resource "google_artifact_registry_repository_iam_member" "apply_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.services.location
  repository = google_artifact_registry_repository.services.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.apply.member
}

# The batch module grants its Dataflow workers read access to this repository
# (the flex template image): setting a repository's IAM policy needs admin on
# that repository, and on no other.
resource "google_artifact_registry_repository_iam_member" "apply_admin" {
  project    = var.project_id
  location   = google_artifact_registry_repository.services.location
  repository = google_artifact_registry_repository.services.name
  role       = "roles/artifactregistry.admin"
  member     = google_service_account.apply.member
}
