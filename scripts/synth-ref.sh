#!/usr/bin/env bash
# Synthesizes a git revision of this repository into a directory, without touching the
# working tree: used to get the base branch's templates for the stateful guard
# (`make guard`) and for the diff comment's fallback (diff.yml).
#
#   scripts/synth-ref.sh <git-ref> <out-dir> [extra cdk synth arguments, e.g. -c staging.account=…]
#
# The revision is checked out in a temporary `git worktree` (removed afterwards). It
# reuses this checkout's node_modules when both package-lock.json files are identical,
# and runs `npm ci` there otherwise. Synthesis is offline; policy findings do not fail it
# (no --strict): the output is for comparison only.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 <git-ref> <out-dir> [cdk synth args...]" >&2
  exit 2
fi
ref="$1"
out="$2"
shift 2

root="$(git rev-parse --show-toplevel)"
case "${out}" in
  /*) ;;
  *) out="${PWD}/${out}" ;;
esac

if ! git -C "${root}" rev-parse --verify --quiet "${ref}^{commit}" >/dev/null; then
  echo "synth-ref: ${ref} is not a commit here; fetching it from origin" >&2
  git -C "${root}" fetch --no-tags --depth=1 origin "${ref}"
  ref="FETCH_HEAD"
fi

worktree="$(mktemp -d "${TMPDIR:-/tmp}/garcon-synth-ref.XXXXXX")"
cleanup() { git -C "${root}" worktree remove --force "${worktree}" >/dev/null 2>&1 || rm -rf "${worktree}"; }
trap cleanup EXIT
git -C "${root}" worktree add --detach --quiet "${worktree}" "${ref}"
echo "synth-ref: $(git -C "${worktree}" rev-parse --short HEAD) (${ref}) → ${out}" >&2

if [[ -d "${root}/node_modules" ]] && cmp -s "${root}/package-lock.json" "${worktree}/package-lock.json"; then
  ln -s "${root}/node_modules" "${worktree}/node_modules"
else
  (cd "${worktree}" && npm ci --no-audit --no-fund)
fi

rm -rf "${out}"
(
  cd "${worktree}"
  export PATH="${worktree}/node_modules/.bin:${PATH}"
  export CDK_DISABLE_CLI_TELEMETRY=true
  cdk synth '**' --quiet --output "${out}" "$@"
)
