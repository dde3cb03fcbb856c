#!/usr/bin/env bash
# test-rendered.sh CASE.yaml...: renders every case and checks the rendered
# service: no leftover template syntax, gofmt clean, go vet, go build, go test.
# All cases share the Go build cache, so only the first pays for dependencies.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rendered.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || { echo "test-rendered: no cases given" >&2; exit 2; }
for case in "$@"; do
  name=$(basename "$case" .yaml)
  out="$work/$name"
  if [ -f "$root/tools/scaffold/main.go" ]; then
    (cd "$root" && go run ./tools/scaffold --values "$case" --out "$out")
  else
    "$root/scripts/dev-render.sh" "$out"
  fi
  left=$(cd "$out" && grep -rlE '\$\{\{|\{%|undefined|\[object Object\]' --exclude-dir=.github --exclude-dir=.git . || true)
  if [ -n "$left" ]; then echo "case $name: leftover template syntax in: $left" >&2; exit 1; fi
  (
    cd "$out"
    unformatted=$(gofmt -l .)
    [ -z "$unformatted" ] || { echo "case $name: gofmt -l: $unformatted" >&2; exit 1; }
    "$root/scripts/phase.sh" "case $name: vet" go vet ./...
    "$root/scripts/phase.sh" "case $name: build" go build ./...
    "$root/scripts/phase.sh" "case $name: test" go test -count=1 ./...
  )
done
