package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/cost"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

const (
	fixtures      = "../internal/cost/testdata/"
	servicePolicy = "../internal/cost/testdata/costpolicy.rendered.yaml"
	secret        = "ghs_neverPrintThis42"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badJSON, []byte("Error: No INFRACOST_API_KEY environment variable is set."), 0o644); err != nil {
		t.Fatal(err)
	}
	badPolicy := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badPolicy, []byte("version: 1\ncurrency: USD\ntotal:\n  monthly_budget: {fial: 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badRego := filepath.Join(dir, "bad.rego")
	if err := os.WriteFile(badRego, []byte("package infracost\ndeny contains {"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		want    int
		wantErr string
	}{
		{name: "pass_lenient", args: []string{"--infracost", fixtures + "synthetic/gcp_pr_over_budget.json", "--policy", "testdata/lenient.yaml"}, want: cli.OK},
		{name: "warn_is_exit_0", args: []string{"--infracost", fixtures + "synthetic/gcp_base.json", "--policy", servicePolicy}, want: cli.OK},
		{name: "over_budget_fails", args: []string{"--infracost", fixtures + "synthetic/gcp_pr_over_budget.json", "--policy", servicePolicy}, want: cli.GateFailed, wantErr: "cost gate failed: 2 check(s) failed"},
		{name: "vacuous_zero_fails", args: []string{"--infracost", fixtures + "synthetic/gcp_usage_null.json", "--policy", servicePolicy}, want: cli.GateFailed},
		{name: "project_error_fails_even_when_lenient", args: []string{"--infracost", fixtures + "upstream/out_with_project_error.json", "--policy", "testdata/lenient.yaml", "--builtin-rego=false"}, want: cli.GateFailed, wantErr: "1 check(s) failed"},
		{name: "merge_two_files", args: []string{"--infracost", fixtures + "synthetic/gcp_pr.json", "--infracost", fixtures + "synthetic/missing_past_totals.json", "--policy", "testdata/lenient.yaml"}, want: cli.OK},
		{name: "missing_file", args: []string{"--infracost", "nope.json", "--policy", servicePolicy}, want: cli.BadInput, wantErr: "open nope.json"},
		{name: "not_infracost_json", args: []string{"--infracost", badJSON, "--policy", servicePolicy}, want: cli.BadInput, wantErr: "invalid JSON"},
		{name: "currency_mismatch", args: []string{"--infracost", fixtures + "synthetic/gcp_base.json", "--policy", "testdata/eur.yaml"}, want: cli.BadInput, wantErr: "infracost reports USD but the policy is in EUR"},
		{name: "currency_differs_between_files", args: []string{"--infracost", fixtures + "synthetic/gcp_base.json", "--infracost", fixtures + "synthetic/eur_small.json", "--policy", servicePolicy}, want: cli.BadInput, wantErr: "currency EUR"},
		{name: "bad_policy", args: []string{"--infracost", fixtures + "synthetic/gcp_base.json", "--policy", badPolicy}, want: cli.BadInput, wantErr: `unknown key "fial"`},
		{name: "bad_rego", args: []string{"--infracost", fixtures + "synthetic/gcp_base.json", "--policy", servicePolicy, "--rego", badRego}, want: cli.BadInput, wantErr: "bad.rego"},
		{name: "missing_flags", args: nil, want: cli.BadInput, wantErr: "--infracost is required; --policy is required"},
		{name: "bad_format", args: []string{"--infracost", "a", "--policy", "b", "--format", "html"}, want: cli.BadInput, wantErr: `--format "html"`},
		{name: "dry_run_without_post", args: []string{"--infracost", "a", "--policy", "b", "--dry-run"}, want: cli.BadInput, wantErr: "--dry-run only makes sense with --post"},
		{name: "post_without_repo", args: []string{"--infracost", fixtures + "synthetic/gcp_base.json", "--policy", servicePolicy, "--post", "--pr", "3"}, want: cli.BadInput, wantErr: "must be owner/repo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := runEnv(t.Context(), tt.args, env(nil), strings.NewReader(""), &stdout, &stderr)
			if got := repotest.ExitCode(err); got != tt.want {
				t.Fatalf("exit code = %d (err %v), want %d", got, err, tt.want)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestFormatsAndFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	result := filepath.Join(dir, "result.json")
	summary := filepath.Join(dir, "summary.md")
	var stdout, stderr bytes.Buffer
	args := []string{"--infracost", "-", "--policy", servicePolicy, "--format", "json", "--result", result}
	in, err := os.ReadFile(fixtures + "synthetic/gcp_pr.json")
	if err != nil {
		t.Fatal(err)
	}
	err = runEnv(t.Context(), args, env(map[string]string{"GITHUB_STEP_SUMMARY": summary}), bytes.NewReader(in), &stdout, &stderr)
	if repotest.ExitCode(err) != cli.GateFailed {
		t.Fatalf("exit = %d (%v), want 1 (require_usage fails)", repotest.ExitCode(err), err)
	}
	var got struct {
		Decision string   `json:"decision"`
		Unknown  []string `json:"unknown"`
		Checks   []struct {
			Name, Status, Observed, Limit, Message string
		} `json:"checks"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	if got.Decision != "fail" || len(got.Checks) == 0 {
		t.Errorf("decision %q with %d checks", got.Decision, len(got.Checks))
	}
	if diff := cmp.Diff(got.Unknown, []string{"google_pubsub_subscription.dead_letter"}); diff != "" {
		t.Errorf("unknown mismatch (-got +want):\n%s", diff)
	}
	fileJSON, err := os.ReadFile(result)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(fileJSON), stdout.String()); diff != "" {
		t.Errorf("--result differs from stdout (-got +want):\n%s", diff)
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(md), cost.Marker+"\n### 💰 Monthly estimate increased by $0.06 (+1.8%) 📈") {
		t.Errorf("step summary starts %q", string(md[:min(len(md), 120)]))
	}
}

// githubStub is a minimal GitHub issue-comments API (list, create) recording what it received.
type githubStub struct {
	mu       sync.Mutex
	requests []string
	bodies   []string
	status   int // forced status for every request, 0 = normal
}

func (g *githubStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests = append(g.requests, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer "+secret {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"Bad credentials"}`)
		return
	}
	if g.status != 0 {
		w.WriteHeader(g.status)
		fmt.Fprint(w, `{"message":"Service Unavailable"}`)
		return
	}
	switch r.Method {
	case http.MethodGet:
		fmt.Fprint(w, `[]`)
	case http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		var in struct{ Body string }
		_ = json.Unmarshal(b, &in)
		g.bodies = append(g.bodies, in.Body)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":1,"html_url":"https://github.com/acme/svc/pull/12#issuecomment-1","body":""}`)
	}
}

func TestPost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		extra    []string
		envExtra map[string]string
		want     int
		wantReqs []string
	}{
		{name: "creates_comment_pr_from_event", want: cli.GateFailed,
			wantReqs: []string{"GET /repos/acme/svc/issues/12/comments", "POST /repos/acme/svc/issues/12/comments"}},
		{name: "remote_error_is_exit_3", status: http.StatusServiceUnavailable, extra: []string{"--policy", "testdata/lenient.yaml"},
			envExtra: map[string]string{"COSTGATE_MAX_ATTEMPTS": "1"}, want: cli.Remote,
			wantReqs: []string{"GET /repos/acme/svc/issues/12/comments"}},
		{name: "dry_run_posts_nothing", extra: []string{"--dry-run"}, want: cli.GateFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := &githubStub{status: tt.status}
			srv := httptest.NewServer(stub)
			t.Cleanup(srv.Close)
			event := filepath.Join(t.TempDir(), "event.json")
			if err := os.WriteFile(event, []byte(`{"action":"opened","number":12,"pull_request":{"number":12}}`), 0o644); err != nil {
				t.Fatal(err)
			}
			e := map[string]string{
				"GITHUB_TOKEN": secret, "GITHUB_REPOSITORY": "acme/svc", "GITHUB_API_URL": srv.URL,
				"GITHUB_REF": "refs/heads/feature", "GITHUB_EVENT_PATH": event,
			}
			for k, v := range tt.envExtra {
				e[k] = v
			}
			args := append([]string{"--infracost", fixtures + "synthetic/gcp_pr_over_budget.json", "--policy", servicePolicy, "--post"}, tt.extra...)
			var stdout, stderr bytes.Buffer
			err := runEnv(t.Context(), args, env(e), nil, &stdout, &stderr)
			if got := repotest.ExitCode(err); got != tt.want {
				t.Fatalf("exit = %d (%v), want %d", got, err, tt.want)
			}
			out := stdout.String() + stderr.String()
			if err != nil {
				out += err.Error()
			}
			if strings.Contains(out, secret) {
				t.Errorf("the token was printed")
			}
			stub.mu.Lock()
			defer stub.mu.Unlock()
			if diff := cmp.Diff(stub.requests, tt.wantReqs); diff != "" {
				t.Errorf("requests mismatch (-got +want):\n%s", diff)
			}
			for _, b := range stub.bodies {
				if !strings.HasPrefix(b, cost.Marker+"\n") {
					t.Errorf("posted body does not start with the marker: %.80q", b)
				}
			}
			if tt.name == "dry_run_posts_nothing" && !strings.Contains(stdout.String(), "--- comment (dry run, not posted) ---\n"+cost.Marker) {
				t.Errorf("dry run did not print the comment")
			}
		})
	}
}
