"""The OAuth 2.0 device authorization grant (RFC 8628): client and server machines.

:class:`DeviceClient` emits ``send``, ``prompt``, ``wait``, ``save_tokens``, ``done`` and
``failed`` actions; :class:`DeviceAuthority` issues grants and answers polls with records to
store under compare-and-swap on ``revision``.
"""

from ._authcore import (
    DeviceAuthority,
    DeviceClient,
    device_code_hash,
    load_grant,
    oauth_error,
    parse_authorization_request,
    parse_token_request,
)

__all__ = [
    "DeviceAuthority",
    "DeviceClient",
    "device_code_hash",
    "load_grant",
    "oauth_error",
    "parse_authorization_request",
    "parse_token_request",
]
