#!/usr/bin/env bash
# The throwaway PostgreSQL server the TriageOutboxPostgres tests use, on 127.0.0.1 only.
#
#   scripts/test-postgres.sh start            # initdb on first use, then start (no-op when running)
#   scripts/test-postgres.sh stop-immediate   # pg_ctl stop -m immediate (a crash, for the tests)
#   scripts/test-postgres.sh stop
#   scripts/test-postgres.sh clean            # drops the per-test databases of earlier runs
#   scripts/test-postgres.sh url              # prints the connection URL the tests use
#
# Fixed, documented settings so that `swift test` finds it without a hand-off file:
#   port 54329 (TRIAGE_TEST_POSTGRES_PORT), role `triage`, password `triage-test`, database `triage_test`,
#   cluster in ${TMPDIR:-/tmp}/triage-test-postgres-PORT.
# PostgreSQL refuses to run as root: as root the cluster is owned by and run as user `postgres`
# (`runuser -u postgres --`); otherwise as the current user. Installing the server is
# scripts/install-test-deps.sh's job; this script only uses what is installed.
set -euo pipefail
PORT="${TRIAGE_TEST_POSTGRES_PORT:-54329}"
DIR="${TMPDIR:-/tmp}/triage-test-postgres-$PORT"
DATA="$DIR/data"
LOG="$DIR/server.log"
ROLE=triage
PASSWORD=triage-test
DATABASE=triage_test

bindir() {
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/pg_ctl" ]; then
        pg_config --bindir
        return
    fi
    local candidate
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$candidate/pg_ctl" ]; then echo "$candidate"; return; fi
    done
    echo "test-postgres: no PostgreSQL server found (run scripts/install-test-deps.sh)" >&2
    exit 1
}
BIN="$(bindir)"

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

superuser_psql() {
    as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres "$@"
}

running() { as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
    mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
    chmod 700 "$DIR"
    if [ ! -s "$DATA/PG_VERSION" ]; then
        as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
            --no-sync >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    fi
    if ! running; then
        # fsync stays on: the tests kill the server with `-m immediate` and check nothing acknowledged is lost.
        as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c max_connections=200" \
            start >/dev/null || { tail -n 20 "$LOG" >&2; exit 1; }
    fi
    superuser_psql <<SQL
SET client_min_messages = warning;
SELECT 'CREATE ROLE $ROLE LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') \gexec
ALTER ROLE $ROLE PASSWORD '$PASSWORD';
GRANT pg_signal_backend TO $ROLE;
SELECT 'CREATE DATABASE $DATABASE OWNER $ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE') \gexec
SQL
}

# Drops the databases earlier test runs made for each test (t_...) and benchmark runs left behind; not
# part of `start`, which the tests themselves call mid-run after a crash.
clean() {
    superuser_psql <<SQL
SET client_min_messages = warning;
SELECT format('DROP DATABASE %I WITH (FORCE)', datname) FROM pg_database WHERE datname ~ '^(t_|triage_bench_)[0-9a-f]+$' \gexec
SQL
}

case "${1:-start}" in
    start) start ;;
    clean) clean ;;
    stop) if running; then as_owner "$BIN/pg_ctl" -D "$DATA" -w stop -m fast >/dev/null; fi ;;
    stop-immediate) as_owner "$BIN/pg_ctl" -D "$DATA" -w stop -m immediate >/dev/null ;;
    url) echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE" ;;
    *) echo "usage: $0 start|stop|stop-immediate|clean|url" >&2; exit 2 ;;
esac
