variable "project_id" {
  type        = string
  description = "ID of the existing project to bootstrap (state bucket, workload identity, deploy service accounts, Artifact Registry)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project ID (6-30 characters, lowercase letters, digits and hyphens)."
  }
}

variable "region" {
  type        = string
  description = "Region of the state bucket and the Artifact Registry repository, e.g. \"europe-west1\"."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Google Cloud region such as \"europe-west1\"."
  }
}

variable "state_bucket_name" {
  type        = string
  description = "Name of the Terraform state bucket; null uses \"<project_id>-tfstate\" (the name the services' backend files expect)."
  default     = null

  validation {
    condition     = var.state_bucket_name == null || can(regex("^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid bucket name: 3-63 lowercase letters, digits, dots, underscores and hyphens."
  }
}

variable "state_soft_delete_days" {
  type        = number
  description = "Days deleted state objects stay recoverable (soft delete), 7 to 90."
  default     = 30

  validation {
    condition     = var.state_soft_delete_days >= 7 && var.state_soft_delete_days <= 90
    error_message = "state_soft_delete_days must be between 7 and 90."
  }
}

variable "state_noncurrent_versions" {
  type        = number
  description = "Noncurrent versions of each state object kept before the oldest are deleted."
  default     = 20

  validation {
    condition     = var.state_noncurrent_versions >= 1
    error_message = "state_noncurrent_versions must be at least 1."
  }
}

variable "github_owner" {
  type        = string
  description = "GitHub organisation or user whose repositories may authenticate (checked in the provider's attribute_condition)."

  validation {
    condition     = can(regex("^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}$", var.github_owner))
    error_message = "github_owner must be a GitHub organisation or user name."
  }
}

variable "github_repositories" {
  type        = list(string)
  description = "Repositories (\"owner/name\") allowed to use the deploy service accounts; all must belong to github_owner."

  validation {
    condition     = length(var.github_repositories) > 0 && alltrue([for r in var.github_repositories : can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", r))])
    error_message = "github_repositories must list at least one repository as \"owner/name\"."
  }
}

variable "apply_ref" {
  type        = string
  description = "Git ref whose workflows may impersonate the apply service account (plan runs from any ref)."
  default     = "refs/heads/main"

  validation {
    condition     = startswith(var.apply_ref, "refs/")
    error_message = "apply_ref must be a full ref such as \"refs/heads/main\"."
  }
}

variable "artifact_repository_id" {
  type        = string
  description = "ID of the Docker repository in Artifact Registry that holds the services' images."
  default     = "services"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.artifact_repository_id))
    error_message = "artifact_repository_id must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to the bucket and the repository (keys and values: lowercase letters, digits, _ and -, at most 63 characters)."
  default = {
    service    = "platform-bootstrap"
    env        = "shared"
    owner      = "platform-team"
    managed-by = "terraform"
  }

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels must use lowercase keys starting with a letter and values of lowercase letters, digits, _ and -, at most 63 characters each."
  }
}

variable "alertbridge" {
  type = object({
    image              = string
    jira_base_url      = string
    jira_email         = string
    jira_project       = string
    service_desk_id    = string
    request_type_id    = string
    resolve_transition = string
    webhook_user       = string
  })
  description = "The alert bridge (tools/alertbridge: Cloud Monitoring incidents to Jira Service Management), or null for none. image is an Artifact Registry image by digest; service_desk_id and request_type_id may both be empty (plain Jira issues). Its two Secret Manager secrets (alertbridge-jira-api-token, alertbridge-webhook-password) are created with gcloud before apply (docs/alertbridge.md), never in Terraform."
  default     = null

  validation {
    condition = var.alertbridge == null ? true : (
      can(regex("^[a-z0-9-]+-docker\\.pkg\\.dev/[^@]+@sha256:[0-9a-f]{64}$", var.alertbridge.image)) &&
      can(regex("^https://[^/@]+(/.*)?$", var.alertbridge.jira_base_url)) &&
      can(regex("^[^@\\s]+@[^@\\s]+$", var.alertbridge.jira_email)) &&
      can(regex("^[A-Z][A-Z0-9_]{1,9}$", var.alertbridge.jira_project)) &&
      (var.alertbridge.service_desk_id == "") == (var.alertbridge.request_type_id == "") &&
      can(regex("^[0-9]*$", var.alertbridge.service_desk_id)) &&
      can(regex("^[0-9]*$", var.alertbridge.request_type_id)) &&
      var.alertbridge.resolve_transition != "" &&
      can(regex("^[A-Za-z0-9._-]+$", var.alertbridge.webhook_user))
    )
    error_message = "alertbridge needs an Artifact Registry image pinned by digest, an https Jira base URL without credentials, the Jira account's e-mail, a project key, both or neither of service_desk_id and request_type_id (digits), a resolve transition and a webhook user name."
  }
}
