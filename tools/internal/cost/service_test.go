package cost

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/acme-platform/golden-path/tools/internal/repocheck"
	"github.com/acme-platform/golden-path/tools/internal/repotest"
)

func readUsage(t *testing.T, svc string) *usageFile {
	t.Helper()
	f, err := os.Open(filepath.Join(svc, "infracost-usage.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, err := decodeUsageFile(f, "infracost-usage.yml")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func planResources(t *testing.T, root string) []planResource {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "iac", "testdata", "service-plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := decodePlanResources(src)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// terraformAddresses lists the resources of the rendered service root and of the platform modules
// it calls, by address ("[*]" for a resource with count or for_each) with their type.
func terraformAddresses(t *testing.T, root, iacDir string) map[string]string {
	t.Helper()
	m, err := repocheck.LoadModule(iacDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	add := func(prefix string, m *repocheck.Module) {
		for _, r := range m.Resources {
			if r.Mode != "resource" {
				continue
			}
			addr := prefix + r.Address()
			if r.Body.Attributes["count"] != nil || r.Body.Attributes["for_each"] != nil {
				addr += "[*]"
			}
			out[addr] = r.Type
		}
	}
	add("", m)
	resolve := repocheck.RepoResolver(root)
	for _, c := range m.ModuleCalls {
		dir, err := resolve(iacDir, c.Source)
		if err != nil {
			t.Fatalf("module %s: %v", c.Name, err)
		}
		callee, err := repocheck.LoadModule(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(callee.ModuleCalls) > 0 {
			t.Fatalf("module %s calls further modules: extend terraformAddresses", c.Name)
		}
		add("module."+c.Name+".", callee)
	}
	return out
}

// TestUsageFileMatchesTerraform checks, for every render case, that each address of the usage file
// is a resource of the service's Terraform (or an instance of one with count or for_each) of a type
// the model knows, that each usage-based resource of the Terraform has an entry of its own (a type
// default is no substitute: the cost gate must see usage chosen for it; TestUsageCoversEveryComponent
// checks each planned instance), and that every key is one Infracost reads for the type.
func TestUsageFileMatchesTerraform(t *testing.T) {
	t.Parallel()
	root := repotest.Root(t)
	cases, err := filepath.Glob(filepath.Join(root, "template", "testdata", "cases", "*.yaml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no render cases: %v", err)
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(c), ".yaml"), func(t *testing.T) {
			t.Parallel()
			svc := repotest.RenderCase(t, c)
			u := readUsage(t, svc)
			tf := terraformAddresses(t, root, filepath.Join(svc, "iac"))
			// An entry for one instance of a resource with count or for_each
			// (X["key"], X[0]) belongs to its X[*].
			instanceOf := func(addr string) string {
				if i := strings.LastIndex(addr, "["); i > 0 && strings.HasSuffix(addr, "]") {
					return addr[:i] + "[*]"
				}
				return addr
			}
			covered := map[string]bool{}
			for _, addr := range slices.Sorted(maps.Keys(u.Resources)) {
				covered[instanceOf(addr)] = true
				typ, ok := tf[instanceOf(addr)]
				if !ok {
					t.Errorf("usage file: %s is not a resource of the service's Terraform", addr)
					continue
				}
				schema, ok := usageSchema[typ]
				if !ok {
					t.Errorf("usage file: %s is a %s, which has no usage keys", addr, typ)
				}
				for _, k := range u.Resources[addr].Keys() {
					if !slices.Contains(schema, k) {
						t.Errorf("usage file: %s.%s is not a usage key of %s (Infracost would ignore it; keys: %s)", addr, k, typ, strings.Join(schema, ", "))
					}
				}
			}
			for typ, usage := range u.TypeDefaults {
				schema, ok := usageSchema[typ]
				if !ok {
					t.Errorf("usage file: resource_type_default_usage.%s: not a usage-based type", typ)
				}
				for _, k := range usage.Keys() {
					if !slices.Contains(schema, k) {
						t.Errorf("usage file: resource_type_default_usage.%s.%s is not a usage key", typ, k)
					}
				}
			}
			for _, addr := range slices.Sorted(maps.Keys(tf)) {
				if _, usageBased := usageSchema[tf[addr]]; usageBased {
					if _, ok := u.Resources[addr]; !ok && !covered[addr] {
						t.Errorf("usage file: no resource_usage entry for %s (%s)", addr, tf[addr])
					}
				}
			}
		})
	}
}

// TestUsageCoversEveryComponent prices the default case's plan with the usage file: every
// component of every usage-based resource must be known (no null line for the cost gate's
// unknown_cost and require_usage_for checks), and every key the resource's configuration
// needs must be set in its own entry.
func TestUsageCoversEveryComponent(t *testing.T) {
	t.Parallel()
	root := repotest.Root(t)
	u := readUsage(t, repotest.RenderCase(t, filepath.Join(root, "template", "testdata", "cases", "example.yaml")))
	rs := planResources(t, root)
	e, err := compute(rs, u, listPrices)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e.Unknown, []string(nil)); diff != "" {
		t.Errorf("components without usage (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(e.Unmodeled, []string(nil)); diff != "" {
		t.Errorf("resources the model cannot price (-got +want):\n%s", diff)
	}
	for _, r := range rs {
		if _, ok := usageSchema[r.Type]; !ok {
			continue
		}
		keys, err := usageKeys(r)
		if err != nil {
			t.Fatal(err)
		}
		entry := u.Resources[r.Address]
		for _, k := range keys {
			if _, ok := entry[k]; !ok {
				t.Errorf("usage file: %s needs %s", r.Address, k)
			}
		}
	}
}

// TestExampleEstimate computes the README's worked example: the rendered default case's usage file
// priced against the default case's plan fixture, and the cost gate's decision on that estimate
// with the rendered cost policy. Refresh testdata/example-estimate.md with -update.
func TestExampleEstimate(t *testing.T) {
	t.Parallel()
	root := repotest.Root(t)
	values := filepath.Join(root, "template", "testdata", "cases", "example.yaml")
	svc := repotest.RenderCase(t, values)
	u := readUsage(t, svc)
	e, err := compute(planResources(t, root), u, listPrices)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := os.Open(filepath.Join(svc, "costpolicy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	policy, err := DecodePolicy(pf, "costpolicy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(t.Context(), e.Report("flight-events", "iac"), policy, nil)
	if err != nil {
		t.Fatal(err)
	}

	var b strings.Builder
	b.WriteString("<!-- Generated by `go test ./tools/internal/cost -run TestExampleEstimate -update`; do not edit. -->\n")
	b.WriteString("Model: `skeleton/infracost-usage.yml` rendered with `template/testdata/cases/example.yaml` × the resources of ")
	b.WriteString("`iac/testdata/service-plan.json` (the same case's plan) × the list prices of the synthetic Infracost fixtures ")
	b.WriteString("(`" + syntheticREADME + "`: Cloud Run tier 1, Pub/Sub, BigQuery, GCS; Cloud KMS from its list price). ")
	fmt.Fprintf(&b, "%d free resources (IAM, service accounts, key ring, monitoring) cost nothing. ", e.Free)
	b.WriteString("Free tiers are ignored; Infracost's real run prices each component from its pricing API and may differ.\n\n")
	b.WriteString(e.Markdown())
	fmt.Fprintf(&b, "\nCost gate on this estimate as the first plan of a new stack (baseline $0), with the rendered `costpolicy.yaml`: **%s**\n\n", res.Decision)
	b.WriteString("| Check | Scope | Status | Observed | Limit | Message |\n|---|---|---|---:|---:|---|\n")
	for _, c := range res.Checks {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", c.Name, c.Scope, c.Status, c.Observed, c.Limit, c.Message)
	}
	got := b.String()

	golden := filepath.Join("testdata", "example-estimate.md")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(got, string(want)); diff != "" {
		t.Errorf("example estimate (-got +want):\n%s", diff)
	}
}
