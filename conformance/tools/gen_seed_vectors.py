#!/usr/bin/env python3
"""Writes the vectors for the behaviour the seed systems need from the core:
conformance/vectors/jwt/legacy_keys.json (verify-only legacy HS256 secrets, RFC 7518 3.2) and
conformance/vectors/cors/cors.json (CORS decisions, Fetch standard "CORS protocol").

Tokens are signed here with Python's HMAC, independently of the core; expectations are
written by hand from conformance/README.md."""
import hashlib, hmac, os

from vectorlib import NOW, ROOT, b64, js, step, write_suite

SHORT = "your-secret-key-here"  # RAG Modulo's example JWT_SECRET_KEY: 20 bytes
STRONG = "Zq3vN8rT1xYc6LmW0pK9sB4eH7uJ2aQd5fG8iR1oE3w"  # secrets.token_urlsafe(32): 43 bytes
LEGACY = {"alg": "HS256", "secret": SHORT, "legacy_short_secret": True}
NEW = {"alg": "HS256", "secret": STRONG, "kid": "2026-11"}
CLAIMS = {"sub": "123e4567-e89b-12d3-a456-426614174000", "exp": NOW + 3600}


def sign(secret, header, claims):
    si = b64(js(header).encode()) + "." + b64(js(claims).encode())
    return si + "." + b64(hmac.new(secret.encode(), si.encode(), hashlib.sha256).digest())


def verify(token, keys, expect=None, error=None, field=None, detail=None, now=NOW):
    s = step("jwt.verify", {"config": {"algorithms": ["HS256"]}, "keys": keys, "token": token, "now": now}, expect, error, field)
    if detail:
        s["expect_error"]["detail"] = detail
    return s


def case(name, *steps, source=None):
    c = {"name": name, "steps": list(steps)}
    if source:
        c["source"] = source
    return c


GEN = 'Generate one with `python -c "import secrets; print(secrets.token_urlsafe(%d))"`.'
SHORT_REFUSED = ("An HS256 secret must be at least 32 bytes (RFC 7518 section 3.2); this one has 20. " + GEN % 32 +
                 ' To keep verifying tokens signed with an old short secret, add it as a verify-only key with `"legacy_short_secret": true`.')
NEVER_SIGNS = ('A `legacy_short_secret` key only verifies; sign with a new secret of at least 32 bytes, e.g. '
               '`python -c "import secrets; print(secrets.token_urlsafe(32))"`, given its own `kid`.')
OLD = sign(SHORT, {"alg": "HS256", "typ": "JWT"}, CLAIMS)  # what PyJWT wrote for RAG Modulo: no kid
NEW_TOKEN = sign(STRONG, {"alg": "HS256", "kid": "2026-11", "typ": "JWT"}, CLAIMS)

legacy = [
    case("short-secret-refused-with-advice",
         verify(OLD, [{"alg": "HS256", "secret": SHORT}], error="invalid_key", field="keys[0]", detail=SHORT_REFUSED),
         step("jwt.issue", {"key": {"alg": "HS256", "secret": SHORT}, "claims": {"sub": "u-1"}, "now": NOW}, error="invalid_key"),
         source="RFC 7518 3.2; seeds/004 (RAG Modulo) JWT_SECRET_KEY"),
    case("legacy-key-verifies-old-tokens-next-to-a-strong-key",
         # Old tokens carry no kid: they go to the one key without a kid.
         verify(OLD, [LEGACY, NEW], {"alg": "HS256", "typ": "JWT", "claims": CLAIMS}),
         # New tokens name the strong key.
         verify(NEW_TOKEN, [LEGACY, NEW], {"alg": "HS256", "typ": "JWT", "kid": "2026-11", "claims": CLAIMS}),
         # A token naming the new kid but signed with the old secret does not verify.
         verify(sign(SHORT, {"alg": "HS256", "kid": "2026-11", "typ": "JWT"}, CLAIMS), [LEGACY, NEW], error="invalid_signature"),
         # A legacy key may carry a kid of its own.
         verify(sign(SHORT, {"alg": "HS256", "kid": "rag-v1", "typ": "JWT"}, CLAIMS), [dict(LEGACY, kid="rag-v1"), NEW],
                {"alg": "HS256", "typ": "JWT", "kid": "rag-v1", "claims": CLAIMS}),
         verify(OLD, [LEGACY, NEW], error="token_expired", field="exp", now=NOW + 7200),
         source="RFC 7515 4.1.4 (kid); seeds/004 (RAG Modulo)"),
    case("legacy-key-issues-with-the-strong-key",
         step("jwt.issue", {"key": NEW, "config": {"lifetime": 3600}, "claims": {"sub": CLAIMS["sub"]}, "now": NOW}, bind="issued"),
         verify({"$ref": "issued.token"}, [LEGACY, NEW], {"alg": "HS256", "typ": "JWT", "kid": "2026-11",
                                                          "claims": {"sub": CLAIMS["sub"], "iat": NOW, "exp": NOW + 3600}})),
    case("legacy-key-never-signs",
         step("jwt.issue", {"key": LEGACY, "claims": {"sub": "u-1"}, "now": NOW}, error="invalid_key", field="legacy_short_secret"),
         step("jwt.issue", {"key": dict(LEGACY, secret=STRONG), "claims": {"sub": "u-1"}, "now": NOW}, error="invalid_key", field="legacy_short_secret"),
         step("jwt.issue", {"key": LEGACY, "claims": {"sub": "u-1"}, "now": NOW}, error="invalid_key", field="legacy_short_secret"),
         source="RFC 7518 3.2"),
    case("legacy-key-bounds",
         verify(OLD, [dict(LEGACY, secret="")], error="invalid_key", field="keys[0]"),
         verify(OLD, [{"alg": "HS256", "jwk": {"kty": "oct", "k": b64(SHORT.encode())}, "legacy_short_secret": True}],
                error="invalid_key", field="keys[0].legacy_short_secret"),
         verify(OLD, [{"alg": "RS256", "secret": SHORT, "legacy_short_secret": True}], error="invalid_key", field="keys[0]"),
         # Two keys without a kid for one algorithm: a kid-less token is ambiguous.
         verify(OLD, [LEGACY, {"alg": "HS256", "secret": STRONG}], error="invalid_token", field="kid")),
]
write_suite(os.path.join(ROOT, "vectors", "jwt", "legacy_keys.json"),
            {"suite": "jwt", "description": "Verify-only legacy HMAC secrets shorter than RFC 7518 3.2 allows, next to a strong key selected by kid.",
             "cases": legacy})
print("jwt/legacy_keys", len(legacy))


# ------------------------------------------------------------------------------------------
# CORS (Fetch standard, section 3.2 "CORS protocol"); Reeve: "CORS is configured for the
# frontend domain only".
# ------------------------------------------------------------------------------------------
APP = "https://app.reeve.example"
API = "https://api.reeve.example"
REEVE = {"allowed_origins": [APP], "allowed_methods": ["GET", "POST", "PATCH", "DELETE"],
         "allowed_headers": ["Authorization", "Content-Type", "X-Reeve-Services-Token"], "allow_credentials": True, "max_age": 600}
PF_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"


def req(method, path, **headers):
    return {"method": method, "url": API + path, "headers": {k.replace("_", "-"): v for k, v in sorted(headers.items())}}


def preflight(origin, method, headers=None, **extra):
    h = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        h["Access-Control-Request-Headers"] = headers
    h.update(extra)
    return {"method": "OPTIONS", "url": API + "/api/auth/session", "headers": dict(sorted(h.items()))}


def granted(headers):
    return {"type": "preflight", "response": {"status": 204, "headers": dict(sorted(headers.items())), "body": ""}}


def refused(field, detail):
    body = '{"detail":%s,"code":"invalid_request"}' % js(detail)
    return {"type": "refused", "error": {"detail": detail, "code": "invalid_request", "field": field},
            "response": {"status": 400, "headers": {"Content-Type": "application/json", "Vary": PF_VARY}, "body": body}}


def actual(**headers):
    h = {"Vary": "Origin"}
    h.update({k.replace("_", "-"): v for k, v in headers.items()})
    return {"type": "actual", "headers": dict(sorted(h.items()))}


def new(config, **kw):
    return step("cors.new", {"config": config}, {}, **kw)


def decide(request, expect):
    return step("cors.decide", {"request": request}, expect)


REEVE_GRANT = {"Access-Control-Allow-Origin": APP, "Access-Control-Allow-Credentials": "true"}
cors = [
    case("frontend-origin-preflight",
         new(REEVE),
         decide(preflight(APP, "POST", "content-type, authorization"),
                granted(dict(REEVE_GRANT, **{"Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE",
                                             "Access-Control-Allow-Headers": "authorization, content-type, x-reeve-services-token",
                                             "Access-Control-Max-Age": "600", "Vary": PF_VARY}))),
         # No requested headers: no Access-Control-Allow-Headers.
         decide(preflight(APP, "DELETE"),
                granted(dict(REEVE_GRANT, **{"Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE",
                                             "Access-Control-Max-Age": "600", "Vary": PF_VARY}))),
         # Header names are case-insensitive, list members may have spaces.
         decide(preflight(APP, "PATCH", "Content-Type,X-REEVE-SERVICES-TOKEN , authorization"),
                granted(dict(REEVE_GRANT, **{"Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE",
                                             "Access-Control-Allow-Headers": "authorization, content-type, x-reeve-services-token",
                                             "Access-Control-Max-Age": "600", "Vary": PF_VARY}))),
         source="seeds/001 (Reeve) Security: CORS is configured for the frontend domain only; Fetch 3.2.2"),
    case("preflight-refusals",
         new(REEVE),
         decide(preflight("https://evil.example", "POST"), refused("origin", "The origin is not allowed.")),
         # Origins are compared exactly: scheme, host and port.
         decide(preflight("http://app.reeve.example", "POST"), refused("origin", "The origin is not allowed.")),
         decide(preflight(APP + ":8443", "POST"), refused("origin", "The origin is not allowed.")),
         decide(preflight("https://app.reeve.example.evil.example", "POST"), refused("origin", "The origin is not allowed.")),
         decide(preflight("https://evilapp.reeve.example", "POST"), refused("origin", "The origin is not allowed.")),
         decide(preflight("null", "POST"), refused("origin", "The origin is not allowed.")),
         decide(preflight(APP, "PUT"), refused("access-control-request-method", "The method `PUT` is not allowed.")),
         # Methods are case-sensitive (Fetch normalises only DELETE GET HEAD OPTIONS POST PUT).
         decide(preflight(APP, "patch"), refused("access-control-request-method", "The method `patch` is not allowed.")),
         decide(preflight(APP, "POST", "content-type, x-evil"),
                refused("access-control-request-headers", "The request header `x-evil` is not allowed.")),
         source="Fetch 3.2.3 (CORS-preflight fetch)"),
    case("actual-requests",
         new(REEVE),
         decide(req("GET", "/api/me", Origin=APP), actual(**REEVE_GRANT)),
         decide(req("POST", "/api/auth/session", Origin=APP, Authorization="Bearer x"), actual(**REEVE_GRANT)),
         # Another origin: only Vary, so the browser keeps the response from that page.
         decide(req("GET", "/api/me", Origin="https://evil.example"), actual()),
         decide(req("GET", "/api/me", Origin="null"), actual()),
         # No Origin (same-origin GET, curl, a server): nothing to grant.
         decide(req("GET", "/api/me"), actual()),
         # OPTIONS without Access-Control-Request-Method is not a preflight.
         decide(req("OPTIONS", "/api/me", Origin=APP), actual(**REEVE_GRANT)),
         # A header name in any case.
         decide(req("GET", "/api/me", origin=APP), actual(**REEVE_GRANT)),
         source="Fetch 3.2.4 (HTTP responses), 3.2.5 (Vary: Origin)"),
    case("defaults-and-exposed-headers",
         new({"allowed_origins": ["http://localhost:3000"], "exposed_headers": ["X-Request-Id"], "max_age": None}),
         decide(preflight("http://localhost:3000", "POST", "Content-Type"),
                granted({"Access-Control-Allow-Origin": "http://localhost:3000", "Access-Control-Allow-Methods": "GET, HEAD, POST",
                         "Access-Control-Allow-Headers": "authorization, content-type", "Vary": PF_VARY})),
         decide(preflight("http://localhost:3000", "DELETE"),
                refused("access-control-request-method", "The method `DELETE` is not allowed.")),
         decide(req("GET", "/x", Origin="http://localhost:3000"),
                actual(**{"Access-Control-Allow-Origin": "http://localhost:3000", "Access-Control-Expose-Headers": "X-Request-Id"}))),
    case("any-origin-without-credentials",
         new({"allowed_origins": ["*"]}),
         decide(preflight("https://anyone.example", "GET", "authorization"),
                granted({"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, POST",
                         "Access-Control-Allow-Headers": "authorization, content-type", "Access-Control-Max-Age": "600", "Vary": PF_VARY})),
         decide(req("GET", "/x", Origin="https://anyone.example"), actual(**{"Access-Control-Allow-Origin": "*"})),
         decide(preflight("null", "GET"), refused("origin", "The origin is not allowed."))),
    case("no-origins-configured",
         new({}),
         decide(preflight(APP, "GET"), refused("origin", "The origin is not allowed.")),
         decide(req("GET", "/x", Origin=APP), actual())),
    case("config-refusals",
         *[step("cors.new", {"config": cfg}, error="invalid_config", field=field) for cfg, field in [
             # The Fetch standard forbids `*` with credentials; reflecting any origin would be worse.
             ({"allowed_origins": ["*"], "allow_credentials": True}, "allowed_origins"),
             ({"allowed_origins": ["*", APP]}, "allowed_origins"),
             ({"allowed_origins": [APP + "/"]}, "allowed_origins"),
             ({"allowed_origins": ["https://App.Reeve.example"]}, "allowed_origins"),
             ({"allowed_origins": [APP + "/app"]}, "allowed_origins"),
             ({"allowed_origins": ["https://app.reeve.example:443"]}, "allowed_origins"),
             ({"allowed_origins": ["null"]}, "allowed_origins"),
             ({"allowed_origins": ["app.reeve.example"]}, "allowed_origins"),
             ({"allowed_origins": ["ftp://app.reeve.example"]}, "allowed_origins"),
             ({"allowed_methods": ["*"]}, "allowed_methods"),
             ({"allowed_methods": ["GET, POST"]}, "allowed_methods"),
             ({"allowed_headers": ["*"]}, "allowed_headers"),
             ({"allowed_headers": [""]}, "allowed_headers"),
             ({"exposed_headers": ["X Y"]}, "exposed_headers"),
             ({"max_age": 86401}, "max_age"),
         ]],
         source="Fetch 3.2.5 (credentials and `*`)"),
]

write_suite(os.path.join(ROOT, "vectors", "cors", "cors.json"),
            {"suite": "cors", "description": "CORS decisions: preflights, actual requests, exact origins, credentials, Vary.",
             "cases": cors})
print("cors/cors", len(cors))
