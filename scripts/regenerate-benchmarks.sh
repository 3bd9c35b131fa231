#!/usr/bin/env bash
# Regenerates the simulated benchmarks of docs/benchmarks.md in one go:
# builds `triage` in release, runs each scenario writing docs/data/<scenario>.json and
# docs/plots/<scenario>.svg, then rewrites the tables between the BEGIN/END markers of
# docs/benchmarks.md from the JSON (scripts/render-benchmarks.py). Same seed, same numbers.
#
#   scripts/regenerate-benchmarks.sh            # seed 1
#   SEED=7 scripts/regenerate-benchmarks.sh
#   SCRATCH=.build-release scripts/regenerate-benchmarks.sh   # keep the debug build in .build
set -euo pipefail
cd "$(dirname "$0")/.."
SEED="${SEED:-1}"
DATA=docs/data
PLOTS=docs/plots
mkdir -p "$DATA" "$PLOTS"

# The simulations run in virtual time: their numbers do not depend on the build or the machine, only
# on the seed (CONFIG=debug gives the same numbers, slower). SCRATCH picks the build folder.
CONFIG="${CONFIG:-release}"
SCRATCH="${SCRATCH:-.build}"
swift build -c "$CONFIG" --product triage --scratch-path "$SCRATCH"
TRIAGE="$(swift build -c "$CONFIG" --scratch-path "$SCRATCH" --show-bin-path)/triage"

run() {  # run SCENARIO [extra flags...]
    local scenario="$1"; shift
    echo "== triage bench $scenario --json --svg $PLOTS/$scenario.svg --seed $SEED $*" >&2
    "$TRIAGE" bench "$scenario" --json --svg "$PLOTS/$scenario.svg" --seed "$SEED" "$@" > "$DATA/$scenario.json"
}

run jitter
run metastable
run hedge

# Measured on real sockets and clocks: these numbers move with the machine and its load.
echo "== triage bench storm --json --svg $PLOTS/storm.svg" >&2
"$TRIAGE" bench storm --json --svg "$PLOTS/storm.svg" > "$DATA/storm.json"
echo "== triage bench overhead --json" >&2
"$TRIAGE" bench overhead --json --calls 700000 > "$DATA/overhead.json"

python3 scripts/render-benchmarks.py docs/benchmarks.md "$DATA"
echo "updated docs/benchmarks.md, $DATA/*.json and $PLOTS/*.svg" >&2
