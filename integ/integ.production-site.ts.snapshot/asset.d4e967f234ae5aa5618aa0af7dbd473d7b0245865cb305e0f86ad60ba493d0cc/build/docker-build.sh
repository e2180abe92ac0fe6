#!/usr/bin/env bash
# Builds the Moodle image where Docker runs (CodeBuild): the PHP version of the release from the release table,
# each base image resolved to the digest it has now (or pulled by the digest pinned), the build pinned to those
# digests, and both recorded in the build log, in the image's labels and in a record file of shell assignments
# (BASE_IMAGE=..., COMPOSER_IMAGE=...) that the build exports.
# Usage: docker-build.sh <image reference> [<build context>]
#        docker-build.sh --record-of <image reference>   (an image built before: its record, from its labels)
# Environment (all optional): MOODLE_VERSION (default: the Dockerfile's), BASE_IMAGE_DIGEST and
# COMPOSER_IMAGE_DIGEST (sha256:<64 hex> pins), PHP_IMAGE_REPOSITORY, PHP_IMAGE_VARIANT and COMPOSER_IMAGE (mirrors, default the
# Dockerfile's), DOCKER_PLATFORM, CACHE_FROM (an image whose layers seed the build), BUILD_RECORD (the record
# file, default /tmp/moodle-image-build.env), DOCKER (the docker command).
set -Eeuo pipefail

if [[ ${1:-} == --record-of ]]; then
  "${DOCKER:-docker}" pull "$2" >/dev/null
  "${DOCKER:-docker}" image inspect --format '{{ index .Config.Labels "org.opencontainers.image.base.name" }}@{{ index .Config.Labels "org.opencontainers.image.base.digest" }}
{{ index .Config.Labels "io.github.moodle-on-fargate.composer-image" }}
{{ index .Config.Labels "org.opencontainers.image.revision" }}' "$2" \
    | awk 'NR == 1 { print "BASE_IMAGE=" $0 } NR == 2 { print "COMPOSER_IMAGE=" $0 } NR == 3 { print "MOODLE_COMMIT=" $0 }' > "${BUILD_RECORD:-/tmp/moodle-image-build.env}"
  exit 0
fi
image=$1
context="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
docker="${DOCKER:-docker}"
record="${BUILD_RECORD:-/tmp/moodle-image-build.env}"
fail() { echo "docker-build: $*" >&2; exit 1; }
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

# <repository>:<tag> or <repository>@<digest> -> the reference pulled and the digest it has, as <repository>@<digest>.
resolve() {
  local repository=$1 tag=$2 pinned=$3 what=$4 reference digest
  if [[ -n $pinned ]]; then
    [[ $pinned =~ ^sha256:[0-9a-f]{64}$ ]] || fail "$what digest '$pinned' is not sha256:<64 lower-case hex digits>"
    reference="$repository@$pinned"
  else
    reference="$repository:$tag"
  fi
  "$docker" pull ${DOCKER_PLATFORM:+--platform "$DOCKER_PLATFORM"} "$reference" >&2 || fail "could not pull $what $reference"
  digest="$("$docker" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$reference" | grep -m1 "^$repository@sha256:" || true)"
  [[ -n $digest ]] || fail "$reference has no digest of $repository after the pull"
  if [[ -n $pinned && $digest != "$reference" ]]; then fail "$what was pinned to $pinned but the registry gave ${digest#*@}"; fi
  echo "docker-build: $what $repository:$tag is ${digest#*@}" >&2
  echo "$repository:$tag@${digest#*@}"
}

php_repository="${PHP_IMAGE_REPOSITORY:-$(dockerfile_default PHP_IMAGE_REPOSITORY)}"
base_tag="$php_version-${PHP_IMAGE_VARIANT:-$(dockerfile_default PHP_IMAGE_VARIANT)}"
base="$(resolve "$php_repository" "$base_tag" "${BASE_IMAGE_DIGEST:-}" 'base image')"
composer_image="${COMPOSER_IMAGE:-$(dockerfile_default COMPOSER_IMAGE)}"
composer_repository="${composer_image%:*}"
composer_tag="${composer_image##*:}"
if [[ $composer_tag == */* || $composer_repository == "$composer_image" ]]; then fail "COMPOSER_IMAGE '$composer_image' must be <repository>:<tag>"; fi
composer="$(resolve "$composer_repository" "$composer_tag" "${COMPOSER_IMAGE_DIGEST:-}" 'composer image')"

echo "docker-build: Moodle $version (commit $commit) on PHP $php_version, base image $base, composer image $composer"
"$docker" build ${DOCKER_PLATFORM:+--platform "$DOCKER_PLATFORM"} ${CACHE_FROM:+--cache-from "$CACHE_FROM"} \
  --build-arg BUILDKIT_INLINE_CACHE=1 \
  --build-arg MOODLE_VERSION="$version" --build-arg PHP_VERSION="$php_version" \
  --build-arg BASE_IMAGE="$base" --build-arg COMPOSER_IMAGE="$composer" \
  --label org.opencontainers.image.version="$version" --label org.opencontainers.image.revision="$commit" \
  --label org.opencontainers.image.base.name="$php_repository:$base_tag" --label org.opencontainers.image.base.digest="${base##*@}" \
  --label io.github.moodle-on-fargate.composer-image="$composer" \
  --tag "$image" "$context"
printf 'BASE_IMAGE=%s\nCOMPOSER_IMAGE=%s\nMOODLE_COMMIT=%s\n' "$base" "$composer" "$commit" > "$record"
