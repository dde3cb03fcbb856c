#!/usr/bin/env bash
# TEMPORARY dev helper until tools/scaffold exists: copies skeleton/ to $1
# substituting the only template expressions Go files use, as the example
# case (template/testdata/cases/example.yaml) would render them.
set -euo pipefail
out=${1:?usage: dev-render.sh OUTDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
(cd "$root/skeleton" && tar cf - .) | (cd "$out" && tar xf -)
if [ -d "$out/cmd/\${{ values.name }}" ]; then mv "$out/cmd/\${{ values.name }}" "$out/cmd/flight-events"; fi
find "$out" -type f \( -name '*.go' -o -name 'go.mod' \) -print0 | xargs -0 sed -i \
  -e 's|\${{ values.goModule }}|github.com/acme/flight-events|g' \
  -e 's|\${{ values.goVersion }}|1.26|g' \
  -e 's|\${{ values.name }}|flight-events|g' \
  -e 's|\${{ values.projectId }}|acme-flights-dev|g' \
  -e 's|\${{ values.dataset }}|flight_events|g' \
  -e 's|\${{ values.table }}|events|g' \
  -e 's|\${{ values.region }}|europe-west1|g'
