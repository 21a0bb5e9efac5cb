//! Desktop sign-in, server side: one-time codes bound to a PKCE challenge and a redirect URI.
//!
//! The flow (the desktop app's side is [`super::DesktopClient`]):
//!
//! 1. The app opens the browser on the web app's sign-in page with `redirect_uri`, `state`,
//!    `code_challenge` and `code_challenge_method=S256`.
//! 2. Once the person is signed in there, the web app calls [`DesktopSignIn::issue`] and
//!    redirects the browser to [`IssuedDesktopCode::redirect_url`]
//!    (`<redirect_uri>?code=…&state=…`); it stores [`IssuedDesktopCode::record`] keyed by its
//!    `code_hash`.
//! 3. The app posts `{code, code_verifier, redirect_uri}` to the exchange endpoint. The host
//!    parses it ([`DesktopExchangeRequest::from_request`]), looks the record up by
//!    [`DesktopExchangeRequest::code_hash`], and calls [`DesktopSignIn::exchange`]: it stores
//!    the returned record with compare-and-swap *first*, then inserts the new session and
//!    sends the response (`{session_token, user_id, email}`).
//!
//! ## Rules
//!
//! * **Redirect URIs** are configured ([`DesktopSignInConfig::redirect_uris`]): a private-use
//!   scheme URI such as `reeve://callback` is matched exactly; a loopback entry
//!   `http://127.0.0.1/callback` or `http://[::1]/callback`, written without a port, matches
//!   that host and path on **any** port (RFC 8252 §7.3), written canonically (no user info,
//!   query, fragment, dot-segments or default port `:80`). `localhost` is refused (RFC 8252
//!   §8.3: it may resolve elsewhere), as are `http` to other hosts, `https` and the schemes a
//!   browser runs (`javascript:`, `data:`, `file:` …). An unlisted redirect URI at issue time
//!   is `invalid_request` naming `redirect_uri`.
//! * **PKCE** is S256 only: `code_challenge` is exactly 43 base64url characters.
//! * **Codes** are [`DesktopSignInConfig::code_bytes`] random bytes (default 32: 256 bits),
//!   base64url; only the SHA-256 digest ([`desktop_code_hash`]) is stored. A code lives
//!   [`DesktopSignInConfig::code_ttl`] seconds (default 120, 30 to 600): expired when
//!   `now >= expires_at`.
//! * **Redeeming** checks, in order: the record exists and its hash equals the presented
//!   code's (constant time); not used; not expired; the presented `redirect_uri` equals the
//!   stored one exactly (RFC 6749 §4.1.3); the verifier matches the challenge (RFC 7636 §4.6).
//!   Every refusal is `invalid_grant` naming `code`, `redirect_uri` or `code_verifier`.
//! * **A wrong verifier or redirect URI burns the code** ([`DesktopRedeem::Burned`]: store
//!   the record, now used). Only the holder of the code can get that far, and a legitimate app
//!   never sends a wrong verifier, so the code was intercepted: it must not stay usable for a
//!   second guess. An unknown, used or expired code changes nothing stored. Reusing a code
//!   that already produced a session is refused; RFC 6749 §4.1.2 suggests revoking that
//!   session too, which the host can do from the record's `user_id` if it records the link.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{
    form_decode, is_loopback, parse_url, plain_authority, query_encode, HttpRequest, HttpResponse, MAX_URL_LEN,
};
use crate::json::{parse_object, versioned};
use crate::oauth::{check_pkce, PkceMethod, StoredChallenge};
use crate::secret::Secret;
use crate::session::{NewSession, SessionManager};
use crate::util::{b64url, check_user_id, sha256_hex};

/// Current format version of [`DesktopCode`] records.
pub const DESKTOP_CODE_VERSION: u32 = 1;

/// Schemes a browser runs or reads itself: never a desktop redirect.
const FORBIDDEN_SCHEMES: &[&str] = &[
    "https",
    "http",
    "javascript",
    "data",
    "file",
    "blob",
    "about",
    "filesystem",
    "vbscript",
    "ftp",
    "ws",
    "wss",
    "mailto",
    "chrome",
    "view-source",
];

/// Desktop sign-in rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct DesktopSignInConfig {
    /// The redirect URIs the app may use (at least one): private-use scheme URIs such as
    /// `reeve://callback` (matched exactly), and loopback entries `http://127.0.0.1/path` or
    /// `http://[::1]/path` without a port (matching any port).
    pub redirect_uris: Vec<String>,
    /// Seconds a code lives (default 120; 30 to 600).
    pub code_ttl: i64,
    /// Random bytes per code (default 32; 32 to 64).
    pub code_bytes: usize,
}

impl Default for DesktopSignInConfig {
    fn default() -> Self {
        Self {
            redirect_uris: Vec::new(),
            code_ttl: 120,
            code_bytes: 32,
        }
    }
}

/// The stored record of one desktop sign-in code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DesktopCode {
    /// Format version ([`DESKTOP_CODE_VERSION`]).
    pub version: u32,
    /// Grows by one on every change.
    pub revision: u64,
    /// Hex SHA-256 of the code: the lookup key.
    pub code_hash: String,
    /// The signed-in user.
    pub user_id: String,
    /// The user's e-mail, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The app's S256 PKCE challenge.
    pub code_challenge: String,
    /// The redirect URI the code was sent to.
    pub redirect_uri: String,
    /// Issue time.
    pub issued_at: i64,
    /// Expiry time.
    pub expires_at: i64,
    /// Whether the code was redeemed (or burned).
    #[serde(default)]
    pub used: bool,
}

impl DesktopCode {
    /// Serialises the record to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a stored record (`state_corrupt`, `state_version_unsupported`).
    pub fn from_json(text: &str) -> Result<Self> {
        versioned(text, DESKTOP_CODE_VERSION, "desktop sign-in code")
    }

    fn spent(&self) -> Self {
        let mut r = self.clone();
        r.used = true;
        r.revision = r.revision.saturating_add(1);
        r
    }
}

/// A new code: the redirect to send the browser to (it carries the code) and the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedDesktopCode {
    /// The code (base64url), for hosts that build the redirect themselves.
    pub code: Secret,
    /// `<redirect_uri>?code=…[&state=…]`: redirect the browser here.
    pub redirect_url: Secret,
    /// The record to insert, keyed by its `code_hash`.
    pub record: DesktopCode,
}

/// What a redeem decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DesktopRedeem {
    /// Store `record` (now used) with compare-and-swap, then create a session for the user.
    Redeemed {
        /// The user to sign in.
        user_id: String,
        /// Their e-mail, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        /// The record, used.
        record: DesktopCode,
    },
    /// A wrong verifier or redirect URI: store `record` (now used), answer `error`.
    Burned {
        /// The record, used.
        record: DesktopCode,
        /// `invalid_grant`.
        error: Error,
    },
}

/// The exchange request `{code, code_verifier, redirect_uri}` (JSON or form body).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DesktopExchangeRequest {
    /// The code from the redirect.
    pub code: Secret,
    /// The PKCE verifier.
    pub code_verifier: Secret,
    /// The redirect URI the code was sent to.
    pub redirect_uri: String,
    /// [`desktop_code_hash`] of `code`: look the record up by it.
    pub code_hash: String,
}

impl core::fmt::Debug for DesktopExchangeRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DesktopExchangeRequest")
            .field("code", &self.code)
            .field("code_verifier", &self.code_verifier)
            .field("redirect_uri", &self.redirect_uri)
            .field("code_hash", &self.code_hash)
            .finish()
    }
}

/// The longest exchange body read, in bytes.
const MAX_EXCHANGE_BODY: usize = 16 * 1024;

impl DesktopExchangeRequest {
    /// Parses the exchange request's body: JSON when `Content-Type` is `application/json`
    /// (an object of strings), otherwise `application/x-www-form-urlencoded`. `code`,
    /// `code_verifier` and `redirect_uri` are required (`invalid_request` naming the
    /// member); other members are ignored. A body over 16 KiB is `payload_too_large`.
    pub fn from_request(request: &HttpRequest) -> Result<Self> {
        let body = request.body.as_deref().unwrap_or("");
        if body.len() > MAX_EXCHANGE_BODY {
            return Err(Error::field(
                ErrorCode::PayloadTooLarge,
                "body",
                format!("The body is larger than {MAX_EXCHANGE_BODY} bytes."),
            ));
        }
        let json = request
            .header("Content-Type")
            .and_then(|c| c.split(';').next())
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"));
        const MEMBERS: [&str; 3] = ["code", "code_verifier", "redirect_uri"];
        let pairs: Vec<(String, String)> = if json {
            let obj = parse_object(body.as_bytes())
                .map_err(|_| Error::field(ErrorCode::InvalidRequest, "body", "The body must be a JSON object."))?;
            let mut pairs = Vec::new();
            for name in MEMBERS {
                match obj.get(name) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(s)) => pairs.push((name.to_owned(), s.clone())),
                    Some(_) => {
                        return Err(Error::field(
                            ErrorCode::InvalidRequest,
                            name,
                            format!("`{name}` must be a string."),
                        ))
                    }
                }
            }
            pairs
        } else {
            form_decode(body).map_err(|e| match e.code() {
                ErrorCode::PayloadTooLarge => e.in_field("body"),
                _ => Error::field(ErrorCode::InvalidRequest, "body", "The form body is malformed."),
            })?
        };
        let pick = |name: &str| -> Result<Option<String>> {
            let mut it = pairs.iter().filter(|(k, _)| k == name);
            let first = it.next().map(|(_, v)| v.clone());
            if it.next().is_some() {
                return Err(Error::field(
                    ErrorCode::InvalidRequest,
                    name,
                    format!("`{name}` appears more than once."),
                ));
            }
            Ok(first)
        };
        let required = |name: &str| -> Result<String> {
            pick(name)?
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::field(ErrorCode::InvalidRequest, name, format!("`{name}` is missing.")))
        };
        let code = required("code")?;
        let code_verifier = required("code_verifier")?;
        let redirect_uri = required("redirect_uri")?;
        Ok(Self {
            code_hash: desktop_code_hash(&code),
            code: Secret::new(code),
            code_verifier: Secret::new(code_verifier),
            redirect_uri,
        })
    }
}

/// The outcome of an exchange: the response to send and what to store first. Its `Debug`
/// leaves the response body out (it carries the session token).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DesktopExchange {
    /// The response: 200 `{session_token, user_id, email}`, or the error body
    /// `{detail, code}` with its status; `Cache-Control: no-store` either way.
    pub response: HttpResponse,
    /// The code record to store first, with compare-and-swap on `revision - 1` (used). If
    /// that store loses, answer `invalid_grant` instead and insert no session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<DesktopCode>,
    /// The session to insert once `record` is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<NewSession>,
}

impl core::fmt::Debug for DesktopExchange {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DesktopExchange")
            .field("status", &self.response.status)
            .field("record", &self.record)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// The lookup key for a desktop sign-in code: lower-case hex SHA-256.
pub fn desktop_code_hash(code: &str) -> String {
    sha256_hex(code)
}

/// A configured redirect entry.
#[derive(Debug, Clone)]
enum Allowed {
    /// A private-use scheme URI, matched exactly.
    Exact(String),
    /// A loopback host and path, any port.
    Loopback { host: url::Host<String>, path: String },
}

/// Desktop sign-in codes under one set of rules.
#[derive(Debug, Clone)]
pub struct DesktopSignIn {
    config: DesktopSignInConfig,
    allowed: Vec<Allowed>,
}

/// Printable ASCII without spaces or backslashes, at most [`MAX_URL_LEN`] bytes.
fn plain_text(s: &str) -> bool {
    s.len() <= MAX_URL_LEN && s.bytes().all(|b| (b'!'..=b'~').contains(&b)) && !s.contains('\\')
}

/// Parses one configured redirect entry.
fn allowed_entry(s: &str) -> Result<Allowed> {
    let bad = |d: &str| Err(Error::field(ErrorCode::InvalidConfig, "redirect_uris", d));
    if !plain_text(s) {
        return bad("A redirect URI is at most 2048 bytes of printable ASCII without spaces or backslashes.");
    }
    let Ok(url) = parse_url(s) else {
        return bad("A redirect URI must be an absolute URI.");
    };
    if url.fragment().is_some() || url.query().is_some() {
        return bad("A redirect URI must not contain a query or a fragment.");
    }
    let scheme = url.scheme();
    if scheme == "http" {
        let loopback_ip = matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        if !loopback_ip {
            return bad("An http redirect URI must name the loopback address 127.0.0.1 or [::1] (not localhost).");
        }
        if url.port().is_some() || !plain_authority(s, &url) || !url.username().is_empty() || url.password().is_some() {
            return bad("A loopback redirect URI is written without a port (any port matches) or user info.");
        }
        if url.as_str() != s {
            return bad("A loopback redirect URI must be written canonically (e.g. http://127.0.0.1/callback).");
        }
        let host = url.host().map(|h| h.to_owned());
        return match host {
            Some(host) => Ok(Allowed::Loopback {
                host,
                path: url.path().to_owned(),
            }),
            None => bad("A loopback redirect URI needs a host."),
        };
    }
    let scheme_ok = s.starts_with(scheme)
        && scheme.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'.' | b'-'));
    if !scheme_ok || FORBIDDEN_SCHEMES.contains(&scheme) {
        return bad("A redirect URI is a private-use scheme (such as reeve://callback) or http://127.0.0.1/path.");
    }
    Ok(Allowed::Exact(s.to_owned()))
}

/// The app's own redirect URI (the client's setting): a private-use scheme URI, or a
/// canonical loopback URL `http://127.0.0.1[:port]/path` or `http://[::1][:port]/path`
/// (with a port when `with_port`). The error is the detail.
pub(crate) fn check_app_redirect(s: &str, with_port: bool) -> std::result::Result<(), String> {
    match allowed_entry(s) {
        Ok(_) => Ok(()),
        Err(e) => {
            let loopback_with_port = with_port
                && parse_url(s).is_ok_and(|u| {
                    u.scheme() == "http"
                        && u.port().is_some()
                        && u.as_str() == s
                        && plain_authority(s, &u)
                        && u.username().is_empty()
                        && u.password().is_none()
                        && u.query().is_none()
                        && u.fragment().is_none()
                        && (matches!(u.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
                            || matches!(u.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback()))
                });
            if loopback_with_port {
                Ok(())
            } else {
                Err(e.detail().to_owned())
            }
        }
    }
}

/// Whether a challenge looks like an S256 one: 43 base64url characters.
fn s256_shaped(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

impl DesktopSignIn {
    /// Desktop sign-in with validated rules (`invalid_config` naming the field).
    pub fn new(config: DesktopSignInConfig) -> Result<Self> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        if config.redirect_uris.is_empty() || config.redirect_uris.len() > 32 {
            return bad("redirect_uris", "Configure 1 to 32 redirect URIs.");
        }
        if !(30..=600).contains(&config.code_ttl) {
            return bad("code_ttl", "The code lifetime must be 30 to 600 seconds.");
        }
        if !(32..=64).contains(&config.code_bytes) {
            return bad("code_bytes", "A code needs 32 to 64 random bytes (256 bits or more).");
        }
        let allowed = config
            .redirect_uris
            .iter()
            .map(|s| allowed_entry(s))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { config, allowed })
    }

    /// The rules.
    pub fn config(&self) -> &DesktopSignInConfig {
        &self.config
    }

    /// Whether `redirect_uri` is one the app may use (see the module docs).
    pub fn redirect_allowed(&self, redirect_uri: &str) -> bool {
        if !plain_text(redirect_uri) {
            return false;
        }
        let parsed = || {
            parse_url(redirect_uri)
                .ok()
                .filter(|u| u.scheme() == "http" && u.as_str() == redirect_uri && is_loopback(u))
                .filter(|u| plain_authority(redirect_uri, u) && u.username().is_empty() && u.password().is_none())
                .filter(|u| u.query().is_none() && u.fragment().is_none())
        };
        self.allowed.iter().any(|a| match a {
            Allowed::Exact(s) => s == redirect_uri,
            Allowed::Loopback { host, path } => {
                parsed().is_some_and(|u| u.host().map(|h| h.to_owned()).as_ref() == Some(host) && u.path() == path)
            }
        })
    }

    /// Mints a code for `user_id` (signed in in the browser) after the app asked with
    /// `code_challenge` (S256) and `redirect_uri`; `state` is the app's, echoed in the
    /// redirect. Takes [`DesktopSignInConfig::code_bytes`] random bytes. Errors:
    /// `invalid_input` (`user_id`, `email` over 1016 bytes), `invalid_request` naming
    /// `code_challenge`, `redirect_uri` (not configured) or `state` (over 1024 bytes or with
    /// control characters).
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &self,
        user_id: &str,
        email: Option<&str>,
        code_challenge: &str,
        redirect_uri: &str,
        state: Option<&str>,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<IssuedDesktopCode> {
        check_user_id(user_id)?;
        if email.is_some_and(|e| e.is_empty() || e.len() > 1016) {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "email",
                "The e-mail must be 1 to 1016 bytes.",
            ));
        }
        if !s256_shaped(code_challenge) {
            return Err(Error::field(
                ErrorCode::InvalidRequest,
                "code_challenge",
                "The code_challenge must be an S256 challenge: 43 base64url characters.",
            ));
        }
        if !self.redirect_allowed(redirect_uri) {
            return Err(Error::field(
                ErrorCode::InvalidRequest,
                "redirect_uri",
                "The redirect_uri is not one this app may use.",
            ));
        }
        if state.is_some_and(|s| s.is_empty() || s.len() > 1024 || s.chars().any(char::is_control)) {
            return Err(Error::field(
                ErrorCode::InvalidRequest,
                "state",
                "The state must be 1 to 1024 bytes without control characters.",
            ));
        }
        let code = b64url(&random_bytes(entropy, self.config.code_bytes)?);
        let mut redirect_url = format!("{redirect_uri}?code={code}");
        if let Some(state) = state {
            redirect_url.push_str("&state=");
            redirect_url.push_str(&query_encode(state));
        }
        Ok(IssuedDesktopCode {
            record: DesktopCode {
                version: DESKTOP_CODE_VERSION,
                revision: 1,
                code_hash: desktop_code_hash(&code),
                user_id: user_id.to_owned(),
                email: email.map(str::to_owned),
                code_challenge: code_challenge.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                issued_at: now,
                expires_at: now.saturating_add(self.config.code_ttl),
                used: false,
            },
            code: Secret::new(code),
            redirect_url: Secret::new(redirect_url),
        })
    }

    /// Redeems a presented code (its record found by [`desktop_code_hash`], or `None`); see
    /// the module docs for the order of the checks. An `Err` changes nothing stored;
    /// [`DesktopRedeem::Burned`] and [`DesktopRedeem::Redeemed`] carry the record to store.
    pub fn redeem(
        &self,
        record: Option<&DesktopCode>,
        code: &str,
        code_verifier: &str,
        redirect_uri: &str,
        now: i64,
    ) -> Result<DesktopRedeem> {
        let invalid = |field: &str, detail: &str| Error::field(ErrorCode::InvalidGrant, field, detail);
        let record = record.ok_or_else(|| invalid("code", "The code is not valid."))?;
        let hash = desktop_code_hash(code);
        if !bool::from(hash.as_bytes().ct_eq(record.code_hash.as_bytes())) {
            return Err(invalid("code", "The code is not valid."));
        }
        if record.used {
            return Err(invalid("code", "The code was already used."));
        }
        if now >= record.expires_at {
            return Err(invalid("code", "The code has expired; sign in again."));
        }
        if redirect_uri != record.redirect_uri {
            return Ok(DesktopRedeem::Burned {
                record: record.spent(),
                error: invalid(
                    "redirect_uri",
                    "The redirect_uri does not match the one the code was sent to.",
                ),
            });
        }
        let challenge = StoredChallenge {
            challenge: record.code_challenge.clone(),
            method: PkceMethod::S256,
        };
        if let Err(error) = check_pkce(Some(&challenge), Some(code_verifier), false) {
            return Ok(DesktopRedeem::Burned {
                record: record.spent(),
                error,
            });
        }
        Ok(DesktopRedeem::Redeemed {
            user_id: record.user_id.clone(),
            email: record.email.clone(),
            record: record.spent(),
        })
    }

    /// The whole exchange: [`DesktopSignIn::redeem`], then a new session from `sessions`
    /// and the `{session_token, user_id, email}` body. Never fails: a refusal is an error
    /// response (status and `{detail, code}`), with the burned record when there is one.
    pub fn exchange(
        &self,
        sessions: &SessionManager,
        record: Option<&DesktopCode>,
        request: &DesktopExchangeRequest,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> DesktopExchange {
        let refuse = |error: &Error, record: Option<DesktopCode>| DesktopExchange {
            response: error_response(error),
            record,
            session: None,
        };
        let redeemed = self.redeem(
            record,
            request.code.expose(),
            request.code_verifier.expose(),
            &request.redirect_uri,
            now,
        );
        match redeemed {
            Err(e) => refuse(&e, None),
            Ok(DesktopRedeem::Burned { record, error }) => refuse(&error, Some(record)),
            Ok(DesktopRedeem::Redeemed { user_id, email, record }) => {
                match sessions.sign_in(None, &user_id, email.as_deref(), now, entropy) {
                    Err(e) => refuse(&e, None),
                    Ok(signed_in) => DesktopExchange {
                        response: HttpResponse::new(200)
                            .with_header("Content-Type", "application/json")
                            .with_header("Cache-Control", "no-store")
                            .with_body(signed_in.response.to_string()),
                        record: Some(record),
                        session: Some(signed_in.session),
                    },
                }
            }
        }
    }
}

/// An error as the exchange endpoint answers it.
fn error_response(error: &Error) -> HttpResponse {
    HttpResponse::new(error.status())
        .with_header("Content-Type", "application/json")
        .with_header("Cache-Control", "no-store")
        .with_body(error.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;
    use crate::oauth::s256_challenge;
    use crate::session::SessionConfig;

    const NOW: i64 = 1_700_000_000;
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn desk() -> DesktopSignIn {
        DesktopSignIn::new(DesktopSignInConfig {
            redirect_uris: vec!["reeve://callback".into(), "http://127.0.0.1/callback".into()],
            ..Default::default()
        })
        .unwrap()
    }

    fn issue(d: &DesktopSignIn, redirect: &str) -> IssuedDesktopCode {
        d.issue(
            "user_abc123",
            Some("user@example.com"),
            &s256_challenge(VERIFIER),
            redirect,
            Some("st 1"),
            NOW,
            &mut FixedEntropy::new((0..32).collect()),
        )
        .unwrap()
    }

    #[test]
    fn config_is_checked() {
        let bad = |uris: &[&str]| {
            DesktopSignIn::new(DesktopSignInConfig {
                redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
                ..Default::default()
            })
            .map(|_| ())
            .unwrap_err()
            .field_name()
            .map(str::to_owned)
        };
        for uris in [
            &[][..],
            &["http://localhost/callback"],
            &["http://127.0.0.1:8080/callback"],
            &["http://example.com/cb"],
            &["https://app.example/cb"],
            &["javascript:alert(1)"],
            &["data:text/html,x"],
            &["reeve://callback#x"],
            &["reeve://callback?x=1"],
            &["http://127.0.0.1/a/../b"],
            &["Reeve://callback"],
        ] {
            assert_eq!(bad(uris).as_deref(), Some("redirect_uris"), "{uris:?}");
        }
        let ttl = DesktopSignIn::new(DesktopSignInConfig {
            redirect_uris: vec!["reeve://callback".into()],
            code_ttl: 3600,
            ..Default::default()
        });
        assert_eq!(ttl.unwrap_err().field_name(), Some("code_ttl"));
    }

    #[test]
    fn loopback_any_port_exact_path() {
        let d = desk();
        for ok in [
            "reeve://callback",
            "http://127.0.0.1:53682/callback",
            "http://127.0.0.1/callback",
        ] {
            assert!(d.redirect_allowed(ok), "{ok}");
        }
        for no in [
            "reeve://callback/",
            "reeve://other",
            "http://127.0.0.1:53682/callback/x",
            "http://127.0.0.1:53682/callback?x=1",
            "http://127.0.0.1:80/callback",
            "http://localhost:53682/callback",
            "http://[::1]:53682/callback",
            "http://127.0.0.2:53682/callback",
            "http://u@127.0.0.1:53682/callback",
            "http://127.0.0.1:53682/./callback",
            "http://0x7f.0.0.1:53682/callback",
            "http://127.0.0.1:53682/callback#f",
            "https://127.0.0.1:53682/callback",
        ] {
            assert!(!d.redirect_allowed(no), "{no}");
        }
    }

    #[test]
    fn issue_redeem_once() {
        let d = desk();
        let i = issue(&d, "reeve://callback");
        assert_eq!(i.code.expose(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
        assert_eq!(
            i.redirect_url.expose(),
            "reeve://callback?code=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8&state=st%201"
        );
        assert_eq!(i.record.expires_at, NOW + 120);
        assert!(!format!("{i:?}").contains("AAECAwQF"));
        let out = d
            .redeem(Some(&i.record), i.code.expose(), VERIFIER, "reeve://callback", NOW + 5)
            .unwrap();
        let DesktopRedeem::Redeemed { user_id, record, .. } = out else {
            panic!()
        };
        assert_eq!(
            (user_id.as_str(), record.used, record.revision),
            ("user_abc123", true, 2)
        );
        let again = d
            .redeem(Some(&record), i.code.expose(), VERIFIER, "reeve://callback", NOW + 6)
            .unwrap_err();
        assert_eq!(
            (again.code(), again.field_name()),
            (ErrorCode::InvalidGrant, Some("code"))
        );
    }

    #[test]
    fn refusals() {
        let d = desk();
        let i = issue(&d, "http://127.0.0.1:4000/callback");
        let r = Some(&i.record);
        let code = i.code.expose();
        let e = d
            .redeem(r, code, VERIFIER, "http://127.0.0.1:4000/callback", NOW + 120)
            .unwrap_err();
        assert_eq!(
            (e.code(), e.detail()),
            (ErrorCode::InvalidGrant, "The code has expired; sign in again.")
        );
        let e = d
            .redeem(r, "AAAA", VERIFIER, "http://127.0.0.1:4000/callback", NOW)
            .unwrap_err();
        assert_eq!(e.field_name(), Some("code"));
        let e = d
            .redeem(None, code, VERIFIER, "http://127.0.0.1:4000/callback", NOW)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidGrant);
        let wrong = "x".repeat(43);
        let out = d
            .redeem(r, code, &wrong, "http://127.0.0.1:4000/callback", NOW)
            .unwrap();
        let DesktopRedeem::Burned { record, error } = out else {
            panic!()
        };
        assert_eq!(
            (error.code(), error.field_name(), record.used),
            (ErrorCode::InvalidGrant, Some("code_verifier"), true)
        );
        let out = d
            .redeem(r, code, VERIFIER, "http://127.0.0.1:4001/callback", NOW)
            .unwrap();
        assert!(matches!(out, DesktopRedeem::Burned { error, .. } if error.field_name() == Some("redirect_uri")));
        let e = d
            .issue(
                "u",
                None,
                "plain-challenge",
                "reeve://callback",
                None,
                NOW,
                &mut FixedEntropy::new(vec![0; 32]),
            )
            .unwrap_err();
        assert_eq!(e.field_name(), Some("code_challenge"));
        let e = d
            .issue(
                "u",
                None,
                &s256_challenge(VERIFIER),
                "reeve://evil",
                None,
                NOW,
                &mut FixedEntropy::new(vec![0; 32]),
            )
            .unwrap_err();
        assert_eq!(
            (e.code(), e.field_name()),
            (ErrorCode::InvalidRequest, Some("redirect_uri"))
        );
    }

    #[test]
    fn exchange_builds_the_session_body() {
        let d = desk();
        let sessions = SessionManager::new(SessionConfig::default()).unwrap();
        let i = issue(&d, "reeve://callback");
        let mut req = HttpRequest::new("POST", "https://api.example/api/auth/desktop/exchange");
        req.set_header("Content-Type", "application/json");
        req.body = Some(format!(
            r#"{{"code":"{}","code_verifier":"{VERIFIER}","redirect_uri":"reeve://callback"}}"#,
            i.code.expose()
        ));
        let parsed = DesktopExchangeRequest::from_request(&req).unwrap();
        assert_eq!(parsed.code_hash, i.record.code_hash);
        assert!(!format!("{parsed:?}").contains(i.code.expose()));
        let out = d.exchange(
            &sessions,
            Some(&i.record),
            &parsed,
            NOW + 1,
            &mut FixedEntropy::new(vec![7; 16]),
        );
        assert_eq!(out.response.status, 200);
        let body: Value = serde_json::from_str(&out.response.body).unwrap();
        assert_eq!(body["user_id"], "user_abc123");
        assert_eq!(body["email"], "user@example.com");
        assert_eq!(
            body["session_token"].as_str(),
            out.session.as_ref().map(|s| s.token.expose())
        );
        assert!(out.record.as_ref().is_some_and(|r| r.used));
        let again = d.exchange(
            &sessions,
            out.record.as_ref(),
            &parsed,
            NOW + 2,
            &mut FixedEntropy::new(vec![7; 16]),
        );
        assert_eq!((again.response.status, again.record, again.session), (400, None, None));
        assert!(again.response.body.contains("invalid_grant"));
        let form = HttpRequest {
            body: Some("code=a&code_verifier=b".into()),
            ..HttpRequest::new("POST", "/x")
        };
        let e = DesktopExchangeRequest::from_request(&form).unwrap_err();
        assert_eq!(
            (e.code(), e.field_name()),
            (ErrorCode::InvalidRequest, Some("redirect_uri"))
        );
    }
}
