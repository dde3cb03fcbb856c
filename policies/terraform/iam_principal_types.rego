package terraform.rules.iam_principal_types

import data.terraform.lib

# METADATA
# title: Principals are groups, service accounts or allowed domains
# description: |
#   Grants to individual users outlive their owner's role and bypass group
#   review. Principals must be group:, serviceAccount:, a workload identity
#   principal (principal:// or principalSet://), or a user:/domain: of a domain
#   in the configured allowed_domains.
# custom:
#   id: GCP-IAM-006
#   severity: LOW
#   resource_types: ["google_*_iam_member", "google_*_iam_binding", "google_*_iam_policy"]
#   remediation: Grant the role to a Google group (or a service account) instead of a user.
#   related: ["trivy:GCP-0003", "trivy:GCP-0069", "policy-library:GCPIAMAllowedPolicyMemberDomainsConstraintV2"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

allowed(member) if startswith(member, "group:")

allowed(member) if startswith(member, "serviceAccount:")

allowed(member) if startswith(member, "principal://")

allowed(member) if startswith(member, "principalSet://")

allowed(member) if {
	regex.match(`^(user|domain):`, member)
	domain := regex.replace(member, `^(user:[^@]*@|domain:)`, "")
	domain in lib.config.allowed_domains
}

issues contains lib.issue(rc, sprintf("grants %s to %s: not a group, service account or allowed domain", [g.role, g.member])) if {
	some x in lib.iam_resource_grants
	rc := x.rc
	g := x.grant
	not g.member in lib.public_principals
	g.member != lib.unknown_member
	not allowed(g.member)
}

issues contains i if some i in lib.iam_undecided_members
