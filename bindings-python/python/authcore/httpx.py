"""``httpx`` authentication driven by authcore's request driver.

::

    import httpx
    from authcore.httpx import BearerAuth
    from authcore.stores import FileTokenStore

    auth = BearerAuth(FileTokenStore("~/.myapp/auth.json"), token_endpoint="https://api.example.com/oauth/token")
    with httpx.Client(auth=auth) as http:
        print(http.get("https://api.example.com/me").json())

Every rule is the core's (:class:`authcore.tokens.RequestDriver`): ``Authorization:
Bearer`` only to the API's origin, a refresh 5 minutes before expiry, one refresh and one
retry on a 401, one refresh in flight however many threads or tasks wait for it, and new
tokens saved to the store at once, with compare-and-swap on their generation. This module
only moves bytes between ``httpx`` and the driver.

The final response is handed back as ``httpx`` always does (call ``raise_for_status()``);
a 402 or a second 401 comes back as that response. When no response can be given because
the request could not be authorised at all (no tokens, the refresh token expired or was
refused), the request raises the :class:`authcore.AuthError` the driver reported, e.g.
:class:`authcore.RefreshFailed` — the signal to sign in again.

One :class:`BearerAuth` may be shared by any number of threads (``httpx.Client``) or tasks
(``httpx.AsyncClient``); it needs ``httpx`` (``pip install httpx``).
"""

import asyncio
import threading
import time
from collections import deque
from typing import Any, AsyncGenerator, Callable, Deque, Dict, Generator, List, Mapping, Optional, Tuple

import httpx

from ._authcore import RequestDriver
from .errors import error_from_dict
from .stores import TokenStore

__all__ = ["BearerAuth"]

_Action = Dict[str, Any]
_BODY_STATUSES = (401, 402)  # the driver reads the body of these API responses (detail of a 402)


def _now() -> int:
    return int(time.time())


class BearerAuth(httpx.Auth):
    """An ``httpx.Auth`` that authorises, refreshes and retries through the core.

    ``store`` holds the tokens (see :mod:`authcore.stores`); ``token_endpoint`` and the other
    keyword settings are the request driver's (``client_id``, ``refresh_margin``,
    ``identity_header``, ``api_origins``, ``shared_store``, …). ``clock`` returns Unix
    seconds (``time.time`` by default). ``on_reauthenticate`` is called (with the access
    token's ``expires_at``, lock held: do not call back into this object) when the tokens
    cannot be renewed (no refresh token) and expire within the refresh margin, or have
    expired: the moment to ask the user to sign in again.
    """

    def __init__(
        self,
        store: TokenStore,
        token_endpoint: Optional[str] = None,
        *,
        clock: Optional[Callable[[], float]] = None,
        on_reauthenticate: Optional[Callable[[int], None]] = None,
        **settings: Any,
    ) -> None:
        if token_endpoint is not None:
            settings["token_endpoint"] = token_endpoint
        self._store = store
        self._on_reauthenticate = on_reauthenticate
        self._clock: Callable[[], int] = (lambda: int(clock())) if clock is not None else _now
        self._driver = RequestDriver(settings, stored=store.load())
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._outbox: Dict[int, Deque[_Action]] = {}
        self._refreshes: Deque[_Action] = deque()
        self._results: Dict[int, _Action] = {}
        self._async_waiters: List[Tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]] = []

    def set_identity(self, identity: Optional[str]) -> None:
        """Send this identity (the driver's ``identity_header``) with every later request."""
        with self._lock:
            self._driver.set_identity(identity)
            self._pump()

    def __repr__(self) -> str:
        return "BearerAuth(store=%r)" % (self._store,)

    # --- the shared machine (every method below runs with self._lock held) ----------------

    def _pump(self) -> None:
        while True:
            action = self._driver.poll_action()
            if action is None:
                break
            if action["type"] == "send":
                rid = action.get("request_id")
                if rid is None:
                    self._refreshes.append(dict(action))
                else:
                    self._outbox.setdefault(rid, deque()).append(dict(action))
            elif action["type"] == "save_tokens":
                if not self._store.save(action["stored"], action["expected_generation"]):
                    current = self._store.load()
                    if current is not None:
                        self._driver.handle_save_conflict(current)
            elif action["type"] == "load_tokens":
                self._driver.handle_loaded(self._store.load(), now=self._clock())
            elif action["type"] == "reauthenticate":
                if self._on_reauthenticate is not None:
                    self._on_reauthenticate(action["expires_at"])
            else:  # complete or failed
                self._results[action["request_id"]] = dict(action)
        self._cond.notify_all()
        for loop, fut in self._async_waiters:
            loop.call_soon_threadsafe(_wake, fut)
        self._async_waiters.clear()

    def _start(self, request: httpx.Request) -> int:
        rid = self._driver.send({"method": request.method, "url": str(request.url), "headers": {}}, now=self._clock())
        self._pump()
        return rid

    def _next(self, rid: int) -> Optional[Tuple[str, _Action]]:
        mine = self._outbox.get(rid)
        if mine:
            return "send", mine.popleft()
        if rid in self._results:
            self._outbox.pop(rid, None)
            return "done", self._results.pop(rid)
        if self._refreshes:
            return "refresh", self._refreshes.popleft()
        return None

    def _report(self, transmit: int, response: httpx.Response, body: bytes) -> None:
        with self._lock:
            self._driver.handle_response(
                transmit,
                {
                    "status": response.status_code,
                    "headers": dict(response.headers),
                    "body": body.decode("utf-8", "replace"),
                },
                now=self._clock(),
            )
            self._pump()

    def _report_failure(self, transmit: int) -> None:
        with self._lock:
            self._driver.handle_network_error(transmit, now=self._clock())
            self._pump()

    @staticmethod
    def _finish(result: _Action, answered: bool) -> None:
        # A failure the server answered (402, a second 401) is that answer: httpx returns it.
        if result["type"] == "failed" and not (answered and result.get("response") is not None):
            raise error_from_dict(result["error"])

    # --- httpx entry points ------------------------------------------------------------------

    def _forget(self, rid: int) -> None:
        """Drops what is kept for a request whose caller went away (an exception, a cancel)."""
        with self._lock:
            self._outbox.pop(rid, None)
            self._results.pop(rid, None)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            rid = self._start(request)
        answered = False  # whether the last response httpx saw is this request's own
        try:
            while True:
                with self._lock:
                    step = self._next(rid)
                    while step is None:
                        self._cond.wait()
                        step = self._next(rid)
                kind, action = step
                if kind == "done":
                    self._finish(action, answered)
                    return
                outgoing = _authorise(request, action) if kind == "send" else _build(action["request"])
                try:
                    response = yield outgoing
                except BaseException:
                    self._report_failure(action["transmit"])
                    raise
                own = kind == "send"
                body = response.read() if (not own or response.status_code in _BODY_STATUSES) else b""
                answered = own
                self._report(action["transmit"], response, body)
        finally:
            self._forget(rid)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        with self._lock:
            rid = self._start(request)
        answered = False
        try:
            while True:
                while True:
                    with self._lock:
                        step = self._next(rid)
                        if step is not None:
                            break
                        loop = asyncio.get_running_loop()
                        fut: "asyncio.Future[None]" = loop.create_future()
                        self._async_waiters.append((loop, fut))
                    await fut
                kind, action = step
                if kind == "done":
                    self._finish(action, answered)
                    return
                outgoing = _authorise(request, action) if kind == "send" else _build(action["request"])
                try:
                    response = yield outgoing
                except BaseException:
                    self._report_failure(action["transmit"])
                    raise
                own = kind == "send"
                body = await response.aread() if (not own or response.status_code in _BODY_STATUSES) else b""
                answered = own
                self._report(action["transmit"], response, body)
        finally:
            self._forget(rid)


def _wake(fut: "asyncio.Future[None]") -> None:
    if not fut.done():
        fut.set_result(None)


def _authorise(request: httpx.Request, action: Mapping[str, Any]) -> httpx.Request:
    """The caller's own request, with the headers the driver added (bearer, identity)."""
    for name, value in action["request"]["headers"].items():
        request.headers[name] = value
    return request


def _build(described: Mapping[str, Any]) -> httpx.Request:
    """A request the driver makes on its own (a refresh)."""
    body = described.get("body")
    return httpx.Request(
        described["method"],
        described["url"],
        headers=described["headers"],
        content=body.encode("utf-8") if body is not None else None,
    )
