# `import rego.v1` keeps this Rego v1 file loadable by Infracost, whose OPA API defaults to v0 syntax.
package infracost

import rego.v1

# Platform-wide ceiling on one pull request's monthly increase, in the report's currency. Services
# set tighter limits in their costpolicy.yaml; this one cannot be loosened by a service.
guardrail_max_monthly_increase := 1000

# METADATA
# title: One change adds at most 1000 per month
# description: |
#   Blocks a pull request whose monthly cost increase (diffTotalMonthlyCost) is above the platform
#   guardrail. A missing or null diff is unknown and fails: the guardrail never passes vacuously.
# custom:
#   id: COST-002
#   severity: HIGH
#   resource_types: ["*"]
#   remediation: Split the change, right-size the resources, or ask the platform team for an exception.
#   related: ["infracost-cloud:guardrail-cost-change"]
deny contains out if {
	diff := object.get(input, "diffTotalMonthlyCost", null)
	diff != null
	out := {
		"msg": sprintf("Monthly cost increase %v must be at most %d", [diff, guardrail_max_monthly_increase]),
		"failed": to_number(diff) > guardrail_max_monthly_increase,
	}
}

deny contains out if {
	object.get(input, "diffTotalMonthlyCost", null) == null
	out := {
		"msg": sprintf("Monthly cost increase is unknown (no baseline); the %d guardrail cannot be checked", [guardrail_max_monthly_increase]),
		"failed": true,
	}
}
