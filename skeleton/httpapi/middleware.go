package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"${{ values.goModule }}/logging"
)

// withTrace puts the trace of the request's traceparent or
// X-Cloud-Trace-Context header in its context, so every log call made with
// that context (by the middleware and by handlers) carries it.
func withTrace(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t, ok := logging.TraceFromHeader(r.Header); ok {
			r = r.WithContext(logging.WithTrace(r.Context(), t))
		}
		next.ServeHTTP(w, r)
	})
}

// logRequests writes one log line per request with Cloud Logging's
// httpRequest fields: ERROR from 500, DEBUG for successful health checks
// and metrics scrapes (they would drown the log), INFO otherwise.
func logRequests(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &responseRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case status < 400 && (r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == MetricsPath):
			level = slog.LevelDebug
		}
		if !logger.Enabled(r.Context(), level) {
			return
		}
		logger.LogAttrs(r.Context(), level, r.Method+" "+r.URL.Path,
			slog.Group("httpRequest",
				slog.String("requestMethod", r.Method),
				slog.String("requestUrl", r.URL.RequestURI()),
				slog.Int("status", status),
				slog.String("responseSize", strconv.FormatInt(rec.size, 10)),
				slog.String("userAgent", r.UserAgent()),
				slog.String("remoteIp", r.RemoteAddr),
				slog.String("protocol", r.Proto),
				slog.String("latency", strconv.FormatFloat(time.Since(start).Seconds(), 'f', 6, 64)+"s"),
			),
		)
	})
}

// recoverPanics turns a panic in a handler into a logged error and, when
// nothing was written yet, a 500 problem+json that shows no internals.
func recoverPanics(next http.Handler, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*responseRecorder)
		if !ok {
			rec = &responseRecorder{ResponseWriter: w}
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger.ErrorContext(r.Context(), "panic serving request", "panic", v, "stack", string(debug.Stack()))
			if rec.status != 0 {
				// Headers are gone; net/http must abort the connection so the
				// client sees a truncated response rather than a valid one.
				panic(http.ErrAbortHandler)
			}
			writeProblem(rec, http.StatusInternalServerError, genericInternal)
		}()
		next.ServeHTTP(rec, r)
	})
}

// writeProblem writes an RFC 9457 problem with Huma's ErrorModel shape.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	body, _ := json.Marshal(&huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// responseRecorder remembers the status and size written through it.
type responseRecorder struct {
	http.ResponseWriter
	status int
	size   int64
}

func (r *responseRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *responseRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.size += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *responseRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush supports streaming handlers.
func (r *responseRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		if r.status == 0 {
			r.status = http.StatusOK
		}
		f.Flush()
	}
}
