package main

import (
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

func TestBatchArgs(t *testing.T) {
	t.Parallel()
	bq := config.Config{Service: "flight-events", ProjectID: "acme-dev", Region: "europe-west1", Store: config.StoreBigQuery, Dataset: "flight_events", Table: "events", Location: "europe-west1"}
	lite := config.Config{Service: "flight-events", Store: config.StoreSQLite, SQLitePath: "/data/events.db"}
	flags := backfillFlags{batch: 500, dataflow: dataflowFlags{maxWorkers: 10}}
	withDL := flags
	withDL.deadLetter = "/tmp/dl.jsonl"
	overridden := flags
	overridden.dataflow = dataflowFlags{project: "other", region: "us-central1", serviceAccount: "sa@other.iam.gserviceaccount.com", tempLocation: "gs://t/temp", stagingLocation: "gs://t/staging", subnetwork: "regions/us-central1/subnetworks/s", machineType: "n2-standard-4", maxWorkers: 50}
	for _, tt := range []struct {
		name    string
		cfg     config.Config
		f       backfillFlags
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
			want: []string{"--runner=direct", "--input=a/*.jsonl,b/*.csv", "--batch=500", "--dead_letter=dead-letter.jsonl", "--dataset=flight_events", "--table=events", "--project=acme-dev", "--bigquery_location=europe-west1"},
		},
		{
			name: "dataflow_defaults_from_config_and_iac_names", cfg: bq, f: flags, runner: runnerDataflow,
			want: []string{
				"--runner=dataflow", "--input=a/*.jsonl,b/*.csv", "--batch=500",
				"--project=acme-dev", "--region=europe-west1",
				"--temp_location=gs://acme-dev-flight-events-batch-work/temp", "--staging_location=gs://acme-dev-flight-events-batch-work/staging",
				"--service_account_email=flight-events-batch@acme-dev.iam.gserviceaccount.com",
				"--subnetwork=regions/europe-west1/subnetworks/flight-events-batch",
				"--no_use_public_ips", "--max_num_workers=10", `--labels={"component":"batch","service":"flight-events"}`,
				"--dead_letter=gs://acme-dev-flight-events-batch-work/dead-letter",
				"--dataset=flight_events", "--table=events", "--bigquery_location=europe-west1",
			},
		},
		{
			name: "dataflow_flags_win", cfg: bq, f: overridden, runner: runnerDataflow,
			want: []string{
				"--runner=dataflow", "--input=a/*.jsonl,b/*.csv", "--batch=500",
				"--project=other", "--region=us-central1",
				"--temp_location=gs://t/temp", "--staging_location=gs://t/staging",
				"--service_account_email=sa@other.iam.gserviceaccount.com",
				"--subnetwork=regions/us-central1/subnetworks/s",
				"--no_use_public_ips", "--max_num_workers=50", `--labels={"component":"batch","service":"flight-events"}`,
				"--worker_machine_type=n2-standard-4",
				"--dead_letter=gs://other-flight-events-batch-work/dead-letter",
				"--dataset=flight_events", "--table=events", "--bigquery_location=europe-west1",
			},
		},
		{name: "dataflow_needs_bigquery", cfg: lite, f: flags, runner: runnerDataflow, wantErr: "STORE=bigquery"},
		{name: "sqlite_in_memory", cfg: config.Config{Store: config.StoreSQLite}, f: flags, runner: runnerPrism, wantErr: "set SQLITE_PATH"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := batchArgs(tt.cfg, tt.f, tt.runner, []string{"a/*.jsonl", "b/*.csv"})
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

// TestDataflowDefaultNamesFitGCP checks the names derived for a service
// name too long for GCP's limits: shortened with the same 6-digit SHA-1
// suffix as iac/, within each resource's rules.
func TestDataflowDefaultNamesFitGCP(t *testing.T) {
	t.Parallel()
	if got := nameHash6("abc"); got != "a9993e" { // SHA-1("abc") = a9993e36…
		t.Fatalf("nameHash6(abc) = %q", got)
	}
	name := "flightstatus-events-ingest-and-query-service-europe-southwest-1"
	o := dataflowDefaults(config.Config{Service: name, ProjectID: "acme-flights-prod", Region: "europe-southwest1"}, dataflowFlags{})
	bucket := strings.TrimPrefix(strings.TrimSuffix(o.tempLocation, "/temp"), "gs://")
	account, _, _ := strings.Cut(o.serviceAccount, "@")
	network := o.subnetwork[strings.LastIndex(o.subnetwork, "/")+1:]
	want := map[string]string{
		"bucket":  "acme-flights-prod-flightstatus-events-in-" + nameHash6("acme-flights-prod-"+name) + "-batch-work",
		"account": "flightstatus-even-" + nameHash6(name) + "-batch",
		"network": "flightstatus-events-ingest-and-query-servi-" + nameHash6(name) + "-batch",
	}
	got := map[string]string{"bucket": bucket, "account": account, "network": network}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("names (-got +want):\n%s", diff)
	}
	if len(bucket) > 63 || !accountIDPattern.MatchString(account) || len(network) > 63 {
		t.Errorf("a name breaks GCP's limits: bucket %d chars, account %q, network %d chars", len(bucket), account, len(network))
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
