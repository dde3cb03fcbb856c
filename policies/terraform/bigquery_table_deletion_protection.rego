package terraform.rules.bigquery_table_deletion_protection

import data.terraform.lib

# METADATA
# title: BigQuery tables keep deletion protection
# description: |
#   deletion_protection = false lets a plan that replaces or destroys the table
#   drop its data. Unset is fine: the provider defaults it to true.
# custom:
#   id: GCP-BQ-003
#   severity: MEDIUM
#   resource_types: ["google_bigquery_table"]
#   remediation: Remove deletion_protection = false (the default is true).
#   related: ["checkov:CKV_GCP_121"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

issues contains lib.issue(rc, "deletion_protection is false") if {
	some rc in lib.resources_by_type.google_bigquery_table
	lib.get(rc, ["deletion_protection"]) == false
}

issues contains lib.unknown_issue(rc, ["deletion_protection"]) if {
	some rc in lib.resources_by_type.google_bigquery_table
	lib.unknown_configured(rc, ["deletion_protection"])
}
