//go:build !production

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"sync"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/config"
	"${{ values.goModule }}/httpapi"
	"${{ values.goModule }}/pubsub"
	"${{ values.goModule }}/simulator"
	"${{ values.goModule }}/sqlitestore"
)

// This file is the local-only part of the binary: the production image is
// built with -tags production and leaves it out (run.go: openSQLite,
// localMode), and with it modernc.org/sqlite and the local mode.
func init() {
	openSQLite = func(ctx context.Context, path string) (flightevents.EventStore, error) {
		return sqlitestore.Open(ctx, path)
	}
	localMode = (*cli).local
}

// localRateLimit turns the /datos rate limit off for a local run (one
// user, and the load command from the same machine), unless
// DATOS_RATE_LIMIT is set.
func localRateLimit(cfg config.Config, getenv func(string) string) config.Config {
	if getenv("DATOS_RATE_LIMIT") == "" {
		cfg.DatosRateLimit = 0
	}
	return cfg
}

// local runs the whole service in one process: pstest with a real client,
// the topic/subscription/dead-letter resources, the embedded store, the
// subscriber, a burst of simulated events and the API.
func (c *cli) local(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	var sf simFlags
	sf.register(fs, 2000, 0.05, 0.02)
	streams := fs.Int("streams", max(cfg.Streams, 16), "StreamingPull streams (pstest sends one message per stream every 10 ms)")
	if err := c.parse(fs, args, "local [--count N] [--rate R] [--streams S] [simulator flags]"); err != nil {
		return helpOK(err)
	}
	if *streams < 1 {
		return badInput("local: --streams must be >= 1")
	}
	simCfg, err := sf.config()
	if err != nil {
		return err
	}
	msgs, err := simulator.Generate(simCfg)
	if err != nil {
		return badInput("%w", err)
	}
	log := c.logger(cfg)
	cfg = localRateLimit(cfg, c.getenv)
	obs := observe(cfg)

	ps, err := pubsub.StartLocal(ctx, cfg.ProjectID)
	if err != nil {
		return err
	}
	defer ps.Close()
	if err := pubsub.EnsureIngest(ctx, ps.Client, names(cfg)); err != nil {
		return err
	}
	raw, err := sqlitestore.Open(ctx, cfg.SQLitePath)
	if err != nil {
		return fmt.Errorf("open sqlite store: %w", err)
	}
	defer raw.Close()
	defer obs.close() // before the store closes: the cache's refreshes read it
	store := obs.store(raw, log)
	dl := pubsub.NewPublisher(ps.Client, cfg.DeadLetterTopic)
	defer dl.Stop()
	sub, err := pubsub.NewSubscriber(ps.Client, store, dl, subscriberConfig(cfg, *streams, log, obs.metrics))
	if err != nil {
		return err
	}
	srv, err := listen(cfg, httpapi.NewHandler(obs.deps(store, log), httpapi.Config{}))
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	subErr := make(chan error, 1)
	wg.Go(func() { subErr <- sub.Run(ctx) })
	httpErr := make(chan error, 1)
	wg.Go(func() { httpErr <- srv.serveUntil(ctx, cfg.ShutdownTimeout) })
	wg.Go(func() {
		pub := pubsub.NewPublisher(ps.Client, cfg.Topic)
		defer pub.Stop()
		begin := time.Now()
		sent, err := simulator.Publish(ctx, pub, msgs, simulator.PublishOptions{Rate: sf.rate, Concurrency: sf.concurrency})
		if err != nil {
			if ctx.Err() == nil {
				log.Error("publish burst failed", "error", err)
			}
			return
		}
		log.Info("published burst", "messages", len(sent), "kinds", kinds(sent), "took", time.Since(begin).Round(time.Millisecond).String())
		// Report once the burst is ingested.
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if s := sub.Stats(); s.Written+s.Duplicates+s.DeadLettered >= int64(len(sent)) {
					log.Info("burst ingested", "took", time.Since(begin).Round(time.Millisecond).String(), "stats", s)
					fmt.Fprintf(c.stdout, "Ingested the burst in %s: %s\n", time.Since(begin).Round(time.Millisecond), statsLine(s))
					return
				}
			}
		}
	})

	log.Info("local mode", "addr", srv.ln.Addr().String(), "pubsub", ps.Server.Addr, "topic", cfg.Topic, "streams", *streams, "burst", len(msgs))
	c.announce(srv.base)
	fmt.Fprintf(c.stdout, "Publishing %d simulated events through the in-process Pub/Sub fake; press Ctrl-C to stop.\n", len(msgs))

	<-ctx.Done()
	stopped := time.Now()
	wg.Wait()
	err = errors.Join(<-subErr, <-httpErr)
	log.Info("stopped", "took", time.Since(stopped).Round(time.Millisecond).String(), "stats", sub.Stats())
	return err
}

// statsLine formats subscriber stats for the terminal.
func statsLine(s pubsub.Stats) string {
	return strings.Join([]string{
		fmt.Sprintf("received=%d", s.Received),
		fmt.Sprintf("written=%d", s.Written),
		fmt.Sprintf("duplicates=%d", s.Duplicates),
		fmt.Sprintf("dead_lettered=%d", s.DeadLettered),
		fmt.Sprintf("nacked=%d", s.Nacked),
		fmt.Sprintf("batches=%d", s.Batches),
	}, " ")
}
