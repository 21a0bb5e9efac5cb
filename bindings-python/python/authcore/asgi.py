"""ASGI middleware (Starlette, FastAPI) backed by :class:`authcore.gate.Gate`.

::

    from fastapi import Depends, FastAPI
    from authcore.asgi import GateMiddleware, auth_context
    from authcore.gate import Gate

    app = FastAPI()
    app.add_middleware(GateMiddleware, gate=Gate(jwt={"config": {"algorithms": ["HS256"]}, "keys": [key]}), store=my_store)

    @app.get("/api/me")
    async def me(auth: dict = Depends(auth_context)):
        return {"user": auth["user_id"]}

Every decision is the gate's: route rules, credential precedence, guests read-only,
constant-time service tokens, identities, scopes and 402s. The middleware only turns the
ASGI request into the gate's request record, loads what the gate's ``needs`` names through
``store`` (a :class:`GateStore`), stores a session "touch" when the gate hands one back,
and either calls the application with the caller in ``request.state.auth`` (``scope
["state"]["auth"]``) or sends the gate's deny response as it is (status, headers,
``{"detail", "code"}`` body).

The gate judges the request target exactly as the client sent it (``raw_path`` and the
query string), so the path it judges is the one the router dispatches.
"""

import time
from typing import Any, Awaitable, Callable, Dict, List, Mapping, MutableMapping, Optional, Tuple

from ._authcore import Gate
from .types import AuthContext, Decision

try:  # FastAPI injects the request into `auth_context` by this annotation
    from starlette.requests import Request
except ImportError:  # pragma: no cover - the middleware itself needs no framework
    Request = Any  # type: ignore[misc,assignment]

try:
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore[assignment,misc]

__all__ = ["GateStore", "GateMiddleware", "authenticate", "auth_context"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class GateStore(Protocol):
    """Where the host keeps sessions and users (any database; all methods are async)."""

    async def load_session(self, token_hash: str) -> Optional[Dict[str, Any]]:
        """The session record stored under this token hash, or ``None``."""
        ...

    async def load_user(self, user_id: str) -> Optional[Dict[str, Any]]:
        """``{"identities": [...], "default_identity"?: ..., "entitlements": [...]}``, or ``None``."""
        ...

    async def save_session(self, record: Dict[str, Any]) -> None:
        """Store a changed session record (compare-and-swap on ``revision`` is the store's)."""
        ...


def request_record(scope: Scope) -> Dict[str, Any]:
    """The gate's request record for an ASGI HTTP scope: method, raw target, headers."""
    path = scope.get("raw_path") or scope.get("path", "/").encode("utf-8")
    target = path.decode("latin-1")
    query = scope.get("query_string") or b""
    if query:
        target += "?" + query.decode("latin-1")
    headers: Dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers") or []:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        # Repeated `Cookie` headers (HTTP/2 splits them) are one list joined by "; " (RFC 9113
        # section 8.2.3); other repeated headers are joined by ", " (RFC 9110 section 5.3).
        sep = "; " if name == "cookie" else ", "
        headers[name] = headers[name] + sep + value if name in headers else value
    return {"method": scope["method"], "url": target, "headers": headers}


async def authenticate(
    gate: Gate, request: Dict[str, Any], store: Optional[GateStore] = None, now: Optional[int] = None
) -> Decision:
    """Classify, load what ``needs`` names, decide, and store a touch. Returns the decision."""
    now = int(time.time()) if now is None else now
    classified: Mapping[str, Any] = gate.classify(request, now=now)
    needs = classified["needs"]
    lookup: Dict[str, Any] = {}
    session = None
    if store is not None and needs.get("session"):
        session = await store.load_session(needs["session"])
        if session is not None:
            lookup["session"] = session
    if store is not None:
        user_id = gate.user_to_load(classified, session)
        if user_id is not None:
            user = await store.load_user(user_id)
            if user is not None:
                lookup["user"] = user
    decision = gate.decide(classified, lookup, now=now)
    touch = decision.get("touch") if decision["type"] == "allow" else None
    if touch is not None and store is not None:
        await store.save_session(dict(touch))
    return decision


class GateMiddleware:
    """Pure ASGI middleware: every HTTP request passes the gate or gets its deny response."""

    def __init__(
        self,
        app: ASGIApp,
        gate: Gate,
        store: Optional[GateStore] = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.gate = gate
        self.store = store
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        decision = await authenticate(self.gate, request_record(scope), self.store, now=int(self.clock()))
        if decision["type"] == "allow":
            scope.setdefault("state", {})["auth"] = decision["context"]
            await self.app(scope, receive, send)
            return
        response = decision["response"]
        body = response["body"].encode("utf-8")
        headers: List[Tuple[bytes, bytes]] = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response["headers"].items()
        ]
        headers.append((b"content-length", str(len(body)).encode("ascii")))
        await send({"type": "http.response.start", "status": response["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})


def auth_context(request: Request) -> AuthContext:
    """FastAPI dependency (``Depends(auth_context)``): the caller the gate allowed.

    Raises ``RuntimeError`` when :class:`GateMiddleware` is not installed.
    """
    state = request.scope.get("state") or {}
    if "auth" not in state:
        raise RuntimeError("authcore.asgi.GateMiddleware is not installed on this application")
    context: AuthContext = state["auth"]
    return context
