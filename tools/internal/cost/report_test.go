package cost

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// load reads a fixture, cutting upstream cmd/infracost goldens at their "\n\nErr:" trailer.
func load(t testing.TB, name string) *Report {
	t.Helper()
	b := readFixture(t, name)
	r, err := DecodeReport(bytes.NewReader(b), name)
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	return r
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(b, []byte("\n\nErr:")); i >= 0 {
		b = b[:i]
	}
	return b
}

type figures struct {
	Projects    int
	Past        string // "" = unknown
	New         string
	Diff        string // "" = unknown
	Complete    bool
	Unknown     []string
	Errors      int
	Unsupported map[string]int
	Free        int
	TopChange   string
}

func summarize(c costs) figures {
	f := figures{Projects: len(c.Projects), Complete: c.Complete, Unsupported: map[string]int{}}
	str := func(m money) string {
		if !m.Valid {
			return ""
		}
		return m.Value.String()
	}
	f.Past, f.New, f.Diff = str(c.Past), str(c.New), str(c.Diff)
	var changes []resourceChange
	for _, p := range c.Projects {
		for _, u := range p.Unknown {
			f.Unknown = append(f.Unknown, u.Address)
		}
		f.Errors += len(p.Errors)
		for k, v := range p.Unsupported {
			f.Unsupported[k] += v
		}
		f.Free += p.Free
		changes = append(changes, p.Changes...)
	}
	sortChanges(changes)
	if len(changes) > 0 {
		f.TopChange = changes[0].Action() + changes[0].Address + " " + changes[0].Diff.String()
	}
	return f
}

func TestAnalyzeFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want figures
	}{
		{
			name: "upstream_google_breakdown_null_backups",
			file: "upstream/breakdown_format_json_with_tags_google.golden",
			want: figures{
				Projects: 1, Past: "53.665", New: "53.665", Diff: "0", Complete: false,
				Unknown: []string{"google_sql_database_instance.gsdi"}, Unsupported: map[string]int{}, Free: 1,
				TopChange: "~google_compute_disk.gcd1 0",
			},
		},
		{
			name: "upstream_diff_decrease",
			file: "upstream/diff_with_compare_to_format_json.golden",
			want: figures{
				Projects: 1, Past: "2045.92", New: "1303.28", Diff: "-742.64", Complete: true,
				Unsupported: map[string]int{}, TopChange: "-aws_instance.web_app2 -1303.28",
			},
		},
		{
			name: "upstream_diff_prior_empty",
			file: "upstream/diff_prior_empty_project_json.golden",
			want: figures{
				Projects: 1, Past: "0", New: "742.64", Diff: "742.64", Complete: true,
				Unsupported: map[string]int{}, TopChange: "+aws_instance.web_app 742.64",
			},
		},
		{
			name: "upstream_project_error_is_unknown_not_zero",
			file: "upstream/out_with_project_error.json",
			want: figures{
				Projects: 2, New: "1303.28", Complete: false, Errors: 1,
				Unsupported: map[string]int{}, TopChange: "+aws_instance.web_app 1303.28",
			},
		},
		{
			name: "upstream_no_previous_breakdown",
			file: "upstream/ToMarkdown_NoPreviousBreakdown.json",
			want: figures{
				Projects: 1, New: "0", Complete: false,
				Unknown: []string{"module.ecr.aws_ecr_repository.this[0]"}, Unsupported: map[string]int{}, Free: 2,
				TopChange: "+module.ecr.aws_ecr_repository.this[0] 0",
			},
		},
		{
			name: "synthetic_gcp_base",
			file: "synthetic/gcp_base.json",
			want: figures{
				Projects: 1, Past: "3.69686", New: "3.69686", Diff: "0", Complete: true,
				Unsupported: map[string]int{"google_cloud_scheduler_job": 1}, Free: 1,
				TopChange: "~google_bigquery_dataset.events 0",
			},
		},
		{
			name: "synthetic_gcp_pr_usage_null_subscription",
			file: "synthetic/gcp_pr.json",
			want: figures{
				Projects: 1, Past: "3.69686", New: "3.76166", Diff: "0.0648", Complete: false,
				Unknown: []string{"google_pubsub_subscription.dead_letter"}, Unsupported: map[string]int{"google_cloud_scheduler_job": 1}, Free: 1,
				TopChange: "~google_cloud_run_v2_service.api 0.0648",
			},
		},
		{
			name: "synthetic_gcp_over_budget",
			file: "synthetic/gcp_pr_over_budget.json",
			want: figures{
				Projects: 1, Past: "3.69686", New: "51.2831", Diff: "47.58624", Complete: true,
				Unsupported: map[string]int{"google_cloud_scheduler_job": 1}, Free: 1,
				TopChange: "~google_cloud_run_v2_service.api 47.58624",
			},
		},
		{
			name: "synthetic_gcp_usage_null_is_not_a_real_zero",
			file: "synthetic/gcp_usage_null.json",
			want: figures{
				Projects: 1, Past: "0", New: "0", Diff: "0", Complete: false,
				Unknown: []string{
					"google_bigquery_dataset.events", "google_bigquery_table.events", "google_cloud_run_v2_service.api",
					"google_pubsub_subscription.events", "google_pubsub_topic.events", "google_storage_bucket.exports",
					"google_storage_bucket.exports.Network egress",
				},
				Unsupported: map[string]int{"google_cloud_scheduler_job": 1}, Free: 1,
				TopChange: "~google_bigquery_dataset.events 0",
			},
		},
		{
			name: "synthetic_missing_past_totals_recomputed",
			file: "synthetic/missing_past_totals.json",
			want: figures{
				Projects: 1, Past: "10", New: "12.5", Diff: "2.5", Complete: true,
				Unsupported: map[string]int{}, TopChange: "~google_artifact_registry_repository.images 2.5",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := summarize(analyze(load(t, tt.file)))
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Analyze(%s) mismatch (-got +want):\n%s", tt.file, diff)
			}
		})
	}
}

func TestUpstreamFixturesMatchSchema(t *testing.T) {
	t.Parallel()
	c := jsonschema.NewCompiler()
	f, err := os.Open(filepath.Join("testdata", "upstream", "infracost.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("infracost.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("infracost.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		file  string
		valid bool
	}{
		{name: "google_breakdown", file: "upstream/breakdown_format_json_with_tags_google.golden", valid: true},
		{name: "diff_compare_to", file: "upstream/diff_with_compare_to_format_json.golden", valid: true},
		{name: "diff_prior_empty", file: "upstream/diff_prior_empty_project_json.golden", valid: true},
		// Older layouts that real CI files still have: the decoder must be lenient with them.
		{name: "older_project_error", file: "upstream/out_with_project_error.json", valid: false},
		{name: "no_past_breakdown", file: "upstream/ToMarkdown_NoPreviousBreakdown.json", valid: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The upstream harness replaced times with a placeholder that is not a date-time.
			b := bytes.ReplaceAll(readFixture(t, tt.file), []byte(`"REPLACED_TIME"`), []byte(`"2026-08-21T00:00:00Z"`))
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			err = sch.Validate(inst)
			if got := err == nil; got != tt.valid {
				t.Errorf("schema valid = %v, want %v (err %v)", got, tt.valid, err)
			}
			if _, err := DecodeReport(bytes.NewReader(readFixture(t, tt.file)), tt.file); err != nil {
				t.Errorf("Decode: %v", err)
			}
		})
	}
}

func TestDecodeReportRejects(t *testing.T) {
	t.Parallel()
	const okProject = `"projects":[{"name":"p","metadata":{},"breakdown":{"resources":[]}}]`
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{name: "not_json", input: "Error: no API key", wantErr: "invalid JSON"},
		{name: "empty", input: "", wantErr: "decode"},
		{name: "missing_version", input: `{"currency":"USD",` + okProject + `}`, wantErr: `missing "version"`},
		{name: "future_version", input: `{"version":"0.3","currency":"USD",` + okProject + `}`, wantErr: `unsupported format version "0.3"`},
		{name: "missing_currency", input: `{"version":"0.2",` + okProject + `}`, wantErr: `missing "currency"`},
		{name: "missing_projects", input: `{"version":"0.2","currency":"USD"}`, wantErr: `missing "projects"`},
		{name: "project_without_breakdown", input: `{"version":"0.2","currency":"USD","projects":[{"name":"p","metadata":{}}]}`, wantErr: "no breakdown and no errors"},
		{name: "amount_not_decimal", input: `{"version":"0.2","currency":"USD","totalMonthlyCost":"12,50",` + okProject + `}`, wantErr: `amount "12,50" is not a decimal`},
		{name: "amount_huge_exponent", input: `{"version":"0.2","currency":"USD","totalMonthlyCost":"1e99",` + okProject + `}`, wantErr: "out of range"},
		{name: "amount_wrong_type", input: `{"version":"0.2","currency":"USD","totalMonthlyCost":true,` + okProject + `}`, wantErr: "not a decimal"},
		{name: "resources_wrong_type", input: `{"version":"0.2","currency":"USD","projects":[{"name":"p","breakdown":{"resources":{}}}]}`, wantErr: `field "projects.breakdown.resources"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeReport(strings.NewReader(tt.input), "in.json")
			if err == nil {
				t.Fatalf("Decode(%q) = nil error, want %q", tt.input, tt.wantErr)
			}
			if !errors.Is(err, errBadInput) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Decode error = %v, want ErrBadInput containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNullIsNotZero(t *testing.T) {
	t.Parallel()
	const in = `{"version":"0.2","currency":"USD","projects":[{"name":"p","metadata":{},"breakdown":{"resources":[
	 {"name":"a.zero","resourceType":"a","costComponents":[{"name":"c","monthlyCost":"0"}]},
	 {"name":"a.null","resourceType":"a","costComponents":[{"name":"c","monthlyCost":null}]},
	 {"name":"a.absent","resourceType":"a","costComponents":[{"name":"c"}]},
	 {"name":"a.unpriced","resourceType":"a","costComponents":[{"name":"c","monthlyCost":"0","priceNotFound":true}]}
	]}}]}`
	r, err := DecodeReport(strings.NewReader(in), "in.json")
	if err != nil {
		t.Fatal(err)
	}
	got := summarize(analyze(r)).Unknown
	want := []string{"a.absent", "a.null", "a.unpriced"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("unknown addresses mismatch (-got +want):\n%s", diff)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	t.Run("projects_concatenate_and_totals_add", func(t *testing.T) {
		t.Parallel()
		m, err := Merge(load(t, "synthetic/gcp_pr.json"), load(t, "synthetic/missing_past_totals.json"))
		if err != nil {
			t.Fatal(err)
		}
		got := summarize(analyze(m))
		want := figures{
			Projects: 2, Past: "13.69686", New: "16.26166", Diff: "2.5648", Complete: false,
			Unknown: []string{"google_pubsub_subscription.dead_letter"}, Unsupported: map[string]int{"google_cloud_scheduler_job": 1}, Free: 1,
			TopChange: "~google_artifact_registry_repository.images 2.5",
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("merged figures mismatch (-got +want):\n%s", diff)
		}
		if n := len(m.Raw["projects"].([]any)); n != 2 {
			t.Errorf("raw projects = %d, want 2", n)
		}
	})
	t.Run("past_unknown_when_one_project_has_no_baseline", func(t *testing.T) {
		t.Parallel()
		m, err := Merge(load(t, "synthetic/gcp_pr.json"), load(t, "upstream/ToMarkdown_NoPreviousBreakdown.json"))
		if err != nil {
			t.Fatal(err)
		}
		c := analyze(m)
		if c.Past.Valid || c.Diff.Valid {
			t.Errorf("past/diff = %v/%v, want unknown", c.Past, c.Diff)
		}
	})
	t.Run("currency_mismatch_is_bad_input", func(t *testing.T) {
		t.Parallel()
		_, err := Merge(load(t, "synthetic/gcp_pr.json"), load(t, "synthetic/eur_small.json"))
		if !errors.Is(err, errBadInput) || !strings.Contains(err.Error(), "currency EUR") {
			t.Errorf("Merge error = %v, want currency mismatch", err)
		}
	})
}

func TestTypeOf(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "plain", in: "google_pubsub_topic.events", want: "google_pubsub_topic"},
		{name: "indexed", in: "google_pubsub_topic.events[0]", want: "google_pubsub_topic"},
		{name: "module", in: "module.ecr.aws_ecr_repository.this[0]", want: "aws_ecr_repository"},
		{name: "nested_module", in: "module.a.module.b.google_storage_bucket.x", want: "google_storage_bucket"},
		{name: "data", in: "data.google_project.p", want: "google_project"},
		{name: "no_dot", in: "weird", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := typeOf(tt.in); got != tt.want {
				t.Errorf("TypeOf(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzDecode: no input may panic the decoder or the analysis. The seed corpus (every fixture) runs in
// plain `go test`; `go test -fuzz FuzzDecodeReport ./tools/internal/cost` explores further.
func FuzzDecodeReport(f *testing.F) {
	for _, dir := range []string{"upstream", "synthetic"} {
		entries, err := os.ReadDir(filepath.Join("testdata", dir))
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".md") {
				continue
			}
			f.Add(readFixture(f, filepath.Join(dir, e.Name())))
		}
	}
	f.Add([]byte(`{"version":"0.2","currency":"USD","projects":[{"name":"p","breakdown":{"resources":[{"name":"x","subresources":[{"name":"y","costComponents":[{"monthlyCost":"-1e-60"}]}]}]}}]}`))
	f.Add([]byte(`{"version":"0.2","currency":"USD","projects":[{"name":"p","metadata":{"errors":[{"code":"x"}]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeReport(bytes.NewReader(b), "fuzz.json")
		if err != nil {
			if !errors.Is(err, errBadInput) {
				t.Fatalf("error is not ErrBadInput: %v", err)
			}
			return
		}
		m, err := Merge(r, r)
		if err != nil {
			t.Fatal(err)
		}
		c := analyze(m)
		if !c.New.Valid {
			t.Fatal("Analyze: New must always be a (lower-bound) known amount")
		}
	})
}
