output "state_bucket" {
  description = "Name of the Terraform state bucket (the services' backend \"gcs\" bucket)."
  value       = google_storage_bucket.tfstate.name
}

output "workload_identity_provider" {
  description = "Full name of the workload identity provider, the workload_identity_provider input of google-github-actions/auth."
  value       = google_iam_workload_identity_pool_provider.github.name
}

output "plan_service_account" {
  description = "Email of the plan service account (pull requests)."
  value       = google_service_account.plan.email
}

output "apply_service_account" {
  description = "Email of the apply/deploy service account (default branch only)."
  value       = google_service_account.apply.email
}

output "apply_service_account_member" {
  description = "IAM member of the apply service account: pass it to the service module's deployer_members."
  value       = google_service_account.apply.member
}

output "artifact_registry" {
  description = "Docker registry path images are pushed to: <region>-docker.pkg.dev/<project>/<repository>."
  value       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.services.repository_id}"
}

output "binauthz_attestor" {
  description = "Binary Authorization attestor the service CI signs verified image digests for (the service-ci.yml input binauthz-attestor)."
  value       = google_binary_authorization_attestor.ci.id
}

output "binauthz_key_version" {
  description = "KMS key version the service CI signs Binary Authorization attestations with (the service-ci.yml input binauthz-key-version)."
  value       = data.google_kms_crypto_key_version.attestor.id
}

output "alertbridge_webhook_url" {
  description = "URL Cloud Monitoring's webhook_basicauth channels post to (null without the alert bridge): pass it to each service's incident_webhook.url."
  value       = var.alertbridge == null ? null : "${google_cloud_run_v2_service.alertbridge["alertbridge"].uri}/v1/cloud-monitoring"
}

output "alertbridge_webhook_password_secret" {
  description = "Secret Manager secret holding the webhook password (null without the alert bridge): each service's incident_webhook.password_secret."
  value       = var.alertbridge == null ? null : "projects/${var.project_id}/secrets/${local.bridge_secrets.webhook_password}"
}
