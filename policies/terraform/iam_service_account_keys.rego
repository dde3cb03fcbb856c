package terraform.rules.iam_service_account_keys

import data.terraform.lib

# METADATA
# title: No service-account keys
# description: |
#   A google_service_account_key is a long-lived credential that ends up in the
#   Terraform state. CI authenticates through Workload Identity Federation and
#   Cloud Run through its attached service account, so keys are never needed.
# custom:
#   id: GCP-IAM-003
#   severity: HIGH
#   resource_types: ["google_service_account_key"]
#   remediation: Remove the key; use Workload Identity Federation (CI) or the attached service account (Cloud Run).
#   related: ["checkov:CKV2_GCP_3", "policy-library:GCPIAMRestrictServiceAccountKeyTypeConstraintV1", "regula:FG_R00383"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

issues contains lib.issue(rc, sprintf("creates a service-account key for %v", [object.get(lib.after(rc), "service_account_id", "(known after apply)")])) if {
	some rc in lib.resources_by_type.google_service_account_key
}
