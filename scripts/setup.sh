#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh machine with Node.js, Python, Java and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
apt_install() {
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
if ! command -v php >/dev/null; then
  # The image's config-generation tests run with Debian's PHP CLI.
  apt_install php-cli
fi
# The database-user test runs PHP's mysqli against a throwaway MariaDB server (test/image/with-mariadb.sh).
# The mysqli package must be the one of the PHP on PATH, which need not be the distribution's default.
missing=()
if ! php -m | grep -ix mysqli >/dev/null; then
  missing+=("php$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')-mysql")
fi
# The server binaries and the client, without the mariadb-server package's system service.
if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
  missing+=(mariadb-server-core)
fi
if ! command -v mariadb-admin >/dev/null; then
  missing+=(mariadb-client)
fi
if ! command -v openssl >/dev/null; then
  missing+=(openssl)
fi
# The local site test (test/site) runs a real Moodle: the PHP extensions Moodle needs, Apache with mod_php,
# Redis (TLS and AUTH) and Chromium for the browser steps.
php_version="$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')"
for ext in curl gd intl mbstring xml zip soap bcmath; do
  php -m | grep -ix "$ext" >/dev/null || missing+=("php$php_version-$ext")
done
php -m | grep -ix redis >/dev/null || missing+=(php-redis)
php -m | grep -ix igbinary >/dev/null || missing+=(php-igbinary)
[ -x /usr/sbin/apache2 ] || missing+=(apache2)
[ -e "/usr/lib/apache2/modules/libphp$php_version.so" ] || missing+=("libapache2-mod-php$php_version")
# The load benchmark compares the image's prefork + mod_php with the event MPM + PHP-FPM.
[ -x "/usr/sbin/php-fpm$php_version" ] || missing+=("php$php_version-fpm")
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v chromium >/dev/null || missing+=(chromium)
command -v xz >/dev/null || missing+=(xz-utils)
command -v ps >/dev/null || missing+=(procps)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
# Installing apache2, php-fpm or redis-server may start their system services; the site test starts its own.
for service in apache2 "php$php_version-fpm" redis-server; do
  if command -v service >/dev/null && service "$service" status >/dev/null 2>&1; then
    $sudo service "$service" stop >/dev/null 2>&1 || true
  fi
done
