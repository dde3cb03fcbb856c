package cost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	costpolicies "github.com/acme-platform/golden-path/policies/cost"
)

// res is a resource for the synthetic reports: cost "" = null component (usage unknown).
type res struct {
	addr, typ string
	costs     []string
	sub       []string // costs of one subresource's components
}

func (r res) json() map[string]any {
	comps := func(cs []string) []any {
		out := []any{}
		for i, c := range cs {
			var v any
			if c != "" {
				v = c
			}
			out = append(out, map[string]any{"name": fmt.Sprintf("c%d", i), "unit": "u", "price": "1", "monthlyCost": v})
		}
		return out
	}
	m := map[string]any{"name": r.addr, "resourceType": r.typ, "costComponents": comps(r.costs)}
	if r.sub != nil {
		m["subresources"] = []any{map[string]any{"name": "sub", "costComponents": comps(r.sub)}}
	}
	return m
}

type proj struct {
	name, path  string
	past        []res // nil = no pastBreakdown
	cur         []res
	errors      []string
	unsupported map[string]int
}

func report(t *testing.T, currency string, ps ...proj) *Report {
	t.Helper()
	var projects []any
	for _, p := range ps {
		bd := func(rs []res) map[string]any {
			out := []any{}
			for _, r := range rs {
				out = append(out, r.json())
			}
			return map[string]any{"resources": out}
		}
		meta := map[string]any{"path": p.path}
		if len(p.errors) > 0 {
			var es []any
			for _, e := range p.errors {
				es = append(es, map[string]any{"code": 102, "message": e})
			}
			meta["errors"] = es
		}
		m := map[string]any{"name": p.name, "metadata": meta, "breakdown": bd(p.cur),
			"summary": map[string]any{"unsupportedResourceCounts": p.unsupported}}
		if p.past != nil {
			m["pastBreakdown"] = bd(p.past)
		}
		projects = append(projects, m)
	}
	b, err := json.Marshal(map[string]any{"version": "0.2", "currency": currency, "projects": projects})
	if err != nil {
		t.Fatal(err)
	}
	r, err := DecodeReport(bytes.NewReader(b), "synthetic.json")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func policy(t *testing.T, yaml string) *Policy {
	t.Helper()
	p, err := DecodePolicy(strings.NewReader("version: 1\ncurrency: USD\n"+yaml), "policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// lines renders checks compactly: "name scope status observed | message".
func lines(cs []check, names ...string) []string {
	out := []string{}
	for _, c := range cs {
		if len(names) > 0 && !contains(names, c.Name) {
			continue
		}
		out = append(out, fmt.Sprintf("%s [%s] %s %s | %s", c.Name, c.Scope, c.Status, c.Observed, c.Message))
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func one(addr, typ string, costs ...string) []res { return []res{{addr: addr, typ: typ, costs: costs}} }

func TestMoneyKnobs(t *testing.T) {
	t.Parallel()
	const budget = "total:\n  monthly_budget: {warn: 80, fail: 100}\n"
	const budgetCrossing = "total:\n  monthly_budget: {warn: 80, fail: 100, only_when_crossing: true}\n"
	const inc = "total:\n  max_increase: {warn: 10, fail: 20}\n"
	const pct = "total:\n  max_increase: {warn: 10, fail: 20}\n  max_increase_pct: {warn: 10, fail: 50}\n"
	const pctOnly = "total:\n  max_increase_pct: {warn: 10, fail: 50}\n"
	const dec = "total:\n  max_decrease: {warn: 25}\n"
	p := func(past, cur string) proj {
		pr := proj{name: "p", cur: one("a.x", "a", cur)}
		if past != "none" {
			pr.past = one("a.x", "a", past)
		}
		return pr
	}
	tests := []struct {
		name   string
		policy string
		proj   proj
		want   []string
	}{
		{name: "budget_pass", policy: budget, proj: p("10", "80"), want: []string{"monthly_budget [total] pass $80.00 | Within budget."}},
		{name: "budget_warn", policy: budget, proj: p("10", "80.01"), want: []string{"monthly_budget [total] warn $80.01 | Over budget."}},
		{name: "budget_fail", policy: budget, proj: p("10", "100.01"), want: []string{"monthly_budget [total] fail $100.01 | Over budget."}},
		{name: "budget_without_baseline_still_applies", policy: budget, proj: p("none", "120"), want: []string{"monthly_budget [total] fail $120.00 | Over budget."}},
		{name: "budget_crossing_blocks", policy: budgetCrossing, proj: p("90", "101"), want: []string{"monthly_budget [total] fail $101.00 | Over budget."}},
		{name: "budget_already_over_only_warns", policy: budgetCrossing, proj: p("150", "160"),
			want: []string{"monthly_budget [total] warn $160.00 | Over the fail level already before this change ($150.00); only crossing it blocks."}},
		{name: "budget_crossing_without_baseline_applies", policy: budgetCrossing, proj: p("none", "160"),
			want: []string{"monthly_budget [total] fail $160.00 | Over budget; no baseline to tell whether this change crossed it, so the budget applies as is."}},
		{name: "budget_lower_bound_with_unknown", policy: budget, proj: proj{name: "p", past: []res{}, cur: one("a.x", "a", "120", "")},
			want: []string{"monthly_budget [total] fail ≥ $120.00 | Over budget. Lower bound: some costs are unknown (see Not estimated)."}},
		{name: "increase_pass", policy: inc, proj: p("100", "110"), want: []string{"max_increase [total] pass +$10.00 | Increase within limit."}},
		{name: "increase_warn", policy: inc, proj: p("100", "110.01"), want: []string{"max_increase [total] warn +$10.01 | Increase above the warn level."}},
		{name: "increase_fail", policy: inc, proj: p("100", "121"), want: []string{"max_increase [total] fail +$21.00 | Increase above the limit."}},
		{name: "increase_without_baseline_warns", policy: inc, proj: p("none", "5"),
			want: []string{"max_increase [total] warn unknown | No baseline (past cost): the increase cannot be computed. Run infracost diff --compare-to the base branch."}},
		{name: "decrease_is_not_an_increase", policy: inc, proj: p("100", "1"), want: []string{"max_increase [total] pass -$99.00 | Increase within limit."}},
		{name: "pct_pass", policy: pct, proj: p("100", "105"), want: []string{
			"max_increase [total] pass +$5.00 | Increase within limit.",
			"max_increase_pct [total] pass +5% | Relative increase within limit."}},
		{name: "pct_fail_while_absolute_passes", policy: pct, proj: p("10", "16"), want: []string{
			"max_increase [total] pass +$6.00 | Increase within limit.",
			"max_increase_pct [total] fail +60% | Relative increase above the limit."}},
		{name: "pct_warn_exact_decimal", policy: pct, proj: p("3", "3.31"), want: []string{
			"max_increase [total] pass +$0.31 | Increase within limit.",
			"max_increase_pct [total] warn +10.3% | Relative increase above the warn level."}},
		{name: "pct_past_zero_falls_back_to_absolute", policy: pct, proj: p("0", "15"), want: []string{
			"max_increase [total] warn +$15.00 | Increase above the warn level.",
			"max_increase_pct [total] warn undefined | Previous cost is 0, so a percentage is undefined: the absolute rule max_increase applies instead (warn)."}},
		{name: "pct_past_zero_without_absolute_warns", policy: pctOnly, proj: p("0", "1"), want: []string{
			"max_increase_pct [total] warn undefined | Previous cost is 0, so a percentage is undefined, and no max_increase is set to fall back on."}},
		{name: "decrease_warn", policy: dec, proj: p("100", "70"), want: []string{"max_decrease [total] warn $30.00 | Large decrease: check nothing was destroyed by mistake."}},
		{name: "decrease_pass_on_increase", policy: dec, proj: p("70", "100"), want: []string{"max_decrease [total] pass $0.00 | Decrease within the expected range."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Evaluate(t.Context(), report(t, "USD", tt.proj), policy(t, tt.policy), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := lines(r.Checks, "monthly_budget", "max_increase", "max_increase_pct", "max_decrease")
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("checks mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

func TestProjectKnobs(t *testing.T) {
	t.Parallel()
	run := []res{
		{addr: "google_cloud_run_v2_service.api", typ: "google_cloud_run_v2_service", costs: []string{"30", "5"}},
		{addr: "google_storage_bucket.b", typ: "google_storage_bucket", costs: []string{"1"}, sub: []string{"6"}},
		{addr: "google_pubsub_topic.t", typ: "google_pubsub_topic", costs: []string{""}},
		{addr: "google_bigquery_table.t", typ: "google_bigquery_table", costs: []string{"1", ""}},
	}
	tests := []struct {
		name   string
		policy string
		proj   proj
		names  []string
		want   []string
	}{
		{
			name:   "cap_by_type_fail",
			policy: "project_defaults:\n  resource_caps:\n    - {type: google_cloud_run_v2_service, warn: 20, fail: 30}\n",
			proj:   proj{name: "svc", cur: run}, names: []string{"resource_cap"},
			want: []string{"resource_cap [project svc] fail $35.00 | type google_cloud_run_v2_service: over the cap: google_cloud_run_v2_service.api $35.00."},
		},
		{
			name:   "cap_by_glob_counts_subresources",
			policy: "project_defaults:\n  resource_caps:\n    - {match: \"google_storage_bucket.*\", warn: 5}\n",
			proj:   proj{name: "svc", cur: run}, names: []string{"resource_cap"},
			want: []string{"resource_cap [project svc] warn $7.00 | google_storage_bucket.*: over the cap: google_storage_bucket.b $7.00."},
		},
		{
			name:   "cap_lower_bound_when_unknown",
			policy: "project_defaults:\n  resource_caps:\n    - {type: google_bigquery_table, fail: 5}\n",
			proj:   proj{name: "svc", cur: run}, names: []string{"resource_cap"},
			want: []string{"resource_cap [project svc] pass ≥ $1.00 | type google_bigquery_table: 1 resource(s) within the cap (largest google_bigquery_table.t)."},
		},
		{
			name:   "cap_without_match",
			policy: "project_defaults:\n  resource_caps:\n    - {match: \"module.x.*\", fail: 5}\n",
			proj:   proj{name: "svc", cur: run}, names: []string{"resource_cap"},
			want: []string{"resource_cap [project svc] pass - | module.x.*: no matching resource."},
		},
		{
			name:   "unknown_default_warns",
			policy: "",
			proj:   proj{name: "svc", cur: run}, names: []string{"unknown_cost"},
			want: []string{"unknown_cost [project svc] warn 2 | 2 resource(s) have costs Infracost could not estimate without usage: google_bigquery_table.t, google_pubsub_topic.t."},
		},
		{
			name:   "unknown_fail",
			policy: "project_defaults:\n  unknown_cost: fail\n",
			proj:   proj{name: "svc", cur: run}, names: []string{"unknown_cost"},
			want: []string{"unknown_cost [project svc] fail 2 | 2 resource(s) have costs Infracost could not estimate without usage: google_bigquery_table.t, google_pubsub_topic.t."},
		},
		{
			name:   "unknown_ignore",
			policy: "project_defaults:\n  unknown_cost: ignore\n",
			proj:   proj{name: "svc", cur: run}, names: []string{"unknown_cost"},
			want: []string{},
		},
		{
			name:   "unknown_none",
			policy: "",
			proj:   proj{name: "svc", cur: run[:2]}, names: []string{"unknown_cost"},
			want: []string{"unknown_cost [project svc] pass 0 | Every cost component was estimated."},
		},
		{
			name:   "require_usage_fails_only_entirely_unknown",
			policy: "project_defaults:\n  unknown_cost: ignore\n  require_usage_for: [google_pubsub_topic, google_bigquery_table]\n",
			proj:   proj{name: "svc", cur: run}, names: []string{"require_usage"},
			want: []string{"require_usage [project svc] fail 1 | No usage for: google_pubsub_topic.t. Add them to infracost-usage.yml."},
		},
		{
			name:   "unsupported_with_allow_list",
			policy: "project_defaults:\n  unsupported: fail\n  unsupported_allow: [google_eventarc_trigger]\n",
			proj:   proj{name: "svc", cur: run, unsupported: map[string]int{"google_cloud_scheduler_job": 2, "google_eventarc_trigger": 1}}, names: []string{"unsupported"},
			want: []string{"unsupported [project svc] fail 2 | Not priced by Infracost: google_cloud_scheduler_job ×2. Allowed: google_eventarc_trigger."},
		},
		{
			name:   "unsupported_all_allowed",
			policy: "project_defaults:\n  unsupported: fail\n  unsupported_allow: [google_cloud_scheduler_job]\n",
			proj:   proj{name: "svc", cur: run, unsupported: map[string]int{"google_cloud_scheduler_job": 1}}, names: []string{"unsupported"},
			want: []string{"unsupported [project svc] pass 0 | Every resource type is supported by Infracost. Allowed: google_cloud_scheduler_job."},
		},
		{
			name:   "override_by_path",
			policy: "project_defaults:\n  unknown_cost: fail\nprojects:\n  - match: \"iac/dev\"\n    unknown_cost: warn\n",
			proj:   proj{name: "svc", path: "iac/dev", cur: run}, names: []string{"unknown_cost"},
			want: []string{"unknown_cost [project svc] warn 2 | 2 resource(s) have costs Infracost could not estimate without usage: google_bigquery_table.t, google_pubsub_topic.t."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Evaluate(t.Context(), report(t, "USD", tt.proj), policy(t, tt.policy), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(lines(r.Checks, tt.names...), tt.want); diff != "" {
				t.Errorf("checks mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

func TestProjectErrorsFailAndTotalsAreLowerBounds(t *testing.T) {
	t.Parallel()
	rep := report(t, "USD",
		proj{name: "ok", past: []res{}, cur: one("a.x", "a", "10")},
		proj{name: "broken", errors: []string{"Error loading Terraform modules"}},
	)
	r, err := Evaluate(t.Context(), rep, policy(t, "total:\n  monthly_budget: {fail: 100}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"monthly_budget [total] warn ≥ $10.00 | Within budget. Lower bound: cost of broken unknown (Infracost errors).",
		"project_errors [project ok] pass 0 | Infracost evaluated the project.",
		"project_errors [project broken] fail 1 | Cost unknown, not $0: 102: Error loading Terraform modules",
	}
	if diff := cmp.Diff(lines(r.Checks, "monthly_budget", "project_errors"), want); diff != "" {
		t.Errorf("checks mismatch (-got +want):\n%s", diff)
	}
	if r.Decision != Fail {
		t.Errorf("decision = %s, want fail", r.Decision)
	}
}

func TestCurrencyMismatchIsBadInput(t *testing.T) {
	t.Parallel()
	_, err := Evaluate(t.Context(), report(t, "EUR", proj{name: "p", cur: one("a.x", "a", "1")}), policy(t, ""), nil)
	if !errors.Is(err, errCurrencyMismatch) || !strings.Contains(err.Error(), "infracost reports EUR but the policy is in USD") {
		t.Errorf("Evaluate error = %v, want currency mismatch", err)
	}
}

func builtinRego(t testing.TB) *Rego {
	t.Helper()
	files, err := RegoFilesFromFS(costpolicies.Files, "policies/cost/")
	if err != nil {
		t.Fatal(err)
	}
	rg, err := CompileRego(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	return rg
}

func loadFixture(t testing.TB, names ...string) *Report {
	t.Helper()
	var rs []*Report
	for _, name := range names {
		rs = append(rs, load(t, name))
	}
	m, err := Merge(rs...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func servicePolicy(t testing.TB) *Policy {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "costpolicy.rendered.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := DecodePolicy(f, "costpolicy.rendered.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestServicePolicyOnFixtures: the service's rendered policy (budget 50) plus the platform's Rego
// policies over the synthetic GCP stack and the upstream files.
func TestServicePolicyOnFixtures(t *testing.T) {
	t.Parallel()
	rg := builtinRego(t)
	usd := servicePolicy(t)
	tests := []struct {
		name     string
		files    []string
		decision Status
		notPass  []string
	}{
		{
			name: "gcp_base_breakdown", files: []string{"synthetic/gcp_base.json"}, decision: Warn,
			notPass: []string{"unsupported [project flight-events (acme/flight-events/iac)] warn"},
		},
		{
			name: "gcp_pr_new_subscription_without_usage", files: []string{"synthetic/gcp_pr.json"}, decision: Fail,
			notPass: []string{
				"unknown_cost [project flight-events (acme/flight-events/iac)] warn",
				"require_usage [project flight-events (acme/flight-events/iac)] fail",
				"unsupported [project flight-events (acme/flight-events/iac)] warn",
			},
		},
		{
			name: "gcp_over_budget", files: []string{"synthetic/gcp_pr_over_budget.json"}, decision: Fail,
			notPass: []string{
				"monthly_budget [total] fail",
				"max_increase [total] warn",
				"max_increase_pct [total] fail",
				"unsupported [project flight-events (acme/flight-events/iac)] warn",
			},
		},
		{
			name: "gcp_usage_null_vacuous_zero_fails", files: []string{"synthetic/gcp_usage_null.json"}, decision: Fail,
			notPass: []string{
				"unknown_cost [project flight-events (acme/flight-events/iac)] warn",
				"require_usage [project flight-events (acme/flight-events/iac)] fail",
				"unsupported [project flight-events (acme/flight-events/iac)] warn",
				"rego [total] fail",
			},
		},
		{
			name: "upstream_project_error", files: []string{"upstream/out_with_project_error.json"}, decision: Fail,
			notPass: []string{
				"monthly_budget [total] fail",
				"max_increase [total] warn",
				"max_increase_pct [total] warn",
				"max_decrease [total] warn",
				"project_errors [project infracost/infracost/cmd/infracost/testdata/breakdown_multi_project_with_error/dev] fail",
				"rego [total] fail",
				"rego [total] fail",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Evaluate(t.Context(), loadFixture(t, tt.files...), usd, rg)
			if err != nil {
				t.Fatal(err)
			}
			if r.Decision != tt.decision {
				t.Errorf("decision = %s, want %s\n%s", r.Decision, tt.decision, strings.Join(lines(r.Checks), "\n"))
			}
			var got []string
			for _, c := range r.Checks {
				if c.Status != Pass {
					got = append(got, fmt.Sprintf("%s [%s] %s", c.Name, c.Scope, c.Status))
				}
			}
			if diff := cmp.Diff(got, tt.notPass); diff != "" {
				t.Errorf("non-passing checks mismatch (-got +want):\n%s", diff)
			}
		})
	}
}

func TestRego(t *testing.T) {
	t.Parallel()
	rg := builtinRego(t)
	t.Run("upstream_decrease_passes_builtin_policies", func(t *testing.T) {
		t.Parallel()
		r, err := Evaluate(t.Context(), loadFixture(t, "upstream/diff_with_compare_to_format_json.golden"), policy(t, ""), rg)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"rego [total] pass - | Estimate is not a vacuous zero (total 1303.28, 0 unknown components)",
			"rego [total] pass - | Monthly cost increase -742.64 must be at most 1000",
			"rego [total] pass - | Project REPLACED_PROJECT_PATH/testdata/diff_with_compare_to_format_json was estimated",
		}
		if diff := cmp.Diff(lines(r.Checks, "rego"), want); diff != "" {
			t.Errorf("rego checks mismatch (-got +want):\n%s", diff)
		}
	})
	t.Run("upstream_prior_empty_without_usage_is_not_vacuous", func(t *testing.T) {
		t.Parallel()
		r, err := Evaluate(t.Context(), loadFixture(t, "upstream/ToMarkdown_NoPreviousBreakdown.json"), policy(t, ""), rg)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"rego [total] fail - | Monthly cost increase is unknown (no baseline); the 1000 guardrail cannot be checked",
			"rego [total] fail - | Total monthly cost is 0 but 1 cost components are unknown (no usage given)",
			"rego [total] pass - | Project . was estimated",
		}
		if diff := cmp.Diff(lines(r.Checks, "rego"), want); diff != "" {
			t.Errorf("rego checks mismatch (-got +want):\n%s", diff)
		}
	})
	t.Run("malformed_result_fails", func(t *testing.T) {
		t.Parallel()
		rg, err := CompileRego(t.Context(), []RegoFile{{Name: "bad.rego", Source: "package infracost\n\ndeny contains \"just a string\" if true\n"}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Evaluate(t.Context(), report(t, "USD", proj{name: "p", cur: one("a.x", "a", "1")}), policy(t, ""), rg)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{`rego [total] fail - | Malformed policy result (want {"msg": string, "failed": bool}): "just a string"`}
		if diff := cmp.Diff(lines(r.Checks, "rego"), want); diff != "" {
			t.Errorf("rego checks mismatch (-got +want):\n%s", diff)
		}
	})
	t.Run("wrong_package_is_an_error", func(t *testing.T) {
		t.Parallel()
		rg, err := CompileRego(t.Context(), []RegoFile{{Name: "other.rego", Source: "package other\n\ndeny contains 1 if true\n"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Evaluate(t.Context(), report(t, "USD", proj{name: "p", cur: one("a.x", "a", "1")}), policy(t, ""), rg)
		if err == nil || !strings.Contains(err.Error(), "data.infracost.deny is undefined") {
			t.Errorf("Evaluate error = %v, want undefined query", err)
		}
	})
	t.Run("syntax_error_is_an_error", func(t *testing.T) {
		t.Parallel()
		_, err := CompileRego(t.Context(), []RegoFile{{Name: "broken.rego", Source: "package infracost\n\ndeny contains {"}})
		if err == nil || !strings.Contains(err.Error(), "broken.rego") {
			t.Errorf("CompileRego error = %v, want a parse error naming the file", err)
		}
	})
}

func BenchmarkEvaluate(b *testing.B) {
	rg := builtinRego(b)
	p := servicePolicy(b)
	rep := loadFixture(b, "synthetic/gcp_pr.json", "synthetic/gcp_base.json")
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Evaluate(ctx, rep, p, rg); err != nil {
			b.Fatal(err)
		}
	}
}
