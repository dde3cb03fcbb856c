// Package tfplan decodes `terraform show -json` plans for the policy gate: it
// checks the format version, walks resource_changes (skipping deletes and data
// sources, keeping module/count/for_each addresses intact) and classifies
// every value that is known only after apply by what the plan's configuration
// says about it. It does not judge resources; the Rego policies do.
package tfplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/open-policy-agent/opa/v1/ast"
)

// Plan is a decoded plan: the whole document as an OPA value (the policy
// input, converted once while parsing), its typed parts (terraform-json) and
// the resources the gate evaluates.
type Plan struct {
	FormatVersion    string
	TerraformVersion string
	// Config is the plan's configuration block, nil when the plan has none.
	Config *tfjson.Config
	// Input is the document as an OPA value, numbers kept as written.
	Input     ast.Value
	Resources []Resource
	// Skipped counts resource changes not evaluated, by reason
	// ("delete", "forget", "data source").
	Skipped map[string]int

	modules   map[string]*configModule
	modulesMu sync.Mutex
}

// Resource is one managed resource instance that exists after the plan.
type Resource struct {
	Address       string
	ModuleAddress string
	Type          string
	Name          string
	// Index is the count (int) or for_each (string) key, nil for neither.
	Index    any
	Actions  []string
	Unknowns []Unknown
	// ModuleSources are the source strings of the module calls leading to the
	// resource, outermost first (empty in the root module).
	ModuleSources []string
}

// Resolution says what the configuration tells about an unknown value.
type Resolution string

const (
	// ResolvedByResource: set from attributes of managed resources of the
	// configuration (a key, a service account), directly or through module
	// variables whose module calls pass such attributes: it will hold their
	// value.
	ResolvedByResource Resolution = "resource"
	// Unset: the configuration does not set it; the provider computes it.
	Unset Resolution = "unset"
	// Unresolved: set from something the plan cannot show (a module output,
	// a data source, a root variable, a local, a module variable fed from
	// any of those).
	Unresolved Resolution = "unresolved"
)

// Unknown is a top-level attribute whose value (or part of it) is known only
// after apply. References are those of the attribute's own expression.
type Unknown struct {
	Attribute  string
	Resolution Resolution
	References []string
}

// ErrFormat reports a document that is not a supported plan.
var ErrFormat = errors.New("unsupported plan")

// Decode reads a `terraform show -json` plan. It fails on anything that is not
// a plan of format_version 1.x with resource_changes entries it can read.
func Decode(r io.Reader) (*Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return Parse(data)
}

// Parse is Decode over bytes. The JSON is read once, straight into the OPA
// value; the configuration block is then decoded into terraform-json types
// from its own bytes, and the resources are read off the value.
func Parse(data []byte) (*Plan, error) { return ParseInput(data, nil) }

// DecodeInput is Decode with ParseInput's input keys.
func DecodeInput(r io.Reader, inputKeys []string) (*Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return ParseInput(data, inputKeys)
}

// ParseInput is Parse with Plan.Input holding only the top-level members
// named in inputKeys (all of them when inputKeys is nil): the others
// (planned_values, prior_state, checks… — most of a real plan's bytes) are
// checked as JSON and skipped instead of converted, for policies that read
// only the named members. format_version, resource_changes and
// configuration are always read, as the plan's own checks need them.
func ParseInput(data []byte, inputKeys []string) (*Plan, error) {
	return parse(data, inputKeys, runtime.GOMAXPROCS(0))
}

// parse is ParseInput with a number of workers for large resource_changes
// arrays (1: all in this goroutine).
func parse(data []byte, inputKeys []string, workers int) (*Plan, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrFormat)
	}
	vp := &valueParser{data: data, workers: workers}
	if inputKeys != nil {
		vp.keep = map[string]bool{"format_version": true, "resource_changes": true, "configuration": true}
		for _, k := range inputKeys {
			vp.keep[k] = true
		}
	}
	input, err := vp.document()
	if errors.Is(err, errTrailing) {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %w", ErrFormat, err)
	}
	doc := input.(ast.Object)
	fv, _ := stringAt(doc, "format_version")
	if fv == "" {
		return nil, fmt.Errorf("%w: format_version missing: is this `terraform show -json PLANFILE` output?", ErrFormat)
	}
	if major, _, _ := strings.Cut(fv, "."); major != "1" {
		return nil, fmt.Errorf("%w: format_version %q, want 1.x", ErrFormat, fv)
	}
	if err := (&tfjson.Plan{FormatVersion: fv}).Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	changes := doc.Get(ast.InternedTerm("resource_changes"))
	if _, state := vp.spans["values"]; changes == nil && state {
		return nil, fmt.Errorf("%w: this is state (`terraform show -json` without a plan file), not a plan", ErrFormat)
	}
	p := &Plan{FormatVersion: fv, Input: input, Skipped: map[string]int{}, modules: map[string]*configModule{}}
	p.TerraformVersion, _ = stringAt(doc, "terraform_version")
	if span, ok := vp.spans["configuration"]; ok && string(data[span[0]:span[1]]) != "null" {
		p.Config = new(tfjson.Config)
		if err := json.Unmarshal(data[span[0]:span[1]], p.Config); err != nil {
			return nil, fmt.Errorf("%w: configuration: %w", ErrFormat, err)
		}
	}
	if changes == nil {
		return p, nil
	}
	list, ok := changes.Value.(*ast.Array)
	if !ok {
		if _, isNull := changes.Value.(ast.Null); isNull {
			return p, nil
		}
		return nil, fmt.Errorf("%w: resource_changes is %s, want an array", ErrFormat, ast.ValueName(changes.Value))
	}
	// Reading and classifying a resource change is independent of the
	// others (configModule is shared under a lock): runs of them go to
	// the parser's workers, the results are gathered in plan order.
	type read struct {
		res     Resource
		skipped string
		err     error
	}
	reads := make([]read, list.Len())
	runs := 1
	if list.Len() >= minParallelElems {
		runs = max(workers, 1)
	}
	var wg sync.WaitGroup
	for w := range runs {
		lo, hi := w*list.Len()/runs, (w+1)*list.Len()/runs
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				rc, err := readChange(list.Elem(i).Value)
				switch {
				case err != nil:
					reads[i].err = err
					return
				case rc.mode == string(tfjson.DataResourceMode):
					reads[i].skipped = "data source"
				case slices.Equal(rc.actions, []string{string(tfjson.ActionDelete)}):
					reads[i].skipped = "delete"
				case slices.Equal(rc.actions, []string{string(tfjson.ActionForget)}):
					reads[i].skipped = "forget"
				default:
					reads[i].res = p.resource(rc)
				}
			}
		})
	}
	wg.Wait()
	for i, r := range reads {
		switch {
		case r.err != nil:
			return nil, fmt.Errorf("%w: resource_changes[%d] %w", ErrFormat, i, r.err)
		case r.skipped != "":
			p.Skipped[r.skipped]++
		default:
			p.Resources = append(p.Resources, r.res)
		}
	}
	return p, nil
}

// change is the part of a resource change the walk reads.
type change struct {
	address, moduleAddress, mode, typ, name string
	index                                   any
	actions                                 []string
	afterUnknown                            ast.Object
}

func stringAt(o ast.Object, key string) (string, bool) {
	t := o.Get(ast.InternedTerm(key))
	if t == nil {
		return "", false
	}
	s, ok := t.Value.(ast.String)
	return string(s), ok
}

func readChange(v ast.Value) (change, error) {
	var c change
	o, ok := v.(ast.Object)
	if !ok {
		return c, fmt.Errorf("is %s, want an object", ast.ValueName(v))
	}
	c.address, _ = stringAt(o, "address")
	c.typ, _ = stringAt(o, "type")
	ch := o.Get(ast.InternedTerm("change"))
	var cho ast.Object
	if ch != nil {
		cho, _ = ch.Value.(ast.Object)
	}
	if c.address == "" || c.typ == "" || cho == nil {
		return c, errors.New("lacks address, type or change")
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"module_address", &c.moduleAddress}, {"mode", &c.mode}, {"name", &c.name}} {
		t := o.Get(ast.InternedTerm(f.key))
		if t == nil {
			continue
		}
		s, ok := t.Value.(ast.String)
		if _, null := t.Value.(ast.Null); !ok && !null {
			return c, fmt.Errorf("%s is %s, want a string", f.key, ast.ValueName(t.Value))
		}
		*f.dst = string(s)
	}
	if t := o.Get(ast.InternedTerm("index")); t != nil {
		c.index = normalizeIndex(t.Value)
	}
	if t := cho.Get(ast.InternedTerm("actions")); t != nil {
		arr, ok := t.Value.(*ast.Array)
		if !ok {
			return c, fmt.Errorf("change.actions is %s, want an array", ast.ValueName(t.Value))
		}
		for i := range arr.Len() {
			s, ok := arr.Elem(i).Value.(ast.String)
			if !ok {
				return c, errors.New("change.actions holds a non-string")
			}
			c.actions = append(c.actions, string(s))
		}
	}
	if t := cho.Get(ast.InternedTerm("after_unknown")); t != nil {
		c.afterUnknown, _ = t.Value.(ast.Object)
	}
	return c, nil
}

func (p *Plan) resource(rc change) Resource {
	r := Resource{
		Address:       rc.address,
		ModuleAddress: rc.moduleAddress,
		Type:          rc.typ,
		Name:          rc.name,
		Index:         rc.index,
		Actions:       rc.actions,
	}
	mod := p.configModule(rc.moduleAddress)
	r.ModuleSources = mod.sources
	cfg := mod.resources[[2]string{rc.typ, rc.name}]
	if rc.afterUnknown == nil {
		return r
	}
	var attrs []string
	for _, k := range rc.afterUnknown.Keys() {
		if s, ok := k.Value.(ast.String); ok && containsTrue(rc.afterUnknown.Get(k).Value) {
			attrs = append(attrs, string(s))
		}
	}
	slices.Sort(attrs)
	for _, attr := range attrs {
		u := Unknown{Attribute: attr, Resolution: Unset}
		if cfg != nil {
			if expr, ok := cfg.Expressions[attr]; ok && expr != nil {
				u.References = references(expr)
				u.Resolution = p.resolve(ModuleNames(rc.moduleAddress), u.References)
			}
		}
		r.Unknowns = append(r.Unknowns, u)
	}
	return r
}

// resolve decides an expression of the module at names from its references:
// ResolvedByResource when every reference names a managed resource, or a
// module variable whose module call in the parent module passes only such
// references (followed up through nested module calls); Unresolved otherwise
// (no references, root variables, locals, data sources, module outputs).
func (p *Plan) resolve(names []string, refs []string) Resolution {
	if len(refs) == 0 {
		return Unresolved
	}
	for _, ref := range refs {
		if resourceReference(ref) {
			continue
		}
		v := varName(ref)
		if v == "" || len(names) == 0 {
			return Unresolved
		}
		parent := p.configModule(moduleAddressOf(names[:len(names)-1]))
		if parent.module == nil {
			return Unresolved
		}
		call := parent.module.ModuleCalls[names[len(names)-1]]
		if call == nil || call.Expressions[v] == nil {
			return Unresolved
		}
		if p.resolve(names[:len(names)-1], references(call.Expressions[v])) != ResolvedByResource {
			return Unresolved
		}
	}
	return ResolvedByResource
}

var varRef = regexp.MustCompile(`^var\.([A-Za-z0-9_-]+)`)

// varName is X for var.X, var.X.attr and var.X[0], "" for other references.
func varName(ref string) string {
	if m := varRef.FindStringSubmatch(ref); m != nil {
		return m[1]
	}
	return ""
}

func moduleAddressOf(names []string) string {
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString("module.")
		b.WriteString(n)
	}
	return b.String()
}

func normalizeIndex(v ast.Value) any {
	switch x := v.(type) {
	case ast.Number:
		if n, ok := x.Int(); ok {
			return n
		}
		f, _ := x.Float64()
		return f
	case ast.String:
		return string(x)
	case ast.Null:
		return nil
	default:
		j, _ := ast.JSON(v)
		return j
	}
}

var moduleName = regexp.MustCompile(`module\.([A-Za-z0-9_-]+)`)

// ModuleNames returns the module call names of a module address:
// ["a", "b"] for module.a["x"].module.b[0].
func ModuleNames(moduleAddress string) []string {
	var names []string
	for _, m := range moduleName.FindAllStringSubmatch(moduleAddress, -1) {
		names = append(names, m[1])
	}
	return names
}

// configModule is the configuration of the module at an address (instance
// keys ignored), with its resources indexed by [type, name].
type configModule struct {
	module    *tfjson.ConfigModule
	sources   []string
	resources map[[2]string]*tfjson.ConfigResource
}

// configModule finds (once per module address) the configuration module of
// a module address and the sources of the module calls leading to it.
func (p *Plan) configModule(moduleAddress string) *configModule {
	p.modulesMu.Lock()
	defer p.modulesMu.Unlock()
	if m, ok := p.modules[moduleAddress]; ok {
		return m
	}
	m := &configModule{}
	p.modules[moduleAddress] = m
	if p.Config == nil || p.Config.RootModule == nil {
		return m
	}
	mod := p.Config.RootModule
	for _, name := range ModuleNames(moduleAddress) {
		call := mod.ModuleCalls[name]
		if call == nil || call.Module == nil {
			return m
		}
		m.sources = append(m.sources, call.Source)
		mod = call.Module
	}
	m.module = mod
	m.resources = map[[2]string]*tfjson.ConfigResource{}
	for _, r := range mod.Resources {
		if r != nil && r.Mode == tfjson.ManagedResourceMode {
			m.resources[[2]string{r.Type, r.Name}] = r
		}
	}
	return m
}

// references collects the references of an expression, nested blocks included.
func references(e *tfjson.Expression) []string {
	if e == nil || e.ExpressionData == nil {
		return nil
	}
	refs := slices.Clone(e.References)
	for _, block := range e.NestedBlocks {
		for _, k := range sortedKeys(block) {
			refs = append(refs, references(block[k])...)
		}
	}
	return refs
}

var nonResourceRoots = map[string]bool{
	"var": true, "local": true, "data": true, "module": true, "each": true,
	"count": true, "path": true, "terraform": true, "self": true,
}

// resourceReference reports whether a reference names an attribute of a
// managed resource (type.name[.attr]), the same test as the Rego library.
func resourceReference(ref string) bool {
	parts := strings.Split(ref, ".")
	return len(parts) >= 2 && !nonResourceRoots[parts[0]]
}

func containsTrue(v ast.Value) bool {
	switch t := v.(type) {
	case ast.Boolean:
		return bool(t)
	case ast.Object:
		found := false
		t.Foreach(func(_, x *ast.Term) {
			found = found || containsTrue(x.Value)
		})
		return found
	case *ast.Array:
		for i := range t.Len() {
			if containsTrue(t.Elem(i).Value) {
				return true
			}
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// IndexString renders an instance key as it appears in addresses: [0] or ["a"].
func IndexString(index any) string {
	switch v := index.(type) {
	case nil:
		return ""
	case int:
		return "[" + strconv.Itoa(v) + "]"
	case string:
		return "[" + strconv.Quote(v) + "]"
	default:
		return fmt.Sprintf("[%v]", v)
	}
}
