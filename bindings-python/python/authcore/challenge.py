"""``WWW-Authenticate`` parsing (RFC 9110 §11.6.1, RFC 6750 §3): every challenge of one or
more header values, and what an OAuth client reads from the ``Bearer`` (or ``DPoP``) one."""

from ._authcore import parse_challenges, resource_challenge

__all__ = ["parse_challenges", "resource_challenge"]
