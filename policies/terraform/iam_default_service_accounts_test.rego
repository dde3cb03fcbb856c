package terraform.rules.iam_default_service_accounts_test

import data.terraform.rules.iam_default_service_accounts as rule
import data.terraform.testing as t

test_allow_dedicated_account if {
	r := t.rc("google_project_iam_member", "m", {"role": "roles/pubsub.publisher", "member": "serviceAccount:flight-events@p.iam.gserviceaccount.com"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_deny_compute_default if {
	r := t.rc("google_project_iam_member", "m", {"role": "roles/pubsub.publisher", "member": "serviceAccount:123456789-compute@developer.gserviceaccount.com"})
	t.hits(rule.deny) == {["GCP-IAM-005", "google_project_iam_member.m", false]} with input as t.plan([r])
}

test_deny_appspot_default_in_binding if {
	r := t.rc("google_storage_bucket_iam_binding", "b", {"role": "roles/storage.objectViewer", "members": ["serviceAccount:p@appspot.gserviceaccount.com"]})
	t.hits(rule.deny) == {["GCP-IAM-005", "google_storage_bucket_iam_binding.b", false]} with input as t.plan([r])
}

test_deny_unknown_member_from_variable if {
	r := t.unknown_rc("google_project_iam_member", "m", {"role": "roles/pubsub.publisher"}, {"member": true})
	p := t.plan_with_config([r], [["google_project_iam_member", "m", {"member": t.ref(["data.google_compute_default_service_account.d.email"])}]])
	t.hits(rule.deny) == {["GCP-IAM-005", "google_project_iam_member.m", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc(`module.svc["a"]`, "google_project_iam_member", "m", "", {"role": "roles/pubsub.publisher", "member": "serviceAccount:1-compute@developer.gserviceaccount.com"})
	t.hits(rule.deny) == {["GCP-IAM-005", `module.svc["a"].google_project_iam_member.m`, false]} with input as t.plan([r])
}
