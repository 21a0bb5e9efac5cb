"""End to end on loopback for the Node and Rust clients: the reference server in its own process
(the ``server`` fixture of ``conftest.py``), each CLI as its own process, a person approving
device logins through the ``/device`` page with form posts, and the Express app verifying the
server's tokens from its JWKS.

Run by ``make example-clients-test``, which builds what it needs first (the Node addon, the
example's ``npm ci``, the Rust CLI) and names this file explicitly: it is not a ``test_*.py``
module, so ``make example-server-test`` (Python only) does not collect it. A missing client is
a failure, never a skip.
"""

import base64
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import time
from typing import Any, Dict, Iterator, List

import httpx
import pytest

from authcore.jwt import Issuer
from conftest import SERVICES_TOKEN, start_listening, stop_server
from test_e2e import db_rows, family_size, password_token, person, register

EXAMPLES = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOT = os.path.dirname(EXAMPLES)
NODE_DIR = os.path.join(EXAMPLES, "node")
RUST_CLI = os.environ.get("AUTHCORE_RUST_CLI", os.path.join(ROOT, "target", "debug", "authcore-rust-cli"))
CODE = re.compile(r"enter the code ([A-Z]{4}-[A-Z]{4})")


def client_command(kind: str) -> List[str]:
    """The CLI's command line; a client that is not built fails the test loudly."""
    if kind == "node":
        node = shutil.which("node")
        assert node, "node is not installed"
        assert os.path.isdir(os.path.join(NODE_DIR, "node_modules", "express")), "run `make example-clients-test` (npm ci in examples/node)"
        return [node, os.path.join(NODE_DIR, "cli.mjs")]
    assert os.access(RUST_CLI, os.X_OK), "the Rust CLI is not built: run `make example-clients-test`"
    return [RUST_CLI]


class Cli:
    """One client's CLI against the server, with its own token file."""

    def __init__(self, kind: str, base: str, tokens: str) -> None:
        self.cmd = client_command(kind) + ["--server", base, "--tokens", tokens]
        self.tokens = tokens

    def run(self, *args: str) -> "subprocess.CompletedProcess[str]":
        return subprocess.run(self.cmd + list(args), capture_output=True, text=True, timeout=60)

    def login(self, on_code: Any) -> "subprocess.CompletedProcess[str]":
        """Starts ``login``, hands the printed user code to ``on_code``, waits for the end."""
        proc = subprocess.Popen(self.cmd + ["login"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = CODE.search(line)
        if not match:
            proc.kill()
            raise AssertionError("no user code in %r" % line)
        on_code(match.group(1))
        out, err = proc.communicate(timeout=60)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, line + err)

    def edit_tokens(self, **changes: Any) -> None:
        """Changes the stored token set in place (the file keeps its 0600 mode)."""
        with open(self.tokens) as f:
            doc = json.load(f)
        doc["tokens"].update(changes)
        with open(self.tokens, "w") as f:
            json.dump(doc, f)

    def stored(self) -> Dict[str, Any]:
        with open(self.tokens) as f:
            return dict(json.load(f))


@pytest.mark.parametrize("kind", ["node", "rust"])
def test_cli_device_login_refresh_forced_401_and_revoked_family(kind: str, server: Dict[str, Any], tmp_path: Any) -> None:
    base, db = server["base"], server["db"]
    user_id = register(base, kind + "-alice")
    cli = Cli(kind, base, str(tmp_path / "auth.json"))

    codes: List[str] = []

    def approve(code: str) -> None:
        codes.append(code)
        assert "Device connected" in person(base, kind + "-alice", code)

    done = cli.login(approve)
    assert done.returncode == 0, done.stderr
    assert "Signed in." in done.stdout
    assert stat.S_IMODE(os.stat(cli.tokens).st_mode) == 0o600
    assert family_size(db, user_id) == 1
    grant = [g for g in db_rows(db, "grant") if g["user_code"] == codes[0].replace("-", "")]
    assert len(grant) == 1 and grant[0]["status"] == "consumed"

    # an authenticated call
    who = cli.run("whoami")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["user_id"] == user_id
    assert family_size(db, user_id) == 1  # a fresh token is not refreshed

    # past the refresh point (100 s left, the margin is 300 s): exactly one refresh, then the call
    first_refresh = cli.stored()["tokens"]["refresh_token"]
    cli.edit_tokens(expires_at=int(time.time()) + 100)
    call = cli.run("call", "/api/me")
    assert call.returncode == 0, call.stderr
    assert json.loads(call.stdout)["user_id"] == user_id
    assert family_size(db, user_id) == 2
    assert cli.stored()["tokens"]["refresh_token"] != first_refresh
    assert stat.S_IMODE(os.stat(cli.tokens).st_mode) == 0o600
    assert cli.run("call", "/api/me").returncode == 0
    assert family_size(db, user_id) == 2  # the new token is fresh: no second refresh

    # a forced 401: the server refuses the access token; one refresh, one retry, success
    cli.edit_tokens(access_token="not-a-jwt")
    call = cli.run("call", "/api/me")
    assert call.returncode == 0, call.stderr
    assert json.loads(call.stdout)["user_id"] == user_id
    assert family_size(db, user_id) == 3

    # a replayed refresh token revokes the family; the next refresh is refused: a clean
    # failure, and the core's clear_tokens removed the token file
    replay = httpx.post(base + "/api/auth/token/refresh/", data={"grant_type": "refresh_token", "refresh_token": first_refresh, "client_id": "authcore-agent"})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert {r["status"] for r in db_rows(db, "refresh") if r["user_id"] == user_id} == {"revoked"}
    cli.edit_tokens(expires_at=int(time.time()) - 10)
    failed = cli.run("call", "/api/me")
    assert failed.returncode == 2, failed.stdout + failed.stderr
    assert "Sign in again" in failed.stderr and "invalid_grant" in failed.stderr
    assert not os.path.exists(cli.tokens)
    again = cli.run("whoami")  # no tokens: not authenticated, no request
    assert again.returncode == 2 and "not_authenticated" in again.stderr

    # logout of a signed-out client is fine
    assert cli.run("logout").returncode == 0


@pytest.mark.parametrize("kind", ["node", "rust"])
def test_cli_denied_login(kind: str, server: Dict[str, Any], tmp_path: Any) -> None:
    base = server["base"]
    register(base, kind + "-bob")
    cli = Cli(kind, base, str(tmp_path / "auth.json"))
    done = cli.login(lambda code: person(base, kind + "-bob", code, "deny"))
    assert done.returncode == 2 and "access_denied" in done.stderr
    assert not os.path.exists(cli.tokens)


@pytest.mark.parametrize("kind", ["node", "rust"])
def test_cli_expired_device_code(kind: str, server: Dict[str, Any], tmp_path: Any) -> None:
    def expire(code: str) -> None:  # the grant's lifetime runs out on the server
        with sqlite3.connect(server["db"]) as c:
            for key, body in c.execute("SELECT key, body FROM records WHERE kind = 'grant'").fetchall():
                grant = json.loads(body)
                if grant["user_code"] == code.replace("-", ""):
                    grant["expires_at"] = int(time.time()) - 1
                    c.execute("UPDATE records SET body = ? WHERE kind = 'grant' AND key = ?", (json.dumps(grant), key))

    cli = Cli(kind, server["base"], str(tmp_path / "auth.json"))
    done = cli.login(expire)
    assert done.returncode == 2 and "expired_token" in done.stderr
    assert not os.path.exists(cli.tokens)


@pytest.mark.parametrize("kind", ["node", "rust"])
def test_cli_logout_removes_the_file(kind: str, server: Dict[str, Any], tmp_path: Any) -> None:
    base = server["base"]
    register(base, kind + "-carol")
    cli = Cli(kind, base, str(tmp_path / "auth.json"))
    assert cli.login(lambda code: person(base, kind + "-carol", code)).returncode == 0
    who = cli.run("whoami")
    assert who.returncode == 0 and json.loads(who.stdout)["username"] == kind + "-carol"
    out = cli.run("logout")
    assert out.returncode == 0 and "Signed out." in out.stdout
    assert not os.path.exists(cli.tokens)


@pytest.fixture(scope="module")
def express_app(server: Dict[str, Any]) -> Iterator[str]:
    """The Express example as its own process, trusting the server's JWKS."""
    cmd = client_command("node")[:1] + [os.path.join(NODE_DIR, "express-app.mjs"), "--server", server["base"], "--port", "0"]
    proc, url = start_listening(cmd, NODE_DIR, dict(os.environ, AUTHCORE_SERVICES_TOKEN=SERVICES_TOKEN))
    try:
        yield url
    finally:
        stop_server(proc)


def assert_catalog(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"detail", "code"} and body["code"] == code, body


def test_express_app_trusts_the_servers_tokens(server: Dict[str, Any], express_app: str) -> None:
    base, db = server["base"], server["db"]
    user_id = register(base, "express-dave")
    token = password_token(base, "express-dave")
    me = httpx.get(express_app + "/api/me", headers={"Authorization": "Bearer " + token})
    assert me.status_code == 200 and me.json() == {"user_id": user_id, "credential": "jwt"}

    # no credential, a garbage token, a token signed by another key, an expired token
    none = httpx.get(express_app + "/api/me")
    assert_catalog(none, 401, "not_authenticated")
    assert none.headers["www-authenticate"].startswith("Bearer")
    assert_catalog(httpx.get(express_app + "/api/me", headers={"Authorization": "Bearer not-a-jwt"}), 401, "invalid_token")
    other_key = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    stranger = Issuer({"alg": "EdDSA", "kid": "k1", "raw_b64": other_key}).issue({"sub": user_id})
    assert_catalog(httpx.get(express_app + "/api/me", headers={"Authorization": "Bearer " + stranger}), 401, "invalid_signature")
    with sqlite3.connect(db) as c:
        (spec,) = c.execute("SELECT body FROM records WHERE kind = 'key' AND key = 'k1'").fetchone()
    old = Issuer(json.loads(spec)["spec"], lifetime=60).issue({"sub": user_id}, now=int(time.time()) - 3600)
    assert_catalog(httpx.get(express_app + "/api/me", headers={"Authorization": "Bearer " + old}), 401, "token_expired")

    # guest-readable: a guest reads, never writes
    guest = {"X-Guest-ID": "guest_e2e_0002"}
    assert httpx.get(express_app + "/api/dashboard", headers=guest).json() == {"guest": True, "widgets": ["demo"]}
    assert_catalog(httpx.post(express_app + "/api/dashboard", headers=guest), 403, "guest_read_only")
    assert httpx.post(express_app + "/api/dashboard", headers={"Authorization": "Bearer " + token}).json() == {"saved": True}

    # service-token-only
    ok = httpx.get(express_app + "/api/internal/stats", headers={"X-Services-Token": SERVICES_TOKEN})
    assert ok.status_code == 200 and ok.json() == {"service": "internal"}
    assert_catalog(httpx.get(express_app + "/api/internal/stats", headers={"X-Services-Token": SERVICES_TOKEN + "x"}), 401, "invalid_service_token")
    assert httpx.get(express_app + "/api/internal/stats", headers={"Authorization": "Bearer " + token}).status_code in (401, 403)
