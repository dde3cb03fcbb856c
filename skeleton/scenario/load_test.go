package scenario_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/loadgen"

	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/metrics"
)

// The seed's SLO for GET /datos.
const sloP99 = 800 * time.Millisecond

type loadFigures struct {
	res         loadgen.Result
	peakHeapMiB float64
	peakRSSMiB  float64
}

// runLoad serves GET /datos from a file-backed store of 20,000 events,
// wired as serve wires it (metrics, and the /datos cache unless noCache),
// and drives it with clients keep-alive clients for d.
func runLoad(tb testing.TB, clients int, d time.Duration, noCache bool) loadFigures {
	tb.Helper()
	store, msgs := seededStore(tb, 20_000)
	m := metrics.New()
	deps := httpapi.Deps{Store: metrics.InstrumentStore(store, m), Logger: quiet, Metrics: m}
	if !noCache {
		deps.Cache = httpapi.NewCache(httpapi.CacheConfig{Metrics: m})
	}
	srv := httptest.NewServer(httpapi.NewHandler(deps, httpapi.Config{DisableRequestLog: true}))
	tb.Cleanup(srv.Close)
	flight := msgs[0].Event.FlightID
	queries := append([]string{"/datos?flight_id=" + flight, "/datos?flight_id=" + flight + "&status=landed"}, loadgen.DefaultQueries...)

	mem := sampleMemory(100 * time.Millisecond)
	res, err := loadgen.Run(tb.Context(), loadgen.Config{BaseURL: srv.URL, Clients: clients, Duration: d, Queries: queries})
	heap := mem.Stop()
	if err != nil {
		tb.Fatal(err)
	}
	return loadFigures{res: res, peakHeapMiB: heap, peakRSSMiB: peakRSSMiB()}
}

// check asserts the scenario's invariants.
func (f loadFigures) check(tb testing.TB) {
	tb.Helper()
	if f.res.Requests == 0 || f.res.Errors != 0 {
		tb.Errorf("%d requests, %d errors %v: want no errors", f.res.Requests, f.res.Errors, f.res.ByStatus)
	}
	if f.res.P99 > sloP99 {
		tb.Errorf("p99 %s exceeds the SLO %s", f.res.P99, sloP99)
	}
	// The response cache is bounded at 64 MiB; the rest is the store's
	// page cache, 64 connections and the client side of the test.
	if f.peakHeapMiB > 512 {
		tb.Errorf("peak heap %.0f MiB: memory not bounded", f.peakHeapMiB)
	}
}

// TestLoad64Clients is the load scenario, shortened to 5 s for go test.
// BenchmarkLoad64Clients60s runs the full minute.
func TestLoad64Clients(t *testing.T) {
	t.Parallel()
	f := runLoad(t, 64, 5*time.Second, false)
	t.Logf("64 clients × 5 s: %d requests, %.0f req/s, p50 %s p95 %s p99 %s max %s, errors %d, peak heap %.0f MiB, peak RSS %.0f MiB",
		f.res.Requests, f.res.Throughput, f.res.P50, f.res.P95, f.res.P99, f.res.Max, f.res.Errors, f.peakHeapMiB, f.peakRSSMiB)
	f.check(t)
}

// BenchmarkLoad64Clients60s runs the load scenario for its full minute,
// with the /datos cache (as deployed) and without it (every request
// queries the store). Run it alone: go test -run '^$' -bench Load64 ./scenario/
func BenchmarkLoad64Clients60s(b *testing.B) {
	for _, tc := range []struct {
		name    string
		noCache bool
	}{{"cache", false}, {"no_cache", true}} {
		b.Run(tc.name, func(b *testing.B) {
			var f loadFigures
			for b.Loop() {
				f = runLoad(b, 64, 60*time.Second, tc.noCache)
			}
			b.ReportMetric(f.res.Throughput, "req/s")
			b.ReportMetric(float64(f.res.P50)/1e6, "p50_ms")
			b.ReportMetric(float64(f.res.P95)/1e6, "p95_ms")
			b.ReportMetric(float64(f.res.P99)/1e6, "p99_ms")
			b.ReportMetric(float64(f.res.Max)/1e6, "max_ms")
			b.ReportMetric(float64(f.res.Errors), "errors")
			b.ReportMetric(f.peakHeapMiB, "peak_heap_MiB")
			b.ReportMetric(f.peakRSSMiB, "peak_rss_MiB")
			f.check(b)
		})
	}
}
