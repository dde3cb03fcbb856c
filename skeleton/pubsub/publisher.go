package pubsub

import (
	"context"
	"fmt"

	ps "cloud.google.com/go/pubsub/v2"

	flightevents "${{ values.goModule }}"
)

// Publisher implements flightevents.EventPublisher over a Pub/Sub topic.
// Concurrent Publish calls are bundled by the client.
type Publisher struct {
	p *ps.Publisher
}

var _ flightevents.EventPublisher = (*Publisher)(nil)

// NewPublisher returns a Publisher on topic (an id or a full resource name).
// Call Stop when done to flush and release it.
func NewPublisher(client *ps.Client, topic string) *Publisher {
	return &Publisher{p: client.Publisher(topic)}
}

// Publish sends one message and returns its server id once the broker
// accepted it.
func (p *Publisher) Publish(ctx context.Context, data []byte, attrs map[string]string) (string, error) {
	id, err := p.p.Publish(ctx, &ps.Message{Data: data, Attributes: attrs}).Get(ctx)
	if err != nil {
		return "", flightevents.WrapError(flightevents.EUNAVAILABLE, "publish to "+p.p.ID()+" failed", fmt.Errorf("publish: %w", err))
	}
	return id, nil
}

// Stop flushes pending messages and stops the publisher.
func (p *Publisher) Stop() { p.p.Stop() }
