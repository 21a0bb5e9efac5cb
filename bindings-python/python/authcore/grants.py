"""Token requests beyond the authorization code: token-endpoint client authentication
(``none``, ``client_secret_basic``, ``client_secret_post``, ``private_key_jwt`` per RFC 7523),
the client-credentials grant, the JWT-bearer grant (RFC 7523 section 2.1) and token exchange
(RFC 8693), including the enterprise-managed ID token to ID-JAG exchange.

Sans-IO: :func:`grant_request` returns the request to send; :func:`grant_response` and
:func:`token_exchange_response` read the answer."""

from ._authcore import (
    choose_auth_method,
    client_assertion,
    grant_request,
    grant_response,
    id_jag_request,
    token_exchange_response,
)

__all__ = [
    "choose_auth_method",
    "client_assertion",
    "grant_request",
    "grant_response",
    "id_jag_request",
    "token_exchange_response",
]
