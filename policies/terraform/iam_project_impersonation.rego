package terraform.rules.iam_project_impersonation

import data.terraform.lib

# METADATA
# title: No project-level service-account impersonation roles
# description: |
#   roles/iam.serviceAccountUser or roles/iam.serviceAccountTokenCreator granted
#   on the project lets the principal act as every service account of the
#   project. Grant them on the one service account instead
#   (google_service_account_iam_member).
# custom:
#   id: GCP-IAM-004
#   severity: HIGH
#   resource_types: ["google_project_iam_member", "google_project_iam_binding", "google_project_iam_policy"]
#   remediation: Grant the role on the specific service account with google_service_account_iam_member.
#   related: ["checkov:CKV_GCP_41", "checkov:CKV_GCP_49", "trivy:GCP-0011", "regula:FG_R00385"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

impersonation := {"roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"}

project_types := {"google_project_iam_member", "google_project_iam_binding", "google_project_iam_policy"}

issues contains lib.issue(rc, sprintf("grants %s on the whole project to %s", [g.role, g.member])) if {
	some x in lib.iam_resource_grants
	rc := x.rc
	rc.type in project_types
	g := x.grant
	g.role in impersonation
}

issues contains lib.unknown_issue(rc, ["role"]) if {
	some rc in lib.iam_resources
	rc.type in project_types
	lib.undecided(rc, ["role"])
}
