#!/usr/bin/env bash
# Checks the success-path benchmarks (standard-pipeline, open-breaker) against Benchmarks/Thresholds/,
# which hold issue 11's targets at p90 per 1 000 calls (wall clock 170 µs and 200 µs, 0 allocations;
# the tolerances are in Benchmarks/Benchmarks/TriageBenchmarks/TriageBenchmarks.swift). Faster than a
# target passes: ordo-one reports it as "better" and exits non-zero, so the verdict is read from its
# output. About 30 s with a built Benchmarks/ package, 3–4 min from scratch.
# Usage: scripts/benchmark-thresholds.sh
set -uo pipefail
cd "$(dirname "$0")/../Benchmarks"
output="$(swift package benchmark thresholds check --target TriageBenchmarks \
    --filter '^(standard-pipeline|open-breaker)$' --path Thresholds 2>&1)"
status=$?
printf '%s\n' "$output" | grep -v 'ETA:'
if printf '%s' "$output" | grep -q 'WORSE than'; then echo "benchmark thresholds: regression"; exit 2; fi
if printf '%s' "$output" | grep -qE 'BETTER than|EQUAL to|WITHIN'; then echo "benchmark thresholds: met"; exit 0; fi
echo "benchmark thresholds: no verdict (exit $status)"; exit 1
