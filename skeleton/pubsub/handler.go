// Package pubsub adapts Google Cloud Pub/Sub to the flight-events domain: a
// Subscriber that decodes, validates and batches events into an
// flightevents.EventStore (acking only after the batch is durably written
// and dead-lettering poison messages), a Publisher implementing
// flightevents.EventPublisher, and helpers that create the topics and
// subscriptions the service needs.
//
// It is not for business rules (they live in the domain package) nor for
// storage (see the store adapters).
package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	flightevents "${{ values.goModule }}"
)

// Dead-letter attributes added to a poison message next to its own ones.
const (
	// AttrReason is a short machine-readable reason such as "invalid_status"
	// (flightevents.ValidationError.Reason).
	AttrReason = "reason"
	// AttrError is the full validation error message.
	AttrError = "error"
	// AttrSourceMessageID is the id of the message that was dead-lettered.
	AttrSourceMessageID = "source_message_id"
)

// Defaults of HandlerConfig.
const (
	DefaultBatchSize    = 500
	DefaultBatchMaxWait = 50 * time.Millisecond
	DefaultWriteTimeout = 4 * time.Second
)

// Acker settles one received message. *pubsub.Message implements it.
type Acker interface {
	Ack()
	Nack()
}

// Message is one received message as the Handler sees it.
type Message struct {
	ID         string
	Data       []byte
	Attributes map[string]string
	Acker      Acker
}

// Stats counts what a Handler did since it was created. Every received
// message ends in exactly one of written, duplicates, dead_lettered or
// nacked (a nacked message is usually received again later).
type Stats struct {
	Received     int64 `json:"received"`
	Written      int64 `json:"written"`
	Duplicates   int64 `json:"duplicates"`
	DeadLettered int64 `json:"dead_lettered"`
	Nacked       int64 `json:"nacked"`
	Batches      int64 `json:"batches"`
}

// HandlerConfig tunes batching. Zero values take the defaults.
type HandlerConfig struct {
	// BatchSize is the most events written in one store call.
	BatchSize int
	// BatchMaxWait is how long the first event of a batch waits for more
	// before the batch is written anyway.
	BatchMaxWait time.Duration
	// WriteTimeout bounds one store write and one dead-letter publish.
	// It does not derive from the receive context, so that a batch pending
	// at shutdown is still written (and acked) within this budget.
	WriteTimeout time.Duration
	// Now returns the current time for timestamp validation (time.Now if nil).
	Now func() time.Time
	// Logger receives one line per failed write and per dead-lettered
	// message, the latter at most DeadLetterLogBurst a second (the metrics
	// count every one; the next line says how many were not logged), so a
	// flood of poison neither floods the log nor slows valid traffic
	// (slog.Default if nil).
	Logger *slog.Logger
	// Observer is told about every message, write and dead letter
	// (metrics); nil observes nothing.
	Observer Observer
}

func (c HandlerConfig) withDefaults() HandlerConfig {
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchMaxWait <= 0 {
		c.BatchMaxWait = DefaultBatchMaxWait
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c
}

// Handler is the per-message path of the subscriber: decode → validate →
// batch → write → ack. Handle is safe for concurrent use and blocks until
// its message is settled, so the Pub/Sub client's flow control
// (MaxOutstandingMessages, which limits concurrent callbacks) also bounds
// the events held in memory.
//
// A valid event is acked only after the batch holding it was written by
// EventStore.WriteEvents without error; the whole batch is nacked when the
// write fails. An event that can never be valid is published to the
// dead-letter publisher and acked only once that publish succeeded.
//
// Batching costs one mutex section per message: the message's goroutine
// appends its event to the open batch and waits for the batch's done
// channel, which the writer goroutine closes after the write.
type Handler struct {
	store      flightevents.EventStore
	deadLetter flightevents.EventPublisher
	cfg        HandlerConfig

	mu       sync.Mutex
	cur      *batch // the open batch, nil when none
	closed   bool   // Close was called: Handle nacks
	draining bool   // Drain was called: batches are written at once
	// sending counts batches taken from cur (or whose timer may still
	// take them) and not yet queued; Close waits for it before closing
	// queue.
	sending sync.WaitGroup
	queue   chan *batch   // full or due batches, to the writer
	done    chan struct{} // closed when the writer has settled everything

	received, written, duplicates, deadLettered, nacked, batchCount atomic.Int64

	deadLetterLog logLimiter
}

// DeadLetterLogBurst is how many dead-lettered messages are logged per second.
const DeadLetterLogBurst = 20

// logLimiter lets through at most DeadLetterLogBurst lines per second and
// counts the rest.
type logLimiter struct {
	mu         sync.Mutex
	second     int64 // Unix second of the current window
	lines      int
	suppressed int
}

// allow reports whether a line may be logged at now, and how many were
// suppressed since the last one that was.
func (l *logLimiter) allow(now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := now.Unix(); s != l.second {
		l.second, l.lines = s, 0
	}
	if l.lines >= DeadLetterLogBurst {
		l.suppressed++
		return false, 0
	}
	l.lines++
	n := l.suppressed
	l.suppressed = 0
	return true, n
}

type batch struct {
	events []flightevents.Event
	timer  *time.Timer
	done   chan struct{} // closed after the write; err is then set
	err    error
}

// NewHandler starts a Handler writing to store and dead-lettering to
// deadLetter. Call Close when no more Handle calls will be made.
func NewHandler(store flightevents.EventStore, deadLetter flightevents.EventPublisher, cfg HandlerConfig) *Handler {
	h := &Handler{
		store:      store,
		deadLetter: deadLetter,
		cfg:        cfg.withDefaults(),
		queue:      make(chan *batch, 1),
		done:       make(chan struct{}),
	}
	go h.write()
	return h
}

// Handle settles one message: it is acked once written (or once
// dead-lettered when it can never be valid) and nacked otherwise. It
// returns when the message has been settled.
//
// When ctx is done before the event joined a batch the message is nacked;
// once in a batch, Handle waits for the write (bounded by WriteTimeout)
// even if ctx is done, so that nothing is left unsettled.
func (h *Handler) Handle(ctx context.Context, m Message) {
	h.received.Add(1)
	h.cfg.Observer.MessageReceived()
	ev, err := flightevents.DecodeEvent(m.Data, h.cfg.Now())
	if err != nil {
		h.poison(m, err)
		return
	}
	if ctx.Err() != nil {
		h.nack(m)
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		h.nack(m)
		return
	}
	b := h.cur
	if b == nil {
		b = &batch{events: make([]flightevents.Event, 0, h.cfg.BatchSize), done: make(chan struct{})}
		h.cur = b
		wait := h.cfg.BatchMaxWait
		if h.draining {
			wait = 0
		}
		h.sending.Add(1) // done by the timer, or by whoever stops it
		b.timer = time.AfterFunc(wait, func() { h.due(b) })
	}
	b.events = append(b.events, ev)
	full := len(b.events) >= h.cfg.BatchSize
	if full {
		h.cur = nil
		h.sending.Add(1)
	}
	h.mu.Unlock()
	if full {
		h.stopTimer(b)
		h.queue <- b
		h.sending.Done()
	}
	<-b.done
	if b.err != nil {
		h.nack(m)
		return
	}
	m.Acker.Ack()
}

// due queues b when its wait is over, unless it was already taken.
func (h *Handler) due(b *batch) {
	defer h.sending.Done()
	h.mu.Lock()
	if h.cur != b {
		h.mu.Unlock()
		return
	}
	h.cur = nil
	h.mu.Unlock()
	h.queue <- b
}

// stopTimer stops b's timer; if it had not fired, it releases the timer's
// share of sending.
func (h *Handler) stopTimer(b *batch) {
	if b.timer.Stop() {
		h.sending.Done()
	}
}

// takeOpen queues the open batch, if any, now.
func (h *Handler) takeOpen() {
	h.mu.Lock()
	b := h.cur
	h.cur = nil
	if b != nil {
		h.sending.Add(1)
	}
	h.mu.Unlock()
	if b != nil {
		h.stopTimer(b)
		h.queue <- b
		h.sending.Done()
	}
}

func (h *Handler) nack(m Message) {
	h.nacked.Add(1)
	h.cfg.Observer.MessagesNacked(1)
	m.Acker.Nack()
}

// poison dead-letters a message that can never be valid and acks it once
// the dead-letter topic accepted it; it nacks the message when the
// dead-letter publish fails, so the message is retried rather than lost.
func (h *Handler) poison(m Message, cause error) {
	reason := "invalid_event"
	var ve *flightevents.ValidationError
	if errors.As(cause, &ve) {
		reason = ve.Reason()
	}
	attrs := make(map[string]string, len(m.Attributes)+3)
	maps.Copy(attrs, m.Attributes)
	errText := truncate(cause.Error(), 1024)
	attrs[AttrReason] = reason
	attrs[AttrError] = errText
	if m.ID != "" {
		attrs[AttrSourceMessageID] = m.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.WriteTimeout)
	defer cancel()
	id, err := h.deadLetter.Publish(ctx, m.Data, attrs)
	if err != nil {
		h.cfg.Logger.Error("dead-letter publish failed; message nacked", "message_id", m.ID, "reason", reason, "error", err)
		h.nack(m)
		return
	}
	h.deadLettered.Add(1)
	h.cfg.Observer.MessageDeadLettered(reason)
	m.Acker.Ack()
	if ok, suppressed := h.deadLetterLog.allow(h.cfg.Now()); ok {
		h.cfg.Logger.Warn("message dead-lettered", "message_id", m.ID, "dead_letter_id", id, "reason", reason, "error", errText,
			"not_logged_since_last", suppressed)
	}
}

// write writes each queued batch and settles its messages.
func (h *Handler) write() {
	defer close(h.done)
	for b := range h.queue {
		ctx, cancel := context.WithTimeout(context.Background(), h.cfg.WriteTimeout)
		res, err := h.store.WriteEvents(ctx, b.events)
		cancel()
		h.batchCount.Add(1)
		if err != nil {
			h.cfg.Logger.Error("write batch failed; batch nacked", "events", len(b.events), "code", flightevents.ErrorCode(err), "error", err)
		} else {
			h.written.Add(int64(res.Written))
			h.duplicates.Add(int64(res.Duplicates))
			h.cfg.Observer.BatchWritten(len(b.events), res)
		}
		b.err = err
		close(b.done)
	}
}

// Drain writes the open batch at once and makes later batches be written
// as soon as they open instead of after BatchMaxWait; call it when
// shutdown starts. Handle keeps working.
func (h *Handler) Drain() {
	h.mu.Lock()
	h.draining = true
	h.mu.Unlock()
	h.takeOpen()
}

// Close stops accepting events (later Handle calls nack), writes and
// settles every event already accepted, and returns when that is done or
// ctx is done, whichever comes first. Close may be called more than once.
func (h *Handler) Close(ctx context.Context) error {
	h.mu.Lock()
	first := !h.closed
	h.closed, h.draining = true, true
	h.mu.Unlock()
	if first {
		h.takeOpen()
		go func() {
			h.sending.Wait()
			close(h.queue)
		}()
	}
	select {
	case <-h.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close handler: pending batch not settled: %w", ctx.Err())
	}
}

// Stats returns a snapshot of the counters.
func (h *Handler) Stats() Stats {
	return Stats{
		Received:     h.received.Load(),
		Written:      h.written.Load(),
		Duplicates:   h.duplicates.Load(),
		DeadLettered: h.deadLettered.Load(),
		Nacked:       h.nacked.Load(),
		Batches:      h.batchCount.Load(),
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
