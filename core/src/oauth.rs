//! OAuth 2.0 helpers: PKCE (RFC 7636) and the authorization-code flow with `state`.
//!
//! * [`Pkce`]: a verifier of 43 to 128 characters from the entropy input and its S256
//!   challenge. `plain` is refused unless explicitly allowed. [`check_pkce`] is the server's
//!   side: it checks a presented verifier against the stored challenge, and refuses a verifier
//!   when no challenge was sent (a PKCE downgrade, RFC 9700 §4.8).
//! * [`AuthCodeClient`]: builds the authorization URL and a [`PendingAuthorization`] (the CSRF `state`,
//!   the verifier, a 10-minute time to live) that the host keeps, then validates the callback
//!   (`state_mismatch`, `state_expired`, the provider's `error` mapped to the catalog, missing
//!   `code` → `invalid_request`), returns the token request to send and the record marked used
//!   (a `state` is single-use), and turns the token response into a [`TokenSet`].
//!
//! ## Callbacks
//!
//! The callback is parsed with the WHATWG URL parser and its parameters are read from the
//! query only: a fragment is never read, so `https://app/cb#?code=x&state=y` and
//! `https://app/cb?x=1#code=x` carry no code. A callback over 64 KiB is `payload_too_large`
//! and one with control characters `invalid_request`, both naming `callback`. The checks run in this order: `state` present and
//! equal (`state_mismatch`); `iss` (RFC 9207, below); `state` not used and not expired
//! (`state_expired`); the provider's `error`; `code`.
//!
//! Mix-up defence (RFC 9207): with [`AuthCodeConfig::issuer`] set, a callback's `iss` must
//! equal it exactly (simple string comparison, RFC 9207 §2.4); with
//! [`AuthCodeConfig::authorization_response_iss_parameter_supported`] also set (copy it from
//! the server's metadata), a callback without `iss` is refused too. Both refusals are
//! `invalid_request` naming `iss`.
//!
//! ## Endpoints
//!
//! `authorization_endpoint`, `token_endpoint` and `issuer` must be `https` URLs (`http` only to
//! a loopback host, unless [`AuthCodeConfig::allow_insecure_http`]), printable ASCII, without
//! user info or fragment (the issuer also without query, RFC 8414 §2). `redirect_uri` has no
//! fragment (RFC 6749 §3.1.2) and is either such an `https`/loopback `http` URL (RFC 8252 §7.3)
//! or a private-use scheme containing a dot, as a reverse domain name (RFC 8252 §7.1, e.g.
//! `com.example.app:/callback`); `javascript:`, `data:`, `file:` and the like are refused.
//!
//! ```
//! use authcore::entropy::OsEntropy;
//! use authcore::oauth::{AuthCodeClient, AuthCodeConfig, Pkce, PkceMethod};
//!
//! // RFC 7636 Appendix B.
//! let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", PkceMethod::S256, false)?;
//! assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
//!
//! let client = AuthCodeClient::new(AuthCodeConfig {
//!     authorization_endpoint: "https://idp.example/authorize".into(),
//!     token_endpoint: "https://idp.example/token".into(),
//!     client_id: "app".into(),
//!     redirect_uri: "https://app.example/callback".into(),
//!     ..Default::default()
//! })?;
//! let start = client.start(1_700_000_000, &mut OsEntropy)?; // redirect to start.url, keep start.record
//! let state = start.record.state.expose();
//! let callback = format!("https://app.example/callback?code=abc&state={state}");
//! let out = client.callback(&start.record, &callback, 1_700_000_030)?;
//! assert_eq!(out.request.url, "https://idp.example/token"); // send it; keep out.record (now used)
//! assert!(client.callback(&out.record, &callback, 1_700_000_031).is_err()); // single use
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{
    check_endpoint, check_url, form_decode, form_encode, non_ascii_detail, query_encode, HttpRequest, HttpResponse,
    MAX_URL_LEN,
};
use crate::json::{parse_object, truncate};
use crate::secret::Secret;
use crate::tokens::TokenSet;
use crate::util::b64url;

/// How a PKCE challenge is derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum PkceMethod {
    /// `BASE64URL(SHA256(verifier))` (default).
    #[default]
    S256,
    /// The verifier itself (only when explicitly allowed).
    #[serde(rename = "plain")]
    Plain,
}

impl PkceMethod {
    /// The method a binding's `method=` argument names (`None`: the default, S256): `"S256"` or `"plain"` (exactly, as on
    /// the wire); anything else is `invalid_input` naming `method`.
    pub fn from_name<'a>(name: impl Into<Option<&'a str>>) -> Result<Self> {
        let Some(name) = name.into() else {
            return Ok(Self::default());
        };
        match name {
            "S256" => Ok(Self::S256),
            "plain" => Ok(Self::Plain),
            other => Err(Error::field(
                ErrorCode::InvalidInput,
                "method",
                format!(
                    "Unknown PKCE method \"{}\"; expected \"S256\" or \"plain\".",
                    crate::util::quote_input(other)
                ),
            )),
        }
    }

    /// `"S256"` or `"plain"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }
}

/// Random bytes in a generated PKCE verifier when none is given (32 bytes: 43 characters).
pub const DEFAULT_VERIFIER_BYTES: usize = 32;

/// A PKCE verifier and its challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Pkce {
    /// The secret verifier (sent with the token request).
    pub verifier: Secret,
    /// The challenge (sent with the authorization request).
    pub challenge: String,
    /// The method.
    pub method: PkceMethod,
}

fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge of a verifier.
pub fn s256_challenge(verifier: &str) -> String {
    b64url(&Sha256::digest(verifier.as_bytes()))
}

impl Pkce {
    /// The one entry point bindings call: with a `verifier`, [`Pkce::from_verifier`] with
    /// `method` and `allow_plain`; without, a fresh S256 pair from `bytes` random bytes
    /// ([`Pkce::generate`]; `method` and `allow_plain` do not apply, a generated pair is
    /// always S256). `method` defaults to S256, `bytes` to [`DEFAULT_VERIFIER_BYTES`].
    ///
    /// ```
    /// use authcore::entropy::OsEntropy;
    /// use authcore::oauth::{Pkce, PkceMethod};
    ///
    /// let fresh = Pkce::create(None, None, false, None, &mut OsEntropy)?;
    /// assert_eq!(fresh.verifier.expose().len(), 43);
    /// let given = Pkce::create(Some(fresh.verifier.expose()), PkceMethod::S256, false, 32, &mut OsEntropy)?;
    /// assert_eq!(given.challenge, fresh.challenge);
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn create(
        verifier: Option<&str>,
        method: impl Into<Option<PkceMethod>>,
        allow_plain: bool,
        bytes: impl Into<Option<usize>>,
        entropy: &mut dyn Entropy,
    ) -> Result<Self> {
        match verifier {
            Some(v) => Self::from_verifier(v, method.into().unwrap_or_default(), allow_plain),
            None => Self::generate(bytes.into().unwrap_or(DEFAULT_VERIFIER_BYTES), entropy),
        }
    }

    /// A new S256 pair from `bytes` random bytes (32 to 96, giving 43 to 128 characters).
    pub fn generate(bytes: usize, entropy: &mut dyn Entropy) -> Result<Self> {
        if !(32..=96).contains(&bytes) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "verifier_bytes",
                "A PKCE verifier needs 32 to 96 random bytes.",
            ));
        }
        Self::from_verifier(&b64url(&random_bytes(entropy, bytes)?), PkceMethod::S256, false)
    }

    /// A pair for a given verifier. `plain` is refused unless `allow_plain`.
    pub fn from_verifier(verifier: &str, method: PkceMethod, allow_plain: bool) -> Result<Self> {
        if !valid_verifier(verifier) {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "code_verifier",
                "A code verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~.",
            ));
        }
        let challenge = match method {
            PkceMethod::S256 => s256_challenge(verifier),
            PkceMethod::Plain if allow_plain => verifier.to_owned(),
            PkceMethod::Plain => return Err(plain_refused()),
        };
        Ok(Self {
            verifier: Secret::new(verifier),
            challenge,
            method,
        })
    }
}

fn plain_refused() -> Error {
    Error::field(
        ErrorCode::InvalidRequest,
        "code_challenge_method",
        "The plain PKCE method is not allowed; use S256.",
    )
}

/// A challenge stored by an authorization server with its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StoredChallenge {
    /// The `code_challenge` the client sent.
    pub challenge: String,
    /// The `code_challenge_method` (default S256).
    #[serde(default)]
    pub method: PkceMethod,
}

/// The server's check at the token endpoint. `challenge` is what was stored with the code
/// (`None` when the authorization request had none); `verifier` is the presented
/// `code_verifier`. Mismatches, a missing verifier, and a verifier without a challenge (a
/// downgrade) are `invalid_grant`; `plain` is refused unless `allow_plain`.
pub fn check_pkce(challenge: Option<&StoredChallenge>, verifier: Option<&str>, allow_plain: bool) -> Result<()> {
    let grant = |d: &str| Err(Error::field(ErrorCode::InvalidGrant, "code_verifier", d));
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => grant("A code_verifier was sent but the authorization request had no code_challenge."),
        (Some(_), None) => grant("The code_verifier is missing."),
        (Some(c), Some(v)) => {
            if c.method == PkceMethod::Plain && !allow_plain {
                return Err(plain_refused());
            }
            if !valid_verifier(v) {
                return grant("The code_verifier is malformed.");
            }
            let computed = match c.method {
                PkceMethod::S256 => s256_challenge(v),
                PkceMethod::Plain => v.to_owned(),
            };
            if bool::from(computed.as_bytes().ct_eq(c.challenge.as_bytes())) {
                Ok(())
            } else {
                grant("The code_verifier does not match the code_challenge.")
            }
        }
    }
}

/// Authorization-code client settings.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::require_auth_code_config))]
pub struct AuthCodeConfig {
    /// The provider's authorization endpoint.
    pub authorization_endpoint: String,
    /// The provider's token endpoint.
    pub token_endpoint: String,
    /// The client id.
    pub client_id: String,
    /// The client secret for confidential clients (sent in the body).
    pub client_secret: Option<Secret>,
    /// Where the provider redirects back.
    pub redirect_uri: String,
    /// Scopes to request.
    pub scopes: Vec<String>,
    /// `state` lifetime in seconds (default 600).
    pub state_ttl: i64,
    /// Extra authorization parameters (e.g. `access_type=offline`), in order.
    pub extra_params: Vec<(String, String)>,
    /// Lifetime assumed when the token response has no `expires_in` (default 3600).
    pub default_expires_in: i64,
    /// Longest access token accepted, in bytes (default 16384, at most 65536).
    pub max_access_token_bytes: usize,
    /// The authorization server's issuer identifier (RFC 8414 `issuer`). When set, a
    /// callback's `iss` must equal it (RFC 9207).
    pub issuer: Option<String>,
    /// The server's `authorization_response_iss_parameter_supported` metadata: when true,
    /// every callback must carry `iss` (RFC 9207 §2.4). Needs `issuer`.
    pub authorization_response_iss_parameter_supported: bool,
    /// Allow plain `http` to hosts other than loopback for the endpoints, the issuer and the
    /// redirect URI (default false; for development only).
    pub allow_insecure_http: bool,
}

impl core::fmt::Debug for AuthCodeConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthCodeConfig")
            .field("authorization_endpoint", &self.authorization_endpoint)
            .field("token_endpoint", &self.token_endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Default for AuthCodeConfig {
    fn default() -> Self {
        Self {
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            client_id: String::new(),
            client_secret: None,
            redirect_uri: String::new(),
            scopes: Vec::new(),
            state_ttl: 600,
            extra_params: Vec::new(),
            default_expires_in: crate::tokens::DEFAULT_EXPIRES_IN,
            max_access_token_bytes: crate::tokens::DEFAULT_MAX_ACCESS_TOKEN_BYTES,
            issuer: None,
            authorization_response_iss_parameter_supported: false,
            allow_insecure_http: false,
        }
    }
}

/// Parameters the client sets itself, which `extra_params` may not repeat.
const RESERVED_PARAMS: [&str; 8] = [
    "response_type",
    "nonce",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

impl AuthCodeConfig {
    /// Checks the settings (see the module docs); errors are `invalid_config` naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        let insecure = self.allow_insecure_http;
        check_endpoint("authorization_endpoint", &self.authorization_endpoint, insecure)?;
        check_endpoint("token_endpoint", &self.token_endpoint, insecure)?;
        if self.client_id.is_empty() {
            return bad("client_id", "The client id must not be empty.");
        }
        check_redirect_uri(&self.redirect_uri, insecure)?;
        if !(30..=86_400).contains(&self.state_ttl) {
            return bad("state_ttl", "The state lifetime must be 30 to 86400 seconds.");
        }
        crate::tokens::check_max_access_token_bytes(self.max_access_token_bytes)?;
        match &self.issuer {
            Some(issuer) => {
                let url = check_endpoint("issuer", issuer, insecure)?;
                if url.query().is_some() {
                    return bad("issuer", "`issuer` must not contain a query.");
                }
            }
            None if self.authorization_response_iss_parameter_supported => {
                return bad("issuer", "`iss` can only be required with a configured `issuer`.");
            }
            None => {}
        }
        if self
            .extra_params
            .iter()
            .any(|(k, _)| RESERVED_PARAMS.contains(&k.as_str()))
        {
            return bad(
                "extra_params",
                "`extra_params` must not repeat a parameter the client sets.",
            );
        }
        Ok(())
    }
}

/// The `redirect_uri` rule of the module docs.
fn check_redirect_uri(s: &str, allow_insecure: bool) -> Result<()> {
    let bad = |d: &str| Err(Error::field(ErrorCode::InvalidConfig, "redirect_uri", d));
    if !s.is_ascii() {
        return bad(&non_ascii_detail("redirect_uri"));
    }
    if s.len() > MAX_URL_LEN || !s.bytes().all(|b| (b'!'..=b'~').contains(&b)) || s.contains('\\') {
        return bad("`redirect_uri` must be at most 2048 bytes of printable ASCII without spaces or backslashes.");
    }
    let Ok(url) = crate::http::parse_url(s) else {
        return bad("The redirect URI must be an absolute URI without a fragment.");
    };
    if url.fragment().is_some() {
        return bad("The redirect URI must be an absolute URI without a fragment.");
    }
    match url.scheme() {
        "https" | "http" => check_url(ErrorCode::InvalidConfig, "redirect_uri", s, allow_insecure).map(|_| ()),
        scheme if scheme.contains('.') => Ok(()),
        _ => bad("`redirect_uri` must be https, http to a loopback host, or a private-use scheme such as com.example.app:/callback."),
    }
}

/// The longest callback accepted, in bytes.
/// The longest callback read: the form-data cap, so a callback is refused the same way as any
/// other oversized form (`payload_too_large`) before anything in it is parsed.
const MAX_CALLBACK_LEN: usize = crate::http::MAX_FORM_BYTES;

/// The raw query of a callback (a full redirect URL, a path with a query, or a bare query
/// string), found by the WHATWG URL parser: a fragment is never part of it.
pub(crate) fn callback_query(callback: &str) -> Result<String> {
    let bad = |d: &str| Err(Error::field(ErrorCode::InvalidRequest, "callback", d));
    if callback.len() > MAX_CALLBACK_LEN {
        return Err(Error::field(
            ErrorCode::PayloadTooLarge,
            "callback",
            format!("The form data is larger than {MAX_CALLBACK_LEN} bytes."),
        ));
    }
    if callback.bytes().any(|b| b < b' ' || b == 0x7f) {
        return bad("The callback contains control characters.");
    }
    let url = match crate::http::parse_url(callback) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let relative = if callback.starts_with('/') || callback.starts_with('?') {
                callback.to_owned()
            } else {
                format!("?{callback}")
            };
            let Ok(base) = url::Url::parse("https://callback.invalid/") else {
                return bad("The callback is not a URL or a query string.");
            };
            match base.join(&relative) {
                Ok(url) => url,
                Err(_) => return bad("The callback is not a URL or a query string."),
            }
        }
        Err(_) => return bad("The callback is not a URL or a query string."),
    };
    Ok(url.query().unwrap_or("").to_owned())
}

/// What the host keeps between redirect and callback (e.g. in a signed cookie or memory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PendingAuthorization {
    /// The `state` value sent.
    pub state: Secret,
    /// The PKCE verifier.
    pub code_verifier: Secret,
    /// The redirect URI used.
    pub redirect_uri: String,
    /// Creation time.
    pub created_at: i64,
    /// Expiry time.
    pub expires_at: i64,
    /// Whether a callback already consumed it.
    #[serde(default)]
    pub used: bool,
    /// The OpenID Connect `nonce` sent (when the scopes include `openid`), which the ID
    /// token must carry ([`AuthCodeClient::check_id_token`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Secret>,
}

/// The start of a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuthorizationStart {
    /// Send the browser here.
    pub url: String,
    /// Keep this until the callback.
    pub record: PendingAuthorization,
}

/// A validated callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CallbackOutcome {
    /// The token request to send.
    pub request: HttpRequest,
    /// The state record, now used: store it so a replayed callback fails.
    pub record: PendingAuthorization,
}

/// The client side of the authorization-code flow with PKCE.
#[derive(Debug, Clone)]
pub struct AuthCodeClient {
    config: AuthCodeConfig,
}

impl AuthCodeClient {
    /// A client with validated settings ([`AuthCodeConfig::validate`], `invalid_config`).
    pub fn new(config: AuthCodeConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self { config })
    }

    /// The settings.
    pub fn config(&self) -> &AuthCodeConfig {
        &self.config
    }

    /// Starts a sign-in: 32 random bytes of `state`, then 32 for the PKCE verifier, then,
    /// when the scopes include `openid`, 32 for the `nonce` (OpenID Connect Core §3.1.2.1),
    /// sent after `state` and kept in the record.
    pub fn start(&self, now: i64, entropy: &mut dyn Entropy) -> Result<AuthorizationStart> {
        let state = b64url(&random_bytes(entropy, 32)?);
        let pkce = Pkce::generate(32, entropy)?;
        let nonce = if self.config.scopes.iter().any(|s| s == "openid") {
            Some(b64url(&random_bytes(entropy, 32)?))
        } else {
            None
        };
        let scope = self.config.scopes.join(" ");
        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", "code"),
            ("client_id", &self.config.client_id),
            ("redirect_uri", &self.config.redirect_uri),
        ];
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        params.push(("state", &state));
        if let Some(nonce) = &nonce {
            params.push(("nonce", nonce));
        }
        params.push(("code_challenge", &pkce.challenge));
        params.push(("code_challenge_method", "S256"));
        for (k, v) in &self.config.extra_params {
            params.push((k, v));
        }
        let query = params
            .iter()
            .map(|(k, v)| format!("{}={}", query_encode(k), query_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let sep = if self.config.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(AuthorizationStart {
            url: format!("{}{sep}{query}", self.config.authorization_endpoint),
            record: PendingAuthorization {
                state: Secret::new(state),
                code_verifier: pkce.verifier,
                redirect_uri: self.config.redirect_uri.clone(),
                created_at: now,
                expires_at: now.saturating_add(self.config.state_ttl),
                used: false,
                nonce: nonce.map(Secret::new),
            },
        })
    }

    /// Validates the callback (the full redirect URL or just its query string) against the
    /// kept record, and returns the token request to send. See the module docs for what is
    /// read and in which order it is checked. The query holds at most
    /// [`MAX_FORM_BYTES`](crate::http::MAX_FORM_BYTES) bytes and
    /// [`MAX_FORM_PARAMS`](crate::http::MAX_FORM_PARAMS) parameters (`payload_too_large`, field
    /// `callback`), refused before anything in it is read.
    pub fn callback(&self, record: &PendingAuthorization, callback: &str, now: i64) -> Result<CallbackOutcome> {
        let query = callback_query(callback)?;
        // At most MAX_FORM_BYTES and MAX_FORM_PARAMS (`payload_too_large`), in linear time.
        let params = form_decode(&query).map_err(|e| match e.code() {
            ErrorCode::PayloadTooLarge => e.in_field("callback"),
            _ => Error::field(
                ErrorCode::InvalidRequest,
                "callback",
                "The callback query is malformed.",
            ),
        })?;
        let get = |name: &str| -> Result<Option<&str>> {
            let mut it = params.iter().filter(|(k, _)| k == name);
            let first = it.next().map(|(_, v)| v.as_str());
            if it.next().is_some() {
                return Err(Error::field(
                    ErrorCode::InvalidRequest,
                    name,
                    format!("`{name}` appears more than once."),
                ));
            }
            Ok(first)
        };
        // CSRF first: nothing in an unsolicited callback is trusted, not even its `error`.
        let state = get("state")?
            .ok_or_else(|| Error::field(ErrorCode::StateMismatch, "state", "The callback has no state."))?;
        if !bool::from(state.as_bytes().ct_eq(record.state.expose().as_bytes())) {
            return Err(Error::field(
                ErrorCode::StateMismatch,
                "state",
                "The callback's state does not match.",
            ));
        }
        // RFC 9207 §2.4: right after `state`, before anything else in the response is used.
        match (&self.config.issuer, get("iss")?) {
            (Some(issuer), Some(iss)) if iss != issuer => {
                return Err(Error::field(
                    ErrorCode::InvalidRequest,
                    "iss",
                    "The callback's `iss` is not the configured issuer.",
                ));
            }
            (Some(_), None) if self.config.authorization_response_iss_parameter_supported => {
                return Err(Error::field(
                    ErrorCode::InvalidRequest,
                    "iss",
                    "The callback has no `iss`, but the authorization server always sends one.",
                ));
            }
            _ => {}
        }
        if record.used {
            return Err(Error::field(
                ErrorCode::StateExpired,
                "state",
                "This sign-in was already completed.",
            ));
        }
        if now >= record.expires_at {
            return Err(Error::field(
                ErrorCode::StateExpired,
                "state",
                "The sign-in took too long; start again.",
            ));
        }
        if let Some(error) = get("error")? {
            let code = error_from_str(error).unwrap_or(ErrorCode::AccessDenied);
            let detail = get("error_description")?
                .filter(|d| !d.is_empty())
                .map(truncate)
                .unwrap_or_else(|| format!("The provider returned `{}`.", truncate(error)));
            return Err(Error::field(code, "error", detail));
        }
        let code = get("code")?
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Error::field(ErrorCode::InvalidRequest, "code", "The callback has no code."))?;
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", record.redirect_uri.as_str()),
            ("client_id", self.config.client_id.as_str()),
            ("code_verifier", record.code_verifier.expose()),
        ];
        if let Some(secret) = &self.config.client_secret {
            pairs.push(("client_secret", secret.expose()));
        }
        let mut request = HttpRequest::new("POST", self.config.token_endpoint.clone());
        request.set_header("Accept", "application/json");
        request.set_header("Content-Type", "application/x-www-form-urlencoded");
        request.body = Some(form_encode(&pairs));
        let mut used = record.clone();
        used.used = true;
        Ok(CallbackOutcome { request, record: used })
    }

    /// Turns the token endpoint's response into tokens (RFC 6749 §5.1/§5.2).
    pub fn token_response(&self, response: &HttpResponse, now: i64) -> Result<TokenSet> {
        let rules = crate::tokens::ResponseRules {
            default_expires_in: self.config.default_expires_in,
            max_access_token_bytes: self.config.max_access_token_bytes,
        };
        token_response_with(response, now, rules)
    }

    /// The ID-token checks of OpenID Connect Core §3.1.3.7 that depend on this client and this
    /// sign-in, on a token whose signature, `exp`, `iat` and `nbf` a verifier has already
    /// checked ([`crate::jwt::Verifier::verify`] or [`crate::jwt::JwksCache::verify`], with
    /// the provider's keys). In order, each failure `invalid_claims` naming the claim:
    ///
    /// 1. `iss` equals [`AuthCodeConfig::issuer`] when that is set;
    /// 2. `aud` (a string or a list) contains the client id;
    /// 3. `azp`: required when `aud` holds more than one audience, and when present it must
    ///    equal the client id;
    /// 4. `nonce` equals the one in `record` when one was sent (compared in constant time);
    /// 5. `at_hash`, when the token carries it and `access_token` is given: the base64url of the
    ///    left half of the access token's hash, with the hash of the token's algorithm
    ///    (SHA-256 for `HS256`, `RS256`, `PS256`, `ES256`; SHA-384 for `HS384`; SHA-512 for
    ///    `HS512` and for `EdDSA` with Ed25519).
    pub fn check_id_token(
        &self,
        verified: &crate::jwt::VerifiedToken,
        record: &PendingAuthorization,
        access_token: Option<&str>,
    ) -> Result<()> {
        let claims = verified.claims();
        let bad = |claim: &str, detail: &str| Err(Error::field(ErrorCode::InvalidClaims, claim, detail));
        if let Some(issuer) = &self.config.issuer {
            if claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str()) {
                return bad("iss", "The ID token's `iss` is not the configured issuer.");
            }
        }
        let client_id = self.config.client_id.as_str();
        let aud: Vec<&str> = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !aud.contains(&client_id) {
            return bad("aud", "The ID token's `aud` does not contain the client id.");
        }
        match claims.get("azp") {
            None if aud.len() > 1 => {
                return bad(
                    "azp",
                    "An ID token with several audiences must name the client in `azp`.",
                );
            }
            Some(azp) if azp.as_str() != Some(client_id) => {
                return bad("azp", "The ID token's `azp` is not the client id.");
            }
            _ => {}
        }
        if let Some(sent) = &record.nonce {
            let got = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
            if !bool::from(got.as_bytes().ct_eq(sent.expose().as_bytes())) || got.is_empty() {
                return bad("nonce", "The ID token's `nonce` is not the one sent.");
            }
        }
        if let (Some(at_hash), Some(token)) = (claims.get("at_hash"), access_token) {
            let want = left_half_hash(verified.alg, token.as_bytes());
            if at_hash.as_str().map(str::as_bytes) != Some(want.as_bytes()) {
                return bad("at_hash", "The ID token's `at_hash` does not match the access token.");
            }
        }
        Ok(())
    }
}

/// The base64url of the left half of `data`'s hash with the hash of `alg` (OpenID Connect
/// Core §3.1.3.6 `at_hash`; SHA-512 for Ed25519 per the EdDSA errata).
fn left_half_hash(alg: crate::jwt::Algorithm, data: &[u8]) -> String {
    use crate::jwt::Algorithm as A;
    let digest: Vec<u8> = match alg {
        A::Hs384 => sha2::Sha384::digest(data).to_vec(),
        A::Hs512 | A::EdDsa => sha2::Sha512::digest(data).to_vec(),
        _ => Sha256::digest(data).to_vec(),
    };
    b64url(digest.get(..digest.len() / 2).unwrap_or_default())
}

/// Parses a token endpoint response: 2xx → [`TokenSet`]; an RFC 6749 §5.2 error body → its
/// catalog code (an `error` member makes an error response whatever the status: some servers
/// answer 200 with one); anything else → `invalid_response` or `server_error`.
pub fn token_response(response: &HttpResponse, now: i64, default_expires_in: i64) -> Result<TokenSet> {
    token_response_with(
        response,
        now,
        crate::tokens::ResponseRules::with_default_expires_in(default_expires_in),
    )
}

fn token_response_with(response: &HttpResponse, now: i64, rules: crate::tokens::ResponseRules) -> Result<TokenSet> {
    if response.is_success() && !crate::tokens::is_error_body(&response.body) {
        return TokenSet::from_body(&response.body, now, rules);
    }
    if response.status >= 500 {
        return Err(Error::with_detail(
            ErrorCode::ServerError,
            format!("The token endpoint answered {}.", response.status),
        ));
    }
    let obj = parse_object(response.body.as_bytes()).ok();
    let error = obj.as_ref().and_then(|o| o.get("error")).and_then(|e| e.as_str());
    match error.and_then(error_from_str) {
        Some(code) => {
            let detail = obj
                .as_ref()
                .and_then(|o| o.get("error_description"))
                .and_then(|d| d.as_str())
                .filter(|d| !d.is_empty())
                .map(truncate);
            Err(match detail {
                Some(d) => Error::with_detail(code, d),
                None => Error::new(code),
            })
        }
        None => Err(Error::field(
            ErrorCode::InvalidResponse,
            "error",
            format!(
                "The token endpoint answered {} without a known OAuth error.",
                response.status
            ),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// OAuth errors: catalog code <-> RFC 6749 §5.2 wire form
// ---------------------------------------------------------------------------------------------

/// The registered OAuth 2.0 error codes (RFC 6749 §5.2, RFC 8628 §3.5) that are also catalog
/// codes, with the same spelling.
const OAUTH_CODES: [ErrorCode; 10] = [
    ErrorCode::AuthorizationPending,
    ErrorCode::SlowDown,
    ErrorCode::ExpiredToken,
    ErrorCode::AccessDenied,
    ErrorCode::InvalidGrant,
    ErrorCode::InvalidClient,
    ErrorCode::InvalidRequest,
    ErrorCode::InvalidScope,
    ErrorCode::UnauthorizedClient,
    ErrorCode::UnsupportedGrantType,
];

/// The OAuth `error` value a catalog code is sent as: OAuth codes (`authorization_pending`,
/// `invalid_grant`, …) pass through unchanged; any other code is `server_error` when its
/// status is 5xx, else `invalid_request`, so that clients only ever see registered codes.
pub fn error_code(code: ErrorCode) -> &'static str {
    if OAUTH_CODES.contains(&code) {
        code.as_str()
    } else if code.status() >= 500 {
        "server_error"
    } else {
        "invalid_request"
    }
}

/// The catalog code for an OAuth `error` value received from a server; `None` when it is not
/// a registered code (`server_error` and `temporarily_unavailable` are `server_error`).
pub fn error_from_str(s: &str) -> Option<ErrorCode> {
    match s {
        "server_error" | "temporarily_unavailable" => Some(ErrorCode::ServerError),
        _ => OAUTH_CODES.iter().copied().find(|c| c.as_str() == s),
    }
}

/// Renders `err` as an RFC 6749 §5.2 error body: `{"error": code, "error_description": detail}`,
/// with `error` from [`error_code`] and the detail reduced to [`error_description`]'s
/// characters.
pub fn error_body(err: &Error) -> Value {
    json!({ "error": error_code(err.code()), "error_description": error_description(err.detail()) })
}

/// `text` as an RFC 6749 §5.2 `error_description`: only `%x20-21 / %x23-5B / %x5D-7E`
/// (printable ASCII without `"` and `\`); any other character becomes `?`. Every
/// description the core writes goes through this.
///
/// ```
/// assert_eq!(authcore::oauth::error_description("Bad \"code\" § 3"), "Bad ?code? ? 3");
/// ```
pub fn error_description(text: &str) -> String {
    let allowed = |b: u8| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e);
    if text.bytes().all(allowed) {
        // The usual case (the catalog's own texts): copied as it is.
        return text.to_owned();
    }
    text.chars()
        .map(|c| match c {
            '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e' => c,
            _ => '?',
        })
        .collect()
}

/// The `WWW-Authenticate` challenge sent with an `invalid_client` 401 (RFC 6749 §5.2,
/// RFC 7235 §3.1: a 401 carries one): HTTP Basic (RFC 7617), the scheme of
/// `client_secret_basic` (RFC 6749 §2.3.1). A host that authenticates clients otherwise
/// replaces the header.
pub const CLIENT_CHALLENGE: &str = "Basic realm=\"token\", charset=\"UTF-8\"";

/// The HTTP status for an OAuth error: 401 for `invalid_client`, 500 for `server_error`, 400
/// for the other codes (RFC 6749 §5.2).
pub fn error_status(err: &Error) -> u16 {
    match error_code(err.code()) {
        "invalid_client" => 401,
        "server_error" => 500,
        _ => 400,
    }
}

/// The whole token-endpoint error response: [`error_status`], `Cache-Control: no-store`
/// (RFC 6749 §5.1), `Content-Type: application/json`, for `invalid_client` (401) a
/// `WWW-Authenticate: Basic` challenge ([`CLIENT_CHALLENGE`]), and [`error_body`] as the body.
/// A host forwarding an OAuth error sends this response as it is.
///
/// ```
/// use authcore::{oauth, Error, ErrorCode};
///
/// let r = oauth::error_response(&Error::with_detail(ErrorCode::InvalidGrant, "Unknown code."));
/// assert_eq!(r.status, 400);
/// assert_eq!(r.header("Cache-Control"), Some("no-store"));
/// assert_eq!(r.body, r#"{"error":"invalid_grant","error_description":"Unknown code."}"#);
/// ```
pub fn error_response(err: &Error) -> HttpResponse {
    let status = error_status(err);
    let mut response = HttpResponse::new(status)
        .with_header("Cache-Control", "no-store")
        .with_header("Content-Type", "application/json");
    if status == 401 {
        response = response.with_header("WWW-Authenticate", CLIENT_CHALLENGE);
    }
    response.with_body(error_body(err).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_descriptions_keep_exactly_the_allowed_characters() {
        for b in 0u8..=0x7f {
            let c = char::from(b);
            let want = if matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e) {
                c
            } else {
                '?'
            };
            assert_eq!(error_description(&format!("a{c}b")), format!("a{want}b"), "byte {b:#x}");
        }
        assert_eq!(error_description("é中😀"), "???");
        assert_eq!(error_description(""), "");
    }

    fn is_description(s: &str) -> bool {
        s.bytes().all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5b | 0x5d..=0x7e))
    }

    /// Every detail the catalog defines is a valid `error_description` as it stands, and
    /// `error_body` keeps any text to RFC 6749 §5.2's characters.
    #[test]
    fn every_description_is_in_the_rfc6749_character_set() {
        for row in crate::error::catalog() {
            let code: ErrorCode = row["code"].as_str().unwrap().parse().unwrap();
            let body = error_body(&Error::new(code));
            let description = body["error_description"].as_str().unwrap();
            assert!(is_description(description), "{description}");
            assert_eq!(description, code.default_detail(), "{}", code.as_str());
        }
        for text in [
            "§ 3.2",
            "\"quoted\"",
            "back\\slash",
            "tab\there",
            "é",
            "\u{0}",
            "line\nbreak",
        ] {
            let body = error_body(&Error::with_detail(ErrorCode::InvalidGrant, text));
            assert!(is_description(body["error_description"].as_str().unwrap()), "{text}");
        }
    }

    #[test]
    fn rfc7636_appendix_b() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", PkceMethod::S256, false).unwrap();
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let stored = StoredChallenge {
            challenge: p.challenge.clone(),
            method: PkceMethod::S256,
        };
        assert!(check_pkce(
            Some(&stored),
            Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            false
        )
        .is_ok());
        assert_eq!(
            check_pkce(None, Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), false)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidGrant
        );
    }
}
