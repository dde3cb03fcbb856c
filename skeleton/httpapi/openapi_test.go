package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	flightevents "${{ values.goModule }}"
	"${{ values.goModule }}/httpapi"
)

var update = flag.Bool("update", false, "rewrite ../api/openapi.yaml from the code")

// goldenOpenAPI is the committed OpenAPI document of the service.
var goldenOpenAPI = filepath.Join("..", "api", "openapi.yaml")

func mustOpenAPI(t *testing.T, format string) []byte {
	t.Helper()
	b, err := httpapi.OpenAPI(format)
	if err != nil {
		t.Fatalf("OpenAPI(%q): %v", format, err)
	}
	return b
}

// TestOpenAPIGolden fails when api/openapi.yaml differs from what the code
// produces. Refresh with: go test ./httpapi -run TestOpenAPIGolden -update
func TestOpenAPIGolden(t *testing.T) {
	got := mustOpenAPI(t, "yaml")
	if *update {
		if err := os.WriteFile(goldenOpenAPI, got, 0o644); err != nil {
			t.Fatalf("update golden: %v", err)
		}
	}
	want, err := os.ReadFile(goldenOpenAPI)
	if err != nil {
		t.Fatalf("read golden (create it with -update): %v", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("api/openapi.yaml is stale; run go test ./httpapi -run TestOpenAPIGolden -update (-got +want):\n%s", diff)
	}
}

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	yamlDoc := mustOpenAPI(t, "yaml")
	jsonDoc := mustOpenAPI(t, "json")
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title   string `json:"title"`
			Version string `json:"version"`
		} `json:"info"`
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(jsonDoc, &doc); err != nil {
		t.Fatalf("OpenAPI(json) is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info.Title != "Flight events API" || doc.Info.Version != httpapi.Version {
		t.Errorf("openapi %q title %q version %q, want 3.1.0, Flight events API, %s", doc.OpenAPI, doc.Info.Title, doc.Info.Version, httpapi.Version)
	}
	ops := map[string]string{}
	for p, methods := range doc.Paths {
		for m, op := range methods {
			ops[m+" "+p] = op.OperationID
		}
	}
	if diff := cmp.Diff(ops, map[string]string{"get /datos": "list-datos", "get /healthz": "healthz", "get /readyz": "readyz"}); diff != "" {
		t.Errorf("operations (-got +want):\n%s", diff)
	}
	for _, tok := range []string{"${" + "{", "{" + "%", "undef" + "ined", "$schema"} {
		if bytes.Contains(yamlDoc, []byte(tok)) {
			t.Errorf("OpenAPI document contains %q", tok)
		}
	}
	if _, err := httpapi.OpenAPI("xml"); err == nil || !strings.Contains(err.Error(), "want yaml or json") {
		t.Errorf("OpenAPI(xml) error = %v, want a clear error", err)
	}
}

// TestServedOpenAPIMatchesGolden checks that the running service serves the
// same document as the committed file.
func TestServedOpenAPIMatchesGolden(t *testing.T) {
	t.Parallel()
	h := httpapi.NewHandler(httpapi.Deps{Store: newStore(t), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, httpapi.Config{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/openapi.yaml", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /openapi.yaml = %d", rec.Code)
	}
	if diff := cmp.Diff(rec.Body.String(), string(mustOpenAPI(t, "yaml"))); diff != "" {
		t.Errorf("served /openapi.yaml differs from OpenAPI(yaml) (-got +want):\n%s", diff)
	}
}

// TestLimitBoundsAreTheDomains ties the limit parameter of the OpenAPI
// document (and so api/openapi.yaml, which TestOpenAPIGolden keeps equal to
// it) to the domain's pagination bounds, and checks that requests are
// validated and defaulted by them.
func TestLimitBoundsAreTheDomains(t *testing.T) {
	t.Parallel()
	type limitSchema struct {
		Minimum *float64 `json:"minimum"`
		Maximum *float64 `json:"maximum"`
		Default *float64 `json:"default"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string      `json:"name"`
				Schema limitSchema `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(mustOpenAPI(t, "json"), &doc); err != nil {
		t.Fatalf("OpenAPI(json) is not JSON: %v", err)
	}
	var got *limitSchema
	for _, p := range doc.Paths["/datos"]["get"].Parameters {
		if p.Name == "limit" {
			got = &p.Schema
		}
	}
	if got == nil {
		t.Fatal("no limit parameter on GET /datos in the OpenAPI document")
	}
	num := func(v float64) *float64 { return &v }
	want := &limitSchema{Minimum: num(1), Maximum: num(flightevents.MaxLimit), Default: num(flightevents.DefaultLimit)}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("limit schema in the OpenAPI document (-got +want):\n%s", diff)
	}

	store := newStore(t)
	seed(t, store, makeEvents(flightevents.DefaultLimit+5))
	api := newAPI(t, store)
	tests := []struct {
		name      string
		query     string
		wantCode  int
		wantItems int
	}{
		{name: "absent_is_the_default", query: "", wantCode: http.StatusOK, wantItems: flightevents.DefaultLimit},
		{name: "minimum", query: "limit=1", wantCode: http.StatusOK, wantItems: 1},
		{name: "maximum", query: fmt.Sprintf("limit=%d", flightevents.MaxLimit), wantCode: http.StatusOK, wantItems: flightevents.DefaultLimit + 5},
		{name: "below_minimum", query: "limit=0", wantCode: http.StatusUnprocessableEntity},
		{name: "above_maximum", query: fmt.Sprintf("limit=%d", flightevents.MaxLimit+1), wantCode: http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := api.GetCtx(t.Context(), "/datos?"+tc.query)
			if resp.Code != tc.wantCode {
				t.Fatalf("GET /datos?%s = %d %s, want %d", tc.query, resp.Code, resp.Body, tc.wantCode)
			}
			if tc.wantCode != http.StatusOK {
				return
			}
			if n := len(decodeJSON[[]item](t, resp.Body.Bytes())); n != tc.wantItems {
				t.Errorf("GET /datos?%s returned %d events, want %d", tc.query, n, tc.wantItems)
			}
		})
	}
}
