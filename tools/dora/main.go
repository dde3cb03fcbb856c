// Command dora prints the four DORA keys of one service over a window, from
// its deploy workflow's successful runs on GitHub and its Jira tickets
// (ci-failure tickets of jiranotify, incidents of alertbridge):
//
//	go run ./tools/dora --repo acme/flight-events --jira-base-url https://acme.atlassian.net \
//	  --jira-project OPS --days 30 --format markdown --out dora.json
//
// GITHUB_TOKEN (actions: read, contents: read) and the JIRA_* credentials
// come from the environment. Exit codes: 0 ok, 2 bad input, 3 GitHub or Jira
// failed. Definitions and formulas: docs/dora.md.
package main

import "github.com/acme-platform/golden-path/tools/internal/cli"

func main() { cli.Main("dora", run) }
