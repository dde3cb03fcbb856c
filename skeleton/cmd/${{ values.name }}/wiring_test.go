package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/acme-platform/golden-path/kit/bqfake"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/api/option"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/config"
)

// TestObservedStoreReportsBigQueryCost checks that a BigQuery store is
// wrapped with the cost report: a read is dry-run, priced with
// BIGQUERY_PRICE_PER_TIB and exported, while SQLite reads are not.
func TestObservedStoreReportsBigQueryCost(t *testing.T) {
	t.Parallel()
	fake, err := bqfake.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	bq, err := bigquery.New(t.Context(), bigquery.Config{ProjectID: "p", Dataset: "flight_events", Table: "events", Location: "EU"},
		option.WithEndpoint(fake.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bq.Close() })
	if err := bq.CreateTable(t.Context()); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.FromEnv(func(k string) string { return map[string]string{"BIGQUERY_PRICE_PER_TIB": "5"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	obs := observe(cfg)
	if obs.pricePerTiB != 5 {
		t.Errorf("price per TiB = %v, want 5", obs.pricePerTiB)
	}
	var logs strings.Builder
	store := obs.store(bq, slog.New(slog.NewJSONHandler(&logs, nil)))
	if _, err := store.ListEvents(t.Context(), flightevents.EventFilter{Limit: 10}); err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	want := `
# HELP flightevents_bigquery_dry_runs_total BigQuery dry runs of uncached /datos queries, by result (ok, error).
# TYPE flightevents_bigquery_dry_runs_total counter
flightevents_bigquery_dry_runs_total{result="error"} 0
flightevents_bigquery_dry_runs_total{result="ok"} 1
`
	if err := testutil.GatherAndCompare(obs.metrics.Registry(), strings.NewReader(want), "flightevents_bigquery_dry_runs_total"); err != nil {
		t.Errorf("dry runs after one BigQuery read: %v", err)
	}
	if !strings.Contains(logs.String(), "bytes") {
		t.Errorf("no cost log line after a BigQuery read; logs:\n%s", logs.String())
	}
}

// TestBadCacheOrPriceIsBadInput checks that the variables config.FromEnv
// took over from the wiring still stop a command with exit code 2, naming
// the variable.
func TestBadCacheOrPriceIsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
	}{
		{name: "price_not_a_number", env: map[string]string{"BIGQUERY_PRICE_PER_TIB": "abc"}},
		{name: "price_negative", env: map[string]string{"BIGQUERY_PRICE_PER_TIB": "-1"}},
		{name: "price_absurd", env: map[string]string{"BIGQUERY_PRICE_PER_TIB": "1e9"}},
		{name: "cache_switch", env: map[string]string{"DATOS_CACHE": "maybe"}},
		{name: "cache_ttl", env: map[string]string{"DATOS_CACHE_TTL": "1h"}},
		{name: "cache_max_stale", env: map[string]string{"DATOS_CACHE_MAX_STALE": "2h"}},
		{name: "cache_max_bytes", env: map[string]string{"DATOS_CACHE_MAX_BYTES": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, _ := newCLI(tt.env)
			err := c.run(t.Context(), []string{"serve"})
			if exitCode(err) != ExitBadInput {
				t.Fatalf("serve with %v: exit %d (%v), want %d", tt.env, exitCode(err), err, ExitBadInput)
			}
			for k := range tt.env {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("error %q does not name %s", err, k)
				}
			}
		})
	}
}
