#!/usr/bin/env python3
"""Soak test of migration-api: a minute of steady mixed load on PostgreSQL, the production backend.

    tests/soak/soak.py --binary build/release/src/migration-api [--seconds 60]

Needs TEST_POSTGRES_URL and TEST_POSTGRES_ADMIN_URL (scripts/test-servers.sh sets them; `make test`
runs this as the ctest test "soak", alone, since it loads both cores on purpose).

For --seconds: wrk on `/` and wrk on a report (2 connections each), while two writers POST
1000-row JSON batches of new hires back to back. Passes when
  - every response was 2xx (wrk's non-2xx and socket-error counts are zero, every batch got 201),
  - nothing was lost: the table holds exactly the rows the writers were told were inserted, and the
    report's total equals the rows inserted for its year,
  - resident memory is stable: the peak of the last third of the run is within 20 % (+8 MiB of
    allocator slack) of the peak of the middle third, so a leak per request shows, warm-up does not.
Prints one line of figures (requests, req/s, p99, rows, RSS) for the issue's note.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

REPORT_YEAR = 2021


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_database(url, name):
    slash = url.rfind("/")
    return url[: slash + 1] + name


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", url, "-c", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def http(method, url, body=None, content_type="application/json"):
    request = urllib.request.Request(url, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Writer(threading.Thread):
    """POSTs 1000-row batches of new hires (ids from its own range) until told to stop."""

    def __init__(self, base_url, first_id, stop):
        super().__init__(daemon=True)
        self.base_url, self.next_id, self.stop = base_url, first_id, stop
        self.inserted = self.batches = 0
        self.failures = []
        self.latencies = []

    def run(self):
        while not self.stop.is_set():
            rows = []
            for i in range(1000):
                hire = self.next_id + i
                rows.append({"id": hire, "name": f"Soak Hire {hire}",
                             "datetime": f"{REPORT_YEAR}-{1 + hire % 12:02d}-{1 + hire % 28:02d}T{hire % 24:02d}:00:00Z",
                             "department_id": 1 + hire % 12, "job_id": 1 + hire % 183})
            self.next_id += 1000
            started = time.monotonic()
            status, body = http("POST", self.base_url + "/v1/hired_employees", json.dumps(rows).encode())
            self.latencies.append(time.monotonic() - started)
            self.batches += 1
            if status != 201:
                self.failures.append(f"batch answered {status}: {body[:300]!r}")
                continue
            self.inserted += json.loads(body)["rows_inserted"]


def run_wrk(url, seconds, out_path):
    with open(out_path, "w", encoding="utf-8") as out:
        return subprocess.Popen(["wrk", "-t1", "-c2", f"-d{seconds}s", "--latency", url], stdout=out,
                                stderr=subprocess.STDOUT)


def wrk_figures(path):
    text = open(path, encoding="utf-8").read()
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    return {"requests": requests, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else None, "p99": p99, "rps": rps, "raw": text}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", "60")))
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)  # the server runs in a scratch directory
    pg_url, admin_url = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_POSTGRES_ADMIN_URL")
    if not pg_url or not admin_url:
        sys.exit("soak: TEST_POSTGRES_URL is not set: run through scripts/test-servers.sh (make test)")
    for tool in ("wrk", "psql"):
        if shutil.which(tool) is None:
            sys.exit(f"soak: {tool} is not installed (scripts/install-deps.sh installs it)")

    database = f"soak_{os.getpid()}"
    psql(admin_url, f"CREATE DATABASE {database} OWNER migration")
    db_url = with_database(pg_url, database)
    workdir = tempfile.mkdtemp(prefix="migration-soak-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(workdir, "server.log"), "w", encoding="utf-8")
    server = subprocess.Popen([args.binary, "serve", "--port", str(port), "--bind", "127.0.0.1",
                               "--database-url", db_url, "--storage-url", f"file://{workdir}/objects"],
                              stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    problems = []
    try:
        for _ in range(150):
            try:
                if http("GET", base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            sys.exit("soak: the server did not start:\n" + open(log.name, encoding="utf-8").read())

        departments = "".join(f"{i},Department {i}\n" for i in range(1, 13)).encode()
        jobs = "".join(f"{i},Job {i}\n" for i in range(1, 184)).encode()
        for table, body in (("departments", departments), ("jobs", jobs)):
            status, answer = http("POST", f"{base}/v1/{table}/upload", body, "text/csv")
            if status != 201:
                sys.exit(f"soak: loading {table} answered {status}: {answer[:300]!r}")

        stop = threading.Event()
        writers = [Writer(base, 1 + n * 100_000_000, stop) for n in range(2)]
        root_out, report_out = os.path.join(workdir, "wrk-root.txt"), os.path.join(workdir, "wrk-report.txt")
        wrk_root = run_wrk(base + "/", args.seconds, root_out)
        wrk_report = run_wrk(f"{base}/v1/reports/hires-by-quarter?year={REPORT_YEAR}", args.seconds, report_out)
        for writer in writers:
            writer.start()
        samples = []  # (seconds since start, RSS KiB)
        started = time.monotonic()
        while wrk_root.poll() is None or wrk_report.poll() is None:
            samples.append((time.monotonic() - started, rss_kib(server.pid)))
            time.sleep(1)
        stop.set()
        for writer in writers:
            writer.join(timeout=60)

        root, report = wrk_figures(root_out), wrk_figures(report_out)
        for name, figures in (("GET /", root), ("GET report", report)):
            if figures["non2xx"] or figures["socket_errors"]:
                problems.append(f"{name}: {figures['non2xx']} non-2xx, socket errors: {figures['socket_errors']}\n"
                                + figures["raw"])
        for writer in writers:
            problems.extend(writer.failures[:5])

        inserted = sum(w.inserted for w in writers)
        in_table = int(psql(db_url, "SELECT count(*) FROM hired_employees"))
        if in_table != inserted:
            problems.append(f"lost or extra rows: writers were told {inserted} inserted, the table holds {in_table}")
        status, body = http("GET", f"{base}/v1/reports/hires-by-quarter?year={REPORT_YEAR}")
        reported = sum(r["Q1"] + r["Q2"] + r["Q3"] + r["Q4"] for r in json.loads(body)["rows"]) if status == 200 else -1
        if reported != inserted:
            problems.append(f"the report counts {reported} hires in {REPORT_YEAR}, {inserted} were inserted")

        third = args.seconds / 3
        middle = max((kib for t, kib in samples if third <= t < 2 * third), default=0)
        last = max((kib for t, kib in samples if t >= 2 * third), default=0)
        if not middle or last > middle * 1.2 + 8 * 1024:
            problems.append(f"RSS grew: peak {middle / 1024:.1f} MiB in the middle third, {last / 1024:.1f} MiB in the last")

        batch_latencies = sorted(l for w in writers for l in w.latencies)
        batch_p99 = batch_latencies[int(0.99 * (len(batch_latencies) - 1))] * 1000 if batch_latencies else 0
        print(f"soak {args.seconds}s on PostgreSQL: GET / {root['requests']} requests ({root['rps']:.0f}/s, p99 "
              f"{root['p99']}); GET hires-by-quarter {report['requests']} ({report['rps']:.0f}/s, p99 {report['p99']}); "
              f"{sum(w.batches for w in writers)} batches, {inserted} rows inserted (batch p99 {batch_p99:.1f} ms); "
              f"non-2xx {root['non2xx'] + report['non2xx']}; RSS start {samples[0][1] / 1024:.1f} MiB, "
              f"middle-third peak {middle / 1024:.1f} MiB, last-third peak {last / 1024:.1f} MiB")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        if problems:
            print(open(log.name, encoding="utf-8").read()[-4000:], file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
        psql(admin_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    if problems:
        print("soak: FAILED\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)
    print("soak: passed")


if __name__ == "__main__":
    main()
