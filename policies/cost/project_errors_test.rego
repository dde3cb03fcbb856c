package infracost_test

import data.infracost
import rego.v1

project(name, errors) := {"name": name, "metadata": {"errors": errors}, "breakdown": {"resources": []}}

test_deny_project_with_errors if {
	inp := {"diffTotalMonthlyCost": "0", "totalMonthlyCost": "0", "projects": [project("dev", [{"code": 102, "message": "Error loading Terraform modules"}])]}
	failed := {r.msg | some r in infracost.deny with input as inp; r.failed}
	failed == {"Project dev could not be estimated: Error loading Terraform modules"}
}

test_allow_project_without_errors if {
	inp := {"diffTotalMonthlyCost": "0", "totalMonthlyCost": "1", "projects": [project("prod", [])]}
	count({r | some r in infracost.deny with input as inp; r.failed}) == 0
	{r.msg | some r in infracost.deny with input as inp; not r.failed} == {
		"Project prod was estimated",
		"Monthly cost increase 0 must be at most 1000",
		"Estimate is not a vacuous zero (total 1, 0 unknown components)",
	}
}

test_allow_project_without_errors_key if {
	inp := {"diffTotalMonthlyCost": "0", "totalMonthlyCost": "1", "projects": [{"name": "old", "metadata": {}}]}
	count({r | some r in infracost.deny with input as inp; r.failed}) == 0
}
