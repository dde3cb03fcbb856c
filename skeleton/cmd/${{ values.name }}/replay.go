package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"

	ps "cloud.google.com/go/pubsub/v2"

	"${{ values.goModule }}/config"
	"${{ values.goModule }}/pubsub"
)

// replay re-publishes dead letters to the ingest topic.
func (c *cli) replay(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	var reasons stringList
	fs.Var(&reasons, "reason", "replay only dead letters with this reason (such as invalid_timestamp), repeatable; default all")
	maxN := fs.Int("max", pubsub.DefaultReplayMax, "dead letters to examine at most in this run")
	dryRun := fs.Bool("dry-run", false, "count by reason what would be replayed; publish and ack nothing")
	format := fs.String("format", "text", "output: text or json")
	if err := c.parse(fs, args, "replay [--reason R]... [--max N] [--dry-run] (reads PUBSUB_DEAD_LETTER_SUBSCRIPTION, publishes to PUBSUB_TOPIC)"); err != nil {
		return helpOK(err)
	}
	if *format != "text" && *format != "json" {
		return badInput("replay: --format must be text or json, got %q", *format)
	}
	if *maxN < 1 || *maxN > 1_000_000 {
		return badInput("replay: --max must be from 1 to 1000000, got %d", *maxN)
	}
	client, err := ps.NewClient(ctx, cfg.ProjectID)
	if err != nil {
		return remote(fmt.Errorf("pubsub.NewClient: %w", err))
	}
	defer client.Close()
	pub := pubsub.NewPublisher(client, cfg.Topic)
	defer pub.Stop()
	stats, err := pubsub.Replay(ctx, client, cfg.DeadLetterSubscription, pub, pubsub.ReplayOptions{Reasons: reasons, Max: *maxN, DryRun: *dryRun})
	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(stats); werr != nil && err == nil {
			err = fmt.Errorf("write report: %w", werr)
		}
	} else {
		verb := "replayed"
		if *dryRun {
			verb = "would replay"
		}
		fmt.Fprintf(c.stdout, "%s %d of %d dead letters examined from %s to %s (skipped %d, failed %d)\n",
			verb, stats.Replayed, stats.Examined, pubsub.SubscriptionName(cfg.ProjectID, cfg.DeadLetterSubscription),
			pubsub.TopicName(cfg.ProjectID, cfg.Topic), stats.Skipped, stats.Failed)
		keys := make([]string, 0, len(stats.ByReason))
		for k := range stats.ByReason {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%d", k, stats.ByReason[k])
		}
		fmt.Fprintf(c.stdout, "by reason: %s\n", strings.Join(parts, " "))
	}
	if err != nil {
		return remote(err)
	}
	if stats.Failed > 0 {
		return remote(fmt.Errorf("replay: %d dead letters could not be re-published; they stay on the subscription", stats.Failed))
	}
	return nil
}
