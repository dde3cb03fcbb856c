package terraform.rules.bigquery_public_access

import data.terraform.lib

# METADATA
# title: BigQuery datasets are not public
# description: |
#   An access entry with special_group allAuthenticatedUsers or iam_member
#   allUsers/allAuthenticatedUsers exposes every table of the dataset. Checked
#   on the dataset's access blocks and on google_bigquery_dataset_access.
# custom:
#   id: GCP-BQ-001
#   severity: CRITICAL
#   resource_types: ["google_bigquery_dataset", "google_bigquery_dataset_access"]
#   remediation: Remove the public access entry; grant dataset roles to groups or service accounts.
#   related: ["checkov:CKV_GCP_15", "trivy:GCP-0046", "policy-library:GCPBigQueryDatasetWorldReadableConstraintV1", "regula:FG_R00437"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

public(entry) if entry.special_group in lib.public_principals

public(entry) if entry.iam_member in lib.public_principals

issues contains lib.issue(rc, sprintf("dataset access grants %v to a public principal", [object.get(entry, "role", "a role")])) if {
	some rc in lib.resources_by_type.google_bigquery_dataset
	some entry in lib.arr(lib.get(rc, ["access"]))
	public(entry)
}

issues contains lib.issue(rc, sprintf("grants %v on the dataset to a public principal", [lib.get(rc, ["role"])])) if {
	some rc in lib.resources_by_type.google_bigquery_dataset_access
	public(lib.after(rc))
}

# access blocks set from non-resource values (variables, module outputs) and
# unknown at plan time; unset access is computed to the default project roles.
issues contains lib.unknown_issue(rc, ["access"]) if {
	some rc in lib.resources_by_type.google_bigquery_dataset
	lib.unknown(rc, ["access"])
	some block in lib.arr(lib.config_expr(rc, ["access"]))
	some key in ["special_group", "iam_member"]
	some ref in object.get(object.get(block, key, {}), "references", [])
	not lib.resource_reference(ref)
}

issues contains lib.unknown_issue(rc, [key]) if {
	some rc in lib.resources_by_type.google_bigquery_dataset_access
	some key in ["special_group", "iam_member"]
	lib.undecided(rc, [key])
}
