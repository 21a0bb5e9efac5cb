#!/usr/bin/env python3
"""Writes conformance/vectors/tokens/*.json and conformance/vectors/errors/*.json.

Every expected action below is written by hand from the token-lifecycle rules in
conformance/README.md (RFC 6749 §5.1 and §6 for the token and refresh exchanges)."""
import json, os

from vectorlib import write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = 1700000000
TOKEN_URL = "https://auth.example.com/api/auth/token/"
API = "https://api.example.com/v1/me"
# The API is served from another origin than the token endpoint: name it, or the token stays home.
CONFIG = {"token_endpoint": TOKEN_URL, "api_origins": ["https://api.example.com"]}


def ts(at="at-1", exp=NOW + 3600, rt="rt-1", **kw):
    t = {"access_token": at}
    if rt:
        t["refresh_token"] = rt
    t.update({"token_type": "Bearer", "expires_at": exp})
    t.update(kw)
    return t


def stored(tokens, gen=0, offset=0):
    return {"version": 1, "generation": gen, "clock_offset": offset, "tokens": tokens}


def send(transmit, request_id, at="at-1", url=API, method="GET", extra=None):
    """An API request going out with credentials: `request_id` is the driver's request it serves."""
    h = {"Authorization": "Bearer " + at}
    h.update(extra or {})
    return {"type": "send", "transmit": transmit, "request_id": request_id,
            "request": {"method": method, "url": url, "headers": dict(sorted(h.items()))}}


def refresh(transmit, rt="rt-1"):
    return {"type": "send", "transmit": transmit, "request": {"method": "POST", "url": TOKEN_URL,
            "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
            "body": "grant_type=refresh_token&refresh_token=" + rt}}


def resp(status, body="", headers=None):
    return {"status": status, "headers": headers or {}, "body": body}


def complete(req, r):
    return {"type": "complete", "request_id": req, "response": r}


def failed(req, code, detail, r=None, field=None):
    a = {"type": "failed", "request_id": req, "error": {"detail": detail, "code": code, **({"field": field} if field else {})}}
    if r:
        a["response"] = r
    return a


def save(tokens, gen, offset=0):
    return {"type": "save_tokens", "stored": stored(tokens, gen, offset), "generation": gen, "expected_generation": gen - 1}


def stored_v2(tokens, gen=0, offset=0, identity=None):
    """A version 2 document: the active identity and session tokens (no `expires_at`)."""
    d = {"version": 2, "generation": gen, "clock_offset": offset, "tokens": tokens}
    if identity is not None:
        d["identity"] = identity
    return d


def save_v2(tokens, gen, offset=0, identity=None):
    return {"type": "save_tokens", "stored": stored_v2(tokens, gen, offset, identity), "generation": gen, "expected_generation": gen - 1}


def step(op, input, expect=None, error=None, field=None):
    s = {"op": op, "input": input}
    if error:
        s["expect_error"] = {"code": error, **({"field": field} if field else {})}
    else:
        s["expect"] = expect
    return s


GET = {"method": "GET", "url": API}
TOKEN_BODY = json.dumps({"access_token": "at-2", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt-2"})
T2 = ts("at-2", NOW + 3600, "rt-2")
cases = []
c = lambda name, *steps, source=None: cases.append(dict({"name": name, "steps": list(steps)}, **({"source": source} if source else {})))

# --- token responses -------------------------------------------------------------------------
c("token-response-full", step("tokens.from_response", {"body": json.dumps({"access_token": "a", "token_type": "bearer", "expires_in": 3600, "refresh_token": "r", "scope": "read write", "refresh_expires_in": 2592000}), "now": NOW},
  {"access_token": "a", "refresh_token": "r", "token_type": "Bearer", "scope": "read write", "expires_at": NOW + 3600, "refresh_expires_at": NOW + 2592000}), source="RFC 6749 5.1")
c("token-response-default-lifetime", step("tokens.from_response", {"body": '{"access_token":"a","token_type":"Bearer"}', "now": NOW}, {"access_token": "a", "token_type": "Bearer", "expires_at": NOW + 3600}))
import base64 as _b64, hmac as _hmac, hashlib as _hashlib
def _jwt(claims):
    enc = lambda o: _b64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode()).rstrip(b"=").decode()
    si = enc({"alg": "HS256", "typ": "JWT"}) + "." + enc(claims)
    return si + "." + _b64.urlsafe_b64encode(_hmac.new(b"k" * 32, si.encode(), _hashlib.sha256).digest()).rstrip(b"=").decode()
JWT_AT = _jwt({"sub": "u", "exp": NOW + 900})
c("token-response-jwt-exp-without-expires-in", step("tokens.from_response", {"body": json.dumps({"access_token": JWT_AT, "token_type": "Bearer"}), "now": NOW},
  {"access_token": JWT_AT, "token_type": "Bearer", "expires_at": NOW + 900}))
c("token-response-expires-in-beats-jwt-exp", step("tokens.from_response", {"body": json.dumps({"access_token": JWT_AT, "token_type": "Bearer", "expires_in": 60}), "now": NOW},
  {"access_token": JWT_AT, "token_type": "Bearer", "expires_at": NOW + 60}))
JWT_NOEXP = _jwt({"sub": "u"})
c("token-response-jwt-without-exp-uses-default", step("tokens.from_response", {"body": json.dumps({"access_token": JWT_NOEXP, "token_type": "Bearer"}), "now": NOW},
  {"access_token": JWT_NOEXP, "token_type": "Bearer", "expires_at": NOW + 3600}))
c("token-response-missing-access-token", step("tokens.from_response", {"body": '{"token_type":"Bearer"}', "now": NOW}, error="invalid_response", field="access_token"))
c("token-response-not-bearer", step("tokens.from_response", {"body": '{"access_token":"a","token_type":"mac"}', "now": NOW}, error="invalid_response", field="token_type"))
# An all-digits string is a number (Azure AD v1, ADFS; oauthlib and authlib accept it); others are not.
c("token-response-expires-in-digit-string", step("tokens.from_response", {"body": '{"access_token":"a","token_type":"Bearer","expires_in":"3599"}', "now": NOW},
  {"access_token": "a", "token_type": "Bearer", "expires_at": NOW + 3599}), source="RFC 6749 5.1; Azure AD v1 token endpoint")
for bad in ["3600s", "-1", " 60", "1e3", ""]:
    c(f"token-response-expires-in-string-{bad.strip() or 'empty'}", step("tokens.from_response", {"body": json.dumps({"access_token": "a", "token_type": "Bearer", "expires_in": bad}), "now": NOW}, error="invalid_response", field="expires_in"))
c("token-response-expires-in-negative", step("tokens.from_response", {"body": '{"access_token":"a","token_type":"Bearer","expires_in":-1}', "now": NOW}, error="invalid_response", field="expires_in"))
c("token-response-not-json", step("tokens.from_response", {"body": "<html>", "now": NOW}, error="invalid_response", field="body"))
c("token-response-duplicate-member", step("tokens.from_response", {"body": '{"access_token":"a","access_token":"b"}', "now": NOW}, error="invalid_response", field="body"))

# --- freshness edges (margin 300 s) ---------------------------------------------------------------
for name, now, tokens, want in [
    ("301-left-is-fresh", NOW + 3600 - 301, ts(), "fresh"),
    ("300-left-is-refresh-due", NOW + 3600 - 300, ts(), "refresh_due"),
    ("1-left-is-refresh-due", NOW + 3599, ts(), "refresh_due"),
    ("0-left-is-expired", NOW + 3600, ts(), "expired"),
    ("0-left-no-refresh-token", NOW + 3600, ts(rt=None), "refresh_expired"),
    ("refresh-token-expired", NOW + 3600, ts(refresh_expires_at=NOW + 3600), "refresh_expired"),
    ("refresh-token-one-second-left", NOW + 3600, ts(refresh_expires_at=NOW + 3601), "expired"),
]:
    c("freshness-" + name, step("tokens.freshness", {"tokens": tokens, "now": now}, {"freshness": want}))
c("freshness-custom-margin", step("tokens.freshness", {"tokens": ts(), "now": NOW + 3000, "margin": 600}, {"freshness": "refresh_due"}))

# --- persisted form ---------------------------------------------------------------------------------
S = stored(ts(), 3, -2)
TEXT = json.dumps(S, separators=(",", ":"))
c("stored-round-trip", step("tokens.load", {"text": TEXT}, S), step("tokens.save", {"stored": S}, {"text": TEXT}))
for name, text in [("empty", ""), ("truncated", TEXT[:-5]), ("array", "[]"), ("version-string", '{"version":"1"}'), ("tokens-missing", '{"version":1,"generation":1}'),
                   ("tokens-wrong-type", '{"version":1,"generation":1,"tokens":[]}'), ("unknown-member", TEXT[:-1] + ',"extra":1}'), ("nul-bytes", "\u0000\u0000")]:
    c("stored-corrupt-" + name, step("tokens.load", {"text": text}, error="state_corrupt"))
c("stored-no-version", step("tokens.load", {"text": '{"generation":1}'}, error="state_corrupt", field="version"))
c("stored-future-version", step("tokens.load", {"text": '{"version":3,"generation":1,"tokens":{"new":"shape"}}'}, error="state_version_unsupported", field="version"))

# --- request driver ------------------------------------------------------------------------------------
new = lambda tokens=None, gen=0, **cfg: step("driver.new", {"config": dict(CONFIG, **cfg), "stored": stored(tokens, gen) if tokens else None}, {})
c("driver-fresh-request",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(200, "{}"), "now": NOW}, {"actions": [complete(1, resp(200, "{}"))]}))
c("driver-keeps-request-headers-and-body",
  new(ts()),
  step("driver.send", {"request": {"method": "POST", "url": API, "headers": {"Content-Type": "application/json", "authorization": "Bearer stale"}, "body": "{\"a\":1}"}, "now": NOW},
       {"request": 1, "actions": [{"type": "send", "transmit": 1, "request_id": 1, "request": {"method": "POST", "url": API, "headers": {"Authorization": "Bearer at-1", "Content-Type": "application/json"}, "body": "{\"a\":1}"}}]}))
c("driver-301-seconds-left-sends-directly", new(ts()), step("driver.send", {"request": GET, "now": NOW + 3600 - 301}, {"request": 1, "actions": [send(1, 1)]}))
c("driver-300-seconds-left-refreshes-first",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.send", {"request": GET, "now": NOW + 3300}, {"request": 2, "actions": [refresh(2)]}),
  step("driver.handle_response", {"transmit": 2, "response": resp(200, TOKEN_BODY), "now": NOW + 3300},
       {"actions": [save(ts("at-2", NOW + 3300 + 3600, "rt-2"), 1), send(3, 2, "at-2")]}),
  step("driver.status", {"now": NOW + 3300}, {"generation": 1, "clock_offset": 0, "freshness": "fresh"}))
c("driver-401-refresh-and-retry-once-succeeds",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW}, {"actions": [refresh(2)]}),
  step("driver.handle_response", {"transmit": 2, "response": resp(200, TOKEN_BODY), "now": NOW}, {"actions": [save(T2, 1), send(3, 1, "at-2")]}),
  step("driver.handle_response", {"transmit": 3, "response": resp(200, "ok"), "now": NOW}, {"actions": [complete(1, resp(200, "ok"))]}))
c("driver-second-401-is-not-authenticated",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW}, {"actions": [refresh(2)]}),
  step("driver.handle_response", {"transmit": 2, "response": resp(200, TOKEN_BODY), "now": NOW}, {"actions": [save(T2, 1), send(3, 1, "at-2")]}),
  step("driver.handle_response", {"transmit": 3, "response": resp(401, '{"detail":"nope"}'), "now": NOW}, {"actions": [failed(1, "not_authenticated", "Not authenticated.", resp(401, '{"detail":"nope"}'))]}),
  step("driver.handle_response", {"transmit": 3, "response": resp(200), "now": NOW}, error="invalid_state", field="transmit"))
c("driver-refresh-keeps-old-refresh-token-when-none-returned",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW}, {"actions": [refresh(2)]}),
  step("driver.handle_response", {"transmit": 2, "response": resp(200, '{"access_token":"at-2","token_type":"Bearer","expires_in":600}'), "now": NOW},
       {"actions": [save(ts("at-2", NOW + 600, "rt-1"), 1), send(3, 1, "at-2")]}))
c("driver-single-flight-three-waiting-requests",
  new(ts(exp=NOW)),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": []}),
  step("driver.send", {"request": GET, "now": NOW + 1}, {"request": 3, "actions": []}),
  step("driver.handle_response", {"transmit": 1, "response": resp(200, TOKEN_BODY), "now": NOW + 1},
       {"actions": [save(ts("at-2", NOW + 3601, "rt-2"), 1), send(2, 1, "at-2"), send(3, 2, "at-2"), send(4, 3, "at-2")]}))
c("driver-concurrent-401s-share-one-refresh",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [send(2, 2)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW}, {"actions": [refresh(3)]}),
  step("driver.handle_response", {"transmit": 2, "response": resp(401), "now": NOW}, {"actions": []}),
  step("driver.handle_response", {"transmit": 3, "response": resp(200, TOKEN_BODY), "now": NOW}, {"actions": [save(T2, 1), send(4, 1, "at-2"), send(5, 2, "at-2")]}))
c("driver-401-after-someone-else-refreshed-retries-without-refresh",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [send(2, 2)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW}, {"actions": [refresh(3)]}),
  step("driver.handle_response", {"transmit": 3, "response": resp(200, TOKEN_BODY), "now": NOW}, {"actions": [save(T2, 1), send(4, 1, "at-2")]}),
  step("driver.handle_response", {"transmit": 2, "response": resp(401), "now": NOW}, {"actions": [send(5, 2, "at-2")]}))
c("driver-402-subscription-required",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(402, '{"detail":"Active subscription required.","code":"subscription_required"}'), "now": NOW},
       {"actions": [failed(1, "subscription_required", "Active subscription required.", resp(402, '{"detail":"Active subscription required.","code":"subscription_required"}'))]}))
c("driver-402-server-detail-kept",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(402, '{"detail":"Upgrade to Pro."}'), "now": NOW},
       {"actions": [failed(1, "subscription_required", "Upgrade to Pro.", resp(402, '{"detail":"Upgrade to Pro."}'))]}))
# A refused refresh token (400/401, or `invalid_grant` at any status) ends the sign-in: the
# driver forgets the tokens and clears the store (compare-and-swap on the generation they had)
# before the waiting requests fail; a transient failure (5xx, network) keeps them.
def clear(gen):
    return {"type": "clear_tokens", "expected_generation": gen}


INVALID_GRANT = resp(400, '{"error":"invalid_grant"}')
c("driver-refresh-rejected-then-sign-in-again",
  new(ts(exp=NOW)),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.handle_response", {"transmit": 1, "response": INVALID_GRANT, "now": NOW},
       {"actions": [clear(0), failed(1, "refresh_failed", "Token refresh failed with status 400 (invalid_grant).", INVALID_GRANT)]}),
  step("driver.status", {"now": NOW}, {"generation": 0, "clock_offset": 0, "freshness": None}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [failed(2, "not_authenticated", "Not authenticated.")]}),
  source="RFC 6749 5.2 (invalid_grant: the refresh token is invalid, expired or revoked)")
c("driver-refresh-refused-clears-the-stored-generation",
  new(ts(exp=NOW), 3),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": []}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401, '{"detail":"Token is invalid or expired"}'), "now": NOW},
       {"actions": [clear(3),
                    failed(1, "refresh_failed", "Token refresh failed with status 401.", resp(401, '{"detail":"Token is invalid or expired"}')),
                    failed(2, "refresh_failed", "Token refresh failed with status 401.", resp(401, '{"detail":"Token is invalid or expired"}'))]}),
  # Another process signed in meanwhile: the clear lost its compare-and-swap; the new sign-in wins.
  step("driver.handle_save_conflict", {"stored": stored(ts("at-8", NOW + 3600, "rt-8"), 1)}, {"actions": []}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 3, "actions": [send(2, 3, "at-8")]}))
c("driver-refresh-refused-after-401-clears-and-fails",
  new(ts(), 2),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW}, {"actions": [refresh(2)]}),
  step("driver.handle_response", {"transmit": 2, "response": INVALID_GRANT, "now": NOW},
       {"actions": [clear(2), failed(1, "refresh_failed", "Token refresh failed with status 400 (invalid_grant).", INVALID_GRANT)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [failed(2, "not_authenticated", "Not authenticated.")]}))
c("driver-refresh-refused-while-refresh-due-stops-using-the-token",
  new(ts(), 1),
  step("driver.send", {"request": GET, "now": NOW + 3400}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.handle_response", {"transmit": 1, "response": INVALID_GRANT, "now": NOW + 3400},
       {"actions": [clear(1), failed(1, "refresh_failed", "Token refresh failed with status 400 (invalid_grant).", INVALID_GRANT)]}),
  step("driver.send", {"request": GET, "now": NOW + 3400}, {"request": 2, "actions": [failed(2, "not_authenticated", "Not authenticated.")]}))
c("driver-refresh-network-error-keeps-tokens",
  new(ts(exp=NOW), 1),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.handle_network_error", {"transmit": 1, "now": NOW}, {"actions": [failed(1, "network_error", "Network request failed.")]}),
  step("driver.status", {"now": NOW}, {"generation": 1, "clock_offset": 0, "freshness": "expired"}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [refresh(2)]}))
c("driver-refresh-server-error-can-retry-later",
  new(ts(exp=NOW)),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(503), "now": NOW}, {"actions": [failed(1, "refresh_failed", "Token refresh failed with status 503.", resp(503))]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [refresh(2)]}))
c("driver-refresh-bad-body",
  new(ts(exp=NOW)),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(200, '{"token_type":"Bearer"}'), "now": NOW},
       {"actions": [failed(1, "refresh_failed", "`access_token` is missing.", resp(200, '{"token_type":"Bearer"}'), field="access_token")]}))
# Without a refresh token (RAG Modulo: one-hour JWT, no refresh) the driver says "sign in again"
# at the refresh margin, while the token still works, instead of failing later.
REAUTH_DETAIL = "The access token has expired and cannot be renewed; sign in again."


def reauth(exp=NOW + 3600):
    return {"type": "reauthenticate", "expires_at": exp}


c("driver-expired-without-refresh-token",
  new(ts(exp=NOW, rt=None)),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [reauth(NOW), failed(1, "not_authenticated", REAUTH_DETAIL)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [failed(2, "not_authenticated", REAUTH_DETAIL)]}))
c("driver-refresh-due-without-refresh-token-uses-current",
  new(ts(rt=None)),
  step("driver.send", {"request": GET, "now": NOW + 3500}, {"request": 1, "actions": [reauth(), send(1, 1)]}))
c("driver-no-refresh-token-sign-in-again",
  new(ts(rt=None)),
  step("driver.send", {"request": GET, "now": NOW + 3300 - 1}, {"request": 1, "actions": [send(1, 1)]}),
  # 300 s (the margin) left: announce once, and still send with the current token.
  step("driver.send", {"request": GET, "now": NOW + 3300}, {"request": 2, "actions": [reauth(), send(2, 2)]}),
  step("driver.send", {"request": GET, "now": NOW + 3599}, {"request": 3, "actions": [send(3, 3)]}),
  step("driver.send", {"request": GET, "now": NOW + 3600}, {"request": 4, "actions": [failed(4, "not_authenticated", REAUTH_DETAIL)]}),
  # The user signed in again (here in another process): the new tokens are used at once.
  step("driver.handle_save_conflict", {"stored": stored(ts("at-2", NOW + 7200, None), 1)}, {"actions": []}),
  step("driver.send", {"request": GET, "now": NOW + 3600}, {"request": 5, "actions": [send(4, 5, "at-2")]}),
  step("driver.send", {"request": GET, "now": NOW + 6900}, {"request": 6, "actions": [reauth(NOW + 7200), send(5, 6, "at-2")]}),
  source="seeds/004 (RAG Modulo) Token Expiration: 1 hour, no refresh token")
c("driver-no-refresh-token-401-signs-in-again",
  new(ts(rt=None)),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW},
       {"actions": [reauth(), failed(1, "not_authenticated", "Not authenticated.", resp(401))]}))
c("driver-no-tokens", new(), step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [failed(1, "not_authenticated", "Not authenticated.")]}))
# The active identity is saved with the tokens (a version 2 document), so it survives a restart.
IDENT = "6f1c2a8e-4c1b-4f7e-9a51-0d7c3b2e9f10"
c("driver-identity-header",
  new(ts()),
  step("driver.set_identity", {"identity": IDENT}, {"actions": [save_v2(ts(), 1, identity=IDENT)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1, extra={"X-Identity": IDENT})]}),
  step("driver.set_identity", {"identity": IDENT}, {"actions": []}),
  step("driver.set_identity", {"identity": None}, {"actions": [save(ts(), 2)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [send(2, 2)]}))
c("driver-identity-header-name-configurable",
  new(ts(), identity_header="X-Acting-As"),
  step("driver.set_identity", {"identity": "id-1"}, {"actions": [save_v2(ts(), 1, identity="id-1")]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1, extra={"X-Acting-As": "id-1"})]}))
c("driver-identity-without-tokens-saves-nothing",
  new(),
  step("driver.set_identity", {"identity": "id-1"}, {"actions": []}))
c("driver-ravi-identity-restored-from-the-token-file",
  step("driver.new", {"config": dict(CONFIG, identity_header="X-Ravi-Identity"), "stored": stored_v2(ts(), 4, identity=IDENT)}, {}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1, extra={"X-Ravi-Identity": IDENT})]}),
  step("driver.send", {"request": GET, "now": NOW + 3300}, {"request": 2, "actions": [refresh(2)]}),
  step("driver.handle_response", {"transmit": 2, "response": resp(200, TOKEN_BODY), "now": NOW + 3300},
       {"actions": [{"type": "save_tokens", "stored": stored_v2(ts("at-2", NOW + 3300 + 3600, "rt-2"), 5, identity=IDENT), "generation": 5, "expected_generation": 4},
                    send(3, 2, "at-2", extra={"X-Ravi-Identity": IDENT})]}),
  source="seeds/000 (Ravi) Identity scoping; Token lifecycle: ~/.ravi/auth.json")
c("driver-clock-offset-from-date-header",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  # 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT; the server is 400 s ahead.
  step("driver.handle_response", {"transmit": 1, "response": resp(200, "", {"date": "Tue, 14 Nov 2023 22:20:00 GMT"}), "now": NOW},
       {"actions": [complete(1, resp(200, "", {"date": "Tue, 14 Nov 2023 22:20:00 GMT"}))]}),
  step("driver.status", {"now": NOW + 2900}, {"generation": 0, "clock_offset": 400, "freshness": "refresh_due"}),
  step("driver.send", {"request": GET, "now": NOW + 2900}, {"request": 2, "actions": [refresh(2)]}))
c("driver-network-error-on-api",
  new(ts()),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [send(1, 1)]}),
  step("driver.handle_network_error", {"transmit": 1, "now": NOW}, {"actions": [failed(1, "network_error", "Network request failed.")]}))
c("driver-network-error-on-refresh-fails-all-waiting",
  new(ts(exp=NOW)),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": []}),
  step("driver.handle_network_error", {"transmit": 1, "now": NOW}, {"actions": [failed(1, "network_error", "Network request failed."), failed(2, "network_error", "Network request failed.")]}))
c("driver-unknown-transmit", new(ts()), step("driver.handle_response", {"transmit": 7, "response": resp(200), "now": NOW}, error="invalid_state", field="transmit"))
c("driver-bad-config", step("driver.new", {"config": {"token_endpoint": "ftp://x"}}, error="invalid_config", field="token_endpoint"))
c("driver-shared-store-reload-skips-refresh",
  new(ts(exp=NOW), 4, shared_store=True),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [{"type": "load_tokens"}]}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": []}),
  step("driver.handle_loaded", {"stored": stored(ts("at-9", NOW + 3600, "rt-9"), 5), "now": NOW}, {"actions": [send(1, 1, "at-9"), send(2, 2, "at-9")]}),
  step("driver.status", {"now": NOW}, {"generation": 5, "clock_offset": 0, "freshness": "fresh"}))
c("driver-shared-store-reload-then-refresh",
  new(ts(exp=NOW), 4, shared_store=True),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [{"type": "load_tokens"}]}),
  step("driver.handle_loaded", {"stored": stored(ts(exp=NOW), 4), "now": NOW}, {"actions": [refresh(1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(200, TOKEN_BODY), "now": NOW},
       {"actions": [{"type": "save_tokens", "stored": stored(T2, 5), "generation": 5, "expected_generation": 4}, send(2, 1, "at-2")]}))
c("driver-save-conflict-adopts-newer",
  new(ts(exp=NOW)),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [refresh(1)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(200, TOKEN_BODY), "now": NOW}, {"actions": [save(T2, 1), send(2, 1, "at-2")]}),
  step("driver.handle_save_conflict", {"stored": stored(ts("at-7", NOW + 3600, "rt-7"), 3)}, {"actions": []}),
  step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [send(3, 2, "at-7")]}))
c("driver-unexpected-load", new(ts()), step("driver.handle_loaded", {"stored": None, "now": NOW}, error="invalid_state"))

# --- session tokens (opaque, no expiry) -------------------------------------------------------------
# Reeve: POST /api/auth/session answers {"session_token", "user_id", "email"}; the token is valid
# until 30 days of inactivity or a revocation, so the client never refreshes it and a 401 means
# the session has ended.
SESSION_ID = "550e8400-e29b-41d4-a716-446655440000"
SESSION_BODY = json.dumps({"session_token": SESSION_ID, "user_id": "user_abc123", "email": "user@example.com"})
SESSION = {"access_token": SESSION_ID, "token_type": "Bearer", "user_id": "user_abc123", "email": "user@example.com"}
REEVE = {"token_endpoint": "https://api.reeve.example/api/auth/session"}
REEVE_API = "https://api.reeve.example/api/credits/balance"
REEVE_GET = {"method": "GET", "url": REEVE_API}
SIGNED_OUT_DETAIL = "The session has ended; sign in again."
c("token-response-session-token", step("tokens.from_response", {"body": SESSION_BODY, "now": NOW}, SESSION),
  source="seeds/002 (Reeve) Session Creation: POST /api/auth/session")
c("token-response-session-token-with-expires-in",
  step("tokens.from_response", {"body": json.dumps({"session_token": "s-1", "expires_in": 60}), "now": NOW},
       {"access_token": "s-1", "token_type": "Bearer", "expires_at": NOW + 60}))
c("token-response-session-token-not-a-string",
  step("tokens.from_response", {"body": json.dumps({"session_token": 42}), "now": NOW}, error="invalid_response", field="session_token"))
c("token-response-session-user-id-not-a-string",
  step("tokens.from_response", {"body": json.dumps({"session_token": "s-1", "user_id": 7}), "now": NOW}, error="invalid_response", field="user_id"))
c("freshness-session-token-is-always-fresh", step("tokens.freshness", {"tokens": SESSION, "now": NOW + 400 * 86400}, {"freshness": "fresh"}))
SESSION_DOC = stored_v2(SESSION, 1)
c("stored-session-round-trip",
  step("tokens.load", {"text": json.dumps(SESSION_DOC, separators=(",", ":"))}, SESSION_DOC),
  step("tokens.save", {"stored": SESSION_DOC}, {"text": json.dumps(SESSION_DOC, separators=(",", ":"))}))
c("stored-version-1-without-expiry-is-corrupt",
  step("tokens.load", {"text": json.dumps(dict(SESSION_DOC, version=1))}, error="state_corrupt", field="version"))
c("stored-identity-with-a-line-break-is-corrupt",
  step("tokens.load", {"text": json.dumps(stored_v2(ts(), 1, identity="a\r\nX-Evil: 1"))}, error="state_corrupt", field="identity"))
c("driver-session-token-never-refreshes",
  step("driver.new", {"config": REEVE, "stored": SESSION_DOC}, {}),
  step("driver.send", {"request": REEVE_GET, "now": NOW}, {"request": 1, "actions": [send(1, 1, SESSION_ID, url=REEVE_API)]}),
  step("driver.send", {"request": REEVE_GET, "now": NOW + 29 * 86400}, {"request": 2, "actions": [send(2, 2, SESSION_ID, url=REEVE_API)]}),
  step("driver.status", {"now": NOW + 365 * 86400}, {"generation": 1, "clock_offset": 0, "freshness": "fresh"}),
  source="seeds/001 (Reeve) Session Tokens: expire after 30 days of inactivity")
c("driver-session-token-401-signs-out",
  step("driver.new", {"config": REEVE, "stored": SESSION_DOC}, {}),
  step("driver.send", {"request": REEVE_GET, "now": NOW}, {"request": 1, "actions": [send(1, 1, SESSION_ID, url=REEVE_API)]}),
  step("driver.send", {"request": REEVE_GET, "now": NOW}, {"request": 2, "actions": [send(2, 2, SESSION_ID, url=REEVE_API)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401, '{"detail":"Not authenticated"}'), "now": NOW},
       {"actions": [{"type": "signed_out"}, {"type": "clear_tokens", "expected_generation": 1},
                    failed(1, "not_authenticated", SIGNED_OUT_DETAIL, resp(401, '{"detail":"Not authenticated"}'))]}),
  # The other request carried the same ended session: it fails without a retry.
  step("driver.handle_response", {"transmit": 2, "response": resp(401, '{"detail":"Not authenticated"}'), "now": NOW},
       {"actions": [failed(2, "not_authenticated", "Not authenticated.", resp(401, '{"detail":"Not authenticated"}'))]}),
  step("driver.send", {"request": REEVE_GET, "now": NOW}, {"request": 3, "actions": [failed(3, "not_authenticated", "Not authenticated.")]}),
  step("driver.status", {"now": NOW}, {"generation": 0, "clock_offset": 0, "freshness": None}),
  source="seeds/002 (Reeve) Session Validation: 401 Not authenticated")
c("driver-session-sign-out-lost-to-a-new-sign-in",
  step("driver.new", {"config": REEVE, "stored": SESSION_DOC}, {}),
  step("driver.send", {"request": REEVE_GET, "now": NOW}, {"request": 1, "actions": [send(1, 1, SESSION_ID, url=REEVE_API)]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW},
       {"actions": [{"type": "signed_out"}, {"type": "clear_tokens", "expected_generation": 1}, failed(1, "not_authenticated", SIGNED_OUT_DETAIL, resp(401))]}),
  # The clear lost: another process signed in again meanwhile (generation 2). Its session is used.
  step("driver.handle_save_conflict", {"stored": stored_v2(dict(SESSION, access_token="s-2"), 2)}, {"actions": []}),
  step("driver.send", {"request": REEVE_GET, "now": NOW}, {"request": 2, "actions": [send(2, 2, "s-2", url=REEVE_API)]}))

# --- other response shapes (Django REST framework SimpleJWT) ------------------------------------------
SIMPLEJWT = {"access_token": "access", "refresh_token": "refresh"}
c("token-response-mapped-simplejwt",
  step("tokens.from_response", {"body": json.dumps({"access": JWT_AT, "refresh": "r-1"}), "now": NOW, "response_fields": SIMPLEJWT},
       {"access_token": JWT_AT, "refresh_token": "r-1", "token_type": "Bearer", "expires_at": NOW + 900}),
  source="seeds/000 (Ravi) /api/auth/ token refresh; SimpleJWT TokenObtainPairView answers {access, refresh}")
c("token-response-mapped-ignores-the-standard-name",
  step("tokens.from_response", {"body": json.dumps({"access_token": "a"}), "now": NOW, "response_fields": SIMPLEJWT}, error="invalid_response", field="access"))
c("token-response-mapped-expires-in",
  step("tokens.from_response", {"body": json.dumps({"token": "a", "ttl": 60}), "now": NOW, "response_fields": {"access_token": "token", "expires_in": "ttl"}},
       {"access_token": "a", "token_type": "Bearer", "expires_at": NOW + 60}))
c("token-response-mapping-names-clash",
  step("tokens.from_response", {"body": "{}", "now": NOW, "response_fields": {"scope": "access_token"}}, error="invalid_config", field="response_fields.scope"))
c("token-response-mapping-name-empty",
  step("tokens.from_response", {"body": "{}", "now": NOW, "response_fields": {"refresh_token": ""}}, error="invalid_config", field="response_fields.refresh_token"))
SJ_CONFIG = {"token_endpoint": "https://ravi.example/api/auth/token/refresh/", "response_fields": SIMPLEJWT,
             "refresh_body": {"type": "json", "refresh_token_field": "refresh"}}
SJ_API = "https://ravi.example/api/email-inbox/"
c("driver-simplejwt-refresh",
  step("driver.new", {"config": SJ_CONFIG, "stored": stored(ts(exp=NOW + 100), 1)}, {}),
  step("driver.send", {"request": {"method": "GET", "url": SJ_API}, "now": NOW},
       {"request": 1, "actions": [{"type": "send", "transmit": 1, "request": {"method": "POST", "url": SJ_CONFIG["token_endpoint"],
                                   "headers": {"Accept": "application/json", "Content-Type": "application/json"}, "body": '{"refresh":"rt-1"}'}}]}),
  # SimpleJWT without rotation answers the access token only; the refresh token is kept.
  step("driver.handle_response", {"transmit": 1, "response": resp(200, json.dumps({"access": JWT_AT})), "now": NOW},
       {"actions": [save(ts(JWT_AT, NOW + 900, "rt-1"), 2), send(2, 1, JWT_AT, url=SJ_API)]}),
  source="seeds/000 (Ravi) Token lifecycle; SimpleJWT TokenRefreshView takes {\"refresh\": ...} as JSON")
c("driver-simplejwt-refresh-rotated",
  step("driver.new", {"config": SJ_CONFIG, "stored": stored(ts(exp=NOW), 1)}, {}),
  step("driver.send", {"request": {"method": "GET", "url": SJ_API}, "now": NOW},
       {"request": 1, "actions": [{"type": "send", "transmit": 1, "request": {"method": "POST", "url": SJ_CONFIG["token_endpoint"],
                                   "headers": {"Accept": "application/json", "Content-Type": "application/json"}, "body": '{"refresh":"rt-1"}'}}]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(200, json.dumps({"access": "at-2", "refresh": "rt-2"})), "now": NOW},
       {"actions": [save(ts("at-2", NOW + 3600, "rt-2"), 2), send(2, 1, "at-2", url=SJ_API)]}))
c("driver-simplejwt-refresh-response-missing-access",
  step("driver.new", {"config": SJ_CONFIG, "stored": stored(ts(exp=NOW), 1)}, {}),
  step("driver.send", {"request": {"method": "GET", "url": SJ_API}, "now": NOW},
       {"request": 1, "actions": [{"type": "send", "transmit": 1, "request": {"method": "POST", "url": SJ_CONFIG["token_endpoint"],
                                   "headers": {"Accept": "application/json", "Content-Type": "application/json"}, "body": '{"refresh":"rt-1"}'}}]}),
  step("driver.handle_response", {"transmit": 1, "response": resp(200, json.dumps({"access_token": "at-2"})), "now": NOW},
       {"actions": [failed(1, "refresh_failed", "`access` is missing.", resp(200, json.dumps({"access_token": "at-2"})), field="access")]}))
c("driver-refresh-body-field-empty",
  step("driver.new", {"config": dict(CONFIG, refresh_body={"type": "json", "refresh_token_field": ""})}, error="invalid_config", field="refresh_body.refresh_token_field"))
c("driver-response-fields-clash",
  step("driver.new", {"config": dict(CONFIG, response_fields={"access_token": "refresh_token"})}, error="invalid_config", field="response_fields.refresh_token"))

write_suite(os.path.join(ROOT, "vectors", "tokens", "tokens.json"),
            {"suite": "tokens", "description": "Token responses, freshness, the persisted form and the request driver.", "cases": cases},
            ensure_ascii=True, newline=False)

# --- error catalog (codes and statuses are public API) -----------------------------------------------
# The frozen catalog: codes are public API and never renamed; statuses and families are
# part of the contract.
CATALOG = [
    ('not_authenticated', 401, 'token', 'Not authenticated.'),
    ('invalid_token', 401, 'token', 'Invalid token.'),
    ('token_expired', 401, 'token', 'Token has expired.'),
    ('token_not_yet_valid', 401, 'token', 'Token is not yet valid.'),
    ('algorithm_not_allowed', 401, 'token', 'Token algorithm is not allowed.'),
    ('invalid_signature', 401, 'token', 'Token signature is invalid.'),
    ('invalid_claims', 401, 'token', 'Token claims are invalid.'),
    ('refresh_failed', 401, 'token', 'Token refresh failed.'),
    ('refresh_token_expired', 401, 'token', 'Refresh token has expired; sign in again.'),
    ('insufficient_scope', 403, 'access', 'Insufficient scope.'),
    ('subscription_required', 402, 'access', 'Active subscription required.'),
    ('invalid_input', 400, 'input', 'Invalid input.'),
    ('invalid_config', 500, 'input', 'Invalid configuration.'),
    ('invalid_key', 500, 'input', 'Invalid key.'),
    ('entropy_unavailable', 500, 'input', 'Randomness is unavailable.'),
    ('state_corrupt', 500, 'input', 'Stored state is corrupt.'),
    ('state_version_unsupported', 500, 'input', 'Stored state has an unsupported version.'),
    ('version_conflict', 409, 'input', 'Stored state was changed by someone else.'),
    ('invalid_state', 500, 'input', 'Operation is not valid in the current state.'),
    ('cancelled', 400, 'transport', 'Operation was cancelled.'),
    ('invalid_response', 502, 'transport', 'The server sent an invalid response.'),
    ('network_error', 503, 'transport', 'Network request failed.'),
    ('server_error', 502, 'transport', 'The server failed to handle the request.'),
    ('authorization_pending', 400, 'oauth', 'Authorization is pending.'),
    ('slow_down', 400, 'oauth', 'Polling too fast; slow down.'),
    ('expired_token', 400, 'oauth', 'The device code has expired.'),
    ('access_denied', 403, 'oauth', 'Access was denied.'),
    ('invalid_grant', 400, 'oauth', 'The grant is invalid or has already been used.'),
    ('invalid_client', 401, 'oauth', 'Client authentication failed.'),
    ('invalid_request', 400, 'oauth', 'The request is invalid.'),
    ('invalid_scope', 400, 'oauth', 'The requested scope is invalid.'),
    ('unauthorized_client', 400, 'oauth', 'The client is not authorized for this grant.'),
    ('unsupported_grant_type', 400, 'oauth', 'Unsupported grant type.'),
    ('invalid_user_code', 400, 'oauth', 'The code is not valid.'),
    ('too_many_attempts', 429, 'oauth', 'Too many attempts.'),
    ('state_mismatch', 400, 'oauth', 'The state parameter does not match.'),
    ('state_expired', 400, 'oauth', 'The state parameter has expired.'),
    ('invalid_session', 401, 'session', 'Invalid session.'),
    ('session_expired', 401, 'session', 'Session has expired.'),
    ('session_revoked', 401, 'session', 'Session has been revoked.'),
    ('guest_read_only', 403, 'access', 'Guest access is read-only.'),
    ('invalid_guest_id', 400, 'access', 'Invalid guest id.'),
    ('invalid_service_token', 401, 'access', 'Invalid service token.'),
    ('identity_required', 400, 'access', 'An identity must be selected.'),
    ('identity_forbidden', 403, 'access', 'The selected identity is not yours.'),
    ('invalid_identity', 400, 'access', 'Invalid identity.'),
    ('forbidden', 403, 'access', 'Forbidden.'),
    ('csrf_failed', 403, 'access', 'CSRF check failed.'),
    ('invalid_credentials', 401, 'account', 'Invalid credentials.'),
    ('invalid_username', 400, 'account', 'Invalid user name.'),
    ('invalid_password', 400, 'account', 'Invalid password.'),
    ('user_exists', 409, 'account', 'The account already exists.'),
    ('no_provider', 404, 'broker', 'No provider serves this host.'),
    ('not_connected', 409, 'broker', 'The provider is not connected.'),
    ('connection_expired', 401, 'broker', 'The connection has expired.'),
    ('invalid_provider', 400, 'broker', 'Invalid provider definition.'),
    ('insecure_url', 400, 'broker', 'Credentials are only sent over https (or http to loopback).'),
    ('invalid_request_target', 400, 'input', 'The request target is malformed or ambiguous.'),
    ('method_not_allowed', 405, 'access', 'Method not allowed.'),
    ('payload_too_large', 413, 'input', 'The request is too large.'),
    ('ambiguous_default', 409, 'broker', "Several connections are flagged as the provider's default."),
    ('internal', 500, 'input', 'Internal error.'),
    # DPoP (RFC 9449 §7.1, §8, §9)
    ('invalid_dpop_proof', 401, 'token', 'The DPoP proof is invalid.'),
    ('use_dpop_nonce', 401, 'token', 'The server requires a DPoP nonce.'),
]
ecases = [{"name": "catalog-" + code, "steps": [step("errors.lookup", {"code": code}, {"code": code, "status": status, "family": family, "detail": detail,
          "body": json.dumps({"detail": detail, "code": code}, separators=(",", ":"))})]} for code, status, family, detail in CATALOG]
write_suite(os.path.join(ROOT, "vectors", "errors", "catalog.json"),
            {"suite": "errors", "description": "Stable codes, statuses and bodies.", "cases": ecases}, ensure_ascii=True, newline=False)
print(len(cases), "tokens cases,", len(ecases), "errors cases")
