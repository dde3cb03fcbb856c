package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFleet lists a saved catalog response (services at three versions and
// one without the version annotation), looking the open upgrade pull
// requests up in a fake of GitHub's pulls API.
func TestFleet(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+" "+r.URL.Query().Get("head"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/repos/acme/payments-api/pulls" && r.URL.Query().Get("head") == "acme:golden-path/upgrade-0.3.0" {
			_, _ = w.Write([]byte(`[{"number": 12, "state": "open", "html_url": "https://github.com/acme/payments-api/pull/12", "head": {"ref": "golden-path/upgrade-0.3.0"}, "base": {"ref": "main"}}]`))
			return
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	changelog := filepath.Join(t.TempDir(), "CHANGELOG.md")
	if err := os.WriteFile(changelog, []byte("# Changelog\n\n## Unreleased\n\n## 0.3.0 — c\n\n## 0.2.0 — b\n\n## 0.1.0 — a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_TOKEN": "ghs_x", "GITHUB_API_URL": srv.URL}
	var stdout, stderr bytes.Buffer
	args := []string{"--catalog-file", "../internal/fleet/testdata/catalog.json", "--changelog", changelog, "--format", "markdown"}
	if err := runFleet(t.Context(), args, nil, &stdout, &stderr, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("fleet: %v\n%s", err, stderr.String())
	}
	want, err := os.ReadFile("../internal/fleet/testdata/fleet.markdown")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stdout.String(), string(want)); diff != "" {
		t.Errorf("fleet (-got +want):\n%s", diff)
	}
	slices.Sort(seen)
	if diff := cmp.Diff(seen, []string{"/repos/acme/baggage/pulls acme:golden-path/upgrade-0.3.0", "/repos/acme/payments-api/pulls acme:golden-path/upgrade-0.3.0"}); diff != "" {
		t.Errorf("GitHub requests (-got +want):\n%s", diff)
	}
	err = runFleet(t.Context(), []string{"--format", "text"}, nil, &bytes.Buffer{}, &bytes.Buffer{}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "give one of --catalog and --catalog-file") {
		t.Errorf("without a catalog: %v", err)
	}
}
