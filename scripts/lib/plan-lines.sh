#!/usr/bin/env bash
# scripts/bench --plan-lines [SIZES]: how many lines a reviewer reads in the
# human `terraform plan` of one planton_aws_secrets of N names (for each N
# in SIZES, default 300,1000) when one name is added and when one is
# removed. Names are shaped like a platform team's
# (`team-K/production/service-NNN/DATABASE_PASSWORD`). The resource stands
# alone, without consumers: the lines are the provider's own.
#
# Uses $PLANTON_PROVIDER (default target/debug/terraform-provider-planton,
# built if missing), $TERRAFORM (default terraform on PATH) and the
# LocalStack on $LOCALSTACK_PORT (default 4566), which must be running.
# Prints one line per size and writes .cache/bench/plan-lines.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$PLANTON_ROOT"

SIZES="${1:-300,1000}"
PORT="${LOCALSTACK_PORT:-4566}"
endpoint="http://127.0.0.1:${PORT}"
tf="${TERRAFORM:-$(command -v terraform)}"
provider="${PLANTON_PROVIDER:-$PLANTON_ROOT/target/debug/terraform-provider-planton}"
if [ ! -x "$provider" ]; then
    cargo build --locked -p terraform-provider-planton
fi
curl -fsS "$endpoint/_localstack/health" >/dev/null ||
    die "no LocalStack at $endpoint (scripts/localstack start && scripts/localstack wait)"

work="$PLANTON_CACHE/bench/plan-lines"
rm -rf "$work"
mkdir -p "$work/bin"
cp "$provider" "$work/bin/terraform-provider-planton"
cat >"$work/cli.tfrc" <<RC
provider_installation {
  dev_overrides {
    "project-planton/planton" = "$work/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
run_id="pl$(date +%s)"

names_json() { # count, first index
    python3 - "$1" "$2" "$run_id" <<'PY'
import json, sys
count, first, run = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print(json.dumps({"names": [f"{run}/team-{i % 7}/production/service-{i:04d}/DATABASE_PASSWORD" for i in range(first, first + count)]}))
PY
}

results="["
for n in ${SIZES//,/ }; do
    dir="$work/n$n"
    mkdir -p "$dir"
    cat >"$dir/main.tf" <<TF
terraform {
  required_providers {
    planton = { source = "project-planton/planton" }
  }
}
provider "planton" {
  region = "us-east-1"
  endpoints {
    secretsmanager = "$endpoint"
    sts            = "$endpoint"
  }
  skip_credentials_validation = true
  skip_requesting_account_id  = true
}
variable "names" { type = set(string) }
resource "planton_aws_secrets" "platform" {
  secret_names = var.names
}
TF
    run_id="pl$(date +%s)n$n"
    (cd "$dir" && names_json "$n" 0 >terraform.tfvars.json &&
        "$tf" apply -auto-approve -input=false -no-color >apply.log)
    (cd "$dir" && names_json "$((n + 1))" 0 >terraform.tfvars.json &&
        "$tf" plan -input=false -no-color >plus.txt || true)
    (cd "$dir" && names_json "$((n - 1))" 1 >terraform.tfvars.json &&
        "$tf" plan -input=false -no-color >minus.txt || true)
    # What the plan prints for the resource: from its header to the summary.
    body() { sed -n '/# planton_aws_secrets.platform/,/^Plan:/p' "$1" | wc -l; }
    plus="$(body "$dir/plus.txt")" minus="$(body "$dir/minus.txt")"
    plus_all="$(wc -l <"$dir/plus.txt")" minus_all="$(wc -l <"$dir/minus.txt")"
    echo "plan lines, $n names: +1 name $plus ($plus_all with Terraform's own lines), -1 name $minus ($minus_all)"
    results="$results{\"names\":$n,\"plus_one\":$plus,\"minus_one\":$minus,\"plus_one_all\":$plus_all,\"minus_one_all\":$minus_all},"
    (cd "$dir" && names_json "$n" 0 >terraform.tfvars.json &&
        "$tf" destroy -auto-approve -input=false -no-color >destroy.log)
done
echo "${results%,}]" >"$PLANTON_CACHE/bench/plan-lines.json"
