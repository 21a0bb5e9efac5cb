"""OAuth 2.0 helpers: PKCE (RFC 7636) and the authorization-code flow with a single-use state."""

from ._authcore import AuthCodeClient, check_pkce, pkce
from ._authcore import oauth_error_response as error_response

__all__ = ["AuthCodeClient", "check_pkce", "error_response", "pkce"]
