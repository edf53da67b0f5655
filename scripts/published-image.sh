#!/usr/bin/env bash
# Find the API image that `cdk publish-assets` pushed for a stage, by digest, so the deploy
# can scan exactly what the service will run before CloudFormation points the service at it.
#
#   scripts/published-image.sh <cloud-assembly-dir> <Stage>
#
# Reads the stage's asset manifests (<dir>/assembly-<Stage>/*.assets.json, written by
# `cdk synth`): each Docker image asset names its ECR repository (the CDK bootstrap
# `container-assets` repository, IMMUTABLE tags), its tag (the asset hash) and the
# bootstrap image-publishing role. With that role (assumed from the caller's credentials,
# the deploy role, which may assume it) it reads the tag's digest, logs Docker in to the
# registry for the scanner, and prints, and appends to $GITHUB_OUTPUT when set:
#
#   image=<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>
#   platform=linux/arm64
#   tag=<asset hash>
#
# Exactly one image asset is expected (the API): a second one needs a second scan step,
# and the script fails rather than scanning one of them.
set -euo pipefail

assembly="${1:?usage: $0 <cloud-assembly-dir> <Stage>}"
stage="${2:?usage: $0 <cloud-assembly-dir> <Stage>}"
dir="${assembly}/assembly-${stage}"
[[ -d "${dir}" ]] || { echo "published-image: no nested assembly ${dir} (run cdk synth '${stage}/*' first)" >&2; exit 2; }

# One line per image destination: repository, tag, region, role, platform (tab-separated).
mapfile -t images < <(jq -r '
  .dockerImages // {} | to_entries[] | .value as $a | $a.destinations | to_entries[] |
  [.value.repositoryName, .value.imageTag, .value.region, .value.assumeRoleArn, ($a.source.platform // "linux/amd64")] | @tsv
' "${dir}"/*.assets.json | sort -u)
if ((${#images[@]} != 1)); then
  echo "published-image: expected exactly one Docker image asset in ${dir}, found ${#images[@]}:" >&2
  printf '  %s\n' "${images[@]}" >&2
  exit 1
fi
IFS=$'\t' read -r repository tag region role platform <<<"${images[0]}"
role="${role//\$\{AWS::Partition\}/aws}"
account="$(cut -d: -f5 <<<"${role}")"
[[ "${account}" =~ ^[0-9]{12}$ ]] || { echo "published-image: no account in role ${role}" >&2; exit 1; }

# The image-publishing role's credentials stay in this process.
read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN < <(
  aws sts assume-role --role-arn "${role}" --role-session-name "garcon-scan-${GITHUB_RUN_ID:-local}" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

digest="$(aws ecr describe-images --region "${region}" --repository-name "${repository}" \
  --image-ids "imageTag=${tag}" --query 'imageDetails[0].imageDigest' --output text)"
[[ "${digest}" =~ ^sha256:[0-9a-f]{64}$ ]] || {
  echo "published-image: ${repository}:${tag} is not in ECR (did cdk publish-assets run?): '${digest}'" >&2
  exit 1
}
registry="${account}.dkr.ecr.${region}.amazonaws.com"
aws ecr get-login-password --region "${region}" | docker login --username AWS --password-stdin "${registry}" >/dev/null

{
  echo "image=${registry}/${repository}@${digest}"
  echo "platform=${platform}"
  echo "tag=${tag}"
} | tee -a "${GITHUB_OUTPUT:-/dev/null}"
