#!/usr/bin/env bash
# Writes `cdk diff` output for the pull-request comment (diff.yml), one file per run, into
# <out-dir>; tools/prcomment turns the files into the comment.
#
#   scripts/cdk-diff.sh deployed  <head-assembly> <out-dir> <Stage>
#       diff the stage's stacks against what is deployed (needs AWS credentials that can
#       assume the CDK lookup role; --method template never creates a change set)
#   scripts/cdk-diff.sh templates <head-assembly> <out-dir> <base-assembly>
#       offline: diff every stack against the base assembly's template of the same stack
#       (a stack new in head is compared with an empty template); writes the names of
#       base stacks missing from head to <out-dir>/removed-stacks
#
# The CLI prints the diff on stderr; that is what the files hold.
set -euo pipefail

if [[ $# -ne 4 ]]; then
  echo "usage: $0 deployed <head-assembly> <out-dir> <Stage> | $0 templates <head-assembly> <out-dir> <base-assembly>" >&2
  exit 2
fi
mode="$1" head="$2" out="$3" arg="$4"
root="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="${root}/node_modules/.bin:${PATH}"
export CDK_DISABLE_CLI_TELEMETRY=true NO_COLOR=1
mkdir -p "${out}"

# stacks <assembly>: "<display name><TAB><template path>" per stack.
stacks() { (cd "${root}" && go run ./tools/stateguard -list -head "$1"); }

case "${mode}" in
  deployed)
    stage="${arg}"
    echo "cdk-diff: ${stage}/* against the deployed stacks" >&2
    cdk diff --app "${head}" "${stage}/*" --method template --fail-on never 2>"${out}/${stage}.txt" || {
      cat "${out}/${stage}.txt" >&2
      echo "cdk-diff: cdk diff of ${stage} failed (see above)" >&2
      exit 1
    }
    ;;
  templates)
    base="${arg}"
    empty="${out}/.empty-template.json"
    echo '{}' >"${empty}"
    base_list="$(stacks "${base}")"
    head_list="$(stacks "${head}")"
    declare -A base_tpl=()
    while IFS=$'\t' read -r name tpl; do base_tpl["${name}"]="${tpl}"; done <<<"${base_list}"
    declare -A in_head=()
    i=0
    while IFS=$'\t' read -r name _; do
      in_head["${name}"]=1
      i=$((i + 1))
      against="${base_tpl[${name}]:-${empty}}"
      echo "cdk-diff: ${name} against ${against}" >&2
      file="${out}/$(printf '%03d' "${i}").txt"
      cdk diff --app "${head}" --exclusively --template "${against}" "${name}" --fail-on never 2>"${file}" || {
        cat "${file}" >&2
        echo "cdk-diff: cdk diff of ${name} failed (see above)" >&2
        exit 1
      }
    done <<<"${head_list}"
    : >"${out}/removed-stacks"
    for name in "${!base_tpl[@]}"; do
      [[ -n "${in_head[${name}]:-}" ]] || echo "${name}" >>"${out}/removed-stacks"
    done
    ;;
  *)
    echo "cdk-diff: unknown mode ${mode} (deployed or templates)" >&2
    exit 2
    ;;
esac
