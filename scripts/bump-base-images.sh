#!/usr/bin/env bash
# Refresh the digests of the base images pinned in a Dockerfile (default app/Dockerfile).
#
#   scripts/bump-base-images.sh [--check] [Dockerfile]
#
# Every `FROM image:tag@sha256:<digest>` line and the `# syntax=image:tag@sha256:<digest>`
# frontend line keep their tag; the digest is replaced by what the tag points to now in
# its registry: the digest of the multi-platform index, the same value `docker pull
# image:tag` reports and the one Renovate/Dependabot would write. The tag stays the
# source of truth; the digest freezes it between two deliberate bumps.
#
# Resolves with `crane digest` when crane is on PATH, else `docker buildx imagetools
# inspect` (Docker with the Buildx plugin). Needs network access to the registries; no
# login for these public images.
#
# --check   change nothing; exit 1 if any pin is behind its tag (a weekly job can run it).
#
# After a bump: commit the Dockerfile in a pull request. CI builds and scans the image
# with the new bases; the deploy scans what it publishes (docs/ci-cd.md).
set -euo pipefail

check=0
if [[ "${1:-}" == "--check" ]]; then
  check=1
  shift
fi
dockerfile="${1:-app/Dockerfile}"
[[ -f "${dockerfile}" ]] || { echo "bump-base-images: no such file: ${dockerfile}" >&2; exit 2; }

# resolve <image:tag> prints the registry's current digest of the tag.
resolve() {
  local ref="$1" digest
  if command -v crane >/dev/null 2>&1; then
    digest="$(crane digest "${ref}")"
  elif docker buildx version >/dev/null 2>&1; then
    digest="$(docker buildx imagetools inspect "${ref}" --format '{{json .Manifest}}' | jq -r '.digest')"
  else
    echo "bump-base-images: needs crane (go install github.com/google/go-containerregistry/cmd/crane@latest) or docker buildx" >&2
    exit 2
  fi
  [[ "${digest}" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "bump-base-images: ${ref}: unexpected digest '${digest}'" >&2; exit 1; }
  printf '%s\n' "${digest}"
}

# The pinned references, one per line: image:tag@sha256:digest.
mapfile -t pins < <(grep -oE '^(# syntax=|FROM (--platform=[^ ]+ )?)[^ ]+@sha256:[0-9a-f]{64}' "${dockerfile}" |
  sed -E 's/^(# syntax=|FROM (--platform=[^ ]+ )?)//')
if ((${#pins[@]} == 0)); then
  echo "bump-base-images: no image:tag@sha256:digest reference in ${dockerfile}" >&2
  exit 1
fi

behind=0
for pin in "${pins[@]}"; do
  tagged="${pin%@*}"
  old="${pin#*@}"
  if [[ "${tagged##*/}" != *:* ]]; then
    echo "bump-base-images: ${pin} has no tag; pin as image:tag@sha256:... so it can be refreshed" >&2
    exit 1
  fi
  new="$(resolve "${tagged}")"
  if [[ "${new}" == "${old}" ]]; then
    echo "current  ${tagged}@${old}"
    continue
  fi
  behind=1
  echo "behind   ${tagged}: ${old} -> ${new}"
  if ((!check)); then
    # Digests are hex: no character in them is special to sed.
    sed -i "s|${tagged}@${old}|${tagged}@${new}|g" "${dockerfile}"
  fi
done

if ((check && behind)); then
  echo "bump-base-images: pins are behind their tags; run scripts/bump-base-images.sh ${dockerfile}" >&2
  exit 1
fi
