package infracost_test

import data.infracost
import rego.v1

usage_only(cost) := {"name": "p", "metadata": {}, "breakdown": {"resources": [{
	"name": "google_pubsub_topic.events",
	"costComponents": [{"name": "Message ingestion data", "monthlyCost": cost}],
	"subresources": [],
}]}}

with_null_subresource := {"name": "p", "metadata": {}, "breakdown": {"resources": [{
	"name": "google_storage_bucket.b",
	"costComponents": [],
	"subresources": [{"name": "Network egress", "costComponents": [{"name": "Data transfer", "monthlyCost": null}]}],
}]}}

test_deny_zero_total_with_unknown_components if {
	inp := {"diffTotalMonthlyCost": "0", "totalMonthlyCost": "0", "projects": [usage_only(null)]}
	failed_msgs(inp) == {"Total monthly cost is 0 but 1 cost components are unknown (no usage given)"}
}

test_deny_zero_total_with_unknown_subresource_component if {
	inp := {"diffTotalMonthlyCost": "0", "totalMonthlyCost": "0", "projects": [with_null_subresource]}
	failed_msgs(inp) == {"Total monthly cost is 0 but 1 cost components are unknown (no usage given)"}
}

test_allow_real_zero if {
	inp := {"diffTotalMonthlyCost": "0", "totalMonthlyCost": "0", "projects": [usage_only("0")]}
	failed_msgs(inp) == set()
}

test_allow_nonzero_total_with_unknown_components if {
	inp := {"diffTotalMonthlyCost": "0", "totalMonthlyCost": "3.5", "projects": [usage_only(null)]}
	failed_msgs(inp) == set()
}
