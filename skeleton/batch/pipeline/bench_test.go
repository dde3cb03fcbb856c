package pipeline_test

import (
	"fmt"
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
// duplicates, 2 % malformed; BATCH_BENCH_EVENTS records, default 200000 as the test)
// into a new SQLite store per iteration, on Prism and with the
// single-process backfill, and reports events/s of wall time and of CPU
// time (the per-core rate the Dataflow estimate of the README multiplies).
func BenchmarkBackfill(b *testing.B) {
	records := recordsFromEnv(b, "BATCH_BENCH_EVENTS")
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
