#!/usr/bin/env python3
"""Writes conformance/vectors/device/*.json: the device authorization grant (RFC 8628).

Expectations are written by hand from RFC 8628 (sections 3.1-3.5, 5.1, 6.1), RFC 6749 5.2
and the device-flow rules in conformance/README.md. Device codes, their SHA-256 lookup keys and
user codes are computed here with the standard library, independently of the core."""
import hashlib, json

from vectorlib import NOW, Suites, b64, form, js, sha, step

BASE = "https://auth.example.com"
AUTH_URL = BASE + "/api/auth/device/"
TOKEN_URL = BASE + "/api/auth/device/token/"
VERIFY = "https://auth.example.com/device"
GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
DETAIL = {"authorization_pending": "Authorization is pending.", "slow_down": "Polling too fast; slow down.",
          "expired_token": "The device code has expired.", "access_denied": "Access was denied.",
          "invalid_grant": "The grant is invalid or has already been used.", "invalid_client": "Client authentication failed.",
          "invalid_request": "The request is invalid.", "unsupported_grant_type": "Unsupported grant type.",
          "too_many_attempts": "Too many attempts.", "cancelled": "Operation was cancelled.",
          "network_error": "Network request failed."}


SUITES = Suites()


def case(name, *steps, source=None):
    SUITES.case("device", name, *steps, source=source)


# ------------------------------------------------------------------------------------------
# Client machine
# ------------------------------------------------------------------------------------------
CLIENT = {"base_url": BASE, "client_id": "cli", "scope": "read"}


def send(t, url, pairs, json_body=False):
    headers = {"Accept": "application/json", "Content-Type": "application/json" if json_body else "application/x-www-form-urlencoded"}
    body = json.dumps(dict(pairs), separators=(",", ":"), sort_keys=True) if json_body else form(pairs)
    return {"type": "send", "transmit": t, "request": {"method": "POST", "url": url, "headers": headers, "body": body}}


def auth_send(t, scope="read", **kw):
    return send(t, AUTH_URL, [("client_id", "cli")] + ([("scope", scope)] if scope else []), **kw)


def poll_send(t, dc="dc-1", **kw):
    return send(t, TOKEN_URL, [("grant_type", GRANT_TYPE), ("device_code", dc), ("client_id", "cli")], **kw)


def resp(status, body):
    return {"status": status, "headers": {}, "body": body if isinstance(body, str) else json.dumps(body)}


AUTH_BODY = {"device_code": "dc-1", "user_code": "BCDF-GHJK", "verification_uri": VERIFY,
             "verification_uri_complete": VERIFY + "?user_code=BCDF-GHJK", "expires_in": 600, "interval": 5}


def prompt(at=NOW, expires_in=600, complete=True, uri=VERIFY):
    p = {"type": "prompt", "user_code": "BCDF-GHJK", "verification_uri": uri}
    if complete:
        p["verification_uri_complete"] = VERIFY + "?user_code=BCDF-GHJK"
    p["expires_at"] = at + expires_in
    return p


def wait(until):
    return {"type": "wait", "until": until}


def failed(code, detail=None, field=None):
    e = {"detail": detail or DETAIL[code], "code": code}
    if field:
        e["field"] = field
    return {"type": "failed", "error": e}


def acts(*a):
    return {"actions": list(a)}


def oauth(error, desc=None):
    b = {"error": error}
    if desc:
        b["error_description"] = desc
    return resp(400 if error != "invalid_client" else 401, b)


TOKENS = {"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_in": 3600}


def saved(at, gen=1, tokens=None):
    t = tokens or {"access_token": "at-1", "refresh_token": "rt-1", "token_type": "Bearer", "expires_at": at + 3600}
    return [{"type": "save_tokens", "stored": {"version": 1, "generation": gen, "clock_offset": 0, "tokens": t},
             "generation": gen, "expected_generation": gen - 1}, {"type": "done"}]


def started(config=None, auth_body=None, at=NOW):
    """new + start + authorization response: leaves the client polling with next poll at at+interval."""
    body = auth_body or AUTH_BODY
    return [
        step("device.client.new", {"config": config or CLIENT}, {}),
        step("device.client.start", {"now": at}, acts(auth_send(1))),
        step("device.client.handle_response", {"transmit": 1, "response": resp(200, body), "now": at},
             acts(prompt(at), wait(at + body.get("interval", 5)))),
    ]


def timeout(now, *a):
    return step("device.client.handle_timeout", {"now": now}, acts(*a))


def respond(t, r, now, *a):
    return step("device.client.handle_response", {"transmit": t, "response": r, "now": now}, acts(*a))


case("client-happy-path-two-pending-polls",
     *started(),
     timeout(NOW + 3, wait(NOW + 5)),
     timeout(NOW + 5, poll_send(2)),
     respond(2, oauth("authorization_pending"), NOW + 5, wait(NOW + 10)),
     timeout(NOW + 10, poll_send(3)),
     respond(3, oauth("authorization_pending"), NOW + 10, wait(NOW + 15)),
     timeout(NOW + 15, poll_send(4)),
     respond(4, resp(200, TOKENS), NOW + 15, *saved(NOW + 15)),
     step("device.client.status", {"now": NOW + 15}, {"interval": None, "finished": True}),
     source="RFC 8628 3.1-3.5")

case("client-early-wakeups-never-poll-early",
     *started(),
     timeout(NOW, wait(NOW + 5)),
     timeout(NOW + 4, wait(NOW + 5)),
     step("device.client.status", {"now": NOW + 4}, {"interval": 5, "finished": False}),
     timeout(NOW + 7, poll_send(2)),
     timeout(NOW + 8),
     respond(2, oauth("authorization_pending"), NOW + 8, wait(NOW + 13)),
     timeout(NOW + 12, wait(NOW + 13)),
     source="RFC 8628 3.5")

case("client-three-slow-downs-raise-interval-to-20",
     *started(),
     timeout(NOW + 5, poll_send(2)),
     respond(2, oauth("slow_down"), NOW + 5, wait(NOW + 15)),
     timeout(NOW + 15, poll_send(3)),
     respond(3, oauth("slow_down"), NOW + 15, wait(NOW + 30)),
     timeout(NOW + 30, poll_send(4)),
     respond(4, oauth("slow_down"), NOW + 30, wait(NOW + 50)),
     step("device.client.status", {"now": NOW + 30}, {"interval": 20, "finished": False}),
     timeout(NOW + 49, wait(NOW + 50)),
     timeout(NOW + 50, poll_send(5)),
     respond(5, oauth("authorization_pending"), NOW + 50, wait(NOW + 70)),
     source="RFC 8628 3.5")

case("client-429-is-treated-as-slow-down",
     *started(),
     timeout(NOW + 5, poll_send(2)),
     respond(2, resp(429, ""), NOW + 5, wait(NOW + 15)))

case("client-access-denied",
     *started(),
     timeout(NOW + 5, poll_send(2)),
     respond(2, oauth("access_denied"), NOW + 5, failed("access_denied")),
     step("device.client.handle_timeout", {"now": NOW + 100}, acts()),
     source="RFC 8628 3.5")

case("client-access-denied-keeps-server-description",
     *started(),
     timeout(NOW + 5, poll_send(2)),
     respond(2, oauth("access_denied", "The user declined."), NOW + 5, failed("access_denied", "The user declined.")))

case("client-expired-token-from-server",
     *started(),
     timeout(NOW + 5, poll_send(2)),
     respond(2, oauth("expired_token"), NOW + 5, failed("expired_token")),
     source="RFC 8628 3.5")

SHORT = dict(AUTH_BODY, expires_in=12)
case("client-local-deadline-ends-without-another-request",
     step("device.client.new", {"config": CLIENT}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1))),
     respond(1, resp(200, SHORT), NOW, prompt(NOW, 12), wait(NOW + 5)),
     timeout(NOW + 5, poll_send(2)),
     respond(2, oauth("authorization_pending"), NOW + 5, wait(NOW + 10)),
     timeout(NOW + 10, poll_send(3)),
     respond(3, oauth("authorization_pending"), NOW + 10, wait(NOW + 12)),
     timeout(NOW + 12, failed("expired_token", "The code expired before it was approved.")),
     source="RFC 8628 3.2 expires_in")

case("client-late-wakeup-after-deadline-expires-at-once",
     *started(),
     timeout(NOW + 600, failed("expired_token", "The code expired before it was approved.")))

RETRY = dict(CLIENT, max_retries=2)
case("client-network-errors-back-off-then-fail",
     *started(RETRY),
     timeout(NOW + 5, poll_send(2)),
     step("device.client.handle_network_error", {"transmit": 2, "now": NOW + 5}, acts(wait(NOW + 10))),
     timeout(NOW + 10, poll_send(3)),
     step("device.client.handle_network_error", {"transmit": 3, "now": NOW + 10}, acts(wait(NOW + 20))),
     timeout(NOW + 20, poll_send(4)),
     step("device.client.handle_network_error", {"transmit": 4, "now": NOW + 20}, acts(failed("network_error"))),
     source="RFC 8628 3.5 (exponential backoff)")

case("client-network-error-count-resets-after-an-answer",
     *started(RETRY),
     timeout(NOW + 5, poll_send(2)),
     step("device.client.handle_network_error", {"transmit": 2, "now": NOW + 5}, acts(wait(NOW + 10))),
     timeout(NOW + 10, poll_send(3)),
     step("device.client.handle_network_error", {"transmit": 3, "now": NOW + 10}, acts(wait(NOW + 20))),
     timeout(NOW + 20, poll_send(4)),
     respond(4, oauth("authorization_pending"), NOW + 20, wait(NOW + 25)),
     timeout(NOW + 25, poll_send(5)),
     step("device.client.handle_network_error", {"transmit": 5, "now": NOW + 25}, acts(wait(NOW + 30))))

case("client-server-errors-retry-then-fail",
     *started(dict(CLIENT, max_retries=1)),
     timeout(NOW + 5, poll_send(2)),
     respond(2, resp(503, "unavailable"), NOW + 5, wait(NOW + 10)),
     timeout(NOW + 10, poll_send(3)),
     respond(3, resp(500, ""), NOW + 10, failed("server_error", "The server answered 500.")))

case("client-backoff-never-passes-the-deadline",
     step("device.client.new", {"config": CLIENT}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1))),
     respond(1, resp(200, SHORT), NOW, prompt(NOW, 12), wait(NOW + 5)),
     timeout(NOW + 5, poll_send(2)),
     step("device.client.handle_network_error", {"transmit": 2, "now": NOW + 5}, acts(wait(NOW + 10))),
     timeout(NOW + 10, poll_send(3)),
     step("device.client.handle_network_error", {"transmit": 3, "now": NOW + 10}, acts(wait(NOW + 12))),
     timeout(NOW + 12, failed("expired_token", "The code expired before it was approved.")))

case("client-authorization-request-retries-network-errors",
     step("device.client.new", {"config": dict(CLIENT, max_retries=1)}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1))),
     step("device.client.handle_network_error", {"transmit": 1, "now": NOW}, acts(wait(NOW + 1))),
     timeout(NOW + 1, auth_send(2)),
     step("device.client.handle_network_error", {"transmit": 2, "now": NOW + 1}, acts(failed("network_error"))))

case("client-default-interval-and-no-complete-uri",
     step("device.client.new", {"config": dict(CLIENT, scope=None)}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1, scope=None))),
     respond(1, resp(200, {"device_code": "dc-1", "user_code": "BCDF-GHJK", "verification_uri": VERIFY, "expires_in": 600}), NOW,
             prompt(complete=False), wait(NOW + 5)),
     source="RFC 8628 3.2 (interval defaults to 5)")

case("client-accepts-verification-url-spelling",
     step("device.client.new", {"config": CLIENT}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1))),
     respond(1, resp(200, {"device_code": "dc-1", "user_code": "BCDF-GHJK", "verification_url": VERIFY, "expires_in": 600, "interval": 5}), NOW,
             prompt(complete=False), wait(NOW + 5)))

case("client-json-encoding",
     step("device.client.new", {"config": dict(CLIENT, encoding="json")}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1, json_body=True))),
     respond(1, resp(200, AUTH_BODY), NOW, prompt(), wait(NOW + 5)),
     timeout(NOW + 5, poll_send(2, json_body=True)))

case("client-absolute-endpoint-urls",
     step("device.client.new", {"config": {"base_url": "", "client_id": "cli", "authorization_path": "https://idp.example/device/code",
                                           "token_path": "https://idp.example/token"}}, {}),
     step("device.client.start", {"now": NOW}, acts(send(1, "https://idp.example/device/code", [("client_id", "cli")]))))

case("client-save-replaces-previous-generation",
     *started(dict(CLIENT, previous_generation=4)),
     timeout(NOW + 5, poll_send(2)),
     respond(2, resp(200, {"access_token": "at-1", "token_type": "bearer", "scope": "read"}), NOW + 5,
             *saved(NOW + 5, 5, {"access_token": "at-1", "token_type": "Bearer", "scope": "read", "expires_at": NOW + 5 + 3600})))

case("client-cancel-while-polling",
     *started(),
     timeout(NOW + 5, poll_send(2)),
     step("device.client.cancel", {}, acts(failed("cancelled"))),
     step("device.client.handle_response", {"transmit": 2, "response": resp(200, TOKENS), "now": NOW + 6}, error="invalid_state", field="transmit"),
     step("device.client.cancel", {}, acts()))

case("client-cancel-before-start",
     step("device.client.new", {"config": CLIENT}, {}),
     step("device.client.cancel", {}, acts(failed("cancelled"))),
     step("device.client.start", {"now": NOW}, error="invalid_state"))

case("client-start-twice",
     step("device.client.new", {"config": CLIENT}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1))),
     step("device.client.start", {"now": NOW}, error="invalid_state"))

case("client-unknown-transmit-changes-nothing",
     *started(),
     step("device.client.handle_response", {"transmit": 9, "response": resp(200, TOKENS), "now": NOW + 1}, error="invalid_state", field="transmit"),
     step("device.client.handle_network_error", {"transmit": 1, "now": NOW + 1}, error="invalid_state", field="transmit"),
     timeout(NOW + 5, poll_send(2)))

for name, cfg, field in [("base-url", dict(CLIENT, base_url="auth.example.com"), "base_url"),
                         ("client-id", dict(CLIENT, client_id=""), "client_id"),
                         ("interval", dict(CLIENT, default_interval=0), "default_interval"),
                         ("backoff", dict(CLIENT, max_backoff=0), "max_backoff")]:
    case("client-config-invalid-" + name, step("device.client.new", {"config": cfg}, error="invalid_config", field=field))

BAD_AUTH = [
    ("not-json", resp(200, "<html>"), "body", "The device authorization response is not a JSON object."),
    ("missing-device-code", resp(200, {k: v for k, v in AUTH_BODY.items() if k != "device_code"}), "device_code", "`device_code` is missing."),
    ("user-code-not-string", resp(200, dict(AUTH_BODY, user_code=1234)), "user_code", "`user_code` must be a non-empty string."),
    ("empty-device-code", resp(200, dict(AUTH_BODY, device_code="")), "device_code", "`device_code` must be a non-empty string."),
    ("verification-uri-missing", resp(200, {k: v for k, v in AUTH_BODY.items() if k not in ("verification_uri",)}), "verification_uri", "`verification_uri` is missing."),
    ("verification-uri-not-url", resp(200, dict(AUTH_BODY, verification_uri="javascript:alert(1)")), "verification_uri", "`verification_uri` must be an https URL (http only to a loopback host)."),
    ("complete-uri-not-url", resp(200, dict(AUTH_BODY, verification_uri_complete="ftp://x")), "verification_uri_complete", "`verification_uri_complete` must be an https URL (http only to a loopback host)."),
    ("expires-in-missing", resp(200, {k: v for k, v in AUTH_BODY.items() if k != "expires_in"}), "expires_in", "`expires_in` is missing."),
    # An all-digits string ("600") is read as a number (Azure AD v1, ADFS); anything else is not.
    ("expires-in-not-digits", resp(200, dict(AUTH_BODY, expires_in="600s")), "expires_in", "`expires_in` must be a positive number of seconds."),
    ("expires-in-negative", resp(200, dict(AUTH_BODY, expires_in=-1)), "expires_in", "`expires_in` must be a positive number of seconds."),
    ("interval-zero", resp(200, dict(AUTH_BODY, interval=0)), "interval", "`interval` must be a positive number of seconds."),
    ("interval-huge", resp(200, dict(AUTH_BODY, interval=86400)), "interval", "`interval` must be at most 3600 seconds."),
    ("duplicate-member", resp(200, '{"device_code":"a","device_code":"b"}'), "body", "The device authorization response is not a JSON object."),
    ("status-404-no-body", resp(404, "Not Found"), "status", "Unexpected status 404 without an OAuth error body."),
]
for name, r, field, detail in BAD_AUTH:
    case("client-malformed-authorization-" + name,
         step("device.client.new", {"config": CLIENT}, {}),
         step("device.client.start", {"now": NOW}, acts(auth_send(1))),
         respond(1, r, NOW, failed("invalid_response", detail, field)),
         step("device.client.status", {"now": NOW}, {"interval": None, "finished": True}))

case("client-authorization-refused-invalid-client",
     step("device.client.new", {"config": CLIENT}, {}),
     step("device.client.start", {"now": NOW}, acts(auth_send(1))),
     respond(1, oauth("invalid_client", "Unknown client."), NOW, failed("invalid_client", "Unknown client.")))

BAD_TOKEN = [
    ("not-json", resp(200, "ok"), "body", "The token response is not a JSON object."),
    ("no-access-token", resp(200, {"token_type": "Bearer"}), "access_token", "`access_token` is missing."),
    ("not-bearer", resp(200, {"access_token": "a", "token_type": "mac"}), "token_type", "Only bearer tokens are supported."),
    ("unknown-error", resp(400, {"error": "weird"}), "error", "Unknown OAuth error `weird`."),
    ("no-error-member", resp(400, {"message": "no"}), "error", "Status 400 without an `error` member."),
    ("error-not-json", resp(400, "Bad Request"), "status", "Unexpected status 400 without an OAuth error body."),
    ("redirect", resp(302, ""), "status", "Unexpected status 302 without an OAuth error body."),
]
for name, r, field, detail in BAD_TOKEN:
    case("client-malformed-token-response-" + name,
         *started(),
         timeout(NOW + 5, poll_send(2)),
         respond(2, r, NOW + 5, failed("invalid_response", detail, field)))

case("client-invalid-grant-from-server",
     *started(),
     timeout(NOW + 5, poll_send(2)),
     respond(2, oauth("invalid_grant"), NOW + 5, failed("invalid_grant")))

# ------------------------------------------------------------------------------------------
# Server machine
# ------------------------------------------------------------------------------------------
SERVER = {"verification_uri": VERIFY}


b64url = b64


def user_code_from(bs, alphabet=ALPHABET, length=8):
    """Rejection sampling: bytes >= 256 - 256 % n are redrawn."""
    n = len(alphabet)
    limit = 256 - 256 % n
    out, used = "", 0
    for b in bs:
        used += 1
        if b < limit:
            out += alphabet[b % n]
            if len(out) == length:
                return out, used
    raise ValueError("not enough bytes")


DC_BYTES = bytes(range(32))
UC_BYTES = bytes([0, 1, 2, 3, 4, 5, 6, 7])
DEVICE_CODE = b64url(DC_BYTES)
HASH = hashlib.sha256(DEVICE_CODE.encode()).hexdigest()
UC, _ = user_code_from(UC_BYTES)
assert UC == "BCDFGHJK"
ENTROPY = (DC_BYTES + UC_BYTES).hex()


def record(rev=1, **kw):
    r = {"version": 1, "revision": rev, "device_code_hash": HASH, "user_code": UC, "client_id": "cli", "scope": "read",
         "created_at": NOW, "expires_at": NOW + 600, "interval": 5, "status": "pending", "failed_attempts": 0}
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


def order(r):
    keys = ["version", "revision", "device_code_hash", "user_code", "client_id", "scope", "created_at", "expires_at",
            "interval", "last_poll_at", "status", "failed_attempts", "user_id", "claims"]
    return {k: r[k] for k in keys if k in r}


ISSUED = {"response": {"device_code": DEVICE_CODE, "user_code": "BCDF-GHJK", "verification_uri": VERIFY,
                       "verification_uri_complete": VERIFY + "?user_code=BCDF-GHJK", "expires_in": 600, "interval": 5},
          "record": record()}
REQ = {"grant_type": GRANT_TYPE, "device_code": DEVICE_CODE, "client_id": "cli"}


def new_server(cfg=None):
    return step("device.server.new", {"config": cfg or SERVER}, {})


def issue(bind="g"):
    return step("device.server.issue", {"request": {"client_id": "cli", "scope": "read"}, "now": NOW, "entropy": ENTROPY}, ISSUED, bind=bind)


def oauth_resp(code, detail=None):
    return {"status": 401 if code == "invalid_client" else 400,
            "headers": {"Cache-Control": "no-store", "Content-Type": "application/json"},
            "body": json.dumps({"error": code, "error_description": detail or DETAIL[code]}, separators=(",", ":"))}


def poll_err(code, rec=None, detail=None):
    o = {"type": "error", "error": {"detail": detail or DETAIL[code], "code": code}}
    if rec:
        o["record"] = order(rec)
    o["response"] = oauth_resp(code, detail)
    return o


def poll(grant_ref, now, expect, request=REQ, bind=None):
    inp = {"request": request, "now": now}
    if grant_ref is not None:
        inp["grant"] = {"$ref": grant_ref}
    return step("device.server.poll", inp, expect, bind=bind)


case("server-issue-grant",
     new_server(), issue(),
     step("device.server.hash", {"device_code": DEVICE_CODE}, {"hash": HASH}),
     source="RFC 8628 3.2, 6.1")

# Bytes 240..255 are redrawn for a 20-symbol alphabet (no modulo bias).
RB = bytes([240, 255, 19, 20, 239, 0, 250, 1, 2, 3, 4, 5])
RUC, used = user_code_from(RB)
case("server-user-code-rejection-sampling",
     new_server(),
     step("device.server.issue", {"request": {"client_id": "cli"}, "now": NOW, "entropy": (DC_BYTES + RB[:used]).hex()},
          {"response": {"device_code": DEVICE_CODE, "user_code": RUC[:4] + "-" + RUC[4:], "verification_uri": VERIFY,
                        "verification_uri_complete": VERIFY + "?user_code=" + RUC[:4] + "-" + RUC[4:], "expires_in": 600, "interval": 5},
           "record": record(user_code=RUC, scope=None)}))

CUSTOM = {"verification_uri": VERIFY + "?lang=en", "expires_in": 900, "interval": 10, "device_code_bytes": 48,
          "user_code": {"alphabet": "0123456789", "length": 6, "group": 3}}
DC_BYTES48 = bytes(range(48))
DC16 = b64url(DC_BYTES48)
case("server-issue-custom-format",
     new_server(CUSTOM),
     step("device.server.issue", {"request": {"client_id": "cli"}, "now": NOW, "entropy": (DC_BYTES48 + bytes([1, 2, 3, 4, 5, 6])).hex()},
          {"response": {"device_code": DC16, "user_code": "123-456", "verification_uri": VERIFY + "?lang=en",
                        "verification_uri_complete": VERIFY + "?lang=en&user_code=123-456", "expires_in": 900, "interval": 10},
           "record": record(device_code_hash=hashlib.sha256(DC16.encode()).hexdigest(), user_code="123456", scope=None,
                            expires_at=NOW + 900, interval=10)}))

case("server-issue-without-complete-uri",
     new_server(dict(SERVER, complete_uri=False)),
     step("device.server.issue", {"request": {"client_id": "cli", "scope": "read"}, "now": NOW, "entropy": ENTROPY},
          {"response": {k: v for k, v in ISSUED["response"].items() if k != "verification_uri_complete"}, "record": record()}))

case("server-issue-invalid-scope", new_server(),
     step("device.server.issue", {"request": {"client_id": "cli", "scope": "read  write"}, "now": NOW, "entropy": ENTROPY}, error="invalid_scope", field="scope"))
case("server-issue-scope-with-quote", new_server(),
     step("device.server.issue", {"request": {"client_id": "cli", "scope": 'a"b'}, "now": NOW, "entropy": ENTROPY}, error="invalid_scope", field="scope"))
case("server-issue-empty-client", new_server(),
     step("device.server.issue", {"request": {"client_id": ""}, "now": NOW, "entropy": ENTROPY}, error="invalid_client", field="client_id"))
case("server-issue-entropy-exhausted", new_server(),
     step("device.server.issue", {"request": {"client_id": "cli"}, "now": NOW, "entropy": DC_BYTES.hex()}, error="entropy_unavailable"))

for name, cfg, field in [("verification-uri", {"verification_uri": "example.com/device"}, "verification_uri"),
                         ("expires-in", dict(SERVER, expires_in=5), "expires_in"),
                         ("interval", dict(SERVER, interval=0), "interval"),
                         ("device-code-bytes", dict(SERVER, device_code_bytes=8), "device_code_bytes"),
                         ("device-code-under-256-bits", dict(SERVER, device_code_bytes=31), "device_code_bytes"),
                         ("max-failures", dict(SERVER, max_failures=0), "max_failures"),
                         ("failure-window", dict(SERVER, failure_window=0), "failure_window"),
                         ("max-attempts", dict(SERVER, max_attempts=0), "max_attempts"),
                         ("tolerance", dict(SERVER, poll_tolerance=5), "poll_tolerance"),
                         ("alphabet", dict(SERVER, user_code={"alphabet": "ABC"}), "user_code.alphabet"),
                         ("alphabet-repeats", dict(SERVER, user_code={"alphabet": "BCDFGHJKLB"}), "user_code.alphabet"),
                         ("length", dict(SERVER, user_code={"length": 20}), "user_code.length")]:
    case("server-config-invalid-" + name, step("device.server.new", {"config": cfg}, error="invalid_config", field=field))

case("server-happy-path-two-pending-polls",
     new_server(), issue(),
     poll("g.record", NOW + 5, poll_err("authorization_pending", record(2, last_poll_at=NOW + 5)), bind="p1"),
     poll("p1.record", NOW + 10, poll_err("authorization_pending", record(3, last_poll_at=NOW + 10)), bind="p2"),
     step("device.server.normalize_user_code", {"typed": "bcdf-ghjk"}, {"user_code": UC}),
     step("device.server.check_user_code", {"grant": {"$ref": "p2.record"}, "typed": "bcdf ghjk", "now": NOW + 12}, {"ok": True}),
     step("device.server.approve", {"grant": {"$ref": "p2.record"}, "user_id": "user-1", "claims": {"email": "a@example.com"}, "now": NOW + 12},
          order(record(4, last_poll_at=NOW + 10, status="approved", user_id="user-1", claims={"email": "a@example.com"})), bind="a"),
     poll("a", NOW + 15, {"type": "approved", "user_id": "user-1", "client_id": "cli", "scope": "read", "claims": {"email": "a@example.com"},
                          "record": order(record(5, last_poll_at=NOW + 15, status="consumed", user_id="user-1", claims={"email": "a@example.com"}))}, bind="done"),
     poll("done.record", NOW + 20, poll_err("invalid_grant")),
     source="RFC 8628 3.4-3.5")

case("server-double-redemption-from-a-stale-copy",
     new_server(), issue(),
     step("device.server.approve", {"grant": {"$ref": "g.record"}, "user_id": "u", "now": NOW + 1},
          order(record(2, status="approved", user_id="u")), bind="a"),
     poll("a", NOW + 5, {"type": "approved", "user_id": "u", "client_id": "cli", "scope": "read",
                         "record": order(record(3, last_poll_at=NOW + 5, status="consumed", user_id="u"))}, bind="first"),
     # A second process that read the approved record (revision 2) decides the same way, but its
     # record is also revision 3: the compare-and-swap on revision 2 fails for whichever is second.
     poll("a", NOW + 6, {"type": "approved", "user_id": "u", "client_id": "cli", "scope": "read",
                         "record": order(record(3, last_poll_at=NOW + 6, status="consumed", user_id="u"))}),
     poll("first.record", NOW + 11, poll_err("invalid_grant")))

def slowdown_detail(i):
    return "Polling too fast; wait %d seconds between polls." % i

case("server-three-slow-downs-then-obedient-client-is-pending",
     new_server(), issue(),
     poll("g.record", NOW + 5, poll_err("authorization_pending", record(2, last_poll_at=NOW + 5)), bind="p"),
     poll("p.record", NOW + 6, poll_err("slow_down", record(3, last_poll_at=NOW + 6, interval=10), slowdown_detail(10)), bind="s1"),
     poll("s1.record", NOW + 7, poll_err("slow_down", record(4, last_poll_at=NOW + 7, interval=15), slowdown_detail(15)), bind="s2"),
     poll("s2.record", NOW + 8, poll_err("slow_down", record(5, last_poll_at=NOW + 8, interval=20), slowdown_detail(20)), bind="s3"),
     # The client now obeys the raised interval: no further slow_down, and the interval stays 20.
     poll("s3.record", NOW + 28, poll_err("authorization_pending", record(6, last_poll_at=NOW + 28, interval=20)), bind="ok1"),
     poll("ok1.record", NOW + 48, poll_err("authorization_pending", record(7, last_poll_at=NOW + 48, interval=20))),
     source="RFC 8628 3.5")

case("server-poll-tolerance",
     new_server(), issue(),
     poll("g.record", NOW + 5, poll_err("authorization_pending", record(2, last_poll_at=NOW + 5)), bind="p"),
     # One second early is network jitter (poll_tolerance 1), two is too fast.
     poll("p.record", NOW + 9, poll_err("authorization_pending", record(3, last_poll_at=NOW + 9))),
     poll("p.record", NOW + 8, poll_err("slow_down", record(3, last_poll_at=NOW + 8, interval=10), slowdown_detail(10))))

case("server-first-poll-is-never-too-fast",
     new_server(), issue(),
     poll("g.record", NOW, poll_err("authorization_pending", record(2, last_poll_at=NOW))))

case("server-denial",
     new_server(), issue(),
     step("device.server.deny", {"grant": {"$ref": "g.record"}, "now": NOW + 3}, order(record(2, status="denied")), bind="d"),
     poll("d", NOW + 5, poll_err("access_denied")),
     poll("d", NOW + 700, poll_err("access_denied")),
     step("device.server.approve", {"grant": {"$ref": "d"}, "user_id": "u", "now": NOW + 6}, error="invalid_grant"),
     source="RFC 8628 3.5")

case("server-expiry-by-time",
     new_server(), issue(),
     poll("g.record", NOW + 599, poll_err("authorization_pending", record(2, last_poll_at=NOW + 599))),
     poll("g.record", NOW + 600, poll_err("expired_token")),
     step("device.server.approve", {"grant": {"$ref": "g.record"}, "user_id": "u", "now": NOW + 600}, error="expired_token"),
     step("device.server.deny", {"grant": {"$ref": "g.record"}, "now": NOW + 601}, error="expired_token"),
     step("device.server.check_user_code", {"grant": {"$ref": "g.record"}, "typed": "BCDF-GHJK", "now": NOW + 600},
          {"ok": False, "error": {"detail": DETAIL["expired_token"], "code": "expired_token"}}),
     source="RFC 8628 3.5")

case("server-approved-but-expired-before-poll",
     new_server(), issue(),
     step("device.server.approve", {"grant": {"$ref": "g.record"}, "user_id": "u", "now": NOW + 590}, order(record(2, status="approved", user_id="u")), bind="a"),
     poll("a", NOW + 600, poll_err("expired_token")))

case("server-unknown-device-code",
     new_server(),
     poll(None, NOW, poll_err("invalid_grant")))

case("server-wrong-device-code-for-record",
     new_server(), issue(),
     poll("g.record", NOW, poll_err("invalid_grant"), request=dict(REQ, device_code="not-the-code")))

case("server-client-mismatch",
     new_server(), issue(),
     poll("g.record", NOW, poll_err("invalid_grant", detail="The device code was issued to another client."), request=dict(REQ, client_id="other")),
     source="RFC 6749 5.2 (issued to another client)")

case("server-wrong-grant-type",
     new_server(), issue(),
     poll("g.record", NOW, poll_err("unsupported_grant_type"), request=dict(REQ, grant_type="refresh_token")))

NORMALISE = [("BCDF-GHJK", UC), ("bcdfghjk", UC), ("  bcdf  ghjk ", UC), ("BCDF–GHJK", UC), ("ＢＣＤＦ－ＧＨＪＫ", UC),
             ("8cdf-6hjk", UC), ("1111-5555", "LLLLSSSS"), ("zz22-vvuu", "ZZZZVVVV"), ("0000-oooo", "QQQQQQQQ")]
for i, (typed, want) in enumerate(NORMALISE):
    case("server-normalize-user-code-%d" % i, new_server(),
         step("device.server.normalize_user_code", {"typed": typed}, {"user_code": want}), source="RFC 8628 6.1")
BAD_CODE = "A code is 8 characters from the consonants BCDFGHJKLMNPQRSTVWXZ."
for i, typed in enumerate(["BCDF-GHJ", "BCDF-GHJKL", "BCDF-GHJA", "", "BCDF/GHJK", "BCDF-GHJ\u00e9"]):
    case("server-normalize-user-code-invalid-%d" % i, new_server(),
         step("device.server.normalize_user_code", {"typed": typed}, error="invalid_user_code", field="user_code"))


def mistype(ref, n, status="pending", code="invalid_user_code", bind=None):
    rec = record(1 + n, failed_attempts=n, status=status)
    err = ({"detail": "The code does not match.", "code": code, "field": "user_code"} if code == "invalid_user_code"
           else {"detail": DETAIL[code], "code": code})
    return step("device.server.check_user_code", {"grant": {"$ref": ref}, "typed": "BCDF-GHJL", "now": NOW + n},
                {"ok": False, "error": err, "record": order(rec)}, bind=bind)


case("server-mistyped-user-code-counts",
     new_server(), issue(),
     mistype("g.record", 1, bind="m1"),
     step("device.server.check_user_code", {"grant": {"$ref": "m1.record"}, "typed": "bcdf-ghjk", "now": NOW + 2}, {"ok": True}),
     step("device.server.check_user_code", {"grant": {"$ref": "m1.record"}, "typed": "garbage!", "now": NOW + 2},
          {"ok": False, "error": {"detail": "The code does not match.", "code": "invalid_user_code", "field": "user_code"},
           "record": order(record(3, failed_attempts=2))}))

case("server-lockout-after-repeated-wrong-codes",
     new_server(dict(SERVER, max_attempts=3)), issue(),
     mistype("g.record", 1, bind="m1"),
     mistype("m1.record", 2, bind="m2"),
     mistype("m2.record", 3, status="locked", code="too_many_attempts", bind="m3"),
     step("device.server.check_user_code", {"grant": {"$ref": "m3.record"}, "typed": "BCDF-GHJK", "now": NOW + 4},
          {"ok": False, "error": {"detail": DETAIL["too_many_attempts"], "code": "too_many_attempts"}}),
     step("device.server.approve", {"grant": {"$ref": "m3.record"}, "user_id": "u", "now": NOW + 4}, error="too_many_attempts"),
     poll("m3.record", NOW + 5, poll_err("access_denied")),
     source="RFC 8628 5.1")

CONSENT = {"client_id": "cli", "scopes": ["read"], "user_code": "BCDF-GHJK", "expires_in": 590}
LIMITED = dict(SERVER, max_failures=3, failure_window=600, expires_in=1200)


def enter(typed, now, expect, limiter=None, grant="g.record", bind=None):
    inp = {"typed": typed, "now": now}
    if limiter is not None:
        inp["limiter"] = limiter
    if grant:
        inp["grant"] = {"$ref": grant}
    # No global limiter is passed here, so there is never global pressure (security_input.json
    # covers the global record).
    return step("device.server.enter_user_code", inp, dict(expect, global_pressure=False), bind=bind)


def lim(rev, start, failures):
    return {"revision": rev, "window_start": start, "failures": failures}


BAD_ENTRY = {"detail": "The code is not valid.", "code": "invalid_user_code", "field": "user_code"}
case("server-enter-user-code-shows-consent",
     new_server(), issue(),
     enter("bcdf ghjk", NOW + 10, {"consent": CONSENT}),
     step("device.server.consent", {"grant": {"$ref": "g.record"}, "now": NOW + 10}, CONSENT),
     source="RFC 8628 5.4 (remote phishing: show client and scope, ask to confirm)")
case("server-enter-user-code-requester-cap",
     new_server(LIMITED),
     step("device.server.issue", {"request": {"client_id": "cli", "scope": "read"}, "now": NOW, "entropy": ENTROPY}, bind="g"),
     enter("BCDF-GHJL", NOW + 1, {"error": BAD_ENTRY, "limiter": lim(1, NOW + 1, 1)}, grant=None, bind="l1"),
     enter("nonsense", NOW + 2, {"error": BAD_ENTRY, "limiter": lim(2, NOW + 1, 2)}, limiter={"$ref": "l1.limiter"}, grant=None, bind="l2"),
     enter("BCDF-GHJL", NOW + 3, {"error": {"detail": DETAIL["too_many_attempts"], "code": "too_many_attempts"}, "limiter": lim(3, NOW + 1, 3)},
           limiter={"$ref": "l2.limiter"}, grant=None, bind="l3"),
     # This requester is locked out, even with the right code, until the window ends.
     enter("BCDF-GHJK", NOW + 600, {"error": {"detail": DETAIL["too_many_attempts"], "code": "too_many_attempts"}}, limiter={"$ref": "l3.limiter"}),
     enter("BCDF-GHJK", NOW + 601, {"consent": dict(CONSENT, expires_in=599)}, limiter={"$ref": "l3.limiter"}),
     enter("BCDF-GHJX", NOW + 601, {"error": BAD_ENTRY, "limiter": lim(4, NOW + 601, 1)}, limiter={"$ref": "l3.limiter"}, grant=None),
     source="RFC 8628 5.1 (attempts capped per code and per requester)")
case("server-enter-user-code-expired-counts",
     new_server(dict(LIMITED, expires_in=600)), issue(),
     enter("BCDF-GHJK", NOW + 600, {"error": {"detail": DETAIL["expired_token"], "code": "expired_token"}, "limiter": lim(1, NOW + 600, 1)}))
case("server-enter-user-code-wrong-grant-for-code",
     new_server(), issue(),
     enter("BCDF-GHJL", NOW, {"error": BAD_ENTRY, "limiter": lim(1, NOW, 1)}))

case("server-approve-twice",
     new_server(), issue(),
     step("device.server.approve", {"grant": {"$ref": "g.record"}, "user_id": "u", "now": NOW}, order(record(2, status="approved", user_id="u")), bind="a"),
     step("device.server.approve", {"grant": {"$ref": "a"}, "user_id": "v", "now": NOW}, error="invalid_grant"),
     step("device.server.deny", {"grant": {"$ref": "a"}, "now": NOW}, error="invalid_grant"))

case("server-approve-empty-user",
     new_server(), issue(),
     step("device.server.approve", {"grant": {"$ref": "g.record"}, "user_id": "", "now": NOW}, error="invalid_input", field="user_id"))

TR_BODY = form([("grant_type", GRANT_TYPE), ("device_code", DEVICE_CODE), ("client_id", "cli")])
case("server-parse-token-request",
     step("device.server.parse_token_request", {"body": TR_BODY}, REQ),
     step("device.server.parse_token_request", {"body": form([("grant_type", GRANT_TYPE), ("device_code", "d")]), "client_id": "basic-client"},
          {"grant_type": GRANT_TYPE, "device_code": "d", "client_id": "basic-client"}),
     source="RFC 8628 3.4")
for name, body, code, field in [
        ("wrong-grant-type", form([("grant_type", "password"), ("device_code", "d"), ("client_id", "c")]), "unsupported_grant_type", "grant_type"),
        ("missing-grant-type", form([("device_code", "d"), ("client_id", "c")]), "invalid_request", "grant_type"),
        ("missing-device-code", form([("grant_type", GRANT_TYPE), ("client_id", "c")]), "invalid_request", "device_code"),
        ("empty-device-code", form([("grant_type", GRANT_TYPE), ("device_code", ""), ("client_id", "c")]), "invalid_request", "device_code"),
        ("missing-client", form([("grant_type", GRANT_TYPE), ("device_code", "d")]), "invalid_request", "client_id"),
        ("repeated-parameter", TR_BODY + "&device_code=x", "invalid_request", "device_code"),
        ("bad-escape", "grant_type=%zz", "invalid_request", None)]:
    case("server-parse-token-request-" + name, step("device.server.parse_token_request", {"body": body}, error=code, field=field))

case("server-parse-authorization-request",
     step("device.server.parse_authorization_request", {"body": "client_id=cli&scope=read+write"}, {"client_id": "cli", "scope": "read write"}),
     step("device.server.parse_authorization_request", {"body": "client_id=cli"}, {"client_id": "cli"}),
     step("device.server.parse_authorization_request", {"body": "scope=x"}, error="invalid_request", field="client_id"),
     source="RFC 8628 3.1")

REC_TEXT = json.dumps(order(record()), separators=(",", ":"))
case("server-record-round-trip",
     step("device.server.load", {"text": REC_TEXT}, order(record())),
     step("device.server.load", {"text": REC_TEXT.replace('"version":1', '"version":2')}, error="state_version_unsupported", field="version"),
     step("device.server.load", {"text": "{"}, error="state_corrupt"),
     step("device.server.load", {"text": REC_TEXT.replace('"pending"', '"paused"')}, error="state_corrupt"))

for code, status, out_code in [("authorization_pending", 400, "authorization_pending"), ("slow_down", 400, "slow_down"),
                               ("invalid_client", 401, "invalid_client"), ("expired_token", 400, "expired_token"),
                               ("invalid_user_code", 400, "invalid_request"), ("entropy_unavailable", 500, "server_error")]:
    detail = {"invalid_user_code": "The code is not valid.", "entropy_unavailable": "Randomness is unavailable."}.get(code, DETAIL.get(code))
    case("oauth-error-body-" + code, step("device.oauth_error", {"code": code},
                                          {"status": status, "body": {"error": out_code, "error_description": detail}}), source="RFC 6749 5.2")

SUITES.write({"device": "OAuth 2.0 device authorization grant (RFC 8628): client and server machines."})
