package httpapi_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"${{ values.goModule }}/httpapi"
)

func rfc3339(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }

func TestDatosRangeLimit(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	seed(t, store, makeEvents(5))
	h := httpapi.NewHandler(httpapi.Deps{
		Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return testNow },
	}, httpapi.Config{DisableDocs: true, DisableRequestLog: true})
	day := 24 * time.Hour
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{name: "default_window", query: "", want: http.StatusOK},
		{name: "exactly_31_days", query: "since=" + rfc3339(testNow.Add(-31*day)) + "&until=" + rfc3339(testNow), want: http.StatusOK},
		{name: "32_days", query: "since=" + rfc3339(testNow.Add(-32*day)) + "&until=" + rfc3339(testNow), want: http.StatusUnprocessableEntity},
		{name: "since_2000_reads_everything", query: "since=2000-01-01T00:00:00Z", want: http.StatusUnprocessableEntity},
		// Without until, until is 24 h ahead: 30 days back is the longest since.
		{name: "since_only_30_days_back", query: "since=" + rfc3339(testNow.Add(-30*day)), want: http.StatusOK},
		{name: "since_only_31_days_back", query: "since=" + rfc3339(testNow.Add(-31*day)), want: http.StatusUnprocessableEntity},
		{name: "until_only_is_24h", query: "until=" + rfc3339(testNow.Add(-400*day)), want: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, h, http.MethodGet, "/datos?"+tc.query, nil)
			if rec.Code != tc.want {
				t.Fatalf("GET /datos?%s = %d %s, want %d", tc.query, rec.Code, rec.Body, tc.want)
			}
			if tc.want != http.StatusUnprocessableEntity {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			p := decodeJSON[problem](t, rec.Body.Bytes())
			if len(p.Errors) != 1 || p.Errors[0].Location != "query.since" {
				t.Fatalf("problem = %+v, want one error at query.since", p)
			}
			if msg := p.Errors[0].Message; !strings.Contains(msg, "more than the 31 days (744h0m0s) one request may read") {
				t.Errorf("error message %q does not name the limit", msg)
			}
		})
	}
}

// TestDatosRateLimit checks the per-client limit on reads the cache cannot
// answer: a client over its bucket gets 429 with Retry-After, other
// clients and cached answers are not affected, the bucket refills, and a
// local client on loopback is limited like any other (DATOS_RATE_LIMIT=off
// is how a local run goes without the limit: TestDatosRateLimitOff).
func TestDatosRateLimit(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	seed(t, store, makeEvents(20))
	clk := &clock{t: testNow}
	calls := &countingStore{EventStore: store}
	h := httpapi.NewHandler(httpapi.Deps{
		Store: calls, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:       func() time.Time { return testNow },
		Cache:     httpapi.NewCache(httpapi.CacheConfig{TTL: time.Minute, Now: clk.Now}),
		RateLimit: httpapi.NewRateLimiter(httpapi.RateLimitConfig{Rate: 0.5, Burst: 2, Now: clk.Now}),
	}, httpapi.Config{DisableDocs: true, DisableRequestLog: true})
	get := func(query, client string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/datos?"+query, nil)
		if client == "" { // a local client on loopback, without X-Forwarded-For
			req.RemoteAddr = "127.0.0.1:50123"
		} else {
			req.Header.Set("X-Forwarded-For", "198.51.100.9, "+client) // the first entry is the client's own claim
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	type step struct {
		query, client string
		advance       time.Duration
		want          int
		retryAfter    string
	}
	a, b := "203.0.113.1", "203.0.113.2"
	steps := []step{
		{query: "limit=1", client: a, want: 200},
		{query: "limit=2", client: a, want: 200},
		{query: "limit=3", client: a, want: 429, retryAfter: "2"}, // 0.5/s: the next token in 2 s
		{query: "limit=3", client: b, want: 200},                  // another client has its own bucket
		{query: "limit=1", client: a, want: 200},                  // cached: never limited
		{query: "limit=4", client: a, advance: time.Second, want: 429, retryAfter: "1"},
		{query: "limit=4", client: a, advance: time.Second, want: 200},
		{query: "limit=5", client: a, want: 429, retryAfter: "2"},
		// Loopback without X-Forwarded-For is a client like any other.
		{query: "limit=6", client: "", want: 200},
		{query: "limit=7", client: "", want: 200},
		{query: "limit=8", client: "", want: 429, retryAfter: "2"},
	}
	var got []int
	var want []int
	for i, s := range steps {
		clk.Advance(s.advance)
		rec := get(s.query, s.client)
		got, want = append(got, rec.Code), append(want, s.want)
		if s.want != http.StatusTooManyRequests {
			continue
		}
		if ra := rec.Header().Get("Retry-After"); ra != s.retryAfter {
			t.Errorf("step %d: Retry-After = %q, want %q", i, ra, s.retryAfter)
		}
		p := decodeJSON[problem](t, rec.Body.Bytes())
		if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Detail, "0.5 a second (bursts of 2)") {
			t.Errorf("step %d: problem = %+v, want a 429 naming the limit", i, p)
		}
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("statuses (-got +want):\n%s", diff)
	}
	if n := calls.calls.Load(); n != 6 {
		t.Errorf("store queries = %d, want 6 (one per admitted uncached read)", n)
	}
}

// TestDatosRateLimitOff: without a RateLimiter (DATOS_RATE_LIMIT=off) no
// client is limited, whatever its address.
func TestDatosRateLimitOff(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	seed(t, store, makeEvents(20))
	h := httpapi.NewHandler(httpapi.Deps{
		Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Cache: httpapi.NewCache(httpapi.CacheConfig{TTL: time.Minute}),
	}, httpapi.Config{DisableDocs: true, DisableRequestLog: true})
	for _, client := range []string{"", "203.0.113.1"} {
		var got []int
		for i := range 20 { // distinct uncached reads, far past any burst
			req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/datos?limit=%d", 1+i), nil)
			req.RemoteAddr = "127.0.0.1:50123"
			if client != "" {
				req.Header.Set("X-Forwarded-For", client)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got = append(got, rec.Code)
		}
		want := slices.Repeat([]int{http.StatusOK}, 20)
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("client %q without a rate limit: statuses (-got +want):\n%s", client, diff)
		}
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		xff    []string
		remote string
		hops   int
		want   string
	}{
		{name: "no_header_uses_the_connection", remote: "192.0.2.7:51234", want: "192.0.2.7"},
		{name: "cloud_run_sets_the_client", xff: []string{"203.0.113.5"}, remote: "169.254.1.1:3000", want: "203.0.113.5"},
		{name: "a_client_claim_before_it_is_ignored", xff: []string{"10.0.0.1, 203.0.113.5"}, want: "203.0.113.5"},
		{name: "behind_a_load_balancer", xff: []string{"10.0.0.1, 203.0.113.5, 34.120.0.1"}, hops: 1, want: "203.0.113.5"},
		{name: "several_header_lines", xff: []string{"10.0.0.1", "203.0.113.5"}, want: "203.0.113.5"},
		{name: "ipv6_grouped_by_64", xff: []string{"2001:db8:1:2:aaaa::1"}, want: "2001:db8:1:2::/64"},
		{name: "ipv4_mapped_ipv6", xff: []string{"::ffff:203.0.113.5"}, want: "203.0.113.5"},
		{name: "garbage_falls_back_to_the_connection", xff: []string{"not-an-ip"}, remote: "192.0.2.7:1", want: "192.0.2.7"},
		{name: "fewer_entries_than_hops", xff: []string{"203.0.113.5"}, hops: 2, remote: "192.0.2.7:1", want: "192.0.2.7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/datos", nil)
			if tc.remote != "" {
				r.RemoteAddr = tc.remote
			}
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := httpapi.ClientAddr(r, tc.hops); got != tc.want {
				t.Errorf("ClientAddr = %q, want %q", got, tc.want)
			}
		})
	}
}
