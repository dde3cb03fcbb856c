package pubsub

import (
	"context"
	"errors"
	"fmt"
	"time"

	ps "cloud.google.com/go/pubsub/v2"

	flightevents "${{ values.goModule }}"
)

// Defaults of SubscriberConfig.
const (
	DefaultNumGoroutines          = 4
	DefaultMaxOutstandingMessages = 1000
	DefaultMaxOutstandingBytes    = 64 << 20
	DefaultShutdownTimeout        = 5 * time.Second
)

// SubscriberConfig configures a Subscriber. Zero values take the defaults.
type SubscriberConfig struct {
	// Subscription is the subscription id (or full resource name).
	Subscription string
	// NumGoroutines is the number of StreamingPull streams.
	NumGoroutines int
	// MaxOutstandingMessages and MaxOutstandingBytes bound the messages
	// being handled at once (flow control). Since Handle blocks until its
	// message is settled, they also bound the events held in memory, and
	// MaxOutstandingMessages caps the effective batch size.
	MaxOutstandingMessages int
	MaxOutstandingBytes    int
	// ShutdownTimeout is how long Run waits, once its context is done, for
	// messages in flight to be written, settled and their acks sent.
	// Messages still in flight after it are not acked and are redelivered.
	ShutdownTimeout time.Duration
	// Handler tunes batching and timeouts.
	Handler HandlerConfig
}

func (c SubscriberConfig) withDefaults() SubscriberConfig {
	if c.NumGoroutines <= 0 {
		c.NumGoroutines = DefaultNumGoroutines
	}
	if c.MaxOutstandingMessages <= 0 {
		c.MaxOutstandingMessages = DefaultMaxOutstandingMessages
	}
	if c.MaxOutstandingBytes <= 0 {
		c.MaxOutstandingBytes = DefaultMaxOutstandingBytes
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	c.Handler = c.Handler.withDefaults()
	return c
}

// Subscriber receives flight events from a subscription and writes them to
// an EventStore through a Handler.
type Subscriber struct {
	sub *ps.Subscriber
	h   *Handler
	cfg SubscriberConfig
}

// NewSubscriber returns a Subscriber on cfg.Subscription that writes to
// store and dead-letters poison messages to deadLetter.
func NewSubscriber(client *ps.Client, store flightevents.EventStore, deadLetter flightevents.EventPublisher, cfg SubscriberConfig) (*Subscriber, error) {
	if cfg.Subscription == "" {
		return nil, errors.New("new subscriber: subscription is required")
	}
	if store == nil || deadLetter == nil {
		return nil, errors.New("new subscriber: store and dead-letter publisher are required")
	}
	cfg = cfg.withDefaults()
	sub := client.Subscriber(cfg.Subscription)
	sub.ReceiveSettings.NumGoroutines = cfg.NumGoroutines
	sub.ReceiveSettings.MaxOutstandingMessages = cfg.MaxOutstandingMessages
	sub.ReceiveSettings.MaxOutstandingBytes = cfg.MaxOutstandingBytes
	// Graceful shutdown (no library timeout): Receive waits for the
	// callbacks, which are bounded by the Handler's timeouts, and flushes
	// their acks before returning. Run bounds the wait itself.
	sub.ReceiveSettings.ShutdownOptions = &ps.ShutdownOptions{Timeout: -1, Behavior: ps.ShutdownBehaviorWaitForProcessing}
	return &Subscriber{sub: sub, h: NewHandler(store, deadLetter, cfg.Handler), cfg: cfg}, nil
}

// Run receives until ctx is done or the subscription fails. On ctx done it
// stops pulling, writes the pending batch at once, waits for the messages
// in flight to be settled and their acks sent, and returns nil; if that
// takes longer than ShutdownTimeout it returns an error instead (what is
// unsettled is redelivered later). Nothing is acked before it is written.
// Run may be called once.
func (s *Subscriber) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, s.h.Drain)
	defer stop()
	recv := make(chan error, 1)
	go func() {
		recv <- s.sub.Receive(ctx, func(cctx context.Context, m *ps.Message) {
			s.h.Handle(cctx, Message{ID: m.ID, Data: m.Data, Attributes: m.Attributes, Acker: m})
		})
	}()
	var err error
	select {
	case err = <-recv:
	case <-ctx.Done():
		t := time.NewTimer(s.cfg.ShutdownTimeout)
		defer t.Stop()
		select {
		case err = <-recv:
		case <-t.C:
			err = fmt.Errorf("messages in flight not settled within %s; they will be redelivered", s.cfg.ShutdownTimeout)
		}
	}
	if err != nil {
		err = fmt.Errorf("receive %s: %w", s.cfg.Subscription, err)
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), s.cfg.Handler.WriteTimeout)
	defer cancel()
	return errors.Join(err, s.h.Close(closeCtx))
}

// Stats returns a snapshot of the subscriber's counters.
func (s *Subscriber) Stats() Stats { return s.h.Stats() }
