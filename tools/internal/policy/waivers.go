package policy

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MaxWaiverHorizon is how far ahead a waiver may expire.
const MaxWaiverHorizon = 90 * 24 * time.Hour

// Waiver is one reviewed exception from policy-waivers.yaml. Address is an
// exact resource address or a glob: `*` matches within one address segment
// (no dot), `**` matches anything, e.g. module.exports[*].google_storage_bucket.this
// or module.legacy.**.
type Waiver struct {
	ID       string `yaml:"id" json:"id"`
	Rule     string `yaml:"rule" json:"rule"`
	Address  string `yaml:"address" json:"address"`
	Reason   string `yaml:"reason" json:"reason"`
	Approver string `yaml:"approver" json:"approver"`
	Expires  string `yaml:"expires" json:"expires"`
	Ticket   string `yaml:"ticket,omitempty" json:"ticket,omitempty"`

	expires time.Time // end of the expiry day, UTC
	pattern *regexp.Regexp
}

// WaiverRef is the waiver a finding is waived by.
type WaiverRef struct {
	ID       string `json:"id"`
	Reason   string `json:"reason"`
	Approver string `json:"approver"`
	Expires  string `json:"expires"`
	Ticket   string `json:"ticket,omitempty"`
}

// IsGlob reports whether the waiver's address is a pattern.
func (w Waiver) IsGlob() bool { return strings.Contains(w.Address, "*") }

func (w Waiver) matches(address string) bool {
	if !w.IsGlob() {
		return w.Address == address
	}
	return w.pattern.MatchString(address)
}

// LoadWaivers reads and validates a waiver file. Any malformed entry fails
// the whole file: missing fields, a bad date, an expiry more than 90 days
// after now, a duplicate id or an unknown key.
func LoadWaivers(r io.Reader, now time.Time) ([]Waiver, error) {
	var doc struct {
		Waivers []Waiver `yaml:"waivers"`
	}
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read waivers: %w", err)
	}
	var errs []error
	seen := map[string]bool{}
	limit := now.UTC().Add(MaxWaiverHorizon)
	for i := range doc.Waivers {
		w := &doc.Waivers[i]
		where := fmt.Sprintf("waiver %d (%s)", i+1, w.ID)
		var missing []string
		for _, f := range []struct{ name, v string }{{"id", w.ID}, {"rule", w.Rule}, {"address", w.Address}, {"reason", w.Reason}, {"approver", w.Approver}, {"expires", w.Expires}} {
			if strings.TrimSpace(f.v) == "" {
				missing = append(missing, f.name)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, fmt.Errorf("%s: missing %s", where, strings.Join(missing, ", ")))
			continue
		}
		if seen[w.ID] {
			errs = append(errs, fmt.Errorf("%s: duplicate id", where))
		}
		seen[w.ID] = true
		day, err := time.Parse(time.DateOnly, w.Expires)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: expires %q is not a YYYY-MM-DD date", where, w.Expires))
			continue
		}
		if day.After(limit) {
			errs = append(errs, fmt.Errorf("%s: expires %s is more than 90 days ahead (at most %s)", where, w.Expires, limit.Format(time.DateOnly)))
		}
		w.expires = day.Add(24*time.Hour - time.Nanosecond)
		w.pattern = globPattern(w.Address)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("read waivers: %w", err)
	}
	return doc.Waivers, nil
}

func globPattern(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch {
		case strings.HasPrefix(glob[i:], "**"):
			b.WriteString(".*")
			i++
		case glob[i] == '*':
			b.WriteString(`[^.]*`)
		default:
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// WaiverStatus lists waivers that did not simply apply.
type WaiverStatus struct {
	// Expired waivers no longer apply; the findings they covered block again.
	Expired []Waiver `json:"expired"`
	// Stale waivers matched no finding.
	Stale []Waiver `json:"stale"`
	// Refused: glob waivers that matched a CRITICAL finding, which only an
	// exact address can waive.
	Refused []Waiver `json:"refused"`
}

// ApplyWaivers marks findings covered by a live waiver as waived (they stay
// in the list) and reports expired, stale and refused waivers. The first
// matching waiver in file order wins.
func ApplyWaivers(findings []Finding, waivers []Waiver, now time.Time) ([]Finding, WaiverStatus) {
	var st WaiverStatus
	used := make([]bool, len(waivers))
	refused := make([]bool, len(waivers))
	out := make([]Finding, len(findings))
	copy(out, findings)
	for i := range out {
		f := &out[i]
		for j, w := range waivers {
			if w.Rule != f.RuleID || !w.matches(f.Address) || now.After(w.expires) {
				continue
			}
			if f.Severity == "CRITICAL" && w.IsGlob() {
				refused[j] = true
				continue
			}
			used[j] = true
			f.Waived = true
			f.Waiver = &WaiverRef{ID: w.ID, Reason: w.Reason, Approver: w.Approver, Expires: w.Expires, Ticket: w.Ticket}
			break
		}
	}
	for j, w := range waivers {
		switch {
		case now.After(w.expires):
			st.Expired = append(st.Expired, w)
		case refused[j] && !used[j]:
			st.Refused = append(st.Refused, w)
		case !used[j]:
			st.Stale = append(st.Stale, w)
		}
	}
	return out, st
}
