#!/usr/bin/env python3
"""Writes conformance/vectors/dpop/dpop.json: DPoP (RFC 9449).

Client: keys from entropy (a P-256 scalar or Ed25519 seed; the public halves computed here
with `cryptography`), proofs (the op decodes the proof it made with the server's header
checks, so the signature is verified and the expectation is the exact header and claims:
ES256 signatures are randomised on one backend, so no vector pins signature bytes),
thumbprints (RFC 7638 §3.1, RFC 9449 §6.1), `ath` (RFC 9449 §7.1), nonces kept per origin
and retried once (§8, §9), `token_type` (§5).

Server: the proof check of §4.3, one case per numbered point, each proof built and signed
here (Ed25519 and ES256 with `cryptography`, HS256 with `hmac`, `alg: none` by hand), and
the stateless nonce (`base64url(issued_at[8] ‖ random[8] ‖ HMAC-SHA256(key, those 16)[:16])`)
computed here. Every expectation is written by hand from the RFCs, never copied from the core.
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vectorlib import NOW, Suites, b64, step  # noqa: E402

SUITES = Suites()
case = SUITES.case
RFC9449 = "RFC 9449"


def ub64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def compact(o):
    return json.dumps(o, separators=(",", ":"))


def thumb(jwk):
    names = {"EC": ["crv", "kty", "x", "y"], "OKP": ["crv", "kty", "x"], "RSA": ["e", "kty", "n"]}[jwk["kty"]]
    text = json.dumps({n: jwk[n] for n in names}, separators=(",", ":"), sort_keys=True)
    return b64(hashlib.sha256(text.encode()).digest())


def ath(token):
    return b64(hashlib.sha256(token.encode()).digest())


# --- keys ----------------------------------------------------------------------------------------
# RFC 8037 A.1 (Ed25519) and RFC 7515 A.3 (P-256) private keys; public halves computed here.
ED_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
EC_D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"


def ed_key(d_b64):
    sk = ed25519.Ed25519PrivateKey.from_private_bytes(ub64(d_b64))
    x = sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sk, {"kty": "OKP", "crv": "Ed25519", "x": b64(x)}


def ec_key(d_b64):
    sk = ec.derive_private_key(int.from_bytes(ub64(d_b64), "big"), ec.SECP256R1())
    nums = sk.public_key().public_numbers()
    return sk, {"kty": "EC", "crv": "P-256", "x": b64(nums.x.to_bytes(32, "big")), "y": b64(nums.y.to_bytes(32, "big"))}


ED_SK, ED_PUB = ed_key(ED_D)
EC_SK, EC_PUB = ec_key(EC_D)
ED_PRIV = dict(ED_PUB, d=ED_D)
EC_PRIV = dict(EC_PUB, d=EC_D)
OTHER_SK, OTHER_PUB = ed_key(b64(bytes(range(32))))


def sign(alg, header, claims, key=None):
    """A compact JWS over `header` and `claims` (compact JSON, members in the given order)."""
    signing_input = b64(compact(header).encode()) + "." + b64(compact(claims).encode())
    data = signing_input.encode()
    if alg == "EdDSA":
        sig = (key or ED_SK).sign(data)
    elif alg == "ES256":
        r, s = decode_dss_signature((key or EC_SK).sign(data, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    elif alg == "HS256":
        sig = hmac.new(b"k" * 32, data, hashlib.sha256).digest()
    elif alg == "none":
        return signing_input + "."
    else:
        raise ValueError(alg)
    return signing_input + "." + b64(sig)


# --- helpers ---------------------------------------------------------------------------------------
RS = "https://rs.example.com/mcp"
AS = "https://as.example.com/token"
TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"  # RFC 9449 §7.1
NONCE_KEY = bytes(range(100, 132))
NONCE_CONFIG = {"require_nonce": True, "nonce_key": b64(NONCE_KEY)}
MAX_AGE, LEEWAY = 300, 60


def nonce(issued_at, rand):
    body = struct.pack(">q", issued_at) + rand
    return b64(body + hmac.new(NONCE_KEY, body, hashlib.sha256).digest()[:16])


def header(alg="EdDSA", jwk=None, **extra):
    h = {"typ": "dpop+jwt", "alg": alg, "jwk": jwk or (ED_PUB if alg == "EdDSA" else EC_PUB)}
    h.update(extra)
    return {k: v for k, v in h.items() if v is not None}


def claims(htm="POST", htu=RS, iat=NOW, jti="e1j3V_bKic8-LAEB", token=TOKEN, **extra):
    c = {"jti": jti, "htm": htm, "htu": htu, "iat": iat}
    if token is not None:
        c["ath"] = ath(token)
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def request(proof, method="POST", url=RS, headers=None):
    h = {"DPoP": proof} if proof is not None else {}
    h.update(headers or {})
    return {"method": method, "url": url, "headers": h}


def record(c, jwk, alg):
    jkt = thumb(jwk)
    return {"jti": c["jti"], "replay_key": hashlib.sha256((jkt + ":" + c["jti"]).encode()).hexdigest(),
            "expires_at": c["iat"] + MAX_AGE + LEEWAY, "jkt": jkt, "alg": alg, "htm": c["htm"],
            "htu": c["htu"], "iat": c["iat"]}


def check(name, proof_or_req, expect=None, error=None, field=None, token=TOKEN, jkt=None, config=None, now=NOW, source=RFC9449 + " §4.3"):
    req = proof_or_req if isinstance(proof_or_req, dict) else request(proof_or_req)
    inp = {"request": req, "now": now}
    if config is not None:
        inp["config"] = config
    if token is not None:
        inp["access_token"] = token
        inp["jkt"] = jkt or thumb(ED_PUB)
    elif jkt is not None:
        inp["jkt"] = jkt
    case("dpop", name, step("dpop.check", inp, expect=expect, error=error, field=field), source=source)


# --- thumbprints and hashes ---------------------------------------------------------------------------
RFC7638_JWK = {"kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
               "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}
case("dpop", "thumbprint-rfc7638-example",
     step("dpop.thumbprint", {"jwk": RFC7638_JWK}, {"jkt": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"}), source="RFC 7638 §3.1")
RFC9449_JWK = {"kty": "EC", "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs", "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA", "crv": "P-256"}
case("dpop", "thumbprint-rfc9449-example-key",
     step("dpop.thumbprint", {"jwk": RFC9449_JWK}, {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}), source="RFC 9449 §4.1, §6.1")
case("dpop", "thumbprint-okp-ignores-other-members",
     step("dpop.thumbprint", {"jwk": dict(ED_PUB, alg="EdDSA", kid="k1", use="sig")}, {"jkt": thumb(ED_PUB)}), source="RFC 7638 §3.2")
case("dpop", "thumbprint-missing-member", step("dpop.thumbprint", {"jwk": {"kty": "EC", "crv": "P-256", "x": "AA"}}, error="invalid_key", field="y"))
case("dpop", "thumbprint-symmetric-key", step("dpop.thumbprint", {"jwk": {"kty": "oct", "k": "AAAA"}}, error="invalid_key", field="kty"))
case("dpop", "access-token-hash-rfc9449-example",
     step("dpop.access_token_hash", {"access_token": TOKEN}, {"ath": "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"}), source="RFC 9449 §7.1")

for name, url, want in [
    ("htu-drops-query-and-fragment", "https://rs.example.com/mcp?session=1#frag", "https://rs.example.com/mcp"),
    ("htu-lowercases-scheme-and-host-drops-default-port", "HTTPS://RS.Example.COM:443/MCP", "https://rs.example.com/MCP"),
    ("htu-empty-path-is-slash", "https://rs.example.com", "https://rs.example.com/"),
    ("htu-keeps-other-port", "http://127.0.0.1:8080/token", "http://127.0.0.1:8080/token"),
]:
    case("dpop", name, step("dpop.normalize_htu", {"url": url}, {"htu": want}), source="RFC 9449 §4.2, RFC 3986 §6.2.2-6.2.3")
for name, url in [("htu-relative-refused", "/mcp"), ("htu-other-scheme-refused", "ftp://rs.example.com/x"), ("htu-userinfo-refused", "https://u:p@rs.example.com/")]:
    case("dpop", name, step("dpop.normalize_htu", {"url": url}, error="invalid_input", field="url"))

# --- keys ------------------------------------------------------------------------------------------
GEN_EC = bytes([0x11] * 32)
_, gen_ec_pub = ec_key(b64(GEN_EC))
case("dpop", "generate-es256-from-entropy",
     step("dpop.generate", {"alg": "ES256", "entropy": GEN_EC.hex()},
          {"jwk": dict(gen_ec_pub, d=b64(GEN_EC)), "public_jwk": gen_ec_pub, "thumbprint": thumb(gen_ec_pub)}))
_, gen_ed_pub = ed_key(b64(GEN_EC))
case("dpop", "generate-eddsa-from-entropy",
     step("dpop.generate", {"alg": "EdDSA", "entropy": GEN_EC.hex()},
          {"jwk": dict(gen_ed_pub, d=b64(GEN_EC)), "public_jwk": gen_ed_pub, "thumbprint": thumb(gen_ed_pub)}))
case("dpop", "generate-es256-zero-scalar-draws-again",
     step("dpop.generate", {"alg": "ES256", "entropy": (bytes(32) + GEN_EC).hex()},
          {"jwk": dict(gen_ec_pub, d=b64(GEN_EC)), "public_jwk": gen_ec_pub, "thumbprint": thumb(gen_ec_pub)}))
case("dpop", "generate-refuses-hmac", step("dpop.generate", {"alg": "HS256", "entropy": GEN_EC.hex()}, error="invalid_input", field="alg"))
case("dpop", "generate-short-entropy", step("dpop.generate", {"alg": "EdDSA", "entropy": "0011"}, error="entropy_unavailable"))

# --- proofs ----------------------------------------------------------------------------------------
JTI_BYTES = bytes(range(16))


def proof_case(name, key_priv, pub, alg, method, url, htu, token=None, nonce_value=None, source=RFC9449 + " §4.2"):
    inp = {"key": key_priv, "method": method, "url": url, "now": NOW, "entropy": JTI_BYTES.hex()}
    c = {"htm": method, "htu": htu, "iat": NOW, "jti": b64(JTI_BYTES)}
    if token is not None:
        inp["access_token"] = token
        c["ath"] = ath(token)
    if nonce_value is not None:
        inp["nonce"] = nonce_value
        c["nonce"] = nonce_value
    want = {"alg": alg, "jkt": thumb(pub), "header": {"alg": alg, "jwk": pub, "typ": "dpop+jwt"}, "claims": c}
    case("dpop", name, step("dpop.proof", inp, want), source=source)


proof_case("proof-es256-token-request", EC_PRIV, EC_PUB, "ES256", "POST", AS, AS)
proof_case("proof-eddsa-token-request", ED_PRIV, ED_PUB, "EdDSA", "POST", AS + "?x=1", AS)
proof_case("proof-es256-resource-request-with-ath", EC_PRIV, EC_PUB, "ES256", "GET", RS + "?cursor=2#top", RS, token=TOKEN,
           source=RFC9449 + " §4.2, §7.1")
proof_case("proof-eddsa-with-server-nonce", ED_PRIV, ED_PUB, "EdDSA", "POST", RS, RS, token=TOKEN, nonce_value="eyJ7S_zG.eyJH0-Z.HX4w-7v",
           source=RFC9449 + " §8, §9")
case("dpop", "proof-bad-method", step("dpop.proof", {"key": ED_PRIV, "method": "GE T", "url": RS, "now": NOW, "entropy": JTI_BYTES.hex()},
                                      error="invalid_input", field="method"))
case("dpop", "proof-relative-url", step("dpop.proof", {"key": ED_PRIV, "method": "GET", "url": "/mcp", "now": NOW, "entropy": JTI_BYTES.hex()},
                                        error="invalid_input", field="url"))
case("dpop", "proof-key-without-private-part", step("dpop.proof", {"key": ED_PUB, "method": "GET", "url": RS, "now": NOW, "entropy": JTI_BYTES.hex()},
                                                    error="invalid_key"))

# --- server: the proof check --------------------------------------------------------------------------
good_c = claims()
check("check-valid-eddsa-resource-request", sign("EdDSA", header(), good_c), expect=record(good_c, ED_PUB, "EdDSA"))
tok_c = claims(htu=AS, token=None)
check("check-valid-es256-token-request", request(sign("ES256", header("ES256"), tok_c), url=AS), expect=record(tok_c, EC_PUB, "ES256"), token=None)
norm_c = claims(htu="HTTPS://RS.EXAMPLE.COM:443/mcp")
check("check-htu-compared-normalised-and-request-query-ignored", request(sign("EdDSA", header(), norm_c), url=RS + "?session=abc"),
      expect=dict(record(norm_c, ED_PUB, "EdDSA"), htu=RS), source=RFC9449 + " §4.3 point 9")
lower_hdr = sign("EdDSA", header(), good_c)
check("check-header-name-any-case", {"method": "POST", "url": RS, "headers": {"dpop": lower_hdr}}, expect=record(good_c, ED_PUB, "EdDSA"))
for iat in [NOW - MAX_AGE - LEEWAY, NOW + LEEWAY]:
    c = claims(iat=iat)
    check("check-iat-at-window-edge-%s" % ("oldest" if iat < NOW else "newest"), sign("EdDSA", header(), c), expect=record(c, ED_PUB, "EdDSA"), source=RFC9449 + " §4.3 point 11, §11.1")

check("refuse-missing-dpop-header", request(None), error="invalid_dpop_proof", field="DPoP", source=RFC9449 + " §4.3 point 1")
check("refuse-two-dpop-headers", request(lower_hdr, headers={"dpop": lower_hdr}), error="invalid_dpop_proof", field="DPoP", source=RFC9449 + " §4.3 point 1")
check("refuse-two-dpop-values-joined", request(lower_hdr + ", " + lower_hdr), error="invalid_dpop_proof", field="DPoP", source=RFC9449 + " §4.3 point 1")
check("refuse-empty-dpop-header", request(""), error="invalid_dpop_proof", field="DPoP", source=RFC9449 + " §4.3 point 1")
check("refuse-not-a-jwt", request("not.a-jwt"), error="invalid_dpop_proof", field="DPoP", source=RFC9449 + " §4.3 point 2")
check("refuse-jwe-five-segments", request("eyJhbGciOiJub25lIn0.a.b.c.d"), error="invalid_dpop_proof", field="DPoP", source=RFC9449 + " §4.3 point 2")
check("refuse-typ-jwt", sign("EdDSA", header(typ="JWT"), good_c), error="invalid_dpop_proof", field="typ", source=RFC9449 + " §4.3 point 4")
check("refuse-typ-missing", sign("EdDSA", {"alg": "EdDSA", "jwk": ED_PUB}, good_c), error="invalid_dpop_proof", field="typ", source=RFC9449 + " §4.3 point 4")
check("refuse-alg-none", sign("none", header("none", jwk=ED_PUB), good_c), error="invalid_dpop_proof", field="alg", source=RFC9449 + " §4.3 point 5")
check("refuse-alg-hs256", sign("HS256", header("HS256", jwk=ED_PUB), good_c), error="invalid_dpop_proof", field="alg", source=RFC9449 + " §4.3 point 5")
check("refuse-alg-not-on-allow-list", sign("EdDSA", header(), good_c), error="invalid_dpop_proof", field="alg", config={"algorithms": ["ES256"]},
      source=RFC9449 + " §4.3 point 5")
check("refuse-private-key-in-jwk", sign("EdDSA", header(jwk=ED_PRIV), good_c), error="invalid_dpop_proof", field="jwk", source=RFC9449 + " §4.3 point 7")
check("refuse-jwk-missing", sign("EdDSA", {"typ": "dpop+jwt", "alg": "EdDSA"}, good_c), error="invalid_dpop_proof", field="jwk", source=RFC9449 + " §4.3 point 7")
check("refuse-jwk-does-not-fit-alg", sign("EdDSA", header(jwk=EC_PUB), good_c), error="invalid_dpop_proof", field="jwk", source=RFC9449 + " §4.3 point 6")
check("refuse-signature-by-another-key", sign("EdDSA", header(), good_c, key=OTHER_SK), error="invalid_dpop_proof", field="signature",
      source=RFC9449 + " §4.3 point 6")
good = sign("EdDSA", header(), good_c)
head, _, sig = good.rpartition(".")
tampered = head + "." + ("B" if sig[0] == "A" else "A") + sig[1:]
check("refuse-tampered-signature", tampered, error="invalid_dpop_proof", field="signature", source=RFC9449 + " §4.3 point 6")
check("refuse-crit-header", sign("EdDSA", header(crit=["exp"]), good_c), error="invalid_dpop_proof", field="crit", source="RFC 7515 §4.1.11")
for missing in ["jti", "htm", "htu", "iat"]:
    c = dict(good_c)
    del c[missing]
    check("refuse-missing-" + missing, sign("EdDSA", header(), c), error="invalid_dpop_proof", field=missing, source=RFC9449 + " §4.3 point 3")
check("refuse-htm-mismatch", sign("EdDSA", header(), claims(htm="GET")), error="invalid_dpop_proof", field="htm", source=RFC9449 + " §4.3 point 8")
check("refuse-htm-lowercase", sign("EdDSA", header(), claims(htm="post")), error="invalid_dpop_proof", field="htm", source=RFC9449 + " §4.3 point 8")
check("refuse-htu-other-path", sign("EdDSA", header(), claims(htu="https://rs.example.com/other")), error="invalid_dpop_proof", field="htu",
      source=RFC9449 + " §4.3 point 9")
check("refuse-htu-other-host", sign("EdDSA", header(), claims(htu="https://evil.example.com/mcp")), error="invalid_dpop_proof", field="htu",
      source=RFC9449 + " §4.3 point 9")
check("refuse-htu-with-query", sign("EdDSA", header(), claims(htu=RS + "?session=abc")), error="invalid_dpop_proof", field="htu",
      source=RFC9449 + " §4.2 (htu without query and fragment)")
check("refuse-iat-too-old", sign("EdDSA", header(), claims(iat=NOW - MAX_AGE - LEEWAY - 1)), error="invalid_dpop_proof", field="iat",
      source=RFC9449 + " §4.3 point 11")
check("refuse-iat-too-new", sign("EdDSA", header(), claims(iat=NOW + LEEWAY + 1)), error="invalid_dpop_proof", field="iat",
      source=RFC9449 + " §4.3 point 11")
check("refuse-iat-not-a-number", sign("EdDSA", header(), claims(iat=str(NOW))), error="invalid_dpop_proof", field="iat", source=RFC9449 + " §4.2")
check("refuse-ath-mismatch", sign("EdDSA", header(), claims(token="another-token")), error="invalid_dpop_proof", field="ath",
      source=RFC9449 + " §4.3 point 12")
check("refuse-ath-missing", sign("EdDSA", header(), claims(token=None)), error="invalid_dpop_proof", field="ath", source=RFC9449 + " §4.3 point 12")
check("refuse-jkt-mismatch", good, error="invalid_dpop_proof", field="jkt", jkt=thumb(OTHER_PUB), source=RFC9449 + " §4.3 point 12, §6.1")
case("dpop", "refuse-access-token-without-jkt",
     step("dpop.check", {"request": request(good), "access_token": TOKEN, "now": NOW}, error="invalid_input", field="jkt"))

# nonces (stateless, issued by the checker)
N_RAND = bytes([0xAB] * 8)
case("dpop", "issue-nonce", step("dpop.issue_nonce", {"config": NONCE_CONFIG, "now": NOW, "entropy": N_RAND.hex()}, {"nonce": nonce(NOW, N_RAND)}),
     source=RFC9449 + " §8, §9")
case("dpop", "issue-nonce-needs-key", step("dpop.issue_nonce", {"config": {}, "now": NOW, "entropy": N_RAND.hex()}, error="invalid_config", field="nonce_key"))
case("dpop", "require-nonce-needs-key", step("dpop.check", {"config": {"require_nonce": True}, "request": request(good), "now": NOW},
                                             error="invalid_config", field="nonce_key"))
case("dpop", "short-nonce-key-refused", step("dpop.check", {"config": {"nonce_key": b64(bytes(31))}, "request": request(good), "now": NOW},
                                             error="invalid_config", field="nonce_key"))
case("dpop", "hmac-algorithm-refused-in-config", step("dpop.check", {"config": {"algorithms": ["ES256", "HS256"]}, "request": request(good), "now": NOW},
                                                      error="invalid_config", field="algorithms"))
n_ok = nonce(NOW - 100, N_RAND)
c = claims(nonce=n_ok)
check("check-with-valid-nonce", sign("EdDSA", header(), c), expect=record(c, ED_PUB, "EdDSA"), config=NONCE_CONFIG, source=RFC9449 + " §4.3 point 10, §9")
check("refuse-missing-nonce", good, error="use_dpop_nonce", field="nonce", config=NONCE_CONFIG, source=RFC9449 + " §4.3 point 10, §9")
forged = b64(ub64(n_ok)[:16] + bytes(16))
check("refuse-forged-nonce", sign("EdDSA", header(), claims(nonce=forged)), error="use_dpop_nonce", field="nonce", config=NONCE_CONFIG,
      source=RFC9449 + " §4.3 point 10")
check("refuse-expired-nonce", sign("EdDSA", header(), claims(nonce=nonce(NOW - 301, N_RAND))), error="use_dpop_nonce", field="nonce",
      config=NONCE_CONFIG, source=RFC9449 + " §4.3 point 10")
check("refuse-nonce-from-the-future", sign("EdDSA", header(), claims(nonce=nonce(NOW + 61, N_RAND))), error="use_dpop_nonce", field="nonce",
      config=NONCE_CONFIG, source=RFC9449 + " §4.3 point 10")

# replay: the host stores the record's replay_key and says whether it had seen it
rec = record(good_c, ED_PUB, "EdDSA")
case("dpop", "replay-first-use-passes", step("dpop.check_replay", {"record": rec, "seen": False}, {}), source=RFC9449 + " §11.1")
case("dpop", "replay-refused-when-seen", step("dpop.check_replay", {"record": rec, "seen": True}, error="invalid_dpop_proof", field="jti"),
     source=RFC9449 + " §11.1")
case("dpop", "replay-same-proof-twice-has-same-key",
     step("dpop.check", {"request": request(good), "access_token": TOKEN, "jkt": thumb(ED_PUB), "now": NOW}, rec),
     step("dpop.check", {"request": request(good), "access_token": TOKEN, "jkt": thumb(ED_PUB), "now": NOW + 5}, rec), source=RFC9449 + " §11.1")

# challenges and token endpoint errors
case("dpop", "challenge-without-error", step("dpop.challenge", {}, {"www_authenticate": 'DPoP algs="ES256 EdDSA PS256 RS256"'}), source=RFC9449 + " §7.1")
case("dpop", "challenge-use-dpop-nonce",
     step("dpop.challenge", {"config": {"algorithms": ["ES256"]}, "error": {"code": "use_dpop_nonce", "detail": "The proof has no nonce."}},
          {"www_authenticate": 'DPoP algs="ES256", error="use_dpop_nonce", error_description="The proof has no nonce."'}), source=RFC9449 + " §9")
case("dpop", "challenge-invalid-dpop-proof-quotes-sanitised",
     step("dpop.challenge", {"config": {"algorithms": ["EdDSA"]}, "error": {"code": "invalid_dpop_proof", "detail": 'bad "x"\\'}},
          {"www_authenticate": 'DPoP algs="EdDSA", error="invalid_dpop_proof", error_description="bad ?x??"'}), source=RFC9449 + " §7.1, RFC 6749 §5.2")
case("dpop", "challenge-token-error",
     step("dpop.challenge", {"config": {"algorithms": ["ES256"]}, "error": {"code": "token_expired", "detail": "Token has expired."}},
          {"www_authenticate": 'DPoP algs="ES256", error="invalid_token", error_description="Token has expired."'}), source="RFC 6750 §3.1")
case("dpop", "token-endpoint-use-dpop-nonce",
     step("dpop.token_endpoint_error", {"error": {"code": "use_dpop_nonce", "detail": "The proof has no nonce."}, "nonce": "n-1"},
          {"status": 400, "headers": {"Cache-Control": "no-store", "Content-Type": "application/json", "DPoP-Nonce": "n-1"},
           "body": '{"error":"use_dpop_nonce","error_description":"The proof has no nonce."}'}), source=RFC9449 + " §8")
case("dpop", "token-endpoint-invalid-proof",
     step("dpop.token_endpoint_error", {"error": {"code": "invalid_dpop_proof", "detail": "The proof is too old."}},
          {"status": 400, "headers": {"Cache-Control": "no-store", "Content-Type": "application/json"},
           "body": '{"error":"invalid_dpop_proof","error_description":"The proof is too old."}'}), source=RFC9449 + " §5")

# --- client: nonces, token types, binding --------------------------------------------------------------
AS_CHALLENGE = {"status": 400, "headers": {"DPoP-Nonce": "as-n1", "Content-Type": "application/json"},
                "body": '{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}'}
RS_CHALLENGE = {"status": 401, "headers": {"WWW-Authenticate": 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
                                           "DPoP-Nonce": "rs-n1"}, "body": ""}
case("dpop", "nonces-token-endpoint-challenge-retried-once",
     step("dpop.nonces.new", {}, {}),
     step("dpop.nonces.handle_response", {"url": AS, "response": AS_CHALLENGE, "already_retried": False}, {"retry": True}),
     step("dpop.nonces.nonce_for", {"url": "https://as.example.com/register"}, {"nonce": "as-n1"}),
     step("dpop.nonces.handle_response", {"url": AS, "response": AS_CHALLENGE, "already_retried": True}, {"retry": False}),
     step("dpop.nonces.nonce_for", {"url": RS}, {"nonce": None}), source=RFC9449 + " §8")
case("dpop", "nonces-resource-server-challenge",
     step("dpop.nonces.new", {"nonces": {"https://as.example.com": "as-n1"}}, {}),
     step("dpop.nonces.handle_response", {"url": RS, "response": RS_CHALLENGE, "already_retried": False}, {"retry": True}),
     step("dpop.nonces.nonce_for", {"url": RS + "?x"}, {"nonce": "rs-n1"}),
     step("dpop.nonces.nonce_for", {"url": AS}, {"nonce": "as-n1"}),
     step("dpop.nonces.handle_response", {"url": RS, "response": {"status": 200, "headers": {"DPoP-Nonce": "rs-n2"}, "body": "{}"}, "already_retried": False},
          {"retry": False}),
     step("dpop.nonces.nonce_for", {"url": RS}, {"nonce": "rs-n2"}), source=RFC9449 + " §9")
case("dpop", "nonces-challenge-without-nonce-not-retried",
     step("dpop.nonces.new", {}, {}),
     step("dpop.nonces.handle_response", {"url": RS, "response": {"status": 401, "headers": {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"'}, "body": ""},
                                          "already_retried": False}, {"retry": False}), source=RFC9449 + " §9")
case("dpop", "nonces-other-scheme-error-not-ours",
     step("dpop.nonces.new", {}, {}),
     step("dpop.nonces.handle_response", {"url": RS, "response": {"status": 401, "headers": {"WWW-Authenticate": 'Bearer error="use_dpop_nonce", DPoP algs="ES256"',
                                                                                                "DPoP-Nonce": "x"}, "body": ""},
                                          "already_retried": False}, {"retry": False}),
     step("dpop.nonces.handle_response", {"url": RS, "response": {"status": 401, "headers": {"WWW-Authenticate": 'Bearer realm="a,b", dpop ERROR=use_dpop_nonce',
                                                                                                "DPoP-Nonce": "y"}, "body": ""},
                                          "already_retried": False}, {"retry": True}), source="RFC 9110 §11.6.1")

for name, tt, requested, allow, want, field in [
    ("token-type-dpop-when-requested", "DPoP", True, False, "DPoP", None),
    ("token-type-case-insensitive", "dpop", True, False, "DPoP", None),
    ("token-type-bearer-refused-when-dpop-requested", "Bearer", True, False, None, "token_type"),
    ("token-type-bearer-allowed-by-flag", "Bearer", True, True, "Bearer", None),
    ("token-type-dpop-not-requested-refused", "DPoP", False, False, None, "token_type"),
    ("token-type-unknown-refused", "mac", False, False, None, "token_type"),
]:
    inp = {"token_type": tt, "dpop_requested": requested, "allow_bearer": allow}
    case("dpop", name, step("dpop.check_token_type", inp, {"scheme": want} if want else None, error=None if want else "invalid_response", field=field),
         source=RFC9449 + " §5, RFC 6749 §7.1")

case("dpop", "confirmation-claim", step("dpop.confirmation", {"jkt": thumb(ED_PUB)}, {"cnf": {"jkt": thumb(ED_PUB)}}), source=RFC9449 + " §6.1")
BOUND = {"sub": "u1", "cnf": {"jkt": thumb(ED_PUB)}}
case("dpop", "binding-dpop-token-as-dpop", step("dpop.check_token_binding", {"claims": BOUND, "scheme": "DPoP"}, {"jkt": thumb(ED_PUB)}), source=RFC9449 + " §7.1")
case("dpop", "binding-dpop-token-as-bearer-refused", step("dpop.check_token_binding", {"claims": BOUND, "scheme": "Bearer"}, error="invalid_token", field="cnf"),
     source=RFC9449 + " §7.1")
case("dpop", "binding-bearer-token-as-dpop-refused", step("dpop.check_token_binding", {"claims": {"sub": "u1"}, "scheme": "DPoP"}, error="invalid_token", field="cnf"),
     source=RFC9449 + " §7.1")
case("dpop", "binding-bearer-token-as-bearer", step("dpop.check_token_binding", {"claims": {"sub": "u1"}, "scheme": "Bearer"}, {"jkt": None}))
case("dpop", "binding-cnf-without-jkt-refused", step("dpop.check_token_binding", {"claims": {"cnf": {"x5t#S256": "abc"}}, "scheme": "DPoP"},
                                                      error="invalid_token", field="cnf"), source=RFC9449 + " §6.1")

SUITES.write({"dpop": "DPoP (RFC 9449): keys, proofs, thumbprints, nonces, the server proof check with every refusal, replay records, token binding."})
