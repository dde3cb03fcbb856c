// Command jiranotify opens, deduplicates, updates and closes Jira tickets for
// failed CI runs. A workflow calls it when a job fails (open) and, optionally,
// when it is green again (close):
//
//	go run ./tools/jiranotify open  --base-url https://acme.atlassian.net --project OPS --step "go test"
//	go run ./tools/jiranotify close --base-url https://acme.atlassian.net --project OPS --done-transition Done
//
// Credentials come from the environment only (JIRA_EMAIL + JIRA_API_TOKEN on
// Cloud, JIRA_PAT on Data Center) and are never printed. Exit codes: 0 created,
// commented, skipped or closed; 2 usage or configuration error; 3 Jira error
// after retries.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee *ExitError
		if errors.As(err, &ee) {
			os.Exit(ee.Code)
		}
		fmt.Fprintln(os.Stderr, "jiranotify:", err)
		os.Exit(1)
	}
}
