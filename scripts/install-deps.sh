#!/usr/bin/env bash
# install-deps.sh: installs, once, everything `make test` needs beyond Go:
#  - Debian chromium (headless docs-UI test of the rendered service);
#  - shellcheck (actionlint runs it over every workflow's run: scripts);
#  - Debian postgresql (server binaries only used by tools/backstage-e2e, which runs its own server);
#  - the pinned npm packages of tools/render-check (the real Backstage scaffolder), when present;
#  - the pinned npm packages of tools/backstage-e2e (a real Backstage backend), when present;
#  - the pinned opa, tflint, staticcheck, terraform and act binaries in .bin/ (built from go.mod, tools/lint/go.mod,
#    tools/terraform/go.mod and tools/act/go.mod);
#  - the pinned npm packages of tools/pipeline-e2e/standins/artifact (the artifact stand-ins' @actions/artifact).
# Go modules and Go tools come from go.mod/go.sum through the module proxy.
# Idempotent: a second run finds everything in place and returns in a second.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=()
command -v chromium >/dev/null 2>&1 || apt_pkgs+=(chromium)
command -v shellcheck >/dev/null 2>&1 || apt_pkgs+=(shellcheck)
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || apt_pkgs+=(postgresql)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to apt-get install ${apt_pkgs[*]} (or install them yourself)" >&2
    exit 2
  fi
  echo "install-deps: apt-get install ${apt_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}" >/dev/null
fi
echo "install-deps: $(chromium --version 2>/dev/null || echo 'chromium missing')"
pg_server=$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -n 1 || true)
echo "install-deps: $( [ -n "$pg_server" ] && "$pg_server" --version || echo 'postgresql missing')"
echo "install-deps: shellcheck $(shellcheck --version 2>/dev/null | sed -n 's/^version: //p' || echo missing)"

# The opa CLI, pinned by go.mod's `tool` directive (same OPA as the gate embeds, same build cache): the
# policy gate's peer cross-check runs the real binary next to the embedded engine.
mkdir -p .bin
if [ ! -x .bin/opa ] || [ go.mod -nt .bin/opa ]; then
  echo "install-deps: go build opa (go.mod tool)"
  go build -o .bin/opa github.com/open-policy-agent/opa
fi
echo "install-deps: $(.bin/opa version | head -n 1 | sed 's/Version: /opa /')"

# tflint with its bundled terraform ruleset, pinned by the `tool` directive of the nested module
# tools/lint (so the root module's `go test ./...` never builds it): repocheck lints every Terraform root.
if [ ! -x .bin/tflint ] || [ tools/lint/go.mod -nt .bin/tflint ]; then
  echo "install-deps: go build tflint (tools/lint/go.mod tool)"
  (cd tools/lint && go build -o ../../.bin/tflint github.com/terraform-linters/tflint)
fi
echo "install-deps: $(TFLINT_DISABLE_VERSION_CHECK=1 .bin/tflint --version | head -n 1)"

# staticcheck, pinned by the same nested module: lints the tools and every rendered service with one
# configuration (skeleton/staticcheck.conf; the root staticcheck.conf links to it).
if [ ! -x .bin/staticcheck ] || [ tools/lint/go.mod -nt .bin/staticcheck ]; then
  echo "install-deps: go build staticcheck (tools/lint/go.mod tool)"
  (cd tools/lint && go build -o ../../.bin/staticcheck honnef.co/go/tools/cmd/staticcheck)
fi
echo "install-deps: $(.bin/staticcheck -version)"

# terraform v1.5.7 (the last MPL release), pinned by the nested module tools/terraform: repocheck runs
# `terraform fmt -check` and plans output-only roots that evaluate the Terraform's names, labels and validations.
# The real google provider is never downloaded (no registry access).
if [ ! -x .bin/terraform ] || [ tools/terraform/go.mod -nt .bin/terraform ]; then
  echo "install-deps: go build terraform (tools/terraform/go.mod tool)"
  (cd tools/terraform && go build -o ../../.bin/terraform github.com/hashicorp/terraform)
fi
echo "install-deps: $(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null .bin/terraform version | head -n 1)"

# nektos/act v0.2.89, pinned by the nested module tools/act: tools/pipeline-e2e runs the generated service's
# workflows with it on the host (no Docker). ~6 min cold build.
if [ ! -x .bin/act ] || [ tools/act/go.mod -nt .bin/act ]; then
  echo "install-deps: go build act (tools/act/go.mod tool)"
  (cd tools/act && go build -o ../../.bin/act github.com/nektos/act)
fi
echo "install-deps: act $(.bin/act --version | sed 's/^act version //')"

if [ -f tools/render-check/package-lock.json ]; then
  if [ ! -d tools/render-check/node_modules ] || [ tools/render-check/package-lock.json -nt tools/render-check/node_modules ]; then
    echo "install-deps: npm ci (tools/render-check)"
    (cd tools/render-check && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
    touch tools/render-check/node_modules
  fi
fi

# The Backstage backend the e2e test starts (tools/backstage-e2e): no native modules (PostgreSQL through pg).
if [ -f tools/backstage-e2e/package-lock.json ]; then
  if [ ! -d tools/backstage-e2e/node_modules ] || [ tools/backstage-e2e/package-lock.json -nt tools/backstage-e2e/node_modules ]; then
    echo "install-deps: npm ci (tools/backstage-e2e)"
    (cd tools/backstage-e2e && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
    touch tools/backstage-e2e/node_modules
  fi
fi

# The real @actions/artifact client the upload/download-artifact stand-ins run against act's artifact server.
if [ -f tools/pipeline-e2e/standins/artifact/package-lock.json ]; then
  if [ ! -d tools/pipeline-e2e/standins/artifact/node_modules ] || [ tools/pipeline-e2e/standins/artifact/package-lock.json -nt tools/pipeline-e2e/standins/artifact/node_modules ]; then
    echo "install-deps: npm ci (tools/pipeline-e2e/standins/artifact)"
    (cd tools/pipeline-e2e/standins/artifact && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
    touch tools/pipeline-e2e/standins/artifact/node_modules
  fi
fi
