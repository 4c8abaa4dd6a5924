#!/usr/bin/env bash
# Installs the Debian 12 packages migration-api needs to build, test and run.
# Idempotent: when every package is present it only checks and exits (well under a second).
# Usage: scripts/install-deps.sh [--runtime|--compile|--deploy]
#   (none)     everything to build, lint, fuzz and test the project (`make build`, `make test`)
#   --runtime  only the libraries the binary links against (the container's runtime stage)
#   --compile  only what compiling the release binary needs (the container's build stage)
#   --deploy   the tools of scripts/check-deploy.sh (container build, IaC and YAML linters)
set -euo pipefail

# What `cmake --preset release` needs to compile and link the binary.
compile_packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libboost1.74-dev libpq-dev libsqlite3-dev libsimdjson-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev libcurl4-openssl-dev libssl-dev
  libavro-dev libjwt-dev
)
# Tests, benchmarks, linters and fuzzers on top of the compile list.
build_packages=(
  "${compile_packages[@]}"
  libgtest-dev libgmock-dev libbenchmark-dev
  clang clang-tidy clang-format cppcheck libclang-rt-14-dev
)
# chromium: the browser tests (tests/browser/) drive Debian's build through playwright-core.
# openssl: tests/integration/postgres_tls_test.cpp makes the certificates of a TLS PostgreSQL.
test_packages=(
  postgresql-15 postgresql-client-15 sqlite3 curl wrk avro-bin python3 procps chromium openssl
)
runtime_packages=(
  libpq5 libsqlite3-0 libsimdjson14 libspdlog1.10 libfmt9 libcurl4 libavro23 libjwt0 ca-certificates
)
# scripts/check-deploy.sh (make check-deploy, part of make test): podman with the runc runtime
# and CNI networking (published ports) builds and runs the image from a Debian base that
# debootstrap makes; yamllint and shellcheck lint YAML and scripts; curl probes the container.
# cfn-lint, moto_server, terraform and its provider mirror, kubectl and Node.js come with the
# machine image (docs/deploy-checks.md).
deploy_packages=(
  podman runc containernetworking-plugins iptables debootstrap
  yamllint shellcheck curl python3 openssl
)

case "${1:-}" in
  --runtime) wanted=("${runtime_packages[@]}") ;;
  --compile)
    wanted=("${compile_packages[@]}")
    # The /ui web app and the /docs page's Swagger UI come from npm at build time
    # (src/CMakeLists.txt): Debian's Node.js and npm where the machine has none of its own (the
    # container's build stage).
    command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)
    ;;
  --deploy)
    wanted=("${deploy_packages[@]}")
    # Node.js comes with the machine image (its own npm); a machine without it gets Debian's.
    command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)
    ;;
  "")
    wanted=("${build_packages[@]}" "${test_packages[@]}")
    command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)  # the /ui build and the browser tests
    # The S3 tests' independent client (scripts/test-servers.sh): the machine image has its own
    # aws CLI; a machine without one gets Debian's (aws-cli 2.9, checked against moto_server).
    command -v aws >/dev/null 2>&1 || wanted+=(awscli)
    ;;
  *) echo "usage: $0 [--runtime|--compile|--deploy]" >&2; exit 2 ;;
esac

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
