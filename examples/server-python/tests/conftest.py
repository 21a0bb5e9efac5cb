import os
import subprocess
import sys
from typing import Any, Dict, Iterator, List

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_DIR = os.path.dirname(HERE)
AGENT_DIR = os.path.join(os.path.dirname(SERVER_DIR), "agent-python")
sys.path.insert(0, AGENT_DIR)
sys.path.insert(0, SERVER_DIR)

SERVICES_TOKEN = "e2e-services-token-0123456789abcdef"
ACCESS_TTL = 600  # the agent refreshes 300 s before expiry (the profile's margin)


def start_listening(cmd: List[str], cwd: str, env: Dict[str, str]) -> "tuple[subprocess.Popen[str], str]":
    """A server process that prints ``listening on <url>`` once bound: the process and the URL."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError("%s did not start: %r %s" % (cmd[1], line, proc.stderr.read() if proc.stderr else ""))
    return proc, line.split()[-1]


def start_server(db: str, *args: str, env: Any = None) -> "tuple[subprocess.Popen[str], str]":
    """``python -m authcore_server serve`` as its own process on a free loopback port (SQLite
    file or PostgreSQL URL ``db``, extra ``args``): the process and its base URL."""
    environ = dict(os.environ, AUTHCORE_SERVICES_TOKEN=SERVICES_TOKEN, PYTHONPATH=SERVER_DIR, **(env or {}))
    cmd = [sys.executable, "-m", "authcore_server", "serve", "--port", "0", "--db", db, *args]
    return start_listening(cmd, SERVER_DIR, environ)


def stop_server(proc: "subprocess.Popen[str]") -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: Any) -> Iterator[Dict[str, Any]]:
    """The reference server as its own process on a free loopback port."""
    db = str(tmp_path_factory.mktemp("server") / "authcore.db")
    proc, base = start_server(db, "--access-ttl", str(ACCESS_TTL), "--interval", "2")
    try:
        yield {"base": base, "db": db}
    finally:
        stop_server(proc)


def _postgres_unavailable(reason: str) -> None:
    """Say loudly that PostgreSQL is missing; fail under ``CI=true``, skip otherwise."""
    import warnings

    message = "PostgreSQL IS NOT AVAILABLE: the tests on PostgreSQL did not run.\n" + reason
    sys.stderr.write("\n" + "!" * 78 + "\n" + message + "\n" + "!" * 78 + "\n")
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    warnings.warn(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on loopback (``scripts/postgres.sh``, which installs
    Debian's server under ``CI=true``); its URL. Stopped and removed after the session."""
    script = os.path.join(os.path.dirname(os.path.dirname(SERVER_DIR)), "scripts", "postgres.sh")
    try:
        out = subprocess.run([script, "start"], capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        _postgres_unavailable(str(e))
        raise
    if out.returncode != 0:
        _postgres_unavailable(out.stderr.strip())
    url, directory = out.stdout.split("\n")[:2]
    try:
        yield url
    finally:
        subprocess.run([script, "stop", directory], check=False)
