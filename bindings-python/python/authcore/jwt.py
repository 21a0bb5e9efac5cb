"""JWT access tokens: issue and verify with a fixed algorithm allow-list and ``kid`` key sets.

Keys are dicts in the one shape every binding uses (``KeySpec``): ``{"alg": "HS256",
"secret": "..."}``, ``{"alg": "ES256", "pem": "-----BEGIN ..."}``, ``{"jwk": {...}}`` or
``{"alg": "EdDSA", "raw_b64": "..."}``, each with an optional ``"kid"``.

>>> from authcore.jwt import Issuer, Verifier
>>> key = {"alg": "HS256", "secret": "an HS256 secret of at least 32 bytes!!"}
>>> token = Issuer(key).issue({"sub": "user-1"}, now=1_700_000_000)
>>> Verifier(algorithms=["HS256"], keys=[key]).verify(token, now=1_700_000_010)["claims"]["sub"]
'user-1'
"""

from ._authcore import Issuer, JwksCache, Verifier, decode_unverified, from_env, parse_jwks, verify_signature

__all__ = ["Issuer", "JwksCache", "Verifier", "decode_unverified", "from_env", "parse_jwks", "verify_signature"]
