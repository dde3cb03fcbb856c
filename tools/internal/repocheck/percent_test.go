package repocheck_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/repocheck"
)

// TestObservabilityPercentText evaluates, with terraform, the display names
// that show the observability module's fractions as percentages, for
// fractions whose product with 100 is not exact in binary (0.01 * 100 prints
// as 0.9999… unformatted): each reads as the percentage written.
func TestObservabilityPercentText(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	// The harness is written beside the root module: plan a copy.
	dir := filepath.Join(t.TempDir(), "observability")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(repoRoot(t), "iac", "modules", "observability"))); err != nil {
		t.Fatal(err)
	}
	tree, err := repocheck.LoadTree(dir, repocheck.RepoResolver(repoRoot(t)))
	if err != nil {
		t.Fatal(err)
	}
	h, err := repocheck.WriteHarness(tree, repocheck.HarnessOptions{Attrs: func(typ string) []string {
		if typ == "google_monitoring_alert_policy" || typ == "google_monitoring_slo" {
			return []string{"display_name"}
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	// percents: the error-rate threshold, the latency, availability and
	// ingest goals, as the text must show them.
	type percents struct{ errorRate, latency, availability, ingest string }
	tests := map[string]struct {
		errorRate, latency, availability, ingest float64
		want                                     percents
	}{
		"defaults":  {0.01, 0.99, 0.999, 0.995, percents{"1", "99", "99.9", "99.5"}},
		"halves":    {0.005, 0.9995, 0.9999, 0.95, percents{"0.5", "99.95", "99.99", "95"}},
		"tenths":    {0.001, 0.9, 0.999, 0.9, percents{"0.1", "90", "99.9", "90"}},
		"hundredth": {0.0005, 0.97, 0.99995, 0.99, percents{"0.05", "97", "99.995", "99"}},
		"tens":      {0.1, 0.5, 0.75, 0.8, percents{"10", "50", "75", "80"}},
	}
	cases := map[string]map[string]any{}
	for name, tt := range tests {
		cases[name] = map[string]any{
			"project_id": "acme-flights-dev", "name": "svc", "api_service_name": "svc", "topic_name": "svc", "subscription_name": "svc-sub",
			"notification_channels": []string{"projects/acme-flights-dev/notificationChannels/1"},
			"bigquery_query_budget": map[string]any{"monthly_usd": 50}, "labels": map[string]string{},
			"error_rate_threshold": tt.errorRate, "latency_slo": map[string]any{"goal": tt.latency, "threshold_ms": 800},
			"availability_slo_goal": tt.availability, "ingest_slo_goal": tt.ingest,
		}
	}
	got, err := h.EvalCases(t.Context(), bin, cases)
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range tests {
		values := decodeStrings(t, got[name])
		gotText := []string{
			values["google_monitoring_alert_policy.error_rate.display_name"],
			values["google_monitoring_slo.latency.display_name"],
			values["google_monitoring_slo.availability.display_name"],
			values["google_monitoring_slo.ingest.display_name"],
		}
		want := []string{
			"svc: 5xx rate above " + tt.want.errorRate + " %",
			tt.want.latency + " % of /datos requests under 800 ms (28 days)",
			tt.want.availability + " % of /datos requests without 5xx (calendar month)",
			tt.want.ingest + " % of delivered events written to BigQuery (28 days)",
		}
		if diff := cmp.Diff(gotText, want); diff != "" {
			t.Errorf("%s: display names (-got +want):\n%s", name, diff)
		}
	}
}
