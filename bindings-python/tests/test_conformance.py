"""Every conformance vector, on both crypto backends, through the Python binding."""

import pytest

import runner

CASES = runner.load()


def test_vectors_exist() -> None:
    assert len(CASES) > 500
    assert {area for area, _, _ in CASES} >= {"errors", "jwt", "tokens", "device", "session", "gate", "password", "refresh", "oauth", "broker"}


@pytest.mark.parametrize("backend", runner.BACKENDS)
@pytest.mark.parametrize("area,fname,case", CASES, ids=["%s/%s" % (a, c["name"]) for a, _, c in CASES])
def test_vector(area: str, fname: str, case: dict, backend: str) -> None:
    runner.run_case(case, backend)


def test_unknown_operations_fail() -> None:
    with pytest.raises(runner.CaseFailure, match="unknown operation"):
        runner.run_case({"name": "x", "steps": [{"op": "jwt.frobnicate", "input": {}, "expect": {}}]}, "native")


def test_a_wrong_expectation_fails() -> None:
    case = {"name": "x", "steps": [{"op": "tokens.freshness", "input": {"tokens": {"access_token": "a", "token_type": "Bearer", "expires_at": 100}, "now": 0}, "expect": {"freshness": "expired"}}]}
    with pytest.raises(runner.CaseFailure, match="output mismatch"):
        runner.run_case(case, "native")


def test_strict_json_equality() -> None:
    assert runner.same({"a": [1, "x"]}, {"a": [1, "x"]})
    assert not runner.same(True, 1)
    assert not runner.same(1, 1.0)
    assert not runner.same({"a": 1}, {"a": 1, "b": None})


def test_every_vector_file_matches_the_schema() -> None:
    import glob
    import json
    import os

    import jsonschema

    root = os.path.dirname(runner.VECTORS)
    with open(os.path.join(root, "schema.json")) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(glob.glob(os.path.join(runner.VECTORS, "*", "*.json")))
    assert len(files) >= 10
    for path in files:
        with open(path) as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, "%s: %s at %s" % (path, errors[0].message, list(errors[0].absolute_path))
        assert doc["suite"] == os.path.basename(os.path.dirname(path))


def test_a_failure_on_one_backend_counts_in_that_column_only(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    area = tmp_path / "vectors" / "errors"
    area.mkdir(parents=True)
    good = {"name": "good", "steps": [{"op": "errors.lookup", "input": {"code": "token_expired"}}]}
    odd = {"name": "portable-only failure", "steps": [{"op": "errors.lookup", "input": {"code": "token_expired"}}]}
    (area / "one.json").write_text(json.dumps({"suite": "errors", "description": "x", "cases": [good, odd]}))
    real = runner.run_case

    def run_case(case: dict, backend: str) -> None:
        real(case, backend)
        if case["name"] == "portable-only failure" and backend == "portable":
            raise runner.CaseFailure("deliberately broken on portable")

    monkeypatch.setattr(runner, "run_case", run_case)
    out = tmp_path / "out" / "python.json"
    assert runner.main(["--json", str(out), str(tmp_path / "vectors")]) == 1
    with open(out) as f:
        doc = json.load(f)
    assert doc == {"runner": "python", "backends": {"native": {"errors": [2, 2]}, "portable": {"errors": [1, 2]}}}
    printed = capsys.readouterr()
    assert printed.out.strip() == "python-native 2/2; python-portable 1/2"
    assert "FAIL [python-portable] one.json / portable-only failure: deliberately broken" in printed.err
    monkeypatch.setattr(runner, "run_case", real)
    assert runner.main(["--json", str(out), str(tmp_path / "vectors")]) == 0
    with open(out) as f:
        assert json.load(f)["backends"]["portable"] == {"errors": [2, 2]}
