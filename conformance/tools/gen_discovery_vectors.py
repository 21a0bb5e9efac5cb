#!/usr/bin/env python3
"""Writes conformance/vectors/providers/discovery.json: provider metadata (OpenID Connect
Discovery 1.0, RFC 8414) read into the endpoints the other machines take.

The documents are shaped like the ones the providers publish (member names, endpoint layouts,
issuer forms, quirks), from their public documentation (each case names its source); hosts and
tenant ids are examples. Every expectation is written by hand from the specs: the well-known
URL rules (OIDC Discovery §4.1, RFC 8414 §3.1), exact issuer equality (OIDC Discovery §4.3,
RFC 8414 §3.3), and the members core/src/discovery.rs names (others ignored).
"""
import json
import os

from vectorlib import case_collector, step, write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MEMBERS = [
    "issuer", "authorization_endpoint", "token_endpoint", "device_authorization_endpoint", "jwks_uri",
    "userinfo_endpoint", "revocation_endpoint", "introspection_endpoint", "registration_endpoint",
    "pushed_authorization_request_endpoint", "end_session_endpoint", "scopes_supported",
    "response_types_supported", "grant_types_supported", "code_challenge_methods_supported",
    "token_endpoint_auth_methods_supported", "id_token_signing_alg_values_supported",
]


def expected(doc):
    """The metadata a document yields: the named members (absent ones null), the flag false by default."""
    out = {m: doc.get(m) for m in MEMBERS}
    out["authorization_response_iss_parameter_supported"] = doc.get("authorization_response_iss_parameter_supported", False)
    return out


def response(doc, status=200):
    return {"status": status, "headers": {"Content-Type": "application/json"},
            "body": doc if isinstance(doc, str) else json.dumps(doc, indent=1)}


def url_step(issuer, kind, url=None, error=None, field=None, **kw):
    inp = {"issuer": issuer, "kind": kind, **kw}
    return step("discovery.well_known_url", inp, expect=None if error else {"url": url}, error=error, field=field)


def parse_step(doc, issuer, error=None, field=None, status=200, **kw):
    inp = {"response": response(doc, status), "issuer": issuer, **kw}
    return step("discovery.parse", inp, expect=None if error else expected(doc), error=error, field=field)


KC = "https://kc.example.com/realms/main"
KEYCLOAK = {
    "issuer": KC,
    "authorization_endpoint": KC + "/protocol/openid-connect/auth",
    "token_endpoint": KC + "/protocol/openid-connect/token",
    "introspection_endpoint": KC + "/protocol/openid-connect/token/introspect",
    "userinfo_endpoint": KC + "/protocol/openid-connect/userinfo",
    "end_session_endpoint": KC + "/protocol/openid-connect/logout",
    "frontchannel_logout_session_supported": True,
    "frontchannel_logout_supported": True,
    "jwks_uri": KC + "/protocol/openid-connect/certs",
    "check_session_iframe": KC + "/protocol/openid-connect/login-status-iframe.html",
    "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "password", "client_credentials",
                              "urn:openid:params:grant-type:ciba", "urn:ietf:params:oauth:grant-type:device_code"],
    "acr_values_supported": ["0", "1"],
    "response_types_supported": ["code", "none", "id_token", "token", "id_token token", "code id_token", "code token",
                                 "code id_token token"],
    "subject_types_supported": ["public", "pairwise"],
    "id_token_signing_alg_values_supported": ["PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256", "HS384",
                                              "ES512", "PS256", "PS512", "RS512"],
    "userinfo_signing_alg_values_supported": ["PS384", "ES384", "RS384", "HS256", "none"],
    "response_modes_supported": ["query", "fragment", "form_post", "query.jwt", "fragment.jwt", "form_post.jwt", "jwt"],
    "registration_endpoint": KC + "/clients-registrations/openid-connect",
    "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post",
                                              "tls_client_auth", "client_secret_jwt"],
    "claims_supported": ["aud", "sub", "iss", "auth_time", "name", "given_name", "family_name", "preferred_username",
                         "email", "acr"],
    "claim_types_supported": ["normal"],
    "claims_parameter_supported": True,
    "scopes_supported": ["openid", "profile", "email", "offline_access", "roles", "web-origins", "acr", "address",
                         "phone", "microprofile-jwt", "basic"],
    "request_parameter_supported": True,
    "request_uri_parameter_supported": True,
    "require_request_uri_registration": True,
    "code_challenge_methods_supported": ["plain", "S256"],
    "tls_client_certificate_bound_access_tokens": True,
    "revocation_endpoint": KC + "/protocol/openid-connect/revoke",
    "backchannel_logout_supported": True,
    "backchannel_logout_session_supported": True,
    "device_authorization_endpoint": KC + "/protocol/openid-connect/auth/device",
    "backchannel_token_delivery_modes_supported": ["poll", "ping"],
    "backchannel_authentication_endpoint": KC + "/protocol/openid-connect/ext/ciba/auth",
    "require_pushed_authorization_requests": False,
    "pushed_authorization_request_endpoint": KC + "/protocol/openid-connect/ext/par/request",
    "mtls_endpoint_aliases": {"token_endpoint": KC + "/protocol/openid-connect/token"},
    "authorization_response_iss_parameter_supported": True,
}

TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
MS = "https://login.microsoftonline.com/" + TENANT


def entra(base, issuer):
    return {
        "token_endpoint": base + "/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": base + "/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": base + "/oauth2/v2.0/authorize",
        "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": base + "/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name",
                             "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username",
                             "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": base + "/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


ENTRA = entra(MS, MS + "/v2.0")
ENTRA_COMMON = entra("https://login.microsoftonline.com/common", "https://login.microsoftonline.com/{tenantid}/v2.0")
ENTRA_COMMON["tenant_region_scope"] = None

A0 = "https://dev-abc123.us.auth0.com/"
AUTH0 = {
    "issuer": A0,
    "authorization_endpoint": A0 + "authorize",
    "token_endpoint": A0 + "oauth/token",
    "device_authorization_endpoint": A0 + "oauth/device/code",
    "userinfo_endpoint": A0 + "userinfo",
    "mfa_challenge_endpoint": A0 + "mfa/challenge",
    "jwks_uri": A0 + ".well-known/jwks.json",
    "registration_endpoint": A0 + "oidc/register",
    "revocation_endpoint": A0 + "oauth/revoke",
    "scopes_supported": ["openid", "profile", "offline_access", "name", "given_name", "family_name", "nickname",
                         "email", "email_verified", "picture", "created_at", "identities", "phone", "address"],
    "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token",
                                 "code token id_token"],
    "code_challenge_methods_supported": ["S256", "plain"],
    "response_modes_supported": ["query", "fragment", "form_post"],
    "subject_types_supported": ["public"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
    "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name",
                         "given_name", "iat", "identities", "iss", "name", "nickname", "phone_number", "picture",
                         "sub"],
    "request_uri_parameter_supported": False,
    "request_parameter_supported": False,
    "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"],
    "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "PS256"],
    "backchannel_logout_supported": True,
    "backchannel_logout_session_supported": True,
    "end_session_endpoint": A0 + "oidc/logout",
}

OK = "https://dev-123456.okta.com/oauth2/default"
OKTA = {
    "issuer": OK,
    "authorization_endpoint": OK + "/v1/authorize",
    "token_endpoint": OK + "/v1/token",
    "userinfo_endpoint": OK + "/v1/userinfo",
    "registration_endpoint": "https://dev-123456.okta.com/oauth2/v1/clients",
    "jwks_uri": OK + "/v1/keys",
    "response_types_supported": ["code", "id_token", "code id_token", "code token", "id_token token",
                                 "code id_token token"],
    "response_modes_supported": ["query", "fragment", "form_post", "okta_post_message"],
    "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "password",
                              "urn:ietf:params:oauth:grant-type:device_code",
                              "urn:ietf:params:oauth:grant-type:token-exchange"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access", "device_sso"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "client_secret_jwt",
                                              "private_key_jwt", "none"],
    "claims_supported": ["iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce",
                         "name", "email", "at_hash", "c_hash"],
    "code_challenge_methods_supported": ["S256"],
    "introspection_endpoint": OK + "/v1/introspect",
    "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    "revocation_endpoint": OK + "/v1/revoke",
    "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    "end_session_endpoint": OK + "/v1/logout",
    "request_parameter_supported": True,
    "request_object_signing_alg_values_supported": ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256"],
    "device_authorization_endpoint": OK + "/v1/device/authorize",
    "pushed_authorization_request_endpoint": OK + "/v1/par",
    "dpop_signing_alg_values_supported": ["RS256", "ES256"],
}

GOOGLE = {
    "issuer": "https://accounts.google.com",
    "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
    "device_authorization_endpoint": "https://oauth2.googleapis.com/device/code",
    "token_endpoint": "https://oauth2.googleapis.com/token",
    "userinfo_endpoint": "https://openidconnect.googleapis.com/v1/userinfo",
    "revocation_endpoint": "https://oauth2.googleapis.com/revoke",
    "jwks_uri": "https://www.googleapis.com/oauth2/v3/certs",
    "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token",
                                 "code token id_token", "none"],
    "response_modes_supported": ["query", "fragment", "form_post"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "scopes_supported": ["openid", "email", "profile"],
    "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
    "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name",
                         "picture", "sub"],
    "code_challenge_methods_supported": ["plain", "S256"],
    "grant_types_supported": ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code",
                              "urn:ietf:params:oauth:grant-type:jwt-bearer"],
}

GL = "https://gitlab.com"
GITLAB = {
    "issuer": GL,
    "authorization_endpoint": GL + "/oauth/authorize",
    "token_endpoint": GL + "/oauth/token",
    "revocation_endpoint": GL + "/oauth/revoke",
    "introspection_endpoint": GL + "/oauth/introspect",
    "userinfo_endpoint": GL + "/oauth/userinfo",
    "jwks_uri": GL + "/oauth/discovery/keys",
    "scopes_supported": ["api", "read_api", "read_user", "create_runner", "k8s_proxy", "read_repository",
                         "write_repository", "read_registry", "write_registry", "sudo", "admin_mode", "openid",
                         "profile", "email"],
    "response_types_supported": ["code"],
    "response_modes_supported": ["query", "fragment", "form_post"],
    "grant_types_supported": ["authorization_code", "password", "client_credentials", "device_code", "refresh_token"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "claim_types_supported": ["normal"],
    "claims_supported": ["iss", "sub", "aud", "exp", "iat", "sub_legacy", "name", "nickname", "preferred_username",
                         "email", "email_verified", "website", "profile", "picture", "groups",
                         "groups_direct", "https://gitlab.org/claims/groups/owner"],
    "code_challenge_methods_supported": ["plain", "S256"],
    "device_authorization_endpoint": GL + "/oauth/authorize_device",
}




def cases():
    out, case = case_collector()

    case("well-known URLs: OpenID appends to the issuer, RFC 8414 inserts before its path",
         url_step("https://accounts.google.com", "openid", "https://accounts.google.com/.well-known/openid-configuration"),
         url_step(A0, "openid", "https://dev-abc123.us.auth0.com/.well-known/openid-configuration"),
         url_step(KC, "openid", KC + "/.well-known/openid-configuration"),
         url_step(KC + "/", "openid", KC + "/.well-known/openid-configuration"),
         url_step(MS + "/v2.0", "openid", MS + "/v2.0/.well-known/openid-configuration"),
         url_step(GL, "oauth", GL + "/.well-known/oauth-authorization-server"),
         url_step(OK, "oauth", "https://dev-123456.okta.com/.well-known/oauth-authorization-server/oauth2/default"),
         url_step("https://as.example:8443/t/x/", "oauth", "https://as.example:8443/.well-known/oauth-authorization-server/t/x"),
         url_step("http://127.0.0.1:8080/realms/dev", "openid", "http://127.0.0.1:8080/realms/dev/.well-known/openid-configuration"),
         url_step("http://idp.internal/realms/dev", "openid", "http://idp.internal/realms/dev/.well-known/openid-configuration",
                  allow_insecure_http=True),
         source="OpenID Connect Discovery 1.0 §4.1; RFC 8414 §3.1 (issuer with a path)")
    case("well-known URLs refuse an issuer that is not an https URL without query or fragment",
         url_step("http://idp.example", "openid", error="invalid_config", field="issuer"),
         url_step("https://idp.example?tenant=1", "openid", error="invalid_config", field="issuer"),
         url_step("https://idp.example#x", "oauth", error="invalid_config", field="issuer"),
         url_step("idp.example", "openid", error="invalid_config", field="issuer"),
         url_step("https://user:pw@idp.example", "openid", error="invalid_config", field="issuer"),
         source="RFC 8414 §2 (issuer: https, no query or fragment)")

    case("Keycloak realm: every endpoint, the RFC 9207 flag, unknown members ignored",
         parse_step(KEYCLOAK, KC),
         source="Keycloak server administration guide, OpenID Connect endpoints (/realms/{realm}/.well-known/openid-configuration)")
    case("Entra ID v2.0, tenant-specific: no code_challenge_methods_supported (absent, not empty)",
         parse_step(ENTRA, MS + "/v2.0"),
         source="Microsoft identity platform, OpenID Connect on the Microsoft identity platform (v2.0 metadata document)")
    case("Entra ID v2.0 'common': the issuer holds the {tenantid} template, so it never equals the expected issuer",
         parse_step(ENTRA_COMMON, "https://login.microsoftonline.com/common/v2.0", error="invalid_response", field="issuer"),
         source="Microsoft identity platform, multi-tenant apps: validate the issuer per tenant; OIDC Discovery §4.3")
    case("Auth0: the issuer ends with '/', and equality is exact",
         parse_step(AUTH0, A0),
         parse_step(AUTH0, "https://dev-abc123.us.auth0.com", error="invalid_response", field="issuer"),
         source="Auth0 docs, Locate JSON Web Key Sets / OIDC discovery (https://{tenant}.auth0.com/.well-known/openid-configuration)")
    case("Okta custom authorization server (default)",
         parse_step(OKTA, OK),
         source="Okta developer docs, OpenID Connect & OAuth 2.0 API, /.well-known/openid-configuration of a custom authorization server")
    case("Google: endpoints on several hosts",
         parse_step(GOOGLE, "https://accounts.google.com"),
         source="Google Identity, OpenID Connect (https://accounts.google.com/.well-known/openid-configuration)")
    case("GitLab.com: device authorization and PKCE methods",
         parse_step(GITLAB, GL),
         source="GitLab docs, GitLab as an OpenID Connect identity provider")

    insecure = dict(GOOGLE, token_endpoint="http://oauth2.googleapis.com/token")
    case("a malformed document is invalid_response naming the member",
         parse_step(dict(GOOGLE, issuer="https://accounts.google.com/"), "https://accounts.google.com", error="invalid_response", field="issuer"),
         parse_step({k: v for k, v in GOOGLE.items() if k != "issuer"}, "https://accounts.google.com", error="invalid_response", field="issuer"),
         parse_step(insecure, "https://accounts.google.com", error="invalid_response", field="token_endpoint"),
         parse_step(dict(GOOGLE, jwks_uri="javascript:alert(1)"), "https://accounts.google.com", error="invalid_response", field="jwks_uri"),
         parse_step(dict(GOOGLE, jwks_uri="https://www.googleapis.com/oauth2/v3/certs#k"), "https://accounts.google.com", error="invalid_response", field="jwks_uri"),
         parse_step(dict(GOOGLE, revocation_endpoint=7), "https://accounts.google.com", error="invalid_response", field="revocation_endpoint"),
         parse_step(dict(GOOGLE, scopes_supported="openid email"), "https://accounts.google.com", error="invalid_response", field="scopes_supported"),
         parse_step(dict(GOOGLE, code_challenge_methods_supported=["S256", 1]), "https://accounts.google.com", error="invalid_response", field="code_challenge_methods_supported"),
         parse_step(dict(GOOGLE, authorization_response_iss_parameter_supported="yes"), "https://accounts.google.com", error="invalid_response", field="authorization_response_iss_parameter_supported"),
         parse_step("<html>Not Found</html>", "https://accounts.google.com", error="invalid_response", field="body"),
         parse_step('{"issuer": "https://accounts.google.com", "issuer": "https://evil.example"}', "https://accounts.google.com", error="invalid_response", field="body"),
         parse_step(GOOGLE, "https://accounts.google.com", status=404, error="invalid_response", field="status"),
         parse_step(GOOGLE, "https://accounts.google.com", status=503, error="server_error", field="status"),
         parse_step(GOOGLE, "http://accounts.google.com", error="invalid_config", field="issuer"),
         source="OpenID Connect Discovery 1.0 §4.3; RFC 8414 §3.2, §3.3")
    case("a loopback development issuer over http",
         parse_step({"issuer": "http://127.0.0.1:8080/realms/dev", "token_endpoint": "http://127.0.0.1:8080/realms/dev/token"},
                    "http://127.0.0.1:8080/realms/dev"))
    return out


def main():
    write_suite(os.path.join(ROOT, "vectors", "providers", "discovery.json"), {
        "suite": "providers",
        "description": "Provider metadata (OpenID Connect Discovery, RFC 8414): well-known URLs, exact issuer equality, the endpoints other machines take, from real-shaped provider documents.",
        "cases": cases(),
    })


if __name__ == "__main__":
    main()
