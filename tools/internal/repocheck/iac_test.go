package repocheck_test

import (
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"gopkg.in/yaml.v3"

	"github.com/acme-platform/golden-path/tools/internal/render"
	"github.com/acme-platform/golden-path/tools/internal/repocheck"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

var update = flag.Bool("update", false, "rewrite the generated inputs/outputs tables of the iac READMEs")

// repoRoot is the repository root (repotest.Root).
func repoRoot(t *testing.T) string { return repotest.Root(t) }

// exampleValues reads the canonical render case.
func exampleValues(t *testing.T, root string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "template", "testdata", "cases", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(src, &values); err != nil {
		t.Fatalf("decode example.yaml: %v", err)
	}
	return values
}

// renderServiceIaC renders skeleton/iac with the example values (the
// template engine only, as fetch:template would) next to skeleton/schema,
// and returns the rendered iac directory.
func renderServiceIaC(t *testing.T, root string) string {
	t.Helper()
	return filepath.Join(renderSkeletonDirs(t, root, "iac", "schema"), "iac")
}

// renderSkeletonDirs renders the given directories of skeleton/ with the
// example values into a temporary service root, which it returns.
func renderSkeletonDirs(t *testing.T, root string, subs ...string) string {
	t.Helper()
	values := exampleValues(t, root)
	out := t.TempDir()
	engine := render.NewEngine(render.EngineOptions{})
	for _, sub := range subs {
		srcDir := filepath.Join(root, "skeleton", sub)
		err := filepath.WalkDir(srcDir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(filepath.Join(root, "skeleton"), p)
			if err != nil {
				return err
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			got, err := engine.Render(rel, string(src), map[string]any{"values": values})
			if err != nil {
				return err
			}
			if strings.Contains(got, "${{") {
				return errors.New(rel + ": leftover template syntax after rendering")
			}
			dst := filepath.Join(out, rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, []byte(got), 0o644)
		})
		if err != nil {
			t.Fatalf("render skeleton/%s: %v", sub, err)
		}
	}
	return out
}

func dirs(t *testing.T, pattern string) []string {
	t.Helper()
	ds, err := filepath.Glob(pattern)
	if err != nil || len(ds) == 0 {
		t.Fatalf("glob %s: %v (%d matches)", pattern, err, len(ds))
	}
	return ds
}

func reportFindings(t *testing.T, what string, fs []repocheck.Finding) {
	t.Helper()
	for _, f := range fs {
		t.Errorf("%s: %s", what, f)
	}
}

func loadModule(t *testing.T, dir string) *repocheck.Module {
	t.Helper()
	m, err := repocheck.LoadModule(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSharedModules(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	modules := dirs(t, filepath.Join(root, "iac", "modules", "*"))
	var names []string
	for _, dir := range modules {
		names = append(names, filepath.Base(dir))
	}
	if diff := cmp.Diff(names, []string{"batch", "event-store", "flight-events", "observability", "service"}); diff != "" {
		t.Errorf("shared modules (-got +want):\n%s", diff)
	}
	for _, dir := range modules {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			m := loadModule(t, dir)
			reportFindings(t, "lint", repocheck.LintModule(m, repocheck.SharedModule))
			reportFindings(t, "calls", repocheck.CheckCalls(m, repocheck.RepoResolver(root)))
			for _, v := range m.Variables {
				if v.Name != "deletion_protection" && v.Name != "public" && v.Validations == 0 && !strings.HasPrefix(m.Source(v.Type.Range()), "bool") {
					t.Errorf("variable %q of %s has no validation block", v.Name, filepath.Base(dir))
				}
			}
			if _, ok := m.Variables["labels"]; !ok {
				t.Errorf("module %s has no labels variable", filepath.Base(dir))
			}
			checkReadme(t, filepath.Join(dir, "README.md"), m)
		})
	}
}

// checkReadme compares a README's generated tables with the module, or
// rewrites them under -update.
func checkReadme(t *testing.T, path string, m *repocheck.Module) {
	t.Helper()
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("module README: %v", err)
	}
	if *update {
		updated, err := repocheck.UpdateReadme(readme, m)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, updated, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	reportFindings(t, "readme", repocheck.CheckReadme(path, readme, m))
}

func TestRootModules(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	roots := append(dirs(t, filepath.Join(root, "iac", "examples", "*")), filepath.Join(root, "iac", "bootstrap"))
	for _, dir := range roots {
		rel, _ := filepath.Rel(root, dir)
		t.Run(strings.ReplaceAll(rel, string(filepath.Separator), "_"), func(t *testing.T) {
			t.Parallel()
			m := loadModule(t, dir)
			reportFindings(t, "lint", repocheck.LintModule(m, repocheck.RootModule))
			reportFindings(t, "calls", repocheck.CheckCalls(m, repocheck.RepoResolver(root)))
			if filepath.Base(dir) == "bootstrap" {
				checkReadme(t, filepath.Join(dir, "README.md"), m)
			}
		})
	}
}

func TestRenderedServiceRoot(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	dir := renderServiceIaC(t, root)
	m := loadModule(t, dir)
	reportFindings(t, "lint", repocheck.LintModule(m, repocheck.RootModule))
	reportFindings(t, "calls", repocheck.CheckCalls(m, repocheck.RepoResolver(root)))

	values := exampleValues(t, root)
	ref, _ := values["platformRef"].(string)
	var sources []string
	for _, c := range m.ModuleCalls {
		sources = append(sources, c.Name+" "+c.Source)
	}
	slices.Sort(sources)
	want := []string{}
	for _, c := range []struct{ call, module string }{{"batch", "batch"}, {"event_store", "event-store"}, {"flight_events", "flight-events"}, {"observability", "observability"}, {"service", "service"}} {
		want = append(want, c.call+" "+repocheck.PlatformGitSource+"iac/modules/"+c.module+"?ref="+ref)
	}
	if diff := cmp.Diff(sources, want); diff != "" {
		t.Errorf("module sources (-got +want):\n%s", diff)
	}
	if m.Backend != "gcs" {
		t.Errorf("backend = %q, want gcs", m.Backend)
	}
	if _, ok := m.Outputs["url"]; !ok {
		t.Error("the service root has no url output")
	}

	// The schema is read from the one file the service's tests also read.
	schemaArg := m.ModuleCalls["event_store"].Args["schema_json"]
	if schemaArg == nil || m.Source(schemaArg.Expr.Range()) != `file("${path.module}/../schema/events.json")` {
		t.Errorf("event_store.schema_json must be file(\"${path.module}/../schema/events.json\")")
	}
	checkSchema(t, filepath.Join(dir, "..", "schema", "events.json"))

	// Each environment's tfvars carry the template's values, with publicApi
	// as an HCL bool; prod shares the project under suffixed names
	// (name_suffix, its own dataset) so that no resource name collides with
	// dev. Each backend keeps its own state.
	name, dataset := values["name"].(string), values["dataset"].(string)
	quote := func(s string) string { return `"` + s + `"` }
	common := map[string]string{
		"project_id":   quote(values["projectId"].(string)),
		"region":       quote(values["region"].(string)),
		"table_id":     quote(values["table"].(string)),
		"public_api":   map[bool]string{true: "true", false: "false"}[values["publicApi"].(bool)],
		"platform_ref": quote(ref),
	}
	envs := []struct {
		env  string
		want map[string]string
	}{
		{env: "dev", want: map[string]string{"environment": `"dev"`, "name": quote(name), "name_suffix": "", "dataset_id": quote(dataset)}},
		{env: "prod", want: map[string]string{"environment": `"prod"`, "name": quote(name), "name_suffix": quote("-prod"), "dataset_id": quote(dataset + "_prod")}},
	}
	got, err := filepath.Glob(filepath.Join(dir, "envs", "*.tfvars"))
	if err != nil || len(got) != len(envs) {
		t.Errorf("envs/*.tfvars: %v, want one per environment (%d)", got, len(envs))
	}
	seen := map[string]string{}
	for _, e := range envs {
		tfvars, err := os.ReadFile(filepath.Join(dir, "envs", e.env+".tfvars"))
		if err != nil {
			t.Fatal(err)
		}
		want := maps.Clone(common)
		maps.Copy(want, e.want)
		actual := map[string]string{}
		for key, want := range want {
			re := regexp.MustCompile(`(?m)^` + key + `\s*=\s*(.+)$`)
			if got := re.FindSubmatch(tfvars); got != nil {
				actual[key] = string(got[1])
			}
			if actual[key] != want {
				t.Errorf("%s.tfvars %s = %q, want %s", e.env, key, actual[key], want)
			}
		}
		// Resources are named after name + name_suffix.
		actual["name+name_suffix"] = strings.TrimSuffix(actual["name"], `"`) + strings.TrimPrefix(actual["name_suffix"], `"`)
		for _, key := range []string{"name+name_suffix", "dataset_id"} {
			k := actual["project_id"] + " " + key + " " + actual[key]
			if other, dup := seen[k]; dup {
				t.Errorf("%s.tfvars and %s.tfvars both set %s = %s in project %s: the resources would collide", other, e.env, key, actual[key], actual["project_id"])
			}
			seen[k] = e.env
		}
		f, diags := hclsyntax.ParseConfig(tfvars, e.env+".tfvars", hclStart)
		if diags.HasErrors() {
			t.Fatalf("%s.tfvars: %v", e.env, diags)
		}
		attrs, _ := f.Body.JustAttributes()
		for name := range attrs {
			if _, ok := m.Variables[name]; !ok {
				t.Errorf("%s.tfvars sets %q, which the root does not declare", e.env, name)
			}
		}
		for name, v := range m.Variables {
			if _, ok := attrs[name]; v.Required() && !ok {
				t.Errorf("%s.tfvars does not set required variable %q", e.env, name)
			}
		}

		backend, err := os.ReadFile(filepath.Join(dir, "envs", e.env+".gcs.tfbackend"))
		if err != nil {
			t.Fatal(err)
		}
		bf, diags := hclsyntax.ParseConfig(backend, e.env+".gcs.tfbackend", hclStart)
		if diags.HasErrors() {
			t.Fatalf("%s.gcs.tfbackend: %v", e.env, diags)
		}
		battrs, _ := bf.Body.JustAttributes()
		gotBackend := map[string]string{}
		for k, a := range battrs {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() || v.Type() != cty.String {
				t.Errorf("%s.gcs.tfbackend %s: want a literal string", e.env, k)
				continue
			}
			gotBackend[k] = v.AsString()
		}
		wantBackend := map[string]string{"bucket": values["projectId"].(string) + "-tfstate", "prefix": name + "/" + e.env}
		if diff := cmp.Diff(gotBackend, wantBackend); diff != "" {
			t.Errorf("%s.gcs.tfbackend (-got +want):\n%s", e.env, diff)
		}
	}
}

// checkSchema checks the shared schema file against what the event-store
// module partitions and clusters on.
func checkSchema(t *testing.T, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("schema file: %v", err)
	}
	var fields []struct{ Name, Type, Mode string }
	if err := json.Unmarshal(src, &fields); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	types := map[string]string{}
	for _, f := range fields {
		types[f.Name] = strings.ToUpper(f.Type)
	}
	for name, want := range map[string]string{"event_id": "STRING", "flight_id": "STRING", "status": "STRING", "timestamp": "TIMESTAMP"} {
		if types[name] != want {
			t.Errorf("schema column %s has type %q, want %s", name, types[name], want)
		}
	}
}

// body returns the nested block body at path (block types) of a resource.
func body(t *testing.T, m *repocheck.Module, address string, path ...string) *hclsyntax.Body {
	t.Helper()
	for _, r := range m.Resources {
		if r.Address() != address {
			continue
		}
		b := r.Body
	next:
		for _, typ := range path {
			for _, nb := range b.Blocks {
				if nb.Type == typ {
					b = nb.Body
					continue next
				}
			}
			t.Fatalf("%s has no %s block", address, strings.Join(path, "."))
		}
		return b
	}
	t.Fatalf("no resource %s in %s", address, m.Dir)
	return nil
}

// attr returns an attribute's source text.
func attr(t *testing.T, m *repocheck.Module, b *hclsyntax.Body, name string) string {
	t.Helper()
	a, ok := b.Attributes[name]
	if !ok {
		t.Fatalf("attribute %s missing", name)
	}
	return m.Source(a.Expr.Range())
}

func TestObservabilityThresholds(t *testing.T) {
	t.Parallel()
	m := loadModule(t, filepath.Join(repoRoot(t), "iac", "modules", "observability"))
	defaults := map[string]cty.Value{
		"latency_threshold_ms":  cty.NumberIntVal(1500),
		"error_rate_threshold":  cty.MustParseNumberVal("0.01"),
		"no_messages_minutes":   cty.NumberIntVal(10),
		"availability_slo_goal": cty.MustParseNumberVal("0.999"),
		"ingest_slo_goal":       cty.MustParseNumberVal("0.995"),
		"latency_slo":           cty.ObjectVal(map[string]cty.Value{"goal": cty.MustParseNumberVal("0.99"), "threshold_ms": cty.NumberIntVal(800)}),
	}
	for name, want := range defaults {
		v, ok := m.Variables[name]
		if !ok || v.Default == nil {
			t.Errorf("variable %s has no default", name)
			continue
		}
		got, diags := v.Default.Value(nil)
		if diags.HasErrors() || !got.Equals(want).True() {
			t.Errorf("variable %s default = %#v, want %#v", name, got, want)
		}
	}

	checks := []struct {
		address string
		path    []string
		attr    string
		want    string
	}{
		{"google_monitoring_alert_policy.latency", []string{"conditions", "condition_threshold"}, "threshold_value", "var.latency_threshold_ms"},
		{"google_monitoring_alert_policy.latency", []string{"conditions", "condition_threshold"}, "filter", "local.request_latencies"},
		{"google_monitoring_alert_policy.latency", []string{"conditions", "condition_threshold", "aggregations"}, "per_series_aligner", `"ALIGN_MEAN"`},
		{"google_monitoring_alert_policy.error_rate", []string{"conditions", "condition_threshold"}, "threshold_value", "var.error_rate_threshold"},
		{"google_monitoring_alert_policy.error_rate", []string{"conditions", "condition_threshold"}, "filter", "local.request_5xx"},
		{"google_monitoring_alert_policy.error_rate", []string{"conditions", "condition_threshold"}, "denominator_filter", "local.request_count"},
		{"google_monitoring_alert_policy.no_messages", []string{"conditions", "condition_absent"}, "duration", `"${var.no_messages_minutes * 60}s"`},
		{"google_monitoring_alert_policy.bytes_billed", []string{"conditions", "condition_threshold"}, "filter", "local.bytes_billed"},
		{"google_monitoring_alert_policy.bytes_billed", []string{"conditions", "condition_threshold"}, "threshold_value", "local.daily_bytes_billed_limit"},
		{"google_monitoring_alert_policy.bytes_billed", []string{"conditions", "condition_threshold", "aggregations"}, "alignment_period", `"86400s"`},
		{"google_monitoring_alert_policy.bytes_billed", []string{"conditions", "condition_threshold", "aggregations"}, "per_series_aligner", `"ALIGN_SUM"`},
		{"google_monitoring_slo.latency", nil, "goal", "var.latency_slo.goal"},
		{"google_monitoring_slo.latency", []string{"request_based_sli", "distribution_cut", "range"}, "max", "var.latency_slo.threshold_ms"},
		{"google_monitoring_slo.availability", nil, "goal", "var.availability_slo_goal"},
		{"google_monitoring_slo.availability", nil, "calendar_period", `"MONTH"`},
		{"google_monitoring_slo.availability", []string{"request_based_sli", "good_total_ratio"}, "bad_service_filter", "local.request_5xx"},
		{"google_monitoring_slo.ingest", nil, "goal", "var.ingest_slo_goal"},
		{"google_monitoring_alert_policy.burn_rate", nil, "combiner", `"AND"`},
		{"google_monitoring_alert_policy.burn_rate", nil, "notification_channels", "var.notification_channels"},
	}
	for _, c := range checks {
		if got := attr(t, m, body(t, m, c.address, c.path...), c.attr); got != c.want {
			t.Errorf("%s %s.%s = %s, want %s", c.address, strings.Join(c.path, "."), c.attr, got, c.want)
		}
	}
	for _, r := range m.Resources {
		if r.Type == "google_monitoring_alert_policy" {
			if got := attr(t, m, r.Body, "notification_channels"); got != "var.notification_channels" {
				t.Errorf("%s notifies %s, want var.notification_channels", r.Address(), got)
			}
		}
	}

	// Multi-window burn rates: 14.4x over 1 h and 5 min, 6x over 6 h and 30 min,
	// for each of the three SLOs, two conditions per policy.
	burn := m.Locals["burn_rates"]
	if burn == nil {
		t.Fatal("no local burn_rates")
	}
	got, diags := burn.Expr.Value(nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := cty.ObjectVal(map[string]cty.Value{
		"fast": cty.ObjectVal(map[string]cty.Value{"threshold": cty.MustParseNumberVal("14.4"), "long_window": cty.StringVal("3600s"), "short_window": cty.StringVal("300s"), "severity": cty.StringVal("CRITICAL")}),
		"slow": cty.ObjectVal(map[string]cty.Value{"threshold": cty.NumberIntVal(6), "long_window": cty.StringVal("21600s"), "short_window": cty.StringVal("1800s"), "severity": cty.StringVal("WARNING")}),
	})
	if !got.Equals(want).True() {
		t.Errorf("burn_rates = %#v, want %#v", got, want)
	}
	var conditions []string
	for _, b := range body(t, m, "google_monitoring_alert_policy.burn_rate").Blocks {
		if b.Type == "conditions" {
			for _, nb := range b.Body.Blocks {
				conditions = append(conditions, m.Source(nb.Body.Attributes["filter"].Expr.Range()))
			}
		}
	}
	wantConditions := []string{
		`"select_slo_burn_rate(\"${local.slos[each.value.slo]}\", \"${each.value.long_window}\")"`,
		`"select_slo_burn_rate(\"${local.slos[each.value.slo]}\", \"${each.value.short_window}\")"`,
	}
	if diff := cmp.Diff(conditions, wantConditions); diff != "" {
		t.Errorf("burn-rate conditions (-got +want):\n%s", diff)
	}
	if got := m.Source(m.Locals["slos"].Expr.Range()); !strings.Contains(got, "google_monitoring_slo.latency.name") || !strings.Contains(got, "google_monitoring_slo.availability.name") || !strings.Contains(got, "google_monitoring_slo.ingest.name") {
		t.Errorf("local slos = %s, want the three SLOs", got)
	}
}

func TestServiceRuntime(t *testing.T) {
	t.Parallel()
	m := loadModule(t, filepath.Join(repoRoot(t), "iac", "modules", "service"))
	checks := []struct {
		address string
		path    []string
		attr    string
		want    string
	}{
		// deploy.yml's deploy-cloudrun `image:` updates a service's FIRST container (the action has no
		// container input, and gcloud's --container must precede --image): the app must stay first,
		// before the managed-Prometheus sidecar.
		{"google_cloud_run_v2_service.api", []string{"template", "containers"}, "name", `"app"`},
		{"google_cloud_run_v2_service.subscriber", []string{"template", "containers"}, "name", `"app"`},
		{"google_cloud_run_v2_service.api", nil, "ingress", `var.public ? "INGRESS_TRAFFIC_ALL" : "INGRESS_TRAFFIC_INTERNAL_ONLY"`},
		{"google_cloud_run_v2_service.api", []string{"template"}, "service_account", "google_service_account.api.email"},
		{"google_cloud_run_v2_service.api", []string{"template", "containers", "startup_probe", "http_get"}, "path", `"/readyz"`},
		{"google_cloud_run_v2_service.api", []string{"template", "containers", "liveness_probe", "http_get"}, "path", `"/healthz"`},
		{"google_cloud_run_v2_service.subscriber", nil, "ingress", `"INGRESS_TRAFFIC_INTERNAL_ONLY"`},
		{"google_cloud_run_v2_service.subscriber", []string{"template"}, "service_account", "google_service_account.subscriber.email"},
		{"google_cloud_run_v2_service.subscriber", []string{"template", "containers", "resources"}, "cpu_idle", "false"},
		{"google_cloud_run_v2_service.subscriber", []string{"template", "scaling"}, "min_instance_count", "var.subscriber_scaling.min_instances"},
		{"google_cloud_run_v2_service.subscriber", []string{"template", "containers", "startup_probe", "http_get"}, "path", `"/readyz"`},
		{"google_cloud_run_v2_service.subscriber", []string{"template", "containers", "liveness_probe", "http_get"}, "path", `"/healthz"`},
		{"google_cloud_run_v2_service_iam_member.public_invoker", nil, "count", "var.public ? 1 : 0"},
		{"google_bigquery_dataset_iam_member.api_data_viewer", nil, "role", `"roles/bigquery.dataViewer"`},
		{"google_project_iam_member.api_job_user", nil, "role", `"roles/bigquery.jobUser"`},
		{"google_pubsub_subscription_iam_member.subscriber", nil, "role", `"roles/pubsub.subscriber"`},
		{"google_bigquery_table_iam_member.subscriber_data_editor", nil, "role", `"roles/bigquery.dataEditor"`},
		{"google_pubsub_topic_iam_member.subscriber_dead_letter_publisher", nil, "role", `"roles/pubsub.publisher"`},
		// Managed Service for Prometheus: each runtime identity writes its own
		// time series and reads the sidecar's config, nothing more.
		{"google_project_iam_member.api_metric_writer", nil, "role", `"roles/monitoring.metricWriter"`},
		{"google_project_iam_member.api_metric_writer", nil, "member", "google_service_account.api.member"},
		{"google_project_iam_member.subscriber_metric_writer", nil, "role", `"roles/monitoring.metricWriter"`},
		{"google_project_iam_member.subscriber_metric_writer", nil, "member", "google_service_account.subscriber.member"},
		{"google_secret_manager_secret_iam_member.api_gmp_config", nil, "role", `"roles/secretmanager.secretAccessor"`},
		{"google_secret_manager_secret_iam_member.subscriber_gmp_config", nil, "role", `"roles/secretmanager.secretAccessor"`},
		// Start-up, from BenchmarkStartToReady (iac/modules/service/README.md).
		{"google_cloud_run_v2_service.api", []string{"template", "containers", "startup_probe"}, "period_seconds", "1"},
		{"google_cloud_run_v2_service.api", []string{"template", "containers", "startup_probe"}, "failure_threshold", "10"},
		{"google_cloud_run_v2_service.api", []string{"template", "containers", "resources"}, "startup_cpu_boost", "true"},
		{"google_cloud_run_v2_service.subscriber", []string{"template", "containers", "startup_probe"}, "period_seconds", "1"},
		{"google_cloud_run_v2_service.subscriber", []string{"template", "containers", "startup_probe"}, "failure_threshold", "10"},
		{"google_cloud_run_v2_service.subscriber", []string{"template", "containers", "resources"}, "startup_cpu_boost", "true"},
		{"google_cloud_run_v2_service.api", []string{"binary_authorization"}, "use_default", "true"},
		{"google_cloud_run_v2_service.subscriber", []string{"binary_authorization"}, "use_default", "true"},
	}
	for _, c := range checks {
		if got := attr(t, m, body(t, m, c.address, c.path...), c.attr); got != c.want {
			t.Errorf("%s %s.%s = %s, want %s", c.address, strings.Join(c.path, "."), c.attr, got, c.want)
		}
	}
	// The only project-level grants are the API's BigQuery job user and the
	// metric writers (roles/monitoring.metricWriter exists only on projects).
	for _, r := range m.Resources {
		if r.Type == "google_project_iam_member" && !slices.Contains([]string{"api_job_user", "api_metric_writer", "subscriber_metric_writer"}, r.Name) {
			t.Errorf("unexpected project-level grant %s", r.Address())
		}
	}
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	m := loadModule(t, filepath.Join(repoRoot(t), "iac", "bootstrap"))
	checks := []struct {
		address string
		path    []string
		attr    string
		want    string
	}{
		{"google_storage_bucket.tfstate", nil, "uniform_bucket_level_access", "true"},
		{"google_storage_bucket.tfstate", nil, "public_access_prevention", `"enforced"`},
		{"google_storage_bucket.tfstate", nil, "force_destroy", "false"},
		{"google_storage_bucket.tfstate", []string{"versioning"}, "enabled", "true"},
		{"google_storage_bucket.tfstate", []string{"soft_delete_policy"}, "retention_duration_seconds", "var.state_soft_delete_days * 86400"},
		{"google_storage_bucket.tfstate", []string{"lifecycle"}, "prevent_destroy", "true"},
		{"google_iam_workload_identity_pool_provider.github", []string{"oidc"}, "issuer_uri", `"https://token.actions.githubusercontent.com"`},
		{"google_iam_workload_identity_pool_provider.github", nil, "attribute_condition", `"assertion.repository_owner == '${var.github_owner}' && assertion.repository in [${local.repository_condition}]"`},
		{"google_artifact_registry_repository.services", nil, "format", `"DOCKER"`},
	}
	for _, c := range checks {
		if got := attr(t, m, body(t, m, c.address, c.path...), c.attr); got != c.want {
			t.Errorf("%s %s.%s = %s, want %s", c.address, strings.Join(c.path, "."), c.attr, got, c.want)
		}
	}
	for _, r := range m.Resources {
		if r.Type == "google_service_account_key" {
			t.Errorf("%s: no service account keys, use workload identity", r.Address())
		}
	}
	roles := m.Source(m.Locals["apply_roles"].Expr.Range()) + m.Source(m.Locals["plan_roles"].Expr.Range())
	for _, banned := range []string{"roles/owner", "roles/editor", "roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"} {
		if strings.Contains(roles, `"`+banned+`"`) {
			t.Errorf("deploy identities get project-level %s", banned)
		}
	}
}

// TestTerraformFmt runs the real formatter (the pinned terraform, see
// terraformBin) over iac/ and the rendered service root.
func TestTerraformFmt(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	root := repoRoot(t)
	for _, dir := range []string{filepath.Join(root, "iac"), renderServiceIaC(t, root)} {
		cmd := exec.CommandContext(t.Context(), bin, "fmt", "-check", "-recursive", "-diff", dir)
		cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("terraform fmt -check %s: %v\n%s", dir, err, out)
		}
	}
}

// TestTerraformFmtFindsIssues proves the formatter check is live: terraform
// fmt -check fails on misaligned equals signs and on tab indentation, and
// passes canonical code.
func TestTerraformFmtFindsIssues(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	tests := []struct {
		name string
		src  string
		want bool // formatted as terraform fmt wants
	}{
		{name: "canonical", src: goodMain, want: true},
		{name: "misaligned_equals", src: "resource \"google_pubsub_topic\" \"t\" {\n  name = var.name\n  labels = var.labels\n}\n"},
		{name: "tab_indentation", src: "locals {\n\ta = 1\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := writeModule(t, t.TempDir(), "m", map[string]string{"main.tf": tt.src})
			cmd := repocheck.TerraformCommand(t.Context(), bin, dir, "fmt", "-check", "-recursive", dir)
			out, err := cmd.CombinedOutput()
			if got := err == nil; got != tt.want {
				t.Errorf("terraform fmt -check passes = %t, want %t (%v)\n%s", got, tt.want, err, out)
			}
		})
	}
}
