package storetest_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/storetest"
)

// The golden-path service's limits.
var limits = storetest.Limits{DefaultLimit: 100, MaxLimit: 1000, DefaultWindow: 7 * 24 * time.Hour, MaxClockSkew: 24 * time.Hour}

var (
	errInvalid     = errors.New("invalid event")
	errUnavailable = errors.New("unavailable")
	flightPattern  = regexp.MustCompile(`^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$`)
)

// memStore is the smallest store that keeps the contract: a slice under a
// mutex. It lets the kit run its own suite without a service.
type memStore struct {
	mu     sync.Mutex
	events map[string]storetest.Event
}

func valid(e storetest.Event) bool {
	return e.EventID != "" && flightPattern.MatchString(e.FlightID) && slices.Contains(storetest.Statuses, e.Status) && !e.Timestamp.IsZero()
}

func (m *memStore) WriteEvents(ctx context.Context, events []storetest.Event) (storetest.WriteResult, error) {
	if err := ctx.Err(); err != nil {
		return storetest.WriteResult{}, errors.Join(errUnavailable, err)
	}
	for _, e := range events {
		if !valid(e) {
			return storetest.WriteResult{}, errInvalid
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var res storetest.WriteResult
	for _, e := range events {
		if _, ok := m.events[e.EventID]; ok {
			res.Duplicates++
			continue
		}
		e.Timestamp = e.Timestamp.UTC().Truncate(time.Microsecond)
		m.events[e.EventID] = e
		res.Written++
	}
	return res, nil
}

func (m *memStore) ListEvents(ctx context.Context, f storetest.Filter) (storetest.Page, error) {
	if err := ctx.Err(); err != nil {
		return storetest.Page{}, errors.Join(errUnavailable, err)
	}
	if f.Until.IsZero() {
		f.Until = time.Now().Add(limits.MaxClockSkew)
	}
	if f.Since.IsZero() {
		f.Since = f.Until.Add(-limits.DefaultWindow - limits.MaxClockSkew)
	}
	if f.Limit <= 0 {
		f.Limit = limits.DefaultLimit
	}
	f.Limit = min(f.Limit, limits.MaxLimit)
	m.mu.Lock()
	var match []storetest.Event
	for _, e := range m.events {
		if (f.FlightID == "" || e.FlightID == f.FlightID) && (f.Status == "" || e.Status == f.Status) &&
			!e.Timestamp.Before(f.Since) && e.Timestamp.Before(f.Until) &&
			(f.After == nil || e.Timestamp.Before(f.After.Timestamp) || (e.Timestamp.Equal(f.After.Timestamp) && e.EventID < f.After.EventID)) {
			match = append(match, e)
		}
	}
	m.mu.Unlock()
	match = storetest.NewestFirst(match)
	if len(match) <= f.Limit {
		return storetest.Page{Events: match}, nil
	}
	last := match[f.Limit-1]
	return storetest.Page{Events: match[:f.Limit], Next: &storetest.Cursor{Timestamp: last.Timestamp, EventID: last.EventID}}, nil
}

func (m *memStore) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return errors.Join(errUnavailable, err)
	}
	return nil
}

func code(err error) storetest.Code {
	switch {
	case errors.Is(err, errInvalid):
		return storetest.Invalid
	case errors.Is(err, errUnavailable):
		return storetest.Unavailable
	}
	return storetest.Other
}

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Port{
		Open:   func(*testing.T) storetest.Store { return &memStore{events: map[string]storetest.Event{}} },
		Code:   code,
		Limits: limits,
	})
}

func TestEventsAreValidAndDistinct(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	events := storetest.Events(30, base)
	ids := map[string]bool{}
	for i, e := range events {
		if !valid(e) {
			t.Errorf("event %d = %+v is not valid", i, e)
		}
		if ids[e.EventID] {
			t.Errorf("event %d repeats id %s", i, e.EventID)
		}
		ids[e.EventID] = true
	}
	// 3k and 3k+1 share a timestamp; 3k+2 is one microsecond later; 3k is k seconds after base.
	if !events[3].Timestamp.Equal(events[4].Timestamp) || events[5].Timestamp.Sub(events[4].Timestamp) != time.Microsecond || events[3].Timestamp.Sub(base) != time.Second {
		t.Errorf("timestamps of events 3..5 = %s %s %s, want base+1s twice then one microsecond later", events[3].Timestamp, events[4].Timestamp, events[5].Timestamp)
	}
	if got := strings.Join(storetest.Statuses, ","); got != "scheduled,ontime,delayed,boarding,departed,landed,cancelled" {
		t.Errorf("Statuses = %s", got)
	}
}
