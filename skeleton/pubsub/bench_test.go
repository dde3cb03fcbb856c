package pubsub_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/sqlitestore"
)

// benchEvents returns n distinct valid events.
func benchEvents(n int) []flightevents.Event {
	evs := make([]flightevents.Event, n)
	for i := range evs {
		ts := start.Add(time.Duration(i) * time.Millisecond)
		fl := fmt.Sprintf("IB%d", 1+i%9999)
		st := flightevents.Statuses[i%len(flightevents.Statuses)]
		evs[i] = flightevents.Event{EventID: flightevents.DeriveEventID(fl, st, ts), FlightID: fl, Status: st, Timestamp: ts}
	}
	return evs
}

// countingAcker counts settlements (shared by all messages of a run).
type countingAcker struct{ acks, nacks atomic.Int64 }

func (a *countingAcker) Ack()  { a.acks.Add(1) }
func (a *countingAcker) Nack() { a.nacks.Add(1) }

// BenchmarkIngest measures, in one run, the subscriber's per-message path
// (Handler.Handle: decode → validate → batch → write → ack, one goroutine
// per message bounded by MaxOutstandingMessages, as Receive calls it) and
// the raw batched insert rate of the same embedded store. Compare the
// events/s of handler and store_raw. pstest is not involved: its 10 ms
// delivery tick would measure pstest, not the subscriber.
func BenchmarkIngest(b *testing.B) {
	b.Run("store_raw", func(b *testing.B) {
		store, err := sqlitestore.Open(b.Context(), "")
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		evs := benchEvents(b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < len(evs); i += pubsub.DefaultBatchSize {
			if _, err := store.WriteEvents(b.Context(), evs[i:min(i+pubsub.DefaultBatchSize, len(evs))]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("handler", func(b *testing.B) {
		store, err := sqlitestore.Open(b.Context(), "")
		if err != nil {
			b.Fatal(err)
		}
		defer store.Close()
		evs := benchEvents(b.N)
		data := make([][]byte, len(evs))
		for i, e := range evs {
			data[i] = e.Encode()
		}
		h := pubsub.NewHandler(store, nil, pubsub.HandlerConfig{Now: fixedNow, Logger: quiet})
		ack := &countingAcker{}
		sem := make(chan struct{}, pubsub.DefaultMaxOutstandingMessages)
		var wg sync.WaitGroup
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range data {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				h.Handle(ctx, pubsub.Message{Data: data[i], Acker: ack})
			})
		}
		wg.Wait()
		b.StopTimer()
		if err := h.Close(ctx); err != nil {
			b.Fatal(err)
		}
		if ack.acks.Load() != int64(b.N) || ack.nacks.Load() != 0 {
			b.Fatalf("acks %d, nacks %d of %d", ack.acks.Load(), ack.nacks.Load(), b.N)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(b.N)/float64(h.Stats().Batches), "events/batch")
	})
}
