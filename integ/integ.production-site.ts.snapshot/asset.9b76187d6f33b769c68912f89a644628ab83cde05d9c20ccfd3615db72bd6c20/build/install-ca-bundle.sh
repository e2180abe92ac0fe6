#!/usr/bin/env bash
# Adds the Amazon RDS CA bundle to the system's CA certificates, only if its sha256 is the pinned one.
# Usage: install-ca-bundle.sh <url> <sha256> [certificate directory]
# AWS adds and retires certificate authorities over time: a mismatch stops the build and says how to move the pin.
set -Eeuo pipefail

url=$1
pinned=$2
dir="${3:-/usr/local/share/ca-certificates}"
fail() { echo "install-ca-bundle: $*" >&2; exit 1; }

[[ $pinned =~ ^[0-9a-f]{64}$ ]] || fail "the pinned sha256 '$pinned' (build argument RDS_CA_BUNDLE_SHA256) is not 64 lower-case hex digits"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
curl -fsSL --retry 3 "$url" -o "$tmp" || fail "could not download the RDS CA bundle from $url (build argument RDS_CA_BUNDLE_URL)"
actual="$(sha256sum "$tmp" | cut -d' ' -f1)"
if [[ $actual != "$pinned" ]]; then
  fail "the RDS CA bundle at $url has sha256 $actual, but the image pins $pinned. AWS has changed the bundle:" \
    "check the change against the RDS User Guide (UsingWithRDS.SSL, certificate authorities), then set the build argument" \
    "RDS_CA_BUNDLE_SHA256=$actual (or the default in src/image/Dockerfile) and build again."
fi
count="$(grep -c 'BEGIN CERTIFICATE' "$tmp" || true)"
[[ $count -gt 0 ]] || fail "the RDS CA bundle at $url holds no certificate"
install -m 0644 "$tmp" "$dir/rds-global-bundle.crt"
echo "install-ca-bundle: $count RDS CA certificates, sha256 $actual, from $url"
