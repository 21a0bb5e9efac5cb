#!/usr/bin/env python3
"""Writes BENCHMARKS.md's tables from the benchmark harnesses' JSON results.

Every harness writes one results file (schema ``authcore-bench/1``) to ``target/bench/``:
``meta`` (date, cores, CPU model, OS, versions of every library and runtime, rounds) and one
row per case, ``{group, op, alg, lib, backend, ops_per_s, rounds, median_ns}``. For each file
this script rewrites the text between ``<!-- bench:<name>:start -->`` and
``<!-- bench:<name>:end -->`` in BENCHMARKS.md: the machine line, the JWT table (ops/s per
library, then the ratio authcore ÷ each peer), the per-call table, and every target of that
harness shown met or missed with its number. ``<!-- bench:targets:… -->`` gets every target
of every file. Text outside the markers (the prose that explains results, and the
``server-load`` section, which its own script writes) is left alone. Standard library only.

    bench/report.py                                   # target/bench/*.json → BENCHMARKS.md
    bench/report.py --results DIR --out FILE          # e.g. a smoke run into a copy
    bench/report.py --check                           # exit 1 if BENCHMARKS.md would change
"""

import argparse
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = "authcore-bench/1"
# Package sizes (`bindings-wasm/tools/size.mjs --json`): bytes, not rates.
SIZE_SCHEMA = "authcore-size/1"
SIZE_PARTS = ("wasm", "js", "total")
SIZE_MEASURES = ("raw", "gzip", "brotli")
# The size targets: (description, entry, measure, at most bytes).
SIZE_TARGETS = [
    ("`@authcore/wasm/client` (what a frontend loads) ≤ 150 KB gzip", "client", "gzip", 150_000),
]
# What each entry is, for the table.
SIZE_ENTRIES = {"client": "`@authcore/wasm/client` (frontend)", "full": "`@authcore/wasm` (full)"}
ROW_KEYS = {"group": str, "op": str, "lib": str, "ops_per_s": (int, float), "rounds": list, "median_ns": (int, float)}
META_KEYS = ("date", "cores", "cpu", "os", "versions", "rounds")

# Which authcore column the ratios are taken from, per results file.
PRIMARY = {
    "rust": "authcore (native)",
    "python": "authcore (native)",
    "node": "authcore (native)",
    "wasm-node": "@authcore/wasm",
    "wasm-browser": "@authcore/wasm",
}

# The targets, per results file: (description, kind, args). Kinds:
#   ("ratio", alg, op, peer, at_least): primary ÷ peer on that row;
#   ("rate", alg, op, at_least): primary's ops/s on that row;
#   ("floor", call_op, bare_op, at_most): ns of call_op ÷ ns of bare_op in the call table.
TARGETS = {
    "rust": [("HS256 verify ≥ 1,000,000/s", "rate", "HS256", "verify", 1_000_000)]
    + [
        (f"{alg} {op} ≥ 1× jsonwebtoken (aws-lc)", "ratio", alg, op, "jsonwebtoken (aws-lc)", 1.0)
        for alg in ("HS256", "EdDSA", "ES256", "RS256")
        for op in ("verify", "sign")
    ],
    "python": [("HS256 verify ≥ 10× PyJWT", "ratio", "HS256", "verify", "PyJWT", 10.0)]
    + [(f"{alg} verify ≥ 1.5× PyJWT", "ratio", alg, "verify", "PyJWT", 1.5) for alg in ("EdDSA", "ES256", "RS256")]
    + [("a call returning a small object ≤ 2× a bare call", "floor", "small object (oauth_error: status + dict)", "bare call (error_body: short text)", 2.0)],
    "node": [("HS256 verify ≥ 2× fast-jwt", "ratio", "HS256", "verify", "fast-jwt", 2.0)]
    + [(f"{alg} verify ≥ 1× fast-jwt", "ratio", alg, "verify", "fast-jwt", 1.0) for alg in ("EdDSA", "ES256", "RS256")]
    + [("a call returning a small object ≤ 2× a bare call", "floor", "façade errorBody (argument checks + native call)", "native version() (bare call, returns a short string)", 2.0)],
    "wasm-node": [("HS256 verify ≥ 5× jose", "ratio", "HS256", "verify", "jose", 5.0)]
    + [("a call returning a small object ≤ 2× a bare call", "floor", "façade errorBody (argument checks + wasm call)", "wasm version() (bare call, returns a short string)", 2.0)],
    "wasm-browser": [(f"{alg} verify ≥ 2× jose", "ratio", alg, "verify", "jose", 2.0) for alg in ("HS256", "EdDSA")],
}


class ResultsError(Exception):
    """A results file that does not have the shape every harness writes."""


def label(row: dict) -> str:
    return f"{row['lib']} ({row['backend']})" if row.get("backend") else row["lib"]


def is_authcore(lab: str) -> bool:
    return lab.startswith("authcore") or lab.startswith("@authcore")


def validate(doc: dict, path: str) -> None:
    if doc.get("schema") != SCHEMA:
        raise ResultsError(f"{path}: schema is {doc.get('schema')!r}, expected {SCHEMA!r}")
    if not isinstance(doc.get("name"), str) or not doc["name"]:
        raise ResultsError(f"{path}: no name")
    meta = doc.get("meta")
    if not isinstance(meta, dict):
        raise ResultsError(f"{path}: no meta")
    for k in META_KEYS:
        if k not in meta:
            raise ResultsError(f"{path}: meta.{k} missing")
    if not isinstance(meta["versions"], dict) or not meta["versions"]:
        raise ResultsError(f"{path}: meta.versions empty")
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows:
        raise ResultsError(f"{path}: no rows")
    for i, r in enumerate(rows):
        for k, t in ROW_KEYS.items():
            if not isinstance(r.get(k), t) or isinstance(r.get(k), bool):
                raise ResultsError(f"{path}: rows[{i}].{k} is {r.get(k)!r}")
        if not r["ops_per_s"] > 0 or not r["rounds"]:
            raise ResultsError(f"{path}: rows[{i}] has no positive rate")
        if r["group"] == "jwt" and not isinstance(r.get("alg"), str):
            raise ResultsError(f"{path}: rows[{i}] (jwt) has no alg")


def validate_size(doc: dict, path: str) -> None:
    meta = doc.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get("date"), str) or not isinstance(meta.get("versions"), dict):
        raise ResultsError(f"{path}: no meta (date, versions)")
    entries = doc.get("entries")
    if not isinstance(entries, list) or not entries:
        raise ResultsError(f"{path}: no entries")
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("entry"), str):
            raise ResultsError(f"{path}: entries[{i}] has no entry name")
        for part in SIZE_PARTS:
            for m in SIZE_MEASURES:
                v = (e.get(part) or {}).get(m) if isinstance(e.get(part), dict) else None
                if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                    raise ResultsError(f"{path}: entries[{i}].{part}.{m} is {v!r}")


def load(results_dir: str) -> dict:
    """{name: doc} of every results file of the common shape in `results_dir`."""
    docs = {}
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path) as f:
            doc = json.load(f)
        if not isinstance(doc, dict) or "schema" not in doc:
            continue  # another tool's file (e.g. server-load.json, written into its own section)
        if doc["schema"] == SIZE_SCHEMA:
            validate_size(doc, path)
            if doc.get("name") != "wasm-size":
                raise ResultsError(f"{path}: a size results file is named wasm-size")
        else:
            validate(doc, path)
        docs[doc["name"]] = doc
    return docs


def fmt(x) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def jwt_table(doc: dict):
    """(columns, rows): columns are the libraries in order of appearance; rows (alg, op, {label: ops})."""
    columns, table = [], {}
    for r in doc["rows"]:
        if r["group"] != "jwt":
            continue
        lab = label(r)
        if lab not in columns:
            columns.append(lab)
        table.setdefault((r["alg"], r["op"]), {})[lab] = r["ops_per_s"]
    return columns, table


def primary_of(doc: dict, columns: list) -> str:
    want = PRIMARY.get(doc["name"])
    if want in columns:
        return want
    return next((c for c in columns if is_authcore(c)), columns[0] if columns else "")


def evaluate(doc: dict) -> list:
    """[(description, measured text, met or None)] for every target of `doc`."""
    if doc.get("schema") == SIZE_SCHEMA:
        entries = {e["entry"]: e for e in doc["entries"]}
        out = []
        for desc, entry, measure, most in SIZE_TARGETS:
            got = entries.get(entry, {}).get("total", {}).get(measure)
            out.append((desc, "not measured", None) if got is None else (desc, f"{got:,} bytes", got <= most))
        return out
    columns, table = jwt_table(doc)
    primary = primary_of(doc, columns)
    calls = {r["op"]: r for r in doc["rows"] if r["group"] == "call"}
    out = []
    for desc, kind, *a in TARGETS.get(doc["name"], []):
        if kind == "ratio":
            alg, op, peer, need = a
            row = table.get((alg, op), {})
            if primary in row and peer in row:
                got = row[primary] / row[peer]
                out.append((desc, f"{got:.2f}×", got >= need))
            else:
                out.append((desc, "not measured", None))
        elif kind == "rate":
            alg, op, need = a
            got = table.get((alg, op), {}).get(primary)
            out.append((desc, "not measured", None) if got is None else (desc, f"{got:,.0f}/s", got >= need))
        elif kind == "floor":
            call, bare, most = a
            if call in calls and bare in calls:
                got = calls[call]["median_ns"] / calls[bare]["median_ns"]
                out.append((desc, f"{got:.2f}× ({calls[call]['median_ns']:,.0f} vs {calls[bare]['median_ns']:,.0f} ns)", got <= most))
            else:
                out.append((desc, "not measured", None))
    return out


def status(met) -> str:
    return "not measured" if met is None else ("met" if met else "**missed**")


def render_size(doc: dict) -> str:
    meta = doc["meta"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    lines = [
        f"Generated by `bench/report.py` from `target/bench/{doc['name']}.json` (`{doc.get('harness', '?')}`), {meta['date']}; "
        f"{versions}. Bytes of what a browser loads for each entry: the `.wasm` and every JS file it imports; gzip level 9, brotli quality 11.",
        "",
        "| entry | `.wasm` raw | `.wasm` gzip | `.wasm` brotli | JS raw | JS gzip | total raw | total gzip | total brotli |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in doc["entries"]:
        w, j, t = e["wasm"], e["js"], e["total"]
        name = SIZE_ENTRIES.get(e["entry"], e["entry"])
        lines.append(
            f"| {name} | {w['raw']:,} | {w['gzip']:,} | {w['brotli']:,} | {j['raw']:,} | {j['gzip']:,} | {t['raw']:,} | **{t['gzip']:,}** | {t['brotli']:,} |"
        )
    goals = evaluate(doc)
    if goals:
        lines += ["", "| target | measured | status |", "|---|---:|---|"]
        for desc, got, met in goals:
            lines.append(f"| {desc} | {got} | {status(met)} |")
    return "\n".join(lines)


def render(doc: dict) -> str:
    if doc.get("schema") == SIZE_SCHEMA:
        return render_size(doc)
    meta = doc["meta"]
    lines = []
    if doc.get("smoke"):
        lines += ["**Smoke run (one call per case, no timing): the numbers below mean nothing.**", ""]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    lines.append(
        f"Generated by `bench/report.py` from `target/bench/{doc['name']}.json` (`{doc.get('harness', '?')}`), {meta['date']}: "
        f"{meta['cpu']} × {meta['cores']} cores, {meta['os']}; {versions}. "
        f"Median of {meta['rounds']} interleaved rounds"
        + (f" of {meta['seconds']} s per case" if meta.get("seconds") else "")
        + (f"; {meta['interop_checks']} cross-library verifications passed first" if meta.get("interop_checks") else "")
        + (f"; load average {' '.join(f'{x:.2f}' for x in meta['loadavg_start'])} at the start" if meta.get("loadavg_start") else "")
        + "."
    )
    columns, table = jwt_table(doc)
    if table:
        primary = primary_of(doc, columns)
        peers = [c for c in columns if not is_authcore(c)]
        lines += ["", "| alg | op | " + " | ".join(columns) + " | " + " | ".join(f"÷ {p}" for p in peers) + " |"]
        lines.append("|---|---|" + "---:|" * (len(columns) + len(peers)))
        for (alg, op), ops in table.items():
            a = ops.get(primary)
            ratios = [f"{a / ops[p]:.2f}×" if a is not None and p in ops else "n/a" for p in peers]
            lines.append(f"| {alg} | {op} | " + " | ".join(fmt(ops.get(c)) for c in columns) + " | " + " | ".join(ratios) + " |")
        lines += ["", f"Ratios: {primary} ÷ peer (ops/s), same run."]
    calls = [r for r in doc["rows"] if r["group"] != "jwt"]
    if calls:
        lines += ["", "| group | call | lib | calls/s | ns/call |", "|---|---|---|---:|---:|"]
        for r in calls:
            lines.append(f"| {r['group']} | {r['op']} | {label(r)} | {fmt(r['ops_per_s'])} | {r['median_ns']:,.0f} |")
    goals = evaluate(doc)
    if goals:
        lines += ["", "| target | measured | status |", "|---|---:|---|"]
        for desc, got, met in goals:
            lines.append(f"| {desc} | {got} | {status(met)} |")
    return "\n".join(lines)


def render_targets(docs: dict) -> str:
    lines = ["| results | target | measured | status |", "|---|---|---:|---|"]
    for name, doc in docs.items():
        for desc, got, met in evaluate(doc):
            lines.append(f"| {name}{' (smoke)' if doc.get('smoke') else ''} | {desc} | {got} | {status(met)} |")
    return "\n".join(lines)


def replace_block(text: str, name: str, body: str) -> str:
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if len(pattern.findall(text)) != 1:
        raise ResultsError(f"BENCHMARKS.md needs exactly one {start} … {end} block")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def main() -> int:
    ap = argparse.ArgumentParser(description="Writes BENCHMARKS.md's tables from target/bench/*.json.")
    ap.add_argument("--results", default=os.path.join(ROOT, "target", "bench"), help="directory of results files")
    ap.add_argument("--md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file to read")
    ap.add_argument("--out", default=None, help="the file to write (default: --md)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file would change")
    ap.add_argument("--expect", default="", help="comma-separated results names that must all be present")
    args = ap.parse_args()
    try:
        docs = load(args.results)
        if not docs:
            raise ResultsError(f"no results files in {args.results}")
        missing = [n for n in args.expect.split(",") if n and n not in docs]
        if missing:
            raise ResultsError(f"no results for {', '.join(missing)} in {args.results}")
        with open(args.md) as f:
            text = f.read()
        new = text
        for name, doc in docs.items():
            new = replace_block(new, name, render(doc))
        if "<!-- bench:targets:start -->" in new:
            new = replace_block(new, "targets", render_targets(docs))
    except (ResultsError, OSError, json.JSONDecodeError) as e:
        print(f"bench/report.py: {e}", file=sys.stderr)
        return 2
    if args.check:
        if new != text:
            print(f"bench/report.py: {args.md} is not up to date with {args.results}", file=sys.stderr)
            return 1
        return 0
    out = args.out or args.md
    with open(out, "w") as f:
        f.write(new)
    print(f"bench/report.py: {', '.join(docs)} → {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
