package terraform.rules.iam_primitive_roles

import data.terraform.lib

# METADATA
# title: No primitive roles
# description: |
#   roles/owner and roles/editor grant near-total control over every service of
#   the project; roles/viewer reads everything (reported as LOW). Grant
#   predefined or custom roles instead.
# custom:
#   id: GCP-IAM-001
#   severity: HIGH
#   resource_types: ["google_*_iam_member", "google_*_iam_binding", "google_*_iam_policy"]
#   remediation: Replace the primitive role by the predefined roles the principal needs (for example roles/run.invoker, roles/pubsub.publisher).
#   related: ["checkov:CKV_GCP_117", "checkov:CKV_GCP_116", "checkov:CKV_GCP_115", "checkov:CKV_GCP_42", "trivy:GCP-0007", "policy-library:GCPIAMAllowBanRolesConstraintV1", "regula:FG_R00384"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

banned := {"roles/owner", "roles/editor"}

issues contains lib.issue(rc, sprintf("grants primitive role %s to %s", [g.role, g.member])) if {
	some x in lib.iam_resource_grants
	rc := x.rc
	g := x.grant
	g.role in banned
}

issues contains lib.with_severity(lib.issue(rc, sprintf("grants primitive role roles/viewer to %s", [g.member])), "LOW") if {
	some x in lib.iam_resource_grants
	rc := x.rc
	g := x.grant
	g.role == "roles/viewer"
}

issues contains lib.unknown_issue(rc, ["role"]) if {
	some rc in lib.iam_resources
	lib.undecided(rc, ["role"])
}
