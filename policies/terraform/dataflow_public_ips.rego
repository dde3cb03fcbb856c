package terraform.rules.dataflow_public_ips

import data.terraform.lib

# METADATA
# title: Dataflow workers have no public IP addresses
# description: |
#   Without ip_configuration = "WORKER_IP_PRIVATE" every worker VM (and a flex
#   template's launcher VM) gets an external IP: the compute that holds the
#   pipeline's data is reachable from the internet and egresses around the
#   VPC's controls. Unset means public (the API's default). A flex template
#   job's parameters.ipConfiguration overrides the attribute, as the provider
#   sends it. Private workers need a subnetwork with Private Google Access.
# custom:
#   id: GCP-DF-001
#   severity: HIGH
#   resource_types: ["google_dataflow_job", "google_dataflow_flex_template_job"]
#   remediation: Set ip_configuration = "WORKER_IP_PRIVATE" and a subnetwork with Private Google Access (iac/modules/batch creates one).
#   related: ["checkov:CKV_GCP_94 (google_dataflow_job only)"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

types := {"google_dataflow_job", "google_dataflow_flex_template_job"}

path := ["ip_configuration"]

override_path := ["parameters", "ipConfiguration"]

# ip(rc): the IP configuration the provider launches with: the flex
# template's parameters.ipConfiguration when set, else ip_configuration.
ip(rc) := v if {
	rc.type == "google_dataflow_flex_template_job"
	v := lib.get(rc, override_path)
	v != null
} else := lib.get(rc, path)

overridden(rc) if {
	rc.type == "google_dataflow_flex_template_job"
	lib.get(rc, override_path) != null
}

issues contains lib.issue(rc, sprintf("ip_configuration is %v: workers get public IP addresses", [ip(rc)])) if {
	some t in types
	some rc in lib.resources_by_type[t]
	not lib.unknown(rc, path)
	not lib.unknown(rc, override_path)
	not ip(rc) in {null, "WORKER_IP_PRIVATE"}
}

issues contains lib.issue(rc, "ip_configuration is not set: workers get public IP addresses (the default)") if {
	some t in types
	some rc in lib.resources_by_type[t]
	not lib.unknown(rc, path)
	not lib.unknown(rc, override_path)
	ip(rc) == null
}

issues contains lib.unknown_issue(rc, path) if {
	some t in types
	some rc in lib.resources_by_type[t]
	not overridden(rc)
	lib.unknown(rc, path)
}

issues contains lib.unknown_issue(rc, override_path) if {
	some rc in lib.resources_by_type.google_dataflow_flex_template_job
	lib.unknown(rc, override_path)
}
