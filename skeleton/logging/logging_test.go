package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"${{ values.goModule }}/logging"
)

// decode parses the JSON lines written by a logger, dropping "time".
func decode(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if _, ok := m["time"].(string); !ok {
			t.Errorf("log line %q has no time", line)
		}
		delete(m, "time")
		out = append(out, m)
	}
	return out
}

func TestNew(t *testing.T) {
	t.Parallel()
	traced := logging.WithTrace(t.Context(), logging.Trace{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Sampled: true})
	tests := []struct {
		name    string
		project string
		level   slog.Level
		log     func(ctx context.Context, l *slog.Logger)
		ctx     context.Context
		want    []map[string]any
	}{
		{
			name:    "severity_names",
			project: "p",
			level:   slog.LevelDebug,
			ctx:     t.Context(),
			log: func(ctx context.Context, l *slog.Logger) {
				l.DebugContext(ctx, "d")
				l.InfoContext(ctx, "i")
				l.WarnContext(ctx, "w")
				l.ErrorContext(ctx, "e")
				l.Log(ctx, slog.LevelError+4, "c")
			},
			want: []map[string]any{
				{"severity": "DEBUG", "message": "d"},
				{"severity": "INFO", "message": "i"},
				{"severity": "WARNING", "message": "w"},
				{"severity": "ERROR", "message": "e"},
				{"severity": "CRITICAL", "message": "c"},
			},
		},
		{
			name:    "level_filters",
			project: "p",
			level:   slog.LevelWarn,
			ctx:     t.Context(),
			log: func(ctx context.Context, l *slog.Logger) {
				l.InfoContext(ctx, "dropped")
				l.WarnContext(ctx, "kept")
			},
			want: []map[string]any{{"severity": "WARNING", "message": "kept"}},
		},
		{
			name:    "trace_from_context",
			project: "my-proj",
			ctx:     traced,
			log: func(ctx context.Context, l *slog.Logger) {
				l.InfoContext(ctx, "hello", "n", 1)
			},
			want: []map[string]any{{
				"severity": "INFO", "message": "hello", "n": 1.0,
				"logging.googleapis.com/trace":         "projects/my-proj/traces/4bf92f3577b34da6a3ce929d0e0e4736",
				"logging.googleapis.com/spanId":        "00f067aa0ba902b7",
				"logging.googleapis.com/trace_sampled": true,
			}},
		},
		{
			name: "trace_without_project",
			ctx:  traced,
			log:  func(ctx context.Context, l *slog.Logger) { l.InfoContext(ctx, "local") },
			want: []map[string]any{{
				"severity": "INFO", "message": "local",
				"logging.googleapis.com/trace":         "4bf92f3577b34da6a3ce929d0e0e4736",
				"logging.googleapis.com/spanId":        "00f067aa0ba902b7",
				"logging.googleapis.com/trace_sampled": true,
			}},
		},
		{
			name:    "no_trace_without_context",
			project: "p",
			ctx:     t.Context(),
			log:     func(ctx context.Context, l *slog.Logger) { l.InfoContext(ctx, "plain") },
			want:    []map[string]any{{"severity": "INFO", "message": "plain"}},
		},
		{
			name:    "trace_stays_top_level_in_groups",
			project: "p",
			ctx:     traced,
			log: func(ctx context.Context, l *slog.Logger) {
				l.With("a", "x").WithGroup("g").With("b", "y").InfoContext(ctx, "grouped", "c", "z")
			},
			want: []map[string]any{{
				"severity": "INFO", "message": "grouped", "a": "x",
				"g":                                    map[string]any{"b": "y", "c": "z"},
				"logging.googleapis.com/trace":         "projects/p/traces/4bf92f3577b34da6a3ce929d0e0e4736",
				"logging.googleapis.com/spanId":        "00f067aa0ba902b7",
				"logging.googleapis.com/trace_sampled": true,
			}},
		},
		{
			name:    "group_keys_not_renamed",
			project: "p",
			ctx:     t.Context(),
			log: func(ctx context.Context, l *slog.Logger) {
				l.InfoContext(ctx, "m", slog.Group("g", "msg", "inner", "level", "x"))
			},
			want: []map[string]any{{"severity": "INFO", "message": "m", "g": map[string]any{"msg": "inner", "level": "x"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			l := logging.New(&buf, tc.level, tc.project)
			tc.log(tc.ctx, l)
			if diff := cmp.Diff(decode(t, &buf), tc.want, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("log lines (-got +want):\n%s", diff)
			}
		})
	}
}

func TestTraceFromHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		want   logging.Trace
		wantOK bool
	}{
		{
			name:   "traceparent_sampled",
			header: http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}},
			want:   logging.Trace{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Sampled: true},
			wantOK: true,
		},
		{
			name:   "traceparent_not_sampled",
			header: http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}},
			want:   logging.Trace{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7"},
			wantOK: true,
		},
		{
			name:   "traceparent_future_version_extra_fields",
			header: http.Header{"Traceparent": {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what"}},
			want:   logging.Trace{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Sampled: true},
			wantOK: true,
		},
		{
			name:   "traceparent_preferred_over_cloud_header",
			header: http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, "X-Cloud-Trace-Context": {"105445aa7843bc8bf206b12000100000/1;o=0"}},
			want:   logging.Trace{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Sampled: true},
			wantOK: true,
		},
		{
			name:   "cloud_header_full",
			header: http.Header{"X-Cloud-Trace-Context": {"105445aa7843bc8bf206b12000100000/1;o=1"}},
			want:   logging.Trace{TraceID: "105445aa7843bc8bf206b12000100000", SpanID: "0000000000000001", Sampled: true},
			wantOK: true,
		},
		{
			name:   "cloud_header_decimal_span_to_hex",
			header: http.Header{"X-Cloud-Trace-Context": {"105445AA7843BC8BF206B12000100000/18446744073709551615;o=0"}},
			want:   logging.Trace{TraceID: "105445aa7843bc8bf206b12000100000", SpanID: "ffffffffffffffff"},
			wantOK: true,
		},
		{
			name:   "cloud_header_trace_only",
			header: http.Header{"X-Cloud-Trace-Context": {"105445aa7843bc8bf206b12000100000"}},
			want:   logging.Trace{TraceID: "105445aa7843bc8bf206b12000100000"},
			wantOK: true,
		},
		{
			name:   "invalid_traceparent_falls_back_to_cloud_header",
			header: http.Header{"Traceparent": {"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}, "X-Cloud-Trace-Context": {"105445aa7843bc8bf206b12000100000/2;o=1"}},
			want:   logging.Trace{TraceID: "105445aa7843bc8bf206b12000100000", SpanID: "0000000000000002", Sampled: true},
			wantOK: true,
		},
		{name: "none", header: http.Header{}},
		{name: "traceparent_version_ff", header: http.Header{"Traceparent": {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}},
		{name: "traceparent_v00_extra", header: http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"}}},
		{name: "traceparent_uppercase", header: http.Header{"Traceparent": {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"}}},
		{name: "traceparent_zero_span", header: http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"}}},
		{name: "traceparent_short", header: http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"}}},
		{name: "cloud_header_short_trace", header: http.Header{"X-Cloud-Trace-Context": {"105445aa/1;o=1"}}},
		{name: "cloud_header_bad_span", header: http.Header{"X-Cloud-Trace-Context": {"105445aa7843bc8bf206b12000100000/abc;o=1"}}},
		{name: "cloud_header_not_hex", header: http.Header{"X-Cloud-Trace-Context": {"zz5445aa7843bc8bf206b12000100000/1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := logging.TraceFromHeader(tc.header)
			if ok != tc.wantOK {
				t.Fatalf("TraceFromHeader ok = %v, want %v (trace %+v)", ok, tc.wantOK, got)
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("TraceFromHeader (-got +want):\n%s", diff)
			}
		})
	}
}

func TestTraceFromContext(t *testing.T) {
	t.Parallel()
	if _, ok := logging.TraceFromContext(t.Context()); ok {
		t.Error("TraceFromContext on a bare context reported a trace")
	}
	want := logging.Trace{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"}
	got, ok := logging.TraceFromContext(logging.WithTrace(t.Context(), want))
	if !ok {
		t.Fatal("TraceFromContext lost the trace")
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("TraceFromContext (-got +want):\n%s", diff)
	}
}
