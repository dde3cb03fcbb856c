package cinotify_test

import (
	"context"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cinotify"
	"github.com/acme-platform/golden-path/tools/internal/httpretry"
	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func baseRun() cinotify.Run {
	return cinotify.Run{
		ServerURL: "https://github.com", Repository: "acme/flight-events", Workflow: "CI",
		WorkflowFile: ".github/workflows/ci.yml", Job: "test", Step: "go test ./...", Branch: "main",
		SHA: "0123456789abcdef0123456789abcdef01234567", RunID: "9876543210", RunAttempt: "2",
		Actor: "octocat", Event: "push",
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	base := cinotify.Fingerprint(baseRun())
	if !strings.HasPrefix(base, "ci-fp-") || len(base) != len("ci-fp-")+12 {
		t.Fatalf("fingerprint %q is not ci-fp-<12 hex>", base)
	}
	tests := []struct {
		name     string
		mutate   func(*cinotify.Run)
		wantSame bool
	}{
		{name: "same_inputs_same_label", mutate: func(*cinotify.Run) {}, wantSame: true},
		{name: "other_run_same_label", mutate: func(r *cinotify.Run) { r.RunID, r.RunAttempt, r.SHA, r.Actor = "1", "1", "ffffffff", "someone" }, wantSame: true},
		{name: "renamed_workflow_same_file_same_label", mutate: func(r *cinotify.Run) { r.Workflow = "Continuous integration" }, wantSame: true},
		{name: "repository_changed", mutate: func(r *cinotify.Run) { r.Repository = "acme/other" }},
		{name: "workflow_changed", mutate: func(r *cinotify.Run) { r.WorkflowFile = ".github/workflows/deploy.yml" }},
		{name: "job_changed", mutate: func(r *cinotify.Run) { r.Job = "lint" }},
		{name: "step_changed", mutate: func(r *cinotify.Run) { r.Step = "go vet" }},
		{name: "branch_changed", mutate: func(r *cinotify.Run) { r.Branch = "release" }},
		{name: "field_boundary_shift", mutate: func(r *cinotify.Run) { r.Job, r.Step = "test go", "test ./..." }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := baseRun()
			tc.mutate(&r)
			if got := cinotify.Fingerprint(r); (got == base) != tc.wantSame {
				t.Errorf("fingerprint %q vs base %q: same=%v, want same=%v", got, base, got == base, tc.wantSame)
			}
		})
	}
}

func TestRunFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"GITHUB_REPOSITORY": "acme/flight-events", "GITHUB_WORKFLOW": "CI", "GITHUB_JOB": "test",
		"GITHUB_WORKFLOW_REF": "acme/flight-events/.github/workflows/ci.yml@refs/pull/7/merge",
		"GITHUB_REF_NAME":     "7/merge", "GITHUB_HEAD_REF": "feature/x", "GITHUB_SHA": "0123456789abcdef",
		"GITHUB_RUN_ID": "42", "GITHUB_RUN_NUMBER": "7", "GITHUB_RUN_ATTEMPT": "3", "GITHUB_ACTOR": "octocat",
		"GITHUB_EVENT_NAME": "pull_request",
	}
	r := cinotify.RunFromEnv(func(k string) string { return env[k] })
	if err := r.Normalize(); err != nil {
		t.Fatal(err)
	}
	want := cinotify.Run{ServerURL: "https://github.com", Repository: "acme/flight-events", Workflow: "CI",
		WorkflowFile: ".github/workflows/ci.yml", Job: "test", Branch: "feature/x", SHA: "0123456789abcdef",
		RunID: "42", RunAttempt: "3", Actor: "octocat", Event: "pull_request"}
	if diff := cmp.Diff(r, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	if got, want := r.RunURL(), "https://github.com/acme/flight-events/actions/runs/42/attempts/3"; got != want {
		t.Errorf("RunURL = %q, want %q (run ID, never the run number)", got, want)
	}
}

func TestNormalizeRejects(t *testing.T) {
	t.Parallel()
	r := cinotify.Run{Repository: "not a repo", RunID: "#7", RunAttempt: "x", SHA: "zz"}
	err := r.Normalize()
	for _, want := range []string{"repository", "run ID", "run attempt", "commit", "workflow", "job"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %q", err, want)
		}
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	tricky := baseRun()
	tricky.Step = "Run make test | tee [out] {x} *bold* _it_"
	tricky.Branch = "fix/{noformat}-#1"
	log := "=== RUN TestPublish\n    publish_test.go:42: got {\"status\":\"late\"} want [on-time] | *x*\n" +
		"{noformat} injected\n--- FAIL: TestPublish (0.02s)\nFAIL"
	tests := []struct {
		name string
		got  string
	}{
		{name: "description_full.wiki", got: cinotify.Description(baseRun(), cinotify.Fingerprint(baseRun()),
			cinotify.Excerpt{Text: log, Truncated: true, MaxLines: 50})},
		{name: "description_escaped_no_log.wiki", got: cinotify.Description(tricky, cinotify.Fingerprint(tricky), cinotify.Excerpt{})},
		{name: "comment.wiki", got: cinotify.FailureComment(baseRun(), 0, 5)},
		{name: "comment_suppressed.wiki", got: cinotify.FailureComment(baseRun(), 3, 5)},
		{name: "green.wiki", got: cinotify.GreenComment(baseRun(), "Done")},
		{name: "summary.txt", got: cinotify.Summary(baseRun()) + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			repotest.Golden(t, filepath.Join("testdata", tc.name), []byte(tc.got), *update)
		})
	}
}

const (
	email = "bot@example.com"
	token = "cloud-token-SECRET-123"
	pat   = "dc-pat-SECRET-456"
)

func client(t *testing.T, srv *jiratest.Server) *jira.Client {
	t.Helper()
	c, err := jira.New(jira.Config{
		BaseURL: srv.URL, Flavour: jira.Flavour(srv.Flavour),
		Credentials: jira.Credentials{Email: email, APIToken: token, PAT: pat},
		Transport:   &httpretry.Transport{Jitter: func() float64 { return 1 }, Sleep: func(context.Context, time.Duration) error { return nil }},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func options(c *clock) cinotify.Options {
	return cinotify.Options{
		Project: "OPS", IssueType: "Bug", Labels: []string{"team-platform"}, Components: []string{"platform"},
		MaxCommentsPerDay: 2, DoneTransition: "done", Now: c.Now,
		Retry: &httpretry.Transport{Jitter: func() float64 { return 1 }, Sleep: func(context.Context, time.Duration) error { return nil }},
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	fp := cinotify.Fingerprint(baseRun())
	search := map[string]string{jiratest.Cloud: "GET /rest/api/2/search/jql", jiratest.DataCenter: "GET /rest/api/2/search"}
	prop := "/rest/api/2/issue/OPS-1/properties/" + cinotify.GuardProperty
	for _, flavour := range []string{jiratest.Cloud, jiratest.DataCenter} {
		tests := []struct {
			name       string
			seed       bool
			fault      *jiratest.Fault
			wantAction string
			wantIssues int
			wantCalls  []string
			wantWaits  []time.Duration // httpretry's Wait before the re-search
		}{
			{
				name: "search_miss_creates", wantAction: cinotify.Created, wantIssues: 1,
				wantCalls: []string{search[flavour], "POST /rest/api/2/issue"},
			},
			{
				name: "search_hit_comments", seed: true, wantAction: cinotify.Commented, wantIssues: 1,
				wantCalls: []string{search[flavour], "GET " + prop, "POST /rest/api/2/issue/OPS-1/comment", "PUT " + prop},
			},
			{
				name:       "transport_error_after_create_finds_it_on_re_search",
				fault:      &jiratest.Fault{Method: "POST", Path: "/rest/api/2/issue", Drop: true, DropAfter: true},
				wantAction: cinotify.Created, wantIssues: 1,
				wantCalls: []string{search[flavour], "POST /rest/api/2/issue", search[flavour]},
				wantWaits: []time.Duration{time.Second},
			},
			{
				name:       "transport_error_before_create_re_searches_then_re_creates",
				fault:      &jiratest.Fault{Method: "POST", Path: "/rest/api/2/issue", Drop: true},
				wantAction: cinotify.Created, wantIssues: 1,
				wantCalls: []string{search[flavour], "POST /rest/api/2/issue", search[flavour], "POST /rest/api/2/issue"},
				wantWaits: []time.Duration{time.Second},
			},
			{
				name:       "bad_gateway_on_create_re_searches_then_re_creates",
				fault:      &jiratest.Fault{Method: "POST", Path: "/rest/api/2/issue", Status: 502, Body: `{"message":"Bad Gateway"}`},
				wantAction: cinotify.Created, wantIssues: 1,
				wantCalls: []string{search[flavour], "POST /rest/api/2/issue", search[flavour], "POST /rest/api/2/issue"},
				wantWaits: []time.Duration{time.Second},
			},
		}
		for _, tc := range tests {
			t.Run(flavour+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := jiratest.New(t, flavour, email, token, pat)
				if tc.seed {
					srv.Seed(jiratest.Issue{Summary: "old", Labels: []string{"ci-failure", fp}})
				}
				if tc.fault != nil {
					srv.AddFault(*tc.fault)
				}
				opts := options(&clock{time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)})
				var waits []time.Duration
				opts.Retry = &httpretry.Transport{Jitter: func() float64 { return 1 }, Sleep: func(_ context.Context, d time.Duration) error {
					waits = append(waits, d)
					return nil
				}}
				res, err := cinotify.Open(t.Context(), client(t, srv), baseRun(), opts)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if diff := cmp.Diff(waits, tc.wantWaits); diff != "" {
					t.Errorf("waits (-got +want):\n%s", diff)
				}
				if res.Action != tc.wantAction || res.Key != "OPS-1" || res.Fingerprint != fp {
					t.Errorf("result %+v, want %s OPS-1 %s", res, tc.wantAction, fp)
				}
				if diff := cmp.Diff(jiratest.Calls(srv.Requests()), tc.wantCalls); diff != "" {
					t.Errorf("calls (-got +want):\n%s", diff)
				}
				issues := srv.Issues()
				if len(issues) != tc.wantIssues {
					t.Fatalf("issues = %d, want %d", len(issues), tc.wantIssues)
				}
				if !tc.seed {
					if diff := cmp.Diff(issues[0].Labels, []string{"ci-failure", fp, "team-platform"}); diff != "" {
						t.Errorf("labels (-got +want):\n%s", diff)
					}
					if !strings.Contains(string(issues[0].Fields["description"]), "{noformat}") && strings.Contains(tc.name, "log") {
						t.Errorf("description lacks the log excerpt")
					}
				} else if len(issues[0].Comments) != 1 || !strings.Contains(issues[0].Comments[0], "/actions/runs/9876543210/attempts/2") {
					t.Errorf("comments %q, want one linking the run attempt", issues[0].Comments)
				}
			})
		}
	}
}

func TestSpamGuard(t *testing.T) {
	t.Parallel()
	srv := jiratest.New(t, jiratest.Cloud, email, token, pat)
	c := client(t, srv)
	clk := &clock{time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	opts := options(clk) // at most 2 comments per day
	var actions []string
	for i := range 6 {
		r := baseRun()
		r.RunID = string(rune('1' + i))
		if i == 5 {
			clk.t = clk.t.Add(24 * time.Hour) // next day
		}
		res, err := cinotify.Open(t.Context(), c, r, opts)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		actions = append(actions, res.Action)
	}
	want := []string{cinotify.Created, cinotify.Commented, cinotify.Commented, cinotify.Skipped, cinotify.Skipped, cinotify.Commented}
	if diff := cmp.Diff(actions, want); diff != "" {
		t.Errorf("actions (-got +want):\n%s", diff)
	}
	comments := srv.Issues()[0].Comments
	if len(comments) != 3 {
		t.Fatalf("comments = %d, want 3", len(comments))
	}
	if !strings.Contains(comments[2], "2 more failures since the last comment") {
		t.Errorf("next-day comment %q does not count the 2 suppressed failures", comments[2])
	}
	if strings.Contains(comments[1], "more failure") {
		t.Errorf("comment %q mentions suppressed failures although none were", comments[1])
	}
}

// TestEventuallyConsistentSearch documents the limit the README's serialized
// job remedy addresses: a search that runs before the index has caught up
// with a just-created ticket misses it, and a duplicate is filed.
func TestEventuallyConsistentSearch(t *testing.T) {
	t.Parallel()
	srv := jiratest.New(t, jiratest.Cloud, email, token, pat)
	srv.SetSearchLag(1)
	c := client(t, srv)
	opts := options(&clock{time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)})
	for range 3 {
		if _, err := cinotify.Open(t.Context(), c, baseRun(), opts); err != nil {
			t.Fatal(err)
		}
	}
	// Run 1 creates OPS-1; run 2 searches before the index has it and files
	// the duplicate OPS-2; run 3 finds OPS-1 and comments.
	issues := srv.Issues()
	if len(issues) != 2 || len(issues[0].Comments) != 1 || len(issues[1].Comments) != 0 {
		t.Errorf("got %d issues (comments %d/%d); want the documented single duplicate, then dedup", len(issues), len(issues[0].Comments), len(issues[len(issues)-1].Comments))
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	fp := cinotify.Fingerprint(baseRun())
	tests := []struct {
		name        string
		seed        bool
		transitions []jiratest.Transition
		wantAction  string
		wantErr     bool
		wantCalls   []string
	}{
		{
			name: "transition_looked_up_by_name", seed: true, wantAction: cinotify.Closed,
			transitions: []jiratest.Transition{{ID: "5", Name: "Reopen", To: "Open", ToCategory: "new"}, {ID: "771", Name: "Done", To: "Resolved", ToCategory: "done"}},
			wantCalls: []string{"GET /rest/api/2/search/jql", "GET /rest/api/2/issue/OPS-1/transitions",
				"POST /rest/api/2/issue/OPS-1/comment", "POST /rest/api/2/issue/OPS-1/transitions"},
		},
		{
			name: "no_open_ticket_skips", wantAction: cinotify.Skipped,
			wantCalls: []string{"GET /rest/api/2/search/jql"},
		},
		{
			name: "missing_transition_is_an_error_before_any_write", seed: true, wantErr: true,
			transitions: []jiratest.Transition{{ID: "5", Name: "Reopen", To: "Open", ToCategory: "new"}},
			wantCalls:   []string{"GET /rest/api/2/search/jql", "GET /rest/api/2/issue/OPS-1/transitions"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jiratest.New(t, jiratest.Cloud, email, token, pat)
			if tc.seed {
				srv.Seed(jiratest.Issue{Summary: "old", Labels: []string{"ci-failure", fp}})
			}
			if tc.transitions != nil {
				srv.SetTransitions(tc.transitions...)
			}
			res, err := cinotify.Close(t.Context(), client(t, srv), baseRun(), options(&clock{}))
			var tnf *cinotify.TransitionNotFoundError
			if tc.wantErr != errors.As(err, &tnf) {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && (err != nil || res.Action != tc.wantAction) {
				t.Errorf("result %+v err %v, want %s", res, err, tc.wantAction)
			}
			if diff := cmp.Diff(jiratest.Calls(srv.Requests()), tc.wantCalls); diff != "" {
				t.Errorf("calls (-got +want):\n%s", diff)
			}
			if tc.wantAction == cinotify.Closed {
				got := srv.Requests()[3].Body
				if !strings.Contains(got, `"id":"771"`) {
					t.Errorf("transition body %s, want id 771 found by name", got)
				}
				if is := srv.Issues()[0]; is.StatusCategory != "done" || !strings.Contains(is.Comments[0], "green again") {
					t.Errorf("issue %+v, want done with a green comment", is)
				}
			}
		})
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	fp := cinotify.Fingerprint(baseRun())
	srv := jiratest.New(t, jiratest.Cloud, email, token, pat)
	srv.Seed(jiratest.Issue{Summary: "old", Labels: []string{"ci-failure", fp}})
	dry := &cinotify.DryRun{Reader: client(t, srv)}
	res, err := cinotify.Open(t.Context(), dry, baseRun(), options(&clock{time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}))
	if err != nil || res.Action != cinotify.Commented {
		t.Fatalf("dry Open: %+v %v", res, err)
	}
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			t.Errorf("dry run sent %s %s", r.Method, r.Path)
		}
	}
	var planned []string
	for _, p := range dry.Planned {
		planned = append(planned, p.Method+" "+p.Path)
	}
	want := []string{"POST /rest/api/2/issue/OPS-1/comment", "PUT /rest/api/2/issue/OPS-1/properties/" + cinotify.GuardProperty}
	if diff := cmp.Diff(planned, want); diff != "" {
		t.Errorf("planned (-got +want):\n%s", diff)
	}
	if len(srv.Issues()[0].Comments) != 0 {
		t.Errorf("dry run commented")
	}
}
