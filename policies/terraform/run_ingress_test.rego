package terraform.rules.run_ingress_test

import data.terraform.rules.run_ingress as rule
import data.terraform.testing as t

test_allow_internal_load_balancer if {
	r := t.rc("google_cloud_run_v2_service", "api", {"ingress": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"})
	count(rule.deny) == 0 with input as t.plan([r])
}

test_allow_declared_public_service if {
	r := t.module_rc("module.api", "google_cloud_run_v2_service", "this", "", {"ingress": "INGRESS_TRAFFIC_ALL"})
	count(rule.deny) == 0 with input as t.plan([r]) with data.gate.config as {"public_services": ["module.api.*"]}
}

test_deny_all_traffic if {
	r := t.rc("google_cloud_run_v2_service", "api", {"ingress": "INGRESS_TRAFFIC_ALL"})
	t.hits(rule.deny) == {["GCP-RUN-001", "google_cloud_run_v2_service.api", false]} with input as t.plan([r])
}

test_deny_unset_computed if {
	r := t.unknown_rc("google_cloud_run_v2_service", "api", {}, {"ingress": true})
	t.hits(rule.deny) == {["GCP-RUN-001", "google_cloud_run_v2_service.api", false]} with input as t.plan([r])
}

test_deny_unknown_from_resource if {
	r := t.unknown_rc("google_cloud_run_v2_service", "api", {}, {"ingress": true})
	p := t.plan_with_config([r], [["google_cloud_run_v2_service", "api", {"ingress": t.ref(["terraform_data.mode.output"])}]])
	t.hits(rule.deny) == {["GCP-RUN-001", "google_cloud_run_v2_service.api", true]} with input as p
}

test_deny_module_address_kept if {
	r := t.module_rc(`module.svc["api"]`, "google_cloud_run_v2_service", "this", "", {"ingress": "INGRESS_TRAFFIC_ALL"})
	t.hits(rule.deny) == {["GCP-RUN-001", `module.svc["api"].google_cloud_run_v2_service.this`, false]} with input as t.plan([r])
}
