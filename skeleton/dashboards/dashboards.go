// Package dashboards holds the service's Grafana dashboard (grafana.json:
// messages processed, errors per minute, average and p99 response time,
// /datos cache hit ratio, BigQuery cost, memory) and its alert rules on its
// own metrics (alerts.json), embedded so that a tool or a test can read
// them. Import the dashboard into Grafana (or provision it) with a
// Prometheus data source: in production, Google Cloud Managed Service for
// Prometheus, where the Cloud Run GMP sidecar writes the /metrics series
// (docs/production-guards.md of the platform describes the data source).
//
// alerts.json is a Prometheus rule file (JSON is YAML, so promtool reads
// it): dead letters by reason, store write errors, batch write latency. The
// service's iac passes its rules to the platform's observability module,
// which turns each into a Cloud Monitoring alert policy evaluated as PromQL.
//
// It is not where metrics are defined (see the metrics package); a test
// checks that every query here names a metric that package exports.
package dashboards

import _ "embed"

// Grafana is the dashboard JSON (Grafana dashboard schema 39).
//
//go:embed grafana.json
var Grafana []byte

// Alerts is the alert rule file (Prometheus rule groups, PromQL).
//
//go:embed alerts.json
var Alerts []byte
