#!/usr/bin/env python3
"""Writes conformance/vectors/authflow/authflow.json: dynamic client registration and auth
sessions.

Dynamic client registration per RFC 7591 (§2 client metadata, §3.1 the request as a JSON
`POST`, §3.2.1 the `201` answer with `client_id`, optional `client_secret` and
`client_secret_expires_at` where 0 means never, §3.2.2 the `invalid_redirect_uri` /
`invalid_client_metadata` errors), `application_type` per OpenID Connect Dynamic Client
Registration §2 (`native` for loopback and private-use scheme redirects, RFC 8252 §7.1 and
§7.3; `web` for https). Auth sessions per the authsome seed (`003_…`, "Auth sessions":
start, status, resume a paused or partial flow, the OAuth callback, the input form for API
keys and client credentials, the device page): PKCE (RFC 7636) with registration first,
the device authorization grant (RFC 8628), client credentials (RFC 6749 §4.4 with HTTP Basic
client authentication, §2.3.1), single use of the callback `state` (RFC 6749 §10.12), a TTL,
and a snapshot that survives a restart.

Every expectation is computed here with the standard library (base64url, SHA-256, the URLs,
forms and JSON bodies built by hand), never copied from the core.
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vectorlib import NOW, Suites, b64, err, form, query, step  # noqa: E402

SUITES = Suites()
case = SUITES.case
RFC7591 = "RFC 7591 §2, §3"
SEED = "003_b94a180b645fe3f2.txt, Auth sessions"

ENDPOINT = "https://auth.acme.example/register"
REDIRECT = "http://127.0.0.1:7998/auth/callback/oauth"
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}
FORM_HEADERS = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}


def reg_body(uris, name, app, scope=None):
    """The RFC 7591 body: metadata in the order the core writes it."""
    body = {"redirect_uris": uris, "client_name": name,
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": "none", "application_type": app}
    if scope is not None:
        body["scope"] = scope
    return json.dumps(body, separators=(",", ":"))


def reg_request(uris, name="authsome", app="native", scope=None, endpoint=ENDPOINT):
    return {"method": "POST", "url": endpoint, "headers": JSON_HEADERS, "body": reg_body(uris, name, app, scope)}


def resp(status, body=None):
    r = {"status": status, "headers": {"Content-Type": "application/json"}}
    if body is not None:
        r["body"] = body if isinstance(body, str) else json.dumps(body)
    else:
        r["body"] = ""
    return r


# --- registration: the request -------------------------------------------------------------

def reg_step(uris, expect=None, error=None, field=None, name="authsome", scope=None, endpoint=ENDPOINT, loopback=None):
    meta = {"redirect_uris": uris, "client_name": name}
    if scope is not None:
        meta["scope"] = scope
    inp = {"endpoint": endpoint, "metadata": meta}
    if loopback is not None:
        inp["allow_loopback_http"] = loopback
    return step("registration.request", inp, expect, error=error, field=field)


case("authflow", "registration-request-native-loopback",
     reg_step([REDIRECT], reg_request([REDIRECT], scope="read write"), scope="read write"),
     reg_step(["http://[::1]:8080/cb"], reg_request(["http://[::1]:8080/cb"])),
     source=RFC7591 + "; RFC 8252 §7.3")
case("authflow", "registration-request-private-use-scheme-is-native",
     reg_step(["com.example.app:/oauth2redirect"], reg_request(["com.example.app:/oauth2redirect"])),
     source="RFC 8252 §7.1")
case("authflow", "registration-request-https-is-web",
     reg_step(["https://app.example/cb", "https://app.example/cb2"],
              reg_request(["https://app.example/cb", "https://app.example/cb2"], app="web")),
     source="OpenID Connect Dynamic Client Registration §2")
case("authflow", "registration-request-loopback-endpoint-when-allowed",
     reg_step([REDIRECT], reg_request([REDIRECT], endpoint="http://127.0.0.1:9000/register"),
              endpoint="http://127.0.0.1:9000/register", loopback=True),
     reg_step([REDIRECT], error="invalid_input", field="registration_endpoint", endpoint="http://127.0.0.1:9000/register"),
     reg_step([REDIRECT], error="invalid_input", field="registration_endpoint",
              endpoint="http://auth.acme.example/register", loopback=True),
     reg_step([REDIRECT], error="invalid_input", field="registration_endpoint",
              endpoint="https://user:pw@auth.acme.example/register"),
     source=RFC7591 + " (TLS, §5)")
bad_uris = [
    ("http-to-another-host", ["http://app.example/cb"]),
    ("javascript", ["javascript:alert(1)"]),
    ("data", ["data:text/html,hi"]),
    ("fragment", ["https://app.example/cb#frag"]),
    ("user-info", ["https://user@app.example/cb"]),
    ("relative", ["/cb"]),
    ("mixed-native-and-web", ["https://app.example/cb", REDIRECT]),
    ("none", []),
    ("eleven", ["http://127.0.0.1/cb%d" % i for i in range(11)]),
]
case("authflow", "registration-request-refuses-redirect-uris",
     *[reg_step(uris, error="invalid_input", field="redirect_uris") for _, uris in bad_uris],
     source="RFC 7591 §5; RFC 8252 §8.1")
case("authflow", "registration-request-refuses-metadata",
     reg_step([REDIRECT], error="invalid_input", field="client_name", name=" "),
     reg_step([REDIRECT], error="invalid_input", field="client_name", name="a\nb"),
     reg_step([REDIRECT], error="invalid_input", field="client_name", name="x" * 201),
     reg_step([REDIRECT], error="invalid_input", field="scope", scope="read  write"),
     reg_step([REDIRECT], error="invalid_input", field="scope", scope='re"ad'),
     source="RFC 7591 §2; RFC 6749 §3.3")

# --- registration: the response ------------------------------------------------------------


def reg_resp(response, expect=None, error=None, field=None, now=NOW):
    return step("registration.response", {"response": response, "now": now}, expect, error=error, field=field)


case("authflow", "registration-response-public-client",
     reg_resp(resp(201, {"client_id": "dyn-1", "client_id_issued_at": NOW, "redirect_uris": [REDIRECT],
                         "token_endpoint_auth_method": "none"}),
              {"client_id": "dyn-1", "client_secret_expires_at": 0, "client_id_issued_at": NOW, "token_endpoint_auth_method": "none"}),
     reg_resp(resp(200, {"client_id": "dyn-2"}), {"client_id": "dyn-2", "client_secret_expires_at": 0}),
     source="RFC 7591 §3.2.1")
case("authflow", "registration-response-registered-auth-method",
     reg_resp(resp(201, {"client_id": "dyn-1", "client_secret": "s3", "token_endpoint_auth_method": "client_secret_basic"}),
              {"client_id": "dyn-1", "client_secret": "s3", "client_secret_expires_at": 0, "token_endpoint_auth_method": "client_secret_basic"}),
     reg_resp(resp(201, {"client_id": "dyn-1", "client_secret": "s3", "token_endpoint_auth_method": "client_secret_post"}),
              {"client_id": "dyn-1", "client_secret": "s3", "client_secret_expires_at": 0, "token_endpoint_auth_method": "client_secret_post"}),
     reg_resp(resp(201, {"client_id": "dyn-1", "token_endpoint_auth_method": "client_secret_post"}),
              error="invalid_response", field="client_secret"),
     reg_resp(resp(201, {"client_id": "dyn-1", "client_secret": "s3", "token_endpoint_auth_method": "private_key_jwt"}),
              error="invalid_response", field="token_endpoint_auth_method"),
     reg_resp(resp(201, {"client_id": "dyn-1", "token_endpoint_auth_method": 1}),
              error="invalid_response", field="token_endpoint_auth_method"),
     source="RFC 7591 §3.2.1: the response holds the registered metadata, token_endpoint_auth_method included (§2)")
case("authflow", "registration-response-client-secret",
     reg_resp(resp(201, {"client_id": "dyn-1", "client_secret": "s3cr3t", "client_secret_expires_at": NOW + 3600}),
              {"client_id": "dyn-1", "client_secret": "s3cr3t", "client_secret_expires_at": NOW + 3600}),
     reg_resp(resp(201, {"client_id": "dyn-1", "client_secret": "s3cr3t", "client_secret_expires_at": 0}),
              {"client_id": "dyn-1", "client_secret": "s3cr3t", "client_secret_expires_at": 0}),
     reg_resp(resp(201, {"client_id": "dyn-1", "client_secret": "s3cr3t", "client_secret_expires_at": NOW}),
              error="invalid_response", field="client_secret_expires_at"),
     reg_resp(resp(201, {"client_id": "dyn-1", "client_secret_expires_at": -1}),
              error="invalid_response", field="client_secret_expires_at"),
     reg_resp(resp(201, {"client_id": "dyn-1", "client_secret": ""}), error="invalid_response", field="client_secret"),
     source="RFC 7591 §3.2.1 (client_secret_expires_at: 0 = never)")
case("authflow", "registration-response-malformed",
     reg_resp(resp(201, {}), error="invalid_response", field="client_id"),
     reg_resp(resp(201, {"client_id": ""}), error="invalid_response", field="client_id"),
     reg_resp(resp(201, {"client_id": "a b"}), error="invalid_response", field="client_id"),
     reg_resp(resp(201, {"client_id": 7}), error="invalid_response", field="client_id"),
     reg_resp(resp(201, "not json"), error="invalid_response", field="body"),
     reg_resp(resp(201, "[]"), error="invalid_response", field="body"),
     reg_resp(resp(201, json.dumps({"client_id": "x", "pad": "a" * 70000})), error="invalid_response", field="body"),
     reg_resp(resp(302, ""), error="invalid_response", field="status"),
     source="RFC 7591 §3.2.1")
case("authflow", "registration-response-errors",
     reg_resp(resp(400, {"error": "invalid_redirect_uri", "error_description": "Loopback only"}),
              error="invalid_request", field="redirect_uris"),
     reg_resp(resp(400, {"error": "invalid_client_metadata"}), error="invalid_request", field="client_metadata"),
     reg_resp(resp(400, {"error": "invalid_software_statement"}), error="invalid_request", field="software_statement"),
     reg_resp(resp(400, {"error": "unapproved_software_statement"}), error="invalid_request", field="software_statement"),
     reg_resp(resp(400, {"error": "something_else"}), error="invalid_response", field="error"),
     reg_resp(resp(401, {"error": "invalid_token"}), error="access_denied"),
     reg_resp(resp(503, ""), error="server_error"),
     source="RFC 7591 §3.2.2")

# --- auth sessions ---------------------------------------------------------------------------

ENTROPY = bytes(range(0x00, 0x60))
SESSION_ID = b64(ENTROPY[:16])
STATE = b64(ENTROPY[16:48])
VERIFIER = b64(ENTROPY[48:80])
CHALLENGE = b64(hashlib.sha256(VERIFIER.encode()).digest())
EXPIRES = NOW + 600
TOKENS_BODY = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-1"}


def acme(**extra):
    p = {"name": "acme", "display_name": "Acme", "auth_type": "oauth2",
         "authorization_endpoint": "https://auth.acme.example/authorize",
         "token_endpoint": "https://auth.acme.example/token",
         "scopes": ["read"], "hosts": ["api.acme.example"],
         "inject": {"header": "Authorization", "format": "Bearer {token}"}}
    p.update(extra)
    return p


DCR_PROVIDER = acme(registration_endpoint=ENDPOINT)
KEY_PROVIDER = {"name": "keyed", "display_name": "Keyed", "auth_type": "api_key", "hosts": ["api.keyed.example"],
                "inject": {"header": "X-Api-Key", "format": "{key}"}}
DEVICE_PROVIDER = {"name": "gh", "display_name": "GH", "auth_type": "device_code", "client_id": "cli-1",
                   "device_authorization_endpoint": "https://gh.example/login/device/code",
                   "token_endpoint": "https://gh.example/login/oauth/access_token",
                   "scopes": ["repo"], "hosts": ["api.gh.example"],
                   "inject": {"header": "Authorization", "format": "Bearer {token}"}}


def status(state, flow="pkce", provider="acme", error=None, expires=EXPIRES):
    s = {"session_id": SESSION_ID, "provider": provider, "flow": flow, "status": state, "expires_at": expires}
    if error is not None:
        s["error"] = error
    return s


def out(actions, state, **kw):
    return {"actions": actions, "status": status(state, **kw)}


def send(transmit, request):
    return {"type": "send", "transmit": transmit, "request": request}


def auth_url(client_id):
    return "https://auth.acme.example/authorize?" + query([
        ("response_type", "code"), ("client_id", client_id), ("redirect_uri", REDIRECT), ("scope", "read"),
        ("state", STATE), ("code_challenge", CHALLENGE), ("code_challenge_method", "S256")])


def token_request(client_id, code="c-1"):
    return {"method": "POST", "url": "https://auth.acme.example/token", "headers": FORM_HEADERS,
            "body": form([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT),
                          ("client_id", client_id), ("code_verifier", VERIFIER)])}


def oauth_connection(provider="acme", scopes=("read",), at=NOW):
    c = {"provider": provider, "name": "default",
         "credential": {"type": "oauth", "tokens": {"access_token": "at-1", "refresh_token": "rt-1",
                                                     "token_type": "Bearer", "expires_at": at + 3600}},
         "is_default": False, "created_at": at}
    if scopes:
        c["scopes"] = list(scopes)
    return c


def start(provider, flow, expect=None, error=None, field=None, entropy=ENTROPY, **kw):
    inp = {"provider": provider, "flow": flow, "now": NOW, "entropy": entropy.hex()}
    inp.update(kw)
    bind = "started" if expect is None and error is None else None
    return step("authflow.start", inp, expect, error=error, field=field, bind=bind)


def act(op, expect=None, error=None, field=None, now=NOW, bind=None, **inp):
    inp = dict(inp)
    inp["now"] = now
    if expect is None and error is None and bind is None:
        bind = "done_" + op
    return step("authflow." + op, inp, expect, error=error, field=field, bind=bind)


REG_REQ = reg_request([REDIRECT], scope="read")
REGISTERED = resp(201, {"client_id": "dyn-1", "client_id_issued_at": NOW})
CB = "%s?code=c-1&state=%s" % (REDIRECT, STATE)

case("authflow", "pkce-registers-a-client-first",
     start(DCR_PROVIDER, "pkce", out([send(1, REG_REQ)], "pending"), redirect_uri=REDIRECT, client_name="authsome"),
     act("handle_response", out([{"type": "open_browser", "url": auth_url("dyn-1")}], "waiting_for_user"),
         transmit=1, response=REGISTERED),
     act("handle_callback", out([send(2, token_request("dyn-1"))], "pending"), now=NOW + 30, callback=CB),
     act("handle_response", out([{"type": "complete", "connection": oauth_connection(at=NOW + 31),
                                  "registered_client": {"client_id": "dyn-1", "client_secret_expires_at": 0,
                                                        "client_id_issued_at": NOW}}], "completed"),
         now=NOW + 31, transmit=2, response=resp(200, TOKENS_BODY)),
     act("status", status("completed"), now=NOW + 32),
     source=SEED + "; RFC 7591; RFC 7636")

case("authflow", "pkce-with-a-configured-client",
     start(acme(client_id="cfg-1"), "pkce", out([{"type": "open_browser", "url": auth_url("cfg-1")}], "waiting_for_user"),
           redirect_uri=REDIRECT),
     act("handle_callback", out([send(1, token_request("cfg-1", code="a b"))], "pending"),
         callback="?state=%s&code=a+b" % STATE),
     act("handle_response", out([{"type": "complete", "connection": oauth_connection()}], "completed"),
         transmit=1, response=resp(200, TOKENS_BODY)),
     act("handle_callback", error="state_expired", field="state", callback="?state=%s&code=a+b" % STATE),
     source=SEED + "; RFC 7636")

case("authflow", "pkce-callback-state-is-single-use",
     start(acme(client_id="cfg-1"), "pkce", redirect_uri=REDIRECT),
     act("handle_callback", out([send(1, token_request("cfg-1"))], "pending"), callback=CB),
     act("handle_callback", error="state_expired", field="state", callback=CB),
     act("status", status("pending")),
     source="RFC 6749 §10.12")

case("authflow", "pkce-wrong-state-leaves-the-session-waiting",
     start(acme(client_id="cfg-1"), "pkce", redirect_uri=REDIRECT),
     act("handle_callback", error="state_mismatch", field="state", callback="?code=c-1&state=forged"),
     act("handle_callback", error="state_mismatch", field="state", callback="?code=c-1"),
     act("handle_callback", error="invalid_request", field="state", callback="?code=c-1&state=%s&state=x" % STATE),
     act("handle_callback", error="invalid_request", field="callback", callback="?code=c-1&state=\x01"),
     act("status", status("waiting_for_user")),
     act("handle_callback", out([send(1, token_request("cfg-1"))], "pending"), callback=CB),
     source="RFC 6749 §10.12")

DENIED = err("access_denied", "The person declined.", "error")
case("authflow", "pkce-provider-error-fails-the-session",
     start(acme(client_id="cfg-1"), "pkce", redirect_uri=REDIRECT),
     act("handle_callback", error="access_denied", field="error",
         callback="?state=%s&error=access_denied&error_description=The+person+declined." % STATE),
     act("status", status("failed", error=DENIED)),
     act("resume", error="invalid_state"),
     source="RFC 6749 §4.1.2.1")

EXPIRED = err("session_expired", "The auth session expired; start again.")
case("authflow", "session-expires-after-its-ttl",
     start(acme(client_id="cfg-1"), "pkce", redirect_uri=REDIRECT, ttl=120),
     act("status", status("waiting_for_user", expires=NOW + 120), now=NOW + 119),
     act("status", status("expired", error=EXPIRED, expires=NOW + 120), now=NOW + 120),
     act("handle_callback", error="session_expired", now=NOW + 120, callback=CB),
     act("resume", error="session_expired", now=NOW + 121),
     source=SEED)

case("authflow", "session-ttl-bounds",
     start(acme(client_id="cfg-1"), "pkce", error="invalid_config", field="ttl", redirect_uri=REDIRECT, ttl=59),
     start(acme(client_id="cfg-1"), "pkce", error="invalid_config", field="ttl", redirect_uri=REDIRECT, ttl=86401),
     source=SEED)

REG_SNAPSHOT = {
    "version": 1, "session_id": SESSION_ID, "provider": DCR_PROVIDER, "flow": "pkce",
    "config": {"redirect_uri": REDIRECT, "connection_name": "default", "client_name": "authsome", "ttl": 600},
    "created_at": NOW, "expires_at": EXPIRES,
    "phase": {"type": "registering", "seed": ENTROPY[16:80].hex(), "outgoing": {"request": REG_REQ}},
    "next_transmit": 2}

case("authflow", "restore-mid-flow-pauses-then-resumes",
     start(DCR_PROVIDER, "pkce", out([send(1, REG_REQ)], "pending"), redirect_uri=REDIRECT, client_name="authsome"),
     step("authflow.snapshot", {}, REG_SNAPSHOT),
     step("authflow.restore", {"snapshot": REG_SNAPSHOT, "now": NOW + 5}, {"status": status("paused")}),
     act("handle_response", error="invalid_input", field="transmit", now=NOW + 5, transmit=1, response=REGISTERED),
     act("resume", out([send(2, REG_REQ)], "pending"), now=NOW + 6),
     act("handle_response", out([{"type": "open_browser", "url": auth_url("dyn-1")}], "waiting_for_user"),
         now=NOW + 7, transmit=2, response=REGISTERED),
     act("resume", out([{"type": "open_browser", "url": auth_url("dyn-1")}], "waiting_for_user"), now=NOW + 8),
     source=SEED + " (resume a paused or partial flow; sessions survive a restart)")

case("authflow", "network-error-pauses-then-resumes",
     start(DCR_PROVIDER, "pkce", redirect_uri=REDIRECT, client_name="authsome"),
     act("handle_network_error", out([], "paused"), transmit=1),
     act("resume", out([send(2, REG_REQ)], "pending")),
     source=SEED)

case("authflow", "registration-refused-fails-the-session",
     start(DCR_PROVIDER, "pkce", redirect_uri=REDIRECT, client_name="authsome"),
     act("handle_response", out([{"type": "failed", "error": err("invalid_request", "Loopback only", "redirect_uris")}],
                                "failed", error=err("invalid_request", "Loopback only", "redirect_uris")),
         transmit=1, response=resp(400, {"error": "invalid_redirect_uri", "error_description": "Loopback only"})),
     source="RFC 7591 §3.2.2")

case("authflow", "restore-refuses-bad-snapshots",
     step("authflow.restore", {"snapshot": dict(REG_SNAPSHOT, version=2), "now": NOW},
          error="state_version_unsupported", field="version"),
     step("authflow.restore", {"snapshot": dict(REG_SNAPSHOT, phase={"type": "teleporting"}), "now": NOW},
          error="state_corrupt", field="snapshot"),
     step("authflow.restore", {"snapshot": dict(REG_SNAPSHOT, session_id="short"), "now": NOW},
          error="state_corrupt", field="snapshot"),
     step("authflow.restore", {"snapshot": dict(REG_SNAPSHOT, phase={"type": "registering", "seed": "00",
                                                                     "outgoing": {"request": REG_REQ}}), "now": NOW},
          error="state_corrupt", field="phase.seed"),
     source=SEED)

KEY_FIELDS = [{"name": "api_key", "label": "Keyed API key", "secret": True, "required": True}]
case("authflow", "api-key-through-the-input-form",
     start(KEY_PROVIDER, "api_key", out([{"type": "render_form", "fields": KEY_FIELDS}], "waiting_for_user", flow="api_key",
                                        provider="keyed"), connection_name="work"),
     act("submit_input", error="invalid_input", field="api_key", values={}),
     act("submit_input", error="invalid_input", field="api_key", values={"api_key": ""}),
     act("submit_input", error="invalid_input", field="api_key", values={"api_key": "k\r\nX-Evil: 1"}),
     act("submit_input", error="invalid_input", field="api_key", values={"api_key": " k-1"}),
     act("submit_input", error="invalid_input", field="other", values={"api_key": "k-1", "other": "x"}),
     act("resume", out([{"type": "render_form", "fields": KEY_FIELDS}], "waiting_for_user", flow="api_key",
                       provider="keyed")),
     act("submit_input", out([{"type": "complete", "connection": {
         "provider": "keyed", "name": "work", "credential": {"type": "api_key", "key": "k-1"},
         "is_default": False, "created_at": NOW}}], "completed", flow="api_key", provider="keyed"),
         values={"api_key": "k-1"}),
     act("submit_input", error="invalid_state", values={"api_key": "k-2"}),
     source=SEED + " (browser form for API-key entry)")

CC_FIELDS = [{"name": "client_id", "label": "Client ID", "secret": False, "required": True},
             {"name": "client_secret", "label": "Client secret", "secret": True, "required": True}]
CC_BASIC = "Basic " + __import__("base64").b64encode(b"id+1:s%3A2").decode()
case("authflow", "client-credentials-through-the-input-form",
     start(acme(), "client_credentials", out([{"type": "render_form", "fields": CC_FIELDS}], "waiting_for_user",
                                             flow="client_credentials")),
     act("submit_input", error="invalid_input", field="client_secret", values={"client_id": "id 1"}),
     act("submit_input", out([send(1, {"method": "POST", "url": "https://auth.acme.example/token",
                                       "headers": dict(FORM_HEADERS, Authorization=CC_BASIC),
                                       "body": form([("grant_type", "client_credentials"), ("scope", "read")])})],
                             "pending", flow="client_credentials"),
         values={"client_id": "id 1", "client_secret": "s:2"}),
     act("handle_response", out([{"type": "complete", "connection": dict(
         oauth_connection(scopes=("read", "write")),
         credential={"type": "oauth", "tokens": {"access_token": "at-1", "token_type": "Bearer", "scope": "read write",
                                                 "expires_at": NOW + 3600}})}],
                                "completed", flow="client_credentials"),
         transmit=1, response=resp(200, {"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600,
                                         "scope": "read write"})),
     source="RFC 6749 §4.4, §2.3.1; " + SEED + " (OAuth client credential entry)")

# The form's field definitions come from the provider's `input_fields` (label, masking, and
# an optional client_id for a provider with its own), else the defaults above.
LABELLED_KEY = dict(KEY_PROVIDER, input_fields=[{"name": "api_key", "label": "Keyed token (starts with kt-)", "secret": False}])
case("authflow", "input-form-fields-from-the-provider",
     start(LABELLED_KEY, "api_key", out([{"type": "render_form", "fields": [
         {"name": "api_key", "label": "Keyed token (starts with kt-)", "secret": False, "required": True}]}],
         "waiting_for_user", flow="api_key", provider="keyed")),
     act("submit_input", error="invalid_input", field="api_key", values={}),
     act("submit_input", error="invalid_input", field="api_key_2", values={"api_key": "kt-1", "api_key_2": "x"}),
     act("submit_input", out([{"type": "complete", "connection": {
         "provider": "keyed", "name": "default", "credential": {"type": "api_key", "key": "kt-1"},
         "is_default": False, "created_at": NOW}}], "completed", flow="api_key", provider="keyed"),
         values={"api_key": "kt-1"}),
     source=SEED + " (an input form with field definitions from the provider)")
CC_OWN = acme(client_id="acme-cli", input_fields=[{"name": "client_secret", "label": "Acme secret"},
                                                  {"name": "client_id", "label": "Acme client", "secret": False, "required": False}])
CC_OWN_BASIC = "Basic " + __import__("base64").b64encode(b"acme-cli:s3").decode()
case("authflow", "input-form-optional-client-id-is-the-providers",
     start(CC_OWN, "client_credentials", out([{"type": "render_form", "fields": [
         {"name": "client_secret", "label": "Acme secret", "secret": True, "required": True},
         {"name": "client_id", "label": "Acme client", "secret": False, "required": False}]}],
         "waiting_for_user", flow="client_credentials")),
     act("submit_input", error="invalid_input", field="client_secret", values={"client_id": "other"}),
     act("submit_input", out([send(1, {"method": "POST", "url": "https://auth.acme.example/token",
                                       "headers": dict(FORM_HEADERS, Authorization=CC_OWN_BASIC),
                                       "body": form([("grant_type", "client_credentials"), ("scope", "read")])})],
                             "pending", flow="client_credentials"),
         values={"client_secret": "s3"}),
     source="RFC 6749 §4.4, §2.3.1; " + SEED)
CC_PARTIAL = acme(input_fields=[{"name": "client_secret", "label": "Acme secret"}])
case("authflow", "input-form-undefined-fields-keep-their-defaults",
     start(CC_PARTIAL, "client_credentials", out([{"type": "render_form", "fields": [
         {"name": "client_secret", "label": "Acme secret", "secret": True, "required": True}, CC_FIELDS[0]]}],
         "waiting_for_user", flow="client_credentials")),
     act("submit_input", error="invalid_input", field="client_id", values={"client_secret": "s3"}))
for name, provider, field in [
        ("unknown-name", dict(KEY_PROVIDER, input_fields=[{"name": "token", "label": "Token"}]), "input_fields[0].name"),
        ("name-of-the-other-flow", acme(input_fields=[{"name": "api_key", "label": "Key"}]), "input_fields[0].name"),
        ("twice", acme(input_fields=[{"name": "client_secret", "label": "A"}, {"name": "client_secret", "label": "B"}]), "input_fields[1].name"),
        ("empty-label", dict(KEY_PROVIDER, input_fields=[{"name": "api_key", "label": " "}]), "input_fields[0].label"),
        ("label-with-newline", dict(KEY_PROVIDER, input_fields=[{"name": "api_key", "label": "a\nb"}]), "input_fields[0].label"),
        ("optional-api-key", dict(KEY_PROVIDER, input_fields=[{"name": "api_key", "label": "Key", "required": False}]), "input_fields[0].required"),
        ("optional-client-id-without-own", acme(input_fields=[{"name": "client_id", "label": "Id", "required": False}]), "input_fields[0].required")]:
    case("authflow", "input-fields-refused-" + name,
         start(provider, "api_key" if "{key}" in provider["inject"]["format"] else "client_credentials",
               error="invalid_provider", field=field))

DEVICE_REQ = {"method": "POST", "url": "https://gh.example/login/device/code", "headers": FORM_HEADERS,
              "body": form([("client_id", "cli-1"), ("scope", "repo")])}
POLL_REQ = {"method": "POST", "url": "https://gh.example/login/oauth/access_token", "headers": FORM_HEADERS,
            "body": form([("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", "dc-1"),
                          ("client_id", "cli-1")])}
PROMPT = {"user_code": "BCDF-GHJK", "verification_uri": "https://gh.example/login/device", "expires_at": NOW + 900}


def dev_out(actions, state, **kw):
    return out(actions, state, flow="device_code", provider="gh", **kw)


case("authflow", "device-code-reuses-the-device-client",
     start(DEVICE_PROVIDER, "device_code", dev_out([send(1, DEVICE_REQ)], "pending")),
     act("handle_response", dev_out([{"type": "show_device_prompt", "prompt": PROMPT}, {"type": "wait", "until": NOW + 5}],
                                    "waiting_for_user"),
         transmit=1, response=resp(200, {"device_code": "dc-1", "user_code": "BCDF-GHJK",
                                         "verification_uri": "https://gh.example/login/device",
                                         "expires_in": 900, "interval": 5})),
     act("status", status("waiting_for_user", flow="device_code", provider="gh"), now=NOW + 1),
     act("handle_timeout", dev_out([send(2, POLL_REQ)], "waiting_for_user"), now=NOW + 5),
     act("handle_response", dev_out([{"type": "wait", "until": NOW + 10}], "waiting_for_user"), now=NOW + 5,
         transmit=2, response=resp(400, {"error": "authorization_pending"})),
     act("handle_timeout", dev_out([send(3, POLL_REQ)], "waiting_for_user"), now=NOW + 10),
     act("handle_response", dev_out([{"type": "complete", "connection": oauth_connection("gh", ("repo",), NOW + 10)}],
                                    "completed"),
         now=NOW + 10, transmit=3, response=resp(200, TOKENS_BODY)),
     source="RFC 8628 §3.1-§3.5; " + SEED + " (device-code verification page)")

case("authflow", "device-code-restore-resumes-polling",
     start(DEVICE_PROVIDER, "device_code"),
     act("handle_response", transmit=1, response=resp(200, {"device_code": "dc-1", "user_code": "BCDF-GHJK",
                                                            "verification_uri": "https://gh.example/login/device",
                                                            "expires_in": 900, "interval": 5})),
     step("authflow.snapshot", {}, bind="snap"),
     step("authflow.restore", {"snapshot": {"$ref": "snap"}, "now": NOW + 2},
          {"status": status("paused", flow="device_code", provider="gh")}),
     act("resume", dev_out([{"type": "wait", "until": NOW + 5}], "waiting_for_user"), now=NOW + 2),
     act("handle_timeout", dev_out([send(2, POLL_REQ)], "waiting_for_user"), now=NOW + 5),
     source=SEED + " (sessions survive a restart)")

case("authflow", "start-refuses-a-flow-the-provider-cannot-do",
     start(acme(client_id="c"), "api_key", error="invalid_input", field="flow"),
     start(KEY_PROVIDER, "pkce", error="invalid_input", field="flow", redirect_uri=REDIRECT),
     start(KEY_PROVIDER, "client_credentials", error="invalid_input", field="flow"),
     start(acme(), "pkce", error="invalid_input", field="flow", redirect_uri=REDIRECT),
     start(acme(client_id="c"), "device_code", error="invalid_input", field="flow"),
     start(dict(DEVICE_PROVIDER, client_id=None), "device_code", error="invalid_input", field="flow"),
     start(acme(client_id="c"), "pkce", error="invalid_config", field="redirect_uri"),
     start(acme(client_id="c"), "pkce", error="entropy_unavailable", entropy=bytes(20), redirect_uri=REDIRECT),
     source=SEED)

# --- loopback http endpoints: only with allow_loopback_http ---------------------------------

LOOP = "http://127.0.0.1:9000"
LOOP_PROVIDER = acme(authorization_endpoint=LOOP + "/authorize", token_endpoint=LOOP + "/token",
                     registration_endpoint=LOOP + "/register")
LOOP_REG_REQ = reg_request([REDIRECT], scope="read", endpoint=LOOP + "/register")
LOOP_AUTH_URL = LOOP + "/authorize?" + query([
    ("response_type", "code"), ("client_id", "dyn-1"), ("redirect_uri", REDIRECT), ("scope", "read"),
    ("state", STATE), ("code_challenge", CHALLENGE), ("code_challenge_method", "S256")])
LOOP_TOKEN_REQ = {"method": "POST", "url": LOOP + "/token", "headers": FORM_HEADERS,
                  "body": form([("grant_type", "authorization_code"), ("code", "c-1"), ("redirect_uri", REDIRECT),
                                ("client_id", "dyn-1"), ("code_verifier", VERIFIER)])}
LOOP_DEVICE = dict(DEVICE_PROVIDER, device_authorization_endpoint="http://localhost:9000/device/code",
                   token_endpoint="http://localhost:9000/token")
LOOP_DEVICE_REQ = dict(DEVICE_REQ, url="http://localhost:9000/device/code")

case("authflow", "loopback-http-endpoints-with-the-option",
     start(LOOP_PROVIDER, "pkce", out([send(1, LOOP_REG_REQ)], "pending"), redirect_uri=REDIRECT,
           client_name="authsome", allow_loopback_http=True),
     act("handle_response", out([{"type": "open_browser", "url": LOOP_AUTH_URL}], "waiting_for_user"),
         transmit=1, response=REGISTERED),
     act("handle_callback", out([send(2, LOOP_TOKEN_REQ)], "pending"), callback=CB),
     source=SEED + "; RFC 8252 §8.3 (loopback)")

case("authflow", "loopback-http-device-endpoints-with-the-option",
     start(LOOP_DEVICE, "device_code", dev_out([send(1, LOOP_DEVICE_REQ)], "pending"), allow_loopback_http=True),
     source=SEED + "; RFC 8628 §3.1")

case("authflow", "loopback-http-endpoints-refused-without-the-option",
     start(LOOP_PROVIDER, "pkce", error="invalid_provider", field="authorization_endpoint", redirect_uri=REDIRECT),
     start(LOOP_PROVIDER, "pkce", error="invalid_provider", field="authorization_endpoint", redirect_uri=REDIRECT,
           allow_loopback_http=False),
     start(LOOP_DEVICE, "device_code", error="invalid_provider", field="device_authorization_endpoint"),
     start(acme(client_id="c", token_endpoint="http://auth.acme.example/token"), "pkce", error="invalid_provider",
           field="token_endpoint", redirect_uri=REDIRECT, allow_loopback_http=True),
     start(acme(client_id="c", authorization_endpoint="http://10.0.0.1/authorize"), "pkce",
           error="invalid_provider", field="authorization_endpoint", redirect_uri=REDIRECT, allow_loopback_http=True),
     source=SEED + " (credentials only over https; plain http to loopback only when allowed)")

SUITES.write({"authflow": "Connecting a provider: RFC 7591 dynamic client registration (request, response, errors) and "
                          "auth sessions (PKCE with registration first, device code, API key and client credentials "
                          "forms; single-use callback state, TTL, pause, resume and restore)."})
