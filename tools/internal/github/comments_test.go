package github_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/github"
	"github.com/acme-platform/golden-path/tools/internal/httpretry"
)

const (
	token  = "ghs_secretTOKEN123"
	marker = "<!-- costgate: finops-gate -->"
)

type ghComment struct {
	ID      int64  `json:"id"`
	Body    string `json:"body"`
	HTMLURL string `json:"html_url"`
	User    struct {
		Login string `json:"login"`
	} `json:"user"`
}

// fakeGitHub reproduces the documented shapes of the issue comments REST API:
// GET /repos/{o}/{r}/issues/{n}/comments (paginated, Link header), POST the same path (201),
// PATCH /repos/{o}/{r}/issues/comments/{id} (200). It records requests and can inject failures.
type fakeGitHub struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	comments []ghComment
	nextID   int64
	perPage  int
	log      []string
	// faults: per "METHOD", statuses to answer (in order) before serving normally.
	faults map[string][]int
	// postCreatesThenFails: the POST stores the comment but answers 500 (a lost response).
	postCreatesThenFails bool
	foreignLink          bool
}

func newFake(t *testing.T, existing ...string) *fakeGitHub {
	f := &fakeGitHub{t: t, nextID: 1000, perPage: 2, faults: map[string][]int{}}
	for _, b := range existing {
		f.add(b)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) add(body string) ghComment {
	f.nextID++
	c := ghComment{ID: f.nextID, Body: body, HTMLURL: fmt.Sprintf("https://github.com/acme/svc/pull/7#issuecomment-%d", f.nextID)}
	c.User.Login = "github-actions[bot]"
	f.comments = append(f.comments, c)
	return c
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	entry := r.Method + " " + r.URL.Path
	if p := r.URL.Query().Get("page"); p != "" {
		entry += "?page=" + p
	}
	f.log = append(f.log, entry)
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	if got := r.Header.Get("Accept"); got != "application/vnd.github+json" {
		f.t.Errorf("%s: Accept = %q", entry, got)
	}
	if got := r.Header.Get("X-GitHub-Api-Version"); got != "2022-11-28" {
		f.t.Errorf("%s: X-GitHub-Api-Version = %q", entry, got)
	}
	if q := f.faults[r.Method]; len(q) > 0 {
		f.faults[r.Method] = q[1:]
		if q[0] == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "2")
		}
		w.WriteHeader(q[0])
		fmt.Fprintf(w, `{"message":"injected %d","documentation_url":"https://docs.github.com/rest"}`, q[0])
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/repos/acme/svc/issues/7/comments":
		if r.URL.Query().Get("per_page") != "100" {
			f.t.Errorf("list without per_page=100: %s", r.URL.RawQuery)
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		start := min((page-1)*f.perPage, len(f.comments))
		end := min(start+f.perPage, len(f.comments))
		last := (len(f.comments) + f.perPage - 1) / f.perPage
		var links []string
		base := f.srv.URL
		if f.foreignLink {
			base = "https://evil.example"
		}
		if page < last {
			links = append(links, fmt.Sprintf(`<%s/repos/acme/svc/issues/7/comments?per_page=100&page=%d>; rel="next"`, base, page+1))
			links = append(links, fmt.Sprintf(`<%s/repos/acme/svc/issues/7/comments?per_page=100&page=%d>; rel="last"`, base, last))
		}
		if len(links) > 0 {
			w.Header().Set("Link", strings.Join(links, ", "))
		}
		_ = json.NewEncoder(w).Encode(f.comments[start:end])
	case r.Method == http.MethodPost && r.URL.Path == "/repos/acme/svc/issues/7/comments":
		body := f.decodeBody(r)
		c := f.add(body)
		if f.postCreatesThenFails {
			f.postCreatesThenFails = false
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"message":"Server Error"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(c)
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/repos/acme/svc/issues/comments/"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/repos/acme/svc/issues/comments/"), 10, 64)
		body := f.decodeBody(r)
		for i := range f.comments {
			if f.comments[i].ID == id {
				f.comments[i].Body = body
				_ = json.NewEncoder(w).Encode(f.comments[i])
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found"}`)
	}
}

func (f *fakeGitHub) decodeBody(r *http.Request) string {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("%s %s: Content-Type = %q", r.Method, r.URL.Path, ct)
	}
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.t.Errorf("decode body: %v", err)
	}
	if len(in) != 1 {
		f.t.Errorf("body has keys %v, want only body", in)
	}
	s, _ := in["body"].(string)
	return s
}

// config is a client of the fake whose retry transport records its waits instead of sleeping.
func (f *fakeGitHub) config(sleeps *[]time.Duration) github.Config {
	return github.Config{
		BaseURL: f.srv.URL, Owner: "acme", Repo: "svc", Token: token,
		Retry: &httpretry.Transport{
			Base:   f.srv.Client().Transport,
			Jitter: func() float64 { return 1 },
			Sleep: func(_ context.Context, d time.Duration) error {
				if sleeps != nil {
					*sleeps = append(*sleeps, d)
				}
				return nil
			},
		},
	}
}

func upsert(t *testing.T, cfg github.Config, body string) (*github.Result, error) {
	t.Helper()
	c, err := github.New(cfg)
	if err != nil {
		return nil, err
	}
	return c.UpsertComment(t.Context(), 7, marker, body)
}

func TestUpsert(t *testing.T) {
	t.Parallel()
	body := marker + "\n### 💰 Monthly estimate increased by $1.00 📈\n"
	tests := []struct {
		name       string
		existing   []string
		setup      func(f *fakeGitHub)
		wantAction string
		wantLog    []string
		wantSleeps []time.Duration
		wantBodies []string
	}{
		{
			name:       "creates_when_absent_after_reading_all_pages",
			existing:   []string{"LGTM", "please fix", "[//]: <> (infracost-comment)\nother tool"},
			wantAction: "created",
			wantLog:    []string{"GET /repos/acme/svc/issues/7/comments", "GET /repos/acme/svc/issues/7/comments?page=2", "POST /repos/acme/svc/issues/7/comments"},
			wantBodies: []string{"LGTM", "please fix", "[//]: <> (infracost-comment)\nother tool", body},
		},
		{
			name:       "updates_marker_comment_on_second_page",
			existing:   []string{"LGTM", "nit", marker + "\nold estimate", "later"},
			wantAction: "updated",
			wantLog:    []string{"GET /repos/acme/svc/issues/7/comments", "GET /repos/acme/svc/issues/7/comments?page=2", "PATCH /repos/acme/svc/issues/comments/1003"},
			wantBodies: []string{"LGTM", "nit", body, "later"},
		},
		{
			name:       "marker_must_start_the_body",
			existing:   []string{"quoting: " + marker},
			wantAction: "created",
			wantLog:    []string{"GET /repos/acme/svc/issues/7/comments", "POST /repos/acme/svc/issues/7/comments"},
			wantBodies: []string{"quoting: " + marker, body},
		},
		{
			name:       "retries_list_on_502_and_429_honouring_retry_after",
			existing:   []string{marker + "\nold"},
			setup:      func(f *fakeGitHub) { f.faults["GET"] = []int{502, 429} },
			wantAction: "updated",
			wantLog: []string{"GET /repos/acme/svc/issues/7/comments", "GET /repos/acme/svc/issues/7/comments",
				"GET /repos/acme/svc/issues/7/comments", "PATCH /repos/acme/svc/issues/comments/1001"},
			wantSleeps: []time.Duration{time.Second, 2 * time.Second},
			wantBodies: []string{body},
		},
		{
			name:       "retries_patch_on_503",
			existing:   []string{marker + "\nold"},
			setup:      func(f *fakeGitHub) { f.faults["PATCH"] = []int{503} },
			wantAction: "updated",
			wantLog: []string{"GET /repos/acme/svc/issues/7/comments", "PATCH /repos/acme/svc/issues/comments/1001",
				"PATCH /repos/acme/svc/issues/comments/1001"},
			wantSleeps: []time.Duration{time.Second},
			wantBodies: []string{body},
		},
		{
			name:       "unsettled_patch_lists_again_then_updates",
			existing:   []string{marker + "\nold"},
			setup:      func(f *fakeGitHub) { f.faults["PATCH"] = []int{502} },
			wantAction: "updated",
			wantLog: []string{"GET /repos/acme/svc/issues/7/comments", "PATCH /repos/acme/svc/issues/comments/1001",
				"GET /repos/acme/svc/issues/7/comments", "PATCH /repos/acme/svc/issues/comments/1001"},
			wantSleeps: []time.Duration{time.Second},
			wantBodies: []string{body},
		},
		{
			name:       "lost_post_response_is_not_duplicated",
			setup:      func(f *fakeGitHub) { f.postCreatesThenFails = true },
			wantAction: "updated",
			wantLog: []string{"GET /repos/acme/svc/issues/7/comments", "POST /repos/acme/svc/issues/7/comments",
				"GET /repos/acme/svc/issues/7/comments", "PATCH /repos/acme/svc/issues/comments/1001"},
			wantSleeps: []time.Duration{time.Second},
			wantBodies: []string{body},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tt.existing...)
			if tt.setup != nil {
				tt.setup(f)
			}
			var sleeps []time.Duration
			res, err := upsert(t, f.config(&sleeps), body)
			if err != nil {
				t.Fatalf("Upsert: %v", err)
			}
			if res.Action != tt.wantAction || !strings.Contains(res.URL, "#issuecomment-") {
				t.Errorf("result = %+v, want action %s with a URL", res, tt.wantAction)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if diff := cmp.Diff(f.log, tt.wantLog); diff != "" {
				t.Errorf("requests mismatch (-got +want):\n%s", diff)
			}
			if diff := cmp.Diff(sleeps, tt.wantSleeps); diff != "" {
				t.Errorf("sleeps mismatch (-got +want):\n%s", diff)
			}
			var bodies []string
			for _, c := range f.comments {
				bodies = append(bodies, c.Body)
			}
			if diff := cmp.Diff(bodies, tt.wantBodies); diff != "" {
				t.Errorf("comments mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

func TestUpsertErrors(t *testing.T) {
	t.Parallel()
	body := marker + "\nx\n"
	tests := []struct {
		name     string
		setup    func(f *fakeGitHub, c *github.Config)
		wantErr  string
		wantReqs int
	}{
		{
			name:     "gives_up_after_bounded_attempts",
			setup:    func(f *fakeGitHub, _ *github.Config) { f.faults["GET"] = []int{503, 503, 503, 503, 503} },
			wantErr:  "list comments: github GET /repos/acme/svc/issues/7/comments: 503 injected 503",
			wantReqs: 4,
		},
		{
			name:     "unsettled_post_gives_up_after_bounded_rounds",
			setup:    func(f *fakeGitHub, _ *github.Config) { f.faults["POST"] = []int{500, 500, 500, 500} },
			wantErr:  "create comment: github POST /repos/acme/svc/issues/7/comments: 500 injected 500",
			wantReqs: 8,
		},
		{
			name:     "bad_credentials_not_retried",
			setup:    func(_ *fakeGitHub, c *github.Config) { c.Token = "wrong" },
			wantErr:  "401 Bad credentials",
			wantReqs: 1,
		},
		{
			name:     "forbidden_without_rate_limit_not_retried",
			setup:    func(f *fakeGitHub, _ *github.Config) { f.faults["POST"] = []int{403} },
			wantErr:  "create comment: github POST /repos/acme/svc/issues/7/comments: 403 injected 403",
			wantReqs: 2,
		},
		{
			name: "pagination_to_another_host_refused",
			setup: func(f *fakeGitHub, _ *github.Config) {
				f.foreignLink = true
				f.add("a")
				f.add("b")
				f.add("c")
			},
			wantErr:  "pagination link points to another host (evil.example)",
			wantReqs: 1,
		},
		{
			name:     "no_token",
			setup:    func(_ *fakeGitHub, c *github.Config) { c.Token = "" },
			wantErr:  "no GitHub token",
			wantReqs: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			cfg := f.config(nil)
			tt.setup(f, &cfg)
			_, err := upsert(t, cfg, body)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Upsert error = %v, want %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error leaks the token: %v", err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.log) != tt.wantReqs {
				t.Errorf("%d requests %v, want %d", len(f.log), f.log, tt.wantReqs)
			}
		})
	}
}

func TestPRNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ref     string
		event   string
		want    int
		wantErr bool
	}{
		{name: "merge_ref", ref: "refs/pull/42/merge", want: 42},
		{name: "pull_request_event", ref: "refs/heads/main", event: `{"action":"synchronize","number":9,"pull_request":{"number":9}}`, want: 9},
		{name: "issue_comment_event", event: `{"issue":{"number":5}}`, want: 5},
		{name: "push_event", ref: "refs/heads/main", event: `{"ref":"refs/heads/main"}`, wantErr: true},
		{name: "bad_payload", event: `{`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := github.PRNumber(tt.ref, []byte(tt.event))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("PRNumber = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
