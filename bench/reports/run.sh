#!/usr/bin/env bash
# Reports benchmark of migration-api (issue 3, "Speed"). See bench/reports/README.md.
#
#   bench/reports/run.sh [--rows N] [--quick] [--duration S] [--ingest-rows N] [--reps N] [--phases rl]
#                        [--head-ref REF|worktree]
#
# Starts its own PostgreSQL 15 (default settings: fsync on) in a temporary directory on a free
# loopback port, generates deterministic data under build/bench/reports/ (bench/ingest/gen_data.py),
# then (r) loads N hires on PostgreSQL and on SQLite and measures both reports with wrk
# (4 connections, --latency), and (l) compares the 1M-row upload time of REF (default HEAD; or
# the work tree) with the commit before the maintained counts. Prints one line per figure with its
# target and PASS/FAIL, and writes them to build/bench/reports-results.txt. Exit status 0 when every target is met and every
# check passes, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
gen=$root/bench/ingest/gen_data.py   # shared generator (read-only use)
bin=${MIGRATION_API_BIN:-$root/build/release/src/migration-api}
pg_bin=/usr/lib/postgresql/15/bin
out_dir=$root/build/bench
scratch=$out_dir/reports
builds=$out_dir/reports-build
results=$out_dir/reports-results.txt

rows=10000000
duration=30
warmup=5
connections=4
wrk_threads=2
ingest_rows=1000000
reps=5
head_ref=HEAD
phases=rl
quick=0
seed=20261126          # the seed of bench/ingest, so the 1M file is the core benchmark's file
year=2021

target_p99_ms=10
target_ingest_ratio=1.10
# The last commit without the maintained counts (identified by its title, see README.md).
base_title='PostgreSQL: COPY new rows straight into the table; let the loader own the foreign-key check'

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --duration) duration=$2; shift 2 ;;
    --ingest-rows) ingest_rows=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --phases) phases=$2; shift 2 ;;
    --head-ref) head_ref=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ $quick -eq 1 ]]; then
  rows=100000
  duration=5
  warmup=1
  ingest_rows=20000
  reps=3
fi
for v in rows duration ingest_rows reps; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || { echo "run.sh: --${v//_/-} must be a positive integer" >&2; exit 2; }
done
[[ $rows -ge 1000 && $ingest_rows -ge 1000 ]] || { echo "run.sh: --rows and --ingest-rows must be >= 1000" >&2; exit 2; }
[[ $phases =~ ^[rl]+$ ]] || { echo "run.sh: --phases takes the letters r (reports) and l (load speed)" >&2; exit 2; }
[[ -x $bin ]] || { echo "run.sh: $bin not found; run 'make build' first" >&2; exit 1; }
[[ -x $pg_bin/postgres ]] || { echo "run.sh: PostgreSQL 15 is not installed (scripts/install-deps.sh)" >&2; exit 1; }
for tool in curl python3 wrk git cmake ninja; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done

mkdir -p "$scratch/logs"
report_format='%-34s %-16s %-14s %-5s %s'

# ---------------------------------------------------------------------------------------------
# helpers (PostgreSQL, the server, the results file: bench/lib/common.sh)

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$here/../lib/common.sh"

cleanup() {
  stop_servers
  rm -rf "$scratch/sqlite" "$scratch/objects"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# check_load RESPONSE_JSON DATA_DIR NAME: the load's counts against the generator's expected.json
check_load() {
  check "$3 rows_received" "$(json_get "$1" rows_received)" "$(json_get "$2/expected.json" rows)"
  check "$3 rows_inserted" "$(json_get "$1" rows_inserted)" "$(json_get "$2/expected.json" valid)"
  check "$3 rows_rejected" "$(json_get "$1" rows_rejected)" "$(json_get "$2/expected.json" invalid)"
}

: >"$results.tmp"

# ---------------------------------------------------------------------------------------------
# wait for the other benchmark: two benchmarks on the same 2 cores measure each other

while pgrep -f bench/ingest/run.sh >/dev/null; do
  log "bench/ingest/run.sh is running; waiting for it to finish"
  sleep 15
done

# ---------------------------------------------------------------------------------------------
# data: gen_data.py base (deterministic, seed $seed), reused while the generator is unchanged

gen_sum=$(sha256sum "$gen" | cut -c1-16)
# make_data ROWS: prints the data directory
make_data() {
  local dir=$scratch/data/base-$1-$seed
  if [[ -f $dir/expected.json && "$(cat "$dir/.generator" 2>/dev/null)" == "$gen_sum" ]]; then
    log "reusing $dir"
  else
    log "generating $1 rows into $dir"
    rm -rf "$dir"
    python3 "$gen" base --rows "$1" --out "$dir" --seed "$seed" >/dev/null
    rm -f "$dir/hired_employees_valid.csv"   # not needed here
    echo "$gen_sum" >"$dir/.generator"
  fi
  echo "$dir"
}

# ---------------------------------------------------------------------------------------------
# binaries for the load-speed comparison: the same build type for both

# build_bin NAME SOURCE_DIR: prints the binary
build_bin() {
  local dir=$builds/$2
  {
    cmake -S "$1" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMIGRATION_TESTS=OFF
    cmake --build "$dir" --target migration-api
  } >"$scratch/logs/build-$2.log" 2>&1 || { tail -n 30 "$scratch/logs/build-$2.log" >&2; exit 1; }
  echo "$dir/src/migration-api"
}

# extract_tree COMMIT NAME: the tree of COMMIT in $builds/NAME-src (git archive: no worktree to
# register or prune); prints the directory
extract_tree() {
  local dir=$builds/$2-src
  if [[ "$(cat "$dir/.commit" 2>/dev/null)" != "$1" ]]; then
    log "extracting $(git -C "$root" log --format='%h %s' -n 1 "$1" | cut -c1-70) into $dir"
    rm -rf "$dir" "${builds:?}/$2"
    mkdir -p "$dir"
    git -C "$root" archive "$1" | tar -x -C "$dir"
    echo "$1" >"$dir/.commit"
  fi
  echo "$dir"
}

if want l; then
  base_commit=$(git -C "$root" log --format=%H -F --grep="$base_title" -n 1)
  [[ -n $base_commit ]] || { echo "run.sh: no commit titled '$base_title'" >&2; exit 1; }
  if [[ $head_ref == worktree ]]; then
    head_desc="the work tree$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')"
    head_src=$root
    head_name=worktree
  else
    head_commit=$(git -C "$root" rev-parse --verify "$head_ref^{commit}") || { echo "run.sh: --head-ref $head_ref is not a commit" >&2; exit 1; }
    head_desc=$(git -C "$root" rev-parse --short "$head_commit")
    head_src=$(extract_tree "$head_commit" head)
    head_name="head"
  fi
  log "building $(git -C "$root" rev-parse --short "$base_commit") and $head_desc (Release); the first build takes minutes"
  base_bin=$(build_bin "$(extract_tree "$base_commit" base)" base)
  head_bin=$(build_bin "$head_src" "$head_name")
fi

if want r; then report_data=$(make_data "$rows"); fi
if want l; then ingest_data=$(make_data "$ingest_rows"); fi

start_postgres migration-bench-reports

{
  echo "# bench/reports results $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# work tree at commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')," \
    "$(nproc) cores, PostgreSQL $pg_version (defaults, fsync on)$([[ $quick -eq 1 ]] && echo ', QUICK run')"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the host skews every figure)"
  if want r; then
    echo "# reports: server $bin (built $(date -u -r "$bin" +%Y-%m-%dT%H:%M:%SZ)); $(json_get "$report_data/expected.json" rows) input rows" \
      "($(json_get "$report_data/expected.json" valid) valid); wrk -t$wrk_threads -c$connections -d${duration}s --latency, after a ${warmup}s warm-up"
  fi
  if want l; then
    echo "# load speed: $(json_get "$ingest_data/expected.json" rows)-row upload, baseline $(git -C "$root" rev-parse --short "$base_commit") vs $head_desc, both Release builds, $reps interleaved runs each, median"
  fi
  printf '%-34s %-16s %-14s %-5s %s\n' "figure" "value" "target" "" "notes"
} | tee -a "$results.tmp"

# ---------------------------------------------------------------------------------------------
# (r) reports under wrk

# to_ms "1.23ms" -> 1.23 (wrk prints us, ms, s or m)
to_ms() {
  python3 - "$1" <<'EOF'
import re, sys
m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", sys.argv[1])
print(round(float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)], 3))
EOF
}

# run_wrk BACKEND REPORT: one measured wrk run against the running server
run_wrk() {
  local backend=$1 report=$2 url out s0 s1 p0 p1 p50 p99 rps reqs non2xx sockerr wrk_cpu v pg_cpu
  url="http://127.0.0.1:$server_port/v1/reports/$report?year=$year"
  out=$scratch/logs/wrk-$backend-$report.txt
  wrk -t"$wrk_threads" -c"$connections" -d"${warmup}s" "$url" >/dev/null
  s0=$(cpu_ticks "$server_pid"); p0=$(cluster_ticks)
  /usr/bin/time -f '%U %S' -o "$out.cpu" wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency "$url" >"$out"
  s1=$(cpu_ticks "$server_pid"); p1=$(cluster_ticks)
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  rps=$(awk '$1 == "Requests/sec:" { print $2 }' "$out")
  reqs=$(awk '/requests in/ { print $1 }' "$out")
  non2xx=$(awk -F': *' '/Non-2xx or 3xx responses/ { print $2 }' "$out")
  sockerr=$(awk '/Socket errors/ { sub(/^ *Socket errors: */, ""); print }' "$out")
  wrk_cpu=$(awk '{ print $1 + $2 }' "$out.cpu")
  check "$backend $report: non-2xx responses under wrk" "${non2xx:-0}" 0
  check "$backend $report: socket errors under wrk" "${sockerr:-none}" none
  pg_cpu=""
  if [[ $backend == postgres ]]; then pg_cpu=", PostgreSQL $(calc "round(($p1 - $p0) / $clk_tck / $reqs * 1000, 3)") ms"; fi
  v=$(verdict "$p99 < $target_p99_ms and ${non2xx:-0} == 0 and $reqs > 0"); count_verdict "$v"
  report_line "${backend}_${report}_p99" "$p99 ms" "< $target_p99_ms ms" "$v" \
    "p50 $p50 ms, $rps req/s ($reqs requests in ${duration}s); CPU per request: server $(calc "round(($s1 - $s0) / $clk_tck / $reqs * 1000, 3)") ms$pg_cpu, wrk $(calc "round($wrk_cpu / $reqs * 1000, 3)") ms"
}

# fetch_bodies BACKEND: the bodies both backends must agree on (JSON and CSV of both reports)
fetch_bodies() {
  local report fmt code
  mkdir -p "$scratch/bodies/$1"
  for report in hires-by-quarter departments-above-mean; do
    for fmt in json csv; do
      code=$(curl -sS -o "$scratch/bodies/$1/$report.$fmt" -w '%{http_code}' \
        "http://127.0.0.1:$server_port/v1/reports/$report?year=$year$([[ $fmt == csv ]] && echo '&format=csv')")
      check "$1 $report $fmt status" "$code" 200
    done
  done
}

# load_hires BACKEND: upload the report data set to the running server, report the time
load_hires() {
  local code secs
  load_parents "$report_data"
  log "$1: uploading $(json_get "$report_data/expected.json" rows) hires"
  read -r code secs < <(upload "$report_data/hired_employees.csv" hired_employees "$scratch/logs/resp-load-$1.json")
  [[ $code == 200 || $code == 201 ]] || { failures=$((failures + 1)); log "upload answered $code: $(head -c 500 "$scratch/logs/resp-load-$1.json")"; }
  check_load "$scratch/logs/resp-load-$1.json" "$report_data" "$1 load"
  report_line "${1}_load_seconds" "$(calc "round($secs, 1)") s" "-" "" \
    "upload of $(json_get "$report_data/expected.json" rows) rows ($(calc "round($(json_get "$report_data/expected.json" rows) / $secs)") rows/s) before the report runs"
}

phase_reports_pg() {
  log "(r) PostgreSQL: load, then wrk on both reports"
  fresh_database bench_reports
  start_server "$bin" reports-pg "$(pg_url bench_reports)"
  load_hires postgres
  check "postgres hires in table" "$(psql_db bench_reports -At -c 'SELECT count(*) FROM hired_employees')" \
    "$(json_get "$report_data/expected.json" valid)"
  check "postgres hire_counts = full recount" "$(psql_db bench_reports -At -c \
    "SELECT count(*) FROM (SELECT extract(year FROM datetime AT TIME ZONE 'UTC')::integer AS year, department_id, job_id,
            count(*) FILTER (WHERE extract(quarter FROM datetime AT TIME ZONE 'UTC') = 1) AS q1,
            count(*) FILTER (WHERE extract(quarter FROM datetime AT TIME ZONE 'UTC') = 2) AS q2,
            count(*) FILTER (WHERE extract(quarter FROM datetime AT TIME ZONE 'UTC') = 3) AS q3,
            count(*) FILTER (WHERE extract(quarter FROM datetime AT TIME ZONE 'UTC') = 4) AS q4
       FROM hired_employees GROUP BY 1, 2, 3) r
     FULL JOIN (SELECT * FROM hire_counts WHERE q1 + q2 + q3 + q4 > 0) c USING (year, department_id, job_id)
     WHERE r.q1 IS DISTINCT FROM c.q1 OR r.q2 IS DISTINCT FROM c.q2 OR r.q3 IS DISTINCT FROM c.q3 OR r.q4 IS DISTINCT FROM c.q4")" 0
  # The steady state autovacuum reaches about a minute after a big load, so that it does not run
  # in the middle of a measurement.
  psql_db bench_reports -c "VACUUM ANALYZE" -c "CHECKPOINT"
  fetch_bodies postgres
  run_wrk postgres hires-by-quarter
  run_wrk postgres departments-above-mean
  stop_server

  # Diagnostics, not timed: the plans and durations of the statements the server runs for one
  # request of each report (auto_explain, in the PostgreSQL log, copied to logs/pg-report-plans.log).
  psql_db postgres -c "ALTER DATABASE bench_reports SET session_preload_libraries = 'auto_explain'" \
    -c "ALTER DATABASE bench_reports SET auto_explain.log_min_duration = 0" \
    -c "ALTER DATABASE bench_reports SET auto_explain.log_analyze = on" \
    -c "ALTER DATABASE bench_reports SET auto_explain.log_buffers = on"
  local mark
  start_server "$bin" reports-pg-explain "$(pg_url bench_reports)"
  mark=$(wc -l <"$workdir/pg/server.log")
  curl -fsS -o /dev/null "http://127.0.0.1:$server_port/v1/reports/hires-by-quarter?year=$year"
  curl -fsS -o /dev/null "http://127.0.0.1:$server_port/v1/reports/departments-above-mean?year=$year"
  stop_server
  tail -n +"$((mark + 1))" "$workdir/pg/server.log" | grep -v -e 'connection' >"$scratch/logs/pg-report-plans.log" || true
  report_line "postgres_report_sql_ms" "$(grep -o 'duration: [0-9.]* ms' "$scratch/logs/pg-report-plans.log" | awk '{ printf "%s%s", sep, $2; sep = "/" }') ms" "(info)" "" \
    "server-side execution time of each statement of one request of each report (auto_explain, all statements of both requests in order); plans in build/bench/reports/logs/pg-report-plans.log"
  psql_db postgres -c "DROP DATABASE bench_reports"
}

phase_reports_sqlite() {
  log "(r) SQLite: load, then wrk on both reports"
  rm -rf "$scratch/sqlite"
  mkdir -p "$scratch/sqlite"
  start_server "$bin" reports-sqlite "sqlite://$scratch/sqlite/reports.db"
  load_hires sqlite
  fetch_bodies sqlite
  run_wrk sqlite hires-by-quarter
  run_wrk sqlite departments-above-mean
  stop_server
  report_line "sqlite_db_size" "$(calc "round($(stat -c %s "$scratch/sqlite/reports.db") / 1048576)") MB" "(info)" "" "the SQLite file after the load"
  rm -rf "$scratch/sqlite"
}

compare_bodies() {
  local f same=1
  for f in "$scratch/bodies/postgres"/*; do
    if cmp -s "$f" "$scratch/bodies/sqlite/${f##*/}"; then
      log "check ${f##*/} identical on both backends ($(stat -c %s "$f") bytes) (ok)"
    else
      same=0
      failures=$((failures + 1))
      report_line "CHECK ${f##*/} identical" "differ" "identical" "FAIL" "diff $scratch/bodies/{postgres,sqlite}/${f##*/}"
    fi
  done
  if [[ $same -eq 1 ]]; then
    report_line "bodies_identical" "yes" "identical" "PASS" \
      "JSON and CSV of both reports for $year, byte for byte; hires-by-quarter $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['rows']))" "$scratch/bodies/postgres/hires-by-quarter.json") rows, departments-above-mean $(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['rows']), 'rows, mean', d['mean'])" "$scratch/bodies/postgres/departments-above-mean.json")"
  fi
}

# ---------------------------------------------------------------------------------------------
# (l) load speed: 1M-row upload, baseline commit vs --head-ref, interleaved

# timed_upload BINARY BACKEND LABEL: one upload of the ingest file to a fresh database; sets
# upload_secs and upload_cpu (CPU seconds of the server plus, on PostgreSQL, the cluster)
timed_upload() {
  local server_bin=$1 backend=$2 label=$3 code secs s0 s1 p0=0 p1=0 resp=$scratch/logs/resp-ingest-$2-$3.json
  if [[ $backend == postgres ]]; then
    fresh_database bench_ingest
    start_server "$server_bin" "ingest-$backend-$label" "$(pg_url bench_ingest)"
    load_parents "$ingest_data"
    # as bench/ingest: parents analyzed (steady-state plans), dirty pages flushed first
    psql_db bench_ingest -c "ANALYZE departments" -c "ANALYZE jobs" -c "CHECKPOINT"
  else
    rm -rf "$scratch/sqlite"
    mkdir -p "$scratch/sqlite"
    start_server "$server_bin" "ingest-$backend-$label" "sqlite://$scratch/sqlite/ingest.db"
    load_parents "$ingest_data"
  fi
  s0=$(cpu_ticks "$server_pid")
  if [[ $backend == postgres ]]; then p0=$(cluster_ticks); fi
  read -r code secs < <(upload "$ingest_data/hired_employees.csv" hired_employees "$resp")
  s1=$(cpu_ticks "$server_pid")
  if [[ $backend == postgres ]]; then p1=$(cluster_ticks); fi
  stop_server
  upload_cpu=$(calc "round(($s1 - $s0 + $p1 - $p0) / $clk_tck, 2)")
  [[ $code == 200 || $code == 201 ]] || { failures=$((failures + 1)); log "upload ($backend, $label) answered $code: $(head -c 500 "$resp")"; }
  check_load "$resp" "$ingest_data" "$backend $label upload"
  if [[ $backend == postgres ]]; then psql_db postgres -c "DROP DATABASE bench_ingest"; else rm -rf "$scratch/sqlite"; fi
  upload_secs=$secs
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

phase_load_speed() {
  local backend i first second label base_times head_times base_cpu head_cpu mb mh ratio v n
  n=$(json_get "$ingest_data/expected.json" rows)
  for backend in postgres sqlite; do
    base_times=()
    head_times=()
    base_cpu=()
    head_cpu=()
    for i in $(seq 1 "$reps"); do
      # ABBA order, so that a drift of the machine's load does not favour one binary
      if [[ $((i % 2)) -eq 1 ]]; then first="base"; second="head"; else first="head"; second="base"; fi
      for label in "$first" "$second"; do
        if [[ $label == base ]]; then
          timed_upload "$base_bin" "$backend" base; base_times+=("$upload_secs"); base_cpu+=("$upload_cpu")
        else
          timed_upload "$head_bin" "$backend" head; head_times+=("$upload_secs"); head_cpu+=("$upload_cpu")
        fi
        log "(l) $backend run $i $label: $upload_secs s, CPU $upload_cpu s"
      done
    done
    mb=$(median "${base_times[@]}")
    mh=$(median "${head_times[@]}")
    ratio=$(calc "round($mh / $mb, 3)")
    v=$(verdict "$mh / $mb <= $target_ingest_ratio"); count_verdict "$v"
    report_line "${backend}_upload_${n}_ratio" "${ratio}x" "<= ${target_ingest_ratio}x" "$v" \
      "median upload: $head_desc $(calc "round($mh, 3)") s ($(calc "round($n / $mh)") rows/s) vs baseline $(calc "round($mb, 3)") s; runs $head_desc [${head_times[*]}], baseline [${base_times[*]}]"
    report_line "${backend}_upload_${n}_cpu_ratio" "$(calc "round($(median "${head_cpu[@]}") / $(median "${base_cpu[@]}"), 3)")x" "(info)" "" \
      "median CPU seconds per upload ($([[ $backend == postgres ]] && echo 'server + PostgreSQL' || echo 'server')), less sensitive to other work on the host than wall time: $head_desc [${head_cpu[*]}], baseline [${base_cpu[*]}]"
  done
}

# ---------------------------------------------------------------------------------------------

if want r; then
  phase_reports_pg
  phase_reports_sqlite
  compare_bodies
fi
if want l; then phase_load_speed; fi

finish_results
