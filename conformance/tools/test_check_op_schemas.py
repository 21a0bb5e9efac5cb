"""check_op_schemas.py: the committed vectors pass; a misspelt member of an input or of an
expected output fails, naming the step; an op without schemas fails. Runs on edited copies
of one vector file in a temporary directory."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_op_schemas as c  # noqa: E402

JWT = os.path.join(c.ROOT, "conformance/vectors/jwt/jwt.json")
DRIVER = os.path.join(c.ROOT, "conformance/vectors/tokens/tokens.json")


def first_step(path, op, with_key):
    doc = json.load(open(path))
    for case in doc["cases"]:
        for step in case["steps"]:
            if step["op"] == op and with_key in step:
                return doc, case, step
    raise AssertionError(f"no {op} step with {with_key} in {path}")


def run(tmp_path, doc):
    f = tmp_path / "v.json"
    f.write_text(json.dumps(doc))
    return c.check([f])


def test_committed_vectors_pass():
    steps, failures = c.check(c.vector_files([]))
    assert steps > 2000 and failures == []


def test_misspelt_input_member_fails(tmp_path):
    doc, case, step = first_step(JWT, "jwt.verify", "expect")
    step["input"]["tokn"] = step["input"].pop("token")
    _, failures = run(tmp_path, doc)
    assert any(case["name"] in f and "tokn" in f for f in failures), failures


def test_misspelt_output_member_fails(tmp_path):
    doc, case, step = first_step(JWT, "jwt.verify", "expect")
    step["expect"]["claimz"] = step["expect"].pop("claims")
    _, failures = run(tmp_path, doc)
    assert any(case["name"] in f and "expect" in f and "claimz" in f for f in failures), failures


def test_misspelt_member_of_an_action_fails(tmp_path):
    doc, case, step = first_step(DRIVER, "driver.send", "expect")
    action = step["expect"]["actions"][0]
    action["requst"] = action.pop("request")
    _, failures = run(tmp_path, doc)
    assert any(case["name"] in f and "actions/0" in f for f in failures), failures


def test_a_binding_placeholder_is_valid_anywhere(tmp_path):
    doc, case, step = first_step(JWT, "jwt.verify", "expect")
    step["input"]["token"] = {"$ref": "issued.token"}
    step["input"]["config"] = {"$ref": "earlier.config"}
    _, failures = run(tmp_path, doc)
    assert failures == []


def test_an_op_without_schemas_fails(tmp_path):
    doc, case, step = first_step(JWT, "jwt.verify", "expect")
    step["op"] = "jwt.verify_twice"
    _, failures = run(tmp_path, doc)
    assert any("no schemas for op 'jwt.verify_twice'" in f for f in failures), failures


@pytest.mark.parametrize("op", sorted(json.load(open(c.OP_SCHEMAS))["ops"]))
def test_every_op_has_input_and_output(op):
    spec = json.load(open(c.OP_SCHEMAS))["ops"][op]
    assert set(spec) <= {"input", "output", "lenient_on_error", "profile"} and "input" in spec and "output" in spec
    if "profile" in spec:
        assert set(spec["profile"]) == {"settings", "section"}
        assert spec["profile"]["settings"] in spec["input"]["properties"] and "profile" in spec["input"]["properties"]
    for member, why in spec.get("lenient_on_error", {}).items():
        assert member in spec["input"]["properties"] and why
