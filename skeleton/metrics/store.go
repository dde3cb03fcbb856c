package metrics

import (
	"context"
	"time"

	flightevents "${{ values.goModule }}"
)

// InstrumentStore returns store with every call timed and every failure
// counted by operation and domain error code
// (flightevents_store_operation_duration_seconds,
// flightevents_store_errors_total). With a nil m it returns store itself.
//
// Wrap the outermost store the service uses, so that the decorators
// below it (such as BigQuery's cost report) are measured too.
func InstrumentStore(store flightevents.EventStore, m *Metrics) flightevents.EventStore {
	if m == nil {
		return store
	}
	return &instrumentedStore{store: store, m: m}
}

type instrumentedStore struct {
	store flightevents.EventStore
	m     *Metrics
}

func (s *instrumentedStore) WriteEvents(ctx context.Context, events []flightevents.Event) (flightevents.WriteResult, error) {
	start := time.Now()
	res, err := s.store.WriteEvents(ctx, events)
	s.m.StoreCall(OpWrite, time.Since(start), err)
	return res, err
}

func (s *instrumentedStore) ListEvents(ctx context.Context, f flightevents.EventFilter) (flightevents.EventPage, error) {
	start := time.Now()
	page, err := s.store.ListEvents(ctx, f)
	s.m.StoreCall(OpList, time.Since(start), err)
	return page, err
}

func (s *instrumentedStore) Ping(ctx context.Context) error {
	start := time.Now()
	err := s.store.Ping(ctx)
	s.m.StoreCall(OpPing, time.Since(start), err)
	return err
}

func (s *instrumentedStore) Close() error { return s.store.Close() }
