#!/usr/bin/env bash
# Ingest benchmark of migration-api (issue 2, "Speed"). See bench/ingest/README.md.
#
#   bench/ingest/run.sh [--rows N] [--quick] [--big-bytes B] [--batches N] [--rss-db sqlite|postgres]
#                       [--batch-format json|csv] [--phases 12345] [--keep-data]
#
# Starts its own PostgreSQL 15 (default settings: fsync on) in a temporary directory on a free
# loopback port, generates deterministic data under build/bench/ingest/, measures, prints one line
# per figure with its target and PASS/FAIL, and writes them to build/bench/ingest-results.txt.
# Exit status: 0 when every figure meets its target and every count check passes, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${MIGRATION_API_BIN:-$root/build/release/src/migration-api}
pg_bin=/usr/lib/postgresql/15/bin
out_dir=$root/build/bench
scratch=$out_dir/ingest
results=$out_dir/ingest-results.txt

rows=1000000
big_bytes=$((1024 * 1024 * 1024))
batches=100
clients=8
batch_rows=1000
rss_db=sqlite
batch_format=json
phases=12345
keep_data=0
quick=0
seed=20261126

# Targets (issue 2) and reference figures (perf-baselines.md, same machine type).
target_upload_vs_copy=2.0
target_sqlite_rows_s=300000
target_rss_mb=150
target_batch_rows_s=60000
target_batch_p99_ms=100
baseline_copy_s=9.23               # psql \copy 1M rows into the target schema (PK + 2 FKs)
baseline_copy_nofk_s=1.10          # same, PK and no FK
baseline_fastapi_upload_rows_s=21856
baseline_fastapi_batch_rows_s=32388

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --big-bytes) big_bytes=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --rss-db) rss_db=$2; shift 2 ;;
    --batch-format) batch_format=$2; shift 2 ;;
    --phases) phases=$2; shift 2 ;;
    --keep-data) keep_data=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ $quick -eq 1 ]]; then
  rows=20000
  big_bytes=$((64 * 1024 * 1024))
  batches=5
fi
[[ $rows =~ ^[0-9]+$ && $rows -ge 1000 ]] || { echo "run.sh: --rows must be an integer >= 1000" >&2; exit 2; }
[[ $rss_db == sqlite || $rss_db == postgres ]] || { echo "run.sh: --rss-db is sqlite or postgres" >&2; exit 2; }
[[ $batch_format == json || $batch_format == csv ]] || { echo "run.sh: --batch-format is json or csv" >&2; exit 2; }
[[ -x $bin ]] || { echo "run.sh: $bin not found; run 'make build' first" >&2; exit 1; }
[[ -x $pg_bin/postgres ]] || { echo "run.sh: PostgreSQL 15 is not installed (scripts/install-deps.sh)" >&2; exit 1; }
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done

mkdir -p "$scratch/logs"
big_file=""
report_format='%-34s %-18s %-18s %-5s %s'

# ---------------------------------------------------------------------------------------------
# helpers (PostgreSQL, the server, the results file: bench/lib/common.sh)

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$here/../lib/common.sh"

# start_ingest_server NAME URL: the server under test ($bin), announced in the log
start_ingest_server() {
  start_server "$bin" "$1" "$2"
  log "server ($1) pid $server_pid on 127.0.0.1:$server_port, log $scratch/logs/server-$1.log"
}

cleanup() {
  stop_rss_sampler
  stop_servers
  if [[ $keep_data -eq 0 && -n $big_file ]]; then rm -f "$big_file" "$big_file.expected.json"; fi
  rm -rf "$scratch/sqlite"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# check_load RESPONSE_JSON ROWS VALID INVALID NAME
check_load() {
  local resp=$1
  check "$5 rows_received" "$(json_get "$resp" rows_received)" "$2"
  check "$5 rows_inserted" "$(json_get "$resp" rows_inserted)" "$3"
  check "$5 rows_rejected" "$(json_get "$resp" rows_rejected)" "$4"
}

: >"$results.tmp"

# ---------------------------------------------------------------------------------------------
# data

data=$(make_data "$here/gen_data.py" "$rows" "$seed")
exp_rows=$(json_get "$data/expected.json" rows)
exp_valid=$(json_get "$data/expected.json" valid)
exp_invalid=$(json_get "$data/expected.json" invalid)
csv=$data/hired_employees.csv
log "hired_employees.csv: $exp_rows rows, $exp_valid valid, $exp_invalid invalid ($(du -h "$csv" | cut -f1))"

start_postgres migration-bench

{
  echo "# bench/ingest results $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# work tree at commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')," \
    "$(nproc) cores, PostgreSQL $pg_version (defaults, fsync on), rows $exp_rows ($exp_invalid invalid)$([[ $quick -eq 1 ]] && echo ', QUICK run')"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the host skews every figure)"
  echo "# server binary $bin (built $(date -u -r "$bin" +%Y-%m-%dT%H:%M:%SZ))$([[ -n ${MIGRATION_API_BIN:-} ]] && echo ', set by MIGRATION_API_BIN: not necessarily built from the work tree')"
  printf '%-34s %-18s %-18s %-5s %s\n' "figure" "value" "target" "" "notes"
} | tee -a "$results.tmp"

# ---------------------------------------------------------------------------------------------
# (1) psql \copy of the valid rows into the same schema
phase_copy() {
  log "(1) psql \\copy of $exp_valid valid rows"
  fresh_database bench_copy
  # The schema the server itself creates: its embedded migrations (src/db/migrations/postgres/).
  "$bin" db migrate --database-url "$(pg_url bench_copy)" --log-level error >/dev/null
  copy_fks=$(psql_db bench_copy -At -c \
    "SELECT count(*) FROM pg_constraint WHERE conrelid = 'hired_employees'::regclass AND contype = 'f'")
  psql_db bench_copy -c "\\copy departments (id, department) from '$data/departments.csv' with (format csv)" \
    -c "\\copy jobs (id, job) from '$data/jobs.csv' with (format csv)" \
    -c "ANALYZE departments" -c "ANALYZE jobs" -c "CHECKPOINT"
  c0=$(cluster_ticks)
  t0=$(now)
  psql_db bench_copy -c "\\copy hired_employees (id, name, datetime, department_id, job_id) from '$data/hired_employees_valid.csv' with (format csv)"
  t1=$(now)
  sleep 0.3  # let the postmaster reap the backend, so its CPU is counted
  c1=$(cluster_ticks)
  copy_s=$(calc "round($t1 - $t0, 3)")
  copy_cpu=$(calc "round(($c1 - $c0) / $clk_tck, 2)")
  check "copy rows in table" "$(psql_db bench_copy -At -c 'SELECT count(*) FROM hired_employees')" "$exp_valid"
  report_line "copy_seconds" "$copy_s s" "-" "" \
    "psql \\copy of $exp_valid valid rows: $(calc "round($exp_valid / $copy_s)") rows/s; PostgreSQL CPU $copy_cpu s; schema has $copy_fks foreign key(s) on hired_employees (perf-baselines: 1M rows in $baseline_copy_s s with the 2 FKs, $baseline_copy_nofk_s s without)"
  psql_db postgres -c "DROP DATABASE bench_copy"
}

# ---------------------------------------------------------------------------------------------
# (2) upload of the whole file to the server on PostgreSQL
phase_upload_pg() {
  log "(2) POST /v1/hired_employees/upload of $exp_rows rows, PostgreSQL"
  fresh_database bench_upload
  start_ingest_server pg-upload "$(pg_url bench_upload)"
  load_parents "$data"
  psql_db bench_upload -c "ANALYZE departments" -c "ANALYZE jobs" -c "CHECKPOINT"
  s0=$(cpu_ticks "$server_pid"); p0=$(cluster_ticks)
  read -r code up_pg_s < <(upload "$csv" hired_employees "$scratch/logs/resp-upload-pg.json")
  s1=$(cpu_ticks "$server_pid"); p1=$(cluster_ticks)
  [[ $code == 200 || $code == 201 ]] || { failures=$((failures + 1)); log "upload answered $code: $(head -c 500 "$scratch/logs/resp-upload-pg.json")"; }
  check_load "$scratch/logs/resp-upload-pg.json" "$exp_rows" "$exp_valid" "$exp_invalid" "pg upload"
  check "pg upload rows in table" "$(psql_db bench_upload -At -c 'SELECT count(*) FROM hired_employees')" "$exp_valid"
  check "pg upload rejects stored" "$(psql_db bench_upload -At -c 'SELECT count(*) FROM rejects')" "$exp_invalid"
  up_pg_rss=$(vm_field "$server_pid" VmHWM)
  stop_server
  report_line "upload_pg_seconds" "$(calc "round($up_pg_s, 3)") s" "-" "" \
    "$(calc "round($exp_rows / $up_pg_s)") input rows/s; server CPU $(calc "round(($s1 - $s0) / $clk_tck, 2)") s, PostgreSQL CPU $(calc "round(($p1 - $p0) / $clk_tck, 2)") s; server peak RSS $((up_pg_rss / 1024)) MB"
  if [[ -n $copy_s ]]; then
    ratio=$(calc "round($up_pg_s / $copy_s, 2)")
    v=$(verdict "$up_pg_s / $copy_s <= $target_upload_vs_copy"); count_verdict "$v"
    report_line "upload_pg_vs_copy" "${ratio}x" "<= ${target_upload_vs_copy}x" "$v" "upload time / \\copy time, same run, same cluster; by CPU (server + PostgreSQL vs PostgreSQL for \\copy): $(calc "round(($s1 - $s0 + $p1 - $p0) / $clk_tck / $copy_cpu, 2) if $copy_cpu > 0 else nan")x"
  fi
  psql_db postgres -c "DROP DATABASE bench_upload"
}

# ---------------------------------------------------------------------------------------------
# (3) the same upload on SQLite
phase_upload_sqlite() {
  log "(3) POST /v1/hired_employees/upload of $exp_rows rows, SQLite"
  rm -rf "$scratch/sqlite"
  mkdir -p "$scratch/sqlite"
  start_ingest_server sqlite-upload "sqlite://$scratch/sqlite/upload.db"
  load_parents "$data"
  s0=$(cpu_ticks "$server_pid")
  read -r code up_sq_s < <(upload "$csv" hired_employees "$scratch/logs/resp-upload-sqlite.json")
  s1=$(cpu_ticks "$server_pid")
  [[ $code == 200 || $code == 201 ]] || { failures=$((failures + 1)); log "upload answered $code: $(head -c 500 "$scratch/logs/resp-upload-sqlite.json")"; }
  check_load "$scratch/logs/resp-upload-sqlite.json" "$exp_rows" "$exp_valid" "$exp_invalid" "sqlite upload"
  up_sq_rss=$(vm_field "$server_pid" VmHWM)
  stop_server
  rm -rf "$scratch/sqlite"
  sq_rate=$(calc "round($exp_rows / $up_sq_s)")
  v=$(verdict "$sq_rate >= $target_sqlite_rows_s"); count_verdict "$v"
  report_line "upload_sqlite_rows_per_s" "$sq_rate rows/s" ">= $target_sqlite_rows_s" "$v" \
    "$exp_rows input rows in $(calc "round($up_sq_s, 3)") s ($(calc "round($exp_valid / $up_sq_s)") inserted/s); server CPU $(calc "round(($s1 - $s0) / $clk_tck, 1)") s; peak RSS $((up_sq_rss / 1024)) MB; $(calc "round($sq_rate / $baseline_fastapi_upload_rows_s, 1)")x FastAPI upload ($baseline_fastapi_upload_rows_s rows/s)"
}

# ---------------------------------------------------------------------------------------------
# (4) peak RSS during a ~1 GB upload
phase_big_rss() {
  big_file=$scratch/data/big-$rows-$seed-$big_bytes.csv
  if [[ -f $big_file.expected.json && $big_file -nt $data/expected.json ]]; then
    log "reusing $big_file"
  else
    log "(4) generating a $((big_bytes / 1024 / 1024)) MiB file by streaming copies of the base file"
    python3 "$here/gen_data.py" big --base "$data" --target-bytes "$big_bytes" --out "$big_file" >/dev/null
  fi
  big_rows=$(json_get "$big_file.expected.json" rows)
  big_valid=$(json_get "$big_file.expected.json" valid)
  big_invalid=$(json_get "$big_file.expected.json" invalid)
  big_mb=$(calc "round($(stat -c %s "$big_file") / 1048576)")
  log "(4) upload of $big_file ($big_mb MiB, $big_rows rows) to the server on $rss_db, sampling its RSS"
  if [[ $rss_db == sqlite ]]; then
    rm -rf "$scratch/sqlite"
    mkdir -p "$scratch/sqlite"
    start_ingest_server rss "sqlite://$scratch/sqlite/rss.db"
  else
    fresh_database bench_rss
    start_ingest_server rss "$(pg_url bench_rss)"
  fi
  load_parents "$data"
  rss_start=$(vm_field "$server_pid" VmRSS)
  start_rss_sampler "$server_pid" "$scratch/logs/rss-samples.tsv"
  read -r code big_s < <(upload "$big_file" hired_employees "$scratch/logs/resp-upload-big.json")
  stop_rss_sampler
  [[ $code == 200 || $code == 201 ]] || { failures=$((failures + 1)); log "upload answered $code: $(head -c 500 "$scratch/logs/resp-upload-big.json")"; }
  check_load "$scratch/logs/resp-upload-big.json" "$big_rows" "$big_valid" "$big_invalid" "1 GB upload"
  hwm=$(vm_field "$server_pid" VmHWM)
  max_sampled=$rss_max_sampled
  stop_server
  # One log line per rejected row: ~170 MB for 1 GB of input. Keep the tail unless asked.
  local rss_log=$scratch/logs/server-rss.log
  rss_log_mb=$(($(stat -c %s "$rss_log") / 1048576))
  if [[ $keep_data -eq 0 ]]; then
    tail -n 2000 "$rss_log" >"$rss_log.tail" && mv "$rss_log.tail" "$rss_log"
  fi
  rm -rf "$scratch/sqlite"
  if [[ $rss_db == postgres ]]; then psql_db postgres -c "DROP DATABASE bench_rss"; fi
  hwm_mb=$(calc "round($hwm / 1024, 1)")
  v=$(verdict "$hwm_mb < $target_rss_mb"); count_verdict "$v"
  report_line "upload_1gb_peak_rss" "$hwm_mb MB" "< $target_rss_mb MB" "$v" \
    "VmHWM of the server after a $big_mb MiB upload ($big_rows rows, $rss_db) in $(calc "round($big_s, 1)") s ($(calc "round($big_rows / $big_s)") rows/s); RSS before $((rss_start / 1024)) MB, max sampled $((max_sampled / 1024)) MB; server log $rss_log_mb MB"
}

# ---------------------------------------------------------------------------------------------
# (5) batch endpoint: 8 concurrent clients, 1000-row batches (JSON by default), PostgreSQL
phase_batch() {
  log "(5) POST /v1/hired_employees: $clients clients x $batches batches of $batch_rows rows ($batch_format), PostgreSQL"
  fresh_database bench_batch
  start_ingest_server pg-batch "$(pg_url bench_batch)"
  load_parents "$data"
  psql_db bench_batch -c "ANALYZE departments" -c "ANALYZE jobs" -c "CHECKPOINT"
  warmup=2
  s0=$(cpu_ticks "$server_pid"); p0=$(pg_backend_ticks)
  bj=$scratch/logs/batch-closed.json
  batch_ok=1
  python3 "$here/batch_client.py" --port "$server_port" --clients "$clients" --batches "$batches" --warmup "$warmup" \
    --rows "$batch_rows" --format "$batch_format" --id-start 1 >"$bj" || batch_ok=0
  s1=$(cpu_ticks "$server_pid"); p1=$(pg_backend_ticks)
  if [[ $batch_ok -eq 0 ]]; then
    failures=$((failures + 1))
    log "batch client reported errors: $(json_get "$bj" errors)"
    if ! kill -0 "$server_pid" 2>/dev/null; then
      log "the server process is gone; last lines of its log:"
      tail -n 3 "$scratch/logs/server-pg-batch.log" >&2
    fi
  fi
  check "batch statuses" "$(json_get "$bj" statuses)" "{'201': $((clients * batches))}"
  b_rate=$(calc "round($(json_get "$bj" rows_per_s))")
  b_p50=$(calc "round($(json_get "$bj" latency_ms p50), 1)")
  b_p99=$(calc "round($(json_get "$bj" latency_ms p99), 1)")
  b_secs=$(calc "round($(json_get "$bj" seconds), 2)")
  v=$(verdict "$b_rate >= $target_batch_rows_s and $batch_ok == 1"); count_verdict "$v"
  report_line "batch_rows_per_s" "$b_rate rows/s" ">= $target_batch_rows_s" "$v" \
    "$clients closed-loop clients, $(json_get "$bj" requests) x $batch_rows-row $batch_format batches in $b_secs s, statuses $(json_get "$bj" statuses); $(calc "round($b_rate / $baseline_fastapi_batch_rows_s, 2)")x FastAPI ($baseline_fastapi_batch_rows_s rows/s); server CPU $(calc "round(($s1 - $s0) / $clk_tck, 1)") s, PostgreSQL CPU $(calc "round(($p1 - $p0) / $clk_tck, 1)") s, client CPU $(calc "round($(json_get "$bj" client_cpu_s), 1)") s"
  v=$(verdict "$b_p99 < $target_batch_p99_ms and $batch_ok == 1"); count_verdict "$v"
  report_line "batch_p99_ms" "$b_p99 ms" "< $target_batch_p99_ms ms" "$v" \
    "per request, closed loop at the rate above; p50 $b_p50 ms, p95 $(calc "round($(json_get "$bj" latency_ms p95), 1)") ms, max $(calc "round($(json_get "$bj" latency_ms max), 1)") ms"

  # Latency at exactly the target rate (open loop, 60,000 rows/s offered): informative.
  if [[ $batch_ok -eq 1 ]]; then
    bo=$scratch/logs/batch-open.json
    python3 "$here/batch_client.py" --port "$server_port" --clients "$clients" --batches "$batches" --warmup "$warmup" \
      --rows "$batch_rows" --format "$batch_format" --id-start $((clients * (batches + warmup) * batch_rows + 1)) \
      --rate "$target_batch_rows_s" >"$bo" || log "open-loop batch client reported errors: $(json_get "$bo" errors)"
    report_line "batch_p99_ms_at_60k" "$(calc "round($(json_get "$bo" latency_ms p99), 1)") ms" "(info)" "" \
      "open loop, $target_batch_rows_s rows/s offered, $(calc "round($(json_get "$bo" rows_per_s))") achieved; p50 $(calc "round($(json_get "$bo" latency_ms p50), 1)") ms, statuses $(json_get "$bo" statuses)"
    check "batch rows in table" "$(psql_db bench_batch -At -c 'SELECT count(*) FROM hired_employees')" \
      "$(($(json_get "$bj" rows_inserted) + $(json_get "$bo" rows_inserted) + 2 * clients * warmup * batch_rows))"
  else
    report_line "batch_p99_ms_at_60k" "-" "(info)" "" "skipped: the closed-loop run failed"
  fi
  stop_server
  psql_db postgres -c "DROP DATABASE bench_batch"
}

# ---------------------------------------------------------------------------------------------

copy_s=""
if want 1; then phase_copy; fi
if want 2; then phase_upload_pg; fi
if want 3; then phase_upload_sqlite; fi
if want 4; then phase_big_rss; fi
if want 5; then phase_batch; fi

finish_results
