package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"${{ values.goModule }}/batch/pipeline"
)

// cpuTime is the user+system CPU time of this process so far (Prism and its
// in-process SDK worker included).
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBackfill loads the same generated input (8 files, 5 %
// duplicates, 2 % malformed; BATCH_BENCH_EVENTS records, default 50000)
// into a new SQLite store per iteration, on Prism and with the
// single-process backfill, and reports events/s of wall time and of CPU
// time (the per-core rate the Dataflow estimate of the README multiplies).
func BenchmarkBackfill(b *testing.B) {
	records := 50_000
	if v := os.Getenv("BATCH_BENCH_EVENTS"); v != "" {
		if _, err := fmt.Sscan(v, &records); err != nil || records < 1000 {
			b.Fatalf("BATCH_BENCH_EVENTS=%q: want an integer ≥ 1000", v)
		}
	}
	c := genCorpus(b, 8, records)
	run := map[string]func(db string){
		"prism": func(db string) {
			runPrism(b, pipeline.Options{
				Inputs:     []string{filepath.Join(c.Dir, "*")},
				DeadLetter: db + ".dead-letter.jsonl",
				Sink:       pipeline.Sink{SQLitePath: db},
				Now:        now,
			})
		},
		"single_process": func(db string) { singleProcess(b, c, db) },
	}
	for _, name := range []string{"single_process", "prism"} {
		b.Run("runner="+name, func(b *testing.B) {
			var cpu time.Duration
			start := time.Now()
			for i := range b.N {
				db := filepath.Join(b.TempDir(), fmt.Sprintf("events-%d.db", i))
				c0 := cpuTime(b)
				run[name](db)
				cpu += cpuTime(b) - c0
			}
			events := float64(records * b.N)
			b.ReportMetric(events/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(events/cpu.Seconds(), "events/cpu_s")
		})
	}
}
