// Package faultstore is a flightevents.EventStore decorator that injects
// faults on command, for resilience tests: it makes chosen operations fail
// with EUNAVAILABLE, slow down by a configurable latency distribution, or
// hang until their context is done. The fault can be switched at any time
// from any goroutine while the store is in use.
//
// It is not for production wiring: nothing in cmd/ uses it. It holds no
// data of its own; every call that is not failed or hung reaches the
// wrapped store.
package faultstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	flightevents "${{ values.goModule }}"
)

// Op is a set of store operations a fault applies to.
type Op uint8

// The operations of flightevents.EventStore a fault can target.
const (
	OpWrite Op = 1 << iota // WriteEvents
	OpList                 // ListEvents
	OpPing                 // Ping
	// AllOps is every operation (Close is never faulted).
	AllOps = OpWrite | OpList | OpPing
)

func (o Op) String() string {
	switch o {
	case OpWrite:
		return "write"
	case OpList:
		return "list"
	case OpPing:
		return "ping"
	}
	return fmt.Sprintf("ops(%d)", uint8(o))
}

// Mode is what a fault does to the operations it targets.
type Mode int

// The fault modes.
const (
	None Mode = iota // pass every call through
	Fail             // return EUNAVAILABLE at once, without calling the store
	Slow             // wait a sampled latency, then call the store
	Hang             // block until the context is done (or the fault changes)
)

func (m Mode) String() string {
	return [...]string{"none", "fail", "slow", "hang"}[m]
}

// Latency is a latency distribution: Base plus a uniform jitter in
// [0, Jitter); with probability TailFraction the sample is Tail instead.
// For example {Base: 50ms, Jitter: 100ms, Tail: 2s, TailFraction: 0.02}
// has a median near 100 ms and a p99 of 2 s.
type Latency struct {
	Base         time.Duration
	Jitter       time.Duration
	Tail         time.Duration
	TailFraction float64
}

// sample draws one latency from l with rng.
func (l Latency) sample(rng *rand.Rand) time.Duration {
	if l.TailFraction > 0 && rng.Float64() < l.TailFraction {
		return l.Tail
	}
	d := l.Base
	if l.Jitter > 0 {
		d += time.Duration(rng.Int64N(int64(l.Jitter)))
	}
	return d
}

// Fault is the behaviour the store applies to the operations in Ops.
// Operations outside Ops pass through.
type Fault struct {
	Mode    Mode
	Ops     Op
	Latency Latency // for Slow
}

// Counts are the calls a Store saw, per outcome.
type Counts struct {
	Calls   int64 // every call of WriteEvents, ListEvents and Ping
	Failed  int64 // calls failed by a Fail fault
	Slowed  int64 // calls delayed by a Slow fault
	Hung    int64 // calls blocked by a Hang fault
	Timeout int64 // slowed or hung calls whose context ended first
}

// Store wraps an EventStore with a switchable fault. It is safe for
// concurrent use; Set takes effect for calls that start after it, and
// releases calls hung by the previous fault (they then proceed normally).
type Store struct {
	next flightevents.EventStore

	mu      sync.Mutex
	fault   Fault
	changed chan struct{} // closed and replaced by every Set
	rng     *rand.Rand

	calls, failed, slowed, hung, timeout atomic.Int64
}

var _ flightevents.EventStore = (*Store)(nil)

// New returns a Store passing every call to next until a fault is set.
// seed makes the latency samples reproducible.
func New(next flightevents.EventStore, seed uint64) *Store {
	return &Store{next: next, changed: make(chan struct{}), rng: rand.New(rand.NewPCG(seed, seed^0x5bd1e995))}
}

// Set replaces the current fault.
func (s *Store) Set(f Fault) {
	s.mu.Lock()
	s.fault = f
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Clear removes the fault: every call passes through again.
func (s *Store) Clear() { s.Set(Fault{}) }

// Current returns the fault in force.
func (s *Store) Current() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

// Counts returns a snapshot of the call counters.
func (s *Store) Counts() Counts {
	return Counts{Calls: s.calls.Load(), Failed: s.failed.Load(), Slowed: s.slowed.Load(), Hung: s.hung.Load(), Timeout: s.timeout.Load()}
}

// inject applies the fault in force to one call of op. A nil return lets
// the call through to the wrapped store.
func (s *Store) inject(ctx context.Context, op Op) error {
	s.calls.Add(1)
	s.mu.Lock()
	f, changed := s.fault, s.changed
	var delay time.Duration
	if f.Mode == Slow && f.Ops&op != 0 {
		delay = f.Latency.sample(s.rng)
	}
	s.mu.Unlock()
	if f.Ops&op == 0 {
		return nil
	}
	switch f.Mode {
	case Fail:
		s.failed.Add(1)
		return flightevents.Errorf(flightevents.EUNAVAILABLE, "store %s unavailable (injected fault)", op)
	case Slow:
		s.slowed.Add(1)
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			s.timeout.Add(1)
			return flightevents.WrapError(flightevents.EUNAVAILABLE, fmt.Sprintf("store %s timed out (injected latency %s)", op, delay), ctx.Err())
		}
	case Hang:
		s.hung.Add(1)
		select {
		case <-changed:
			return s.inject(ctx, op)
		case <-ctx.Done():
			s.timeout.Add(1)
			return flightevents.WrapError(flightevents.EUNAVAILABLE, fmt.Sprintf("store %s timed out (injected hang)", op), ctx.Err())
		}
	}
	return nil
}

// WriteEvents implements flightevents.EventStore.
func (s *Store) WriteEvents(ctx context.Context, events []flightevents.Event) (flightevents.WriteResult, error) {
	if err := s.inject(ctx, OpWrite); err != nil {
		return flightevents.WriteResult{}, err
	}
	return s.next.WriteEvents(ctx, events)
}

// ListEvents implements flightevents.EventStore.
func (s *Store) ListEvents(ctx context.Context, f flightevents.EventFilter) (flightevents.EventPage, error) {
	if err := s.inject(ctx, OpList); err != nil {
		return flightevents.EventPage{}, err
	}
	return s.next.ListEvents(ctx, f)
}

// Ping implements flightevents.EventStore.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.inject(ctx, OpPing); err != nil {
		return err
	}
	return s.next.Ping(ctx)
}

// Close closes the wrapped store; it is never faulted.
func (s *Store) Close() error { return s.next.Close() }
