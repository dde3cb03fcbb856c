package dora_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/dora"
	"github.com/acme-platform/golden-path/tools/internal/github"
	"github.com/acme-platform/golden-path/tools/internal/httpretry"
	"github.com/acme-platform/golden-path/tools/internal/jira"
	"github.com/acme-platform/golden-path/tools/internal/jira/jiratest"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// sha is a 40-hex commit id starting with prefix.
func sha(prefix string) string { return prefix + strings.Repeat("0", 40-len(prefix)) }

type run struct {
	id       int64
	sha, end string
}

type commit struct{ sha, at string }

// fakeGitHub answers the two documented endpoints the metrics read:
// GET /repos/{o}/{r}/actions/workflows/{file}/runs (newest first) and
// GET /repos/{o}/{r}/compare/{base}...{head}.
func fakeGitHub(t *testing.T, runs []run, compares map[string][]commit) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /repos/acme/flight-events/actions/workflows/deploy.yml/runs", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("branch") != "main" || q.Get("status") != "success" {
			t.Errorf("runs listed with %v, want branch=main status=success", q)
		}
		var out []map[string]any
		for i := len(runs) - 1; i >= 0; i-- {
			out = append(out, map[string]any{"id": runs[i].id, "head_sha": runs[i].sha, "head_branch": "main", "status": "completed",
				"conclusion": "success", "updated_at": at(runs[i].end).Format(time.RFC3339)})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"total_count": len(out), "workflow_runs": out})
	})
	mux.HandleFunc("GET /repos/acme/flight-events/compare/{spec}", func(w http.ResponseWriter, r *http.Request) {
		cs, ok := compares[r.PathValue("spec")]
		if !ok {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		var out []map[string]any
		for _, c := range cs {
			out = append(out, map[string]any{"sha": c.sha, "commit": map[string]any{"committer": map[string]any{"date": at(c.at).Format(time.RFC3339)}}})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "ahead", "total_commits": len(out), "commits": out})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func desc(commitSHA string) json.RawMessage {
	b, _ := json.Marshal("* Commit: [" + commitSHA[:7] + "|https://github.com/acme/flight-events/commit/" + commitSHA + "]")
	return b
}

// TestThirtyDays scripts 30 days of one service: 4 deploys (plus the one
// before the window), 7 commits, 3 ci-failure tickets and 4 incidents. The
// expected keys are worked out by hand in the comments.
func TestThirtyDays(t *testing.T) {
	t.Parallel()
	start, end := at("2026-11-01 00:00"), at("2026-12-01 00:00")
	gh := fakeGitHub(t, []run{
		{1, sha("a0"), "2026-10-30 12:00"}, // before the window: the baseline
		{2, sha("a1"), "2026-11-02 12:00"},
		{3, sha("a2"), "2026-11-10 12:00"},
		{4, sha("a3"), "2026-11-20 12:00"},
		{5, sha("a4"), "2026-11-28 12:00"},
	}, map[string][]commit{
		sha("a0") + "..." + sha("a1"): {{sha("c1"), "2026-11-02 08:00"}, {sha("c2"), "2026-11-02 10:00"}},                                  // 4 h, 2 h
		sha("a1") + "..." + sha("a2"): {{sha("c3"), "2026-11-09 12:00"}},                                                                   // 24 h
		sha("a2") + "..." + sha("a3"): {{sha("c4"), "2026-11-20 11:00"}, {sha("c5"), "2026-11-19 12:00"}, {sha("c6"), "2026-11-18 12:00"}}, // 1, 24, 48 h
		sha("a3") + "..." + sha("a4"): {{sha("c7"), "2026-11-28 06:00"}},                                                                   // 6 h
	})
	jr := jiratest.New(t, jiratest.Cloud, "dora@example.com", "tok", "")
	seed := func(label, created, resolved string, description json.RawMessage) {
		is := jiratest.Issue{Summary: label, Labels: []string{label}, Created: at(created), Fields: map[string]json.RawMessage{"description": description}}
		if resolved != "" {
			is.Resolved, is.Status, is.StatusCategory = at(resolved), "Done", "done"
		}
		jr.Seed(is)
	}
	seed("ci-failure", "2026-11-10 13:00", "2026-11-10 15:00", desc(sha("c3"))) // after deploy 3 shipped c3: fails run 3
	seed("ci-failure", "2026-11-01 09:00", "2026-11-01 10:00", desc(sha("c1"))) // before c1 was deployed: not a deploy failure
	seed("ci-failure", "2026-11-15 09:00", "", desc(sha("dd")))                 // a commit never deployed (a PR): ignored
	seed("ci-failure", "2026-10-20 09:00", "", desc(sha("a0")))                 // before the window: not read
	seed("alert", "2026-11-21 00:00", "2026-11-21 02:00", nil)                  // run 4 live; 2 h
	seed("alert", "2026-11-22 00:00", "2026-11-22 06:00", nil)                  // run 4 again; 6 h
	seed("alert", "2026-11-29 00:00", "2026-11-29 01:00", nil)                  // run 5 live; 1 h
	seed("alert", "2026-11-30 00:00", "", nil)                                  // run 5; unresolved

	retry := &httpretry.Transport{Sleep: func(context.Context, time.Duration) error { return nil }}
	ghc, err := github.New(github.Config{BaseURL: gh.URL, Owner: "acme", Repo: "flight-events", Token: "ghs_x", Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	jc, err := jira.New(jira.Config{BaseURL: jr.URL, Flavour: jira.Cloud, Credentials: jira.Credentials{Email: "dora@example.com", APIToken: "tok"}, Transport: retry})
	if err != nil {
		t.Fatal(err)
	}
	h, err := dora.Collect(t.Context(), ghc, jc, dora.Source{Workflow: "deploy.yml", Branch: "main", Project: "OPS", FailureLabel: "ci-failure", IncidentLabel: "alert"}, start, end)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	got := dora.Compute(h, start, end)
	want := dora.Report{
		SchemaVersion: 1, Start: "2026-11-01T00:00:00Z", End: "2026-12-01T00:00:00Z", Days: 30,
		Deployments:        4,
		DeploymentsPerDay:  0.13, // 4 / 30
		DeploymentsPerWeek: 0.93, // 4 × 7 / 30
		Commits:            7,
		// lead times sorted: 1 2 4 6 24 24 48 h; median = 4th of 7; p90 = ceil(6.3) = 7th
		LeadTimeMedianHours: 6, LeadTimeP90Hours: 48,
		// run 3 (ci-failure on c3), run 4 (two incidents), run 5 (two incidents); run 2 clean
		FailedDeployments: 3, ChangeFailureRate: 0.75, FailedRuns: []int64{3, 4, 5},
		FailureTickets: []string{"OPS-1", "OPS-5", "OPS-6", "OPS-7", "OPS-8"},
		Incidents:      4, UnresolvedIncidents: 1,
		// restores sorted: 1 2 6 h; median = 2nd; p90 = ceil(2.7) = 3rd
		TimeToRestoreMedianHours: 2, TimeToRestoreP90Hours: 6,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("report (-got +want):\n%s", diff)
	}

	var text, md bytes.Buffer
	if err := dora.Write(&text, got, dora.Text); err != nil {
		t.Fatal(err)
	}
	if err := dora.Write(&md, got, dora.Markdown); err != nil {
		t.Fatal(err)
	}
	wantText := `DORA metrics 2026-11-01T00:00:00Z .. 2026-12-01T00:00:00Z (30 days)
  Deployment frequency   4 deploys (0.13/day, 0.93/week)
  Lead time for changes  median 6.00 h, p90 48.00 h over 7 commits
  Change failure rate    75 % (3 of 4 deploys)
  Time to restore        median 2.00 h, p90 6.00 h over 3 incidents (1 unresolved)
`
	if diff := cmp.Diff(text.String(), wantText); diff != "" {
		t.Errorf("text (-got +want):\n%s", diff)
	}
	if !strings.HasPrefix(md.String(), "### DORA metrics, 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z (30 days)\n\n| Key | Value |\n|---|---|\n| Deployment frequency | 4 deploys (0.13/day, 0.93/week) |\n") {
		t.Errorf("markdown:\n%s", md.String())
	}
	if err := dora.Write(&bytes.Buffer{}, got, "yaml"); err == nil {
		t.Error("an unknown format was accepted")
	}
}

func TestEmptyWindow(t *testing.T) {
	t.Parallel()
	got := dora.Compute(dora.History{}, at("2026-11-01 00:00"), at("2026-11-08 00:00"))
	want := dora.Report{SchemaVersion: 1, Start: "2026-11-01T00:00:00Z", End: "2026-11-08T00:00:00Z", Days: 7, FailedRuns: []int64{}, FailureTickets: []string{}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("report (-got +want):\n%s", diff)
	}
	var b bytes.Buffer
	if err := dora.Write(&b, got, dora.JSON); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"failed_deploy_runs": []`) {
		t.Errorf("JSON lists no runs as null: %s", b.String())
	}
}
