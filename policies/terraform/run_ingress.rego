package terraform.rules.run_ingress

import data.terraform.lib

# METADATA
# title: Cloud Run services are not open to all internet traffic
# description: |
#   ingress = INGRESS_TRAFFIC_ALL (also the provider's default when unset)
#   accepts requests from anywhere, bypassing a load balancer, Cloud Armor and
#   IAP. Allowed only for services declared public in config public_services
#   (address globs).
# custom:
#   id: GCP-RUN-001
#   severity: MEDIUM
#   resource_types: ["google_cloud_run_v2_service"]
#   remediation: Set ingress = "INGRESS_TRAFFIC_INTERNAL_ONLY" or "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", or declare the service public in the gate config.
#   related: ["ours: no Checkov, Trivy or policy-library equivalent (CKV_GCP_124 is Cloud Functions)"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

path := ["ingress"]

public(rc) if lib.matches_any(rc.address, lib.config.public_services)

issues contains lib.issue(rc, sprintf("ingress is %v: open to all internet traffic", [object.get(lib.after(rc), path, "unset (INGRESS_TRAFFIC_ALL)")])) if {
	some rc in lib.resources_by_type.google_cloud_run_v2_service
	not public(rc)
	not lib.unknown(rc, path)
	lib.get(rc, path) in {"INGRESS_TRAFFIC_ALL", null}
}

issues contains lib.issue(rc, "ingress is not set: the provider defaults to INGRESS_TRAFFIC_ALL") if {
	some rc in lib.resources_by_type.google_cloud_run_v2_service
	not public(rc)
	lib.unset_unknown(rc, path)
}

issues contains lib.unknown_issue(rc, path) if {
	some rc in lib.resources_by_type.google_cloud_run_v2_service
	not public(rc)
	lib.unknown_configured(rc, path)
}
