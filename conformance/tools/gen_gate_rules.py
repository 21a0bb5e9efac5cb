#!/usr/bin/env python3
"""Writes conformance/vectors/gate/rules.json: the gate's per-route credential kinds, gateway
token, services token from the environment, guest fallback, per-code detail overrides and
httpOnly-cookie mode with CSRF protection.

Expectations are written by hand from the Reeve seeds (001: gateway token, services token
from `REEVE_SERVICES_TOKEN`, guest mode; 002: the Clerk JWT exchanged on
`POST /api/auth/session`, session tokens everywhere else, `Not authenticated` / `Invalid
service token` bodies, guest fallback), the RAG Modulo seed (004: httpOnly cookies), RFC 6265
5.4 (the Cookie header), RFC 6750 3 (WWW-Authenticate) and the gate's documented rules
(core/src/gate/ module docs). HS256 tokens, session tokens and their SHA-256 lookup keys and
the base64url gateway token are computed here with the standard library, independently of the
core. Run from any directory: `python3 conformance/tools/gen_gate_rules.py`."""
import hashlib
import hmac
import json
import os

from vectorlib import NOW, ROOT, b64, err, js, sha, step, write_suite

SECRET = "0123456789abcdef0123456789abcdef"
JSON_CT = "application/json"
REALM = 'Bearer realm="api"'
CASES = []


def case(name, *steps, source=None):
    c = {"name": name, "steps": list(steps)}
    if source:
        c["source"] = source
    CASES.append(c)


def hs256(claims):
    si = b64(js({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(js(claims).encode())
    return si + "." + b64(hmac.new(SECRET.encode(), si.encode(), hashlib.sha256).digest())


def uuid4(b):
    b = bytearray(b)
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def srec(token, user="user_abc123", email="user@example.com", seen=NOW - 10, revoked=None):
    r = {"version": 1, "revision": 1, "token_hash": sha(token), "user_id": user, "email": email,
         "is_guest": False, "created_at": NOW - 10, "last_seen_at": seen}
    if revoked is not None:
        r["revoked_at"] = revoked
    return r


def req(method, path, **headers):
    return {"method": method, "url": "https://api.example.com" + path,
            "headers": {k.replace("_", "-"): v for k, v in sorted(headers.items())}}


def allow(cred, user=None, email=None, guest=None, service=None, scopes=None):
    c = {"credential": cred}
    if user:
        c["user_id"] = user
    if guest:
        c["guest_id"] = guest
    if email:
        c["email"] = email
    c["is_guest"] = guest is not None
    if scopes:
        c["scopes"] = scopes
    if service:
        c["service"] = service
    return {"type": "allow", "context": c}


def header_text(s):
    return "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in s)


def deny(code, status, detail, field=None, challenge=None):
    headers = {"Content-Type": JSON_CT}
    if challenge == "realm":
        headers["WWW-Authenticate"] = REALM
    elif challenge == "invalid_token":
        headers["WWW-Authenticate"] = REALM + ', error="invalid_token", error_description="%s"' % header_text(detail)
    return {"type": "deny", "error": err(code, detail, field),
            "response": {"status": status, "headers": headers,
                         "body": json.dumps({"detail": detail, "code": code}, separators=(",", ":"))}}


def auth(name, config, request, expect, lookup=None, source=None):
    inp = {"request": request, "now": NOW}
    if lookup is not None:
        inp["lookup"] = lookup
    case(name, step("gate.new", {"config": config}, {}), step("gate.authenticate", inp, expect), source=source)


def refused_config(name, config, field):
    case("config-invalid-" + name, step("gate.new", {"config": config}, error="invalid_config", field=field))


JWT = {"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": SECRET}]}
CLERK = hs256({"sub": "user_abc123", "email": "user@example.com", "iat": NOW, "exp": NOW + 3600})
CLERK_EXPIRED = hs256({"sub": "user_abc123", "iat": NOW - 7200, "exp": NOW - 3600})
TOK = uuid4(bytes(range(16)))
SESSION = srec(TOK)
SIGN_IN = "Sign-in required."


def not_taken(kind):
    return "This route does not take `%s` credentials." % kind


# ------------------------------------------------------------------------------------------
# Per-route credential kinds (seed 002: the Clerk JWT on POST /api/auth/session only)
# ------------------------------------------------------------------------------------------
REEVE = {
    "jwt": JWT,
    "credentials": ["session", "guest", "service"],
    "services": [{"name": "reeve", "header": "X-Reeve-Services-Token", "secret": "svc-secret-value"}],
    "routes": [
        {"method": "POST", "path": "/api/auth/session", "access": "user", "credentials": ["jwt"]},
        {"method": "GET", "path": "/api/dashboard", "access": "user_or_guest"},
        {"path": "/internal/**", "access": "service"},
    ],
}
S002 = "seed 002 Session Creation"
auth("kinds-idp-jwt-on-its-route", REEVE, req("POST", "/api/auth/session", Authorization="Bearer " + CLERK),
     allow("jwt", "user_abc123", "user@example.com"), source=S002)
auth("kinds-idp-jwt-elsewhere-is-refused", REEVE, req("GET", "/api/credits/balance", Authorization="Bearer " + CLERK),
     deny("invalid_token", 401, not_taken("jwt"), challenge="invalid_token"), source=S002)
auth("kinds-refused-before-verification", REEVE, req("GET", "/api/credits/balance", Authorization="Bearer " + CLERK_EXPIRED),
     deny("invalid_token", 401, not_taken("jwt"), challenge="invalid_token"))
auth("kinds-session-everywhere-else", REEVE, req("GET", "/api/credits/balance", Authorization="Bearer " + TOK),
     allow("session", "user_abc123", "user@example.com"), lookup={"session": SESSION}, source="seed 002 Session Validation")
auth("kinds-session-on-the-jwt-route-is-refused", REEVE, req("POST", "/api/auth/session", Authorization="Bearer " + TOK),
     deny("invalid_token", 401, not_taken("session"), challenge="invalid_token"), lookup={"session": SESSION})
auth("kinds-guest-on-the-jwt-route-is-refused", REEVE, req("POST", "/api/auth/session", X_Guest_ID="guest_demo_123"),
     deny("invalid_token", 401, not_taken("guest"), challenge="invalid_token"))
auth("kinds-service-on-the-jwt-route-is-refused", REEVE, req("POST", "/api/auth/session", X_Reeve_Services_Token="svc-secret-value"),
     deny("invalid_token", 401, not_taken("service"), challenge="invalid_token"))
auth("kinds-no-credential-is-not-authenticated", REEVE, req("POST", "/api/auth/session"),
     deny("not_authenticated", 401, SIGN_IN, challenge="realm"))
case("kinds-classify-shows-the-rule",
     step("gate.new", {"config": REEVE}, {}),
     step("gate.classify", {"request": req("GET", "/api/me", Authorization="Bearer " + CLERK), "now": NOW},
          {"method": "GET", "path": "/api/me", "route": {"method": "*", "path": "/**", "access": "user", "identity": "none"},
           "credential": {"type": "invalid", "error": err("invalid_token", not_taken("jwt"))}, "needs": {"user": False}}),
     step("gate.classify", {"request": req("POST", "/api/auth/session", Authorization="Bearer " + CLERK), "now": NOW},
          {"method": "POST", "path": "/api/auth/session",
           "route": {"method": "POST", "path": "/api/auth/session", "access": "user", "identity": "none", "credentials": ["jwt"]},
           "credential": {"type": "jwt", "user_id": "user_abc123", "email": "user@example.com", "scopes": []}, "needs": {"user": False}}))
refused_config("credentials-empty", dict(REEVE, credentials=[]), "credentials")
refused_config("route-credentials-empty", dict(REEVE, routes=[{"path": "/a", "credentials": []}]), "routes[0].credentials")

# ------------------------------------------------------------------------------------------
# Gateway token (seed 001 Gateway Authentication)
# ------------------------------------------------------------------------------------------
GW_ENTROPY = bytes(range(32))
GW = b64(GW_ENTROPY)
S001 = "seed 001 Gateway Authentication"
case("gateway-token-generated", step("gate.generate_gateway_token", {"entropy": GW_ENTROPY.hex()}, {"token": GW}), source=S001)
case("gateway-token-generated-url-safe", step("gate.generate_gateway_token", {"entropy": "fb" * 32}, {"token": b64(b"\xfb" * 32)}))
case("gateway-token-needs-32-bytes", step("gate.generate_gateway_token", {"entropy": "00" * 31}, error="entropy_unavailable"))
GATEWAY = {"gateway": {"token": GW}, "routes": [{"method": "GET", "path": "/health", "access": "public"},
                                               {"method": "GET", "path": "/api/models", "access": "user"}]}
NEEDS = "This gateway needs its token."
auth("gateway-token-allows", GATEWAY, req("POST", "/api/chat", Authorization="Bearer " + GW), allow("gateway"), source=S001)
auth("gateway-token-on-a-public-route", GATEWAY, req("GET", "/health", Authorization="Bearer " + GW), allow("gateway"))
auth("gateway-token-missing-even-on-public-routes", GATEWAY, req("GET", "/health"),
     deny("not_authenticated", 401, NEEDS, "Authorization", "realm"), source=S001)
auth("gateway-token-wrong", GATEWAY, req("GET", "/health", Authorization="Bearer " + GW[:-1] + "A"),
     deny("invalid_token", 401, "Invalid gateway token.", "Authorization", "invalid_token"))
auth("gateway-token-prefix", GATEWAY, req("GET", "/health", Authorization="Bearer " + GW[:-1]),
     deny("invalid_token", 401, "Invalid gateway token.", "Authorization", "invalid_token"))
auth("gateway-token-other-scheme", GATEWAY, req("GET", "/health", Authorization="Basic " + GW),
     deny("invalid_token", 401, "Invalid gateway token.", "Authorization", "invalid_token"))
auth("gateway-token-before-routing", GATEWAY, req("POST", "/api/models"),
     deny("not_authenticated", 401, NEEDS, "Authorization", "realm"))
GATEWAY_HDR = {"jwt": JWT, "gateway": {"token": GW, "header": "X-Gateway-Token"}}
auth("gateway-header-and-a-user-token", GATEWAY_HDR, req("GET", "/api/me", X_Gateway_Token=GW, Authorization="Bearer " + CLERK),
     allow("jwt", "user_abc123", "user@example.com"))
auth("gateway-header-alone", GATEWAY_HDR, req("GET", "/api/me", X_Gateway_Token=GW), allow("gateway"))
auth("gateway-header-missing", GATEWAY_HDR, req("GET", "/api/me", Authorization="Bearer " + CLERK),
     deny("not_authenticated", 401, NEEDS, "X-Gateway-Token", "realm"))
auth("gateway-kind-not-taken-by-route", dict(GATEWAY, routes=[{"path": "/api/**", "credentials": ["session"]}]),
     req("GET", "/api/x", Authorization="Bearer " + GW), deny("invalid_token", 401, not_taken("gateway"), challenge="invalid_token"))
refused_config("gateway-token-short", {"gateway": {"token": "your-secret"}}, "gateway.token")
refused_config("gateway-token-space", {"gateway": {"token": "your secret token value"}}, "gateway.token")
refused_config("gateway-header", {"gateway": {"token": GW, "header": "X Gateway"}}, "gateway.header")

# ------------------------------------------------------------------------------------------
# Services token from the environment (seed 001 Service-to-Service Auth, 002)
# ------------------------------------------------------------------------------------------
SVC_ENV = {"services_env": [{"name": "reeve", "variable": "REEVE_SERVICES_TOKEN", "header": "X-Reeve-Services-Token"}],
           "routes": [{"path": "/internal/**", "access": "service"}]}
ENV = {"REEVE_SERVICES_TOKEN": "svc-secret-value", "HOME": "/home/reeve"}
S_SVC = "seed 002 Service-to-Service Auth"
case("services-env-right", step("gate.from_env", {"env": ENV, "config": SVC_ENV}, {}),
     step("gate.authenticate", {"request": req("POST", "/internal/credits", X_Reeve_Services_Token="svc-secret-value"), "now": NOW},
          allow("service", service="reeve")), source=S_SVC)
case("services-env-wrong", step("gate.from_env", {"env": ENV, "config": SVC_ENV}, {}),
     step("gate.authenticate", {"request": req("POST", "/internal/credits", X_Reeve_Services_Token="svc-secret-valuE"), "now": NOW},
          deny("invalid_service_token", 401, "Invalid service token.", "X-Reeve-Services-Token", "realm")), source=S_SVC)
case("services-env-defaults", step("gate.from_env", {"env": {"AUTHCORE_SERVICES_TOKEN": "x-secret-value"}}, {}),
     step("gate.authenticate", {"request": req("GET", "/api/me", X_Services_Token="x-secret-value"), "now": NOW},
          deny("forbidden", 403, "Forbidden.")),
     step("gate.authenticate", {"request": req("GET", "/api/me", X_Services_Token="nope"), "now": NOW},
          deny("invalid_service_token", 401, "Invalid service token.", "X-Services-Token", "realm")))
for name, env, why in [("missing", {"HOME": "/home/reeve"}, "is not set."), ("empty", {"REEVE_SERVICES_TOKEN": ""}, "is empty."),
                       ("null", {"REEVE_SERVICES_TOKEN": None}, "is not set."), ("not-a-string", {"REEVE_SERVICES_TOKEN": 8675309}, "must be a string.")]:
    s = step("gate.from_env", {"env": env, "config": SVC_ENV}, error="invalid_config", field="REEVE_SERVICES_TOKEN")
    s["expect_error"]["detail"] = "`REEVE_SERVICES_TOKEN` " + why  # names the variable, never the value
    case("services-env-" + name, s)
refused_config("services-env-needs-from-env", SVC_ENV, "services_env")
case("config-invalid-services-env-variable",
     step("gate.from_env", {"env": ENV, "config": {"services_env": [{"variable": "REEVE SERVICES"}]}}, error="invalid_config", field="services_env[0].variable"))

# ------------------------------------------------------------------------------------------
# Guest fallback (seed 002 Guest Mode: opt-in; the default stays strict)
# ------------------------------------------------------------------------------------------
FALLBACK = {"routes": [{"method": "GET, POST", "path": "/api/dashboard", "access": "user_or_guest"}],
            "guest_fallback": True, "guest_id_rule": "any"}
STRICT = {"routes": FALLBACK["routes"]}
S_GUEST = "seed 002 Guest Mode"
auth("fallback-unknown-session-becomes-guest", FALLBACK, req("GET", "/api/dashboard", Authorization="Bearer " + TOK, X_Guest_ID="demo"),
     allow("guest", guest="demo"), source=S_GUEST)
auth("fallback-revoked-session-becomes-guest", FALLBACK, req("GET", "/api/dashboard", Authorization="Bearer " + TOK, X_Guest_ID="demo"),
     allow("guest", guest="demo"), lookup={"session": srec(TOK, revoked=NOW - 1)})
auth("fallback-valid-session-wins", FALLBACK, req("GET", "/api/dashboard", Authorization="Bearer " + TOK, X_Guest_ID="demo"),
     allow("session", "user_abc123", "user@example.com"), lookup={"session": SESSION})
auth("fallback-malformed-bearer-becomes-guest", FALLBACK, req("GET", "/api/dashboard", Authorization="Bearer not-a-token", X_Guest_ID="demo"),
     allow("guest", guest="demo"))
auth("fallback-any-guest-id", FALLBACK, req("GET", "/api/dashboard", X_Guest_ID="user_abc123"), allow("guest", guest="user_abc123"), source=S_GUEST)
auth("fallback-guest-post-is-read-only", FALLBACK, req("POST", "/api/dashboard", Authorization="Bearer " + TOK, X_Guest_ID="demo"),
     deny("guest_read_only", 403, "Guest access is read-only."), source="seed 001 Guest Mode")
auth("fallback-malformed-bearer-post-is-read-only", FALLBACK, req("POST", "/api/dashboard", Authorization="Basic eDp5", X_Guest_ID="demo"),
     deny("guest_read_only", 403, "Guest access is read-only."))
auth("fallback-guest-on-a-user-route", FALLBACK, req("GET", "/api/me", Authorization="Bearer " + TOK, X_Guest_ID="demo"),
     deny("not_authenticated", 401, SIGN_IN, challenge="realm"))
ANY_BAD = "A guest id is 1 to 128 printable ASCII characters without spaces."
for name, gid in [("space", "demo user"), ("long", "g" * 129), ("empty", "")]:
    auth("fallback-guest-id-still-bounded-" + name, FALLBACK, req("GET", "/api/dashboard", X_Guest_ID=gid),
         deny("invalid_guest_id", 400, ANY_BAD, "guest_id"))
auth("fallback-bad-guest-id-keeps-the-bearer-error", FALLBACK, req("GET", "/api/dashboard", Authorization="Bearer " + TOK, X_Guest_ID="demo user"),
     deny("invalid_session", 401, "Invalid session.", challenge="invalid_token"))
auth("strict-default-no-fallback", STRICT, req("GET", "/api/dashboard", Authorization="Bearer " + TOK, X_Guest_ID="guest_demo_123"),
     deny("invalid_session", 401, "Invalid session.", challenge="invalid_token"))
auth("strict-default-prefixed-guest-ids", STRICT, req("GET", "/api/dashboard", X_Guest_ID="user_abc123"),
     deny("invalid_guest_id", 400, "A guest id starts with `guest_` or `guest-` and is 8 to 128 letters, digits, '-' and '_'.", "guest_id"))
case("fallback-classify-names-the-guest",
     step("gate.new", {"config": FALLBACK}, {}),
     step("gate.classify", {"request": req("GET", "/api/dashboard", Authorization="Bearer " + TOK, X_Guest_ID="demo"), "now": NOW},
          {"method": "GET", "path": "/api/dashboard", "route": FALLBACK["routes"][0] | {"identity": "none"},
           "credential": {"type": "session", "token_hash": sha(TOK)}, "fallback_guest": "demo",
           "needs": {"session": sha(TOK), "user": False}}))

# ------------------------------------------------------------------------------------------
# Per-code detail overrides (seed 002: `Not authenticated`, `Invalid service token`)
# ------------------------------------------------------------------------------------------
DETAILS = dict(REEVE, details={"not_authenticated": "Not authenticated", "invalid_service_token": "Invalid service token"})
auth("details-not-authenticated", DETAILS, req("GET", "/api/credits/balance"),
     deny("not_authenticated", 401, "Not authenticated", challenge="realm"), source="seed 002 Session Validation")
auth("details-invalid-service-token", DETAILS, req("POST", "/internal/credits", X_Reeve_Services_Token="wrong"),
     deny("invalid_service_token", 401, "Invalid service token", "X-Reeve-Services-Token", "realm"), source=S_SVC)
auth("details-missing-service-token", DETAILS, req("POST", "/internal/credits"),
     deny("invalid_service_token", 401, "Invalid service token", "service", "realm"), source=S_SVC)
auth("details-other-codes-unchanged", DETAILS, req("GET", "/api/credits/balance", Authorization="Bearer " + TOK),
     deny("invalid_session", 401, "Invalid session.", challenge="invalid_token"))
auth("details-in-the-challenge", dict(REEVE, details={"invalid_session": "Session invalid"}),
     req("GET", "/api/credits/balance", Authorization="Bearer " + TOK), deny("invalid_session", 401, "Session invalid", challenge="invalid_token"))
refused_config("details-unknown-code", {"details": {"not_a_code": "x"}}, "details.not_a_code")
refused_config("details-empty", {"details": {"forbidden": ""}}, "details.forbidden")
refused_config("details-header-unsafe", {"details": {"forbidden": "No\r\nSet-Cookie: a=b"}}, "details.forbidden")
refused_config("details-too-long", {"details": {"forbidden": "x" * 257}}, "details.forbidden")

# ------------------------------------------------------------------------------------------
# httpOnly-cookie mode and CSRF (seed 004 Token Storage)
# ------------------------------------------------------------------------------------------
APP = "https://app.example.com"
COOKIE = {"jwt": JWT, "cookie": {"name": "access_token", "csrf": {"origins": [APP]}}}
JAR = "theme=dark; access_token=" + CLERK
ORIGIN_BAD = "The request's origin is not allowed to use the session cookie."
S004 = "seed 004 Token Storage"
USER = allow("jwt", "user_abc123", "user@example.com")
auth("cookie-get", COOKIE, req("GET", "/api/collections", Cookie=JAR), USER, source=S004)
auth("cookie-quoted-value", COOKIE, req("GET", "/api/collections", Cookie='access_token="%s"' % CLERK), USER, source="RFC 6265 4.1.1")
auth("cookie-session-token", COOKIE, req("GET", "/api/collections", Cookie="access_token=" + TOK),
     allow("session", "user_abc123", "user@example.com"), lookup={"session": SESSION})
auth("cookie-absent-is-anonymous", COOKIE, req("GET", "/api/collections", Cookie="theme=dark"),
     deny("not_authenticated", 401, SIGN_IN, challenge="realm"))
auth("cookie-name-is-case-sensitive", COOKIE, req("GET", "/api/collections", Cookie="Access_Token=" + CLERK),
     deny("not_authenticated", 401, SIGN_IN, challenge="realm"), source="RFC 6265 5.4")
auth("cookie-twice-is-refused", COOKIE, req("GET", "/api/collections", Cookie=JAR + "; access_token=other"),
     deny("invalid_token", 401, "The `access_token` cookie is sent more than once.", "cookie", "invalid_token"))
auth("cookie-post-without-origin-is-csrf", COOKIE, req("POST", "/api/search", Cookie=JAR),
     deny("csrf_failed", 403, ORIGIN_BAD), source="OWASP CSRF Prevention: verifying origin")
auth("cookie-post-foreign-origin-is-csrf", COOKIE, req("POST", "/api/search", Cookie=JAR, Origin="https://evil.example"),
     deny("csrf_failed", 403, ORIGIN_BAD))
auth("cookie-post-null-origin-is-csrf", COOKIE, req("POST", "/api/search", Cookie=JAR, Origin="null"), deny("csrf_failed", 403, ORIGIN_BAD))
auth("cookie-post-allowed-origin", COOKIE, req("POST", "/api/search", Cookie=JAR, Origin=APP), USER)
auth("cookie-post-same-origin-fetch", COOKIE, req("DELETE", "/api/search", Cookie=JAR, Sec_Fetch_Site="same-origin"), USER)
auth("cookie-post-cross-site-fetch-is-csrf", COOKIE, req("PUT", "/api/search", Cookie=JAR, Sec_Fetch_Site="cross-site"),
     deny("csrf_failed", 403, ORIGIN_BAD))
auth("cookie-referer-off-by-default", COOKIE, req("POST", "/api/search", Cookie=JAR, Referer=APP + "/search"),
     deny("csrf_failed", 403, ORIGIN_BAD))
REFERER = {"jwt": JWT, "cookie": {"name": "access_token", "csrf": {"origins": [APP], "referer": True}}}
auth("cookie-referer-when-enabled", REFERER, req("POST", "/api/search", Cookie=JAR, Referer=APP + "/search?q=1"), USER)
auth("cookie-referer-foreign", REFERER, req("POST", "/api/search", Cookie=JAR, Referer="https://app.example.com.evil.example/"),
     deny("csrf_failed", 403, ORIGIN_BAD))
auth("cookie-authorization-needs-no-csrf", COOKIE, req("POST", "/api/search", Cookie="access_token=" + TOK, Authorization="Bearer " + CLERK), USER)
DOUBLE = {"jwt": JWT, "cookie": {"name": "access_token", "csrf": {"same_origin_fetch": False, "double_submit": {}}}}
JAR2 = JAR + "; csrf_token=k3y-value"
auth("cookie-double-submit-match", DOUBLE, req("POST", "/api/search", Cookie=JAR2, X_CSRF_Token="k3y-value"), USER)
MISMATCH = "The CSRF token header does not match the CSRF cookie."
auth("cookie-double-submit-mismatch", DOUBLE, req("POST", "/api/search", Cookie=JAR2, X_CSRF_Token="k3y-valuE"), deny("csrf_failed", 403, MISMATCH))
auth("cookie-double-submit-header-missing", DOUBLE, req("POST", "/api/search", Cookie=JAR2, Sec_Fetch_Site="same-origin"),
     deny("csrf_failed", 403, MISMATCH))
auth("cookie-double-submit-both-empty", DOUBLE, req("POST", "/api/search", Cookie=JAR + "; csrf_token=", X_CSRF_Token=""),
     deny("csrf_failed", 403, MISMATCH))
COOKIE_FALLBACK = dict(FALLBACK, jwt=JWT, cookie={"name": "access_token"})
auth("cookie-csrf-failure-never-falls-back", COOKIE_FALLBACK, req("POST", "/api/dashboard", Cookie=JAR, X_Guest_ID="demo"),
     deny("csrf_failed", 403, ORIGIN_BAD))
auth("cookie-bad-token-falls-back-when-opted-in", COOKIE_FALLBACK, req("GET", "/api/dashboard", Cookie="access_token=x.y.z", X_Guest_ID="demo"),
     allow("guest", guest="demo"))
refused_config("cookie-without-csrf", {"cookie": {"name": "access_token", "csrf": {"same_origin_fetch": False}}}, "cookie.csrf")
refused_config("cookie-name", {"cookie": {"name": "access token"}}, "cookie.name")
refused_config("cookie-origin-with-path", {"cookie": {"name": "t", "csrf": {"origins": [APP + "/"]}}}, "cookie.csrf.origins[0]")

DESCRIPTION = ("Gate rules for the seed systems: per-route credential kinds, the gateway token, services tokens from the "
               "environment, guest fallback, per-code detail overrides, httpOnly-cookie mode with CSRF.")
write_suite(os.path.join(ROOT, "vectors", "gate", "rules.json"), {"suite": "gate", "description": DESCRIPTION, "cases": CASES})
print("gate rules", len(CASES))
