"""The reference server's session-token surfaces over real HTTP: the session exchange with an
identity provider's JWT (a key the test generates), logout, desktop sign-in with PKCE, magic
links through the outbox file; every refusal path (replay, wrong verifier, expired, revoked).
Expiry runs in process on a clock the test moves (no test waits)."""

import base64
import json
import os
import time
import uuid
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from authcore.jwt import Issuer
from authcore.oauth import pkce
from authcore_server.app import Settings, create_app
from authcore_server.storage import SqliteStorage
from conftest import SERVICES_TOKEN, start_server, stop_server

PASSWORD = "correct horse battery staple"
IDP_ISSUER = "https://idp.example"
IDP_AUDIENCE = "reeve-api"
CALLBACK = "http://127.0.0.1:53682/callback"


def ed25519_key(kid: str) -> Dict[str, Any]:
    raw = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    return {"alg": "EdDSA", "kid": kid, "raw_b64": raw}


IDP_KEY = ed25519_key("idp-1")
IDP = Issuer(IDP_KEY, issuer=IDP_ISSUER, audience=IDP_AUDIENCE, lifetime=300)
OTHER_IDP = Issuer(ed25519_key("idp-1"), issuer=IDP_ISSUER, audience=IDP_AUDIENCE, lifetime=300)


def start(tmp: Any, *args: str) -> Iterator[Dict[str, Any]]:
    db = str(tmp / "authcore.db")
    proc, base = start_server(db, *args, env={"REEVE_SERVICES_TOKEN": SERVICES_TOKEN})
    try:
        yield {"base": base, "db": db}
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def reeve(tmp_path_factory: Any) -> Iterator[Dict[str, Any]]:
    """A Reeve server trusting the test's identity provider, with a magic-link outbox."""
    tmp = tmp_path_factory.mktemp("reeve")
    jwks = tmp / "idp-jwks.json"
    jwks.write_text(json.dumps(IDP.jwks()))
    outbox = tmp / "outbox.jsonl"
    for s in start(tmp, "--profile", "reeve", "--idp-jwks", str(jwks), "--idp-issuer", IDP_ISSUER,
                   "--idp-audience", IDP_AUDIENCE, "--idp-algorithms", "EdDSA", "--outbox", str(outbox),
                   "--desktop-redirect", "http://127.0.0.1/callback"):
        yield dict(s, outbox=str(outbox))


def register(base: str, username: str, email: Optional[str] = None) -> str:
    body = {"username": username, "password": PASSWORD}
    if email:
        body["email"] = email
    r = httpx.post(base + "/api/auth/register", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["user_id"])


def bearer(token: str) -> Dict[str, str]:
    return {"Authorization": "Bearer " + token}


def error_code(r: httpx.Response) -> str:
    return str(r.json()["code"])


# --- session exchange and logout -------------------------------------------------------------


def test_session_exchange_with_the_providers_jwt_then_logout(reeve: Dict[str, Any]) -> None:
    base = reeve["base"]
    jwt = IDP.issue({"sub": "user_abc123", "email": "ada@example.com"})
    r = httpx.post(base + "/api/auth/session", headers=bearer(jwt))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"session_token", "user_id", "email"}
    assert body["user_id"] == "user_abc123" and body["email"] == "ada@example.com"
    session = body["session_token"]
    uuid.UUID(session)  # Reeve's session tokens are UUIDs

    me = httpx.get(base + "/api/me", headers=bearer(session))
    assert me.status_code == 200, me.text
    assert me.json()["user_id"] == "user_abc123" and me.json()["credential"] == "session"
    # Reeve: the provider's JWT is for the session route only; a session token is not taken there.
    assert httpx.get(base + "/api/me", headers=bearer(jwt)).status_code == 401
    assert httpx.post(base + "/api/auth/session", headers=bearer(session)).status_code == 401

    out = httpx.post(base + "/api/auth/logout", headers=bearer(session))
    assert out.status_code == 204, out.text
    after = httpx.get(base + "/api/me", headers=bearer(session))
    assert after.status_code == 401 and error_code(after) == "session_revoked", after.text
    again = httpx.post(base + "/api/auth/logout", headers=bearer(session))
    assert again.status_code == 401 and error_code(again) == "session_revoked"
    # A new exchange makes a new, working session.
    fresh = httpx.post(base + "/api/auth/session", headers=bearer(jwt)).json()["session_token"]
    assert fresh != session and httpx.get(base + "/api/me", headers=bearer(fresh)).status_code == 200


@pytest.mark.parametrize(
    "name,token,code",
    [
        ("another key", OTHER_IDP.issue({"sub": "mallory"}), "invalid_signature"),
        ("expired", IDP.issue({"sub": "u1"}, now=int(time.time()) - 3600), "token_expired"),
        ("other audience", Issuer(IDP_KEY, issuer=IDP_ISSUER, audience="another-api").issue({"sub": "u1"}), "invalid_claims"),
        ("other issuer", Issuer(IDP_KEY, issuer="https://evil.example", audience=IDP_AUDIENCE).issue({"sub": "u1"}), "invalid_claims"),
        ("not a jwt", "not-a-jwt", "invalid_token"),
    ],
)
def test_session_exchange_refuses(reeve: Dict[str, Any], name: str, token: str, code: str) -> None:
    r = httpx.post(reeve["base"] + "/api/auth/session", headers=bearer(token))
    assert r.status_code == 401, (name, r.text)
    assert error_code(r) == code, (name, r.text)


def test_session_exchange_without_a_token(reeve: Dict[str, Any]) -> None:
    r = httpx.post(reeve["base"] + "/api/auth/session")
    assert r.status_code == 401 and error_code(r) == "not_authenticated"


# --- desktop sign-in ---------------------------------------------------------------------------


def desktop_code(base: str, username: str, challenge: str, state: str = "st-1", redirect: str = CALLBACK) -> Dict[str, str]:
    """What the browser does: open the sign-in page, sign in, follow the redirect to the app."""
    query = {"redirect_uri": redirect, "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
    with httpx.Client(base_url=base) as web:
        page = web.get("/device/desktop", params=query)
        assert page.status_code == 200 and "Sign in" in page.text
        nxt = page.text.split("name='next' value='")[1].split("'")[0].replace("&amp;", "&")
        signed = web.post("/device/desktop/login", data={"username": username, "password": PASSWORD, "next": nxt})
        assert signed.status_code == 303, signed.text
        back = web.get(signed.headers["location"])
        assert back.status_code == 303, back.text
        target = urlsplit(back.headers["location"])
        assert "%s://%s%s" % (target.scheme, target.netloc, target.path) == redirect
        return {k: v[0] for k, v in parse_qs(target.query).items()}


def test_desktop_sign_in_exchanges_once(reeve: Dict[str, Any]) -> None:
    base = reeve["base"]
    pair = pkce()
    name = "desk2-" + uuid.uuid4().hex[:8]
    user_id = register(base, name)
    got = desktop_code(base, name, pair["challenge"])
    assert got["state"] == "st-1"
    exchange = {"code": got["code"], "code_verifier": pair["verifier"], "redirect_uri": CALLBACK}
    r = httpx.post(base + "/api/auth/desktop/exchange", json=exchange)
    assert r.status_code == 200, r.text
    assert r.json()["user_id"] == user_id
    session = r.json()["session_token"]
    assert httpx.get(base + "/api/me", headers=bearer(session)).json()["user_id"] == user_id
    # Single use: the same code again is refused.
    replay = httpx.post(base + "/api/auth/desktop/exchange", json=exchange)
    assert replay.status_code == 400 and error_code(replay) == "invalid_grant", replay.text


def test_desktop_wrong_verifier_burns_the_code(reeve: Dict[str, Any]) -> None:
    base = reeve["base"]
    name = "desk3-" + uuid.uuid4().hex[:8]
    register(base, name)
    pair = pkce()
    got = desktop_code(base, name, pair["challenge"])
    wrong = httpx.post(base + "/api/auth/desktop/exchange",
                       json={"code": got["code"], "code_verifier": pkce()["verifier"], "redirect_uri": CALLBACK})
    assert wrong.status_code == 400 and error_code(wrong) == "invalid_grant", wrong.text
    right = httpx.post(base + "/api/auth/desktop/exchange",
                       data={"code": got["code"], "code_verifier": pair["verifier"], "redirect_uri": CALLBACK})
    assert right.status_code == 400 and error_code(right) == "invalid_grant", right.text


def test_desktop_refuses_an_unlisted_redirect_and_a_missing_member(reeve: Dict[str, Any]) -> None:
    base = reeve["base"]
    name = "desk4-" + uuid.uuid4().hex[:8]
    register(base, name)
    with httpx.Client(base_url=base) as web:
        page = web.get("/device/desktop", params={"redirect_uri": "https://evil.example/cb", "code_challenge": pkce()["challenge"]})
        nxt = page.text.split("name='next' value='")[1].split("'")[0].replace("&amp;", "&")
        signed = web.post("/device/desktop/login", data={"username": name, "password": PASSWORD, "next": nxt})
        refused = web.get(signed.headers["location"])
        assert refused.status_code == 400 and "location" not in refused.headers
    r = httpx.post(base + "/api/auth/desktop/exchange", json={"code": "x", "redirect_uri": CALLBACK})
    assert r.status_code == 400 and error_code(r) == "invalid_request"


# --- magic links -------------------------------------------------------------------------------


def mails(outbox: str) -> List[Dict[str, Any]]:
    if not os.path.exists(outbox):
        return []
    with open(outbox, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_magic_link_signs_in_once(reeve: Dict[str, Any]) -> None:
    base = reeve["base"]
    address = "grace-%s@example.com" % uuid.uuid4().hex[:8]
    user_id = register(base, "grace-" + uuid.uuid4().hex[:8], address)
    before = len(mails(reeve["outbox"]))
    r = httpx.post(base + "/api/auth/magic-link", json={"email": address.upper()})
    assert r.status_code == 202, r.text
    sent = mails(reeve["outbox"])[before:]
    assert [m["to"] for m in sent] == [address]
    token = parse_qs(urlsplit(sent[0]["link"]).query)["token"][0]
    assert sent[0]["link"].startswith(base + "/magic?")

    ok = httpx.post(base + "/api/auth/magic-link/verify", json={"token": token})
    assert ok.status_code == 200, ok.text
    assert ok.json()["user_id"] == user_id and ok.json()["email"] == address
    assert httpx.get(base + "/api/me", headers=bearer(ok.json()["session_token"])).json()["user_id"] == user_id
    replay = httpx.post(base + "/api/auth/magic-link/verify", json={"token": token})
    assert replay.status_code == 400 and error_code(replay) == "invalid_grant"
    unknown = httpx.post(base + "/api/auth/magic-link/verify", json={"token": "A" * 43})
    assert unknown.status_code == 400 and error_code(unknown) == "invalid_grant"


def test_magic_link_page_signs_the_browser_in(reeve: Dict[str, Any]) -> None:
    base = reeve["base"]
    address = "page-%s@example.com" % uuid.uuid4().hex[:8]
    register(base, "page-" + uuid.uuid4().hex[:8], address)
    before = len(mails(reeve["outbox"]))
    assert httpx.post(base + "/api/auth/magic-link", json={"email": address}).status_code == 202
    link = mails(reeve["outbox"])[before]["link"]
    with httpx.Client() as web:
        page = web.get(link)  # opening the link alone signs nobody in
        assert page.status_code == 200 and "<button>Sign in</button>" in page.text
        token = parse_qs(urlsplit(link).query)["token"][0]
        done = web.post(base + "/magic", data={"token": token}, follow_redirects=True)
        assert done.status_code == 200 and "Connect a device" in done.text, done.text
        again = web.post(base + "/magic", data={"token": token})
        assert again.status_code == 400


def test_magic_link_answers_alike_and_limits_per_address(reeve: Dict[str, Any]) -> None:
    base = reeve["base"]
    before = len(mails(reeve["outbox"]))
    nobody = "nobody-%s@example.com" % uuid.uuid4().hex[:8]
    answers = [httpx.post(base + "/api/auth/magic-link", json={"email": nobody}) for _ in range(5)]
    assert {(a.status_code, a.text) for a in answers} == {(202, answers[0].text)}
    assert len(mails(reeve["outbox"])) == before  # no account: no mail, the same answer
    limited = httpx.post(base + "/api/auth/magic-link", json={"email": nobody})
    assert limited.status_code == 429 and error_code(limited) == "too_many_attempts"
    bad = httpx.post(base + "/api/auth/magic-link", json={"email": "not an address"})
    assert bad.status_code == 400


# --- expiry, in process on a clock the test moves -----------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def local(tmp_path: Any) -> Iterator[Dict[str, Any]]:
    clock = Clock()
    outbox = str(tmp_path / "outbox.jsonl")
    settings = Settings("http://127.0.0.1:8000", "reeve", env={"REEVE_SERVICES_TOKEN": SERVICES_TOKEN}, clock=clock, outbox=outbox)
    storage = SqliteStorage(str(tmp_path / "db.sqlite"))
    with TestClient(create_app(storage, settings)) as client:
        yield {"client": client, "clock": clock, "outbox": outbox}
    storage.close()


def test_expired_desktop_code_and_magic_link_are_refused(local: Dict[str, Any]) -> None:
    web, clock = local["client"], local["clock"]
    address = "old@example.com"
    assert web.post("/api/auth/register", json={"username": "old", "password": PASSWORD, "email": address}).status_code == 200
    pair = pkce()
    query = {"redirect_uri": CALLBACK, "state": "s", "code_challenge": pair["challenge"]}
    page = web.get("/device/desktop", params=query)
    nxt = page.text.split("name='next' value='")[1].split("'")[0].replace("&amp;", "&")
    signed = web.post("/device/desktop/login", data={"username": "old", "password": PASSWORD, "next": nxt}, follow_redirects=False)
    back = web.get(signed.headers["location"], follow_redirects=False)
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    assert web.post("/api/auth/magic-link", json={"email": address}).status_code == 202
    token = parse_qs(urlsplit(mails(local["outbox"])[0]["link"]).query)["token"][0]

    clock.now += 900  # past the desktop code (120 s) and the magic link (900 s)
    late = web.post("/api/auth/desktop/exchange", json={"code": code, "code_verifier": pair["verifier"], "redirect_uri": CALLBACK})
    assert late.status_code == 400 and late.json()["code"] == "invalid_grant", late.text
    stale = web.post("/api/auth/magic-link/verify", json={"token": token})
    assert stale.status_code == 400 and stale.json()["code"] == "invalid_grant", stale.text


def test_the_servers_own_jwt_exchanges_when_no_provider_is_configured(local: Dict[str, Any]) -> None:
    web = local["client"]
    assert web.post("/api/auth/register", json={"username": "own", "password": PASSWORD}).status_code == 200
    login = web.post("/api/auth/login", json={"username": "own", "password": PASSWORD}).json()
    r = web.post("/api/auth/session", headers=bearer(login["access_token"]))
    assert r.status_code == 200, r.text
    assert web.get("/api/me", headers=bearer(r.json()["session_token"])).status_code == 200
    assert web.post("/api/auth/session", headers=bearer(IDP.issue({"sub": "x"}))).status_code == 401


def test_ravi_exchanges_its_own_jwt_for_a_session_and_logs_out(tmp_path: Any) -> None:
    settings = Settings("http://127.0.0.1:8000", "ravi", env={"AUTHCORE_SERVICES_TOKEN": SERVICES_TOKEN})
    storage = SqliteStorage(str(tmp_path / "db.sqlite"))
    with TestClient(create_app(storage, settings)) as web:
        assert web.post("/api/auth/register", json={"username": "rae", "password": PASSWORD}).status_code == 200
        jwt = web.post("/api/auth/login", json={"username": "rae", "password": PASSWORD}).json()["access_token"]
        session = web.post("/api/auth/session", headers=bearer(jwt)).json()["session_token"]
        assert web.get("/api/me", headers=bearer(session)).json()["credential"] == "session"
        # Logout takes a session token only: the JWT is refused there.
        assert web.post("/api/auth/logout", headers=bearer(jwt)).status_code == 401
        assert web.post("/api/auth/logout").status_code == 401
        assert web.post("/api/auth/logout", headers=bearer(session)).status_code == 204
        refused = web.get("/api/me", headers=bearer(session))
        assert refused.status_code == 401 and refused.json()["code"] == "session_revoked"
        assert web.get("/api/me", headers=bearer(jwt)).status_code == 200  # the JWT is not a session
    storage.close()


def test_an_identity_provider_needs_the_reeve_profile() -> None:
    with pytest.raises(ValueError):
        create_app(SqliteStorage(":memory:"), Settings("http://x", "ravi", env={"AUTHCORE_SERVICES_TOKEN": SERVICES_TOKEN},
                                                       idp={"jwks": IDP.jwks(), "algorithms": ["EdDSA"]}))


def test_the_refresh_route_parses_with_the_core(local: Dict[str, Any]) -> None:
    web = local["client"]
    form = {"content-type": "application/x-www-form-urlencoded"}
    wrong = web.post("/api/auth/token/refresh/", content="grant_type=password&refresh_token=x", headers=form)
    assert wrong.status_code == 400 and wrong.json()["error"] == "unsupported_grant_type", wrong.text
    twice = web.post("/api/auth/token/refresh/", content="grant_type=refresh_token&refresh_token=a&refresh_token=b", headers=form)
    assert twice.status_code == 400 and twice.json()["error"] == "invalid_request", twice.text
    unknown = web.post("/api/auth/token/refresh/", content="grant_type=refresh_token&refresh_token=" + "A" * 43, headers=form)
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant", unknown.text
