variable "project_id" {
  type        = string
  description = "Project the service runs in."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project ID."
  }
}

variable "region" {
  type        = string
  description = "Region of Cloud Run, the dataset and Pub/Sub message storage."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Google Cloud region such as \"europe-west1\"."
  }
}

variable "environment" {
  type        = string
  description = "Environment name, used in labels and the state prefix: dev, staging or prod."

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "name" {
  type        = string
  description = "Service name (Backstage component name, up to 63 characters): the service label, and with name_suffix the base of the topic, key ring, Cloud Run and service account names (shortened by the modules where a GCP limit is tighter)."

  validation {
    condition     = length(var.name) <= 63 && can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "name must be 1-63 characters of lowercase letters, digits and hyphens, starting with a letter (the template's rule)."
  }
}

variable "name_suffix" {
  type        = string
  description = "Appended to the name of every resource (not to the service label), so that two environments can share a project, e.g. \"-prod\". When name plus suffix exceeds 63 characters, resources are named after its first 56 characters and 6 hex digits of its SHA-1."
  default     = ""

  validation {
    condition     = can(regex("^(-[a-z0-9]+)?$", var.name_suffix)) && length(var.name_suffix) <= 16
    error_message = "name_suffix must be empty or a hyphen followed by lowercase letters and digits, at most 16 characters in all (e.g. \"-prod\")."
  }
}

variable "dataset_id" {
  type        = string
  description = "BigQuery dataset of the events table."

  validation {
    condition     = length(var.dataset_id) <= 1024 && can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.dataset_id))
    error_message = "dataset_id must contain only letters, digits and underscores."
  }
}

variable "table_id" {
  type        = string
  description = "BigQuery table of the events."

  validation {
    condition     = length(var.table_id) <= 1024 && can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.table_id))
    error_message = "table_id must contain only letters, digits and underscores."
  }
}

variable "public_api" {
  type        = bool
  description = "Whether GET /datos is public (internet ingress and allUsers invoker, which the policy gate accepts only with a reviewed waiver)."
  default     = false
}

variable "owner" {
  type        = string
  description = "Backstage owner entity reference, e.g. group:default/platform-team (becomes the owner label)."

  validation {
    condition     = length(var.owner) > 0
    error_message = "owner must not be empty."
  }
}

variable "system" {
  type        = string
  description = "Backstage system the service belongs to (becomes the system label)."
  default     = ""
}

variable "platform_ref" {
  type        = string
  description = "Git ref of the platform repository whose shared modules this root uses (recorded as a label)."

  validation {
    condition     = length(var.platform_ref) > 0
    error_message = "platform_ref must not be empty."
  }
}

variable "image" {
  type        = string
  description = "Image the Cloud Run services are created with. CI deploys the real image by digest afterwards; Terraform ignores later image changes."
  default     = "us-docker.pkg.dev/cloudrun/container/hello"
}

variable "alert_emails" {
  type        = list(string)
  description = "E-mail addresses notified by every alert policy (one Cloud Monitoring e-mail channel each)."

  validation {
    condition     = length(var.alert_emails) > 0 && alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", e))])
    error_message = "alert_emails must list at least one e-mail address."
  }
}

variable "incident_webhook" {
  type = object({
    url             = string
    username        = string
    password_secret = string
  })
  description = "The platform's alert bridge (Jira Service Management incidents), notified by every alert policy next to the e-mail channels; null for e-mail only. url and password_secret are the platform bootstrap's alertbridge_webhook_url and alertbridge_webhook_password_secret outputs (projects/<p>/secrets/<name>); username its alertbridge.webhook_user."
  default     = null

  validation {
    condition = var.incident_webhook == null ? true : (
      can(regex("^https://[^/@]+/.*$", var.incident_webhook.url)) &&
      can(regex("^[A-Za-z0-9._-]+$", var.incident_webhook.username)) &&
      can(regex("^projects/[^/]+/secrets/[A-Za-z0-9_-]+$", var.incident_webhook.password_secret))
    )
    error_message = "incident_webhook needs an https url without credentials, a user name and a Secret Manager secret as projects/<project>/secrets/<name>."
  }
}

variable "publisher_members" {
  type        = list(string)
  description = "Principals that publish flight events to the topic."
  default     = []
}

variable "invoker_members" {
  type        = list(string)
  description = "Principals allowed to call the API when it is internal."
  default     = []
}

variable "deployer_members" {
  type        = list(string)
  description = "CI identities that deploy revisions (actAs on the runtime service accounts)."
  default     = []
}

variable "artifact_repository_id" {
  type        = string
  description = "Artifact Registry repository (in var.region) of the service's images, the platform bootstrap's artifact_repository_id: the batch workers read the flex template image from it."
  default     = "services"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.artifact_repository_id))
    error_message = "artifact_repository_id must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "batch_max_workers" {
  type        = number
  description = "Default ceiling of a backfill's Dataflow workers (baked into the flex template spec): the bound of its cost, see the platform's docs/batch-dataflow.md."
  default     = 10

  validation {
    condition     = var.batch_max_workers >= 1 && var.batch_max_workers <= 1000 && floor(var.batch_max_workers) == var.batch_max_workers
    error_message = "batch_max_workers must be an integer from 1 to 1000."
  }
}
