//! Magic links: a one-time sign-in token mailed to an address.
//!
//! [`MagicLinks::issue`] normalises the address ([`crate::password::normalize_email`]), checks
//! the address's send counter, and mints a token of [`MagicLinkConfig::token_bytes`] random
//! bytes (default 32: 256 bits, base64url) that lives [`MagicLinkConfig::ttl`] seconds
//! (default 900: 15 minutes). Only its SHA-256 ([`magic_link_hash`]) is stored. The host mails
//! the token (or [`IssuedMagicLink::link`], when [`MagicLinkConfig::link_url`] is set);
//! [`MagicLinks::redeem`] checks it once and returns the address, and the host signs that
//! address's account in (or creates it).
//!
//! ## Rate limit
//!
//! The send counter is an [`EntryLimiter`] record the host keeps per normalised address (with
//! compare-and-swap on `revision`; its `failures` member counts links sent in the window):
//! at most [`MagicLinkConfig::max_per_window`] links (default 5) per
//! [`MagicLinkConfig::window`] seconds (default 900). Beyond that `issue` is
//! `too_many_attempts` and nothing changes. The counter depends on the address only, never on
//! whether an account exists: call `issue` for every requested address, mail only addresses
//! with an account (or mail "no account here" to the others), and answer the browser the same
//! way in every case, so the answer does not tell whether an account exists.
//!
//! ```
//! use authcore::entropy::OsEntropy;
//! use authcore::signin::{MagicLinkConfig, MagicLinks};
//!
//! let links = MagicLinks::new(MagicLinkConfig::default())?;
//! let now = 1_700_000_000;
//! let issued = links.issue(" User@Example.COM ", None, now, &mut OsEntropy)?;
//! // Store issued.record (keyed by token_hash) and issued.limiter (keyed by the address); mail the token.
//! let token = issued.token.expose().to_owned();
//! let redeemed = links.redeem(Some(&issued.record), &token, now + 60)?;
//! assert_eq!(redeemed.email, "user@example.com"); // store redeemed.record (compare-and-swap), sign in
//! assert!(links.redeem(Some(&redeemed.record), &token, now + 61).is_err()); // single use
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::device::EntryLimiter;
use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_endpoint, query_encode};
use crate::json::versioned;
use crate::password::normalize_email;
use crate::secret::Secret;
use crate::util::{b64url, sha256_hex};

/// Current format version of [`MagicLinkRecord`]s.
pub const MAGIC_LINK_VERSION: u32 = 1;

/// Magic-link rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct MagicLinkConfig {
    /// Seconds a link lives (default 900; 60 to 86400).
    pub ttl: i64,
    /// Random bytes per token (default 32; 32 to 64).
    pub token_bytes: usize,
    /// Links per address per window (default 5; 1 to 100).
    pub max_per_window: u32,
    /// The rate-limit window in seconds (default 900; 60 to 86400).
    pub window: i64,
    /// The page that redeems links (an `https` URL, `http` only to loopback): when set,
    /// [`IssuedMagicLink::link`] is `<link_url>?token=…` (`&token=…` if it has a query).
    pub link_url: Option<String>,
}

impl Default for MagicLinkConfig {
    fn default() -> Self {
        Self {
            ttl: 900,
            token_bytes: 32,
            max_per_window: 5,
            window: 900,
            link_url: None,
        }
    }
}

/// The stored record of one magic link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MagicLinkRecord {
    /// Format version ([`MAGIC_LINK_VERSION`]).
    pub version: u32,
    /// Grows by one on every change.
    pub revision: u64,
    /// Hex SHA-256 of the token: the lookup key.
    pub token_hash: String,
    /// The normalised address the link was sent to.
    pub email: String,
    /// Issue time.
    pub issued_at: i64,
    /// Expiry time.
    pub expires_at: i64,
    /// Whether the link was used.
    #[serde(default)]
    pub used: bool,
}

impl MagicLinkRecord {
    /// Serialises the record to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored record (`state_corrupt`, `state_version_unsupported`).
    pub fn from_json(text: &str) -> Result<Self> {
        versioned(text, MAGIC_LINK_VERSION, "magic link")
    }
}

/// A new magic link: the token to mail, the record, and the address's counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedMagicLink {
    /// The token (base64url). Mail it; never log it.
    pub token: Secret,
    /// `<link_url>?token=…`, when a `link_url` is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Secret>,
    /// The record to insert, keyed by its `token_hash`.
    pub record: MagicLinkRecord,
    /// The address's send counter to store (compare-and-swap on `revision`).
    pub limiter: EntryLimiter,
}

/// A redeemed link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MagicLinkRedeemed {
    /// The normalised address: sign its account in.
    pub email: String,
    /// The record, used: store it with compare-and-swap first.
    pub record: MagicLinkRecord,
}

/// The lookup key for a magic-link token: lower-case hex SHA-256.
pub fn magic_link_hash(token: &str) -> String {
    sha256_hex(token)
}

/// Magic links under one set of rules.
#[derive(Debug, Clone)]
pub struct MagicLinks {
    config: MagicLinkConfig,
}

impl MagicLinks {
    /// Magic links with validated rules (`invalid_config` naming the field).
    pub fn new(config: MagicLinkConfig) -> Result<Self> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        if !(60..=86_400).contains(&config.ttl) {
            return bad("ttl", "The link lifetime must be 60 to 86400 seconds.");
        }
        if !(32..=64).contains(&config.token_bytes) {
            return bad(
                "token_bytes",
                "A link token needs 32 to 64 random bytes (256 bits or more).",
            );
        }
        if !(1..=100).contains(&config.max_per_window) {
            return bad("max_per_window", "The limit must be 1 to 100 links per window.");
        }
        if !(60..=86_400).contains(&config.window) {
            return bad("window", "The window must be 60 to 86400 seconds.");
        }
        if let Some(url) = &config.link_url {
            check_endpoint("link_url", url, false)?;
        }
        Ok(Self { config })
    }

    /// The rules.
    pub fn config(&self) -> &MagicLinkConfig {
        &self.config
    }

    /// Mints a link for `email` (normalised; `invalid_username` naming `email` when it is
    /// not an address). `limiter` is the address's counter (`None`: a fresh one); when it
    /// already holds `max_per_window` sends in the window, the answer is `too_many_attempts`
    /// and nothing changes. Takes `token_bytes` random bytes.
    pub fn issue(
        &self,
        email: &str,
        limiter: Option<&EntryLimiter>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<IssuedMagicLink> {
        let email = normalize_email(email)?;
        let fresh = EntryLimiter::default();
        let limiter = limiter.unwrap_or(&fresh);
        let open = now.saturating_sub(limiter.window_start) < self.config.window;
        let sent = if open { limiter.failures } else { 0 };
        if sent >= self.config.max_per_window {
            return Err(Error::field(
                ErrorCode::TooManyAttempts,
                "email",
                "Too many sign-in links were requested for this address; try again later.",
            ));
        }
        let next = EntryLimiter {
            revision: limiter.revision.saturating_add(1),
            window_start: if open { limiter.window_start } else { now },
            failures: sent.saturating_add(1),
        };
        let token = b64url(&random_bytes(entropy, self.config.token_bytes)?);
        let link = self.config.link_url.as_ref().map(|base| {
            let sep = if base.contains('?') { '&' } else { '?' };
            Secret::new(format!("{base}{sep}token={}", query_encode(&token)))
        });
        Ok(IssuedMagicLink {
            record: MagicLinkRecord {
                version: MAGIC_LINK_VERSION,
                revision: 1,
                token_hash: magic_link_hash(&token),
                email,
                issued_at: now,
                expires_at: now.saturating_add(self.config.ttl),
                used: false,
            },
            token: Secret::new(token),
            link,
            limiter: next,
        })
    }

    /// Redeems a presented token (its record found by [`magic_link_hash`], or `None`). Unknown,
    /// mismatched, used and expired (`now >= expires_at`) links are `invalid_grant` naming
    /// `token`; nothing changes then. On success, store the returned record (used) with
    /// compare-and-swap before signing in.
    pub fn redeem(&self, record: Option<&MagicLinkRecord>, token: &str, now: i64) -> Result<MagicLinkRedeemed> {
        let invalid = |detail: &str| Error::field(ErrorCode::InvalidGrant, "token", detail);
        let record = record.ok_or_else(|| invalid("The sign-in link is not valid."))?;
        let hash = magic_link_hash(token);
        if !bool::from(hash.as_bytes().ct_eq(record.token_hash.as_bytes())) {
            return Err(invalid("The sign-in link is not valid."));
        }
        if record.used {
            return Err(invalid("The sign-in link was already used."));
        }
        if now >= record.expires_at {
            return Err(invalid("The sign-in link has expired; ask for a new one."));
        }
        let mut used = record.clone();
        used.used = true;
        used.revision = used.revision.saturating_add(1);
        Ok(MagicLinkRedeemed {
            email: record.email.clone(),
            record: used,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn issue_redeem_once_and_expire() {
        let m = MagicLinks::new(MagicLinkConfig {
            link_url: Some("https://app.example/auth/magic".into()),
            ..Default::default()
        })
        .unwrap();
        let i = m
            .issue("User@Example.com", None, NOW, &mut FixedEntropy::new((0..32).collect()))
            .unwrap();
        assert_eq!(i.token.expose(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
        assert_eq!(
            i.link.as_ref().map(Secret::expose),
            Some("https://app.example/auth/magic?token=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
        );
        assert_eq!(
            (i.record.email.as_str(), i.record.expires_at),
            ("user@example.com", NOW + 900)
        );
        assert_eq!(
            (i.limiter.failures, i.limiter.window_start, i.limiter.revision),
            (1, NOW, 1)
        );
        assert!(!format!("{i:?}").contains("AAECAwQF"));
        let e = m.redeem(Some(&i.record), i.token.expose(), NOW + 900).unwrap_err();
        assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidGrant, Some("token")));
        let e = m.redeem(Some(&i.record), "AAAA", NOW).unwrap_err();
        assert!(!e.detail().contains("AAAA"));
        let r = m.redeem(Some(&i.record), i.token.expose(), NOW + 899).unwrap();
        assert_eq!((r.record.used, r.record.revision), (true, 2));
        let e = m.redeem(Some(&r.record), i.token.expose(), NOW + 899).unwrap_err();
        assert_eq!(e.detail(), "The sign-in link was already used.");
    }

    #[test]
    fn rate_limited_per_address() {
        let m = MagicLinks::new(MagicLinkConfig::default()).unwrap();
        let mut limiter: Option<EntryLimiter> = None;
        for k in 0..5 {
            let i = m
                .issue(
                    "a@example.com",
                    limiter.as_ref(),
                    NOW + k,
                    &mut FixedEntropy::new(vec![1; 32]),
                )
                .unwrap();
            limiter = Some(i.limiter);
        }
        let e = m
            .issue(
                "a@example.com",
                limiter.as_ref(),
                NOW + 899,
                &mut FixedEntropy::new(vec![1; 32]),
            )
            .unwrap_err();
        assert_eq!((e.code(), e.status()), (ErrorCode::TooManyAttempts, 429));
        let i = m
            .issue(
                "a@example.com",
                limiter.as_ref(),
                NOW + 900,
                &mut FixedEntropy::new(vec![1; 32]),
            )
            .unwrap();
        assert_eq!(
            (i.limiter.failures, i.limiter.window_start, i.limiter.revision),
            (1, NOW + 900, 6)
        );
        let e = m
            .issue("not-an-address", None, NOW, &mut FixedEntropy::new(vec![1; 32]))
            .unwrap_err();
        assert_eq!(e.field_name(), Some("email"));
        let e = MagicLinks::new(MagicLinkConfig {
            link_url: Some("http://evil.example/x".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field_name(), Some("link_url"));
    }
}
