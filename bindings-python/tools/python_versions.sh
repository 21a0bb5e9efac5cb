#!/usr/bin/env bash
# Installs the built wheel (--no-index) into a fresh venv for the oldest Python the wheel
# claims (3.9) and the newest one installed under $PYENV_ROOT/versions, and runs
# tools/smoke.py there; when pytest installs for that version, the conformance runner too.
# A machine without those interpreters prints "skipped: ..." and passes, except under
# CI=true on a machine that has pyenv at all.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
root=${PYENV_ROOT:-/root/.pyenv}
wheel=$(ls target/wheels/authcore-*.whl 2>/dev/null | head -n 1)
[ -n "$wheel" ] || { echo "python-versions: no wheel in target/wheels (run make python)"; exit 1; }

missing() {
    echo "skipped: no python$1 at $root/versions"
    if [ "${CI:-}" = true ] && [ -d "$root" ]; then
        echo "python-versions: CI=true and $root exists, so python$1 must be there"
        exit 1
    fi
}

found=$(ls "$root/versions" 2>/dev/null | grep -E '^3\.[0-9]+\.[0-9]+$' | sort -V)
oldest=$(echo "$found" | grep -E '^3\.9\.' | tail -n 1)
newest=$(echo "$found" | tail -n 1)
wanted=()
if [ -n "$oldest" ]; then wanted+=("$oldest"); else missing 3.9; fi
if [ -n "$newest" ] && [ "$(printf '%s\n' "$newest" 3.13 | sort -V | head -n 1)" = 3.13 ]; then
    [ "$newest" != "$oldest" ] && wanted+=("$newest")
else
    missing "3.13 (or newer)"
fi

status=0
for v in "${wanted[@]}"; do
    py="$root/versions/$v/bin/python3"
    venv="target/venv-py$v"
    rm -rf "$venv"
    if ! "$py" -m venv "$venv" || ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"; then
        echo "python $v: FAILED to install $wheel"; status=1; continue
    fi
    if ! (cd /tmp && "$repo/$venv/bin/python" "$repo/bindings-python/tools/smoke.py"); then
        echo "python $v: smoke FAILED"; status=1; continue
    fi
    if "$venv/bin/python" -m pip install --quiet --disable-pip-version-check pytest >/dev/null 2>&1; then
        if "$venv/bin/python" conformance/python/runner.py conformance/vectors > "target/conformance-py$v.txt" 2>&1; then
            echo "python $v: conformance runner: $(tail -n 1 "target/conformance-py$v.txt")"
        else
            tail -n 20 "target/conformance-py$v.txt"; echo "python $v: conformance runner FAILED"; status=1
        fi
    else
        echo "python $v: conformance runner skipped: pytest could not be installed from the package index"
    fi
done
exit $status
