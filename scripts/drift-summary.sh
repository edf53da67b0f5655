#!/usr/bin/env bash
# Renders the output of `cdk drift --no-color` as the markdown job summary of the drift
# workflow: a verdict, then one section per stack (the CLI's "Stack <name>" headers) with
# its result line and, for a drifted stack, the modified and deleted resources.
#
#   bash scripts/drift-summary.sh STAGE EXIT_STATUS DRIFT_OUTPUT_FILE
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: drift-summary.sh STAGE EXIT_STATUS DRIFT_OUTPUT_FILE" >&2
  exit 2
fi
stage="$1" status="$2" file="$3"

echo "## Drift of $stage"
echo
case "$status" in
  0) echo "No stack of $stage has drifted from the code." ;;
  1) echo "**Drift detected** (or drift detection failed): see the stacks below and the README's \"Drift\" runbook." ;;
  *) echo "**cdk drift exited $status**: the check itself failed (credentials, permissions or synthesis); see the log." ;;
esac
echo

awk '
  function flush() {
    if (name == "") return
    verdict = (body ~ /No drift detected/) ? "no drift" : "**drifted or not checked**"
    printf "### %s: %s\n\n", name, verdict
    if (verdict != "no drift") { printf "```\n%s```\n\n", body }
  }
  /^Stack / { flush(); name = substr($0, 7); body = ""; next }
  name != "" { body = body $0 "\n" }
  END { flush() }
' "$file"
