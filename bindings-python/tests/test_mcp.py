"""authcore.challenge and authcore.mcp: the binding of the challenge parser and the MCP
authorization machine, and the httpx adapter against a loopback MCP server with its own
authorization server (resource metadata, AS metadata, registration, authorize, token)."""

import asyncio
import json
import os
import pickle
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from authcore import errors
from authcore.challenge import parse_challenges, resource_challenge
from authcore.mcp import McpAuth, McpFileStore, McpMemoryStore, McpOAuth, choose_auth_method, prm_urls


def test_challenge_parser_and_resource_challenge() -> None:
    cs = parse_challenges(['Basic realm="a, b", Bearer error="insufficient_scope", scope="x y"'])
    assert [c["scheme"] for c in cs] == ["Basic", "Bearer"]
    assert cs[0]["params"]["realm"] == "a, b"
    rc = resource_challenge(cs)
    assert rc == {"scheme": "Bearer", "error": "insufficient_scope", "scope": "x y"}
    assert resource_challenge(parse_challenges(["Basic realm=x"])) is None


def test_discovery_helpers() -> None:
    assert prm_urls("https://mcp.example.com/a/mcp", None) == [
        "https://mcp.example.com/.well-known/oauth-protected-resource/a/mcp",
        "https://mcp.example.com/.well-known/oauth-protected-resource",
    ]
    client = {"client_id": "c", "client_secret": "s", "client_secret_expires_at": 0, "source": "dynamic"}
    assert choose_auth_method(client, ["client_secret_post"]) == "client_secret_post"


def test_machine_first_step_snapshot_and_errors() -> None:
    m = McpAuth({"server_url": "https://mcp.example.com/mcp", "redirect_uri": "http://127.0.0.1:3000/cb"})
    assert m.status()["state"] == "idle"
    assert m.authorize_request({"method": "POST", "url": "https://mcp.example.com/mcp"}) == {}
    m.handle_unauthorized({"status": 401, "headers": {"www-authenticate": 'Bearer scope="files:read"'}}, 1_700_000_000, bytes(64))
    action = m.poll_action()
    assert action is not None and action["type"] == "send"
    assert action["request"]["url"] == "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
    copy = pickle.loads(pickle.dumps(m))
    assert copy.status()["state"] in ("paused", "pending")
    assert "McpAuth(server_url='https://mcp.example.com/mcp'" in repr(m)
    with pytest.raises(errors.AuthError) as e:
        McpAuth({"server_url": "ftp://x", "redirect_uri": "http://127.0.0.1:3000/cb"})
    assert e.value.code == "invalid_config"
    with pytest.raises(errors.AuthError):
        m.handle_response(999, {"status": 200, "headers": {}, "body": "{}"}, 1_700_000_000)


# ---------------------------------------------------------------------------------------------
# A loopback MCP server with its authorization server
# ---------------------------------------------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.token_requests: List[Dict[str, List[str]]] = []
        self.registrations = 0
        self.mcp_calls = 0
        self.issued = "at-1"

        world = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def reply(self, status: int, body: Any = None, headers: Dict[str, str] = {}) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                base = world.base
                path = urlsplit(self.path).path
                if path == "/.well-known/oauth-protected-resource/mcp":
                    self.reply(200, {"resource": base + "/mcp", "authorization_servers": [base], "scopes_supported": ["files:read"]})
                elif path == "/.well-known/oauth-authorization-server":
                    self.reply(200, {
                        "issuer": base,
                        "authorization_endpoint": base + "/authorize",
                        "token_endpoint": base + "/token",
                        "registration_endpoint": base + "/register",
                        "response_types_supported": ["code"],
                        "code_challenge_methods_supported": ["S256"],
                        "token_endpoint_auth_methods_supported": ["none"],
                    })
                elif path == "/authorize":
                    q = parse_qs(urlsplit(self.path).query)
                    assert q["resource"] == [base + "/mcp"] and q["code_challenge_method"] == ["S256"]
                    loc = q["redirect_uri"][0] + "?code=code-1&state=" + q["state"][0] + "&iss=" + base
                    self.reply(302, None, {"Location": loc})
                else:
                    self.reply(404, {})

            def do_POST(self) -> None:  # noqa: N802
                base = world.base
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                path = urlsplit(self.path).path
                if path == "/register":
                    world.registrations += 1
                    meta = json.loads(body)
                    self.reply(201, {"client_id": "client-1", "redirect_uris": meta["redirect_uris"], "token_endpoint_auth_method": "none"})
                elif path == "/token":
                    form = parse_qs(body)
                    world.token_requests.append(form)
                    assert form["resource"] == [base + "/mcp"]
                    self.reply(200, {"access_token": world.issued, "token_type": "Bearer", "expires_in": 3600})
                elif path == "/mcp":
                    world.mcp_calls += 1
                    if self.headers.get("Authorization") == "Bearer " + world.issued:
                        self.reply(200, {"jsonrpc": "2.0", "id": 1, "result": {"echo": json.loads(body)}})
                    else:
                        rm = base + "/.well-known/oauth-protected-resource/mcp"
                        self.reply(401, {}, {"WWW-Authenticate": 'Bearer resource_metadata="%s", scope="files:read"' % rm})
                else:
                    self.reply(404, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def world() -> Iterator[World]:
    w = World()
    yield w
    w.server.shutdown()
    w.server.server_close()


def browser(url: str) -> str:
    """The person's browser: the test authorization endpoint redirects at once."""
    return httpx.get(url, follow_redirects=False).headers["location"]


def test_httpx_sync_authorizes_saves_and_reuses(world: World, tmp_path: Any) -> None:
    path = str(tmp_path / "mcp" / "tokens.json")
    seen: List[str] = []

    def on_authorize(url: str) -> str:
        seen.append(url)
        return browser(url)

    auth = McpOAuth(world.base + "/mcp", redirect_uri="http://127.0.0.1:3000/callback", store=McpFileStore(path), on_authorize=on_authorize)
    with httpx.Client(auth=auth) as http:
        r = http.post(world.base + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert r.status_code == 200 and r.json()["result"]["echo"]["method"] == "tools/list"
    assert len(seen) == 1 and world.registrations == 1 and len(world.token_requests) == 1
    assert world.token_requests[0]["code_verifier"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    entries = McpFileStore(path).entries()
    assert entries[0]["key"] == {"resource": world.base + "/mcp", "issuer": world.base}
    assert entries[0]["tokens"]["access_token"] == "at-1" and entries[0]["client"]["client_id"] == "client-1"

    # A later run: the stored token is sent at once (one MCP call, no authorization).
    calls = world.mcp_calls
    auth2 = McpOAuth(world.base + "/mcp", redirect_uri="http://127.0.0.1:3000/callback", store=McpFileStore(path), on_authorize=on_authorize)
    with httpx.Client(auth=auth2) as http:
        assert http.post(world.base + "/mcp", json={"id": 2}).status_code == 200
    assert world.mcp_calls == calls + 1 and len(seen) == 1


def test_httpx_async_with_async_callback(world: World) -> None:
    async def on_authorize(url: str) -> str:
        async with httpx.AsyncClient() as c:
            return (await c.get(url, follow_redirects=False)).headers["location"]

    async def main() -> int:
        auth = McpOAuth(world.base + "/mcp", redirect_uri="http://127.0.0.1:3000/callback", on_authorize=on_authorize)
        async with httpx.AsyncClient(auth=auth) as http:
            r = await http.post(world.base + "/mcp", json={"id": 1})
        return r.status_code

    assert asyncio.run(main()) == 200
    assert world.registrations == 1


def test_httpx_failure_raises_the_machine_error(world: World) -> None:
    # The resource metadata names another resource: the machine refuses (resource mismatch).
    auth = McpOAuth(world.base + "/other", redirect_uri="http://127.0.0.1:3000/callback", store=McpMemoryStore(), on_authorize=browser)
    with httpx.Client(auth=auth) as http, pytest.raises(errors.AuthError) as e:
        http.post(world.base + "/mcp", json={"id": 1})
    assert e.value.code == "invalid_response"


def test_loopback_authorize_waits_for_the_redirect(capsys: Any) -> None:
    import socket

    from authcore.mcp import loopback_authorize

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    redirect = "http://127.0.0.1:%d/callback" % port
    got: List[str] = []
    t = threading.Thread(target=lambda: got.append(loopback_authorize(redirect, timeout=30)("https://as.example/authorize?x=1")))
    t.start()
    for _ in range(100):
        try:
            assert httpx.get("http://127.0.0.1:%d/elsewhere" % port).status_code == 404
            break
        except httpx.ConnectError:
            threading.Event().wait(0.05)
    assert httpx.get(redirect + "?code=c&state=s").status_code == 200
    t.join(10)
    assert got == [redirect + "?code=c&state=s"]
    assert "https://as.example/authorize?x=1" in capsys.readouterr().out
