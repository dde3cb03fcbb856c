package github_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/github"
)

type ghPull struct {
	Number  int    `json:"number"`
	Title   string `json:"title"`
	Body    string `json:"body"`
	State   string `json:"state"`
	HTMLURL string `json:"html_url"`
	Head    struct {
		Ref string `json:"ref"`
	} `json:"head"`
	Base struct {
		Ref string `json:"ref"`
	} `json:"base"`
}

// fakePulls reproduces the documented shapes of the pulls REST API:
// GET /repos/{o}/{r}/pulls?state=open&head=o:branch&base=b (filtered list),
// POST /repos/{o}/{r}/pulls (201), PATCH /repos/{o}/{r}/pulls/{n} (200).
type fakePulls struct {
	t     *testing.T
	mu    sync.Mutex
	pulls []ghPull
	log   []string
}

func (f *fakePulls) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, r.Method+" "+r.URL.RequestURI())
	if r.Header.Get("Authorization") != "Bearer "+token {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/repos/acme/svc/pulls":
		q := r.URL.Query()
		out := []ghPull{}
		for _, p := range f.pulls {
			if p.State == q.Get("state") && "acme:"+p.Head.Ref == q.Get("head") && p.Base.Ref == q.Get("base") {
				out = append(out, p)
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	case r.Method == http.MethodPost && r.URL.Path == "/repos/acme/svc/pulls":
		var in struct{ Title, Head, Base, Body string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			f.t.Errorf("POST body: %v", err)
		}
		p := ghPull{Number: 40 + len(f.pulls), Title: in.Title, Body: in.Body, State: "open"}
		p.Head.Ref, p.Base.Ref = in.Head, in.Base
		p.HTMLURL = fmt.Sprintf("https://github.com/acme/svc/pull/%d", p.Number)
		f.pulls = append(f.pulls, p)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(p)
	case r.Method == http.MethodPatch:
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/repos/acme/svc/pulls/%d", &n); err != nil {
			http.NotFound(w, r)
			return
		}
		var in struct{ Title, Body string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			f.t.Errorf("PATCH body: %v", err)
		}
		for i := range f.pulls {
			if f.pulls[i].Number == n {
				f.pulls[i].Title, f.pulls[i].Body = in.Title, in.Body
				_ = json.NewEncoder(w).Encode(f.pulls[i])
				return
			}
		}
		http.NotFound(w, r)
	default:
		http.NotFound(w, r)
	}
}

func TestUpsertPull(t *testing.T) {
	t.Parallel()
	f := &fakePulls{t: t}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	c, err := github.New(github.Config{BaseURL: srv.URL, Owner: "acme", Repo: "svc", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	const head, list = "golden-path/upgrade-0.2.0", "GET /repos/acme/svc/pulls?base=main&head=acme%3Agolden-path%2Fupgrade-0.2.0&per_page=10&state=open"
	steps := []struct {
		name, body string
		want       github.Pull
		wantLog    []string
	}{
		{"creates", "first", github.Pull{Action: "created", Number: 40, URL: "https://github.com/acme/svc/pull/40"}, []string{list, "POST /repos/acme/svc/pulls"}},
		{"updates_on_a_rerun", "second", github.Pull{Action: "updated", Number: 40, URL: "https://github.com/acme/svc/pull/40"}, []string{list, "PATCH /repos/acme/svc/pulls/40"}},
		{"nothing_when_up_to_date", "second", github.Pull{Action: "unchanged", Number: 40, URL: "https://github.com/acme/svc/pull/40"}, []string{list}},
	}
	for _, s := range steps {
		f.log = nil
		got, err := c.UpsertPull(t.Context(), head, "main", "Template upgrade to 0.2.0", s.body)
		if err != nil {
			t.Fatalf("%s: UpsertPull: %v", s.name, err)
		}
		if diff := cmp.Diff(*got, s.want); diff != "" {
			t.Errorf("%s: pull (-got +want):\n%s", s.name, diff)
		}
		if diff := cmp.Diff(f.log, s.wantLog); diff != "" {
			t.Errorf("%s: requests (-got +want):\n%s", s.name, diff)
		}
	}
	if len(f.pulls) != 1 || f.pulls[0].Body != "second" {
		t.Errorf("pulls %+v, want one with the second body", f.pulls)
	}
}
