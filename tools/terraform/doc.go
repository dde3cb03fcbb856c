// Package terraform pins the terraform CLI that the offline Terraform checks (tools/internal/repocheck) run:
// v1.5.7, the last MPL-licensed release, built from the Go module proxy by `make deps` through this nested
// module's `tool` directive, so the root module's `go test ./...` never builds it. It holds no code.
package terraform
