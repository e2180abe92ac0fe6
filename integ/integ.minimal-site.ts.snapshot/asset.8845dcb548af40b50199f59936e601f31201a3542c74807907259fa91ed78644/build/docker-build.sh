#!/usr/bin/env bash
# Builds the Moodle image where Docker runs (CodeBuild): the PHP version of the release from the release table,
# each base image resolved to the digest it has now (or pulled by the digest pinned), the build pinned to those
# digests, and both recorded in the build log, in the image's labels and in a record file of shell assignments
# (BASE_IMAGE=..., COMPOSER_BASE_IMAGE=..., MOODLE_COMMIT=...) that the build exports.
# Usage: docker-build.sh <image reference> [<build context>]
#        docker-build.sh --record-of <image reference>   (an image built before: its record, from its labels)
# Environment (all optional): MOODLE_VERSION (default: the Dockerfile's), BASE_IMAGE_DIGEST and
# COMPOSER_IMAGE_DIGEST (sha256:<64 hex> pins), PHP_IMAGE_REPOSITORY, PHP_IMAGE_VARIANT, COMPOSER_IMAGE and
# MOODLE_GIT_URL (mirrors, default the Dockerfile's), RDS_CA_BUNDLE_URL and RDS_CA_BUNDLE_SHA256 (the CA bundle and
# its pin, default the Dockerfile's), DOCKER_PLATFORM, CACHE_FROM (an image whose layers seed the build),
# BUILD_RECORD (the record file, default /tmp/moodle-image-build.env), DOCKER (the docker command).
set -Eeuo pipefail

docker="${DOCKER:-docker}"
record="${BUILD_RECORD:-/tmp/moodle-image-build.env}"
fail() { echo "docker-build: $*" >&2; exit 1; }

if [[ ${1:-} == --record-of ]]; then
  "$docker" pull "$2" >/dev/null
  labels="$("$docker" image inspect --format '{{ index .Config.Labels "org.opencontainers.image.base.name" }}
{{ index .Config.Labels "org.opencontainers.image.base.digest" }}
{{ index .Config.Labels "io.github.moodle-on-fargate.composer-image" }}
{{ index .Config.Labels "org.opencontainers.image.revision" }}' "$2")"
  { read -r name; read -r digest; read -r composer; read -r commit; } <<<"$labels" || true
  if [[ -z ${digest:-} ]]; then
    printf 'BASE_IMAGE=%s\nCOMPOSER_BASE_IMAGE=\nMOODLE_COMMIT=\n' "not recorded (built before its build recorded the base image)" > "$record"
  else
    printf 'BASE_IMAGE=%s\nCOMPOSER_BASE_IMAGE=%s\nMOODLE_COMMIT=%s\n' "$name@$digest" "${composer:-}" "${commit:-}" > "$record"
  fi
  exit 0
fi

image=$1
context="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
dockerfile_default() { sed -n "s/^ARG $1=//p" "$context/Dockerfile" | head -n 1; }

version="${MOODLE_VERSION:-$(dockerfile_default MOODLE_VERSION)}"
release_field() {
  python3 -c 'import json, sys
table = json.load(open(sys.argv[1]))["releases"]
found = [r for r in table if r["tag"] == sys.argv[2]]
if not found:
    sys.exit("docker-build: Moodle release %r is not in %s (%s): add it to the table or build one of these"
             % (sys.argv[2], sys.argv[1], ", ".join(r["tag"] for r in table)))
print(found[0][sys.argv[3]])' "$context/moodle-releases.json" "$version" "$1"
}
php_version="$(release_field buildPhp)"
commit="$(release_field commit)"

# <repository>, <tag>, a pinned digest or '' -> <repository>:<tag>@<digest>: the digest the registry served.
resolve() {
  local repository=$1 tag=$2 pinned=$3 what=$4 reference output digest
  if [[ -n $pinned ]]; then
    [[ $pinned =~ ^sha256:[0-9a-f]{64}$ ]] || fail "$what digest '$pinned' is not sha256:<64 lower-case hex digits>"
    reference="$repository@$pinned"
  else
    reference="$repository:$tag"
  fi
  output="$("$docker" pull ${DOCKER_PLATFORM:+--platform "$DOCKER_PLATFORM"} "$reference")" || fail "could not pull $what $reference"
  echo "$output" >&2
  # The pull names the digest it resolved ("Digest: sha256:..."); else the pulled reference's RepoDigests.
  digest="$(sed -n 's/^Digest: \(sha256:[0-9a-f]\{64\}\)$/\1/p' <<<"$output" | head -n 1)"
  if [[ -z $digest ]]; then
    local digests
    digests="$("$docker" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$reference")"
    if [[ -n $pinned ]]; then
      grep -qxF "$reference" <<<"$digests" && digest=$pinned
    else
      digest="$(grep -m1 "^$repository@sha256:" <<<"$digests" | cut -d@ -f2 || true)"
    fi
  fi
  [[ -n $digest ]] || fail "the pull of $reference named no digest of $repository"
  if [[ -n $pinned && $digest != "$pinned" ]]; then fail "$what was pinned to $pinned but the registry gave $digest"; fi
  echo "docker-build: $what $repository:$tag is $digest" >&2
  echo "$repository:$tag@$digest"
}

php_repository="${PHP_IMAGE_REPOSITORY:-$(dockerfile_default PHP_IMAGE_REPOSITORY)}"
base_tag="$php_version-${PHP_IMAGE_VARIANT:-$(dockerfile_default PHP_IMAGE_VARIANT)}"
base="$(resolve "$php_repository" "$base_tag" "${BASE_IMAGE_DIGEST:-}" 'base image')"
composer_image="${COMPOSER_IMAGE:-$(dockerfile_default COMPOSER_IMAGE)}"
composer_repository="${composer_image%:*}"
composer_tag="${composer_image##*:}"
if [[ $composer_image == *@* || $composer_tag == */* || $composer_repository == "$composer_image" ]]; then
  fail "COMPOSER_IMAGE '$composer_image' must be <repository>:<tag> (pin it with COMPOSER_IMAGE_DIGEST)"
fi
composer="$(resolve "$composer_repository" "$composer_tag" "${COMPOSER_IMAGE_DIGEST:-}" 'composer image')"

passed=()
for name in MOODLE_GIT_URL RDS_CA_BUNDLE_URL RDS_CA_BUNDLE_SHA256; do
  if [[ -n ${!name:-} ]]; then passed+=(--build-arg "$name=${!name}"); fi
done

echo "docker-build: Moodle $version (commit $commit) on PHP $php_version, base image $base, composer image $composer"
"$docker" build ${DOCKER_PLATFORM:+--platform "$DOCKER_PLATFORM"} ${CACHE_FROM:+--cache-from "$CACHE_FROM"} \
  --build-arg BUILDKIT_INLINE_CACHE=1 \
  --build-arg MOODLE_VERSION="$version" --build-arg PHP_VERSION="$php_version" \
  --build-arg BASE_IMAGE="$base" --build-arg COMPOSER_IMAGE="$composer" ${passed[@]+"${passed[@]}"} \
  --label org.opencontainers.image.version="$version" --label org.opencontainers.image.revision="$commit" \
  --label org.opencontainers.image.base.name="$php_repository:$base_tag" --label org.opencontainers.image.base.digest="${base##*@}" \
  --label io.github.moodle-on-fargate.composer-image="$composer" \
  --tag "$image" "$context"
printf 'BASE_IMAGE=%s\nCOMPOSER_BASE_IMAGE=%s\nMOODLE_COMMIT=%s\n' "$base" "$composer" "$commit" > "$record"
