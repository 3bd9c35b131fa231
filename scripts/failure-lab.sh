#!/usr/bin/env bash
# Regenerates docs/failure-lab.md from the failure lab's own results:
# runs the lab tests with TRIAGE_LAB_REPORT set, then renders the rows they recorded.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
TRIAGE_LAB_REPORT="$rows" swift test --filter TriageLabTests >/dev/null 2>&1
python3 scripts/render-failure-lab.py "$rows" > docs/failure-lab.md
echo "wrote docs/failure-lab.md ($(wc -l < "$rows") observations)"
