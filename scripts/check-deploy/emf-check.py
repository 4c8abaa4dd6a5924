#!/usr/bin/env python3
"""Checks the CloudWatch Embedded Metric Format lines in a container log against
infrastructure/monitoring/emf-metrics.json: namespace, metric names, units and dimension sets.
While the service writes no EMF line at all (METRICS_EMF not implemented yet), says so and
passes: the check starts to bite on the first line the service writes.

Usage: emf-check.py CONTRACT LOGFILE HTTP_STATUS_OF_THE_LOAD
"""
import json
import sys


def main():
    contract_path, log_path, status = sys.argv[1:4]
    with open(contract_path, encoding="utf-8") as f:
        contract = json.load(f)
    names = {m["name"]: m["unit"] for m in contract["metrics"]}
    dimension_sets = [sorted(s) for s in contract["dimension_sets"]]
    problems, lines = [], 0
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line.startswith("{") or '"_aws"' not in line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"line {number}: EMF line is not JSON ({error})")
                continue
            lines += 1
            for directive in record["_aws"].get("CloudWatchMetrics", []):
                if directive.get("Namespace") != contract["namespace"]:
                    problems.append(f"line {number}: namespace {directive.get('Namespace')}")
                for dims in directive.get("Dimensions", []):
                    if sorted(dims) not in dimension_sets:
                        problems.append(f"line {number}: dimension set {dims}")
                    for dim in dims:
                        if dim not in record:
                            problems.append(f"line {number}: dimension {dim} has no value")
                for metric in directive.get("Metrics", []):
                    name = metric.get("Name")
                    if name not in names:
                        problems.append(f"line {number}: metric {name} is not in emf-metrics.json")
                    elif metric.get("Unit", names[name]) != names[name]:
                        problems.append(f"line {number}: {name} unit {metric.get('Unit')}, "
                                        f"contract says {names[name]}")
                    if name not in record:
                        problems.append(f"line {number}: metric {name} has no value")
    for problem in problems:
        print(f"emf-check: FAIL: {problem}", file=sys.stderr)
    if problems:
        return 1
    if lines:
        print(f"emf-check: {lines} EMF lines, all metrics and dimensions as in emf-metrics.json")
    else:
        print(f"emf-check: no EMF line after a load (HTTP {status}): the service does not write "
              "EMF yet; metric names checked on the dashboard only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
