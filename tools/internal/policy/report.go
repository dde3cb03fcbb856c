package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/acme-platform/golden-path/tools/internal/tfplan"
)

// Formats the gate writes.
var Formats = []string{"text", "json", "markdown", "sarif", "github"}

// MaxMarkdownBytes keeps the markdown report under GitHub's 1 MiB step
// summary limit.
const MaxMarkdownBytes = 1 << 20

// MaxAnnotations caps ::error and ::warning lines each (GitHub shows 10 of
// each per step).
const MaxAnnotations = 10

// Report is the outcome of one gate run.
type Report struct {
	Plan     PlanInfo     `json:"plan"`
	FailOn   string       `json:"fail_on"`
	Findings []Finding    `json:"findings"`
	Waivers  WaiverStatus `json:"waivers"`
	Summary  Summary      `json:"summary"`
	Rules    []Rule       `json:"-"`
}

// PlanInfo describes the evaluated plan.
type PlanInfo struct {
	File             string         `json:"file"`
	FormatVersion    string         `json:"format_version"`
	TerraformVersion string         `json:"terraform_version"`
	Resources        int            `json:"resources"`
	Skipped          map[string]int `json:"skipped"`
	UnknownValues    int            `json:"unknown_values"`
}

// Summary counts findings; Result is "pass" or "blocked".
type Summary struct {
	Result     string         `json:"result"`
	Findings   int            `json:"findings"`
	Blocking   int            `json:"blocking"`
	Waived     int            `json:"waived"`
	Unknown    int            `json:"unknown"`
	BySeverity map[string]int `json:"by_severity"`
	Rules      int            `json:"rules"`
}

// NewReport marks findings at or above failOn (and not waived) as blocking
// and summarises them.
func NewReport(file string, plan *tfplan.Plan, rules []Rule, findings []Finding, st WaiverStatus, failOn string) Report {
	r := Report{FailOn: failOn, Findings: findings, Waivers: st, Rules: rules}
	r.Plan = PlanInfo{File: file, FormatVersion: plan.FormatVersion, TerraformVersion: plan.TerraformVersion, Resources: len(plan.Resources), Skipped: plan.Skipped}
	for _, res := range plan.Resources {
		r.Plan.UnknownValues += len(res.Unknowns)
	}
	s := Summary{Result: "pass", BySeverity: map[string]int{}, Rules: len(rules)}
	for _, sev := range Severities {
		s.BySeverity[sev] = 0
	}
	threshold := SeverityRank(failOn)
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Blocking = !f.Waived && SeverityRank(f.Severity) >= threshold
		s.Findings++
		s.BySeverity[f.Severity]++
		if f.Waived {
			s.Waived++
		}
		if f.Unknown {
			s.Unknown++
		}
		if f.Blocking {
			s.Blocking++
			s.Result = "blocked"
		}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	r.Waivers = normalizeStatus(st)
	r.Summary = s
	return r
}

func normalizeStatus(st WaiverStatus) WaiverStatus {
	for _, p := range []*[]Waiver{&st.Expired, &st.Stale, &st.Refused} {
		if *p == nil {
			*p = []Waiver{}
		}
	}
	return st
}

// Blocked reports whether the gate fails.
func (r Report) Blocked() bool { return r.Summary.Blocking > 0 }

// Write renders the report in one of Formats.
func (r Report) Write(w io.Writer, format string) error {
	switch format {
	case "text":
		return r.writeText(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "markdown":
		return r.writeMarkdown(w)
	case "sarif":
		return r.writeSARIF(w)
	case "github":
		return r.writeGitHub(w)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

func status(f Finding) string {
	switch {
	case f.Waived:
		return "WAIVED"
	case f.Blocking:
		return "FAIL"
	default:
		return "WARN"
	}
}

func unknownTag(f Finding) string {
	if f.Unknown {
		return " [unknown]"
	}
	return ""
}

func (f Finding) location() string {
	if f.File == "" {
		return ""
	}
	return fmt.Sprintf(" (%s:%d)", f.File, f.Line)
}

func (r Report) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "policygate: %s: %d resources evaluated, %d rules, fail on %s and above\n", r.Plan.File, r.Plan.Resources, r.Summary.Rules, r.FailOn)
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%-6s %-8s %-11s %s%s: %s%s\n", status(f), f.Severity, f.RuleID, f.Address, f.location(), f.Message, unknownTag(f))
		if f.Waiver != nil {
			fmt.Fprintf(&b, "       waived by %s until %s (approver %s): %s\n", f.Waiver.ID, f.Waiver.Expires, f.Waiver.Approver, f.Waiver.Reason)
		}
	}
	writeWaiverLines(&b, r.Waivers, "")
	s := r.Summary
	fmt.Fprintf(&b, "result: %s (%d findings: %d blocking, %d waived, %d unknown; CRITICAL %d, HIGH %d, MEDIUM %d, LOW %d)\n",
		strings.ToUpper(s.Result), s.Findings, s.Blocking, s.Waived, s.Unknown, s.BySeverity["CRITICAL"], s.BySeverity["HIGH"], s.BySeverity["MEDIUM"], s.BySeverity["LOW"])
	_, err := io.WriteString(w, b.String())
	return err
}

func writeWaiverLines(b *strings.Builder, st WaiverStatus, bullet string) {
	for _, w := range st.Expired {
		fmt.Fprintf(b, "%swaiver %s (%s on %s) expired on %s: it no longer applies\n", bullet, w.ID, w.Rule, w.Address, w.Expires)
	}
	for _, w := range st.Refused {
		fmt.Fprintf(b, "%swaiver %s (%s on %s) refused: CRITICAL findings can only be waived by exact address\n", bullet, w.ID, w.Rule, w.Address)
	}
	for _, w := range st.Stale {
		fmt.Fprintf(b, "%swaiver %s (%s on %s) is stale: it matches no finding, remove it\n", bullet, w.ID, w.Rule, w.Address)
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

func (r Report) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	s := r.Summary
	icon := map[string]string{"pass": "✅", "blocked": "❌"}[s.Result]
	fmt.Fprintf(&b, "## %s Policy gate: %s\n\n", icon, strings.ToUpper(s.Result))
	fmt.Fprintf(&b, "`%s`: %d resources, %d rules, fail on **%s** and above. %d findings: %d blocking, %d waived, %d unknown.\n\n",
		mdEscape(r.Plan.File), r.Plan.Resources, s.Rules, r.FailOn, s.Findings, s.Blocking, s.Waived, s.Unknown)
	fmt.Fprintf(&b, "| CRITICAL | HIGH | MEDIUM | LOW |\n|---:|---:|---:|---:|\n| %d | %d | %d | %d |\n\n", s.BySeverity["CRITICAL"], s.BySeverity["HIGH"], s.BySeverity["MEDIUM"], s.BySeverity["LOW"])
	var tail strings.Builder
	writeWaiverLines(&tail, r.Waivers, "- ")
	if tail.Len() > 0 {
		tail.WriteString("\n")
	}
	const truncNote = "\n_Report truncated to stay under GitHub's 1 MiB step-summary limit; see the json report for all findings._\n"
	if len(r.Findings) > 0 {
		b.WriteString("| status | severity | rule | resource | finding |\n|---|---|---|---|---|\n")
		budget := MaxMarkdownBytes - b.Len() - tail.Len() - len(truncNote) - 64
		for i, f := range r.Findings {
			msg := mdEscape(f.Message) + unknownTag(f)
			if f.Waiver != nil {
				msg += fmt.Sprintf(" (waiver %s until %s: %s)", mdEscape(f.Waiver.ID), f.Waiver.Expires, mdEscape(f.Waiver.Reason))
			}
			row := fmt.Sprintf("| %s | %s | %s | `%s`%s | %s |\n", status(f), f.Severity, f.RuleID, mdEscape(f.Address), mdEscape(f.location()), msg)
			if b.Len()+len(row) > budget {
				fmt.Fprintf(&b, "| … | | | %d more findings | |\n", len(r.Findings)-i)
				b.WriteString(truncNote)
				break
			}
			b.WriteString(row)
		}
		b.WriteString("\n")
	}
	b.WriteString(tail.String())
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes an annotation message; ghProp a property value.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

func (r Report) writeGitHub(w io.Writer) error {
	var b strings.Builder
	counts := map[string]int{}
	dropped := map[string]int{}
	for _, f := range r.Findings {
		if f.Waived {
			continue
		}
		cmd := "warning"
		if f.Blocking {
			cmd = "error"
		}
		if counts[cmd] >= MaxAnnotations {
			dropped[cmd]++
			continue
		}
		counts[cmd]++
		file, line := f.File, f.Line
		if file == "" {
			file, line = r.Plan.File, 1
		}
		fmt.Fprintf(&b, "::%s file=%s,line=%d,title=%s::%s\n", cmd, ghProp(file), line,
			ghProp(fmt.Sprintf("%s %s %s", f.RuleID, f.Severity, f.Title)), ghData(fmt.Sprintf("%s: %s%s", f.Address, f.Message, unknownTag(f))))
	}
	for _, cmd := range []string{"error", "warning"} {
		if dropped[cmd] > 0 {
			fmt.Fprintf(&b, "::notice title=policygate::%s\n", ghData(fmt.Sprintf("%d more %s findings not annotated (GitHub shows %d per step); see the step summary", dropped[cmd], cmd, MaxAnnotations)))
		}
	}
	s := r.Summary
	fmt.Fprintf(&b, "::notice title=policygate::%s\n", ghData(fmt.Sprintf("%s: %d findings, %d blocking, %d waived, %d unknown", strings.ToUpper(s.Result), s.Findings, s.Blocking, s.Waived, s.Unknown)))
	_, err := io.WriteString(w, b.String())
	return err
}

var securitySeverity = map[string]string{"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}

func sarifLevel(sev string) string {
	switch sev {
	case "CRITICAL", "HIGH":
		return "error"
	case "MEDIUM":
		return "warning"
	}
	return "note"
}

// Fingerprint identifies a finding across runs: rule id and address.
func Fingerprint(f Finding) string {
	sum := sha256.Sum256([]byte(f.RuleID + "\x00" + f.Address))
	return hex.EncodeToString(sum[:16])
}

func (r Report) writeSARIF(w io.Writer) error {
	type obj = map[string]any
	rules := []obj{}
	index := map[string]int{}
	for i, rule := range r.Rules {
		index[rule.ID] = i
		rules = append(rules, obj{
			"id": rule.ID, "name": rule.Package,
			"shortDescription":     obj{"text": rule.Title},
			"fullDescription":      obj{"text": rule.Description},
			"help":                 obj{"text": rule.Remediation},
			"defaultConfiguration": obj{"level": sarifLevel(rule.Severity)},
			"properties": obj{
				"security-severity": securitySeverity[rule.Severity], "severity": rule.Severity,
				"tags": []string{"security", "terraform"}, "related": rule.Related, "resource_types": rule.ResourceTypes,
			},
		})
	}
	results := []obj{}
	for _, f := range r.Findings {
		file, line := f.File, f.Line
		if file == "" {
			file, line = r.Plan.File, 1
		}
		res := obj{
			"ruleId": f.RuleID, "ruleIndex": index[f.RuleID], "level": sarifLevel(f.Severity),
			"message": obj{"text": fmt.Sprintf("%s: %s%s", f.Address, f.Message, unknownTag(f))},
			"locations": []obj{{
				"physicalLocation": obj{"artifactLocation": obj{"uri": file}, "region": obj{"startLine": line}},
				"logicalLocations": []obj{{"fullyQualifiedName": f.Address, "kind": "resource"}},
			}},
			"partialFingerprints": obj{"policygate/v1": Fingerprint(f)},
			"properties":          obj{"security-severity": securitySeverity[f.Severity], "severity": f.Severity, "unknown": f.Unknown, "blocking": f.Blocking},
		}
		if f.Waiver != nil {
			res["suppressions"] = []obj{{"kind": "external", "status": "accepted",
				"justification": fmt.Sprintf("%s (waiver %s, approver %s, expires %s)", f.Waiver.Reason, f.Waiver.ID, f.Waiver.Approver, f.Waiver.Expires)}}
		}
		results = append(results, res)
	}
	doc := obj{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []obj{{
			"tool":    obj{"driver": obj{"name": "policygate", "informationUri": "https://github.com/acme-platform/golden-path", "rules": rules}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
