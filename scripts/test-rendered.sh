#!/usr/bin/env bash
# test-rendered.sh CASE.yaml...: renders every case with the scaffold
# (tools/scaffold) and checks the rendered service: no leftover template
# syntax, gofmt clean, go vet, staticcheck, the image's binary (go build as the Dockerfile builds it, within
# the image budget: scripts/image-budget.sh), go test. The service
# resolves the platform kit to this checkout through a go.work
# (scripts/kit-workspace.sh), written after the leftover-syntax check.
# GO_TEST_FLAGS (default -count=1) and RACE_PACKAGES (packages run again with -race) are set by
# scripts/test-stress.sh. All cases share the Go build cache, so only the first pays for dependencies.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/rendered.XXXXXX")
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || { echo "test-rendered: no cases given" >&2; exit 2; }
(cd "$root" && go build -o "$work/scaffold" ./tools/scaffold)
# The rendered service's docs-UI test drives headless Chromium (installed by `make deps`); in CI it fails
# rather than skips without it. Screenshots of /docs are kept under .artifacts/ for the CI run.
export DOCS_UI_BROWSER=${DOCS_UI_BROWSER:-$(command -v chromium || true)}
mkdir -p "$root/.artifacts"
for case in "$@"; do
  name=$(basename "$case" .yaml)
  out="$work/$name"
  case_path=$(cd "$(dirname "$case")" && pwd)/$(basename "$case")
  (cd "$root" && "$root/scripts/phase.sh" "case $name: render" "$work/scaffold" --values "$case_path" --out "$out" 2>"$work/$name.log") \
    || { cat "$work/$name.log" >&2; exit 1; }
  tail -n 1 "$work/$name.log"
  # .github/** is copied without templating: GitHub's own ${{ }} stays there.
  # -I: binary files (the docs UI's gzip-compressed Swagger UI) are copied byte for byte, never templated.
  left=$(cd "$out" && grep -rlIE '\$\{\{|\{%|undefined|\[object Object\]' --exclude-dir=.github --exclude-dir=.git . || true)
  if [ -n "$left" ]; then echo "case $name: leftover template syntax in: $left" >&2; exit 1; fi
  "$root/scripts/kit-workspace.sh" "$out"
  (
    cd "$out"
    unformatted=$(gofmt -l .)
    [ -z "$unformatted" ] || { echo "case $name: gofmt -l: $unformatted" >&2; exit 1; }
    "$root/scripts/phase.sh" "case $name: vet" go vet ./...
    # The rendered service's own staticcheck.conf is the platform's one lint configuration.
    "$root/scripts/phase.sh" "case $name: staticcheck" "${STATICCHECK_BIN:-$root/.bin/staticcheck}" ./...
    # The command again as the image builds it (-tags production leaves out its local-only file).
    "$root/scripts/phase.sh" "case $name: staticcheck (image build)" "${STATICCHECK_BIN:-$root/.bin/staticcheck}" -tags production ./cmd/...
    # The build is the image's binary, built as the Dockerfile builds it (the service's TestDockerfileBuild keeps
    # these flags equal to the Dockerfile's), held to the image budget and asked for its local-only parts.
    bin="$work/$name-service"
    CGO_ENABLED=0 GOOS=linux "$root/scripts/phase.sh" "case $name: build (image binary)" \
      go build -trimpath -buildvcs=false -tags=production -ldflags="-s -w" -o "$bin" "./cmd/$(basename "$(ls -d cmd/*/)")"
    "$root/scripts/image-budget.sh" "$bin"
    # shellcheck disable=SC2086 # GO_TEST_FLAGS is a list of flags
    DOCS_UI_SCREENSHOT="$root/.artifacts/docs-$name.png" \
      "$root/scripts/phase.sh" "case $name: test" go test ${GO_TEST_FLAGS:--count=1} -timeout 20m ./...
    # The Beam pipeline (batch/) is its own module, with its own go.work for the kit: vet, staticcheck and build
    # for every case; its tests (Prism over 200k generated events, a Dataflow dry run, the service's hand-off to
    # the batch binary) only for the example case, since they take minutes on 2 cores (BATCH_EVENTS overrides).
    (
      cd batch
      GOWORK="$PWD/go.work" "$root/scripts/kit-workspace.sh" .
      "$root/scripts/phase.sh" "case $name: batch vet" go vet ./...
      "$root/scripts/phase.sh" "case $name: batch staticcheck" "${STATICCHECK_BIN:-$root/.bin/staticcheck}" ./...
      "$root/scripts/phase.sh" "case $name: batch build" go build ./...
      if [ "$name" = example ]; then
        # BATCH_TEST_FLAGS (default GO_TEST_FLAGS): make test-stress runs the Prism test fewer times than the rest.
        # shellcheck disable=SC2086 # the flags are a list
        "$root/scripts/phase.sh" "case $name: batch test" go test ${BATCH_TEST_FLAGS:-${GO_TEST_FLAGS:--count=1}} -timeout 30m ./...
      fi
    )
    # make test-stress: the packages with concurrency again under the race detector.
    if [ -n "${RACE_PACKAGES:-}" ]; then
      # shellcheck disable=SC2086 # word splitting of the package list is intended
      "$root/scripts/phase.sh" "case $name: test -race" go test -race ${GO_TEST_FLAGS:--count=1} -timeout 40m $RACE_PACKAGES
    fi
  )
done
