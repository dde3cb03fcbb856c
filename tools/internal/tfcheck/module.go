package tfcheck

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
	Rules       []ValidationRule // the validation blocks, in order
	Range       hcl.Range
}

// ValidationRule is a variable's validation block.
type ValidationRule struct {
	Condition    hclsyntax.Expression
	ErrorMessage string
	Range        hcl.Range
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
			v := &Variable{Name: b.Labels[0], Range: b.DefRange()}
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
				if nb.Type == "validation" {
					v.Validations++
					rule := ValidationRule{Range: nb.DefRange()}
					if a, ok := nb.Body.Attributes["condition"]; ok {
						rule.Condition = a.Expr
					}
					if a, ok := nb.Body.Attributes["error_message"]; ok {
						rule.ErrorMessage = literalString(a.Expr)
					}
					if rule.Condition == nil {
						return fmt.Errorf("%s: validation of variable %q has no condition", rangeString(rule.Range), v.Name)
					}
					v.Rules = append(v.Rules, rule)
				}
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
