package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var goodEnv = map[string]string{"GITHUB_TOKEN": "ghs_x", "JIRA_EMAIL": "d@example.com", "JIRA_API_TOKEN": "tok"}

func TestRunRejectsBadInput(t *testing.T) {
	t.Parallel()
	base := []string{"--repo", "acme/flight-events", "--jira-base-url", "https://acme.atlassian.net", "--jira-project", "OPS"}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad_repo", []string{"--repo", "acme", "--jira-project", "OPS"}, goodEnv, `--repo must be owner/name, got "acme"`},
		{"bad_days", append(base, "--days", "0"), goodEnv, "--days must be between 1 and 366, got 0"},
		{"bad_end", append(base, "--end", "yesterday"), goodEnv, `--end "yesterday" is not YYYY-MM-DD`},
		{"bad_format", append(base, "--format", "yaml"), goodEnv, `unknown --format "yaml" (want text, json or markdown)`},
		{"no_project", []string{"--repo", "acme/flight-events"}, goodEnv, "missing --jira-project"},
		{"no_github_token", base, map[string]string{"JIRA_EMAIL": "d@example.com", "JIRA_API_TOKEN": "tok"}, "new github client: no GitHub token (set GITHUB_TOKEN)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := runWith(t.Context(), deps{getenv: env(tt.env), now: time.Now}, tt.args, &bytes.Buffer{}, &bytes.Buffer{})
			if code := cli.Code(err); code != cli.BadInput {
				t.Fatalf("exit code %d (%v), want %d", code, err, cli.BadInput)
			}
			if diff := cmp.Diff(err.Error(), tt.want); diff != "" {
				t.Errorf("error (-got +want):\n%s", diff)
			}
		})
	}
}

// TestRunWritesTheReport: an empty history end to end (the metrics
// themselves are tested in tools/internal/dora), and a GitHub failure exits 3.
func TestRunWritesTheReport(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	runs.Store(http.StatusOK)
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := int(runs.Load()); s != http.StatusOK {
			http.Error(w, `{"message":"Bad credentials"}`, s)
			return
		}
		_, _ = w.Write([]byte(`{"total_count":0,"workflow_runs":[]}`))
	}))
	t.Cleanup(gh.Close)
	jr := jiratest.New(t, jiratest.Cloud, "d@example.com", "tok", "")
	out := filepath.Join(t.TempDir(), "dora.json")
	args := []string{"--repo", "acme/flight-events", "--api-url", gh.URL, "--jira-base-url", jr.URL, "--jira-flavour", "cloud",
		"--jira-project", "OPS", "--end", "2026-12-01", "--days", "7", "--format", "json", "--out", out}
	var stdout bytes.Buffer
	if err := runWith(t.Context(), deps{getenv: env(goodEnv), now: time.Now}, args, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatalf("run: %v", err)
	}
	file, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(file), stdout.String()); diff != "" {
		t.Errorf("--out differs from stdout (-got +want):\n%s", diff)
	}
	var rep map[string]any
	if err := json.Unmarshal(file, &rep); err != nil {
		t.Fatal(err)
	}
	if rep["window_start"] != "2026-11-24T00:00:00Z" || rep["deployments"] != float64(0) {
		t.Errorf("report = %v", rep)
	}
	runs.Store(http.StatusUnauthorized) // a refusal no retry changes
	err = runWith(t.Context(), deps{getenv: env(goodEnv), now: time.Now}, args, &bytes.Buffer{}, &bytes.Buffer{})
	if code := cli.Code(err); code != cli.Remote {
		t.Errorf("exit code %d (%v), want %d", code, err, cli.Remote)
	}
}
