"""authcore.mcp_server: the MCP resource-server middleware in FastAPI behind uvicorn on a loopback
socket, called with httpx; and the core functions it is built on."""

import socket
import threading
import time
from typing import Any, Dict, Iterator

import httpx
import pytest

fastapi = pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from fastapi import FastAPI, Request  # noqa: E402

from authcore.errors import AuthError  # noqa: E402
from authcore.gate import Gate  # noqa: E402
from authcore.jwt import Issuer  # noqa: E402
from authcore.mcp_server import (  # noqa: E402
    McpAuthMiddleware,
    check_resource_metadata,
    audience_names_resource,
    resource_metadata_path,
    resource_metadata_url,
    serve_resource_metadata,
)

KEY = {"alg": "HS256", "secret": "an HS256 secret of at least 32 bytes!!"}
AS = "https://auth.example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[Dict[str, Any]]:
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    resource = base + "/mcp"
    gate = Gate(
        jwt={"config": {"algorithms": ["HS256"]}, "keys": [KEY]},
        credentials=["jwt"],
        routes=[{"method": "POST", "path": "/mcp", "scopes": ["tools:call"]}, {"method": "GET", "path": "/mcp"}],
        protected_resource={"resource": resource, "issuers": [AS]},
    )
    app = FastAPI()
    seen: Dict[str, Any] = {}

    @app.api_route("/mcp", methods=["GET", "POST"])
    async def mcp(request: Request) -> Dict[str, Any]:
        seen["authorization"] = request.headers.get("authorization")
        return {"auth": request.state.auth}

    app.add_middleware(
        McpAuthMiddleware,
        gate=gate,
        metadata={"resource": resource, "authorization_servers": [AS], "scopes_supported": ["tools:call"]},
    )
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.02)
    yield {"base": base, "resource": resource, "seen": seen}
    srv.should_exit = True
    thread.join(5)


def token(aud: Any, scope: str = "tools:call", iss: str = AS) -> str:
    return Issuer(KEY).issue({"sub": "agent-7", "iss": iss, "aud": aud, "scope": scope})


def test_metadata_route(server: Dict[str, Any]) -> None:
    r = httpx.get(server["base"] + "/.well-known/oauth-protected-resource/mcp")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.json() == {"resource": server["resource"], "authorization_servers": [AS], "scopes_supported": ["tools:call"]}
    assert httpx.post(server["base"] + "/.well-known/oauth-protected-resource/mcp").status_code == 405


def test_401_points_at_the_metadata(server: Dict[str, Any]) -> None:
    r = httpx.post(server["base"] + "/mcp", json={})
    assert r.status_code == 401
    prm = server["base"] + "/.well-known/oauth-protected-resource/mcp"
    assert r.headers["www-authenticate"] == 'Bearer realm="api", scope="tools:call", resource_metadata="%s"' % prm


def test_token_for_the_resource_passes_claims_not_the_token(server: Dict[str, Any]) -> None:
    t = token(server["resource"])
    r = httpx.post(server["base"] + "/mcp", json={}, headers={"Authorization": "Bearer " + t})
    assert r.status_code == 200, r.text
    auth = r.json()["auth"]
    assert auth["user_id"] == "agent-7" and auth["scopes"] == ["tools:call"]
    assert t not in r.text
    assert server["seen"]["authorization"] is None


def test_refusals(server: Dict[str, Any]) -> None:
    base = server["base"]
    r = httpx.post(base + "/mcp", headers={"Authorization": "Bearer " + token("https://other.example/mcp")})
    assert r.status_code == 401 and r.json()["code"] == "invalid_claims"
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    r = httpx.post(base + "/mcp", headers={"Authorization": "Bearer " + token(server["resource"] + "/")})
    assert r.status_code == 401
    r = httpx.post(base + "/mcp", headers={"Authorization": "Bearer " + token(server["resource"], iss="https://evil.example")})
    assert r.status_code == 401 and r.json()["code"] == "invalid_claims"
    r = httpx.post(base + "/mcp", headers={"Authorization": "Bearer " + token(server["resource"], scope="tools:list")})
    assert r.status_code == 403
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    assert 'scope="tools:call"' in r.headers["www-authenticate"]
    r = httpx.post(base + "/mcp", headers={"Authorization": "Basic abc"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    # An array `aud` naming the resource is accepted.
    r = httpx.get(base + "/mcp", headers={"Authorization": "Bearer " + token(["x", server["resource"]])})
    assert r.status_code == 200


def test_core_functions() -> None:
    assert resource_metadata_url("https://h.example/mcp") == "https://h.example/.well-known/oauth-protected-resource/mcp"
    assert resource_metadata_path("https://h.example") == "/.well-known/oauth-protected-resource"
    assert audience_names_resource("HTTPS://H.EXAMPLE/mcp", "https://h.example/mcp")
    assert not audience_names_resource("https://h.example/mcp/", "https://h.example/mcp")
    doc = {"resource": "https://h.example/mcp", "authorization_servers": [AS]}
    assert check_resource_metadata(doc) == doc
    assert serve_resource_metadata(doc, {"method": "GET", "url": "/other", "headers": {}}) is None
    with pytest.raises(AuthError) as e:
        check_resource_metadata({"resource": "https://h.example/mcp#x", "authorization_servers": [AS]})
    assert e.value.code == "invalid_config" and e.value.field == "resource"
    with pytest.raises(AuthError):
        McpAuthMiddleware(None, Gate(), {"resource": "https://h.example", "authorization_servers": []})  # type: ignore[arg-type]
