package render

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const productTemplate = "../../../template/template.yaml"

func TestValidateRejectsBadValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []string
	}{
		{"bad-name-pattern.yaml", []string{`name (Name): "Flight_Events" does not match the pattern ^[a-z][a-z0-9-]*$`}},
		{"name-too-long.yaml", []string{`name (Name): is 64 characters long, at most 63 allowed`}},
		{"bad-enum.yaml", []string{
			`lifecycle (Lifecycle): "beta" is not one of the allowed values: experimental, production, deprecated`,
			`region (Region): "mars-north1" is not one of the allowed values: europe-west1, europe-west4, europe-southwest1, us-central1, us-east1`,
		}},
		{"missing-required.yaml", []string{
			`alertEmail (Alert e-mail): required, but no value was given`,
			`lifecycle (Lifecycle): required, but no value was given`,
			`owner (Owner): required, but no value was given`,
			`repoUrl (Repository location): required, but no value was given`,
		}},
		{"wrong-type.yaml", []string{
			`goVersion (Go version): must be of type string, got number`,
			`monthlyBudget (Monthly budget (USD)): must be of type number, got string`,
			`publicApi (Public API): must be of type boolean, got string`,
		}},
		{"repo-url-host.yaml", []string{
			`repoUrl (Repository location): "gitlab.com?owner=acme" must name an owner and a repository, like gitlab.com?owner=acme&repo=my-service`,
			`repoUrl (Repository location): host "gitlab.com" is not allowed by this template; allowed: github.com`,
			`repoUrl (Repository location): "gitlab.com?owner=acme" does not match the pattern ^github\.com\?`,
		}},
		{"misc.yaml", []string{
			`jiraProjectKey (Jira project key): "ops" does not match the pattern ^[A-Z][A-Z0-9]{1,9}$`,
			`monthlyBudget (Monthly budget (USD)): minimum: got 0, want 1`,
			`nmae: not a parameter of this template (misspelt?)`,
		}},
	}
	tpl, err := LoadTemplate(productTemplate)
	if err != nil {
		t.Fatalf("LoadTemplate: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "values", tc.file)
			values, err := LoadValues(path)
			if err != nil {
				t.Fatalf("LoadValues: %v", err)
			}
			err = tpl.Validate(tpl.ApplyDefaults(values), path)
			var ive *InvalidValuesError
			if !errors.As(err, &ive) {
				t.Fatalf("Validate error = %v, want *InvalidValuesError", err)
			}
			var got []string
			for _, p := range ive.Problems {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("problems (-got +want):\n%s", diff)
			}
		})
	}
}

func TestLoadValuesRejectsNonMapping(t *testing.T) {
	t.Parallel()
	_, err := LoadValues("testdata/values/not-a-mapping.yaml")
	var ive *InvalidValuesError
	if !errors.As(err, &ive) {
		t.Fatalf("LoadValues error = %v, want *InvalidValuesError", err)
	}
}

// Every render case of the product template is valid, and the values the
// skeleton sees are derived as the contract says.
func TestProductCasesEvaluate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want map[string]any
	}{
		{"example.yaml", map[string]any{
			"name": "flight-events", "description": "Flight-status events from Pub/Sub to BigQuery, served by a Huma API.",
			"owner": "group:default/platform-team", "system": "flight-ops", "lifecycle": "experimental",
			"alertEmail": "platform-oncall@acme.example",
			"projectId":  "acme-flights-dev", "region": "europe-west1", "dataset": "flight_events", "table": "events",
			"goVersion": "1.26", "publicApi": false, "monthlyBudget": int64(100), "jiraProjectKey": "OPS", "platformRef": "v0.1.0",
			"repoUrl": "github.com?owner=acme&repo=flight-events", "repoOwner": "acme", "repoName": "flight-events",
			"goModule": "github.com/acme/flight-events", "sourceTemplate": "template:default/go-flight-events-service", "templateVersion": "0.1.0",
			"repoVisibility": "private", "dispatchCi": true, "templateRepo": "https://github.com/acme-platform/golden-path.git",
		}},
		{"minimal.yaml", map[string]any{
			"name": "flight-events", "description": "Flight-status events from Pub/Sub to BigQuery, served by a Huma API.",
			"owner": "group:default/platform-team", "system": "flight-ops", "lifecycle": "experimental",
			"alertEmail": "platform-oncall@acme.example",
			"projectId":  "acme-flights-dev", "region": "europe-west1", "dataset": "flight_events", "table": "events",
			"goVersion": "1.26", "publicApi": false, "monthlyBudget": int64(100), "platformRef": "v0.1.0",
			"repoUrl": "github.com?owner=acme&repo=flight-events", "repoOwner": "acme", "repoName": "flight-events",
			"goModule": "github.com/acme/flight-events", "sourceTemplate": "template:default/go-flight-events-service", "templateVersion": "0.1.0",
			"repoVisibility": "private", "dispatchCi": true, "templateRepo": "https://github.com/acme-platform/golden-path.git",
		}},
	}
	tpl, err := LoadTemplate(productTemplate)
	if err != nil {
		t.Fatalf("LoadTemplate: %v", err)
	}
	e := NewEngine(EngineOptions{})
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("../../../template/testdata/cases", tc.file)
			values, err := LoadValues(path)
			if err != nil {
				t.Fatalf("LoadValues: %v", err)
			}
			params := tpl.ApplyDefaults(values)
			if err := tpl.Validate(params, path); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			input, err := EvaluateInput(e, tpl.Fetch.Input, map[string]any{"parameters": params})
			if err != nil {
				t.Fatalf("EvaluateInput: %v", err)
			}
			if diff := cmp.Diff(input["values"], any(tc.want)); diff != "" {
				t.Errorf("values (-got +want):\n%s", diff)
			}
			if input["url"] != "../skeleton" {
				t.Errorf("url = %v, want ../skeleton", input["url"])
			}
		})
	}
}

func TestAllProductCasesValidate(t *testing.T) {
	t.Parallel()
	tpl, err := LoadTemplate(productTemplate)
	if err != nil {
		t.Fatalf("LoadTemplate: %v", err)
	}
	cases, err := filepath.Glob("../../../template/testdata/cases/*.yaml")
	if err != nil || len(cases) < 3 {
		t.Fatalf("want at least 3 cases, got %d (%v)", len(cases), err)
	}
	for _, path := range cases {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			values, err := LoadValues(path)
			if err != nil {
				t.Fatalf("LoadValues: %v", err)
			}
			if err := tpl.Validate(tpl.ApplyDefaults(values), path); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestEvaluateInput(t *testing.T) {
	t.Parallel()
	ctx := map[string]any{"parameters": map[string]any{"n": int64(3), "b": true, "s": "x", "list": []any{"a"}}}
	input := map[string]any{
		"sole_number": "${{ parameters.n }}",
		"sole_bool":   "${{ parameters.b }}",
		"sole_list":   "${{ parameters.list }}",
		"mixed":       "${{ parameters.s }}-${{ parameters.n }}",
		"undefined":   "${{ parameters.missing }}",
		"empty_mixed": "${{ parameters.missing }}${{ parameters.missing }}",
		"literal":     int64(7),
		"nested":      map[string]any{"v": "${{ parameters.b }}"},
	}
	got, err := EvaluateInput(NewEngine(EngineOptions{}), input, ctx)
	if err != nil {
		t.Fatalf("EvaluateInput: %v", err)
	}
	want := map[string]any{
		"sole_number": int64(3), "sole_bool": true, "sole_list": []any{"a"}, "mixed": "x-3",
		"literal": int64(7), "nested": map[string]any{"v": true},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("EvaluateInput (-got +want):\n%s", diff)
	}
}
