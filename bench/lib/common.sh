# shellcheck shell=bash
# Helpers shared by the benchmark scripts (bench/ingest/run.sh, bench/reports/run.sh,
# bench/imports/run.sh); sourced, not run. Sourcing only defines functions and sets the state below; it starts nothing.
#
# Provides:
#   want LETTER                  true when $phases contains LETTER
#   log MSG...                   timestamped line on stderr
#   free_port                    a free loopback TCP port
#   as_pg CMD...                 CMD as the postgres user when we are root (initdb, pg_ctl)
#   now                          seconds since the epoch, with nanoseconds
#   calc EXPR                    floating-point arithmetic (python3), printed
#   json_get FILE KEY...         one field of a JSON file (nested keys allowed)
#   psql_db DB ARGS...           psql on the benchmark cluster; pg_url DB: its connection URL
#   start_postgres PREFIX        a throwaway PostgreSQL 15 cluster (defaults, fsync on) in a new
#                                temporary directory PREFIX-XXXXXX, on a free loopback port
#   postmaster_pid, cpu_ticks PID..., cluster_ticks, pg_backend_ticks    CPU in clock ticks
#   fresh_database DB            drop and create DB
#   start_server BINARY NAME URL, stop_server    the server under test, log in $scratch/logs;
#                                its objects in $server_storage_url when set (e.g. s3://bucket/prefix,
#                                S3_ENDPOINT_URL and credentials from the environment), else in a
#                                folder under $scratch
#   stop_servers                 stop_server, then stop the cluster and remove its directory
#                                (for the script's EXIT trap)
#   upload FILE TABLE OUT_JSON   POST FILE as text/csv; prints "HTTP_CODE SECONDS"
#   load_parents DATA_DIR        upload DATA_DIR/departments.csv and jobs.csv
#   make_data GEN ROWS SEED      gen_data.py base data under $scratch/data (reused while GEN is
#                                unchanged); prints its directory
#   vm_field PID FIELD           a field of /proc/PID/status in kB (VmRSS, VmHWM)
#   start_rss_sampler PID FILE [SECONDS], stop_rss_sampler    VmRSS of PID every SECONDS (0.5)
#                                into FILE (TSV);
#                                stop sets rss_max_sampled (the largest sample, kB)
#   check NAME ACTUAL EXPECTED   a correctness check (counts a failure)
#   report_line, verdict, count_verdict, finish_results    the results file
#
# Expects (read when the functions run): pg_bin (PostgreSQL's bin directory), phases, scratch
# (its logs/ directory must exist), results (results file; lines go to $results.tmp first),
# report_format (printf format of a results line: NAME VALUE TARGET VERDICT NOTE); optional:
# targets_missed (finish_results), server_storage_url (start_server).
# Sets on sourcing: workdir, pg_port, server_pid, server_port, sampler_pid (empty), failures=0, clk_tck,
# and exports PGOPTIONS. Later: start_postgres sets workdir, pg_port and pg_version;
# start_server sets server_port and server_pid; check and count_verdict add to failures.

# The scripts set these before sourcing; a missing one is a bug in the script.
: "${pg_bin:?}" "${phases:?}" "${scratch:?}" "${results:?}" "${report_format:?}"

workdir=""
pg_port=""
server_pid=""
server_port=""
sampler_pid=""
sampler_file=""
rss_max_sampled=0
failures=0
# shellcheck disable=SC2034  # used by the scripts
clk_tck=$(getconf CLK_TCK)

want() { [[ $phases == *"$1"* ]]; }

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

now() { date +%s.%N; }

# calc EXPR: floating-point arithmetic (python3), printed as given by the format in EXPR.
calc() { python3 -c "nan = float('nan'); print($1)"; }

# json_get FILE KEY...: one field of a JSON file (nested keys allowed).
json_get() {
  python3 - "$@" <<'EOF'
import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    value = value[key]
print(value)
EOF
}

export PGOPTIONS="-c client_min_messages=warning"
psql_db() {
  local db=$1
  shift
  "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d "$db" "$@"
}
pg_url() { echo "postgresql://postgres@127.0.0.1:$pg_port/$1"; }

# start_postgres PREFIX: the cluster's directory is a new $TMPDIR/PREFIX-XXXXXX.
start_postgres() {
  workdir=$(mktemp -d -t "$1-XXXXXX")
  chmod 755 "$workdir"
  mkdir "$workdir/pg"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$workdir/pg"; fi
  as_pg "$pg_bin/initdb" -D "$workdir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$workdir/initdb.log" 2>&1 || { cat "$workdir/initdb.log" >&2; exit 1; }
  pg_port=$(free_port)
  # Default settings (fsync, synchronous_commit, full_page_writes on; shared_buffers 128 MB):
  # only where it listens.
  as_pg "$pg_bin/pg_ctl" -D "$workdir/pg/data" -l "$workdir/pg/server.log" -w -t 60 start \
    -o "-p $pg_port -k $workdir/pg -c listen_addresses=127.0.0.1" >/dev/null \
    || { cat "$workdir/pg/server.log" >&2; exit 1; }
  pg_version=$(psql_db postgres -At -c "SHOW server_version")
  log "PostgreSQL $pg_version on 127.0.0.1:$pg_port (fsync=$(psql_db postgres -At -c 'SHOW fsync'))"
}

postmaster_pid() { head -1 "$workdir/pg/data/postmaster.pid"; }

# cpu_ticks PID...: utime + stime of the given processes, in clock ticks (0 for a gone process).
cpu_ticks() {
  local total=0 pid stat rest
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${stat##*) }
    # fields after "(comm) ": state is field 3, utime 14, stime 15 -> index 11 and 12 here
    read -r -a f <<<"$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# cluster_ticks: CPU of the whole PostgreSQL cluster so far: the postmaster, its live children, and
# the children that exited (reaped into the postmaster's cutime/cstime), in clock ticks.
cluster_ticks() {
  local pm stat rest
  pm=$(postmaster_pid)
  stat=$(cat "/proc/$pm/stat")
  rest=${stat##*) }
  read -r -a f <<<"$rest"
  echo $((f[11] + f[12] + f[13] + f[14] + $(pg_backend_ticks)))
}

# pg_backend_ticks: CPU of the postmaster's live children (the backends), in clock ticks.
pg_backend_ticks() {
  # shellcheck disable=SC2046  # one word per pid
  cpu_ticks $(pgrep -P "$(postmaster_pid)" || true)
}

fresh_database() {
  psql_db postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}

# start_server BINARY NAME URL: BINARY serve on a free loopback port, on the database at URL,
# log in $scratch/logs/server-NAME.log; returns once /readyz answers (exits if it never does).
start_server() {
  local server_bin=$1 name=$2 url=$3 i
  server_port=$(free_port)
  local server_log=$scratch/logs/server-$name.log
  DATABASE_URL=$url LOG_FORMAT=json "$server_bin" serve --port "$server_port" --bind 127.0.0.1 \
    --storage-url "${server_storage_url:-file://$scratch/objects}" >"$server_log" 2>&1 &
  server_pid=$!
  for i in $(seq 1 300); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$server_port/readyz" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "run.sh: the server ($name) did not become ready after ${i} tries; its log:" >&2
  tail -n 30 "$server_log" >&2
  exit 1
}

stop_server() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
  # The uploads' archives (a copy of every file loaded): not needed once the server is gone.
  rm -rf "$scratch/objects"
}

# stop_servers: the server, then the cluster (fast shutdown), then the cluster's directory.
stop_servers() {
  stop_server
  if [[ -n $workdir && -d $workdir/pg/data ]]; then
    as_pg "$pg_bin/pg_ctl" -D "$workdir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [[ -n $workdir ]]; then rm -rf "$workdir"; fi
}

# upload FILE TABLE OUT_JSON: POST the file as a raw text/csv body (streamed by curl from disk).
# Prints "HTTP_CODE SECONDS".
upload() {
  curl -sS -o "$3" -w '%{http_code} %{time_total}\n' -X POST -H 'Content-Type: text/csv' \
    -T "$1" "http://127.0.0.1:$server_port/v1/$2/upload"
}

# load_parents DATA_DIR
load_parents() {
  local t code
  for t in departments jobs; do
    read -r code _ < <(upload "$1/$t.csv" "$t" "$scratch/logs/resp-$t.json")
    [[ $code == 201 ]] || { echo "run.sh: uploading $t answered $code: $(cat "$scratch/logs/resp-$t.json")" >&2; exit 1; }
  done
}

# make_data GEN ROWS SEED: `GEN base` data (deterministic) in $scratch/data/base-ROWS-SEED, made
# again only when GEN changed; prints the directory.
make_data() {
  local gen=$1 dir=$scratch/data/base-$2-$3 gen_sum
  gen_sum=$(sha256sum "$gen" | cut -c1-16)
  if [[ -f $dir/expected.json && "$(cat "$dir/.generator" 2>/dev/null)" == "$gen_sum" ]]; then
    log "reusing $dir"
  else
    log "generating $2 rows into $dir"
    rm -rf "$dir"
    python3 "$gen" base --rows "$2" --out "$dir" --seed "$3" >/dev/null
    echo "$gen_sum" >"$dir/.generator"
  fi
  echo "$dir"
}

vm_field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }  # kB

# start_rss_sampler PID FILE [SECONDS]: VmRSS of PID every SECONDS (default 0.5), as
# "seconds<TAB>kB" lines after a header, until stop_rss_sampler (or PID's end).
start_rss_sampler() {
  local pid=$1 interval=${3:-0.5}
  (
    printf 'seconds\tVmRSS_kB\n'
    start=$(date +%s%N)
    while [[ -r /proc/$pid/status ]]; do
      r=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || break
      t=$(date +%s%N)
      printf '%d.%d\t%s\n' $(((t - start) / 1000000000)) $(((t - start) / 100000000 % 10)) "$r"
      sleep "$interval"
    done
  ) >"$2" 2>/dev/null &
  sampler_pid=$!
  sampler_file=$2
}

# stop_rss_sampler: stops the sampler (for an EXIT trap too); sets rss_max_sampled to its largest
# sample (kB, 0 when none).
# shellcheck disable=SC2034 # rss_max_sampled is read by the scripts that source this file
stop_rss_sampler() {
  rss_max_sampled=0
  if [[ -n $sampler_pid ]]; then
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
    rss_max_sampled=$(awk 'NR > 1 && $2 > m { m = $2 } END { print m + 0 }' "$sampler_file")
  fi
}

# check NAME ACTUAL EXPECTED: a correctness check (not a speed target).
check() {
  if [[ "$2" == "$3" ]]; then
    log "check $1: $2 (ok)"
  else
    failures=$((failures + 1))
    report_line "CHECK $1" "$2" "expected $3" "FAIL" ""
  fi
}

# report_line NAME VALUE TARGET VERDICT NOTE: one line of results, on stdout and in $results.tmp
report_line() {
  local line
  # shellcheck disable=SC2059  # the format is the script's $report_format
  line=$(printf "$report_format" "$1" "$2" "$3" "$4" "$5")
  echo "$line" | tee -a "$results.tmp"
}

# verdict OK_EXPR: PASS or FAIL (count_verdict VERDICT counts the failures)
verdict() {
  if [[ $(calc "1 if ($1) else 0") == 1 ]]; then
    echo PASS
  else
    echo FAIL
  fi
}
count_verdict() { if [[ $1 == FAIL ]]; then failures=$((failures + 1)); fi; }

# finish_results: the closing lines, $results.tmp moved to $results; fails when anything failed
# (as the script's last command, its exit status). $targets_missed, when set: targets that missed
# but are only reported (not counted in $failures), so that the closing line does not say they were met.
finish_results() {
  local missed=${targets_missed:-0}
  echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results.tmp"
  if [[ $failures -eq 0 && $missed -eq 0 ]]; then
    echo "# all targets met, all checks passed" | tee -a "$results.tmp"
  elif [[ $failures -eq 0 ]]; then
    echo "# all checks passed; $missed target(s) missed (reported, not counted in the exit status)" | tee -a "$results.tmp"
  elif [[ $missed -eq 0 ]]; then
    echo "# $failures target(s) missed or check(s) failed" | tee -a "$results.tmp"
  else
    echo "# $failures check(s) failed; $missed target(s) missed (reported only)" | tee -a "$results.tmp"
  fi
  mv "$results.tmp" "$results"
  log "results written to $results"
  [[ $failures -eq 0 ]]
}
