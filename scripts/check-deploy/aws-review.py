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
    committed; every log group has a retention; the deployments set RATE_LIMIT_RPS and FORWARDED_HOPS=1;
  - every path the task definitions and the Deployment mount is a VOLUME of the image (Fargate
    mounts any other path root-owned 0755), and SCRATCH_DIR is the same everywhere, on a mount;
  - the database login: the service reads the secret itself (DATABASE_SECRET_ARN, re-read after
    a rotation) with its task role / IRSA role; nothing injects PGPASSWORD at start, where it
    would go stale at the secret's first rotation;
  - the database connection is verified: every deployment's DATABASE_URL asks for
    sslmode=verify-full against the bundle the Dockerfile installs, and the image workflow fetches
    that bundle (scripts/fetch-rds-ca-bundle.sh) and builds with REQUIRE_RDS_CA=1;
  - the EKS path: the database admits the pods (Terraform), a NetworkPolicy limits them, and
    Argo CD Image Updater really moves the staging overlay's image (production: by pull request);
  - region loss: the DNS record is one half of a Route 53 failover pair (set identifier, failover
    role, a health check on /readyz), so a stack in another region adds its record instead of
    colliding with the lost one; S3 replication and the database's cross-region backup copy are
    code behind optional parameters, not manual commands;
  - ServiceUrl / service_url is the name the certificate covers, and the deploy workflow's
    smoke test reaches the load balancer under that name;
  - direct-to-S3 uploads: the bucket's CORS rule lets the API's origin (or BrowserUploadOrigin /
    browser_upload_origin) PUT and POST and read ETag; the task role, whose credentials sign the
    presigned URLs, may PutObject, AbortMultipartUpload and ListMultipartUploadParts on its
    prefix; the optional S3 -> EventBridge -> SQS wiring (off by default) sends only objects
    created under the prefix's uploads/ to a queue with a dead-letter queue, only the rule may
    send to it, and only then may the task role receive and delete its messages (all the service
    calls: no sqs:GetQueueAttributes) and do the task definitions pass its URL as
    UPLOAD_EVENTS_QUEUE_URL (the Kubernetes base never sets it: an overlay with a queue does);
    with the option, and only then, one alarm on the dead-letter queue (any visible message)
    notifies the alarm topic, named like the other alarms;
  - CI supply chain: Trivy's own release pinned; deploy-infra.yml deploys after docker-build only
    for pushes to main; the bootstrap roles (bootstrap.yaml): one deploy role per environment,
    each trusting only its GitHub environment and touching only its stack; CloudFormation's
    execution role limited to the services api-stack.yaml uses, IAM only on the stacks' roles.

Prints one line per failed rule; exits 1 if any failed.

Usage: aws-review.py REPO_ROOT
"""
import pathlib
import re
import sys

import yaml
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


def plain_environment(container):
    """Name -> value of a task definition container's unconditional Environment entries (an
    `!If [Condition, entry, !Ref AWS::NoValue]` one is left out: only some stacks have it)."""
    return {e["Name"]: e["Value"] for e in container.get("Environment", []) if "Name" in e}


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
    env = plain_environment(task["ContainerDefinitions"][0])
    check("RATE_LIMIT_RPS" in env, "the task sets no RATE_LIMIT_RPS (no limit per API key)")
    check(env.get("FORWARDED_HOPS") == "1",
          "the task does not set FORWARDED_HOPS=1: behind the ALB every client would share the ALB's address")


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
    check(re.search(r'\{ name = "FORWARDED_HOPS", value = "1" \}', text),
          "Terraform: the task does not set FORWARDED_HOPS=1 (every client would share the ALB's address)")


def review_kubernetes(root):
    base = (root / "infrastructure/kubernetes/base/kustomization.yaml").read_text(encoding="utf-8")
    check(re.search(r"^\s*- RATE_LIMIT_RPS=[1-9]", base, re.M), "Kubernetes: no RATE_LIMIT_RPS in the config map")
    check(re.search(r"^\s*- FORWARDED_HOPS=1$", base, re.M),
          "Kubernetes: no FORWARDED_HOPS=1 in the config map (every client would share the ALB's address)")


def review_service_url(root):
    template, _ = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    url = template["Outputs"]["ServiceUrl"]["Value"]
    check(url == {"Fn::Sub": "https://${DomainName}"},
          f"ServiceUrl is {url!r}: only https://DomainName matches the certificate")
    check("Default" not in template["Parameters"]["DomainName"],
          "DomainName may be empty: then no URL matches the certificate")
    outputs = (root / "infrastructure/terraform/outputs.tf").read_text(encoding="utf-8")
    block = re.search(r'output "service_url" \{(.*?)\n\}', outputs, re.S)
    check(block and tf_attr(block.group(1), "value") == '"https://${var.domain_name}"',
          "Terraform's service_url is not https://domain_name")
    variables = (root / "infrastructure/terraform/variables.tf").read_text(encoding="utf-8")
    domain = re.search(r'variable "domain_name" \{(.*?)\n\}', variables, re.S)
    check(domain and "default" not in domain.group(1), "Terraform's domain_name may be empty")

    deploy = yaml.safe_load((root / ".github/workflows/deploy-infra.yml").read_text(encoding="utf-8"))
    steps = [s for job in deploy["jobs"].values() for s in job.get("steps", [])]
    smoke = next((s for s in steps if "/healthz" in s.get("run", "")), {}).get("run", "")
    check("--connect-to" in smoke and "LoadBalancerDnsName" in smoke and "ServiceUrl" in smoke,
          "the smoke test does not reach the ALB as ServiceUrl's name (curl --connect-to): without "
          "the DNS record it fails, with the ALB's name the certificate does not match")


def review_supply_chain(root):
    workflows = root / ".github/workflows"
    build = yaml.safe_load((workflows / "docker-build.yml").read_text(encoding="utf-8"))
    trivy = [s for job in build["jobs"].values() for s in job.get("steps", [])
             if "trivy-action" in s.get("uses", "")]
    check(trivy and all(re.fullmatch(r"v\d+\.\d+\.\d+", str(s.get("with", {}).get("version", "")))
                        for s in trivy), "the Trivy action runs whatever Trivy release it defaults to")

    deploy = yaml.safe_load((workflows / "deploy-infra.yml").read_text(encoding="utf-8"))
    triggers = deploy.get("on", deploy.get(True, {}))
    if "workflow_run" in triggers:
        gates = [re.sub(r"\s+", " ", str(job.get("if", ""))) for job in deploy["jobs"].values()
                 if not job.get("needs")]
        for gate in gates:
            for needed in ("github.event.workflow_run.event == 'push'",
                           "github.event.workflow_run.head_branch == 'main'",
                           "github.event.workflow_run.conclusion == 'success'"):
                check(needed in gate, f"deploy-infra.yml: a workflow_run deploys without {needed}")

    template, matches = decode(str(root / "infrastructure/cloudformation/bootstrap.yaml"))
    if template is None:
        check(False, f"bootstrap.yaml does not parse: {matches}")
        return
    roles = {n: r["Properties"] for n, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    for name, role in roles.items():
        check(not any(m for m in role.get("ManagedPolicyArns", [])),
                      f"bootstrap role {name} has managed policies (PowerUserAccess and the like)")
    deploy_roles = {}
    for name, role in roles.items():
        subjects = [st.get("Condition", {}).get("StringEquals", {}).get("token.actions.githubusercontent.com:sub")
                    for st in role["AssumeRolePolicyDocument"]["Statement"]]
        subjects = [s for s in subjects if s]
        check(not any("StringLike" in st.get("Condition", {}) for st in role["AssumeRolePolicyDocument"]["Statement"]),
              f"bootstrap role {name} trusts GitHub subjects by pattern")
        environments = {m for s in subjects for m in re.findall(r"environment:(\w+)", repr(s))}
        if environments:
            check(len(subjects) == 1 and len(environments) == 1,
                  f"bootstrap role {name} trusts several GitHub environments: one role per environment")
            deploy_roles[next(iter(environments))] = role
    check(set(deploy_roles) == {"staging", "production"},
          f"deploy roles for environments {sorted(deploy_roles)}, expected staging and production")
    for environment, role in deploy_roles.items():
        stacks = re.findall(r"stack/([\w*-]+)/", repr(role["Policies"]))
        check(stacks == [f"migration-api-{environment}"],
              f"the {environment} deploy role may drive stacks {stacks}, not only its own")

    # CloudFormation's execution role: exactly the services api-stack.yaml creates resources of.
    stack, _ = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    prefix = {"ElasticLoadBalancingV2": "elasticloadbalancing", "ApplicationAutoScaling": "application-autoscaling",
              "CloudWatch": "cloudwatch", "SecretsManager": "secretsmanager"}
    used = {prefix.get(r["Type"].split("::")[1], r["Type"].split("::")[1].lower())
            for r in stack["Resources"].values()}
    if "backup" in used:
        used.add("backup-storage")  # creating a vault mounts its storage under this prefix
    execution = next((r for r in roles.values()
                      if r["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service")
                      == "cloudformation.amazonaws.com"), None)
    check(execution is not None, "bootstrap.yaml has no CloudFormation execution role")
    if execution:
        statements = [st for p in execution["Policies"] for st in p["PolicyDocument"]["Statement"]]
        granted = {a.split(":")[0] for st in statements for a in actions(st)}
        check(granted == used, f"the execution role grants services {sorted(granted - used)} the stack does not "
                               f"use and lacks {sorted(used - granted)}")
        for st in statements:
            iam = [a for a in actions(st) if a.startswith("iam:")]
            if not iam:
                continue
            check("iam:*" not in iam, "the execution role has iam:*")
            resource = repr(st.get("Resource"))
            check("role/migration-api-*" in resource or "aws-service-role" in resource,
                  f"the execution role's {iam} reach roles beyond the stacks' own ({resource})")


def review_mounts(root):
    dockerfile = (root / "Dockerfile").read_text(encoding="utf-8")
    volumes = set()
    for line in re.findall(r"^VOLUME\s+(.+)$", dockerfile, re.M):
        volumes.update(re.findall(r'"([^"]+)"', line) if line.startswith("[") else line.split())
    image_scratch = re.search(r"\bSCRATCH_DIR=(\S+)", dockerfile)
    image_scratch = image_scratch.group(1) if image_scratch else None

    template, _ = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    task = next(iter(resources(template, "AWS::ECS::TaskDefinition").values()))["Properties"]
    container = task["ContainerDefinitions"][0]
    flavours = {"CloudFormation": ({m["ContainerPath"] for m in container.get("MountPoints", [])},
                                   plain_environment(container).get("SCRATCH_DIR"))}
    ecs = (root / "infrastructure/terraform/ecs.tf").read_text(encoding="utf-8")
    flavours["Terraform"] = (set(re.findall(r'containerPath\s*=\s*"([^"]+)"', ecs)),
                             next(iter(re.findall(r'name = "SCRATCH_DIR", value = "([^"]+)"', ecs)), None))
    deployment = yaml.safe_load((root / "infrastructure/kubernetes/base/deployment.yaml").read_text(encoding="utf-8"))
    pod = deployment["spec"]["template"]["spec"]
    base = (root / "infrastructure/kubernetes/base/kustomization.yaml").read_text(encoding="utf-8")
    flavours["Kubernetes"] = ({m["mountPath"] for m in pod["containers"][0].get("volumeMounts", [])},
                              next(iter(re.findall(r"^\s*- SCRATCH_DIR=(\S+)", base, re.M)), None))
    for name, (mounts, scratch) in flavours.items():
        check(mounts, f"{name}: no writable mount for the read-only root filesystem")
        for mount in sorted(mounts - volumes):
            check(False, f"{name} mounts {mount}, which is no VOLUME of the image: Fargate makes it root-owned "
                         f"0755, unwritable to uid 10001")
        check(scratch == image_scratch and scratch is not None,
              f"{name}: SCRATCH_DIR {scratch!r}, the image's {image_scratch!r}")
        check(scratch is not None and any(scratch == m or scratch.startswith(m + "/") for m in mounts),
              f"{name}: SCRATCH_DIR {scratch!r} is on none of its mounts {sorted(mounts)} (read-only root)")
    check(container.get("User") == "10001:10001" and "USER 10001:10001" in dockerfile,
          "the task or the image does not run as 10001:10001")


def review_database_login(root):
    template, _ = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    task = next(iter(resources(template, "AWS::ECS::TaskDefinition").values()))["Properties"]
    container = task["ContainerDefinitions"][0]
    env = plain_environment(container)
    secrets = {s["Name"] for s in container.get("Secrets", [])}
    check("DATABASE_SECRET_ARN" in env and not {"PGUSER", "PGPASSWORD"} & secrets,
          "CloudFormation: the database login is injected at task start, not read by the service")
    role = template["Resources"][task["TaskRoleArn"]["Fn::GetAtt"][0]]["Properties"]
    readable = [st.get("Resource") for p in role.get("Policies", []) for st in p["PolicyDocument"]["Statement"]
                if "secretsmanager:GetSecretValue" in actions(st)]
    check(readable == [[env.get("DATABASE_SECRET_ARN"), env.get("DATABASE_ADMIN_SECRET_ARN")]],
          "CloudFormation: the task role cannot read exactly the two database secrets")
    check(not repr(env.get("DATABASE_SECRET_ARN")).count("MasterUserSecret"),
          "CloudFormation: the service logs in as the master user")

    ecs = (root / "infrastructure/terraform/ecs.tf").read_text(encoding="utf-8")
    check('name = "DATABASE_SECRET_ARN", value = aws_secretsmanager_secret.app_db.arn' in ecs
          and 'name = "DATABASE_ADMIN_SECRET_ARN", value = local.db_secret_arn' in ecs and "PGPASSWORD" not in ecs,
          "Terraform: the service does not read its own login (and the master one for its role) itself")
    iam = (root / "infrastructure/terraform/iam.tf").read_text(encoding="utf-8")
    task_policy = re.search(r'data "aws_iam_policy_document" "task" \{\n(.*?)^\}', iam, re.M | re.S)
    check(task_policy and "resources = [aws_secretsmanager_secret.app_db.arn, local.db_secret_arn]" in task_policy.group(1),
          "Terraform: the task (and IRSA) role cannot read the database secrets")

    kubernetes = root / "infrastructure/kubernetes"
    deployment = (kubernetes / "base/deployment.yaml").read_text(encoding="utf-8")
    check("PGPASSWORD" not in deployment, "Kubernetes: PGPASSWORD fixed at pod start from a synced Secret")
    for overlay in sorted((kubernetes / "overlays").glob("*/kustomization.yaml")):
        text = overlay.read_text()
        check(re.search(r"^\s*- DATABASE_SECRET_ARN=arn:aws[a-z-]*:secretsmanager:.*:secret:migration-api/", text, re.M)
              and re.search(r"^\s*- DATABASE_ADMIN_SECRET_ARN=arn:aws[a-z-]*:secretsmanager:", text, re.M),
              f"Kubernetes overlay {overlay.parent.name}: no DATABASE_SECRET_ARN (the service's own login) "
              "and DATABASE_ADMIN_SECRET_ARN")


def review_database_tls(root):
    dockerfile = (root / "Dockerfile").read_text(encoding="utf-8")
    installed = re.search(r"install -D -m 0644 /tmp/rds-ca/global-bundle\.pem /rootfs(/\S+);", dockerfile)
    check(installed and "COPY infrastructure/rds-ca/ /tmp/rds-ca/" in dockerfile
          and re.search(r'elif \[ "\$REQUIRE_RDS_CA" = 1 \]; then.*exit 1', dockerfile, re.S),
          "the Dockerfile does not install infrastructure/rds-ca/global-bundle.pem (or builds without it when required)")
    check("!infrastructure/rds-ca/" in (root / ".dockerignore").read_text(encoding="utf-8"),
          ".dockerignore keeps infrastructure/rds-ca/ out of the build context")
    bundle = installed.group(1) if installed else "<none>"
    want = f"postgresql:///migration?sslmode=verify-full&sslrootcert={bundle}"

    template, _ = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    task = next(iter(resources(template, "AWS::ECS::TaskDefinition").values()))["Properties"]
    env = plain_environment(task["ContainerDefinitions"][0])
    urls = {"CloudFormation": env.get("DATABASE_URL")}
    ecs = (root / "infrastructure/terraform/ecs.tf").read_text(encoding="utf-8")
    urls["Terraform"] = next(iter(re.findall(r'name = "DATABASE_URL", value = "([^"]+)"', ecs)), None)
    base = (root / "infrastructure/kubernetes/base/kustomization.yaml").read_text(encoding="utf-8")
    urls["Kubernetes"] = next(iter(re.findall(r"^\s*- DATABASE_URL=(\S+)", base, re.M)), None)
    for name, url in urls.items():
        check(url == want, f"{name}: DATABASE_URL {url!r}, expected {want!r} (TLS verified against the image's "
                           "RDS CA bundle)")

    workflow = yaml.safe_load((root / ".github/workflows/docker-build.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["image"]["steps"]
    fetch = [i for i, st in enumerate(steps)
             if "scripts/fetch-rds-ca-bundle.sh infrastructure/rds-ca/global-bundle.pem" in st.get("run", "")]
    build = [i for i, st in enumerate(steps) if "docker/build-push-action" in st.get("uses", "")]
    check(fetch and build and fetch[0] < build[0]
          and "REQUIRE_RDS_CA=1" in str(steps[build[0]].get("with", {}).get("build-args", "")),
          "docker-build.yml does not fetch the RDS CA bundle before the build and require it")


def review_eks(root):
    network = (root / "infrastructure/terraform/network.tf").read_text(encoding="utf-8")
    rules = tf_blocks(network, "aws_vpc_security_group_ingress_rule")
    check(any(tf_attr(b, "security_group_id") == "aws_security_group.db.id"
              and tf_attr(b, "referenced_security_group_id") == "var.eks_database_client_security_group_id"
              for b in rules.values()), "Terraform: the database admits only the ECS tasks, not the EKS pods")

    kubernetes = root / "infrastructure/kubernetes"
    base = yaml.safe_load((kubernetes / "base/kustomization.yaml").read_text(encoding="utf-8"))
    policies = [d for f in base["resources"] for d in yaml.safe_load_all((kubernetes / "base" / f).read_text())
                if d and d.get("kind") == "NetworkPolicy"]
    check(any(p["spec"].get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component") == "api"
              and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"} for p in policies),
          "Kubernetes: no NetworkPolicy limits the api pods' ingress and egress")

    apps = {d["metadata"]["name"]: d for d in yaml.safe_load_all((root / "argocd/application.yaml").read_text())
            if d and d.get("kind") == "Application"}
    for name, app in apps.items():
        environment = name.rsplit("-", 1)[-1]
        annotations = app["metadata"].get("annotations", {}) or {}
        overlay = yaml.safe_load((kubernetes / "overlays" / environment / "kustomization.yaml").read_text())
        image = next((i for i in overlay.get("images", []) if i["name"] == "migration-api"), {})
        updater = {k.split("/", 1)[1]: v for k, v in annotations.items()
                   if k.startswith("argocd-image-updater.argoproj.io/")}
        if environment == "production":
            check(not updater, "production's Argo CD application is updated automatically (by pull request only)")
            continue
        alias, _, repository = updater.get("image-list", "").partition("=")
        check(repository == image.get("newName"),
              f"{name}: Image Updater watches {repository!r}, the overlay runs {image.get('newName')!r}")
        check(updater.get(f"{alias}.kustomize.image-name") == "migration-api"
              and updater.get("write-back-method", "").startswith("git")
              and updater.get("write-back-target") == "kustomization",
              f"{name}: Image Updater does not write the new tag back to the overlay's images: entry")
        check(updater.get(f"{alias}.allow-tags") == "regexp:^[0-9a-f]{40}$",
              f"{name}: Image Updater may pick tags other than commit SHAs")


# What the service calls on the upload events queue (long-poll, then delete), and nothing more.
SQS_CONSUMER = ["sqs:ReceiveMessage", "sqs:DeleteMessage"]
PRESIGNED_UPLOAD_ACTIONS = {"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}


def review_direct_uploads(root):
    template, _ = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    res = template["Resources"]
    params = template.get("Parameters", {})
    conditions = template.get("Conditions", {})
    bucket = next(iter(resources(template, "AWS::S3::Bucket").values()))["Properties"]
    rules = bucket.get("CorsConfiguration", {}).get("CorsRules", [])
    check(len(rules) == 1, "CloudFormation: the data bucket has no single CORS rule for browser uploads")
    for rule in rules:
        check(sorted(rule.get("AllowedMethods", [])) == ["POST", "PUT"] and rule.get("ExposedHeaders") == ["ETag"],
              "CloudFormation: the bucket's CORS rule does not allow PUT and POST and expose ETag")
        origins = repr(rule.get("AllowedOrigins"))
        check("BrowserUploadOrigin" in origins and "https://${DomainName}" in origins,
              "CloudFormation: the CORS origin is not BrowserUploadOrigin, else https://DomainName")
    check(params.get("DirectUploadEvents", {}).get("Default") == "false",
          "CloudFormation: DirectUploadEvents is not a parameter off by default")
    check(conditions.get("HasUploadEvents") == {"Fn::Equals": [{"Ref": "DirectUploadEvents"}, "true"]},
          "CloudFormation: no HasUploadEvents condition on DirectUploadEvents")
    notification = bucket.get("NotificationConfiguration", {})
    check(notification.get("Fn::If", [None])[0] == "HasUploadEvents"
          and "EventBridgeEnabled" in repr(notification.get("Fn::If", [None, None])[1]),
          "CloudFormation: the bucket's EventBridge notification is not behind HasUploadEvents")
    queues = resources(template, "AWS::SQS::Queue")
    events = resources(template, "AWS::Events::Rule")
    policies = resources(template, "AWS::SQS::QueuePolicy")
    for name, resource in {**queues, **events, **policies}.items():
        check(resource.get("Condition") == "HasUploadEvents", f"CloudFormation: {name} is not behind HasUploadEvents")
    main = [n for n, q in queues.items() if "RedrivePolicy" in q["Properties"]]
    check(len(queues) == 2 and len(main) == 1, "CloudFormation: no upload events queue with a dead-letter queue")
    check(len(events) == 1, "CloudFormation: no single EventBridge rule for upload events")
    if len(main) == 1 and len(events) == 1:
        queue = main[0]
        rule_name, rule = next(iter(events.items()))
        pattern = rule["Properties"]["EventPattern"]
        check(pattern.get("source") == ["aws.s3"] and pattern.get("detail-type") == ["Object Created"]
              and pattern.get("detail", {}).get("bucket", {}).get("name") == [{"Ref": "DataBucket"}]
              and pattern.get("detail", {}).get("object", {}).get("key") == [{"prefix": "migration-api/uploads/"}],
              "CloudFormation: the rule does not match Object Created under migration-api/uploads/ of the bucket")
        check([t.get("Arn") for t in rule["Properties"].get("Targets", [])] == [{"Fn::GetAtt": [queue, "Arn"]}],
              "CloudFormation: the rule does not target the upload events queue")
        sends = [st for p in policies.values() for st in p["Properties"]["PolicyDocument"]["Statement"]
                 if st.get("Effect") == "Allow"]
        check(len(sends) == 1 and sends[0].get("Principal") == {"Service": "events.amazonaws.com"}
              and actions(sends[0]) == ["sqs:SendMessage"]
              and sends[0].get("Condition") == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_name, "Arn"]}}},
              "CloudFormation: the queue policy does not let exactly the rule send")
        task = next(iter(resources(template, "AWS::ECS::TaskDefinition").values()))["Properties"]
        passed = [e for c in task["ContainerDefinitions"] for e in c.get("Environment", [])
                  if "UPLOAD_EVENTS_QUEUE_URL" in repr(e)]
        check(passed == [{"Fn::If": ["HasUploadEvents",
                                     {"Name": "UPLOAD_EVENTS_QUEUE_URL", "Value": {"Ref": queue}},
                                     {"Ref": "AWS::NoValue"}]}],
              "CloudFormation: the task definition does not pass UPLOAD_EVENTS_QUEUE_URL (the upload events queue's "
              "URL) exactly when HasUploadEvents")
        role = res[task["TaskRoleArn"]["Fn::GetAtt"][0]]["Properties"]
        statements = [st for p in role.get("Policies", []) for st in p["PolicyDocument"]["Statement"]]
        sqs = [st for st in statements if "sqs" in repr(st)]
        check(sqs == [{"Fn::If": ["HasUploadEvents",
                                  {"Sid": "UploadEventsQueue", "Effect": "Allow", "Action": SQS_CONSUMER,
                                   "Resource": {"Fn::GetAtt": [queue, "Arn"]}},
                                  {"Ref": "AWS::NoValue"}]}],
              "CloudFormation: the task role's SQS rights are not exactly receive and delete on the "
              "upload events queue, behind HasUploadEvents")
        prefix = [set(actions(st)) for st in statements
                  if st.get("Resource") == {"Fn::Sub": "${DataBucket.Arn}/migration-api/*"}]
        check(any(PRESIGNED_UPLOAD_ACTIONS <= granted for granted in prefix),
              "CloudFormation: the task role cannot put objects or parts under its prefix (presigned uploads)")

    folder = root / "infrastructure/terraform"
    text = "\n".join(f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.tf")))
    cors = tf_blocks(text, "aws_s3_bucket_cors_configuration").get("data", "")
    check(tf_attr(cors, "allowed_methods") == '["PUT", "POST"]' and tf_attr(cors, "expose_headers") == '["ETag"]'
          and "var.browser_upload_origin" in (tf_attr(cors, "allowed_origins") or "")
          and "https://${var.domain_name}" in (tf_attr(cors, "allowed_origins") or ""),
          "Terraform: no CORS rule letting the API's origin PUT and POST and read ETag")
    check(re.search(r'variable "direct_upload_events" \{[^}]*type\s*=\s*bool[^}]*default\s*=\s*false', text, re.S),
          "Terraform: direct_upload_events is not a bool variable off by default")
    gated = {**tf_blocks(text, "aws_s3_bucket_notification"), **tf_blocks(text, "aws_sqs_queue"),
             **tf_blocks(text, "aws_cloudwatch_event_rule"), **tf_blocks(text, "aws_cloudwatch_event_target"),
             **tf_blocks(text, "aws_sqs_queue_policy")}
    for name, body in gated.items():
        check(tf_attr(body, "count") == "var.direct_upload_events ? 1 : 0",
              f"Terraform: {name} is not behind direct_upload_events")
    check(tf_attr(tf_blocks(text, "aws_s3_bucket_notification").get("data", ""), "eventbridge") == "true",
          "Terraform: the bucket does not send its events to EventBridge")
    check("deadLetterTargetArn = aws_sqs_queue.upload_events_dlq[0].arn"
          in tf_blocks(text, "aws_sqs_queue").get("upload_events", ""),
          "Terraform: the upload events queue has no dead-letter queue")
    rule = tf_blocks(text, "aws_cloudwatch_event_rule").get("upload_events", "")
    check('source        = ["aws.s3"]' in rule and '"detail-type" = ["Object Created"]' in rule
          and "name = [aws_s3_bucket.data.id]" in rule
          and 'key = [{ prefix = "${local.storage_prefix}/uploads/" }]' in rule,
          "Terraform: the rule does not match Object Created under <prefix>/uploads/ of the bucket")
    check(tf_attr(tf_blocks(text, "aws_cloudwatch_event_target").get("upload_events", ""), "arn")
          == "aws_sqs_queue.upload_events[0].arn", "Terraform: the rule does not target the upload events queue")
    queue_policy = tf_blocks(text, "aws_sqs_queue_policy").get("upload_events", "")
    check('Principal = { Service = "events.amazonaws.com" }' in queue_policy
          and '"aws:SourceArn" = aws_cloudwatch_event_rule.upload_events[0].arn' in queue_policy
          and queue_policy.count('Effect    = "Allow"') == 1,
          "Terraform: the queue policy does not let exactly the rule send")
    task_policy = re.search(r'data "aws_iam_policy_document" "task" \{\n(.*?)^\}', text, re.M | re.S)
    body = task_policy.group(1) if task_policy else ""
    check(re.search(r'dynamic "statement" \{\s*for_each = var\.direct_upload_events \? '
                    r'\[aws_sqs_queue\.upload_events\[0\]\.arn\] : \[\]', body)
          and "actions   = [%s]" % ", ".join(f'"{a}"' for a in SQS_CONSUMER) in body
          and body.count("sqs:") == len(SQS_CONSUMER),
          "Terraform: the task role's SQS rights are not exactly receive and delete on the upload events "
          "queue, behind direct_upload_events")
    check(all(f'"{action}"' in body for action in PRESIGNED_UPLOAD_ACTIONS),
          "Terraform: the task role cannot put objects or parts under its prefix (presigned uploads)")
    ecs = (folder / "ecs.tf").read_text(encoding="utf-8")
    environment = re.search(r"^    environment = concat\(\n(.*?)^    \)$", ecs, re.M | re.S)
    code = [line for line in ecs.splitlines() if not line.lstrip().startswith("#")]
    check(environment and re.search(r'^      var\.direct_upload_events \? \[\n'
                                    r'\s*\{ name = "UPLOAD_EVENTS_QUEUE_URL", value = aws_sqs_queue\.upload_events\[0\]\.url \},\n'
                                    r'      \] : \[\],$', environment.group(1), re.M)
          and sum(line.count("UPLOAD_EVENTS_QUEUE_URL") for line in code) == 1,
          "Terraform: the container's environment does not get UPLOAD_EVENTS_QUEUE_URL (the upload events queue's "
          "URL) exactly when direct_upload_events")
    base = (root / "infrastructure/kubernetes/base/kustomization.yaml").read_text(encoding="utf-8")
    check(not re.search(r"^\s*- UPLOAD_EVENTS_QUEUE_URL=", base, re.M),
          "Kubernetes: the base sets UPLOAD_EVENTS_QUEUE_URL for every environment (an overlay with a queue sets it)")


# The upload events dead-letter queue's alarm, the same in both flavours: any visible message
# (a message not read or not handled after maxReceiveCount receives) notifies the alarm topic.
DLQ_ALARM = {"name": "upload-events-dlq", "namespace": "AWS/SQS", "metric": "ApproximateNumberOfMessagesVisible",
             "statistic": "Maximum", "period": 300, "evaluation_periods": 1, "threshold": 0,
             "comparison": "GreaterThanThreshold", "missing": "notBreaching"}


def review_dead_letter_alarm(root):
    """The upload events dead-letter queue has one alarm, made exactly when the option is on
    (DirectUploadEvents / direct_upload_events), on that queue, sent to the alarm topic; no other
    alarm watches a queue of the option."""
    template, _ = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    queues = resources(template, "AWS::SQS::Queue")
    dead_letters = [q["Properties"]["RedrivePolicy"].get("deadLetterTargetArn", {}).get("Fn::GetAtt", [None])[0]
                    for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    topic = next(iter(resources(template, "AWS::SNS::Topic")), None)
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    on_queues = {n: a for n, a in alarms.items()
                 if a["Properties"].get("Namespace") == "AWS/SQS" or any(q in repr(a["Properties"]) for q in queues)}
    check(len(dead_letters) == 1 and dead_letters[0] in queues,
          "CloudFormation: no upload events dead-letter queue to alarm on")
    check(len(on_queues) == 1, f"CloudFormation: {len(on_queues)} alarms on the upload events queues, expected one "
                               "on the dead-letter queue")
    for name, alarm in on_queues.items():
        props = alarm["Properties"]
        check(alarm.get("Condition") == "HasUploadEvents",
              f"CloudFormation: alarm {name} is not behind HasUploadEvents (it must exist exactly with "
              "DirectUploadEvents)")
        check(props.get("AlarmName") == {"Fn::Sub": f"migration-api-${{Environment}}-{DLQ_ALARM['name']}"},
              f"CloudFormation: alarm {name} is named {props.get('AlarmName')!r}, not "
              f"migration-api-${{Environment}}-{DLQ_ALARM['name']} like the other alarms")
        check(dead_letters and props.get("Dimensions") == [{"Name": "QueueName",
                                                            "Value": {"Fn::GetAtt": [dead_letters[0], "QueueName"]}}],
              f"CloudFormation: alarm {name} does not watch the dead-letter queue (QueueName of "
              f"{dead_letters[0] if dead_letters else '?'}): {props.get('Dimensions')}")
        got = {"namespace": props.get("Namespace"), "metric": props.get("MetricName"),
               "statistic": props.get("Statistic"), "period": props.get("Period"),
               "evaluation_periods": props.get("EvaluationPeriods"), "threshold": props.get("Threshold"),
               "comparison": props.get("ComparisonOperator"), "missing": props.get("TreatMissingData")}
        for key, value in got.items():
            check(value == DLQ_ALARM[key],
                  f"CloudFormation: alarm {name} has {key} {value!r}, expected {DLQ_ALARM[key]!r}")
        check(props.get("AlarmActions") == [{"Ref": topic}] and props.get("OKActions") == [{"Ref": topic}],
              f"CloudFormation: alarm {name} does not notify (and clear on) the alarm topic {topic}")

    folder = root / "infrastructure/terraform"
    text = "\n".join(f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.tf")))
    target = re.search(r"deadLetterTargetArn\s*=\s*aws_sqs_queue\.(\w+)\[0\]\.arn",
                       tf_blocks(text, "aws_sqs_queue").get("upload_events", ""))
    dead_letter = target.group(1) if target else None
    check(dead_letter in tf_blocks(text, "aws_sqs_queue"), "Terraform: no upload events dead-letter queue to alarm on")
    on_queues = {n: b for n, b in tf_blocks(text, "aws_cloudwatch_metric_alarm").items()
                 if "aws_sqs_queue." in b or tf_attr(b, "namespace") == '"AWS/SQS"'}
    check(len(on_queues) == 1, f"Terraform: {len(on_queues)} alarms on the upload events queues, expected one on "
                               "the dead-letter queue")
    for name, body in on_queues.items():
        check(tf_attr(body, "count") == "var.direct_upload_events ? 1 : 0",
              f"Terraform: alarm {name} is not behind direct_upload_events (it must exist exactly with the option)")
        check(tf_attr(body, "alarm_name") == f'"${{local.name}}-{DLQ_ALARM["name"]}"',
              f"Terraform: alarm {name} is named {tf_attr(body, 'alarm_name')}, not "
              f"${{local.name}}-{DLQ_ALARM['name']} like the other alarms")
        check(tf_attr(body, "dimensions") == f"{{ QueueName = aws_sqs_queue.{dead_letter}[0].name }}",
              f"Terraform: alarm {name} does not watch the dead-letter queue (aws_sqs_queue.{dead_letter}): "
              f"{tf_attr(body, 'dimensions')}")
        got = {"namespace": tf_attr(body, "namespace"), "metric": tf_attr(body, "metric_name"),
               "statistic": tf_attr(body, "statistic"), "period": tf_attr(body, "period"),
               "evaluation_periods": tf_attr(body, "evaluation_periods"), "threshold": tf_attr(body, "threshold"),
               "comparison": tf_attr(body, "comparison_operator"), "missing": tf_attr(body, "treat_missing_data")}
        for key, value in got.items():
            want = f'"{DLQ_ALARM[key]}"' if isinstance(DLQ_ALARM[key], str) else str(DLQ_ALARM[key])
            check(value == want, f"Terraform: alarm {name} has {key} {value}, expected {want}")
        check(tf_attr(body, "alarm_actions") == "[aws_sns_topic.alarms.arn]"
              and tf_attr(body, "ok_actions") == "[aws_sns_topic.alarms.arn]",
              f"Terraform: alarm {name} does not notify (and clear on) the alarm topic aws_sns_topic.alarms")


def review_region_loss(root):
    template, _ = decode(str(root / "infrastructure/cloudformation/api-stack.yaml"))
    res = template["Resources"]
    records = resources(template, "AWS::Route53::RecordSet")
    check(len(records) == 1, f"{len(records)} Route 53 records, expected the failover one")
    for name, record in records.items():
        props = record["Properties"]
        check(props.get("Failover") == {"Ref": "DnsFailoverRole"} and props.get("SetIdentifier"),
              f"CloudFormation record {name} is no failover record with a set identifier: a second region's "
              "stack cannot create the same name")
        check_id = props.get("HealthCheckId", {}).get("Ref")
        check_props = res.get(check_id, {}).get("Properties", {}).get("HealthCheckConfig", {})
        check(check_props.get("ResourcePath") == "/readyz",
              f"CloudFormation record {name} has no health check on /readyz")
    check(set(template["Parameters"].get("DnsFailoverRole", {}).get("AllowedValues", [])) == {"PRIMARY", "SECONDARY"},
          "CloudFormation: no DnsFailoverRole parameter (PRIMARY / SECONDARY)")
    bucket = next(iter(resources(template, "AWS::S3::Bucket").values()))["Properties"]
    check("ReplicaBucketArn" in repr(bucket.get("ReplicationConfiguration")),
          "CloudFormation: no S3 replication to the disaster-recovery region (ReplicaBucketArn)")
    plans = resources(template, "AWS::Backup::BackupPlan")
    check(any("DrBackupVaultArn" in repr(p["Properties"]) and "CopyActions" in repr(p["Properties"]) for p in plans.values()),
          "CloudFormation: no cross-region copy of the database's backups (DrBackupVaultArn)")

    folder = root / "infrastructure/terraform"
    text = "\n".join(f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.tf")))
    record = tf_blocks(text, "aws_route53_record").get("api", "")
    check("failover_routing_policy" in record and "var.dns_failover_role" in record
          and tf_attr(record, "set_identifier") and tf_attr(record, "health_check_id"),
          "Terraform: the DNS record is no failover record with a set identifier and health check")
    health = tf_blocks(text, "aws_route53_health_check")
    check(any(tf_attr(b, "resource_path") == '"/readyz"' for b in health.values()),
          "Terraform: no Route 53 health check on /readyz")
    replication = tf_blocks(text, "aws_s3_bucket_replication_configuration")
    check(any("var.replica_bucket_arn" in b for b in replication.values()),
          "Terraform: no S3 replication to the disaster-recovery region (replica_bucket_arn)")
    check(any("var.dr_backup_vault_arn" in b and "copy_action" in b for b in tf_blocks(text, "aws_backup_plan").values()),
          "Terraform: no cross-region copy of the database's backups (dr_backup_vault_arn)")


def main():
    root = pathlib.Path(sys.argv[1]).resolve()
    review_cloudformation(root / "infrastructure/cloudformation/api-stack.yaml")
    review_terraform(root)
    review_kubernetes(root)
    review_mounts(root)
    review_eks(root)
    review_database_login(root)
    review_database_tls(root)
    review_region_loss(root)
    review_direct_uploads(root)
    review_dead_letter_alarm(root)
    review_service_url(root)
    review_supply_chain(root)
    for message in failures:
        print(f"aws-review: FAIL: {message}", file=sys.stderr)
    if not failures:
        print("aws-review: CloudFormation, Terraform and Kubernetes hold the real-account rules")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
