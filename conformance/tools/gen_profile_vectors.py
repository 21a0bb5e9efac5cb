#!/usr/bin/env python3
"""Writes conformance/vectors/seeds/{ravi,reeve,rag-modulo}.json: the exchanges each seed
system's documentation describes, replayed through components configured from that system's
named profile (`core/profiles/<name>.json`), so loading the profile is what is tested.

Every expectation is written by hand from the seed text (quoted in each case's `source`: the
seed file and its section) and from the rules in conformance/README.md. Tokens are signed
here with Python's HMAC, session tokens and hashes computed with the standard library, and
argon2id hashes with `argon2-cffi`, independently of the core. Where authcore is deliberately
stricter than a seed, the case says so and pins the strict answer."""
import base64, hashlib, hmac, json, os

from argon2.low_level import Type, hash_secret

from vectorlib import NOW, ROOT, b64, err, form, js, sha, write_suite

RAVI = "000_c9e8d67a9390246a.txt"
REEVE1 = "001_cdc042d717e19741.txt"
REEVE2 = "002_1a8f71a0587ef3a7.txt"
RAG = "004_3ea5c12179c63acb.txt"
DAY = 86400
JSON_CT = "application/json"


def src(file, section):
    return "%s § %s" % (file, section)


def step(op, input, expect=None, error=None, field=None, detail=None, bind=None):
    s = {"op": op, "input": input}
    if error:
        s["expect_error"] = dict({"code": error}, **({"field": field} if field else {}), **({"detail": detail} if detail else {}))
    else:
        s["expect"] = expect
    if bind:
        s["bind"] = bind
    return s


def hs256(secret, claims, header=None):
    si = b64(js(header or {"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(js(claims).encode())
    return si + "." + b64(hmac.new(secret.encode(), si.encode(), hashlib.sha256).digest())


def uuid4(b):
    b = bytearray(b)
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def resp(status, body="", headers=None):
    return {"status": status, "headers": headers or {}, "body": body if isinstance(body, str) else json.dumps(body)}


def req(origin, method, path, **headers):
    return {"method": method, "url": origin + path, "headers": dict(sorted(headers.items()))}


def realm():
    return 'Bearer realm="api"'


def challenge(detail):
    return realm() + ', error="invalid_token", error_description="%s"' % detail


def allow(cred, user=None, email=None, guest=False, identity=None, scopes=None, service=None, touch=None):
    c = {"credential": cred}
    if user:
        c["guest_id" if guest else "user_id"] = user
    if email:
        c["email"] = email
    c["is_guest"] = guest
    if identity:
        c["identity"] = identity
    if scopes:
        c["scopes"] = scopes
    if service:
        c["service"] = service
    out = {"type": "allow", "context": c}
    if touch:
        out["touch"] = touch
    return out


def deny(code, status, detail, field=None, www=None):
    headers = {"Content-Type": JSON_CT}
    if www:
        headers["WWW-Authenticate"] = www
    return {"type": "deny", "error": err(code, detail, field),
            "response": {"status": status, "headers": headers, "body": json.dumps({"detail": detail, "code": code}, separators=(",", ":"))}}


def suite(name, description, cases):
    path = os.path.join(ROOT, "vectors", "seeds", name + ".json")
    write_suite(path, {"suite": "seeds", "description": description, "cases": cases})
    print("seeds/" + name, len(cases))


def profile_doc(name):
    """The profile document as shipped: `profile.load` must hand it back unchanged."""
    with open(os.path.join(os.path.dirname(ROOT), "core", "profiles", name + ".json"), encoding="utf-8") as f:
        return json.load(f)


class Cases(list):
    def case(self, name, *steps, source):
        self.append({"name": name, "source": source, "steps": list(steps)})


# ==========================================================================================
# Ravi (000): device-code sign-in, 1-hour access token + long-lived refresh token, refresh
# 5 minutes before expiry, one refresh-and-retry per 401, X-Ravi-Identity, 402 body.
# ==========================================================================================
ravi = Cases()
API = "https://api.ravi.example"
ID_A = "6f1c2a8e-4c1b-4f7e-9a51-0d7c3b2e9f10"
ID_B = "0b7e5a3c-2d4f-4e6a-8b1c-9d0e1f2a3b4c"
ID_X = "33333333-3333-4333-8333-333333333333"

ravi.case("profile-names-and-document",
          step("profile.names", {}, {"names": ["rag-modulo", "ravi", "reeve"]}),
          step("profile.load", {"name": "ravi"}, profile_doc("ravi")),
          step("profile.load", {"name": "Ravi"}, error="invalid_config", field="profile",
               detail="Unknown profile `Ravi`; the profiles are `rag-modulo`, `ravi`, `reeve`."),
          source=src(RAVI, "Authentication model"))

# --- device-code flow, client side -------------------------------------------------------
GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_FORM = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
VERIFY = "https://ravi.example/device"
AUTH_BODY = {"device_code": "dc-1", "user_code": "BCDF-GHJK", "verification_uri": VERIFY, "expires_in": 600, "interval": 5}


def dsend(t, path, pairs):
    return {"type": "send", "transmit": t, "request": {"method": "POST", "url": API + path, "headers": DEVICE_FORM, "body": form(pairs)}}


ravi.case("device-code-flow-cli",
          step("device.client.new", {"profile": "ravi", "config": {"base_url": API, "client_id": "ravi-cli"}}, {}),
          # 1. Client requests device code -> POST /api/auth/device/
          step("device.client.start", {"now": NOW}, {"actions": [dsend(1, "/api/auth/device/", [("client_id", "ravi-cli")])]}),
          # 2. The user opens the URL shown in the terminal.
          step("device.client.handle_response", {"transmit": 1, "response": resp(200, AUTH_BODY), "now": NOW},
               {"actions": [{"type": "prompt", "user_code": "BCDF-GHJK", "verification_uri": VERIFY, "expires_at": NOW + 600},
                            {"type": "wait", "until": NOW + 5}]}),
          # 4. Client polls for token -> POST /api/auth/device/token/
          step("device.client.handle_timeout", {"now": NOW + 5},
               {"actions": [dsend(2, "/api/auth/device/token/", [("grant_type", GRANT), ("device_code", "dc-1"), ("client_id", "ravi-cli")])]}),
          step("device.client.handle_response", {"transmit": 2, "response": resp(400, {"error": "authorization_pending"}), "now": NOW + 5},
               {"actions": [{"type": "wait", "until": NOW + 10}]}),
          step("device.client.handle_timeout", {"now": NOW + 10},
               {"actions": [dsend(3, "/api/auth/device/token/", [("grant_type", GRANT), ("device_code", "dc-1"), ("client_id", "ravi-cli")])]}),
          # 5. Token returned, stored locally (an access token of 1 hour when the answer names no lifetime).
          step("device.client.handle_response", {"transmit": 3, "response": resp(200, {"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer"}), "now": NOW + 10},
               {"actions": [{"type": "save_tokens", "stored": {"version": 1, "generation": 1, "clock_offset": 0,
                                                                "tokens": {"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_at": NOW + 10 + 3600}},
                             "generation": 1, "expected_generation": 0}, {"type": "done"}]}),
          source=src(RAVI, "Device-code flow") + "; " + src(RAVI, "Token lifecycle"))

# --- device-code flow, server side ---------------------------------------------------------
DC_BYTES = bytes(range(32))
DEVICE_CODE = b64(DC_BYTES)
UC_BYTES = bytes([0, 1, 2, 3, 4, 5, 6, 7])  # 20-letter alphabet: B C D F G H J K
GRANT_REC = {"version": 1, "revision": 1, "device_code_hash": sha(DEVICE_CODE), "user_code": "BCDFGHJK", "client_id": "ravi-cli",
             "created_at": NOW, "expires_at": NOW + 600, "interval": 5, "status": "pending", "failed_attempts": 0}
ravi.case("device-code-flow-server",
          step("device.server.new", {"profile": "ravi", "config": {"verification_uri": VERIFY}}, {}),
          step("device.server.issue", {"request": {"client_id": "ravi-cli"}, "now": NOW, "entropy": (DC_BYTES + UC_BYTES).hex()},
               {"response": {"device_code": DEVICE_CODE, "user_code": "BCDF-GHJK", "verification_uri": VERIFY,
                             "verification_uri_complete": VERIFY + "?user_code=BCDF-GHJK", "expires_in": 600, "interval": 5},
                "record": GRANT_REC}, bind="g"),
          # 3. The user completes sign-in in a browser, possibly on another machine.
          step("device.server.approve", {"grant": {"$ref": "g.record"}, "user_id": "user-1", "now": NOW + 30},
               dict(GRANT_REC, revision=2, status="approved", user_id="user-1"), bind="a"),
          step("device.server.poll", {"grant": {"$ref": "a"}, "request": {"grant_type": GRANT, "device_code": DEVICE_CODE, "client_id": "ravi-cli"}, "now": NOW + 35},
               {"type": "approved", "user_id": "user-1", "client_id": "ravi-cli",
                "record": dict(GRANT_REC, revision=3, status="consumed", user_id="user-1", last_poll_at=NOW + 35)}),
          source=src(RAVI, "Device-code flow"))

# --- token lifecycle, CLI side ---------------------------------------------------------------
TOKEN_URL = API + "/api/auth/token/refresh/"
INBOX = API + "/api/email-inbox/"
CLIENT = {"token_endpoint": TOKEN_URL}


def ts(at="at-1", exp=NOW + 3600, rt="rt-1"):
    t = {"access_token": at}
    if rt:
        t["refresh_token"] = rt
    t.update({"token_type": "Bearer", "expires_at": exp})
    return t


def stored(tokens, gen=1, identity=None):
    if identity:
        # The active identity lives in the token file with the tokens (document version 2).
        return {"version": 2, "generation": gen, "clock_offset": 0, "identity": identity, "tokens": tokens}
    return {"version": 1, "generation": gen, "clock_offset": 0, "tokens": tokens}


def api_send(t, rid, at="at-1", identity=None, url=INBOX):
    h = {"Authorization": "Bearer " + at}
    if identity:
        h["X-Ravi-Identity"] = identity
    return {"type": "send", "transmit": t, "request_id": rid, "request": {"method": "GET", "url": url, "headers": dict(sorted(h.items()))}}


def refresh_send(t, rt="rt-1"):
    return {"type": "send", "transmit": t, "request": {"method": "POST", "url": TOKEN_URL, "headers": DEVICE_FORM,
                                                       "body": "grant_type=refresh_token&refresh_token=" + rt}}


def save(tokens, gen, identity=None):
    return {"type": "save_tokens", "stored": stored(tokens, gen, identity), "generation": gen, "expected_generation": gen - 1}


GET_INBOX = {"method": "GET", "url": INBOX}
NEW_TOKENS = json.dumps({"access_token": "at-2", "refresh_token": "rt-2", "token_type": "Bearer", "expires_in": 3600})
ravi.case("refresh-five-minutes-before-expiry-and-save-at-once",
          step("driver.new", {"profile": "ravi", "config": CLIENT, "stored": stored(ts())}, {}),
          # 301 s left: still fresh, sent as is.
          step("driver.send", {"request": GET_INBOX, "now": NOW + 3600 - 301}, {"request": 1, "actions": [api_send(1, 1)]}),
          # 300 s left: "Refresh happens 5 minutes before expiry".
          step("driver.send", {"request": GET_INBOX, "now": NOW + 3300}, {"request": 2, "actions": [refresh_send(2)]}),
          # "New tokens are saved to disk immediately": save_tokens comes before the request goes out.
          step("driver.handle_response", {"transmit": 2, "response": resp(200, NEW_TOKENS), "now": NOW + 3300},
               {"actions": [save(ts("at-2", NOW + 3300 + 3600, "rt-2"), 2), api_send(3, 2, "at-2")]}),
          source=src(RAVI, "Token lifecycle"))
ravi.case("on-401-refresh-and-retry-once",
          step("driver.new", {"profile": "ravi", "config": CLIENT, "stored": stored(ts())}, {}),
          step("driver.send", {"request": GET_INBOX, "now": NOW}, {"request": 1, "actions": [api_send(1, 1)]}),
          step("driver.handle_response", {"transmit": 1, "response": resp(401), "now": NOW}, {"actions": [refresh_send(2)]}),
          step("driver.handle_response", {"transmit": 2, "response": resp(200, NEW_TOKENS), "now": NOW},
               {"actions": [save(ts("at-2", NOW + 3600, "rt-2"), 2), api_send(3, 1, "at-2")]}),
          # Retried once only: a second 401 ends the request.
          step("driver.handle_response", {"transmit": 3, "response": resp(401), "now": NOW},
               {"actions": [{"type": "failed", "request_id": 1, "error": err("not_authenticated", "Not authenticated."), "response": resp(401)}]}),
          source=src(RAVI, "Token lifecycle"))
ravi.case("identity-header-set-from-the-active-identity",
          step("driver.new", {"profile": "ravi", "config": CLIENT, "stored": stored(ts())}, {}),
          # "The CLI and plugins set this header automatically based on the active Identity", kept
          # in ~/.ravi/auth.json with the tokens: switching saves it at once.
          step("driver.set_identity", {"identity": ID_A}, {"actions": [save(ts(), 2, ID_A)]}),
          step("driver.send", {"request": GET_INBOX, "now": NOW}, {"request": 1, "actions": [api_send(1, 1, identity=ID_A)]}),
          # "There is no way to access data from a different Identity without explicitly switching."
          step("driver.set_identity", {"identity": ID_B}, {"actions": [save(ts(), 3, ID_B)]}),
          step("driver.send", {"request": GET_INBOX, "now": NOW}, {"request": 2, "actions": [api_send(2, 2, identity=ID_B)]}),
          source=src(RAVI, "Identity scoping"))
SUB_BODY = '{"detail": "Active subscription required.", "code": "subscription_required"}'
ravi.case("402-subscription-required-reaches-the-agent",
          step("driver.new", {"profile": "ravi", "config": CLIENT, "stored": stored(ts())}, {}),
          step("driver.send", {"request": GET_INBOX, "now": NOW}, {"request": 1, "actions": [api_send(1, 1)]}),
          step("driver.handle_response", {"transmit": 1, "response": resp(402, SUB_BODY), "now": NOW},
               {"actions": [{"type": "failed", "request_id": 1, "error": err("subscription_required", "Active subscription required."),
                             "response": resp(402, SUB_BODY)}]}),
          source=src(RAVI, "Billing and subscription"))

# --- the API side: the gate from the profile ---------------------------------------------------
SECRET = "ravi-test-signing-secret-0123456789abcdef"
RAVI_JWT = {"jwt": {"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": SECRET}]}}
AT = hs256(SECRET, {"sub": "user-1", "exp": NOW + 3600})
USER = {"identities": [ID_A, ID_B], "default_identity": ID_A, "entitlements": []}


def gate_case(name, config, request, expect, lookup=None, source=None, cases=ravi, profile="ravi"):
    inp = {"request": request, "now": NOW}
    if lookup is not None:
        inp["lookup"] = lookup
    cases.case(name, step("gate.new", {"profile": profile, "config": config}, {}), step("gate.authenticate", inp, expect), source=source)


gate_case("gate-identity-scoped-request", RAVI_JWT,
          req(API, "GET", "/api/email-inbox/", Authorization="Bearer " + AT, **{"X-Ravi-Identity": ID_B}),
          allow("jwt", "user-1", identity=ID_B), lookup={"user": USER}, source=src(RAVI, "Identity scoping"))
gate_case("gate-identity-of-someone-else-refused", RAVI_JWT,
          req(API, "GET", "/api/email-inbox/", Authorization="Bearer " + AT, **{"X-Ravi-Identity": ID_X}),
          deny("identity_forbidden", 403, "The selected identity is not yours."), lookup={"user": USER}, source=src(RAVI, "Identity scoping"))
gate_case("gate-identity-header-is-x-ravi-identity", RAVI_JWT,
          req(API, "GET", "/api/sms-inbox/", Authorization="Bearer " + AT, **{"X-Identity": ID_X}),
          allow("jwt", "user-1", identity=ID_A), lookup={"user": USER}, source=src(RAVI, "Identity scoping"))
gate_case("gate-device-endpoints-are-public", RAVI_JWT, req(API, "POST", "/api/auth/device/"), allow("none"), source=src(RAVI, "Device-code flow"))
gate_case("gate-device-token-endpoint-is-public", RAVI_JWT, req(API, "POST", "/api/auth/device/token/"), allow("none"), source=src(RAVI, "Device-code flow"))
gate_case("gate-api-needs-a-token", RAVI_JWT, req(API, "GET", "/api/identities/"),
          deny("not_authenticated", 401, "Sign-in required.", www=realm()), source=src(RAVI, "Authentication model"))
gate_case("gate-expired-access-token", RAVI_JWT,
          req(API, "GET", "/api/identities/", Authorization="Bearer " + hs256(SECRET, {"sub": "user-1", "exp": NOW - 61})),
          deny("token_expired", 401, "Token has expired.", "exp", challenge("Token has expired.")), source=src(RAVI, "Token lifecycle"))
gate_case("gate-402-body", dict(RAVI_JWT, routes=[{"path": "/api/email-inbox/**", "identity": "required", "entitlement": "pro"}]),
          req(API, "GET", "/api/email-inbox/", Authorization="Bearer " + AT, **{"X-Ravi-Identity": ID_A}),
          deny("subscription_required", 402, "Active subscription required."), lookup={"user": USER}, source=src(RAVI, "Billing and subscription"))

suite("ravi", "Ravi (seeds/" + RAVI + "): device-code sign-in, token lifecycle, identity scoping and the 402 body, "
      "through components configured from the `ravi` profile.", ravi)

# ==========================================================================================
# Reeve (001, 002): Clerk JWT -> session token (UUID, 30 days of inactivity), service token,
# guests, CORS for the frontend only, OAuth state of 10 minutes.
# ==========================================================================================
reeve = Cases()
SVC_API = "https://services.reeve.example"
CLERK_SECRET = "clerk-test-signing-secret-0123456789abcdef"
E1 = bytes(range(16))
TOK1 = uuid4(E1)
E2 = bytes(range(100, 116))
TOK2 = uuid4(E2)


def srec(token=TOK1, rev=1, user="user_abc123", email="user@example.com", created=NOW, seen=None, revoked=None):
    r = {"version": 1, "revision": rev, "token_hash": sha(token), "user_id": user}
    if email:
        r["email"] = email
    r.update({"is_guest": False, "created_at": created, "last_seen_at": created if seen is None else seen})
    if revoked is not None:
        r["revoked_at"] = revoked
    return r


reeve.case("profile-document", step("profile.load", {"name": "reeve"}, profile_doc("reeve")), source=src(REEVE1, "Authentication Overview"))
CLERK_JWT = hs256(CLERK_SECRET, {"sub": "user_abc123", "email": "user@example.com", "exp": NOW + 60})
reeve.case("session-creation-exchanges-the-clerk-jwt",
           step("session.new", {"profile": "reeve"}, {}),
           step("session.exchange", {"verifier_config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": CLERK_SECRET}],
                                     "token": CLERK_JWT, "now": NOW, "entropy": E1.hex()},
                {"session": {"token": TOK1, "record": srec()},
                 "response": {"email": "user@example.com", "session_token": TOK1, "user_id": "user_abc123"}}),
           source=src(REEVE2, "Session Creation"))
reeve.case("session-expires-after-30-days-of-inactivity",
           step("session.new", {"profile": "reeve"}, {}),
           step("session.validate", {"record": srec(), "token": TOK1, "now": NOW + 30 * DAY - 1},
                {"session": srec(), "touch": srec(rev=2, seen=NOW + 30 * DAY - 1)}),
           step("session.validate", {"record": srec(), "token": TOK1, "now": NOW + 30 * DAY}, error="session_expired"),
           source=src(REEVE1, "Session Tokens"))
reeve.case("session-revocable-instantly",
           step("session.new", {"profile": "reeve"}, {}),
           step("session.revoke", {"record": srec(), "now": NOW + 5}, srec(rev=2, revoked=NOW + 5), bind="r"),
           step("session.validate", {"record": {"$ref": "r"}, "token": TOK1, "now": NOW + 5}, error="session_revoked"),
           source=src(REEVE1, "Session Tokens") + "; " + src(REEVE2, "Guest Mode"))

SVC_SECRET = "reeve-services-token-0123456789abcdefghijklmnop"
# "This token is set via the REEVE_SERVICES_TOKEN environment variable on both sides."
REEVE_ENV = {"REEVE_SERVICES_TOKEN": SVC_SECRET}
CLERK_GATE = {"jwt": {"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": CLERK_SECRET}]},
              "routes": [{"method": "POST", "path": "/api/auth/session", "access": "user", "credentials": ["jwt"]},
                         {"path": "/api/dashboard", "access": "user_or_guest"},
                         {"method": "POST", "path": "/api/credits/deduct", "access": "service"}]}
NOT_AUTH = "Not authenticated"
BAD_SVC = "Invalid service token"


def rg(name, config, request, expect, lookup=None, source=None, env=None):
    """A Reeve gate built the way the seed runs it: the profile, the services token read from
    the environment, the caller's settings (the Clerk keys, the service routes) over them."""
    inp = {"request": request, "now": NOW}
    if lookup is not None:
        inp["lookup"] = lookup
    reeve.case(name, step("gate.from_env", {"env": REEVE_ENV if env is None else env, "profile": "reeve", "config": config}, {}),
               step("gate.authenticate", inp, expect), source=source)


def not_taken(kind):
    return "This route does not take `%s` credentials." % kind


rg("gate-session-token-on-every-api", {}, req(SVC_API, "GET", "/api/credits/balance", Authorization="Bearer " + TOK1),
   allow("session", "user_abc123", "user@example.com"), lookup={"session": srec(seen=NOW - 10)}, source=src(REEVE2, "Session Validation"))
rg("gate-session-touch-at-most-once-a-minute", {}, req(SVC_API, "GET", "/api/credits/balance", Authorization="Bearer " + TOK1),
   allow("session", "user_abc123", "user@example.com", touch=srec(rev=2, seen=NOW)), lookup={"session": srec(seen=NOW - 60)},
   source=src(REEVE1, "Session Tokens"))
# raise HTTPException(status_code=401, detail="Not authenticated")
rg("gate-no-credential-is-401-not-authenticated", {}, req(SVC_API, "GET", "/api/credits/balance"),
   deny("not_authenticated", 401, NOT_AUTH, www=realm()), source=src(REEVE2, "Session Validation"))
rg("gate-unknown-session-is-401", {}, req(SVC_API, "GET", "/api/credits/balance", Authorization="Bearer " + TOK2),
   deny("invalid_session", 401, "Invalid session.", www=challenge("Invalid session.")), source=src(REEVE2, "Session Validation"))
rg("gate-idle-session-is-401", {}, req(SVC_API, "GET", "/api/credits/balance", Authorization="Bearer " + TOK1),
   deny("session_expired", 401, "Session has expired after inactivity.", www=challenge("Session has expired after inactivity.")),
   lookup={"session": srec(seen=NOW - 30 * DAY)}, source=src(REEVE1, "Session Tokens"))
# POST /api/auth/session, Authorization: Bearer <clerk-jwt>: the only route that takes the Clerk JWT.
rg("gate-clerk-jwt-on-the-session-route", CLERK_GATE,
   req(SVC_API, "POST", "/api/auth/session", Authorization="Bearer " + CLERK_JWT),
   allow("jwt", "user_abc123", "user@example.com"), source=src(REEVE2, "Session Creation"))
rg("gate-clerk-jwt-refused-elsewhere", CLERK_GATE,
   req(SVC_API, "GET", "/api/credits/balance", Authorization="Bearer " + CLERK_JWT),
   deny("invalid_token", 401, not_taken("jwt"), www=challenge(not_taken("jwt"))), source=src(REEVE2, "Auth Flow"))
rg("gate-session-token-refused-on-the-session-route", CLERK_GATE,
   req(SVC_API, "POST", "/api/auth/session", Authorization="Bearer " + TOK1),
   deny("invalid_token", 401, not_taken("session"), www=challenge(not_taken("session"))), source=src(REEVE2, "Session Creation"))
rg("gate-service-token-right", CLERK_GATE, req(SVC_API, "POST", "/api/credits/deduct", **{"X-Reeve-Services-Token": SVC_SECRET}),
   allow("service", service="gateway"), source=src(REEVE2, "Service-to-Service Auth"))
# if not x_reeve_services_token or x_reeve_services_token != expected: 401 "Invalid service token"
rg("gate-service-token-wrong", CLERK_GATE, req(SVC_API, "POST", "/api/credits/deduct", **{"X-Reeve-Services-Token": SVC_SECRET + "x"}),
   deny("invalid_service_token", 401, BAD_SVC, "X-Reeve-Services-Token", realm()), source=src(REEVE2, "Service-to-Service Auth"))
rg("gate-service-token-missing", CLERK_GATE, req(SVC_API, "POST", "/api/credits/deduct"),
   deny("invalid_service_token", 401, BAD_SVC, "service", realm()), source=src(REEVE2, "Service-to-Service Auth"))
reeve.case("gate-services-token-must-be-set",
           step("gate.from_env", {"env": {}, "profile": "reeve", "config": {}}, error="invalid_config"),
           source=src(REEVE1, "Service-to-Service Auth"))
rg("gate-guest-reads-demo-data", {}, req(SVC_API, "GET", "/api/dashboard", **{"X-Guest-ID": "guest_demo_123"}),
   allow("guest", "guest_demo_123", guest=True), source=src(REEVE1, "Guest Mode"))
rg("gate-guest-never-writes", {}, req(SVC_API, "POST", "/api/dashboard", **{"X-Guest-ID": "guest_demo_123"}),
   deny("guest_read_only", 403, "Guest access is read-only."), source=src(REEVE1, "Guest Mode") + "; " + src(REEVE2, "Guest Mode"))
rg("gate-user-writes-where-guests-read", {}, req(SVC_API, "POST", "/api/dashboard", Authorization="Bearer " + TOK1),
   allow("session", "user_abc123", "user@example.com"), lookup={"session": srec(seen=NOW - 10)}, source=src(REEVE2, "Guest Mode"))
rg("gate-guest-only-where-allowed", {}, req(SVC_API, "GET", "/api/credits/balance", **{"X-Guest-ID": "guest_demo_123"}),
   deny("not_authenticated", 401, NOT_AUTH, www=realm()), source=src(REEVE2, "Guest Mode"))
# get_current_user_or_guest: "Try session token first ... Fall back to guest".
rg("gate-bad-session-falls-back-to-guest", {},
   req(SVC_API, "GET", "/api/dashboard", Authorization="Bearer " + TOK2, **{"X-Guest-ID": "guest_demo_123"}),
   allow("guest", "guest_demo_123", guest=True), source=src(REEVE2, "Guest Mode"))
rg("gate-fallback-guest-still-never-writes", {},
   req(SVC_API, "POST", "/api/dashboard", Authorization="Bearer " + TOK2, **{"X-Guest-ID": "guest_demo_123"}),
   deny("guest_read_only", 403, "Guest access is read-only."), source=src(REEVE2, "Guest Mode"))
rg("gate-valid-session-wins-over-the-guest-header", {},
   req(SVC_API, "GET", "/api/dashboard", Authorization="Bearer " + TOK1, **{"X-Guest-ID": "guest_demo_123"}),
   allow("session", "user_abc123", "user@example.com"), lookup={"session": srec(seen=NOW - 10)}, source=src(REEVE2, "Guest Mode"))
# AuthUser(user_id=x_guest_id, is_guest=True): any id is a guest id. authcore reports it as
# `guest_id`, never as `user_id`.
rg("gate-any-guest-id", {}, req(SVC_API, "GET", "/api/dashboard", **{"X-Guest-ID": "user_abc123"}),
   allow("guest", "user_abc123", guest=True), source=src(REEVE2, "Guest Mode"))
# The strict default is one override away.
rg("gate-strict-default-restored-by-override", {"guest_fallback": False, "guest_id_rule": "prefixed"},
   req(SVC_API, "GET", "/api/dashboard", Authorization="Bearer " + TOK2, **{"X-Guest-ID": "guest_demo_123"}),
   deny("invalid_session", 401, "Invalid session.", www=challenge("Invalid session.")), source=src(REEVE2, "Guest Mode"))

# --- Reeve's clients: the session token in the driver, desktop sign-in, magic links ----------
SESSION_ID = "550e8400-e29b-41d4-a716-446655440000"
SESSION_TS = {"access_token": SESSION_ID, "token_type": "Bearer", "user_id": "user_abc123", "email": "user@example.com"}
REEVE_CLIENT = {"token_endpoint": SVC_API + "/api/auth/session"}
BALANCE = SVC_API + "/api/credits/balance"
NOT_AUTH_BODY = json.dumps({"detail": "Not authenticated"})


def session_send(t, rid):
    return {"type": "send", "transmit": t, "request_id": rid,
            "request": {"method": "GET", "url": BALANCE, "headers": {"Authorization": "Bearer " + SESSION_ID}}}


reeve.case("client-session-token-held-as-is-and-never-refreshed",
           step("tokens.from_response", {"body": json.dumps({"session_token": SESSION_ID, "user_id": "user_abc123",
                                                             "email": "user@example.com"}), "now": NOW}, SESSION_TS),
           step("driver.new", {"profile": "reeve", "config": REEVE_CLIENT,
                               "stored": {"version": 2, "generation": 1, "clock_offset": 0, "tokens": SESSION_TS}}, {}),
           # Used for all subsequent API calls, 29 days later too: no refresh of an opaque token.
           step("driver.send", {"request": {"method": "GET", "url": BALANCE}, "now": NOW + 29 * DAY},
                {"request": 1, "actions": [session_send(1, 1)]}),
           # 401 "Not authenticated" (expired after inactivity, or revoked): signed out, the store cleared.
           step("driver.handle_response", {"transmit": 1, "response": resp(401, NOT_AUTH_BODY), "now": NOW + 29 * DAY},
                {"actions": [{"type": "signed_out"}, {"type": "clear_tokens", "expected_generation": 1},
                             {"type": "failed", "request_id": 1, "error": err("not_authenticated", "The session has ended; sign in again."),
                              "response": resp(401, NOT_AUTH_BODY)}]}),
           source=src(REEVE2, "Session Creation") + "; " + src(REEVE1, "Session Tokens"))

DESKTOP_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 Appendix B
DESKTOP_CHALLENGE = b64(hashlib.sha256(DESKTOP_VERIFIER.encode()).digest())
DESKTOP_CODE_BYTES = bytes(range(32))
DESKTOP_CODE = b64(DESKTOP_CODE_BYTES)


def desktop_record(rev=1, used=False):
    return {"version": 1, "revision": rev, "code_hash": sha(DESKTOP_CODE), "user_id": "user_abc123", "email": "user@example.com",
            "code_challenge": DESKTOP_CHALLENGE, "redirect_uri": "reeve://callback", "issued_at": NOW,
            "expires_at": NOW + 120, "used": used}


reeve.case("desktop-app-code-redeemed-once",
           step("signin.desktop.new", {"profile": "reeve", "config": {"redirect_uris": ["reeve://callback"]}}, {}),
           # 3. "Browser redirects back to the desktop app with an auth code"
           step("signin.desktop.issue", {"user_id": "user_abc123", "email": "user@example.com", "code_challenge": DESKTOP_CHALLENGE,
                                         "redirect_uri": "reeve://callback", "now": NOW, "entropy": DESKTOP_CODE_BYTES.hex()},
                {"code": DESKTOP_CODE, "redirect_url": "reeve://callback?code=" + DESKTOP_CODE, "record": desktop_record()}, bind="i"),
           # 4. "Desktop app exchanges the code for a session token": the code is single use.
           step("signin.desktop.redeem", {"record": {"$ref": "i.record"}, "code": DESKTOP_CODE, "code_verifier": DESKTOP_VERIFIER,
                                          "redirect_uri": "reeve://callback", "now": NOW + 5},
                {"type": "redeemed", "user_id": "user_abc123", "email": "user@example.com", "record": desktop_record(2, True)}, bind="r"),
           step("signin.desktop.redeem", {"record": {"$ref": "r.record"}, "code": DESKTOP_CODE, "code_verifier": DESKTOP_VERIFIER,
                                          "redirect_uri": "reeve://callback", "now": NOW + 6}, error="invalid_grant", field="code"),
           source=src(REEVE1, "Desktop App Authentication"))

MAGIC_BYTES = bytes(range(0x20, 0x40))
MAGIC = b64(MAGIC_BYTES)


def magic_record(rev=1, used=False):
    return {"version": 1, "revision": rev, "token_hash": sha(MAGIC), "email": "user@example.com", "issued_at": NOW,
            "expires_at": NOW + 900, "used": used}


reeve.case("magic-link-fifteen-minutes-single-use",
           step("signin.magic.new", {"profile": "reeve"}, {}),
           # "Enter your email -> click the link in your inbox -> signed in"
           step("signin.magic.issue", {"email": "user@example.com", "now": NOW, "entropy": MAGIC_BYTES.hex()},
                {"token": MAGIC, "record": magic_record(), "limiter": {"revision": 1, "window_start": NOW, "failures": 1}}, bind="m"),
           step("signin.magic.redeem", {"record": {"$ref": "m.record"}, "token": MAGIC, "now": NOW + 900}, error="invalid_grant"),
           step("signin.magic.redeem", {"record": {"$ref": "m.record"}, "token": MAGIC, "now": NOW + 899},
                {"email": "user@example.com", "record": magic_record(2, True)}, bind="r"),
           step("signin.magic.redeem", {"record": {"$ref": "r.record"}, "token": MAGIC, "now": NOW + 899}, error="invalid_grant"),
           source=src(REEVE1, "How Sign-in Works"))

FRONTEND = "https://app.reeve.example"
VARY_PRE = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
reeve.case("cors-frontend-origin-only",
           step("cors.new", {"profile": "reeve", "config": {"allowed_origins": [FRONTEND]}}, {}),
           step("cors.decide", {"request": req(SVC_API, "OPTIONS", "/api/dashboard", Origin=FRONTEND, **{
               "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-guest-id"})},
                {"type": "preflight", "response": {"status": 204, "headers": {
                    "Access-Control-Allow-Headers": "authorization, content-type, x-guest-id",
                    "Access-Control-Allow-Methods": "GET, HEAD, POST",
                    "Access-Control-Allow-Origin": FRONTEND,
                    "Access-Control-Max-Age": "600",
                    "Vary": VARY_PRE}, "body": ""}}),
           step("cors.decide", {"request": req(SVC_API, "GET", "/api/dashboard", Origin="https://evil.example")},
                {"type": "actual", "headers": {"Vary": "Origin"}}),
           source=src(REEVE1, "Cloud vs Local Auth") + "; " + src(REEVE1, "Guest Mode"))

STATE_B = bytes(range(32))
VER_B = bytes(range(32, 64))
CLERK = "https://clerk.reeve.example"
OAUTH = {"authorization_endpoint": CLERK + "/oauth/authorize", "token_endpoint": CLERK + "/oauth/token", "client_id": "reeve-web",
         "redirect_uri": FRONTEND + "/callback"}


def s256(v):
    return b64(hashlib.sha256(v.encode()).digest())


def query(pairs):
    from vectorlib import query as q
    return q(pairs)


reeve.case("oauth-state-lives-10-minutes",
           step("oauth.new", {"profile": "reeve", "config": OAUTH}, {}),
           step("oauth.start", {"now": NOW, "entropy": (STATE_B + VER_B).hex()},
                {"url": OAUTH["authorization_endpoint"] + "?" + query([
                    ("response_type", "code"), ("client_id", "reeve-web"), ("redirect_uri", OAUTH["redirect_uri"]),
                    ("state", b64(STATE_B)), ("code_challenge", s256(b64(VER_B))), ("code_challenge_method", "S256")]),
                 "record": {"state": b64(STATE_B), "code_verifier": b64(VER_B), "redirect_uri": OAUTH["redirect_uri"],
                            "created_at": NOW, "expires_at": NOW + 600, "used": False}}, bind="s"),
           step("oauth.callback", {"record": {"$ref": "s.record"}, "callback": "/callback?code=c&state=" + b64(STATE_B), "now": NOW + 600},
                error="state_expired"),
           source=src(REEVE1, "Cloud vs Local Auth"))

suite("reeve", "Reeve (seeds/" + REEVE1 + ", " + REEVE2 + "): session creation and validation, service token, guests, "
      "CORS and OAuth state, through components configured from the `reeve` profile.", reeve)

# ==========================================================================================
# RAG Modulo (004): register with an e-mail user name, log in, HS256 1-hour token, no refresh.
# ==========================================================================================
rag = Cases()
RAG_API = "https://api.rag.example"
RAG_SECRET = "rag-modulo-strong-secret-0123456789abcdef"  # 40 bytes: RAG's own example is refused, see jwt/legacy_keys.json
SALT = bytes(range(16))
UID_B = bytes(range(16, 32))
USER_ID = uuid4(UID_B)
FAST = {"memory_kib": 64, "iterations": 1}  # the profile's other rules, with cheap hashing for the vectors


def argon(pw, salt=SALT, m=64, t=1, p=1):
    return hash_secret(pw.encode(), salt, time_cost=t, memory_cost=m, parallelism=p, hash_len=32, type=Type.ID).decode()


HASH = argon("secure_password")
rag.case("profile-document", step("profile.load", {"name": "rag-modulo"}, profile_doc("rag-modulo")), source=src(RAG, "API Authentication"))
rag.case("register-with-an-email-user-name",
         step("password.new", {"profile": "rag-modulo", "policy": FAST}, {}),
         step("password.register", {"registration": {"username": "user@example.com", "password": "secure_password", "email": "user@example.com"},
                                    "entropy": (SALT + UID_B).hex()},
              {"user_id": USER_ID, "username": "user@example.com", "email": "user@example.com", "password_hash": HASH}),
         source=src(RAG, "User Registration"))
rag.case("register-email-user-name-needs-the-profile",
         step("password.new", {"policy": FAST}, {}),
         step("password.register", {"registration": {"username": "user@example.com", "password": "secure_password", "email": "user@example.com"},
                                    "entropy": (SALT + UID_B).hex()}, error="invalid_username", field="username"),
         source=src(RAG, "User Registration"))
rag.case("login-checks-the-password",
         step("password.new", {"profile": "rag-modulo", "policy": FAST}, {}),
         step("password.login", {"account": {"user_id": USER_ID, "password_hash": HASH, "email": "user@example.com"}, "password": "secure_password"},
              {"user_id": USER_ID, "email": "user@example.com", "needs_rehash": False}),
         step("password.login", {"account": {"user_id": USER_ID, "password_hash": HASH, "email": "user@example.com"}, "password": "wrong_password"},
              error="invalid_credentials"),
         step("password.login", {"password": "secure_password"}, error="invalid_credentials"),
         source=src(RAG, "User Login"))
LOGIN_TOKEN = hs256(RAG_SECRET, {"exp": NOW + 3600, "iat": NOW, "sub": USER_ID})
rag.case("login-token-is-hs256-for-one-hour",
         step("jwt.issue", {"profile": "rag-modulo", "key": {"alg": "HS256", "secret": RAG_SECRET}, "claims": {"sub": USER_ID}, "now": NOW},
              {"token": LOGIN_TOKEN}),
         source=src(RAG, "User Login") + "; " + src(RAG, "Token Expiration"))
LOGIN_BODY = json.dumps({"access_token": LOGIN_TOKEN, "token_type": "bearer", "expires_in": 3600})
rag.case("login-response-read-by-the-client",
         step("tokens.from_response", {"body": LOGIN_BODY, "now": NOW}, {"access_token": LOGIN_TOKEN, "token_type": "Bearer", "expires_at": NOW + 3600}),
         source=src(RAG, "User Login"))

RAG_GATE = {"jwt": {"keys": [{"alg": "HS256", "secret": RAG_SECRET}]}}


def ragg(name, request, expect, source, config=RAG_GATE):
    gate_case(name, config, request, expect, None, source, cases=rag, profile="rag-modulo")


ragg("gate-bearer-token-accepted", req(RAG_API, "POST", "/api/search", Authorization="Bearer " + LOGIN_TOKEN),
     allow("jwt", USER_ID), src(RAG, "Using Authentication"))
ragg("gate-missing-token-401", req(RAG_API, "GET", "/api/collections"),
     deny("not_authenticated", 401, "Sign-in required.", www=realm()), src(RAG, "Error Responses"))
EXPIRED = hs256(RAG_SECRET, {"exp": NOW - 61, "iat": NOW - 3661, "sub": USER_ID})
ragg("gate-expired-token-401", req(RAG_API, "GET", "/api/collections", Authorization="Bearer " + EXPIRED),
     deny("token_expired", 401, "Token has expired.", "exp", challenge("Token has expired.")), src(RAG, "Error Responses"))
FORGED = hs256("another-secret-0123456789abcdef-0123456789", {"exp": NOW + 3600, "iat": NOW, "sub": USER_ID})
ragg("gate-invalid-token-401", req(RAG_API, "GET", "/api/collections", Authorization="Bearer " + FORGED),
     deny("invalid_signature", 401, "Token signature is invalid.", None, challenge("Token signature is invalid.")), src(RAG, "Error Responses"))
ragg("gate-login-and-register-are-public", req(RAG_API, "POST", "/api/auth/login"), allow("none"), src(RAG, "User Login"))
ragg("gate-register-is-public", req(RAG_API, "POST", "/api/auth/register"), allow("none"), src(RAG, "User Registration"))
ragg("gate-no-guests", req(RAG_API, "GET", "/api/collections", **{"X-Guest-ID": "guest_demo_123"}),
     deny("not_authenticated", 401, "Sign-in required.", www=realm()), src(RAG, "Authentication Methods"))

RAG_CLIENT = {"token_endpoint": RAG_API + "/api/auth/login", "api_origins": [RAG_API]}
SEARCH = {"method": "POST", "url": RAG_API + "/api/search"}


def rsend(t, rid):
    return {"type": "send", "transmit": t, "request_id": rid,
            "request": {"method": "POST", "url": RAG_API + "/api/search", "headers": {"Authorization": "Bearer " + LOGIN_TOKEN}}}


rag.case("client-signs-in-again-instead-of-refreshing",
         step("driver.new", {"profile": "rag-modulo", "config": RAG_CLIENT,
                             "stored": {"version": 1, "generation": 1, "clock_offset": 0,
                                        "tokens": {"access_token": LOGIN_TOKEN, "token_type": "Bearer", "expires_at": NOW + 3600}}}, {}),
         step("driver.send", {"request": SEARCH, "now": NOW}, {"request": 1, "actions": [rsend(1, 1)]}),
         # "Request a new token before expiration": 5 minutes before, the host is told to sign in again.
         step("driver.send", {"request": SEARCH, "now": NOW + 3300}, {"request": 2, "actions": [{"type": "reauthenticate", "expires_at": NOW + 3600}, rsend(2, 2)]}),
         step("driver.send", {"request": SEARCH, "now": NOW + 3600},
              {"request": 3, "actions": [{"type": "failed", "request_id": 3,
                                          "error": err("not_authenticated", "The access token has expired and cannot be renewed; sign in again.")}]}),
         source=src(RAG, "Token Expiration"))

suite("rag-modulo", "RAG Modulo (seeds/" + RAG + "): registration with e-mail user names, login, HS256 one-hour tokens "
      "without refresh, bearer authentication, through components configured from the `rag-modulo` profile.", rag)
