//! The credential broker: providers, connections, and host-to-credential resolution for an
//! outbound proxy that never holds keys itself.
//!
//! * [`Provider`]: a JSON definition (name, display name, auth type `api_key` | `oauth2` |
//!   `device_code`, endpoints, scopes, the hosts its API lives on — `api.example.com` or
//!   `*.example.com` — and the header to inject, e.g. `Authorization: Bearer {token}` or
//!   `X-Api-Key: {key}`). [`ProviderSet::load`] starts from the bundled providers and lets
//!   custom ones override them by name; overrides are reported.
//! * [`Connection`]: one credential per (provider, connection name): an API key or OAuth
//!   tokens, with expiry, scopes and a default flag. [`Connection::redacted`] is the listing
//!   form; [`export_env`] and [`export_json`] reveal secrets, on purpose.
//! * [`Broker::resolve`]: for an outbound (method, URL), the most specific host pattern wins —
//!   an exact host over any wildcard, a longer wildcard suffix over a shorter one, and between
//!   two providers claiming the same pattern, the provider whose name sorts first (reported by
//!   [`readiness`]). A wildcard `*.example.com` matches any depth of subdomain but not
//!   `example.com` itself. The answer is the header to inject, a refresh request to make first
//!   (OAuth tokens within 5 minutes of expiry, as in [`crate::tokens`]), or `no_provider`,
//!   `not_connected`, `connection_expired`.
//! * [`readiness`]: `ok` / `degraded` / `unhealthy` with per-component status, warnings and
//!   errors.
//!
//! ```
//! use authcore::broker::{Broker, Connection, Credential, ProviderSet, Resolution};
//! use authcore::tokens::Secret;
//!
//! let broker = Broker::new(ProviderSet::load(&[])?); // the bundled providers
//! let openai = Connection {
//!     provider: "openai".into(),
//!     name: "default".into(),
//!     credential: Credential::ApiKey { key: Secret::new("sk-test") },
//!     expires_at: None,
//!     scopes: vec![],
//!     is_default: true,
//!     created_at: 0,
//! };
//! match broker.resolve("POST", "https://api.openai.com/v1/responses", &[openai], 1_700_000_000)? {
//!     Resolution::Inject { header, value, .. } => assert_eq!((header.as_str(), value.expose()), ("Authorization", "Bearer sk-test")),
//!     Resolution::Refresh { .. } => unreachable!("API keys never refresh"),
//! }
//! # Ok::<(), authcore::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::http::{form_encode, HttpRequest, HttpResponse};
use crate::oauth::token_response;
use crate::tokens::{Freshness, Secret, TokenSet};

/// How a provider authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[serde(deny_unknown_fields)]
pub struct Injection {
    /// Header name, e.g. `Authorization`.
    pub header: String,
    /// Value format with one `{token}` or `{key}` placeholder, e.g. `Bearer {token}`.
    pub format: String,
}

/// A provider definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Identifier: 1 to 64 of `a-z 0-9 _ -`.
    pub name: String,
    /// Human name.
    pub display_name: String,
    /// How it authenticates.
    pub auth_type: AuthType,
    /// OAuth authorization endpoint (`oauth2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// OAuth token endpoint (`oauth2`, `device_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// Device authorization endpoint (`device_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    /// OAuth client id used for refreshes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
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

fn https(field: &str, v: Option<&String>) -> Result<()> {
    match v {
        Some(u) if u.starts_with("https://") && u.len() > 8 => Ok(()),
        Some(_) => Err(invalid(field, format!("`{field}` must be an https URL."))),
        None => Err(invalid(field, format!("`{field}` is required for this auth type."))),
    }
}

/// Whether `h` is a lower-case DNS name (`api.example.com`) or a wildcard (`*.example.com`).
fn valid_host_pattern(h: &str) -> bool {
    let name = h.strip_prefix("*.").unwrap_or(h);
    let labels: Vec<&str> = name.split('.').collect();
    !name.is_empty()
        && name.len() <= 253
        && (h.starts_with("*.") <= (labels.len() >= 2))
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

impl Provider {
    /// Parses and validates a definition; errors are `invalid_provider` naming the field.
    pub fn from_value(value: &Value) -> Result<Self> {
        let obj = value
            .as_object()
            .ok_or_else(|| invalid("provider", "A provider definition must be a JSON object."))?;
        // Check shapes member by member first, so every error names its field.
        for (k, v) in obj {
            let ok = match k.as_str() {
                "name" | "display_name" => v.is_string(),
                "authorization_endpoint" | "token_endpoint" | "device_authorization_endpoint" | "client_id" => {
                    v.is_string() || v.is_null()
                }
                "auth_type" => matches!(v.as_str(), Some("api_key" | "oauth2" | "device_code")),
                "scopes" | "hosts" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
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
                    "scopes" | "hosts" => "a list of strings",
                    "inject" => "an object with `header` and `format` strings",
                    _ => "a string",
                };
                return Err(invalid(k.clone(), format!("`{k}` must be {expected}.")));
            }
        }
        for required in ["name", "display_name", "auth_type", "hosts", "inject"] {
            if !obj.contains_key(required) {
                return Err(invalid(required, format!("`{required}` is required.")));
            }
        }
        let provider: Provider = crate::json::decode(value.clone()).map_err(|shape| {
            if shape.path.is_empty() {
                invalid("provider", format!("Invalid provider definition: {}.", shape.detail))
            } else {
                invalid(
                    shape.path.clone(),
                    format!("Invalid provider definition at `{}`: {}.", shape.path, shape.detail),
                )
            }
        })?;
        provider.validate()?;
        Ok(provider)
    }

    /// Checks the definition.
    pub fn validate(&self) -> Result<()> {
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
        match self.auth_type {
            AuthType::ApiKey => {}
            AuthType::Oauth2 => {
                https("authorization_endpoint", self.authorization_endpoint.as_ref())?;
                https("token_endpoint", self.token_endpoint.as_ref())?;
            }
            AuthType::DeviceCode => {
                https(
                    "device_authorization_endpoint",
                    self.device_authorization_endpoint.as_ref(),
                )?;
                https("token_endpoint", self.token_endpoint.as_ref())?;
            }
        }
        if self.hosts.is_empty() {
            return Err(invalid("hosts", "A provider needs at least one host."));
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if !valid_host_pattern(h) {
                return Err(invalid(
                    format!("hosts[{i}]"),
                    format!(
                        "`{}` is not a lower-case host name or `*.` wildcard.",
                        crate::json::truncate(h)
                    ),
                ));
            }
        }
        let header = &self.inject.header;
        if header.is_empty() || !header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(invalid("inject.header", "The header must be a header name."));
        }
        let f = &self.inject.format;
        let placeholders = f.matches("{token}").count() + f.matches("{key}").count();
        if placeholders != 1 || f.contains(['\r', '\n']) {
            return Err(invalid(
                "inject.format",
                "The format must hold exactly one `{token}` or `{key}` and no line breaks.",
            ));
        }
        Ok(())
    }
}

/// Where a provider came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderSource {
    /// Shipped with authcore.
    Bundled,
    /// Defined by the user.
    Custom,
}

/// The loaded providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSet {
    /// Providers by name.
    pub providers: BTreeMap<String, Provider>,
    /// Where each came from.
    pub sources: BTreeMap<String, ProviderSource>,
    /// Custom providers that replaced bundled ones.
    pub overrides: Vec<String>,
}

impl ProviderSet {
    /// The bundled providers.
    pub fn bundled() -> Vec<Provider> {
        serde_json::from_str(BUNDLED).unwrap_or_default()
    }

    /// Bundled providers overridden by `custom` definitions (JSON values). An invalid custom
    /// definition fails the load with `invalid_provider` naming `custom[i].field`.
    pub fn load(custom: &[Value]) -> Result<Self> {
        Self::load_with(Self::bundled(), custom)
    }

    /// As [`ProviderSet::load`] with given "bundled" providers.
    pub fn load_with(bundled: Vec<Provider>, custom: &[Value]) -> Result<Self> {
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
            let p = Provider::from_value(v).map_err(|e| e.in_field(&format!("custom[{i}]")))?;
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

/// A stored credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Credential {
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
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// The provider's name.
    pub provider: String,
    /// The connection's name (default `default`).
    #[serde(default = "default_name")]
    pub name: String,
    /// The credential.
    pub credential: Credential,
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
            Credential::ApiKey { .. } => ("api_key", self.expires_at),
            Credential::Oauth { tokens } => ("oauth", Some(tokens.expires_at)),
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
            Credential::ApiKey { key } => key.expose(),
            Credential::Oauth { tokens } => tokens.access_token.expose(),
        }
    }

    /// The environment-variable name: `PROVIDER_API_KEY` or `PROVIDER_ACCESS_TOKEN`, with
    /// `_NAME` inserted after the provider for connections not named `default`.
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
            Credential::ApiKey { .. } => "API_KEY",
            Credential::Oauth { .. } => "ACCESS_TOKEN",
        };
        if self.name == "default" {
            format!("{}_{suffix}", up(&self.provider))
        } else {
            format!("{}_{}_{suffix}", up(&self.provider), up(&self.name))
        }
    }
}

/// `KEY=value` lines (sorted by key), values double-quoted with `\"`, `\\`, `\n` escapes when
/// they hold anything outside `A-Z a-z 0-9 . _ ~ + / = -`. Reveals secrets.
pub fn export_env(connections: &[Connection]) -> String {
    let mut lines: Vec<String> = connections
        .iter()
        .map(|c| {
            let v = c.secret();
            let plain = v.bytes().all(|b| b.is_ascii_alphanumeric() || b"._~+/=-".contains(&b));
            if plain {
                format!("{}={v}", c.env_name())
            } else {
                let escaped = v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
                format!("{}=\"{escaped}\"", c.env_name())
            }
        })
        .collect();
    lines.sort();
    let mut out = lines.join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The connections as JSON, secrets included. Reveals secrets.
pub fn export_json(connections: &[Connection]) -> Value {
    json!(connections)
}

/// One line of the routing table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[serde(tag = "action", rename_all = "snake_case")]
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
}

/// Refresh this many seconds before an OAuth token expires.
pub const REFRESH_MARGIN: i64 = 300;

impl Broker {
    /// A broker over loaded providers.
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
        Self { providers, routes }
    }

    /// The providers.
    pub fn providers(&self) -> &ProviderSet {
        &self.providers
    }

    /// The routing table, in precedence order (the first matching line wins).
    pub fn routing_table(&self) -> &[Route] {
        &self.routes
    }

    /// The provider serving `url`'s host, if any.
    pub fn provider_for(&self, url: &str) -> Option<&Provider> {
        let host = host_of(url)?;
        let route = self.routes.iter().find(|r| host_matches(&r.pattern, &host))?;
        self.providers.providers.get(&route.provider)
    }

    /// Decides what an outbound request to `url` needs.
    pub fn resolve(&self, _method: &str, url: &str, connections: &[Connection], now: i64) -> Result<Resolution> {
        let host = host_of(url).ok_or_else(|| Error::field(ErrorCode::InvalidInput, "url", "The URL has no host."))?;
        let provider = self.provider_for(url).ok_or_else(|| {
            Error::with_detail(
                ErrorCode::NoProvider,
                format!("No provider serves `{}`.", crate::json::truncate(&host)),
            )
        })?;
        let connection = pick_connection(&provider.name, connections)?;
        let inject = |secret: &str| Resolution::Inject {
            provider: provider.name.clone(),
            connection: connection.name.clone(),
            header: provider.inject.header.clone(),
            value: Secret::new(
                provider
                    .inject
                    .format
                    .replace("{token}", secret)
                    .replace("{key}", secret),
            ),
        };
        let expired = || {
            Error::with_detail(
                ErrorCode::ConnectionExpired,
                format!("The `{}` connection has expired; connect again.", provider.name),
            )
        };
        match &connection.credential {
            Credential::ApiKey { key } => {
                if connection.expires_at.is_some_and(|t| now >= t) {
                    return Err(expired());
                }
                Ok(inject(key.expose()))
            }
            Credential::Oauth { tokens } => match tokens.freshness(now, REFRESH_MARGIN) {
                Freshness::Fresh => Ok(inject(tokens.access_token.expose())),
                Freshness::RefreshDue | Freshness::Expired
                    if provider.token_endpoint.is_some() && tokens.can_refresh(now) =>
                {
                    Ok(Resolution::Refresh {
                        provider: provider.name.clone(),
                        connection: connection.name.clone(),
                        request: refresh_request(provider, tokens)?,
                    })
                }
                Freshness::RefreshDue => Ok(inject(tokens.access_token.expose())),
                Freshness::Expired | Freshness::RefreshExpired => Err(expired()),
            },
        }
    }

    /// Applies a refresh response to its connection. The old refresh token is kept when the
    /// provider sends none (RFC 6749 §6); an `invalid_grant` means the user must reconnect
    /// (`connection_expired`).
    pub fn apply_refresh(&self, connection: &Connection, response: &HttpResponse, now: i64) -> Result<Connection> {
        let Credential::Oauth { tokens: old } = &connection.credential else {
            return Err(Error::with_detail(
                ErrorCode::InvalidState,
                "Only OAuth connections refresh.",
            ));
        };
        let mut tokens = token_response(response, now, 3600).map_err(|e| match e.code() {
            ErrorCode::InvalidGrant => Error::with_detail(
                ErrorCode::ConnectionExpired,
                format!("The `{}` connection was revoked; connect again.", connection.provider),
            ),
            _ => e,
        })?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = old.refresh_token.clone();
            tokens.refresh_expires_at = old.refresh_expires_at;
        }
        let mut next = connection.clone();
        next.credential = Credential::Oauth { tokens };
        Ok(next)
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

/// The default connection: the one flagged default, else the one named `default`, else the
/// only one.
fn pick_connection<'a>(provider: &str, connections: &'a [Connection]) -> Result<&'a Connection> {
    let mut mine: Vec<&Connection> = connections.iter().filter(|c| c.provider == provider).collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    let chosen = mine
        .iter()
        .find(|c| c.is_default)
        .or_else(|| mine.iter().find(|c| c.name == "default"))
        .or(if mine.len() == 1 { mine.first() } else { None });
    match chosen {
        Some(c) => Ok(c),
        None if mine.is_empty() => Err(Error::with_detail(
            ErrorCode::NotConnected,
            format!("`{provider}` is not connected."),
        )),
        None => Err(Error::with_detail(
            ErrorCode::NotConnected,
            format!("`{provider}` has several connections and none is the default."),
        )),
    }
}

/// The lower-case host of an absolute URL, without user info, port or trailing dot.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next()?
    } else {
        host_port.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
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
pub struct KeyFile {
    /// Its path.
    pub path: String,
    /// Its Unix permission bits (e.g. `0o600` = 384).
    pub mode: u32,
}

/// One component's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// `ok`, `degraded` or `unhealthy`.
    pub status: String,
    /// What was found.
    pub detail: String,
}

/// The readiness report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// `ok` (no warnings or errors), `degraded` (warnings) or `unhealthy` (errors).
    pub status: String,
    /// Per component: `providers`, `connections`, `key_files`.
    pub components: BTreeMap<String, Component>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Errors.
    pub errors: Vec<String>,
}

/// The broker's readiness given its custom provider definitions, connections and key files
/// (as the host loaded them) at `now`.
pub fn readiness(custom: &[Value], connections: &[Connection], key_files: &[KeyFile], now: i64) -> Readiness {
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
    let broker = match ProviderSet::load(custom) {
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
                c.provider, c.name
            ));
            continue;
        }
        let expired = match &c.credential {
            Credential::ApiKey { .. } => c.expires_at.is_some_and(|t| now >= t),
            Credential::Oauth { tokens } => tokens.freshness(now, 0) == Freshness::RefreshExpired,
        };
        if expired {
            warnings.push(format!(
                "Connection `{}/{}` has expired; connect again.",
                c.provider, c.name
            ));
        }
    }
    let mut providers: Vec<&str> = connections.iter().map(|c| c.provider.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    for p in providers {
        if pick_connection(p, connections).is_err() {
            warnings.push(format!("`{p}` has several connections and none is the default."));
        }
    }
    components.insert(
        "connections".to_owned(),
        Component {
            status: level(warnings.len() - w0, errors.len() - e0),
            detail: format!("{} connections", connections.len()),
        },
    );

    // Key files.
    let w0 = warnings.len();
    for k in key_files {
        if k.mode & 0o077 != 0 {
            warnings.push(format!(
                "`{}` has mode {:04o}; expected 0600 or stricter.",
                k.path,
                k.mode & 0o7777
            ));
        }
    }
    components.insert(
        "key_files".to_owned(),
        Component {
            status: level(warnings.len() - w0, 0),
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
        assert_eq!(props.len(), 10);
    }

    #[test]
    fn hosts_and_patterns() {
        assert_eq!(
            host_of("https://User@API.Example.com.:443/x?y").as_deref(),
            Some("api.example.com")
        );
        assert_eq!(host_of("http://[::1]:8080/").as_deref(), Some("[::1]"));
        assert_eq!(host_of("/relative"), None);
        assert!(host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "badexample.com"));
        assert!(valid_host_pattern("*.example.com"));
        assert!(!valid_host_pattern("*.com"));
        assert!(!valid_host_pattern("api.*.com"));
        assert!(!valid_host_pattern("API.example.com"));
        assert_eq!(ProviderSet::bundled().len(), 4);
        for p in ProviderSet::bundled() {
            p.validate().unwrap();
        }
    }
}
