#!/usr/bin/env python3
"""Writes conformance/vectors/broker/security_broker.json: where the credential broker sends
credentials, and what it refuses.

Every URL below carries, written by hand, the host the WHATWG URL Standard parser yields for it
(https://url.spec.whatwg.org/: browsers, Node's `new URL()`, the `url` crate), and the outcome
follows from that host and the broker rules in core/src/broker.rs's module docs: https only
(plain http to a loopback host only when `allow_loopback_http` is set), no user info, one
trailing dot removed, default port only (any port on an allowed loopback host). When `node` is
on the PATH the hand-written hosts are checked against its `new URL()` before anything is
written; the core is never asked.

Expected `export_env` texts are POSIX sh single-quoting written out by hand."""
import json
import os
import shutil
import subprocess

from gen_broker_vectors import conn, inject, pset, ts
from vectorlib import NOW, ROOT, step, write_suite

CASES = []


def case(name, *steps, source=None):
    c = {"name": name, "steps": list(steps)}
    if source:
        c["source"] = source
    CASES.append(c)


STATUS = {"invalid_input": 400, "insecure_url": 400, "no_provider": 404, "invalid_response": 502, "invalid_provider": 400}


def fail(op, input, code, field=None):
    """A step that must fail with `code` (its catalog status pinned too)."""
    s = step(op, input, error=code, field=field)
    s["expect_error"]["status"] = STATUS[code]
    return s


LOCAL = {"name": "local", "display_name": "Local", "auth_type": "api_key", "hosts": ["localhost", "127.0.0.1", "[::1]"],
         "inject": {"header": "X-Api-Key", "format": "{key}"}}
ACME = {"name": "acme", "display_name": "Acme", "auth_type": "oauth2", "authorization_endpoint": "https://auth.acme.test/authorize",
        "token_endpoint": "https://auth.acme.test/token", "client_id": "broker", "hosts": ["*.acme.test", "api.acme.test"],
        "inject": {"header": "Authorization", "format": "Bearer {token}"}}
CUSTOM = [LOCAL, ACME]
CONNS = [conn("openai", key="sk-1"), conn("local", key="local-key"), conn("acme")]
OPENAI = inject("openai", "Authorization", "Bearer sk-1")
LOCAL_KEY = inject("local", "X-Api-Key", "local-key")
ACME_AT = inject("acme", "Authorization", "Bearer at-1")


def keyed(provider, key, name="default"):
    """An API-key connection (also for an empty key, which `conn` would turn into OAuth)."""
    return dict(conn(provider, name, key="x"), credential={"type": "api_key", "key": key})


def load(loopback=False, custom=CUSTOM):
    i = {"custom": list(custom)}
    if loopback:
        i["allow_loopback_http"] = True
    return step("broker.load", i, pset(custom))


def resolve(url, outcome, field=None, conns=CONNS):
    i = {"method": "GET", "url": url, "connections": conns, "now": NOW}
    if isinstance(outcome, str):
        return fail("broker.resolve", i, outcome, field or ("url" if outcome in ("insecure_url", "invalid_input") else None))
    return step("broker.resolve", i, outcome)


# (name, URL, host per WHATWG or None when it does not parse, outcome with loopback http off,
#  outcome with loopback http on). Outcomes: an expected resolution, or an error code.
URLS = [
    # A backslash ends the authority of a special URL: the `@…` is path, not user info.
    ("backslash-before-at-is-a-path", "https://evil.example\\@api.openai.com/v1", "evil.example", "no_provider", "no_provider"),
    ("backslashes-as-slashes", "https:\\\\evil.example\\api.openai.com", "evil.example", "no_provider", "no_provider"),
    # A special scheme without `//` still has an authority.
    ("scheme-without-slashes", "https:evil.example/?://api.openai.com/", "evil.example", "no_provider", "no_provider"),
    ("one-slash", "https:/api.openai.com/v1", "api.openai.com", OPENAI, OPENAI),
    ("three-slashes", "https:///api.openai.com/v1", "api.openai.com", OPENAI, OPENAI),
    ("at-after-fragment", "https://evil.example#@api.openai.com", "evil.example", "no_provider", "no_provider"),
    ("at-after-query", "https://evil.example?@api.openai.com/", "evil.example", "no_provider", "no_provider"),
    ("at-in-path", "https://api.openai.com/@evil.example", "api.openai.com", OPENAI, OPENAI),
    ("url-in-path", "https://evil.example/https://api.openai.com/", "evil.example", "no_provider", "no_provider"),
    ("provider-host-as-subdomain", "https://api.openai.com.evil.example/", "api.openai.com.evil.example", "no_provider", "no_provider"),
    # Tabs and newlines anywhere are removed; leading and trailing spaces and controls trimmed.
    ("tab-and-newline-removed", "https://api.o\tpen\nai.com/v1", "api.openai.com", OPENAI, OPENAI),
    ("crlf-removed-joins-hosts", "https://api.openai.com\r\n.evil.example/", "api.openai.com.evil.example", "no_provider", "no_provider"),
    ("surrounding-spaces-trimmed", " https://api.openai.com/v1 ", "api.openai.com", OPENAI, OPENAI),
    # Percent-encoded hosts are decoded before anything else.
    ("percent-encoded-host", "https://%65vil.example/", "evil.example", "no_provider", "no_provider"),
    ("percent-encoded-provider-host", "https://%61pi.openai.com/", "api.openai.com", OPENAI, OPENAI),
    ("percent-encoded-dot", "https://api.openai.com%2eevil.example/", "api.openai.com.evil.example", "no_provider", "no_provider"),
    ("percent-encoded-nul", "https://api.openai.com%00/", None, "invalid_input", "invalid_input"),
    # Case, trailing dots.
    ("upper-case-host", "https://API.OPENAI.COM/v1", "api.openai.com", OPENAI, OPENAI),
    ("upper-case-scheme", "HTTPS://api.openai.com/v1", "api.openai.com", OPENAI, OPENAI),
    # IDNA: authcore reads ASCII hosts only, stricter than the URL Standard: a host that is not
    # ASCII (as written, or once percent-decoded) is `invalid_input` naming `url`, even where
    # the URL Standard maps it to ASCII; its A-label (`xn--`) form is read as written.
    ("fullwidth-host-refused", "https://\uff41\uff50\uff49.openai.com/", "api.openai.com", "invalid_input", "invalid_input"),
    ("fullwidth-dots-refused", "https://\uff41\uff50\uff49\uff0eopenai\uff0ecom/", "api.openai.com", "invalid_input", "invalid_input"),
    ("cyrillic-lookalike-refused", "https://\u0430pi.openai.com/", "xn--pi-6kc.openai.com", "invalid_input", "invalid_input"),
    ("percent-encoded-unicode-host-refused", "https://b%C3%BCcher.example/", "xn--bcher-kva.example", "invalid_input", "invalid_input"),
    ("cyrillic-lookalike-a-label", "https://xn--pi-6kc.openai.com/", "xn--pi-6kc.openai.com", "no_provider", "no_provider"),
    ("invalid-punycode", "https://xn--a.com/", None, "invalid_input", "invalid_input"),
    ("trailing-dot", "https://api.openai.com./v1", "api.openai.com.", OPENAI, OPENAI),
    ("two-trailing-dots", "https://api.openai.com../v1", "api.openai.com..", "no_provider", "no_provider"),
    ("wildcard-trailing-dot", "https://files.acme.test./", "files.acme.test.", ACME_AT, ACME_AT),
    # Ports: a host pattern means the default port.
    ("explicit-default-port", "https://api.openai.com:443/", "api.openai.com", OPENAI, OPENAI),
    ("default-port-leading-zero", "https://api.openai.com:0443/", "api.openai.com", OPENAI, OPENAI),
    ("other-port", "https://api.openai.com:8443/", "api.openai.com", "no_provider", "no_provider"),
    ("other-port-wildcard", "https://x.acme.test:444/", "x.acme.test", "no_provider", "no_provider"),
    ("port-out-of-range", "https://api.openai.com:65536/", None, "invalid_input", "invalid_input"),
    # User info: refused, whichever side of the `@` the provider's host is on.
    ("user-and-password", "https://user:pw@api.openai.com/", "api.openai.com", "insecure_url", "insecure_url"),
    ("host-and-port-as-user-info", "https://evil.example:443@api.openai.com/", "api.openai.com", "insecure_url", "insecure_url"),
    ("provider-host-as-user-info", "https://api.openai.com@evil.example/", "evil.example", "insecure_url", "insecure_url"),
    ("empty-user-info-is-dropped", "https://@api.openai.com/", "api.openai.com", OPENAI, OPENAI),
    ("empty-user-and-password-dropped", "https://:@api.openai.com/", "api.openai.com", OPENAI, OPENAI),
    # Schemes: https only.
    ("plain-http", "http://api.openai.com/v1", "api.openai.com", "insecure_url", "insecure_url"),
    ("ws", "ws://api.openai.com/", "api.openai.com", "insecure_url", "insecure_url"),
    ("wss", "wss://api.openai.com/", "api.openai.com", "insecure_url", "insecure_url"),
    ("ftp", "ftp://api.openai.com/", "api.openai.com", "insecure_url", "insecure_url"),
    ("gopher", "gopher://api.openai.com/", "api.openai.com", "insecure_url", "insecure_url"),
    ("file", "file://api.openai.com/etc/passwd", "api.openai.com", "insecure_url", "insecure_url"),
    ("data", "data:text/plain,api.openai.com", "", "insecure_url", "insecure_url"),
    ("javascript", "javascript:fetch('https://api.openai.com/')", "", "insecure_url", "insecure_url"),
    ("non-special-scheme", "foo://api.openai.com/", "api.openai.com", "insecure_url", "insecure_url"),
    ("plain-http-wildcard", "http://x.acme.test/", "x.acme.test", "insecure_url", "insecure_url"),
    # Not URLs.
    ("relative", "/v1/responses", None, "invalid_input", "invalid_input"),
    ("empty", "", None, "invalid_input", "invalid_input"),
    ("no-host", "https://", None, "invalid_input", "invalid_input"),
    ("space-in-host", "https://api openai.com/", None, "invalid_input", "invalid_input"),
    ("unclosed-ipv6", "https://[::1/", None, "invalid_input", "invalid_input"),
    ("ipv4-octet-too-large", "https://999.1.1.1/", None, "invalid_input", "invalid_input"),
    ("too-long", "https://api.openai.com/" + "a" * 16384, "api.openai.com", "invalid_input", "invalid_input"),
    # Loopback: plain http only when allowed; https to loopback always (default port unless allowed).
    ("http-localhost", "http://localhost:8080/", "localhost", "insecure_url", LOCAL_KEY),
    ("http-localhost-upper-case", "http://LOCALHOST:3000/", "localhost", "insecure_url", LOCAL_KEY),
    ("http-loopback-ipv4", "http://127.0.0.1/", "127.0.0.1", "insecure_url", LOCAL_KEY),
    ("http-loopback-decimal-ipv4", "http://2130706433/", "127.0.0.1", "insecure_url", LOCAL_KEY),
    ("http-loopback-short-ipv4", "http://127.1:8080/", "127.0.0.1", "insecure_url", LOCAL_KEY),
    ("http-loopback-hex-ipv4", "http://0x7f.0.0.1/", "127.0.0.1", "insecure_url", LOCAL_KEY),
    ("http-loopback-ipv6", "http://[::1]:8080/", "[::1]", "insecure_url", LOCAL_KEY),
    ("http-loopback-ipv6-long-form", "http://[0:0:0:0:0:0:0:1]/", "[::1]", "insecure_url", LOCAL_KEY),
    ("http-other-loopback-address", "http://127.0.0.2/", "127.0.0.2", "insecure_url", "no_provider"),
    ("http-ipv4-mapped-ipv6-is-not-loopback", "http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]", "insecure_url", "insecure_url"),
    ("http-localhost-trailing-dot-is-not-loopback", "http://localhost./", "localhost.", "insecure_url", "insecure_url"),
    ("http-localhost-as-subdomain", "http://localhost.evil.example/", "localhost.evil.example", "insecure_url", "insecure_url"),
    ("http-loopback-address-in-dns-name", "http://127.0.0.1.nip.io/", "127.0.0.1.nip.io", "insecure_url", "insecure_url"),
    ("http-loopback-with-user-info", "http://user@localhost/", "localhost", "insecure_url", "insecure_url"),
    ("ws-localhost", "ws://localhost/", "localhost", "insecure_url", "insecure_url"),
    ("https-localhost", "https://localhost/", "localhost", LOCAL_KEY, LOCAL_KEY),
    ("https-localhost-other-port", "https://localhost:8443/", "localhost", "no_provider", LOCAL_KEY),
    ("https-decimal-ipv4-loopback", "https://0x7f000001/", "127.0.0.1", LOCAL_KEY, LOCAL_KEY),
]


def node_hosts(urls):
    """`new URL(u).hostname` for each URL (None when it throws), or None without node."""
    node = shutil.which("node")
    if not node:
        return None
    script = ("const u=JSON.parse(require('fs').readFileSync(0,'utf8'));"
              "process.stdout.write(JSON.stringify(u.map(x=>{try{return new URL(x).hostname}catch(e){return null}})))")
    out = subprocess.run([node, "-e", script], input=json.dumps(urls), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


checked = node_hosts([u for _, u, _, _, _ in URLS])
if checked is None:
    print("node not found: hosts not cross-checked against new URL()")
else:
    for (name, url, host, _, _), got in zip(URLS, checked):
        assert got == host, "%s: wrote %r, new URL() gives %r" % (name, host, got)

for name, url, host, off, on in URLS:
    src = "WHATWG URL Standard: host %s" % (json.dumps(host) if host is not None else "failure")
    case("url-" + name, load(), resolve(url, off), load(loopback=True), resolve(url, on), source=src)

# ------------------------------------------------------------------------------------------
# Header safety: tokens with CR/LF never become header values.
# ------------------------------------------------------------------------------------------
for name, key in [("crlf", "sk-1\r\nX-Evil: 1"), ("lf", "sk-1\n"), ("nul", "sk\u0000"), ("del", "sk\u007f"), ("non-ascii", "cl\u00e9"), ("empty", "")]:
    case("stored-api-key-not-header-safe-" + name, load(),
         resolve("https://api.openai.com/", "invalid_input", "connections[0].credential.key", conns=[keyed("openai", key)]))
case("stored-access-token-not-header-safe", load(),
     resolve("https://api.acme.test/", "invalid_input", "connections[1].credential.tokens.access_token",
             conns=[conn("openai", key="sk-1"), conn("acme", tokens=ts("at-1\r\nSet-Cookie: a=b"))]))
case("stored-token-refreshed-before-check", load(),
     resolve("https://api.acme.test/", {"type": "refresh", "provider": "acme", "connection": "default",
                                        "request": {"method": "POST", "url": "https://auth.acme.test/token",
                                                    "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
                                                    "body": "grant_type=refresh_token&refresh_token=rt-1&client_id=broker"}},
             conns=[conn("acme", tokens=ts("at-1\nX: 1", exp=NOW + 10))]),
     source="a due refresh replaces the token before it is ever injected")


def refresh_with(body):
    return {"connection": conn("acme"), "response": {"status": 200, "headers": {}, "body": body}, "now": NOW}


for name, body, field in [
    ("access-token-crlf", '{"access_token":"at-2\\r\\nX-Evil: 1","token_type":"Bearer","expires_in":3600}', "access_token"),
    ("access-token-lf", '{"access_token":"at-2\\n","token_type":"Bearer","expires_in":3600}', "access_token"),
    ("access-token-nul", '{"access_token":"at-2\\u0000","token_type":"Bearer","expires_in":3600}', "access_token"),
    ("access-token-non-ascii", '{"access_token":"at-\u00e9","token_type":"Bearer","expires_in":3600}', "access_token"),
    ("access-token-empty", '{"access_token":"","token_type":"Bearer","expires_in":3600}', "access_token"),
    ("refresh-token-crlf", '{"access_token":"at-2","refresh_token":"rt\\r\\n","token_type":"Bearer","expires_in":3600}', "refresh_token"),
    ("refresh-token-empty", '{"access_token":"at-2","refresh_token":"","token_type":"Bearer","expires_in":3600}', "refresh_token"),
]:
    case("apply-refresh-refuses-" + name, load(), fail("broker.apply_refresh", refresh_with(body), "invalid_response", field))
# Tokens from a token response are printable ASCII (the rule of every token response in the
# core): a space survives, a tab does not.
case("apply-refresh-space-is-kept", load(),
     step("broker.apply_refresh", refresh_with('{"access_token":"at 2","token_type":"Bearer","expires_in":60}'),
          conn("acme", tokens=ts("at 2", NOW + 60, "rt-1"))))
case("apply-refresh-tab-is-refused", load(),
     fail("broker.apply_refresh", refresh_with('{"access_token":"at\\t2","token_type":"Bearer","expires_in":60}'), "invalid_response", "access_token"))

case("check-connection-ok", step("broker.check_connection", {"connection": conn("acme")}, {}),
     step("broker.check_connection", {"connection": conn("openai", "work", key="sk-1")}, {}))
for name, c, field in [
    ("key-crlf", conn("openai", key="sk\r\nX: 1"), "credential.key"),
    ("key-empty", keyed("openai", ""), "credential.key"),
    ("access-token-lf", conn("acme", tokens=ts("at\n")), "credential.tokens.access_token"),
    ("refresh-token-nul", conn("acme", tokens=ts(rt="rt\u0000")), "credential.tokens.refresh_token"),
    ("provider-newline", conn("open\nai", key="k"), "provider"),
    ("name-nul", conn("openai", "a\u0000", key="k"), "name"),
    ("name-empty", conn("openai", "", key="k"), "name"),
]:
    case("check-connection-refuses-" + name, fail("broker.check_connection", {"connection": c}, "invalid_input", field))

# ------------------------------------------------------------------------------------------
# Provider definitions: URLs, host patterns, header names and formats.
# ------------------------------------------------------------------------------------------
BAD = [
    ("endpoint-backslash", dict(ACME, token_endpoint="https://auth.acme.test\\@evil.example/token"), "custom[0].token_endpoint"),
    ("endpoint-user-info", dict(ACME, token_endpoint="https://user@auth.acme.test/token"), "custom[0].token_endpoint"),
    ("endpoint-fragment", dict(ACME, authorization_endpoint="https://auth.acme.test/authorize#x"), "custom[0].authorization_endpoint"),
    ("endpoint-upper-case", dict(ACME, authorization_endpoint="HTTPS://AUTH.acme.test/authorize"), "custom[0].authorization_endpoint"),
    ("endpoint-not-serialised-form", dict(ACME, token_endpoint="https://auth.acme.test"), "custom[0].token_endpoint"),
    ("endpoint-explicit-default-port", dict(ACME, token_endpoint="https://auth.acme.test:443/token"), "custom[0].token_endpoint"),
    ("endpoint-tab", dict(ACME, token_endpoint="https://auth.acme.test/to\tken"), "custom[0].token_endpoint"),
    ("endpoint-javascript", dict(ACME, authorization_endpoint="javascript:alert(1)"), "custom[0].authorization_endpoint"),
    ("endpoint-ws", dict(ACME, token_endpoint="wss://auth.acme.test/token"), "custom[0].token_endpoint"),
    ("endpoint-not-a-url", dict(ACME, token_endpoint="auth.acme.test/token"), "custom[0].token_endpoint"),
    ("unused-endpoint-is-checked-too", dict(LOCAL, token_endpoint="http://localhost/token"), "custom[0].token_endpoint"),
    ("host-unicode", dict(ACME, hosts=["b\u00fccher.example"]), "custom[0].hosts[0]"),
    ("endpoint-unicode-host", dict(ACME, token_endpoint="https://auth.b\u00fccher.example/token"), "custom[0].token_endpoint"),
    ("endpoint-invalid-a-label", dict(ACME, token_endpoint="https://auth.xn--a.example/token"), "custom[0].token_endpoint"),
    ("host-trailing-dot", dict(ACME, hosts=["api.acme.test."]), "custom[0].hosts[0]"),
    ("host-short-ipv4", dict(ACME, hosts=["127.1"]), "custom[0].hosts[0]"),
    ("host-numeric-tld", dict(ACME, hosts=["api.123"]), "custom[0].hosts[0]"),
    ("host-wildcard-over-ipv4", dict(ACME, hosts=["*.0.0.1"]), "custom[0].hosts[0]"),
    ("host-ipv6-not-canonical", dict(ACME, hosts=["[0::1]"]), "custom[0].hosts[0]"),
    ("host-ipv6-without-brackets", dict(ACME, hosts=["::1"]), "custom[0].hosts[0]"),
    ("host-invalid-punycode", dict(ACME, hosts=["xn--a.example"]), "custom[0].hosts[0]"),
    ("header-colon", dict(ACME, inject={"header": "X-Api:", "format": "{key}"}), "custom[0].inject.header"),
    ("header-crlf", dict(ACME, inject={"header": "X-Api\r\nX-Evil", "format": "{key}"}), "custom[0].inject.header"),
    ("header-empty", dict(ACME, inject={"header": "", "format": "{key}"}), "custom[0].inject.header"),
    ("header-non-ascii", dict(ACME, inject={"header": "X-Cl\u00e9", "format": "{key}"}), "custom[0].inject.header"),
    ("format-nul", dict(ACME, inject={"header": "X-Api", "format": "Bearer\u0000{key}"}), "custom[0].inject.format"),
    ("format-lf", dict(ACME, inject={"header": "X-Api", "format": "Bearer {key}\n"}), "custom[0].inject.format"),
    ("format-non-ascii", dict(ACME, inject={"header": "X-Api", "format": "Cl\u00e9 {key}"}), "custom[0].inject.format"),
]
for name, d, field in BAD:
    case("invalid-provider-" + name, fail("broker.load", {"custom": [d]}, "invalid_provider", field))

ODD = dict(ACME, name="odd", hosts=["xn--bcher-kva.example", "10.0.0.1", "[2001:db8::1]"],
           inject={"header": "X_Api.Key!", "format": "Token\t{token}"}, token_endpoint="https://auth.acme.test:8443/token?tenant=t1",
           authorization_endpoint="https://auth.xn--bcher-kva.example/authorize")
ODD_CONN = conn("odd", tokens=ts("at-9"))
case("provider-rfc9110-token-header-ip-and-idna-hosts", step("broker.load", {"custom": [ODD]}, pset([ODD])),
     resolve("https://xn--bcher-kva.example/", inject("odd", "X_Api.Key!", "Token\tat-9"), conns=[ODD_CONN]),
     resolve("https://XN--BCHER-KVA.example/", inject("odd", "X_Api.Key!", "Token\tat-9"), conns=[ODD_CONN]),
     resolve("https://b\u00fccher.example/", "invalid_input", conns=[ODD_CONN]),
     resolve("https://10.0.0.1/", inject("odd", "X_Api.Key!", "Token\tat-9"), conns=[ODD_CONN]),
     resolve("https://167772161/", inject("odd", "X_Api.Key!", "Token\tat-9"), conns=[ODD_CONN]),
     resolve("https://[2001:0db8:0:0:0:0:0:1]/", inject("odd", "X_Api.Key!", "Token\tat-9"), conns=[ODD_CONN]),
     resolve("https://odd.example/", "no_provider", conns=[ODD_CONN]))
case("secret-holding-a-placeholder-is-not-expanded", load(),
     resolve("https://api.acme.test/", inject("acme", "Authorization", "Bearer a{token}{key}"), conns=[conn("acme", tokens=ts("a{token}{key}"))]))

# ------------------------------------------------------------------------------------------
# export_env: POSIX sh single quotes.
# ------------------------------------------------------------------------------------------
HOSTILE = [
    ("a", "$(touch X)", "'$(touch X)'"),
    ("b", "`touch X`", "'`touch X`'"),
    ("c", "\\", "'\\'"),
    ("d", "it's", "'it'\\''s'"),
    ("e", "'", "''\\'''"),
    ("f", '"$HOME"', "'\"$HOME\"'"),
    ("g", "line1\nline2\n", "'line1\nline2\n'"),
    ("h", "!!", "'!!'"),
    ("i", "~root", "'~root'"),
    ("j", "", "''"),
    ("k", "a;b|c&d>e", "'a;b|c&d>e'"),
]
hostile_conns = [keyed(p, v) for p, v, _ in HOSTILE]
case("export-env-hostile-values-single-quoted", step("broker.export_env", {"connections": hostile_conns},
     {"text": "".join("%s_API_KEY=%s\n" % (p.upper(), q) for p, _, q in HOSTILE)}), source="POSIX sh 2.2.2 single quotes")
case("export-env-names", step("broker.export_env", {"connections": [conn("1password", key="k1"), conn("a", "x.y z", tokens=ts("t")), conn("a1", key="k2"),
                                                                        conn("caf\u00e9", "\u00e9t\u00e9", key="k3")]},
     {"text": "A1_API_KEY='k2'\nA_X_Y_Z_ACCESS_TOKEN='t'\nCAF___T__API_KEY='k3'\n_1PASSWORD_API_KEY='k1'\n"}))
case("export-env-refuses-nul-in-value", fail("broker.export_env", {"connections": [conn("openai", key="k"), conn("acme", tokens=ts("at\u0000x"))]},
                                              "invalid_input", "connections[1].credential.tokens.access_token"))
case("export-env-refuses-newline-in-provider", fail("broker.export_env", {"connections": [conn("open\nai", key="k")]}, "invalid_input", "connections[0].provider"))
case("export-env-refuses-nul-in-name", fail("broker.export_env", {"connections": [conn("openai", "w\u0000", key="k")]}, "invalid_input", "connections[0].name"))
case("export-env-refuses-one-name-for-two", fail("broker.export_env", {"connections": [conn("acme-eu", key="a"), conn("acme", "eu", key="b")]},
                                                  "invalid_input", "connections[1].name"))

case("readiness-flags-malformed-secret", step("broker.readiness", {"connections": [conn("openai", key="sk\r\n")], "now": NOW},
     {"status": "degraded", "components": {"connections": {"status": "degraded", "detail": "1 connections"},
                                           "schema_version": {"status": "ok", "detail": "no store"},
                                           "vault": {"status": "ok", "detail": "0 key files"}, "providers": {"status": "ok", "detail": "4 providers"}},
      "warnings": ["Connection `openai/default` holds an empty or malformed secret; connect again."], "errors": []}))

path = os.path.join(ROOT, "vectors", "broker", "security_broker.json")
write_suite(path, {"suite": "broker", "description": "The credential broker's security rules: WHATWG URL parsing, https-only credentials, "
                                                   "header-safe tokens and names, sh-safe export.", "cases": CASES})
print("broker/security_broker.json", len(CASES))
