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
:class:`authcore.RefreshFailed` — the signal to sign in again. A refresh token the server
refused (``invalid_grant``, 400, 401) also clears the store first (compare-and-swap), so the
next run starts signed out; a transient failure (5xx, network) keeps the tokens.

With an opaque session token (no expiry, e.g. ``{"session_token", "user_id", "email"}``), a
401 signs the user out: the store is cleared (compare-and-swap), ``on_signed_out`` is
called, and the request raises :class:`authcore.NotAuthenticated` (code
``not_authenticated``) instead of returning the 401.

One :class:`BearerAuth` may be shared by any number of threads (``httpx.Client``) or tasks
(``httpx.AsyncClient``); it needs ``httpx`` (``pip install httpx``).

:class:`RemoteJwks` verifies tokens against a provider's remote key set
(:class:`authcore.jwt.JwksCache`), fetching it with ``httpx`` when the core asks::

    from authcore.httpx import RemoteJwks

    jwks = RemoteJwks("https://idp.example.com/.well-known/jwks.json",
                      verifier={"algorithms": ["RS256"], "issuer": "https://idp.example.com", "audience": "api"})
    claims = jwks.verify(token)["claims"]          # or: await jwks.verify_async(token)
"""

import asyncio
import logging
import threading
import time
from collections import deque
from typing import Any, AsyncGenerator, Callable, Deque, Dict, Generator, List, Mapping, Optional, Tuple

import httpx

from ._authcore import JwksCache, RequestDriver
from .errors import error_from_dict
from .stores import TokenStore

__all__ = ["BearerAuth", "RemoteJwks"]

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
    expired: the moment to ask the user to sign in again. ``on_signed_out`` is called (no
    arguments, lock held) when the API refused a session token and the store was cleared.
    """

    def __init__(
        self,
        store: TokenStore,
        token_endpoint: Optional[str] = None,
        *,
        clock: Optional[Callable[[], float]] = None,
        on_reauthenticate: Optional[Callable[[int], None]] = None,
        on_signed_out: Optional[Callable[[], None]] = None,
        **settings: Any,
    ) -> None:
        if token_endpoint is not None:
            settings["token_endpoint"] = token_endpoint
        self._store = store
        self._on_reauthenticate = on_reauthenticate
        self._on_signed_out = on_signed_out
        self._signing_out = False
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
            elif action["type"] == "signed_out":
                self._signing_out = True
                if self._on_signed_out is not None:
                    self._on_signed_out()
            elif action["type"] == "clear_tokens":
                clear = getattr(self._store, "clear", None)
                if clear is not None and not clear(action["expected_generation"]):
                    current = self._store.load()
                    if current is not None:
                        self._driver.handle_save_conflict(current)
            else:  # complete or failed
                result = dict(action)
                if self._signing_out and action["type"] == "failed":
                    # The request that signed the user out raises, even though answered.
                    result["signed_out"] = True
                    self._signing_out = False
                self._results[action["request_id"]] = result
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
        if result["type"] == "failed" and (
            result.get("signed_out") or not (answered and result.get("response") is not None)
        ):
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


class RemoteJwks:
    """Verifies tokens against a remote key set: a :class:`authcore.jwt.JwksCache` whose
    fetches go out through ``httpx``.

    ``jwks_uri`` and the keyword settings are the cache's (``verifier``, ``default_alg``,
    ``cooldown``, ``default_ttl``, ``min_ttl``, ``max_ttl``, ``stale_while_error``, …); every
    rule (when to fetch, the cooldown, stale-while-error, which keys count) is the core's.
    ``client`` / ``async_client`` are the ``httpx`` clients to fetch with (created on first
    use otherwise); ``clock`` returns Unix seconds. :meth:`verify` and :meth:`verify_async`
    return what :meth:`authcore.jwt.Verifier.verify` returns and raise its
    :class:`authcore.AuthError`; a failed fetch is logged on the ``authcore`` logger.
    One instance may be shared by threads (``verify``) or tasks (``verify_async``).
    """

    def __init__(
        self,
        jwks_uri: Optional[str] = None,
        *,
        client: Optional[httpx.Client] = None,
        async_client: Optional[httpx.AsyncClient] = None,
        clock: Optional[Callable[[], float]] = None,
        backend: Optional[str] = None,
        **settings: Any,
    ) -> None:
        if jwks_uri is not None:
            settings["jwks_uri"] = jwks_uri
        self.cache = JwksCache(settings, backend=backend)  # type: ignore[arg-type]
        self._client = client
        self._async_client = async_client
        self._clock: Callable[[], int] = (lambda: int(clock())) if clock is not None else _now
        self._lock = threading.Lock()
        self._alock: Optional[asyncio.Lock] = None

    def __repr__(self) -> str:
        return "RemoteJwks(%r)" % (self.cache,)

    def verify(self, token: str) -> Dict[str, Any]:
        """Verifies ``token``, fetching the key set first when the core asks for it."""
        with self._lock:
            now = self._clock()
            result = self.cache.verify(token, now=now)
            if result["type"] == "fetch":
                for transmit, request in self._sends(result["transmit"], now):
                    self._fetch(transmit, request, now)
                result = self.cache.verify(token, now=now)
            return _verified(result)

    async def verify_async(self, token: str) -> Dict[str, Any]:
        """:meth:`verify` with ``httpx.AsyncClient``."""
        if self._alock is None:
            self._alock = asyncio.Lock()
        async with self._alock:
            now = self._clock()
            result = self.cache.verify(token, now=now)
            if result["type"] == "fetch":
                for transmit, request in self._sends(result["transmit"], now):
                    await self._fetch_async(transmit, request, now)
                result = self.cache.verify(token, now=now)
            return _verified(result)

    def _sends(self, awaited: int, now: int) -> List[Tuple[int, Mapping[str, Any]]]:
        sends: List[Tuple[int, Mapping[str, Any]]] = []
        for action in self.cache.actions():
            if action["type"] == "send":
                sends.append((action["transmit"], action["request"]))
            elif action["type"] == "fetch_failed":
                _log.warning("authcore: key-set fetch failed: %s", action["error"]["detail"])
        if not any(t == awaited for t, _ in sends):
            # A fetch left in flight by an interrupted call: settle it so a new one can start.
            self.cache.handle_network_error(awaited, now=now)
            self.cache.actions()
        return sends

    def _fetch(self, transmit: int, request: Mapping[str, Any], now: int) -> None:
        if self._client is None:
            self._client = httpx.Client(timeout=10.0)
        try:
            response = self._client.request(request["method"], request["url"], headers=request["headers"])
        except httpx.HTTPError:
            self.cache.handle_network_error(transmit, now=now)
            return
        self.cache.handle_response(transmit, _response(response), now=now)

    async def _fetch_async(self, transmit: int, request: Mapping[str, Any], now: int) -> None:
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(timeout=10.0)
        try:
            response = await self._async_client.request(request["method"], request["url"], headers=request["headers"])
        except httpx.HTTPError:
            self.cache.handle_network_error(transmit, now=now)
            return
        self.cache.handle_response(transmit, _response(response), now=now)


_log = logging.getLogger("authcore")


def _response(response: httpx.Response) -> Dict[str, Any]:
    return {"status": response.status_code, "headers": dict(response.headers), "body": response.text}


def _verified(result: Mapping[str, Any]) -> Dict[str, Any]:
    token: Dict[str, Any] = result["token"]
    return token
