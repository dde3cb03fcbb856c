package terraform.rules.iam_principal_types_test

import data.terraform.rules.iam_principal_types as rule
import data.terraform.testing as t

test_allow_group_sa_and_workload_identity if {
	rs := [
		t.rc("google_project_iam_member", "g", {"role": "roles/viewer", "member": "group:ops@acme.example"}),
		t.rc("google_project_iam_member", "s", {"role": "roles/run.developer", "member": "serviceAccount:ci@p.iam.gserviceaccount.com"}),
		t.rc("google_service_account_iam_member", "w", {"role": "roles/iam.workloadIdentityUser", "member": "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gh/attribute.repository/acme/flight-events"}),
	]
	count(rule.deny) == 0 with input as t.plan(rs)
}

test_allow_user_of_allowed_domain if {
	r := t.rc("google_project_iam_member", "u", {"role": "roles/viewer", "member": "user:ana@acme.example"})
	count(rule.deny) == 0 with input as t.plan([r]) with data.gate.config as {"allowed_domains": ["acme.example"]}
}

test_deny_user if {
	r := t.rc("google_project_iam_member", "u", {"role": "roles/viewer", "member": "user:ana@gmail.com"})
	t.hits(rule.deny) == {["GCP-IAM-006", "google_project_iam_member.u", false]} with input as t.plan([r]) with data.gate.config as {"allowed_domains": ["acme.example"]}
}

test_deny_unknown_member_from_variable if {
	r := t.unknown_rc("google_project_iam_member", "m", {"role": "roles/viewer"}, {"members": [true]})
	p := t.plan_with_config([r], [["google_project_iam_member", "m", {"members": t.ref(["var.members"])}]])
	t.hits(rule.deny) == {["GCP-IAM-006", "google_project_iam_member.m", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.team", "google_project_iam_binding", "b", `["viewers"]`, {"role": "roles/viewer", "members": ["domain:other.example"]})
	t.hits(rule.deny) == {["GCP-IAM-006", `module.team.google_project_iam_binding.b["viewers"]`, false]} with input as t.plan([r])
}
