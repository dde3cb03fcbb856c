package cost

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/shopspring/decimal"
)

// planResource is a managed resource of a plan with its planned attribute values.
type planResource struct {
	Address, Type string
	Values        map[string]any
}

// decodePlanResources returns the managed resources of a `terraform show -json` plan's planned values,
// sorted by address.
func decodePlanResources(src []byte) ([]planResource, error) {
	var plan tfjson.Plan
	plan.UseJSONNumber(true) // exact numbers, as decimals
	if err := json.Unmarshal(src, &plan); err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	if err := plan.Validate(); err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	if plan.PlannedValues == nil || plan.PlannedValues.RootModule == nil {
		return nil, fmt.Errorf("decode plan: no planned_values.root_module")
	}
	var out []planResource
	var walk func(m *tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		for _, r := range m.Resources {
			if r.Mode == tfjson.ManagedResourceMode {
				out = append(out, planResource{Address: r.Address, Type: r.Type, Values: r.AttributeValues})
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(plan.PlannedValues.RootModule)
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out, nil
}

// usageSchema lists, per resource type the model prices, every usage key Infracost reads.
var usageSchema = map[string][]string{
	"google_cloud_run_v2_service": {"average_request_duration_ms", "concurrent_requests_per_instance", "instance_hrs", "monthly_requests"},
	"google_pubsub_topic":         {"monthly_message_data_tb"},
	"google_pubsub_subscription":  {"monthly_message_data_tb", "snapshot_storage_gb", "storage_gb"},
	"google_bigquery_dataset":     {"monthly_queries_tb"},
	"google_bigquery_table": {"monthly_active_storage_gb", "monthly_long_term_storage_gb", "monthly_storage_read_api_tb",
		"monthly_storage_write_api_gb", "monthly_streaming_inserts_mb"},
	"google_storage_bucket": {"monthly_class_a_operations", "monthly_class_b_operations", "monthly_data_retrieval_gb",
		"monthly_egress_data_transfer_gb", "storage_gb"},
	"google_kms_crypto_key":                {"key_versions", "monthly_key_operations"},
	"google_secret_manager_secret":         {"active_secret_versions", "monthly_access_operations", "monthly_rotation_notifications"},
	"google_secret_manager_secret_version": {"monthly_access_operations"},
}

// egressRegions are the sub-keys of a bucket's monthly_egress_data_transfer_gb, with their components.
var egressRegions = []struct{ key, component string }{
	{"same_continent", "Data transfer in same continent"},
	{"worldwide", "Data transfer to worldwide excluding Asia, Australia (first 1TB)"},
	{"asia", "Data transfer to Asia excluding China, but including Hong Kong (first 1TB)"},
	{"china", "Data transfer to China excluding Hong Kong (first 1TB)"},
	{"australia", "Data transfer to Australia (first 1TB)"},
}

// usageKeys returns the usage keys that give every component of r a known quantity: the keys a
// usage file must set for r. A Cloud Run service with request-based billing needs the request
// keys, one with instance-based billing instance_hrs (without it Infracost assumes 730 h).
func usageKeys(r planResource) ([]string, error) {
	if r.Type != "google_cloud_run_v2_service" {
		return usageSchema[r.Type], nil
	}
	run, err := cloudRunOf(r)
	if err != nil {
		return nil, err
	}
	if run.throttled {
		return []string{"average_request_duration_ms", "concurrent_requests_per_instance", "monthly_requests"}, nil
	}
	return []string{"instance_hrs"}, nil
}

// estimateLine is one priced component of a resource. Known is false when the usage it depends on is
// missing (Infracost's null cost): Quantity and Cost are then zero and not part of the total.
type estimateLine struct {
	Address, Type, Component, Variant, Unit string
	Quantity, Price, Cost                   decimal.Decimal
	Known                                   bool
	Formula                                 string // how Quantity follows from the usage
}

// estimate is the model's monthly cost of a set of resources.
type estimate struct {
	Lines []estimateLine
	// Total is the sum of the known lines.
	Total decimal.Decimal
	// Unknown lists "address: component" lines whose usage is missing.
	Unknown []string
	// Free counts resources of types that cost nothing (IAM, service accounts, monitoring …).
	Free int
	// Unmodeled lists resources of types the model has no formula for; their cost is not estimated.
	Unmodeled []string
}

// freeTypes cost nothing in Infracost (its list of free GCP resources, those this platform uses).
var freeTypes = regexp.MustCompile(`^google_(.*_iam_(member|binding|policy)|service_account|kms_key_ring|project_service|` +
	`compute_(network|subnetwork|firewall)|storage_bucket_object|` +
	`monitoring_(alert_policy|dashboard|notification_channel|slo|custom_service|uptime_check_config|group))$`)

// compute prices every resource with its usage from u.
func compute(resources []planResource, u *usageFile, prices []price) (*estimate, error) {
	e := &estimate{Total: decimal.Zero}
	for _, r := range resources {
		var lines []estimateLine
		var err error
		usage := u.For(r.Address, r.Type)
		switch {
		case freeTypes.MatchString(r.Type):
			e.Free++
			continue
		case r.Type == "google_cloud_run_v2_service":
			lines, err = cloudRunLines(r, usage)
		case r.Type == "google_storage_bucket":
			lines, err = bucketLines(r, usage)
		case usageSchema[r.Type] != nil:
			lines = simpleLines(r.Type, usage)
		default:
			e.Unmodeled = append(e.Unmodeled, r.Address)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("estimate %s: %w", r.Address, err)
		}
		for _, l := range lines {
			p, err := priceOf(prices, r.Type, l.Component, l.Variant)
			if err != nil {
				return nil, fmt.Errorf("estimate %s: %w", r.Address, err)
			}
			l.Address, l.Type, l.Unit, l.Price = r.Address, r.Type, p.Unit, p.USD
			if l.Known {
				l.Cost = l.Quantity.Mul(p.USD)
				e.Total = e.Total.Add(l.Cost)
			} else {
				e.Unknown = append(e.Unknown, r.Address+": "+l.Component)
			}
			e.Lines = append(e.Lines, l)
		}
	}
	return e, nil
}

// simple is a component whose quantity is one usage key divided by a unit multiplier.
type simple struct {
	component, key string
	per            int64 // usage units per priced unit (10,000 operations)
}

var simpleComponents = map[string][]simple{
	"google_pubsub_topic": {{"Message ingestion data", "monthly_message_data_tb", 1}},
	"google_pubsub_subscription": {
		{"Message delivery data", "monthly_message_data_tb", 1},
		{"Retained acknowledged message storage", "storage_gb", 1},
		{"Snapshot message backlog storage", "snapshot_storage_gb", 1},
	},
	"google_bigquery_dataset": {{"Queries (on-demand)", "monthly_queries_tb", 1}},
	"google_bigquery_table": {
		{"Active storage", "monthly_active_storage_gb", 1},
		{"Long-term storage", "monthly_long_term_storage_gb", 1},
		{"Streaming inserts", "monthly_streaming_inserts_mb", 1},
		{"Storage write API", "monthly_storage_write_api_gb", 1},
		{"Storage read API", "monthly_storage_read_api_tb", 1},
	},
	"google_kms_crypto_key": {
		{"Key versions", "key_versions", 1},
		{"Operations", "monthly_key_operations", 10000},
	},
	"google_secret_manager_secret": {
		{"Active secret versions", "active_secret_versions", 1},
		{"Access operations", "monthly_access_operations", 10000},
		{"Rotation notifications", "monthly_rotation_notifications", 1},
	},
	"google_secret_manager_secret_version": {
		{"Access operations", "monthly_access_operations", 10000},
	},
}

func simpleLines(typ string, u usage) []estimateLine {
	var out []estimateLine
	for _, c := range simpleComponents[typ] {
		q, ok := u.Num(c.key)
		l := estimateLine{Component: c.component, Known: ok, Formula: c.key}
		if ok {
			l.Quantity = q.Div(decimal.NewFromInt(c.per))
		}
		if c.per != 1 {
			l.Formula = fmt.Sprintf("%s / %d", c.key, c.per)
		}
		out = append(out, l)
	}
	return out
}

type cloudRun struct {
	cpu, memGiB, minInstances decimal.Decimal
	throttled                 bool
}

// cloudRunOf reads what Infracost reads from a google_cloud_run_v2_service: the first container's
// CPU and memory limits (defaults 1 vCPU, 512 MiB), cpu_idle (default true: request-based billing)
// and min_instance_count (default 0.5).
func cloudRunOf(r planResource) (cloudRun, error) {
	run := cloudRun{cpu: decimal.NewFromInt(1), memGiB: decimal.RequireFromString("0.5"), minInstances: decimal.RequireFromString("0.5"), throttled: true}
	tmpl := first(r.Values["template"])
	if res := first(first(tmpl["containers"])["resources"]); res != nil {
		if limits, ok := res["limits"].(map[string]any); ok {
			if s, ok := limits["cpu"].(string); ok {
				d, err := decimal.NewFromString(s)
				if err != nil {
					return run, fmt.Errorf("cpu limit %q: want a number of vCPUs", s)
				}
				run.cpu = d.Truncate(0) // Infracost reads the limit as a whole number
			}
			if s, ok := limits["memory"].(string); ok {
				g, err := gibibytes(s)
				if err != nil {
					return run, err
				}
				run.memGiB = g
			}
		}
		if b, ok := res["cpu_idle"].(bool); ok {
			run.throttled = b
		}
	}
	if n, ok := first(tmpl["scaling"])["min_instance_count"].(json.Number); ok {
		d, err := decimal.NewFromString(n.String())
		if err != nil {
			return run, fmt.Errorf("min_instance_count %q: %w", n, err)
		}
		run.minInstances = d
	}
	return run, nil
}

func first(v any) map[string]any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		m, _ := l[0].(map[string]any)
		return m
	}
	return nil
}

var memoryQuantity = regexp.MustCompile(`^([0-9]+)(Ki|Mi|Gi)?$`)

// gibibytes parses a Kubernetes-style memory quantity such as 512Mi or 1Gi.
func gibibytes(s string) (decimal.Decimal, error) {
	m := memoryQuantity.FindStringSubmatch(s)
	if m == nil {
		return decimal.Zero, fmt.Errorf("memory limit %q: want a quantity such as 512Mi or 1Gi", s)
	}
	n := decimal.RequireFromString(m[1])
	div := map[string]int64{"": 1 << 30, "Ki": 1 << 20, "Mi": 1 << 10, "Gi": 1}[m[2]]
	return n.Div(decimal.NewFromInt(div)), nil
}

// cloudRunLines follows Infracost's google_cloud_run_v2_service: request-based billing prices
// monthly_requests × average_request_duration_ms / 1000 / concurrent_requests_per_instance seconds
// of CPU and memory plus the requests; instance-based billing prices instance_hrs (730 when unset)
// × 3600 × min_instance_count seconds.
func cloudRunLines(r planResource, u usage) ([]estimateLine, error) {
	run, err := cloudRunOf(r)
	if err != nil {
		return nil, err
	}
	if run.throttled {
		req, okReq := u.Num("monthly_requests")
		ms, okMs := u.Num("average_request_duration_ms")
		conc, okConc := u.Num("concurrent_requests_per_instance")
		known := okReq && okMs && okConc
		if known && conc.IsZero() {
			return nil, fmt.Errorf("concurrent_requests_per_instance must be > 0")
		}
		var seconds decimal.Decimal
		if known {
			seconds = req.Mul(ms).Div(decimal.NewFromInt(1000)).Div(conc)
		}
		busy := "monthly_requests × average_request_duration_ms / 1000 / concurrent_requests_per_instance"
		return []estimateLine{
			{Component: "CPU allocation time", Variant: requestBased, Known: known, Quantity: seconds.Mul(run.cpu),
				Formula: busy + " × " + run.cpu.String() + " vCPU"},
			{Component: "Memory allocation time", Variant: requestBased, Known: known, Quantity: seconds.Mul(run.memGiB),
				Formula: busy + " × " + run.memGiB.String() + " GiB"},
			{Component: "Number of requests", Variant: requestBased, Known: okReq, Quantity: req, Formula: "monthly_requests"},
		}, nil
	}
	hrs, ok := u.Num("instance_hrs")
	if !ok || hrs.IsZero() {
		hrs = decimal.NewFromInt(730)
	}
	seconds := hrs.Mul(decimal.NewFromInt(3600)).Mul(run.minInstances)
	busy := "instance_hrs × 3600 × " + run.minInstances.String() + " min instances"
	return []estimateLine{
		{Component: "CPU allocation time", Variant: instanceBased, Known: true, Quantity: seconds.Mul(run.cpu),
			Formula: busy + " × " + run.cpu.String() + " vCPU"},
		{Component: "Memory allocation time", Variant: instanceBased, Known: true, Quantity: seconds.Mul(run.memGiB),
			Formula: busy + " × " + run.memGiB.String() + " GiB"},
	}, nil
}

// bucketLines prices a standard-class bucket (the only class in the price table).
func bucketLines(r planResource, u usage) ([]estimateLine, error) {
	class, _ := r.Values["storage_class"].(string)
	if class != "" && !strings.EqualFold(class, "STANDARD") {
		return nil, fmt.Errorf("storage class %s: the price table has only STANDARD", class)
	}
	lines := []estimateLine{}
	for _, c := range []simple{
		{"Storage (standard)", "storage_gb", 1},
		{"Object adds, bucket/object list (class A)", "monthly_class_a_operations", 10000},
		{"Object gets, retrieve bucket/object metadata (class B)", "monthly_class_b_operations", 10000},
	} {
		q, ok := u.Num(c.key)
		l := estimateLine{Component: c.component, Known: ok, Quantity: q.Div(decimal.NewFromInt(c.per)), Formula: c.key}
		if c.per != 1 {
			l.Formula = fmt.Sprintf("%s / %d", c.key, c.per)
		}
		lines = append(lines, l)
	}
	egress := u["monthly_egress_data_transfer_gb"].Map
	for _, e := range egressRegions {
		q, ok := egress[e.key]
		if ok && q.GreaterThan(decimal.NewFromInt(1024)) {
			return nil, fmt.Errorf("egress %s %s GB: the price table has only the first-TB tier", e.key, q)
		}
		lines = append(lines, estimateLine{Component: e.component, Known: ok, Quantity: q, Formula: "monthly_egress_data_transfer_gb." + e.key})
	}
	return lines, nil
}
