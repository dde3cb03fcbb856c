package cost

// This file renders a Result: the pull-request comment in GitHub markdown (with a hidden marker
// line so the comment can be updated in place, kept under GitHub's 65,536-character limit by
// dropping details first), plain text for logs, and a stable JSON document for later pipeline
// steps. Output order is deterministic.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// Marker is the first line of every comment; the GitHub client finds the comment to update by it.
const Marker = "<!-- costgate: finops-gate -->"

// githubMaxComment is GitHub's limit on an issue comment body, in characters.
const githubMaxComment = 65536

// DefaultTopN is how many resource changes the details table lists.
const DefaultTopN = 10

// Options tune the markdown.
type Options struct {
	// MaxChars bounds the comment (bytes, which never undercounts characters); 0 = a margin under GitHub's limit.
	MaxChars int
	// TopN resource changes in the details table; 0 = DefaultTopN.
	TopN int
}

var icons = map[Status]string{Pass: "✅", Warn: "⚠️", Fail: "❌"}

var decisionText = map[Status]string{
	Pass: "✅ Passed",
	Warn: "⚠️ Passed with warnings",
	Fail: "❌ Blocked",
}

// headline is the one-line summary of the change.
func headline(r *Result) string {
	f := formatter{Currency: r.Currency}
	c := r.Costs
	atLeast := ""
	if !c.Complete {
		atLeast = "at least "
	}
	switch {
	case !c.Diff.Valid:
		return fmt.Sprintf("💰 Monthly estimate generated: %s%s", atLeast, f.Money(c.New.Value))
	case c.Diff.Value.Round(2).IsZero():
		return fmt.Sprintf("💰 Monthly estimate unchanged: %s%s", atLeast, f.Money(c.New.Value))
	case c.Diff.Value.IsPositive():
		return fmt.Sprintf("💰 Monthly estimate increased by %s%s 📈", f.Money(c.Diff.Value), pctSuffix(c.Past, c.Diff))
	default:
		return fmt.Sprintf("💰 Monthly estimate decreased by %s%s 📉", f.Money(c.Diff.Value.Neg()), pctSuffix(c.Past, c.Diff))
	}
}

func pctSuffix(past, diff money) string {
	if p := pct(past, diff); p != "" {
		return " (" + p + ")"
	}
	return ""
}

func pct(past, diff money) string {
	if !past.Valid || !diff.Valid || past.Value.IsZero() {
		return ""
	}
	return signedPercent(diff.Value.Mul(decimal.NewFromInt(100)).DivRound(past.Value, 4))
}

// Markdown renders the PR comment.
func Markdown(r *Result, o Options) string {
	limit := o.MaxChars
	if limit <= 0 {
		limit = githubMaxComment - 1536
	}
	topN := o.TopN
	if topN <= 0 {
		topN = DefaultTopN
	}
	// Drop details first: fewer resource changes, then fewer not-estimated lines, then passing checks.
	levels := []mdLevel{}
	for n := topN; n > 0; n /= 2 {
		levels = append(levels, mdLevel{topN: n, maxNotEstimated: -1, passedChecks: true})
	}
	levels = append(levels,
		mdLevel{topN: 0, maxNotEstimated: -1, passedChecks: true},
		mdLevel{topN: 0, maxNotEstimated: 50, passedChecks: true},
		mdLevel{topN: 0, maxNotEstimated: 10, passedChecks: true},
		mdLevel{topN: 0, maxNotEstimated: 10, passedChecks: false},
		mdLevel{topN: 0, maxNotEstimated: 0, passedChecks: false},
	)
	var s string
	for _, l := range levels {
		s = markdown(r, l)
		if len(s) <= limit {
			return s
		}
	}
	const note = "\n\n… truncated: the full result is in the job's JSON output and step summary.\n"
	cut := limit - len(note)
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:max(cut, 0)] + note
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

type mdLevel struct {
	topN            int
	maxNotEstimated int // -1 = all
	passedChecks    bool
}

func markdown(r *Result, l mdLevel) string {
	f := formatter{Currency: r.Currency}
	var b strings.Builder
	b.WriteString(Marker + "\n")
	fmt.Fprintf(&b, "### %s\n\n", headline(r))
	counts := map[Status]int{}
	for _, c := range r.Checks {
		counts[c.Status]++
	}
	fmt.Fprintf(&b, "**Cost gate: %s** · %d failed · %d warnings · %d passed · amounts per month in %s\n\n",
		decisionText[r.Decision], counts[Fail], counts[Warn], counts[Pass], r.Currency)

	b.WriteString("| Project | Previous | New | Diff | % |\n|---|--:|--:|--:|--:|\n")
	for _, p := range r.Costs.Projects {
		if len(p.Errors) > 0 {
			fmt.Fprintf(&b, "| %s | unknown | unknown (error) | unknown | |\n", cell(p.Label()))
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(p.Label()), moneyCell(f, p.Past, true), newCost(f, p.New, p.Complete), signed(f, p.Diff), pct(p.Past, p.Diff))
	}
	if len(r.Costs.Projects) > 1 {
		c := r.Costs
		fmt.Fprintf(&b, "| **Total** | %s | %s | %s | %s |\n", bold(moneyCell(f, c.Past, true)), bold(newCost(f, c.New, c.Complete)), bold(signed(f, c.Diff)), bold(pct(c.Past, c.Diff)))
	}

	b.WriteString("\n#### Policy checks\n\n")
	hidden := 0
	var rows []string
	for _, c := range r.Checks {
		if !l.passedChecks && c.Status == Pass {
			hidden++
			continue
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |\n", icons[c.Status], c.Name, cell(c.Scope), cell(c.Observed), cell(c.Limit), cell(c.Message)))
	}
	if len(rows) > 0 {
		b.WriteString("| | Check | Scope | Observed | Limit | Details |\n|---|---|---|--:|---|---|\n")
		b.WriteString(strings.Join(rows, ""))
	}
	if hidden > 0 {
		fmt.Fprintf(&b, "\n%d passing checks not shown.\n", hidden)
	}
	if len(r.Checks) == 0 {
		b.WriteString("No checks configured.\n")
	}

	notEst := notEstimated(r)
	if len(notEst) > 0 {
		b.WriteString("\n#### Not estimated\n\nThese costs are unknown, not zero: the totals above are lower bounds.\n\n")
		for i, line := range notEst {
			if l.maxNotEstimated >= 0 && i >= l.maxNotEstimated {
				fmt.Fprintf(&b, "- … and %d more\n", len(notEst)-i)
				break
			}
			b.WriteString("- " + line + "\n")
		}
	}

	changes := topChanges(r)
	if l.topN > 0 && len(changes) > 0 {
		n := min(l.topN, len(changes))
		fmt.Fprintf(&b, "\n<details><summary>Top %d of %d resource changes</summary>\n\n", n, len(changes))
		b.WriteString("| | Resource | Project | Previous | New | Diff |\n|---|---|---|--:|--:|--:|\n")
		for _, c := range changes[:n] {
			newCell := moneyCell(f, c.New, false)
			if !c.Complete && c.New.Valid {
				newCell = "≥ " + newCell
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | %s |\n", c.Action(), cell(c.Address), cell(c.Project), moneyCell(f, c.Past, false), newCell, f.SignedMoney(c.Diff))
		}
		b.WriteString("\n</details>\n")
	}
	fmt.Fprintf(&b, "\n<sub>costgate · inputs: %s</sub>\n", cell(strings.Join(r.Sources, ", ")))
	return b.String()
}

func notEstimated(r *Result) []string {
	var out []string
	for _, u := range r.Unknown {
		out = append(out, fmt.Sprintf("`%s` (%s): %s", cell(u.Address), cell(u.Project), cell(strings.Join(u.Components, ", "))))
	}
	for _, u := range r.Unsupported {
		allowed := ""
		if u.Allowed {
			allowed = ", allowed by policy"
		}
		out = append(out, fmt.Sprintf("`%s` ×%d (%s): not supported by Infracost%s", cell(u.Type), u.Count, cell(u.Project), allowed))
	}
	for _, p := range r.Costs.Projects {
		if len(p.Errors) > 0 {
			out = append(out, fmt.Sprintf("project %s: not evaluated (%s)", cell(p.Label()), cell(strings.Join(p.Errors, "; "))))
		}
	}
	return out
}

// topChanges are the resource deltas of all projects, largest first, without zero deltas.
func topChanges(r *Result) []resourceChange {
	var all []resourceChange
	for _, p := range r.Costs.Projects {
		for _, c := range p.Changes {
			if c.Diff.IsZero() && c.Past.Valid && c.New.Valid && c.Complete {
				continue
			}
			all = append(all, c)
		}
	}
	sortChanges(all)
	return all
}

func moneyCell(f formatter, m money, unknownDash bool) string {
	if !m.Valid {
		if unknownDash {
			return "–"
		}
		return ""
	}
	return f.Money(m.Value)
}

func newCost(f formatter, m money, complete bool) string {
	s := moneyCell(f, m, true)
	if !complete {
		return "≥ " + s
	}
	return s
}

func signed(f formatter, m money) string {
	if !m.Valid {
		return "–"
	}
	return f.SignedMoney(m.Value)
}

func bold(s string) string {
	if s == "" {
		return ""
	}
	return "**" + s + "**"
}

// cell makes text safe inside a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

// Text renders a plain-text report for logs.
func Text(r *Result) string {
	f := formatter{Currency: r.Currency}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", strings.TrimPrefix(headline(r), "💰 "))
	fmt.Fprintf(&b, "decision: %s\n\n", r.Decision)
	for _, p := range r.Costs.Projects {
		if len(p.Errors) > 0 {
			fmt.Fprintf(&b, "project %s: cost unknown (errors)\n", p.Label())
			continue
		}
		fmt.Fprintf(&b, "project %s: previous %s, new %s, diff %s %s\n", p.Label(), moneyCell(f, p.Past, true), newCost(f, p.New, p.Complete), signed(f, p.Diff), pct(p.Past, p.Diff))
	}
	b.WriteString("\n")
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "%-4s %s [%s] observed %s, limit %s: %s\n", strings.ToUpper(string(c.Status)), c.Name, c.Scope, c.Observed, c.Limit, c.Message)
	}
	if ne := notEstimated(r); len(ne) > 0 {
		b.WriteString("\nnot estimated:\n")
		for _, l := range ne {
			b.WriteString("  " + strings.ReplaceAll(l, "`", "") + "\n")
		}
	}
	return b.String()
}

// jsonResult is the stable machine-readable result (field names are part of the contract).
type jsonResult struct {
	Decision       Status        `json:"decision"`
	Headline       string        `json:"headline"`
	Currency       string        `json:"currency"`
	Total          jsonCosts     `json:"total"`
	Projects       []jsonProject `json:"projects"`
	Checks         []check       `json:"checks"`
	Unknown        []string      `json:"unknown"`
	UnknownDetails []unknownCost `json:"unknown_details"`
	Unsupported    []unsupported `json:"unsupported"`
	Changes        []jsonChange  `json:"resource_changes"`
	Sources        []string      `json:"sources"`
}

// jsonCosts are exact decimal strings; null when unknown. "complete" false = new is a lower bound.
type jsonCosts struct {
	Past     money   `json:"past"`
	New      money   `json:"new"`
	Diff     money   `json:"diff"`
	DiffPct  *string `json:"diff_pct"`
	Complete bool    `json:"complete"`
}

// jsonProject is one project's figures.
type jsonProject struct {
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name,omitempty"`
	Path        string   `json:"path,omitempty"`
	Errors      []string `json:"errors"`
	jsonCosts
}

// jsonChange is one resource delta.
type jsonChange struct {
	Project  string `json:"project"`
	Address  string `json:"address"`
	Type     string `json:"type"`
	Action   string `json:"action"`
	Past     money  `json:"past"`
	New      money  `json:"new"`
	Diff     string `json:"diff"`
	Complete bool   `json:"complete"`
}

func figuresJSON(past, cur, diff money, complete bool) jsonCosts {
	c := jsonCosts{Past: past, New: cur, Diff: diff, Complete: complete}
	if past.Valid && diff.Valid && !past.Value.IsZero() {
		s := diff.Value.Mul(decimal.NewFromInt(100)).DivRound(past.Value, 4).String()
		c.DiffPct = &s
	}
	return c
}

// JSON renders the machine-readable result, indented, with a trailing newline.
func JSON(r *Result) ([]byte, error) {
	out := jsonResult{
		Decision: r.Decision, Headline: headline(r), Currency: r.Currency,
		Total:       figuresJSON(r.Costs.Past, r.Costs.New, r.Costs.Diff, r.Costs.Complete),
		Projects:    []jsonProject{},
		Checks:      r.Checks,
		Unknown:     r.UnknownAddresses(),
		Unsupported: r.Unsupported,
		Sources:     r.Sources,
	}
	if out.Checks == nil {
		out.Checks = []check{}
	}
	if out.Unsupported == nil {
		out.Unsupported = []unsupported{}
	}
	for _, p := range r.Costs.Projects {
		jp := jsonProject{Name: p.Name, DisplayName: p.DisplayName, Path: p.Path, Errors: p.Errors, jsonCosts: figuresJSON(p.Past, p.New, p.Diff, p.Complete)}
		if len(p.Errors) > 0 {
			jp.New = money{} // never report an errored project as $0
		}
		if jp.Errors == nil {
			jp.Errors = []string{}
		}
		out.Projects = append(out.Projects, jp)
	}
	out.UnknownDetails = append([]unknownCost{}, r.Unknown...)
	sort.SliceStable(out.UnknownDetails, func(i, j int) bool { return out.UnknownDetails[i].Address < out.UnknownDetails[j].Address })
	out.Changes = []jsonChange{}
	for _, c := range topChanges(r) {
		out.Changes = append(out.Changes, jsonChange{Project: c.Project, Address: c.Address, Type: c.Type, Action: c.Action(), Past: c.Past, New: c.New, Diff: c.Diff.String(), Complete: c.Complete})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode result: %w", err)
	}
	return buf.Bytes(), nil
}
