"""The OAuth 2.0 device authorization grant (RFC 8628): client and server machines.

:class:`DeviceClient` emits ``send``, ``prompt``, ``wait``, ``save_tokens``, ``done`` and
``failed`` actions (dicts tagged by ``"type"``; raise ``error_from_dict(action["error"])`` for
``failed``); the next wake-up is only ever a ``wait`` action, emitted again by
``DeviceClient.restore(snapshot)``. :class:`DeviceAuthority` issues grants and answers polls with records to
store under compare-and-swap on ``revision``. :func:`login` runs a whole device login over
``httpx`` in one call::

    from authcore.device import login
    from authcore.stores import FileTokenStore

    login("https://auth.example.com", "my-cli", scope="read", store=FileTokenStore("~/.my-cli/auth.json"))
"""

import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from ._authcore import (
    DeviceAuthority,
    DeviceClient,
    device_code_hash,
    load_grant,
    oauth_error,
    parse_authorization_request,
    parse_token_request,
)
from .errors import error_from_dict
from .types import StoredTokens

if TYPE_CHECKING:  # pragma: no cover
    import httpx

    from .stores import TokenStore

__all__ = [
    "DeviceAuthority",
    "DeviceClient",
    "device_code_hash",
    "load_grant",
    "login",
    "oauth_error",
    "parse_authorization_request",
    "parse_token_request",
    "print_prompt",
]


def print_prompt(prompt: Mapping[str, Any]) -> None:
    """The default prompt: where to go and what to type, on standard error."""
    url = prompt.get("verification_uri_complete") or prompt["verification_uri"]
    sys.stderr.write("To sign in, open %s and enter the code %s\n" % (url, prompt["user_code"]))
    sys.stderr.flush()


def login(
    base_url: str,
    client_id: str,
    *,
    scope: Optional[str] = None,
    store: Optional["TokenStore"] = None,
    prompt: Callable[[Mapping[str, Any]], None] = print_prompt,
    http: Optional["httpx.Client"] = None,
    cancel: Optional[threading.Event] = None,
    clock: Callable[[], float] = time.time,
    **settings: Any,
) -> StoredTokens:
    """Signs in with the device grant and returns the stored-tokens document.

    ``prompt`` is called once with the ``prompt`` action (``user_code``,
    ``verification_uri``, ``verification_uri_complete``, ``expires_at``). The tokens are
    saved to ``store`` (compare-and-swap on the generation the store holds) before this
    returns. Setting ``cancel`` (a ``threading.Event``) or pressing Ctrl-C stops the login:
    it raises :class:`authcore.Cancelled` (or ``KeyboardInterrupt``). A refusal raises the
    matching exception (:class:`authcore.AccessDenied`, :class:`authcore.ExpiredToken`, …).
    ``http`` is an ``httpx.Client`` to use (one with a 30 s timeout is made otherwise);
    other keyword settings are :class:`DeviceClient`'s (``authorization_path``,
    ``token_path``, ``encoding``, …).
    """
    import httpx  # the adapter's only dependency, imported when used

    cancel = cancel or threading.Event()
    previous = store.load() if store is not None else None
    if previous is not None:
        settings.setdefault("previous_generation", previous["generation"])
    client = DeviceClient(base_url=base_url, client_id=client_id, scope=scope, **settings)
    own_http = http is None
    session = http if http is not None else httpx.Client(timeout=30)
    saved: Optional[StoredTokens] = None
    try:
        client.start(now=int(clock()))
        while True:
            if cancel.is_set():
                client.cancel()
            action = client.poll_action()
            if action is None:  # the machine always ends with done or failed
                raise error_from_dict({"code": "invalid_state", "detail": "The device client stopped."})
            if action["type"] == "send":
                req = action["request"]
                try:
                    r = session.request(req["method"], req["url"], headers=req["headers"], content=req.get("body"))
                except httpx.TransportError:
                    client.handle_network_error(action["transmit"], now=int(clock()))
                    continue
                client.handle_response(
                    action["transmit"],
                    {"status": r.status_code, "headers": dict(r.headers), "body": r.text},
                    now=int(clock()),
                )
            elif action["type"] == "prompt":
                prompt(action)
            elif action["type"] == "wait":
                cancel.wait(max(0.0, action["until"] - clock()))
                client.handle_timeout(now=int(clock()))
            elif action["type"] == "save_tokens":
                saved = action["stored"]
                if store is not None and not store.save(saved, action["expected_generation"]):
                    raise error_from_dict(
                        {"code": "version_conflict", "detail": "The token store changed during the login; sign in again."}
                    )
            elif action["type"] == "done":
                if saved is None:
                    raise error_from_dict({"code": "invalid_state", "detail": "The login ended without tokens."})
                return saved
            elif action["type"] == "failed":
                raise error_from_dict(action["error"])
    except KeyboardInterrupt:
        client.cancel()
        raise
    finally:
        if own_http:
            session.close()
