package flightevents

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Pagination bounds of ListEvents.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	// DefaultWindow bounds a query without Since, so that a day-partitioned
	// table is always pruned: Since defaults to Until minus DefaultWindow
	// minus DefaultLead.
	DefaultWindow = 23 * time.Hour
	// DefaultLead is how far ahead of now a query with neither Since nor
	// Until reaches (events may be stamped up to MaxClockSkew ahead; a
	// query with Since alone reaches that far). DefaultWindow plus
	// DefaultLead is 24 hours, so the default range touches at most two
	// day-partitions.
	DefaultLead = time.Hour
)

// EventFilter selects events, newest first. Zero fields do not filter,
// except that Since/Until are always bounded by the store (see Bounded).
type EventFilter struct {
	FlightID string
	Status   Status
	Since    time.Time // inclusive
	Until    time.Time // exclusive
	Limit    int
	// After continues a previous page: only events strictly older than
	// the cursor (timestamp, then event id, descending) are returned.
	After *Cursor
}

// Bounded returns f with its time range and Limit defaulted, so that every
// query bounds the timestamp range:
//
//   - neither Since nor Until: the 24 hours [now-DefaultWindow,
//     now+DefaultLead), at most two day-partitions;
//   - Since alone: Until is now plus MaxClockSkew;
//   - Until alone: Since is Until minus DefaultWindow minus DefaultLead.
//
// Limit defaults to DefaultLimit and is clamped to MaxLimit.
func (f EventFilter) Bounded(now time.Time) EventFilter {
	if f.Until.IsZero() {
		lead := MaxClockSkew
		if f.Since.IsZero() {
			lead = DefaultLead
		}
		f.Until = now.Add(lead).UTC().Truncate(time.Microsecond)
	}
	if f.Since.IsZero() {
		f.Since = f.Until.Add(-DefaultWindow - DefaultLead)
	}
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	if f.Limit > MaxLimit {
		f.Limit = MaxLimit
	}
	return f
}

// EventPage is one page of events, newest first. Next is nil on the last page.
type EventPage struct {
	Events []Event
	Next   *Cursor
}

// Cursor is a position in the newest-first order of events (keyset pagination).
type Cursor struct {
	Timestamp time.Time
	EventID   string
}

// String encodes the cursor as an opaque URL-safe token.
func (c Cursor) String() string {
	raw := strconv.FormatInt(c.Timestamp.UnixMicro(), 10) + ":" + c.EventID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// ParseCursor decodes a token made by Cursor.String. It returns an EINVALID
// *Error for anything else.
func ParseCursor(token string) (Cursor, error) {
	invalid := Errorf(EINVALID, "cursor is not a token returned by this API")
	if token == "" || len(token) > 200 {
		return Cursor{}, invalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return Cursor{}, invalid
	}
	micros, id, ok := strings.Cut(string(raw), ":")
	if !ok || id == "" || len(id) > MaxEventIDLen || !eventIDPattern.MatchString(id) {
		return Cursor{}, invalid
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil || us < minTimestamp.UnixMicro() || us > 1<<53 {
		return Cursor{}, invalid
	}
	return Cursor{Timestamp: time.UnixMicro(us).UTC(), EventID: id}, nil
}

// WriteResult reports what a write stored.
type WriteResult struct {
	Written    int // events stored for the first time
	Duplicates int // events whose EventID was already stored
}

// EventStore persists events and serves queries over them.
type EventStore interface {
	// WriteEvents stores events idempotently on EventID: an event whose id
	// is already stored is counted as a duplicate, never stored twice. The
	// batch is durable when it returns nil. It returns EUNAVAILABLE when the
	// backend is unreachable (the caller should retry) and EINVALID when an
	// event is rejected by the backend.
	WriteEvents(ctx context.Context, events []Event) (WriteResult, error)
	// ListEvents returns events matching f, newest first, at most f.Limit,
	// with a cursor when more remain. It returns EUNAVAILABLE when the
	// backend is unreachable.
	ListEvents(ctx context.Context, f EventFilter) (EventPage, error)
	// Ping reports whether the store can serve requests (EUNAVAILABLE if not).
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// EventPublisher sends events to the ingest topic.
type EventPublisher interface {
	// Publish sends one encoded message with attributes and returns its
	// server id once the broker has accepted it.
	Publish(ctx context.Context, data []byte, attrs map[string]string) (string, error)
}

// String implements fmt.Stringer for logs.
func (f EventFilter) String() string {
	return fmt.Sprintf("flight=%q status=%q since=%s until=%s limit=%d", f.FlightID, f.Status, f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339), f.Limit)
}
