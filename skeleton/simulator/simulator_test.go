package simulator_test

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/simulator"
)

var start = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	cfg := simulator.Config{Count: 500, Flights: 7, Seed: 42, Start: start, DuplicateRatio: 0.1, MalformedRatio: 0.1}
	a, err := simulator.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := simulator.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same config, different output (-got +want):\n%s", diff)
	}
	cfg.Seed = 43
	c, err := simulator.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(a, c) {
		t.Error("seeds 42 and 43 generated identical messages")
	}
}

// allowed lists the statuses that may follow each status in one flight's
// history (a landed or cancelled flight starts its next leg as scheduled).
var allowed = map[flightevents.Status][]flightevents.Status{
	"":                           {flightevents.StatusScheduled},
	flightevents.StatusScheduled: {flightevents.StatusOnTime, flightevents.StatusDelayed, flightevents.StatusCancelled},
	flightevents.StatusOnTime:    {flightevents.StatusBoarding},
	flightevents.StatusDelayed:   {flightevents.StatusDelayed, flightevents.StatusBoarding, flightevents.StatusCancelled},
	flightevents.StatusBoarding:  {flightevents.StatusDeparted},
	flightevents.StatusDeparted:  {flightevents.StatusLanded},
	flightevents.StatusLanded:    {flightevents.StatusScheduled},
	flightevents.StatusCancelled: {flightevents.StatusScheduled},
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		cfg                  simulator.Config
		wantFlights          int
		wantDup, wantBad     bool
		minValid, maxInvalid int
	}{
		{name: "valid_only", cfg: simulator.Config{Count: 300, Flights: 5, Seed: 1, Start: start}, wantFlights: 5, minValid: 300},
		{name: "with_duplicates_and_malformed", cfg: simulator.Config{Count: 2000, Flights: 40, Seed: 2, Start: start, DuplicateRatio: 0.1, MalformedRatio: 0.05}, wantFlights: 40, wantDup: true, wantBad: true, minValid: 1500, maxInvalid: 200},
		{name: "default_flights", cfg: simulator.Config{Count: 1000, Seed: 3, Start: start}, wantFlights: simulator.DefaultFlights, minValid: 1000},
		{name: "empty", cfg: simulator.Config{Count: 0, Seed: 4, Start: start}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msgs, err := simulator.Generate(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != tt.cfg.Count {
				t.Fatalf("got %d messages, want %d", len(msgs), tt.cfg.Count)
			}
			now := start.Add(48 * time.Hour)
			last := map[string]flightevents.Event{}
			kinds := map[simulator.Kind]int{}
			byID := map[string][]byte{}
			for i, m := range msgs {
				kinds[m.Kind]++
				if m.Seq != i || m.Attributes[simulator.AttrSeq] != strconv.Itoa(i) || m.Attributes[simulator.AttrSource] != "simulator" {
					t.Fatalf("message %d: seq %d, attributes %v", i, m.Seq, m.Attributes)
				}
				got, err := flightevents.DecodeEvent(m.Data, now)
				switch m.Kind {
				case simulator.KindMalformed:
					var ve *flightevents.ValidationError
					if !errors.As(err, &ve) {
						t.Fatalf("malformed message %d %s decoded without a validation error: %v", i, m.Data, err)
					}
					if ve.Reason() != m.Reason {
						t.Errorf("malformed message %d %s: reason %q, simulator expects %q", i, m.Data, ve.Reason(), m.Reason)
					}
				case simulator.KindDuplicate:
					if err != nil {
						t.Fatalf("duplicate %d: %v", i, err)
					}
					if orig, ok := byID[got.EventID]; !ok || !bytes.Equal(orig, m.Data) {
						t.Errorf("duplicate %d (%s) does not repeat an earlier valid message", i, m.Data)
					}
				case simulator.KindValid:
					if err != nil {
						t.Fatalf("valid message %d %s: %v", i, m.Data, err)
					}
					if diff := cmp.Diff(got, m.Event); diff != "" {
						t.Errorf("message %d decodes differently from its Event (-got +want):\n%s", i, diff)
					}
					if _, dup := byID[got.EventID]; dup {
						t.Errorf("valid message %d reuses event id %s", i, got.EventID)
					}
					byID[got.EventID] = m.Data
					prev := last[got.FlightID]
					if !prev.Timestamp.IsZero() && !got.Timestamp.After(prev.Timestamp) {
						t.Errorf("flight %s: timestamp %s not after %s", got.FlightID, got.Timestamp, prev.Timestamp)
					}
					ok := false
					for _, s := range allowed[prev.Status] {
						ok = ok || s == got.Status
					}
					if !ok {
						t.Errorf("flight %s: %q after %q", got.FlightID, got.Status, prev.Status)
					}
					last[got.FlightID] = got
				}
			}
			if len(last) != tt.wantFlights {
				t.Errorf("got %d flights, want %d", len(last), tt.wantFlights)
			}
			if (kinds[simulator.KindDuplicate] > 0) != tt.wantDup || (kinds[simulator.KindMalformed] > 0) != tt.wantBad {
				t.Errorf("kinds %v: want duplicates %v, malformed %v", kinds, tt.wantDup, tt.wantBad)
			}
			if kinds[simulator.KindValid] < tt.minValid || kinds[simulator.KindMalformed] > tt.maxInvalid && tt.maxInvalid > 0 {
				t.Errorf("kinds %v: want at least %d valid and at most %d malformed", kinds, tt.minValid, tt.maxInvalid)
			}
			events, bad := simulator.Expected(msgs)
			if len(events) != kinds[simulator.KindValid] || len(bad) != kinds[simulator.KindMalformed] {
				t.Errorf("Expected: %d events and %d malformed, want %d and %d", len(events), len(bad), kinds[simulator.KindValid], kinds[simulator.KindMalformed])
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     simulator.Config
		wantErr bool
	}{
		{name: "ok", cfg: simulator.Config{Count: 10, Flights: 3, DuplicateRatio: 0.5, MalformedRatio: 0.5}},
		{name: "negative_count", cfg: simulator.Config{Count: -1}, wantErr: true},
		{name: "too_many_flights", cfg: simulator.Config{Count: 1, Flights: 10000}, wantErr: true},
		{name: "ratios_over_one", cfg: simulator.Config{Count: 1, DuplicateRatio: 0.6, MalformedRatio: 0.5}, wantErr: true},
		{name: "negative_ratio", cfg: simulator.Config{Count: 1, DuplicateRatio: -0.1}, wantErr: true},
		{name: "negative_span", cfg: simulator.Config{Count: 1, Span: -time.Second}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, want error %v", err, tt.wantErr)
			}
			if _, gerr := simulator.Generate(tt.cfg); (gerr != nil) != tt.wantErr {
				t.Errorf("Generate() error = %v, want error %v", gerr, tt.wantErr)
			}
		})
	}
}

func TestPublishToPstest(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	local, err := pubsub.StartLocal(ctx, "sim-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = local.Close() })
	if err := pubsub.EnsureTopic(ctx, local.Client, "events"); err != nil {
		t.Fatal(err)
	}
	pub := pubsub.NewPublisher(local.Client, "events")
	t.Cleanup(pub.Stop)
	msgs, err := simulator.Generate(simulator.Config{Count: 300, Flights: 4, Seed: 9, Start: start, DuplicateRatio: 0.1, MalformedRatio: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{Concurrency: 16})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != len(msgs) {
		t.Fatalf("sent %d of %d", len(sent), len(msgs))
	}
	onServer := map[string][]byte{}
	for _, m := range local.Server.Messages() {
		onServer[m.ID] = m.Data
	}
	for i, m := range sent {
		if m.Seq != i || m.ServerID == "" {
			t.Fatalf("sent[%d]: seq %d, server id %q", i, m.Seq, m.ServerID)
		}
		if !bytes.Equal(onServer[m.ServerID], m.Data) {
			t.Errorf("message %d: server holds %q, sent %q", i, onServer[m.ServerID], m.Data)
		}
	}
	if len(onServer) != len(msgs) {
		t.Errorf("server holds %d messages, want %d", len(onServer), len(msgs))
	}
}

func TestPublishRespectsRate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	local, err := pubsub.StartLocal(ctx, "sim-rate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = local.Close() })
	if err := pubsub.EnsureTopic(ctx, local.Client, "events"); err != nil {
		t.Fatal(err)
	}
	pub := pubsub.NewPublisher(local.Client, "events")
	t.Cleanup(pub.Stop)
	msgs, err := simulator.Generate(simulator.Config{Count: 11, Seed: 1, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	// 11 messages at 50/s are due over 200 ms: publishing cannot be faster.
	begin := time.Now()
	if _, err := simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{Rate: 50}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < 200*time.Millisecond {
		t.Errorf("11 messages at 50 msg/s took %s, want >= 200ms", took)
	}
}

func TestPublishStopsOnError(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	local, err := pubsub.StartLocal(ctx, "sim-missing")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = local.Close() })
	pub := pubsub.NewPublisher(local.Client, "no-such-topic")
	t.Cleanup(pub.Stop)
	msgs, err := simulator.Generate(simulator.Config{Count: 20, Seed: 1, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{Concurrency: 1})
	if err == nil {
		t.Fatal("publishing to a missing topic succeeded")
	}
	if len(sent) != 0 {
		t.Errorf("sent %d messages to a missing topic", len(sent))
	}
}
