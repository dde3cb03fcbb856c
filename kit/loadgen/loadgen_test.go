package loadgen

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string // substring; "" = valid
	}{
		{name: "loopback_ipv4", cfg: Config{BaseURL: "http://127.0.0.1:8080", Clients: 4, Requests: 10}},
		{name: "loopback_ipv6", cfg: Config{BaseURL: "http://[::1]:8080", Clients: 4, Duration: time.Second}},
		{name: "localhost", cfg: Config{BaseURL: "http://localhost:8080", Clients: 4, Requests: 10}},
		{name: "remote_refused", cfg: Config{BaseURL: "http://192.0.2.10:8080", Clients: 4, Requests: 10}, wantErr: "--allow-remote"},
		{name: "remote_allowed", cfg: Config{BaseURL: "https://192.0.2.10", Clients: 4, Requests: 10, AllowRemote: true}},
		{name: "not_a_url", cfg: Config{BaseURL: "127.0.0.1:8080", Clients: 4, Requests: 10}, wantErr: "http(s) URL"},
		{name: "too_many_clients", cfg: Config{BaseURL: "http://127.0.0.1", Clients: MaxClients + 1, Requests: 10}, wantErr: "clients"},
		{name: "no_clients", cfg: Config{BaseURL: "http://127.0.0.1", Clients: 0, Requests: 10}, wantErr: "clients"},
		{name: "too_long", cfg: Config{BaseURL: "http://127.0.0.1", Clients: 1, Duration: MaxDuration + time.Second}, wantErr: "duration"},
		{name: "unbounded", cfg: Config{BaseURL: "http://127.0.0.1", Clients: 1}, wantErr: "duration or a number of requests"},
		{name: "bad_query", cfg: Config{BaseURL: "http://127.0.0.1", Clients: 1, Requests: 1, Queries: []string{"datos"}}, wantErr: "starting with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate(t.Context())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// The histogram's bucket upper bound is never below the value and at most
// 1/64 above it.
func TestHistogramPrecision(t *testing.T) {
	t.Parallel()
	for us := int64(0); us < 1<<24; us = us*9/8 + 1 {
		d := time.Duration(us) * time.Microsecond
		u := upper(bucket(d))
		if u < d || float64(u-d) > float64(d)/64+float64(time.Microsecond) {
			t.Fatalf("upper(bucket(%s)) = %s", d, u)
		}
		if bucket(d) > 0 && upper(bucket(d)-1) >= d {
			t.Fatalf("%s also fits the previous bucket (upper %s)", d, upper(bucket(d)-1))
		}
	}
}

func TestQuantilesOfKnownSamples(t *testing.T) {
	t.Parallel()
	r := newRecorder()
	for i := 1; i <= 1000; i++ {
		r.record(http.StatusOK, time.Duration(i)*time.Millisecond)
	}
	res := r.result(time.Second)
	within := func(got, want time.Duration) bool { return got >= want && got <= want+want/64 }
	if !within(res.P50, 500*time.Millisecond) || !within(res.P95, 950*time.Millisecond) || !within(res.P99, 990*time.Millisecond) || res.Max != time.Second {
		t.Errorf("quantiles p50 %s p95 %s p99 %s max %s", res.P50, res.P95, res.P99, res.Max)
	}
	if res.Throughput != 1000 || res.Errors != 0 {
		t.Errorf("throughput %g errors %d", res.Throughput, res.Errors)
	}
}

// A count-bounded run sends exactly that many requests round the query
// mix, keeps connections alive and counts statuses and errors.
func TestRunCountsStatusesAndReusesConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("want") {
		case "503":
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		case "304":
			w.WriteHeader(http.StatusNotModified)
		default:
			_, _ = w.Write([]byte(`[]`))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	// One client goes round the mix in order: each query 100 times.
	res, err := Run(t.Context(), Config{
		BaseURL:  srv.URL,
		Clients:  1,
		Requests: 400,
		Queries:  []string{"/datos", "/datos?want=503", "/datos?want=304", "/datos?limit=5"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"200": 200, "304": 100, "503": 100}
	if diff := cmp.Diff(res.ByStatus, want); diff != "" {
		t.Errorf("by status (-got +want):\n%s", diff)
	}
	if res.Requests != 400 || res.Errors != 100 {
		t.Errorf("requests %d errors %d, want 400 and 100", res.Requests, res.Errors)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 1 keep-alive client", n)
	}
	// Several clients share the request budget exactly.
	res, err = Run(t.Context(), Config{BaseURL: srv.URL, Clients: 4, Requests: 400})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 400 || res.ByStatus["200"] != 400 {
		t.Errorf("4 clients: requests %d by status %v, want 400 × 200", res.Requests, res.ByStatus)
	}
	if n := conns.Load(); n > 5 {
		t.Errorf("%d connections in all for 1 then 4 keep-alive clients", n)
	}
}

func TestRunStopsAfterDuration(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	begin := time.Now()
	res, err := Run(t.Context(), Config{BaseURL: srv.URL, Clients: 8, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("a 300 ms run took %s", took)
	}
	if res.Requests == 0 || res.Errors != 0 {
		t.Errorf("requests %d errors %d (%v)", res.Requests, res.Errors, res.ByStatus)
	}
}

func TestRunCountsTransportErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	res, err := Run(t.Context(), Config{BaseURL: url, Clients: 2, Requests: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 10 || res.ByStatus["transport"] != 10 {
		t.Errorf("errors %d by status %v, want 10 transport errors", res.Errors, res.ByStatus)
	}
}
