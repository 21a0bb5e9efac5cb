"""Error text never quotes a value that may be a secret: it names the field (and the expected
type) instead. Checked on ``str(exc)`` and ``repr(exc)`` of what each entry point raises."""

import json
from typing import Any, Callable

import pytest

import authcore
from authcore import broker, device, jwt, refresh, session, tokens

SECRET = "hunter2-correct-horse-battery-staple-0123456789"
NUMERIC_SECRET = 8675309867530986
KEY = {"alg": "HS256", "secret": "k" * 32}
NOW = 1_700_000_000


def raised(f: Callable[..., Any], *args: Any, **kwargs: Any) -> BaseException:
    with pytest.raises(Exception) as info:
        f(*args, **kwargs)
    return info.value


def assert_hidden(e: BaseException, *secrets: object) -> None:
    for text in (str(e), repr(e), str(e.args)):
        for s in secrets:
            assert str(s) not in text, "%s leaks %r: %s" % (type(e).__name__, s, text)


def test_jwt_env_never_echoes_values() -> None:
    e = raised(jwt.from_env, {"JWT_SECRET_KEY": "k" * 32, "JWT_ALGORITHM": SECRET})
    assert isinstance(e, authcore.InvalidConfig) and e.field == "JWT_ALGORITHM"
    assert e.detail == "`JWT_ALGORITHM` must be one of HS256, HS384, HS512, EdDSA, ES256, ES256K, RS256, PS256."
    assert_hidden(e, SECRET, SECRET[:20])

    e = raised(jwt.from_env, {"JWT_SECRET_KEY": NUMERIC_SECRET})
    assert isinstance(e, authcore.InvalidConfig) and e.field == "JWT_SECRET_KEY"
    assert e.detail == "`JWT_SECRET_KEY` must be a string."
    assert_hidden(e, NUMERIC_SECRET)

    e = raised(jwt.from_env, {"JWT_SECRET_KEY": [SECRET]})
    assert isinstance(e, authcore.InvalidConfig)
    assert_hidden(e, SECRET)

    e = raised(jwt.from_env, [("JWT_SECRET_KEY", SECRET)])
    assert isinstance(e, TypeError)
    assert_hidden(e, SECRET)

    # Integers are fine where a number is meant.
    iss, ver = jwt.from_env({"JWT_SECRET_KEY": "k" * 32, "JWT_EXPIRATION": 60, "JWT_LEEWAY": 0})
    assert ver.verify(iss.issue({"sub": "a"}, now=NOW), now=NOW)["claims"]["exp"] == NOW + 60


def test_stored_records_name_the_member_not_the_value() -> None:
    stored = {"version": 1, "generation": SECRET, "clock_offset": 0,
              "tokens": {"access_token": "at", "token_type": "Bearer", "expires_at": NOW}}
    e = raised(tokens.load_tokens, json.dumps(stored))
    assert isinstance(e, authcore.StateCorrupt) and e.field == "generation"
    assert e.detail == "The token file is malformed at `generation`: expected u64, found a string."
    assert_hidden(e, SECRET)

    stored = dict(stored, generation=1, tokens=dict(stored["tokens"], access_token=NUMERIC_SECRET))  # type: ignore[arg-type]
    e = raised(tokens.load_tokens, json.dumps(stored))
    assert isinstance(e, authcore.StateCorrupt) and e.field == "tokens.access_token"
    assert_hidden(e, NUMERIC_SECRET)

    grant = {"version": 1, "revision": 1, "device_code_hash": "h", "user_code": "BCDFGHJK", "client_id": "c",
             "created_at": 0, "expires_at": 1, "interval": 5, "status": SECRET}
    e = raised(device.load_grant, json.dumps(grant))
    assert isinstance(e, authcore.StateCorrupt) and e.field == "status"
    assert_hidden(e, SECRET)

    rec = {"version": 1, "revision": SECRET, "token_hash": "h", "user_id": "u", "is_guest": False, "created_at": 0, "last_seen_at": 0}
    e = raised(session.load_session, json.dumps(rec))
    assert isinstance(e, authcore.StateCorrupt) and e.field == "revision"
    assert_hidden(e, SECRET)

    rec = {"version": 1, "revision": 1, "token_hash": "h", "family_id": "f", "user_id": "u", "issued_at": SECRET,
           "expires_at": 0, "status": "active"}
    e = raised(refresh.load_refresh_record, json.dumps(rec))
    assert isinstance(e, authcore.StateCorrupt) and e.field == "issued_at"
    assert_hidden(e, SECRET)


def test_argument_conversions_name_the_member_not_the_value() -> None:
    stored = {"version": 1, "generation": SECRET, "clock_offset": 0,
              "tokens": {"access_token": "at", "token_type": "Bearer", "expires_at": NOW}}
    e = raised(tokens.RequestDriver, token_endpoint="https://a.example/t", stored=stored)
    assert isinstance(e, TypeError)
    assert str(e) == "stored.generation: expected u64, found a string"
    assert_hidden(e, SECRET)

    e = raised(jwt.Issuer, {"alg": SECRET, "secret": "k" * 32})
    assert isinstance(e, ValueError) and str(e).startswith("key.alg: unknown variant, expected one of")
    assert_hidden(e, SECRET)

    e = raised(jwt.Issuer, {"alg": "HS256", "secret": NUMERIC_SECRET})
    assert isinstance(e, (TypeError, ValueError))
    assert_hidden(e, NUMERIC_SECRET)

    e = raised(jwt.Verifier, algorithms=[SECRET], keys=[KEY])
    assert isinstance(e, ValueError) and str(e).startswith("config.algorithms[0]: unknown variant")
    assert_hidden(e, SECRET)

    e = raised(tokens.freshness, {"access_token": NUMERIC_SECRET, "token_type": "Bearer", "expires_at": 0}, now=0)
    assert isinstance(e, TypeError) and str(e) == "tokens.access_token: expected a string, found an integer"
    assert_hidden(e, NUMERIC_SECRET)

    conn = {"provider": "github", "name": "default", "credential": {"type": "api_key", "key": NUMERIC_SECRET},
            "is_default": True, "created_at": 0}
    e = raised(broker.redact, [conn])
    assert isinstance(e, (TypeError, ValueError))
    assert_hidden(e, NUMERIC_SECRET)

    authority = device.DeviceAuthority(verification_uri="https://a.example/d")
    e = raised(authority.poll, None, {"grant_type": "x", "device_code": NUMERIC_SECRET, "client_id": "c"})
    assert isinstance(e, TypeError) and str(e) == "request.device_code: expected a string, found an integer"
    assert_hidden(e, NUMERIC_SECRET)


def test_oversized_requests_are_payload_too_large() -> None:
    e = raised(device.parse_token_request, "&".join("k%d=v" % i for i in range(100_000)))
    assert isinstance(e, authcore.PayloadTooLarge)
    assert (e.code, e.status, e.field) == ("payload_too_large", 413, "body")
    assert e.detail == "The form data is larger than 65536 bytes."
    e = raised(device.parse_authorization_request, "&".join("k%d=v" % i for i in range(65)))
    assert isinstance(e, authcore.PayloadTooLarge) and e.detail == "The form data has more than 64 parameters."
