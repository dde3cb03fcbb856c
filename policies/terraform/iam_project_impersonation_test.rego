package terraform.rules.iam_project_impersonation_test

import data.terraform.rules.iam_project_impersonation as rule
import data.terraform.testing as t

test_allow_on_service_account if {
	r := t.rc("google_service_account_iam_member", "deployer", {"role": "roles/iam.serviceAccountUser", "member": "serviceAccount:ci@p.iam.gserviceaccount.com"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_project_service_account_user if {
	r := t.rc("google_project_iam_member", "ci", {"role": "roles/iam.serviceAccountUser", "member": "serviceAccount:ci@p.iam.gserviceaccount.com"})
	t.hits(rule.deny) == {["GCP-IAM-004", "google_project_iam_member.ci", false]} with input as t.plan([r])
}

test_deny_token_creator_binding if {
	r := t.rc("google_project_iam_binding", "tc", {"role": "roles/iam.serviceAccountTokenCreator", "members": ["group:ops@acme.example"]})
	t.hits(rule.deny) == {["GCP-IAM-004", "google_project_iam_binding.tc", false]} with input as t.plan([r])
}

test_deny_unknown_role if {
	r := t.unknown_rc("google_project_iam_member", "x", {"member": "group:ops@acme.example"}, {"role": true})
	p := t.plan_with_config([r], [["google_project_iam_member", "x", {"role": t.ref(["local.role"])}]])
	t.hits(rule.deny) == {["GCP-IAM-004", "google_project_iam_member.x", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.ci", "google_project_iam_member", "ci", "", {"role": "roles/iam.serviceAccountTokenCreator", "member": "serviceAccount:ci@p.iam.gserviceaccount.com"})
	t.hits(rule.deny) == {["GCP-IAM-004", "module.ci.google_project_iam_member.ci", false]} with input as t.plan([r])
}
