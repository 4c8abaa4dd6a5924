#!/usr/bin/env python3
"""Load generator for POST /v1/{table}: C concurrent keep-alive clients, 1000-row JSON batches.

Every request body (a JSON array of objects, or with --format csv a text/csv body) is built
before the clock starts, with distinct ids (client c, batch b: id_start + (c * batches + b) * rows
and up), so the client only sends bytes and reads the small response while timing. One thread
per client, one HTTP/1.1 connection each; socket I/O releases the GIL, and the client's own CPU
time is reported so you can check it was not the bottleneck.

Modes:
  closed loop (default): each client sends its next batch as soon as the previous one is answered;
      measures the throughput the server sustains and the latency at that load.
  --rate R: open loop at R rows/s in total; each client sends on a fixed schedule and latency is
      measured from the scheduled send time (no coordinated omission).

Prints one JSON object on stdout.
"""
import argparse
import http.client
import json
import random
import resource
import sys
import threading
import time

DATES_T0 = 1609459200  # 2021-01-01T00:00:00Z


def build_bodies(args, client):
    rng = random.Random(args.seed * 1000 + client)
    bodies = []
    for b in range(args.warmup + args.batches):
        first = args.id_start + (client * (args.warmup + args.batches) + b) * args.rows
        rows = []
        for i in range(args.rows):
            ts = time.gmtime(DATES_T0 + rng.randrange(730 * 86400))
            rows.append({
                "id": first + i,
                "name": f"Batch Person {first + i}",
                "datetime": time.strftime("%Y-%m-%dT%H:%M:%SZ", ts),
                "department_id": rng.randint(1, args.departments),
                "job_id": rng.randint(1, args.jobs),
            })
        if args.format == "csv":
            body = "\n".join(f"{r['id']},{r['name']},{r['datetime']},{r['department_id']},{r['job_id']}" for r in rows)
            bodies.append(body.encode())
        else:
            bodies.append(json.dumps(rows, separators=(",", ":")).encode())
    return bodies


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--table", default="hired_employees")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batches", type=int, default=60, help="timed batches per client")
    parser.add_argument("--warmup", type=int, default=2, help="untimed batches per client first")
    parser.add_argument("--rows", type=int, default=1000, help="rows per batch")
    parser.add_argument("--id-start", type=int, default=1)
    parser.add_argument("--departments", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=183)
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: total rows/s (0 = closed loop)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=["json", "csv"], default="json",
                        help="body: JSON array of row objects (default) or a headerless text/csv body")
    args = parser.parse_args()

    bodies = [build_bodies(args, c) for c in range(args.clients)]
    path = f"/v1/{args.table}"
    content_type = "application/json" if args.format == "json" else "text/csv"
    headers = {"Content-Type": content_type, "Connection": "keep-alive"}
    latencies = [[] for _ in range(args.clients)]
    statuses = [{} for _ in range(args.clients)]
    inserted = [0] * args.clients
    errors = []
    barrier = threading.Barrier(args.clients + 1)
    go = threading.Event()
    start_box = {}
    interval = args.clients * args.rows / args.rate if args.rate > 0 else 0.0

    def worker(c):
        conn = http.client.HTTPConnection(args.host, args.port, timeout=120)
        try:
            for b in range(args.warmup):
                conn.request("POST", path, body=bodies[c][b], headers=headers)
                resp = conn.getresponse()
                resp.read()
            barrier.wait()
            go.wait()
            t0 = start_box["t0"]
            for b in range(args.batches):
                scheduled = None
                if interval:
                    # clients are spread evenly over one interval
                    scheduled = t0 + (b + c / args.clients) * interval
                    delay = scheduled - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                sent = time.perf_counter()
                conn.request("POST", path, body=bodies[c][args.warmup + b], headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                done = time.perf_counter()
                latencies[c].append(done - (scheduled if scheduled is not None else sent))
                statuses[c][resp.status] = statuses[c].get(resp.status, 0) + 1
                if resp.status in (200, 201):
                    inserted[c] += json.loads(data).get("rows_inserted", 0)
                elif len(errors) < 5:
                    errors.append({"status": resp.status, "body": data[:500].decode("utf-8", "replace")})
        except Exception as e:  # noqa: BLE001 - reported, and the run counts as failed
            errors.append({"client": c, "exception": repr(e)})
            barrier.abort()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(c,)) for c in range(args.clients)]
    for t in threads:
        t.start()
    try:
        barrier.wait()  # every client has finished its warm-up: the clock starts now
    except threading.BrokenBarrierError:
        pass
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    start_box["t0"] = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start_box["t0"]
    usage1 = resource.getrusage(resource.RUSAGE_SELF)

    all_lat = sorted(x for per in latencies for x in per)
    merged = {}
    for s in statuses:
        for k, v in s.items():
            merged[str(k)] = merged.get(str(k), 0) + v
    requests = len(all_lat)
    rows_sent = requests * args.rows
    out = {
        "mode": "open" if interval else "closed",
        "format": args.format,
        "clients": args.clients,
        "rows_per_batch": args.rows,
        "requests": requests,
        "rows_sent": rows_sent,
        "rows_inserted": sum(inserted),
        "seconds": elapsed,
        "rows_per_s": rows_sent / elapsed if elapsed > 0 else 0.0,
        "inserted_per_s": sum(inserted) / elapsed if elapsed > 0 else 0.0,
        "offered_rows_per_s": args.rate,
        "latency_ms": {
            "p50": percentile(all_lat, 50) * 1000,
            "p95": percentile(all_lat, 95) * 1000,
            "p99": percentile(all_lat, 99) * 1000,
            "max": (all_lat[-1] * 1000) if all_lat else float("nan"),
        },
        "statuses": merged,
        "client_cpu_s": (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime),
        "errors": errors,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0 if not errors and requests == args.clients * args.batches else 1


if __name__ == "__main__":
    sys.exit(main())
