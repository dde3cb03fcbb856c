package scenario_test

import (
	"bufio"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/sqlitestore"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// memSampler records the peak heap of the process while it runs.
type memSampler struct {
	peakHeap atomic.Uint64
	stop     chan struct{}
	wg       sync.WaitGroup
}

func sampleMemory(every time.Duration) *memSampler {
	s := &memSampler{stop: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > s.peakHeap.Load() {
				s.peakHeap.Store(ms.HeapAlloc)
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	})
	return s
}

// Stop ends sampling and returns the peak heap in MiB.
func (s *memSampler) Stop() float64 {
	close(s.stop)
	s.wg.Wait()
	return float64(s.peakHeap.Load()) / (1 << 20)
}

// peakRSSMiB returns the process's peak resident set (VmHWM) in MiB, or 0
// where /proc is not available.
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// seededStore returns a file-backed store holding n simulated events of
// the last day.
func seededStore(tb testing.TB, n int) (*sqlitestore.Store, []simulator.Message) {
	tb.Helper()
	store, err := sqlitestore.Open(tb.Context(), tb.TempDir()+"/events.db")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	msgs, err := simulator.Generate(simulator.Config{Count: n, Flights: 200, Seed: 42, Start: time.Now().Add(-24 * time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
	events, _ := simulator.Expected(msgs)
	for i := 0; i < len(events); i += 1000 {
		if _, err := store.WriteEvents(tb.Context(), events[i:min(i+1000, len(events))]); err != nil {
			tb.Fatal(err)
		}
	}
	return store, msgs
}

// allStored returns the ids of every event in s in [since, until), sorted
// as the store returns them.
func allStored(tb testing.TB, s flightevents.EventStore, since, until time.Time) []string {
	tb.Helper()
	var ids []string
	f := flightevents.EventFilter{Since: since, Until: until, Limit: flightevents.MaxLimit}
	for {
		page, err := s.ListEvents(tb.Context(), f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range page.Events {
			ids = append(ids, e.EventID)
		}
		if page.Next == nil {
			return ids
		}
		f.After = page.Next
	}
}

// waitFor polls cond until it holds or d passes.
func waitFor(tb testing.TB, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
