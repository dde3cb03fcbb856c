variable "project_id" {
  type        = string
  description = "ID of the project the pipeline runs in."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project ID (6-30 characters, lowercase letters, digits and hyphens)."
  }
}

variable "region" {
  type        = string
  description = "Dataflow region of the jobs, their workers and the buckets, e.g. \"europe-west1\" (the service's region)."

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a Google Cloud region such as \"europe-west1\"."
  }
}

variable "name" {
  type        = string
  description = "Service name (the template's: up to 63 characters). The worker account is <name>-batch, the buckets <project>-<name>-batch-{input,work,templates}, the network <name>-batch; where one breaks a GCP limit it is shortened with 6 hex digits of a SHA-1."

  validation {
    condition     = length(var.name) <= 63 && can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "name must be 1-63 characters of lowercase letters, digits and hyphens, starting with a letter (the template's rule)."
  }
}

variable "dataset_id" {
  type        = string
  description = "BigQuery dataset of the events table: the workers get roles/bigquery.dataEditor on it, and on nothing else."

  validation {
    condition     = length(var.dataset_id) <= 1024 && can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.dataset_id))
    error_message = "dataset_id must contain only letters, digits and underscores."
  }
}

variable "table_id" {
  type        = string
  description = "Events table the pipeline writes (the template's table parameter default)."

  validation {
    condition     = length(var.table_id) <= 1024 && can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.table_id))
    error_message = "table_id must contain only letters, digits and underscores."
  }
}

variable "artifact_registry_location" {
  type        = string
  description = "Location of the Artifact Registry repository holding the flex template image (the platform bootstrap's region)."

  validation {
    condition     = can(regex("^[a-z]+(-[a-z]+[0-9])?$", var.artifact_registry_location))
    error_message = "artifact_registry_location must be a region such as \"europe-west1\" or a multi-region such as \"europe\"."
  }
}

variable "artifact_repository_id" {
  type        = string
  description = "ID of the Docker repository holding the flex template image (the platform bootstrap's artifact_repository_id): the workers get roles/artifactregistry.reader on it."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.artifact_repository_id))
    error_message = "artifact_repository_id must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "launcher_members" {
  type        = list(string)
  description = "Principals that build templates and launch jobs (the CI identity; on-call groups): roles/dataflow.developer, actAs on the worker account only, object user on the templates bucket, object viewer on the work bucket."
  default     = []

  validation {
    condition     = alltrue([for m in var.launcher_members : can(regex("^(serviceAccount|group|principal|principalSet):", m))])
    error_message = "launcher_members must be service accounts, groups or workload identity principals (no users, no public principals)."
  }
}

variable "subnetwork" {
  type        = string
  description = "Subnetwork of the workers, as regions/<region>/subnetworks/<name> or its full URL (e.g. a Shared VPC's); it needs Private Google Access, and a firewall rule admitting TCP 12345-12346 between VMs tagged \"dataflow\". Null creates a network of the service's own with both."
  default     = null

  validation {
    condition     = var.subnetwork == null ? true : can(regex("^(https://www\\.googleapis\\.com/compute/v1/projects/[a-z][a-z0-9-]+/)?regions/[a-z]+-[a-z]+[0-9]/subnetworks/[a-z]([-a-z0-9]*[a-z0-9])?$", var.subnetwork))
    error_message = "subnetwork must be regions/<region>/subnetworks/<name> or https://www.googleapis.com/compute/v1/projects/<project>/regions/<region>/subnetworks/<name>."
  }
}

variable "worker_cidr" {
  type        = string
  description = "IP range of the subnetwork created when subnetwork is null: one address per worker, so a /24 holds max_workers up to 250."
  default     = "10.128.0.0/24"

  validation {
    condition     = can(cidrhost(var.worker_cidr, 0)) && tonumber(split("/", var.worker_cidr)[1]) <= 29
    error_message = "worker_cidr must be an IPv4 CIDR range of at least /29."
  }
}

variable "max_workers" {
  type        = number
  description = "Default ceiling of Dataflow's autoscaling (--max-workers of a launch may lower or raise it): the cost bound of a backfill, see docs/batch-dataflow.md."
  default     = 10

  validation {
    condition     = var.max_workers >= 1 && var.max_workers <= 1000 && floor(var.max_workers) == var.max_workers
    error_message = "max_workers must be an integer from 1 to 1000."
  }
}

variable "worker_machine_type" {
  type        = string
  description = "Default machine type of the workers."
  default     = "n1-standard-2"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*-[a-z0-9-]+$", var.worker_machine_type))
    error_message = "worker_machine_type must be a Compute Engine machine type such as \"n1-standard-2\"."
  }
}

variable "retention_days" {
  type = object({
    temp        = optional(number, 7)
    dead_letter = optional(number, 90)
  })
  description = "Days after which objects of the work bucket are deleted: temp/ and staging/ (temp), dead-letter/ (dead_letter: time to correct and replay them)."
  default     = {}

  validation {
    condition     = alltrue([for d in [var.retention_days.temp, var.retention_days.dead_letter] : d >= 1 && floor(d) == d])
    error_message = "retention_days.temp and retention_days.dead_letter must be positive integers."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels of the buckets and, with component = \"batch\", of every job launched with the template's defaults (billing attributes the workers' cost by them)."

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels keys must start with a lowercase letter; keys and values hold lowercase letters, digits, _ and -, at most 63 characters."
  }
}
