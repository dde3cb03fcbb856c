// Package dashboards holds the service's Grafana dashboard (grafana.json:
// messages processed, errors per minute, average and p99 response time,
// /datos cache hit ratio, BigQuery cost, memory), embedded so that a tool
// or a test can read it. Import the file into Grafana (or provision it)
// with a Prometheus data source that scrapes the service's /metrics.
//
// It is not where metrics are defined (see the metrics package); a test
// checks that every query here names a metric that package exports.
package dashboards

import _ "embed"

// Grafana is the dashboard JSON (Grafana dashboard schema 39).
//
//go:embed grafana.json
var Grafana []byte
