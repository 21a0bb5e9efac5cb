//! Auth sessions: one sans-IO state machine per attempt to connect a provider.
//!
//! [`AuthSession::start`] takes a [`Provider`], a [`Flow`] and [`AuthSessionConfig`], and
//! emits [`AuthAction`]s the host carries out; the host feeds the results back and, at the
//! end, stores the [`Connection`] of [`AuthAction::Complete`].
//!
//! | flow | steps |
//! |---|---|
//! | `pkce` | (`send` the RFC 7591 registration first when the provider has a `registration_endpoint` and no usable client) → `open_browser` on the authorization URL → [`AuthSession::handle_callback`] → `send` the token request → `complete` |
//! | `device_code` | `send` the device authorization request → `show_device_prompt` → `wait` / `send` polls (the [`crate::device::DeviceClient`] rules) → `complete` |
//! | `api_key` | `render_form` with one secret field `api_key` → [`AuthSession::submit_input`] → `complete` |
//! | `client_credentials` | `render_form` with `client_id` and `client_secret` → [`AuthSession::submit_input`] → `send` the RFC 6749 §4.4 token request (HTTP Basic client authentication) → `complete` |
//!
//! The form's field definitions come from the provider's `input_fields` when it has them
//! (label, masking, and whether `client_id` is required), else the defaults above
//! ([`Provider::input_fields`]).
//!
//! `pkce` needs an `oauth2` provider and a [`AuthSessionConfig::redirect_uri`];
//! `device_code` a `device_code` provider with a `client_id`; `client_credentials` a provider
//! with a `token_endpoint`; `api_key` any provider whose injection format holds `{key}`
//! (a mismatch is `invalid_input` naming `flow`).
//!
//! ## Rules
//!
//! * **Session id**: the first 16 bytes of entropy, base64url (22 characters): the host's key
//!   for the session (`/auth/sessions/{session_id}`). For `pkce` the next 64 bytes (96 when
//!   the scopes include `openid`) are the `state`, the PKCE verifier and the `nonce` of
//!   [`crate::oauth::AuthCodeClient::start`], drawn at start even when registration comes
//!   first.
//! * **Callback**: the `state` is compared in constant time; a callback whose `state` does
//!   not match is `state_mismatch` and leaves the session waiting (a forged callback cannot end
//!   someone's sign-in); the first matching callback consumes the state, a second one is
//!   `state_expired` (single use). A provider `error` in a matching callback fails the session.
//! * **Form input**: every required field present and non-empty, every value at most
//!   [`MAX_INPUT_BYTES`] header-safe characters, no unknown field; else `invalid_input`
//!   naming the field, and the form stays open.
//! * **TTL**: [`AuthSessionConfig::ttl`] seconds (default 600, 60 to 86400) from start. At or
//!   after `expires_at` every input is refused with `session_expired`, the status is `expired`
//!   and one `failed` action carries the error.
//! * **Status** ([`AuthSession::status`]): `pending` (a request is out, or an action is yet to
//!   be polled), `waiting_for_user` (the browser, the device prompt or the form),
//!   `paused` (a request was lost — restored from a snapshot, or a network error — and
//!   [`AuthSession::resume`] sends it again), `completed`, `failed`, `expired`.
//!   [`AuthSession::resume`] also shows a waiting session's browser URL, form or device
//!   prompt again (a partial flow whose page was closed).
//! * **Snapshot**: [`AuthSession::snapshot`] is a versioned JSON value (`version` 1) holding
//!   the provider, the flow, the phase and its secrets (state, verifier, device code): store
//!   it as a secret. [`AuthSession::restore`] re-checks it; a request that was in flight is
//!   lost and the session is `paused`.
//! * **Completion**: the connection is named [`AuthSessionConfig::connection_name`]
//!   (default `default`), `is_default` false, `created_at` now, scopes from the token
//!   response (else the provider's); it passes [`Connection::check`]. When a client was
//!   registered, `complete` carries it too (`registered_client`): store it with the provider
//!   ([`Provider::with_registered_client`]).
//!
//! ```
//! use authcore::authflow::{AuthAction, AuthSession, AuthSessionConfig, Flow};
//! use authcore::broker::ProviderSet;
//! use authcore::entropy::OsEntropy;
//! use std::collections::BTreeMap;
//!
//! let openai = ProviderSet::load(&[])?.providers["openai"].clone();
//! let now = 1_700_000_000;
//! let mut s = AuthSession::start(&openai, Flow::ApiKey, AuthSessionConfig::default(), now, &mut OsEntropy)?;
//! assert!(matches!(s.poll_action(), Some(AuthAction::RenderForm { .. })));
//! s.submit_input(&BTreeMap::from([("api_key".to_owned(), "sk-test".to_owned())]), now)?;
//! let Some(AuthAction::Complete { connection, .. }) = s.poll_action() else { unreachable!() };
//! assert_eq!(connection.provider, "openai");
//! # Ok::<(), authcore::Error>(())
//! ```

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::broker::{AuthType, Connection, ConnectionCredential, Provider};
use crate::device::{DeviceAction, DeviceClient, DeviceClientConfig, Prompt};
use crate::entropy::{random_bytes, Entropy, FixedEntropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{form_encode, HttpRequest, HttpResponse};
use crate::json::SNAPSHOT_VERSION;
use crate::oauth::{AuthCodeClient, AuthCodeConfig, PendingAuthorization};
use crate::registration::{registration_request, registration_response, ClientMetadata, RegisteredClient};
use crate::secret::Secret;
use crate::tokens::{TokenSet, TransmitId};
use crate::util::{b64url, hex, is_header_safe};

/// The longest value a form field takes, in bytes.
pub const MAX_INPUT_BYTES: usize = 4096;

/// How a session signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// OAuth 2.0 authorization code with PKCE (dynamic client registration first if needed).
    Pkce,
    /// OAuth 2.0 device authorization grant.
    DeviceCode,
    /// An API key typed into a form.
    ApiKey,
    /// OAuth 2.0 client credentials typed into a form.
    ClientCredentials,
}

/// Session settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct AuthSessionConfig {
    /// The OAuth callback the browser returns to (`pkce`), e.g.
    /// `http://127.0.0.1:7998/auth/callback/oauth`.
    pub redirect_uri: Option<String>,
    /// The name of the connection made (default `default`).
    pub connection_name: String,
    /// The `client_name` sent when registering a client (default `authcore`).
    pub client_name: String,
    /// Seconds the session lives (default 600; 60 to 86400).
    pub ttl: i64,
    /// Also accept plain `http` endpoints (authorization, token, registration, device) on a
    /// loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), e.g. a provider running on the
    /// same machine in development. Off by default: without it such endpoints are refused
    /// (`invalid_provider`).
    #[serde(skip_serializing_if = "is_false")]
    pub allow_loopback_http: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Default for AuthSessionConfig {
    fn default() -> Self {
        Self {
            redirect_uri: None,
            connection_name: "default".to_owned(),
            client_name: "authcore".to_owned(),
            ttl: 600,
            allow_loopback_http: false,
        }
    }
}

impl AuthSessionConfig {
    /// Checks the settings; errors are `invalid_config` naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        if !(60..=86_400).contains(&self.ttl) {
            return bad("ttl", "The session lifetime must be 60 to 86400 seconds.");
        }
        if self.connection_name.is_empty()
            || self.connection_name.len() > 64
            || self.connection_name.chars().any(char::is_control)
        {
            return bad(
                "connection_name",
                "The connection name is 1 to 64 bytes without control characters.",
            );
        }
        if self.client_name.trim().is_empty() || self.client_name.chars().any(char::is_control) {
            return bad(
                "client_name",
                "The client name must be non-empty text without control characters.",
            );
        }
        Ok(())
    }
}

/// One field of the form the host renders; also a provider's `input_fields` entry
/// ([`Provider::input_fields`]), where `secret` and `required` default to `true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// The field's name in [`AuthSession::submit_input`].
    pub name: String,
    /// The label to show.
    pub label: String,
    /// Whether to mask the input (`<input type="password">`).
    #[serde(default = "yes")]
    pub secret: bool,
    /// Whether the field must be filled.
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// What the session wants the host to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // polled once each; boxing would change nothing for hosts
pub enum AuthAction {
    /// Send this request; report with `handle_response` or `handle_network_error`.
    Send {
        /// Exchange id.
        transmit: TransmitId,
        /// The request.
        request: HttpRequest,
    },
    /// Open the person's browser here; the provider redirects back to the callback.
    OpenBrowser {
        /// The authorization URL.
        url: String,
    },
    /// Show this form; report with `submit_input`.
    RenderForm {
        /// The fields.
        fields: Vec<FormField>,
    },
    /// Show the device code and where to type it.
    ShowDevicePrompt {
        /// What to show.
        prompt: Prompt,
    },
    /// Call `handle_timeout` at (or after) this time.
    Wait {
        /// Unix seconds, local clock.
        until: i64,
    },
    /// Connected: store the connection (and the registered client, if any).
    Complete {
        /// The new connection.
        connection: Connection,
        /// The client registered on the way, to store with the provider.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        registered_client: Option<RegisteredClient>,
    },
    /// The session ended without a connection.
    Failed {
        /// Why.
        error: Error,
    },
}

/// Where a session is ([`AuthSession::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// A request is out or an action is yet to be polled.
    Pending,
    /// The person has to act (browser, device prompt, form).
    WaitingForUser,
    /// A request was lost; `resume` sends it again.
    Paused,
    /// Connected.
    Completed,
    /// Ended without a connection.
    Failed,
    /// The session's time ran out.
    Expired,
}

/// A session's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuthSessionStatus {
    /// The session id.
    pub session_id: String,
    /// The provider's name.
    pub provider: String,
    /// The flow.
    pub flow: Flow,
    /// Where it is.
    pub status: SessionState,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// Why it failed, once `failed` or `expired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
}

/// A request the session is waiting on; `None` transmit = lost (paused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct Outgoing {
    request: HttpRequest,
    #[serde(skip)]
    transmit: Option<TransmitId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(rename = "AuthSessionPhase"))]
enum Phase {
    /// Registering a client; `seed` is the hex entropy for the authorization start.
    Registering {
        seed: Secret,
        outgoing: Outgoing,
    },
    /// The browser is out.
    Authorizing {
        url: String,
        pending: PendingAuthorization,
    },
    /// Exchanging a code or client credentials for tokens.
    Exchanging {
        outgoing: Outgoing,
    },
    /// The device flow.
    Device {
        client: Value,
    },
    /// The form is out.
    Form {
        fields: Vec<FormField>,
    },
    Completed,
    Failed {
        error: Error,
    },
    Expired,
}

/// One auth session (see the module docs).
#[derive(Debug, Clone)]
pub struct AuthSession {
    session_id: String,
    provider: Provider,
    flow: Flow,
    config: AuthSessionConfig,
    created_at: i64,
    expires_at: i64,
    phase: Phase,
    registered: Option<RegisteredClient>,
    next_transmit: TransmitId,
    device: Option<DeviceClient>,
    actions: VecDeque<AuthAction>,
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthSessionSnapshot {
    version: u32,
    session_id: String,
    provider: Provider,
    flow: Flow,
    config: AuthSessionConfig,
    created_at: i64,
    expires_at: i64,
    phase: Phase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registered_client: Option<RegisteredClient>,
    next_transmit: TransmitId,
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

fn wrong_flow(detail: &str) -> Error {
    Error::field(ErrorCode::InvalidInput, "flow", detail)
}

/// The form of an `api_key` or `client_credentials` session: the provider's `input_fields`
/// for the fields the flow takes (in the provider's order), each missing one with its default
/// definition after them.
fn form_fields(provider: &Provider, flow: Flow) -> Vec<FormField> {
    let defaults = match flow {
        Flow::ApiKey => vec![FormField {
            name: "api_key".into(),
            label: format!("{} API key", provider.display_name),
            secret: true,
            required: true,
        }],
        _ => vec![
            FormField {
                name: "client_id".into(),
                label: "Client ID".into(),
                secret: false,
                required: true,
            },
            FormField {
                name: "client_secret".into(),
                label: "Client secret".into(),
                secret: true,
                required: true,
            },
        ],
    };
    let mut fields: Vec<FormField> = provider
        .input_fields
        .iter()
        .filter(|f| defaults.iter().any(|d| d.name == f.name))
        .cloned()
        .collect();
    for d in defaults {
        if !fields.iter().any(|f| f.name == d.name) {
            fields.push(d);
        }
    }
    fields
}

impl AuthSession {
    /// Starts a session (see the module docs for each flow's needs). Errors: `invalid_input`
    /// naming `flow` when the provider cannot do that flow, `invalid_config` naming the
    /// setting, `invalid_provider` for a provider that does not validate.
    pub fn start(
        provider: &Provider,
        flow: Flow,
        config: AuthSessionConfig,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<Self> {
        provider.validate_with(config.allow_loopback_http)?;
        config.validate()?;
        let seed_len = if provider.scopes.iter().any(|s| s == "openid") {
            96
        } else {
            64
        };
        let mut session = AuthSession {
            session_id: String::new(),
            provider: provider.clone(),
            flow,
            expires_at: now.saturating_add(config.ttl),
            config,
            created_at: now,
            phase: Phase::Completed,
            registered: None,
            next_transmit: 1,
            device: None,
            actions: VecDeque::new(),
        };
        // Check the flow fits before drawing entropy.
        match flow {
            Flow::Pkce => {
                if provider.auth_type != AuthType::Oauth2 {
                    return Err(wrong_flow("The pkce flow needs an oauth2 provider."));
                }
                if session.config.redirect_uri.is_none() {
                    return Err(Error::field(
                        ErrorCode::InvalidConfig,
                        "redirect_uri",
                        "The pkce flow needs a redirect URI.",
                    ));
                }
                if provider.client_id.is_none() && provider.registration_endpoint.is_none() {
                    return Err(wrong_flow(
                        "The provider has neither a client_id nor a registration_endpoint.",
                    ));
                }
            }
            Flow::DeviceCode => {
                if provider.auth_type != AuthType::DeviceCode || provider.client_id.is_none() {
                    return Err(wrong_flow(
                        "The device_code flow needs a device_code provider with a client_id.",
                    ));
                }
            }
            Flow::ApiKey => {
                if !provider.inject.format.contains("{key}") {
                    return Err(wrong_flow("The provider does not take an API key."));
                }
            }
            Flow::ClientCredentials => {
                if provider.token_endpoint.is_none() || provider.inject.format.contains("{key}") {
                    return Err(wrong_flow(
                        "The client_credentials flow needs a token-based provider with a token_endpoint.",
                    ));
                }
            }
        }
        session.session_id = b64url(&random_bytes(entropy, 16)?);
        match flow {
            Flow::Pkce => {
                let seed = random_bytes(entropy, seed_len)?;
                if provider.needs_registration(now) {
                    let redirect = session.config.redirect_uri.clone().unwrap_or_default();
                    let metadata = ClientMetadata {
                        redirect_uris: vec![redirect],
                        client_name: session.config.client_name.clone(),
                        scope: (!provider.scopes.is_empty()).then(|| provider.scopes.join(" ")),
                    };
                    let endpoint = provider.registration_endpoint.as_deref().unwrap_or_default();
                    let request = registration_request(endpoint, &metadata, session.config.allow_loopback_http)?;
                    session.phase = Phase::Registering {
                        seed: Secret::new(hex(&seed)),
                        outgoing: Outgoing {
                            request,
                            transmit: None,
                        },
                    };
                    session.send_outgoing();
                } else {
                    session.authorize(&mut FixedEntropy::new(seed), now)?;
                }
            }
            Flow::DeviceCode => {
                let cfg = DeviceClientConfig {
                    authorization_path: provider.device_authorization_endpoint.clone().unwrap_or_default(),
                    token_path: provider.token_endpoint.clone().unwrap_or_default(),
                    client_id: provider.client_id.clone().unwrap_or_default(),
                    scope: (!provider.scopes.is_empty()).then(|| provider.scopes.join(" ")),
                    ..DeviceClientConfig::default()
                };
                let mut client = DeviceClient::new(cfg)?;
                client.start(now)?;
                session.device = Some(client);
                session.phase = Phase::Device { client: Value::Null };
                session.drain_device(now);
            }
            Flow::ApiKey | Flow::ClientCredentials => {
                let fields = form_fields(provider, flow);
                session
                    .actions
                    .push_back(AuthAction::RenderForm { fields: fields.clone() });
                session.phase = Phase::Form { fields };
            }
        }
        Ok(session)
    }

    /// The authorization-code client for the provider's current client.
    fn auth_code_client(&self) -> Result<AuthCodeClient> {
        let p = &self.provider;
        let client_id = self
            .registered
            .as_ref()
            .map(|c| c.client_id.clone())
            .or_else(|| p.client_id.clone())
            .unwrap_or_default();
        let client_secret = match &self.registered {
            Some(c) => c.client_secret.clone(),
            None => p.client_secret.clone(),
        };
        AuthCodeClient::new(AuthCodeConfig {
            authorization_endpoint: p.authorization_endpoint.clone().unwrap_or_default(),
            token_endpoint: p.token_endpoint.clone().unwrap_or_default(),
            client_id,
            client_secret,
            redirect_uri: self.config.redirect_uri.clone().unwrap_or_default(),
            scopes: p.scopes.clone(),
            state_ttl: self.expires_at.saturating_sub(self.created_at).clamp(30, 86_400),
            ..AuthCodeConfig::default()
        })
    }

    fn authorize(&mut self, seed: &mut dyn Entropy, now: i64) -> Result<()> {
        let start = self.auth_code_client()?.start(now, seed)?;
        let mut pending = start.record;
        pending.expires_at = self.expires_at;
        self.actions
            .push_back(AuthAction::OpenBrowser { url: start.url.clone() });
        self.phase = Phase::Authorizing {
            url: start.url,
            pending,
        };
        Ok(())
    }

    fn send_outgoing(&mut self) {
        let id = self.next_transmit;
        if let Phase::Registering { outgoing, .. } | Phase::Exchanging { outgoing } = &mut self.phase {
            outgoing.transmit = Some(id);
            self.actions.push_back(AuthAction::Send {
                transmit: id,
                request: outgoing.request.clone(),
            });
            self.next_transmit = id.saturating_add(1);
        }
    }

    fn fail(&mut self, error: Error) {
        self.actions.push_back(AuthAction::Failed { error: error.clone() });
        self.phase = Phase::Failed { error };
    }

    fn connection(&self, credential: ConnectionCredential, scopes: Vec<String>, now: i64) -> Result<Connection> {
        let connection = Connection {
            provider: self.provider.name.clone(),
            name: self.config.connection_name.clone(),
            credential,
            expires_at: None,
            scopes,
            is_default: false,
            created_at: now,
        };
        connection.check()?;
        Ok(connection)
    }

    fn complete_with_tokens(&mut self, tokens: TokenSet, now: i64) {
        let scopes = match &tokens.scope {
            Some(s) => s.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            None => self.provider.scopes.clone(),
        };
        match self.connection(ConnectionCredential::Oauth { tokens }, scopes, now) {
            Ok(connection) => {
                self.actions.push_back(AuthAction::Complete {
                    connection,
                    registered_client: self.registered.clone(),
                });
                self.phase = Phase::Completed;
            }
            Err(e) => self.fail(e),
        }
    }

    /// Moves the device client's actions over.
    fn drain_device(&mut self, now: i64) {
        let Some(device) = self.device.as_mut() else { return };
        let actions = device.actions();
        for a in actions {
            match a {
                DeviceAction::Send { transmit, request } => {
                    self.actions.push_back(AuthAction::Send { transmit, request })
                }
                DeviceAction::Prompt(prompt) => self.actions.push_back(AuthAction::ShowDevicePrompt { prompt }),
                DeviceAction::Wait { until } => self.actions.push_back(AuthAction::Wait { until }),
                DeviceAction::SaveTokens { stored, .. } => self.complete_with_tokens(stored.tokens, now),
                DeviceAction::Done => {}
                DeviceAction::Failed { error } => self.fail(error),
            }
        }
    }

    /// Whether the session has ended; checks and applies the TTL first.
    fn ended(&mut self, now: i64) -> Result<()> {
        match &self.phase {
            Phase::Completed => {
                return Err(Error::with_detail(
                    ErrorCode::InvalidState,
                    "The session is already complete.",
                ))
            }
            Phase::Failed { error } => {
                return Err(Error::with_detail(
                    ErrorCode::InvalidState,
                    format!("The session has failed ({}).", error.code().as_str()),
                ))
            }
            Phase::Expired => return Err(expired()),
            _ => {}
        }
        if now >= self.expires_at {
            self.actions.clear();
            self.actions.push_back(AuthAction::Failed { error: expired() });
            self.phase = Phase::Expired;
            self.device = None;
            return Err(expired());
        }
        Ok(())
    }

    /// The next action, or `None` until the host reports something.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<AuthAction> {
        self.actions.pop_front()
    }

    /// Every pending action, in order.
    pub fn actions(&mut self) -> Vec<AuthAction> {
        self.actions.drain(..).collect()
    }

    /// The session id.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The provider, with the registered client once there is one.
    pub fn provider(&self) -> Provider {
        match &self.registered {
            Some(c) => self.provider.with_registered_client(c),
            None => self.provider.clone(),
        }
    }

    /// Where the session is at `now` (a session past its TTL reads `expired`).
    pub fn status(&self, now: i64) -> AuthSessionStatus {
        let (status, error) = match &self.phase {
            Phase::Completed => (SessionState::Completed, None),
            Phase::Failed { error } => (SessionState::Failed, Some(error.clone())),
            Phase::Expired => (SessionState::Expired, Some(expired())),
            _ if now >= self.expires_at => (SessionState::Expired, Some(expired())),
            Phase::Registering { outgoing, .. } | Phase::Exchanging { outgoing } if outgoing.transmit.is_none() => {
                (SessionState::Paused, None)
            }
            Phase::Device { .. } if self.device.is_none() => (SessionState::Paused, None),
            _ if !self.actions.is_empty() => (SessionState::Pending, None),
            Phase::Registering { .. } | Phase::Exchanging { .. } => (SessionState::Pending, None),
            Phase::Device { .. } if self.device.as_ref().is_some_and(|d| d.phase_name() == "polling") => {
                (SessionState::WaitingForUser, None)
            }
            Phase::Device { .. } => (SessionState::Pending, None),
            Phase::Authorizing { .. } | Phase::Form { .. } => (SessionState::WaitingForUser, None),
        };
        AuthSessionStatus {
            session_id: self.session_id.clone(),
            provider: self.provider.name.clone(),
            flow: self.flow,
            status,
            expires_at: self.expires_at,
            error,
        }
    }

    /// Continues a paused session (sends the lost request again) or shows a waiting session's
    /// browser URL, form or device prompt again. `session_expired` past the TTL;
    /// `invalid_state` once the session has ended.
    pub fn resume(&mut self, now: i64) -> Result<()> {
        self.ended(now)?;
        match &self.phase {
            Phase::Registering { .. } | Phase::Exchanging { .. } => {
                if let Phase::Registering { outgoing, .. } | Phase::Exchanging { outgoing } = &self.phase {
                    if outgoing.transmit.is_some() {
                        return Ok(());
                    }
                }
                self.send_outgoing();
            }
            Phase::Authorizing { url, .. } => self.actions.push_back(AuthAction::OpenBrowser { url: url.clone() }),
            Phase::Form { fields } => self
                .actions
                .push_back(AuthAction::RenderForm { fields: fields.clone() }),
            Phase::Device { client } => {
                if self.device.is_none() {
                    let restored = DeviceClient::restore(client)?;
                    self.device = Some(restored);
                }
                self.drain_device(now);
            }
            _ => {}
        }
        Ok(())
    }

    /// Reports the answer to a `send`. An unknown `transmit` is `invalid_input` naming
    /// `transmit`; a refused registration or token request fails the session (`failed`).
    pub fn handle_response(&mut self, transmit: TransmitId, response: HttpResponse, now: i64) -> Result<()> {
        self.ended(now)?;
        if let Phase::Device { .. } = self.phase {
            let Some(device) = self.device.as_mut() else {
                return Err(unknown_transmit());
            };
            let result = device.handle_response(transmit, response, now);
            self.drain_device(now);
            return result;
        }
        let ours = match &self.phase {
            Phase::Registering { outgoing, .. } | Phase::Exchanging { outgoing } => outgoing.transmit == Some(transmit),
            _ => false,
        };
        if !ours {
            return Err(unknown_transmit());
        }
        match std::mem::replace(&mut self.phase, Phase::Completed) {
            Phase::Registering { seed, .. } => match registration_response(&response, now) {
                Ok(client) => {
                    self.registered = Some(client);
                    let bytes = unhex(seed.expose()).unwrap_or_default();
                    if let Err(e) = self.authorize(&mut FixedEntropy::new(bytes), now) {
                        self.fail(e);
                    }
                }
                Err(e) => self.fail(e),
            },
            Phase::Exchanging { .. } => {
                match crate::oauth::token_response(&response, now, crate::tokens::DEFAULT_EXPIRES_IN) {
                    Ok(tokens) => self.complete_with_tokens(tokens, now),
                    Err(e) => self.fail(e),
                }
            }
            other => self.phase = other,
        }
        Ok(())
    }

    /// Reports that a `send` failed in transit: the session pauses; [`AuthSession::resume`]
    /// sends it again.
    pub fn handle_network_error(&mut self, transmit: TransmitId, now: i64) -> Result<()> {
        self.ended(now)?;
        if let Phase::Device { .. } = self.phase {
            let Some(device) = self.device.as_mut() else {
                return Err(unknown_transmit());
            };
            let result = device.handle_network_error(transmit, now);
            self.drain_device(now);
            return result;
        }
        match &mut self.phase {
            Phase::Registering { outgoing, .. } | Phase::Exchanging { outgoing }
                if outgoing.transmit == Some(transmit) =>
            {
                outgoing.transmit = None;
                Ok(())
            }
            _ => Err(unknown_transmit()),
        }
    }

    /// The timer the last `wait` asked for (device flow); also applies the TTL.
    pub fn handle_timeout(&mut self, now: i64) -> Result<()> {
        self.ended(now)?;
        if let (Phase::Device { .. }, Some(device)) = (&self.phase, self.device.as_mut()) {
            let result = device.handle_timeout(now);
            self.drain_device(now);
            return result;
        }
        Ok(())
    }

    /// The browser's return to the OAuth callback (the full redirect URL, or its query). See
    /// the module docs: a wrong `state` leaves the session waiting; a reused one is
    /// `state_expired`.
    pub fn handle_callback(&mut self, callback: &str, now: i64) -> Result<()> {
        if self.flow == Flow::Pkce && matches!(self.phase, Phase::Exchanging { .. } | Phase::Completed) {
            return Err(Error::field(
                ErrorCode::StateExpired,
                "state",
                "This sign-in was already completed.",
            ));
        }
        self.ended(now)?;
        let Phase::Authorizing { pending, .. } = &self.phase else {
            return Err(Error::with_detail(
                ErrorCode::InvalidState,
                "The session is not waiting for a callback.",
            ));
        };
        let client = self.auth_code_client()?;
        match client.callback(pending, callback, now) {
            Ok(outcome) => {
                self.phase = Phase::Exchanging {
                    outgoing: Outgoing {
                        request: outcome.request,
                        transmit: None,
                    },
                };
                self.send_outgoing();
                Ok(())
            }
            // Refused before the state was found to match: nothing in it is trusted, so the
            // session keeps waiting for the real callback.
            Err(e) if e.code() == ErrorCode::StateMismatch || matches!(e.field_name(), Some("callback" | "state")) => {
                Err(e)
            }
            Err(e) => {
                self.fail(e.clone());
                Err(e)
            }
        }
    }

    /// The values typed into the form (`api_key`, or `client_id` and `client_secret`), checked
    /// against the form's field definitions: an unknown field, or a required one missing or
    /// empty, is `invalid_input` naming it. An empty optional `client_id` (a provider whose
    /// `input_fields` make it optional has a `client_id`) is the provider's.
    pub fn submit_input(&mut self, values: &BTreeMap<String, String>, now: i64) -> Result<()> {
        self.ended(now)?;
        let Phase::Form { fields } = &self.phase else {
            return Err(Error::with_detail(
                ErrorCode::InvalidState,
                "The session is not waiting for form input.",
            ));
        };
        for name in values.keys() {
            if !fields.iter().any(|f| &f.name == name) {
                return Err(Error::field(
                    ErrorCode::InvalidInput,
                    name.clone(),
                    "Unknown form field.",
                ));
            }
        }
        for f in fields {
            match values.get(&f.name).filter(|v| !v.is_empty()) {
                None if f.required => {
                    return Err(Error::field(
                        ErrorCode::InvalidInput,
                        f.name.clone(),
                        format!("`{}` is required.", f.name),
                    ));
                }
                Some(v) if v.len() > MAX_INPUT_BYTES || !is_header_safe(v) || v.trim() != v => {
                    return Err(Error::field(
                        ErrorCode::InvalidInput,
                        f.name.clone(),
                        format!(
                            "`{}` must be at most {MAX_INPUT_BYTES} visible characters without surrounding spaces.",
                            f.name
                        ),
                    ));
                }
                _ => {}
            }
        }
        let get = |k: &str| values.get(k).cloned().unwrap_or_default();
        match self.flow {
            Flow::ApiKey => {
                let credential = ConnectionCredential::ApiKey {
                    key: Secret::new(get("api_key")),
                };
                let connection = self.connection(credential, self.provider.scopes.clone(), now)?;
                self.actions.push_back(AuthAction::Complete {
                    connection,
                    registered_client: None,
                });
                self.phase = Phase::Completed;
            }
            _ => {
                let mut request = HttpRequest::new("POST", self.provider.token_endpoint.clone().unwrap_or_default());
                // RFC 6749 §2.3.1: each part form-urlencoded, then HTTP Basic.
                let enc = |v: &str| form_encode(&[("", v)]).get(1..).unwrap_or_default().to_owned();
                let client_id = Some(get("client_id"))
                    .filter(|v| !v.is_empty())
                    .or_else(|| self.provider.client_id.clone())
                    .unwrap_or_default();
                let basic = format!("{}:{}", enc(&client_id), enc(&get("client_secret")));
                request.set_header("Authorization", format!("Basic {}", base64_std(basic.as_bytes())));
                request.set_header("Accept", "application/json");
                request.set_header("Content-Type", "application/x-www-form-urlencoded");
                let scope = self.provider.scopes.join(" ");
                let mut pairs = vec![("grant_type", "client_credentials")];
                if !scope.is_empty() {
                    pairs.push(("scope", &scope));
                }
                request.body = Some(form_encode(&pairs));
                self.phase = Phase::Exchanging {
                    outgoing: Outgoing {
                        request,
                        transmit: None,
                    },
                };
                self.send_outgoing();
            }
        }
        Ok(())
    }

    /// The session as a versioned JSON value for [`AuthSession::restore`]. It holds secrets
    /// (state, verifier, device code): store it as one.
    pub fn snapshot(&self) -> Value {
        let mut phase = self.phase.clone();
        if let (Phase::Device { client }, Some(device)) = (&mut phase, &self.device) {
            *client = device.snapshot();
        }
        let s = AuthSessionSnapshot {
            version: SNAPSHOT_VERSION,
            session_id: self.session_id.clone(),
            provider: self.provider.clone(),
            flow: self.flow,
            config: self.config.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            phase,
            registered_client: self.registered.clone(),
            next_transmit: self.next_transmit,
        };
        serde_json::to_value(s).unwrap_or(Value::Null)
    }

    /// Rebuilds a session from [`AuthSession::snapshot`]: `state_version_unsupported` for a
    /// version other than 1, `state_corrupt` for a malformed one, the provider and settings
    /// checked again. A request that was in flight is lost: the session is `paused` until
    /// [`AuthSession::resume`]; nothing is emitted before that.
    pub fn restore(snapshot: &Value) -> Result<Self> {
        let s: AuthSessionSnapshot = crate::json::snapshot(snapshot, "auth session")?;
        let corrupt = |field: &str, detail: &str| Err(Error::field(ErrorCode::StateCorrupt, field, detail));
        s.provider.validate_with(s.config.allow_loopback_http)?;
        s.config.validate()?;
        if s.session_id.len() != 22 || s.next_transmit == 0 || s.expires_at < s.created_at {
            return corrupt("snapshot", "The auth session snapshot is inconsistent.");
        }
        if let Phase::Registering { seed, .. } = &s.phase {
            if !unhex(seed.expose()).is_some_and(|b| b.len() >= 64) {
                return corrupt("phase.seed", "The seed must be hex of at least 64 bytes.");
            }
        }
        let device = match &s.phase {
            Phase::Device { client } => Some(DeviceClient::restore(client)?),
            _ => None,
        };
        let paused_device = device.is_some();
        let mut session = AuthSession {
            session_id: s.session_id,
            provider: s.provider,
            flow: s.flow,
            config: s.config,
            created_at: s.created_at,
            expires_at: s.expires_at,
            phase: s.phase,
            registered: s.registered_client,
            next_transmit: s.next_transmit,
            device,
            actions: VecDeque::new(),
        };
        if paused_device {
            // The device client is rebuilt on resume, so its restored wait is not lost.
            session.device = None;
        }
        Ok(session)
    }
}

fn expired() -> Error {
    Error::with_detail(ErrorCode::SessionExpired, "The auth session expired; start again.")
}

fn unknown_transmit() -> Error {
    Error::field(
        ErrorCode::InvalidInput,
        "transmit",
        "No request with this id is awaited.",
    )
}

fn base64_std(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;

    fn provider(extra: Value) -> Provider {
        let mut v = json!({
            "name": "acme", "display_name": "Acme", "auth_type": "oauth2",
            "authorization_endpoint": "https://auth.acme.example/authorize",
            "token_endpoint": "https://auth.acme.example/token",
            "scopes": ["read"], "hosts": ["api.acme.example"],
            "inject": {"header": "Authorization", "format": "Bearer {token}"}
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        Provider::from_value(&v).unwrap()
    }

    fn config() -> AuthSessionConfig {
        AuthSessionConfig {
            redirect_uri: Some("http://127.0.0.1:7998/auth/callback/oauth".into()),
            ..AuthSessionConfig::default()
        }
    }

    fn entropy() -> FixedEntropy {
        FixedEntropy::new((0..=255u8).collect())
    }

    fn state_of(url: &str) -> String {
        let q = url.split_once('?').unwrap().1;
        crate::http::form_decode(q)
            .unwrap()
            .into_iter()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
    }

    const TOKENS: &str = r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1"}"#;

    #[test]
    fn pkce_with_registration_first() {
        let p = provider(json!({"registration_endpoint": "https://auth.acme.example/register"}));
        let mut s = AuthSession::start(&p, Flow::Pkce, config(), NOW, &mut entropy()).unwrap();
        assert_eq!(s.session_id(), b64url(&(0..16u8).collect::<Vec<_>>()));
        let Some(AuthAction::Send { transmit, request }) = s.poll_action() else {
            panic!()
        };
        assert_eq!(request.url, "https://auth.acme.example/register");
        assert_eq!(s.status(NOW).status, SessionState::Pending);
        let reg = HttpResponse::new(201).with_body(r#"{"client_id":"dyn-1"}"#);
        s.handle_response(transmit, reg, NOW).unwrap();
        let Some(AuthAction::OpenBrowser { url }) = s.poll_action() else {
            panic!()
        };
        assert!(url.contains("client_id=dyn-1"));
        assert_eq!(state_of(&url), b64url(&(16..48u8).collect::<Vec<_>>()));
        assert_eq!(s.status(NOW).status, SessionState::WaitingForUser);
        // A forged callback leaves the session waiting.
        let err = s.handle_callback("?code=x&state=nope", NOW).unwrap_err();
        assert_eq!(err.code(), ErrorCode::StateMismatch);
        assert_eq!(s.status(NOW).status, SessionState::WaitingForUser);
        let cb = format!("?code=c-1&state={}", state_of(&url));
        s.handle_callback(&cb, NOW + 5).unwrap();
        let err = s.handle_callback(&cb, NOW + 6).unwrap_err();
        assert_eq!(err.code(), ErrorCode::StateExpired);
        let Some(AuthAction::Send { transmit, request }) = s.poll_action() else {
            panic!()
        };
        assert!(request.body.unwrap().contains("client_id=dyn-1"));
        s.handle_response(transmit, HttpResponse::new(200).with_body(TOKENS), NOW + 6)
            .unwrap();
        let Some(AuthAction::Complete {
            connection,
            registered_client,
        }) = s.poll_action()
        else {
            panic!()
        };
        assert_eq!(registered_client.unwrap().client_id, "dyn-1");
        assert_eq!(connection.scopes, vec!["read".to_owned()]);
        assert_eq!(s.status(NOW + 6).status, SessionState::Completed);
        assert_eq!(s.provider().client_id.as_deref(), Some("dyn-1"));
    }

    #[test]
    fn restore_mid_flow_pauses_and_resumes() {
        let p = provider(json!({"registration_endpoint": "https://auth.acme.example/register"}));
        let mut s = AuthSession::start(&p, Flow::Pkce, config(), NOW, &mut entropy()).unwrap();
        let Some(AuthAction::Send { request, .. }) = s.poll_action() else {
            panic!()
        };
        let snap = s.snapshot();
        let mut r = AuthSession::restore(&snap).unwrap();
        assert_eq!(r.status(NOW).status, SessionState::Paused);
        assert_eq!(r.poll_action(), None);
        r.resume(NOW).unwrap();
        let Some(AuthAction::Send {
            transmit,
            request: again,
        }) = r.poll_action()
        else {
            panic!()
        };
        assert_eq!(again, request);
        r.handle_response(
            transmit,
            HttpResponse::new(201).with_body(r#"{"client_id":"dyn-1"}"#),
            NOW,
        )
        .unwrap();
        let Some(AuthAction::OpenBrowser { url }) = r.poll_action() else {
            panic!()
        };
        // The same state as without a restart: the seed was drawn at start.
        let mut direct = AuthSession::start(&p, Flow::Pkce, config(), NOW, &mut entropy()).unwrap();
        let Some(AuthAction::Send { transmit, .. }) = direct.poll_action() else {
            panic!()
        };
        direct
            .handle_response(
                transmit,
                HttpResponse::new(201).with_body(r#"{"client_id":"dyn-1"}"#),
                NOW,
            )
            .unwrap();
        assert_eq!(direct.poll_action(), Some(AuthAction::OpenBrowser { url: url.clone() }));
        let mut again = AuthSession::restore(&r.snapshot()).unwrap();
        assert_eq!(again.status(NOW).status, SessionState::WaitingForUser);
        again
            .handle_callback(&format!("?code=c&state={}", state_of(&url)), NOW)
            .unwrap();
        assert!(matches!(again.poll_action(), Some(AuthAction::Send { .. })));
        let mut bad = snap.clone();
        bad["version"] = json!(2);
        assert_eq!(
            AuthSession::restore(&bad).unwrap_err().code(),
            ErrorCode::StateVersionUnsupported
        );
    }

    #[test]
    fn expiry() {
        let p = provider(json!({"client_id": "cli"}));
        let mut s = AuthSession::start(&p, Flow::Pkce, config(), NOW, &mut entropy()).unwrap();
        let Some(AuthAction::OpenBrowser { url }) = s.poll_action() else {
            panic!()
        };
        assert_eq!(s.status(NOW + 600).status, SessionState::Expired);
        let err = s
            .handle_callback(&format!("?code=c&state={}", state_of(&url)), NOW + 600)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::SessionExpired);
        assert!(matches!(s.poll_action(), Some(AuthAction::Failed { .. })));
        assert_eq!(s.resume(NOW + 601).unwrap_err().code(), ErrorCode::SessionExpired);
    }

    #[test]
    fn forms() {
        let key = Provider::from_value(&json!({
            "name": "k", "display_name": "K", "auth_type": "api_key", "hosts": ["api.k.example"],
            "inject": {"header": "X-Api-Key", "format": "{key}"}
        }))
        .unwrap();
        let mut s = AuthSession::start(&key, Flow::ApiKey, AuthSessionConfig::default(), NOW, &mut entropy()).unwrap();
        let Some(AuthAction::RenderForm { fields }) = s.poll_action() else {
            panic!()
        };
        assert_eq!(fields[0].name, "api_key");
        let err = s.submit_input(&BTreeMap::new(), NOW).unwrap_err();
        assert_eq!(err.field_name(), Some("api_key"));
        let err = s
            .submit_input(&BTreeMap::from([("api_key".into(), "a\nb".into())]), NOW)
            .unwrap_err();
        assert_eq!(err.field_name(), Some("api_key"));
        s.submit_input(&BTreeMap::from([("api_key".into(), "k-1".into())]), NOW)
            .unwrap();
        assert!(matches!(s.poll_action(), Some(AuthAction::Complete { .. })));

        let p = provider(json!({}));
        let mut s = AuthSession::start(&p, Flow::ClientCredentials, config(), NOW, &mut entropy()).unwrap();
        assert!(matches!(s.poll_action(), Some(AuthAction::RenderForm { .. })));
        let values = BTreeMap::from([
            ("client_id".into(), "id 1".into()),
            ("client_secret".into(), "s:2".into()),
        ]);
        s.submit_input(&values, NOW).unwrap();
        let Some(AuthAction::Send { transmit, request }) = s.poll_action() else {
            panic!()
        };
        assert_eq!(request.header("authorization"), Some("Basic aWQrMTpzJTNBMg=="));
        assert_eq!(
            request.body.as_deref(),
            Some("grant_type=client_credentials&scope=read")
        );
        s.handle_response(
            transmit,
            HttpResponse::new(400).with_body(r#"{"error":"invalid_client"}"#),
            NOW,
        )
        .unwrap();
        assert!(
            matches!(s.poll_action(), Some(AuthAction::Failed { error }) if error.code() == ErrorCode::InvalidClient)
        );
        assert_eq!(s.status(NOW).status, SessionState::Failed);
    }

    #[test]
    fn device() {
        let p = Provider::from_value(&json!({
            "name": "gh", "display_name": "GH", "auth_type": "device_code", "client_id": "cli",
            "device_authorization_endpoint": "https://gh.example/device/code",
            "token_endpoint": "https://gh.example/token", "hosts": ["api.gh.example"],
            "inject": {"header": "Authorization", "format": "Bearer {token}"}
        }))
        .unwrap();
        let mut s =
            AuthSession::start(&p, Flow::DeviceCode, AuthSessionConfig::default(), NOW, &mut entropy()).unwrap();
        let Some(AuthAction::Send { transmit, request }) = s.poll_action() else {
            panic!()
        };
        assert_eq!(request.url, "https://gh.example/device/code");
        let body = r#"{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"https://gh.example/device","expires_in":600,"interval":5}"#;
        s.handle_response(transmit, HttpResponse::new(200).with_body(body), NOW)
            .unwrap();
        assert!(
            matches!(s.poll_action(), Some(AuthAction::ShowDevicePrompt { prompt }) if prompt.user_code == "BCDF-GHJK")
        );
        assert_eq!(s.poll_action(), Some(AuthAction::Wait { until: NOW + 5 }));
        let mut r = AuthSession::restore(&s.snapshot()).unwrap();
        assert_eq!(r.status(NOW).status, SessionState::Paused);
        r.resume(NOW).unwrap();
        assert_eq!(r.poll_action(), Some(AuthAction::Wait { until: NOW + 5 }));
        r.handle_timeout(NOW + 5).unwrap();
        let Some(AuthAction::Send { transmit, .. }) = r.poll_action() else {
            panic!()
        };
        r.handle_response(transmit, HttpResponse::new(200).with_body(TOKENS), NOW + 5)
            .unwrap();
        let Some(AuthAction::Complete { connection, .. }) = r.poll_action() else {
            panic!()
        };
        assert_eq!(connection.provider, "gh");
    }

    #[test]
    fn flow_mismatch() {
        let p = provider(json!({}));
        let err = AuthSession::start(&p, Flow::Pkce, config(), NOW, &mut entropy()).unwrap_err();
        assert_eq!(err.field_name(), Some("flow"));
        let err = AuthSession::start(&p, Flow::ApiKey, config(), NOW, &mut entropy()).unwrap_err();
        assert_eq!(err.field_name(), Some("flow"));
        let p = provider(json!({"client_id": "c"}));
        let err = AuthSession::start(&p, Flow::Pkce, AuthSessionConfig::default(), NOW, &mut entropy()).unwrap_err();
        assert_eq!(err.field_name(), Some("redirect_uri"));
    }
}
