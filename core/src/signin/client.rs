//! Desktop sign-in, the app's side: a sans-IO machine.
//!
//! [`DesktopClient::start`] takes 64 random bytes (32 for `state`, then 32 for the PKCE
//! verifier) and emits, in order: `listen {redirect_uri}` (start the loopback listener or
//! make sure the custom scheme is registered), `open_browser {url}` (the sign-in page with
//! `redirect_uri`, `state`, `code_challenge`, `code_challenge_method=S256`) and
//! `wait {until}` (the deadline, [`DesktopClientConfig::timeout`] seconds later).
//!
//! The host passes what arrives at the redirect to [`DesktopClient::handle_redirect`]: the
//! full URL (`reeve://callback?code=…&state=…`), or for a loopback listener the request
//! target (`/callback?code=…`). Checks, in order:
//!
//! 1. it is this redirect: the URL (without its query) equals `redirect_uri`, or the target's
//!    path equals its path; otherwise `invalid_request` naming `redirect` and the machine
//!    keeps waiting (a stray request, such as `/favicon.ico`, answer it 404);
//! 2. `state` is present and equal, compared in constant time; otherwise `state_mismatch`
//!    and the machine keeps waiting (a forged redirect must not end a real sign-in);
//! 3. the deadline has not passed (else `failed` with `state_expired`);
//! 4. an `error` parameter ends the flow with `failed` (`access_denied` unless it names an
//!    OAuth code; the description, truncated, as detail);
//! 5. `code` present (else `failed` with `invalid_request`): the machine emits `send` with a
//!    `POST` of `{"code", "code_verifier", "redirect_uri"}` as JSON to `exchange_url`.
//!
//! A 2xx answer must be `{"session_token", "user_id", "email"?}` (strings; else `failed` with
//! `invalid_response` naming the member): the machine emits `save {session}` and `done`. The
//! session token is opaque and has no expiry; the host stores it and sends it as a bearer
//! token. Another answer ends with `failed`, its error read from a `{"detail", "code"}` body
//! (or an OAuth `{"error"}` body; else `invalid_response`). A network error ends with
//! `network_error` (the code is single use: start again).
//!
//! ```
//! use authcore::entropy::FixedEntropy;
//! use authcore::http::HttpResponse;
//! use authcore::signin::{DesktopAction, DesktopClient, DesktopClientConfig};
//!
//! let mut app = DesktopClient::new(DesktopClientConfig {
//!     sign_in_url: "https://app.example/desktop/sign-in".into(),
//!     exchange_url: "https://api.example/api/auth/desktop/exchange".into(),
//!     redirect_uri: "reeve://callback".into(),
//!     ..Default::default()
//! })?;
//! let now = 1_700_000_000;
//! app.start(now, &mut FixedEntropy::new(vec![1; 64]))?;
//! assert!(matches!(app.poll_action(), Some(DesktopAction::Listen { .. })));
//! let Some(DesktopAction::OpenBrowser { url }) = app.poll_action() else { unreachable!() };
//! assert!(url.starts_with("https://app.example/desktop/sign-in?redirect_uri=reeve%3A%2F%2Fcallback&state="));
//! assert_eq!(app.poll_action(), Some(DesktopAction::Wait { until: now + 600 }));
//! let state = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"; // 32 bytes of 1, base64url
//! app.handle_redirect(&format!("reeve://callback?code=c0de&state={state}"), now + 20)?;
//! let Some(DesktopAction::Send { transmit, request }) = app.poll_action() else { unreachable!() };
//! let body = r#"{"session_token":"550e8400-e29b-41d4-a716-446655440000","user_id":"user_abc123","email":"user@example.com"}"#;
//! app.handle_response(transmit, HttpResponse::new(200).with_body(body), now + 21)?;
//! assert!(matches!(app.poll_action(), Some(DesktopAction::Save { session }) if session.user_id == "user_abc123"));
//! assert_eq!(app.poll_action(), Some(DesktopAction::Done));
//! # let _ = request;
//! # Ok::<(), authcore::Error>(())
//! ```

use std::collections::VecDeque;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use super::desktop::check_app_redirect;
use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_endpoint, form_decode, query_encode, HttpRequest, HttpResponse};
use crate::json::{parse_object, truncate};
use crate::oauth::{error_from_str, Pkce};
use crate::secret::Secret;
use crate::tokens::TransmitId;
use crate::util::b64url;
use crate::SNAPSHOT_VERSION;

/// The desktop app's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct DesktopClientConfig {
    /// The web app's sign-in page the browser opens (`https`; `http` only to loopback).
    pub sign_in_url: String,
    /// The exchange endpoint (`https`; `http` only to loopback).
    pub exchange_url: String,
    /// Where the browser comes back: a private-use scheme URI (`reeve://callback`) or a
    /// loopback URL with the listener's port (`http://127.0.0.1:53682/callback`).
    pub redirect_uri: String,
    /// Seconds to wait for the redirect (default 600; 30 to 3600).
    pub timeout: i64,
    /// Allow plain `http` endpoints on any host (tests only).
    pub allow_insecure_http: bool,
}

impl Default for DesktopClientConfig {
    fn default() -> Self {
        Self {
            sign_in_url: String::new(),
            exchange_url: String::new(),
            redirect_uri: String::new(),
            timeout: 600,
            allow_insecure_http: false,
        }
    }
}

impl DesktopClientConfig {
    /// Checks the settings; errors are `invalid_config` naming the field.
    pub fn validate(&self) -> Result<()> {
        let insecure = self.allow_insecure_http;
        check_endpoint("sign_in_url", &self.sign_in_url, insecure)?;
        check_endpoint("exchange_url", &self.exchange_url, insecure)?;
        check_app_redirect(&self.redirect_uri, true)
            .map_err(|d| Error::field(ErrorCode::InvalidConfig, "redirect_uri", d))?;
        if !(30..=3600).contains(&self.timeout) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "timeout",
                "The timeout must be 30 to 3600 seconds.",
            ));
        }
        Ok(())
    }
}

/// The session the exchange returned: `{session_token, user_id, email}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DesktopSession {
    /// The opaque session token (no expiry known): send it as `Authorization: Bearer …`.
    pub session_token: Secret,
    /// The user.
    pub user_id: String,
    /// Their e-mail, if the server sent one.
    #[serde(default)]
    pub email: Option<String>,
}

/// What the desktop client wants the host to do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DesktopAction {
    /// Be ready to receive the redirect (start the loopback listener).
    Listen {
        /// The redirect URI.
        redirect_uri: String,
    },
    /// Open the system browser on this URL.
    OpenBrowser {
        /// The sign-in page with the request's parameters.
        url: String,
    },
    /// Call `handle_timeout` at (or after) this time.
    Wait {
        /// Unix seconds, local clock.
        until: i64,
    },
    /// Send this request; report with `handle_response` or `handle_network_error`.
    Send {
        /// Exchange id.
        transmit: TransmitId,
        /// The request.
        request: HttpRequest,
    },
    /// Store this session (the host's token store); the listener can stop.
    Save {
        /// The session.
        session: DesktopSession,
    },
    /// Signed in. The session is the preceding `save`'s.
    Done,
    /// The flow ended without a session.
    Failed {
        /// Why (`state_expired`, `access_denied`, `invalid_grant`, `invalid_response`,
        /// `network_error`, `cancelled`, …).
        error: Error,
    },
}

/// What a desktop client reports about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DesktopStatus {
    /// `idle`, `waiting` (for the redirect), `exchanging` or `finished`.
    pub phase: String,
    /// When the wait for the redirect ends, while waiting.
    #[serde(default)]
    pub deadline: Option<i64>,
    /// Whether the flow has ended.
    pub finished: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(rename = "DesktopClientPhase"))]
enum Phase {
    Idle,
    Waiting {
        state: Secret,
        code_verifier: Secret,
        deadline: i64,
    },
    Exchanging {
        code: Secret,
        code_verifier: Secret,
        #[serde(skip)]
        in_flight: Option<TransmitId>,
    },
    Finished,
}

/// The snapshot of a [`DesktopClient`], checked before it becomes one.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct DesktopClientSnapshot {
    version: u32,
    config: DesktopClientConfig,
    phase: Phase,
    next_transmit: TransmitId,
}

/// The desktop app's sign-in machine (see the module docs).
#[derive(Debug, Clone)]
pub struct DesktopClient {
    config: DesktopClientConfig,
    phase: Phase,
    next_transmit: TransmitId,
    actions: VecDeque<DesktopAction>,
}

impl DesktopClient {
    /// A client with validated settings ([`DesktopClientConfig::validate`]).
    pub fn new(config: DesktopClientConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            config,
            phase: Phase::Idle,
            next_transmit: 1,
            actions: VecDeque::new(),
        })
    }

    /// The machine as `{"version": 1, "config", "phase", "next_transmit"}` (it holds the
    /// `state` and verifier, or the code: store it like a credential). An exchange in flight
    /// is not kept: a restored machine sends it again.
    pub fn snapshot(&self) -> Value {
        let s = DesktopClientSnapshot {
            version: SNAPSHOT_VERSION,
            config: self.config.clone(),
            phase: self.phase.clone(),
            next_transmit: self.next_transmit,
        };
        serde_json::to_value(s).unwrap_or(Value::Null)
    }

    /// Rebuilds a client from [`DesktopClient::snapshot`] with the constructor's checks
    /// (`invalid_config`; `state_version_unsupported`; `state_corrupt` for a wrong shape, an
    /// empty secret or a zero `next_transmit`). A waiting machine re-emits `wait`; an
    /// exchanging one re-emits its `send`.
    pub fn restore(snapshot: &Value) -> Result<Self> {
        let s: DesktopClientSnapshot = crate::json::snapshot(snapshot, "desktop client")?;
        let mut client = Self::new(s.config)?;
        let corrupt = |field: &str, detail: &str| Err(Error::field(ErrorCode::StateCorrupt, field, detail));
        if s.next_transmit == 0 {
            return corrupt("next_transmit", "`next_transmit` must be positive.");
        }
        match &s.phase {
            Phase::Waiting {
                state, code_verifier, ..
            } if state.expose().is_empty() || code_verifier.expose().is_empty() => {
                return corrupt("phase", "The state and verifier must not be empty.");
            }
            Phase::Exchanging {
                code, code_verifier, ..
            } if code.expose().is_empty() || code_verifier.expose().is_empty() => {
                return corrupt("phase", "The code and verifier must not be empty.");
            }
            _ => {}
        }
        client.phase = s.phase;
        client.next_transmit = s.next_transmit;
        match &client.phase {
            Phase::Waiting { deadline, .. } => {
                let until = *deadline;
                client.actions.push_back(DesktopAction::Wait { until });
            }
            Phase::Exchanging {
                code, code_verifier, ..
            } => {
                let (code, verifier) = (code.clone(), code_verifier.clone());
                client.send_exchange(code, verifier);
            }
            _ => {}
        }
        Ok(client)
    }

    /// The next action, or `None` until the host reports something.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<DesktopAction> {
        self.actions.pop_front()
    }

    /// Every pending action, in order.
    pub fn actions(&mut self) -> Vec<DesktopAction> {
        self.actions.drain(..).collect()
    }

    /// The settings.
    pub fn config(&self) -> &DesktopClientConfig {
        &self.config
    }

    /// Where the flow is. Takes `now` like every machine's `status`.
    pub fn status(&self, _now: i64) -> DesktopStatus {
        let (phase, deadline) = match &self.phase {
            Phase::Idle => ("idle", None),
            Phase::Waiting { deadline, .. } => ("waiting", Some(*deadline)),
            Phase::Exchanging { .. } => ("exchanging", None),
            Phase::Finished => ("finished", None),
        };
        DesktopStatus {
            phase: phase.to_owned(),
            deadline,
            finished: self.is_finished(),
        }
    }

    /// Whether the flow has ended (done, failed or cancelled).
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// Starts the flow (see the module docs); `invalid_state` when already started.
    pub fn start(&mut self, now: i64, entropy: &mut dyn Entropy) -> Result<()> {
        if self.phase != Phase::Idle {
            return Err(Error::with_detail(
                ErrorCode::InvalidState,
                "The flow has already started.",
            ));
        }
        let state = b64url(&random_bytes(entropy, 32)?);
        let pkce = Pkce::generate(32, entropy)?;
        let sep = if self.config.sign_in_url.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!(
            "{}{sep}redirect_uri={}&state={}&code_challenge={}&code_challenge_method=S256",
            self.config.sign_in_url,
            query_encode(&self.config.redirect_uri),
            query_encode(&state),
            pkce.challenge
        );
        let deadline = now.saturating_add(self.config.timeout);
        self.phase = Phase::Waiting {
            state: Secret::new(state),
            code_verifier: pkce.verifier,
            deadline,
        };
        self.actions.push_back(DesktopAction::Listen {
            redirect_uri: self.config.redirect_uri.clone(),
        });
        self.actions.push_back(DesktopAction::OpenBrowser { url });
        self.actions.push_back(DesktopAction::Wait { until: deadline });
        Ok(())
    }

    /// Stops the flow: `failed` with `cancelled` (nothing if it already ended).
    pub fn cancel(&mut self) {
        if !self.is_finished() {
            self.actions.retain(|a| {
                !matches!(
                    a,
                    DesktopAction::Send { .. } | DesktopAction::Wait { .. } | DesktopAction::OpenBrowser { .. }
                )
            });
            self.fail(Error::new(ErrorCode::Cancelled));
        }
    }

    /// The host's timer fired: past the deadline while waiting, the flow fails with
    /// `state_expired`. Early calls are harmless.
    pub fn handle_timeout(&mut self, now: i64) -> Result<()> {
        if let Phase::Waiting { deadline, .. } = &self.phase {
            if now >= *deadline {
                self.fail(expired());
            }
        }
        Ok(())
    }

    /// What arrived at the redirect (see the module docs for the checks and which errors
    /// leave the machine waiting). `invalid_state` when not waiting for a redirect.
    pub fn handle_redirect(&mut self, redirect: &str, now: i64) -> Result<()> {
        let Phase::Waiting {
            state,
            code_verifier,
            deadline,
        } = &self.phase
        else {
            return Err(Error::with_detail(
                ErrorCode::InvalidState,
                "The client is not waiting for a redirect.",
            ));
        };
        if !self.is_our_redirect(redirect) {
            return Err(Error::field(
                ErrorCode::InvalidRequest,
                "redirect",
                "This is not the sign-in redirect.",
            ));
        }
        let query = crate::oauth::callback_query(redirect)?;
        let params = form_decode(&query).map_err(|e| match e.code() {
            ErrorCode::PayloadTooLarge => e.in_field("redirect"),
            _ => Error::field(
                ErrorCode::InvalidRequest,
                "redirect",
                "The redirect query is malformed.",
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
        let presented = get("state")?
            .ok_or_else(|| Error::field(ErrorCode::StateMismatch, "state", "The redirect has no state."))?;
        if !bool::from(presented.as_bytes().ct_eq(state.expose().as_bytes())) {
            return Err(Error::field(
                ErrorCode::StateMismatch,
                "state",
                "The redirect's state does not match.",
            ));
        }
        if now >= *deadline {
            self.fail(expired());
            return Ok(());
        }
        if let Some(error) = get("error")? {
            let code = error_from_str(error).unwrap_or(ErrorCode::AccessDenied);
            let detail = get("error_description")?
                .filter(|d| !d.is_empty())
                .map(truncate)
                .unwrap_or_else(|| format!("The sign-in page returned `{}`.", truncate(error)));
            self.fail(Error::field(code, "error", detail));
            return Ok(());
        }
        let Some(code) = get("code")?.filter(|c| !c.is_empty()) else {
            self.fail(Error::field(
                ErrorCode::InvalidRequest,
                "code",
                "The redirect has no code.",
            ));
            return Ok(());
        };
        let (code, verifier) = (Secret::new(code), code_verifier.clone());
        self.send_exchange(code, verifier);
        Ok(())
    }

    /// The exchange's response for `transmit` (see the module docs). `invalid_state` for a
    /// transmit that is not in flight.
    pub fn handle_response(&mut self, transmit: TransmitId, response: HttpResponse, _now: i64) -> Result<()> {
        self.take_in_flight(transmit)?;
        if !response.is_success() {
            self.fail(server_error(&response));
            return Ok(());
        }
        match session_from_body(&response.body) {
            Ok(session) => {
                self.phase = Phase::Finished;
                self.actions.push_back(DesktopAction::Save { session });
                self.actions.push_back(DesktopAction::Done);
            }
            Err(e) => self.fail(e),
        }
        Ok(())
    }

    /// The exchange for `transmit` could not be sent or answered: `failed` with
    /// `network_error`.
    pub fn handle_network_error(&mut self, transmit: TransmitId, _now: i64) -> Result<()> {
        self.take_in_flight(transmit)?;
        self.fail(Error::with_detail(
            ErrorCode::NetworkError,
            "The sign-in exchange could not reach the server; sign in again.",
        ));
        Ok(())
    }

    fn take_in_flight(&mut self, transmit: TransmitId) -> Result<()> {
        match &self.phase {
            Phase::Exchanging { in_flight: Some(t), .. } if *t == transmit => Ok(()),
            _ => Err(Error::with_detail(
                ErrorCode::InvalidState,
                "No exchange with this transmit id is in flight.",
            )),
        }
    }

    fn is_our_redirect(&self, redirect: &str) -> bool {
        let base = redirect.split(['?', '#']).next().unwrap_or(redirect);
        if base == self.config.redirect_uri {
            return true;
        }
        // A loopback listener sees the request target: compare the path.
        if redirect.starts_with('/') {
            if let Ok(url) = crate::http::parse_url(&self.config.redirect_uri) {
                return url.scheme() == "http" && base == url.path();
            }
        }
        false
    }

    fn send_exchange(&mut self, code: Secret, code_verifier: Secret) {
        let transmit = self.next_transmit;
        self.next_transmit = self.next_transmit.saturating_add(1);
        let body = json!({
            "code": code.expose(),
            "code_verifier": code_verifier.expose(),
            "redirect_uri": self.config.redirect_uri,
        });
        let mut request = HttpRequest::new("POST", self.config.exchange_url.clone());
        request.set_header("Accept", "application/json");
        request.set_header("Content-Type", "application/json");
        request.body = Some(body.to_string());
        self.phase = Phase::Exchanging {
            code,
            code_verifier,
            in_flight: Some(transmit),
        };
        self.actions.push_back(DesktopAction::Send { transmit, request });
    }

    fn fail(&mut self, error: Error) {
        self.phase = Phase::Finished;
        self.actions.push_back(DesktopAction::Failed { error });
    }
}

fn expired() -> Error {
    Error::field(
        ErrorCode::StateExpired,
        "state",
        "The sign-in took too long; start again.",
    )
}

/// The `{session_token, user_id, email}` body.
fn session_from_body(body: &str) -> Result<DesktopSession> {
    let bad = |f: &str, d: &str| Error::field(ErrorCode::InvalidResponse, f, d);
    let obj = parse_object(body.as_bytes()).map_err(|_| bad("body", "The response is not a JSON object."))?;
    let token = match obj.get("session_token") {
        Some(Value::String(t)) if !t.is_empty() && t.len() <= 4096 && t.bytes().all(|b| (b'!'..=b'~').contains(&b)) => {
            t.clone()
        }
        _ => {
            return Err(bad(
                "session_token",
                "`session_token` must be 1 to 4096 printable ASCII characters.",
            ))
        }
    };
    let user_id = match obj.get("user_id") {
        Some(Value::String(u)) if !u.is_empty() && u.len() <= 256 => u.clone(),
        _ => return Err(bad("user_id", "`user_id` must be a string of 1 to 256 bytes.")),
    };
    let email = match obj.get("email") {
        None | Some(Value::Null) => None,
        Some(Value::String(e)) => Some(e.clone()),
        Some(_) => return Err(bad("email", "`email` must be a string or null.")),
    };
    Ok(DesktopSession {
        session_token: Secret::new(token),
        user_id,
        email,
    })
}

/// A refusal from the exchange endpoint: `{"detail", "code"}`, else an OAuth error body.
fn server_error(response: &HttpResponse) -> Error {
    let fallback = || {
        Error::field(
            ErrorCode::InvalidResponse,
            "status",
            format!("Unexpected status {} from the exchange endpoint.", response.status),
        )
    };
    let Ok(obj) = parse_object(response.body.as_bytes()) else {
        return fallback();
    };
    let detail = |key: &str| {
        obj.get(key)
            .and_then(Value::as_str)
            .filter(|d| !d.is_empty())
            .map(truncate)
    };
    if let Some(code) = obj
        .get("code")
        .and_then(Value::as_str)
        .and_then(|c| ErrorCode::from_str(c).ok())
    {
        return match detail("detail") {
            Some(d) => Error::with_detail(code, d),
            None => Error::new(code),
        };
    }
    if let Some(code) = obj.get("error").and_then(Value::as_str).and_then(error_from_str) {
        return match detail("error_description") {
            Some(d) => Error::with_detail(code, d),
            None => Error::new(code),
        };
    }
    fallback()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;

    const NOW: i64 = 1_700_000_000;
    const STATE: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";

    fn started(redirect: &str) -> DesktopClient {
        let mut c = DesktopClient::new(DesktopClientConfig {
            sign_in_url: "https://app.example/desktop".into(),
            exchange_url: "https://api.example/exchange".into(),
            redirect_uri: redirect.into(),
            ..Default::default()
        })
        .unwrap();
        c.start(NOW, &mut FixedEntropy::new(vec![1; 64])).unwrap();
        assert_eq!(c.actions().len(), 3);
        c
    }

    #[test]
    fn loopback_target_and_stray_requests() {
        let mut c = started("http://127.0.0.1:53682/callback");
        let e = c.handle_redirect("/favicon.ico", NOW + 1).unwrap_err();
        assert_eq!(e.field_name(), Some("redirect"));
        let e = c.handle_redirect("/callback?code=x&state=nope", NOW + 1).unwrap_err();
        assert_eq!(e.code(), ErrorCode::StateMismatch);
        assert_eq!(c.status(NOW).phase, "waiting");
        c.handle_redirect(&format!("/callback?code=x&state={STATE}"), NOW + 2)
            .unwrap();
        let Some(DesktopAction::Send { transmit, request }) = c.poll_action() else {
            panic!()
        };
        let body: Value = serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["redirect_uri"], "http://127.0.0.1:53682/callback");
        assert_eq!(body["code"], "x");
        let err = HttpResponse::new(400).with_body(r#"{"detail":"The code was already used.","code":"invalid_grant"}"#);
        c.handle_response(transmit, err, NOW + 3).unwrap();
        assert!(
            matches!(c.poll_action(), Some(DesktopAction::Failed { error }) if error.code() == ErrorCode::InvalidGrant)
        );
        assert!(c.is_finished());
    }

    #[test]
    fn error_param_timeout_and_snapshot() {
        let mut c = started("reeve://callback");
        let snap = c.snapshot();
        c.handle_redirect(&format!("reeve://callback?error=access_denied&state={STATE}"), NOW + 1)
            .unwrap();
        assert!(
            matches!(c.poll_action(), Some(DesktopAction::Failed { error }) if error.code() == ErrorCode::AccessDenied)
        );
        let mut r = DesktopClient::restore(&snap).unwrap();
        assert_eq!(r.poll_action(), Some(DesktopAction::Wait { until: NOW + 600 }));
        r.handle_timeout(NOW + 599).unwrap();
        assert_eq!(r.poll_action(), None);
        r.handle_timeout(NOW + 600).unwrap();
        assert!(
            matches!(r.poll_action(), Some(DesktopAction::Failed { error }) if error.code() == ErrorCode::StateExpired)
        );
        let bad = DesktopClient::new(DesktopClientConfig {
            sign_in_url: "https://app.example/desktop".into(),
            exchange_url: "https://api.example/exchange".into(),
            redirect_uri: "javascript:alert(1)".into(),
            ..Default::default()
        });
        assert_eq!(bad.unwrap_err().field_name(), Some("redirect_uri"));
    }

    #[test]
    fn restore_checks_and_resends_the_exchange() {
        let mut c = started("reeve://callback");
        c.handle_redirect(&format!("reeve://callback?code=x&state={STATE}"), NOW + 1)
            .unwrap();
        let Some(DesktopAction::Send { transmit, .. }) = c.poll_action() else {
            panic!()
        };
        let snap = c.snapshot();
        assert!(!format!("{c:?}").contains(STATE), "Debug never shows the state");
        let mut r = DesktopClient::restore(&snap).unwrap();
        let Some(DesktopAction::Send { transmit: again, .. }) = r.poll_action() else {
            panic!()
        };
        assert_eq!(again, transmit + 1);
        c.handle_network_error(transmit, NOW + 2).unwrap();
        assert!(
            matches!(c.poll_action(), Some(DesktopAction::Failed { error }) if error.code() == ErrorCode::NetworkError)
        );
        let mut corrupt = snap.clone();
        corrupt["next_transmit"] = json!(0);
        assert_eq!(
            DesktopClient::restore(&corrupt).unwrap_err().code(),
            ErrorCode::StateCorrupt
        );
        corrupt["phase"] = json!({"type": "waiting", "state": "", "code_verifier": "v", "deadline": 1});
        corrupt["next_transmit"] = json!(1);
        assert_eq!(
            DesktopClient::restore(&corrupt).unwrap_err().field_name(),
            Some("phase")
        );
        assert_eq!(
            DesktopClient::restore(&json!([])).unwrap_err().code(),
            ErrorCode::StateCorrupt
        );
        r.cancel();
        assert!(
            matches!(r.actions().as_slice(), [DesktopAction::Failed { error }] if error.code() == ErrorCode::Cancelled)
        );
        assert_eq!(
            r.handle_redirect("reeve://callback", NOW).unwrap_err().code(),
            ErrorCode::InvalidState
        );
    }

    #[test]
    fn bad_success_body_fails() {
        let mut c = started("reeve://callback");
        c.handle_redirect(&format!("reeve://callback?code=x&state={STATE}"), NOW + 1)
            .unwrap();
        let Some(DesktopAction::Send { transmit, .. }) = c.poll_action() else {
            panic!()
        };
        assert!(c.handle_response(transmit + 1, HttpResponse::new(200), NOW).is_err());
        c.handle_response(transmit, HttpResponse::new(200).with_body(r#"{"user_id":"u"}"#), NOW)
            .unwrap();
        assert!(
            matches!(c.poll_action(), Some(DesktopAction::Failed { error }) if error.field_name() == Some("session_token"))
        );
    }
}
