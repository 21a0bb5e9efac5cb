#!/usr/bin/env python3
"""Writes conformance/vectors/mcp/discovery.json (the MCP discovery rules as functions) and
conformance/vectors/mcp/client.json (whole runs of the MCP authorization client machine
against scripted responses).

Expectations are written by hand from the MCP authorization spec (revision 2026-07-28:
"Authorization Server Discovery", "Scope Selection Strategy", "Step-Up Authorization Flow",
"Client Registration", "Resource Parameter Implementation"), RFC 9728 (protected resource
metadata), RFC 8414 §3 and OpenID Connect Discovery §4 (metadata URLs, exact issuer), RFC 7636
(S256), RFC 8707 (`resource`), RFC 9207 (`iss`), RFC 6749 §2.3.1 (HTTP Basic with form-encoded
parts) and §6 (refresh), RFC 7591 (registration). The authorization URL's `state` and PKCE
verifier are the base64url of the first and second 32 entropy bytes; the challenge is computed
here with hashlib.
"""
import base64
import hashlib
import json
import os

from vectorlib import NOW, b64, case_collector, err, form, query, step, write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MCP = "https://mcp.example.com/mcp"
PRM_URL = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
PRM_ROOT = "https://mcp.example.com/.well-known/oauth-protected-resource"
AS = "https://auth.example.com/tenant1"
AS2 = "https://login.example.net"
REDIRECT = "http://127.0.0.1:3000/callback"


# --- discovery.json --------------------------------------------------------------------------

def urls(op, inp, expect=None, error=None, field=None):
    return step(op, inp, expect=None if error else {"urls": expect}, error=error, field=field)


def matches(resource, server_url, want):
    return step("mcp.resource_matches", {"resource": resource, "server_url": server_url}, expect={"matches": want})


def scopes(want, **inp):
    return step("mcp.choose_scopes", inp, expect={"scopes": want})


def method(client, supported, want=None, error=None, field=None):
    inp = {"client": client}
    if supported is not None:
        inp["supported"] = supported
    return step("mcp.choose_auth_method", inp, expect=None if error else {"method": want}, error=error, field=field)


def resp(status, body=None, headers=None):
    r = {"status": status, "headers": headers or {}}
    r["body"] = body if isinstance(body, str) else (json.dumps(body) if body is not None else "")
    if body is not None and not isinstance(body, str):
        r["headers"] = dict(r["headers"], **{"Content-Type": "application/json"})
    return r


def discovery_cases():
    out, case = case_collector()
    case("prm urls: path-inserted then root, in the spec's order",
         urls("mcp.prm_urls", {"server_url": "https://example.com/public/mcp"},
              ["https://example.com/.well-known/oauth-protected-resource/public/mcp",
               "https://example.com/.well-known/oauth-protected-resource"]),
         urls("mcp.prm_urls", {"server_url": "https://example.com/public/mcp/"},
              ["https://example.com/.well-known/oauth-protected-resource/public/mcp",
               "https://example.com/.well-known/oauth-protected-resource"]),
         urls("mcp.prm_urls", {"server_url": "https://example.com/mcp?tenant=1"},
              ["https://example.com/.well-known/oauth-protected-resource/mcp",
               "https://example.com/.well-known/oauth-protected-resource"]),
         source="MCP 2026-07-28 Authorization Server Discovery; RFC 9728 §3.1")
    case("prm urls: a server at the root has one well-known url",
         urls("mcp.prm_urls", {"server_url": "https://example.com"}, ["https://example.com/.well-known/oauth-protected-resource"]),
         urls("mcp.prm_urls", {"server_url": "https://EXAMPLE.com:443/"}, ["https://example.com/.well-known/oauth-protected-resource"]),
         urls("mcp.prm_urls", {"server_url": "http://localhost:3001/mcp"},
              ["http://localhost:3001/.well-known/oauth-protected-resource/mcp",
               "http://localhost:3001/.well-known/oauth-protected-resource"]),
         source="RFC 9728 §3.1")
    case("prm urls: the challenge's resource_metadata alone when given",
         urls("mcp.prm_urls", {"server_url": MCP, "resource_metadata": "https://mcp.example.com/custom/metadata.json"},
              ["https://mcp.example.com/custom/metadata.json"]),
         source="MCP 2026-07-28: use the resource metadata URL from WWW-Authenticate when present")
    case("prm urls: refused urls",
         urls("mcp.prm_urls", {"server_url": "ftp://example.com/mcp"}, error="invalid_input", field="server_url"),
         urls("mcp.prm_urls", {"server_url": "http://example.com/mcp"}, error="invalid_input", field="server_url"),
         urls("mcp.prm_urls", {"server_url": "https://example.com/mcp#x"}, error="invalid_input", field="server_url"),
         urls("mcp.prm_urls", {"server_url": MCP, "resource_metadata": "javascript:alert(1)"}, error="invalid_input", field="resource_metadata"),
         urls("mcp.prm_urls", {"server_url": MCP, "resource_metadata": "http://evil.example/prm"}, error="invalid_input", field="resource_metadata"),
         source="MCP 2026-07-28 Communication Security (https; http only to loopback)")
    case("authorization server metadata urls for an issuer with a path",
         urls("mcp.as_metadata_urls", {"issuer": "https://auth.example.com/tenant1"},
              ["https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
               "https://auth.example.com/.well-known/openid-configuration/tenant1",
               "https://auth.example.com/tenant1/.well-known/openid-configuration"]),
         urls("mcp.as_metadata_urls", {"issuer": "https://auth.example.com/a/b/"},
              ["https://auth.example.com/.well-known/oauth-authorization-server/a/b",
               "https://auth.example.com/.well-known/openid-configuration/a/b",
               "https://auth.example.com/a/b/.well-known/openid-configuration"]),
         source="MCP 2026-07-28 Authorization Server Metadata Discovery (priority order); RFC 8414 §3.1")
    case("authorization server metadata urls for an issuer without a path",
         urls("mcp.as_metadata_urls", {"issuer": "https://auth.example.com"},
              ["https://auth.example.com/.well-known/oauth-authorization-server",
               "https://auth.example.com/.well-known/openid-configuration"]),
         urls("mcp.as_metadata_urls", {"issuer": "https://auth.example.com/"},
              ["https://auth.example.com/.well-known/oauth-authorization-server",
               "https://auth.example.com/.well-known/openid-configuration"]),
         urls("mcp.as_metadata_urls", {"issuer": "https://auth.example.com?x=1"}, error="invalid_input", field="issuer"),
         urls("mcp.as_metadata_urls", {"issuer": "http://auth.example.com"}, error="invalid_input", field="issuer"),
         source="MCP 2026-07-28 Authorization Server Metadata Discovery; RFC 8414 §2 (no query or fragment)")
    case("resource match rule",
         matches(MCP, MCP, True),
         matches("https://mcp.example.com", MCP, True),
         matches("https://mcp.example.com/", MCP, True),
         matches("https://mcp.example.com/mcp/", MCP, True),
         matches("https://MCP.example.com/mcp", MCP, True),
         matches("https://mcp.example.com/public", "https://mcp.example.com/public/mcp", True),
         matches("https://mcp.example.com/mc", MCP, False),
         matches("https://mcp.example.com/mcp/sub", MCP, False),
         matches("https://evil.example.com/mcp", MCP, False),
         matches("https://mcp.example.com:8443/mcp", MCP, False),
         matches("http://mcp.example.com/mcp", MCP, False),
         matches("https://mcp.example.com/mcp?x=1", MCP, False),
         matches("not a url", MCP, False),
         source="RFC 9728 §3.3 and §7.3 (the resource must be the one the client meant); MCP conformance auth/resource-mismatch")
    case("scope selection: challenge, then scopes_supported, else omitted",
         scopes(["files:read"], challenge_scope="files:read", scopes_supported=["mcp:basic", "mcp:write"]),
         scopes(["mcp:basic", "mcp:write"], scopes_supported=["mcp:basic", "mcp:write", "mcp:basic"]),
         scopes(["mcp:basic"], challenge_scope="", scopes_supported=["mcp:basic"]),
         scopes([]),
         scopes([], scopes_supported=[]),
         scopes(["a", "b"], challenge_scope="  a  b a "),
         source="MCP 2026-07-28 Scope Selection Strategy")
    case("step-up: the union of the previous scopes and the challenge's",
         scopes(["mcp:read", "offline_access", "mcp:write"], challenge_scope="mcp:write mcp:read", previous=["mcp:read", "offline_access"]),
         scopes(["mcp:read"], challenge_scope="mcp:read", previous=["mcp:read"]),
         scopes(["x", "mcp:basic"], scopes_supported=["mcp:basic"], previous=["x"]),
         source="MCP 2026-07-28 Step-Up Authorization Flow (union of previously requested and challenged scopes)")
    secret = {"client_id": "c", "client_secret": "s"}
    public = {"client_id": "c"}
    case("token endpoint authentication choice",
         method(dict(secret, token_endpoint_auth_method="client_secret_post"), ["client_secret_basic"], "client_secret_post"),
         method(secret, ["client_secret_basic", "client_secret_post"], "client_secret_basic"),
         method(secret, ["client_secret_post", "none"], "client_secret_post"),
         method(secret, ["none"], "none"),
         method(secret, None, "client_secret_basic"),
         method(public, ["client_secret_basic"], "none"),
         method(dict(public, token_endpoint_auth_method="none"), None, "none"),
         method(dict(secret, token_endpoint_auth_method="private_key_jwt"), None, error="invalid_config", field="token_endpoint_auth_method"),
         method(dict(public, token_endpoint_auth_method="client_secret_basic"), None, error="invalid_config", field="client_secret"),
         source="RFC 8414 §2 (token_endpoint_auth_methods_supported defaults to client_secret_basic); RFC 7591 §2")
    prm = {"resource": MCP, "authorization_servers": [AS], "scopes_supported": ["mcp:basic"]}
    case("protected resource metadata documents",
         step("mcp.prm_parse", {"response": resp(200, dict(prm, bearer_methods_supported=["header"]))}, expect=prm),
         step("mcp.prm_parse", {"response": resp(200, {"resource": MCP, "authorization_servers": [AS, AS2]})},
              expect={"resource": MCP, "authorization_servers": [AS, AS2]}),
         step("mcp.prm_parse", {"response": resp(404, {"error": "not_found"})}, error="invalid_response", field="status"),
         step("mcp.prm_parse", {"response": resp(200, "<html>")}, error="invalid_response", field="body"),
         step("mcp.prm_parse", {"response": resp(200, {"authorization_servers": [AS]})}, error="invalid_response", field="resource"),
         step("mcp.prm_parse", {"response": resp(200, {"resource": "urn:x", "authorization_servers": [AS]})}, error="invalid_response", field="resource"),
         step("mcp.prm_parse", {"response": resp(200, {"resource": MCP, "authorization_servers": []})}, error="invalid_response", field="authorization_servers"),
         step("mcp.prm_parse", {"response": resp(200, {"resource": MCP})}, error="invalid_response", field="authorization_servers"),
         step("mcp.prm_parse", {"response": resp(200, {"resource": MCP, "authorization_servers": AS})}, error="invalid_response", field="authorization_servers"),
         step("mcp.prm_parse", {"response": resp(200, dict(prm, scopes_supported="mcp:basic"))}, error="invalid_response", field="scopes_supported"),
         step("mcp.prm_parse", {"response": resp(200, '{"resource": "%s", "resource": "https://evil.example", "authorization_servers": ["%s"]}' % (MCP, AS))},
              error="invalid_response", field="body"),
         source="RFC 9728 §2, §3.2")
    return out


# --- client.json -----------------------------------------------------------------------------

E1 = bytes(range(1, 65))
E2 = bytes(range(101, 165))


def hexs(b):
    return b.hex()


def pkce(entropy):
    state = b64(entropy[:32])
    verifier = b64(entropy[32:64])
    challenge = b64(hashlib.sha256(verifier.encode()).digest())
    return state, verifier, challenge


def get(url):
    return {"method": "GET", "url": url, "headers": {"Accept": "application/json"}}


def send(transmit, request):
    return {"type": "send", "transmit": transmit, "request": request}


def status(state, key=None, scopes=(), authorizations=0, error=None):
    s = {"state": state}
    if key:
        s["key"] = key
    s["scopes"] = list(scopes)
    s["authorizations"] = authorizations
    if error:
        s["error"] = error
    return s


def key(resource=MCP, issuer=AS):
    return {"resource": resource, "issuer": issuer}


def as_meta(issuer=AS, **extra):
    m = {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/authorize",
        "token_endpoint": issuer + "/token",
        "registration_endpoint": issuer + "/register",
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "authorization_response_iss_parameter_supported": True,
    }
    m.update(extra)
    return {k: v for k, v in m.items() if v is not None}


def registration(endpoint):
    body = json.dumps({"redirect_uris": [REDIRECT], "client_name": "authcore",
                       "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                       "token_endpoint_auth_method": "none", "application_type": "native"}, separators=(",", ":"))
    return {"method": "POST", "url": endpoint,
            "headers": {"Accept": "application/json", "Content-Type": "application/json"}, "body": body}


def authorize_url(endpoint, client_id, entropy, scope, resource=MCP):
    state, _, challenge = pkce(entropy)
    params = [("response_type", "code"), ("client_id", client_id), ("redirect_uri", REDIRECT)]
    if scope:
        params.append(("scope", scope))
    params += [("state", state), ("code_challenge", challenge), ("code_challenge_method", "S256"), ("resource", resource)]
    return endpoint + ("&" if "?" in endpoint else "?") + query(params)


def callback(entropy, code="code-1", iss=AS, state=None):
    params = [("code", code), ("state", state or pkce(entropy)[0])]
    if iss is not None:
        params.append(("iss", iss))
    return REDIRECT + "?" + query(params)


def token_request(endpoint, pairs, basic=None):
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if basic:
        headers["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()
    return {"method": "POST", "url": endpoint, "headers": headers, "body": form(pairs)}


def code_pairs(entropy, code="code-1", resource=MCP):
    return [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT),
            ("code_verifier", pkce(entropy)[1]), ("resource", resource)]


def new(config=None):
    cfg = {"server_url": MCP, "redirect_uri": REDIRECT}
    cfg.update(config or {})
    return step("mcp.client.new", {"config": cfg}, expect={"actions": [], "status": status("idle")})


def unauthorized(header, actions, st, status_code=401, entropy=E1, now=NOW):
    headers = {"WWW-Authenticate": header} if header is not None else {}
    return step("mcp.client.handle_unauthorized",
                {"response": {"status": status_code, "headers": headers, "body": ""}, "now": now, "entropy": hexs(entropy)},
                expect={"actions": actions, "status": st})


def respond(transmit, response, actions, st, now=NOW):
    return step("mcp.client.handle_response", {"transmit": transmit, "response": response, "now": now},
                expect={"actions": actions, "status": st})


def failed(e):
    return {"type": "failed", "error": e}


PRM_DOC = {"resource": MCP, "authorization_servers": [AS], "scopes_supported": ["mcp:basic"]}
CHALLENGE = 'Bearer resource_metadata="%s", scope="files:read"' % PRM_URL
TOKENS = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-1", "scope": "files:read"}


def saved_tokens(body, now=NOW):
    t = {"access_token": body["access_token"]}
    if "refresh_token" in body:
        t["refresh_token"] = body["refresh_token"]
    t["token_type"] = "Bearer"
    if "scope" in body:
        t["scope"] = body["scope"]
    t["expires_at"] = now + body["expires_in"]
    return t


def to_authorization(config=None, challenge=CHALLENGE, prm=PRM_DOC, meta=None, scope="files:read"):
    """Steps from `new` to the `authorize` action with a pre-registered public client `pre`."""
    cfg = {"client": {"client_id": "pre"}}
    cfg.update(config or {})
    meta = meta or as_meta()
    k = key()
    return [
        new(cfg),
        unauthorized(challenge, [send(1, get(PRM_URL))], status("pending")),
        respond(1, resp(200, prm), [send(2, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))], status("pending")),
        respond(2, resp(200, meta), [{"type": "authorize", "url": authorize_url(meta["authorization_endpoint"], "pre", E1, scope)}],
                status("waiting_for_user", k, scope.split(), 1)),
    ]


def client_cases():
    out, case = case_collector()
    k = key()
    meta = as_meta(scopes_supported=["files:read", "files:write", "offline_access"],
                   authorization_endpoint=AS + "/authorize?tenant=1")
    scope1 = "files:read offline_access"
    scope2 = "files:read offline_access files:write"
    client = {"client_id": "c-1", "client_secret": "s-1", "client_secret_expires_at": 0,
              "token_endpoint_auth_method": "client_secret_basic", "source": "dynamic"}
    step_up = 'Bearer error="insufficient_scope", scope="files:write", resource_metadata="%s"' % PRM_URL
    case("a whole run: discovery, registration, authorization, tokens, then step-up with the scope union",
         new(),
         unauthorized(CHALLENGE, [send(1, get(PRM_URL))], status("pending")),
         respond(1, resp(200, PRM_DOC), [send(2, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))], status("pending")),
         respond(2, resp(404, {"error": "not_found"}), [send(3, get("https://auth.example.com/.well-known/openid-configuration/tenant1"))], status("pending")),
         respond(3, resp(200, meta), [send(4, registration(AS + "/register"))], status("pending", k, scope1.split())),
         respond(4, resp(201, {"client_id": "c-1", "client_secret": "s-1", "token_endpoint_auth_method": "client_secret_basic"}),
                 [{"type": "save_client", "key": k, "client": client},
                  {"type": "authorize", "url": authorize_url(AS + "/authorize?tenant=1", "c-1", E1, scope1)}],
                 status("waiting_for_user", k, scope1.split(), 1)),
         step("mcp.client.handle_callback", {"callback": callback(E1), "now": NOW + 5},
              expect={"actions": [send(5, token_request(AS + "/token", code_pairs(E1), basic="c-1:s-1"))],
                      "status": status("pending", k, scope1.split(), 1)}),
         respond(5, resp(200, dict(TOKENS, scope=scope1)),
                 [{"type": "save_tokens", "key": k, "tokens": saved_tokens(dict(TOKENS, scope=scope1), NOW + 6)},
                  {"type": "authorized", "key": k}],
                 status("authorized", k, scope1.split(), 1), now=NOW + 6),
         step("mcp.client.authorize_request", {"request": {"method": "POST", "url": MCP, "headers": {}}, "now": NOW + 7},
              expect={"headers": {"Authorization": "Bearer at-1"}}),
         step("mcp.client.handle_success", {}, expect={"actions": [], "status": status("authorized", k, scope1.split(), 0)}),
         unauthorized(step_up, [send(6, get(PRM_URL))], status("pending", k, scope1.split(), 0), status_code=403, entropy=E2, now=NOW + 60),
         respond(6, resp(200, PRM_DOC), [send(7, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))],
                 status("pending", k, scope1.split(), 0), now=NOW + 60),
         respond(7, resp(200, meta), [{"type": "authorize", "url": authorize_url(AS + "/authorize?tenant=1", "c-1", E2, scope2)}],
                 status("waiting_for_user", k, scope2.split(), 1), now=NOW + 60),
         source="MCP 2026-07-28 Authorization Flow Steps, Scope Challenge Handling; RFC 9728; RFC 8414; RFC 7591; RFC 6749 §2.3.1; RFC 8707; RFC 9207")
    steps = to_authorization()
    case("iss: a callback whose iss is another issuer fails the attempt",
         *steps,
         step("mcp.client.handle_callback", {"callback": callback(E1, iss="https://evil.example.com"), "now": NOW},
              error="invalid_request", field="iss"),
         step("mcp.client.status", {}, expect=status("failed", k, ["files:read"], 1,
                                                      err("invalid_request", "The callback's `iss` is not the configured issuer.", "iss"))),
         source="RFC 9207 §2.4; MCP conformance auth/iss-wrong-issuer")
    case("iss: required when the server advertises it; a normalised variant is not equal",
         *to_authorization(),
         step("mcp.client.handle_callback", {"callback": callback(E1, iss=None), "now": NOW}, error="invalid_request", field="iss"),
         *to_authorization(),
         step("mcp.client.handle_callback", {"callback": callback(E1, iss=AS + "/"), "now": NOW}, error="invalid_request", field="iss"),
         source="RFC 9207 §2.4; MCP conformance auth/iss-supported-missing, auth/iss-normalized")
    case("iss: absent and not advertised is accepted",
         *to_authorization(meta=as_meta(authorization_response_iss_parameter_supported=None)),
         step("mcp.client.handle_callback", {"callback": callback(E1, iss=None), "now": NOW},
              expect={"actions": [send(3, token_request(AS + "/token", code_pairs(E1) + [("client_id", "pre")]))],
                      "status": status("pending", k, ["files:read"], 1)}),
         source="RFC 9207 §2.4; MCP conformance auth/iss-not-advertised")
    case("state: a forged callback is refused and the authorization keeps waiting",
         *to_authorization(),
         step("mcp.client.handle_callback", {"callback": callback(E1, state="forged"), "now": NOW}, error="state_mismatch", field="state"),
         step("mcp.client.status", {}, expect=status("waiting_for_user", k, ["files:read"], 1)),
         source="RFC 6749 §10.12")
    case("metadata issuer mismatch fails without using the metadata",
         new(),
         unauthorized(CHALLENGE, [send(1, get(PRM_URL))], status("pending")),
         respond(1, resp(200, PRM_DOC), [send(2, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))], status("pending")),
         respond(2, resp(200, as_meta(issuer="https://attacker.example.com")),
                 [failed(err("invalid_response", "The metadata's `issuer` is not the expected issuer.", "issuer"))],
                 status("failed", error=err("invalid_response", "The metadata's `issuer` is not the expected issuer.", "issuer"))),
         source="RFC 8414 §3.3; MCP 2026-07-28 Authorization Server Metadata Discovery; MCP conformance auth/metadata-issuer-mismatch")
    e = err("invalid_response", "The resource metadata is for another resource than this MCP server.", "resource")
    case("prm resource mismatch fails",
         new(),
         unauthorized(CHALLENGE, [send(1, get(PRM_URL))], status("pending")),
         respond(1, resp(200, dict(PRM_DOC, resource="https://evil.example.com/mcp")), [failed(e)], status("failed", error=e)),
         source="RFC 9728 §3.3; MCP conformance auth/resource-mismatch")
    e = err("invalid_response", "The authorization server does not advertise PKCE S256.", "code_challenge_methods_supported")
    case("pkce: a server that does not advertise S256 is refused, unless opted out",
         new(),
         unauthorized(CHALLENGE, [send(1, get(PRM_URL))], status("pending")),
         respond(1, resp(200, PRM_DOC), [send(2, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))], status("pending")),
         respond(2, resp(200, as_meta(code_challenge_methods_supported=None)), [failed(e)], status("failed", error=e)),
         *to_authorization(config={"allow_unadvertised_pkce": True}, meta=as_meta(code_challenge_methods_supported=["plain"])),
         source="MCP 2026-07-28 Authorization Code Protection (PKCE; refuse when S256 is not advertised)")
    prm_scopes = dict(PRM_DOC, scopes_supported=["mcp:basic", "mcp:read"])
    case("scopes: scopes_supported when the challenge has none; omitted when neither says",
         *to_authorization(challenge='Bearer resource_metadata="%s"' % PRM_URL, prm=prm_scopes, scope="mcp:basic mcp:read"),
         *to_authorization(challenge='Bearer resource_metadata="%s"' % PRM_URL, prm={"resource": MCP, "authorization_servers": [AS]}, scope=""),
         source="MCP 2026-07-28 Scope Selection Strategy")
    case("offline_access only when the authorization server lists it, and only when asked",
         *to_authorization(meta=as_meta(scopes_supported=["files:read", "offline_access"]), scope="files:read offline_access"),
         *to_authorization(config={"request_offline_access": False}, meta=as_meta(scopes_supported=["files:read", "offline_access"]), scope="files:read"),
         source="MCP 2026-07-28 Refresh Tokens (MAY add offline_access when the AS lists it)")
    e403 = err("forbidden", "The MCP server refused the request (403) without asking for more scope.")
    case("a 403 without insufficient_scope fails at once",
         new(),
         unauthorized('Bearer error="invalid_token"', [failed(e403)], status("failed", error=e403), status_code=403),
         source="RFC 6750 §3.1")
    ecap = err("insufficient_scope", "The MCP server still refuses after 1 authorizations; giving up.")
    case("the step-up retry cap",
         *to_authorization(config={"max_authorizations": 1}),
         step("mcp.client.handle_callback", {"callback": callback(E1), "now": NOW},
              expect={"actions": [send(3, token_request(AS + "/token", code_pairs(E1) + [("client_id", "pre")]))],
                      "status": status("pending", k, ["files:read"], 1)}),
         respond(3, resp(200, TOKENS), [{"type": "save_tokens", "key": k, "tokens": saved_tokens(TOKENS)}, {"type": "authorized", "key": k}],
                 status("authorized", k, ["files:read"], 1)),
         unauthorized('Bearer error="insufficient_scope", scope="files:read"', [failed(ecap)],
                      status("failed", k, ["files:read"], 1, ecap), status_code=403),
         source="MCP 2026-07-28 Step-Up Authorization Flow (retry limits); MCP conformance auth/scope-retry-limit")
    case("the 2025-03-26 fallbacks: no resource metadata, metadata at the server's origin, then default endpoints",
         new(),
         unauthorized("Bearer", [send(1, get(PRM_URL))], status("pending")),
         respond(1, resp(404, ""), [send(2, get(PRM_ROOT))], status("pending")),
         respond(2, resp(404, ""), [send(3, get("https://mcp.example.com/.well-known/oauth-authorization-server"))], status("pending")),
         respond(3, resp(404, ""), [send(4, get("https://mcp.example.com/.well-known/openid-configuration"))], status("pending")),
         respond(4, resp(404, ""), [send(5, registration("https://mcp.example.com/register"))],
                 status("pending", key(MCP, "https://mcp.example.com"))),
         respond(5, resp(201, {"client_id": "legacy"}),
                 [{"type": "save_client", "key": key(MCP, "https://mcp.example.com"),
                   "client": {"client_id": "legacy", "client_secret_expires_at": 0, "source": "dynamic"}},
                  {"type": "authorize", "url": authorize_url("https://mcp.example.com/authorize", "legacy", E1, "")}],
                 status("waiting_for_user", key(MCP, "https://mcp.example.com"), [], 1)),
         step("mcp.client.handle_callback", {"callback": callback(E1, iss=None), "now": NOW},
              expect={"actions": [send(6, token_request("https://mcp.example.com/token", code_pairs(E1) + [("client_id", "legacy")]))],
                      "status": status("pending", key(MCP, "https://mcp.example.com"), [], 1)}),
         source="MCP 2025-03-26 Authorization (2.3.3 fallbacks for servers without metadata discovery)")
    enf = err("invalid_response", "No protected resource metadata was found (last status 404).", "resource_metadata")
    case("a challenge's resource_metadata that is not found fails (no fallback)",
         new(),
         unauthorized(CHALLENGE, [send(1, get(PRM_URL))], status("pending")),
         respond(1, resp(404, ""), [failed(enf)], status("failed", error=enf)),
         source="MCP 2026-07-28 Authorization Server Discovery")
    case("client id metadata document when the server supports it",
         new({"client_metadata_url": "https://app.example.com/client.json"}),
         unauthorized(CHALLENGE, [send(1, get(PRM_URL))], status("pending")),
         respond(1, resp(200, PRM_DOC), [send(2, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))], status("pending")),
         respond(2, resp(200, as_meta(client_id_metadata_document_supported=True)),
                 [{"type": "authorize", "url": authorize_url(AS + "/authorize", "https://app.example.com/client.json", E1, "files:read")}],
                 status("waiting_for_user", k, ["files:read"], 1)),
         source="MCP 2026-07-28 Client Registration (priority: pre-registered, metadata document, dynamic)")
    provided = {"client_id": "typed", "client_secret": "typed-secret", "token_endpoint_auth_method": "client_secret_post"}
    case("no way to get a client: ask the person",
         new(),
         unauthorized(CHALLENGE, [send(1, get(PRM_URL))], status("pending")),
         respond(1, resp(200, PRM_DOC), [send(2, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))], status("pending")),
         respond(2, resp(200, as_meta(registration_endpoint=None)), [{"type": "needs_client", "key": k}],
                 status("waiting_for_user", k, ["files:read"])),
         step("mcp.client.provide_client", {"client": provided, "now": NOW},
              expect={"actions": [{"type": "save_client", "key": k, "client": dict(provided, client_secret_expires_at=0, source="pre_registered")},
                                  {"type": "authorize", "url": authorize_url(AS + "/authorize", "typed", E1, "files:read")}],
                      "status": status("waiting_for_user", k, ["files:read"], 1)}),
         step("mcp.client.handle_callback", {"callback": callback(E1), "now": NOW},
              expect={"actions": [send(3, token_request(AS + "/token", code_pairs(E1) + [("client_id", "typed"), ("client_secret", "typed-secret")]))],
                      "status": status("pending", k, ["files:read"], 1)}),
         source="MCP 2026-07-28 Client Registration (ask the user)")
    stored_client = {"client_id": "c-9", "client_secret": "s-9", "client_secret_expires_at": 0, "source": "dynamic"}
    stored_tokens = {"access_token": "old", "refresh_token": "rt-9", "token_type": "Bearer", "scope": "files:read", "expires_at": NOW - 10}
    refreshed = {"access_token": "new", "token_type": "Bearer", "expires_in": 3600, "scope": "files:read"}
    case("a 401 with stored tokens refreshes first, with resource and scope",
         new(),
         step("mcp.client.add_client", {"key": k, "client": stored_client}, expect={"actions": [], "status": status("idle")}),
         step("mcp.client.add_tokens", {"key": k, "tokens": stored_tokens},
              expect={"actions": [], "status": status("authorized", k, ["files:read"])}),
         step("mcp.client.authorize_request", {"request": {"method": "POST", "url": MCP, "headers": {}}, "now": NOW},
              expect={"headers": {"Authorization": "Bearer old"}}),
         step("mcp.client.authorize_request", {"request": {"method": "POST", "url": "https://other.example.com/mcp", "headers": {}}, "now": NOW},
              error="invalid_input", field="url"),
         unauthorized('Bearer error="invalid_token", resource_metadata="%s"' % PRM_URL, [send(1, get(PRM_URL))],
                      status("pending", k, ["files:read"])),
         respond(1, resp(200, PRM_DOC), [send(2, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))],
                 status("pending", k, ["files:read"])),
         respond(2, resp(200, as_meta(token_endpoint_auth_methods_supported=["client_secret_post"])),
                 [send(3, token_request(AS + "/token", [("grant_type", "refresh_token"), ("refresh_token", "rt-9"), ("resource", MCP),
                                                        ("scope", "files:read"), ("client_id", "c-9"), ("client_secret", "s-9")]))],
                 status("pending", k, ["files:read"], 1)),
         respond(3, resp(200, refreshed),
                 [{"type": "save_tokens", "key": k, "tokens": dict(saved_tokens(refreshed), refresh_token="rt-9")}, {"type": "authorized", "key": k}],
                 status("authorized", k, ["files:read"], 1)),
         source="RFC 6749 §6 (refresh; the old refresh token stays when none is issued); RFC 8707 §2.2")
    e_grant = {"error": "invalid_grant", "error_description": "refresh token revoked"}
    case("a refused refresh falls back to a new authorization",
         new(),
         step("mcp.client.add_client", {"key": k, "client": stored_client}, expect={"actions": [], "status": status("idle")}),
         step("mcp.client.add_tokens", {"key": k, "tokens": stored_tokens},
              expect={"actions": [], "status": status("authorized", k, ["files:read"])}),
         unauthorized('Bearer error="invalid_token", resource_metadata="%s"' % PRM_URL, [send(1, get(PRM_URL))],
                      status("pending", k, ["files:read"])),
         respond(1, resp(200, PRM_DOC), [send(2, get("https://auth.example.com/.well-known/oauth-authorization-server/tenant1"))],
                 status("pending", k, ["files:read"])),
         respond(2, resp(200, as_meta()),
                 [send(3, token_request(AS + "/token", [("grant_type", "refresh_token"), ("refresh_token", "rt-9"), ("resource", MCP),
                                                        ("scope", "files:read")], basic="c-9:s-9"))],
                 status("pending", k, ["files:read"], 1)),
         respond(3, resp(400, e_grant),
                 [{"type": "authorize", "url": authorize_url(AS + "/authorize", "c-9", E1, "files:read mcp:basic")}],
                 status("waiting_for_user", k, ["files:read", "mcp:basic"], 2)),
         step("mcp.client.authorize_request", {"request": {"method": "POST", "url": MCP, "headers": {}}, "now": NOW},
              expect={"headers": {}}),
         source="RFC 6749 §5.2 (invalid_grant), §6")
    k2 = key(MCP, AS2)
    case("authorization server migration: the new issuer gets its own registration",
         new(),
         step("mcp.client.add_client", {"key": k, "client": stored_client}, expect={"actions": [], "status": status("idle")}),
         step("mcp.client.add_tokens", {"key": k, "tokens": stored_tokens},
              expect={"actions": [], "status": status("authorized", k, ["files:read"])}),
         unauthorized('Bearer scope="files:read", resource_metadata="%s"' % PRM_URL, [send(1, get(PRM_URL))], status("pending", k, ["files:read"])),
         respond(1, resp(200, dict(PRM_DOC, authorization_servers=[AS2])), [send(2, get(AS2 + "/.well-known/oauth-authorization-server"))],
                 status("pending", k, ["files:read"])),
         respond(2, resp(200, as_meta(issuer=AS2)), [send(3, registration(AS2 + "/register"))], status("pending", k2, ["files:read"])),
         source="MCP 2026-07-28 Client Registration (credentials are per authorization server); MCP conformance auth/authorization-server-migration")
    case("snapshot and restore while the browser is out",
         *to_authorization(),
         step("mcp.client.snapshot", {}, bind="snap"),
         step("mcp.client.restore", {"snapshot": {"$ref": "snap"}}, expect={"status": status("waiting_for_user", k, ["files:read"], 1)}),
         step("mcp.client.resume", {"now": NOW},
              expect={"actions": [{"type": "authorize", "url": authorize_url(AS + "/authorize", "pre", E1, "files:read")}],
                      "status": status("waiting_for_user", k, ["files:read"], 1)}),
         step("mcp.client.handle_callback", {"callback": callback(E1), "now": NOW},
              expect={"actions": [send(3, token_request(AS + "/token", code_pairs(E1) + [("client_id", "pre")]))],
                      "status": status("pending", k, ["files:read"], 1)}),
         step("mcp.client.restore", {"snapshot": {"version": 99}}, error="state_version_unsupported", field="version"),
         step("mcp.client.restore", {"snapshot": {"config": {}}}, error="state_corrupt", field="version"),
         step("mcp.client.restore", {"snapshot": {"version": 1, "config": {}}}, error="state_corrupt", field="snapshot"),
         step("mcp.client.restore", {"snapshot": [1]}, error="state_corrupt", field="snapshot"),
         source="conformance/README.md State machines (snapshot and restore)")
    case("misuse: inputs that are not legal now",
         new(),
         step("mcp.client.handle_callback", {"callback": REDIRECT + "?code=x&state=y", "now": NOW}, error="invalid_state"),
         step("mcp.client.handle_response", {"transmit": 7, "response": resp(200, {}), "now": NOW}, error="invalid_state", field="transmit"),
         step("mcp.client.handle_unauthorized", {"response": {"status": 500, "headers": {}, "body": ""}, "now": NOW, "entropy": hexs(E1)},
              error="invalid_input", field="status"),
         unauthorized(CHALLENGE, [send(1, get(PRM_URL))], status("pending")),
         step("mcp.client.handle_unauthorized", {"response": {"status": 401, "headers": {}, "body": ""}, "now": NOW, "entropy": hexs(E1)},
              error="invalid_state"),
         step("mcp.client.handle_network_error", {"transmit": 1, "now": NOW},
              expect={"actions": [failed(err("network_error", "A request of the authorization failed."))],
                      "status": status("failed", error=err("network_error", "A request of the authorization failed."))}),
         step("mcp.client.new", {"config": {"server_url": "http://mcp.example.com/mcp", "redirect_uri": REDIRECT}}, error="invalid_config", field="server_url"),
         step("mcp.client.new", {"config": {"server_url": MCP}}, error="invalid_config", field="redirect_uri"),
         step("mcp.client.new", {"config": {"server_url": MCP, "redirect_uri": REDIRECT, "max_authorizations": 0}}, error="invalid_config", field="max_authorizations"),
         step("mcp.client.new", {"config": {"server_url": MCP, "redirect_uri": REDIRECT, "client_metadata_url": "http://app.example.com/c.json"}},
              error="invalid_config", field="client_metadata_url"),
         step("mcp.client.new", {"config": {"server_url": MCP, "redirect_uri": REDIRECT, "client": {"client_id": "c", "token_endpoint_auth_method": "private_key_jwt"}}},
              error="invalid_config", field="token_endpoint_auth_method"),
         source="conformance/README.md State machines")
    return out


def main():
    write_suite(os.path.join(ROOT, "vectors", "mcp", "discovery.json"), {
        "suite": "mcp",
        "description": "MCP authorization discovery rules: protected resource metadata URLs, authorization-server metadata URLs in the spec's order, the resource match rule, scope selection and step-up union, token endpoint authentication choice, protected resource metadata documents.",
        "cases": discovery_cases(),
    })
    write_suite(os.path.join(ROOT, "vectors", "mcp", "client.json"), {
        "suite": "mcp",
        "description": "The MCP authorization client machine against scripted responses: a whole run with registration and step-up, iss and state checks, issuer and resource mismatch, PKCE refusal, scopes and offline_access, the retry cap, the 2025-03-26 fallbacks, metadata documents, asking for a client, refresh, authorization-server migration, snapshot and restore, misuse.",
        "cases": client_cases(),
    })


if __name__ == "__main__":
    main()
