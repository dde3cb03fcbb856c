package repocheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Tree is a root module and the modules it calls, by call name.
type Tree struct {
	Root    *Module
	Callees map[string]*Module
}

// LoadTree loads the root module in dir and every module it calls.
func LoadTree(dir string, resolve Resolver) (*Tree, error) {
	root, err := LoadModule(dir)
	if err != nil {
		return nil, err
	}
	t := &Tree{Root: root, Callees: map[string]*Module{}}
	for name, c := range root.ModuleCalls {
		calleeDir, err := resolve(root.Dir, c.Source)
		if err != nil {
			return nil, fmt.Errorf("load module %q: %w", name, err)
		}
		if t.Callees[name], err = LoadModule(calleeDir); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Harness is an output-only copy of a Tree that terraform plans without any
// provider but its builtin one: per module, its variables known at plan time
// (verbatim, with their validations, so terraform checks them), its locals
// (references to resource and data source attributes, module outputs and
// unknown variables replaced by an unknown string), its module calls with
// the arguments it can copy, and one output, values, that maps
// "<address>.<attribute>" (module.x.type.name, instances as [key] or
// [index]) to the value of each requested resource attribute. A requested
// attribute that refers to a resource, a data source or a module output
// directly is left out and listed in Unknown; one that terraform finds
// unknown fails EvalCases: nothing is guessed.
type Harness struct {
	// Dir holds the harness modules; EvalCases runs terraform in a new
	// directory under it.
	Dir string
	// Unknown lists the requested attributes that are not known at plan time
	// ("address.attr: why") and those the resource lacks.
	Unknown []string
	// UnknownVars lists, by module ("root", "module.x"), the variables whose
	// value is not known at plan time: terraform defers their validations.
	UnknownVars map[string][]string

	rootVars     []string
	rootDefaults map[string]json.RawMessage // literal defaults, for cases that leave a variable unset
}

// HarnessOptions say what a harness evaluates.
type HarnessOptions struct {
	// Attrs names the attributes to evaluate for a resource type (nil: none).
	Attrs func(resourceType string) []string
	// Varying, when set, names the root variables in which the variable sets
	// given to EvalCases differ, for a smaller harness: the called modules
	// keep only the variables and locals the evaluated attributes depend on,
	// and only the variables whose value depends on Varying keep their
	// validations (the others give every set the result of one: check them
	// with a harness without Varying).
	Varying []string
}

// WriteHarness writes the harness of t next to the root module, in
// <root>.harness (so that path.module-relative files of the root resolve
// alike), and returns it.
func WriteHarness(t *Tree, o HarnessOptions) (*Harness, error) {
	attrs := o.Attrs
	h := &Harness{Dir: filepath.Clean(t.Root.Dir) + ".harness", UnknownVars: map[string][]string{}, rootDefaults: map[string]json.RawMessage{}}
	for name, v := range t.Root.Variables {
		h.rootVars = append(h.rootVars, name)
		if v.Default == nil {
			continue
		}
		if d, diags := v.Default.Value(nil); !diags.HasErrors() {
			if js, err := ctyjson.Marshal(d, d.Type()); err == nil {
				h.rootDefaults[name] = js
			}
		}
	}
	slices.Sort(h.rootVars)
	rootScope := newHarnessScope(t.Root, true, nil)
	if len(o.Varying) > 0 {
		rootScope.checked = map[string]bool{}
		for _, name := range o.Varying {
			rootScope.checked[name] = true
		}
	}
	var calls strings.Builder
	var outputs []string
	for _, name := range slices.Sorted(maps.Keys(t.Callees)) {
		callee, call := t.Callees[name], t.Root.ModuleCalls[name]
		known := map[string]bool{}
		fmt.Fprintf(&calls, "module %q {\n  source          = \"./modules/%s\"\n  harness_unknown = %s\n", name, name, harnessUnknown)
		for _, v := range callee.Variables {
			arg, passed := call.Args[v.Name]
			known[v.Name] = passed && rootScope.known(arg.Expr) || !passed && v.Default != nil
		}
		s := newHarnessScope(callee, false, known)
		if len(o.Varying) > 0 {
			s.keepOnlyNeeded(attrs, nil)
			s.checked = map[string]bool{}
			for name, arg := range call.Args {
				s.checked[name] = rootScope.dependsOn(arg.Expr, o.Varying, map[string]bool{})
			}
		}
		for _, v := range slices.Sorted(maps.Keys(callee.Variables)) {
			if arg, passed := call.Args[v]; passed && known[v] && s.keeps(s.keepVars, v) {
				fmt.Fprintf(&calls, "  %s = %s\n", v, t.Root.Source(arg.Expr.Range()))
			}
		}
		calls.WriteString("}\n\n")
		if err := h.writeModule(filepath.Join(h.Dir, "modules", name), "module."+name, s, attrs, ""); err != nil {
			return nil, err
		}
		outputs = append(outputs, fmt.Sprintf("{ for k, v in module.%s.values : \"module.%s.${k}\" => v }", name, name))
	}
	if err := h.writeModule(h.Dir, "root", rootScope, attrs, calls.String(), outputs...); err != nil {
		return nil, err
	}
	slices.Sort(h.Unknown)
	return h, nil
}

// writeModule writes one harness module of s into dir.
func (h *Harness) writeModule(dir, where string, s *harnessScope, attrs func(string) []string, calls string, moreValues ...string) error {
	m := s.m
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(m.Variables)) {
		if !s.vars[name] {
			h.UnknownVars[where] = append(h.UnknownVars[where], name)
			continue
		}
		if !s.keeps(s.keepVars, name) {
			continue
		}
		b.WriteString(s.variable(name))
		b.WriteString("\n\n")
	}
	b.WriteString("variable \"harness_unknown\" {\n  type = string\n}\n\nlocals {\n")
	for _, name := range slices.Sorted(maps.Keys(m.Locals)) {
		if s.keeps(s.keepLocals, name) {
			fmt.Fprintf(&b, "  %s = %s\n", name, s.rewrite(m.Locals[name].Expr))
		}
	}
	b.WriteString("}\n\n")
	b.WriteString(calls)
	values := []string{"{}"}
	prefix := ""
	if where != "root" {
		prefix = where + "."
	}
	for _, r := range m.Resources {
		if r.Mode != "resource" || attrs == nil {
			continue
		}
		for _, attr := range attrs(r.Type) {
			if v, ok := h.attrValue(s, r, attr, prefix); ok {
				values = append(values, v)
			}
		}
	}
	values = append(values, moreValues...)
	fmt.Fprintf(&b, "output \"values\" {\n  value = merge(\n    %s,\n  )\n}\n", strings.Join(values, ",\n    "))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write harness: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write harness: %w", err)
	}
	return nil
}

// attrValue returns the object expression that maps the attribute of every
// instance of r to its value (keys relative to the module: the caller adds
// module.<call>.), or false and a line in Unknown (prefix is the module's).
func (h *Harness) attrValue(s *harnessScope, r *Resource, attr, prefix string) (string, bool) {
	address := r.Address()
	a, ok := r.Body.Attributes[attr]
	if !ok {
		h.Unknown = append(h.Unknown, fmt.Sprintf("%s%s: no %s attribute", prefix, address, attr))
		return "", false
	}
	expr := s.m.Source(a.Expr.Range())
	// An instanced resource becomes a for expression whose variable is named
	// each (or count), so the attribute's expression is copied as it is.
	for _, meta := range instancing {
		m, ok := r.Body.Attributes[meta.arg]
		if !ok {
			continue
		}
		if !s.known(m.Expr) || !s.known(a.Expr, meta.variable) {
			h.Unknown = append(h.Unknown, fmt.Sprintf("%s%s[?].%s: not known at plan time", prefix, address, attr))
			return "", false
		}
		return fmt.Sprintf(meta.format, s.m.Source(m.Expr.Range()), address, attr, expr), true
	}
	if !s.known(a.Expr) {
		h.Unknown = append(h.Unknown, fmt.Sprintf("%s%s.%s: not known at plan time", prefix, address, attr))
		return "", false
	}
	return fmt.Sprintf("{ %q = %s }", address+"."+attr, expr), true
}

// instancing is how for_each and count instances are written: the format
// takes the meta-argument, the address, the attribute and its expression.
var instancing = []struct{ arg, variable, format string }{
	{"for_each", "each", "{ for each in [for k, v in %s : { key = k, value = v }] : \"%s[${jsonencode(each.key)}].%s\" => %s }"},
	{"count", "count", "{ for count in [for i in range(%s) : { index = i }] : \"%s[${count.index}].%s\" => %s }"},
}

// harnessScope decides which expressions of a module the harness can copy:
// those that refer only to known variables, to locals and (in the root, whose
// harness sits next to it) to path. Every local is copied, its references to
// what is unknown at plan time replaced by an unknown value (see rewrite), so
// terraform knows what a plan knows of it (the keys of a map of resource
// names, say).
type harnessScope struct {
	m    *Module
	path bool
	vars map[string]bool
	// keepVars and keepLocals, when not nil, are what the harness keeps,
	// and checked the variables that keep their validations
	// (HarnessOptions.Varying).
	keepVars, keepLocals, checked map[string]bool
}

// variable returns the source of a variable block, without its validation
// blocks unless the scope checks it.
func (s *harnessScope) variable(name string) string {
	v := s.m.Variables[name]
	src := []byte(s.m.Source(v.Block))
	if s.checked == nil || s.checked[name] {
		return string(src)
	}
	for i := len(v.Checks) - 1; i >= 0; i-- {
		start, end := v.Checks[i].Start.Byte-v.Block.Start.Byte, v.Checks[i].End.Byte-v.Block.Start.Byte
		src = append(src[:start:start], src[end:]...)
	}
	return string(src)
}

// dependsOn reports whether expr refers to one of the variables names,
// directly or through locals.
func (s *harnessScope) dependsOn(expr hcl.Expression, names []string, seen map[string]bool) bool {
	for _, tr := range expr.Variables() {
		name := ""
		if len(tr) > 1 {
			name, _ = traverseName(tr[1])
		}
		switch tr.RootName() {
		case "var":
			if slices.Contains(names, name) {
				return true
			}
		case "local":
			if a, ok := s.m.Locals[name]; ok && !seen[name] {
				seen[name] = true
				if s.dependsOn(a.Expr, names, seen) {
					return true
				}
			}
		}
	}
	return false
}

func (s *harnessScope) keeps(keep map[string]bool, name string) bool {
	return keep == nil || keep[name]
}

// keepOnlyNeeded keeps the variables and locals that the requested
// attributes (and their for_each or count), and exprs, refer to.
func (s *harnessScope) keepOnlyNeeded(attrs func(string) []string, exprs []hcl.Expression) {
	s.keepVars, s.keepLocals = map[string]bool{}, map[string]bool{}
	for _, r := range s.m.Resources {
		if r.Mode != "resource" || attrs == nil {
			continue
		}
		for _, attr := range attrs(r.Type) {
			for _, name := range []string{attr, "for_each", "count"} {
				if a, ok := r.Body.Attributes[name]; ok {
					exprs = append(exprs, a.Expr)
				}
			}
		}
	}
	for len(exprs) > 0 {
		e := exprs[0]
		exprs = exprs[1:]
		for _, tr := range e.Variables() {
			name := ""
			if len(tr) > 1 {
				name, _ = traverseName(tr[1])
			}
			switch tr.RootName() {
			case "var":
				s.keepVars[name] = true
			case "local":
				if a, ok := s.m.Locals[name]; ok && !s.keepLocals[name] {
					s.keepLocals[name] = true
					exprs = append(exprs, a.Expr)
				}
			}
		}
	}
}

// newHarnessScope returns the scope of m; vars nil means every variable is
// known (a root module, whose variables the cases set).
func newHarnessScope(m *Module, path bool, vars map[string]bool) *harnessScope {
	if vars == nil {
		vars = map[string]bool{}
		for name := range m.Variables {
			vars[name] = true
		}
	}
	return &harnessScope{m: m, path: path, vars: vars}
}

func (s *harnessScope) known(expr hcl.Expression, extra ...string) bool {
	for _, tr := range expr.Variables() {
		if !s.knownTraversal(tr, extra...) {
			return false
		}
	}
	return true
}

func (s *harnessScope) knownTraversal(tr hcl.Traversal, extra ...string) bool {
	name := ""
	if len(tr) > 1 {
		name, _ = traverseName(tr[1])
	}
	switch root := tr.RootName(); {
	case root == "var":
		return s.vars[name]
	case root == "local":
		return true // every local is in the harness; an undeclared one is terraform's error
	case root == "path":
		return s.path
	default: // resources, data sources, modules; each/count where not bound
		return slices.Contains(extra, root)
	}
}

// rewrite returns the source of expr with every reference the scope does not
// know (resource and data source attributes, module outputs, unknown
// variables) replaced by var.harness_unknown, an unknown string.
func (s *harnessScope) rewrite(expr hcl.Expression) string {
	r := expr.Range()
	src := []byte(s.m.Source(r))
	var unknown []hcl.Range
	for _, tr := range expr.Variables() {
		if !s.knownTraversal(tr) {
			unknown = append(unknown, tr.SourceRange())
		}
	}
	// Replace from the end so that earlier offsets stay valid.
	slices.SortFunc(unknown, func(a, b hcl.Range) int { return b.Start.Byte - a.Start.Byte })
	for _, u := range unknown {
		start, end := u.Start.Byte-r.Start.Byte, u.End.Byte-r.Start.Byte
		src = append(src[:start:start], append([]byte(harnessUnknown), src[end:]...)...)
	}
	return string(src)
}

// harnessUnknown is the variable through which every harness module gets an
// unknown string (the id of a terraform_data resource at the top: the
// builtin provider needs no download).
const harnessUnknown = "var.harness_unknown"

// EvalCases plans the harness once for every variable set of cases (by case
// key; a root variable one case sets and another does not takes its literal
// default there) and returns, by case, the
// values output: "<address>.<attribute>" → its JSON value. A failed variable
// validation fails the plan: its error quotes the variable and its value.
func (h *Harness) EvalCases(ctx context.Context, bin string, cases map[string]map[string]any) (map[string]map[string]json.RawMessage, error) {
	if len(cases) == 0 {
		return nil, errors.New("evaluate harness: no cases")
	}
	set := map[string]bool{}
	for _, c := range cases {
		for k := range c {
			set[k] = true
		}
	}
	keys := slices.Sorted(maps.Keys(set))
	filled := map[string]map[string]any{}
	for name, c := range cases {
		filled[name] = maps.Clone(c)
		for _, k := range keys {
			if _, ok := c[k]; ok {
				continue
			}
			d, ok := h.rootDefaults[k]
			if !ok {
				return nil, fmt.Errorf("evaluate harness: case %q does not set %q, which has no literal default", name, k)
			}
			filled[name][k] = d
		}
	}
	run, err := os.MkdirTemp(h.Dir, "run-")
	if err != nil {
		return nil, fmt.Errorf("evaluate harness: %w", err)
	}
	var top strings.Builder
	top.WriteString("variable \"cases\" {\n  type = any\n}\n\nresource \"terraform_data\" \"unknown\" {}\n\n" +
		"module \"tree\" {\n  for_each        = var.cases\n  source          = \"../\"\n  harness_unknown = terraform_data.unknown.id\n")
	for _, k := range keys {
		if !slices.Contains(h.rootVars, k) {
			return nil, fmt.Errorf("evaluate harness: %q is not a variable of the root", k)
		}
		fmt.Fprintf(&top, "  %s = each.value.%s\n", k, k)
	}
	top.WriteString("}\n\noutput \"values\" {\n  value = { for k, m in module.tree : k => m.values }\n}\n")
	casesJSON, err := json.Marshal(map[string]any{"cases": filled})
	if err != nil {
		return nil, fmt.Errorf("encode cases: %w", err)
	}
	if err := os.WriteFile(filepath.Join(run, "main.tf"), []byte(top.String()), 0o644); err != nil {
		return nil, fmt.Errorf("evaluate harness: %w", err)
	}
	if err := os.WriteFile(filepath.Join(run, "terraform.tfvars.json"), casesJSON, 0o644); err != nil {
		return nil, fmt.Errorf("evaluate harness: %w", err)
	}
	out, err := PlannedOutputs(ctx, bin, run)
	if err != nil {
		return nil, err
	}
	var unknown map[string]map[string]bool
	if u := out["values"].AfterUnknown; string(u) != "false" && json.Unmarshal(u, &unknown) != nil {
		return nil, fmt.Errorf("evaluate harness: the values are not known at plan time: %s", u)
	}
	var problems []string
	for _, c := range slices.Sorted(maps.Keys(unknown)) {
		for _, k := range slices.Sorted(maps.Keys(unknown[c])) {
			problems = append(problems, fmt.Sprintf("case %q: %s is not known at plan time", c, k))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("evaluate harness: %s", strings.Join(problems, "; "))
	}
	var values map[string]map[string]json.RawMessage
	if err := json.Unmarshal(out["values"].After, &values); err != nil {
		return nil, fmt.Errorf("decode harness values: %w", err)
	}
	if len(values) != len(cases) {
		return nil, fmt.Errorf("evaluate harness: %d cases evaluated, want %d", len(values), len(cases))
	}
	return values, nil
}

// TerraformCommand builds a terraform run in dir that reads no CLI
// configuration, keeps its data in dir/.terraform and never asks: what
// PlannedOutputs runs. GOGC=400: planning a harness of 400 module trees
// allocates heavily; fewer collections take a third less CPU (about 600 MB
// peak instead of 270). It does not start the command.
func TerraformCommand(ctx context.Context, bin, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=/dev/null", "TF_IN_AUTOMATION=1",
		"TF_INPUT=0", "TF_DATA_DIR="+filepath.Join(dir, ".terraform"), "GOGC=400")
	return cmd
}

// OutputChange is a planned output: its value, with what is unknown at plan
// time left out, and after_unknown, which marks it (true, or the same shape
// with true at each unknown part; false when wholly known).
type OutputChange struct {
	After        json.RawMessage `json:"after"`
	AfterUnknown json.RawMessage `json:"after_unknown"`
}

// PlannedOutputs plans the root module in dir (terraform init without a
// backend, plan, show -json: no provider but the builtin one, no network) and
// returns its output changes.
func PlannedOutputs(ctx context.Context, bin, dir string) (map[string]OutputChange, error) {
	run := func(args ...string) ([]byte, error) {
		var stdout, stderr bytes.Buffer
		cmd := TerraformCommand(ctx, bin, dir, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("terraform %s in %s: %w\n%s%s", args[0], dir, err, stdout.Bytes(), stderr.Bytes())
		}
		return stdout.Bytes(), nil
	}
	if _, err := run("init", "-input=false", "-no-color", "-backend=false"); err != nil {
		return nil, err
	}
	if _, err := run("plan", "-input=false", "-no-color", "-lock=false", "-out=plan.tfplan"); err != nil {
		return nil, err
	}
	doc, err := run("show", "-json", "plan.tfplan")
	if err != nil {
		return nil, err
	}
	var plan struct {
		OutputChanges map[string]OutputChange `json:"output_changes"`
	}
	if err := json.Unmarshal(doc, &plan); err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	return plan.OutputChanges, nil
}
