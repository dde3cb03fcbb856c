package bqfake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/bqfake"

	bq "cloud.google.com/go/bigquery"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
)

const project = "p"

// start returns a fake with dataset d and table d.t (name STRING REQUIRED,
// n INT64, ts TIMESTAMP), day-partitioned on ts when partitioned is set.
func start(t *testing.T, partitioned bool, opts ...bqfake.Option) (*bqfake.Server, *bq.Client) {
	t.Helper()
	fake, err := bqfake.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	c, err := bq.NewClient(t.Context(), project, option.WithEndpoint(fake.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Dataset("d").Create(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	md := &bq.TableMetadata{Schema: bq.Schema{
		{Name: "name", Type: bq.StringFieldType, Required: true},
		{Name: "n", Type: bq.IntegerFieldType},
		{Name: "ts", Type: bq.TimestampFieldType},
	}}
	if partitioned {
		md.TimePartitioning = &bq.TimePartitioning{Field: "ts"}
		md.RequirePartitionFilter = true
	}
	if err := c.Dataset("d").Table("t").Create(t.Context(), md); err != nil {
		t.Fatal(err)
	}
	return fake, c
}

// post sends a raw JSON request and returns the status and decoded body.
func post(t *testing.T, method, url string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func TestTablesGetNotFoundShape(t *testing.T) {
	t.Parallel()
	fake, _ := start(t, false)
	code, body := post(t, "GET", fake.URL+"/projects/p/datasets/d/tables/missing", nil)
	want := map[string]any{"error": map[string]any{
		"code": 404.0, "message": "Not found: Table p:d.missing", "status": "NOT_FOUND",
		"errors": []any{map[string]any{"message": "Not found: Table p:d.missing", "domain": "global", "reason": "notFound"}},
	}}
	if code != 404 {
		t.Errorf("status = %d, want 404", code)
	}
	if diff := cmp.Diff(body, want); diff != "" {
		t.Errorf("body (-got +want):\n%s", diff)
	}
}

func TestInsertAllShapes(t *testing.T) {
	t.Parallel()
	fake, _ := start(t, false)
	url := fake.URL + "/projects/p/datasets/d/tables/t/insertAll"
	row := func(id string, json map[string]any) map[string]any {
		return map[string]any{"insertId": id, "json": json}
	}
	tests := []struct {
		name  string
		body  map[string]any
		want  map[string]any
		count int
	}{
		{
			name: "valid_rows",
			body: map[string]any{"rows": []any{
				row("a", map[string]any{"name": "x", "n": "7", "ts": "2026-11-27T08:00:00.123456Z"}),
				row("b", map[string]any{"name": "y", "n": 8, "ts": 1795766400.5}),
			}},
			want:  map[string]any{"kind": "bigquery#tableDataInsertAllResponse"},
			count: 2,
		},
		{
			name:  "same_insert_ids_again_are_dropped",
			body:  map[string]any{"rows": []any{row("a", map[string]any{"name": "x"}), row("b", map[string]any{"name": "y"})}},
			want:  map[string]any{"kind": "bigquery#tableDataInsertAllResponse"},
			count: 2,
		},
		{
			name: "invalid_row_stops_the_request",
			body: map[string]any{"rows": []any{
				row("c", map[string]any{"name": "ok"}),
				row("d", map[string]any{"n": "1"}),
				row("e", map[string]any{"name": "z", "extra": true}),
			}},
			want: map[string]any{"kind": "bigquery#tableDataInsertAllResponse", "insertErrors": []any{
				map[string]any{"index": 0.0, "errors": []any{map[string]any{"reason": "stopped", "message": ""}}},
				map[string]any{"index": 1.0, "errors": []any{map[string]any{"reason": "invalid", "location": "name", "message": "Missing required field: name."}}},
				map[string]any{"index": 2.0, "errors": []any{map[string]any{"reason": "invalid", "location": "extra", "message": "no such field: extra."}}},
			}},
			count: 2,
		},
		{
			name: "skip_invalid_rows_inserts_the_valid_ones",
			body: map[string]any{"skipInvalidRows": true, "rows": []any{
				row("f", map[string]any{"name": "ok"}),
				row("g", map[string]any{"name": "bad", "ts": "yesterday"}),
			}},
			want: map[string]any{"kind": "bigquery#tableDataInsertAllResponse", "insertErrors": []any{
				map[string]any{"index": 1.0, "errors": []any{map[string]any{"reason": "invalid", "location": "ts", "message": `Cannot convert value to timestamp: invalid timestamp "yesterday" (field ts)`}}},
			}},
			count: 3,
		},
	}
	for _, tc := range tests { // sequential: each case builds on the rows before
		code, body := post(t, "POST", url, tc.body)
		if code != 200 {
			t.Errorf("%s: status %d, want 200", tc.name, code)
		}
		if diff := cmp.Diff(body, tc.want); diff != "" {
			t.Errorf("%s: body (-got +want):\n%s", tc.name, diff)
		}
		n, err := fake.RowCount(project, "d", "t")
		if err != nil {
			t.Fatal(err)
		}
		if n != tc.count {
			t.Errorf("%s: %d rows stored, want %d", tc.name, n, tc.count)
		}
	}
}

func TestQueryCellsAndPaging(t *testing.T) {
	t.Parallel()
	fake, _ := start(t, false, bqfake.WithPageSize(2))
	code, _ := post(t, "POST", fake.URL+"/projects/p/datasets/d/tables/t/insertAll", map[string]any{"rows": []any{
		map[string]any{"json": map[string]any{"name": "a", "n": "1", "ts": "2026-11-27T08:00:00.123456Z"}},
		map[string]any{"json": map[string]any{"name": "b"}},
		map[string]any{"json": map[string]any{"name": "c", "n": "-3", "ts": "2000-01-01 00:00:00+00:00"}},
	}})
	if code != 200 {
		t.Fatalf("insertAll status %d", code)
	}
	f := false
	code, first := post(t, "POST", fake.URL+"/projects/p/queries", map[string]any{
		"query":           "SELECT name, n, ts, COUNT(*) OVER () AS total FROM `d.t` WHERE name >= @from ORDER BY name",
		"useLegacySql":    &f,
		"formatOptions":   map[string]any{"useInt64Timestamp": true},
		"queryParameters": []any{map[string]any{"name": "from", "parameterType": map[string]any{"type": "STRING"}, "parameterValue": map[string]any{"value": "a"}}},
	})
	if code != 200 {
		t.Fatalf("jobs.query status %d: %v", code, first)
	}
	jobRef := first["jobReference"].(map[string]any)
	if first["pageToken"] == nil {
		t.Fatalf("first page has no pageToken: %v", first)
	}
	code, second := post(t, "GET", fake.URL+"/projects/p/queries/"+jobRef["jobId"].(string)+"?pageToken="+first["pageToken"].(string)+"&formatOptions.useInt64Timestamp=true&fields=rows,pageToken,totalRows", nil)
	if code != 200 {
		t.Fatalf("getQueryResults status %d: %v", code, second)
	}
	cells := func(v any) []any {
		var out []any
		for _, r := range v.([]any) {
			out = append(out, r.(map[string]any)["f"])
		}
		return out
	}
	got := map[string]any{
		"schema":       first["schema"],
		"totalRows":    first["totalRows"],
		"jobComplete":  first["jobComplete"],
		"first":        cells(first["rows"]),
		"second":       cells(second["rows"]),
		"secondFields": len(second),
	}
	v := func(s any) map[string]any { return map[string]any{"v": s} }
	want := map[string]any{
		"schema": map[string]any{"fields": []any{
			map[string]any{"name": "name", "type": "STRING", "mode": "NULLABLE"},
			map[string]any{"name": "n", "type": "INTEGER", "mode": "NULLABLE"},
			map[string]any{"name": "ts", "type": "TIMESTAMP", "mode": "NULLABLE"},
			map[string]any{"name": "total", "type": "INTEGER", "mode": "NULLABLE"},
		}},
		"totalRows":   "3",
		"jobComplete": true,
		"first": []any{
			[]any{v("a"), v("1"), v("1795766400123456"), v("3")},
			[]any{v("b"), v(nil), v(nil), v("3")},
		},
		"second":       []any{[]any{v("c"), v("-3"), v("946684800000000"), v("3")}},
		"secondFields": 2, // rows and totalRows: the last page has no pageToken
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("query responses (-got +want):\n%s", diff)
	}
}

func TestRealClientReadsTypedRows(t *testing.T) {
	t.Parallel()
	fake, c := start(t, true, bqfake.WithPageSize(2))
	ts := time.Date(2026, 11, 27, 8, 0, 0, 123456000, time.UTC)
	type rec struct {
		Name string    `bigquery:"name"`
		N    int64     `bigquery:"n"`
		TS   time.Time `bigquery:"ts"`
	}
	var in []*rec
	for i := range 5 {
		in = append(in, &rec{Name: string(rune('a' + i)), N: int64(i * 1000), TS: ts.Add(time.Duration(i) * time.Hour)})
	}
	if err := c.Dataset("d").Table("t").Inserter().Put(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	q := c.Query("SELECT name, n, ts FROM `p.d.t` WHERE ts >= @since AND ts < @until ORDER BY ts DESC")
	q.Parameters = []bq.QueryParameter{{Name: "since", Value: ts.Add(time.Hour)}, {Name: "until", Value: ts.Add(4 * time.Hour)}}
	it, err := q.Read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []*rec
	for {
		var r rec
		err := it.Next(&r)
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, &r)
	}
	if diff := cmp.Diff(got, []*rec{in[3], in[2], in[1]}); diff != "" {
		t.Errorf("rows (-got +want):\n%s", diff)
	}
	// requirePartitionFilter: a query without a bound on ts is refused.
	_, err = c.Query("SELECT name FROM `p.d.t`").Read(t.Context())
	if err == nil {
		t.Fatal("query without a partition filter succeeded, want a 400")
	}
	if want := "without a filter over column(s) 'ts'"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	// Dry run: 3 partitions of rows [1, 4) read name (2+1 bytes) and ts (8).
	dq := c.Query("SELECT name, ts FROM `p.d.t` WHERE ts >= @since AND ts < @until")
	dq.Parameters = q.Parameters
	dq.DryRun = true
	job, err := dq.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// All five rows are on 2026-11-27, so the whole day partition is read.
	if got, want := job.LastStatus().Statistics.TotalBytesProcessed, int64(5*(3+8)); got != want {
		t.Errorf("dry-run bytes = %d, want %d", got, want)
	}
	if n := len(fake.Requests()); n == 0 {
		t.Error("no requests recorded")
	}
}

func TestLegacySQLAndUnknownRoutesAreRefused(t *testing.T) {
	t.Parallel()
	fake, _ := start(t, false)
	tests := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"legacy_sql_by_default", "POST", "/projects/p/queries", map[string]any{"query": "SELECT 1"}, 400},
		{"load_job", "POST", "/projects/p/jobs", map[string]any{"configuration": map[string]any{"load": map[string]any{}}}, 501},
		{"unknown_route", "GET", "/projects/p/models", nil, 501},
		{"unknown_table_in_query", "POST", "/projects/p/queries", map[string]any{"query": "SELECT * FROM `d.nope`", "useLegacySql": false}, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, body := post(t, tc.method, fake.URL+tc.path, tc.body)
			if code != tc.status {
				t.Errorf("status = %d, want %d (body %v)", code, tc.status, body)
			}
			if _, ok := body["error"]; !ok {
				t.Errorf("body %v has no error object", body)
			}
		})
	}
}

func TestFaultsAreCountedDown(t *testing.T) {
	t.Parallel()
	fake, _ := start(t, false)
	fake.Fail(bqfake.Fault{Op: bqfake.OpTablesGet, Status: 503, Times: 2})
	var got []int
	for range 3 {
		code, _ := post(t, "GET", fake.URL+"/projects/p/datasets/d/tables/t", nil)
		got = append(got, code)
	}
	if diff := cmp.Diff(got, []int{503, 503, 200}); diff != "" {
		t.Errorf("statuses (-got +want):\n%s", diff)
	}
}
