"""Connecting a provider: OAuth 2.0 dynamic client registration (RFC 7591) and auth sessions,
one sans-IO machine per attempt (PKCE with registration first, device code, API key and
client credentials forms)."""

from ._authcore import AuthSession, registration_request, registration_response

__all__ = ["AuthSession", "registration_request", "registration_response"]
