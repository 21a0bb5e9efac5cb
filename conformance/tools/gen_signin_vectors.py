#!/usr/bin/env python3
"""Writes conformance/vectors/signin/signin.json: one-time sign-in codes.

Desktop sign-in (the Reeve seed `001_…`, "Desktop App Authentication": the app opens the
browser, the person signs in, the browser is redirected back to the app with an auth code,
the app exchanges it for a session token and stores it) with PKCE S256 (RFC 7636; the
verifier of Appendix B), loopback redirects on any port (RFC 8252 §7.3) or a private-use
scheme (RFC 8252 §7.1), single use and exact redirect URI match (RFC 6749 §4.1.2, §4.1.3);
and magic links (the Reeve seeds: "Enter your email → click the link in your inbox → signed
in"), 256-bit tokens, 15 minutes, single use, 5 per address per 15 minutes.

Every expectation is computed here with the standard library (base64url, SHA-256, UUID v4
from fixed bytes, the redirect URL and bodies built by hand), never copied from the core.
"""
import hashlib
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vectorlib import NOW, Suites, b64, err, js, query, sha, step  # noqa: E402

SUITES = Suites()
case = SUITES.case
SEED = "001_cdc042d717e19741.txt, Desktop App Authentication"
SEED_MAGIC = "001_cdc042d717e19741.txt, How Sign-in Works (Magic link)"

# --- desktop sign-in, server side -----------------------------------------------------------

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B
CHALLENGE = b64(hashlib.sha256(VERIFIER.encode()).digest())
assert CHALLENGE == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
CODE_BYTES = bytes(range(32))
CODE = b64(CODE_BYTES)
SESSION_BYTES = bytes(range(0x40, 0x50))
SESSION_TOKEN = str(uuid.UUID(bytes=SESSION_BYTES, version=4))
CONFIG = {"redirect_uris": ["reeve://callback", "http://127.0.0.1/callback"]}
USER, EMAIL = "user_abc123", "user@example.com"
NO_STORE = {"Cache-Control": "no-store", "Content-Type": "application/json"}


def code_record(redirect="reeve://callback", rev=1, used=False, issued=NOW, ttl=120, email=EMAIL):
    r = {"version": 1, "revision": rev, "code_hash": sha(CODE), "user_id": USER}
    if email is not None:
        r["email"] = email
    r.update({"code_challenge": CHALLENGE, "redirect_uri": redirect, "issued_at": issued,
              "expires_at": issued + ttl, "used": used})
    return r


def error_body(code, detail):
    return json.dumps({"detail": detail, "code": code}, separators=(",", ":"))


def desktop_new(config=CONFIG):
    return step("signin.desktop.new", {"config": config}, {})


def issue(redirect="reeve://callback", state="xyz", bind="i"):
    inp = {"user_id": USER, "email": EMAIL, "code_challenge": CHALLENGE, "redirect_uri": redirect,
           "now": NOW, "entropy": CODE_BYTES.hex()}
    url = redirect + "?code=" + CODE
    if state is not None:
        inp["state"] = state
        url += "&" + query([("state", state)])
    return step("signin.desktop.issue", inp, {"code": CODE, "redirect_url": url, "record": code_record(redirect)}, bind=bind)


def exchange_request(redirect="reeve://callback", verifier=VERIFIER):
    return {"method": "POST", "url": "https://api.reeve.example/api/auth/desktop/exchange",
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"code": CODE, "code_verifier": verifier, "redirect_uri": redirect})}


def parsed(redirect="reeve://callback", verifier=VERIFIER):
    return {"code": CODE, "code_verifier": verifier, "redirect_uri": redirect, "code_hash": sha(CODE)}


def session_record(created):
    return {"version": 1, "revision": 1, "token_hash": sha(SESSION_TOKEN), "user_id": USER, "email": EMAIL,
            "is_guest": False, "created_at": created, "last_seen_at": created}


case("signin", "desktop-sign-in-code-exchanged-once-for-a-session-token",
     desktop_new(), issue(),
     step("signin.desktop.hash", {"code": CODE}, {"hash": sha(CODE)}),
     step("signin.desktop.parse_exchange", {"request": exchange_request()}, parsed(), bind="p"),
     step("signin.desktop.exchange", {"record": {"$ref": "i.record"}, "request": {"$ref": "p"}, "now": NOW + 10,
                                      "entropy": SESSION_BYTES.hex()},
          {"response": {"status": 200, "headers": NO_STORE,
                        "body": js({"session_token": SESSION_TOKEN, "user_id": USER, "email": EMAIL})},
           "record": code_record(rev=2, used=True),
           "session": {"token": SESSION_TOKEN, "record": session_record(NOW + 10)}}, bind="x"),
     step("signin.desktop.exchange", {"record": {"$ref": "x.record"}, "request": {"$ref": "p"}, "now": NOW + 11,
                                      "entropy": SESSION_BYTES.hex()},
          {"response": {"status": 400, "headers": NO_STORE,
                        "body": error_body("invalid_grant", "The code was already used.")}}),
     step("signin.desktop.redeem", {"record": {"$ref": "x.record"}, "code": CODE, "code_verifier": VERIFIER,
                                    "redirect_uri": "reeve://callback", "now": NOW + 12},
          error="invalid_grant", field="code"),
     source=SEED)

case("signin", "desktop-redeem-returns-the-user-and-the-used-record",
     desktop_new(), issue("http://127.0.0.1:53682/callback", state=None),
     step("signin.desktop.redeem", {"record": {"$ref": "i.record"}, "code": CODE, "code_verifier": VERIFIER,
                                    "redirect_uri": "http://127.0.0.1:53682/callback", "now": NOW + 119},
          {"type": "redeemed", "user_id": USER, "email": EMAIL,
           "record": code_record("http://127.0.0.1:53682/callback", rev=2, used=True)}),
     source="RFC 8252 7.3")

LOOPBACK = [
    ("reeve://callback", True), ("http://127.0.0.1:53682/callback", True), ("http://127.0.0.1:1/callback", True),
    ("http://127.0.0.1/callback", True), ("reeve://callback/", False), ("reeve://other", False),
    ("REEVE://callback", False), ("http://127.0.0.1:53682/callback/x", False),
    ("http://127.0.0.1:53682/callback?x=1", False), ("http://127.0.0.1:53682/callback#f", False),
    ("http://127.0.0.1:80/callback", False), ("http://localhost:53682/callback", False),
    ("http://[::1]:53682/callback", False), ("http://127.0.0.2:53682/callback", False),
    ("http://u@127.0.0.1:53682/callback", False), ("http://127.0.0.1:53682/./callback", False),
    ("http://0x7f.0.0.1:53682/callback", False), ("https://127.0.0.1:53682/callback", False),
    ("http://127.0.0.1:53682\\callback", False), ("javascript:alert(1)//callback", False),
]
case("signin", "desktop-redirect-uris-custom-scheme-exact-loopback-any-port",
     desktop_new(),
     *[step("signin.desktop.redirect_allowed", {"redirect_uri": u}, {"allowed": ok}) for u, ok in LOOPBACK],
     source="RFC 8252 7.1, 7.3, 8.3")


def redeem(inp, expect=None, **kw):
    base = {"record": {"$ref": "i.record"}, "code": CODE, "code_verifier": VERIFIER,
            "redirect_uri": "reeve://callback", "now": NOW + 1}
    base.update(inp)
    return step("signin.desktop.redeem", base, expect, **kw)


WRONG_VERIFIER = "A" * 43
case("signin", "desktop-refusals-that-leave-the-code-unchanged",
     desktop_new(), issue(),
     redeem({"now": NOW + 120}, error="invalid_grant", field="code"),
     redeem({"record": None}, error="invalid_grant", field="code"),
     redeem({"code": b64(bytes(32))}, error="invalid_grant", field="code"),
     source="RFC 6749 4.1.2, 5.2")
case("signin", "desktop-wrong-verifier-or-redirect-burns-the-code",
     desktop_new(), issue(),
     redeem({"code_verifier": WRONG_VERIFIER},
            {"type": "burned", "record": code_record(rev=2, used=True),
             "error": err("invalid_grant", "The code_verifier does not match the code_challenge.", "code_verifier")}),
     redeem({"code_verifier": "short"},
            {"type": "burned", "record": code_record(rev=2, used=True),
             "error": err("invalid_grant", "The code_verifier is malformed.", "code_verifier")}),
     redeem({"redirect_uri": "http://127.0.0.1:4000/callback"},
            {"type": "burned", "record": code_record(rev=2, used=True),
             "error": err("invalid_grant", "The redirect_uri does not match the one the code was sent to.", "redirect_uri")}),
     step("signin.desktop.exchange", {"record": {"$ref": "i.record"}, "request": parsed(verifier=WRONG_VERIFIER),
                                      "now": NOW + 1, "entropy": SESSION_BYTES.hex()},
          {"response": {"status": 400, "headers": NO_STORE,
                        "body": error_body("invalid_grant", "The code_verifier does not match the code_challenge.")},
           "record": code_record(rev=2, used=True)}),
     source="RFC 7636 4.6")


def issue_err(changes, error, field):
    inp = {"user_id": USER, "email": None, "code_challenge": CHALLENGE, "redirect_uri": "reeve://callback",
           "now": NOW, "entropy": CODE_BYTES.hex()}
    inp.update(changes)
    return step("signin.desktop.issue", inp, error=error, field=field)


case("signin", "desktop-issue-refusals",
     desktop_new(),
     issue_err({"code_challenge": VERIFIER + "x"}, "invalid_request", "code_challenge"),
     issue_err({"code_challenge": "plain"}, "invalid_request", "code_challenge"),
     issue_err({"redirect_uri": "reeve://evil"}, "invalid_request", "redirect_uri"),
     issue_err({"redirect_uri": "http://localhost:53682/callback"}, "invalid_request", "redirect_uri"),
     issue_err({"state": "a\nb"}, "invalid_request", "state"),
     issue_err({"user_id": ""}, "invalid_input", "user_id"),
     issue_err({"entropy": "00"}, "entropy_unavailable", None),
     step("signin.desktop.issue", {"user_id": USER, "email": None, "code_challenge": CHALLENGE,
                                   "redirect_uri": "reeve://callback", "now": NOW, "entropy": CODE_BYTES.hex()},
          {"code": CODE, "redirect_url": "reeve://callback?code=" + CODE, "record": code_record(email=None)}))

for name, cfg in [("no-redirect-uris", {"redirect_uris": []}),
                  ("localhost", {"redirect_uris": ["http://localhost/callback"]}),
                  ("loopback-with-port", {"redirect_uris": ["http://127.0.0.1:8080/callback"]}),
                  ("https", {"redirect_uris": ["https://app.example/callback"]}),
                  ("javascript", {"redirect_uris": ["javascript:alert(1)"]}),
                  ("fragment", {"redirect_uris": ["reeve://callback#x"]})]:
    case("signin", "desktop-config-invalid-" + name,
         step("signin.desktop.new", {"config": cfg}, error="invalid_config", field="redirect_uris"))
case("signin", "desktop-config-invalid-ttl",
     step("signin.desktop.new", {"config": dict(CONFIG, code_ttl=3600)}, error="invalid_config", field="code_ttl"),
     step("signin.desktop.new", {"config": dict(CONFIG, code_bytes=16)}, error="invalid_config", field="code_bytes"))

case("signin", "desktop-exchange-request-parsing",
     step("signin.desktop.parse_exchange",
          {"request": {"method": "POST", "url": "/x", "headers": {"content-type": "application/x-www-form-urlencoded"},
                       "body": "code=" + CODE + "&code_verifier=" + VERIFIER + "&redirect_uri=reeve%3A%2F%2Fcallback&extra=1"}},
          parsed()),
     step("signin.desktop.parse_exchange",
          {"request": {"method": "POST", "url": "/x", "headers": {},
                       "body": "code=" + CODE + "&code_verifier=" + VERIFIER}},
          error="invalid_request", field="redirect_uri"),
     step("signin.desktop.parse_exchange",
          {"request": {"method": "POST", "url": "/x", "headers": {},
                       "body": "code=a&code=b&code_verifier=v&redirect_uri=r"}},
          error="invalid_request", field="code"),
     step("signin.desktop.parse_exchange",
          {"request": {"method": "POST", "url": "/x", "headers": {"Content-Type": "application/json; charset=utf-8"},
                       "body": json.dumps({"code": 1, "code_verifier": "v", "redirect_uri": "r"})}},
          error="invalid_request", field="code"),
     step("signin.desktop.parse_exchange",
          {"request": {"method": "POST", "url": "/x", "headers": {"Content-Type": "application/json"}, "body": "[]"}},
          error="invalid_request", field="body"))

case("signin", "desktop-record-versions",
     step("signin.desktop.load", {"text": js(code_record())}, code_record()),
     step("signin.desktop.load", {"text": js(dict(code_record(), version=2))},
          error="state_version_unsupported", field="version"))

# --- desktop sign-in, the app's machine ---------------------------------------------------

STATE_BYTES, PKCE_BYTES = bytes([1] * 32), bytes(range(0x80, 0xa0))
STATE = b64(STATE_BYTES)
APP_VERIFIER = b64(PKCE_BYTES)
APP_CHALLENGE = b64(hashlib.sha256(APP_VERIFIER.encode()).digest())
SIGN_IN = "https://app.reeve.example/desktop/sign-in"
EXCHANGE = "https://api.reeve.example/api/auth/desktop/exchange"


def client_config(redirect):
    return {"sign_in_url": SIGN_IN, "exchange_url": EXCHANGE, "redirect_uri": redirect}


def start_actions(redirect):
    url = SIGN_IN + "?" + query([("redirect_uri", redirect), ("state", STATE), ("code_challenge", APP_CHALLENGE),
                                 ("code_challenge_method", "S256")])
    return [{"type": "listen", "redirect_uri": redirect}, {"type": "open_browser", "url": url},
            {"type": "wait", "until": NOW + 600}]


def client_start(redirect):
    return [step("signin.client.new", {"config": client_config(redirect)}, {}),
            step("signin.client.start", {"now": NOW, "entropy": (STATE_BYTES + PKCE_BYTES).hex()},
                 {"actions": start_actions(redirect)})]


def send_action(redirect, code="c0de", transmit=1):
    return {"type": "send", "transmit": transmit,
            "request": {"method": "POST", "url": EXCHANGE,
                        "headers": {"Accept": "application/json", "Content-Type": "application/json"},
                        "body": js({"code": code, "code_verifier": APP_VERIFIER, "redirect_uri": redirect})}}


SESSION_BODY = {"session_token": "550e8400-e29b-41d4-a716-446655440000", "user_id": USER, "email": EMAIL}
case("signin", "desktop-app-custom-scheme-sign-in-stores-the-session-token",
     *client_start("reeve://callback"),
     step("signin.client.handle_redirect", {"redirect": "reeve://callback?code=c0de&state=forged", "now": NOW + 20},
          error="state_mismatch", field="state"),
     step("signin.client.handle_redirect", {"redirect": "reeve://callback?code=c0de", "now": NOW + 20},
          error="state_mismatch", field="state"),
     step("signin.client.status", {"now": NOW + 20}, {"phase": "waiting", "deadline": NOW + 600, "finished": False}),
     step("signin.client.handle_redirect", {"redirect": "reeve://callback?code=c0de&state=" + STATE, "now": NOW + 20},
          {"actions": [send_action("reeve://callback")]}),
     step("signin.client.status", {"now": NOW + 20}, {"phase": "exchanging", "deadline": None, "finished": False}),
     step("signin.client.handle_response", {"transmit": 1, "now": NOW + 21,
                                            "response": {"status": 200, "headers": {}, "body": json.dumps(SESSION_BODY)}},
          {"actions": [{"type": "save", "session": SESSION_BODY}, {"type": "done"}]}),
     step("signin.client.status", {"now": NOW + 21}, {"phase": "finished", "deadline": None, "finished": True}),
     source=SEED)

case("signin", "desktop-app-loopback-listener-ignores-stray-requests",
     *client_start("http://127.0.0.1:53682/callback"),
     step("signin.client.handle_redirect", {"redirect": "/favicon.ico", "now": NOW + 5},
          error="invalid_request", field="redirect"),
     step("signin.client.handle_redirect", {"redirect": "https://evil.example/callback?code=x&state=" + STATE, "now": NOW + 5},
          error="invalid_request", field="redirect"),
     step("signin.client.handle_redirect", {"redirect": "/callback?code=lo&state=" + STATE, "now": NOW + 6},
          {"actions": [send_action("http://127.0.0.1:53682/callback", code="lo")]}),
     step("signin.client.handle_redirect", {"redirect": "/callback?code=lo&state=" + STATE, "now": NOW + 6},
          error="invalid_state"),
     step("signin.client.handle_response", {"transmit": 1, "now": NOW + 7,
                                            "response": {"status": 400, "headers": {},
                                                         "body": error_body("invalid_grant", "The code was already used.")}},
          {"actions": [{"type": "failed", "error": err("invalid_grant", "The code was already used.")}]}),
     source="RFC 8252 7.3")

case("signin", "desktop-app-error-redirect-ends-the-flow",
     *client_start("reeve://callback"),
     step("signin.client.handle_redirect",
          {"redirect": "reeve://callback?error=access_denied&error_description=The+user+cancelled&state=" + STATE,
           "now": NOW + 3},
          {"actions": [{"type": "failed", "error": err("access_denied", "The user cancelled", "error")}]}))

case("signin", "desktop-app-times-out-and-restores",
     *client_start("reeve://callback"),
     step("signin.client.snapshot", {},
          {"version": 1, "config": dict(client_config("reeve://callback"), timeout=600, allow_insecure_http=False),
           "phase": {"type": "waiting", "state": STATE, "code_verifier": APP_VERIFIER, "deadline": NOW + 600},
           "next_transmit": 1}, bind="snap"),
     step("signin.client.restore", {"snapshot": {"$ref": "snap"}}, {"actions": [{"type": "wait", "until": NOW + 600}]}),
     step("signin.client.handle_timeout", {"now": NOW + 599}, {"actions": []}),
     step("signin.client.handle_timeout", {"now": NOW + 600},
          {"actions": [{"type": "failed", "error": err("state_expired", "The sign-in took too long; start again.", "state")}]}),
     step("signin.client.restore", {"snapshot": {"$ref": "snap"}}, {"actions": [{"type": "wait", "until": NOW + 600}]}),
     step("signin.client.handle_redirect", {"redirect": "reeve://callback?code=late&state=" + STATE, "now": NOW + 600},
          {"actions": [{"type": "failed", "error": err("state_expired", "The sign-in took too long; start again.", "state")}]}),
     step("signin.client.restore", {"snapshot": {"$ref": "snap"}}, bind="r2"),
     step("signin.client.cancel", {}, {"actions": [{"type": "failed", "error": err("cancelled", "Operation was cancelled.")}]}),
     step("signin.client.restore", {"snapshot": dict(version=2)}, error="state_version_unsupported", field="version"))

case("signin", "desktop-app-bad-exchange-answers",
     *client_start("reeve://callback"),
     step("signin.client.handle_redirect", {"redirect": "reeve://callback?code=c0de&state=" + STATE, "now": NOW + 1},
          {"actions": [send_action("reeve://callback")]}),
     step("signin.client.handle_response", {"transmit": 2, "now": NOW + 2, "response": {"status": 200, "headers": {}, "body": "{}"}},
          error="invalid_state"),
     step("signin.client.handle_response", {"transmit": 1, "now": NOW + 2,
                                            "response": {"status": 200, "headers": {}, "body": json.dumps({"user_id": USER})}},
          {"actions": [{"type": "failed", "error": err("invalid_response", "`session_token` must be 1 to 4096 printable ASCII characters.", "session_token")}]}))

for name, cfg, field in [("javascript-redirect", client_config("javascript:alert(1)"), "redirect_uri"),
                         ("localhost-redirect", client_config("http://localhost:53682/callback"), "redirect_uri"),
                         ("http-sign-in-page", dict(client_config("reeve://callback"), sign_in_url="http://app.example/s"), "sign_in_url"),
                         ("timeout", dict(client_config("reeve://callback"), timeout=5), "timeout")]:
    case("signin", "desktop-app-config-invalid-" + name,
         step("signin.client.new", {"config": cfg}, error="invalid_config", field=field))

# --- magic links ----------------------------------------------------------------------------

TOKEN_BYTES = bytes(range(0x20, 0x40))
TOKEN = b64(TOKEN_BYTES)
LINK_URL = "https://app.reeve.example/auth/magic"


def magic_record(email="user@example.com", rev=1, used=False, issued=NOW):
    return {"version": 1, "revision": rev, "token_hash": sha(TOKEN), "email": email, "issued_at": issued,
            "expires_at": issued + 900, "used": used}


case("signin", "magic-link-issued-redeemed-once",
     step("signin.magic.new", {"config": {"link_url": LINK_URL}}, {}),
     step("signin.magic.issue", {"email": "  User@Example.COM ", "now": NOW, "entropy": TOKEN_BYTES.hex()},
          {"token": TOKEN, "link": LINK_URL + "?token=" + TOKEN, "record": magic_record(),
           "limiter": {"revision": 1, "window_start": NOW, "failures": 1}}, bind="m"),
     step("signin.magic.hash", {"token": TOKEN}, {"hash": sha(TOKEN)}),
     step("signin.magic.redeem", {"record": {"$ref": "m.record"}, "token": TOKEN, "now": NOW + 899},
          {"email": "user@example.com", "record": magic_record(rev=2, used=True)}, bind="r"),
     step("signin.magic.redeem", {"record": {"$ref": "r.record"}, "token": TOKEN, "now": NOW + 899},
          error="invalid_grant", field="token"),
     source=SEED_MAGIC)

case("signin", "magic-link-refusals",
     step("signin.magic.new", {}, {}),
     step("signin.magic.issue", {"email": "user@example.com", "now": NOW, "entropy": TOKEN_BYTES.hex()},
          {"token": TOKEN, "record": magic_record(), "limiter": {"revision": 1, "window_start": NOW, "failures": 1}}, bind="m"),
     step("signin.magic.redeem", {"record": {"$ref": "m.record"}, "token": TOKEN, "now": NOW + 900},
          error="invalid_grant", field="token"),
     step("signin.magic.redeem", {"record": {"$ref": "m.record"}, "token": b64(bytes(32)), "now": NOW},
          error="invalid_grant", field="token"),
     step("signin.magic.redeem", {"record": None, "token": TOKEN, "now": NOW}, error="invalid_grant", field="token"),
     step("signin.magic.issue", {"email": "not-an-address", "now": NOW, "entropy": TOKEN_BYTES.hex()},
          error="invalid_username", field="email"),
     step("signin.magic.issue", {"email": "user@example.com", "now": NOW, "entropy": "00"}, error="entropy_unavailable"),
     step("signin.magic.load", {"text": js(magic_record())}, magic_record()),
     step("signin.magic.load", {"text": js(dict(magic_record(), version=9))}, error="state_version_unsupported", field="version"))

rate = [step("signin.magic.new", {}, {})]
for k in range(5):
    inp = {"email": "a@example.com", "now": NOW + 10 * k, "entropy": TOKEN_BYTES.hex()}
    if k:
        inp["limiter"] = {"$ref": "l%d.limiter" % (k - 1)}
    rate.append(step("signin.magic.issue", inp,
                     {"token": TOKEN, "record": magic_record("a@example.com", issued=NOW + 10 * k),
                      "limiter": {"revision": k + 1, "window_start": NOW, "failures": k + 1}}, bind="l%d" % k))
rate.append(step("signin.magic.issue", {"email": "A@example.com", "limiter": {"$ref": "l4.limiter"}, "now": NOW + 899,
                                        "entropy": TOKEN_BYTES.hex()}, error="too_many_attempts", field="email"))
rate.append(step("signin.magic.issue", {"email": "a@example.com", "limiter": {"revision": 5, "window_start": NOW, "failures": 5},
                                        "now": NOW + 900, "entropy": TOKEN_BYTES.hex()},
                 {"token": TOKEN, "record": magic_record("a@example.com", issued=NOW + 900),
                  "limiter": {"revision": 6, "window_start": NOW + 900, "failures": 1}}))
case("signin", "magic-link-five-per-address-per-fifteen-minutes", *rate, source=SEED_MAGIC)

for name, cfg, field in [("ttl", {"ttl": 30}, "ttl"), ("token-bytes", {"token_bytes": 16}, "token_bytes"),
                         ("max-per-window", {"max_per_window": 0}, "max_per_window"),
                         ("link-url", {"link_url": "http://evil.example/magic"}, "link_url")]:
    case("signin", "magic-link-config-invalid-" + name,
         step("signin.magic.new", {"config": cfg}, error="invalid_config", field=field))

SUITES.write({"signin": "One-time sign-in codes: desktop sign-in (server codes bound to PKCE S256 and the "
                        "redirect URI, and the app's machine) and magic links (rate-limited per address)."})
