# METADATA
# title: Shared helpers of the Terraform plan rules
# description: |
#   Reads `terraform show -json` output: walks resource_changes (managed resources,
#   deletes skipped), resolves "known after apply" values through the plan's
#   configuration expressions, and builds findings from each rule's METADATA.
#   Not a rule itself: it denies nothing.
package terraform.lib

# Defaults match the service Terraform rendered by the template; the gate
# overrides them with data.gate.config (--config FILE).
default_config := {
	"required_labels": ["service", "env", "owner", "managed-by"],
	"allowed_regions": ["europe-west1", "europe-west4", "europe-southwest1", "us-central1", "us-east1"],
	"allowed_domains": [],
	"public_services": [],
	"state_bucket_patterns": ["*tfstate*", "*terraform-state*", "*tf-state*"],
	"labelable_types": {
		"google_artifact_registry_repository": "labels",
		"google_bigquery_dataset": "labels",
		"google_bigquery_table": "labels",
		"google_cloud_run_v2_job": "labels",
		"google_cloud_run_v2_service": "labels",
		"google_dataflow_flex_template_job": "labels",
		"google_dataflow_job": "labels",
		"google_kms_crypto_key": "labels",
		"google_monitoring_alert_policy": "user_labels",
		"google_pubsub_subscription": "labels",
		"google_pubsub_topic": "labels",
		"google_secret_manager_secret": "labels",
		"google_storage_bucket": "labels",
	},
}

default overrides := {}

overrides := data.gate.config

config := object.union(default_config, overrides)

# resources: managed resource changes that exist after the plan (deletes,
# forgets and data sources skipped; replacements kept).
resources contains rc if {
	some rc in input.resource_changes
	rc.mode == "managed"
	not removed(rc)
}

# resources_by_type: resources grouped by type, built once per evaluation, so
# each rule iterates only the types it checks instead of every resource.
# The inner comprehension closes over t through a unification (rc.type = t;
# with == t would be an input, not an index key), so OPA's comprehension
# indexing evaluates it once, grouping by type (a ref-head rule such as
# `by_type[rc.type] contains rc` would check each new element against all
# earlier ones: quadratic).
resources_by_type := {t: rcs |
	some t in {rc.type | some rc in resources}
	rcs := {rc | some rc in resources; rc.type = t}
}

removed(rc) if rc.change.actions == ["delete"]

removed(rc) if rc.change.actions == ["forget"]

after(rc) := object.get(rc.change, "after", {})

# get returns the planned value at path, or null when absent or null.
get(rc, path) := object.get(object.get(rc.change, "after", {}), path, null)

# obj turns null into an empty object.
obj(x) := x if is_object(x)

else := {}

# arr turns null into an empty array.
arr(x) := x if is_array(x)

else := []

# unknown: the value at path (or part of it) is known only after apply.
# (Known values, the common case, stop at v != false before walk.)
unknown(rc, path) if {
	v := object.get(object.get(rc.change, "after_unknown", {}), path, false)
	v != false
	walk(v, [_, true])
}

# module_names: ["a", "b"] for module.a["x"].module.b[0].
module_names(rc) := [m[1] |
	some m in regex.find_all_string_submatch_n(`module\.([A-Za-z0-9_-]+)`, object.get(rc, "module_address", ""), -1)
]

module_path(rc) := names_path(module_names(rc))

# names_path: the path of a module's configuration below root_module.
names_path(names) := [p |
	some name in names
	some p in ["module_calls", name, "module"]
]

# config_root: the plan's root module configuration, {} when absent. (Read
# as input.configuration, never through a bare `input`: the gate converts
# only the input members the policies name.)
default config_root := {}

config_root := root if {
	root := input.configuration.root_module
	is_object(root)
}

config_module(rc) := object.get(config_root, module_path(rc), {})

# module_names_by_address: module_names of every module address that holds
# a resource, computed once per address rather than once per lookup.
module_names_by_address := {ma: names |
	some ma in {module_address(rc) | some rc in resources}
	names := [m[1] | some m in regex.find_all_string_submatch_n(`module\.([A-Za-z0-9_-]+)`, ma, -1)]
}

# module_index: the managed resources of a configuration module by [type, name].
module_index(names) := {[r.type, r.name]: r |
	some r in object.get(object.get(config_root, names_path(names), {}), "resources", [])
	r.mode == "managed"
}

# config_resources: module_index of every configuration module holding a
# resource of the plan, built once.
config_resources := {names: module_index(names) | some names in {n | some n in module_names_by_address}}

# names_of: module_names(rc), from the per-address index for resources of
# the plan.
names_of(rc) := names if {
	names := module_names_by_address[module_address(rc)]
} else := module_names(rc)

config_index(names) := index if {
	index := config_resources[names]
} else := module_index(names)

config_resource(rc) := config_index(names_of(rc))[[rc.type, rc.name]]

# config_expr: the configuration expression of the attribute at path, or
# null when the configuration does not set it.
config_expr(rc, path) := object.get(config_resource(rc), array.concat(["expressions"], path), null)

# configured: the configuration sets the attribute at path.
configured(rc, path) if config_expr(rc, path) != null

# unset_unknown: unknown and not set in the configuration, so the provider
# computes it (its default applies).
unset_unknown(rc, path) if {
	unknown(rc, path)
	not configured(rc, path)
}

non_resource_roots := {"var", "local", "data", "module", "each", "count", "path", "terraform", "self"}

# resource_reference: ref names an attribute of a managed resource (type.name...).
resource_reference(ref) if {
	parts := split(ref, ".")
	count(parts) >= 2
	not parts[0] in non_resource_roots
}

# resolved_by_resource: unknown, but the configuration sets it only from
# attributes of managed resources in the same configuration (a KMS key, a
# service account, a topic), directly or through module variables whose
# module calls pass such attributes — so it will be set, to that resource's
# value.
resolved_by_resource(rc, path) if {
	unknown(rc, path)
	refs := object.get(config_expr(rc, path), "references", [])
	resolves_to_resources(names_of(rc), refs)
}

# resolves_to_resources: refs (of an expression in the module at names) are
# not empty and each names a managed resource, or a variable of that module
# whose module call sets it from references that resolve the same way in the
# calling module, up through nested module calls. Root variables, locals,
# data sources, module outputs and variables set from constants or not set
# at all do not resolve.
resolves_to_resources(names, refs) if {
	count(refs) > 0
	start := {ref_node(names, ref) | some ref in refs}
	reached := graph.reachable(module_variable_refs, start)
	nodes := start | {n | some v in reached; some n in module_variable_refs[v]}
	every n in nodes {
		node_resolved(n)
	}
}

node_resolved([_, ref]) if resource_reference(ref)

node_resolved(n) if count(module_variable_refs[n]) > 0

# ref_node: a reference as a node of the module variable graph, [module
# names, reference], a variable reference reduced to "var.<name>".
ref_node(names, ref) := [names, concat("", ["var.", name])] if {
	some m in regex.find_all_string_submatch_n(`^var\.([A-Za-z0-9_-]+)`, ref, 1)
	name := m[1]
} else := [names, ref]

# module_chains: the name lists of the configuration modules holding the
# plan's resources and of all their ancestors, the root module excepted.
module_chains := {array.slice(names, 0, i) |
	some names in {n | some n in module_names_by_address}
	count(names) > 0
	some i in numbers.range(1, count(names))
}

# module_variable_refs: the module variable graph, built once. For each
# variable that a module call sets, [names, "var.<name>"] maps to the nodes
# of its expression's references in the calling module.
module_variable_refs := {[names, concat("", ["var.", v])]: refs |
	some names in module_chains
	parent := array.slice(names, 0, count(names) - 1)
	call := object.get(config_root, array.concat(names_path(parent), ["module_calls", names[count(names) - 1]]), {})
	some v, expr in object.get(call, "expressions", {})
	refs := {ref_node(parent, ref) | some ref in object.get(expr, "references", [])}
}

# unresolved: unknown, set in the configuration, and not resolvable to a
# resource of this plan: reported as unknown, never silently compliant.
unresolved(rc, path) if {
	unknown(rc, path)
	configured(rc, path)
	not resolved_by_resource(rc, path)
}

module_address(rc) := object.get(rc, "module_address", "")

issue(rc, msg) := {
	"address": rc.address,
	"module_address": module_address(rc),
	"type": rc.type,
	"message": msg,
	"unknown": false,
}

unknown_issue(rc, path) := {
	"address": rc.address,
	"module_address": module_address(rc),
	"type": rc.type,
	"message": sprintf("%s is known only after apply and its configuration cannot be resolved: cannot verify", [concat(".", [sprintf("%v", [p]) | some p in path])]),
	"unknown": true,
}

# with_severity overrides the rule's severity for one issue.
with_severity(i, sev) := object.union(i, {"severity": sev})

finding(meta, i) := {
	"rule_id": meta.custom.id,
	"title": meta.title,
	"severity": object.get(i, "severity", meta.custom.severity),
	"address": i.address,
	"module_address": i.module_address,
	"type": i.type,
	"message": i.message,
	"unknown": i.unknown,
}

# matches_any: s matches one of the glob patterns (no separators).
matches_any(s, patterns) if {
	some p in patterns
	glob.match(p, null, s)
}

state_bucket(rc) if {
	rc.type == "google_storage_bucket"
	matches_any(get(rc, ["name"]), config.state_bucket_patterns)
}

# undecided: unknown and not resolvable to a resource of this plan.
undecided(rc, path) if {
	unknown(rc, path)
	not resolved_by_resource(rc, path)
}

# IAM: member/binding/policy resources of any Google service, e.g.
# google_project_iam_member, google_cloud_run_v2_service_iam_binding,
# google_pubsub_subscription_iam_policy.
iam_type(type) if regex.match(`^google_[a-z0-9_]+_iam_(member|binding|policy)$`, type)

iam_resources contains rc if {
	some type, rcs in resources_by_type
	iam_type(type)
	some rc in rcs
}

iam_member_paths := [["member"], ["members"], ["policy_data"]]

# unknown_member stands for members known only after apply in iam_grants, so
# role checks still see the grant; member checks skip it (iam_undecided_members
# reports those).
unknown_member := "(known after apply)"

# iam_grants: the {"role", "member"} pairs of an IAM resource.
iam_grants(rc) := ((single | multi) | later) | policy if {
	single := {{"role": get(rc, ["role"]), "member": m} |
		m := get(rc, ["member"])
		is_string(m)
	}
	multi := {{"role": get(rc, ["role"]), "member": m} |
		some m in arr(get(rc, ["members"]))
		is_string(m)
	}
	later := {{"role": get(rc, ["role"]), "member": unknown_member} |
		some path in [["member"], ["members"]]
		unknown(rc, path)
	}
	policy := {{"role": b.role, "member": m} |
		s := get(rc, ["policy_data"])
		is_string(s)
		some b in arr(object.get(json.unmarshal(s), "bindings", []))
		some m in arr(object.get(b, "members", []))
	}
}

# iam_resource_grants: every {"rc", "grant"} pair of the plan's IAM
# resources, built once per evaluation for all the IAM rules (iam_grants is a
# function, so each rule calling it per resource would recompute it).
iam_resource_grants := [{"rc": rc, "grant": g} |
	some rc in iam_resources
	some g in iam_grants(rc)
]

# iam_undecided_members: issues for IAM members known only after apply that
# do not come from a resource of this plan.
iam_undecided_members contains unknown_issue(rc, path) if {
	some rc in iam_resources
	some path in iam_member_paths
	undecided(rc, path)
}

public_principals := {"allUsers", "allAuthenticatedUsers"}

# unknown_configured: unknown and set in the configuration: its value is
# decided at apply time, so a rule that needs a specific value cannot verify it.
unknown_configured(rc, path) if {
	unknown(rc, path)
	configured(rc, path)
}
