#!/usr/bin/env bash
# Starts the real servers the tests need on loopback, runs a command with their addresses in the
# environment, and stops them after, whatever the command's outcome.
#
#   scripts/test-servers.sh run -- COMMAND...   start, run COMMAND, stop; exits with COMMAND's status
#
# PostgreSQL 15: a throwaway cluster in a temporary directory on a free port, fsync off (test data
# is disposable). Exported: TEST_POSTGRES_URL=postgresql://migration@127.0.0.1:PORT/migration_test,
# TEST_POSTGRES_ADMIN_URL, TEST_POSTGRES_DATA_DIR and TEST_POSTGRES_BIN_DIR.
#
# S3: moto_server (from the machine image; see below for the fixes applied to it) on a free
# loopback port with signature checking on:
# INITIAL_NO_AUTH_ACTION_COUNT lets only the first calls through unsigned, which create an IAM
# user with an allow-all policy and its access key (`aws` CLI; Debian's awscli if the machine has
# none, scripts/install-deps.sh); every later request must carry a valid SigV4 signature of that
# key. A test bucket is created with it. Exported: TEST_S3_ENDPOINT_URL, TEST_S3_BUCKET,
# TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY, TEST_S3_REGION.
#
# A server that cannot start fails the run: tests are never skipped for want of a server.
set -euo pipefail

pg_bin=/usr/lib/postgresql/15/bin
workdir=""
pg_port=""
moto_pid=""

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# initdb and postgres refuse to run as root: run them as the postgres user when we are root.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_postgres() {
  [[ -x "$pg_bin/postgres" ]] || { echo "test-servers: PostgreSQL 15 is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
  workdir=$(mktemp -d -t migration-test-XXXXXX)
  chmod 755 "$workdir"
  mkdir "$workdir/pg"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$workdir/pg"
  as_pg "$pg_bin/initdb" -D "$workdir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 \
    || { cat "$workdir/initdb.log" >&2; exit 1; }
  pg_port=$(free_port)
  as_pg "$pg_bin/pg_ctl" -D "$workdir/pg/data" -l "$workdir/pg/server.log" -w -t 60 start \
    -o "-p $pg_port -k $workdir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null \
    || { cat "$workdir/pg/server.log" >&2; exit 1; }
  "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
    -c "CREATE ROLE migration LOGIN SUPERUSER" -c "CREATE DATABASE migration_test OWNER migration" >/dev/null
  export TEST_POSTGRES_URL="postgresql://migration@127.0.0.1:$pg_port/migration_test"
  export TEST_POSTGRES_ADMIN_URL="postgresql://postgres@127.0.0.1:$pg_port/postgres"
  export TEST_POSTGRES_DATA_DIR="$workdir/pg/data"
  # The binaries, for tests that run a private cluster they can stop (tests/support/postgres_cluster.hpp).
  export TEST_POSTGRES_BIN_DIR="$pg_bin"
  echo "test-servers: PostgreSQL 15 on 127.0.0.1:$pg_port"
}

# The aws CLI with nothing from the user's own configuration: only what we pass.
aws_cli() {
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1 \
    aws --endpoint-url "$TEST_S3_ENDPOINT_URL" --output json "$@"
}

# moto 5.2.1 checks a signature against the path and query as its web framework decoded them
# ('%2B' back to '+', '%2F' to '/', '%3A' to ':', UTF-8 escapes to characters), so it refuses
# the canonical encoding S3 requires (key "a%2Bb", "prefix=dir%2F") and accepts encodings S3
# refuses ("prefix=dir/"), as measured with curl. S3 decodes the path and each query parameter
# and encodes them again the SigV4 way before it compares: this wrapper makes moto's check do the
# same (botocore's canonical path and query, patched in moto's process only). It also lets STS
# AssumeRoleWithWebIdentity through unsigned, as AWS does. Everything else is moto_server as
# shipped; the signature is still computed and compared on every other request.
#
# Presigned URLs (SigV4 in the query string): moto 5.2.1, like its main branch, has no check of
# its own for them. With IAM checks on, as here, every request without an Authorization header
# fails in its header parser (KeyError, a 500), valid URL or not; with them off, any URL would
# pass, expired or forged. The wrapper checks them the way S3 documents: the auth parameters
# present and AWS4-HMAC-SHA256, X-Amz-Expires within 1..604800 s (else 400
# AuthorizationQueryParametersError), X-Amz-Date + X-Amz-Expires not passed (else 403
# AccessDenied "Request has expired"), Host among the signed headers, then the signature
# recomputed by botocore's own S3 presigner (S3SigV4QueryAuth: canonical request with
# UNSIGNED-PAYLOAD, the query without X-Amz-Signature) with the secret moto holds for the access
# key, and moto's IAM policy check of the action, as for a header-signed request.
moto_with_s3_canonicalization='
import datetime
import sys
from urllib.parse import quote, unquote, urlparse
import botocore.auth
from botocore.awsrequest import AWSRequest

def canonical_query_string_url(self, parts):
    pairs = []
    for pair in parts.query.split("&") if parts.query else []:
        name, _, value = pair.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(name + "=" + value for name, value in sorted(pairs))

def s3_canonical_path(self, path):
    return quote(unquote(path), safe="/~")

botocore.auth.SigV4Auth._canonical_query_string_url = canonical_query_string_url
botocore.auth.S3SigV4Auth._normalize_url_path = s3_canonical_path
botocore.auth.S3SigV4QueryAuth._normalize_url_path = s3_canonical_path

from moto.iam.access_control import S3IAMRequest
from moto.s3.exceptions import S3ClientError

class PresignedS3Request(S3IAMRequest):
    """The S3 request check of moto, with credential, signed headers and signature from the query."""

    def __init__(self, query, headers, **kwargs):
        self._query = query
        self._request_headers = headers
        as_header = dict(headers)
        as_header["Authorization"] = ("AWS4-HMAC-SHA256 Credential=" + query["X-Amz-Credential"]
                                      + ", SignedHeaders=" + query["X-Amz-SignedHeaders"]
                                      + ", Signature=" + query["X-Amz-Signature"])
        if "X-Amz-Security-Token" in query:  # temporary credentials: moto matches the token
            as_header["X-Amz-Security-Token"] = query["X-Amz-Security-Token"]
        super().__init__(headers=as_header, **kwargs)

    def _calculate_signature(self):
        auth = botocore.auth.S3SigV4QueryAuth(self._access_key.create_credentials(), self._service,
                                              self._region, expires=int(self._query["X-Amz-Expires"]))
        path, _, query = self._path.partition("?")
        unsigned = "&".join(pair for pair in query.split("&") if unquote(pair.partition("=")[0]) != "X-Amz-Signature")
        signed = self._query["X-Amz-SignedHeaders"].lower().split(";")
        headers = {name: value for name, value in self._request_headers.items() if name.lower() in signed}
        request = AWSRequest(method=self._method, url=path + ("?" + unsigned if unsigned else ""), headers=headers)
        request.context["timestamp"] = self._query["X-Amz-Date"]
        return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)

class ExpiredRequest(S3ClientError):
    code = "AccessDenied"
    message = "Request has expired"

PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
                  "X-Amz-Signature")

def presigned_query(response):
    if "Authorization" in response.headers:
        return None
    query = {}
    for pair in urlparse(response.uri).query.split("&"):
        name, _, value = pair.partition("=")
        query[unquote(name)] = unquote(value)
    return query if "X-Amz-Signature" in query else None

def check_presigned(response, query, resource):
    def refuse(message):
        raise S3ClientError("AuthorizationQueryParametersError", message)
    if any(name not in query for name in PRESIGN_PARAMS) or query["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        refuse("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
               "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
    try:
        expires = int(query["X-Amz-Expires"])
        signed_at = datetime.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        refuse("X-Amz-Expires or X-Amz-Date is malformed")
    if not 1 <= expires <= 604800:
        refuse("X-Amz-Expires must be less than a week (in seconds) that is; 604800")
    if "host" not in query["X-Amz-SignedHeaders"].lower().split(";"):
        refuse("Host must be one of the signed headers")
    if datetime.datetime.now(datetime.timezone.utc) > signed_at + datetime.timedelta(seconds=expires):
        raise ExpiredRequest()
    parsed = urlparse(response.uri)
    request = PresignedS3Request(query, dict(response.headers), account_id=response.current_account,
                                 method=response.method, path=parsed.path + ("?" + parsed.query if parsed.query else ""),
                                 data=response.data, body=response.raw_body, action=response._get_action())
    request.check_signature()
    request.check_action_permitted(resource)

# AWS STS answers AssumeRoleWithWebIdentity unsigned (the web identity token is the credential);
# moto would ask it for a signature like every other call once the unsigned ones are used up.
from moto.core.authorization import ActionAuthenticatorMixin
checked_action = ActionAuthenticatorMixin._authenticate_and_authorize_action
def authenticate(self, iam_request_cls, resource="*"):
    if self._get_action() == "AssumeRoleWithWebIdentity":
        return None
    query = presigned_query(self) if iam_request_cls is S3IAMRequest else None
    if query is not None:
        return check_presigned(self, query, resource)
    return checked_action(self, iam_request_cls, resource)
ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate

# CORS as S3 applies it, from the CORS configuration of the bucket alone (the global CORS of
# moto_server, which allows every origin on every response, is off: MOTO_DISABLE_GLOBAL_CORS below).
# A preflight (OPTIONS) is answered unsigned, from the first rule that allows its Origin,
# Access-Control-Request-Method and every Access-Control-Request-Headers name, else 403; any other
# request with an Origin gets Access-Control-Allow-Origin and the exposed headers of the rule that
# allows its origin and method. moto 5.2.1 sends a preflight through the signature check (the
# preflight of a presigned URL carries the signature of the PUT it asks for, so it fails with
# SignatureDoesNotMatch), matches a preflight by origin only, and adds the headers to some object
# responses only (not to the answer of CompleteMultipartUpload).
from fnmatch import fnmatchcase
from moto.s3.responses import S3Response

def cors_rule(bucket, origin, method, asked=()):
    for rule in getattr(bucket, "cors", None) or []:
        allowed = [name.lower() for name in rule.allowed_headers or []]
        if (any(fnmatchcase(origin, pattern) for pattern in rule.allowed_origins or [])
                and method in (rule.allowed_methods or [])
                and all(any(fnmatchcase(name, pattern) for pattern in allowed) for name in asked)):
            return rule
    return None

CORS_REFUSED = ("<Error><Code>AccessForbidden</Code><Message>CORSResponse: This CORS request is not allowed. "
                "This is usually because the evalution of Origin, request method / Access-Control-Request-Method or "
                "Access-Control-Request-Headers are not whitelisted by the resource CORS spec.</Message></Error>")

def with_s3_cors(dispatch):
    def respond(self, request, full_url, headers):
        origin = request.headers.get("Origin")
        if request.method != "OPTIONS":
            status, out, body = dispatch(self, request, full_url, headers)
            if not origin:
                return status, out, body
        else:
            self.setup_class(request, full_url, headers)
        try:
            bucket = self.backend.get_bucket(self.parse_bucket_name_from_url(request, full_url))
        except S3ClientError:
            bucket = None
        if request.method == "OPTIONS":
            method = request.headers.get("Access-Control-Request-Method", "")
            asked = [name.strip().lower() for name in request.headers.get("Access-Control-Request-Headers", "").split(",")
                     if name.strip()]
            rule = cors_rule(bucket, origin, method, asked) if bucket is not None and origin else None
            if rule is None:
                return 403, {"Content-Type": "application/xml"}, CORS_REFUSED
            out = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": ", ".join(rule.allowed_methods),
                   "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"}
            if asked:
                out["Access-Control-Allow-Headers"] = ", ".join(asked)
            if rule.max_age_seconds is not None:
                out["Access-Control-Max-Age"] = str(rule.max_age_seconds)
            return 200, out, ""
        out = {name: value for name, value in out.items() if not name.lower().startswith("access-control-")}
        rule = cors_rule(bucket, origin, request.method) if bucket is not None else None
        if rule is not None:
            out["Access-Control-Allow-Origin"] = origin
            out["Access-Control-Allow-Methods"] = ", ".join(rule.allowed_methods)
            if rule.exposed_headers:
                out["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
            out["Vary"] = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
        return status, out, body
    return respond

S3Response.key_response = with_s3_cors(S3Response.key_response)
S3Response.bucket_response = with_s3_cors(S3Response.bucket_response)
from moto.server import main
sys.exit(main())
'

start_moto() {
  command -v moto_server >/dev/null || { echo "test-servers: moto_server is not installed (it comes with the machine image)" >&2; exit 1; }
  python3 -c 'import moto.server, botocore.auth' 2>/dev/null \
    || { echo "test-servers: python3 cannot import moto (the machine image's moto_server environment)" >&2; exit 1; }
  command -v aws >/dev/null || { echo "test-servers: the aws CLI is not installed (run scripts/install-deps.sh)" >&2; exit 1; }
  [[ -n "$workdir" ]] || workdir=$(mktemp -d -t migration-test-XXXXXX)
  local port
  port=$(free_port)
  # Three unsigned calls: create-user, put-user-policy, create-access-key. Everything after,
  # create-bucket included, is signed with the new key and checked.
  INITIAL_NO_AUTH_ACTION_COUNT=3 MOTO_DISABLE_GLOBAL_CORS=true python3 -c "$moto_with_s3_canonicalization" -H 127.0.0.1 -p "$port" \
    >"$workdir/moto.log" 2>&1 &
  moto_pid=$!
  export TEST_S3_ENDPOINT_URL="http://127.0.0.1:$port"
  local tries=0
  # /moto-api/ is moto's own dashboard: not an AWS action, so it does not use up an unsigned call.
  until curl -sf -o /dev/null "$TEST_S3_ENDPOINT_URL/moto-api/"; do
    if ! kill -0 "$moto_pid" 2>/dev/null || ((++tries > 300)); then
      cat "$workdir/moto.log" >&2
      echo "test-servers: moto_server did not start" >&2
      exit 1
    fi
    sleep 0.1
  done
  local key_json
  key_json=$(
    set -e
    export AWS_ACCESS_KEY_ID=bootstrap AWS_SECRET_ACCESS_KEY=bootstrap
    aws_cli iam create-user --user-name migration-test >/dev/null
    aws_cli iam put-user-policy --user-name migration-test --policy-name all \
      --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
    aws_cli iam create-access-key --user-name migration-test
  ) || { cat "$workdir/moto.log" >&2; echo "test-servers: could not create the moto IAM user" >&2; exit 1; }
  TEST_S3_ACCESS_KEY_ID=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["AccessKeyId"])' <<<"$key_json")
  TEST_S3_SECRET_ACCESS_KEY=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["SecretAccessKey"])' <<<"$key_json")
  export TEST_S3_ACCESS_KEY_ID TEST_S3_SECRET_ACCESS_KEY
  export TEST_S3_REGION=us-east-1
  export TEST_S3_BUCKET=migration-test
  AWS_ACCESS_KEY_ID=$TEST_S3_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$TEST_S3_SECRET_ACCESS_KEY \
    aws_cli s3api create-bucket --bucket "$TEST_S3_BUCKET" >/dev/null \
    || { cat "$workdir/moto.log" >&2; echo "test-servers: could not create the test bucket" >&2; exit 1; }
  # Signatures are really checked: a wrong secret must be refused.
  if AWS_ACCESS_KEY_ID=$TEST_S3_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=wrong-secret \
    aws_cli s3api list-objects-v2 --bucket "$TEST_S3_BUCKET" >/dev/null 2>&1; then
    echo "test-servers: moto_server accepted a wrong signature (signature checking is off)" >&2
    exit 1
  fi
  # And presigned URLs are checked (the wrapper above): of three URLs made by botocore's own
  # presigner for a missing key, the valid one must reach the bucket (404 NoSuchKey), one signed
  # with a wrong secret and one expired an hour ago must be refused (403).
  python3 - "$TEST_S3_ENDPOINT_URL" "$TEST_S3_BUCKET" "$TEST_S3_ACCESS_KEY_ID" "$TEST_S3_SECRET_ACCESS_KEY" <<'EOF' \
    || { cat "$workdir/moto.log" >&2; echo "test-servers: moto_server does not check presigned URLs as S3 does" >&2; exit 1; }
import datetime, sys, urllib.error, urllib.request
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
endpoint, bucket, key_id, secret = sys.argv[1:]
def status(secret, signed_at):
    botocore.auth.get_current_datetime = lambda *args, **kwargs: signed_at
    request = AWSRequest(method="GET", url=f"{endpoint}/{bucket}/presign-self-check")
    botocore.auth.S3SigV4QueryAuth(Credentials(key_id, secret), "s3", "us-east-1", expires=60).add_auth(request)
    try:
        return urllib.request.urlopen(request.url, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code
now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
got = (status(secret, now), status("wrong-secret", now), status(secret, now - datetime.timedelta(hours=1)))
if got != (404, 403, 403):
    sys.exit(f"presigned GET answered {got}: expected (404, 403, 403) for valid, wrong secret, expired")
EOF
  echo "test-servers: moto_server (S3, signatures checked) on $TEST_S3_ENDPOINT_URL"
}

stop_all() {
  if [[ -n "$moto_pid" ]]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  if [[ -n "$workdir" && -d "$workdir/pg/data" ]]; then
    as_pg "$pg_bin/pg_ctl" -D "$workdir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [[ -n "$workdir" ]] && rm -rf "$workdir"
}

case "${1:-}" in
  run)
    shift
    [[ "${1:-}" == "--" ]] && shift
    trap stop_all EXIT
    start_postgres
    start_moto
    "$@"
    ;;
  *)
    echo "usage: $0 run -- COMMAND..." >&2
    exit 2
    ;;
esac
