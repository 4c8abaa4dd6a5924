#!/usr/bin/env bash
# Starts the real servers the tests need on loopback, runs a command with their addresses in the
# environment, and stops them after, whatever the command's outcome.
#
#   scripts/test-servers.sh run -- COMMAND...   start, run COMMAND, stop; exits with COMMAND's status
#
# PostgreSQL 15: a throwaway cluster in a temporary directory on a free port, fsync off (test data
# is disposable). Exported: TEST_POSTGRES_URL=postgresql://migration@127.0.0.1:PORT/migration_test,
# TEST_POSTGRES_ADMIN_URL, TEST_POSTGRES_DATA_DIR and TEST_POSTGRES_BIN_DIR.
# A server that cannot start fails the run: tests are never skipped for want of a server.
set -euo pipefail

pg_bin=/usr/lib/postgresql/15/bin
workdir=""
pg_port=""

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

stop_all() {
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
    "$@"
    ;;
  *)
    echo "usage: $0 run -- COMMAND..." >&2
    exit 2
    ;;
esac
