#!/usr/bin/env python3
"""Creates infrastructure/cloudformation/api-stack.yaml in a running moto_server and checks
that it reaches CREATE_COMPLETE, then reads back what the stack made.

The only parameter that differs from a real deployment is EmulatorMode=true, which leaves
out the resource types the emulator lacks (Aurora, Application Auto Scaling). ApiKeyDigests is
an entry as docs/security.md makes one, for a throwaway key generated here and never used.
Usage: cfn-emulator.py ENDPOINT_URL TEMPLATE
"""
import datetime
import hashlib
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


def main():
    endpoint, template_path = sys.argv[1], sys.argv[2]
    with open(template_path, encoding="utf-8") as f:
        template = f.read()

    cert_pem, key_pem = self_signed_certificate()
    cert_arn = client("acm", endpoint).import_certificate(
        Certificate=cert_pem, PrivateKey=key_pem)["CertificateArn"]

    cfn = client("cloudformation", endpoint)
    cfn.create_stack(
        StackName=STACK, TemplateBody=template, Capabilities=["CAPABILITY_IAM"],
        Parameters=[
            {"ParameterKey": "Environment", "ParameterValue": "staging"},
            {"ParameterKey": "ContainerImage", "ParameterValue": IMAGE},
            {"ParameterKey": "CertificateArn", "ParameterValue": cert_arn},
            {"ParameterKey": "DomainName", "ParameterValue": "api.example.invalid"},
            {"ParameterKey": "ApiKeyDigests", "ParameterValue": throwaway_api_key_digests()},
            {"ParameterKey": "EmulatorMode", "ParameterValue": "true"},
        ])
    deadline = time.monotonic() + 120
    while True:
        stack = cfn.describe_stacks(StackName=STACK)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        if time.monotonic() > deadline:
            fail(f"still {stack['StackStatus']} after 120 s")
        time.sleep(1)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        for event in cfn.describe_stack_events(StackName=STACK)["StackEvents"]:
            if "FAILED" in event["ResourceStatus"]:
                print(event["LogicalResourceId"], event.get("ResourceStatusReason"),
                      file=sys.stderr)
        fail(f"stack status {stack['StackStatus']}")
    resources = cfn.describe_stack_resources(StackName=STACK)["StackResources"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    print(f"cfn-emulator: CREATE_COMPLETE with {len(resources)} resources, "
          f"{len(outputs)} outputs")
    check_created(endpoint, outputs)
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
    for env in task.get("environment", []):
        # A *_ARN names a secret the service reads with its role; it is not one.
        if any(word in env["name"] for word in ("PASSWORD", "SECRET", "KEY")) and not env["name"].endswith("_ARN"):
            fail(f"secret-looking environment value {env['name']}")
        if "@" in str(env.get("value", "")) and env["name"] == "DATABASE_URL":
            fail("DATABASE_URL carries credentials")
    env_names = {e["name"] for e in task.get("environment", [])}
    secret_names = {s["name"] for s in task.get("secrets", [])}
    if "API_KEYS" not in secret_names or "DATABASE_SECRET_ARN" not in env_names or "PGPASSWORD" in secret_names:
        fail(f"task secrets are {sorted(secret_names)}: API_KEYS injected, the database login read by the service "
             "(DATABASE_SECRET_ARN)")

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


if __name__ == "__main__":
    main()
