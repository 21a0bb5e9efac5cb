//! Server-side refresh-token rotation with reuse detection (RFC 9700 §4.14.2).
//!
//! A refresh token is ≥ 256 random bits, shown to the client once and stored as its SHA-256
//! digest ([`refresh_token_hash`]). Tokens descend from one sign-in in a *family*. Each use
//! rotates: the presented token's record becomes `rotated` and a new token of the same family
//! is issued. Presenting a `rotated` token again means it was copied — the legitimate client
//! already moved on — so [`Rotation::Reuse`] tells the host to revoke the whole family, and
//! the caller gets `invalid_grant`.
//!
//! Records carry a `revision` for compare-and-swap storage: store the `rotated` previous
//! record with "revision must still be `revision - 1`" *before* handing out the new token; a
//! lost race means another request rotated first, and this one must answer `invalid_grant`.
//!
//! ```
//! use authcore::entropy::OsEntropy;
//! use authcore::refresh::{RefreshConfig, RefreshTokens, Rotation};
//!
//! let rt = RefreshTokens::new(RefreshConfig::default())?;
//! let first = rt.issue("user-1", Some("cli"), None, 0, &mut OsEntropy)?;
//! let token = first.refresh_token.expose().to_owned();
//! let Rotation::Rotated { previous, issued } = rt.rotate(Some(&first.record), &token, Some("cli"), 60, &mut OsEntropy)? else {
//!     unreachable!()
//! };
//! // Store `previous` (compare-and-swap on revision), insert `issued.record`, answer with `issued.refresh_token`.
//! // The old token presented again is a replay: revoke the family.
//! let replay = rt.rotate(Some(&previous), &token, Some("cli"), 120, &mut OsEntropy)?;
//! assert!(matches!(replay, Rotation::Reuse { family_id, .. } if family_id == first.record.family_id));
//! # let _ = issued;
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::device::{form_param, parse_form_with};
use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::FormLimits;
use crate::json::versioned;
use crate::secret::Secret;
use crate::util::{b64url, check_user_id, hex, sha256_hex};

/// Current format version of [`RefreshRecord`]s.
pub const REFRESH_RECORD_VERSION: u32 = 1;

/// Rotation rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct RefreshConfig {
    /// Lifetime of each refresh token in seconds (default 30 days).
    pub ttl: i64,
    /// Lifetime of a family from sign-in, after which the user signs in again
    /// (default 90 days; `null` for none).
    pub family_lifetime: Option<i64>,
    /// Random bytes per token (32 to 64, default 32).
    pub token_bytes: usize,
}

impl Default for RefreshConfig {
    fn default() -> Self {
        Self {
            ttl: 30 * 86_400,
            family_lifetime: Some(90 * 86_400),
            token_bytes: 32,
        }
    }
}

/// Where a refresh token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefreshStatus {
    /// Usable once.
    Active,
    /// Used; presenting it again revokes the family.
    Rotated,
    /// Revoked (sign-out, reuse detected).
    Revoked,
}

/// The stored record of one refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRecord {
    /// Format version ([`REFRESH_RECORD_VERSION`]).
    pub version: u32,
    /// Grows by one on every change.
    pub revision: u64,
    /// Hex SHA-256 of the token: the lookup key.
    pub token_hash: String,
    /// The family (one per sign-in): revoke every record with this id on reuse.
    pub family_id: String,
    /// The user.
    pub user_id: String,
    /// The client the token was issued to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Granted scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Issue time.
    pub issued_at: i64,
    /// Expiry of this token.
    pub expires_at: i64,
    /// Expiry of the family, if bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_expires_at: Option<i64>,
    /// Where it stands.
    pub status: RefreshStatus,
}

impl RefreshRecord {
    /// Serialises the record to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored record.
    pub fn from_json(text: &str) -> Result<Self> {
        versioned(text, REFRESH_RECORD_VERSION, "refresh token record")
    }
}

/// A new refresh token: the token for the client (once) and the record to insert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedRefresh {
    /// The token.
    pub refresh_token: Secret,
    /// The record to insert.
    pub record: RefreshRecord,
}

/// What a refresh attempt decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum Rotation {
    /// Store `previous` (compare-and-swap), insert `issued.record`, then answer with
    /// `issued.refresh_token` and a new access token for `user_id`.
    Rotated {
        /// The presented token's record, now `rotated`.
        previous: RefreshRecord,
        /// The replacement.
        issued: IssuedRefresh,
    },
    /// A rotated token came back: revoke every record of `family_id`, answer `error`.
    Reuse {
        /// The family to revoke.
        family_id: String,
        /// `invalid_grant`.
        error: Error,
    },
}

/// The `grant_type` of a refresh request (RFC 6749 §6).
pub const REFRESH_TOKEN_GRANT_TYPE: &str = "refresh_token";

/// A refresh request at the token endpoint (RFC 6749 §6): hand `refresh_token` and
/// `client_id` to [`RefreshTokens::rotate`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// Always [`REFRESH_TOKEN_GRANT_TYPE`].
    pub grant_type: String,
    /// The presented refresh token (secret).
    pub refresh_token: Secret,
    /// The client, from the body or from HTTP client authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The requested scope, when the body names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl core::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("grant_type", &self.grant_type)
            .field("refresh_token", &self.refresh_token)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish()
    }
}

impl RefreshRequest {
    /// Parses a form-encoded refresh request body (RFC 6749 §6) with the caps and checks of
    /// [`TokenRequest::from_form`](crate::device::TokenRequest::from_form): a body over the
    /// form caps gives `payload_too_large` (413, field `body`); a repeated parameter, a
    /// malformed body or a missing or empty `refresh_token` / `grant_type` `invalid_request`;
    /// another grant type `unsupported_grant_type`. `client_id` (e.g. from HTTP Basic client
    /// authentication) overrides the body's; both are optional (a public client may send
    /// none). An empty `scope` counts as absent. Linear time.
    pub fn from_form(body: &str, client_id: Option<&str>) -> Result<Self> {
        let pairs = parse_form_with(body, FormLimits::default())?;
        let grant_type = form_param(&pairs, "grant_type")?;
        if grant_type != REFRESH_TOKEN_GRANT_TYPE {
            return Err(Error::field(
                ErrorCode::UnsupportedGrantType,
                "grant_type",
                "Only the refresh_token grant type is supported here.",
            ));
        }
        let optional = |name: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        Ok(Self {
            grant_type,
            refresh_token: Secret::new(form_param(&pairs, "refresh_token")?),
            client_id: client_id.map(str::to_owned).or_else(|| optional("client_id")),
            scope: optional("scope"),
        })
    }
}

/// Parses a refresh request body: [`RefreshRequest::from_form`].
pub fn parse_refresh_request(body: &str, client_id: Option<&str>) -> Result<RefreshRequest> {
    RefreshRequest::from_form(body, client_id)
}

/// The lookup key for a refresh token: lower-case hex SHA-256.
pub fn refresh_token_hash(token: &str) -> String {
    sha256_hex(token)
}

/// Refresh-token issue and rotation under one set of rules.
#[derive(Debug, Clone)]
pub struct RefreshTokens {
    config: RefreshConfig,
}

impl RefreshTokens {
    /// The rules this was built with.
    pub fn config(&self) -> &RefreshConfig {
        &self.config
    }

    /// Rotation with validated rules.
    pub fn new(config: RefreshConfig) -> Result<Self> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        if !(60..=10 * 365 * 86_400).contains(&config.ttl) {
            return bad("ttl", "The refresh-token lifetime must be 60 seconds to 10 years.");
        }
        if config
            .family_lifetime
            .is_some_and(|f| !(60..=10 * 365 * 86_400).contains(&f))
        {
            return bad("family_lifetime", "The family lifetime must be 60 seconds to 10 years.");
        }
        if !(32..=64).contains(&config.token_bytes) {
            return bad(
                "token_bytes",
                "A refresh token needs 32 to 64 random bytes (256 bits or more).",
            );
        }
        Ok(Self { config })
    }

    /// Starts a family at sign-in.
    pub fn issue(
        &self,
        user_id: &str,
        client_id: Option<&str>,
        scope: Option<&str>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<IssuedRefresh> {
        check_user_id(user_id)?;
        let family = hex(&random_bytes(entropy, 16)?);
        let family_expires_at = self.config.family_lifetime.map(|f| now.saturating_add(f));
        self.mint(user_id, client_id, scope, family, family_expires_at, now, entropy)
    }

    #[allow(clippy::too_many_arguments)]
    fn mint(
        &self,
        user_id: &str,
        client_id: Option<&str>,
        scope: Option<&str>,
        family_id: String,
        family_expires_at: Option<i64>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<IssuedRefresh> {
        let raw = random_bytes(entropy, self.config.token_bytes)?;
        let token = b64url(&raw);
        let mut expires_at = now.saturating_add(self.config.ttl);
        if let Some(f) = family_expires_at {
            expires_at = expires_at.min(f);
        }
        Ok(IssuedRefresh {
            record: RefreshRecord {
                version: REFRESH_RECORD_VERSION,
                revision: 1,
                token_hash: refresh_token_hash(&token),
                family_id,
                user_id: user_id.to_owned(),
                client_id: client_id.map(str::to_owned),
                scope: scope.map(str::to_owned),
                issued_at: now,
                expires_at,
                family_expires_at,
                status: RefreshStatus::Active,
            },
            refresh_token: Secret::new(token),
        })
    }

    /// Uses a presented refresh token (its record found by [`refresh_token_hash`], or `None`).
    /// Unknown, mismatched, revoked, expired or other-client tokens fail with `invalid_grant`.
    pub fn rotate(
        &self,
        record: Option<&RefreshRecord>,
        presented: &str,
        client_id: Option<&str>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<Rotation> {
        let invalid = |detail: &str| Error::with_detail(ErrorCode::InvalidGrant, detail);
        let record = record.ok_or_else(|| invalid("The refresh token is not valid."))?;
        let hash = refresh_token_hash(presented);
        if !bool::from(hash.as_bytes().ct_eq(record.token_hash.as_bytes())) {
            return Err(invalid("The refresh token is not valid."));
        }
        if record.client_id.is_some() && record.client_id.as_deref() != client_id {
            return Err(invalid("The refresh token was issued to another client."));
        }
        match record.status {
            RefreshStatus::Revoked => return Err(invalid("The refresh token has been revoked.")),
            RefreshStatus::Rotated => {
                return Ok(Rotation::Reuse {
                    family_id: record.family_id.clone(),
                    error: invalid("The refresh token was already used; its sign-in has been revoked."),
                })
            }
            RefreshStatus::Active => {}
        }
        if now >= record.expires_at {
            return Err(invalid("The refresh token has expired."));
        }
        let issued = self.mint(
            &record.user_id,
            record.client_id.as_deref(),
            record.scope.as_deref(),
            record.family_id.clone(),
            record.family_expires_at,
            now,
            entropy,
        )?;
        let mut previous = record.clone();
        previous.status = RefreshStatus::Rotated;
        previous.revision = previous.revision.saturating_add(1);
        Ok(Rotation::Rotated { previous, issued })
    }

    /// Revokes one record (sign-out). To revoke a family, apply this to all its records.
    pub fn revoke(&self, record: &RefreshRecord) -> RefreshRecord {
        let mut r = record.clone();
        if r.status != RefreshStatus::Revoked {
            r.status = RefreshStatus::Revoked;
            r.revision = r.revision.saturating_add(1);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::OsEntropy;

    #[test]
    fn refresh_request_parses_and_refuses() {
        let r = parse_refresh_request("grant_type=refresh_token&refresh_token=abc&scope=read+write", None).unwrap();
        assert_eq!(r.refresh_token.expose(), "abc");
        assert_eq!(r.scope.as_deref(), Some("read write"));
        assert_eq!(r.client_id, None);
        let r = parse_refresh_request("grant_type=refresh_token&refresh_token=abc&client_id=a", Some("b")).unwrap();
        assert_eq!(r.client_id.as_deref(), Some("b"));
        assert!(!format!("{r:?}").contains("abc"));
        let e = parse_refresh_request("grant_type=password&refresh_token=abc", None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UnsupportedGrantType);
        let e = parse_refresh_request("grant_type=refresh_token&refresh_token=a&refresh_token=b", None).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidRequest);
        let e = parse_refresh_request("grant_type=refresh_token", None).unwrap_err();
        assert_eq!(e.field_name(), Some("refresh_token"));
    }

    #[test]
    fn rotate_then_reuse_revokes_the_family() {
        let r = RefreshTokens::new(RefreshConfig::default()).unwrap();
        let first = r.issue("u1", Some("cli"), None, 0, &mut OsEntropy).unwrap();
        assert!(first.refresh_token.expose().len() >= 43);
        let Rotation::Rotated { previous, issued } = r
            .rotate(
                Some(&first.record),
                first.refresh_token.expose(),
                Some("cli"),
                10,
                &mut OsEntropy,
            )
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(previous.status, RefreshStatus::Rotated);
        assert_eq!(issued.record.family_id, first.record.family_id);
        let again = r
            .rotate(
                Some(&previous),
                first.refresh_token.expose(),
                Some("cli"),
                20,
                &mut OsEntropy,
            )
            .unwrap();
        assert!(matches!(again, Rotation::Reuse { family_id, .. } if family_id == first.record.family_id));
        let other = r.rotate(
            Some(&issued.record),
            issued.refresh_token.expose(),
            Some("x"),
            20,
            &mut OsEntropy,
        );
        assert_eq!(other.unwrap_err().code(), ErrorCode::InvalidGrant);
    }
}
