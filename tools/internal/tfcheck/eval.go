package tfcheck

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Scope evaluates one instance of a module: the expressions that depend only
// on its input variables, its locals and literal values, with Terraform's
// semantics for the functions this repository's Terraform calls (see
// Functions). Everything a provider or an apply would supply — resource and
// data source attributes, module outputs — evaluates to an unknown value, so
// a caller that needs a known result (a resource name, a label) can tell.
//
// It is not a Terraform evaluator: no providers, no state, no resource graph,
// no module outputs. It exists so that tests can compute the names and labels
// a plan would get for any template values without running terraform.
type Scope struct {
	Module *Module
	// RootDir is the root module's directory: path.root, path.cwd, and the
	// base of relative paths given to file().
	RootDir string
	Vars    map[string]cty.Value
	Locals  map[string]cty.Value

	funcs map[string]function.Function
}

// NewScope binds a module's variables to inputs (converted to each
// variable's type; defaults for the others) and evaluates its locals. An
// input the module does not declare, a missing required variable, an input
// of the wrong type or a local that cannot be evaluated (unknown function,
// error, reference to a missing local) is an error; a local that depends on
// unknown values is merely unknown.
func NewScope(m *Module, rootDir string, inputs map[string]cty.Value) (*Scope, error) {
	s := &Scope{
		Module:  m,
		RootDir: rootDir,
		Vars:    map[string]cty.Value{},
		Locals:  map[string]cty.Value{},
		funcs:   Functions(rootDir),
	}
	var problems []string
	for name := range inputs {
		if _, ok := m.Variables[name]; !ok {
			problems = append(problems, fmt.Sprintf("input %q is not a variable of %s", name, m.Dir))
		}
	}
	for _, name := range sortedKeys(m.Variables) {
		v := m.Variables[name]
		ty := cty.DynamicPseudoType
		if v.Type != nil {
			t, diags := typeexpr.TypeConstraint(v.Type)
			if diags.HasErrors() {
				problems = append(problems, fmt.Sprintf("variable %q type: %s", name, diags.Error()))
				continue
			}
			ty = t
		}
		val, ok := inputs[name]
		if !ok {
			if v.Default == nil {
				problems = append(problems, fmt.Sprintf("variable %q is required", name))
				continue
			}
			d, diags := v.Default.Value(nil)
			if diags.HasErrors() {
				problems = append(problems, fmt.Sprintf("variable %q default: %s", name, diags.Error()))
				continue
			}
			val = d
		}
		conv, err := convert.Convert(val, ty)
		if err != nil {
			problems = append(problems, fmt.Sprintf("variable %q: %v", name, err))
			continue
		}
		s.Vars[name] = conv
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("bind variables of %s: %s", m.Dir, strings.Join(problems, "; "))
	}
	if err := s.evalLocals(); err != nil {
		return nil, err
	}
	return s, nil
}

// evalLocals evaluates locals in dependency order.
func (s *Scope) evalLocals() error {
	pending := sortedKeys(s.Module.Locals)
	for len(pending) > 0 {
		var next []string
		for _, name := range pending {
			a := s.Module.Locals[name]
			ready := true
			for _, tr := range a.Expr.Variables() {
				if tr.RootName() != "local" || len(tr) < 2 {
					continue
				}
				attr, ok := tr[1].(hcl.TraverseAttr)
				if !ok {
					continue
				}
				if _, declared := s.Module.Locals[attr.Name]; !declared {
					return fmt.Errorf("evaluate local.%s in %s: local.%s is not declared", name, s.Module.Dir, attr.Name)
				}
				if _, done := s.Locals[attr.Name]; !done {
					ready = false
				}
			}
			if !ready {
				next = append(next, name)
				continue
			}
			v, diags := s.Eval(a.Expr, nil)
			if diags.HasErrors() {
				return fmt.Errorf("evaluate local.%s in %s: %s", name, s.Module.Dir, diags.Error())
			}
			s.Locals[name] = v
		}
		if len(next) == len(pending) {
			return fmt.Errorf("evaluate locals of %s: cycle among %s", s.Module.Dir, strings.Join(next, ", "))
		}
		pending = next
	}
	return nil
}

// Eval evaluates expr in the scope, with extra variables such as each and
// count. Roots the scope does not define (resource types, data, module …)
// are unknown.
func (s *Scope) Eval(expr hcl.Expression, extra map[string]cty.Value) (cty.Value, hcl.Diagnostics) {
	vars := map[string]cty.Value{
		"var":   objectOrEmpty(s.Vars),
		"local": objectOrEmpty(s.Locals),
		"path": cty.ObjectVal(map[string]cty.Value{
			"module": cty.StringVal(s.Module.Dir),
			"root":   cty.StringVal(s.RootDir),
			"cwd":    cty.StringVal(s.RootDir),
		}),
	}
	for k, v := range extra {
		vars[k] = v
	}
	for _, tr := range expr.Variables() {
		if _, ok := vars[tr.RootName()]; !ok {
			vars[tr.RootName()] = cty.DynamicVal
		}
	}
	return expr.Value(&hcl.EvalContext{Variables: vars, Functions: s.funcs})
}

// Instance is one instance of a resource or module call: its each or count
// variables (none for a single instance), and a key for messages.
type Instance struct {
	Key   string
	Extra map[string]cty.Value
}

// Instances expands a block's for_each or count in the scope. An unknown
// for_each or count yields one instance whose each/count is unknown.
func (s *Scope) Instances(attrs hclsyntax.Attributes) ([]Instance, error) {
	if a, ok := attrs["for_each"]; ok {
		v, diags := s.Eval(a.Expr, nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("evaluate for_each: %s", diags.Error())
		}
		if !v.IsWhollyKnown() {
			return []Instance{{Key: "[?]", Extra: map[string]cty.Value{"each": cty.DynamicVal}}}, nil
		}
		if v.IsNull() {
			return nil, fmt.Errorf("for_each is null")
		}
		var out []Instance
		ty := v.Type()
		switch {
		case ty.IsSetType():
			for it := v.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if e.Type() != cty.String {
					return nil, fmt.Errorf("for_each set of %s, want strings", e.Type().FriendlyName())
				}
				out = append(out, Instance{Key: fmt.Sprintf("[%q]", e.AsString()), Extra: map[string]cty.Value{"each": eachVal(e, e)}})
			}
		case ty.IsMapType() || ty.IsObjectType():
			for it := v.ElementIterator(); it.Next(); {
				k, e := it.Element()
				out = append(out, Instance{Key: fmt.Sprintf("[%q]", k.AsString()), Extra: map[string]cty.Value{"each": eachVal(k, e)}})
			}
		default:
			return nil, fmt.Errorf("for_each is a %s, want a map or a set of strings", ty.FriendlyName())
		}
		return out, nil
	}
	if a, ok := attrs["count"]; ok {
		v, diags := s.Eval(a.Expr, nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("evaluate count: %s", diags.Error())
		}
		if !v.IsKnown() {
			return []Instance{{Key: "[?]", Extra: map[string]cty.Value{"count": cty.DynamicVal}}}, nil
		}
		n, err := convert.Convert(v, cty.Number)
		if err != nil || n.IsNull() {
			return nil, fmt.Errorf("count is not a number")
		}
		c, _ := n.AsBigFloat().Int64()
		out := make([]Instance, 0, c)
		for i := int64(0); i < c; i++ {
			out = append(out, Instance{Key: fmt.Sprintf("[%d]", i), Extra: map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(i)})}})
		}
		return out, nil
	}
	return []Instance{{}}, nil
}

func eachVal(key, value cty.Value) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{"key": key, "value": value})
}

// ModuleInputs evaluates the arguments of a module call in the scope.
func (s *Scope) ModuleInputs(c *ModuleCall) (map[string]cty.Value, error) {
	out := map[string]cty.Value{}
	for _, name := range sortedKeys(c.Args) {
		v, diags := s.Eval(c.Args[name].Expr, nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("evaluate module.%s.%s: %s", c.Name, name, diags.Error())
		}
		out[name] = v
	}
	return out, nil
}

// CheckValidations evaluates every variable's validation conditions. A
// condition that is false or fails to evaluate is a finding (terraform plan
// would stop there); one that depends on unknown values is skipped and
// counted, as terraform defers it too.
func (s *Scope) CheckValidations() (findings []Finding, unknown int) {
	for _, name := range sortedKeys(s.Module.Variables) {
		f, u := s.CheckVariable(name)
		findings = append(findings, f...)
		unknown += u
	}
	return findings, unknown
}

// CheckVariable evaluates one variable's validation conditions, as
// CheckValidations does.
func (s *Scope) CheckVariable(name string) (findings []Finding, unknown int) {
	v, ok := s.Module.Variables[name]
	if !ok {
		return []Finding{{File: s.Module.Dir, Msg: fmt.Sprintf("no variable %q", name)}}, 0
	}
	for _, rule := range v.Rules {
		got, diags := s.Eval(rule.Condition, nil)
		switch {
		case diags.HasErrors():
			findings = append(findings, at(rule.Range, "variable %q: validation does not evaluate: %s", name, diags.Error()))
		case !got.IsWhollyKnown():
			unknown++
		case got.IsNull() || got.Type() != cty.Bool:
			findings = append(findings, at(rule.Range, "variable %q: validation condition is not a bool", name))
		case got.False():
			findings = append(findings, at(rule.Range, "variable %q = %s: %s", name, show(s.Vars[name]), rule.ErrorMessage))
		}
	}
	return findings, unknown
}

func show(v cty.Value) string {
	if v.IsWhollyKnown() && !v.IsNull() && v.Type() == cty.String {
		return fmt.Sprintf("%q", v.AsString())
	}
	return v.GoString()
}

func objectOrEmpty(m map[string]cty.Value) cty.Value {
	if len(m) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(m)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Functions returns the Terraform functions the platform's Terraform uses,
// with Terraform's semantics: most are go-cty's stdlib functions, which
// Terraform itself registers under these names; length, replace, sha1,
// alltrue, anytrue, file and the to* conversions follow Terraform's own
// definitions. file() resolves relative paths against baseDir. A function
// missing here makes evaluation fail: add it, with Terraform's meaning.
func Functions(baseDir string) map[string]function.Function {
	return map[string]function.Function{
		"alltrue":    boolReduce(true),
		"anytrue":    boolReduce(false),
		"can":        tryfunc.CanFunc,
		"contains":   stdlib.ContainsFunc,
		"file":       fileFunc(baseDir),
		"floor":      stdlib.FloorFunc,
		"format":     stdlib.FormatFunc,
		"join":       stdlib.JoinFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
		"keys":       stdlib.KeysFunc,
		"length":     lengthFunc,
		"lower":      stdlib.LowerFunc,
		"merge":      stdlib.MergeFunc,
		"regex":      stdlib.RegexFunc,
		"replace":    replaceFunc,
		"setproduct": stdlib.SetProductFunc,
		"sha1":       sha1Func,
		"substr":     stdlib.SubstrFunc,
		"tolist":     convertFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":      convertFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":   convertFunc(cty.Number),
		"toset":      convertFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":   convertFunc(cty.String),
		"trim":       stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"try":        tryfunc.TryFunc,
		"upper":      stdlib.UpperFunc,
		"startswith": startsWithFunc,
	}
}

// lengthFunc is Terraform's length: characters (grapheme clusters) of a
// string, elements of a collection.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true, AllowMarked: true}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String, ty.IsCollectionType(), ty.IsTupleType(), ty.IsObjectType(), ty == cty.DynamicPseudoType:
			return cty.Number, nil
		}
		return cty.NilType, function.NewArgErrorf(0, "argument must be a string, a collection type, or a structural type")
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		if v.Type() == cty.String {
			return stdlib.Strlen(v)
		}
		if !v.IsKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		if v.Type().IsTupleType() || v.Type().IsObjectType() {
			return cty.NumberIntVal(int64(v.LengthInt())), nil
		}
		return v.Length(), nil
	},
})

// replaceFunc is Terraform's replace: substr wrapped in slashes is a regular
// expression (RE2, $n in the replacement), otherwise a literal.
var replaceFunc = function.New(&function.Spec{
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		str, substr, repl := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(substr) > 1 && substr[0] == '/' && substr[len(substr)-1] == '/' {
			re, err := regexp.Compile(substr[1 : len(substr)-1])
			if err != nil {
				return cty.UnknownVal(cty.String), err
			}
			return cty.StringVal(re.ReplaceAllString(str, repl)), nil
		}
		return cty.StringVal(strings.ReplaceAll(str, substr, repl)), nil
	},
})

// sha1Func is Terraform's sha1: the hexadecimal SHA-1 of the string's UTF-8 bytes.
var sha1Func = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		sum := sha1.Sum([]byte(args[0].AsString()))
		return cty.StringVal(hex.EncodeToString(sum[:])), nil
	},
})

// startsWithFunc is Terraform's startswith.
var startsWithFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.HasPrefix(args[0].AsString(), args[1].AsString())), nil
	},
})

// boolReduce is Terraform's alltrue (all) or anytrue (!all) over a list of
// bools; unknown elements make the result unknown unless already decided.
func boolReduce(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool), AllowUnknown: true}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			l := args[0]
			if !l.IsKnown() {
				return cty.UnknownVal(cty.Bool), nil
			}
			if l.IsNull() {
				return cty.False, fmt.Errorf("argument must not be null")
			}
			unknown := false
			for it := l.ElementIterator(); it.Next(); {
				_, e := it.Element()
				switch {
				case !e.IsKnown():
					unknown = true
				case e.IsNull():
					if all {
						return cty.False, nil
					}
				case e.True() != all:
					return cty.BoolVal(!all), nil
				}
			}
			if unknown {
				return cty.UnknownVal(cty.Bool), nil
			}
			return cty.BoolVal(all), nil
		},
	})
}

// convertFunc is one of Terraform's to* conversion functions.
func convertFunc(want cty.Type) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true, AllowDynamicType: true}},
		Type: func(args []cty.Value) (cty.Type, error) {
			ty := args[0].Type()
			if ty == cty.DynamicPseudoType {
				return want, nil
			}
			if want.IsCollectionType() {
				conv := convert.GetConversionUnsafe(ty, want)
				if conv == nil {
					return cty.NilType, function.NewArgErrorf(0, "cannot convert %s to %s", ty.FriendlyName(), want.FriendlyNameForConstraint())
				}
				got, err := conv(cty.UnknownVal(ty))
				if err != nil {
					return cty.NilType, function.NewArgError(0, err)
				}
				return got.Type(), nil
			}
			return want, nil
		},
		Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
			v, err := convert.Convert(args[0], retType)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			return v, nil
		},
	})
}

// fileFunc is Terraform's file: the UTF-8 content of a file, relative paths
// resolved against baseDir.
func fileFunc(baseDir string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(baseDir, p)
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return cty.UnknownVal(cty.String), fmt.Errorf("read file: %w", err)
			}
			return cty.StringVal(string(src)), nil
		},
	})
}
