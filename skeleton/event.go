package flightevents

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Status is the state of a flight. The set is closed: see Statuses.
type Status string

// The statuses a flight can report.
const (
	StatusScheduled Status = "scheduled"
	StatusBoarding  Status = "boarding"
	StatusDeparted  Status = "departed"
	StatusDelayed   Status = "delayed"
	StatusCancelled Status = "cancelled"
	StatusLanded    Status = "landed"
	StatusOnTime    Status = "ontime"
)

// Statuses lists every valid Status in lifecycle order.
var Statuses = []Status{
	StatusScheduled, StatusOnTime, StatusDelayed, StatusBoarding,
	StatusDeparted, StatusLanded, StatusCancelled,
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Limits on event fields.
const (
	MaxFlightIDLen = 8
	MaxEventIDLen  = 64
	// MaxClockSkew is how far in the future a timestamp may be.
	MaxClockSkew = 24 * time.Hour
	// MaxEventBytes is the largest encoded event DecodeEvent accepts.
	MaxEventBytes = 4 << 10
)

// flightIDPattern is an IATA flight designator: a two-character airline
// code, one to four digits and an optional operational suffix.
var flightIDPattern = regexp.MustCompile(`^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$`)

// eventIDPattern keeps event ids printable and safe in keys and labels.
var eventIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]+$`)

// minTimestamp is the earliest accepted event time.
var minTimestamp = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Event is one flight-status change.
type Event struct {
	// EventID identifies the event for idempotency: writing the same
	// EventID twice stores it once. DecodeEvent derives it from the other
	// fields when the producer did not set one.
	EventID   string    `json:"event_id"`
	FlightID  string    `json:"flight_id"`
	Status    Status    `json:"status"`
	Timestamp time.Time `json:"timestamp"`
}

// FieldError is a validation failure of one field.
type FieldError struct {
	Field  string
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s (got %q)", e.Field, e.Reason, e.Value)
}

// ValidationError lists every invalid field of an event. Its Code is EINVALID.
type ValidationError struct {
	Fields []*FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "invalid event: " + strings.Join(parts, "; ")
}

// Reason returns a short, stable, machine-readable reason for the first
// invalid field, suitable as a dead-letter attribute ("invalid_status").
func (e *ValidationError) Reason() string {
	if len(e.Fields) == 0 {
		return "invalid_event"
	}
	return "invalid_" + e.Fields[0].Field
}

// Is lets errors.Is match any ValidationError against ErrInvalidEvent.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidEvent }

// As maps a ValidationError to a domain *Error with code EINVALID.
func (e *ValidationError) As(target any) bool {
	if t, ok := target.(**Error); ok {
		*t = &Error{Code: EINVALID, Message: e.Error()}
		return true
	}
	return false
}

// ErrInvalidEvent matches every event validation or decoding failure.
var ErrInvalidEvent = errors.New("invalid event")

// Validate checks every field of e against the rules of the domain and
// reports all violations at once. now bounds future timestamps.
func (e Event) Validate(now time.Time) error {
	var fields []*FieldError
	add := func(field, value, reason string) {
		fields = append(fields, &FieldError{Field: field, Value: value, Reason: reason})
	}
	switch {
	case e.FlightID == "":
		add("flight_id", e.FlightID, "is required")
	case len(e.FlightID) > MaxFlightIDLen:
		add("flight_id", e.FlightID, fmt.Sprintf("must be at most %d characters", MaxFlightIDLen))
	case !flightIDPattern.MatchString(e.FlightID):
		add("flight_id", e.FlightID, "must be an IATA flight designator such as IB3456")
	}
	switch {
	case e.Status == "":
		add("status", string(e.Status), "is required")
	case !e.Status.Valid():
		add("status", string(e.Status), "must be one of "+statusList())
	}
	switch {
	case e.Timestamp.IsZero():
		add("timestamp", "", "is required")
	case e.Timestamp.Before(minTimestamp):
		add("timestamp", e.Timestamp.Format(time.RFC3339Nano), "must not be before 2000-01-01")
	case !now.IsZero() && e.Timestamp.After(now.Add(MaxClockSkew)):
		add("timestamp", e.Timestamp.Format(time.RFC3339Nano), "must not be more than 24h in the future")
	}
	switch {
	case e.EventID == "":
		add("event_id", e.EventID, "is required")
	case len(e.EventID) > MaxEventIDLen:
		add("event_id", e.EventID, fmt.Sprintf("must be at most %d characters", MaxEventIDLen))
	case !eventIDPattern.MatchString(e.EventID):
		add("event_id", e.EventID, "may contain only letters, digits, '.', '_', ':' and '-'")
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

func statusList() string {
	s := make([]string, len(Statuses))
	for i, st := range Statuses {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// DeriveEventID returns a deterministic id for an event without one:
// the same flight, status and instant always give the same id, so a
// producer that retries without ids is still deduplicated.
func DeriveEventID(flightID string, status Status, ts time.Time) string {
	h := sha256.Sum256([]byte(flightID + "|" + string(status) + "|" + ts.UTC().Format(time.RFC3339Nano)))
	return "d-" + hex.EncodeToString(h[:12])
}

// wireEvent is the JSON shape accepted from producers. Timestamp is a
// string so that its format can be checked strictly (RFC 3339).
type wireEvent struct {
	EventID   string `json:"event_id"`
	FlightID  string `json:"flight_id"`
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
}

// DecodeEvent parses one JSON-encoded event, normalises it (timestamp to
// UTC, event id derived when absent) and validates it against now.
// Every failure wraps ErrInvalidEvent; a *ValidationError names the fields.
func DecodeEvent(data []byte, now time.Time) (Event, error) {
	if len(data) > MaxEventBytes {
		return Event{}, &ValidationError{Fields: []*FieldError{{Field: "event", Value: fmt.Sprintf("%d bytes", len(data)), Reason: fmt.Sprintf("must be at most %d bytes", MaxEventBytes)}}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var w wireEvent
	if err := dec.Decode(&w); err != nil {
		return Event{}, &ValidationError{Fields: []*FieldError{{Field: "json", Value: truncate(string(data), 64), Reason: "must be a JSON object with event_id, flight_id, status and timestamp: " + err.Error()}}}
	}
	if dec.More() {
		return Event{}, &ValidationError{Fields: []*FieldError{{Field: "json", Value: truncate(string(data), 64), Reason: "must hold exactly one JSON object"}}}
	}
	e := Event{EventID: w.EventID, FlightID: w.FlightID, Status: Status(w.Status)}
	var tsErr *FieldError
	if w.Timestamp != "" {
		ts, err := time.Parse(time.RFC3339Nano, w.Timestamp)
		if err != nil {
			tsErr = &FieldError{Field: "timestamp", Value: truncate(w.Timestamp, 64), Reason: "must be an RFC 3339 date-time such as 2026-11-27T08:00:00Z"}
		} else {
			e.Timestamp = ts.UTC().Truncate(time.Microsecond)
		}
	}
	if e.EventID == "" && e.FlightID != "" && e.Status != "" && !e.Timestamp.IsZero() {
		e.EventID = DeriveEventID(e.FlightID, e.Status, e.Timestamp)
	}
	err := e.Validate(now)
	if tsErr != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			// Replace the "is required" timestamp error by the parse error.
			ve.Fields = slices.DeleteFunc(ve.Fields, func(f *FieldError) bool { return f.Field == "timestamp" })
			ve.Fields = append(ve.Fields, tsErr)
			return Event{}, ve
		}
		return Event{}, &ValidationError{Fields: []*FieldError{tsErr}}
	}
	if err != nil {
		return Event{}, err
	}
	return e, nil
}

// Encode returns the canonical JSON encoding of e (timestamp in RFC 3339, UTC).
func (e Event) Encode() []byte {
	b, _ := json.Marshal(wireEvent{
		EventID:   e.EventID,
		FlightID:  e.FlightID,
		Status:    string(e.Status),
		Timestamp: e.Timestamp.UTC().Format(time.RFC3339Nano),
	})
	return b
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
