package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/metrics"
	"${{ values.goModule }}/sqlitestore"
)

// exercise calls every hook once, so that every vector has a series.
func exercise(m *metrics.Metrics) {
	m.RequestStarted()
	m.RequestDone("/datos", http.MethodGet, 200, 3*time.Millisecond)
	m.MessageReceived()
	m.BatchWritten(3, flightevents.WriteResult{Written: 2, Duplicates: 1})
	m.MessageDeadLettered("invalid_status")
	m.MessagesNacked(2)
	m.StoreCall(metrics.OpList, time.Millisecond, flightevents.Errorf(flightevents.EUNAVAILABLE, "down"))
	m.CacheRequest(metrics.CacheHit)
	m.CacheSize(3, 4096)
	m.CacheEvicted(1)
	m.DryRun(1<<20, 10<<20, 0.0000596, nil)
}

func TestNamesFollowPrometheusConventions(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	exercise(m)
	problems, err := testutil.GatherAndLint(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var own int
	for _, f := range families {
		name := f.GetName()
		if !strings.HasPrefix(name, metrics.Namespace+"_") {
			continue // go_*, process_* from the standard collectors
		}
		own++
		if f.GetType().String() == "COUNTER" && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s does not end in _total", name)
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "path" || strings.Contains(l.GetValue(), "?") {
					t.Errorf("%s has a raw path or query label %s=%q", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
	if own < 15 {
		t.Errorf("gathered %d flightevents_* families, want every hook's (at least 15)", own)
	}
}

func TestHooksRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		record func(m *metrics.Metrics)
		metric string
		want   string
	}{
		{
			name: "requests_by_route_method_code",
			record: func(m *metrics.Metrics) {
				for range 2 {
					m.RequestStarted()
					m.RequestDone("/datos", http.MethodGet, 200, time.Millisecond)
				}
				m.RequestStarted()
				m.RequestDone("/datos", http.MethodGet, 503, time.Millisecond)
			},
			metric: "flightevents_http_requests_total",
			want: `
# HELP flightevents_http_requests_total HTTP requests served, by route template, method and status code.
# TYPE flightevents_http_requests_total counter
flightevents_http_requests_total{code="200",method="GET",route="/datos"} 2
flightevents_http_requests_total{code="503",method="GET",route="/datos"} 1
`,
		},
		{
			name: "in_flight_back_to_zero",
			record: func(m *metrics.Metrics) {
				m.RequestStarted()
				m.RequestStarted()
				m.RequestDone("/healthz", http.MethodGet, 200, time.Millisecond)
			},
			metric: "flightevents_http_requests_in_flight",
			want: `
# HELP flightevents_http_requests_in_flight HTTP requests being served.
# TYPE flightevents_http_requests_in_flight gauge
flightevents_http_requests_in_flight 1
`,
		},
		{
			name: "batch_written_counts_events",
			record: func(m *metrics.Metrics) {
				m.BatchWritten(5, flightevents.WriteResult{Written: 4, Duplicates: 1})
				m.BatchWritten(2, flightevents.WriteResult{Written: 2})
			},
			metric: "flightevents_ingest_events_written_total",
			want: `
# HELP flightevents_ingest_events_written_total Events stored for the first time by the subscriber.
# TYPE flightevents_ingest_events_written_total counter
flightevents_ingest_events_written_total 6
`,
		},
		{
			name: "batch_sizes",
			record: func(m *metrics.Metrics) {
				m.BatchWritten(5, flightevents.WriteResult{Written: 5})
				m.BatchWritten(500, flightevents.WriteResult{Written: 500})
			},
			metric: "flightevents_ingest_batch_events",
			want: `
# HELP flightevents_ingest_batch_events Events per batch written by the subscriber.
# TYPE flightevents_ingest_batch_events histogram
flightevents_ingest_batch_events_bucket{le="1"} 0
flightevents_ingest_batch_events_bucket{le="5"} 1
flightevents_ingest_batch_events_bucket{le="10"} 1
flightevents_ingest_batch_events_bucket{le="25"} 1
flightevents_ingest_batch_events_bucket{le="50"} 1
flightevents_ingest_batch_events_bucket{le="100"} 1
flightevents_ingest_batch_events_bucket{le="250"} 1
flightevents_ingest_batch_events_bucket{le="500"} 2
flightevents_ingest_batch_events_bucket{le="1000"} 2
flightevents_ingest_batch_events_bucket{le="+Inf"} 2
flightevents_ingest_batch_events_sum 505
flightevents_ingest_batch_events_count 2
`,
		},
		{
			name: "dead_letters_by_reason",
			record: func(m *metrics.Metrics) {
				m.MessageDeadLettered("invalid_status")
				m.MessageDeadLettered("invalid_status")
				m.MessageDeadLettered("malformed_json")
			},
			metric: "flightevents_ingest_messages_dead_lettered_total",
			want: `
# HELP flightevents_ingest_messages_dead_lettered_total Messages that can never be valid, published to the dead-letter topic and acked, by reason.
# TYPE flightevents_ingest_messages_dead_lettered_total counter
flightevents_ingest_messages_dead_lettered_total{reason="invalid_status"} 2
flightevents_ingest_messages_dead_lettered_total{reason="malformed_json"} 1
`,
		},
		{
			name: "store_errors_by_operation_and_code",
			record: func(m *metrics.Metrics) {
				m.StoreCall(metrics.OpWrite, time.Millisecond, nil)
				m.StoreCall(metrics.OpWrite, time.Millisecond, flightevents.Errorf(flightevents.EUNAVAILABLE, "down"))
				m.StoreCall(metrics.OpList, time.Millisecond, errors.New("boom"))
			},
			metric: "flightevents_store_errors_total",
			want: `
# HELP flightevents_store_errors_total Failed event store calls, by operation and domain error code.
# TYPE flightevents_store_errors_total counter
flightevents_store_errors_total{code="internal",operation="list"} 1
flightevents_store_errors_total{code="unavailable",operation="write"} 1
`,
		},
		{
			name: "cache_results_exist_at_zero",
			record: func(m *metrics.Metrics) {
				m.CacheRequest(metrics.CacheHit)
				m.CacheRequest(metrics.CacheHit)
				m.CacheRequest(metrics.CacheMiss)
			},
			metric: "flightevents_datos_cache_requests_total",
			want: `
# HELP flightevents_datos_cache_requests_total GET /datos lookups in the response cache, by result (hit, revalidate, coalesced, miss, stale).
# TYPE flightevents_datos_cache_requests_total counter
flightevents_datos_cache_requests_total{result="coalesced"} 0
flightevents_datos_cache_requests_total{result="hit"} 2
flightevents_datos_cache_requests_total{result="miss"} 1
flightevents_datos_cache_requests_total{result="revalidate"} 0
flightevents_datos_cache_requests_total{result="stale"} 0
`,
		},
		{
			name: "dry_run_bytes",
			record: func(m *metrics.Metrics) {
				m.DryRun(1000, 10<<20, 0.01, nil)
				m.DryRun(2000, 10<<20, 0.02, nil)
				m.DryRun(99999, 99999, 9, errors.New("quota"))
			},
			metric: "flightevents_bigquery_estimated_processed_bytes_total",
			want: `
# HELP flightevents_bigquery_estimated_processed_bytes_total Bytes uncached /datos queries would process, as estimated by BigQuery dry runs (totalBytesProcessed).
# TYPE flightevents_bigquery_estimated_processed_bytes_total counter
flightevents_bigquery_estimated_processed_bytes_total 3000
`,
		},
		{
			name: "dry_run_results",
			record: func(m *metrics.Metrics) {
				m.DryRun(1000, 10<<20, 0.01, nil)
				m.DryRun(0, 0, 0, errors.New("quota"))
			},
			metric: "flightevents_bigquery_dry_runs_total",
			want: `
# HELP flightevents_bigquery_dry_runs_total BigQuery dry runs of uncached /datos queries, by result (ok, error).
# TYPE flightevents_bigquery_dry_runs_total counter
flightevents_bigquery_dry_runs_total{result="error"} 1
flightevents_bigquery_dry_runs_total{result="ok"} 1
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := metrics.New()
			tc.record(m)
			if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(tc.want), tc.metric); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestNilMetricsRecordsNothing(t *testing.T) {
	t.Parallel()
	var m *metrics.Metrics
	exercise(m) // must not panic
	if m.Registry() != nil {
		t.Error("nil Metrics has a registry")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil Metrics handler = %d, want 404", rec.Code)
	}
	store := openStore(t)
	if got := metrics.InstrumentStore(store, nil); got != store {
		t.Error("InstrumentStore with nil Metrics wrapped the store")
	}
}

func TestRegistriesArePrivate(t *testing.T) {
	t.Parallel()
	// Two instances in one process must not collide, and nothing may land
	// on the global default registry.
	a, b := metrics.New(), metrics.New()
	a.MessageReceived()
	want := `
# HELP flightevents_ingest_messages_received_total Pub/Sub messages received by the subscriber.
# TYPE flightevents_ingest_messages_received_total counter
flightevents_ingest_messages_received_total 0
`
	if err := testutil.GatherAndCompare(b.Registry(), strings.NewReader(want), "flightevents_ingest_messages_received_total"); err != nil {
		t.Errorf("second registry: %v", err)
	}
	defaults, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range defaults {
		if strings.HasPrefix(f.GetName(), metrics.Namespace+"_") {
			t.Errorf("%s is on the default registry", f.GetName())
		}
	}
}

func TestHandlerServesExposition(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	exercise(m)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`flightevents_http_requests_total{code="200",method="GET",route="/datos"} 1`,
		"flightevents_bigquery_estimated_billed_bytes_total 1.048576e+07",
		"go_goroutines ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func openStore(t *testing.T) flightevents.EventStore {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// failingStore is a real store whose reads fail with err.
type failingStore struct {
	flightevents.EventStore
	err error
}

func (s failingStore) ListEvents(context.Context, flightevents.EventFilter) (flightevents.EventPage, error) {
	return flightevents.EventPage{}, s.err
}

func TestInstrumentStore(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	real := openStore(t)
	ok := metrics.InstrumentStore(real, m)
	bad := metrics.InstrumentStore(failingStore{real, flightevents.Errorf(flightevents.EUNAVAILABLE, "down")}, m)

	now := time.Now().UTC().Truncate(time.Second)
	ev := flightevents.Event{FlightID: "IB3456", Status: flightevents.StatusBoarding, Timestamp: now.Add(-time.Minute)}
	ev.EventID = flightevents.DeriveEventID(ev.FlightID, ev.Status, ev.Timestamp)
	res, err := ok.WriteEvents(t.Context(), []flightevents.Event{ev, ev})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, flightevents.WriteResult{Written: 1, Duplicates: 1}); diff != "" {
		t.Errorf("WriteEvents through the decorator (-got +want):\n%s", diff)
	}
	page, err := ok.ListEvents(t.Context(), flightevents.EventFilter{}.Bounded(now))
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("ListEvents = %d events, %v; want 1", len(page.Events), err)
	}
	if err := ok.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := bad.ListEvents(t.Context(), flightevents.EventFilter{}); flightevents.ErrorCode(err) != flightevents.EUNAVAILABLE {
		t.Fatalf("failing ListEvents = %v, want EUNAVAILABLE passed through", err)
	}

	want := `
# HELP flightevents_store_errors_total Failed event store calls, by operation and domain error code.
# TYPE flightevents_store_errors_total counter
flightevents_store_errors_total{code="unavailable",operation="list"} 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "flightevents_store_errors_total"); err != nil {
		t.Error(err)
	}
	n, err := testutil.GatherAndCount(m.Registry(), "flightevents_store_operation_duration_seconds")
	if err != nil || n != 3 {
		t.Errorf("duration series = %d (%v), want write, list, ping", n, err)
	}
}
