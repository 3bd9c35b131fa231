#!/usr/bin/env bash
# Installs what the test suite uses beyond Swift itself. Safe to run again; skips what is present.
# - iproute2: the failure lab's network-namespace cases (no route, dropped SYN); skipped when not root.
# - moto[server]: the S3-compatible server the HTTP and S3 tests start on loopback; it brings boto3 and
#   botocore, which the S3 tests compare signatures with and `triage bench s3` measures beside.
# - postgresql: Debian's server, for the TriageOutboxPostgres tests; then scripts/test-postgres.sh starts
#   a throwaway cluster on 127.0.0.1:54329 (role triage, password triage-test, database triage_test).
set -uo pipefail
if [ "$(id -u)" = 0 ] && ! command -v ip >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq iproute2) >/dev/null 2>&1 || echo "install-test-deps: could not install iproute2; netns cases will be skipped"
fi
if ! python3 -c 'import moto.server' >/dev/null 2>&1; then
  python3 -m pip install -q 'moto[server]' >/dev/null 2>&1 || echo "install-test-deps: could not install moto[server]; S3 cases will be skipped"
fi
if [ "$(id -u)" = 0 ] && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1 \
    || echo "install-test-deps: could not install postgresql; PostgreSQL cases will be skipped"
fi
(bash "$(dirname "$0")/test-postgres.sh" start && bash "$(dirname "$0")/test-postgres.sh" clean) || echo "install-test-deps: the test PostgreSQL did not start; PostgreSQL cases will be skipped"
exit 0
