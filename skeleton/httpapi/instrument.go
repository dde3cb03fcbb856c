package httpapi

import (
	"net/http"
	"strings"
	"time"

	"${{ values.goModule }}/metrics"
)

// MetricsPath is where NewHandler serves the Prometheus metrics when
// Deps.Metrics is set. It is not part of the OpenAPI document.
const MetricsPath = "/metrics"

// unmatchedRoute labels requests no route matched (404s of unknown paths,
// 405s), so that scanners cannot grow the label set.
const unmatchedRoute = "unmatched"

// instrument records every request's count and latency by route template,
// method and status code. It must wrap the handler that passes r itself
// to the ServeMux (recoverPanics does), because the mux records the
// matched pattern in r.Pattern. With a nil m it returns next unchanged.
func instrument(next http.Handler, m *metrics.Metrics) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec, ok := w.(*responseRecorder)
		if !ok {
			rec = &responseRecorder{ResponseWriter: w}
		}
		m.RequestStarted()
		defer func() {
			// Also runs when a panic passes through (recoverPanics re-raises
			// http.ErrAbortHandler once headers were sent).
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			m.RequestDone(route(r), method(r), status, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// route returns the route template the mux matched, without its method
// ("GET /datos" → "/datos").
func route(r *http.Request) string {
	p := r.Pattern
	if p == "" {
		return unmatchedRoute
	}
	if _, path, ok := strings.Cut(p, " "); ok {
		return path
	}
	return p
}

// method returns r.Method from a closed set, so that arbitrary methods do
// not grow the label set.
func method(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return r.Method
	default:
		return "other"
	}
}
