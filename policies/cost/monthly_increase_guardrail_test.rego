package infracost_test

import data.infracost
import rego.v1

failed_msgs(inp) := {r.msg | some r in infracost.deny with input as inp; r.failed}

test_deny_increase_above_guardrail if {
	failed_msgs({"diffTotalMonthlyCost": "1000.01", "totalMonthlyCost": "1200", "projects": []}) == {"Monthly cost increase 1000.01 must be at most 1000"}
}

test_allow_increase_at_guardrail if {
	failed_msgs({"diffTotalMonthlyCost": "1000", "totalMonthlyCost": "1200", "projects": []}) == set()
}

test_allow_decrease if {
	failed_msgs({"diffTotalMonthlyCost": "-742.64", "totalMonthlyCost": "1303.28", "projects": []}) == set()
}

test_deny_unknown_diff if {
	failed_msgs({"diffTotalMonthlyCost": null, "totalMonthlyCost": "5", "projects": []}) == {"Monthly cost increase is unknown (no baseline); the 1000 guardrail cannot be checked"}
}

test_deny_missing_diff if {
	failed_msgs({"totalMonthlyCost": "5", "projects": []}) == {"Monthly cost increase is unknown (no baseline); the 1000 guardrail cannot be checked"}
}
