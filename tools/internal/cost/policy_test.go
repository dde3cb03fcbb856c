package cost

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The service's policy in the skeleton is a template; testdata holds it rendered with the example
// case's monthlyBudget (50). This test keeps the two in sync.
func TestSkeletonPolicyRendersToTestdataCopy(t *testing.T) {
	t.Parallel()
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "..", "skeleton", "costpolicy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const expr = "${{ values.monthlyBudget }}"
	if n := bytes.Count(tmpl, []byte("${{")); n != 1 || !bytes.Contains(tmpl, []byte(expr)) {
		t.Fatalf("skeleton/costpolicy.yaml: want exactly one template expression %s, found %d expressions", expr, n)
	}
	rendered := bytes.ReplaceAll(tmpl, []byte(expr), []byte("50"))
	want, err := os.ReadFile(filepath.Join("testdata", "costpolicy.rendered.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(rendered), string(want)); diff != "" {
		t.Errorf("testdata/costpolicy.rendered.yaml is stale (-got +want):\n%s", diff)
	}
	p, err := DecodePolicy(bytes.NewReader(rendered), "costpolicy.yaml")
	if err != nil {
		t.Fatalf("rendered skeleton policy does not load: %v", err)
	}
	if got := p.Total.MonthlyBudget.Fail.String(); got != "50" {
		t.Errorf("monthly_budget.fail = %s, want 50", got)
	}
}

func TestDecodePolicyRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		wantErr string
	}{
		{name: "empty", yaml: "", wantErr: "is empty"},
		{name: "wrong_version", yaml: "version: 2\ncurrency: USD\n", wantErr: "version must be 1"},
		{name: "missing_currency", yaml: "version: 1\n", wantErr: "currency is required"},
		{name: "lowercase_currency", yaml: "version: 1\ncurrency: usd\n", wantErr: "not an ISO 4217"},
		{name: "typo_top_level", yaml: "version: 1\ncurrency: USD\ntotals: {}\n", wantErr: "field totals not found"},
		{name: "typo_in_threshold", yaml: "version: 1\ncurrency: USD\ntotal:\n  max_increase: {wran: 1}\n", wantErr: `unknown key "wran"`},
		{name: "typo_in_budget", yaml: "version: 1\ncurrency: USD\ntotal:\n  monthly_budget: {fail: 1, only_when_crosing: true}\n", wantErr: `unknown key "only_when_crosing"`},
		{name: "not_a_number", yaml: "version: 1\ncurrency: USD\ntotal:\n  monthly_budget: {fail: fifty}\n", wantErr: `"fifty" is not a number`},
		{name: "unrendered_template", yaml: "version: 1\ncurrency: USD\ntotal:\n  monthly_budget: {fail: \"${{ values.monthlyBudget }}\"}\n", wantErr: "is not a number"},
		{name: "negative", yaml: "version: 1\ncurrency: USD\ntotal:\n  max_decrease: {warn: -5}\n", wantErr: "is negative"},
		{name: "warn_above_fail", yaml: "version: 1\ncurrency: USD\ntotal:\n  max_increase: {warn: 30, fail: 20}\n", wantErr: "warn 30 is above fail 20"},
		{name: "empty_threshold", yaml: "version: 1\ncurrency: USD\ntotal:\n  max_increase: {}\n", wantErr: "set warn and/or fail"},
		{name: "project_rule_in_total", yaml: "version: 1\ncurrency: USD\ntotal:\n  unknown_cost: fail\n", wantErr: "field unknown_cost not found"},
		{name: "bad_level", yaml: "version: 1\ncurrency: USD\nproject_defaults:\n  unknown_cost: block\n", wantErr: `"block" is not one of ignore, warn, fail`},
		{name: "cap_needs_match_or_type", yaml: "version: 1\ncurrency: USD\nproject_defaults:\n  resource_caps:\n    - {fail: 3}\n", wantErr: "set exactly one of match or type"},
		{name: "cap_bad_glob", yaml: "version: 1\ncurrency: USD\nproject_defaults:\n  resource_caps:\n    - {match: \"a[\", fail: 3}\n", wantErr: "not a valid glob"},
		{name: "override_without_match", yaml: "version: 1\ncurrency: USD\nprojects:\n  - unknown_cost: fail\n", wantErr: "match is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodePolicy(strings.NewReader(tt.yaml), "p.yaml")
			if err == nil || !errors.Is(err, errInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Decode error = %v, want ErrInvalid containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestFor(t *testing.T) {
	t.Parallel()
	const policy = `
version: 1
currency: EUR
project_defaults:
  monthly_budget: {warn: 80, fail: 100}
  unknown_cost: fail
  require_usage_for: [google_pubsub_topic]
projects:
  - match: "**/dev"
    monthly_budget: {fail: 10}
    unknown_cost: ignore
  - match: "legacy"
    unsupported: fail
    unsupported_allow: [google_cloud_scheduler_job]
`
	p, err := DecodePolicy(strings.NewReader(policy), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		BudgetWarn, BudgetFail string
		Unknown, Unsupported   Status
		RequireUsage, Allow    []string
		Matched                []string
	}
	str := func(b *budget) (string, string) {
		w, f := "", ""
		if b != nil && b.Warn != nil {
			w = b.Warn.String()
		}
		if b != nil && b.Fail != nil {
			f = b.Fail.String()
		}
		return w, f
	}
	tests := []struct {
		name    string
		project projectID
		want    view
	}{
		{
			name:    "defaults_only",
			project: projectID{Name: "acme/prod", Path: "iac/prod"},
			want: view{BudgetWarn: "80", BudgetFail: "100", Unknown: Fail, Unsupported: Warn,
				RequireUsage: []string{"google_pubsub_topic"}},
		},
		{
			name:    "override_by_path_replaces_whole_rule",
			project: projectID{Name: "acme", Path: "iac/dev"},
			want: view{BudgetFail: "10", Unknown: Ignore, Unsupported: Warn,
				RequireUsage: []string{"google_pubsub_topic"}, Matched: []string{"**/dev"}},
		},
		{
			name:    "override_by_display_name",
			project: projectID{Name: "x/y", DisplayName: "legacy", Path: "old"},
			want: view{BudgetWarn: "80", BudgetFail: "100", Unknown: Fail, Unsupported: Fail,
				RequireUsage: []string{"google_pubsub_topic"}, Allow: []string{"google_cloud_scheduler_job"}, Matched: []string{"legacy"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, matched := p.For(tt.project)
			var got view
			got.BudgetWarn, got.BudgetFail = str(r.MonthlyBudget)
			got.Unknown, got.Unsupported, got.RequireUsage, got.Allow, got.Matched = r.UnknownCost, r.Unsupported, r.RequireUsageFor, r.UnsupportedAllow, matched
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("For(%+v) mismatch (-got +want):\n%s", tt.project, diff)
			}
		})
	}
}
