#!/usr/bin/env python3
"""Writes conformance/vectors/jwt/interop.json and conformance/vectors/providers/*.json:
what real identity providers and peer libraries send, and what authcore makes of it.

* `jwt/interop.json`: JWKS tolerance (RFC 7517 section 5), algorithm inference for JWKs
  without `alg`, RFC 9864's `Ed25519` name, ES256K (RFC 8812), the single-key `kid` setting.
* `providers/jwks.json`: JWKS documents shaped like Keycloak's, Entra ID's, Auth0's,
  Google's and Okta's (their members, their extra keys) and joserfc's default export, loaded
  and used to verify tokens.
* `providers/token_responses.json`: token responses shaped like GitHub's, GitLab's,
  Keycloak's (offline tokens), Azure AD v1's, Entra ID's (a large token), Slack's.
* `providers/errors.json`: error responses as providers send them, some with status 200.
* `providers/device.json`: device authorization and polling as GitHub, Entra ID and Google
  answer them (GitHub polls answer 200 with an `error` member).

The key material is the repository's test keys (conformance/keys/), dressed in each
provider's JSON members; tokens are signed here with the `openssl` CLI, never with authcore.
Every expectation is written by hand from the RFCs and the providers' public documentation
named in each case's `source`.
"""
import base64, hashlib, json, os, subprocess, tempfile

from vectorlib import ROOT, b64, form, write_suite

KEYS = os.path.join(ROOT, "keys")
NOW = 1700000000



def js(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True, capture_output=True).stdout


def key_path(name):
    return os.path.join(KEYS, name)


def pub_der(name):
    return openssl("pkey", "-pubin", "-in", key_path(name), "-outform", "DER")


# --- key material, read from the test keys ---------------------------------------------------
ED_X = b64(pub_der("ed25519.pub.pem")[-32:])
_p = pub_der("p256.pub.pem")[-65:]
P256_X, P256_Y = b64(_p[1:33]), b64(_p[33:])
_k = pub_der("secp256k1.pub.pem")[-65:]
K1_X, K1_Y = b64(_k[1:33]), b64(_k[33:])
_mod = openssl("rsa", "-pubin", "-in", key_path("rsa2048.pub.pem"), "-noout", "-modulus").decode().strip().split("=", 1)[1]
RSA_N, RSA_E = b64(bytes.fromhex(_mod)), "AQAB"
CERT_DER = openssl("x509", "-in", key_path("rsa2048.cert.pem"), "-outform", "DER")
X5C = [base64.b64encode(CERT_DER).decode()]
X5T = b64(hashlib.sha1(CERT_DER).digest())
X5T256 = b64(hashlib.sha256(CERT_DER).digest())
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def der_to_p1363(der):
    assert der[0] == 0x30
    i, out = 2, b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\x00").rjust(32, b"\x00")
        i += 2 + n
    return out


def sign(alg, si):
    with tempfile.NamedTemporaryFile() as f:
        f.write(si)
        f.flush()
        if alg in ("EdDSA", "Ed25519"):
            return openssl("pkeyutl", "-sign", "-inkey", key_path("ed25519.pem"), "-rawin", "-in", f.name)
        if alg == "ES256":
            return der_to_p1363(openssl("dgst", "-sha256", "-sign", key_path("p256.pem"), f.name))
        if alg == "ES256K":
            return der_to_p1363(openssl("dgst", "-sha256", "-sign", key_path("secp256k1.pem"), f.name))
        if alg == "RS256":
            return openssl("dgst", "-sha256", "-sign", key_path("rsa2048.pem"), f.name)
    raise ValueError(alg)


def token(header, claims):
    si = (b64(js(header)) + "." + b64(js(claims))).encode()
    return si.decode() + "." + b64(sign(header["alg"], si))


CLAIMS = {"sub": "user-1", "iat": NOW, "exp": NOW + 3600}


def verified(alg, claims=CLAIMS, kid=None, typ=None):
    out = {"alg": alg, "claims": claims}
    if kid:
        out["kid"] = kid
    if typ:
        out["typ"] = typ
    return out


def case(cases, name, *steps, source=None):
    c = {"name": name, "steps": list(steps)}
    if source:
        c["source"] = source
    cases.append(c)


def step(op, input, expect=None, error=None, field=None, detail=None):
    s = {"op": op, "input": input}
    if error:
        s["expect_error"] = {"code": error, **({"field": field} if field else {}), **({"detail": detail} if detail else {})}
    else:
        s["expect"] = expect
    return s


def verify(config, tok, expect=None, keys=None, jwks=None, default_alg=None, now=NOW + 10, **err):
    i = {"config": config, "token": tok, "now": now}
    if keys is not None:
        i["keys"] = keys
    if jwks is not None:
        i["jwks"] = jwks
    if default_alg:
        i["default_alg"] = default_alg
    return step("jwt.verify", i, expect, **err)


def jwks_step(jwks, expect=None, default_alg=None, **err):
    i = {"jwks": jwks}
    if default_alg:
        i["default_alg"] = default_alg
    return step("jwt.jwks", i, expect, **err)


def skipped(index, kid, reason, detail):
    return {"index": index, "kid": kid, "reason_code": reason, "detail": detail}


def exported(jwk, alg):
    """The public JWK authcore exports for a loaded key: key members, `alg`, `use: sig`, `kid`."""
    members = {"OKP": ("kty", "crv", "x"), "EC": ("kty", "crv", "x", "y"), "RSA": ("kty", "n", "e")}[jwk["kty"]]
    out = {m: jwk[m] for m in members}
    out["alg"] = alg
    out["use"] = "sig"
    if "kid" in jwk:
        out["kid"] = jwk["kid"]
    return out


ED_JWK = {"kty": "OKP", "crv": "Ed25519", "x": ED_X}
P256_JWK = {"kty": "EC", "crv": "P-256", "x": P256_X, "y": P256_Y}
K1_JWK = {"kty": "EC", "crv": "secp256k1", "x": K1_X, "y": K1_Y}
RSA_JWK = {"kty": "RSA", "n": RSA_N, "e": RSA_E}
NO_KEY = "The JWKS has no usable key. "
RSA_AMBIGUOUS = "An RSA JWK without `alg` may be for RS256 or PS256; give `default_alg`."

# =============================================================================================
# jwt/interop.json
# =============================================================================================
interop = []

# --- RFC 9864 `Ed25519` ---------------------------------------------------------------------
ed_hdr = {"alg": "Ed25519", "kid": "ed-1", "typ": "JWT"}
case(interop, "ed25519-header-verified-as-eddsa",
     verify({"algorithms": ["EdDSA"]}, token(ed_hdr, CLAIMS), verified("EdDSA", kid="ed-1", typ="JWT"),
            keys=[{"kid": "ed-1", "jwk": dict(ED_JWK, alg="Ed25519")}]),
     source="RFC 9864 2.2 (Ed25519 is EdDSA with the Ed25519 curve); joserfc emits it")
case(interop, "ed25519-allow-list-name-accepts-eddsa-header",
     verify({"algorithms": ["Ed25519"]}, token({"alg": "EdDSA"}, CLAIMS), verified("EdDSA"),
            keys=[{"alg": "EdDSA", "jwk": ED_JWK}]),
     source="RFC 9864 2.2")
case(interop, "ed25519-key-refuses-an-es256-token",
     verify({"algorithms": ["EdDSA", "ES256"]}, token({"alg": "ES256"}, CLAIMS),
            keys=[{"jwk": dict(ED_JWK, alg="Ed25519")}], error="algorithm_not_allowed", field="alg"),
     source="RFC 8725 3.1 (no algorithm switching)")
case(interop, "ed25519-jwk-for-es256-refused",
     step("jwt.verify_signature", {"key": {"alg": "ES256", "jwk": dict(ED_JWK, alg="Ed25519")}, "signing_input": "a.b", "signature": b64(b"\0" * 64)},
          error="invalid_key", field="alg"))

# --- ES256K (RFC 8812) --------------------------------------------------------------------------
k1_tok = token({"alg": "ES256K", "kid": "k1"}, CLAIMS)
case(interop, "es256k-jwk-without-alg-inferred",
     verify({"algorithms": ["ES256K"]}, k1_tok, verified("ES256K", kid="k1"), jwks={"keys": [dict(K1_JWK, kid="k1")]}),
     source="RFC 8812 3.2, RFC 7517 4.4")
case(interop, "es256k-pem-key",
     verify({"algorithms": ["ES256K"]}, token({"alg": "ES256K"}, CLAIMS), verified("ES256K"),
            keys=[{"alg": "ES256K", "pem": open(key_path("secp256k1.pub.pem")).read()}]),
     source="RFC 8812 3.2")
case(interop, "es256k-token-against-p256-key",
     verify({"algorithms": ["ES256", "ES256K"]}, token({"alg": "ES256K"}, CLAIMS), keys=[{"alg": "ES256", "jwk": P256_JWK}],
            error="algorithm_not_allowed", field="alg"))
case(interop, "es256k-not-on-allow-list",
     verify({"algorithms": ["ES256"]}, token({"alg": "ES256K"}, CLAIMS), keys=[{"alg": "ES256", "jwk": P256_JWK}],
            error="algorithm_not_allowed", field="alg"))
case(interop, "es256k-p256-coordinates-refused",
     jwks_step({"keys": [dict(P256_JWK, crv="secp256k1", alg="ES256K", kid="bad")]}, error="invalid_key", field="keys",
               detail=NO_KEY + "keys[0] (kid `bad`): The JWK point is not on secp256k1."))
case(interop, "es256k-jwks-round-trip",
     jwks_step({"keys": [dict(K1_JWK, kid="k1", alg="ES256K", use="sig")]}, {"keys": [exported(dict(K1_JWK, kid="k1"), "ES256K")], "skipped": []}))
# A high-S signature (s > n/2) is valid ECDSA; RFC 8812 does not require low S. Both backends agree.
# The signature was made once by `openssl dgst -sha256 -sign secp256k1.pem` (ECDSA is
# randomised, so it is fixed here); openssl checks both S forms below on every run.
k1_si = b64(js({"alg": "ES256K"})) + "." + b64(js(CLAIMS))
K1_SIG = bytes.fromhex("78b577f5049422aeddef5b6dabd6e4abde05ebf913a58a8065adacc240417fc8"
                       "00db0e43a6939d764c323a807fc614d008f168dc4910ee72c7f354113f7dca95")
r, s_ = K1_SIG[:32], int.from_bytes(K1_SIG[32:], "big")
low, high = min(s_, SECP256K1_N - s_), max(s_, SECP256K1_N - s_)


def der_int(v):
    b = v.to_bytes(33, "big").lstrip(b"\x00")
    b = b"\x00" + b if b[0] & 0x80 else b
    return b"\x02" + bytes([len(b)]) + b


for s_form in (low, high):
    der = der_int(int.from_bytes(r, "big")) + der_int(s_form)
    with tempfile.NamedTemporaryFile() as m, tempfile.NamedTemporaryFile() as sig:
        m.write(k1_si.encode()); m.flush()
        sig.write(b"\x30" + bytes([len(der)]) + der); sig.flush()
        openssl("dgst", "-sha256", "-verify", key_path("secp256k1.pub.pem"), "-signature", sig.name, m.name)
k1_key = {"alg": "ES256K", "jwk": K1_JWK}
case(interop, "es256k-low-and-high-s-both-verify",
     step("jwt.verify_signature", {"key": k1_key, "signing_input": k1_si, "signature": b64(r + low.to_bytes(32, "big"))}, {"valid": True}),
     step("jwt.verify_signature", {"key": k1_key, "signing_input": k1_si, "signature": b64(r + high.to_bytes(32, "big"))}, {"valid": True}),
     step("jwt.verify_signature", {"key": k1_key, "signing_input": k1_si + "x", "signature": b64(r + low.to_bytes(32, "big"))}, {"valid": False}),
     source="RFC 8812 3.2, SEC 1 4.1.4")

# --- algorithm inference ------------------------------------------------------------------------
case(interop, "jwks-mixed-types-without-alg-inferred",
     jwks_step({"keys": [dict(ED_JWK, kid="ed"), dict(P256_JWK, kid="ec"), dict(K1_JWK, kid="k1")]},
               {"keys": [exported(dict(ED_JWK, kid="ed"), "EdDSA"), exported(dict(P256_JWK, kid="ec"), "ES256"), exported(dict(K1_JWK, kid="k1"), "ES256K")], "skipped": []}),
     source="RFC 7517 4.4; joserfc's default export has no alg")
case(interop, "jwks-rsa-without-alg-needs-default-alg",
     jwks_step({"keys": [dict(RSA_JWK, kid="r")]}, error="invalid_key", field="keys", detail=NO_KEY + "keys[0] (kid `r`): " + RSA_AMBIGUOUS),
     source="RFC 7518 3.3 and 3.5 (RS256 and PS256 share RSA keys)")
case(interop, "jwks-rsa-without-alg-skipped-next-to-usable-key",
     jwks_step({"keys": [dict(ED_JWK, kid="ed"), dict(RSA_JWK, kid="r")]},
               {"keys": [exported(dict(ED_JWK, kid="ed"), "EdDSA")], "skipped": [skipped(1, "r", "alg_required", RSA_AMBIGUOUS)]}))
case(interop, "jwks-default-alg-applies-only-where-it-fits",
     jwks_step({"keys": [dict(ED_JWK, kid="ed"), dict(RSA_JWK, kid="r")]},
               {"keys": [exported(dict(ED_JWK, kid="ed"), "EdDSA"), exported(dict(RSA_JWK, kid="r"), "PS256")], "skipped": []}, default_alg="PS256"))
case(interop, "jwks-default-alg-of-another-type-leaves-rsa-ambiguous",
     jwks_step({"keys": [dict(ED_JWK, kid="ed"), dict(RSA_JWK, kid="r")]},
               {"keys": [exported(dict(ED_JWK, kid="ed"), "EdDSA")], "skipped": [skipped(1, "r", "alg_required", RSA_AMBIGUOUS)]}, default_alg="ES256"))
case(interop, "jwks-own-alg-beats-default-alg",
     jwks_step({"keys": [dict(RSA_JWK, kid="r", alg="RS256")]}, {"keys": [exported(dict(RSA_JWK, kid="r"), "RS256")], "skipped": []}, default_alg="PS256"))

# --- RFC 7517 section 5: unusable keys are skipped and reported ----------------------------------
case(interop, "jwks-unusable-entries-skipped",
     jwks_step({"keys": [
         dict(ED_JWK, kid="ed", use="sig"),
         dict(RSA_JWK, kid="enc", use="enc", alg="RSA-OAEP"),
         dict(RSA_JWK, kid="oaep", alg="RSA-OAEP"),
         {"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"},
         {"kty": "OKP", "crv": "X25519", "kid": "x", "x": ED_X},
         {"kty": "XYZ", "kid": "odd"},
         dict(ED_JWK, kid="wrap", key_ops=["wrapKey"]),
         dict(ED_JWK, kid="ops", key_ops=["sign", "verify"]),
         dict(P256_JWK, kid="short", x="AAAA"),
         "not a key",
     ]}, {"keys": [exported(dict(ED_JWK, kid="ed"), "EdDSA"), exported(dict(ED_JWK, kid="ops"), "EdDSA")], "skipped": [
         skipped(1, "enc", "not_for_signature", "Its `use` is `enc`, not `sig`."),
         skipped(2, "oaep", "unsupported_alg", "Unsupported JWK alg `RSA-OAEP`."),
         skipped(3, "p384", "unsupported_key_type", "Key type `EC` with curve `P-384` is not supported."),
         skipped(4, "x", "unsupported_key_type", "Key type `OKP` with curve `X25519` is not supported."),
         skipped(5, "odd", "unsupported_key_type", "Key type `XYZ` is not supported."),
         skipped(6, "wrap", "not_for_signature", "Its `key_ops` do not include `verify`."),
         skipped(8, "short", "malformed", "P-256 JWK coordinates are 32 bytes."),
         skipped(9, None, "malformed", "The entry is not a JSON object."),
     ]}),
     source="RFC 7517 4.2, 4.3, 5")
case(interop, "jwks-malformed-member-of-a-usable-key-skipped",
     jwks_step({"keys": [dict(ED_JWK, kid="ed"), dict(ED_JWK, kid="bad-b64", x="not base64!")]},
               {"keys": [exported(dict(ED_JWK, kid="ed"), "EdDSA")], "skipped": [skipped(1, "bad-b64", "malformed", "`x`: JWK `x` is not base64url.")]}),
     source="RFC 7517 5 (ignore keys missing required members or with values out of range); PyJWT's PyJWKSet does the same")
case(interop, "jwks-no-usable-key-names-each-reason",
     jwks_step({"keys": [dict(RSA_JWK, kid="enc", use="enc"), {"kty": "EC", "alg": "ES384", "kid": "e384"}]}, error="invalid_key", field="keys",
               detail=NO_KEY + "keys[0] (kid `enc`): Its `use` is `enc`, not `sig`. keys[1] (kid `e384`): Unsupported JWK alg `ES384`."))
case(interop, "jwks-duplicate-kid-among-usable-keys-refused",
     jwks_step({"keys": [dict(ED_JWK, kid="same"), dict(P256_JWK, kid="same")]}, error="invalid_key",
               detail="Duplicate key id `same` in the key set."),
     source="RFC 7517 4.5")
case(interop, "jwks-duplicate-kid-with-a-skipped-key-is-fine",
     jwks_step({"keys": [dict(ED_JWK, kid="same"), dict(RSA_JWK, kid="same", use="enc")]},
               {"keys": [exported(dict(ED_JWK, kid="same"), "EdDSA")], "skipped": [skipped(1, "same", "not_for_signature", "Its `use` is `enc`, not `sig`.")]}))
case(interop, "jwks-empty-keys-array-is-an-empty-set",
     jwks_step({"keys": []}, {"keys": [], "skipped": []}))
case(interop, "jwks-without-keys-array-refused",
     jwks_step({"kty": "OKP"}, error="invalid_key", field="keys"))

# --- the verifier: keys outside the allow-list are skipped, not fatal ----------------------------
mixed = {"keys": [dict(ED_JWK, kid="ed", alg="EdDSA"), dict(P256_JWK, kid="ec", alg="ES256")]}
case(interop, "verifier-skips-jwks-keys-outside-allow-list",
     step("jwt.skipped_keys", {"config": {"algorithms": ["EdDSA"]}, "jwks": mixed},
          {"skipped": [skipped(1, "ec", "alg_not_allowed", "Its algorithm ES256 is not on the allow-list.")]}),
     verify({"algorithms": ["EdDSA"]}, token({"alg": "EdDSA", "kid": "ed"}, CLAIMS), verified("EdDSA", kid="ed"), jwks=mixed))
case(interop, "verifier-jwks-with-nothing-allowed-refused",
     step("jwt.skipped_keys", {"config": {"algorithms": ["RS256"]}, "jwks": mixed}, error="invalid_key", field="keys",
          detail=NO_KEY + "keys[0] (kid `ed`): Its algorithm EdDSA is not on the allow-list. keys[1] (kid `ec`): Its algorithm ES256 is not on the allow-list."))
case(interop, "verifier-explicit-key-outside-allow-list-still-refused",
     verify({"algorithms": ["RS256"]}, token({"alg": "EdDSA"}, CLAIMS), keys=[{"alg": "EdDSA", "jwk": ED_JWK}], error="invalid_config", field="algorithms"))
keycloakish = {"keys": [dict(ED_JWK, kid="sig", alg="EdDSA"), dict(RSA_JWK, kid="enc", use="enc", alg="RSA-OAEP")]}
case(interop, "verifier-token-naming-a-skipped-key",
     verify({"algorithms": ["EdDSA", "RS256"]}, token({"alg": "RS256", "kid": "enc"}, CLAIMS), jwks=keycloakish,
            error="invalid_token", field="kid", detail="Key id `enc` names a JWKS entry that was skipped (not_for_signature)."))
case(interop, "verifier-skipped-keys-empty-for-a-clean-set",
     step("jwt.skipped_keys", {"config": {"algorithms": ["EdDSA", "ES256"]}, "jwks": mixed}, {"skipped": []}))

# --- a single key without kid ----------------------------------------------------------------------
rotated = token({"alg": "EdDSA", "kid": "2024-rotated"}, CLAIMS)
case(interop, "single-unnamed-key-strict-by-default",
     verify({"algorithms": ["EdDSA"]}, rotated, keys=[{"alg": "EdDSA", "jwk": ED_JWK}], error="invalid_token", field="kid",
            detail="Unknown key id `2024-rotated`."),
     source="RFC 7515 4.1.4; SECURITY.md (a token kid that matches nothing is refused)")
case(interop, "single-unnamed-key-matches-any-kid-when-asked",
     verify({"algorithms": ["EdDSA"], "unnamed_single_key_matches_any_kid": True}, rotated, verified("EdDSA", kid="2024-rotated"),
            keys=[{"alg": "EdDSA", "jwk": ED_JWK}]),
     source="PyJWT and joserfc use a lone key whatever the token's kid")
case(interop, "single-unnamed-key-setting-never-uses-a-named-key",
     verify({"algorithms": ["EdDSA"], "unnamed_single_key_matches_any_kid": True}, rotated, keys=[{"alg": "EdDSA", "kid": "other", "jwk": ED_JWK}],
            error="invalid_token", field="kid"))
case(interop, "single-unnamed-key-setting-needs-exactly-one-key",
     verify({"algorithms": ["EdDSA", "ES256"], "unnamed_single_key_matches_any_kid": True}, rotated,
            keys=[{"alg": "EdDSA", "jwk": ED_JWK}, {"alg": "ES256", "jwk": P256_JWK}], error="invalid_token", field="kid"))
case(interop, "single-unnamed-key-setting-keeps-the-algorithm-check",
     verify({"algorithms": ["EdDSA", "ES256"], "unnamed_single_key_matches_any_kid": True}, token({"alg": "ES256", "kid": "x"}, CLAIMS),
            keys=[{"alg": "EdDSA", "jwk": ED_JWK}], error="algorithm_not_allowed", field="alg"))

# =============================================================================================
# providers/jwks.json
# =============================================================================================
prov = []
rs_tok = lambda kid, claims=CLAIMS: token({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims)

KEYCLOAK = {"keys": [
    {"kid": "xKx1YB6rHtPj3xdAoQKrMmfUPfLZVl1Ch3yB8s0xr4Q", "kty": "RSA", "alg": "RSA-OAEP", "use": "enc", "n": RSA_N, "e": RSA_E,
     "x5c": X5C, "x5t": X5T, "x5t#S256": X5T256},
    {"kid": "hZ4KX2p0oOz6V7bGl1s9cZyAtwh5F8mJw1kTQbQ3D9E", "kty": "RSA", "alg": "RS256", "use": "sig", "n": RSA_N, "e": RSA_E,
     "x5c": X5C, "x5t": X5T, "x5t#S256": X5T256},
]}
KC_SIG = KEYCLOAK["keys"][1]["kid"]
case(prov, "keycloak-realm-certs-enc-key-skipped",
     jwks_step(KEYCLOAK, {"keys": [exported(KEYCLOAK["keys"][1], "RS256")],
                          "skipped": [skipped(0, KEYCLOAK["keys"][0]["kid"], "not_for_signature", "Its `use` is `enc`, not `sig`.")]}),
     verify({"algorithms": ["RS256"], "issuer": "https://sso.example.com/realms/demo"},
            rs_tok(KC_SIG, dict(CLAIMS, iss="https://sso.example.com/realms/demo")),
            verified("RS256", dict(CLAIMS, iss="https://sso.example.com/realms/demo"), kid=KC_SIG, typ="JWT"), jwks=KEYCLOAK),
     source="Keycloak Server Admin guide, realm keys (/realms/{realm}/protocol/openid-connect/certs: rsa-enc-generated RSA-OAEP key next to rsa-generated RS256)")

ENTRA = {"keys": [
    {"kty": "RSA", "use": "sig", "kid": "L1KfKFI_jnXbwWc22xZxw1sUHH0", "x5t": "L1KfKFI_jnXbwWc22xZxw1sUHH0", "n": RSA_N, "e": RSA_E, "x5c": X5C,
     "cloud_instance_name": "microsoftonline.com", "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"},
    {"kty": "RSA", "use": "sig", "kid": "MGLqj98VNLoXaFfpJCBpgB4JaKs", "x5t": "MGLqj98VNLoXaFfpJCBpgB4JaKs", "n": RSA_N, "e": RSA_E, "x5c": X5C,
     "cloud_instance_name": "microsoftonline.com", "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"},
]}
case(prov, "entra-id-keys-without-alg-need-default-alg",
     jwks_step(ENTRA, error="invalid_key", field="keys",
               detail=NO_KEY + "keys[0] (kid `L1KfKFI_jnXbwWc22xZxw1sUHH0`): " + RSA_AMBIGUOUS + " keys[1] (kid `MGLqj98VNLoXaFfpJCBpgB4JaKs`): " + RSA_AMBIGUOUS),
     source="Microsoft identity platform, https://login.microsoftonline.com/common/discovery/v2.0/keys (no alg member)")
case(prov, "entra-id-keys-with-default-alg-rs256",
     jwks_step(ENTRA, {"keys": [exported(k, "RS256") for k in ENTRA["keys"]], "skipped": []}, default_alg="RS256"),
     verify({"algorithms": ["RS256"]}, rs_tok("MGLqj98VNLoXaFfpJCBpgB4JaKs"), verified("RS256", kid="MGLqj98VNLoXaFfpJCBpgB4JaKs", typ="JWT"),
            jwks=ENTRA, default_alg="RS256"),
     source="Microsoft identity platform access tokens (RS256, kid = x5t)")

AUTH0 = {"keys": [
    {"alg": "RS256", "kty": "RSA", "use": "sig", "n": RSA_N, "e": RSA_E, "kid": "uKzd8N9S6rTL0W4xX7g9V", "x5t": X5T, "x5c": X5C},
    {"alg": "RS256", "kty": "RSA", "use": "sig", "n": RSA_N, "e": RSA_E, "kid": "Mq1x0sMbcZ2bJNx5QsFzD", "x5t": X5T, "x5c": X5C},
]}
case(prov, "auth0-jwks-two-signing-keys",
     jwks_step(AUTH0, {"keys": [exported(k, "RS256") for k in AUTH0["keys"]], "skipped": []}),
     verify({"algorithms": ["RS256"], "audience": "https://api.example.com"}, rs_tok("Mq1x0sMbcZ2bJNx5QsFzD", dict(CLAIMS, aud=["https://api.example.com", "https://tenant.auth0.com/userinfo"])),
            verified("RS256", dict(CLAIMS, aud=["https://api.example.com", "https://tenant.auth0.com/userinfo"]), kid="Mq1x0sMbcZ2bJNx5QsFzD", typ="JWT"), jwks=AUTH0),
     source="Auth0 docs, JSON Web Key Sets (https://{tenant}.auth0.com/.well-known/jwks.json)")

GOOGLE = {"keys": [
    {"e": RSA_E, "kty": "RSA", "use": "sig", "alg": "RS256", "n": RSA_N, "kid": "6f9777a685907798ef794062c00b65d66c240b1b"},
    {"n": RSA_N, "alg": "RS256", "kty": "RSA", "kid": "a50f6e70ef4b548a5fd9142eecd1fb8f54dce9ee", "e": RSA_E, "use": "sig"},
]}
case(prov, "google-oauth2-certs",
     jwks_step(GOOGLE, {"keys": [exported(k, "RS256") for k in GOOGLE["keys"]], "skipped": []}),
     verify({"algorithms": ["RS256"], "issuer": "https://accounts.google.com"}, rs_tok(GOOGLE["keys"][0]["kid"], dict(CLAIMS, iss="https://accounts.google.com")),
            verified("RS256", dict(CLAIMS, iss="https://accounts.google.com"), kid=GOOGLE["keys"][0]["kid"], typ="JWT"), jwks=GOOGLE),
     source="Google Identity, https://www.googleapis.com/oauth2/v3/certs")

OKTA = {"keys": [{"kty": "RSA", "alg": "RS256", "kid": "3oD4nJ1zP7qW9bLr2Vx6TgY8uMkH0sCfE5aNdQiRjKw", "use": "sig", "e": RSA_E, "n": RSA_N}]}
case(prov, "okta-org-authorization-server-keys",
     jwks_step(OKTA, {"keys": [exported(OKTA["keys"][0], "RS256")], "skipped": []}),
     verify({"algorithms": ["RS256"]}, rs_tok("unknown-kid"), jwks=OKTA, error="invalid_token", field="kid",
            detail="Unknown key id `unknown-kid`."),
     source="Okta developer docs, /oauth2/v1/keys")

JOSERFC = {"keys": [dict(ED_JWK, kid="VhA3-joserfc"), dict(P256_JWK, kid="ec-joserfc"), dict(RSA_JWK, kid="rsa-joserfc")]}
case(prov, "joserfc-key-set-export-without-alg",
     jwks_step(JOSERFC, {"keys": [exported(JOSERFC["keys"][0], "EdDSA"), exported(JOSERFC["keys"][1], "ES256"), exported(JOSERFC["keys"][2], "RS256")], "skipped": []},
               default_alg="RS256"),
     verify({"algorithms": ["EdDSA", "ES256", "RS256"]}, token({"alg": "Ed25519", "kid": "VhA3-joserfc"}, CLAIMS), verified("EdDSA", kid="VhA3-joserfc"),
            jwks=JOSERFC, default_alg="RS256"),
     source="joserfc KeySet.as_dict() (no alg unless set), RFC 9864")

# =============================================================================================
# providers/token_responses.json
# =============================================================================================
tr = []


def from_response(body, expect=None, now=NOW, **err):
    return step("tokens.from_response", {"body": body if isinstance(body, str) else json.dumps(body), "now": now}, expect, **err)


def ts(at, exp, **kw):
    t = {"access_token": at}
    t.update({k: v for k, v in kw.items() if k == "refresh_token"})
    t["token_type"] = "Bearer"
    t.update({k: v for k, v in kw.items() if k != "refresh_token"})
    t["expires_at"] = exp
    return t


def tset(access_token, expires_at, refresh_token=None, scope=None, refresh_expires_at=None):
    t = {"access_token": access_token}
    if refresh_token:
        t["refresh_token"] = refresh_token
    t["token_type"] = "Bearer"
    if scope is not None:
        t["scope"] = scope
    t["expires_at"] = expires_at
    if refresh_expires_at is not None:
        t["refresh_expires_at"] = refresh_expires_at
    return t


case(tr, "github-app-user-token-empty-scope-and-refresh-token-expires-in",
     from_response({"access_token": "ghu_16C7e42F292c6912E7710c838347Ae178B4a", "expires_in": 28800,
                    "refresh_token": "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498",
                    "refresh_token_expires_in": 15811200, "scope": "", "token_type": "bearer"},
                   tset("ghu_16C7e42F292c6912E7710c838347Ae178B4a", NOW + 28800,
                        "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498", refresh_expires_at=NOW + 15811200)),
     source="GitHub docs, Refreshing user access tokens (scope is always empty for GitHub Apps)")
case(tr, "github-oauth-app-token-without-expiry",
     from_response({"access_token": "gho_16C7e42F292c6912E7710c838347Ae178B4a", "scope": "repo,gist", "token_type": "bearer"},
                   tset("gho_16C7e42F292c6912E7710c838347Ae178B4a", NOW + 3600, scope="repo,gist")),
     source="GitHub docs, Authorizing OAuth apps (no expires_in: the default lifetime applies)")
case(tr, "gitlab-token-response",
     from_response({"access_token": "de6780bc506a0446309bd9362820ba8aed28aa506c71eedbe1c5c4f9dd350e54", "token_type": "Bearer", "expires_in": 7200,
                    "refresh_token": "8257e65c97202ed1726cf9571600918f3bffb2544b26e00a61df9897668c33a1", "scope": "api", "created_at": 1607635748},
                   tset("de6780bc506a0446309bd9362820ba8aed28aa506c71eedbe1c5c4f9dd350e54", NOW + 7200,
                        "8257e65c97202ed1726cf9571600918f3bffb2544b26e00a61df9897668c33a1", scope="api")),
     source="GitLab docs, OAuth 2.0 identity provider API")
case(tr, "keycloak-offline-token-refresh-expires-in-zero",
     from_response({"access_token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "expires_in": 300, "refresh_expires_in": 0,
                    "refresh_token": "eyJhbGciOiJIUzUxMiJ9.e30.b2ZmbGluZQ", "token_type": "Bearer", "not-before-policy": 0,
                    "session_state": "0b0b2f4e-5b44-4f3e-9f6e-3c2a1d0e9f8a", "scope": "openid offline_access profile email"},
                   tset("eyJhbGciOiJSUzI1NiJ9.e30.c2ln", NOW + 300, "eyJhbGciOiJIUzUxMiJ9.e30.b2ZmbGluZQ", scope="openid offline_access profile email")),
     source="Keycloak issue 8919 (offline tokens: refresh_expires_in 0 means no expiry)")
case(tr, "keycloak-online-refresh-expires-in",
     from_response({"access_token": "at", "expires_in": 300, "refresh_expires_in": 1800, "refresh_token": "rt", "token_type": "Bearer"},
                   tset("at", NOW + 300, "rt", refresh_expires_at=NOW + 1800)),
     source="Keycloak token endpoint response")
case(tr, "refresh-lifetime-both-names-shorter-wins",
     from_response({"access_token": "at", "expires_in": 300, "refresh_expires_in": 1800, "refresh_token_expires_in": 900, "refresh_token": "rt", "token_type": "Bearer"},
                   tset("at", NOW + 300, "rt", refresh_expires_at=NOW + 900)))
case(tr, "refresh-lifetime-negative-refused",
     from_response({"access_token": "at", "refresh_token_expires_in": -5, "refresh_token": "rt", "token_type": "Bearer"},
                   error="invalid_response", field="refresh_token_expires_in"))
case(tr, "azure-ad-v1-string-expires-in",
     from_response({"token_type": "Bearer", "scope": "user_impersonation", "expires_in": "3599", "ext_expires_in": "3599", "expires_on": "1700003599",
                    "not_before": "1700000000", "resource": "https://graph.windows.net", "access_token": "eyJ0eXAiOiJKV1QifQ.e30.YWFk",
                    "refresh_token": "AQABAAAAAAD--DLA3VO7QrddgJg7WevrAgAD"},
                   tset("eyJ0eXAiOiJKV1QifQ.e30.YWFk", NOW + 3599, "AQABAAAAAAD--DLA3VO7QrddgJg7WevrAgAD", scope="user_impersonation")),
     source="Azure AD v1.0 token endpoint (expires_in as a string); oauthlib and authlib accept it")
big = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + "A" * 6000 + ".sig"
case(tr, "entra-id-large-access-token",
     from_response({"token_type": "Bearer", "scope": "openid profile User.Read", "expires_in": 4447, "ext_expires_in": 4447, "access_token": big},
                   tset(big, NOW + 4447, scope="openid profile User.Read")),
     source="Microsoft identity platform, groups overage (tokens with group claims grow to several KB)")
huge = "x" * 16385
case(tr, "access-token-over-the-limit-says-too-long",
     from_response({"token_type": "Bearer", "access_token": huge}, error="invalid_response", field="access_token",
                   detail="`access_token` is too long: 16385 bytes, over the 16384-byte limit (`max_access_token_bytes`)."))
case(tr, "access-token-empty-is-not-too-long",
     from_response({"token_type": "Bearer", "access_token": ""}, error="invalid_response", field="access_token",
                   detail="`access_token` must be a non-empty string."))
case(tr, "slack-oauth-v2-bot-token-is-not-a-bearer-response",
     from_response({"ok": True, "access_token": "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy", "token_type": "bot", "scope": "commands,incoming-webhook",
                    "bot_user_id": "U0KRQLJ9H", "app_id": "A0KRD7HC3", "team": {"name": "Slack Softball Team", "id": "T9TK3CUKW"},
                    "authed_user": {"id": "U1234", "scope": "chat:write", "access_token": "xoxp-1234", "token_type": "user"}},
                   error="invalid_response", field="token_type", detail="Only bearer tokens are supported."),
     source="Slack API, oauth.v2.access (token_type bot/user, not RFC 6749; parse Slack's shape in the host)")
case(tr, "slack-oauth-v2-user-token-only-has-no-top-level-access-token",
     from_response({"ok": True, "app_id": "A0KRD7HC3", "authed_user": {"id": "U1234", "scope": "chat:write", "access_token": "xoxp-1234", "token_type": "user"},
                    "team": {"id": "T9TK3CUKW"}}, error="invalid_response", field="access_token", detail="`access_token` is missing."),
     source="Slack API, oauth.v2.access with user scopes only")

# The authorization-code client and the request driver read the same shapes.
OAUTH_CFG = {"authorization_endpoint": "https://github.com/login/oauth/authorize", "token_endpoint": "https://github.com/login/oauth/access_token",
             "client_id": "Iv1.8a61f9b3a7aba766", "redirect_uri": "https://app.example.com/callback", "scopes": []}


def http(status, body, headers=None):
    return {"status": status, "headers": headers or {}, "body": body if isinstance(body, str) else json.dumps(body)}


case(tr, "auth-code-exchange-github-200-with-error-member",
     step("oauth.new", {"config": OAUTH_CFG}, {}),
     step("oauth.token_response", {"response": http(200, {"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired.",
                                                          "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code"}), "now": NOW},
          error="invalid_response", field="error", detail="The token endpoint answered 200 without a known OAuth error."),
     step("oauth.token_response", {"response": http(200, {"error": "invalid_grant", "error_description": "The code has expired."}), "now": NOW},
          error="invalid_grant", detail="The code has expired."),
     source="GitHub docs, Troubleshooting OAuth app access token request errors (HTTP 200 with an error member); oauth2-rs issue 218")
case(tr, "auth-code-exchange-max-access-token-bytes-setting",
     step("oauth.new", {"config": dict(OAUTH_CFG, max_access_token_bytes=100)}, {}),
     step("oauth.token_response", {"response": http(200, {"access_token": "a" * 101, "token_type": "bearer"}), "now": NOW},
          error="invalid_response", field="access_token", detail="`access_token` is too long: 101 bytes, over the 100-byte limit (`max_access_token_bytes`)."),
     step("oauth.token_response", {"response": http(200, {"access_token": "a" * 100, "token_type": "bearer", "scope": ""}), "now": NOW},
          tset("a" * 100, NOW + 3600)))
case(tr, "auth-code-max-access-token-bytes-range",
     step("oauth.new", {"config": dict(OAUTH_CFG, max_access_token_bytes=65537)}, error="invalid_config", field="max_access_token_bytes"))

DRIVER_CFG = {"token_endpoint": "https://github.com/login/oauth/access_token", "api_origins": ["https://api.github.com"]}
REFRESH = {"type": "send", "transmit": 1, "request": {"method": "POST", "url": DRIVER_CFG["token_endpoint"],
           "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
           "body": "grant_type=refresh_token&refresh_token=ghr_old"}}
STORED = {"version": 1, "generation": 0, "clock_offset": 0, "tokens": {"access_token": "ghu_old", "refresh_token": "ghr_old", "token_type": "Bearer", "expires_at": NOW}}
GET = {"method": "GET", "url": "https://api.github.com/user"}
bad_refresh = http(200, {"error": "bad_refresh_token", "error_description": "The refresh token passed is incorrect or expired."})
case(tr, "driver-refresh-github-200-with-error-member",
     step("driver.new", {"config": DRIVER_CFG, "stored": STORED}, {}),
     step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [REFRESH]}),
     step("driver.handle_response", {"transmit": 1, "response": bad_refresh, "now": NOW},
          {"actions": [{"type": "failed", "request_id": 1, "error": {"detail": "Token refresh failed with status 200 (bad_refresh_token).", "code": "refresh_failed"}, "response": bad_refresh}]}),
     source="GitHub docs, Refreshing user access tokens (bad_refresh_token with HTTP 200)")
invalid_grant_200 = http(200, {"error": "invalid_grant"})
case(tr, "driver-refresh-invalid-grant-at-200-stops-refreshing",
     step("driver.new", {"config": DRIVER_CFG, "stored": STORED}, {}),
     step("driver.send", {"request": GET, "now": NOW}, {"request": 1, "actions": [REFRESH]}),
     step("driver.handle_response", {"transmit": 1, "response": invalid_grant_200, "now": NOW},
          {"actions": [{"type": "clear_tokens", "expected_generation": 0},
                       {"type": "failed", "request_id": 1, "error": {"detail": "Token refresh failed with status 200 (invalid_grant).", "code": "refresh_failed"}, "response": invalid_grant_200}]}),
     step("driver.send", {"request": GET, "now": NOW}, {"request": 2, "actions": [
         {"type": "failed", "request_id": 2, "error": {"detail": "Not authenticated.", "code": "not_authenticated"}}]}),
     source="RFC 6749 5.2 (invalid_grant: the refresh token is refused)")

# =============================================================================================
# providers/errors.json
# =============================================================================================
errs = []


def quoted(text):
    """How authcore quotes server text in an error detail: at most 64 characters, then `...`."""
    return text if len(text) <= 64 else text[:64] + "..."


ENTRA_ERR = {"error": "invalid_grant", "error_description": "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.",
             "error_codes": [70008], "timestamp": "2023-11-14 22:13:20Z", "trace_id": "0b0b2f4e-5b44-4f3e-9f6e-3c2a1d0e9f8a",
             "correlation_id": "a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d"}
for name, status, body, code, detail, source in [
    ("entra-id-invalid-grant", 400, ENTRA_ERR, "invalid_grant", quoted(ENTRA_ERR["error_description"]), "Microsoft identity platform error codes (AADSTS70008)"),
    ("keycloak-invalid-grant", 400, {"error": "invalid_grant", "error_description": "Code not valid"}, "invalid_grant", "Code not valid", "Keycloak token endpoint"),
    ("auth0-invalid-grant-403", 403, {"error": "invalid_grant", "error_description": "Invalid authorization code"}, "invalid_grant", "Invalid authorization code", "Auth0 Authentication API errors"),
    ("okta-invalid-client-401", 401, {"error": "invalid_client", "error_description": "Client authentication failed. Either the client or the client credentials are invalid."},
     "invalid_client", quoted("Client authentication failed. Either the client or the client credentials are invalid."), "Okta OAuth 2.0 error codes"),
    ("google-invalid-grant-bad-request", 400, {"error": "invalid_grant", "error_description": "Bad Request"}, "invalid_grant", "Bad Request", "Google OAuth 2.0 token endpoint"),
    ("google-temporarily-unavailable", 400, {"error": "temporarily_unavailable"}, "server_error", None, "RFC 6749 4.1.2.1"),
]:
    case(errs, name, step("oauth.new", {"config": dict(OAUTH_CFG, token_endpoint="https://idp.example.com/token")}, {}),
         step("oauth.token_response", {"response": http(status, body), "now": NOW}, error=code, **({"detail": detail} if detail else {})),
         source=source)
case(errs, "slack-ok-false-at-200",
     step("oauth.new", {"config": dict(OAUTH_CFG, token_endpoint="https://slack.com/api/oauth.v2.access")}, {}),
     step("oauth.token_response", {"response": http(200, {"ok": False, "error": "invalid_code"}), "now": NOW},
          error="invalid_response", field="error", detail="The token endpoint answered 200 without a known OAuth error."),
     source="Slack API, oauth.v2.access errors (HTTP 200, ok false)")
case(errs, "html-error-page-at-502",
     step("oauth.new", {"config": dict(OAUTH_CFG, token_endpoint="https://idp.example.com/token")}, {}),
     step("oauth.token_response", {"response": http(502, "<html><body>Bad Gateway</body></html>"), "now": NOW},
          error="server_error", detail="The token endpoint answered 502."))

# =============================================================================================
# providers/device.json
# =============================================================================================
dev = []
GH = {"base_url": "https://github.com", "authorization_path": "/login/device/code", "token_path": "/login/oauth/access_token",
      "client_id": "Iv1.8a61f9b3a7aba766"}
GH_AUTH = {"device_code": "3584d83530557fdd1f46af8289938c8ef79f9dc5", "user_code": "WDJB-MJHT", "verification_uri": "https://github.com/login/device",
           "expires_in": 900, "interval": 5}
GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def dsend(t, url, body):
    return {"type": "send", "transmit": t, "request": {"method": "POST", "url": url,
            "headers": {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}, "body": body}}


def dstart(cfg, auth_body, prompt, interval):
    auth_url = cfg["base_url"] + cfg["authorization_path"]
    return [step("device.client.new", {"config": cfg}, {}),
            step("device.client.start", {"now": NOW}, {"actions": [dsend(1, auth_url, form([("client_id", cfg["client_id"])]))]}),
            step("device.client.handle_response", {"transmit": 1, "response": http(200, auth_body), "now": NOW},
                 {"actions": [prompt, {"type": "wait", "until": NOW + interval}]})]


def poll_body(cfg, dc):
    return form([("grant_type", GRANT), ("device_code", dc), ("client_id", cfg["client_id"])])


GH_TOKEN_URL = GH["base_url"] + GH["token_path"]
gh_prompt = {"type": "prompt", "user_code": "WDJB-MJHT", "verification_uri": "https://github.com/login/device", "expires_at": NOW + 900}
gh_tokens = {"access_token": "ghu_16C7e42F292c6912E7710c838347Ae178B4a", "expires_in": 28800, "refresh_token": "ghr_1B4a2e77838347a7E420ce178F2E7c6912E1",
             "refresh_token_expires_in": 15811200, "scope": "", "token_type": "bearer"}
gh_saved = {"access_token": "ghu_16C7e42F292c6912E7710c838347Ae178B4a", "refresh_token": "ghr_1B4a2e77838347a7E420ce178F2E7c6912E1", "token_type": "Bearer",
            "expires_at": NOW + 20 + 28800, "refresh_expires_at": NOW + 20 + 15811200}
pb = poll_body(GH, GH_AUTH["device_code"])
case(dev, "github-device-flow-pending-and-slow-down-at-200",
     *dstart(GH, GH_AUTH, gh_prompt, 5),
     step("device.client.handle_timeout", {"now": NOW + 5}, {"actions": [dsend(2, GH_TOKEN_URL, pb)]}),
     step("device.client.handle_response", {"transmit": 2, "response": http(200, {"error": "authorization_pending", "error_description": "The authorization request is still pending.",
                                                                                  "error_uri": "https://docs.github.com/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow"}), "now": NOW + 5},
          {"actions": [{"type": "wait", "until": NOW + 10}]}),
     step("device.client.handle_timeout", {"now": NOW + 10}, {"actions": [dsend(3, GH_TOKEN_URL, pb)]}),
     step("device.client.handle_response", {"transmit": 3, "response": http(200, {"error": "slow_down", "error_description": "Too many requests have been made in the same timeframe.", "interval": 10}), "now": NOW + 10},
          {"actions": [{"type": "wait", "until": NOW + 20}]}),
     step("device.client.handle_timeout", {"now": NOW + 20}, {"actions": [dsend(4, GH_TOKEN_URL, pb)]}),
     step("device.client.handle_response", {"transmit": 4, "response": http(200, gh_tokens), "now": NOW + 20},
          {"actions": [{"type": "save_tokens", "stored": {"version": 1, "generation": 1, "clock_offset": 0, "tokens": gh_saved}, "generation": 1, "expected_generation": 0},
                       {"type": "done"}]}),
     source="GitHub docs, Authorizing OAuth apps: device flow (every poll answers HTTP 200); openid-client issue 575")
case(dev, "github-device-flow-access-denied-at-200",
     *dstart(GH, GH_AUTH, gh_prompt, 5),
     step("device.client.handle_timeout", {"now": NOW + 5}, {"actions": [dsend(2, GH_TOKEN_URL, pb)]}),
     step("device.client.handle_response", {"transmit": 2, "response": http(200, {"error": "access_denied", "error_description": "The authorization request was denied."}), "now": NOW + 5},
          {"actions": [{"type": "failed", "error": {"detail": "The authorization request was denied.", "code": "access_denied"}}]}),
     source="GitHub docs, error codes for the device flow")
case(dev, "github-device-flow-unknown-error-at-200",
     *dstart(GH, GH_AUTH, gh_prompt, 5),
     step("device.client.handle_timeout", {"now": NOW + 5}, {"actions": [dsend(2, GH_TOKEN_URL, pb)]}),
     step("device.client.handle_response", {"transmit": 2, "response": http(200, {"error": "device_flow_disabled"}), "now": NOW + 5},
          {"actions": [{"type": "failed", "error": {"detail": "Unknown OAuth error `device_flow_disabled`.", "code": "invalid_response", "field": "error"}}]}),
     source="GitHub docs, error codes for the device flow (device_flow_disabled)")
ENTRA_DEV = {"base_url": "https://login.microsoftonline.com", "authorization_path": "/common/oauth2/v2.0/devicecode", "token_path": "/common/oauth2/v2.0/token",
             "client_id": "04b07795-8ddb-461a-bbee-02f9e1bf7b46"}
case(dev, "entra-id-device-authorization",
     *dstart(ENTRA_DEV, {"user_code": "FCS3QKCMN", "device_code": "DAQABAAEAAAD--DLA3VO7QrddgJg7WevrGkhMhUp", "verification_uri": "https://microsoft.com/devicelogin",
                         "expires_in": 900, "interval": 5, "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FCS3QKCMN to authenticate."},
             {"type": "prompt", "user_code": "FCS3QKCMN", "verification_uri": "https://microsoft.com/devicelogin", "expires_at": NOW + 900}, 5),
     source="Microsoft identity platform, OAuth 2.0 device authorization grant")
case(dev, "azure-ad-v1-device-authorization-string-numbers",
     *dstart(dict(ENTRA_DEV, authorization_path="/common/oauth2/devicecode"),
             {"user_code": "FCS3QKCMN", "device_code": "DAQABAAEAAAD--DLA3VO7Qrdd", "verification_url": "https://microsoft.com/devicelogin",
              "expires_in": "900", "interval": "5", "message": "To sign in, use a web browser."},
             {"type": "prompt", "user_code": "FCS3QKCMN", "verification_uri": "https://microsoft.com/devicelogin", "expires_at": NOW + 900}, 5),
     source="Azure AD v1.0 device code endpoint (verification_url, numbers as strings)")
GOOGLE_DEV = {"base_url": "https://oauth2.googleapis.com", "authorization_path": "/device/code", "token_path": "/token", "client_id": "1234.apps.googleusercontent.com"}
case(dev, "google-device-authorization-verification-url",
     *dstart(GOOGLE_DEV, {"device_code": "4/4-GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8", "user_code": "GQVQ-JKEC", "verification_url": "https://www.google.com/device",
                          "expires_in": 1800, "interval": 5},
             {"type": "prompt", "user_code": "GQVQ-JKEC", "verification_uri": "https://www.google.com/device", "expires_at": NOW + 1800}, 5),
     source="Google Identity, OAuth 2.0 for TV and limited-input device applications (verification_url)")

for path, suite, description, cases in [
    (("jwt", "interop.json"), "jwt", "JWKS tolerance (RFC 7517 5), alg inference, RFC 9864 Ed25519, ES256K, single-key kid setting.", interop),
    (("providers", "jwks.json"), "providers", "Provider-shaped JWKS documents (Keycloak, Entra ID, Auth0, Google, Okta, joserfc) loaded and used.", prov),
    (("providers", "token_responses.json"), "providers", "Provider-shaped token responses (GitHub, GitLab, Keycloak, Azure AD v1, Entra ID, Slack).", tr),
    (("providers", "errors.json"), "providers", "Provider-shaped OAuth error responses, some at HTTP 200.", errs),
    (("providers", "device.json"), "providers", "Device authorization and polling as GitHub, Entra ID and Google answer them.", dev),
]:
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), [n for n in names if names.count(n) > 1]
    os.makedirs(os.path.join(ROOT, "vectors", path[0]), exist_ok=True)
    write_suite(os.path.join(ROOT, "vectors", *path),
                {"suite": suite, "description": description + " Generated by conformance/tools/gen_provider_vectors.py.", "cases": cases})
    print(len(cases), "/".join(path), "cases")
