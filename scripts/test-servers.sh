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
# S3: moto_server (from the machine image; see below for the one fix applied to it) on a free
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
moto_with_s3_canonicalization='
import sys
from urllib.parse import quote, unquote
import botocore.auth

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

# AWS STS answers AssumeRoleWithWebIdentity unsigned (the web identity token is the credential);
# moto would ask it for a signature like every other call once the unsigned ones are used up.
from moto.core.authorization import ActionAuthenticatorMixin
checked_action = ActionAuthenticatorMixin._authenticate_and_authorize_action
def authenticate(self, iam_request_cls, resource="*"):
    if self._get_action() == "AssumeRoleWithWebIdentity":
        return None
    return checked_action(self, iam_request_cls, resource)
ActionAuthenticatorMixin._authenticate_and_authorize_action = authenticate
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
  INITIAL_NO_AUTH_ACTION_COUNT=3 python3 -c "$moto_with_s3_canonicalization" -H 127.0.0.1 -p "$port" \
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
