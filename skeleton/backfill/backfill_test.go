package backfill_test

import (
	"strings"
	"testing"
	"time"

	"github.com/acme-platform/golden-path/kit/faultstore"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/backfill"
	"${{ values.goModule }}/sqlitestore"
	"${{ values.goModule }}/storetest"
)

var (
	day = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	now = func() time.Time { return day.Add(48 * time.Hour) }
)

func openStore(t *testing.T) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func count(t *testing.T, s flightevents.EventStore) int {
	t.Helper()
	n := 0
	f := flightevents.EventFilter{Since: day.Add(-time.Hour), Until: day.Add(72 * time.Hour), Limit: flightevents.MaxLimit}
	for {
		page, err := s.ListEvents(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Events)
		if page.Next == nil {
			return n
		}
		f.After = page.Next
	}
}

const jsonl = `{"event_id":"e1","flight_id":"IB3456","status":"boarding","timestamp":"2026-11-26T08:00:00Z"}
{"flight_id":"IB3456","status":"departed","timestamp":"2026-11-26T08:30:00Z"}

{"event_id":"e3","flight_id":"IB3456","status":"teleported","timestamp":"2026-11-26T09:00:00Z"}
not json
{"event_id":"e1","flight_id":"IB3456","status":"boarding","timestamp":"2026-11-26T08:00:00Z"}
{"event_id":"e5","flight_id":"VY12","status":"landed","timestamp":"2026-11-26T10:00:00Z"}
`

const csvData = "event_id,flight_id,status,timestamp\n" +
	"e1,IB3456,boarding,2026-11-26T08:00:00Z\n" +
	",IB3456,departed,2026-11-26T08:30:00Z\n" +
	"e3,IB3456,teleported,2026-11-26T09:00:00Z\n" +
	"e4,IB3456\n" +
	"e5,VY12,landed,26/11/2026 10:00\n" +
	"e6,\"VY12,landed,2026-11-26T10:00:00Z\n"

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format string
		input  string
		batch  int
		want   backfill.Result
	}{
		{
			name: "jsonl", format: backfill.JSONL, input: jsonl, batch: 2,
			want: backfill.Result{Records: 6, Valid: 4, Written: 3, Duplicates: 1, Batches: 2, InvalidCount: 2, Invalid: []backfill.Invalid{
				{Line: 4, Reason: "invalid_status"},
				{Line: 5, Reason: "invalid_json"},
			}},
		},
		{
			name: "csv", format: backfill.CSV, input: csvData,
			want: backfill.Result{Records: 6, Valid: 2, Written: 2, Batches: 1, InvalidCount: 4, Invalid: []backfill.Invalid{
				{Line: 4, Reason: "invalid_status"},
				{Line: 5, Reason: "invalid_record"},
				{Line: 6, Reason: "invalid_timestamp"},
				{Line: 7, Reason: "invalid_record"},
			}},
		},
		{
			name: "csv_columns_in_any_order_without_event_id", format: backfill.CSV,
			input: "timestamp,status,flight_id\r\n2026-11-26T08:00:00Z,boarding,IB3456\r\n",
			want:  backfill.Result{Records: 1, Valid: 1, Written: 1, Batches: 1},
		},
		{
			name: "jsonl_line_far_too_long", format: backfill.JSONL,
			input: `{"flight_id":"` + strings.Repeat("A", 200_000) + "\"}\n" + `{"flight_id":"IB1","status":"landed","timestamp":"2026-11-26T08:00:00Z"}`,
			want: backfill.Result{Records: 2, Valid: 1, Written: 1, Batches: 1, InvalidCount: 1, Invalid: []backfill.Invalid{
				{Line: 1, Reason: "invalid_record"},
			}},
		},
		{name: "empty", format: backfill.JSONL, input: "", want: backfill.Result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := openStore(t)
			got, err := backfill.Run(t.Context(), strings.NewReader(tt.input), store, backfill.Options{Format: tt.format, BatchSize: tt.batch, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range got.Invalid {
				if inv.Error == "" {
					t.Errorf("line %d: no error message", inv.Line)
				}
			}
			if diff := cmp.Diff(got, tt.want, cmpopts.IgnoreFields(backfill.Invalid{}, "Error"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("result (-got +want):\n%s", diff)
			}
			if n := count(t, store); n != tt.want.Written {
				t.Errorf("store holds %d events, want %d", n, tt.want.Written)
			}
			// A second run stores nothing new.
			again, err := backfill.Run(t.Context(), strings.NewReader(tt.input), store, backfill.Options{Format: tt.format, BatchSize: tt.batch, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if again.Written != 0 || again.Duplicates != tt.want.Valid {
				t.Errorf("re-run wrote %d, duplicates %d; want 0 and %d", again.Written, again.Duplicates, tt.want.Valid)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, format, input, wantErr string
		batch                        int
	}{
		{name: "unknown_format", format: "xml", wantErr: "format"},
		{name: "csv_unknown_column", format: backfill.CSV, input: "flight,status,timestamp\n", wantErr: `unknown column "flight"`},
		{name: "csv_missing_column", format: backfill.CSV, input: "flight_id,status\n", wantErr: `column "timestamp" missing`},
		{name: "csv_no_header", format: backfill.CSV, input: "", wantErr: "csv header"},
		{name: "batch_too_big", format: backfill.JSONL, batch: backfill.MaxBatchSize + 1, wantErr: "batch size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := backfill.Run(t.Context(), strings.NewReader(tt.input), openStore(t), backfill.Options{Format: tt.format, BatchSize: tt.batch})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// A store that is briefly unavailable is retried; one that stays down
// fails the backfill with what was written so far.
func TestStoreUnavailable(t *testing.T) {
	t.Parallel()
	t.Run("recovers", func(t *testing.T) {
		t.Parallel()
		fs := storetest.NewFaultStore(openStore(t), 1)
		fs.Set(faultstore.Fault{Mode: faultstore.Fail, Ops: faultstore.OpWrite})
		time.AfterFunc(100*time.Millisecond, fs.Clear)
		got, err := backfill.Run(t.Context(), strings.NewReader(jsonl), fs, backfill.Options{Format: backfill.JSONL, Now: now, RetryWait: 40 * time.Millisecond, Retries: 6})
		if err != nil {
			t.Fatal(err)
		}
		if got.Written != 3 || fs.Counts().Failed == 0 {
			t.Errorf("written %d, failed calls %d", got.Written, fs.Counts().Failed)
		}
	})
	t.Run("stays_down", func(t *testing.T) {
		t.Parallel()
		fs := storetest.NewFaultStore(openStore(t), 1)
		fs.Set(faultstore.Fault{Mode: faultstore.Fail, Ops: faultstore.OpWrite})
		got, err := backfill.Run(t.Context(), strings.NewReader(jsonl), fs, backfill.Options{Format: backfill.JSONL, Now: now, RetryWait: time.Millisecond, Retries: 2})
		if flightevents.ErrorCode(err) != flightevents.EUNAVAILABLE {
			t.Fatalf("error %v, want EUNAVAILABLE", err)
		}
		if got.Written != 0 || fs.Counts().Failed != 3 {
			t.Errorf("written %d, failed calls %d (want 1 try + 2 retries)", got.Written, fs.Counts().Failed)
		}
	})
}
