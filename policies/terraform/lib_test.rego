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

# module_var_plan: topic t inside module.<mod> whose kms_key_name comes from
# var.key; the root module call sets key from call_expr.
module_var_plan(mod, call_expr) := {
	"format_version": "1.2",
	"resource_changes": [module_topic(sprintf("module.%s", [mod]))],
	"configuration": {"root_module": {"module_calls": {mod: {
		"source": "./modules/m",
		"expressions": call_expr,
		"module": {"resources": [t.config_resource(["google_pubsub_topic", "t", {"kms_key_name": t.ref(["var.key"])}])]},
	}}}},
}

module_topic(ma) := object.union(t.unknown_rc("google_pubsub_topic", "t", {}, {"kms_key_name": true}), {
	"address": sprintf("%s.google_pubsub_topic.t", [ma]),
	"module_address": ma,
})

test_resolved_by_resource_follows_module_variable if {
	p := module_var_plan("m", {"key": t.ref(["google_kms_crypto_key.k.id", "google_kms_crypto_key.k"])})
	lib.resolved_by_resource(module_topic("module.m"), ["kms_key_name"]) with input as p
	not lib.unresolved(module_topic("module.m"), ["kms_key_name"]) with input as p
}

test_resolved_by_resource_follows_nested_module_variables if {
	ma := `module.a["x"].module.b[0]`
	r := module_topic(ma)
	inner := {"source": "./b", "expressions": {"key": t.ref(["var.outer"])}, "module": {"resources": [t.config_resource(["google_pubsub_topic", "t", {"kms_key_name": t.ref(["var.key"])}])]}}
	outer := {"source": "./a", "expressions": {"outer": t.ref(["google_kms_crypto_key.k.id", "google_kms_crypto_key.k"])}, "module": {"module_calls": {"b": inner}}}
	p := {"format_version": "1.2", "resource_changes": [r], "configuration": {"root_module": {"module_calls": {"a": outer}}}}
	lib.resolved_by_resource(r, ["kms_key_name"]) with input as p

	# the same chain ending in a root variable does not resolve
	root_var := object.union(outer, {"expressions": {"outer": t.ref(["var.key_id"])}})
	p2 := object.union(p, {"configuration": {"root_module": {"module_calls": {"a": root_var}}}})
	not lib.resolved_by_resource(r, ["kms_key_name"]) with input as p2
	lib.unresolved(r, ["kms_key_name"]) with input as p2
}

test_unresolved_module_variable_not_from_resources if {
	r := module_topic("module.m")
	call_exprs := [
		{"key": t.ref(["var.key_id"])}, # root variable
		{"key": t.ref(["local.key"])}, # local
		{"key": t.ref(["data.google_kms_crypto_key.k.id", "data.google_kms_crypto_key.k"])}, # data source
		{"key": t.ref(["module.kms.key_id"])}, # module output
		{"key": t.ref(["google_kms_crypto_key.k.id", "local.suffix"])}, # partly a local
		{"key": t.const("projects/p/locations/l/keyRings/r/cryptoKeys/k")}, # constant: no references
		{"key": t.ref([])}, # no references
		{"other": t.ref(["google_kms_crypto_key.k.id"])}, # key not set by the call
	]
	every call_expr in call_exprs {
		not lib.resolved_by_resource(r, ["kms_key_name"]) with input as module_var_plan("m", call_expr)
		lib.unresolved(r, ["kms_key_name"]) with input as module_var_plan("m", call_expr)
	}
}

test_unresolved_root_module_variable if {
	r := t.unknown_rc("google_pubsub_topic", "t", {}, {"kms_key_name": true})
	p := t.plan_with_config([r], [["google_pubsub_topic", "t", {"kms_key_name": t.ref(["var.key", "google_kms_crypto_key.k.id"])}]])
	not lib.resolved_by_resource(r, ["kms_key_name"]) with input as p
}
