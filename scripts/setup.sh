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
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
