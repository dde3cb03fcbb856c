// Package repocheck holds the repository's self-checks, run by `go test
// ./tools/internal/repocheck/`: what no tool offers for this repository's
// Terraform, workflows and template. It is not a library: nothing but tests
// imports it, and its API changes with the checks.
//
// Where a tool does the job, the tests run the tool and this package only
// wraps it the terraform-exec way (a pure function builds the exec.Cmd):
//   - terraform (the pinned v1.5.7, $TERRAFORM_BIN) formats (terraform fmt)
//     and evaluates: WriteHarness copies a module tree's variables (with their
//     validations), locals and the identifier and label attributes of its
//     resources into an output-only configuration that terraform plans without
//     any provider, for many variable sets in one run (tfeval.go);
//   - tflint (the pinned binary, its bundled terraform ruleset, .tflint.hcl)
//     lints types, descriptions, file layout, version pins and naming
//     (tflint.go);
//   - actionlint (github.com/rhysd/actionlint, with shellcheck) lints the
//     workflows (actionlint.go).
//
// What remains is the platform's own conventions, by concern:
//   - terraform.go: the module loader (hashicorp/hcl/v2) and module calls
//     (declared variables, required ones set, outputs that exist, the
//     platform's git source pinned with ?ref=);
//   - tfrules.go: versions.tf, provider versions with an upper bound, no
//     backend in a shared module, labels on every labelled resource;
//   - tfdocs.go: the inputs/outputs tables of the module READMEs (terraform-docs'
//     markers and layout; terraform-docs itself is not available offline);
//   - workflows.go, workflowrules.go: the security rules actionlint lacks
//     (SHA pins, permissions, id-token, pipefail, deploy gates and protection,
//     secrets scope, caller inputs).
package repocheck
