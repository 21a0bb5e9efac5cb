"""MCP authorization, resource-server side (RFC 9728, RFC 8707, the MCP authorization spec).

The core functions: ``resource_metadata_url`` / ``resource_metadata_path`` (where a resource's
Protected Resource Metadata document lives), ``check_resource_metadata`` (the document
checked, in its wire shape), ``serve_resource_metadata`` (the route: the response for a
request of that path, else ``None``) and ``audience_names_resource`` (the audience rule).

:class:`McpAuthMiddleware` is the Starlette/FastAPI (pure ASGI) middleware for an MCP server::

    from authcore.gate import Gate
    from authcore.mcp_server import McpAuthMiddleware

    gate = Gate(
        jwt={"config": {"algorithms": ["RS256"]}, "keys": jwks_keys},
        credentials=["jwt"],
        routes=[{"method": "POST", "path": "/mcp", "scopes": ["mcp:tools"]}],
        protected_resource={"resource": "https://mcp.example.com/mcp", "issuers": ["https://auth.example.com"]},
    )
    app.add_middleware(
        McpAuthMiddleware,
        gate=gate,
        metadata={"resource": "https://mcp.example.com/mcp", "authorization_servers": ["https://auth.example.com"]},
    )

It answers the metadata route itself, passes every other request through the gate (401/403/400
with the gate's ``WWW-Authenticate`` challenge), and calls the application with the caller in
``request.state.auth`` — the gate's auth context (subject, scopes), never the token. The
``Authorization`` header is removed from the request the application sees, so the token cannot
be passed on to another service (the MCP spec forbids token passthrough).
"""

import time
from typing import Any, Callable, List, Mapping, Optional, Tuple

from ._authcore import (
    Gate,
    check_resource_metadata,
    audience_names_resource,
    resource_metadata_path,
    resource_metadata_url,
    serve_resource_metadata,
)
from .asgi import ASGIApp, GateStore, Receive, Scope, Send, authenticate, request_record

__all__ = [
    "McpAuthMiddleware",
    "check_resource_metadata",
    "audience_names_resource",
    "resource_metadata_path",
    "resource_metadata_url",
    "serve_resource_metadata",
]


async def _send_response(send: Send, response: Mapping[str, Any]) -> None:
    body = response["body"].encode("utf-8")
    headers: List[Tuple[bytes, bytes]] = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response["headers"].items()
    ]
    headers.append((b"content-length", str(len(body)).encode("ascii")))
    await send({"type": "http.response.start", "status": response["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body})


class McpAuthMiddleware:
    """Pure ASGI middleware for an MCP server: the metadata route, then the gate."""

    def __init__(
        self,
        app: ASGIApp,
        gate: Gate,
        metadata: Mapping[str, Any],
        store: Optional[GateStore] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.gate = gate
        self.metadata = check_resource_metadata(metadata)
        self.store = store
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = request_record(scope)
        served = serve_resource_metadata(self.metadata, request)
        if served is not None:
            await _send_response(send, served)
            return
        decision = await authenticate(self.gate, request, self.store, now=int(self.clock()))
        if decision["type"] != "allow":
            await _send_response(send, decision["response"])
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != b"authorization"]
        scope["state"] = dict(scope.get("state") or {})
        scope["state"]["auth"] = decision["context"]
        await self.app(scope, receive, send)
