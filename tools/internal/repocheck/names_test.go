package repocheck_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	ctyjson "github.com/zclconf/go-cty/cty/json"

	"github.com/acme-platform/golden-path/tools/internal/repocheck"
)

// gcpRule is a GCP naming rule for one attribute: a pattern and a maximum
// length in characters (0: the pattern says it all).
type gcpRule struct {
	pattern *regexp.Regexp
	max     int
	// forbiddenPrefix is a prefix GCP reserves ("goog" for Pub/Sub).
	forbiddenPrefix string
	doc             string
}

func (r gcpRule) check(v string) error {
	switch {
	case !r.pattern.MatchString(v):
		return fmt.Errorf("%q does not match %s (%s)", v, r.pattern, r.doc)
	case r.max > 0 && utf8.RuneCountInString(v) > r.max:
		return fmt.Errorf("%q has %d characters, more than %d (%s)", v, utf8.RuneCountInString(v), r.max, r.doc)
	case r.forbiddenPrefix != "" && strings.HasPrefix(v, r.forbiddenPrefix):
		return fmt.Errorf("%q starts with %q (%s)", v, r.forbiddenPrefix, r.doc)
	}
	return nil
}

var (
	// Service account IDs (IAM API serviceAccounts.create accountId).
	accountIDRule = gcpRule{pattern: regexp.MustCompile(`^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$`), doc: "service account IDs: 6-30 characters"}
	// Cloud Run service names: DNS label rules, at most 49 characters so that
	// revision names (service name plus a suffix) fit 63.
	cloudRunRule = gcpRule{pattern: regexp.MustCompile(`^[a-z](?:[-a-z0-9]*[a-z0-9])?$`), max: 49, doc: "Cloud Run service names: a letter, letters/digits/hyphens, no trailing hyphen, at most 49 characters"}
	// Pub/Sub topic and subscription IDs.
	pubsubRule = gcpRule{pattern: regexp.MustCompile(`^[A-Za-z][-A-Za-z0-9._~%+]{2,254}$`), forbiddenPrefix: "goog", doc: "Pub/Sub IDs: 3-255 characters, starting with a letter, not with goog"}
	// Cloud KMS key ring and key names.
	kmsRule = gcpRule{pattern: regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}$`), doc: "KMS key ring and key names: letters, digits, _ and -, at most 63 characters"}
	// BigQuery dataset and table IDs (the template's values; no derivation).
	bigqueryRule = gcpRule{pattern: regexp.MustCompile(`^[A-Za-z0-9_]+$`), max: 1024, doc: "BigQuery dataset/table IDs: letters, digits, underscores, at most 1024"}
	// Cloud Monitoring custom service and SLO IDs: the API's pattern
	// [a-z0-9-]+; the platform keeps them within 63 characters like its other names.
	monitoringIDRule = gcpRule{pattern: regexp.MustCompile(`^[a-z0-9-]{1,63}$`), doc: "Monitoring service/SLO IDs: [a-z0-9-]+ (kept within 63)"}
	// Display names and descriptions: free text with a maximum length.
	text100 = gcpRule{pattern: regexp.MustCompile(`(?s)^.+$`), max: 100, doc: "service account display names: at most 100 characters"}
	text256 = gcpRule{pattern: regexp.MustCompile(`(?s)^.*$`), max: 256, doc: "service account descriptions: at most 256 characters"}
	text512 = gcpRule{pattern: regexp.MustCompile(`(?s)^.+$`), max: 512, doc: "alert policy and notification channel display names: at most 512 characters"}
	// Secret Manager secret IDs.
	secretIDRule = gcpRule{pattern: regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`), doc: "Secret Manager secret IDs: letters, digits, _ and -, at most 255 characters"}
	// Cloud Storage bucket names (without dots: no domain verification).
	bucketRule = gcpRule{pattern: regexp.MustCompile(`^[a-z0-9][-_a-z0-9]*[a-z0-9]$`), max: 63, doc: "bucket names: 3-63 lowercase letters, digits, - and _, starting and ending with a letter or digit"}
	// Compute Engine names (networks, subnetworks, firewall rules): RFC 1035.
	computeRule = gcpRule{pattern: regexp.MustCompile(`^[a-z](?:[-a-z0-9]*[a-z0-9])?$`), max: 63, doc: "Compute Engine names: RFC 1035, at most 63 characters"}
	// Label keys and values (the platform's lowercase subset of GCP's rule).
	labelKeyRule   = gcpRule{pattern: regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`), doc: "label keys: a lowercase letter, then lowercase letters, digits, _ and -, at most 63 characters"}
	labelValueRule = gcpRule{pattern: regexp.MustCompile(`^[a-z0-9_-]{0,63}$`), doc: "label values: lowercase letters, digits, _ and -, at most 63 characters"}
)

// identifierRules lists, for every resource type of the service's
// Terraform, the attributes that name it (or are otherwise limited) and
// their GCP rule. A resource type missing here fails the test: classify it.
var identifierRules = map[string]map[string]gcpRule{
	"google_service_account":                 {"account_id": accountIDRule, "display_name": text100, "description": text256},
	"google_cloud_run_v2_service":            {"name": cloudRunRule},
	"google_pubsub_topic":                    {"name": pubsubRule},
	"google_pubsub_subscription":             {"name": pubsubRule},
	"google_kms_key_ring":                    {"name": kmsRule},
	"google_kms_crypto_key":                  {"name": kmsRule},
	"google_bigquery_dataset":                {"dataset_id": bigqueryRule},
	"google_bigquery_table":                  {"table_id": bigqueryRule},
	"google_monitoring_custom_service":       {"service_id": monitoringIDRule},
	"google_monitoring_slo":                  {"slo_id": monitoringIDRule},
	"google_monitoring_alert_policy":         {"display_name": text512},
	"google_monitoring_notification_channel": {"display_name": text512},
	"google_secret_manager_secret":           {"secret_id": secretIDRule},
	"google_storage_bucket":                  {"name": bucketRule},
	"google_compute_network":                 {"name": computeRule},
	"google_compute_subnetwork":              {"name": computeRule},
	"google_compute_firewall":                {"name": computeRule},
	// Named by other resources or by JSON; nothing derived from the service name.
	"google_monitoring_dashboard":                    nil,
	"google_bigquery_dataset_iam_member":             nil,
	"google_bigquery_table_iam_member":               nil,
	"google_cloud_run_v2_service_iam_member":         nil,
	"google_kms_crypto_key_iam_member":               nil,
	"google_project_iam_member":                      nil,
	"google_pubsub_subscription_iam_member":          nil,
	"google_pubsub_topic_iam_member":                 nil,
	"google_service_account_iam_member":              nil,
	"google_artifact_registry_repository_iam_member": nil,
	"google_secret_manager_secret_version":           nil,
	"google_secret_manager_secret_iam_member":        nil,
	"google_storage_bucket_iam_member":               nil,
	"google_storage_bucket_object":                   nil,
}

// identifierAttrs are the attributes the harness evaluates for a resource
// type: those identifierRules checks, and its labels.
func identifierAttrs(typ string) []string {
	attrs := slices.Sorted(maps.Keys(identifierRules[typ]))
	if a := repocheck.LabelAttr[typ]; a != "" && a != "dashboard_json" {
		attrs = append(attrs, a)
	}
	return attrs
}

// serviceHarness loads a rendered service root and the platform modules it
// calls and writes their harness (terraform evaluates it). Every resource type
// must be classified in identifierRules, every identifier and label must be
// known at plan time and the name known in every module: nothing passes
// unchecked. varying: see repocheck.HarnessOptions.
func serviceHarness(t *testing.T, repo, iacDir string, varying ...string) *repocheck.Harness {
	t.Helper()
	tree, err := repocheck.LoadTree(iacDir, repocheck.RepoResolver(repo))
	if err != nil {
		t.Fatal(err)
	}
	modules := map[string]*repocheck.Module{"root": tree.Root}
	for name, m := range tree.Callees {
		modules["module."+name] = m
	}
	for where, m := range modules {
		for _, r := range m.Resources {
			if _, classified := identifierRules[r.Type]; r.Mode == "resource" && !classified {
				t.Errorf("%s: resource type %s is not classified in identifierRules", where, r.Type)
			}
		}
	}
	h, err := repocheck.WriteHarness(tree, repocheck.HarnessOptions{Attrs: identifierAttrs, Varying: varying})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range h.Unknown {
		t.Errorf("%s: identifiers and labels must be known at plan time", u)
	}
	for where, vars := range h.UnknownVars {
		if slices.Contains(vars, "name") {
			t.Errorf("%s: var.name is unknown, so its validation and the names derived from it are unchecked", where)
		}
	}
	return h
}

// readTfvars decodes a tfvars file (literal values only) into JSON values.
func readTfvars(t *testing.T, path string) map[string]any {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, path, hclStart)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	vars := map[string]any{}
	for name, a := range attrs {
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			t.Fatalf("%s %s: %v", path, name, diags)
		}
		js, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			t.Fatalf("%s %s: %v", path, name, err)
		}
		var value any
		if err := json.Unmarshal(js, &value); err != nil {
			t.Fatal(err)
		}
		vars[name] = value
	}
	return vars
}

// resourceType is the type in a plan address: module.x.type.name["key"].
func resourceType(address string) string {
	for {
		rest, ok := strings.CutPrefix(address, "module.")
		if !ok {
			break
		}
		_, address, _ = strings.Cut(rest, ".")
	}
	typ, _, _ := strings.Cut(address, ".")
	return typ
}

// checkValues checks the values terraform evaluated for one variable set
// against the GCP rules, and returns the identifiers ("address.attr" →
// value; labels are checked, not returned).
func checkValues(values map[string]json.RawMessage) (ids map[string]string, problems []string) {
	ids = map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(values)) {
		address, attr := key[:strings.LastIndex(key, ".")], key[strings.LastIndex(key, ".")+1:]
		typ := resourceType(address)
		if attr == repocheck.LabelAttr[typ] {
			var labels map[string]any
			if err := json.Unmarshal(values[key], &labels); err != nil || labels == nil {
				problems = append(problems, fmt.Sprintf("%s = %s: not a known map at plan time", key, values[key]))
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(labels)) {
				if err := labelKeyRule.check(k); err != nil {
					problems = append(problems, fmt.Sprintf("%s: %v", key, err))
				}
				v, ok := labels[k].(string)
				if !ok {
					problems = append(problems, fmt.Sprintf("%s[%q] is not a string", key, k))
					continue
				}
				if err := labelValueRule.check(v); err != nil {
					problems = append(problems, fmt.Sprintf("%s[%q]: %v", key, k, err))
				}
			}
			continue
		}
		rule, ok := identifierRules[typ][attr]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no rule for %s", key, attr))
			continue
		}
		var v *string
		if err := json.Unmarshal(values[key], &v); err != nil || v == nil {
			problems = append(problems, fmt.Sprintf("%s = %s: not a known string at plan time", key, values[key]))
			continue
		}
		if err := rule.check(*v); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", key, err))
		}
		ids[key] = *v
	}
	return ids, problems
}

// stableNames are the dev identifiers of two cases, by template case.
var stableNames = map[string]map[string]string{
	"example": {
		"module.service.google_cloud_run_v2_service.api.name":                   "flight-events",
		"module.service.google_cloud_run_v2_service.subscriber.name":            "flight-events-subscriber",
		"module.service.google_service_account.api.account_id":                  "flight-events-api",
		"module.service.google_service_account.subscriber.account_id":           "flight-events-sub",
		"module.flight_events.google_pubsub_topic.events.name":                  "flight-events",
		"module.flight_events.google_pubsub_topic.dead_letter.name":             "flight-events-dlq",
		"module.flight_events.google_pubsub_subscription.events.name":           "flight-events-sub",
		"google_kms_key_ring.this.name":                                         "flight-events",
		"google_kms_crypto_key.data.name":                                       "flight-events-data",
		"module.observability.google_monitoring_custom_service.this.service_id": "flight-events",
	},
	"full-public": {
		"module.service.google_cloud_run_v2_service.api.name":         "flightstatus-events-ingest-and-query-servi-80201b",
		"module.service.google_cloud_run_v2_service.subscriber.name":  "flightstatus-events-ingest-and-80201b-subscriber",
		"module.service.google_service_account.api.account_id":        "flightstatus-events-80201b-api",
		"module.service.google_service_account.subscriber.account_id": "flightstatus-events-80201b-sub",
		"module.flight_events.google_pubsub_topic.events.name":        "flightstatus-events-ingest-and-query-service-europe-southwest-1",
		"google_kms_key_ring.this.name":                               "flightstatus-events-ingest-and-query-service-europe-southwest-1",
		"google_kms_crypto_key.data.name":                             "flightstatus-events-ingest-and-query-service-europe-80201b-data",
	},
}

// TestServiceIdentifiersEveryCase renders every template case (the
// full-public one has a 63-character name, the template's maximum) and has
// terraform evaluate its Terraform for each environment (one plan per case):
// every variable validation passes and every derived identifier and label
// meets its GCP rule. Dev and prod share the project, so no identifier of one
// may equal the other's.
func TestServiceIdentifiersEveryCase(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	repo := repoRoot(t)
	for _, c := range dirs(t, filepath.Join(repo, "template", "testdata", "cases", "*.yaml")) {
		name := strings.TrimSuffix(filepath.Base(c), ".yaml")
		t.Run(strings.ReplaceAll(name, "-", "_"), func(t *testing.T) {
			t.Parallel()
			iacDir := renderCaseIaC(t, repo, c)
			h := serviceHarness(t, repo, iacDir)
			envs := map[string]map[string]any{}
			for _, env := range dirs(t, filepath.Join(iacDir, "envs", "*.tfvars")) {
				envs[strings.TrimSuffix(filepath.Base(env), ".tfvars")] = readTfvars(t, env)
			}
			values, err := h.EvalCases(t.Context(), bin, envs)
			if err != nil {
				t.Fatal(err)
			}
			byEnv := map[string]map[string]string{}
			for envName := range envs {
				ids, problems := checkValues(values[envName])
				for _, p := range problems {
					t.Errorf("%s: %s", envName, p)
				}
				if len(ids) < 20 {
					t.Errorf("%s: only %d identifiers checked", envName, len(ids))
				}
				byEnv[envName] = ids
			}
			dev, prod := byEnv["dev"], byEnv["prod"]
			if dev == nil || prod == nil {
				t.Fatalf("want dev and prod tfvars, got %d environments", len(byEnv))
			}
			// Names are stable: a new rule would rename (destroy and
			// recreate) deployed resources. Short names are used as they
			// are; the long ones were computed outside Go (sha1 in Python)
			// and are quoted in the service module's README.
			if want, ok := stableNames[name]; ok {
				got := map[string]string{}
				for key := range want {
					got[key] = dev[key]
				}
				if diff := cmp.Diff(got, want); diff != "" {
					t.Errorf("dev identifiers (-got +want):\n%s", diff)
				}
			}
			for key, v := range dev {
				if strings.HasSuffix(key, ".slo_id") || strings.HasSuffix(key, ".table_id") || strings.Contains(key, "display_name") || strings.HasSuffix(key, ".description") {
					continue // scoped by their parent, or free text
				}
				if prod[key] == v {
					t.Errorf("%s = %q in both dev and prod: they share the project", key, v)
				}
			}
		})
	}
}

// templateName matches what the template's name parameter accepts.
var templateName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// TestServiceIdentifiersAnyTemplateName has terraform evaluate the example
// case's root with names the template accepts at its edges (1 character,
// trailing and doubled hyphens, the goog prefix Pub/Sub reserves, every
// length up to 63 with hyphens where truncation cuts) and with random ones,
// every name of a suffix in one plan: all validations pass and every
// identifier and label meets its rule. Names that share a long prefix must
// still get distinct identifiers.
func TestServiceIdentifiersAnyTemplateName(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	repo := repoRoot(t)
	iacDir := renderCaseIaC(t, repo, filepath.Join(repo, "template", "testdata", "cases", "example.yaml"))
	// The validations of the variables that do not depend on the name are
	// those TestServiceIdentifiersEveryCase checks with the same values.
	h := serviceHarness(t, repo, iacDir, "name", "name_suffix")
	base := readTfvars(t, filepath.Join(iacDir, "envs", "prod.tfvars"))

	names := templateNames()
	for _, name := range names {
		if !templateName.MatchString(name) || len(name) > 63 {
			t.Fatalf("test name %q is not one the template accepts", name)
		}
	}

	tests := []struct {
		name   string
		suffix string
	}{
		{name: "dev", suffix: ""},
		{name: "prod", suffix: "-prod"},
		{name: "longest_suffix", suffix: "-" + strings.Repeat("s", 15)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cases := map[string]map[string]any{}
			for _, name := range names {
				vars := maps.Clone(base)
				vars["name"] = name
				vars["name_suffix"] = tt.suffix
				cases[name] = vars
			}
			values, err := h.EvalCases(t.Context(), bin, cases)
			if err != nil {
				t.Fatal(err)
			}
			// owner of each identifier value, per attribute kind
			owners := map[string]string{}
			for _, name := range names {
				ids, problems := checkValues(values[name])
				for _, p := range problems {
					t.Errorf("name %q: %s", name, p)
				}
				for _, key := range slices.Sorted(maps.Keys(ids)) {
					address, attr := key[:strings.LastIndex(key, ".")], key[strings.LastIndex(key, ".")+1:]
					if !strings.Contains(address, "google_service_account.") && !strings.Contains(address, "google_cloud_run_v2_service.") &&
						!strings.Contains(address, "google_pubsub_") && !strings.Contains(address, "google_kms_") && attr != "service_id" {
						continue
					}
					if attr != "name" && attr != "account_id" && attr != "service_id" {
						continue
					}
					kind := address[strings.LastIndex(address, ".google_")+1:] + "." + attr
					k := kind + "=" + ids[key]
					if other, dup := owners[k]; dup && other != name {
						t.Errorf("%s %q is derived from both %q and %q", kind, ids[key], other, name)
					}
					owners[k] = name
				}
			}
			if len(owners) < 8*len(names) {
				t.Errorf("only %d identifiers for %d names", len(owners), len(names))
			}
		})
	}
}

// TestLongNamePlanFixture cross-checks the harness with a real plan:
// scripts/plan-fixture.sh plans the full-public case (63-character name)
// with its prod tfvars (68 characters with the suffix) with terraform and the
// schema stub provider. Every identifier and label in that plan meets its GCP
// rule, and each one the harness evaluates from the current HCL equals the
// planned value: the fixture is current and the harness computes what a plan
// computes.
func TestLongNamePlanFixture(t *testing.T) {
	t.Parallel()
	bin := terraformBin(t)
	repo := repoRoot(t)
	doc := readPlanDoc(t, "service-plan-long-name-prod.json")
	iacDir := renderCaseIaC(t, repo, filepath.Join(repo, "template", "testdata", "cases", "full-public.yaml"))
	vars := readTfvars(t, filepath.Join(iacDir, "envs", "prod.tfvars"))
	fullName, _ := vars["name"].(string)

	planned, _ := doc["variables"].(map[string]any)
	nameVar, _ := planned["name"].(map[string]any)
	if got := nameVar["value"]; got != fullName || len(fullName) != 63 {
		t.Fatalf("fixture planned name %v, want the full-public case's 63-character %q: regenerate with scripts/plan-fixture.sh", got, fullName)
	}

	after := map[string]map[string]any{}
	for _, rc := range doc["resource_changes"].([]any) {
		rc := rc.(map[string]any)
		if rc["mode"] != "managed" {
			continue
		}
		a, _ := rc["change"].(map[string]any)["after"].(map[string]any)
		after[rc["address"].(string)] = a
		typ := rc["type"].(string)
		rules, ok := identifierRules[typ]
		if !ok {
			t.Errorf("%s: resource type %s is not classified in identifierRules", rc["address"], typ)
		}
		for attr, rule := range rules {
			v, ok := a[attr].(string)
			if !ok {
				t.Errorf("%s.%s = %v: not a known string in the plan", rc["address"], attr, a[attr])
				continue
			}
			if err := rule.check(v); err != nil {
				t.Errorf("%s.%s: %v", rc["address"], attr, err)
			}
		}
		if attr := repocheck.LabelAttr[typ]; attr != "" && attr != "dashboard_json" {
			labels, ok := a[attr].(map[string]any)
			if !ok {
				t.Errorf("%s.%s = %v: not a known map in the plan", rc["address"], attr, a[attr])
			}
			for k, v := range labels {
				if err := labelKeyRule.check(k); err != nil {
					t.Errorf("%s.%s: %v", rc["address"], attr, err)
				}
				if err := labelValueRule.check(fmt.Sprint(v)); err != nil {
					t.Errorf("%s.%s[%q]: %v", rc["address"], attr, k, err)
				}
			}
			if labels["service"] != fullName {
				t.Errorf("%s.%s service = %v, want the full name %q", rc["address"], attr, labels["service"], fullName)
			}
		}
	}

	values, err := serviceHarness(t, repo, iacDir).EvalCases(t.Context(), bin, map[string]map[string]any{"prod": vars})
	if err != nil {
		t.Fatal(err)
	}
	ids, problems := checkValues(values["prod"])
	for _, p := range problems {
		t.Error(p)
	}
	shortened := 0
	for _, key := range slices.Sorted(maps.Keys(ids)) {
		address, attr := key[:strings.LastIndex(key, ".")], key[strings.LastIndex(key, ".")+1:]
		a, ok := after[address]
		if !ok {
			t.Errorf("%s is not in the fixture: regenerate with scripts/plan-fixture.sh", address)
			continue
		}
		if diff := cmp.Diff(ids[key], a[attr]); diff != "" {
			t.Errorf("%s evaluated by the harness vs planned by terraform (-got +want):\n%s", key, diff)
		}
		if (attr == "name" || attr == "account_id") && !strings.HasPrefix(ids[key], fullName) {
			shortened++
		}
	}
	// Every service account, both Cloud Run services and the KMS key ring
	// and key are shortened for this name.
	if shortened < 6 {
		t.Errorf("only %d shortened identifiers compared: the case no longer exercises the rule", shortened)
	}
}

// templateNames returns names the template accepts at its edges (1
// character, trailing and doubled hyphens, the goog prefix Pub/Sub
// reserves, every length up to 63 with hyphens where truncation cuts, one
// 62-character prefix with every last character) and random ones, sorted.
func templateNames() []string {
	long := strings.Repeat("abcdefghi-", 7)[:63] // hyphens at every 10th character
	names := []string{"a", "ab", "a-", "a--b", "goog", "google-flights", "z9", strings.Repeat("a", 63), strings.Repeat("a", 62) + "-", long}
	for n := 1; n <= 63; n++ {
		names = append(names, strings.Repeat("x", n), "y"+strings.Repeat("-", n-1), strings.Repeat("k-", 32)[:n])
		if n >= 2 {
			names = append(names, strings.Repeat("y", n-1)+"-")
		}
	}
	// The same 62-character prefix with every last character: distinct names, one shared prefix.
	family := []string{}
	for _, last := range "abcdefghijklmnopqrstuvwxyz0123456789-" {
		family = append(family, strings.Repeat("f", 62)+string(last))
	}
	names = append(names, family...)
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-"
	for range 100 {
		n := 1 + rng.IntN(63)
		b := []byte{byte('a' + rng.IntN(26))}
		for len(b) < n {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		names = append(names, string(b))
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	return names
}
