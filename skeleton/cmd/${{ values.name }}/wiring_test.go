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
	c, _, _ := newCLI(map[string]string{"BIGQUERY_PRICE_PER_TIB": "5"})
	obs, err := c.observe()
	if err != nil {
		t.Fatal(err)
	}
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

func TestPriceFromEnvRefusesNonsense(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"abc", "-1", "1e9"} {
		if _, err := priceFromEnv(func(string) string { return v }); exitCode(err) != 2 {
			t.Errorf("BIGQUERY_PRICE_PER_TIB=%q: exit %d, want 2", v, exitCode(err))
		}
	}
}
