#!/usr/bin/env python3
"""Writes the vectors for the behaviour the seed systems need from the core:
conformance/vectors/jwt/legacy_keys.json (verify-only legacy HS256 secrets, RFC 7518 3.2).

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
SHORT_REFUSED = ("An HS256 secret must be at least 32 bytes (RFC 7518 §3.2); this one has 20. " + GEN % 32 +
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
