package terraform.rules.iam_default_service_accounts

import data.terraform.lib

# METADATA
# title: No grants to default service accounts
# description: |
#   The default Compute Engine (PROJECT_NUMBER-compute@developer) and App
#   Engine (PROJECT@appspot) service accounts are shared by every workload that
#   does not name its own; roles granted to them leak to all of those.
# custom:
#   id: GCP-IAM-005
#   severity: MEDIUM
#   resource_types: ["google_*_iam_member", "google_*_iam_binding", "google_*_iam_policy"]
#   remediation: Create a dedicated service account for the workload and grant the role to it.
#   related: ["checkov:CKV_GCP_46", "checkov:CKV_GCP_47", "checkov:CKV_GCP_48", "trivy:GCP-0006"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

default_account(member) if regex.match(`^serviceAccount:[0-9]+-compute@developer\.gserviceaccount\.com$`, member)

default_account(member) if regex.match(`^serviceAccount:[^@]+@appspot\.gserviceaccount\.com$`, member)

issues contains lib.issue(rc, sprintf("grants %s to default service account %s", [g.role, g.member])) if {
	some x in lib.iam_resource_grants
	rc := x.rc
	g := x.grant
	default_account(g.member)
}

issues contains i if some i in lib.iam_undecided_members
