package terraform.rules.allowed_locations

import data.terraform.lib

# METADATA
# title: Resources stay in the allowed regions
# description: |
#   Data residency and latency: bucket, dataset, Cloud Run and Artifact
#   Registry locations, and the regions a Pub/Sub topic may persist messages
#   in, must be in config allowed_regions (compared case-insensitively, so
#   EUROPE-WEST1 matches). Multi-regions (EU, US) fail unless listed. A topic
#   without message_storage_policy may store messages in any region.
# custom:
#   id: GCP-GEN-002
#   severity: MEDIUM
#   resource_types: ["google_storage_bucket", "google_bigquery_dataset", "google_cloud_run_v2_service", "google_cloud_run_v2_job", "google_artifact_registry_repository", "google_pubsub_topic"]
#   remediation: Use an allowed region (e.g. europe-west1); on topics add message_storage_policy { allowed_persistence_regions = ["europe-west1"] }.
#   related: ["policy-library:GCPStorageLocationConstraintV1", "policy-library:GCPBigQueryDatasetLocationConstraintV1"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

located := {"google_storage_bucket", "google_bigquery_dataset", "google_cloud_run_v2_service", "google_cloud_run_v2_job", "google_artifact_registry_repository"}

allowed(region) if lower(region) in {lower(r) | some r in lib.config.allowed_regions}

issues contains lib.issue(rc, sprintf("location %v is not an allowed region", [loc])) if {
	some t in located
	some rc in lib.resources_by_type[t]
	not lib.unknown(rc, ["location"])
	loc := lib.get(rc, ["location"])
	not allowed(loc)
}

issues contains lib.unknown_issue(rc, ["location"]) if {
	some t in located
	some rc in lib.resources_by_type[t]
	lib.unknown(rc, ["location"])
}

storage_regions(rc) := [r |
	some p in lib.arr(lib.get(rc, ["message_storage_policy"]))
	some r in lib.arr(object.get(p, "allowed_persistence_regions", []))
]

issues contains lib.issue(rc, "message_storage_policy is not set: messages may be stored in any region") if {
	some rc in lib.resources_by_type.google_pubsub_topic
	not lib.unknown(rc, ["message_storage_policy"])
	count(storage_regions(rc)) == 0
}

issues contains lib.issue(rc, sprintf("message_storage_policy allows region %s", [r])) if {
	some rc in lib.resources_by_type.google_pubsub_topic
	some r in storage_regions(rc)
	not allowed(r)
}

issues contains lib.unknown_issue(rc, ["message_storage_policy"]) if {
	some rc in lib.resources_by_type.google_pubsub_topic
	lib.unknown(rc, ["message_storage_policy"])
}
