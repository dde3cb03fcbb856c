# METADATA
# title: Builders for the rule tests
# description: Small plan documents in the shape of `terraform show -json`.
package terraform.testing

# rc: a root-module resource created by the plan.
rc(type, name, after) := {
	"address": sprintf("%s.%s", [type, name]),
	"mode": "managed",
	"type": type,
	"name": name,
	"provider_name": "registry.terraform.io/hashicorp/google",
	"change": {"actions": ["create"], "after": after, "after_unknown": {}},
}

# module_rc: a resource inside module.<mod> (instance key idx, "" for none)
# at index key (count/for_each suffix such as [0] or ["a"], "" for none).
module_rc(mod, type, name, key, after) := object.union(rc(type, name, after), {
	"address": sprintf("%s.%s.%s%s", [mod, type, name, key]),
	"module_address": mod,
})

# unknown_rc: rc whose after_unknown is given.
unknown_rc(type, name, after, after_unknown) := object.union(rc(type, name, after), {"change": {"actions": ["create"], "after": after, "after_unknown": after_unknown}})

# with_actions replaces the change actions of r.
with_actions(r, actions) := object.union(r, {"change": object.union(r.change, {"actions": actions})})

plan(rcs) := {"format_version": "1.2", "resource_changes": rcs, "configuration": {"root_module": {}}}

# plan_with_config: plan whose configuration root module holds resources
# given as [type, name, expressions].
plan_with_config(rcs, configs) := {
	"format_version": "1.2",
	"resource_changes": rcs,
	"configuration": {"root_module": {"resources": [config_resource(c) | some c in configs]}},
}

config_resource(c) := {
	"address": sprintf("%s.%s", [c[0], c[1]]),
	"mode": "managed",
	"type": c[0],
	"name": c[1],
	"expressions": c[2],
}

# plan_with_module_config: like plan_with_config, inside module.<mod>.
plan_with_module_config(rcs, mod, configs) := {
	"format_version": "1.2",
	"resource_changes": rcs,
	"configuration": {"root_module": {"module_calls": {mod: {
		"source": sprintf("./modules/%s", [mod]),
		"module": {"resources": [config_resource(c) | some c in configs]},
	}}}},
}

ref(refs) := {"references": refs}

const(v) := {"constant_value": v}

labels := {"service": "flight-events", "env": "dev", "owner": "platform-team", "managed-by": "terraform"}

# hits: [rule_id, address, unknown] of findings, for compact assertions.
hits(findings) := {[f.rule_id, f.address, f.unknown] | some f in findings}
