// Package storetest plugs this service's flightevents.EventStore port into
// the platform kit's store test machinery (github.com/acme-platform/
// golden-path/kit): the contract suite every store adapter runs
// (kit/storetest) and the fault-injecting decorator of the resilience tests
// (kit/faultstore). The kit cannot import this module, so this package holds
// the one thin adapter between the domain's types and the kit's, and the
// helpers the adapter tests share over domain types:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) flightevents.EventStore { … })
//	}
//
// The rules of the contract live in the kit and reach this service by a
// version bump. It is not a place for adapter-specific tests (fault
// scenarios, SQL shapes): those stay beside each adapter.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/faultstore"
	contract "github.com/acme-platform/golden-path/kit/storetest"

	flightevents "${{ values.goModule }}"
)

// Option declares a documented limitation of the store under test (see the
// kit's storetest.Option).
type Option = contract.Option

// The limitations a store may declare (documented in the kit).
var (
	DuplicatesCountedPerCall = contract.DuplicatesCountedPerCall
	DedupOnRead              = contract.DedupOnRead
)

// limits are the domain's bounds, as the contract checks them.
var limits = contract.Limits{
	DefaultLimit:  flightevents.DefaultLimit,
	MaxLimit:      flightevents.MaxLimit,
	DefaultWindow: flightevents.DefaultWindow,
	// The contract's "skew" is how far ahead of now an unbounded filter
	// reaches: the domain's DefaultLead (MaxClockSkew only applies when
	// Since is given).
	MaxClockSkew: flightevents.DefaultLead,
}

// Run runs the kit's contract suite. open must return a new, empty store for
// each call and arrange for it to be closed (t.Cleanup); it is called from
// parallel subtests.
func Run(t *testing.T, open func(t *testing.T) flightevents.EventStore, opts ...Option) {
	t.Helper()
	contract.Run(t, contract.Port{
		Open:   func(t *testing.T) contract.Store { return adapter{open(t)} },
		Code:   code,
		Limits: limits,
	}, opts...)
}

// code maps a domain error to the contract's classes.
func code(err error) contract.Code {
	switch flightevents.ErrorCode(err) {
	case flightevents.EINVALID:
		return contract.Invalid
	case flightevents.EUNAVAILABLE:
		return contract.Unavailable
	}
	return contract.Other
}

// FaultStore is the kit's fault-injecting decorator over this service's
// store port; it implements flightevents.EventStore.
type FaultStore = faultstore.Store[flightevents.Event, flightevents.EventFilter, flightevents.EventPage, flightevents.WriteResult]

var _ flightevents.EventStore = (*FaultStore)(nil)

// NewFaultStore returns a FaultStore passing every call to next until a
// fault is set; faulted calls return EUNAVAILABLE. seed makes the latency
// samples reproducible.
func NewFaultStore(next flightevents.EventStore, seed uint64) *FaultStore {
	return faultstore.New[flightevents.Event, flightevents.EventFilter, flightevents.EventPage, flightevents.WriteResult](next, seed,
		func(message string, cause error) error {
			return &flightevents.Error{Code: flightevents.EUNAVAILABLE, Message: message, Err: cause}
		})
}

// Event returns a valid event.
func Event(id, flight string, status flightevents.Status, ts time.Time) flightevents.Event {
	return flightevents.Event{EventID: id, FlightID: flight, Status: status, Timestamp: ts}
}

// Events returns n distinct valid events spread over flights and statuses
// (the kit's storetest.Events, as domain events).
func Events(n int, start time.Time) []flightevents.Event {
	return fromContract(contract.Events(n, start))
}

// NewestFirst sorts events the way ListEvents returns them.
func NewestFirst(events []flightevents.Event) []flightevents.Event {
	return fromContract(contract.NewestFirst(toContract(events)))
}

// ListAll follows the cursors from f to the last page and returns every
// event, checking that pages respect the limit and end with a nil cursor.
func ListAll(t *testing.T, s flightevents.EventStore, f flightevents.EventFilter) []flightevents.Event {
	t.Helper()
	return fromContract(contract.ListAll(t, adapter{s}, toContractFilter(f)))
}

// adapter presents a flightevents.EventStore as the contract's Store.
type adapter struct{ s flightevents.EventStore }

func (a adapter) WriteEvents(ctx context.Context, events []contract.Event) (contract.WriteResult, error) {
	res, err := a.s.WriteEvents(ctx, fromContract(events))
	return contract.WriteResult(res), err
}

func (a adapter) ListEvents(ctx context.Context, f contract.Filter) (contract.Page, error) {
	page, err := a.s.ListEvents(ctx, fromContractFilter(f))
	return contract.Page{Events: toContract(page.Events), Next: (*contract.Cursor)(page.Next)}, err
}

func (a adapter) Ping(ctx context.Context) error { return a.s.Ping(ctx) }

func toContract(events []flightevents.Event) []contract.Event {
	if events == nil {
		return nil
	}
	out := make([]contract.Event, len(events))
	for i, e := range events {
		out[i] = contract.Event{EventID: e.EventID, FlightID: e.FlightID, Status: string(e.Status), Timestamp: e.Timestamp}
	}
	return out
}

func fromContract(events []contract.Event) []flightevents.Event {
	if events == nil {
		return nil
	}
	out := make([]flightevents.Event, len(events))
	for i, e := range events {
		out[i] = flightevents.Event{EventID: e.EventID, FlightID: e.FlightID, Status: flightevents.Status(e.Status), Timestamp: e.Timestamp}
	}
	return out
}

func toContractFilter(f flightevents.EventFilter) contract.Filter {
	return contract.Filter{FlightID: f.FlightID, Status: string(f.Status), Since: f.Since, Until: f.Until, Limit: f.Limit, After: (*contract.Cursor)(f.After)}
}

func fromContractFilter(f contract.Filter) flightevents.EventFilter {
	return flightevents.EventFilter{FlightID: f.FlightID, Status: flightevents.Status(f.Status), Since: f.Since, Until: f.Until, Limit: f.Limit, After: (*flightevents.Cursor)(f.After)}
}
