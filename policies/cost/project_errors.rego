# `import rego.v1` keeps this Rego v1 file loadable by Infracost, whose OPA API defaults to v0 syntax.
package infracost

import rego.v1

# METADATA
# title: Every project is estimated
# description: |
#   Infracost writes zero totals for a project it could not evaluate (metadata.errors, e.g. a
#   Terraform module that does not load). That is an unknown cost, never $0: the change is blocked
#   until the project is estimated.
# custom:
#   id: COST-001
#   severity: HIGH
#   resource_types: ["*"]
#   remediation: Fix the error Infracost reports for the project (run `infracost breakdown --path <dir>` locally).
#   related: ["infracost:metadata.errors"]
deny contains out if {
	some p in input.projects
	errs := object.get(p, ["metadata", "errors"], [])
	out := {
		"msg": project_errors_msg(p, errs),
		"failed": count(errs) > 0,
	}
}

project_errors_msg(p, errs) := sprintf("Project %s could not be estimated: %s", [p.name, concat("; ", [e.message | some e in errs])]) if {
	count(errs) > 0
}

project_errors_msg(p, errs) := sprintf("Project %s was estimated", [p.name]) if {
	count(errs) == 0
}
