#!/usr/bin/env bash
# Runs every libFuzzer target (or the ones named) for SECONDS each (default 30):
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Targets: retry-after s3-xml api-error kubernetes-status scenario-json scenario-yaml latency
#          request-reader redaction watch-event (Tests/Fuzz/Sources/TriageFuzz/FuzzTarget.swift says what each covers).
# Builds Tests/Fuzz/Sources/TriageFuzz with the toolchain's -sanitize=fuzzer,address into .build-fuzz,
# starts each target from its committed seeds in Tests/Fuzz/Corpus/TARGET (new inputs go to
# .build-fuzz/corpus/TARGET, not into git), and fails when a target crashes or one input takes more
# than 10 ms of CPU (the input is kept under .build-fuzz/artifacts/; add it to the corpus and turn it
# into a regression test). Prints the executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
all=(retry-after s3-xml api-error kubernetes-status scenario-json scenario-yaml latency request-reader redaction watch-event)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
scratch=.build-fuzz
started=$(date +%s)

mkdir -p "$scratch"
swift build --scratch-path "$scratch" -c release --target TriageFuzz \
  -Xswiftc -sanitize=fuzzer,address > "$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log"; exit 1; }
# SwiftPM links executables with its own `main`; libFuzzer brings one. Link the objects directly.
mapfile -t objects < <(find "$scratch/release/" -path '*.build/*.o' | sort)
swiftc -sanitize=fuzzer,address -emit-executable -o "$scratch/triage-fuzz" "${objects[@]}" 2> >(grep -v "Cannot export local symbol" >&2)
built=$(date +%s)
echo "fuzz: built in $((built - started)) s"

failed=0
mkdir -p "$scratch/artifacts"
for target in "${targets[@]}"; do
  mkdir -p "$scratch/corpus/$target" "Tests/Fuzz/Corpus/$target"
  log="$scratch/$target.log"
  status=0
  TRIAGE_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 \
    "$scratch/triage-fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$scratch/artifacts/$target-" \
    "$scratch/corpus/$target" "Tests/Fuzz/Corpus/$target" > "$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz: $target FAILED (exit $status) after ${runs:-?} executions:"
    grep -E "slow input|Fatal error|ERROR: AddressSanitizer|Precondition failed|deadly signal|Test unit written" "$log" | head -10
  else
    echo "fuzz: $target: ${runs:-?} executions in $seconds s, no crash, no input over 10 ms"
  fi
done
echo "fuzz: whole step $(( $(date +%s) - started )) s"
exit "$failed"
