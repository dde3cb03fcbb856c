#!/usr/bin/env bash
# test-stress.sh: hunts flaky tests. Runs the tools' tests and the rendered example service's tests
# with -count=5 (STRESS_COUNT), and the packages with concurrency again under -race, while stress-ng
# keeps every core busy. It does not stop at the first failure: every failing test of every phase is
# listed at the end, and the exit status is 1 if there was any.
# stress-ng comes from Debian (installed here when missing, as root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
count=${STRESS_COUNT:-5}
cases=${STRESS_CASES:-template/testdata/cases/example.yaml}
# Packages with goroutines of their own: parallel plan parsing and evaluation, retries, the
# subscriber, the API cache, the store, the scenarios and the binary's end-to-end tests.
tools_race=${STRESS_TOOLS_RACE:-./tools/internal/policy/... ./tools/internal/tfplan/... ./tools/internal/httpretry/... ./tools/internal/cinotify/...}
rendered_race=${STRESS_RENDERED_RACE:-./pubsub/... ./httpapi/... ./sqlitestore/... ./cmd/...}

if ! command -v stress-ng >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-stress: need root to apt-get install stress-ng (or install it yourself)" >&2
    exit 2
  fi
  echo "test-stress: apt-get install stress-ng"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stress-ng >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stress-ng >/dev/null; }
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/stress.XXXXXX")
# One CPU hog per core at full load for the whole run; killed on exit.
stress-ng --cpu "$(nproc)" --cpu-load 100 --quiet &
hog=$!
trap 'kill "$hog" 2>/dev/null; wait "$hog" 2>/dev/null; rm -rf "$logs"' EXIT
echo "test-stress: stress-ng --cpu $(nproc) (pid $hog); -count=$count; logs in $logs"

failed=0
phase() { # name log cmd...
  local name=$1 log=$2; shift 2
  if ! "$root/scripts/phase.sh" "$name" "$@" >"$log" 2>&1; then failed=1; fi
  tail -n 1 "$log"
}
# shellcheck disable=SC2086 # word splitting of the package lists is intended
{
  phase "stress: tools -count=$count" "$logs/tools.log" go test -count="$count" -timeout 60m ./...
  phase "stress: tools -race" "$logs/tools-race.log" go test -race -count="$count" -timeout 60m $tools_race
  phase "stress: rendered -count=$count, -race" "$logs/rendered.log" \
    env GO_TEST_FLAGS="-count=$count" BATCH_TEST_FLAGS="-count=2" RACE_PACKAGES="$rendered_race" scripts/test-rendered.sh $cases
}

echo
if [ "$failed" -eq 0 ]; then
  echo "test-stress: no failures"
  exit 0
fi
echo "test-stress: failures:"
for log in "$logs"/*.log; do
  # Every failing test (with its first lines of output), panics, races and build errors.
  grep -nE -A4 -- '^\s*--- FAIL|^panic:|WARNING: DATA RACE|^FAIL\s|cannot find|build failed' "$log" | sed "s|^|$(basename "$log"): |" || true
done
exit 1
