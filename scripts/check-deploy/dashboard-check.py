#!/usr/bin/env python3
"""Checks infrastructure/monitoring/dashboard.json and the alarms of both IaC flavours against
what exists: AWS metrics by their published names and dimensions, the service's own EMF
metrics by infrastructure/monitoring/emf-metrics.json (the one list of them), and the log
events the log widgets filter on by the events the service's source code logs.

Also: every ${Name} placeholder of the dashboard is supplied by the CloudFormation !Sub map
and by Terraform's templatefile() call, and every EMF metric of the contract is on the
dashboard. Prints one line per problem; exits 1 if any.

Usage: dashboard-check.py REPO_ROOT
"""
import json
import pathlib
import re
import sys

from cfnlint.decode import decode

# AWS metrics the dashboard and alarms may use: name -> dimension sets CloudWatch publishes.
AWS_METRICS = {
    "AWS/ApplicationELB": {
        "RequestCount": [{"LoadBalancer"}, {"LoadBalancer", "TargetGroup"}],
        "HTTPCode_Target_5XX_Count": [{"LoadBalancer"}, {"LoadBalancer", "TargetGroup"}],
        "HTTPCode_Target_4XX_Count": [{"LoadBalancer"}, {"LoadBalancer", "TargetGroup"}],
        "HTTPCode_ELB_5XX_Count": [{"LoadBalancer"}],
        "TargetResponseTime": [{"LoadBalancer"}, {"LoadBalancer", "TargetGroup"}],
        "HealthyHostCount": [{"LoadBalancer", "TargetGroup"}],
        "UnHealthyHostCount": [{"LoadBalancer", "TargetGroup"}],
        "RequestCountPerTarget": [{"TargetGroup"}, {"LoadBalancer", "TargetGroup"}],
    },
    "AWS/ECS": {
        "CPUUtilization": [{"ClusterName", "ServiceName"}],
        "MemoryUtilization": [{"ClusterName", "ServiceName"}],
    },
    # Aurora publishes these per instance and aggregated per cluster (and per cluster role).
    "AWS/RDS": {
        "CPUUtilization": [{"DBInstanceIdentifier"}, {"DBClusterIdentifier"}, {"DBClusterIdentifier", "Role"}],
        "FreeableMemory": [{"DBInstanceIdentifier"}, {"DBClusterIdentifier"}, {"DBClusterIdentifier", "Role"}],
        "DatabaseConnections": [{"DBInstanceIdentifier"}, {"DBClusterIdentifier"},
                                {"DBClusterIdentifier", "Role"}],
        "AuroraReplicaLagMaximum": [{"DBClusterIdentifier"}, {"DBClusterIdentifier", "Role"}],
    },
    # SQS publishes per queue (the upload events dead-letter queue's alarm).
    "AWS/SQS": {
        "ApproximateNumberOfMessagesVisible": [{"QueueName"}],
    },
}
# What the dashboard must show (the list).
REQUIRED = {
    ("AWS/ApplicationELB", "RequestCount"), ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"),
    ("AWS/ApplicationELB", "TargetResponseTime"), ("AWS/ECS", "CPUUtilization"),
    ("AWS/ECS", "MemoryUtilization"),
}

problems = []


def problem(message):
    problems.append(message)


def check_metric(where, namespace, name, dims, contract):
    if namespace == contract["namespace"]:
        names = {m["name"] for m in contract["metrics"]}
        if name not in names:
            problem(f"{where}: {namespace}/{name} is not an EMF metric the service emits "
                    f"(emf-metrics.json has {sorted(names)})")
        if sorted(dims) not in [sorted(s) for s in contract["dimension_sets"]]:
            problem(f"{where}: {namespace}/{name} by {sorted(dims)}: the service emits "
                    f"dimension sets {contract['dimension_sets']}")
    elif namespace in AWS_METRICS:
        known = AWS_METRICS[namespace]
        if name not in known:
            problem(f"{where}: {namespace}/{name} is not a metric this check knows")
        elif set(dims) not in known[name]:
            problem(f"{where}: {namespace}/{name} has no dimension set {sorted(dims)}")
    else:
        problem(f"{where}: unknown namespace {namespace}")


def logged_events(root):
    events = set()
    for path in (root / "src").rglob("*.cpp"):
        events.update(re.findall(r"Log(?:Info|Warn|Error|Debug)\(\s*\"([a-z_]+)\"",
                                 path.read_text(encoding="utf-8", errors="replace")))
    return events


def check_dashboard(root, contract):
    text = (root / "infrastructure/monitoring/dashboard.json").read_text(encoding="utf-8")
    dashboard = json.loads(text)
    seen = set()
    events = logged_events(root)
    for index, widget in enumerate(dashboard["widgets"]):
        props = widget["properties"]
        where = f"dashboard widget {index} ({props.get('title', '?')})"
        for key in ("x", "y", "width", "height"):
            if not isinstance(widget.get(key), int):
                problem(f"{where}: {key} missing")
        if widget["type"] == "metric":
            previous = []
            for row in props["metrics"]:
                fields = [f for f in row if not isinstance(f, dict)]
                # "." repeats the field above it, as CloudWatch reads it.
                fields = [previous[i] if f == "." and i < len(previous) else f
                          for i, f in enumerate(fields)]
                previous = fields
                namespace, name, rest = fields[0], fields[1], fields[2:]
                if len(rest) % 2:
                    problem(f"{where}: odd dimension list in {row}")
                dims = rest[0::2]
                check_metric(where, namespace, name, dims, contract)
                seen.add((namespace, name))
                stat = next((f.get("stat") for f in row if isinstance(f, dict) and "stat" in f),
                            props.get("stat"))
                if not stat:
                    problem(f"{where}: {name} has no statistic")
        elif widget["type"] == "log":
            query = props["query"]
            if not query.startswith("SOURCE '${LogGroup}'"):
                problem(f"{where}: log query does not read the service's log group")
            for event in re.findall(r'event\s*=\s*"([a-z_]+)"', query):
                if event not in events:
                    problem(f"{where}: the service never logs event \"{event}\"")
        else:
            problem(f"{where}: unexpected widget type {widget['type']}")
    for namespace, name in sorted(REQUIRED - seen):
        problem(f"dashboard lacks {namespace}/{name}")
    for metric in contract["metrics"]:
        if (contract["namespace"], metric["name"]) not in seen:
            problem(f"dashboard lacks the service metric {metric['name']}")
    if not any(f.get("stat") == "p99" for w in dashboard["widgets"] if w["type"] == "metric"
               for row in w["properties"]["metrics"] for f in row
               if isinstance(f, dict) and row[1] == "TargetResponseTime"):
        problem("dashboard lacks latency p99")
    return set(re.findall(r"\$\{(\w+)\}", text)), len(seen)


def check_cloudformation(root, contract, placeholders):
    template, matches = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    if template is None:
        problem(f"api-stack.yaml does not parse: {matches}")
        return
    for name, res in template["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::CloudWatch::Alarm":
            dims = [d["Name"] for d in props.get("Dimensions", [])]
            check_metric(f"CloudFormation alarm {name}", props["Namespace"], props["MetricName"],
                         dims, contract)
        if res["Type"] == "AWS::CloudWatch::Dashboard":
            body = props["DashboardBody"]["Fn::Sub"]
            supplied = set(body[1].keys()) if isinstance(body, list) else set()
            for missing in sorted(placeholders - supplied):
                problem(f"CloudFormation dashboard: ${{{missing}}} not in the !Sub map")


def check_terraform(root, contract, placeholders):
    tf = root / "infrastructure/terraform/monitoring.tf"
    text = tf.read_text(encoding="utf-8")
    for block in re.findall(r'resource "aws_cloudwatch_metric_alarm" "(\w+)" \{(.*?)\n\}', text,
                            re.S):
        name, body = block
        namespace = re.search(r'namespace\s*=\s*"([^"]+)"', body).group(1)
        metric = re.search(r'metric_name\s*=\s*"([^"]+)"', body).group(1)
        dims = re.findall(r"(\w+)\s*=", re.search(r"dimensions\s*=\s*\{([^}]*)\}", body).group(1))
        check_metric(f"Terraform alarm {name}", namespace, metric, dims, contract)
    call = re.search(r"templatefile\([^,]*dashboard\.json\",\s*\{(.*?)\}\)", text, re.S)
    if not call:
        problem("Terraform dashboard does not use templatefile(dashboard.json)")
        return
    supplied = set(re.findall(r"^\s*(\w+)\s*=", call.group(1), re.M))
    for missing in sorted(placeholders - supplied):
        problem(f"Terraform dashboard: ${{{missing}}} not passed to templatefile()")


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    contract = json.loads((root / "infrastructure/monitoring/emf-metrics.json").read_text())
    placeholders, metric_count = check_dashboard(root, contract)
    check_cloudformation(root, contract, placeholders)
    check_terraform(root, contract, placeholders)
    for message in problems:
        print(f"dashboard-check: FAIL: {message}", file=sys.stderr)
    if not problems:
        print(f"dashboard-check: {metric_count} metrics on the dashboard, alarms and placeholders "
              f"match AWS and the service's EMF contract ({contract['namespace']}: "
              f"{', '.join(m['name'] for m in contract['metrics'])})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
