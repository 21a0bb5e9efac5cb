"""The example MCP server: two tools behind ``authcore.mcp_server.McpAuthMiddleware``.

``create_app(resource, issuer, keys)`` builds the FastAPI application:

* ``/.well-known/oauth-protected-resource/mcp``: the RFC 9728 metadata document, served by the
  middleware from the core's builder (``resource``, ``authorization_servers``,
  ``scopes_supported``, ``bearer_methods_supported``).
* ``POST /mcp`` (the MCP streamable-HTTP endpoint, from the official ``mcp`` package): needs a
  token whose ``aud`` is ``resource``, whose ``iss`` is ``issuer``, with the ``mcp:tools``
  scope. Without one the gate answers 401 with ``resource_metadata`` and ``scope``; a token
  for another resource gets 401 ``invalid_token``; a token without the scope 403
  ``insufficient_scope``. ``GET``/``DELETE /mcp`` (the transport's stream and session end)
  need a valid token for the resource, no particular scope.

The tools never see the token: the middleware removes ``Authorization`` before the MCP
transport runs, and puts only the gate's auth context (subject, scopes) on the request state.
"""

from typing import Any, Dict, List, Mapping

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer

from authcore.gate import Gate
from authcore.mcp_server import McpAuthMiddleware

SCOPE = "mcp:tools"


def create_app(resource: str, issuer: str, keys: List[Mapping[str, Any]], algorithms: List[str]) -> FastAPI:
    """The MCP server for ``resource``, accepting tokens of ``issuer`` signed by ``keys``."""
    mcp = MCPServer("authcore-example")

    @mcp.tool()
    def add(a: int, b: int) -> int:
        """Adds two integers."""
        return a + b

    @mcp.tool()
    def echo(text: str) -> str:
        """Returns the text it is given."""
        return text

    mcp_app = mcp.streamable_http_app(streamable_http_path="/mcp", json_response=True, host="127.0.0.1")
    gate = Gate(
        jwt={"config": {"algorithms": algorithms}, "keys": list(keys)},
        credentials=["jwt"],
        routes=[
            {"method": "POST", "path": "/mcp", "access": "user", "scopes": [SCOPE]},
            {"method": "GET, DELETE", "path": "/mcp", "access": "user"},
        ],
        protected_resource={"resource": resource, "issuers": [issuer]},
    )
    metadata: Dict[str, Any] = {
        "resource": resource,
        "authorization_servers": [issuer],
        "scopes_supported": [SCOPE],
        "bearer_methods_supported": ["header"],
        "resource_name": "authcore example MCP server",
    }
    app = FastAPI(lifespan=lambda _app: mcp.session_manager.run())
    app.add_middleware(McpAuthMiddleware, gate=gate, metadata=metadata)
    app.mount("/", mcp_app)
    return app
