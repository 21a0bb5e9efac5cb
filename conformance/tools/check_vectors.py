#!/usr/bin/env python3
"""Runs every vector generator in this directory (`gen_*.py`) with `--check`: each one
regenerates its suites in memory and compares them with the committed files under
conformance/vectors/ (ES256/PS256 signatures excepted, see vectorlib.write_suite).

Exits non-zero when any file is out of date or a generator cannot run. Needs `openssl` on
PATH and `argon2-cffi` in the running Python (run it with the repo's .venv/bin/python;
`make lint` does)."""
import glob
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    missing = []
    if shutil.which("openssl") is None:
        missing.append("the `openssl` CLI is not on PATH (apt-get install openssl)")
    try:
        import argon2.low_level  # noqa: F401  (gen_server_vectors.py)
    except ImportError:
        missing.append("argon2-cffi is not installed in %s (pip install -r bindings-python/requirements-dev.txt)" % sys.executable)
    if missing:
        for m in missing:
            print("check_vectors: " + m, file=sys.stderr)
        return 2
    failed = []
    for gen in sorted(glob.glob(os.path.join(HERE, "gen_*.py"))):
        name = os.path.basename(gen)
        r = subprocess.run([sys.executable, gen, "--check"], cwd=HERE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            failed.append(name)
            sys.stderr.write("%s --check failed (exit %d):\n%s" % (name, r.returncode, r.stderr))
    if failed:
        print("check_vectors: out of date or broken: %s (rerun the generator and commit its output)" % ", ".join(failed), file=sys.stderr)
        return 1
    print("check_vectors: every committed vector file matches its generator")
    return 0


if __name__ == "__main__":
    sys.exit(main())
