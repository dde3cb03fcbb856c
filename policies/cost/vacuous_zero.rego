# `import rego.v1` keeps this Rego v1 file loadable by Infracost, whose OPA API defaults to v0 syntax.
package infracost

import rego.v1

# METADATA
# title: A $0 estimate with unknown costs is not a pass
# description: |
#   Infracost sums only the components it could price. A stack of usage-based resources without a
#   usage file (Pub/Sub, BigQuery, GCS, request-based Cloud Run) totals 0 although every component is
#   unknown (monthlyCost null). Such an estimate proves nothing, so it fails.
# custom:
#   id: COST-003
#   severity: MEDIUM
#   resource_types: ["google_cloud_run_v2_service", "google_pubsub_topic", "google_pubsub_subscription", "google_bigquery_dataset", "google_bigquery_table", "google_storage_bucket"]
#   remediation: Pass the service's infracost-usage.yml to infracost (--usage-file) so usage-based costs are estimated.
#   related: ["infracost#302", "infracost#738"]
deny contains out if {
	total := object.get(input, "totalMonthlyCost", null)
	total != null
	n := count(unknown_components)
	out := {
		"msg": vacuous_zero_msg(total, n),
		"failed": vacuous_zero(to_number(total), n),
	}
}

vacuous_zero(total, n) := true if {
	total == 0
	n > 0
} else := false

vacuous_zero_msg(total, n) := sprintf("Total monthly cost is 0 but %d cost components are unknown (no usage given)", [n]) if {
	vacuous_zero(to_number(total), n)
} else := sprintf("Estimate is not a vacuous zero (total %v, %d unknown components)", [total, n])

# Components of resources and subresources, at any depth, whose monthly cost is null.
unknown_components contains [p.name, path] if {
	some p in input.projects
	walk(object.get(p, "breakdown", {}), [path, c])
	count(path) >= 2
	path[count(path) - 2] == "costComponents"
	object.get(c, "monthlyCost", null) == null
}
