//! The error catalog: one enum of stable codes, each with its HTTP status and default detail.
//!
//! Every failure in authcore is an [`Error`] value carrying an [`ErrorCode`]. The code
//! strings (`"token_expired"`, `"subscription_required"`, …) are public API shared by every
//! language binding and never renamed. An error renders as the JSON body
//! `{"detail": "...", "code": "..."}`; [`Error::field`] optionally names the input field,
//! claim or header that was wrong (it is part of the value, not of the HTTP body).
//!
//! Error text never contains a secret or a whole token.
//!
//! ## `token_expired` and `expired_token`
//!
//! Two codes read alike and are kept apart on purpose:
//!
//! * [`ErrorCode::TokenExpired`] (`token_expired`, 401) is ours: a JWT or session presented to
//!   an API has passed its `exp`. A client reacts by refreshing and retrying.
//! * [`ErrorCode::ExpiredToken`] (`expired_token`, 400) is the RFC 8628 §3.5 wire name: the
//!   *device code* expired before the user approved it. It is sent verbatim in the token
//!   endpoint's `{"error": "expired_token"}` body (see [`crate::oauth::error_code`]), and a
//!   device client must stop polling and start over; refreshing does not help.
//!
//! Merging them would either rename a registered OAuth code on the wire or make a client
//! refresh where it must restart the device flow, so both stay.
//!
//! ```
//! use authcore::error::{Error, ErrorCode};
//!
//! let err = Error::new(ErrorCode::SubscriptionRequired);
//! assert_eq!(err.status(), 402);
//! assert_eq!(
//!     err.to_json(),
//!     r#"{"detail":"Active subscription required.","code":"subscription_required"}"#
//! );
//! assert_eq!("token_expired".parse::<ErrorCode>(), Ok(ErrorCode::TokenExpired));
//! ```

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal, $detail:literal), )+) => {
        /// A stable error code. See the module docs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )+
        }

        impl ErrorCode {
            /// Every code in the catalog, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )+ ];

            /// The snake_case code string, e.g. `"token_expired"`.
            pub const fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $code, )+ }
            }

            /// The HTTP status this error maps to.
            pub const fn status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )+ }
            }

            /// The default human-readable detail.
            pub const fn default_detail(self) -> &'static str {
                match self { $( ErrorCode::$variant => $detail, )+ }
            }
        }

        impl FromStr for ErrorCode {
            type Err = UnknownErrorCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $code => Ok(ErrorCode::$variant), )+
                    _ => Err(UnknownErrorCode),
                }
            }
        }
    };
}

error_codes! {
    // --- authentication and JWT -------------------------------------------------------
    /// No usable credential was presented, or a retried request was refused again.
    NotAuthenticated = ("not_authenticated", 401, "Not authenticated."),
    /// A token is malformed or cannot be used (structure, encoding, header, key id).
    InvalidToken = ("invalid_token", 401, "Invalid token."),
    /// The token's `exp` has passed (with leeway). Not [`ErrorCode::ExpiredToken`], the
    /// device grant's wire code (see the module docs).
    TokenExpired = ("token_expired", 401, "Token has expired."),
    /// The token's `nbf` (or `iat`) lies in the future (beyond leeway).
    TokenNotYetValid = ("token_not_yet_valid", 401, "Token is not yet valid."),
    /// The token's `alg` is not on the verifier's allow-list or does not fit the key.
    AlgorithmNotAllowed = ("algorithm_not_allowed", 401, "Token algorithm is not allowed."),
    /// The signature does not verify.
    InvalidSignature = ("invalid_signature", 401, "Token signature is invalid."),
    /// A claim is missing, mistyped or does not match (`field` names the claim).
    InvalidClaims = ("invalid_claims", 401, "Token claims are invalid."),
    /// Refreshing the access token failed.
    RefreshFailed = ("refresh_failed", 401, "Token refresh failed."),
    /// The refresh token is missing or has expired: the user must sign in again.
    RefreshTokenExpired = ("refresh_token_expired", 401, "Refresh token has expired; sign in again."),
    /// The caller lacks the scope the resource requires.
    InsufficientScope = ("insufficient_scope", 403, "Insufficient scope."),
    /// The route needs an active subscription.
    SubscriptionRequired = ("subscription_required", 402, "Active subscription required."),

    // --- input, configuration and host interaction -------------------------------------
    /// An argument or input document is malformed (`field` names it).
    InvalidInput = ("invalid_input", 400, "Invalid input."),
    /// A configuration value is missing or invalid (`field` names it).
    InvalidConfig = ("invalid_config", 500, "Invalid configuration."),
    /// Key material could not be parsed or does not fit its algorithm.
    InvalidKey = ("invalid_key", 500, "Invalid key."),
    /// The entropy source failed or ran out of bytes.
    EntropyUnavailable = ("entropy_unavailable", 500, "Randomness is unavailable."),
    /// A persisted state document is corrupt.
    StateCorrupt = ("state_corrupt", 500, "Stored state is corrupt."),
    /// A persisted state document has a format version this build does not know.
    StateVersionUnsupported = ("state_version_unsupported", 500, "Stored state has an unsupported version."),
    /// A compare-and-swap save lost to a newer version.
    VersionConflict = ("version_conflict", 409, "Stored state was changed by someone else."),
    /// A state machine was driven with an input that is not legal in its current state.
    InvalidState = ("invalid_state", 500, "Operation is not valid in the current state."),
    /// The host cancelled the operation.
    Cancelled = ("cancelled", 400, "Operation was cancelled."),
    /// A server's response could not be understood (`field` names what was wrong).
    InvalidResponse = ("invalid_response", 502, "The server sent an invalid response."),
    /// The host reported a network failure.
    NetworkError = ("network_error", 503, "Network request failed."),
    /// The server answered with a 5xx status.
    ServerError = ("server_error", 502, "The server failed to handle the request."),

    // --- OAuth 2.0 and the device authorization grant ----------------------------------
    /// RFC 8628: the user has not yet approved the device.
    AuthorizationPending = ("authorization_pending", 400, "Authorization is pending."),
    /// RFC 8628: the client polls too fast; the interval grows by 5 seconds.
    SlowDown = ("slow_down", 400, "Polling too fast; slow down."),
    /// RFC 8628: the device code has expired (spelled as on the wire). Not
    /// [`ErrorCode::TokenExpired`], an access token past `exp` (see the module docs).
    ExpiredToken = ("expired_token", 400, "The device code has expired."),
    /// The user or authorization server denied the request.
    AccessDenied = ("access_denied", 403, "Access was denied."),
    /// RFC 6749 §5.2: the grant is invalid, expired, revoked or already used.
    InvalidGrant = ("invalid_grant", 400, "The grant is invalid or has already been used."),
    /// RFC 6749 §5.2: client authentication failed or the client does not match.
    InvalidClient = ("invalid_client", 401, "Client authentication failed."),
    /// RFC 6749: the request is missing a parameter or is malformed.
    InvalidRequest = ("invalid_request", 400, "The request is invalid."),
    /// RFC 6749: the requested scope is invalid.
    InvalidScope = ("invalid_scope", 400, "The requested scope is invalid."),
    /// RFC 6749: the client may not use this grant type.
    UnauthorizedClient = ("unauthorized_client", 400, "The client is not authorized for this grant."),
    /// RFC 6749: the grant type is not supported.
    UnsupportedGrantType = ("unsupported_grant_type", 400, "Unsupported grant type."),
    /// A user code does not match any pending grant.
    InvalidUserCode = ("invalid_user_code", 400, "The code is not valid."),
    /// Too many failed attempts; the grant or code is locked.
    TooManyAttempts = ("too_many_attempts", 429, "Too many attempts."),
    /// An OAuth callback's `state` does not match the one that was sent.
    StateMismatch = ("state_mismatch", 400, "The state parameter does not match."),
    /// An OAuth `state` is older than its time to live, or was already used.
    StateExpired = ("state_expired", 400, "The state parameter has expired."),

    // --- sessions, guests, services, identities, accounts ------------------------------
    /// A session token is unknown or malformed.
    InvalidSession = ("invalid_session", 401, "Invalid session."),
    /// A session has been idle (or alive) too long.
    SessionExpired = ("session_expired", 401, "Session has expired."),
    /// A session has been revoked.
    SessionRevoked = ("session_revoked", 401, "Session has been revoked."),
    /// Guests may only read.
    GuestReadOnly = ("guest_read_only", 403, "Guest access is read-only."),
    /// A guest id is malformed.
    InvalidGuestId = ("invalid_guest_id", 400, "Invalid guest id."),
    /// A service token is missing or wrong.
    InvalidServiceToken = ("invalid_service_token", 401, "Invalid service token."),
    /// The route needs an identity to be selected.
    IdentityRequired = ("identity_required", 400, "An identity must be selected."),
    /// The selected identity does not belong to the caller.
    IdentityForbidden = ("identity_forbidden", 403, "The selected identity is not yours."),
    /// The identity header is malformed.
    InvalidIdentity = ("invalid_identity", 400, "Invalid identity."),
    /// The caller may not do this.
    Forbidden = ("forbidden", 403, "Forbidden."),
    /// A cookie credential on an unsafe method lacks CSRF protection (origin or token).
    CsrfFailed = ("csrf_failed", 403, "CSRF check failed."),
    /// Wrong user name or password (indistinguishable by design).
    InvalidCredentials = ("invalid_credentials", 401, "Invalid credentials."),
    /// A user name or e-mail address is not acceptable.
    InvalidUsername = ("invalid_username", 400, "Invalid user name."),
    /// A password does not meet the length policy.
    InvalidPassword = ("invalid_password", 400, "Invalid password."),
    /// The account already exists.
    UserExists = ("user_exists", 409, "The account already exists."),

    // --- credential broker --------------------------------------------------------------
    /// No provider serves the requested host.
    NoProvider = ("no_provider", 404, "No provider serves this host."),
    /// The provider has no connection.
    NotConnected = ("not_connected", 409, "The provider is not connected."),
    /// The connection's credential has expired and cannot be refreshed.
    ConnectionExpired = ("connection_expired", 401, "The connection has expired."),
    /// A provider definition is invalid (`field` names it).
    InvalidProvider = ("invalid_provider", 400, "Invalid provider definition."),
    /// A credential would go over plain `http` (or another scheme) to a non-loopback host.
    InsecureUrl = ("insecure_url", 400, "Credentials are only sent over https (or http to loopback)."),

    // --- requests (added after 0.1; appended so existing codes keep their order) ----------
    /// The request target cannot be parsed, or is ambiguous (dot-segments, encoded `/`, `\`,
    /// `;` parameters): the host's router could see a different path than the one judged.
    InvalidRequestTarget = ("invalid_request_target", 400, "The request target is malformed or ambiguous."),
    /// A route rule matches the path but not the method (fail closed).
    MethodNotAllowed = ("method_not_allowed", 405, "Method not allowed."),
    /// A request body or its parameter count exceeds the documented cap.
    PayloadTooLarge = ("payload_too_large", 413, "The request is too large."),
    /// Several connections of one provider are flagged as its default: the broker refuses to
    /// pick one (set the default again).
    AmbiguousDefault = ("ambiguous_default", 409, "Several connections are flagged as the provider's default."),
    /// A bug: the core or a binding failed in a way that should be impossible (a binding
    /// reports a caught panic with it). Nothing about the input is in the detail.
    Internal = ("internal", 500, "Internal error."),

    // --- DPoP (RFC 9449; appended) ---------------------------------------------------------
    /// RFC 9449 §7.1/§5: a DPoP proof is missing, malformed, or does not match the request,
    /// its key or its access token (`field` names the header member or claim). 401 at a
    /// resource server (with `WWW-Authenticate: DPoP error="invalid_dpop_proof"`); an
    /// authorization server sends it as a 400 OAuth error.
    InvalidDpopProof = ("invalid_dpop_proof", 401, "The DPoP proof is invalid."),
    /// RFC 9449 §8/§9: the server requires a nonce it issued in the proof; retry once with
    /// the `DPoP-Nonce` the response carries. 401 at a resource server, 400 at an
    /// authorization server.
    UseDpopNonce = ("use_dpop_nonce", 401, "The server requires a DPoP nonce."),
}

impl ErrorCode {
    /// The family a code belongs to, for bindings that raise one exception class per family:
    /// `token` (JWT and token lifecycle), `oauth` (OAuth 2.0 and the device grant), `session`,
    /// `access` (guests, services, identities, scopes, subscriptions), `account` (registration
    /// and login), `broker`, `input` (arguments, configuration, keys, stored state, misuse)
    /// and `transport` (network and server failures, cancellation).
    pub const fn family(self) -> &'static str {
        use ErrorCode as C;
        match self {
            C::NotAuthenticated
            | C::InvalidToken
            | C::TokenExpired
            | C::TokenNotYetValid
            | C::AlgorithmNotAllowed
            | C::InvalidSignature
            | C::InvalidClaims
            | C::RefreshFailed
            | C::RefreshTokenExpired
            | C::InvalidDpopProof
            | C::UseDpopNonce => "token",
            C::AuthorizationPending
            | C::SlowDown
            | C::ExpiredToken
            | C::AccessDenied
            | C::InvalidGrant
            | C::InvalidClient
            | C::InvalidRequest
            | C::InvalidScope
            | C::UnauthorizedClient
            | C::UnsupportedGrantType
            | C::InvalidUserCode
            | C::TooManyAttempts
            | C::StateMismatch
            | C::StateExpired => "oauth",
            C::InvalidSession | C::SessionExpired | C::SessionRevoked => "session",
            C::InsufficientScope
            | C::SubscriptionRequired
            | C::GuestReadOnly
            | C::InvalidGuestId
            | C::InvalidServiceToken
            | C::IdentityRequired
            | C::IdentityForbidden
            | C::InvalidIdentity
            | C::Forbidden
            | C::CsrfFailed
            | C::MethodNotAllowed => "access",
            C::InvalidCredentials | C::InvalidUsername | C::InvalidPassword | C::UserExists => "account",
            C::NoProvider
            | C::NotConnected
            | C::ConnectionExpired
            | C::InvalidProvider
            | C::InsecureUrl
            | C::AmbiguousDefault => "broker",
            C::InvalidInput
            | C::InvalidConfig
            | C::InvalidKey
            | C::EntropyUnavailable
            | C::StateCorrupt
            | C::StateVersionUnsupported
            | C::VersionConflict
            | C::InvalidState
            | C::InvalidRequestTarget
            | C::PayloadTooLarge
            | C::Internal => "input",
            C::Cancelled | C::InvalidResponse | C::NetworkError | C::ServerError => "transport",
        }
    }
}

/// Returned when parsing an unknown code string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownErrorCode;

impl fmt::Display for UnknownErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown error code")
    }
}

impl std::error::Error for UnknownErrorCode {}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The wire form of a code: one string from the catalog.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for ErrorCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ErrorCode".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        schemars::json_schema!({ "type": "string", "enum": codes })
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(|_| serde::de::Error::custom("unknown error code"))
    }
}

/// An authcore error: a catalog code, a human detail and optionally the field at fault.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Error {
    detail: String,
    code: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl Error {
    /// An error with the code's default detail.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            detail: code.default_detail().to_owned(),
            code,
            field: None,
        }
    }

    /// An error with a specific detail. The detail must not contain secrets.
    pub fn with_detail(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            code,
            field: None,
        }
    }

    /// An error naming the field (claim, header, input key) that was wrong.
    pub fn field(code: ErrorCode, field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            detail: detail.into(),
            code,
            field: Some(field.into()),
        }
    }

    /// The catalog code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The HTTP status of the code.
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The human-readable detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// The field, claim or header at fault, when known.
    pub fn field_name(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The HTTP body, `{"detail": "...", "code": "..."}`, as a JSON value.
    pub fn to_body(&self) -> serde_json::Value {
        serde_json::json!({ "detail": self.detail, "code": self.code.as_str() })
    }

    /// The HTTP body, `{"detail":"...","code":"..."}`, as compact JSON text.
    pub fn to_json(&self) -> String {
        // Written directly: codes are snake_case ASCII, and a detail needs escaping only when it
        // holds `"`, `\` or a control character (then `serde_json` escapes it). Same bytes as
        // serialising the two fields.
        let (detail, code) = (self.detail.as_str(), self.code.as_str());
        let mut out = String::with_capacity(24 + detail.len() + code.len());
        out.push_str(r#"{"detail":"#);
        if detail.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            // Serialising a string cannot fail; fall back to a fixed text anyway.
            out.push_str(&serde_json::to_string(detail).unwrap_or_else(|_| String::from(r#""Internal error.""#)));
        } else {
            out.push('"');
            out.push_str(detail);
            out.push('"');
        }
        out.push_str(r#","code":""#);
        out.push_str(code);
        out.push_str(r#""}"#);
        out
    }

    /// Prefixes the field path (`prefix.field`) — used when an error comes from a nested document.
    pub(crate) fn in_field(mut self, prefix: &str) -> Self {
        self.field = Some(match self.field.take() {
            Some(f) => format!("{prefix}.{f}"),
            None => prefix.to_owned(),
        });
        self
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.code.as_str())
            .field("status", &self.status())
            .field("detail", &self.detail);
        if let Some(field) = &self.field {
            d.field("field", field);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status(), self.detail)
    }
}

impl std::error::Error for Error {}

/// Shorthand result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// A JSON value that does not fit the type it was decoded into, told without the value:
/// where (`path`, e.g. `tokens.expires_at` or `keys[0].alg`) and what was expected. serde's
/// own messages quote the offending value, which may be a secret; this never does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    pub(crate) path: String,
    pub(crate) detail: String,
    pub(crate) wrong_type: bool,
}

impl ShapeError {
    /// The member at fault (`a.b[0].c`); empty for the whole value.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong, e.g. `expected u64, found a string` or ``missing field `n` ``.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// Whether a member had the wrong JSON type (as opposed to a wrong value).
    pub fn is_wrong_type(&self) -> bool {
        self.wrong_type
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.detail)
        } else {
            write!(f, "{}: {}", self.path, self.detail)
        }
    }
}

impl std::error::Error for ShapeError {}

/// Decodes a JSON value into one of the core's input types (configs, records, requests) for
/// a binding, with a [`ShapeError`] that never quotes the value.
///
/// ```
/// use authcore::error::decode_json;
/// use authcore::tokens::StoredTokens;
///
/// let err = decode_json::<StoredTokens>(serde_json::json!({"version": 1, "generation": "s3cret"})).unwrap_err();
/// assert_eq!(err.to_string(), "generation: expected u64, found a string");
/// assert!(err.is_wrong_type());
/// ```
pub fn decode_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ShapeError> {
    crate::json::decode(value)
}

/// The whole catalog as data: `[{"code", "status", "family", "detail"}]`, for docs and bindings.
pub fn catalog() -> Vec<serde_json::Value> {
    ErrorCode::ALL
        .iter()
        .map(|c| serde_json::json!({"code": c.as_str(), "status": c.status(), "family": c.family(), "detail": c.default_detail()}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_body_is_what_serde_json_writes_for_the_two_fields() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let details = [
            String::new(),
            "Plain text.".to_owned(),
            r#"Quote " and backslash \ inside."#.to_owned(),
            "Line\nbreak and tab\t.".to_owned(),
            controls,
            "Unicode é, 中, \u{2028}, \u{7f}, 😀.".to_owned(),
        ];
        for code in ErrorCode::ALL {
            for detail in &details {
                let err = Error::with_detail(*code, detail.clone());
                let want = serde_json::json!({"detail": detail, "code": code.as_str()});
                let want = format!(
                    r#"{{"detail":{},"code":{}}}"#,
                    serde_json::to_string(&want["detail"]).unwrap(),
                    serde_json::to_string(&want["code"]).unwrap()
                );
                assert_eq!(err.to_json(), want);
                let back: serde_json::Value = serde_json::from_str(&err.to_json()).unwrap();
                assert_eq!(back["detail"], serde_json::Value::from(detail.as_str()));
            }
        }
    }

    #[test]
    fn codes_are_unique_snake_case_and_round_trip() {
        let mut seen = BTreeSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{s}");
            assert_eq!(s.parse::<ErrorCode>(), Ok(*code));
            assert!((400..600).contains(&code.status()));
            assert!(code.default_detail().ends_with('.'));
        }
        assert_eq!("nope".parse::<ErrorCode>(), Err(UnknownErrorCode));
    }

    #[test]
    fn body_has_exactly_detail_and_code() {
        let e = Error::field(ErrorCode::InvalidClaims, "aud", "Token claim `aud` does not match.");
        assert_eq!(
            e.to_json(),
            r#"{"detail":"Token claim `aud` does not match.","code":"invalid_claims"}"#
        );
        assert_eq!(e.to_body()["code"], "invalid_claims");
        assert_eq!(e.field_name(), Some("aud"));
        assert_eq!(e.status(), 401);
    }

    #[test]
    fn nested_field_prefix() {
        let e = Error::field(ErrorCode::InvalidInput, "exp", "bad").in_field("tokens");
        assert_eq!(e.field_name(), Some("tokens.exp"));
        let e = Error::new(ErrorCode::InvalidInput).in_field("tokens");
        assert_eq!(e.field_name(), Some("tokens"));
    }
}
