// Package sqlitestore is the embedded implementation of the
// flightevents.EventStore port on SQLite (modernc.org/sqlite: pure Go, no
// cgo). It backs local mode and the tests, in memory or in a file.
//
// It is not the production store (see package bigquery) and holds no
// business rules: validation lives in the domain package.
//
// Timestamps are stored as INTEGER microseconds since the Unix epoch (UTC),
// the precision BigQuery keeps. Writes are idempotent on event_id through
// the primary key and INSERT … ON CONFLICT DO NOTHING.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	flightevents "${{ values.goModule }}"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// rowsPerInsert is how many events one INSERT statement carries (5
// parameters each, well under SQLite's 32766-parameter limit).
const rowsPerInsert = 200

// ddl creates the table and the indexes /datos queries use: by time for
// unfiltered pages and by flight or status then time for filtered ones.
// Every index ends with (timestamp, event_id), the keyset order.
var ddl = []string{
	`CREATE TABLE IF NOT EXISTS events (
		event_id    TEXT    NOT NULL PRIMARY KEY,
		flight_id   TEXT    NOT NULL,
		status      TEXT    NOT NULL,
		timestamp   INTEGER NOT NULL,
		ingested_at INTEGER
	)`,
	`CREATE INDEX IF NOT EXISTS events_by_time ON events (timestamp, event_id)`,
	`CREATE INDEX IF NOT EXISTS events_by_flight ON events (flight_id, timestamp, event_id)`,
	`CREATE INDEX IF NOT EXISTS events_by_status ON events (status, timestamp, event_id)`,
}

var memoryDBs atomic.Int64

// Store is an EventStore on SQLite. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	now    func() time.Time
	closed atomic.Bool

	// insertFull is the prepared INSERT of rowsPerInsert events; shorter
	// chunks run an ad hoc statement (no pool connection is needed while a
	// transaction holds the only one of a memory database).
	insertFull *sql.Stmt
}

var _ flightevents.EventStore = (*Store)(nil)

// Open opens (creating if needed) the store at dsn and creates its table and
// indexes. An empty dsn opens a new private in-memory database; a file path
// or a "file:" URI opens a file database in WAL mode.
func Open(ctx context.Context, dsn string) (*Store, error) {
	driverDSN, memory, err := driverDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", driverDSN)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %q: %w", dsn, err)
	}
	if memory {
		// A shared-cache memory database lives as long as one connection
		// does, and shared-cache table locks (SQLITE_LOCKED) are not
		// retried by busy_timeout: use exactly one connection, never
		// closed while the store is open.
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	s := &Store{db: db, now: time.Now}
	// Other processes (serve and subscribe started together) and other
	// stores in this process may open the same new file at the same
	// moment. SQLite answers some of those collisions with SQLITE_BUSY at
	// once, without calling the busy handler (a connection switching the
	// file to WAL while another creates the table; a read lock that would
	// have to upgrade to a write lock), so the open-time statements are
	// retried on BUSY/LOCKED for a bounded time under ctx.
	if err := retryBusy(ctx, func() error { return s.createSchema(ctx) }); err != nil {
		db.Close()
		return nil, mapError(ctx, "create events table", err)
	}
	err = retryBusy(ctx, func() (err error) {
		s.insertFull, err = db.PrepareContext(ctx, insertSQL(rowsPerInsert))
		return err
	})
	if err != nil {
		db.Close()
		return nil, mapError(ctx, "prepare insert", err)
	}
	return s, nil
}

// createSchema creates the table and its indexes in one write
// transaction. The transaction takes the write lock first (BEGIN
// IMMEDIATE, see _txlock in driverDSN), which waits in the busy handler,
// instead of reading the schema and then upgrading to a write lock, which
// SQLite refuses at once when another connection is writing.
func (s *Store) createSchema(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	for _, q := range ddl {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// openBusyBudget bounds how long Open keeps retrying statements that
// SQLite refused with SQLITE_BUSY or SQLITE_LOCKED.
const openBusyBudget = 10 * time.Second

// retryBusy runs fn until it succeeds, fails with an error other than
// SQLITE_BUSY/SQLITE_LOCKED, ctx ends or openBusyBudget is spent, waiting
// a jittered, doubling backoff (1 ms to 50 ms) between attempts. It
// returns fn's last error.
func retryBusy(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(openBusyBudget)
	wait := time.Millisecond
	for {
		err := fn()
		if err == nil || !isBusy(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED
// (any extended code of either).
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

// driverDSN turns the user's dsn into a modernc.org/sqlite DSN with the
// pragmas the store relies on.
func driverDSN(dsn string) (string, bool, error) {
	pragmas := url.Values{}
	pragmas.Add("_pragma", "busy_timeout(5000)")
	pragmas.Add("_pragma", "foreign_keys(1)")
	pragmas.Set("_txlock", "immediate")
	if dsn == "" {
		name := fmt.Sprintf("flightevents-%d-%d", time.Now().UnixNano(), memoryDBs.Add(1))
		return "file:" + name + "?mode=memory&cache=shared&" + pragmas.Encode(), true, nil
	}
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path == "" {
		return "", false, flightevents.Errorf(flightevents.EINVALID, "sqlite dsn %q has no path", dsn)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", false, flightevents.Errorf(flightevents.EINVALID, "sqlite dsn %q: bad query: %v", dsn, err)
	}
	memory := q.Get("mode") == "memory" || path == ":memory:"
	if !memory {
		pragmas.Add("_pragma", "journal_mode(WAL)")
		pragmas.Add("_pragma", "synchronous(NORMAL)")
	}
	// The user's pragmas and _txlock win over the defaults.
	userPragmas := map[string]bool{}
	for _, v := range q["_pragma"] {
		name, _, _ := strings.Cut(v, "(")
		userPragmas[strings.ToLower(strings.TrimSpace(name))] = true
	}
	for _, v := range pragmas["_pragma"] {
		if name, _, _ := strings.Cut(v, "("); !userPragmas[name] {
			q.Add("_pragma", v)
		}
	}
	if !q.Has("_txlock") {
		q.Set("_txlock", pragmas.Get("_txlock"))
	}
	return "file:" + path + "?" + q.Encode(), memory, nil
}

// WriteEvents stores events in one transaction, idempotently on EventID.
// Every event is validated first; an invalid event fails the whole batch
// with EINVALID and nothing is written.
func (s *Store) WriteEvents(ctx context.Context, events []flightevents.Event) (flightevents.WriteResult, error) {
	if err := s.usable(ctx); err != nil {
		return flightevents.WriteResult{}, err
	}
	if len(events) == 0 {
		return flightevents.WriteResult{}, nil
	}
	for i, e := range events {
		if err := e.Validate(time.Time{}); err != nil {
			return flightevents.WriteResult{}, flightevents.WrapError(flightevents.EINVALID, fmt.Sprintf("event %d: %s", i, err), err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return flightevents.WriteResult{}, mapError(ctx, "begin write", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	ingested := s.now().UnixMicro()
	written := 0
	for start := 0; start < len(events); start += rowsPerInsert {
		chunk := events[start:min(start+rowsPerInsert, len(events))]
		args := make([]any, 0, 5*len(chunk))
		for _, e := range chunk {
			args = append(args, e.EventID, e.FlightID, string(e.Status), e.Timestamp.UnixMicro(), ingested)
		}
		var res sql.Result
		if len(chunk) == rowsPerInsert {
			res, err = tx.StmtContext(ctx, s.insertFull).ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, insertSQL(len(chunk)), args...)
		}
		if err != nil {
			return flightevents.WriteResult{}, mapError(ctx, "insert events", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return flightevents.WriteResult{}, mapError(ctx, "insert events", err)
		}
		written += int(n)
	}
	if err := tx.Commit(); err != nil {
		return flightevents.WriteResult{}, mapError(ctx, "commit events", err)
	}
	return flightevents.WriteResult{Written: written, Duplicates: len(events) - written}, nil
}

// insertSQL returns the multi-row INSERT of n events. A conflicting
// event_id (already stored, or earlier in the same statement) is skipped,
// so RowsAffected counts the events written for the first time.
func insertSQL(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO events (event_id, flight_id, status, timestamp, ingested_at) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?)")
	}
	b.WriteString(" ON CONFLICT (event_id) DO NOTHING")
	return b.String()
}

// ListQuery returns the SQL and named arguments ListEvents runs for a
// bounded filter. It fetches one row more than the limit to know whether
// another page follows.
func ListQuery(f flightevents.EventFilter) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT event_id, flight_id, status, timestamp FROM events WHERE timestamp >= @since AND timestamp < @until")
	args := []any{sql.Named("since", f.Since.UnixMicro()), sql.Named("until", f.Until.UnixMicro())}
	if f.FlightID != "" {
		b.WriteString(" AND flight_id = @flight")
		args = append(args, sql.Named("flight", f.FlightID))
	}
	if f.Status != "" {
		b.WriteString(" AND status = @status")
		args = append(args, sql.Named("status", string(f.Status)))
	}
	if f.After != nil {
		b.WriteString(" AND timestamp <= @after_ts AND (timestamp < @after_ts OR event_id < @after_id)")
		args = append(args, sql.Named("after_ts", f.After.Timestamp.UnixMicro()), sql.Named("after_id", f.After.EventID))
	}
	b.WriteString(" ORDER BY timestamp DESC, event_id DESC LIMIT @lim")
	args = append(args, sql.Named("lim", f.Limit+1))
	return b.String(), args
}

// ListEvents returns a page of events newest first (timestamp, then
// event_id, descending). The filter is bounded first (see
// EventFilter.Bounded).
func (s *Store) ListEvents(ctx context.Context, f flightevents.EventFilter) (flightevents.EventPage, error) {
	if err := s.usable(ctx); err != nil {
		return flightevents.EventPage{}, err
	}
	f = f.Bounded(s.now())
	query, args := ListQuery(f)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return flightevents.EventPage{}, mapError(ctx, "query events", err)
	}
	defer rows.Close()
	events := make([]flightevents.Event, 0, min(f.Limit, 128))
	var more bool
	for rows.Next() {
		if len(events) == f.Limit {
			more = true
			break
		}
		var e flightevents.Event
		var status string
		var micros int64
		if err := rows.Scan(&e.EventID, &e.FlightID, &status, &micros); err != nil {
			return flightevents.EventPage{}, mapError(ctx, "scan event", err)
		}
		e.Status = flightevents.Status(status)
		e.Timestamp = time.UnixMicro(micros).UTC()
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return flightevents.EventPage{}, mapError(ctx, "read events", err)
	}
	page := flightevents.EventPage{Events: events}
	if more {
		last := events[len(events)-1]
		page.Next = &flightevents.Cursor{Timestamp: last.Timestamp, EventID: last.EventID}
	}
	return page, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1 FROM events LIMIT 1").Scan(&one); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return mapError(ctx, "ping sqlite", err)
	}
	return nil
}

// Close closes the database. An in-memory database is discarded.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.insertFull.Close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close sqlite: %w", err)
	}
	return nil
}

// usable reports EUNAVAILABLE when the store is closed or ctx is done.
func (s *Store) usable(ctx context.Context) error {
	if s.closed.Load() {
		return flightevents.Errorf(flightevents.EUNAVAILABLE, "event store is closed")
	}
	if err := ctx.Err(); err != nil {
		return flightevents.WrapError(flightevents.EUNAVAILABLE, "request cancelled", err)
	}
	return nil
}

// mapError translates a database/sql or SQLite error into a domain error.
func mapError(ctx context.Context, verb string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return flightevents.WrapError(flightevents.EUNAVAILABLE, verb+": request cancelled", fmt.Errorf("%w (%w)", ctxErr, err))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone) {
		return flightevents.WrapError(flightevents.EUNAVAILABLE, verb+": database unavailable", err)
	}
	if strings.Contains(err.Error(), "sql: database is closed") {
		return flightevents.WrapError(flightevents.EUNAVAILABLE, verb+": database is closed", err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_NOMEM:
			return flightevents.WrapError(flightevents.EUNAVAILABLE, verb+": database unavailable", err)
		case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH, sqlite3.SQLITE_TOOBIG:
			return flightevents.WrapError(flightevents.EINVALID, verb+": rejected by the database", err)
		}
	}
	return flightevents.WrapError(flightevents.EINTERNAL, verb+" failed", err)
}
