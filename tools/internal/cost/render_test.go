package cost

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// decodeFixture reads a fixture under its base name, the name the comment's inputs line shows.
func decodeFixture(t testing.TB, name string) *Report {
	t.Helper()
	r, err := DecodeReport(bytes.NewReader(readFixture(t, name)), filepath.Base(name))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func evaluate(t testing.TB, files ...string) *Result {
	t.Helper()
	var rs []*Report
	for _, f := range files {
		rs = append(rs, decodeFixture(t, f))
	}
	rep, err := Merge(rs...)
	if err != nil {
		t.Fatal(err)
	}
	p := servicePolicy(t)
	rg := builtinRego(t)
	res, err := Evaluate(context.Background(), rep, p, rg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	repotest.Golden(t, filepath.Join("testdata", "golden", name), got, *update)
}

// TestGolden renders every upstream and synthetic fixture with the service's policy (budget 50) and
// the platform's Rego policies, in all three formats.
func TestGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files []string
	}{
		{name: "upstream_google_breakdown", files: []string{"upstream/breakdown_format_json_with_tags_google.golden"}},
		{name: "upstream_diff_decrease", files: []string{"upstream/diff_with_compare_to_format_json.golden"}},
		{name: "upstream_diff_prior_empty", files: []string{"upstream/diff_prior_empty_project_json.golden"}},
		{name: "upstream_project_error", files: []string{"upstream/out_with_project_error.json"}},
		{name: "upstream_no_previous_breakdown", files: []string{"upstream/ToMarkdown_NoPreviousBreakdown.json"}},
		{name: "gcp_base", files: []string{"synthetic/gcp_base.json"}},
		{name: "gcp_pr", files: []string{"synthetic/gcp_pr.json"}},
		{name: "gcp_pr_over_budget", files: []string{"synthetic/gcp_pr_over_budget.json"}},
		{name: "gcp_usage_null", files: []string{"synthetic/gcp_usage_null.json"}},
		{name: "merged_gcp_pr_and_bootstrap", files: []string{"synthetic/gcp_pr.json", "synthetic/missing_past_totals.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := evaluate(t, tt.files...)
			md := Markdown(r, Options{})
			if !strings.HasPrefix(md, Marker+"\n") {
				t.Errorf("markdown does not start with the marker line")
			}
			golden(t, tt.name+".md", []byte(md))
			golden(t, tt.name+".txt", []byte(Text(r)))
			js, err := JSON(r)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name+".json", js)
		})
	}
}

func TestHeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{name: "increase", files: []string{"synthetic/gcp_pr_over_budget.json"}, want: "💰 Monthly estimate increased by $47.59 (+1,287.2%) 📈"},
		{name: "decrease", files: []string{"upstream/diff_with_compare_to_format_json.golden"}, want: "💰 Monthly estimate decreased by $742.64 (-36.3%) 📉"},
		{name: "new_project_has_no_percentage", files: []string{"upstream/diff_prior_empty_project_json.golden"}, want: "💰 Monthly estimate increased by $742.64 📈"},
		{name: "no_baseline_generated", files: []string{"upstream/ToMarkdown_NoPreviousBreakdown.json"}, want: "💰 Monthly estimate generated: at least $0.00"},
		{name: "unchanged", files: []string{"synthetic/gcp_base.json"}, want: "💰 Monthly estimate unchanged: $3.70"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := headline(evaluate(t, tt.files...)); got != tt.want {
				t.Errorf("Headline = %q, want %q", got, tt.want)
			}
		})
	}
}

// bigReport has n resources in one project, each a changed resource with a null component, so
// that every section of the comment grows with n.
func bigReport(t *testing.T, n int) *Report {
	t.Helper()
	var past, cur []any
	for i := range n {
		addr := fmt.Sprintf("module.shard_%04d.google_pubsub_subscription.events_with_a_long_name[%d]", i, i)
		past = append(past, map[string]any{"name": addr, "resourceType": "google_pubsub_subscription",
			"costComponents": []any{map[string]any{"name": "Message delivery data", "monthlyCost": "1"}}})
		cur = append(cur, map[string]any{"name": addr, "resourceType": "google_pubsub_subscription",
			"costComponents": []any{
				map[string]any{"name": "Message delivery data", "monthlyCost": fmt.Sprintf("%d.5", i%50+1)},
				map[string]any{"name": "Snapshot message backlog storage", "monthlyCost": nil},
			}})
	}
	b, err := json.Marshal(map[string]any{"version": "0.2", "currency": "USD", "projects": []any{map[string]any{
		"name": "big", "metadata": map[string]any{}, "pastBreakdown": map[string]any{"resources": past}, "breakdown": map[string]any{"resources": cur},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := DecodeReport(bytes.NewReader(b), "big.json")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMarkdownTruncation(t *testing.T) {
	t.Parallel()
	p, err := DecodePolicy(strings.NewReader("version: 1\ncurrency: USD\ntotal:\n  monthly_budget: {fail: 10}\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		resources   int
		maxChars    int
		wantContain []string
		wantAbsent  []string
	}{
		{name: "fits_whole", resources: 5, maxChars: 0,
			wantContain: []string{"Top 5 of 5 resource changes", "Snapshot message backlog storage"}},
		{name: "github_limit_drops_details_first", resources: 3000, maxChars: 0,
			wantContain: []string{"#### Policy checks", "❌ | monthly_budget", "- … and"},
			wantAbsent:  []string{"<details>"}},
		{name: "tiny_limit_keeps_failures_and_marks_cut", resources: 3000, maxChars: 1200,
			wantContain: []string{Marker, "Monthly estimate increased", "truncated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Evaluate(t.Context(), bigReport(t, tt.resources), p, nil)
			if err != nil {
				t.Fatal(err)
			}
			md := Markdown(r, Options{MaxChars: tt.maxChars})
			limit := tt.maxChars
			if limit == 0 {
				limit = githubMaxComment
			}
			if len(md) > limit || utf8.RuneCountInString(md) > githubMaxComment {
				t.Errorf("comment is %d bytes, limit %d", len(md), limit)
			}
			if !utf8.ValidString(md) {
				t.Errorf("truncation split a UTF-8 sequence")
			}
			for _, s := range tt.wantContain {
				if !strings.Contains(md, s) {
					t.Errorf("comment lacks %q", s)
				}
			}
			for _, s := range tt.wantAbsent {
				if strings.Contains(md, s) {
					t.Errorf("comment still has %q", s)
				}
			}
		})
	}
}

func TestMarkdownEscapesTableCells(t *testing.T) {
	t.Parallel()
	b := []byte(`{"version":"0.2","currency":"USD","projects":[{"name":"a|b\nc","metadata":{},"pastBreakdown":{"resources":[]},"breakdown":{"resources":[{"name":"x.y","costComponents":[{"name":"n","monthlyCost":"1"}]}]}}]}`)
	rep, err := DecodeReport(bytes.NewReader(b), "in.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePolicy(strings.NewReader("version: 1\ncurrency: USD\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Evaluate(t.Context(), rep, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(r, Options{})
	if !strings.Contains(md, `| a\|b c | $0.00 | $1.00 | +$1.00 |  |`) {
		t.Errorf("project row not escaped:\n%s", md)
	}
}

func BenchmarkMarkdown(b *testing.B) {
	r := evaluate(b, "synthetic/gcp_pr.json", "synthetic/missing_past_totals.json")
	for b.Loop() {
		_ = Markdown(r, Options{})
	}
}
