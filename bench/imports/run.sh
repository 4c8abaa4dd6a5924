#!/usr/bin/env bash
# Import-from-S3 benchmark of migration-api (issue 14). See bench/imports/README.md.
#
#   bench/imports/run.sh [--rows N] [--reps N] [--backends postgres,sqlite] [--quick]
#
# The same hired_employees.csv (bench/ingest/gen_data.py, 1M rows, 3 % invalid) loaded two ways
# by the same server binary, each time a new process on a fresh database with departments and jobs
# loaded first: POST /v1/hired_employees/upload of the file (as bench/ingest), and POST /v1/imports
# of the same file put in the bucket beforehand, timed until the job is `succeeded`. The server's
# STORAGE_URL is s3://$TEST_S3_BUCKET/bench on moto with signatures checked (scripts/test-servers.sh,
# which this script runs itself under); the measured databases are on a PostgreSQL 15 cluster of
# its own with the default settings (fsync on), as bench/ingest's, and SQLite files.
# Checks that both give the same rows_received/inserted/rejected (and the generator's counts) and
# byte-identical rejects (GET /v1/loads/{id}/rejects?format=csv), and reports import time / upload
# time against the bar (<= 1.3x) and the peak RSS of both. Prints one line per figure and writes
# them to build/bench/imports-results.txt.
#
# Only the ratio is judged, never a time: the two loads run on the same host, cluster and binary a
# few seconds apart, in alternating order, so what the host does to both (another build on the same
# 2 cores, ±15 % from run to run on these machines) cancels out of their ratio but not out of the
# absolute figures. Those also depend on moto, a Python emulator whose speed is not S3's, so a time
# here says nothing about production and is not compared with another run's.
#
# Exit status: 1 when counts or rejects differ or a load fails, else 0. The ratio and the RSS
# figures are reported with PASS/FAIL but do not change the exit status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
gen=$root/bench/ingest/gen_data.py   # the generator of bench/ingest: the same file
bin=${MIGRATION_API_BIN:-$root/build/release/src/migration-api}
pg_bin=/usr/lib/postgresql/15/bin
out_dir=$root/build/bench
scratch=$out_dir/imports
results=$out_dir/imports-results.txt

rows=1000000
reps=3
backends=postgres,sqlite
quick=0
seed=20261126          # bench/ingest's seed: its 1M-row file
phases=-               # bench/lib's phase letters: unused here
prefix=bench           # STORAGE_URL is s3://$TEST_S3_BUCKET/$prefix
poll_seconds=0.05      # GET /v1/imports/{id} while the job runs

target_ratio=1.3       # issue 14: import time <= 1.3x the upload's
target_rss_vs_upload=1.10 # "RSS flat": the import's peak RSS at most 10 % above the upload's,
target_rss_drift_kb=2048  # and its RSS in the second half of the load at most 2 MiB above the first half's

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; }

args=("$@")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ $quick -eq 1 ]]; then
  rows=20000
  reps=1
fi
[[ $rows =~ ^[0-9]+$ && $rows -ge 1000 ]] || { echo "run.sh: --rows must be an integer >= 1000" >&2; exit 2; }
[[ $reps =~ ^[0-9]+$ && $reps -ge 1 ]] || { echo "run.sh: --reps must be a positive integer" >&2; exit 2; }
IFS=, read -r -a backend_list <<<"$backends"
for b in "${backend_list[@]}"; do
  [[ $b == postgres || $b == sqlite ]] || { echo "run.sh: --backends takes postgres and/or sqlite" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "run.sh: $bin not found; run 'make build' first" >&2; exit 1; }
[[ -x $pg_bin/postgres ]] || { echo "run.sh: PostgreSQL 15 is not installed (scripts/install-deps.sh)" >&2; exit 1; }
for tool in curl python3 aws ss; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done

# moto (and a PostgreSQL this script does not use) from scripts/test-servers.sh: run again under it.
if [[ -z ${TEST_S3_ENDPOINT_URL:-} ]]; then
  exec "$root/scripts/test-servers.sh" run -- "$here/run.sh" "${args[@]}"
fi
for v in TEST_S3_ENDPOINT_URL TEST_S3_BUCKET TEST_S3_ACCESS_KEY_ID TEST_S3_SECRET_ACCESS_KEY TEST_S3_REGION; do
  [[ -n ${!v:-} ]] || { echo "run.sh: $v is not set (scripts/test-servers.sh sets it)" >&2; exit 1; }
done

mkdir -p "$scratch/logs"
report_format='%-30s %-14s %-10s %-5s %s'

# ---------------------------------------------------------------------------------------------
# helpers (PostgreSQL, the server, RSS, the results file: bench/lib/common.sh)

# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$here/../lib/common.sh"

# The server's object store: moto, with the test user's key (nothing from the caller's AWS setup).
server_storage_url=s3://$TEST_S3_BUCKET/$prefix
export S3_ENDPOINT_URL=$TEST_S3_ENDPOINT_URL AWS_REGION=$TEST_S3_REGION
export AWS_ACCESS_KEY_ID=$TEST_S3_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$TEST_S3_SECRET_ACCESS_KEY
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI
source_url=$server_storage_url/imports/hired_employees.csv

aws_s3() {
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" AWS_DEFAULT_REGION=$TEST_S3_REGION \
    aws --endpoint-url "$TEST_S3_ENDPOINT_URL" --output json "$@"
}

cleanup() {
  stop_rss_sampler
  stop_servers
  rm -rf "$scratch/sqlite"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two benchmarks on the same 2 cores measure each other.
while pgrep -f 'bench/(ingest|reports)/run\.sh' >/dev/null; do
  log "another benchmark (bench/ingest or bench/reports) is running; waiting for it to finish"
  sleep 15
done

# moto's process, for its CPU time (the one listening on the endpoint's port); empty if not found.
moto_pid=$(ss -Hltnp "sport = :${TEST_S3_ENDPOINT_URL##*:}" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2 || true)

: >"$results.tmp"

# ---------------------------------------------------------------------------------------------
# data: the file of bench/ingest, put once in the bucket

data=$(make_data "$gen" "$rows" "$seed")
exp_rows=$(json_get "$data/expected.json" rows)
exp_valid=$(json_get "$data/expected.json" valid)
exp_invalid=$(json_get "$data/expected.json" invalid)
csv=$data/hired_employees.csv
csv_bytes=$(stat -c %s "$csv")
log "hired_employees.csv: $exp_rows rows, $exp_valid valid, $exp_invalid invalid ($(du -h "$csv" | cut -f1))"

log "putting it at $source_url (aws s3 cp, $TEST_S3_ENDPOINT_URL)"
aws_s3 s3 cp --only-show-errors "$csv" "$source_url"
put_bytes=$(aws_s3 s3api head-object --bucket "$TEST_S3_BUCKET" --key "$prefix/imports/hired_employees.csv" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["ContentLength"])')
[[ $put_bytes == "$csv_bytes" ]] || { echo "run.sh: the object holds $put_bytes bytes, the file $csv_bytes" >&2; exit 1; }

if [[ " ${backend_list[*]} " == *" postgres "* ]]; then start_postgres migration-bench-imports; fi

{
  echo "# bench/imports results $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# work tree at commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- src 2>/dev/null || echo ' (src modified)')," \
    "$(nproc) cores$([[ -n $pg_port ]] && echo ", PostgreSQL $pg_version (defaults, fsync on)"), rows $exp_rows ($exp_invalid invalid, $(calc "round($csv_bytes / 1048576, 1)") MiB), $reps rep(s) per backend$([[ $quick -eq 1 ]] && echo ', QUICK run')"
  echo "# STORAGE_URL $server_storage_url on moto (signatures checked) at $TEST_S3_ENDPOINT_URL; the upload archives its file there too, the import reads $source_url"
  echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the host skews every time; only the ratio is judged)"
  echo "# server binary $bin (built $(date -u -r "$bin" +%Y-%m-%dT%H:%M:%SZ))$([[ -n ${MIGRATION_API_BIN:-} ]] && echo ', set by MIGRATION_API_BIN: not necessarily built from the work tree')"
  printf '%-30s %-14s %-10s %-5s %s\n' "figure" "value" "target" "" "notes"
} | tee -a "$results.tmp"

# ---------------------------------------------------------------------------------------------
# one measurement: a fresh database, a new server process, parents, then the load

# prepare BACKEND NAME: fresh database and server ($server_pid) with departments and jobs loaded
prepare() {
  local url
  if [[ $1 == postgres ]]; then
    fresh_database bench_imports
    url=$(pg_url bench_imports)
  else
    rm -rf "$scratch/sqlite"
    mkdir -p "$scratch/sqlite"
    url=sqlite://$scratch/sqlite/bench.db
  fi
  start_server "$bin" "$2" "$url"
  log "server ($2) pid $server_pid on 127.0.0.1:$server_port, log $scratch/logs/server-$2.log"
  load_parents "$data"
  if [[ $1 == postgres ]]; then psql_db bench_imports -c "ANALYZE departments" -c "ANALYZE jobs" -c "CHECKPOINT"; fi
}

# run_import OUT_JSON: POST /v1/imports, then GET its Location every $poll_seconds until the job
# ends; writes the last GET's body to OUT_JSON; prints "HTTP_CODE SECONDS STATUS" (SECONDS from
# before the POST to the first GET that saw the end).
run_import() {
  python3 - "$server_port" "$source_url" "$1" "$poll_seconds" <<'EOF'
import json, sys, time, urllib.error, urllib.request
port, source, out, poll = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
base = f"http://127.0.0.1:{port}"
body = json.dumps({"source": source}).encode()
request = urllib.request.Request(base + "/v1/imports", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
t0 = time.monotonic()
try:
    with urllib.request.urlopen(request, timeout=30) as response:
        code, location, text = response.status, response.headers["Location"], response.read()
except urllib.error.HTTPError as error:
    open(out, "wb").write(error.read())
    print(error.code, 0, "refused")
    sys.exit(0)
deadline = t0 + 3600
status = "queued"
while status in ("queued", "running") and time.monotonic() < deadline:
    time.sleep(poll)
    with urllib.request.urlopen(base + location, timeout=30) as response:
        text = response.read()
    status = json.loads(text)["status"]
seconds = time.monotonic() - t0
open(out, "wb").write(text)
print(code, f"{seconds:.3f}", status)
EOF
}

# rejects_sha LOAD_ID NAME: the load's rejects as CSV into logs/rejects-NAME.csv; prints its SHA-256
rejects_sha() {
  local file=$scratch/logs/rejects-$2.csv
  curl -fsS -o "$file" "http://127.0.0.1:$server_port/v1/loads/$1/rejects?format=csv"
  sha256sum "$file" | cut -c1-64
}

# measure BACKEND WAY REP: one upload or import; its figures in the array m.
declare -A m=()
measure() {
  local backend=$1 way=$2 rep=$3 name="$1-$2-$3" resp code status counts s0 s1 p0 p1 o0 o1 seconds hwm k
  m=()
  resp=$scratch/logs/resp-$name.json
  prepare "$backend" "$name"
  m[rss_start]=$(vm_field "$server_pid" VmRSS)
  s0=$(cpu_ticks "$server_pid"); p0=$(pg_ticks "$backend"); o0=$(cpu_ticks "$moto_pid")
  start_rss_sampler "$server_pid" "$scratch/logs/rss-$name.tsv" 0.2
  if [[ $way == upload ]]; then
    read -r code seconds < <(upload "$csv" hired_employees "$resp") || code=000
    status=$code
    [[ $code == 200 || $code == 201 ]] || status="answered $code"
    counts=$resp
  else
    read -r code seconds status < <(run_import "$resp") || code=000
    [[ $code == 202 ]] || status="answered $code"
  fi
  stop_rss_sampler
  s1=$(cpu_ticks "$server_pid"); p1=$(pg_ticks "$backend"); o1=$(cpu_ticks "$moto_pid")
  hwm=$(vm_field "$server_pid" VmHWM)
  m[seconds]=$(calc "round(${seconds:-0}, 3)")
  m[rss_hwm]=$hwm
  m[rss_sampled]=$rss_max_sampled
  # Growth while the file is read: the largest sample of the second half minus the first half's
  # (kB; "-" with too few samples to tell).
  m[rss_drift]=$(awk 'NR > 1 { v[++n] = $2 }
    END {
      if (n < 6) { print "-"; exit }
      h = int(n / 2)
      for (i = 1; i <= h; i++) if (v[i] > a) a = v[i]
      for (i = h + 1; i <= n; i++) if (v[i] > b) b = v[i]
      print b - a
    }' "$scratch/logs/rss-$name.tsv")
  m[server_cpu]=$(calc "round(($s1 - $s0) / $clk_tck, 2)")
  m[pg_cpu]=-
  if [[ $backend == postgres ]]; then m[pg_cpu]=$(calc "round(($p1 - $p0) / $clk_tck, 2)"); fi
  m[moto_cpu]=$(calc "round(($o1 - $o0) / $clk_tck, 2)")
  m[ok]=1
  m[job_seconds]=-
  if [[ $way == import ]]; then
    if [[ $status != succeeded ]]; then
      log "import $name: $status: $(head -c 800 "$resp")"
      m[ok]=0
    else
      # The step's counts and load; the job's own duration, as the server recorded it.
      python3 - "$resp" >"$resp.step" <<'EOF'
import json, sys
from datetime import datetime
job = json.load(open(sys.argv[1]))
step = job["steps"][0]
parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
step["job_seconds"] = round((parse(job["finished_at"]) - parse(job["created_at"])).total_seconds(), 3)
json.dump(step, sys.stdout)
EOF
      counts=$resp.step
      m[job_seconds]=$(json_get "$counts" job_seconds)
    fi
  elif [[ $status != 200 && $status != 201 ]]; then
    log "upload $name: $status: $(head -c 800 "$resp")"
    m[ok]=0
  fi
  if [[ ${m[ok]} -eq 1 ]]; then
    for k in received inserted rejected; do m[$k]=$(json_get "$counts" "rows_$k"); done
    m[load_id]=$(json_get "$counts" load_id)
    m[rejects_sha]=$(rejects_sha "${m[load_id]}" "$name")
    if [[ $backend == postgres ]]; then
      m[table_rows]=$(psql_db bench_imports -At -c 'SELECT count(*) FROM hired_employees')
    else
      m[table_rows]=$(curl -fsS "http://127.0.0.1:$server_port/v1/hired_employees?format=csv" | wc -l)
    fi
  else
    failures=$((failures + 1))
    report_line "CHECK $name" "$status" "success" "FAIL" "response in $resp"
    for k in received inserted rejected load_id rejects_sha table_rows; do m[$k]=-; done
  fi
  stop_server
  if [[ $way == upload ]]; then
    # The upload's archive in the bucket: not needed, and moto keeps every object it holds.
    aws_s3 s3 rm --only-show-errors --recursive "$server_storage_url/uploads/"
  fi
  log "$name: ${m[seconds]} s, rows ${m[received]}/${m[inserted]}/${m[rejected]}, peak RSS $((hwm / 1024)) MB, CPU: server ${m[server_cpu]} s, PostgreSQL ${m[pg_cpu]} s, moto ${m[moto_cpu]} s"
}

# way_note up|im: one load's time, CPU and RSS, for a rep's line
way_note() {
  local -n w=$1
  echo "${w[seconds]} s, CPU server ${w[server_cpu]} s, PostgreSQL ${w[pg_cpu]} s, moto ${w[moto_cpu]} s; RSS $(mb "${w[rss_start]}") -> peak $(mb "${w[rss_hwm]}") MB, growth in the second half $(mb "${w[rss_drift]}") MB"
}

# cpu_total up|im: CPU seconds of the server, PostgreSQL and moto over one load
cpu_total() {
  local -n w=$1
  calc "round(${w[server_cpu]} + ${w[moto_cpu]} + $([[ ${w[pg_cpu]} == - ]] && echo 0 || echo "${w[pg_cpu]}"), 2)"
}

pg_ticks() { if [[ $1 == postgres ]]; then cluster_ticks; else echo 0; fi; }

median() { python3 -c 'import statistics, sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 3))' "$@"; }
# mb KB: megabytes, one decimal ("-" stays "-")
mb() { if [[ $1 == - ]]; then echo -; else calc "round($1 / 1024, 1)"; fi; }

# ---------------------------------------------------------------------------------------------

targets_missed=0
for backend in "${backend_list[@]}"; do
  declare -A up=() im=()
  ratios=(); cpu_ratios=()
  up_times=(); im_times=(); up_hwm=(); im_hwm=(); im_drift=()
  for rep in $(seq 1 "$reps"); do
    # Alternate the order, so that a drift of the host (a build starting) weighs on both ways.
    if ((rep % 2 == 1)); then order=(upload import); else order=(import upload); fi
    for way in "${order[@]}"; do
      log "($backend, rep $rep/$reps) $way of $exp_rows rows"
      measure "$backend" "$way" "$rep"
      for k in "${!m[@]}"; do
        if [[ $way == upload ]]; then up[$k]=${m[$k]}; else im[$k]=${m[$k]}; fi
      done
    done
    tag="$backend rep $rep"
    check "$tag upload rows_received" "${up[received]}" "$exp_rows"
    check "$tag upload rows_inserted" "${up[inserted]}" "$exp_valid"
    check "$tag upload rows_rejected" "${up[rejected]}" "$exp_invalid"
    check "$tag upload rows in table" "${up[table_rows]}" "$exp_valid"
    check "$tag import rows_received = upload's" "${im[received]}" "${up[received]}"
    check "$tag import rows_inserted = upload's" "${im[inserted]}" "${up[inserted]}"
    check "$tag import rows_rejected = upload's" "${im[rejected]}" "${up[rejected]}"
    check "$tag import rows in table = upload's" "${im[table_rows]}" "${up[table_rows]}"
    check "$tag import rejects CSV = upload's (SHA-256)" "${im[rejects_sha]}" "${up[rejects_sha]}"
    if [[ ${up[ok]} -eq 1 && ${im[ok]} -eq 1 ]]; then
      ratios+=("$(calc "round(${im[seconds]} / ${up[seconds]}, 3)")")
      cpu_ratios+=("$(calc "round($(cpu_total im) / $(cpu_total up), 3)")")
      up_times+=("${up[seconds]}"); im_times+=("${im[seconds]}")
      up_hwm+=("${up[rss_hwm]}"); im_hwm+=("${im[rss_hwm]}")
      if [[ ${im[rss_drift]} != - ]]; then im_drift+=("${im[rss_drift]}"); fi
      report_line "${backend}_rep${rep}" "${ratios[-1]}x" "(info)" "" \
        "upload $(way_note up) | import $(way_note im), job ${im[job_seconds]} s by the server's clock"
    fi
  done
  if [[ ${#ratios[@]} -eq 0 ]]; then
    report_line "${backend}_import_vs_upload" "-" "<= ${target_ratio}x" "FAIL" "no rep where both loads succeeded"
    targets_missed=$((targets_missed + 1))
    continue
  fi
  up_med=$(median "${up_times[@]}")
  im_med=$(median "${im_times[@]}")
  ratio=$(median "${ratios[@]}")
  report_line "${backend}_upload_seconds" "$up_med s" "-" "" \
    "median of ${#up_times[@]}: ${up_times[*]} s; $(calc "round($exp_rows / $up_med)") input rows/s; POST /v1/hired_employees/upload, curl -T from disk"
  report_line "${backend}_import_seconds" "$im_med s" "-" "" \
    "median of ${#im_times[@]}: ${im_times[*]} s; $(calc "round($exp_rows / $im_med)") input rows/s; POST /v1/imports until GET says succeeded (polled every ${poll_seconds} s)"
  v=$(verdict "$ratio <= $target_ratio")
  if [[ $v == FAIL ]]; then targets_missed=$((targets_missed + 1)); fi
  report_line "${backend}_import_vs_upload" "${ratio}x" "<= ${target_ratio}x" "$v" \
    "median of the per-rep ratios ${ratios[*]} (each rep: the two loads back to back, order alternating); by CPU (server + PostgreSQL + moto): $(median "${cpu_ratios[@]}")x, reps ${cpu_ratios[*]}"
  up_peak=$(printf '%s\n' "${up_hwm[@]}" | sort -n | tail -n 1)
  im_peak=$(printf '%s\n' "${im_hwm[@]}" | sort -n | tail -n 1)
  drift=-
  if [[ ${#im_drift[@]} -gt 0 ]]; then drift=$(printf '%s\n' "${im_drift[@]}" | sort -n | tail -n 1); fi
  judged_drift=$drift
  if [[ $drift == - ]]; then judged_drift=0; fi
  v=$(verdict "$im_peak <= $up_peak * $target_rss_vs_upload and $judged_drift <= $target_rss_drift_kb")
  if [[ $v == FAIL ]]; then targets_missed=$((targets_missed + 1)); fi
  report_line "${backend}_import_peak_rss" "$(mb "$im_peak") MB" "flat" "$v" \
    "largest VmHWM of the import's server over the reps, <= ${target_rss_vs_upload}x the upload's $(mb "$up_peak") MB (bench/ingest: flat up to 1 GiB); growth while the object is read (max RSS of the second half of the load - first half's, worst rep): $(mb "$drift") MB (<= $(mb "$target_rss_drift_kb") MB; - when the loads were too short to tell); samples every 0.2 s in $scratch/logs/rss-*.tsv"
  unset up im
done

if [[ -n $pg_port ]]; then psql_db postgres -c "DROP DATABASE IF EXISTS bench_imports"; fi
aws_s3 s3 rm --only-show-errors "$source_url"

finish_results
