package httpapi_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/httpapi"
)

// swrConfig is a cache with a 2 s TTL and a 30 s stale-while-revalidate
// window.
var swrConfig = httpapi.CacheConfig{TTL: 2 * time.Second, StaleWhileRevalidate: 30 * time.Second}

// waitStoreCalls waits until the store has been called n times (a
// background refresh reaching it), failing the test after 20 s.
func waitStoreCalls(t *testing.T, s *countingStore, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for s.calls.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("store called %d times, want %d", s.calls.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// addEvent stores one more event, so that a re-read page differs.
func addEvent(t *testing.T, c *cached) {
	t.Helper()
	e := flightevents.Event{FlightID: "IB1", Status: flightevents.StatusBoarding, Timestamp: testNow.Add(-time.Second)}
	e.EventID = flightevents.DeriveEventID(e.FlightID, e.Status, e.Timestamp)
	seed(t, c.store.EventStore, []flightevents.Event{e})
}

// TestCacheStaleWhileRevalidate: an expired entry within the window is
// answered at once, marked stale, while exactly one background query
// refreshes it, however many requests arrive meanwhile; the refreshed
// entry is then served fresh.
func TestCacheStaleWhileRevalidate(t *testing.T) {
	t.Parallel()
	const n = 8
	c := newCached(t, swrConfig)
	first := c.get(t, "/datos?limit=3")
	if cc := first.Header().Get("Cache-Control"); cc != "private, max-age=5, stale-while-revalidate=30" {
		t.Errorf("Cache-Control = %q, want max-age and stale-while-revalidate", cc)
	}
	addEvent(t, c)
	c.store.gate = make(chan struct{}) // the refresh waits here: answers cannot come from the store
	c.clock.Advance(3 * time.Second)

	var wg sync.WaitGroup
	responses := make([]*httptest.ResponseRecorder, n)
	for i := range n {
		wg.Go(func() { responses[i] = c.get(t, "/datos?limit=3") })
	}
	wg.Wait() // every request answered while the store is held
	waitStoreCalls(t, c.store, 2)
	for i, r := range responses {
		if r.Code != http.StatusOK || r.Body.String() != first.Body.String() || r.Header().Get("Age") != "3" ||
			r.Header().Get("Warning") != `110 - "Response is Stale"` {
			t.Errorf("response %d = %d Age %q Warning %q (same body %v), want the cached 200, Age 3, stale",
				i, r.Code, r.Header().Get("Age"), r.Header().Get("Warning"), r.Body.String() == first.Body.String())
		}
	}
	close(c.store.gate)
	c.cache.WaitRefreshes()
	if got := c.store.calls.Load(); got != 2 {
		t.Errorf("store queried %d times, want 2 (the first request and one refresh)", got)
	}

	fresh := c.get(t, "/datos?limit=3")
	if fresh.Header().Get("Age") != "0" || fresh.Header().Get("Warning") != "" || !strings.Contains(fresh.Body.String(), `"IB1"`) {
		t.Errorf("after the refresh = Age %q Warning %q body %s, want the refreshed page, fresh", fresh.Header().Get("Age"), fresh.Header().Get("Warning"), fresh.Body)
	}
	if diff := cmp.Diff(c.cacheRequests(t), map[string]int{"miss": 1, "revalidate": n, "hit": 1}); diff != "" {
		t.Errorf("cache requests by result (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(c.counted(t, "flightevents_datos_cache_refreshes_total"), map[string]int{"ok": 1}); diff != "" {
		t.Errorf("refreshes by result (-got +want):\n%s", diff)
	}
}

// TestCacheRevalidateErrorKeepsStale: a refresh that fails leaves the
// stale entry to be served until the window ends (each request in it tries
// again); past it the request reads the store itself.
func TestCacheRevalidateErrorKeepsStale(t *testing.T) {
	t.Parallel()
	c := newCached(t, swrConfig)
	first := c.get(t, "/datos?limit=3")
	c.store.failWith(flightevents.WrapError(flightevents.EINTERNAL, "bug", errors.New(secret)))
	for _, at := range []time.Duration{3 * time.Second, 20 * time.Second, 31 * time.Second} {
		c.clock.Advance(at - c.clock.Now().Sub(testNow))
		r := c.get(t, "/datos?limit=3")
		c.cache.WaitRefreshes()
		if r.Code != http.StatusOK || r.Body.String() != first.Body.String() || r.Header().Get("Warning") == "" {
			t.Errorf("%s after caching, refreshes failing = %d Warning %q, want the stale 200", at, r.Code, r.Header().Get("Warning"))
		}
	}
	if diff := cmp.Diff(c.counted(t, "flightevents_datos_cache_refreshes_total"), map[string]int{"error": 3}); diff != "" {
		t.Errorf("refreshes by result (-got +want):\n%s", diff)
	}
	c.clock.Advance(2 * time.Second) // 33 s: past TTL + window
	if r := c.get(t, "/datos?limit=3"); r.Code != http.StatusInternalServerError {
		t.Errorf("past the window with the store failing = %d, want 500 (the request's own store error)", r.Code)
	}
	if got := c.store.calls.Load(); got != 5 {
		t.Errorf("store queried %d times, want 5 (first, 3 refreshes, the request past the window)", got)
	}
}

// TestCacheRevalidatePastWindowIsSynchronous: past TTL + window the
// request waits for its own store query, as without the window.
func TestCacheRevalidatePastWindowIsSynchronous(t *testing.T) {
	t.Parallel()
	c := newCached(t, swrConfig)
	c.get(t, "/datos?limit=3")
	addEvent(t, c)
	c.store.gate = make(chan struct{})
	c.clock.Advance(32 * time.Second)
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- c.get(t, "/datos?limit=3") }()
	deadline := time.Now().Add(20 * time.Second)
	for c.cache.Waiting() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the request past the window does not wait for the store")
		}
		time.Sleep(time.Millisecond)
	}
	close(c.store.gate)
	r := <-done
	if r.Header().Get("Age") != "" || r.Header().Get("Warning") != "" || !strings.Contains(r.Body.String(), `"IB1"`) {
		t.Errorf("past the window = Age %q Warning %q body %s, want a fresh read", r.Header().Get("Age"), r.Header().Get("Warning"), r.Body)
	}
	if diff := cmp.Diff(c.cacheRequests(t), map[string]int{"miss": 2}); diff != "" {
		t.Errorf("cache requests by result (-got +want):\n%s", diff)
	}
}

// TestCacheRevalidateBounds: a refresh is a store query like any other —
// the client's rate limit applies to it (the stale answer is still sent)
// — at most MaxRefreshes run at once, and Close ends them.
func TestCacheRevalidateBounds(t *testing.T) {
	t.Parallel()
	t.Run("rate_limited_client_starts_no_refresh", func(t *testing.T) {
		t.Parallel()
		c := newCached(t, swrConfig, httpapi.NewRateLimiter(httpapi.RateLimitConfig{Rate: 0.001, Burst: 1}))
		c.get(t, "/datos?limit=3") // the client's one token
		c.clock.Advance(3 * time.Second)
		r := c.get(t, "/datos?limit=3")
		c.cache.WaitRefreshes()
		if r.Code != http.StatusOK || r.Header().Get("Warning") == "" {
			t.Errorf("stale request of a client without tokens = %d Warning %q, want the stale 200", r.Code, r.Header().Get("Warning"))
		}
		if got := c.store.calls.Load(); got != 1 {
			t.Errorf("store queried %d times, want 1: the refresh had no token", got)
		}
		if diff := cmp.Diff(c.counted(t, "flightevents_datos_cache_refreshes_total"), map[string]int{"rate_limited": 1}); diff != "" {
			t.Errorf("refreshes by result (-got +want):\n%s", diff)
		}
	})
	t.Run("at_most_max_refreshes_then_close_ends_them", func(t *testing.T) {
		t.Parallel()
		cfg := swrConfig
		cfg.MaxRefreshes = 1
		c := newCached(t, cfg)
		c.get(t, "/datos?limit=3")
		c.get(t, "/datos?limit=4")
		c.store.gate = make(chan struct{}) // never opened: only Close ends the refresh
		c.clock.Advance(3 * time.Second)
		c.get(t, "/datos?limit=3")
		waitStoreCalls(t, c.store, 3)
		if r := c.get(t, "/datos?limit=4"); r.Code != http.StatusOK || r.Header().Get("Warning") == "" {
			t.Errorf("second key while the one refresh runs = %d Warning %q, want the stale 200", r.Code, r.Header().Get("Warning"))
		}
		c.cache.Close() // returns once the held refresh has seen its context end
		if diff := cmp.Diff(c.counted(t, "flightevents_datos_cache_refreshes_total"), map[string]int{"busy": 1, "error": 1}); diff != "" {
			t.Errorf("refreshes by result (-got +want):\n%s", diff)
		}
		if got := c.store.calls.Load(); got != 3 {
			t.Errorf("store queried %d times, want 3", got)
		}
	})
}
