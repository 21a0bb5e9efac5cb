//! Server sessions: opaque UUID tokens, idle expiry, instant revocation, rotation on sign-in.
//!
//! A session token is a random UUID v4 (from the entropy input) handed to the client once.
//! The host stores a [`Session`] record keyed by [`token_hash`] — the SHA-256 of the token —
//! so a database leak does not leak live sessions.
//!
//! * [`SessionManager::validate`] checks a presented token against its record at `now`:
//!   `invalid_session` (malformed, unknown, or not this record's token), `session_revoked`,
//!   `session_expired` (idle for `idle_timeout`, default 30 days: expired when
//!   `now >= last_seen_at + idle_timeout`, or past an optional absolute lifetime). A valid
//!   session may come with a record to store whose `last_seen_at` is `now`: at most one such
//!   "touch" per `touch_interval` (default 60 s) per session.
//! * [`SessionManager::revoke`] is a record update, effective at the next request.
//! * [`SessionManager::sign_in`] always creates a new token (a guest signing in, a user
//!   re-authenticating): the previous session is returned revoked, never upgraded in place,
//!   so a token an attacker planted before sign-in is worthless after it (no fixation).
//!
//! Records carry a `revision` for compare-and-swap storage, like device grants.
//!
//! ```
//! use authcore::entropy::OsEntropy;
//! use authcore::session::{token_hash, SessionConfig, SessionManager};
//!
//! let sessions = SessionManager::new(SessionConfig::default())?;
//! let now = 1_700_000_000;
//! let new = sessions.create("user-1", Some("a@example.com"), false, now, &mut OsEntropy)?;
//! // Store `new.record` keyed by its `token_hash`; give `new.token` to the client.
//! let presented = new.token.expose();
//! assert_eq!(token_hash(presented).as_deref(), Some(new.record.token_hash.as_str()));
//! let ok = sessions.validate(Some(&new.record), presented, now + 120)?;
//! assert_eq!(ok.touch.map(|t| t.last_seen_at), Some(now + 120)); // store the touch
//! let revoked = sessions.revoke(&new.record, now + 130);
//! assert!(sessions.validate(Some(&revoked), presented, now + 131).is_err());
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::json::versioned;
use crate::jwt::{VerifiedToken, Verifier};
use crate::secret::Secret;
use crate::util::{canonical_uuid, check_user_id, sha256_hex};

/// Current format version of [`Session`] records.
pub const SESSION_VERSION: u32 = 1;

/// Session rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct SessionConfig {
    /// Seconds without activity before a session expires (default 30 days).
    pub idle_timeout: i64,
    /// Seconds after creation when a session expires regardless of activity (default none).
    pub absolute_lifetime: Option<i64>,
    /// Minimum seconds between two "touch last-seen" writes (default 60).
    pub touch_interval: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: 30 * 86_400,
            absolute_lifetime: None,
            touch_interval: 60,
        }
    }
}

/// The stored record of one session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Format version ([`SESSION_VERSION`]).
    pub version: u32,
    /// Grows by one on every change.
    pub revision: u64,
    /// Hex SHA-256 of the token: the lookup key.
    pub token_hash: String,
    /// The signed-in user (or the guest id for guest sessions).
    pub user_id: String,
    /// The user's e-mail, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A guest session (read-only).
    #[serde(default)]
    pub is_guest: bool,
    /// Creation time.
    pub created_at: i64,
    /// Last activity.
    pub last_seen_at: i64,
    /// Revocation time, once revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
}

impl Session {
    /// Serialises the record to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored record.
    pub fn from_json(text: &str) -> Result<Self> {
        versioned(text, SESSION_VERSION, "session")
    }

    fn next(&self) -> Self {
        let mut s = self.clone();
        s.revision = s.revision.saturating_add(1);
        s
    }
}

/// A new session: the token for the client (once) and the record to insert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewSession {
    /// The opaque token (UUID v4). Give it to the client; store only the record.
    pub token: Secret,
    /// The record to insert.
    pub record: Session,
}

/// The result of a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignIn {
    /// The new session.
    pub session: NewSession,
    /// The previous session, revoked: store it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Session>,
    /// The response body `{"session_token", "user_id", "email"}`.
    pub response: Value,
}

/// A valid session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionValid {
    /// The record (unchanged).
    pub session: Session,
    /// A touched record to store (throttled to one per `touch_interval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touch: Option<Session>,
}

/// The lookup key for a session token: lower-case hex SHA-256 of its canonical form.
/// `None` when the text is not a UUID.
pub fn token_hash(token: &str) -> Option<String> {
    canonical_token(token).map(|t| sha256_hex(&t))
}

/// Whether `token` looks like a session token (a UUID in its 36-character form).
pub fn is_session_token(token: &str) -> bool {
    canonical_token(token).is_some()
}

fn canonical_token(token: &str) -> Option<String> {
    if token.len() != 36 {
        return None;
    }
    canonical_uuid(token)
}

/// Sessions under one set of rules. Holds only configuration.
#[derive(Debug, Clone)]
pub struct SessionManager {
    config: SessionConfig,
}

impl SessionManager {
    /// A manager with validated rules.
    pub fn new(config: SessionConfig) -> Result<Self> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        if !(60..=10 * 365 * 86_400).contains(&config.idle_timeout) {
            return bad("idle_timeout", "The idle timeout must be 60 seconds to 10 years.");
        }
        if config
            .absolute_lifetime
            .is_some_and(|a| !(60..=10 * 365 * 86_400).contains(&a))
        {
            return bad(
                "absolute_lifetime",
                "The absolute lifetime must be 60 seconds to 10 years.",
            );
        }
        if !(0..config.idle_timeout).contains(&config.touch_interval) {
            return bad(
                "touch_interval",
                "The touch interval must be 0 or more and below the idle timeout.",
            );
        }
        Ok(Self { config })
    }

    /// The rules.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Creates a session for `user_id`.
    pub fn create(
        &self,
        user_id: &str,
        email: Option<&str>,
        is_guest: bool,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<NewSession> {
        check_user_id(user_id)?;
        let bytes = random_bytes(entropy, 16)?;
        let mut raw = [0u8; 16];
        raw.copy_from_slice(&bytes);
        let token = uuid::Builder::from_random_bytes(raw)
            .into_uuid()
            .hyphenated()
            .to_string();
        let record = Session {
            version: SESSION_VERSION,
            revision: 1,
            token_hash: token_hash(&token).unwrap_or_default(),
            user_id: user_id.to_owned(),
            email: email.map(str::to_owned),
            is_guest,
            created_at: now,
            last_seen_at: now,
            revoked_at: None,
        };
        Ok(NewSession {
            token: Secret::new(token),
            record,
        })
    }

    /// Signs `user_id` in: a new session, and the previous one (if any) revoked.
    pub fn sign_in(
        &self,
        previous: Option<&Session>,
        user_id: &str,
        email: Option<&str>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<SignIn> {
        let session = self.create(user_id, email, false, now, entropy)?;
        let revoked = previous.filter(|p| p.revoked_at.is_none()).map(|p| self.revoke(p, now));
        let response = json!({
            "session_token": session.token.expose(),
            "user_id": user_id,
            "email": email,
        });
        Ok(SignIn {
            session,
            revoked,
            response,
        })
    }

    /// The exchange `Bearer <identity-provider JWT>` → session: the token must already be
    /// verified (see [`crate::jwt::Verifier`]); `sub` becomes the user id and `email` the
    /// e-mail.
    pub fn exchange(
        &self,
        verified: &VerifiedToken,
        previous: Option<&Session>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<SignIn> {
        let user_id = verified
            .subject()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::field(ErrorCode::InvalidClaims, "sub", "The token has no subject."))?;
        let email = match verified.claims().get("email") {
            None | Some(Value::Null) => None,
            Some(Value::String(e)) => Some(e.as_str()),
            Some(_) => {
                return Err(Error::field(
                    ErrorCode::InvalidClaims,
                    "email",
                    "`email` must be a string.",
                ))
            }
        };
        self.sign_in(previous, user_id, email, now, entropy)
    }

    /// The whole exchange in one call: verifies the identity provider's `token` with
    /// `verifier` at `now`, then [`SessionManager::exchange`]s it. A token that does not
    /// verify fails with the verifier's error (`token_expired`, `invalid_token`, …) and no
    /// session is made.
    pub fn exchange_token(
        &self,
        verifier: &Verifier,
        token: &str,
        previous: Option<&Session>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<SignIn> {
        let verified = verifier.verify(token, now)?;
        self.exchange(&verified, previous, now, entropy)
    }

    /// Checks `token` (as presented) against `record` (found by [`token_hash`]) at `now`.
    pub fn validate(&self, record: Option<&Session>, token: &str, now: i64) -> Result<SessionValid> {
        let invalid = || Error::new(ErrorCode::InvalidSession);
        let hash = token_hash(token).ok_or_else(invalid)?;
        let record = record.ok_or_else(invalid)?;
        if !bool::from(hash.as_bytes().ct_eq(record.token_hash.as_bytes())) {
            return Err(invalid());
        }
        self.check(record, now)
    }

    /// Checks a record already matched to its token (revocation, idle and absolute expiry).
    pub fn check(&self, record: &Session, now: i64) -> Result<SessionValid> {
        if record.revoked_at.is_some() {
            return Err(Error::new(ErrorCode::SessionRevoked));
        }
        if now >= record.last_seen_at.saturating_add(self.config.idle_timeout) {
            return Err(Error::with_detail(
                ErrorCode::SessionExpired,
                "Session has expired after inactivity.",
            ));
        }
        if let Some(lifetime) = self.config.absolute_lifetime {
            if now >= record.created_at.saturating_add(lifetime) {
                return Err(Error::with_detail(
                    ErrorCode::SessionExpired,
                    "Session has reached its maximum lifetime.",
                ));
            }
        }
        let touch = (now.saturating_sub(record.last_seen_at) >= self.config.touch_interval
            && now > record.last_seen_at)
            .then(|| {
                let mut t = record.next();
                t.last_seen_at = now;
                t
            });
        Ok(SessionValid {
            session: record.clone(),
            touch,
        })
    }

    /// Revokes a session (idempotent: an already revoked record is returned unchanged).
    pub fn revoke(&self, record: &Session, now: i64) -> Session {
        if record.revoked_at.is_some() {
            return record.clone();
        }
        let mut r = record.next();
        r.revoked_at = Some(now);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn tokens_are_uuid_v4_and_stored_as_digests() {
        let m = SessionManager::new(SessionConfig::default()).unwrap();
        let mut e = FixedEntropy::new(vec![0xab; 16]);
        let s = m.create("u1", None, false, NOW, &mut e).unwrap();
        assert_eq!(s.token.expose(), "abababab-abab-4bab-abab-abababababab");
        assert_eq!(s.record.token_hash.len(), 64);
        assert!(!s.record.to_json().contains(s.token.expose()));
        // Upper-case input is the same token.
        let upper = s.token.expose().to_uppercase();
        assert!(m.validate(Some(&s.record), &upper, NOW).is_ok());
        assert!(!format!("{s:?}").contains("abab-4bab"));
    }

    #[test]
    fn idle_expiry_edges_and_touch() {
        let m = SessionManager::new(SessionConfig::default()).unwrap();
        let s = m
            .create("u1", None, false, NOW, &mut FixedEntropy::new(vec![1; 16]))
            .unwrap();
        let t = s.token.expose();
        let v = m.validate(Some(&s.record), t, NOW + 59).unwrap();
        assert!(v.touch.is_none());
        let v = m.validate(Some(&s.record), t, NOW + 60).unwrap();
        assert_eq!(v.touch.unwrap().last_seen_at, NOW + 60);
        assert!(m.validate(Some(&s.record), t, NOW + 30 * 86_400 - 1).is_ok());
        assert_eq!(
            m.validate(Some(&s.record), t, NOW + 30 * 86_400).unwrap_err().code(),
            ErrorCode::SessionExpired
        );
        let revoked = m.revoke(&s.record, NOW + 1);
        assert_eq!(
            m.validate(Some(&revoked), t, NOW + 2).unwrap_err().code(),
            ErrorCode::SessionRevoked
        );
        assert_eq!(
            m.validate(Some(&s.record), "nope", NOW).unwrap_err().code(),
            ErrorCode::InvalidSession
        );
    }
}
