package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestFleetView(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page, err := DecodePage(f)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	pr := func(_ context.Context, slug, version string) (string, error) {
		asked = append(asked, slug+"@"+version)
		if slug == "acme/payments-api" {
			return "https://github.com/acme/payments-api/pull/12", nil
		}
		return "", nil
	}
	rows, err := Build(t.Context(), page.Items, []string{"0.1.0", "0.2.0", "0.3.0"}, pr)
	if err != nil {
		t.Fatal(err)
	}
	// Only the services behind are looked up, for the latest version.
	if diff := cmp.Diff(asked, []string{"acme/payments-api@0.3.0", "acme/baggage@0.3.0"}); diff != "" {
		t.Errorf("pull request lookups (-got +want):\n%s", diff)
	}
	for _, format := range []string{"text", "json", "markdown"} {
		var buf bytes.Buffer
		if err := Write(&buf, format, rows); err != nil {
			t.Fatal(err)
		}
		repotest.Golden(t, filepath.Join("testdata", "fleet."+format), buf.Bytes(), *update)
	}
	if err := Write(&bytes.Buffer{}, "yaml", rows); err == nil {
		t.Error("Write yaml: no error")
	}
}

func TestFetchFollowsTheCursor(t *testing.T) {
	t.Parallel()
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/catalog/entities/by-query" || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		queries = append(queries, r.URL.RawQuery)
		p := Page{}
		e := Entity{Kind: "Component"}
		if r.URL.Query().Get("cursor") == "" {
			e.Metadata.Name = "one"
			p.PageInfo.NextCursor = "c2"
		} else {
			e.Metadata.Name = "two"
		}
		p.Items = []Entity{e}
		_ = json.NewEncoder(w).Encode(p)
	}))
	t.Cleanup(srv.Close)
	got, err := Fetch(t.Context(), srv.Client(), srv.URL+"/", "tok", "template:default/go-flight-events-service")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Metadata.Name != "one" || got[1].Metadata.Name != "two" {
		t.Errorf("entities %+v, want one and two", got)
	}
	want := []string{
		"filter=kind%3Dcomponent%2Cmetadata.annotations.backstage.io%2Fsource-template%3Dtemplate%3Adefault%2Fgo-flight-events-service&limit=100",
		"cursor=c2",
	}
	if diff := cmp.Diff(queries, want); diff != "" {
		t.Errorf("queries (-got +want):\n%s", diff)
	}
}
