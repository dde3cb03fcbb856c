// Package simulator generates realistic flight-status traffic for the ingest
// topic: per-flight status sequences with increasing timestamps, optionally
// mixed with duplicates (an event re-sent with the same event_id) and
// malformed messages. Generation is deterministic for a given Config, and
// every function returns what it produced or sent, so tests know the
// expected outcome.
//
// It is not a load tester of the API nor a source of production data.
package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	flightevents "${{ values.goModule }}"
)

// Kind says what a generated message is.
type Kind string

// The kinds of generated messages.
const (
	KindValid     Kind = "valid"     // a new, valid event
	KindDuplicate Kind = "duplicate" // the exact bytes of an earlier valid message
	KindMalformed Kind = "malformed" // can never be valid: must be dead-lettered
)

// Attributes set on every generated message.
const (
	AttrSource = "source" // always "simulator"
	AttrSeq    = "seq"    // position in the generated sequence, from 0
)

// Defaults of Config.
const (
	DefaultFlights     = 20
	DefaultSpan        = 24 * time.Hour
	DefaultConcurrency = 64
)

// Config describes the traffic to generate.
type Config struct {
	// Count is the number of messages, duplicates and malformed included.
	Count int
	// Flights is the number of distinct flight ids.
	Flights int
	// Seed makes the output deterministic (with a fixed Start).
	Seed uint64
	// Start is the timestamp of the first event; events are spread over
	// [Start, Start+Span). Zero means Span before now (not deterministic).
	Start time.Time
	// Span is the time range the events cover.
	Span time.Duration
	// DuplicateRatio and MalformedRatio are the fractions (0–1) of messages
	// that re-send an earlier valid event and that are malformed.
	DuplicateRatio float64
	MalformedRatio float64
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.Count < 0:
		return fmt.Errorf("count must be >= 0, got %d", c.Count)
	case c.Flights < 0 || c.Flights > 9999:
		return fmt.Errorf("flights must be between 1 and 9999, got %d", c.Flights)
	case c.Span < 0:
		return fmt.Errorf("span must be >= 0, got %s", c.Span)
	case c.DuplicateRatio < 0 || c.MalformedRatio < 0 || c.DuplicateRatio+c.MalformedRatio > 1:
		return fmt.Errorf("duplicate and malformed ratios must be >= 0 and add up to at most 1, got %g and %g", c.DuplicateRatio, c.MalformedRatio)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Flights == 0 {
		c.Flights = DefaultFlights
	}
	if c.Span == 0 {
		c.Span = DefaultSpan
	}
	if c.Start.IsZero() {
		c.Start = time.Now().Add(-c.Span)
	}
	c.Start = c.Start.UTC().Truncate(time.Microsecond)
	return c
}

// Message is one generated message.
type Message struct {
	Seq        int
	Kind       Kind
	Data       []byte
	Attributes map[string]string
	// Event is the event a valid or duplicate message carries (with the
	// event id the subscriber will store, derived when the message has none).
	Event flightevents.Event
	// Reason is the dead-letter reason expected for a malformed message
	// (flightevents.ValidationError.Reason).
	Reason string
	// ServerID is the id the broker gave the message (set by Publish).
	ServerID string
}

// airlines are IATA airline designators used for flight ids.
var airlines = []string{"IB", "VY", "UX", "LH", "AF", "BA", "KL", "FR", "U2", "AZ", "TP", "LX"}

// flight is the generator state of one flight: the statuses left in its
// current leg.
type flight struct {
	id   string
	next []flightevents.Status
}

// Generate returns cfg.Count messages. The same Config gives the same
// messages byte for byte.
func Generate(cfg Config) ([]Message, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	cfg = cfg.withDefaults()
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	flights := newFlights(rng, cfg.Flights)
	step := cfg.Span / time.Duration(max(cfg.Count, 1))
	step = max(step.Truncate(time.Microsecond), time.Microsecond)

	msgs := make([]Message, 0, cfg.Count)
	var valid []int // indexes of valid messages in msgs
	for i := range cfg.Count {
		ts := cfg.Start.Add(time.Duration(i) * step)
		attrs := map[string]string{AttrSource: "simulator", AttrSeq: strconv.Itoa(i)}
		r := rng.Float64()
		switch {
		case r < cfg.MalformedRatio:
			data, reason := malformed(rng, flights[rng.IntN(len(flights))].id, ts)
			msgs = append(msgs, Message{Seq: i, Kind: KindMalformed, Data: data, Attributes: attrs, Reason: reason})
		case r < cfg.MalformedRatio+cfg.DuplicateRatio && len(valid) > 0:
			orig := msgs[valid[rng.IntN(len(valid))]]
			msgs = append(msgs, Message{Seq: i, Kind: KindDuplicate, Data: orig.Data, Attributes: attrs, Event: orig.Event})
		default:
			f := flights[rng.IntN(len(flights))]
			if len(f.next) == 0 {
				f.next = leg(rng)
			}
			ev := flightevents.Event{FlightID: f.id, Status: f.next[0], Timestamp: ts}
			f.next = f.next[1:]
			ev.EventID = flightevents.DeriveEventID(ev.FlightID, ev.Status, ev.Timestamp)
			var data []byte
			if rng.IntN(4) == 0 {
				// Some producers send no event id: the subscriber derives
				// the same one.
				data = mustJSON(map[string]string{"flight_id": ev.FlightID, "status": string(ev.Status), "timestamp": ev.Timestamp.Format(time.RFC3339Nano)})
			} else {
				data = ev.Encode()
			}
			valid = append(valid, len(msgs))
			msgs = append(msgs, Message{Seq: i, Kind: KindValid, Data: data, Attributes: attrs, Event: ev})
		}
	}
	return msgs, nil
}

func newFlights(rng *rand.Rand, n int) []*flight {
	seen := make(map[string]bool, n)
	out := make([]*flight, 0, n)
	for len(out) < n {
		id := airlines[rng.IntN(len(airlines))] + strconv.Itoa(1+rng.IntN(9999))
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, &flight{id: id})
	}
	return out
}

// leg returns the statuses of one realistic flight leg: scheduled, then on
// time or delayed (possibly more than once), boarding, departed, landed;
// or, rarely, a cancellation after the schedule or a delay.
func leg(rng *rand.Rand) []flightevents.Status {
	s := []flightevents.Status{flightevents.StatusScheduled}
	switch r := rng.IntN(100); {
	case r < 5:
		if rng.IntN(2) == 0 {
			s = append(s, flightevents.StatusDelayed)
		}
		return append(s, flightevents.StatusCancelled)
	case r < 65:
		s = append(s, flightevents.StatusOnTime)
	default:
		for range 1 + rng.IntN(2) {
			s = append(s, flightevents.StatusDelayed)
		}
	}
	return append(s, flightevents.StatusBoarding, flightevents.StatusDeparted, flightevents.StatusLanded)
}

// malformed returns a message that can never be valid and the dead-letter
// reason the domain gives it.
func malformed(rng *rand.Rand, flightID string, ts time.Time) ([]byte, string) {
	tsText := ts.Format(time.RFC3339Nano)
	id := "bad-" + strconv.FormatInt(ts.UnixMicro(), 10)
	switch rng.IntN(8) {
	case 0:
		return []byte(`{"flight_id":"` + flightID + `","status":"boar`), "invalid_json"
	case 1:
		return []byte("not json at all"), "invalid_json"
	case 2:
		return mustJSON(map[string]string{"event_id": id, "flight_id": flightID, "status": "boarded", "timestamp": tsText}), "invalid_status"
	case 3:
		return mustJSON(map[string]string{"event_id": id, "flight_id": "ib-" + flightID[2:], "status": "landed", "timestamp": tsText}), "invalid_flight_id"
	case 4:
		return mustJSON(map[string]string{"event_id": id, "flight_id": flightID, "status": "departed"}), "invalid_timestamp"
	case 5:
		return mustJSON(map[string]string{"event_id": id, "flight_id": flightID, "status": "departed", "timestamp": ts.Format("02/01/2006 15:04")}), "invalid_timestamp"
	case 6:
		return mustJSON(map[string]string{"event_id": id, "flight_id": flightID, "status": "landed", "timestamp": "1999-12-31T23:59:59Z"}), "invalid_timestamp"
	default:
		return mustJSON(map[string]string{"event_id": id, "flight_id": flightID, "status": "landed", "timestamp": tsText, "gate": "B12"}), "invalid_json"
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return b
}

// Expected returns the distinct events the store must hold after msgs were
// ingested (in first-sent order) and the malformed messages that must be
// on the dead-letter topic.
func Expected(msgs []Message) (events []flightevents.Event, malformed []Message) {
	seen := make(map[string]bool)
	for _, m := range msgs {
		switch m.Kind {
		case KindValid, KindDuplicate:
			if !seen[m.Event.EventID] {
				seen[m.Event.EventID] = true
				events = append(events, m.Event)
			}
		case KindMalformed:
			malformed = append(malformed, m)
		}
	}
	return events, malformed
}

// PublishOptions pace publishing.
type PublishOptions struct {
	// Rate is the most messages per second; 0 means as fast as possible.
	Rate float64
	// Concurrency is the number of publishes in flight (DefaultConcurrency if 0).
	Concurrency int
}

// Publish sends msgs through pub in order of Seq (several in flight) and
// returns the messages the broker accepted, with ServerID set, in Seq
// order. On error or when ctx is done it stops and returns what was
// accepted so far together with the error.
func Publish(ctx context.Context, pub flightevents.EventPublisher, msgs []Message, opt PublishOptions) ([]Message, error) {
	if opt.Rate < 0 {
		return nil, fmt.Errorf("publish: rate must be >= 0, got %g", opt.Rate)
	}
	conc := opt.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, conc)
		ok   = make([]bool, len(msgs))
		out  = make([]Message, len(msgs))
		once sync.Once
		perr error
	)
	start := time.Now()
loop:
	for i, m := range msgs {
		if opt.Rate > 0 {
			due := start.Add(time.Duration(float64(i) / opt.Rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					break loop
				}
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			id, err := pub.Publish(ctx, m.Data, m.Attributes)
			if err != nil {
				once.Do(func() { perr = fmt.Errorf("publish message %d: %w", m.Seq, err); cancel(perr) })
				return
			}
			m.ServerID = id
			out[i], ok[i] = m, true
		}()
	}
	wg.Wait()
	sent := make([]Message, 0, len(msgs))
	for i := range msgs {
		if ok[i] {
			sent = append(sent, out[i])
		}
	}
	if perr == nil && ctx.Err() != nil {
		perr = fmt.Errorf("publish: %w", ctx.Err())
	}
	return sent, perr
}
