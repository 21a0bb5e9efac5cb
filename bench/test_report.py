"""Tests of bench/report.py: the results shape it accepts, the tables and targets it writes,
and that it touches nothing outside its markers. Run by `make bench-smoke`."""

import contextlib
import copy
import io
import json
import os
import sys
import tempfile
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import report  # noqa: E402


def row(alg, op, lib, backend, ops, group="jwt"):
    return {"group": group, "op": op, "alg": alg, "lib": lib, "backend": backend, "ops_per_s": ops, "rounds": [ops], "median_ns": 1e9 / ops}


DOC = {
    "schema": "authcore-bench/1",
    "name": "node",
    "harness": "bindings-node/bench/bench_jwt.mjs",
    "smoke": False,
    "meta": {"date": "2026-01-01T00:00:00Z", "cores": 2, "cpu": "CPU", "os": "OS", "versions": {"authcore": "0.1.0"}, "rounds": 5, "seconds": 0.2},
    "rows": [
        row("HS256", "verify", "authcore", "native", 300_000),
        row("HS256", "verify", "fast-jwt", None, 100_000),
        row("EdDSA", "verify", "authcore", "native", 5_000),
        row("EdDSA", "verify", "fast-jwt", None, 10_000),
        row(None, "native version() (bare call, returns a short string)", "authcore", None, 10_000_000, group="call"),
        row(None, "façade errorBody (argument checks + native call)", "authcore", None, 2_000_000, group="call"),
    ],
}

MD = "# B\n\nprose before\n\n<!-- bench:node:start -->\nold table\n<!-- bench:node:end -->\n\nprose after\n<!-- server-load:start -->\nkept\n<!-- server-load:end -->\n"


class ReportTest(unittest.TestCase):
    def run_report(self, docs, md=MD, *extra):
        with tempfile.TemporaryDirectory() as d:
            for i, doc in enumerate(docs):
                with open(os.path.join(d, f"{i}.json"), "w") as f:
                    json.dump(doc, f)
            with open(os.path.join(d, "server-load.json"), "w") as f:
                json.dump({"rows": []}, f)  # another tool's file: skipped
            path = os.path.join(d, "B.md")
            with open(path, "w") as f:
                f.write(md)
            err = io.StringIO()
            argv = ["report.py", "--results", d, "--md", path, *extra]
            with mock.patch.object(sys, "argv", argv), contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                rc = report.main()
            with open(path) as f:
                return rc, f.read(), err.getvalue()

    def test_tables_ratios_and_targets(self):
        rc, out, err = self.run_report([DOC])
        self.assertEqual(rc, 0, err)
        self.assertNotIn("old table", out)
        self.assertIn("prose before", out)
        self.assertIn("prose after\n<!-- server-load:start -->\nkept\n<!-- server-load:end -->", out)
        self.assertIn("| HS256 | verify | 300,000 | 100,000 | 3.00× |", out)
        self.assertIn("| HS256 verify ≥ 2× fast-jwt | 3.00× | met |", out)
        self.assertIn("| EdDSA verify ≥ 1× fast-jwt | 0.50× | **missed** |", out)
        self.assertIn("| ES256 verify ≥ 1× fast-jwt | not measured | not measured |", out)
        # 500 ns vs 100 ns: 5× the bare call.
        self.assertIn("| a call returning a small object ≤ 2× a bare call | 5.00× (500 vs 100 ns) | **missed** |", out)
        self.assertNotIn("Smoke run", out)

    def test_idempotent_and_check(self):
        rc, once, _ = self.run_report([DOC])
        self.assertEqual(rc, 0)
        rc, twice, _ = self.run_report([DOC], once)
        self.assertEqual((rc, twice), (0, once))
        rc, _, _ = self.run_report([DOC], once, "--check")
        self.assertEqual(rc, 0)
        rc, _, err = self.run_report([DOC], MD, "--check")
        self.assertEqual(rc, 1, err)

    def test_smoke_is_labelled(self):
        doc = dict(DOC, smoke=True)
        rc, out, _ = self.run_report([doc])
        self.assertEqual(rc, 0)
        self.assertIn("Smoke run (one call per case, no timing): the numbers below mean nothing.", out)

    def test_bad_results_refused(self):
        for mutate in (
            lambda d: d.update(schema="other/1"),
            lambda d: d["meta"].pop("cpu"),
            lambda d: d["meta"].update(versions={}),
            lambda d: d.update(rows=[]),
            lambda d: d["rows"][0].update(ops_per_s=0),
            lambda d: d["rows"][0].pop("median_ns"),
            lambda d: d["rows"][0].update(alg=None),
        ):
            doc = copy.deepcopy(DOC)
            mutate(doc)
            rc, out, err = self.run_report([doc])
            self.assertEqual((rc, out), (2, MD), err)

    def test_missing_marker_and_expect(self):
        rc, out, err = self.run_report([DOC], "no markers\n")
        self.assertEqual((rc, out), (2, "no markers\n"))
        self.assertIn("bench:node:start", err)
        rc, _, err = self.run_report([DOC], MD, "--expect", "node,python")
        self.assertEqual(rc, 2)
        self.assertIn("no results for python", err)



SIZE = {
    "schema": "authcore-size/1",
    "name": "wasm-size",
    "harness": "bindings-wasm/tools/size.mjs",
    "meta": {"date": "2026-01-01T00:00:00Z", "variant": "default", "versions": {"@authcore/wasm": "0.1.0"}},
    "entries": [
        {"entry": "full", "wasm": {"raw": 9, "gzip": 8, "brotli": 7}, "js": {"raw": 3, "gzip": 2, "brotli": 1}, "total": {"raw": 12, "gzip": 10, "brotli": 8}},
        {"entry": "client", "wasm": {"raw": 400_000, "gzip": 140_000, "brotli": 120_000}, "js": {"raw": 50_000, "gzip": 20_000, "brotli": 15_000}, "total": {"raw": 450_000, "gzip": 160_000, "brotli": 135_000}},
    ],
}

SIZE_MD = "# B\n\n<!-- bench:targets:start -->\n<!-- bench:targets:end -->\n\n<!-- bench:wasm-size:start -->\nold\n<!-- bench:wasm-size:end -->\n"


class SizeReportTest(unittest.TestCase):
    run_report = ReportTest.run_report

    def test_size_table_and_target(self):
        rc, out, err = self.run_report([SIZE], SIZE_MD)
        self.assertEqual(rc, 0, err)
        self.assertIn("| `@authcore/wasm/client` (frontend) | 400,000 | 140,000 | 120,000 | 50,000 | 20,000 | 450,000 | **160,000** | 135,000 |", out)
        self.assertIn("| wasm-size | `@authcore/wasm/client` (what a frontend loads) ≤ 150 KB gzip | 160,000 bytes | **missed** |", out)
        small = copy.deepcopy(SIZE)
        small["entries"][1]["total"]["gzip"] = 150_000
        rc, out, err = self.run_report([small], SIZE_MD)
        self.assertIn("| 150,000 bytes | met |", out)

    def test_bad_size_results_refused(self):
        for mutate in (
            lambda d: d.pop("entries"),
            lambda d: d["entries"][0]["total"].pop("gzip"),
            lambda d: d["entries"][0]["wasm"].__setitem__("raw", True),
            lambda d: d["entries"][0]["js"].__setitem__("raw", 0),
            lambda d: d.__setitem__("name", "other"),
            lambda d: d["meta"].pop("date"),
        ):
            doc = copy.deepcopy(SIZE)
            mutate(doc)
            rc, _, err = self.run_report([doc], SIZE_MD)
            self.assertEqual(rc, 2, err)


if __name__ == "__main__":
    unittest.main()
