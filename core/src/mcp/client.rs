//! The MCP authorization client machine ([`McpAuth`]); see the [module docs](crate::mcp).

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::challenge::ResourceChallenge;
use crate::discovery::ProviderMetadata;
use crate::entropy::{random_bytes, Entropy, FixedEntropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{form_decode, form_encode, HttpRequest, HttpResponse};
use crate::json::{parse_object, SNAPSHOT_VERSION};
use crate::oauth::{AuthCodeClient, AuthCodeConfig, PendingAuthorization};
use crate::registration::{registration_request, registration_response, ClientMetadata};
use crate::secret::Secret;
use crate::tokens::{TokenSet, TransmitId};
use crate::util::hex;

use super::discovery::{
    as_metadata_urls, canonical_resource, choose_scopes, prm_urls, resource_matches, split_scope, union_scopes,
    ProtectedResourceMetadata,
};

/// Client authentication at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenEndpointAuthMethod {
    /// A public client: `client_id` in the body.
    None,
    /// HTTP Basic with the form-encoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the body.
    ClientSecretPost,
    /// RFC 7523 client assertion. Not supported by this machine yet: a client that needs it
    /// is refused with `invalid_config` naming `token_endpoint_auth_method`.
    PrivateKeyJwt,
}

/// How a client came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientSource {
    /// From the configuration ([`McpAuthConfig::client`]) or the host ([`McpAuth::provide_client`]).
    PreRegistered,
    /// A Client ID Metadata Document: the `client_id` is the document's https URL.
    MetadataDocument,
    /// RFC 7591 dynamic registration.
    Dynamic,
}

/// An OAuth client of one authorization server. `Debug` never shows the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct McpClient {
    /// The client id.
    pub client_id: String,
    /// The client secret, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// When the secret expires (Unix seconds); `0` = never.
    #[serde(default)]
    pub client_secret_expires_at: i64,
    /// The registered token endpoint authentication, if known (else chosen from the
    /// server's `token_endpoint_auth_methods_supported`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<TokenEndpointAuthMethod>,
    /// How the client came to be (default `pre_registered`).
    #[serde(default = "pre_registered")]
    pub source: ClientSource,
}

fn pre_registered() -> ClientSource {
    ClientSource::PreRegistered
}

/// A pre-registered client in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PreRegisteredClient {
    /// The client id.
    pub client_id: String,
    /// The client secret, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// How to authenticate (default: chosen from the server's metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<TokenEndpointAuthMethod>,
    /// The issuer this client belongs to; absent: any issuer the resource names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

/// What clients and tokens are keyed by: the protected resource and the authorization server.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CredentialKey {
    /// The resource identifier (the metadata's `resource`, or the server's canonical URI).
    pub resource: String,
    /// The authorization server's issuer.
    pub issuer: String,
}

/// Settings of [`McpAuth`] (JSON: unknown members refused; defaults below).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
#[serde(default, deny_unknown_fields)]
pub struct McpAuthConfig {
    /// The MCP endpoint, e.g. `https://mcp.example.com/mcp` (required).
    pub server_url: String,
    /// Where the authorization server sends the browser back (required), e.g.
    /// `http://127.0.0.1:3000/callback`.
    pub redirect_uri: String,
    /// The `client_name` sent when registering (default `authcore`).
    pub client_name: String,
    /// A pre-registered client (used before anything else).
    pub client: Option<PreRegisteredClient>,
    /// The https URL of this client's Client ID Metadata Document, used as `client_id` when
    /// the server advertises `client_id_metadata_document_supported` (build the document with
    /// [`client_metadata_document`]).
    pub client_metadata_url: Option<String>,
    /// Add `offline_access` when the authorization server lists it in `scopes_supported`
    /// (default true).
    pub request_offline_access: bool,
    /// Proceed with S256 when the server's metadata does not list `S256` in
    /// `code_challenge_methods_supported` (default false: such a server is refused). For known
    /// servers that support S256 without advertising it.
    pub allow_unadvertised_pkce: bool,
    /// The 2025-03-26 fallbacks when no resource metadata exists: metadata at the MCP server's
    /// origin, then `/authorize`, `/token`, `/register` there (default true).
    pub legacy_fallbacks: bool,
    /// Authorizations (and refreshes) allowed between two [`McpAuth::handle_success`] calls
    /// (default 3, 1 to 10): the step-up retry cap.
    pub max_authorizations: u32,
    /// Lifetime of a pending authorization, seconds (default 600).
    pub state_ttl: i64,
}

impl Default for McpAuthConfig {
    fn default() -> Self {
        Self {
            server_url: String::new(),
            redirect_uri: String::new(),
            client_name: "authcore".into(),
            client: None,
            client_metadata_url: None,
            request_offline_access: true,
            allow_unadvertised_pkce: false,
            legacy_fallbacks: true,
            max_authorizations: 3,
            state_ttl: 600,
        }
    }
}

impl McpAuthConfig {
    /// Checks the settings: `invalid_config` naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        canonical_resource(&self.server_url).map_err(|_| {
            Error::field(
                ErrorCode::InvalidConfig,
                "server_url",
                "`server_url` must be an https URL (or http to loopback).",
            )
        })?;
        if self.redirect_uri.is_empty() {
            return bad("redirect_uri", "`redirect_uri` is required.");
        }
        if self.client_name.trim().is_empty() {
            return bad("client_name", "`client_name` must not be empty.");
        }
        if let Some(c) = &self.client {
            if c.client_id.is_empty() {
                return bad("client", "The pre-registered client needs a `client_id`.");
            }
            if c.token_endpoint_auth_method == Some(TokenEndpointAuthMethod::PrivateKeyJwt) {
                return bad(
                    "token_endpoint_auth_method",
                    "`private_key_jwt` is not supported by this client yet.",
                );
            }
        }
        if let Some(url) = &self.client_metadata_url {
            let ok = crate::http::parse_url(url)
                .map(|u| u.scheme() == "https" && u.path() != "/" && u.fragment().is_none())
                .unwrap_or(false);
            if !ok {
                return bad(
                    "client_metadata_url",
                    "The client metadata URL must be an https URL with a path.",
                );
            }
        }
        if !(1..=10).contains(&self.max_authorizations) {
            return bad("max_authorizations", "`max_authorizations` must be 1 to 10.");
        }
        if !(30..=86_400).contains(&self.state_ttl) {
            return bad("state_ttl", "`state_ttl` must be 30 to 86400 seconds.");
        }
        // The redirect URI rules of the authorization-code client.
        AuthCodeConfig {
            authorization_endpoint: "https://as.invalid/authorize".into(),
            token_endpoint: "https://as.invalid/token".into(),
            client_id: "c".into(),
            redirect_uri: self.redirect_uri.clone(),
            ..AuthCodeConfig::default()
        }
        .validate()?;
        Ok(())
    }
}

/// The Client ID Metadata Document a client hosts at `client_id` (an https URL):
/// `client_id`, `client_name`, `redirect_uris`, `grant_types` (`authorization_code`,
/// `refresh_token`), `response_types` (`code`), `token_endpoint_auth_method` `none`.
/// `invalid_config` naming the field for a URL that is not https with a path.
///
/// ```
/// use authcore::mcp::client_metadata_document;
///
/// let doc = client_metadata_document(
///     "https://app.example.com/oauth/client.json",
///     "Example Agent",
///     &["http://127.0.0.1:3000/callback".to_owned()],
/// )?;
/// assert_eq!(doc["client_id"], "https://app.example.com/oauth/client.json");
/// assert_eq!(doc["token_endpoint_auth_method"], "none");
/// assert!(client_metadata_document("http://app.example.com/c.json", "x", &[]).is_err());
/// # Ok::<(), authcore::Error>(())
/// ```
pub fn client_metadata_document(client_id: &str, client_name: &str, redirect_uris: &[String]) -> Result<Value> {
    let cfg = McpAuthConfig {
        server_url: "https://mcp.invalid/".into(),
        redirect_uri: redirect_uris.first().cloned().unwrap_or_default(),
        client_name: client_name.to_owned(),
        client_metadata_url: Some(client_id.to_owned()),
        ..McpAuthConfig::default()
    };
    cfg.validate()?;
    Ok(serde_json::json!({
        "client_id": client_id,
        "client_name": client_name,
        "redirect_uris": redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }))
}

/// Checks a Client ID Metadata Document fetched from `client_id` (what an authorization
/// server does before trusting it, and what a client can run on the document it publishes):
/// a JSON object whose `client_id` equals the URL exactly, with a non-empty `client_name` and
/// a non-empty `redirect_uris` list of strings, and no shared-secret authentication
/// (`token_endpoint_auth_method` `client_secret_*` is refused: nothing can keep a secret in a
/// public document). The URL is an https URL with a path. Errors: `invalid_input` naming the
/// member (`client_id` for the URL).
///
/// ```
/// use authcore::mcp::{client_metadata_document, validate_client_metadata_document};
///
/// let url = "https://app.example.com/oauth/client.json";
/// let doc = client_metadata_document(url, "Example Agent", &["http://127.0.0.1:3000/callback".to_owned()])?;
/// validate_client_metadata_document(url, &doc)?;
/// assert!(validate_client_metadata_document("https://evil.example.com/client.json", &doc).is_err());
/// # Ok::<(), authcore::Error>(())
/// ```
pub fn validate_client_metadata_document(client_id: &str, doc: &Value) -> Result<()> {
    let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidInput, f, d));
    let url_ok = crate::http::parse_url(client_id)
        .map(|u| u.scheme() == "https" && u.path() != "/" && u.fragment().is_none())
        .unwrap_or(false);
    if !url_ok {
        return bad("client_id", "The client id must be an https URL with a path.");
    }
    let Some(obj) = doc.as_object() else {
        return bad("document", "The client metadata document is not a JSON object.");
    };
    if obj.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return bad(
            "client_id",
            "The document's `client_id` is not the URL it was fetched from.",
        );
    }
    match obj.get("client_name").and_then(Value::as_str) {
        Some(n) if !n.trim().is_empty() => {}
        _ => return bad("client_name", "The document needs a `client_name`."),
    }
    match obj.get("redirect_uris").and_then(Value::as_array) {
        Some(list) if !list.is_empty() && list.iter().all(Value::is_string) => {}
        _ => return bad("redirect_uris", "The document needs a non-empty `redirect_uris` list."),
    }
    if let Some(m) = obj.get("token_endpoint_auth_method").and_then(Value::as_str) {
        if m.starts_with("client_secret") {
            return bad(
                "token_endpoint_auth_method",
                "A metadata document client cannot use a shared secret.",
            );
        }
    }
    Ok(())
}

/// What the machine wants the host to do (JSON: tagged by `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum McpAction {
    /// Send this request; report with [`McpAuth::handle_response`] or
    /// [`McpAuth::handle_network_error`].
    Send {
        /// Exchange id.
        transmit: TransmitId,
        /// The request.
        request: HttpRequest,
    },
    /// Open this authorization URL in the person's browser; the redirect comes back to
    /// [`McpAuth::handle_callback`].
    Authorize {
        /// The URL.
        url: String,
    },
    /// No client can be had for this authorization server (no pre-registered client, no
    /// metadata document support, no registration endpoint): ask the person for one and call
    /// [`McpAuth::provide_client`].
    NeedsClient {
        /// The resource and issuer it is for.
        key: CredentialKey,
    },
    /// Store this client for `key` (a secret: store it as such); give it back with
    /// [`McpAuth::add_client`] in later runs.
    SaveClient {
        /// The resource and issuer.
        key: CredentialKey,
        /// The client.
        client: McpClient,
    },
    /// Store these tokens for `key`; give them back with [`McpAuth::add_tokens`] later.
    SaveTokens {
        /// The resource and issuer.
        key: CredentialKey,
        /// The tokens.
        tokens: TokenSet,
    },
    /// Authorized: retry the MCP request (with [`McpAuth::authorize_request`]'s headers).
    Authorized {
        /// The resource and issuer.
        key: CredentialKey,
    },
    /// The attempt failed.
    Failed {
        /// Why.
        error: Error,
    },
}

/// Where the machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum McpState {
    /// Nothing under way (no tokens yet, or an attempt not started).
    Idle,
    /// A discovery, registration or token request is out.
    Pending,
    /// Waiting for the person: the browser, or a client to be provided.
    WaitingForUser,
    /// A request was lost (restored from a snapshot): [`McpAuth::resume`] sends it again.
    Paused,
    /// Tokens are held for the current resource.
    Authorized,
    /// The last attempt failed.
    Failed,
}

/// The machine's status ([`McpAuth::status`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct McpStatus {
    /// Where it is.
    pub state: McpState,
    /// The resource and issuer of the current or last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<CredentialKey>,
    /// The scopes of the current or last authorization.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Authorizations and refreshes since the last success.
    pub authorizations: u32,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct Outgoing {
    request: HttpRequest,
    #[serde(skip)]
    transmit: Option<TransmitId>,
}

/// The authorization server in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct Server {
    meta: ProviderMetadata,
    /// `client_id_metadata_document_supported`.
    cimd: bool,
    /// The 2025-03-26 default endpoints (no metadata document).
    synthetic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(rename = "McpAuthPhase"))]
enum Phase {
    Idle,
    Prm {
        urls: Vec<String>,
        index: usize,
        from_challenge: bool,
        outgoing: Outgoing,
    },
    AsMetadata {
        issuers: Vec<String>,
        issuer_index: usize,
        urls: Vec<String>,
        index: usize,
        legacy: bool,
        outgoing: Outgoing,
    },
    Registering {
        outgoing: Outgoing,
    },
    NeedsClient,
    Authorizing {
        url: String,
        pending: PendingAuthorization,
    },
    Exchanging {
        refresh: bool,
        outgoing: Outgoing,
    },
    Authorized,
    Failed {
        error: Error,
    },
}

/// One authorization attempt's context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct Attempt {
    challenge: ResourceChallenge,
    /// 401 or 403.
    status: u16,
    /// Hex entropy for the authorization (state, PKCE verifier).
    seed: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prm: Option<ProtectedResourceMetadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    server: Option<Server>,
    #[serde(default)]
    scopes: Vec<String>,
    /// The scopes an authorization would request (`scopes` is the refresh's while one runs).
    #[serde(default)]
    auth_scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct Held {
    key: CredentialKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client: Option<McpClient>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tokens: Option<TokenSet>,
    /// The scopes last requested for this key.
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct State {
    config: McpAuthConfig,
    phase: Phase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attempt: Option<Attempt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    current: Option<CredentialKey>,
    #[serde(default)]
    held: Vec<Held>,
    authorizations: u32,
    next_transmit: TransmitId,
}

/// The snapshot document (its JSON Schema is generated from this).
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct McpAuthSnapshot {
    version: u32,
    #[serde(flatten)]
    state: State,
}

/// The MCP authorization client (see the [module docs](crate::mcp)).
#[derive(Debug, Clone)]
pub struct McpAuth {
    s: State,
    actions: VecDeque<McpAction>,
}

fn bad_state(detail: &str) -> Error {
    Error::with_detail(ErrorCode::InvalidState, detail)
}

impl McpAuth {
    /// A machine for one MCP server ([`McpAuthConfig::validate`]: `invalid_config`).
    pub fn new(config: McpAuthConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            s: State {
                config,
                phase: Phase::Idle,
                attempt: None,
                current: None,
                held: Vec::new(),
                authorizations: 0,
                next_transmit: 1,
            },
            actions: VecDeque::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &McpAuthConfig {
        &self.s.config
    }

    /// The entry for `key`, created when missing (so always `Some`).
    fn held_mut(&mut self, key: &CredentialKey) -> Option<&mut Held> {
        if !self.s.held.iter().any(|h| &h.key == key) {
            self.s.held.push(Held {
                key: key.clone(),
                client: None,
                tokens: None,
                scopes: Vec::new(),
            });
        }
        self.s.held.iter_mut().find(|h| &h.key == key)
    }

    fn held(&self, key: &CredentialKey) -> Option<&Held> {
        self.s.held.iter().find(|h| &h.key == key)
    }

    /// Gives the machine a client stored earlier for `key`.
    pub fn add_client(&mut self, key: CredentialKey, client: McpClient) {
        if let Some(h) = self.held_mut(&key) {
            h.client = Some(client);
        }
    }

    /// Gives the machine tokens stored earlier for `key`; they are used for requests to a
    /// server whose URL the key's resource matches.
    pub fn add_tokens(&mut self, key: CredentialKey, tokens: TokenSet) {
        let scopes = tokens.scope.as_deref().map(split_scope).unwrap_or_default();
        if let Some(h) = self.held_mut(&key) {
            h.tokens = Some(tokens);
            if h.scopes.is_empty() {
                h.scopes = scopes;
            }
        }
        if self.s.current.is_none() {
            self.s.current = Some(key);
        }
        if matches!(self.s.phase, Phase::Idle) {
            self.s.phase = Phase::Authorized;
        }
    }

    /// The next action, if any.
    pub fn poll_action(&mut self) -> Option<McpAction> {
        self.actions.pop_front()
    }

    /// Every pending action, in order.
    pub fn actions(&mut self) -> Vec<McpAction> {
        self.actions.drain(..).collect()
    }

    /// The status.
    pub fn status(&self) -> McpStatus {
        let state = match &self.s.phase {
            Phase::Idle => McpState::Idle,
            Phase::Prm { outgoing, .. }
            | Phase::AsMetadata { outgoing, .. }
            | Phase::Registering { outgoing }
            | Phase::Exchanging { outgoing, .. } => {
                if outgoing.transmit.is_some() {
                    McpState::Pending
                } else {
                    McpState::Paused
                }
            }
            Phase::NeedsClient | Phase::Authorizing { .. } => McpState::WaitingForUser,
            Phase::Authorized => McpState::Authorized,
            Phase::Failed { .. } => McpState::Failed,
        };
        let key = self.s.current.clone();
        let scopes = match (&self.s.attempt, &key) {
            (Some(a), _) if !a.scopes.is_empty() => a.scopes.clone(),
            (_, Some(k)) => self.held(k).map(|h| h.scopes.clone()).unwrap_or_default(),
            _ => Vec::new(),
        };
        McpStatus {
            state,
            key,
            scopes,
            authorizations: self.s.authorizations,
            error: match &self.s.phase {
                Phase::Failed { error } => Some(error.clone()),
                _ => None,
            },
        }
    }

    /// The headers to add to an MCP request: `Authorization: Bearer …` when tokens are held
    /// for this server, else none (send the request without, and pass a 401 to
    /// [`Self::handle_unauthorized`]). The request is taken whole so a proof-of-possession
    /// header (DPoP) can be added here later. `invalid_input` naming `url` for a request to
    /// another origin than the configured server's (a token is never sent elsewhere).
    ///
    /// ```
    /// use authcore::http::HttpRequest;
    /// use authcore::mcp::{CredentialKey, McpAuth, McpAuthConfig};
    ///
    /// let mut auth = McpAuth::new(McpAuthConfig {
    ///     server_url: "https://mcp.example.com/mcp".into(),
    ///     redirect_uri: "http://127.0.0.1:3000/callback".into(),
    ///     ..McpAuthConfig::default()
    /// })?;
    /// let request = HttpRequest::new("POST", "https://mcp.example.com/mcp");
    /// assert!(auth.authorize_request(&request, 0)?.is_empty());
    /// let key = CredentialKey { resource: "https://mcp.example.com/mcp".into(), issuer: "https://auth.example.com".into() };
    /// let tokens = serde_json::from_str(r#"{"access_token": "at", "token_type": "Bearer"}"#).unwrap();
    /// auth.add_tokens(key, tokens);
    /// assert_eq!(auth.authorize_request(&request, 0)?["Authorization"], "Bearer at");
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn authorize_request(&self, request: &HttpRequest, _now: i64) -> Result<BTreeMap<String, String>> {
        let mut headers = BTreeMap::new();
        let same = match (
            url::Url::parse(&request.url),
            url::Url::parse(&self.s.config.server_url),
        ) {
            (Ok(a), Ok(b)) => a.origin() == b.origin(),
            _ => false,
        };
        if !same {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "url",
                "The request is not for the configured MCP server.",
            ));
        }
        if let Some(tokens) = self.current_tokens() {
            if !tokens.token_type.eq_ignore_ascii_case("bearer") {
                return Err(Error::field(
                    ErrorCode::InvalidToken,
                    "token_type",
                    "Only Bearer tokens can be presented by this client.",
                ));
            }
            headers.insert(
                "Authorization".to_owned(),
                format!("Bearer {}", tokens.access_token.expose()),
            );
        }
        Ok(headers)
    }

    fn current_tokens(&self) -> Option<&TokenSet> {
        let key = self.s.current.as_ref()?;
        self.held(key)?.tokens.as_ref()
    }

    /// The MCP server accepted a request: the authorization count (the step-up retry cap)
    /// starts again.
    pub fn handle_success(&mut self) {
        self.s.authorizations = 0;
    }

    fn fail(&mut self, error: Error) {
        self.actions.push_back(McpAction::Failed { error: error.clone() });
        self.s.phase = Phase::Failed { error };
    }

    fn send(&mut self, request: HttpRequest) -> Outgoing {
        let id = self.s.next_transmit;
        self.s.next_transmit = id.saturating_add(1);
        self.actions.push_back(McpAction::Send {
            transmit: id,
            request: request.clone(),
        });
        Outgoing {
            request,
            transmit: Some(id),
        }
    }

    fn get(url: &str) -> HttpRequest {
        let mut r = HttpRequest::new("GET", url);
        r.set_header("Accept", "application/json");
        r
    }

    /// Whether a request of an attempt is out (a new challenge is refused then). An attempt
    /// waiting for the person (browser, client) is superseded by a new challenge.
    fn busy(&self) -> bool {
        matches!(
            self.s.phase,
            Phase::Prm { .. } | Phase::AsMetadata { .. } | Phase::Registering { .. } | Phase::Exchanging { .. }
        )
    }

    /// The MCP server answered 401 or 403: start (or refuse) an authorization. Reads the
    /// `WWW-Authenticate` challenge, draws 64 bytes of entropy (the `state` and PKCE verifier
    /// of a possible authorization), then discovers the resource metadata. A 403 whose error
    /// is not `insufficient_scope` fails at once (`forbidden`); so does a challenge after
    /// [`McpAuthConfig::max_authorizations`] authorizations without a
    /// [`Self::handle_success`] (`insufficient_scope` for a 403, else `not_authenticated`).
    /// An attempt that waits for the person (the browser is out, or a client was asked for)
    /// is abandoned and replaced. Errors: `invalid_state` while a request of an attempt is
    /// out, `invalid_input` naming `status` for another status.
    pub fn handle_unauthorized(&mut self, response: &HttpResponse, _now: i64, entropy: &mut dyn Entropy) -> Result<()> {
        if self.busy() {
            return Err(bad_state("An authorization is already under way."));
        }
        if response.status != 401 && response.status != 403 {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "status",
                "Only a 401 or 403 response starts an authorization.",
            ));
        }
        let challenge = ResourceChallenge::from_response(response).unwrap_or_default();
        if response.status == 403 && challenge.error.as_deref() != Some("insufficient_scope") {
            self.fail(Error::with_detail(
                ErrorCode::Forbidden,
                "The MCP server refused the request (403) without asking for more scope.",
            ));
            return Ok(());
        }
        if self.s.authorizations >= self.s.config.max_authorizations {
            let code = if response.status == 403 {
                ErrorCode::InsufficientScope
            } else {
                ErrorCode::NotAuthenticated
            };
            self.fail(Error::with_detail(
                code,
                format!(
                    "The MCP server still refuses after {} authorizations; giving up.",
                    self.s.authorizations
                ),
            ));
            return Ok(());
        }
        let seed = Secret::new(hex(&random_bytes(entropy, 64)?));
        let urls = match prm_urls(&self.s.config.server_url, challenge.resource_metadata.as_deref()) {
            Ok(u) => u,
            Err(e) => {
                self.fail(Error::field(
                    ErrorCode::InvalidResponse,
                    "resource_metadata",
                    e.detail().to_owned(),
                ));
                return Ok(());
            }
        };
        let from_challenge = challenge.resource_metadata.is_some();
        self.s.attempt = Some(Attempt {
            challenge,
            status: response.status,
            seed,
            prm: None,
            resource: None,
            server: None,
            scopes: Vec::new(),
            auth_scopes: Vec::new(),
        });
        let first = urls.first().cloned().unwrap_or_default();
        let outgoing = self.send(Self::get(&first));
        self.s.phase = Phase::Prm {
            urls,
            index: 0,
            from_challenge,
            outgoing,
        };
        Ok(())
    }

    fn take_outgoing(&mut self, transmit: TransmitId) -> Result<()> {
        let ok = match &self.s.phase {
            Phase::Prm { outgoing, .. }
            | Phase::AsMetadata { outgoing, .. }
            | Phase::Registering { outgoing }
            | Phase::Exchanging { outgoing, .. } => outgoing.transmit == Some(transmit),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::field(
                ErrorCode::InvalidState,
                "transmit",
                "No request with this transmit id is outstanding.",
            ))
        }
    }

    /// A response to a [`McpAction::Send`]. Errors: `invalid_state` naming `transmit` for an
    /// unknown exchange; everything else ends in an action (`failed` with the reason).
    pub fn handle_response(&mut self, transmit: TransmitId, response: HttpResponse, now: i64) -> Result<()> {
        self.take_outgoing(transmit)?;
        let phase = std::mem::replace(&mut self.s.phase, Phase::Idle);
        match phase {
            Phase::Prm {
                urls,
                index,
                from_challenge,
                outgoing,
            } => self.on_prm(urls, index, from_challenge, outgoing, &response, now),
            Phase::AsMetadata {
                issuers,
                issuer_index,
                urls,
                index,
                legacy,
                outgoing,
            } => self.on_as_metadata(issuers, issuer_index, urls, index, legacy, outgoing, &response, now),
            Phase::Registering { .. } => match registration_response(&response, now) {
                Ok(reg) => {
                    let client = McpClient {
                        client_id: reg.client_id,
                        client_secret: reg.client_secret,
                        client_secret_expires_at: reg.client_secret_expires_at,
                        token_endpoint_auth_method: reg.token_endpoint_auth_method.map(|m| match m {
                            crate::revocation::ClientAuthMethod::None => TokenEndpointAuthMethod::None,
                            crate::revocation::ClientAuthMethod::ClientSecretBasic => {
                                TokenEndpointAuthMethod::ClientSecretBasic
                            }
                            crate::revocation::ClientAuthMethod::ClientSecretPost => {
                                TokenEndpointAuthMethod::ClientSecretPost
                            }
                        }),
                        source: ClientSource::Dynamic,
                    };
                    if let Some(key) = self.s.current.clone() {
                        if let Some(h) = self.held_mut(&key) {
                            h.client = Some(client.clone());
                        }
                        self.actions.push_back(McpAction::SaveClient { key, client });
                    }
                    self.authorize(now);
                }
                Err(e) => self.fail(e),
            },
            Phase::Exchanging { refresh, .. } => self.on_token(refresh, &response, now),
            other => {
                self.s.phase = other;
                return Err(bad_state("No request is outstanding."));
            }
        }
        Ok(())
    }

    /// The host could not send a request: the attempt fails with `network_error` (a new
    /// challenge starts over).
    pub fn handle_network_error(&mut self, transmit: TransmitId, _now: i64) -> Result<()> {
        self.take_outgoing(transmit)?;
        self.fail(Error::with_detail(
            ErrorCode::NetworkError,
            "A request of the authorization failed.",
        ));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn on_prm(
        &mut self,
        urls: Vec<String>,
        index: usize,
        from_challenge: bool,
        _o: Outgoing,
        response: &HttpResponse,
        now: i64,
    ) {
        if response.status == 200 {
            let prm = match ProtectedResourceMetadata::parse(response) {
                Ok(p) => p,
                Err(e) => return self.fail(e),
            };
            if !resource_matches(&prm.resource, &self.s.config.server_url) {
                return self.fail(Error::field(
                    ErrorCode::InvalidResponse,
                    "resource",
                    "The resource metadata is for another resource than this MCP server.",
                ));
            }
            let issuers = prm.authorization_servers.clone();
            if let Some(a) = self.s.attempt.as_mut() {
                a.resource = Some(prm.resource.clone());
                a.prm = Some(prm);
            }
            return self.start_as_metadata(issuers, 0, false, now);
        }
        let next = index + 1;
        if let Some(url) = urls.get(next).cloned() {
            let outgoing = self.send(Self::get(&url));
            self.s.phase = Phase::Prm {
                urls,
                index: next,
                from_challenge,
                outgoing,
            };
            return;
        }
        if from_challenge || !self.s.config.legacy_fallbacks {
            return self.fail(Error::field(
                ErrorCode::InvalidResponse,
                "resource_metadata",
                format!(
                    "No protected resource metadata was found (last status {}).",
                    response.status
                ),
            ));
        }
        // 2025-03-26: the MCP server's origin is the authorization server.
        let Ok(resource) = canonical_resource(&self.s.config.server_url) else {
            return self.fail(bad_state("The server URL is invalid."));
        };
        let origin = url::Url::parse(&resource)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        if let Some(a) = self.s.attempt.as_mut() {
            a.resource = Some(resource);
        }
        self.start_as_metadata(vec![origin], 0, true, now);
    }

    fn start_as_metadata(&mut self, issuers: Vec<String>, issuer_index: usize, legacy: bool, now: i64) {
        let mut i = issuer_index;
        while let Some(issuer) = issuers.get(i) {
            if let Ok(urls) = as_metadata_urls(issuer) {
                let first = urls.first().cloned().unwrap_or_default();
                let outgoing = self.send(Self::get(&first));
                self.s.phase = Phase::AsMetadata {
                    issuers,
                    issuer_index: i,
                    urls,
                    index: 0,
                    legacy,
                    outgoing,
                };
                return;
            }
            i += 1;
        }
        if legacy {
            return self.legacy_defaults(issuers.first().cloned().unwrap_or_default(), now);
        }
        self.fail(Error::field(
            ErrorCode::InvalidResponse,
            "authorization_servers",
            "No authorization server metadata was found.",
        ));
    }

    fn legacy_defaults(&mut self, origin: String, now: i64) {
        let meta = ProviderMetadata {
            issuer: origin.clone(),
            authorization_endpoint: Some(format!("{origin}/authorize")),
            token_endpoint: Some(format!("{origin}/token")),
            registration_endpoint: Some(format!("{origin}/register")),
            ..ProviderMetadata::default()
        };
        self.have_server(
            Server {
                meta,
                cimd: false,
                synthetic: true,
            },
            now,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn on_as_metadata(
        &mut self,
        issuers: Vec<String>,
        issuer_index: usize,
        urls: Vec<String>,
        index: usize,
        legacy: bool,
        _o: Outgoing,
        response: &HttpResponse,
        now: i64,
    ) {
        let issuer = issuers.get(issuer_index).cloned().unwrap_or_default();
        if response.status == 200 {
            let meta = match ProviderMetadata::parse(response, &issuer, false) {
                Ok(m) => m,
                Err(e) => return self.fail(e),
            };
            let cimd = parse_object(response.body.as_bytes())
                .ok()
                .and_then(|d| d.get("client_id_metadata_document_supported").and_then(Value::as_bool))
                .unwrap_or(false);
            return self.have_server(
                Server {
                    meta,
                    cimd,
                    synthetic: false,
                },
                now,
            );
        }
        let next = index + 1;
        if let Some(url) = urls.get(next).cloned() {
            let outgoing = self.send(Self::get(&url));
            self.s.phase = Phase::AsMetadata {
                issuers,
                issuer_index,
                urls,
                index: next,
                legacy,
                outgoing,
            };
            return;
        }
        if issuer_index + 1 < issuers.len() {
            return self.start_as_metadata(issuers, issuer_index + 1, legacy, now);
        }
        if legacy {
            return self.legacy_defaults(issuer, now);
        }
        self.fail(Error::field(
            ErrorCode::InvalidResponse,
            "authorization_servers",
            format!(
                "No authorization server metadata was found (last status {}).",
                response.status
            ),
        ));
    }

    fn have_server(&mut self, server: Server, now: i64) {
        let Some(attempt) = self.s.attempt.clone() else {
            return self.fail(bad_state("No attempt."));
        };
        if !server.synthetic && !self.s.config.allow_unadvertised_pkce {
            let s256 = server
                .meta
                .code_challenge_methods_supported
                .as_ref()
                .is_some_and(|m| m.iter().any(|x| x == "S256"));
            if !s256 {
                return self.fail(Error::field(
                    ErrorCode::InvalidResponse,
                    "code_challenge_methods_supported",
                    "The authorization server does not advertise PKCE S256.",
                ));
            }
        }
        if server.meta.authorization_endpoint.is_none() || server.meta.token_endpoint.is_none() {
            return self.fail(Error::field(
                ErrorCode::InvalidResponse,
                "token_endpoint",
                "The authorization server metadata lacks an authorization or token endpoint.",
            ));
        }
        let key = CredentialKey {
            resource: attempt.resource.clone().unwrap_or_default(),
            issuer: server.meta.issuer.clone(),
        };
        // Scopes: the challenge's, else the metadata's, joined with what this key had.
        let base = choose_scopes(
            attempt.challenge.scope.as_deref(),
            attempt.prm.as_ref().and_then(|p| p.scopes_supported.as_deref()),
        );
        let previous = self.held(&key).map(|h| h.scopes.clone()).unwrap_or_default();
        let mut scopes = union_scopes(&previous, &base);
        let offline = server
            .meta
            .scopes_supported
            .as_ref()
            .is_some_and(|s| s.iter().any(|x| x == "offline_access"));
        if self.s.config.request_offline_access && offline && !scopes.iter().any(|s| s == "offline_access") {
            scopes.push("offline_access".into());
        }
        if let Some(a) = self.s.attempt.as_mut() {
            a.scopes = scopes.clone();
            a.auth_scopes = scopes;
            a.server = Some(server.clone());
        }
        self.s.current = Some(key.clone());
        // Refresh when the grant covers the request and only the token was refused.
        let held = self.held(&key).cloned();
        if let Some(h) = &held {
            let granted = h
                .tokens
                .as_ref()
                .and_then(|t| t.scope.as_deref())
                .map(split_scope)
                .unwrap_or_else(|| h.scopes.clone());
            // Only the challenge's scopes are a requirement (`scopes_supported` is a guess).
            let covered = split_scope(attempt.challenge.scope.as_deref().unwrap_or(""))
                .iter()
                .all(|s| granted.contains(s));
            if let (Some(tokens), Some(client)) = (&h.tokens, &h.client) {
                if let Some(rt) = &tokens.refresh_token {
                    if attempt.status == 401 && covered {
                        let mut pairs = vec![
                            ("grant_type", "refresh_token".to_owned()),
                            ("refresh_token", rt.expose().to_owned()),
                        ];
                        pairs.push(("resource", key.resource.clone()));
                        if !h.scopes.is_empty() {
                            pairs.push(("scope", h.scopes.join(" ")));
                        }
                        if let Some(a) = self.s.attempt.as_mut() {
                            a.scopes = h.scopes.clone();
                        }
                        // A refresh counts like an authorization: a server that refuses every
                        // fresh token cannot keep the client refreshing forever.
                        self.s.authorizations = self.s.authorizations.saturating_add(1);
                        return match token_request(&server, client, pairs) {
                            Ok(req) => {
                                let outgoing = self.send(req);
                                self.s.phase = Phase::Exchanging {
                                    refresh: true,
                                    outgoing,
                                };
                            }
                            Err(e) => self.fail(e),
                        };
                    }
                }
            }
        }
        self.choose_client(key, &server, now);
    }

    fn choose_client(&mut self, key: CredentialKey, server: &Server, now: i64) {
        match self.held(&key).and_then(|h| h.client.as_ref()) {
            // A dynamically registered client whose secret expired registers again.
            Some(c)
                if c.source == ClientSource::Dynamic
                    && c.client_secret.is_some()
                    && c.client_secret_expires_at != 0
                    && now >= c.client_secret_expires_at =>
            {
                if let Some(h) = self.held_mut(&key) {
                    h.client = None;
                }
            }
            Some(_) => return self.authorize(now),
            None => {}
        }
        if let Some(pre) = &self.s.config.client {
            if pre.issuer.as_deref().map_or(true, |i| i == server.meta.issuer) {
                let client = McpClient {
                    client_id: pre.client_id.clone(),
                    client_secret: pre.client_secret.clone(),
                    client_secret_expires_at: 0,
                    token_endpoint_auth_method: pre.token_endpoint_auth_method,
                    source: ClientSource::PreRegistered,
                };
                if let Some(h) = self.held_mut(&key) {
                    h.client = Some(client);
                }
                return self.authorize(now);
            }
        }
        if let (Some(url), true) = (&self.s.config.client_metadata_url, server.cimd) {
            let client = McpClient {
                client_id: url.clone(),
                client_secret: None,
                client_secret_expires_at: 0,
                token_endpoint_auth_method: Some(TokenEndpointAuthMethod::None),
                source: ClientSource::MetadataDocument,
            };
            if let Some(h) = self.held_mut(&key) {
                h.client = Some(client);
            }
            return self.authorize(now);
        }
        if let Some(endpoint) = &server.meta.registration_endpoint {
            let metadata = ClientMetadata {
                redirect_uris: vec![self.s.config.redirect_uri.clone()],
                client_name: self.s.config.client_name.clone(),
                scope: None,
            };
            return match registration_request(endpoint, &metadata, true) {
                Ok(req) => {
                    let outgoing = self.send(req);
                    self.s.phase = Phase::Registering { outgoing };
                }
                Err(e) => self.fail(e),
            };
        }
        self.actions.push_back(McpAction::NeedsClient { key });
        self.s.phase = Phase::NeedsClient;
    }

    fn auth_code_client(&self) -> Result<(AuthCodeClient, CredentialKey)> {
        let attempt = self.s.attempt.as_ref().ok_or_else(|| bad_state("No attempt."))?;
        let server = attempt.server.as_ref().ok_or_else(|| bad_state("No server."))?;
        let key = self.s.current.clone().ok_or_else(|| bad_state("No server."))?;
        let client = self
            .held(&key)
            .and_then(|h| h.client.as_ref())
            .ok_or_else(|| bad_state("No client."))?;
        let mut extra = Vec::new();
        if !key.resource.is_empty() {
            extra.push(("resource".to_owned(), key.resource.clone()));
        }
        let config = AuthCodeConfig {
            authorization_endpoint: server.meta.authorization_endpoint.clone().unwrap_or_default(),
            token_endpoint: server.meta.token_endpoint.clone().unwrap_or_default(),
            client_id: client.client_id.clone(),
            client_secret: None,
            redirect_uri: self.s.config.redirect_uri.clone(),
            scopes: attempt.scopes.clone(),
            state_ttl: self.s.config.state_ttl,
            extra_params: extra,
            issuer: (!server.synthetic).then(|| server.meta.issuer.clone()),
            authorization_response_iss_parameter_supported: !server.synthetic
                && server.meta.authorization_response_iss_parameter_supported,
            ..AuthCodeConfig::default()
        };
        Ok((AuthCodeClient::new(config)?, key))
    }

    fn authorize(&mut self, now: i64) {
        let started = self.auth_code_client().and_then(|(client, _)| {
            let seed = self
                .s
                .attempt
                .as_ref()
                .map(|a| unhex(a.seed.expose()).unwrap_or_default())
                .unwrap_or_default();
            client.start(now, &mut FixedEntropy::new(seed))
        });
        match started {
            Ok(start) => {
                self.s.authorizations = self.s.authorizations.saturating_add(1);
                if let (Some(key), Some(a)) = (self.s.current.clone(), self.s.attempt.clone()) {
                    if let Some(h) = self.held_mut(&key) {
                        h.scopes = a.scopes;
                    }
                }
                self.actions.push_back(McpAction::Authorize { url: start.url.clone() });
                self.s.phase = Phase::Authorizing {
                    url: start.url,
                    pending: start.record,
                };
            }
            Err(e) => self.fail(e),
        }
    }

    /// The client the person provided after [`McpAction::NeedsClient`] (stored for the
    /// current key; `save_client` follows). `invalid_state` when none was asked for.
    pub fn provide_client(&mut self, client: McpClient, now: i64) -> Result<()> {
        if !matches!(self.s.phase, Phase::NeedsClient) {
            return Err(bad_state("No client was asked for."));
        }
        if client.client_id.is_empty() {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "client_id",
                "The client id must not be empty.",
            ));
        }
        if client.token_endpoint_auth_method == Some(TokenEndpointAuthMethod::PrivateKeyJwt) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "token_endpoint_auth_method",
                "`private_key_jwt` is not supported by this client yet.",
            ));
        }
        let key = self.s.current.clone().ok_or_else(|| bad_state("No server."))?;
        if let Some(h) = self.held_mut(&key) {
            h.client = Some(client.clone());
        }
        self.actions.push_back(McpAction::SaveClient { key, client });
        self.authorize(now);
        Ok(())
    }

    /// The redirect back from the authorization server (the full URL or its query). Checked as
    /// [`AuthCodeClient::callback`] does: `state` first (a mismatch is `state_mismatch` and the
    /// machine keeps waiting), then RFC 9207 `iss` against the issuer of this attempt (exact
    /// comparison; required when the server advertises it; a wrong one is `invalid_request`
    /// naming `iss`), then the provider's `error`, then `code`. Any error after the `state`
    /// matched also fails the attempt (`failed` action). On success the token request is sent
    /// with `resource` and the client's authentication.
    pub fn handle_callback(&mut self, callback: &str, now: i64) -> Result<()> {
        let Phase::Authorizing { pending, .. } = &self.s.phase else {
            return Err(bad_state("No authorization is waiting for a callback."));
        };
        let pending = pending.clone();
        let (client, key) = self.auth_code_client()?;
        let outcome = match client.callback(&pending, callback, now) {
            Ok(o) => o,
            Err(e) if e.code() == ErrorCode::StateMismatch || matches!(e.field_name(), Some("callback" | "state")) => {
                return Err(e)
            }
            Err(e) => {
                self.fail(e.clone());
                return Err(e);
            }
        };
        let body = outcome.request.body.unwrap_or_default();
        let code = form_decode(&body)
            .ok()
            .and_then(|p| p.into_iter().find(|(k, _)| k == "code").map(|(_, v)| v))
            .unwrap_or_default();
        let server = self.s.attempt.as_ref().and_then(|a| a.server.clone());
        let held_client = self.held(&key).and_then(|h| h.client.clone());
        let (Some(server), Some(mc)) = (server, held_client) else {
            return Err(bad_state("No client."));
        };
        let mut pairs = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code),
            ("redirect_uri", pending.redirect_uri.clone()),
            ("code_verifier", pending.code_verifier.expose().to_owned()),
        ];
        if !key.resource.is_empty() {
            pairs.push(("resource", key.resource.clone()));
        }
        match token_request(&server, &mc, pairs) {
            Ok(req) => {
                let outgoing = self.send(req);
                self.s.phase = Phase::Exchanging {
                    refresh: false,
                    outgoing,
                };
                Ok(())
            }
            Err(e) => {
                self.fail(e.clone());
                Err(e)
            }
        }
    }

    fn on_token(&mut self, refresh: bool, response: &HttpResponse, now: i64) {
        let Some(key) = self.s.current.clone() else {
            return self.fail(bad_state("No server."));
        };
        match crate::oauth::token_response(response, now, crate::tokens::DEFAULT_EXPIRES_IN) {
            Ok(mut tokens) => {
                if tokens.refresh_token.is_none() && refresh {
                    // RFC 6749 §6: the old refresh token stays usable when no new one comes.
                    tokens.refresh_token = self
                        .held(&key)
                        .and_then(|h| h.tokens.as_ref())
                        .and_then(|t| t.refresh_token.clone());
                }
                if let Some(h) = self.held_mut(&key) {
                    h.tokens = Some(tokens.clone());
                }
                self.actions.push_back(McpAction::SaveTokens {
                    key: key.clone(),
                    tokens,
                });
                self.actions.push_back(McpAction::Authorized { key });
                self.s.phase = Phase::Authorized;
            }
            Err(_) if refresh => {
                // The refresh token is spent: drop the tokens and authorize again.
                if let Some(h) = self.held_mut(&key) {
                    h.tokens = None;
                }
                if let Some(a) = self.s.attempt.as_mut() {
                    a.scopes = a.auth_scopes.clone();
                }
                let server = self.s.attempt.as_ref().and_then(|a| a.server.clone());
                match server {
                    Some(server) => self.choose_client(key, &server, now),
                    None => self.fail(bad_state("No server.")),
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// After [`Self::restore`], sends a request that was in flight again (or shows the
    /// authorization URL again). `invalid_state` when nothing is waiting.
    pub fn resume(&mut self, _now: i64) -> Result<()> {
        let id = self.s.next_transmit;
        match &mut self.s.phase {
            Phase::Prm { outgoing, .. }
            | Phase::AsMetadata { outgoing, .. }
            | Phase::Registering { outgoing }
            | Phase::Exchanging { outgoing, .. } => {
                outgoing.transmit = Some(id);
                self.actions.push_back(McpAction::Send {
                    transmit: id,
                    request: outgoing.request.clone(),
                });
                self.s.next_transmit = id.saturating_add(1);
                Ok(())
            }
            Phase::Authorizing { url, .. } => {
                self.actions.push_back(McpAction::Authorize { url: url.clone() });
                Ok(())
            }
            _ => Err(bad_state("Nothing to resume.")),
        }
    }

    /// The whole state as a versioned JSON value (`version` 1): configuration, phase, clients
    /// and tokens. Store it as a secret. Pending actions are not part of it.
    pub fn snapshot(&self) -> Value {
        serde_json::to_value(McpAuthSnapshot {
            version: SNAPSHOT_VERSION,
            state: self.s.clone(),
        })
        .unwrap_or(Value::Null)
    }

    /// A machine from [`Self::snapshot`]: `state_version_unsupported` naming `version` for
    /// another version; `state_corrupt` naming `snapshot` or `version` for a document that is
    /// not an object, lacks an integer version, does not parse or whose configuration does not
    /// validate (error text never quotes the snapshot). A request that was in flight is lost (status `paused`; [`Self::resume`]).
    pub fn restore(snapshot: &Value) -> Result<Self> {
        let corrupt = |field: &str, detail: &str| Error::field(ErrorCode::StateCorrupt, field, detail);
        if !snapshot.is_object() {
            return Err(corrupt("snapshot", "The snapshot is not an object."));
        }
        match snapshot.get("version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(SNAPSHOT_VERSION) => {}
            Some(_) => {
                return Err(Error::field(
                    ErrorCode::StateVersionUnsupported,
                    "version",
                    "The snapshot's version is not supported.",
                ))
            }
            None => return Err(corrupt("version", "The snapshot has no integer version.")),
        }
        let snap: McpAuthSnapshot = serde_json::from_value(snapshot.clone())
            .map_err(|_| corrupt("snapshot", "The snapshot does not have the expected members."))?;
        snap.state
            .config
            .validate()
            .map_err(|_| corrupt("snapshot", "The snapshot's configuration is invalid."))?;
        Ok(Self {
            s: snap.state,
            actions: VecDeque::new(),
        })
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

/// The token endpoint authentication for `client` at `server`: the client's own method when
/// it has one; else, with a secret, `client_secret_basic` when the server lists it (or lists
/// nothing: RFC 8414's default), then `client_secret_post`, then `none`; without a secret,
/// `none`. `private_key_jwt` is `invalid_config` (not supported by this machine yet).
///
/// ```
/// use authcore::mcp::{choose_auth_method, ClientSource, McpClient, TokenEndpointAuthMethod};
/// use authcore::secret::Secret;
///
/// let client = McpClient {
///     client_id: "c".into(),
///     client_secret: Some(Secret::new("s")),
///     client_secret_expires_at: 0,
///     token_endpoint_auth_method: None,
///     source: ClientSource::Dynamic,
/// };
/// let supported = ["client_secret_post".to_owned(), "none".to_owned()];
/// assert_eq!(choose_auth_method(&client, Some(&supported))?, TokenEndpointAuthMethod::ClientSecretPost);
/// assert_eq!(choose_auth_method(&client, None)?, TokenEndpointAuthMethod::ClientSecretBasic);
/// # Ok::<(), authcore::Error>(())
/// ```
pub fn choose_auth_method(client: &McpClient, supported: Option<&[String]>) -> Result<TokenEndpointAuthMethod> {
    use TokenEndpointAuthMethod as M;
    let method = match client.token_endpoint_auth_method {
        Some(m) => m,
        None if client.client_secret.is_none() => M::None,
        None => {
            let has = |n: &str| supported.map_or(true, |s| s.iter().any(|x| x == n));
            if has("client_secret_basic") {
                M::ClientSecretBasic
            } else if supported.is_some_and(|s| s.iter().any(|x| x == "client_secret_post")) {
                M::ClientSecretPost
            } else {
                M::None
            }
        }
    };
    if method == M::PrivateKeyJwt {
        return Err(Error::field(
            ErrorCode::InvalidConfig,
            "token_endpoint_auth_method",
            "`private_key_jwt` is not supported by this client yet.",
        ));
    }
    if matches!(method, M::ClientSecretBasic | M::ClientSecretPost) && client.client_secret.is_none() {
        return Err(Error::field(
            ErrorCode::InvalidConfig,
            "client_secret",
            "The client's authentication method needs a client secret.",
        ));
    }
    Ok(method)
}

fn token_request(server: &Server, client: &McpClient, mut pairs: Vec<(&str, String)>) -> Result<HttpRequest> {
    let endpoint = server.meta.token_endpoint.clone().unwrap_or_default();
    let method = choose_auth_method(client, server.meta.token_endpoint_auth_methods_supported.as_deref())?;
    let mut req = HttpRequest::new("POST", endpoint);
    req.set_header("Accept", "application/json");
    req.set_header("Content-Type", "application/x-www-form-urlencoded");
    let secret = client
        .client_secret
        .as_ref()
        .map(|s| s.expose().to_owned())
        .unwrap_or_default();
    match method {
        TokenEndpointAuthMethod::ClientSecretBasic => {
            // RFC 6749 §2.3.1: each part form-urlencoded, then HTTP Basic.
            let enc = |v: &str| form_encode(&[("", v)]).get(1..).unwrap_or_default().to_owned();
            let user = format!("{}:{}", enc(&client.client_id), enc(&secret));
            req.set_header("Authorization", format!("Basic {}", base64_std(user.as_bytes())));
        }
        TokenEndpointAuthMethod::ClientSecretPost => {
            pairs.push(("client_id", client.client_id.clone()));
            pairs.push(("client_secret", secret));
        }
        _ => pairs.push(("client_id", client.client_id.clone())),
    }
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    req.body = Some(form_encode(&refs));
    Ok(req)
}

fn base64_std(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MCP: &str = "https://mcp.example.com/mcp";
    const AS: &str = "https://auth.example.com";

    fn json_response(status: u16, body: Value) -> HttpResponse {
        HttpResponse::new(status)
            .with_header("Content-Type", "application/json")
            .with_body(body.to_string())
    }

    fn machine() -> McpAuth {
        McpAuth::new(McpAuthConfig {
            server_url: MCP.into(),
            redirect_uri: "http://127.0.0.1:3000/callback".into(),
            ..McpAuthConfig::default()
        })
        .unwrap()
    }

    fn sent(m: &mut McpAuth) -> (TransmitId, HttpRequest) {
        match m.poll_action() {
            Some(McpAction::Send { transmit, request }) => (transmit, request),
            other => panic!("expected send, got {other:?}"),
        }
    }

    /// Drives a machine from a 401 to the point where the AS metadata was read.
    fn to_metadata(m: &mut McpAuth, meta: Value) {
        let challenge = HttpResponse::new(401).with_header("WWW-Authenticate", "Bearer scope=\"a\"");
        m.handle_unauthorized(&challenge, 1000, &mut FixedEntropy::new(vec![1; 64]))
            .unwrap();
        let (t, r) = sent(m);
        assert_eq!(
            r.url,
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        let prm = json!({"resource": MCP, "authorization_servers": [AS]});
        m.handle_response(t, json_response(200, prm), 1000).unwrap();
        let (t, r) = sent(m);
        assert_eq!(r.url, "https://auth.example.com/.well-known/oauth-authorization-server");
        m.handle_response(t, json_response(200, meta), 1000).unwrap();
    }

    fn meta() -> Value {
        json!({"issuer": AS, "authorization_endpoint": format!("{AS}/authorize"), "token_endpoint": format!("{AS}/token"),
               "registration_endpoint": format!("{AS}/register"), "code_challenge_methods_supported": ["S256"]})
    }

    #[test]
    fn a_new_challenge_supersedes_a_waiting_authorization() {
        let mut m = machine();
        m.add_client(
            CredentialKey {
                resource: MCP.into(),
                issuer: AS.into(),
            },
            McpClient {
                client_id: "c".into(),
                client_secret: None,
                client_secret_expires_at: 0,
                token_endpoint_auth_method: None,
                source: ClientSource::PreRegistered,
            },
        );
        to_metadata(&mut m, meta());
        assert!(matches!(m.poll_action(), Some(McpAction::Authorize { .. })));
        assert_eq!(m.status().state, McpState::WaitingForUser);
        let again = HttpResponse::new(401);
        m.handle_unauthorized(&again, 1001, &mut FixedEntropy::new(vec![2; 64]))
            .unwrap();
        assert_eq!(m.status().state, McpState::Pending);
        // While that request is out, another challenge is refused.
        let err = m
            .handle_unauthorized(&again, 1001, &mut FixedEntropy::new(vec![2; 64]))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidState);
    }

    #[test]
    fn an_expired_registered_secret_registers_again() {
        let mut m = machine();
        let key = CredentialKey {
            resource: MCP.into(),
            issuer: AS.into(),
        };
        m.add_client(
            key,
            McpClient {
                client_id: "old".into(),
                client_secret: Some(Secret::new("s")),
                client_secret_expires_at: 999,
                token_endpoint_auth_method: None,
                source: ClientSource::Dynamic,
            },
        );
        to_metadata(&mut m, meta());
        let (_, r) = sent(&mut m);
        assert_eq!(r.url, "https://auth.example.com/register");
    }

    #[test]
    fn debug_and_status_never_show_secrets() {
        let mut m = machine();
        let key = CredentialKey {
            resource: MCP.into(),
            issuer: AS.into(),
        };
        m.add_client(
            key.clone(),
            McpClient {
                client_id: "c".into(),
                client_secret: Some(Secret::new("client-secret-value")),
                client_secret_expires_at: 0,
                token_endpoint_auth_method: None,
                source: ClientSource::Dynamic,
            },
        );
        let tokens: TokenSet =
            serde_json::from_value(json!({"access_token": "access-token-value", "refresh_token": "refresh-token-value", "token_type": "Bearer"}))
                .unwrap();
        m.add_tokens(key, tokens);
        let debug = format!("{m:?}");
        for secret in ["client-secret-value", "access-token-value", "refresh-token-value"] {
            assert!(!debug.contains(secret), "{secret} in Debug");
        }
        let status = serde_json::to_string(&m.status()).unwrap();
        assert!(!status.contains("value"));
        // The snapshot holds them (it is the host's secret) and restores to the same status.
        let snap = m.snapshot();
        assert!(snap.to_string().contains("access-token-value"));
        let back = McpAuth::restore(&snap).unwrap();
        assert_eq!(back.status(), m.status());
        let request = HttpRequest::new("POST", MCP);
        assert_eq!(
            back.authorize_request(&request, 0)
                .unwrap()
                .get("Authorization")
                .map(String::as_str),
            Some("Bearer access-token-value")
        );
    }

    #[test]
    fn private_key_jwt_is_a_named_seam() {
        let client = McpClient {
            client_id: "c".into(),
            client_secret: None,
            client_secret_expires_at: 0,
            token_endpoint_auth_method: Some(TokenEndpointAuthMethod::PrivateKeyJwt),
            source: ClientSource::PreRegistered,
        };
        let err = choose_auth_method(&client, None).unwrap_err();
        assert_eq!(err.field_name(), Some("token_endpoint_auth_method"));
    }
}
