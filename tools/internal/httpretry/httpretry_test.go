package httpretry_test

import (
	"context"
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
		replies    []reply
		deadline   time.Duration // 0 = none; measured from the real clock
		maxDelay   time.Duration
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
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/rest/api/2/issue", strings.NewReader(`{"fields":{}}`))
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
