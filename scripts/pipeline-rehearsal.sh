#!/usr/bin/env bash
# pipeline-rehearsal.sh: runs, offline, the decision chain of a service's pipeline
# (.github/workflows/terraform-gate.yml → deploy.yml → jira-notify.yml) on committed
# fixtures, with the same tools and flags the workflows use:
#   1. policy gate on the default plan fixture (iac/testdata/service-plan.json, else the
#      policy package's compliant fixture);
#   2. cost gate on a synthetic Infracost diff with the rendered service's cost policy;
#   3. the pull-request comment it would upsert (--post --dry-run);
#   4. deploy: runs only if both gates passed;
#   5. the Jira request jiranotify would send for the failed job (open --dry-run, no credentials);
#   6. a production alert's open and closed notifications through tools/alertbridge to a Jira fake.
# No network: the tools are built from this tree, the service is rendered from the example case.
# Exit 0 when the chain ran and every tool answered with a decision (0 or 1); 2+ from a tool
# (bad input, evaluation error) fails the rehearsal.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

case_file=${REHEARSAL_CASE:-template/testdata/cases/example.yaml}
diff_fixture=${REHEARSAL_DIFF:-tools/internal/cost/testdata/synthetic/gcp_pr.json}
plan=iac/testdata/service-plan.json
[ -f "$plan" ] || plan=tools/internal/policy/testdata/plans/compliant.json
[ -f "$plan" ] || { echo "rehearsal: no plan fixture (iac/testdata/service-plan.json)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/rehearsal.XXXXXX")
trap 'rm -rf "$work"' EXIT

section() { printf '\n===== %s =====\n' "$*"; }
# decide NAME RC: 0 pass, 1 blocked, anything else is not a decision.
decide() {
  case "$2" in
    0) echo ">>> $1: PASS (exit 0)" ;;
    1) echo ">>> $1: BLOCKED (exit 1)" ;;
    *) echo ">>> $1: ERROR (exit $2): not a decision, the pipeline fails closed" >&2; exit "$2" ;;
  esac
}

section "build the tools (as go install …@<platform ref> does in the workflows)"
go build -o "$work/bin/" ./tools/policygate ./tools/costgate ./tools/jiranotify ./tools/scaffold
"$work/bin/scaffold" --values "$case_file" --out "$work/service" 2> "$work/scaffold.log" || { cat "$work/scaffold.log" >&2; exit 2; }
tail -n 1 "$work/scaffold.log"
svc="$work/service"

section "1. policy gate: policygate --plan $plan --format text"
policy_rc=0
"$work/bin/policygate" --plan "$plan" --tf-dir "$svc/iac" --format text || policy_rc=$?
decide "policy gate" "$policy_rc"

section "2. cost gate: costgate --infracost $diff_fixture --policy costpolicy.yaml (rendered from $(basename "$case_file"))"
cost_rc=0
"$work/bin/costgate" --infracost "$diff_fixture" --policy "$svc/costpolicy.yaml" --format text || cost_rc=$?
decide "cost gate" "$cost_rc"

section "3. the pull-request comment the cost gate would upsert (--post --dry-run)"
post_rc=0
env -u GITHUB_TOKEN -u GITHUB_STEP_SUMMARY "$work/bin/costgate" --infracost "$diff_fixture" --policy "$svc/costpolicy.yaml" \
  --format markdown --post --dry-run --pr 42 --repo acme/flight-events 2> "$work/post.log" || post_rc=$?
cat "$work/post.log"
[ "$post_rc" -le 1 ] || { echo "rehearsal: comment dry run failed (exit $post_rc)" >&2; exit "$post_rc"; }

section "4. deploy (needs: build, gates)"
# Both gates run in the reusable workflow called by the service's job "gates".
jira_cmd=close
if [ "$policy_rc" -eq 0 ] && [ "$cost_rc" -eq 0 ]; then
  echo ">>> deploy: would apply the gated plan and deploy the image by digest"
else
  jira_cmd=open
  echo ">>> deploy: SKIPPED (job 'gates' failed); the run is red"
fi

section "5. Jira (main-branch run): jiranotify $jira_cmd --job gates --dry-run"
# The project key comes from the rendered catalog-info.yaml, as jira-notify.yml reads it.
key=$(sed -nE 's/^[[:space:]]*jira\/project-key:[[:space:]]*"?([A-Z][A-Z0-9]{1,9})"?[[:space:]]*$/\1/p' "$svc/catalog-info.yaml" | head -n 1)
if [ -z "$key" ]; then
  echo ">>> jira: no jira/project-key annotation in the rendered catalog-info.yaml: nothing is sent"
else
  # A simulated main-branch run of the generated service; no credentials, so nothing is searched or written.
  ctx=(--base-url https://acme.atlassian.net --project "$key" --repository acme/flight-events
    --server-url https://github.com --run-id 9876543210 --run-attempt 1 --sha 3f5e2a1c0b9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f
    --branch main --event push --workflow ci --workflow-file .github/workflows/ci.yml --actor octocat)
  jira_rc=0
  env -i PATH="$PATH" HOME="$HOME" "$work/bin/jiranotify" "$jira_cmd" --dry-run --job gates "${ctx[@]}" < /dev/null 2>&1 || jira_rc=$?
  [ "$jira_rc" -eq 0 ] || { echo "rehearsal: jiranotify dry run failed (exit $jira_rc)" >&2; exit "$jira_rc"; }
  echo ">>> jira: request printed above, not sent"
fi

section "6. production alert → incident → resolve (tools/alertbridge against the Jira fake)"
# The bridge's handler receives Cloud Monitoring's documented open and closed notifications and talks to
# the httptest fake of Jira's REST API; the test passes only if the requests it sent are exactly the
# committed ones, which are summarized here.
go test -count=1 -v -run '^TestDocumentedPayloads$/^open_then_closed$' ./tools/internal/alertbridge/ > "$work/bridge.log" 2>&1 \
  && grep -q -- '--- PASS: TestDocumentedPayloads/open_then_closed' "$work/bridge.log" \
  || { cat "$work/bridge.log" >&2; echo "rehearsal: the alert bridge chain did not run or failed" >&2; exit 1; }
jq -r '.[] | "\(.delivery) → HTTP \(.status) \(.response.action // "") \(.response.key // "")", (.jira[] | "    \(.method) \(.path)\(if .body.transition then " (transition \(.body.transition.id))" else "" end)")' \
  tools/internal/alertbridge/testdata/open_then_closed.golden.json
echo ">>> alert bridge: one incident opened in the service desk, commented with its duration and resolved when closed"
