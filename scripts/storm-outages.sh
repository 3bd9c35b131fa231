#!/usr/bin/env bash
# `triage bench storm --target` against three total outages side by side: 503s, 429s with
# `Retry-After: 0`, and 503s with `Retry-After: 1`. The standard pipeline must stay at or below 1.1x
# the offered load in each (issue 11, defect 6). Usage: scripts/storm-outages.sh [path/to/triage] [requests]
set -euo pipefail
triage="${1:-.build/release/triage}"
requests="${2:-200}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

run() { # name, chaos serve flags...
    local name="$1"; shift
    "$triage" chaos serve --error-rate 1 "$@" > "$work/$name.serve" 2>&1 &
    local server=$!
    local url=""
    for _ in $(seq 1 100); do
        url="$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/$name.serve" | head -1 || true)"
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "chaos server for $name did not start" >&2; exit 1; }
    "$triage" bench storm --json --requests "$requests" --target "${url}storm" > "$work/$name.json"
    kill "$server"; wait "$server" 2>/dev/null || true
}

run "503" --status 503
run "429-ra0" --status 429 --retry-after 0
run "503-ra1" --status 503 --retry-after 1

printf '%-22s %8s %9s %7s %8s\n' outage offered attempts ampl. "p50 ms"
for name in 503 429-ra0 503-ra1; do
    python3 - "$name" "$work/$name.json" <<'PY'
import json, sys
row = json.load(open(sys.argv[2]))["rows"][0]
label = {"503": "503", "429-ra0": "429 + Retry-After 0", "503-ra1": "503 + Retry-After 1"}[sys.argv[1]]
print(f'{label:<22} {row["offered"]:>8} {row["attempts"]:>9} {row["amplification"]:>6.2f}x {row["p50_ms"]:>8.1f}')
PY
done
