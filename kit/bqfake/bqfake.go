// Package bqfake is an httptest server that answers the BigQuery REST API
// calls the service makes, with the request and response shapes BigQuery
// documents, so that the real cloud.google.com/go/bigquery client can be
// tested on loopback without a Google Cloud project. Point the client at it
// with option.WithEndpoint(srv.URL) and option.WithoutAuthentication(); the
// client then sends paths without the /bigquery/v2 prefix.
//
// Implemented: datasets.insert/get, tables.insert/get/delete,
// tabledata.insertAll (insertId deduplication, per-row insertErrors,
// skipInvalidRows, ignoreUnknownValues), jobs.query with named
// queryParameters, getQueryResults paging (pageToken, startIndex,
// maxResults, the fields projection) and dry-run query jobs
// (jobs.insert with configuration.dryRun) that report totalBytesProcessed.
// Cells are encoded as BigQuery does: TIMESTAMP as int64 microseconds in a
// string when formatOptions.useInt64Timestamp is set, INT64 as a string,
// NULL as {"v":null}.
//
// Queries are evaluated by SQLite (modernc.org/sqlite), so they must stay in
// the subset of GoogleSQL that SQLite also accepts: SELECT … FROM `table`
// WHERE … ORDER BY … LIMIT, COUNT, GROUP BY, DISTINCT, @named parameters.
// Tables are referenced in backticks as `project.dataset.table` or
// `dataset.table`; TIMESTAMP columns are stored as INTEGER microseconds.
// Not implemented by design: QUALIFY, MERGE, DDL, query jobs other than dry
// runs, load jobs, the Storage Read/Write APIs, partitioning effects other
// than the dry-run estimate, REPEATED and RECORD columns.
//
// Fault knobs (Fail, RejectRows, SetInsertIDDedup) make the failure modes
// of the real service reproducible in tests.
//
// It lives in the platform kit (github.com/acme-platform/golden-path/kit)
// because it knows nothing of a service: it speaks the BigQuery REST API to
// the real client, so every golden-path service tests its bigquery adapter
// against the same fake and gets its fixes by a version bump. It is not a
// BigQuery emulator for manual use nor a place for a service's schema (the
// service's bigquery adapter owns it).
package bqfake

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bqv2 "google.golang.org/api/bigquery/v2"
	_ "modernc.org/sqlite" // the SQL engine that evaluates queries
)

// Operation names used by Fault and Request.
const (
	OpDatasetsInsert  = "datasets.insert"
	OpDatasetsGet     = "datasets.get"
	OpTablesInsert    = "tables.insert"
	OpTablesGet       = "tables.get"
	OpTablesDelete    = "tables.delete"
	OpInsertAll       = "tabledata.insertAll"
	OpJobsQuery       = "jobs.query"
	OpGetQueryResults = "jobs.getQueryResults"
	OpJobsInsert      = "jobs.insert"
)

// Fault makes requests fail with a BigQuery error response.
type Fault struct {
	// Op is the operation that fails (OpInsertAll, …); empty matches all.
	Op string
	// Status is the HTTP status, such as 503 or 403.
	Status int
	// Reason is the error reason; by default "backendError" for 5xx,
	// "rateLimitExceeded" for 429 and "invalid" otherwise.
	Reason string
	// Times is how many matching requests fail; 0 or less means every one
	// until ClearFaults.
	Times int
}

// Request is one request the server received.
type Request struct {
	Op     string
	Method string
	Path   string
	Query  string
	Body   []byte
}

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	// URL is the endpoint to give the client (option.WithEndpoint).
	URL string

	srv      *httptest.Server
	db       *sql.DB
	location string
	pageSize int

	mu       sync.Mutex
	datasets map[string]*bqv2.Dataset // "project.dataset"
	tables   map[string]*table        // "project.dataset.table"
	results  map[string]*result       // job id
	order    []string                 // job ids, oldest first
	faults   []*Fault
	reject   func(row map[string]any) string
	dedup    bool
	requests []Request
	jobSeq   atomic.Int64
}

type table struct {
	meta      *bqv2.Table
	sqlName   string
	fields    []*bqv2.TableFieldSchema
	insertIDs map[string]bool
	created   time.Time
}

type result struct {
	schema *bqv2.TableSchema
	rows   [][]any // SQLite values
	types  []string
	int64s bool // useInt64Timestamp
}

// Option configures a Server.
type Option func(*Server)

// WithPageSize sets how many rows a query response or page holds at most
// (default 1000), so that paging can be exercised with few rows.
func WithPageSize(n int) Option { return func(s *Server) { s.pageSize = n } }

// WithLocation sets the location reported in job references (default "US").
func WithLocation(loc string) Option { return func(s *Server) { s.location = loc } }

var servers atomic.Int64

// New starts a fake on a loopback port. Close it when done.
func New(opts ...Option) (*Server, error) {
	name := fmt.Sprintf("file:bqfake-%d-%d?mode=memory&cache=shared", time.Now().UnixNano(), servers.Add(1))
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, fmt.Errorf("open bqfake database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open bqfake database: %w", err)
	}
	s := &Server{
		db:       db,
		location: "US",
		pageSize: 1000,
		datasets: map[string]*bqv2.Dataset{},
		tables:   map[string]*table{},
		results:  map[string]*result{},
		dedup:    true,
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	return s, nil
}

// Close stops the server and discards its data.
func (s *Server) Close() {
	s.srv.Close()
	s.db.Close()
}

// Fail installs a fault. Faults are matched in the order they were added.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault and row rejection.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.reject = nil
}

// RejectRows makes insertAll report the rows for which reject returns a
// non-empty message as invalid (reason "invalid"), as BigQuery does for a
// row that does not fit the schema. reject runs with the server locked and
// must not call the Server.
func (s *Server) RejectRows(reject func(row map[string]any) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject = reject
}

// SetInsertIDDedup turns insertId deduplication on (the default) or off.
// BigQuery deduplicates on a best-effort basis only (and the
// bigquery-emulator not at all); turn it off to test that readers cope.
func (s *Server) SetInsertIDDedup(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dedup = on
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RowCount returns how many rows a table holds (duplicates included).
func (s *Server) RowCount(project, dataset, tableID string) (int, error) {
	s.mu.Lock()
	t, ok := s.tables[project+"."+dataset+"."+tableID]
	s.mu.Unlock()
	if !ok {
		return 0, fmt.Errorf("no table %s.%s.%s", project, dataset, tableID)
	}
	var n int
	err := s.db.QueryRow(`SELECT COUNT(*) FROM ` + quoteIdent(t.sqlName)).Scan(&n)
	return n, err
}

// apiError is BigQuery's error response body.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Errors  []apiErrorItem `json:"errors"`
	Status  string         `json:"status"`
}

type apiErrorItem struct {
	Message string `json:"message"`
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
}

var statusNames = map[int]string{
	400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
	409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
	503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}

func writeError(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, apiError{Error: apiErrorBody{
		Code: code, Message: msg, Status: statusNames[code],
		Errors: []apiErrorItem{{Message: msg, Domain: "global", Reason: reason}},
	}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// handler is one REST method.
type handler func(w http.ResponseWriter, r *http.Request, body []byte)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	add := func(pattern, op string, h handler) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				writeError(w, 400, "invalid", "read request body: "+err.Error())
				return
			}
			s.mu.Lock()
			s.requests = append(s.requests, Request{Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body})
			fault := s.takeFault(op)
			s.mu.Unlock()
			if fault != nil {
				writeError(w, fault.Status, fault.Reason, fmt.Sprintf("bqfake: injected %d on %s", fault.Status, op))
				return
			}
			h(w, r, body)
		})
	}
	add("POST /projects/{p}/datasets", OpDatasetsInsert, s.datasetsInsert)
	add("GET /projects/{p}/datasets/{d}", OpDatasetsGet, s.datasetsGet)
	add("POST /projects/{p}/datasets/{d}/tables", OpTablesInsert, s.tablesInsert)
	add("GET /projects/{p}/datasets/{d}/tables/{t}", OpTablesGet, s.tablesGet)
	add("DELETE /projects/{p}/datasets/{d}/tables/{t}", OpTablesDelete, s.tablesDelete)
	add("POST /projects/{p}/datasets/{d}/tables/{t}/insertAll", OpInsertAll, s.insertAll)
	add("POST /projects/{p}/queries", OpJobsQuery, s.jobsQuery)
	add("GET /projects/{p}/queries/{job}", OpGetQueryResults, s.getQueryResults)
	add("POST /projects/{p}/jobs", OpJobsInsert, s.jobsInsert)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 501, "notImplemented", fmt.Sprintf("bqfake: %s %s is not implemented", r.Method, r.URL.Path))
	})
	return mux
}

// takeFault returns the fault to apply to op, if any. s.mu is held.
func (s *Server) takeFault(op string) *Fault {
	for i, f := range s.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		out := *f
		if out.Reason == "" {
			switch {
			case out.Status >= 500:
				out.Reason = "backendError"
			case out.Status == 429:
				out.Reason = "rateLimitExceeded"
			default:
				out.Reason = "invalid"
			}
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
		}
		return &out
	}
	return nil
}

func decode(w http.ResponseWriter, body []byte, v any) bool {
	if err := json.Unmarshal(body, v); err != nil {
		writeError(w, 400, "parseError", "Parse Error: "+err.Error())
		return false
	}
	return true
}

func (s *Server) datasetsInsert(w http.ResponseWriter, r *http.Request, body []byte) {
	var ds bqv2.Dataset
	if !decode(w, body, &ds) {
		return
	}
	p := r.PathValue("p")
	if ds.DatasetReference == nil || ds.DatasetReference.DatasetId == "" {
		writeError(w, 400, "invalid", "Dataset reference is required")
		return
	}
	ds.DatasetReference.ProjectId = p
	key := p + "." + ds.DatasetReference.DatasetId
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.datasets[key]; ok {
		writeError(w, 409, "duplicate", fmt.Sprintf("Already Exists: Dataset %s:%s", p, ds.DatasetReference.DatasetId))
		return
	}
	ds.Kind = "bigquery#dataset"
	ds.Id = p + ":" + ds.DatasetReference.DatasetId
	if ds.Location == "" {
		ds.Location = s.location
	}
	ds.CreationTime = time.Now().UnixMilli()
	s.datasets[key] = &ds
	writeJSON(w, 200, &ds)
}

func (s *Server) datasetsGet(w http.ResponseWriter, r *http.Request, _ []byte) {
	p, d := r.PathValue("p"), r.PathValue("d")
	s.mu.Lock()
	ds, ok := s.datasets[p+"."+d]
	s.mu.Unlock()
	if !ok {
		writeError(w, 404, "notFound", fmt.Sprintf("Not found: Dataset %s:%s", p, d))
		return
	}
	writeJSON(w, 200, ds)
}

// sqlTypes maps BigQuery column types to a SQLite declared type that keeps
// the BigQuery type (for result schemas) and gives the right affinity.
var sqlTypes = map[string]string{
	"STRING": "BQ_STRING_TEXT", "BYTES": "BQ_BYTES_BLOB",
	"INTEGER": "BQ_INT64_INTEGER", "INT64": "BQ_INT64_INTEGER",
	"FLOAT": "BQ_FLOAT64_REAL", "FLOAT64": "BQ_FLOAT64_REAL",
	"BOOLEAN": "BQ_BOOL_INTEGER", "BOOL": "BQ_BOOL_INTEGER",
	"TIMESTAMP": "BQ_TIMESTAMP_INTEGER", "DATE": "BQ_DATE_TEXT",
}

// canonicalType returns the GoogleSQL name of a legacy type name.
func canonicalType(t string) string {
	switch t = strings.ToUpper(t); t {
	case "INTEGER":
		return "INT64"
	case "FLOAT":
		return "FLOAT64"
	case "BOOLEAN":
		return "BOOL"
	}
	return t
}

// legacyType returns the type name the REST API reports in result schemas
// (INTEGER, FLOAT, BOOLEAN), which the client expects.
func legacyType(t string) string {
	switch t {
	case "INT64":
		return "INTEGER"
	case "FLOAT64":
		return "FLOAT"
	case "BOOL":
		return "BOOLEAN"
	}
	return t
}

func (s *Server) tablesInsert(w http.ResponseWriter, r *http.Request, body []byte) {
	var tb bqv2.Table
	if !decode(w, body, &tb) {
		return
	}
	p, d := r.PathValue("p"), r.PathValue("d")
	if tb.TableReference == nil || tb.TableReference.TableId == "" {
		writeError(w, 400, "invalid", "Table reference is required")
		return
	}
	if tb.Schema == nil || len(tb.Schema.Fields) == 0 {
		writeError(w, 400, "invalid", "bqfake: a table needs a schema")
		return
	}
	cols := make([]string, 0, len(tb.Schema.Fields))
	for _, f := range tb.Schema.Fields {
		typ, ok := sqlTypes[strings.ToUpper(f.Type)]
		if !ok || f.Mode == "REPEATED" {
			writeError(w, 400, "invalid", fmt.Sprintf("bqfake: column %s of type %s mode %s is not supported", f.Name, f.Type, f.Mode))
			return
		}
		col := quoteIdent(f.Name) + " " + typ
		if f.Mode == "REQUIRED" {
			col += " NOT NULL"
		}
		cols = append(cols, col)
	}
	tb.TableReference.ProjectId, tb.TableReference.DatasetId = p, d
	key := p + "." + d + "." + tb.TableReference.TableId
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.datasets[p+"."+d]; !ok {
		writeError(w, 404, "notFound", fmt.Sprintf("Not found: Dataset %s:%s", p, d))
		return
	}
	if _, ok := s.tables[key]; ok {
		writeError(w, 409, "duplicate", fmt.Sprintf("Already Exists: Table %s:%s.%s", p, d, tb.TableReference.TableId))
		return
	}
	if _, err := s.db.Exec(`CREATE TABLE ` + quoteIdent(key) + ` (` + strings.Join(cols, ", ") + `)`); err != nil {
		writeError(w, 400, "invalid", "bqfake: create table: "+err.Error())
		return
	}
	now := time.Now()
	tb.Kind = "bigquery#table"
	tb.Id = fmt.Sprintf("%s:%s.%s", p, d, tb.TableReference.TableId)
	tb.Type = "TABLE"
	tb.Location = s.location
	tb.CreationTime = now.UnixMilli()
	tb.LastModifiedTime = uint64(now.UnixMilli())
	s.tables[key] = &table{meta: &tb, sqlName: key, fields: tb.Schema.Fields, insertIDs: map[string]bool{}, created: now}
	writeJSON(w, 200, &tb)
}

func (s *Server) tableOr404(w http.ResponseWriter, r *http.Request) (*table, bool) {
	p, d, t := r.PathValue("p"), r.PathValue("d"), r.PathValue("t")
	s.mu.Lock()
	tb, ok := s.tables[p+"."+d+"."+t]
	s.mu.Unlock()
	if !ok {
		writeError(w, 404, "notFound", fmt.Sprintf("Not found: Table %s:%s.%s", p, d, t))
	}
	return tb, ok
}

func (s *Server) tablesGet(w http.ResponseWriter, r *http.Request, _ []byte) {
	tb, ok := s.tableOr404(w, r)
	if !ok {
		return
	}
	var n uint64
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM ` + quoteIdent(tb.sqlName)).Scan(&n); err != nil {
		writeError(w, 500, "internalError", err.Error())
		return
	}
	meta := *tb.meta
	meta.NumRows = n
	writeJSON(w, 200, &meta)
}

func (s *Server) tablesDelete(w http.ResponseWriter, r *http.Request, _ []byte) {
	tb, ok := s.tableOr404(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	delete(s.tables, tb.sqlName)
	s.mu.Unlock()
	if _, err := s.db.Exec(`DROP TABLE ` + quoteIdent(tb.sqlName)); err != nil {
		writeError(w, 500, "internalError", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// insertAllResponse is tabledata.insertAll's response.
type insertAllResponse struct {
	Kind         string        `json:"kind"`
	InsertErrors []insertError `json:"insertErrors,omitempty"`
}

type insertError struct {
	Index  int64          `json:"index"`
	Errors []insertReason `json:"errors"`
}

type insertReason struct {
	Reason   string `json:"reason"`
	Location string `json:"location,omitempty"`
	Message  string `json:"message"`
}

type insertAllRequest struct {
	Rows []struct {
		InsertID string                     `json:"insertId"`
		JSON     map[string]json.RawMessage `json:"json"`
	} `json:"rows"`
	SkipInvalidRows     bool   `json:"skipInvalidRows"`
	IgnoreUnknownValues bool   `json:"ignoreUnknownValues"`
	TemplateSuffix      string `json:"templateSuffix"`
}

func (s *Server) insertAll(w http.ResponseWriter, r *http.Request, body []byte) {
	tb, ok := s.tableOr404(w, r)
	if !ok {
		return
	}
	var req insertAllRequest
	if !decode(w, body, &req) {
		return
	}
	if req.TemplateSuffix != "" {
		writeError(w, 400, "invalid", "bqfake: templateSuffix is not supported")
		return
	}
	if len(req.Rows) == 0 {
		writeError(w, 400, "invalid", "No rows present in the request.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	type prepared struct {
		index int
		id    string
		vals  []any
	}
	var ok2 []prepared
	var errs []insertError
	for i, row := range req.Rows {
		vals, loc, msg := convertRow(tb.fields, row.JSON, req.IgnoreUnknownValues)
		if msg == "" && s.reject != nil {
			generic := map[string]any{}
			for k, v := range row.JSON {
				var x any
				_ = json.Unmarshal(v, &x)
				generic[k] = x
			}
			msg = s.reject(generic)
		}
		if msg != "" {
			errs = append(errs, insertError{Index: int64(i), Errors: []insertReason{{Reason: "invalid", Location: loc, Message: msg}}})
			continue
		}
		ok2 = append(ok2, prepared{index: i, id: row.InsertID, vals: vals})
	}
	if len(errs) > 0 && !req.SkipInvalidRows {
		// The whole request fails: valid rows are reported as stopped.
		for _, p := range ok2 {
			errs = append(errs, insertError{Index: int64(p.index), Errors: []insertReason{{Reason: "stopped"}}})
		}
		slices.SortFunc(errs, func(a, b insertError) int { return int(a.Index - b.Index) })
		writeJSON(w, 200, insertAllResponse{Kind: "bigquery#tableDataInsertAllResponse", InsertErrors: errs})
		return
	}
	tx, err := s.db.Begin()
	if err != nil {
		writeError(w, 500, "internalError", err.Error())
		return
	}
	defer tx.Rollback()
	cols := make([]string, len(tb.fields))
	marks := make([]string, len(tb.fields))
	for i, f := range tb.fields {
		cols[i], marks[i] = quoteIdent(f.Name), "?"
	}
	stmt, err := tx.Prepare(`INSERT INTO ` + quoteIdent(tb.sqlName) + ` (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`)
	if err != nil {
		writeError(w, 500, "internalError", err.Error())
		return
	}
	defer stmt.Close()
	var newIDs []string
	for _, p := range ok2 {
		if s.dedup && p.id != "" {
			if tb.insertIDs[p.id] || slices.Contains(newIDs, p.id) {
				continue
			}
			newIDs = append(newIDs, p.id)
		}
		if _, err := stmt.Exec(p.vals...); err != nil {
			writeError(w, 500, "internalError", err.Error())
			return
		}
	}
	if err := tx.Commit(); err != nil {
		writeError(w, 500, "internalError", err.Error())
		return
	}
	for _, id := range newIDs {
		tb.insertIDs[id] = true
	}
	writeJSON(w, 200, insertAllResponse{Kind: "bigquery#tableDataInsertAllResponse", InsertErrors: errs})
}

// convertRow checks one insertAll row against the schema and returns its
// SQLite values in column order, or the failing field and a message.
func convertRow(fields []*bqv2.TableFieldSchema, row map[string]json.RawMessage, ignoreUnknown bool) ([]any, string, string) {
	vals := make([]any, len(fields))
	known := map[string]bool{}
	for i, f := range fields {
		known[f.Name] = true
		raw, ok := row[f.Name]
		if !ok || string(raw) == "null" {
			if f.Mode == "REQUIRED" {
				return nil, f.Name, fmt.Sprintf("Missing required field: %s.", f.Name)
			}
			continue
		}
		v, err := jsonCell(canonicalType(f.Type), raw)
		if err != nil {
			return nil, f.Name, fmt.Sprintf("Cannot convert value to %s: %v (field %s)", strings.ToLower(canonicalType(f.Type)), err, f.Name)
		}
		vals[i] = v
	}
	if !ignoreUnknown {
		for name := range row {
			if !known[name] {
				return nil, name, fmt.Sprintf("no such field: %s.", name)
			}
		}
	}
	return vals, "", ""
}

// jsonCell converts an insertAll JSON value of a column type to SQLite.
func jsonCell(typ string, raw json.RawMessage) (any, error) {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch typ {
	case "STRING", "DATE":
		if str, ok := v.(string); ok {
			return str, nil
		}
	case "BYTES":
		if str, ok := v.(string); ok {
			return []byte(str), nil
		}
	case "INT64":
		switch x := v.(type) {
		case json.Number:
			return strconv.ParseInt(x.String(), 10, 64)
		case string:
			return strconv.ParseInt(x, 10, 64)
		}
	case "FLOAT64":
		switch x := v.(type) {
		case json.Number:
			return x.Float64()
		case string:
			return strconv.ParseFloat(x, 64)
		}
	case "BOOL":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			return strconv.ParseBool(x)
		}
	case "TIMESTAMP":
		switch x := v.(type) {
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return nil, err
			}
			return int64(math.Round(f * 1e6)), nil
		case string:
			t, err := ParseTimestamp(x)
			if err != nil {
				return nil, err
			}
			return t.UnixMicro(), nil
		}
	}
	return nil, fmt.Errorf("unexpected JSON value %s", raw)
}

// timestampLayouts are the TIMESTAMP literal forms BigQuery accepts that
// the client and the service send.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 UTC",
	"2006-01-02",
}

// ParseTimestamp parses a BigQuery TIMESTAMP literal (RFC 3339 or the
// canonical "YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]" form) as UTC.
func ParseTimestamp(s string) (time.Time, error) {
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}

// queryParameter is one named parameter of jobs.query / jobs.insert.
type queryParameter = bqv2.QueryParameter

// paramArgs converts named query parameters to SQLite arguments.
func paramArgs(params []*queryParameter) ([]any, map[string]time.Time, error) {
	args := make([]any, 0, len(params))
	times := map[string]time.Time{}
	for _, p := range params {
		if p.Name == "" {
			return nil, nil, fmt.Errorf("bqfake supports named query parameters only")
		}
		if p.ParameterType == nil {
			return nil, nil, fmt.Errorf("query parameter @%s has no type", p.Name)
		}
		typ := canonicalType(p.ParameterType.Type)
		var val any
		if p.ParameterValue != nil && (p.ParameterValue.Value != "" || typ == "STRING" || typ == "BYTES") {
			raw := p.ParameterValue.Value
			var err error
			switch typ {
			case "STRING", "DATE":
				val = raw
			case "BYTES":
				val = []byte(raw)
			case "INT64":
				val, err = strconv.ParseInt(raw, 10, 64)
			case "FLOAT64":
				val, err = strconv.ParseFloat(raw, 64)
			case "BOOL":
				val, err = strconv.ParseBool(raw)
			case "TIMESTAMP":
				var t time.Time
				if t, err = ParseTimestamp(raw); err == nil {
					val = t.UnixMicro()
					times[p.Name] = t
				}
			default:
				err = fmt.Errorf("type %s is not supported by bqfake", typ)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("query parameter @%s: %w", p.Name, err)
			}
		}
		args = append(args, sql.Named(p.Name, val))
	}
	return args, times, nil
}

// tableRef matches a backticked table reference: `project.dataset.table`
// or `dataset.table`.
var tableRef = regexp.MustCompile("`([A-Za-z0-9_.:-]+)`")

// rewrite replaces the table references of a GoogleSQL query by the
// fake's SQLite tables and returns the tables it uses.
func (s *Server) rewrite(project, query string) (string, []*table, *apiErrorBody) {
	var used []*table
	var missing string
	out := tableRef.ReplaceAllStringFunc(query, func(m string) string {
		name := strings.Trim(m, "`")
		parts := strings.Split(name, ".")
		var key string
		switch len(parts) {
		case 3:
			key = name
		case 2:
			key = project + "." + name
		default:
			return m // a quoted column name
		}
		s.mu.Lock()
		tb, ok := s.tables[key]
		s.mu.Unlock()
		if !ok {
			missing = key
			return m
		}
		used = append(used, tb)
		return quoteIdent(tb.sqlName)
	})
	if missing != "" {
		p, rest, _ := strings.Cut(missing, ".")
		return "", nil, &apiErrorBody{Code: 404, Message: fmt.Sprintf("Not found: Table %s:%s was not found in location %s", p, rest, s.location)}
	}
	return out, used, nil
}

// queryResponse is jobs.query's response; getQueryResults uses the same
// row format.
type queryResponse struct {
	Kind                string             `json:"kind"`
	JobComplete         bool               `json:"jobComplete"`
	JobReference        *bqv2.JobReference `json:"jobReference,omitempty"`
	Schema              *bqv2.TableSchema  `json:"schema,omitempty"`
	Rows                []tableRow         `json:"rows,omitempty"`
	TotalRows           string             `json:"totalRows"`
	PageToken           string             `json:"pageToken,omitempty"`
	TotalBytesProcessed string             `json:"totalBytesProcessed,omitempty"`
	CacheHit            bool               `json:"cacheHit"`
}

type tableRow struct {
	F []tableCell `json:"f"`
}

type tableCell struct {
	V any `json:"v"` // no omitempty: NULL is {"v":null}
}

type queryRequest struct {
	bqv2.QueryRequest
	// UseLegacySQL is a pointer in the request: absent means legacy SQL.
	UseLegacySQL *bool `json:"useLegacySql"`
}

func (s *Server) jobsQuery(w http.ResponseWriter, r *http.Request, body []byte) {
	var req queryRequest
	if !decode(w, body, &req) {
		return
	}
	if req.UseLegacySQL == nil || *req.UseLegacySQL {
		writeError(w, 400, "invalidQuery", "bqfake supports GoogleSQL only: set useLegacySql to false")
		return
	}
	if req.ParameterMode != "" && !strings.EqualFold(req.ParameterMode, "NAMED") {
		writeError(w, 400, "invalidQuery", "bqfake supports named query parameters only")
		return
	}
	p := r.PathValue("p")
	loc := req.Location
	if loc == "" {
		loc = s.location
	}
	if req.DryRun {
		bytes, apiErr := s.dryRun(r.Context(), p, req.Query, req.QueryParameters)
		if apiErr != nil {
			writeError(w, apiErr.Code, reasonOf(apiErr), apiErr.Message)
			return
		}
		writeJSON(w, 200, queryResponse{Kind: "bigquery#queryResponse", JobComplete: true, TotalRows: "0",
			JobReference: &bqv2.JobReference{ProjectId: p, Location: loc}, TotalBytesProcessed: strconv.FormatInt(bytes, 10)})
		return
	}
	res, apiErr := s.run(r.Context(), p, req.Query, req.QueryParameters)
	if apiErr != nil {
		writeError(w, apiErr.Code, reasonOf(apiErr), apiErr.Message)
		return
	}
	res.int64s = req.FormatOptions != nil && req.FormatOptions.UseInt64Timestamp
	jobID := fmt.Sprintf("job_bqfake_%d", s.jobSeq.Add(1))
	s.mu.Lock()
	s.results[jobID] = res
	s.order = append(s.order, jobID)
	if len(s.order) > 256 {
		delete(s.results, s.order[0])
		s.order = s.order[1:]
	}
	s.mu.Unlock()
	size := s.pageSize
	if req.MaxResults > 0 && int(req.MaxResults) < size {
		size = int(req.MaxResults)
	}
	resp := queryResponse{
		Kind: "bigquery#queryResponse", JobComplete: true,
		JobReference: &bqv2.JobReference{ProjectId: p, JobId: jobID, Location: loc},
		Schema:       res.schema,
		TotalRows:    strconv.Itoa(len(res.rows)),
	}
	resp.Rows, resp.PageToken = res.page(0, size)
	writeJSON(w, 200, resp)
}

func reasonOf(e *apiErrorBody) string {
	if e.Code == 404 {
		return "notFound"
	}
	return "invalidQuery"
}

func (s *Server) getQueryResults(w http.ResponseWriter, r *http.Request, _ []byte) {
	jobID := r.PathValue("job")
	s.mu.Lock()
	res, ok := s.results[jobID]
	s.mu.Unlock()
	if !ok {
		writeError(w, 404, "notFound", fmt.Sprintf("Not found: Job %s:%s", r.PathValue("p"), jobID))
		return
	}
	q := r.URL.Query()
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "offset-"))
		if err != nil || !strings.HasPrefix(tok, "offset-") || n < 0 || n > len(res.rows) {
			writeError(w, 400, "invalid", "Invalid page token: "+tok)
			return
		}
		start = n
	} else if si := q.Get("startIndex"); si != "" {
		n, err := strconv.Atoi(si)
		if err != nil || n < 0 {
			writeError(w, 400, "invalid", "Invalid startIndex: "+si)
			return
		}
		start = min(n, len(res.rows))
	}
	size := s.pageSize
	if mr := q.Get("maxResults"); mr != "" {
		if n, err := strconv.Atoi(mr); err == nil && n > 0 && n < size {
			size = n
		}
	}
	view := *res
	view.int64s = q.Get("formatOptions.useInt64Timestamp") == "true"
	resp := queryResponse{
		Kind: "bigquery#getQueryResultsResponse", JobComplete: true,
		JobReference: &bqv2.JobReference{ProjectId: r.PathValue("p"), JobId: jobID, Location: s.location},
		Schema:       res.schema,
		TotalRows:    strconv.Itoa(len(res.rows)),
	}
	resp.Rows, resp.PageToken = view.page(start, size)
	writeJSON(w, 200, project(resp, q.Get("fields")))
}

// project applies the "fields" partial-response projection to the top
// level of a response.
func project(v any, fields string) any {
	if fields == "" {
		return v
	}
	b, _ := json.Marshal(v)
	var m map[string]json.RawMessage
	_ = json.Unmarshal(b, &m)
	keep := map[string]json.RawMessage{}
	for f := range strings.SplitSeq(fields, ",") {
		f = strings.TrimSpace(f)
		if raw, ok := m[f]; ok {
			keep[f] = raw
		}
	}
	return keep
}

// page returns rows [start, start+size) as cells and the next page token.
func (res *result) page(start, size int) ([]tableRow, string) {
	end := min(start+size, len(res.rows))
	out := make([]tableRow, 0, end-start)
	for _, row := range res.rows[start:end] {
		cells := make([]tableCell, len(row))
		for i, v := range row {
			cells[i] = tableCell{V: formatCell(res.types[i], v, res.int64s)}
		}
		out = append(out, tableRow{F: cells})
	}
	if end < len(res.rows) {
		return out, "offset-" + strconv.Itoa(end)
	}
	return out, ""
}

// formatCell encodes a SQLite value as a BigQuery JSON cell: every scalar
// is a string, NULL is nil.
func formatCell(typ string, v any, int64Timestamp bool) any {
	if v == nil {
		return nil
	}
	switch typ {
	case "TIMESTAMP":
		us, _ := v.(int64)
		if int64Timestamp {
			return strconv.FormatInt(us, 10)
		}
		return strconv.FormatFloat(float64(us)/1e6, 'E', -1, 64)
	case "BOOL":
		switch x := v.(type) {
		case int64:
			return strconv.FormatBool(x != 0)
		case bool:
			return strconv.FormatBool(x)
		}
	case "BYTES":
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	}
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return string(x)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return strconv.FormatInt(x.UnixMicro(), 10)
	}
	return fmt.Sprint(v)
}

// run evaluates a query and keeps its rows.
func (s *Server) run(ctx context.Context, project, query string, params []*queryParameter) (*result, *apiErrorBody) {
	q, used, apiErr := s.rewrite(project, query)
	if apiErr != nil {
		return nil, apiErr
	}
	args, times, err := paramArgs(params)
	if err != nil {
		return nil, &apiErrorBody{Code: 400, Message: err.Error()}
	}
	if apiErr := requirePartitionFilter(query, used, times); apiErr != nil {
		return nil, apiErr
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, &apiErrorBody{Code: 400, Message: "bqfake: " + err.Error()}
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		return nil, &apiErrorBody{Code: 500, Message: err.Error()}
	}
	res := &result{schema: &bqv2.TableSchema{}, types: make([]string, len(cts))}
	for i, ct := range cts {
		res.types[i] = declaredType(ct.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, &apiErrorBody{Code: 500, Message: err.Error()}
		}
		for i, v := range vals {
			if res.types[i] == "" && v != nil {
				res.types[i] = inferType(v)
			}
		}
		res.rows = append(res.rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, &apiErrorBody{Code: 400, Message: "bqfake: " + err.Error()}
	}
	for i, ct := range cts {
		if res.types[i] == "" {
			res.types[i] = "STRING"
		}
		res.schema.Fields = append(res.schema.Fields, &bqv2.TableFieldSchema{Name: ct.Name(), Type: legacyType(res.types[i]), Mode: "NULLABLE"})
	}
	return res, nil
}

// declaredType returns the BigQuery type kept in a SQLite declared type
// ("BQ_TIMESTAMP_INTEGER" → "TIMESTAMP"), or "" for expressions.
func declaredType(decl string) string {
	decl = strings.ToUpper(decl)
	if !strings.HasPrefix(decl, "BQ_") {
		return ""
	}
	t, _, _ := strings.Cut(strings.TrimPrefix(decl, "BQ_"), "_")
	return t
}

func inferType(v any) string {
	switch v.(type) {
	case int64:
		return "INT64"
	case float64:
		return "FLOAT64"
	case bool:
		return "BOOL"
	case []byte:
		return "BYTES"
	}
	return "STRING"
}

func (s *Server) jobsInsert(w http.ResponseWriter, r *http.Request, body []byte) {
	var job bqv2.Job
	if !decode(w, body, &job) {
		return
	}
	cfg := job.Configuration
	if cfg == nil || cfg.Query == nil || !cfg.DryRun {
		writeError(w, 501, "notImplemented", "bqfake runs query jobs only as dry runs (configuration.dryRun); use jobs.query (Query.Read) to read rows")
		return
	}
	if cfg.Query.UseLegacySql == nil || *cfg.Query.UseLegacySql {
		writeError(w, 400, "invalidQuery", "bqfake supports GoogleSQL only: set useLegacySql to false")
		return
	}
	p := r.PathValue("p")
	bytes, apiErr := s.dryRun(r.Context(), p, cfg.Query.Query, cfg.Query.QueryParameters)
	if apiErr != nil {
		writeError(w, apiErr.Code, reasonOf(apiErr), apiErr.Message)
		return
	}
	ref := job.JobReference
	if ref == nil {
		ref = &bqv2.JobReference{ProjectId: p}
	}
	if ref.Location == "" {
		ref.Location = s.location
	}
	out := bqv2.Job{
		Kind:          "bigquery#job",
		JobReference:  ref,
		Configuration: cfg,
		Status:        &bqv2.JobStatus{State: "DONE"},
		Statistics: &bqv2.JobStatistics{
			CreationTime:        time.Now().UnixMilli(),
			TotalBytesProcessed: bytes,
			Query: &bqv2.JobStatistics2{
				TotalBytesProcessed: bytes,
				StatementType:       "SELECT",
			},
		},
	}
	out.Statistics.ForceSendFields = []string{"TotalBytesProcessed"}
	out.Statistics.Query.ForceSendFields = []string{"TotalBytesProcessed"}
	writeJSON(w, 200, &out)
}

// dryRun validates a query and estimates the bytes it would scan the way
// BigQuery bills them: for every table, the logical size of the columns
// the query names (STRING and BYTES: 2 + length, other types: 8 bytes,
// NULL: 0) over the rows of the partitions it reads. For a table
// partitioned on a TIMESTAMP column, the partitions read are the days
// between the parameters compared with that column (`col >= @a`, `col > @a`,
// `col < @b`, `col <= @b`); a side without such a comparison reads every
// partition on that side. This mirrors partition pruning for the
// parameterized queries the service sends; it is an estimate, like
// BigQuery's own dry run.
func (s *Server) dryRun(ctx context.Context, project, query string, params []*queryParameter) (int64, *apiErrorBody) {
	q, used, apiErr := s.rewrite(project, query)
	if apiErr != nil {
		return 0, apiErr
	}
	args, times, err := paramArgs(params)
	if err != nil {
		return 0, &apiErrorBody{Code: 400, Message: err.Error()}
	}
	if apiErr := requirePartitionFilter(query, used, times); apiErr != nil {
		return 0, apiErr
	}
	// Validate like a dry run does: compile the statement.
	if _, err := s.db.ExecContext(ctx, "EXPLAIN "+q, args...); err != nil {
		return 0, &apiErrorBody{Code: 400, Message: "bqfake: " + err.Error()}
	}
	var total int64
	for _, tb := range used {
		var sizes []string
		var partCol string
		if tp := tb.meta.TimePartitioning; tp != nil && tp.Field != "" {
			partCol = tp.Field
		}
		for _, f := range tb.fields {
			if !mentions(query, f.Name) {
				continue
			}
			col := quoteIdent(f.Name)
			switch canonicalType(f.Type) {
			case "STRING", "BYTES":
				sizes = append(sizes, "COALESCE(2 + length(CAST("+col+" AS BLOB)), 0)")
			case "BOOL":
				sizes = append(sizes, "CASE WHEN "+col+" IS NULL THEN 0 ELSE 1 END")
			default:
				sizes = append(sizes, "CASE WHEN "+col+" IS NULL THEN 0 ELSE 8 END")
			}
		}
		if len(sizes) == 0 {
			continue
		}
		where := "1"
		var wargs []any
		if partCol != "" {
			lo, hi := partitionRange(query, partCol, times)
			if !lo.IsZero() {
				where += " AND " + quoteIdent(partCol) + " >= ?"
				wargs = append(wargs, dayStart(lo).UnixMicro())
			}
			if !hi.IsZero() {
				where += " AND " + quoteIdent(partCol) + " < ?"
				wargs = append(wargs, dayStart(hi.Add(-time.Microsecond)).Add(24*time.Hour).UnixMicro())
			}
		}
		var n int64
		err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(`+strings.Join(sizes, " + ")+`), 0) FROM `+quoteIdent(tb.sqlName)+` WHERE `+where, wargs...).Scan(&n)
		if err != nil {
			return 0, &apiErrorBody{Code: 500, Message: err.Error()}
		}
		total += n
	}
	return total, nil
}

// requirePartitionFilter rejects, as BigQuery does, a query over a table
// with requirePartitionFilter that does not bound its partitioning column
// (recognised in the parameterized form partitionRange reads).
func requirePartitionFilter(query string, used []*table, times map[string]time.Time) *apiErrorBody {
	for _, tb := range used {
		tp := tb.meta.TimePartitioning
		if !tb.meta.RequirePartitionFilter || tp == nil || tp.Field == "" {
			continue
		}
		if lo, hi := partitionRange(query, tp.Field, times); lo.IsZero() && hi.IsZero() {
			ref := tb.meta.TableReference
			return &apiErrorBody{Code: 400, Message: fmt.Sprintf("Cannot query over table '%s.%s' without a filter over column(s) '%s' that can be used for partition elimination", ref.DatasetId, ref.TableId, tp.Field)}
		}
	}
	return nil
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// mentions reports whether query names column (as a word or in backticks).
func mentions(query, column string) bool {
	return regexp.MustCompile(`(?i)(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(column) + `($|[^A-Za-z0-9_])`).MatchString(query)
}

// partitionRange returns the lowest lower bound and the highest upper bound
// the query puts on col through TIMESTAMP parameters (zero when absent).
func partitionRange(query, col string, times map[string]time.Time) (lo, hi time.Time) {
	c := "`?" + regexp.QuoteMeta(col) + "`?"
	lower := regexp.MustCompile(`(?i)(?:^|[^A-Za-z0-9_])` + c + `\s*>=?\s*@(\w+)`)
	upper := regexp.MustCompile(`(?i)(?:^|[^A-Za-z0-9_])` + c + `\s*<=?\s*@(\w+)`)
	for _, m := range lower.FindAllStringSubmatch(query, -1) {
		if t, ok := times[m[1]]; ok && (lo.IsZero() || t.Before(lo)) {
			lo = t
		}
	}
	for _, m := range upper.FindAllStringSubmatch(query, -1) {
		if t, ok := times[m[1]]; ok && (hi.IsZero() || t.After(hi)) {
			hi = t
		}
	}
	return lo, hi
}

func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
