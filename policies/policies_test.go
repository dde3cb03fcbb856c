package policies_test

import (
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/acme-platform/golden-path/policies"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/tester"
)

// coverageFloor is the minimum Rego line coverage of the unit tests.
const coverageFloor = 90.0

func parseAll(t *testing.T, fsys fs.FS) map[string]*ast.Module {
	t.Helper()
	modules := map[string]*ast.Module{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".rego" {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(p, string(b), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		modules[p] = m
		return nil
	})
	if err != nil {
		t.Fatalf("parse policies: %v", err)
	}
	if len(modules) == 0 {
		t.Fatal("no .rego files embedded")
	}
	return modules
}

// TestRegoUnitTests runs every test_* rule through OPA's tester (as `opa test
// --coverage` does) and enforces the coverage floor.
func TestRegoUnitTests(t *testing.T) {
	t.Parallel()
	modules := parseAll(t, policies.Terraform())
	cov := cover.New()
	ch, err := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithStrict(true)).
		SetCoverageQueryTracer(cov).
		RaiseBuiltinErrors(true).
		SetModules(modules).
		RunTests(t.Context(), nil)
	if err != nil {
		t.Fatalf("run rego tests: %v", err)
	}
	passed := 0
	for r := range ch {
		switch {
		case r.Error != nil:
			t.Errorf("%s.%s: error: %v", r.Package, r.Name, r.Error)
		case r.Fail:
			t.Errorf("%s.%s: FAIL", r.Package, r.Name)
		case r.Skip:
			t.Errorf("%s.%s: skipped (todo_ tests are not allowed)", r.Package, r.Name)
		default:
			passed++
		}
	}
	if passed < 100 {
		t.Errorf("only %d rego tests passed, want at least 100 (did tests go missing?)", passed)
	}
	// Coverage counts policy modules only, as `opa test --coverage` reports per file.
	policyOnly := map[string]*ast.Module{}
	for name, m := range modules {
		if !strings.HasSuffix(name, "_test.rego") {
			policyOnly[name] = m
		}
	}
	report := cov.Report(policyOnly)
	if report.Coverage < coverageFloor {
		for file, fc := range report.Files {
			if fc.Coverage < 100 {
				t.Logf("%s: %.1f %% (not covered: %v)", file, fc.Coverage, fc.NotCovered)
			}
		}
		t.Errorf("rego coverage %.1f %%, want >= %.0f %%", report.Coverage, coverageFloor)
	}
	t.Logf("%d rego tests passed, coverage %.1f %%", passed, report.Coverage)
}

// TestRuleMetadata fails on any rule without the METADATA the gate and its
// SARIF catalog need, and on rule files without their _test.rego.
func TestRuleMetadata(t *testing.T) {
	t.Parallel()
	fsys := policies.Terraform()
	modules := parseAll(t, fsys)
	ids := map[string]string{}
	rules := 0
	for name, m := range modules {
		if !strings.HasPrefix(m.Package.Path.String(), "data.terraform.rules.") || strings.HasSuffix(name, "_test.rego") {
			continue
		}
		rules++
		test := strings.TrimSuffix(name, ".rego") + "_test.rego"
		if _, ok := modules[test]; !ok {
			t.Errorf("%s: no %s beside it", name, test)
		}
		var denies []*ast.Rule
		for _, r := range m.Rules {
			if r.Head.Name.String() == "deny" {
				denies = append(denies, r)
			}
		}
		if len(denies) != 1 {
			t.Errorf("%s: %d deny rules, want exactly 1 (one rule per file)", name, len(denies))
			continue
		}
		var a *ast.Annotations
		for _, x := range denies[0].Annotations {
			if x.Scope == "rule" {
				a = x
			}
		}
		if a == nil {
			t.Errorf("%s: deny has no # METADATA block", name)
			continue
		}
		if a.Title == "" || a.Description == "" {
			t.Errorf("%s: METADATA needs title and description", name)
		}
		for _, k := range []string{"id", "severity", "resource_types", "remediation", "related"} {
			if v, ok := a.Custom[k]; !ok || v == "" || v == nil {
				t.Errorf("%s: METADATA lacks custom.%s", name, k)
			}
		}
		for _, k := range []string{"resource_types", "related"} {
			if l, _ := a.Custom[k].([]any); len(l) == 0 {
				t.Errorf("%s: custom.%s must be a non-empty list", name, k)
			}
		}
		switch a.Custom["severity"] {
		case "CRITICAL", "HIGH", "MEDIUM", "LOW":
		default:
			t.Errorf("%s: custom.severity %v is not CRITICAL, HIGH, MEDIUM or LOW", name, a.Custom["severity"])
		}
		id, _ := a.Custom["id"].(string)
		if other, dup := ids[id]; dup {
			t.Errorf("%s: id %s also used by %s", name, id, other)
		}
		ids[id] = name
		for _, kind := range []string{"pass", "fail", "unknown", "module"} {
			if !hasTestKind(modules[test], kind) {
				t.Errorf("%s: no %s case", test, kind)
			}
		}
	}
	if rules < 20 {
		t.Errorf("found %d rules, want at least 20", rules)
	}
}

// hasTestKind: pass = test_allow_*, fail = test_deny_*, unknown and module =
// a test whose name mentions them.
func hasTestKind(m *ast.Module, kind string) bool {
	if m == nil {
		return false
	}
	for _, r := range m.Rules {
		n := r.Head.Name.String()
		switch {
		case kind == "pass" && strings.HasPrefix(n, "test_allow_"),
			kind == "fail" && strings.HasPrefix(n, "test_deny_"),
			kind == "unknown" && strings.HasPrefix(n, "test_") && (strings.Contains(n, "unknown") || strings.Contains(n, "created_in_plan") || strings.Contains(n, "computed")),
			kind == "module" && strings.HasPrefix(n, "test_") && strings.Contains(n, "module"):
			return true
		}
	}
	return false
}
