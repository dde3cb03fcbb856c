package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2/pstest"
	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/pubsub/pubsubtest"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/sqlitestore"
	"${{ values.goModule }}/storetest"
)

var (
	start    = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	fixedNow = func() time.Time { return start.Add(48 * time.Hour) }
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// env is pstest, a real client, the ingest resources and an in-memory store.
type env struct {
	local *pubsub.Local
	store *sqlitestore.Store
	names pubsub.Names
}

// newEnv starts pstest with reactors (pubsubtest.Start) and opens an
// in-memory store.
func newEnv(t *testing.T, reactors ...pstest.ServerReactorOption) *env {
	t.Helper()
	names := pubsubtest.Names
	local := pubsubtest.Start(t, "test-proj", names, reactors...)
	// Ensuring twice is a no-op.
	if err := pubsub.EnsureIngest(t.Context(), local.Client, names); err != nil {
		t.Fatalf("second EnsureIngest: %v", err)
	}
	store, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return &env{local: local, store: store, names: names}
}

func (e *env) publish(t *testing.T, msgs []simulator.Message) {
	t.Helper()
	pub := pubsub.NewPublisher(e.local.Client, e.names.Topic)
	defer pub.Stop()
	sent, err := simulator.Publish(t.Context(), pub, msgs, simulator.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != len(msgs) {
		t.Fatalf("published %d of %d", len(sent), len(msgs))
	}
}

func (e *env) subscriber(t *testing.T, streams int) (*pubsub.Subscriber, *pubsub.Publisher) {
	t.Helper()
	dl := pubsub.NewPublisher(e.local.Client, e.names.DeadLetterTopic)
	t.Cleanup(dl.Stop)
	sub, err := pubsub.NewSubscriber(e.local.Client, e.store, dl, pubsub.SubscriberConfig{
		Subscription:  e.names.Subscription,
		NumGoroutines: streams,
		Handler:       pubsub.HandlerConfig{Now: fixedNow, Logger: quiet, BatchMaxWait: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sub, dl
}

// stored returns every event in the store, newest first.
func stored(t *testing.T, s flightevents.EventStore) []flightevents.Event {
	t.Helper()
	return storetest.ListAll(t, s, flightevents.EventFilter{Since: start.Add(-time.Hour), Until: start.Add(72 * time.Hour), Limit: flightevents.MaxLimit})
}

func sortedIDs(events []flightevents.Event) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.EventID
	}
	slices.Sort(ids)
	return ids
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSubscriberIngestsDeduplicatesAndDeadLetters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	msgs, err := simulator.Generate(simulator.Config{Count: 600, Flights: 12, Seed: 7, Start: start, DuplicateRatio: 0.1, MalformedRatio: 0.08})
	if err != nil {
		t.Fatal(err)
	}
	want, malformed := simulator.Expected(msgs)
	e.publish(t, msgs)

	sub, _ := e.subscriber(t, 16)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- sub.Run(ctx) }()
	settled := func() bool {
		s := sub.Stats()
		return s.Written+s.Duplicates+s.DeadLettered >= int64(len(msgs))
	}
	waitFor(t, 60*time.Second, "every message to be settled", settled)
	cancel()
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}

	got := stored(t, e.store)
	if diff := cmp.Diff(sortedIDs(got), sortedIDs(want)); diff != "" {
		t.Errorf("stored event ids (-got +want):\n%s", diff)
	}
	byID := map[string]flightevents.Event{}
	for _, ev := range want {
		byID[ev.EventID] = ev
	}
	for _, ev := range got {
		if diff := cmp.Diff(ev, byID[ev.EventID]); diff != "" {
			t.Errorf("stored event %s (-got +want):\n%s", ev.EventID, diff)
		}
	}
	st := sub.Stats()
	wantStats := pubsub.Stats{
		Received:     int64(len(msgs)),
		Written:      int64(len(want)),
		Duplicates:   int64(len(msgs) - len(want) - len(malformed)),
		DeadLettered: int64(len(malformed)),
		Batches:      st.Batches,
	}
	if diff := cmp.Diff(st, wantStats); diff != "" {
		t.Errorf("stats (-got +want):\n%s", diff)
	}
	if st.Batches >= int64(len(msgs)-len(malformed)) {
		t.Errorf("%d batches for %d events: not batching", st.Batches, len(msgs)-len(malformed))
	}
	// Every message was acked at the broker.
	for _, m := range e.local.Server.Messages() {
		if m.Topic == pubsub.TopicName("test-proj", e.names.Topic) && m.Acks == 0 {
			t.Errorf("message %s (%s) never acked", m.ID, m.Data)
		}
	}

	// The dead-letter topic holds each malformed message once, with its
	// reason, error and original attributes.
	var dls []pubsub.DeadLetter
	waitFor(t, 20*time.Second, "dead letters", func() bool {
		got, err := pubsub.PullDeadLetters(t.Context(), e.local.Client, e.names.DeadLetterSubscription, 1000)
		if err != nil {
			t.Fatal(err)
		}
		dls = append(dls, got...)
		return len(dls) >= len(malformed)
	})
	type dead struct{ Seq, Data, Reason, Source string }
	var gotDead, wantDead []dead
	for _, d := range dls {
		if d.Attributes[pubsub.AttrError] == "" || d.Attributes[pubsub.AttrSourceMessageID] == "" {
			t.Errorf("dead letter %s lacks error or source id: %v", d.Data, d.Attributes)
		}
		gotDead = append(gotDead, dead{d.Attributes[simulator.AttrSeq], string(d.Data), d.Attributes[pubsub.AttrReason], d.Attributes[simulator.AttrSource]})
	}
	for _, m := range malformed {
		wantDead = append(wantDead, dead{strconv.Itoa(m.Seq), string(m.Data), m.Reason, "simulator"})
	}
	less := func(a, b dead) int { return strings.Compare(a.Seq, b.Seq) }
	slices.SortFunc(gotDead, less)
	slices.SortFunc(wantDead, less)
	if diff := cmp.Diff(gotDead, wantDead); diff != "" {
		t.Errorf("dead letters (-got +want):\n%s", diff)
	}
}

// TestSubscriberShutdownAcksOnlyWritten cancels Run in the middle of a
// backlog (as SIGTERM does), then checks at the broker that every acked
// message is in the store, and that a second subscriber ingests the rest.
func TestSubscriberShutdownAcksOnlyWritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	msgs, err := simulator.Generate(simulator.Config{Count: 2000, Flights: 30, Seed: 11, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	e.publish(t, msgs)
	want, _ := simulator.Expected(msgs)

	sub, _ := e.subscriber(t, 8)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- sub.Run(ctx) }()
	waitFor(t, 60*time.Second, "ingest to start", func() bool { return sub.Stats().Written >= 100 })
	cancel()
	stopped := time.Now()
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of cancellation")
	}
	t.Logf("Run returned %s after cancel; stats %+v", time.Since(stopped), sub.Stats())

	inStore := map[string]bool{}
	for _, ev := range stored(t, e.store) {
		inStore[ev.EventID] = true
	}
	if len(inStore) >= len(want) {
		t.Fatalf("all %d events were stored before shutdown: the test did not interrupt ingest", len(inStore))
	}
	acked := 0
	for _, m := range e.local.Server.Messages() {
		if m.Acks == 0 {
			continue
		}
		acked++
		ev, err := flightevents.DecodeEvent(m.Data, fixedNow())
		if err != nil {
			t.Fatal(err)
		}
		if !inStore[ev.EventID] {
			t.Errorf("message %s was acked but event %s is not in the store", m.ID, ev.EventID)
		}
	}
	if acked == 0 {
		t.Error("no message was acked before shutdown")
	}
	t.Logf("acked %d, stored %d of %d", acked, len(inStore), len(want))

	// What was not acked is delivered again to the next subscriber,
	// including the messages pstest had put on the first subscriber's
	// streams as they closed (possibly after Run returned): nobody saw
	// them and they stay leased until their lease expires. Instead of
	// waiting for leases, move pstest's clock on by two minutes, past every
	// lease, whenever ingest stops making progress, at most three times
	// (pstest drops unleased messages published over 10 minutes ago, so the
	// clock must stay within that). The second subscriber must end with
	// every event stored. (An allowance for "messages in transit" made this
	// test depend on the machine's speed: under -race and load, hundreds sat
	// in the client's gRPC buffers.)
	shifts := 0
	shift := func() {
		shifts++
		d := time.Duration(shifts) * 2 * time.Minute
		e.local.Server.SetTimeNowFunc(func() time.Time { return time.Now().Add(d) })
	}
	shift()
	sub2, _ := e.subscriber(t, 16)
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	go func() { runErr <- sub2.Run(ctx2) }()
	// Wait while ingest makes progress; fail only when it stalls (neither
	// received nor stored grows for 15 s after the last clock move), not
	// after a fixed total time, which would assume a throughput.
	type progress struct{ received, stored int64 }
	last, lastChange := progress{-1, -1}, time.Now()
	for {
		p := progress{sub2.Stats().Received, int64(len(stored(t, e.store)))}
		if p.stored == int64(len(want)) {
			break
		}
		if p != last {
			last, lastChange = p, time.Now()
		}
		idle := time.Since(lastChange)
		switch {
		case idle > 5*time.Second && shifts < 3:
			shift()
			lastChange = time.Now()
		case idle > 15*time.Second:
			t.Fatalf("second subscriber made no progress for 15 s (pstest clock moved %d times) with %d of %d events stored; stats %+v", shifts, p.stored, len(want), sub2.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel2()
	if err := <-runErr; err != nil {
		t.Fatalf("second Run: %v", err)
	}
	clear(inStore)
	for _, ev := range stored(t, e.store) {
		inStore[ev.EventID] = true
	}
	for _, m := range e.local.Server.Messages() {
		ev, err := flightevents.DecodeEvent(m.Data, fixedNow())
		if err != nil {
			t.Fatal(err)
		}
		if !inStore[ev.EventID] {
			t.Errorf("message %s (%d deliveries, %d acks): event %s is not in the store", m.ID, m.Deliveries, m.Acks, ev.EventID)
		}
	}
	if len(inStore) != len(want) {
		t.Errorf("%d of %d events stored after the second subscriber", len(inStore), len(want))
	}
}

// acker records how a message was settled.
type acker struct {
	acks, nacks atomic.Int32
}

func (a *acker) Ack()  { a.acks.Add(1) }
func (a *acker) Nack() { a.nacks.Add(1) }

func validMessage(i int) pubsub.Message {
	ev := flightevents.Event{EventID: fmt.Sprintf("e-%d", i), FlightID: "IB" + strconv.Itoa(1000+i), Status: flightevents.StatusBoarding, Timestamp: start.Add(time.Duration(i) * time.Second)}
	return pubsub.Message{ID: strconv.Itoa(i), Data: ev.Encode(), Acker: &acker{}}
}

func handleAll(ctx context.Context, h *pubsub.Handler, msgs []pubsub.Message) {
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Go(func() { h.Handle(ctx, m) })
	}
	wg.Wait()
}

func settledAs(msgs []pubsub.Message) (acks, nacks int) {
	for _, m := range msgs {
		a := m.Acker.(*acker)
		acks += int(a.acks.Load())
		nacks += int(a.nacks.Load())
	}
	return acks, nacks
}

func TestHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		closeStore bool   // the store fails every write
		deadLetter string // dead-letter topic ("" = the existing one)
		messages   int
		poison     int
		batchSize  int
		wantAcks   int
		wantNacks  int
		wantStats  pubsub.Stats
	}{
		{
			name: "full_batches_are_written_and_acked", messages: 20, batchSize: 10, wantAcks: 20,
			wantStats: pubsub.Stats{Received: 20, Written: 20, Batches: 2},
		},
		{
			name: "store_error_nacks_whole_batch", closeStore: true, messages: 20, batchSize: 10, wantNacks: 20,
			wantStats: pubsub.Stats{Received: 20, Nacked: 20, Batches: 2},
		},
		{
			name: "poison_is_dead_lettered_and_acked", messages: 10, poison: 3, batchSize: 10, wantAcks: 13,
			wantStats: pubsub.Stats{Received: 13, Written: 10, DeadLettered: 3, Batches: 1},
		},
		{
			name: "poison_nacked_when_dead_letter_publish_fails", deadLetter: "missing-topic", messages: 10, poison: 3, batchSize: 10,
			wantAcks: 10, wantNacks: 3, wantStats: pubsub.Stats{Received: 13, Written: 10, Nacked: 3, Batches: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.closeStore {
				_ = e.store.Close()
			}
			dlTopic := e.names.DeadLetterTopic
			if tt.deadLetter != "" {
				dlTopic = tt.deadLetter
			}
			dl := pubsub.NewPublisher(e.local.Client, dlTopic)
			t.Cleanup(dl.Stop)
			// BatchMaxWait is long: only full batches (or Close) write.
			h := pubsub.NewHandler(e.store, dl, pubsub.HandlerConfig{BatchSize: tt.batchSize, BatchMaxWait: time.Hour, Now: fixedNow, Logger: quiet})
			var msgs []pubsub.Message
			for i := range tt.messages {
				msgs = append(msgs, validMessage(i))
			}
			for i := range tt.poison {
				msgs = append(msgs, pubsub.Message{ID: "p" + strconv.Itoa(i), Data: []byte(`{"status":"lost"}`), Acker: &acker{}})
			}
			handleAll(t.Context(), h, msgs)
			if err := h.Close(t.Context()); err != nil {
				t.Fatal(err)
			}
			acks, nacks := settledAs(msgs)
			if acks != tt.wantAcks || nacks != tt.wantNacks {
				t.Errorf("acks %d, nacks %d; want %d, %d", acks, nacks, tt.wantAcks, tt.wantNacks)
			}
			for _, m := range msgs {
				if a := m.Acker.(*acker); a.acks.Load()+a.nacks.Load() != 1 {
					t.Errorf("message %s settled %d times", m.ID, a.acks.Load()+a.nacks.Load())
				}
			}
			if diff := cmp.Diff(h.Stats(), tt.wantStats); diff != "" {
				t.Errorf("stats (-got +want):\n%s", diff)
			}
			if !tt.closeStore {
				if got := len(stored(t, e.store)); got != tt.messages {
					t.Errorf("store holds %d events, want %d", got, tt.messages)
				}
			}
		})
	}
}

func TestHandlerDrainWritesPartialBatchAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dl := pubsub.NewPublisher(e.local.Client, e.names.DeadLetterTopic)
	t.Cleanup(dl.Stop)
	h := pubsub.NewHandler(e.store, dl, pubsub.HandlerConfig{BatchSize: 100, BatchMaxWait: time.Hour, Now: fixedNow, Logger: quiet})
	msgs := []pubsub.Message{validMessage(1), validMessage(2), validMessage(3)}
	done := make(chan struct{})
	go func() { handleAll(t.Context(), h, msgs); close(done) }()
	waitFor(t, 10*time.Second, "messages to be received", func() bool { return h.Stats().Received == 3 })
	select {
	case <-done:
		t.Fatal("a partial batch was written before BatchMaxWait or Drain")
	case <-time.After(100 * time.Millisecond):
	}
	h.Drain()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Drain did not write the partial batch")
	}
	if acks, nacks := settledAs(msgs); acks != 3 || nacks != 0 {
		t.Errorf("acks %d, nacks %d; want 3, 0", acks, nacks)
	}
	// Handle keeps working while draining, and nacks after Close.
	late := validMessage(4)
	h.Handle(t.Context(), late)
	if err := h.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	closed := validMessage(5)
	h.Handle(t.Context(), closed)
	if a := late.Acker.(*acker); a.acks.Load() != 1 {
		t.Error("message handled while draining was not acked")
	}
	if a := closed.Acker.(*acker); a.nacks.Load() != 1 || a.acks.Load() != 0 {
		t.Error("message handled after Close was not nacked")
	}
}

func TestHandlerCancelledBeforeHandoverNacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dl := pubsub.NewPublisher(e.local.Client, e.names.DeadLetterTopic)
	t.Cleanup(dl.Stop)
	h := pubsub.NewHandler(e.store, dl, pubsub.HandlerConfig{BatchSize: 1, Now: fixedNow, Logger: quiet})
	defer func() { _ = h.Close(context.Background()) }()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	m := validMessage(1)
	h.Handle(ctx, m)
	if a := m.Acker.(*acker); a.nacks.Load() != 1 || a.acks.Load() != 0 {
		t.Errorf("acks %d, nacks %d; want 0, 1", a.acks.Load(), a.nacks.Load())
	}
	if got := len(stored(t, e.store)); got != 0 {
		t.Errorf("store holds %d events, want 0", got)
	}
}

func TestNewSubscriberErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dl := pubsub.NewPublisher(e.local.Client, e.names.DeadLetterTopic)
	t.Cleanup(dl.Stop)
	tests := []struct {
		name  string
		store flightevents.EventStore
		dl    flightevents.EventPublisher
		sub   string
	}{
		{name: "no_subscription", store: e.store, dl: dl},
		{name: "no_store", dl: dl, sub: "s"},
		{name: "no_dead_letter", store: e.store, sub: "s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := pubsub.NewSubscriber(e.local.Client, tt.store, tt.dl, pubsub.SubscriberConfig{Subscription: tt.sub}); err == nil {
				t.Error("NewSubscriber succeeded")
			}
		})
	}
}

func TestRunFailsOnMissingSubscription(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dl := pubsub.NewPublisher(e.local.Client, e.names.DeadLetterTopic)
	t.Cleanup(dl.Stop)
	sub, err := pubsub.NewSubscriber(e.local.Client, e.store, dl, pubsub.SubscriberConfig{Subscription: "nope"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := sub.Run(ctx); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run on a missing subscription = %v, want a NotFound error", err)
	}
}
