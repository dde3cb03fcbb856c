package terraform.rules.iam_primitive_roles_test

import data.terraform.rules.iam_primitive_roles as rule
import data.terraform.testing as t

test_allow_predefined_role if {
	r := t.rc("google_project_iam_member", "invoker", {"project": "p", "role": "roles/run.invoker", "member": "group:ops@acme.example"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_editor_member if {
	r := t.rc("google_project_iam_member", "ed", {"project": "p", "role": "roles/editor", "member": "group:ops@acme.example"})
	t.hits(rule.deny) == {["GCP-IAM-001", "google_project_iam_member.ed", false]} with input as t.plan([r])
}

test_deny_owner_in_policy_data if {
	policy := json.marshal({"bindings": [{"role": "roles/owner", "members": ["user:a@acme.example"]}]})
	r := t.rc("google_project_iam_policy", "p", {"project": "p", "policy_data": policy})
	t.hits(rule.deny) == {["GCP-IAM-001", "google_project_iam_policy.p", false]} with input as t.plan([r])
}

test_deny_viewer_as_low if {
	r := t.rc("google_project_iam_binding", "v", {"project": "p", "role": "roles/viewer", "members": ["group:ops@acme.example"]})
	[f.severity | some f in rule.deny] with input as t.plan([r]) == ["LOW"]
}

test_deny_unknown_role if {
	r := t.unknown_rc("google_project_iam_member", "x", {"project": "p", "member": "group:ops@acme.example"}, {"role": true})
	p := t.plan_with_config([r], [["google_project_iam_member", "x", {"role": t.ref(["var.role"])}]])
	t.hits(rule.deny) == {["GCP-IAM-001", "google_project_iam_member.x", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc(`module.svc["api"]`, "google_project_iam_member", "ed", "[0]", {"role": "roles/owner", "member": "group:ops@acme.example"})
	t.hits(rule.deny) == {["GCP-IAM-001", `module.svc["api"].google_project_iam_member.ed[0]`, false]} with input as t.plan([r])
}

test_deny_editor_with_member_known_after_apply if {
	r := t.unknown_rc("google_project_iam_member", "ed", {"role": "roles/editor"}, {"member": true})
	p := t.plan_with_config([r], [["google_project_iam_member", "ed", {"member": t.ref(["google_service_account.run.member", "google_service_account.run"])}]])
	t.hits(rule.deny) == {["GCP-IAM-001", "google_project_iam_member.ed", false]} with input as p
}
