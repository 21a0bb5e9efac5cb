#!/usr/bin/env python3
"""Writes conformance/vectors/{session,gate,password,refresh}/*.json: the server-side rules.

Expectations are written by hand from the rules in conformance/README.md, RFC 6750 section 3
(WWW-Authenticate), RFC 9700 4.14.2 (refresh-token rotation), RFC 9106 (argon2id) and
NIST SP 800-63B (passwords). Session tokens (UUID v4), SHA-256 lookup keys, HS256 tokens and
argon2id hashes are computed here independently of the core; argon2 needs `argon2-cffi`
(`pip install argon2-cffi`). Django `pbkdf2_sha256` hashes are computed with
`hashlib.pbkdf2_hmac` as Django's PBKDF2PasswordHasher does, bcrypt hashes with the `bcrypt`
package (pyca, the reference C implementation) next to the published Openwall test vectors."""
import base64, hashlib, hmac, json, unicodedata
import bcrypt
from argon2.low_level import hash_secret, Type

from vectorlib import NOW, Suites, b64, err, js, sha, step

DAY = 86400
SECRET = "0123456789abcdef0123456789abcdef"


def hs256(claims, header=None):
    si = b64(js(header or {"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(js(claims).encode())
    return si + "." + b64(hmac.new(SECRET.encode(), si.encode(), hashlib.sha256).digest())


def uuid4(b):
    b = bytearray(b)
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


SUITES = Suites()
case = SUITES.case


# ------------------------------------------------------------------------------------------
# Sessions
# ------------------------------------------------------------------------------------------
E1 = bytes(range(16))
TOK1 = uuid4(E1)
E2 = bytes(range(100, 116))
TOK2 = uuid4(E2)


def srec(token=TOK1, rev=1, user="alice", email="alice@example.com", guest=False, created=NOW, seen=None, revoked=None):
    r = {"version": 1, "revision": rev, "token_hash": sha(token), "user_id": user}
    if email:
        r["email"] = email
    r.update({"is_guest": guest, "created_at": created, "last_seen_at": created if seen is None else seen})
    if revoked is not None:
        r["revoked_at"] = revoked
    return r


def new_sessions(cfg=None):
    return step("session.new", {"config": cfg or {}}, {})


def create(bind="s", **kw):
    return step("session.create", dict({"user_id": "alice", "email": "alice@example.com", "now": NOW, "entropy": E1.hex()}, **kw),
                {"token": TOK1, "record": srec()}, bind=bind)


def valid(rec, touch_at=None, rev=1):
    out = {"session": rec}
    if touch_at is not None:
        t = dict(rec, revision=rec["revision"] + 1, last_seen_at=touch_at)
        out["touch"] = t
    return out


case("session", "create-uuid-v4-token-stored-as-digest", new_sessions(), create(),
     step("session.hash", {"token": TOK1}, {"hash": sha(TOK1)}),
     step("session.hash", {"token": TOK1.upper()}, {"hash": sha(TOK1)}),
     step("session.hash", {"token": "not-a-uuid"}, {"hash": None}), source="RFC 9562 5.4")
case("session", "validate-touch-throttled-to-one-per-minute", new_sessions(), create(),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK1, "now": NOW}, valid(srec())),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK1, "now": NOW + 59}, valid(srec())),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK1, "now": NOW + 60}, valid(srec(), NOW + 60), bind="v"),
     step("session.validate", {"record": {"$ref": "v.touch"}, "token": TOK1, "now": NOW + 119}, valid(srec(rev=2, seen=NOW + 60))),
     step("session.validate", {"record": {"$ref": "v.touch"}, "token": TOK1, "now": NOW + 120}, valid(srec(rev=2, seen=NOW + 60), NOW + 120)))
case("session", "idle-expiry-at-exactly-30-days", new_sessions(), create(),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK1, "now": NOW + 30 * DAY - 1}, valid(srec(), NOW + 30 * DAY - 1)),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK1, "now": NOW + 30 * DAY}, error="session_expired"),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK1, "now": NOW + 30 * DAY + 1}, error="session_expired"))
case("session", "activity-extends-idle-expiry", new_sessions(), create(),
     step("session.validate", {"record": srec(rev=5, seen=NOW + 20 * DAY), "token": TOK1, "now": NOW + 49 * DAY}, valid(srec(rev=5, seen=NOW + 20 * DAY), NOW + 49 * DAY)),
     step("session.validate", {"record": srec(rev=5, seen=NOW + 20 * DAY), "token": TOK1, "now": NOW + 50 * DAY}, error="session_expired"))
case("session", "absolute-lifetime", new_sessions({"absolute_lifetime": 7 * DAY}),
     step("session.validate", {"record": srec(seen=NOW + 7 * DAY - 10), "token": TOK1, "now": NOW + 7 * DAY - 1}, valid(srec(seen=NOW + 7 * DAY - 10))),
     step("session.validate", {"record": srec(seen=NOW + 7 * DAY - 10), "token": TOK1, "now": NOW + 7 * DAY}, error="session_expired"))
case("session", "revocation-is-immediate", new_sessions(), create(),
     step("session.revoke", {"record": {"$ref": "s.record"}, "now": NOW + 5}, srec(rev=2, revoked=NOW + 5), bind="r"),
     step("session.validate", {"record": {"$ref": "r"}, "token": TOK1, "now": NOW + 5}, error="session_revoked"),
     step("session.revoke", {"record": {"$ref": "r"}, "now": NOW + 9}, srec(rev=2, revoked=NOW + 5)))
case("session", "unknown-malformed-and-mismatched-tokens", new_sessions(), create(),
     step("session.validate", {"token": TOK1, "now": NOW}, error="invalid_session"),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK2, "now": NOW}, error="invalid_session"),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": "abc", "now": NOW}, error="invalid_session"),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK1.replace("-", ""), "now": NOW}, error="invalid_session"),
     step("session.validate", {"record": {"$ref": "s.record"}, "token": TOK1.upper(), "now": NOW}, valid(srec())))
case("session", "sign-in-from-guest-rotates-the-token", new_sessions(),
     step("session.create", {"user_id": "guest-abcdefgh", "is_guest": True, "now": NOW, "entropy": E1.hex()},
          {"token": TOK1, "record": srec(user="guest-abcdefgh", email=None, guest=True)}, bind="g"),
     step("session.sign_in", {"previous": {"$ref": "g.record"}, "user_id": "alice", "email": "alice@example.com", "now": NOW + 30, "entropy": E2.hex()},
          {"session": {"token": TOK2, "record": srec(TOK2, created=NOW + 30)},
           "revoked": srec(rev=2, user="guest-abcdefgh", email=None, guest=True, revoked=NOW + 30),
           "response": {"email": "alice@example.com", "session_token": TOK2, "user_id": "alice"}}),
     source="OWASP session fixation")
case("session", "re-authentication-never-reuses-the-token", new_sessions(), create(),
     step("session.sign_in", {"previous": {"$ref": "s.record"}, "user_id": "alice", "now": NOW + 30, "entropy": E2.hex()},
          {"session": {"token": TOK2, "record": srec(TOK2, email=None, created=NOW + 30)}, "revoked": srec(rev=2, revoked=NOW + 30),
           "response": {"email": None, "session_token": TOK2, "user_id": "alice"}}))
IDP_KEYS = [{"alg": "HS256", "secret": SECRET}]
IDP_CFG = {"algorithms": ["HS256"], "issuer": "https://idp.example", "audience": ["app"]}
IDP = hs256({"sub": "alice", "email": "alice@example.com", "iss": "https://idp.example", "aud": "app", "iat": NOW, "exp": NOW + 300})
case("session", "exchange-idp-jwt-for-session", new_sessions(),
     step("session.exchange", {"verifier_config": IDP_CFG, "keys": IDP_KEYS, "token": IDP, "now": NOW + 30, "entropy": E2.hex()},
          {"session": {"token": TOK2, "record": srec(TOK2, created=NOW + 30)},
           "response": {"email": "alice@example.com", "session_token": TOK2, "user_id": "alice"}}),
     step("session.exchange", {"verifier_config": IDP_CFG, "keys": IDP_KEYS, "token": IDP, "previous": srec(user="guest-abcdefgh", email=None, guest=True),
                               "now": NOW + 30, "entropy": E2.hex()},
          {"session": {"token": TOK2, "record": srec(TOK2, created=NOW + 30)},
           "revoked": srec(rev=2, user="guest-abcdefgh", email=None, guest=True, revoked=NOW + 30),
           "response": {"email": "alice@example.com", "session_token": TOK2, "user_id": "alice"}}))
case("session", "exchange-refuses-bad-idp-tokens", new_sessions(),
     step("session.exchange", {"verifier_config": IDP_CFG, "keys": IDP_KEYS, "token": IDP, "now": NOW + 300 + 60, "entropy": E2.hex()}, error="token_expired", field="exp"),
     step("session.exchange", {"verifier_config": dict(IDP_CFG, audience=["other"]), "keys": IDP_KEYS, "token": IDP, "now": NOW, "entropy": E2.hex()}, error="invalid_claims", field="aud"),
     step("session.exchange", {"verifier_config": {"algorithms": ["HS256"]}, "keys": IDP_KEYS, "now": NOW, "entropy": E2.hex(),
                               "token": hs256({"email": "x@example.com", "iat": NOW, "exp": NOW + 60})}, error="invalid_claims", field="sub"),
     step("session.exchange", {"verifier_config": {"algorithms": ["HS256"]}, "keys": IDP_KEYS, "now": NOW, "entropy": E2.hex(),
                               "token": hs256({"sub": "a", "email": 7, "iat": NOW, "exp": NOW + 60})}, error="invalid_claims", field="email"))
case("session", "create-needs-entropy-and-user", new_sessions(),
     step("session.create", {"user_id": "alice", "now": NOW, "entropy": "00" * 15}, error="entropy_unavailable"),
     step("session.create", {"user_id": "", "now": NOW, "entropy": E1.hex()}, error="invalid_input", field="user_id"))
case("session", "record-versions",
     step("session.load", {"text": js(srec())}, srec()),
     step("session.load", {"text": js(dict(srec(), version=9))}, error="state_version_unsupported", field="version"),
     step("session.load", {"text": "[]"}, error="state_corrupt", field="version"))
for name, cfg, field in [("idle", {"idle_timeout": 10}, "idle_timeout"), ("touch", {"touch_interval": 30 * DAY}, "touch_interval"),
                         ("absolute", {"absolute_lifetime": 0}, "absolute_lifetime")]:
    case("session", "config-invalid-" + name, step("session.new", {"config": cfg}, error="invalid_config", field=field))

# ------------------------------------------------------------------------------------------
# Gate
# ------------------------------------------------------------------------------------------
ID_A = "11111111-1111-4111-8111-111111111111"
ID_B = "22222222-2222-4222-8222-222222222222"
ID_X = "33333333-3333-4333-8333-333333333333"
GATE = {
    "jwt": {"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": SECRET}]},
    "services": [{"name": "billing", "header": "X-Services-Token", "secret": "svc-secret-value"},
                 {"name": "gateway", "header": "X-Gateway-Token", "secret": ""}],
    "routes": [
        {"method": "GET", "path": "/health", "access": "public"},
        {"path": "/internal/**", "access": "service"},
        {"path": "/api/docs/**", "access": "user_or_guest"},
        {"path": "/api/projects/{id}/**", "access": "user", "identity": "required"},
        {"path": "/api/feed", "access": "user", "identity": "optional"},
        {"path": "/api/pro/**", "access": "user", "entitlement": "pro"},
        {"method": "GET, DELETE", "path": "/api/admin/**", "access": "user", "scopes": ["admin"]},
    ],
}
ALICE = hs256({"sub": "alice", "email": "alice@example.com", "scope": "read", "iat": NOW, "exp": NOW + 3600})
BOB = hs256({"sub": "bob", "scp": ["read", "admin"], "iat": NOW, "exp": NOW + 3600})
EXPIRED = hs256({"sub": "alice", "iat": NOW - 7200, "exp": NOW - 3600})
NONE_ALG = b64(js({"alg": "none", "typ": "JWT"}).encode()) + "." + b64(js({"sub": "alice", "exp": NOW + 3600}).encode()) + "."
ALICE_INFO = {"identities": [ID_A, ID_B], "default_identity": ID_A, "entitlements": []}
BOB_INFO = {"identities": [ID_X], "entitlements": ["pro"]}
SESSION = srec(seen=NOW - 120)
GUEST = "guest-12345678"
JSON_CT = "application/json"
REALM = 'Bearer realm="api"'


def req(method, path, **headers):
    return {"method": method, "url": "https://api.example.com" + path, "headers": dict(sorted(headers.items()))}


def allow(cred, user=None, email=None, guest=False, identity=None, scopes=None, service=None, touch=None):
    c = {"credential": cred}
    if user:
        # A guest's id is `guest_id`; `user_id` is only ever a signed-in user's.
        c["guest_id" if guest else "user_id"] = user
    if email:
        c["email"] = email
    c["is_guest"] = guest
    if identity:
        c["identity"] = identity
    if scopes:
        c["scopes"] = scopes
    if service:
        c["service"] = service
    out = {"type": "allow", "context": c}
    if touch:
        out["touch"] = touch
    return out


DETAILS = {"not_authenticated": "Not authenticated.", "invalid_token": "Invalid token.", "guest_read_only": "Guest access is read-only.",
           "invalid_session": "Invalid session.", "session_revoked": "Session has been revoked.", "forbidden": "Forbidden.",
           "identity_required": "An identity must be selected.", "identity_forbidden": "The selected identity is not yours.",
           "subscription_required": "Active subscription required.", "token_expired": "Token has expired."}


def deny(code, status, detail=None, field=None, challenge=None, allow_methods=None):
    detail = detail or DETAILS[code]
    headers = {"Content-Type": JSON_CT}
    if challenge:
        headers["WWW-Authenticate"] = challenge
    if allow_methods is not None:
        headers["Allow"] = allow_methods
    return {"type": "deny", "error": err(code, detail, field),
            "response": {"status": status, "headers": headers, "body": js({"code": code, "detail": detail}).replace(
                js({"code": code, "detail": detail}), json.dumps({"detail": detail, "code": code}, separators=(",", ":")))}}


def header_text(s, cap=256):
    """RFC 6750 3 quoted-string text: printable ASCII without `"` and `\`, others as `?`, capped."""
    out = "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in s[:cap])
    return out + ("..." if len(s) > cap else "")


def invalid_token_challenge(detail):
    return REALM + ', error="invalid_token", error_description="%s"' % header_text(detail)


def auth(name, request, expect, lookup=None, source=None, config=None):
    inp = {"request": request, "now": NOW}
    if lookup is not None:
        inp["lookup"] = lookup
    case("gate", name, step("gate.new", {"config": config or GATE}, {}), step("gate.authenticate", inp, expect), source=source)


auth("public-route-anonymous", req("GET", "/health"), allow("none"))
auth("public-route-still-rejects-a-bad-token", req("GET", "/health", Authorization="Bearer x.y.z"),
     deny("invalid_token", 401, "Token header is not valid base64url.", "header", invalid_token_challenge("Token header is not valid base64url.")))
auth("default-route-needs-a-user", req("GET", "/api/me"), deny("not_authenticated", 401, "Sign-in required.", challenge=REALM), source="RFC 6750 3")
auth("jwt-user", req("GET", "/api/me", Authorization="Bearer " + ALICE), allow("jwt", "alice", "alice@example.com", scopes=["read"]))
auth("jwt-bearer-scheme-is-case-insensitive", req("GET", "/api/me", Authorization="bearer " + ALICE), allow("jwt", "alice", "alice@example.com", scopes=["read"]))
auth("jwt-expired", req("GET", "/api/me", Authorization="Bearer " + EXPIRED),
     deny("token_expired", 401, field="exp", challenge=invalid_token_challenge("Token has expired.")), source="RFC 6750 3.1")
auth("jwt-alg-none", req("GET", "/api/me", Authorization="Bearer " + NONE_ALG),
     deny("invalid_token", 401, "A token segment is empty.", None, invalid_token_challenge("A token segment is empty.")), source="RFC 8725 3.1")
auth("jwt-alg-none-with-signature", req("GET", "/api/me", Authorization="Bearer " + NONE_ALG + "c2ln"),
     deny("algorithm_not_allowed", 401, "Algorithm `none` is not allowed.", "alg", invalid_token_challenge("Algorithm `none` is not allowed.")), source="RFC 8725 3.1")
auth("jwt-hs384-not-on-allow-list", req("GET", "/api/me", Authorization="Bearer " + hs256({"sub": "a", "exp": NOW + 60}, {"alg": "HS384", "typ": "JWT"})),
     deny("algorithm_not_allowed", 401, "Algorithm `HS384` is not allowed.", "alg", invalid_token_challenge("Algorithm `HS384` is not allowed.")), source="RFC 8725 3.1")
auth("basic-scheme-is-refused", req("GET", "/api/me", Authorization="Basic YTpi"),
     deny("invalid_token", 401, "The Authorization header must be `Bearer <token>`.", "authorization",
          invalid_token_challenge("The Authorization header must be `Bearer <token>`.")))
auth("empty-bearer-is-refused", req("GET", "/api/me", Authorization="Bearer "),
     deny("invalid_token", 401, "The Authorization header must be `Bearer <token>`.", "authorization",
          invalid_token_challenge("The Authorization header must be `Bearer <token>`.")))
auth("bad-bearer-never-downgrades-to-guest", req("GET", "/api/docs/1", Authorization="Bearer x.y.z", **{"X-Guest-ID": GUEST}),
     deny("invalid_token", 401, "Token header is not valid base64url.", "header", invalid_token_challenge("Token header is not valid base64url.")))
auth("bearer-wins-over-guest-header", req("POST", "/api/docs/1", Authorization="Bearer " + ALICE, **{"X-Guest-ID": GUEST}),
     allow("jwt", "alice", "alice@example.com", scopes=["read"]))
auth("guest-get-allowed", req("GET", "/api/docs/1", **{"X-Guest-ID": GUEST}), allow("guest", GUEST, guest=True))
for m in ["HEAD", "OPTIONS"]:
    auth("guest-%s-allowed" % m.lower(), req(m, "/api/docs/1", **{"X-Guest-ID": GUEST}), allow("guest", GUEST, guest=True))
for m in ["POST", "PUT", "PATCH", "DELETE"]:
    auth("guest-%s-refused" % m.lower(), req(m, "/api/docs/1", **{"X-Guest-ID": GUEST}), deny("guest_read_only", 403))
auth("guest-on-user-route", req("GET", "/api/me", **{"X-Guest-ID": GUEST}), deny("not_authenticated", 401, "Sign-in required.", challenge=REALM))
GUEST_BAD = "A guest id starts with `guest_` or `guest-` and is 8 to 128 letters, digits, '-' and '_'."
for name, gid in [("short", "abc"), ("space", "guest 123456"), ("slash", "guest/12345678"), ("long", "g" * 129)]:
    auth("guest-id-invalid-" + name, req("GET", "/api/docs/1", **{"X-Guest-ID": gid}), deny("invalid_guest_id", 400, GUEST_BAD, "guest_id"))
auth("guests-disabled", req("GET", "/api/docs/1", **{"X-Guest-ID": GUEST}), deny("not_authenticated", 401, challenge=REALM),
     config=dict(GATE, guest_header=None))
auth("anonymous-on-user-or-guest-route", req("GET", "/api/docs/1"), deny("not_authenticated", 401, challenge=REALM))

SVC = "svc-secret-value"
auth("service-token-right", req("POST", "/internal/jobs", **{"X-Services-Token": SVC}), allow("service", service="billing"))
auth("service-token-wrong", req("POST", "/internal/jobs", **{"X-Services-Token": SVC[:-1] + "X"}),
     deny("invalid_service_token", 401, "Invalid service token.", "X-Services-Token", REALM))
auth("service-token-prefix", req("POST", "/internal/jobs", **{"X-Services-Token": SVC[:-1]}),
     deny("invalid_service_token", 401, "Invalid service token.", "X-Services-Token", REALM))
auth("service-token-missing", req("POST", "/internal/jobs"),
     deny("invalid_service_token", 401, "This route needs a service token.", "service", REALM))
auth("service-token-empty-config-rejects-empty-header", req("POST", "/internal/jobs", **{"X-Gateway-Token": ""}),
     deny("invalid_service_token", 401, "Invalid service token.", "X-Gateway-Token", REALM))
auth("service-token-empty-config-rejects-anything", req("POST", "/internal/jobs", **{"X-Gateway-Token": "x"}),
     deny("invalid_service_token", 401, "Invalid service token.", "X-Gateway-Token", REALM))
auth("user-jwt-on-service-route", req("POST", "/internal/jobs", Authorization="Bearer " + ALICE),
     deny("invalid_service_token", 401, "This route needs a service token.", "service", REALM))
auth("service-on-user-route", req("GET", "/api/me", **{"X-Services-Token": SVC}), deny("forbidden", 403))
auth("service-wins-over-bearer", req("GET", "/internal/x", Authorization="Bearer junk", **{"X-Services-Token": SVC}), allow("service", service="billing"))
# Dot-segments are refused (not resolved): a router matching the raw path would run another handler.
auth("dot-segments-cannot-dodge-a-rule", req("POST", "/api/docs/../../internal/jobs"),
     deny("invalid_request_target", 400, "The path holds a dot-segment (`.` or `..`).", "url"))

auth("identity-default", req("GET", "/api/projects/7", Authorization="Bearer " + ALICE), allow("jwt", "alice", "alice@example.com", identity=ID_A, scopes=["read"]),
     lookup={"user": ALICE_INFO})
auth("identity-own", req("GET", "/api/projects/7/files", Authorization="Bearer " + ALICE, **{"X-Identity": ID_B.upper()}),
     allow("jwt", "alice", "alice@example.com", identity=ID_B, scopes=["read"]), lookup={"user": ALICE_INFO})
auth("identity-foreign", req("GET", "/api/projects/7", Authorization="Bearer " + ALICE, **{"X-Identity": ID_X}),
     deny("identity_forbidden", 403), lookup={"user": ALICE_INFO})
auth("identity-malformed", req("GET", "/api/projects/7", Authorization="Bearer " + ALICE, **{"X-Identity": "alice"}),
     deny("invalid_identity", 400, "The identity must be a UUID.", "X-Identity"), lookup={"user": ALICE_INFO})
auth("identity-absent-no-default", req("GET", "/api/projects/7", Authorization="Bearer " + BOB), deny("identity_required", 400),
     lookup={"user": BOB_INFO})
auth("identity-absent-default-disallowed", req("GET", "/api/projects/7", Authorization="Bearer " + ALICE), deny("identity_required", 400),
     lookup={"user": ALICE_INFO}, config=dict(GATE, default_identity=False))
auth("identity-user-not-loaded", req("GET", "/api/projects/7", Authorization="Bearer " + ALICE, **{"X-Identity": ID_A}),
     deny("identity_forbidden", 403))
auth("identity-optional-absent", req("GET", "/api/feed", Authorization="Bearer " + BOB), allow("jwt", "bob", scopes=["read", "admin"]),
     lookup={"user": BOB_INFO})
auth("identity-ignored-where-not-used", req("GET", "/api/me", Authorization="Bearer " + ALICE, **{"X-Identity": ID_X}),
     allow("jwt", "alice", "alice@example.com", scopes=["read"]))
auth("identity-named-by-service", req("GET", "/internal/x", **{"X-Services-Token": SVC, "X-Identity": ID_X}), allow("service", service="billing"))

auth("subscription-required-402", req("GET", "/api/pro/report", Authorization="Bearer " + ALICE), deny("subscription_required", 402),
     lookup={"user": ALICE_INFO}, source="RFC 9110 15.5.3")
auth("subscription-active", req("GET", "/api/pro/report", Authorization="Bearer " + BOB), allow("jwt", "bob", scopes=["read", "admin"]),
     lookup={"user": BOB_INFO})
auth("subscription-guest", req("GET", "/api/pro/report", **{"X-Guest-ID": GUEST}), deny("not_authenticated", 401, "Sign-in required.", challenge=REALM))

auth("scope-missing", req("GET", "/api/admin/users", Authorization="Bearer " + ALICE),
     deny("insufficient_scope", 403, "The token lacks the `admin` scope.", "scope", REALM + ', error="insufficient_scope", scope="admin"'), source="RFC 6750 3.1")
auth("scope-present-from-scp", req("DELETE", "/api/admin/users/1", Authorization="Bearer " + BOB), allow("jwt", "bob", scopes=["read", "admin"]))
# A method the matching rule does not list is refused (fail closed), never the default access.
auth("route-method-not-listed-is-405", req("POST", "/api/admin/users", Authorization="Bearer " + ALICE),
     deny("method_not_allowed", 405, "The route does not allow this method.", allow_methods="GET, HEAD, DELETE"), source="RFC 9110 15.5.6")

auth("session-valid-with-touch", req("GET", "/api/me", Authorization="Bearer " + TOK1),
     allow("session", "alice", "alice@example.com", touch=srec(rev=2, seen=NOW)), lookup={"session": SESSION})
auth("session-valid-recently-touched", req("GET", "/api/me", Authorization="Bearer " + TOK1),
     allow("session", "alice", "alice@example.com"), lookup={"session": srec(seen=NOW - 10)})
auth("session-not-found", req("GET", "/api/me", Authorization="Bearer " + TOK1), deny("invalid_session", 401, challenge=invalid_token_challenge("Invalid session.")))
auth("session-record-of-another-token", req("GET", "/api/me", Authorization="Bearer " + TOK2),
     deny("invalid_session", 401, challenge=invalid_token_challenge("Invalid session.")), lookup={"session": SESSION})
auth("session-revoked", req("GET", "/api/me", Authorization="Bearer " + TOK1),
     deny("session_revoked", 401, challenge=invalid_token_challenge("Session has been revoked.")), lookup={"session": srec(revoked=NOW - 1)})
auth("session-expired", req("GET", "/api/me", Authorization="Bearer " + TOK1),
     deny("session_expired", 401, "Session has expired after inactivity.", challenge=invalid_token_challenge("Session has expired after inactivity.")),
     lookup={"session": srec(seen=NOW - 30 * DAY)})
auth("guest-session-is-read-only", req("POST", "/api/docs/1", Authorization="Bearer " + TOK1), deny("guest_read_only", 403),
     lookup={"session": srec(user=GUEST, email=None, guest=True, seen=NOW)})
auth("session-token-without-jwt-config", req("GET", "/api/me", Authorization="Bearer " + ALICE),
     deny("invalid_session", 401, challenge=invalid_token_challenge("Invalid session.")), config=dict(GATE, jwt=None))

case("gate", "classify-then-decide",
     step("gate.new", {"config": GATE}, {}),
     step("gate.classify", {"request": req("GET", "/api/projects/7/?q=1", Authorization="Bearer " + TOK1, **{"X-Identity": ID_B}), "now": NOW},
          {"method": "GET", "path": "/api/projects/7/",
           "route": {"method": "*", "path": "/api/projects/{id}/**", "access": "user", "identity": "required"},
           "credential": {"type": "session", "token_hash": sha(TOK1)}, "identity": ID_B,
           "needs": {"session": sha(TOK1), "user": True}}, bind="c"),
     step("gate.decide", {"classified": {"$ref": "c"}, "lookup": {"session": SESSION, "user": ALICE_INFO}, "now": NOW},
          allow("session", "alice", "alice@example.com", identity=ID_B, touch=srec(rev=2, seen=NOW))))
case("gate", "classify-default-route-and-guest",
     step("gate.new", {"config": GATE}, {}),
     step("gate.classify", {"request": req("PUT", "/elsewhere", **{"X-Guest-ID": GUEST}), "now": NOW},
          {"method": "PUT", "path": "/elsewhere", "route": {"method": "*", "path": "/**", "access": "user", "identity": "none"},
           "credential": {"type": "guest", "guest_id": GUEST}, "needs": {"user": False}}))
case("gate", "classify-jwt-needs-user-only-when-used",
     step("gate.new", {"config": GATE}, {}),
     step("gate.classify", {"request": req("GET", "/api/pro/x", Authorization="Bearer " + BOB), "now": NOW},
          {"method": "GET", "path": "/api/pro/x", "route": {"method": "*", "path": "/api/pro/**", "access": "user", "identity": "none", "entitlement": "pro"},
           "credential": {"type": "jwt", "user_id": "bob", "scopes": ["read", "admin"]}, "needs": {"user": True}}))
for name, cfg, field in [("realm", dict(GATE, realm='a"b'), "realm"), ("guest-header", dict(GATE, guest_header="X Guest"), "guest_header"),
                         ("service-header", dict(GATE, services=[{"name": "s", "header": "Authorization", "secret": "x"}]), "services[0].header"),
                         ("route-path", dict(GATE, routes=[{"path": "/a/**/b"}]), "routes[0].path"),
                         ("jwt-key", dict(GATE, jwt={"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": "short"}]}), None)]:
    code = "invalid_key" if name == "jwt-key" else "invalid_config"
    case("gate", "config-invalid-" + name, step("gate.new", {"config": cfg}, error=code, field=field))

# ------------------------------------------------------------------------------------------
# Passwords, registration and login
# ------------------------------------------------------------------------------------------
def with_detail(s, detail):
    s["expect_error"]["detail"] = detail
    return s


FAST = {"memory_kib": 64, "iterations": 1}
SALT = bytes([7] * 16)


def argon(pw, salt=SALT, m=64, t=1, p=1):
    return hash_secret(unicodedata.normalize("NFKC", pw).encode(), salt, time_cost=t, memory_cost=m, parallelism=p, hash_len=32, type=Type.ID).decode()


H1 = argon("correct horse")
case("password", "hash-with-fixed-salt", step("password.new", {"policy": FAST}, {}),
     step("password.hash", {"password": "correct horse", "entropy": SALT.hex()}, {"hash": H1}), source="RFC 9106")
case("password", "hash-owasp-defaults", step("password.new", {}, {}),
     step("password.hash", {"password": "correct horse", "entropy": SALT.hex()}, {"hash": argon("correct horse", m=19456, t=2)}),
     source="OWASP Password Storage Cheat Sheet")
case("password", "hash-nfkc-normalised", step("password.new", {"policy": FAST}, {}),
     step("password.hash", {"password": "ｃｏｒｒｅｃｔ ｈｏｒｓｅ", "entropy": SALT.hex()}, {"hash": H1}),
     step("password.verify", {"hash": H1, "password": "ｃｏｒｒｅｃｔ ｈｏｒｓｅ"}, {"valid": True}))
case("password", "verify", step("password.new", {"policy": FAST}, {}),
     step("password.verify", {"hash": H1, "password": "correct horse"}, {"valid": True}),
     step("password.verify", {"hash": H1, "password": "correct horsE"}, {"valid": False}),
     step("password.verify", {"hash": H1, "password": ""}, {"valid": False}),
     step("password.verify", {"hash": argon("x" * 10, bytes(range(16)), m=128, t=2), "password": "x" * 10}, {"valid": True}))
case("password", "verify-foreign-hashes", step("password.new", {"policy": FAST}, {}),
     step("password.verify", {"hash": "plain", "password": "x"}, error="state_corrupt", field="password_hash"),
     step("password.verify", {"hash": hash_secret(b"pw", SALT, time_cost=1, memory_cost=64, parallelism=1, hash_len=32, type=Type.I).decode(), "password": "pw"},
          error="state_corrupt", field="password_hash"),
     step("password.verify", {"hash": "$argon2id$v=19$m=4194304,t=1,p=1$BwcHBwcHBwcHBwcHBwcHBw$bimQ738WSoM4YLjX4hSwVhzaGQZCL2z1+zpeUWKG/Sk", "password": "pw"},
          error="state_corrupt", field="password_hash"))
case("password", "needs-rehash", step("password.new", {}, {}),
     step("password.needs_rehash", {"hash": H1}, {"needs_rehash": True}),
     step("password.needs_rehash", {"hash": argon("a", m=19456, t=2)}, {"needs_rehash": False}))
PW_BAD = "A password must be 8 to 128 characters."
# register draws 16 salt bytes, then 16 bytes for the user id (a UUID v4).
UID = bytes(range(0x40, 0x50))
REG_ENTROPY = (SALT + UID).hex()
case("password", "register-username-and-email", step("password.new", {"policy": FAST}, {}),
     step("password.register", {"registration": {"username": "Alice_01", "email": " Alice@Example.COM", "password": "correct horse"}, "entropy": REG_ENTROPY},
          {"user_id": uuid4(UID), "username": "alice_01", "email": "alice@example.com", "password_hash": H1}),
     step("password.register", {"registration": {"username": "alice_01", "password": "correct horse"}, "entropy": SALT.hex()}, error="entropy_unavailable"))
case("password", "register-email-as-username", step("password.new", {"policy": dict(FAST, allow_email_usernames=True)}, {}),
     step("password.register", {"registration": {"username": "user@example.com", "password": "secure_password", "email": "user@example.com"}, "entropy": REG_ENTROPY},
          {"user_id": uuid4(UID), "username": "user@example.com", "email": "user@example.com", "password_hash": argon("secure_password")}),
     step("password.register", {"registration": {"username": " User@Example.COM", "password": "secure_password"}, "entropy": REG_ENTROPY},
          {"user_id": uuid4(UID), "username": "user@example.com", "password_hash": argon("secure_password")}),
     # Names without `@` keep the user-name rule.
     step("password.register", {"registration": {"username": "Alice_01", "password": "secure_password"}, "entropy": REG_ENTROPY},
          {"user_id": uuid4(UID), "username": "alice_01", "password_hash": argon("secure_password")}),
     with_detail(step("password.register", {"registration": {"username": "user@", "password": "secure_password"}, "entropy": REG_ENTROPY},
                      error="invalid_username", field="username"), "A user name that contains `@` must be a valid e-mail address."),
     source="seeds/004 (RAG Modulo) User Registration")
case("password", "register-email-as-username-needs-the-policy", step("password.new", {"policy": FAST}, {}),
     step("password.register", {"registration": {"username": "user@example.com", "password": "secure_password"}, "entropy": REG_ENTROPY},
          error="invalid_username", field="username"))
case("password", "register-validation", step("password.new", {"policy": FAST}, {}),
     step("password.register", {"registration": {"password": "correct horse"}, "entropy": SALT.hex()}, error="invalid_username", field="username"),
     step("password.register", {"registration": {"username": "al", "password": "correct horse"}, "entropy": SALT.hex()}, error="invalid_username", field="username"),
     step("password.register", {"registration": {"email": "alice@", "password": "correct horse"}, "entropy": SALT.hex()}, error="invalid_username", field="email"),
     step("password.register", {"registration": {"username": "alice", "password": "short"}, "entropy": SALT.hex()}, error="invalid_password", field="password"),
     step("password.register", {"registration": {"username": "alice", "password": "x" * 129}, "entropy": SALT.hex()}, error="invalid_password", field="password"),
     step("password.register", {"registration": {"username": "alice", "password": "x" * 128}, "entropy": REG_ENTROPY},
          {"user_id": uuid4(UID), "username": "alice", "password_hash": argon("x" * 128)}),
     # Length counts characters after NFKC: "ﬀ" (1 char) becomes "ff" (2 chars).
     step("password.register", {"registration": {"username": "alice", "password": "ﬀﬀﬀﬀ"}, "entropy": REG_ENTROPY},
          {"user_id": uuid4(UID), "username": "alice", "password_hash": argon("ffffffff")}),
     step("password.register", {"registration": {"username": "alice", "password": "ééééééé"}, "entropy": SALT.hex()}, error="invalid_password", field="password"),
     source="NIST SP 800-63B 5.1.1.2")
for i, (u, want) in enumerate([("alice", "alice"), ("ALICE", "alice"), ("a.b-c_d", "a.b-c_d"), ("Ａｌｉｃｅ", "alice"), ("abc", "abc"), ("a" * 32, "a" * 32)]):
    case("password", "username-ok-%d" % i, step("password.normalize_username", {"username": u}, {"username": want}))
for i, u in enumerate(["ab", "a" * 33, "_alice", "alice smith", "alicé", "alice@x", ""]):
    case("password", "username-bad-%d" % i, step("password.normalize_username", {"username": u}, error="invalid_username", field="username"))
for i, (e, want) in enumerate([("a@example.com", "a@example.com"), (" Bob.Smith+tag@Mail.Example.ORG ", "bob.smith+tag@mail.example.org")]):
    case("password", "email-ok-%d" % i, step("password.normalize_email", {"email": e}, {"email": want}))
for i, e in enumerate(["a", "a@b", "@example.com", "a@example..com", "a@-example.com", ".a@example.com", "a b@example.com", "a@example.com@x.com", "x" * 65 + "@example.com"]):
    case("password", "email-bad-%d" % i, step("password.normalize_email", {"email": e}, error="invalid_username", field="email"))

KEY = {"alg": "HS256", "secret": SECRET}
ACCOUNT = {"user_id": "u-1", "password_hash": H1, "email": "alice@example.com"}
LOGIN_TOKEN = hs256({"sub": "u-1", "email": "alice@example.com", "iat": NOW, "exp": NOW + 3600})
case("password", "login-success", step("password.new", {"policy": FAST}, {}),
     step("password.login", {"account": ACCOUNT, "password": "correct horse"},
          {"user_id": "u-1", "email": "alice@example.com", "needs_rehash": False}, bind="login"),
     # Minting is the caller's next step: the login's user id and e-mail become the claims.
     step("jwt.issue", {"key": KEY, "claims": {"sub": {"$ref": "login.user_id"}, "email": {"$ref": "login.email"}}, "now": NOW},
          {"token": LOGIN_TOKEN}))
case("password", "login-wrong-password", step("password.new", {"policy": FAST}, {}),
     step("password.login", {"account": ACCOUNT, "password": "wrong horse"}, error="invalid_credentials"))
case("password", "login-unknown-user-is-indistinguishable", step("password.new", {"policy": FAST}, {}),
     step("password.login", {"password": "correct horse"}, error="invalid_credentials"))
case("password", "login-without-email-custom-lifetime", step("password.new", {"policy": FAST}, {}),
     step("password.login", {"account": dict(ACCOUNT, email=None), "password": "correct horse"}, {"user_id": "u-1", "needs_rehash": False}, bind="login"),
     step("jwt.issue", {"key": KEY, "config": {"lifetime": 900}, "claims": {"sub": {"$ref": "login.user_id"}}, "now": NOW},
          {"token": hs256({"sub": "u-1", "iat": NOW, "exp": NOW + 900})}))


# Login behind brute-force limits: failures counted per account name and per requester in
# EntryLimiter records (fixed window), lock-outs answered alike for known and unknown accounts.
LIMITS = dict(FAST, login_limits={"max_account_failures": 3, "max_requester_failures": 5, "window": 900})
LOCKED = {"code": "too_many_attempts", "detail": "Too many attempts."}
BAD = {"code": "invalid_credentials", "detail": "Invalid credentials."}


def lim(rev, start, failures):
    return {"revision": rev, "window_start": start, "failures": failures}


def login_steps(account):
    """Three wrong passwords lock the account name; a right one is refused until the window ends."""
    acct = {"account": account} if account else {}
    return [
        step("password.login_limited", dict(acct, password="wrong horse", now=NOW),
             {"error": BAD, "account_limiter": lim(1, NOW, 1), "requester_limiter": lim(1, NOW, 1)}),
        step("password.login_limited", dict(acct, password="wrong horse", account_limiter=lim(1, NOW, 1), requester_limiter=lim(1, NOW, 1), now=NOW + 10),
             {"error": BAD, "account_limiter": lim(2, NOW, 2), "requester_limiter": lim(2, NOW, 2)}),
        # The failure that reaches the maximum already answers too_many_attempts.
        step("password.login_limited", dict(acct, password="wrong horse", account_limiter=lim(2, NOW, 2), requester_limiter=lim(2, NOW, 2), now=NOW + 20),
             {"error": LOCKED, "account_limiter": lim(3, NOW, 3), "requester_limiter": lim(3, NOW, 3), "retry_at": NOW + 900}),
        # Locked: refused without a password check, nothing changes.
        step("password.login_limited", dict(acct, password="correct horse", account_limiter=lim(3, NOW, 3), requester_limiter=lim(3, NOW, 3), now=NOW + 899),
             {"error": LOCKED, "retry_at": NOW + 900}),
    ]


case("password", "login-limited-locks-a-known-account", step("password.new", {"policy": LIMITS}, {}),
     *login_steps(ACCOUNT),
     # The window is over: the right password signs in and the account record is reset.
     step("password.login_limited", {"account": ACCOUNT, "password": "correct horse", "account_limiter": lim(3, NOW, 3), "requester_limiter": lim(3, NOW, 3), "now": NOW + 900},
          {"login": {"user_id": "u-1", "email": "alice@example.com", "needs_rehash": False}, "account_limiter": lim(4, NOW + 900, 0)}),
     source="seeds/001 (Reeve) Security: rate limiting and brute-force protection; OWASP Authentication Cheat Sheet, account lockout")
case("password", "login-limited-locks-an-unknown-account-alike", step("password.new", {"policy": LIMITS}, {}),
     *login_steps(None),
     step("password.login_limited", {"password": "correct horse", "account_limiter": lim(3, NOW, 3), "now": NOW + 900},
          {"error": BAD, "account_limiter": lim(4, NOW + 900, 1), "requester_limiter": lim(1, NOW + 900, 1)}),
     source="seeds/004 (RAG Modulo) POST /api/auth/login; OWASP Authentication Cheat Sheet: generic answers")
case("password", "login-limited-requester-lock", step("password.new", {"policy": LIMITS}, {}),
     # Five failures from one requester across accounts: every account is refused for it.
     step("password.login_limited", {"account": ACCOUNT, "password": "correct horse", "requester_limiter": lim(9, NOW + 100, 5), "now": NOW + 200},
          {"error": LOCKED, "retry_at": NOW + 1000}),
     # Both locked: the later end counts.
     step("password.login_limited", {"account": ACCOUNT, "password": "correct horse", "account_limiter": lim(3, NOW, 3), "requester_limiter": lim(9, NOW + 100, 5), "now": NOW + 200},
          {"error": LOCKED, "retry_at": NOW + 1000}),
     # A success leaves the requester's record as it is.
     step("password.login_limited", {"account": ACCOUNT, "password": "correct horse", "requester_limiter": lim(4, NOW, 4), "now": NOW + 10},
          {"login": {"user_id": "u-1", "email": "alice@example.com", "needs_rehash": False}}))
case("password", "login-limited-stale-window-restarts", step("password.new", {"policy": LIMITS}, {}),
     step("password.login_limited", {"account": ACCOUNT, "password": "wrong horse", "account_limiter": lim(3, NOW, 3), "requester_limiter": lim(3, NOW, 3), "now": NOW + 900},
          {"error": BAD, "account_limiter": lim(4, NOW + 900, 1), "requester_limiter": lim(4, NOW + 900, 1)}))
case("password", "login-limits-validated",
     step("password.new", {"policy": dict(FAST, login_limits={"max_account_failures": 0})}, error="invalid_config", field="login_limits.max_account_failures"),
     step("password.new", {"policy": dict(FAST, login_limits={"window": 0})}, error="invalid_config", field="login_limits.window"))

# Hashes from existing systems: verified (never written), and flagged for an argon2id re-hash.
def django(pw, salt="seasalt", iterations=1000):
    """Django's PBKDF2PasswordHasher.encode: the password's UTF-8 bytes, the salt's, base64."""
    dk = hashlib.pbkdf2_hmac("sha256", pw.encode(), salt.encode(), iterations)
    return "pbkdf2_sha256$%d$%s$%s" % (iterations, salt, base64.b64encode(dk).decode())


def bc(pw, prefix="2b", cost=4, salt=b"abcdefghijklmnopqrstuu"):
    return bcrypt.hashpw(pw.encode(), b"$%s$%02d$%s" % (prefix.encode(), cost, salt)).decode()


D1 = django("correct horse")
B1 = bc("correct horse")
case("password", "verify-django-pbkdf2-sha256", step("password.new", {"policy": FAST}, {}),
     step("password.verify", {"hash": D1, "password": "correct horse"}, {"valid": True}),
     step("password.verify", {"hash": D1, "password": "correct horsE"}, {"valid": False}),
     step("password.verify", {"hash": django("correct horse", "Zx9kQ2mVb7LpR4tW", 20000), "password": "correct horse"}, {"valid": True}),
     # Django hashed the bytes as typed: no NFKC, so a full-width twin does not match.
     step("password.verify", {"hash": django("ｃｏｒｒｅｃｔ ｈｏｒｓｅ"), "password": "ｃｏｒｒｅｃｔ ｈｏｒｓｅ"}, {"valid": True}),
     step("password.verify", {"hash": django("ｃｏｒｒｅｃｔ ｈｏｒｓｅ"), "password": "correct horse"}, {"valid": False}),
     step("password.needs_rehash", {"hash": D1}, {"needs_rehash": True}),
     source="Django django/contrib/auth/hashers.py PBKDF2PasswordHasher; RFC 8018 5.2")
case("password", "verify-bcrypt", step("password.new", {"policy": FAST}, {}),
     step("password.verify", {"hash": B1, "password": "correct horse"}, {"valid": True}),
     step("password.verify", {"hash": B1, "password": "correct horsE"}, {"valid": False}),
     step("password.verify", {"hash": bc("correct horse", "2a"), "password": "correct horse"}, {"valid": True}),
     step("password.verify", {"hash": bc("correct horse", "2y"), "password": "correct horse"}, {"valid": True}),
     step("password.verify", {"hash": bc("pässwörd", cost=5, salt=b"Ro0CUfOqk6cXEKf3dyaM7O"), "password": "pässwörd"}, {"valid": True}),
     step("password.needs_rehash", {"hash": B1}, {"needs_rehash": True}),
     source="pyca bcrypt (OpenBSD bcrypt)")
LONG = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored"
case("password", "verify-bcrypt-openwall-vectors", step("password.new", {"policy": FAST}, {}),
     *[step("password.verify", {"hash": h, "password": pw}, {"valid": True}) for h, pw in [
         ("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"),
         ("$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*"),
         ("$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U"),
         ("$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", ""),
         # bcrypt reads the first 72 bytes only.
         ("$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", LONG),
         ("$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", LONG[:72]),
     ]],
     step("password.verify", {"hash": "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", "password": LONG[:71]}, {"valid": False}),
     source="Openwall crypt_blowfish 1.3 wrapper.c tests")
assert all(bcrypt.checkpw(pw.encode()[:72], h.encode()) for h, pw in [("$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", LONG)])
RANGE = "The stored password hash has out-of-range parameters (%s)."
NOT_DJANGO = "The stored password hash is not a Django pbkdf2_sha256 hash."
NOT_BCRYPT = "The stored password hash is not a bcrypt hash."
case("password", "legacy-hash-bounds-and-malformed", step("password.new", {"policy": FAST}, {}),
     *[with_detail(step("password.verify", {"hash": h, "password": "correct horse"}, error="state_corrupt", field="password_hash"), d) for h, d in [
         # Refused before any hashing: no stored hash can make a login burn minutes of CPU.
         (D1.replace("$1000$", "$2000001$"), RANGE % "pbkdf2_sha256 iterations must be 1 to 2000000"),
         (D1.replace("$1000$", "$0$"), RANGE % "pbkdf2_sha256 iterations must be 1 to 2000000"),
         (B1.replace("$04$", "$16$"), RANGE % "bcrypt cost must be 4 to 15"),
         (B1.replace("$04$", "$31$"), RANGE % "bcrypt cost must be 4 to 15"),
         (B1.replace("$04$", "$03$"), RANGE % "bcrypt cost must be 4 to 15"),
         (D1.replace("$1000$", "$-5$"), NOT_DJANGO),
         (D1.replace("$1000$", "$99999999999$"), NOT_DJANGO),
         (D1.replace("$seasalt$", "$$"), NOT_DJANGO),
         (D1[:-4], NOT_DJANGO),
         (D1 + "$x", NOT_DJANGO),
         ("pbkdf2_sha256$1000$seasalt$" + base64.b64encode(b"short").decode(), NOT_DJANGO),
         (B1[:-1], NOT_BCRYPT),
         (B1[:-1] + "!", NOT_BCRYPT),
         (B1 + "x", NOT_BCRYPT),
         ("$2b$4$" + B1[7:] + "x", NOT_BCRYPT),
         ("$2b$", NOT_BCRYPT),
     ]],
     step("password.verify", {"hash": B1.replace("$2b$", "$2x$"), "password": "correct horse"}, error="state_corrupt", field="password_hash"))
LEGACY = {"user_id": "u-1", "password_hash": D1}
case("password", "login-legacy-hash-needs-rehash", step("password.new", {"policy": FAST}, {}),
     step("password.login", {"account": LEGACY, "password": "correct horse"}, {"user_id": "u-1", "needs_rehash": True}),
     step("password.login", {"account": dict(LEGACY, password_hash=B1), "password": "correct horse"}, {"user_id": "u-1", "needs_rehash": True}),
     step("password.login", {"account": LEGACY, "password": "wrong horse"}, error="invalid_credentials"),
     step("password.login", {"account": dict(LEGACY, password_hash=B1), "password": "wrong horse"}, error="invalid_credentials"),
     # The host then stores a fresh argon2id hash of the password it just accepted.
     step("password.hash", {"password": "correct horse", "entropy": SALT.hex()}, {"hash": H1}),
     step("password.login", {"account": dict(LEGACY, password_hash=H1), "password": "correct horse"}, {"user_id": "u-1", "needs_rehash": False}),
     source="Django check_password(setter) / passlib needs_update")
case("password", "login-weaker-argon2id-needs-rehash", step("password.new", {}, {}),
     # H1 has m=64,t=1: below the default policy (19456 KiB, t=2).
     step("password.login", {"account": ACCOUNT, "password": "correct horse"},
          {"user_id": "u-1", "email": "alice@example.com", "needs_rehash": True}))

for name, pol, field in [("memory", {"memory_kib": 4}, "memory_kib"), ("iterations", {"iterations": 0}, "iterations"),
                         ("lengths", {"min_length": 10, "max_length": 5}, "max_length")]:
    case("password", "policy-invalid-" + name, step("password.new", {"policy": pol}, error="invalid_config", field=field))

# ------------------------------------------------------------------------------------------
# Refresh-token rotation
# ------------------------------------------------------------------------------------------
FAM = bytes(range(200, 216))
T1 = bytes(range(32))
T2 = bytes(range(32, 64))
T3 = bytes(range(64, 96))


def rrec(tok, rev=1, status="active", issued=NOW, expires=None, fam_exp=NOW + 90 * DAY, client="cli", scope="read"):
    r = {"version": 1, "revision": rev, "token_hash": sha(b64(tok)), "family_id": FAM.hex(), "user_id": "u-1"}
    if client:
        r["client_id"] = client
    if scope:
        r["scope"] = scope
    r.update({"issued_at": issued, "expires_at": expires if expires is not None else min(issued + 30 * DAY, fam_exp) if fam_exp else issued + 30 * DAY})
    if fam_exp:
        r["family_expires_at"] = fam_exp
    r["status"] = status
    return r


def r_issue(bind="i", cfg=None):
    return step("refresh.issue", {"user_id": "u-1", "client_id": "cli", "scope": "read", "now": NOW, "entropy": (FAM + T1).hex()},
                {"refresh_token": b64(T1), "record": rrec(T1)}, bind=bind)


case("refresh", "issue-and-rotate", step("refresh.new", {}, {}), r_issue(),
     step("refresh.hash", {"token": b64(T1)}, {"hash": sha(b64(T1))}),
     step("refresh.rotate", {"record": {"$ref": "i.record"}, "token": b64(T1), "client_id": "cli", "now": NOW + 100, "entropy": T2.hex()},
          {"type": "rotated", "previous": rrec(T1, rev=2, status="rotated"),
           "issued": {"refresh_token": b64(T2), "record": rrec(T2, issued=NOW + 100)}}, bind="r1"),
     step("refresh.rotate", {"record": {"$ref": "r1.issued.record"}, "token": b64(T2), "client_id": "cli", "now": NOW + 200, "entropy": T3.hex()},
          {"type": "rotated", "previous": rrec(T2, rev=2, status="rotated", issued=NOW + 100),
           "issued": {"refresh_token": b64(T3), "record": rrec(T3, issued=NOW + 200)}}),
     source="RFC 9700 4.14.2")
case("refresh", "reuse-of-a-rotated-token-revokes-the-family", step("refresh.new", {}, {}), r_issue(),
     step("refresh.rotate", {"record": {"$ref": "i.record"}, "token": b64(T1), "client_id": "cli", "now": NOW + 100, "entropy": T2.hex()}, bind="r1"),
     step("refresh.rotate", {"record": {"$ref": "r1.previous"}, "token": b64(T1), "client_id": "cli", "now": NOW + 150, "entropy": T3.hex()},
          {"type": "reuse", "family_id": FAM.hex(),
           "error": err("invalid_grant", "The refresh token was already used; its sign-in has been revoked.")}),
     step("refresh.revoke", {"record": {"$ref": "r1.issued.record"}}, rrec(T2, rev=2, status="revoked", issued=NOW + 100), bind="rv"),
     step("refresh.rotate", {"record": {"$ref": "rv"}, "token": b64(T2), "client_id": "cli", "now": NOW + 160, "entropy": T3.hex()}, error="invalid_grant"),
     source="RFC 9700 4.14.2")
case("refresh", "failures", step("refresh.new", {}, {}), r_issue(),
     step("refresh.rotate", {"token": b64(T1), "client_id": "cli", "now": NOW, "entropy": T2.hex()}, error="invalid_grant"),
     step("refresh.rotate", {"record": {"$ref": "i.record"}, "token": b64(T2), "client_id": "cli", "now": NOW, "entropy": T2.hex()}, error="invalid_grant"),
     step("refresh.rotate", {"record": {"$ref": "i.record"}, "token": b64(T1), "client_id": "other", "now": NOW, "entropy": T2.hex()}, error="invalid_grant"),
     step("refresh.rotate", {"record": {"$ref": "i.record"}, "token": b64(T1), "now": NOW, "entropy": T2.hex()}, error="invalid_grant"),
     step("refresh.rotate", {"record": {"$ref": "i.record"}, "token": b64(T1), "client_id": "cli", "now": NOW + 30 * DAY, "entropy": T2.hex()}, error="invalid_grant"),
     step("refresh.rotate", {"record": {"$ref": "i.record"}, "token": b64(T1), "client_id": "cli", "now": NOW + 30 * DAY - 1, "entropy": "00"}, error="entropy_unavailable"))
case("refresh", "family-lifetime-caps-expiry", step("refresh.new", {"config": {"ttl": 30 * DAY, "family_lifetime": 40 * DAY}}, {}),
     step("refresh.rotate", {"record": rrec(T1, issued=NOW + 20 * DAY, fam_exp=NOW + 40 * DAY), "token": b64(T1), "client_id": "cli", "now": NOW + 25 * DAY, "entropy": T2.hex()},
          {"type": "rotated", "previous": rrec(T1, rev=2, status="rotated", issued=NOW + 20 * DAY, fam_exp=NOW + 40 * DAY),
           "issued": {"refresh_token": b64(T2), "record": rrec(T2, issued=NOW + 25 * DAY, expires=NOW + 40 * DAY, fam_exp=NOW + 40 * DAY)}}))
case("refresh", "no-family-lifetime", step("refresh.new", {"config": {"family_lifetime": None}}, {}),
     step("refresh.issue", {"user_id": "u-1", "now": NOW, "entropy": (FAM + T1).hex()},
          {"refresh_token": b64(T1), "record": rrec(T1, fam_exp=None, client=None, scope=None)}))
case("refresh", "record-versions",
     step("refresh.load", {"text": js(rrec(T1))}, rrec(T1)),
     step("refresh.load", {"text": js(dict(rrec(T1), version=2))}, error="state_version_unsupported", field="version"))
for name, cfg, field in [("token-bytes", {"token_bytes": 16}, "token_bytes"), ("ttl", {"ttl": 0}, "ttl")]:
    case("refresh", "config-invalid-" + name, step("refresh.new", {"config": cfg}, error="invalid_config", field=field))

# The refresh request at the token endpoint (RFC 6749 section 6): a form body with
# grant_type=refresh_token, refresh_token, optional scope; client_id from the body or from
# HTTP client authentication (section 2.3.1), which wins; parameters must not repeat (3.1).
RGT = "grant_type=refresh_token"
case("refresh", "parse-request",
     step("refresh.parse_request", {"body": RGT + "&refresh_token=" + b64(T1)}, {"grant_type": "refresh_token", "refresh_token": b64(T1)}),
     step("refresh.parse_request", {"body": RGT + "&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&scope=read+write&client_id=cli"},
          {"grant_type": "refresh_token", "refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA", "client_id": "cli", "scope": "read write"}),
     step("refresh.parse_request", {"body": "refresh_token=a%2Bb&" + RGT + "&client_id=body-client", "client_id": "basic-client"},
          {"grant_type": "refresh_token", "refresh_token": "a+b", "client_id": "basic-client"}),
     step("refresh.parse_request", {"body": RGT + "&refresh_token=t&scope=&client_id="}, {"grant_type": "refresh_token", "refresh_token": "t"}),
     source="RFC 6749 6, 2.3.1")
for name, body, code, field in [
        ("wrong-grant-type", "grant_type=authorization_code&refresh_token=t", "unsupported_grant_type", "grant_type"),
        ("device-grant-type", "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&refresh_token=t", "unsupported_grant_type", "grant_type"),
        ("missing-grant-type", "refresh_token=t", "invalid_request", "grant_type"),
        ("missing-refresh-token", RGT, "invalid_request", "refresh_token"),
        ("empty-refresh-token", RGT + "&refresh_token=", "invalid_request", "refresh_token"),
        ("repeated-refresh-token", RGT + "&refresh_token=a&refresh_token=b", "invalid_request", "refresh_token"),
        ("repeated-scope", RGT + "&refresh_token=a&scope=x&scope=y", "invalid_request", "scope"),
        ("bad-escape", RGT + "&refresh_token=%zz", "invalid_request", "body"),
        ("too-large", RGT + "&refresh_token=" + "a" * 70000, "payload_too_large", "body")]:
    case("refresh", "parse-request-" + name, step("refresh.parse_request", {"body": body}, error=code, field=field), source="RFC 6749 6, 3.1")

DESCR = {"session": "Server sessions: UUID tokens stored as digests, idle expiry, touch throttling, revocation, rotation on sign-in.",
         "gate": "The two-step authenticator: credential precedence, route rules, guests, services, identities, scopes, 402.",
         "password": "Registration and login: identifier validation, NFKC, argon2id with fixed salts, indistinguishable failures.",
         "refresh": "Refresh-token rotation with reuse detection (RFC 9700 4.14.2)."}
SUITES.write(DESCR)
