#!/usr/bin/env python3
"""Writes conformance/vectors/{oauth,broker}/*.json: PKCE, the authorization-code flow, and the
credential broker.

Expectations are written by hand from RFC 7636 (Appendix B), RFC 6749 (4.1, 5.2, 6), RFC 9700
(4.7, 4.8) and the broker rules in conformance/README.md. S256 challenges are computed here
with hashlib, independently of the core."""
import hashlib, json

from vectorlib import NOW, Suites, b64, err, form, query, step


def s256(v):
    return b64(hashlib.sha256(v.encode()).digest())


SUITES = Suites()
case = SUITES.case


# ------------------------------------------------------------------------------------------
# PKCE
# ------------------------------------------------------------------------------------------
B_OCTETS = bytes([116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240,
                  91, 88, 5, 88, 83, 132, 141, 121])
B_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
B_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
assert b64(B_OCTETS) == B_VERIFIER and s256(B_VERIFIER) == B_CHALLENGE
case("oauth", "pkce-rfc7636-appendix-b-from-octets", step("oauth.pkce", {"entropy": B_OCTETS.hex()},
     {"verifier": B_VERIFIER, "challenge": B_CHALLENGE, "method": "S256"}), source="RFC 7636 Appendix B")
case("oauth", "pkce-rfc7636-appendix-b-from-verifier", step("oauth.pkce", {"verifier": B_VERIFIER},
     {"verifier": B_VERIFIER, "challenge": B_CHALLENGE, "method": "S256"}), source="RFC 7636 Appendix B")
V96 = bytes(range(96))
case("oauth", "pkce-128-character-verifier", step("oauth.pkce", {"entropy": V96.hex(), "bytes": 96},
     {"verifier": b64(V96), "challenge": s256(b64(V96)), "method": "S256"}), source="RFC 7636 4.1")
case("oauth", "pkce-too-few-bytes", step("oauth.pkce", {"entropy": "00" * 31, "bytes": 31}, error="invalid_config", field="verifier_bytes"))
case("oauth", "pkce-plain-refused-by-default", step("oauth.pkce", {"verifier": B_VERIFIER, "method": "plain"}, error="invalid_request", field="code_challenge_method"),
     source="RFC 9700 2.1.1")
case("oauth", "pkce-plain-when-allowed", step("oauth.pkce", {"verifier": B_VERIFIER, "method": "plain", "allow_plain": True},
     {"verifier": B_VERIFIER, "challenge": B_VERIFIER, "method": "plain"}), source="RFC 7636 4.2")
for name, v in [("short", "a" * 42), ("long", "a" * 129), ("bad-char", "a" * 42 + "+")]:
    case("oauth", "pkce-verifier-invalid-" + name, step("oauth.pkce", {"verifier": v}, error="invalid_input", field="code_verifier"), source="RFC 7636 4.1")
case("oauth", "pkce-verifier-bounds", step("oauth.pkce", {"verifier": "a" * 43}, {"verifier": "a" * 43, "challenge": s256("a" * 43), "method": "S256"}),
     step("oauth.pkce", {"verifier": "~" * 128}, {"verifier": "~" * 128, "challenge": s256("~" * 128), "method": "S256"}))
CH = {"challenge": B_CHALLENGE, "method": "S256"}
case("oauth", "check-pkce-match", step("oauth.check_pkce", {"challenge": CH, "verifier": B_VERIFIER}, {}), source="RFC 7636 4.6")
case("oauth", "check-pkce-mismatch", step("oauth.check_pkce", {"challenge": CH, "verifier": "a" * 43}, error="invalid_grant", field="code_verifier"), source="RFC 7636 4.6")
case("oauth", "check-pkce-missing-verifier", step("oauth.check_pkce", {"challenge": CH}, error="invalid_grant", field="code_verifier"))
case("oauth", "check-pkce-downgrade-refused", step("oauth.check_pkce", {"verifier": B_VERIFIER}, error="invalid_grant", field="code_verifier"), source="RFC 9700 4.8.2")
case("oauth", "check-pkce-neither", step("oauth.check_pkce", {}, {}))
case("oauth", "check-pkce-plain", step("oauth.check_pkce", {"challenge": {"challenge": B_VERIFIER, "method": "plain"}, "verifier": B_VERIFIER}, error="invalid_request", field="code_challenge_method"),
     step("oauth.check_pkce", {"challenge": {"challenge": B_VERIFIER, "method": "plain"}, "verifier": B_VERIFIER, "allow_plain": True}, {}))
case("oauth", "check-pkce-malformed-verifier", step("oauth.check_pkce", {"challenge": CH, "verifier": "short"}, error="invalid_grant", field="code_verifier"))

# ------------------------------------------------------------------------------------------
# Authorization code flow
# ------------------------------------------------------------------------------------------
AUTHZ = "https://auth.example.com/authorize"
TOKEN = "https://auth.example.com/token"
REDIRECT = "http://127.0.0.1:8765/callback"
CFG = {"authorization_endpoint": AUTHZ, "token_endpoint": TOKEN, "client_id": "cli", "redirect_uri": REDIRECT, "scopes": ["read", "write"]}
STATE_B = bytes(range(32))
VER_B = bytes(range(32, 64))
STATE = b64(STATE_B)
VERIFIER = b64(VER_B)


def url(cfg=CFG, state=STATE, verifier=VERIFIER, extra=()):
    pairs = [("response_type", "code"), ("client_id", cfg["client_id"]), ("redirect_uri", cfg["redirect_uri"])]
    if cfg.get("scopes"):
        pairs.append(("scope", " ".join(cfg["scopes"])))
    pairs += [("state", state), ("code_challenge", s256(verifier)), ("code_challenge_method", "S256")] + list(extra)
    base = cfg["authorization_endpoint"]
    return base + ("&" if "?" in base else "?") + query(pairs)


def record(used=False, ttl=600):
    return {"state": STATE, "code_verifier": VERIFIER, "redirect_uri": REDIRECT, "created_at": NOW, "expires_at": NOW + ttl, "used": used}


def start(cfg=CFG, extra=(), ttl=600):
    return [step("oauth.new", {"config": cfg}, {}),
            step("oauth.start", {"now": NOW, "entropy": (STATE_B + VER_B).hex()}, {"url": url(cfg, extra=extra), "record": record(ttl=ttl)}, bind="s")]


def token_request(code="c-1", secret=None):
    pairs = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT), ("client_id", "cli"), ("code_verifier", VERIFIER)]
    if secret:
        pairs.append(("client_secret", secret))
    return {"method": "POST", "url": TOKEN, "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
            "body": form(pairs)}


def cb(q, now=NOW + 10, expect=None, error=None, field=None, rec=None):
    return step("oauth.callback", {"record": rec or {"$ref": "s.record"}, "callback": REDIRECT + "?" + q, "now": now}, expect, error, field)


case("oauth", "auth-code-happy-path", *start(),
     cb("code=c-1&state=" + STATE, expect={"request": token_request(), "record": record(used=True)}),
     step("oauth.token_response", {"response": {"status": 200, "headers": {}, "body": json.dumps({"access_token": "at", "refresh_token": "rt", "token_type": "Bearer", "expires_in": 3600, "scope": "read write"})}, "now": NOW + 11},
          {"access_token": "at", "refresh_token": "rt", "token_type": "Bearer", "scope": "read write", "expires_at": NOW + 11 + 3600}),
     source="RFC 6749 4.1, RFC 7636 4.3")
case("oauth", "auth-code-confidential-client-and-extra-params",
     *start(dict(CFG, client_secret="s3cret", extra_params=[["access_type", "offline"], ["prompt", "consent"]], scopes=[]),
            extra=[("access_type", "offline"), ("prompt", "consent")]),
     cb("state=" + STATE + "&code=c%2F2", expect={"request": token_request("c/2", "s3cret"), "record": record(used=True)}))
case("oauth", "auth-code-endpoint-with-query", step("oauth.new", {"config": dict(CFG, authorization_endpoint=AUTHZ + "?tenant=t1")}, {}),
     step("oauth.start", {"now": NOW, "entropy": (STATE_B + VER_B).hex()}, {"url": url(dict(CFG, authorization_endpoint=AUTHZ + "?tenant=t1")), "record": record()}))
case("oauth", "callback-state-mismatch", *start(), cb("code=c-1&state=other", error="state_mismatch", field="state"), source="RFC 6749 10.12")
case("oauth", "callback-state-missing", *start(), cb("code=c-1", error="state_mismatch", field="state"), source="RFC 6749 10.12")
case("oauth", "callback-error-without-state-is-csrf", *start(), cb("error=access_denied", error="state_mismatch", field="state"))
case("oauth", "callback-state-at-ttl-is-stale", *start(),
     cb("code=c-1&state=" + STATE, now=NOW + 599, expect={"request": token_request(), "record": record(used=True)}),
     cb("code=c-1&state=" + STATE, now=NOW + 600, error="state_expired", field="state"))
case("oauth", "callback-custom-ttl", *start(dict(CFG, state_ttl=60), ttl=60), cb("code=c-1&state=" + STATE, now=NOW + 60, error="state_expired", field="state"))
case("oauth", "callback-state-single-use", *start(),
     cb("code=c-1&state=" + STATE, expect={"request": token_request(), "record": record(used=True)}),
     cb("code=c-1&state=" + STATE, rec=record(used=True), error="state_expired", field="state"), source="RFC 9700 4.7")
case("oauth", "callback-access-denied", *start(), cb("error=access_denied&error_description=The+user+said+no&state=" + STATE, error="access_denied", field="error"), source="RFC 6749 4.1.2.1")
case("oauth", "callback-invalid-scope", *start(), cb("error=invalid_scope&state=" + STATE, error="invalid_scope", field="error"), source="RFC 6749 4.1.2.1")
case("oauth", "callback-unknown-error-is-denied", *start(), cb("error=temporarily_broken&state=" + STATE, error="access_denied", field="error"))
case("oauth", "callback-missing-code", *start(), cb("state=" + STATE, error="invalid_request", field="code"))
case("oauth", "callback-empty-code", *start(), cb("code=&state=" + STATE, error="invalid_request", field="code"))
case("oauth", "callback-repeated-code", *start(), cb("code=a&code=b&state=" + STATE, error="invalid_request", field="code"))
case("oauth", "callback-bad-escape", *start(), cb("code=%zz&state=" + STATE, error="invalid_request", field="callback"))
case("oauth", "token-response-error", *start(),
     step("oauth.token_response", {"response": {"status": 400, "headers": {}, "body": '{"error":"invalid_grant","error_description":"Code expired."}'}, "now": NOW}, error="invalid_grant"),
     step("oauth.token_response", {"response": {"status": 400, "headers": {}, "body": "nope"}, "now": NOW}, error="invalid_response", field="error"),
     step("oauth.token_response", {"response": {"status": 503, "headers": {}, "body": ""}, "now": NOW}, error="server_error"),
     step("oauth.token_response", {"response": {"status": 200, "headers": {}, "body": '{"token_type":"Bearer"}'}, "now": NOW}, error="invalid_response", field="access_token"),
     source="RFC 6749 5.2")
for name, cfg, field in [("authorization-endpoint", dict(CFG, authorization_endpoint="auth"), "authorization_endpoint"),
                         ("token-endpoint", dict(CFG, token_endpoint=""), "token_endpoint"), ("client-id", dict(CFG, client_id=""), "client_id"),
                         ("redirect-fragment", dict(CFG, redirect_uri=REDIRECT + "#x"), "redirect_uri"), ("ttl", dict(CFG, state_ttl=5), "state_ttl")]:
    case("oauth", "config-invalid-" + name, step("oauth.new", {"config": cfg}, error="invalid_config", field=field))
case("oauth", "start-needs-entropy", step("oauth.new", {"config": CFG}, {}), step("oauth.start", {"now": NOW, "entropy": "00" * 40}, error="entropy_unavailable"))

# ------------------------------------------------------------------------------------------
# Broker
# ------------------------------------------------------------------------------------------
BUNDLED = {
    "anthropic": {"name": "anthropic", "display_name": "Anthropic", "auth_type": "api_key", "hosts": ["api.anthropic.com"],
                  "inject": {"header": "x-api-key", "format": "{key}"}},
    "github": {"name": "github", "display_name": "GitHub", "auth_type": "device_code", "token_endpoint": "https://github.com/login/oauth/access_token",
               "device_authorization_endpoint": "https://github.com/login/device/code", "scopes": ["repo", "read:org"],
               "hosts": ["api.github.com", "uploads.github.com"], "inject": {"header": "Authorization", "format": "Bearer {token}"}},
    "google": {"name": "google", "display_name": "Google", "auth_type": "oauth2", "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
               "token_endpoint": "https://oauth2.googleapis.com/token", "scopes": ["openid", "email"], "hosts": ["*.googleapis.com"],
               "inject": {"header": "Authorization", "format": "Bearer {token}"}},
    "openai": {"name": "openai", "display_name": "OpenAI", "auth_type": "api_key", "hosts": ["api.openai.com"],
               "inject": {"header": "Authorization", "format": "Bearer {key}"}},
}
ACME = {"name": "acme", "display_name": "Acme", "auth_type": "oauth2", "authorization_endpoint": "https://auth.acme.test/authorize",
        "token_endpoint": "https://auth.acme.test/token", "client_id": "broker", "hosts": ["*.acme.test", "api.acme.test"],
        "inject": {"header": "Authorization", "format": "Bearer {token}"}}
ACME_EU = {"name": "acme-eu", "display_name": "Acme EU", "auth_type": "api_key", "hosts": ["*.eu.acme.test"],
           "inject": {"header": "X-Api-Key", "format": "{key}"}}
ACME_FILES = {"name": "acme-files", "display_name": "Acme Files", "auth_type": "api_key", "hosts": ["files.eu.acme.test"],
              "inject": {"header": "X-Api-Key", "format": "{key}"}}
ZED = {"name": "zed", "display_name": "Zed", "auth_type": "api_key", "hosts": ["*.acme.test"], "inject": {"header": "X-Zed", "format": "{key}"}}
CUSTOM = [ACME, ACME_EU, ACME_FILES, ZED]


def key_order(p):
    order = ["name", "display_name", "auth_type", "flow", "authorization_endpoint", "token_endpoint", "device_authorization_endpoint",
             "revocation_endpoint", "introspection_endpoint", "client_id", "registration_endpoint", "client_secret",
             "client_secret_expires_at", "token_endpoint_auth_method", "input_fields", "scopes", "hosts", "inject"]
    assert set(p) <= set(order), set(p) - set(order)
    return {k: p[k] for k in order if k in p}


def pset(custom=(), overrides=()):
    providers = dict(BUNDLED)
    sources = {k: "bundled" for k in BUNDLED}
    for c in custom:
        providers[c["name"]] = c
        sources[c["name"]] = "custom"
    return {"providers": {k: key_order(providers[k]) for k in sorted(providers)}, "sources": dict(sorted(sources.items())), "overrides": list(overrides)}


def load(custom=CUSTOM, overrides=()):
    return step("broker.load", {"custom": list(custom)}, pset(custom, overrides))


case("broker", "load-bundled", load([]))
OPENAI2 = dict(BUNDLED["openai"], hosts=["api.openai.com", "*.openai.azure.com"])
case("broker", "custom-overrides-bundled-and-is-reported", load([OPENAI2], ["openai"]))
BAD = [
    ("name-uppercase", dict(ACME, name="Acme"), "custom[0].name"),
    ("name-empty", dict(ACME, name=""), "custom[0].name"),
    ("display-name-blank", dict(ACME, display_name="  "), "custom[0].display_name"),
    ("auth-type-unknown", dict(ACME, auth_type="saml"), "custom[0].auth_type"),
    ("oauth2-needs-authorization-endpoint", {k: v for k, v in ACME.items() if k != "authorization_endpoint"}, "custom[0].authorization_endpoint"),
    ("oauth2-token-endpoint-http", dict(ACME, token_endpoint="http://auth.acme.test/token"), "custom[0].token_endpoint"),
    ("device-code-needs-device-endpoint", dict(BUNDLED["github"], name="gh2", device_authorization_endpoint=None), "custom[0].device_authorization_endpoint"),
    ("hosts-empty", dict(ACME, hosts=[]), "custom[0].hosts"),
    ("host-inner-wildcard", dict(ACME, hosts=["api.*.test"]), "custom[0].hosts[0]"),
    ("host-tld-wildcard", dict(ACME, hosts=["api.acme.test", "*.test"]), "custom[0].hosts[1]"),
    ("host-uppercase", dict(ACME, hosts=["API.acme.test"]), "custom[0].hosts[0]"),
    ("host-with-port", dict(ACME, hosts=["api.acme.test:443"]), "custom[0].hosts[0]"),
    ("header-invalid", dict(ACME, inject={"header": "X Api", "format": "{key}"}), "custom[0].inject.header"),
    ("format-no-placeholder", dict(ACME, inject={"header": "X-Api", "format": "static"}), "custom[0].inject.format"),
    ("format-two-placeholders", dict(ACME, inject={"header": "X-Api", "format": "{key}{token}"}), "custom[0].inject.format"),
    ("format-newline", dict(ACME, inject={"header": "X-Api", "format": "{key}\r\nX-Evil: 1"}), "custom[0].inject.format"),
    ("unknown-field", dict(ACME, colour="red"), "custom[0].colour"),
    ("hosts-not-strings", dict(ACME, hosts=["a.test", 1]), "custom[0].hosts"),
    ("inject-extra-member", dict(ACME, inject={"header": "X", "format": "{key}", "x": 1}), "custom[0].inject"),
    ("name-number", dict(ACME, name=7), "custom[0].name"),
    ("missing-hosts", {k: v for k, v in ACME.items() if k != "hosts"}, "custom[0].hosts"),
]
for name, d, field in BAD:
    d = {k: v for k, v in d.items() if v is not None}
    case("broker", "invalid-provider-" + name, step("broker.load", {"custom": [d]}, error="invalid_provider", field=field))
case("broker", "invalid-provider-not-an-object", step("broker.load", {"custom": [["acme"]]}, error="invalid_provider", field="custom[0].provider"))
case("broker", "invalid-provider-defined-twice", step("broker.load", {"custom": [ACME, ACME]}, error="invalid_provider", field="custom[1].name"))
case("broker", "invalid-provider-second-of-two", step("broker.load", {"custom": [ACME, dict(ACME_EU, hosts=["*"])]}, error="invalid_provider", field="custom[1].hosts[0]"))

TABLE = [
    {"pattern": "files.eu.acme.test", "provider": "acme-files", "kind": "exact", "header": "X-Api-Key"},
    {"pattern": "uploads.github.com", "provider": "github", "kind": "exact", "header": "Authorization"},
    {"pattern": "api.anthropic.com", "provider": "anthropic", "kind": "exact", "header": "x-api-key"},
    {"pattern": "api.github.com", "provider": "github", "kind": "exact", "header": "Authorization"},
    {"pattern": "api.openai.com", "provider": "openai", "kind": "exact", "header": "Authorization"},
    {"pattern": "api.acme.test", "provider": "acme", "kind": "exact", "header": "Authorization"},
    {"pattern": "*.googleapis.com", "provider": "google", "kind": "wildcard", "header": "Authorization"},
    {"pattern": "*.eu.acme.test", "provider": "acme-eu", "kind": "wildcard", "header": "X-Api-Key"},
    {"pattern": "*.acme.test", "provider": "acme", "kind": "wildcard", "header": "Authorization"},
    {"pattern": "*.acme.test", "provider": "zed", "kind": "wildcard", "header": "X-Zed"},
]
case("broker", "routing-table-in-precedence-order", load(), step("broker.routing_table", {}, TABLE))


def ts(at="at-1", exp=NOW + 3600, rt="rt-1"):
    t = {"access_token": at}
    if rt:
        t["refresh_token"] = rt
    t.update({"token_type": "Bearer", "expires_at": exp})
    return t


def conn(provider, name="default", key=None, tokens=None, default=False, expires_at=None, scopes=None):
    c = {"provider": provider, "name": name}
    c["credential"] = {"type": "api_key", "key": key} if key else {"type": "oauth", "tokens": tokens or ts()}
    if expires_at:
        c["expires_at"] = expires_at
    if scopes:
        c["scopes"] = scopes
    c["is_default"] = default
    c["created_at"] = NOW - 100
    return c


CONNS = [conn("acme"), conn("acme-eu", key="eu-key"), conn("acme-files", key="files-key"), conn("zed", key="zed-key"), conn("openai", key="sk-1")]


def inject(provider, header, value, name="default"):
    return {"type": "inject", "provider": provider, "connection": name, "header": header, "value": value}


def resolve(url, expect=None, error=None, conns=CONNS, now=NOW, method="GET"):
    return step("broker.resolve", {"method": method, "url": url, "connections": conns, "now": now}, expect, error)


case("broker", "exact-host-beats-wildcards", load(), resolve("https://files.eu.acme.test/x", inject("acme-files", "X-Api-Key", "files-key")))
case("broker", "longer-wildcard-beats-shorter", load(), resolve("https://cdn.eu.acme.test/x", inject("acme-eu", "X-Api-Key", "eu-key")))
case("broker", "exact-beats-wildcard-of-same-provider", load(), resolve("https://api.acme.test/x", inject("acme", "Authorization", "Bearer at-1")))
case("broker", "tie-goes-to-first-provider-name", load(), resolve("https://www.acme.test/x", inject("acme", "Authorization", "Bearer at-1")))
case("broker", "wildcard-matches-any-depth", load(), resolve("https://a.b.c.acme.test/", inject("acme", "Authorization", "Bearer at-1")))
case("broker", "wildcard-does-not-match-apex", load(), resolve("https://acme.test/", error="no_provider"))
case("broker", "host-case-default-port-trailing-dot", load(), resolve("https://API.OpenAI.com.:443/v1?x#y", inject("openai", "Authorization", "Bearer sk-1")))
case("broker", "no-provider", load(), resolve("https://example.org/", error="no_provider"))
case("broker", "suffix-lookalike-is-not-a-match", load(), resolve("https://evilacme.test/", error="no_provider"))
case("broker", "url-without-host", load(), resolve("/relative/path", error="invalid_input"))
case("broker", "not-connected", load(), resolve("https://api.anthropic.com/v1/messages", error="not_connected"))
case("broker", "several-connections-none-default", load(),
     resolve("https://api.openai.com/", error="not_connected", conns=[conn("openai", "work", key="a"), conn("openai", "home", key="b")]))
case("broker", "default-flag-wins", load(),
     resolve("https://api.openai.com/", inject("openai", "Authorization", "Bearer b", "work"),
             conns=[conn("openai", "default", key="a"), conn("openai", "work", key="b", default=True)]))
case("broker", "named-default-when-no-flag", load(),
     resolve("https://api.openai.com/", inject("openai", "Authorization", "Bearer a"), conns=[conn("openai", "work", key="b"), conn("openai", "default", key="a")]))
case("broker", "only-connection", load(), resolve("https://api.openai.com/", inject("openai", "Authorization", "Bearer b", "work"), conns=[conn("openai", "work", key="b")]))
case("broker", "api-key-expired", load(),
     resolve("https://api.openai.com/", error="connection_expired", conns=[conn("openai", key="k", expires_at=NOW)]),
     resolve("https://api.openai.com/", inject("openai", "Authorization", "Bearer k"), conns=[conn("openai", key="k", expires_at=NOW + 1)]))
REFRESH_REQ = {"type": "refresh", "provider": "acme", "connection": "default",
               "request": {"method": "POST", "url": "https://auth.acme.test/token", "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
                           "body": form([("grant_type", "refresh_token"), ("refresh_token", "rt-1"), ("client_id", "broker")])}}
case("broker", "oauth-refresh-before-inject", load(),
     resolve("https://api.acme.test/", inject("acme", "Authorization", "Bearer at-1"), now=NOW + 3600 - 301),
     resolve("https://api.acme.test/", REFRESH_REQ, now=NOW + 3600 - 300),
     resolve("https://api.acme.test/", REFRESH_REQ, now=NOW + 3600 + 100), source="token lifecycle: refresh 5 minutes early")
case("broker", "oauth-no-refresh-token", load(),
     resolve("https://api.acme.test/", inject("acme", "Authorization", "Bearer at-1"), conns=[conn("acme", tokens=ts(rt=None))], now=NOW + 3600 - 10),
     resolve("https://api.acme.test/", error="connection_expired", conns=[conn("acme", tokens=ts(rt=None))], now=NOW + 3600))
case("broker", "apply-refresh-keeps-refresh-token", load(),
     step("broker.apply_refresh", {"connection": conn("acme"), "response": {"status": 200, "headers": {}, "body": '{"access_token":"at-2","token_type":"Bearer","expires_in":3600}'}, "now": NOW + 3400},
          conn("acme", tokens=ts("at-2", NOW + 3400 + 3600, "rt-1"))),
     step("broker.apply_refresh", {"connection": conn("acme"), "response": {"status": 200, "headers": {}, "body": '{"access_token":"at-2","refresh_token":"rt-2","token_type":"Bearer","expires_in":60}'}, "now": NOW},
          conn("acme", tokens=ts("at-2", NOW + 60, "rt-2"))), source="RFC 6749 6")
case("broker", "apply-refresh-revoked", load(),
     step("broker.apply_refresh", {"connection": conn("acme"), "response": {"status": 400, "headers": {}, "body": '{"error":"invalid_grant"}'}, "now": NOW}, error="connection_expired"),
     step("broker.apply_refresh", {"connection": conn("openai", key="k"), "response": {"status": 200, "headers": {}, "body": "{}"}, "now": NOW}, error="invalid_state"))


def red(c, kind, expires_at=None):
    r = {"provider": c["provider"], "name": c["name"], "type": kind, "secret": "[redacted]", "scopes": c.get("scopes", []), "is_default": c["is_default"], "created_at": c["created_at"]}
    if expires_at is not None:
        r["expires_at"] = expires_at
    return r


RC = [conn("acme", scopes=["read"]), conn("openai", "work", key="sk-secret", expires_at=NOW + 10)]
case("broker", "listing-is-redacted", step("broker.redact", {"connections": RC}, [red(RC[0], "oauth", NOW + 3600), red(RC[1], "api_key", NOW + 10)]))
EXP = [conn("openai", key="sk-plain_1.2~3+4/5=6-7"), conn("acme", tokens=ts('a"b\\c\nd')), conn("acme-eu", "staging", key="x y")]
case("broker", "export-env", step("broker.export_env", {"connections": EXP},
     {"text": "ACME_ACCESS_TOKEN='a\"b\\c\nd'\nACME_EU_STAGING_API_KEY='x y'\nOPENAI_API_KEY='sk-plain_1.2~3+4/5=6-7'\n"}))
case("broker", "export-env-empty", step("broker.export_env", {"connections": []}, {"text": ""}))
case("broker", "export-json-reveals", step("broker.export_json", {"connections": RC}, RC))


def ready(status, comps, warnings=(), errors=(), custom=(), conns=(), keys=(), now=NOW, schema_version=None, allow_loopback_http=None):
    inp = {"custom": list(custom), "connections": list(conns), "key_files": list(keys), "now": now}
    if schema_version is not None:
        inp["schema_version"] = schema_version
    if allow_loopback_http is not None:
        inp["allow_loopback_http"] = allow_loopback_http
    return step("broker.readiness", inp, {"status": status, "components": comps, "warnings": list(warnings), "errors": list(errors)})


def comp(status, detail):
    return {"status": status, "detail": detail}


def comps(providers=("ok", "4 providers"), connections=("ok", "0 connections"), schema=("ok", "no store"), vault=("ok", "0 key files")):
    return {"providers": comp(*providers), "connections": comp(*connections), "schema_version": comp(*schema), "vault": comp(*vault)}


# Readiness, as the seed's /ready: status ok / degraded (warnings only) / unhealthy (any error);
# components vault, schema_version, providers (and connections); warnings non-fatal, errors fatal.
case("broker", "readiness-ok", ready("ok", comps(connections=("ok", "1 connections"), schema=("ok", "version 1"), vault=("ok", "1 key files")),
     conns=[conn("openai", key="k")], keys=[{"path": "/home/u/.app/master.key", "mode": 0o600}], schema_version=1))
case("broker", "readiness-degraded", ready("degraded",
     comps(providers=("degraded", "6 providers"), connections=("degraded", "3 connections"), vault=("degraded", "2 key files")),
     ["Custom provider `openai` overrides the bundled one.", "`*.acme.test` is claimed by `acme` and `zed`; `acme` wins.",
      "Connection `ghost/default` names an unknown provider.", "Connection `acme/default` has expired; connect again.",
      "Master key `/k/master.key` has mode 0644 instead of 0600."],
     custom=[OPENAI2, ACME, ZED], conns=[conn("ghost", key="k"), conn("acme", tokens=ts(rt=None, exp=NOW)), conn("openai", key="k")],
     keys=[{"path": "/k/a", "mode": 0o400}, {"path": "/k/master.key", "mode": 0o644}]), source="seed: a master.key with mode 0644 is a warning")
case("broker", "readiness-master-key-0644-alone-is-degraded", ready("degraded", comps(vault=("degraded", "1 key files")),
     ["Master key `/home/u/.authsome/master.key` has mode 0644 instead of 0600."], keys=[{"path": "/home/u/.authsome/master.key", "mode": 0o644}]),
     source="seed: warnings do not block readiness")
case("broker", "readiness-unhealthy", ready("unhealthy", comps(providers=("unhealthy", "not loaded")),
     errors=["Provider definitions: `api.*.test` is not a lower-case host name or `*.` wildcard. (custom[0].hosts[0])."],
     custom=[dict(ACME, hosts=["api.*.test"])]))
case("broker", "readiness-errors-win-over-warnings", ready("unhealthy",
     comps(connections=("unhealthy", "2 connections"), vault=("degraded", "1 key files")),
     ["Master key `/k/master.key` has mode 0644 instead of 0600."],
     ["`openai` has several default connections (`a`, `b`); set one default."],
     conns=[conn("openai", "b", key="2", default=True), conn("openai", "a", key="1", default=True)], keys=[{"path": "/k/master.key", "mode": 0o644}]),
     source="seed: errors non-empty means unhealthy")
# A provider on a loopback http endpoint (a local test server) loads only where the broker
# allows loopback http; readiness is asked the same way.
LOOPBACK = dict(ACME, name="local", hosts=["local.test"], token_endpoint="http://127.0.0.1:9/token")
case("broker", "readiness-loopback-provider-allowed", ready("ok", comps(providers=("ok", "5 providers")), custom=[LOOPBACK], allow_loopback_http=True))
case("broker", "readiness-loopback-provider-refused-by-default", ready("unhealthy", comps(providers=("unhealthy", "not loaded")),
     errors=["Provider definitions: `token_endpoint` must be an https URL. (custom[0].token_endpoint)."], custom=[LOOPBACK]))
case("broker", "readiness-plain-http-refused-even-when-loopback-allowed", ready("unhealthy", comps(providers=("unhealthy", "not loaded")),
     errors=["Provider definitions: `token_endpoint` must be an https URL. (custom[0].token_endpoint)."],
     custom=[dict(LOOPBACK, token_endpoint="http://auth.local.test/token")], allow_loopback_http=True))
case("broker", "readiness-schema-version", ready("unhealthy", comps(schema=("unhealthy", "version 2, expected 1")),
     errors=["The store has schema version 2; this version reads version 1."], schema_version=2))
case("broker", "readiness-no-default-is-a-warning", ready("degraded", comps(connections=("degraded", "2 connections")),
     ["`openai` has several connections and none is the default."], conns=[conn("openai", "a", key="1"), conn("openai", "b", key="2")]))

# ------------------------------------------------------------------------------------------
# Default connection
# ------------------------------------------------------------------------------------------
TWO_DEFAULTS = [conn("openai", "a", key="1", default=True), conn("acme"), conn("openai", "b", key="2", default=True)]
case("broker", "two-defaults-resolve-refuses", load(),
     resolve("https://api.openai.com/", error="ambiguous_default", conns=TWO_DEFAULTS),
     resolve("https://api.acme.test/", inject("acme", "Authorization", "Bearer at-1"), conns=TWO_DEFAULTS))
case("broker", "set-default-then-resolve", load(),
     step("broker.set_default", {"connections": TWO_DEFAULTS, "provider": "openai", "connection": "b"},
          [conn("openai", "a", key="1"), conn("acme"), conn("openai", "b", key="2", default=True)]),
     resolve("https://api.openai.com/", inject("openai", "Authorization", "Bearer 2", "b"),
             conns=[conn("openai", "a", key="1"), conn("acme"), conn("openai", "b", key="2", default=True)]))
case("broker", "set-default-moves-the-flag",
     step("broker.set_default", {"connections": [conn("openai", "a", key="1", default=True), conn("openai", "b", key="2")], "provider": "openai", "connection": "b"},
          [conn("openai", "a", key="1"), conn("openai", "b", key="2", default=True)]))
case("broker", "set-default-unknown-connection",
     step("broker.set_default", {"connections": [conn("openai", "a", key="1")], "provider": "openai", "connection": "z"}, error="not_connected"),
     step("broker.set_default", {"connections": [conn("openai", "a", key="1")], "provider": "acme", "connection": "a"}, error="not_connected"))

# ------------------------------------------------------------------------------------------
# Provider files in authsome's format
# ------------------------------------------------------------------------------------------
AS_KEYS = {"schema_version": 1, "name": "acme-keys", "display_name": "Acme Keys", "auth_type": "api_key", "flow": "api_key",
           "api_url": "keys.acme.test",
           "api_key": {"header_name": "X-Acme-Key", "header_prefix": "", "env_var": "ACME_KEYS_API_KEY",
                       "key_pattern": "^ak-[a-z0-9]+$", "key_pattern_hint": "Acme keys start with ak-."},
           "export": {"ACME_KEYS_API_KEY": "API_TOKEN"}, "docs_url": "https://docs.acme.test/keys"}
AS_KEYS_C = {"name": "acme-keys", "display_name": "Acme Keys", "auth_type": "api_key", "flow": "api_key", "hosts": ["keys.acme.test"],
             "inject": {"header": "X-Acme-Key", "format": "{key}"}}
AS_TOKEN = {"schema_version": 1, "name": "acme-token", "display_name": "Acme Token", "auth_type": "api_key", "flow": "api_key",
            "api_url": ["token.acme.test", "*.token.acme.test"], "api_key": {"header_name": "X-Token", "header_prefix": "Token"}}
AS_TOKEN_C = {"name": "acme-token", "display_name": "Acme Token", "auth_type": "api_key", "flow": "api_key", "hosts": ["token.acme.test", "*.token.acme.test"],
              "inject": {"header": "X-Token", "format": "Token {key}"}}
AS_DEFAULT_KEY = {"schema_version": 1, "name": "acme-bearer", "display_name": "Acme Bearer", "auth_type": "api_key", "api_url": "bearer.acme.test", "api_key": {}}
AS_DEFAULT_KEY_C = {"name": "acme-bearer", "display_name": "Acme Bearer", "auth_type": "api_key", "hosts": ["bearer.acme.test"],
                    "inject": {"header": "Authorization", "format": "Bearer {key}"}}
AS_OAUTH = {"schema_version": 1, "name": "acme-git", "display_name": "Acme Git", "logo": "img.logo.dev/name/acme", "description": "Acme Git over OAuth.",
            "auth_type": "oauth2", "flow": "pkce", "api_url": ["git.acme.test"],
            "oauth": {"base_url": "https://git.acme.test", "authorization_url": "{base_url}/oauth/authorize", "token_url": "{base_url}/oauth/token",
                      "revocation_url": "https://git.acme.test/oauth/revoke", "introspection_url": "{base_url}/oauth/introspect",
                      "device_authorization_url": None, "scopes": ["api", "read_user"], "client_id": "git-cli",
                      "pkce": True, "supports_device_code": False, "supports_dcr": False}}
AS_OAUTH_C = {"name": "acme-git", "display_name": "Acme Git", "auth_type": "oauth2", "flow": "pkce",
              "authorization_endpoint": "https://git.acme.test/oauth/authorize", "token_endpoint": "https://git.acme.test/oauth/token",
              "revocation_endpoint": "https://git.acme.test/oauth/revoke", "introspection_endpoint": "https://git.acme.test/oauth/introspect",
              "client_id": "git-cli", "scopes": ["api", "read_user"], "hosts": ["git.acme.test"],
              "inject": {"header": "Authorization", "format": "Bearer {token}"}}
AS_DEVICE = {"schema_version": 1, "name": "acme-dev", "display_name": "Acme Device", "auth_type": "oauth2", "flow": "device_code",
             "api_url": "dev.acme.test",
             "oauth": {"device_authorization_url": "https://dev.acme.test/device/code", "token_url": "https://dev.acme.test/token", "revocation_url": None}}
AS_DEVICE_C = {"name": "acme-dev", "display_name": "Acme Device", "auth_type": "oauth2", "flow": "device_code",
               "token_endpoint": "https://dev.acme.test/token", "device_authorization_endpoint": "https://dev.acme.test/device/code",
               "hosts": ["dev.acme.test"], "inject": {"header": "Authorization", "format": "Bearer {token}"}}
AS_FILES = [AS_KEYS, AS_TOKEN, AS_DEFAULT_KEY, AS_OAUTH, AS_DEVICE]
AS_CANON = [AS_KEYS_C, AS_TOKEN_C, AS_DEFAULT_KEY_C, AS_OAUTH_C, AS_DEVICE_C]


def load_as(files=AS_FILES, canon=AS_CANON):
    return step("broker.load", {"custom": list(files)}, pset(canon))


case("broker", "authsome-provider-files-load", load_as(), source="authsome provider files: api_url, oauth and api_key blocks")
case("broker", "authsome-custom-header-is-injected", load_as(),
     resolve("https://keys.acme.test/v1/items", inject("acme-keys", "X-Acme-Key", "ak-123"), conns=[conn("acme-keys", key="ak-123")]),
     resolve("https://eu.token.acme.test/", inject("acme-token", "X-Token", "Token tk-9"), conns=[conn("acme-token", key="tk-9")]),
     resolve("https://bearer.acme.test/", inject("acme-bearer", "Authorization", "Bearer b-1"), conns=[conn("acme-bearer", key="b-1")]),
     resolve("https://git.acme.test/api/v4/user", inject("acme-git", "Authorization", "Bearer at-1"), conns=[conn("acme-git")]),
     source="seed: the header the provider's api_key.header_name declares")
case("broker", "authsome-refresh-uses-token-url", load_as(),
     resolve("https://git.acme.test/", {"type": "refresh", "provider": "acme-git", "connection": "default",
             "request": {"method": "POST", "url": "https://git.acme.test/oauth/token", "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
                         "body": form([("grant_type", "refresh_token"), ("refresh_token", "rt-1"), ("client_id", "git-cli")])}},
             conns=[conn("acme-git")], now=NOW + 3600))
AS_BAD = [
    ("schema-version-2", dict(AS_KEYS, schema_version=2), "custom[0].schema_version"),
    ("both-hosts-and-api-url", dict(AS_KEYS, hosts=["keys.acme.test"]), "custom[0].api_url"),
    ("both-inject-and-api-key", dict(AS_KEYS, inject={"header": "X", "format": "{key}"}), "custom[0].api_key"),
    ("regex-host", dict(AS_KEYS, api_url=["keys.acme.test", "regex:.*\\.acme\\.test$"]), "custom[0].api_url[1]"),
    ("api-url-number", dict(AS_KEYS, api_url=7), "custom[0].api_url"),
    ("header-name-with-space", dict(AS_KEYS, api_key={"header_name": "X Acme"}), "custom[0].api_key.header_name"),
    ("header-prefix-newline", dict(AS_KEYS, api_key={"header_prefix": "Bearer\r\nX-Evil: 1"}), "custom[0].api_key.header_prefix"),
    ("header-prefix-placeholder", dict(AS_KEYS, api_key={"header_prefix": "{token}"}), "custom[0].api_key.header_prefix"),
    ("api-key-unknown-member", dict(AS_KEYS, api_key={"header_name": "X", "location": "query"}), "custom[0].api_key.location"),
    ("oauth-unknown-member", dict(AS_OAUTH, oauth=dict(AS_OAUTH["oauth"], userinfo_url="https://git.acme.test/u")), "custom[0].oauth.userinfo_url"),
    ("oauth-base-url-missing", dict(AS_OAUTH, oauth={k: v for k, v in AS_OAUTH["oauth"].items() if k != "base_url"}), "custom[0].oauth.authorization_url"),
    ("oauth-and-endpoint", dict(AS_OAUTH, token_endpoint="https://git.acme.test/oauth/token"), "custom[0].oauth.token_url"),
    ("oauth-http-revocation", dict(AS_OAUTH, oauth=dict(AS_OAUTH["oauth"], revocation_url="http://git.acme.test/revoke")), "custom[0].revocation_endpoint"),
    ("flow-unknown", dict(AS_KEYS, flow="saml"), "custom[0].flow"),
    ("flow-does-not-fit-auth-type", dict(AS_KEYS, flow="pkce"), "custom[0].flow"),
    ("device-flow-needs-device-url", dict(AS_DEVICE, oauth={"token_url": "https://dev.acme.test/token"}), "custom[0].device_authorization_endpoint"),
    ("export-not-strings", dict(AS_KEYS, export={"A": 1}), "custom[0].export"),
    ("pkce-not-boolean", dict(AS_OAUTH, oauth=dict(AS_OAUTH["oauth"], pkce="yes")), "custom[0].oauth.pkce"),
]
AS_DCR = {"schema_version": 1, "name": "acme-dcr", "display_name": "Acme DCR", "auth_type": "oauth2", "flow": "dcr_pkce",
          "api_url": "mcp.acme.test",
          "oauth": {"base_url": "https://mcp.acme.test", "authorization_url": "{base_url}/authorize", "token_url": "{base_url}/token",
                    "registration_url": "{base_url}/register", "supports_dcr": True}}
AS_DCR_C = {"name": "acme-dcr", "display_name": "Acme DCR", "auth_type": "oauth2", "flow": "dcr_pkce",
            "authorization_endpoint": "https://mcp.acme.test/authorize", "token_endpoint": "https://mcp.acme.test/token",
            "registration_endpoint": "https://mcp.acme.test/register", "hosts": ["mcp.acme.test"],
            "inject": {"header": "Authorization", "format": "Bearer {token}"}}
case("broker", "authsome-registration-url-is-registration-endpoint", load_as([AS_DCR], [AS_DCR_C]),
     source="authsome provider files: oauth.registration_url with {base_url}, as registration_endpoint (RFC 7591)")
AS_BAD += [
    ("registration-url-and-endpoint", dict(AS_DCR, registration_endpoint="https://mcp.acme.test/register"), "custom[0].oauth.registration_url"),
    ("registration-url-http", dict(AS_DCR, oauth=dict(AS_DCR["oauth"], registration_url="http://mcp.acme.test/register")), "custom[0].registration_endpoint"),
    ("registration-url-number", dict(AS_DCR, oauth=dict(AS_DCR["oauth"], registration_url=7)), "custom[0].oauth.registration_url"),
    ("registration-url-base-url-missing", dict(AS_DCR, oauth={"authorization_url": "https://mcp.acme.test/authorize", "token_url": "https://mcp.acme.test/token",
                                                              "registration_url": "{base_url}/register"}), "custom[0].oauth.registration_url"),
]
for name, d, field in AS_BAD:
    case("broker", "invalid-authsome-provider-" + name, step("broker.load", {"custom": [d]}, error="invalid_provider", field=field))
case("broker", "inject-defaults-to-bearer", step("broker.load", {"custom": [{k: v for k, v in ACME.items() if k != "inject"}]}, pset([ACME])))

# ------------------------------------------------------------------------------------------
# Revocation (RFC 7009) and introspection (RFC 7662)
# ------------------------------------------------------------------------------------------
FORM_HEADERS = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
REVOKE_URL = "https://git.acme.test/oauth/revoke"
INTROSPECT_URL = "https://git.acme.test/oauth/introspect"


def revoke_req(conn_name, hint, token, client_pairs=(("client_id", "git-cli"),), headers=None):
    return {"connection": conn_name, "token_type_hint": hint,
            "request": {"method": "POST", "url": REVOKE_URL, "headers": dict(FORM_HEADERS, **(headers or {})),
                        "body": form([("token", token), ("token_type_hint", hint), *client_pairs])}}


def basic(cid, secret):
    return "Basic " + __import__("base64").b64encode((enc_form(cid) + ":" + enc_form(secret)).encode()).decode()


def enc_form(v):
    return form([("", v)])[1:]


GIT_CONNS = [conn("acme-git", "work", tokens=ts("at-w", NOW + 3600, "rt-w")), conn("openai", key="sk"), conn("acme-git", tokens=ts("at-d", NOW + 3600, None))]
case("broker", "revoke-refresh-then-access-then-delete", load_as(),
     step("broker.revoke", {"provider": "acme-git", "connections": GIT_CONNS},
          {"requests": [revoke_req("default", "access_token", "at-d"),
                        revoke_req("work", "refresh_token", "rt-w"), revoke_req("work", "access_token", "at-w")],
           "delete": [{"provider": "acme-git", "name": "default"}, {"provider": "acme-git", "name": "work"}]}),
     source="RFC 7009 2.1; seed: revoke clears all connections of the provider")
case("broker", "revoke-client-secret-basic", load_as(),
     step("broker.revoke", {"provider": "acme-git", "connections": [GIT_CONNS[0]], "client": {"client_id": "git cli", "client_secret": "s:3&cr=t"}},
          {"requests": [revoke_req("work", "refresh_token", "rt-w", (), {"Authorization": basic("git cli", "s:3&cr=t")}),
                        revoke_req("work", "access_token", "at-w", (), {"Authorization": basic("git cli", "s:3&cr=t")})],
           "delete": [{"provider": "acme-git", "name": "work"}]}), source="RFC 7009 2.1, RFC 6749 2.3.1")
case("broker", "revoke-client-secret-post", load_as(),
     step("broker.revoke", {"provider": "acme-git", "connections": [GIT_CONNS[2]], "client": {"client_secret": "s3", "method": "client_secret_post"}},
          {"requests": [revoke_req("default", "access_token", "at-d", (("client_id", "git-cli"), ("client_secret", "s3")))],
           "delete": [{"provider": "acme-git", "name": "default"}]}),
     step("broker.revoke", {"provider": "acme-git", "connections": [GIT_CONNS[2]], "client": {"method": "client_secret_post"}},
          error="invalid_input", field="client.client_secret"), source="RFC 6749 2.3.1")
case("broker", "revoke-without-endpoint-only-deletes", load_as(),
     step("broker.revoke", {"provider": "acme-dev", "connections": [conn("acme-dev"), conn("acme-dev", "b", key="k")]},
          {"requests": [], "delete": [{"provider": "acme-dev", "name": "b"}, {"provider": "acme-dev", "name": "default"}]}),
     step("broker.revoke", {"provider": "acme-keys", "connections": []}, {"requests": [], "delete": []}),
     step("broker.revoke", {"provider": "nobody", "connections": []}, error="invalid_input", field="provider"))


# A provider whose client was registered (RFC 7591) revokes and introspects as that client.
def registered(method, secret="dyn-s3cr3t"):
    d = dict(AS_OAUTH_C, client_id="dyn-1")
    if secret is not None:
        d["client_secret"] = secret
    if method is not None:
        d["token_endpoint_auth_method"] = method
    return d


def load_registered(method, secret="dyn-s3cr3t"):
    d = registered(method, secret)
    return step("broker.load", {"custom": [d]}, pset([d]))


REG_CONN = [conn("acme-git", tokens=ts("at-d", NOW + 3600, None))]
REG_DELETE = [{"provider": "acme-git", "name": "default"}]
REG_BASIC = {"Authorization": basic("dyn-1", "dyn-s3cr3t")}
case("broker", "revoke-registered-client-secret-basic", load_registered("client_secret_basic"),
     step("broker.revoke", {"provider": "acme-git", "connections": REG_CONN},
          {"requests": [revoke_req("default", "access_token", "at-d", (), REG_BASIC)], "delete": REG_DELETE}),
     source="RFC 7009 2.1 (confidential clients authenticate), RFC 7591 2 token_endpoint_auth_method, RFC 6749 2.3.1")
case("broker", "revoke-registered-client-secret-post", load_registered("client_secret_post"),
     step("broker.revoke", {"provider": "acme-git", "connections": REG_CONN},
          {"requests": [revoke_req("default", "access_token", "at-d", (("client_id", "dyn-1"), ("client_secret", "dyn-s3cr3t")))],
           "delete": REG_DELETE}),
     source="RFC 7591 2 token_endpoint_auth_method client_secret_post")
case("broker", "revoke-registered-client-none", load_registered("none", None),
     step("broker.revoke", {"provider": "acme-git", "connections": REG_CONN},
          {"requests": [revoke_req("default", "access_token", "at-d", (("client_id", "dyn-1"),))], "delete": REG_DELETE}),
     source="RFC 7591 2 token_endpoint_auth_method none (public client)")
case("broker", "revoke-registered-secret-without-method-is-basic", load_registered(None),
     step("broker.revoke", {"provider": "acme-git", "connections": REG_CONN},
          {"requests": [revoke_req("default", "access_token", "at-d", (), REG_BASIC)], "delete": REG_DELETE}),
     source="RFC 7591 2: token_endpoint_auth_method defaults to client_secret_basic")
case("broker", "revoke-other-client-id-does-not-take-registered-secret", load_registered("client_secret_post"),
     step("broker.revoke", {"provider": "acme-git", "connections": REG_CONN, "client": {"client_id": "other"}},
          {"requests": [revoke_req("default", "access_token", "at-d", (("client_id", "other"),))], "delete": REG_DELETE}),
     step("broker.revoke", {"provider": "acme-git", "connections": REG_CONN, "client": {"method": "none"}},
          {"requests": [revoke_req("default", "access_token", "at-d", (("client_id", "dyn-1"),))], "delete": REG_DELETE}))
case("broker", "introspect-registered-client", load_registered("client_secret_basic"),
     step("broker.introspect", {"provider": "acme-git", "token": "at-1", "token_type_hint": "access_token"},
          {"method": "POST", "url": INTROSPECT_URL, "headers": dict(FORM_HEADERS, **REG_BASIC),
           "body": form([("token", "at-1"), ("token_type_hint", "access_token")])}),
     source="RFC 7662 2.1 (the protected resource authenticates), RFC 7591 2")
case("broker", "introspect-registered-client-post", load_registered("client_secret_post"),
     step("broker.introspect", {"provider": "acme-git", "token": "at-1"},
          {"method": "POST", "url": INTROSPECT_URL, "headers": FORM_HEADERS,
           "body": form([("token", "at-1"), ("client_id", "dyn-1"), ("client_secret", "dyn-s3cr3t")])}))
KEYS_FIELDS = dict(ACME_KEYS_LIKE := {"name": "keys", "display_name": "Keys", "auth_type": "api_key", "hosts": ["keys.example.test"],
                                      "inject": {"header": "X-Key", "format": "{key}"}},
                   input_fields=[{"name": "api_key", "label": "Keys token", "secret": True, "required": True}])
case("broker", "provider-input-fields",
     step("broker.load", {"custom": [dict(ACME_KEYS_LIKE, input_fields=[{"name": "api_key", "label": "Keys token"}])]}, pset([KEYS_FIELDS])),
     step("broker.load", {"custom": [dict(ACME_KEYS_LIKE, input_fields={"api_key": "Keys token"})]}, error="invalid_provider", field="custom[0].input_fields"),
     step("broker.load", {"custom": [dict(ACME_KEYS_LIKE, input_fields=[{"name": "client_id", "label": "Id"}])]}, error="invalid_provider",
          field="custom[0].input_fields[0].name"),
     source="seed: the input form of API-key entry, with field definitions from the provider")
case("broker", "invalid-provider-auth-method",
     step("broker.load", {"custom": [registered("private_key_jwt")]}, error="invalid_provider", field="custom[0].token_endpoint_auth_method"))


# ------------------------------------------------------------------------------------------
# Listing and showing providers: a client secret is never shown in clear unless asked for.
# The seed's `GET /providers` lists "auth type, flow, and source"; `GET /providers/{provider}`
# is the full definition.
# ------------------------------------------------------------------------------------------
def summary(name, display, auth_type, flow, source, hosts, has_client=False):
    return {"name": name, "display_name": display, "auth_type": auth_type, "flow": flow, "source": source,
            "hosts": hosts, "has_client": has_client}


BUNDLED_LISTING = {
    "anthropic": summary("anthropic", "Anthropic", "api_key", "api_key", "bundled", ["api.anthropic.com"]),
    "github": summary("github", "GitHub", "device_code", "device_code", "bundled", ["api.github.com", "uploads.github.com"]),
    "google": summary("google", "Google", "oauth2", "pkce", "bundled", ["*.googleapis.com"]),
    "openai": summary("openai", "OpenAI", "api_key", "api_key", "bundled", ["api.openai.com"]),
}
REG_GIT = registered("client_secret_post")
listing = dict(BUNDLED_LISTING)
listing["openai"] = summary("openai", "OpenAI", "api_key", "api_key", "override", ["api.openai.com", "*.openai.azure.com"])
listing["acme-git"] = summary("acme-git", "Acme Git", "oauth2", "pkce", "custom", ["git.acme.test"], True)
listing["acme-dcr"] = summary("acme-dcr", "Acme DCR", "oauth2", "dcr_pkce", "custom", ["mcp.acme.test"])
DCR_NO_FLOW = {k: v for k, v in AS_DCR_C.items() if k != "flow"}
case("broker", "provider-listing-auth-type-flow-source",
     step("broker.load", {"custom": [OPENAI2, REG_GIT, DCR_NO_FLOW]}, pset([OPENAI2, REG_GIT, DCR_NO_FLOW], ["openai"])),
     step("broker.provider_listing", {}, [listing[k] for k in sorted(listing)]),
     source="seed: GET /providers lists every bundled and custom provider with auth type, flow, and source")
case("broker", "provider-listing-bundled-only", load([]),
     step("broker.provider_listing", {}, [BUNDLED_LISTING[k] for k in sorted(BUNDLED_LISTING)]))
case("broker", "show-provider-redacts-client-secret", load_registered("client_secret_post"),
     step("broker.show_provider", {"name": "acme-git"}, key_order(dict(REG_GIT, client_secret="[redacted]"))),
     step("broker.show_provider", {"name": "acme-git", "reveal": False}, key_order(dict(REG_GIT, client_secret="[redacted]"))),
     step("broker.show_provider", {"name": "acme-git", "reveal": True}, key_order(REG_GIT)),
     step("broker.show_provider", {"name": "openai"}, BUNDLED["openai"]),
     step("broker.show_provider", {"name": "nobody"}, error="invalid_input", field="provider"),
     source="seed: GET /providers/{provider} is the full definition; secrets are redacted unless explicitly requested")


def resp(status, body="", headers=None):
    return {"status": status, "headers": headers or {}, "body": body}


case("broker", "revocation-outcomes",
     step("broker.revocation_outcome", {"response": resp(200)}, {"type": "revoked"}),
     step("broker.revocation_outcome", {"response": resp(503, "", {"Retry-After": "30"})}, {"type": "retry", "retry_after": 30}),
     step("broker.revocation_outcome", {"response": resp(503)}, {"type": "retry"}),
     step("broker.revocation_outcome", {"response": resp(400, '{"error":"unsupported_token_type"}')}, {"type": "unsupported_token_type"}),
     step("broker.revocation_outcome", {"response": resp(401, '{"error":"invalid_client"}')}, error="invalid_client"),
     step("broker.revocation_outcome", {"response": resp(500)}, error="server_error"),
     step("broker.revocation_outcome", {"response": resp(404, "not here")}, error="invalid_response", field="error"),
     source="RFC 7009 2.2 (200 also for an invalid token), 2.2.1")


def introspect_req(token, hint=None):
    pairs = [("token", token)] + ([("token_type_hint", hint)] if hint else []) + [("client_id", "git-cli")]
    return {"method": "POST", "url": INTROSPECT_URL, "headers": FORM_HEADERS, "body": form(pairs)}


case("broker", "introspect-request", load_as(),
     step("broker.introspect", {"provider": "acme-git", "token": "at-1", "token_type_hint": "access_token"}, introspect_req("at-1", "access_token")),
     step("broker.introspect", {"provider": "acme-git", "token": "a b+c"}, introspect_req("a b+c")),
     step("broker.introspect", {"provider": "acme-dev", "token": "at-1"}, error="invalid_provider", field="introspection_endpoint"),
     step("broker.introspect", {"provider": "acme-git", "token": ""}, error="invalid_input", field="token"),
     step("broker.introspect", {"provider": "acme-git", "token": "t", "token_type_hint": "id_token"}, error="invalid_input", field="token_type_hint"),
     source="RFC 7662 2.1")
ACTIVE = {"active": True, "scope": "api read_user", "client_id": "git-cli", "username": "jdoe", "token_type": "Bearer",
          "exp": NOW + 600, "iat": NOW - 60, "nbf": NOW - 60, "sub": "Z5O3upPC88QrAjx00dis", "aud": "https://git.acme.test",
          "iss": "https://git.acme.test/", "jti": "j-1", "extension_field": "twenty-seven"}
case("broker", "introspection-outcomes",
     step("broker.introspection_outcome", {"response": resp(200, json.dumps(ACTIVE)), "now": NOW},
          {"type": "active", "scope": ["api", "read_user"], "client_id": "git-cli", "username": "jdoe", "token_type": "Bearer",
           "exp": NOW + 600, "iat": NOW - 60, "nbf": NOW - 60, "sub": "Z5O3upPC88QrAjx00dis", "aud": ["https://git.acme.test"],
           "iss": "https://git.acme.test/", "jti": "j-1"}),
     step("broker.introspection_outcome", {"response": resp(200, '{"active":true}'), "now": NOW}, {"type": "active"}),
     step("broker.introspection_outcome", {"response": resp(200, '{"active":false}'), "now": NOW}, {"type": "inactive"}),
     step("broker.introspection_outcome", {"response": resp(200, '{"active":false,"scope":"api"}'), "now": NOW}, {"type": "inactive"}),
     step("broker.introspection_outcome", {"response": resp(200, json.dumps(ACTIVE)), "now": NOW + 600}, {"type": "inactive"}),
     step("broker.introspection_outcome", {"response": resp(200, json.dumps(dict(ACTIVE, nbf=NOW + 5))), "now": NOW}, {"type": "inactive"}),
     step("broker.introspection_outcome", {"response": resp(200, '{"active":true,"aud":["a","b"]}'), "now": NOW}, {"type": "active", "aud": ["a", "b"]}),
     step("broker.introspection_outcome", {"response": resp(200, '{"active":"true"}'), "now": NOW}, error="invalid_response", field="active"),
     step("broker.introspection_outcome", {"response": resp(200, '{"scope":"api"}'), "now": NOW}, error="invalid_response", field="active"),
     step("broker.introspection_outcome", {"response": resp(200, '{"active":true,"exp":"soon"}'), "now": NOW}, error="invalid_response", field="exp"),
     step("broker.introspection_outcome", {"response": resp(401, '{"error":"invalid_client"}'), "now": NOW}, error="invalid_client"),
     step("broker.introspection_outcome", {"response": resp(503), "now": NOW}, error="server_error"),
     source="RFC 7662 2.2, 2.3")

DESCR = {"oauth": "PKCE (RFC 7636) and the authorization-code flow with single-use state.",
         "broker": "The credential broker: provider definitions (also authsome's provider files), precedence, connections, the default connection, redaction, export, refresh, revocation, introspection, readiness."}
if __name__ == "__main__":
    SUITES.write(DESCR)
