#!/usr/bin/env bash
# Adds the Amazon RDS CA bundle to the system's CA certificates, only if its sha256 is the pinned one, one file per
# certificate: update-ca-certificates then links each into /etc/ssl/certs under its subject hash, where PHP's
# openssl.capath finds the one it needs (OpenSSL's rehash skips a file with more than one certificate).
# Also writes the Amazon Trust Services roots (ACM's, which sign ElastiCache's certificates) to one small file.
# Usage: install-ca-bundle.sh <url> <sha256> [certificate directory] [system certificate directory] [roots file]
# AWS adds and retires certificate authorities over time: a mismatch stops the build and says how to move the pin.
set -Eeuo pipefail

url=$1
pinned=$2
dir="${3:-/usr/local/share/ca-certificates}/rds"
system_certs="${4:-/etc/ssl/certs}"
roots_file="${5:-/usr/local/share/moodle-ca/amazon-trust-services.pem}"
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
mkdir -p "$dir"
awk -v dir="$dir" '/-----BEGIN CERTIFICATE-----/ { n++; file = sprintf("%s/rds-ca-%03d.crt", dir, n) }
  file { print > file } /-----END CERTIFICATE-----/ { close(file); file = "" }' "$tmp"
count="$(find "$dir" -name 'rds-ca-*.crt' | wc -l)"
[[ $count -gt 0 ]] || fail "the RDS CA bundle at $url holds no certificate"
chmod 0644 "$dir"/rds-ca-*.crt

roots=(Amazon_Root_CA_1 Amazon_Root_CA_2 Amazon_Root_CA_3 Amazon_Root_CA_4 Starfield_Services_Root_Certificate_Authority_-_G2)
mkdir -p "$(dirname "$roots_file")"
: > "$roots_file"
for root in "${roots[@]}"; do
  [[ -f "$system_certs/$root.pem" ]] || fail "the system CA certificates ($system_certs) have no $root.pem: install Debian's ca-certificates"
  cat "$system_certs/$root.pem" >> "$roots_file"
done
chmod 0644 "$roots_file"
echo "install-ca-bundle: $count RDS CA certificates, sha256 $actual, from $url; ${#roots[@]} Amazon Trust Services roots in $roots_file"
