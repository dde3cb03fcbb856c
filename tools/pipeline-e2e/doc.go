// Package pipelinee2e runs the generated service's CI for real: its tests render the example case, make it a
// git repository, and run nektos/act (pinned by tools/act, built into .bin/act by `make deps`) on the rendered
// service's own .github/workflows/ci.yml, on the host (no Docker), with the platform's reusable workflows
// mapped to this checkout (act --local-repository acme-platform/golden-path@<ref>=<checkout>) and the gate
// tools installed by the workflows' own `go install …@<ref>` from a file module proxy built from this
// checkout. Only what needs the internet or GCP is replaced: the actions under standins/ (one per pinned
// action SHA, table in docs/pipelines-act.md) and loopback fakes of GitHub's REST API, Jira, Cloud Storage
// (the Terraform state bucket) and the Go vulnerability database.
//
// It is its own module (fake-gcs-server stays out of the root go.mod) and holds no production code; it is
// not a replay of the gates' decisions (tools/policygate and tools/costgate test those): it tests the
// workflows — their needs, ifs, outputs, artifacts and shell — by running them.
package pipelinee2e
