#!/usr/bin/env python3
"""Writes conformance/vectors/mcp_server/: the MCP resource server.

* metadata.json: RFC 9728 Protected Resource Metadata documents (what is refused, §2 and the
  MCP spec), the well-known URL for a resource with and without a path (§3.1: the well-known
  segment inserted between host and path, a lone "/" path dropped, the query kept), the route
  (200 JSON for GET and HEAD, 405 otherwise, other paths not answered), and the audience rule
  (RFC 3986 §6.2.2/§6.2.3 syntax normalisation only: case-insensitive scheme and host, an
  empty path is "/", a default port is no port; otherwise exact).
* gate.json: the gate in protected-resource mode: the `WWW-Authenticate` challenges of the
  MCP authorization spec ("Protected Resource Metadata Discovery", "Scope Challenge
  Handling", "Error Handling"; RFC 6750 §3 and §3.1; RFC 9728 §5.1), mandatory audience (RFC
  8707 §2, "Token Handling") incl. array `aud`, missing `aud`, another resource and a trailing
  slash, and the issuer allow-list.

Expectations are written by hand from those texts and the gate's documented challenge format
(core/src/gate/ module docs, "Protected-resource mode"); HS256 tokens are signed here with the
standard library. Run from any directory: `python3 conformance/tools/gen_mcp_server_vectors.py`.
"""
import hashlib
import hmac
import json
import os

from vectorlib import NOW, ROOT, b64, err, js, step, write_suite

SECRET = "0123456789abcdef0123456789abcdef"
RESOURCE = "https://mcp.example.com/mcp"
AS = "https://auth.example.com"
PRM = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
PRM_PATH = "/.well-known/oauth-protected-resource/mcp"
JSON_CT = "application/json"


def body(code, detail):
    """The `{"detail", "code"}` error body, in that member order, compact."""
    return json.dumps({"detail": detail, "code": code}, separators=(",", ":"))


def collector():
    cases = []

    def case(name, *steps, source=None):
        c = {"name": name, "steps": list(steps)}
        if source:
            c["source"] = source
        cases.append(c)

    return cases, case


# ----------------------------------------------------------------------------- metadata

META, meta_case = collector()


def url_step(resource, url=None, path=None, error=None, field=None):
    return step("mcp_server.metadata_url", {"resource": resource},
                expect=None if error else {"url": url, "path": path}, error=error, field=field)


meta_case("well-known-url-root-resource",
          url_step("https://mcp.example.com", "https://mcp.example.com/.well-known/oauth-protected-resource",
                   "/.well-known/oauth-protected-resource"),
          url_step("https://mcp.example.com/", "https://mcp.example.com/.well-known/oauth-protected-resource",
                   "/.well-known/oauth-protected-resource"),
          source="RFC 9728 §3.1 (a terminating slash after the host is removed)")
meta_case("well-known-url-path-inserted",
          url_step(RESOURCE, PRM, PRM_PATH),
          url_step("https://mcp.example.com/server/mcp",
                   "https://mcp.example.com/.well-known/oauth-protected-resource/server/mcp",
                   "/.well-known/oauth-protected-resource/server/mcp"),
          url_step("https://mcp.example.com:8443/a/b/",
                   "https://mcp.example.com:8443/.well-known/oauth-protected-resource/a/b/",
                   "/.well-known/oauth-protected-resource/a/b/"),
          url_step("https://mcp.example.com/mcp?tenant=7",
                   "https://mcp.example.com/.well-known/oauth-protected-resource/mcp?tenant=7", PRM_PATH),
          url_step("http://127.0.0.1:8000/mcp", "http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp",
                   PRM_PATH),
          source="RFC 9728 §3.1; MCP authorization, Canonical Server URI")
meta_case("well-known-url-refuses-bad-resources",
          url_step("https://mcp.example.com/mcp#frag", error="invalid_config", field="resource"),
          url_step("mcp.example.com", error="invalid_config", field="resource"),
          url_step("http://mcp.example.com/mcp", error="invalid_config", field="resource"),
          url_step("https://user@mcp.example.com/mcp", error="invalid_config", field="resource"),
          url_step("ftp://mcp.example.com/mcp", error="invalid_config", field="resource"),
          url_step("", error="invalid_config", field="resource"),
          source="RFC 8707 §2 (absolute URI, no fragment); RFC 9728 §1.2 (https)")


def doc(**kw):
    d = {"resource": RESOURCE, "authorization_servers": [AS]}
    d.update(kw)
    return d


def check_step(metadata, expect=None, error=None, field=None):
    return step("mcp_server.check_metadata", {"metadata": metadata},
                expect=None if error else (expect or metadata), error=error, field=field)


FULL = doc(scopes_supported=["files:read", "files:write"], bearer_methods_supported=["header"],
           resource_name="Files MCP", resource_documentation="https://docs.example.com/mcp",
           dpop_signing_alg_values_supported=["ES256", "EdDSA"], dpop_bound_access_tokens_required=False)
meta_case("metadata-minimal-and-full", check_step(doc()), check_step(FULL),
          check_step(doc(scopes_supported=None, resource_name=None), expect=doc()),
          source="RFC 9728 §2; RFC 9449 §5.1, §5.2")
meta_case("metadata-refusals",
          check_step(doc(resource="https://mcp.example.com/mcp#x"), error="invalid_config", field="resource"),
          check_step(doc(authorization_servers=[]), error="invalid_config", field="authorization_servers"),
          check_step(doc(authorization_servers=[AS, "http://auth.example.com"]), error="invalid_config",
                     field="authorization_servers[1]"),
          check_step(doc(authorization_servers=[AS + "/?tenant=1"]), error="invalid_config",
                     field="authorization_servers[0]"),
          check_step(doc(authorization_servers=[AS, AS]), error="invalid_config", field="authorization_servers[1]"),
          check_step(doc(scopes_supported=["files:read", "offline_access"]), error="invalid_config",
                     field="scopes_supported[1]"),
          check_step(doc(scopes_supported=["files read"]), error="invalid_config", field="scopes_supported[0]"),
          check_step(doc(scopes_supported=["a", "a"]), error="invalid_config", field="scopes_supported[1]"),
          check_step(doc(bearer_methods_supported=["header", "cookie"]), error="invalid_config",
                     field="bearer_methods_supported[1]"),
          check_step(doc(resource_documentation="https://docs.example.com/#top"), error="invalid_config",
                     field="resource_documentation"),
          check_step(doc(dpop_signing_alg_values_supported=[]), error="invalid_config",
                     field="dpop_signing_alg_values_supported"),
          check_step(doc(dpop_signing_alg_values_supported=["none"]), error="invalid_config",
                     field="dpop_signing_alg_values_supported[0]"),
          check_step(doc(resource_name=""), error="invalid_config", field="resource_name"),
          source="RFC 9728 §2; RFC 8414 §2 (issuer: https, no query or fragment); MCP authorization, Refresh "
                 "Tokens (offline_access is not a resource scope)")


def serve_step(method, url, response):
    return step("mcp_server.serve_metadata", {"metadata": FULL, "request": {"method": method, "url": url, "headers": {}}},
                expect={"response": response})


BODY = json.dumps(FULL, separators=(",", ":"))
OK_HEADERS = {"Content-Type": JSON_CT, "Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"}
meta_case("metadata-route",
          serve_step("GET", PRM_PATH, {"status": 200, "headers": OK_HEADERS, "body": BODY}),
          serve_step("GET", "https://mcp.example.com" + PRM_PATH + "?x=1", {"status": 200, "headers": OK_HEADERS, "body": BODY}),
          serve_step("HEAD", PRM_PATH, {"status": 200, "headers": OK_HEADERS, "body": ""}),
          serve_step("POST", PRM_PATH, {"status": 405, "headers": {"Content-Type": JSON_CT, "Allow": "GET, HEAD"},
                                        "body": body("method_not_allowed", "The metadata is read with GET.")}),
          serve_step("GET", "/.well-known/oauth-protected-resource", None),
          serve_step("GET", PRM_PATH + "/", None),
          serve_step("GET", "/mcp", None),
          source="RFC 9728 §3.1, §3.2 (200, application/json); RFC 9110 §15.5.6 (405 with Allow)")


def match_step(aud, resource, matches):
    return step("mcp_server.resource_matches", {"aud": aud, "resource": resource}, expect={"matches": matches})


meta_case("audience-rule",
          match_step(RESOURCE, RESOURCE, True),
          match_step("HTTPS://MCP.EXAMPLE.COM/mcp", RESOURCE, True),
          match_step("https://mcp.example.com:443/mcp", RESOURCE, True),
          match_step("https://mcp.example.com/", "https://mcp.example.com", True),
          match_step("https://mcp.example.com", "https://mcp.example.com/", True),
          match_step("https://mcp.example.com/mcp/", RESOURCE, False),
          match_step("https://mcp.example.com/MCP", RESOURCE, False),
          match_step("https://mcp.example.com/mcp2", RESOURCE, False),
          match_step("https://mcp.example.com/mcp/admin", RESOURCE, False),
          match_step("https://mcp.example.com", RESOURCE, False),
          match_step("http://mcp.example.com/mcp", RESOURCE, False),
          match_step("https://mcp.example.com:8443/mcp", RESOURCE, False),
          match_step("https://mcp.example.com/mcp?x=1", RESOURCE, False),
          match_step("https://mcp.example.com/mcp#f", RESOURCE, False),
          match_step("https://mcp.example.com.evil.example/mcp", RESOURCE, False),
          match_step("", RESOURCE, False),
          source="RFC 3986 §6.2.2.1, §6.2.3; RFC 8707 §2; MCP authorization, Canonical Server URI")

# ----------------------------------------------------------------------------- gate

GATE, gate_case = collector()
JWT = {"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": SECRET}]}
ROUTES = [
    {"method": "POST", "path": "/mcp", "access": "user", "scopes": ["files:read", "files:write"]},
    {"method": "GET", "path": "/mcp", "access": "user"},
]


def config(**protected):
    pr = {"resource": RESOURCE, "issuers": [AS]}
    pr.update(protected)
    return {"jwt": JWT, "credentials": ["jwt"], "routes": ROUTES, "protected_resource": pr}


def hs256(claims):
    si = b64(js({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(js(claims).encode())
    return si + "." + b64(hmac.new(SECRET.encode(), si.encode(), hashlib.sha256).digest())


def token(**claims):
    c = {"sub": "user_1", "iss": AS, "aud": RESOURCE, "iat": NOW, "exp": NOW + 3600}
    c.update(claims)
    return hs256({k: v for k, v in c.items() if v is not None})


def req(method, authorization=None):
    headers = {} if authorization is None else {"Authorization": authorization}
    return {"method": method, "url": "https://mcp.example.com/mcp", "headers": headers}


def challenge(error=None, description=None, scope=None, metadata=PRM):
    out = 'Bearer realm="api"'
    if error:
        out += ', error="%s", error_description="%s"' % (error, description)
    if scope:
        out += ', scope="%s"' % scope
    return out + ', resource_metadata="%s"' % metadata


def deny(code, status, detail, field=None, www=None):
    headers = {"Content-Type": JSON_CT}
    if www:
        headers["WWW-Authenticate"] = www
    return {"type": "deny", "error": err(code, detail, field),
            "response": {"status": status, "headers": headers, "body": body(code, detail)}}


def allow(scopes=None):
    c = {"credential": "jwt", "user_id": "user_1", "is_guest": False}
    if scopes:
        c["scopes"] = scopes
    return {"type": "allow", "context": c}


def auth(name, request, expect, cfg=None, source=None):
    gate_case(name, step("gate.new", {"config": cfg or config()}, {}),
              step("gate.authenticate", {"request": request, "now": NOW}, expect), source=source)


BOTH = "files:read files:write"
SIGN_IN = "Sign-in required."
auth("no-token-401-with-resource-metadata-and-all-route-scopes", req("POST"),
     deny("not_authenticated", 401, SIGN_IN, www=challenge(scope=BOTH)),
     source="MCP authorization, Protected Resource Metadata Discovery and Scope Selection; RFC 6750 §3 (no error "
            "code without credentials); RFC 9728 §5.1")
auth("no-token-401-route-without-scopes", req("GET"), deny("not_authenticated", 401, SIGN_IN, www=challenge()),
     source="RFC 9728 §5.1")
auth("configured-metadata-url", req("GET"),
     deny("not_authenticated", 401, SIGN_IN, www=challenge(metadata="https://meta.example.com/prm")),
     cfg=config(resource_metadata="https://meta.example.com/prm"), source="RFC 9728 §5.1")
auth("token-for-the-resource-allowed", req("POST", "Bearer " + token(scope=BOTH)), allow(["files:read", "files:write"]),
     source="RFC 8707 §2; MCP authorization, Token Handling")
auth("array-aud-naming-the-resource-allowed", req("GET", "Bearer " + token(aud=["https://other.example", RESOURCE])),
     allow(), source="RFC 7519 §4.1.3 (aud array); RFC 8707 §2")
auth("aud-with-upper-case-host-allowed", req("GET", "Bearer " + token(aud="HTTPS://MCP.EXAMPLE.COM/mcp")), allow(),
     source="MCP authorization, Canonical Server URI (accept upper-case scheme and host)")
STEP_UP = "The token lacks the `files:write` scope."
auth("insufficient-scope-403-names-every-scope-the-route-needs", req("POST", "Bearer " + token(scope="files:read")),
     deny("insufficient_scope", 403, STEP_UP, "scope",
          www=challenge("insufficient_scope", STEP_UP, scope=BOTH)),
     source="MCP authorization, Runtime Insufficient Scope Errors (all scopes in a single challenge); RFC 6750 §3.1")
EXPIRED = "Token has expired."
auth("expired-token-401-invalid-token", req("GET", "Bearer " + token(iat=NOW - 7200, exp=NOW - 3600)),
     deny("token_expired", 401, EXPIRED, "exp", www=challenge("invalid_token", EXPIRED)),
     source="MCP authorization, Token Handling (invalid or expired tokens: 401); RFC 6750 §3.1")
BAD_SIG = "Token signature is invalid."
auth("bad-signature-401-invalid-token", req("GET", "Bearer " + token()[:-4] + "AAAA"),
     deny("invalid_signature", 401, BAD_SIG, www=challenge("invalid_token", BAD_SIG)), source="RFC 6750 §3.1")
NO_AUD = "Token has no `aud` claim."
WRONG_AUD = "Claim `aud` does not name this resource."
for name, aud in [
    ("missing-aud-refused", None),
    ("trailing-slash-aud-is-another-resource", RESOURCE + "/"),
    ("another-resource-aud-refused", "https://other.example.com/mcp"),
    ("prefix-of-path-is-not-the-resource", "https://mcp.example.com/mcp2"),
    ("origin-only-aud-is-not-the-path-resource", "https://mcp.example.com"),
    ("array-aud-without-the-resource-refused", ["https://a.example.com", "https://b.example.com"]),
]:
    detail = NO_AUD if aud is None else WRONG_AUD
    auth(name, req("GET", "Bearer " + token(aud=aud)),
         deny("invalid_claims", 401, detail, "aud", www=challenge("invalid_token", detail)),
         source="RFC 8707 §2; MCP authorization, Token Handling and Canonical Server URI; MCP security "
                "considerations, Token Audience Binding and Validation")
NO_ISS = "Token has no `iss` claim."
BAD_ISS = "Claim `iss` is not an accepted issuer."
for name, iss in [
    ("missing-iss-refused", None),
    ("issuer-not-on-the-allow-list-refused", "https://evil.example.com"),
    ("issuer-compared-exactly", AS + "/"),
]:
    detail = NO_ISS if iss is None else BAD_ISS
    auth(name, req("GET", "Bearer " + token(iss=iss)),
         deny("invalid_claims", 401, detail, "iss", www=challenge("invalid_token", detail)),
         source="RFC 8414 §3.3 (issuer identifiers compared exactly); MCP authorization, Token Handling")
auth("second-issuer-on-the-allow-list-allowed", req("GET", "Bearer " + token(iss="https://login.example.org")), allow(),
     cfg=config(issuers=[AS, "https://login.example.org"]))
MALFORMED = "The Authorization header must be `Bearer <token>`."
for name, value in [
    ("malformed-authorization-bearer-without-token-400", "Bearer"),
    ("malformed-authorization-two-tokens-400", "Bearer abc def"),
    ("malformed-authorization-not-b64token-400", 'Bearer ab"c'),
    ("malformed-authorization-other-scheme-400", "Basic dXNlcjpwYXNz"),
]:
    auth(name, req("GET", value),
         deny("invalid_request", 400, MALFORMED, "authorization", www=challenge("invalid_request", MALFORMED)),
         source="RFC 6750 §3.1 (invalid_request: malformed request, 400); MCP authorization, Error Handling")


def refused(name, field, **cfg):
    c = config()
    c["protected_resource"].update(cfg.pop("protected", {}))
    if "jwt_config" in cfg:
        c["jwt"] = dict(JWT, config=cfg.pop("jwt_config"))
    gate_case("config-invalid-" + name, step("gate.new", {"config": c}, error="invalid_config", field=field))


refused("resource-with-fragment", "protected_resource.resource", protected={"resource": RESOURCE + "#f"})
refused("resource-plain-http", "protected_resource.resource", protected={"resource": "http://mcp.example.com/mcp"})
refused("no-issuers", "protected_resource.issuers", protected={"issuers": []})
refused("issuer-not-a-url", "protected_resource.issuers[0]", protected={"issuers": ["auth.example.com"]})
refused("metadata-url-with-fragment", "protected_resource.resource_metadata",
        protected={"resource_metadata": "https://mcp.example.com/prm#x"})
refused("jwt-audience-set-too", "jwt.config.audience", jwt_config={"algorithms": ["HS256"], "audience": RESOURCE})
refused("jwt-issuer-set-too", "jwt.config.issuer", jwt_config={"algorithms": ["HS256"], "issuer": AS})

write_suite(os.path.join(ROOT, "vectors", "mcp_server", "metadata.json"), {
    "suite": "mcp_server",
    "description": "RFC 9728 Protected Resource Metadata: documents, well-known URLs, the route, the audience rule.",
    "cases": META,
})
write_suite(os.path.join(ROOT, "vectors", "mcp_server", "gate.json"), {
    "suite": "mcp_server",
    "description": "The gate as an MCP resource server: challenges with resource_metadata and scope, mandatory "
                   "audience, the issuer allow-list.",
    "cases": GATE,
})
print("mcp_server", len(META), len(GATE))
