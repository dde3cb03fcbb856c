package faultstore_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/kit/faultstore"
)

// unavailable is the error code the tests' Unavailable function gives.
const unavailable = "unavailable"

// codeError stands for a service's domain error with an "unavailable" code.
type codeError struct {
	message string
	cause   error
}

func (e *codeError) Error() string { return e.message }
func (e *codeError) Unwrap() error { return e.cause }

// code returns the error code of err: "" for nil, unavailable for an
// injected fault, "internal" for anything else.
func code(err error) string {
	var ce *codeError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ce):
		return unavailable
	}
	return "internal"
}

// filter is the port's filter type of the tests: a time range.
type filter struct{ since, until time.Time }

// memStore is the smallest store port: it keeps written ids in memory.
type memStore struct {
	mu  sync.Mutex
	ids []string
}

func (m *memStore) WriteEvents(_ context.Context, ids []string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ids = append(m.ids, ids...)
	return len(ids), nil
}

func (m *memStore) ListEvents(context.Context, filter) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.ids), nil
}

func (m *memStore) Ping(context.Context) error { return nil }
func (m *memStore) Close() error               { return nil }

type store = faultstore.Store[string, filter, []string, int]

// A Store instantiated over a port's types implements that port.
var _ faultstore.Port[string, filter, []string, int] = (*store)(nil)

var start = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func open(t *testing.T) (*store, *memStore) {
	t.Helper()
	inner := &memStore{}
	s := faultstore.New(faultstore.Port[string, filter, []string, int](inner), 1, func(message string, cause error) error {
		return &codeError{message: message, cause: cause}
	})
	t.Cleanup(func() { _ = s.Close() })
	return s, inner
}

// call runs op once against s and returns its error code ("" on success).
func call(ctx context.Context, s *store, op faultstore.Op) string {
	var err error
	switch op {
	case faultstore.OpWrite:
		_, err = s.WriteEvents(ctx, []string{"ev-000000"})
	case faultstore.OpList:
		_, err = s.ListEvents(ctx, filter{since: start.Add(-time.Hour), until: start.Add(time.Hour)})
	case faultstore.OpPing:
		err = s.Ping(ctx)
	}
	return code(err)
}

func TestFaultsTargetTheirOperations(t *testing.T) {
	t.Parallel()
	ops := []faultstore.Op{faultstore.OpWrite, faultstore.OpList, faultstore.OpPing}
	tests := []struct {
		name  string
		fault faultstore.Fault
		want  map[faultstore.Op]string
	}{
		{name: "none", fault: faultstore.Fault{}, want: map[faultstore.Op]string{faultstore.OpWrite: "", faultstore.OpList: "", faultstore.OpPing: ""}},
		{name: "fail_all", fault: faultstore.Fault{Mode: faultstore.Fail, Ops: faultstore.AllOps}, want: map[faultstore.Op]string{faultstore.OpWrite: unavailable, faultstore.OpList: unavailable, faultstore.OpPing: unavailable}},
		{name: "fail_writes_only", fault: faultstore.Fault{Mode: faultstore.Fail, Ops: faultstore.OpWrite}, want: map[faultstore.Op]string{faultstore.OpWrite: unavailable, faultstore.OpList: "", faultstore.OpPing: ""}},
		{name: "hang_reads_times_out", fault: faultstore.Fault{Mode: faultstore.Hang, Ops: faultstore.OpList | faultstore.OpPing}, want: map[faultstore.Op]string{faultstore.OpWrite: "", faultstore.OpList: unavailable, faultstore.OpPing: unavailable}},
		{name: "slow_beyond_deadline", fault: faultstore.Fault{Mode: faultstore.Slow, Ops: faultstore.AllOps, Latency: faultstore.Latency{Base: time.Minute}}, want: map[faultstore.Op]string{faultstore.OpWrite: unavailable, faultstore.OpList: unavailable, faultstore.OpPing: unavailable}},
		{name: "slow_within_deadline", fault: faultstore.Fault{Mode: faultstore.Slow, Ops: faultstore.AllOps, Latency: faultstore.Latency{Base: time.Millisecond}}, want: map[faultstore.Op]string{faultstore.OpWrite: "", faultstore.OpList: "", faultstore.OpPing: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := open(t)
			s.Set(tt.fault)
			got := map[faultstore.Op]string{}
			for _, op := range ops {
				ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
				got[op] = call(ctx, s, op)
				cancel()
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("error codes by operation (-got +want):\n%s", diff)
			}
		})
	}
}

// A failed write never reaches the store; clearing the fault restores it.
func TestFailThenRecover(t *testing.T) {
	t.Parallel()
	s, inner := open(t)
	s.Set(faultstore.Fault{Mode: faultstore.Fail, Ops: faultstore.AllOps})
	if code := call(t.Context(), s, faultstore.OpWrite); code != unavailable {
		t.Fatalf("write during fault: code %q, want %q", code, unavailable)
	}
	stored, err := inner.ListEvents(t.Context(), filter{since: start.Add(-time.Hour), until: start.Add(time.Hour)})
	if err != nil || len(stored) != 0 {
		t.Fatalf("a failed write reached the store: %v %v", stored, err)
	}
	s.Clear()
	if code := call(t.Context(), s, faultstore.OpWrite); code != "" {
		t.Fatalf("write after clear: code %q", code)
	}
	got := s.Counts()
	if got.Calls != 2 || got.Failed != 1 {
		t.Errorf("counts %+v: want 2 calls, 1 failed", got)
	}
}

// Clearing a Hang releases the calls it blocked, which then succeed.
func TestClearReleasesHungCalls(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	s.Set(faultstore.Fault{Mode: faultstore.Hang, Ops: faultstore.OpPing})
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- s.Ping(t.Context()) })
	}
	for s.Counts().Hung < n {
		time.Sleep(time.Millisecond)
	}
	s.Clear()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("ping released by Clear: %v", err)
		}
	}
}

// The latency distribution has the configured median and tail.
func TestSlowLatencyDistribution(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	l := faultstore.Latency{Base: 2 * time.Millisecond, Jitter: time.Millisecond, Tail: 40 * time.Millisecond, TailFraction: 0.05}
	s.Set(faultstore.Fault{Mode: faultstore.Slow, Ops: faultstore.OpPing, Latency: l})
	var slow int
	const n = 200
	for range n {
		begin := time.Now()
		if err := s.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
		if time.Since(begin) >= l.Tail {
			slow++
		}
	}
	// 5 % of 200 = 10 expected; a binomial stays in [1, 30] with
	// overwhelming probability, and the seed makes the run reproducible.
	if slow < 1 || slow > 30 {
		t.Errorf("%d of %d pings took >= %s, want about 5 %%", slow, n, l.Tail)
	}
}

// Set may race with calls in flight (go test -race checks it).
func TestSwitchWhileInUse(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, stop := context.WithTimeout(ctx, 5*time.Millisecond)
				_ = call(c, s, faultstore.OpPing)
				stop()
			}
		})
	}
	modes := []faultstore.Mode{faultstore.Fail, faultstore.Slow, faultstore.Hang, faultstore.None}
	for i := 0; ctx.Err() == nil; i++ {
		s.Set(faultstore.Fault{Mode: modes[i%len(modes)], Ops: faultstore.AllOps, Latency: faultstore.Latency{Base: time.Millisecond}})
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	if c := s.Counts(); c.Calls == 0 || c.Failed == 0 {
		t.Errorf("counts %+v: want calls and failures", c)
	}
	s.Clear()
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("ping after Clear: %v", err)
	}
}

// A slowed or hung call whose context ends first keeps the context's error
// in the chain; a failed call has no cause.
func TestUnavailableCause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault faultstore.Fault
		want  error
	}{
		{name: "fail", fault: faultstore.Fault{Mode: faultstore.Fail, Ops: faultstore.OpPing}, want: nil},
		{name: "slow", fault: faultstore.Fault{Mode: faultstore.Slow, Ops: faultstore.OpPing, Latency: faultstore.Latency{Base: time.Minute}}, want: context.DeadlineExceeded},
		{name: "hang", fault: faultstore.Fault{Mode: faultstore.Hang, Ops: faultstore.OpPing}, want: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := open(t)
			s.Set(tt.fault)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
			defer cancel()
			err := s.Ping(ctx)
			var ce *codeError
			if !errors.As(err, &ce) {
				t.Fatalf("Ping() = %v, want a *codeError from Unavailable", err)
			}
			if !errors.Is(ce.cause, tt.want) || (tt.want == nil) != (ce.cause == nil) {
				t.Errorf("cause of %v = %v, want %v", err, ce.cause, tt.want)
			}
		})
	}
}
