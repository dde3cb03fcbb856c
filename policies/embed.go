// Package policies embeds the platform's Rego policies so the gates ship them
// inside their binaries. It holds no logic: the policy engine lives in
// tools/internal/policy.
package policies

import (
	"embed"
	"io/fs"
)

//go:embed terraform/*.rego
var files embed.FS

// Terraform returns the Terraform plan rules (policies/terraform), their
// shared library, the aggregating package terraform.main and the
// *_test.rego unit tests, rooted at the directory itself.
func Terraform() fs.FS {
	sub, err := fs.Sub(files, "terraform")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory exists
	}
	return sub
}
