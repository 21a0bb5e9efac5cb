"""The authenticator: ``classify`` a request, load what ``needs`` names, then ``decide``.

Decisions are ``{"type": "allow", "context": {...}}`` or ``{"type": "deny", "error":
{...}, "response": {"status", "headers", "body"}}`` (send ``response`` as it is).

``request["url"]`` is the request target as received (``/path?query``) or the request's full
URL; route on exactly ``classified["path"]``, the path the rules were matched against. A
malformed or ambiguous target (``..``, ``%2F``, ``;``, ``//``, ...) is denied with 400
``invalid_request_target``; a method that no rule matching the path lists is denied with 405
``method_not_allowed`` and an ``Allow`` header. A guest's id is ``context["guest_id"]``;
``context["user_id"]`` is only ever a signed-in user's.

``Gate.from_env(env=None, config=None, **options)`` builds a gate whose ``services_env``
secrets (default: ``AUTHCORE_SERVICES_TOKEN`` on ``X-Services-Token``) are read from ``env``
(default ``os.environ``); ``generate_gateway_token()`` makes a gateway token (256 bits,
URL-safe base64 without padding) for the ``gateway`` option.
"""

from ._authcore import Gate, generate_gateway_token

__all__ = ["Gate", "generate_gateway_token"]
