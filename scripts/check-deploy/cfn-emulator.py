#!/usr/bin/env python3
"""Creates infrastructure/cloudformation/api-stack.yaml in a running moto_server and checks
that it reaches CREATE_COMPLETE, then reads back what the stack made.

The only parameter that differs from a real deployment is EmulatorMode=true, which leaves
out the resource types the emulator lacks (Aurora, Application Auto Scaling). ApiKeyDigests is
an entry as docs/security.md makes one, for a throwaway key generated here and never used.
Then a second stack (the production environment, so no name collides) turns on the optional
DirectUploadEvents and reads back its queue, dead-letter queue, rule and task role statement.
Usage: cfn-emulator.py ENDPOINT_URL TEMPLATE
"""
import ast
import datetime
import hashlib
import json
import re
import secrets
import sys
import time

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REGION = "us-east-1"
STACK = f"migration-api-check-{int(time.time())}"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/migration-api@sha256:" + "a" * 64


def client(name, endpoint):
    # The emulator accepts any credentials; these are not secrets.
    return boto3.client(name, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="emulator", aws_secret_access_key="emulator")


def self_signed_certificate():
    """A throwaway certificate imported into the emulator's ACM for the HTTPS listener."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "api.example.invalid")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def throwaway_api_key_digests():
    """ApiKeyDigests as an operator passes it: name:sha256hex of a random 256-bit key (the key
    itself is dropped; the emulator never runs the service)."""
    key = secrets.token_hex(32)
    return f"check:{hashlib.sha256(key.encode()).hexdigest()}"


def fail(message):
    print(f"cfn-emulator: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def create(cfn, name, template, parameters):
    """Creates the stack and waits for it; fails unless CREATE_COMPLETE. Returns its outputs."""
    cfn.create_stack(StackName=name, TemplateBody=template, Capabilities=["CAPABILITY_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    deadline = time.monotonic() + 120
    while True:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            fail(f"{name}: still {stack['StackStatus']} after 120 s")
        time.sleep(1)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        for event in cfn.describe_stack_events(StackName=name)["StackEvents"]:
            if "FAILED" in event["ResourceStatus"]:
                print(event["LogicalResourceId"], event.get("ResourceStatusReason"),
                      file=sys.stderr)
        fail(f"{name}: stack status {stack['StackStatus']}")
    resources = cfn.describe_stack_resources(StackName=name)["StackResources"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    print(f"cfn-emulator: {name}: CREATE_COMPLETE with {len(resources)} resources, "
          f"{len(outputs)} outputs")
    return outputs


def main():
    endpoint, template_path = sys.argv[1], sys.argv[2]
    with open(template_path, encoding="utf-8") as f:
        template = f.read()

    cert_pem, key_pem = self_signed_certificate()
    cert_arn = client("acm", endpoint).import_certificate(
        Certificate=cert_pem, PrivateKey=key_pem)["CertificateArn"]

    cfn = client("cloudformation", endpoint)
    parameters = {"Environment": "staging", "ContainerImage": IMAGE, "CertificateArn": cert_arn,
                  "DomainName": "api.example.invalid", "ApiKeyDigests": throwaway_api_key_digests(),
                  "EmulatorMode": "true"}
    outputs = create(cfn, STACK, template, parameters)
    if "UploadEventsQueueUrl" in outputs:
        fail("the upload events queue exists while DirectUploadEvents is off")
    check_created(endpoint, outputs)

    # In emulator mode the Aurora log group has one fixed name for every stack; the emulator
    # cannot delete the first stack (its VPC "has dependencies"), so only that group goes.
    client("logs", endpoint).delete_log_group(logGroupName="/aws/rds/cluster/emulator/postgresql")
    events_stack = STACK + "-upload-events"
    outputs = create(cfn, events_stack, template,
                     {**parameters, "Environment": "production", "DirectUploadEvents": "true"})
    check_upload_events(endpoint, cfn, events_stack, outputs)
    report_unmodelled(template)


def report_unmodelled(template):
    """Names the resource types the emulator accepted without modelling them, so a reader
    knows which parts CREATE_COMPLETE does not exercise (cfn-lint and cfn-policy.py do)."""
    try:
        from moto.cloudformation.parsing import get_model_map
    except ImportError:
        return
    types = set(re.findall(r"^    Type: (AWS::\S+)", template, re.MULTILINE))
    missing = sorted(t for t in types if t not in get_model_map())
    print("cfn-emulator: accepted but not modelled by the emulator: " + ", ".join(missing))


def check_created(endpoint, outputs):
    """Reads back the properties the issue asks for from the emulator's services."""
    # ApiKeysSecretArn is absent here: the emulator does not model AWS::SecretsManager::Secret.
    for key in ("LoadBalancerDnsName", "ServiceUrl", "ClusterName", "ServiceName",
                "TaskDefinitionArn", "BucketName", "AlarmTopicArn", "LogGroupName", "KmsKeyArn"):
        if not outputs.get(key):
            fail(f"output {key} missing")

    s3 = client("s3", endpoint)
    bucket = outputs["BucketName"]
    rule = s3.get_bucket_encryption(Bucket=bucket)[
        "ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
    if rule["SSEAlgorithm"] != "aws:kms" or outputs["KmsKeyArn"] not in (
            rule.get("KMSMasterKeyID"), rule.get("KMSMasterKeyID", "").split("/")[-1]):
        fail(f"bucket encryption is {rule}, not the stack's KMS key")
    # Versioning, lifecycle and the bucket policy are not modelled by the emulator's
    # CloudFormation support; cfn-policy.py asserts them on the template instead.

    ecs = client("ecs", endpoint)
    service = ecs.describe_services(cluster=outputs["ClusterName"],
                                    services=[outputs["ServiceName"]])["services"][0]
    task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"]["containerDefinitions"][0]
    for env in task_environment(task):
        # A *_ARN names a secret the service reads with its role; it is not one.
        if any(word in env["name"] for word in ("PASSWORD", "SECRET", "KEY")) and not env["name"].endswith("_ARN"):
            fail(f"secret-looking environment value {env['name']}")
        if "@" in str(env.get("value", "")) and env["name"] == "DATABASE_URL":
            fail("DATABASE_URL carries credentials")
    env_names = {e["name"] for e in task_environment(task)}
    secret_names = {s["name"] for s in task.get("secrets", [])}
    if "API_KEYS" not in secret_names or "DATABASE_SECRET_ARN" not in env_names or "PGPASSWORD" in secret_names:
        fail(f"task secrets are {sorted(secret_names)}: API_KEYS injected, the database login read by the service "
             "(DATABASE_SECRET_ARN)")
    if "UPLOAD_EVENTS_QUEUE_URL" in env_names:
        fail("the task gets UPLOAD_EVENTS_QUEUE_URL while DirectUploadEvents is off")

    elb = client("elbv2", endpoint)
    lb = elb.describe_load_balancers()["LoadBalancers"][0]
    listeners = {l["Port"]: l for l in
                 elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]}
    if listeners.get(80, {}).get("DefaultActions", [{}])[0].get("Type") != "redirect":
        fail("port 80 does not redirect")
    if listeners.get(443, {}).get("Protocol") != "HTTPS":
        fail("no HTTPS listener on 443")
    group = elb.describe_target_groups(LoadBalancerArn=lb["LoadBalancerArn"])["TargetGroups"][0]
    if group.get("HealthCheckPath") != "/healthz":
        fail(f"target group health check path {group.get('HealthCheckPath')}")
    print("cfn-emulator: bucket under the stack KMS key, task secrets, HTTPS + redirect, "
          "/healthz target health check: ok")


def task_environment(container):
    """A container definition's environment as the emulator returns it. An entry that is
    `!If [Condition, ..., !Ref AWS::NoValue]` with its condition false stays in the emulator's
    list as null (CloudFormation drops it): left out here."""
    return [e for e in container.get("environment", []) if e is not None]


def policy_document(document):
    """A role policy as the emulator returns it: decoded, or as text (JSON, or for a policy that
    CloudFormation made, the repr of a Python dict), where AWS's API returns it decoded."""
    if not isinstance(document, str):
        return document
    try:
        return json.loads(document)
    except ValueError:
        return ast.literal_eval(document)


def check_upload_events(endpoint, cfn, stack, outputs):
    """DirectUploadEvents=true: the queue with its dead-letter queue, the rule on the bucket's
    uploads/ folder aimed at it, the task given its URL (UPLOAD_EVENTS_QUEUE_URL) and the task
    role allowed to consume exactly that queue. (The emulator models neither the bucket's
    EventBridge switch nor its CORS rule nor the queue policy: aws-review.py asserts those on the
    template.)"""
    sqs = client("sqs", endpoint)
    attributes = sqs.get_queue_attributes(QueueUrl=outputs.get("UploadEventsQueueUrl", "missing"),
                                          AttributeNames=["All"])["Attributes"]
    dead_letter = sqs.get_queue_attributes(QueueUrl=outputs.get("UploadEventsDeadLetterQueueUrl", "missing"),
                                           AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.loads(attributes.get("RedrivePolicy", "{}"))
    if redrive.get("deadLetterTargetArn") != dead_letter or attributes.get("SqsManagedSseEnabled") != "true":
        fail(f"upload events queue: redrive {redrive}, encryption {attributes.get('SqsManagedSseEnabled')}")
    events = client("events", endpoint)
    # (The emulator lists some resources of the stack without their logical ids.)
    physical = {r.get("LogicalResourceId"): r.get("PhysicalResourceId")
                for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]}
    rule_name = physical.get("UploadEventsRule", "missing")
    rule = events.describe_rule(Name=rule_name)
    pattern = json.loads(rule["EventPattern"])
    if (pattern["detail"]["bucket"]["name"] != [outputs["BucketName"]]
            or pattern["detail"]["object"]["key"] != [{"prefix": "migration-api/uploads/"}]):
        fail(f"upload events rule pattern {pattern}")
    targets = [t["Arn"] for t in events.list_targets_by_rule(Rule=rule_name)["Targets"]]
    if targets != [attributes["QueueArn"]]:
        fail(f"upload events rule targets {targets}")
    ecs = client("ecs", endpoint)
    service = ecs.describe_services(cluster=outputs["ClusterName"], services=[outputs["ServiceName"]])["services"][0]
    container = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"]["containerDefinitions"][0]
    passed = [e.get("value") for e in task_environment(container) if e["name"] == "UPLOAD_EVENTS_QUEUE_URL"]
    if passed != [outputs["UploadEventsQueueUrl"]]:
        fail(f"the task's UPLOAD_EVENTS_QUEUE_URL is {passed}, not the queue's URL {outputs['UploadEventsQueueUrl']}")
    iam = client("iam", endpoint)
    role = next((r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(f"{stack}-TaskRole")),
                "missing")
    documents = [iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
                 for name in iam.list_role_policies(RoleName=role)["PolicyNames"]]
    granted = [st for document in documents for st in policy_document(document)["Statement"]
               if any(a.startswith("sqs:") for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"]))]
    if [(st["Action"], st["Resource"]) for st in granted] != [
            (["sqs:ReceiveMessage", "sqs:DeleteMessage"], attributes["QueueArn"])]:
        fail(f"task role SQS statements {granted}")
    print("cfn-emulator: DirectUploadEvents: queue with dead-letter queue, rule on migration-api/uploads/ "
          "to it, its URL in the task's UPLOAD_EVENTS_QUEUE_URL, task role consumes exactly it: ok")


if __name__ == "__main__":
    main()
