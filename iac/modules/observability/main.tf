# Alerts, SLOs and a dashboard for the flight-events service, as code.
#
# Threshold alerts (the seed's): API average latency, 5xx error rate and "no
# messages published". SLOs on a custom monitored service: API latency,
# API availability and ingest; each SLO has multi-window, multi-burn-rate
# alerts (Google SRE workbook: page at 14.4x over 1 h and 5 min, ticket at 6x
# over 6 h and 30 min; both windows must burn for the alert to open).

locals {
  api_filter          = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${var.api_service_name}\""
  request_count       = "metric.type=\"run.googleapis.com/request_count\" AND ${local.api_filter}"
  request_5xx         = "${local.request_count} AND metric.labels.response_code_class=\"5xx\""
  request_latencies   = "metric.type=\"run.googleapis.com/request_latencies\" AND ${local.api_filter}"
  subscription_filter = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${var.subscription_name}\""
  messages_acked      = "metric.type=\"pubsub.googleapis.com/subscription/ack_message_count\" AND ${local.subscription_filter}"
  messages_dead       = "metric.type=\"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND ${local.subscription_filter}"
  messages_published  = "metric.type=\"pubsub.googleapis.com/topic/send_request_count\" AND resource.type=\"pubsub_topic\" AND resource.labels.topic_id=\"${var.topic_name}\""
  bytes_billed        = "metric.type=\"bigquery.googleapis.com/query/statement_scanned_bytes_billed\" AND resource.type=\"bigquery_project\""

  # The FinOps alert's threshold: one day's share of the monthly query
  # budget, in bytes billed (TiB = 2^40 B, as BigQuery bills).
  daily_budget_usd         = var.bigquery_query_budget.monthly_usd / (730 / 24)
  daily_bytes_billed_limit = floor(local.daily_budget_usd / var.bigquery_query_budget.price_per_tib * pow(2, 40))

  # The fractions the text shows as percentages, to six significant digits
  # ("%g" drops trailing zeros: 0.01 → "1", 0.005 → "0.5", 0.0005 → "0.05",
  # 0.999 → "99.9"). Interpolating x * 100 itself prints terraform's exact
  # binary product: 0.01 * 100 is 0.9999… with 150 nines.
  fractions = {
    error_rate   = var.error_rate_threshold
    latency      = var.latency_slo.goal
    availability = var.availability_slo_goal
    ingest       = var.ingest_slo_goal
  }
  percent = { for k, v in local.fractions : k => format("%.6g", v * 100) }

  # Dashboard lines of delta metrics: each one's count per minute, summed.
  per_minute_filters = {
    acked         = local.messages_acked
    request_5xx   = local.request_5xx
    messages_dead = local.messages_dead
  }
  per_minute_lines = {
    for name, filter in local.per_minute_filters : name => {
      plotType = "LINE"
      timeSeriesQuery = {
        timeSeriesFilter = {
          filter      = filter
          aggregation = { alignmentPeriod = "60s", perSeriesAligner = "ALIGN_DELTA", crossSeriesReducer = "REDUCE_SUM" }
        }
      }
    }
  }

  # Multi-window burn-rate alerts per SLO.
  burn_rates = {
    fast = { threshold = 14.4, long_window = "3600s", short_window = "300s", severity = "CRITICAL" }
    slow = { threshold = 6, long_window = "21600s", short_window = "1800s", severity = "WARNING" }
  }
  slos = {
    latency      = google_monitoring_slo.latency.name
    availability = google_monitoring_slo.availability.name
    ingest       = google_monitoring_slo.ingest.name
  }
  burn_alerts = {
    for pair in setproduct(keys(local.slos), keys(local.burn_rates)) :
    "${pair[0]}-${pair[1]}" => merge(local.burn_rates[pair[1]], { slo = pair[0], speed = pair[1] })
  }
}

# --- Alerts on the service's own metrics (PromQL, Managed Prometheus) --------

resource "google_monitoring_alert_policy" "prometheus" {
  for_each = { for a in var.prometheus_alerts : a.name => a }

  project               = var.project_id
  display_name          = "${var.name}: ${each.key}"
  combiner              = "OR"
  enabled               = true
  severity              = each.value.severity
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = each.key

    condition_prometheus_query_language {
      query               = each.value.query
      duration            = each.value.duration
      evaluation_interval = "60s"
      alert_rule          = each.key
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = each.value.summary
  }
}

# --- Threshold alerts ----------------------------------------------------------

resource "google_monitoring_alert_policy" "latency" {
  project               = var.project_id
  display_name          = "${var.name}: /datos latency above ${var.latency_threshold_ms} ms"
  combiner              = "OR"
  enabled               = true
  severity              = "WARNING"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "Average request latency > ${var.latency_threshold_ms} ms for 5 min"

    condition_threshold {
      # The API serves only GET /datos (the probes do not pass the front end),
      # so the service's request latency is the endpoint's latency.
      filter          = local.request_latencies
      comparison      = "COMPARISON_GT"
      threshold_value = var.latency_threshold_ms
      duration        = "300s"

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_MEAN"
        cross_series_reducer = "REDUCE_MEAN"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "The ${var.api_service_name} API answers slower than ${var.latency_threshold_ms} ms on average. Check BigQuery job latency and slot use, the partition filter in queries, and instance saturation (CPU, concurrency)."
  }
}

resource "google_monitoring_alert_policy" "error_rate" {
  project               = var.project_id
  display_name          = "${var.name}: 5xx rate above ${local.percent.error_rate} %"
  combiner              = "OR"
  enabled               = true
  severity              = "ERROR"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "5xx responses / all responses > ${local.percent.error_rate} % for 5 min"

    condition_threshold {
      filter             = local.request_5xx
      denominator_filter = local.request_count
      comparison         = "COMPARISON_GT"
      threshold_value    = var.error_rate_threshold
      duration           = "300s"

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }

      denominator_aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "More than ${local.percent.error_rate} % of ${var.api_service_name} responses are 5xx. Check the service logs (severity>=ERROR) and the BigQuery adapter's errors."
  }
}

resource "google_monitoring_alert_policy" "no_messages" {
  project               = var.project_id
  display_name          = "${var.name}: no flight events for ${var.no_messages_minutes} min"
  combiner              = "OR"
  enabled               = true
  severity              = "WARNING"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "No publish requests on ${var.topic_name} for ${var.no_messages_minutes} min"

    condition_absent {
      filter   = local.messages_published
      duration = "${var.no_messages_minutes * 60}s"

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Nothing was published to ${var.topic_name} for ${var.no_messages_minutes} minutes. Check the producers and their roles/pubsub.publisher grant."
  }
}

# --- FinOps: BigQuery bytes billed per day against the budget -----------------
#
# The runtime side of the plan-time cost gate: the request guards of GET /datos
# (range limit, maximum bytes billed per query, per-client rate limit) bound
# each request; this alert watches what the project's queries billed in total
# over the last 24 hours.

resource "google_monitoring_alert_policy" "bytes_billed" {
  project               = var.project_id
  display_name          = "${var.name}: BigQuery bytes billed over the daily budget"
  combiner              = "OR"
  enabled               = true
  severity              = "WARNING"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "Bytes billed in 24 h > ${local.daily_bytes_billed_limit} (USD ${format("%.2f", local.daily_budget_usd)} at ${var.bigquery_query_budget.price_per_tib}/TiB)"

    condition_threshold {
      filter          = local.bytes_billed
      comparison      = "COMPARISON_GT"
      threshold_value = local.daily_bytes_billed_limit
      duration        = "0s"

      aggregations {
        alignment_period     = "86400s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "BigQuery billed more bytes in the last 24 hours than one day's share of the USD ${var.bigquery_query_budget.monthly_usd} monthly query budget (${local.daily_bytes_billed_limit} bytes, USD ${format("%.2f", local.daily_budget_usd)}). The metric covers every query of the project. Find the callers in INFORMATION_SCHEMA.JOBS_BY_PROJECT (total_bytes_billed by user_email); for GET /datos, the service logs one \"bigquery query estimate\" line per uncached read with the request's trace. Tighten BIGQUERY_MAX_BYTES_BILLED, DATOS_MAX_RANGE or DATOS_RATE_LIMIT if the API is the cause."
  }
}

# --- SLOs ----------------------------------------------------------------------

resource "google_monitoring_custom_service" "this" {
  project      = var.project_id
  service_id   = var.name
  display_name = "${var.name} (flight events)"
  user_labels  = var.labels
}

resource "google_monitoring_slo" "latency" {
  project             = var.project_id
  service             = google_monitoring_custom_service.this.service_id
  slo_id              = "api-latency"
  display_name        = "${local.percent.latency} % of /datos requests under ${var.latency_slo.threshold_ms} ms (28 days)"
  goal                = var.latency_slo.goal
  rolling_period_days = 28
  user_labels         = var.labels

  request_based_sli {
    distribution_cut {
      distribution_filter = local.request_latencies

      range {
        min = 0
        max = var.latency_slo.threshold_ms
      }
    }
  }
}

resource "google_monitoring_slo" "availability" {
  project         = var.project_id
  service         = google_monitoring_custom_service.this.service_id
  slo_id          = "api-availability"
  display_name    = "${local.percent.availability} % of /datos requests without 5xx (calendar month)"
  goal            = var.availability_slo_goal
  calendar_period = "MONTH"
  user_labels     = var.labels

  request_based_sli {
    good_total_ratio {
      bad_service_filter   = local.request_5xx
      total_service_filter = local.request_count
    }
  }
}

resource "google_monitoring_slo" "ingest" {
  project             = var.project_id
  service             = google_monitoring_custom_service.this.service_id
  slo_id              = "ingest"
  display_name        = "${local.percent.ingest} % of delivered events written to BigQuery (28 days)"
  goal                = var.ingest_slo_goal
  rolling_period_days = 28
  user_labels         = var.labels

  request_based_sli {
    # The subscriber acknowledges a message only after BigQuery stored it;
    # a message that exhausts its delivery attempts is dead-lettered.
    good_total_ratio {
      good_service_filter = local.messages_acked
      bad_service_filter  = local.messages_dead
    }
  }
}

resource "google_monitoring_alert_policy" "burn_rate" {
  for_each = local.burn_alerts

  project               = var.project_id
  display_name          = "${var.name}: ${each.value.slo} SLO ${each.value.speed} burn (${each.value.threshold}x)"
  combiner              = "AND"
  enabled               = true
  severity              = each.value.severity
  notification_channels = var.notification_channels
  user_labels           = merge(var.labels, { slo = each.value.slo, burn = each.value.speed })

  conditions {
    display_name = "Burn rate > ${each.value.threshold}x over ${each.value.long_window}"

    condition_threshold {
      filter          = "select_slo_burn_rate(\"${local.slos[each.value.slo]}\", \"${each.value.long_window}\")"
      comparison      = "COMPARISON_GT"
      threshold_value = each.value.threshold
      duration        = "0s"
    }
  }

  conditions {
    display_name = "Burn rate > ${each.value.threshold}x over ${each.value.short_window}"

    condition_threshold {
      filter          = "select_slo_burn_rate(\"${local.slos[each.value.slo]}\", \"${each.value.short_window}\")"
      comparison      = "COMPARISON_GT"
      threshold_value = each.value.threshold
      duration        = "0s"
    }
  }

  alert_strategy {
    auto_close = "3600s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = "The ${each.value.slo} SLO's error budget is burning ${each.value.threshold}x faster than sustainable over both ${each.value.long_window} and ${each.value.short_window}."
  }
}

# --- Dashboard -------------------------------------------------------------------

resource "google_monitoring_dashboard" "this" {
  project = var.project_id
  dashboard_json = jsonencode({
    displayName = "${var.name}: flight events"
    labels      = var.labels
    mosaicLayout = {
      columns = 12
      tiles = [
        {
          xPos = 0, yPos = 0, width = 6, height = 4
          widget = {
            title = "Messages processed (acked per minute)"
            xyChart = {
              dataSets = [local.per_minute_lines.acked]
            }
          }
        },
        {
          xPos = 6, yPos = 0, width = 6, height = 4
          widget = {
            title = "Errors per minute (5xx responses, dead-lettered messages)"
            xyChart = {
              dataSets = [local.per_minute_lines.request_5xx, local.per_minute_lines.messages_dead]
            }
          }
        },
        {
          xPos = 0, yPos = 4, width = 12, height = 4
          widget = {
            title = "/datos latency (p50, p99)"
            xyChart = {
              dataSets = [
                for aligner in ["ALIGN_PERCENTILE_50", "ALIGN_PERCENTILE_99"] : {
                  plotType = "LINE"
                  timeSeriesQuery = { timeSeriesFilter = {
                    filter      = local.request_latencies
                    aggregation = { alignmentPeriod = "60s", perSeriesAligner = aligner, crossSeriesReducer = "REDUCE_MEAN" }
                  } }
                }
              ]
              thresholds = [{ value = var.latency_threshold_ms, label = "alert" }]
            }
          }
        },
      ]
    }
  })
}
