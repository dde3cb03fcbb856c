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

import "github.com/acme-platform/golden-path/tools/internal/cli"

// main exits 0, 2 or 3; run prints its own (redacted) messages, so Main adds none.
func main() { cli.Main("jiranotify", run) }
