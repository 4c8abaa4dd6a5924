#!/usr/bin/env bash
# Fetches the Amazon RDS certificate bundle that the container image carries, so the service can
# connect with sslmode=verify-full (the server's certificate chains to an RDS CA and names the
# host it was asked for). RDS and Aurora certificates come from Amazon's own RDS CAs, which no
# public trust store (Debian's ca-certificates included) holds; AWS publishes them in one bundle
# for every commercial region, over HTTPS.
#
#   scripts/fetch-rds-ca-bundle.sh OUT [URL]
#
# URL defaults to AWS's global bundle. OUT is written only when the download passes every check:
# a PEM file of certificates and nothing else (no key, no stray text); between 1 and 500 of them;
# each a CA certificate (basicConstraints CA:TRUE) whose subject names Amazon RDS; at least one
# valid now. Prints the bundle's SHA-256 and certificate count (the release records them).
# Exits 1 with the reason on any failure, leaving OUT as it was.
set -euo pipefail

usage() { echo "usage: $0 OUT [URL]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
out=$1
url=${2:-https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem}
fail() { echo "fetch-rds-ca-bundle: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# HTTPS only (file: for the offline checks of this script), 1 MiB at most (the bundle is ~160 KiB).
curl --fail --silent --show-error --location --proto '=https,file' --proto-redir '=https' --tlsv1.2 \
  --max-time 120 --retry 3 --max-filesize 1048576 -o "$work/bundle.pem" "$url" ||
  fail "cannot download $url"

# Every line is inside a CERTIFICATE block or blank: anything else (a key, an HTML error page
# served with 200, a truncated block) refuses the file.
awk -v dir="$work" '
  { sub(/\r$/, "") }
  /^-----BEGIN CERTIFICATE-----$/ { if (inside) exit 3; inside = 1; n++; file = sprintf("%s/cert-%04d.pem", dir, n) }
  inside { print > file }
  !inside && !/^[[:space:]]*$/ { exit 4 }
  /^-----END CERTIFICATE-----$/ { if (!inside) exit 5; inside = 0; close(file) }
  END { if (inside) exit 6; if (n < 1 || n > 500) exit 7 }
' "$work/bundle.pem" || fail "$url is not a PEM file of 1 to 500 certificates and nothing else"

count=0
valid_now=0
for cert in "$work"/cert-*.pem; do
  count=$((count + 1))
  subject=$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253) || fail "certificate $count does not parse"
  [[ $subject == *"Amazon RDS"* ]] || fail "certificate $count is not an Amazon RDS CA: $subject"
  openssl x509 -in "$cert" -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:TRUE' ||
    fail "certificate $count is no CA certificate: $subject"
  if openssl x509 -in "$cert" -noout -checkend 0 >/dev/null; then valid_now=$((valid_now + 1)); fi
done
[[ $valid_now -ge 1 ]] || fail "every certificate of $url has expired"

install -m 0644 "$work/bundle.pem" "$out"
echo "fetch-rds-ca-bundle: $out: $count certificates ($valid_now valid now), sha256 $(sha256sum "$out" | cut -d' ' -f1)"
