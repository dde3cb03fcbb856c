package bigquery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/schema"
	"${{ values.goModule }}/storetest"

	bq "cloud.google.com/go/bigquery"
	"github.com/acme-platform/golden-path/kit/bqfake"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"
)

const project = "acme-flights-test"

var testConfig = bigquery.Config{ProjectID: project, Dataset: "flight_events", Table: "events", Location: "EU"}

// newStore starts a fake, creates the table through the adapter and returns
// both.
func newStore(t *testing.T, cfg bigquery.Config, opts ...bqfake.Option) (*bigquery.Store, *bqfake.Server) {
	t.Helper()
	fake, err := bqfake.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	s, err := bigquery.New(t.Context(), cfg, option.WithEndpoint(fake.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.CreateTable(t.Context()); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	return s, fake
}

func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) flightevents.EventStore {
		// Small pages and batches so that paging and chunking are exercised.
		cfg := testConfig
		cfg.BatchSize = 300
		s, _ := newStore(t, cfg, bqfake.WithPageSize(97))
		return s
	}, storetest.DuplicatesCountedPerCall())
}

// TestContractWithoutInsertIDDedup runs the suite against a backend that
// stores every re-sent row (as BigQuery may, and the emulator does): the
// DISTINCT read path must still return each event once.
func TestContractWithoutInsertIDDedup(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) flightevents.EventStore {
		s, fake := newStore(t, testConfig, bqfake.WithPageSize(97))
		fake.SetInsertIDDedup(false)
		return s
	}, storetest.DuplicatesCountedPerCall(), storetest.DedupOnRead("insertId deduplication is off in the fake"))
}

func TestDuplicatesAreStoredTwiceWithoutDedup(t *testing.T) {
	t.Parallel()
	// Guards the test above: without insertId dedup the rows really are
	// stored twice, so that test exercises the DISTINCT read path.
	s, fake := newStore(t, testConfig)
	fake.SetInsertIDDedup(false)
	ev := storetest.Events(4, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	for range 2 {
		if _, err := s.WriteEvents(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	n, err := fake.RowCount(project, testConfig.Dataset, testConfig.Table)
	if err != nil {
		t.Fatal(err)
	}
	if n != 8 {
		t.Errorf("rows stored = %d, want 8", n)
	}
}

type insertAllBody struct {
	Rows []struct {
		InsertID string            `json:"insertId"`
		JSON     map[string]string `json:"json"`
	} `json:"rows"`
	SkipInvalidRows bool `json:"skipInvalidRows"`
}

func TestWriteSendsEventIDAsInsertID(t *testing.T) {
	t.Parallel()
	cfg := testConfig
	cfg.BatchSize = 2
	s, fake := newStore(t, cfg)
	ts := time.Date(2026, 11, 27, 9, 0, 0, 123456000, time.FixedZone("CET", 3600))
	ev := []flightevents.Event{
		storetest.Event("e1", "IB3456", flightevents.StatusBoarding, ts),
		storetest.Event("e2", "IB3456", flightevents.StatusDeparted, ts.Add(time.Minute)),
		storetest.Event("e1", "IB3456", flightevents.StatusBoarding, ts),
		storetest.Event("e3", "UX1094", flightevents.StatusDelayed, ts.Add(time.Hour)),
	}
	res, err := s.WriteEvents(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res, flightevents.WriteResult{Written: 3, Duplicates: 1}); diff != "" {
		t.Errorf("WriteResult (-got +want):\n%s", diff)
	}
	var got [][]string
	for _, r := range fake.Requests() {
		if r.Op != bqfake.OpInsertAll {
			continue
		}
		var body insertAllBody
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.SkipInvalidRows {
			t.Error("insertAll sent skipInvalidRows=true, want the whole request to fail on an invalid row")
		}
		var rows []string
		for _, row := range body.Rows {
			if row.JSON["ingested_at"] == "" {
				t.Errorf("row %s has no ingested_at", row.InsertID)
			}
			rows = append(rows, fmt.Sprintf("%s %s %s %s %s", row.InsertID, row.JSON["event_id"], row.JSON["flight_id"], row.JSON["status"], row.JSON["timestamp"]))
		}
		got = append(got, rows)
	}
	want := [][]string{
		{"e1 e1 IB3456 boarding 2026-11-27T08:00:00.123456Z", "e2 e2 IB3456 departed 2026-11-27T08:01:00.123456Z"},
		{"e3 e3 UX1094 delayed 2026-11-27T09:00:00.123456Z"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("insertAll rows per request (-got +want):\n%s", diff)
	}
}

type queryBody struct {
	Query           string `json:"query"`
	UseLegacySQL    *bool  `json:"useLegacySql"`
	QueryParameters []struct {
		Name          string `json:"name"`
		ParameterType struct {
			Type string `json:"type"`
		} `json:"parameterType"`
		ParameterValue struct {
			Value string `json:"value"`
		} `json:"parameterValue"`
	} `json:"queryParameters"`
	FormatOptions struct {
		UseInt64Timestamp bool `json:"useInt64Timestamp"`
	} `json:"formatOptions"`
	Location string `json:"location"`
}

func TestListQueryAlwaysBoundsTimestamp(t *testing.T) {
	t.Parallel()
	s, fake := newStore(t, testConfig)
	since := time.Date(2026, 11, 27, 7, 0, 0, 123456000, time.UTC)
	until := since.Add(3 * time.Hour)
	tests := []struct {
		name   string
		filter flightevents.EventFilter
		sql    string
		params []string
	}{
		{
			name:   "zero_filter_gets_default_window",
			filter: flightevents.EventFilter{},
			sql:    "SELECT DISTINCT event_id, flight_id, status, `timestamp` FROM `acme-flights-test.flight_events.events` WHERE `timestamp` >= @since AND `timestamp` < @until ORDER BY `timestamp` DESC, event_id DESC LIMIT @lim",
			params: []string{"since TIMESTAMP", "until TIMESTAMP", "lim INT64 101"},
		},
		{
			name:   "every_filter_and_cursor",
			filter: flightevents.EventFilter{FlightID: "IB3456", Status: flightevents.StatusBoarding, Since: since, Until: until, Limit: 10, After: &flightevents.Cursor{Timestamp: until.Add(-time.Hour), EventID: "ev-9"}},
			sql:    "SELECT DISTINCT event_id, flight_id, status, `timestamp` FROM `acme-flights-test.flight_events.events` WHERE `timestamp` >= @since AND `timestamp` < @until AND flight_id = @flight AND status = @status AND `timestamp` <= @after_ts AND (`timestamp` < @after_ts OR event_id < @after_id) ORDER BY `timestamp` DESC, event_id DESC LIMIT @lim",
			params: []string{
				"since TIMESTAMP 2026-11-27 07:00:00.123456+00:00", "until TIMESTAMP 2026-11-27 10:00:00.123456+00:00",
				"flight STRING IB3456", "status STRING boarding",
				"after_ts TIMESTAMP 2026-11-27 09:00:00.123456+00:00", "after_id STRING ev-9", "lim INT64 11",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(fake.Requests())
			if _, err := s.ListEvents(t.Context(), tc.filter); err != nil {
				t.Fatal(err)
			}
			var queries []queryBody
			for _, r := range fake.Requests()[before:] {
				if r.Op == bqfake.OpJobsQuery {
					var q queryBody
					if err := json.Unmarshal(r.Body, &q); err != nil {
						t.Fatal(err)
					}
					queries = append(queries, q)
				}
			}
			if len(queries) != 1 {
				t.Fatalf("ListEvents sent %d jobs.query requests, want 1", len(queries))
			}
			q := queries[0]
			if diff := cmp.Diff(q.Query, tc.sql); diff != "" {
				t.Errorf("query (-got +want):\n%s", diff)
			}
			if q.UseLegacySQL == nil || *q.UseLegacySQL || !q.FormatOptions.UseInt64Timestamp || q.Location != "EU" {
				t.Errorf("request options: useLegacySql=%v useInt64Timestamp=%v location=%q", q.UseLegacySQL, q.FormatOptions.UseInt64Timestamp, q.Location)
			}
			var params []string
			var window []time.Time
			for _, p := range q.QueryParameters {
				desc := p.Name + " " + p.ParameterType.Type
				if p.ParameterType.Type == "TIMESTAMP" && tc.filter.Since.IsZero() {
					// Defaulted from the clock: checked as a span below.
					ts, err := bqfake.ParseTimestamp(p.ParameterValue.Value)
					if err != nil {
						t.Fatal(err)
					}
					window = append(window, ts)
				} else {
					desc += " " + p.ParameterValue.Value
				}
				params = append(params, desc)
			}
			if tc.filter.Since.IsZero() {
				if len(window) != 2 || window[1].Sub(window[0]) != flightevents.DefaultWindow+flightevents.DefaultLead {
					t.Errorf("default since/until = %v, want a span of %v", window, flightevents.DefaultWindow+flightevents.DefaultLead)
				}
			}
			if diff := cmp.Diff(params, tc.params); diff != "" {
				t.Errorf("query parameters (-got +want):\n%s", diff)
			}
		})
	}
}

func TestCreateTableUsesSchemaFile(t *testing.T) {
	t.Parallel()
	_, fake := newStore(t, testConfig)
	var created struct {
		Schema struct {
			Fields []schema.Field `json:"fields"`
		} `json:"schema"`
		TimePartitioning struct {
			Type  string `json:"type"`
			Field string `json:"field"`
		} `json:"timePartitioning"`
		RequirePartitionFilter bool `json:"requirePartitionFilter"`
		Clustering             struct {
			Fields []string `json:"fields"`
		} `json:"clustering"`
	}
	found := false
	for _, r := range fake.Requests() {
		if r.Op == bqfake.OpTablesInsert {
			found = true
			if err := json.Unmarshal(r.Body, &created); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !found {
		t.Fatal("no tables.insert request")
	}
	want, err := schema.Events()
	if err != nil {
		t.Fatal(err)
	}
	for i := range created.Schema.Fields {
		if created.Schema.Fields[i].Mode == "" {
			created.Schema.Fields[i].Mode = "NULLABLE" // the API's default mode
		}
	}
	if diff := cmp.Diff(created.Schema.Fields, want); diff != "" {
		t.Errorf("table schema vs schema/events.json (-got +want):\n%s", diff)
	}
	got := fmt.Sprintf("%s(%s) require=%v cluster=%v", created.TimePartitioning.Type, created.TimePartitioning.Field, created.RequirePartitionFilter, created.Clustering.Fields)
	if diff := cmp.Diff(got, "DAY(timestamp) require=true cluster=[flight_id status]"); diff != "" {
		t.Errorf("partitioning (-got +want):\n%s", diff)
	}
}

func TestCreateTableIsIdempotent(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, testConfig)
	if err := s.CreateTable(t.Context()); err != nil {
		t.Errorf("second CreateTable: %v", err)
	}
}

func TestDryRunPrunesPartitions(t *testing.T) {
	t.Parallel()
	s, fake := newStore(t, testConfig)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	var ev []flightevents.Event
	for d := range 3 {
		ev = append(ev, storetest.Events(10, day.Add(time.Duration(d)*24*time.Hour+time.Hour))...)
		for i := range ev[len(ev)-10:] {
			ev[len(ev)-10+i].EventID = fmt.Sprintf("d%d-%02d", d, i)
		}
	}
	if _, err := s.WriteEvents(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	// BigQuery's logical sizes of the columns the query reads:
	// STRING 2 + bytes, TIMESTAMP 8. ingested_at is not read.
	size := func(events []flightevents.Event) int64 {
		var n int64
		for _, e := range events {
			n += int64(2+len(e.EventID)) + int64(2+len(e.FlightID)) + int64(2+len(e.Status)) + 8
		}
		return n
	}
	tests := []struct {
		name   string
		filter flightevents.EventFilter
		want   int64
	}{
		{"one_day", flightevents.EventFilter{Since: day.Add(24 * time.Hour), Until: day.Add(48 * time.Hour)}, size(ev[10:20])},
		{"part_of_one_day_scans_the_day", flightevents.EventFilter{Since: day.Add(25 * time.Hour), Until: day.Add(26 * time.Hour), FlightID: "IB3456"}, size(ev[10:20])},
		{"three_days", flightevents.EventFilter{Since: day, Until: day.Add(72 * time.Hour)}, size(ev)},
		{"no_data", flightevents.EventFilter{Since: day.Add(-48 * time.Hour), Until: day}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(fake.Requests())
			got, err := s.DryRun(t.Context(), tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("DryRun bytes = %d, want %d", got, tc.want)
			}
			var ops []string
			for _, r := range fake.Requests()[before:] {
				ops = append(ops, r.Op)
				if r.Op == bqfake.OpJobsInsert && !strings.Contains(string(r.Body), `"dryRun":true`) {
					t.Errorf("jobs.insert body is not a dry run: %s", r.Body)
				}
			}
			if diff := cmp.Diff(ops, []string{bqfake.OpJobsInsert}); diff != "" {
				t.Errorf("requests (-got +want):\n%s", diff)
			}
		})
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	window := flightevents.EventFilter{Since: ts.Add(-time.Hour), Until: ts.Add(time.Hour), Limit: 20}
	tests := []struct {
		name  string
		setup func(t *testing.T, s *bigquery.Store, fake *bqfake.Server)
		call  func(ctx context.Context, s *bigquery.Store) error
		code  string
		msg   string
	}{
		{
			name: "insert_503_until_timeout",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				fake.Fail(bqfake.Fault{Op: bqfake.OpInsertAll, Status: 503})
			},
			call: writeOne(ts),
			code: flightevents.EUNAVAILABLE,
			msg:  "503 backendError",
		},
		{
			name: "insert_429_until_timeout",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				fake.Fail(bqfake.Fault{Op: bqfake.OpInsertAll, Status: 429})
			},
			call: writeOne(ts),
			code: flightevents.EUNAVAILABLE,
			msg:  "rateLimitExceeded",
		},
		{
			name: "insert_403",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				fake.Fail(bqfake.Fault{Op: bqfake.OpInsertAll, Status: 403, Reason: "accessDenied"})
			},
			call: writeOne(ts),
			code: flightevents.EUNAVAILABLE,
			msg:  "not allowed (403 accessDenied",
		},
		{
			name: "insert_400",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				fake.Fail(bqfake.Fault{Op: bqfake.OpInsertAll, Status: 400})
			},
			call: writeOne(ts),
			code: flightevents.EINVALID,
		},
		{
			name: "insert_row_errors",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				fake.RejectRows(func(row map[string]any) string {
					if row["event_id"] == "bad-row" {
						return "Cannot convert value to string."
					}
					return ""
				})
			},
			call: func(ctx context.Context, s *bigquery.Store) error {
				_, err := s.WriteEvents(ctx, []flightevents.Event{
					storetest.Event("good-row", "IB3456", flightevents.StatusBoarding, ts),
					storetest.Event("bad-row", "IB3456", flightevents.StatusBoarding, ts),
				})
				return err
			},
			code: flightevents.EINVALID,
			msg:  "bigquery rejected 1 of 2 rows: row 1 (event_id bad-row): invalid: Cannot convert value to string.; the other rows of the request were not inserted",
		},
		{
			name:  "table_missing",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) { deleteTable(t, fake) },
			call:  writeOne(ts),
			code:  flightevents.EUNAVAILABLE,
			msg:   "not found",
		},
		{
			name: "query_503_until_timeout",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				fake.Fail(bqfake.Fault{Op: bqfake.OpJobsQuery, Status: 503})
			},
			call: listWindow(window),
			code: flightevents.EUNAVAILABLE,
		},
		{
			name: "query_400_is_a_bug",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				fake.Fail(bqfake.Fault{Op: bqfake.OpJobsQuery, Status: 400, Reason: "invalidQuery"})
			},
			call: listWindow(window),
			code: flightevents.EINTERNAL,
		},
		{
			name: "second_page_503",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				var ev []flightevents.Event
				for i := range 12 {
					ev = append(ev, storetest.Event(fmt.Sprintf("p%02d", i), "IB3456", flightevents.StatusBoarding, ts))
				}
				if _, err := s.WriteEvents(t.Context(), ev); err != nil {
					t.Fatal(err)
				}
				fake.Fail(bqfake.Fault{Op: bqfake.OpGetQueryResults, Status: 503})
			},
			call: listWindow(window),
			code: flightevents.EUNAVAILABLE,
		},
		{
			name:  "ping_table_missing",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) { deleteTable(t, fake) },
			call:  func(ctx context.Context, s *bigquery.Store) error { return s.Ping(ctx) },
			code:  flightevents.EUNAVAILABLE,
			msg:   "notFound",
		},
		{
			name:  "server_down",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) { fake.Close() },
			call:  func(ctx context.Context, s *bigquery.Store) error { return s.Ping(ctx) },
			code:  flightevents.EUNAVAILABLE,
		},
		{
			name: "dry_run_400",
			setup: func(t *testing.T, s *bigquery.Store, fake *bqfake.Server) {
				fake.Fail(bqfake.Fault{Op: bqfake.OpJobsInsert, Status: 400})
			},
			call: func(ctx context.Context, s *bigquery.Store) error {
				_, err := s.DryRun(ctx, window)
				return err
			},
			code: flightevents.EINTERNAL,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig
			cfg.Timeout = 1500 * time.Millisecond // the client retries 5xx until then
			s, fake := newStore(t, cfg, bqfake.WithPageSize(5))
			tc.setup(t, s, fake)
			err := tc.call(context.Background(), s)
			if got := flightevents.ErrorCode(err); got != tc.code {
				t.Fatalf("error %v has code %q, want %q", err, got, tc.code)
			}
			if msg := flightevents.ErrorMessage(err); !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q does not contain %q", msg, tc.msg)
			}
		})
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	t.Parallel()
	s, fake := newStore(t, testConfig, bqfake.WithPageSize(5))
	ts := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ev := storetest.Events(12, ts)
	fake.Fail(bqfake.Fault{Op: bqfake.OpInsertAll, Status: 503, Times: 1})
	fake.Fail(bqfake.Fault{Op: bqfake.OpJobsQuery, Status: 500, Times: 1})
	fake.Fail(bqfake.Fault{Op: bqfake.OpGetQueryResults, Status: 502, Times: 1})
	if _, err := s.WriteEvents(t.Context(), ev); err != nil {
		t.Fatalf("WriteEvents after one 503: %v", err)
	}
	got := storetest.ListAll(t, s, flightevents.EventFilter{Since: ts, Until: ts.Add(time.Hour), Limit: 100})
	if diff := cmp.Diff(got, storetest.NewestFirst(ev)); diff != "" {
		t.Errorf("events (-got +want):\n%s", diff)
	}
	counts := map[string]int{}
	for _, r := range fake.Requests() {
		counts[r.Op]++
	}
	if counts[bqfake.OpInsertAll] != 2 || counts[bqfake.OpJobsQuery] != 2 || counts[bqfake.OpGetQueryResults] < 2 {
		t.Errorf("requests per operation = %v, want each failed call retried once", counts)
	}
}

func TestPingDetectsSchemaDrift(t *testing.T) {
	t.Parallel()
	s, fake := newStore(t, testConfig)
	deleteTable(t, fake)
	client := rawClient(t, fake)
	err := client.Dataset(testConfig.Dataset).Table(testConfig.Table).Create(t.Context(), &bq.TableMetadata{Schema: bq.Schema{
		{Name: "event_id", Type: bq.StringFieldType, Required: true},
		{Name: "flight_id", Type: bq.StringFieldType, Required: true},
		{Name: "timestamp", Type: bq.StringFieldType, Required: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Ping(t.Context())
	if got := flightevents.ErrorCode(err); got != flightevents.EUNAVAILABLE {
		t.Fatalf("Ping: error %v has code %q, want %q", err, got, flightevents.EUNAVAILABLE)
	}
	want := "missing column status; column timestamp is STRING, want TIMESTAMP; missing column ingested_at"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Ping error %q does not name the drift %q", err, want)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  bigquery.Config
	}{
		{"empty", bigquery.Config{}},
		{"no_table", bigquery.Config{ProjectID: "p-1", Dataset: "d"}},
		{"backtick_in_table", bigquery.Config{ProjectID: "p-1", Dataset: "d", Table: "t` OR 1=1"}},
		{"dash_in_dataset", bigquery.Config{ProjectID: "p-1", Dataset: "flight-events", Table: "t"}},
		{"upper_case_project", bigquery.Config{ProjectID: "Acme", Dataset: "d", Table: "t"}},
		{"batch_too_large", bigquery.Config{ProjectID: "p-1", Dataset: "d", Table: "t", BatchSize: 60000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := bigquery.New(t.Context(), tc.cfg, option.WithoutAuthentication())
			if got := flightevents.ErrorCode(err); got != flightevents.EINVALID {
				t.Errorf("New(%+v): error %v has code %q, want %q", tc.cfg, err, got, flightevents.EINVALID)
			}
		})
	}
}

func writeOne(ts time.Time) func(ctx context.Context, s *bigquery.Store) error {
	return func(ctx context.Context, s *bigquery.Store) error {
		_, err := s.WriteEvents(ctx, []flightevents.Event{storetest.Event("one", "IB3456", flightevents.StatusBoarding, ts)})
		return err
	}
}

func listWindow(f flightevents.EventFilter) func(ctx context.Context, s *bigquery.Store) error {
	return func(ctx context.Context, s *bigquery.Store) error {
		_, err := s.ListEvents(ctx, f)
		return err
	}
}

func rawClient(t *testing.T, fake *bqfake.Server) *bq.Client {
	t.Helper()
	c, err := bq.NewClient(t.Context(), project, option.WithEndpoint(fake.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func deleteTable(t *testing.T, fake *bqfake.Server) {
	t.Helper()
	if err := rawClient(t, fake).Dataset(testConfig.Dataset).Table(testConfig.Table).Delete(t.Context()); err != nil {
		t.Fatal(err)
	}
}
