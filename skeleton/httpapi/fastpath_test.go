package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"${{ values.goModule }}/httpapi"
)

// TestFastPathAnswersLikeTheHumaRoute checks that a repeated query string,
// answered by the fast path from pre-serialised bytes, gets exactly the
// response the Huma route gives for a cache hit of the same entry.
func TestFastPathAnswersLikeTheHumaRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		spelling string // first request: through Huma, binds the query string
		other    string // same query spelt differently: a Huma cache hit
		header   []string
	}{
		{name: "default", spelling: "limit=100", other: ""},
		{name: "page_with_next_link", spelling: "limit=3&status=boarding", other: "status=boarding&limit=3"},
		{name: "flight", spelling: "flight_id=IB0001&limit=5", other: "limit=5&flight_id=IB0001"},
		{name: "not_modified", spelling: "limit=4", other: "limit=4&limit=4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCached(t, httpapi.CacheConfig{TTL: time.Minute})
			first := c.get(t, "/datos?"+tc.spelling)
			if first.Code != http.StatusOK {
				t.Fatalf("GET /datos?%s = %d: %s", tc.spelling, first.Code, first.Body)
			}
			if !httpapi.RawBound(c.cache, tc.spelling) {
				t.Fatalf("query string %q not bound to its entry after a 200", tc.spelling)
			}
			var header []string
			if tc.name == "not_modified" {
				header = []string{"If-None-Match: " + first.Header().Get("ETag")}
			}
			fast := c.get(t, "/datos?"+tc.spelling, header...)
			huma := c.get(t, "/datos?"+tc.other, header...)
			if c.store.calls.Load() != 1 {
				t.Errorf("store calls = %d, want 1", c.store.calls.Load())
			}
			if fast.Code != huma.Code {
				t.Errorf("status: fast path %d, Huma route %d", fast.Code, huma.Code)
			}
			if diff := cmp.Diff(fast.Header(), huma.Header()); diff != "" {
				t.Errorf("headers (-fast +huma):\n%s", diff)
			}
			if fast.Body.String() != huma.Body.String() {
				t.Errorf("bodies differ:\nfast: %s\nhuma: %s", fast.Body, huma.Body)
			}
			if got := c.cacheRequests(t)["hit"]; got != 2 {
				t.Errorf("cache hits = %d, want 2 (fast path and Huma route)", got)
			}
		})
	}
}

// TestFastPathNeverServesWhatHumaRefused checks that a refused query string
// is never bound, and that a bound one stops being served after the TTL.
func TestFastPathNeverServesWhatHumaRefused(t *testing.T) {
	t.Parallel()
	c := newCached(t, httpapi.CacheConfig{TTL: 2 * time.Second})
	for _, raw := range []string{"limit=0", "limit=5&flight=IB1", "since=" + url.QueryEscape("2026-11-27T10:00:00Z") + "&until=" + url.QueryEscape("2026-11-27T09:00:00Z")} {
		for range 2 {
			if rec := c.get(t, "/datos?"+raw); rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("GET /datos?%s = %d, want 422", raw, rec.Code)
			}
		}
		if httpapi.RawBound(c.cache, raw) {
			t.Errorf("refused query string %q was bound", raw)
		}
	}
	c.get(t, "/datos?limit=2")
	c.clock.Advance(3 * time.Second)
	rec := c.get(t, "/datos?limit=2")
	if rec.Code != http.StatusOK || rec.Header().Get("Age") != "" || c.store.calls.Load() != 2 {
		t.Errorf("after the TTL: code %d, Age %q, %d store calls; want a fresh store query", rec.Code, rec.Header().Get("Age"), c.store.calls.Load())
	}
	if strings.Contains(rec.Header().Get("Warning"), "Stale") {
		t.Errorf("fresh response marked stale")
	}
}
