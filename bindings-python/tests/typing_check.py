"""Type-checked with `mypy --strict` in `make test`: the stubs describe real use."""

from typing import Any, Dict, List, Optional

import authcore
from authcore.device import DeviceClient
from authcore.jwt import Issuer, Verifier
from authcore.tokens import RequestDriver
from authcore.types import Action, DeviceClientSnapshot, DeviceStatus, HttpRequest, StoredTokens, VerifiedToken


def verify(token: str) -> Optional[str]:
    key = {"alg": "HS256", "secret": "x" * 32}
    v = Verifier(algorithms=["HS256"], keys=[key])
    try:
        claims: Dict[str, Any] = v.verify(token)["claims"]
    except authcore.TokenExpired as e:
        body: Dict[str, str] = e.to_dict()
        return body["code"]
    sub = claims.get("sub")
    return sub if isinstance(sub, str) else None


def issue() -> str:
    return Issuer({"alg": "HS256", "secret": "x" * 32}, lifetime=60).issue({"sub": "u"}, now=0)


def drive() -> List[str]:
    d = RequestDriver(token_endpoint="https://a.example/token")
    d.send({"method": "GET", "url": "https://api.example/"})
    c = DeviceClient(base_url="https://a.example", client_id="cli")
    c.start()
    status: DeviceStatus = c.status()
    assert status == {"interval": None, "finished": False}
    snapshot: DeviceClientSnapshot = c.snapshot()
    assert [a["type"] for a in DeviceClient.restore(snapshot).actions()] == ["wait"]
    return [a["type"] for a in d.actions()] + [a["type"] for a in c.actions()]


def narrow(action: Optional[Action]) -> str:
    """A tagged union narrows on `type`: each branch sees only its variant's members."""
    if action is None:
        return "idle"
    if action["type"] == "send":
        request: HttpRequest = action["request"]
        return f"{request['method']} {request['url']} ({action['transmit']})"
    if action["type"] == "save_tokens":
        stored: StoredTokens = action["stored"]
        return f"save {stored['generation']} over {action['expected_generation']}"
    if action["type"] == "failed":
        return action["error"]["code"]
    return action["type"]


def verified(token: str) -> str:
    v: VerifiedToken = Verifier(algorithms=["HS256"], keys=[{"alg": "HS256", "secret": "x" * 32}]).verify(token)
    return v["alg"] + str(v.get("kid"))


def settings_are_named() -> List[object]:
    """Every constructor's settings are named, typed keywords (a misspelt one fails mypy:
    tests/test_typing.py checks that)."""
    key = {"alg": "HS256", "secret": b"x" * 32}
    from authcore import broker, device, gate, oauth, password, refresh, session

    return [
        Verifier(keys=[key], algorithms=["HS256"], leeway=0, issuer="i", audience="api", typ=None, max_token_bytes=4096),
        Verifier(keys=[key], algorithms=["HS256", "EdDSA"], audience=["a", "b"], backend="portable"),
        Issuer(key, lifetime=60, issuer="i", audience="api", typ="at+jwt", jti=True),
        RequestDriver(
            token_endpoint="https://a.example/token",
            client_id=None,
            refresh_margin=60,
            identity_header="X-Identity",
            default_expires_in=3600,
            shared_store=True,
            api_origins=["https://api.example"],
            allow_insecure_http=False,
        ),
        DeviceClient(base_url="https://a.example", client_id="cli", scope="read", encoding="json", max_retries=2),
        device.DeviceAuthority(verification_uri="https://a.example/device", interval=5, max_attempts=5),
        session.SessionManager(idle_timeout=3600, absolute_lifetime=None, touch_interval=60),
        gate.Gate(realm="api", routes=[{"path": "/h", "access": "public"}], default_access="user", normalize_path=True),
        password.Accounts(memory_kib=64, iterations=1, parallelism=1, min_length=8, max_length=128),
        refresh.RefreshTokens(ttl=3600, family_lifetime=86400, token_bytes=32),
        oauth.AuthCodeClient(
            authorization_endpoint="https://a.example/authorize",
            token_endpoint="https://a.example/token",
            client_id="app",
            redirect_uri="https://app.example/cb",
            scopes=["openid"],
            extra_params=[("access_type", "offline")],
        ),
        broker.Broker(allow_loopback_http=True),
    ]
