package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/logging"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func serve(t *testing.T, h http.Handler, method, path string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// panickyStore is a real store whose ListEvents panics, like a bug would.
type panickyStore struct{ flightevents.EventStore }

func (panickyStore) ListEvents(context.Context, flightevents.EventFilter) (flightevents.EventPage, error) {
	panic("nil map in " + secret)
}

func TestHandlerLogsWithTrace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		store      func(t testing.TB) flightevents.EventStore
		header     http.Header
		path       string
		wantStatus int
		// wantLines are the (severity, message) of every log line, each of
		// which must carry wantTrace/wantSpan when set.
		wantLines [][2]string
		wantTrace string
		wantSpan  string
	}{
		{
			name:       "traceparent",
			store:      newStore,
			header:     http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}},
			path:       "/datos?limit=3",
			wantStatus: 200,
			wantLines:  [][2]string{{"INFO", "GET /datos"}},
			wantTrace:  "projects/test-proj/traces/4bf92f3577b34da6a3ce929d0e0e4736",
			wantSpan:   "00f067aa0ba902b7",
		},
		{
			name: "cloud_trace_header_on_handler_logs_too",
			store: func(t testing.TB) flightevents.EventStore {
				return faultyStore{newStore(t), flightevents.WrapError(flightevents.EUNAVAILABLE, "down", io.ErrUnexpectedEOF)}
			},
			header:     http.Header{"X-Cloud-Trace-Context": {"105445aa7843bc8bf206b12000100000/1;o=1"}},
			path:       "/datos",
			wantStatus: 503,
			wantLines:  [][2]string{{"WARNING", "list events: store unavailable"}, {"ERROR", "GET /datos"}},
			wantTrace:  "projects/test-proj/traces/105445aa7843bc8bf206b12000100000",
			wantSpan:   "0000000000000001",
		},
		{
			name:       "panic_recovered",
			store:      func(t testing.TB) flightevents.EventStore { return panickyStore{newStore(t)} },
			header:     http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}},
			path:       "/datos",
			wantStatus: 500,
			wantLines:  [][2]string{{"ERROR", "panic serving request"}, {"ERROR", "GET /datos"}},
			wantTrace:  "projects/test-proj/traces/4bf92f3577b34da6a3ce929d0e0e4736",
			wantSpan:   "00f067aa0ba902b7",
		},
		{
			name:       "no_trace_header",
			store:      newStore,
			path:       "/openapi.json",
			wantStatus: 200,
			wantLines:  [][2]string{{"INFO", "GET /openapi.json"}},
		},
		{
			name:       "failed_readiness_is_logged",
			store:      func(t testing.TB) flightevents.EventStore { return faultyStore{newStore(t), io.ErrUnexpectedEOF} },
			path:       "/readyz",
			wantStatus: 503,
			wantLines:  [][2]string{{"WARNING", "readiness check failed"}, {"ERROR", "GET /readyz"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			h := httpapi.NewHandler(httpapi.Deps{Store: tc.store(t), Logger: logging.New(&logs, slog.LevelInfo, "test-proj")}, httpapi.Config{})
			rec := serve(t, h, http.MethodGet, tc.path, tc.header)
			if rec.Code != tc.wantStatus {
				t.Fatalf("GET %s = %d %s, want %d", tc.path, rec.Code, rec.Body, tc.wantStatus)
			}
			lines := logs.lines(t)
			var got [][2]string
			for _, l := range lines {
				got = append(got, [2]string{l["severity"].(string), l["message"].(string)})
				if l["logging.googleapis.com/trace"] != nilIfEmpty(tc.wantTrace) || l["logging.googleapis.com/spanId"] != nilIfEmpty(tc.wantSpan) {
					t.Errorf("log line %v: trace %v span %v, want %q %q", l["message"], l["logging.googleapis.com/trace"], l["logging.googleapis.com/spanId"], tc.wantTrace, tc.wantSpan)
				}
			}
			if diff := cmp.Diff(got, tc.wantLines); diff != "" {
				t.Errorf("log lines (-got +want):\n%s", diff)
			}
			last := lines[len(lines)-1]
			req, _ := last["httpRequest"].(map[string]any)
			if req["requestMethod"] != "GET" || req["requestUrl"] != tc.path || req["status"] != float64(tc.wantStatus) || !strings.HasSuffix(req["latency"].(string), "s") {
				t.Errorf("httpRequest = %v, want method, url %s, status %d and latency", req, tc.path, tc.wantStatus)
			}
		})
	}
}

// TestHandlerHealthChecksLogAtDebug keeps probe traffic out of INFO logs.
func TestHandlerHealthChecksLogAtDebug(t *testing.T) {
	t.Parallel()
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var logs syncBuffer
		h := httpapi.NewHandler(httpapi.Deps{Store: newStore(t), Logger: logging.New(&logs, level, "")}, httpapi.Config{})
		for _, p := range []string{"/healthz", "/readyz"} {
			if rec := serve(t, h, http.MethodGet, p, nil); rec.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", p, rec.Code)
			}
		}
		var got []string
		for _, l := range logs.lines(t) {
			got = append(got, l["severity"].(string)+" "+l["message"].(string))
		}
		var want []string
		if level == slog.LevelDebug {
			want = []string{"DEBUG GET /healthz", "DEBUG GET /readyz"}
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("logs at level %v (-got +want):\n%s", level, diff)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestHandlerPanicIs500Problem(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	h := httpapi.NewHandler(httpapi.Deps{Store: panickyStore{newStore(t)}, Logger: logging.New(&logs, slog.LevelInfo, "")}, httpapi.Config{})
	rec := serve(t, h, http.MethodGet, "/datos", nil)
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("GET /datos with a panicking store = %d %q, want 500 application/problem+json", rec.Code, rec.Header().Get("Content-Type"))
	}
	if diff := cmp.Diff(decodeJSON[problem](t, rec.Body.Bytes()), problem{Title: "Internal Server Error", Status: 500, Detail: "internal error"}); diff != "" {
		t.Errorf("problem (-got +want):\n%s", diff)
	}
	if !strings.Contains(logs.buf.String(), "hunter2") {
		t.Error("the panic value was not logged")
	}
	if strings.Contains(rec.Body.String(), "hunter2") {
		t.Errorf("the panic leaks to the client: %s", rec.Body)
	}
}

func TestDocsAssets(t *testing.T) {
	t.Parallel()
	h := httpapi.NewHandler(httpapi.Deps{Store: newStore(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, httpapi.Config{})
	tests := []struct {
		name            string
		path            string
		wantStatus      int
		wantContentType string
		wantContains    string
	}{
		{name: "index", path: "/docs", wantStatus: 200, wantContentType: "text/html; charset=utf-8", wantContains: `<script src="/docs/init.js">`},
		{name: "index_slash", path: "/docs/", wantStatus: 200, wantContentType: "text/html; charset=utf-8", wantContains: `<div id="swagger-ui">`},
		{name: "init_points_at_own_openapi", path: "/docs/init.js", wantStatus: 200, wantContentType: "text/javascript; charset=utf-8", wantContains: `url: "/openapi.json"`},
		{name: "bundle_vendored", path: "/docs/swagger-ui-bundle.js", wantStatus: 200, wantContentType: "text/javascript; charset=utf-8", wantContains: "SwaggerUIBundle"},
		{name: "css_vendored", path: "/docs/swagger-ui.css", wantStatus: 200, wantContentType: "text/css; charset=utf-8", wantContains: ".swagger-ui"},
		{name: "unknown_asset", path: "/docs/index.css", wantStatus: 404},
		{name: "no_nested_paths", path: "/docs/x/init.js", wantStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, h, http.MethodGet, tc.path, nil)
			if rec.Code != tc.wantStatus {
				t.Fatalf("GET %s = %d, want %d", tc.path, rec.Code, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != tc.wantContentType {
				t.Errorf("Content-Type = %q, want %q", ct, tc.wantContentType)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); csp != httpapi.DocsCSP {
				t.Errorf("Content-Security-Policy = %q, want %q", csp, httpapi.DocsCSP)
			}
			if !strings.Contains(rec.Body.String(), tc.wantContains) {
				t.Errorf("body of %s lacks %q", tc.path, tc.wantContains)
			}
		})
	}
	// The page must load nothing from elsewhere and run no inline script.
	page := serve(t, h, http.MethodGet, "/docs", nil).Body.String()
	for _, bad := range []string{"http://", "https://", "<script>"} {
		if strings.Contains(page, bad) {
			t.Errorf("docs page contains %q", bad)
		}
	}
	for _, d := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self'"} {
		if !strings.Contains(httpapi.DocsCSP, d) {
			t.Errorf("CSP lacks %q", d)
		}
	}
}

func TestDocsDisabled(t *testing.T) {
	t.Parallel()
	h := httpapi.NewHandler(httpapi.Deps{Store: newStore(t)}, httpapi.Config{DisableDocs: true, DisableRequestLog: true})
	if rec := serve(t, h, http.MethodGet, "/docs", nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET /docs with docs disabled = %d, want 404", rec.Code)
	}
	if rec := serve(t, h, http.MethodGet, "/openapi.json", nil); rec.Code != http.StatusOK {
		t.Errorf("GET /openapi.json with docs disabled = %d, want 200", rec.Code)
	}
}
