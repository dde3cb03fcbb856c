// Package act pins nektos/act, the GitHub Actions runner that tools/pipeline-e2e drives to run the generated
// service's workflows on the host (no Docker): v0.2.89, built from the Go module proxy into .bin/act by
// `make deps` through this nested module's `tool` directive, so the root module's `go test ./...` never builds
// it. It holds no code.
package act
