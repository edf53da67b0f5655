#!/usr/bin/env bash
# Post-deploy smoke test: GET <url> until it answers 200, or fail.
#
#   scripts/smoke.sh <url> [attempts=20] [delay-seconds=15]
#
# Each attempt has a 10 s timeout. A new task set can take a few minutes to pass its
# load-balancer health checks after `cdk deploy` returns, hence the retries.
set -euo pipefail

url="${1:?usage: $0 <url> [attempts] [delay-seconds]}"
attempts="${2:-20}"
delay="${3:-15}"

for ((i = 1; i <= attempts; i++)); do
  code="$(curl --silent --show-error --output /dev/null --write-out '%{http_code}' --max-time 10 "${url}" || true)"
  if [[ "${code}" == "200" ]]; then
    echo "smoke: ${url} answered 200 (attempt ${i}/${attempts})"
    exit 0
  fi
  echo "smoke: ${url} answered ${code:-nothing} (attempt ${i}/${attempts})" >&2
  if ((i < attempts)); then sleep "${delay}"; fi
done
echo "smoke: ${url} never answered 200 in ${attempts} attempts: the deployment is unhealthy" >&2
exit 1
