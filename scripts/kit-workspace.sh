#!/usr/bin/env bash
# kit-workspace.sh DIR: makes the rendered service in DIR build against this checkout's platform kit (kit/).
# The rendered go.mod requires github.com/acme-platform/golden-path/kit at its release tag (kit/vX.Y.Z), which
# a real repository fetches from the module proxy; our tests resolve it here instead, through a go.work beside
# the service (never a replace committed into its go.mod). The replace lives in go.work because a workspace
# `use` of kit/ alone would still make the go command fetch the required tag's go.mod (MVS keeps it in the graph).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -eq 1 ] && [ -f "$1/go.mod" ] || { echo "kit-workspace: usage: kit-workspace.sh RENDERED_DIR (with a go.mod)" >&2; exit 2; }
cd "$1"
rm -f go.work go.work.sum
go work init .
go work edit -replace=github.com/acme-platform/golden-path/kit="$root/kit"
