package tfplan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/open-policy-agent/opa/v1/ast"
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

// moduleVarPlan is a topic in module.a["x"].module.b[0] whose kms_key_name
// comes from var.key; module call b (in a) sets key from bExpr, the root
// call a sets outer from aExpr.
func moduleVarPlan(bExpr, aExpr string) string {
	return `{"format_version":"1.2","resource_changes":[{"address":"module.a[\"x\"].module.b[0].google_pubsub_topic.t",
	"module_address":"module.a[\"x\"].module.b[0]","mode":"managed","type":"google_pubsub_topic","name":"t",
	"change":{"actions":["create"],"after":{},"after_unknown":{"kms_key_name":true}}}],
	"configuration":{"root_module":{"module_calls":{"a":{"source":"./a","expressions":{"outer":` + aExpr + `},
	"module":{"module_calls":{"b":{"source":"./b","expressions":{"key":` + bExpr + `},
	"module":{"resources":[{"address":"google_pubsub_topic.t","mode":"managed","type":"google_pubsub_topic","name":"t",
	"expressions":{"kms_key_name":{"references":["var.key"]}}}]}}}}}}}}}`
}

func TestResolveFollowsModuleVariables(t *testing.T) {
	t.Parallel()
	const key = `{"references":["google_kms_crypto_key.k.id","google_kms_crypto_key.k"]}`
	tests := []struct {
		name, bExpr, aExpr string
		want               Resolution
	}{
		{"set_from_resource_in_parent_module", key, `{"constant_value":"unused"}`, ResolvedByResource},
		{"set_through_two_module_calls", `{"references":["var.outer"]}`, key, ResolvedByResource},
		{"variable_attribute_reference", `{"references":["var.outer.id","var.outer"]}`, key, ResolvedByResource},
		{"ends_in_root_variable", `{"references":["var.outer"]}`, `{"references":["var.key_id"]}`, Unresolved},
		{"ends_in_local", `{"references":["var.outer"]}`, `{"references":["local.key"]}`, Unresolved},
		{"ends_in_module_output", `{"references":["module.kms.id"]}`, key, Unresolved},
		{"ends_in_data_source", `{"references":["data.google_kms_crypto_key.k.id"]}`, key, Unresolved},
		{"partly_a_local", `{"references":["google_kms_crypto_key.k.id","local.suffix"]}`, key, Unresolved},
		{"set_from_constant", `{"constant_value":"projects/p/cryptoKeys/k"}`, key, Unresolved},
		{"outer_not_set_by_root_call", `{"references":["var.outer"]}`, `null`, Unresolved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse([]byte(moduleVarPlan(tt.bExpr, tt.aExpr)))
			if err != nil {
				t.Fatal(err)
			}
			want := []Unknown{{Attribute: "kms_key_name", Resolution: tt.want, References: []string{"var.key"}}}
			if diff := cmp.Diff(p.Resources[0].Unknowns, want); diff != "" {
				t.Errorf("unknowns (-got +want):\n%s", diff)
			}
		})
	}
}

// TestServicePlanAlertChannelsResolve: in the real service plan the alert
// policies' channel IDs reach module.observability through
// var.notification_channels, set from the channel resource of the root
// module: every one resolves to that resource.
func TestServicePlanAlertChannelsResolve(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../../iac/testdata/service-plan.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	alerts := 0
	for _, r := range p.Resources {
		if r.Type != "google_monitoring_alert_policy" {
			continue
		}
		for _, u := range r.Unknowns {
			if u.Attribute == "notification_channels" {
				alerts++
				if u.Resolution != ResolvedByResource {
					t.Errorf("%s: notification_channels %s (references %v), want %s", r.Address, u.Resolution, u.References, ResolvedByResource)
				}
			}
		}
	}
	if alerts < 9 {
		t.Errorf("%d alert policies with unknown channels, want at least 9 (fixture changed?)", alerts)
	}
}

// bigPlan is the replace_delete fixture's resource changes repeated n times
// (addresses made unique) with a planned_values block, as in real plans.
func bigPlan(t *testing.T, n int) []byte {
	t.Helper()
	b, err := os.ReadFile("../policy/testdata/plans/replace_delete.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	base := doc["resource_changes"].([]any)
	var rcs []any
	for i := range n {
		for _, rc := range base {
			var c map[string]any
			raw, _ := json.Marshal(rc)
			_ = json.Unmarshal(raw, &c)
			c["address"] = fmt.Sprintf("%s_%d", c["address"], i)
			c["name"] = fmt.Sprintf("%s_%d", c["name"], i)
			rcs = append(rcs, c)
		}
	}
	doc["resource_changes"] = rcs
	doc["planned_values"] = map[string]any{"root_module": map[string]any{"resources": rcs}}
	doc["checks"] = []any{map[string]any{"status": "pass", "note": "esc\u00e9 \"q\""}}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestParseInputKeysAndWorkers: converting only some members and parsing a
// large resource_changes array with several workers give the same input
// (less the skipped members), resources and skip counts as one serial parse
// of everything.
func TestParseInputKeysAndWorkers(t *testing.T) {
	t.Parallel()
	data := bigPlan(t, 120)
	whole, err := parse(data, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Input.(ast.Object).Get(ast.StringTerm("planned_values")) == nil {
		t.Fatal("serial parse of everything lacks planned_values")
	}
	if n := len(whole.Resources) + whole.Skipped["delete"] + whole.Skipped["data source"]; n < 2*minParallelElems {
		t.Fatalf("only %d resource changes: too few to use the workers", n)
	}
	// Kept: the three members parse always reads and the two asked for.
	kept := map[string]bool{"format_version": true, "resource_changes": true, "configuration": true, "terraform_version": true, "variables": true}
	want := ast.NewObject()
	whole.Input.(ast.Object).Foreach(func(k, v *ast.Term) {
		if s, ok := k.Value.(ast.String); ok && kept[string(s)] {
			want.Insert(k, v)
		}
	})
	if want.Len() != len(kept) {
		t.Fatalf("fixture has %d of the %d kept members", want.Len(), len(kept))
	}
	for _, workers := range []int{1, 2, 3, 8} {
		got, err := parse(data, []string{"terraform_version", "variables"}, workers)
		if err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		if got.Input.Compare(want) != 0 {
			t.Errorf("workers %d: input differs from the serial parse's kept members", workers)
		}
		if diff := cmp.Diff(whole.Resources, got.Resources); diff != "" {
			t.Errorf("workers %d: resources differ (-serial +got):\n%s", workers, diff)
		}
		if diff := cmp.Diff(whole.Skipped, got.Skipped); diff != "" {
			t.Errorf("workers %d: skipped differ (-serial +got):\n%s", workers, diff)
		}
	}
}

// TestParseInputReportsFirstBadChange: with several workers, the error names
// the first malformed resource change in plan order, as a serial parse does.
func TestParseInputReportsFirstBadChange(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(bigPlan(t, 120), &doc); err != nil {
		t.Fatal(err)
	}
	rcs := doc["resource_changes"].([]any)
	for _, i := range []int{len(rcs) - 1, len(rcs) / 2, 7} {
		delete(rcs[i].(map[string]any), "address")
	}
	data, _ := json.Marshal(doc)
	for _, workers := range []int{1, 2, 5} {
		_, err := parse(data, TestInputKeys, workers)
		if err == nil || !strings.Contains(err.Error(), "resource_changes[7] lacks") {
			t.Errorf("workers %d: error = %v, want resource_changes[7] lacks …", workers, err)
		}
	}
}

// TestInputKeys are some keys a gate keeps.
var TestInputKeys = []string{"format_version", "resource_changes", "configuration"}
