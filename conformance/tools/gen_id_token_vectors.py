#!/usr/bin/env python3
"""Writes conformance/vectors/oauth/id_token.json: the OpenID Connect pieces of the
authorization-code client: a `nonce` sent with the state when the scopes include `openid`,
and the ID-token checks of OpenID Connect Core §3.1.3.7 (`iss`, `aud`, `azp`, `nonce`,
`at_hash`) on a token a verifier has already verified.

Expectations are written by hand from the spec: the URL and record from the entropy bytes
(state, then PKCE verifier, then nonce, 32 bytes each, base64url), `at_hash` as the base64url
of the left half of the access token's SHA-256 (SHA-384 for HS384, SHA-512 for HS512 and
EdDSA), computed here with hashlib.
"""
import hashlib
import os

from vectorlib import b64, enc, slug, step, write_suite

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOW = 1700000000
SOURCE = "OpenID Connect Core 1.0 §3.1.2.1 (nonce), §3.1.3.6 (at_hash), §3.1.3.7 (ID token validation)"



STATE, VERIFIER, NONCE = bytes([0x11] * 32), bytes([0x22] * 32), bytes([0x33] * 32)
ENTROPY = (STATE + VERIFIER + NONCE).hex()
CONFIG = {"authorization_endpoint": "https://idp.example/authorize", "token_endpoint": "https://idp.example/token",
          "client_id": "app", "redirect_uri": "https://app.example/cb", "scopes": ["openid", "email"],
          "issuer": "https://idp.example"}
RECORD = {"state": b64(STATE), "code_verifier": b64(VERIFIER), "redirect_uri": "https://app.example/cb",
          "created_at": NOW, "expires_at": NOW + 600, "used": False, "nonce": b64(NONCE)}
URL = ("https://idp.example/authorize?response_type=code&client_id=app&redirect_uri=" + enc("https://app.example/cb", "%20")
       + "&scope=openid%20email&state=" + b64(STATE) + "&nonce=" + b64(NONCE)
       + "&code_challenge=" + b64(hashlib.sha256(b64(VERIFIER).encode()).digest()) + "&code_challenge_method=S256")
ACCESS = "SlAV32hkKG"  # OpenID Connect Core's example access token


def at_hash(alg, token):
    h = {"HS384": hashlib.sha384, "HS512": hashlib.sha512, "EdDSA": hashlib.sha512}.get(alg, hashlib.sha256)
    d = h(token.encode()).digest()
    return b64(d[:len(d) // 2])


def verified(alg="RS256", **claims):
    c = {"iss": "https://idp.example", "sub": "248289761001", "aud": "app", "nonce": b64(NONCE),
         "exp": NOW + 3600, "iat": NOW}
    c.update(claims)
    return {"alg": alg, "kid": "k1", "claims": {k: v for k, v in c.items() if v is not None}}


def chk(v, access=ACCESS, record=RECORD, field=None):
    inp = {"verified": v, "record": record}
    if access is not None:
        inp["access_token"] = access
    if field:
        return step("oauth.check_id_token", inp, error="invalid_claims", field=field)
    return step("oauth.check_id_token", inp, expect={})




def cases():
    new = step("oauth.new", {"config": CONFIG}, expect={})
    out = []

    def case(name, *steps):
        out.append({"name": slug(name), "source": SOURCE, "steps": [new, *steps]})

    case("with `openid` in the scopes, start draws a nonce after the state and the verifier, sends it and keeps it",
         step("oauth.start", {"now": NOW, "entropy": ENTROPY}, expect={"url": URL, "record": RECORD}),
         step("oauth.start", {"now": NOW, "entropy": (STATE + VERIFIER).hex()}, error="entropy_unavailable"))
    case("a valid ID token: iss, aud, nonce and at_hash all match",
         chk(verified(at_hash=at_hash("RS256", ACCESS))),
         chk(verified(alg="ES256", at_hash=at_hash("ES256", ACCESS))),
         chk(verified(alg="PS256", at_hash=at_hash("PS256", ACCESS))),
         chk(verified(alg="HS384", at_hash=at_hash("HS384", ACCESS))),
         chk(verified(alg="HS512", at_hash=at_hash("HS512", ACCESS))),
         chk(verified(alg="EdDSA", at_hash=at_hash("EdDSA", ACCESS))),
         chk(verified(aud=["app"])),
         chk(verified(aud=["app", "api"], azp="app")),
         chk(verified(azp="app")),
         chk(verified()),
         chk(verified(at_hash="not-checked-without-an-access-token"), access=None))
    case("iss must be the configured issuer",
         chk(verified(iss="https://evil.example"), field="iss"),
         chk(verified(iss="https://idp.example/"), field="iss"),
         chk(verified(iss=None), field="iss"))
    case("aud must contain the client id",
         chk(verified(aud="other"), field="aud"),
         chk(verified(aud=["other", "api"], azp="app"), field="aud"),
         chk(verified(aud=None), field="aud"),
         chk(verified(aud=7), field="aud"))
    case("azp: required with several audiences, and equal to the client id when present",
         chk(verified(aud=["app", "api"]), field="azp"),
         chk(verified(aud=["app", "api"], azp="api"), field="azp"),
         chk(verified(azp="other"), field="azp"),
         chk(verified(azp=1), field="azp"))
    case("nonce must be the one sent",
         chk(verified(nonce=b64(bytes([0x44] * 32))), field="nonce"),
         chk(verified(nonce=None), field="nonce"),
         chk(verified(nonce=""), field="nonce"),
         chk(verified(nonce=5), field="nonce"),
         chk(verified(nonce="whatever"), record={k: v for k, v in RECORD.items() if k != "nonce"}))
    case("at_hash must match the access token with the hash of the token's algorithm",
         chk(verified(at_hash=at_hash("RS256", "another token")), field="at_hash"),
         chk(verified(alg="HS512", at_hash=at_hash("RS256", ACCESS)), field="at_hash"),
         chk(verified(alg="EdDSA", at_hash=at_hash("RS256", ACCESS)), field="at_hash"),
         chk(verified(at_hash=at_hash("RS256", ACCESS) + "="), field="at_hash"),
         chk(verified(at_hash=12), field="at_hash"))
    return out


def main():
    write_suite(os.path.join(ROOT, "vectors", "oauth", "id_token.json"), {
        "suite": "oauth",
        "description": "OpenID Connect in the authorization-code client: the nonce sent with the state, and the ID-token checks (iss, aud, azp, nonce, at_hash).",
        "cases": cases(),
    })


if __name__ == "__main__":
    main()
