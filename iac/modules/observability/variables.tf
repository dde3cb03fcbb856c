variable "project_id" {
  type        = string
  description = "ID of the project whose Cloud Monitoring workspace holds the alerts, SLOs and dashboard."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a valid Google Cloud project ID (6-30 characters, lowercase letters, digits and hyphens)."
  }
}

variable "name" {
  type        = string
  description = "Service name (up to 63 characters) used in display names and as the ID of the monitored custom service."

  validation {
    condition     = length(var.name) <= 63 && can(regex("^[a-z][a-z0-9-]*$", var.name))
    error_message = "name must be 1-63 characters of lowercase letters, digits and hyphens, starting with a letter (the template's rule)."
  }
}

variable "api_service_name" {
  type        = string
  description = "Name of the API Cloud Run service (metric label service_name) that serves GET /datos."

  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$", var.api_service_name))
    error_message = "api_service_name must be a Cloud Run service name (lowercase letters, digits and hyphens, at most 49 characters)."
  }
}

variable "topic_name" {
  type        = string
  description = "Short name of the events topic (metric label topic_id) watched by the no-messages alert."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", var.topic_name))
    error_message = "topic_name must be a Pub/Sub topic short name."
  }
}

variable "subscription_name" {
  type        = string
  description = "Short name of the events subscription (metric label subscription_id) behind the ingest SLO."

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9._~%+-]{2,254}$", var.subscription_name))
    error_message = "subscription_name must be a Pub/Sub subscription short name."
  }
}

variable "notification_channels" {
  type        = list(string)
  description = "Notification channel IDs (projects/<p>/notificationChannels/<id>) every alert policy notifies. At least one: an alert nobody receives is not an alert."

  validation {
    condition     = length(var.notification_channels) > 0 && alltrue([for c in var.notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", c))])
    error_message = "notification_channels must list at least one channel ID of the form projects/<project>/notificationChannels/<id>."
  }
}

variable "latency_threshold_ms" {
  type        = number
  description = "Alert when the API's average request latency stays above this many milliseconds for 5 minutes."
  default     = 1500

  validation {
    condition     = var.latency_threshold_ms > 0 && var.latency_threshold_ms <= 60000
    error_message = "latency_threshold_ms must be between 1 and 60000."
  }
}

variable "error_rate_threshold" {
  type        = number
  description = "Alert when the fraction of API responses that are 5xx stays above this value (0.01 = 1 %) for 5 minutes."
  default     = 0.01

  validation {
    condition     = var.error_rate_threshold > 0 && var.error_rate_threshold < 1
    error_message = "error_rate_threshold must be a fraction between 0 and 1 (exclusive)."
  }
}

variable "no_messages_minutes" {
  type        = number
  description = "Alert when nothing is published to the events topic for this many minutes."
  default     = 10

  validation {
    condition     = var.no_messages_minutes >= 2 && var.no_messages_minutes <= 1440 && floor(var.no_messages_minutes) == var.no_messages_minutes
    error_message = "no_messages_minutes must be a whole number between 2 and 1440."
  }
}

variable "latency_slo" {
  type = object({
    goal         = number
    threshold_ms = number
  })
  description = "API latency SLO over a rolling 28 days: goal fraction of requests served faster than threshold_ms."
  default = {
    goal         = 0.99
    threshold_ms = 800
  }

  validation {
    condition     = var.latency_slo.goal > 0 && var.latency_slo.goal < 1 && var.latency_slo.threshold_ms > 0
    error_message = "latency_slo.goal must be between 0 and 1 (exclusive) and threshold_ms positive."
  }
}

variable "availability_slo_goal" {
  type        = number
  description = "API availability SLO per calendar month: fraction of requests that are not 5xx."
  default     = 0.999

  validation {
    condition     = var.availability_slo_goal > 0 && var.availability_slo_goal < 1
    error_message = "availability_slo_goal must be between 0 and 1 (exclusive)."
  }
}

variable "ingest_slo_goal" {
  type        = number
  description = "Ingest SLO over a rolling 28 days: fraction of delivered messages written to BigQuery (acknowledged) rather than dead-lettered."
  default     = 0.995

  validation {
    condition     = var.ingest_slo_goal > 0 && var.ingest_slo_goal < 1
    error_message = "ingest_slo_goal must be between 0 and 1 (exclusive)."
  }
}

variable "bigquery_query_budget" {
  type = object({
    monthly_usd   = number
    price_per_tib = optional(number, 6.25)
  })
  description = "The FinOps alert's budget: it fires when the BigQuery bytes billed in the project over the last 24 hours, at price_per_tib USD per TiB (on-demand list price by default), exceed one day's share (730 h / 24 = 30.42 days) of monthly_usd, i.e. when a day's queries would spend the monthly budget in a month."

  validation {
    condition     = var.bigquery_query_budget.monthly_usd > 0 && var.bigquery_query_budget.monthly_usd <= 1000000 && var.bigquery_query_budget.price_per_tib > 0 && var.bigquery_query_budget.price_per_tib <= 1000
    error_message = "bigquery_query_budget.monthly_usd must be between 0 (exclusive) and 1000000 and price_per_tib between 0 (exclusive) and 1000."
  }
}

variable "labels" {
  type        = map(string)
  description = "User labels applied to the alert policies, SLOs, custom service and dashboard (keys and values: lowercase letters, digits, _ and -, at most 63 characters)."

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels must use lowercase keys starting with a letter and values of lowercase letters, digits, _ and -, at most 63 characters each."
  }
}

variable "prometheus_alerts" {
  type = list(object({
    name     = string
    query    = string
    duration = string
    severity = string
    summary  = string
  }))
  description = "Alerts on the service's own metrics, in PromQL over Managed Service for Prometheus (the service's dashboards/alerts.yaml): one alert policy each. name is the rule's alert name, duration how long the query must hold (e.g. \"600s\"), severity CRITICAL, ERROR or WARNING."
  default     = []

  validation {
    condition     = alltrue([for a in var.prometheus_alerts : can(regex("^[A-Za-z][A-Za-z0-9_]*$", a.name)) && can(regex("^[0-9]+s$", a.duration)) && contains(["CRITICAL", "ERROR", "WARNING"], a.severity) && trimspace(a.query) != ""])
    error_message = "each prometheus_alerts entry needs an identifier name, a duration in seconds (\"600s\"), a severity CRITICAL, ERROR or WARNING and a query."
  }

  validation {
    condition     = length(distinct([for a in var.prometheus_alerts : a.name])) == length(var.prometheus_alerts)
    error_message = "prometheus_alerts names must be unique."
  }
}
