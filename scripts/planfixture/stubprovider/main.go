// Command stubprovider is a schema-only stand-in for the hashicorp/google
// Terraform provider, so that `terraform plan` and `terraform show -json` can
// run offline (the real provider cannot be downloaded here). It declares the
// resource types and attributes the platform's modules use, with the real
// provider's Required/Optional/Computed flags and defaults, so the plan's
// after/after_unknown trees have the real shape for those attributes.
//
// It is not a provider: Create, Update and Delete fail, and attributes the
// modules do not set are only declared where they are computed and matter
// for the plan (id, email, uri …). Never use it to apply. It is wired in with
// a dev_overrides CLI configuration by scripts/plan-fixture.sh. Only with
// STUBPROVIDER_APPLY=1 (tools/pipeline-e2e, which runs the deploy workflow's
// `terraform apply` of the gated plan) do Create and Update succeed: they
// store the plan with every unknown value replaced by a placeholder of its
// type ("stub-<attribute>", 0, false, null), and Delete forgets; nothing is
// created anywhere.
package main

import (
	"context"
	"log"
	"math/big"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/numberdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return &google{} }, providerserver.ServeOpts{
		Address: "registry.terraform.io/hashicorp/google",
	})
	if err != nil {
		log.Fatal(err)
	}
}

type google struct{}

func (*google) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "google"
	resp.Version = "0.0.0-stub"
}

func (*google) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = pschema.Schema{Attributes: map[string]pschema.Attribute{
		"project": pschema.StringAttribute{Optional: true},
		"region":  pschema.StringAttribute{Optional: true},
	}}
}

func (*google) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {}

func (*google) Resources(context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for typ, r := range resources {
		s := schema.Schema{Attributes: attributes(r.attrs), Blocks: blocks(r.blocks)}
		out = append(out, func() resource.Resource { return &stub{typ: typ, schema: s} })
	}
	return out
}

func (*google) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{func() datasource.DataSource { return &project{} }, func() datasource.DataSource { return &secretVersion{} }, func() datasource.DataSource { return &cryptoKeyVersion{} }}
}

// --- a compact description of the real provider's schemas ---------------------

// attr is one attribute: kind s(tring) b(ool) n(umber) ls (list of strings)
// ms (map of strings); flags r(equired) o(ptional) c(omputed) oc; def is the
// provider's default for an optional attribute.
type attr struct {
	name, kind, flags string
	def               any
}

// blk is a nested block (SDKv2 blocks appear as lists in plans).
type blk struct {
	name   string
	attrs  []attr
	blocks []blk
}

type res struct {
	attrs  []attr
	blocks []blk
}

func iamMember(target ...string) res {
	as := []attr{{"id", "s", "c", nil}, {"etag", "s", "c", nil}, {"role", "s", "r", nil}, {"member", "s", "r", nil}}
	for _, t := range target {
		flags := "r"
		if t == "project" || t == "location" {
			flags = "oc"
		}
		as = append(as, attr{t, "s", flags, nil})
	}
	return res{attrs: as}
}

var aggregations = []attr{{"alignment_period", "s", "o", nil}, {"per_series_aligner", "s", "o", nil}, {"cross_series_reducer", "s", "o", nil}, {"group_by_fields", "ls", "o", nil}}

var trigger = blk{"trigger", []attr{{"count", "n", "o", nil}, {"percent", "n", "o", nil}}, nil}

var probe = []attr{{"initial_delay_seconds", "n", "o", 0}, {"timeout_seconds", "n", "o", 1}, {"period_seconds", "n", "o", 10}, {"failure_threshold", "n", "o", 3}}

var probeBlocks = []blk{{"http_get", []attr{{"path", "s", "o", "/"}, {"port", "n", "oc", nil}}, nil}}

var resources = map[string]res{
	"google_pubsub_topic": {
		attrs:  []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"kms_key_name", "s", "o", nil}, {"labels", "ms", "o", nil}, {"message_retention_duration", "s", "o", nil}},
		blocks: []blk{{"message_storage_policy", []attr{{"allowed_persistence_regions", "ls", "r", nil}}, nil}},
	},
	"google_pubsub_subscription": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"topic", "s", "r", nil}, {"labels", "ms", "o", nil}, {"ack_deadline_seconds", "n", "oc", nil}, {"message_retention_duration", "s", "o", "604800s"}, {"retain_acked_messages", "b", "o", nil}, {"enable_message_ordering", "b", "o", nil}, {"enable_exactly_once_delivery", "b", "o", nil}, {"filter", "s", "o", nil}},
		blocks: []blk{
			{"expiration_policy", []attr{{"ttl", "s", "r", nil}}, nil},
			{"dead_letter_policy", []attr{{"dead_letter_topic", "s", "o", nil}, {"max_delivery_attempts", "n", "o", nil}}, nil},
			{"retry_policy", []attr{{"minimum_backoff", "s", "oc", nil}, {"maximum_backoff", "s", "oc", nil}}, nil},
		},
	},
	"google_pubsub_topic_iam_member":        iamMember("project", "topic"),
	"google_pubsub_subscription_iam_member": iamMember("project", "subscription"),
	"google_bigquery_dataset": {
		attrs:  []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"dataset_id", "s", "r", nil}, {"location", "s", "o", "US"}, {"description", "s", "o", nil}, {"labels", "ms", "o", nil}, {"delete_contents_on_destroy", "b", "o", false}, {"default_table_expiration_ms", "n", "o", nil}, {"self_link", "s", "c", nil}, {"etag", "s", "c", nil}, {"creation_time", "n", "c", nil}},
		blocks: []blk{{"default_encryption_configuration", []attr{{"kms_key_name", "s", "r", nil}}, nil}},
	},
	"google_bigquery_table": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"dataset_id", "s", "r", nil}, {"table_id", "s", "r", nil}, {"description", "s", "o", nil}, {"labels", "ms", "o", nil}, {"schema", "s", "oc", nil}, {"deletion_protection", "b", "o", true}, {"require_partition_filter", "b", "o", nil}, {"clustering", "ls", "o", nil}, {"self_link", "s", "c", nil}, {"etag", "s", "c", nil}, {"creation_time", "n", "c", nil}, {"num_rows", "n", "c", nil}, {"type", "s", "c", nil}},
		blocks: []blk{
			{"time_partitioning", []attr{{"type", "s", "r", nil}, {"field", "s", "o", nil}, {"expiration_ms", "n", "oc", nil}}, nil},
			{"encryption_configuration", []attr{{"kms_key_name", "s", "r", nil}, {"kms_key_version", "s", "c", nil}}, nil},
		},
	},
	"google_bigquery_dataset_iam_member": iamMember("project", "dataset_id"),
	"google_bigquery_table_iam_member":   iamMember("project", "dataset_id", "table_id"),
	"google_project_iam_member": {
		attrs:  iamMember("project").attrs,
		blocks: []blk{{"condition", []attr{{"title", "s", "r", nil}, {"description", "s", "o", nil}, {"expression", "s", "r", nil}}, nil}},
	},
	"google_service_account": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"account_id", "s", "r", nil}, {"display_name", "s", "o", nil}, {"description", "s", "o", nil}, {"disabled", "b", "o", false}, {"email", "s", "c", nil}, {"member", "s", "c", nil}, {"name", "s", "c", nil}, {"unique_id", "s", "c", nil}},
	},
	"google_service_account_iam_member": iamMember("service_account_id"),
	"google_cloud_run_v2_service": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"location", "s", "r", nil}, {"description", "s", "o", nil}, {"ingress", "s", "oc", nil}, {"deletion_protection", "b", "o", true}, {"labels", "ms", "o", nil}, {"client", "s", "o", nil}, {"client_version", "s", "o", nil}, {"launch_stage", "s", "oc", nil}, {"uri", "s", "c", nil}, {"uid", "s", "c", nil}, {"etag", "s", "c", nil}, {"generation", "s", "c", nil}, {"latest_ready_revision", "s", "c", nil}, {"latest_created_revision", "s", "c", nil}},
		blocks: []blk{{"binary_authorization", []attr{{"use_default", "b", "o", nil}, {"breakglass_justification", "s", "o", nil}, {"policy", "s", "o", nil}}, nil}, {"template", []attr{{"service_account", "s", "oc", nil}, {"labels", "ms", "o", nil}, {"timeout", "s", "oc", nil}, {"max_instance_request_concurrency", "n", "oc", nil}, {"execution_environment", "s", "o", nil}, {"revision", "s", "o", nil}}, []blk{
			{"volumes", []attr{{"name", "s", "r", nil}}, []blk{{"secret", []attr{{"secret", "s", "r", nil}, {"default_mode", "n", "o", nil}}, []blk{{"items", []attr{{"path", "s", "r", nil}, {"version", "s", "o", nil}, {"mode", "n", "o", nil}}, nil}}}}},
			{"scaling", []attr{{"min_instance_count", "n", "o", nil}, {"max_instance_count", "n", "oc", nil}}, nil},
			{"containers", []attr{{"name", "s", "o", nil}, {"image", "s", "r", nil}, {"args", "ls", "o", nil}, {"command", "ls", "o", nil}, {"working_dir", "s", "o", nil}, {"depends_on", "ls", "o", nil}}, []blk{
				{"volume_mounts", []attr{{"name", "s", "r", nil}, {"mount_path", "s", "r", nil}}, nil},
				{"ports", []attr{{"container_port", "n", "o", nil}, {"name", "s", "oc", nil}}, nil},
				{"resources", []attr{{"limits", "ms", "oc", nil}, {"cpu_idle", "b", "o", nil}, {"startup_cpu_boost", "b", "o", nil}}, nil},
				{"env", []attr{{"name", "s", "r", nil}, {"value", "s", "o", nil}}, []blk{
					{"value_source", nil, []blk{{"secret_key_ref", []attr{{"secret", "s", "r", nil}, {"version", "s", "o", nil}}, nil}}},
				}},
				{"startup_probe", probe, probeBlocks},
				{"liveness_probe", probe, probeBlocks},
			}},
		}}},
	},
	"google_cloud_run_v2_service_iam_member": iamMember("project", "location", "name"),
	"google_monitoring_notification_channel": {
		attrs:  []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"project", "s", "oc", nil}, {"display_name", "s", "o", nil}, {"type", "s", "r", nil}, {"labels", "ms", "o", nil}, {"user_labels", "ms", "o", nil}, {"enabled", "b", "o", true}, {"description", "s", "o", nil}, {"verification_status", "s", "c", nil}},
		blocks: []blk{{"sensitive_labels", []attr{{"auth_token", "s", "os", nil}, {"password", "s", "os", nil}, {"service_key", "s", "os", nil}}, nil}},
	},

	"google_monitoring_alert_policy": {
		attrs: []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"project", "s", "oc", nil}, {"display_name", "s", "r", nil}, {"combiner", "s", "r", nil}, {"enabled", "b", "o", true}, {"severity", "s", "o", nil}, {"notification_channels", "ls", "o", nil}, {"user_labels", "ms", "o", nil}},
		blocks: []blk{
			{"conditions", []attr{{"display_name", "s", "r", nil}, {"name", "s", "c", nil}}, []blk{
				{"condition_threshold", []attr{{"filter", "s", "o", nil}, {"denominator_filter", "s", "o", nil}, {"comparison", "s", "r", nil}, {"threshold_value", "n", "o", nil}, {"duration", "s", "r", nil}}, []blk{
					{"aggregations", aggregations, nil}, {"denominator_aggregations", aggregations, nil}, trigger,
				}},
				{"condition_absent", []attr{{"filter", "s", "o", nil}, {"duration", "s", "r", nil}}, []blk{{"aggregations", aggregations, nil}, trigger}},
				{"condition_prometheus_query_language", []attr{{"query", "s", "r", nil}, {"duration", "s", "o", nil}, {"evaluation_interval", "s", "o", nil}, {"labels", "ms", "o", nil}, {"rule_group", "s", "o", nil}, {"alert_rule", "s", "o", nil}}, nil},
			}},
			{"alert_strategy", []attr{{"auto_close", "s", "o", nil}}, nil},
			{"documentation", []attr{{"content", "s", "o", nil}, {"mime_type", "s", "o", "text/markdown"}, {"subject", "s", "o", nil}}, nil},
		},
	},
	"google_monitoring_custom_service": {
		attrs: []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"project", "s", "oc", nil}, {"service_id", "s", "oc", nil}, {"display_name", "s", "o", nil}, {"user_labels", "ms", "o", nil}},
	},
	"google_monitoring_slo": {
		attrs: []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"project", "s", "oc", nil}, {"service", "s", "r", nil}, {"slo_id", "s", "oc", nil}, {"display_name", "s", "o", nil}, {"goal", "n", "r", nil}, {"rolling_period_days", "n", "o", nil}, {"calendar_period", "s", "o", nil}, {"user_labels", "ms", "o", nil}},
		blocks: []blk{{"request_based_sli", nil, []blk{
			{"distribution_cut", []attr{{"distribution_filter", "s", "r", nil}}, []blk{{"range", []attr{{"min", "n", "o", nil}, {"max", "n", "o", nil}}, nil}}},
			{"good_total_ratio", []attr{{"good_service_filter", "s", "o", nil}, {"bad_service_filter", "s", "o", nil}, {"total_service_filter", "s", "o", nil}}, nil},
		}}},
	},
	"google_monitoring_dashboard": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"dashboard_json", "s", "r", nil}},
	},
	"google_kms_key_ring": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"location", "s", "r", nil}},
	},
	"google_kms_crypto_key": {
		attrs:  []attr{{"id", "s", "c", nil}, {"name", "s", "r", nil}, {"key_ring", "s", "r", nil}, {"purpose", "s", "o", "ENCRYPT_DECRYPT"}, {"rotation_period", "s", "o", nil}, {"labels", "ms", "o", nil}, {"destroy_scheduled_duration", "s", "oc", nil}, {"import_only", "b", "oc", nil}, {"skip_initial_version_creation", "b", "o", nil}},
		blocks: []blk{{"version_template", []attr{{"algorithm", "s", "r", nil}, {"protection_level", "s", "o", "SOFTWARE"}}, nil}},
	},
	"google_kms_crypto_key_iam_member": iamMember("crypto_key_id"),
	"google_secret_manager_secret": {
		attrs: []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"project", "s", "oc", nil}, {"secret_id", "s", "r", nil}, {"labels", "ms", "o", nil}, {"create_time", "s", "c", nil}},
		blocks: []blk{{"replication", nil, []blk{
			{"auto", nil, nil},
			{"user_managed", nil, []blk{{"replicas", []attr{{"location", "s", "r", nil}}, nil}}},
		}}},
	},
	"google_secret_manager_secret_version": {
		attrs: []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"secret", "s", "r", nil}, {"secret_data", "s", "os", nil}, {"enabled", "b", "o", true}, {"version", "s", "c", nil}, {"create_time", "s", "c", nil}},
	},
	"google_secret_manager_secret_iam_member": iamMember("project", "secret_id"),
	"google_container_analysis_note": {
		attrs:  []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"short_description", "s", "o", nil}, {"create_time", "s", "c", nil}, {"kind", "s", "c", nil}},
		blocks: []blk{{"attestation_authority", nil, []blk{{"hint", []attr{{"human_readable_name", "s", "r", nil}}, nil}}}},
	},
	"google_container_analysis_note_iam_member": iamMember("project", "note"),
	"google_binary_authorization_attestor": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"description", "s", "o", nil}},
		blocks: []blk{{"attestation_authority_note", []attr{{"note_reference", "s", "r", nil}, {"delegation_service_account_email", "s", "c", nil}}, []blk{
			{"public_keys", []attr{{"id", "s", "oc", nil}, {"comment", "s", "o", nil}, {"ascii_armored_pgp_public_key", "s", "o", nil}}, []blk{
				{"pkix_public_key", []attr{{"public_key_pem", "s", "o", nil}, {"signature_algorithm", "s", "o", nil}}, nil},
			}},
		}}},
	},
	"google_binary_authorization_attestor_iam_member": iamMember("project", "attestor"),
	"google_binary_authorization_policy": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"description", "s", "o", nil}, {"global_policy_evaluation_mode", "s", "oc", nil}},
		blocks: []blk{
			{"admission_whitelist_patterns", []attr{{"name_pattern", "s", "r", nil}}, nil},
			{"default_admission_rule", []attr{{"evaluation_mode", "s", "r", nil}, {"enforcement_mode", "s", "r", nil}, {"require_attestations_by", "ls", "o", nil}}, nil},
		},
	},
	// Bootstrap.
	"google_project_service": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"service", "s", "r", nil}, {"disable_on_destroy", "b", "o", true}, {"disable_dependent_services", "b", "o", nil}},
	},
	"google_storage_bucket": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"location", "s", "r", nil}, {"labels", "ms", "o", nil}, {"storage_class", "s", "o", "STANDARD"}, {"uniform_bucket_level_access", "b", "oc", nil}, {"public_access_prevention", "s", "oc", nil}, {"force_destroy", "b", "o", false}, {"self_link", "s", "c", nil}, {"url", "s", "c", nil}},
		blocks: []blk{
			{"versioning", []attr{{"enabled", "b", "r", nil}}, nil},
			{"soft_delete_policy", []attr{{"retention_duration_seconds", "n", "o", 604800}, {"effective_time", "s", "c", nil}}, nil},
			{"lifecycle_rule", nil, []blk{
				{"condition", []attr{{"age", "n", "o", nil}, {"num_newer_versions", "n", "o", nil}, {"with_state", "s", "oc", nil}, {"days_since_noncurrent_time", "n", "o", nil}, {"matches_prefix", "ls", "o", nil}}, nil},
				{"action", []attr{{"type", "s", "r", nil}, {"storage_class", "s", "o", nil}}, nil},
			}},
		},
	},
	"google_storage_bucket_iam_member": iamMember("bucket"),
	"google_storage_bucket_object": {
		attrs: []attr{{"id", "s", "c", nil}, {"name", "s", "r", nil}, {"bucket", "s", "r", nil}, {"content", "s", "os", nil}, {"content_type", "s", "oc", nil}, {"storage_class", "s", "oc", nil}, {"md5hash", "s", "c", nil}, {"crc32c", "s", "c", nil}, {"generation", "n", "c", nil}, {"self_link", "s", "c", nil}, {"media_link", "s", "c", nil}, {"output_name", "s", "c", nil}},
	},
	// Batch (Dataflow workers' network).
	"google_compute_network": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"description", "s", "o", nil}, {"auto_create_subnetworks", "b", "o", true}, {"routing_mode", "s", "oc", nil}, {"mtu", "n", "oc", nil}, {"delete_default_routes_on_create", "b", "o", false}, {"gateway_ipv4", "s", "c", nil}, {"self_link", "s", "c", nil}},
	},
	"google_compute_subnetwork": {
		attrs: []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"region", "s", "oc", nil}, {"network", "s", "r", nil}, {"ip_cidr_range", "s", "r", nil}, {"description", "s", "o", nil}, {"private_ip_google_access", "b", "oc", nil}, {"purpose", "s", "oc", nil}, {"stack_type", "s", "oc", nil}, {"gateway_address", "s", "c", nil}, {"self_link", "s", "c", nil}},
	},
	"google_compute_firewall": {
		attrs:  []attr{{"id", "s", "c", nil}, {"project", "s", "oc", nil}, {"name", "s", "r", nil}, {"network", "s", "r", nil}, {"description", "s", "o", nil}, {"direction", "s", "oc", nil}, {"priority", "n", "o", 1000}, {"disabled", "b", "o", nil}, {"source_tags", "ls", "o", nil}, {"target_tags", "ls", "o", nil}, {"source_ranges", "ls", "oc", nil}, {"self_link", "s", "c", nil}},
		blocks: []blk{{"allow", []attr{{"protocol", "s", "r", nil}, {"ports", "ls", "o", nil}}, nil}},
	},
	"google_iam_workload_identity_pool": {
		attrs: []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"state", "s", "c", nil}, {"project", "s", "oc", nil}, {"workload_identity_pool_id", "s", "r", nil}, {"display_name", "s", "o", nil}, {"description", "s", "o", nil}, {"disabled", "b", "o", nil}},
	},
	"google_iam_workload_identity_pool_provider": {
		attrs:  []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"state", "s", "c", nil}, {"project", "s", "oc", nil}, {"workload_identity_pool_id", "s", "r", nil}, {"workload_identity_pool_provider_id", "s", "r", nil}, {"display_name", "s", "o", nil}, {"description", "s", "o", nil}, {"disabled", "b", "o", nil}, {"attribute_mapping", "ms", "o", nil}, {"attribute_condition", "s", "o", nil}},
		blocks: []blk{{"oidc", []attr{{"issuer_uri", "s", "r", nil}, {"allowed_audiences", "ls", "o", nil}, {"jwks_json", "s", "o", nil}}, nil}},
	},
	"google_artifact_registry_repository": {
		attrs:  []attr{{"id", "s", "c", nil}, {"name", "s", "c", nil}, {"project", "s", "oc", nil}, {"location", "s", "oc", nil}, {"repository_id", "s", "r", nil}, {"description", "s", "o", nil}, {"format", "s", "r", nil}, {"labels", "ms", "o", nil}, {"mode", "s", "o", "STANDARD_REPOSITORY"}, {"create_time", "s", "c", nil}, {"update_time", "s", "c", nil}},
		blocks: []blk{{"docker_config", []attr{{"immutable_tags", "b", "o", nil}}, nil}},
	},
	"google_artifact_registry_repository_iam_member": iamMember("project", "location", "repository"),
}

func attributes(as []attr) map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, a := range as {
		// "os" is optional and sensitive (a password the plan must not show).
		req, opt, comp, sens := a.flags == "r", a.flags == "o" || a.flags == "oc" || a.flags == "os", a.flags == "c" || a.flags == "oc", a.flags == "os"
		if a.def != nil {
			comp = true // the framework sets defaults on optional+computed attributes
		}
		switch a.kind {
		case "s":
			s := schema.StringAttribute{Required: req, Optional: opt, Computed: comp, Sensitive: sens}
			if d, ok := a.def.(string); ok {
				s.Default = stringdefault.StaticString(d)
			}
			out[a.name] = s
		case "b":
			b := schema.BoolAttribute{Required: req, Optional: opt, Computed: comp}
			if d, ok := a.def.(bool); ok {
				b.Default = booldefault.StaticBool(d)
			}
			out[a.name] = b
		case "n":
			n := schema.NumberAttribute{Required: req, Optional: opt, Computed: comp}
			if d, ok := a.def.(int); ok {
				n.Default = numberdefault.StaticBigFloat(big.NewFloat(float64(d)))
			}
			out[a.name] = n
		case "ls":
			out[a.name] = schema.ListAttribute{ElementType: types.StringType, Required: req, Optional: opt, Computed: comp}
		case "ms":
			out[a.name] = schema.MapAttribute{ElementType: types.StringType, Required: req, Optional: opt, Computed: comp}
		default:
			log.Fatalf("attribute %s: unknown kind %q", a.name, a.kind)
		}
	}
	return out
}

func blocks(bs []blk) map[string]schema.Block {
	out := map[string]schema.Block{}
	for _, b := range bs {
		out[b.name] = schema.ListNestedBlock{NestedObject: schema.NestedBlockObject{Attributes: attributes(b.attrs), Blocks: blocks(b.blocks)}}
	}
	return out
}

// stub plans like a provider and refuses to apply (unless STUBPROVIDER_APPLY=1).
type stub struct {
	typ    string
	schema schema.Schema
}

func (r *stub) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = r.typ
}

func (r *stub) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = r.schema
}

// applying reports whether apply is allowed (STUBPROVIDER_APPLY=1).
func applying() bool { return os.Getenv("STUBPROVIDER_APPLY") == "1" }

// stubIDs are placeholder ids in the real provider's format, for the types
// whose ids the platform's modules validate when they are passed on
// (notification channels, KMS keys).
var stubIDs = map[string]string{
	"google_monitoring_notification_channel": "projects/stub-project/notificationChannels/stub",
	"google_kms_key_ring":                    "projects/stub-project/locations/stub/keyRings/stub",
	"google_kms_crypto_key":                  "projects/stub-project/locations/stub/keyRings/stub/cryptoKeys/stub",
}

// known is what the stub "creates" of a resource of type typ: the planned
// value with every unknown replaced by a placeholder of its type.
func known(typ string, v tftypes.Value) (tftypes.Value, error) {
	return tftypes.Transform(v, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		t := v.Type()
		switch {
		case t.Is(tftypes.String):
			name := "value"
			steps := p.Steps()
			if len(steps) > 0 {
				if a, ok := steps[len(steps)-1].(tftypes.AttributeName); ok {
					name = string(a)
				}
			}
			if id, ok := stubIDs[typ]; ok && len(steps) == 1 && (name == "id" || name == "name") {
				return tftypes.NewValue(t, id), nil
			}
			return tftypes.NewValue(t, "stub-"+name), nil
		case t.Is(tftypes.Number):
			return tftypes.NewValue(t, big.NewFloat(0)), nil
		case t.Is(tftypes.Bool):
			return tftypes.NewValue(t, false), nil
		default:
			return tftypes.NewValue(t, nil), nil
		}
	})
}

// store is Create's and Update's answer: the plan made known, or the refusal.
func (r *stub) store(verb string, plan tftypes.Value, diags *diag.Diagnostics) tftypes.Value {
	if !applying() {
		diags.AddError("schema stub provider", "this provider only plans; it never "+verb+" "+r.typ)
		return plan
	}
	v, err := known(r.typ, plan)
	if err != nil {
		diags.AddError("schema stub provider", "resolve unknowns of "+r.typ+": "+err.Error())
	}
	return v
}

func (r *stub) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	if v := r.store("creates", req.Plan.Raw, &resp.Diagnostics); !resp.Diagnostics.HasError() {
		resp.State.Raw = v
	}
}

func (r *stub) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (r *stub) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if v := r.store("updates", req.Plan.Raw, &resp.Diagnostics); !resp.Diagnostics.HasError() {
		resp.State.Raw = v
	}
}

func (r *stub) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !applying() {
		resp.Diagnostics.AddError("schema stub provider", "this provider only plans; it never deletes "+r.typ)
	}
}

// project is data "google_project": it answers with a fixed, obviously fake
// project number (the real data source reads it from the API).
type project struct{}

func (*project) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = "google_project"
}

func (*project) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{Attributes: map[string]dschema.Attribute{
		"id":         dschema.StringAttribute{Computed: true},
		"project_id": dschema.StringAttribute{Optional: true, Computed: true},
		"number":     dschema.StringAttribute{Computed: true},
		"name":       dschema.StringAttribute{Computed: true},
	}}
}

// StubProjectNumber is the number every project has in stub plans.
const StubProjectNumber = "123456789012"

func (*project) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var id types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("project_id"), &id)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project_id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), types.StringValue("projects/"+id.ValueString()))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("number"), types.StringValue(StubProjectNumber))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), id)...)
}

// secretVersion is data "google_secret_manager_secret_version": it answers
// with a fixed fake payload. Like the real one, its secret_data is sensitive
// and lands in the state of whoever reads it.
type secretVersion struct{}

func (*secretVersion) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = "google_secret_manager_secret_version"
}

func (*secretVersion) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{Attributes: map[string]dschema.Attribute{
		"id":          dschema.StringAttribute{Computed: true},
		"project":     dschema.StringAttribute{Optional: true, Computed: true},
		"secret":      dschema.StringAttribute{Required: true},
		"version":     dschema.StringAttribute{Optional: true, Computed: true},
		"name":        dschema.StringAttribute{Computed: true},
		"secret_data": dschema.StringAttribute{Computed: true, Sensitive: true},
	}}
}

// StubSecretData is the payload of every secret version in stub plans.
const StubSecretData = "stub-secret-data"

func (*secretVersion) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var secret, version types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("secret"), &secret)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("version"), &version)...)
	if resp.Diagnostics.HasError() {
		return
	}
	v := version.ValueString()
	if v == "" {
		v = "latest"
	}
	name := secret.ValueString() + "/versions/" + v
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("secret"), secret)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("version"), types.StringValue(v))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("project"), types.StringNull())...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), types.StringValue(name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), types.StringValue(name))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("secret_data"), types.StringValue(StubSecretData))...)
}

// cryptoKeyVersion is data "google_kms_crypto_key_version". Its key is
// created in the same plan, so terraform defers the read to apply and the
// plan shows its attributes unknown, as with the real provider; Read is
// never called offline.
type cryptoKeyVersion struct{}

func (*cryptoKeyVersion) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = "google_kms_crypto_key_version"
}

func (*cryptoKeyVersion) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{Attributes: map[string]dschema.Attribute{
		"id":         dschema.StringAttribute{Computed: true},
		"crypto_key": dschema.StringAttribute{Required: true},
		"version":    dschema.NumberAttribute{Optional: true},
		"name":       dschema.StringAttribute{Computed: true},
		"algorithm":  dschema.StringAttribute{Computed: true},
		"public_key": dschema.ListNestedAttribute{Computed: true, NestedObject: dschema.NestedAttributeObject{Attributes: map[string]dschema.Attribute{
			"algorithm": dschema.StringAttribute{Computed: true},
			"pem":       dschema.StringAttribute{Computed: true},
		}}},
	}}
}

func (*cryptoKeyVersion) Read(_ context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	resp.Diagnostics.AddError("schema stub provider", "this provider only plans; it never reads a KMS key version")
}
