"""Gate options for the seed systems through the Python API, and cookie mode through the ASGI
middleware (FastAPI behind uvicorn on a loopback socket, called with httpx)."""

import os
import socket
import threading
import time
from typing import Any, Dict, Iterator

import httpx
import pytest

from authcore.errors import AuthError
from authcore.gate import Gate, generate_gateway_token
from authcore.jwt import Issuer
from authcore.session import SessionManager

KEY = {"alg": "HS256", "secret": "an HS256 secret of at least 32 bytes!!"}
JWT = {"config": {"algorithms": ["HS256"]}, "keys": [KEY]}
USER = "11111111-1111-4111-8111-111111111111"
APP = "https://app.example.com"


def req(method: str, path: str, **headers: str) -> Dict[str, Any]:
    return {"method": method, "url": path, "headers": {k.replace("_", "-"): v for k, v in headers.items()}}


def test_credential_kinds_per_route() -> None:
    gate = Gate(jwt=JWT, credentials=["session", "guest"],
                routes=[{"method": "POST", "path": "/api/auth/session", "credentials": ["jwt"]}])
    token = Issuer(KEY).issue({"sub": USER})
    ok = gate.authenticate(req("POST", "/api/auth/session", Authorization="Bearer " + token))
    assert ok["type"] == "allow" and ok["context"]["credential"] == "jwt"
    d = gate.authenticate(req("GET", "/api/me", Authorization="Bearer " + token))
    assert d["type"] == "deny" and d["error"]["code"] == "invalid_token"
    assert d["error"]["detail"] == "This route does not take `jwt` credentials."
    with pytest.raises(ValueError, match="unknown variant"):
        Gate(credentials=["cookie"])


def test_gateway_token() -> None:
    token = generate_gateway_token()
    assert len(token) == 43 and "=" not in token and "+" not in token and "/" not in token
    assert generate_gateway_token(bytes(range(32))) == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
    with pytest.raises(AuthError) as e:
        generate_gateway_token(bytes(31))
    assert e.value.code == "entropy_unavailable"
    gate = Gate(gateway={"token": token})
    assert token not in repr(gate)
    allowed = gate.authenticate(req("GET", "/anything", Authorization="Bearer " + token))
    assert allowed["type"] == "allow" and allowed["context"]["credential"] == "gateway"
    denied = gate.authenticate(req("GET", "/anything"))
    assert denied["response"]["status"] == 401 and denied["error"]["code"] == "not_authenticated"


def test_services_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    options: Dict[str, Any] = {
        "services_env": [{"name": "reeve", "variable": "REEVE_SERVICES_TOKEN", "header": "X-Reeve-Services-Token"}],
        "routes": [{"path": "/internal/**", "access": "service"}],
    }
    monkeypatch.setenv("REEVE_SERVICES_TOKEN", "svc-secret-value")
    gate = Gate.from_env(**options)  # os.environ
    assert Gate.from_env(os.environ, **options) is not None  # a mapping, not only a dict
    d = gate.authenticate(req("POST", "/internal/credits", X_Reeve_Services_Token="svc-secret-value"))
    assert d["type"] == "allow" and d["context"]["service"] == "reeve"
    gate = Gate.from_env({"REEVE_SERVICES_TOKEN": "other-value"}, options)
    d = gate.authenticate(req("POST", "/internal/credits", X_Reeve_Services_Token="svc-secret-value"))
    assert d["error"]["code"] == "invalid_service_token"
    monkeypatch.setenv("REEVE_SERVICES_TOKEN", "")
    with pytest.raises(AuthError) as e:
        Gate.from_env(**options)
    assert e.value.code == "invalid_config" and e.value.field == "REEVE_SERVICES_TOKEN"
    assert "svc-secret-value" not in str(e.value)
    with pytest.raises(AuthError):
        Gate(options)  # only from_env reads the environment


def test_guest_fallback_and_details() -> None:
    gate = Gate(routes=[{"method": "GET, POST", "path": "/api/dashboard", "access": "user_or_guest"}],
                guest_fallback=True, guest_id_rule="any", details={"not_authenticated": "Not authenticated"})
    session = SessionManager().create(USER)
    headers = {"Authorization": "Bearer " + session["token"], "X-Guest-ID": "demo"}
    d = gate.authenticate({"method": "GET", "url": "/api/dashboard", "headers": headers})
    assert d["type"] == "allow" and d["context"] == {"credential": "guest", "guest_id": "demo", "is_guest": True}
    d = gate.authenticate({"method": "POST", "url": "/api/dashboard", "headers": headers})
    assert d["error"]["code"] == "guest_read_only"
    d = gate.authenticate(req("GET", "/api/me"))
    assert d["response"]["body"] == '{"detail":"Not authenticated","code":"not_authenticated"}'
    with pytest.raises(AuthError) as e:
        Gate(details={"nope": "x"})
    assert e.value.field == "details.nope"


# ------------------------------------------------------------------------------------------
# Cookie mode through the ASGI middleware
# ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cookie_server() -> Iterator[str]:
    pytest.importorskip("fastapi")
    uvicorn = pytest.importorskip("uvicorn")
    from fastapi import Depends, FastAPI

    from authcore.asgi import GateMiddleware, auth_context

    gate = Gate(jwt=JWT, cookie={"name": "access_token", "csrf": {"origins": [APP]}})
    app = FastAPI()
    app.add_middleware(GateMiddleware, gate=gate)

    @app.api_route("/api/search", methods=["GET", "POST"])
    async def search(auth: Dict[str, Any] = Depends(auth_context)) -> Dict[str, Any]:
        return {"user": auth["user_id"]}

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.02)
    yield "http://127.0.0.1:%d" % port
    srv.should_exit = True
    thread.join(5)


def test_cookie_mode_through_asgi(cookie_server: str) -> None:
    jar = {"Cookie": "theme=dark; access_token=" + Issuer(KEY).issue({"sub": USER})}
    r = httpx.get(cookie_server + "/api/search", headers=jar)
    assert r.status_code == 200 and r.json() == {"user": USER}
    r = httpx.post(cookie_server + "/api/search", headers=jar)
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    r = httpx.post(cookie_server + "/api/search", headers={**jar, "Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    r = httpx.post(cookie_server + "/api/search", headers={**jar, "Origin": APP})
    assert r.status_code == 200 and r.json() == {"user": USER}
    r = httpx.get(cookie_server + "/api/search", headers={"Cookie": jar["Cookie"] + "; access_token=x"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
