// Package logging builds the service's log/slog logger: one JSON object per
// line in the shape Google Cloud Logging parses from stdout on Cloud Run
// (severity, message, trace, span id, trace_sampled), and the context helpers
// that let every log call made with a request context carry that request's
// trace.
//
// It is not for metrics or tracing: it only reads a trace context that a
// caller (httpapi's middleware) has parsed from the request headers.
package logging

import (
	"context"
	"io"
	"log/slog"
)

// Cloud Logging's special JSON fields on stdout/stderr
// (https://cloud.google.com/logging/docs/structured-logging).
const (
	KeySeverity     = "severity"
	KeyMessage      = "message"
	KeyTrace        = "logging.googleapis.com/trace"
	KeySpanID       = "logging.googleapis.com/spanId"
	KeyTraceSampled = "logging.googleapis.com/trace_sampled"
)

// New returns a logger writing JSON lines to w at level and above, with
// Cloud Logging's field names. projectID qualifies trace ids
// ("projects/<projectID>/traces/<id>"); when it is empty (local runs) the
// bare trace id is logged.
func New(w io.Writer, level slog.Level, projectID string) *slog.Logger {
	return slog.New(NewHandler(w, level, projectID))
}

// NewHandler returns the slog.Handler behind New, for callers that wrap it.
func NewHandler(w io.Writer, level slog.Level, projectID string) slog.Handler {
	root := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: replaceAttr})
	return &handler{root: root, inner: root, projectID: projectID}
}

// replaceAttr renames slog's built-in keys to Cloud Logging's.
func replaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.LevelKey:
		return slog.String(KeySeverity, severity(a.Value.Any()))
	case slog.MessageKey:
		a.Key = KeyMessage
	}
	return a
}

// severity maps a slog level to a Cloud Logging LogSeverity name.
func severity(v any) string {
	l, ok := v.(slog.Level)
	if !ok {
		return "DEFAULT"
	}
	switch {
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARNING"
	case l < slog.LevelError+4:
		return "ERROR"
	default:
		return "CRITICAL"
	}
}

// handler adds the trace of the record's context as top-level attributes.
// Because attributes added in Handle would land inside any open group, it
// remembers the WithAttrs/WithGroup calls and, for a traced record in a
// grouped logger, replays them on top of the trace attributes.
type handler struct {
	root      slog.Handler // the JSON handler without attrs or groups
	inner     slog.Handler // root with ops applied
	ops       []op
	grouped   bool
	projectID string
}

type op struct {
	group string // set for WithGroup
	attrs []slog.Attr
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	t, ok := TraceFromContext(ctx)
	if !ok {
		return h.inner.Handle(ctx, r)
	}
	attrs := t.attrs(h.projectID)
	if !h.grouped {
		r = r.Clone()
		r.AddAttrs(attrs...)
		return h.inner.Handle(ctx, r)
	}
	inner := h.root.WithAttrs(attrs)
	for _, o := range h.ops {
		if o.group != "" {
			inner = inner.WithGroup(o.group)
		} else {
			inner = inner.WithAttrs(o.attrs)
		}
	}
	return inner.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := h.with(op{attrs: attrs})
	c.inner = h.inner.WithAttrs(attrs)
	return c
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := h.with(op{group: name})
	c.inner = h.inner.WithGroup(name)
	c.grouped = true
	return c
}

func (h *handler) with(o op) *handler {
	c := *h
	c.ops = append(h.ops[:len(h.ops):len(h.ops)], o)
	return &c
}
