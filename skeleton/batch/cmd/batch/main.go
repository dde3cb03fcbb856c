// Command batch runs the backfill as an Apache Beam pipeline: locally on
// Prism or the direct runner, in production on Dataflow (also as the
// program of the service's Dataflow Flex Template, FLEX_TEMPLATE_GO_BINARY).
// The service binary's `backfill --runner prism|direct|dataflow` hands off
// to it; run it directly for flags the hand-off does not pass.
//
// Beam's options are global flags (the SDK registers --runner, --project,
// --region, --temp_location, --staging_location, --service_account_email,
// --max_num_workers, --no_use_public_ips, --subnetwork,
// --worker_machine_type …), and a Dataflow worker starts this same binary
// with worker flags, so main parses the command line before beam.Init.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/options/gcpopts"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"

	// The runners and filesystems the binary offers, registered by import.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/exec/optimized"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow"
	//lint:ignore SA1019 the SDK's in-memory runner stays behind --runner direct, a name Beam users know; prism is the default.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/direct"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"${{ values.goModule }}/batch/pipeline"
)

// Exit codes, as the service binary's.
const (
	exitFailure  = 1
	exitBadInput = 2
)

// The pipeline's own flags (also the Flex Template's parameters).
var (
	input      = flag.String("input", "", "comma-separated file globs of JSONL/CSV events, local or gs:// (required)")
	deadLetter = flag.String("dead_letter", "", "file (.jsonl) or prefix (local or gs://) that receives the invalid records as JSON lines (required)")
	dataset    = flag.String("dataset", "", "BigQuery dataset of the sink (with --table and --project)")
	table      = flag.String("table", "", "BigQuery table of the sink (the day-partitioned events table)")
	sqlitePath = flag.String("sqlite", "", "SQLite store file of the sink (local runners; exclusive with --dataset/--table)")
	location   = flag.String("bigquery_location", "", "BigQuery dataset location (optional)")
	batchSize  = flag.Int("batch", pipeline.DefaultBatchSize, "events per store write")
)

func main() {
	flag.Parse()
	beam.Init() // on a Dataflow worker this runs the worker and exits
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "batch:", err)
		var bad *badInputError
		if errors.As(err, &bad) {
			os.Exit(exitBadInput)
		}
		os.Exit(exitFailure)
	}
}

type badInputError struct{ err error }

func (e *badInputError) Error() string { return e.err.Error() }
func (e *badInputError) Unwrap() error { return e.err }

// runner is the runner the --runner flag names (prism when unset).
func runner() string {
	if r := strings.TrimSpace(*runners.Runner); r != "" {
		return r
	}
	return "prism"
}

// optionsFromFlags turns the parsed flags into pipeline options.
func optionsFromFlags(ctx context.Context, now time.Time) (pipeline.Options, error) {
	var globs []string
	for g := range strings.SplitSeq(*input, ",") {
		if g = strings.TrimSpace(g); g != "" {
			globs = append(globs, g)
		}
	}
	o := pipeline.Options{
		Inputs:     globs,
		DeadLetter: deadLetterFile(*deadLetter, now),
		Now:        now,
		Sink:       pipeline.Sink{SQLitePath: *sqlitePath, Dataset: *dataset, Table: *table, Location: *location, BatchSize: *batchSize},
	}
	if o.Sink.SQLitePath == "" {
		o.Sink.ProjectID = gcpopts.GetProjectFromFlagOrEnvironment(ctx)
	}
	errs := []error{o.Validate()}
	switch r := runner(); r {
	case "prism", "direct":
	case "dataflow", "DataflowRunner":
		if o.Sink.SQLitePath != "" {
			errs = append(errs, errors.New("--sqlite is a local file: Dataflow workers cannot share it; write to BigQuery (--dataset, --table)"))
		}
		for _, p := range append(append([]string{}, o.Inputs...), o.DeadLetter) {
			if p != "" && !strings.HasPrefix(p, "gs://") {
				errs = append(errs, fmt.Errorf("%q is not a gs:// path: Dataflow workers cannot read this machine's files", p))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("--runner %q: want prism, direct or dataflow", r))
	}
	if err := errors.Join(errs...); err != nil {
		return pipeline.Options{}, &badInputError{err: fmt.Errorf("bad flags: %s", strings.ReplaceAll(err.Error(), "\n", "; "))}
	}
	return o, nil
}

// deadLetterFile is the dead-letter file of a run: --dead_letter itself
// when it names a .jsonl file, else a file named by the run's UTC start
// under that prefix (a Flex Template passes the work bucket's
// dead-letter/ folder), so that runs never overwrite each other's.
func deadLetterFile(flagValue string, now time.Time) string {
	if flagValue == "" || strings.HasSuffix(flagValue, ".jsonl") {
		return flagValue
	}
	return strings.TrimSuffix(flagValue, "/") + "/dead-letter-" + now.UTC().Format("20060102T150405Z") + ".jsonl"
}

// run builds the pipeline from the flags, runs it and prints its counters
// (when the runner returns them).
func run(ctx context.Context, stdout io.Writer) error {
	o, err := optionsFromFlags(ctx, time.Now())
	if err != nil {
		return err
	}
	p, s := beam.NewPipelineWithRoot()
	pipeline.Build(s, o)
	res, err := beam.Run(ctx, runner(), p)
	if err != nil {
		return fmt.Errorf("run pipeline on %s: %w", runner(), err)
	}
	if res == nil { // a Dataflow dry run or an asynchronous submission
		return nil
	}
	fmt.Fprintln(stdout, Summary(res.Metrics()))
	return nil
}

// Summary formats the pipeline's counters as one line, in a fixed order;
// input_duplicates = valid - unique (repeats across or within the inputs).
func Summary(m metrics.Results) string {
	got := map[string]int64{}
	for _, c := range m.AllMetrics().Counters() {
		if c.Key.Namespace == pipeline.Namespace {
			got[c.Key.Name] += c.Result()
		}
	}
	names := []string{pipeline.MetricRecords, pipeline.MetricValid, pipeline.MetricInvalid, pipeline.MetricUnique, pipeline.MetricWritten, pipeline.MetricDuplicate}
	parts := make([]string, 0, len(names)+1)
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s=%d", n, got[n]))
	}
	parts = append(parts, fmt.Sprintf("input_duplicates=%d", got[pipeline.MetricValid]-got[pipeline.MetricUnique]))
	return strings.Join(parts, " ")
}
