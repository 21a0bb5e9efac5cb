#!/usr/bin/env python3
"""Writes conformance/vectors/gate/security_gate.json: request targets, route selection and
header safety of the gate, attack in and exact refusal out.

Expectations are written by hand from RFC 9112 3.2 (request-target forms), RFC 3986 (path
syntax, pchar, dot-segments 5.2.4), RFC 9110 15.5.6 (405 and Allow) and 9.3.2 (HEAD), RFC
6750 3 (WWW-Authenticate, error_description characters) and RFC 6749 3.3 (scope tokens), and
the gate's documented rules (core/src/gate.rs module docs). HS256 tokens are built here with
the standard library, independently of the core. Run from any directory:
`python3 conformance/tools/gen_sec_gate.py`."""
import hashlib
import hmac
import json
import os

from vectorlib import NOW, ROOT, b64, err, js, sha, step, write_suite

SECRET = "0123456789abcdef0123456789abcdef"
JSON_CT = "application/json"
REALM = 'Bearer realm="api"'
SIGN_IN = "Sign-in required."
ADMIN = "/api/admin/**"

CASES = []


def case(name, *steps, source=None):
    c = {"name": name, "steps": list(steps)}
    if source:
        c["source"] = source
    CASES.append(c)


def token(claims, header):
    """An HS256 token with exactly this header (any members, any text)."""
    si = b64(json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()) + "." + b64(js(claims).encode())
    return si + "." + b64(hmac.new(SECRET.encode(), si.encode(), hashlib.sha256).digest())


def hs256(claims, **header):
    return token(claims, dict({"alg": "HS256", "typ": "JWT"}, **header))


ALICE = hs256({"sub": "alice", "scope": "read", "iat": NOW, "exp": NOW + 3600})
BOB = hs256({"sub": "bob", "scope": "read admin", "iat": NOW, "exp": NOW + 3600})
SVC = "svc-secret-value"
USER_UUID = "550e8400-e29b-41d4-a716-446655440000"

CONFIG = {
    "jwt": {"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": SECRET}]},
    "services": [{"name": "billing", "header": "X-Services-Token", "secret": SVC}],
    "routes": [
        {"method": "GET", "path": "/health", "access": "public"},
        {"path": "/api/public/**", "access": "public"},
        {"method": "GET, DELETE", "path": ADMIN, "access": "user", "scopes": ["admin"]},
        {"path": "/internal/**", "access": "service"},
        {"path": "/api/pro/**", "access": "user", "entitlement": "pro"},
        {"path": "/api/projects/**", "access": "user", "identity": "required"},
        {"method": "GET", "path": "/api/docs/**", "access": "user_or_guest"},
        {"path": "/api/docs/**", "access": "user"},
        {"method": "GET", "path": "/api/mixed/**", "access": "public"},
        {"method": "post", "path": "/api/mixed/**", "access": "user"},
    ],
}
NORMALIZING = dict(CONFIG, normalize_path=True)

ADMIN_RULE = {"method": "GET, DELETE", "path": ADMIN, "access": "user", "scopes": ["admin"], "identity": "none"}
DEFAULT_RULE = {"method": "*", "path": "/**", "access": "user", "identity": "none"}


def req(method, url, **headers):
    return {"method": method, "url": url, "headers": dict(sorted(headers.items()))}


def deny(code, status, detail, field=None, challenge=None, allow_methods=None):
    headers = {"Content-Type": JSON_CT}
    if challenge:
        headers["WWW-Authenticate"] = challenge
    if allow_methods is not None:
        headers["Allow"] = allow_methods
    return {"type": "deny", "error": err(code, detail, field),
            "response": {"status": status, "headers": headers, "body": json.dumps({"detail": detail, "code": code}, separators=(",", ":"))}}


def header_text(s, cap=256):
    """RFC 6750 3 quoted-string text: printable ASCII without `"` and `\\`, others as `?`, capped."""
    out = "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in s[:cap])
    return out + ("..." if len(s) > cap else "")


def quoted(s, cap=64):
    """How error details quote caller input: printable ASCII, `"`/`\\` and the rest as `?`, 64 characters."""
    out = "".join(c if " " <= c <= "~" and c not in '"\\' else "?" for c in s[:cap])
    return out + ("..." if len(s) > cap else "")


def bad_token(code, detail, field=None):
    return deny(code, 401, detail, field, REALM + ', error="invalid_token", error_description="%s"' % header_text(detail))


def allow(cred, user=None, guest_id=None, scopes=None, service=None, touch=None):
    c = {"credential": cred}
    if user:
        c["user_id"] = user
    if guest_id:
        c["guest_id"] = guest_id
    c["is_guest"] = guest_id is not None
    if scopes:
        c["scopes"] = scopes
    if service:
        c["service"] = service
    out = {"type": "allow", "context": c}
    if touch:
        out["touch"] = touch
    return out


def target_error(detail, field="url"):
    return deny("invalid_request_target", 400, detail, field)


def auth(name, request, expect, config=None, lookup=None, source=None):
    inp = {"request": request, "now": NOW}
    if lookup is not None:
        inp["lookup"] = lookup
    case(name, step("gate.new", {"config": config or CONFIG}, {}), step("gate.authenticate", inp, expect), source=source)


def classify(name, request, expect, config=None, source=None):
    case(name, step("gate.new", {"config": config or CONFIG}, {}),
         step("gate.classify", {"request": request, "now": NOW}, expect), source=source)


def routed(method, path, route, credential=None, needs_user=False):
    return {"method": method, "path": path, "route": route, "credential": credential or {"type": "none"}, "needs": {"user": needs_user}}


H = "https://api.example.com"
NOT_SIGNED_IN = deny("not_authenticated", 401, SIGN_IN, challenge=REALM)
NEEDS_SERVICE = deny("invalid_service_token", 401, "This route needs a service token.", "service", REALM)

# ------------------------------------------------------------------------------------------
# 1. The query never routes; `://` is not a URL boundary inside a target.
# ------------------------------------------------------------------------------------------
auth("sec-query-url-cannot-pick-the-public-rule", req("POST", "/api/admin/users/7/delete?next=https://x/api/public/"),
     deny("method_not_allowed", 405, "The route does not allow this method.", allow_methods="GET, HEAD, DELETE"), source="RFC 9112 3.2.1")
auth("sec-query-url-cannot-pick-the-public-rule-get", req("GET", "/api/admin/users?next=https://x/api/public/"), NOT_SIGNED_IN,
     source="RFC 9112 3.2.1")
classify("sec-query-url-classified-by-path", req("DELETE", "/api/admin/users/7?next=https://x/api/public/"),
         routed("DELETE", "/api/admin/users/7", ADMIN_RULE))
auth("sec-query-url-on-service-route", req("POST", "/internal/jobs?u=https://x/api/public/"), NEEDS_SERVICE)
auth("sec-query-url-on-402-route", req("GET", "/api/pro/report?u=http://x/api/public/x", Authorization="Bearer " + ALICE),
     deny("subscription_required", 402, "Active subscription required."), lookup={"user": {"entitlements": []}})
auth("sec-absolute-form-query-url", req("GET", H + "/api/admin/users?next=https://x/api/public/"), NOT_SIGNED_IN)
auth("sec-absolute-form-upper-case-scheme", req("GET", "HTTPS://api.example.com/api/admin/users"), NOT_SIGNED_IN)
auth("sec-absolute-form-without-path-is-root", req("GET", H + "?next=/api/public/x"), NOT_SIGNED_IN)
# `://` in the path always brings `//`: refused, not split.
auth("sec-scheme-in-path-refused", req("GET", "/api/admin/users/https://x/api/public/"),
     target_error("The path holds an empty segment (`//`)."))
auth("sec-scheme-in-absolute-path-refused", req("GET", H + "/api/admin/https://x/api/public/"),
     target_error("The path holds an empty segment (`//`)."))
auth("sec-relative-target-refused", req("GET", "api/public/x"),
     target_error("A request target is `/path?query` or an absolute `http(s)://` URL (authority-form is not accepted)."))
auth("sec-other-scheme-refused", req("GET", "ftp://api.example.com/api/public/x"),
     target_error("A request target is `/path?query` or an absolute `http(s)://` URL (authority-form is not accepted)."))
auth("sec-asterisk-form-refused", req("OPTIONS", "*"), target_error("Asterisk-form request targets (`*`) are not accepted."),
     source="RFC 9112 3.2.4")
auth("sec-authority-form-refused", req("CONNECT", "api.example.com:443"),
     target_error("A request target is `/path?query` or an absolute `http(s)://` URL (authority-form is not accepted)."),
     source="RFC 9112 3.2.3")
auth("sec-userinfo-refused", req("GET", "https://api.example.com@evil.example/api/public/x"),
     target_error("The URL's authority must be a host (and port), without user information or `\\`."), source="RFC 9110 4.2.4")
auth("sec-backslash-authority-refused", req("GET", "https://evil.example\\api.example.com/api/public/x"),
     target_error("The URL's authority must be a host (and port), without user information or `\\`."))
auth("sec-empty-authority-refused", req("GET", "https:///api/public/x"),
     target_error("The URL's authority must be a host (and port), without user information or `\\`."))
auth("sec-bad-port-refused", req("GET", "https://api.example.com:99999/api/public/x"), target_error("The URL cannot be parsed."))
auth("sec-fragment-refused", req("GET", "/api/public/x#/../../api/admin"), target_error("The request target holds a fragment (`#`)."))
auth("sec-empty-target-refused", req("GET", ""), target_error("The request target is empty."))
auth("sec-overlong-target-refused", req("GET", "/api/public/" + "a" * (16 * 1024)),
     target_error("The request target is longer than 16384 bytes."))
auth("sec-query-may-hold-anything-visible", req("GET", "/health?a=../b//c;d\\e%2f%zz[]|{}?#"[:-1]), allow("none"))
for name, t in [("space", "/api/public/a b"), ("tab", "/api/public/a\tb"), ("cr-lf", "/api/public/a\r\nX: y"),
                ("nul", "/api/public/a\u0000"), ("non-ascii", "/api/public/caf\u00e9"), ("del", "/api/public/\u007f"),
                ("space-in-query", "/api/public/a?q=a b")]:
    auth("sec-raw-" + name + "-refused", req("GET", t),
         target_error("The request target holds a space, a control character or non-ASCII text."))
for name, m in [("space", "GE T"), ("cr-lf", "GET\r\nX: y"), ("empty", ""), ("non-ascii", "G\u00c9T")]:
    auth("sec-method-" + name + "-refused", req(m, "/api/public/x"),
         target_error("The method must be an HTTP token (RFC 9110 section 9).", "method"), source="RFC 9110 9.1")

# ------------------------------------------------------------------------------------------
# 3. A rule matching the path but not the method denies: 405 with Allow.
# ------------------------------------------------------------------------------------------
M405 = "The route does not allow this method."
for m in ["POST", "PUT", "PATCH", "OPTIONS", "TRACE", "post"]:
    auth("sec-unlisted-method-%s-is-405" % m, req(m, "/api/admin/users", Authorization="Bearer " + ALICE),
         deny("method_not_allowed", 405, M405, allow_methods="GET, HEAD, DELETE"), source="RFC 9110 15.5.6")
auth("sec-unlisted-method-anonymous-is-405", req("PUT", "/api/admin/users"),
     deny("method_not_allowed", 405, M405, allow_methods="GET, HEAD, DELETE"))
auth("sec-405-comes-before-credentials", req("PATCH", "/api/admin/users", Authorization="Bearer x.y.z"),
     deny("method_not_allowed", 405, M405, allow_methods="GET, HEAD, DELETE"))
classify("sec-405-classified", req("POST", "/api/admin/users", Authorization="Bearer " + ALICE),
         {"method": "POST", "path": "/api/admin/users", "refused": err("method_not_allowed", M405),
          "allow": ["GET", "HEAD", "DELETE"], "credential": {"type": "none"}, "needs": {"user": False}})
auth("sec-head-is-judged-as-get", req("HEAD", "/api/admin/users", Authorization="Bearer " + ALICE),
     deny("insufficient_scope", 403, "The token lacks the `admin` scope.", "scope", REALM + ', error="insufficient_scope", scope="admin"'),
     source="RFC 9110 9.3.2")
auth("sec-head-allowed-with-scope", req("HEAD", "/api/admin/users", Authorization="Bearer " + BOB), allow("jwt", "bob", scopes=["read", "admin"]))
auth("sec-head-on-get-only-public-rule", req("HEAD", "/health"), allow("none"))
auth("sec-post-on-get-only-public-rule", req("POST", "/health"), deny("method_not_allowed", 405, M405, allow_methods="GET, HEAD"))
# Several rules for one path: the first whose path and method match wins.
auth("sec-guest-reads-under-first-rule", req("GET", "/api/docs/1", **{"X-Guest-ID": "guest_demo_123"}), allow("guest", guest_id="guest_demo_123"))
auth("sec-guest-write-falls-to-second-rule", req("POST", "/api/docs/1", **{"X-Guest-ID": "guest_demo_123"}), NOT_SIGNED_IN)
auth("sec-user-writes-under-second-rule", req("POST", "/api/docs/1", Authorization="Bearer " + ALICE), allow("jwt", "alice", scopes=["read"]))
auth("sec-allow-lists-every-matching-rule", req("DELETE", "/api/mixed/x"), deny("method_not_allowed", 405, M405, allow_methods="GET, HEAD, POST"))
auth("sec-lower-case-rule-method", req("POST", "/api/mixed/x", Authorization="Bearer " + ALICE), allow("jwt", "alice", scopes=["read"]))
auth("sec-no-rule-for-path-uses-default", req("PATCH", "/api/elsewhere", Authorization="Bearer " + ALICE), allow("jwt", "alice", scopes=["read"]))

# ------------------------------------------------------------------------------------------
# 4. Nothing from the request reaches a header unescaped.
# ------------------------------------------------------------------------------------------
CLAIMS = {"sub": "alice", "iat": NOW, "exp": NOW + 3600}
for name, kid in [("cr-lf", "x\r\nSet-Cookie: session=evil"), ("nul", "a\u0000b"), ("quote-backslash", 'a"b\\c"'),
                  ("non-ascii", "\u043a\u043b\u044e\u0447\U0001F511"), ("escape", "\u001b[31mred"), ("long", "k" * 1000)]:
    auth("sec-kid-" + name + "-sanitised", req("GET", "/api/me", Authorization="Bearer " + hs256(CLAIMS, kid=kid)),
         bad_token("invalid_token", "Unknown key id `%s`." % quoted(kid), "kid"), source="RFC 6750 3")
auth("sec-kid-10kb-over-token-cap", req("GET", "/api/me", Authorization="Bearer " + hs256(CLAIMS, kid="k" * 10240)),
     bad_token("invalid_token", "Token is larger than 8192 bytes."))
for name, alg in [("cr-lf", "HS256\r\nSet-Cookie: a=b"), ("nul", "HS256\u0000"), ("quote", 'HS256"'), ("non-ascii", "HS256\u00e9"),
                  ("long", "A" * 2000)]:
    auth("sec-alg-" + name + "-sanitised", req("GET", "/api/me", Authorization="Bearer " + token(CLAIMS, {"alg": alg, "typ": "JWT"})),
         bad_token("algorithm_not_allowed", "Algorithm `%s` is not allowed." % quoted(alg), "alg"), source="RFC 6750 3")
TYP_EVIL = "JWT\r\nSet-Cookie: a=b"
auth("sec-typ-cr-lf-never-echoed", req("GET", "/api/me", Authorization="Bearer " + hs256(CLAIMS, typ=TYP_EVIL)),
     bad_token("invalid_token", "Token `typ` must be `at+jwt`.", "typ"),
     config=dict(CONFIG, jwt={"config": {"algorithms": ["HS256"], "typ": "at+jwt"}, "keys": [{"alg": "HS256", "secret": SECRET}]}))
auth("sec-typ-cr-lf-not-required-is-ignored", req("GET", "/api/me", Authorization="Bearer " + hs256(CLAIMS, typ=TYP_EVIL)),
     allow("jwt", "alice"))
auth("sec-identity-cr-lf-not-echoed", req("GET", "/api/projects/7", Authorization="Bearer " + ALICE, **{"X-Identity": "a\r\nSet-Cookie: a=b"}),
     deny("invalid_identity", 400, "The identity must be a UUID.", "X-Identity"), lookup={"user": {"identities": [USER_UUID]}})
auth("sec-guest-id-cr-lf-not-echoed", req("GET", "/api/docs/1", **{"X-Guest-ID": "guest_x\r\nSet-Cookie: a=b"}),
     deny("invalid_guest_id", 400, "A guest id starts with `guest_` or `guest-` and is 8 to 128 letters, digits, '-' and '_'.", "guest_id"))
# Configuration values that go into headers are checked when the gate is built.
for name, cfg, field in [
        ("realm-cr-lf", dict(CONFIG, realm="api\r\nSet-Cookie: a=b"), "realm"),
        ("realm-non-ascii", dict(CONFIG, realm="caf\u00e9"), "realm"),
        ("realm-backslash", dict(CONFIG, realm="a\\b"), "realm"),
        ("realm-empty", dict(CONFIG, realm=""), "realm"),
        ("realm-too-long", dict(CONFIG, realm="r" * 257), "realm"),
        ("scope-cr-lf", dict(CONFIG, routes=[{"path": "/a", "scopes": ["admin\r\nX: y"]}]), "routes[0].scopes[0]"),
        ("scope-space", dict(CONFIG, routes=[{"path": "/a", "scopes": ["ok", "a b"]}]), "routes[0].scopes[1]"),
        ("scope-quote", dict(CONFIG, routes=[{"path": "/a", "scopes": ['a"b']}]), "routes[0].scopes[0]"),
        ("scope-empty", dict(CONFIG, routes=[{"path": "/a", "scopes": [""]}]), "routes[0].scopes[0]"),
        ("method-cr-lf", dict(CONFIG, routes=[{"method": "GET\r\nX: y", "path": "/a"}]), "routes[0].method"),
        ("method-star-in-list", dict(CONFIG, routes=[{"method": "GET, *", "path": "/a"}]), "routes[0].method"),
        ("method-empty", dict(CONFIG, routes=[{"method": "", "path": "/a"}]), "routes[0].method"),
        ("pattern-dot-dot", dict(CONFIG, routes=[{"path": "/a/../b"}]), "routes[0].path"),
        ("pattern-empty-segment", dict(CONFIG, routes=[{"path": "/a//b"}]), "routes[0].path"),
        ("pattern-percent", dict(CONFIG, routes=[{"path": "/a%2fb"}]), "routes[0].path"),
        ("pattern-semicolon", dict(CONFIG, routes=[{"path": "/a;b"}]), "routes[0].path"),
        ("pattern-relative", dict(CONFIG, routes=[{"path": "a/b"}]), "routes[0].path")]:
    case("sec-config-" + name + "-refused", step("gate.new", {"config": cfg}, error="invalid_config", field=field))

# ------------------------------------------------------------------------------------------
# 8. Ambiguous paths are refused (or, when the host opts in, normalised and returned).
# ------------------------------------------------------------------------------------------
DOT = "The path holds a dot-segment (`.` or `..`)."
ENC_DOT = "The path holds an encoded `.` (`%2E`)."
for name, path, detail in [
        ("dot-dot-out-of-admin", "/api/admin/../public/x", DOT),
        ("dot-dot-into-admin", "/api/public/../admin/users", DOT),
        ("dot", "/api/./admin/users", DOT),
        ("trailing-dot-dot", "/api/public/x/..", DOT),
        ("leading-dot-dot", "/../api/admin/users", DOT),
        ("encoded-dot-dot", "/api/public/%2e%2e/admin/users", ENC_DOT),
        ("encoded-dot-dot-upper", "/api/public/%2E%2E/admin/users", ENC_DOT),
        ("half-encoded-dot-dot", "/api/public/.%2e/admin/users", ENC_DOT),
        ("encoded-dot-in-name", "/api/public/x%2ejson", ENC_DOT),
        ("encoded-slash", "/api/public/x%2F..%2Fadmin", "The path holds an encoded `/` (`%2F`)."),
        ("encoded-slash-lower", "/api/public%2f..%2fadmin/users", "The path holds an encoded `/` (`%2F`)."),
        ("encoded-backslash", "/api/public/..%5cadmin", "The path holds an encoded `\\` (`%5C`)."),
        ("backslash", "/api/public\\..\\admin/users", "The path holds a `\\`."),
        ("semicolon", "/api/public;/../admin/users", "The path holds a `;` (path parameters are not accepted)."),
        ("semicolon-param", "/api/admin;jsessionid=1/users", "The path holds a `;` (path parameters are not accepted)."),
        ("double-slash", "/api//admin/users", "The path holds an empty segment (`//`)."),
        ("leading-double-slash", "//evil.example/api/admin", "The path holds an empty segment (`//`)."),
        ("encoded-nul", "/api/public/a%00", "The path holds an encoded control character."),
        ("encoded-cr-lf", "/api/public/a%0d%0aX:%20y", "The path holds an encoded control character."),
        ("bad-escape", "/api/public/%zz", "The path holds a `%` that is not followed by two hex digits."),
        ("short-escape", "/api/public/%2", "The path holds a `%` that is not followed by two hex digits."),
        ("encoded-non-utf8", "/api/public/%ff", "The path holds percent-encoded bytes that are not UTF-8."),
        ("unencoded-brace", "/api/public/{x}", "The path holds a character that must be percent-encoded."),
        ("unencoded-pipe", "/api/public/a|b", "The path holds a character that must be percent-encoded.")]:
    auth("sec-path-" + name + "-refused", req("GET", path), target_error(detail), source="RFC 3986 3.3")
auth("sec-absolute-form-dot-dot-refused", req("GET", H + "/api/admin/../public/x"), target_error(DOT))
auth("sec-absolute-form-encoded-dot-refused", req("GET", H + "/api/admin/%2e%2e/public/x"), target_error(ENC_DOT))
# What is accepted, and the path the host must route on.
classify("sec-percent-decoded-segments-match", req("GET", "/api/%61dmin/users"), routed("GET", "/api/%61dmin/users", ADMIN_RULE))
classify("sec-case-sensitive-match", req("GET", "/API/Admin/users"), routed("GET", "/API/Admin/users", DEFAULT_RULE))
classify("sec-trailing-slash-matches-same-rule", req("GET", "/api/admin/"), routed("GET", "/api/admin/", ADMIN_RULE))
classify("sec-trailing-slash-on-literal-rule", req("GET", "/health/"),
         routed("GET", "/health/", {"method": "GET", "path": "/health", "access": "public", "identity": "none"}))
classify("sec-encoded-semicolon-is-data", req("GET", "/api/admin/a%3Bb"), routed("GET", "/api/admin/a%3Bb", ADMIN_RULE))
classify("sec-utf8-segment", req("GET", H + "/api/admin/caf%C3%A9"), routed("GET", "/api/admin/caf%C3%A9", ADMIN_RULE))
# normalize_path: resolved, and returned for the host to route on.
for name, path, want in [("dot-dot", "/api/public/../admin/users", "/api/admin/users"),
                         ("encoded-dot-dot", "/api/public/%2E%2e/admin/users", "/api/admin/users"),
                         ("double-slash", "/api//admin//users", "/api/admin/users"),
                         ("above-root", "/../../api/admin/users", "/api/admin/users"),
                         ("dot-dot-pops-empty-segment", "/api/admin/x//../users", "/api/admin/x/users"),
                         ("trailing-dot-dot", "/api/admin/users/..", "/api/admin/"),
                         ("absolute-form", H + "/api/public/./../admin/users?next=https://x/api/public/", "/api/admin/users")]:
    classify("sec-normalize-" + name, req("GET", path), routed("GET", want, ADMIN_RULE), config=NORMALIZING, source="RFC 3986 5.2.4")
auth("sec-normalize-dot-dot-judged-by-admin-rule", req("GET", "/api/public/../admin/users"), NOT_SIGNED_IN, config=NORMALIZING)
for name, path, detail in [("encoded-slash", "/api/public/..%2fadmin", "The path holds an encoded `/` (`%2F`)."),
                           ("backslash", "/api/public\\..\\admin", "The path holds a `\\`."),
                           ("semicolon", "/api/public;/../admin", "The path holds a `;` (path parameters are not accepted).")]:
    auth("sec-normalize-still-refuses-" + name, req("GET", path), target_error(detail), config=NORMALIZING)

# ------------------------------------------------------------------------------------------
# Guests live in their own namespace: a user's id is never a guest id, never `user_id`.
# ------------------------------------------------------------------------------------------
GUEST_BAD = "A guest id starts with `guest_` or `guest-` and is 8 to 128 letters, digits, '-' and '_'."
for name, gid in [("user-uuid", USER_UUID), ("user-uuid-upper", USER_UUID.upper()), ("clerk-user-id", "user_abc123"),
                  ("prefix-only", "guest_"), ("upper-case-prefix", "GUEST_demo_123"), ("long", "guest_" + "g" * 123)]:
    auth("sec-guest-id-" + name + "-refused", req("GET", "/api/docs/1", **{"X-Guest-ID": gid}),
         deny("invalid_guest_id", 400, GUEST_BAD, "guest_id"))
auth("sec-guest-id-seed-format", req("GET", "/api/docs/1", **{"X-Guest-ID": "guest_demo_123"}), allow("guest", guest_id="guest_demo_123"))
auth("sec-guest-id-longest", req("GET", "/api/docs/1", **{"X-Guest-ID": "guest-" + "g" * 122}), allow("guest", guest_id="guest-" + "g" * 122))
auth("sec-guest-id-dash-uuid", req("GET", "/api/docs/1", **{"X-Guest-ID": "guest-" + USER_UUID}), allow("guest", guest_id="guest-" + USER_UUID))


def guest_session(user_id):
    tok = "00010203-0405-4607-8809-0a0b0c0d0e0f"
    rec = {"version": 1, "revision": 1, "token_hash": sha(tok), "user_id": user_id, "is_guest": True,
           "created_at": NOW, "last_seen_at": NOW}
    return tok, rec


for name, uid in [("guest-id", "guest_demo_123"), ("user-uuid", USER_UUID)]:
    tok, rec = guest_session(uid)
    auth("sec-guest-session-%s-is-never-user-id" % name, req("GET", "/api/docs/1", Authorization="Bearer " + tok),
         allow("session", guest_id=uid), lookup={"session": rec})
    auth("sec-guest-session-%s-is-not-a-user" % name, req("GET", "/api/me", Authorization="Bearer " + tok), NOT_SIGNED_IN,
         lookup={"session": rec})

write_suite(os.path.join(ROOT, "vectors", "gate", "security_gate.json"),
            {"suite": "gate", "description": "Request targets, route selection, 405, header safety and guest ids: attack in, exact refusal out.",
             "cases": CASES})
print("gate/security_gate", len(CASES))
