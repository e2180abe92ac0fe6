#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh machine with Node.js, Python, Java and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund
python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
if ! command -v php >/dev/null; then
  # The image's config-generation tests run with Debian's PHP CLI.
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq php-cli >/dev/null
fi
