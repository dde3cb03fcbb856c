package flightevents_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestDecodeEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         string
		want       flightevents.Event
		wantFields []string // invalid fields, in order; nil = valid
	}{
		{
			name: "valid_with_id",
			in:   `{"event_id":"e-1","flight_id":"IB3456","status":"boarding","timestamp":"2026-11-27T08:00:00.123456Z"}`,
			want: flightevents.Event{EventID: "e-1", FlightID: "IB3456", Status: "boarding", Timestamp: time.Date(2026, 11, 27, 8, 0, 0, 123456000, time.UTC)},
		},
		{
			name: "offset_normalised_to_utc",
			in:   `{"event_id":"e-2","flight_id":"UX1","status":"landed","timestamp":"2026-11-27T09:00:00+01:00"}`,
			want: flightevents.Event{EventID: "e-2", FlightID: "UX1", Status: "landed", Timestamp: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)},
		},
		{
			name: "id_derived_when_absent",
			in:   `{"flight_id":"VY1234A","status":"delayed","timestamp":"2026-11-27T08:00:00Z"}`,
			want: flightevents.Event{
				EventID:  flightevents.DeriveEventID("VY1234A", "delayed", time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)),
				FlightID: "VY1234A", Status: "delayed", Timestamp: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC),
			},
		},
		{name: "not_json", in: `{"flight_id":`, wantFields: []string{"json"}},
		{name: "two_objects", in: `{"event_id":"a","flight_id":"IB1","status":"landed","timestamp":"2026-11-27T08:00:00Z"}{}`, wantFields: []string{"json"}},
		{name: "unknown_field", in: `{"event_id":"a","flight_id":"IB1","status":"landed","timestamp":"2026-11-27T08:00:00Z","gate":"A1"}`, wantFields: []string{"json"}},
		{name: "bad_status", in: `{"event_id":"a","flight_id":"IB1","status":"LANDED","timestamp":"2026-11-27T08:00:00Z"}`, wantFields: []string{"status"}},
		{name: "bad_flight", in: `{"event_id":"a","flight_id":"ib 1","status":"landed","timestamp":"2026-11-27T08:00:00Z"}`, wantFields: []string{"flight_id"}},
		{name: "flight_too_long", in: `{"event_id":"a","flight_id":"IB1234567","status":"landed","timestamp":"2026-11-27T08:00:00Z"}`, wantFields: []string{"flight_id"}},
		{name: "timestamp_not_rfc3339", in: `{"event_id":"a","flight_id":"IB1","status":"landed","timestamp":"27/11/2026 08:00"}`, wantFields: []string{"timestamp"}},
		{name: "timestamp_missing", in: `{"event_id":"a","flight_id":"IB1","status":"landed"}`, wantFields: []string{"timestamp"}},
		{name: "timestamp_far_future", in: `{"event_id":"a","flight_id":"IB1","status":"landed","timestamp":"2026-11-29T12:00:00Z"}`, wantFields: []string{"timestamp"}},
		{name: "timestamp_too_old", in: `{"event_id":"a","flight_id":"IB1","status":"landed","timestamp":"1999-12-31T23:59:59Z"}`, wantFields: []string{"timestamp"}},
		{name: "bad_event_id", in: `{"event_id":"a b","flight_id":"IB1","status":"landed","timestamp":"2026-11-27T08:00:00Z"}`, wantFields: []string{"event_id"}},
		{name: "all_missing", in: `{}`, wantFields: []string{"flight_id", "status", "timestamp", "event_id"}},
		{name: "many_bad_with_bad_timestamp", in: `{"flight_id":"x","status":"y","timestamp":"z"}`, wantFields: []string{"flight_id", "status", "event_id", "timestamp"}},
		{name: "too_large", in: `{"event_id":"` + strings.Repeat("a", flightevents.MaxEventBytes) + `"}`, wantFields: []string{"event"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := flightevents.DecodeEvent([]byte(tt.in), now)
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("DecodeEvent: unexpected error: %v", err)
				}
				if diff := cmp.Diff(got, tt.want); diff != "" {
					t.Errorf("DecodeEvent (-got +want):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, flightevents.ErrInvalidEvent) {
				t.Fatalf("DecodeEvent error = %v, want ErrInvalidEvent", err)
			}
			if code := flightevents.ErrorCode(err); code != flightevents.EINVALID {
				t.Errorf("ErrorCode = %q, want %q", code, flightevents.EINVALID)
			}
			var ve *flightevents.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			var fields []string
			for _, f := range ve.Fields {
				fields = append(fields, f.Field)
			}
			if diff := cmp.Diff(fields, tt.wantFields); diff != "" {
				t.Errorf("invalid fields (-got +want):\n%s", diff)
			}
			if want := "invalid_" + tt.wantFields[0]; ve.Reason() != want {
				t.Errorf("Reason() = %q, want %q", ve.Reason(), want)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	e := flightevents.Event{EventID: "e-9", FlightID: "AF1001", Status: flightevents.StatusCancelled, Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)}
	got, err := flightevents.DecodeEvent(e.Encode(), now)
	if err != nil {
		t.Fatalf("DecodeEvent(Encode()): %v", err)
	}
	if diff := cmp.Diff(got, e); diff != "" {
		t.Errorf("round trip (-got +want):\n%s", diff)
	}
}

func TestDeriveEventIDStable(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	a := flightevents.DeriveEventID("IB1", "landed", ts)
	b := flightevents.DeriveEventID("IB1", "landed", ts.In(time.FixedZone("x", 3600)))
	c := flightevents.DeriveEventID("IB1", "boarding", ts)
	if a != b {
		t.Errorf("same instant in another zone gave %q and %q", a, b)
	}
	if a == c {
		t.Errorf("different status gave the same id %q", a)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	c := flightevents.Cursor{Timestamp: time.Date(2026, 11, 27, 8, 0, 0, 123000, time.UTC), EventID: "d-abc"}
	got, err := flightevents.ParseCursor(c.String())
	if err != nil {
		t.Fatalf("ParseCursor: %v", err)
	}
	if diff := cmp.Diff(got, c); diff != "" {
		t.Errorf("cursor round trip (-got +want):\n%s", diff)
	}
	for _, bad := range []string{"", "!!!", "bm90LWEtY3Vyc29y", strings.Repeat("A", 300)} {
		if _, err := flightevents.ParseCursor(bad); flightevents.ErrorCode(err) != flightevents.EINVALID {
			t.Errorf("ParseCursor(%q) error = %v, want EINVALID", bad, err)
		}
	}
}

func TestFilterBounded(t *testing.T) {
	t.Parallel()
	f := flightevents.EventFilter{Limit: 5000}.Bounded(now)
	if f.Since.IsZero() || f.Until.IsZero() || !f.Since.Before(f.Until) {
		t.Errorf("Bounded left an open range: %v", f)
	}
	if f.Limit != flightevents.MaxLimit {
		t.Errorf("Limit = %d, want %d", f.Limit, flightevents.MaxLimit)
	}
	if got := (flightevents.EventFilter{}).Bounded(now).Limit; got != flightevents.DefaultLimit {
		t.Errorf("default Limit = %d, want %d", got, flightevents.DefaultLimit)
	}
}

// TestFilterBoundedRanges pins the default ranges: without since and until
// 24 hours that touch at most two day-partitions whatever the time of day;
// a client's own bounds are kept.
func TestFilterBoundedRanges(t *testing.T) {
	t.Parallel()
	since := now.Add(-72 * time.Hour)
	until := now.Add(-48 * time.Hour)
	tests := []struct {
		name      string
		filter    flightevents.EventFilter
		wantSince time.Time
		wantUntil time.Time
	}{
		{"no_range", flightevents.EventFilter{}, now.Add(-23 * time.Hour), now.Add(time.Hour)},
		{"since_only_reaches_max_clock_skew", flightevents.EventFilter{Since: since}, since, now.Add(flightevents.MaxClockSkew)},
		{"until_only_reads_24h_before_it", flightevents.EventFilter{Until: until}, until.Add(-24 * time.Hour), until},
		{"both_kept", flightevents.EventFilter{Since: since, Until: until}, since, until},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter.Bounded(now)
			if diff := cmp.Diff([]time.Time{f.Since, f.Until}, []time.Time{tc.wantSince.UTC(), tc.wantUntil.UTC()}); diff != "" {
				t.Errorf("since, until (-got +want):\n%s", diff)
			}
		})
	}
	// At every minute of a day, the default range touches at most 2 days.
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for m := range 24 * 60 {
		f := flightevents.EventFilter{}.Bounded(day.Add(time.Duration(m) * time.Minute))
		first := f.Since.Truncate(24 * time.Hour)
		last := f.Until.Add(-time.Microsecond).Truncate(24 * time.Hour)
		if n := int(last.Sub(first)/(24*time.Hour)) + 1; n > 2 {
			t.Fatalf("default range %v touches %d day-partitions, want at most 2", f, n)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"event_id":"e-1","flight_id":"IB3456","status":"boarding","timestamp":"2026-11-27T08:00:00Z"}`))
	f.Add([]byte(`{"flight_id":"VY1","status":"landed","timestamp":"2026-11-27T08:00:00+05:30"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[1,2]`))
	f.Add([]byte(`{"timestamp":"2026-13-45T99:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := flightevents.DecodeEvent(data, now)
		if err != nil {
			if !errors.Is(err, flightevents.ErrInvalidEvent) {
				t.Fatalf("error %v does not wrap ErrInvalidEvent", err)
			}
			return
		}
		// A decoded event is valid, and re-encoding it decodes to itself.
		if err := e.Validate(now); err != nil {
			t.Fatalf("decoded event is invalid: %v", err)
		}
		again, err := flightevents.DecodeEvent(e.Encode(), now)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if diff := cmp.Diff(again, e); diff != "" {
			t.Fatalf("re-decode (-got +want):\n%s", diff)
		}
	})
}

func FuzzParseCursor(f *testing.F) {
	f.Add(flightevents.Cursor{Timestamp: now, EventID: "e-1"}.String())
	f.Add("")
	f.Add("MTIzOmE")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := flightevents.ParseCursor(token)
		if err != nil {
			if flightevents.ErrorCode(err) != flightevents.EINVALID {
				t.Fatalf("error code %q, want EINVALID", flightevents.ErrorCode(err))
			}
			return
		}
		again, err := flightevents.ParseCursor(c.String())
		if err != nil || !again.Timestamp.Equal(c.Timestamp) || again.EventID != c.EventID {
			t.Fatalf("cursor %q does not round-trip: %v %v", token, again, err)
		}
	})
}
