package pubsub

import (
	"context"
	"fmt"
	"strings"
	"time"

	ps "cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Names are the Pub/Sub resources of the ingest path, as ids (or full names).
type Names struct {
	Topic                  string // events are published here
	Subscription           string // the subscriber reads Topic here
	DeadLetterTopic        string // poison messages are published here
	DeadLetterSubscription string // for inspecting DeadLetterTopic; optional
	// AckDeadline of the subscriptions (0 = 60 s): how long a message
	// delivered to a subscriber that vanished waits before redelivery.
	AckDeadline time.Duration
}

// TopicName returns the full resource name of topic id in project.
func TopicName(project, id string) string {
	if strings.HasPrefix(id, "projects/") {
		return id
	}
	return "projects/" + project + "/topics/" + id
}

// SubscriptionName returns the full resource name of subscription id in project.
func SubscriptionName(project, id string) string {
	if strings.HasPrefix(id, "projects/") {
		return id
	}
	return "projects/" + project + "/subscriptions/" + id
}

// EnsureTopic creates topic id in the client's project unless it exists.
func EnsureTopic(ctx context.Context, c *ps.Client, id string) error {
	name := TopicName(c.Project(), id)
	_, err := c.TopicAdminClient.GetTopic(ctx, &pubsubpb.GetTopicRequest{Topic: name})
	if err == nil {
		return nil
	}
	if status.Code(err) != codes.NotFound {
		return fmt.Errorf("get topic %s: %w", name, err)
	}
	_, err = c.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: name})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("create topic %s: %w", name, err)
	}
	return nil
}

// SubscriptionSpec describes a subscription to ensure.
type SubscriptionSpec struct {
	ID          string
	Topic       string
	AckDeadline time.Duration // 0 = 60 s
	// DeadLetterTopic and MaxDeliveryAttempts set a server-side
	// dead-letter policy (for messages nacked too often). Leave empty with
	// pstest, whose dead-letter forwarding re-publishes forever.
	DeadLetterTopic     string
	MaxDeliveryAttempts int32
}

// EnsureSubscription creates the subscription unless it exists. An
// existing subscription is left as it is.
func EnsureSubscription(ctx context.Context, c *ps.Client, spec SubscriptionSpec) error {
	name := SubscriptionName(c.Project(), spec.ID)
	_, err := c.SubscriptionAdminClient.GetSubscription(ctx, &pubsubpb.GetSubscriptionRequest{Subscription: name})
	if err == nil {
		return nil
	}
	if status.Code(err) != codes.NotFound {
		return fmt.Errorf("get subscription %s: %w", name, err)
	}
	ack := spec.AckDeadline
	if ack <= 0 {
		ack = 60 * time.Second
	}
	sub := &pubsubpb.Subscription{
		Name:               name,
		Topic:              TopicName(c.Project(), spec.Topic),
		AckDeadlineSeconds: int32(ack / time.Second),
	}
	if spec.DeadLetterTopic != "" {
		sub.DeadLetterPolicy = &pubsubpb.DeadLetterPolicy{
			DeadLetterTopic:     TopicName(c.Project(), spec.DeadLetterTopic),
			MaxDeliveryAttempts: spec.MaxDeliveryAttempts,
		}
	}
	_, err = c.SubscriptionAdminClient.CreateSubscription(ctx, sub)
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("create subscription %s: %w", name, err)
	}
	return nil
}

// EnsureIngest creates the topic, its subscription, the dead-letter topic
// and, when named, a dead-letter subscription for inspection. The
// subscriber dead-letters poison messages itself, so no server-side
// dead-letter policy is set.
func EnsureIngest(ctx context.Context, c *ps.Client, n Names) error {
	for _, t := range []string{n.Topic, n.DeadLetterTopic} {
		if err := EnsureTopic(ctx, c, t); err != nil {
			return err
		}
	}
	if err := EnsureSubscription(ctx, c, SubscriptionSpec{ID: n.Subscription, Topic: n.Topic, AckDeadline: n.AckDeadline}); err != nil {
		return err
	}
	if n.DeadLetterSubscription != "" {
		if err := EnsureSubscription(ctx, c, SubscriptionSpec{ID: n.DeadLetterSubscription, Topic: n.DeadLetterTopic, AckDeadline: n.AckDeadline}); err != nil {
			return err
		}
	}
	return nil
}

// DeadLetter is a message read back from the dead-letter subscription.
type DeadLetter struct {
	ID         string
	Data       []byte
	Attributes map[string]string
}

// PullDeadLetters synchronously pulls and acks up to max messages from a
// dead-letter subscription (for inspection tools and tests). It returns
// fewer when fewer are available.
func PullDeadLetters(ctx context.Context, c *ps.Client, subscription string, max int) ([]DeadLetter, error) {
	name := SubscriptionName(c.Project(), subscription)
	resp, err := c.SubscriptionAdminClient.Pull(ctx, &pubsubpb.PullRequest{Subscription: name, MaxMessages: int32(max)})
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", name, err)
	}
	out := make([]DeadLetter, 0, len(resp.ReceivedMessages))
	ackIDs := make([]string, 0, len(resp.ReceivedMessages))
	for _, rm := range resp.ReceivedMessages {
		m := rm.GetMessage()
		out = append(out, DeadLetter{ID: m.GetMessageId(), Data: m.GetData(), Attributes: m.GetAttributes()})
		ackIDs = append(ackIDs, rm.GetAckId())
	}
	if len(ackIDs) > 0 {
		if err := c.SubscriptionAdminClient.Acknowledge(ctx, &pubsubpb.AcknowledgeRequest{Subscription: name, AckIds: ackIDs}); err != nil {
			return nil, fmt.Errorf("acknowledge %s: %w", name, err)
		}
	}
	return out, nil
}
