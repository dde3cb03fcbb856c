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

// supportedVersion is the Infracost JSON format version this package understands.
const supportedVersion = "0.2"

// maxInputBytes bounds one Infracost file; real outputs are kilobytes to a few megabytes.
const maxInputBytes = 64 << 20

// money is a decimal amount that may be unknown (JSON null or absent). The zero value is unknown.
type money struct {
	Value decimal.Decimal
	Valid bool
}

// known returns a known amount.
func known(d decimal.Decimal) money { return money{Value: d, Valid: true} }

// maxExponent bounds decimal exponents so that a hostile "1e999999999" cannot exhaust memory.
const maxExponent = 60

// UnmarshalJSON accepts a JSON string holding a decimal ("1.23"), a JSON number, or null.
func (m *money) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*m = money{}
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
	*m = money{Value: d, Valid: true}
	return nil
}

// MarshalJSON writes a decimal string, or null when unknown.
func (m money) MarshalJSON() ([]byte, error) {
	if !m.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(m.Value.String())
}

// Report is the root of an Infracost JSON file, keeping the fields the gate reads.
type Report struct {
	Version              string    `json:"version"`
	Currency             string    `json:"currency"`
	Metadata             metadata  `json:"metadata"`
	Projects             []project `json:"projects"`
	TotalMonthlyCost     money     `json:"totalMonthlyCost"`
	PastTotalMonthlyCost money     `json:"pastTotalMonthlyCost"`
	DiffTotalMonthlyCost money     `json:"diffTotalMonthlyCost"`
	Summary              summary   `json:"summary"`

	// Source names the file(s) the report was read from (not part of the JSON).
	Source []string `json:"-"`
	// Raw is the file decoded generically (numbers kept as json.Number), used as Rego input.
	Raw map[string]any `json:"-"`
}

// metadata is the run metadata at the root of a report.
type metadata struct {
	InfracostCommand  string `json:"infracostCommand"`
	VCSBranch         string `json:"vcsBranch"`
	VCSCommitSHA      string `json:"vcsCommitSha"`
	VCSPullRequestURL string `json:"vcsPullRequestUrl"`
	UsageAPIEnabled   bool   `json:"usageApiEnabled"`
	UsageFilePath     string `json:"usageFilePath"`
}

// project is one Terraform project (a directory, plan file or workspace).
type project struct {
	Name          string          `json:"name"`
	DisplayName   string          `json:"displayName"`
	Metadata      projectMetadata `json:"metadata"`
	PastBreakdown *breakdown      `json:"pastBreakdown"`
	Breakdown     *breakdown      `json:"breakdown"`
	Diff          *breakdown      `json:"diff"`
	Summary       summary         `json:"summary"`
}

// projectMetadata describes where a project came from and whether Infracost could evaluate it.
type projectMetadata struct {
	Path               string         `json:"path"`
	Type               string         `json:"type"`
	TerraformWorkspace string         `json:"terraformWorkspace"`
	VCSSubPath         string         `json:"vcsSubPath"`
	Errors             []projectError `json:"errors"`
}

// projectError is an entry of metadata.errors; any entry makes the project's cost unknown.
type projectError struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
}

// breakdown is a set of priced resources with its totals.
type breakdown struct {
	Resources             []resource `json:"resources"`
	FreeResources         []resource `json:"freeResources"`
	TotalMonthlyCost      money      `json:"totalMonthlyCost"`
	TotalMonthlyUsageCost money      `json:"totalMonthlyUsageCost"`
}

// resource is a priced Terraform resource (or a subresource such as a disk of an instance).
type resource struct {
	Name           string      `json:"name"`
	ResourceType   string      `json:"resourceType"`
	MonthlyCost    money       `json:"monthlyCost"`
	CostComponents []component `json:"costComponents"`
	Subresources   []resource  `json:"subresources"`
}

// component is one priced line of a resource. MonthlyCost null means "depends on usage, none given".
type component struct {
	Name            string `json:"name"`
	Unit            string `json:"unit"`
	MonthlyQuantity money  `json:"monthlyQuantity"`
	Price           money  `json:"price"`
	MonthlyCost     money  `json:"monthlyCost"`
	UsageBased      bool   `json:"usageBased"`
	PriceNotFound   bool   `json:"priceNotFound"`
}

// summary holds resource counts; unsupported types are absent from resources[] and only counted here.
type summary struct {
	TotalDetectedResources    int            `json:"totalDetectedResources"`
	TotalSupportedResources   int            `json:"totalSupportedResources"`
	TotalUnsupportedResources int            `json:"totalUnsupportedResources"`
	TotalNoPriceResources     int            `json:"totalNoPriceResources"`
	UnsupportedResourceCounts map[string]int `json:"unsupportedResourceCounts"`
	NoPriceResourceCounts     map[string]int `json:"noPriceResourceCounts"`
}

// errBadInput marks input that cannot be decoded or violates the contract.
var errBadInput = errors.New("bad infracost input")

// DecodeReport reads one Infracost JSON file. name is used in error messages only.
func DecodeReport(rd io.Reader, name string) (*Report, error) {
	b, err := io.ReadAll(io.LimitReader(rd, maxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > maxInputBytes {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", errBadInput, name, maxInputBytes)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: decode %s: %s", errBadInput, name, describeJSONError(err))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&r.Raw); err != nil {
		return nil, fmt.Errorf("%w: decode %s: %s", errBadInput, name, describeJSONError(err))
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errBadInput, name, err)
	}
	r.Source = []string{name}
	return &r, nil
}

func (r *Report) validate() error {
	if r.Version == "" {
		return errors.New(`missing "version" (is this an Infracost --format json file?)`)
	}
	if r.Version != supportedVersion {
		return fmt.Errorf("unsupported format version %q (want %q)", r.Version, supportedVersion)
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
func (p project) Label() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Metadata.Path
}

// Merge combines reports into one, like `infracost output --path a.json --path b.json --format json`:
// projects are concatenated in input order. All reports must share version and currency.
func Merge(reports ...*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("%w: no infracost files", errBadInput)
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
				errBadInput, r.Currency, strings.Join(r.Source, ","), first.Currency, strings.Join(first.Source, ","))
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
