#!/usr/bin/env python3
"""Hostile inputs against one running migration-api: memory, response and log sizes stay bounded.

    tests/hostile/memory_bounds.py --binary build/release/src/migration-api [--backend sqlite|postgres|both]

Starts the server with its defaults (SQLite file, local objects; PostgreSQL from TEST_POSTGRES_URL
for --backend postgres, as scripts/test-servers.sh sets it), sends each input an attacker can
send with one request or a few, and asserts after all of them:
  - the server's peak resident memory (VmHWM) stayed at most 200 MiB,
  - every response was at most 1 MiB (read with a cap, so this runner stays small too),
  - every log line was at most 1 MiB,
  - GET /healthz still answers 200.
The inputs (each measured before these bounds at hundreds of MiB to GiBs of peak memory):
  1. a JSON batch row with ~1.3M unknown keys (8 MiB body),
  2. 4M '[' then 4M ']' as a JSON batch,
  3. 300 CSV records of ~1 MiB of control bytes each, then every page of their rejects,
  4. 32,768 ids spaced 65,536 apart, uploaded 8 times at once,
  5. a chunked request whose chunk-size line never ends (the server must cut it off),
  6. a ~50 MiB table exported as CSV to 4 clients at once, each reading slowly: the one response
     allowed past 1 MiB (it is the whole table, streamed), so here the bound is on what the server
     holds, which must stay well under one copy of the table while all four read.
Prints the peak memory after each input, for the issue's note.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

MIB = 1 << 20
PEAK_LIMIT_KIB = 200 * 1024
RESPONSE_LIMIT = MIB
LOG_LINE_LIMIT = MIB


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid, field):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field}")


class Failure(Exception):
    pass


def request(port, method, path, body=b"", content_type="application/octet-stream", timeout=120):
    """One request on its own connection; returns (status, body). Reads at most 1 MiB + 1 byte of
    body: a larger response is a failure of the bound under test, not something to buffer."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head)
        view = memoryview(body)
        try:
            for at in range(0, len(view), 1 << 20):
                conn.sendall(view[at:at + (1 << 20)])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413/400) and close before reading it all
        received = bytearray()
        while len(received) <= RESPONSE_LIMIT + 64 * 1024:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
    header_end = received.find(b"\r\n\r\n")
    if header_end < 0:
        raise Failure(f"{method} {path}: no complete response ({len(received)} bytes)")
    status = int(received[9:12])
    payload = bytes(received[header_end + 4:])
    if len(payload) > RESPONSE_LIMIT:
        raise Failure(f"{method} {path}: response over 1 MiB (status {status})")
    return status, payload


class Server:
    def __init__(self, binary, database_url, workdir):
        self.port = free_port()
        self.log_path = os.path.join(workdir, "server.log")
        env = dict(os.environ)
        env.update({"DATABASE_URL": database_url, "STORAGE_URL": "file://" + os.path.join(workdir, "objects"),
                    "LOG_FORMAT": "json", "ENVIRONMENT": "development"})
        env.pop("API_KEYS", None)
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([binary, "serve", "--port", str(self.port), "--bind", "127.0.0.1"],
                                        stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=workdir)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise Failure("the server exited at start:\n" + self.tail())
            try:
                if request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return
            except (OSError, Failure):
                time.sleep(0.1)
        raise Failure("the server did not answer /healthz within 30 s")

    def peak_kib(self):
        return status_kib(self.process.pid, "VmHWM")

    def tail(self):
        self.log.flush()
        with open(self.log_path, "rb") as log:
            return log.read()[-4000:].decode(errors="replace")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def longest_log_line(self):
        longest = 0
        with open(self.log_path, "rb") as log:
            current = 0
            while True:
                block = log.read(1 << 20)
                if not block:
                    break
                parts = block.split(b"\n")
                for i, part in enumerate(parts):
                    current += len(part)
                    if i < len(parts) - 1:
                        longest = max(longest, current)
                        current = 0
            longest = max(longest, current)
        return longest


def expect(condition, message):
    if not condition:
        raise Failure(message)


def seed(server):
    status, body = request(server.port, "POST", "/v1/departments/upload", b"1,Sales\n2,Research\n", "text/csv")
    expect(status == 201, f"seeding departments: {status} {body[:300]!r}")
    status, body = request(server.port, "POST", "/v1/jobs/upload", b"1,Engineer\n2,Analyst\n", "text/csv")
    expect(status == 201, f"seeding jobs: {status} {body[:300]!r}")


def unknown_keys(server):
    pairs = 1_350_000
    body = b'[{"id": 1, "job": "Engineer"' + b',"x":1' * pairs + b"}]"
    expect(len(body) <= 8 * MIB, "the body must fit the batch limit")
    status, payload = request(server.port, "POST", "/v1/jobs", body, "application/json")
    expect(status == 422, f"unknown keys: expected 422, got {status} {payload[:300]!r}")
    reject = json.loads(payload)["rejects"][0]
    expect(len(reject["errors"]) <= 11, f"unknown keys: {len(reject['errors'])} errors kept")
    expect(reject["errors"][-1]["code"] == "too_many_errors", "unknown keys: the rest are counted")
    expect(reject.get("raw_truncated") is True, "unknown keys: the raw record is cut")


def deep_nesting(server):
    body = b"[" * 4_000_000 + b"]" * 4_000_000
    status, payload = request(server.port, "POST", "/v1/jobs", body, "application/json")
    expect(status == 400, f"deep nesting: expected 400, got {status} {payload[:300]!r}")
    expect(b"nested deeper than" in payload, f"deep nesting: {payload[:300]!r}")


def fat_rejects(server):
    record = b"7," + b"\x01" * (MIB - 64) + b"\n"  # ~1 MiB; control bytes escape to 6x in JSON
    body = record * 300
    status, payload = request(server.port, "POST", "/v1/departments/upload", body, "text/csv")
    expect(status == 422, f"fat rejects: expected 422, got {status} {payload[:300]!r}")
    load = json.loads(payload)
    expect(load["rows_rejected"] == 300, f"fat rejects: {load['rows_rejected']} rejected")
    pages, seen, after = 0, 0, None
    while True:
        query = "?limit=1000" + (f"&after={after}" if after is not None else "")
        status, page_body = request(server.port, "GET", f"/v1/loads/{load['load_id']}/rejects{query}")
        expect(status == 200, f"rejects page: {status}")
        page = json.loads(page_body)
        pages += 1
        for item in page["items"]:
            expect(item["raw_truncated"] is True and item["raw_length"] == len(record) - 1,
                   f"fat rejects: raw_length {item.get('raw_length')}")
        seen += len(page["items"])
        after = page["next"]
        if after is None:
            break
        expect(pages < 400, "fat rejects: the pages never end")
    expect(seen == 300, f"fat rejects: {seen} rejects listed in {pages} pages")


def sparse_ids(server):
    body = "".join(f"{i * 65536 + 1},Dept {i}\n" for i in range(32768)).encode()
    results = []

    def upload():
        results.append(request(server.port, "POST", "/v1/departments/upload?on_conflict=skip", body, "text/csv")[0])

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expect(all(s in (200, 201, 503) for s in results) and results.count(503) < 8,
           f"sparse ids: statuses {results}")


def endless_chunk_line(server):
    """GET /healthz with a chunk-size line that never ends: the server must stop reading and close."""
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;")
        block = b"a" * 65536
        try:
            while sent < 256 * MIB:
                conn.sendall(block)
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        try:
            answer = conn.recv(65536)
        except (ConnectionResetError, socket.timeout):
            answer = b""
    expect(sent < 64 * MIB, f"endless chunk line: the server read {sent // MIB} MiB of one chunk-size line")
    expect(answer == b"" or answer.startswith(b"HTTP/1.1 4"), f"endless chunk line answered {answer[:100]!r}")


def reset_peak(server):
    """Makes VmHWM start again from the current resident memory (Linux's clear_refs 5)."""
    with open(f"/proc/{server.process.pid}/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")


def read_export_slowly(port, path, results):
    """Reads a streamed response 64 KiB at a time with a pause after each read, through a small
    receive buffer; appends (raw bytes received, whether the last chunk came)."""
    conn = socket.socket()
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    conn.settimeout(60)
    with conn:
        conn.connect(("127.0.0.1", port))
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        total, tail = 0, b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            total += len(chunk)
            tail = (tail + chunk)[-5:]
            time.sleep(0.002)  # the slow reader is the input under test
    results.append((total, tail == b"0\r\n\r\n"))


def slow_exports(server):
    rows, name = 200_000, "j" * 240
    body = "".join(f"{i},{name}{i}\n" for i in range(1000, 1000 + rows)).encode()
    status, payload = request(server.port, "POST", "/v1/jobs/upload", body, "text/csv")
    expect(status == 201, f"slow exports: loading {rows} jobs answered {status} {payload[:300]!r}")
    reset_peak(server)
    before = status_kib(server.process.pid, "VmRSS")
    results = []
    readers = [threading.Thread(target=read_export_slowly, args=(server.port, "/v1/jobs?format=csv", results))
               for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    expect(len(results) == 4 and all(complete and total > len(body) for total, complete in results),
           f"slow exports: incomplete bodies {results} (the table is {len(body)} bytes)")
    grown = server.peak_kib() - before
    print(f"hostile: 4 slow exports of {len(body) / MIB:.0f} MiB at once: peak {server.peak_kib() / 1024:.0f} MiB, "
          f"{grown / 1024:.1f} MiB over the resident memory before", flush=True)
    expect(grown * 1024 < len(body) // 2, f"slow exports: memory grew {grown / 1024:.0f} MiB while exporting")


INPUTS = [("1 unknown keys", unknown_keys), ("2 deep nesting", deep_nesting), ("3 fat rejects", fat_rejects),
          ("4 sparse ids", sparse_ids), ("5 endless chunk-size line", endless_chunk_line),
          ("6 slow exports", slow_exports)]


def run(binary, backend):
    workdir = tempfile.mkdtemp(prefix="migration-hostile-")
    if backend == "sqlite":
        database_url = "sqlite://" + os.path.join(workdir, "hostile.db")
    else:
        admin, base = os.environ.get("TEST_POSTGRES_ADMIN_URL"), os.environ.get("TEST_POSTGRES_URL")
        expect(admin and base, "TEST_POSTGRES_URL is not set (run under scripts/test-servers.sh)")
        name = f"hostile_{os.getpid()}"
        subprocess.run(["psql", "-X", "-q", admin, "-c", f"CREATE DATABASE {name} OWNER migration"], check=True)
        database_url = base[: base.rfind("/") + 1] + name
    server = Server(binary, database_url, workdir)
    try:
        idle = server.peak_kib()
        seed(server)
        print(f"hostile[{backend}]: idle peak {idle / 1024:.0f} MiB", flush=True)
        for name, send in INPUTS:
            started = time.time()
            send(server)
            print(f"hostile[{backend}]: {name}: ok in {time.time() - started:.1f} s, "
                  f"peak so far {server.peak_kib() / 1024:.0f} MiB", flush=True)
        expect(request(server.port, "GET", "/healthz")[0] == 200, "/healthz no longer answers 200")
        peak = server.peak_kib()
        expect(peak <= PEAK_LIMIT_KIB, f"peak resident memory {peak / 1024:.0f} MiB is over 200 MiB")
        longest = server.longest_log_line()
        expect(longest <= LOG_LINE_LIMIT, f"a log line of {longest} bytes is over 1 MiB")
        print(f"hostile[{backend}]: peak {peak / 1024:.0f} MiB, longest log line {longest} bytes", flush=True)
    except Failure:
        print("--- server log (tail) ---\n" + server.tail(), file=sys.stderr)
        raise
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    try:
        for backend in backends:
            run(args.binary, backend)
    except Failure as failure:
        print(f"hostile: FAILED: {failure}", file=sys.stderr)
        return 1
    print(f"hostile: {len(INPUTS) * len(backends)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
