package tfplan

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, input, wantErr string
	}{
		{"empty", "  ", "empty input"},
		{"not_json", "Terraform used the selected providers", "not a JSON object"},
		{"wrapper_output", `{"format_version":"1.2"}` + "\n::debug::exit 0", "trailing data"},
		{"no_format_version", `{"resource_changes":[]}`, "format_version missing"},
		{"format_version_2", `{"format_version":"2.0","resource_changes":[]}`, `format_version "2.0", want 1.x`},
		{"format_version_0", `{"format_version":"0.2","resource_changes":[]}`, `format_version "0.2", want 1.x`},
		{"state_not_plan", `{"format_version":"1.0","values":{}}`, "this is state"},
		{"change_without_address", `{"format_version":"1.2","resource_changes":[{"type":"x","change":{"actions":["create"]}}]}`, "resource_changes[0] lacks"},
		{"wrong_types", `{"format_version":"1.2","resource_changes":"nope"}`, "unsupported plan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrFormat) {
				t.Errorf("Parse error = %v, want ErrFormat containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseWalksResources(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../policy/testdata/plans/replace_delete.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Skipped, map[string]int{"data source": 1, "delete": 3, "forget": 1}); diff != "" {
		t.Errorf("skipped (-got +want):\n%s", diff)
	}
	byAddr := map[string]Resource{}
	for _, r := range p.Resources {
		byAddr[r.Address] = r
	}
	tests := []struct {
		address string
		want    Resource
	}{
		{`module.alerts[0].google_monitoring_alert_policy.this["api-5xx"]`, Resource{
			Address: `module.alerts[0].google_monitoring_alert_policy.this["api-5xx"]`, ModuleAddress: "module.alerts[0]",
			Type: "google_monitoring_alert_policy", Name: "this", Index: "api-5xx", Actions: []string{"create"},
			Unknowns: []Unknown{
				{Attribute: "conditions", Resolution: Unset},
				{Attribute: "creation_record", Resolution: Unset},
				{Attribute: "id", Resolution: Unset},
				{Attribute: "name", Resolution: Unset},
				{Attribute: "notification_channels", Resolution: ResolvedByResource, References: []string{"google_monitoring_notification_channel.email.id", "google_monitoring_notification_channel.email"}},
			},
			ModuleSources: []string{"./modules/alerts"},
		}},
		{"google_bigquery_table.events", Resource{
			Address: "google_bigquery_table.events", Type: "google_bigquery_table", Name: "events", Actions: []string{"delete", "create"},
			Unknowns: []Unknown{
				{Attribute: "effective_labels", Resolution: Unset},
				{Attribute: "etag", Resolution: Unset},
				{Attribute: "id", Resolution: Unset},
				{Attribute: "schema", Resolution: Unresolved, References: []string{"path.module"}},
				{Attribute: "self_link", Resolution: Unset},
			},
		}},
		{"google_cloud_run_v2_service_iam_member.invoker", Resource{
			Address: "google_cloud_run_v2_service_iam_member.invoker", Type: "google_cloud_run_v2_service_iam_member", Name: "invoker",
			Actions: []string{"no-op"}, Unknowns: []Unknown{{Attribute: "etag", Resolution: Unset}, {Attribute: "id", Resolution: Unset}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(byAddr[tt.address], tt.want); diff != "" {
				t.Errorf("resource (-got +want):\n%s", diff)
			}
		})
	}
	for _, gone := range []string{"google_service_account_key.old", "google_storage_bucket.scratch", "data.google_project.current"} {
		if _, ok := byAddr[gone]; ok {
			t.Errorf("%s was walked, want it skipped", gone)
		}
	}
}

func TestModuleNamesAndIndex(t *testing.T) {
	t.Parallel()
	if diff := cmp.Diff(ModuleNames(`module.a["x"].module.b_2[0]`), []string{"a", "b_2"}); diff != "" {
		t.Errorf("ModuleNames (-got +want):\n%s", diff)
	}
	got := []string{IndexString(nil), IndexString(3), IndexString(`a"b`)}
	if diff := cmp.Diff(got, []string{"", "[3]", `["a\"b"]`}); diff != "" {
		t.Errorf("IndexString (-got +want):\n%s", diff)
	}
}
