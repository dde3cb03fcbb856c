package repocheck_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/acme-platform/golden-path/tools/internal/policy"
	"github.com/acme-platform/golden-path/tools/internal/tfplan"
)

// readPlanDoc decodes a committed plan fixture as a generic document that
// tests may mutate.
func readPlanDoc(t *testing.T, name string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "iac", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// evaluate runs the real policy gate (embedded Rego, default config) on doc.
func evaluate(t *testing.T, gate *policy.TerraformGate, doc map[string]any) []policy.Finding {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := tfplan.Parse(data)
	if err != nil {
		t.Fatalf("tfplan.Parse: %v", err)
	}
	findings, err := gate.Evaluate(t.Context(), plan)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return findings
}

// change returns the planned values and the after_unknown tree of the
// resource change at address.
func change(t *testing.T, doc map[string]any, address string) (after, unknown map[string]any) {
	t.Helper()
	for _, rc := range doc["resource_changes"].([]any) {
		rc := rc.(map[string]any)
		if rc["address"] == address {
			c := rc["change"].(map[string]any)
			return c["after"].(map[string]any), c["after_unknown"].(map[string]any)
		}
	}
	t.Fatalf("no resource change %s", address)
	return nil, nil
}

func firstBlock(a map[string]any, name string) map[string]any {
	return a[name].([]any)[0].(map[string]any)
}

// TestFixturesPassPolicyGate: the compliant fixtures pass the gate with no
// finding at all, not even a LOW unknown one: the alert policies' channel
// IDs are assigned by the API and reach the observability module through
// var.notification_channels, which the gate follows to the channel resource
// of the same plan.
func TestFixturesPassPolicyGate(t *testing.T) {
	t.Parallel()
	gate, err := policy.NewTerraformGate(t.Context(), policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, fixture := range []string{"service-plan.json", "bootstrap-plan.json", "service-plan-incident-webhook.json"} {
		t.Run(fixture, func(t *testing.T) {
			t.Parallel()
			for _, f := range evaluate(t, gate, readPlanDoc(t, fixture)) {
				t.Errorf("finding %s %s %s (unknown %t): %s", f.RuleID, f.Severity, f.Address, f.Unknown, f.Message)
			}
		})
	}
}

// TestBrokenFixturesFailPolicyGate breaks one thing at a time in the
// compliant plans and expects the matching rule to fire on that resource.
func TestBrokenFixturesFailPolicyGate(t *testing.T) {
	t.Parallel()
	gate, err := policy.NewTerraformGate(t.Context(), policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	const (
		bucket  = "google_storage_bucket.tfstate"
		topic   = "module.flight_events.google_pubsub_topic.events"
		sub     = "module.flight_events.google_pubsub_subscription.events"
		dataset = "module.event_store.google_bigquery_dataset.this"
		table   = "module.event_store.google_bigquery_table.events"
		api     = "module.service.google_cloud_run_v2_service.api"
		jobUser = "module.service.google_project_iam_member.api_job_user"
	)
	tests := []struct {
		name    string
		fixture string
		address string
		breakIt func(a, unknown map[string]any)
		want    string
	}{
		{"state_bucket_fine_grained_acls", "bootstrap-plan.json", bucket, func(a, _ map[string]any) { a["uniform_bucket_level_access"] = false }, "GCP-GCS-001"},
		{"state_bucket_public_access_inherited", "bootstrap-plan.json", bucket, func(a, _ map[string]any) { a["public_access_prevention"] = "inherited" }, "GCP-GCS-002"},
		{"state_bucket_unversioned", "bootstrap-plan.json", bucket, func(a, _ map[string]any) { firstBlock(a, "versioning")["enabled"] = false }, "GCP-GCS-003"},
		{"state_bucket_force_destroy", "bootstrap-plan.json", bucket, func(a, _ map[string]any) { a["force_destroy"] = true }, "GCP-GCS-004"},
		{"topic_without_cmek", "service-plan.json", topic, func(a, _ map[string]any) { a["kms_key_name"] = nil }, "GCP-PS-001"},
		{"subscription_without_dead_letter", "service-plan.json", sub, func(a, unknown map[string]any) {
			a["dead_letter_policy"] = []any{}
			delete(unknown, "dead_letter_policy")
		}, "GCP-PS-002"},
		{"subscription_short_retention", "service-plan.json", sub, func(a, _ map[string]any) { a["message_retention_duration"] = "600s" }, "GCP-PS-003"},
		{"topic_stored_outside_allowed_regions", "service-plan.json", topic, func(a, _ map[string]any) {
			firstBlock(a, "message_storage_policy")["allowed_persistence_regions"] = []any{"asia-east1"}
		}, "GCP-GEN-002"},
		{"dataset_without_cmek", "service-plan.json", dataset, func(a, _ map[string]any) { a["default_encryption_configuration"] = []any{} }, "GCP-BQ-002"},
		{"table_without_deletion_protection", "service-plan.json", table, func(a, _ map[string]any) { a["deletion_protection"] = false }, "GCP-BQ-003"},
		{"api_ingress_all", "service-plan.json", api, func(a, _ map[string]any) { a["ingress"] = "INGRESS_TRAFFIC_ALL" }, "GCP-RUN-001"},
		{"api_default_compute_identity", "service-plan.json", api, func(a, _ map[string]any) {
			firstBlock(a, "template")["service_account"] = "123456789012-compute@developer.gserviceaccount.com"
		}, "GCP-RUN-002"},
		{"editor_instead_of_job_user", "service-plan.json", jobUser, func(a, _ map[string]any) { a["role"] = "roles/editor" }, "GCP-IAM-001"},
		{"public_member", "service-plan.json", jobUser, func(a, _ map[string]any) { a["member"] = "allUsers" }, "GCP-IAM-002"},
		{"topic_without_labels", "service-plan.json", topic, func(a, _ map[string]any) { a["labels"] = map[string]any{} }, "GCP-GEN-001"},
		{"batch_input_bucket_public_access_inherited", "service-plan.json", `module.batch.google_storage_bucket.this["input"]`, func(a, _ map[string]any) {
			a["public_access_prevention"] = "inherited"
		}, "GCP-GCS-002"},
		{"batch_work_bucket_unversioned", "service-plan.json", `module.batch.google_storage_bucket.this["work"]`, func(a, _ map[string]any) {
			firstBlock(a, "versioning")["enabled"] = false
		}, "GCP-GCS-003"},
		{"batch_workers_editor", "service-plan.json", "module.batch.google_project_iam_member.worker", func(a, _ map[string]any) { a["role"] = "roles/editor" }, "GCP-IAM-001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := readPlanDoc(t, tt.fixture)
			tt.breakIt(change(t, doc, tt.address))
			var got []string
			for _, f := range evaluate(t, gate, doc) {
				if f.Address == tt.address && !f.Unknown {
					got = append(got, f.RuleID)
				}
			}
			if !slices.Contains(got, tt.want) {
				t.Errorf("rules fired on %s = %v, want %s among them", tt.address, got, tt.want)
			}
		})
	}
}

// TestPublicServicePlanFailsWithoutWaiver: the public variant of the service
// (publicApi: true) is flagged until a waiver covers it.
func TestPublicServicePlanFailsWithoutWaiver(t *testing.T) {
	t.Parallel()
	doc := readPlanDoc(t, "service-plan-public.json")
	gate, err := policy.NewTerraformGate(t.Context(), policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range evaluate(t, gate, doc) {
		if f.Severity != "LOW" {
			got = append(got, f.RuleID+" "+f.Address)
		}
	}
	want := []string{
		"GCP-IAM-002 module.service.google_cloud_run_v2_service_iam_member.public_invoker[0]",
		"GCP-RUN-001 module.service.google_cloud_run_v2_service.api",
	}
	slices.Sort(got)
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("blocking findings (-got +want):\n%s", diff)
	}
}

// TestPublicServiceShipsItsWaiver: a case declared public renders a
// policy-waivers.yaml (from the form's reason, approver and expiry) that
// waives exactly the two findings of the public plan, so that its first
// plan passes the gate with both findings kept and marked waived; a case
// that is not public renders no waiver file. The gate's clock is set 30 days
// before each case's expiry, so the test does not expire with the calendar.
func TestPublicServiceShipsItsWaiver(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	gate, err := policy.NewTerraformGate(t.Context(), policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	doc := readPlanDoc(t, "service-plan-public.json")
	tests := []struct {
		values     string
		wantWaiver bool
	}{
		{"full-public.yaml", true},
		{"everything-on.yaml", true},
		{"example.yaml", false},
		{"minimal.yaml", false},
	}
	for _, tc := range tests {
		t.Run(tc.values, func(t *testing.T) {
			t.Parallel()
			service := filepath.Dir(renderCaseIaC(t, root, filepath.Join(root, "template", "testdata", "cases", tc.values)))
			raw, err := os.ReadFile(filepath.Join(service, "policy-waivers.yaml"))
			if !tc.wantWaiver {
				if !os.IsNotExist(err) {
					t.Fatalf("a service that is not public has a policy-waivers.yaml (err %v)", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("public service without its waiver file: %v", err)
			}
			waivers, now := waiversBeforeExpiry(t, raw)
			findings, st := policy.ApplyWaivers(evaluate(t, gate, doc), waivers, now)
			var waived, open []string
			for _, f := range findings {
				if f.Waived {
					waived = append(waived, f.RuleID)
				} else if f.Severity != "LOW" {
					open = append(open, f.RuleID+" "+f.Address)
				}
			}
			slices.Sort(waived)
			if diff := cmp.Diff(waived, []string{"GCP-IAM-002", "GCP-RUN-001"}); diff != "" || len(open) > 0 {
				t.Errorf("waived (-got +want):\n%s\nstill blocking: %v", diff, open)
			}
			if len(st.Stale)+len(st.Expired)+len(st.Refused) > 0 {
				t.Errorf("waiver status: stale %v, expired %v, refused %v", st.Stale, st.Expired, st.Refused)
			}
			// After the expiry date the waivers stop applying: the plan blocks again.
			later := now.AddDate(0, 0, 31) // the day after the expiry
			if _, err := policy.LoadWaivers(bytes.NewReader(raw), later); err != nil {
				t.Fatalf("LoadWaivers after expiry: %v", err)
			}
			again, _ := policy.ApplyWaivers(evaluate(t, gate, doc), waivers, later)
			for _, f := range again {
				if f.Waived {
					t.Errorf("%s %s still waived after the expiry date", f.RuleID, f.Address)
				}
			}
		})
	}
}

// TestAlertBridgePlanPassesWithItsWaiver: the bootstrap with the alert bridge
// (iac/bootstrap/alertbridge.tf) has exactly the two findings of a public
// Cloud Run service (Cloud Monitoring webhooks carry no Google identity), and
// the bootstrap's reviewed policy-waivers.yaml waives exactly those until it
// expires; nothing else is left open. The clock is set 30 days before expiry.
func TestAlertBridgePlanPassesWithItsWaiver(t *testing.T) {
	t.Parallel()
	gate, err := policy.NewTerraformGate(t.Context(), policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "iac", "bootstrap", "policy-waivers.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	waivers, now := waiversBeforeExpiry(t, raw)
	findings, _ := policy.ApplyWaivers(evaluate(t, gate, readPlanDoc(t, "bootstrap-alertbridge-plan.json")), waivers, now)
	var waived, open []string
	for _, f := range findings {
		switch {
		case f.Waived:
			waived = append(waived, f.RuleID)
		case f.Severity != "LOW":
			open = append(open, f.RuleID+" "+f.Address)
		}
	}
	slices.Sort(waived)
	if diff := cmp.Diff(waived, []string{"GCP-IAM-002", "GCP-RUN-001"}); diff != "" {
		t.Errorf("waived findings (-got +want):\n%s", diff)
	}
	if len(open) != 0 {
		t.Errorf("findings left open: %v", open)
	}
}

// waiversBeforeExpiry loads a waiver file as the gate does, on a clock set 30
// days before its first waiver expires, so a test does not expire with the
// calendar; it returns the waivers and that clock.
func waiversBeforeExpiry(t *testing.T, raw []byte) ([]policy.Waiver, time.Time) {
	t.Helper()
	var expiry struct {
		Waivers []struct{ Expires string } `yaml:"waivers"`
	}
	if err := yaml.Unmarshal(raw, &expiry); err != nil || len(expiry.Waivers) == 0 {
		t.Fatalf("waiver file: %v", err)
	}
	expires, err := time.Parse(time.DateOnly, expiry.Waivers[0].Expires)
	if err != nil {
		t.Fatal(err)
	}
	now := expires.AddDate(0, 0, -30)
	waivers, err := policy.LoadWaivers(bytes.NewReader(raw), now)
	if err != nil {
		t.Fatalf("waiver file is refused by the gate: %v", err)
	}
	return waivers, now
}
