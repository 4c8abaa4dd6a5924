#!/usr/bin/env bash
# Offline check of scripts/fetch-rds-ca-bundle.sh, the release's only way to put the RDS CA bundle
# into the image: it accepts a bundle of Amazon RDS CA certificates and refuses, leaving its output
# untouched, everything a wrong download could be (an error page served with 200, a private key
# in the file, a certificate that is no CA, a CA that is not Amazon RDS's, an unterminated block,
# only expired certificates). The bundles are made here with openssl, served as file:// URLs.
#
# Usage: scripts/check-deploy/rds-ca-check.sh
set -euo pipefail

cd "$(dirname "$0")/../.."
fetch=scripts/fetch-rds-ca-bundle.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
say() { printf 'rds-ca-check: %s\n' "$*"; }

# CERT NAME SUBJECT [extra `openssl req` arguments]: a self-signed certificate, key in NAME.key.
cert() {
  local name=$1 subject=$2
  shift 2
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "$subject" \
    -keyout "$work/$name.key" -out "$work/$name.pem" "$@" 2>/dev/null
}
cert rds-a "/C=US/O=Amazon Web Services, Inc./OU=Amazon RDS/CN=Amazon RDS test-1 Root CA RSA2048 G1"
cert rds-b "/C=US/O=Amazon Web Services, Inc./OU=Amazon RDS/CN=Amazon RDS test-2 Root CA ECC384 G1"
cert leaf "/OU=Amazon RDS/CN=db.example.internal" -addext basicConstraints=critical,CA:FALSE
cert other-ca "/O=Someone Else/CN=Someone Else Root CA"
# An expired RDS CA: `-days 0` makes notAfter its notBefore, the moment it is signed.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/OU=Amazon RDS/CN=Amazon RDS old CA" \
  -keyout "$work/old.key" -out "$work/old.csr" 2>/dev/null
printf 'basicConstraints = critical, CA:TRUE\n' >"$work/ca.ext"
openssl x509 -req -in "$work/old.csr" -signkey "$work/old.key" -days 0 -extfile "$work/ca.ext" -out "$work/old.pem" 2>/dev/null

cat "$work/rds-a.pem" "$work/rds-b.pem" >"$work/good.pem"
printf '<html><body>Access Denied</body></html>\n' >"$work/html.pem"
cat "$work/rds-a.pem" "$work/rds-a.key" >"$work/with-key.pem"
cat "$work/rds-a.pem" "$work/leaf.pem" >"$work/with-leaf.pem"
cat "$work/rds-a.pem" "$work/other-ca.pem" >"$work/with-other.pem"
head -n 3 "$work/rds-b.pem" | cat "$work/rds-a.pem" - >"$work/cut.pem"
cp "$work/old.pem" "$work/expired.pem"
sed 's/$/\r/' "$work/good.pem" >"$work/crlf.pem"

expect_ok() { # NAME: accepted, written byte for byte
  local out=$work/out-$1
  if "$fetch" "$out" "file://$work/$1.pem" >"$work/log" 2>&1 && cmp -s "$out" "$work/$1.pem"; then
    say "ok: $1 accepted ($(cat "$work/log"))"
  else
    say "FAIL: $1 should be accepted: $(cat "$work/log")" >&2
    failed=1
  fi
}
expect_refused() { # NAME WORDS: refused with WORDS in the message, the previous output untouched
  local out=$work/out-refused
  printf 'previous bundle\n' >"$out"
  if "$fetch" "$out" "file://$work/$1.pem" >"$work/log" 2>&1; then
    say "FAIL: $1 was accepted" >&2
    failed=1
  elif ! grep -q -- "$2" "$work/log" || [[ $(cat "$out") != "previous bundle" ]]; then
    say "FAIL: $1: expected \"$2\" and the output untouched: $(cat "$work/log")" >&2
    failed=1
  else
    say "ok: $1 refused ($(cat "$work/log"))"
  fi
}

expect_ok good
expect_ok crlf
expect_refused html "not a PEM file of 1 to 500 certificates"
expect_refused with-key "not a PEM file of 1 to 500 certificates"
expect_refused cut "not a PEM file of 1 to 500 certificates"
expect_refused with-leaf "is no CA certificate"
expect_refused with-other "is not an Amazon RDS CA"
expect_refused expired "has expired"
expect_refused absent "cannot download"

exit "$failed"
