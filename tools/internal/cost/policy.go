package cost

// This file loads a cost policy. Decoding is strict: an unknown key is an error, so a typo never
// disables a rule.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/shopspring/decimal"
	"gopkg.in/yaml.v3"
)

// version is the policy file format version.
const version = 1

// Policy is a whole cost policy file.
type Policy struct {
	Version  int    `yaml:"version"`
	Currency string `yaml:"currency"`
	// Total applies to the sum over all projects of the change.
	Total MoneyRules `yaml:"total"`
	// ProjectDefaults apply to every project unless an override replaces a rule.
	ProjectDefaults ProjectRules `yaml:"project_defaults"`
	// Projects override rules, in order, for projects whose name, display name or path matches.
	Projects []override `yaml:"projects"`
}

// Threshold is a limit with a warn and a fail level; either may be absent.
type Threshold struct {
	Warn *decimal.Decimal `yaml:"-"`
	Fail *decimal.Decimal `yaml:"-"`
}

// Set reports whether any level is configured.
func (t *Threshold) Set() bool { return t != nil && (t.Warn != nil || t.Fail != nil) }

// budget is a monthly budget; with OnlyWhenCrossing it escalates only when the change crosses a level
// from below (it was at or under the level before and is over it after).
type budget struct {
	Threshold        `yaml:",inline"`
	OnlyWhenCrossing bool `yaml:"only_when_crossing"`
}

// MoneyRules are the limits on totals.
type MoneyRules struct {
	MonthlyBudget *budget `yaml:"monthly_budget"`
	// MaxIncrease is the largest allowed monthly increase in money.
	MaxIncrease *Threshold `yaml:"max_increase"`
	// MaxIncreasePct is the largest allowed increase in percent of the previous cost; undefined when
	// the previous cost is 0, in which case MaxIncrease decides.
	MaxIncreasePct *Threshold `yaml:"max_increase_pct"`
	// MaxDecrease is the largest expected decrease (a large drop often means a resource was destroyed).
	MaxDecrease *Threshold `yaml:"max_decrease"`
}

// Ignore is the policy level that turns a kind of finding off. A policy treats unknown and
// unsupported costs at one of the levels Ignore, Warn or Fail; a check reports the level it was
// given, so the levels are check statuses and never a second type beside Status.
const Ignore Status = "ignore"

// resourceCap limits the monthly cost of each resource matching an address glob or a resource type;
// subresources count towards their resource.
type resourceCap struct {
	// Match is a glob on the resource address (doublestar syntax, e.g. "module.*.google_storage_bucket.*").
	Match string `yaml:"match"`
	// Type is an exact Terraform resource type, e.g. "google_cloud_run_v2_service".
	Type      string `yaml:"type"`
	Threshold `yaml:",inline"`
}

// Name describes the cap in check output.
func (c resourceCap) Name() string {
	if c.Type != "" {
		return "type " + c.Type
	}
	return c.Match
}

// ProjectRules are evaluated per project.
type ProjectRules struct {
	MoneyRules   `yaml:",inline"`
	ResourceCaps []resourceCap `yaml:"resource_caps"`
	// UnknownCost is how resources with null (usage-based, no usage given) costs are treated.
	UnknownCost Status `yaml:"unknown_cost"`
	// RequireUsageFor lists resource types whose unknown costs always fail.
	RequireUsageFor []string `yaml:"require_usage_for"`
	// unsupported is how resource types Infracost cannot price are treated.
	Unsupported Status `yaml:"unsupported"`
	// UnsupportedAllow lists unsupported types that are accepted silently.
	UnsupportedAllow []string `yaml:"unsupported_allow"`
}

// override replaces rules for matching projects: each rule it sets replaces the default's.
type override struct {
	// Match is a glob matched against the project's name, display name and metadata.path.
	Match        string `yaml:"match"`
	ProjectRules `yaml:",inline"`
}

// Defaults applied when the policy does not set a level: unknown and unsupported costs warn, so a
// vacuous $0 estimate is never a silent pass.
const (
	defaultUnknownCost = Warn
	defaultUnsupported = Warn
)

// errInvalid marks a policy that cannot be used.
var errInvalid = errors.New("invalid cost policy")

// DecodePolicy reads and validates a policy. name is used in error messages.
func DecodePolicy(r io.Reader, name string) (*Policy, error) {
	b, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Policy
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s is empty", errInvalid, name)
		}
		return nil, fmt.Errorf("%w: %s: %w", errInvalid, name, err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errInvalid, name, err)
	}
	return &p, nil
}

// UnmarshalYAML reads {warn: N, fail: N}; numbers may be written as YAML numbers or strings.
func (t *Threshold) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "warn", "fail"); err != nil {
		return err
	}
	return t.decode(n)
}

func (t *Threshold) decode(n *yaml.Node) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		var err error
		switch n.Content[i].Value {
		case "warn":
			t.Warn, err = amount(n.Content[i+1])
		case "fail":
			t.Fail, err = amount(n.Content[i+1])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func amount(n *yaml.Node) (*decimal.Decimal, error) {
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return nil, fmt.Errorf("line %d: want a number", n.Line)
	}
	d, err := decimal.NewFromString(strings.TrimSpace(n.Value))
	if err != nil {
		return nil, fmt.Errorf("line %d: %q is not a number", n.Line, n.Value)
	}
	if d.IsNegative() {
		return nil, fmt.Errorf("line %d: %s is negative", n.Line, n.Value)
	}
	return &d, nil
}

// UnmarshalYAML for budget reads the threshold plus only_when_crossing.
func (b *budget) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "warn", "fail", "only_when_crossing"); err != nil {
		return err
	}
	if err := b.Threshold.decode(n); err != nil {
		return err
	}
	var raw struct {
		OnlyWhenCrossing bool `yaml:"only_when_crossing"`
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	b.OnlyWhenCrossing = raw.OnlyWhenCrossing
	return nil
}

// UnmarshalYAML for resourceCap reads match/type plus the threshold.
func (c *resourceCap) UnmarshalYAML(n *yaml.Node) error {
	if err := checkKeys(n, "match", "type", "warn", "fail"); err != nil {
		return err
	}
	if err := c.Threshold.decode(n); err != nil {
		return err
	}
	var raw struct {
		Match string `yaml:"match"`
		Type  string `yaml:"type"`
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	c.Match, c.Type = raw.Match, raw.Type
	return nil
}

func checkKeys(n *yaml.Node, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ok := false
		for _, a := range allowed {
			ok = ok || k.Value == a
		}
		if !ok {
			return fmt.Errorf("line %d: unknown key %q (want one of %s)", k.Line, k.Value, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func (p *Policy) validate() error {
	var errs []error
	if p.Version != version {
		errs = append(errs, fmt.Errorf("version must be %d, got %d", version, p.Version))
	}
	if p.Currency == "" {
		errs = append(errs, errors.New("currency is required (e.g. USD); it must equal the Infracost currency"))
	} else if len(p.Currency) != 3 || strings.ToUpper(p.Currency) != p.Currency {
		errs = append(errs, fmt.Errorf("currency %q is not an ISO 4217 code like USD", p.Currency))
	}
	errs = append(errs, p.Total.validate("total")...)
	errs = append(errs, p.ProjectDefaults.validate("project_defaults")...)
	for i, o := range p.Projects {
		where := fmt.Sprintf("projects[%d]", i)
		if o.Match == "" {
			errs = append(errs, fmt.Errorf("%s: match is required", where))
		} else if !doublestar.ValidatePattern(o.Match) {
			errs = append(errs, fmt.Errorf("%s: match %q is not a valid glob", where, o.Match))
		}
		errs = append(errs, o.ProjectRules.validate(where)...)
	}
	return errors.Join(errs...)
}

func (m MoneyRules) validate(where string) []error {
	var errs []error
	check := func(name string, t *Threshold) {
		if t == nil {
			return
		}
		if !t.Set() {
			errs = append(errs, fmt.Errorf("%s.%s: set warn and/or fail", where, name))
		}
		if t.Warn != nil && t.Fail != nil && t.Warn.GreaterThan(*t.Fail) {
			errs = append(errs, fmt.Errorf("%s.%s: warn %s is above fail %s", where, name, t.Warn, t.Fail))
		}
	}
	if m.MonthlyBudget != nil {
		check("monthly_budget", &m.MonthlyBudget.Threshold)
	}
	check("max_increase", m.MaxIncrease)
	check("max_increase_pct", m.MaxIncreasePct)
	check("max_decrease", m.MaxDecrease)
	return errs
}

func (r ProjectRules) validate(where string) []error {
	errs := r.MoneyRules.validate(where)
	for i, c := range r.ResourceCaps {
		w := fmt.Sprintf("%s.resource_caps[%d]", where, i)
		switch {
		case (c.Match == "") == (c.Type == ""):
			errs = append(errs, fmt.Errorf("%s: set exactly one of match or type", w))
		case c.Match != "" && !doublestar.ValidatePattern(c.Match):
			errs = append(errs, fmt.Errorf("%s: match %q is not a valid glob", w, c.Match))
		}
		t := c.Threshold
		if !t.Set() {
			errs = append(errs, fmt.Errorf("%s: set warn and/or fail", w))
		}
		if t.Warn != nil && t.Fail != nil && t.Warn.GreaterThan(*t.Fail) {
			errs = append(errs, fmt.Errorf("%s: warn %s is above fail %s", w, t.Warn, t.Fail))
		}
	}
	for name, l := range map[string]Status{"unknown_cost": r.UnknownCost, "unsupported": r.Unsupported} {
		switch l {
		case "", Ignore, Warn, Fail:
		default:
			errs = append(errs, fmt.Errorf("%s.%s: %q is not one of ignore, warn, fail", where, name, l))
		}
	}
	return errs
}

// projectID identifies a project: its figures carry it and overrides match on it.
type projectID struct {
	Name, DisplayName, Path string
}

// For returns the rules for a project: the defaults, then each matching override in file order, a
// rule set in an override replacing the earlier one. It also returns the matching globs.
func (p *Policy) For(pr projectID) (ProjectRules, []string) {
	r := p.ProjectDefaults
	var matched []string
	for _, o := range p.Projects {
		if !matches(o.Match, pr) {
			continue
		}
		matched = append(matched, o.Match)
		r = merge(r, o.ProjectRules)
	}
	if r.UnknownCost == "" {
		r.UnknownCost = defaultUnknownCost
	}
	if r.Unsupported == "" {
		r.Unsupported = defaultUnsupported
	}
	return r, matched
}

func matches(glob string, pr projectID) bool {
	for _, s := range []string{pr.Name, pr.DisplayName, pr.Path} {
		if s == "" {
			continue
		}
		if ok, _ := doublestar.Match(glob, s); ok {
			return true
		}
	}
	return false
}

func merge(base, o ProjectRules) ProjectRules {
	if o.MonthlyBudget != nil {
		base.MonthlyBudget = o.MonthlyBudget
	}
	if o.MaxIncrease != nil {
		base.MaxIncrease = o.MaxIncrease
	}
	if o.MaxIncreasePct != nil {
		base.MaxIncreasePct = o.MaxIncreasePct
	}
	if o.MaxDecrease != nil {
		base.MaxDecrease = o.MaxDecrease
	}
	if o.ResourceCaps != nil {
		base.ResourceCaps = o.ResourceCaps
	}
	if o.UnknownCost != "" {
		base.UnknownCost = o.UnknownCost
	}
	if o.RequireUsageFor != nil {
		base.RequireUsageFor = o.RequireUsageFor
	}
	if o.Unsupported != "" {
		base.Unsupported = o.Unsupported
	}
	if o.UnsupportedAllow != nil {
		base.UnsupportedAllow = o.UnsupportedAllow
	}
	return base
}
