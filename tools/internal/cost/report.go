package cost

// This file decodes Infracost JSON output (format version 0.2, as written by `infracost
// breakdown|diff --format json`) and merges several files by projects[]. Decoding is lenient about
// missing and unknown fields (older CLIs omit displayName, priceNotFound, pastBreakdown …) but never
// guesses: null money stays unknown, a project with metadata.errors is unknown rather than $0, and a
// malformed amount or a missing currency is an error. costs.go derives the figures a gate reads.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/shopspring/decimal"
)

// SupportedVersion is the Infracost JSON format version this package understands.
const SupportedVersion = "0.2"

// maxInputBytes bounds one Infracost file; real outputs are kilobytes to a few megabytes.
const maxInputBytes = 64 << 20

// Money is a decimal amount that may be unknown (JSON null or absent). The zero value is unknown.
type Money struct {
	Value decimal.Decimal
	Valid bool
}

// Known returns a known amount.
func Known(d decimal.Decimal) Money { return Money{Value: d, Valid: true} }

// maxExponent bounds decimal exponents so that a hostile "1e999999999" cannot exhaust memory.
const maxExponent = 60

// UnmarshalJSON accepts a JSON string holding a decimal ("1.23"), a JSON number, or null.
func (m *Money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*m = Money{}
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode amount: %w", err)
		}
	}
	if len(s) > 100 {
		return fmt.Errorf("amount %.20q… is too long", s)
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil || s == "" {
		return fmt.Errorf("amount %q is not a decimal number", s)
	}
	if e := d.Exponent(); e > maxExponent || e < -maxExponent {
		return fmt.Errorf("amount %q is out of range", s)
	}
	*m = Money{Value: d, Valid: true}
	return nil
}

// MarshalJSON writes a decimal string, or null when unknown.
func (m Money) MarshalJSON() ([]byte, error) {
	if !m.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(m.Value.String())
}

// Report is the root of an Infracost JSON file, keeping the fields the gate reads.
type Report struct {
	Version              string    `json:"version"`
	Currency             string    `json:"currency"`
	Metadata             Metadata  `json:"metadata"`
	Projects             []Project `json:"projects"`
	TotalMonthlyCost     Money     `json:"totalMonthlyCost"`
	PastTotalMonthlyCost Money     `json:"pastTotalMonthlyCost"`
	DiffTotalMonthlyCost Money     `json:"diffTotalMonthlyCost"`
	Summary              Summary   `json:"summary"`

	// Source names the file(s) the report was read from (not part of the JSON).
	Source []string `json:"-"`
	// Raw is the file decoded generically (numbers kept as json.Number), used as Rego input.
	Raw map[string]any `json:"-"`
}

// Metadata is the run metadata at the root of a report.
type Metadata struct {
	InfracostCommand  string `json:"infracostCommand"`
	VCSBranch         string `json:"vcsBranch"`
	VCSCommitSHA      string `json:"vcsCommitSha"`
	VCSPullRequestURL string `json:"vcsPullRequestUrl"`
	UsageAPIEnabled   bool   `json:"usageApiEnabled"`
	UsageFilePath     string `json:"usageFilePath"`
}

// Project is one Terraform project (a directory, plan file or workspace).
type Project struct {
	Name          string          `json:"name"`
	DisplayName   string          `json:"displayName"`
	Metadata      ProjectMetadata `json:"metadata"`
	PastBreakdown *Breakdown      `json:"pastBreakdown"`
	Breakdown     *Breakdown      `json:"breakdown"`
	Diff          *Breakdown      `json:"diff"`
	Summary       Summary         `json:"summary"`
}

// ProjectMetadata describes where a project came from and whether Infracost could evaluate it.
type ProjectMetadata struct {
	Path               string         `json:"path"`
	Type               string         `json:"type"`
	TerraformWorkspace string         `json:"terraformWorkspace"`
	VCSSubPath         string         `json:"vcsSubPath"`
	Errors             []ProjectError `json:"errors"`
}

// ProjectError is an entry of metadata.errors; any entry makes the project's cost unknown.
type ProjectError struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
}

// Breakdown is a set of priced resources with its totals.
type Breakdown struct {
	Resources             []Resource `json:"resources"`
	FreeResources         []Resource `json:"freeResources"`
	TotalMonthlyCost      Money      `json:"totalMonthlyCost"`
	TotalMonthlyUsageCost Money      `json:"totalMonthlyUsageCost"`
}

// Resource is a priced Terraform resource (or a subresource such as a disk of an instance).
type Resource struct {
	Name           string      `json:"name"`
	ResourceType   string      `json:"resourceType"`
	MonthlyCost    Money       `json:"monthlyCost"`
	CostComponents []Component `json:"costComponents"`
	Subresources   []Resource  `json:"subresources"`
}

// Component is one priced line of a resource. MonthlyCost null means "depends on usage, none given".
type Component struct {
	Name            string `json:"name"`
	Unit            string `json:"unit"`
	MonthlyQuantity Money  `json:"monthlyQuantity"`
	Price           Money  `json:"price"`
	MonthlyCost     Money  `json:"monthlyCost"`
	UsageBased      bool   `json:"usageBased"`
	PriceNotFound   bool   `json:"priceNotFound"`
}

// Summary holds resource counts; unsupported types are absent from resources[] and only counted here.
type Summary struct {
	TotalDetectedResources    int            `json:"totalDetectedResources"`
	TotalSupportedResources   int            `json:"totalSupportedResources"`
	TotalUnsupportedResources int            `json:"totalUnsupportedResources"`
	TotalNoPriceResources     int            `json:"totalNoPriceResources"`
	UnsupportedResourceCounts map[string]int `json:"unsupportedResourceCounts"`
	NoPriceResourceCounts     map[string]int `json:"noPriceResourceCounts"`
}

// ErrBadInput marks input that cannot be decoded or violates the contract.
var ErrBadInput = errors.New("bad infracost input")

// DecodeReport reads one Infracost JSON file. name is used in error messages only.
func DecodeReport(rd io.Reader, name string) (*Report, error) {
	b, err := io.ReadAll(io.LimitReader(rd, maxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxInputBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadInput, name, maxInputBytes)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: decode %s: %s", ErrBadInput, name, describeJSONError(err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&r.Raw); err != nil {
		return nil, fmt.Errorf("%w: decode %s: %s", ErrBadInput, name, describeJSONError(err))
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadInput, name, err)
	}
	r.Source = []string{name}
	return &r, nil
}

func (r *Report) validate() error {
	if r.Version == "" {
		return errors.New(`missing "version" (is this an Infracost --format json file?)`)
	}
	if r.Version != SupportedVersion {
		return fmt.Errorf("unsupported format version %q (want %q)", r.Version, SupportedVersion)
	}
	if r.Currency == "" {
		return errors.New(`missing "currency"; refusing to guess it`)
	}
	if r.Raw["projects"] == nil {
		return errors.New(`missing "projects"`)
	}
	for i, p := range r.Projects {
		if p.Name == "" && p.Metadata.Path == "" {
			return fmt.Errorf("project %d has neither a name nor a metadata.path", i)
		}
		if p.Breakdown == nil && len(p.Metadata.Errors) == 0 {
			return fmt.Errorf("project %q has no breakdown and no errors", p.Label())
		}
	}
	return nil
}

func describeJSONError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q: expected %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	return err.Error()
}

// Label is the name shown for a project: its name, else its path.
func (p Project) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Metadata.Path
}

// Merge combines reports into one, like `infracost output --path a.json --path b.json --format json`:
// projects are concatenated in input order. All reports must share version and currency.
func Merge(reports ...*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("%w: no infracost files", ErrBadInput)
	}
	first := reports[0]
	out := &Report{
		Version:  first.Version,
		Currency: first.Currency,
		Metadata: first.Metadata,
	}
	rawProjects := []any{}
	for _, r := range reports {
		if r.Currency != first.Currency {
			return nil, fmt.Errorf("%w: currency %s in %s differs from %s in %s",
				ErrBadInput, r.Currency, strings.Join(r.Source, ","), first.Currency, strings.Join(first.Source, ","))
		}
		out.Projects = append(out.Projects, r.Projects...)
		out.Source = append(out.Source, r.Source...)
		if ps, ok := r.Raw["projects"].([]any); ok {
			rawProjects = append(rawProjects, ps...)
		}
	}
	out.Raw = map[string]any{}
	for k, v := range first.Raw {
		out.Raw[k] = v
	}
	out.Raw["projects"] = rawProjects
	return out, nil
}
