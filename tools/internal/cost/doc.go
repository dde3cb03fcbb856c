// Package cost is the cost gate's logic, one file per concern:
//
//   - report.go, costs.go: decode Infracost JSON output (format 0.2, `infracost breakdown|diff
//     --format json`), merge several files by projects[] and recompute the figures a gate needs
//     (previous/new/diff totals from the components, unknown (null) costs by address, unsupported
//     resource types, per-resource deltas);
//   - policy.go: a service's cost policy, a YAML file of money limits for the whole change and per
//     project (overridable by a glob on the project), each with a warn and a fail level;
//   - check.go, rego.go: evaluate the policy and Rego cost policies (Infracost's
//     `data.infracost.deny` convention, with embedded OPA) into a decision with one check per rule;
//   - render.go, format.go: the decision as a pull-request comment (markdown with a marker line),
//     plain text and a stable JSON document;
//   - usage.go, model.go, prices.go, estimate.go: an offline estimate of a stack's monthly cost
//     from a `terraform show -json` plan, an Infracost usage file and a fixed list-price table (the
//     README's worked example; it checks a usage file covers every usage-based resource).
//
// It fails closed: a project Infracost could not evaluate fails and unknown costs are never
// counted as zero. It is not a GitHub client (package github posts the comment), reads no flags or
// environment (the costgate command does), and is not Infracost: the model has one price per
// component and no pricing API.
package cost
