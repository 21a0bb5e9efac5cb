#!/usr/bin/env python3
"""Writes conformance/vectors/grants/grants.json: token requests beyond the authorization code
(RFC 6749 §2.3.1 client authentication and §4.4 client credentials; RFC 7523 §2.1 JWT-bearer
grant and §2.2 `private_key_jwt` client assertions; RFC 8693 token exchange with the
enterprise-managed ID-JAG profile; RFC 8707 resource indicators).

Every expectation is written by hand from those specs: request bodies are built here with the
standard library's form encoding (`vectorlib.form`), Basic credentials from the form-encoded id
and secret, and Ed25519 client assertions signed with the `openssl` CLI (EdDSA is
deterministic, so the whole request is compared byte for byte). ES256 and RSA assertions are
not reproducible (aws-lc randomises ECDSA), so their cases verify the assertion with the public
key (`jwt.verify`) and compare its header and claims. The values of the MCP conformance suite's
scenarios (`client-credentials-*`, `wif-jwt-bearer`, `enterprise-managed-authorization`) are
used where a case mirrors one.
"""
import base64
import json
import os
import subprocess
import tempfile

from vectorlib import NOW, b64, case_collector, form, js, step, write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = os.path.join(ROOT, "keys")

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
ID_JAG = "urn:ietf:params:oauth:token-type:id-jag"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"
JWT = "urn:ietf:params:oauth:token-type:jwt"

AS = "http://localhost:3001"  # a conformance-suite authorization server (loopback http)
TOKEN_URL = AS + "/token"
MCP = "http://localhost:3000/mcp"
ENTROPY = bytes(range(16)).hex()
JTI = b64(bytes(range(16)))


def key(name):
    with open(os.path.join(KEYS, name)) as f:
        return f.read()


def ed25519_sign(data):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", os.path.join(KEYS, "ed25519.pem"), "-rawin", "-in", f.name],
                              check=True, capture_output=True).stdout


def eddsa_jwt(header, claims):
    si = b64(js(header).encode()) + "." + b64(js(claims).encode())
    return si + "." + b64(ed25519_sign(si.encode()))


def endpoint(**kw):
    return {"url": TOKEN_URL, "issuer": AS, **kw}


def post(body, basic=None, url=TOKEN_URL):
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    if basic:
        headers["Authorization"] = "Basic " + base64.b64encode(
            (form([("", basic[0])])[1:] + ":" + form([("", basic[1])])[1:]).encode()).decode()
    return {"method": "POST", "url": url, "headers": dict(sorted(headers.items())), "body": form(body)}


def request_step(auth, request, expect=None, error=None, field=None, ep=None, entropy=None, bind=None):
    inp = {"endpoint": ep or endpoint(), "auth": auth, "request": request, "now": NOW}
    if entropy is not None:
        inp["entropy"] = entropy
    return step("grants.request", inp, expect=expect, error=error, field=field, bind=bind)


def assertion_claims(client_id, aud, lifetime=60):
    return {"aud": aud, "exp": NOW + lifetime, "iat": NOW, "iss": client_id, "jti": JTI, "sub": client_id}


def response(status, body):
    return {"status": status, "headers": {"Content-Type": "application/json"},
            "body": body if isinstance(body, str) else json.dumps(body)}


BASIC = {"type": "client_secret_basic", "client_id": "conformance-test-client", "client_secret": "conformance-test-secret"}
CC = {"grant": {"type": "client_credentials"}}
ED_KEY = {"pem": key("ed25519.pem")}
P256_KEY = {"pem": key("p256.pem")}
RSA_KEY = {"pem": key("rsa2048.pem")}


def cases():
    out, case = case_collector()

    # --- client authentication -------------------------------------------------------------
    case("client credentials with client_secret_basic, scope and resource",
         request_step(BASIC, dict(CC, scope="mcp:read mcp:write", resource=MCP),
                      post([("grant_type", "client_credentials"), ("scope", "mcp:read mcp:write"), ("resource", MCP)],
                           basic=("conformance-test-client", "conformance-test-secret"))),
         source="RFC 6749 §2.3.1, §4.4.2; RFC 8707 §2; MCP conformance auth/client-credentials-basic")
    case("client_secret_basic form-encodes the id and secret before base64",
         request_step({"type": "client_secret_basic", "client_id": "a b:c", "client_secret": "p&ss=wörd"}, CC,
                      post([("grant_type", "client_credentials")], basic=("a b:c", "p&ss=wörd"))),
         source="RFC 6749 §2.3.1")
    case("client_secret_post puts the id and secret in the body",
         request_step({"type": "client_secret_post", "client_id": "id-1", "client_secret": "s 1"}, CC,
                      post([("grant_type", "client_credentials"), ("client_id", "id-1"), ("client_secret", "s 1")])),
         request_step({"type": "client_secret_post", "client_id": "id-1", "client_secret": ""}, CC,
                      error="invalid_input", field="client_secret"),
         request_step({"type": "client_secret_basic", "client_id": "", "client_secret": "s"}, CC,
                      error="invalid_input", field="client_id"),
         source="RFC 6749 §2.3.1")
    case("the client credentials grant needs an authenticated client",
         request_step({"type": "none", "client_id": "public"}, CC, error="invalid_input", field="auth"),
         source="RFC 6749 §4.4")
    # --- private_key_jwt -------------------------------------------------------------------
    ed_assertion = eddsa_jwt({"alg": "EdDSA", "typ": "JWT"}, assertion_claims("conformance-test-client", AS))
    case("private_key_jwt with an Ed25519 key: the whole request, byte for byte",
         request_step({"type": "private_key_jwt", "client_id": "conformance-test-client", "key": ED_KEY},
                      dict(CC, scope="mcp:read"),
                      post([("grant_type", "client_credentials"), ("scope", "mcp:read"),
                            ("client_id", "conformance-test-client"), ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                            ("client_assertion", ed_assertion)]),
                      entropy=ENTROPY),
         source="RFC 7523 §2.2, §3; RFC 7523bis (aud is the issuer); MCP conformance auth/client-credentials-jwt")
    ed_kid = eddsa_jwt({"alg": "EdDSA", "kid": "client-key-1", "typ": "JWT"}, assertion_claims("c-1", AS, 30))
    case("private_key_jwt with a kid and a shorter lifetime",
         step("grants.client_assertion", {"endpoint": endpoint(), "client_id": "c-1", "key": dict(ED_KEY, kid="client-key-1"),
                                          "lifetime": 30, "now": NOW, "entropy": ENTROPY},
              expect={"assertion": ed_kid}),
         source="RFC 7523 §3; RFC 7515 §4.1.4")
    case("private_key_jwt with a P-256 key verifies with the public key (ES256 by default)",
         step("grants.client_assertion", {"endpoint": endpoint(), "client_id": "conformance-test-client", "key": P256_KEY,
                                          "now": NOW, "entropy": ENTROPY}, bind="a"),
         step("jwt.verify", {"config": {"algorithms": ["ES256"], "issuer": "conformance-test-client", "audience": AS, "leeway": 0},
                             "keys": [{"alg": "ES256", "pem": key("p256.pub.pem")}],
                             "token": {"$ref": "a.assertion"}, "now": NOW + 59},
              expect={"alg": "ES256", "typ": "JWT", "claims": assertion_claims("conformance-test-client", AS)}),
         step("jwt.verify", {"config": {"algorithms": ["ES256"], "leeway": 0},
                             "keys": [{"alg": "ES256", "pem": key("p256.pub.pem")}],
                             "token": {"$ref": "a.assertion"}, "now": NOW + 60},
              error="token_expired"),
         source="RFC 7523 §3 (exp, iat, jti); MCP conformance auth/client-credentials-jwt")
    case("the assertion audience is the issuer exactly as the metadata gives it",
         step("grants.client_assertion", {"endpoint": endpoint(issuer="https://as.example.com/tenant/"), "client_id": "c",
                                          "key": P256_KEY, "now": NOW, "entropy": ENTROPY}, bind="a"),
         step("jwt.verify", {"config": {"algorithms": ["ES256"], "audience": "https://as.example.com/tenant/"},
                             "keys": [{"alg": "ES256", "pem": key("p256.pub.pem")}],
                             "token": {"$ref": "a.assertion"}, "now": NOW},
              expect={"alg": "ES256", "typ": "JWT", "claims": assertion_claims("c", "https://as.example.com/tenant/")}),
         step("grants.client_assertion", {"endpoint": {"url": TOKEN_URL}, "client_id": "c", "key": P256_KEY,
                                          "now": NOW, "entropy": ENTROPY},
              error="invalid_config", field="issuer"),
         source="RFC 7523bis §4 (the issuer is the sole audience); RFC 8414 §3.3")
    case("an RSA key signs PS256 when the metadata lists only PS256",
         step("grants.client_assertion", {"endpoint": endpoint(auth_signing_alg_values_supported=["PS256", "ES256"]),
                                          "client_id": "c", "key": RSA_KEY, "now": NOW, "entropy": ENTROPY}, bind="a"),
         step("jwt.verify", {"config": {"algorithms": ["PS256"], "audience": AS},
                             "keys": [{"alg": "PS256", "pem": key("rsa2048.pub.pem")}],
                             "token": {"$ref": "a.assertion"}, "now": NOW},
              expect={"alg": "PS256", "typ": "JWT", "claims": assertion_claims("c", AS)}),
         step("grants.client_assertion", {"endpoint": endpoint(), "client_id": "c", "key": RSA_KEY, "now": NOW, "entropy": ENTROPY},
              bind="b"),
         step("jwt.verify", {"config": {"algorithms": ["RS256"], "audience": AS},
                             "keys": [{"alg": "RS256", "pem": key("rsa2048.pub.pem")}],
                             "token": {"$ref": "b.assertion"}, "now": NOW},
              expect={"alg": "RS256", "typ": "JWT", "claims": assertion_claims("c", AS)}),
         source="RFC 8414 §2 token_endpoint_auth_signing_alg_values_supported")

    def ca(ep=None, key_=None, **kw):
        return {"endpoint": ep or endpoint(), "client_id": "c", "key": key_ or P256_KEY, "now": NOW, "entropy": ENTROPY, **kw}
    case("client assertion refusals",
         step("grants.client_assertion", ca(endpoint(auth_signing_alg_values_supported=["RS256"])), error="invalid_key", field="key"),
         step("grants.client_assertion", ca(endpoint(auth_signing_alg_values_supported=["HS256"])),
              error="invalid_config", field="token_endpoint_auth_signing_alg_values_supported"),
         step("grants.client_assertion", ca(endpoint(auth_signing_alg_values_supported=["RS256"]), dict(P256_KEY, alg="ES256")),
              error="invalid_config", field="alg"),
         step("grants.client_assertion", ca(key_={"alg": "HS256", "secret": "x" * 32}), error="invalid_config", field="alg"),
         step("grants.client_assertion", ca(key_={"raw_b64": b64(bytes(32))}), error="invalid_key", field="key"),
         step("grants.client_assertion", ca(lifetime=0), error="invalid_config", field="lifetime"),
         step("grants.client_assertion", ca(lifetime=601), error="invalid_config", field="lifetime"),
         step("grants.client_assertion", ca(entropy="00" * 15), error="entropy_unavailable"),
         step("grants.client_assertion", dict(ca(), client_id=""), error="invalid_input", field="client_id"),
         source="RFC 7523 §3; RFC 7518 §3.1")

    # --- grants ------------------------------------------------------------------------------
    none = {"type": "none", "client_id": "pub-1"}
    case("authorization code and refresh requests carry scope and every resource",
         request_step(none, {"grant": {"type": "authorization_code", "code": "c 1", "redirect_uri": "http://127.0.0.1:3000/cb",
                                       "code_verifier": "v" * 43},
                             "scope": "  a  b ", "resource": [MCP, "https://other.example.com/"]},
                      post([("grant_type", "authorization_code"), ("code", "c 1"), ("redirect_uri", "http://127.0.0.1:3000/cb"),
                            ("code_verifier", "v" * 43), ("scope", "a b"), ("resource", MCP),
                            ("resource", "https://other.example.com/"), ("client_id", "pub-1")])),
         request_step({"type": "none"}, {"grant": {"type": "refresh_token", "refresh_token": "rt-1"}, "scope": "   "},
                      post([("grant_type", "refresh_token"), ("refresh_token", "rt-1")])),
         source="RFC 6749 §4.1.3, §6, §3.3; RFC 8707 §2")
    case("scope, resource and endpoint refusals",
         request_step(BASIC, dict(CC, scope='a "b"'), error="invalid_input", field="scope"),
         request_step(BASIC, dict(CC, resource=MCP + "#frag"), error="invalid_input", field="resource"),
         request_step(BASIC, dict(CC, resource="/mcp"), error="invalid_input", field="resource"),
         request_step(BASIC, CC, ep={"url": "http://as.example.com/token"}, error="invalid_config", field="url"),
         request_step(BASIC, CC, ep={"url": "http://as.example.com/token", "allow_insecure_http": True},
                      expect=post([("grant_type", "client_credentials")], basic=("conformance-test-client", "conformance-test-secret"),
                                  url="http://as.example.com/token")),
         source="RFC 6749 §3.3; RFC 8707 §2; RFC 8414 §2")

    wif = eddsa_jwt({"alg": "EdDSA", "typ": "JWT"}, {"aud": AS, "exp": NOW + 300, "iat": NOW,
                                                     "iss": "https://idp.conformance-test.local", "sub": "conformance-workload"})
    wif_expired = eddsa_jwt({"alg": "EdDSA", "typ": "JWT"}, {"aud": AS, "exp": NOW - 60, "iat": NOW - 360,
                                                             "iss": "https://idp.conformance-test.local", "sub": "conformance-workload"})
    wif_auth = {"type": "none", "client_id": "conformance-wif-workload"}
    wif_request = {"grant": {"type": "jwt_bearer", "assertion": wif}, "scope": "mcp:read"}
    case("jwt bearer grant with a workload identity assertion",
         request_step(wif_auth, wif_request,
                      post([("grant_type", JWT_BEARER), ("assertion", wif), ("scope", "mcp:read"),
                            ("client_id", "conformance-wif-workload")])),
         step("grants.response", {"request": wif_request, "now": NOW,
                                  "response": response(200, {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600,
                                                             "scope": "mcp:read"})},
              expect={"access_token": "at-1", "token_type": "Bearer", "scope": "mcp:read", "expires_at": NOW + 3600}),
         source="RFC 7523 §2.1; MCP conformance auth/wif-jwt-bearer")
    case("an expired or malformed assertion is not sent",
         request_step(wif_auth, {"grant": {"type": "jwt_bearer", "assertion": wif_expired}}, error="token_expired", field="assertion"),
         request_step(wif_auth, {"grant": {"type": "jwt_bearer", "assertion": "opaque-assertion"}}, error="invalid_input", field="assertion"),
         request_step(wif_auth, {"grant": {"type": "jwt_bearer", "assertion": ""}}, error="invalid_input", field="assertion"),
         source="RFC 7523 §3 (exp); RFC 7519 §4.1.4")
    case("errors from the token endpoint name the field they are about",
         step("grants.response", {"request": wif_request, "now": NOW,
                                  "response": response(400, {"error": "invalid_grant", "error_description": "JWT assertion is expired"})},
              error="invalid_grant", field="assertion"),
         step("grants.response", {"request": wif_request, "now": NOW, "response": response(400, {"error": "invalid_scope"})},
              error="invalid_scope", field="scope"),
         step("grants.response", {"request": wif_request, "now": NOW, "response": response(400, {"error": "unauthorized_client"})},
              error="unauthorized_client"),
         step("grants.response", {"request": wif_request, "now": NOW, "response": response(400, {"error": "invalid_target"})},
              error="invalid_request", field="resource"),
         step("grants.response", {"request": CC, "now": NOW, "response": response(401, {"error": "invalid_client"})},
              error="invalid_client", field="client_id"),
         step("grants.response", {"request": {"grant": {"type": "refresh_token", "refresh_token": "rt"}}, "now": NOW,
                                  "response": response(400, {"error": "invalid_grant"})},
              error="invalid_grant", field="refresh_token"),
         step("grants.response", {"request": CC, "now": NOW, "response": response(503, "unavailable")}, error="server_error"),
         source="RFC 6749 §5.2; RFC 7523 §3.1; RFC 8707 §2")

    # --- token exchange, ID-JAG --------------------------------------------------------------
    idp = {"url": "http://localhost:3002/token", "issuer": "http://localhost:3002"}
    id_token = eddsa_jwt({"alg": "EdDSA", "typ": "JWT"}, {"aud": "conformance-test-idp-client", "exp": NOW + 3600, "iat": NOW,
                                                          "iss": "http://localhost:3002", "sub": "demo-user@example.com"})
    jag_request = {"grant": {"type": "token_exchange", "subject_token": id_token, "subject_token_type": ID_TOKEN,
                             "requested_token_type": ID_JAG, "audience": [AS]},
                   "resource": [MCP]}
    jag = eddsa_jwt({"alg": "EdDSA", "typ": "oauth-id-jag+jwt"}, {"aud": AS, "client_id": "conformance-test-xaa-client",
                                                                  "exp": NOW + 300, "iat": NOW, "iss": "http://localhost:3002",
                                                                  "jti": "j-1", "resource": MCP, "sub": "demo-user@example.com"})
    case("enterprise-managed authorization: ID token to ID-JAG, then the ID-JAG as a JWT bearer grant",
         step("grants.id_jag_request", {"id_token": id_token, "authorization_server": AS, "resource": MCP}, expect=jag_request, bind="x"),
         step("grants.request", {"endpoint": idp, "auth": {"type": "none", "client_id": "conformance-test-idp-client"},
                                 "request": {"$ref": "x"}, "now": NOW},
              expect=post([("grant_type", TOKEN_EXCHANGE), ("requested_token_type", ID_JAG), ("audience", AS),
                           ("subject_token", id_token), ("subject_token_type", ID_TOKEN), ("resource", MCP),
                           ("client_id", "conformance-test-idp-client")], url="http://localhost:3002/token")),
         step("grants.token_exchange_response", {"request": jag_request, "now": NOW,
                                                 "response": response(200, {"access_token": jag, "issued_token_type": ID_JAG,
                                                                            "token_type": "N_A", "expires_in": 300})},
              expect={"access_token": jag, "issued_token_type": ID_JAG, "token_type": "N_A", "expires_at": NOW + 300}),
         request_step({"type": "client_secret_basic", "client_id": "conformance-test-xaa-client", "client_secret": "conformance-test-xaa-secret"},
                      {"grant": {"type": "jwt_bearer", "assertion": jag}},
                      post([("grant_type", JWT_BEARER), ("assertion", jag)],
                           basic=("conformance-test-xaa-client", "conformance-test-xaa-secret"))),
         source="RFC 8693 §2.1, §2.2.1; Identity Assertion JWT Authorization Grant; MCP conformance auth/enterprise-managed-authorization")
    case("id-jag request with scope",
         step("grants.id_jag_request", {"id_token": "a.b.c", "authorization_server": AS, "resource": MCP, "scope": "mcp:read"},
              expect={"grant": {"type": "token_exchange", "subject_token": "a.b.c", "subject_token_type": ID_TOKEN,
                                "requested_token_type": ID_JAG, "audience": [AS]},
                      "scope": "mcp:read", "resource": [MCP]}),
         source="Identity Assertion JWT Authorization Grant §4.3")
    no_aud = {"grant": dict(jag_request["grant"], audience=[]), "resource": [MCP]}
    no_res = {"grant": jag_request["grant"]}
    case("token exchange refusals before sending",
         request_step(none, no_aud, error="invalid_input", field="audience"),
         request_step(none, no_res, error="invalid_input", field="resource"),
         request_step(none, {"grant": {"type": "token_exchange", "subject_token": "t", "subject_token_type": ""}},
                      error="invalid_input", field="subject_token_type"),
         request_step(none, {"grant": {"type": "token_exchange", "subject_token": "t", "subject_token_type": ACCESS_TOKEN,
                                       "actor_token": "a"}},
                      error="invalid_input", field="actor_token_type"),
         request_step(none, {"grant": {"type": "token_exchange", "subject_token": "t", "subject_token_type": ACCESS_TOKEN,
                                       "actor_token": "a", "actor_token_type": JWT, "audience": "urn:svc"}},
                      post([("grant_type", TOKEN_EXCHANGE), ("audience", "urn:svc"), ("subject_token", "t"),
                            ("subject_token_type", ACCESS_TOKEN), ("actor_token", "a"), ("actor_token_type", JWT),
                            ("client_id", "pub-1")])),
         source="RFC 8693 §2.1; Identity Assertion JWT Authorization Grant §4.3")

    def ter(body, status=200, request=None):
        return {"request": request or jag_request, "now": NOW, "response": response(status, body)}
    case("token exchange response checks",
         step("grants.token_exchange_response", ter({"access_token": jag, "issued_token_type": ACCESS_TOKEN, "token_type": "Bearer"}),
              error="invalid_response", field="issued_token_type"),
         step("grants.token_exchange_response", ter({"access_token": jag, "token_type": "N_A"}),
              error="invalid_response", field="issued_token_type"),
         step("grants.token_exchange_response", ter({"access_token": jag, "issued_token_type": ID_JAG}),
              error="invalid_response", field="token_type"),
         step("grants.token_exchange_response", ter({"issued_token_type": ID_JAG, "token_type": "N_A"}),
              error="invalid_response", field="access_token"),
         step("grants.token_exchange_response", ter({"access_token": jag, "issued_token_type": ID_JAG, "token_type": "N_A",
                                                     "expires_in": "soon"}),
              error="invalid_response", field="expires_in"),
         step("grants.token_exchange_response", ter({"error": "invalid_grant", "error_description": "Invalid ID token"}, status=400),
              error="invalid_grant", field="subject_token"),
         step("grants.token_exchange_response", ter({"error": "invalid_target"}, status=400),
              error="invalid_request", field="resource"),
         step("grants.token_exchange_response", ter({"access_token": "x"}, request=CC), error="invalid_input", field="grant"),
         step("grants.token_exchange_response",
              ter({"access_token": "at", "issued_token_type": ACCESS_TOKEN, "token_type": "Bearer", "scope": "s",
                   "refresh_token": "rt"},
                  request={"grant": {"type": "token_exchange", "subject_token": "t", "subject_token_type": ACCESS_TOKEN}}),
              expect={"access_token": "at", "issued_token_type": ACCESS_TOKEN, "token_type": "Bearer", "scope": "s",
                      "refresh_token": "rt"}),
         source="RFC 8693 §2.2.1, §2.2.2")

    # --- choosing the method -----------------------------------------------------------------
    def choose(registered, supported, has_secret, has_key, method=None, field=None):
        inp = {"registered": registered, "supported": supported, "has_secret": has_secret, "has_key": has_key}
        return step("grants.choose_auth_method", inp, expect=None if field else {"method": method},
                    error="invalid_config" if field else None, field=field)
    every = ["none", "client_secret_post", "client_secret_basic", "private_key_jwt"]
    case("choosing the token endpoint authentication method",
         choose("client_secret_post", ["client_secret_basic"], True, False, "client_secret_post"),
         choose("tls_client_auth", None, True, False, field="token_endpoint_auth_method"),
         choose("private_key_jwt", None, True, False, field="key"),
         choose("client_secret_basic", None, False, False, field="client_secret"),
         choose(None, None, True, False, "client_secret_basic"),
         choose(None, None, False, False, field="token_endpoint_auth_methods_supported"),
         choose(None, every, True, True, "private_key_jwt"),
         choose(None, every, True, False, "client_secret_basic"),
         choose(None, every, False, False, "none"),
         choose(None, ["client_secret_post"], True, False, "client_secret_post"),
         choose(None, ["private_key_jwt"], True, False, field="token_endpoint_auth_methods_supported"),
         source="RFC 8414 §2; RFC 7591 §2")
    return out


def main():
    write_suite(os.path.join(ROOT, "vectors", "grants", "grants.json"), {
        "suite": "grants",
        "description": "Token requests beyond the authorization code: client authentication (client_secret_basic/post, none, private_key_jwt), client credentials, JWT bearer, token exchange and the ID-JAG profile, resource indicators, and the answers.",
        "cases": cases(),
    })


if __name__ == "__main__":
    main()
