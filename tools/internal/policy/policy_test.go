package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/repotest"
	"github.com/acme-platform/golden-path/tools/internal/tfplan"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testNow is the clock of the waiver tests and goldens.
var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

var (
	gateOnce sync.Once
	gate     *TerraformGate
	gateErr  error
)

// defaultGate compiles the embedded policies once for all tests.
func defaultGate(t testing.TB) *TerraformGate {
	t.Helper()
	gateOnce.Do(func() { gate, gateErr = NewTerraformGate(context.Background(), Config{}) })
	if gateErr != nil {
		t.Fatalf("NewTerraformGate: %v", gateErr)
	}
	return gate
}

func readPlan(t testing.TB, name string) *tfplan.Plan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "plans", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := tfplan.ParseInput(b, InputKeys(nil)) // as policygate reads it
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return p
}

type hit struct {
	Rule, Address string
	Unknown       bool
}

func hits(fs []Finding) []hit {
	out := []hit{}
	for _, f := range fs {
		out = append(out, hit{f.RuleID, f.Address, f.Unknown})
	}
	return out
}

func TestEvaluateFixtures(t *testing.T) {
	t.Parallel()
	g := defaultGate(t)
	tests := []struct {
		name string
		plan string
		want []hit
	}{
		{"compliant_service", "compliant.json", []hit{}},
		{"replacement_evaluated_deletes_skipped", "replace_delete.json", []hit{{"GCP-BQ-003", "google_bigquery_table.events", false}}},
		{"unknown_values_reported_as_unknown", "unknown.json", []hit{
			{"GCP-GCS-002", "module.state.google_storage_bucket.tfstate", true},
			{"GCP-IAM-002", `google_project_iam_member.run["roles/bigquery.dataEditor"]`, true},
			{"GCP-IAM-002", `google_project_iam_member.run["roles/pubsub.subscriber"]`, true},
			{"GCP-IAM-005", `google_project_iam_member.run["roles/bigquery.dataEditor"]`, true},
			{"GCP-IAM-005", `google_project_iam_member.run["roles/pubsub.subscriber"]`, true},
			{"GCP-IAM-006", `google_project_iam_member.run["roles/bigquery.dataEditor"]`, true},
			{"GCP-IAM-006", `google_project_iam_member.run["roles/pubsub.subscriber"]`, true},
			{"GCP-PS-001", "google_pubsub_topic.events", true},
			{"GCP-RUN-002", "google_cloud_run_v2_service.api", true},
		}},
		// Channel IDs reach the alert modules through module variables: fed
		// from the channel resource (directly, or through two nested module
		// calls) they resolve; fed from a root variable they stay unknown.
		{"module_variables_followed_to_resources", "module_variables.json", []hit{
			{"GCP-MON-001", "module.legacy_alerts.google_monitoring_alert_policy.backlog", true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := g.Evaluate(t.Context(), readPlan(t, tt.plan))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(hits(got), tt.want); diff != "" {
				t.Errorf("findings (-got +want):\n%s", diff)
			}
		})
	}
}

type doc = map[string]any

// violationCase breaks exactly one rule on one address of the compliant plan.
type violationCase struct {
	rule, address string
	mutate        func(doc)
}

// violationCases are the mutations that produce testdata/plans/violations:
// one per rule of the catalog.
func violationCases(t *testing.T) []violationCase {
	t.Helper()
	after := func(p doc, addr string) doc {
		for _, rc := range p["resource_changes"].([]any) {
			r := rc.(doc)
			if r["address"] == addr {
				return r["change"].(doc)["after"].(doc)
			}
		}
		t.Fatalf("no %s in fixture", addr)
		return nil
	}
	add := func(p doc, addr, typ string, a doc) {
		p["resource_changes"] = append(p["resource_changes"].([]any), doc{"address": addr, "mode": "managed", "type": typ, "name": "x",
			"change": doc{"actions": []any{"create"}, "after": a, "after_unknown": doc{}}})
	}
	const bucket = "module.state.google_storage_bucket.tfstate"
	labels := doc{"service": "flight-events", "env": "dev", "owner": "platform-team", "managed-by": "terraform"}
	return []violationCase{
		{"GCP-IAM-001", `google_project_iam_member.run["roles/pubsub.subscriber"]`, func(p doc) {
			after(p, `google_project_iam_member.run["roles/pubsub.subscriber"]`)["role"] = "roles/owner"
		}},
		{"GCP-IAM-002", "google_cloud_run_v2_service_iam_member.invoker", func(p doc) {
			after(p, "google_cloud_run_v2_service_iam_member.invoker")["member"] = "allUsers"
		}},
		{"GCP-IAM-003", "google_service_account_key.x", func(p doc) {
			add(p, "google_service_account_key.x", "google_service_account_key", doc{"service_account_id": "run"})
		}},
		{"GCP-IAM-004", "google_project_iam_member.x", func(p doc) {
			add(p, "google_project_iam_member.x", "google_project_iam_member", doc{"role": "roles/iam.serviceAccountUser", "member": "group:ops@acme.example"})
		}},
		{"GCP-IAM-005", "google_project_iam_member.x", func(p doc) {
			add(p, "google_project_iam_member.x", "google_project_iam_member", doc{"role": "roles/pubsub.publisher", "member": "serviceAccount:1-compute@developer.gserviceaccount.com"})
		}},
		{"GCP-IAM-006", "google_cloud_run_v2_service_iam_member.invoker", func(p doc) {
			after(p, "google_cloud_run_v2_service_iam_member.invoker")["member"] = "user:jo@example.org"
		}},
		{"GCP-GCS-001", bucket, func(p doc) { after(p, bucket)["uniform_bucket_level_access"] = false }},
		{"GCP-GCS-002", bucket, func(p doc) { after(p, bucket)["public_access_prevention"] = "inherited" }},
		{"GCP-GCS-003", bucket, func(p doc) { after(p, bucket)["versioning"] = []any{} }},
		{"GCP-GCS-004", bucket, func(p doc) { after(p, bucket)["force_destroy"] = true }},
		{"GCP-BQ-001", "google_bigquery_dataset.events", func(p doc) {
			after(p, "google_bigquery_dataset.events")["access"] = []any{doc{"role": "READER", "special_group": "allAuthenticatedUsers"}}
		}},
		{"GCP-BQ-002", "google_bigquery_dataset.events", func(p doc) {
			for _, rc := range p["resource_changes"].([]any) {
				if r := rc.(doc); r["address"] == "google_bigquery_dataset.events" {
					delete(r["change"].(doc)["after_unknown"].(doc), "default_encryption_configuration")
				}
			}
		}},
		{"GCP-BQ-003", "google_bigquery_table.events", func(p doc) { after(p, "google_bigquery_table.events")["deletion_protection"] = false }},
		{"GCP-PS-001", "google_pubsub_topic.dead_letter", func(p doc) {
			for _, rc := range p["resource_changes"].([]any) {
				if r := rc.(doc); r["address"] == "google_pubsub_topic.dead_letter" {
					delete(r["change"].(doc)["after_unknown"].(doc), "kms_key_name")
				}
			}
		}},
		{"GCP-PS-002", "google_pubsub_subscription.bigquery", func(p doc) {
			after(p, "google_pubsub_subscription.bigquery")["dead_letter_policy"] = []any{doc{"dead_letter_topic": "t", "max_delivery_attempts": 0}}
		}},
		{"GCP-PS-003", "google_pubsub_subscription.bigquery", func(p doc) {
			after(p, "google_pubsub_subscription.bigquery")["message_retention_duration"] = "600s"
		}},
		{"GCP-RUN-001", "google_cloud_run_v2_service.api", func(p doc) { after(p, "google_cloud_run_v2_service.api")["ingress"] = "INGRESS_TRAFFIC_ALL" }},
		{"GCP-RUN-002", "google_cloud_run_v2_service.api", func(p doc) {
			for _, rc := range p["resource_changes"].([]any) {
				if r := rc.(doc); r["address"] == "google_cloud_run_v2_service.api" {
					r["change"].(doc)["after_unknown"].(doc)["template"] = []any{doc{}}
					r["change"].(doc)["after"].(doc)["template"].([]any)[0].(doc)["service_account"] = "123-compute@developer.gserviceaccount.com"
				}
			}
		}},
		{"GCP-DF-001", "google_dataflow_flex_template_job.x", func(p doc) {
			add(p, "google_dataflow_flex_template_job.x", "google_dataflow_flex_template_job", doc{"ip_configuration": "WORKER_IP_PUBLIC",
				"service_account_email": "flight-events-batch@p.iam.gserviceaccount.com", "labels": labels})
		}},
		{"GCP-DF-002", "google_dataflow_job.x", func(p doc) {
			add(p, "google_dataflow_job.x", "google_dataflow_job", doc{"ip_configuration": "WORKER_IP_PRIVATE",
				"service_account_email": "123-compute@developer.gserviceaccount.com", "labels": labels})
		}},
		{"GCP-GEN-001", "google_pubsub_topic.events", func(p doc) {
			a := after(p, "google_pubsub_topic.events")
			a["labels"], a["terraform_labels"] = doc{"service": "x"}, doc{"service": "x"}
		}},
		{"GCP-GEN-002", "google_cloud_run_v2_service.api", func(p doc) { after(p, "google_cloud_run_v2_service.api")["location"] = "asia-east1" }},
		{"GCP-MON-001", `module.alerts[0].google_monitoring_alert_policy.this["api-5xx"]`, func(p doc) {
			after(p, `module.alerts[0].google_monitoring_alert_policy.this["api-5xx"]`)["enabled"] = false
		}},
	}
}

// mutatedPlan is compliant.json with one mutation applied, as the indented
// JSON committed under testdata/plans/violations (numbers kept as written,
// keys sorted: compare with `diff <(jq -S . compliant.json) <(jq -S . X.json)`).
func mutatedPlan(t *testing.T, base []byte, mutate func(doc)) []byte {
	t.Helper()
	var p doc
	dec := json.NewDecoder(bytes.NewReader(base))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	mutate(p)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestViolationFixtures: one committed plan per rule violation
// (testdata/plans/violations/<rule-id>.json, compliant.json with that rule's
// mutation, rewritten only by -update) yields exactly that rule's finding on
// the mutated address, and the json report matches its golden
// (testdata/golden/violations/<rule-id>.json). A fixture that no longer
// equals the mutated compliant plan is reported stale.
func TestViolationFixtures(t *testing.T) {
	t.Parallel()
	g := defaultGate(t)
	base, err := os.ReadFile("testdata/plans/compliant.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := violationCases(t)
	covered := map[string]bool{}
	for _, tt := range cases {
		covered[tt.rule] = true
		t.Run(strings.ToLower(strings.ReplaceAll(tt.rule, "-", "_")), func(t *testing.T) {
			t.Parallel()
			planPath := "testdata/plans/violations/" + tt.rule + ".json"
			goldenPath := filepath.Join("testdata", "golden", "violations", tt.rule+".json")
			generated := mutatedPlan(t, base, tt.mutate)
			if *update {
				if err := os.WriteFile(planPath, generated, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			committed, err := os.ReadFile(planPath)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(committed, generated) {
				t.Errorf("%s is stale: it is not compliant.json with the %s mutation (run go test -update)", planPath, tt.rule)
			}
			plan, err := tfplan.Parse(committed)
			if err != nil {
				t.Fatal(err)
			}
			got, err := g.Evaluate(t.Context(), plan)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(hits(got), []hit{{tt.rule, tt.address, false}}); diff != "" {
				t.Errorf("findings (-got +want):\n%s", diff)
			}
			findings, st := ApplyWaivers(got, nil, testNow)
			var buf bytes.Buffer
			if err := NewReport(planPath, plan, g.Catalog(), findings, st, "MEDIUM").Write(&buf, "json"); err != nil {
				t.Fatal(err)
			}
			repotest.Golden(t, goldenPath, buf.Bytes(), *update)
		})
	}
	ids := map[string]bool{}
	for _, r := range g.Catalog() {
		ids[r.ID] = true
		if !covered[r.ID] {
			t.Errorf("rule %s has no violation fixture", r.ID)
		}
	}
	if *update {
		return // the parallel subtests write the files after this returns
	}
	files, err := filepath.Glob("testdata/plans/violations/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(cases) {
		t.Errorf("%d violation fixtures for %d cases", len(files), len(cases))
	}
	for _, f := range files {
		if id := strings.TrimSuffix(filepath.Base(f), ".json"); !ids[id] {
			t.Errorf("%s: no rule %s in the catalog (stale fixture?)", f, id)
		}
	}
}

func TestGoldenReports(t *testing.T) {
	t.Parallel()
	g := defaultGate(t)
	for _, plan := range []string{"compliant", "violating", "unknown", "replace_delete", "module_variables"} {
		for _, format := range Formats {
			t.Run(plan+"_"+format, func(t *testing.T) {
				t.Parallel()
				p := readPlan(t, plan+".json")
				findings, err := g.Evaluate(t.Context(), p)
				if err != nil {
					t.Fatal(err)
				}
				var waivers []Waiver
				if plan == "violating" {
					f, err := os.Open("testdata/waivers/violating.yaml")
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					if waivers, err = LoadWaivers(f, testNow); err != nil {
						t.Fatal(err)
					}
				}
				findings, st := ApplyWaivers(findings, waivers, testNow)
				r := NewReport("testdata/plans/"+plan+".json", p, g.Catalog(), findings, st, "MEDIUM")
				var buf bytes.Buffer
				if err := r.Write(&buf, format); err != nil {
					t.Fatal(err)
				}
				ext := map[string]string{"text": "txt", "json": "json", "markdown": "md", "sarif": "sarif", "github": "github.txt"}[format]
				golden := filepath.Join("testdata", "golden", plan+"."+ext)
				repotest.Golden(t, golden, buf.Bytes(), *update)
			})
		}
	}
}

func TestNewTerraformGateFailsClosed(t *testing.T) {
	t.Parallel()
	const noMeta = "package terraform.rules.mine\n\ndeny contains \"x\" if { some rc in input.resource_changes; rc.type == \"x\" }\n"
	const twoDeny = "package terraform.rules.two\n\n# METADATA\n# title: t\n# description: d\n# custom:\n#   id: X-1\n#   severity: LOW\n#   resource_types: [x]\n#   remediation: r\n#   related: [ours]\ndeny contains 1 if { input.a }\n\ndeny contains 2 if { input.b }\n"
	const badSeverity = "package terraform.rules.sev\n\n# METADATA\n# title: t\n# description: d\n# custom:\n#   id: X-2\n#   severity: URGENT\n#   resource_types: [x]\n#   remediation: r\n#   related: [ours]\ndeny contains 1 if { input.a }\n"
	const syntax = "package terraform.rules.broken\n\ndeny contains f if {\n"
	const unused = "package terraform.rules.strict\n\n# METADATA\n# title: t\n# description: d\n# custom:\n#   id: X-3\n#   severity: LOW\n#   resource_types: [x]\n#   remediation: r\n#   related: [ours]\ndeny contains 1 if {\n\tx := input.a\n\tinput.b\n}\n"
	const dupID = "package terraform.rules.dup\n\n# METADATA\n# title: t\n# description: d\n# custom:\n#   id: GCP-IAM-001\n#   severity: LOW\n#   resource_types: [x]\n#   remediation: r\n#   related: [ours]\ndeny contains 1 if { input.a }\n"
	tests := []struct {
		name, src, wantErr string
	}{
		{"rule_without_metadata", noMeta, "deny has no # METADATA block"},
		{"two_deny_rules_in_one_file", twoDeny, "has 2 deny rules"},
		{"invalid_severity", badSeverity, "custom.severity"},
		{"syntax_error", syntax, "load policies"},
		{"strict_unused_variable", unused, "compile policies"},
		{"duplicate_rule_id", dupID, "already used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := Source{Name: "service", FS: fstest.MapFS{"rule.rego": {Data: []byte(tt.src)}}}
			_, err := NewTerraformGate(t.Context(), Config{}, src)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewTerraformGate error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestServicePolicySourceAddsRule(t *testing.T) {
	t.Parallel()
	const own = `package terraform.rules.svc_topic_prefix

import data.terraform.lib

# METADATA
# title: Topics are prefixed with the service name
# description: Service-owned convention.
# custom:
#   id: SVC-001
#   severity: HIGH
#   resource_types: [google_pubsub_topic]
#   remediation: Rename the topic.
#   related: ["ours"]
deny contains f if {
	some rc in lib.resources
	rc.type == "google_pubsub_topic"
	not startswith(lib.get(rc, ["name"]), "flight-events-")
	f := lib.finding(rego.metadata.rule(), lib.issue(rc, "topic name lacks the service prefix"))
}
`
	g, err := NewTerraformGate(t.Context(), Config{}, Source{Name: "svc", FS: fstest.MapFS{"own.rego": {Data: []byte(own)}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.Evaluate(t.Context(), readPlan(t, "compliant.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hits(got), []hit{{"SVC-001", "google_pubsub_topic.events", false}}); diff != "" {
		t.Errorf("findings (-got +want):\n%s", diff)
	}
}

func TestEvaluateRuntimeErrorFailsClosed(t *testing.T) {
	t.Parallel()
	g := defaultGate(t)
	// policy_data that is not JSON makes json.unmarshal fail: with strict
	// builtin errors that is an evaluation error, never a pass.
	plan, err := tfplan.Parse([]byte(`{"format_version":"1.2","resource_changes":[{"address":"google_project_iam_policy.p","mode":"managed","type":"google_project_iam_policy","name":"p","change":{"actions":["create"],"after":{"policy_data":"{not json"},"after_unknown":{}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Evaluate(t.Context(), plan); err == nil || !strings.Contains(err.Error(), "evaluate policies") {
		t.Errorf("Evaluate error = %v, want an evaluation error", err)
	}
}

func TestConfigOverridesDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(strings.NewReader("required_labels: [service, cost-center]\nallowed_regions: [europe-west1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewTerraformGate(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.Evaluate(t.Context(), readPlan(t, "compliant.json"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, f := range got {
		ids[f.RuleID]++
	}
	// 10 labelable resources lack cost-center; all regions are europe-west1.
	if diff := cmp.Diff(ids, map[string]int{"GCP-GEN-001": 10}); diff != "" {
		t.Errorf("findings per rule (-got +want):\n%s", diff)
	}
	if _, err := LoadConfig(strings.NewReader("required_label: [x]\n")); err == nil {
		t.Error("LoadConfig accepted an unknown key")
	}
}
