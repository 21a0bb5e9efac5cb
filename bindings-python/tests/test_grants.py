"""``authcore.grants`` against peer libraries: a ``private_key_jwt`` client assertion verifies
with PyJWT and joserfc the way the MCP conformance suite's authorization server checks it
(signature with the client's public key, ``aud`` = the issuer with or without one trailing
slash, ``iss`` = ``sub`` = the client id, ``exp``), for a fresh P-256 key exported as PKCS#8 (as
the suite generates one), as a JWK, and for Ed25519 and RSA keys; the request bodies and the
failure paths through the Python API."""

import time
import urllib.parse
from typing import Any, Dict, List

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jwt import JWTClaimsRegistry

import authcore
from authcore import grants

ISSUER = "http://localhost:3001"
CLIENT_ID = "conformance-test-client"
ENDPOINT = {"url": ISSUER + "/token", "issuer": ISSUER}
NOW = int(time.time())


def pkcs8(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def form(body: str) -> Dict[str, List[str]]:
    return urllib.parse.parse_qs(body, keep_blank_values=True)


def suite_check_pyjwt(assertion: str, public_key: Any, alg: str) -> Dict[str, Any]:
    """What client-credentials.ts does with jose.jwtVerify, in PyJWT."""
    claims: Dict[str, Any] = pyjwt.decode(
        assertion,
        public_key,
        algorithms=[alg],
        audience=[ISSUER, ISSUER + "/"],
        leeway=30,
        options={"require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
    )
    assert claims["iss"] == CLIENT_ID and claims["sub"] == CLIENT_ID
    return claims


def suite_check_joserfc(assertion: str, key: Any, alg: str = "ES256") -> Dict[str, Any]:
    token = jose_jwt.decode(assertion, key, algorithms=[alg])
    JWTClaimsRegistry(
        leeway=30,
        aud={"essential": True, "values": [ISSUER, ISSUER + "/"]},
        iss={"essential": True, "value": CLIENT_ID},
        sub={"essential": True, "value": CLIENT_ID},
        exp={"essential": True},
    ).validate(token.claims)
    return dict(token.claims)


def test_p256_pkcs8_assertion_verifies_with_pyjwt_and_joserfc() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = pkcs8(private)
    for backend in ("native", "portable"):
        request = grants.grant_request(
            ENDPOINT,
            {"type": "private_key_jwt", "client_id": CLIENT_ID, "key": {"pem": pem}},
            {"grant": {"type": "client_credentials"}, "scope": "mcp:read"},
            backend=backend,
        )
        body = form(request["body"] or "")
        assert body["grant_type"] == ["client_credentials"]
        assert body["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
        assert body["client_id"] == [CLIENT_ID]
        assert "Authorization" not in request["headers"]
        assertion = body["client_assertion"][0]
        assert pyjwt.get_unverified_header(assertion) == {"alg": "ES256", "typ": "JWT"}
        claims = suite_check_pyjwt(assertion, private.public_key(), "ES256")
        assert claims["aud"] == ISSUER
        assert 0 < claims["exp"] - claims["iat"] <= 60
        assert abs(claims["iat"] - time.time()) < 60
        jose_claims = suite_check_joserfc(assertion, ECKey.import_key(private.public_key()))
        assert jose_claims["jti"] == claims["jti"]


def test_jwk_key_with_kid_and_fresh_jti_each_time() -> None:
    jwk = ECKey.generate_key("P-256", private=True).as_dict(private=True)
    key = {"jwk": jwk, "kid": "client-key-1"}
    a = grants.client_assertion(ENDPOINT, CLIENT_ID, key)
    b = grants.client_assertion(ENDPOINT, CLIENT_ID, key)
    assert pyjwt.get_unverified_header(a)["kid"] == "client-key-1"
    public = ECKey.import_key({k: v for k, v in jwk.items() if k != "d"})
    ca, cb = suite_check_joserfc(a, public), suite_check_joserfc(b, public)
    assert ca["jti"] != cb["jti"]


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
def test_ed25519_and_rsa_keys() -> None:
    ed = ed25519.Ed25519PrivateKey.generate()
    a = grants.client_assertion(ENDPOINT, CLIENT_ID, {"pem": pkcs8(ed)})
    suite_check_pyjwt(a, ed.public_key(), "EdDSA")
    suite_check_joserfc(a, OKPKey.import_key(ed.public_key()), "EdDSA")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ps = dict(ENDPOINT, auth_signing_alg_values_supported=["PS256"])
    a = grants.client_assertion(ps, CLIENT_ID, {"pem": pkcs8(rsa_key)})
    assert pyjwt.get_unverified_header(a)["alg"] == "PS256"
    suite_check_pyjwt(a, rsa_key.public_key(), "PS256")
    suite_check_joserfc(a, RSAKey.import_key(rsa_key.public_key()), "PS256")


def test_assertion_lifetime_is_enforced_by_peers() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    old = grants.client_assertion(ENDPOINT, CLIENT_ID, {"pem": pkcs8(private)}, now=NOW - 200, lifetime=60)
    with pytest.raises(pyjwt.ExpiredSignatureError):
        suite_check_pyjwt(old, private.public_key(), "ES256")


def test_basic_credentials_decode_as_the_suite_decodes_them() -> None:
    request = grants.grant_request(
        ENDPOINT,
        {"type": "client_secret_basic", "client_id": "conformance-test-xaa-client", "client_secret": "s:e&c"},
        {"grant": {"type": "client_credentials"}},
    )
    import base64

    decoded = base64.b64decode(request["headers"]["Authorization"][len("Basic "):]).decode()
    user, _, password = decoded.partition(":")
    assert urllib.parse.unquote(user) == "conformance-test-xaa-client"
    assert urllib.parse.unquote_plus(password) == "s:e&c"


def test_id_jag_flow_and_errors() -> None:
    idp = {"url": "http://localhost:3002/token", "issuer": "http://localhost:3002"}
    id_token = pyjwt.encode({"sub": "u", "exp": NOW + 60}, "k" * 32, algorithm="HS256")
    request = grants.id_jag_request(id_token, ISSUER, "http://localhost:3000/mcp")
    http = grants.grant_request(idp, {"type": "none", "client_id": "idp-client"}, request)
    body = form(http["body"] or "")
    assert body["requested_token_type"] == ["urn:ietf:params:oauth:token-type:id-jag"]
    assert body["audience"] == [ISSUER] and body["resource"] == ["http://localhost:3000/mcp"]
    answer = {
        "status": 200,
        "headers": {},
        "body": '{"access_token":"a.b.c","issued_token_type":"urn:ietf:params:oauth:token-type:id-jag","token_type":"N_A"}',
    }
    exchanged = grants.token_exchange_response(request, answer)
    assert exchanged["access_token"] == "a.b.c" and exchanged["token_type"] == "N_A"
    with pytest.raises(authcore.InvalidResponse) as e:
        grants.token_exchange_response(request, dict(answer, body=answer["body"].replace("id-jag", "jwt")))
    assert e.value.field == "issued_token_type"

    expired = pyjwt.encode({"sub": "w", "exp": NOW - 1}, "k" * 32, algorithm="HS256")
    with pytest.raises(authcore.TokenExpired) as t:
        grants.grant_request(ENDPOINT, {"type": "none"}, {"grant": {"type": "jwt_bearer", "assertion": expired}})
    assert t.value.field == "assertion"
    bearer = {"grant": {"type": "jwt_bearer", "assertion": id_token}}
    refused = {"status": 400, "headers": {}, "body": '{"error":"invalid_grant","error_description":"JWT assertion is expired"}'}
    with pytest.raises(authcore.InvalidGrant) as g:
        grants.grant_response(bearer, refused)
    assert g.value.field == "assertion"
    with pytest.raises(authcore.InvalidConfig) as c:
        grants.client_assertion({"url": ISSUER + "/token"}, CLIENT_ID, {"pem": pkcs8(ec.generate_private_key(ec.SECP256R1()))})
    assert c.value.field == "issuer"
    assert grants.choose_auth_method(None, ["client_secret_basic", "private_key_jwt"], True, True) == "private_key_jwt"
