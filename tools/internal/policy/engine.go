// Package policy is the policy gate's engine: it compiles Rego policies once
// with embedded OPA, evaluates them over a plan converted once to an OPA value
// in one aggregated query, applies reviewed waivers and renders reports
// (text, json, markdown, sarif, github). It decodes no plan itself
// (tools/internal/tfplan does) and holds no rules (policies/ does).
//
// Engine is generic: a gate over another input (the cost gate) builds one with
// NewEngine over its own policy FS and query, and reads RuleCatalog for
// reports.
package policy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Rule is one rule's catalog entry, read from its # METADATA block.
type Rule struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Description   string   `json:"description"`
	Severity      string   `json:"severity"`
	ResourceTypes []string `json:"resource_types"`
	Remediation   string   `json:"remediation"`
	Related       []string `json:"related"`
	Package       string   `json:"package"`
	File          string   `json:"file"`
	Line          int      `json:"line"`
}

// Severities from most to least severe.
var Severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}

// SeverityRank is 4 for CRITICAL down to 1 for LOW, 0 for anything else.
func SeverityRank(s string) int {
	if i := slices.Index(Severities, strings.ToUpper(s)); i >= 0 {
		return len(Severities) - i
	}
	return 0
}

// Source is a set of policy files: the embedded bundle or a service's own
// directory. Name prefixes module file names in errors and the catalog.
type Source struct {
	Name string
	FS   fs.FS
}

// EngineOptions configures NewEngine.
type EngineOptions struct {
	// Query is the one aggregated query, e.g. data.terraform.main.violations.
	Query string
	// Sources are walked for *.rego files; *_test.rego files are skipped.
	Sources []Source
	// RulePackage is the package prefix of rules, e.g. terraform.rules: every
	// package under it must have exactly one `deny` rule with complete METADATA.
	RulePackage string
	// Data is the base document under data (e.g. {"gate": {"config": ...}}).
	Data map[string]any
}

// Engine is a compiled policy set. It is safe for concurrent use.
type Engine struct {
	query   rego.PreparedEvalQuery
	catalog []Rule
}

// LoadModules parses the .rego files of a source (tests only if withTests),
// keyed by "<source name>/<path>".
func LoadModules(src Source, withTests bool) (map[string]*ast.Module, error) {
	modules := map[string]*ast.Module{}
	err := fs.WalkDir(src.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".rego" || (!withTests && strings.HasSuffix(p, "_test.rego")) {
			return nil
		}
		b, err := fs.ReadFile(src.FS, p)
		if err != nil {
			return err
		}
		name := path.Join(src.Name, p)
		m, err := ast.ParseModuleWithOpts(name, string(b), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		modules[name] = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load policies %s: %w", src.Name, err)
	}
	return modules, nil
}

// RuleCatalog reads the METADATA of every deny rule in packages under
// rulePackage and fails on a package without exactly one deny rule or on a
// rule without title, description, custom.id, custom.severity,
// custom.resource_types, custom.remediation or custom.related.
func RuleCatalog(modules map[string]*ast.Module, rulePackage string) ([]Rule, error) {
	prefix := "data." + rulePackage + "."
	var rules []Rule
	var errs []error
	ids := map[string]string{}
	for _, name := range sortedKeys(modules) {
		m := modules[name]
		pkg := m.Package.Path.String()
		if !strings.HasPrefix(pkg, prefix) {
			continue
		}
		var denies []*ast.Rule
		for _, r := range m.Rules {
			if r.Head.Name.String() == "deny" || (len(r.Head.Reference) > 0 && r.Head.Reference[0].Value.Compare(ast.String("deny")) == 0) {
				denies = append(denies, r)
			}
		}
		if len(denies) != 1 {
			errs = append(errs, fmt.Errorf("%s: package %s has %d deny rules, want exactly 1", name, strings.TrimPrefix(pkg, "data."), len(denies)))
			continue
		}
		rule, err := ruleFromAnnotations(name, pkg, denies[0])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if other, dup := ids[rule.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: rule id %s already used by %s", name, rule.ID, other))
			continue
		}
		ids[rule.ID] = name
		rules = append(rules, rule)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("check rule metadata: %w", err)
	}
	slices.SortFunc(rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules, nil
}

func ruleFromAnnotations(file, pkg string, r *ast.Rule) (Rule, error) {
	loc := r.Location
	var a *ast.Annotations
	for _, x := range r.Annotations {
		if x.Scope == "rule" {
			a = x
		}
	}
	if a == nil {
		return Rule{}, fmt.Errorf("%s:%d: deny has no # METADATA block", file, loc.Row)
	}
	str := func(k string) string { s, _ := a.Custom[k].(string); return s }
	list := func(k string) []string {
		raw, _ := a.Custom[k].([]any)
		var out []string
		for _, x := range raw {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	rule := Rule{
		ID: str("id"), Title: a.Title, Description: strings.TrimSpace(a.Description),
		Severity: str("severity"), ResourceTypes: list("resource_types"),
		Remediation: str("remediation"), Related: list("related"),
		Package: strings.TrimPrefix(pkg, "data."), File: file, Line: loc.Row,
	}
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"title", rule.Title != ""}, {"description", rule.Description != ""}, {"custom.id", rule.ID != ""},
		{"custom.severity", SeverityRank(rule.Severity) > 0}, {"custom.resource_types", len(rule.ResourceTypes) > 0},
		{"custom.remediation", rule.Remediation != ""}, {"custom.related", len(rule.Related) > 0},
	} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return Rule{}, fmt.Errorf("%s:%d: METADATA lacks or has invalid %s", file, loc.Row, strings.Join(missing, ", "))
	}
	return rule, nil
}

// NewEngine loads, checks and compiles the policies once (strict mode, as
// `opa check --strict`) and prepares the query.
func NewEngine(ctx context.Context, opts EngineOptions) (*Engine, error) {
	modules := map[string]*ast.Module{}
	for _, src := range opts.Sources {
		ms, err := LoadModules(src, false)
		if err != nil {
			return nil, err
		}
		for k, v := range ms {
			modules[k] = v
		}
	}
	if len(modules) == 0 {
		return nil, errors.New("load policies: no .rego files")
	}
	catalog, err := RuleCatalog(modules, opts.RulePackage)
	if err != nil {
		return nil, err
	}
	if len(catalog) == 0 {
		return nil, fmt.Errorf("load policies: no rules under package %s", opts.RulePackage)
	}
	compiler := ast.NewCompiler().WithStrict(true)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("compile policies: %w", compiler.Errors)
	}
	data := opts.Data
	if data == nil {
		data = map[string]any{}
	}
	pq, err := rego.New(
		rego.Query(opts.Query),
		rego.Compiler(compiler),
		rego.Store(inmem.NewFromObject(data)),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare query %s: %w", opts.Query, err)
	}
	return &Engine{query: pq, catalog: catalog}, nil
}

// Catalog returns the rules, sorted by id.
func (e *Engine) Catalog() []Rule { return slices.Clone(e.catalog) }

// InputValue converts a decoded JSON document to an OPA value, once per input.
func InputValue(doc any) (ast.Value, error) {
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil, fmt.Errorf("convert input: %w", err)
	}
	return v, nil
}

// Eval runs the query over the input and returns its single value as JSON
// types. An undefined query (a missing policy package) is an error, as is any
// runtime error: nothing here fails open.
func (e *Engine) Eval(ctx context.Context, input ast.Value) (any, error) {
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return nil, fmt.Errorf("evaluate policies: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("evaluate policies: query is undefined (%d results): is the aggregating package missing?", len(rs))
	}
	return rs[0].Expressions[0].Value, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
