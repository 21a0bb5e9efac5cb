#!/usr/bin/env python3
"""Writes conformance/vectors/<area>/security_input.json: input limits and error-text hygiene.

Attacks in, exact refusals out, written by hand from the rules in conformance/README.md and
the README's Security section:

* form data (device token and authorization requests, OAuth callbacks) is capped at 65536
  bytes and 64 parameters (`payload_too_large`, 413), before anything in it is believed;
* passwords longer than 4 x max_length bytes are refused before NFKC normalisation;
* error text names the field at fault and its expected type, never the value (a secret in
  the wrong variable or a mistyped member of a stored record must not reach a log);
* the server-wide user-code entry record is a soft signal (`global_pressure`), never a lock
  on every user; the per-requester record stays strict.

Tokens are computed here with Python's hmac, never with authcore."""
import hashlib, hmac, json, os, unicodedata

from vectorlib import NOW, ROOT, b64, err, form, js, sha, step, write_suite

AREAS = {}


def case(area, name, *steps, source=None):
    c = {"name": name, "steps": list(steps)}
    if source:
        c["source"] = source
    AREAS.setdefault(area, []).append(c)


def refuse(op, inp, code, status, detail, field=None):
    """A step that must fail with exactly this code, status, detail and field."""
    e = {"code": code, "status": status, "detail": detail}
    if field is not None:
        e["field"] = field
    return {"op": op, "input": inp, "expect_error": e}


TOO_MANY = "The form data has more than 64 parameters."
TOO_BIG = "The form data is larger than 65536 bytes."

# ------------------------------------------------------------------------------------------
# Device server: request bodies
# ------------------------------------------------------------------------------------------
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
TR = [("grant_type", GRANT_TYPE), ("device_code", "dc-1"), ("client_id", "cli")]
REQ = {"grant_type": GRANT_TYPE, "device_code": "dc-1", "client_id": "cli"}
EXTRA = lambda n: [("p%d" % i, "x") for i in range(n)]

case("device", "form-token-request-64-parameters-parse",
     step("device.server.parse_token_request", {"body": form(TR + EXTRA(61))}, REQ))
case("device", "form-token-request-65-parameters-refused",
     refuse("device.server.parse_token_request", {"body": form(TR + EXTRA(62))}, "payload_too_large", 413, TOO_MANY, "body"),
     source="100,000 distinct keys took seconds before the cap")
case("device", "form-authorization-request-65-parameters-refused",
     refuse("device.server.parse_authorization_request", {"body": form([("client_id", "cli")] + EXTRA(64))},
            "payload_too_large", 413, TOO_MANY, "body"))
# Empty pieces are not parameters, but they are bytes.
AT_CAP = "client_id=cli" + "&" * (65536 - len("client_id=cli"))
assert len(AT_CAP) == 65536
case("device", "form-65536-bytes-parse",
     step("device.server.parse_authorization_request", {"body": AT_CAP}, {"client_id": "cli"}))
case("device", "form-65537-bytes-refused",
     refuse("device.server.parse_authorization_request", {"body": AT_CAP + "&"}, "payload_too_large", 413, TOO_BIG, "body"))
case("device", "form-size-checked-before-escapes",
     refuse("device.server.parse_token_request", {"body": "%zz" * 21846}, "payload_too_large", 413, TOO_BIG, "body"))
case("device", "form-repeated-parameter-name-quoted",
     refuse("device.server.parse_authorization_request", {"body": "client_id=cli&%0D%0Aevil=1&%0D%0Aevil=2"},
            "invalid_request", 400, "A request parameter must not repeat (RFC 6749 section 3.1).", "??evil"),
     source="RFC 6749 3.1")

# ------------------------------------------------------------------------------------------
# Device server: user-code entry limits
# ------------------------------------------------------------------------------------------
VERIFY = "https://auth.example.com/device"
LIMITS = {"verification_uri": VERIFY, "max_failures": 2, "global_pressure_failures": 3, "failure_window": 600}
GRANT = {"version": 1, "revision": 1, "device_code_hash": sha("dc-1"), "user_code": "BCDFGHJK", "client_id": "cli", "scope": "read",
         "created_at": NOW, "expires_at": NOW + 1200, "interval": 5, "status": "pending", "failed_attempts": 0}
BAD_CODE = err("invalid_user_code", "The code is not valid.", "user_code")
LOCKED = err("too_many_attempts", "Too many attempts.")


def lim(rev, start, failures):
    return {"revision": rev, "window_start": start, "failures": failures}


def consent(now):
    return {"client_id": "cli", "scopes": ["read"], "user_code": "BCDF-GHJK", "expires_in": NOW + 1200 - now}


def enter(typed, now, expect, limiter=None, global_limiter=None, grant=False, bind=None):
    inp = {"typed": typed, "now": now}
    if limiter is not None:
        inp["limiter"] = limiter
    if global_limiter is not None:
        inp["global_limiter"] = global_limiter
    if grant:
        inp["grant"] = GRANT
    return step("device.server.enter_user_code", inp, expect, bind=bind)


case("device", "entry-global-pressure-never-locks-everyone-out",
     step("device.server.new", {"config": LIMITS}, {}),
     # Junk codes from three requesters: each requester's record counts one failure, the
     # server's record counts all three and reaches global_pressure_failures.
     enter("BCDF-GHJL", NOW, {"error": BAD_CODE, "limiter": lim(1, NOW, 1), "global_limiter": lim(1, NOW, 1), "global_pressure": False},
           global_limiter=lim(0, 0, 0), bind="a1"),
     enter("BCDF-GHJM", NOW + 1, {"error": BAD_CODE, "limiter": lim(1, NOW + 1, 1), "global_limiter": lim(2, NOW, 2), "global_pressure": False},
           global_limiter={"$ref": "a1.global_limiter"}, bind="b1"),
     enter("not a code", NOW + 2, {"error": BAD_CODE, "limiter": lim(1, NOW + 2, 1), "global_limiter": lim(3, NOW, 3), "global_pressure": True},
           global_limiter={"$ref": "b1.global_limiter"}, bind="c1"),
     # The person with the right code still gets through (the host may ask for a captcha).
     enter("bcdf-ghjk", NOW + 3, {"consent": consent(NOW + 3), "global_pressure": True},
           global_limiter={"$ref": "c1.global_limiter"}, grant=True),
     # The first requester's second failure reaches max_failures: that requester is refused ...
     enter("BCDF-GHJN", NOW + 4, {"error": LOCKED, "limiter": lim(2, NOW, 2), "global_limiter": lim(4, NOW, 4), "global_pressure": True},
           limiter={"$ref": "a1.limiter"}, global_limiter={"$ref": "c1.global_limiter"}, bind="a2"),
     # ... even with the right code, and nothing is counted.
     enter("BCDF-GHJK", NOW + 5, {"error": LOCKED, "global_pressure": True},
           limiter={"$ref": "a2.limiter"}, global_limiter={"$ref": "a2.global_limiter"}, grant=True),
     # Once the window has passed, the pressure is gone.
     enter("BCDF-GHJK", NOW + 600, {"consent": consent(NOW + 600), "global_pressure": False},
           limiter={"$ref": "a2.limiter"}, global_limiter={"$ref": "a2.global_limiter"}, grant=True),
     enter("BCDF-GHJP", NOW + 600, {"error": BAD_CODE, "limiter": lim(3, NOW + 600, 1), "global_limiter": lim(5, NOW + 600, 1), "global_pressure": False},
           limiter={"$ref": "a2.limiter"}, global_limiter={"$ref": "a2.global_limiter"}),
     source="RFC 8628 5.1 (a global hard cap is a denial of service on every user)")
case("device", "entry-global-pressure-threshold-validated",
     refuse("device.server.new", {"config": dict(LIMITS, global_pressure_failures=0)}, "invalid_config", 500,
            "The global pressure threshold must be 1 to 1000000.", "global_pressure_failures"))

# ------------------------------------------------------------------------------------------
# Device server: stored grants with a secret in the wrong member
# ------------------------------------------------------------------------------------------
DEVICE_CODE_LIKE = "GmWtLfGZ3hKcQ4h6u8sN2yB5xV7pR9dT1aE3fJ6kL0M"
for name, member, value, detail in [
        ("revision-holds-device-code", "revision", DEVICE_CODE_LIKE, "expected u64, found a string"),
        ("status-holds-device-code", "status", DEVICE_CODE_LIKE,
         "unknown variant, expected one of `pending`, `approved`, `denied`, `locked`, `consumed`"),
        ("user-code-is-a-number", "user_code", 48151623, "expected a string, found an integer")]:
    case("device", "grant-load-" + name,
         refuse("device.server.load", {"text": js(dict(GRANT, **{member: value}))}, "state_corrupt", 500,
                "The device grant is malformed at `%s`: %s." % (member, detail), member))

# ------------------------------------------------------------------------------------------
# Sessions and refresh records with a secret in the wrong member
# ------------------------------------------------------------------------------------------
SESSION_TOKEN = "0d9f2c5e-8b1a-4c3d-9e7f-6a5b4c3d2e1f"
SESSION = {"version": 1, "revision": 1, "token_hash": sha(SESSION_TOKEN), "user_id": "u-1", "is_guest": False,
           "created_at": NOW, "last_seen_at": NOW}
case("session", "session-load-created-at-holds-token",
     refuse("session.load", {"text": js(dict(SESSION, created_at=SESSION_TOKEN))}, "state_corrupt", 500,
            "The session is malformed at `created_at`: expected i64, found a string.", "created_at"))
case("session", "session-load-guest-flag-holds-token",
     refuse("session.load", {"text": js(dict(SESSION, is_guest=SESSION_TOKEN))}, "state_corrupt", 500,
            "The session is malformed at `is_guest`: expected a boolean, found a string.", "is_guest"))
REFRESH_TOKEN = "rt_Zk3mQ9vX2bN7cR5tY8wA1sD4fG6hJ0kL3zX5cV7bN9m"
REFRESH = {"version": 1, "revision": 1, "token_hash": sha(REFRESH_TOKEN), "family_id": "f" * 32, "user_id": "u-1",
           "issued_at": NOW, "expires_at": NOW + 3600, "status": "active"}
case("refresh", "refresh-load-status-holds-token",
     refuse("refresh.load", {"text": js(dict(REFRESH, status=REFRESH_TOKEN))}, "state_corrupt", 500,
            "The refresh token record is malformed at `status`: unknown variant, expected one of `active`, `rotated`, `revoked`.", "status"))
case("refresh", "refresh-load-expiry-holds-token",
     refuse("refresh.load", {"text": js(dict(REFRESH, expires_at=REFRESH_TOKEN))}, "state_corrupt", 500,
            "The refresh token record is malformed at `expires_at`: expected i64, found a string.", "expires_at"))

# ------------------------------------------------------------------------------------------
# Token file with a token in the wrong member
# ------------------------------------------------------------------------------------------
ACCESS = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2VjcmV0LXNpZ25hdHVyZS1ieXRlcw"
TOKENS = {"access_token": ACCESS, "refresh_token": REFRESH_TOKEN, "token_type": "Bearer", "expires_at": NOW + 3600}
STORED = {"version": 1, "generation": 3, "clock_offset": 0, "tokens": TOKENS}
for name, doc, path, detail in [
        ("generation-holds-refresh-token", dict(STORED, generation=REFRESH_TOKEN), "generation", "expected u64, found a string"),
        ("expiry-holds-access-token", dict(STORED, tokens=dict(TOKENS, expires_at=ACCESS)), "tokens.expires_at", "expected i64, found a string"),
        ("access-token-is-a-number", dict(STORED, tokens=dict(TOKENS, access_token=31415926535)), "tokens.access_token",
         "expected a string, found an integer"),
        ("clock-offset-holds-token", dict(STORED, clock_offset=[ACCESS]), "clock_offset", "expected i64, found a list")]:
    case("tokens", "token-file-" + name,
         refuse("tokens.load", {"text": js(doc)}, "state_corrupt", 500, "The token file is malformed at `%s`: %s." % (path, detail), path))

# ------------------------------------------------------------------------------------------
# JWT settings from the environment (or a YAML file)
# ------------------------------------------------------------------------------------------
SECRET = "authcore-conformance-hs256-secret-0123456789"
ALGS = "`JWT_ALGORITHM` must be one of HS256, HS384, HS512, EdDSA, ES256, ES256K, RS256, PS256."


def hs256(claims):
    si = b64(js({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(js(claims).encode())
    return si + "." + b64(hmac.new(SECRET.encode(), si.encode(), hashlib.sha256).digest())


def env_issue(env):
    return {"env": env, "claims": {"sub": "u"}, "now": NOW}


case("jwt", "env-secret-in-algorithm-is-not-echoed",
     refuse("jwt.env_issue", env_issue({"JWT_SECRET_KEY": SECRET, "JWT_ALGORITHM": SECRET}), "invalid_config", 500, ALGS, "JWT_ALGORITHM"))
case("jwt", "env-numeric-secret-is-not-echoed",
     refuse("jwt.env_issue", env_issue({"JWT_SECRET_KEY": 8675309867530986}), "invalid_config", 500,
            "`JWT_SECRET_KEY` must be a string.", "JWT_SECRET_KEY"),
     source="a YAML settings file with an unquoted numeric secret")
case("jwt", "env-secret-list-is-not-echoed",
     refuse("jwt.env_issue", env_issue({"JWT_SECRET_KEY": [SECRET]}), "invalid_config", 500, "`JWT_SECRET_KEY` must be a string.", "JWT_SECRET_KEY"))
case("jwt", "env-issuer-number",
     refuse("jwt.env_issue", env_issue({"JWT_SECRET_KEY": SECRET, "JWT_ISSUER": 7}), "invalid_config", 500, "`JWT_ISSUER` must be a string.", "JWT_ISSUER"))
case("jwt", "env-expiration-fraction",
     refuse("jwt.env_issue", env_issue({"JWT_SECRET_KEY": SECRET, "JWT_EXPIRATION": 1.5}), "invalid_config", 500,
            "`JWT_EXPIRATION` must be a whole number of seconds.", "JWT_EXPIRATION"))
CLAIMS = {"exp": NOW + 1800, "iat": NOW, "sub": "u"}
case("jwt", "env-integer-expiration",
     step("jwt.env_issue", env_issue({"JWT_SECRET_KEY": SECRET, "JWT_EXPIRATION": 1800, "JWT_LEEWAY": 0}),
          {"token": hs256(CLAIMS), "verified": {"alg": "HS256", "typ": "JWT", "claims": CLAIMS}}))

# ------------------------------------------------------------------------------------------
# OAuth callbacks
# ------------------------------------------------------------------------------------------
AUTHZ, TOKEN, REDIRECT = "https://idp.example.com/authorize", "https://idp.example.com/token", "https://app.example.com/callback"
STATE, VERIFIER = b64(bytes(range(32))), b64(bytes(range(32, 64)))
RECORD = {"state": STATE, "code_verifier": VERIFIER, "redirect_uri": REDIRECT, "created_at": NOW, "expires_at": NOW + 600, "used": False}
NEW = step("oauth.new", {"config": {"authorization_endpoint": AUTHZ, "token_endpoint": TOKEN, "client_id": "cli", "redirect_uri": REDIRECT}}, {})


def callback(pairs_or_query):
    q = pairs_or_query if isinstance(pairs_or_query, str) else form(pairs_or_query)
    return {"record": RECORD, "callback": REDIRECT + "?" + q, "now": NOW + 10}


OK_PAIRS = [("code", "c-1"), ("state", STATE)]
TOKEN_REQUEST = {"method": "POST", "url": TOKEN, "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
                 "body": form([("grant_type", "authorization_code"), ("code", "c-1"), ("redirect_uri", REDIRECT), ("client_id", "cli"),
                               ("code_verifier", VERIFIER)])}
case("oauth", "callback-64-parameters-accepted", NEW,
     step("oauth.callback", callback(OK_PAIRS + EXTRA(62)), {"request": TOKEN_REQUEST, "record": dict(RECORD, used=True)}))
case("oauth", "callback-65-parameters-refused", NEW,
     refuse("oauth.callback", callback(OK_PAIRS + EXTRA(63)), "payload_too_large", 413, TOO_MANY, "callback"))
case("oauth", "callback-over-65536-bytes-refused", NEW,
     refuse("oauth.callback", callback(form(OK_PAIRS) + "&" * 65536), "payload_too_large", 413, TOO_BIG, "callback"))

# ------------------------------------------------------------------------------------------
# Passwords: bytes are counted before NFKC
# ------------------------------------------------------------------------------------------
FAST = {"memory_kib": 64, "iterations": 1}
SALT = (bytes([7] * 16)).hex()
PW_BYTES = "A password must be at most 512 bytes."
# 60 Hangul syllables typed as conjoining jamo: 540 bytes, but 60 characters after NFKC.
JAMO = "\u1100\u1161\u11a8" * 60
assert len(JAMO.encode()) == 540 and len(unicodedata.normalize("NFKC", JAMO)) == 60
AT_CAP = "\u1100\u1161\u11a8" * 56 + "12345678"
assert len(AT_CAP.encode()) == 512 and len(unicodedata.normalize("NFKC", AT_CAP)) == 64
HUGE = "\ufdfa" * 2000  # 6000 bytes; NFKC makes 18 characters of each
case("password", "password-byte-cap-before-normalisation", step("password.new", {"policy": FAST}, {}),
     refuse("password.hash", {"password": JAMO, "entropy": SALT}, "invalid_password", 400, PW_BYTES, "password"),
     refuse("password.hash", {"password": HUGE, "entropy": SALT}, "invalid_password", 400, PW_BYTES, "password"),
     refuse("password.register", {"registration": {"username": "alice", "password": JAMO}, "entropy": SALT},
            "invalid_password", 400, PW_BYTES, "password"),
     source="NFKC costs time and memory in proportion to its input")
case("password", "password-at-byte-cap", step("password.new", {"policy": FAST}, {}),
     step("password.hash", {"password": AT_CAP, "entropy": SALT}, bind="h"),
     step("password.verify", {"hash": {"$ref": "h.hash"}, "password": AT_CAP}, {"valid": True}),
     step("password.verify", {"hash": {"$ref": "h.hash"}, "password": unicodedata.normalize("NFKC", AT_CAP)}, {"valid": True}))
case("password", "password-byte-cap-custom-policy", step("password.new", {"policy": dict(FAST, max_length=16)}, {}),
     refuse("password.hash", {"password": "a" * 65, "entropy": SALT}, "invalid_password", 400, "A password must be at most 64 bytes.", "password"),
     refuse("password.hash", {"password": "a" * 64, "entropy": SALT}, "invalid_password", 400, "A password must be 8 to 16 characters.", "password"))
case("password", "login-overlong-password-is-just-wrong", step("password.new", {"policy": FAST}, {}),
     step("password.hash", {"password": "correct horse", "entropy": SALT}, bind="h"),
     step("password.login", {"account": {"user_id": "u-1", "password_hash": {"$ref": "h.hash"}}, "password": HUGE},
          error="invalid_credentials"))


for area, cases in AREAS.items():
    path = os.path.join(ROOT, "vectors", area, "security_input.json")
    write_suite(path, {"suite": area, "description": "Input limits and error-text hygiene: caps on form data and passwords, "
                       "errors that name fields but never quote values, and user-code entry limits.", "cases": cases})
    print(area, len(cases))
