#!/usr/bin/env bash
# Tears down a disposable environment end to end: empties its backup vaults (CloudFormation
# cannot delete a vault that holds recovery points), then `cdk destroy`s every stack of
# its stage. Buckets empty themselves (their auto-delete custom resource); nothing else of
# a disposable environment is retained. A protected environment is refused by
# tools/teardown before anything is touched.
#
#   cdk synth '**' -c staging.account=… -c production.account=… -c dns.account=…
#   scripts/destroy-environment.sh Staging [--dry-run]
#
# Needs AWS credentials of the environment's account (an administrator; CI never runs it)
# and an assembly in cdk.out synthesized with the real account ids. Safe to run again: a
# vault that is already empty or gone is skipped. If AWS Backup wrote a new recovery point
# between the emptying and the deletion of the Data stack, run it once more.
set -euo pipefail

usage() { echo "usage: $0 <Stage> [--dry-run]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
stage="$1"
dry_run=false
if [[ $# -eq 2 ]]; then
  [[ "$2" == --dry-run ]] || usage
  dry_run=true
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${root}"
export PATH="${root}/node_modules/.bin:${PATH}" CDK_DISABLE_CLI_TELEMETRY=true

run() {
  if [[ "${dry_run}" == true ]]; then
    printf 'would run:'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

plan="$(go run ./tools/teardown -stage "${stage}" cdk.out)"

while IFS=$'\t' read -r kind stack region logical_id; do
  [[ "${kind}" == vault ]] || continue
  if ! vault="$(aws cloudformation describe-stack-resource --stack-name "${stack}" --logical-resource-id "${logical_id}" \
    --region "${region}" --query StackResourceDetail.PhysicalResourceId --output text 2>/dev/null)"; then
    echo "destroy: ${stack}/${logical_id} does not exist in ${region}: nothing to empty" >&2
    continue
  fi
  echo "destroy: emptying backup vault ${vault} (${region})" >&2
  points="$(aws backup list-recovery-points-by-backup-vault --backup-vault-name "${vault}" --region "${region}" \
    --query 'RecoveryPoints[].RecoveryPointArn' --output text)"
  for arn in ${points}; do
    [[ "${arn}" == None ]] && continue
    run aws backup delete-recovery-point --backup-vault-name "${vault}" --recovery-point-arn "${arn}" --region "${region}"
  done
  # Deletion is asynchronous: wait (up to 15 minutes) until the vault is empty.
  for _ in $(seq 1 90); do
    [[ "${dry_run}" == true ]] && break
    left="$(aws backup list-recovery-points-by-backup-vault --backup-vault-name "${vault}" --region "${region}" \
      --query 'length(RecoveryPoints)' --output text)"
    [[ "${left}" == 0 ]] && break
    echo "destroy: ${vault}: ${left} recovery points still being deleted" >&2
    sleep 10
  done
done <<<"${plan}"

run cdk destroy --app cdk.out "${stage}/*" --force
