#!/usr/bin/env bash
# Fetches Moodle release MOODLE_VERSION at the commit the release table pins into <destination>, and fails unless
# the tree is that commit (git checks every object against its hash) and that release (version.php), and unless
# the tag, where the remote publishes it, points at the same commit. A tree whose composer.json requires packages
# (Moodle 5.2+, MDL-87950) gets them from its composer.lock, without development packages.
# Usage: fetch-moodle.sh <release table> <destination>
# Environment: MOODLE_VERSION (a tag in the table), MOODLE_GIT_URL (default github.com/moodle/moodle, or a mirror).
set -Eeuo pipefail

table=$1
dest=$2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
url="${MOODLE_GIT_URL:-https://github.com/moodle/moodle.git}"
tag="${MOODLE_VERSION:?MOODLE_VERSION must name a release of the release table}"

fail() { echo "fetch-moodle: $*" >&2; exit 1; }
field() { php "$here/release.php" "$table" "$tag" "$1"; }

commit="$(field commit)" || exit 1
release="$(field release)"
version="$(field version)"
[[ $commit =~ ^[0-9a-f]{40}$ ]] || fail "the release table's commit for $tag, '$commit', is not a 40-hex git commit id"

echo "fetch-moodle: Moodle $tag ($release) at commit $commit from $url"
git init -q "$dest"
git -C "$dest" -c transfer.fsckObjects=true fetch -q --depth 1 --no-tags "$url" "$commit" \
  || fail "could not fetch commit $commit ($tag) from $url: check the commit id in the release table, or MOODLE_GIT_URL"
git -C "$dest" -c advice.detachedHead=false checkout -q --detach FETCH_HEAD
head="$(git -C "$dest" rev-parse HEAD)"
[[ $head == "$commit" ]] || fail "fetched $head, but the release table pins $tag to $commit"

# The tag, if published: an annotated tag's peeled line (^{}) names its commit.
remote_tag="$(git ls-remote --tags "$url" "refs/tags/$tag" "refs/tags/$tag^{}" | sort -k2 | awk 'END { print $1 }')"
if [[ -z $remote_tag ]]; then
  echo "fetch-moodle: $url publishes no tag $tag; the tree is pinned by its commit id"
elif [[ $remote_tag != "$commit" ]]; then
  fail "tag $tag of $url is commit $remote_tag, but the release table pins it to $commit: correct the table (read the tag's commit) before building"
fi

found="$(php "$here/../bin/moodle-facts.php" "$dest" release)|$(php "$here/../bin/moodle-facts.php" "$dest" version)"
[[ $found == "$release|$version" ]] \
  || fail "commit $commit's version.php says '${found%%|*}' (version ${found##*|}), but the release table says '$release' (version $version) for $tag"

rm -rf "$dest/.git"
if php -r '$c = json_decode(file_get_contents($argv[1]), true);
    exit(count(array_filter(array_keys($c["require"] ?? []), fn ($p) => $p !== "php" && !str_starts_with($p, "ext-"))) ? 0 : 1);' "$dest/composer.json"; then
  [[ -f $dest/composer.lock ]] || fail "$tag's composer.json requires packages, but the tree has no composer.lock to install them from"
  echo "fetch-moodle: composer install --no-dev from $tag's composer.lock"
  (cd "$dest" && COMPOSER_ALLOW_SUPERUSER=1 composer install --no-dev --no-interaction --no-progress --optimize-autoloader)
  [[ -f $dest/vendor/autoload.php ]] || fail "composer install left no vendor/autoload.php"
fi
echo "fetch-moodle: Moodle $tag ready in $dest"
