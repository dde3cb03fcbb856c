variable "project_id" {
  type        = string
  description = "ID of the project that owns the topics and the subscription."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project ID (6-30 characters, lowercase letters, digits and hyphens)."
  }
}

variable "name" {
  type        = string
  description = "Base name (the template's service name: up to 63 characters): the topic is <name>, the subscription <name>-sub and the dead-letter topic <name>-dlq. A name shorter than 3 characters or starting with goog (Pub/Sub rules) is prefixed with ps-."

  validation {
    condition     = length(var.name) <= 63 && can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "name must be 1-63 characters of lowercase letters, digits and hyphens, starting with a letter (the template's rule)."
  }
}

variable "allowed_persistence_regions" {
  type        = list(string)
  description = "Regions where Pub/Sub may store messages (message_storage_policy), for both topics."

  validation {
    condition     = length(var.allowed_persistence_regions) > 0 && alltrue([for r in var.allowed_persistence_regions : can(regex("^[a-z]+-[a-z]+[0-9]$", r))])
    error_message = "allowed_persistence_regions must list at least one region such as \"europe-west1\"."
  }
}

variable "kms_key_name" {
  type        = string
  description = "Optional Cloud KMS key (projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>) that encrypts both topics; null uses Google-managed keys."
  default     = null

  validation {
    condition     = var.kms_key_name == null || can(regex("^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$", var.kms_key_name))
    error_message = "kms_key_name must be null or a full crypto key name: projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>."
  }
}

variable "ack_deadline_seconds" {
  type        = number
  description = "Seconds the subscriber has to acknowledge a message before Pub/Sub redelivers it."
  default     = 60

  validation {
    condition     = var.ack_deadline_seconds >= 10 && var.ack_deadline_seconds <= 600
    error_message = "ack_deadline_seconds must be between 10 and 600."
  }
}

variable "message_retention_duration" {
  type        = string
  description = "How long the subscription keeps unacknowledged messages, in seconds with an \"s\" suffix (1 day to 7 days)."
  default     = "604800s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.message_retention_duration)) && try(tonumber(trimsuffix(var.message_retention_duration, "s")) >= 86400 && tonumber(trimsuffix(var.message_retention_duration, "s")) <= 604800, false)
    error_message = "message_retention_duration must be between \"86400s\" (1 day) and \"604800s\" (7 days)."
  }
}

variable "dead_letter_retention_duration" {
  type        = string
  description = "How long the dead-letter topic retains messages (topic retention), so they can be replayed by seeking a new subscription; 10 minutes to 31 days."
  default     = "604800s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.dead_letter_retention_duration)) && try(tonumber(trimsuffix(var.dead_letter_retention_duration, "s")) >= 600 && tonumber(trimsuffix(var.dead_letter_retention_duration, "s")) <= 2678400, false)
    error_message = "dead_letter_retention_duration must be between \"600s\" and \"2678400s\" (31 days)."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of a message before Pub/Sub forwards it to the dead-letter topic."
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub limits)."
  }
}

variable "minimum_backoff" {
  type        = string
  description = "Minimum delay between redeliveries of a nacked message (retry policy), e.g. \"10s\"; 0-600 s."
  default     = "10s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.minimum_backoff)) && try(tonumber(trimsuffix(var.minimum_backoff, "s")) <= 600, false)
    error_message = "minimum_backoff must be a duration such as \"10s\", at most \"600s\"."
  }
}

variable "maximum_backoff" {
  type        = string
  description = "Maximum delay between redeliveries of a nacked message (retry policy), e.g. \"600s\"; 0-600 s."
  default     = "600s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.maximum_backoff)) && try(tonumber(trimsuffix(var.maximum_backoff, "s")) <= 600, false)
    error_message = "maximum_backoff must be a duration such as \"600s\", at most \"600s\"."
  }
}

variable "publisher_members" {
  type        = list(string)
  description = "Principals allowed to publish flight events to the topic, e.g. [\"serviceAccount:producer@p.iam.gserviceaccount.com\"]. Public principals are rejected."
  default     = []

  validation {
    condition     = alltrue([for m in var.publisher_members : can(regex("^(serviceAccount|group|user|principal|principalSet):", m)) && !contains(["allUsers", "allAuthenticatedUsers"], m)])
    error_message = "publisher_members must be IAM principals such as serviceAccount:<email> or group:<email>; allUsers and allAuthenticatedUsers are not allowed."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to every topic and subscription (keys and values: lowercase letters, digits, _ and -, at most 63 characters)."

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels must use lowercase keys starting with a letter and values of lowercase letters, digits, _ and -, at most 63 characters each."
  }
}
