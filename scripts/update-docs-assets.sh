#!/usr/bin/env bash
# Refreshes web/docs/vendor/swagger-ui-dist/ (the /docs page's script, stylesheet and licences,
# committed and embedded in the binary at build time) from the npm package pinned in
# web/docs/package.json and package-lock.json (integrity-checked by `npm ci`).
#
#   scripts/update-docs-assets.sh           copy the pinned package's files into vendor/
#   scripts/update-docs-assets.sh --check   exit 1 if vendor/ differs from the pinned package
#
# To move to another version: set it in web/docs/package.json, run
# `npm install --package-lock-only --ignore-scripts` in web/docs, then this script, then rebuild
# and run the OpenApi tests. Install scripts are never run (swagger-ui-dist depends on a telemetry
# package whose only job is its install script), and node_modules lives in a temporary folder.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
docs="$root/web/docs"
vendor="$docs/vendor/swagger-ui-dist"
# What the page needs (bundle + stylesheet), the licences that must travel with them, and the
# package manifest that records the version.
files=(swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE swagger-ui-bundle.js.LICENSE.txt package.json)

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "update-docs-assets: npm is not installed" >&2; exit 1; }

work=$(mktemp -d -t migration-docs-assets-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$docs/package.json" "$docs/package-lock.json" "$work/"
(cd "$work" && SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
package="$work/node_modules/swagger-ui-dist"

if $check; then
  status=0
  for file in "${files[@]}"; do
    if ! cmp -s "$package/$file" "$vendor/$file"; then
      echo "update-docs-assets: $vendor/$file differs from the pinned package" >&2
      status=1
    fi
  done
  [[ $status -eq 0 ]] && echo "update-docs-assets: vendor/ matches swagger-ui-dist $(node -p "require('$package/package.json').version")"
  exit $status
fi

rm -rf "$vendor"
mkdir -p "$vendor"
for file in "${files[@]}"; do cp "$package/$file" "$vendor/$file"; done
echo "update-docs-assets: copied swagger-ui-dist $(node -p "require('$package/package.json').version") into ${vendor#"$root"/}"
