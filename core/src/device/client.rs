//! The device's side of the device grant.
//!
//! ## What reaches the person
//!
//! A [`Prompt`] is only emitted after its fields are checked, because a host prints them to a
//! terminal or renders them as a link: `user_code` is 1 to [`MAX_USER_CODE_LEN`] characters of
//! `A-Z a-z 0-9`, `-` and space (RFC 8628 §6.1 suggests base-20 letters, optionally grouped
//! with dashes or spaces), so no escape sequence (`ESC [2J`), CR, LF or look-alike can reach a
//! terminal; `verification_uri` and `verification_uri_complete` are absolute `https` URLs
//! (`http` only to a loopback host, or with [`DeviceClientConfig::allow_insecure_http`]) of
//! printable ASCII, at most [`crate::http::MAX_URL_LEN`] bytes, without user info, parsed with
//! the WHATWG URL parser, so `javascript:`, `data:` and `http://evil` never become a link.
//! Anything else ends the flow with `invalid_response` naming the field, before any prompt.
//!
//! ## Restored state
//!
//! [`DeviceClient::restore`] runs the constructor's checks: bad settings are `invalid_config`
//! naming the field, as in [`DeviceClient::new`]; another snapshot version is
//! `state_version_unsupported`; an inconsistent machine is `state_corrupt`. Nothing is sent.
//! A snapshot does not keep an exchange in flight (its answer cannot reach a restarted host):
//! the restored machine re-emits `wait` for the attempt it was making, so the host learns when
//! to wake and the request goes out again then.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::server::DEVICE_CODE_GRANT_TYPE;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_endpoint, check_url, form_encode, HttpRequest, HttpResponse};
use crate::json::{parse_object, truncate, Fields};
use crate::oauth::error_from_str as oauth_error_from_str;
use crate::secret::Secret;
use crate::time::MAX_TIME;
use crate::tokens::{StoredTokens, TokenSet, TransmitId};
use crate::SNAPSHOT_VERSION;

/// What a device client reports about itself ([`DeviceClient::status`]). The next wake-up
/// is not part of it: the machine emits it as [`DeviceAction::Wait`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceStatus {
    /// The polling interval in force, once polling.
    pub interval: Option<i64>,
    /// Whether the flow has ended.
    pub finished: bool,
}

/// How request bodies are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// `application/x-www-form-urlencoded`, as RFC 8628 specifies (default).
    #[default]
    Form,
    /// `application/json`, for servers that only read JSON.
    Json,
}

/// The longest `user_code` shown to a person.
pub const MAX_USER_CODE_LEN: usize = 32;

/// Client settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::require_device_client_config))]
pub struct DeviceClientConfig {
    /// Base URL of the server, e.g. `https://auth.example.com`.
    pub base_url: String,
    /// Device authorization endpoint: a path under `base_url`, or an absolute URL
    /// (default `/api/auth/device/`).
    pub authorization_path: String,
    /// Token endpoint: a path under `base_url`, or an absolute URL
    /// (default `/api/auth/device/token/`).
    pub token_path: String,
    /// The client id.
    pub client_id: String,
    /// Scope to request.
    pub scope: Option<String>,
    /// Body encoding (default form).
    pub encoding: Encoding,
    /// Polling interval when the server names none (default 5 s).
    pub default_interval: i64,
    /// Consecutive network or 5xx failures tolerated before failing (default 5).
    pub max_retries: u32,
    /// Longest wait between retries after failures (default 60 s).
    pub max_backoff: i64,
    /// Access-token lifetime assumed when the token response has none (default 3600 s).
    pub default_expires_in: i64,
    /// Longest access token accepted, in bytes (default 16384, at most 65536).
    pub max_access_token_bytes: usize,
    /// Generation of the token file being replaced; the saved tokens get the next one
    /// (default 0).
    pub previous_generation: u64,
    /// Allow plain `http` to hosts other than loopback for the endpoints and the verification
    /// URIs (default false; for development only).
    pub allow_insecure_http: bool,
}

impl Default for DeviceClientConfig {
    fn default() -> Self {
        Self {
            base_url: String::new(),
            authorization_path: "/api/auth/device/".to_owned(),
            token_path: "/api/auth/device/token/".to_owned(),
            client_id: String::new(),
            scope: None,
            encoding: Encoding::Form,
            default_interval: 5,
            max_retries: 5,
            max_backoff: 60,
            default_expires_in: crate::tokens::DEFAULT_EXPIRES_IN,
            max_access_token_bytes: crate::tokens::DEFAULT_MAX_ACCESS_TOKEN_BYTES,
            previous_generation: 0,
            allow_insecure_http: false,
        }
    }
}

impl DeviceClientConfig {
    /// Defaults with a base URL and client id.
    pub fn new(base_url: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            client_id: client_id.into(),
            ..Self::default()
        }
    }

    /// The endpoint URL for `path`: the path itself when it is an absolute URL, else
    /// `base_url` and `path` joined with one `/`.
    fn url(&self, path: &str) -> String {
        if is_absolute(path) {
            path.to_owned()
        } else {
            format!(
                "{}/{}",
                self.base_url.trim_end_matches('/'),
                path.trim_start_matches('/')
            )
        }
    }

    /// Checks the settings; errors are `invalid_config` naming the field. Both endpoint URLs
    /// (an absolute path, or `base_url` joined with a relative one) must be `https` (`http`
    /// only to a loopback host, unless `allow_insecure_http`), printable ASCII, without user
    /// info or fragment; `base_url`, when used, has no query or fragment.
    pub fn validate(&self) -> Result<()> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        let insecure = self.allow_insecure_http;
        if !is_absolute(&self.authorization_path) || !is_absolute(&self.token_path) {
            let base = check_endpoint("base_url", &self.base_url, insecure)?;
            if base.query().is_some() {
                return bad("base_url", "`base_url` must not contain a query.");
            }
        }
        for (field, path) in [
            ("authorization_path", &self.authorization_path),
            ("token_path", &self.token_path),
        ] {
            check_endpoint(field, &self.url(path), insecure)?;
        }
        if self.client_id.is_empty() {
            return bad("client_id", "The client id must not be empty.");
        }
        if !(1..=3600).contains(&self.default_interval) {
            return bad("default_interval", "The default interval must be 1 to 3600 seconds.");
        }
        if self.max_retries > 100 {
            return bad("max_retries", "At most 100 retries.");
        }
        if !(1..=3600).contains(&self.max_backoff) {
            return bad("max_backoff", "The longest backoff must be 1 to 3600 seconds.");
        }
        if !(1..=MAX_TIME).contains(&self.default_expires_in) {
            return bad("default_expires_in", "The default lifetime must be positive.");
        }
        crate::tokens::check_max_access_token_bytes(self.max_access_token_bytes)?;
        Ok(())
    }
}

/// What to show the person; every field is checked first (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Prompt {
    /// The code to type.
    pub user_code: String,
    /// Where to type it.
    pub verification_uri: String,
    /// A URL with the code filled in (for a QR code or a clickable link), if the server sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    /// When the code stops working (Unix seconds, local clock).
    pub expires_at: i64,
}

/// What the client wants the host to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeviceAction {
    /// Send this request; report with `handle_response` or `handle_network_error`.
    Send {
        /// Exchange id.
        transmit: TransmitId,
        /// The request.
        request: HttpRequest,
    },
    /// Show this to the person.
    Prompt(Prompt),
    /// Call `handle_timeout` at (or after) this time.
    Wait {
        /// Unix seconds, local clock.
        until: i64,
    },
    /// Save these tokens now (replacing generation `expected_generation`).
    SaveTokens {
        /// The document to store.
        stored: StoredTokens,
        /// Its generation.
        generation: u64,
        /// The generation it replaces.
        expected_generation: u64,
    },
    /// Signed in. The tokens are those of the preceding `save_tokens`.
    Done,
    /// The flow ended without tokens.
    Failed {
        /// Why (`access_denied`, `expired_token`, `invalid_response`, `network_error`, `cancelled`, …).
        error: Error,
    },
}

/// Where the flow is. An exchange in flight is not part of a snapshot (`serde(skip)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(rename = "DeviceClientPhase"))]
enum Phase {
    Idle,
    Authorizing {
        #[serde(skip)]
        in_flight: Option<TransmitId>,
        next_attempt: i64,
        failures: u32,
    },
    Polling {
        device_code: Secret,
        interval: i64,
        deadline: i64,
        next_poll: i64,
        #[serde(skip)]
        in_flight: Option<TransmitId>,
        failures: u32,
    },
    Finished,
}

/// The device-flow client machine. A host persists it between runs with
/// [`DeviceClient::snapshot`] and [`DeviceClient::restore`] (which runs the constructor's
/// checks).
///
/// ```
/// use authcore::device::{DeviceAction, DeviceClient, DeviceClientConfig};
/// use authcore::http::HttpResponse;
///
/// let mut client = DeviceClient::new(DeviceClientConfig::new("https://auth.example.com", "cli"))?;
/// let now = 1_700_000_000;
/// client.start(now)?;
/// let Some(DeviceAction::Send { transmit, request }) = client.poll_action() else { unreachable!() };
/// assert_eq!(request.url, "https://auth.example.com/api/auth/device/");
/// let body = r#"{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"https://example.com/device","expires_in":600,"interval":5}"#;
/// client.handle_response(transmit, HttpResponse::new(200).with_body(body), now)?;
/// assert!(matches!(client.poll_action(), Some(DeviceAction::Prompt(p)) if p.user_code == "BCDF-GHJK"));
/// assert_eq!(client.poll_action(), Some(DeviceAction::Wait { until: now + 5 }));
/// # Ok::<(), authcore::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DeviceClient {
    config: DeviceClientConfig,
    phase: Phase,
    next_transmit: TransmitId,
    actions: VecDeque<DeviceAction>,
}

/// The snapshot of a [`DeviceClient`], checked before it becomes one.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct DeviceClientSnapshot {
    version: u32,
    config: DeviceClientConfig,
    phase: Phase,
    next_transmit: TransmitId,
}

impl DeviceClient {
    /// A client with validated settings ([`DeviceClientConfig::validate`], `invalid_config`).
    pub fn new(config: DeviceClientConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            config,
            phase: Phase::Idle,
            next_transmit: 1,
            actions: VecDeque::new(),
        })
    }

    /// The machine as a versioned JSON value, `{"version": 1, "config", "phase",
    /// "next_transmit"}`, for [`DeviceClient::restore`]. An exchange in flight and actions not
    /// yet polled are not kept (see the module docs).
    pub fn snapshot(&self) -> Value {
        let snapshot = DeviceClientSnapshot {
            version: SNAPSHOT_VERSION,
            config: self.config.clone(),
            phase: self.phase.clone(),
            next_transmit: self.next_transmit,
        };
        serde_json::to_value(snapshot).unwrap_or(Value::Null)
    }

    /// Rebuilds a client from [`DeviceClient::snapshot`], with the constructor's checks: a
    /// `version` other than 1 is `state_version_unsupported`; a value of the wrong shape is
    /// `state_corrupt` naming `snapshot` (or `version`); bad settings are `invalid_config`
    /// naming the field, exactly as in [`DeviceClient::new`]; a machine that could not have
    /// been produced (an empty device code, a non-positive interval or `next_transmit`) is
    /// `state_corrupt` naming the field. Nothing is sent on failure. A machine that was
    /// authorizing or polling emits [`DeviceAction::Wait`] for its next attempt (already due
    /// when the snapshot was taken with a request in flight).
    pub fn restore(snapshot: &Value) -> Result<Self> {
        let s: DeviceClientSnapshot = crate::json::snapshot(snapshot, "device client")?;
        let mut client = Self::new(s.config)?;
        let corrupt = |field: &str, detail: &str| Err(Error::field(ErrorCode::StateCorrupt, field, detail));
        if s.next_transmit == 0 {
            return corrupt("next_transmit", "`next_transmit` must be positive.");
        }
        match &s.phase {
            Phase::Polling { device_code, .. } if device_code.expose().is_empty() => {
                return corrupt("phase.device_code", "`device_code` must not be empty.");
            }
            Phase::Polling { interval, .. } if !(1..=MAX_TIME).contains(interval) => {
                return corrupt("phase.interval", "`interval` must be a positive number of seconds.");
            }
            _ => {}
        }
        client.phase = s.phase;
        client.next_transmit = s.next_transmit;
        if let Some(until) = client.wake_up() {
            client.actions.push_back(DeviceAction::Wait { until });
        }
        Ok(client)
    }

    /// The next action, or `None` until the host reports something.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<DeviceAction> {
        self.actions.pop_front()
    }

    /// Every pending action, in order: [`DeviceClient::poll_action`] until it returns `None`.
    pub fn actions(&mut self) -> Vec<DeviceAction> {
        self.actions.drain(..).collect()
    }

    /// When the host should call [`DeviceClient::handle_timeout`], if at all.
    fn wake_up(&self) -> Option<i64> {
        match &self.phase {
            Phase::Authorizing {
                in_flight: None,
                next_attempt,
                ..
            } => Some(*next_attempt),
            Phase::Polling {
                in_flight: None,
                next_poll,
                deadline,
                ..
            } => Some((*next_poll).min(*deadline)),
            _ => None,
        }
    }

    /// The current polling interval (after any `slow_down`), once polling.
    pub fn interval(&self) -> Option<i64> {
        match &self.phase {
            Phase::Polling { interval, .. } => Some(*interval),
            _ => None,
        }
    }

    /// Interval and whether the flow has ended. Takes `now` like every machine's `status`;
    /// nothing in the answer depends on it today.
    pub fn status(&self, _now: i64) -> DeviceStatus {
        DeviceStatus {
            interval: self.interval(),
            finished: self.is_finished(),
        }
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &DeviceClientConfig {
        &self.config
    }

    /// Where the flow is: `"idle"` (not started), `"authorizing"` (asking for a device code),
    /// `"polling"` (waiting for the person) or `"finished"` (done, failed or cancelled).
    pub fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Idle => "idle",
            Phase::Authorizing { .. } => "authorizing",
            Phase::Polling { .. } => "polling",
            Phase::Finished => "finished",
        }
    }

    /// Whether the flow has ended (done, failed or cancelled).
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// Starts the flow: emits the device authorization request.
    pub fn start(&mut self, now: i64) -> Result<()> {
        if self.phase != Phase::Idle {
            return Err(Error::with_detail(
                ErrorCode::InvalidState,
                "The flow has already started.",
            ));
        }
        self.phase = Phase::Authorizing {
            in_flight: None,
            next_attempt: now,
            failures: 0,
        };
        self.handle_timeout(now)
    }

    /// Stops the flow: emits `failed` with `cancelled` (nothing, if it already ended).
    pub fn cancel(&mut self) {
        if !self.is_finished() {
            // Whatever was queued and not yet taken is void: no request goes out after a cancel.
            self.actions.retain(|a| {
                !matches!(
                    a,
                    DeviceAction::Send { .. } | DeviceAction::Prompt { .. } | DeviceAction::Wait { .. }
                )
            });
            self.fail(Error::new(ErrorCode::Cancelled));
        }
    }

    /// The host's timer fired (early calls are harmless: nothing is sent early).
    pub fn handle_timeout(&mut self, now: i64) -> Result<()> {
        enum Next {
            Nothing,
            Wait(i64),
            Authorize,
            Poll(Secret),
            Expire,
        }
        let next = match &self.phase {
            Phase::Authorizing {
                in_flight: None,
                next_attempt,
                ..
            } if now < *next_attempt => Next::Wait(*next_attempt),
            Phase::Authorizing { in_flight: None, .. } => Next::Authorize,
            Phase::Polling {
                in_flight: None,
                deadline,
                ..
            } if now >= *deadline => Next::Expire,
            Phase::Polling {
                in_flight: None,
                next_poll,
                deadline,
                ..
            } if now < *next_poll => Next::Wait((*next_poll).min(*deadline)),
            Phase::Polling {
                in_flight: None,
                device_code,
                ..
            } => Next::Poll(device_code.clone()),
            _ => Next::Nothing,
        };
        let request = match next {
            Next::Nothing => return Ok(()),
            Next::Wait(until) => {
                self.actions.push_back(DeviceAction::Wait { until });
                return Ok(());
            }
            Next::Expire => {
                self.fail(Error::with_detail(
                    ErrorCode::ExpiredToken,
                    "The code expired before it was approved.",
                ));
                return Ok(());
            }
            Next::Authorize => {
                let mut pairs = vec![("client_id", self.config.client_id.as_str())];
                if let Some(scope) = &self.config.scope {
                    pairs.push(("scope", scope));
                }
                self.request(&self.config.authorization_path, &pairs)
            }
            Next::Poll(code) => self.request(
                &self.config.token_path,
                &[
                    ("grant_type", DEVICE_CODE_GRANT_TYPE),
                    ("device_code", code.expose()),
                    ("client_id", self.config.client_id.as_str()),
                ],
            ),
        };
        let transmit = self.next_transmit;
        self.next_transmit += 1;
        if let Phase::Authorizing { in_flight, .. } | Phase::Polling { in_flight, .. } = &mut self.phase {
            *in_flight = Some(transmit);
        }
        self.actions.push_back(DeviceAction::Send { transmit, request });
        Ok(())
    }

    /// Reports a network-level failure of a `send`; retried with backoff, boundedly.
    pub fn handle_network_error(&mut self, transmit: TransmitId, now: i64) -> Result<()> {
        self.take_in_flight(transmit)?;
        self.retry_later(now, Error::new(ErrorCode::NetworkError));
        Ok(())
    }

    /// Reports the response to a `send`. Malformed responses end the flow with
    /// `invalid_response` naming the field; the call itself only fails for an unknown
    /// `transmit` (and then changes nothing).
    pub fn handle_response(&mut self, transmit: TransmitId, response: HttpResponse, now: i64) -> Result<()> {
        self.take_in_flight(transmit)?;
        if response.status >= 500 {
            let detail = format!("The server answered {}.", response.status);
            self.retry_later(now, Error::with_detail(ErrorCode::ServerError, detail));
            return Ok(());
        }
        let authorizing = matches!(self.phase, Phase::Authorizing { .. });
        let outcome = if authorizing {
            self.on_authorization(&response, now)
        } else {
            self.on_token(&response, now)
        };
        if let Err(e) = outcome {
            self.fail(e);
        }
        Ok(())
    }

    fn take_in_flight(&mut self, transmit: TransmitId) -> Result<()> {
        match &mut self.phase {
            Phase::Authorizing { in_flight, .. } | Phase::Polling { in_flight, .. } if *in_flight == Some(transmit) => {
                *in_flight = None;
                Ok(())
            }
            _ => Err(Error::field(
                ErrorCode::InvalidState,
                "transmit",
                format!("Unknown or finished transmit {transmit}."),
            )),
        }
    }

    fn request(&self, path: &str, pairs: &[(&str, &str)]) -> HttpRequest {
        let mut request = HttpRequest::new("POST", self.config.url(path));
        request.set_header("Accept", "application/json");
        let body = match self.config.encoding {
            Encoding::Form => {
                request.set_header("Content-Type", "application/x-www-form-urlencoded");
                form_encode(pairs)
            }
            Encoding::Json => {
                request.set_header("Content-Type", "application/json");
                let map: Map<String, Value> = pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
                    .collect();
                Value::Object(map).to_string()
            }
        };
        request.body = Some(body);
        request
    }

    /// Schedules another attempt after a transient failure, with exponential backoff
    /// (authorization: 1, 2, 4… s; polling: interval, 2×, 4×…; capped at `max_backoff`), or
    /// fails with `error` once `max_retries` consecutive failures have happened.
    fn retry_later(&mut self, now: i64, error: Error) {
        let (max_retries, cap) = (self.config.max_retries, self.config.max_backoff);
        let until = match &mut self.phase {
            Phase::Authorizing {
                failures, next_attempt, ..
            } => {
                *failures = failures.saturating_add(1);
                (*failures <= max_retries).then(|| {
                    *next_attempt = now.saturating_add(backoff(1, *failures, cap));
                    *next_attempt
                })
            }
            Phase::Polling {
                failures,
                next_poll,
                interval,
                deadline,
                ..
            } => {
                *failures = failures.saturating_add(1);
                (*failures <= max_retries).then(|| {
                    *next_poll = now.saturating_add(backoff(*interval, *failures, cap));
                    (*next_poll).min(*deadline)
                })
            }
            _ => return,
        };
        match until {
            Some(until) => self.actions.push_back(DeviceAction::Wait { until }),
            None => self.fail(error),
        }
    }

    fn on_authorization(&mut self, response: &HttpResponse, now: i64) -> Result<()> {
        if !response.is_success() {
            return Err(server_error(response));
        }
        let obj = parse_object(response.body.as_bytes()).map_err(|_| {
            Error::field(
                ErrorCode::InvalidResponse,
                "body",
                "The device authorization response is not a JSON object.",
            )
        })?;
        let f = Fields(&obj);
        let device_code = f.required("device_code")?;
        let user_code = f.required("user_code")?;
        check_user_code(&user_code)?;
        // `verification_url` is a widely deployed misspelling of the RFC's name.
        let verification_uri = match f.string("verification_uri")? {
            Some(u) => u,
            None => f
                .required("verification_url")
                .map_err(|_| missing("verification_uri"))?,
        };
        let insecure = self.config.allow_insecure_http;
        check_url(
            ErrorCode::InvalidResponse,
            "verification_uri",
            &verification_uri,
            insecure,
        )?;
        let verification_uri_complete = f.string("verification_uri_complete")?;
        if let Some(u) = &verification_uri_complete {
            check_url(ErrorCode::InvalidResponse, "verification_uri_complete", u, insecure)?;
        }
        let expires_in = f.seconds("expires_in")?.ok_or_else(|| missing("expires_in"))?;
        let interval = f.seconds("interval")?.unwrap_or(self.config.default_interval);
        if interval > 3600 {
            return Err(Error::field(
                ErrorCode::InvalidResponse,
                "interval",
                "`interval` must be at most 3600 seconds.",
            ));
        }
        let deadline = now.saturating_add(expires_in);
        self.actions.push_back(DeviceAction::Prompt(Prompt {
            user_code,
            verification_uri,
            verification_uri_complete,
            expires_at: deadline,
        }));
        let next_poll = now.saturating_add(interval);
        self.phase = Phase::Polling {
            device_code: Secret::new(device_code),
            interval,
            deadline,
            next_poll,
            in_flight: None,
            failures: 0,
        };
        self.actions.push_back(DeviceAction::Wait {
            until: next_poll.min(deadline),
        });
        Ok(())
    }

    fn on_token(&mut self, response: &HttpResponse, now: i64) -> Result<()> {
        let Phase::Polling {
            interval,
            next_poll,
            deadline,
            failures,
            ..
        } = &mut self.phase
        else {
            return Ok(());
        };
        *failures = 0;
        // An `error` member makes an error response whatever the status: GitHub polls answer
        // 200 with `{"error": "authorization_pending"}`.
        if response.is_success() && !crate::tokens::is_error_body(&response.body) {
            let rules = crate::tokens::ResponseRules {
                default_expires_in: self.config.default_expires_in,
                max_access_token_bytes: self.config.max_access_token_bytes,
            };
            let tokens = TokenSet::from_body(&response.body, now, rules)?;
            let generation = self.config.previous_generation.saturating_add(1);
            self.actions.push_back(DeviceAction::SaveTokens {
                stored: StoredTokens::new(tokens, generation, 0),
                generation,
                expected_generation: self.config.previous_generation,
            });
            self.actions.push_back(DeviceAction::Done);
            self.phase = Phase::Finished;
            return Ok(());
        }
        let error = if response.status == 429 {
            Error::new(ErrorCode::SlowDown)
        } else {
            server_error(response)
        };
        match error.code() {
            ErrorCode::AuthorizationPending => {}
            // RFC 8628 §3.5: the interval grows by 5 seconds for this and all later polls.
            ErrorCode::SlowDown => *interval = interval.saturating_add(5),
            _ => return Err(error),
        }
        *next_poll = now.saturating_add(*interval);
        let until = (*next_poll).min(*deadline);
        self.actions.push_back(DeviceAction::Wait { until });
        Ok(())
    }

    fn fail(&mut self, error: Error) {
        self.phase = Phase::Finished;
        self.actions.push_back(DeviceAction::Failed { error });
    }
}

/// Exponential backoff: `base · 2^(failures-1)`, capped.
fn backoff(base: i64, failures: u32, cap: i64) -> i64 {
    let factor = 1i64.checked_shl(failures.saturating_sub(1).min(20)).unwrap_or(i64::MAX);
    base.max(1).saturating_mul(factor).min(cap)
}

fn missing(field: &str) -> Error {
    Error::field(ErrorCode::InvalidResponse, field, format!("`{field}` is missing."))
}

/// Whether an endpoint setting is an absolute URL (it has a scheme) rather than a path.
fn is_absolute(path: &str) -> bool {
    url::Url::parse(path).is_ok()
}

/// The `user_code` rule of the module docs.
fn check_user_code(code: &str) -> Result<()> {
    let ok = code.len() <= MAX_USER_CODE_LEN
        && code.bytes().any(|b| b.is_ascii_alphanumeric())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b' ');
    if ok {
        Ok(())
    } else {
        Err(Error::field(
            ErrorCode::InvalidResponse,
            "user_code",
            "`user_code` must be 1 to 32 characters of A-Z, a-z, 0-9, '-' and space.",
        ))
    }
}

/// Turns a non-success response into a catalog error from its RFC 6749 §5.2 body.
fn server_error(response: &HttpResponse) -> Error {
    let Ok(obj) = parse_object(response.body.as_bytes()) else {
        return Error::field(
            ErrorCode::InvalidResponse,
            "status",
            format!("Unexpected status {} without an OAuth error body.", response.status),
        );
    };
    let Some(error) = obj.get("error").and_then(Value::as_str) else {
        return Error::field(
            ErrorCode::InvalidResponse,
            "error",
            format!("Status {} without an `error` member.", response.status),
        );
    };
    let Some(code) = oauth_error_from_str(error) else {
        return Error::field(
            ErrorCode::InvalidResponse,
            "error",
            format!("Unknown OAuth error `{}`.", truncate(error)),
        );
    };
    match obj.get("error_description").and_then(Value::as_str) {
        Some(d) if !d.is_empty() && !matches!(code, ErrorCode::AuthorizationPending | ErrorCode::SlowDown) => {
            Error::with_detail(code, truncate(d))
        }
        _ => Error::new(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;

    fn polling() -> (DeviceClient, TransmitId) {
        let mut c = DeviceClient::new(DeviceClientConfig::new("https://auth.example.com", "cli")).unwrap();
        c.start(NOW).unwrap();
        let Some(DeviceAction::Send { transmit, .. }) = c.poll_action() else {
            panic!("no send")
        };
        let body = r#"{"device_code":"dc","user_code":"BCDF-GHJK","verification_uri":"https://example.com/device","expires_in":600,"interval":5}"#;
        c.handle_response(transmit, HttpResponse::new(200).with_body(body), NOW)
            .unwrap();
        while c.poll_action().is_some() {}
        (c, transmit)
    }

    fn code(r: Result<DeviceClient>) -> (ErrorCode, Option<String>) {
        let e = r.unwrap_err();
        (e.code(), e.field_name().map(str::to_owned))
    }

    #[test]
    fn snapshot_is_versioned_and_tagged_by_type() {
        let (c, _) = polling();
        let snap = c.snapshot();
        assert_eq!(snap["version"], 1);
        assert_eq!(snap["phase"]["type"], "polling");
        assert!(snap["phase"].get("in_flight").is_none());
        assert_eq!(snap["next_transmit"], 2);
    }

    #[test]
    fn restored_machine_re_emits_its_wait() {
        let (c, _) = polling();
        let mut back = DeviceClient::restore(&c.snapshot()).unwrap();
        assert_eq!(back.poll_action(), Some(DeviceAction::Wait { until: NOW + 5 }));
        assert_eq!(back.poll_action(), None);
        assert_eq!(
            back.status(NOW),
            DeviceStatus {
                interval: Some(5),
                finished: false
            }
        );
        back.handle_timeout(NOW + 5).unwrap();
        assert!(matches!(
            back.poll_action(),
            Some(DeviceAction::Send { transmit: 2, .. })
        ));
    }

    #[test]
    fn an_exchange_in_flight_is_not_kept() {
        let (mut c, _) = polling();
        c.handle_timeout(NOW + 5).unwrap();
        assert!(matches!(c.poll_action(), Some(DeviceAction::Send { transmit: 2, .. })));
        let mut back = DeviceClient::restore(&c.snapshot()).unwrap();
        // Already due: the host wakes at once and the poll goes out again, with a new transmit.
        assert_eq!(back.poll_action(), Some(DeviceAction::Wait { until: NOW + 5 }));
        let late = back.handle_response(2, HttpResponse::new(200), NOW + 6).unwrap_err();
        assert_eq!(late.code(), ErrorCode::InvalidState);
        back.handle_timeout(NOW + 6).unwrap();
        assert!(matches!(
            back.poll_action(),
            Some(DeviceAction::Send { transmit: 3, .. })
        ));
    }

    #[test]
    fn idle_and_finished_machines_emit_nothing_on_restore() {
        let c = DeviceClient::new(DeviceClientConfig::new("https://auth.example.com", "cli")).unwrap();
        assert_eq!(DeviceClient::restore(&c.snapshot()).unwrap().poll_action(), None);
        let (mut c, _) = polling();
        c.cancel();
        let mut back = DeviceClient::restore(&c.snapshot()).unwrap();
        assert_eq!(back.poll_action(), None);
        assert!(back.status(NOW).finished);
    }

    #[test]
    fn restore_refuses_other_versions_and_shapes() {
        let (c, _) = polling();
        let snap = c.snapshot();
        let with = |k: &str, v: Value| {
            let mut s = snap.clone();
            s[k] = v;
            DeviceClient::restore(&s)
        };
        assert_eq!(
            code(with("version", json!(2))),
            (ErrorCode::StateVersionUnsupported, Some("version".into()))
        );
        assert_eq!(
            code(with("version", json!("1"))),
            (ErrorCode::StateCorrupt, Some("version".into()))
        );
        let mut s = snap.clone();
        s.as_object_mut().unwrap().remove("version");
        assert_eq!(
            code(DeviceClient::restore(&s)),
            (ErrorCode::StateCorrupt, Some("version".into()))
        );
        assert_eq!(
            code(DeviceClient::restore(&json!([]))),
            (ErrorCode::StateCorrupt, Some("snapshot".into()))
        );
        let mut phase = snap["phase"].clone();
        phase["in_flight"] = json!(1);
        assert_eq!(
            code(with("phase", phase)),
            (ErrorCode::StateCorrupt, Some("snapshot".into()))
        );
        assert_eq!(
            code(with("phase", json!({"phase": "idle"}))),
            (ErrorCode::StateCorrupt, Some("snapshot".into()))
        );
        assert_eq!(
            code(with("extra", json!(1))),
            (ErrorCode::StateCorrupt, Some("snapshot".into()))
        );
        assert_eq!(
            code(with("next_transmit", json!(0))),
            (ErrorCode::StateCorrupt, Some("next_transmit".into()))
        );
        // Secrets never reach the error text.
        let e = DeviceClient::restore(&with_phase_secret(&snap)).unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    fn with_phase_secret(snap: &Value) -> Value {
        let mut s = snap.clone();
        s["phase"]["device_code"] = json!(["s3cret"]);
        s
    }
}
