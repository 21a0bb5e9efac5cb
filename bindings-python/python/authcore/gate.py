"""The authenticator: ``classify`` a request, load what ``needs`` names, then ``decide``.

Decisions are ``{"decision": "allow", "context": {...}}`` or ``{"decision": "deny", "error":
{...}, "response": {"status", "headers", "body"}}`` (send ``response`` as it is).
"""

from ._authcore import Gate

__all__ = ["Gate"]
