// Command costgate is the FinOps gate: it turns Infracost JSON output into a decision against the
// service's cost policy (costpolicy.yaml plus the platform's Rego cost policies) and a pull-request
// comment that it can create or update in place.
//
//	go run ./tools/costgate --infracost infracost.json --policy costpolicy.yaml [--format text|json|markdown] [--post]
//
// Exit codes: 0 pass or warn, 1 gate failed, 2 usage or bad input, 3 remote (GitHub) error.
package main

import (
	"context"
	"io"
	"os"

	"github.com/acme-platform/golden-path/tools/internal/cli"
)

func main() { cli.Main("costgate", run) }

// run is main without the process: it reads the environment through os.Getenv.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runEnv(ctx, args, os.Getenv, stdin, stdout, stderr)
}
