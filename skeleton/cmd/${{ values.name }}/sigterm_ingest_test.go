package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/pubsub/pubsubtest"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/sqlitestore"
)

// TestSIGTERMMidIngest is the SIGTERM scenario: the subscribe command runs
// as a child process on a file-backed SQLite store, fed by pstest in this
// process through PUBSUB_EMULATOR_HOST. It is sent SIGTERM in the middle
// of a backlog and must exit (status 0) within 10 s; then every message
// pstest recorded as acked must have its event in the store (nothing acked
// without being written); after a restart the store holds every published
// event exactly once.
func TestSIGTERMMidIngest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	names := pubsub.Names{Topic: "ev", Subscription: "ev-sub", DeadLetterTopic: "ev-dead-letter", DeadLetterSubscription: "ev-dead-letter-sub", AckDeadline: 10 * time.Second}
	local := pubsubtest.Start(t, "sig-proj", names)
	start := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	msgs, err := simulator.Generate(simulator.Config{Count: 3000, Flights: 100, Seed: 21, Start: start, Span: 2 * time.Hour, DuplicateRatio: 0.05, MalformedRatio: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := simulator.Expected(msgs)
	pub := pubsub.NewPublisher(local.Client, names.Topic)
	if _, err := simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	pub.Stop()

	db := filepath.Join(t.TempDir(), "events.db")
	reader, err := sqlitestore.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reader.Close() })
	storedIDs := func() map[string]bool {
		ids := map[string]bool{}
		f := flightevents.EventFilter{Since: start.Add(-time.Hour), Until: start.Add(3 * time.Hour), Limit: flightevents.MaxLimit}
		for {
			page, err := reader.ListEvents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				ids[e.EventID] = true
			}
			if page.Next == nil {
				return ids
			}
			f.After = page.Next
		}
	}
	child := func() *exec.Cmd {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "FLIGHT_EVENTS_TEST_MAIN=1", "FLIGHT_EVENTS_TEST_ARGS=subscribe --streams 4",
			"PUBSUB_EMULATOR_HOST="+local.Server.Addr, "GOOGLE_CLOUD_PROJECT=sig-proj", "PUBSUB_TOPIC=ev",
			"SQLITE_PATH="+db, "LOG_LEVEL=error")
		var stderr syncBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	terminate := func(cmd *exec.Cmd, what string) time.Duration {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		begin := time.Now()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: exit after SIGTERM: %v", what, err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("%s: still running 10 s after SIGTERM", what)
		}
		return time.Since(begin)
	}
	// poll waits for cond while ingest makes progress and fails when the
	// store has not grown for stall: a total deadline would assume a
	// throughput, which -race and a loaded machine divide by ten.
	poll := func(what string, stall time.Duration, cond func(n int) bool) {
		last, lastChange := -1, time.Now()
		for n := len(storedIDs()); !cond(n); n = len(storedIDs()) {
			if n != last {
				last, lastChange = n, time.Now()
			}
			if time.Since(lastChange) > stall {
				t.Fatalf("no progress for %s waiting for %s (store holds %d of %d)", stall, what, n, len(want))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// 1. Terminate in the middle of the backlog (4 streams ingest about
	// 400 messages/s from pstest, so 3,000 take ~7.5 s and SIGTERM comes
	// with ~2,500 still queued).
	first := child()
	poll("ingest to start", 60*time.Second, func(n int) bool { return n >= 500 })
	took := terminate(first, "first run")
	ids := storedIDs()
	if len(ids) >= len(want) {
		t.Fatalf("the backlog was fully ingested before SIGTERM (%d events); the test did not interrupt ingest", len(ids))
	}
	// Nothing acked without being written.
	acked, ackedMissing := 0, 0
	for _, m := range local.Server.Messages() {
		if m.Topic != pubsub.TopicName("sig-proj", names.Topic) || m.Acks == 0 {
			continue
		}
		ev, err := flightevents.DecodeEvent(m.Data, time.Now())
		if err != nil {
			continue // dead-lettered (acked once on the dead-letter topic)
		}
		acked++
		if !ids[ev.EventID] {
			ackedMissing++
		}
	}
	if ackedMissing > 0 {
		t.Errorf("%d of %d acked messages have no stored event", ackedMissing, acked)
	}
	t.Logf("first run: exited %s after SIGTERM with %d of %d events stored, %d messages acked", took.Round(time.Millisecond), len(ids), len(want), acked)

	// 2. Restart. Messages the first process had leased are redelivered
	// when their lease expires: move pstest's clock two minutes on instead
	// of waiting for it.
	local.Server.SetTimeNowFunc(func() time.Time { return time.Now().Add(2 * time.Minute) })
	second := child()
	poll("every event after the restart", 30*time.Second, func(n int) bool { return n >= len(want) })
	took = terminate(second, "second run")
	got := slices.Sorted(func(yield func(string) bool) {
		for id := range storedIDs() {
			if !yield(id) {
				return
			}
		}
	})
	wantIDs := make([]string, len(want))
	for i, e := range want {
		wantIDs[i] = e.EventID
	}
	slices.Sort(wantIDs)
	if diff := cmp.Diff(got, wantIDs); diff != "" {
		t.Errorf("stored events after the restart (-got +want):\n%s", diff)
	}
	t.Logf("second run: all %d events stored once; exited %s after SIGTERM", len(want), took.Round(time.Millisecond))
}
