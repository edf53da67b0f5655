#!/usr/bin/env bash
# Run the black-box E2E suite (app/e2e) against a deployed environment and say which check
# failed: the `go test -v` output goes to the log, a table of every check to the job
# summary ($GITHUB_STEP_SUMMARY when set) and each failure becomes an error annotation.
#
#   GARCON_E2E_RESTAURANT_ID=<id> scripts/e2e.sh <api-url> [static-url]
#
# Exit status: go test's (0 every check passed or was skipped for a reason it printed).
set -euo pipefail

api="${1:?usage: $0 <api-url> [static-url]}"
static="${2:-}"
: "${GARCON_E2E_RESTAURANT_ID:?set GARCON_E2E_RESTAURANT_ID to a restaurant whose menu exists in the environment}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
log="$(mktemp)"
trap 'rm -f "${log}"' EXIT

cd "$(dirname "$0")/../app"
status=0
GARCON_E2E_BASE_URL="${api}" GARCON_E2E_STATIC_URL="${static}" \
  go test -count=1 -v ./e2e 2>&1 | tee "${log}" || status=$?

{
  echo "### E2E suite against ${api}"
  echo
  echo "| check | result |"
  echo "|---|---|"
  # shellcheck disable=SC2016 # the backticks are Markdown, not a command substitution
  sed -nE 's/^ *--- (PASS|FAIL|SKIP): ([^ ]+) .*/| `\2` | \1 |/p' "${log}"
  echo
} >>"${summary}"
while read -r name; do
  echo "::error title=E2E check failed::${name} failed against ${api} (its assertions are in the log above)"
done < <(sed -nE 's/^ *--- FAIL: ([^ ]+) .*/\1/p' "${log}")
if ! grep -qE '^ *--- (PASS|FAIL)' "${log}"; then
  echo "::error title=E2E suite did not run::no check ran against ${api}" >&2
  ((status)) || status=1
fi
exit "${status}"
