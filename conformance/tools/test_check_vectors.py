"""The `--check` mode of the vector generators: an untouched tree passes, and an edited
vector file fails naming the file and the first differing case. Runs on a copy of
conformance/{tools,vectors,keys} in a temporary directory; the real tree is never written."""
import json
import os
import shutil
import subprocess
import sys

import pytest

TOOLS = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.dirname(TOOLS)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "conformance"
    shutil.copytree(os.path.join(CONFORMANCE, "tools"), root / "tools",
                    ignore=shutil.ignore_patterns("__pycache__", "test_*.py"))
    shutil.copytree(os.path.join(CONFORMANCE, "vectors"), root / "vectors")
    shutil.copytree(os.path.join(CONFORMANCE, "keys"), root / "keys")
    # gen_profile_vectors.py reads the profiles as shipped (`profile.load` hands them back).
    shutil.copytree(os.path.join(os.path.dirname(CONFORMANCE), "core", "profiles"), tmp_path / "core" / "profiles")
    return root


def check(root, *gen):
    """Run check_vectors.py (or one generator with --check) in the copied tree."""
    script = [str(root / "tools" / g) for g in gen] + ["--check"] if gen else [str(root / "tools" / "check_vectors.py")]
    return subprocess.run([sys.executable, *script], capture_output=True, text=True)


def edit(path, fn):
    text = path.read_text()
    new = fn(text)
    assert new != text
    path.write_text(new)


def test_untouched_tree_passes(tree):
    r = check(tree)
    assert r.returncode == 0, r.stderr
    assert "every committed vector file matches" in r.stdout


def test_changed_expectation_fails_naming_file_and_case(tree):
    path = tree / "vectors" / "tokens" / "tokens.json"
    suite = json.loads(path.read_text())
    i = 3
    name = suite["cases"][i]["name"]
    suite["cases"][i]["steps"][0]["input"]["tampered"] = True
    path.write_text(json.dumps(suite, indent=1))
    r = check(tree)
    assert r.returncode == 1
    assert "conformance/vectors/tokens/tokens.json: out of date: case %d %r differs" % (i, name) in r.stderr
    assert "gen_token_vectors.py --check failed" in r.stderr
    # the other generators still pass
    assert "gen_vectors.py --check failed" not in r.stderr


def test_formatting_only_change_fails(tree):
    edit(tree / "vectors" / "gate" / "security_gate.json", lambda t: t.rstrip("\n"))
    r = check(tree, "gen_sec_gate.py")
    assert r.returncode == 1
    assert "security_gate.json: out of date: the formatting differs" in r.stderr


def test_missing_and_dropped_cases_fail(tree):
    path = tree / "vectors" / "session" / "session.json"
    suite = json.loads(path.read_text())
    dropped = suite["cases"].pop()["name"]
    path.write_text(json.dumps(suite, indent=1, ensure_ascii=False) + "\n")
    (tree / "vectors" / "password" / "password.json").unlink()
    r = check(tree, "gen_server_vectors.py")
    assert r.returncode == 1
    assert "session.json: out of date: case %d %r is missing from the committed file" % (len(suite["cases"]), dropped) in r.stderr
    assert "password.json: cannot read the committed file" in r.stderr


def _es256_token(text):
    import re
    for m in re.finditer(r"eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", text):
        return m.group(0)
    raise AssertionError("no ES256 token in jwt.json")


def test_randomised_signature_is_ignored_but_payload_is_not(tree):
    path = tree / "vectors" / "jwt" / "jwt.json"
    tok = _es256_token(path.read_text())
    head, payload, sig = tok.split(".")
    other_sig = sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")
    edit(path, lambda t: t.replace(tok, ".".join([head, payload, other_sig])))
    r = check(tree, "gen_vectors.py")
    assert r.returncode == 0, r.stderr
    # the same token with a changed payload is a real difference
    edit(path, lambda t: t.replace(".".join([head, payload, other_sig]), ".".join([head, "e30", other_sig])))
    r = check(tree, "gen_vectors.py")
    assert r.returncode == 1
    assert "conformance/vectors/jwt/jwt.json: out of date: case" in r.stderr


def test_check_writes_nothing(tree):
    path = tree / "vectors" / "errors" / "catalog.json"
    edit(path, lambda t: t.replace('"Internal error."', '"Something else."'))
    before = path.read_text()
    r = check(tree, "gen_token_vectors.py")
    assert r.returncode == 1
    assert "catalog.json: out of date: case" in r.stderr
    assert path.read_text() == before
