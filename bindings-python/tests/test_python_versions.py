"""`make python-versions` skips cleanly where pyenv's interpreters are absent, except under CI
on a machine that has pyenv. (Its real run is part of `make python-test`.)"""

import glob
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "bindings-python" / "tools" / "python_versions.sh"

pytestmark = pytest.mark.skipif(not glob.glob(str(REPO / "target" / "wheels" / "authcore-*.whl")), reason="no built wheel")


def run(root: Path, ci: bool) -> "subprocess.CompletedProcess[str]":
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYENV_ROOT"] = str(root)
    if ci:
        env["CI"] = "true"
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120)


def test_absent_interpreters_are_skipped(tmp_path: Path) -> None:
    for ci in (False, True):  # no pyenv at all: never an error
        out = run(tmp_path / "no-pyenv", ci)
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"skipped: no python3.9 at {tmp_path / 'no-pyenv'}/versions" in out.stdout


def test_ci_with_pyenv_requires_the_interpreters(tmp_path: Path) -> None:
    (tmp_path / "versions").mkdir()
    assert run(tmp_path, ci=False).returncode == 0
    out = run(tmp_path, ci=True)
    assert out.returncode == 1 and "must be there" in out.stdout, out.stdout
