#!/usr/bin/env bash
# Moves the /docs page's Swagger UI to another version: pins swagger-ui-dist at VERSION in
# web/docs/package.json and rewrites web/docs/package-lock.json to match. The build installs the
# locked package (`npm ci`, src/CMakeLists.txt) and embeds its files, so nothing else changes here.
#
#   scripts/update-docs-assets.sh VERSION    e.g. 5.35.0, or "latest"
#
# Then rebuild and run the OpenApi tests (--gtest_filter='*OpenApi*' in the unit and the
# integration tests). npm works in a temporary folder and only writes the lock file: no
# node_modules in the source tree, and no install script runs (swagger-ui-dist depends on a
# telemetry package whose only job is its install script).
set -euo pipefail

[[ $# -eq 1 && -n $1 && $1 != -* ]] || { echo "usage: $0 VERSION" >&2; exit 2; }
version=$1

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
docs="$root/web/docs"

command -v npm >/dev/null || { echo "update-docs-assets: npm is not installed" >&2; exit 1; }

work=$(mktemp -d -t migration-docs-assets-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$docs/package.json" "$docs/package-lock.json" "$docs/.npmrc" "$work/"
# An exact version: the lock file is what the build installs, and package.json says the same.
(cd "$work" && SCARF_ANALYTICS=false npm install --package-lock-only --ignore-scripts --save-exact \
  --no-audit --no-fund --loglevel=error "swagger-ui-dist@$version")
cp "$work/package.json" "$work/package-lock.json" "$docs/"

pinned=$(cd "$work" && node -p "require('./package-lock.json').packages['node_modules/swagger-ui-dist'].version")
echo "update-docs-assets: web/docs pins swagger-ui-dist $pinned; rebuild to embed it"
