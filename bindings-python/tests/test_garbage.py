"""Garbage into every entry point: only AuthError, TypeError, ValueError or OverflowError may
come out — never a Rust panic (pyo3's PanicException) or a crash."""

import itertools

import pytest

import authcore
from authcore import _authcore, authflow, broker, device, gate, jwt, oauth, password, refresh, session, signin, tokens, vault

GARBAGE = [
    None, 0, -1, 2**70, 1.5, float("nan"), True, "", "x", "\x00\udcff" if False else "\x00", "é" * 10_000, b"", b"\xff" * 64,
    [], [None], {}, {"a": None}, {"alg": "none"}, {"access_token": 1}, {"status": "200"}, {"method": 1, "url": None},
    {"version": 99}, [{"provider": 1}], {"keys": [{}]}, object(),
]
ALLOWED = (authcore.AuthError, TypeError, ValueError, OverflowError)

KEY = {"alg": "HS256", "secret": "k" * 32}


def machines():
    c = device.DeviceClient(base_url="https://a.example", client_id="c")
    c.start(now=0)
    return {
        "verifier": jwt.Verifier(algorithms=["HS256"], keys=[KEY]),
        "issuer": jwt.Issuer(KEY),
        "driver": tokens.RequestDriver(token_endpoint="https://a.example/t"),
        "device_client": c,
        "authority": device.DeviceAuthority(verification_uri="https://a.example/d"),
        "sessions": session.SessionManager(),
        "gate": gate.Gate(),
        "accounts": password.Accounts(memory_kib=8, iterations=1),
        "refresh": refresh.RefreshTokens(),
        "auth_code": oauth.AuthCodeClient(authorization_endpoint="https://a.example/a", token_endpoint="https://a.example/t",
                                          client_id="c", redirect_uri="https://a.example/cb"),
        "broker": broker.Broker(),
        "desktop": signin.DesktopSignIn(redirect_uris=["reeve://callback", "http://127.0.0.1/callback"]),
        "desktop_client": signin.DesktopClient(sign_in_url="https://a.example/s", exchange_url="https://a.example/x",
                                               redirect_uri="reeve://callback"),
        "magic": signin.MagicLinks(),
        "vault": vault.Vault(["authcore-master-key:v1:k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"]),
        "auth_session": authflow.AuthSession.start(
            {"name": "k", "display_name": "K", "auth_type": "api_key", "hosts": ["api.k.example"],
             "inject": {"header": "X-Api-Key", "format": "{key}"}}, "api_key", now=0),
    }


def callables():
    out = []
    for name in dir(_authcore):
        f = getattr(_authcore, name)
        if callable(f) and not isinstance(f, type) and not name.startswith("_"):
            out.append(("_authcore." + name, f))
    for mname, obj in machines().items():
        for attr in dir(obj):
            if attr.startswith("_") or attr in ("snapshot",):
                continue
            f = getattr(obj, attr)
            if callable(f):
                out.append(("%s.%s" % (mname, attr), f))
    for cls in [jwt.Verifier, jwt.Issuer, tokens.RequestDriver, device.DeviceClient, device.DeviceAuthority, session.SessionManager,
                gate.Gate, refresh.RefreshTokens, oauth.AuthCodeClient, broker.Broker,
                signin.DesktopSignIn, signin.DesktopClient, signin.MagicLinks, vault.Vault]:
        out.append((cls.__name__, cls))
    out.append(("AuthSession.start", authflow.AuthSession.start))
    out.append(("AuthSession.restore", authflow.AuthSession.restore))
    return out


CALLABLES = callables()


def call(f, *args, **kwargs):
    try:
        f(*args, **kwargs)
    except ALLOWED:
        pass
    except BaseException as e:  # PanicException derives from BaseException
        pytest.fail("%s(%r, %r) raised %s: %s" % (getattr(f, "__name__", f), args, kwargs, type(e).__name__, e))


@pytest.mark.parametrize("name,f", CALLABLES, ids=[n for n, _ in CALLABLES])
def test_garbage_never_panics(name, f):
    call(f)
    for g in GARBAGE:
        call(f, g)
    for a, b in itertools.product(GARBAGE[:12], repeat=2):
        call(f, a, b)
    for a, b, c in itertools.islice(itertools.product(GARBAGE, repeat=3), 0, 400, 7):
        call(f, a, b, c)
    call(f, now=-(2**62))
    call(f, now=2**62)


def test_extreme_times_and_sizes():
    v = jwt.Verifier(algorithms=["HS256"], keys=[KEY])
    t = jwt.Issuer(KEY).issue({"sub": "a"}, now=0)
    for now in [-(2**63), 2**63 - 1]:
        call(v.verify, t, now)
    call(v.verify, "a." * 100_000)
    call(tokens.token_set_from_response, '{"access_token":"a","expires_in":1e308}', 2**63 - 1)
    call(device.DeviceAuthority(verification_uri="https://a.example/d").issue, "c", None, 2**63 - 1)
