//! The credential broker: providers, connections, and host-to-credential resolution for an
//! outbound proxy that never holds keys itself.
//!
//! * [`Provider`]: a JSON definition (name, display name, auth type `api_key` | `oauth2` |
//!   `device_code`, endpoints, scopes, the hosts its API lives on — `api.example.com`,
//!   `*.example.com`, an IPv4 address or a bracketed IPv6 address — and the header to inject,
//!   e.g. `Authorization: Bearer {token}` or `X-Api-Key: {key}`). [`ProviderSet::load`] starts
//!   from the bundled providers and lets custom ones override them by name; overrides are
//!   reported.
//! * [`Connection`]: one credential per (provider, connection name): an API key or OAuth
//!   tokens, with expiry, scopes and a default flag. [`Connection::redacted`] is the listing
//!   form; [`export_env`] and [`export_json`] reveal secrets, on purpose.
//! * [`Broker::resolve`]: for an outbound (method, URL), the most specific host pattern wins —
//!   an exact host over any wildcard, a longer wildcard suffix over a shorter one, and between
//!   two providers claiming the same pattern, the provider whose name sorts first (reported by
//!   [`readiness`]). A wildcard `*.example.com` matches any depth of subdomain but not
//!   `example.com` itself. The answer is the header to inject, a refresh request to make first
//!   (OAuth tokens within 5 minutes of expiry, as in [`crate::tokens`]), or `no_provider`,
//!   `not_connected`, `connection_expired`, `insecure_url`, `invalid_input`.
//! * [`readiness`]: `ok` / `degraded` / `unhealthy` with per-component status, warnings and
//!   errors.
//!
//! # Which URLs get a credential
//!
//! A credential must reach exactly the host the HTTP client will connect to, so the broker
//! reads every URL — outbound requests, provider endpoints, host patterns — with the WHATWG
//! URL Standard parser (the `url` crate), the parser of browsers, Node's `new URL()` and most
//! HTTP clients, and decides on the host that parser yields. `https://evil.example\@api.example.com/`
//! is a request to `evil.example` (a `\` ends the authority of an `https` URL) and so is
//! `https:evil.example/?://api.example.com/`; tabs and newlines inside a URL are removed,
//! `%65` in a host is decoded, hosts are lower-cased, and `http://2130706433/` is `127.0.0.1`,
//! exactly as the client will see them. Stricter than the URL Standard, a host must be ASCII
//! (an internationalised name in its `xn--` form): a Unicode host does not parse here.
//! [`Broker::resolve`] checks, in order:
//!
//! 1. The URL parses (at most [`MAX_URL_BYTES`]); else `invalid_input` naming `url`.
//! 2. The scheme is `https`, or `http` to a loopback host (`localhost`, `127.0.0.0/8`,
//!    `[::1]`) when [`Broker::allow_loopback_http`] was set. Anything else — plain `http`
//!    elsewhere, `ws`, `wss`, `ftp`, `file`, `data`, any non-special scheme — is
//!    `insecure_url`, whether or not a provider serves the host. `localhost.` (with a dot)
//!    is not taken as loopback.
//! 3. The URL carries no user info (`user:password@`): a URL holding credentials of its own
//!    is a confusion vector, so it gets none of ours (`insecure_url`). An empty `@` is no
//!    user info: the parser drops it.
//! 4. The host decides the provider. One trailing dot is removed first (`api.example.com.`
//!    is the same DNS name as `api.example.com`; two dots are not). A host pattern matches
//!    the scheme's default port only (443 for `https`): `https://api.example.com:8443/` is
//!    `no_provider`. With [`Broker::allow_loopback_http`], a loopback host matches on any
//!    port, since local services seldom listen on 80 or 443.
//! 5. The connection's secret must be a non-empty, header-safe value (no CR, LF, NUL or other
//!    control byte), else `invalid_input` naming the connection's field: a stored connection
//!    that predates the check is never injected.
//!
//! Provider endpoints must be `https` URLs without user info or fragment, written exactly as
//! the parser serialises them (`https://auth.example.com/token`, not `HTTPS://Auth.Example.com/token`);
//! host patterns must be in the form the parser yields for that host (lower-case ASCII,
//! `xn--` for IDNA, canonical IP addresses). The injected header name is an RFC 9110 token,
//! and the value format (`Bearer {token}`) is header-safe. Tokens from a refresh response
//! that are empty or not header-safe are refused with `invalid_response` naming the field;
//! [`Connection::check`] is the same check for connect time.
//!
//! # Exporting
//!
//! [`export_env`] writes `NAME='value'` lines for POSIX `sh`: every value single-quoted (an
//! embedded `'` as `'\''`), so nothing in it is expanded when the file is sourced; names are
//! always `[A-Z_][A-Z0-9_]*`; a NUL in a value, a control character in a provider or
//! connection name, or two connections deriving one variable name are refused.
//!
//! ```
//! use authcore::broker::{Broker, Connection, ConnectionCredential, ProviderSet, Resolution};
//! use authcore::error::ErrorCode;
//! use authcore::secret::Secret;
//!
//! let broker = Broker::new(ProviderSet::load(&[])?); // the bundled providers
//! let openai = Connection {
//!     provider: "openai".into(),
//!     name: "default".into(),
//!     credential: ConnectionCredential::ApiKey { key: Secret::new("sk-test") },
//!     expires_at: None,
//!     scopes: vec![],
//!     is_default: true,
//!     created_at: 0,
//! };
//! let now = 1_700_000_000;
//! match broker.resolve("POST", "https://api.openai.com/v1/responses", &[openai.clone()], now)? {
//!     Resolution::Inject { header, value, .. } => assert_eq!((header.as_str(), value.expose()), ("Authorization", "Bearer sk-test")),
//!     Resolution::Refresh { .. } => unreachable!("API keys never refresh"),
//! }
//! // A client sends this one to evil.example, so no provider serves it.
//! let err = broker.resolve("POST", r"https://evil.example\@api.openai.com/v1", &[openai.clone()], now).unwrap_err();
//! assert_eq!(err.code(), ErrorCode::NoProvider);
//! // No credential in clear.
//! let err = broker.resolve("POST", "http://api.openai.com/v1", &[openai], now).unwrap_err();
//! assert_eq!(err.code(), ErrorCode::InsecureUrl);
//! # Ok::<(), authcore::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::http::{form_encode, non_ascii_detail, parse_url as whatwg_parse, HttpRequest, HttpResponse};
use crate::oauth::token_response;
use crate::secret::Secret;
use crate::tokens::{Freshness, TokenSet};
use crate::util::{is_header_safe, quote_input};
use url::{Host, Url};

/// How a provider authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthType {
    /// A static API key.
    ApiKey,
    /// OAuth 2.0 authorization code.
    Oauth2,
    /// OAuth 2.0 device authorization grant.
    DeviceCode,
}

/// The header a provider's requests carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Injection {
    /// Header name, e.g. `Authorization`.
    pub header: String,
    /// Value format with one `{token}` or `{key}` placeholder, e.g. `Bearer {token}`.
    pub format: String,
}

/// The sign-in flow a provider uses (authsome's `flow`): it decides the endpoints a definition
/// needs, and, when absent, [`AuthType`] decides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// OAuth 2.0 authorization code with PKCE: `authorization_endpoint` and `token_endpoint`.
    Pkce,
    /// As `pkce`, after a dynamic client registration (RFC 7591).
    DcrPkce,
    /// OAuth 2.0 device authorization grant: `device_authorization_endpoint` and
    /// `token_endpoint`.
    DeviceCode,
    /// An API key the user enters.
    ApiKey,
}

/// A provider definition, in its canonical form. [`Provider::from_value`] also reads
/// authsome's provider files (`schema_version`, `api_url`, the `oauth` and `api_key` blocks)
/// and turns them into this form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Identifier: 1 to 64 of `a-z 0-9 _ -`.
    pub name: String,
    /// Human name.
    pub display_name: String,
    /// How it authenticates.
    pub auth_type: AuthType,
    /// The sign-in flow, when the definition names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
    /// OAuth authorization endpoint (`oauth2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// OAuth token endpoint (`oauth2`, `device_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// Device authorization endpoint (`device_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    /// Token revocation endpoint (RFC 7009), when the provider has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// Token introspection endpoint (RFC 7662), when the provider has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<String>,
    /// OAuth client id used for refreshes, revocation and introspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// RFC 7591 registration endpoint: a sign-in registers a client here first when the
    /// provider has no `client_id` ([`crate::registration`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    /// The client secret, registered or configured (needs `client_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// When `client_secret` expires (Unix seconds); `0` or absent = never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_expires_at: Option<i64>,
    /// How the client authenticates to the provider's endpoints (the registered
    /// `token_endpoint_auth_method`, RFC 7591 §2): revocation and introspection use it.
    /// Absent: `client_secret_basic` with a `client_secret`, else `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<crate::revocation::ClientAuthMethod>,
    /// The field definitions of the input form an `api_key` or `client_credentials` sign-in
    /// shows ([`crate::authflow`]): `{name, label, secret?, required?}` (`secret` and
    /// `required` default to true). A provider taking an API key (its `inject` format holds
    /// `{key}`) may define `api_key`; a token-based one `client_id` and `client_secret`. Every
    /// field is required except `client_id` of a provider that has its own `client_id`. A
    /// field not defined keeps its default definition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_fields: Vec<crate::authflow::FormField>,
    /// Scopes to request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Hosts the API lives on (`api.example.com`, `*.example.com`).
    pub hosts: Vec<String>,
    /// The header to inject.
    pub inject: Injection,
}

/// The JSON Schema (draft 2020-12) of a provider definition; [`Provider::from_value`] enforces
/// it and the cross-field rules it describes.
pub const PROVIDER_SCHEMA: &str = include_str!("../schema/provider.schema.json");

#[cfg(feature = "bundled-providers")]
const BUNDLED: &str = r#"[
 {"name": "anthropic", "display_name": "Anthropic", "auth_type": "api_key", "hosts": ["api.anthropic.com"],
  "inject": {"header": "x-api-key", "format": "{key}"}},
 {"name": "github", "display_name": "GitHub", "auth_type": "device_code",
  "device_authorization_endpoint": "https://github.com/login/device/code",
  "token_endpoint": "https://github.com/login/oauth/access_token",
  "scopes": ["repo", "read:org"], "hosts": ["api.github.com", "uploads.github.com"],
  "inject": {"header": "Authorization", "format": "Bearer {token}"}},
 {"name": "google", "display_name": "Google", "auth_type": "oauth2",
  "authorization_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
  "token_endpoint": "https://oauth2.googleapis.com/token",
  "scopes": ["openid", "email"], "hosts": ["*.googleapis.com"],
  "inject": {"header": "Authorization", "format": "Bearer {token}"}},
 {"name": "openai", "display_name": "OpenAI", "auth_type": "api_key", "hosts": ["api.openai.com"],
  "inject": {"header": "Authorization", "format": "Bearer {key}"}}
]"#;

fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Error {
    Error::field(ErrorCode::InvalidProvider, field, detail)
}

/// The longest URL the broker reads; longer ones are `invalid_input`. Parsing is linear in
/// the URL's length.
pub const MAX_URL_BYTES: usize = 16 * 1024;

/// Checks a provider endpoint: an `https` URL (or, with `allow_loopback_http`, an `http` URL
/// to a loopback host), no user info, no fragment, written in the form the WHATWG parser
/// serialises it to (so every client reads the same host from it).
fn endpoint(field: &str, v: Option<&String>, allow_loopback_http: bool) -> Result<()> {
    let Some(text) = v else {
        return Err(invalid(field, format!("`{field}` is required for this auth type.")));
    };
    if !text.is_ascii() {
        return Err(invalid(field, non_ascii_detail(field)));
    }
    let url = match whatwg_parse(text) {
        Ok(u) if text.len() <= MAX_URL_BYTES => u,
        _ => return Err(invalid(field, format!("`{field}` must be an https URL."))),
    };
    let loopback_http = allow_loopback_http && url.scheme() == "http" && is_loopback(&url);
    if (url.scheme() != "https" && !loopback_http) || url.host_str().is_none() {
        return Err(invalid(field, format!("`{field}` must be an https URL.")));
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(invalid(
            field,
            format!("`{field}` must not carry user info or a fragment."),
        ));
    }
    if url.as_str() != text {
        return Err(invalid(
            field,
            format!(
                "`{field}` must be written as the URL standard serialises it: `{}`.",
                quote_input(url.as_str())
            ),
        ));
    }
    Ok(())
}

/// Whether every label of `name` is lower-case letters, digits and inner hyphens, 1 to 63
/// bytes, and the whole at most 253 bytes.
fn is_ldh_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// The host the WHATWG parser yields for `https://{name}/`, when it yields one.
fn parsed_host(name: &str) -> Option<Host<String>> {
    let url = whatwg_parse(&format!("https://{name}/")).ok()?;
    if url.host_str() != Some(name) {
        return None;
    }
    url.host().map(|h| h.to_owned())
}

/// Whether `h` is a host pattern in the form the URL parser yields: a lower-case DNS name
/// (`api.example.com`, IDNA as `xn--`), a wildcard over one (`*.example.com`, two labels or
/// more), a canonical IPv4 address (`127.0.0.1`) or a bracketed IPv6 address (`[::1]`).
fn valid_host_pattern(h: &str) -> bool {
    match h.strip_prefix("*.") {
        Some(suffix) => {
            is_ldh_name(suffix) && suffix.contains('.') && matches!(parsed_host(suffix), Some(Host::Domain(_)))
        }
        None if h.starts_with('[') => matches!(parsed_host(h), Some(Host::Ipv6(_))),
        None => is_ldh_name(h) && parsed_host(h).is_some(),
    }
}

/// Whether `name` is an RFC 9110 token (a valid header field name).
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Rewrites authsome's provider members into the canonical ones (see [`Provider::from_value`]).
/// Errors name the authsome member at fault.
fn canonical(obj: &serde_json::Map<String, Value>) -> Result<serde_json::Map<String, Value>> {
    let mut out = serde_json::Map::new();
    let taken = |out: &serde_json::Map<String, Value>, canonical: &str, from: &str| -> Result<()> {
        if out.contains_key(canonical) || obj.contains_key(canonical) {
            return Err(invalid(
                from,
                format!("`{from}` and `{canonical}` say the same thing: give one of them."),
            ));
        }
        Ok(())
    };
    let text = |field: &str, v: &Value| -> Result<()> {
        if v.is_string() {
            Ok(())
        } else {
            Err(invalid(field, format!("`{field}` must be a string.")))
        }
    };
    for (k, v) in obj {
        match k.as_str() {
            "schema_version" => {
                if v.as_u64() != Some(1) {
                    return Err(invalid(
                        "schema_version",
                        "Only provider files of schema version 1 are read.",
                    ));
                }
            }
            "logo" | "description" | "docs_url" => text(k, v)?,
            "export" => {
                if !v.as_object().is_some_and(|m| m.values().all(Value::is_string)) {
                    return Err(invalid("export", "`export` must map variable names to strings."));
                }
            }
            "api_url" => {
                taken(&out, "hosts", "api_url")?;
                let hosts: Vec<&Value> = match v {
                    Value::String(_) => vec![v],
                    Value::Array(a) => a.iter().collect(),
                    _ => return Err(invalid("api_url", "`api_url` must be a host or a list of hosts.")),
                };
                let mut list = Vec::new();
                for (i, h) in hosts.into_iter().enumerate() {
                    let field = if v.is_array() {
                        format!("api_url[{i}]")
                    } else {
                        "api_url".to_owned()
                    };
                    let Some(h) = h.as_str() else {
                        return Err(invalid(field, "`api_url` must be a host or a list of hosts."));
                    };
                    if h.starts_with("regex:") {
                        return Err(invalid(
                            field,
                            "Regular-expression hosts are not read: write the host or a `*.` wildcard.",
                        ));
                    }
                    list.push(Value::String(h.to_owned()));
                }
                out.insert("hosts".to_owned(), Value::Array(list));
            }
            "oauth" => {
                let Some(block) = v.as_object() else {
                    return Err(invalid("oauth", "`oauth` must be an object."));
                };
                let base = match block.get("base_url") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(b)) => Some(b.as_str()),
                    Some(_) => return Err(invalid("oauth.base_url", "`oauth.base_url` must be a string.")),
                };
                for (bk, bv) in block {
                    let field = format!("oauth.{bk}");
                    let target = match bk.as_str() {
                        "base_url" => continue,
                        "pkce" | "supports_device_code" | "supports_dcr" => {
                            if !bv.is_boolean() {
                                return Err(invalid(field.clone(), format!("`{field}` must be true or false.")));
                            }
                            continue;
                        }
                        "authorization_url" => "authorization_endpoint",
                        "token_url" => "token_endpoint",
                        "device_authorization_url" => "device_authorization_endpoint",
                        "revocation_url" => "revocation_endpoint",
                        "introspection_url" => "introspection_endpoint",
                        "registration_url" => "registration_endpoint",
                        "scopes" => "scopes",
                        "client_id" => "client_id",
                        _ => {
                            return Err(invalid(
                                field,
                                format!("Unknown provider field `oauth.{}`.", crate::json::truncate(bk)),
                            ))
                        }
                    };
                    taken(&out, target, &field)?;
                    let value = match bv {
                        Value::Null => continue,
                        Value::String(u) if target.ends_with("_endpoint") => match (u.contains("{base_url}"), base) {
                            (false, _) => Value::String(u.clone()),
                            (true, Some(b)) => Value::String(u.replace("{base_url}", b)),
                            (true, None) => {
                                let detail = format!("`{field}` uses `{{base_url}}` but `oauth.base_url` is not set.");
                                return Err(invalid(field, detail));
                            }
                        },
                        Value::String(_) if target == "client_id" => bv.clone(),
                        Value::Array(a) if target == "scopes" && a.iter().all(Value::is_string) => bv.clone(),
                        _ => {
                            let expected = if target == "scopes" {
                                "a list of strings"
                            } else {
                                "a string"
                            };
                            return Err(invalid(field.clone(), format!("`{field}` must be {expected}.")));
                        }
                    };
                    out.insert(target.to_owned(), value);
                }
            }
            "api_key" => {
                taken(&out, "inject", "api_key")?;
                let Some(block) = v.as_object() else {
                    return Err(invalid("api_key", "`api_key` must be an object."));
                };
                let mut header = "Authorization".to_owned();
                let mut prefix = "Bearer".to_owned();
                for (bk, bv) in block {
                    let field = format!("api_key.{bk}");
                    match (bk.as_str(), bv) {
                        ("header_name", Value::String(h)) => header = h.clone(),
                        ("header_prefix", Value::String(p)) => prefix = p.clone(),
                        ("header_prefix", Value::Null) => prefix.clear(),
                        ("env_var" | "key_pattern" | "key_pattern_hint", Value::String(_) | Value::Null) => {}
                        ("header_name" | "header_prefix" | "env_var" | "key_pattern" | "key_pattern_hint", _) => {
                            return Err(invalid(field.clone(), format!("`{field}` must be a string.")))
                        }
                        _ => {
                            return Err(invalid(
                                field,
                                format!("Unknown provider field `api_key.{}`.", crate::json::truncate(bk)),
                            ))
                        }
                    }
                }
                if !is_token(&header) {
                    return Err(invalid(
                        "api_key.header_name",
                        "The header must be a header name (an RFC 9110 token).",
                    ));
                }
                let prefix = prefix.trim_end_matches([' ', '\t']);
                if prefix.contains("{key}") || prefix.contains("{token}") || !is_header_safe(prefix) {
                    return Err(invalid(
                        "api_key.header_prefix",
                        "The prefix must be visible ASCII, spaces and tabs, without `{key}` or `{token}`.",
                    ));
                }
                let format = if prefix.is_empty() {
                    "{key}".to_owned()
                } else {
                    format!("{prefix} {{key}}")
                };
                out.insert("inject".to_owned(), json!({"header": header, "format": format}));
            }
            _ => {
                if out.contains_key(k) {
                    // Set from an authsome member seen earlier.
                    return Err(invalid(
                        k.clone(),
                        format!("`{k}` is given twice (also through an authsome member)."),
                    ));
                }
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(out)
}

impl Provider {
    /// Parses and validates a definition; errors are `invalid_provider` naming the field.
    ///
    /// Accepts the canonical form and authsome's provider files, which it rewrites into the
    /// canonical form first ([`PROVIDER_SCHEMA`] describes both):
    ///
    /// * `schema_version` must be `1`; `api_url` (a host or a list of hosts) is `hosts`
    ///   (`regex:` hosts are refused: write the host or a `*.` wildcard);
    /// * the `oauth` block's `authorization_url`, `token_url`, `device_authorization_url`,
    ///   `revocation_url`, `introspection_url` and `registration_url` are the `…_endpoint`
    ///   fields (a `{base_url}` in them is replaced by `oauth.base_url`), `oauth.scopes` and
    ///   `oauth.client_id` are `scopes` and `client_id`;
    /// * the `api_key` block is `inject`: header `api_key.header_name` (default
    ///   `Authorization`), value `{header_prefix} {key}` (prefix default `Bearer`; an empty
    ///   prefix injects the bare key);
    /// * without `inject` or `api_key`, a provider injects `Authorization: Bearer {key}`
    ///   (`api_key`) or `Authorization: Bearer {token}` (OAuth).
    ///
    /// Descriptive members (`logo`, `description`, `docs_url`, `export`, `api_key.env_var`,
    /// `api_key.key_pattern`, `api_key.key_pattern_hint`, `oauth.pkce`,
    /// `oauth.supports_device_code`, `oauth.supports_dcr`) are checked for type and dropped.
    /// A member given both ways (`hosts` and `api_url`, `inject` and `api_key`, an endpoint
    /// and its `oauth` URL) is refused.
    pub fn from_value(value: &Value) -> Result<Self> {
        Self::from_value_with(value, false)
    }

    /// As [`Provider::from_value`], with endpoints checked by [`Provider::validate_with`].
    pub fn from_value_with(value: &Value, allow_loopback_http: bool) -> Result<Self> {
        let obj = value
            .as_object()
            .ok_or_else(|| invalid("provider", "A provider definition must be a JSON object."))?;
        let obj = &canonical(obj)?;
        // Check shapes member by member first, so every error names its field.
        for (k, v) in obj {
            let ok = match k.as_str() {
                "name" | "display_name" => v.is_string(),
                "authorization_endpoint"
                | "token_endpoint"
                | "device_authorization_endpoint"
                | "revocation_endpoint"
                | "introspection_endpoint"
                | "client_id" => v.is_string() || v.is_null(),
                "registration_endpoint" | "client_secret" => v.is_string() || v.is_null(),
                "client_secret_expires_at" => v.is_null() || v.as_i64().is_some_and(|n| n >= 0),
                "token_endpoint_auth_method" => {
                    v.is_null() || matches!(v.as_str(), Some("none" | "client_secret_basic" | "client_secret_post"))
                }
                "auth_type" => matches!(v.as_str(), Some("api_key" | "oauth2" | "device_code")),
                "flow" => matches!(v.as_str(), Some("pkce" | "dcr_pkce" | "device_code" | "api_key")),
                "scopes" | "hosts" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
                "input_fields" => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
                "inject" => v.as_object().is_some_and(|i| {
                    i.len() == 2
                        && i.get("header").is_some_and(Value::is_string)
                        && i.get("format").is_some_and(Value::is_string)
                }),
                _ => {
                    return Err(invalid(
                        k.clone(),
                        format!("Unknown provider field `{}`.", crate::json::truncate(k)),
                    ))
                }
            };
            if !ok {
                let expected = match k.as_str() {
                    "auth_type" => "one of api_key, oauth2, device_code",
                    "flow" => "one of pkce, dcr_pkce, device_code, api_key",
                    "scopes" | "hosts" => "a list of strings",
                    "input_fields" => "a list of field objects",
                    "inject" => "an object with `header` and `format` strings",
                    "client_secret_expires_at" => "a non-negative integer",
                    "token_endpoint_auth_method" => "one of none, client_secret_basic, client_secret_post",
                    _ => "a string",
                };
                return Err(invalid(k.clone(), format!("`{k}` must be {expected}.")));
            }
        }
        for required in ["name", "display_name", "auth_type", "hosts"] {
            if !obj.contains_key(required) {
                return Err(invalid(required, format!("`{required}` is required.")));
            }
        }
        let mut obj = obj.clone();
        if !obj.contains_key("inject") {
            let placeholder = if obj.get("auth_type").and_then(Value::as_str) == Some("api_key") {
                "Bearer {key}"
            } else {
                "Bearer {token}"
            };
            obj.insert(
                "inject".to_owned(),
                json!({"header": "Authorization", "format": placeholder}),
            );
        }
        let provider: Provider = crate::json::decode(Value::Object(obj)).map_err(|shape| {
            if shape.path.is_empty() {
                invalid("provider", format!("Invalid provider definition: {}.", shape.detail))
            } else {
                invalid(
                    shape.path.clone(),
                    format!("Invalid provider definition at `{}`: {}.", shape.path, shape.detail),
                )
            }
        })?;
        provider.validate_with(allow_loopback_http)?;
        Ok(provider)
    }

    /// Checks the definition; every endpoint must be an `https` URL.
    pub fn validate(&self) -> Result<()> {
        self.validate_with(false)
    }

    /// Checks the definition. With `allow_loopback_http`, an endpoint may also be a plain
    /// `http` URL to a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), e.g. a provider
    /// running on the same machine in development; anything else stays `https` only.
    pub fn validate_with(&self, allow_loopback_http: bool) -> Result<()> {
        if self.name.is_empty()
            || self.name.len() > 64
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(invalid("name", "A provider name is 1 to 64 of a-z, 0-9, '_' and '-'."));
        }
        if self.display_name.trim().is_empty() {
            return Err(invalid("display_name", "The display name must not be empty."));
        }
        let consistent = match (self.auth_type, self.flow) {
            (_, None) => true,
            (AuthType::ApiKey, Some(f)) => f == Flow::ApiKey,
            (AuthType::Oauth2, Some(f)) => f != Flow::ApiKey,
            (AuthType::DeviceCode, Some(f)) => f == Flow::DeviceCode,
        };
        if !consistent {
            return Err(invalid(
                "flow",
                "The flow does not fit the auth type (`api_key` takes the `api_key` flow, OAuth ones an OAuth flow).",
            ));
        }
        let required: &[&str] = match (self.flow, self.auth_type) {
            (Some(Flow::ApiKey), _) | (None, AuthType::ApiKey) => &[],
            (Some(Flow::Pkce | Flow::DcrPkce), _) | (None, AuthType::Oauth2) => {
                &["authorization_endpoint", "token_endpoint"]
            }
            (Some(Flow::DeviceCode), _) | (None, AuthType::DeviceCode) => {
                &["device_authorization_endpoint", "token_endpoint"]
            }
        };
        // An endpoint given to an auth type that does not need it is still a URL the host may
        // open: it is held to the same rule.
        for (field, v) in [
            ("device_authorization_endpoint", &self.device_authorization_endpoint),
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            ("registration_endpoint", &self.registration_endpoint),
            ("revocation_endpoint", &self.revocation_endpoint),
            ("introspection_endpoint", &self.introspection_endpoint),
        ] {
            if v.is_some() || required.contains(&field) {
                endpoint(field, v.as_ref(), allow_loopback_http)?;
            }
        }
        if let Some(secret) = &self.client_secret {
            if self.client_id.is_none() || secret.expose().is_empty() || !is_header_safe(secret.expose()) {
                return Err(invalid(
                    "client_secret",
                    "A client secret needs a `client_id` and must be a non-empty header-safe value.",
                ));
            }
        }
        self.validate_input_fields()?;
        if self.hosts.is_empty() {
            return Err(invalid("hosts", "A provider needs at least one host."));
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if !valid_host_pattern(h) {
                return Err(invalid(
                    format!("hosts[{i}]"),
                    format!("`{}` is not a lower-case host name or `*.` wildcard.", quote_input(h)),
                ));
            }
        }
        if !is_token(&self.inject.header) {
            return Err(invalid(
                "inject.header",
                "The header must be a header name (an RFC 9110 token).",
            ));
        }
        let f = &self.inject.format;
        let placeholders = f.matches("{token}").count() + f.matches("{key}").count();
        if placeholders != 1 || !is_header_safe(f) {
            return Err(invalid(
                "inject.format",
                "The format must hold exactly one `{token}` or `{key}` and only visible ASCII, spaces and tabs.",
            ));
        }
        Ok(())
    }
}

impl Provider {
    /// The `input_fields` rules (see [`Provider::input_fields`]).
    fn validate_input_fields(&self) -> Result<()> {
        let takes: &[&str] = if self.inject.format.contains("{key}") {
            &["api_key"]
        } else {
            &["client_id", "client_secret"]
        };
        for (i, f) in self.input_fields.iter().enumerate() {
            if !takes.contains(&f.name.as_str()) {
                return Err(invalid(
                    format!("input_fields[{i}].name"),
                    format!(
                        "`{}` is not a field this provider's sign-in takes ({}).",
                        quote_input(&f.name),
                        takes.join(", ")
                    ),
                ));
            }
            if self.input_fields.iter().take(i).any(|g| g.name == f.name) {
                return Err(invalid(
                    format!("input_fields[{i}].name"),
                    format!("`{}` is defined twice.", f.name),
                ));
            }
            if f.label.trim().is_empty() || f.label.chars().count() > 200 || f.label.chars().any(char::is_control) {
                return Err(invalid(
                    format!("input_fields[{i}].label"),
                    "A label is 1 to 200 characters of text without control characters.",
                ));
            }
            let may_be_optional = f.name == "client_id" && self.client_id.is_some();
            if !(f.required || may_be_optional) {
                return Err(invalid(
                    format!("input_fields[{i}].required"),
                    format!(
                        "`{}` must be required (only `client_id` of a provider with a `client_id` may be optional).",
                        f.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// This provider with the client a registration endpoint issued
    /// ([`crate::registration::registration_response`]): `client_id`, `client_secret`,
    /// `client_secret_expires_at` and `token_endpoint_auth_method` replaced.
    pub fn with_registered_client(&self, client: &crate::registration::RegisteredClient) -> Provider {
        Provider {
            client_id: Some(client.client_id.clone()),
            client_secret: client.client_secret.clone(),
            client_secret_expires_at: client.client_secret.as_ref().map(|_| client.client_secret_expires_at),
            token_endpoint_auth_method: client.token_endpoint_auth_method,
            ..self.clone()
        }
    }

    /// Whether a sign-in must register a client first: a registration endpoint and no client
    /// id, or a registered secret that has expired at `now`.
    pub fn needs_registration(&self, now: i64) -> bool {
        self.registration_endpoint.is_some()
            && (self.client_id.is_none()
                || (self.client_secret.is_some() && self.client_secret_expires_at.is_some_and(|t| t != 0 && now >= t)))
    }
}

/// Where a provider came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProviderSource {
    /// Shipped with authcore.
    Bundled,
    /// Defined by the user.
    Custom,
}

/// The loaded providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProviderSet {
    /// Providers by name.
    pub providers: BTreeMap<String, Provider>,
    /// Where each came from.
    pub sources: BTreeMap<String, ProviderSource>,
    /// Custom providers that replaced bundled ones.
    pub overrides: Vec<String>,
}

impl ProviderSet {
    /// The bundled providers; none when the `bundled-providers` feature is off (then every
    /// provider comes from `custom` definitions).
    pub fn bundled() -> Vec<Provider> {
        #[cfg(feature = "bundled-providers")]
        {
            serde_json::from_str(BUNDLED).unwrap_or_default()
        }
        #[cfg(not(feature = "bundled-providers"))]
        {
            Vec::new()
        }
    }

    /// Bundled providers overridden by `custom` definitions (JSON values). An invalid custom
    /// definition fails the load with `invalid_provider` naming `custom[i].field`.
    pub fn load(custom: &[Value]) -> Result<Self> {
        Self::load_with(Self::bundled(), custom)
    }

    /// As [`ProviderSet::load`] with given "bundled" providers.
    pub fn load_with(bundled: Vec<Provider>, custom: &[Value]) -> Result<Self> {
        Self::load_with_options(bundled, custom, false)
    }

    /// As [`ProviderSet::load_with`]; with `allow_loopback_http`, custom definitions may have
    /// plain `http` endpoints on a loopback host ([`Provider::validate_with`]).
    pub fn load_with_options(bundled: Vec<Provider>, custom: &[Value], allow_loopback_http: bool) -> Result<Self> {
        let mut set = Self {
            providers: BTreeMap::new(),
            sources: BTreeMap::new(),
            overrides: Vec::new(),
        };
        for p in bundled {
            set.sources.insert(p.name.clone(), ProviderSource::Bundled);
            set.providers.insert(p.name.clone(), p);
        }
        let mut seen = Vec::new();
        for (i, v) in custom.iter().enumerate() {
            let p =
                Provider::from_value_with(v, allow_loopback_http).map_err(|e| e.in_field(&format!("custom[{i}]")))?;
            if seen.contains(&p.name) {
                return Err(invalid(
                    format!("custom[{i}].name"),
                    format!("Provider `{}` is defined twice.", p.name),
                ));
            }
            seen.push(p.name.clone());
            if set.sources.get(&p.name) == Some(&ProviderSource::Bundled) {
                set.overrides.push(p.name.clone());
            }
            set.sources.insert(p.name.clone(), ProviderSource::Custom);
            set.providers.insert(p.name.clone(), p);
        }
        Ok(set)
    }
}

/// Where a listed provider comes from: shipped, user-defined, or a user definition that
/// replaced a shipped one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProviderOrigin {
    /// Shipped with authcore.
    Bundled,
    /// Defined by the user, with a name no bundled provider has.
    Custom,
    /// Defined by the user, replacing the bundled provider of the same name.
    Override,
}

/// One line of the provider listing ([`ProviderSet::listing`]): what a provider is, never a
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProviderSummary {
    /// The provider's name.
    pub name: String,
    /// Human name.
    pub display_name: String,
    /// How it authenticates.
    pub auth_type: AuthType,
    /// The sign-in flow: the definition's `flow`, else the one its auth type implies
    /// (`api_key`; `pkce` for `oauth2`, `dcr_pkce` when it registers a client first;
    /// `device_code`).
    pub flow: Flow,
    /// Where the definition comes from.
    pub source: ProviderOrigin,
    /// The hosts it serves.
    pub hosts: Vec<String>,
    /// Whether the definition holds a client (a `client_id`, configured or registered).
    pub has_client: bool,
}

/// What a redacted secret reads in listings and shown definitions.
pub const REDACTED: &str = "[redacted]";

impl Provider {
    /// The sign-in flow: `flow` when the definition names one, else the one the auth type
    /// implies (`dcr_pkce` for an `oauth2` provider with a `registration_endpoint`).
    pub fn effective_flow(&self) -> Flow {
        match (self.flow, self.auth_type) {
            (Some(f), _) => f,
            (None, AuthType::ApiKey) => Flow::ApiKey,
            (None, AuthType::DeviceCode) => Flow::DeviceCode,
            (None, AuthType::Oauth2) if self.registration_endpoint.is_some() => Flow::DcrPkce,
            (None, AuthType::Oauth2) => Flow::Pkce,
        }
    }

    /// The definition as JSON to show: the canonical form, with `client_secret` reading
    /// `"[redacted]"` unless `reveal` is true (a registered or configured client secret is
    /// never shown in clear by default).
    pub fn to_json(&self, reveal: bool) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if !reveal {
            if let Some(secret) = v.get_mut("client_secret").filter(|s| s.is_string()) {
                *secret = Value::String(REDACTED.to_owned());
            }
        }
        v
    }
}

impl ProviderSet {
    /// Where provider `name` comes from, if it is loaded.
    pub fn origin(&self, name: &str) -> Option<ProviderOrigin> {
        match self.sources.get(name)? {
            ProviderSource::Bundled => Some(ProviderOrigin::Bundled),
            ProviderSource::Custom if self.overrides.iter().any(|o| o == name) => Some(ProviderOrigin::Override),
            ProviderSource::Custom => Some(ProviderOrigin::Custom),
        }
    }

    /// One [`ProviderSummary`] per provider, by name: what a `GET /providers` lists (auth
    /// type, flow, source, hosts). Holds no secret.
    pub fn listing(&self) -> Vec<ProviderSummary> {
        self.providers
            .values()
            .map(|p| ProviderSummary {
                name: p.name.clone(),
                display_name: p.display_name.clone(),
                auth_type: p.auth_type,
                flow: p.effective_flow(),
                source: self.origin(&p.name).unwrap_or(ProviderOrigin::Custom),
                hosts: p.hosts.clone(),
                has_client: p.client_id.is_some(),
            })
            .collect()
    }
}

/// The secret a broker [`Connection`] holds for its provider: an API key or OAuth tokens.
///
/// Not to be confused with [`crate::gate::Credential`] (what an incoming request presented).
/// Its JSON shape is `{"type": "api_key", "key": ...}` or `{"type": "oauth", "tokens": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConnectionCredential {
    /// An API key.
    ApiKey {
        /// The key.
        key: Secret,
    },
    /// OAuth tokens.
    Oauth {
        /// The tokens.
        tokens: TokenSet,
    },
}

/// One connection to a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// The provider's name.
    pub provider: String,
    /// The connection's name (default `default`).
    #[serde(default = "default_name")]
    pub name: String,
    /// The credential.
    pub credential: ConnectionCredential,
    /// Expiry of an API key, if it has one (OAuth tokens carry their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Granted scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The provider's default connection.
    #[serde(default)]
    pub is_default: bool,
    /// Creation time.
    #[serde(default)]
    pub created_at: i64,
}

fn default_name() -> String {
    "default".to_owned()
}

impl Connection {
    /// The listing form: everything but the secret, which reads `"[redacted]"`.
    pub fn redacted(&self) -> Value {
        let (kind, expires_at) = match &self.credential {
            ConnectionCredential::ApiKey { .. } => ("api_key", self.expires_at),
            ConnectionCredential::Oauth { tokens } => ("oauth", tokens.expires_at),
        };
        let mut v = json!({
            "provider": self.provider,
            "name": self.name,
            "type": kind,
            "secret": "[redacted]",
            "scopes": self.scopes,
            "is_default": self.is_default,
            "created_at": self.created_at,
        });
        if let (Some(e), Some(obj)) = (expires_at, v.as_object_mut()) {
            obj.insert("expires_at".to_owned(), json!(e));
        }
        v
    }

    fn secret(&self) -> &str {
        match &self.credential {
            ConnectionCredential::ApiKey { key } => key.expose(),
            ConnectionCredential::Oauth { tokens } => tokens.access_token.expose(),
        }
    }

    /// The field holding the injected secret.
    fn secret_field(&self) -> &'static str {
        match self.credential {
            ConnectionCredential::ApiKey { .. } => "credential.key",
            ConnectionCredential::Oauth { .. } => "credential.tokens.access_token",
        }
    }

    /// The checks a connection passes before it is stored (connect time) and before its secret
    /// is injected: provider and connection names non-empty and free of control characters;
    /// the API key or access token (and refresh token, if any) non-empty and header-safe
    /// (visible ASCII, space, tab). Errors are `invalid_input` naming the field
    /// (`credential.key`, `credential.tokens.access_token`, …); details never hold the secret.
    pub fn check(&self) -> Result<()> {
        for (field, v) in [("provider", &self.provider), ("name", &self.name)] {
            if v.is_empty() || v.chars().any(char::is_control) {
                return Err(Error::field(
                    ErrorCode::InvalidInput,
                    field,
                    format!("The connection's `{field}` must be non-empty text without control characters."),
                ));
            }
        }
        let mut secrets = vec![(self.secret_field(), self.secret())];
        if let ConnectionCredential::Oauth { tokens } = &self.credential {
            if let Some(r) = &tokens.refresh_token {
                secrets.push(("credential.tokens.refresh_token", r.expose()));
            }
        }
        for (field, v) in secrets {
            if v.is_empty() || !is_header_safe(v) {
                return Err(Error::field(
                    ErrorCode::InvalidInput,
                    field,
                    format!(
                        "The `{}/{}` connection's secret is empty or holds a byte a header cannot carry; connect again.",
                        quote_input(&self.provider),
                        quote_input(&self.name)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The environment-variable name: `PROVIDER_API_KEY` or `PROVIDER_ACCESS_TOKEN`, with
    /// `_NAME` inserted after the provider for connections not named `default`. Letters are
    /// upper-cased and every other character but a digit becomes `_`; a name that would start
    /// with a digit gets a leading `_`. The result always matches `[A-Z_][A-Z0-9_]*`.
    pub fn env_name(&self) -> String {
        let up = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_uppercase()
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        let suffix = match self.credential {
            ConnectionCredential::ApiKey { .. } => "API_KEY",
            ConnectionCredential::Oauth { .. } => "ACCESS_TOKEN",
        };
        let name = if self.name == "default" {
            format!("{}_{suffix}", up(&self.provider))
        } else {
            format!("{}_{}_{suffix}", up(&self.provider), up(&self.name))
        };
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            format!("_{name}")
        } else {
            name
        }
    }
}

/// `NAME='value'` lines for POSIX `sh` (sorted by name, each ending in a newline). Every value
/// is single-quoted, an embedded `'` written `'\''`, so sourcing the text expands nothing
/// (`$(…)`, backticks, `$VAR`, `\`, `!`, `~` and newlines all stay literal). Reveals secrets.
///
/// Refused with `invalid_input` naming `connections[i].…`: a provider or connection name
/// holding a control character (NUL, CR, LF, …), a secret holding NUL (no environment
/// variable can carry one), and two connections deriving the same variable name.
pub fn export_env(connections: &[Connection]) -> Result<String> {
    let mut lines: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (i, c) in connections.iter().enumerate() {
        for (field, v) in [("provider", &c.provider), ("name", &c.name)] {
            if v.chars().any(char::is_control) {
                return Err(Error::field(
                    ErrorCode::InvalidInput,
                    format!("connections[{i}].{field}"),
                    format!("A connection's `{field}` must not hold control characters."),
                ));
            }
        }
        let value = c.secret();
        if value.contains('\0') {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                format!("connections[{i}].{}", c.secret_field()),
                "An environment variable cannot hold a NUL byte.",
            ));
        }
        let name = c.env_name();
        if let Some((first, _)) = lines.get(&name) {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                format!("connections[{i}].name"),
                format!("`{name}` is also the variable of connections[{first}]."),
            ));
        }
        let quoted = format!("'{}'", value.replace('\'', "'\\''"));
        lines.insert(name, (i, quoted));
    }
    Ok(lines
        .into_iter()
        .map(|(name, (_, value))| format!("{name}={value}\n"))
        .collect())
}

/// The connections as JSON, secrets included. Reveals secrets.
pub fn export_json(connections: &[Connection]) -> Value {
    json!(connections)
}

/// The listing form of every connection ([`Connection::redacted`]): safe to show and log.
pub fn redact(connections: &[Connection]) -> Vec<Value> {
    connections.iter().map(Connection::redacted).collect()
}

/// One line of the routing table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Route {
    /// The host pattern.
    pub pattern: String,
    /// The provider serving it.
    pub provider: String,
    /// `exact` or `wildcard`.
    pub kind: String,
    /// The header injected.
    pub header: String,
}

/// What to do with an outbound request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Resolution {
    /// Add this header and send.
    Inject {
        /// The provider.
        provider: String,
        /// The connection's name.
        connection: String,
        /// Header name.
        header: String,
        /// Header value (holds the secret).
        value: Secret,
    },
    /// Refresh the connection first (then [`Broker::apply_refresh`] and resolve again).
    Refresh {
        /// The provider.
        provider: String,
        /// The connection's name.
        connection: String,
        /// The token request to send.
        request: HttpRequest,
    },
}

/// The broker's decisions over a provider set.
#[derive(Debug, Clone)]
pub struct Broker {
    providers: ProviderSet,
    routes: Vec<Route>,
    allow_loopback_http: bool,
}

/// Refresh this many seconds before an OAuth token expires.
pub const REFRESH_MARGIN: i64 = crate::tokens::DEFAULT_REFRESH_MARGIN;

/// The method [`Broker::resolve`] assumes when none is given.
pub const DEFAULT_METHOD: &str = "GET";

/// Where an outbound URL goes, as the WHATWG parser reads it.
struct Target {
    /// The host deciding the provider (one trailing dot removed).
    host: String,
    /// An explicit port other than the scheme's default.
    port: Option<u16>,
    /// A loopback host reached over http or https with loopback http allowed: any port matches.
    any_port: bool,
}

impl Broker {
    /// The one entry point bindings call: the bundled providers plus `custom` definitions
    /// ([`ProviderSet::load`]), with [`Broker::allow_loopback_http`] set as given; with it,
    /// custom definitions may also have plain `http` endpoints on a loopback host.
    pub fn from_custom(custom: &[Value], allow_loopback_http: bool) -> Result<Self> {
        let set = ProviderSet::load_with_options(ProviderSet::bundled(), custom, allow_loopback_http)?;
        Ok(Self::new(set).allow_loopback_http(allow_loopback_http))
    }

    /// A broker over loaded providers. Credentials go to `https` URLs only; see
    /// [`Broker::allow_loopback_http`].
    pub fn new(providers: ProviderSet) -> Self {
        let mut routes: Vec<Route> = providers
            .providers
            .values()
            .flat_map(|p| {
                p.hosts.iter().map(|h| Route {
                    pattern: h.clone(),
                    provider: p.name.clone(),
                    kind: if h.starts_with("*.") { "wildcard" } else { "exact" }.to_owned(),
                    header: p.inject.header.clone(),
                })
            })
            .collect();
        // Precedence order: exact first, then longer wildcard suffixes, then provider name.
        routes.sort_by(|a, b| {
            (a.kind != "exact")
                .cmp(&(b.kind != "exact"))
                .then(b.pattern.len().cmp(&a.pattern.len()))
                .then(a.pattern.cmp(&b.pattern))
                .then(a.provider.cmp(&b.provider))
        });
        Self {
            providers,
            routes,
            allow_loopback_http: false,
        }
    }

    /// Also send credentials over plain `http` to loopback hosts (`localhost`, `127.0.0.0/8`,
    /// `[::1]`), on any port, e.g. for a provider running on the same machine in development.
    /// Off by default. Any local user can listen on a loopback port: turn it on only on
    /// machines whose local services are trusted.
    #[must_use]
    pub fn allow_loopback_http(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// Whether loopback `http` gets credentials (see [`Broker::allow_loopback_http`]).
    pub fn allows_loopback_http(&self) -> bool {
        self.allow_loopback_http
    }

    /// The providers. Their serialised form holds any `client_secret` in clear: to list or
    /// show providers, use [`Broker::provider_listing`] and [`Broker::show_provider`].
    pub fn providers(&self) -> &ProviderSet {
        &self.providers
    }

    /// The provider listing ([`ProviderSet::listing`]): no secret.
    pub fn provider_listing(&self) -> Vec<ProviderSummary> {
        self.providers.listing()
    }

    /// Provider `name`'s definition to show ([`Provider::to_json`]): its `client_secret`
    /// redacted unless `reveal`. `invalid_input` naming `provider` for an unknown name.
    pub fn show_provider(&self, name: &str, reveal: bool) -> Result<Value> {
        Ok(self.provider(name)?.to_json(reveal))
    }

    /// The routing table, in precedence order (the first matching line wins).
    pub fn routing_table(&self) -> &[Route] {
        &self.routes
    }

    /// The provider that [`Broker::resolve`] would pick for `url`: `None` when no provider
    /// serves its host, or when the URL gets no credential at all (unparseable, not `https`
    /// or allowed loopback `http`, user info, a non-default port).
    pub fn provider_for(&self, url: &str) -> Option<&Provider> {
        let target = self.target(url).ok()?;
        self.route(&target)
    }

    /// Reads an outbound URL (steps 1 to 3 of the module docs).
    fn target(&self, url: &str) -> Result<Target> {
        let parsed = parse_url(url)?;
        let loopback = is_loopback(&parsed);
        match parsed.scheme() {
            "https" => {}
            "http" if loopback && self.allow_loopback_http => {}
            "http" => {
                return Err(Error::field(
                    ErrorCode::InsecureUrl,
                    "url",
                    if loopback {
                        "Plain http to a loopback host gets credentials only when loopback http is allowed."
                    } else {
                        "Credentials are never sent over plain http (only https, or loopback http when allowed)."
                    },
                ))
            }
            scheme => {
                return Err(Error::field(
                    ErrorCode::InsecureUrl,
                    "url",
                    format!(
                        "Credentials are only sent to https URLs, not `{}:` ones.",
                        quote_input(scheme)
                    ),
                ))
            }
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::field(
                ErrorCode::InsecureUrl,
                "url",
                "A URL with user info (`user:password@`) gets no credentials.",
            ));
        }
        let host = decided_host(&parsed)
            .ok_or_else(|| Error::field(ErrorCode::InvalidInput, "url", "The URL has no host."))?;
        Ok(Target {
            host,
            port: parsed.port(),
            any_port: loopback && self.allow_loopback_http,
        })
    }

    /// The provider whose pattern matches the target's host (step 4).
    fn route(&self, target: &Target) -> Option<&Provider> {
        if target.port.is_some() && !target.any_port {
            return None;
        }
        let route = self.routes.iter().find(|r| host_matches(&r.pattern, &target.host))?;
        self.providers.providers.get(&route.provider)
    }

    /// Decides what an outbound request to `url` needs, in the order of the module docs:
    /// `invalid_input` (naming `url`) for a URL that does not parse, `insecure_url` for a
    /// scheme that gets no credentials or a URL with user info, `no_provider`, then the
    /// connection (`not_connected`, `connection_expired`, `invalid_input` naming
    /// `connections[i].…` for a secret that cannot go into a header).
    ///
    /// `method` is the request's method (`None`: [`DEFAULT_METHOD`]); every method resolves
    /// alike today.
    pub fn resolve<'m>(
        &self,
        _method: impl Into<Option<&'m str>>,
        url: &str,
        connections: &[Connection],
        now: i64,
    ) -> Result<Resolution> {
        let target = self.target(url)?;
        let provider = self.route(&target).ok_or_else(|| {
            let shown = match target.port {
                Some(p) => format!("{}:{p}", target.host),
                None => target.host.clone(),
            };
            Error::with_detail(
                ErrorCode::NoProvider,
                format!("No provider serves `{}`.", quote_input(&shown)),
            )
        })?;
        let (index, connection) = pick_connection(&provider.name, connections)?;
        let inject = |secret: &str| -> Result<Resolution> {
            let in_connection = |e: Error| e.in_field(&format!("connections[{index}]"));
            if secret.is_empty() || !is_header_safe(secret) {
                return Err(in_connection(Error::field(
                    ErrorCode::InvalidInput,
                    connection.secret_field(),
                    format!(
                        "The `{}/{}` connection's secret is empty or holds a byte a header cannot carry; connect again.",
                        provider.name,
                        quote_input(&connection.name)
                    ),
                )));
            }
            // Provider sets built by hand skip `Provider::validate`: check what goes out again.
            let value = fill(&provider.inject.format, secret);
            if !is_token(&provider.inject.header) || !is_header_safe(&value) {
                return Err(invalid("inject", "The header to inject is not a valid header."));
            }
            Ok(Resolution::Inject {
                provider: provider.name.clone(),
                connection: connection.name.clone(),
                header: provider.inject.header.clone(),
                value: Secret::new(value),
            })
        };
        let expired = || {
            Error::with_detail(
                ErrorCode::ConnectionExpired,
                format!("The `{}` connection has expired; connect again.", provider.name),
            )
        };
        match &connection.credential {
            ConnectionCredential::ApiKey { key } => {
                if connection.expires_at.is_some_and(|t| now >= t) {
                    return Err(expired());
                }
                inject(key.expose())
            }
            ConnectionCredential::Oauth { tokens } => match tokens.freshness(now, REFRESH_MARGIN) {
                Freshness::Fresh => inject(tokens.access_token.expose()),
                Freshness::RefreshDue | Freshness::Expired
                    if provider.token_endpoint.is_some() && tokens.can_refresh(now) =>
                {
                    Ok(Resolution::Refresh {
                        provider: provider.name.clone(),
                        connection: connection.name.clone(),
                        request: refresh_request(provider, tokens)?,
                    })
                }
                Freshness::RefreshDue => inject(tokens.access_token.expose()),
                Freshness::Expired | Freshness::RefreshExpired => Err(expired()),
            },
        }
    }

    /// The provider named `name`; `invalid_input` naming `provider` when there is none.
    pub fn provider(&self, name: &str) -> Result<&Provider> {
        self.providers.providers.get(name).ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidInput,
                "provider",
                format!("There is no provider named `{}`.", quote_input(name)),
            )
        })
    }

    /// The revocation requests for provider `provider`'s connections and the records to delete
    /// ([`crate::revocation::revocation_plan`]).
    pub fn revoke(
        &self,
        provider: &str,
        connections: &[Connection],
        client: Option<&crate::revocation::ClientAuth>,
    ) -> Result<crate::revocation::RevocationPlan> {
        crate::revocation::revocation_plan(self.provider(provider)?, connections, client)
    }

    /// The introspection request for `token` at provider `provider`
    /// ([`crate::revocation::introspection_request`]).
    pub fn introspect(
        &self,
        provider: &str,
        token: &str,
        token_type_hint: Option<&str>,
        client: Option<&crate::revocation::ClientAuth>,
    ) -> Result<HttpRequest> {
        crate::revocation::introspection_request(self.provider(provider)?, token, token_type_hint, client)
    }

    /// Applies a refresh response to its connection. The old refresh token is kept when the
    /// provider sends none (RFC 6749 §6); an `invalid_grant` means the user must reconnect
    /// (`connection_expired`). An empty token, or one holding a byte a header cannot carry
    /// (CR, LF, NUL, any control or non-ASCII byte), is `invalid_response` naming
    /// `access_token` or `refresh_token`.
    pub fn apply_refresh(&self, connection: &Connection, response: &HttpResponse, now: i64) -> Result<Connection> {
        let ConnectionCredential::Oauth { tokens: old } = &connection.credential else {
            return Err(Error::with_detail(
                ErrorCode::InvalidState,
                "Only OAuth connections refresh.",
            ));
        };
        let mut tokens = token_response(response, now, 3600).map_err(|e| match e.code() {
            ErrorCode::InvalidGrant => Error::with_detail(
                ErrorCode::ConnectionExpired,
                format!(
                    "The `{}` connection was revoked; connect again.",
                    quote_input(&connection.provider)
                ),
            ),
            _ => e,
        })?;
        let fresh = [
            ("access_token", Some(&tokens.access_token)),
            ("refresh_token", tokens.refresh_token.as_ref()),
        ];
        for (field, token) in fresh {
            if let Some(t) = token {
                if t.expose().is_empty() || !is_header_safe(t.expose()) {
                    return Err(Error::field(
                        ErrorCode::InvalidResponse,
                        field,
                        format!(
                            "The token endpoint sent an empty `{field}` or one holding a byte a header cannot carry."
                        ),
                    ));
                }
            }
        }
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = old.refresh_token.clone();
            tokens.refresh_expires_at = old.refresh_expires_at;
        }
        let mut next = connection.clone();
        next.credential = ConnectionCredential::Oauth { tokens };
        Ok(next)
    }
}

/// The format with its one `{token}` or `{key}` placeholder replaced by `secret` (a secret
/// holding `{key}` is not expanded again).
fn fill(format: &str, secret: &str) -> String {
    let at = [
        format.find("{token}").map(|i| (i, 7)),
        format.find("{key}").map(|i| (i, 5)),
    ]
    .into_iter()
    .flatten()
    .min();
    match at.and_then(|(i, n)| Some((format.get(..i)?, format.get(i + n..)?))) {
        Some((before, after)) => format!("{before}{secret}{after}"),
        None => format.to_owned(),
    }
}

fn refresh_request(provider: &Provider, tokens: &TokenSet) -> Result<HttpRequest> {
    let endpoint = provider
        .token_endpoint
        .clone()
        .ok_or_else(|| Error::new(ErrorCode::ConnectionExpired))?;
    let refresh = tokens
        .refresh_token
        .as_ref()
        .ok_or_else(|| Error::new(ErrorCode::ConnectionExpired))?;
    let mut pairs = vec![("grant_type", "refresh_token"), ("refresh_token", refresh.expose())];
    if let Some(c) = &provider.client_id {
        pairs.push(("client_id", c));
    }
    let mut request = HttpRequest::new("POST", endpoint);
    request.set_header("Accept", "application/json");
    request.set_header("Content-Type", "application/x-www-form-urlencoded");
    request.body = Some(form_encode(&pairs));
    Ok(request)
}

/// The default connection and its index: the one flagged default, else the one named
/// `default`, else the only one. Two or more flagged default is `ambiguous_default`: the broker
/// does not guess.
fn pick_connection<'a>(provider: &str, connections: &'a [Connection]) -> Result<(usize, &'a Connection)> {
    let mut mine: Vec<(usize, &Connection)> = connections
        .iter()
        .enumerate()
        .filter(|(_, c)| c.provider == provider)
        .collect();
    mine.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    let flagged: Vec<&(usize, &Connection)> = mine.iter().filter(|c| c.1.is_default).collect();
    if flagged.len() > 1 {
        return Err(Error::with_detail(
            ErrorCode::AmbiguousDefault,
            format!(
                "`{}` has {} connections flagged as its default; set the default again.",
                quote_input(provider),
                flagged.len()
            ),
        ));
    }
    let chosen = flagged
        .first()
        .copied()
        .or_else(|| mine.iter().find(|c| c.1.name == "default"))
        .or(if mine.len() == 1 { mine.first() } else { None });
    match chosen {
        Some(c) => Ok(*c),
        None if mine.is_empty() => Err(Error::with_detail(
            ErrorCode::NotConnected,
            format!("`{}` is not connected.", quote_input(provider)),
        )),
        None => Err(Error::with_detail(
            ErrorCode::NotConnected,
            format!(
                "`{}` has several connections and none is the default.",
                quote_input(provider)
            ),
        )),
    }
}

/// Makes `connection` the default of `provider`: the returned records are `connections` with
/// that one flagged `is_default` and every other connection of `provider` unflagged (other
/// providers' records unchanged, order kept). `not_connected` when `provider` has no
/// connection named `connection`.
pub fn set_default(connections: &[Connection], provider: &str, connection: &str) -> Result<Vec<Connection>> {
    if !connections
        .iter()
        .any(|c| c.provider == provider && c.name == connection)
    {
        return Err(Error::with_detail(
            ErrorCode::NotConnected,
            format!(
                "`{}` has no connection named `{}`.",
                quote_input(provider),
                quote_input(connection)
            ),
        ));
    }
    Ok(connections
        .iter()
        .map(|c| {
            let mut c = c.clone();
            if c.provider == provider {
                c.is_default = c.name == connection;
            }
            c
        })
        .collect())
}

/// Parses an outbound URL with the WHATWG parser; `invalid_input` naming `url` when it does
/// not parse or is longer than [`MAX_URL_BYTES`]. The URL is never quoted: it may hold a
/// secret in its query.
fn parse_url(url: &str) -> Result<Url> {
    if url.len() > MAX_URL_BYTES {
        return Err(Error::field(
            ErrorCode::InvalidInput,
            "url",
            format!("The URL is longer than {MAX_URL_BYTES} bytes."),
        ));
    }
    whatwg_parse(url).map_err(|e| {
        let detail = match e {
            // A Unicode host (also once percent-decoded), or an `xn--` label that is not valid
            // Punycode: hosts are read in their ASCII form only.
            url::ParseError::IdnaError => "The URL's host is not a valid ASCII host name: write an \
                                           internationalised host name in its `xn--` form."
                .to_owned(),
            e => format!("The URL is not an absolute URL ({e})."),
        };
        Error::field(ErrorCode::InvalidInput, "url", detail)
    })
}

/// `localhost`, `127.0.0.0/8` or `[::1]`, as the parser yields the host.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d == "localhost",
        Some(Host::Ipv4(a)) => a.is_loopback(),
        Some(Host::Ipv6(a)) => a.is_loopback(),
        None => false,
    }
}

/// The parser's host with one trailing dot removed (`api.example.com.` names the same DNS
/// host as `api.example.com`); `None` for an empty host.
fn decided_host(url: &Url) -> Option<String> {
    let host = url.host_str().filter(|h| !h.is_empty())?;
    let host = match url.host() {
        Some(Host::Domain(_)) => host.strip_suffix('.').filter(|h| !h.is_empty()).unwrap_or(host),
        _ => host,
    };
    Some(host.to_owned())
}

/// The host a URL is sent to, as the WHATWG URL parser (browsers, Node's `new URL()`, the
/// `url` crate) reads it — lower-case, IDNA as `xn--`, IPv4 in dotted form, IPv6 bracketed —
/// with one trailing dot removed, and without user info or port. `None` when the URL does not
/// parse, is longer than [`MAX_URL_BYTES`] or has no host.
pub fn host_of(url: &str) -> Option<String> {
    decided_host(&parse_url(url).ok()?)
}

fn host_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.len() > suffix.len() + 1
                && host.ends_with(suffix)
                && host.as_bytes().get(host.len() - suffix.len() - 1) == Some(&b'.')
        }
        None => pattern == host,
    }
}

/// A key file as the host found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyFile {
    /// Its path.
    pub path: String,
    /// Its Unix permission bits (e.g. `0o600` = 384).
    pub mode: u32,
    /// Why the host could not use it (unreadable, or the code `parse_master_key` refused it
    /// with), if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One component's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Component {
    /// `ok`, `degraded` or `unhealthy`.
    pub status: String,
    /// What was found.
    pub detail: String,
}

/// The readiness report, as a `/ready` probe answers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Readiness {
    /// `ok` (no warnings, no errors), `degraded` (warnings only) or `unhealthy` (any error).
    pub status: String,
    /// Per component (`providers`, `connections`, `schema_version`, `vault`), its own status
    /// by the same rule over its own warnings and errors.
    pub components: BTreeMap<String, Component>,
    /// Non-fatal observations that do not block readiness (a custom provider overriding a
    /// bundled one, a key file readable by others, …): human-readable strings.
    pub warnings: Vec<String>,
    /// Fatal problems: when any is present, `status` is `unhealthy`. Human-readable strings
    /// fit for a monitoring alert.
    pub errors: Vec<String>,
}

/// The schema version of stored broker records this version reads.
pub const STORE_SCHEMA_VERSION: u32 = 1;

/// The broker's readiness given its custom provider definitions, connections, key files (as
/// the host loaded them), the schema version its store records (`None`: no store yet) at
/// `now`. Components and what each reports:
///
/// * `providers`: a definition that does not load is an error (so is an empty set); a custom
///   provider overriding a bundled one, and a host pattern claimed by two providers, are
///   warnings.
/// * `connections`: two or more connections of one provider flagged as its default is an
///   error ([`Broker::resolve`] refuses them with `ambiguous_default`); a connection naming an
///   unknown provider, holding a malformed secret or expired, and a provider with several
///   connections and no default, are warnings.
/// * `schema_version`: a store written with a schema version other than
///   [`STORE_SCHEMA_VERSION`] is an error.
/// * `vault`: a key file readable or writable by group or others (e.g. mode 0644) is a warning.
///
/// Custom providers are loaded as [`ProviderSet::load`] does: plain-`http` endpoints are
/// errors. A host whose [`Broker`] allows loopback `http` asks with [`readiness_with`].
pub fn readiness(
    custom: &[Value],
    connections: &[Connection],
    key_files: &[KeyFile],
    schema_version: Option<u32>,
    now: i64,
) -> Readiness {
    readiness_with(custom, connections, key_files, schema_version, now, false)
}

/// [`readiness`] for a broker built with [`Broker::allow_loopback_http`]: custom providers
/// whose endpoints are plain `http` on a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`)
/// load when `allow_loopback_http` is set, as they do in that broker.
pub fn readiness_with(
    custom: &[Value],
    connections: &[Connection],
    key_files: &[KeyFile],
    schema_version: Option<u32>,
    now: i64,
    allow_loopback_http: bool,
) -> Readiness {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut components = BTreeMap::new();
    let level = |w: usize, e: usize| {
        if e > 0 {
            "unhealthy"
        } else if w > 0 {
            "degraded"
        } else {
            "ok"
        }
        .to_owned()
    };

    // Providers.
    let (w0, e0) = (warnings.len(), errors.len());
    let broker = match ProviderSet::load_with_options(ProviderSet::bundled(), custom, allow_loopback_http) {
        Ok(set) => {
            for o in &set.overrides {
                warnings.push(format!("Custom provider `{o}` overrides the bundled one."));
            }
            if set.providers.is_empty() {
                errors.push("No providers are defined.".to_owned());
            }
            let b = Broker::new(set);
            let routes = b.routing_table();
            for (i, r) in routes.iter().enumerate() {
                if let Some(other) = routes
                    .iter()
                    .skip(i + 1)
                    .find(|o| o.pattern == r.pattern && o.provider != r.provider)
                {
                    warnings.push(format!(
                        "`{}` is claimed by `{}` and `{}`; `{}` wins.",
                        r.pattern, r.provider, other.provider, r.provider
                    ));
                }
            }
            Some(b)
        }
        Err(e) => {
            errors.push(format!(
                "Provider definitions: {} ({}).",
                e.detail(),
                e.field_name().unwrap_or("?")
            ));
            None
        }
    };
    components.insert(
        "providers".to_owned(),
        Component {
            status: level(warnings.len() - w0, errors.len() - e0),
            detail: broker.as_ref().map_or("not loaded".to_owned(), |b| {
                format!("{} providers", b.providers().providers.len())
            }),
        },
    );

    // Connections.
    let (w0, e0) = (warnings.len(), errors.len());
    for c in connections {
        let known = broker
            .as_ref()
            .map_or(true, |b| b.providers().providers.contains_key(&c.provider));
        if !known {
            warnings.push(format!(
                "Connection `{}/{}` names an unknown provider.",
                quote_input(&c.provider),
                quote_input(&c.name)
            ));
            continue;
        }
        if c.check().is_err() {
            warnings.push(format!(
                "Connection `{}/{}` holds an empty or malformed secret; connect again.",
                quote_input(&c.provider),
                quote_input(&c.name)
            ));
        }
        let expired = match &c.credential {
            ConnectionCredential::ApiKey { .. } => c.expires_at.is_some_and(|t| now >= t),
            ConnectionCredential::Oauth { tokens } => tokens.freshness(now, 0) == Freshness::RefreshExpired,
        };
        if expired {
            warnings.push(format!(
                "Connection `{}/{}` has expired; connect again.",
                quote_input(&c.provider),
                quote_input(&c.name)
            ));
        }
    }
    let mut providers: Vec<&str> = connections.iter().map(|c| c.provider.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    for p in providers {
        match pick_connection(p, connections) {
            Err(e) if e.code() == ErrorCode::AmbiguousDefault => {
                let mut names: Vec<String> = connections
                    .iter()
                    .filter(|c| c.provider == p && c.is_default)
                    .map(|c| format!("`{}`", quote_input(&c.name)))
                    .collect();
                names.sort();
                errors.push(format!(
                    "`{}` has several default connections ({}); set one default.",
                    quote_input(p),
                    names.join(", ")
                ));
            }
            Err(_) => warnings.push(format!(
                "`{}` has several connections and none is the default.",
                quote_input(p)
            )),
            Ok(_) => {}
        }
    }
    components.insert(
        "connections".to_owned(),
        Component {
            status: level(warnings.len() - w0, errors.len() - e0),
            detail: format!("{} connections", connections.len()),
        },
    );

    // Schema version of the store.
    let e0 = errors.len();
    let detail = match schema_version {
        None => "no store".to_owned(),
        Some(v) if v == STORE_SCHEMA_VERSION => format!("version {v}"),
        Some(v) => {
            errors.push(format!(
                "The store has schema version {v}; this version reads version {STORE_SCHEMA_VERSION}."
            ));
            format!("version {v}, expected {STORE_SCHEMA_VERSION}")
        }
    };
    components.insert(
        "schema_version".to_owned(),
        Component {
            status: level(0, errors.len() - e0),
            detail,
        },
    );

    // The vault: its master key files (`master.key`, checked by `crate::vault`) and any
    // other key files the host keeps secrets in.
    let (w0, e0) = (warnings.len(), errors.len());
    if let Some(v) = crate::vault::readiness_component(key_files) {
        warnings.extend(v.warnings);
        errors.extend(v.errors);
    }
    for k in key_files.iter().filter(|k| !crate::vault::is_master_key_file(k)) {
        if k.mode & 0o077 != 0 {
            warnings.push(format!(
                "`{}` has mode {:04o}; expected 0600 or stricter.",
                quote_input(&k.path),
                k.mode & 0o7777
            ));
        }
    }
    components.insert(
        "vault".to_owned(),
        Component {
            status: level(warnings.len() - w0, errors.len() - e0),
            detail: format!("{} key files", key_files.len()),
        },
    );

    Readiness {
        status: level(warnings.len(), errors.len()),
        components,
        warnings,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_json_and_lists_every_field() {
        let schema: Value = serde_json::from_str(PROVIDER_SCHEMA).unwrap();
        let props = schema["properties"].as_object().unwrap();
        let example = serde_json::to_value(&ProviderSet::bundled()[1]).unwrap();
        for k in example.as_object().unwrap().keys() {
            assert!(props.contains_key(k), "{k} missing from the schema");
        }
        // 18 canonical members and 8 authsome ones.
        assert_eq!(props.len(), 26);
    }

    #[test]
    fn listing_and_show_never_reveal_a_secret_by_default() {
        let git = json!({"name": "git", "display_name": "Git", "auth_type": "oauth2",
            "authorization_endpoint": "https://git.example/a", "token_endpoint": "https://git.example/t",
            "client_id": "c", "client_secret": "s3cr3t", "hosts": ["git.example"]});
        let b = Broker::from_custom(&[git], false).unwrap();
        let listing = serde_json::to_string(&b.provider_listing()).unwrap();
        assert!(!listing.contains("s3cr3t"));
        let row = b.provider_listing().into_iter().find(|p| p.name == "git").unwrap();
        assert_eq!(
            (row.flow, row.source, row.has_client),
            (Flow::Pkce, ProviderOrigin::Custom, true)
        );
        assert_eq!(b.show_provider("git", false).unwrap()["client_secret"], REDACTED);
        assert_eq!(b.show_provider("git", true).unwrap()["client_secret"], "s3cr3t");
        assert_eq!(
            b.show_provider("nope", false).unwrap_err().field_name(),
            Some("provider")
        );
    }

    #[test]
    fn authsome_provider_files() {
        let anthropic = json!({
            "schema_version": 1, "name": "anthropic2", "display_name": "Anthropic", "auth_type": "api_key",
            "flow": "api_key", "api_url": "api.anthropic.com",
            "api_key": {"header_name": "x-api-key", "header_prefix": "", "env_var": "ANTHROPIC_API_KEY",
                        "key_pattern": "^sk-ant-", "key_pattern_hint": "starts with sk-ant-"},
            "export": {"ANTHROPIC_API_KEY": "API_TOKEN"}
        });
        let p = Provider::from_value(&anthropic).unwrap();
        assert_eq!(p.hosts, vec!["api.anthropic.com"]);
        assert_eq!(
            (p.inject.header.as_str(), p.inject.format.as_str()),
            ("x-api-key", "{key}")
        );
        let gitlab = json!({
            "schema_version": 1, "name": "gl", "display_name": "GitLab", "auth_type": "oauth2", "flow": "pkce",
            "api_url": ["gitlab.com"],
            "oauth": {"base_url": "https://gitlab.com", "authorization_url": "{base_url}/oauth/authorize",
                      "token_url": "{base_url}/oauth/token", "revocation_url": "https://gitlab.com/oauth/revoke",
                      "device_authorization_url": null, "scopes": ["api"], "pkce": true,
                      "supports_device_code": false, "supports_dcr": false}
        });
        let p = Provider::from_value(&gitlab).unwrap();
        assert_eq!(p.token_endpoint.as_deref(), Some("https://gitlab.com/oauth/token"));
        assert_eq!(
            p.revocation_endpoint.as_deref(),
            Some("https://gitlab.com/oauth/revoke")
        );
        assert_eq!(p.inject.format, "Bearer {token}");
        let field = |v: Value| Provider::from_value(&v).unwrap_err().field_name().map(str::to_owned);
        let mut both = gitlab.clone();
        both["hosts"] = json!(["gitlab.com"]);
        assert_eq!(field(both).as_deref(), Some("api_url"));
        let mut regex = gitlab.clone();
        regex["api_url"] = json!(["gitlab.com", "regex:.*"]);
        assert_eq!(field(regex).as_deref(), Some("api_url[1]"));
        let mut v2 = gitlab.clone();
        v2["schema_version"] = json!(2);
        assert_eq!(field(v2).as_deref(), Some("schema_version"));
        let mut flow = anthropic.clone();
        flow["flow"] = json!("pkce");
        assert_eq!(field(flow).as_deref(), Some("flow"));
    }

    #[test]
    fn default_connection() {
        let c = |name: &str, is_default: bool| Connection {
            provider: "openai".into(),
            name: name.into(),
            credential: ConnectionCredential::ApiKey { key: Secret::new("k") },
            expires_at: None,
            scopes: vec![],
            is_default,
            created_at: 0,
        };
        let two = [c("a", true), c("b", true)];
        assert_eq!(
            pick_connection("openai", &two).unwrap_err().code(),
            ErrorCode::AmbiguousDefault
        );
        let fixed = set_default(&two, "openai", "b").unwrap();
        assert_eq!(fixed.iter().map(|c| c.is_default).collect::<Vec<_>>(), [false, true]);
        assert_eq!(pick_connection("openai", &fixed).unwrap().1.name, "b");
        assert_eq!(
            set_default(&two, "openai", "z").unwrap_err().code(),
            ErrorCode::NotConnected
        );
        let r = readiness(&[], &two, &[], None, 0);
        assert_eq!(r.status, "unhealthy");
        assert_eq!(r.components["connections"].status, "unhealthy");
    }

    #[test]
    fn hosts_and_patterns() {
        assert_eq!(
            host_of("https://User@API.Example.com.:443/x?y").as_deref(),
            Some("api.example.com")
        );
        assert_eq!(host_of("http://[::1]:8080/").as_deref(), Some("[::1]"));
        assert_eq!(host_of("http://[0:0::1]/").as_deref(), Some("[::1]"));
        assert_eq!(host_of("http://2130706433/").as_deref(), Some("127.0.0.1"));
        assert_eq!(
            host_of("https://evil.example\\@api.example.com/").as_deref(),
            Some("evil.example")
        );
        assert_eq!(
            host_of("https:evil.example/?://api.example.com/").as_deref(),
            Some("evil.example")
        );
        assert_eq!(host_of("https://%65vil.example/").as_deref(), Some("evil.example"));
        assert_eq!(host_of("https://a.example../").as_deref(), Some("a.example."));
        assert_eq!(host_of("https://./").as_deref(), Some("."));
        assert_eq!(host_of("data:text/plain,x"), None);
        assert_eq!(host_of("/relative"), None);
        assert_eq!(
            host_of(&format!("https://a.example/{}", "a".repeat(MAX_URL_BYTES))),
            None
        );
        assert!(host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "badexample.com"));
        for ok in [
            "*.example.com",
            "localhost",
            "127.0.0.1",
            "[::1]",
            "[2001:db8::1]",
            "xn--bcher-kva.de",
            "a-b.c",
        ] {
            assert!(valid_host_pattern(ok), "{ok}");
        }
        for bad in [
            "*.com",
            "api.*.com",
            "API.example.com",
            "bücher.de",
            "api.example.com.",
            "a.example:443",
            "*.0.0.1",
            "*.1.2.3.4",
            "1.2.3",
            "0x7f.0.0.1",
            "example.123",
            "[0::1]",
            "[::1",
            "::1",
            "*.[::1]",
            "xn--a.com",
            "a_b.example",
            "",
            "*.",
        ] {
            assert!(!valid_host_pattern(bad), "{bad}");
        }
        assert_eq!(ProviderSet::bundled().len(), 4);
        for p in ProviderSet::bundled() {
            p.validate().unwrap();
        }
    }

    #[test]
    fn endpoints_headers_and_formats() {
        let ok = |u: &str| endpoint("token_endpoint", Some(&u.to_owned()), false).is_ok();
        let loopback = |u: &str| endpoint("token_endpoint", Some(&u.to_owned()), true).is_ok();
        for u in [
            "http://127.0.0.1:9000/token",
            "http://localhost/token",
            "http://[::1]:8/t",
        ] {
            assert!(!ok(u) && loopback(u), "{u}");
        }
        for u in [
            "http://auth.example.com/token",
            "http://10.0.0.1/token",
            "http://u:p@127.0.0.1/t",
        ] {
            assert!(!loopback(u), "{u}");
        }
        assert!(ok("https://auth.example.com/token"));
        assert!(ok("https://auth.example.com/token?tenant=t1"));
        assert!(ok("https://auth.example.com:8443/token"));
        for bad in [
            "http://auth.example.com/token",
            "https://auth.example.com",
            "HTTPS://auth.example.com/token",
            "https://Auth.example.com/token",
            "https://auth.example.com:443/token",
            "https://u:p@auth.example.com/token",
            "https://auth.example.com/token#x",
            "https://evil.example\\@auth.example.com/token",
            "https://auth.example.com/to ken",
            "https://",
            "ftp://auth.example.com/",
        ] {
            assert!(!ok(bad), "{bad}");
        }
        assert!(endpoint("token_endpoint", None, false).is_err());
        assert!(is_token("X-Api-Key") && is_token("x_api.key!") && is_token("a"));
        assert!(!is_token("") && !is_token("X Api") && !is_token("X:Api") && !is_token("X\r\n") && !is_token("É"));
        assert_eq!(fill("Bearer {token}", "a{key}b"), "Bearer a{key}b");
        assert_eq!(fill("{key}", "k"), "k");
        assert_eq!(fill("k={key};", "{token}"), "k={token};");
    }

    #[test]
    fn env_names() {
        let c = |provider: &str, name: &str| Connection {
            provider: provider.into(),
            name: name.into(),
            credential: ConnectionCredential::ApiKey { key: Secret::new("k") },
            expires_at: None,
            scopes: vec![],
            is_default: false,
            created_at: 0,
        };
        assert_eq!(c("openai", "default").env_name(), "OPENAI_API_KEY");
        assert_eq!(c("1password", "default").env_name(), "_1PASSWORD_API_KEY");
        assert_eq!(c("", "default").env_name(), "_API_KEY");
        assert_eq!(c("a-b", "wörk $(x)").env_name(), "A_B_W_RK___X__API_KEY");
        for (p, n) in [("1", "2"), ("é", "default"), ("a\nb", "c\0"), ("", "")] {
            let name = c(p, n).env_name();
            let mut bytes = name.bytes();
            assert!(
                bytes.next().is_some_and(|b| b == b'_' || b.is_ascii_uppercase()),
                "{name}"
            );
            assert!(
                bytes.all(|b| b == b'_' || b.is_ascii_uppercase() || b.is_ascii_digit()),
                "{name}"
            );
        }
    }
}
