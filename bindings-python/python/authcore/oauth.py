"""OAuth 2.0 helpers: PKCE (RFC 7636), the authorization-code flow with a single-use state, and
provider metadata (OpenID Connect Discovery, RFC 8414: ``well_known_url``, ``parse_provider_metadata``)."""

from ._authcore import AuthCodeClient, check_pkce, parse_provider_metadata, pkce, well_known_url
from ._authcore import oauth_error_response as error_response

__all__ = ["AuthCodeClient", "check_pkce", "error_response", "parse_provider_metadata", "pkce", "well_known_url"]
