#!/usr/bin/env bash
# pipeline-rehearsal.sh: scenario 3 of tools/pipeline-e2e, run for real by act (docs/pipelines-act.md):
# the example service is rendered, a policy violation (a public API without its waiver) is pushed to main,
# and the service's own .github/workflows/ci.yml runs on this machine with the platform's reusable
# workflows of this checkout: the policy gate fails, deploy never starts, the Jira job opens a ticket on a
# loopback Jira; a second failing push comments on it. Prints each job's result and the ticket.
# Needs `make deps` (.bin/act, .bin/terraform, the stand-ins' npm install). Exit status: the test's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/tools/pipeline-e2e"
log=$(mktemp "${TMPDIR:-/tmp}/rehearsal.XXXXXX")
trap 'rm -f "$log"' EXIT
rc=0
ACT_BIN="$root/.bin/act" TERRAFORM_BIN="${TERRAFORM_BIN:-$root/.bin/terraform}" PIPELINE_E2E_LOGS="$root/.artifacts/pipeline-e2e" \
  go test -count=1 -timeout 40m -v -run '^TestPushPolicyViolation$' . > "$log" 2>&1 || rc=$?
sed -nE 's/^ +[a-z_]+_test\.go:[0-9]+: //p; /^(--- |ok|FAIL)/p' "$log"
[ "$rc" -eq 0 ] || { echo "rehearsal: the scenario failed (exit $rc); act's logs are in .artifacts/pipeline-e2e/" >&2; tail -n 40 "$log" >&2; }
exit "$rc"
