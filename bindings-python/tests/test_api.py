"""The Pythonic surface: keyword arguments, defaults, pickling, threads and the GIL."""

import pickle
import threading
import time

import pytest

import authcore
from authcore import broker, device, gate, jwt, oauth, password, refresh, session, tokens

KEY = {"alg": "HS256", "secret": "an HS256 secret of at least 32 bytes!!"}
NOW = 1_700_000_000


def test_jwt_round_trip_with_keyword_config() -> None:
    issuer = jwt.Issuer(KEY, lifetime=600, issuer="https://auth.example", jti=True)
    token = issuer.issue({"sub": "user-1"}, now=NOW)
    verifier = jwt.Verifier(algorithms=["HS256"], keys=[KEY], issuer="https://auth.example", leeway=0)
    out = verifier.verify(token, now=NOW + 599)
    assert out["claims"]["sub"] == "user-1" and out["claims"]["exp"] == NOW + 600 and len(out["claims"]["jti"]) == 22
    with pytest.raises(authcore.TokenExpired):
        verifier.verify(token, now=NOW + 600)
    # `now` defaults to the current time.
    fresh = issuer.issue({"sub": "u"})
    assert abs(verifier.verify(fresh)["claims"]["iat"] - time.time()) < 5
    assert "secret" not in repr(issuer) and KEY["secret"] not in repr(verifier)


def test_verified_claims_are_the_payload_as_python_reads_it() -> None:
    # Every JSON type, nested, at the edges of the integer ranges, non-ASCII: what `verify`
    # returns is what `json.loads` makes of the payload, types and key order included.
    import base64
    import json

    claims = {
        "sub": "ü-1 \u2028 😀", "big": 2**64 - 1, "neg": -(2**63), "f": 1.5, "e": 1e300, "t": True, "n": None,
        "list": [1, "two", [3.25, {"k": False}], {}], "obj": {"z": {}, "a": []}, "q": 'quote " and \\',
    }
    token = jwt.Issuer(KEY, lifetime=600).issue(claims, now=NOW)
    out = jwt.Verifier(algorithms=["HS256"], keys=[KEY]).verify(token, now=NOW + 1)
    payload = token.split(".")[1]
    want = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert out["claims"] == want
    assert list(out["claims"]) == sorted(want) and list(out) == ["alg", "typ", "claims"]
    assert [type(out["claims"][k]) for k in sorted(want)] == [type(want[k]) for k in sorted(want)]
    assert out["alg"] == "HS256" and out["typ"] == "JWT"
    named = jwt.Issuer(dict(KEY, kid="k1")).issue({"sub": "u"}, now=NOW)
    out = jwt.Verifier(algorithms=["HS256"], keys=[dict(KEY, kid="k1")]).verify(named, now=NOW + 1)
    assert list(out) == ["alg", "kid", "typ", "claims"] and out["kid"] == "k1"
    assert device.oauth_error("invalid_grant") == (400, {"error": "invalid_grant", "error_description": "The grant is invalid or has already been used."})


ED_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "sig"}
ENC_JWK = {"kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "enc", "n": "AQAB", "e": "AQAB"}


def test_jwks_report_and_skipped_keys() -> None:
    report = jwt.parse_jwks({"keys": [ED_JWK, ENC_JWK]})
    assert [k["alg"] for k in report["keys"]] == ["EdDSA"]
    assert report["skipped"] == [{"index": 1, "kid": "enc", "reason_code": "not_for_signature", "detail": "Its `use` is `enc`, not `sig`."}]
    verifier = jwt.Verifier(algorithms=["ES256"], jwks={"keys": [dict(ED_JWK, kid="ed"), ENC_JWK, {"kty": "EC", "crv": "P-256", "kid": "ec",
                            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})
    assert [(s["kid"], s["reason_code"]) for s in verifier.skipped_keys()] == [("ed", "alg_not_allowed"), ("enc", "not_for_signature")]
    with pytest.raises(authcore.InvalidKey) as e:
        jwt.parse_jwks({"keys": [ENC_JWK]})
    assert e.value.field == "keys" and "`use` is `enc`" in e.value.detail
    lenient = jwt.Verifier(algorithms=["HS256"], keys=[KEY], unnamed_single_key_matches_any_kid=True)
    token = jwt.Issuer(dict(KEY, kid="rotated")).issue({"sub": "u"}, now=NOW)
    assert lenient.verify(token, now=NOW)["kid"] == "rotated"


def test_jwt_from_env_and_portable_backend() -> None:
    iss, ver = jwt.from_env({"JWT_SECRET_KEY": "k" * 32, "JWT_ALGORITHM": "HS256", "JWT_EXPIRATION": "60"}, backend="portable")
    assert ver.verify(iss.issue({"sub": "a"}, now=NOW), now=NOW + 1)["claims"]["exp"] == NOW + 60
    with pytest.raises(authcore.InvalidConfig) as info:
        jwt.from_env({"JWT_SECRET_KEY": "k" * 32, "JWT_EXPIRATION": "soon"})
    assert info.value.field == "JWT_EXPIRATION"
    with pytest.raises(authcore.InvalidConfig) as bad:  # an InputError, so also a ValueError
        jwt.Verifier(algorithms=["HS256"], keys=[KEY], backend="fast")
    assert bad.value.field == "backend" and isinstance(bad.value, ValueError)


def test_wrong_argument_types_are_type_or_value_errors() -> None:
    with pytest.raises(authcore.InvalidConfig) as none:  # no keys: the core's rule, an InputError (ValueError)
        jwt.Verifier(algorithms=["HS256"])
    assert none.value.field == "keys"
    with pytest.raises(TypeError, match="expected a sequence"):
        jwt.Verifier(algorithms="HS256", keys=[KEY])  # a str is never a list of characters
    with pytest.raises(TypeError, match="dict keys must be str"):
        jwt.Issuer(KEY).issue({1: "x"}, now=NOW)
    with pytest.raises(ValueError, match="NaN"):
        jwt.Issuer(KEY).issue({"n": float("nan")}, now=NOW)
    with pytest.raises(TypeError, match="got set"):
        jwt.Issuer(KEY).issue({"n": {1, 2}}, now=NOW)
    with pytest.raises(ValueError):
        jwt.Verifier(algorithms=["HS256"], keys=[KEY], colour="blue")
    with pytest.raises(TypeError):
        tokens.freshness({"access_token": 1, "token_type": "Bearer", "expires_at": 0}, now=0)


def test_request_driver_flow_and_pickle() -> None:
    body = '{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}'
    stored = {"version": 1, "generation": 3, "clock_offset": 0, "tokens": tokens.token_set_from_response(body, now=NOW)}
    d = tokens.RequestDriver(token_endpoint="https://auth.example/token", api_origins=["https://api.example"], stored=stored)
    rid = d.send({"method": "GET", "url": "https://api.example/me"}, now=NOW)
    [send] = d.actions()
    assert send["type"] == "send" and send["request"]["headers"]["Authorization"] == "Bearer at-1"
    d.handle_response(send["transmit"], {"status": 200, "body": "{}"}, now=NOW)
    assert d.actions() == [{"type": "complete", "request_id": rid, "response": {"status": 200, "headers": {}, "body": "{}"}}]
    with pytest.raises(authcore.InvalidState):
        d.handle_response(send["transmit"], {"status": 200}, now=NOW)
    back = pickle.loads(pickle.dumps(d))
    assert back.status(now=NOW) == d.status(now=NOW) == {"generation": 3, "clock_offset": 0, "freshness": "fresh"}
    assert d.snapshot()["version"] == 1
    assert tokens.RequestDriver.restore(d.snapshot()).status(now=NOW) == d.status(now=NOW)
    assert back.stored() == stored
    assert tokens.load_tokens(tokens.dump_tokens(stored)) == stored


def test_request_driver_keeps_the_token_on_its_origins() -> None:
    body = '{"access_token":"at-1","token_type":"Bearer","expires_in":3600}'
    stored = {"version": 1, "generation": 1, "clock_offset": 0, "tokens": tokens.token_set_from_response(body, now=NOW)}
    d = tokens.RequestDriver(token_endpoint="https://auth.example/token", stored=stored)  # default: the token endpoint's origin
    d.send({"method": "GET", "url": "https://auth.example/me"}, now=NOW)
    d.send({"method": "GET", "url": "https://api.example/me"}, now=NOW)
    d.send({"method": "GET", "url": "https://auth.example\\@evil.example/me"}, now=NOW)
    assert [a["request"]["headers"] for a in d.actions()] == [{"Authorization": "Bearer at-1"}, {}, {}]
    with pytest.raises(authcore.InvalidConfig) as e:
        tokens.RequestDriver(token_endpoint="http://auth.example/token")
    assert e.value.field == "token_endpoint"
    tokens.RequestDriver(token_endpoint="http://127.0.0.1:8000/token")
    with pytest.raises(authcore.InvalidInput):
        d.set_identity("id\r\nX-Evil: 1")


def test_restored_snapshot_is_checked_like_construction() -> None:
    # A pickle is `restore(snapshot)`: tamper with the snapshot and the rebuild refuses it.
    d = tokens.RequestDriver(token_endpoint="https://auth.example/token")
    ctor, (snap,) = d.__reduce__()
    assert ctor == tokens.RequestDriver.restore
    snap["config"]["token_endpoint"] = "ftp://x"
    with pytest.raises(authcore.InvalidConfig) as e:
        ctor(snap)
    assert e.value.field == "token_endpoint"
    with pytest.raises(authcore.StateCorrupt) as c_err:
        tokens.RequestDriver.restore({"version": 1, "config": {}, "stored": None, "extra": 1})
    assert c_err.value.field == "snapshot"
    with pytest.raises(authcore.StateVersionUnsupported) as v_err:
        tokens.RequestDriver.restore(dict(d.snapshot(), version=2))
    assert v_err.value.field == "version"

    c = device.DeviceClient(base_url="https://auth.example", client_id="cli")
    ctor, (snap,) = c.__reduce__()
    assert ctor == device.DeviceClient.restore
    snap["config"].update(base_url="ftp://x", client_id="")
    with pytest.raises(authcore.InvalidConfig) as e:
        ctor(snap)
    assert e.value.field == "base_url"
    snap["config"].update(base_url="https://auth.example")
    with pytest.raises(authcore.InvalidConfig) as e:
        ctor(snap)
    assert e.value.field == "client_id"
    with pytest.raises(authcore.StateCorrupt):
        device.DeviceClient.restore(
            {"version": 1, "config": {"base_url": "https://auth.example", "client_id": "c"}, "phase": {"type": "x"}, "next_transmit": 1}
        )
    with pytest.raises(authcore.StateVersionUnsupported):
        device.DeviceClient.restore(dict(c.snapshot(), version=2))
    with pytest.raises(authcore.StateCorrupt):
        device.DeviceClient.restore([])  # type: ignore[arg-type]


def test_device_prompt_is_checked_before_it_is_shown() -> None:
    c = device.DeviceClient(base_url="https://auth.example", client_id="cli")
    c.start(now=NOW)
    [send] = c.actions()
    body = '{"device_code":"dc","user_code":"\\u001b[2JBCDF","verification_uri":"https://auth.example/device","expires_in":600}'
    c.handle_response(send["transmit"], {"status": 200, "body": body}, now=NOW)
    [failed] = c.actions()
    assert failed["type"] == "failed" and failed["error"]["code"] == "invalid_response" and failed["error"]["field"] == "user_code"


def test_device_client_pickles_mid_flow() -> None:
    c = device.DeviceClient(base_url="https://auth.example", client_id="cli")
    c.start(now=NOW)
    [send] = c.actions()
    body = '{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"https://auth.example/device","expires_in":600}'
    c.handle_response(send["transmit"], {"status": 200, "body": body}, now=NOW)
    assert [a["type"] for a in c.actions()] == ["prompt", "wait"]
    back = pickle.loads(pickle.dumps(c))
    # The restored machine says again when to wake; the wake-up is never part of its status.
    assert back.actions() == [{"type": "wait", "until": NOW + 5}]
    assert back.status(now=NOW) == {"interval": 5, "finished": False}
    back.handle_timeout(now=NOW + 5)
    assert back.actions()[0]["request"]["url"] == "https://auth.example/api/auth/device/token/"
    back.cancel()
    assert back.actions()[0]["error"]["code"] == "cancelled" and back.status(now=NOW)["finished"]


def test_state_machines_are_safe_to_share_across_threads() -> None:
    d = device.DeviceClient(base_url="https://auth.example", client_id="cli")
    d.start(now=NOW)
    d.actions()
    errors = []

    def hammer() -> None:
        for t in range(2000):
            try:
                d.handle_timeout(now=NOW + t)
                d.actions()
                _ = d.status(now=NOW + t)
            except (authcore.AuthError, RuntimeError) as e:  # pragma: no cover - would be a bug
                errors.append(e)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_password_hashing_releases_the_gil() -> None:
    accounts = password.Accounts()  # OWASP parameters: tens of milliseconds per hash
    done = threading.Event()
    ticks = 0

    def work() -> None:
        for _ in range(4):
            accounts.hash_password("correct horse battery")
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
    t.join()
    assert ticks > 1000, "the main thread must keep running while argon2 works"


def test_password_login_is_indistinguishable() -> None:
    accounts = password.Accounts(memory_kib=64, iterations=1)
    acct = accounts.register("correct horse", username="Alice")
    assert acct["username"] == "alice" and acct["password_hash"].startswith("$argon2id$")
    assert len(acct["user_id"]) == 36 and acct["user_id"][14] == "4"
    stored = {"user_id": "u-1", "password_hash": acct["password_hash"], "email": "a@example.com"}
    out = accounts.login(stored, "correct horse")
    assert out == {"user_id": "u-1", "email": "a@example.com", "needs_rehash": False}
    token = jwt.Issuer(KEY).issue({"sub": out["user_id"], "email": out["email"]}, now=NOW)  # minting: the next step
    assert jwt.Verifier(algorithms=["HS256"], keys=[KEY]).verify(token, now=NOW)["claims"]["sub"] == "u-1"
    for account, pw in [(stored, "wrong horse"), (None, "correct horse")]:
        with pytest.raises(authcore.InvalidCredentials) as info:
            accounts.login(account, pw)
        assert info.value.to_dict() == {"detail": "Invalid credentials.", "code": "invalid_credentials"}


def test_session_gate_refresh_oauth_broker_smoke() -> None:
    sm = session.SessionManager(idle_timeout=3600)
    s = sm.create("alice", "alice@example.com", now=NOW)
    assert session.session_token_hash(s["token"]) == s["record"]["token_hash"]
    assert sm.validate(s["record"], s["token"], now=NOW + 61)["touch"]["last_seen_at"] == NOW + 61
    with pytest.raises(authcore.SessionExpired):
        sm.validate(s["record"], s["token"], now=NOW + 3600)

    g = gate.Gate(routes=[{"path": "/public", "access": "public"}])
    assert g.authenticate({"method": "GET", "url": "/public"}, now=NOW)["type"] == "allow"
    denied = g.authenticate({"method": "GET", "url": "/private"}, now=NOW)
    assert denied["response"]["status"] == 401 and denied["response"]["headers"]["WWW-Authenticate"] == 'Bearer realm="api"'

    rt = refresh.RefreshTokens()
    first = rt.issue("u-1", now=NOW)
    rotated = rt.rotate(first["record"], first["refresh_token"], now=NOW + 1)
    assert rotated["type"] == "rotated"
    assert rt.rotate(rotated["previous"], first["refresh_token"], now=NOW + 2)["type"] == "reuse"

    p = oauth.pkce(verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    assert p["challenge"] == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    with pytest.raises(authcore.InvalidGrant):
        oauth.check_pkce(None, p["verifier"])

    b = broker.Broker()
    conn = {"provider": "openai", "credential": {"type": "api_key", "key": "sk-1"}}
    assert b.resolve("https://api.openai.com/v1/x", [conn], now=NOW)["value"] == "Bearer sk-1"
    assert broker.redact([conn])[0]["secret"] == "[redacted]"
    with pytest.raises(authcore.NoProvider):
        b.resolve("https://example.org/", [conn], now=NOW)
    assert broker.readiness(now=NOW)["status"] == "ok"
    assert broker.readiness(now=NOW, schema_version=2)["status"] == "unhealthy"
    two = [dict(conn, is_default=True), dict(conn, name="b", is_default=True)]
    with pytest.raises(authcore.AmbiguousDefault):
        b.resolve("https://api.openai.com/", two, now=NOW)
    assert b.resolve("https://api.openai.com/", broker.set_default(two, "openai", "b"), now=NOW)["connection"] == "b"
    assert b.revoke("openai", two, client=None)["delete"] == [{"provider": "openai", "name": "b"}, {"provider": "openai", "name": "default"}]
    assert broker.revocation_outcome({"status": 200, "headers": {}, "body": ""}) == {"type": "revoked"}
    assert broker.introspection_outcome({"status": 200, "headers": {}, "body": '{"active":false}'}, NOW) == {"type": "inactive"}
    with pytest.raises(authcore.InvalidProvider):
        b.introspect("openai", "t")

    # Credentials go where a WHATWG client sends the request, over https only.
    with pytest.raises(authcore.NoProvider):
        b.resolve("https://evil.example\\@api.openai.com/v1", [conn], now=NOW)
    with pytest.raises(authcore.InsecureUrl):
        b.resolve("http://api.openai.com/", [conn], now=NOW)
    local = {"name": "local", "display_name": "Local", "auth_type": "api_key", "hosts": ["localhost"],
             "inject": {"header": "X-Api-Key", "format": "{key}"}}
    lconn = {"provider": "local", "credential": {"type": "api_key", "key": "k"}}
    with pytest.raises(authcore.InsecureUrl):
        broker.Broker([local]).resolve("http://localhost:8080/", [lconn], now=NOW)
    assert broker.Broker([local], allow_loopback_http=True).resolve("http://localhost:8080/", [lconn], now=NOW)["value"] == "k"
    assert broker.export_env([dict(conn, credential={"type": "api_key", "key": "a'$(b)"})]) == "OPENAI_API_KEY='a'\\''$(b)'\n"
    with pytest.raises(authcore.InvalidInput):
        broker.export_env([dict(conn, credential={"type": "api_key", "key": "a\0b"})])
    with pytest.raises(authcore.InvalidInput):
        broker.check_connection(dict(conn, credential={"type": "api_key", "key": "a\r\nb"}))
    assert broker.check_connection(conn) is None


def test_every_public_name_has_a_docstring() -> None:
    import inspect

    missing = []
    for mod in [authcore, authcore.errors, broker, device, gate, jwt, oauth, password, refresh, session, tokens]:
        assert mod.__doc__, mod.__name__
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or name == "__version__":
                continue
            if not (obj.__doc__ or "").strip():
                missing.append("%s.%s" % (mod.__name__, name))
            if isinstance(obj, type) and not issubclass(obj, BaseException):
                for attr, member in vars(obj).items():
                    if not attr.startswith("_") and not (getattr(member, "__doc__", None) or "").strip():
                        missing.append("%s.%s.%s" % (mod.__name__, name, attr))
    assert missing == []


def test_gate_names_the_user_to_load() -> None:
    key = {"alg": "HS256", "secret": "an HS256 secret of at least 32 bytes!!"}
    g = gate.Gate(jwt={"config": {"algorithms": ["HS256"]}, "keys": [key]}, routes=[{"path": "/pro", "entitlement": "pro"}])
    token = jwt.Issuer(key).issue({"sub": "u-jwt"}, now=NOW)
    by_jwt = g.classify({"method": "GET", "url": "/pro", "headers": {"Authorization": "Bearer " + token}}, now=NOW)
    assert by_jwt["needs"]["user"] is True and g.user_to_load(by_jwt) == "u-jwt"

    created = session.SessionManager().create("u-session", now=NOW)
    headers = {"Authorization": "Bearer " + created["token"]}
    by_session = g.classify({"method": "GET", "url": "/pro", "headers": headers}, now=NOW)
    assert g.user_to_load(by_session) is None  # the session is loaded first
    assert g.user_to_load(by_session, created["record"]) == "u-session"
    public = g.classify({"method": "GET", "url": "/other"}, now=NOW)
    assert g.user_to_load(public) is None


def test_omitted_settings_take_the_core_defaults() -> None:
    body = '{"access_token": "at", "refresh_token": "rt"}'
    t = tokens.token_set_from_response(body, now=NOW)
    assert t["expires_at"] == NOW + 3600
    assert tokens.freshness(t, now=t["expires_at"] - 300) == "refresh_due"
    assert tokens.freshness(t, now=t["expires_at"] - 300, margin=0) == "fresh"
    p = oauth.pkce(entropy=bytes(32))
    assert p["method"] == "S256" and len(p["verifier"]) == 43
    d = device.DeviceAuthority(verification_uri="https://auth.example/device")
    grant = d.issue("cli", now=NOW, entropy=bytes(range(64)) * 2)
    out = d.enter_user_code(None, None, "BCDF-GHJK", now=NOW)
    assert out["error"]["code"] == "invalid_user_code" and out["limiter"]["failures"] == 1
    assert grant["record"]["status"] == "pending"
