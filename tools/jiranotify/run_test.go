package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cinotify"
	"github.com/acme-platform/golden-path/tools/internal/cli"
	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
)

const (
	email = "bot@example.com"
	token = "ATATT3xFfGF0-cloud-token-SECRET-123"
	pat   = "dc-pat-SECRET-456-NjQ2ODk3"
)

type outcome struct {
	code     int
	stdout   string
	stderr   string
	output   string // $GITHUB_OUTPUT
	summary  string // $GITHUB_STEP_SUMMARY
	requests []jiratest.Request
	issues   []jiratest.Issue
}

type scenario struct {
	flavour string
	env     map[string]string // added to the defaults; "" deletes
	args    []string
	seed    bool
	faults  []jiratest.Fault
	log     string
	trans   []jiratest.Transition
}

func githubEnv() map[string]string {
	return map[string]string{
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/flight-events",
		"GITHUB_WORKFLOW": "CI", "GITHUB_WORKFLOW_REF": "acme/flight-events/.github/workflows/ci.yml@refs/heads/main",
		"GITHUB_JOB": "test", "GITHUB_REF_NAME": "main", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
		"GITHUB_RUN_ID": "9876543210", "GITHUB_RUN_NUMBER": "77", "GITHUB_RUN_ATTEMPT": "2",
		"GITHUB_ACTOR": "octocat", "GITHUB_EVENT_NAME": "push",
		"JIRA_PROJECT": "OPS", "JIRA_EMAIL": email, "JIRA_API_TOKEN": token, "JIRA_PAT": pat,
	}
}

func play(t *testing.T, sc scenario) outcome {
	t.Helper()
	if sc.flavour == "" {
		sc.flavour = jiratest.Cloud
	}
	srv := jiratest.New(t, sc.flavour, email, token, pat)
	fp := cinotify.Fingerprint(cinotify.Run{Repository: "acme/flight-events", WorkflowFile: ".github/workflows/ci.yml", Job: "test", Step: "go test", Branch: "main"})
	if sc.seed {
		srv.Seed(jiratest.Issue{Summary: "old", Labels: []string{"ci-failure", fp}})
	}
	for _, f := range sc.faults {
		srv.AddFault(f)
	}
	if sc.trans != nil {
		srv.SetTransitions(sc.trans...)
	}
	dir := t.TempDir()
	env := githubEnv()
	env["JIRA_BASE_URL"] = srv.URL
	env["JIRA_FLAVOR"] = sc.flavour
	env["GITHUB_OUTPUT"] = filepath.Join(dir, "output")
	env["GITHUB_STEP_SUMMARY"] = filepath.Join(dir, "summary")
	for k, v := range sc.env {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	args := append([]string(nil), sc.args...)
	if sc.log != "" {
		p := filepath.Join(dir, "job.log")
		if err := os.WriteFile(p, []byte(sc.log), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--log-excerpt", p)
	}
	var stdout, stderr bytes.Buffer
	d := deps{
		getenv: func(k string) string { return env[k] },
		now:    func() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) },
		sleep:  func(context.Context, time.Duration) error { return nil },
	}
	err := runWith(t.Context(), d, args, &stdout, &stderr)
	o := outcome{stdout: stdout.String(), stderr: stderr.String(), requests: srv.Requests(), issues: srv.Issues()}
	ee, typed := errors.AsType[*cli.Error](err)
	switch {
	case err == nil:
	case typed && ee.Err == nil:
		o.code = ee.Code
	default:
		t.Fatalf("run returned %v, want a *cli.Error with nothing more to print (run prints its own, redacted, messages)", err)
	}
	b, _ := os.ReadFile(env["GITHUB_OUTPUT"])
	o.output = string(b)
	b, _ = os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	o.summary = string(b)
	// No output, file or Jira request may carry a credential.
	everything := o.stdout + o.stderr + o.output + o.summary
	for _, r := range o.requests {
		everything += r.Body + r.Path + r.Query.Encode()
	}
	for _, secret := range []string{token, pat} {
		if strings.Contains(everything, secret) {
			t.Errorf("a credential leaked into the output or a request body:\nstdout: %s\nstderr: %s", o.stdout, o.stderr)
		}
	}
	return o
}

func TestRun(t *testing.T) {
	t.Parallel()
	open := []string{"open", "--step", "go test"}
	closeArgs := []string{"close", "--step", "go test"}
	tests := []struct {
		name       string
		sc         scenario
		wantCode   int
		wantCalls  []string
		wantStdout string // substring
		wantStderr string // substring
		wantOutput string // exact $GITHUB_OUTPUT, when set
		check      func(t *testing.T, o outcome)
	}{
		{
			name:       "cloud_search_miss_creates",
			sc:         scenario{args: open, log: "line 1\nerror: token=" + token + " refused\nFAIL"},
			wantCalls:  []string{"GET /rest/api/2/search/jql", "POST /rest/api/2/issue"},
			wantStdout: "action=created issue=OPS-1",
			wantOutput: "issue_key=OPS-1\naction=created\nfingerprint=ci-fp-",
			check: func(t *testing.T, o outcome) {
				desc := string(o.issues[0].Fields["description"])
				if !strings.Contains(desc, `{noformat}\nline 1\nerror: token=[REDACTED] refused\nFAIL\n{noformat}`) {
					t.Errorf("description lacks the redacted excerpt: %s", desc)
				}
				if !strings.Contains(desc, "/actions/runs/9876543210/attempts/2") || strings.Contains(desc, "/runs/77") {
					t.Errorf("description must link the run ID and attempt, never the run number: %s", desc)
				}
				if o.requests[0].Auth != "basic:"+email {
					t.Errorf("auth = %s, want basic", o.requests[0].Auth)
				}
				if !strings.Contains(o.summary, "Jira (open): **created** [OPS-1](") {
					t.Errorf("step summary %q", o.summary)
				}
			},
		},
		{
			name:       "cloud_search_hit_raw_comment",
			sc:         scenario{args: open, seed: true},
			wantCalls:  []string{"GET /rest/api/2/search/jql", "GET /rest/api/2/issue/OPS-1/properties/ci-failure-notifier", "POST /rest/api/2/issue/OPS-1/comment", "PUT /rest/api/2/issue/OPS-1/properties/ci-failure-notifier"},
			wantStdout: "action=commented issue=OPS-1",
			check: func(t *testing.T, o outcome) {
				if body := o.requests[2].Body; !strings.HasPrefix(body, `{"body":"CI failed again`) || strings.Contains(body, "author") {
					t.Errorf("comment body %s, want a bare {\"body\": …}", body)
				}
			},
		},
		{
			name:       "datacenter_bearer_flow",
			sc:         scenario{flavour: jiratest.DataCenter, args: open, env: map[string]string{"JIRA_EMAIL": "", "JIRA_API_TOKEN": ""}},
			wantCalls:  []string{"GET /rest/api/2/search", "POST /rest/api/2/issue"},
			wantStdout: "action=created issue=OPS-1",
			check: func(t *testing.T, o outcome) {
				for _, r := range o.requests {
					if r.Auth != "bearer" {
						t.Errorf("%s %s auth = %s, want bearer", r.Method, r.Path, r.Auth)
					}
				}
			},
		},
		{
			name: "cloud_flavour_never_uses_legacy_search",
			sc: scenario{args: open, faults: []jiratest.Fault{{Method: "GET", Path: "/rest/api/2/search", Status: 410,
				Body: `{"errorMessages":["The requested API has been removed."],"errors":{}}`}}},
			wantCalls: []string{"GET /rest/api/2/search/jql", "POST /rest/api/2/issue"},
		},
		{
			name: "datacenter_flavour_on_cloud_site_gets_410_exit_3",
			sc: scenario{args: append([]string{"open", "--flavor", "datacenter"}, open[1:]...),
				faults: []jiratest.Fault{{Method: "GET", Path: "/rest/api/2/search", Status: 410,
					Body: `{"errorMessages":["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."],"errors":{}}`}}},
			wantCode:   cli.Remote,
			wantCalls:  []string{"GET /rest/api/2/search"},
			wantStderr: "::warning title=jiranotify::search open ticket: jira GET /rest/api/2/search: 410 Gone: The requested API has been removed.",
		},
		{
			name: "429_with_retry_after_then_success",
			sc: scenario{args: open, faults: []jiratest.Fault{{Method: "POST", Path: "/rest/api/2/issue", Status: 429,
				Header: map[string]string{"Retry-After": "5"}, Body: `{"errorMessages":["Rate limit exceeded."]}`}}},
			wantCalls:  []string{"GET /rest/api/2/search/jql", "POST /rest/api/2/issue", "POST /rest/api/2/issue"},
			wantStdout: "action=created issue=OPS-1",
			wantStderr: "retry: POST /rest/api/2/issue answered 429 (try 1), waiting ",
		},
		{
			name: "503_exhausted_exit_3",
			sc: scenario{args: open, faults: []jiratest.Fault{{Method: "GET", Path: "/rest/api/2/search/jql", Status: 503, Times: 3,
				Body: `{"message":"Service Unavailable"}`}}},
			wantCode:   cli.Remote,
			wantCalls:  []string{"GET /rest/api/2/search/jql", "GET /rest/api/2/search/jql", "GET /rest/api/2/search/jql"},
			wantStderr: "503 Service Unavailable",
		},
		{
			name:       "transport_error_on_create_searches_again",
			sc:         scenario{args: open, faults: []jiratest.Fault{{Method: "POST", Path: "/rest/api/2/issue", Drop: true, DropAfter: true}}},
			wantCalls:  []string{"GET /rest/api/2/search/jql", "POST /rest/api/2/issue", "GET /rest/api/2/search/jql"},
			wantStdout: "action=created issue=OPS-1",
			wantStderr: "searching again before re-creating",
			check: func(t *testing.T, o outcome) {
				if len(o.issues) != 1 {
					t.Errorf("issues = %d, want 1 (no duplicate)", len(o.issues))
				}
			},
		},
		{
			name: "close_on_success_transition_by_name",
			sc: scenario{args: append(closeArgs, "--done-transition", "resolve issue"), seed: true, trans: []jiratest.Transition{
				{ID: "2", Name: "Reopen", To: "Open", ToCategory: "new"}, {ID: "951", Name: "Resolve Issue", To: "Resolved", ToCategory: "done"}}},
			wantCalls: []string{"GET /rest/api/2/search/jql", "GET /rest/api/2/issue/OPS-1/transitions",
				"POST /rest/api/2/issue/OPS-1/comment", "POST /rest/api/2/issue/OPS-1/transitions"},
			wantStdout: "action=closed issue=OPS-1",
			check: func(t *testing.T, o outcome) {
				if got := o.requests[3].Body; got != `{"update":{},"transition":{"id":"951"},"fields":{}}`+"\n" {
					t.Errorf("transition body %q", got)
				}
			},
		},
		{
			name:       "close_without_open_ticket_skips",
			sc:         scenario{args: closeArgs},
			wantCalls:  []string{"GET /rest/api/2/search/jql"},
			wantStdout: "action=skipped issue=-",
		},
		{
			name:       "close_unknown_transition_exit_2",
			sc:         scenario{args: append(closeArgs, "--done-transition", "Ship it"), seed: true},
			wantCode:   cli.BadInput,
			wantCalls:  []string{"GET /rest/api/2/search/jql", "GET /rest/api/2/issue/OPS-1/transitions"},
			wantStderr: `transition "Ship it" is not available on OPS-1 (available: Start Progress, Done, Won't Do)`,
		},
		{
			name:       "pull_request_defaults_to_dry_run",
			sc:         scenario{args: open, seed: true, env: map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_HEAD_REF": "main"}},
			wantCalls:  []string{"GET /rest/api/2/search/jql", "GET /rest/api/2/issue/OPS-1/properties/ci-failure-notifier"},
			wantStdout: "dry-run: action=comment issue=OPS-1",
			wantOutput: "issue_key=OPS-1\naction=comment\nfingerprint=ci-fp-",
			check: func(t *testing.T, o outcome) {
				if !strings.Contains(o.stdout, "POST /rest/api/2/issue/OPS-1/comment\n{\"body\":\"CI failed again: [run 9876543210, attempt 2|") {
					t.Errorf("dry run does not print the exact comment request:\n%s", o.stdout)
				}
				if len(o.issues[0].Comments) != 0 {
					t.Errorf("dry run wrote a comment")
				}
			},
		},
		{
			name:       "dry_run_without_credentials_plans_create",
			sc:         scenario{args: append(open, "--dry-run", "--field", `customfield_10051={"value":"production"}`), env: map[string]string{"JIRA_EMAIL": "", "JIRA_API_TOKEN": "", "JIRA_PAT": ""}},
			wantStdout: "dry-run: action=create issue=-",
			wantStderr: "no Jira credentials",
			check: func(t *testing.T, o outcome) {
				if !strings.Contains(o.stdout, "POST /rest/api/2/issue\n{\"fields\":{") || !strings.Contains(o.stdout, `"customfield_10051":{"value":"production"}`) {
					t.Errorf("dry run does not print the create JSON:\n%s", o.stdout)
				}
			},
		},
		{
			name:       "missing_credentials_exit_2",
			sc:         scenario{args: open, env: map[string]string{"JIRA_API_TOKEN": ""}},
			wantCode:   cli.BadInput,
			wantStderr: "missing Jira credentials: Jira Cloud needs JIRA_EMAIL and JIRA_API_TOKEN",
		},
		{
			name:       "wrong_credentials_exit_3",
			sc:         scenario{args: open, env: map[string]string{"JIRA_API_TOKEN": "ATATT3xFfGF0-wrong-token-value-0000"}},
			wantCode:   cli.Remote,
			wantCalls:  []string{"GET /rest/api/2/search/jql"},
			wantStderr: "401 Unauthorized",
		},
		{
			name:       "bad_input_exit_2",
			sc:         scenario{args: append(open, "--labels", "has space", "--field", "customfield_1={bad"), env: map[string]string{"GITHUB_RUN_ID": "", "JIRA_PROJECT": "O-P"}},
			wantCode:   cli.BadInput,
			wantStderr: "run ID",
			check: func(t *testing.T, o outcome) {
				for _, want := range []string{"label \"has space\"", "--field", "project key \"O-P\""} {
					if !strings.Contains(o.stderr, want) {
						t.Errorf("stderr lacks %q:\n%s", want, o.stderr)
					}
				}
			},
		},
		{
			name:       "unknown_subcommand_exit_2",
			sc:         scenario{args: []string{"reopen"}},
			wantCode:   cli.BadInput,
			wantStderr: `unknown subcommand "reopen"`,
		},
		{
			name:       "missing_log_file_exit_2",
			sc:         scenario{args: append(open, "--log-excerpt", "/nonexistent/job.log")},
			wantCode:   cli.BadInput,
			wantStderr: "open log excerpt",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := play(t, tc.sc)
			if o.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout: %s\nstderr: %s", o.code, tc.wantCode, o.stdout, o.stderr)
			}
			if diff := cmp.Diff(jiratest.Calls(o.requests), tc.wantCalls); diff != "" {
				t.Errorf("Jira calls (-got +want):\n%s", diff)
			}
			if !strings.Contains(o.stdout, tc.wantStdout) {
				t.Errorf("stdout %q lacks %q", o.stdout, tc.wantStdout)
			}
			if !strings.Contains(o.stderr, tc.wantStderr) {
				t.Errorf("stderr %q lacks %q", o.stderr, tc.wantStderr)
			}
			if !strings.HasPrefix(o.output, tc.wantOutput) {
				t.Errorf("GITHUB_OUTPUT %q, want prefix %q", o.output, tc.wantOutput)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
}
