#!/usr/bin/env bash
# Adds to the official PHP image the extensions Moodle uses that it does not compile in (its own build has ctype,
# curl, dom, fileinfo, filter, iconv, mbstring, openssl, sodium, simplexml, tokenizer, xml, xmlreader, zlib, ...):
# mysqli, intl, zip, gd, soap, exif, opcache, and igbinary and redis from PECL at pinned versions. No debugging or
# profiling extension. Build-only packages are removed again; the libraries the extensions link stay.
# Environment: IGBINARY_VERSION, REDIS_VERSION (PECL releases).
set -Eeuo pipefail

: "${IGBINARY_VERSION:?}" "${REDIS_VERSION:?}"
build_packages=(libicu-dev libzip-dev libpng-dev libjpeg62-turbo-dev libfreetype-dev libwebp-dev libxml2-dev)

saved="$(apt-mark showmanual)"
apt-get update
apt-get install -y --no-install-recommends "${build_packages[@]}"
docker-php-ext-configure gd --with-freetype --with-jpeg --with-webp
docker-php-ext-install -j"$(nproc)" mysqli intl zip gd soap exif
# OPcache: built in from PHP 8.5 and enabled by the 8.2-8.4 images since mid-2025; installed only where it is not.
grep -qx 'Zend OPcache' <<<"$(php -m)" || docker-php-ext-install opcache
pecl install "igbinary-$IGBINARY_VERSION"
docker-php-ext-enable igbinary
# phpredis with igbinary serialization; no other compression or serializer.
pecl install --configureoptions 'enable-redis-igbinary="yes" enable-redis-lzf="no" enable-redis-zstd="no" enable-redis-msgpack="no" enable-redis-lz4="no"' \
  "redis-$REDIS_VERSION"
docker-php-ext-enable redis
rm -rf /tmp/pear ~/.pearrc

# Keep the shared libraries the new extensions link against; drop the -dev packages (the official image's own pattern).
apt-mark auto '.*' >/dev/null
# shellcheck disable=SC2086
[ -z "$saved" ] || apt-mark manual $saved >/dev/null
# As upstream runs it (without pipefail): a library no package owns must not fail the build; php -m below checks the result.
set +o pipefail
find "$(php-config --extension-dir)" -name '*.so' -exec ldd {} + \
  | awk '/=>/ { so = $(NF-1); if (index(so, "/usr/local/") == 1) next; gsub("^/(usr/)?", "", so); printf "*%s\n", so }' \
  | sort -u | xargs -r dpkg-query --search | cut -d: -f1 | sort -u | xargs -r apt-mark manual >/dev/null
set -o pipefail
apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false
rm -rf /var/lib/apt/lists/*
modules="$(php -m)"
echo "$modules"
for extension in mysqli intl zip gd soap exif igbinary redis 'Zend OPcache'; do
  grep -qx "$extension" <<<"$modules" || { echo "install-php-extensions: $extension is not loaded after the clean-up" >&2; exit 1; }
done
