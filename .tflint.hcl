# tflint configuration for the platform's Terraform: the shared modules, the
# bootstrap, the examples and every rendered service root (tools/internal/repocheck
# runs it with --config pointing here). Only the terraform ruleset bundled in
# the pinned tflint (tools/lint/go.mod) is used: no plugin is downloaded, so
# `tflint --init` is never needed and the run works offline.

config {
  # Local module calls are loaded and checked with their caller; the platform's
  # pinned git sources in a service root are not fetched.
  call_module_type = "local"
}

# recommended: typed variables, required_version, required_providers (source,
# version, every provider used), unused declarations, deprecated syntax …
plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

# On top of the preset, the platform's module conventions (CONVENTIONS.md §7):
# every variable and output described, main.tf/variables.tf/outputs.tf with the
# declarations where they belong, snake_case names.
rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = true
}

rule "terraform_naming_convention" {
  enabled = true
}
