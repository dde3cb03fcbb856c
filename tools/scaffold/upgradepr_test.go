package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/cli"
)

// TestUpgradePR runs the command twice against a fake of GitHub's pulls
// API: the first run opens the pull request of the version's branch, the
// second finds it current and changes nothing.
func TestUpgradePR(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		open []map[string]any
		log  []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, r.Method+" "+r.URL.RequestURI())
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case http.MethodGet:
			_ = json.NewEncoder(w).Encode(open)
		case http.MethodPost:
			var in struct{ Title, Head, Base, Body string }
			_ = json.NewDecoder(r.Body).Decode(&in)
			// The documented shape: head and base are branch objects.
			pr := map[string]any{
				"number": 7, "html_url": "https://github.com/acme/svc/pull/7", "state": "open", "title": in.Title, "body": in.Body,
				"head": map[string]any{"ref": in.Head}, "base": map[string]any{"ref": in.Base},
			}
			open = append(open, pr)
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(pr)
		default:
			http.Error(w, `{"message":"unexpected"}`, http.StatusMethodNotAllowed)
		}
	}))
	t.Cleanup(srv.Close)
	body := filepath.Join(t.TempDir(), "body.md")
	if err := os.WriteFile(body, []byte("Template upgrade from 0.1.0 to 0.2.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_TOKEN": "ghs_x", "GITHUB_REPOSITORY": "acme/svc", "GITHUB_API_URL": srv.URL}
	args := []string{"--version", "0.2.0", "--body-file", body}
	const list = "GET /repos/acme/svc/pulls?base=main&head=acme%3Agolden-path%2Fupgrade-0.2.0&per_page=10&state=open"
	for _, step := range []struct {
		wantOut string
		wantLog []string
	}{
		{"created pull request #7 https://github.com/acme/svc/pull/7\n", []string{list, "POST /repos/acme/svc/pulls"}},
		{"unchanged pull request #7 https://github.com/acme/svc/pull/7\n", []string{list}},
	} {
		log = nil
		var stdout, stderr bytes.Buffer
		if err := runUpgradePR(t.Context(), args, nil, &stdout, &stderr, func(k string) string { return env[k] }); err != nil {
			t.Fatalf("upgrade-pr: %v\n%s", err, stderr.String())
		}
		if stdout.String() != step.wantOut {
			t.Errorf("stdout %q, want %q", stdout.String(), step.wantOut)
		}
		if diff := cmp.Diff(log, step.wantLog); diff != "" {
			t.Errorf("requests (-got +want):\n%s", diff)
		}
	}
	if open[0]["head"].(map[string]any)["ref"] != "golden-path/upgrade-0.2.0" || open[0]["title"] != "Template upgrade to 0.2.0" {
		t.Errorf("pull request %v", open[0])
	}

	err := runUpgradePR(t.Context(), []string{"--version", "0.2.0"}, nil, &bytes.Buffer{}, &bytes.Buffer{}, func(string) string { return "" })
	if cli.Code(err) != cli.BadInput || !strings.Contains(err.Error(), "--body-file are required") {
		t.Errorf("without --body-file: %v, want exit 2", err)
	}
}
