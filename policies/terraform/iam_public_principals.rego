package terraform.rules.iam_public_principals

import data.terraform.lib

# METADATA
# title: No public principals in IAM
# description: |
#   allUsers and allAuthenticatedUsers make a resource readable or invokable by
#   anyone on the internet, on every IAM resource: project, bucket, dataset,
#   Pub/Sub topic and subscription, Cloud Run v2 service and job.
# custom:
#   id: GCP-IAM-002
#   severity: CRITICAL
#   resource_types: ["google_*_iam_member", "google_*_iam_binding", "google_*_iam_policy"]
#   remediation: Grant the role to a group or service account; a public Cloud Run API is fronted by a load balancer or waived per exact address.
#   related: ["checkov:CKV_GCP_28", "checkov:CKV_GCP_99", "checkov:CKV_GCP_100", "checkov:CKV_GCP_102", "trivy:GCP-0001", "policy-library:GCPIAMAllowedBindingsConstraintV3", "regula:FG_R00420"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

issues contains lib.issue(rc, sprintf("grants %s to public principal %s", [g.role, g.member])) if {
	some x in lib.iam_resource_grants
	rc := x.rc
	g := x.grant
	g.member in lib.public_principals
}

issues contains i if some i in lib.iam_undecided_members
