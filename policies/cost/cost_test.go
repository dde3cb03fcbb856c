package cost_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/acme-platform/golden-path/policies/cost"
)

func modules(t *testing.T) map[string]*ast.Module {
	t.Helper()
	names, err := fs.Glob(cost.Files, "*.rego")
	if err != nil {
		t.Fatal(err)
	}
	mods := map[string]*ast.Module{}
	for _, name := range names {
		b, err := fs.ReadFile(cost.Files, name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ast.ParseModuleWithOpts(name, string(b), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		mods[name] = m
	}
	if len(mods) < 2 {
		t.Fatalf("embedded %d rego files, want policies and tests", len(mods))
	}
	return mods
}

// TestRegoUnitTests runs every test_* rule of the *_test.rego files with OPA's test runner.
func TestRegoUnitTests(t *testing.T) {
	t.Parallel()
	ch, err := tester.NewRunner().SetModules(modules(t)).RunTests(t.Context(), nil)
	if err != nil {
		t.Fatalf("run rego tests: %v", err)
	}
	n := 0
	for r := range ch {
		n++
		if r.Fail || r.Error != nil {
			t.Errorf("%s.%s failed (error %v)", r.Package, r.Name, r.Error)
		}
	}
	if n == 0 {
		t.Fatal("no rego tests ran")
	}
}

// TestEveryRuleHasMetadata: each deny rule carries title, description and the custom keys the
// comment and the docs rely on; one rule per policy file, each file in package infracost.
func TestEveryRuleHasMetadata(t *testing.T) {
	t.Parallel()
	ids := map[string]string{}
	for name, m := range modules(t) {
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		if got := m.Package.Path.String(); got != "data.infracost" {
			t.Errorf("%s: package %s, want infracost (Infracost queries data.infracost.deny)", name, got)
		}
		var annotated int
		for _, a := range m.Annotations {
			if a.Scope != "rule" {
				continue
			}
			annotated++
			if a.Title == "" || a.Description == "" {
				t.Errorf("%s: rule without title or description", name)
			}
			for _, k := range []string{"id", "severity", "resource_types", "remediation", "related"} {
				if _, ok := a.Custom[k]; !ok {
					t.Errorf("%s: METADATA custom.%s missing", name, k)
				}
			}
			id, _ := a.Custom["id"].(string)
			if other, dup := ids[id]; dup {
				t.Errorf("%s: custom.id %s already used by %s", name, id, other)
			}
			ids[id] = name
		}
		if annotated != 1 {
			t.Errorf("%s: %d annotated rules, want exactly 1", name, annotated)
		}
	}
}
