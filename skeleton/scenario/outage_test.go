package scenario_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/faultstore"
	"github.com/google/go-cmp/cmp"

	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/pubsub/pubsubtest"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/sqlitestore"
	"${{ values.goModule }}/storetest"
)

type outageFigures struct {
	published, events    int
	statuses             map[string]int // "/datos cached 200", "/datos uncached 503", "/readyz 503" …
	nacked, written      int64
	duplicates           int64
	recoveredAfter       time.Duration // from the end of the outage to every event stored
	readyAgainAfter      time.Duration
	staleServed, with503 int
}

// runOutage ingests a steady stream of simulated messages through pstest
// and the subscriber while the API is read, takes the store down for
// outage in the middle, and checks what the clients and the store saw.
func runOutage(tb testing.TB, outage time.Duration, rate float64) outageFigures {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), outage+3*time.Minute)
	defer cancel()
	names := pubsubtest.Names
	local := pubsubtest.Start(tb, "outage-proj", names)
	inner, err := sqlitestore.Open(ctx, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = inner.Close() })
	store := storetest.NewFaultStore(inner, 7)

	api := httptest.NewServer(httpapi.NewHandler(httpapi.Deps{Store: store, Logger: quiet, Cache: httpapi.NewCache(httpapi.CacheConfig{})}, httpapi.Config{DisableRequestLog: true}))
	tb.Cleanup(api.Close)

	dl := pubsub.NewPublisher(local.Client, names.DeadLetterTopic)
	tb.Cleanup(dl.Stop)
	sub, err := pubsub.NewSubscriber(local.Client, store, dl, pubsub.SubscriberConfig{Subscription: names.Subscription, NumGoroutines: 16, Handler: pubsub.HandlerConfig{Logger: quiet}})
	if err != nil {
		tb.Fatal(err)
	}
	subCtx, stopSub := context.WithCancel(ctx)
	defer stopSub()
	subDone := make(chan error, 1)
	go func() { subDone <- sub.Run(subCtx) }()

	// Traffic: one event stream over lead + outage + lead.
	lead := max(outage/3, time.Second)
	total := int(rate * (outage + 2*lead).Seconds())
	msgs, err := simulator.Generate(simulator.Config{Count: total, Flights: 100, Seed: 30, Start: time.Now().Add(-3 * time.Hour), Span: 2 * time.Hour, DuplicateRatio: 0.05})
	if err != nil {
		tb.Fatal(err)
	}
	want, _ := simulator.Expected(msgs)
	pubDone := make(chan error, 1)
	var sent []simulator.Message
	go func() {
		pub := pubsub.NewPublisher(local.Client, names.Topic)
		defer pub.Stop()
		var err error
		sent, err = simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{Rate: rate})
		pubDone <- err
	}()

	f := outageFigures{statuses: map[string]int{}}
	var mu sync.Mutex
	get := func(label, path string) (int, http.Header) {
		resp, err := api.Client().Get(api.URL + path)
		if err != nil {
			tb.Errorf("GET %s: %v", path, err)
			return 0, nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		mu.Lock()
		f.statuses[label+" "+strconv.Itoa(resp.StatusCode)]++
		mu.Unlock()
		return resp.StatusCode, resp.Header
	}
	// A reader that asks the same page all along (cached) and pages it
	// never asked before (uncached), and probes /readyz.
	check := func(phase string, down bool) {
		code, h := get(phase+" /datos cached", "/datos?limit=50")
		switch {
		case code == http.StatusOK && down:
			if h.Get("Warning") == "" && h.Get("Age") == "" {
				// A fresh hit (the entry was filled just before the
				// outage) is fine; a stale one must say so.
				break
			}
			f.staleServed++
		case code == http.StatusOK:
		case code == http.StatusServiceUnavailable && h.Get("Retry-After") != "":
			f.with503++
		default:
			tb.Errorf("%s: GET /datos?limit=50 = %d (Retry-After %q): want 200 or 503 with Retry-After", phase, code, h.Get("Retry-After"))
		}
		code, h = get(phase+" /datos uncached", "/datos?limit="+strconv.Itoa(51+len(f.statuses)%900)+"&status=landed")
		if down && (code != http.StatusServiceUnavailable || h.Get("Retry-After") == "") {
			tb.Errorf("%s: uncached GET /datos = %d (Retry-After %q): want 503 with Retry-After", phase, code, h.Get("Retry-After"))
		}
		if !down && code != http.StatusOK {
			tb.Errorf("%s: uncached GET /datos = %d, want 200", phase, code)
		}
		code, _ = get(phase+" /readyz", "/readyz")
		if down && code != http.StatusServiceUnavailable {
			tb.Errorf("%s: /readyz = %d during the outage, want 503", phase, code)
		}
		if code >= 500 && code != http.StatusServiceUnavailable {
			tb.Errorf("%s: /readyz = %d", phase, code)
		}
	}

	for end := time.Now().Add(lead); time.Now().Before(end); {
		check("before", false)
		time.Sleep(50 * time.Millisecond)
	}
	store.Set(faultstore.Fault{Mode: faultstore.Fail, Ops: faultstore.AllOps})
	nackedBefore := sub.Stats().Nacked
	for end := time.Now().Add(outage); time.Now().Before(end); {
		check("during", true)
		time.Sleep(100 * time.Millisecond)
	}
	store.Clear()
	recovered := time.Now()
	f.nacked = sub.Stats().Nacked - nackedBefore
	waitFor(tb, 30*time.Second, "/readyz to answer 200 again", func() bool {
		code, _ := get("after /readyz", "/readyz")
		return code == http.StatusOK
	})
	f.readyAgainAfter = time.Since(recovered)
	if err := <-pubDone; err != nil {
		tb.Fatalf("publish: %v", err)
	}
	waitFor(tb, 2*time.Minute, "every published event stored", func() bool {
		s := sub.Stats()
		return s.Written >= int64(len(want)) && s.Written+s.Duplicates >= int64(len(sent))
	})
	f.recoveredAfter = time.Since(recovered)
	check("after", false)
	stopSub()
	if err := <-subDone; err != nil {
		tb.Errorf("subscriber: %v", err)
	}
	s := sub.Stats()
	f.published, f.events, f.written, f.duplicates = len(sent), len(want), s.Written, s.Duplicates

	// Exactly once: the store holds each published event, and only those.
	got := allStored(tb, inner, time.Now().Add(-4*time.Hour), time.Now())
	slices.Sort(got)
	wantIDs := make([]string, len(want))
	for i, e := range want {
		wantIDs[i] = e.EventID
	}
	slices.Sort(wantIDs)
	if diff := cmp.Diff(got, wantIDs); diff != "" {
		tb.Errorf("stored event ids vs published events (-got +want):\n%s", diff)
	}
	if s.Written != int64(len(want)) {
		tb.Errorf("written %d, want %d (each event stored for the first time once)", s.Written, len(want))
	}
	if f.nacked == 0 {
		tb.Error("the subscriber nacked nothing during the outage")
	}
	return f
}

// TestStoreOutage is the outage scenario with a 3 s outage;
// BenchmarkStoreOutage30s runs the full 30 s.
func TestStoreOutage(t *testing.T) {
	t.Parallel()
	f := runOutage(t, 3*time.Second, 200)
	t.Logf("outage 3 s: %d published, %d events, written %d, duplicates %d, nacked during outage %d; stale answers %d, 503s %d; ready again after %s, all stored %s after recovery; statuses %v",
		f.published, f.events, f.written, f.duplicates, f.nacked, f.staleServed, f.with503, f.readyAgainAfter.Round(time.Millisecond), f.recoveredAfter.Round(time.Millisecond), f.statuses)
}

func BenchmarkStoreOutage30s(b *testing.B) {
	var f outageFigures
	for b.Loop() {
		f = runOutage(b, 30*time.Second, 200)
	}
	b.ReportMetric(float64(f.published), "published")
	b.ReportMetric(float64(f.written), "stored")
	b.ReportMetric(float64(f.events-int(f.written)), "lost")
	b.ReportMetric(float64(f.nacked), "nacked")
	b.ReportMetric(float64(f.staleServed), "stale_200")
	b.ReportMetric(float64(f.with503), "cached_503")
	b.ReportMetric(f.recoveredAfter.Seconds(), "catch_up_s")
	b.Logf("statuses %v", f.statuses)
}
