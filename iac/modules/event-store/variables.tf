variable "project_id" {
  type        = string
  description = "ID of the project that owns the dataset."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project ID (6-30 characters, lowercase letters, digits and hyphens)."
  }
}

variable "location" {
  type        = string
  description = "BigQuery location of the dataset: a region such as \"europe-west1\" or a multi-region (\"EU\", \"US\")."

  validation {
    condition     = can(regex("^([a-z]+-[a-z]+[0-9]|EU|US)$", var.location))
    error_message = "location must be a region such as \"europe-west1\" or the multi-region \"EU\" or \"US\"."
  }
}

variable "dataset_id" {
  type        = string
  description = "ID of the dataset (letters, digits and underscores)."

  validation {
    condition     = length(var.dataset_id) <= 1024 && can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.dataset_id))
    error_message = "dataset_id must contain only letters, digits and underscores, starting with a letter or underscore."
  }
}

variable "table_id" {
  type        = string
  description = "ID of the events table (letters, digits and underscores)."

  validation {
    condition     = length(var.table_id) <= 1024 && can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.table_id))
    error_message = "table_id must contain only letters, digits and underscores, starting with a letter or underscore."
  }
}

variable "schema_json" {
  type        = string
  description = "BigQuery schema of the table as a JSON array of fields: the content of the service's schema/events.json, shared with its tests. Must have event_id, flight_id, status and a TIMESTAMP column named timestamp."

  validation {
    condition = try(alltrue([
      for column in ["event_id", "flight_id", "status", "timestamp"] :
      contains([for field in jsondecode(var.schema_json) : field.name], column)
      ]) && anytrue([
      for field in jsondecode(var.schema_json) : field.name == "timestamp" && upper(field.type) == "TIMESTAMP"
    ]), false)
    error_message = "schema_json must be a JSON array of BigQuery fields containing event_id, flight_id, status and a TIMESTAMP field named timestamp (partitioning and clustering use them)."
  }
}

variable "kms_key_name" {
  type        = string
  description = "Optional Cloud KMS key that encrypts the dataset's tables by default (CMEK); null uses Google-managed keys."
  default     = null

  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must be null or a full crypto key name: projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>."
  }
}

variable "partition_expiration_days" {
  type        = number
  description = "Days after which a daily partition is deleted; null keeps partitions forever."
  default     = null

  validation {
    condition     = var.partition_expiration_days == null || try(var.partition_expiration_days >= 1, false)
    error_message = "partition_expiration_days must be null or at least 1."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to destroy the table from Terraform. Keep true outside throw-away environments."
  default     = true
}

variable "reader_members" {
  type        = list(string)
  description = "Extra principals granted roles/bigquery.dataViewer on the dataset. Public principals (allUsers, allAuthenticatedUsers) are rejected."
  default     = []

  validation {
    condition     = alltrue([for m in var.reader_members : can(regex("^(serviceAccount|group|user|principal|principalSet):", m))])
    error_message = "reader_members must be IAM principals such as serviceAccount:<email> or group:<email>; allUsers and allAuthenticatedUsers are not allowed."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to the dataset and the table (keys and values: lowercase letters, digits, _ and -, at most 63 characters)."

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels must use lowercase keys starting with a letter and values of lowercase letters, digits, _ and -, at most 63 characters each."
  }
}
