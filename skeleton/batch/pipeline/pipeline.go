// Package pipeline is the backfill as an Apache Beam pipeline (Go SDK): it
// reads JSON Lines and CSV files matched by globs (local or gs://, through
// Beam's fileio), decodes and validates every record with the service's
// own rules (backfill.Records, i.e. flightevents.DecodeEvent), writes the
// invalid ones with file, line and reason to a dead-letter file, keeps one
// event per event_id across all inputs and writes the rest through the
// service's idempotent EventStore adapters (SQLite or BigQuery) in batches.
//
// It runs on Prism (local, in-process), the direct runner or Dataflow; it
// is not a second copy of the validation rules, nor a store: both are the
// service module's, which this module imports.
//
// Files are read whole, one file per element, not split by byte offsets as
// textio.Read does: only a reader that starts at the top of a file knows
// the line numbers the dead-letter output promises and the CSV header, and
// can follow quoted CSV fields across lines. A large history is therefore
// parallelised by its files (shard inputs into files of at most ~1 GB).
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/backfill"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/sqlitestore"
)

// DefaultBatchSize is how many events the sink writes per WriteEvents call.
const DefaultBatchSize = backfill.DefaultBatchSize

// Options configure the pipeline.
type Options struct {
	// Inputs are file globs, local paths or gs:// URLs. A file's format
	// comes from its extension (.jsonl, .ndjson, .csv; .gz is read
	// decompressed).
	Inputs []string
	// DeadLetter is the file (local or gs://) that receives one JSON line
	// per invalid record: {"file","line","reason","error"}. It is written
	// only when some record is invalid.
	DeadLetter string
	Sink       Sink
	// Now bounds future timestamps, as the subscriber's clock does. It is
	// fixed when the pipeline is built, so that every worker and every
	// retry judges a record the same way.
	Now time.Time
}

// Sink is the store the unique valid events are written to: the SQLite
// file at SQLitePath (local runners only), or else the BigQuery table
// ProjectID.Dataset.Table.
type Sink struct {
	SQLitePath string
	ProjectID  string
	Dataset    string
	Table      string
	Location   string
	// BatchSize is the number of events per write (default DefaultBatchSize).
	BatchSize int
}

// Validate reports every problem of o at once.
func (o Options) Validate() error {
	var errs []error
	if len(o.Inputs) == 0 {
		errs = append(errs, errors.New("no input: give one or more file globs"))
	}
	for _, in := range o.Inputs {
		if strings.TrimSpace(in) == "" {
			errs = append(errs, errors.New("an input glob is empty"))
		}
	}
	if o.DeadLetter == "" {
		errs = append(errs, errors.New("no dead-letter path: invalid records are never dropped silently"))
	}
	if o.Now.IsZero() {
		errs = append(errs, errors.New("no clock: Now must be set"))
	}
	sk := o.Sink
	switch {
	case sk.SQLitePath != "" && (sk.Dataset != "" || sk.Table != ""):
		errs = append(errs, errors.New("the SQLite sink and the BigQuery sink (dataset, table) are mutually exclusive"))
	case sk.SQLitePath == "" && (sk.ProjectID == "" || sk.Dataset == "" || sk.Table == ""):
		errs = append(errs, errors.New("no sink: give a SQLite path, or a BigQuery project, dataset and table"))
	}
	if sk.BatchSize < 0 || sk.BatchSize > backfill.MaxBatchSize {
		errs = append(errs, fmt.Errorf("batch size must be from 1 to %d, got %d", backfill.MaxBatchSize, sk.BatchSize))
	}
	return errors.Join(errs...)
}

// Record is a valid event with where it was read. The dedup keeps, for
// each event id, the record read first in (file, line) order, which is
// what the single-process backfill keeps when it loads the files in
// lexical order.
type Record struct {
	EventID   string
	FlightID  string
	Status    string
	Timestamp int64 // microseconds since the Unix epoch, UTC
	File      string
	Line      int64
}

// Event returns the domain event of r.
func (r Record) Event() flightevents.Event {
	return flightevents.Event{EventID: r.EventID, FlightID: r.FlightID, Status: flightevents.Status(r.Status), Timestamp: time.UnixMicro(r.Timestamp).UTC()}
}

// DeadLetter is one invalid record, as written to the dead-letter file.
type DeadLetter struct {
	File   string `json:"file"`
	Line   int    `json:"line"` // 1-based; 0 when the whole file is rejected
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// Metric names (namespace "batch"), read back from the pipeline result.
const (
	Namespace       = "batch"
	MetricRecords   = "records"    // data records read
	MetricValid     = "valid"      // records that decoded and validated
	MetricInvalid   = "invalid"    // records sent to the dead-letter file
	MetricUnique    = "unique"     // events left after the dedup
	MetricWritten   = "written"    // stored for the first time
	MetricDuplicate = "duplicates" // already in the store (a re-run)
)

var (
	recordsRead  = beam.NewCounter(Namespace, MetricRecords)
	validRead    = beam.NewCounter(Namespace, MetricValid)
	invalidRead  = beam.NewCounter(Namespace, MetricInvalid)
	uniqueEvents = beam.NewCounter(Namespace, MetricUnique)
	storeWritten = beam.NewCounter(Namespace, MetricWritten)
	storeDups    = beam.NewCounter(Namespace, MetricDuplicate)
)

func init() {
	register.DoFn4x1[context.Context, fileio.ReadableFile, func(string, Record), func(string), error](&readFileFn{})
	register.Emitter2[string, Record]()
	register.Emitter1[string]()
	register.Function2x1(firstRecord)
	register.DoFn3x1[context.Context, string, Record, error](&writeFn{})
}

// Build adds the pipeline to s. o must be valid (see Validate).
func Build(s beam.Scope, o Options) {
	s = s.Scope("backfill")
	files := make([]beam.PCollection, len(o.Inputs))
	for i, glob := range o.Inputs {
		files[i] = fileio.MatchFiles(s.Scope(fmt.Sprintf("match %d", i)), glob, fileio.MatchEmptyDisallow())
	}
	matched := beam.Flatten(s, files...)
	readable := fileio.ReadMatches(s, matched, fileio.ReadAutoCompression())
	valid, dead := beam.ParDo2(s.Scope("decode"), &readFileFn{Now: o.Now.UnixMicro()}, readable)
	unique := beam.CombinePerKey(s.Scope("dedup by event_id"), firstRecord, valid)
	beam.ParDo0(s.Scope("write events"), &writeFn{Sink: o.Sink}, unique)
	textio.Write(s.Scope("write dead letters"), o.DeadLetter, dead)
}

// firstRecord keeps the record read first in (file, line) order.
func firstRecord(a, b Record) Record {
	if b.File < a.File || (b.File == a.File && b.Line < a.Line) {
		return b
	}
	return a
}

// readFileFn reads one whole file into keyed records and dead letters.
type readFileFn struct {
	Now int64 // microseconds since the Unix epoch
}

// formatOf is the input format of path (a .gz suffix is read decompressed).
func formatOf(path string) string {
	return backfill.FormatFromPath(strings.TrimSuffix(strings.TrimSuffix(path, ".gz"), ".GZ"))
}

func (fn *readFileFn) ProcessElement(ctx context.Context, f fileio.ReadableFile, emit func(string, Record), dead func(string)) error {
	path := f.Metadata.Path
	deadLetter := func(line int, reason, msg string) {
		invalidRead.Inc(ctx, 1)
		b, _ := json.Marshal(DeadLetter{File: path, Line: line, Reason: reason, Error: msg})
		dead(string(b))
	}
	format := formatOf(path)
	if format == "" {
		deadLetter(0, "unknown_format", "the file name must end in .jsonl, .ndjson or .csv (optionally .gz)")
		return nil
	}
	r, err := f.Open(ctx)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer r.Close()
	now := time.UnixMicro(fn.Now)
	records, err := backfill.Records(r, format, func() time.Time { return now })
	if err != nil {
		// Only a bad CSV header fails before the first record.
		deadLetter(1, "invalid_header", err.Error())
		return nil
	}
	for rec, err := range records {
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		recordsRead.Inc(ctx, 1)
		if rec.Invalid != nil {
			deadLetter(rec.Line, rec.Invalid.Reason, rec.Invalid.Error)
			continue
		}
		validRead.Inc(ctx, 1)
		ev := rec.Event
		emit(ev.EventID, Record{EventID: ev.EventID, FlightID: ev.FlightID, Status: string(ev.Status), Timestamp: ev.Timestamp.UnixMicro(), File: path, Line: int64(rec.Line)})
	}
	return nil
}

// writeFn writes the unique events through the service's EventStore in
// batches. Writes are idempotent on event_id, so a bundle the runner
// retries, or a re-run of the whole pipeline, stores nothing twice.
type writeFn struct {
	Sink Sink

	store flightevents.EventStore
	batch []flightevents.Event
}

// Setup opens the store once per DoFn instance.
func (fn *writeFn) Setup(ctx context.Context) error {
	store, err := OpenSink(ctx, fn.Sink)
	if err != nil {
		return err
	}
	fn.store = store
	return nil
}

// OpenSink opens the EventStore sk names. The SQLite store of a path is
// shared by every caller in the process, and its writes are serialised:
// SQLite has one writer at a time anyway, and writers on separate
// connections queue in its busy handler, which on a loaded machine gave up
// after the store's 5 s busy timeout (SQLITE_BUSY) when Prism ran several
// bundles at once.
func OpenSink(ctx context.Context, sk Sink) (flightevents.EventStore, error) {
	if sk.SQLitePath != "" {
		return openSharedSQLite(ctx, sk.SQLitePath)
	}
	s, err := bigquery.New(ctx, bigquery.Config{ProjectID: sk.ProjectID, Dataset: sk.Dataset, Table: sk.Table, Location: sk.Location})
	if err != nil {
		return nil, fmt.Errorf("open bigquery store: %w", err)
	}
	return s, nil
}

var (
	sharedMu sync.Mutex
	shared   = map[string]*sharedSQLite{}
)

// sharedSQLite is one process-wide SQLite store with a single writer.
type sharedSQLite struct {
	*sqlitestore.Store
	path string
	refs int
	// write serialises WriteEvents.
	write sync.Mutex
}

func openSharedSQLite(ctx context.Context, path string) (*sharedHandle, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	s := shared[path]
	if s == nil {
		st, err := sqlitestore.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("open sqlite store: %w", err)
		}
		s = &sharedSQLite{Store: st, path: path}
		shared[path] = s
	}
	s.refs++
	return &sharedHandle{sharedSQLite: s}, nil
}

// sharedHandle is one user's reference to a shared store; Close releases it.
type sharedHandle struct {
	*sharedSQLite
	closed bool
}

func (h *sharedHandle) WriteEvents(ctx context.Context, events []flightevents.Event) (flightevents.WriteResult, error) {
	h.write.Lock()
	defer h.write.Unlock()
	return h.Store.WriteEvents(ctx, events)
}

func (h *sharedHandle) Close() error {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	h.refs--
	if h.refs > 0 {
		return nil
	}
	delete(shared, h.path)
	return h.Store.Close()
}

func (fn *writeFn) StartBundle(context.Context) {
	size := fn.Sink.BatchSize
	if size == 0 {
		size = DefaultBatchSize
	}
	fn.batch = make([]flightevents.Event, 0, size)
}

func (fn *writeFn) ProcessElement(ctx context.Context, _ string, r Record) error {
	uniqueEvents.Inc(ctx, 1)
	fn.batch = append(fn.batch, r.Event())
	if len(fn.batch) == cap(fn.batch) {
		return fn.flush(ctx)
	}
	return nil
}

func (fn *writeFn) FinishBundle(ctx context.Context) error { return fn.flush(ctx) }

func (fn *writeFn) flush(ctx context.Context) error {
	if len(fn.batch) == 0 {
		return nil
	}
	res, err := fn.store.WriteEvents(ctx, fn.batch)
	if err != nil {
		// The runner retries the bundle; the writes before are idempotent.
		return fmt.Errorf("write %d events: %w", len(fn.batch), err)
	}
	storeWritten.Inc(ctx, int64(res.Written))
	storeDups.Inc(ctx, int64(res.Duplicates))
	fn.batch = fn.batch[:0]
	return nil
}

// Teardown closes the store.
func (fn *writeFn) Teardown() error {
	if fn.store == nil {
		return nil
	}
	return fn.store.Close()
}
