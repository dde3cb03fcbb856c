#!/usr/bin/env bash
# bench.sh: runs the benchmarks whose figures the README quotes, on this machine, and says which machine it is.
# The service benchmarks run in a freshly rendered example service (the skeleton only builds once rendered).
# BENCH_FILTER=regexp narrows the set by benchmark name; BENCH_COUNT repeats each (default 1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${BENCH_COUNT:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "go: $(go version)"

bench() { # dir pkg pattern [extra go test flags...]
  local dir=$1 pkg=$2 pattern=$3; shift 3
  if [ -n "${BENCH_FILTER:-}" ] && ! [[ $pattern =~ $BENCH_FILTER ]]; then return 0; fi
  (cd "$dir" && "$root/scripts/phase.sh" "bench $pkg $pattern" go test -run '^$' -bench "$pattern" -benchmem -count "$count" "$@" "$pkg")
}

(cd "$root" && go run ./tools/scaffold --values template/testdata/cases/example.yaml --out "$work/svc" 2>/dev/null)
svc=$work/svc
"$root/scripts/kit-workspace.sh" "$svc"
bench "$svc" ./sqlitestore/ 'BenchmarkWriteEventsBatched|BenchmarkListEvents'
bench "$svc" ./pubsub/ 'BenchmarkIngest' -benchtime 100000x
bench "$svc" ./httpapi/ 'BenchmarkDatosVsPlain' -benchtime 20000x
bench "$svc" ./scenario/ '.'

bench "$root" ./tools/internal/render/ '.'
bench "$root" ./tools/internal/policy/ 'BenchmarkGate|BenchmarkProcess' -benchtime 2x
bench "$root" ./tools/internal/costcheck/ '.'
bench "$root" ./tools/internal/costrender/ '.'
