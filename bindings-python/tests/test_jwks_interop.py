"""The remote key-set cache against peer libraries: a loopback JWKS server rotates from a key
made by joserfc (old kid) to one made by PyJWT/cryptography (new kid); tokens issued by those
libraries are verified through ``authcore.httpx.RemoteJwks``, and the server counts fetches."""

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import httpx
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwt as jose_jwt
from joserfc.jwk import RSAKey

import authcore
from authcore.httpx import RemoteJwks

ISS = "https://idp.example"
AUD = "api"
T0 = int(time.time())


class JwksServer:
    """Serves ``self.document`` at ``/jwks`` (or ``self.status`` when not 200) and counts GETs."""

    def __init__(self) -> None:
        self.document: Dict[str, Any] = {"keys": []}
        self.status = 200
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.fetches += 1
                body = json.dumps(outer.document).encode() if outer.status == 200 else b"down"
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=600")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/jwks" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[JwksServer]:
    s = JwksServer()
    yield s
    s.close()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return float(self.now)


def claims() -> Dict[str, Any]:
    return {"sub": "user-1", "iss": ISS, "aud": AUD, "iat": T0, "exp": T0 + 100_000}


def joserfc_key_and_token() -> Any:
    key = RSAKey.generate_key(2048, parameters={"kid": "old", "alg": "RS256", "use": "sig"}, private=True)
    token = jose_jwt.encode({"alg": "RS256", "kid": "old"}, claims(), key)
    return key.as_dict(private=False), token


def pyjwt_key_and_token() -> Any:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": "new", "alg": "ES256", "use": "sig"})
    token = pyjwt.encode(claims(), private, algorithm="ES256", headers={"kid": "new"})
    return jwk, token


def remote(server: JwksServer, clock: Clock, **extra: Any) -> RemoteJwks:
    return RemoteJwks(
        server.url,
        verifier={"algorithms": ["RS256", "ES256"], "issuer": ISS, "audience": AUD},
        cooldown=300,
        clock=clock,
        **extra,
    )


def spray(jwks: RemoteJwks, template: str, n: int) -> None:
    header, rest = template.split(".", 1)
    for i in range(n):
        h = pyjwt.utils.base64url_encode(json.dumps({"alg": "ES256", "kid": "spray-%d" % i}).encode()).decode()
        with pytest.raises(authcore.AuthError) as e:
            jwks.verify(h + "." + rest)
        assert e.value.code in ("invalid_token", "invalid_signature")


def test_rotation_from_joserfc_to_pyjwt(server: JwksServer) -> None:
    old_jwk, old_token = joserfc_key_and_token()
    new_jwk, new_token = pyjwt_key_and_token()
    # Unusable keys next to the signing key are skipped, not fatal.
    enc = dict(old_jwk, kid="enc", use="enc", alg="RSA-OAEP")
    server.document = {"keys": [old_jwk, enc]}
    clock = Clock()
    jwks = remote(server, clock)

    assert jwks.verify(old_token)["claims"]["sub"] == "user-1"
    assert server.fetches == 1
    assert jwks.cache.status(clock.now)["skipped_keys"] == 1
    assert jwks.verify(old_token)["kid"] == "old"
    assert server.fetches == 1

    # The provider rotates. Inside the cooldown the new kid is unknown and nothing is fetched,
    # however many kids are sprayed.
    server.document = {"keys": [new_jwk]}
    clock.now += 10
    with pytest.raises(authcore.InvalidToken):
        jwks.verify(new_token)
    spray(jwks, new_token, 50)
    assert server.fetches == 1

    # After the cooldown: exactly one fetch picks the new key up.
    clock.now = T0 + 310
    verified = jwks.verify(new_token)
    assert (verified["alg"], verified["kid"], verified["claims"]["sub"]) == ("ES256", "new", "user-1")
    assert server.fetches == 2
    spray(jwks, new_token, 50)
    assert server.fetches == 2
    with pytest.raises(authcore.InvalidToken):
        jwks.verify(old_token)  # the old key left the set
    assert server.fetches == 2

    # Stale (max-age 600) and the provider is down: one failed fetch, then the stale set
    # keeps serving within stale_while_error.
    server.status = 500
    clock.now = T0 + 310 + 600
    assert jwks.verify(new_token)["kid"] == "new"
    assert server.fetches == 3
    assert jwks.cache.status(clock.now)["last_error"]["code"] == "server_error"
    assert jwks.verify(new_token)["kid"] == "new"
    assert server.fetches == 3
    # Past stale_while_error (3600 s after going stale): a clear error, still no fetch storm.
    clock.now = T0 + 310 + 600 + 3600 + 1
    with pytest.raises(authcore.AuthError) as e:
        jwks.verify(new_token)
    assert e.value.code == "server_error" and e.value.field == "jwks_uri"
    assert server.fetches == 4
    for _ in range(20):
        with pytest.raises(authcore.AuthError):
            jwks.verify(new_token)
    assert server.fetches == 4


def test_async_client_and_snapshot(server: JwksServer) -> None:
    old_jwk, old_token = joserfc_key_and_token()
    server.document = {"keys": [old_jwk]}
    clock = Clock()

    async def run() -> List[str]:
        async with httpx.AsyncClient() as client:
            jwks = remote(server, clock, async_client=client)
            subs = await asyncio.gather(*(jwks.verify_async(old_token) for _ in range(5)))
            return [s["claims"]["sub"] for s in subs], jwks.cache.snapshot()  # type: ignore[return-value]

    subs, snapshot = asyncio.run(run())
    assert subs == ["user-1"] * 5
    assert server.fetches == 1
    # Another process restores the snapshot and verifies without fetching.
    restored = authcore.jwt.JwksCache.restore(snapshot)
    assert restored.verify(old_token, now=clock.now)["type"] == "verified"
    assert server.fetches == 1
