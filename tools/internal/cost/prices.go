package cost

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// price is the list price of one component of a resource type, in USD per Unit.
type price struct {
	Type      string
	Component string // Infracost's component name
	// Variant tells prices of the same component apart (Cloud Run "request-based" and
	// "instance-based" billing); empty when there is one price.
	Variant string
	Unit    string
	USD     decimal.Decimal
	// Source is where the price comes from: a file name under testdata/synthetic (whose
	// README documents the prices; a test checks the price is there) or a description.
	Source string
}

// Billing variants of Cloud Run.
const (
	requestBased  = "request-based"
	instanceBased = "instance-based"
)

// syntheticREADME is the document the synthetic-fixture prices come from.
const syntheticREADME = "tools/internal/cost/testdata/synthetic/README.md"

func usd(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// listPrices are the prices of the synthetic Infracost fixtures (Cloud Run tier 1, Pub/Sub and
// BigQuery as Infracost prices them, GCS standard), plus the few the fixtures lack.
var listPrices = []price{
	{Type: "google_cloud_run_v2_service", Component: "CPU allocation time", Variant: requestBased, Unit: "vCPU-seconds", USD: usd("0.000024"), Source: "gcp_base.json"},
	{Type: "google_cloud_run_v2_service", Component: "Memory allocation time", Variant: requestBased, Unit: "GiB-seconds", USD: usd("0.0000025"), Source: "gcp_base.json"},
	{Type: "google_cloud_run_v2_service", Component: "Number of requests", Variant: requestBased, Unit: "requests", USD: usd("0.0000004"), Source: "gcp_base.json"},
	{Type: "google_cloud_run_v2_service", Component: "CPU allocation time", Variant: instanceBased, Unit: "vCPU-seconds", USD: usd("0.000018"), Source: "gcp_pr_over_budget.json"},
	{Type: "google_cloud_run_v2_service", Component: "Memory allocation time", Variant: instanceBased, Unit: "GiB-seconds", USD: usd("0.000002"), Source: "gcp_pr_over_budget.json"},
	{Type: "google_pubsub_topic", Component: "Message ingestion data", Unit: "TiB", USD: usd("40"), Source: "gcp_base.json"},
	{Type: "google_pubsub_subscription", Component: "Message delivery data", Unit: "TiB", USD: usd("40"), Source: "gcp_base.json"},
	{Type: "google_pubsub_subscription", Component: "Retained acknowledged message storage", Unit: "GiB", USD: usd("0.27"), Source: "gcp_base.json"},
	{Type: "google_pubsub_subscription", Component: "Snapshot message backlog storage", Unit: "GiB", USD: usd("0.27"), Source: "gcp_base.json"},
	{Type: "google_bigquery_dataset", Component: "Queries (on-demand)", Unit: "TB", USD: usd("6.25"), Source: "gcp_base.json"},
	{Type: "google_bigquery_table", Component: "Active storage", Unit: "GB", USD: usd("0.023"), Source: "gcp_base.json"},
	{Type: "google_bigquery_table", Component: "Long-term storage", Unit: "GB", USD: usd("0.016"), Source: "gcp_base.json"},
	{Type: "google_bigquery_table", Component: "Streaming inserts", Unit: "MB", USD: usd("0.00005"), Source: "gcp_base.json"},
	{Type: "google_bigquery_table", Component: "Storage write API", Unit: "GB", USD: usd("0.025"), Source: "gcp_base.json"},
	{Type: "google_bigquery_table", Component: "Storage read API", Unit: "TB", USD: usd("1.1"), Source: "gcp_base.json"},
	{Type: "google_storage_bucket", Component: "Storage (standard)", Unit: "GiB", USD: usd("0.026"), Source: "gcp_base.json"},
	{Type: "google_storage_bucket", Component: "Object adds, bucket/object list (class A)", Unit: "10k operations", USD: usd("0.05"), Source: "gcp_base.json"},
	{Type: "google_storage_bucket", Component: "Object gets, retrieve bucket/object metadata (class B)", Unit: "10k operations", USD: usd("0.004"), Source: "gcp_base.json"},
	{Type: "google_storage_bucket", Component: "Data transfer in same continent", Unit: "GB", USD: usd("0.02"), Source: "gcp_base.json"},
	{Type: "google_storage_bucket", Component: "Data transfer to worldwide excluding Asia, Australia (first 1TB)", Unit: "GB", USD: usd("0.12"), Source: "upstream storage_bucket_test.golden"},
	{Type: "google_storage_bucket", Component: "Data transfer to Asia excluding China, but including Hong Kong (first 1TB)", Unit: "GB", USD: usd("0.12"), Source: "upstream storage_bucket_test.golden"},
	{Type: "google_storage_bucket", Component: "Data transfer to China excluding Hong Kong (first 1TB)", Unit: "GB", USD: usd("0.23"), Source: "upstream storage_bucket_test.golden"},
	{Type: "google_storage_bucket", Component: "Data transfer to Australia (first 1TB)", Unit: "GB", USD: usd("0.19"), Source: "upstream storage_bucket_test.golden"},
	{Type: "google_kms_crypto_key", Component: "Key versions", Unit: "months", USD: usd("0.06"), Source: "Cloud KMS list price, software symmetric key (not in the fixtures)"},
	{Type: "google_kms_crypto_key", Component: "Operations", Unit: "10k operations", USD: usd("0.03"), Source: "Cloud KMS list price, software symmetric key (not in the fixtures)"},
	{Type: "google_secret_manager_secret", Component: "Active secret versions", Unit: "months", USD: usd("0.06"), Source: "Secret Manager list price, per version and replica location (not in the fixtures)"},
	{Type: "google_secret_manager_secret", Component: "Access operations", Unit: "10k operations", USD: usd("0.03"), Source: "Secret Manager list price (not in the fixtures)"},
	{Type: "google_secret_manager_secret", Component: "Rotation notifications", Unit: "rotations", USD: usd("0.05"), Source: "Secret Manager list price (not in the fixtures)"},
	{Type: "google_secret_manager_secret_version", Component: "Access operations", Unit: "10k operations", USD: usd("0.03"), Source: "Secret Manager list price (not in the fixtures)"},
}

// priceOf finds a price; a component without one is an error, never $0.
func priceOf(prices []price, typ, component, variant string) (price, error) {
	for _, p := range prices {
		if p.Type == typ && p.Component == component && p.Variant == variant {
			return p, nil
		}
	}
	if variant != "" {
		return price{}, fmt.Errorf("no price for %s %q (%s)", typ, component, variant)
	}
	return price{}, fmt.Errorf("no price for %s %q", typ, component)
}
