package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
)

// marshalled is what encoding/json gives for events in the FlightEvent shape.
func marshalled(t testing.TB, events []flightevents.Event) string {
	items := make([]FlightEvent, len(events))
	for i, e := range events {
		items[i] = FlightEvent{FlightID: e.FlightID, Status: statusEnum(e.Status), Timestamp: e.Timestamp.UTC()}
	}
	b, err := json.Marshal(items)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return string(b)
}

func TestAppendEventsMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	madrid := time.FixedZone("CET", 3600)
	tests := []struct {
		name   string
		events []flightevents.Event
	}{
		{name: "empty", events: []flightevents.Event{}},
		{name: "one", events: []flightevents.Event{{FlightID: "IB3456", Status: "boarding", Timestamp: ts}}},
		{name: "fractional_seconds_trimmed", events: []flightevents.Event{
			{FlightID: "VY1", Status: "landed", Timestamp: ts.Add(123456 * time.Microsecond)},
			{FlightID: "VY1", Status: "landed", Timestamp: ts.Add(100 * time.Millisecond)},
		}},
		{name: "non_utc_zone_written_as_utc", events: []flightevents.Event{{FlightID: "UX9", Status: "delayed", Timestamp: ts.In(madrid)}}},
		{name: "escapes", events: []flightevents.Event{
			{FlightID: "a\"b\\c/d", Status: "<script>&", Timestamp: ts},
			{FlightID: "\x00\x01\b\f\n\r\t\x1f\x7f", Status: "\u2028\u2029é€😀", Timestamp: ts},
			{FlightID: "bad\xffutf8\xc3", Status: "", Timestamp: ts},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := string(appendEvents(nil, tc.events))
			if diff := cmp.Diff(got, marshalled(t, tc.events)); diff != "" {
				t.Errorf("appendEvents (-got +want):\n%s", diff)
			}
		})
	}
}

func FuzzAppendEvents(f *testing.F) {
	f.Add("IB3456", "boarding", int64(1795766400123456))
	f.Add("<&>\"\\\x00", "\u2028\xff", int64(0))
	f.Fuzz(func(t *testing.T, flight, status string, micros int64) {
		ts := time.UnixMicro(micros % (8000 * 365 * 24 * 3600 * 1_000_000)).UTC()
		if ts.Year() < 0 || ts.Year() > 9999 {
			return // encoding/json refuses such years; the domain never stores them
		}
		events := []flightevents.Event{{FlightID: flight, Status: flightevents.Status(status), Timestamp: ts}}
		if got, want := string(appendEvents(nil, events)), marshalled(t, events); got != want {
			t.Errorf("appendEvents = %s, encoding/json = %s", got, want)
		}
	})
}
