variable "project_id" {
  type        = string
  description = "ID of the project that runs the services."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project ID (6-30 characters, lowercase letters, digits and hyphens)."
  }
}

variable "region" {
  type        = string
  description = "Cloud Run region, e.g. \"europe-west1\"."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Google Cloud region such as \"europe-west1\"."
  }
}

variable "name" {
  type        = string
  description = "Service name (the template's: up to 63 characters). The API runs as <name>, the subscriber as <name>-subscriber, with service accounts <name>-api and <name>-sub; where one of those breaks a GCP limit (Cloud Run names 49 characters, service account IDs 6-30) it becomes <prefix>-<6 hex of sha1(name)>[-<role>] (see the README)."

  validation {
    condition     = length(var.name) <= 63 && can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "name must be 1-63 characters of lowercase letters, digits and hyphens, starting with a letter (the template's rule)."
  }
}

variable "image" {
  type        = string
  description = "Container image both services start with. Deployments replace it by digest (deploy-cloudrun), so Terraform ignores later image changes."

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[^ ]+$", var.image))
    error_message = "image must be a registry reference such as europe-west1-docker.pkg.dev/<project>/<repo>/<name>@sha256:<digest>."
  }
}

variable "public" {
  type        = bool
  description = "Whether the API is public: ingress from the internet and roles/run.invoker for allUsers (a deliberate exposure the policy gate only accepts with a waiver). False keeps ingress internal and invocation authenticated."
  default     = false
}

variable "invoker_members" {
  type        = list(string)
  description = "Principals allowed to invoke the API when it is not public (roles/run.invoker), e.g. [\"group:flight-ops@example.com\"]."
  default     = []

  validation {
    condition     = alltrue([for m in var.invoker_members : can(regex("^(serviceAccount|group|user|principal|principalSet):", m))])
    error_message = "invoker_members must be IAM principals such as serviceAccount:<email> or group:<email>; make the API public with var.public instead of allUsers."
  }
}

variable "deployer_members" {
  type        = list(string)
  description = "Principals that deploy new revisions (the CI deploy service account): granted roles/iam.serviceAccountUser on the two runtime service accounts only, never on the project."
  default     = []

  validation {
    condition     = alltrue([for m in var.deployer_members : can(regex("^(serviceAccount|group|principal|principalSet):", m))])
    error_message = "deployer_members must be serviceAccount:, group:, principal: or principalSet: members."
  }
}

variable "dataset_id" {
  type        = string
  description = "BigQuery dataset the API reads (granted roles/bigquery.dataViewer)."

  validation {
    condition     = length(var.dataset_id) <= 1024 && can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.dataset_id))
    error_message = "dataset_id must contain only letters, digits and underscores."
  }
}

variable "table_id" {
  type        = string
  description = "BigQuery table the subscriber writes (granted roles/bigquery.dataEditor on that table only)."

  validation {
    condition     = length(var.table_id) <= 1024 && can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.table_id))
    error_message = "table_id must contain only letters, digits and underscores."
  }
}

variable "bigquery_location" {
  type        = string
  description = "Location of the dataset (region or \"EU\"/\"US\"), where the API runs its query jobs."

  validation {
    condition     = can(regex("^([a-z]+-[a-z]+[0-9]|EU|US)$", var.bigquery_location))
    error_message = "bigquery_location must be a region such as \"europe-west1\" or the multi-region \"EU\" or \"US\"."
  }
}

variable "topic_name" {
  type        = string
  description = "Short name of the events topic (the service's PUBSUB_TOPIC setting; no grant is made on it)."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", var.topic_name))
    error_message = "topic_name must be a Pub/Sub topic short name (3-255 characters, starting with a letter)."
  }
}

variable "subscription_name" {
  type        = string
  description = "Short name of the Pub/Sub subscription the subscriber pulls (granted roles/pubsub.subscriber on it)."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", var.subscription_name))
    error_message = "subscription_name must be a Pub/Sub subscription short name (3-255 characters, starting with a letter)."
  }
}

variable "dead_letter_topic_name" {
  type        = string
  description = "Short name of the dead-letter topic, where the subscriber sends events it can never store (granted roles/pubsub.publisher on it)."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", var.dead_letter_topic_name))
    error_message = "dead_letter_topic_name must be a Pub/Sub topic short name (3-255 characters, starting with a letter)."
  }
}

variable "api_scaling" {
  type = object({
    min_instances = number
    max_instances = number
    cpu           = string
    memory        = string
    concurrency   = number
  })
  description = "API sizing: instances (scale to zero allowed), CPU and memory limits per instance, requests served concurrently per instance."
  default = {
    min_instances = 0
    max_instances = 5
    cpu           = "1"
    memory        = "512Mi"
    concurrency   = 80
  }

  validation {
    condition     = var.api_scaling.min_instances >= 0 && var.api_scaling.max_instances >= 1 && var.api_scaling.min_instances <= var.api_scaling.max_instances && var.api_scaling.max_instances <= 100
    error_message = "api_scaling needs 0 <= min_instances <= max_instances, 1 <= max_instances <= 100."
  }

  validation {
    condition     = contains(["1", "2", "4", "8"], var.api_scaling.cpu) && can(regex("^[0-9]+(Mi|Gi)$", var.api_scaling.memory)) && var.api_scaling.concurrency >= 1 && var.api_scaling.concurrency <= 1000
    error_message = "api_scaling.cpu must be \"1\", \"2\", \"4\" or \"8\", memory like \"512Mi\" or \"1Gi\", concurrency 1-1000."
  }
}

variable "subscriber_scaling" {
  type = object({
    min_instances = number
    max_instances = number
    cpu           = string
    memory        = string
  })
  description = "Subscriber sizing. It holds a streaming pull open, so it runs with instance-based billing (CPU always allocated) and at least one instance."
  default = {
    min_instances = 1
    max_instances = 3
    cpu           = "1"
    memory        = "512Mi"
  }

  validation {
    condition     = var.subscriber_scaling.min_instances >= 1 && var.subscriber_scaling.min_instances <= var.subscriber_scaling.max_instances && var.subscriber_scaling.max_instances <= 100
    error_message = "subscriber_scaling needs 1 <= min_instances <= max_instances <= 100: a streaming-pull subscriber scaled to zero never receives messages."
  }

  validation {
    condition     = contains(["1", "2", "4", "8"], var.subscriber_scaling.cpu) && can(regex("^[0-9]+(Mi|Gi)$", var.subscriber_scaling.memory))
    error_message = "subscriber_scaling.cpu must be \"1\", \"2\", \"4\" or \"8\" and memory like \"512Mi\" or \"1Gi\"."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to destroy the Cloud Run services from Terraform."
  default     = true
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to the Cloud Run services and their revisions (keys and values: lowercase letters, digits, _ and -, at most 63 characters)."

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels must use lowercase keys starting with a letter and values of lowercase letters, digits, _ and -, at most 63 characters each."
  }
}

variable "breakglass_justification" {
  type        = string
  description = "Break-glass: null (the default) enforces the project's Binary Authorization policy (only images the service CI attested). A justification deploys an unattested image anyway, audit-logged in Cloud Audit Logs; reset it to null in the follow-up change (see the README)."
  default     = null

  validation {
    condition     = var.breakglass_justification == null || length(trimspace(coalesce(var.breakglass_justification, " "))) >= 10
    error_message = "breakglass_justification must be null or say why (at least 10 characters, e.g. an incident ID)."
  }
}

variable "gmp_sidecar_image" {
  type        = string
  description = "Image of the Managed Service for Prometheus sidecar for Cloud Run (scrapes /metrics, writes to Cloud Monitoring). Google's release, pinned to an exact version; the Binary Authorization policy admits it by name pattern (iac/bootstrap/binauthz.tf)."
  default     = "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.7.0"

  validation {
    condition     = can(regex("^us-docker\\.pkg\\.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar(:[0-9]+\\.[0-9]+\\.[0-9]+|@sha256:[0-9a-f]{64})$", var.gmp_sidecar_image))
    error_message = "gmp_sidecar_image must be Google's cloud-run-gmp-sidecar at an exact version (:X.Y.Z) or digest."
  }
}

variable "metrics_scrape_interval" {
  type        = string
  description = "How often the GMP sidecar scrapes /metrics (a Prometheus duration). Each scrape writes every series once: the interval sets the Cloud Monitoring sample volume."
  default     = "30s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.metrics_scrape_interval)) && try(tonumber(trimsuffix(var.metrics_scrape_interval, "s")) >= 10, false)
    error_message = "metrics_scrape_interval must be whole seconds, at least 10s, e.g. \"30s\"."
  }
}
