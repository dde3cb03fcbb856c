package cost

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// services names the Google Cloud service of each priced type, for the summary table.
var services = map[string]string{
	"google_cloud_run_v2_service":          "Cloud Run",
	"google_pubsub_topic":                  "Pub/Sub",
	"google_pubsub_subscription":           "Pub/Sub",
	"google_bigquery_dataset":              "BigQuery",
	"google_bigquery_table":                "BigQuery",
	"google_storage_bucket":                "Cloud Storage",
	"google_kms_crypto_key":                "Cloud KMS",
	"google_secret_manager_secret":         "Secret Manager",
	"google_secret_manager_secret_version": "Secret Manager",
}

// serviceOrder is the order of the summary table: the data path, then the key and the secrets.
var serviceOrder = []string{"Cloud Run", "Pub/Sub", "BigQuery", "Cloud Storage", "Cloud KMS", "Secret Manager"}

// ByService sums the known costs per Google Cloud service, for the services that have lines.
func (e *estimate) ByService() (names []string, totals map[string]decimal.Decimal) {
	totals = map[string]decimal.Decimal{}
	for _, l := range e.Lines {
		totals[services[l.Type]] = totals[services[l.Type]].Add(l.Cost)
	}
	for _, s := range serviceOrder {
		if _, ok := totals[s]; ok {
			names = append(names, s)
		}
	}
	return names, totals
}

// Markdown renders the estimate as two tables: per service, then per component with its formula.
func (e *estimate) Markdown() string {
	var b strings.Builder
	names, totals := e.ByService()
	b.WriteString("| Service | Monthly cost (USD) | Share |\n|---|---:|---:|\n")
	for _, n := range names {
		share := "–"
		if e.Total.IsPositive() {
			share = totals[n].Div(e.Total).Mul(decimal.NewFromInt(100)).StringFixed(1) + " %"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", n, totals[n].StringFixed(2), share)
	}
	fmt.Fprintf(&b, "| **Total** | **%s** | |\n\n", e.Total.StringFixed(2))

	b.WriteString("| Resource | Component | Quantity | Unit | Price (USD) | Cost (USD) | Quantity from the usage file |\n")
	b.WriteString("|---|---|---:|---|---:|---:|---|\n")
	for _, l := range e.Lines {
		component := l.Component
		if l.Variant != "" {
			component += " (" + l.Variant + ")"
		}
		qty, cost := "unknown", "unknown"
		if l.Known {
			qty, cost = quantity(l.Quantity), l.Cost.StringFixed(4)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", l.Address, component, qty, l.Unit, l.Price.String(), cost, l.Formula)
	}
	fmt.Fprintf(&b, "| **Total** | | | | | **%s** | |\n", e.Total.StringFixed(2))
	if len(e.Unknown) > 0 {
		fmt.Fprintf(&b, "\nUnknown (no usage): %s.\n", strings.Join(e.Unknown, "; "))
	}
	if len(e.Unmodeled) > 0 {
		fmt.Fprintf(&b, "\nNot estimated (no formula in the model): %s.\n", strings.Join(e.Unmodeled, ", "))
	}
	return b.String()
}

// quantity shows a quantity with at most 7 decimals and thousands separators.
func quantity(d decimal.Decimal) string { return group(d.Round(7).String()) }

// Report returns the estimate as an Infracost breakdown of a new stack (one project, baseline $0:
// what `infracost breakdown` of a first plan reports) so that the cost gate can be evaluated on it,
// with a null cost for each unknown line.
func (e *estimate) Report(name, path string) *Report {
	var resources []resource
	index := map[string]int{}
	for _, l := range e.Lines {
		i, ok := index[l.Address]
		if !ok {
			i = len(resources)
			index[l.Address] = i
			resources = append(resources, resource{Name: l.Address, ResourceType: l.Type})
		}
		c := component{Name: l.Component, Unit: l.Unit, Price: known(l.Price)}
		if l.Known {
			c.MonthlyQuantity, c.MonthlyCost = known(l.Quantity), known(l.Cost)
		}
		resources[i].CostComponents = append(resources[i].CostComponents, c)
	}
	total := known(e.Total)
	zero := known(decimal.Zero)
	bd := &breakdown{Resources: resources, TotalMonthlyCost: total}
	past := &breakdown{TotalMonthlyCost: zero}
	return &Report{
		Version:              supportedVersion,
		Currency:             "USD",
		Projects:             []project{{Name: name, Metadata: projectMetadata{Path: path}, PastBreakdown: past, Breakdown: bd}},
		TotalMonthlyCost:     total,
		PastTotalMonthlyCost: zero,
		DiffTotalMonthlyCost: total,
		Summary:              summary{TotalDetectedResources: len(resources) + e.Free, TotalSupportedResources: len(resources), TotalNoPriceResources: e.Free},
		Source:               []string{"costmodel"},
	}
}
