#!/usr/bin/env python3
"""Rewrites the tables of docs/benchmarks.md from the scenarios' JSON (scripts/regenerate-benchmarks.sh).

Each table sits between `<!-- BEGIN name -->` and `<!-- END name -->`; everything else in the file is
left as it is. A scenario whose JSON file is missing is skipped.
"""
import json
import os
import re
import sys


def fmt(value, digits=1):
    if value is None:
        return "never"
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return f"{value:,.{digits}f}".replace(",", " ")


def jitter(data):
    rows = data["rows"]
    policies = list(dict.fromkeys(r["policy"] for r in rows))
    clients = list(dict.fromkeys(r["clients"] for r in rows))
    cell = {(r["clients"], r["policy"]): r for r in rows}
    out = []
    for title, key, digits in (("Calls (mean attempts until every client has written)", "calls", 1),
                               ("Time until every client has written (mean, ms)", "time_ms", 0)):
        out.append(f"**{title}**\n")
        out.append("| clients | " + " | ".join(policies) + " |")
        out.append("|---:|" + "---:|" * len(policies))
        for n in clients:
            out.append(f"| {n} | " + " | ".join(fmt(cell[(n, p)][key], digits) for p in policies) + " |")
        out.append("")
    return "\n".join(out).rstrip()


def metastable(data):
    out = ["| policy | requests | attempts | amplification | success rate | p50 (ms) | p99 (ms) | recovery after the drop (s) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in data["rows"]:
        out.append(f"| {r['policy']} | {fmt(r['requests'])} | {fmt(r['attempts'])} | {r['amplification']:.2f} | "
                   f"{r['success_rate'] * 100:.1f} % | {fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | {fmt(r['recovery_s'], 0)} |")
    return "\n".join(out)


def hedge(data):
    out = ["| policy | requests | attempts | extra load | p50 (ms) | p99 (ms) | p99.9 (ms) |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in data["rows"]:
        out.append(f"| {r['policy']} | {fmt(r['offered'])} | {fmt(r['attempts'])} | {(r['amplification'] - 1) * 100:.2f} % | "
                   f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['p999_ms']:.1f} |")
    return "\n".join(out)


def storm(data):
    rows = data["rows"]
    policies = list(dict.fromkeys(r["policy"] for r in rows))
    rates = list(dict.fromkeys(r["failure_rate"] for r in rows))
    cell = {(r["failure_rate"], r["policy"]): r for r in rows}
    out = ["| failure rate | " + " | ".join(f"{p}: amplification / success" for p in policies) + " |",
           "|---:|" + "---:|" * len(policies)]
    for rate in rates:
        out.append(f"| {rate * 100:.0f} % | " + " | ".join(
            f"{cell[(rate, p)]['amplification']:.2f}× / {cell[(rate, p)]['success_rate'] * 100:.0f} %" for p in policies) + " |")
    return "\n".join(out)


def overhead(data):
    rows = data["rows"]
    bare = next((r["ns_per_call"] for r in rows if r["name"] == "bare"), 0)
    out = ["| row | ns per call | over bare (ns) | calls |", "|---|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['name']} | {r['ns_per_call']:.1f} | {r['ns_per_call'] - bare:.1f} | {fmt(r['calls'])} |")
    return "\n".join(out)


RENDERERS = {"jitter": jitter, "metastable": metastable, "hedge": hedge, "storm": storm, "overhead": overhead}


def main(markdown_path, data_dir):
    with open(markdown_path, encoding="utf-8") as f:
        text = f.read()
    for name, render in RENDERERS.items():
        path = os.path.join(data_dir, f"{name}.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            table = render(json.load(f))
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.S)
        if not pattern.search(text):
            sys.exit(f"{markdown_path}: no <!-- BEGIN {name} --> ... <!-- END {name} --> markers")
        text = pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)
    with open(markdown_path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main(*sys.argv[1:3])
