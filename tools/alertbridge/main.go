// Command alertbridge is the platform's small HTTP service that turns Cloud
// Monitoring webhook notifications into Jira Service Management incidents
// (or plain Jira issues): one per incident, commented and resolved when the
// incident closes. It runs on Cloud Run (iac/modules/alertbridge):
//
//	alertbridge --base-url https://acme.atlassian.net --project OPS \
//	  --service-desk-id 4 --request-type-id 27 --resolve-transition Resolve \
//	  --runbook-url https://github.com/acme-platform/flight-events/blob/main/docs/runbook.md
//
// Secrets come from the environment only: ALERTBRIDGE_TOKEN (bearer or
// auth_token query) and/or ALERTBRIDGE_USER + ALERTBRIDGE_PASSWORD (basic),
// and Jira's JIRA_EMAIL + JIRA_API_TOKEN (Cloud) or JIRA_PAT (Data Center).
// It listens on $PORT. Exit codes: 0 after a clean shutdown, 2 bad
// configuration, 3 the listener failed. See docs/alertbridge.md.
package main

import "github.com/acme-platform/golden-path/tools/internal/cli"

func main() { cli.Main("alertbridge", run) }
