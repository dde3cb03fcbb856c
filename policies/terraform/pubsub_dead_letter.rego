package terraform.rules.pubsub_dead_letter

import data.terraform.lib

# METADATA
# title: Pub/Sub subscriptions have a dead-letter policy
# description: |
#   Without dead_letter_policy a poison message is redelivered until it
#   expires, blocking ordered delivery and hiding failures. The policy must
#   name a topic and an explicit max_delivery_attempts.
# custom:
#   id: GCP-PS-002
#   severity: MEDIUM
#   resource_types: ["google_pubsub_subscription"]
#   remediation: Add dead_letter_policy { dead_letter_topic = google_pubsub_topic.<dlq>.id, max_delivery_attempts = 5 }.
#   related: ["ours: no Checkov, Trivy or policy-library equivalent"]
deny contains f if {
	some i in issues
	f := lib.finding(rego.metadata.rule(), i)
}

policies(rc) := lib.arr(lib.get(rc, ["dead_letter_policy"]))

issues contains lib.issue(rc, "dead_letter_policy is not set") if {
	some rc in lib.resources_by_type.google_pubsub_subscription
	not lib.unknown(rc, ["dead_letter_policy"])
	count(policies(rc)) == 0
}

issues contains lib.issue(rc, "dead_letter_policy.max_delivery_attempts is not set") if {
	some rc in lib.resources_by_type.google_pubsub_subscription
	some p in policies(rc)
	not lib.unknown(rc, ["dead_letter_policy", 0, "max_delivery_attempts"])
	object.get(p, "max_delivery_attempts", 0) in {0, null}
}

issues contains lib.unknown_issue(rc, ["dead_letter_policy", 0, attr]) if {
	some rc in lib.resources_by_type.google_pubsub_subscription
	some attr in ["dead_letter_topic", "max_delivery_attempts"]
	lib.undecided(rc, ["dead_letter_policy", 0, attr])
}
