#!/usr/bin/env python3
"""Writes conformance/vectors/{tokens,device,oauth}/security_client.json: attacks on the client
state machines (the request driver, the device client, the authorization-code client).

Every expectation is written by hand from the rules in conformance/README.md and the README's
security section: the access token goes only to its API origins (scheme, host and port after
the WHATWG URL parse, default ports normalised, the authority spelt plainly); `http` only to
loopback hosts unless allowed; the clock offset from `Date` is bounded to one day; a prompt's
`user_code` and URIs are checked before it is shown; restored state is checked like fresh
settings; callbacks are read from the query only and `iss` is checked per RFC 9207. HTTP dates
are formatted with the standard library."""
import email.utils
import json
import os

from vectorlib import NOW, b64, form, query, sha, step, write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = {"tokens": [], "device": [], "oauth": []}
DESCR = {
    "tokens": "Request driver attacks: token bound to its API origins, insecure endpoints, clock offset bounds, restored state.",
    "device": "Device client attacks: hostile prompts (escape sequences, bad links), insecure endpoints, restored state.",
    "oauth": "Authorization-code client attacks: fragment smuggling, RFC 9207 issuer mix-up, endpoint and redirect URI rules.",
}


def case(area, name, *steps, source=None):
    c = {"name": name, "steps": list(steps)}
    if source:
        c["source"] = source
    CASES[area].append(c)


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


assert http_date(NOW) == "Tue, 14 Nov 2023 22:13:20 GMT"

PRINTABLE = "must be printable ASCII without spaces or backslashes."
# Hosts are ASCII only: an internationalised name is written in its A-label (`xn--`) form.
NON_ASCII = "must be ASCII: write an internationalised host name in its `xn--` form and percent-encode any other non-ASCII text."
HTTPS_ONLY = "must be an https URL (http only to a loopback host)."
NOT_ABSOLUTE = "is not an absolute URL."
USERINFO = "must not contain a user name or password."
NOT_PLAIN = "must be written as scheme://host[:port] followed by the path."
FRAGMENT = "must not contain a fragment."
TOO_LONG = "is longer than 2048 bytes."


# ==========================================================================================
# Request driver
# ==========================================================================================
TOKEN_URL = "https://auth.example.com/api/auth/token/"
API_ORIGIN = "https://api.example.com"
API = API_ORIGIN + "/v1/me"
CONFIG = {"token_endpoint": TOKEN_URL, "api_origins": [API_ORIGIN]}


def ts(at="at-1", exp=NOW + 3600, rt="rt-1"):
    t = {"access_token": at}
    if rt:
        t["refresh_token"] = rt
    t.update({"token_type": "Bearer", "expires_at": exp})
    return t


def stored(tokens, gen=0, offset=0):
    return {"version": 1, "generation": gen, "clock_offset": offset, "tokens": tokens}


def get(url):
    return {"method": "GET", "url": url}


def authed(t, url=API, at="at-1", extra=None, rid=None):
    """Transmit `t` of API request `rid` (the same number unless a refresh came first)."""
    h = {"Authorization": "Bearer " + at}
    h.update(extra or {})
    return {"type": "send", "transmit": t, "request_id": t if rid is None else rid,
            "request": {"method": "GET", "url": url, "headers": dict(sorted(h.items()))}}


def bare(t, url):
    """The request exactly as the host gave it: no token, no identity."""
    return {"type": "send", "transmit": t, "request_id": t, "request": {"method": "GET", "url": url, "headers": {}}}


def refresh(t, rt="rt-1"):
    return {"type": "send", "transmit": t, "request": {"method": "POST", "url": TOKEN_URL,
            "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
            "body": "grant_type=refresh_token&refresh_token=" + rt}}


def resp(status, body="", headers=None):
    return {"status": status, "headers": headers or {}, "body": body}


def complete(req, r):
    return {"type": "complete", "request_id": req, "response": r}


def new(config=None, tokens=None, gen=0, offset=0):
    return step("driver.new", {"config": config or CONFIG, "stored": stored(tokens, gen, offset) if tokens else None}, {})


def send(rid, url, *actions, now=NOW):
    return step("driver.send", {"request": get(url), "now": now}, {"request": rid, "actions": list(actions)})


def respond(t, r, *actions, now=NOW):
    return step("driver.handle_response", {"transmit": t, "response": r, "now": now}, {"actions": list(actions)})


def state(now, gen=0, offset=0, fresh="fresh"):
    return step("driver.status", {"now": now}, {"generation": gen, "clock_offset": offset, "freshness": fresh})


# --- the token stays on its origins --------------------------------------------------------------
case("tokens", "driver-default-origin-is-the-token-endpoint",
     new({"token_endpoint": TOKEN_URL}, ts()),
     send(1, "https://auth.example.com/api/me", authed(1, "https://auth.example.com/api/me")),
     send(2, API, bare(2, API)))

OTHER_ORIGINS = [
    "https://evil.example/steal",
    "http://api.example.com/v1/me",                   # scheme downgrade
    "https://api.example.com:8443/v1/me",             # another port
    "https://api.example.com.evil.example/v1/me",     # suffix
    "https://evil.example/https://api.example.com/",  # origin only in the path
    "https://api.example.com@evil.example/v1/me",     # user info: the host is evil.example
    "https://api.example.com\\@evil.example/v1/me",   # WHATWG: api.example.com; RFC 3986: evil.example
    "https:api.example.com/v1/me",                    # WHATWG adds the slashes; others do not
    "https:/api.example.com/v1/me",
    "https:///api.example.com/v1/me",
    "https://api%2Eexample.com/v1/me",                # percent-escaped host
    "https://api.example.com./v1/me",                 # trailing dot: another origin
    "https://user:pw@api.example.com/v1/me",          # user info before the right host
    "wss://api.example.com/v1/me",
    "//api.example.com/v1/me",
    "/v1/me",
    "not a url",
    "",
]
case("tokens", "driver-token-not-sent-to-other-origins",
     new(CONFIG, ts()),
     # The identity is saved with the tokens (a version 2 document)...
     step("driver.set_identity", {"identity": "id-1"}, {"actions": [{"type": "save_tokens", "stored": {"version": 2, "generation": 1, "clock_offset": 0, "tokens": ts(), "identity": "id-1"}, "generation": 1, "expected_generation": 0}]}),
     # ...and, like the token, never sent to another origin.
     *[send(i + 1, u, bare(i + 1, u)) for i, u in enumerate(OTHER_ORIGINS)],
     source="RFC 6750 5.3; RFC 9700 4.9")

SAME_ORIGIN = [API, "https://API.Example.COM/v1/me", "https://api.example.com:443/v1/me", "HTTPS://api.example.com?q=1", "https://api.example.com#x"]
case("tokens", "driver-token-sent-to-its-origin-however-spelt",
     new(CONFIG, ts()),
     *[send(i + 1, u, authed(i + 1, u)) for i, u in enumerate(SAME_ORIGIN)])

case("tokens", "driver-other-origin-401-is-not-refreshed-or-retried",
     new(CONFIG, ts()),
     send(1, "https://evil.example/x", bare(1, "https://evil.example/x")),
     respond(1, resp(401, '{"detail":"give me your token"}'), complete(1, resp(401, '{"detail":"give me your token"}'))),
     send(2, "https://evil.example/x", bare(2, "https://evil.example/x")),
     respond(2, resp(402, '{"detail":"pay"}'), complete(2, resp(402, '{"detail":"pay"}'))),
     state(NOW))

case("tokens", "driver-other-origin-needs-no-tokens-and-waits-for-no-refresh",
     new(CONFIG, ts(exp=NOW)),
     send(1, API, refresh(1)),
     send(2, "https://cdn.example/logo.png", bare(2, "https://cdn.example/logo.png")),
     respond(2, resp(200, "png"), complete(2, resp(200, "png"))))

case("tokens", "driver-other-origin-without-tokens-is-sent",
     new(CONFIG),
     send(1, "https://cdn.example/logo.png", bare(1, "https://cdn.example/logo.png")),
     send(2, API, {"type": "failed", "request_id": 2, "error": {"detail": "Not authenticated.", "code": "not_authenticated"}}))

case("tokens", "driver-other-origin-date-header-is-ignored",
     new(CONFIG, ts()),
     send(1, "https://evil.example/x", bare(1, "https://evil.example/x")),
     respond(1, resp(200, "", {"Date": http_date(NOW + 3000)}), complete(1, resp(200, "", {"Date": http_date(NOW + 3000)}))),
     state(NOW))

LOOPBACK_CFG = {"token_endpoint": "http://127.0.0.1:8080/token", "api_origins": ["http://localhost:8000", "http://[::1]:9000", "http://127.0.0.1:7000"]}
case("tokens", "driver-loopback-http-origins",
     new(LOOPBACK_CFG, ts()),
     send(1, "http://localhost:8000/me", authed(1, "http://localhost:8000/me")),
     send(2, "http://LOCALHOST:8000/me", authed(2, "http://LOCALHOST:8000/me")),
     send(3, "http://[::1]:9000/me", authed(3, "http://[::1]:9000/me")),
     send(4, "http://localhost:8001/me", bare(4, "http://localhost:8001/me")),
     send(5, "http://127.0.0.1:8000/me", bare(5, "http://127.0.0.1:8000/me")),
     send(6, "http://127.0.0.1:8080/me", bare(6, "http://127.0.0.1:8080/me")),
     send(7, "http://127.0.0.1:7000/me", authed(7, "http://127.0.0.1:7000/me")),
     # The same address spelt differently: WHATWG reads 127.0.0.1, another parser may not.
     send(8, "http://0x7f.1:7000/me", bare(8, "http://0x7f.1:7000/me")),
     send(9, "http://2130706433:7000/me", bare(9, "http://2130706433:7000/me")),
     send(10, "http://[0:0::1]:9000/me", bare(10, "http://[0:0::1]:9000/me")))

case("tokens", "driver-insecure-http-when-allowed",
     new({"token_endpoint": "http://auth.example.com/token", "api_origins": ["http://api.example.com"], "allow_insecure_http": True}, ts()),
     send(1, "http://api.example.com/me", authed(1, "http://api.example.com/me")),
     send(2, "https://api.example.com/me", bare(2, "https://api.example.com/me")))

# --- settings ------------------------------------------------------------------------------------
BAD_CONFIG = [
    ("token-endpoint-http", {"token_endpoint": "http://auth.example.com/token"}, "token_endpoint"),
    ("token-endpoint-http-localhost-lookalike", {"token_endpoint": "http://localhost.evil.example/token"}, "token_endpoint"),
    ("token-endpoint-http-loopback-ip-in-name", {"token_endpoint": "http://127.0.0.1.nip.io/token"}, "token_endpoint"),
    ("token-endpoint-ftp", {"token_endpoint": "ftp://auth.example.com/token"}, "token_endpoint"),
    ("token-endpoint-javascript", {"token_endpoint": "javascript:alert(1)"}, "token_endpoint"),
    ("token-endpoint-relative", {"token_endpoint": "/token"}, "token_endpoint"),
    ("token-endpoint-user-info", {"token_endpoint": "https://user:pw@auth.example.com/token"}, "token_endpoint"),
    ("token-endpoint-fragment", {"token_endpoint": "https://auth.example.com/token#x"}, "token_endpoint"),
    ("token-endpoint-space", {"token_endpoint": "https://auth.example.com/to ken"}, "token_endpoint"),
    ("token-endpoint-newline", {"token_endpoint": "https://auth.example.com/token\n"}, "token_endpoint"),
    ("token-endpoint-backslash", {"token_endpoint": "https://auth.example.com\\@evil.example/token"}, "token_endpoint"),
    ("token-endpoint-no-slashes", {"token_endpoint": "https:auth.example.com/token"}, "token_endpoint"),
    ("token-endpoint-unicode-host", {"token_endpoint": "https://auth.b\u00fccher.example/token"}, "token_endpoint"),
    ("token-endpoint-invalid-a-label", {"token_endpoint": "https://auth.xn--a.example/token"}, "token_endpoint"),
    ("origin-unicode-host", dict(CONFIG, api_origins=["https://api.b\u00fccher.example"]), "api_origins[0]"),
    ("origin-with-path", dict(CONFIG, api_origins=["https://api.example.com/v1"]), "api_origins[0]"),
    ("origin-with-query", dict(CONFIG, api_origins=["https://api.example.com?x=1"]), "api_origins[0]"),
    ("origin-http", dict(CONFIG, api_origins=["https://api.example.com", "http://api.example.com"]), "api_origins[1]"),
    ("origin-empty", dict(CONFIG, api_origins=[""]), "api_origins[0]"),
    ("origin-wildcard", dict(CONFIG, api_origins=["https://*.example.com"]), "api_origins[0]"),
    ("origin-too-many", dict(CONFIG, api_origins=["https://a%d.example.com" % i for i in range(33)]), "api_origins"),
]
for name, cfg, field in BAD_CONFIG:
    case("tokens", "driver-config-refused-" + name, step("driver.new", {"config": cfg}, error="invalid_config", field=field))

for name, url in [("localhost", "http://localhost:8080/token"), ("127-8", "http://127.5.6.7/token"), ("ipv6", "http://[::1]/token")]:
    case("tokens", "driver-config-loopback-http-" + name, step("driver.new", {"config": {"token_endpoint": url}}, {}))
UNICODE_ENDPOINT = step("driver.new", {"config": {"token_endpoint": "https://b\u00fccher.example/token"}}, error="invalid_config", field="token_endpoint")
UNICODE_ENDPOINT["expect_error"]["detail"] = "`token_endpoint` " + NON_ASCII
case("tokens", "driver-config-refused-unicode-host-detail", UNICODE_ENDPOINT)
case("tokens", "driver-config-accepts-a-label-hosts",
     step("driver.new", {"config": {"token_endpoint": "https://auth.xn--bcher-kva.example/token", "api_origins": ["https://api.xn--bcher-kva.example"]}}, {}))

# --- the clock offset from Date is bounded --------------------------------------------------------
DAY = 86400


def dated(t, offset):
    r = resp(200, "", {"Date": http_date(NOW + offset)})
    return respond(t, r, complete(t, r))


case("tokens", "driver-clock-offset-bounded-to-one-day",
     new(CONFIG, ts(exp=NOW + 10 * DAY)),
     send(1, API, authed(1)), dated(1, 2 * DAY), state(NOW, offset=0),
     send(2, API, authed(2)), dated(2, 400), state(NOW, offset=400),
     send(3, API, authed(3)), dated(3, DAY + 1), state(NOW, offset=400),
     send(4, API, authed(4)), dated(4, -DAY - 1), state(NOW, offset=400),
     send(5, API, authed(5)), dated(5, DAY), state(NOW, offset=DAY),
     send(6, API, authed(6)), dated(6, -DAY), state(NOW, offset=-DAY),
     send(7, API, authed(7)), dated(7, 100 * 365 * DAY), state(NOW, offset=-DAY))

case("tokens", "driver-clock-offset-from-the-token-endpoint-is-bounded",
     new(CONFIG, ts(exp=NOW)),
     send(1, API, refresh(1)),
     respond(1, resp(200, json.dumps({"access_token": "at-2", "token_type": "Bearer", "expires_in": 3600}), {"Date": http_date(NOW - 30 * DAY)}),
             {"type": "save_tokens", "stored": stored(ts("at-2", NOW + 3600, "rt-1"), 1), "generation": 1, "expected_generation": 0},
             authed(2, at="at-2", rid=1)),
     state(NOW, gen=1, offset=0))

# --- tokens that would break a header --------------------------------------------------------------
case("tokens", "token-response-access-token-with-crlf",
     step("tokens.from_response", {"body": json.dumps({"access_token": "at\r\nX-Evil: 1", "token_type": "Bearer"}), "now": NOW}, error="invalid_response", field="access_token"))
case("tokens", "token-response-access-token-non-ascii",
     step("tokens.from_response", {"body": json.dumps({"access_token": "at\u00e9", "token_type": "Bearer"}), "now": NOW}, error="invalid_response", field="access_token"))
case("tokens", "driver-refresh-with-crlf-access-token-fails",
     new(CONFIG, ts(exp=NOW)),
     send(1, API, refresh(1)),
     respond(1, resp(200, json.dumps({"access_token": "at\r\nX-Evil: 1", "token_type": "Bearer"})),
             {"type": "failed", "request_id": 1, "error": {"detail": "`access_token` must be printable ASCII.", "code": "refresh_failed", "field": "access_token"},
              "response": resp(200, json.dumps({"access_token": "at\r\nX-Evil: 1", "token_type": "Bearer"}))}),
     state(NOW, fresh="expired"))
case("tokens", "driver-identity-with-crlf-refused",
     new(CONFIG, ts()),
     step("driver.set_identity", {"identity": "id\r\nX-Evil: 1"}, error="invalid_input", field="identity"),
     step("driver.set_identity", {"identity": ""}, error="invalid_input", field="identity"),
     step("driver.set_identity", {"identity": "x" * 257}, error="invalid_input", field="identity"),
     send(1, API, authed(1)))

# --- stored and restored state ------------------------------------------------------------------
FULL_CONFIG = {"token_endpoint": TOKEN_URL, "client_id": None, "refresh_margin": 300, "identity_header": "X-Identity",
               "default_expires_in": 3600, "max_access_token_bytes": 16384, "shared_store": False, "api_origins": [API_ORIGIN], "allow_insecure_http": False}
case("tokens", "driver-restore-round-trip",
     new(CONFIG, ts(), 3, -20),
     step("driver.snapshot", {}, {"version": 1, "config": FULL_CONFIG, "stored": stored(ts(), 3, -20)}, bind="snap"),
     step("driver.restore", {"snapshot": {"$ref": "snap"}}, {"actions": []}),
     state(NOW, gen=3, offset=-20),
     send(1, API, authed(1)),
     send(2, "https://evil.example/", bare(2, "https://evil.example/")))

def snap(config, stored_doc):
    """A driver snapshot (format version 1)."""
    return {"version": 1, "config": config, "stored": stored_doc}


BAD_RESTORE = [
    ("config-ftp-endpoint", snap({"token_endpoint": "ftp://x"}, stored(ts())), "invalid_config", "token_endpoint"),
    ("config-http-endpoint", snap({"token_endpoint": "http://auth.example.com/token"}, None), "invalid_config", "token_endpoint"),
    ("config-bad-origin", snap(dict(CONFIG, api_origins=["https://api.example.com/v1"]), None), "invalid_config", "api_origins[0]"),
    ("config-bad-margin", snap(dict(CONFIG, refresh_margin=-1), None), "invalid_config", "refresh_margin"),
    ("clock-offset-beyond-a-day", snap(CONFIG, stored(ts(), 1, DAY + 1)), "state_corrupt", "clock_offset"),
    ("config-checked-before-stored", snap({"token_endpoint": "ftp://x"}, stored(ts(), 1, DAY + 1)), "invalid_config", "token_endpoint"),
    ("access-token-crlf", snap(CONFIG, stored(ts("at\r\nX-Evil: 1"), 1)), "state_corrupt", "tokens.access_token"),
    ("access-token-empty", snap(CONFIG, stored(ts(""), 1)), "state_corrupt", "tokens.access_token"),
    ("token-type-mac", snap(CONFIG, stored(dict(ts(), token_type="MAC"), 1)), "state_corrupt", "tokens.token_type"),
    ("future-stored-version", snap(CONFIG, dict(stored(ts(), 1), version=3)), "state_version_unsupported", "version"),
    ("future-snapshot-version", dict(snap(CONFIG, stored(ts(), 1)), version=2), "state_version_unsupported", "version"),
    ("snapshot-version-zero", dict(snap(CONFIG, None), version=0), "state_version_unsupported", "version"),
    ("snapshot-without-version", {"config": CONFIG, "stored": None}, "state_corrupt", "version"),
    ("snapshot-version-as-string", dict(snap(CONFIG, None), version="1"), "state_corrupt", "version"),
    ("not-an-object", [], "state_corrupt", "snapshot"),
    ("unknown-member", dict(snap(CONFIG, None), extra=1), "state_corrupt", "snapshot"),
    ("config-unknown-member", snap(dict(CONFIG, send_token_everywhere=True), None), "state_corrupt", "snapshot"),
    ("config-wrong-type", snap(dict(CONFIG, api_origins="https://api.example.com"), None), "state_corrupt", "snapshot"),
]
for name, st, code, field in BAD_RESTORE:
    case("tokens", "driver-restore-refused-" + name, step("driver.restore", {"snapshot": st}, error=code, field=field))

case("tokens", "driver-new-with-bad-stored-offset",
     step("driver.new", {"config": CONFIG, "stored": stored(ts(), 1, -DAY - 1)}, error="state_corrupt", field="clock_offset"))
case("tokens", "stored-clock-offset-beyond-a-day",
     step("tokens.load", {"text": json.dumps(stored(ts(), 1, DAY + 1))}, error="state_corrupt", field="clock_offset"),
     step("tokens.load", {"text": json.dumps(stored(ts(), 1, DAY))}, stored(ts(), 1, DAY)))
case("tokens", "stored-access-token-with-newline",
     step("tokens.load", {"text": json.dumps(stored(ts("at\nX-Evil: 1"), 1))}, error="state_corrupt", field="tokens.access_token"))
case("tokens", "driver-loaded-document-is-checked",
     new(dict(CONFIG, shared_store=True), ts(exp=NOW), 4),
     send(1, API, {"type": "load_tokens"}),
     step("driver.handle_loaded", {"stored": stored(ts("at\r\nX: 1"), 9), "now": NOW}, error="state_corrupt", field="tokens.access_token"),
     step("driver.handle_loaded", {"stored": stored(ts(), 9, 10 * DAY), "now": NOW}, error="state_corrupt", field="clock_offset"),
     step("driver.handle_loaded", {"stored": None, "now": NOW}, {"actions": [refresh(1)]}))
case("tokens", "driver-save-conflict-document-is-checked",
     new(CONFIG, ts()),
     step("driver.handle_save_conflict", {"stored": stored(ts("at\r\nX: 1"), 9)}, error="state_corrupt", field="tokens.access_token"),
     send(1, API, authed(1)))


# ==========================================================================================
# Device client
# ==========================================================================================
BASE = "https://auth.example.com"
AUTH_URL = BASE + "/api/auth/device/"
VERIFY = "https://auth.example.com/device"
CLIENT = {"base_url": BASE, "client_id": "cli"}
AUTH_BODY = {"device_code": "dc-1", "user_code": "BCDF-GHJK", "verification_uri": VERIFY, "expires_in": 600, "interval": 5}


def dsend(t, url, pairs):
    return {"type": "send", "transmit": t, "request": {"method": "POST", "url": url,
            "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}, "body": form(pairs)}}


def auth_send(t=1, url=AUTH_URL):
    return dsend(t, url, [("client_id", "cli")])


def poll_send(t, url=BASE + "/api/auth/device/token/"):
    return dsend(t, url, [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", "dc-1"), ("client_id", "cli")])


def acts(*a):
    return {"actions": list(a)}


def dresp(body):
    return {"status": 200, "headers": {}, "body": json.dumps(body)}


def invalid(field, detail):
    return {"type": "failed", "error": {"detail": detail, "code": "invalid_response", "field": field}}


def prompt(body, at=NOW):
    p = {"type": "prompt", "user_code": body["user_code"], "verification_uri": body.get("verification_uri", body.get("verification_url"))}
    if "verification_uri_complete" in body:
        p["verification_uri_complete"] = body["verification_uri_complete"]
    p["expires_at"] = at + body["expires_in"]
    return p


def authorize(body, *outcome, config=None):
    return [step("device.client.new", {"config": config or CLIENT}, {}),
            step("device.client.start", {"now": NOW}, acts(auth_send())),
            step("device.client.handle_response", {"transmit": 1, "response": dresp(body), "now": NOW}, acts(*outcome))]


def finished():
    return step("device.client.status", {"now": NOW}, {"interval": None, "finished": True})


USER_CODE = "`user_code` must be 1 to 32 characters of A-Z, a-z, 0-9, '-' and space."
BAD_USER_CODES = [
    ("clear-screen", "\u001b[2J\u001b[HBCDF-GHJK"),
    ("escape-only", "\u001b[2J"),
    ("osc-8-hyperlink", "\u001b]8;;https://evil.example/\u0007BCDF-GHJK\u001b]8;;\u0007"),
    ("crlf", "BCDF\r\nGHJK"),
    ("newline", "BCDF-GHJK\nVisit https://evil.example"),
    ("tab", "BCDF\tGHJK"),
    ("nul", "BCDF\u0000GHJK"),
    ("del", "BCDF\u007fGHJK"),
    ("bidi-override", "BCDF-\u202eKJHG"),
    ("fullwidth", "\uff22\uff23\uff24\uff26"),
    ("non-ascii-letter", "BCDF-GHJ\u00c5"),
    ("punctuation", "BCDF;rm -rf"),
    ("only-dashes", "----"),
    ("33-characters", "B" * 33),
    ("4000-characters", "B" * 4000),
]
for name, code in BAD_USER_CODES:
    case("device", "client-prompt-refused-user-code-" + name,
         *authorize(dict(AUTH_BODY, user_code=code), invalid("user_code", USER_CODE)), finished(),
         source="RFC 8628 6.1")
case("device", "client-prompt-refused-user-code-10-kb",
     *authorize(dict(AUTH_BODY, user_code="B" * 10240), invalid("user_code", "`user_code` must be a non-empty string.")), finished())

for name, code in [("32-characters", "B" * 32), ("space-grouped", "BCDF GHJK"), ("lower-case-and-digits", "abcd-1234"), ("digits", "123456")]:
    body = dict(AUTH_BODY, user_code=code)
    case("device", "client-prompt-accepts-user-code-" + name, *authorize(body, prompt(body), {"type": "wait", "until": NOW + 5}))

BAD_URIS = [
    ("escape", VERIFY + "\u001b[2J", PRINTABLE),
    ("crlf", VERIFY + "\r\nEnter code at https://evil.example", PRINTABLE),
    ("space", "https://auth.example.com/device please", PRINTABLE),
    ("homograph", "https://auth.ex\u0430mple.com/device", NON_ASCII),
    ("unicode-host", "https://b\u00fccher.example/device", NON_ASCII),
    ("invalid-a-label", "https://xn--a.example/device", NOT_ABSOLUTE),
    ("backslash", "https://evil.example\\@auth.example.com/device", PRINTABLE),
    ("javascript", "javascript:alert(document.cookie)", HTTPS_ONLY),
    ("data", "data:text/html,<script>alert(1)</script>", HTTPS_ONLY),
    ("file", "file:///etc/passwd", HTTPS_ONLY),
    ("http-remote", "http://evil.example/device", HTTPS_ONLY),
    ("relative", "/device", NOT_ABSOLUTE),
    ("user-info", "https://auth.example.com@evil.example/device", USERINFO),
    ("no-slashes", "https:evil.example/device", NOT_PLAIN),
    ("wildcard-host", "https://*.example.com/device", "must name a host of letters, digits, '.', '-' and '_'."),
    ("too-long", "https://auth.example.com/" + "a" * 2024, TOO_LONG),
]
for name, uri, reason in BAD_URIS:
    case("device", "client-prompt-refused-verification-uri-" + name,
         *authorize(dict(AUTH_BODY, verification_uri=uri), invalid("verification_uri", "`verification_uri` " + reason)), finished())
for name, uri, reason in [("javascript", "javascript:alert(1)//https://auth.example.com/device", HTTPS_ONLY),
                          ("http-remote", "http://evil.example/device?user_code=BCDF-GHJK", HTTPS_ONLY),
                          ("escape", VERIFY + "?user_code=BCDF-GHJK\u001b[2J", PRINTABLE)]:
    case("device", "client-prompt-refused-verification-uri-complete-" + name,
         *authorize(dict(AUTH_BODY, verification_uri_complete=uri), invalid("verification_uri_complete", "`verification_uri_complete` " + reason)), finished())
case("device", "client-prompt-refused-verification-url-spelling-http",
     *authorize({k: v for k, v in dict(AUTH_BODY, verification_url="http://evil.example/device").items() if k != "verification_uri"},
                invalid("verification_uri", "`verification_uri` " + HTTPS_ONLY)), finished())

for name, uri in [("length-2048", "https://auth.example.com/" + "a" * 2023), ("loopback-http", "http://127.0.0.1:8080/device"),
                  ("localhost-http", "http://localhost/device"), ("a-label-host", "https://xn--bcher-kva.example/device")]:
    body = dict(AUTH_BODY, verification_uri=uri)
    case("device", "client-prompt-accepts-verification-uri-" + name, *authorize(body, prompt(body), {"type": "wait", "until": NOW + 5}))
body = dict(AUTH_BODY, verification_uri="http://auth.example.com/device", verification_uri_complete="http://auth.example.com/device?user_code=BCDF-GHJK")
case("device", "client-prompt-insecure-http-when-allowed",
     *authorize(body, prompt(body), {"type": "wait", "until": NOW + 5}, config=dict(CLIENT, allow_insecure_http=True)))

# --- settings ------------------------------------------------------------------------------------
BAD_DEVICE_CONFIG = [
    ("base-url-http", dict(CLIENT, base_url="http://auth.example.com"), "base_url"),
    ("base-url-ftp", dict(CLIENT, base_url="ftp://x"), "base_url"),
    ("base-url-query", dict(CLIENT, base_url="https://auth.example.com?tenant=1"), "base_url"),
    ("base-url-fragment", dict(CLIENT, base_url="https://auth.example.com#x"), "base_url"),
    ("base-url-user-info", dict(CLIENT, base_url="https://user:pw@auth.example.com"), "base_url"),
    ("base-url-backslash", dict(CLIENT, base_url="https://auth.example.com\\@evil.example"), "base_url"),
    ("authorization-path-javascript", dict(CLIENT, authorization_path="javascript:alert(1)"), "authorization_path"),
    ("authorization-path-crlf", dict(CLIENT, authorization_path="/api/auth/device/\r\nX-Evil: 1"), "authorization_path"),
    ("token-path-http", dict(CLIENT, token_path="http://evil.example/token"), "token_path"),
    ("token-path-fragment", dict(CLIENT, token_path="/token#x"), "token_path"),
]
for name, cfg, field in BAD_DEVICE_CONFIG:
    case("device", "client-config-refused-" + name, step("device.client.new", {"config": cfg}, error="invalid_config", field=field))
case("device", "client-config-loopback-http",
     step("device.client.new", {"config": dict(CLIENT, base_url="http://localhost:8000")}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1, "http://localhost:8000/api/auth/device/"))))
case("device", "client-config-insecure-http-when-allowed",
     step("device.client.new", {"config": dict(CLIENT, base_url="http://auth.example.com", allow_insecure_http=True)}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1, "http://auth.example.com/api/auth/device/"))))

# --- restored state ------------------------------------------------------------------------------
FULL_CLIENT = {"base_url": BASE, "authorization_path": "/api/auth/device/", "token_path": "/api/auth/device/token/", "client_id": "cli",
               "scope": None, "encoding": "form", "default_interval": 5, "max_retries": 5, "max_backoff": 60, "default_expires_in": 3600, "max_access_token_bytes": 16384,
               "previous_generation": 0, "allow_insecure_http": False}
POLLING = {"type": "polling", "device_code": "dc-1", "interval": 5, "deadline": NOW + 600, "next_poll": NOW + 5, "failures": 0}
# A restored machine re-emits the `wait` it was in, so a host that restarted learns when to wake.
case("device", "client-restore-round-trip",
     *authorize(AUTH_BODY, prompt(AUTH_BODY), {"type": "wait", "until": NOW + 5}),
     step("device.client.snapshot", {}, {"version": 1, "config": FULL_CLIENT, "phase": POLLING, "next_transmit": 2}, bind="st"),
     step("device.client.restore", {"snapshot": {"$ref": "st"}}, acts({"type": "wait", "until": NOW + 5})),
     step("device.client.status", {"now": NOW}, {"interval": 5, "finished": False}),
     step("device.client.handle_timeout", {"now": NOW + 5}, acts(poll_send(2))))
# A snapshot never holds an exchange in flight: its answer cannot reach a restarted host. The
# restored machine's wait is already due, the poll goes out again with a new transmit, and a late
# answer to the old transmit is refused.
case("device", "client-restore-with-poll-in-flight-polls-again",
     *authorize(AUTH_BODY, prompt(AUTH_BODY), {"type": "wait", "until": NOW + 5}),
     step("device.client.handle_timeout", {"now": NOW + 5}, acts(poll_send(2))),
     step("device.client.snapshot", {}, {"version": 1, "config": FULL_CLIENT, "phase": POLLING, "next_transmit": 3}, bind="st"),
     step("device.client.restore", {"snapshot": {"$ref": "st"}}, acts({"type": "wait", "until": NOW + 5})),
     step("device.client.handle_response", {"transmit": 2, "response": dresp({"access_token": "at-1", "token_type": "Bearer"}), "now": NOW + 6}, error="invalid_state", field="transmit"),
     step("device.client.handle_timeout", {"now": NOW + 6}, acts(poll_send(3))))
case("device", "client-restore-authorizing-waits-for-its-attempt",
     step("device.client.restore", {"snapshot": {"version": 1, "config": CLIENT, "phase": {"type": "authorizing", "next_attempt": NOW + 4, "failures": 2},
                                                 "next_transmit": 3}}, acts({"type": "wait", "until": NOW + 4})),
     step("device.client.handle_timeout", {"now": NOW + 4}, acts(auth_send(3))))
case("device", "client-restore-polling-wait-capped-at-deadline",
     step("device.client.restore", {"snapshot": {"version": 1, "config": CLIENT, "phase": dict(POLLING, deadline=NOW + 3),
                                                 "next_transmit": 2}}, acts({"type": "wait", "until": NOW + 3})))
case("device", "client-restore-idle-then-start",
     step("device.client.restore", {"snapshot": {"version": 1, "config": CLIENT, "phase": {"type": "idle"}, "next_transmit": 1}}, acts()),
     step("device.client.start", {"now": NOW}, acts(auth_send())))
case("device", "client-restore-finished-stays-finished",
     step("device.client.restore", {"snapshot": {"version": 1, "config": CLIENT, "phase": {"type": "finished"}, "next_transmit": 4}}, acts()),
     finished(),
     step("device.client.start", {"now": NOW}, error="invalid_state"))


def restore_state(config=None, phase=None, next_transmit=2):
    return {"version": 1, "config": CLIENT if config is None else config, "phase": phase or POLLING, "next_transmit": next_transmit}


BAD_DEVICE_RESTORE = [
    ("ftp-base-url-and-empty-client-id", restore_state({"base_url": "ftp://x", "client_id": ""}), "invalid_config", "base_url"),
    ("empty-client-id", restore_state({"base_url": BASE, "client_id": ""}), "invalid_config", "client_id"),
    ("http-token-path", restore_state(dict(CLIENT, token_path="http://evil.example/steal")), "invalid_config", "token_path"),
    ("bad-interval-setting", restore_state(dict(CLIENT, default_interval=0)), "invalid_config", "default_interval"),
    ("not-an-object", "polling", "state_corrupt", "snapshot"),
    ("future-version", dict(restore_state(), version=2), "state_version_unsupported", "version"),
    ("without-version", {"config": CLIENT, "phase": POLLING, "next_transmit": 2}, "state_corrupt", "version"),
    ("version-as-string", dict(restore_state(), version="1"), "state_corrupt", "version"),
    ("version-checked-before-settings", dict(restore_state({"base_url": "ftp://x", "client_id": ""}), version=2), "state_version_unsupported", "version"),
    ("unknown-phase", restore_state(phase={"type": "approved"}), "state_corrupt", "snapshot"),
    ("phase-tag-under-old-name", restore_state(phase={"phase": "idle"}), "state_corrupt", "snapshot"),
    ("unknown-member", dict(restore_state(), extra=True), "state_corrupt", "snapshot"),
    ("config-unknown-member", restore_state(dict(CLIENT, verify_tls=False)), "state_corrupt", "snapshot"),
    ("missing-phase", {"version": 1, "config": CLIENT, "next_transmit": 1}, "state_corrupt", "snapshot"),
    ("in-flight-is-not-part-of-a-snapshot", restore_state(phase=dict(POLLING, in_flight=1)), "state_corrupt", "snapshot"),
    ("empty-device-code", restore_state(phase=dict(POLLING, device_code="")), "state_corrupt", "phase.device_code"),
    ("zero-interval", restore_state(phase=dict(POLLING, interval=0)), "state_corrupt", "phase.interval"),
    ("zero-next-transmit", restore_state(phase={"type": "idle"}, next_transmit=0), "state_corrupt", "next_transmit"),
]
for name, st, code, field in BAD_DEVICE_RESTORE:
    case("device", "client-restore-refused-" + name, step("device.client.restore", {"snapshot": st}, error=code, field=field))


# ==========================================================================================
# Authorization-code client
# ==========================================================================================
AUTHZ = "https://auth.example.com/authorize"
TOKEN = "https://auth.example.com/token"
ISSUER = "https://auth.example.com"
REDIRECT = "http://127.0.0.1:8765/callback"
CFG = {"authorization_endpoint": AUTHZ, "token_endpoint": TOKEN, "client_id": "cli", "redirect_uri": REDIRECT}
STATE_B = bytes(range(32))
VER_B = bytes(range(32, 64))
STATE = b64(STATE_B)
VERIFIER = b64(VER_B)


def s256(v):
    import hashlib
    return b64(hashlib.sha256(v.encode()).digest())


def auth_url(cfg):
    pairs = [("response_type", "code"), ("client_id", cfg["client_id"]), ("redirect_uri", cfg["redirect_uri"]),
             ("state", STATE), ("code_challenge", s256(VERIFIER)), ("code_challenge_method", "S256")]
    return cfg["authorization_endpoint"] + "?" + query(pairs)


def record(cfg, used=False):
    return {"state": STATE, "code_verifier": VERIFIER, "redirect_uri": cfg["redirect_uri"], "created_at": NOW, "expires_at": NOW + 600, "used": used}


def start(cfg=CFG):
    return [step("oauth.new", {"config": cfg}, {}),
            step("oauth.start", {"now": NOW, "entropy": (STATE_B + VER_B).hex()}, {"url": auth_url(cfg), "record": record(cfg)}, bind="s")]


def token_request(cfg=CFG, code="c-1"):
    pairs = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", cfg["redirect_uri"]), ("client_id", "cli"), ("code_verifier", VERIFIER)]
    return {"method": "POST", "url": TOKEN, "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}, "body": form(pairs)}


def cb(callback, error=None, field=None, cfg=CFG, code="c-1"):
    expect = None if error else {"request": token_request(cfg, code), "record": record(cfg, used=True)}
    return step("oauth.callback", {"record": {"$ref": "s.record"}, "callback": callback, "now": NOW + 10}, expect, error, field)


SQ = "state=" + STATE
# --- parameters come from the query only ----------------------------------------------------------
case("oauth", "callback-code-and-state-only-in-fragment", *start(), cb(REDIRECT + "#?code=c-1&" + SQ, "state_mismatch", "state"))
case("oauth", "callback-fragment-after-query", *start(), cb(REDIRECT + "?x=1#code=c-1&" + SQ, "state_mismatch", "state"))
case("oauth", "callback-code-only-in-fragment", *start(), cb(REDIRECT + "?" + SQ + "#code=c-1", "invalid_request", "code"))
case("oauth", "callback-bare-query-code-in-fragment", *start(), cb(SQ + "#code=c-1", "invalid_request", "code"))
case("oauth", "callback-error-only-in-fragment-is-ignored", *start(), cb(REDIRECT + "?code=c-1&" + SQ + "#error=access_denied"))
case("oauth", "callback-forms-accepted", *start(),
     cb(REDIRECT + "?code=c-1&" + SQ),
     cb("/callback?code=c-1&" + SQ),
     cb("?code=c-1&" + SQ),
     cb("code=c-1&" + SQ))
for name, callback in [("crlf", REDIRECT + "?code=c-1&" + SQ + "\r\n"), ("tab-inside-name", REDIRECT + "?co\tde=c-1&" + SQ),
                       ("newline-inside-state", REDIRECT + "?code=c-1&state=" + STATE[:10] + "\n" + STATE[10:]), ("nul", REDIRECT + "?code=c-1\u0000&" + SQ),
                       ]:
    case("oauth", "callback-refused-" + name, *start(), cb(callback, "invalid_request", "callback"))
# One cap for every form: a callback over 64 KiB is refused before it is parsed.
case("oauth", "callback-refused-too-long", *start(), cb(REDIRECT + "?code=c-1&" + SQ + "&pad=" + "a" * 65536, "payload_too_large", "callback"))
case("oauth", "callback-16-kib-accepted", *start(), cb(REDIRECT + "?code=c-1&" + SQ + "&pad=" + "a" * 16384))

# --- RFC 9207 issuer identification -----------------------------------------------------------------
REQ_ISS = dict(CFG, issuer=ISSUER, authorization_response_iss_parameter_supported=True)
OPT_ISS = dict(CFG, issuer=ISSUER)
ISS = "&iss=" + query([("", ISSUER)])[1:]
case("oauth", "iss-required-and-matching", *start(REQ_ISS), cb(REDIRECT + "?code=c-1&" + SQ + ISS, cfg=REQ_ISS), source="RFC 9207 2.4")
case("oauth", "iss-required-but-missing", *start(REQ_ISS), cb(REDIRECT + "?code=c-1&" + SQ, "invalid_request", "iss", REQ_ISS), source="RFC 9207 2.4")
case("oauth", "iss-required-and-wrong", *start(REQ_ISS), cb(REDIRECT + "?code=c-1&" + SQ + "&iss=https%3A%2F%2Fevil.example", "invalid_request", "iss", REQ_ISS),
     source="RFC 9207 2.4 (mix-up)")
case("oauth", "iss-compared-as-plain-strings", *start(REQ_ISS),
     cb(REDIRECT + "?code=c-1&" + SQ + "&iss=https%3A%2F%2Fauth.example.com%2F", "invalid_request", "iss", REQ_ISS),
     cb(REDIRECT + "?code=c-1&" + SQ + "&iss=HTTPS%3A%2F%2Fauth.example.com", "invalid_request", "iss", REQ_ISS),
     cb(REDIRECT + "?code=c-1&" + SQ + "&iss=", "invalid_request", "iss", REQ_ISS), source="RFC 9207 2.4")
case("oauth", "iss-repeated", *start(REQ_ISS), cb(REDIRECT + "?code=c-1&" + SQ + ISS + ISS, "invalid_request", "iss", REQ_ISS))
case("oauth", "iss-checked-before-error", *start(REQ_ISS),
     cb(REDIRECT + "?error=access_denied&" + SQ + "&iss=https%3A%2F%2Fevil.example", "invalid_request", "iss", REQ_ISS),
     cb(REDIRECT + "?error=access_denied&" + SQ + ISS, "access_denied", "error", REQ_ISS), source="RFC 9207 2.4")
case("oauth", "iss-checked-after-state", *start(REQ_ISS), cb(REDIRECT + "?code=c-1&state=other&iss=https%3A%2F%2Fevil.example", "state_mismatch", "state", REQ_ISS))
case("oauth", "iss-optional-missing-is-accepted", *start(OPT_ISS), cb(REDIRECT + "?code=c-1&" + SQ, cfg=OPT_ISS))
case("oauth", "iss-optional-but-present-is-compared", *start(OPT_ISS),
     cb(REDIRECT + "?code=c-1&" + SQ + "&iss=https%3A%2F%2Fevil.example", "invalid_request", "iss", OPT_ISS),
     cb(REDIRECT + "?code=c-1&" + SQ + ISS, cfg=OPT_ISS))
case("oauth", "iss-ignored-without-configured-issuer", *start(), cb(REDIRECT + "?code=c-1&" + SQ + "&iss=https%3A%2F%2Fanything.example"))

# --- settings ------------------------------------------------------------------------------------
BAD_OAUTH_CONFIG = [
    ("iss-required-without-issuer", dict(CFG, authorization_response_iss_parameter_supported=True), "issuer"),
    ("issuer-http", dict(CFG, issuer="http://auth.example.com"), "issuer"),
    ("issuer-query", dict(CFG, issuer="https://auth.example.com?tenant=1"), "issuer"),
    ("issuer-fragment", dict(CFG, issuer="https://auth.example.com#x"), "issuer"),
    ("authorization-endpoint-http", dict(CFG, authorization_endpoint="http://auth.example.com/authorize"), "authorization_endpoint"),
    ("authorization-endpoint-javascript", dict(CFG, authorization_endpoint="javascript:alert(1)"), "authorization_endpoint"),
    ("authorization-endpoint-fragment", dict(CFG, authorization_endpoint=AUTHZ + "#x"), "authorization_endpoint"),
    ("authorization-endpoint-user-info", dict(CFG, authorization_endpoint="https://auth.example.com@evil.example/authorize"), "authorization_endpoint"),
    ("token-endpoint-http", dict(CFG, token_endpoint="http://auth.example.com/token"), "token_endpoint"),
    ("token-endpoint-space", dict(CFG, token_endpoint="https://auth.example.com/to ken"), "token_endpoint"),
    ("redirect-uri-javascript", dict(CFG, redirect_uri="javascript:alert(1)//"), "redirect_uri"),
    ("redirect-uri-data", dict(CFG, redirect_uri="data:text/html,x"), "redirect_uri"),
    ("redirect-uri-file", dict(CFG, redirect_uri="file:///tmp/cb"), "redirect_uri"),
    ("redirect-uri-scheme-without-dot", dict(CFG, redirect_uri="myapp:/callback"), "redirect_uri"),
    ("redirect-uri-http-remote", dict(CFG, redirect_uri="http://app.example/callback"), "redirect_uri"),
    ("redirect-uri-user-info", dict(CFG, redirect_uri="https://app.example@evil.example/callback"), "redirect_uri"),
    ("redirect-uri-relative", dict(CFG, redirect_uri="/callback"), "redirect_uri"),
    ("redirect-uri-empty", dict(CFG, redirect_uri=""), "redirect_uri"),
    ("redirect-uri-newline", dict(CFG, redirect_uri=REDIRECT + "\n"), "redirect_uri"),
    ("redirect-uri-unicode-host", dict(CFG, redirect_uri="https://b\u00fccher.example/callback"), "redirect_uri"),
    ("redirect-uri-homograph", dict(CFG, redirect_uri="https://\u0430pp.example/callback"), "redirect_uri"),
    ("redirect-uri-invalid-a-label", dict(CFG, redirect_uri="https://xn--a.example/callback"), "redirect_uri"),
    ("authorization-endpoint-unicode-host", dict(CFG, authorization_endpoint="https://auth.b\u00fccher.example/authorize"), "authorization_endpoint"),
    ("extra-param-state", dict(CFG, extra_params=[["state", "fixed"]]), "extra_params"),
    ("extra-param-redirect-uri", dict(CFG, extra_params=[["redirect_uri", "https://evil.example/"]]), "extra_params"),
]
for name, cfg, field in BAD_OAUTH_CONFIG:
    case("oauth", "config-refused-" + name, step("oauth.new", {"config": cfg}, error="invalid_config", field=field))
for name, redirect in [("https", "https://app.example/callback"), ("loopback-ipv4", "http://127.0.0.1:8765/callback"),
                       ("loopback-ipv6", "http://[::1]:8765/callback"), ("localhost", "http://localhost:8765/callback"),
                       ("private-use-scheme", "com.example.app:/oauth2redirect"), ("a-label-host", "https://xn--bcher-kva.example/callback")]:
    case("oauth", "config-redirect-uri-accepted-" + name, step("oauth.new", {"config": dict(CFG, redirect_uri=redirect)}, {}), source="RFC 8252 7")
PRIVATE = dict(CFG, redirect_uri="com.example.app:/oauth2redirect")
case("oauth", "callback-private-use-scheme", *start(PRIVATE),
     cb("com.example.app:/oauth2redirect?code=c-1&" + SQ, cfg=PRIVATE),
     cb("com.example.app:/oauth2redirect#code=c-2&" + SQ, "state_mismatch", "state", PRIVATE))
INSECURE = dict(CFG, authorization_endpoint="http://auth.example.com/authorize", token_endpoint="http://auth.example.com/token",
                redirect_uri="http://app.example/callback", allow_insecure_http=True)
case("oauth", "config-insecure-http-when-allowed", step("oauth.new", {"config": INSECURE}, {}))


for area, cases in CASES.items():
    path = os.path.join(ROOT, "vectors", area, "security_client.json")
    write_suite(path, {"suite": area, "description": DESCR[area], "cases": cases})
    print(area, len(cases))
