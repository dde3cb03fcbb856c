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
	"slices"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Plan is a decoded plan: the typed terraform-json view, the same document as
// generic JSON (for the policy input, numbers kept as json.Number) and the
// resources the gate evaluates.
type Plan struct {
	Typed     *tfjson.Plan
	Document  map[string]any
	Resources []Resource
	// Skipped counts resource changes not evaluated, by reason
	// ("delete", "forget", "data source").
	Skipped map[string]int
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
	// configuration (a key, a service account): it will hold their value.
	ResolvedByResource Resolution = "resource"
	// Unset: the configuration does not set it; the provider computes it.
	Unset Resolution = "unset"
	// Unresolved: set from something the plan cannot show (a module output,
	// a data source, a variable derived from unknowns).
	Unresolved Resolution = "unresolved"
)

// Unknown is a top-level attribute whose value (or part of it) is known only
// after apply.
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

// Parse is Decode over bytes.
func Parse(data []byte) (*Plan, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrFormat)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %w", ErrFormat, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object (terraform wrapper output?)", ErrFormat)
	}
	fv, _ := doc["format_version"].(string)
	if fv == "" {
		return nil, fmt.Errorf("%w: format_version missing: is this `terraform show -json PLANFILE` output?", ErrFormat)
	}
	if major, _, _ := strings.Cut(fv, "."); major != "1" {
		return nil, fmt.Errorf("%w: format_version %q, want 1.x", ErrFormat, fv)
	}
	if _, ok := doc["resource_changes"]; !ok {
		if _, isState := doc["values"]; isState {
			return nil, fmt.Errorf("%w: this is state (`terraform show -json` without a plan file), not a plan", ErrFormat)
		}
	}
	typed := new(tfjson.Plan)
	if err := json.Unmarshal(data, typed); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	p := &Plan{Typed: typed, Document: doc, Skipped: map[string]int{}}
	for i, rc := range typed.ResourceChanges {
		if rc == nil || rc.Address == "" || rc.Type == "" || rc.Change == nil {
			return nil, fmt.Errorf("%w: resource_changes[%d] lacks address, type or change", ErrFormat, i)
		}
		if rc.Mode == tfjson.DataResourceMode {
			p.Skipped["data source"]++
			continue
		}
		switch {
		case slices.Equal(rc.Change.Actions, tfjson.Actions{tfjson.ActionDelete}):
			p.Skipped["delete"]++
			continue
		case slices.Equal(rc.Change.Actions, tfjson.Actions{tfjson.ActionForget}):
			p.Skipped["forget"]++
			continue
		}
		p.Resources = append(p.Resources, p.resource(rc))
	}
	return p, nil
}

func (p *Plan) resource(rc *tfjson.ResourceChange) Resource {
	r := Resource{
		Address:       rc.Address,
		ModuleAddress: rc.ModuleAddress,
		Type:          rc.Type,
		Name:          rc.Name,
		Index:         normalizeIndex(rc.Index),
	}
	for _, a := range rc.Change.Actions {
		r.Actions = append(r.Actions, string(a))
	}
	mod, sources := p.configModule(rc.ModuleAddress)
	r.ModuleSources = sources
	cfg := findConfigResource(mod, rc.Type, rc.Name)
	unknown, _ := rc.Change.AfterUnknown.(map[string]any)
	for _, attr := range sortedKeys(unknown) {
		if !containsTrue(unknown[attr]) {
			continue
		}
		u := Unknown{Attribute: attr, Resolution: Unset}
		if cfg != nil {
			if expr, ok := cfg.Expressions[attr]; ok && expr != nil {
				u.References = references(expr)
				u.Resolution = Unresolved
				if len(u.References) > 0 && allResourceReferences(u.References) {
					u.Resolution = ResolvedByResource
				}
			}
		}
		r.Unknowns = append(r.Unknowns, u)
	}
	return r
}

func normalizeIndex(v any) any {
	if n, ok := v.(float64); ok {
		return int(n)
	}
	return v
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

// configModule finds the configuration module of a module address and the
// sources of the module calls leading to it.
func (p *Plan) configModule(moduleAddress string) (*tfjson.ConfigModule, []string) {
	if p.Typed.Config == nil || p.Typed.Config.RootModule == nil {
		return nil, nil
	}
	mod := p.Typed.Config.RootModule
	var sources []string
	for _, name := range ModuleNames(moduleAddress) {
		call := mod.ModuleCalls[name]
		if call == nil || call.Module == nil {
			return nil, sources
		}
		sources = append(sources, call.Source)
		mod = call.Module
	}
	return mod, sources
}

func findConfigResource(mod *tfjson.ConfigModule, typ, name string) *tfjson.ConfigResource {
	if mod == nil {
		return nil
	}
	for _, r := range mod.Resources {
		if r != nil && r.Mode == tfjson.ManagedResourceMode && r.Type == typ && r.Name == name {
			return r
		}
	}
	return nil
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

// allResourceReferences reports whether every reference names an attribute
// of a managed resource (type.name[.attr]), the same test as the Rego library.
func allResourceReferences(refs []string) bool {
	for _, ref := range refs {
		parts := strings.Split(ref, ".")
		if len(parts) < 2 || nonResourceRoots[parts[0]] {
			return false
		}
	}
	return true
}

func containsTrue(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case map[string]any:
		for _, x := range t {
			if containsTrue(x) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if containsTrue(x) {
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
