package bigquery_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"github.com/acme-platform/golden-path/kit/bqfake"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/option"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/logging"
	"${{ values.goModule }}/metrics"
	"${{ values.goModule }}/simulator"
)

// The service exports the estimates through its metrics registry.
var _ bigquery.CostRecorder = (*metrics.Metrics)(nil)

func TestBilledBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		processed int64
		tables    int
		want      int64
	}{
		{name: "nothing_processed_bills_nothing", processed: 0, tables: 1, want: 0},
		{name: "one_byte_bills_the_minimum", processed: 1, tables: 1, want: 10 * bigquery.MiB},
		{name: "minimum_per_table", processed: 1, tables: 2, want: 20 * bigquery.MiB},
		{name: "rounded_up_to_mib", processed: 10*bigquery.MiB + 1, tables: 1, want: 11 * bigquery.MiB},
		{name: "exact_mib", processed: 64 * bigquery.MiB, tables: 1, want: 64 * bigquery.MiB},
		{name: "one_tib", processed: bigquery.TiB, tables: 1, want: bigquery.TiB},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := bigquery.BilledBytes(tc.processed, tc.tables); got != tc.want {
				t.Errorf("BilledBytes(%d, %d) = %d, want %d", tc.processed, tc.tables, got, tc.want)
			}
		})
	}
}

func TestPricingDollars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pricing bigquery.Pricing
		billed  int64
		want    float64
	}{
		{name: "default_price_one_tib", billed: bigquery.TiB, want: 6.25},
		{name: "configured_price", pricing: bigquery.Pricing{PricePerTiB: 5}, billed: 2 * bigquery.TiB, want: 10},
		{name: "minimum_query", billed: 10 * bigquery.MiB, want: 6.25 * 10 / (1 << 20)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.pricing.Dollars(tc.billed); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("Dollars(%d) = %g, want %g", tc.billed, got, tc.want)
			}
		})
	}
}

// recorder is a CostRecorder that keeps what it was told.
type recorder struct {
	mu   sync.Mutex
	got  []bigquery.QueryCost
	errs int
}

func (r *recorder) DryRun(processed, billed int64, dollars float64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs++
		return
	}
	r.got = append(r.got, bigquery.QueryCost{ProcessedBytes: processed, BilledBytes: billed, Dollars: dollars})
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.b.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestCostReportLogsAndRecordsEachQuery(t *testing.T) {
	t.Parallel()
	s, fake := newStore(t, testConfig)
	day := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	ev := make([]flightevents.Event, 0, 20)
	for i := range 20 {
		e := flightevents.Event{FlightID: "IB3456", Status: flightevents.StatusBoarding, Timestamp: day.Add(time.Duration(i) * time.Minute)}
		e.EventID = flightevents.DeriveEventID(e.FlightID, e.Status, e.Timestamp)
		ev = append(ev, e)
	}
	if _, err := s.WriteEvents(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	f := flightevents.EventFilter{Since: day, Until: day.Add(24 * time.Hour), Limit: 5}
	want, err := s.DryRun(t.Context(), f)
	if err != nil || want == 0 {
		t.Fatalf("DryRun = %d, %v; want bytes", want, err)
	}

	var logs syncBuffer
	rec := &recorder{}
	cs := bigquery.WithCostReport(s, bigquery.CostReportConfig{
		Pricing:  bigquery.Pricing{PricePerTiB: 5},
		Logger:   logging.New(&logs, slog.LevelInfo, project),
		Recorder: rec,
	})
	ctx := logging.WithTrace(t.Context(), logging.Trace{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736"})
	page, err := cs.ListEvents(ctx, f)
	if err != nil || len(page.Events) != 5 || page.Next == nil {
		t.Fatalf("ListEvents through the cost report = %d events, next %v, %v; want a full page", len(page.Events), page.Next, err)
	}
	billed := int64(10 * bigquery.MiB)
	if diff := cmp.Diff(rec.got, []bigquery.QueryCost{{ProcessedBytes: want, BilledBytes: billed, Dollars: float64(billed) / bigquery.TiB * 5}}); diff != "" {
		t.Errorf("recorded estimates (-got +want):\n%s", diff)
	}
	lines := logs.lines(t)
	if len(lines) != 1 {
		t.Fatalf("log lines = %v, want one estimate", lines)
	}
	l := lines[0]
	if l["message"] != "bigquery query estimate" || l["total_bytes_processed"] != float64(want) || l["bytes_billed"] != float64(billed) ||
		l["logging.googleapis.com/trace"] != "projects/"+project+"/traces/4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("estimate log line = %v", l)
	}

	// A failing dry run is reported but never fails the read.
	fake.Fail(bqfake.Fault{Op: bqfake.OpJobsInsert, Status: 403, Reason: "accessDenied"})
	page, err = cs.ListEvents(ctx, f)
	if err != nil || len(page.Events) != 5 {
		t.Fatalf("ListEvents with a failing dry run = %d events, %v; want the page", len(page.Events), err)
	}
	if rec.errs != 1 {
		t.Errorf("failed dry runs recorded = %d, want 1", rec.errs)
	}
	if lines := logs.lines(t); len(lines) != 2 || lines[1]["severity"] != "WARNING" {
		t.Errorf("log lines after a failed dry run = %v, want a WARNING", lines)
	}
}

// Query-cost model behind the README figure. The fake's dry run computes
// BigQuery's logical bytes of the columns the /datos query reads (STRING:
// 2 + UTF-8 length; TIMESTAMP: 8) over the partitions it cannot prune;
// the figure scales the measured bytes per row to a production table.
const (
	modelRowsPerDay    = 1_000_000 // e.g. ~170k flights/day × ~6 status events
	modelRetentionDays = 365
	fakeRowsPerDay     = 200
	fakeDays           = 30
)

// TestQueryCostFigure produces the README's table of bytes and dollars of
// one uncached GET /datos on a day-partitioned table with a 1-day window,
// with the API's default window, and for an unbounded scan. Run it with
//
//	go test ./bigquery -run TestQueryCostFigure -v
//
// It checks that the fake's dry run prunes partitions exactly as the model
// says (bytes = days read × rows per day × bytes per row) before scaling.
func TestQueryCostFigure(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	msgs, err := simulator.Generate(simulator.Config{Count: fakeRowsPerDay * fakeDays, Flights: 300, Seed: 7, Start: start, Span: fakeDays * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	events, _ := simulator.Expected(msgs)

	partitioned, fake := newStore(t, testConfig)
	if _, err := partitioned.WriteEvents(t.Context(), events); err != nil {
		t.Fatal(err)
	}
	// The same rows in a table without partitioning, as the seed had.
	flat := testConfig
	flat.Table = "events_unpartitioned"
	createUnpartitioned(t, fake.URL, flat)
	unpartitioned, err := bigquery.New(t.Context(), flat, option.WithEndpoint(fake.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unpartitioned.Close() })
	if _, err := unpartitioned.WriteEvents(t.Context(), events); err != nil {
		t.Fatal(err)
	}

	// Logical bytes per day of the columns the query reads.
	perDay := map[time.Time]int64{}
	var total int64
	for _, e := range events {
		n := int64(2+len(e.EventID)) + int64(2+len(e.FlightID)) + int64(2+len(e.Status)) + 8
		perDay[e.Timestamp.UTC().Truncate(24*time.Hour)] += n
		total += n
	}
	bytesPerRow := float64(total) / float64(len(events))
	// rangeBytes is the model of a dry run on the partitioned table: every
	// day partition the range touches is read whole.
	rangeBytes := func(f flightevents.EventFilter) int64 {
		var n int64
		for d := f.Since.UTC().Truncate(24 * time.Hour); d.Before(f.Until); d = d.Add(24 * time.Hour) {
			n += perDay[d]
		}
		return n
	}

	day := start.Add(20 * 24 * time.Hour)
	now := day.Add(12 * time.Hour)
	defaultWindow := flightevents.EventFilter{}.Bounded(now) // what GET /datos without since/until reads
	end := start.Add(fakeDays * 24 * time.Hour)
	tests := []struct {
		name      string
		store     *bigquery.Store
		filter    flightevents.EventFilter
		wantBytes int64
		modelDays int // days of data of a production table the query reads
	}{
		{name: "partitioned, 1-day window (since=day start, until=+24h)", store: partitioned,
			filter: flightevents.EventFilter{Since: day, Until: day.Add(24 * time.Hour)}, modelDays: 1},
		{name: "partitioned, default window (no since/until: 24 h, at most 2 partitions)", store: partitioned,
			filter: defaultWindow, modelDays: 2},
		{name: "partitioned, the longest range a request may read (31 days)", store: partitioned,
			filter: flightevents.EventFilter{Since: start, Until: start.Add(31 * 24 * time.Hour)}, modelDays: 31},
		{name: "partitioned, unbounded range (since=2000-01-01)", store: partitioned,
			filter: flightevents.EventFilter{Since: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Until: end}, modelDays: modelRetentionDays},
		{name: "unpartitioned table, any window (full scan)", store: unpartitioned,
			filter: flightevents.EventFilter{Since: day, Until: day.Add(24 * time.Hour)}, wantBytes: total, modelDays: modelRetentionDays},
	}
	for i := range tests {
		if tests[i].store == partitioned {
			tests[i].wantBytes = rangeBytes(tests[i].filter)
		}
	}
	var pricing bigquery.Pricing
	var table strings.Builder
	fmt.Fprintf(&table, "| /datos query (uncached) | measured on the fake: %d rows/day × %d days | model: %s rows/day × %d days | billed | $ per query at $%.2f/TiB | $ per 1M uncached queries |\n",
		fakeRowsPerDay, fakeDays, group(modelRowsPerDay), modelRetentionDays, bigquery.DefaultPricePerTiB)
	table.WriteString("|---|---|---|---|---|---|\n")
	for _, tc := range tests {
		got, err := tc.store.DryRun(t.Context(), tc.filter)
		if err != nil {
			t.Fatalf("%s: DryRun: %v", tc.name, err)
		}
		if got != tc.wantBytes {
			t.Errorf("%s: dry run = %d bytes, model %d", tc.name, got, tc.wantBytes)
		}
		modelBytes := int64(math.Round(float64(tc.modelDays) * modelRowsPerDay * bytesPerRow))
		c := pricing.Estimate(modelBytes)
		fmt.Fprintf(&table, "| %s | %s B | %s (%d × 1 day) | %s | $%.6f | $%s |\n",
			tc.name, group(got), human(modelBytes), tc.modelDays, human(c.BilledBytes), c.Dollars, group(int64(math.Round(c.Dollars*1e6))))
	}
	if t.Failed() {
		return
	}
	// The 1-day window must be far cheaper than the unbounded scan.
	oneDay := pricing.Estimate(int64(modelRowsPerDay * bytesPerRow))
	unbounded := pricing.Estimate(int64(modelRetentionDays * modelRowsPerDay * bytesPerRow))
	if ratio := unbounded.Dollars / oneDay.Dollars; ratio < 300 {
		t.Errorf("unbounded / 1-day cost = %.0f, want ≥ 300 with %d days retained", ratio, modelRetentionDays)
	}
	t.Logf("bytes per row (event_id, flight_id, status, timestamp as BigQuery counts them): %.1f\n\n%s", bytesPerRow, table.String())
}

// createUnpartitioned creates cfg's table with the events schema and no
// partitioning, through the real client.
func createUnpartitioned(t *testing.T, endpoint string, cfg bigquery.Config) {
	t.Helper()
	client, err := bq.NewClient(t.Context(), cfg.ProjectID, option.WithEndpoint(endpoint), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	schema, err := bigquery.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Dataset(cfg.Dataset).Table(cfg.Table).Create(t.Context(), &bq.TableMetadata{Schema: schema}); err != nil {
		t.Fatalf("create unpartitioned table: %v", err)
	}
}

// group formats n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// human formats bytes in binary units.
func human(n int64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.2f TiB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d B", n)
	}
}
