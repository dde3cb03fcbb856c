package httpapi_test

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
)

// newStore returns an empty event store for a test.
// TODO(sqlitestore): switch to sqlitestore.Open(ctx, "") once it lands.
func newStore(t *testing.T) flightevents.EventStore {
	t.Helper()
	s := &memStore{}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// memStore is a minimal in-memory EventStore used until the embedded
// SQLite store lands.
type memStore struct {
	mu     sync.Mutex
	events []flightevents.Event
	closed bool
}

func (s *memStore) WriteEvents(_ context.Context, events []flightevents.Event) (flightevents.WriteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res flightevents.WriteResult
	for _, e := range events {
		if slices.ContainsFunc(s.events, func(x flightevents.Event) bool { return x.EventID == e.EventID }) {
			res.Duplicates++
			continue
		}
		s.events = append(s.events, e)
		res.Written++
	}
	return res, nil
}

func (s *memStore) ListEvents(ctx context.Context, f flightevents.EventFilter) (flightevents.EventPage, error) {
	if err := s.Ping(ctx); err != nil {
		return flightevents.EventPage{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f = f.Bounded(time.Now())
	var match []flightevents.Event
	for _, e := range s.events {
		switch {
		case f.FlightID != "" && e.FlightID != f.FlightID,
			f.Status != "" && e.Status != f.Status,
			e.Timestamp.Before(f.Since), !e.Timestamp.Before(f.Until):
			continue
		case f.After != nil && (e.Timestamp.After(f.After.Timestamp) || e.Timestamp.Equal(f.After.Timestamp) && e.EventID >= f.After.EventID):
			continue
		}
		match = append(match, e)
	}
	slices.SortFunc(match, func(a, b flightevents.Event) int {
		return cmp.Or(b.Timestamp.Compare(a.Timestamp), cmp.Compare(b.EventID, a.EventID))
	})
	page := flightevents.EventPage{Events: match[:min(f.Limit, len(match))]}
	if len(match) > f.Limit {
		last := page.Events[len(page.Events)-1]
		page.Next = &flightevents.Cursor{Timestamp: last.Timestamp, EventID: last.EventID}
	}
	return page, nil
}

func (s *memStore) Ping(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return flightevents.Errorf(flightevents.EUNAVAILABLE, "event store is closed")
	}
	return nil
}

func (s *memStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
