package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	ps "cloud.google.com/go/pubsub/v2"

	"${{ values.goModule }}/config"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/simulator"
)

// simFlags are the simulator's flags, shared by publish and local.
type simFlags struct {
	count       int
	rate        float64
	flights     int
	seed        uint64
	start       string
	duplicates  float64
	malformed   float64
	concurrency int
}

func (f *simFlags) register(fs *flag.FlagSet, defCount int, defDup, defBad float64) {
	fs.IntVar(&f.count, "count", defCount, "messages to publish, duplicates and malformed included")
	fs.Float64Var(&f.rate, "rate", 0, "messages per second; 0 = as fast as possible")
	fs.IntVar(&f.flights, "flights", simulator.DefaultFlights, "distinct flights")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed; with --start the output is identical across runs")
	fs.StringVar(&f.start, "start", "", "RFC 3339 time of the first event (default: 24h ago); events cover 24h")
	fs.Float64Var(&f.duplicates, "duplicates", defDup, "fraction of messages re-sending an earlier event (same event_id)")
	fs.Float64Var(&f.malformed, "malformed", defBad, "fraction of malformed messages (bad JSON, status, flight id, timestamp)")
	fs.IntVar(&f.concurrency, "concurrency", simulator.DefaultConcurrency, "publishes in flight")
}

func (f *simFlags) config() (simulator.Config, error) {
	cfg := simulator.Config{Count: f.count, Flights: f.flights, Seed: f.seed, DuplicateRatio: f.duplicates, MalformedRatio: f.malformed}
	if f.start != "" {
		t, err := time.Parse(time.RFC3339, f.start)
		if err != nil {
			return cfg, badInput("--start %q: want an RFC 3339 time such as 2026-11-27T08:00:00Z", f.start)
		}
		cfg.Start = t
	}
	if err := cfg.Validate(); err != nil {
		return cfg, badInput("simulator: %w", err)
	}
	if f.rate < 0 {
		return cfg, badInput("--rate must be >= 0, got %g", f.rate)
	}
	return cfg, nil
}

func (c *cli) publish(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	var sf simFlags
	sf.register(fs, 1000, 0, 0)
	create := fs.Bool("create", false, "create the topic if missing (for emulators)")
	if err := c.parse(fs, args, "publish [--count N] [--rate R] [--flights F] [--seed S] [--start T] [--duplicates P] [--malformed P]"); err != nil {
		return helpOK(err)
	}
	simCfg, err := sf.config()
	if err != nil {
		return err
	}
	msgs, err := simulator.Generate(simCfg)
	if err != nil {
		return badInput("%w", err)
	}
	client, err := ps.NewClient(ctx, cfg.ProjectID)
	if err != nil {
		return remote(fmt.Errorf("pubsub.NewClient: %w", err))
	}
	defer client.Close()
	if *create {
		if err := pubsub.EnsureTopic(ctx, client, cfg.Topic); err != nil {
			return remote(err)
		}
	}
	pub := pubsub.NewPublisher(client, cfg.Topic)
	defer pub.Stop()
	begin := time.Now()
	sent, err := simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{Rate: sf.rate, Concurrency: sf.concurrency})
	fmt.Fprintf(c.stdout, "published %d of %d messages to %s in %s (%s)\n", len(sent), len(msgs), pubsub.TopicName(cfg.ProjectID, cfg.Topic), time.Since(begin).Round(time.Millisecond), kinds(sent))
	if err != nil {
		return remote(err)
	}
	return nil
}

func kinds(msgs []simulator.Message) string {
	n := map[simulator.Kind]int{}
	for _, m := range msgs {
		n[m.Kind]++
	}
	return fmt.Sprintf("valid=%d duplicate=%d malformed=%d", n[simulator.KindValid], n[simulator.KindDuplicate], n[simulator.KindMalformed])
}
