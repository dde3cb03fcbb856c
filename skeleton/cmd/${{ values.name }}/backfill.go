package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/backfill"
	"${{ values.goModule }}/config"
)

// Runners of `backfill --runner`: this process, or the Beam pipeline of
// the batch module (batch/) on one of its runners.
const (
	runnerAuto     = "auto"
	runnerSingle   = "single"
	runnerPrism    = "prism"
	runnerDirect   = "direct"
	runnerDataflow = "dataflow"
)

// singleProcessMaxBytes is the input size up to which --runner auto loads
// local files in this process. On the 2-core machine of the README's
// figures the single process was faster than Prism at every size
// measured, so the bound is a wall-clock one: 1 GiB (~10M events) takes
// tens of minutes in one process; beyond it the input belongs in Cloud
// Storage and on Dataflow's workers (see "Batch at scale" in the README).
const singleProcessMaxBytes int64 = 1 << 30

// backfillFlags are the parsed flags of the backfill command.
type backfillFlags struct {
	file, input, format, output, runner string
	batch                               int
	allowInvalid                        bool
	deadLetter, batchBinary             string
	environment                         string // the batch module's environment.json (--environment)
	dataflow                            dataflowFlags
}

// dataflowFlags are the Dataflow options the hand-off passes to the batch
// binary; empty ones take their values from the batch module's
// environment.json (--environment), the project and region from the
// service's configuration.
type dataflowFlags struct {
	project, region, tempLocation, stagingLocation, serviceAccount, subnetwork, machineType string
	maxWorkers                                                                              int // 0: from the environment, else Dataflow's
}

// backfill loads files of events into the configured store, in this
// process or through the Beam pipeline of the batch binary.
func (c *cli) backfill(ctx context.Context, cfg config.Config, args []string) error {
	var f backfillFlags
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.StringVar(&f.file, "file", "", `JSONL or CSV file of events ("-" = stdin)`)
	fs.StringVar(&f.input, "input", "", "comma-separated file globs (local, or gs:// for Dataflow); exclusive with --file")
	fs.StringVar(&f.format, "format", "", "input format: jsonl or csv (default: from the file extension)")
	fs.IntVar(&f.batch, "batch", backfill.DefaultBatchSize, fmt.Sprintf("events per store write (1-%d)", backfill.MaxBatchSize))
	fs.BoolVar(&f.allowInvalid, "allow-invalid", false, "exit 0 even when some records are invalid (they are still reported)")
	fs.StringVar(&f.output, "output", "text", "report format: text or json (single process)")
	fs.StringVar(&f.runner, "runner", runnerAuto, fmt.Sprintf("auto, single (this process), prism, direct or dataflow (the batch binary); auto: single up to %d MiB of local input", singleProcessMaxBytes>>20))
	fs.StringVar(&f.deadLetter, "dead-letter", "", "Beam runners: file or gs:// prefix of the invalid records (default: dead-letter.jsonl here; on Dataflow the work bucket's dead-letter/)")
	fs.StringVar(&f.batchBinary, "batch-binary", "", "the batch binary (default: $BATCH_BINARY, else batch beside this binary; `make batch` builds it)")
	fs.StringVar(&f.dataflow.project, "project", "", "Dataflow: project (default GOOGLE_CLOUD_PROJECT)")
	fs.StringVar(&f.dataflow.region, "region", "", "Dataflow: region (default REGION)")
	fs.StringVar(&f.environment, "environment", "", "Dataflow: the launch defaults iac/ writes, batch/environment.json of the batch_templates_bucket output (default $BATCH_ENVIRONMENT)")
	fs.StringVar(&f.dataflow.tempLocation, "temp-location", "", "Dataflow: gs:// temp location (default the environment's)")
	fs.StringVar(&f.dataflow.stagingLocation, "staging-location", "", "Dataflow: gs:// staging location (default the environment's)")
	fs.StringVar(&f.dataflow.serviceAccount, "service-account", "", "Dataflow: worker service account (default the environment's)")
	fs.StringVar(&f.dataflow.subnetwork, "subnetwork", "", "Dataflow: worker subnetwork (default the environment's)")
	fs.StringVar(&f.dataflow.machineType, "worker-machine-type", "", "Dataflow: worker machine type (default the environment's, else Dataflow's)")
	fs.IntVar(&f.dataflow.maxWorkers, "max-workers", 0, "Dataflow: maximum number of workers (default the environment's, else Dataflow's)")
	if err := c.parse(fs, args, "backfill --file PATH | --input GLOBS [--runner auto|single|prism|direct|dataflow] [--format jsonl|csv] [--batch N] [--allow-invalid]"); err != nil {
		return helpOK(err)
	}
	if (f.file == "") == (f.input == "") {
		return badInput("backfill: --file is required (or --input GLOBS instead)")
	}
	if f.output != "text" && f.output != "json" {
		return badInput("backfill: --output must be text or json, got %q", f.output)
	}
	if f.batch < 1 || f.batch > backfill.MaxBatchSize {
		return badInput("backfill: --batch must be from 1 to %d, got %d", backfill.MaxBatchSize, f.batch)
	}
	if f.dataflow.maxWorkers < 0 || f.dataflow.maxWorkers > 1000 {
		return badInput("backfill: --max-workers must be from 1 to 1000, got %d", f.dataflow.maxWorkers)
	}
	if f.environment == "" {
		f.environment = c.getenv("BATCH_ENVIRONMENT")
	}
	inputs := splitGlobs(f.input)
	if f.file != "" {
		inputs = []string{f.file}
	}
	runner, err := chooseRunner(f.runner, inputs, os.Stat)
	if err != nil {
		return err
	}
	if runner != runnerSingle {
		return c.handOff(ctx, cfg, f, runner, inputs)
	}
	if f.file != "" {
		return c.backfillFiles(ctx, cfg, f, []string{f.file})
	}
	files, err := expandLocal(inputs)
	if err != nil {
		return err
	}
	return c.backfillFiles(ctx, cfg, f, files)
}

func splitGlobs(s string) []string {
	var out []string
	for g := range strings.SplitSeq(s, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// chooseRunner resolves --runner: auto is the single process for local
// input up to singleProcessMaxBytes and Dataflow for gs:// input; above the
// bound local input is refused rather than loaded for hours.
func chooseRunner(runner string, inputs []string, stat func(string) (os.FileInfo, error)) (string, error) {
	switch runner {
	case runnerSingle, runnerPrism, runnerDirect, runnerDataflow:
		if runner == runnerSingle {
			for _, in := range inputs {
				if strings.HasPrefix(in, "gs://") {
					return "", badInput("backfill: %s is in Cloud Storage: the single process reads local files; use --runner dataflow", in)
				}
			}
		}
		if runner != runnerSingle && slices.Contains(inputs, "-") {
			return "", badInput("backfill: --runner %s reads files, not stdin", runner)
		}
		return runner, nil
	case runnerAuto:
	default:
		return "", badInput("backfill: --runner must be auto, single, prism, direct or dataflow, got %q", runner)
	}
	var total int64
	for _, in := range inputs {
		if strings.HasPrefix(in, "gs://") {
			return runnerDataflow, nil
		}
		if in == "-" {
			return runnerSingle, nil
		}
		matches, err := filepath.Glob(in)
		if err != nil {
			return "", badInput("backfill: --input %q: %w", in, err)
		}
		for _, m := range matches {
			if fi, err := stat(m); err == nil {
				total += fi.Size()
			}
		}
	}
	if total > singleProcessMaxBytes {
		return "", badInput("backfill: %d MiB of local input is above the single-process bound of %d MiB: copy it to gs:// and pass --runner dataflow (or force --runner single or prism)", total>>20, singleProcessMaxBytes>>20)
	}
	return runnerSingle, nil
}

// expandLocal expands local globs into the sorted, distinct files they
// match; a glob matching nothing is bad input.
func expandLocal(globs []string) ([]string, error) {
	var files []string
	for _, g := range globs {
		m, err := filepath.Glob(g)
		if err != nil {
			return nil, badInput("backfill: --input %q: %w", g, err)
		}
		if len(m) == 0 {
			return nil, badInput("backfill: --input %q matches no file", g)
		}
		files = append(files, m...)
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

// fileResult is one file's result in the JSON report of --input.
type fileResult struct {
	File   string          `json:"file"`
	Result backfill.Result `json:"result"`
}

// backfillFiles loads files one after the other, in lexical order, into
// one store: an event id seen in an earlier file is a duplicate later, as
// in the Beam pipeline's dedup (which keeps the first by file and line).
// With --file (one file or stdin) the report is that file's alone, as it
// always was; with --input it has one entry per file and the totals.
func (c *cli) backfillFiles(ctx context.Context, cfg config.Config, f backfillFlags, files []string) error {
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	var total backfill.Result
	var report []fileResult
	var runErr error
	for _, file := range files {
		res, err := c.loadFile(ctx, cfg, f, store, file)
		report = append(report, fileResult{File: file, Result: res})
		if f.output == "text" {
			c.printInvalid(file, res)
		}
		if f.file != "" {
			total = res
		} else {
			total.Records += res.Records
			total.Valid += res.Valid
			total.Written += res.Written
			total.Duplicates += res.Duplicates
			total.Batches += res.Batches
			total.InvalidCount += res.InvalidCount
		}
		if err != nil {
			runErr = err
			break
		}
	}
	switch {
	case f.output == "json":
		var v any = report
		if f.file != "" {
			v = total
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil && runErr == nil {
			runErr = fmt.Errorf("write report: %w", err)
		}
	case f.file != "":
		printTotals(c.stdout, total)
	default:
		fmt.Fprintf(c.stdout, "files=%d ", len(files))
		printTotals(c.stdout, total)
	}
	return backfillVerdict(runErr, total.InvalidCount, f.allowInvalid)
}

// loadFile runs the single-process backfill of one file into store.
func (c *cli) loadFile(ctx context.Context, cfg config.Config, f backfillFlags, store flightevents.EventStore, file string) (backfill.Result, error) {
	format := f.format
	if format == "" {
		format = backfill.FormatFromPath(file)
	}
	if format != backfill.JSONL && format != backfill.CSV {
		return backfill.Result{}, badInput("backfill: cannot tell the format of %q: pass --format jsonl or --format csv", file)
	}
	var in io.Reader = c.stdin
	if file != "-" {
		fh, err := os.Open(file)
		if err != nil {
			return backfill.Result{}, badInput("backfill: %w", err)
		}
		defer fh.Close()
		in = fh
	}
	log := c.logger(cfg)
	return backfill.Run(ctx, in, store, backfill.Options{Format: format, BatchSize: f.batch, Progress: func(r backfill.Result) {
		if r.Batches%20 == 0 {
			log.Info("backfill progress", "file", file, "records", r.Records, "written", r.Written, "duplicates", r.Duplicates, "invalid", r.InvalidCount)
		}
	}})
}

func (c *cli) printInvalid(file string, res backfill.Result) {
	for _, inv := range res.Invalid {
		fmt.Fprintf(c.stdout, "%s:%d: %s: %s\n", file, inv.Line, inv.Reason, inv.Error)
	}
	if res.InvalidCount > len(res.Invalid) {
		fmt.Fprintf(c.stdout, "… and %d more invalid records\n", res.InvalidCount-len(res.Invalid))
	}
}

func printTotals(w io.Writer, res backfill.Result) {
	fmt.Fprintf(w, "records=%d valid=%d written=%d duplicates=%d invalid=%d batches=%d\n",
		res.Records, res.Valid, res.Written, res.Duplicates, res.InvalidCount, res.Batches)
}

// backfillVerdict maps a backfill's outcome to the command's exit code.
func backfillVerdict(runErr error, invalid int, allowInvalid bool) error {
	if runErr != nil {
		var ec *ExitCodeError
		if errors.As(runErr, &ec) {
			return runErr
		}
		if flightevents.ErrorCode(runErr) == flightevents.EUNAVAILABLE {
			return remote(fmt.Errorf("%w (re-run the backfill: writes are idempotent)", runErr))
		}
		return &ExitCodeError{Code: ExitFailure, Err: runErr}
	}
	if invalid > 0 && !allowInvalid {
		return &ExitCodeError{Code: ExitFailure, Err: fmt.Errorf("backfill: %d invalid records (listed above); fix them or pass --allow-invalid", invalid)}
	}
	return nil
}

// batchBinaryName is the Beam pipeline's binary (batch/cmd/batch).
const batchBinaryName = "batch"

// findBatchBinary returns the batch binary: flag, then $BATCH_BINARY, then
// batch beside this executable. It never searches PATH, where `batch` is
// also at(1)'s command.
func findBatchBinary(flagValue string, getenv func(string) string, executable func() (string, error)) (string, error) {
	path := flagValue
	if path == "" {
		path = getenv("BATCH_BINARY")
	}
	if path == "" {
		exe, err := executable()
		if err != nil {
			return "", fmt.Errorf("find batch binary: %w", err)
		}
		path = filepath.Join(filepath.Dir(exe), batchBinaryName)
	}
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		return "", badInput("backfill: the Beam runners need the batch binary, not found at %s: build it with `make batch` (or pass --batch-binary PATH)", path)
	}
	return path, nil
}

// handOff runs the Beam pipeline through the batch binary.
func (c *cli) handOff(ctx context.Context, cfg config.Config, f backfillFlags, runner string, inputs []string) error {
	var env *launchEnvironment
	if runner == runnerDataflow && f.environment != "" {
		e, err := readLaunchEnvironment(f.environment)
		if err != nil {
			return err
		}
		env = &e
	}
	args, err := batchArgs(cfg, f, runner, inputs, env)
	if err != nil {
		return err
	}
	bin, err := findBatchBinary(f.batchBinary, c.getenv, os.Executable)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = c.stdout, c.stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == ExitBadInput {
			return badInput("backfill: batch --runner %s: bad input (above)", runner)
		}
		return &ExitCodeError{Code: ExitFailure, Err: fmt.Errorf("backfill: batch --runner %s: %w", runner, err)}
	}
	return nil
}

// batchArgs builds the batch binary's command line (its flags are the
// Flex Template's parameters and Beam's own options). The sink is the
// configured store: the SQLite file for the local runners, the BigQuery
// table on Dataflow; Dataflow's options come from the flags, else from
// env (the batch module's environment.json; nil: none given), the project
// and region from the configuration.
func batchArgs(cfg config.Config, f backfillFlags, runner string, inputs []string, env *launchEnvironment) ([]string, error) {
	args := []string{"--runner=" + runner, "--input=" + strings.Join(inputs, ","), "--batch=" + strconv.Itoa(f.batch)}
	dead := f.deadLetter
	if runner == runnerDataflow {
		if cfg.Store != config.StoreBigQuery {
			return nil, badInput("backfill: --runner dataflow writes to BigQuery: set STORE=bigquery (STORE is %q)", cfg.Store)
		}
		df, err := dataflowOptionsFor(cfg, f.dataflow, env)
		if err != nil {
			return nil, err
		}
		if dead == "" {
			dead = df.deadLetter
		}
		if dead == "" {
			return nil, badInput("backfill: --runner dataflow needs a gs:// --dead-letter prefix (or --environment, whose parameters name the work bucket's)")
		}
		args = append(args,
			"--project="+df.project, "--region="+df.region,
			"--temp_location="+df.tempLocation, "--staging_location="+df.stagingLocation,
			"--service_account_email="+df.serviceAccount, "--subnetwork="+df.subnetwork,
			"--no_use_public_ips",
		)
		if df.maxWorkers > 0 {
			args = append(args, "--max_num_workers="+strconv.Itoa(df.maxWorkers))
		}
		args = append(args, "--labels="+df.labels)
		if df.machineType != "" {
			args = append(args, "--worker_machine_type="+df.machineType)
		}
	}
	if dead == "" {
		dead = "dead-letter.jsonl"
	}
	args = append(args, "--dead_letter="+dead)
	switch cfg.Store {
	case config.StoreBigQuery:
		args = append(args, "--dataset="+cfg.Dataset, "--table="+cfg.Table)
		if runner != runnerDataflow {
			args = append(args, "--project="+cfg.ProjectID)
		}
		if cfg.Location != "" {
			args = append(args, "--bigquery_location="+cfg.Location)
		}
	default:
		if cfg.SQLitePath == "" {
			return nil, badInput("backfill: --runner %s writes from another process: set SQLITE_PATH to a file (the store is in memory)", runner)
		}
		args = append(args, "--sqlite="+cfg.SQLitePath)
	}
	return args, nil
}

// dataflowOptions are the resolved Dataflow options of a hand-off.
type dataflowOptions struct {
	dataflowFlags
	deadLetter, labels string
}

// launchEnvironment is the batch Terraform module's environment.json
// (iac/modules/batch of the platform, google_storage_bucket_object
// "environment", written to the templates bucket): the launch defaults the
// service CI bakes into every template spec and the pipeline parameters.
// The names in it (worker account, buckets, subnetwork) are Terraform's;
// the service reads them rather than deriving them again. A platform test
// keeps testdata/batch-environment.json equal to what the module plans.
type launchEnvironment struct {
	Environment struct {
		Region               string            `json:"region"`
		ServiceAccountEmail  string            `json:"service_account_email"`
		Subnetwork           string            `json:"subnetwork"`
		DisablePublicIPs     bool              `json:"disable_public_ips"`
		TempLocation         string            `json:"temp_location"`
		StagingLocation      string            `json:"staging_location"`
		MaxWorkers           int               `json:"max_workers"`
		WorkerMachineType    string            `json:"worker_machine_type"`
		AdditionalUserLabels map[string]string `json:"additional_user_labels"`
	} `json:"environment"`
	Parameters struct {
		DeadLetter string `json:"dead_letter"`
		Dataset    string `json:"dataset"`
		Table      string `json:"table"`
	} `json:"parameters"`
}

// readLaunchEnvironment reads an environment.json; unknown fields are an
// error, so that a module change the service does not know is noticed.
func readLaunchEnvironment(path string) (launchEnvironment, error) {
	var e launchEnvironment
	fh, err := os.Open(path)
	if err != nil {
		return e, badInput("backfill: --environment: %w", err)
	}
	defer fh.Close()
	dec := json.NewDecoder(fh)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, badInput("backfill: --environment %s: not the batch module's environment.json: %w", path, err)
	}
	return e, nil
}

// dataflowOptionsFor resolves the Dataflow options: a flag, else env's
// value, the project and region else the configuration's. The worker
// account, subnetwork and temp and staging locations have no default of
// their own: without env or their flags the launch is refused, naming
// where environment.json is. env's dataset and table must be the
// configuration's (the workers' role is on env's).
func dataflowOptionsFor(cfg config.Config, f dataflowFlags, env *launchEnvironment) (dataflowOptions, error) {
	o := dataflowOptions{dataflowFlags: f}
	if o.project == "" {
		o.project = cfg.ProjectID
	}
	labels := map[string]string{"service": cfg.Service, "component": "batch"}
	if env != nil {
		e := env.Environment
		if p := env.Parameters; p.Dataset != cfg.Dataset || p.Table != cfg.Table {
			return o, badInput("backfill: --environment is for table %s.%s, the configuration's is %s.%s (BIGQUERY_DATASET, BIGQUERY_TABLE)", p.Dataset, p.Table, cfg.Dataset, cfg.Table)
		}
		for _, v := range []struct {
			dst *string
			src string
		}{
			{&o.region, e.Region}, {&o.serviceAccount, e.ServiceAccountEmail}, {&o.subnetwork, e.Subnetwork},
			{&o.tempLocation, e.TempLocation}, {&o.stagingLocation, e.StagingLocation}, {&o.machineType, e.WorkerMachineType},
		} {
			if *v.dst == "" {
				*v.dst = v.src
			}
		}
		if o.maxWorkers == 0 {
			o.maxWorkers = e.MaxWorkers
		}
		o.deadLetter = env.Parameters.DeadLetter
		if len(e.AdditionalUserLabels) > 0 {
			labels = e.AdditionalUserLabels
		}
	}
	if o.region == "" {
		o.region = cfg.Region
	}
	var missing []string
	for _, v := range []struct{ flag, value string }{
		{"--service-account", o.serviceAccount}, {"--subnetwork", o.subnetwork},
		{"--temp-location", o.tempLocation}, {"--staging-location", o.stagingLocation},
	} {
		if v.value == "" {
			missing = append(missing, v.flag)
		}
	}
	if len(missing) > 0 {
		return o, badInput("backfill: --runner dataflow needs the launch defaults iac/ creates: pass --environment FILE (or $BATCH_ENVIRONMENT), FILE being gs://<batch_templates_bucket output>/batch/environment.json copied here, or %s", strings.Join(missing, ", "))
	}
	b, _ := json.Marshal(labels) // a map of strings always marshals
	o.labels = string(b)
	return o, nil
}
