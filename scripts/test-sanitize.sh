#!/usr/bin/env bash
# `make test-sanitize`: builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (the
# "asan" CMake preset, in build/asan) and runs the unit and integration tests under them, with the
# servers of scripts/test-servers.sh, exactly as `make test` runs the release build.
#
# The integration tests start the migration-api binary as child processes; they are sanitized too
# and inherit the options below. Every AddressSanitizer/LeakSanitizer report of every process (the
# test binaries, each server and command they started, including leaks reported at exit) is
# written to build/asan/sanitizer-logs/, and any report there fails the run even when no test
# noticed it (a server stopped at the end of a test is not always asked how it exited).
# UndefinedBehaviorSanitizer reports go to the process's stderr (its log_path is not honoured in
# the combined runtime of gcc 12: set, it swallows the report): the test binaries then fail, and
# ServerProcess fails the test whose server printed one.
#
# Suppressions (third-party noise only, never our code): scripts/sanitizers/lsan.supp, ubsan.supp.
#
# Usage: scripts/test-sanitize.sh [CTEST-ARGS...]   e.g.  scripts/test-sanitize.sh -R unit
set -euo pipefail

script=$(realpath "$0")
cd "$(dirname "$script")/.."

build_dir=build/asan
jobs=${JOBS:-$(nproc)}
started=$(date +%s)

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
built=$(date +%s)

logs=$PWD/$build_dir/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
supp=$PWD/scripts/sanitizers

# detect_leaks: LeakSanitizer at exit (Linux x86_64 default, stated for clarity).
# detect_stack_use_after_return: catches coroutine frames and lambdas used after their scope.
# check_initialization_order/strict_init_order: static initialisation order bugs.
# log_path: one file per process (see above), for ASan and LSan only; never in UBSAN_OPTIONS.
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:halt_on_error=1:log_path=$logs/asan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"

status=0
scripts/test-servers.sh run -- ctest --test-dir "$build_dir" --output-on-failure -j 2 "$@" || status=$?
finished=$(date +%s)

shopt -s nullglob
reports=("$logs"/*)
if [[ ${#reports[@]} -gt 0 ]]; then
  echo "test-sanitize: ${#reports[@]} sanitizer report(s) in $logs:"
  for report in "${reports[@]}"; do
    echo "===== $report"
    head -n 60 "$report"
  done
  [[ $status -eq 0 ]] && status=1
fi

echo "test-sanitize: build $((built - started)) s, tests $((finished - built)) s, total $((finished - started)) s"
exit "$status"
