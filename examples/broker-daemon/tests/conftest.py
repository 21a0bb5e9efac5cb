import os
import subprocess
import sys
from typing import Any, Dict, Iterator

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
DAEMON_DIR = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, DAEMON_DIR)

from authserver import AuthServer  # noqa: E402


class DaemonProcess:
    """The daemon as its own process on a free loopback port, restartable on the same home."""

    def __init__(self, home: str) -> None:
        self.home = home
        self.proc: Any = None
        self.base = ""

    def start(self) -> None:
        env = dict(os.environ, PYTHONPATH=DAEMON_DIR)
        env.pop("AUTHCORE_SERVER_BASE_URL", None)
        cmd = [sys.executable, "-m", "authcore_daemon", "serve", "--home", self.home, "--port", "0",
               "--allow-loopback-http"]
        self.proc = subprocess.Popen(cmd, cwd=DAEMON_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            self.proc.kill()
            raise RuntimeError("daemon did not start: %r %s" % (line, self.proc.stderr.read()))
        self.base = line.split()[-1]

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def token(self) -> str:
        with open(os.path.join(self.home, "local-token"), encoding="utf-8") as f:
            return f.read().strip()


@pytest.fixture(scope="module")
def auth_server() -> Iterator[AuthServer]:
    server = AuthServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: Any) -> Iterator[DaemonProcess]:
    d = DaemonProcess(str(tmp_path_factory.mktemp("daemon") / "home"))
    d.start()
    try:
        yield d
    finally:
        d.stop()


@pytest.fixture(scope="module")
def shared() -> Dict[str, Any]:
    """State handed from one step of the module to the next."""
    return {}
