#!/usr/bin/env python3
"""Writes conformance/vectors/jwt/jwks_cache.json: the remote key-set machine (`JwksCache`).

Tokens are signed here with the `openssl` CLI (Ed25519 from keys/ed25519.pem, ES256 from
keys/p256.pem); the JWKs are those keys' public halves, read with openssl. Every expectation
is written by hand from the rules in core/src/jwt/cache.rs's module docs (when to fetch, the
cooldown, Cache-Control within the TTL bounds, stale-while-error, skipped keys, snapshots).
"""
import json
import os
import subprocess
import tempfile

from vectorlib import b64, case_collector, err, step, write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = os.path.join(ROOT, "keys")
NOW = 1700000000



def js(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def claims(**kw):
    c = {"sub": "user-1", "iat": NOW, "exp": NOW + 3600}
    c.update(kw)
    return c


def openssl(args, data):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return subprocess.run(["openssl", *args, f.name], check=True, capture_output=True).stdout


def der_to_p1363(der):
    # SEQUENCE { INTEGER r, INTEGER s }
    assert der[0] == 0x30
    i, out = 2, b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\x00").rjust(32, b"\x00")
        i += 2 + n
    return out
URI = "https://idp.example/jwks"
SOURCE = "RFC 7517 §5 (skip keys that cannot be used); RFC 9111 §5.2.2.1 (max-age), §5.1 (Age)"


def public_der(name):
    return subprocess.run(["openssl", "pkey", "-in", os.path.join(KEYS, name), "-pubout", "-outform", "DER"],
                          check=True, capture_output=True).stdout


ED_X = b64(public_der("ed25519.pem")[-32:])
_P = public_der("p256.pem")[-65:]
ES_X, ES_Y = b64(_P[1:33]), b64(_P[33:])

ED = {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "ed-1", "x": ED_X}
ES = {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "es-2", "x": ES_X, "y": ES_Y}


def sign_token(header, body):
    si = (b64(js(header)) + "." + b64(js(body))).encode()
    if header["alg"] == "EdDSA":
        sig = openssl(["pkeyutl", "-sign", "-inkey", os.path.join(KEYS, "ed25519.pem"), "-rawin", "-in"], si)
    else:
        sig = der_to_p1363(openssl(["dgst", "-sha256", "-sign", os.path.join(KEYS, "p256.pem")], si))
    return si.decode() + "." + b64(sig)


CLAIMS = claims(iss="https://idp.example", exp=NOW + 100000)
T_ED = sign_token({"alg": "EdDSA", "kid": "ed-1", "typ": "JWT"}, CLAIMS)
T_ES = sign_token({"alg": "ES256", "kid": "es-2", "typ": "JWT"}, CLAIMS)
T_SPRAY = [sign_token({"alg": "EdDSA", "kid": "spray-%d" % i, "typ": "JWT"}, CLAIMS) for i in range(3)]
T_NOKID = sign_token({"alg": "EdDSA", "typ": "JWT"}, CLAIMS)
V_ED = {"alg": "EdDSA", "kid": "ed-1", "typ": "JWT", "claims": CLAIMS}
V_ES = {"alg": "ES256", "kid": "es-2", "typ": "JWT", "claims": CLAIMS}


def config(**kw):
    c = {"jwks_uri": URI, "verifier": {"algorithms": ["EdDSA", "ES256"], "issuer": "https://idp.example"}}
    c.update(kw)
    return c


def new(**kw):
    return step("jwks_cache.new", {"config": config(**kw)}, expect={})


def send(transmit):
    return {"type": "send", "transmit": transmit,
            "request": {"method": "GET", "url": URI, "headers": {"Accept": "application/json"}}}


def wait(until):
    return {"type": "wait", "until": until}


def fetch(transmit):
    return {"type": "fetch", "transmit": transmit}


def verify(token, now, result=None, actions=(), error=None, field=None):
    if error:
        return step("jwks_cache.verify", {"token": token, "now": now}, error=error, field=field)
    return step("jwks_cache.verify", {"token": token, "now": now}, expect={"result": result, "actions": list(actions)})


def verified(v):
    return {"type": "verified", "token": v}


def respond(transmit, now, actions, status=200, body=None, headers=None):
    resp = {"status": status, "headers": headers or {}, "body": js({"keys": body}).decode() if isinstance(body, list) else (body or "")}
    return step("jwks_cache.handle_response", {"transmit": transmit, "response": resp, "now": now}, expect={"actions": actions})


def status(now, kids, fetched_at=None, expires_at=None, fresh=False, fetching=False, next_fetch_at=None, skipped=0, last_error=None):
    return step("jwks_cache.status", {"now": now}, expect={
        "kids": kids, "fetched_at": fetched_at, "expires_at": expires_at, "fresh": fresh, "fetching": fetching,
        "next_fetch_at": next_fetch_at, "skipped_keys": skipped, "last_error": last_error})




def cases():
    out, case = case_collector()

    case("an empty cache fetches once, however many lookups wait for it, then verifies",
         new(),
         status(NOW, []),
         verify(T_ED, NOW, fetch(1), [send(1)]),
         verify(T_ED, NOW, fetch(1)),
         status(NOW, [], fetching=True),
         # Stale at NOW + 122, but no fetch may start before the cooldown ends (NOW + 2 + 300).
         respond(1, NOW + 2, [wait(NOW + 2 + 300)], body=[ED], headers={"Cache-Control": "public, max-age=120"}),
         verify(T_ED, NOW + 3, verified(V_ED)),
         status(NOW + 3, ["ed-1"], NOW + 2, NOW + 122, fresh=True, next_fetch_at=NOW + 302),
         source=SOURCE)

    case("a rotated key: unknown inside the cooldown without a fetch, picked up by exactly one fetch after it",
         new(),
         verify(T_ED, NOW, fetch(1), [send(1)]),
         respond(1, NOW, [wait(NOW + 600)], body=[ED]),
         verify(T_ES, NOW + 10, error="invalid_token", field="kid"),
         verify(T_SPRAY[0], NOW + 11, error="invalid_token", field="kid"),
         verify(T_SPRAY[1], NOW + 299, error="invalid_token", field="kid"),
         verify(T_ES, NOW + 300, fetch(2), [send(2)]),
         verify(T_SPRAY[2], NOW + 300, fetch(2)),
         respond(2, NOW + 301, [wait(NOW + 901)], body=[ES]),
         verify(T_ES, NOW + 301, verified(V_ES)),
         verify(T_ED, NOW + 302, error="invalid_token", field="kid"),
         verify(T_SPRAY[2], NOW + 400, error="invalid_token", field="kid"),
         status(NOW + 400, ["es-2"], NOW + 301, NOW + 901, fresh=True, next_fetch_at=NOW + 601))

    case("the time to live is max-age less Age, within min_ttl and max_ttl; default_ttl without one",
         new(min_ttl=100, max_ttl=1000, default_ttl=500, cooldown=1),
         verify(T_ED, NOW, fetch(1), [send(1)]),
         respond(1, NOW, [wait(NOW + 100)], body=[ED], headers={"cache-control": "max-age=5"}),
         verify(T_ED, NOW + 100, fetch(2), [send(2)]),
         respond(2, NOW + 100, [wait(NOW + 1100)], body=[ED], headers={"Cache-Control": "max-age=99999999"}),
         verify(T_ED, NOW + 1100, fetch(3), [send(3)]),
         respond(3, NOW + 1100, [wait(NOW + 1600)], body=[ED], headers={"Cache-Control": "private"}),
         verify(T_ED, NOW + 1600, fetch(4), [send(4)]),
         respond(4, NOW + 1600, [wait(NOW + 1900)], body=[ED], headers={"Cache-Control": "max-age=\"400\"", "Age": "100"}),
         verify(T_ED, NOW + 1900, fetch(5), [send(5)]),
         respond(5, NOW + 1900, [wait(NOW + 2000)], body=[ED], headers={"Cache-Control": "max-age=900, no-cache"}),
         source="RFC 9111 §5.2.2.1, §5.2.2.4, §5.1")

    e500 = err("server_error", "The key-set endpoint answered 500.", "jwks_uri")
    e_net = err("network_error", "The key set could not be fetched (network error).", "jwks_uri")
    case("a stale set refetches; failed fetches keep it serving within stale_while_error, then a clear error",
         new(stale_while_error=1000),
         verify(T_ED, NOW, fetch(1), [send(1)]),
         respond(1, NOW, [wait(NOW + 600)], body=[ED]),
         verify(T_ED, NOW + 600, fetch(2), [send(2)]),
         respond(2, NOW + 600, [{"type": "fetch_failed", "error": e500}, wait(NOW + 900)], status=500, body="oops"),
         verify(T_ED, NOW + 601, verified(V_ED)),
         status(NOW + 601, ["ed-1"], NOW, NOW + 600, next_fetch_at=NOW + 900, last_error=e500),
         verify(T_ED, NOW + 900, fetch(3), [send(3)]),
         step("jwks_cache.handle_network_error", {"transmit": 3, "now": NOW + 1590},
              expect={"actions": [{"type": "fetch_failed", "error": e_net}, wait(NOW + 1890)]}),
         verify(T_ED, NOW + 1599, verified(V_ED)),
         verify(T_ED, NOW + 1600, error="network_error", field="jwks_uri"),
         verify(T_ES, NOW + 1600, error="network_error", field="jwks_uri"),
         verify(T_ED, NOW + 1890, fetch(4), [send(4)]),
         respond(4, NOW + 1890, [wait(NOW + 2490)], body=[ED]),
         verify(T_ED, NOW + 1890, verified(V_ED)))

    case("a failed first fetch: the fetch error until the cooldown ends",
         new(),
         verify(T_ED, NOW, fetch(1), [send(1)]),
         respond(1, NOW, [{"type": "fetch_failed", "error": err("invalid_response", "The key set is not a JSON object.", "body")}, wait(NOW + 300)],
                 body="<html>"),
         verify(T_ED, NOW + 1, error="invalid_response", field="jwks_uri"),
         step("jwks_cache.key_for", {"kid": "ed-1", "now": NOW + 299}, error="invalid_response", field="jwks_uri"),
         verify(T_ED, NOW + 300, fetch(2), [send(2)]),
         respond(2, NOW + 300, [{"type": "fetch_failed", "error": err("invalid_response", "The key-set endpoint answered 404, not 200.", "status")}, wait(NOW + 600)],
                 status=404, body=[ED]),
         respond_bad_transmit(2, NOW + 301))

    case("keys that cannot be used are skipped (RFC 7517 §5); a set without a usable key is a failed fetch",
         new(verifier={"algorithms": ["EdDSA"]}),
         verify(T_ED, NOW, fetch(1), [send(1)]),
         respond(1, NOW, [wait(NOW + 600)], body=[
             {"kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "enc-1", "n": "sXch", "e": "AQAB"},
             {"kty": "oct", "alg": "HS256", "kid": "hmac", "k": b64(b"k" * 32)},
             {"kty": "XYZ", "kid": "odd"},
             ES,
             dict(ED, use="enc", kid="ed-enc"),
             ED,
             dict(ED, x=ES_X)]),
         status(NOW, ["ed-1"], NOW, NOW + 600, fresh=True, next_fetch_at=NOW + 300, skipped=6),
         verify(T_ES, NOW + 1, error="algorithm_not_allowed", field="alg"),
         verify(T_ED, NOW + 1, verified(dict(V_ED, claims=dict(CLAIMS)))),
         verify(T_ED, NOW + 600, fetch(2), [send(2)]),
         respond(2, NOW + 600, [{"type": "fetch_failed", "error": err("invalid_response", "The key set has no key usable with the allowed algorithms.", "keys")}, wait(NOW + 900)],
                 body=[ES]),
         verify(T_ED, NOW + 601, verified(V_ED)),
         source="RFC 7517 §5")

    case("key_for answers a key, a fetch, or an unknown kid; a token without kid uses the only key",
         new(),
         step("jwks_cache.key_for", {"kid": "ed-1", "now": NOW}, expect={"result": fetch(1), "actions": [send(1)]}),
         respond(1, NOW, [wait(NOW + 600)], body=[ED]),
         step("jwks_cache.key_for", {"kid": "ed-1", "now": NOW}, expect={"result": {"type": "key", "jwk": {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "ed-1", "x": ED_X}}, "actions": []}),
         step("jwks_cache.key_for", {"kid": None, "now": NOW}, expect={"result": {"type": "key", "jwk": {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "ed-1", "x": ED_X}}, "actions": []}),
         step("jwks_cache.key_for", {"kid": "nope", "now": NOW + 5}, error="invalid_token", field="kid"),
         verify(T_NOKID, NOW + 5, verified({"alg": "EdDSA", "typ": "JWT", "claims": CLAIMS})))

    case("tokens refused before a key is chosen never cause a fetch",
         new(),
         verify("e30.e30", NOW, error="invalid_token"),
         verify(b64(js({"alg": "none"})) + "." + b64(js(CLAIMS)) + ".c2ln", NOW, error="algorithm_not_allowed", field="alg"),
         verify(b64(js({"alg": "HS256", "kid": "x"})) + "." + b64(js(CLAIMS)) + ".c2ln", NOW, error="algorithm_not_allowed", field="alg"),
         verify(b64(js({"alg": "EdDSA", "kid": 7})) + "." + b64(js(CLAIMS)) + ".c2ln", NOW, error="invalid_token", field="kid"),
         status(NOW, []))

    case("handle_timeout warms an empty cache and refreshes a stale set in the background",
         new(),
         step("jwks_cache.handle_timeout", {"now": NOW}, expect={"actions": [send(1)]}),
         step("jwks_cache.handle_timeout", {"now": NOW}, expect={"actions": []}),
         respond(1, NOW, [wait(NOW + 600)], body=[ED]),
         step("jwks_cache.handle_timeout", {"now": NOW + 599}, expect={"actions": [wait(NOW + 600)]}),
         step("jwks_cache.handle_timeout", {"now": NOW + 600}, expect={"actions": [send(2)]}),
         verify(T_ED, NOW + 600, fetch(2)),
         respond(2, NOW + 601, [wait(NOW + 1201)], body=[ED, ES]),
         verify(T_ES, NOW + 602, verified(V_ES)))

    snap = {"version": 1, "config": {
        "jwks_uri": URI, "verifier": {"algorithms": ["EdDSA", "ES256"], "leeway": 60, "issuer": "https://idp.example",
                                      "audience": None, "typ": None, "max_token_bytes": 8192,
                                      "unnamed_single_key_matches_any_kid": False},
        "default_alg": None, "default_ttl": 600, "min_ttl": 60, "max_ttl": 86400, "cooldown": 300,
        "stale_while_error": 3600, "allow_insecure_http": False},
        "jwks": {"keys": [ED]}, "fetched_at": NOW, "expires_at": NOW + 600, "last_fetch_end": NOW,
        "last_error": None, "next_transmit": 2}
    case("a snapshot keeps the set for another process; restore runs the constructor's checks",
         new(),
         verify(T_ED, NOW, fetch(1), [send(1)]),
         respond(1, NOW, [wait(NOW + 600)], body=[ED]),
         step("jwks_cache.snapshot", {}, expect=snap),
         step("jwks_cache.restore", {"snapshot": snap}, expect={"actions": [wait(NOW + 600)]}),
         verify(T_ED, NOW + 1, verified(V_ED)),
         verify(T_ES, NOW + 2, error="invalid_token", field="kid"),
         verify(T_ES, NOW + 300, fetch(2), [send(2)]),
         step("jwks_cache.restore", {"snapshot": dict(snap, version=2)}, error="state_version_unsupported", field="version"),
         step("jwks_cache.restore", {"snapshot": dict(snap, jwks={"keys": []})}, error="state_corrupt", field="jwks"),
         step("jwks_cache.restore", {"snapshot": dict(snap, expires_at=None)}, error="state_corrupt", field="jwks"),
         step("jwks_cache.restore", {"snapshot": dict(snap, extra=1)}, error="state_corrupt", field="snapshot"),
         step("jwks_cache.restore", {"snapshot": dict(snap, config=dict(snap["config"], cooldown=0))}, error="invalid_config", field="cooldown"))

    bad = [
        ("jwks_uri", {"jwks_uri": "http://idp.example/jwks"}),
        ("jwks_uri", {"jwks_uri": "https://idp.example/jwks#frag"}),
        ("verifier.algorithms", {"verifier": {"algorithms": ["HS256"]}}),
        ("verifier.algorithms", {"verifier": {"algorithms": []}}),
        ("default_alg", {"default_alg": "RS256"}),
        ("min_ttl", {"min_ttl": 0}),
        ("max_ttl", {"max_ttl": 59}),
        ("default_ttl", {"default_ttl": 86401}),
        ("cooldown", {"cooldown": 0}),
        ("stale_while_error", {"stale_while_error": -1}),
    ]
    case("settings are checked: invalid_config naming the field",
         *[step("jwks_cache.new", {"config": config(**kw)}, error="invalid_config", field=f) for f, kw in bad],
         step("jwks_cache.new", {"config": config(jwks_uri="http://127.0.0.1:8080/jwks")}, expect={}))
    return out


def respond_bad_transmit(transmit, now):
    return step("jwks_cache.handle_response", {"transmit": transmit, "response": {"status": 200, "headers": {}, "body": ""}, "now": now},
                error="invalid_state", field="transmit")


def main():
    write_suite(os.path.join(ROOT, "vectors", "jwt", "jwks_cache.json"), {
        "suite": "jwt",
        "description": "The remote key-set machine (JwksCache): fetch when empty, stale or the kid is unknown; one fetch at a time and one per cooldown; Cache-Control max-age within the TTL bounds; stale-while-error; unusable keys skipped; snapshots.",
        "cases": cases(),
    })


if __name__ == "__main__":
    main()
