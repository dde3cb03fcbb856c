package repocheck

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// LintModule checks what the platform asks of a module beyond tflint's
// terraform ruleset (.tflint.hcl: typed and documented variables, documented
// outputs, main.tf/variables.tf/outputs.tf, required_version and
// required_providers with source and version): a versions.tf file, provider
// versions pinned to a range with an upper bound, no backend in a shared
// module, and labels on every resource that can carry them.
func LintModule(m *Module, kind Kind) []Finding {
	versionsFile := filepath.Join(m.Dir, "versions.tf")
	var out []Finding
	if _, ok := m.Files["versions.tf"]; !ok {
		out = append(out, Finding{File: versionsFile, Msg: "missing (modules keep terraform { required_version, required_providers } in versions.tf)"})
	}
	for _, name := range slices.Sorted(maps.Keys(m.RequiredProviders)) {
		p := m.RequiredProviders[name]
		if p.Version == "" {
			continue // tflint's terraform_required_providers
		}
		if msg := checkPin(p.Version); msg != "" {
			out = append(out, at(p.Range, "provider %q: %s", name, msg))
		}
	}
	if kind == SharedModule && m.Backend != "" {
		out = append(out, Finding{File: versionsFile, Msg: "a shared module must not configure a backend"})
	}
	out = append(out, LintLabels(m)...)
	SortFindings(out)
	return out
}

// checkPin accepts a constraint with a lower and an upper bound: "~> 6.14"
// or ">= 6.14.0, < 7.0.0". It returns why it is not pinned, or "".
func checkPin(c string) string {
	cs, err := version.NewConstraint(c)
	if err != nil {
		return fmt.Sprintf("version %q: %v", c, err)
	}
	lower, upper := false, false
	for _, one := range cs {
		switch s := strings.TrimSpace(one.String()); {
		case strings.HasPrefix(s, "~>"), strings.HasPrefix(s, "= "), !strings.ContainsAny(s[:1], "<>!~"):
			lower, upper = true, true
		case strings.HasPrefix(s, ">"):
			lower = true
		case strings.HasPrefix(s, "<"):
			upper = true
		}
	}
	if !lower || !upper {
		return fmt.Sprintf("version %q is not a range with lower and upper bounds", c)
	}
	return ""
}

// LabelAttr maps the labelled resource types this platform uses to the
// attribute that carries their labels.
var LabelAttr = map[string]string{
	"google_artifact_registry_repository":    "labels",
	"google_bigquery_dataset":                "labels",
	"google_bigquery_table":                  "labels",
	"google_kms_crypto_key":                  "labels",
	"google_cloud_run_v2_service":            "labels",
	"google_monitoring_alert_policy":         "user_labels",
	"google_monitoring_custom_service":       "user_labels",
	"google_monitoring_notification_channel": "user_labels",
	"google_monitoring_slo":                  "user_labels",
	"google_pubsub_subscription":             "labels",
	"google_pubsub_topic":                    "labels",
	"google_secret_manager_secret":           "labels",
	"google_storage_bucket":                  "labels",
	"google_monitoring_dashboard":            "dashboard_json", // labels live in the JSON
}

// Unlabelled lists resource types that cannot carry labels.
var Unlabelled = []string{
	"google_artifact_registry_repository_iam_member",
	"google_binary_authorization_attestor",
	"google_binary_authorization_attestor_iam_member",
	"google_binary_authorization_policy",
	"google_bigquery_dataset_iam_member",
	"google_bigquery_table_iam_member",
	"google_cloud_run_v2_service_iam_member",
	"google_compute_firewall",
	"google_compute_network",
	"google_compute_subnetwork",
	"google_container_analysis_note",
	"google_container_analysis_note_iam_member",
	"google_iam_workload_identity_pool",
	"google_iam_workload_identity_pool_provider",
	"google_kms_crypto_key_iam_member",
	"google_kms_key_ring",
	"google_project",
	"google_project_iam_member",
	"google_project_service",
	"google_pubsub_subscription_iam_member",
	"google_pubsub_topic_iam_member",
	"google_secret_manager_secret_iam_member",
	"google_secret_manager_secret_version",
	"google_service_account",
	"google_service_account_iam_member",
	"google_storage_bucket_iam_member",
	"google_storage_bucket_object",
}

// LintLabels reports labelled resources without their labels attribute,
// Cloud Run services whose revisions are unlabelled, dashboards without
// labels in their JSON, and resource types this check does not know (add
// them to LabelAttr or Unlabelled).
func LintLabels(m *Module) []Finding {
	var out []Finding
	for _, r := range m.Resources {
		if r.Mode != "resource" {
			continue
		}
		attr, labelled := LabelAttr[r.Type]
		if !labelled {
			if !slices.Contains(Unlabelled, r.Type) {
				out = append(out, at(r.Range, "%s: resource type unknown to the label check: classify it in repocheck.LabelAttr or repocheck.Unlabelled", r.Address()))
			}
			continue
		}
		a, ok := r.Body.Attributes[attr]
		if !ok {
			out = append(out, at(r.Range, "%s has no %s", r.Address(), attr))
			continue
		}
		switch r.Type {
		case "google_monitoring_dashboard":
			if !strings.Contains(m.Source(a.Expr.Range()), "labels") {
				out = append(out, at(r.Range, "%s: dashboard_json has no labels", r.Address()))
			}
		case "google_cloud_run_v2_service":
			if !hasNestedAttr(r.Body, []string{"template"}, "labels") {
				out = append(out, at(r.Range, "%s: template (the revisions) has no labels", r.Address()))
			}
		}
	}
	return out
}

func hasNestedAttr(body *hclsyntax.Body, path []string, attr string) bool {
	if len(path) == 0 {
		_, ok := body.Attributes[attr]
		return ok
	}
	for _, b := range body.Blocks {
		if b.Type == path[0] && hasNestedAttr(b.Body, path[1:], attr) {
			return true
		}
	}
	return false
}
