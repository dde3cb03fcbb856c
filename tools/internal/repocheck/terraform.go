package repocheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Finding is one problem, located at a file and line.
type Finding struct {
	File string
	Line int
	Msg  string
}

func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Msg)
	}
	return fmt.Sprintf("%s: %s", f.File, f.Msg)
}

func at(r hcl.Range, format string, args ...any) Finding {
	return Finding{File: r.Filename, Line: r.Start.Line, Msg: fmt.Sprintf(format, args...)}
}

// SortFindings orders findings by file, line and message.
func SortFindings(fs []Finding) {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].File != fs[j].File {
			return fs[i].File < fs[j].File
		}
		if fs[i].Line != fs[j].Line {
			return fs[i].Line < fs[j].Line
		}
		return fs[i].Msg < fs[j].Msg
	})
}

// Kind says which rules a module follows.
type Kind int

const (
	// SharedModule is a reusable module: CFT files, README, no backend, no
	// provider configuration.
	SharedModule Kind = iota
	// RootModule is a deployable root (bootstrap, examples, a service).
	RootModule
)

// Module is the parsed content of one Terraform module directory.
type Module struct {
	Dir   string
	Files map[string][]byte // by base name

	Variables   map[string]*Variable
	Outputs     map[string]*Output
	ModuleCalls map[string]*ModuleCall
	Resources   []*Resource
	Locals      map[string]*hclsyntax.Attribute

	// RequiredProviders maps a local provider name to its source and
	// version constraint from terraform { required_providers { … } }.
	RequiredProviders map[string]ProviderRequirement
	RequiredVersion   string
	Backend           string // type of the backend block, "" when none

	bodies []*hclsyntax.Body // one per file, in file name order
}

// Variable is a variable block.
type Variable struct {
	Name        string
	Type        hclsyntax.Expression // nil when missing
	Description string
	Default     hclsyntax.Expression // nil when the variable is required
	Validations int
	Range       hcl.Range   // the block's header
	Block       hcl.Range   // the whole block, for copying it verbatim
	Checks      []hcl.Range // its validation blocks
}

// Required reports whether a caller must set the variable.
func (v *Variable) Required() bool { return v.Default == nil }

// Output is an output block.
type Output struct {
	Name        string
	Description string
	Range       hcl.Range
}

// ModuleCall is a module block.
type ModuleCall struct {
	Name   string
	Source string
	Args   map[string]*hclsyntax.Attribute // every attribute except meta-arguments
	Range  hcl.Range
}

// Resource is a resource or data block.
type Resource struct {
	Mode  string // "resource" or "data"
	Type  string
	Name  string
	Body  *hclsyntax.Body
	Range hcl.Range
}

// Address is the resource's address within its module.
func (r *Resource) Address() string {
	if r.Mode == "data" {
		return "data." + r.Type + "." + r.Name
	}
	return r.Type + "." + r.Name
}

// ProviderRequirement is one entry of required_providers.
type ProviderRequirement struct {
	Source  string
	Version string
	Range   hcl.Range
}

// moduleMetaArgs are module block attributes that are not input variables.
var moduleMetaArgs = []string{"source", "version", "count", "for_each", "depends_on", "providers"}

// LoadModule parses every .tf file in dir. Syntax errors are returned as
// one error naming each file and line.
func LoadModule(dir string) (*Module, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, fmt.Errorf("list .tf files: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("load module %s: no .tf files", dir)
	}
	sort.Strings(paths)
	m := &Module{
		Dir:               dir,
		Files:             map[string][]byte{},
		Variables:         map[string]*Variable{},
		Outputs:           map[string]*Output{},
		ModuleCalls:       map[string]*ModuleCall{},
		Locals:            map[string]*hclsyntax.Attribute{},
		RequiredProviders: map[string]ProviderRequirement{},
	}
	var problems []string
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		m.Files[filepath.Base(p)] = src
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if diags.HasErrors() {
			problems = append(problems, diags.Error())
			continue
		}
		body := f.Body.(*hclsyntax.Body)
		m.bodies = append(m.bodies, body)
		if err := m.collect(body, src); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("parse module %s: %s", dir, strings.Join(problems, "; "))
	}
	return m, nil
}

func (m *Module) collect(body *hclsyntax.Body, src []byte) error {
	for _, b := range body.Blocks {
		switch b.Type {
		case "variable":
			v := &Variable{Name: b.Labels[0], Range: b.DefRange(), Block: b.Range()}
			if a, ok := b.Body.Attributes["type"]; ok {
				v.Type = a.Expr
			}
			if a, ok := b.Body.Attributes["default"]; ok {
				v.Default = a.Expr
			}
			if a, ok := b.Body.Attributes["description"]; ok {
				v.Description = literalString(a.Expr)
			}
			for _, nb := range b.Body.Blocks {
				if nb.Type != "validation" {
					continue
				}
				if _, ok := nb.Body.Attributes["condition"]; !ok {
					return fmt.Errorf("%s: validation of variable %q has no condition", rangeString(nb.DefRange()), v.Name)
				}
				v.Validations++
				v.Checks = append(v.Checks, nb.Range())
			}
			if _, dup := m.Variables[v.Name]; dup {
				return fmt.Errorf("%s: variable %q declared twice", rangeString(v.Range), v.Name)
			}
			m.Variables[v.Name] = v
		case "output":
			o := &Output{Name: b.Labels[0], Range: b.DefRange()}
			if a, ok := b.Body.Attributes["description"]; ok {
				o.Description = literalString(a.Expr)
			}
			m.Outputs[o.Name] = o
		case "module":
			c := &ModuleCall{Name: b.Labels[0], Args: map[string]*hclsyntax.Attribute{}, Range: b.DefRange()}
			for name, a := range b.Body.Attributes {
				if name == "source" {
					c.Source = literalString(a.Expr)
					continue
				}
				if !slices.Contains(moduleMetaArgs, name) {
					c.Args[name] = a
				}
			}
			m.ModuleCalls[c.Name] = c
		case "resource", "data":
			m.Resources = append(m.Resources, &Resource{Mode: b.Type, Type: b.Labels[0], Name: b.Labels[1], Body: b.Body, Range: b.DefRange()})
		case "locals":
			for name, a := range b.Body.Attributes {
				m.Locals[name] = a
			}
		case "terraform":
			if a, ok := b.Body.Attributes["required_version"]; ok {
				m.RequiredVersion = literalString(a.Expr)
			}
			for _, nb := range b.Body.Blocks {
				switch nb.Type {
				case "backend":
					m.Backend = nb.Labels[0]
				case "required_providers":
					for name, a := range nb.Body.Attributes {
						m.RequiredProviders[name] = providerRequirement(a, src)
					}
				}
			}
		}
	}
	return nil
}

// providerRequirement reads { source = "…", version = "…" } without
// evaluating anything else.
func providerRequirement(a *hclsyntax.Attribute, src []byte) ProviderRequirement {
	r := ProviderRequirement{Range: a.SrcRange}
	obj, ok := a.Expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return r
	}
	for _, item := range obj.Items {
		key := strings.Trim(strings.TrimSpace(string(item.KeyExpr.Range().SliceBytes(src))), `"`)
		switch key {
		case "source":
			r.Source = literalString(item.ValueExpr)
		case "version":
			r.Version = literalString(item.ValueExpr)
		}
	}
	return r
}

// literalString returns the value of a string literal or template without
// interpolations, else "".
func literalString(e hclsyntax.Expression) string {
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type().FriendlyName() != "string" {
		return ""
	}
	return v.AsString()
}

// Source returns the text of a range in the module's files.
func (m *Module) Source(r hcl.Range) string {
	src, ok := m.Files[filepath.Base(r.Filename)]
	if !ok {
		return ""
	}
	return string(r.SliceBytes(src))
}

// References returns every traversal the module's expressions refer to
// (var.x, module.a.b, google_x.y.z …), in file order.
func (m *Module) References() []hcl.Traversal {
	var out []hcl.Traversal
	for _, body := range m.bodies {
		_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			if a, ok := n.(*hclsyntax.Attribute); ok {
				out = append(out, a.Expr.Variables()...)
			}
			return nil
		})
	}
	return out
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line)
}

// Resolver finds the directory of a module call's source, relative to the
// calling module's directory.
type Resolver func(callerDir, source string) (string, error)

// PlatformGitSource is how services reference the platform's modules.
const PlatformGitSource = "git::https://github.com/acme-platform/golden-path.git//"

// RepoResolver resolves local paths and this platform's pinned git source
// (PlatformGitSource + "iac/modules/<name>?ref=<ref>") against repoRoot. A
// git source without ?ref= is an error: services pin the platform.
func RepoResolver(repoRoot string) Resolver {
	return func(callerDir, source string) (string, error) {
		switch {
		case strings.HasPrefix(source, "./"), strings.HasPrefix(source, "../"):
			return filepath.Join(callerDir, source), nil
		case strings.HasPrefix(source, PlatformGitSource):
			path, query, _ := strings.Cut(strings.TrimPrefix(source, PlatformGitSource), "?")
			ref, ok := strings.CutPrefix(query, "ref=")
			if !ok || ref == "" || strings.Contains(ref, "${") {
				return "", fmt.Errorf("source %q is not pinned with ?ref=<tag or commit>", source)
			}
			return filepath.Join(repoRoot, filepath.FromSlash(path)), nil
		default:
			return "", fmt.Errorf("source %q is neither a local path nor %s…", source, PlatformGitSource)
		}
	}
}

// CheckCalls checks m's module calls against the called modules: only
// declared variables are passed, every required variable is passed, and
// every module.<call>.<output> reference names a declared output.
func CheckCalls(m *Module, resolve Resolver) []Finding {
	var out []Finding
	callees := map[string]*Module{}
	calls := make([]*ModuleCall, 0, len(m.ModuleCalls))
	for _, c := range m.ModuleCalls {
		calls = append(calls, c)
	}
	sort.Slice(calls, func(i, j int) bool { return calls[i].Name < calls[j].Name })
	for _, c := range calls {
		dir, err := resolve(m.Dir, c.Source)
		if err != nil {
			out = append(out, at(c.Range, "module %q: %v", c.Name, err))
			continue
		}
		callee, err := LoadModule(dir)
		if err != nil {
			out = append(out, at(c.Range, "module %q: %v", c.Name, err))
			continue
		}
		callees[c.Name] = callee
		for name, a := range c.Args {
			if _, ok := callee.Variables[name]; !ok {
				out = append(out, at(a.SrcRange, "module %q: argument %q is not a variable of %s", c.Name, name, dir))
			}
		}
		for _, v := range sortedVariables(callee) {
			if _, ok := c.Args[v.Name]; v.Required() && !ok {
				out = append(out, at(c.Range, "module %q: required variable %q is not set", c.Name, v.Name))
			}
		}
	}
	for _, t := range m.References() {
		if t.RootName() != "module" || len(t) < 2 {
			continue
		}
		name, ok := traverseName(t[1])
		if !ok {
			continue
		}
		c, ok := m.ModuleCalls[name]
		if !ok {
			out = append(out, at(t.SourceRange(), "reference to undeclared module %q", name))
			continue
		}
		callee, ok := callees[c.Name]
		if !ok || len(t) < 3 {
			continue
		}
		output, ok := traverseName(t[2])
		if !ok {
			continue
		}
		if _, ok := callee.Outputs[output]; !ok {
			out = append(out, at(t.SourceRange(), "module %q has no output %q", name, output))
		}
	}
	SortFindings(out)
	return out
}

func traverseName(s hcl.Traverser) (string, bool) {
	if a, ok := s.(hcl.TraverseAttr); ok {
		return a.Name, true
	}
	return "", false
}

func sortedVariables(m *Module) []*Variable {
	vs := make([]*Variable, 0, len(m.Variables))
	for _, v := range m.Variables {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return rangeLess(vs[i].Range, vs[j].Range) })
	return vs
}

func sortedOutputs(m *Module) []*Output {
	outs := make([]*Output, 0, len(m.Outputs))
	for _, o := range m.Outputs {
		outs = append(outs, o)
	}
	sort.Slice(outs, func(i, j int) bool { return rangeLess(outs[i].Range, outs[j].Range) })
	return outs
}

// rangeLess orders declarations as they appear: by file, then line.
func rangeLess(a, b hcl.Range) bool {
	if a.Filename != b.Filename {
		return a.Filename < b.Filename
	}
	return a.Start.Byte < b.Start.Byte
}
