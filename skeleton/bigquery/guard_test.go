package bigquery_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/bigquery"
	"${{ values.goModule }}/logging"

	"github.com/acme-platform/golden-path/kit/bqfake"
	"github.com/google/go-cmp/cmp"
)

// seedDays writes perDay events on each of days consecutive days from
// start.
func seedDays(t *testing.T, s *bigquery.Store, start time.Time, days, perDay int) {
	t.Helper()
	var ev []flightevents.Event
	for d := range days {
		for i := range perDay {
			e := flightevents.Event{FlightID: "IB3456", Status: flightevents.StatusBoarding,
				Timestamp: start.Add(time.Duration(d)*24*time.Hour + time.Duration(i)*time.Minute)}
			e.EventID = flightevents.DeriveEventID(e.FlightID, e.Status, e.Timestamp)
			ev = append(ev, e)
		}
	}
	if _, err := s.WriteEvents(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
}

// queryOps returns the operations the fake received after the first
// before requests, and the maximumBytesBilled of each jobs.query.
func queryOps(t *testing.T, fake *bqfake.Server, before int) (ops []string, caps []string) {
	t.Helper()
	for _, r := range fake.Requests()[before:] {
		ops = append(ops, r.Op)
		if r.Op == bqfake.OpJobsQuery {
			var body struct {
				MaximumBytesBilled string `json:"maximumBytesBilled"`
			}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			caps = append(caps, body.MaximumBytesBilled)
		}
	}
	return ops, caps
}

// TestMaxBytesBilled checks the per-query cap against the fake: the dry run
// comes first; a query billing no more than the cap runs, carrying
// maximumBytesBilled; one billing more is refused with EINVALID and never
// sent; BigQuery's own refusal (bytesBilledLimitExceeded) maps to the same
// error. A day of events bills BigQuery's 10 MiB minimum, so the cap sits
// at that minimum (runs) and one byte below it (refused).
func TestMaxBytesBilled(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day := flightevents.EventFilter{Since: start, Until: start.Add(24 * time.Hour), Limit: 10}
	newCapped := func(t *testing.T, limit int64) (*bigquery.Store, *bqfake.Server) {
		cfg := testConfig
		cfg.MaxBytesBilled = limit
		s, fake := newStore(t, cfg)
		seedDays(t, s, start, 2, 60)
		return s, fake
	}

	t.Run("at_the_cap_runs_with_maximum_bytes_billed", func(t *testing.T) {
		t.Parallel()
		s, fake := newCapped(t, bigquery.MinBilledBytesPerTable)
		before := len(fake.Requests())
		page, err := s.ListEvents(t.Context(), day)
		if err != nil || len(page.Events) != 10 {
			t.Fatalf("ListEvents = %d events, %v; want a page of 10", len(page.Events), err)
		}
		ops, caps := queryOps(t, fake, before)
		if diff := cmp.Diff(ops, []string{bqfake.OpJobsInsert, bqfake.OpJobsQuery}); diff != "" {
			t.Errorf("requests: dry run, then the query (-got +want):\n%s", diff)
		}
		if diff := cmp.Diff(caps, []string{fmt.Sprint(bigquery.MinBilledBytesPerTable)}); diff != "" {
			t.Errorf("maximumBytesBilled of the query (-got +want):\n%s", diff)
		}
	})

	t.Run("over_the_cap_is_refused_and_never_runs", func(t *testing.T) {
		t.Parallel()
		s, fake := newCapped(t, bigquery.MinBilledBytesPerTable-1)
		before := len(fake.Requests())
		_, err := s.ListEvents(t.Context(), day)
		if flightevents.ErrorCode(err) != flightevents.EINVALID || !errors.Is(err, bigquery.ErrTooExpensive) {
			t.Fatalf("ListEvents over the cap: %v; want EINVALID wrapping ErrTooExpensive", err)
		}
		msg := flightevents.ErrorMessage(err)
		for _, want := range []string{"would bill 10.0 MiB", "than the 10.0 MiB one request may bill", "narrow the time range"} {
			if !strings.Contains(msg, want) {
				t.Errorf("client message %q does not say %q", msg, want)
			}
		}
		ops, _ := queryOps(t, fake, before)
		if diff := cmp.Diff(ops, []string{bqfake.OpJobsInsert}); diff != "" {
			t.Errorf("requests: only the dry run (-got +want):\n%s", diff)
		}
	})

	t.Run("bigquery_refusing_the_job_is_the_same_error", func(t *testing.T) {
		t.Parallel()
		s, fake := newCapped(t, bigquery.MinBilledBytesPerTable)
		fake.Fail(bqfake.Fault{Op: bqfake.OpJobsQuery, Status: 400, Reason: "bytesBilledLimitExceeded", Times: 1})
		_, err := s.ListEvents(t.Context(), day)
		if flightevents.ErrorCode(err) != flightevents.EINVALID || !errors.Is(err, bigquery.ErrTooExpensive) {
			t.Fatalf("ListEvents refused by BigQuery: %v; want EINVALID wrapping ErrTooExpensive", err)
		}
	})

	t.Run("cost_report_shares_the_dry_run_and_logs_the_refusal", func(t *testing.T) {
		t.Parallel()
		limit := int64(bigquery.MinBilledBytesPerTable - 1)
		s, fake := newCapped(t, limit)
		var logs syncBuffer
		rec := &recorder{}
		cs := bigquery.WithCostReport(s, bigquery.CostReportConfig{Logger: logging.New(&logs, slog.LevelInfo, project), Recorder: rec})
		before := len(fake.Requests())
		if _, err := cs.ListEvents(t.Context(), day); !errors.Is(err, bigquery.ErrTooExpensive) {
			t.Fatalf("ListEvents through the cost report: %v; want ErrTooExpensive", err)
		}
		ops, _ := queryOps(t, fake, before)
		if diff := cmp.Diff(ops, []string{bqfake.OpJobsInsert}); diff != "" {
			t.Errorf("requests: one dry run for the guard and the report (-got +want):\n%s", diff)
		}
		lines := logs.lines(t)
		if len(lines) != 1 || lines[0]["refused"] != true || lines[0]["maximum_bytes_billed"] != float64(limit) {
			t.Errorf("estimate log lines = %v, want one marked refused with the cap", lines)
		}
		// A refused query bills nothing: recorded with 0 billed bytes.
		if len(rec.got) != 1 || rec.got[0].ProcessedBytes == 0 || rec.got[0].BilledBytes != 0 {
			t.Errorf("recorded estimates = %+v, want one with processed bytes and nothing billed", rec.got)
		}
	})
}
