package pipeline_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/backfill"
	"${{ values.goModule }}/batch/pipeline"
	"${{ values.goModule }}/sqlitestore"
)

// now is the clock of every load in these tests (after every generated event).
var now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	beam.Init()
	os.Exit(m.Run())
}

// runPrism runs the pipeline on Prism, the SDK's portable local runner,
// and returns its batch counters.
func runPrism(t testing.TB, o pipeline.Options) map[string]int64 {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	pipeline.Build(s, o)
	res, err := prism.Execute(t.Context(), p)
	if err != nil {
		t.Fatalf("prism.Execute: %v", err)
	}
	got := map[string]int64{}
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == pipeline.Namespace {
			got[c.Key.Name] += c.Result()
		}
	}
	return got
}

// dump reads every event of the SQLite store at path, by event id.
func dump(t testing.TB, path string) []flightevents.Event {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var all []flightevents.Event
	f := flightevents.EventFilter{Since: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Until: now, Limit: flightevents.MaxLimit}
	for {
		page, err := s.ListEvents(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Events...)
		if page.Next == nil {
			break
		}
		f.After = page.Next
	}
	slices.SortFunc(all, func(a, b flightevents.Event) int { return strings.Compare(a.EventID, b.EventID) })
	return all
}

// deadLetters reads the dead-letter file as sorted "file:line" entries and
// checks that every one has a reason and an error.
func deadLetters(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var dl pipeline.DeadLetter
		if err := json.Unmarshal(sc.Bytes(), &dl); err != nil {
			t.Fatalf("dead letter %q: %v", sc.Text(), err)
		}
		if dl.Reason == "" || dl.Error == "" {
			t.Errorf("dead letter %+v: no reason or error", dl)
		}
		got = append(got, fmt.Sprintf("%s:%d", dl.File, dl.Line))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

// singleProcess loads the files with the single-process backfill, in
// lexical order, as `backfill --input` does.
func singleProcess(t testing.TB, c corpus, path string) backfill.Result {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var sum backfill.Result
	for _, name := range c.Files {
		fh, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := backfill.Run(t.Context(), fh, s, backfill.Options{Format: backfill.FormatFromPath(name), Now: func() time.Time { return now }})
		fh.Close()
		if err != nil {
			t.Fatalf("backfill %s: %v", name, err)
		}
		sum.Records += res.Records
		sum.Valid += res.Valid
		sum.Written += res.Written
		sum.Duplicates += res.Duplicates
		sum.InvalidCount += res.InvalidCount
	}
	return sum
}

// recordsFromEnv is the input size the variable env sets (default 200000,
// the figure).
func recordsFromEnv(tb testing.TB, env string) int {
	tb.Helper()
	records := 200_000
	if v := os.Getenv(env); v != "" {
		if _, err := fmt.Sscan(v, &records); err != nil || records < 1000 {
			tb.Fatalf("%s=%q: want an integer ≥ 1000", env, v)
		}
	}
	return records
}

// TestPrism loads generated input on Prism twice and through the
// single-process backfill, and checks the store, the dead letters and the
// counters each time. BATCH_EVENTS (default 200000, the figure)
// sets the size.
func TestPrism(t *testing.T) {
	records := recordsFromEnv(t, "BATCH_EVENTS")
	c := genCorpus(t, 8, records)
	db := filepath.Join(t.TempDir(), "events.db")
	dl := filepath.Join(t.TempDir(), "dead-letter.jsonl")
	o := pipeline.Options{
		Inputs:     []string{filepath.Join(c.Dir, "*.jsonl"), filepath.Join(c.Dir, "*.csv")},
		DeadLetter: dl,
		Sink:       pipeline.Sink{SQLitePath: db},
		Now:        now,
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	unique := int64(len(c.Unique))
	valid := int64(records - len(c.Dead))
	want := map[string]int64{
		pipeline.MetricRecords: int64(records), pipeline.MetricValid: valid, pipeline.MetricInvalid: int64(len(c.Dead)),
		pipeline.MetricUnique: unique, pipeline.MetricWritten: unique, pipeline.MetricDuplicate: 0,
	}
	// Run on Prism, then again: the re-run stores nothing new (every unique
	// event is a duplicate) and reports the same dead letters.
	for _, run := range []string{"first run", "re-run"} {
		_ = os.Remove(dl)
		start := time.Now()
		got := runPrism(t, o)
		t.Logf("prism, %s: %d records in %s", run, records, time.Since(start))
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("%s: counters (-got +want):\n%s", run, diff)
		}
		if diff := cmp.Diff(dump(t, db), c.Unique); diff != "" {
			t.Errorf("%s: store (-got +want):\n%s", run, diff)
		}
		if diff := cmp.Diff(deadLetters(t, dl), c.Dead); diff != "" {
			t.Errorf("%s: dead letters (-got +want):\n%s", run, diff)
		}
		want[pipeline.MetricWritten], want[pipeline.MetricDuplicate] = 0, unique
	}

	// The single-process backfill of the same files stores the same events.
	single := filepath.Join(t.TempDir(), "single.db")
	start := time.Now()
	res := singleProcess(t, c, single)
	t.Logf("single process: %d records in %s", records, time.Since(start))
	if diff := cmp.Diff(dump(t, single), dump(t, db)); diff != "" {
		t.Errorf("single-process store vs Prism store (-got +want):\n%s", diff)
	}
	if res.InvalidCount != len(c.Dead) || res.Written != len(c.Unique) {
		t.Errorf("single process: invalid %d written %d, want %d and %d", res.InvalidCount, res.Written, len(c.Dead), len(c.Unique))
	}
}
