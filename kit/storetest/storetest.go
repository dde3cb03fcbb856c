// Package storetest is the contract test suite of a flight-event store
// port: the rules every store adapter of a golden-path service promises
// (idempotency on event_id, newest-first order with the event_id tie-break,
// every filter, the since/until bounds and the default window, limits,
// keyset pagination, cancellation, the microsecond UTC round trip of
// timestamps, concurrent writers). Every adapter runs the same suite from
// its own tests, so a fix to the contract reaches every service by a kit
// version bump.
//
// How a service plugs in: the kit cannot import a rendered service's module,
// so the suite speaks its own copy of the port's shapes, Event, Filter,
// Page, Cursor and WriteResult: the flight-event wire contract (event_id,
// flight_id, status, timestamp) that every service stores. The service
// writes one thin adapter from its EventStore to Store (a field-by-field
// conversion), says how its errors map to Invalid and Unavailable and which
// limits it applies (Port), and calls Run:
//
//	storetest.Run(t, storetest.Port{Open: open, Code: code, Limits: limits})
//
// Own types plus an adapter were chosen over type parameters because the
// suite builds events and filters and reads their fields, which a type
// parameter cannot do without a constraint as large as the port itself.
//
// It is not a place for adapter-specific tests (fault injection, SQL
// shapes): those stay beside each adapter, in the service.
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

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The statuses of the flight-event wire contract, in lifecycle order: the
// values the suite's events carry. A service's domain accepts exactly these.
const (
	StatusScheduled = "scheduled"
	StatusOnTime    = "ontime"
	StatusDelayed   = "delayed"
	StatusBoarding  = "boarding"
	StatusDeparted  = "departed"
	StatusLanded    = "landed"
	StatusCancelled = "cancelled"
)

// Statuses lists every status of the wire contract in lifecycle order.
var Statuses = []string{
	StatusScheduled, StatusOnTime, StatusDelayed, StatusBoarding,
	StatusDeparted, StatusLanded, StatusCancelled,
}

// Event is one flight-status change, as the store port stores it.
type Event struct {
	EventID   string
	FlightID  string
	Status    string
	Timestamp time.Time
}

// Cursor is a position in the newest-first order of events.
type Cursor struct {
	Timestamp time.Time
	EventID   string
}

// Filter selects events, newest first; zero fields do not filter (the store
// bounds Since/Until and defaults Limit, see Limits).
type Filter struct {
	FlightID string
	Status   string
	Since    time.Time // inclusive
	Until    time.Time // exclusive
	Limit    int
	After    *Cursor // only events strictly older than the cursor
}

// String implements fmt.Stringer for failure messages.
func (f Filter) String() string {
	return fmt.Sprintf("flight=%q status=%q since=%s until=%s limit=%d", f.FlightID, f.Status, f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339), f.Limit)
}

// Page is one page of events, newest first. Next is nil on the last page.
type Page struct {
	Events []Event
	Next   *Cursor
}

// WriteResult reports what a write stored.
type WriteResult struct {
	Written    int // events stored for the first time
	Duplicates int // events whose EventID was already stored
}

// Store is the store port as the suite sees it; a service adapts its own
// EventStore to it.
type Store interface {
	WriteEvents(ctx context.Context, events []Event) (WriteResult, error)
	ListEvents(ctx context.Context, f Filter) (Page, error)
	Ping(ctx context.Context) error
}

// Code is the class of a store error the contract checks.
type Code int

// The error classes of the contract.
const (
	Other       Code = iota // any other error (or nil)
	Invalid                 // the input can never succeed (a rejected event)
	Unavailable             // the backend is unreachable or the context ended; retrying may succeed
)

func (c Code) String() string {
	return [...]string{"other", "invalid", "unavailable"}[c]
}

// Limits are the store's pagination bounds and default window.
type Limits struct {
	DefaultLimit int // limit of a filter without one
	MaxLimit     int // larger limits are clamped to it
	// DefaultWindow bounds a query without Since: Since defaults to Until
	// minus DefaultWindow minus MaxClockSkew, Until to now plus MaxClockSkew.
	DefaultWindow time.Duration
	MaxClockSkew  time.Duration
}

// Port is what a service gives the suite: how to open an empty store, how
// its errors map to the contract's codes, and its limits.
type Port struct {
	// Open must return a new, empty store for each call and arrange for it
	// to be closed (t.Cleanup); it is called from parallel subtests.
	Open   func(t *testing.T) Store
	Code   func(err error) Code
	Limits Limits
}

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

// Run runs the contract suite on the stores p opens. p must set Open, Code
// and Limits (a MaxLimit of at least DefaultLimit, a DefaultWindow).
func Run(t *testing.T, p Port, opts ...Option) {
	t.Helper()
	if p.Open == nil || p.Code == nil || p.Limits.DefaultLimit <= 0 || p.Limits.MaxLimit < p.Limits.DefaultLimit || p.Limits.DefaultWindow <= 0 {
		t.Fatalf("storetest.Run: incomplete Port (Open set: %t, Code set: %t, Limits %+v)", p.Open != nil, p.Code != nil, p.Limits)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	c := &contract{open: p.Open, code: p.Code, limits: p.Limits, opts: o}
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
	open   func(t *testing.T) Store
	code   func(error) Code
	limits Limits
	opts   options
}

// base is the instant most test events are placed around: fixed, so that
// failures are reproducible, and far from the default window.
var base = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

// window is a filter range that contains every event built from base.
var (
	windowSince = base.Add(-30 * 24 * time.Hour)
	windowUntil = base.Add(30 * 24 * time.Hour)
)

// NewEvent returns a valid event.
func NewEvent(id, flight, status string, ts time.Time) Event {
	return Event{EventID: id, FlightID: flight, Status: status, Timestamp: ts}
}

// Events returns n distinct valid events spread over flights and statuses:
// events 3k and 3k+1 share a timestamp, 3k+2 is one microsecond later, and
// event 3k is k seconds after start.
func Events(n int, start time.Time) []Event {
	flights := []string{"IB3456", "UX1094", "VY7821", "LH1123", "AF1301"}
	out := make([]Event, n)
	for i := range out {
		out[i] = NewEvent(
			fmt.Sprintf("ev-%06d", i),
			flights[i%len(flights)],
			Statuses[(i/len(flights))%len(Statuses)],
			start.Add(time.Duration(i/3)*time.Second+time.Duration(i%3/2)*time.Microsecond),
		)
	}
	return out
}

// NewestFirst sorts events the way ListEvents returns them.
func NewestFirst(events []Event) []Event {
	out := slices.Clone(events)
	slices.SortFunc(out, func(a, b Event) int {
		if c := b.Timestamp.Compare(a.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(b.EventID, a.EventID)
	})
	return out
}

func (c *contract) write(t *testing.T, s Store, events []Event) WriteResult {
	t.Helper()
	res, err := s.WriteEvents(t.Context(), events)
	if err != nil {
		t.Fatalf("WriteEvents(%d events): %v", len(events), err)
	}
	return res
}

func list(t *testing.T, s Store, f Filter) Page {
	t.Helper()
	page, err := s.ListEvents(t.Context(), f)
	if err != nil {
		t.Fatalf("ListEvents(%s): %v", f, err)
	}
	return page
}

// ListAll follows the cursors from f to the last page and returns every
// event, checking that pages respect the limit and end with a nil cursor.
func ListAll(t *testing.T, s Store, f Filter) []Event {
	t.Helper()
	var all []Event
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
		if want := (Cursor{Timestamp: last.Timestamp, EventID: last.EventID}); !page.Next.Timestamp.Equal(want.Timestamp) || page.Next.EventID != want.EventID {
			t.Fatalf("page %d: next cursor %+v, want the last event's %+v", pages, *page.Next, want)
		}
		f.After = page.Next
	}
}

func window(limit int) Filter {
	return Filter{Since: windowSince, Until: windowUntil, Limit: limit}
}

func diffEvents(t *testing.T, what string, got, want []Event) {
	t.Helper()
	if diff := cmp.Diff(got, want, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s (-got +want):\n%s", what, diff)
	}
}

func (c *contract) checkWriteResult(t *testing.T, got WriteResult, batch, written, dupsInBatch, dupsStored int) {
	t.Helper()
	want := WriteResult{Written: written, Duplicates: dupsInBatch + dupsStored}
	if c.opts.duplicatesPerCall {
		// Re-sent events are reported as written: the backend cannot tell.
		want = WriteResult{Written: written + dupsStored, Duplicates: dupsInBatch}
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
	page = list(t, s, Filter{})
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
	if diff := cmp.Diff(res, WriteResult{}); diff != "" {
		t.Errorf("WriteEvents(nil) (-got +want):\n%s", diff)
	}
	diffEvents(t, "events after an empty write", list(t, s, window(10)).Events, nil)
}

func (c *contract) roundTrip(t *testing.T) {
	s := c.open(t)
	madrid := time.FixedZone("CET", 3600)
	in := []Event{
		NewEvent("rt-1", "IB3456", StatusBoarding, time.Date(2026, 3, 14, 10, 0, 0, 123456000, madrid)),
		NewEvent("rt-2", "IB3456", StatusDeparted, time.Date(2026, 3, 14, 9, 30, 0, 1000, time.UTC)),
		NewEvent("rt-3", "UX1094", StatusLanded, time.Date(2026, 3, 14, 11, 59, 59, 999999000, time.FixedZone("EST", -5*3600))),
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
	a := NewEvent("dup-a", "IB3456", StatusBoarding, base)
	b := NewEvent("dup-b", "IB3456", StatusDeparted, base.Add(time.Minute))
	c.checkWriteResult(t, c.write(t, s, []Event{a, b, a, a}), 4, 2, 2, 0)
	diffEvents(t, "events", list(t, s, window(10)).Events, []Event{b, a})
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
	first := NewEvent("same-id", "IB3456", StatusBoarding, base)
	second := NewEvent("same-id", "IB3456", StatusCancelled, base.Add(time.Hour))
	c.write(t, s, []Event{first})
	c.write(t, s, []Event{second})
	got := list(t, s, window(10)).Events
	if c.opts.dedupOnRead == "" {
		diffEvents(t, "events", got, []Event{first})
		return
	}
	// The weaker guarantee of a store that deduplicates identical rows on
	// read only: the second version may be kept too (newest first), but the
	// first is never lost or changed and nothing else appears.
	if !cmp.Equal(got, []Event{first}) && !cmp.Equal(got, []Event{second, first}) {
		t.Errorf("events after a rewrite (dedup on read only: %s) = %+v, want [first] or [second, first]", c.opts.dedupOnRead, got)
	}
}

func (c *contract) invalidEvent(t *testing.T) {
	s := c.open(t)
	good := NewEvent("good", "IB3456", StatusBoarding, base)
	tests := []struct {
		name string
		bad  Event
	}{
		{"unknown_status", NewEvent("bad", "IB3456", "teleported", base)},
		{"missing_event_id", NewEvent("", "IB3456", StatusBoarding, base)},
		{"zero_timestamp", NewEvent("bad", "IB3456", StatusBoarding, time.Time{})},
		{"bad_flight_id", NewEvent("bad", "not a flight", StatusBoarding, base)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.WriteEvents(t.Context(), []Event{good, tc.bad})
			if got := c.code(err); got != Invalid {
				t.Errorf("WriteEvents with %s: error %v has code %q, want %q", tc.name, err, got, Invalid)
			}
		})
	}
	diffEvents(t, "events after rejected batches", list(t, s, window(10)).Events, nil)
}

func (c *contract) ordering(t *testing.T) {
	s := c.open(t)
	in := []Event{
		NewEvent("b", "IB3456", StatusBoarding, base),
		NewEvent("a", "IB3456", StatusBoarding, base),
		NewEvent("c", "IB3456", StatusBoarding, base),
		NewEvent("old", "UX1094", StatusScheduled, base.Add(-time.Microsecond)),
		NewEvent("new", "UX1094", StatusLanded, base.Add(time.Microsecond)),
		NewEvent("z-much-older", "VY7821", StatusDelayed, base.Add(-72*time.Hour)),
	}
	c.write(t, s, in)
	got := list(t, s, window(10)).Events
	want := []Event{in[4], in[2], in[0], in[1], in[3], in[5]}
	diffEvents(t, "events newest first", got, want)
}

func (c *contract) filters(t *testing.T) {
	s := c.open(t)
	all := Events(60, base)
	c.write(t, s, all)
	keep := func(pred func(Event) bool) []Event {
		var out []Event
		for _, e := range NewestFirst(all) {
			if pred(e) {
				out = append(out, e)
			}
		}
		return out
	}
	tests := []struct {
		name   string
		filter Filter
		want   []Event
	}{
		{
			name:   "flight_id",
			filter: Filter{FlightID: "UX1094"},
			want:   keep(func(e Event) bool { return e.FlightID == "UX1094" }),
		},
		{
			name:   "status",
			filter: Filter{Status: StatusDelayed},
			want:   keep(func(e Event) bool { return e.Status == StatusDelayed }),
		},
		{
			name:   "flight_id_and_status",
			filter: Filter{FlightID: "IB3456", Status: StatusScheduled},
			want: keep(func(e Event) bool {
				return e.FlightID == "IB3456" && e.Status == StatusScheduled
			}),
		},
		{
			name:   "unknown_flight",
			filter: Filter{FlightID: "ZZ9999"},
			want:   nil,
		},
		{
			name:   "status_absent_from_data",
			filter: Filter{FlightID: "IB3456", Status: StatusCancelled},
			want: keep(func(e Event) bool {
				return e.FlightID == "IB3456" && e.Status == StatusCancelled
			}),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter
			f.Since, f.Until, f.Limit = windowSince, windowUntil, c.limits.MaxLimit
			diffEvents(t, "events", list(t, s, f).Events, tc.want)
		})
	}
}

func (c *contract) bounds(t *testing.T) {
	s := c.open(t)
	at := func(id string, d time.Duration) Event {
		return NewEvent(id, "IB3456", StatusDelayed, base.Add(d))
	}
	before, since, inside, lastIn, until := at("before", -time.Microsecond), at("since", 0), at("inside", time.Hour), at("last-in", 2*time.Hour-time.Microsecond), at("until", 2*time.Hour)
	c.write(t, s, []Event{before, since, inside, lastIn, until})
	tests := []struct {
		name   string
		filter Filter
		want   []Event
	}{
		{"since_and_until", Filter{Since: base, Until: base.Add(2 * time.Hour)}, []Event{lastIn, inside, since}},
		{"until_only_is_exclusive", Filter{Since: windowSince, Until: base}, []Event{before}},
		{"since_only_is_inclusive", Filter{Since: base.Add(2 * time.Hour), Until: windowUntil}, []Event{until}},
		{"empty_range", Filter{Since: base.Add(time.Minute), Until: base.Add(time.Minute)}, nil},
		{"range_in_another_zone", Filter{Since: base.In(time.FixedZone("JST", 9*3600)), Until: base.Add(time.Hour + time.Microsecond).In(time.FixedZone("PST", -8*3600))}, []Event{inside, since}},
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
	recent := NewEvent("recent", "IB3456", StatusBoarding, now.Add(-time.Hour))
	soon := NewEvent("soon", "IB3456", StatusScheduled, now.Add(c.limits.MaxClockSkew-time.Hour))
	old := NewEvent("old", "IB3456", StatusLanded, now.Add(-c.limits.DefaultWindow-c.limits.MaxClockSkew-time.Hour))
	far := NewEvent("far-future", "IB3456", StatusScheduled, now.Add(c.limits.MaxClockSkew+time.Hour))
	c.write(t, s, []Event{recent, soon, old, far})
	diffEvents(t, "events with a zero filter", list(t, s, Filter{}).Events, []Event{soon, recent})
	diffEvents(t, "events with only until", list(t, s, Filter{Until: now}).Events, []Event{recent})
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
	want := Cursor{Timestamp: all[2].Timestamp, EventID: all[2].EventID}
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
	all := NewestFirst(Events(c.limits.MaxLimit+5, base))
	c.write(t, s, all)
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"zero_means_default", 0, c.limits.DefaultLimit},
		{"negative_means_default", -1, c.limits.DefaultLimit},
		{"above_max_is_clamped", c.limits.MaxLimit * 5, c.limits.MaxLimit},
		{"max", c.limits.MaxLimit, c.limits.MaxLimit},
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
		filter Filter
		pred   func(Event) bool
	}{
		{"page_size_1_one_flight", Filter{FlightID: "VY7821", Limit: 1}, func(e Event) bool { return e.FlightID == "VY7821" }},
		{"page_size_7", Filter{Limit: 7}, func(Event) bool { return true }},
		{"page_size_50_status", Filter{Status: StatusOnTime, Limit: 50}, func(e Event) bool { return e.Status == StatusOnTime }},
		{"page_size_100_bounded", Filter{Since: base.Add(10 * time.Second), Until: base.Add(60 * time.Second), Limit: 10}, func(e Event) bool {
			return !e.Timestamp.Before(base.Add(10*time.Second)) && e.Timestamp.Before(base.Add(60*time.Second))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.filter
			if f.Since.IsZero() {
				f.Since, f.Until = windowSince, windowUntil
			}
			var want []Event
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
	var in []Event
	for _, id := range []string{"e", "a", "c", "b", "d"} {
		in = append(in, NewEvent("same-ts-"+id, "IB3456", StatusBoarding, base))
	}
	c.write(t, s, in)
	ids := func(events []Event) []string {
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
	f.After = &Cursor{Timestamp: base, EventID: "same-ts-bz"}
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
		if got := c.code(err); got != Unavailable {
			t.Errorf("%s with a cancelled context: error %v has code %q, want %q", op, err, got, Unavailable)
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
	diffEvents(t, "events", ListAll(t, s, window(c.limits.MaxLimit)), NewestFirst(all))
}

func (c *contract) concurrentWriters(t *testing.T) {
	s := c.open(t)
	all := Events(200, base)
	const writers = 4
	results := make([]WriteResult, writers)
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
	diffEvents(t, "events", ListAll(t, s, window(c.limits.MaxLimit)), NewestFirst(all[:unique]))
}
