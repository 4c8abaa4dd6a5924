#!/usr/bin/env bash
# Installs the Debian 12 packages migration-api needs to build, test and run.
# Idempotent: when every package is present it only checks and exits (well under a second).
# Usage: scripts/install-deps.sh [--runtime]   (--runtime: only what the binary links against)
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libboost1.74-dev libpq-dev libsqlite3-dev libsimdjson-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev libcurl4-openssl-dev libssl-dev
  libavro-dev libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-tidy clang-format cppcheck libclang-rt-14-dev
)
test_packages=(
  postgresql-15 postgresql-client-15 sqlite3 curl wrk avro-bin python3 procps
)
runtime_packages=(
  libpq5 libsqlite3-0 libsimdjson14 libspdlog1.10 libfmt9 libcurl4 libavro23 ca-certificates
)

if [[ "${1:-}" == "--runtime" ]]; then
  wanted=("${runtime_packages[@]}")
else
  wanted=("${build_packages[@]}" "${test_packages[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
  # dpkg-query exits 0 with "install ok installed" only for fully installed packages.
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
