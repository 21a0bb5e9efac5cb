"""authcore.asgi: a FastAPI application behind uvicorn on a loopback socket, called with httpx."""

import socket
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import httpx
import pytest

fastapi = pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from fastapi import Depends, FastAPI  # noqa: E402

from authcore.asgi import GateMiddleware, auth_context  # noqa: E402
from authcore.gate import Gate  # noqa: E402
from authcore.jwt import Issuer  # noqa: E402
from authcore.session import SessionManager  # noqa: E402

KEY = {"alg": "HS256", "secret": "an HS256 secret of at least 32 bytes!!"}
USER = "11111111-1111-4111-8111-111111111111"


class Store:
    """The host's storage, in memory: sessions by token hash, users by id."""

    def __init__(self) -> None:
        self.sessions: Dict[str, Dict[str, Any]] = {}
        self.users: Dict[str, Dict[str, Any]] = {USER: {"identities": [], "entitlements": ["pro"]}}
        self.touched: List[Dict[str, Any]] = []

    async def load_session(self, token_hash: str) -> Optional[Dict[str, Any]]:
        return self.sessions.get(token_hash)

    async def load_user(self, user_id: str) -> Optional[Dict[str, Any]]:
        return self.users.get(user_id)

    async def save_session(self, record: Dict[str, Any]) -> None:
        self.touched.append(record)
        self.sessions[record["token_hash"]] = record


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[Dict[str, Any]]:
    store = Store()
    gate = Gate(
        jwt={"config": {"algorithms": ["HS256"]}, "keys": [KEY]},
        routes=[
            {"path": "/api/public/**", "access": "public"},
            {"path": "/api/docs/**", "access": "user_or_guest"},
            {"path": "/api/pro/**", "access": "user", "entitlement": "pro"},
        ],
    )
    app = FastAPI()
    app.add_middleware(GateMiddleware, gate=gate, store=store)

    @app.get("/api/public/hello")
    async def hello() -> Dict[str, str]:
        return {"hello": "world"}

    @app.get("/api/me")
    async def me(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return auth

    @app.api_route("/api/docs/{name}", methods=["GET", "POST"])
    async def docs(name: str, auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return {"doc": name, "guest": auth["is_guest"]}

    @app.get("/api/pro/report")
    async def report(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return {"report": True}

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.02)
    yield {"base": "http://127.0.0.1:%d" % port, "store": store}
    srv.should_exit = True
    thread.join(5)


def bearer() -> Dict[str, str]:
    token = Issuer(KEY).issue({"sub": USER, "email": "a@example.com"})
    return {"Authorization": "Bearer " + token}


def test_public_route_needs_nothing(server: Dict[str, Any]) -> None:
    r = httpx.get(server["base"] + "/api/public/hello")
    assert r.status_code == 200 and r.json() == {"hello": "world"}


def test_no_credential_gets_the_gates_401(server: Dict[str, Any]) -> None:
    r = httpx.get(server["base"] + "/api/me")
    assert r.status_code == 401
    assert r.json()["code"] == "not_authenticated"
    assert r.headers["www-authenticate"].startswith("Bearer realm=")
    assert r.headers["content-type"] == "application/json"


def test_a_jwt_reaches_the_handler_as_context(server: Dict[str, Any]) -> None:
    r = httpx.get(server["base"] + "/api/me", headers=bearer())
    assert r.status_code == 200
    assert r.json()["user_id"] == USER and r.json()["credential"] == "jwt"


def test_a_bad_jwt_is_refused(server: Dict[str, Any]) -> None:
    r = httpx.get(server["base"] + "/api/me", headers={"Authorization": "Bearer a.b.c"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


def test_a_session_token_is_loaded_and_touched(server: Dict[str, Any]) -> None:
    store = server["store"]
    created = SessionManager().create(USER, now=int(time.time()) - 3600)
    store.sessions[created["record"]["token_hash"]] = created["record"]
    r = httpx.get(server["base"] + "/api/me", headers={"Authorization": "Bearer " + created["token"]})
    assert r.status_code == 200 and r.json()["credential"] == "session"
    assert store.touched and store.touched[-1]["token_hash"] == created["record"]["token_hash"]


def test_guests_only_read(server: Dict[str, Any]) -> None:
    guest = {"X-Guest-ID": "guest-12345678"}
    r = httpx.get(server["base"] + "/api/docs/intro", headers=guest)
    assert r.status_code == 200 and r.json() == {"doc": "intro", "guest": True}
    r = httpx.post(server["base"] + "/api/docs/intro", headers=guest)
    assert r.status_code == 403 and r.json()["code"] == "guest_read_only"


def test_entitlements_are_402(server: Dict[str, Any]) -> None:
    server["store"].users[USER]["entitlements"] = []
    try:
        r = httpx.get(server["base"] + "/api/pro/report", headers=bearer())
        assert r.status_code == 402 and r.json()["code"] == "subscription_required"
    finally:
        server["store"].users[USER]["entitlements"] = ["pro"]
    r = httpx.get(server["base"] + "/api/pro/report", headers=bearer())
    assert r.status_code == 200


def test_the_judged_path_is_the_raw_one(server: Dict[str, Any]) -> None:
    # A target the router could read differently from the gate is refused, not guessed at.
    r = httpx.get(server["base"] + "/api/public/..%2fme")
    assert r.status_code in (400, 401, 404)
    assert r.status_code != 200


def test_a_session_loads_its_owners_entitlements(server: Dict[str, Any]) -> None:
    store = server["store"]
    created = SessionManager().create(USER, now=int(time.time()) - 60)
    store.sessions[created["record"]["token_hash"]] = created["record"]
    headers = {"Authorization": "Bearer " + created["token"]}
    assert httpx.get(server["base"] + "/api/pro/report", headers=headers).status_code == 200
    store.users[USER]["entitlements"] = []
    try:
        r = httpx.get(server["base"] + "/api/pro/report", headers=headers)
        assert r.status_code == 402 and r.json()["code"] == "subscription_required"
    finally:
        store.users[USER]["entitlements"] = ["pro"]
