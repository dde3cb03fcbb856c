// Package storetest is the contract test suite of the flightevents.EventStore
// port. Every adapter runs the same suite from its own tests:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) flightevents.EventStore { … })
//	}
//
// The suite covers idempotency on event_id, newest-first order with the
// event_id tie-break, every filter, the since/until bounds, limits, keyset
// pagination, cancellation and the microsecond UTC round trip of timestamps.
// It is not a place for adapter-specific tests (fault injection, SQL
// shapes): those stay beside each adapter.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Option declares a documented limitation of the store under test, so that
// the suite checks what the store can promise instead of skipping silently.
type Option func(*options)

type options struct {
	duplicatesPerCall bool
	dedupOnRead       string
}

// DuplicatesCountedPerCall declares that WriteResult.Duplicates counts only
// duplicates within one WriteEvents call: the backend accepts a re-sent
// event without saying whether it had it (BigQuery streaming inserts). The
// suite then checks Written+Duplicates and the stored events, not the split
// across calls.
func DuplicatesCountedPerCall() Option {
	return func(o *options) { o.duplicatesPerCall = true }
}

// DedupOnRead declares that the backend may keep a re-sent event twice and
// only reads deduplicate identical rows (why: reason), so re-sending an
// event_id with different content may keep both versions: the suite then
// checks that the first is kept unchanged and nothing else appears.
func DedupOnRead(reason string) Option {
	return func(o *options) { o.dedupOnRead = reason }
}

// Run runs the contract suite. open must return a new, empty store for each
// call and arrange for it to be closed (t.Cleanup); it is called from
// parallel subtests.
func Run(t *testing.T, open func(t *testing.T) flightevents.EventStore, opts ...Option) {
	t.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	c := &contract{open: open, opts: o}
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"empty_store_returns_empty_page", c.emptyStore},
		{"ping_succeeds", c.ping},
		{"write_empty_batch_is_a_no_op", c.writeEmpty},
		{"round_trip_keeps_microseconds_in_utc", c.roundTrip},
		{"duplicate_in_one_batch_is_stored_once", c.duplicateInBatch},
		{"duplicate_across_batches_is_stored_once", c.duplicateAcrossBatches},
		{"rewrite_with_other_content_keeps_first", c.rewriteKeepsFirst},
		{"invalid_event_fails_whole_batch", c.invalidEvent},
		{"newest_first_with_event_id_tie_break", c.ordering},
		{"filters", c.filters},
		{"since_inclusive_until_exclusive", c.bounds},
		{"unbounded_filter_defaults_to_recent_window", c.defaultWindow},
		{"limit_returns_newest_and_cursor", c.limit},
		{"limit_equal_to_count_has_no_cursor", c.limitExact},
		{"limit_defaults_and_clamps", c.limitDefaults},
		{"pagination_visits_each_event_once", c.pagination},
		{"cursor_at_equal_timestamps", c.cursorEqualTimestamps},
		{"cancelled_context", c.cancelled},
		{"large_batch_is_written_completely", c.largeBatch},
		{"concurrent_writers", c.concurrentWriters},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

type contract struct {
	open func(t *testing.T) flightevents.EventStore
	opts options
}

// base is the instant most test events are placed around: fixed, so that
// failures are reproducible, and far from the default window.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

// window is a filter range that contains every event built from base.
var (
	windowSince = base.Add(-30 * 24 * time.Hour)
	windowUntil = base.Add(30 * 24 * time.Hour)
)

// Event returns a valid event. Exported for adapter tests and benchmarks.
func Event(id, flight string, status flightevents.Status, ts time.Time) flightevents.Event {
	return flightevents.Event{EventID: id, FlightID: flight, Status: status, Timestamp: ts}
}

// Events returns n distinct valid events spread over flights and statuses:
// events 3k and 3k+1 share a timestamp, 3k+2 is one microsecond later, and
// event 3k is k seconds after start.
func Events(n int, start time.Time) []flightevents.Event {
	flights := []string{"IB3456", "UX1094", "VY7821", "LH1123", "AF1301"}
	out := make([]flightevents.Event, n)
	for i := range out {
		out[i] = Event(
			fmt.Sprintf("ev-%06d", i),
			flights[i%len(flights)],
			flightevents.Statuses[(i/len(flights))%len(flightevents.Statuses)],
			start.Add(time.Duration(i/3)*time.Second+time.Duration(i%3/2)*time.Microsecond),
		)
	}
	return out
}

// NewestFirst sorts events the way ListEvents returns them.
func NewestFirst(events []flightevents.Event) []flightevents.Event {
	out := slices.Clone(events)
	slices.SortFunc(out, func(a, b flightevents.Event) int {
		if c := b.Timestamp.Compare(a.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(b.EventID, a.EventID)
	})
	return out
}

func (c *contract) write(t *testing.T, s flightevents.EventStore, events []flightevents.Event) flightevents.WriteResult {
	t.Helper()
	res, err := s.WriteEvents(t.Context(), events)
	if err != nil {
		t.Fatalf("WriteEvents(%d events): %v", len(events), err)
	}
	return res
}

func list(t *testing.T, s flightevents.EventStore, f flightevents.EventFilter) flightevents.EventPage {
	t.Helper()
	page, err := s.ListEvents(t.Context(), f)
	if err != nil {
		t.Fatalf("ListEvents(%s): %v", f, err)
	}
	return page
}

// ListAll follows the cursors from f to the last page and returns every
// event, checking that pages respect the limit and end with a nil cursor.
func ListAll(t *testing.T, s flightevents.EventStore, f flightevents.EventFilter) []flightevents.Event {
	t.Helper()
	var all []flightevents.Event
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("ListAll(%s): more than 10000 pages, the cursor does not advance", f)
		}
		page := list(t, s, f)
		if f.Limit > 0 && len(page.Events) > f.Limit {
			t.Fatalf("page %d has %d events, limit %d", pages, len(page.Events), f.Limit)
		}
		all = append(all, page.Events...)
		if page.Next == nil {
			return all
		}
		if len(page.Events) == 0 {
			t.Fatalf("page %d is empty but has a next cursor %+v", pages, *page.Next)
		}
		last := page.Events[len(page.Events)-1]
		if want := (flightevents.Cursor{Timestamp: last.Timestamp, EventID: last.EventID}); !page.Next.Timestamp.Equal(want.Timestamp) || page.Next.EventID != want.EventID {
			t.Fatalf("page %d: next cursor %+v, want the last event's %+v", pages, *page.Next, want)
		}
		f.After = page.Next
	}
}

func window(limit int) flightevents.EventFilter {
	return flightevents.EventFilter{Since: windowSince, Until: windowUntil, Limit: limit}
}

func diffEvents(t *testing.T, what string, got, want []flightevents.Event) {
	t.Helper()
	if diff := cmp.Diff(got, want, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s (-got +want):\n%s", what, diff)
	}
}

func (c *contract) checkWriteResult(t *testing.T, got flightevents.WriteResult, batch, written, dupsInBatch, dupsStored int) {
	t.Helper()
	want := flightevents.WriteResult{Written: written, Duplicates: dupsInBatch + dupsStored}
	if c.opts.duplicatesPerCall {
		// Re-sent events are reported as written: the backend cannot tell.
		want = flightevents.WriteResult{Written: written + dupsStored, Duplicates: dupsInBatch}
	}
	if got.Written+got.Duplicates != batch {
		t.Errorf("WriteResult %+v: Written+Duplicates = %d, want the batch size %d", got, got.Written+got.Duplicates, batch)
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("WriteResult (-got +want):\n%s", diff)
	}
}

func (c *contract) emptyStore(t *testing.T) {
	s := c.open(t)
	page := list(t, s, window(10))
	diffEvents(t, "events of an empty store", page.Events, nil)
	if page.Next != nil {
		t.Errorf("next cursor of an empty store = %+v, want nil", *page.Next)
	}
	page = list(t, s, flightevents.EventFilter{})
	diffEvents(t, "events of an empty store with a zero filter", page.Events, nil)
}

func (c *contract) ping(t *testing.T) {
	s := c.open(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping() = %v, want nil", err)
	}
}

func (c *contract) writeEmpty(t *testing.T) {
	s := c.open(t)
	res := c.write(t, s, nil)
	if diff := cmp.Diff(res, flightevents.WriteResult{}); diff != "" {
		t.Errorf("WriteEvents(nil) (-got +want):\n%s", diff)
	}
	diffEvents(t, "events after an empty write", list(t, s, window(10)).Events, nil)
}

func (c *contract) roundTrip(t *testing.T) {
	s := c.open(t)
	madrid := time.FixedZone("CET", 3600)
	in := []flightevents.Event{
		Event("rt-1", "IB3456", flightevents.StatusBoarding, time.Date(2026, 3, 14, 10, 0, 0, 123456000, madrid)),
		Event("rt-2", "IB3456", flightevents.StatusDeparted, time.Date(2026, 3, 14, 9, 30, 0, 1000, time.UTC)),
		Event("rt-3", "UX1094", flightevents.StatusLanded, time.Date(2026, 3, 14, 11, 59, 59, 999999000, time.FixedZone("EST", -5*3600))),
	}
	c.checkWriteResult(t, c.write(t, s, in), 3, 3, 0, 0)
	got := list(t, s, window(10)).Events
	diffEvents(t, "events", got, NewestFirst(in))
	for _, e := range got {
		if e.Timestamp.Location() != time.UTC {
			t.Errorf("event %s: timestamp %s is in %s, want UTC", e.EventID, e.Timestamp, e.Timestamp.Location())
		}
		if e.Timestamp.Nanosecond()%1000 != 0 {
			t.Errorf("event %s: timestamp %s has sub-microsecond digits", e.EventID, e.Timestamp)
		}
	}
}

func (c *contract) duplicateInBatch(t *testing.T) {
	s := c.open(t)
	a := Event("dup-a", "IB3456", flightevents.StatusBoarding, base)
	b := Event("dup-b", "IB3456", flightevents.StatusDeparted, base.Add(time.Minute))
	c.checkWriteResult(t, c.write(t, s, []flightevents.Event{a, b, a, a}), 4, 2, 2, 0)
	diffEvents(t, "events", list(t, s, window(10)).Events, []flightevents.Event{b, a})
}

func (c *contract) duplicateAcrossBatches(t *testing.T) {
	s := c.open(t)
	ev := Events(3, base)
	c.checkWriteResult(t, c.write(t, s, ev[:2]), 2, 2, 0, 0)
	c.checkWriteResult(t, c.write(t, s, ev[1:]), 2, 1, 0, 1)
	c.checkWriteResult(t, c.write(t, s, ev), 3, 0, 0, 3)
	diffEvents(t, "events", list(t, s, window(10)).Events, NewestFirst(ev))
}

func (c *contract) rewriteKeepsFirst(t *testing.T) {
	s := c.open(t)
	first := Event("same-id", "IB3456", flightevents.StatusBoarding, base)
	second := Event("same-id", "IB3456", flightevents.StatusCancelled, base.Add(time.Hour))
	c.write(t, s, []flightevents.Event{first})
	c.write(t, s, []flightevents.Event{second})
	got := list(t, s, window(10)).Events
	if c.opts.dedupOnRead == "" {
		diffEvents(t, "events", got, []flightevents.Event{first})
		return
	}
	// The weaker guarantee of a store that deduplicates identical rows on
	// read only: the second version may be kept too (newest first), but the
	// first is never lost or changed and nothing else appears.
	if !cmp.Equal(got, []flightevents.Event{first}) && !cmp.Equal(got, []flightevents.Event{second, first}) {
		t.Errorf("events after a rewrite (dedup on read only: %s) = %+v, want [first] or [second, first]", c.opts.dedupOnRead, got)
	}
}

func (c *contract) invalidEvent(t *testing.T) {
	s := c.open(t)
	good := Event("good", "IB3456", flightevents.StatusBoarding, base)
	tests := []struct {
		name string
		bad  flightevents.Event
	}{
		{"unknown_status", Event("bad", "IB3456", "teleported", base)},
		{"missing_event_id", Event("", "IB3456", flightevents.StatusBoarding, base)},
		{"zero_timestamp", Event("bad", "IB3456", flightevents.StatusBoarding, time.Time{})},
		{"bad_flight_id", Event("bad", "not a flight", flightevents.StatusBoarding, base)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.WriteEvents(t.Context(), []flightevents.Event{good, tc.bad})
			if got := flightevents.ErrorCode(err); got != flightevents.EINVALID {
				t.Errorf("WriteEvents with %s: error %v has code %q, want %q", tc.name, err, got, flightevents.EINVALID)
			}
		})
	}
	diffEvents(t, "events after rejected batches", list(t, s, window(10)).Events, nil)
}

func (c *contract) ordering(t *testing.T) {
	s := c.open(t)
	in := []flightevents.Event{
		Event("b", "IB3456", flightevents.StatusBoarding, base),
		Event("a", "IB3456", flightevents.StatusBoarding, base),
		Event("c", "IB3456", flightevents.StatusBoarding, base),
		Event("old", "UX1094", flightevents.StatusScheduled, base.Add(-time.Microsecond)),
		Event("new", "UX1094", flightevents.StatusLanded, base.Add(time.Microsecond)),
		Event("z-much-older", "VY7821", flightevents.StatusDelayed, base.Add(-72*time.Hour)),
	}
	c.write(t, s, in)
	got := list(t, s, window(10)).Events
	want := []flightevents.Event{in[4], in[2], in[0], in[1], in[3], in[5]}
	diffEvents(t, "events newest first", got, want)
}

func (c *contract) filters(t *testing.T) {
	s := c.open(t)
	all := Events(60, base)
	c.write(t, s, all)
	keep := func(pred func(flightevents.Event) bool) []flightevents.Event {
		var out []flightevents.Event
		for _, e := range NewestFirst(all) {
			if pred(e) {
				out = append(out, e)
			}
		}
		return out
	}
	tests := []struct {
		name   string
		filter flightevents.EventFilter
		want   []flightevents.Event
	}{
		{
			name:   "flight_id",
			filter: flightevents.EventFilter{FlightID: "UX1094"},
			want:   keep(func(e flightevents.Event) bool { return e.FlightID == "UX1094" }),
		},
		{
			name:   "status",
			filter: flightevents.EventFilter{Status: flightevents.StatusDelayed},
			want:   keep(func(e flightevents.Event) bool { return e.Status == flightevents.StatusDelayed }),
		},
		{
			name:   "flight_id_and_status",
			filter: flightevents.EventFilter{FlightID: "IB3456", Status: flightevents.StatusScheduled},
			want: keep(func(e flightevents.Event) bool {
				return e.FlightID == "IB3456" && e.Status == flightevents.StatusScheduled
			}),
		},
		{
			name:   "unknown_flight",
			filter: flightevents.EventFilter{FlightID: "ZZ9999"},
			want:   nil,
		},
		{
			name:   "status_absent_from_data",
			filter: flightevents.EventFilter{FlightID: "IB3456", Status: flightevents.StatusCancelled},
			want: keep(func(e flightevents.Event) bool {
				return e.FlightID == "IB3456" && e.Status == flightevents.StatusCancelled
			}),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter
			f.Since, f.Until, f.Limit = windowSince, windowUntil, flightevents.MaxLimit
			diffEvents(t, "events", list(t, s, f).Events, tc.want)
		})
	}
}

func (c *contract) bounds(t *testing.T) {
	s := c.open(t)
	at := func(id string, d time.Duration) flightevents.Event {
		return Event(id, "IB3456", flightevents.StatusDelayed, base.Add(d))
	}
	before, since, inside, lastIn, until := at("before", -time.Microsecond), at("since", 0), at("inside", time.Hour), at("last-in", 2*time.Hour-time.Microsecond), at("until", 2*time.Hour)
	c.write(t, s, []flightevents.Event{before, since, inside, lastIn, until})
	tests := []struct {
		name   string
		filter flightevents.EventFilter
		want   []flightevents.Event
	}{
		{"since_and_until", flightevents.EventFilter{Since: base, Until: base.Add(2 * time.Hour)}, []flightevents.Event{lastIn, inside, since}},
		{"until_only_is_exclusive", flightevents.EventFilter{Since: windowSince, Until: base}, []flightevents.Event{before}},
		{"since_only_is_inclusive", flightevents.EventFilter{Since: base.Add(2 * time.Hour), Until: windowUntil}, []flightevents.Event{until}},
		{"empty_range", flightevents.EventFilter{Since: base.Add(time.Minute), Until: base.Add(time.Minute)}, nil},
		{"range_in_another_zone", flightevents.EventFilter{Since: base.In(time.FixedZone("JST", 9*3600)), Until: base.Add(time.Hour + time.Microsecond).In(time.FixedZone("PST", -8*3600))}, []flightevents.Event{inside, since}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diffEvents(t, "events", list(t, s, tc.filter).Events, tc.want)
		})
	}
}

func (c *contract) defaultWindow(t *testing.T) {
	s := c.open(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	recent := Event("recent", "IB3456", flightevents.StatusBoarding, now.Add(-time.Hour))
	soon := Event("soon", "IB3456", flightevents.StatusScheduled, now.Add(flightevents.MaxClockSkew-time.Hour))
	old := Event("old", "IB3456", flightevents.StatusLanded, now.Add(-flightevents.DefaultWindow-flightevents.MaxClockSkew-time.Hour))
	far := Event("far-future", "IB3456", flightevents.StatusScheduled, now.Add(flightevents.MaxClockSkew+time.Hour))
	c.write(t, s, []flightevents.Event{recent, soon, old, far})
	diffEvents(t, "events with a zero filter", list(t, s, flightevents.EventFilter{}).Events, []flightevents.Event{soon, recent})
	diffEvents(t, "events with only until", list(t, s, flightevents.EventFilter{Until: now}).Events, []flightevents.Event{recent})
}

func (c *contract) limit(t *testing.T) {
	s := c.open(t)
	all := NewestFirst(Events(10, base))
	c.write(t, s, all)
	page := list(t, s, window(3))
	diffEvents(t, "first page", page.Events, all[:3])
	if page.Next == nil {
		t.Fatal("next cursor = nil, want one (7 events remain)")
	}
	want := flightevents.Cursor{Timestamp: all[2].Timestamp, EventID: all[2].EventID}
	if !page.Next.Timestamp.Equal(want.Timestamp) || page.Next.EventID != want.EventID {
		t.Errorf("next cursor = %+v, want %+v", *page.Next, want)
	}
}

func (c *contract) limitExact(t *testing.T) {
	s := c.open(t)
	all := NewestFirst(Events(10, base))
	c.write(t, s, all)
	page := list(t, s, window(10))
	diffEvents(t, "page", page.Events, all)
	if page.Next != nil {
		t.Errorf("next cursor = %+v, want nil when the page holds the last event", *page.Next)
	}
}

func (c *contract) limitDefaults(t *testing.T) {
	s := c.open(t)
	all := NewestFirst(Events(flightevents.MaxLimit+5, base))
	c.write(t, s, all)
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"zero_means_default", 0, flightevents.DefaultLimit},
		{"negative_means_default", -1, flightevents.DefaultLimit},
		{"above_max_is_clamped", flightevents.MaxLimit * 5, flightevents.MaxLimit},
		{"max", flightevents.MaxLimit, flightevents.MaxLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := list(t, s, window(tc.limit))
			diffEvents(t, "page", page.Events, all[:tc.want])
			if page.Next == nil {
				t.Error("next cursor = nil, want one")
			}
		})
	}
}

func (c *contract) pagination(t *testing.T) {
	s := c.open(t)
	all := Events(237, base)
	c.write(t, s, all)
	tests := []struct {
		name   string
		filter flightevents.EventFilter
		pred   func(flightevents.Event) bool
	}{
		{"page_size_1_one_flight", flightevents.EventFilter{FlightID: "VY7821", Limit: 1}, func(e flightevents.Event) bool { return e.FlightID == "VY7821" }},
		{"page_size_7", flightevents.EventFilter{Limit: 7}, func(flightevents.Event) bool { return true }},
		{"page_size_50_status", flightevents.EventFilter{Status: flightevents.StatusOnTime, Limit: 50}, func(e flightevents.Event) bool { return e.Status == flightevents.StatusOnTime }},
		{"page_size_100_bounded", flightevents.EventFilter{Since: base.Add(10 * time.Second), Until: base.Add(60 * time.Second), Limit: 10}, func(e flightevents.Event) bool {
			return !e.Timestamp.Before(base.Add(10*time.Second)) && e.Timestamp.Before(base.Add(60*time.Second))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter
			if f.Since.IsZero() {
				f.Since, f.Until = windowSince, windowUntil
			}
			var want []flightevents.Event
			for _, e := range NewestFirst(all) {
				if tc.pred(e) {
					want = append(want, e)
				}
			}
			if len(want) < 3 {
				t.Fatalf("test data gives only %d events for %s", len(want), tc.name)
			}
			diffEvents(t, "events over all pages", ListAll(t, s, f), want)
		})
	}
}

func (c *contract) cursorEqualTimestamps(t *testing.T) {
	s := c.open(t)
	var in []flightevents.Event
	for _, id := range []string{"e", "a", "c", "b", "d"} {
		in = append(in, Event("same-ts-"+id, "IB3456", flightevents.StatusBoarding, base))
	}
	c.write(t, s, in)
	ids := func(events []flightevents.Event) []string {
		var out []string
		for _, e := range events {
			out = append(out, strings.TrimPrefix(e.EventID, "same-ts-"))
		}
		return out
	}
	f := window(2)
	var pages [][]string
	for range 5 {
		page := list(t, s, f)
		pages = append(pages, ids(page.Events))
		if page.Next == nil {
			break
		}
		f.After = page.Next
	}
	if diff := cmp.Diff(pages, [][]string{{"e", "d"}, {"c", "b"}, {"a"}}); diff != "" {
		t.Errorf("pages of event ids (-got +want):\n%s", diff)
	}
	// A cursor between two events of the same instant.
	f = window(10)
	f.After = &flightevents.Cursor{Timestamp: base, EventID: "same-ts-bz"}
	if diff := cmp.Diff(ids(list(t, s, f).Events), []string{"b", "a"}); diff != "" {
		t.Errorf("events after cursor (base, same-ts-bz) (-got +want):\n%s", diff)
	}
}

func (c *contract) cancelled(t *testing.T) {
	s := c.open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ev := Events(5, base)
	check := func(op string, err error) {
		t.Helper()
		if got := flightevents.ErrorCode(err); got != flightevents.EUNAVAILABLE {
			t.Errorf("%s with a cancelled context: error %v has code %q, want %q", op, err, got, flightevents.EUNAVAILABLE)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: error %v does not match context.Canceled", op, err)
		}
	}
	_, err := s.WriteEvents(ctx, ev)
	check("WriteEvents", err)
	_, err = s.ListEvents(ctx, window(10))
	check("ListEvents", err)
	check("Ping", s.Ping(ctx))
	diffEvents(t, "events after a cancelled write", list(t, s, window(10)).Events, nil)
}

func (c *contract) largeBatch(t *testing.T) {
	s := c.open(t)
	all := Events(1234, base)
	c.checkWriteResult(t, c.write(t, s, all), len(all), len(all), 0, 0)
	diffEvents(t, "events", ListAll(t, s, window(flightevents.MaxLimit)), NewestFirst(all))
}

func (c *contract) concurrentWriters(t *testing.T) {
	s := c.open(t)
	all := Events(200, base)
	const writers = 4
	results := make([]flightevents.WriteResult, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			// Overlapping slices: writer w writes events [40w, 40w+80).
			results[w], errs[w] = s.WriteEvents(t.Context(), all[40*w:40*w+80])
		})
	}
	wg.Wait()
	written := 0
	for w := range writers {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v", w, errs[w])
		}
		if results[w].Written+results[w].Duplicates != 80 {
			t.Errorf("writer %d: WriteResult %+v does not add up to 80", w, results[w])
		}
		written += results[w].Written
	}
	unique := 40*(writers-1) + 80
	if !c.opts.duplicatesPerCall && written != unique {
		t.Errorf("sum of Written = %d, want %d unique events", written, unique)
	}
	diffEvents(t, "events", ListAll(t, s, window(flightevents.MaxLimit)), NewestFirst(all[:unique]))
}
