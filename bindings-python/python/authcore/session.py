"""Server sessions: opaque UUID tokens stored as SHA-256 digests, idle expiry (30 days by
default), throttled last-seen updates, instant revocation and a new token on every sign-in."""

from ._authcore import SessionManager, load_session, session_token_hash

__all__ = ["SessionManager", "load_session", "session_token_hash"]
