// Package backfill loads flight events from a file (JSON Lines or CSV) into
// an EventStore in batches, through the same path as the subscriber: every
// record is decoded and validated by flightevents.DecodeEvent, and batches
// are written with the idempotent EventStore.WriteEvents, so a backfill can
// be re-run after a failure without storing anything twice.
//
// It is not a distributed batch engine: it reads one file sequentially in
// one process. Invalid records are reported with their line numbers, never
// dropped silently.
package backfill

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"slices"
	"strings"
	"time"

	flightevents "${{ values.goModule }}"
)

// Formats of the input.
const (
	JSONL = "jsonl" // one JSON event per line, the Pub/Sub message shape
	CSV   = "csv"   // a header row naming flight_id, status, timestamp and optionally event_id
)

// Defaults and bounds of Options.
const (
	DefaultBatchSize = 500
	MaxBatchSize     = 10_000
	// MaxInvalidKept bounds the invalid records kept in Result.Invalid
	// (all are counted).
	MaxInvalidKept = 1000
)

// Options tune a backfill. Zero values take the defaults.
type Options struct {
	Format    string // JSONL or CSV; FormatFromPath guesses it
	BatchSize int
	// Now bounds future timestamps, as in the subscriber (time.Now if nil).
	Now func() time.Time
	// Retries is how many times a batch is retried when the store answers
	// EUNAVAILABLE (default 3); writes are idempotent, so a retry is safe.
	Retries int
	// RetryWait is the wait before the first retry, doubled each time
	// (default 500 ms).
	RetryWait time.Duration
	// Progress, when set, is called after every batch written.
	Progress func(Result)
}

// Invalid is one rejected record.
type Invalid struct {
	Line   int    `json:"line"`   // 1-based line of the file
	Reason string `json:"reason"` // a ValidationError reason, such as invalid_status
	Error  string `json:"error"`
}

// Result sums up a backfill.
type Result struct {
	Records    int `json:"records"` // data records read (blank lines and the CSV header excluded)
	Valid      int `json:"valid"`
	Written    int `json:"written"`    // stored for the first time
	Duplicates int `json:"duplicates"` // already stored (a re-run, or repeated in the file)
	Batches    int `json:"batches"`
	// InvalidCount counts every invalid record; Invalid keeps the first
	// MaxInvalidKept of them.
	InvalidCount int       `json:"invalid_count"`
	Invalid      []Invalid `json:"invalid"`
}

// FormatFromPath returns the format a file name suggests ("" if unknown).
func FormatFromPath(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return JSONL
	case ".csv":
		return CSV
	}
	return ""
}

// Run reads r and writes its valid events to store. It returns the result
// so far and an error when reading fails or the store keeps failing (the
// batches written before it are stored; re-running is safe).
func Run(ctx context.Context, r io.Reader, store flightevents.EventStore, opt Options) (Result, error) {
	if opt.BatchSize == 0 {
		opt.BatchSize = DefaultBatchSize
	}
	if opt.BatchSize < 1 || opt.BatchSize > MaxBatchSize {
		return Result{}, fmt.Errorf("backfill: batch size must be from 1 to %d, got %d", MaxBatchSize, opt.BatchSize)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Retries == 0 {
		opt.Retries = 3
	}
	if opt.RetryWait <= 0 {
		opt.RetryWait = 500 * time.Millisecond
	}
	records, err := Records(r, opt.Format, opt.Now)
	if err != nil {
		return Result{}, err
	}
	b := &loader{store: store, opt: opt, batch: make([]flightevents.Event, 0, opt.BatchSize)}
	for rec, err := range records {
		if err != nil {
			return b.res, err
		}
		if err := ctx.Err(); err != nil {
			return b.res, fmt.Errorf("backfill: %w", err)
		}
		b.res.Records++
		if rec.Invalid != nil {
			b.invalid(*rec.Invalid)
			continue
		}
		b.res.Valid++
		b.batch = append(b.batch, rec.Event)
		if len(b.batch) == opt.BatchSize {
			if err := b.flush(ctx); err != nil {
				return b.res, err
			}
		}
	}
	if err := b.flush(ctx); err != nil {
		return b.res, err
	}
	return b.res, nil
}

// Record is one data record of an input: its 1-based line and either the
// decoded, validated event or why it is invalid.
type Record struct {
	Line    int
	Event   flightevents.Event
	Invalid *Invalid // nil when Event is valid
}

// Records returns the data records of r in order, each decoded and
// validated by flightevents.DecodeEvent against now() (time.Now if nil),
// as Run stores them; blank lines and the CSV header are skipped. It fails
// at once on an unknown format or a bad CSV header; the sequence yields an
// error (and stops) only when reading r fails. The Beam pipeline of the
// batch module reads its files through it, so both paths share the rules.
func Records(r io.Reader, format string, now func() time.Time) (iter.Seq2[Record, error], error) {
	if now == nil {
		now = time.Now
	}
	var next func() (line int, data []byte, err error)
	switch format {
	case JSONL:
		next = jsonlRecords(r)
	case CSV:
		var err error
		if next, err = csvRecords(r); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("backfill: format %q: want %s or %s", format, JSONL, CSV)
	}
	return func(yield func(Record, error) bool) {
		for {
			line, data, err := next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var inv *invalidRecord
				if errors.As(err, &inv) {
					if !yield(Record{Line: line, Invalid: &Invalid{Line: line, Reason: "invalid_record", Error: inv.msg}}, nil) {
						return
					}
					continue
				}
				yield(Record{Line: line}, fmt.Errorf("backfill: read line %d: %w", line, err))
				return
			}
			ev, err := flightevents.DecodeEvent(data, now())
			if err != nil {
				reason := "invalid_event"
				var ve *flightevents.ValidationError
				if errors.As(err, &ve) {
					reason = ve.Reason()
				}
				if !yield(Record{Line: line, Invalid: &Invalid{Line: line, Reason: reason, Error: err.Error()}}, nil) {
					return
				}
				continue
			}
			if !yield(Record{Line: line, Event: ev}, nil) {
				return
			}
		}
	}, nil
}

type loader struct {
	store flightevents.EventStore
	opt   Options
	batch []flightevents.Event
	res   Result
}

func (b *loader) invalid(inv Invalid) {
	b.res.InvalidCount++
	if len(b.res.Invalid) < MaxInvalidKept {
		b.res.Invalid = append(b.res.Invalid, inv)
	}
}

// flush writes the batch, retrying while the store is unavailable.
func (b *loader) flush(ctx context.Context) error {
	if len(b.batch) == 0 {
		return nil
	}
	wait := b.opt.RetryWait
	for attempt := 0; ; attempt++ {
		res, err := b.store.WriteEvents(ctx, b.batch)
		if err == nil {
			b.res.Written += res.Written
			b.res.Duplicates += res.Duplicates
			b.res.Batches++
			b.batch = b.batch[:0]
			if b.opt.Progress != nil {
				b.opt.Progress(b.res)
			}
			return nil
		}
		if flightevents.ErrorCode(err) != flightevents.EUNAVAILABLE || attempt >= b.opt.Retries {
			return fmt.Errorf("backfill: write batch of %d events after %d records: %w", len(b.batch), b.res.Records, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("backfill: %w", ctx.Err())
		}
		wait *= 2
	}
}

// invalidRecord is a record that cannot even be turned into an event
// document (a CSV row with the wrong number of fields, a line too long).
type invalidRecord struct{ msg string }

func (e *invalidRecord) Error() string { return e.msg }

// jsonlRecords returns each non-blank line of r with its line number.
func jsonlRecords(r io.Reader) func() (int, []byte, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	line := 0
	return func() (int, []byte, error) {
		for {
			data, err := br.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) {
				// Far longer than MaxEventBytes: skip the rest of the
				// line and report it.
				line++
				n := len(data)
				for errors.Is(err, bufio.ErrBufferFull) {
					data, err = br.ReadSlice('\n')
					n += len(data)
				}
				if err != nil && !errors.Is(err, io.EOF) {
					return line, nil, err
				}
				return line, nil, &invalidRecord{msg: fmt.Sprintf("line of %d bytes is longer than an event may be (%d)", n, flightevents.MaxEventBytes)}
			}
			if len(data) == 0 && err != nil {
				return line, nil, err // io.EOF or a read error
			}
			line++
			text := strings.TrimSpace(string(data))
			if text == "" {
				if err != nil {
					return line, nil, err
				}
				continue
			}
			return line, []byte(text), nil
		}
	}
}

// csvColumns are the columns a CSV file may have.
var csvColumns = []string{"event_id", "flight_id", "status", "timestamp"}

// csvRecords reads the header of r and returns each data row as the JSON
// document the subscriber would receive (empty cells omitted, so that an
// empty event_id is derived as for a producer that sends none).
func csvRecords(r io.Reader) (func() (int, []byte, error), error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("backfill: read csv header: %w", err)
	}
	cols := make([]string, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(csvColumns, h) {
			return nil, fmt.Errorf("backfill: csv header: unknown column %q (want %s)", h, strings.Join(csvColumns, ", "))
		}
		if slices.Contains(cols[:i], h) {
			return nil, fmt.Errorf("backfill: csv header: column %q repeated", h)
		}
		cols[i] = h
	}
	for _, need := range csvColumns[1:] {
		if !slices.Contains(cols, need) {
			return nil, fmt.Errorf("backfill: csv header: column %q missing (have %s)", need, strings.Join(cols, ", "))
		}
	}
	return func() (int, []byte, error) {
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return 0, nil, io.EOF
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return pe.StartLine, nil, &invalidRecord{msg: pe.Error()}
			}
			if err != nil {
				return 0, nil, err
			}
			line, _ := cr.FieldPos(0)
			if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
				continue // blank line
			}
			if len(rec) != len(cols) {
				return line, nil, &invalidRecord{msg: fmt.Sprintf("row has %d fields, the header %d", len(rec), len(cols))}
			}
			doc := make(map[string]string, len(cols))
			for i, c := range cols {
				if v := strings.TrimSpace(rec[i]); v != "" {
					doc[c] = v
				}
			}
			data, err := json.Marshal(doc)
			if err != nil {
				return line, nil, err
			}
			return line, data, nil
		}
	}, nil
}
