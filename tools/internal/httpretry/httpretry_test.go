package httpretry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/httpretry"
)

var epoch = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

type reply struct {
	status int
	header map[string]string
}

// scripted answers each request with the next reply and records the bodies it saw.
func scripted(t *testing.T, replies []reply) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		i := len(bodies) - 1
		if i >= len(replies) {
			t.Errorf("unexpected request %d", i+1)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		for k, v := range replies[i].header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(replies[i].status)
	}))
	t.Cleanup(srv.Close)
	return srv, &bodies
}

func TestTransport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string // POST when empty
		replies    []reply
		deadline   time.Duration // 0 = none; measured from the real clock
		maxDelay   time.Duration
		maxTries   int
		wantStatus int
		wantWaits  []time.Duration
		wantTries  int
	}{
		{
			name:       "success_first_try",
			replies:    []reply{{status: 200}},
			wantStatus: 200,
			wantTries:  1,
		},
		{
			name:       "429_retry_after_seconds_then_success",
			replies:    []reply{{status: 429, header: map[string]string{"Retry-After": "7"}}, {status: 201}},
			wantStatus: 201,
			wantWaits:  []time.Duration{7 * time.Second},
			wantTries:  2,
		},
		{
			name: "429_x_ratelimit_reset_iso8601",
			replies: []reply{
				{status: 429, header: map[string]string{"X-RateLimit-Reset": "2026-11-27T10:01Z"}},
				{status: 200},
			},
			wantStatus: 200,
			maxDelay:   2 * time.Minute,
			wantWaits:  []time.Duration{time.Minute},
			wantTries:  2,
		},
		{
			name:       "503_without_hint_exponential_backoff_exhausted",
			replies:    []reply{{status: 503}, {status: 503}, {status: 503}},
			wantStatus: 503,
			wantWaits:  []time.Duration{time.Second, 2 * time.Second},
			wantTries:  3,
		},
		{
			name:       "500_not_retried",
			replies:    []reply{{status: 500}},
			wantStatus: 500,
			wantTries:  1,
		},
		{
			name:       "500_get_retried_idempotent",
			method:     http.MethodGet,
			replies:    []reply{{status: 500}, {status: 502}, {status: 200}},
			wantStatus: 200,
			wantWaits:  []time.Duration{time.Second, 2 * time.Second},
			wantTries:  3,
		},
		{
			name:       "504_put_retried_idempotent",
			method:     http.MethodPut,
			replies:    []reply{{status: 504}, {status: 204}},
			wantStatus: 204,
			wantWaits:  []time.Duration{time.Second},
			wantTries:  2,
		},
		{
			name:       "502_patch_not_replayed",
			method:     http.MethodPatch,
			replies:    []reply{{status: 502}},
			wantStatus: 502,
			wantTries:  1,
		},
		{
			name:       "503_patch_retried_refused_for_load",
			method:     http.MethodPatch,
			replies:    []reply{{status: 503}, {status: 200}},
			wantStatus: 200,
			wantWaits:  []time.Duration{time.Second},
			wantTries:  2,
		},
		{
			name:       "403_secondary_rate_limit_retry_after",
			replies:    []reply{{status: 403, header: map[string]string{"Retry-After": "3"}}, {status: 201}},
			wantStatus: 201,
			wantWaits:  []time.Duration{3 * time.Second},
			wantTries:  2,
		},
		{
			name: "403_primary_rate_limit_reset_unix",
			replies: []reply{
				{status: 403, header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1795773605"}},
				{status: 200},
			},
			wantStatus: 200,
			wantWaits:  []time.Duration{5 * time.Second},
			wantTries:  2,
		},
		{
			name:       "403_without_rate_limit_not_retried",
			method:     http.MethodGet,
			replies:    []reply{{status: 403, header: map[string]string{"X-RateLimit-Remaining": "41"}}},
			wantStatus: 403,
			wantTries:  1,
		},
		{
			name:       "max_tries_bounds_attempts",
			method:     http.MethodGet,
			replies:    []reply{{status: 429}, {status: 429}, {status: 429}, {status: 429}, {status: 429}},
			maxTries:   5,
			wantStatus: 429,
			wantWaits:  []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second},
			wantTries:  5,
		},
		{
			name:       "400_not_retried",
			replies:    []reply{{status: 400}},
			wantStatus: 400,
			wantTries:  1,
		},
		{
			name:       "wait_beyond_deadline_gives_up_at_once",
			replies:    []reply{{status: 429, header: map[string]string{"Retry-After": "20"}}},
			deadline:   10 * time.Second,
			wantStatus: 429,
			wantTries:  1,
		},
		{
			name:       "retry_after_beyond_max_delay_gives_up",
			replies:    []reply{{status: 429, header: map[string]string{"Retry-After": "3600"}}},
			wantStatus: 429,
			wantTries:  1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, bodies := scripted(t, tc.replies)
			var waits []time.Duration
			now := epoch
			if tc.deadline > 0 {
				now = time.Now()
			}
			tr := &httpretry.Transport{
				Base:     srv.Client().Transport,
				MaxDelay: tc.maxDelay,
				MaxTries: tc.maxTries,
				Now:      func() time.Time { return now },
				Jitter:   func() float64 { return 1 },
				Sleep: func(_ context.Context, d time.Duration) error {
					waits = append(waits, d)
					return nil
				},
			}
			ctx := t.Context()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, now.Add(tc.deadline))
				defer cancel()
			}
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			req, err := http.NewRequestWithContext(ctx, method, srv.URL+"/rest/api/2/issue", strings.NewReader(`{"fields":{}}`))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if diff := cmp.Diff(waits, tc.wantWaits); diff != "" {
				t.Errorf("waits (-got +want):\n%s", diff)
			}
			if len(*bodies) != tc.wantTries {
				t.Errorf("tries = %d, want %d", len(*bodies), tc.wantTries)
			}
			for i, b := range *bodies {
				if b != `{"fields":{}}` {
					t.Errorf("body of try %d = %q, want the replayed original", i+1, b)
				}
			}
		})
	}
}

func TestJitterNeverShortensTheWait(t *testing.T) {
	t.Parallel()
	srv, _ := scripted(t, []reply{{status: 429, header: map[string]string{"Retry-After": "2"}}, {status: 200}})
	var got time.Duration
	tr := &httpretry.Transport{
		Base:  srv.Client().Transport,
		Sleep: func(_ context.Context, d time.Duration) error { got = d; return nil },
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got < 2*time.Second || got >= 2600*time.Millisecond {
		t.Errorf("wait = %v, want within [2s, 2.6s)", got)
	}
}

func TestServerHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		wantOK bool
	}{
		{name: "none", wantOK: false},
		{name: "retry_after_seconds", header: map[string]string{"Retry-After": "3"}, want: 3 * time.Second, wantOK: true},
		{name: "retry_after_http_date", header: map[string]string{"Retry-After": "Fri, 27 Nov 2026 10:00:30 GMT"}, want: 30 * time.Second, wantOK: true},
		{name: "reset_iso8601_minutes", header: map[string]string{"X-RateLimit-Reset": "2026-11-27T10:02Z"}, want: 2 * time.Minute, wantOK: true},
		{name: "reset_rfc3339", header: map[string]string{"X-RateLimit-Reset": "2026-11-27T10:00:05Z"}, want: 5 * time.Second, wantOK: true},
		{name: "reset_unix_seconds", header: map[string]string{"X-RateLimit-Reset": "1795773610"}, want: 10 * time.Second, wantOK: true},
		{name: "reset_in_the_past_is_zero", header: map[string]string{"X-RateLimit-Reset": "2026-11-27T09:00Z"}, want: 0, wantOK: true},
		{name: "retry_after_wins", header: map[string]string{"Retry-After": "1", "X-RateLimit-Reset": "2026-11-27T10:02Z"}, want: time.Second, wantOK: true},
		{name: "garbage", header: map[string]string{"Retry-After": "soon"}, wantOK: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			got, ok := httpretry.ServerHint(h, epoch)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("ServerHint = %v, %v; want %v, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// dropping answers the first drops requests by closing the connection, then 200; tries counts
// the requests it saw.
func dropping(t *testing.T, drops int) (srv *httptest.Server, tries func() int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		if i <= drops {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			_ = conn.Close()
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		method    string
		drops     int
		wantErr   bool
		wantWaits []time.Duration
		wantTries int
	}{
		{name: "get_retried_after_dropped_connection", method: http.MethodGet, drops: 1, wantWaits: []time.Duration{time.Second}, wantTries: 2},
		{name: "delete_retried_until_max_tries", method: http.MethodDelete, drops: 3, wantErr: true, wantWaits: []time.Duration{time.Second, 2 * time.Second}, wantTries: 3},
		{name: "post_never_replayed", method: http.MethodPost, drops: 1, wantErr: true, wantTries: 1},
		{name: "patch_never_replayed", method: http.MethodPatch, drops: 1, wantErr: true, wantTries: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, tries := dropping(t, tc.drops)
			var waits []time.Duration
			base := srv.Client().Transport.(*http.Transport).Clone()
			base.DisableKeepAlives = true // every try dials: the stdlib never replays on its own
			tr := &httpretry.Transport{
				Base:   base,
				Jitter: func() float64 { return 1 },
				Sleep: func(_ context.Context, d time.Duration) error {
					waits = append(waits, d)
					return nil
				},
			}
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+"/x", strings.NewReader("body"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("Do error = %v, want error %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(waits, tc.wantWaits); diff != "" {
				t.Errorf("waits (-got +want):\n%s", diff)
			}
			if got := tries(); got != tc.wantTries {
				t.Errorf("tries = %d, want %d", got, tc.wantTries)
			}
		})
	}
}

func TestContextCancelStopsTheWait(t *testing.T) {
	t.Parallel()
	srv, bodies := scripted(t, []reply{{status: 503}})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tr := &httpretry.Transport{
		Base:      srv.Client().Transport,
		BaseDelay: time.Hour, // the real timer: only the cancel can end the wait
		MaxDelay:  2 * time.Hour,
		OnRetry:   func(httpretry.Retry) { cancel() },
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := (&http.Client{Transport: tr}).Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Do error = %v, want context.Canceled", err)
	}
	if len(*bodies) != 1 {
		t.Errorf("tries = %d, want 1", len(*bodies))
	}
}

func TestWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		maxTries  int
		deadline  time.Duration // 0 = none
		rounds    int
		wantWaits []time.Duration
		wantErr   error
	}{
		{name: "backoff_per_round", maxTries: 4, rounds: 3, wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "exhausted_after_max_tries", rounds: 3, wantWaits: []time.Duration{time.Second, 2 * time.Second}, wantErr: httpretry.ErrExhausted},
		{name: "wait_past_deadline_not_waited", maxTries: 4, deadline: 1500 * time.Millisecond, rounds: 2, wantWaits: []time.Duration{time.Second}, wantErr: httpretry.ErrExhausted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var waits []time.Duration
			now := epoch
			if tc.deadline > 0 {
				now = time.Now()
			}
			tr := &httpretry.Transport{
				MaxTries: tc.maxTries,
				Now:      func() time.Time { return now },
				Jitter:   func() float64 { return 1 },
				Sleep: func(_ context.Context, d time.Duration) error {
					waits = append(waits, d)
					now = now.Add(d)
					return nil
				},
			}
			ctx := t.Context()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, now.Add(tc.deadline))
				defer cancel()
			}
			var err error
			for round := 1; round <= tc.rounds && err == nil; round++ {
				err = tr.Wait(ctx, round)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Wait error = %v, want %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(waits, tc.wantWaits); diff != "" {
				t.Errorf("waits (-got +want):\n%s", diff)
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                       string
		status                     int
		header                     map[string]string
		wantRefused, wantUnsettled bool
	}{
		{name: "no_response", status: 0, wantUnsettled: true},
		{name: "ok", status: 200},
		{name: "bad_request", status: 400},
		{name: "forbidden", status: 403},
		{name: "forbidden_retry_after", status: 403, header: map[string]string{"Retry-After": "60"}, wantRefused: true},
		{name: "forbidden_rate_limit_remaining_0", status: 403, header: map[string]string{"X-RateLimit-Remaining": "0"}, wantRefused: true},
		{name: "too_many_requests", status: 429, wantRefused: true},
		{name: "internal_server_error", status: 500, wantUnsettled: true},
		{name: "not_implemented", status: 501},
		{name: "bad_gateway", status: 502, wantUnsettled: true},
		{name: "service_unavailable", status: 503, wantRefused: true},
		{name: "gateway_timeout", status: 504, wantUnsettled: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tc.header {
				h.Set(k, v)
			}
			if got := httpretry.Refused(tc.status, h); got != tc.wantRefused {
				t.Errorf("Refused(%d) = %v, want %v", tc.status, got, tc.wantRefused)
			}
			if got := httpretry.Unsettled(tc.status); got != tc.wantUnsettled {
				t.Errorf("Unsettled(%d) = %v, want %v", tc.status, got, tc.wantUnsettled)
			}
		})
	}
}
