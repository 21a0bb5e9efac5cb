"""authcore.mcp.McpOAuth with the official MCP Python SDK: its streamable-HTTP client
(``streamablehttp_client(url, auth=...)``) against an SDK server (FastMCP) behind uvicorn on a
loopback socket, guarded by a bearer check and served with its own authorization server."""

import json
import socket
import threading
import time
from typing import Any, Awaitable, Callable, Dict, Iterator, List, MutableMapping
from urllib.parse import parse_qs

import anyio
import httpx
import pytest

pytest.importorskip("mcp")
uvicorn = pytest.importorskip("uvicorn")

from mcp import ClientSession  # noqa: E402
from mcp.client.streamable_http import streamablehttp_client  # noqa: E402
from mcp.server.fastmcp import FastMCP  # noqa: E402

from authcore.mcp import McpOAuth  # noqa: E402

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]
TOKEN = "sdk-access-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Guarded:
    """The authorization server's endpoints and a bearer check in front of the SDK's app."""

    def __init__(self, inner: Any, base: str) -> None:
        self.inner = inner
        self.base = base
        self.token_forms: List[Dict[str, List[str]]] = []

    async def reply(self, send: Send, status: int, body: Any, headers: Dict[str, str] = {}) -> None:
        data = json.dumps(body).encode()
        h = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        h += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": h})
        await send({"type": "http.response.body", "body": data})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        path, base = scope["path"], self.base
        if path == "/.well-known/oauth-protected-resource/mcp":
            return await self.reply(send, 200, {"resource": base + "/mcp", "authorization_servers": [base], "scopes_supported": ["tools"]})
        if path == "/.well-known/oauth-authorization-server":
            return await self.reply(send, 200, {
                "issuer": base,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "registration_endpoint": base + "/register",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            })
        if path == "/authorize":
            q = parse_qs(scope["query_string"].decode())
            loc = q["redirect_uri"][0] + "?code=c1&state=" + q["state"][0] + "&iss=" + base
            return await self.reply(send, 302, {}, {"Location": loc})
        if path in ("/register", "/token"):
            body = b""
            while True:
                m = await receive()
                body += m.get("body", b"")
                if not m.get("more_body"):
                    break
            if path == "/register":
                meta = json.loads(body)
                return await self.reply(send, 201, {"client_id": "sdk-client", "redirect_uris": meta["redirect_uris"], "token_endpoint_auth_method": "none"})
            self.token_forms.append(parse_qs(body.decode()))
            return await self.reply(send, 200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600, "scope": "tools"})
        headers = dict(scope["headers"])
        if headers.get(b"authorization") != ("Bearer " + TOKEN).encode():
            rm = base + "/.well-known/oauth-protected-resource/mcp"
            return await self.reply(send, 401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer resource_metadata="%s"' % rm})
        return await self.inner(scope, receive, send)


@pytest.fixture
def server() -> Iterator[Guarded]:
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    mcp = FastMCP("authcore-test", host="127.0.0.1", port=port, stateless_http=True, json_response=True)

    @mcp.tool()
    def echo(text: str) -> str:
        """Echoes the text."""
        return "echo: " + text

    app = Guarded(mcp.streamable_http_app(), base)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(250):
        if srv.started:
            break
        time.sleep(0.02)
    yield app
    srv.should_exit = True
    thread.join(5)


@pytest.mark.filterwarnings("ignore:Use `streamable_http_client`:DeprecationWarning")
def test_sdk_streamable_http_client_accepts_the_adapter(server: Guarded) -> None:
    seen: List[str] = []

    async def on_authorize(url: str) -> str:
        seen.append(url)
        async with httpx.AsyncClient() as c:
            return (await c.get(url, follow_redirects=False)).headers["location"]

    async def main() -> str:
        auth = McpOAuth(server.base + "/mcp", redirect_uri="http://127.0.0.1:3000/callback", on_authorize=on_authorize)
        async with streamablehttp_client(server.base + "/mcp", auth=auth) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                assert [t.name for t in tools.tools] == ["echo"]
                result = await session.call_tool("echo", {"text": "hi"})
                return str(result.content[0].text)  # type: ignore[union-attr]

    assert anyio.run(main) == "echo: hi"
    assert len(seen) == 1 and "code_challenge_method=S256" in seen[0]
    assert len(server.token_forms) == 1 and server.token_forms[0]["resource"] == [server.base + "/mcp"]
