package terraform.lib_test

import data.terraform.lib
import data.terraform.testing as t

test_resources_skip_deletes_forgets_and_data_sources if {
	create := t.rc("google_storage_bucket", "a", {})
	replace := t.with_actions(t.rc("google_storage_bucket", "b", {}), ["delete", "create"])
	del := t.with_actions(t.rc("google_storage_bucket", "c", {}), ["delete"])
	forget := t.with_actions(t.rc("google_storage_bucket", "d", {}), ["forget"])
	data_source := object.union(t.rc("google_storage_bucket", "e", {}), {"mode": "data"})
	got := {r.address | some r in lib.resources} with input as t.plan([create, replace, del, forget, data_source])
	got == {"google_storage_bucket.a", "google_storage_bucket.b"}
}

test_config_expr_follows_nested_modules if {
	r := object.union(t.rc("google_pubsub_topic", "t", {}), {
		"address": `module.a["x"].module.b[0].google_pubsub_topic.t`,
		"module_address": `module.a["x"].module.b[0]`,
	})
	cfg := {"root_module": {"module_calls": {"a": {"module": {"module_calls": {"b": {"module": {"resources": [t.config_resource(["google_pubsub_topic", "t", {"kms_key_name": t.ref(["google_kms_crypto_key.k.id", "google_kms_crypto_key.k"])}])]}}}}}}}}
	lib.config_expr(r, ["kms_key_name"]) == t.ref(["google_kms_crypto_key.k.id", "google_kms_crypto_key.k"]) with input.configuration as cfg
}

test_resolved_by_resource_rejects_variables if {
	r := t.unknown_rc("google_pubsub_topic", "t", {}, {"kms_key_name": true})
	p := t.plan_with_config([r], [["google_pubsub_topic", "t", {"kms_key_name": t.ref(["var.key"])}]])
	not lib.resolved_by_resource(r, ["kms_key_name"]) with input as p
	lib.unresolved(r, ["kms_key_name"]) with input as p
}

test_config_overrides_defaults if {
	lib.config.required_labels == ["team"] with data.gate.config as {"required_labels": ["team"]}
	lib.config.allowed_regions == lib.default_config.allowed_regions with data.gate.config as {"required_labels": ["team"]}
}
