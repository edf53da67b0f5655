#!/usr/bin/env bash
# Prints, one per line, the CDK context arguments that replace config's placeholder
# account ids with the real ones: "-c" "<env>.account=<id>" for every repository variable
# AWS_ACCOUNT_ID_<ENV> (ENV upper-case, '_' for '-', e.g. AWS_ACCOUNT_ID_STAGING), and
# "-c" "dns.account=<id>" for DNS_ZONE_ACCOUNT_ID (the account owning the parent zone).
#
# Every stage is synthesized and validated together — who owns the hosted zone is checked
# across environments — so a synthesis needs every account, not only the deployed one's.
#
#   VARS_JSON='${{ toJSON(vars) }}' bash scripts/account-context.sh
#   mapfile -t context < <(VARS_JSON=… bash scripts/account-context.sh); cdk synth … "${context[@]}"
set -euo pipefail

if [[ -z "${VARS_JSON:-}" ]]; then
  echo "account-context: VARS_JSON is empty; set it to the workflow's \${{ toJSON(vars) }}" >&2
  exit 2
fi
jq -r '
  to_entries[]
  | if (.key | test("^AWS_ACCOUNT_ID_[A-Z0-9_]+$")) then
      "-c", ((.key | sub("^AWS_ACCOUNT_ID_"; "") | ascii_downcase | gsub("_"; "-")) + ".account=" + .value)
    elif .key == "DNS_ZONE_ACCOUNT_ID" then
      "-c", ("dns.account=" + .value)
    else empty end
' <<<"${VARS_JSON}"
