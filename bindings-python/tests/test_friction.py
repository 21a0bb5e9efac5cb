"""Everyday use: `audience` as one string, `bytes` secrets, readable reprs, threads that wait."""

import base64
import gc
import sys
import threading
import time
from typing import Any, Dict, List

import pytest

import authcore
from authcore import broker, device, gate, jwt, oauth, password, refresh, session, tokens

NOW = 1_700_000_000
SECRET = "an HS256 secret of at least 32 bytes!!"
KEY = {"alg": "HS256", "secret": SECRET}
RAW = bytes(range(256))[:48]  # not UTF-8: only reachable as bytes or secret_b64


# --- audience: one string or a list ---------------------------------------------------------


def test_audience_is_one_string_or_a_list_everywhere() -> None:
    token = jwt.Issuer(KEY, audience="api").issue({"sub": "u"}, now=NOW)
    for aud in ("api", ["api"], ("other", "api")):
        v = jwt.Verifier(algorithms=["HS256"], keys=[KEY], audience=aud)
        assert v.verify(token, now=NOW)["claims"]["aud"] == "api"
    with pytest.raises(authcore.InvalidClaims):
        jwt.Verifier(algorithms=["HS256"], keys=[KEY], audience="web").verify(token, now=NOW)
    with pytest.raises(authcore.InvalidConfig) as e:
        jwt.Verifier(algorithms=["HS256"], keys=[KEY], audience="")
    assert e.value.field == "audience"
    with pytest.raises(TypeError, match="audience: expected a string or a list of strings"):
        jwt.Verifier(algorithms=["HS256"], keys=[KEY], audience=7)  # type: ignore[arg-type]
    # The same in a settings dict and in the gate's jwt settings.
    v = jwt.Verifier({"algorithms": ["HS256"], "audience": "api"}, keys=[KEY])
    assert "audience=['api']" in repr(v)
    g = gate.Gate(jwt={"config": {"algorithms": ["HS256"], "audience": "api"}, "keys": [KEY]})
    out = g.authenticate({"method": "GET", "url": "/x", "headers": {"Authorization": f"Bearer {token}"}}, now=NOW)
    assert out["type"] == "allow", out
    # from_env: JWT_AUDIENCE is one string.
    iss, ver = jwt.from_env({"JWT_SECRET_KEY": SECRET, "JWT_AUDIENCE": "api"})
    assert ver.verify(iss.issue({"sub": "u"}, now=NOW), now=NOW)["claims"]["aud"] == "api"


# --- secrets as bytes -----------------------------------------------------------------------


def test_secrets_may_be_bytes() -> None:
    as_b64 = {"alg": "HS256", "kid": "k1", "secret_b64": base64.urlsafe_b64encode(RAW).rstrip(b"=").decode()}
    for secret in (RAW, bytearray(RAW)):
        key = {"alg": "HS256", "secret": secret, "kid": "k1"}
        token = jwt.Issuer(key).issue({"sub": "u"}, now=NOW)
        # The same key given as bytes, bytearray or secret_b64 verifies the same token.
        assert jwt.Verifier(algorithms=["HS256"], keys=[as_b64]).verify(token, now=NOW)["kid"] == "k1"
        assert jwt.Verifier(algorithms=["HS256"], keys=(key,)).verify(token, now=NOW)["claims"]["sub"] == "u"
        g = gate.Gate(jwt={"config": {"algorithms": ["HS256"]}, "keys": [key]})
        out = g.authenticate({"method": "GET", "url": "/x", "headers": {"Authorization": f"Bearer {token}"}}, now=NOW)
        assert out["type"] == "allow", out
        header, _, sig = token.rpartition(".")
        raw_sig = base64.urlsafe_b64decode(sig + "==")
        assert jwt.verify_signature(key, header.encode(), raw_sig)
    # str secrets are the UTF-8 bytes: the two forms are one key.
    token = jwt.Issuer({"alg": "HS256", "secret": SECRET.encode()}).issue({"sub": "u"}, now=NOW)
    assert jwt.Verifier(algorithms=["HS256"], keys=[KEY]).verify(token, now=NOW)["claims"]["sub"] == "u"
    # The caller's dict is not changed.
    key = {"alg": "HS256", "secret": RAW}
    jwt.Issuer(key)
    assert key == {"alg": "HS256", "secret": RAW}
    # The core's rules still apply: too short, or two materials.
    with pytest.raises(authcore.InvalidKey):
        jwt.Issuer({"alg": "HS256", "secret": b"short"})
    with pytest.raises(authcore.InvalidKey) as e:
        jwt.Issuer({"alg": "HS256", "secret": RAW, "secret_b64": as_b64["secret_b64"]})
    assert "exactly one" in e.value.detail
    # Other types are refused by name, without the value.
    with pytest.raises(TypeError) as t:
        jwt.Issuer({"alg": "HS256", "secret": memoryview(RAW)})
    assert "key.secret" in str(t.value) and repr(RAW) not in str(t.value)


# --- repr -----------------------------------------------------------------------------------

CANARY = "canary-secret-0123456789-abcdefghijkl"


def test_repr_is_python_and_never_shows_a_secret() -> None:
    key = {"alg": "HS256", "secret": CANARY, "kid": "k1"}
    body = '{"access_token":"%s","refresh_token":"%s","token_type":"Bearer","expires_in":3600}' % (CANARY, CANARY)
    stored = {"version": 1, "generation": 3, "clock_offset": 0, "tokens": tokens.token_set_from_response(body, now=NOW)}
    objects: Dict[str, Any] = {
        "Verifier": jwt.Verifier(algorithms=["HS256"], keys=[key], issuer="https://auth.example", audience="api"),
        "Issuer": jwt.Issuer(key),
        "IssuerBytes": jwt.Issuer({"alg": "HS256", "secret": CANARY.encode()}),
        "RequestDriver": tokens.RequestDriver(token_endpoint="https://auth.example/token", stored=stored),
        "DeviceClient": device.DeviceClient(base_url="https://auth.example", client_id="cli"),
        "DeviceAuthority": device.DeviceAuthority(verification_uri="https://auth.example/device"),
        "SessionManager": session.SessionManager(),
        "Gate": gate.Gate(
            jwt={"config": {"algorithms": ["HS256"]}, "keys": [key]},
            services=[{"name": "billing", "header": "X-Services-Token", "secret": CANARY}],
            routes=[{"path": "/health", "access": "public"}],
        ),
        "Accounts": password.Accounts(memory_kib=64, iterations=1),
        "RefreshTokens": refresh.RefreshTokens(),
        "AuthCodeClient": oauth.AuthCodeClient(
            authorization_endpoint="https://auth.example/authorize",
            token_endpoint="https://auth.example/token",
            client_id="app",
            client_secret=CANARY,
            redirect_uri="https://app.example/cb",
            scopes=["openid"],
        ),
        "Broker": broker.Broker(),
    }
    expected = {
        "Verifier": "Verifier(algorithms=['HS256'], issuer='https://auth.example', audience=['api'], leeway=60, keys=1)",
        "Issuer": "Issuer(alg='HS256', kid='k1', lifetime=3600)",
        "IssuerBytes": "Issuer(alg='HS256', kid=None, lifetime=3600)",
        "RequestDriver": "RequestDriver(token_endpoint='https://auth.example/token', generation=3, has_tokens=True)",
        "DeviceClient": "DeviceClient(base_url='https://auth.example', client_id='cli', status='idle', interval=None)",
        "Gate": "Gate(realm='api', routes=1, jwt=True, services=1)",
        "Accounts": "Accounts(min_length=8, memory_kib=64, iterations=1, parallelism=1)",
        "AuthCodeClient": "AuthCodeClient(authorization_endpoint='https://auth.example/authorize', client_id='app', "
        "redirect_uri='https://app.example/cb', scopes=['openid'])",
    }
    for name, obj in objects.items():
        text = repr(obj)
        assert CANARY not in text and "Some(" not in text and '"' not in text, (name, text)
        assert text.startswith(type(obj).__name__ + "("), (name, text)
        if name in expected:
            assert text == expected[name]
    assert str(objects["SessionManager"]).startswith("SessionManager(idle_timeout=")
    assert repr(objects["Broker"]).startswith("Broker(providers=")
    c = objects["DeviceClient"]
    c.start(now=NOW)
    assert "status='authorizing'" in repr(c)
    # A quote in a setting is escaped the Python way.
    assert "client_id='it\\'s'" in repr(device.DeviceClient(base_url="https://auth.example", client_id="it's")) or (
        "client_id=\"it's\"" in repr(device.DeviceClient(base_url="https://auth.example", client_id="it's"))
    )


# --- threads --------------------------------------------------------------------------------


class _Garbage:
    """A reference cycle whose finalizer gives up the GIL: when the collector runs inside a
    driver call (it allocates), another thread gets to run while the driver is locked."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        time.sleep(0)


def test_threads_wait_for_a_busy_driver_and_every_request_settles_once() -> None:
    body = '{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}'
    stored = {"version": 1, "generation": 1, "clock_offset": 0, "tokens": tokens.token_set_from_response(body, now=NOW)}
    d = tokens.RequestDriver(token_endpoint="https://auth.example/token", api_origins=["https://api.example"], stored=stored)
    settled: List[int] = []
    failures: List[Any] = []
    refreshes: List[int] = []
    errors: List[BaseException] = []
    sent: List[int] = []

    def pump() -> None:
        while (a := d.poll_action()) is not None:
            _Garbage()
            if a["type"] == "send":
                req = a["request"]
                if req["url"] == "https://auth.example/token":
                    refreshes.append(1)
                    new = '{"access_token":"at-2","refresh_token":"rt-2","token_type":"Bearer","expires_in":3600}'
                    d.handle_response(a["transmit"], {"status": 200, "body": new}, now=NOW)
                elif req["headers"].get("Authorization") == "Bearer at-1":
                    d.handle_response(a["transmit"], {"status": 401, "body": ""}, now=NOW)
                else:
                    d.handle_response(a["transmit"], {"status": 200, "body": "ok"}, now=NOW)
            elif a["type"] == "complete":
                settled.append(a["request_id"])
            elif a["type"] == "failed":  # pragma: no cover - would be a bug
                failures.append(a)

    def worker() -> None:
        try:
            for _ in range(150):
                sent.append(d.send({"method": "GET", "url": "https://api.example/me"}, now=NOW))
                pump()
        except BaseException as e:  # pragma: no cover - would be a bug
            errors.append(e)

    old = gc.get_threshold()
    gc.set_threshold(50, 1, 1)
    try:
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        gc.set_threshold(*old)
    pump()
    assert errors == [] and failures == []
    assert len(sent) == 8 * 150 == len(set(sent))
    assert sorted(settled) == sorted(sent), "every request settles exactly once"
    assert len(refreshes) == 1, "one refresh for every thread"
    assert d.status(now=NOW)["generation"] == 2


def test_device_client_shared_by_threads_never_refuses() -> None:
    c = device.DeviceClient(base_url="https://auth.example", client_id="cli")
    c.start(now=NOW)
    c.actions()
    errors: List[BaseException] = []

    def hammer() -> None:
        try:
            for t in range(1000):
                _Garbage()
                c.handle_timeout(now=NOW + t)
                c.actions()
                _ = c.status(now=NOW), repr(c)
        except BaseException as e:  # pragma: no cover - would be a bug
            errors.append(e)

    old = gc.get_threshold()
    gc.set_threshold(50, 1, 1)
    try:
        threads = [threading.Thread(target=hammer) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        gc.set_threshold(*old)
    assert errors == []


def test_reentry_from_a_finalizer_is_served_not_deadlocked() -> None:
    # A finalizer run by the collector while `actions()` builds its result calls the same
    # driver. The driver's lock is held only while the core drains its queue, never while
    # Python objects are built, so the nested call is served (a call arriving while the lock
    # is held on the same thread would be a RuntimeError, never a hang).
    d = tokens.RequestDriver(token_endpoint="https://auth.example/token")
    for _ in range(20):
        d.send({"method": "GET", "url": "https://auth.example/x"}, now=NOW)
    seen: List[BaseException] = []
    served: List[int] = []

    class Reenter:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            served.append(d.status(now=NOW)["generation"])

    hook, threshold = sys.unraisablehook, gc.get_threshold()
    sys.unraisablehook = lambda u: seen.append(u.exc_value) if u.exc_value else None
    try:
        gc.disable()
        gc.collect()
        Reenter()
        gc.set_threshold(1)
        gc.enable()
        acts = d.actions()
    finally:
        gc.set_threshold(*threshold)
        gc.enable()
        sys.unraisablehook = hook
    assert len(acts) == 20
    assert seen == [] and served == [0]
    assert d.status(now=NOW)["generation"] == 0  # still usable
