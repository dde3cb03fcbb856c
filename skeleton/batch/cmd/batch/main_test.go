package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/google/go-cmp/cmp"
	df "google.golang.org/api/dataflow/v1b3"
)

func TestMain(m *testing.M) {
	flag.Parse()
	beam.Init()
	os.Exit(m.Run())
}

// setFlags sets global flags (Beam's options are global) for one test and
// restores them after it; tests using it are not parallel.
func setFlags(t *testing.T, values map[string]string) {
	t.Helper()
	for name, v := range values {
		f := flag.Lookup(name)
		if f == nil {
			t.Fatalf("no flag --%s", name)
		}
		old := f.Value.String()
		if err := flag.Set(name, v); err != nil {
			t.Fatalf("--%s=%s: %v", name, v, err)
		}
		t.Cleanup(func() { _ = f.Value.Set(old) })
	}
}

func TestOptionsFromFlags(t *testing.T) {
	now := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		flags   map[string]string
		wantErr string // "" = valid
		wantDL  string
	}{
		{name: "prism_sqlite", flags: map[string]string{"runner": "prism", "input": "a/*.jsonl, b/*.csv", "dead_letter": "dl.jsonl", "sqlite": "e.db"}, wantDL: "dl.jsonl"},
		{name: "dead_letter_prefix", flags: map[string]string{"runner": "prism", "input": "a/*.jsonl", "dead_letter": "out/dl/", "sqlite": "e.db"}, wantDL: "out/dl/dead-letter-20261206T220000Z.jsonl"},
		{name: "dataflow_bigquery", flags: map[string]string{"runner": "dataflow", "input": "gs://in/*.jsonl", "dead_letter": "gs://work/dead-letter", "dataset": "d", "table": "t", "project": "p"}, wantDL: "gs://work/dead-letter/dead-letter-20261206T220000Z.jsonl"},
		{name: "no_input", flags: map[string]string{"runner": "prism", "dead_letter": "dl.jsonl", "sqlite": "e.db"}, wantErr: "no input"},
		{name: "no_dead_letter", flags: map[string]string{"runner": "prism", "input": "a", "sqlite": "e.db"}, wantErr: "no dead-letter path"},
		{name: "two_sinks", flags: map[string]string{"runner": "prism", "input": "a", "dead_letter": "dl.jsonl", "sqlite": "e.db", "dataset": "d", "table": "t"}, wantErr: "mutually exclusive"},
		{name: "no_sink", flags: map[string]string{"runner": "prism", "input": "a", "dead_letter": "dl.jsonl", "project": "p"}, wantErr: "no sink"},
		{name: "dataflow_sqlite", flags: map[string]string{"runner": "dataflow", "input": "gs://in/a", "dead_letter": "gs://w/dl", "sqlite": "e.db"}, wantErr: "Dataflow workers cannot share it"},
		{name: "dataflow_local_input", flags: map[string]string{"runner": "dataflow", "input": "/data/a.jsonl", "dead_letter": "gs://w/dl", "dataset": "d", "table": "t", "project": "p"}, wantErr: `"/data/a.jsonl" is not a gs:// path`},
		{name: "unknown_runner", flags: map[string]string{"runner": "flink", "input": "a", "dead_letter": "dl.jsonl", "sqlite": "e.db"}, wantErr: `--runner "flink"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			all := map[string]string{"runner": "", "input": "", "dead_letter": "", "sqlite": "", "dataset": "", "table": "", "project": ""}
			for k, v := range tt.flags {
				all[k] = v
			}
			setFlags(t, all)
			o, err := optionsFromFlags(t.Context(), now)
			if tt.wantErr != "" {
				var bad *badInputError
				if !errors.As(err, &bad) || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got %v, want one line of bad input with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.DeadLetter != tt.wantDL || !o.Now.Equal(now) {
				t.Errorf("dead letter %q now %s, want %q %s", o.DeadLetter, o.Now, tt.wantDL, now)
			}
		})
	}
}

// logCapture keeps Beam's log messages.
type logCapture struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logCapture) Log(_ context.Context, _ beamlog.Severity, _ int, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, msg)
}

// TestDataflowDryRun builds the Dataflow job the binary would submit with
// the options the service's `backfill --runner dataflow` passes (Beam's
// --dry_run translates the pipeline and prints the job instead of
// submitting it; Dataflow itself cannot run here) and checks the job: the
// pipeline graph, private workers, the dedicated service account, the
// work bucket, the worker ceiling, labels and the pipeline's parameters.
func TestDataflowDryRun(t *testing.T) {
	// No Google credentials: the SDK's soft-delete check of the staging
	// bucket fails fast and only warns, nothing reaches the network.
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", t.TempDir()+"/none.json")
	setFlags(t, map[string]string{
		"runner": "dataflow", "dry_run": "true",
		"project": "acme-dev", "region": "europe-west1",
		"temp_location": "gs://acme-dev-flight-events-batch-work/temp", "staging_location": "gs://acme-dev-flight-events-batch-work/staging",
		"service_account_email": "flight-events-batch@acme-dev.iam.gserviceaccount.com",
		"subnetwork":            "regions/europe-west1/subnetworks/flight-events-batch",
		"no_use_public_ips":     "true", "max_num_workers": "10", "labels": `{"component":"batch","service":"flight-events"}`,
		"input":       "gs://acme-dev-flight-events-batch-input/2025/*.jsonl,gs://acme-dev-flight-events-batch-input/legacy/*.csv",
		"dead_letter": "gs://acme-dev-flight-events-batch-work/dead-letter", "dataset": "flight_events", "table": "events", "sqlite": "",
	})
	logs := &logCapture{}
	beamlog.SetLogger(logs)
	t.Cleanup(func() { beamlog.SetLogger(&beamlog.Standard{}) })
	if err := run(t.Context(), io.Discard); err != nil {
		t.Fatal(err)
	}
	var job *df.Job
	var model string
	for _, m := range logs.msgs {
		if strings.HasPrefix(m, "{") {
			job = &df.Job{}
			if err := json.Unmarshal([]byte(m), job); err != nil {
				t.Fatalf("job: %v", err)
			}
		}
		if strings.Contains(m, "transforms:") {
			model = m
		}
	}
	if job == nil || model == "" {
		t.Fatalf("the dry run printed no job or no pipeline; logs:\n%s", strings.Join(logs.msgs, "\n"))
	}
	wp := job.Environment.WorkerPools[0]
	got := map[string]string{
		"project": job.ProjectId, "type": job.Type,
		"ip": wp.IpConfiguration, "subnetwork": wp.Subnetwork,
		"max_workers":     jsonString(t, wp.AutoscalingSettings.MaxNumWorkers),
		"service_account": job.Environment.ServiceAccountEmail,
		"temp":            job.Environment.TempStoragePrefix,
		"labels":          jsonString(t, job.Labels),
	}
	want := map[string]string{
		"project": "acme-dev", "type": "JOB_TYPE_BATCH",
		"ip": "WORKER_IP_PRIVATE", "subnetwork": "regions/europe-west1/subnetworks/flight-events-batch",
		"max_workers":     "10",
		"service_account": "flight-events-batch@acme-dev.iam.gserviceaccount.com",
		"temp":            "gs://acme-dev-flight-events-batch-work/temp",
		"labels":          `{"component":"batch","service":"flight-events"}`,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("job (-got +want):\n%s", diff)
	}
	// The pipeline's parameters travel with the job (the workers read them).
	var sdk struct {
		Go struct {
			Options map[string]string `json:"options"`
		} `json:"beam:option:go_options:v1"`
	}
	if err := json.Unmarshal(job.Environment.SdkPipelineOptions, &sdk); err != nil {
		t.Fatalf("sdkPipelineOptions: %v", err)
	}
	gotOpts := map[string]string{}
	for _, k := range []string{"input", "dead_letter", "dataset", "table", "sqlite"} {
		gotOpts[k] = sdk.Go.Options[k]
	}
	wantOpts := map[string]string{
		"input":       "gs://acme-dev-flight-events-batch-input/2025/*.jsonl,gs://acme-dev-flight-events-batch-input/legacy/*.csv",
		"dead_letter": "gs://acme-dev-flight-events-batch-work/dead-letter",
		"dataset":     "flight_events", "table": "events", "sqlite": "",
	}
	if diff := cmp.Diff(gotOpts, wantOpts); diff != "" {
		t.Errorf("pipeline options (-got +want):\n%s", diff)
	}
	// The graph: both globs matched, decoded, deduplicated, written, and
	// the dead letters written.
	for _, name := range []string{"backfill/match 0", "backfill/match 1", "backfill/decode", "backfill/dedup by event_id", "backfill/write events", "backfill/write dead letters"} {
		if !strings.Contains(model, `unique_name:"`+name+`"`) {
			t.Errorf("the pipeline lacks the transform %q", name)
		}
	}
}

func jsonString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
