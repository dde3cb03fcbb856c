package cost

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestDecodeUsageFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     string
		wantErr string // substring; "" = no error
		want    map[string]string
	}{
		{
			name: "numbers_and_egress_map",
			src: "version: 0.1\nresource_usage:\n  google_pubsub_topic.t:\n    monthly_message_data_tb: 0.5\n" +
				"resource_type_default_usage:\n  google_storage_bucket:\n    storage_gb: 10\n    monthly_egress_data_transfer_gb:\n      same_continent: 1\n",
			want: map[string]string{"google_pubsub_topic.t monthly_message_data_tb": "0.5", "type google_storage_bucket storage_gb": "10"},
		},
		{name: "empty_sections", src: "version: 0.1\nresource_usage:\n", want: map[string]string{}},
		{name: "wrong_version", src: "version: 0.2\nresource_usage: {}\n", wantErr: `version "0.2", want "0.1"`},
		{name: "missing_version", src: "resource_usage: {}\n", wantErr: `version "", want "0.1"`},
		{name: "unknown_top_level_key", src: "version: 0.1\nresource_usages: {}\n", wantErr: `:2: unknown key "resource_usages"`},
		{name: "string_value", src: "version: 0.1\nresource_usage:\n  a.b:\n    storage_gb: lots\n", wantErr: `:4: resource_usage.a.b.storage_gb: want a number, got "lots"`},
		{name: "negative_value", src: "version: 0.1\nresource_usage:\n  a.b:\n    storage_gb: -1\n", wantErr: "want a number >= 0"},
		{name: "entry_not_a_mapping", src: "version: 0.1\nresource_usage:\n  a.b: 3\n", wantErr: "resource_usage.a.b must be a mapping"},
		{name: "duplicate_address", src: "version: 0.1\nresource_usage:\n  a.b: {x: 1}\n  a.b: {x: 2}\n", wantErr: "appears twice"},
		{name: "not_yaml", src: "version: [\n", wantErr: "bad usage file"},
		{name: "not_a_mapping", src: "- 1\n", wantErr: "want a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := decodeUsageFile(strings.NewReader(tt.src), "u.yml")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, errBadUsage) {
					t.Fatalf("error = %v, want ErrBadUsage containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for addr, usage := range u.Resources {
				for k, v := range usage {
					got[addr+" "+k] = v.Number.String()
				}
			}
			for typ, usage := range u.TypeDefaults {
				for k, v := range usage {
					if v.Map == nil {
						got["type "+typ+" "+k] = v.Number.String()
					}
				}
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("usage (-got +want):\n%s", diff)
			}
		})
	}
}

func TestUsageFor(t *testing.T) {
	t.Parallel()
	src := `version: 0.1
resource_type_default_usage:
  google_storage_bucket: {storage_gb: 10, monthly_class_a_operations: 5}
resource_usage:
  google_storage_bucket.exact: {storage_gb: 1}
  google_storage_bucket.many[*]: {storage_gb: 2}
`
	u, err := decodeUsageFile(strings.NewReader(src), "u.yml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, address string
		want          map[string]string
	}{
		{name: "address_overrides_type_default_per_key", address: "google_storage_bucket.exact", want: map[string]string{"storage_gb": "1", "monthly_class_a_operations": "5"}},
		{name: "wildcard_index", address: `google_storage_bucket.many["a"]`, want: map[string]string{"storage_gb": "2", "monthly_class_a_operations": "5"}},
		{name: "type_default_only", address: "google_storage_bucket.other", want: map[string]string{"storage_gb": "10", "monthly_class_a_operations": "5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := map[string]string{}
			for k, v := range u.For(tt.address, "google_storage_bucket") {
				got[k] = v.Number.String()
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("usage (-got +want):\n%s", diff)
			}
		})
	}
}

func cloudRunResource(cpuIdle bool, minInstances, memory string) planResource {
	return planResource{Address: "google_cloud_run_v2_service.s", Type: "google_cloud_run_v2_service", Values: map[string]any{
		"template": []any{map[string]any{
			"scaling":    []any{map[string]any{"min_instance_count": json.Number(minInstances)}},
			"containers": []any{map[string]any{"resources": []any{map[string]any{"cpu_idle": cpuIdle, "limits": map[string]any{"cpu": "2", "memory": memory}}}}},
		}},
	}}
}

func usageOf(t *testing.T, addr, body string) *usageFile {
	t.Helper()
	u, err := decodeUsageFile(strings.NewReader("version: 0.1\nresource_usage:\n  "+addr+": "+body+"\n"), "u.yml")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

type line struct{ Component, Quantity, Cost string }

func estimateLines(e *estimate) []line {
	var out []line
	for _, l := range e.Lines {
		q, c := "unknown", "unknown"
		if l.Known {
			q, c = l.Quantity.String(), l.Cost.String()
		}
		out = append(out, line{l.Component + " " + l.Variant, q, c})
	}
	return out
}

// TestCompute checks the quantity formulas (Infracost's) and the prices applied.
func TestCompute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		resource  planResource
		usage     string
		want      []line
		wantTotal string
		unknown   []string
	}{
		{
			name:     "cloud_run_request_based",
			resource: cloudRunResource(true, "0", "1Gi"),
			usage:    "{monthly_requests: 1000000, average_request_duration_ms: 200, concurrent_requests_per_instance: 4}",
			// 1e6 × 0.2 s / 4 = 50,000 s × 2 vCPU, × 1 GiB.
			want: []line{
				{"CPU allocation time request-based", "100000", "2.4"},
				{"Memory allocation time request-based", "50000", "0.125"},
				{"Number of requests request-based", "1000000", "0.4"},
			},
			wantTotal: "2.925",
		},
		{
			name:     "cloud_run_request_based_without_usage_is_unknown",
			resource: cloudRunResource(true, "0", "512Mi"),
			usage:    "{monthly_requests: 10}",
			want: []line{
				{"CPU allocation time request-based", "unknown", "unknown"},
				{"Memory allocation time request-based", "unknown", "unknown"},
				{"Number of requests request-based", "10", "0.000004"},
			},
			wantTotal: "0.000004",
			unknown:   []string{"google_cloud_run_v2_service.s: CPU allocation time", "google_cloud_run_v2_service.s: Memory allocation time"},
		},
		{
			name:     "cloud_run_instance_based_multiplies_min_instances",
			resource: cloudRunResource(false, "2", "512Mi"),
			usage:    "{instance_hrs: 100}",
			// 100 h × 3600 × 2 instances = 720,000 s × 2 vCPU, × 0.5 GiB.
			want: []line{
				{"CPU allocation time instance-based", "1440000", "25.92"},
				{"Memory allocation time instance-based", "360000", "0.72"},
			},
			wantTotal: "26.64",
		},
		{
			name:     "cloud_run_instance_based_defaults_to_730_hours",
			resource: cloudRunResource(false, "1", "512Mi"),
			usage:    "{}",
			want: []line{
				{"CPU allocation time instance-based", "5256000", "94.608"},
				{"Memory allocation time instance-based", "1314000", "2.628"},
			},
			wantTotal: "97.236",
		},
		{
			name:     "kms_operations_per_10k",
			resource: planResource{Address: "google_kms_crypto_key.k", Type: "google_kms_crypto_key"},
			usage:    "{key_versions: 2, monthly_key_operations: 50000}",
			want: []line{
				{"Key versions ", "2", "0.12"},
				{"Operations ", "5", "0.15"},
			},
			wantTotal: "0.27",
		},
		{
			name:     "standard_bucket_with_egress",
			resource: planResource{Address: "google_storage_bucket.b", Type: "google_storage_bucket", Values: map[string]any{"storage_class": "STANDARD"}},
			usage: "{storage_gb: 100, monthly_class_a_operations: 20000, monthly_class_b_operations: 0, monthly_data_retrieval_gb: 0, " +
				"monthly_egress_data_transfer_gb: {same_continent: 10, worldwide: 1, asia: 0, china: 0, australia: 0}}",
			want: []line{
				{"Storage (standard) ", "100", "2.6"},
				{"Object adds, bucket/object list (class A) ", "2", "0.1"},
				{"Object gets, retrieve bucket/object metadata (class B) ", "0", "0"},
				{"Data transfer in same continent ", "10", "0.2"},
				{"Data transfer to worldwide excluding Asia, Australia (first 1TB) ", "1", "0.12"},
				{"Data transfer to Asia excluding China, but including Hong Kong (first 1TB) ", "0", "0"},
				{"Data transfer to China excluding Hong Kong (first 1TB) ", "0", "0"},
				{"Data transfer to Australia (first 1TB) ", "0", "0"},
			},
			wantTotal: "3.02",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := compute([]planResource{tt.resource}, usageOf(t, tt.resource.Address, tt.usage), listPrices)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(estimateLines(e), tt.want); diff != "" {
				t.Errorf("lines (-got +want):\n%s", diff)
			}
			if got := e.Total.String(); got != tt.wantTotal {
				t.Errorf("total = %s, want %s", got, tt.wantTotal)
			}
			if diff := cmp.Diff(e.Unknown, tt.unknown); diff != "" {
				t.Errorf("unknown (-got +want):\n%s", diff)
			}
		})
	}
}

func TestComputeFreeAndUnmodeled(t *testing.T) {
	t.Parallel()
	rs := []planResource{
		{Address: "google_service_account.a", Type: "google_service_account"},
		{Address: "google_pubsub_topic_iam_member.m", Type: "google_pubsub_topic_iam_member"},
		{Address: "google_monitoring_alert_policy.p", Type: "google_monitoring_alert_policy"},
		{Address: "google_cloud_scheduler_job.j", Type: "google_cloud_scheduler_job"},
	}
	e, err := compute(rs, usageOf(t, "x.y", "{}"), listPrices)
	if err != nil {
		t.Fatal(err)
	}
	if e.Free != 3 || !e.Total.IsZero() {
		t.Errorf("free = %d, total = %s; want 3 and 0", e.Free, e.Total)
	}
	if diff := cmp.Diff(e.Unmodeled, []string{"google_cloud_scheduler_job.j"}); diff != "" {
		t.Errorf("unmodeled (-got +want):\n%s", diff)
	}
}

func TestComputeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resource planResource
		usage    string
		prices   []price
		wantErr  string
	}{
		{name: "missing_price", resource: planResource{Address: "google_pubsub_topic.t", Type: "google_pubsub_topic"}, usage: "{monthly_message_data_tb: 1}",
			prices: []price{}, wantErr: `no price for google_pubsub_topic "Message ingestion data"`},
		{name: "zero_concurrency", resource: cloudRunResource(true, "0", "512Mi"), usage: "{monthly_requests: 1, average_request_duration_ms: 1, concurrent_requests_per_instance: 0}",
			prices: listPrices, wantErr: "concurrent_requests_per_instance must be > 0"},
		{name: "bad_memory", resource: cloudRunResource(true, "0", "lots"), usage: "{}", prices: listPrices, wantErr: `memory limit "lots"`},
		{name: "coldline_bucket", resource: planResource{Address: "google_storage_bucket.b", Type: "google_storage_bucket", Values: map[string]any{"storage_class": "COLDLINE"}},
			usage: "{storage_gb: 1}", prices: listPrices, wantErr: "storage class COLDLINE"},
		{name: "egress_beyond_first_tier", resource: planResource{Address: "google_storage_bucket.b", Type: "google_storage_bucket"},
			usage: "{monthly_egress_data_transfer_gb: {worldwide: 2000}}", prices: listPrices, wantErr: "first-TB tier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := compute([]planResource{tt.resource}, usageOf(t, tt.resource.Address, tt.usage), tt.prices)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestListPricesMatchFixtures checks that each price taken from a synthetic fixture is the price
// that fixture carries for the component (same type, name and unit), so the model multiplies by
// the prices of the fixtures (whose README documents them) and not by numbers typed in twice.
func TestListPricesMatchFixtures(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "synthetic")
	type comp struct{ Type, Name, Unit, Price string }
	found := map[string]map[comp]bool{}
	var walk func(file, typ string, r map[string]any)
	walk = func(file, typ string, r map[string]any) {
		if rt, ok := r["resourceType"].(string); ok {
			typ = rt
		}
		cs, _ := r["costComponents"].([]any)
		for _, c := range cs {
			m := c.(map[string]any)
			price, _ := decimal.NewFromString(m["price"].(string))
			found[file][comp{typ, m["name"].(string), m["unit"].(string), price.String()}] = true
		}
		subs, _ := r["subresources"].([]any)
		for _, s := range subs {
			walk(file, typ, s.(map[string]any))
		}
	}
	for _, p := range listPrices {
		if !strings.HasSuffix(p.Source, ".json") {
			continue
		}
		if _, ok := found[p.Source]; !ok {
			src, err := os.ReadFile(filepath.Join(dir, p.Source))
			if err != nil {
				t.Fatalf("price source: %v", err)
			}
			var doc struct {
				Projects []struct {
					Breakdown struct{ Resources []map[string]any } `json:"breakdown"`
				} `json:"projects"`
			}
			if err := json.Unmarshal(src, &doc); err != nil {
				t.Fatalf("%s: %v", p.Source, err)
			}
			found[p.Source] = map[comp]bool{}
			for _, pr := range doc.Projects {
				for _, r := range pr.Breakdown.Resources {
					walk(p.Source, "", r)
				}
			}
		}
		if c := (comp{p.Type, p.Component, p.Unit, p.USD.String()}); !found[p.Source][c] {
			t.Errorf("%s %q (%s): %s %s per %s is not in %s", p.Type, p.Component, p.Variant, p.USD, "USD", p.Unit, p.Source)
		}
	}
}
