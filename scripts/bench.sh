#!/usr/bin/env bash
# bench.sh: runs the benchmarks behind every figure of docs/benchmarks.md, on this machine, saves each
# command's raw `go test -bench` output (with the command, where it ran and the date) and has
# scripts/benchtable write docs/benchmarks.md from it. That page is never edited by hand.
# The service benchmarks run in a freshly rendered example service (the skeleton only builds once rendered).
# BENCH_FILTER=regexp narrows the set by benchmark pattern (the page is then written to
# $BENCH_PAGE, default docs/benchmarks.md only for a full run); BENCH_COUNT repeats each (default 3).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${BENCH_COUNT:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
results=$work/results
mkdir -p "$results"

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB, $(go version | cut -d' ' -f3), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $machine"

n=0
bench() { # label dir pkg pattern [extra go test flags...]
  local label=$1 dir=$2 pkg=$3 pattern=$4; shift 4
  if [ -n "${BENCH_FILTER:-}" ] && ! [[ $pattern =~ $BENCH_FILTER ]]; then return 0; fi
  n=$((n + 1))
  local file
  file=$results/$(printf '%02d' "$n").txt
  local cmd=(go test -run '^$' -bench "$pattern" -benchmem -count "$count" "$@" "$pkg")
  {
    printf 'command:'
    for a in "${cmd[@]}"; do
      if [[ $a =~ ^[A-Za-z0-9_./=:-]+$ ]]; then printf ' %s' "$a"; else printf " '%s'" "$a"; fi
    done
    echo
    echo "dir: $label"
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  } >"$file"
  (cd "$dir" && "$root/scripts/phase.sh" "bench $pkg $pattern" "${cmd[@]}") | tee -a "$file"
}

(cd "$root" && go run ./tools/scaffold --values template/testdata/cases/example.yaml --out "$work/svc" 2>/dev/null)
svc=$work/svc
"$root/scripts/kit-workspace.sh" "$svc"
rendered="the rendered example service"
bench "$rendered" "$svc" ./sqlitestore/ 'BenchmarkWriteEventsBatched|BenchmarkListEvents'
bench "$rendered" "$svc" ./pubsub/ 'BenchmarkIngest' -benchtime 100000x
bench "$rendered" "$svc" ./httpapi/ 'BenchmarkDatosVsPlain' -benchtime 20000x
bench "$rendered" "$svc" ./scenario/ 'BenchmarkLoad64Clients60s|BenchmarkStoreOutage30s|BenchmarkSlowStore|BenchmarkCostGuard30s' -count 1
bench "$rendered" "$svc" ./scenario/ 'BenchmarkPoisonSlowdown'
bench "$rendered" "$svc" ./cmd/flight-events/ 'BenchmarkStartToReady' -benchtime 20x
# The Beam pipeline (its own module, batch/): Prism vs the single-process backfill on the same 200k-event input.
(cd "$svc/batch" && GOWORK="$PWD/go.work" "$root/scripts/kit-workspace.sh" .)
bench "$rendered, batch module" "$svc/batch" ./pipeline/ 'BenchmarkBackfill' -benchtime 1x -count 1 -timeout 60m

repo="the repository root"
bench "$repo" "$root" ./tools/internal/render/ '.'
bench "$repo" "$root" ./tools/internal/policy/ 'BenchmarkGate|BenchmarkProcess' -benchtime 2x
bench "$repo" "$root" ./tools/internal/cost/ 'BenchmarkEvaluate|BenchmarkMarkdown'
bench "$repo" "$root" ./tools/internal/upgrade/ 'BenchmarkRender|BenchmarkUpgradeDryRun|BenchmarkUpgradeApply' -benchtime 10x
bench "$repo" "$root" ./tools/internal/upgrade/ 'BenchmarkFleet50' -benchtime 2x
# The six act scenarios of tools/pipeline-e2e (its own module), once each: the wall time make test spends on each.
export ACT_BIN=${ACT_BIN:-$root/.bin/act}
bench "$repo, tools/pipeline-e2e (act)" "$root/tools/pipeline-e2e" . 'BenchmarkScenario' -benchtime 1x -count 1 -timeout 40m

page=${BENCH_PAGE:-}
if [ -z "$page" ]; then
  if [ -n "${BENCH_FILTER:-}" ]; then page=$work/benchmarks.md; else page=$root/docs/benchmarks.md; fi
fi
p=BenchmarkProcess
ratios=(
  -ratio "Ingest: subscriber Handle vs raw batched SQLite insert (events/s);≥ 0.7×;BenchmarkIngest/handler;BenchmarkIngest/store_raw;events/s"
  -ratio "/datos?limit=100, cache + metrics, vs plain net/http writing the same bytes;≥ 0.8×;BenchmarkDatosVsPlain/store=embedded_cached_metrics;;ratio"
  -ratio "/datos, cache off (SQLite queried every time), vs plain net/http;;BenchmarkDatosVsPlain/store=embedded;;ratio"
  -ratio "Policy gate process vs opa eval, terraform-shaped plan, 1k resources;≤ 0.5×;$p/service/resources_1000/policygate;$p/service/resources_1000/opa_eval;ns/op"
  -ratio "Policy gate process vs opa eval, terraform-shaped plan, 10k resources;≤ 0.5×;$p/service/resources_10000/policygate;$p/service/resources_10000/opa_eval;ns/op"
  -ratio "Policy gate process vs opa eval, resource_changes-only plan, 1k;;$p/changes/resources_1000/policygate;$p/changes/resources_1000/opa_eval;ns/op"
  -ratio "Policy gate process vs opa eval, resource_changes-only plan, 10k;;$p/changes/resources_10000/policygate;$p/changes/resources_10000/opa_eval;ns/op"
  -ratio "Policy gate 10k ÷ 1k resources (process, terraform-shaped);≤ 12×;$p/service/resources_10000/policygate;$p/service/resources_1000/policygate;ns/op"
  -ratio "Load: 64 clients × 60 s on /datos, cache on, p99;SLO 800 ms;BenchmarkLoad64Clients60s/cache;;p99_ms"
  -ratio "Poison mix: valid throughput lost to 10 % poison (dead letters to a sink);≤ 10 %;BenchmarkPoisonSlowdown/dl=sink;;slowdown_%"
  -ratio "Poison mix: same, dead letters published through the in-process pstest;;BenchmarkPoisonSlowdown/dl=pstest;;slowdown_%"
  -ratio "Store outage 30 s: events lost;0;BenchmarkStoreOutage30s;;lost"
  -ratio "Cost guards, 64 clients × 30 s of distinct expensive /datos queries: MiB billed (cap 10 MiB × queries run);≤ cap × queries run;BenchmarkCostGuard30s;;billed_MiB"
  -ratio "Cost guards: uncached reads admitted by the per-client rate limit;≤ admitted_bound;BenchmarkCostGuard30s;;admitted"
  -ratio "Cost guards: cached traffic p99 during the attack;SLO 800 ms;BenchmarkCostGuard30s;;cached_p99_ms"
  -ratio "Cost guards: every dashboard request p99 during the attack (stale-while-revalidate);SLO 800 ms;BenchmarkCostGuard30s;;dashboard_p99_ms"
  -ratio "Start → /readyz 200, serve on BigQuery (image binary, the kit's fake via BIGQUERY_ENDPOINT);≤ 100 ms;BenchmarkStartToReady/serve_bigquery_fake;;ms_to_ready"
  -ratio "Start → /readyz 200, subscribe on BigQuery (image binary, fake) with pstest;≤ 100 ms;BenchmarkStartToReady/subscribe_bigquery_fake;;ms_to_ready"
  -ratio "Start → /readyz 200, serve on SQLite (local build);≤ 100 ms;BenchmarkStartToReady/serve_sqlite;;ms_to_ready"
  -ratio "Start → /readyz 200, subscribe on SQLite with pstest (local build);≤ 100 ms;BenchmarkStartToReady/subscribe_sqlite;;ms_to_ready"
  -ratio "Image binary, as the Dockerfile builds it (-tags production -trimpath -s -w), MB;;BenchmarkStartToReady/serve_bigquery_fake;;binary_MB"
  -ratio "Image = image binary + distroless/static base (2 MiB, documented), MB;≤ 30 MB;BenchmarkStartToReady/serve_bigquery_fake;;image_MB"
  -ratio "scaffold upgrade of one service, dry run, vs a fresh render (interleaved);≤ 3×;BenchmarkUpgradeDryRun;;ratio"
  -ratio "scaffold upgrade of one service, applied, vs a fresh render (interleaved);≤ 3×;BenchmarkUpgradeApply;;ratio"
  -ratio "scaffold upgrade of one service, dry run, vs a fresh render: CPU time;≤ 3×;BenchmarkUpgradeDryRun;;cpu_ratio"
  -ratio "scaffold upgrade of one service, applied, vs a fresh render: CPU time;≤ 3×;BenchmarkUpgradeApply;;cpu_ratio"
  -ratio "scaffold upgrade of a fleet of 50, dry run, vs rendering the 50 (interleaved);≤ 3×;BenchmarkFleet50/dry_run;;ratio"
  -ratio "scaffold upgrade of a fleet of 50, applied, vs rendering the 50 (interleaved);≤ 3×;BenchmarkFleet50/apply;;ratio"
  -ratio "act scenario 1, clean pull request (wall s);all six ≤ 6 min;BenchmarkScenario/1_pull_request_clean;;wall_s"
  -ratio "act scenario 2, push to main that deploys (wall s);;BenchmarkScenario/2_push_deploy;;wall_s"
  -ratio "act scenario 3, policy violation: two red runs and the green one (wall s);;BenchmarkScenario/3_push_policy_violation;;wall_s"
  -ratio "act scenario 4, cost gate blocks a pull request (wall s);;BenchmarkScenario/4_pull_request_cost_blocked;;wall_s"
  -ratio "act scenario 5, fork pull request (wall s);;BenchmarkScenario/5_fork_pull_request;;wall_s"
  -ratio "act scenario 6, weekly template upgrade: four runs (wall s);;BenchmarkScenario/6_scheduled_template_upgrade;;wall_s"
  -ratio "Backfill, 200k events in 8 files: Prism vs single process (events/s, wall);;BenchmarkBackfill/runner=prism;BenchmarkBackfill/runner=single_process;events/s"
  -ratio "Backfill on Prism: events per CPU-second (the per-core rate of the Dataflow estimate);;BenchmarkBackfill/runner=prism;;events/cpu_s"
)
if [ -n "${BENCH_FILTER:-}" ]; then ratios=(); fi
(cd "$root" && go run ./scripts/benchtable -o "$page" -machine "$machine" "${ratios[@]}" "$results"/*.txt)
