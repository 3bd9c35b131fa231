#!/usr/bin/env python3
"""Renders the failure lab's tab-separated rows (mode, stack, kind, decision, delivery, ms, raw error)
as docs/failure-lab.md: a mode x stack matrix of kinds, then every observation in detail."""
import sys
from collections import OrderedDict

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
stacks = ["AsyncHTTPClient", "URLSession", "SwiftNIO"]
matrix = OrderedDict()
for mode, stack, kind, decision, delivery, ms, raw in sorted(rows, key=lambda r: (r[0], r[1])):
    matrix.setdefault(mode, {})[stack] = kind

out = []
out.append("# The failure lab: what each failure is called, on every stack")
out.append("")
out.append("Every row below was produced for real on loopback (or in a private network namespace) by the")
out.append("tests in `Tests/TriageLabTests`, and classified by Triage's classifier for that stack")
out.append("(`ClassifierChain.asyncHTTPClient`, `.foundation`, `.nio`). TLS certificate rows through")
out.append("AsyncHTTPClient show the exact diagnosis (`TLSDiagnosis`); the plain classification of those is")
out.append("`tls.certificateInvalid`, since BoringSSL reports them all as CERTIFICATE_VERIFY_FAILED.")
out.append("URLSession on Linux cannot be told to trust the lab's CA, so libcurl names the first problem it")
out.append("meets (an unknown issuer) for certificates signed by it.")
out.append("")
out.append("Regenerate with `scripts/failure-lab.sh`. `—` means the stack cannot meet that failure")
out.append("(raw NIO follows no redirects; URLSession cannot fail a TLS hostname before trust).")
out.append("")
out.append("| mode | " + " | ".join(stacks) + " |")
out.append("|---|" + "---|" * len(stacks))
for mode, by_stack in matrix.items():
    out.append(f"| {mode} | " + " | ".join(f"`{by_stack[s]}`" if s in by_stack else "—" for s in stacks) + " |")
out.append("")
out.append("## Every observation")
out.append("")
out.append("| mode | stack | kind | decision | delivery | time to fail (ms) | what the stack threw |")
out.append("|---|---|---|---|---|---|---|")
for mode, stack, kind, decision, delivery, ms, raw in sorted(rows, key=lambda r: (r[0], r[1])):
    raw = raw.replace("|", "/")
    out.append(f"| {mode} | {stack} | `{kind}` | {decision} | {delivery} | {ms} | {raw} |")
print("\n".join(out))
