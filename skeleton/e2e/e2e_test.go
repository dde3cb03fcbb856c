package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/pubsub/pubsubtest"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/sqlitestore"
)

// Size of the run. pstest delivers one message per stream every 10 ms,
// so the streams bound the ingest rate (~100 msg/s per stream).
const (
	messages = 5000
	streams  = 64
)

var (
	start = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	now   = func() time.Time { return start.Add(30 * time.Hour) }
)

type row struct {
	FlightID  string    `json:"flight_id"`
	Status    string    `json:"status"`
	Timestamp time.Time `json:"timestamp"`
}

var nextLink = regexp.MustCompile(`<([^>]+)>;\s*rel="next"`)

// TestPublishIngestServe publishes 5,000 simulated messages (valid events,
// duplicates and malformed ones) through pstest, ingests them with the
// subscriber into the embedded store, and checks that GET /datos pages
// return exactly the valid distinct events, each once, and that every
// malformed message is on the dead-letter topic with its reason.
func TestPublishIngestServe(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	began := time.Now()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	names := pubsub.Names{Topic: "events", Subscription: "events-sub", DeadLetterTopic: "events-dead-letter", DeadLetterSubscription: "events-dead-letter-sub"}
	local := pubsubtest.Start(t, "e2e-proj", names)
	store, err := sqlitestore.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })

	msgs, err := simulator.Generate(simulator.Config{Count: messages, Flights: 60, Seed: 2026, Start: start, DuplicateRatio: 0.1, MalformedRatio: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	want, malformed := simulator.Expected(msgs)
	if len(malformed) == 0 || len(want)+len(malformed) == len(msgs) {
		t.Fatalf("the traffic must hold duplicates and malformed messages: %d events, %d malformed of %d", len(want), len(malformed), len(msgs))
	}

	dl := pubsub.NewPublisher(local.Client, names.DeadLetterTopic)
	t.Cleanup(dl.Stop)
	sub, err := pubsub.NewSubscriber(local.Client, store, dl, pubsub.SubscriberConfig{
		Subscription:  names.Subscription,
		NumGoroutines: streams,
		Handler:       pubsub.HandlerConfig{Now: now, Logger: logger},
	})
	if err != nil {
		t.Fatal(err)
	}
	subCtx, stopSub := context.WithCancel(ctx)
	defer stopSub()
	subDone := make(chan error, 1)
	go func() { subDone <- sub.Run(subCtx) }()

	pub := pubsub.NewPublisher(local.Client, names.Topic)
	sent, err := simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{})
	pub.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != len(msgs) {
		t.Fatalf("published %d of %d", len(sent), len(msgs))
	}
	published := time.Since(began)

	for {
		s := sub.Stats()
		if s.Written+s.Duplicates+s.DeadLettered >= int64(len(msgs)) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("not every message was settled in time: %+v", s)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ingested := time.Since(began)
	stopSub()
	if err := <-subDone; err != nil {
		t.Fatalf("subscriber: %v", err)
	}
	stats := sub.Stats()
	t.Logf("published %d in %s, all settled after %s: %+v", len(msgs), published.Round(time.Millisecond), ingested.Round(time.Millisecond), stats)
	if stats.Written != int64(len(want)) || stats.DeadLettered != int64(len(malformed)) || stats.Nacked != 0 {
		t.Errorf("stats %+v: want written %d, dead-lettered %d, nacked 0", stats, len(want), len(malformed))
	}

	// Read everything back over HTTP, following the Link header. The
	// events span the 24 h from start, 30 h before now: beyond the default
	// window (the last 23 h), so the range is explicit.
	srv := httptest.NewServer(httpapi.NewHandler(httpapi.Deps{Store: store, Logger: logger, Now: now}, httpapi.Config{DisableRequestLog: true}))
	t.Cleanup(srv.Close)
	var got []row
	pages := 0
	for next := "/datos?limit=1000&since=" + url.QueryEscape(start.Format(time.RFC3339Nano)); next != ""; pages++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+next, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d %v: %s", next, resp.StatusCode, err, body)
		}
		var page []row
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatalf("GET %s: %v", next, err)
		}
		got = append(got, page...)
		next = ""
		if m := nextLink.FindStringSubmatch(resp.Header.Get("Link")); m != nil {
			next = m[1]
		}
		if pages > messages {
			t.Fatal("pagination does not end")
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].Timestamp.After(got[i-1].Timestamp) {
			t.Fatalf("GET /datos not newest first at %d: %s after %s", i, got[i].Timestamp, got[i-1].Timestamp)
		}
	}
	wantRows := make([]row, len(want))
	for i, e := range want {
		wantRows[i] = row{FlightID: e.FlightID, Status: string(e.Status), Timestamp: e.Timestamp}
	}
	byTime := func(a, b row) int {
		if c := a.Timestamp.Compare(b.Timestamp); c != 0 {
			return c
		}
		return strings.Compare(a.FlightID+a.Status, b.FlightID+b.Status)
	}
	slices.SortFunc(got, byTime)
	slices.SortFunc(wantRows, byTime)
	if diff := cmp.Diff(got, wantRows); diff != "" {
		t.Errorf("GET /datos pages (%d rows) vs the valid distinct events (%d) (-got +want):\n%s", len(got), len(wantRows), diff)
	}
	t.Logf("GET /datos: %d rows in %d pages", len(got), pages)

	// Every malformed message is on the dead-letter topic, once, with the
	// reason the domain gives it and its original attributes.
	type dead struct {
		Seq    int
		Reason string
		Data   string
	}
	var gotDead []dead
	for len(gotDead) < len(malformed) && ctx.Err() == nil {
		dls, err := pubsub.PullDeadLetters(ctx, local.Client, names.DeadLetterSubscription, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dls {
			seq, err := strconv.Atoi(d.Attributes[simulator.AttrSeq])
			if err != nil || d.Attributes[pubsub.AttrError] == "" {
				t.Errorf("dead letter %q lacks its attributes: %v", d.Data, d.Attributes)
			}
			gotDead = append(gotDead, dead{Seq: seq, Reason: d.Attributes[pubsub.AttrReason], Data: string(d.Data)})
		}
	}
	wantDead := make([]dead, len(malformed))
	for i, m := range malformed {
		wantDead[i] = dead{Seq: m.Seq, Reason: m.Reason, Data: string(m.Data)}
	}
	slices.SortFunc(gotDead, func(a, b dead) int { return a.Seq - b.Seq })
	if diff := cmp.Diff(gotDead, wantDead); diff != "" {
		t.Errorf("dead letters (-got +want):\n%s", diff)
	}
	reasons := map[string]int{}
	for _, d := range gotDead {
		reasons[d.Reason]++
	}
	t.Logf("dead letters: %d %v; whole test %s", len(gotDead), reasons, time.Since(began).Round(time.Millisecond))
}
