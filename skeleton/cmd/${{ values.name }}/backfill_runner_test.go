package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"${{ values.goModule }}/config"
)

func TestChooseRunner(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	small := filepath.Join(dir, "small.jsonl")
	if err := os.WriteFile(small, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A sparse file just above the bound: its size is what counts.
	big := filepath.Join(dir, "big", "huge.csv")
	if err := os.MkdirAll(filepath.Dir(big), 0o755); err != nil {
		t.Fatal(err)
	}
	fh, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(singleProcessMaxBytes + 1); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	for _, tt := range []struct {
		name, runner string
		inputs       []string
		want         string
		wantErr      string
	}{
		{name: "auto_small_local", runner: runnerAuto, inputs: []string{filepath.Join(dir, "*.jsonl")}, want: runnerSingle},
		{name: "auto_stdin", runner: runnerAuto, inputs: []string{"-"}, want: runnerSingle},
		{name: "auto_cloud_storage", runner: runnerAuto, inputs: []string{small, "gs://b/2025/*.jsonl"}, want: runnerDataflow},
		{name: "auto_above_bound", runner: runnerAuto, inputs: []string{filepath.Join(dir, "big", "*.csv")}, wantErr: "above the single-process bound of 1024 MiB"},
		{name: "forced_single_above_bound", runner: runnerSingle, inputs: []string{big}, want: runnerSingle},
		{name: "prism", runner: runnerPrism, inputs: []string{small}, want: runnerPrism},
		{name: "single_cannot_read_gcs", runner: runnerSingle, inputs: []string{"gs://b/x.jsonl"}, wantErr: "use --runner dataflow"},
		{name: "beam_cannot_read_stdin", runner: runnerDirect, inputs: []string{"-"}, wantErr: "not stdin"},
		{name: "unknown_runner", runner: "flink", inputs: []string{small}, wantErr: `got "flink"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := chooseRunner(tt.runner, tt.inputs, os.Stat)
			if tt.wantErr != "" {
				if exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want exit 2 with %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// overriddenArgv is the Dataflow argv of TestBatchArgs's overriddenDL
// flags with the job labels labels.
func overriddenArgv(labels string) []string {
	return []string{
		"--runner=dataflow", "--input=a/*.jsonl,b/*.csv", "--batch=500",
		"--project=other", "--region=us-central1",
		"--temp_location=gs://t/temp", "--staging_location=gs://t/staging",
		"--service_account_email=sa@other.iam.gserviceaccount.com",
		"--subnetwork=regions/us-central1/subnetworks/s",
		"--no_use_public_ips", "--max_num_workers=50", "--labels=" + labels,
		"--worker_machine_type=n2-standard-4",
		"--dead_letter=gs://t/dead-letter",
		"--dataset=flight_events", "--table=events", "--bigquery_location=europe-west1",
	}
}

// TestBatchArgs checks the batch binary's argv per runner. On Dataflow the
// names come from the batch module's environment.json
// (testdata/batch-environment.json, which a platform test keeps equal to
// what the module plans for the example service), never derived here.
func TestBatchArgs(t *testing.T) {
	t.Parallel()
	env, err := readLaunchEnvironment(filepath.Join("testdata", "batch-environment.json"))
	if err != nil {
		t.Fatal(err)
	}
	bq := config.Config{Service: "flight-events", ProjectID: "acme-flights-dev", Region: "europe-west1", Store: config.StoreBigQuery, Dataset: "flight_events", Table: "events", Location: "europe-west1"}
	otherTable := bq
	otherTable.Table = "events_v2"
	lite := config.Config{Service: "flight-events", Store: config.StoreSQLite, SQLitePath: "/data/events.db"}
	flags := backfillFlags{batch: 500}
	withDL := flags
	withDL.deadLetter = "/tmp/dl.jsonl"
	overridden := flags
	overridden.dataflow = dataflowFlags{project: "other", region: "us-central1", serviceAccount: "sa@other.iam.gserviceaccount.com", tempLocation: "gs://t/temp", stagingLocation: "gs://t/staging", subnetwork: "regions/us-central1/subnetworks/s", machineType: "n2-standard-4", maxWorkers: 50}
	overriddenDL := overridden
	overriddenDL.deadLetter = "gs://t/dead-letter"
	for _, tt := range []struct {
		name    string
		cfg     config.Config
		f       backfillFlags
		env     *launchEnvironment
		runner  string
		want    []string
		wantErr string
	}{
		{
			name: "prism_into_sqlite", cfg: lite, f: withDL, runner: runnerPrism,
			want: []string{"--runner=prism", "--input=a/*.jsonl,b/*.csv", "--batch=500", "--dead_letter=/tmp/dl.jsonl", "--sqlite=/data/events.db"},
		},
		{
			name: "direct_into_bigquery", cfg: bq, f: flags, runner: runnerDirect,
			want: []string{"--runner=direct", "--input=a/*.jsonl,b/*.csv", "--batch=500", "--dead_letter=dead-letter.jsonl", "--dataset=flight_events", "--table=events", "--project=acme-flights-dev", "--bigquery_location=europe-west1"},
		},
		{
			name: "dataflow_from_the_environment_iac_writes", cfg: bq, f: flags, env: &env, runner: runnerDataflow,
			want: []string{
				"--runner=dataflow", "--input=a/*.jsonl,b/*.csv", "--batch=500",
				"--project=acme-flights-dev", "--region=europe-west1",
				"--temp_location=gs://acme-flights-dev-flight-events-batch-work/temp", "--staging_location=gs://acme-flights-dev-flight-events-batch-work/staging",
				"--service_account_email=flight-events-batch@acme-flights-dev.iam.gserviceaccount.com",
				"--subnetwork=regions/europe-west1/subnetworks/flight-events-batch",
				"--no_use_public_ips", "--max_num_workers=10",
				`--labels={"component":"batch","env":"dev","managed-by":"terraform","owner":"group_default_platform-team","platform":"v0-1-0","service":"flight-events","system":"flight-ops"}`,
				"--worker_machine_type=n1-standard-2",
				"--dead_letter=gs://acme-flights-dev-flight-events-batch-work/dead-letter",
				"--dataset=flight_events", "--table=events", "--bigquery_location=europe-west1",
			},
		},
		{
			name: "dataflow_flags_win_over_the_environment", cfg: bq, f: overriddenDL, env: &env, runner: runnerDataflow,
			want: overriddenArgv(`{"component":"batch","env":"dev","managed-by":"terraform","owner":"group_default_platform-team","platform":"v0-1-0","service":"flight-events","system":"flight-ops"}`),
		},
		{name: "dataflow_flags_alone", cfg: bq, f: overriddenDL, runner: runnerDataflow, want: overriddenArgv(`{"component":"batch","service":"flight-events"}`)},
		{name: "dataflow_without_the_environment_names_it", cfg: bq, f: flags, runner: runnerDataflow,
			wantErr: "pass --environment FILE (or $BATCH_ENVIRONMENT), FILE being gs://<batch_templates_bucket output>/batch/environment.json copied here, or --service-account, --subnetwork, --temp-location, --staging-location"},
		{name: "dataflow_without_a_dead_letter_prefix", cfg: bq, f: overridden, runner: runnerDataflow, wantErr: "needs a gs:// --dead-letter prefix"},
		{name: "dataflow_environment_of_another_table", cfg: otherTable, f: flags, env: &env, runner: runnerDataflow,
			wantErr: "--environment is for table flight_events.events, the configuration's is flight_events.events_v2"},
		{name: "dataflow_needs_bigquery", cfg: lite, f: flags, runner: runnerDataflow, wantErr: "STORE=bigquery"},
		{name: "sqlite_in_memory", cfg: config.Config{Store: config.StoreSQLite}, f: flags, runner: runnerPrism, wantErr: "set SQLITE_PATH"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := batchArgs(tt.cfg, tt.f, tt.runner, []string{"a/*.jsonl", "b/*.csv"}, tt.env)
			if tt.wantErr != "" {
				if exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v; want exit 2 with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("batch argv (-got +want):\n%s", diff)
			}
		})
	}
}

// TestReadLaunchEnvironment: a file that is not the batch module's
// environment.json (a field the service does not know, not JSON, absent)
// is bad input naming the flag.
func TestReadLaunchEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct{ name, body, want string }{
		{name: "unknown_field", body: `{"environment":{"region":"x","network":"n"}}`, want: `unknown field "network"`},
		{name: "not_json", body: "region=x", want: "not the batch module's environment.json"},
		{name: "absent", want: "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tt.name+".json")
			if tt.body != "" {
				if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := readLaunchEnvironment(path)
			if exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), "--environment") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v; want exit 2 naming --environment and %q", err, tt.want)
			}
		})
	}
}

// TestBackfillDataflowEnvironment: the command reads --environment (or
// $BATCH_ENVIRONMENT) before it looks for the batch binary, and without it
// refuses the launch naming the file.
func TestBackfillDataflowEnvironment(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-such-batch")
	// The fixture's table, whatever this service's defaults are.
	base := map[string]string{"STORE": "bigquery", "GOOGLE_CLOUD_PROJECT": "acme-flights-dev", "BIGQUERY_DATASET": "flight_events", "BIGQUERY_TABLE": "events", "BATCH_BINARY": missing}
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{name: "none", want: "pass --environment FILE"},
		{name: "flag", args: []string{"--environment", filepath.Join("testdata", "batch-environment.json")}, want: "need the batch binary, not found at " + missing},
		{name: "env_var", env: map[string]string{"BATCH_ENVIRONMENT": filepath.Join("testdata", "batch-environment.json")}, want: "need the batch binary, not found at " + missing},
		{name: "bad_file", args: []string{"--environment", "backfill.go"}, want: "not the batch module's environment.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := maps.Clone(base)
			maps.Copy(env, tt.env)
			c, _, _ := newCLI(env)
			err := c.run(t.Context(), append([]string{"backfill", "--input", "gs://in/*.jsonl", "--runner", "dataflow"}, tt.args...))
			if exitCode(err) != ExitBadInput || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got exit %d %v, want exit 2 with %q", exitCode(err), err, tt.want)
			}
		})
	}
}

func TestBackfillHandOffWithoutBatchBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "e.jsonl")
	if err := os.WriteFile(in, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no-such-batch")
	c, _, _ := newCLI(map[string]string{"SQLITE_PATH": filepath.Join(dir, "e.db"), "BATCH_BINARY": missing})
	err := c.run(t.Context(), []string{"backfill", "--input", in, "--runner", "prism"})
	want := "backfill: the Beam runners need the batch binary, not found at " + missing + ": build it with `make batch` (or pass --batch-binary PATH)"
	if exitCode(err) != ExitBadInput || err.Error() != want {
		t.Fatalf("got exit %d %v, want exit 2 with:\n%s", exitCode(err), err, want)
	}
}

// TestBackfillInputGlobs loads two files through --input in this process:
// an event repeated in the second file is a duplicate, invalid records are
// listed with their file.
func TestBackfillInputGlobs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := `{"event_id":"e1","flight_id":"IB3456","status":"boarding","timestamp":"2026-11-26T08:00:00Z"}` + "\n"
	b := "event_id,flight_id,status,timestamp\ne1,IB3456,boarding,2026-11-26T08:00:00Z\ne2,VY12,teleported,2026-11-26T09:00:00Z\ne3,VY12,landed,2026-11-26T10:00:00Z\n"
	for name, body := range map[string]string{"a.jsonl": a, "b.csv": b} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, out, _ := newCLI(map[string]string{"SQLITE_PATH": filepath.Join(dir, "e.db")})
	err := c.run(t.Context(), []string{"backfill", "--input", filepath.Join(dir, "*.csv") + "," + filepath.Join(dir, "*.jsonl"), "--allow-invalid"})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "b.csv") + ":3: invalid_status: "
	if !strings.Contains(out.String(), want) || !strings.HasSuffix(out.String(), "files=2 records=4 valid=3 written=2 duplicates=1 invalid=1 batches=2\n") {
		t.Errorf("output lacks %q or the totals:\n%s", want, out.String())
	}
}
