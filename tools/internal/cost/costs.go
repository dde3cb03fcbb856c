package cost

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// costs is what a gate reads from a (merged) report: figures recomputed from the components.
type costs struct {
	Currency string
	Projects []projectCosts
	// Past, New and Diff are the sums over all projects. New is always a lower bound (null
	// components count as unknown, not zero); Complete says whether it is exact. Past is unknown
	// when any project has no baseline.
	Past, New, Diff money
	Complete        bool
}

// projectCosts are the recomputed figures of one project.
type projectCosts struct {
	projectID // name, display name and metadata.path
	// Errors is metadata.errors; a project with errors has unknown costs (New and Past invalid).
	Errors []string
	// Past is the baseline (pastBreakdown) total, unknown when there is no baseline.
	Past money
	// New is the sum of the known component costs of breakdown; a lower bound when Complete is false.
	New money
	// Diff is New − Past, recomputed (never read from the file).
	Diff     money
	Complete bool
	// Resources are the current resources with their recursive cost, sorted by address.
	Resources []resourceCost
	// Unknown lists resources (or subresources) with a component whose cost is null or unpriced.
	Unknown []unknownCost
	// Unsupported counts resource types Infracost cannot price (summary.unsupportedResourceCounts).
	Unsupported map[string]int
	// Free counts resources that cost nothing (freeResources or summary.noPriceResourceCounts).
	Free int
	// Changes are per-resource deltas between past and current, matched by address.
	Changes []resourceChange
}

// Label is the name shown for the project.
func (p projectCosts) Label() string {
	if p.DisplayName != "" && p.DisplayName != p.Name {
		return p.DisplayName + " (" + p.Name + ")"
	}
	if p.Name != "" {
		return p.Name
	}
	return p.Path
}

// resourceCost is a resource's monthly cost including subresources; Complete is false if any
// component (of it or of a subresource) has an unknown cost.
type resourceCost struct {
	Address, Type string
	Monthly       decimal.Decimal
	Complete      bool
	// Priced and Unpriced count the components (subresources included) with a known and an unknown cost.
	Priced, Unpriced int
}

// unknownCost is a resource whose cost depends on usage that was not supplied (or has no price).
type unknownCost struct {
	Project    string   `json:"project"`
	Address    string   `json:"address"`
	Type       string   `json:"type"`
	Components []string `json:"components"`
}

// resourceChange is the monthly delta of one address between the baseline and the change.
type resourceChange struct {
	Project  string
	Address  string
	Type     string
	Past     money // unknown (invalid) when the resource is added
	New      money // unknown (invalid) when the resource is removed
	Diff     decimal.Decimal
	Complete bool
}

// Action is "+" added, "-" removed or "~" changed.
func (c resourceChange) Action() string {
	switch {
	case !c.Past.Valid:
		return "+"
	case !c.New.Valid:
		return "-"
	default:
		return "~"
	}
}

// analyze recomputes the figures of a report.
func analyze(r *Report) costs {
	c := costs{Currency: r.Currency, Complete: true}
	past, cur := decimal.Zero, decimal.Zero
	pastKnown := true
	for _, p := range r.Projects {
		pc := analyzeProject(p)
		c.Projects = append(c.Projects, pc)
		if pc.New.Valid {
			cur = cur.Add(pc.New.Value)
		}
		if !pc.Complete {
			c.Complete = false
		}
		if pc.Past.Valid {
			past = past.Add(pc.Past.Value)
		} else {
			pastKnown = false
		}
	}
	c.New = known(cur)
	if pastKnown && len(r.Projects) > 0 {
		c.Past = known(past)
		c.Diff = known(cur.Sub(past))
	}
	return c
}

func analyzeProject(p project) projectCosts {
	pc := projectCosts{
		projectID:   projectID{Name: p.Name, DisplayName: p.DisplayName, Path: p.Metadata.Path},
		Unsupported: map[string]int{},
		Complete:    true,
	}
	for _, e := range p.Metadata.Errors {
		msg := e.Message
		if e.Code != nil {
			msg = fmt.Sprintf("%v: %s", e.Code, msg)
		}
		pc.Errors = append(pc.Errors, msg)
	}
	for t, n := range p.Summary.UnsupportedResourceCounts {
		if n > 0 {
			pc.Unsupported[t] = n
		}
	}
	for _, n := range p.Summary.NoPriceResourceCounts {
		pc.Free += n
	}
	if pc.Free == 0 && p.Breakdown != nil {
		pc.Free = len(p.Breakdown.FreeResources)
	}
	if len(pc.Errors) > 0 {
		// Infracost writes zero totals for a project it could not evaluate: unknown, never $0.
		pc.Complete = false
		return pc
	}
	label := p.Label()
	cur := map[string]resourceCost{}
	total := decimal.Zero
	if p.Breakdown != nil {
		for _, res := range p.Breakdown.Resources {
			rc := addUpResource(res)
			cur[res.Name] = rc
			pc.Resources = append(pc.Resources, rc)
			total = total.Add(rc.Monthly)
			if !rc.Complete {
				pc.Complete = false
			}
			pc.Unknown = append(pc.Unknown, unknownCosts(label, res.Name, res.ResourceType, res)...)
		}
	}
	pc.New = known(total)
	if p.PastBreakdown != nil {
		pastTotal := decimal.Zero
		prev := map[string]resourceCost{}
		for _, res := range p.PastBreakdown.Resources {
			rc := addUpResource(res)
			prev[res.Name] = rc
			pastTotal = pastTotal.Add(rc.Monthly)
		}
		pc.Past = known(pastTotal)
		pc.Diff = known(total.Sub(pastTotal))
		pc.Changes = changes(label, prev, cur)
	} else {
		// Without a baseline every resource is new; the diff itself stays unknown.
		pc.Changes = changes(label, nil, cur)
	}
	sort.Slice(pc.Resources, func(i, j int) bool { return pc.Resources[i].Address < pc.Resources[j].Address })
	sort.Slice(pc.Unknown, func(i, j int) bool { return pc.Unknown[i].Address < pc.Unknown[j].Address })
	return pc
}

// addUpResource sums the known component costs of a resource and its subresources, recursively.
// A resource without any component falls back to its own monthlyCost (older files).
func addUpResource(r resource) resourceCost {
	rc := resourceCost{Address: r.Name, Type: r.ResourceType, Complete: true}
	if rc.Type == "" {
		rc.Type = typeOf(r.Name)
	}
	rc.Monthly = sumResource(r, &rc)
	if rc.Priced+rc.Unpriced == 0 && r.MonthlyCost.Valid {
		rc.Monthly, rc.Priced = r.MonthlyCost.Value, 1
	}
	rc.Complete = rc.Unpriced == 0
	return rc
}

func sumResource(r resource, rc *resourceCost) decimal.Decimal {
	sum := decimal.Zero
	for _, c := range r.CostComponents {
		if c.MonthlyCost.Valid && !c.PriceNotFound {
			sum = sum.Add(c.MonthlyCost.Value)
			rc.Priced++
		} else {
			rc.Unpriced++
		}
	}
	for _, s := range r.Subresources {
		if len(s.CostComponents) == 0 && len(s.Subresources) == 0 && s.MonthlyCost.Valid {
			sum = sum.Add(s.MonthlyCost.Value)
			rc.Priced++
			continue
		}
		sum = sum.Add(sumResource(s, rc))
	}
	return sum
}

func unknownCosts(project, address, typ string, r resource) []unknownCost {
	var out []unknownCost
	var names []string
	for _, c := range r.CostComponents {
		switch {
		case c.PriceNotFound:
			names = append(names, c.Name+" (price not found)")
		case !c.MonthlyCost.Valid:
			names = append(names, c.Name)
		}
	}
	if len(names) > 0 {
		out = append(out, unknownCost{Project: project, Address: address, Type: typ, Components: names})
	}
	for _, s := range r.Subresources {
		out = append(out, unknownCosts(project, address+"."+s.Name, typ, s)...)
	}
	return out
}

func changes(project string, prev, cur map[string]resourceCost) []resourceChange {
	var out []resourceChange
	for addr, c := range cur {
		ch := resourceChange{Project: project, Address: addr, Type: c.Type, New: known(c.Monthly), Complete: c.Complete}
		if p, ok := prev[addr]; ok {
			ch.Past = known(p.Monthly)
			ch.Complete = ch.Complete && p.Complete
			ch.Diff = c.Monthly.Sub(p.Monthly)
		} else {
			ch.Diff = c.Monthly
		}
		if ch.Type == "" {
			ch.Type = prev[addr].Type
		}
		out = append(out, ch)
	}
	for addr, p := range prev {
		if _, ok := cur[addr]; ok {
			continue
		}
		out = append(out, resourceChange{Project: project, Address: addr, Type: p.Type, Past: known(p.Monthly), Diff: p.Monthly.Neg(), Complete: p.Complete})
	}
	sortChanges(out)
	return out
}

// sortChanges orders changes by absolute delta (largest first), then project and address.
func sortChanges(cs []resourceChange) {
	sort.SliceStable(cs, func(i, j int) bool {
		if c := cs[i].Diff.Abs().Cmp(cs[j].Diff.Abs()); c != 0 {
			return c > 0
		}
		if cs[i].Project != cs[j].Project {
			return cs[i].Project < cs[j].Project
		}
		return cs[i].Address < cs[j].Address
	})
}

// typeOf returns the Terraform resource type of an address ("module.a.google_x.y[0]" → "google_x").
func typeOf(address string) string {
	parts := strings.Split(address, ".")
	for i := 0; i+1 < len(parts); i++ {
		switch parts[i] {
		case "module":
			i++
			continue
		case "data":
			continue
		}
		return parts[i]
	}
	return ""
}
