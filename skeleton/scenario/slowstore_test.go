package scenario_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/faultstore"
	"github.com/google/go-cmp/cmp"

	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/pubsub/pubsubtest"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/sqlitestore"
	"${{ values.goModule }}/storetest"
)

// slowWrites has a p99 of 2 s: most writes take 100–300 ms, 2 % take 2 s.
var slowWrites = faultstore.Latency{Base: 100 * time.Millisecond, Jitter: 200 * time.Millisecond, Tail: 2 * time.Second, TailFraction: 0.02}

type slowFigures struct {
	messages, events int
	maxInFlight      int64
	peakHeapMiB      float64
	took             time.Duration
	writes           int64
}

// runSlowStore ingests n messages through pstest into a store whose
// writes follow slowWrites, with flow control at maxOutstanding messages.
func runSlowStore(tb testing.TB, n, maxOutstanding int) slowFigures {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 5*time.Minute)
	defer cancel()
	names := pubsubtest.Names
	local := pubsubtest.Start(tb, "slow-proj", names)
	inner, err := sqlitestore.Open(ctx, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = inner.Close() })
	store := storetest.NewFaultStore(inner, 3)
	store.Set(faultstore.Fault{Mode: faultstore.Slow, Ops: faultstore.OpWrite, Latency: slowWrites})

	msgs, err := simulator.Generate(simulator.Config{Count: n, Flights: 100, Seed: 17, Start: time.Now().Add(-3 * time.Hour), Span: 2 * time.Hour, DuplicateRatio: 0.05})
	if err != nil {
		tb.Fatal(err)
	}
	want, _ := simulator.Expected(msgs)
	pub := pubsub.NewPublisher(local.Client, names.Topic)
	if _, err := simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{}); err != nil {
		tb.Fatal(err)
	}
	pub.Stop()

	dl := pubsub.NewPublisher(local.Client, names.DeadLetterTopic)
	tb.Cleanup(dl.Stop)
	sub, err := pubsub.NewSubscriber(local.Client, store, dl, pubsub.SubscriberConfig{
		Subscription: names.Subscription, NumGoroutines: 16, MaxOutstandingMessages: maxOutstanding,
		Handler: pubsub.HandlerConfig{Logger: quiet},
	})
	if err != nil {
		tb.Fatal(err)
	}
	mem := sampleMemory(50 * time.Millisecond)
	var maxInFlight atomic.Int64
	stopWatch := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopWatch:
				return
			case <-t.C:
				s := sub.Stats()
				// Received but not yet settled: what the process holds.
				if in := s.Received - s.Written - s.Duplicates - s.DeadLettered - s.Nacked; in > maxInFlight.Load() {
					maxInFlight.Store(in)
				}
			}
		}
	}()
	begin := time.Now()
	subCtx, stopSub := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sub.Run(subCtx) }()
	waitFor(tb, 4*time.Minute, "every message settled", func() bool {
		s := sub.Stats()
		return s.Written >= int64(len(want)) && s.Written+s.Duplicates >= int64(n)
	})
	took := time.Since(begin)
	stopSub()
	close(stopWatch)
	if err := <-done; err != nil {
		tb.Errorf("subscriber: %v", err)
	}
	f := slowFigures{messages: n, events: len(want), maxInFlight: maxInFlight.Load(), peakHeapMiB: mem.Stop(), took: took, writes: store.Counts().Slowed}

	got := allStored(tb, inner, time.Now().Add(-4*time.Hour), time.Now())
	slices.Sort(got)
	wantIDs := make([]string, len(want))
	for i, e := range want {
		wantIDs[i] = e.EventID
	}
	slices.Sort(wantIDs)
	if diff := cmp.Diff(got, wantIDs); diff != "" {
		tb.Errorf("stored events (-got +want):\n%s", diff)
	}
	// Flow control: the messages held never exceed MaxOutstandingMessages
	// (the counters are read without a lock, so allow one batch of slack).
	if f.maxInFlight > int64(maxOutstanding)+int64(pubsub.DefaultBatchSize) {
		tb.Errorf("up to %d messages in flight with MaxOutstandingMessages %d", f.maxInFlight, maxOutstanding)
	}
	if f.peakHeapMiB > 256 {
		tb.Errorf("peak heap %.0f MiB", f.peakHeapMiB)
	}
	return f
}

// TestSlowStore is the slow-store scenario on 1,500 messages;
// BenchmarkSlowStore runs 10,000.
func TestSlowStore(t *testing.T) {
	t.Parallel()
	f := runSlowStore(t, 1500, 200)
	t.Logf("slow store: %d messages (%d events) in %s through %d slowed writes; max in flight %d (limit 200); peak heap %.0f MiB; none lost",
		f.messages, f.events, f.took.Round(time.Millisecond), f.writes, f.maxInFlight, f.peakHeapMiB)
}

func BenchmarkSlowStore(b *testing.B) {
	var f slowFigures
	for b.Loop() {
		f = runSlowStore(b, 10_000, 200)
	}
	b.ReportMetric(float64(f.messages)/f.took.Seconds(), "msgs/s")
	b.ReportMetric(float64(f.maxInFlight), "max_in_flight")
	b.ReportMetric(f.peakHeapMiB, "peak_heap_MiB")
	b.ReportMetric(float64(f.writes), "writes")
}
