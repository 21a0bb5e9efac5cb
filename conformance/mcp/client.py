"""An MCP client authorized by ``authcore.mcp`` (the Python binding of the core's MCP
authorization machine), for the official MCP conformance suite.

Usage: ``client.py <server-url>`` (the suite appends the URL). It reads
``MCP_CONFORMANCE_SCENARIO``, ``MCP_CONFORMANCE_PROTOCOL_VERSION`` and, when set,
``MCP_CONFORMANCE_CONTEXT`` (a pre-registered ``client_id``/``client_secret``). It speaks just
enough MCP over plain loopback http with ``httpx`` and :class:`authcore.mcp.McpOAuth`: for the
2026-07-28 stateless lifecycle every request carries ``MCP-Protocol-Version`` and ``_meta``;
for the 2025 revisions it runs the ``initialize`` handshake first. Then ``tools/list`` and
``tools/call`` on the first tool.

The browser step is done the way the suite's reference client does it: ``GET`` the
authorization URL without following the redirect and hand back the ``Location``. Exit status
0 when the tool call succeeded, 1 otherwise (the reason on stderr). No authorization rule lives
here: every decision is the machine's.
"""

import json
import os
import sys
from typing import Any, Dict, Optional

import httpx

from authcore.mcp import McpOAuth

REDIRECT_URI = "http://localhost:3000/callback"
CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json"
STATEFUL = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
CLIENT_INFO = {"name": "authcore-mcp-client-python", "version": "0.1.0"}


def follow_authorization(url: str) -> str:
    """The "browser": the suite's authorization endpoint redirects at once."""
    r = httpx.get(url, follow_redirects=False)
    location = r.headers.get("location")
    if location is None:
        raise RuntimeError("authorization endpoint answered %d without Location" % r.status_code)
    return location


def read_message(r: httpx.Response) -> Optional[Dict[str, Any]]:
    """The JSON-RPC message of a JSON or SSE (``text/event-stream``) response."""
    body = r.text.strip()
    try:
        return json.loads(body)
    except ValueError:
        pass
    for line in body.splitlines():
        if line.startswith("data:"):
            try:
                v = json.loads(line[5:].strip())
            except ValueError:
                continue
            if isinstance(v, dict) and ("result" in v or "error" in v):
                return v
    return None


class Client:
    def __init__(self, url: str, version: str, http: httpx.Client) -> None:
        self.url = url
        self.version = version
        self.stateless = version not in STATEFUL
        self.session: Optional[str] = None
        self.http = http
        self.next_id = 1

    def post(self, body: Dict[str, Any]) -> httpx.Response:
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": self.version,
        }
        if self.session:
            headers["Mcp-Session-Id"] = self.session
        return self.http.post(self.url, content=json.dumps(body), headers=headers)

    def request(self, method: str, params: Dict[str, Any]) -> Any:
        if self.stateless:
            params["_meta"] = {
                "io.modelcontextprotocol/protocolVersion": self.version,
                "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
                "io.modelcontextprotocol/clientCapabilities": {},
            }
        msg_id = self.next_id
        self.next_id += 1
        r = self.post({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        if "mcp-session-id" in r.headers:
            self.session = r.headers["mcp-session-id"]
        if not r.is_success:
            raise RuntimeError("%s: HTTP %d %s" % (method, r.status_code, r.text))
        message = read_message(r)
        if message is None:
            raise RuntimeError("%s: unreadable response" % method)
        if "error" in message:
            raise RuntimeError("%s: %s" % (method, message["error"]))
        return message.get("result")

    def notify(self, method: str) -> None:
        self.post({"jsonrpc": "2.0", "method": method})


def run(url: str) -> None:
    version = os.environ.get("MCP_CONFORMANCE_PROTOCOL_VERSION", "2026-07-28")
    try:
        context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT", "null")) or {}
    except ValueError:
        context = {}
    config: Dict[str, Any] = {
        "client_name": "authcore-mcp-client-python",
        "client_metadata_url": CLIENT_METADATA_URL,
    }
    if isinstance(context, dict) and isinstance(context.get("client_id"), str):
        client = {"client_id": context["client_id"]}
        if isinstance(context.get("client_secret"), str):
            client["client_secret"] = context["client_secret"]
        config["client"] = client
    auth = McpOAuth(url, redirect_uri=REDIRECT_URI, config=config, on_authorize=follow_authorization)
    with httpx.Client(auth=auth, timeout=30) as http:
        c = Client(url, version, http)
        if not c.stateless:
            result = c.request(
                "initialize", {"protocolVersion": version, "capabilities": {}, "clientInfo": CLIENT_INFO}
            )
            if isinstance(result, dict) and isinstance(result.get("protocolVersion"), str):
                c.version = result["protocolVersion"]
            c.notify("notifications/initialized")
        tools = c.request("tools/list", {})
        listed = tools.get("tools") if isinstance(tools, dict) else None
        if listed:
            c.request("tools/call", {"name": listed[0]["name"], "arguments": {}})


def main() -> int:
    url = next((a for a in reversed(sys.argv[1:]) if a.startswith("http")), None)
    if url is None:
        print("usage: client.py <server-url>", file=sys.stderr)
        return 2
    try:
        run(url)
    except Exception as e:  # the suite reads the exit status; the reason goes to stderr
        print("authcore-mcp-client-python: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
