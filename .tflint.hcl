# tflint configuration for the platform's Terraform: the shared modules, the
# bootstrap, the examples and every rendered service root (tools/internal/tfcheck
# runs it with --config pointing here). Only the terraform ruleset bundled in
# the pinned tflint (tools/lint/go.mod) is used: no plugin is downloaded, so
# `tflint --init` is never needed and the run works offline.

config {
  # Local module calls are loaded and checked with their caller; the platform's
  # pinned git sources in a service root are not fetched.
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}
