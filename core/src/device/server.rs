//! The authorization server's side of the device grant.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use super::user_code::UserCodeFormat;
use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{
    form_decode_with, is_http_url, non_ascii_detail, query_encode, repeated_name, FormLimits, HttpResponse,
};
use crate::json::versioned;
use crate::secret::Secret;
use crate::util::{b64url, check_user_id, quote_input, sha256_hex};

/// The `grant_type` of a device-code token request (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Current format version of [`DeviceGrant`] records.
pub const DEVICE_GRANT_VERSION: u32 = 1;

/// Authority settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::require_device_server_config))]
pub struct DeviceServerConfig {
    /// Where people enter the code, e.g. `https://example.com/device`.
    pub verification_uri: String,
    /// Also send `verification_uri_complete` (the URI with `?user_code=…`), default true.
    pub complete_uri: bool,
    /// Grant lifetime in seconds (default 600).
    pub expires_in: i64,
    /// Minimum polling interval in seconds (default 5).
    pub interval: i64,
    /// Random bytes in a device code (32 to 64, default 32: at least 256 bits, RFC 6749 §10.10).
    pub device_code_bytes: usize,
    /// User-code alphabet, length and grouping.
    pub user_code: UserCodeFormat,
    /// Wrong user codes allowed per grant before it locks (default 5).
    pub max_attempts: u32,
    /// Wrong or unknown user codes one requester (an IP address, an account: the host's
    /// choice) may enter within `failure_window` before its entries are refused with
    /// `too_many_attempts` (default 50). Counted in the requester's [`EntryLimiter`].
    pub max_failures: u32,
    /// Failed entries across the whole server within `failure_window` at which
    /// [`EntryOutcome::global_pressure`] turns true (default 50). A soft signal only: it never
    /// refuses an entry (a global hard cap would let anyone lock every user out with junk
    /// codes); the host logs it or asks for more (a captcha) while it lasts. Counted in the
    /// server's global [`EntryLimiter`].
    pub global_pressure_failures: u32,
    /// The window for `max_failures` and `global_pressure_failures`, in seconds (default 600).
    pub failure_window: i64,
    /// Seconds a poll may arrive early before it counts as too fast (default 1: network
    /// jitter must not turn an obedient client's poll into `slow_down`).
    pub poll_tolerance: i64,
}

impl Default for DeviceServerConfig {
    fn default() -> Self {
        Self {
            verification_uri: String::new(),
            complete_uri: true,
            expires_in: 600,
            interval: 5,
            device_code_bytes: 32,
            user_code: UserCodeFormat::default(),
            max_attempts: 5,
            max_failures: 50,
            global_pressure_failures: 50,
            failure_window: 600,
            poll_tolerance: 1,
        }
    }
}

/// Where a grant stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GrantStatus {
    /// Waiting for the person.
    Pending,
    /// Approved; the next poll gets the tokens.
    Approved,
    /// Denied by the person.
    Denied,
    /// Locked after too many wrong user codes.
    Locked,
    /// Tokens were issued; the device code is spent.
    Consumed,
}

/// The stored record of one grant. See the module docs for compare-and-swap storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeviceGrant {
    /// Format version ([`DEVICE_GRANT_VERSION`]).
    pub version: u32,
    /// Grows by one on every change; store with compare-and-swap on it.
    pub revision: u64,
    /// Hex SHA-256 of the device code: the lookup key for polls.
    pub device_code_hash: String,
    /// The user code in canonical form (no separators): the lookup key for code entry.
    pub user_code: String,
    /// The client the grant was issued to.
    pub client_id: String,
    /// Requested scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Issue time (Unix seconds).
    pub created_at: i64,
    /// Expiry time (Unix seconds).
    pub expires_at: i64,
    /// Current minimum polling interval; grows by 5 with every `slow_down`.
    pub interval: i64,
    /// When the client last polled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_poll_at: Option<i64>,
    /// Where the grant stands.
    pub status: GrantStatus,
    /// Wrong user codes entered for this grant.
    #[serde(default)]
    pub failed_attempts: u32,
    /// The approving user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Claims bound at approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<Map<String, Value>>,
}

impl DeviceGrant {
    /// Serialises the record to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored record (`state_corrupt` / `state_version_unsupported` on bad input).
    pub fn from_json(text: &str) -> Result<Self> {
        versioned(text, DEVICE_GRANT_VERSION, "device grant")
    }

    fn next(&self) -> Self {
        let mut g = self.clone();
        g.revision = g.revision.saturating_add(1);
        g
    }
}

/// The device authorization response body (RFC 8628 §3.2).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceAuthorization {
    /// The device code (secret).
    pub device_code: Secret,
    /// The user code in display form (`BCDF-GHJK`).
    pub user_code: String,
    /// Where to enter the code.
    pub verification_uri: String,
    /// The URI with the code filled in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// Minimum polling interval in seconds.
    pub interval: i64,
}

impl core::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("device_code", &self.device_code)
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// A newly issued grant: the response to send and the record to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedGrant {
    /// The body to send, as JSON (`200 OK`, `Cache-Control: no-store`).
    pub response: DeviceAuthorization,
    /// The record to insert (unique on `device_code_hash` and `user_code`; on a user-code
    /// collision issue again).
    pub record: DeviceGrant,
}

/// A token request at the token endpoint (RFC 8628 §3.4).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Must be [`DEVICE_CODE_GRANT_TYPE`].
    pub grant_type: String,
    /// The device code.
    pub device_code: Secret,
    /// The client.
    pub client_id: String,
}

impl core::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("device_code", &self.device_code)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl TokenRequest {
    /// Parses a form-encoded token request body. A body over
    /// [`MAX_FORM_BYTES`](crate::http::MAX_FORM_BYTES) bytes or
    /// [`MAX_FORM_PARAMS`](crate::http::MAX_FORM_PARAMS) parameters gives `payload_too_large`
    /// (413, field `body`); a repeated parameter, a malformed body or a missing parameter
    /// `invalid_request`; another grant type `unsupported_grant_type`. Linear time.
    /// `client_id` may instead come from HTTP client authentication: pass it as `client_id`
    /// to override the body.
    pub fn from_form(body: &str, client_id: Option<&str>) -> Result<Self> {
        let pairs = parse_form(body)?;
        let grant_type = param(&pairs, "grant_type")?;
        if grant_type != DEVICE_CODE_GRANT_TYPE {
            return Err(Error::field(
                ErrorCode::UnsupportedGrantType,
                "grant_type",
                "Only the device_code grant type is supported here.",
            ));
        }
        let client_id = match client_id {
            Some(c) => c.to_owned(),
            None => param(&pairs, "client_id")?,
        };
        Ok(Self {
            grant_type,
            device_code: Secret::new(param(&pairs, "device_code")?),
            client_id,
        })
    }
}

/// A device authorization request (RFC 8628 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AuthorizationRequest {
    /// The client.
    pub client_id: String,
    /// Requested scope, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl AuthorizationRequest {
    /// Parses a form-encoded device authorization request body, with the same caps and
    /// checks as [`TokenRequest::from_form`].
    pub fn from_form(body: &str) -> Result<Self> {
        let pairs = parse_form(body)?;
        Ok(Self {
            client_id: param(&pairs, "client_id")?,
            scope: pairs.iter().find(|(k, _)| k == "scope").map(|(_, v)| v.clone()),
        })
    }
}

fn parse_form(body: &str) -> Result<Vec<(String, String)>> {
    parse_form_with(body, FormLimits::default())
}

/// Decodes a request body (in linear time, under `limits`) and refuses repeated parameters.
pub(crate) fn parse_form_with(body: &str, limits: FormLimits) -> Result<Vec<(String, String)>> {
    let pairs = form_decode_with(body, limits).map_err(|e| {
        match e.code() {
            ErrorCode::PayloadTooLarge => e,
            _ => Error::with_detail(ErrorCode::InvalidRequest, "The request body is not valid form data."),
        }
        .in_field("body")
    })?;
    if let Some(name) = repeated_name(&pairs) {
        return Err(Error::field(
            ErrorCode::InvalidRequest,
            quote_input(name),
            "A request parameter must not repeat (RFC 6749 section 3.1).",
        ));
    }
    Ok(pairs)
}

pub(crate) fn param(pairs: &[(String, String)], name: &str) -> Result<String> {
    pairs
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.clone())
        .ok_or_else(|| Error::field(ErrorCode::InvalidRequest, name, format!("`{name}` is missing.")))
}

/// What a poll decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PollResult {
    /// Issue tokens for this user, once the consumed record is stored.
    Approved {
        /// The approving user.
        user_id: String,
        /// The client.
        client_id: String,
        /// Granted scope.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        /// Claims bound at approval.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        claims: Option<Map<String, Value>>,
    },
    /// Answer with this error.
    Error {
        /// The error (`authorization_pending`, `slow_down`, …).
        error: Error,
    },
}

/// The outcome of a poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PollOutcome {
    /// The decision.
    #[serde(flatten)]
    pub result: PollResult,
    /// The changed record to store with compare-and-swap before answering (`None`: unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<DeviceGrant>,
    /// For errors, the RFC 6749 §5.2 response to send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HttpResponse>,
}

/// The outcome of checking a typed user code against a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserCodeCheck {
    /// Whether the code matched and the grant awaits a decision.
    pub ok: bool,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
    /// The changed record to store (a failed attempt was counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<DeviceGrant>,
}

/// The authorization server's side. Holds only configuration; grants are the host's records.
#[derive(Debug, Clone)]
pub struct DeviceAuthority {
    config: DeviceServerConfig,
}

/// The lookup key for a device code: lower-case hex SHA-256.
pub fn device_code_hash(device_code: &str) -> String {
    sha256_hex(device_code)
}

impl DeviceAuthority {
    /// An authority with validated settings.
    pub fn new(config: DeviceServerConfig) -> Result<Self> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        if !config.verification_uri.is_ascii() {
            return bad("verification_uri", &non_ascii_detail("verification_uri"));
        }
        if !is_http_url(&config.verification_uri) {
            return bad("verification_uri", "The verification URI must be an http(s) URL.");
        }
        if !(10..=86_400).contains(&config.expires_in) {
            return bad("expires_in", "The grant lifetime must be 10 to 86400 seconds.");
        }
        if !(1..=3600).contains(&config.interval) {
            return bad("interval", "The polling interval must be 1 to 3600 seconds.");
        }
        if !(32..=64).contains(&config.device_code_bytes) {
            return bad("device_code_bytes", "A device code needs 32 to 64 random bytes.");
        }
        if !(1..=1_000_000).contains(&config.max_failures) {
            return bad("max_failures", "The failure limit must be 1 to 1000000.");
        }
        if !(1..=1_000_000).contains(&config.global_pressure_failures) {
            return bad(
                "global_pressure_failures",
                "The global pressure threshold must be 1 to 1000000.",
            );
        }
        if !(1..=86_400).contains(&config.failure_window) {
            return bad("failure_window", "The failure window must be 1 to 86400 seconds.");
        }
        if !(1..=100).contains(&config.max_attempts) {
            return bad("max_attempts", "The attempt limit must be 1 to 100.");
        }
        if !(0..config.interval).contains(&config.poll_tolerance) {
            return bad(
                "poll_tolerance",
                "The poll tolerance must be 0 or more and below the interval.",
            );
        }
        config.user_code.validate()?;
        Ok(Self { config })
    }

    /// The settings.
    pub fn config(&self) -> &DeviceServerConfig {
        &self.config
    }

    /// Issues a grant to `client_id` for `scope` at `now`.
    pub fn issue(&self, request: &AuthorizationRequest, now: i64, entropy: &mut dyn Entropy) -> Result<IssuedGrant> {
        check_client_id(&request.client_id)?;
        if let Some(scope) = &request.scope {
            check_scope(scope)?;
        }
        let raw = random_bytes(entropy, self.config.device_code_bytes)?;
        let device_code = b64url(&raw);
        let user_code = self.config.user_code.generate(entropy)?;
        let display = self.config.user_code.display(&user_code);
        let complete = self.config.complete_uri.then(|| {
            let sep = if self.config.verification_uri.contains('?') {
                '&'
            } else {
                '?'
            };
            format!(
                "{}{sep}user_code={}",
                self.config.verification_uri,
                query_encode(&display)
            )
        });
        let record = DeviceGrant {
            version: DEVICE_GRANT_VERSION,
            revision: 1,
            device_code_hash: device_code_hash(&device_code),
            user_code,
            client_id: request.client_id.clone(),
            scope: request.scope.clone(),
            created_at: now,
            expires_at: now.saturating_add(self.config.expires_in),
            interval: self.config.interval,
            last_poll_at: None,
            status: GrantStatus::Pending,
            failed_attempts: 0,
            user_id: None,
            claims: None,
        };
        Ok(IssuedGrant {
            response: DeviceAuthorization {
                device_code: Secret::new(device_code),
                user_code: display,
                verification_uri: self.config.verification_uri.clone(),
                verification_uri_complete: complete,
                expires_in: self.config.expires_in,
                interval: self.config.interval,
            },
            record,
        })
    }

    /// Normalises a typed user code to the canonical lookup key (see
    /// [`UserCodeFormat::normalize`]).
    pub fn normalize_user_code(&self, typed: &str) -> Result<String> {
        self.config.user_code.normalize(typed)
    }

    /// Checks a typed code against a grant (found by another route, e.g. the link in
    /// `verification_uri_complete` or the host's own session). A wrong code counts against
    /// the grant; at `max_attempts` the grant locks and every later poll gets
    /// `access_denied`.
    pub fn check_user_code(&self, grant: &DeviceGrant, typed: &str, now: i64) -> UserCodeCheck {
        if let Err(error) = usable(grant, now) {
            return UserCodeCheck {
                ok: false,
                error: Some(error),
                record: None,
            };
        }
        let matches = self
            .config
            .user_code
            .normalize(typed)
            .is_ok_and(|c| bool::from(c.as_bytes().ct_eq(grant.user_code.as_bytes())));
        if matches {
            return UserCodeCheck {
                ok: true,
                error: None,
                record: None,
            };
        }
        let mut next = grant.next();
        next.failed_attempts = next.failed_attempts.saturating_add(1);
        let error = if next.failed_attempts >= self.config.max_attempts {
            next.status = GrantStatus::Locked;
            Error::new(ErrorCode::TooManyAttempts)
        } else {
            Error::field(ErrorCode::InvalidUserCode, "user_code", "The code does not match.")
        };
        UserCodeCheck {
            ok: false,
            error: Some(error),
            record: Some(next),
        }
    }

    /// Records the person's approval, binding their user id and any claims.
    pub fn approve(
        &self,
        grant: &DeviceGrant,
        user_id: &str,
        claims: Option<Map<String, Value>>,
        now: i64,
    ) -> Result<DeviceGrant> {
        usable(grant, now)?;
        check_user_id(user_id)?;
        let mut next = grant.next();
        next.status = GrantStatus::Approved;
        next.user_id = Some(user_id.to_owned());
        next.claims = claims;
        Ok(next)
    }

    /// Records the person's denial; the next poll gets `access_denied`.
    pub fn deny(&self, grant: &DeviceGrant, now: i64) -> Result<DeviceGrant> {
        usable(grant, now)?;
        let mut next = grant.next();
        next.status = GrantStatus::Denied;
        Ok(next)
    }

    /// Answers a poll for `grant` (the record found under
    /// `device_code_hash(request.device_code)`, or `None`).
    pub fn poll(&self, grant: Option<&DeviceGrant>, request: &TokenRequest, now: i64) -> PollOutcome {
        let (decision, record) = self.decide(grant, request, now);
        match decision {
            Ok(result) => PollOutcome {
                result,
                record,
                response: None,
            },
            Err(error) => PollOutcome {
                response: Some(oauth_response(&error)),
                result: PollResult::Error { error },
                record,
            },
        }
    }

    fn decide(
        &self,
        grant: Option<&DeviceGrant>,
        request: &TokenRequest,
        now: i64,
    ) -> (Result<PollResult>, Option<DeviceGrant>) {
        let fail = |code: ErrorCode| (Err(Error::new(code)), None);
        if request.grant_type != DEVICE_CODE_GRANT_TYPE {
            return fail(ErrorCode::UnsupportedGrantType);
        }
        let Some(grant) = grant else {
            return fail(ErrorCode::InvalidGrant);
        };
        let hash = device_code_hash(request.device_code.expose());
        if !bool::from(hash.as_bytes().ct_eq(grant.device_code_hash.as_bytes())) {
            return fail(ErrorCode::InvalidGrant);
        }
        if request.client_id != grant.client_id {
            // RFC 6749 §5.2: a grant "issued to another client" is `invalid_grant`.
            return (
                Err(Error::with_detail(
                    ErrorCode::InvalidGrant,
                    "The device code was issued to another client.",
                )),
                None,
            );
        }
        match grant.status {
            GrantStatus::Consumed => return fail(ErrorCode::InvalidGrant),
            GrantStatus::Denied | GrantStatus::Locked => return fail(ErrorCode::AccessDenied),
            GrantStatus::Pending | GrantStatus::Approved => {}
        }
        if now >= grant.expires_at {
            return fail(ErrorCode::ExpiredToken);
        }
        let mut next = grant.next();
        next.last_poll_at = Some(now);
        if grant.status == GrantStatus::Approved {
            next.status = GrantStatus::Consumed;
            let result = PollResult::Approved {
                user_id: grant.user_id.clone().unwrap_or_default(),
                client_id: grant.client_id.clone(),
                scope: grant.scope.clone(),
                claims: grant.claims.clone(),
            };
            return (Ok(result), Some(next));
        }
        // Too fast: measured against the interval the client was last told, since the
        // previous poll. An obedient client waits the raised interval and is not slowed again.
        let too_fast = grant
            .last_poll_at
            .is_some_and(|t| now.saturating_sub(t).saturating_add(self.config.poll_tolerance) < grant.interval);
        if too_fast {
            next.interval = grant.interval.saturating_add(5);
            let detail = format!("Polling too fast; wait {} seconds between polls.", next.interval);
            return (Err(Error::with_detail(ErrorCode::SlowDown, detail)), Some(next));
        }
        (Err(Error::new(ErrorCode::AuthorizationPending)), Some(next))
    }
}

/// A counter of failed user-code entries over a time window: a plain record the host stores
/// (with compare-and-swap on `revision`). Keep one per requester (IP address, account), which
/// [`DeviceAuthority::enter_user_code`] enforces strictly (`max_failures`), and optionally one
/// for the whole server, which only raises [`EntryOutcome::global_pressure`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EntryLimiter {
    /// Grows by one on every change.
    #[serde(default)]
    pub revision: u64,
    /// Start of the current window (Unix seconds).
    #[serde(default)]
    pub window_start: i64,
    /// Failures in the current window.
    #[serde(default)]
    pub failures: u32,
}

impl EntryLimiter {
    /// Failures counted in the window still open at `now` (0 once it has ended).
    pub(crate) fn current(&self, now: i64, window: i64) -> u32 {
        if now.saturating_sub(self.window_start) < window {
            self.failures
        } else {
            0
        }
    }

    /// The record after one more failure at `now` (a closed window restarts at `now`).
    pub(crate) fn count_failure(&self, now: i64, window: i64) -> Self {
        let open = now.saturating_sub(self.window_start) < window;
        Self {
            revision: self.revision.saturating_add(1),
            window_start: if open { self.window_start } else { now },
            failures: if open { self.failures.saturating_add(1) } else { 1 },
        }
    }
}

/// The outcome of a person entering a user code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntryOutcome {
    /// What to show for confirmation when the code was right (client, scope, code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    /// Why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
    /// The changed requester limiter to store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limiter: Option<EntryLimiter>,
    /// The changed global limiter to store (when one was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_limiter: Option<EntryLimiter>,
    /// Whether failed entries across the server have reached `global_pressure_failures` in
    /// the current window: guessing may be under way from many requesters. Never a refusal
    /// by itself; log it, or require a captcha (or a signed-in session) before honouring
    /// entries while it is true.
    #[serde(default)]
    pub global_pressure: bool,
}

/// What the verification page shows before the person approves (RFC 8628 §5.4: say which
/// client asks for what, and ask to confirm, against remote phishing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Consent {
    /// The client asking.
    pub client_id: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// The code, in display form, to compare with the device's screen.
    pub user_code: String,
    /// Seconds left.
    pub expires_in: i64,
}

impl DeviceAuthority {
    /// What to show the person for `grant` before approval.
    pub fn consent(&self, grant: &DeviceGrant, now: i64) -> Consent {
        Consent {
            client_id: grant.client_id.clone(),
            scopes: grant
                .scope
                .as_deref()
                .map(|s| s.split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect())
                .unwrap_or_default(),
            user_code: self.config.user_code.display(&grant.user_code),
            expires_in: grant.expires_at.saturating_sub(now).max(0),
        }
    }

    /// A person typed `typed`; `grant` is what the host found under
    /// `normalize_user_code(typed)` (`None` when nothing, or when the text did not normalise).
    ///
    /// `limiter` is the requester's record (one per IP address or account; `None` for a
    /// requester without one yet: a fresh record, no failures): while it holds
    /// `max_failures` failures within `failure_window`, every entry from that requester is
    /// refused with `too_many_attempts` and nothing changes. `global`, when given, is the
    /// whole server's record: it never refuses anything, but the outcome's `global_pressure`
    /// says when it holds `global_pressure_failures` failures within the window. An unknown,
    /// malformed or unusable code counts one failure in both (return the changed records to
    /// the store); the failure that reaches `max_failures` already answers
    /// `too_many_attempts`. On success the outcome holds the [`Consent`] view.
    pub fn enter_user_code(
        &self,
        limiter: Option<&EntryLimiter>,
        global: Option<&EntryLimiter>,
        grant: Option<&DeviceGrant>,
        typed: &str,
        now: i64,
    ) -> EntryOutcome {
        let fresh = EntryLimiter::default();
        let limiter = limiter.unwrap_or(&fresh);
        let window = self.config.failure_window;
        let pressure = |g: Option<&EntryLimiter>| {
            g.is_some_and(|g| g.current(now, window) >= self.config.global_pressure_failures)
        };
        if limiter.current(now, window) >= self.config.max_failures {
            return EntryOutcome {
                consent: None,
                error: Some(Error::new(ErrorCode::TooManyAttempts)),
                limiter: None,
                global_limiter: None,
                global_pressure: pressure(global),
            };
        }
        let found = self
            .config
            .user_code
            .normalize(typed)
            .ok()
            .and_then(|key| grant.filter(|g| bool::from(key.as_bytes().ct_eq(g.user_code.as_bytes()))));
        let error = match found.map(|g| usable(g, now)) {
            Some(Ok(())) => None,
            Some(Err(e)) => Some(e),
            None => Some(Error::field(
                ErrorCode::InvalidUserCode,
                "user_code",
                "The code is not valid.",
            )),
        };
        let Some(error) = error else {
            return EntryOutcome {
                consent: found.map(|g| self.consent(g, now)),
                error: None,
                limiter: None,
                global_limiter: None,
                global_pressure: pressure(global),
            };
        };
        let next = limiter.count_failure(now, window);
        let next_global = global.map(|g| g.count_failure(now, window));
        let error = if next.failures >= self.config.max_failures {
            Error::new(ErrorCode::TooManyAttempts)
        } else {
            error
        };
        EntryOutcome {
            consent: None,
            error: Some(error),
            limiter: Some(next),
            global_pressure: pressure(next_global.as_ref()),
            global_limiter: next_global,
        }
    }
}

/// A grant awaiting a decision: pending, not expired, not locked.
fn usable(grant: &DeviceGrant, now: i64) -> Result<()> {
    match grant.status {
        GrantStatus::Pending if now < grant.expires_at => Ok(()),
        GrantStatus::Pending => Err(Error::new(ErrorCode::ExpiredToken)),
        GrantStatus::Locked => Err(Error::new(ErrorCode::TooManyAttempts)),
        GrantStatus::Approved | GrantStatus::Denied | GrantStatus::Consumed => Err(Error::with_detail(
            ErrorCode::InvalidGrant,
            "This code has already been used.",
        )),
    }
}

fn oauth_response(error: &Error) -> HttpResponse {
    crate::oauth::error_response(error)
}

fn check_client_id(client_id: &str) -> Result<()> {
    if client_id.is_empty() || client_id.len() > 256 || !client_id.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(Error::field(
            ErrorCode::InvalidClient,
            "client_id",
            "The client id must be 1 to 256 printable ASCII characters.",
        ));
    }
    Ok(())
}

/// RFC 6749 §3.3: space-separated tokens of `%x21 / %x23-5B / %x5D-7E`.
fn check_scope(scope: &str) -> Result<()> {
    let ok = scope.len() <= 1024
        && !scope.is_empty()
        && scope.split(' ').all(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(Error::field(
            ErrorCode::InvalidScope,
            "scope",
            "The scope must be space-separated RFC 6749 scope tokens.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct_keys(n: usize) -> String {
        (0..n).map(|i| format!("key{i}=value")).collect::<Vec<_>>().join("&")
    }

    #[test]
    fn request_bodies_are_capped() {
        let over = distinct_keys(65);
        let e = TokenRequest::from_form(&over, None).unwrap_err();
        assert_eq!(
            (e.code(), e.status(), e.field_name(), e.detail()),
            (
                ErrorCode::PayloadTooLarge,
                413,
                Some("body"),
                "The form data has more than 64 parameters."
            )
        );
        let big = format!("client_id={}", "a".repeat(65_536));
        let e = AuthorizationRequest::from_form(&big).unwrap_err();
        assert_eq!(e.code(), ErrorCode::PayloadTooLarge);
        assert_eq!(e.detail(), "The form data is larger than 65536 bytes.");
        let e = AuthorizationRequest::from_form("client_id=a&x=%0D%0A&x=1").unwrap_err();
        assert_eq!(e.field_name(), Some("x"));
        let e = AuthorizationRequest::from_form("client_id=a&%0D%0Aevil=1&%0D%0Aevil=2").unwrap_err();
        assert_eq!(e.field_name(), Some("??evil"), "a repeated name is quoted safely");
    }
}
