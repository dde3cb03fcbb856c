package cost

// This file evaluates the policy: the money rules (budget, increase in $ and %, decrease) for the
// whole change and per project, the resource caps, project errors, unknown and unsupported costs.
// It fails closed: a project Infracost could not evaluate fails, unknown costs are reported and
// never counted as zero, a percentage rule without a baseline says why it could not apply.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/shopspring/decimal"
)

// Status of a check or of the whole decision.
type Status string

// Statuses, from best to worst.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
)

func (s Status) rank() int {
	switch s {
	case Pass:
		return 0
	case Warn:
		return 1
	default:
		return 2
	}
}

func worst(a, b Status) Status {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// check is the outcome of one rule in one scope.
type check struct {
	Name     string `json:"name"`
	Scope    string `json:"scope"`
	Status   Status `json:"status"`
	Observed string `json:"observed"`
	Limit    string `json:"limit"`
	Message  string `json:"message"`
}

// unsupported is a resource type Infracost cannot price, in one project.
type unsupported struct {
	Project string `json:"project"`
	Type    string `json:"type"`
	Count   int    `json:"count"`
	Allowed bool   `json:"allowed"`
}

// Result is the gate's decision.
type Result struct {
	Decision    Status
	Currency    string
	Costs       costs
	Checks      []check
	Unknown     []unknownCost
	Unsupported []unsupported
	Sources     []string
}

// errCurrencyMismatch means the Infracost currency differs from the policy's: bad input.
var errCurrencyMismatch = errors.New("currency mismatch")

// Evaluate applies the policy (and the Rego policies, when rg is not nil) to a merged report.
func Evaluate(ctx context.Context, r *Report, p *Policy, rg *Rego) (*Result, error) {
	if r.Currency != p.Currency {
		return nil, fmt.Errorf("%w: infracost reports %s but the policy is in %s; run infracost with INFRACOST_CURRENCY=%s or change the policy",
			errCurrencyMismatch, r.Currency, p.Currency, p.Currency)
	}
	costs := analyze(r)
	res := &Result{Currency: r.Currency, Costs: costs, Sources: r.Source}
	f := formatter{Currency: r.Currency}

	errored := []string{}
	for _, pc := range costs.Projects {
		if len(pc.Errors) > 0 {
			errored = append(errored, pc.Label())
		}
	}
	total := scopeFigures{past: costs.Past, cur: costs.New, diff: costs.Diff, complete: costs.Complete, errored: errored}
	res.Checks = append(res.Checks, moneyChecks(f, "total", p.Total, total)...)

	for _, pc := range costs.Projects {
		scope := "project " + pc.Label()
		rules, _ := p.For(pc.projectID)
		res.Checks = append(res.Checks, projectErrorCheck(scope, pc))
		res.Unknown = append(res.Unknown, pc.Unknown...)
		for _, t := range sortedKeys(pc.Unsupported) {
			res.Unsupported = append(res.Unsupported, unsupported{Project: pc.Label(), Type: t, Count: pc.Unsupported[t], Allowed: slices.Contains(rules.UnsupportedAllow, t)})
		}
		if len(pc.Errors) > 0 {
			continue // its costs are unknown; the project_errors check already fails
		}
		fig := scopeFigures{past: pc.Past, cur: pc.New, diff: pc.Diff, complete: pc.Complete}
		res.Checks = append(res.Checks, moneyChecks(f, scope, rules.MoneyRules, fig)...)
		for _, c := range rules.ResourceCaps {
			res.Checks = append(res.Checks, capCheck(f, scope, c, pc))
		}
		if c, ok := unknownCheck(scope, rules, pc); ok {
			res.Checks = append(res.Checks, c)
		}
		if len(rules.RequireUsageFor) > 0 {
			res.Checks = append(res.Checks, requireUsageCheck(scope, rules.RequireUsageFor, pc))
		}
		if c, ok := unsupportedCheck(scope, rules, pc); ok {
			res.Checks = append(res.Checks, c)
		}
	}
	if rg != nil {
		checks, err := rg.Eval(ctx, regoInput(r, costs))
		if err != nil {
			return nil, err
		}
		res.Checks = append(res.Checks, checks...)
	}
	res.Decision = Pass
	for _, c := range res.Checks {
		res.Decision = worst(res.Decision, c.Status)
	}
	return res, nil
}

type scopeFigures struct {
	past, cur, diff money
	complete        bool
	errored         []string
}

// level compares an observed amount with a threshold: above fail → fail, above warn → warn.
func level(v decimal.Decimal, t Threshold) Status {
	switch {
	case t.Fail != nil && v.GreaterThan(*t.Fail):
		return Fail
	case t.Warn != nil && v.GreaterThan(*t.Warn):
		return Warn
	}
	return Pass
}

func limitString(t Threshold, format func(decimal.Decimal) string) string {
	var parts []string
	if t.Warn != nil {
		parts = append(parts, "warn > "+format(*t.Warn))
	}
	if t.Fail != nil {
		parts = append(parts, "fail > "+format(*t.Fail))
	}
	return strings.Join(parts, ", ")
}

func moneyChecks(f formatter, scope string, m MoneyRules, fig scopeFigures) []check {
	var out []check
	// Errored projects make every total a lower bound that can never pass on its own.
	atLeastWarn := func(s Status) Status {
		if len(fig.errored) > 0 {
			return worst(s, Warn)
		}
		return s
	}
	unknownNote := ""
	switch {
	case len(fig.errored) > 0:
		unknownNote = fmt.Sprintf(" Lower bound: cost of %s unknown (Infracost errors).", strings.Join(fig.errored, ", "))
	case !fig.complete:
		unknownNote = " Lower bound: some costs are unknown (see Not estimated)."
	}
	observedNew := f.Money(fig.cur.Value)
	if !fig.complete {
		observedNew = "≥ " + observedNew
	}

	if b := m.MonthlyBudget; b != nil {
		c := check{Name: "monthly_budget", Scope: scope, Observed: observedNew, Limit: limitString(b.Threshold, f.Money)}
		st := level(fig.cur.Value, b.Threshold)
		switch {
		case st == Pass:
			c.Message = "Within budget."
		case b.OnlyWhenCrossing && fig.past.Valid && level(fig.past.Value, b.Threshold) == st:
			// Already at this level before the change: not crossed by it.
			c.Message = fmt.Sprintf("Over the %s level already before this change (%s); only crossing it blocks.", st, f.Money(fig.past.Value))
			st = Warn
		case b.OnlyWhenCrossing && !fig.past.Valid:
			c.Message = "Over budget; no baseline to tell whether this change crossed it, so the budget applies as is."
		default:
			c.Message = "Over budget."
		}
		c.Status = atLeastWarn(st)
		c.Message += unknownNote
		out = append(out, c)
	}

	var incStatus Status
	var incChecked bool
	if t := m.MaxIncrease; t != nil {
		c := check{Name: "max_increase", Scope: scope, Limit: limitString(*t, f.Money)}
		if !fig.diff.Valid {
			c.Status, c.Observed = Warn, "unknown"
			c.Message = "No baseline (past cost): the increase cannot be computed. Run infracost diff --compare-to the base branch."
		} else {
			c.Observed = f.SignedMoney(fig.diff.Value)
			c.Status = level(fig.diff.Value, *t)
			incStatus, incChecked = c.Status, true
			c.Message = map[Status]string{Pass: "Increase within limit.", Warn: "Increase above the warn level.", Fail: "Increase above the limit."}[c.Status]
		}
		c.Status = atLeastWarn(c.Status)
		c.Message += unknownNote
		out = append(out, c)
	}
	if t := m.MaxIncreasePct; t != nil {
		c := check{Name: "max_increase_pct", Scope: scope, Limit: limitString(*t, percent)}
		switch {
		case !fig.diff.Valid:
			c.Status, c.Observed = Warn, "unknown"
			c.Message = "No baseline (past cost): the percentage cannot be computed."
		case fig.past.Value.IsZero():
			c.Observed = "undefined"
			if incChecked {
				c.Status = incStatus
				c.Message = "Previous cost is 0, so a percentage is undefined: the absolute rule max_increase applies instead (" + string(incStatus) + ")."
			} else {
				c.Status = Warn
				c.Message = "Previous cost is 0, so a percentage is undefined, and no max_increase is set to fall back on."
			}
		default:
			pct := fig.diff.Value.Mul(decimal.NewFromInt(100)).DivRound(fig.past.Value, 4)
			c.Observed = signedPercent(pct)
			c.Status = level(pct, *t)
			c.Message = map[Status]string{Pass: "Relative increase within limit.", Warn: "Relative increase above the warn level.", Fail: "Relative increase above the limit."}[c.Status]
		}
		c.Status = atLeastWarn(c.Status)
		c.Message += unknownNote
		out = append(out, c)
	}
	if t := m.MaxDecrease; t != nil {
		c := check{Name: "max_decrease", Scope: scope, Limit: limitString(*t, f.Money)}
		if !fig.diff.Valid {
			c.Status, c.Observed = Warn, "unknown"
			c.Message = "No baseline (past cost): the decrease cannot be computed."
		} else {
			dec := fig.diff.Value.Neg()
			if dec.IsNegative() {
				dec = decimal.Zero
			}
			c.Observed = f.Money(dec)
			c.Status = level(dec, *t)
			c.Message = map[Status]string{Pass: "Decrease within the expected range.", Warn: "Large decrease: check nothing was destroyed by mistake.", Fail: "Decrease above the limit: check nothing was destroyed by mistake."}[c.Status]
		}
		c.Status = atLeastWarn(c.Status)
		c.Message += unknownNote
		out = append(out, c)
	}
	return out
}

func projectErrorCheck(scope string, pc projectCosts) check {
	c := check{Name: "project_errors", Scope: scope, Observed: fmt.Sprint(len(pc.Errors)), Limit: "0", Status: Pass, Message: "Infracost evaluated the project."}
	if len(pc.Errors) > 0 {
		c.Status = Fail
		c.Message = "Cost unknown, not $0: " + strings.Join(pc.Errors, "; ")
	}
	return c
}

func capCheck(f formatter, scope string, rc resourceCap, pc projectCosts) check {
	c := check{Name: "resource_cap", Scope: scope, Limit: limitString(rc.Threshold, f.Money), Status: Pass}
	var worstCost *resourceCost
	var offenders []string
	matched := 0
	for i, r := range pc.Resources {
		ok := r.Type == rc.Type && rc.Type != ""
		if rc.Match != "" {
			ok, _ = doublestar.Match(rc.Match, r.Address)
		}
		if !ok {
			continue
		}
		matched++
		if worstCost == nil || r.Monthly.GreaterThan(worstCost.Monthly) {
			worstCost = &pc.Resources[i]
		}
		if st := level(r.Monthly, rc.Threshold); st != Pass {
			c.Status = worst(c.Status, st)
			offenders = append(offenders, fmt.Sprintf("%s %s", r.Address, f.Money(r.Monthly)))
		}
	}
	switch {
	case matched == 0:
		c.Observed = "-"
		c.Message = fmt.Sprintf("%s: no matching resource.", rc.Name())
	case len(offenders) > 0:
		c.Observed = f.Money(worstCost.Monthly)
		c.Message = fmt.Sprintf("%s: over the cap: %s.", rc.Name(), strings.Join(offenders, ", "))
	default:
		c.Observed = f.Money(worstCost.Monthly)
		c.Message = fmt.Sprintf("%s: %d resource(s) within the cap (largest %s).", rc.Name(), matched, worstCost.Address)
	}
	if worstCost != nil && !worstCost.Complete {
		c.Observed = "≥ " + c.Observed
	}
	return c
}

func unknownCheck(scope string, rules ProjectRules, pc projectCosts) (check, bool) {
	if rules.UnknownCost == Ignore {
		return check{}, false
	}
	c := check{Name: "unknown_cost", Scope: scope, Observed: fmt.Sprint(len(pc.Unknown)), Limit: "0", Status: Pass, Message: "Every cost component was estimated."}
	if len(pc.Unknown) > 0 {
		c.Status = rules.UnknownCost
		c.Message = fmt.Sprintf("%d resource(s) have costs Infracost could not estimate without usage: %s.", len(pc.Unknown), listAddresses(pc.Unknown, 5))
	}
	return c, true
}

func requireUsageCheck(scope string, types []string, pc projectCosts) check {
	c := check{Name: "require_usage", Scope: scope, Limit: "0", Status: Pass}
	var missing []string
	for _, r := range pc.Resources {
		if slices.Contains(types, r.Type) && r.Priced == 0 && r.Unpriced > 0 {
			missing = append(missing, r.Address)
		}
	}
	c.Observed = fmt.Sprint(len(missing))
	if len(missing) > 0 {
		c.Status = Fail
		c.Message = "No usage for: " + strings.Join(missing, ", ") + ". Add them to infracost-usage.yml."
	} else {
		c.Message = "Every resource of the listed types has usage."
	}
	return c
}

func unsupportedCheck(scope string, rules ProjectRules, pc projectCosts) (check, bool) {
	if rules.Unsupported == Ignore {
		return check{}, false
	}
	var bad, allowed []string
	n := 0
	for _, t := range sortedKeys(pc.Unsupported) {
		if slices.Contains(rules.UnsupportedAllow, t) {
			allowed = append(allowed, t)
			continue
		}
		n += pc.Unsupported[t]
		bad = append(bad, fmt.Sprintf("%s ×%d", t, pc.Unsupported[t]))
	}
	c := check{Name: "unsupported", Scope: scope, Observed: fmt.Sprint(n), Limit: "0", Status: Pass, Message: "Every resource type is supported by Infracost."}
	if n > 0 {
		c.Status = rules.Unsupported
		c.Message = "Not priced by Infracost: " + strings.Join(bad, ", ") + "."
	}
	if len(allowed) > 0 {
		c.Message += " Allowed: " + strings.Join(allowed, ", ") + "."
	}
	return c, true
}

func listAddresses(us []unknownCost, max int) string {
	var parts []string
	for i, u := range us {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(us)-max))
			break
		}
		parts = append(parts, u.Address)
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// UnknownAddresses returns the sorted, de-duplicated addresses with unknown costs.
func (r *Result) UnknownAddresses() []string {
	seen := map[string]bool{}
	out := []string{}
	for _, u := range r.Unknown {
		if !seen[u.Address] {
			seen[u.Address] = true
			out = append(out, u.Address)
		}
	}
	sort.Strings(out)
	return out
}
