package logging

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
)

// Trace identifies the distributed trace a request belongs to.
type Trace struct {
	TraceID string // 32 lowercase hex digits
	SpanID  string // 16 lowercase hex digits, or "" when unknown
	Sampled bool
}

type traceKey struct{}

// WithTrace returns a copy of ctx carrying t; loggers from New add it to
// every record logged with that context.
func WithTrace(ctx context.Context, t Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// TraceFromContext returns the trace stored by WithTrace.
func TraceFromContext(ctx context.Context) (Trace, bool) {
	if ctx == nil {
		return Trace{}, false
	}
	t, ok := ctx.Value(traceKey{}).(Trace)
	return t, ok
}

func (t Trace) attrs(projectID string) []slog.Attr {
	trace := t.TraceID
	if projectID != "" {
		trace = "projects/" + projectID + "/traces/" + t.TraceID
	}
	attrs := make([]slog.Attr, 0, 3)
	attrs = append(attrs, slog.String(KeyTrace, trace))
	if t.SpanID != "" {
		attrs = append(attrs, slog.String(KeySpanID, t.SpanID))
	}
	return append(attrs, slog.Bool(KeyTraceSampled, t.Sampled))
}

// TraceFromHeader reads the trace of an incoming request: the W3C
// traceparent header when it is valid, else Google's X-Cloud-Trace-Context.
// Cloud Run's front end sets both.
func TraceFromHeader(h http.Header) (Trace, bool) {
	if t, ok := ParseTraceparent(h.Get("traceparent")); ok {
		return t, true
	}
	return ParseCloudTraceContext(h.Get("X-Cloud-Trace-Context"))
}

// ParseTraceparent parses a W3C Trace Context traceparent header
// ("00-<trace-id>-<parent-id>-<flags>").
func ParseTraceparent(v string) (Trace, bool) {
	// version "-" trace-id "-" parent-id "-" flags, and for versions above
	// 00 possibly more fields after a further "-".
	if len(v) < 55 || (len(v) > 55 && v[55] != '-') {
		return Trace{}, false
	}
	version, traceID, spanID, flags := v[0:2], v[3:35], v[36:52], v[53:55]
	if v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return Trace{}, false
	}
	if !isHex(version) || version == "ff" || (version == "00" && len(v) != 55) {
		return Trace{}, false
	}
	if !isHex(traceID) || !isHex(spanID) || !isHex(flags) || allZero(traceID) || allZero(spanID) {
		return Trace{}, false
	}
	f, _ := strconv.ParseUint(flags, 16, 8)
	return Trace{TraceID: traceID, SpanID: spanID, Sampled: f&1 == 1}, true
}

// ParseCloudTraceContext parses Google's X-Cloud-Trace-Context header
// ("TRACE_ID/SPAN_ID;o=OPTIONS", SPAN_ID in decimal). The span id is
// returned in the 16-hex-digit form Cloud Logging expects.
func ParseCloudTraceContext(v string) (Trace, bool) {
	if v == "" {
		return Trace{}, false
	}
	rest, opts, _ := strings.Cut(v, ";")
	traceID, span, hasSpan := strings.Cut(rest, "/")
	traceID = strings.ToLower(traceID)
	if len(traceID) != 32 || !isHex(traceID) || allZero(traceID) {
		return Trace{}, false
	}
	t := Trace{TraceID: traceID}
	if hasSpan && span != "" {
		n, err := strconv.ParseUint(span, 10, 64)
		if err != nil {
			return Trace{}, false
		}
		if n != 0 {
			s := strconv.FormatUint(n, 16)
			t.SpanID = strings.Repeat("0", 16-len(s)) + s
		}
	}
	t.Sampled = opts == "o=1"
	return t, true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}

func allZero(s string) bool { return strings.Trim(s, "0") == "" }
