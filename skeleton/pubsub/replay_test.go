package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/storetest"
)

// switchReactor is a pstest reactor that fails its RPC with code while
// on, and only for requests about topic (publishes) when topic is set.
type switchReactor struct {
	on    atomic.Bool
	code  codes.Code
	topic string
	hits  atomic.Int64
}

func (r *switchReactor) React(req any) (bool, any, error) {
	if !r.on.Load() {
		return false, nil, nil
	}
	if p, ok := req.(*pubsubpb.PublishRequest); ok && r.topic != "" && p.GetTopic() != r.topic {
		return false, nil, nil
	}
	r.hits.Add(1)
	return true, nil, status.Error(r.code, "injected by the test")
}

// runSubscriber runs a subscriber validating against now until done
// returns true, then stops it and returns its stats.
func runSubscriber(t *testing.T, e *env, now func() time.Time, done func(pubsub.Stats) bool) pubsub.Stats {
	t.Helper()
	dl := pubsub.NewPublisher(e.local.Client, e.names.DeadLetterTopic)
	defer dl.Stop()
	sub, err := pubsub.NewSubscriber(e.local.Client, e.store, dl, pubsub.SubscriberConfig{
		Subscription:  e.names.Subscription,
		NumGoroutines: 8,
		Handler:       pubsub.HandlerConfig{Now: now, Logger: quiet, BatchMaxWait: 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- sub.Run(ctx) }()
	waitFor(t, 60*time.Second, "the subscriber to settle the messages", func() bool { return done(sub.Stats()) })
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("subscriber: %v", err)
	}
	return sub.Stats()
}

// TestReplayAfterCauseFixed dead-letters events stamped too far in the
// future (a producer clock bug) together with truly invalid ones, then
// replays only the invalid_timestamp ones once the clock is right. An ack
// of the dead-letter subscription fails once (pstest error injection), so
// part of the replay is re-published twice: the store still holds every
// event exactly once, and the other dead letters stay where they were.
func TestReplayAfterCauseFixed(t *testing.T) {
	t.Parallel()
	ackFault := &switchReactor{code: codes.PermissionDenied} // not retried by the client
	e := newEnv(t, pstest.ServerReactorOption{FuncName: "Acknowledge", Reactor: ackFault})

	future := fixedNow().Add(30 * time.Hour) // beyond MaxClockSkew
	msgs, err := simulator.Generate(simulator.Config{Count: 100, Flights: 10, Seed: 11, Start: future, Span: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := simulator.Expected(msgs)
	for i := range 10 {
		data := fmt.Appendf(nil, `{"event_id":"bad-%d","flight_id":"IB1","status":"teleported","timestamp":"2026-11-26T08:00:00Z"}`, i)
		msgs = append(msgs, simulator.Message{Seq: 100 + i, Kind: simulator.KindMalformed, Data: data, Attributes: map[string]string{simulator.AttrSeq: fmt.Sprint(100 + i)}})
	}
	e.publish(t, msgs)

	// 1. The subscriber's clock is behind: everything is dead-lettered.
	s1 := runSubscriber(t, e, fixedNow, func(s pubsub.Stats) bool { return s.DeadLettered >= 110 })
	if s1.DeadLettered != 110 || s1.Written != 0 {
		t.Fatalf("first run %+v: want 110 dead-lettered, 0 written", s1)
	}

	replayTo := pubsub.NewPublisher(e.local.Client, e.names.Topic)
	t.Cleanup(replayTo.Stop)
	only := []string{"invalid_timestamp"}

	// 2. A dry run counts without touching anything.
	dry, err := pubsub.Replay(t.Context(), e.local.Client, e.names.DeadLetterSubscription, replayTo, pubsub.ReplayOptions{Reasons: only, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	wantDry := pubsub.ReplayStats{Examined: 110, Replayed: 100, Skipped: 10, ByReason: map[string]int{"invalid_timestamp": 100, "invalid_status": 10}}
	if diff := cmp.Diff(dry, wantDry); diff != "" {
		t.Fatalf("dry run (-got +want):\n%s", diff)
	}

	// 3. The first replay re-publishes a batch but cannot ack it.
	ackFault.on.Store(true)
	r1, err := pubsub.Replay(t.Context(), e.local.Client, e.names.DeadLetterSubscription, replayTo, pubsub.ReplayOptions{Reasons: only, Batch: 25})
	if err == nil {
		t.Fatal("replay with failing acks returned no error")
	}
	ackFault.on.Store(false)
	if r1.Replayed != 0 || r1.Failed == 0 {
		t.Fatalf("replay with failing acks: %+v", r1)
	}
	// 4. Run again: everything matching is replayed and acked.
	r2, err := pubsub.Replay(t.Context(), e.local.Client, e.names.DeadLetterSubscription, replayTo, pubsub.ReplayOptions{Reasons: only, Batch: 25})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Replayed != 100 || r2.Skipped != 10 || r2.Failed != 0 {
		t.Fatalf("second replay %+v: want 100 replayed, 10 skipped", r2)
	}

	// 5. With the clock fixed, every replayed event is stored once; the
	// ones re-published twice are duplicates.
	republished := int64(100 + r1.Failed)
	s2 := runSubscriber(t, e, func() time.Time { return future.Add(time.Hour) }, func(s pubsub.Stats) bool { return s.Written+s.Duplicates >= republished })
	if s2.Written != 100 || s2.Duplicates != int64(r1.Failed) || s2.DeadLettered != 0 {
		t.Errorf("after replay %+v: want 100 written, %d duplicates", s2, r1.Failed)
	}
	got := storedIn(t, e.store, future.Add(-time.Hour), future.Add(3*time.Hour))
	if diff := cmp.Diff(sortedIDs(got), sortedIDs(want)); diff != "" {
		t.Errorf("stored events (-got +want):\n%s", diff)
	}

	// 6. The skipped dead letters are still there, and nothing else.
	left, err := pubsub.Replay(t.Context(), e.local.Client, e.names.DeadLetterSubscription, replayTo, pubsub.ReplayOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(left.ByReason, map[string]int{"invalid_status": 10}); diff != "" {
		t.Errorf("dead letters left (-got +want):\n%s", diff)
	}
}

// TestDeadLetterTopicDown injects a permission error on every publish to
// the dead-letter topic (pstest.WithErrorInjection): poison messages are
// nacked, never acked (so not lost), while valid traffic is still written.
func TestDeadLetterTopicDown(t *testing.T) {
	t.Parallel()
	dlFault := &switchReactor{code: codes.PermissionDenied, topic: "projects/test-proj/topics/events-dl"}
	dlFault.on.Store(true)
	e := newEnv(t, pstest.ServerReactorOption{FuncName: "Publish", Reactor: dlFault})
	msgs, err := simulator.Generate(simulator.Config{Count: 200, Flights: 10, Seed: 12, Start: start, MalformedRatio: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	want, malformed := simulator.Expected(msgs)
	e.publish(t, msgs)

	// One subscriber runs throughout: a stopped one would leave messages
	// leased (not yet dispatched) until their stream ack deadline.
	dl := pubsub.NewPublisher(e.local.Client, e.names.DeadLetterTopic)
	t.Cleanup(dl.Stop)
	sub, err := pubsub.NewSubscriber(e.local.Client, e.store, dl, pubsub.SubscriberConfig{
		Subscription:  e.names.Subscription,
		NumGoroutines: 8,
		Handler:       pubsub.HandlerConfig{Now: fixedNow, Logger: quiet, BatchMaxWait: 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- sub.Run(ctx) }()
	waitFor(t, 60*time.Second, "valid events written and poison nacked", func() bool {
		s := sub.Stats()
		return s.Written >= int64(len(want)) && s.Nacked >= int64(len(malformed))
	})
	if s := sub.Stats(); s.DeadLettered != 0 {
		t.Errorf("%d messages dead-lettered while the dead-letter topic refused publishes", s.DeadLettered)
	}
	bad := map[string]bool{}
	for _, m := range malformed {
		bad[string(m.Data)] = true
	}
	for _, m := range e.local.Server.Messages() {
		if m.Topic == "projects/test-proj/topics/events" && bad[string(m.Data)] && m.Acks > 0 {
			t.Errorf("poison message %s acked although its dead-letter publish failed", m.ID)
		}
	}
	if dlFault.hits.Load() == 0 {
		t.Error("the fault was never hit")
	}
	// Recovery: the dead-letter topic accepts again; the redelivered
	// poison messages are dead-lettered, each once.
	dlFault.on.Store(false)
	waitFor(t, 60*time.Second, "poison dead-lettered after recovery", func() bool { return sub.Stats().DeadLettered >= int64(len(malformed)) })
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("subscriber: %v", err)
	}
	if s := sub.Stats(); s.DeadLettered != int64(len(malformed)) || s.Written != int64(len(want)) {
		t.Errorf("after recovery %+v: want %d dead-lettered, %d written", s, len(malformed), len(want))
	}
	if got := len(stored(t, e.store)); got != len(want) {
		t.Errorf("store holds %d events, want %d", got, len(want))
	}
}

// TestReplayPullFails injects an error on every Pull with
// pstest.WithErrorInjection: Replay reports it and acks nothing.
func TestReplayPullFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pstest.WithErrorInjection("Pull", codes.PermissionDenied, "no pull for you"))
	pub := pubsub.NewPublisher(e.local.Client, e.names.Topic)
	t.Cleanup(pub.Stop)
	stats, err := pubsub.Replay(t.Context(), e.local.Client, e.names.DeadLetterSubscription, pub, pubsub.ReplayOptions{})
	if err == nil || status.Code(errors.Unwrap(err)) != codes.PermissionDenied {
		t.Fatalf("replay error %v, want the injected PermissionDenied", err)
	}
	if stats.Replayed != 0 || stats.Examined != 0 {
		t.Errorf("stats %+v after a failed pull", stats)
	}
}

// storedIn returns every stored event in [since, until).
func storedIn(t *testing.T, s flightevents.EventStore, since, until time.Time) []flightevents.Event {
	t.Helper()
	return storetest.ListAll(t, s, flightevents.EventFilter{Since: since, Until: until, Limit: flightevents.MaxLimit})
}
