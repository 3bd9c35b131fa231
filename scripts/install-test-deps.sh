#!/usr/bin/env bash
# Installs what the test suite uses beyond Swift itself. Safe to run again; skips what is present.
# - iproute2: the failure lab's network-namespace cases (no route, dropped SYN); skipped when not root.
# - moto[server]: the S3-compatible server the HTTP and S3 tests start on loopback; it brings boto3 and
#   botocore, which the S3 tests compare signatures with and `triage bench s3` measures beside.
set -uo pipefail
if [ "$(id -u)" = 0 ] && ! command -v ip >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq iproute2) >/dev/null 2>&1 || echo "install-test-deps: could not install iproute2; netns cases will be skipped"
fi
if ! python3 -c 'import moto.server' >/dev/null 2>&1; then
  python3 -m pip install -q 'moto[server]' >/dev/null 2>&1 || echo "install-test-deps: could not install moto[server]; S3 cases will be skipped"
fi
exit 0
