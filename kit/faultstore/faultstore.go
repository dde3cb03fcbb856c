// Package faultstore is an event-store decorator that injects faults on
// command, for resilience tests: it makes chosen operations fail as
// "unavailable", slow down by a configurable latency distribution, or hang
// until their context is done. The fault can be switched at any time from
// any goroutine while the store is in use.
//
// How a service plugs in: the kit cannot import a rendered service's module,
// so Store is generic over the four types of the service's store port
// (event E, filter F, page P, write result R): any type with the methods
//
//	WriteEvents(ctx, []E) (R, error)
//	ListEvents(ctx, F) (P, error)
//	Ping(ctx) error
//	Close() error
//
// satisfies Port, and a *Store instantiated over the same four types has
// exactly those methods, so it satisfies the service's own port interface
// with no adapter code. The service names the instantiation once and says,
// through the Unavailable function given to New, how its domain spells
// "unavailable, retry" (for the golden-path service:
// flightevents.Error{Code: EUNAVAILABLE}).
//
// It is not for production wiring: nothing in a service's cmd/ uses it. It
// holds no data of its own; every call that is not failed or hung reaches
// the wrapped store. It does not know what an event is.
package faultstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Op is a set of store operations a fault applies to.
type Op uint8

// The operations of the store port a fault can target.
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
	Fail             // return an Unavailable error at once, without calling the store
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

// Port is the store port a Store wraps and implements: E is the event
// type, F the filter, P the page of results and R the result of a write.
type Port[E, F, P, R any] interface {
	WriteEvents(ctx context.Context, events []E) (R, error)
	ListEvents(ctx context.Context, f F) (P, error)
	Ping(ctx context.Context) error
	Close() error
}

// Unavailable builds the error a faulted call returns: message says what
// was injected ("store write unavailable (injected fault)"); cause is nil
// for a Fail fault and the context's error for a slowed or hung call whose
// context ended first. The service maps it to its own "unavailable" code,
// keeping cause in the chain so that errors.Is(err, context.Canceled) holds.
type Unavailable func(message string, cause error) error

// Store wraps a Port with a switchable fault. It is safe for concurrent
// use; Set takes effect for calls that start after it, and releases calls
// hung by the previous fault (they then proceed normally).
type Store[E, F, P, R any] struct {
	next        Port[E, F, P, R]
	unavailable Unavailable

	mu      sync.Mutex
	fault   Fault
	changed chan struct{} // closed and replaced by every Set
	rng     *rand.Rand

	calls, failed, slowed, hung, timeout atomic.Int64
}

// New returns a Store passing every call to next until a fault is set.
// seed makes the latency samples reproducible; unavailable builds the
// errors of faulted calls.
func New[E, F, P, R any](next Port[E, F, P, R], seed uint64, unavailable Unavailable) *Store[E, F, P, R] {
	return &Store[E, F, P, R]{next: next, unavailable: unavailable, changed: make(chan struct{}), rng: rand.New(rand.NewPCG(seed, seed^0x5bd1e995))}
}

// Set replaces the current fault.
func (s *Store[E, F, P, R]) Set(f Fault) {
	s.mu.Lock()
	s.fault = f
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Clear removes the fault: every call passes through again.
func (s *Store[E, F, P, R]) Clear() { s.Set(Fault{}) }

// Current returns the fault in force.
func (s *Store[E, F, P, R]) Current() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

// Counts returns a snapshot of the call counters.
func (s *Store[E, F, P, R]) Counts() Counts {
	return Counts{Calls: s.calls.Load(), Failed: s.failed.Load(), Slowed: s.slowed.Load(), Hung: s.hung.Load(), Timeout: s.timeout.Load()}
}

// inject applies the fault in force to one call of op. A nil return lets
// the call through to the wrapped store.
func (s *Store[E, F, P, R]) inject(ctx context.Context, op Op) error {
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
		return s.unavailable(fmt.Sprintf("store %s unavailable (injected fault)", op), nil)
	case Slow:
		s.slowed.Add(1)
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			s.timeout.Add(1)
			return s.unavailable(fmt.Sprintf("store %s timed out (injected latency %s)", op, delay), ctx.Err())
		}
	case Hang:
		s.hung.Add(1)
		select {
		case <-changed:
			return s.inject(ctx, op)
		case <-ctx.Done():
			s.timeout.Add(1)
			return s.unavailable(fmt.Sprintf("store %s timed out (injected hang)", op), ctx.Err())
		}
	}
	return nil
}

// WriteEvents implements Port.
func (s *Store[E, F, P, R]) WriteEvents(ctx context.Context, events []E) (R, error) {
	if err := s.inject(ctx, OpWrite); err != nil {
		var zero R
		return zero, err
	}
	return s.next.WriteEvents(ctx, events)
}

// ListEvents implements Port.
func (s *Store[E, F, P, R]) ListEvents(ctx context.Context, f F) (P, error) {
	if err := s.inject(ctx, OpList); err != nil {
		var zero P
		return zero, err
	}
	return s.next.ListEvents(ctx, f)
}

// Ping implements Port.
func (s *Store[E, F, P, R]) Ping(ctx context.Context) error {
	if err := s.inject(ctx, OpPing); err != nil {
		return err
	}
	return s.next.Ping(ctx)
}

// Close closes the wrapped store; it is never faulted.
func (s *Store[E, F, P, R]) Close() error { return s.next.Close() }
