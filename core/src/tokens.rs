//! The client token lifecycle: token sets, freshness, the persisted form and the request driver.
//!
//! * [`TokenSet`]: access token, refresh token, type, scope and *absolute* expiry times,
//!   computed from `expires_in` when the token response is received.
//! * [`TokenSet::freshness`]: `fresh` while more than the margin (default 300 s) remains,
//!   `refresh_due` when `0 < remaining <= margin`, `expired` when `remaining <= 0`, and
//!   `refresh_expired` when the access token is expired and the refresh token is missing
//!   or past its own expiry.
//! * [`StoredTokens`]: the versioned JSON a CLI keeps in a file such as `~/.app/auth.json`,
//!   with a `generation` counter for compare-and-swap saves.
//! * [`RequestDriver`]: a sans-IO machine that authorises API requests, refreshes first
//!   when due, refreshes and retries exactly once on a 401, keeps one refresh in flight for
//!   any number of waiting requests, and hands out new tokens to save at once.
//!
//! ## Tokens without a refresh token
//!
//! Some servers issue an access token only (RAG Modulo: a one-hour JWT, no refresh). Such a
//! set cannot be renewed, so the driver says so *before* it stops working: the first request
//! sent once the access token is within the refresh margin emits
//! [`Action::Reauthenticate`] (`expires_at`, server clock) and still goes out with the
//! current token; the host shows "sign in again" and, after the new sign-in, calls
//! [`RequestDriver::set_tokens`]. A request after the expiry emits it too (when it was not
//! emitted yet for these tokens) and fails with `not_authenticated`, never with
//! `refresh_token_expired`; so does a request the API answers with 401 (after the one retry
//! a new token generation allows). The action comes once per token generation.
//!
//! ## Session tokens
//!
//! Some servers hand out an opaque session token instead of an OAuth token response (Reeve:
//! `POST /api/auth/session` answers `{"session_token": "<uuid>", "user_id": …, "email": …}`
//! and the token stays valid until 30 days of inactivity or a server-side revocation). A
//! body with `session_token` and no `access_token` is read as such: a bearer token set
//! without `expires_at` (unless the body gives `expires_in`), keeping `user_id` and `email`.
//! It is always `fresh`: never refreshed ahead of time and never announced with
//! [`Action::Reauthenticate`]. When the API answers such a token with 401, the user is
//! signed out: the driver drops the tokens and emits [`Action::SignedOut`], then
//! [`Action::ClearTokens`] (compare-and-swap on the generation, like a save), and the
//! request fails with `not_authenticated`; no refresh is attempted.
//!
//! ## A refused refresh
//!
//! When the token endpoint refuses the refresh token (status 400 or 401, or an `error` of
//! `invalid_grant` whatever the status, as GitHub answers with 200), the sign-in is over:
//! the driver drops the tokens, emits [`Action::ClearTokens`] (compare-and-swap on the
//! generation, as for a signed-out session) and then fails the waiting requests with
//! `refresh_failed`; later requests fail with `not_authenticated` until
//! [`RequestDriver::set_tokens`]. A transient failure (another status such as 5xx, a body
//! that is not a token response, a network error) keeps the tokens, and the next request
//! tries the refresh again.
//!
//! ## Other response shapes
//!
//! [`ClientConfig::response_fields`] names the members of a server's token responses when
//! they are not RFC 6749's (Django REST framework SimpleJWT: `{"access": …, "refresh": …}`),
//! for every response the driver reads; [`ClientConfig::refresh_body`] sends the refresh
//! token as JSON (`{"refresh": …}`) instead of a form.
//!
//! ## The active identity
//!
//! [`RequestDriver::set_identity`] chooses the value of the identity header
//! ([`ClientConfig::identity_header`], default `X-Identity`; Ravi uses `X-Ravi-Identity`).
//! It is kept in the stored document next to the tokens (as the Ravi CLI keeps both in
//! [`RAVI_TOKEN_FILE`]) and restored with it.
//!
//! ## Sharing one token file between processes
//!
//! Each save is [`Action::SaveTokens`] with `generation` and `expected_generation`. Write
//! the file only if its stored generation still equals `expected_generation` (e.g. under a
//! file lock, or rename-if-unchanged); otherwise call
//! [`RequestDriver::handle_save_conflict`] with what is stored. With
//! [`ClientConfig::shared_store`] set, the driver asks to [`Action::LoadTokens`] before every
//! refresh and skips the refresh when another process already rotated the tokens, so a
//! rotated refresh token is never lost to a last-writer-wins race.
//!
//! ## Where the token goes
//!
//! The access token is bound to the API origins of [`ClientConfig::api_origins`] (by default
//! the origin of the token endpoint): `scheme://host:port`, compared after the WHATWG URL
//! parse with default ports normalised. A request to any other origin is sent exactly as the
//! host gave it, without `Authorization` or the identity header, and its response is handed
//! back as is (a 401 there never triggers a refresh or a retry). A URL whose authority is not
//! written plainly as `host` or `host:port` (user info, a backslash, percent-escapes,
//! non-canonical IP forms) also counts as another origin, so that a host whose HTTP client
//! parses URLs differently cannot be steered elsewhere. `http` is refused in the settings
//! except to loopback hosts, unless [`ClientConfig::allow_insecure_http`] is set.
//!
//! ## Clock offset
//!
//! The `Date` header of responses from the token endpoint and the API origins updates an
//! estimate of `server time - local time`; expiry times are kept in server time and freshness
//! is judged at `now + offset`. An offset beyond ±[`MAX_CLOCK_OFFSET`] (one day) is ignored
//! (the previous estimate stays): a clock that far off is a broken or hostile server, not
//! drift, and trusting it would make live tokens look expired or dead tokens look fresh.
//! Stored documents with a larger offset are refused as `state_corrupt`.
//!
//! ```
//! use authcore::tokens::{Freshness, StoredTokens, TokenSet};
//!
//! let now = 1_700_000_000;
//! let t = TokenSet::from_token_response(r#"{"access_token":"at","refresh_token":"rt","token_type":"Bearer","expires_in":3600}"#, now)?;
//! assert_eq!(t.freshness(now + 3000, 300), Freshness::Fresh);
//! assert_eq!(t.freshness(now + 3300, 300), Freshness::RefreshDue); // 5 minutes left
//! assert_eq!(t.freshness(now + 3600, 300), Freshness::Expired);
//! let file = StoredTokens::new(t, 1, 0).to_json(); // what a CLI keeps in ~/.app/auth.json
//! assert_eq!(StoredTokens::from_json(&file)?.generation, 1);
//! assert!(StoredTokens::from_json("{garbage").is_err());
//! # Ok::<(), authcore::Error>(())
//! ```

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_endpoint, form_encode, plain_authority, HttpRequest, HttpResponse};
use crate::json::{parse_object, versioned, Fields, SNAPSHOT_VERSION};
use crate::secret::Secret;
use crate::time::{parse_http_date, MAX_TIME};

/// Current format version of [`StoredTokens`]: 2 (adds the active `identity` and token
/// sets without `expires_at`, with `user_id` and `email`). Version 1 documents still load,
/// and a document that needs nothing of version 2 is still written as version 1, so older
/// builds keep reading it.
pub const STORED_TOKENS_VERSION: u32 = 2;

/// Where the Ravi CLI keeps its token file (tokens and active identity). The `~` is the
/// user's home directory, expanded by the file store adapters (`FileTokenStore`), never by
/// the core.
pub const RAVI_TOKEN_FILE: &str = "~/.ravi/auth.json";

/// The largest clock offset (seconds, either way) taken from a `Date` header or a stored
/// document: one day.
pub const MAX_CLOCK_OFFSET: i64 = 86_400;

/// The most entries in [`ClientConfig::api_origins`].
pub const MAX_API_ORIGINS: usize = 32;

/// The refresh margin, in seconds, when none is given: [`TokenSet::freshness`] without a
/// margin and [`ClientConfig::refresh_margin`] by default (5 minutes).
pub const DEFAULT_REFRESH_MARGIN: i64 = 300;

/// The access-token lifetime, in seconds, assumed for a token response without `expires_in`
/// (and without a JWT `exp`) when none is given: [`TokenSet::from_token_response_with_default`]
/// without a default and [`ClientConfig::default_expires_in`] by default (one hour).
pub const DEFAULT_EXPIRES_IN: i64 = 3600;

/// Whether `s` can be an access token or identity in a header: 1 to `max` bytes of printable
/// ASCII (RFC 6749 Appendix A.12 `VSCHAR`), so no CR, LF or other control character.
fn header_text(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// The longest access token a client accepts by default, in bytes (16 KiB): room for an
/// Entra ID token with group claims (~6 KB) and twice the verifier's default
/// `max_token_bytes`. The client stores and forwards the token; a resource server that
/// verifies it applies its own cap.
pub const DEFAULT_MAX_ACCESS_TOKEN_BYTES: usize = 16_384;

/// The largest `max_access_token_bytes` setting (64 KiB): the token travels in a header.
pub const MAX_ACCESS_TOKEN_BYTES_LIMIT: usize = 65_536;

/// Checks a `max_access_token_bytes` setting: 64 bytes to 64 KiB (`invalid_config`).
pub(crate) fn check_max_access_token_bytes(max: usize) -> Result<()> {
    if !(64..=MAX_ACCESS_TOKEN_BYTES_LIMIT).contains(&max) {
        return Err(Error::field(
            ErrorCode::InvalidConfig,
            "max_access_token_bytes",
            "The access token size cap must be between 64 bytes and 64 KiB.",
        ));
    }
    Ok(())
}

/// How a client reads a token response: its settings that apply.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResponseRules {
    /// Lifetime assumed without `expires_in` (and without a JWT `exp`).
    pub(crate) default_expires_in: i64,
    /// Longest access token accepted.
    pub(crate) max_access_token_bytes: usize,
}

impl ResponseRules {
    /// The defaults, with a chosen default lifetime.
    pub(crate) fn with_default_expires_in(default_expires_in: i64) -> Self {
        Self {
            default_expires_in,
            max_access_token_bytes: DEFAULT_MAX_ACCESS_TOKEN_BYTES,
        }
    }
}

/// The longest member name in [`ResponseFields`] and [`RefreshBody::Json`], in bytes.
pub const MAX_FIELD_NAME_BYTES: usize = 64;

/// The members of a token response a client reads, in the order of [`ResponseFields`].
const STANDARD_FIELDS: [&str; 6] = [
    "access_token",
    "refresh_token",
    "token_type",
    "expires_in",
    "scope",
    "session_token",
];

/// The names a server uses for the members of its token responses, when they are not the
/// RFC 6749 ones. Each field holds the server's name for that member; an absent field keeps
/// the standard name. A Django REST framework SimpleJWT server answers
/// `{"access": …, "refresh": …}`: `{"access_token": "access", "refresh_token": "refresh"}`.
/// Under a mapping, the standard name of a mapped member is not read at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ResponseFields {
    /// The server's name for `access_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The server's name for `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The server's name for `token_type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// The server's name for `expires_in`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<String>,
    /// The server's name for `scope`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The server's name for `session_token` (an opaque session token, see the module docs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_token: Option<String>,
}

/// Whether `name` can be a JSON member name in a mapping: 1 to [`MAX_FIELD_NAME_BYTES`]
/// bytes of printable ASCII without spaces.
fn field_name_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_FIELD_NAME_BYTES && name.bytes().all(|b| (b'!'..=b'~').contains(&b))
}

impl ResponseFields {
    /// The server's names, in the order of [`STANDARD_FIELDS`].
    fn names(&self) -> [(&'static str, &str); 6] {
        fn pick<'a>(o: &'a Option<String>, std: &'static str) -> (&'static str, &'a str) {
            (std, o.as_deref().unwrap_or(std))
        }
        [
            pick(&self.access_token, STANDARD_FIELDS[0]),
            pick(&self.refresh_token, STANDARD_FIELDS[1]),
            pick(&self.token_type, STANDARD_FIELDS[2]),
            pick(&self.expires_in, STANDARD_FIELDS[3]),
            pick(&self.scope, STANDARD_FIELDS[4]),
            pick(&self.session_token, STANDARD_FIELDS[5]),
        ]
    }

    /// Whether every member keeps its standard name.
    fn is_standard(&self) -> bool {
        self.names().iter().all(|(std, name)| std == name)
    }

    /// Checks the mapping: every name 1 to 64 bytes of printable ASCII without spaces, and
    /// the six names in use all different. Errors are `invalid_config` naming
    /// `{prefix}.{member}`.
    pub fn validate(&self, prefix: &str) -> Result<()> {
        let names = self.names();
        for (i, (std, name)) in names.iter().enumerate() {
            let field = format!("{prefix}.{std}");
            if !field_name_ok(name) {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    field,
                    "A response member name must be 1 to 64 bytes of printable ASCII without spaces.",
                ));
            }
            if names.iter().take(i).any(|(_, other)| other == name) {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    field,
                    "Two response members cannot have the same name.",
                ));
            }
        }
        Ok(())
    }

    /// The body with its mapped members under their standard names (and the standard names
    /// of mapped members dropped).
    fn to_standard(&self, obj: &Map<String, Value>) -> Map<String, Value> {
        let names = self.names();
        let mut out = obj.clone();
        for (std, name) in names {
            if std != name {
                out.remove(std);
            }
        }
        for (std, name) in names {
            if std != name {
                if let Some(v) = obj.get(name) {
                    out.insert(std.to_owned(), v.clone());
                }
            }
        }
        out
    }

    /// An error about a standard member, renamed to the server's member.
    fn rename_error(&self, e: Error) -> Error {
        let Some(field) = e.field_name() else { return e };
        match self.names().iter().find(|(std, name)| *std == field && std != name) {
            Some((std, name)) => {
                let detail = e.detail().replace(&format!("`{std}`"), &format!("`{name}`"));
                Error::field(e.code(), *name, detail)
            }
            None => e,
        }
    }
}

impl RefreshBody {
    /// Whether this is the default form body.
    fn is_form(&self) -> bool {
        *self == RefreshBody::Form
    }
}

/// How a refresh request carries the refresh token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RefreshBody {
    /// RFC 6749 §6: `application/x-www-form-urlencoded` with `grant_type=refresh_token`,
    /// `refresh_token` and `client_id` when set (the default).
    #[default]
    Form,
    /// A JSON object `{"<refresh_token_field>": "<refresh token>"}` (plus `client_id` when
    /// set), as Django REST framework SimpleJWT's `TokenRefreshView` takes:
    /// `{"type": "json", "refresh_token_field": "refresh"}`.
    Json {
        /// The member holding the refresh token (1 to 64 bytes of printable ASCII).
        refresh_token_field: String,
    },
}

/// Whether a 2xx response body is an OAuth error response all the same: a JSON object with a
/// string `error` member. GitHub answers device-flow polls with 200 and
/// `{"error": "authorization_pending"}`; Slack answers failures with 200 and
/// `{"ok": false, "error": ...}`.
pub(crate) fn is_error_body(body: &str) -> bool {
    parse_object(body.as_bytes()).is_ok_and(|o| o.get("error").is_some_and(Value::is_string))
}

/// Tokens held by a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenSet {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token, if the server issued one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Token type, normally `Bearer`.
    pub token_type: String,
    /// Granted scope, if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// When the access token expires (Unix seconds, server clock). Absent for an opaque
    /// session token without a known expiry (see "Session tokens" in the module docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// When the refresh token expires, if known (Unix seconds, server clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expires_at: Option<i64>,
    /// The signed-in user's id, when the token response said (a session response's
    /// `user_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The signed-in user's e-mail address, when the token response said (a session
    /// response's `email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// How usable a [`TokenSet`] is at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// More than the margin remains.
    Fresh,
    /// Still valid, but within the margin: refresh now.
    RefreshDue,
    /// Expired; the refresh token can renew it.
    Expired,
    /// Expired, and the refresh token is missing or expired: sign in again.
    RefreshExpired,
}

impl TokenSet {
    /// Parses an OAuth 2.0 token response body (RFC 6749 §5.1) received at `now` (server
    /// clock). Errors are `invalid_response` naming the field. What real servers send is
    /// read as follows:
    ///
    /// * `access_token`: 1 to 16384 bytes ([`DEFAULT_MAX_ACCESS_TOKEN_BYTES`]; the clients'
    ///   `max_access_token_bytes` setting changes it) of printable ASCII (it goes into a
    ///   header). A longer one is refused with a detail saying it is too long.
    /// * `expires_in`: a positive number of seconds, or a string of digits (`"3599"`, as
    ///   Azure AD v1 and ADFS send). Without it, a JWT access token's `exp` is used, else
    ///   3600 s.
    /// * The refresh token's lifetime: `refresh_expires_in` (Keycloak) or
    ///   `refresh_token_expires_in` (GitHub, LinkedIn); when both are given the shorter one
    ///   counts. `0` means no expiry is known (Keycloak's offline tokens).
    /// * `scope`: `""` means no scope was reported (GitHub Apps send it).
    pub fn from_token_response(body: &str, now: i64) -> Result<Self> {
        Self::from_token_response_with_default(body, now, None)
    }

    /// As [`TokenSet::from_token_response`] with a chosen default lifetime (`None`:
    /// [`DEFAULT_EXPIRES_IN`]).
    pub fn from_token_response_with_default(
        body: &str,
        now: i64,
        default_expires_in: impl Into<Option<i64>>,
    ) -> Result<Self> {
        let default_expires_in = default_expires_in.into().unwrap_or(DEFAULT_EXPIRES_IN);
        Self::from_body(body, now, ResponseRules::with_default_expires_in(default_expires_in))
    }

    /// As [`TokenSet::from_token_response_with_default`], reading the members under the names
    /// `fields` gives (a Django REST framework SimpleJWT server answers
    /// `{"access": …, "refresh": …}`). The mapping is validated first
    /// ([`ResponseFields::validate`], `invalid_config`); errors about the body name the
    /// server's member.
    pub fn from_token_response_with_fields(
        body: &str,
        now: i64,
        default_expires_in: impl Into<Option<i64>>,
        fields: &ResponseFields,
    ) -> Result<Self> {
        fields.validate("response_fields")?;
        let default_expires_in = default_expires_in.into().unwrap_or(DEFAULT_EXPIRES_IN);
        Self::from_body_with(
            body,
            now,
            ResponseRules::with_default_expires_in(default_expires_in),
            fields,
        )
    }

    /// Parses a token response body with a client's rules.
    pub(crate) fn from_body(body: &str, now: i64, rules: ResponseRules) -> Result<Self> {
        Self::from_body_with(body, now, rules, &ResponseFields::default())
    }

    /// Parses a token response body with a client's rules and member names.
    pub(crate) fn from_body_with(body: &str, now: i64, rules: ResponseRules, fields: &ResponseFields) -> Result<Self> {
        let obj = parse_object(body.as_bytes()).map_err(|_| {
            Error::field(
                ErrorCode::InvalidResponse,
                "body",
                "The token response is not a JSON object.",
            )
        })?;
        if fields.is_standard() {
            return Self::from_token_object(&obj, now, rules);
        }
        Self::from_token_object(&fields.to_standard(&obj), now, rules).map_err(|e| fields.rename_error(e))
    }

    pub(crate) fn from_token_object(obj: &Map<String, Value>, now: i64, rules: ResponseRules) -> Result<Self> {
        let f = Fields(obj);
        let default_expires_in = rules.default_expires_in;
        let max = rules.max_access_token_bytes;
        let session = matches!(obj.get("access_token"), None | Some(Value::Null))
            && !matches!(obj.get("session_token"), None | Some(Value::Null));
        let token_field = if session { "session_token" } else { "access_token" };
        let access_token = match obj.get(token_field) {
            None | Some(Value::Null) => return Err(f.missing("access_token")),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => {
                return Err(Error::field(
                    ErrorCode::InvalidResponse,
                    token_field,
                    format!("`{token_field}` must be a non-empty string."),
                ))
            }
        };
        if access_token.len() > max {
            return Err(Error::field(
                ErrorCode::InvalidResponse,
                token_field,
                format!(
                    "`{token_field}` is too long: {} bytes, over the {max}-byte limit (`max_access_token_bytes`).",
                    access_token.len()
                ),
            ));
        }
        if !header_text(&access_token, max) {
            return Err(Error::field(
                ErrorCode::InvalidResponse,
                token_field,
                format!("`{token_field}` must be printable ASCII."),
            ));
        }
        let token_type = f.string("token_type")?.unwrap_or_else(|| "Bearer".to_owned());
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(Error::field(
                ErrorCode::InvalidResponse,
                "token_type",
                "Only bearer tokens are supported.",
            ));
        }
        // Without `expires_in`, a JWT access token's own `exp` (read, not verified: it only
        // schedules the refresh) beats the default lifetime.
        // A session token is opaque: without `expires_in` it has no known expiry.
        let expires_at = match f.seconds("expires_in")? {
            Some(expires_in) => Some(now.saturating_add(expires_in)),
            None if session => None,
            None => Some(jwt_exp(&access_token).unwrap_or_else(|| now.saturating_add(default_expires_in))),
        };
        let (user_id, email) = if session {
            (f.string("user_id")?, f.string("email")?)
        } else {
            (None, None)
        };
        // `0` is "no expiry known" (Keycloak offline tokens); with both names, the shorter.
        let keycloak = f.seconds_or_zero("refresh_expires_in")?.filter(|s| *s > 0);
        let github = f.seconds_or_zero("refresh_token_expires_in")?.filter(|s| *s > 0);
        let refresh_expires_in = match (keycloak, github) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let scope = match obj.get("scope") {
            Some(Value::String(s)) if s.trim().is_empty() => None,
            _ => f.string("scope")?,
        };
        Ok(Self {
            access_token: Secret::new(access_token),
            refresh_token: f.string("refresh_token")?.map(Secret::new),
            token_type: "Bearer".to_owned(),
            scope,
            expires_at,
            refresh_expires_at: refresh_expires_in.map(|r| now.saturating_add(r)),
            user_id,
            email,
        })
    }

    /// Seconds of access-token life left at `now` (negative once expired; `i64::MAX` for a
    /// token without a known expiry).
    pub fn remaining(&self, now: i64) -> i64 {
        self.expires_at.map_or(i64::MAX, |t| t.saturating_sub(now))
    }

    /// Whether this is an opaque session token without a known expiry (no `expires_at`): it
    /// is never refreshed, and a 401 signs the user out (see the module docs).
    pub fn is_session(&self) -> bool {
        self.expires_at.is_none()
    }

    /// Whether the refresh token can still be used at `now`.
    pub fn can_refresh(&self, now: i64) -> bool {
        self.refresh_token.is_some() && self.refresh_expires_at.map_or(true, |t| now < t)
    }

    /// The freshness rule; see the module docs. `margin` in seconds (`None`:
    /// [`DEFAULT_REFRESH_MARGIN`], 300). A token without a known expiry is always `fresh`.
    pub fn freshness(&self, now: i64, margin: impl Into<Option<i64>>) -> Freshness {
        let margin = margin.into().unwrap_or(DEFAULT_REFRESH_MARGIN);
        if self.expires_at.is_none() {
            return Freshness::Fresh;
        }
        let remaining = self.remaining(now);
        if remaining > margin {
            Freshness::Fresh
        } else if remaining > 0 {
            Freshness::RefreshDue
        } else if self.can_refresh(now) {
            Freshness::Expired
        } else {
            Freshness::RefreshExpired
        }
    }

    /// The `Authorization` header value.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.access_token.expose())
    }

    /// Checks tokens handed in by the host or read from storage: a printable-ASCII access
    /// token (it goes into a header) and the `Bearer` type. Errors are `code`, naming
    /// `prefix` + the field.
    fn check(&self, code: ErrorCode, prefix: &str) -> Result<()> {
        if !header_text(self.access_token.expose(), MAX_ACCESS_TOKEN_BYTES_LIMIT) {
            return Err(Error::field(
                code,
                format!("{prefix}access_token"),
                "The access token must be 1 to 65536 bytes of printable ASCII.",
            ));
        }
        if !self.token_type.eq_ignore_ascii_case("bearer") {
            return Err(Error::field(
                code,
                format!("{prefix}token_type"),
                "Only bearer tokens are supported.",
            ));
        }
        for (name, value) in [("user_id", &self.user_id), ("email", &self.email)] {
            if value.as_ref().is_some_and(|v| v.is_empty() || v.len() > 1024) {
                return Err(Error::field(
                    code,
                    format!("{prefix}{name}"),
                    format!("`{name}` must be 1 to 1024 bytes."),
                ));
            }
        }
        Ok(())
    }
}

/// The `exp` of a JWT-shaped access token, when it has a sane one.
fn jwt_exp(token: &str) -> Option<i64> {
    if token.len() > 8192 || token.split('.').count() != 3 {
        return None;
    }
    let (_, claims) = crate::jwt::decode_unverified(token).ok()?;
    claims.get("exp")?.as_i64().filter(|e| (1..=MAX_TIME).contains(e))
}

/// The persisted form: `{"version": 1, "generation": n, "clock_offset": s, "tokens": {...}}`,
/// or version 2 with the active `"identity"` and session tokens (see
/// [`STORED_TOKENS_VERSION`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StoredTokens {
    /// Format version ([`STORED_TOKENS_VERSION`]).
    pub version: u32,
    /// Save counter for compare-and-swap; grows by one on every refresh.
    pub generation: u64,
    /// Estimated server-minus-local clock offset in seconds.
    #[serde(default)]
    pub clock_offset: i64,
    /// The tokens.
    pub tokens: TokenSet,
    /// The active identity sent in the identity header
    /// ([`RequestDriver::set_identity`]); version 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

impl StoredTokens {
    /// A document in the oldest version that can hold it: 1 unless the tokens have no
    /// `expires_at` or carry `user_id` / `email` (then 2).
    pub fn new(tokens: TokenSet, generation: u64, clock_offset: i64) -> Self {
        Self {
            version: 1,
            generation,
            clock_offset,
            tokens,
            identity: None,
        }
        .with_version()
    }

    /// The same document with the active identity (version 2 when there is one).
    #[must_use]
    pub fn with_identity(mut self, identity: Option<String>) -> Self {
        self.identity = identity;
        self.with_version()
    }

    /// Whether this document uses anything of version 2.
    fn with_version_check_needs_v2(&self) -> bool {
        self.clone().with_version().version > 1
    }

    /// The oldest version that can hold this document.
    fn with_version(mut self) -> Self {
        let v1 = self.identity.is_none()
            && self.tokens.expires_at.is_some()
            && self.tokens.user_id.is_none()
            && self.tokens.email.is_none();
        self.version = if v1 { 1 } else { STORED_TOKENS_VERSION };
        self
    }

    /// Serialises to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored document. A newer `version` gives `state_version_unsupported`; anything
    /// unreadable, or failing [`StoredTokens::validate`], gives `state_corrupt` naming what was
    /// wrong. Never panics.
    pub fn from_json(text: &str) -> Result<Self> {
        // Version 1 documents are read as such; anything else must be the current version.
        let v1 = serde_json::from_str::<Value>(text)
            .ok()
            .is_some_and(|v| v.get("version").and_then(Value::as_u64) == Some(1));
        let version = if v1 { 1 } else { STORED_TOKENS_VERSION };
        let stored: Self = versioned(text, version, "token file")?;
        stored.validate()?;
        Ok(stored)
    }

    /// Checks a document however it was obtained (parsed, deserialised by a binding, built by
    /// the host): the current `version`, a clock offset within ±[`MAX_CLOCK_OFFSET`], a
    /// printable-ASCII access token and the `Bearer` type. Errors are `state_corrupt` (or
    /// `state_version_unsupported`) naming the field.
    pub fn validate(&self) -> Result<()> {
        if !(1..=STORED_TOKENS_VERSION).contains(&self.version) {
            return Err(Error::field(
                ErrorCode::StateVersionUnsupported,
                "version",
                format!(
                    "Unsupported token file version {} (this build reads versions 1 to {STORED_TOKENS_VERSION}).",
                    self.version
                ),
            ));
        }
        if self.version == 1 && self.with_version_check_needs_v2() {
            return Err(Error::field(
                ErrorCode::StateCorrupt,
                "version",
                "A version 1 token file has `tokens.expires_at` and no `identity`, `tokens.user_id` or `tokens.email`.",
            ));
        }
        if self.identity.as_deref().is_some_and(|i| !header_text(i, 256)) {
            return Err(Error::field(
                ErrorCode::StateCorrupt,
                "identity",
                "The identity must be 1 to 256 bytes of printable ASCII.",
            ));
        }
        if !(-MAX_CLOCK_OFFSET..=MAX_CLOCK_OFFSET).contains(&self.clock_offset) {
            return Err(Error::field(
                ErrorCode::StateCorrupt,
                "clock_offset",
                "The clock offset must be within one day (86400 seconds).",
            ));
        }
        self.tokens.check(ErrorCode::StateCorrupt, "tokens.")
    }
}

/// Request driver settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::require_client_config))]
pub struct ClientConfig {
    /// Token endpoint for `grant_type=refresh_token`.
    pub token_endpoint: String,
    /// `client_id` to send with refreshes, if any.
    pub client_id: Option<String>,
    /// Refresh this many seconds before expiry (default 300).
    pub refresh_margin: i64,
    /// Header carrying the active identity (default `X-Identity`).
    pub identity_header: String,
    /// Lifetime assumed when a token response has no `expires_in` (default 3600).
    pub default_expires_in: i64,
    /// Longest access token accepted in a token response, in bytes (default 16384, at most
    /// 65536).
    pub max_access_token_bytes: usize,
    /// Ask the host to reload stored tokens before each refresh (several processes share
    /// one token file).
    pub shared_store: bool,
    /// The origins (`scheme://host[:port]`, no path) whose requests get the access token. When
    /// empty (the default), only the origin of `token_endpoint` does: the safe choice for an
    /// API served next to its token endpoint. When set, only the listed origins do (the token
    /// endpoint's origin is not added). At most [`MAX_API_ORIGINS`].
    pub api_origins: Vec<String>,
    /// Allow plain `http` to hosts other than loopback (`localhost`, `127.0.0.0/8`, `[::1]`)
    /// in `token_endpoint` and `api_origins` (default false; for development only: the token
    /// would cross the network in clear text).
    pub allow_insecure_http: bool,
    /// The server's names for the members of its token responses (default: the RFC 6749
    /// names), used for every token response the driver reads.
    #[serde(skip_serializing_if = "ResponseFields::is_standard")]
    pub response_fields: ResponseFields,
    /// How refresh requests carry the refresh token (default: RFC 6749 form).
    #[serde(skip_serializing_if = "RefreshBody::is_form")]
    pub refresh_body: RefreshBody,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            token_endpoint: String::new(),
            client_id: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            identity_header: "X-Identity".to_owned(),
            default_expires_in: DEFAULT_EXPIRES_IN,
            max_access_token_bytes: DEFAULT_MAX_ACCESS_TOKEN_BYTES,
            shared_store: false,
            api_origins: Vec::new(),
            allow_insecure_http: false,
            response_fields: ResponseFields::default(),
            refresh_body: RefreshBody::default(),
        }
    }
}

impl ClientConfig {
    /// Defaults with a token endpoint.
    pub fn new(token_endpoint: impl Into<String>) -> Self {
        Self {
            token_endpoint: token_endpoint.into(),
            ..Self::default()
        }
    }

    /// Checks the settings; errors are `invalid_config` naming the field. The token endpoint
    /// and every API origin must be `https` URLs (`http` only to loopback hosts, unless
    /// `allow_insecure_http`), without user info or fragment; API origins have no path or
    /// query.
    pub fn validate(&self) -> Result<()> {
        self.origins().map(|_| ())
    }

    /// Validates the settings and returns the origins the access token is bound to.
    fn origins(&self) -> Result<Vec<url::Origin>> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        let endpoint = check_endpoint("token_endpoint", &self.token_endpoint, self.allow_insecure_http)?;
        if !(0..=86_400).contains(&self.refresh_margin) {
            return bad("refresh_margin", "The refresh margin must be 0 to 86400 seconds.");
        }
        if self.identity_header.is_empty()
            || !self
                .identity_header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return bad("identity_header", "The identity header must be a header name.");
        }
        if !(1..=MAX_TIME).contains(&self.default_expires_in) {
            return bad("default_expires_in", "The default lifetime must be positive.");
        }
        check_max_access_token_bytes(self.max_access_token_bytes)?;
        self.response_fields.validate("response_fields")?;
        if let RefreshBody::Json { refresh_token_field } = &self.refresh_body {
            if !field_name_ok(refresh_token_field) {
                return bad(
                    "refresh_body.refresh_token_field",
                    "The refresh token member name must be 1 to 64 bytes of printable ASCII without spaces.",
                );
            }
        }
        if self.api_origins.is_empty() {
            return Ok(vec![endpoint.origin()]);
        }
        if self.api_origins.len() > MAX_API_ORIGINS {
            return bad("api_origins", "At most 32 API origins.");
        }
        let mut origins = Vec::with_capacity(self.api_origins.len());
        for (i, origin) in self.api_origins.iter().enumerate() {
            let field = format!("api_origins[{i}]");
            let url = check_endpoint(&field, origin, self.allow_insecure_http)?;
            if url.path() != "/" || url.query().is_some() {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    &field,
                    format!("`{field}` must be an origin (scheme://host[:port]) without a path or query."),
                ));
            }
            origins.push(url.origin());
        }
        Ok(origins)
    }

    /// Whether the access token may go to `url`: it parses (WHATWG), its origin is one of
    /// `origins`, and its scheme and authority are written plainly (`host` or `host:port`, as
    /// the parser serialises them), so a client that parses URLs differently sends it to the
    /// same host.
    fn is_bound(origins: &[url::Origin], raw: &str) -> bool {
        crate::http::parse_url(raw).is_ok_and(|url| plain_authority(raw, &url) && origins.contains(&url.origin()))
    }
}

/// What a driver reports about itself ([`RequestDriver::status`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DriverStatus {
    /// Current generation of the tokens.
    pub generation: u64,
    /// Estimated server-minus-local clock offset.
    pub clock_offset: i64,
    /// Freshness at the given time (`None` without tokens).
    pub freshness: Option<Freshness>,
}

/// What a driver persists between runs ([`RequestDriver::snapshot`]): the format version,
/// its settings and its tokens. Requests in flight are not part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct DriverSnapshot {
    /// [`crate::SNAPSHOT_VERSION`].
    version: u32,
    /// The settings.
    config: ClientConfig,
    /// The tokens, if any.
    stored: Option<StoredTokens>,
}

/// Identifies an API request given to [`RequestDriver::send`].
pub type RequestId = u64;
/// Identifies one HTTP exchange the driver asked the host to perform.
pub type TransmitId = u64;

/// What the driver wants the host to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Send this HTTP request, then report with `handle_response(transmit, …)` or
    /// `handle_network_error(transmit, …)`.
    Send {
        /// Exchange id.
        transmit: TransmitId,
        /// The API request this transmit serves (its first try or its retry); absent for a
        /// refresh the driver makes on its own. Hosts that run requests concurrently use it
        /// to hand the exchange to the caller waiting for that request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<RequestId>,
        /// The request.
        request: HttpRequest,
    },
    /// Read the stored tokens and call `handle_loaded` (only with `shared_store`).
    LoadTokens,
    /// Save these tokens now, if the stored generation equals `expected_generation`.
    SaveTokens {
        /// The document to store (write `to_json()`).
        stored: StoredTokens,
        /// The new generation.
        generation: u64,
        /// The generation the store must still hold.
        expected_generation: u64,
    },
    /// An API request finished with this response.
    Complete {
        /// The request (as returned by [`RequestDriver::send`]).
        request_id: RequestId,
        /// Its final response.
        response: HttpResponse,
    },
    /// The tokens cannot be renewed (the set has no refresh token) and the access token
    /// expires at `expires_at` (server clock), or has expired: sign the user in again, then
    /// call [`RequestDriver::set_tokens`]. Emitted once per token generation, at the first
    /// request within the refresh margin (that request still goes out), after the expiry, or
    /// when the API refuses the token with 401.
    Reauthenticate {
        /// When the access token expires (Unix seconds, server clock).
        expires_at: i64,
    },
    /// The API refused a session token (no expiry, no refresh token) with 401: the user is
    /// signed out. The driver has dropped the tokens and asks to [`Action::ClearTokens`];
    /// the request fails with `not_authenticated`. Show "signed out", sign in again, then
    /// call [`RequestDriver::set_tokens`].
    SignedOut {},
    /// Delete the stored document now, if the stored generation equals
    /// `expected_generation` (compare-and-swap, like [`Action::SaveTokens`]): after
    /// [`Action::SignedOut`], or before the `refresh_failed` of a refresh token the token
    /// endpoint refused. Otherwise call
    /// [`RequestDriver::handle_save_conflict`] with what is stored. An empty store has
    /// generation 0, and so has the driver after a sign-out.
    ClearTokens {
        /// The generation the store must still hold.
        expected_generation: u64,
    },
    /// An API request failed.
    Failed {
        /// The request (as returned by [`RequestDriver::send`]).
        request_id: RequestId,
        /// Why.
        error: Error,
        /// The server's response, when there was one (a 402's body, a second 401).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response: Option<HttpResponse>,
    },
}

#[derive(Debug)]
struct Pending {
    request: HttpRequest,
    retried: bool,
    /// Whether the request goes to an API origin (and so carries the token).
    bound: bool,
}

#[derive(Debug, Clone, Copy)]
enum Exchange {
    Api { request: RequestId, generation: u64 },
    Refresh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefreshState {
    Idle,
    Loading,
    InFlight,
}

/// The sans-IO request driver. See the module docs and the crate's run-loop example.
#[derive(Debug)]
pub struct RequestDriver {
    config: ClientConfig,
    origins: Vec<url::Origin>,
    tokens: Option<TokenSet>,
    generation: u64,
    clock_offset: i64,
    identity: Option<String>,
    /// The token generation for which [`Action::Reauthenticate`] was emitted.
    reauthenticate_sent: Option<u64>,
    next_request: RequestId,
    next_transmit: TransmitId,
    pending: BTreeMap<RequestId, Pending>,
    waiting: Vec<RequestId>,
    exchanges: BTreeMap<TransmitId, Exchange>,
    refresh: RefreshState,
    actions: VecDeque<Action>,
}

impl RequestDriver {
    /// A driver with (optionally) tokens and their generation. The settings are validated
    /// ([`ClientConfig::validate`], `invalid_config`) and so are the tokens (`invalid_input`
    /// naming the field).
    pub fn new(config: ClientConfig, tokens: Option<TokenSet>, generation: u64) -> Result<Self> {
        Self::build(config, || {
            if let Some(t) = &tokens {
                t.check(ErrorCode::InvalidInput, "tokens.")?;
            }
            Ok((tokens, generation, 0, None))
        })
    }

    /// The one constructor every other goes through: validates the settings first (so bad
    /// settings are `invalid_config` on every path), then the tokens `load` yields.
    #[allow(clippy::type_complexity)]
    fn build(
        config: ClientConfig,
        load: impl FnOnce() -> Result<(Option<TokenSet>, u64, i64, Option<String>)>,
    ) -> Result<Self> {
        let origins = config.origins()?;
        let (tokens, generation, clock_offset, identity) = load()?;
        Ok(Self {
            config,
            origins,
            tokens,
            generation,
            clock_offset,
            identity,
            reauthenticate_sent: None,
            next_request: 1,
            next_transmit: 1,
            pending: BTreeMap::new(),
            waiting: Vec::new(),
            exchanges: BTreeMap::new(),
            refresh: RefreshState::Idle,
            actions: VecDeque::new(),
        })
    }

    /// A driver restored from a stored document (its generation and clock offset included).
    /// Validated like [`RequestDriver::with_config`].
    pub fn from_stored(config: ClientConfig, stored: StoredTokens) -> Result<Self> {
        Self::with_config(config, Some(stored))
    }

    /// A driver with validated settings ([`ClientConfig::validate`], `invalid_config`) and,
    /// optionally, a validated stored document ([`StoredTokens::validate`], `state_corrupt`).
    pub fn with_config(config: ClientConfig, stored: Option<StoredTokens>) -> Result<Self> {
        Self::build(config, || match stored {
            Some(s) => {
                s.validate()?;
                Ok((Some(s.tokens), s.generation, s.clock_offset, s.identity))
            }
            None => Ok((None, 0, 0, None)),
        })
    }

    /// Generation, clock offset and freshness at local time `now`.
    pub fn status(&self, now: i64) -> DriverStatus {
        DriverStatus {
            generation: self.generation,
            clock_offset: self.clock_offset,
            freshness: self.freshness(now),
        }
    }

    /// The driver as a versioned JSON value, `{"version": 1, "config", "stored"}`, for
    /// [`RequestDriver::restore`]. Requests in flight and actions not yet polled are not kept.
    pub fn snapshot(&self) -> Value {
        let snapshot = DriverSnapshot {
            version: SNAPSHOT_VERSION,
            config: self.config.clone(),
            stored: self.stored(),
        };
        serde_json::to_value(snapshot).unwrap_or(Value::Null)
    }

    /// A driver rebuilt from [`RequestDriver::snapshot`], with every check of construction: a
    /// `version` other than 1 is `state_version_unsupported`; a value of the wrong shape is
    /// `state_corrupt` naming `snapshot` (or `version`); then exactly as
    /// [`RequestDriver::with_config`] (bad settings are `invalid_config`, a bad stored
    /// document `state_corrupt` naming the field).
    pub fn restore(snapshot: &Value) -> Result<Self> {
        let s: DriverSnapshot = crate::json::snapshot(snapshot, "driver")?;
        Self::with_config(s.config, s.stored)
    }

    /// Current tokens.
    pub fn tokens(&self) -> Option<&TokenSet> {
        self.tokens.as_ref()
    }

    /// The settings this driver was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Current generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Estimated server-minus-local clock offset.
    pub fn clock_offset(&self) -> i64 {
        self.clock_offset
    }

    /// The current tokens (and the active identity) as a stored document.
    pub fn stored(&self) -> Option<StoredTokens> {
        self.tokens
            .clone()
            .map(|t| StoredTokens::new(t, self.generation, self.clock_offset).with_identity(self.identity.clone()))
    }

    /// The active identity ([`RequestDriver::set_identity`]).
    pub fn identity(&self) -> Option<&str> {
        self.identity.as_deref()
    }

    /// Freshness at local time `now`, corrected by the clock offset.
    pub fn freshness(&self, now: i64) -> Option<Freshness> {
        let server_now = now.saturating_add(self.clock_offset);
        self.tokens
            .as_ref()
            .map(|t| t.freshness(server_now, self.config.refresh_margin))
    }

    /// Selects the identity sent in the identity header (`None` for the default identity). An
    /// identity is 1 to 256 bytes of printable ASCII (it goes into a header); anything else is
    /// `invalid_input` naming `identity`, and changes nothing. The identity is kept in the
    /// stored document (version 2): a change while the driver holds tokens emits
    /// [`Action::SaveTokens`] with the next generation, so the choice survives a restart.
    pub fn set_identity(&mut self, identity: Option<String>) -> Result<()> {
        if identity.as_deref().is_some_and(|i| !header_text(i, 256)) {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "identity",
                "The identity must be 1 to 256 bytes of printable ASCII.",
            ));
        }
        if self.identity != identity {
            self.identity = identity;
            if self.tokens.is_some() {
                self.bump_and_save();
            }
        }
        Ok(())
    }

    /// Replaces the tokens (after a sign-in) and emits a save. Tokens that could not go into
    /// a header are `invalid_input` naming the field, and change nothing.
    pub fn set_tokens(&mut self, tokens: TokenSet) -> Result<()> {
        tokens.check(ErrorCode::InvalidInput, "tokens.")?;
        self.tokens = Some(tokens);
        self.bump_and_save();
        Ok(())
    }

    /// The next action, or `None` when the host has nothing to do until it reports back.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// Every pending action, in order: [`RequestDriver::poll_action`] until it returns `None`.
    pub fn actions(&mut self) -> Vec<Action> {
        self.actions.drain(..).collect()
    }

    /// Asks for `request` to be sent with credentials. Returns its id; the outcome arrives as
    /// [`Action::Complete`] or [`Action::Failed`]. A request to an origin outside
    /// [`ClientConfig::api_origins`] is sent unchanged, without credentials (see the module
    /// docs), and completes with whatever the server answers.
    pub fn send(&mut self, request: HttpRequest, now: i64) -> RequestId {
        let id = self.next_request;
        self.next_request += 1;
        let bound = ClientConfig::is_bound(&self.origins, &request.url);
        self.pending.insert(
            id,
            Pending {
                request,
                retried: false,
                bound,
            },
        );
        if bound {
            self.dispatch(id, now);
        } else {
            self.transmit_unbound(id);
        }
        id
    }

    /// Reports the response to a [`Action::Send`].
    pub fn handle_response(&mut self, transmit: TransmitId, response: HttpResponse, now: i64) -> Result<()> {
        let exchange = self.take_exchange(transmit)?;
        let trusted = match exchange {
            Exchange::Refresh => true,
            Exchange::Api { request, .. } => self.pending.get(&request).is_some_and(|p| p.bound),
        };
        if trusted {
            self.learn_clock(&response, now);
        }
        match exchange {
            Exchange::Refresh => self.on_refresh_response(response, now),
            Exchange::Api { request, generation } => self.on_api_response(request, generation, response, now),
        }
        Ok(())
    }

    /// Reports that a [`Action::Send`] failed at the network level.
    pub fn handle_network_error(&mut self, transmit: TransmitId, _now: i64) -> Result<()> {
        let err = Error::new(ErrorCode::NetworkError);
        match self.take_exchange(transmit)? {
            Exchange::Refresh => {
                self.refresh = RefreshState::Idle;
                self.fail_waiting(&err, None);
            }
            Exchange::Api { request, .. } => self.fail(request, err, None),
        }
        Ok(())
    }

    /// Takes the clock offset from a `Date` header, when it is within ±[`MAX_CLOCK_OFFSET`].
    fn learn_clock(&mut self, response: &HttpResponse, now: i64) {
        if let Some(date) = response.header("Date").and_then(parse_http_date) {
            let offset = date.saturating_sub(now);
            if (-MAX_CLOCK_OFFSET..=MAX_CLOCK_OFFSET).contains(&offset) {
                self.clock_offset = offset;
            }
        }
    }

    /// Answers [`Action::LoadTokens`] with what the store holds (`None` if nothing). A
    /// document failing [`StoredTokens::validate`] is refused with its error and changes
    /// nothing (answer again, e.g. with `None`).
    pub fn handle_loaded(&mut self, stored: Option<StoredTokens>, now: i64) -> Result<()> {
        if self.refresh != RefreshState::Loading {
            return Err(Error::with_detail(
                ErrorCode::InvalidState,
                "No token load was requested.",
            ));
        }
        if let Some(s) = &stored {
            s.validate()?;
        }
        self.refresh = RefreshState::Idle;
        if let Some(s) = stored {
            self.adopt(s);
        }
        let waiting = std::mem::take(&mut self.waiting);
        for id in waiting {
            self.dispatch_after_refresh_check(id, now, true);
        }
        Ok(())
    }

    /// Reports that a compare-and-swap save lost: `current` is what the store holds. A newer
    /// generation is adopted; otherwise the driver's state is saved again on top of it. A
    /// document failing [`StoredTokens::validate`] is refused with its error and changes
    /// nothing.
    pub fn handle_save_conflict(&mut self, current: StoredTokens) -> Result<()> {
        current.validate()?;
        if current.generation >= self.generation {
            self.adopt(current);
        } else if let Some(stored) = self.stored() {
            self.actions.push_back(Action::SaveTokens {
                stored,
                generation: self.generation,
                expected_generation: current.generation,
            });
        }
        Ok(())
    }

    fn adopt(&mut self, stored: StoredTokens) {
        if stored.generation > self.generation || self.tokens.is_none() {
            self.tokens = Some(stored.tokens);
            self.generation = stored.generation;
            self.clock_offset = stored.clock_offset;
            self.identity = stored.identity;
        }
    }

    /// The API refused a session token: drop the tokens, ask to clear the store, say so.
    fn sign_out(&mut self) {
        self.actions.push_back(Action::SignedOut {});
        self.drop_tokens();
    }

    /// Forgets the tokens (generation 0) and asks to clear the store (compare-and-swap on
    /// the generation they had).
    fn drop_tokens(&mut self) {
        let expected_generation = self.generation;
        self.tokens = None;
        self.generation = 0;
        self.reauthenticate_sent = None;
        self.actions.push_back(Action::ClearTokens { expected_generation });
    }

    fn take_exchange(&mut self, transmit: TransmitId) -> Result<Exchange> {
        self.exchanges.remove(&transmit).ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidState,
                "transmit",
                format!("Unknown or finished transmit {transmit}."),
            )
        })
    }

    fn dispatch(&mut self, id: RequestId, now: i64) {
        self.dispatch_after_refresh_check(id, now, false);
    }

    /// Sends `id` now, or parks it behind a (single) refresh.
    fn dispatch_after_refresh_check(&mut self, id: RequestId, now: i64, just_loaded: bool) {
        let server_now = now.saturating_add(self.clock_offset);
        let Some(tokens) = &self.tokens else {
            return self.fail(id, Error::new(ErrorCode::NotAuthenticated), None);
        };
        let can_refresh = tokens.can_refresh(server_now);
        let (no_refresh_token, expires_at) = (tokens.refresh_token.is_none(), tokens.expires_at.unwrap_or(MAX_TIME));
        match tokens.freshness(server_now, self.config.refresh_margin) {
            Freshness::Fresh => self.transmit_api(id),
            Freshness::RefreshDue if !can_refresh => {
                if no_refresh_token {
                    self.announce_reauthenticate(expires_at);
                }
                self.transmit_api(id)
            }
            Freshness::RefreshDue | Freshness::Expired if can_refresh => self.wait_for_refresh(id, just_loaded),
            _ if no_refresh_token => {
                self.announce_reauthenticate(expires_at);
                let detail = "The access token has expired and cannot be renewed; sign in again.";
                self.fail(id, Error::with_detail(ErrorCode::NotAuthenticated, detail), None)
            }
            _ => self.fail(id, Error::new(ErrorCode::RefreshTokenExpired), None),
        }
    }

    /// Emits [`Action::Reauthenticate`] once per token generation.
    fn announce_reauthenticate(&mut self, expires_at: i64) {
        if self.reauthenticate_sent != Some(self.generation) {
            self.reauthenticate_sent = Some(self.generation);
            self.actions.push_back(Action::Reauthenticate { expires_at });
        }
    }

    fn wait_for_refresh(&mut self, id: RequestId, just_loaded: bool) {
        self.waiting.push(id);
        if self.refresh != RefreshState::Idle {
            return;
        }
        if self.config.shared_store && !just_loaded {
            self.refresh = RefreshState::Loading;
            self.actions.push_back(Action::LoadTokens);
        } else {
            self.transmit_refresh();
        }
    }

    fn transmit_refresh(&mut self) {
        let Some(refresh_token) = self.tokens.as_ref().and_then(|t| t.refresh_token.clone()) else {
            return self.fail_waiting(&Error::new(ErrorCode::RefreshTokenExpired), None);
        };
        let mut request = HttpRequest::new("POST", self.config.token_endpoint.clone());
        match &self.config.refresh_body {
            RefreshBody::Form => {
                let mut pairs = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.expose()),
                ];
                if let Some(client_id) = &self.config.client_id {
                    pairs.push(("client_id", client_id));
                }
                request.set_header("Content-Type", "application/x-www-form-urlencoded");
                request.body = Some(form_encode(&pairs));
            }
            RefreshBody::Json { refresh_token_field } => {
                let mut body = Map::new();
                body.insert(refresh_token_field.clone(), Value::from(refresh_token.expose()));
                if let Some(client_id) = &self.config.client_id {
                    body.insert("client_id".to_owned(), Value::from(client_id.as_str()));
                }
                request.set_header("Content-Type", "application/json");
                request.body = Some(Value::Object(body).to_string());
            }
        }
        request.set_header("Accept", "application/json");
        self.refresh = RefreshState::InFlight;
        self.push_send(Exchange::Refresh, request);
    }

    fn transmit_api(&mut self, id: RequestId) {
        if self.tokens.is_none() && self.pending.contains_key(&id) {
            return self.fail(id, Error::new(ErrorCode::NotAuthenticated), None);
        }
        let (Some(tokens), Some(pending)) = (&self.tokens, self.pending.get(&id)) else {
            return;
        };
        let mut request = pending.request.clone();
        request.set_header("Authorization", tokens.authorization());
        if let Some(identity) = &self.identity {
            let header = self.config.identity_header.clone();
            request.set_header(&header, identity.clone());
        }
        let generation = self.generation;
        self.push_send(
            Exchange::Api {
                request: id,
                generation,
            },
            request,
        );
    }

    /// Sends a request for another origin as the host gave it: no token, no identity.
    fn transmit_unbound(&mut self, id: RequestId) {
        let Some(pending) = self.pending.get(&id) else {
            return;
        };
        let request = pending.request.clone();
        let generation = self.generation;
        self.push_send(
            Exchange::Api {
                request: id,
                generation,
            },
            request,
        );
    }

    fn push_send(&mut self, exchange: Exchange, request: HttpRequest) {
        let transmit = self.next_transmit;
        self.next_transmit += 1;
        let request_id = match exchange {
            Exchange::Api { request, .. } => Some(request),
            Exchange::Refresh => None,
        };
        self.exchanges.insert(transmit, exchange);
        self.actions.push_back(Action::Send {
            transmit,
            request_id,
            request,
        });
    }

    fn on_refresh_response(&mut self, response: HttpResponse, now: i64) {
        self.refresh = RefreshState::Idle;
        let server_now = now.saturating_add(self.clock_offset);
        let rules = ResponseRules {
            default_expires_in: self.config.default_expires_in,
            max_access_token_bytes: self.config.max_access_token_bytes,
        };
        if response.is_success() && !is_error_body(&response.body) {
            match TokenSet::from_body_with(&response.body, server_now, rules, &self.config.response_fields) {
                Ok(mut fresh) => {
                    if fresh.refresh_token.is_none() {
                        if let Some(old) = &self.tokens {
                            fresh.refresh_token = old.refresh_token.clone();
                            fresh.refresh_expires_at = old.refresh_expires_at;
                        }
                    }
                    self.tokens = Some(fresh);
                    self.bump_and_save();
                    for id in std::mem::take(&mut self.waiting) {
                        self.transmit_api(id);
                    }
                }
                Err(e) => {
                    let err = Error::field(ErrorCode::RefreshFailed, e.field_name().unwrap_or("body"), e.detail());
                    self.fail_waiting(&err, Some(response));
                }
            }
            return;
        }
        let server_code = parse_object(response.body.as_bytes()).ok().and_then(|o| {
            o.get("error")
                .or_else(|| o.get("code"))
                .and_then(Value::as_str)
                .map(crate::json::truncate)
        });
        let refused = matches!(response.status, 400 | 401) || server_code.as_deref() == Some("invalid_grant");
        let detail = match server_code {
            Some(code) => format!("Token refresh failed with status {} ({code}).", response.status),
            None => format!("Token refresh failed with status {}.", response.status),
        };
        if refused {
            // The refresh token was refused (RFC 6749 `invalid_grant`, whatever the status):
            // this sign-in is over. Drop the tokens and clear the store before failing.
            self.drop_tokens();
        }
        self.fail_waiting(&Error::with_detail(ErrorCode::RefreshFailed, detail), Some(response));
    }

    fn on_api_response(&mut self, id: RequestId, sent_generation: u64, response: HttpResponse, now: i64) {
        let bound = self.pending.get(&id).is_some_and(|p| p.bound);
        match response.status {
            _ if !bound => {
                self.pending.remove(&id);
                self.actions.push_back(Action::Complete {
                    request_id: id,
                    response,
                });
            }
            401 => {
                let Some(pending) = self.pending.get_mut(&id) else {
                    return;
                };
                if pending.retried {
                    return self.fail(id, Error::new(ErrorCode::NotAuthenticated), Some(response));
                }
                pending.retried = true;
                if sent_generation != self.generation && self.tokens.is_some() {
                    // Tokens changed while this request was out: retry with the new ones.
                    return self.transmit_api(id);
                }
                let server_now = now.saturating_add(self.clock_offset);
                let can_refresh = self.tokens.as_ref().is_some_and(|t| t.can_refresh(server_now));
                let session = self
                    .tokens
                    .as_ref()
                    .is_some_and(|t| t.is_session() && t.refresh_token.is_none());
                if can_refresh {
                    self.wait_for_refresh(id, false);
                } else if session {
                    self.sign_out();
                    let detail = "The session has ended; sign in again.";
                    self.fail(
                        id,
                        Error::with_detail(ErrorCode::NotAuthenticated, detail),
                        Some(response),
                    );
                } else {
                    if let Some(expires_at) = self
                        .tokens
                        .as_ref()
                        .filter(|t| t.refresh_token.is_none())
                        .and_then(|t| t.expires_at)
                    {
                        self.announce_reauthenticate(expires_at);
                    }
                    self.fail(id, Error::new(ErrorCode::NotAuthenticated), Some(response));
                }
            }
            402 => {
                let detail = parse_object(response.body.as_bytes())
                    .ok()
                    .and_then(|o| o.get("detail").and_then(Value::as_str).map(str::to_owned))
                    .unwrap_or_else(|| ErrorCode::SubscriptionRequired.default_detail().to_owned());
                self.fail(
                    id,
                    Error::with_detail(ErrorCode::SubscriptionRequired, detail),
                    Some(response),
                );
            }
            _ => {
                self.pending.remove(&id);
                self.actions.push_back(Action::Complete {
                    request_id: id,
                    response,
                });
            }
        }
    }

    fn bump_and_save(&mut self) {
        self.generation += 1;
        if let Some(stored) = self.stored() {
            self.actions.push_back(Action::SaveTokens {
                stored,
                generation: self.generation,
                expected_generation: self.generation - 1,
            });
        }
    }

    fn fail(&mut self, id: RequestId, error: Error, response: Option<HttpResponse>) {
        self.pending.remove(&id);
        self.actions.push_back(Action::Failed {
            request_id: id,
            error,
            response,
        });
    }

    fn fail_waiting(&mut self, error: &Error, response: Option<HttpResponse>) {
        for id in std::mem::take(&mut self.waiting) {
            self.fail(id, error.clone(), response.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    #[test]
    fn driver_snapshot_is_versioned_and_restore_checks_it() {
        let d = RequestDriver::new(
            ClientConfig::new("https://auth.example.com/token"),
            Some(tokens(3600)),
            3,
        )
        .unwrap();
        let snap = d.snapshot();
        assert_eq!(snap["version"], 1);
        let back = RequestDriver::restore(&snap).unwrap();
        assert_eq!(back.status(NOW), d.status(NOW));
        let refused = |v: Value| {
            let e = RequestDriver::restore(&v).unwrap_err();
            (e.code(), e.field_name().map(str::to_owned))
        };
        let mut v2 = snap.clone();
        v2["version"] = 2.into();
        assert_eq!(
            refused(v2),
            (ErrorCode::StateVersionUnsupported, Some("version".into()))
        );
        let mut none = snap.clone();
        none.as_object_mut().unwrap().remove("version");
        assert_eq!(refused(none), (ErrorCode::StateCorrupt, Some("version".into())));
        let mut extra = snap.clone();
        extra["extra"] = 1.into();
        assert_eq!(refused(extra), (ErrorCode::StateCorrupt, Some("snapshot".into())));
        let mut bad = snap;
        bad["config"]["token_endpoint"] = "ftp://x".into();
        assert_eq!(refused(bad), (ErrorCode::InvalidConfig, Some("token_endpoint".into())));
    }

    fn tokens(expires_in: i64) -> TokenSet {
        TokenSet::from_token_response(
            &format!(
                r#"{{"access_token":"at-1","refresh_token":"rt-1","token_type":"bearer","expires_in":{expires_in}}}"#
            ),
            NOW,
        )
        .unwrap()
    }

    fn drain(d: &mut RequestDriver) -> Vec<Action> {
        std::iter::from_fn(|| d.poll_action()).collect()
    }

    #[test]
    fn freshness_edges() {
        let t = tokens(3600);
        assert_eq!(t.freshness(NOW + 3600 - 301, 300), Freshness::Fresh);
        assert_eq!(t.freshness(NOW + 3600 - 300, 300), Freshness::RefreshDue);
        assert_eq!(t.freshness(NOW + 3599, 300), Freshness::RefreshDue);
        assert_eq!(t.freshness(NOW + 3600, 300), Freshness::Expired);
        let mut t2 = t.clone();
        t2.refresh_token = None;
        assert_eq!(t2.freshness(NOW + 3600, 300), Freshness::RefreshExpired);
        t2.refresh_token = t.refresh_token.clone();
        t2.refresh_expires_at = Some(NOW + 3600);
        assert_eq!(t2.freshness(NOW + 3600, 300), Freshness::RefreshExpired);
    }

    #[test]
    fn debug_redacts_secrets() {
        let s = format!("{:?}", tokens(60));
        assert!(!s.contains("at-1") && !s.contains("rt-1"), "{s}");
    }

    #[test]
    fn stored_round_trip_and_errors() {
        let st = StoredTokens::new(tokens(60), 3, -2);
        assert_eq!(StoredTokens::from_json(&st.to_json()).unwrap(), st);
        let code = |s: &str| StoredTokens::from_json(s).unwrap_err().code();
        assert_eq!(code(""), ErrorCode::StateCorrupt);
        assert_eq!(code("{"), ErrorCode::StateCorrupt);
        assert_eq!(code("[]"), ErrorCode::StateCorrupt);
        assert_eq!(code(r#"{"version":3}"#), ErrorCode::StateVersionUnsupported);
        assert_eq!(code(r#"{"version":"1"}"#), ErrorCode::StateCorrupt);
        assert_eq!(
            code(r#"{"version":1,"generation":1,"tokens":{}}"#),
            ErrorCode::StateCorrupt
        );
    }

    #[test]
    fn retry_once_then_not_authenticated() {
        let mut config = ClientConfig::new("https://a.example/token");
        config.api_origins = vec!["https://api.example".into()];
        let mut d = RequestDriver::new(config, Some(tokens(3600)), 0).unwrap();
        let id = d.send(HttpRequest::new("GET", "https://api.example/x"), NOW);
        let Some(Action::Send { transmit, .. }) = d.poll_action() else {
            panic!()
        };
        d.handle_response(transmit, HttpResponse::new(401), NOW).unwrap();
        let Some(Action::Send {
            transmit: refresh,
            request_id: None,
            request,
        }) = d.poll_action()
        else {
            panic!()
        };
        assert_eq!(request.url, "https://a.example/token");
        d.handle_response(
            refresh,
            HttpResponse::new(200).with_body(r#"{"access_token":"at-2","token_type":"Bearer","expires_in":3600}"#),
            NOW,
        )
        .unwrap();
        let actions = drain(&mut d);
        assert!(
            matches!(&actions[0], Action::SaveTokens { generation: 1, expected_generation: 0, stored } if stored.tokens.refresh_token == Some(Secret::new("rt-1")))
        );
        let Action::Send {
            transmit,
            request_id: Some(retried),
            request,
        } = &actions[1]
        else {
            panic!()
        };
        assert_eq!(request.header("authorization"), Some("Bearer at-2"));
        assert_eq!(*retried, id);
        d.handle_response(*transmit, HttpResponse::new(401), NOW).unwrap();
        let actions = drain(&mut d);
        assert!(
            matches!(&actions[..], [Action::Failed { request_id, error, response: Some(_) }] if *request_id == id && error.code() == ErrorCode::NotAuthenticated)
        );
        assert!(d.handle_response(*transmit, HttpResponse::new(200), NOW).is_err());
    }

    const SESSION: &str = r#"{"session_token":"550e8400-e29b-41d4-a716-446655440000","user_id":"user_abc123","email":"user@example.com"}"#;

    #[test]
    fn session_token_signs_out_on_401_and_clears_the_store() {
        let t = TokenSet::from_token_response(SESSION, NOW).unwrap();
        assert!(t.is_session());
        assert_eq!(t.freshness(NOW + 100 * 86_400, None), Freshness::Fresh);
        let st = StoredTokens::new(t.clone(), 1, 0).with_identity(Some("id-1".into()));
        assert_eq!(st.version, 2);
        assert_eq!(StoredTokens::from_json(&st.to_json()).unwrap(), st);
        let mut d = RequestDriver::from_stored(ClientConfig::new("https://a.example/api/auth/session"), st).unwrap();
        assert_eq!(d.identity(), Some("id-1"));
        let first = d.send(HttpRequest::new("GET", "https://a.example/x"), NOW);
        let second = d.send(HttpRequest::new("GET", "https://a.example/y"), NOW);
        let sends = drain(&mut d);
        assert_eq!(sends.len(), 2);
        d.handle_response(1, HttpResponse::new(401), NOW).unwrap();
        let actions = drain(&mut d);
        assert!(
            matches!(&actions[..], [Action::SignedOut {}, Action::ClearTokens { expected_generation: 1 }, Action::Failed { request_id, error, .. }] if *request_id == first && error.code() == ErrorCode::NotAuthenticated),
            "{actions:?}"
        );
        // The other request, sent with the same token, fails too: no retry without tokens.
        d.handle_response(2, HttpResponse::new(401), NOW).unwrap();
        let actions = drain(&mut d);
        assert!(
            matches!(&actions[..], [Action::Failed { request_id, .. }] if *request_id == second),
            "{actions:?}"
        );
        assert_eq!(d.status(NOW).generation, 0);
    }

    #[test]
    fn response_fields_map_simplejwt_and_refuse_clashes() {
        let fields = ResponseFields {
            access_token: Some("access".into()),
            refresh_token: Some("refresh".into()),
            ..Default::default()
        };
        let t = TokenSet::from_token_response_with_fields(
            r#"{"access":"a","refresh":"r","access_token":"ignored"}"#,
            NOW,
            None,
            &fields,
        )
        .unwrap();
        assert_eq!(
            (t.access_token.expose(), t.refresh_token.as_ref().map(Secret::expose)),
            ("a", Some("r"))
        );
        let e = TokenSet::from_token_response_with_fields(r#"{"access":7}"#, NOW, None, &fields).unwrap_err();
        assert_eq!(e.field_name(), Some("access"));
        let clash = ResponseFields {
            scope: Some("access_token".into()),
            ..Default::default()
        };
        let e = clash.validate("response_fields").unwrap_err();
        assert_eq!(
            (e.code(), e.field_name()),
            (ErrorCode::InvalidConfig, Some("response_fields.scope"))
        );
    }
}
