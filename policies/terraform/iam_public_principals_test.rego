package terraform.rules.iam_public_principals_test

import data.terraform.rules.iam_public_principals as rule
import data.terraform.testing as t

test_allow_service_account_member if {
	r := t.rc("google_pubsub_subscription_iam_member", "sub", {"role": "roles/pubsub.subscriber", "member": "serviceAccount:run@p.iam.gserviceaccount.com"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_all_users_run_invoker if {
	r := t.rc("google_cloud_run_v2_service_iam_member", "public", {"role": "roles/run.invoker", "member": "allUsers"})
	t.hits(rule.deny) == {["GCP-IAM-002", "google_cloud_run_v2_service_iam_member.public", false]} with input as t.plan([r])
}

test_deny_all_authenticated_in_binding if {
	r := t.rc("google_pubsub_topic_iam_binding", "b", {"role": "roles/pubsub.publisher", "members": ["group:a@acme.example", "allAuthenticatedUsers"]})
	[f.severity | some f in rule.deny] == ["CRITICAL"] with input as t.plan([r])
}

test_allow_unknown_member_from_service_account_resource if {
	r := t.unknown_rc("google_project_iam_member", "m", {"role": "roles/bigquery.dataEditor"}, {"member": true})
	p := t.plan_with_config([r], [["google_project_iam_member", "m", {"member": t.ref(["google_service_account.run.email", "google_service_account.run"])}]])
	count(rule.deny) == 0 with input as p
}

test_deny_unknown_member_from_module_output if {
	r := t.unknown_rc("google_project_iam_member", "m", {"role": "roles/bigquery.dataEditor"}, {"member": true})
	p := t.plan_with_config([r], [["google_project_iam_member", "m", {"member": t.ref(["module.sa.email", "module.sa"])}]])
	t.hits(rule.deny) == {["GCP-IAM-002", "google_project_iam_member.m", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc("module.api", "google_cloud_run_v2_service_iam_member", "public", `["invoker"]`, {"role": "roles/run.invoker", "member": "allUsers"})
	t.hits(rule.deny) == {["GCP-IAM-002", `module.api.google_cloud_run_v2_service_iam_member.public["invoker"]`, false]} with input as t.plan([r])
}
