#!/usr/bin/env python3
"""Writes conformance/vectors/{errors,jwt,tokens}/*.json.

Tokens are built here, independently of authcore: HMAC with Python's stdlib, asymmetric
signatures with the `openssl` CLI. Every expectation below is written by hand from the
RFCs; nothing is copied from the core's output. Signatures made by openssl for ES256 and
PS256 are randomised, so re-running rewrites those tokens (with identical expectations);
`--check` compares those tokens by header and payload only (see vectorlib.write_suite).
"""
import base64, hashlib, hmac, json, os, subprocess, tempfile

from vectorlib import b64, write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = os.path.join(ROOT, "keys")
NOW = 1700000000
SECRET = "authcore-conformance-hs256-secret-0123456789"
HS = {"alg": "HS256", "secret": SECRET}


def key(name):
    return open(os.path.join(KEYS, name)).read()



def js(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def openssl_sign(keyfile, data, *args):
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return subprocess.run(["openssl", *args, "-inkey" if args[0] == "pkeyutl" else "-sign", os.path.join(KEYS, keyfile), *( ["-rawin", "-in", f.name] if args[0] == "pkeyutl" else [f.name])],
                              check=True, capture_output=True).stdout


def der_to_p1363(der):
    # SEQUENCE { INTEGER r, INTEGER s }
    assert der[0] == 0x30
    i = 2
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        v = der[i + 2:i + 2 + n].lstrip(b"\x00")
        out += v.rjust(32, b"\x00")
        i += 2 + n
    return out


def sign(alg, signing_input):
    if alg == "HS256":
        return hmac.new(SECRET.encode(), signing_input, hashlib.sha256).digest()
    if alg == "EdDSA":
        return openssl_sign("ed25519.pem", signing_input, "pkeyutl", "-sign")
    if alg == "ES256":
        return der_to_p1363(openssl_sign("p256.pem", signing_input, "dgst", "-sha256"))
    if alg == "ES256K":
        return der_to_p1363(openssl_sign("secp256k1.pem", signing_input, "dgst", "-sha256"))
    if alg == "RS256":
        return openssl_sign("rsa2048.pem", signing_input, "dgst", "-sha256")
    if alg == "PS256":
        return openssl_sign("rsa2048.pem", signing_input, "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32")
    raise ValueError(alg)


def token(header, claims, alg=None, raw_header=None, raw_claims=None):
    h = raw_header if raw_header is not None else js(header)
    c = raw_claims if raw_claims is not None else js(claims)
    si = (b64(h) + "." + b64(c)).encode()
    return si.decode() + "." + b64(sign(alg or header["alg"], si))


def claims(**kw):
    c = {"sub": "user-1", "iat": NOW, "exp": NOW + 3600}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def verify(name, tok, expect=None, error=None, field=None, keys=(HS,), now=NOW, source=None, **config):
    cfg = {"algorithms": ["HS256"]}
    cfg.update(config)
    step = {"op": "jwt.verify", "input": {"config": cfg, "keys": list(keys), "token": tok, "now": now}}
    if error:
        step["expect_error"] = {"code": error, **({"field": field} if field else {})}
    else:
        step["expect"] = expect
    case = {"name": name, "steps": [step]}
    if source:
        case["source"] = source
    return case


def ok(alg, c, typ="JWT", kid=None):
    out = {"alg": alg, "claims": c}
    if kid:
        out["kid"] = kid
    if typ:
        out["typ"] = typ
    return out


H = {"alg": "HS256", "typ": "JWT"}
RSA_PUB = {"alg": "RS256", "pem": key("rsa2048.pub.pem")}
cases = []

# --- RFC examples ---------------------------------------------------------------------
A1 = ("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
      ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
A1_KEY = {"jwk": {"kty": "oct", "k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}, "alg": "HS256"}
A1_CLAIMS = {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True}
cases.append(verify("rfc7515-a1-hs256", A1, ok("HS256", A1_CLAIMS), keys=[A1_KEY], now=1300819000, issuer="joe", source="RFC 7515 A.1"))
cases.append(verify("rfc7515-a1-hs256-expired", A1, error="token_expired", field="exp", keys=[A1_KEY], now=1300819380 + 60, source="RFC 7515 A.1, RFC 7519 4.1.4"))
cases.append(verify("rfc7515-a1-hs256-one-second-before-leeway-ends", A1, ok("HS256", A1_CLAIMS), keys=[A1_KEY], now=1300819380 + 59))
cases.append(verify("rfc7515-a1-wrong-issuer", A1, error="invalid_claims", field="iss", keys=[A1_KEY], now=1300819000, issuer="jane"))
A3 = ("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
      ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q")
A3_KEY = {"alg": "ES256", "jwk": {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}}
cases.append(verify("rfc7515-a3-es256-high-s", A3, ok("ES256", A1_CLAIMS, typ=None), keys=[A3_KEY], now=1300819000, algorithms=["ES256"], source="RFC 7515 A.3 (high S is valid)"))
cases.append({"name": "rfc8037-a4-ed25519-signature", "source": "RFC 8037 A.4 (payload is not JSON)", "steps": [
    {"op": "jwt.verify_signature", "input": {"key": {"alg": "EdDSA", "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
     "signing_input": "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc",
     "signature": "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"}, "expect": {"valid": True}},
    {"op": "jwt.verify_signature", "input": {"key": {"alg": "EdDSA", "jwk": {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
     "signing_input": "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmd",
     "signature": "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"}, "expect": {"valid": False}},
    {"op": "jwt.verify_signature", "input": {"key": {"alg": "EdDSA", "jwk": {"kty": "OKP", "crv": "Ed25519", "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
     "signing_input": "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc",
     "signature": "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"}, "expect": {"valid": True}},
]})

# --- happy paths for every algorithm (openssl-signed) -----------------------------------
c = claims()
cases.append(verify("hs256-valid", token(H, c), ok("HS256", c)))
for alg, pub in [("EdDSA", "ed25519.pub.pem"), ("ES256", "p256.pub.pem"), ("ES256K", "secp256k1.pub.pem"), ("RS256", "rsa2048.pub.pem"), ("PS256", "rsa2048.pub.pem")]:
    cases.append(verify(f"{alg.lower()}-valid-openssl-signed", token({"alg": alg, "typ": "JWT"}, c), ok(alg, c), keys=[{"alg": alg, "pem": key(pub)}], algorithms=[alg]))
    cases.append(verify(f"{alg.lower()}-verified-with-private-pem", token({"alg": alg, "typ": "JWT"}, c), ok(alg, c), keys=[{"alg": alg, "pem": key(pub.replace('.pub', ''))}], algorithms=[alg]))
tampered = token({"alg": "ES256", "typ": "JWT"}, c)
cases.append(verify("es256-signature-of-other-claims", tampered.rsplit(".", 2)[0] + "." + b64(js(claims(sub="admin"))) + "." + tampered.rsplit(".", 1)[1], error="invalid_signature", keys=[{"alg": "ES256", "pem": key("p256.pub.pem")}], algorithms=["ES256"]))

# --- algorithm attacks ------------------------------------------------------------------
for name in ["none", "None", "NONE", "hs256", ""]:
    si = b64(js({"alg": name, "typ": "JWT"})) + "." + b64(js(c))
    cases.append(verify(f"alg-{name or 'empty'}-refused", si + "." + b64(b"sig"), error="algorithm_not_allowed", field="alg", source="RFC 8725 3.1"))
cases.append(verify("alg-none-empty-signature", b64(js({"alg": "none"})) + "." + b64(js(c)) + ".", error="invalid_token", source="CVE-2015-9235"))
pub_pem = key("rsa2048.pub.pem").encode()
si = (b64(js(H)) + "." + b64(js(c))).encode()
confused = si.decode() + "." + b64(hmac.new(pub_pem, si, hashlib.sha256).digest())
cases.append(verify("hs256-signed-with-rsa-public-key-rs256-only", confused, error="algorithm_not_allowed", field="alg", keys=[RSA_PUB], algorithms=["RS256"], source="CVE-2016-10555"))
cases.append(verify("hs256-signed-with-rsa-public-key-both-allowed", confused, error="algorithm_not_allowed", field="alg", keys=[RSA_PUB], algorithms=["RS256", "HS256"], source="CVE-2016-10555"))
cases.append({"name": "rsa-public-pem-as-hmac-secret-refused", "source": "CVE-2016-10555", "steps": [
    {"op": "jwt.verify", "input": {"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": key("rsa2048.pub.pem")}], "token": confused, "now": NOW}, "expect_error": {"code": "invalid_key"}}]})
cases.append(verify("alg-not-a-string", b64(js({"alg": 1})) + "." + b64(js(c)) + "." + b64(b"x"), error="invalid_token", field="alg"))
cases.append(verify("alg-missing", b64(js({"typ": "JWT"})) + "." + b64(js(c)) + "." + b64(b"x"), error="invalid_token", field="alg"))
cases.append(verify("wrong-signature", token(H, c)[:-4] + "AAAA", error="invalid_signature"))
cases.append(verify("signature-by-other-secret", si.decode() + "." + b64(hmac.new(b"x" * 40, si, hashlib.sha256).digest()), error="invalid_signature"))
cases.append(verify("truncated-hmac-tag", si.decode() + "." + b64(hmac.new(SECRET.encode(), si, hashlib.sha256).digest()[:16]), error="invalid_signature", source="Wycheproof truncated MAC"))
es = token({"alg": "ES256", "typ": "JWT"}, c)
es_si = es.rsplit(".", 1)[0]
ESKEY = [{"alg": "ES256", "pem": key("p256.pub.pem")}]
cases.append(verify("es256-r-s-zero", es_si + "." + b64(b"\0" * 64), error="invalid_signature", keys=ESKEY, algorithms=["ES256"], source="CVE-2022-21449"))
n = bytes.fromhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
cases.append(verify("es256-r-s-equal-n", es_si + "." + b64(n + n), error="invalid_signature", keys=ESKEY, algorithms=["ES256"], source="CVE-2022-21449"))
der = openssl_sign("p256.pem", es_si.encode(), "dgst", "-sha256")
cases.append(verify("es256-der-signature", es_si + "." + b64(der), error="invalid_signature", keys=ESKEY, algorithms=["ES256"], source="RFC 7518 3.4"))
cases.append(verify("es256-truncated-signature", es[:-10], error="invalid_signature", keys=ESKEY, algorithms=["ES256"]))

# --- structure and encoding ---------------------------------------------------------------
good = token(H, c)
h64, c64, s64 = good.split(".")
for name, t in [("two-segments", h64 + "." + c64), ("four-segments", good + "." + s64), ("trailing-dot", good + "."),
                ("empty-signature", h64 + "." + c64 + "."), ("empty-header", "." + c64 + "." + s64), ("empty-string", ""),
                ("only-dots", "..")]:
    cases.append(verify(f"structure-{name}", t, error="invalid_token", source="CVE-2020-28042"))
cases.append(verify("oversized-token", token(H, claims(pad="x" * 9000)), error="invalid_token", source="CVE-2025-61920"))
cases.append(verify("many-dots", "a" + "." * 20000, error="invalid_token", source="CVE-2025-30204"))
cases.append(verify("size-cap-configurable", good, error="invalid_token", max_token_bytes=64))
for name, t in [("padded-base64", h64 + "=." + c64 + "." + s64), ("standard-alphabet", h64 + "." + c64 + "." + s64.replace("-", "+").replace("_", "/") + ("+" if "-" not in s64 and "_" not in s64 else "")),
                ("whitespace", h64 + " ." + c64 + "." + s64), ("newline", h64 + "\n." + c64 + "." + s64)]:
    cases.append(verify(f"base64-{name}", t, error="invalid_token", source="RFC 7515 2"))
# non-zero trailing bits: the last char of a 2-byte remainder segment must encode zero low bits
raw_h = js(H)
hb = b64(raw_h)
if len(raw_h) % 3:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(hb[-1])
    cases.append(verify("base64-nonzero-trailing-bits", hb[:-1] + alphabet[last + 1] + "." + c64 + "." + s64, error="invalid_token", source="RFC 4648 3.5"))
cases.append(verify("header-not-utf8", token(None, c, alg="HS256", raw_header=b'{"alg":"HS256","x":"\xff"}'), error="invalid_token", field="header", source="RFC 8725 3.7"))
cases.append(verify("header-not-json", token(None, c, alg="HS256", raw_header=b"alg=HS256"), error="invalid_token", field="header"))
cases.append(verify("header-duplicate-alg", token(None, c, alg="HS256", raw_header=b'{"alg":"HS256","alg":"none"}'), error="invalid_token", field="header", source="RFC 7515 4"))
for name, raw in [("duplicate-exp", b'{"sub":"u","exp":%d,"exp":1}' % (NOW + 3600)), ("duplicate-custom", b'{"sub":"u","exp":%d,"role":"user","role":"admin"}' % (NOW + 3600)),
                  ("zero", b"0"), ("array", b"[]"), ("null", b"null"), ("empty-string", b'""'), ("not-json", b"hello"), ("not-utf8", b'{"sub":"\xff"}')]:
    cases.append(verify(f"claims-{name}", token(H, None, raw_claims=raw), error="invalid_token", field="payload", source="RFC 7519 4, jose tests"))
for name, hdr in [("crit-empty", {"alg": "HS256", "crit": []}), ("crit-unknown", {"alg": "HS256", "crit": ["x"], "x": 1}), ("crit-b64", {"alg": "HS256", "crit": ["b64"], "b64": False})]:
    cases.append(verify(name, token(hdr, c), error="invalid_token", field="crit", source="RFC 7515 4.1.11, CVE-2025-59420"))
cases.append(verify("b64-false-without-crit", token({"alg": "HS256", "b64": False}, c), error="invalid_token", field="b64", source="RFC 7797"))
cases.append(verify("nested-jwt-refused", token({"alg": "HS256", "cty": "JWT"}, c), error="invalid_token", field="cty"))
cases.append(verify("cty-other-is-fine", token({"alg": "HS256", "cty": "example"}, c), ok("HS256", c, typ=None)))

# --- keys and kid ------------------------------------------------------------------------------
other = "another-conformance-secret-abcdefghijklmnop"
K1 = {"alg": "HS256", "secret": SECRET, "kid": "k1"}
K2 = {"alg": "HS256", "secret": other, "kid": "k2"}
def tok_other(hdr, cl):
    si = (b64(js(hdr)) + "." + b64(js(cl))).encode()
    return si.decode() + "." + b64(hmac.new(other.encode(), si, hashlib.sha256).digest())
cases.append(verify("kid-selects-key", tok_other({"alg": "HS256", "kid": "k2"}, c), ok("HS256", c, typ=None, kid="k2"), keys=[K1, K2]))
cases.append(verify("kid-unknown", token({"alg": "HS256", "kid": "k9"}, c), error="invalid_token", field="kid", keys=[K1, K2]))
cases.append(verify("kid-path-traversal", token({"alg": "HS256", "kid": "../../../../etc/passwd"}, c), error="invalid_token", field="kid", keys=[K1, K2], source="RFC 8725 3.10"))
cases.append(verify("kid-sql", token({"alg": "HS256", "kid": "' OR '1'='1"}, c), error="invalid_token", field="kid", keys=[K1, K2]))
cases.append(verify("kid-10kb", token({"alg": "HS256", "kid": "k" * 10240}, c), error="invalid_token", keys=[K1, K2]))
cases.append(verify("kid-not-a-string", token({"alg": "HS256", "kid": 1}, c), error="invalid_token", field="kid", keys=[K1, K2]))
cases.append(verify("no-kid-two-candidate-keys", token(H, c), error="invalid_token", field="kid", keys=[K1, K2]))
cases.append(verify("no-kid-single-key-with-kid", token(H, c), ok("HS256", c), keys=[K1]))
cases.append(verify("kid-selects-key-of-other-alg", token({"alg": "HS256", "kid": "rsa"}, c), error="algorithm_not_allowed", field="alg", keys=[K1, dict(RSA_PUB, kid="rsa")], algorithms=["HS256", "RS256"]))
cases.append(verify("embedded-jwk-not-trusted", tok_other({"alg": "HS256", "jwk": {"kty": "oct", "k": b64(other.encode())}}, c), error="invalid_signature", source="CVE-2018-0114"))
cases.append(verify("jku-not-fetched", tok_other({"alg": "HS256", "jku": "https://evil.example/jwks.json"}, c), error="invalid_signature", source="RFC 8725 3.10"))
cases.append(verify("x5u-not-fetched", tok_other({"alg": "HS256", "x5u": "https://evil.example/cert.pem"}, c), error="invalid_signature"))
cases.append(verify("hmac-key-too-short", token(H, c), error="invalid_key", keys=[{"alg": "HS256", "secret": "x" * 31}], source="RFC 7518 3.2"))
cases.append(verify("hs512-key-too-short", token(H, c), error="invalid_key", keys=[{"alg": "HS512", "secret": "x" * 63}], algorithms=["HS512"], source="RFC 7518 3.2"))
cases.append(verify("rsa-1024-refused", token(H, c), error="invalid_key", keys=[{"alg": "RS256", "pem": key("rsa1024.pem")}], algorithms=["RS256"]))
cases.append(verify("key-alg-not-allowed", token(H, c), error="invalid_config", field="algorithms", keys=[RSA_PUB], algorithms=["HS256"]))
cases.append(verify("ec-key-for-rs256", token(H, c), error="invalid_key", keys=[{"alg": "RS256", "pem": key("p256.pub.pem")}], algorithms=["RS256"]))
cases.append(verify("key-spec-two-materials", token(H, c), error="invalid_key", field="keys[0].key", keys=[{"alg": "HS256", "secret": SECRET, "secret_b64": b64(SECRET.encode())}]))

# --- time claims ------------------------------------------------------------------------------------
def tv(name, cl, error=None, field=None, **cfg):
    t = token(H, cl)
    return verify(name, t, None if error else ok("HS256", cl), error=error, field=field, **cfg)
cases += [
    tv("exp-missing", claims(exp=None), "invalid_claims", "exp", source="RFC 7519 4.1.4") if False else tv("exp-missing", claims(exp=None), "invalid_claims", "exp"),
    tv("exp-string", claims(exp=str(NOW + 3600)), "invalid_claims", "exp"),
    tv("exp-bool", claims(exp=True), "invalid_claims", "exp"),
    tv("exp-huge", {"sub": "u", "exp": 1e20}, "invalid_claims", "exp"),
    tv("exp-float-truncated", claims(exp=NOW + 100.9)),
    tv("exp-at-now-with-zero-leeway", claims(exp=NOW), "token_expired", "exp", leeway=0),
    tv("exp-one-after-now-zero-leeway", claims(exp=NOW + 1), leeway=0),
    tv("exp-at-leeway-edge", claims(exp=NOW - 60, iat=NOW - 3600), "token_expired", "exp"),
    tv("exp-inside-leeway", claims(exp=NOW - 59, iat=NOW - 3600)),
    tv("nbf-future-beyond-leeway", claims(nbf=NOW + 61), "token_not_yet_valid", "nbf"),
    tv("nbf-at-leeway-edge", claims(nbf=NOW + 60)),
    tv("nbf-min-i64", claims(nbf=-9223372036854775808), "invalid_claims", "nbf"),
    tv("nbf-string", claims(nbf="0"), "invalid_claims", "nbf"),
    tv("iat-future-beyond-leeway", claims(iat=NOW + 61), "token_not_yet_valid", "iat"),
    tv("iat-inside-leeway", claims(iat=NOW + 60)),
    tv("sub-not-string", claims(sub=42), "invalid_claims", "sub"),
    tv("iss-mismatch", claims(iss="https://evil.example"), "invalid_claims", "iss", issuer="https://auth.example"),
    tv("iss-missing", claims(), "invalid_claims", "iss", issuer="https://auth.example"),
    tv("iss-match", claims(iss="https://auth.example"), issuer="https://auth.example"),
    tv("aud-match-string", claims(aud="api"), audience=["api"]),
    tv("aud-match-in-array", claims(aud=["other", "api"]), audience=["api"]),
    tv("aud-mismatch", claims(aud="other"), "invalid_claims", "aud", audience=["api"]),
    tv("aud-missing", claims(), "invalid_claims", "aud", audience=["api"]),
    tv("aud-not-expected", claims(aud="api"), "invalid_claims", "aud"),
    tv("aud-config-one-string", claims(aud=["other", "api"]), audience="api"),
    tv("aud-config-one-string-mismatch", claims(aud="other"), "invalid_claims", "aud", audience="api"),
    tv("aud-config-one-empty-string", claims(), "invalid_config", "audience", audience=""),
    tv("aud-array-with-number", claims(aud=["api", 1]), "invalid_claims", "aud", audience=["api"]),
    tv("empty-issuer-config", claims(), "invalid_config", "issuer", issuer=""),
    tv("empty-audience-config", claims(), "invalid_config", "audience", audience=[""]),
]
# typ / token substitution (RFC 8725 3.11, RFC 9068)
at = {"sub": "user-1", "iat": NOW, "exp": NOW + 3600}
cases.append(verify("typ-at-jwt-required-ok", token({"alg": "HS256", "typ": "at+jwt"}, at), ok("HS256", at, typ="at+jwt"), typ="at+jwt"))
cases.append(verify("typ-media-type-form", token({"alg": "HS256", "typ": "application/AT+JWT"}, at), ok("HS256", at, typ="application/AT+JWT"), typ="at+jwt"))
cases.append(verify("refresh-token-as-access-token", token({"alg": "HS256", "typ": "rt+jwt"}, at), error="invalid_token", field="typ", typ="at+jwt", source="RFC 8725 3.11"))
cases.append(verify("id-token-as-access-token", token(H, at), error="invalid_token", field="typ", typ="at+jwt", source="RFC 8725 3.11"))

# --- issuance -----------------------------------------------------------------------------------------
def expected_hs(header, cl):
    si = (b64(js(header)) + "." + b64(js(cl))).encode()
    return si.decode() + "." + b64(hmac.new(SECRET.encode(), si, hashlib.sha256).digest())
issue = lambda name, key_, cl, expect=None, error=None, field=None, config=None, entropy=None, **kw: {"name": name, "steps": [dict(
    {"op": "jwt.issue", "input": dict({"key": key_, "claims": cl, "now": NOW}, **({"config": config} if config else {}), **({"entropy": entropy} if entropy else {}))},
    **({"expect_error": dict({"code": error}, **({"field": field} if field else {}))} if error else {"expect": expect}))]}
cases.append(issue("issue-hs256-default", HS, {"sub": "user-1", "role": "admin"}, {"token": expected_hs(H, {"sub": "user-1", "role": "admin", "iat": NOW, "exp": NOW + 3600})}))
cases.append(issue("issue-hs256-kid-iss-aud-jti-typ", dict(HS, kid="k1"), {"sub": "u"}, {"token": expected_hs({"alg": "HS256", "kid": "k1", "typ": "at+jwt"},
    {"sub": "u", "iat": NOW, "exp": NOW + 900, "iss": "https://auth.example", "aud": "api", "jti": b64(bytes(range(16)))})},
    config={"lifetime": 900, "issuer": "https://auth.example", "audience": "api", "typ": "at+jwt", "jti": True}, entropy=bytes(range(16)).hex()))
cases.append(issue("issue-jti-entropy-exhausted", HS, {"sub": "u"}, error="entropy_unavailable", config={"jti": True}, entropy="0011"))
cases.append(issue("issue-owned-claim-exp", HS, {"sub": "u", "exp": 1}, error="invalid_input", field="exp"))
cases.append(issue("issue-owned-claim-iat", HS, {"sub": "u", "iat": 1}, error="invalid_input", field="iat"))
cases.append(issue("issue-claims-not-object", HS, ["sub"], error="invalid_input", field="claims"))
cases.append(issue("issue-lifetime-zero", HS, {}, error="invalid_config", field="lifetime", config={"lifetime": 0}))
ed_si = (b64(js({"alg": "EdDSA", "typ": "JWT"})) + "." + b64(js({"sub": "u", "iat": NOW, "exp": NOW + 3600}))).encode()
cases.append(issue("issue-eddsa-deterministic", {"alg": "EdDSA", "pem": key("ed25519.pem")}, {"sub": "u"}, {"token": ed_si.decode() + "." + b64(sign("EdDSA", ed_si))}))
# An all-zero Ed25519 seed is refused as a key (never a panic), whichever form carries it.
ZERO_SEED_PEM = "-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(bytes.fromhex("302e020100300506032b657004220420") + bytes(32)).decode() + "\n-----END PRIVATE KEY-----\n"
cases.append(issue("issue-eddsa-zero-seed-raw-refused", {"alg": "EdDSA", "raw_b64": b64(bytes(32))}, {"sub": "u"}, error="invalid_key"))
cases.append(issue("issue-eddsa-zero-seed-jwk-refused", {"alg": "EdDSA", "jwk": {"kty": "OKP", "crv": "Ed25519", "d": b64(bytes(32)), "x": b64(bytes(32))}}, {"sub": "u"}, error="invalid_key"))
cases.append(issue("issue-eddsa-zero-seed-pkcs8-refused", {"alg": "EdDSA", "pem": ZERO_SEED_PEM}, {"sub": "u"}, error="invalid_key"))
cases.append(issue("issue-with-public-key-refused", {"alg": "EdDSA", "pem": key("ed25519.pub.pem")}, {"sub": "u"}, error="invalid_key"))
for alg, priv, pub in [("ES256", "p256.pem", "p256.pub.pem"), ("RS256", "rsa2048.pem", "rsa2048.pub.pem"), ("PS256", "rsa2048.pem", "rsa2048.pub.pem"), ("EdDSA", "ed25519.pem", "ed25519.pub.pem")]:
    cl = {"sub": "u", "iat": NOW, "exp": NOW + 3600}
    cases.append({"name": f"issue-{alg.lower()}-round-trip", "steps": [
        {"op": "jwt.issue", "input": {"key": {"alg": alg, "pem": key(priv), "kid": "sig-1"}, "claims": {"sub": "u"}, "now": NOW}, "bind": "issued"},
        {"op": "jwt.verify", "input": {"config": {"algorithms": [alg]}, "keys": [{"alg": alg, "pem": key(pub), "kid": "sig-1"}], "token": {"$ref": "issued.token"}, "now": NOW + 1},
         "expect": ok(alg, cl, kid="sig-1")}]})
# env-file configuration
ENV = {"JWT_SECRET_KEY": SECRET, "JWT_ALGORITHM": "HS256", "JWT_EXPIRATION": "1800"}
def env_case(name, env, error=None, field=None):
    cl = {"sub": "u", "iat": NOW, "exp": NOW + 1800}
    step = {"op": "jwt.env_issue", "input": {"env": env, "claims": {"sub": "u"}, "now": NOW}}
    if error:
        step["expect_error"] = {"code": error, "field": field}
    else:
        step["expect"] = {"token": expected_hs(H, cl), "verified": ok("HS256", cl)}
    return {"name": name, "steps": [step]}
cases.append(env_case("env-config-ok", ENV))
cases.append(env_case("env-expiration-not-a-number", dict(ENV, JWT_EXPIRATION="soon"), "invalid_config", "JWT_EXPIRATION"))
cases.append(env_case("env-expiration-negative", dict(ENV, JWT_EXPIRATION="-5"), "invalid_config", "JWT_EXPIRATION"))
cases.append(env_case("env-algorithm-none", dict(ENV, JWT_ALGORITHM="none"), "invalid_config", "JWT_ALGORITHM"))
cases.append(env_case("env-secret-missing", {"JWT_ALGORITHM": "HS256"}, "invalid_config", "JWT_SECRET_KEY"))
cases.append(env_case("env-secret-too-short", dict(ENV, JWT_SECRET_KEY="short"), "invalid_config", "JWT_SECRET_KEY"))
cases.append(env_case("env-leeway-bad", dict(ENV, JWT_LEEWAY="1000"), "invalid_config", "JWT_LEEWAY"))
# JWKS import/export
jwks_in = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid": "ed", "alg": "EdDSA", "use": "sig"},
                    {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "kid": "ec", "alg": "ES256", "use": "sig"}]}
cases.append({"name": "jwks-round-trip", "steps": [{"op": "jwt.jwks", "input": {"jwks": jwks_in}, "expect": dict(jwks_in, skipped=[])}]})
cases.append({"name": "jwks-secret-not-exported", "steps": [{"op": "jwt.jwks", "input": {"jwks": {"keys": [{"kty": "oct", "k": b64(SECRET.encode()), "alg": "HS256", "kid": "s"}]}}, "expect": {"keys": [], "skipped": []}}]})
cases.append({"name": "jwks-duplicate-kid", "steps": [{"op": "jwt.jwks", "input": {"jwks": {"keys": [jwks_in["keys"][0], jwks_in["keys"][0]]}}, "expect_error": {"code": "invalid_key"}}]})
# RFC 7517 4.4: `alg` is optional. An OKP/Ed25519 key can only be EdDSA, so it is inferred.
cases.append({"name": "jwks-no-alg-okp-inferred", "source": "RFC 7517 4.4, RFC 8037 3.1", "steps": [{"op": "jwt.jwks", "input": {"jwks": {"keys": [{k: v for k, v in jwks_in["keys"][0].items() if k != "alg"}]}}, "expect": {"keys": [jwks_in["keys"][0]], "skipped": []}}]})
# A lone malformed key is skipped (RFC 7517 5), leaving no usable key: an error naming why.
cases.append({"name": "jwks-point-not-on-curve", "source": "RFC 7517 5", "steps": [{"op": "jwt.jwks", "input": {"jwks": {"keys": [dict(jwks_in["keys"][1], y=jwks_in["keys"][1]["x"])]}}, "expect_error": {"code": "invalid_key", "field": "keys", "detail": "The JWKS has no usable key. keys[0] (kid `ec`): The JWK point is not on P-256."}}]})
cases.append({"name": "verify-with-jwks", "steps": [{"op": "jwt.verify", "input": {"config": {"algorithms": ["ES256", "EdDSA"]}, "jwks": jwks_in, "token": A3.replace("eyJhbGciOiJFUzI1NiJ9", b64(b'{"alg":"ES256","kid":"ec"}')), "now": 1300819000}, "expect_error": {"code": "invalid_signature"}}]})

names = [c["name"] for c in cases]
assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
write_suite(os.path.join(ROOT, "vectors", "jwt", "jwt.json"),
            {"suite": "jwt", "description": "JWS/JWT verification, attacks from SECURITY.md, issuance, keys, env config. Generated by conformance/tools/gen_vectors.py.", "cases": cases},
            ensure_ascii=True, newline=False)
print(len(cases), "jwt cases")
