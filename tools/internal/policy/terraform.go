package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/acme-platform/golden-path/policies"
	"github.com/acme-platform/golden-path/tools/internal/tfplan"
	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/yaml.v3"
)

// TerraformQuery aggregates every rule of policies/terraform in one query.
const TerraformQuery = "data.terraform.main.violations"

// TerraformRulePackage is where Terraform rules live; a service's own policy
// directory adds packages under it (package terraform.rules.<name>).
const TerraformRulePackage = "terraform.rules"

// Config is the gate configuration, passed to the policies as
// data.gate.config. Empty fields keep the defaults of policies/terraform/lib.rego
// (required labels service, env, owner, managed-by; regions europe-west1,
// europe-west4, europe-southwest1, us-central1, us-east1).
type Config struct {
	RequiredLabels      []string          `yaml:"required_labels" json:"required_labels,omitempty"`
	AllowedRegions      []string          `yaml:"allowed_regions" json:"allowed_regions,omitempty"`
	AllowedDomains      []string          `yaml:"allowed_domains" json:"allowed_domains,omitempty"`
	PublicServices      []string          `yaml:"public_services" json:"public_services,omitempty"`
	StateBucketPatterns []string          `yaml:"state_bucket_patterns" json:"state_bucket_patterns,omitempty"`
	LabelableTypes      map[string]string `yaml:"labelable_types" json:"labelable_types,omitempty"`
}

// LoadConfig reads a YAML (or JSON) gate configuration; unknown keys fail.
func LoadConfig(r io.Reader) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("read gate config: %w", err)
	}
	return c, nil
}

func (c Config) data() (map[string]any, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return map[string]any{"gate": map[string]any{"config": m}}, nil
}

// Finding is one violation of one rule by one resource.
type Finding struct {
	RuleID        string     `json:"rule_id"`
	Title         string     `json:"title"`
	Severity      string     `json:"severity"`
	Address       string     `json:"address"`
	ModuleAddress string     `json:"module_address"`
	Type          string     `json:"type"`
	Message       string     `json:"message"`
	Unknown       bool       `json:"unknown"`
	Waived        bool       `json:"waived"`
	Waiver        *WaiverRef `json:"waiver,omitempty"`
	Blocking      bool       `json:"blocking"`
	File          string     `json:"file,omitempty"`
	Line          int        `json:"line,omitempty"`
}

// TerraformInputKeys are the top-level plan members the embedded policies
// read (a test walks every input reference of policies/terraform to keep
// this list true). A gate with only the embedded policies converts just
// these; planned_values, prior_state, checks and the rest of a real plan are
// checked as JSON and skipped.
var TerraformInputKeys = []string{"format_version", "terraform_version", "resource_changes", "configuration"}

// InputKeys is what to pass to tfplan.ParseInput for a gate over the
// embedded policies and extra sources: TerraformInputKeys, or nil (the
// whole plan) when a service adds policies that may read anything.
func InputKeys(extra []Source) []string {
	if len(extra) > 0 {
		return nil
	}
	return slices.Clone(TerraformInputKeys)
}

// TerraformGate evaluates Terraform plans against the embedded policies plus
// any extra sources. Build it once, evaluate many plans.
type TerraformGate struct {
	engine *Engine
	// perResource: every rule judges one resource change at a time (with
	// the plan's configuration), so resource_changes can be split into
	// shards evaluated in parallel. True for the embedded policies (a test
	// checks that evaluating each resource change alone gives the findings
	// of the whole plan on every fixture); false once a service adds its
	// own rules, which may join resources.
	perResource bool
	// shards is the number of parallel evaluations (GOMAXPROCS by default).
	shards int
}

// minShardSize: plans smaller than two shards of this many resource changes
// are evaluated in one piece (below it, the per-shard work of the library's
// configuration indexes outweighs the parallelism).
const minShardSize = 128

// NewTerraformGate compiles policies/terraform (embedded) and extra policy
// sources with the configuration.
func NewTerraformGate(ctx context.Context, cfg Config, extra ...Source) (*TerraformGate, error) {
	data, err := cfg.data()
	if err != nil {
		return nil, fmt.Errorf("encode gate config: %w", err)
	}
	sources := append([]Source{{Name: "policies/terraform", FS: policies.Terraform()}}, extra...)
	e, err := NewEngine(ctx, EngineOptions{Query: TerraformQuery, Sources: sources, RulePackage: TerraformRulePackage, Data: data})
	if err != nil {
		return nil, err
	}
	return &TerraformGate{engine: e, perResource: len(extra) == 0, shards: runtime.GOMAXPROCS(0)}, nil
}

// Catalog returns the rules the gate evaluates, sorted by id.
func (g *TerraformGate) Catalog() []Rule { return g.engine.Catalog() }

// Evaluate evaluates all rules in one query over the plan's input (converted
// once, when the plan was parsed). The findings are sorted by rule id,
// address and message. With only the embedded, per-resource rules, a large
// plan's resource_changes are split into contiguous shards evaluated in
// parallel with the same query; the findings are those of the whole plan.
func (g *TerraformGate) Evaluate(ctx context.Context, plan *tfplan.Plan) ([]Finding, error) {
	shards := 1
	if g.perResource {
		shards = g.shards
	}
	return g.evaluate(ctx, plan.Input, shards, minShardSize)
}

func (g *TerraformGate) evaluate(ctx context.Context, input ast.Value, shards, minSize int) ([]Finding, error) {
	parts := splitChanges(input, shards, minSize)
	results := make([]any, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() { results[i], errs[i] = g.engine.Eval(ctx, part) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var all []any
	for _, r := range results {
		raw, ok := r.([]any)
		if !ok {
			return nil, fmt.Errorf("evaluate policies: violations is %T, want a set", r)
		}
		all = append(all, raw...)
	}
	findings, err := decodeFindings(all, g.engine.catalog)
	if err != nil {
		return nil, err
	}
	// A resource address repeated across shards (a malformed plan) must not
	// report a finding twice where the whole-plan set would hold it once.
	return slices.Compact(findings), nil
}

// splitChanges returns the input as up to n inputs whose resource_changes
// are contiguous parts of the original, each at least minSize long, every
// other member shared; the input itself when it does not split.
func splitChanges(input ast.Value, n, minSize int) []ast.Value {
	doc, ok := input.(ast.Object)
	if !ok {
		return []ast.Value{input}
	}
	key := ast.InternedTerm("resource_changes")
	t := doc.Get(key)
	if t == nil {
		return []ast.Value{input}
	}
	list, ok := t.Value.(*ast.Array)
	if !ok {
		return []ast.Value{input}
	}
	n = min(n, list.Len()/max(minSize, 1))
	if n < 2 {
		return []ast.Value{input}
	}
	parts := make([]ast.Value, n)
	for i := range n {
		// A copy, not list.Slice: a slice shares its backing array, which an
		// append anywhere could overwrite.
		elems := make([]*ast.Term, 0, list.Len()/n+1)
		for j := i * list.Len() / n; j < (i+1)*list.Len()/n; j++ {
			elems = append(elems, list.Elem(j))
		}
		part := ast.NewObject()
		doc.Foreach(func(k, v *ast.Term) {
			if k.Equal(key) {
				v = ast.ArrayTerm(elems...)
			}
			part.Insert(k, v)
		})
		parts[i] = part
	}
	return parts
}

func decodeFindings(v any, catalog []Rule) ([]Finding, error) {
	raw, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("evaluate policies: violations is %T, want a set", v)
	}
	known := map[string]bool{}
	for _, r := range catalog {
		known[r.ID] = true
	}
	findings := make([]Finding, len(raw))
	for i, x := range raw {
		if err := decodeFinding(x, &findings[i]); err != nil {
			return nil, fmt.Errorf("decode findings: %w", err)
		}
		f := findings[i]
		if !known[f.RuleID] || SeverityRank(f.Severity) == 0 || f.Address == "" {
			return nil, fmt.Errorf("decode findings: finding %d (rule %q, severity %q, address %q) is malformed", i, f.RuleID, f.Severity, f.Address)
		}
	}
	SortFindings(findings)
	return findings, nil
}

// decodeFinding reads one finding as the JSON decoding of Finding would:
// the fields the library's finding() builds are read directly, anything
// else (a service rule adding fields) goes through encoding/json.
func decodeFinding(x any, f *Finding) error {
	m, ok := x.(map[string]any)
	if ok && len(m) <= 8 {
		strs := map[string]*string{
			"rule_id": &f.RuleID, "title": &f.Title, "severity": &f.Severity, "address": &f.Address,
			"module_address": &f.ModuleAddress, "type": &f.Type, "message": &f.Message,
		}
		direct := true
		for k, v := range m {
			if dst, isStr := strs[k]; isStr {
				s, ok := v.(string)
				direct = direct && ok
				*dst = s
				continue
			}
			b, isBool := v.(bool)
			direct = direct && k == "unknown" && isBool
			f.Unknown = b
		}
		if direct {
			return nil
		}
		*f = Finding{}
	}
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, f)
}

// SortFindings orders findings deterministically: rule id, address, message.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		if c := strings.Compare(a.RuleID, b.RuleID); c != 0 {
			return c
		}
		if c := strings.Compare(a.Address, b.Address); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
}
