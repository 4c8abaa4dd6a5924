#!/usr/bin/env python3
"""What a real AWS account does differently from the local emulator, asserted on both IaC
flavours (infrastructure/cloudformation/api-stack.yaml and infrastructure/terraform/*.tf), so
that each fix of the review stays fixed and the two flavours agree:

  - the task role may delete objects under its prefix (abandoned upload archives, unrecorded
    backups), nowhere else;
  - the ECS service's count belongs to autoscaling: no stack update resets it;
  - a total outage and a struggling database raise alarms, all sent to the SNS topic;
  - no security group keeps the default allow-all egress; IAM resources name log streams
    correctly; the parameter group's family follows the engine version; the provider lock is
    committed; every log group has a retention; the deployments set RATE_LIMIT_RPS.

Prints one line per failed rule; exits 1 if any failed.

Usage: aws-review.py REPO_ROOT
"""
import pathlib
import re
import sys

from cfnlint.decode import decode

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def resources(template, type_name):
    return {n: r for n, r in template["Resources"].items() if r["Type"] == type_name}


def actions(statement):
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else action


def tf_blocks(text, type_name):
    """name -> body of each `resource "type_name" "name" {...}` (bodies end at a column-0 brace)."""
    return dict(re.findall(r'^resource "%s" "(\w+)" \{\n(.*?)^\}' % re.escape(type_name), text,
                           re.M | re.S))


def tf_attr(body, name):
    found = re.search(r"^\s*%s\s*=\s*(.+)$" % re.escape(name), body, re.M)
    return found.group(1).strip() if found else None


# The alarms the review asks for: (namespace, metric) -> the comparison that fires.
REQUIRED_ALARMS = {
    ("AWS/ApplicationELB", "HealthyHostCount"): "LessThanThreshold",
    ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"): "GreaterThanThreshold",
    ("AWS/RDS", "CPUUtilization"): "GreaterThanThreshold",
    ("AWS/RDS", "FreeableMemory"): "LessThanThreshold",
    ("AWS/RDS", "AuroraReplicaLagMaximum"): "GreaterThanThreshold",
    ("AWS/RDS", "DatabaseConnections"): "GreaterThanThreshold",
}


def review_cloudformation(path):
    template, matches = decode(str(path))
    if template is None:
        check(False, f"cannot parse {path}: {matches}")
        return
    res = template["Resources"]
    params = template.get("Parameters", {})

    # ---- deleting objects: the task role, on its own prefix only
    task = next(iter(resources(template, "AWS::ECS::TaskDefinition").values()))["Properties"]
    role = res[task["TaskRoleArn"]["Fn::GetAtt"][0]]["Properties"]
    deletes = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]
               if "s3:DeleteObject" in actions(s)]
    check(len(deletes) == 1, "the task role cannot s3:DeleteObject (orphaned archives and backups)")
    for statement in deletes:
        check(statement.get("Resource") == {"Fn::Sub": "${DataBucket.Arn}/migration-api/*"},
              f"s3:DeleteObject is granted on {statement.get('Resource')}, not the service's prefix")

    # ---- the count: autoscaling owns it, updates never reset it
    service = next(iter(resources(template, "AWS::ECS::Service").values()))["Properties"]
    check("DesiredCount" not in service,
          "the ECS service sets DesiredCount: every stack update resets the autoscaled count")
    check("DesiredCount" not in params, "DesiredCount parameter left over (nothing uses it)")
    target = next(iter(resources(template, "AWS::ApplicationAutoScaling::ScalableTarget").values()),
                  {"Properties": {}})["Properties"]
    check(target.get("MinCapacity") == {"Ref": "MinTasks"} and params["MinTasks"].get("MinValue", 0) >= 2,
          "the scalable target does not raise the service to MinTasks (>= 2)")

    # ---- alarms: total outage, load balancer 5xx, Aurora; every alarm to the topic
    topic = next(iter(resources(template, "AWS::SNS::Topic")))
    alarms = {n: a["Properties"] for n, a in resources(template, "AWS::CloudWatch::Alarm").items()}
    by_metric = {(a["Namespace"], a["MetricName"]): a for a in alarms.values()}
    for key, comparison in REQUIRED_ALARMS.items():
        alarm = by_metric.get(key)
        check(alarm is not None, f"CloudFormation: no alarm on {key[0]} {key[1]}")
        if alarm:
            check(alarm.get("ComparisonOperator") == comparison,
                  f"CloudFormation: {key[1]} alarm compares {alarm.get('ComparisonOperator')}")
    healthy = by_metric.get(("AWS/ApplicationELB", "HealthyHostCount"), {})
    check(healthy.get("Threshold") == 1 and healthy.get("TreatMissingData") == "breaching",
          "CloudFormation: HealthyHostCount alarm is not '< 1, missing data breaching'")
    for name, alarm in alarms.items():
        check({"Ref": topic} in alarm.get("AlarmActions", []), f"CloudFormation alarm {name} not sent to the topic")

    # ---- security groups: none keeps the default allow-all egress
    for name, group in resources(template, "AWS::EC2::SecurityGroup").items():
        egress = group["Properties"].get("SecurityGroupEgress")
        check(bool(egress), f"security group {name} keeps the default allow-all egress")
        for rule in egress or []:
            check(not (str(rule.get("IpProtocol")) == "-1" and rule.get("CidrIp") == "0.0.0.0/0"),
                  f"security group {name} allows all egress")

    # ---- a log group's Arn attribute already ends in ":*"
    check("${LogGroup.Arn}:" not in path.read_text(encoding="utf-8"),
          "${LogGroup.Arn}:... names no log stream (the attribute already ends in :*)")

    # ---- the parameter group family follows DBEngineVersion
    group = next(iter(resources(template, "AWS::RDS::DBClusterParameterGroup").values()))["Properties"]
    check(isinstance(group.get("Family"), dict) and "DBEngineVersion" in repr(group["Family"]),
          f"parameter group family {group.get('Family')!r} is fixed while DBEngineVersion is free")

    # ---- every log group has a retention, Aurora's export included
    groups = resources(template, "AWS::Logs::LogGroup")
    for name, group in groups.items():
        check(group["Properties"].get("RetentionInDays"), f"log group {name} keeps logs forever")
    check(any("/aws/rds/cluster/" in repr(g["Properties"].get("LogGroupName")) for g in groups.values()),
          "Aurora's exported log group is not made by the stack (Aurora makes it with no retention)")
    cluster = next(iter(resources(template, "AWS::RDS::DBCluster").values()))["Properties"]
    check(cluster.get("EnableCloudwatchLogsExports") == ["postgresql"], "Aurora exports no log")

    # ---- the service's rate limit is set
    env = {e["Name"]: e["Value"] for e in task["ContainerDefinitions"][0].get("Environment", [])}
    check("RATE_LIMIT_RPS" in env, "the task sets no RATE_LIMIT_RPS (no limit per API key)")


def review_terraform(root):
    folder = root / "infrastructure/terraform"
    text = "\n".join(f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.tf")))

    task_policy = re.search(r'data "aws_iam_policy_document" "task" \{\n(.*?)^\}', text, re.M | re.S)
    check(task_policy and re.search(r'"s3:DeleteObject"', task_policy.group(1)),
          "Terraform: the task role cannot s3:DeleteObject")
    if task_policy:
        for statement in re.findall(r"statement \{(.*?)\n  \}", task_policy.group(1), re.S):
            if "s3:DeleteObject" in statement:
                check('"${aws_s3_bucket.data.arn}/${local.storage_prefix}/*"' in statement,
                      "Terraform: s3:DeleteObject is not limited to the service's prefix")

    service = tf_blocks(text, "aws_ecs_service").get("app", "")
    check(re.search(r"ignore_changes\s*=\s*\[[^\]]*desired_count", service),
          "Terraform: the ECS service does not ignore desired_count changes")

    alarms = tf_blocks(text, "aws_cloudwatch_metric_alarm")
    by_metric = {}
    for name, body in alarms.items():
        key = (tf_attr(body, "namespace").strip('"'), tf_attr(body, "metric_name").strip('"'))
        by_metric[key] = body
        check(tf_attr(body, "alarm_actions") == "[aws_sns_topic.alarms.arn]",
              f"Terraform alarm {name} not sent to the topic")
    for key, comparison in REQUIRED_ALARMS.items():
        body = by_metric.get(key)
        check(body is not None, f"Terraform: no alarm on {key[0]} {key[1]}")
        if body:
            check(tf_attr(body, "comparison_operator") == f'"{comparison}"',
                  f"Terraform: {key[1]} alarm compares {tf_attr(body, 'comparison_operator')}")
    healthy = by_metric.get(("AWS/ApplicationELB", "HealthyHostCount"), "")
    check(tf_attr(healthy, "threshold") == "1" and tf_attr(healthy, "treat_missing_data") == '"breaching"',
          "Terraform: HealthyHostCount alarm is not '< 1, missing data breaching'")

    # Terraform's aws_security_group removes the default egress; no rule may put it back.
    for name, body in tf_blocks(text, "aws_vpc_security_group_egress_rule").items():
        check(not (tf_attr(body, "ip_protocol") == '"-1"' and tf_attr(body, "cidr_ipv4") == '"0.0.0.0/0"'),
              f"Terraform egress rule {name} allows everything")
    for name, body in tf_blocks(text, "aws_security_group").items():
        check("egress {" not in body, f"Terraform security group {name} has inline egress")

    group = tf_blocks(text, "aws_rds_cluster_parameter_group").get("main", "")
    check("var.db_engine_version" in (tf_attr(group, "family") or ""),
          "Terraform: parameter group family is fixed while db_engine_version is free")

    lock = folder / ".terraform.lock.hcl"
    check(lock.is_file() and 'provider "registry.terraform.io/hashicorp/aws"' in lock.read_text(),
          "Terraform: .terraform.lock.hcl is not committed")
    check(".terraform.lock.hcl" not in [line.strip() for line in
                                        (folder / ".gitignore").read_text().splitlines()],
          "Terraform: .gitignore ignores the provider lock")

    for name, body in tf_blocks(text, "aws_cloudwatch_log_group").items():
        check(tf_attr(body, "retention_in_days"), f"Terraform log group {name} keeps logs forever")
    check(any("/aws/rds/cluster/" in body for body in tf_blocks(text, "aws_cloudwatch_log_group").values()),
          "Terraform: Aurora's exported log group is not made (Aurora makes it with no retention)")

    check('name = "RATE_LIMIT_RPS"' in text, "Terraform: the task sets no RATE_LIMIT_RPS")


def review_kubernetes(root):
    base = (root / "infrastructure/kubernetes/base/kustomization.yaml").read_text(encoding="utf-8")
    check(re.search(r"^\s*- RATE_LIMIT_RPS=[1-9]", base, re.M), "Kubernetes: no RATE_LIMIT_RPS in the config map")


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    review_cloudformation(root / "infrastructure/cloudformation/api-stack.yaml")
    review_terraform(root)
    review_kubernetes(root)
    for message in failures:
        print(f"aws-review: FAIL: {message}", file=sys.stderr)
    if not failures:
        print("aws-review: CloudFormation, Terraform and Kubernetes hold the real-account rules")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
