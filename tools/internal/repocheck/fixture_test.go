package repocheck_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/acme-platform/golden-path/tools/internal/repocheck"
)

// TestPlanFixtures checks that the committed plans (made by
// scripts/plan-fixture.sh) are valid plan JSON and still describe the .tf
// files: the same modules, sources, resources, variables and outputs. A
// change to the Terraform without regenerating the fixtures fails here.
func TestPlanFixtures(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	tests := []struct {
		name    string
		fixture string
		dir     func(t *testing.T) string
		creates int
	}{
		{name: "service", fixture: "service-plan.json", dir: func(t *testing.T) string { return renderServiceIaC(t, root) }, creates: 64}, // + the FinOps alert (issue 18), + the batch module (17, issue 20)
		{name: "service_long_name", fixture: "service-plan-long-name-prod.json", dir: func(t *testing.T) string {
			return renderCaseIaC(t, root, filepath.Join(root, "template", "testdata", "cases", "full-public.yaml"))
		}, creates: 65},
		{name: "bootstrap", fixture: "bootstrap-plan.json", dir: func(*testing.T) string { return filepath.Join(root, "iac", "bootstrap") }, creates: 55}, // + the batch module's APIs and grants (3 APIs, 2 plan roles, 3 apply roles, 1 repository grant)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(filepath.Join(root, "iac", "testdata", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			var plan tfjson.Plan
			if err := json.Unmarshal(src, &plan); err != nil {
				t.Fatalf("decode %s: %v", tt.fixture, err)
			}
			if err := plan.Validate(); err != nil {
				t.Fatalf("%s: %v", tt.fixture, err)
			}
			if !strings.HasPrefix(plan.FormatVersion, "1.") {
				t.Errorf("format_version = %q, want 1.x", plan.FormatVersion)
			}
			creates := 0
			for _, rc := range plan.ResourceChanges {
				if rc.Change.Actions.Create() {
					creates++
				}
			}
			if creates != tt.creates {
				t.Errorf("%d resources created, want %d", creates, tt.creates)
			}

			m := loadModule(t, tt.dir(t))
			compareModule(t, "root", plan.Config.RootModule, m)
			for name, call := range plan.Config.RootModule.ModuleCalls {
				c, ok := m.ModuleCalls[name]
				if !ok {
					t.Errorf("fixture calls module %q, which the root no longer declares", name)
					continue
				}
				if call.Source != c.Source {
					t.Errorf("module %q source = %q in the fixture, %q in the root", name, call.Source, c.Source)
				}
				dir, err := repocheck.RepoResolver(root)(m.Dir, c.Source)
				if err != nil {
					t.Fatal(err)
				}
				compareModule(t, "module."+name, call.Module, loadModule(t, dir))
			}
			if len(plan.Config.RootModule.ModuleCalls) != len(m.ModuleCalls) {
				t.Errorf("fixture has %d module calls, the root %d", len(plan.Config.RootModule.ModuleCalls), len(m.ModuleCalls))
			}
		})
	}
}

// compareModule compares the resources, variables and outputs a plan's
// configuration records for one module with the parsed module.
func compareModule(t *testing.T, where string, cfg *tfjson.ConfigModule, m *repocheck.Module) {
	t.Helper()
	var got, want []string
	for _, r := range cfg.Resources {
		got = append(got, r.Address)
	}
	for _, r := range m.Resources {
		want = append(want, r.Address())
	}
	for name := range cfg.Variables {
		got = append(got, "var."+name)
	}
	for name := range m.Variables {
		want = append(want, "var."+name)
	}
	for name := range cfg.Outputs {
		got = append(got, "output."+name)
	}
	for name := range m.Outputs {
		want = append(want, "output."+name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("%s: fixture is stale, regenerate with scripts/plan-fixture.sh (-got +want):\n%s", where, diff)
	}
}

// TestServicePlanValues spot-checks planned values the policy and cost gates
// rely on, in the service fixture.
func TestServicePlanValues(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "iac", "testdata", "service-plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan tfjson.Plan
	if err := json.Unmarshal(src, &plan); err != nil {
		t.Fatal(err)
	}
	after := map[string]map[string]any{}
	for _, rc := range plan.ResourceChanges {
		a, _ := rc.Change.After.(map[string]any)
		after[rc.Address] = a
		if rc.Mode == tfjson.ManagedResourceMode {
			if _, ok := repocheck.LabelAttr[rc.Type]; ok && rc.Type != "google_monitoring_dashboard" {
				labels, _ := a[repocheck.LabelAttr[rc.Type]].(map[string]any)
				for _, key := range []string{"service", "env", "owner", "managed-by"} {
					if _, ok := labels[key]; !ok {
						t.Errorf("%s: label %q missing", rc.Address, key)
					}
				}
			}
		}
	}
	first := func(v any) map[string]any {
		l, _ := v.([]any)
		if len(l) == 0 {
			return nil
		}
		m, _ := l[0].(map[string]any)
		return m
	}
	// sidecar: a service's containers after the app, each as name, start
	// order and mount, and the volume the mount names (the module writes
	// them with dynamic blocks from local.sidecars, which only the planned
	// values show).
	sidecar := func(a map[string]any) any {
		tmpl := first(a["template"])
		cs, _ := tmpl["containers"].([]any)
		if len(cs) > 0 {
			cs = cs[1:]
		}
		var got []any
		for _, c := range cs {
			c, _ := c.(map[string]any)
			mount := first(c["volume_mounts"])
			got = append(got, c["name"], c["depends_on"], mount["name"], mount["mount_path"])
		}
		vol := first(tmpl["volumes"])
		return append(got, vol["name"], first(vol["secret"])["secret"], first(first(vol["secret"])["items"])["path"])
	}
	wantSidecar := []any{"gmp-sidecar", []any{"app"}, "gmp-config", "/etc/rungmp", "gmp-config", "flight-events-gmp-config", "config.yaml"}
	// CMEK: the key name is known at plan time, so the gate can check it.
	const cmek = "projects/acme-flights-dev/locations/europe-west1/keyRings/flight-events/cryptoKeys/flight-events-data"
	checks := []struct {
		address string
		get     func(a map[string]any) any
		want    any
	}{
		{"module.service.google_cloud_run_v2_service.api", func(a map[string]any) any { return a["ingress"] }, "INGRESS_TRAFFIC_INTERNAL_ONLY"},
		{"module.service.google_cloud_run_v2_service.subscriber", func(a map[string]any) any {
			return first(first(first(a["template"])["containers"])["resources"])["cpu_idle"]
		}, false},
		{"module.service.google_cloud_run_v2_service.subscriber", func(a map[string]any) any {
			return first(first(a["template"])["scaling"])["min_instance_count"]
		}, 1.0},
		{"module.service.google_cloud_run_v2_service.api", sidecar, wantSidecar},
		{"module.service.google_cloud_run_v2_service.subscriber", sidecar, wantSidecar},
		{"module.flight_events.google_pubsub_subscription.events", func(a map[string]any) any {
			return first(a["dead_letter_policy"])["max_delivery_attempts"]
		}, 5.0},
		{"module.event_store.google_bigquery_table.events", func(a map[string]any) any { return a["require_partition_filter"] }, true},
		{"module.event_store.google_bigquery_table.events", func(a map[string]any) any { return first(a["time_partitioning"])["field"] }, "timestamp"},
		{"module.event_store.google_bigquery_table.events", func(a map[string]any) any { return a["deletion_protection"] }, true},
		{"module.observability.google_monitoring_alert_policy.latency", func(a map[string]any) any {
			return first(first(a["conditions"])["condition_threshold"])["threshold_value"]
		}, 1500.0},
		{"module.observability.google_monitoring_alert_policy.error_rate", func(a map[string]any) any {
			return first(first(a["conditions"])["condition_threshold"])["threshold_value"]
		}, 0.01},
		{"module.observability.google_monitoring_alert_policy.no_messages", func(a map[string]any) any {
			return first(first(a["conditions"])["condition_absent"])["duration"]
		}, "600s"},
		{"module.flight_events.google_pubsub_topic.events", func(a map[string]any) any { return a["kms_key_name"] }, cmek},
		{"module.flight_events.google_pubsub_topic.dead_letter", func(a map[string]any) any { return a["kms_key_name"] }, cmek},
		{"module.event_store.google_bigquery_dataset.this", func(a map[string]any) any { return first(a["default_encryption_configuration"])["kms_key_name"] }, cmek},
		{"google_kms_crypto_key.data", func(a map[string]any) any { return a["rotation_period"] }, "7776000s"},
		{"module.observability.google_monitoring_slo.latency", func(a map[string]any) any { return a["goal"] }, 0.99},
		{"module.observability.google_monitoring_slo.availability", func(a map[string]any) any { return a["goal"] }, 0.999},
		{"module.observability.google_monitoring_slo.ingest", func(a map[string]any) any { return a["goal"] }, 0.995},
	}
	for _, c := range checks {
		a, ok := after[c.address]
		if !ok {
			t.Errorf("no resource change for %s", c.address)
			continue
		}
		if diff := cmp.Diff(c.get(a), c.want); diff != "" {
			t.Errorf("%s (-got +want):\n%s", c.address, diff)
		}
	}
	var public []string
	for addr := range after {
		if strings.Contains(addr, "public_invoker") {
			public = append(public, addr)
		}
	}
	if len(public) != 0 {
		t.Errorf("the example case is internal, but the plan grants public invocation: %v", public)
	}
}

// floatArtifact is a decimal fraction with a run of four 9s or 0s: how
// terraform prints a product such as 0.01 * 100 (its numbers are binary, the
// product 0.99999…, a hundred and fifty 9s long).
var floatArtifact = regexp.MustCompile(`\d\.\d*(9999|0000)`)

// TestPlanTextNumbers checks that the text people read in every committed
// plan (display names, alert documentation, descriptions) prints its numbers
// as written: a percentage computed as x * 100 without format() shows as
// 0.9999… % in the alert.
func TestPlanTextNumbers(t *testing.T) {
	t.Parallel()
	fixtures, err := filepath.Glob(filepath.Join(repoRoot(t), "iac", "testdata", "*.json"))
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no plan fixtures (%v)", err)
	}
	text := map[string]bool{"display_name": true, "content": true, "subject": true, "description": true}
	for _, f := range fixtures {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var plan tfjson.Plan
		if err := json.Unmarshal(src, &plan); err != nil {
			t.Fatalf("decode %s: %v", f, err)
		}
		var walk func(addr, path string, v any)
		walk = func(addr, path string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if s, ok := x.(string); ok && text[k] && floatArtifact.MatchString(s) {
						t.Errorf("%s: %s %s%s = %q: format the number", filepath.Base(f), addr, path, k, s)
					}
					walk(addr, path+k+".", x)
				}
			case []any:
				for i, x := range v {
					walk(addr, fmt.Sprintf("%s%d.", path, i), x)
				}
			}
		}
		for _, rc := range plan.ResourceChanges {
			walk(rc.Address, "", rc.Change.After)
		}
	}
}
