"""Server-side refresh-token rotation in families, with reuse detection (RFC 9700 4.14.2)."""

from ._authcore import RefreshTokens, load_refresh_record, parse_refresh_request, refresh_token_hash

__all__ = ["RefreshTokens", "load_refresh_record", "parse_refresh_request", "refresh_token_hash"]
