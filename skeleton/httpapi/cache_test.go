package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/logging"
	"${{ values.goModule }}/metrics"
)

// countingStore is a real store that counts ListEvents calls, can hold
// them until gate is closed and can fail them on demand.
type countingStore struct {
	flightevents.EventStore
	calls atomic.Int64
	gate  chan struct{} // nil: do not wait
	fail  atomic.Pointer[error]
}

func (s *countingStore) ListEvents(ctx context.Context, f flightevents.EventFilter) (flightevents.EventPage, error) {
	s.calls.Add(1)
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return flightevents.EventPage{}, ctx.Err()
		}
	}
	if err := s.fail.Load(); err != nil {
		return flightevents.EventPage{}, *err
	}
	return s.EventStore.ListEvents(ctx, f)
}

func (s *countingStore) failWith(err error) {
	if err == nil {
		s.fail.Store(nil)
		return
	}
	s.fail.Store(&err)
}

// clock is a settable clock shared by the handler and the cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// cached is a handler with a cache over a counting store seeded with 20
// events (and the rate limit, if newCached is given one), and what a test
// needs to look inside.
type cached struct {
	h       http.Handler
	store   *countingStore
	cache   *httpapi.Cache
	clock   *clock
	metrics *metrics.Metrics
	logs    *syncBuffer
}

func newCached(t *testing.T, cfg httpapi.CacheConfig, limit ...*httpapi.RateLimiter) *cached {
	t.Helper()
	base := newStore(t)
	seed(t, base, makeEvents(20))
	c := &cached{store: &countingStore{EventStore: base}, clock: &clock{t: testNow}, metrics: metrics.New(), logs: &syncBuffer{}}
	if cfg.Now == nil {
		cfg.Now = c.clock.Now
	}
	cfg.Metrics = c.metrics
	c.cache = httpapi.NewCache(cfg)
	deps := httpapi.Deps{
		Store:   c.store,
		Logger:  logging.New(c.logs, slog.LevelInfo, "test-proj"),
		Now:     c.clock.Now,
		Cache:   c.cache,
		Metrics: c.metrics,
	}
	if len(limit) > 0 {
		deps.RateLimit = limit[0]
	}
	c.h = httpapi.NewHandler(deps, httpapi.Config{DisableDocs: true})
	return c
}

func (c *cached) get(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	h := http.Header{}
	for _, kv := range header {
		k, v, _ := strings.Cut(kv, ": ")
		h.Set(k, v)
	}
	return serve(t, c.h, http.MethodGet, path, h)
}

// cacheRequests returns the cache lookups counted so far by result.
func (c *cached) cacheRequests(t *testing.T) map[string]int {
	t.Helper()
	return c.counted(t, "flightevents_datos_cache_requests_total")
}

// counted returns the non-zero series of the counter vector name by their
// one label's value.
func (c *cached) counted(t *testing.T, name string) map[string]int {
	t.Helper()
	families, err := c.metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if v := int(m.GetCounter().GetValue()); v != 0 {
				got[m.GetLabel()[0].GetValue()] = v
			}
		}
	}
	return got
}

func TestCacheCoalescesConcurrentRequests(t *testing.T) {
	t.Parallel()
	const n = 40
	c := newCached(t, httpapi.CacheConfig{})
	c.store.gate = make(chan struct{})

	var wg sync.WaitGroup
	responses := make([]*httptest.ResponseRecorder, n)
	for i := range n {
		wg.Go(func() { responses[i] = c.get(t, "/datos?limit=5") })
	}
	// Release the store only once every request waits for the one query.
	deadline := time.Now().Add(20 * time.Second)
	for c.cache.Waiting() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests waiting for the store query", c.cache.Waiting(), n)
		}
		time.Sleep(time.Millisecond)
	}
	close(c.store.gate)
	wg.Wait()

	if got := c.store.calls.Load(); got != 1 {
		t.Errorf("store queried %d times for %d identical concurrent requests, want 1", got, n)
	}
	for i, r := range responses {
		if r.Code != http.StatusOK || r.Body.String() != responses[0].Body.String() || r.Header().Get("ETag") != responses[0].Header().Get("ETag") {
			t.Errorf("response %d = %d %q, want 200 and the same body as the first", i, r.Code, r.Header().Get("ETag"))
		}
		if r.Header().Get("Age") != "" {
			t.Errorf("response %d of a fresh query has Age %q", i, r.Header().Get("Age"))
		}
	}
	if diff := cmp.Diff(c.cacheRequests(t), map[string]int{"miss": 1, "coalesced": n - 1}); diff != "" {
		t.Errorf("cache requests by result (-got +want):\n%s", diff)
	}

	// The next identical request is served from memory.
	r := c.get(t, "/datos?limit=5")
	if r.Code != http.StatusOK || r.Body.String() != responses[0].Body.String() || r.Header().Get("Age") != "0" {
		t.Errorf("cached response = %d Age %q, want 200, same body, Age 0", r.Code, r.Header().Get("Age"))
	}
	if got := c.store.calls.Load(); got != 1 {
		t.Errorf("store queried %d times after a cache hit, want 1", got)
	}
}

func TestCacheTTL(t *testing.T) {
	t.Parallel()
	c := newCached(t, httpapi.CacheConfig{TTL: 2 * time.Second})
	first := c.get(t, "/datos?limit=3")
	extra := flightevents.Event{FlightID: "IB1", Status: flightevents.StatusBoarding, Timestamp: testNow.Add(-time.Second)}
	extra.EventID = flightevents.DeriveEventID(extra.FlightID, extra.Status, extra.Timestamp)
	seed(t, c.store.EventStore, []flightevents.Event{extra})

	c.clock.Advance(1900 * time.Millisecond)
	hit := c.get(t, "/datos?limit=3")
	if hit.Body.String() != first.Body.String() || hit.Header().Get("Age") != "1" || c.store.calls.Load() != 1 {
		t.Errorf("within the TTL: Age %q, %d store calls, same body %v; want Age 1, 1 call, same body",
			hit.Header().Get("Age"), c.store.calls.Load(), hit.Body.String() == first.Body.String())
	}

	c.clock.Advance(100 * time.Millisecond)
	fresh := c.get(t, "/datos?limit=3")
	if c.store.calls.Load() != 2 || !strings.Contains(fresh.Body.String(), `"IB1"`) || fresh.Header().Get("Age") != "" {
		t.Errorf("after the TTL: %d store calls, Age %q, body %s; want a new query showing the new event", c.store.calls.Load(), fresh.Header().Get("Age"), fresh.Body)
	}
}

func TestCacheDatesEntriesWithItsOwnClock(t *testing.T) {
	t.Parallel()
	// The handler's clock (Deps.Now, which bounds query windows) may be
	// anything; freshness is judged by the cache's clock alone.
	store := &countingStore{EventStore: newStore(t)}
	h := httpapi.NewHandler(httpapi.Deps{
		Store:  store,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:    func() time.Time { return testNow.Add(-time.Hour) },
		Cache:  httpapi.NewCache(httpapi.CacheConfig{TTL: time.Minute}),
	}, httpapi.Config{DisableDocs: true})
	for range 3 {
		if rec := serve(t, h, http.MethodGet, "/datos", nil); rec.Code != http.StatusOK {
			t.Fatalf("GET /datos = %d", rec.Code)
		}
	}
	if got := store.calls.Load(); got != 1 {
		t.Errorf("store calls = %d for 3 identical requests within the TTL, want 1", got)
	}
}

func TestCacheKeyIsTheNormalisedQuery(t *testing.T) {
	t.Parallel()
	since := testNow.Add(-time.Hour)
	tests := []struct {
		name      string
		first     string
		second    string
		wantCalls int64
	}{
		{name: "parameter_order", first: "/datos?flight_id=IB3456&limit=5", second: "/datos?limit=5&flight_id=IB3456", wantCalls: 1},
		{name: "default_limit", first: "/datos", second: "/datos?limit=100", wantCalls: 1},
		{name: "time_zone_of_since", first: "/datos?since=" + url.QueryEscape(since.Format(time.RFC3339)),
			second: "/datos?since=" + url.QueryEscape(since.In(time.FixedZone("CEST", 2*3600)).Format(time.RFC3339)), wantCalls: 1},
		{name: "other_flight", first: "/datos?flight_id=IB3456", second: "/datos?flight_id=VY1234", wantCalls: 2},
		{name: "other_limit", first: "/datos?limit=5", second: "/datos?limit=6", wantCalls: 2},
		{name: "other_status", first: "/datos?status=boarding", second: "/datos?status=landed", wantCalls: 2},
		{name: "until_given_or_not", first: "/datos", second: "/datos?until=" + url.QueryEscape(testNow.Format(time.RFC3339)), wantCalls: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCached(t, httpapi.CacheConfig{})
			a, b := c.get(t, tc.first), c.get(t, tc.second)
			if a.Code != http.StatusOK || b.Code != http.StatusOK {
				t.Fatalf("GET %s = %d, GET %s = %d", tc.first, a.Code, tc.second, b.Code)
			}
			if got := c.store.calls.Load(); got != tc.wantCalls {
				t.Errorf("store calls = %d, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestCacheCursorPagesAreCachedApart(t *testing.T) {
	t.Parallel()
	c := newCached(t, httpapi.CacheConfig{})
	first := c.get(t, "/datos?limit=5")
	link := first.Header().Get("Link")
	next := strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
	if next == link {
		t.Fatalf("first page has no next link: %q", link)
	}
	second := c.get(t, next)
	again := c.get(t, next)
	if second.Code != http.StatusOK || second.Body.String() == first.Body.String() || again.Body.String() != second.Body.String() {
		t.Errorf("pages: %d, second differs from first %v, repeat equal %v", second.Code, second.Body.String() != first.Body.String(), again.Body.String() == second.Body.String())
	}
	if got := c.store.calls.Load(); got != 2 {
		t.Errorf("store calls = %d, want 2 (one per page)", got)
	}
}

func TestCacheServesStaleWhileStoreUnavailable(t *testing.T) {
	t.Parallel()
	down := flightevents.WrapError(flightevents.EUNAVAILABLE, "backend down", errors.New(secret))
	tests := []struct {
		name        string
		warm        bool          // a response was cached before the outage
		advance     time.Duration // time between caching and the request
		err         error
		wantStatus  int
		wantWarning string
		wantAge     string
		wantRetry   string
	}{
		{name: "stale_entry_served", warm: true, advance: 90 * time.Second, err: down,
			wantStatus: 200, wantWarning: `110 - "Response is Stale"`, wantAge: "90"},
		{name: "nothing_cached_is_503", err: down, wantStatus: 503, wantRetry: "5"},
		{name: "entry_older_than_max_stale_is_503", warm: true, advance: 2*time.Second + 5*time.Minute, err: down, wantStatus: 503, wantRetry: "5"},
		{name: "internal_errors_are_not_masked", warm: true, advance: 90 * time.Second,
			err: flightevents.WrapError(flightevents.EINTERNAL, "bug", errors.New(secret)), wantStatus: 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCached(t, httpapi.CacheConfig{TTL: 2 * time.Second, MaxStale: 5 * time.Minute})
			var good *httptest.ResponseRecorder
			if tc.warm {
				good = c.get(t, "/datos?limit=4")
			}
			c.clock.Advance(tc.advance)
			c.store.failWith(tc.err)
			const trace = "X-Cloud-Trace-Context: 105445aa7843bc8bf206b12000100000/1;o=1"
			r := c.get(t, "/datos?limit=4", trace)
			if r.Code != tc.wantStatus {
				t.Fatalf("GET /datos during the outage = %d %s, want %d", r.Code, r.Body, tc.wantStatus)
			}
			for h, want := range map[string]string{"Warning": tc.wantWarning, "Age": tc.wantAge, "Retry-After": tc.wantRetry} {
				if got := r.Header().Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if tc.wantStatus != http.StatusOK {
				return
			}
			if r.Body.String() != good.Body.String() || r.Header().Get("ETag") != good.Header().Get("ETag") {
				t.Errorf("stale body or ETag differs from the cached response")
			}
			// A conditional request is answered 304, still marked stale.
			nm := c.get(t, "/datos?limit=4", trace, "If-None-Match: "+good.Header().Get("ETag"))
			if nm.Code != http.StatusNotModified || nm.Header().Get("Warning") == "" {
				t.Errorf("conditional stale request = %d Warning %q, want 304 with Warning", nm.Code, nm.Header().Get("Warning"))
			}
			if got := c.cacheRequests(t)["stale"]; got != 2 {
				t.Errorf("stale lookups counted = %d, want 2", got)
			}
			var staleLogs int
			for _, l := range c.logs.lines(t) {
				if strings.Contains(l["message"].(string), "stale") {
					staleLogs++
					if l["severity"] != "WARNING" || l["logging.googleapis.com/trace"] != "projects/test-proj/traces/105445aa7843bc8bf206b12000100000" {
						t.Errorf("stale log line %v: want WARNING with the request's trace", l)
					}
				}
			}
			if staleLogs == 0 {
				t.Error("serving a stale response was not logged")
			}
			// Once the store is back, fresh data replaces the stale entry.
			c.store.failWith(nil)
			back := c.get(t, "/datos?limit=4")
			if back.Code != http.StatusOK || back.Header().Get("Warning") != "" || back.Header().Get("Age") != "" {
				t.Errorf("after recovery = %d Warning %q Age %q, want a fresh 200", back.Code, back.Header().Get("Warning"), back.Header().Get("Age"))
			}
		})
	}
}

func TestCacheMemoryIsBounded(t *testing.T) {
	t.Parallel()
	const maxBytes = 16 << 10
	c := newCached(t, httpapi.CacheConfig{MaxBytes: maxBytes})
	for limit := 1; limit <= 40; limit++ {
		if r := c.get(t, fmt.Sprintf("/datos?limit=%d", limit)); r.Code != http.StatusOK {
			t.Fatalf("GET limit=%d = %d", limit, r.Code)
		}
		if _, bytes := c.cache.Len(); bytes > maxBytes {
			t.Fatalf("after %d queries the cache holds %d bytes, bound %d", limit, bytes, maxBytes)
		}
	}
	entries, _ := c.cache.Len()
	if entries == 0 || entries >= 40 {
		t.Errorf("cache holds %d of 40 responses, want some evicted and some kept", entries)
	}
	if got := counterValue(t, c.metrics, "flightevents_datos_cache_evictions_total"); got != float64(40-entries) {
		t.Errorf("evictions counted = %v, want %d", got, 40-entries)
	}
	// Least recently used went first: the newest is still a hit, the
	// oldest is queried again.
	calls := c.store.calls.Load()
	c.get(t, "/datos?limit=40")
	if c.store.calls.Load() != calls {
		t.Error("the most recent response was evicted")
	}
	c.get(t, "/datos?limit=1")
	if c.store.calls.Load() != calls+1 {
		t.Error("the least recently used response was kept")
	}
}

// counterValue returns the value of the unlabelled counter name in m.
func counterValue(t *testing.T, m *metrics.Metrics, name string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("counter %s not gathered", name)
	return 0
}

func TestCacheLeaderGoingAwayDoesNotFailOthers(t *testing.T) {
	t.Parallel()
	c := newCached(t, httpapi.CacheConfig{})
	c.store.gate = make(chan struct{})

	ctx, cancel := context.WithCancel(t.Context())
	leader := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		c.h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/datos?limit=2", nil))
		leader <- rec.Code
	}()
	for c.cache.Waiting() < 1 {
		time.Sleep(time.Millisecond)
	}
	follower := make(chan *httptest.ResponseRecorder, 1)
	go func() { follower <- c.get(t, "/datos?limit=2") }()
	for c.cache.Waiting() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if code := <-leader; code != http.StatusServiceUnavailable {
		t.Errorf("cancelled leader = %d, want 503", code)
	}
	close(c.store.gate)
	if r := <-follower; r.Code != http.StatusOK {
		t.Errorf("follower = %d %s, want 200 from the shared query", r.Code, r.Body)
	}
	if got := c.store.calls.Load(); got != 1 {
		t.Errorf("store calls = %d, want 1", got)
	}
}

func TestCachePanicInStoreIs500(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := httpapi.NewHandler(httpapi.Deps{
		Store:  panickyStore{newStore(t)},
		Logger: logging.New(&logs, slog.LevelInfo, "test-proj"),
		Cache:  httpapi.NewCache(httpapi.CacheConfig{}),
	}, httpapi.Config{DisableDocs: true})
	for i := range 2 { // the second must not wait for a query that never ends
		rec := serve(t, h, http.MethodGet, "/datos", nil)
		if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), secret) {
			t.Fatalf("request %d: GET /datos = %d %s, want a 500 without internals", i, rec.Code, rec.Body)
		}
	}
	var panics int
	for _, l := range logs.lines(t) {
		if l["message"] == "panic serving request" {
			panics++
		}
	}
	if panics != 2 {
		t.Errorf("%d panics logged, want 2", panics)
	}
}

func TestHandlerMetrics(t *testing.T) {
	t.Parallel()
	c := newCached(t, httpapi.CacheConfig{})
	for _, p := range []string{"/datos?limit=2", "/datos?limit=2", "/datos?limit=0", "/no/such/path/12345", "/healthz"} {
		c.get(t, p)
	}
	want := `
# HELP flightevents_http_requests_total HTTP requests served, by route template, method and status code.
# TYPE flightevents_http_requests_total counter
flightevents_http_requests_total{code="200",method="GET",route="/datos"} 2
flightevents_http_requests_total{code="200",method="GET",route="/healthz"} 1
flightevents_http_requests_total{code="404",method="GET",route="unmatched"} 1
flightevents_http_requests_total{code="422",method="GET",route="/datos"} 1
`
	if err := testutil.GatherAndCompare(c.metrics.Registry(), strings.NewReader(want), "flightevents_http_requests_total"); err != nil {
		t.Error(err)
	}
	scrape := c.get(t, httpapi.MetricsPath)
	if scrape.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", scrape.Code)
	}
	for _, s := range []string{
		`flightevents_datos_cache_requests_total{result="hit"} 1`,
		`flightevents_http_request_duration_seconds_count{code="200",method="GET",route="/datos"} 2`,
		"flightevents_http_requests_in_flight 1", // the scrape itself
	} {
		if !strings.Contains(scrape.Body.String(), s) {
			t.Errorf("/metrics lacks %q", s)
		}
	}
	if strings.Contains(scrape.Body.String(), "12345") {
		t.Error("a raw request path leaked into a label")
	}
	// Scrapes are logged at DEBUG, like probes.
	for _, l := range c.logs.lines(t) {
		if l["message"] == "GET /metrics" {
			t.Errorf("scrape logged at %v", l["severity"])
		}
	}
}

func TestNoMetricsRouteWithoutMetrics(t *testing.T) {
	t.Parallel()
	h := httpapi.NewHandler(httpapi.Deps{Store: newStore(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, httpapi.Config{})
	if rec := serve(t, h, http.MethodGet, httpapi.MetricsPath, nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET /metrics without Metrics = %d, want 404", rec.Code)
	}
}
