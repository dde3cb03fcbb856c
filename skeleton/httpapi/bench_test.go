package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/logging"
	"${{ values.goModule }}/metrics"
)

// benchConns is the number of concurrent keep-alive connections.
const benchConns = 32

// fixedPageStore serves one precomputed page: it isolates the HTTP layer
// (Huma, validation, JSON encoding, ETag, middleware) from the database.
type fixedPageStore struct {
	flightevents.EventStore
	page flightevents.EventPage
}

func (s fixedPageStore) ListEvents(context.Context, flightevents.EventFilter) (flightevents.EventPage, error) {
	return s.page, nil
}

// BenchmarkDatosVsPlain measures GET /datos?limit=100 through the service's
// full handler (Huma + middleware + store) against a plain net/http handler
// writing the same pre-serialised bytes and headers, in the same run, with
// 32 goroutines on 32 keep-alive connections over loopback. The two servers
// take turns in 8 rounds so that load from elsewhere hits both alike.
//
//	go test ./httpapi -run '^$' -bench DatosVsPlain -benchtime 20000x
//
// Sub-benchmarks: store=embedded queries the test store (1,000 events);
// store=embedded_cached puts the /datos cache (default 2 s TTL) in front
// of it, so repeated identical reads are served from pre-serialised bytes;
// store=embedded_cached_metrics adds the Prometheus request metrics (the
// production configuration); store=fixed_page returns a ready page,
// leaving only the HTTP layer without the cache.
func BenchmarkDatosVsPlain(b *testing.B) {
	events := makeEvents(1000)
	embedded := func(b *testing.B) flightevents.EventStore {
		s := newStore(b)
		if _, err := s.WriteEvents(b.Context(), events); err != nil {
			b.Fatal(err)
		}
		return s
	}
	stores := []struct {
		name    string
		make    func(b *testing.B) flightevents.EventStore
		cache   bool // Deps.Cache with the default TTL
		metrics bool // Deps.Metrics: request metrics, cache counters
	}{
		{name: "embedded", make: embedded},
		{name: "embedded_cached", make: embedded, cache: true},
		{name: "embedded_cached_metrics", make: embedded, cache: true, metrics: true},
		{name: "fixed_page", make: func(b *testing.B) flightevents.EventStore {
			s := newStore(b)
			page, err := func() (flightevents.EventPage, error) {
				if _, err := s.WriteEvents(b.Context(), events); err != nil {
					return flightevents.EventPage{}, err
				}
				return s.ListEvents(b.Context(), flightevents.EventFilter{Limit: 100}.Bounded(testNow))
			}()
			if err != nil {
				b.Fatal(err)
			}
			return fixedPageStore{EventStore: s, page: page}
		}},
	}
	for _, st := range stores {
		b.Run("store="+st.name, func(b *testing.B) {
			deps := httpapi.Deps{
				Store:  st.make(b),
				Logger: logging.New(io.Discard, slog.LevelInfo, "bench"),
				Now:    func() time.Time { return testNow },
			}
			if st.metrics {
				deps.Metrics = metrics.New()
			}
			if st.cache {
				deps.Cache = httpapi.NewCache(httpapi.CacheConfig{Metrics: deps.Metrics})
			}
			h := httpapi.NewHandler(deps, httpapi.Config{})
			huma := httptest.NewServer(h)
			defer huma.Close()

			// The plain server replays the exact response of the service.
			resp, err := http.Get(huma.URL + "/datos?limit=100")
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || len(body) < 1000 {
				b.Fatalf("GET /datos?limit=100 = %d, %d bytes, %v", resp.StatusCode, len(body), err)
			}
			header := resp.Header.Clone()
			header.Del("Date")
			plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range header {
					w.Header()[k] = v
				}
				_, _ = w.Write(body)
			}))
			defer plain.Close()

			client := &http.Client{Transport: &http.Transport{
				MaxIdleConns: benchConns, MaxIdleConnsPerHost: benchConns, MaxConnsPerHost: benchConns,
				DisableCompression: true,
			}}
			defer client.CloseIdleConnections()
			hURL, pURL := huma.URL+"/datos?limit=100", plain.URL+"/datos?limit=100"
			drive(b, client, hURL, 2*benchConns)
			drive(b, client, pURL, 2*benchConns)

			const rounds = 8
			var hLat, pLat []time.Duration
			var hTime, pTime time.Duration
			b.ResetTimer()
			for r := range rounds {
				n := b.N / rounds
				if r == rounds-1 {
					n = b.N - n*(rounds-1)
				}
				first, second := hURL, pURL
				if r%2 == 1 {
					first, second = pURL, hURL
				}
				for _, u := range []string{first, second} {
					start := time.Now()
					lat := drive(b, client, u, n)
					d := time.Since(start)
					if u == hURL {
						hTime, hLat = hTime+d, append(hLat, lat...)
					} else {
						pTime, pLat = pTime+d, append(pLat, lat...)
					}
				}
			}
			b.StopTimer()
			hRate := float64(len(hLat)) / hTime.Seconds()
			pRate := float64(len(pLat)) / pTime.Seconds()
			b.ReportMetric(hRate, "datos_req/s")
			b.ReportMetric(pRate, "plain_req/s")
			b.ReportMetric(hRate/pRate, "ratio")
			b.ReportMetric(percentile(hLat, 50), "datos_p50_µs")
			b.ReportMetric(percentile(hLat, 99), "datos_p99_µs")
			b.ReportMetric(percentile(pLat, 50), "plain_p50_µs")
			b.ReportMetric(percentile(pLat, 99), "plain_p99_µs")
			b.ReportMetric(float64(len(body)), "body_bytes")
		})
	}
}

// drive sends n GETs to url from benchConns goroutines sharing client's
// keep-alive connections and returns every request's latency.
func drive(b *testing.B, client *http.Client, url string, n int) []time.Duration {
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var failed atomic.Value
	var wg sync.WaitGroup
	for range benchConns {
		wg.Go(func() {
			lat := make([]time.Duration, 0, n/benchConns+1)
			for next.Add(1) <= int64(n) {
				start := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					failed.CompareAndSwap(nil, err.Error())
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.CompareAndSwap(nil, fmt.Sprintf("GET %s = %d", url, resp.StatusCode))
					return
				}
				lat = append(lat, time.Since(start))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		b.Fatal(f)
	}
	return all
}

// percentile returns the p-th percentile of lat in microseconds.
func percentile(lat []time.Duration, p int) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := min(len(s)-1, len(s)*p/100)
	return float64(s[i]) / float64(time.Microsecond)
}
