#!/usr/bin/env python3
"""Asserts the architecture of infrastructure/cloudformation/api-stack.yaml on the template
itself: the properties the local emulator accepts without modelling (Aurora, autoscaling,
bucket policy and lifecycle, alarms) and the known flaws of the strategy's sample template
that ours must not repeat. Prints one line per failed rule; exits 1 if any failed.

Usage: cfn-policy.py TEMPLATE
"""
import pathlib
import re
import sys

from cfnlint.decode import decode

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def resources_of(template, type_name):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == type_name}


def one(template, type_name):
    found = resources_of(template, type_name)
    check(len(found) >= 1, f"no {type_name}")
    return next(iter(found.values()), {"Properties": {}})


def is_ref(value, name):
    return isinstance(value, dict) and value.get("Ref") == name


def getatt_name(value):
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return target[0] if isinstance(target, list) else str(target).split(".")[0]
    return None


def mentions(value, needle):
    return needle in repr(value)


def statements(document):
    """A policy's statements, each branch of a conditional one (Fn::If) included."""
    for statement in document["Statement"]:
        if isinstance(statement, dict) and set(statement) == {"Fn::If"}:
            for branch in statement["Fn::If"][1:]:
                if branch != {"Ref": "AWS::NoValue"}:
                    yield branch
        else:
            yield statement


def environment(container):
    """A container's Environment entries, each branch of a conditional one (Fn::If) included."""
    for entry in container.get("Environment", []):
        if isinstance(entry, dict) and set(entry) == {"Fn::If"}:
            for branch in entry["Fn::If"][1:]:
                if branch != {"Ref": "AWS::NoValue"}:
                    yield branch
        else:
            yield entry


def main():
    template, matches = decode(sys.argv[1])
    if template is None:
        print(f"cfn-policy: cannot parse {sys.argv[1]}: {matches}", file=sys.stderr)
        return 1
    params = template.get("Parameters", {})
    res = template["Resources"]

    # ---- parameters: environment, immutable image, certificate, counts; no password parameter
    for name in ("Environment", "ContainerImage", "CertificateArn", "MinTasks", "EmulatorMode"):
        check(name in params, f"parameter {name} missing")
    check(not any("password" in p.lower() for p in params), "a password is a parameter")
    pattern = re.compile(params["ContainerImage"]["AllowedPattern"])
    repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/migration-api"
    check(pattern.fullmatch(f"{repo}@sha256:{'a' * 64}"), "image by digest refused")
    check(pattern.fullmatch(f"{repo}:{'0123abc' * 5}89abc"), "image by commit SHA refused")
    for mutable in ("latest", "main", "stable"):
        check(not pattern.fullmatch(f"{repo}:{mutable}"), f"mutable tag :{mutable} accepted")

    # ---- the emulator condition: only resource types the emulator lacks sit behind it
    check(template["Conditions"].get("RealAws") == {"Fn::Equals": [{"Ref": "EmulatorMode"}, "false"]},
          "RealAws is not EmulatorMode == false")
    allowed = {"AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::RDS::DBClusterParameterGroup",
               "AWS::ApplicationAutoScaling::ScalableTarget",
               "AWS::ApplicationAutoScaling::ScalingPolicy"}
    behind = {r["Type"] for r in res.values() if r.get("Condition") == "RealAws"}
    check(behind == allowed, f"RealAws guards {sorted(behind)}, expected {sorted(allowed)}")
    emulator_refs = repr({k: v for k, v in template.items() if k != "Conditions"}).count(
        "'EmulatorMode'")
    check(emulator_refs == 1, "EmulatorMode is used outside the RealAws condition")  # its definition

    # ---- network: two AZs, a NAT gateway per AZ, tasks and database in private subnets
    nats = resources_of(template, "AWS::EC2::NatGateway")
    check(len(nats) == 2, f"{len(nats)} NAT gateways, expected one per AZ")
    check(len({repr(n["Properties"]["SubnetId"]) for n in nats.values()}) == 2,
          "NAT gateways share a subnet")
    azs = {repr(s["Properties"]["AvailabilityZone"])
           for s in resources_of(template, "AWS::EC2::Subnet").values()}
    check(len(azs) == 2, "subnets do not span two AZs")

    # ---- load balancer: HTTPS with the certificate, HTTP only redirects, /healthz checks
    listeners = resources_of(template, "AWS::ElasticLoadBalancingV2::Listener").values()
    by_port = {l["Properties"]["Port"]: l["Properties"] for l in listeners}
    check(by_port.get(80, {}).get("DefaultActions", [{}])[0].get("Type") == "redirect",
          "port 80 does not redirect")
    https = by_port.get(443, {})
    check(https.get("Protocol") == "HTTPS", "no HTTPS listener on 443")
    check(is_ref(https.get("Certificates", [{}])[0].get("CertificateArn"), "CertificateArn"),
          "HTTPS listener does not use the CertificateArn parameter")
    group = one(template, "AWS::ElasticLoadBalancingV2::TargetGroup")["Properties"]
    check(group.get("HealthCheckPath") == "/healthz", "target group health check is not /healthz")
    check(group.get("TargetType") == "ip" and group.get("Port") == 8000, "target group not ip:8000")
    check(any(r["Type"] == "AWS::Route53::RecordSet" for r in res.values()), "no Route 53 record")

    # ---- ECS: Fargate in private subnets, circuit breaker with rollback, Container Insights
    cluster = one(template, "AWS::ECS::Cluster")["Properties"]
    check({"Name": "containerInsights", "Value": "enabled"} in cluster.get("ClusterSettings", []),
          "Container Insights off")
    service = one(template, "AWS::ECS::Service")["Properties"]
    check(service.get("LaunchType") == "FARGATE", "service is not Fargate")
    breaker = service.get("DeploymentConfiguration", {}).get("DeploymentCircuitBreaker", {})
    check(breaker.get("Enable") is True and breaker.get("Rollback") is True,
          "no deployment circuit breaker with rollback")
    vpc_conf = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    check(vpc_conf.get("AssignPublicIp") == "DISABLED", "tasks get public IPs")
    check(not mentions(vpc_conf["Subnets"], "Public"), "tasks in public subnets")
    check(params["MinTasks"].get("MinValue", 0) >= 2, "MinTasks may go below 2")

    task = one(template, "AWS::ECS::TaskDefinition")["Properties"]
    container = task["ContainerDefinitions"][0]
    check(is_ref(container["Image"], "ContainerImage"), "image is not the ContainerImage parameter")
    check(container.get("ReadonlyRootFilesystem") is True, "root filesystem writable")
    check(container.get("User") == "10001:10001", "container not run as 10001")
    check(mentions(container.get("HealthCheck"), "/healthz"), "container health check not /healthz")
    check(container.get("HealthCheck", {}).get("Command", [""])[0] == "CMD",
          "container health check needs a shell (CMD-SHELL); the image has none")
    for env in environment(container):
        name, value = env["Name"], repr(env["Value"])
        # A *_ARN names a secret (the service reads it with its role); it is not one.
        check(not re.search(r"PASSWORD|SECRET|API_KEY", name) or name.endswith("_ARN"),
              f"secret {name} as plain environment")
        check(not re.search(r"://[^/'\"]*:[^/'\"]*@", value), f"{name} carries credentials")
    secrets = {s["Name"]: s["ValueFrom"] for s in container.get("Secrets", [])}
    check({"API_KEYS"} <= set(secrets), f"task secrets are {sorted(secrets)}")
    # The database login is read by the service (DATABASE_SECRET_ARN), re-read after a rotation:
    # injected at task start (PGPASSWORD from the secret) it goes stale at Aurora's first rotation.
    check(not {"PGUSER", "PGPASSWORD"} & set(secrets),
          "PGUSER/PGPASSWORD injected at task start: stale after the secret's first rotation")
    env_values = {e["Name"]: e["Value"] for e in environment(container)}
    # The service logs in as its own role, never as the master user; the master login only
    # creates or repairs that role.
    login_secret = env_values.get("DATABASE_SECRET_ARN")
    check(isinstance(login_secret, dict) and res.get(login_secret.get("Ref"), {}).get("Type")
          == "AWS::SecretsManager::Secret" and not mentions(login_secret, "MasterUserSecret"),
          "DATABASE_SECRET_ARN is not the service's own login secret")
    check(mentions(env_values.get("DATABASE_ADMIN_SECRET_ARN"), "MasterUserSecret"),
          "DATABASE_ADMIN_SECRET_ARN is not the Aurora-managed master secret")

    # ---- API keys: the secret holds name:sha256hex[:read] digests the operator supplies (the
    # service refuses to start on anything else), never a key generated into it
    check("ApiKeyDigests" in params, "parameter ApiKeyDigests missing")
    api_keys_ref = secrets.get("API_KEYS")
    api_keys_secret = api_keys_ref.get("Ref") if isinstance(api_keys_ref, dict) else None
    check(api_keys_secret in res and res[api_keys_secret]["Type"] == "AWS::SecretsManager::Secret",
          "API_KEYS is not a Secrets Manager secret of the stack")
    key_props = res.get(api_keys_secret, {}).get("Properties", {})
    check("GenerateSecretString" not in key_props,
          "the API keys secret generates a raw key: the service accepts only name:sha256hex digests")
    check(is_ref(key_props.get("SecretString"), "ApiKeyDigests"),
          "the API keys secret is not the ApiKeyDigests parameter")
    if "ApiKeyDigests" in params:
        digests = re.compile(params["ApiKeyDigests"].get("AllowedPattern", ".*"))
        check("Default" not in params["ApiKeyDigests"], "ApiKeyDigests has a default")
        for good in (f"ops:{'0a' * 32}", f"ops:{'0A' * 32}:read,reporting:{'f' * 64}:readwrite"):
            check(digests.fullmatch(good), f"ApiKeyDigests refuses {good!r}")
        for bad in ("", "a" * 48, "0" * 64, f":{'a' * 64}", f"ops:{'a' * 63}", f"ops:{'g' * 64}",
                    f"ops:{'a' * 64}:admin", f"ops:{'a' * 64},", f"ops:{'a' * 64}, b:{'a' * 64}"):
            check(not digests.fullmatch(bad), f"ApiKeyDigests accepts {bad!r}")
        # The Terraform flavour takes the same entries (api_key_digests) and generates nothing.
        terraform = pathlib.Path(sys.argv[1]).resolve().parents[1] / "terraform"
        if terraform.is_dir():
            tf = "\n".join(f.read_text(encoding="utf-8") for f in sorted(terraform.glob("*.tf")))
            check(f'regex("{digests.pattern}", var.api_key_digests)' in tf,
                  "Terraform's api_key_digests validation differs from ApiKeyDigests' AllowedPattern")
            check(re.search(r"\bsecret_string\s*=\s*var\.api_key_digests\b", tf),
                  "Terraform's API keys secret is not var.api_key_digests")
            # (The database login's password is generated, as an ephemeral write-only value that
            # never reaches the state: ephemeral "aws_secretsmanager_random_password".)
            check(not re.search(r'resource\s+"random_password"', tf), "Terraform generates a raw key into a secret")

    # ---- autoscaling: 2..10 on CPU and on requests per target
    target = one(template, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    check(is_ref(target.get("MinCapacity"), "MinTasks") and params["MinTasks"]["Default"] == 2,
          "min capacity is not 2")
    check(is_ref(target.get("MaxCapacity"), "MaxTasks") and params["MaxTasks"]["Default"] == 10,
          "max capacity is not 10")
    metrics = {p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
               ["PredefinedMetricSpecification"]["PredefinedMetricType"]
               for p in resources_of(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()}
    check(metrics == {"ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget"},
          f"scaling metrics are {sorted(metrics)}")

    # ---- Aurora PostgreSQL: encrypted, 35-day backups, protected, IAM auth, managed password
    db = one(template, "AWS::RDS::DBCluster")["Properties"]
    check(db.get("Engine") == "aurora-postgresql", "database is not Aurora PostgreSQL")
    for key, want in (("StorageEncrypted", True), ("BackupRetentionPeriod", 35),
                      ("DeletionProtection", True), ("EnableIAMDatabaseAuthentication", True),
                      ("ManageMasterUserPassword", True)):
        check(db.get(key) == want, f"DBCluster {key} is {db.get(key)!r}, expected {want!r}")
    check("MasterUserPassword" not in db, "master password in the template")
    instances = resources_of(template, "AWS::RDS::DBInstance").values()
    check(len({repr(i["Properties"].get("AvailabilityZone")) for i in instances}) == 2,
          "Aurora instances not in two AZs")
    check(all(i["Properties"].get("PubliclyAccessible") is False for i in instances),
          "a database instance is public")

    # ---- S3: versioned, under the stack's KMS key, private, TLS only, Glacier after 90 days
    bucket_name, bucket = next(iter(resources_of(template, "AWS::S3::Bucket").items()))
    props = bucket["Properties"]
    check(props.get("VersioningConfiguration", {}).get("Status") == "Enabled", "bucket unversioned")
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"]
    check(sse.get("SSEAlgorithm") == "aws:kms" and getatt_name(sse.get("KMSMasterKeyID")) in res
          and res[getatt_name(sse["KMSMasterKeyID"])]["Type"] == "AWS::KMS::Key",
          "bucket not encrypted under the stack's own KMS key")
    block = props.get("PublicAccessBlockConfiguration", {})
    check(all(block.get(k) is True for k in ("BlockPublicAcls", "BlockPublicPolicy",
                                             "IgnorePublicAcls", "RestrictPublicBuckets")),
          "public access not fully blocked")
    transitions = [t for rule in props.get("LifecycleConfiguration", {}).get("Rules", [])
                   for t in rule.get("Transitions", [])]
    check({"StorageClass": "GLACIER", "TransitionInDays": 90} in transitions,
          "no transition to Glacier after 90 days")
    policies = [p["Properties"] for p in resources_of(template, "AWS::S3::BucketPolicy").values()
                if is_ref(p["Properties"]["Bucket"], bucket_name)]
    check(any(s.get("Effect") == "Deny" and mentions(s.get("Condition"), "aws:SecureTransport")
              for p in policies for s in p["PolicyDocument"]["Statement"]),
          "bucket policy does not deny plain HTTP")

    # ---- IAM least privilege: the task role touches only its bucket prefix and key
    task_role = res[getatt_name(task["TaskRoleArn"])]["Properties"]
    for policy in task_role.get("Policies", []):
        for statement in statements(policy["PolicyDocument"]):
            check(statement.get("Resource") != "*", f"task role statement {statement.get('Sid')} on *")
            check(not any(a.endswith("*") for a in
                          ([statement["Action"]] if isinstance(statement["Action"], str)
                           else statement["Action"])),
                  f"task role statement {statement.get('Sid')} has wildcard actions")
    execution = res[getatt_name(task["ExecutionRoleArn"])]["Properties"]
    for policy in execution.get("Policies", []):
        for statement in statements(policy["PolicyDocument"]):
            if mentions(statement["Action"], "secretsmanager"):
                check(statement.get("Resource") != "*", "execution role reads every secret")

    # ---- observability: 30-day logs, the four alarms to the topic, a dashboard
    logs = one(template, "AWS::Logs::LogGroup")["Properties"]
    check(logs.get("RetentionInDays") == 30, "log retention is not 30 days")
    alarms = [a["Properties"] for a in resources_of(template, "AWS::CloudWatch::Alarm").values()]
    by_metric = {a["MetricName"]: a for a in alarms}
    check(by_metric.get("CPUUtilization", {}).get("Threshold") == 80, "no CPU > 80 % alarm")
    five = by_metric.get("HTTPCode_Target_5XX_Count", {})
    check(five.get("Threshold") == 10 and five.get("Period") == 60, "no 5xx > 10/min alarm")
    check(by_metric.get("TargetResponseTime", {}).get("ExtendedStatistic") == "p99",
          "no p99 latency alarm")
    check("UnHealthyHostCount" in by_metric, "no unhealthy hosts alarm")
    topic = next(iter(resources_of(template, "AWS::SNS::Topic")), None)
    check(all(any(is_ref(x, topic) for x in a.get("AlarmActions", [])) for a in alarms),
          "an alarm does not notify the SNS topic")
    check(bool(resources_of(template, "AWS::CloudWatch::Dashboard")), "no dashboard")
    check(bool(resources_of(template, "AWS::SecretsManager::Secret")), "no API keys secret")

    outputs = template.get("Outputs", {})
    for name in ("LoadBalancerDnsName", "ClusterName", "ServiceName", "BucketName", "DbEndpoint",
                 "DbSecretArn", "ApiKeysSecretArn"):
        check(name in outputs, f"output {name} missing")

    for message in failures:
        print(f"cfn-policy: FAIL: {message}", file=sys.stderr)
    if not failures:
        print("cfn-policy: architecture and security rules hold on the template")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
