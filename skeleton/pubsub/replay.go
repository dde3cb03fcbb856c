package pubsub

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	ps "cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"

	flightevents "${{ values.goModule }}"
)

// AttrReplayOf is set on a re-published message to the id of the message
// that was first dead-lettered (its AttrSourceMessageID).
const AttrReplayOf = "replay_of"

// Defaults of ReplayOptions.
const (
	DefaultReplayMax   = 10_000
	DefaultReplayBatch = 100
)

// ReplayOptions select and bound a replay.
type ReplayOptions struct {
	// Reasons keeps only dead letters whose AttrReason is one of these;
	// empty replays every reason.
	Reasons []string
	// Max bounds the dead letters examined in one run (DefaultReplayMax).
	// Messages not replayed stay on the dead-letter subscription.
	Max int
	// Batch is the number of messages pulled at once (DefaultReplayBatch).
	Batch int
	// DryRun counts what would be replayed without publishing or acking.
	DryRun bool
}

// ReplayStats counts what a replay did. Examined = Replayed + Skipped +
// Failed (+ the dry run's would-be replays in Replayed).
type ReplayStats struct {
	Examined int `json:"examined"`
	// Replayed were re-published to the topic and then acked on the
	// dead-letter subscription (in a dry run: would be).
	Replayed int `json:"replayed"`
	// Skipped did not match Reasons and were left on the subscription.
	Skipped int `json:"skipped"`
	// Failed could not be re-published (or their ack failed after the
	// publish, so they may be replayed again: the store dedups).
	Failed int `json:"failed"`
	// ByReason counts examined messages by their dead-letter reason.
	ByReason map[string]int `json:"by_reason"`
}

// Replay re-publishes dead-lettered messages from the dead-letter
// subscription dlSub to pub (the ingest topic), once the cause that made
// them poison has been fixed (a validation rule relaxed, a producer bug
// worked around by the subscriber). It is idempotent: each dead letter is
// acked only after its re-publish succeeded, so an interrupted replay
// leaves the rest on the subscription and can be run again; a message
// re-published twice (publish succeeded, ack lost) carries the same event,
// which the store deduplicates by event_id.
//
// The dead-letter attributes (reason, error, source message id) are
// dropped from the re-published message and AttrReplayOf records the
// original message id. A message that is still invalid is simply
// dead-lettered again by the subscriber, with its current reason.
//
// Messages that do not match opt.Reasons are left on the subscription:
// they are held until the run ends (so one run examines each at most
// once) and then released for redelivery. A run must therefore finish
// within the subscription's ack deadline; Max bounds it.
func Replay(ctx context.Context, c *ps.Client, dlSub string, pub flightevents.EventPublisher, opt ReplayOptions) (ReplayStats, error) {
	if opt.Max <= 0 {
		opt.Max = DefaultReplayMax
	}
	if opt.Batch <= 0 {
		opt.Batch = DefaultReplayBatch
	}
	name := SubscriptionName(c.Project(), dlSub)
	stats := ReplayStats{ByReason: map[string]int{}}
	var held []string // ack ids to release at the end
	defer func() {
		if len(held) > 0 {
			// Release for redelivery, even if ctx is done.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			for chunk := range slices.Chunk(held, 1000) {
				_ = c.SubscriptionAdminClient.ModifyAckDeadline(rctx, &pubsubpb.ModifyAckDeadlineRequest{Subscription: name, AckIds: chunk, AckDeadlineSeconds: 0})
			}
		}
	}()
	for stats.Examined < opt.Max {
		n := min(opt.Batch, opt.Max-stats.Examined)
		resp, err := c.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: name, MaxMessages: int32(n)})
		if err != nil {
			return stats, fmt.Errorf("pull %s: %w", name, err)
		}
		if len(resp.ReceivedMessages) == 0 {
			return stats, nil
		}
		var acks []string
		for _, rm := range resp.ReceivedMessages {
			m := rm.GetMessage()
			stats.Examined++
			reason := m.GetAttributes()[AttrReason]
			stats.ByReason[reason]++
			if len(opt.Reasons) > 0 && !slices.Contains(opt.Reasons, reason) {
				stats.Skipped++
				held = append(held, rm.GetAckId())
				continue
			}
			if opt.DryRun {
				stats.Replayed++
				held = append(held, rm.GetAckId())
				continue
			}
			if _, err := pub.Publish(ctx, m.GetData(), replayAttributes(m)); err != nil {
				stats.Failed++
				held = append(held, rm.GetAckId())
				if ctx.Err() != nil {
					return stats, fmt.Errorf("replay: %w", ctx.Err())
				}
				continue
			}
			acks = append(acks, rm.GetAckId())
		}
		if len(acks) > 0 {
			if err := c.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: name, AckIds: acks}); err != nil {
				// Re-published but not acked: they come back and would be
				// replayed again, which the store absorbs.
				stats.Failed += len(acks)
				held = append(held, acks...)
				return stats, fmt.Errorf("acknowledge %s: %w", name, err)
			}
			stats.Replayed += len(acks)
		}
	}
	return stats, nil
}

// replayAttributes returns the attributes to re-publish m with: its own,
// without the ones the subscriber added when dead-lettering it.
func replayAttributes(m *pubsubpb.PubsubMessage) map[string]string {
	attrs := maps.Clone(m.GetAttributes())
	if attrs == nil {
		attrs = map[string]string{}
	}
	src := attrs[AttrSourceMessageID]
	delete(attrs, AttrReason)
	delete(attrs, AttrError)
	delete(attrs, AttrSourceMessageID)
	if src != "" {
		attrs[AttrReplayOf] = src
	} else {
		attrs[AttrReplayOf] = m.GetMessageId()
	}
	return attrs
}
