#!/usr/bin/env bash
# Lints the project's own C++ code: clang-tidy (checks in .clang-tidy, tests/.clang-tidy) on every
# .cpp under src/ and tests/ that BUILD_DIR's compile_commands.json lists, clang-format's check of
# every tracked .cpp/.hpp, and cppcheck on src/.
# Usage: scripts/lint.sh BUILD_DIR        (make lint: scripts/lint.sh build/release)
#
# Exits non-zero on any finding of either tool. To silence a finding that is wrong, prefer fixing
# the code; otherwise `// NOLINT(check-name): why` (clang-tidy) or `// cppcheck-suppress id` on the
# line, or a check disabled in .clang-tidy with its reason.
#
# Speed (it runs in every `make test`): files are linted in parallel (LINT_JOBS, default: every
# core); the Clang static analyzer runs in its "shallow" mode (.clang-tidy, ExtraArgs: about a
# tenth of the default's time); a file clang-tidy found clean is not checked again until it, its
# compile command, a project header or a .clang-tidy changes (BUILD_DIR/clang-tidy-clean/;
# LINT_NO_CACHE=1 checks everything); cppcheck keeps its per-file results in BUILD_DIR/cppcheck.
# A full clang-tidy run of this tree is about 300 CPU-seconds (2.5 minutes on 2 idle cores).
set -euo pipefail

usage="usage: $0 BUILD_DIR"
[[ $# -eq 1 ]] || { echo "$usage" >&2; exit 2; }

script=$(realpath "$0")
root=$(dirname "$script")/..
root=$(realpath "$root")
build_dir=$(realpath "$1")
compile_db=$build_dir/compile_commands.json
[[ -f $compile_db ]] || { echo "lint: no $compile_db (configure the build first: cmake --preset release)" >&2; exit 2; }

clang_tidy=${CLANG_TIDY:-clang-tidy-14}
cppcheck=${CPPCHECK:-cppcheck}
jobs=${LINT_JOBS:-$(nproc)}
for tool in "$clang_tidy" "$cppcheck" python3; do
  command -v "$tool" >/dev/null || { echo "lint: $tool is not installed (run scripts/install-deps.sh)" >&2; exit 2; }
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The project's own translation units, from the compilation database (not generated files, not
# third-party code), each with the key of everything its clang-tidy findings can depend on: the
# tool's version, the .clang-tidy files, every header of the project, its compile command and its
# own text. "KEY PATH" per line.
mapfile -t units < <(python3 - "$compile_db" "$root" "$("$clang_tidy" --version)" <<'EOF'
import glob, hashlib, json, os, sys
compile_db, root, version = sys.argv[1], sys.argv[2], sys.argv[3]

def digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()

shared = [version]
for pattern in (".clang-tidy", "src/**/.clang-tidy", "tests/**/.clang-tidy",
                "src/**/*.hpp", "src/**/*.h", "tests/**/*.hpp", "tests/**/*.h"):
    for path in sorted(glob.glob(os.path.join(root, pattern), recursive=True)):
        shared += [path, open(path, "rb").read()]
shared_key = digest(*shared)

seen = set()
for entry in json.load(open(compile_db)):
    path = os.path.normpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, root)
    if not (rel.startswith(("src/", "tests/")) and rel.endswith(".cpp")) or path in seen or not os.path.exists(path):
        continue
    seen.add(path)
    command = entry.get("command") or " ".join(entry.get("arguments", []))
    print(digest(shared_key, entry["directory"], command, path, open(path, "rb").read()), path)
EOF
)
[[ ${#units[@]} -gt 0 ]] || { echo "lint: $compile_db lists no file under src/ or tests/" >&2; exit 2; }

failed=0

# --- clang-tidy --------------------------------------------------------------------------------
# One process per file, `jobs` at a time; each file's findings go to a file of their own and are
# printed together at the end, so the output of parallel runs never interleaves.
# A file found clean leaves its key in BUILD_DIR/clang-tidy-clean/, and is skipped while its key
# stays the same (LINT_NO_CACHE=1 checks everything); keys not seen in a run are pruned.
cache_dir=$build_dir/clang-tidy-clean
[[ ${LINT_NO_CACHE:-0} == 1 ]] && rm -rf "$cache_dir"
mkdir -p "$cache_dir"
touch "$scratch/started"

# shellcheck disable=SC2317  # called by xargs, through bash -c
tidy_one() {
  local key=$1 source=$2 report
  if [[ -e $cache_dir/$key ]]; then
    touch "$cache_dir/$key"
    return 0
  fi
  report=$scratch/tidy.$key
  touch "$report.checked"
  if "$clang_tidy" -p "$build_dir" --quiet "$source" >"$report" 2>&1; then
    touch "$cache_dir/$key"
  else
    # Keep the diagnostics, drop clang's tallies of the (system-header) warnings it filtered out.
    grep -v -E '^[0-9]+ (warning|error)s? (and [0-9]+ errors? )?generated\.$' "$report" >"$report.failed" || true
  fi
  rm -f "$report"
}
export -f tidy_one
export clang_tidy build_dir scratch cache_dir

started=$SECONDS
# shellcheck disable=SC2016  # $1 and $2 are the child shell's arguments, not ours
for unit in "${units[@]}"; do printf '%s\0%s\0' "${unit%% *}" "${unit#* }"; done |
  xargs -0 -n 2 -P "$jobs" bash -c 'tidy_one "$1" "$2"' _ || true
find "$cache_dir" -type f ! -newer "$scratch/started" -delete
shopt -s nullglob
tidy_reports=("$scratch"/tidy.*.failed)
checked=("$scratch"/tidy.*.checked)
shopt -u nullglob
summary="${#units[@]} files, ${#checked[@]} checked ($((${#units[@]} - ${#checked[@]})) unchanged since clean)"
if [[ ${#tidy_reports[@]} -gt 0 ]]; then
  cat "${tidy_reports[@]}"
  findings=$(cat "${tidy_reports[@]}" | grep -c -E '(warning|error): ' || true)
  printf 'clang-tidy: %s finding(s) in %s file(s); %s, %ss\n' \
    "$findings" "${#tidy_reports[@]}" "$summary" "$((SECONDS - started))"
  failed=1
else
  printf 'clang-tidy: clean; %s, %ss\n' "$summary" "$((SECONDS - started))"
fi

# --- clang-format ------------------------------------------------------------------------------
# Every tracked .cpp/.hpp as .clang-format says (`make format` applies it), so formatting cannot
# drift file by file.
started=$SECONDS
clang_format=${CLANG_FORMAT:-clang-format}
command -v "$clang_format" >/dev/null || { echo "lint: $clang_format is not installed (run scripts/install-deps.sh)" >&2; exit 2; }
if (cd "$root" && git ls-files -z '*.cpp' '*.hpp' | xargs -0 -r "$clang_format" --dry-run -Werror) 2>"$scratch/format.txt"; then
  printf 'clang-format: clean (%ss)\n' "$((SECONDS - started))"
else
  grep -E ': error: ' "$scratch/format.txt" | cut -d: -f1 | sort -u | sed 's/^/clang-format: not formatted: /'
  echo "clang-format: run \`make format\` and commit the result"
  failed=1
fi

# --- cppcheck ----------------------------------------------------------------------------------
# The compilation database gives cppcheck our exact defines and include paths; --file-filter keeps
# it to src/. Findings in system or library headers are not ours: suppressed.
started=$SECONDS
cppcheck_dir=$build_dir/cppcheck
mkdir -p "$cppcheck_dir"
cppcheck_args=(
  --project="$compile_db"
  --file-filter="$root/src/*"
  --cppcheck-build-dir="$cppcheck_dir"
  --std=c++20
  '--enable=warning,style,performance,portability'
  --inline-suppr
  --suppress=missingIncludeSystem
  --suppress=useStlAlgorithm  # noise: "use std::transform instead of a loop" on every plain loop
  --suppress='*:/usr/*'
  --error-exitcode=1
  --quiet
  -j "$jobs"
  --template='{file}:{line}:{column}: {severity}: {message} [{id}]'
)
if "$cppcheck" "${cppcheck_args[@]}" 2>"$scratch/cppcheck.txt"; then
  printf 'cppcheck: src/ clean (%ss)\n' "$((SECONDS - started))"
else
  cat "$scratch/cppcheck.txt"
  printf 'cppcheck: %s finding(s) (%ss)\n' "$(grep -c -E ': (error|warning|style|performance|portability): ' "$scratch/cppcheck.txt" || true)" \
    "$((SECONDS - started))"
  failed=1
fi

exit "$failed"
