#!/usr/bin/env bash
# plan-fixture.sh [OUTDIR]: generates, offline, real `terraform show -json`
# plans into OUTDIR (default iac/testdata):
#   service-plan.json    the example case's service root (skeleton/iac
#                        rendered with template/testdata/cases/example.yaml)
#   service-plan-incident-webhook.json  the same with incident_webhook set
#                        (alerts also notify the alert bridge's webhook)
#   service-plan-public.json  the same with publicApi: true (a deliberate
#                        exposure the policy gate must flag)
#   service-plan-long-name-prod.json  the full-public case (a 63-character
#                        name, the template's longest) planned with its prod
#                        tfvars (name + "-prod": 68 characters), so that
#                        terraform itself computes every shortened identifier
#   bootstrap-plan.json  iac/bootstrap for the same project
#   bootstrap-alertbridge-plan.json  the same with var.alertbridge set (the
#                        alert bridge on Cloud Run; its public exposure is
#                        waived in iac/bootstrap/policy-waivers.yaml)
#
# How: the real google provider cannot be downloaded here, so a schema stub
# provider (scripts/planfixture/stubprovider, terraform-plugin-framework) is
# wired in with dev_overrides; the platform's git module source is served
# from a throwaway local git repository of the working tree's iac/ tagged with
# the case's platformRef (git url.insteadOf), so the plan's configuration
# keeps the real pinned source; the gcs backend is replaced by a local one
# with an override file. The plan's shape (format_version, resource_changes,
# after_unknown, configuration) is terraform's own; attribute values are the
# stub's only where the real provider would compute them (ids, emails, URIs:
# unknown in both) or read them (the project number is a fixed fake).
#
# Needs terraform on PATH (any 1.5+; not part of `make test`). Takes about
# 1.5 minutes cold (stub build), seconds warm. Never apply with the stub.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-$root/iac/testdata}
mkdir -p "$outdir"
values=${VALUES:-$root/template/testdata/cases/example.yaml}
command -v terraform >/dev/null || { echo "plan-fixture: terraform is not on PATH" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/plan-fixture.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

echo "plan-fixture: building the stub provider" >&2
(cd "$root/scripts/planfixture/stubprovider" && go build -o "$work/providers/terraform-provider-google" .)

echo "plan-fixture: rendering $(basename "$values")" >&2
(cd "$root" && go run ./tools/scaffold --values "$values" --out "$work/svc" >"$work/scaffold.log" 2>&1) || { cat "$work/scaffold.log" >&2; exit 1; }
ref=$(sed -n 's/^platformRef: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$values")
[ -n "$ref" ] || { echo "plan-fixture: no platformRef in $values" >&2; exit 2; }

# The platform repository at $ref, from the working tree.
mkdir -p "$work/platform"
cp -r "$root/iac" "$work/platform/iac"
git -C "$work/platform" init -q
git -C "$work/platform" add iac
git -C "$work/platform" -c user.name=plan-fixture -c user.email=plan-fixture@localhost commit -qm "platform snapshot"
git -C "$work/platform" tag "$ref"
cat > "$work/gitconfig" <<GIT
[url "file://$work/platform"]
	insteadOf = https://github.com/acme-platform/golden-path.git
GIT
export GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1

cat > "$work/terraformrc" <<HCL
provider_installation {
  dev_overrides {
    "hashicorp/google" = "$work/providers"
  }
  direct {}
}
HCL
export TF_CLI_CONFIG_FILE="$work/terraformrc"

# plan DIR OUT ARGS...: plans the root module in DIR with a local backend and
# writes the JSON plan to OUT.
plan() {
  local dir=$1 out=$2
  shift 2
  (
    cd "$dir"
    # Plan without the remote state bucket.
    printf 'terraform {\n  backend "local" {}\n}\n' > backend_override.tf
    terraform get >/dev/null
    # init resolves modules; with dev_overrides it cannot install the
    # overridden provider and says so, which plan does not need.
    terraform init -input=false -no-color >"$work/init.log" 2>&1 || true
    terraform plan -input=false -no-color -lock=false "$@" -out="$work/plan.tfplan" >"$work/plan.log" \
      || { cat "$work/plan.log" >&2; exit 1; }
    terraform show -json "$work/plan.tfplan" > "$work/plan.json"
  )
  # Pretty-print with sorted keys so diffs of the fixture are readable, and
  # drop the timestamp and sort relevant_attributes so regenerating an
  # unchanged plan is a no-op.
  python3 - "$work/plan.json" "$out" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
plan.pop("timestamp", None)
# terraform emits relevant_attributes in map order: sort it.
plan["relevant_attributes"] = sorted(plan.get("relevant_attributes", []), key=lambda r: json.dumps(r, sort_keys=True))
with open(sys.argv[2], "w") as f:
    json.dump(plan, f, indent=2, sort_keys=True)
    f.write("\n")
PY
  echo "plan-fixture: $(grep -E '^Plan:' "$work/plan.log") → $out" >&2
}

echo "plan-fixture: terraform $(terraform version -json | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p')" >&2
plan "$work/svc/iac" "$outdir/service-plan.json" -var-file=envs/dev.tfvars
plan "$work/svc/iac" "$outdir/service-plan-incident-webhook.json" -var-file=envs/dev.tfvars \
  -var 'incident_webhook={url="https://alertbridge-abc123-ew.a.run.app/v1/cloud-monitoring",username="cloud-monitoring",password_secret="projects/acme-platform/secrets/alertbridge-webhook-password"}'

# A public API needs its waiver's answers (the form requires them): take
# full-public.yaml's.
{ sed 's/^publicApi:.*/publicApi: true/' "$values"; grep -E '^publicApi(Reason|Approver|Expires|Ticket):' "$root/template/testdata/cases/full-public.yaml"; } > "$work/public.yaml"
(cd "$root" && go run ./tools/scaffold --values "$work/public.yaml" --out "$work/svc-public" >"$work/scaffold.log" 2>&1) || { cat "$work/scaffold.log" >&2; exit 1; }
plan "$work/svc-public/iac" "$outdir/service-plan-public.json" -var-file=envs/dev.tfvars

long=${LONG_VALUES:-$root/template/testdata/cases/full-public.yaml}
(cd "$root" && go run ./tools/scaffold --values "$long" --out "$work/svc-long" >"$work/scaffold.log" 2>&1) || { cat "$work/scaffold.log" >&2; exit 1; }
plan "$work/svc-long/iac" "$outdir/service-plan-long-name-prod.json" -var-file=envs/prod.tfvars

project=$(sed -n 's/^projectId: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$values")
region=$(sed -n 's/^region: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$values")
cp -r "$root/iac/bootstrap" "$work/bootstrap"
plan "$work/bootstrap" "$outdir/bootstrap-plan.json" \
  -var "project_id=$project" -var "region=$region" -var github_owner=acme -var 'github_repositories=["acme/flight-events"]' 

cat > "$work/bootstrap/alertbridge.auto.tfvars" <<HCL
alertbridge = {
  image              = "$region-docker.pkg.dev/$project/services/alertbridge@sha256:$(printf '0%.0s' $(seq 64))"
  jira_base_url      = "https://acme.atlassian.net"
  jira_email         = "alertbridge@acme.example"
  jira_project       = "OPS"
  service_desk_id    = "4"
  request_type_id    = "27"
  resolve_transition = "Resolve"
  webhook_user       = "cloud-monitoring"
}
HCL
plan "$work/bootstrap" "$outdir/bootstrap-alertbridge-plan.json" \
  -var "project_id=$project" -var "region=$region" -var github_owner=acme -var 'github_repositories=["acme/flight-events"]'
