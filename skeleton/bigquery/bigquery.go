// Package bigquery is the production implementation of the
// flightevents.EventStore port on Google BigQuery, with the real
// cloud.google.com/go/bigquery client: streaming inserts (tabledata.insertAll)
// carrying insertId = event_id, and parameterized GoogleSQL queries that
// always bound the `timestamp` column so that a day-partitioned table is
// pruned.
//
// It is not the place for business rules (see the domain package) nor for
// creating production tables (Terraform does, from schema/events.json);
// CreateTable exists for local runs, emulators and tests.
//
// Idempotency in BigQuery is layered, because insertAll's insertId
// deduplication is best effort (a retried row may still be stored twice,
// and emulators ignore insertId):
//   - WriteEvents drops repeated event ids within a call and sends
//     insertId = event_id, so retries within BigQuery's dedup window are
//     absorbed;
//   - ListEvents reads with SELECT DISTINCT over the event columns, so a
//     row stored twice (same event, same content) is returned once. An
//     event_id re-sent with different content (a producer bug: ids are
//     derived from the content) would be returned twice; the embedded
//     store keeps the first write instead.
//
// WriteResult.Duplicates therefore counts only the repeats within one call:
// BigQuery does not say whether an insertId was already seen, so an event
// re-sent in a later call is reported as Written.
package bigquery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/schema"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
)

// Defaults of Config.
const (
	DefaultBatchSize = 500
	DefaultTimeout   = 30 * time.Second
	// MaxBatchSize is BigQuery's limit of rows per insertAll request.
	MaxBatchSize = 50000
)

// Config selects the table and tunes the adapter.
type Config struct {
	ProjectID string
	Dataset   string
	Table     string
	// Location of the dataset (e.g. "EU", "europe-west1"); empty lets
	// BigQuery infer it.
	Location string
	// BatchSize is the number of rows per insertAll request (default 500,
	// BigQuery's recommendation).
	BatchSize int
	// Timeout bounds each call whose context has no deadline (default
	// 30s). The client retries 5xx and rate-limit errors until then.
	Timeout time.Duration
	// MaxBytesBilled caps the bytes one ListEvents query may bill (0: no
	// cap): the query is dry-run first and not run above it, and the job
	// carries maximumBytesBilled. See ListEvents.
	MaxBytesBilled int64
	// DryRunTimeout bounds each dry run (DefaultDryRunTimeout when zero).
	DryRunTimeout time.Duration
}

var (
	projectPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.:-]{0,62}$`)
	namePattern    = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

func (c Config) validate() error {
	var problems []string
	if !projectPattern.MatchString(c.ProjectID) {
		problems = append(problems, fmt.Sprintf("project id %q must be a Google Cloud project id", c.ProjectID))
	}
	if !namePattern.MatchString(c.Dataset) || len(c.Dataset) > 1024 {
		problems = append(problems, fmt.Sprintf("dataset %q must be letters, digits and underscores", c.Dataset))
	}
	if !namePattern.MatchString(c.Table) || len(c.Table) > 1024 {
		problems = append(problems, fmt.Sprintf("table %q must be letters, digits and underscores", c.Table))
	}
	if c.MaxBytesBilled < 0 {
		problems = append(problems, fmt.Sprintf("maximum bytes billed %d must not be negative", c.MaxBytesBilled))
	}
	if c.BatchSize < 0 || c.BatchSize > MaxBatchSize {
		problems = append(problems, fmt.Sprintf("batch size %d must be between 1 and %d", c.BatchSize, MaxBatchSize))
	}
	if len(problems) > 0 {
		return flightevents.Errorf(flightevents.EINVALID, "bigquery config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Store is an EventStore on a BigQuery table. It is safe for concurrent use.
type Store struct {
	client *bq.Client
	table  *bq.Table
	cfg    Config
	ref    string // `project.dataset.table`
	now    func() time.Time
}

var _ flightevents.EventStore = (*Store)(nil)

// New creates a client for cfg.ProjectID. Options are passed to the client:
// option.WithEndpoint and option.WithoutAuthentication point it at a fake or
// an emulator; in production Application Default Credentials are used.
// New does not call BigQuery: use Ping to check the table.
func New(ctx context.Context, cfg Config, opts ...option.ClientOption) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.DryRunTimeout <= 0 {
		cfg.DryRunTimeout = DefaultDryRunTimeout
	}
	client, err := bq.NewClient(ctx, cfg.ProjectID, opts...)
	if err != nil {
		return nil, flightevents.WrapError(flightevents.EUNAVAILABLE, "create bigquery client", fmt.Errorf("bigquery.NewClient: %w", err))
	}
	client.Location = cfg.Location
	return &Store{
		client: client,
		table:  client.Dataset(cfg.Dataset).Table(cfg.Table),
		cfg:    cfg,
		ref:    "`" + cfg.ProjectID + "." + cfg.Dataset + "." + cfg.Table + "`",
		now:    time.Now,
	}, nil
}

// Schema returns the table schema defined by schema/events.json.
func Schema() (bq.Schema, error) {
	s, err := bq.SchemaFromJSON(schema.EventsJSON)
	if err != nil {
		return nil, fmt.Errorf("parse schema/events.json: %w", err)
	}
	return s, nil
}

// TableMetadata returns the metadata the events table is created with:
// the schema of schema/events.json, day partitions on `timestamp` (queries
// must filter on it) and clustering on flight_id and status.
func TableMetadata() (*bq.TableMetadata, error) {
	s, err := Schema()
	if err != nil {
		return nil, err
	}
	return &bq.TableMetadata{
		Description:            "Flight-status events, one row per event_id (streaming inserts; read with DISTINCT).",
		Schema:                 s,
		TimePartitioning:       &bq.TimePartitioning{Type: bq.DayPartitioningType, Field: "timestamp"},
		RequirePartitionFilter: true,
		Clustering:             &bq.Clustering{Fields: []string{"flight_id", "status"}},
	}, nil
}

// CreateTable creates the dataset and the events table if they do not
// exist. Production tables come from Terraform; this is for local runs,
// emulators and tests.
func (s *Store) CreateTable(ctx context.Context) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	md, err := TableMetadata()
	if err != nil {
		return flightevents.WrapError(flightevents.EINTERNAL, "read table schema", err)
	}
	err = s.client.Dataset(s.cfg.Dataset).Create(ctx, &bq.DatasetMetadata{Location: s.cfg.Location})
	if err != nil && !isStatus(err, 409) {
		return mapError(ctx, "create dataset", err, flightevents.EINTERNAL)
	}
	if err := s.table.Create(ctx, md); err != nil && !isStatus(err, 409) {
		return mapError(ctx, "create table", err, flightevents.EINTERNAL)
	}
	return nil
}

// row is one event as an insertAll row; its insertId is the event id.
type row struct {
	e        flightevents.Event
	ingested string
}

// timestampLayout is how TIMESTAMP values are sent: RFC 3339 in UTC with
// microseconds, BigQuery's precision.
const timestampLayout = "2006-01-02T15:04:05.000000Z"

func (r row) Save() (map[string]bq.Value, string, error) {
	return map[string]bq.Value{
		"event_id":    r.e.EventID,
		"flight_id":   r.e.FlightID,
		"status":      string(r.e.Status),
		"timestamp":   r.e.Timestamp.UTC().Format(timestampLayout),
		"ingested_at": r.ingested,
	}, r.e.EventID, nil
}

// WriteEvents validates every event, drops repeated event ids within the
// call (counted as Duplicates) and streams the rest in insertAll requests of
// Config.BatchSize rows with insertId = event_id. An invalid event fails the
// call with EINVALID before anything is sent. When a request fails,
// Written counts the rows of the requests that succeeded before it; the
// caller retries the whole call (rows already stored are deduplicated).
func (s *Store) WriteEvents(ctx context.Context, events []flightevents.Event) (flightevents.WriteResult, error) {
	if err := ctx.Err(); err != nil {
		return flightevents.WriteResult{}, flightevents.WrapError(flightevents.EUNAVAILABLE, "request cancelled", err)
	}
	seen := make(map[string]bool, len(events))
	rows := make([]*row, 0, len(events))
	ingested := s.now().UTC().Format(timestampLayout)
	for i, e := range events {
		if err := e.Validate(time.Time{}); err != nil {
			return flightevents.WriteResult{}, flightevents.WrapError(flightevents.EINVALID, fmt.Sprintf("event %d: %s", i, err), err)
		}
		if seen[e.EventID] {
			continue
		}
		seen[e.EventID] = true
		rows = append(rows, &row{e: e, ingested: ingested})
	}
	res := flightevents.WriteResult{Duplicates: len(events) - len(rows)}
	if len(rows) == 0 {
		return res, nil
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	ins := s.table.Inserter()
	for start := 0; start < len(rows); start += s.cfg.BatchSize {
		chunk := rows[start:min(start+s.cfg.BatchSize, len(rows))]
		if err := ins.Put(ctx, chunk); err != nil {
			return res, mapError(ctx, "insert events", err, flightevents.EINVALID)
		}
		res.Written += len(chunk)
	}
	return res, nil
}

// ListQuery returns the GoogleSQL query and parameters ListEvents runs for a
// bounded filter (see EventFilter.Bounded). The query always bounds
// `timestamp` by @since and @until, reads only the event columns, removes
// rows stored twice (DISTINCT) and fetches one row more than the limit to
// know whether another page follows. It stays in the SQL subset SQLite also
// accepts, so the kit's bqfake server and the emulator can run it.
func ListQuery(table string, f flightevents.EventFilter) (string, []bq.QueryParameter) {
	var b strings.Builder
	b.WriteString("SELECT DISTINCT event_id, flight_id, status, `timestamp` FROM ")
	b.WriteString(table)
	b.WriteString(" WHERE `timestamp` >= @since AND `timestamp` < @until")
	params := []bq.QueryParameter{
		{Name: "since", Value: f.Since.UTC()},
		{Name: "until", Value: f.Until.UTC()},
	}
	if f.FlightID != "" {
		b.WriteString(" AND flight_id = @flight")
		params = append(params, bq.QueryParameter{Name: "flight", Value: f.FlightID})
	}
	if f.Status != "" {
		b.WriteString(" AND status = @status")
		params = append(params, bq.QueryParameter{Name: "status", Value: string(f.Status)})
	}
	if f.After != nil {
		b.WriteString(" AND `timestamp` <= @after_ts AND (`timestamp` < @after_ts OR event_id < @after_id)")
		params = append(params,
			bq.QueryParameter{Name: "after_ts", Value: f.After.Timestamp.UTC()},
			bq.QueryParameter{Name: "after_id", Value: f.After.EventID})
	}
	b.WriteString(" ORDER BY `timestamp` DESC, event_id DESC LIMIT @lim")
	params = append(params, bq.QueryParameter{Name: "lim", Value: int64(f.Limit + 1)})
	return b.String(), params
}

func (s *Store) query(f flightevents.EventFilter) *bq.Query {
	sql, params := ListQuery(s.ref, f)
	q := s.client.Query(sql)
	q.Parameters = params
	q.Location = s.cfg.Location
	q.MaxBytesBilled = s.cfg.MaxBytesBilled
	return q
}

// eventRow is one result row of ListQuery.
type eventRow struct {
	EventID   string    `bigquery:"event_id"`
	FlightID  string    `bigquery:"flight_id"`
	Status    string    `bigquery:"status"`
	Timestamp time.Time `bigquery:"timestamp"`
}

// ListEvents returns a page of events newest first (timestamp, then
// event_id, descending) with a parameterized query through jobs.query.
//
// With Config.MaxBytesBilled set, the query is dry-run first and does not
// run when it would bill more: that is EINVALID with a message for the
// client (see ErrTooExpensive); the query job also carries
// maximumBytesBilled, so BigQuery fails it without charge should the dry
// run have underestimated. A failed dry run does not stop the read
// (maximumBytesBilled still bounds it).
func (s *Store) ListEvents(ctx context.Context, f flightevents.EventFilter) (flightevents.EventPage, error) {
	return s.listEvents(ctx, f, nil)
}

// estimateFunc receives the dry run of a read (processed bytes, or the
// dry run's error).
type estimateFunc func(ctx context.Context, f flightevents.EventFilter, processed int64, err error)

// listEvents is ListEvents with the dry run's outcome passed to report
// (nil: not reported). Without a cap the dry run, when reported, runs
// alongside the query; with one, before it.
func (s *Store) listEvents(ctx context.Context, f flightevents.EventFilter, report estimateFunc) (flightevents.EventPage, error) {
	if err := ctx.Err(); err != nil {
		return flightevents.EventPage{}, flightevents.WrapError(flightevents.EUNAVAILABLE, "request cancelled", err)
	}
	// Bound once so that the dry run and the query read the same range.
	f = f.Bounded(s.now())
	dryRun := func() (int64, error) {
		dctx, cancel := context.WithTimeout(ctx, s.cfg.DryRunTimeout)
		defer cancel()
		processed, err := s.DryRun(dctx, f)
		if report != nil {
			report(ctx, f, processed, err)
		}
		return processed, err
	}
	if s.cfg.MaxBytesBilled <= 0 {
		if report == nil {
			return s.read(ctx, f)
		}
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = dryRun() })
		page, err := s.read(ctx, f)
		wg.Wait()
		return page, err
	}
	processed, err := dryRun()
	if err == nil {
		if billed := BilledBytes(processed, 1); billed > s.cfg.MaxBytesBilled {
			return flightevents.EventPage{}, tooExpensive(billed, s.cfg.MaxBytesBilled)
		}
	}
	return s.read(ctx, f)
}

// ErrTooExpensive is the cause of the EINVALID error of a read that would
// bill more than Config.MaxBytesBilled (errors.Is matches it).
var ErrTooExpensive = errors.New("query would exceed maximum bytes billed")

// tooExpensive is the error of a read that would bill billed bytes, over
// limit; its message is for the client.
func tooExpensive(billed, limit int64) error {
	msg := fmt.Sprintf("this query would bill %s, more than the %s one request may bill: narrow the time range (since, until)", humanBytes(billed), humanBytes(limit))
	if billed <= 0 {
		msg = fmt.Sprintf("this query would bill more than the %s one request may bill: narrow the time range (since, until)", humanBytes(limit))
	}
	return flightevents.WrapError(flightevents.EINVALID, msg, ErrTooExpensive)
}

// humanBytes formats n in binary units, as BigQuery bills them.
func humanBytes(n int64) string {
	switch {
	case n >= TiB:
		return fmt.Sprintf("%.2f TiB", float64(n)/TiB)
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/MiB)
	}
}

// read runs the ListEvents query for a bounded filter.
func (s *Store) read(ctx context.Context, f flightevents.EventFilter) (flightevents.EventPage, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	it, err := s.query(f).Read(ctx)
	if err != nil {
		if isReason(err, "bytesBilledLimitExceeded") {
			return flightevents.EventPage{}, tooExpensive(0, s.cfg.MaxBytesBilled)
		}
		return flightevents.EventPage{}, mapError(ctx, "query events", err, flightevents.EINTERNAL)
	}
	events := make([]flightevents.Event, 0, min(f.Limit, 128))
	var more bool
	for {
		var r eventRow
		err := it.Next(&r)
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return flightevents.EventPage{}, mapError(ctx, "read events", err, flightevents.EINTERNAL)
		}
		if len(events) == f.Limit {
			more = true
			break
		}
		events = append(events, flightevents.Event{
			EventID:   r.EventID,
			FlightID:  r.FlightID,
			Status:    flightevents.Status(r.Status),
			Timestamp: r.Timestamp.UTC(),
		})
	}
	page := flightevents.EventPage{Events: events}
	if more {
		last := events[len(events)-1]
		page.Next = &flightevents.Cursor{Timestamp: last.Timestamp, EventID: last.EventID}
	}
	return page, nil
}

// DryRun returns the bytes the ListEvents query for f would process, from
// a dry-run query job (nothing is billed). It is BigQuery's own estimate
// and shows partition pruning: a narrower since/until scans fewer bytes.
func (s *Store) DryRun(ctx context.Context, f flightevents.EventFilter) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, flightevents.WrapError(flightevents.EUNAVAILABLE, "request cancelled", err)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	q := s.query(f.Bounded(s.now()))
	q.DryRun = true
	job, err := q.Run(ctx)
	if err != nil {
		return 0, mapError(ctx, "dry-run query", err, flightevents.EINTERNAL)
	}
	st := job.LastStatus()
	if st == nil || st.Statistics == nil {
		return 0, flightevents.Errorf(flightevents.EINTERNAL, "dry-run query: no statistics in the response")
	}
	return st.Statistics.TotalBytesProcessed, nil
}

// Ping reads the table's metadata and checks that it has the columns of
// schema/events.json with their types. A missing table or a drifted schema
// is EUNAVAILABLE: the service cannot serve until the table is fixed.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return flightevents.WrapError(flightevents.EUNAVAILABLE, "request cancelled", err)
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	md, err := s.table.Metadata(ctx)
	if err != nil {
		return mapError(ctx, "read table metadata", err, flightevents.EUNAVAILABLE)
	}
	want, err := Schema()
	if err != nil {
		return flightevents.WrapError(flightevents.EINTERNAL, "read table schema", err)
	}
	have := map[string]bq.FieldType{}
	for _, f := range md.Schema {
		have[f.Name] = f.Type
	}
	var drift []string
	for _, f := range want {
		if got, ok := have[f.Name]; !ok {
			drift = append(drift, "missing column "+f.Name)
		} else if got != f.Type {
			drift = append(drift, fmt.Sprintf("column %s is %s, want %s", f.Name, got, f.Type))
		}
	}
	if len(drift) > 0 {
		return flightevents.Errorf(flightevents.EUNAVAILABLE, "table %s does not match schema/events.json: %s", s.ref, strings.Join(drift, "; "))
	}
	return nil
}

// Close closes the client.
func (s *Store) Close() error {
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("close bigquery client: %w", err)
	}
	return nil
}

func (s *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.cfg.Timeout)
}

// isReason reports whether err is a BigQuery error with that reason.
func isReason(err error, reason string) bool {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return false
	}
	for _, e := range ge.Errors {
		if e.Reason == reason {
			return true
		}
	}
	return false
}

func isStatus(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}

// mapError translates a client error into a domain error. badRequest is
// the code of a 400 answer: EINVALID for rejected rows, EINTERNAL for a
// query (the query is ours, so a 400 is a bug).
func mapError(ctx context.Context, verb string, err error, badRequest string) error {
	var pme bq.PutMultiError
	if errors.As(err, &pme) {
		return flightevents.WrapError(flightevents.EINVALID, verb+": "+describeRowErrors(pme), err)
	}
	var ge *googleapi.Error
	hasAPIError := errors.As(err, &ge)
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		msg := verb + ": request cancelled or timed out"
		if hasAPIError {
			msg += fmt.Sprintf(" (last answer: %d %s)", ge.Code, apiReason(ge))
		}
		cause := err
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			cause = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return flightevents.WrapError(flightevents.EUNAVAILABLE, msg, cause)
	}
	if hasAPIError {
		switch {
		case ge.Code == 400:
			return flightevents.WrapError(badRequest, fmt.Sprintf("%s: bigquery rejected the request: %s", verb, apiReason(ge)), err)
		case ge.Code == 401 || ge.Code == 403:
			return flightevents.WrapError(flightevents.EUNAVAILABLE, fmt.Sprintf("%s: not allowed (%d %s)", verb, ge.Code, apiReason(ge)), err)
		case ge.Code == 404:
			return flightevents.WrapError(flightevents.EUNAVAILABLE, fmt.Sprintf("%s: not found (%s)", verb, apiReason(ge)), err)
		case ge.Code == 408 || ge.Code == 429 || ge.Code >= 500:
			return flightevents.WrapError(flightevents.EUNAVAILABLE, fmt.Sprintf("%s: bigquery unavailable (%d %s)", verb, ge.Code, apiReason(ge)), err)
		}
		return flightevents.WrapError(flightevents.EINTERNAL, fmt.Sprintf("%s: unexpected answer %d %s", verb, ge.Code, apiReason(ge)), err)
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return flightevents.WrapError(flightevents.EUNAVAILABLE, verb+": bigquery unreachable", err)
	}
	return flightevents.WrapError(flightevents.EINTERNAL, verb+" failed", err)
}

func apiReason(ge *googleapi.Error) string {
	msg := ge.Message
	if len(ge.Errors) > 0 {
		if msg == "" {
			msg = ge.Errors[0].Message
		}
		return ge.Errors[0].Reason + ": " + msg
	}
	return msg
}

// describeRowErrors names the rejected rows, skipping the rows BigQuery
// only "stopped" because another row of the request was invalid.
func describeRowErrors(pme bq.PutMultiError) string {
	var parts []string
	stopped := 0
	for _, rie := range pme {
		var reasons []string
		onlyStopped := true
		for _, e := range rie.Errors {
			var be *bq.Error
			if errors.As(e, &be) {
				if be.Reason != "stopped" {
					onlyStopped = false
				}
				reason := be.Reason
				if be.Location != "" {
					reason += " (" + be.Location + ")"
				}
				reasons = append(reasons, reason+": "+be.Message)
				continue
			}
			onlyStopped = false
			reasons = append(reasons, e.Error())
		}
		if onlyStopped {
			stopped++
			continue
		}
		parts = append(parts, fmt.Sprintf("row %d (event_id %s): %s", rie.RowIndex, rie.InsertID, strings.Join(reasons, "; ")))
	}
	msg := fmt.Sprintf("bigquery rejected %d of %d rows", len(pme)-stopped, len(pme))
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, ", ")
	}
	if stopped > 0 {
		msg += "; the other rows of the request were not inserted"
	}
	return msg
}
