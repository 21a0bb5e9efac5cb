#!/usr/bin/env python3
"""Writes conformance/vectors/{jwt,oauth}/security_hygiene.json: the one-call entry points every
binding uses (a verifier from keys or a JWKS, the OAuth error response, the PKCE method name),
so that each binding makes the same decision for the same input.

Expectations are written by hand from RFC 6749 5.1-5.2 (token-endpoint error responses:
status, `Cache-Control: no-store`, JSON body), RFC 8628 3.5 (`expired_token`, `slow_down`), RFC
7636 4.2-4.3 (`S256` and `plain`, case-sensitive) and the core's documented rules
(`Verifier::from_spec`, `oauth::error_code`). Run from any directory:
`python3 conformance/tools/gen_sec_hygiene.py`."""
import json
import os

from vectorlib import NOW, ROOT, js, step, write_suite

SECRET = "0123456789abcdef0123456789abcdef"
KEY = {"alg": "HS256", "secret": SECRET}
JWKS = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}
NO_STORE = {"Cache-Control": "no-store", "Content-Type": "application/json"}

AREAS = {"jwt": [], "oauth": []}


def case(area, name, *steps, source=None):
    c = {"name": name, "steps": list(steps)}
    if source:
        c["source"] = source
    AREAS[area].append(c)


def refuse(op, input, code, status, detail, field):
    return {"op": op, "input": input, "expect_error": {"code": code, "status": status, "detail": detail, "field": field}}


# ------------------------------------------------------------------------------------------
# A verifier is built from exactly one key source
# ------------------------------------------------------------------------------------------
def verify(**kw):
    return dict({"config": {"algorithms": ["HS256", "EdDSA"]}, "token": "a.b.c", "now": NOW}, **kw)


case("jwt", "verifier-spec-needs-keys-or-jwks",
     refuse("jwt.verify", verify(), "invalid_config", 500, "A verifier needs `keys` or `jwks`.", "keys"))
case("jwt", "verifier-spec-keys-and-jwks-together-are-ambiguous",
     refuse("jwt.verify", verify(keys=[KEY], jwks=JWKS), "invalid_config", 500, "Give `keys` or `jwks`, not both.", "keys"))
case("jwt", "verifier-spec-default-alg-only-with-jwks",
     refuse("jwt.verify", verify(keys=[KEY], default_alg="EdDSA"), "invalid_config", 500,
            "`default_alg` applies to `jwks` only.", "default_alg"))

# ------------------------------------------------------------------------------------------
# The token endpoint's error response: one rendering for every binding
# ------------------------------------------------------------------------------------------


def oauth_response(status, error, description):
    headers = dict(NO_STORE)
    if status == 401:
        # RFC 7235 3.1: a 401 carries a challenge; RFC 6749 5.2: the client's scheme (Basic).
        headers["WWW-Authenticate"] = 'Basic realm="token", charset="UTF-8"'
    return {"status": status, "headers": headers, "body": js({"error": error, "error_description": description})}


for name, code, detail, status, wire, description in [
    ("invalid-grant-with-detail", "invalid_grant", "Unknown code.", 400, "invalid_grant", "Unknown code."),
    # RFC 6749 5.2: error_description is %x20-21 / %x23-5B / %x5D-7E; anything else becomes "?".
    ("description-charset", "invalid_grant", 'Bad "code" \u00a7 3 \\ caf\u00e9\ttab', 400, "invalid_grant", "Bad ?code? ? 3 ? caf??tab"),
    ("invalid-client-is-401", "invalid_client", None, 401, "invalid_client", "Client authentication failed."),
    ("expired-token-keeps-its-rfc8628-name", "expired_token", None, 400, "expired_token", "The device code has expired."),
    ("slow-down", "slow_down", None, 400, "slow_down", "Polling too fast; slow down."),
    # Catalog codes that are not registered OAuth codes never reach the wire as themselves.
    ("token-expired-is-invalid-request", "token_expired", None, 400, "invalid_request", "Token has expired."),
    ("internal-is-server-error-500", "internal", None, 500, "server_error", "Internal error."),
    ("upstream-server-error-is-500", "server_error", None, 500, "server_error", "The server failed to handle the request."),
]:
    inp = {"code": code}
    if detail is not None:
        inp["detail"] = detail
    case("oauth", "error-response-" + name,
         step("oauth.error_response", inp, oauth_response(status, wire, description)),
         step("device.oauth_error", inp, {"status": status, "body": {"error": wire, "error_description": description}}),
         source="RFC 6749 5.2")

# ------------------------------------------------------------------------------------------
# PKCE method names are exact (RFC 7636 4.3: "S256" / "plain")
# ------------------------------------------------------------------------------------------
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
for name, method in [("lowercase-s256", "s256"), ("s512", "S512"), ("empty", ""), ("quote", 'S"256')]:
    shown = method.replace('"', "?")
    case("oauth", "pkce-method-unknown-" + name,
         refuse("oauth.pkce", {"verifier": VERIFIER, "method": method}, "invalid_input", 400,
                'Unknown PKCE method "%s"; expected "S256" or "plain".' % shown, "method"),
         source="RFC 7636 4.3")
case("oauth", "pkce-method-s256-named",
     step("oauth.pkce", {"verifier": VERIFIER, "method": "S256"},
          {"verifier": VERIFIER, "challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "method": "S256"}),
     source="RFC 7636 Appendix B")

for area, cases in AREAS.items():
    write_suite(os.path.join(ROOT, "vectors", area, "security_hygiene.json"),
                {"suite": area, "description": "One decision for every binding: verifier key sources, OAuth error responses, PKCE method names.",
                 "cases": cases})
    print(area + "/security_hygiene", len(cases))
