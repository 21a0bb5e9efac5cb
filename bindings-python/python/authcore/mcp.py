"""MCP authorization, client side (MCP authorization spec, revision 2026-07-28).

:class:`McpAuth` is the core's sans-IO machine (see the Rust ``authcore::mcp`` module docs for
its inputs and actions: ``send``, ``authorize``, ``needs_client``, ``save_client``,
``save_tokens``, ``authorized``, ``failed``, tagged by ``type``). :class:`McpOAuth` drives it
for ``httpx`` (sync and async clients, and the official ``mcp`` package's streamable-HTTP
client)::

    import httpx
    from authcore.mcp import McpOAuth, McpFileStore

    auth = McpOAuth("https://mcp.example.com/mcp", store=McpFileStore("~/.config/app/mcp.json"))
    with httpx.Client(auth=auth) as http:
        http.post("https://mcp.example.com/mcp", json={...})

On a 401 (or a 403 ``insufficient_scope``) it feeds the challenge to the machine, sends the
machine's discovery, registration and token requests with the same client, hands the
authorization URL to ``on_authorize`` (default: print it and wait for the browser's redirect
on the loopback ``redirect_uri``), saves clients and tokens in ``store`` keyed by
``(resource, issuer)``, and retries the request with the new token. Every rule is the core's;
this module only moves values between ``httpx`` and the machine.
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, AsyncGenerator, Awaitable, Callable, Dict, Generator, Iterator, List, Mapping, Optional, Union
from urllib.parse import urlsplit

from . import errors
from ._authcore import mcp_choose_auth_method as choose_auth_method
from ._authcore import (
    McpAuth,
    as_metadata_urls,
    choose_scopes,
    client_metadata_document,
    parse_protected_resource_metadata,
    prm_urls,
    resource_matches,
    union_scopes,
    validate_client_metadata_document,
)

__all__ = [
    "McpAuth",
    "McpOAuth",
    "McpMemoryStore",
    "McpFileStore",
    "as_metadata_urls",
    "choose_auth_method",
    "choose_scopes",
    "client_metadata_document",
    "loopback_authorize",
    "parse_protected_resource_metadata",
    "prm_urls",
    "resource_matches",
    "union_scopes",
    "validate_client_metadata_document",
]

try:  # httpx is optional: only McpOAuth needs it.
    import anyio.to_thread
    import httpx

    _AuthBase: Any = httpx.Auth
except ImportError:  # pragma: no cover
    httpx = None  # type: ignore[assignment]
    _AuthBase = object

AuthorizeCallback = Callable[[str], Union[str, Awaitable[str]]]


# ---------------------------------------------------------------------------------------------
# Stores: clients and tokens keyed by (resource, issuer)
# ---------------------------------------------------------------------------------------------


def _key_id(key: Mapping[str, Any]) -> str:
    return json.dumps([key["resource"], key["issuer"]])


class McpMemoryStore:
    """Clients and tokens in memory, keyed by ``(resource, issuer)``."""

    def __init__(self) -> None:
        self._entries: Dict[str, Dict[str, Any]] = {}
        self._lock = threading.Lock()

    def entries(self) -> List[Dict[str, Any]]:
        """Every stored ``{"key", "client"?, "tokens"?}``."""
        with self._lock:
            return [dict(e) for e in self._entries.values()]

    def save_client(self, key: Mapping[str, Any], client: Mapping[str, Any]) -> None:
        """Stores the client for ``key``."""
        self._save(key, "client", client)

    def save_tokens(self, key: Mapping[str, Any], tokens: Mapping[str, Any]) -> None:
        """Stores the tokens for ``key``."""
        self._save(key, "tokens", tokens)

    def _save(self, key: Mapping[str, Any], member: str, value: Mapping[str, Any]) -> None:
        with self._lock:
            entry = self._entries.setdefault(_key_id(key), {"key": dict(key)})
            entry[member] = dict(value)
            self._write(list(self._entries.values()))

    def _write(self, entries: List[Dict[str, Any]]) -> None:
        pass


class McpFileStore(McpMemoryStore):
    """A JSON file of clients and tokens (secrets): mode ``0600``, atomic replace; the
    directory is created (mode ``0700``) when missing. ``path`` may start with ``~``."""

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        super().__init__()
        self.path = os.path.abspath(os.path.expanduser(os.fspath(path)))
        try:
            with open(self.path, encoding="utf-8") as f:
                doc = json.load(f)
        except FileNotFoundError:
            doc = {"entries": []}
        for e in doc.get("entries", []):
            self._entries[_key_id(e["key"])] = e

    def _write(self, entries: List[Dict[str, Any]]) -> None:
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".authcore-", suffix=".tmp", dir=directory)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"entries": entries}, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


# ---------------------------------------------------------------------------------------------
# The browser step
# ---------------------------------------------------------------------------------------------


class _CallbackServer(HTTPServer):
    def __init__(self, address: Any, redirect_uri: str) -> None:
        super().__init__(address, _CallbackHandler)
        self.redirect_uri = redirect_uri
        self.got: List[str] = []


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        expected = urlsplit(self.server.redirect_uri).path or "/"
        if urlsplit(self.path).path != expected:
            self.send_error(404)
            return
        self.server.got.append(self.server.redirect_uri.split("?")[0] + "?" + urlsplit(self.path).query)
        body = b"Authorization received; you can close this window.\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def loopback_authorize(redirect_uri: str, timeout: float = 300.0) -> Callable[[str], str]:
    """The default ``on_authorize``: prints the URL and waits (up to ``timeout`` seconds) for
    the browser's redirect on the loopback ``redirect_uri``; returns the callback URL."""

    def authorize(url: str) -> str:
        parts = urlsplit(redirect_uri)
        server = _CallbackServer((parts.hostname or "127.0.0.1", parts.port or 80), redirect_uri)
        deadline = time.monotonic() + timeout
        try:
            print("Open this URL in your browser to authorize:\n  " + url, flush=True)
            while not server.got and time.monotonic() < deadline:
                server.timeout = max(0.1, deadline - time.monotonic())
                server.handle_request()
        finally:
            server.server_close()
        if not server.got:
            raise errors.error_from_dict({"code": "timeout", "detail": "No authorization redirect arrived."})
        return server.got[0]

    return authorize


class _Authorize:
    def __init__(self, url: str) -> None:
        self.url = url


def _response(r: "httpx.Response", read: bool = True) -> Dict[str, Any]:
    headers: Dict[str, str] = {}
    for k, v in r.headers.multi_items():
        k = k.lower()
        headers[k] = headers[k] + ", " + v if k in headers else v
    return {"status": r.status_code, "headers": headers, "body": r.text if read else ""}


def _request_dict(r: "httpx.Request") -> Dict[str, Any]:
    return {"method": r.method, "url": str(r.url), "headers": dict(r.headers)}


class McpOAuth(_AuthBase):  # type: ignore[misc]
    """An ``httpx.Auth`` that authorizes requests to one MCP server with :class:`McpAuth`.

    ``server_url``: the MCP endpoint. ``redirect_uri``: where the authorization server sends
    the browser back (loopback). ``config``: more :class:`McpAuth` configuration members
    (``client``, ``client_metadata_url``, ``client_name``, ``request_offline_access``, …).
    ``store``: where clients and tokens are kept (default: memory). ``on_authorize``: called
    with the authorization URL, returns the URL the browser came back to (may be ``async``
    for async clients); default :func:`loopback_authorize`. ``max_rounds``: authorizations one
    request may go through.
    """

    def __init__(
        self,
        server_url: str,
        *,
        redirect_uri: str = "http://127.0.0.1:33418/callback",
        config: Optional[Mapping[str, Any]] = None,
        store: Optional[McpMemoryStore] = None,
        on_authorize: Optional[AuthorizeCallback] = None,
        max_rounds: int = 8,
    ) -> None:
        cfg = dict(config or {})
        cfg.update(server_url=server_url, redirect_uri=redirect_uri)
        self.machine = McpAuth(cfg)
        self.store = store if store is not None else McpMemoryStore()
        for e in self.store.entries():
            if "client" in e:
                self.machine.add_client(e["key"], e["client"])
            if "tokens" in e:
                self.machine.add_tokens(e["key"], e["tokens"])
        self.on_authorize = on_authorize or loopback_authorize(redirect_uri)
        self.max_rounds = max_rounds

    def _flow(self, request: "httpx.Request") -> Generator[Any, Any, None]:
        """Yields ``httpx.Request`` (the MCP request or a machine request; the response comes
        back, read) or :class:`_Authorize` (the callback URL comes back)."""
        for _ in range(self.max_rounds):
            for k, v in self.machine.authorize_request(_request_dict(request)).items():
                request.headers[k] = v
            response = yield request
            if response.status_code not in (401, 403):
                if response.is_success:
                    self.machine.handle_success()
                return
            self.machine.handle_unauthorized(_response(response, read=False))
            while True:
                action: Any = self.machine.poll_action()
                if action is None:
                    raise errors.error_from_dict(
                        {"code": "internal", "detail": "The authorization stopped without a result."}
                    )
                kind = action["type"]
                if kind == "send":
                    r = action["request"]
                    try:
                        got = yield httpx.Request(
                            r["method"], r["url"], headers=r.get("headers", {}), content=r.get("body")
                        )
                    except httpx.TransportError:
                        self.machine.handle_network_error(action["transmit"])
                        continue
                    self.machine.handle_response(action["transmit"], _response(got))
                elif kind == "authorize":
                    callback = yield _Authorize(action["url"])
                    self.machine.handle_callback(callback)
                elif kind == "save_client":
                    self.store.save_client(action["key"], action["client"])
                elif kind == "save_tokens":
                    self.store.save_tokens(action["key"], action["tokens"])
                elif kind == "authorized":
                    break
                elif kind == "needs_client":
                    raise errors.error_from_dict(
                        {"code": "invalid_config", "detail": "No client for this authorization server.", "field": "client"}
                    )
                else:  # failed
                    raise errors.error_from_dict(action["error"])
        raise errors.error_from_dict({"code": "not_authenticated", "detail": "Too many authorization rounds."})

    def sync_auth_flow(self, request: "httpx.Request") -> Generator["httpx.Request", "httpx.Response", None]:
        request.read()
        flow = self._flow(request)
        step = next(flow)
        while True:
            if isinstance(step, _Authorize):
                result: Any = self.on_authorize(step.url)
                if inspect.isawaitable(result):
                    raise TypeError("on_authorize is async: use an async httpx client")
            else:
                result = yield step
                if step is not request:
                    result.read()
            try:
                step = flow.send(result)
            except StopIteration:
                return

    async def async_auth_flow(self, request: "httpx.Request") -> AsyncGenerator["httpx.Request", "httpx.Response"]:
        await request.aread()
        flow = self._flow(request)
        step = next(flow)
        while True:
            if isinstance(step, _Authorize):
                if inspect.iscoroutinefunction(self.on_authorize):
                    result: Any = await self.on_authorize(step.url)
                else:  # a blocking callback (the loopback listener) runs off the event loop
                    result = await anyio.to_thread.run_sync(self.on_authorize, step.url)
                    if inspect.isawaitable(result):
                        result = await result
            else:
                result = yield step
                if step is not request:
                    await result.aread()
            try:
                step = flow.send(result)
            except StopIteration:
                return
