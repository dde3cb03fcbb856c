// Package tfcheck checks Terraform configurations offline, without providers:
// it parses every .tf file of a module with hashicorp/hcl/v2 and reports
// non-canonical formatting (hclwrite.Format), variables without a type or a
// description, outputs without a description, missing CFT files, unpinned
// providers, resources without labels, module calls that pass undeclared or
// miss required variables, references to module outputs that do not exist,
// and module READMEs whose inputs/outputs tables drift from the code. It also
// wraps the pinned tflint binary (its bundled terraform ruleset) the
// terraform-exec way: TflintCommand builds the command, RunTflint turns its
// JSON output into findings and fails closed on tflint's own errors.
//
// Scope evaluates, for given input variables, what needs no provider: a
// module's variables (with their types and validations), its locals, its
// module calls' inputs and resource arguments built from them, with
// Terraform's functions (Functions). Tests use it to compute every resource
// name and label a plan would get for any template values.
//
// It is not a Terraform evaluator: resource and data source attributes and
// module outputs are unknown to it, and it has no providers, state or graph
// (terraform validate and plan do that where providers exist); it resolves
// module sources only for local paths and this platform's own git
// repository.
package tfcheck
