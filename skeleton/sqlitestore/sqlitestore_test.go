package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/schema"
	"${{ values.goModule }}/sqlitestore"
	"${{ values.goModule }}/storetest"

	"github.com/google/go-cmp/cmp"
)

func openMemory(t *testing.T) flightevents.EventStore {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatalf("Open(memory): %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContractMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, openMemory)
}

func TestContractFile(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) flightevents.EventStore {
		s, err := sqlitestore.Open(t.Context(), filepath.Join(t.TempDir(), "events.db"))
		if err != nil {
			t.Fatalf("Open(file): %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMemoryDatabasesAreIndependent(t *testing.T) {
	t.Parallel()
	a, b := openMemory(t), openMemory(t)
	ev := storetest.Events(3, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if _, err := a.WriteEvents(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	page, err := b.ListEvents(t.Context(), flightevents.EventFilter{Since: ev[0].Timestamp, Until: ev[2].Timestamp.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 0 {
		t.Errorf("second in-memory store sees %d events of the first, want 0", len(page.Events))
	}
}

func TestFileDatabasePersists(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	ev := storetest.Events(5, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s, err := sqlitestore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteEvents(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlitestore.Open(t.Context(), "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.WriteEvents(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, flightevents.WriteResult{Duplicates: 5}); diff != "" {
		t.Errorf("rewrite after reopening (-got +want):\n%s", diff)
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	t.Parallel()
	s, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ev := storetest.Events(1, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	_, werr := s.WriteEvents(t.Context(), ev)
	_, lerr := s.ListEvents(t.Context(), flightevents.EventFilter{})
	for op, err := range map[string]error{"WriteEvents": werr, "ListEvents": lerr, "Ping": s.Ping(t.Context())} {
		if got := flightevents.ErrorCode(err); got != flightevents.EUNAVAILABLE {
			t.Errorf("%s after Close: error %v has code %q, want %q", op, err, got, flightevents.EUNAVAILABLE)
		}
	}
}

func TestBusyDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := sqlitestore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A second store on the same file holds the write lock longer than
	// the first one waits for it.
	other, err := sqlitestore.Open(t.Context(), "file:"+path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := sqlitestore.HoldWriteLock(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer lock()
	_, err = other.WriteEvents(t.Context(), storetest.Events(1, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	if got := flightevents.ErrorCode(err); got != flightevents.EUNAVAILABLE {
		t.Errorf("WriteEvents on a locked database: error %v has code %q, want %q", err, got, flightevents.EUNAVAILABLE)
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dsn  string
	}{
		{"no_path", "file:?mode=rwc"},
		{"bad_query", "file:x.db?%zz"},
		{"missing_directory", filepath.Join(t.TempDir(), "no", "such", "dir", "events.db")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := sqlitestore.Open(t.Context(), tc.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) = nil error, want one", tc.dsn)
			}
		})
	}
}

// TestColumnsMatchSchema keeps the embedded table in step with
// schema/events.json, the source of truth of the BigQuery table.
func TestColumnsMatchSchema(t *testing.T) {
	t.Parallel()
	s, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := sqlitestore.Columns(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	fields, err := schema.Events()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range fields {
		notNull := map[bool]string{true: " NOT NULL", false: ""}[f.Required()]
		affinity := map[string]string{"STRING": "TEXT", "TIMESTAMP": "INTEGER", "INT64": "INTEGER"}[f.Type]
		want = append(want, f.Name+" "+affinity+notNull)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("columns of the events table vs schema/events.json (-got +want):\n%s", diff)
	}
}

// TestListQueryUsesIndex checks the query plans of /datos queries: each is
// answered from an index in keyset order, without a temporary sort.
func TestListQueryUsesIndex(t *testing.T) {
	t.Parallel()
	s, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		filter flightevents.EventFilter
		index  string
	}{
		{"no_filter", flightevents.EventFilter{}, "events_by_time"},
		{"flight", flightevents.EventFilter{FlightID: "IB3456"}, "events_by_flight"},
		{"status", flightevents.EventFilter{Status: flightevents.StatusCancelled}, "events_by_status"},
		{"flight_after_cursor", flightevents.EventFilter{FlightID: "IB3456", After: &flightevents.Cursor{Timestamp: ts, EventID: "x"}}, "events_by_flight"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := sqlitestore.ExplainList(t.Context(), s, tc.filter.Bounded(ts))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "USING INDEX "+tc.index) && !strings.Contains(plan, "USING COVERING INDEX "+tc.index) {
				t.Errorf("plan %q does not use index %s", plan, tc.index)
			}
			if strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan %q sorts in a temporary b-tree", plan)
			}
		})
	}
}

// benchTableRows is how many events BenchmarkWriteEventsBatched lets a
// store reach before it starts over with an empty one: the insert rate
// falls as the table grows (about 2x from 40k to 200k rows in memory), so
// the figure is for a table growing from 0 to 100k events, whatever b.N.
const benchTableRows = 100_000

// BenchmarkWriteEventsBatched measures the raw batched insert rate of the
// embedded store: new events, one transaction per WriteEvents call, in
// memory (local mode) and in a WAL file. It is the ceiling the subscriber
// path is compared with.
func BenchmarkWriteEventsBatched(b *testing.B) {
	for _, storage := range []string{"memory", "file"} {
		for _, batch := range []int{100, 500} {
			b.Run(fmt.Sprintf("storage=%s/batch=%d", storage, batch), func(b *testing.B) {
				open := func() *sqlitestore.Store {
					dsn := ""
					if storage == "file" {
						dsn = filepath.Join(b.TempDir(), "events.db")
					}
					s, err := sqlitestore.Open(context.Background(), dsn)
					if err != nil {
						b.Fatal(err)
					}
					return s
				}
				s := open()
				defer func() { s.Close() }()
				start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
				events := storetest.Events(batch, start)
				n, rows := 0, 0
				b.ResetTimer()
				for i := range b.N {
					if rows+batch > benchTableRows {
						b.StopTimer()
						s.Close()
						s, rows = open(), 0
						b.StartTimer()
					}
					for j := range events {
						events[j].EventID = fmt.Sprintf("b%d-%d", i, j)
					}
					res, err := s.WriteEvents(context.Background(), events)
					if err != nil {
						b.Fatal(err)
					}
					n += res.Written
					rows += res.Written
				}
				b.StopTimer()
				if n != b.N*batch {
					b.Fatalf("wrote %d events, want %d", n, b.N*batch)
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkListEvents measures /datos-style queries (limit 100, newest
// first) over 100k events of 200 flights spread over 5 days.
func BenchmarkListEvents(b *testing.B) {
	ctx := context.Background()
	s, err := sqlitestore.Open(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const total = 100_000
	end := time.Now().UTC().Truncate(time.Second)
	start := end.Add(-5 * 24 * time.Hour)
	step := (end.Sub(start) / total).Truncate(time.Microsecond)
	events := make([]flightevents.Event, 0, 1000)
	for i := range total {
		events = append(events, flightevents.Event{
			EventID:   fmt.Sprintf("ev-%07d", i),
			FlightID:  fmt.Sprintf("IB%d", 1000+i%200),
			Status:    flightevents.Statuses[i%len(flightevents.Statuses)],
			Timestamp: start.Add(time.Duration(i) * step),
		})
		if len(events) == cap(events) {
			if _, err := s.WriteEvents(ctx, events); err != nil {
				b.Fatal(err)
			}
			events = events[:0]
		}
	}
	cursorPage, err := s.ListEvents(ctx, flightevents.EventFilter{Limit: 100})
	if err != nil || cursorPage.Next == nil {
		b.Fatalf("first page: %v, next %v", err, cursorPage.Next)
	}
	tests := []struct {
		name   string
		filter flightevents.EventFilter
	}{
		{"latest_100", flightevents.EventFilter{Limit: 100}},
		{"flight_100", flightevents.EventFilter{FlightID: "IB1042", Limit: 100}},
		{"status_100", flightevents.EventFilter{Status: flightevents.StatusCancelled, Limit: 100}},
		{"flight_since_1d", flightevents.EventFilter{FlightID: "IB1042", Since: end.Add(-24 * time.Hour), Limit: 100}},
		{"next_page", flightevents.EventFilter{Limit: 100, After: cursorPage.Next}},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.ListEvents(ctx, tc.filter)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Events) == 0 {
					b.Fatal("empty page")
				}
			}
		})
	}
}
