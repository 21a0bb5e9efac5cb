"""End to end on loopback: the reference server in its own process, the Python agent CLI,
and a person approving device logins through the ``/device`` page with form posts."""

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import uuid
from typing import Any, Callable, Dict, List, Optional

import httpx
import pytest

import authcore
import authcore_agent
from authcore.jwt import Verifier
from authcore.stores import FileTokenStore
from conftest import ACCESS_TTL, AGENT_DIR, SERVICES_TOKEN

PASSWORD = "correct horse battery staple"
SUBSCRIPTION_BODY = '{"detail":"Active subscription required.","code":"subscription_required"}'


class Clock:
    """The agent's clock and cancel event: waiting moves simulated time, never sleeps."""

    def __init__(self, offset: float = 0) -> None:
        self.offset = offset

    def __call__(self) -> float:
        return time.time() + self.offset

    def is_set(self) -> bool:
        return False

    def set(self) -> None:
        pass

    def wait(self, timeout: Optional[float] = None) -> bool:
        self.offset += timeout or 0
        return False


def register(base: str, username: str) -> str:
    r = httpx.post(base + "/api/auth/register", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["user_id"])


def person(base: str, username: str, user_code: str, decision: str = "approve") -> str:
    """What a person does on /device: sign in, type the code, read the consent, decide."""
    with httpx.Client(base_url=base, follow_redirects=True) as web:
        page = web.get("/device", params={"user_code": user_code})
        assert page.status_code == 200 and "Sign in" in page.text
        page = web.post("/device/login", data={"username": username, "password": PASSWORD, "user_code": user_code})
        assert page.status_code == 200 and "Connect a device" in page.text, page.text
        consent = web.post("/device/code", data={"user_code": user_code.lower().replace("-", " ")})
        assert consent.status_code == 200, consent.text
        assert "authcore-agent" in consent.text and "Approve this device?" in consent.text
        done = web.post("/device/decide", data={"user_code": user_code, "decision": decision})
        assert done.status_code == 200, done.text
        return done.text


def db_rows(db: str, kind: str) -> List[Dict[str, Any]]:
    with sqlite3.connect(db) as c:
        return [json.loads(b) for (b,) in c.execute("SELECT body FROM records WHERE kind = ?", (kind,))]


def family_size(db: str, user_id: str) -> int:
    return len([r for r in db_rows(db, "refresh") if r["user_id"] == user_id])


def agent(tokens: str, server: Dict[str, Any], *args: str, **hooks: Any) -> int:
    return authcore_agent.main(["--server", server["base"], "--tokens", tokens, *args], **hooks)


def login(tmp_path: Any, server: Dict[str, Any], on_prompt: Callable[[Dict[str, Any]], None]) -> int:
    clock = Clock()
    return agent(str(tmp_path / "auth.json"), server, "login", prompt=on_prompt, clock=clock, cancel=clock)


def test_device_login_call_refresh_forced_401_and_revoked_family(server: Dict[str, Any], tmp_path: Any, capsys: Any) -> None:
    base, db = server["base"], server["db"]
    user_id = register(base, "alice")
    prompts: List[Dict[str, Any]] = []

    def approve(prompt: Dict[str, Any]) -> None:
        prompts.append(dict(prompt))
        assert prompt["verification_uri"] == base + "/device"
        assert "Device connected" in person(base, "alice", prompt["user_code"])

    assert login(tmp_path, server, approve) == 0
    assert len(prompts) == 1
    tokens = str(tmp_path / "auth.json")
    assert stat.S_IMODE(os.stat(tokens).st_mode) == 0o600
    assert family_size(db, user_id) == 1
    grant = [g for g in db_rows(db, "grant") if g["user_code"] == prompts[0]["user_code"].replace("-", "")]
    assert len(grant) == 1 and grant[0]["status"] == "consumed"

    # an authenticated call
    capsys.readouterr()
    assert agent(tokens, server, "whoami") == 0
    assert json.loads(capsys.readouterr().out)["user_id"] == user_id
    assert family_size(db, user_id) == 1  # a fresh token is not refreshed

    # past the refresh point (5 minutes before expiry): exactly one refresh, then the call
    first_refresh = FileTokenStore(tokens).load()["tokens"]["refresh_token"]  # type: ignore[index]
    later = Clock(ACCESS_TTL - 250)
    assert agent(tokens, server, "call", "/api/me", clock=later) == 0
    assert family_size(db, user_id) == 2
    assert agent(tokens, server, "call", "/api/me", clock=later) == 0
    assert family_size(db, user_id) == 2  # the new token is fresh: no second refresh

    # a forced 401: the server refuses the access token; one refresh, one retry, success
    store = FileTokenStore(tokens)
    doc = store.load()
    assert doc is not None
    broken = dict(doc, generation=doc["generation"] + 1, tokens=dict(doc["tokens"], access_token="not-a-jwt"))
    assert store.save(broken, doc["generation"])
    capsys.readouterr()
    assert agent(tokens, server, "call", "/api/me") == 0
    assert json.loads(capsys.readouterr().out)["user_id"] == user_id
    assert family_size(db, user_id) == 3

    # a replayed refresh token revokes the family; the agent fails cleanly and forgets the tokens
    replay = httpx.post(base + "/api/auth/token/refresh/", data={"grant_type": "refresh_token", "refresh_token": first_refresh, "client_id": "authcore-agent"})
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert {r["status"] for r in db_rows(db, "refresh") if r["user_id"] == user_id} == {"revoked"}
    capsys.readouterr()
    assert agent(tokens, server, "call", "/api/me", clock=Clock(ACCESS_TTL + 60)) == 2
    assert "Sign in again" in capsys.readouterr().err
    assert not os.path.exists(tokens)
    assert agent(tokens, server, "whoami") == 2  # no tokens: not authenticated, no request


def test_denied_login(server: Dict[str, Any], tmp_path: Any, capsys: Any) -> None:
    register(server["base"], "bob")
    assert login(tmp_path, server, lambda p: person(server["base"], "bob", p["user_code"], "deny")) == 2
    assert "access_denied" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "auth.json")


def test_expired_device_code(server: Dict[str, Any], tmp_path: Any, capsys: Any) -> None:
    def expire(prompt: Dict[str, Any]) -> None:  # the grant's lifetime runs out on the server
        with sqlite3.connect(server["db"]) as c:
            for key, body in c.execute("SELECT key, body FROM records WHERE kind = 'grant'").fetchall():
                grant = json.loads(body)
                if grant["user_code"] == prompt["user_code"].replace("-", ""):
                    grant["expires_at"] = int(time.time()) - 1
                    c.execute("UPDATE records SET body = ? WHERE kind = 'grant' AND key = ?", (json.dumps(grant), key))

    assert login(tmp_path, server, expire) == 2
    assert "expired_token" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "auth.json")


def test_the_cli_as_a_process(server: Dict[str, Any], tmp_path: Any) -> None:
    base = server["base"]
    register(base, "carol")
    tokens = str(tmp_path / "auth.json")
    cli = [sys.executable, os.path.join(AGENT_DIR, "authcore_agent.py"), "--server", base, "--tokens", tokens]
    proc = subprocess.Popen(cli + ["login"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    match = re.search(r"enter the code ([A-Z]{4}-[A-Z]{4})", line)
    assert match, line
    person(base, "carol", match.group(1))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Signed in." in out
    who = subprocess.run(cli + ["whoami"], capture_output=True, text=True, timeout=60)
    assert who.returncode == 0 and json.loads(who.stdout)["username"] == "carol"
    assert subprocess.run(cli + ["logout"], capture_output=True, text=True, timeout=60).returncode == 0
    assert not os.path.exists(tokens)


def password_token(base: str, username: str) -> str:
    r = httpx.post(base + "/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == ACCESS_TTL and body["refresh_token"]
    return str(body["access_token"])


def test_login_and_jwks(server: Dict[str, Any]) -> None:
    base = server["base"]
    user_id = register(base, "dave")
    token = password_token(base, "dave")
    again = httpx.post(base + "/api/auth/register", json={"username": "dave", "password": PASSWORD})
    assert again.status_code == 409 and again.json()["code"] == "user_exists"
    wrong = httpx.post(base + "/api/auth/login", json={"username": "dave", "password": "wrong password!!"})
    unknown = httpx.post(base + "/api/auth/login", json={"username": "nobody", "password": "wrong password!!"})
    assert wrong.status_code == unknown.status_code == 401 and wrong.json() == unknown.json()
    jwks = httpx.get(base + "/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == ["k1"] and "d" not in jwks["keys"][0]
    claims = Verifier(algorithms=["EdDSA"], keys=[{"jwk": jwks["keys"][0]}]).verify(token)["claims"]
    assert claims["sub"] == user_id and claims["exp"] - claims["iat"] == ACCESS_TTL


def test_one_route_per_rule(server: Dict[str, Any]) -> None:
    base, db = server["base"], server["db"]
    user_id = register(base, "erin")
    bearer = {"Authorization": "Bearer " + password_token(base, "erin")}
    identity = [u for u in db_rows(db, "user") if u["user_id"] == user_id][0]["identities"][0]

    assert httpx.get(base + "/api/me").status_code == 401
    assert httpx.get(base + "/api/me", headers=bearer).json()["user_id"] == user_id

    # identity-scoped: the caller's own identity, never another one
    own = httpx.get(base + "/api/inbox", headers=dict(bearer, **{"X-Ravi-Identity": identity}))
    assert own.status_code == 200 and own.json()["identity"] == identity
    other = httpx.get(base + "/api/inbox", headers=dict(bearer, **{"X-Ravi-Identity": str(uuid.uuid4())}))
    assert other.status_code == 403 and other.json()["code"] == "identity_forbidden"

    # guest-readable: a guest reads, never writes
    guest = {"X-Guest-ID": "guest_e2e_0001"}
    assert httpx.get(base + "/api/dashboard", headers=guest).json() == {"guest": True, "widgets": ["demo"]}
    refused = httpx.post(base + "/api/dashboard", headers=guest)
    assert refused.status_code == 403 and refused.json()["code"] == "guest_read_only"
    assert httpx.post(base + "/api/dashboard", headers=bearer).json() == {"saved": True}

    # service-token-only
    ok = httpx.get(base + "/api/internal/stats", headers={"X-Services-Token": SERVICES_TOKEN})
    assert ok.status_code == 200 and ok.json()["service"] == "internal"
    wrong = httpx.get(base + "/api/internal/stats", headers={"X-Services-Token": SERVICES_TOKEN + "x"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_service_token"
    assert httpx.get(base + "/api/internal/stats", headers=bearer).status_code in (401, 403)

    # subscription-gated: 402 with the catalog body, byte for byte
    gated = httpx.get(base + "/api/reports/premium", headers=bearer)
    assert gated.status_code == 402 and gated.text == SUBSCRIPTION_BODY
    assert gated.text == authcore.error_body("subscription_required")


def test_one_device_code_yields_tokens_once_under_concurrent_polls(server: Dict[str, Any]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    base = server["base"]
    register(base, "frank")
    start = httpx.post(base + "/api/auth/device/", data={"client_id": "authcore-agent"}).json()
    person(base, "frank", start["user_code"])
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": start["device_code"], "client_id": "authcore-agent"}
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: httpx.post(base + "/api/auth/device/token/", data=form), range(20)))
    winners = [r for r in answers if r.status_code == 200]
    assert len(winners) == 1 and winners[0].json()["access_token"]
    assert all(r.status_code == 400 and "error" in r.json() for r in answers if r.status_code != 200)


def test_a_refresh_token_rotates_once_under_concurrent_use(server: Dict[str, Any]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    base, db = server["base"], server["db"]
    user_id = register(base, "grace")
    r = httpx.post(base + "/api/auth/login", json={"username": "grace", "password": PASSWORD}).json()
    form = {"grant_type": "refresh_token", "refresh_token": r["refresh_token"]}
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: httpx.post(base + "/api/auth/token/refresh/", data=form), range(10)))
    assert [a.status_code for a in answers].count(200) == 1
    assert all(a.json()["error"] == "invalid_grant" for a in answers if a.status_code != 200)
    family = [rec for rec in db_rows(db, "refresh") if rec["user_id"] == user_id]
    # the losers either lost the swap or saw a reused token (then the whole family is revoked)
    statuses = sorted(rec["status"] for rec in family)
    assert len(family) == 2 and statuses in (["active", "rotated"], ["revoked", "revoked"])


def test_storage_writes_only_over_the_revision_it_read(tmp_path: Any) -> None:
    from authcore_server.storage import SqliteStorage

    s = SqliteStorage(str(tmp_path / "cas.db"))
    assert s.insert("session", "h1", {"token_hash": "h1", "revision": 1})
    assert not s.insert("session", "h1", {"token_hash": "h1", "revision": 1})
    assert s.swap("session", "h1", {"token_hash": "h1", "revision": 2, "n": "a"})
    assert not s.swap("session", "h1", {"token_hash": "h1", "revision": 2, "n": "b"})  # made from revision 1 too
    assert s.get("session", "h1") == {"token_hash": "h1", "revision": 2, "n": "a"}
    assert not s.swap("session", "missing", {"revision": 1})


def test_default_settings_answer_expires_in_3600(tmp_path: Any) -> None:
    import asyncio

    from authcore_server import Settings, SqliteStorage, create_app

    app = create_app(SqliteStorage(str(tmp_path / "d.db")), Settings("http://127.0.0.1:1", env={"AUTHCORE_SERVICES_TOKEN": "x" * 32}))

    async def run() -> Dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:1") as c:
            await c.post("/api/auth/register", json={"username": "heidi", "password": PASSWORD})
            return (await c.post("/api/auth/login", json={"username": "heidi", "password": PASSWORD})).json()

    body = asyncio.run(run())
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"


def test_device_page_refusals(server: Dict[str, Any]) -> None:
    base = server["base"]
    register(base, "ivan")
    with httpx.Client(base_url=base) as web:
        # not signed in: the code and decision forms send the person back to sign in
        assert web.post("/device/decide", data={"user_code": "BCDF-GHJK", "decision": "approve"}).status_code == 303
        bad = web.post("/device/login", data={"username": "ivan", "password": "not the password"})
        assert bad.status_code == 401 and "authcore_device" not in web.cookies
        assert web.post("/device/login", data={"username": "ivan", "password": PASSWORD}).status_code == 303
        unknown = web.post("/device/code", data={"user_code": "BCDF-GHJK"})
        assert unknown.status_code == 400 and "Approve" not in unknown.text
    assert httpx.post(base + "/api/auth/register", content=b"[1]").status_code == 400
    assert httpx.post(base + "/api/auth/login", content=b"{").json()["code"] == "invalid_request"


@pytest.mark.parametrize("name", ["ravi", "reeve", "rag-modulo"])
def test_every_profile_serves_its_conventions(tmp_path: Any, name: str) -> None:
    import asyncio

    from authcore_server import Settings, SqliteStorage, create_app

    env = {"AUTHCORE_SERVICES_TOKEN": "s" * 32, "REEVE_SERVICES_TOKEN": "r" * 32}
    app = create_app(SqliteStorage(str(tmp_path / "p.db")), Settings("http://127.0.0.1:1", name, env=env))
    paths = app.state.paths

    async def run() -> List[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:1") as c:
            await c.post(paths["register"], json={"username": "judy@example.com" if name == "rag-modulo" else "judy", "password": PASSWORD})
            login = await c.post(paths["login"], json={"username": "judy@example.com" if name == "rag-modulo" else "judy", "password": PASSWORD})
            device = await c.post(paths["device_authorization"], data={"client_id": "authcore-agent"})
            header = "X-Reeve-Services-Token" if name == "reeve" else "X-Services-Token"
            service = await c.get("/api/internal/stats", headers={header: env["REEVE_SERVICES_TOKEN" if name == "reeve" else "AUTHCORE_SERVICES_TOKEN"]})
            return [login, device, service]

    login, device, service = asyncio.run(run())
    body = login.json()
    assert login.status_code == 200 and body["expires_in"] == 3600
    if name == "rag-modulo":  # the seed: `{access_token, token_type: "bearer", expires_in}`, no refresh token
        assert set(body) == {"access_token", "token_type", "expires_in"} and body["token_type"] == "bearer"
    else:
        assert body["refresh_token"]
    assert device.status_code == 200 and device.json()["verification_uri"] == "http://127.0.0.1:1/device"
    assert service.status_code == 200 and service.json()["service"] in ("internal", "gateway")
