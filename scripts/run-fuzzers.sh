#!/usr/bin/env bash
# Builds every libFuzzer target (tests/fuzz/*_fuzz.cpp) and runs each for a fixed wall time.
# Usage: scripts/run-fuzzers.sh SECONDS
#
# Each target names the project sources it needs on a line of its own near the top:
#   // fuzz-sources: src/ingest/csv/csv_reader.cpp src/ingest/csv/csv_error.cpp
# Only those are compiled in, so a fuzzer never depends on modules it does not exercise (and keeps
# building while unrelated parts of the tree are half-written). Binaries go to build/fuzz/.
# Shared libraries the target links, if any, are named on another line (-l is added to each):
#   // fuzz-libs: simdjson fmt
#
# Seeds and kept crashers live in tests/fuzz/corpus/<target>/. The fuzzer runs on a scratch copy
# of that folder, so the inputs it finds interesting during a run do not pile up in the repository;
# only a crash, timeout or out-of-memory input is written back there (as found-crash-<sha1> etc.;
# the "found-" prefix keeps it clear of the crash-* pattern in .gitignore, so it can be committed
# and replays as a regression seed on every later run).
#
# Exits non-zero if any target fails to build or finds a problem. One line per target on stdout;
# the full libFuzzer log of each is kept in build/fuzz/<target>.log.
set -euo pipefail

usage="usage: $0 SECONDS"
[[ $# -eq 1 && $1 =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
seconds=$1

script=$(realpath "$0")
cd "$(dirname "$script")/.."

cxx=${FUZZ_CXX:-clang++}
# shellcheck disable=SC2054  # the commas belong to -fsanitize=, they separate no array elements
cxx_flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc)
out_dir=build/fuzz
mkdir -p "$out_dir"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The project sources a target declares on its "// fuzz-sources:" line (none if it has no such line).
declared_sources() {
  sed -n 's|^// fuzz-sources:||p' "$1" | head -n 1
}

# The libraries a target declares on its "// fuzz-libs:" line, as linker flags.
declared_libs() {
  local lib
  for lib in $(sed -n 's|^// fuzz-libs:||p' "$1" | head -n 1); do
    printf -- '-l%s\n' "$lib"
  done
}

# True when $binary is missing or older than anything it is built from: the target, its declared
# sources, every header they include (as the compiler itself reports them), and this script (which
# holds the flags).
needs_build() {
  local binary=$1
  shift
  [[ -e $binary ]] || return 0
  local deps
  # -MM lists the files each source reads; strip the make syntax (targets, backslashes) to a list.
  # shellcheck disable=SC1003  # a literal backslash for tr, not an attempt to escape a quote
  deps=$("$cxx" "${cxx_flags[@]}" -MM "$@" | tr -d '\\' | tr ' ' '\n' | grep -v -e ':$' -e '^$' || true)
  local dep
  for dep in $deps "$script"; do
    [[ $dep -nt $binary ]] && return 0
  done
  return 1
}

shopt -s nullglob
targets=(tests/fuzz/*_fuzz.cpp)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "no fuzz targets in tests/fuzz/"
  exit 0
fi

failures=0
for target_source in "${targets[@]}"; do
  target=$(basename "$target_source" .cpp)   # csv_reader_fuzz
  corpus_name=${target%_fuzz}                 # csv_reader
  binary=$out_dir/$target
  log=$out_dir/$target.log
  read -r -a sources <<<"$(declared_sources "$target_source")"
  mapfile -t libs < <(declared_libs "$target_source")

  if needs_build "$binary" "$target_source" "${sources[@]}"; then
    # Build to a temporary name first, so an interrupted or failed build never leaves a binary that
    # looks newer than its sources.
    if ! "$cxx" "${cxx_flags[@]}" "$target_source" "${sources[@]}" "${libs[@]}" -o "$binary.tmp" >"$log" 2>&1; then
      printf '%-28s BUILD FAILED (see %s)\n' "$target" "$log"
      failures=$((failures + 1))
      continue
    fi
    mv "$binary.tmp" "$binary"
  fi

  corpus=tests/fuzz/corpus/$corpus_name
  mkdir -p "$corpus"
  work_corpus=$scratch/$corpus_name
  mkdir -p "$work_corpus"
  cp -R "$corpus/." "$work_corpus/"

  # -max_total_time bounds the whole run; -timeout bounds one input, so a hang is reported as a
  # failure instead of silently eating the run; -rss_limit_mb catches unbounded memory growth.
  status=0
  "$binary" "$work_corpus" \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -artifact_prefix="$corpus/found-" -print_final_stats=1 >"$log" 2>&1 || status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [[ $status -eq 0 ]]; then
    printf '%-28s ok      %s runs in %ss\n' "$target" "${runs:-?}" "$seconds"
  else
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    printf '%-28s FAILED  exit %s after %s runs; input: %s; log: %s\n' \
      "$target" "$status" "${runs:-?}" "${artifact:-none}" "$log"
    failures=$((failures + 1))
  fi
done

if [[ $failures -gt 0 ]]; then
  echo "$failures fuzz target(s) failed"
  exit 1
fi
