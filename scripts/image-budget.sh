#!/usr/bin/env bash
# image-budget.sh BINARY: checks a rendered service's image binary, built as its Dockerfile builds it
# (scripts/test-rendered.sh builds it; the service's TestDockerfileBuild ties the flags to the Dockerfile):
#   1. it is that build: `go version -m` records -tags=production, -trimpath, CGO_ENABLED=0, and it has no
#      symbol table (-ldflags="-s -w");
#   2. the image stays within its budget, ≤ 30 MB (10^6 bytes; issue 18): the binary plus the base image
#      gcr.io/distroless/static-debian12:nonroot, counted as 2 MiB ("around 2 MiB", the distroless README;
#      documented, not measured: no registry is reachable here);
#   3. the parts the production tag leaves out fail as a user would want: `local`, and `serve` on STORE=sqlite,
#      exit 2 with one line naming the build, not a panic.
# Prints one line with the figures. Exit 1 when a check fails, 2 on bad usage.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -x "$1" ]; then echo "image-budget: usage: image-budget.sh BINARY (an executable)" >&2; exit 2; fi
bin=$1
budget=30000000
base=2097152
fail() { echo "image-budget: $bin: $*" >&2; exit 1; }

info=$(go version -m "$bin")
for want in -tags=production -trimpath=true CGO_ENABLED=0; do
  grep -qxF "$(printf '\tbuild\t%s' "$want")" <<<"$info" || fail "not the image's build: go version -m lacks build $want"
done
if go tool nm "$bin" >/dev/null 2>&1; then fail "not stripped: it has a symbol table (the Dockerfile builds with -ldflags=\"-s -w\")"; fi

size=$(stat -c %s "$bin")
image=$((size + base))
awk -v s="$size" -v b="$base" -v i="$image" -v u="$budget" 'BEGIN {
  printf "image-budget: binary %.2f MB + distroless/static base %.2f MB = image %.2f MB (budget %.2f MB)\n", s/1e6, b/1e6, i/1e6, u/1e6 }'
[ "$image" -le "$budget" ] || fail "the image would be $image bytes, over the budget of $budget (docs/image-size.md: where the bytes are)"

check_left_out() { # what env... -- args...
  local what=$1; shift
  local envs=() out code
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  set +e
  out=$(env -i PATH="$PATH" HOME="${HOME:-/tmp}" "${envs[@]}" "$bin" "$@" 2>&1 >/dev/null)
  code=$?
  set -e
  [ "$code" -eq 2 ] || fail "$what: exit $code, want 2 (bad input); output: $out"
  [ "$(wc -l <<<"$out")" -eq 1 ] || fail "$what: want one line, got: $out"
  grep -q 'not in this build.*-tags production' <<<"$out" || fail "$what: the line does not name the build: $out"
}
check_left_out "local" -- local
check_left_out "serve on STORE=sqlite" STORE=sqlite -- serve
