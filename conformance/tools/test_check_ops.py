"""`check_ops.py`: the committed op table passes, and each kind of mistake is reported."""
import copy
import json
import os
import sys

import pytest

TOOLS = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)

import check_ops  # noqa: E402

PYI = os.path.join(check_ops.PACKAGE, "_authcore.pyi")


def load():
    with open(os.path.join(CONFORMANCE, "ops.json"), encoding="utf-8") as f:
        doc = json.load(f)
    with open(os.path.join(CONFORMANCE, "README.md"), encoding="utf-8") as f:
        return doc, f.read()


def test_the_committed_table_passes():
    doc, readme = load()
    assert check_ops.check(doc, readme, PYI) == []


def test_readme_rows_naming_several_ops_are_expanded():
    text = "| `x.y` | z |\n## Operations\n\n| `device.client.start` / `handle_timeout` | x | y |\n| `a.b` | c | d |\n## Rules\n| `c.d` |\n"
    ops = check_ops.readme_ops(text)
    assert ops == {"device.client.start", "device.client.handle_timeout", "a.b"}


def mutate(fn):
    doc, readme = load()
    doc = copy.deepcopy(doc)
    readme = fn(doc["ops"], readme) or readme
    return check_ops.check(doc, readme, PYI)


@pytest.mark.parametrize("edit, message", [
    (lambda ops, r: ops.pop("jwt.verify") and None, "jwt.verify: in the README's operation table, missing"),
    (lambda ops, r: r.replace("\n| `jwt.verify` |", "\n| `jwt.frobnicate` | {} | {} |\n| `jwt.verify` |"), "jwt.frobnicate: in the README"),
    (lambda ops, r: ops.__setitem__("jwt.extra", ops["jwt.jwks"]) and None, "jwt.extra: in ops.json, not in the README"),
    (lambda ops, r: ops["jwt.jwks"]["calls"][0].__setitem__("function", "parse_jwk"), "no `parse_jwk`"),
    (lambda ops, r: ops["driver.send"]["calls"][0].__setitem__("method", "sendd"), "RequestDriver has no method sendd"),
    (lambda ops, r: ops["driver.send"]["calls"][0]["args"].__setitem__(0, "req"), "`req` is not a positional parameter"),
    (lambda ops, r: ops["device.server.enter_user_code"]["calls"][0].__setitem__("keywords", ["typed"]), "`typed` is not a keyword-only"),
    (lambda ops, r: ops["jwt.issue"]["calls"][1]["args"][2].__setitem__("convert", "hex"), "unknown conversion 'hex'"),
    (lambda ops, r: ops["driver.send"]["calls"][0].__setitem__("object", "drivr"), "no op keeps an object named 'drivr'"),
    (lambda ops, r: ops["jwt.verify"]["calls"][1].__setitem__("on", "verifyer"), "local 'verifyer' is not bound"),
    (lambda ops, r: ops["jwt.verify"]["calls"][1].__setitem__("function", "x"), "exactly one of"),
    (lambda ops, r: ops["tokens.save"]["calls"][0].__setitem__("wrap", "text"), "unknown members ['wrap']"),
    (lambda ops, r: ops["tokens.save"].__setitem__("output", 3), "`output` is a source path"),
    (lambda ops, r: ops["session.validate"]["calls"][0]["args"].__setitem__(0, "record"), "`record` must be marked nullable"),
    (lambda ops, r: ops["session.validate"]["calls"][0]["args"].__setitem__(1, {"name": "token", "nullable": True}), "`token` must not be marked nullable"),
])
def test_mistakes_are_reported(edit, message):
    problems = mutate(edit)
    assert any(message in p for p in problems), problems
