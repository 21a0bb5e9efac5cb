"""DPoP (RFC 9449): proof-of-possession for access tokens.

Client: :class:`DpopKey` (``DpopKey.generate()``: ES256 by default, or ``"EdDSA"``) signs one
proof per request (``key.proof("POST", url, access_token=..., nonce=...)``, sent as the
``DPoP`` header, the token as ``Authorization: DPoP <token>``); ``key.thumbprint`` is the
``dpop_jkt``. :class:`DpopNonces` remembers each server's ``DPoP-Nonce`` and says when a
``use_dpop_nonce`` answer should be retried (once). ``check_token_type`` reads a token
response's ``token_type``.

Server: :class:`ProofChecker` checks a request's proof (``check(request, access_token, jkt)``,
RFC 9449 §4.3) and returns a record; store its ``replay_key`` until ``expires_at`` and call
``check_replay(record, seen)``. ``issue_nonce`` makes stateless nonces (with ``nonce_key``);
``challenge`` writes ``WWW-Authenticate: DPoP``; ``token_endpoint_error`` the token
endpoint's 400. ``confirmation(jkt)`` is the ``cnf`` claim of a bound token and
``check_token_binding`` refuses a bound token presented as Bearer.
"""

from ._authcore import (
    DpopKey,
    DpopNonces,
    ProofChecker,
    jwk_thumbprint,
    normalize_htu,
)
from ._authcore import dpop_access_token_hash as access_token_hash
from ._authcore import dpop_check_replay as check_replay
from ._authcore import dpop_check_token_binding as check_token_binding
from ._authcore import dpop_check_token_type as check_token_type
from ._authcore import dpop_confirmation as confirmation
from ._authcore import dpop_is_nonce_challenge as is_nonce_challenge
from ._authcore import dpop_token_endpoint_error as token_endpoint_error

__all__ = [
    "DpopKey",
    "DpopNonces",
    "ProofChecker",
    "access_token_hash",
    "check_replay",
    "check_token_binding",
    "check_token_type",
    "confirmation",
    "is_nonce_challenge",
    "jwk_thumbprint",
    "normalize_htu",
    "token_endpoint_error",
]
