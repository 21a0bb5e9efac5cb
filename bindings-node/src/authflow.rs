//! `authflow`: dynamic client registration and auth sessions, as in `js/NATIVE.md`.
//! Conversions only; the rules are the core's (`authcore::registration`, `authcore::authflow`).

use std::collections::BTreeMap;

use authcore::authflow::{AuthSession as CoreAuthSession, AuthSessionConfig, Flow};
use authcore::broker::Provider;
use authcore::http::HttpResponse;
use authcore::registration::{self, ClientMetadata};
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use serde_json::Value;

use super::{decode, guard, out, parse, rng, transmit_id};

/// The RFC 7591 registration request: JSON HttpRequest.
#[napi]
pub fn registration_request(
    endpoint: String,
    metadata_json: String,
    allow_loopback_http: bool,
) -> napi::Result<String> {
    guard(|| {
        let m: ClientMetadata = parse(&metadata_json, "metadata")?;
        out(&registration::registration_request(&endpoint, &m, allow_loopback_http)?)
    })
}

/// The registered client in the registration endpoint's answer: JSON RegisteredClient.
#[napi]
pub fn registration_response(response_json: String, now: i64) -> napi::Result<String> {
    guard(|| {
        let r: HttpResponse = parse(&response_json, "response")?;
        out(&registration::registration_response(&r, now)?)
    })
}

/// One attempt to connect a provider.
#[napi]
pub struct AuthSession {
    inner: CoreAuthSession,
}

#[napi]
impl AuthSession {
    /// Starts a session: a Provider, a flow name, and AuthSessionConfig.
    #[napi(factory)]
    pub fn start(
        provider_json: String,
        flow: String,
        now: i64,
        entropy: Option<Uint8Array>,
        config_json: String,
    ) -> napi::Result<Self> {
        guard(|| {
            let p: Provider = parse(&provider_json, "provider")?;
            let f: Flow = decode(Value::String(flow), "flow")?;
            let c: AuthSessionConfig = parse(&config_json, "options")?;
            Ok(Self {
                inner: CoreAuthSession::start(&p, f, c, now, &mut rng(entropy.as_deref()))?,
            })
        })
    }

    /// Rebuilds a session from `snapshot()`.
    #[napi(factory)]
    pub fn restore(snapshot_json: String) -> napi::Result<Self> {
        guard(|| {
            let snapshot: Value = parse(&snapshot_json, "snapshot")?;
            Ok(Self {
                inner: CoreAuthSession::restore(&snapshot)?,
            })
        })
    }

    /// The session id.
    #[napi]
    pub fn session_id(&self) -> napi::Result<String> {
        guard(|| Ok(self.inner.session_id().to_owned()))
    }

    /// The provider, with the registered client once there is one (JSON).
    #[napi]
    pub fn provider(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.provider()))
    }

    /// Reports the response to a `send` action.
    #[napi]
    pub fn handle_response(&mut self, transmit: i64, response_json: String, now: i64) -> napi::Result<()> {
        guard(|| {
            let r: HttpResponse = parse(&response_json, "response")?;
            Ok(self.inner.handle_response(transmit_id(transmit)?, r, now)?)
        })
    }

    /// Reports a network failure of a `send` action.
    #[napi]
    pub fn handle_network_error(&mut self, transmit: i64, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_network_error(transmit_id(transmit)?, now)?))
    }

    /// The host's timer fired.
    #[napi]
    pub fn handle_timeout(&mut self, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_timeout(now)?))
    }

    /// The OAuth callback.
    #[napi]
    pub fn handle_callback(&mut self, callback: String, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_callback(&callback, now)?))
    }

    /// The form's values (JSON object of strings).
    #[napi]
    pub fn submit_input(&mut self, values_json: String, now: i64) -> napi::Result<()> {
        guard(|| {
            let v: BTreeMap<String, String> = parse(&values_json, "values")?;
            Ok(self.inner.submit_input(&v, now)?)
        })
    }

    /// Continues a paused session, or shows a waiting one's page again.
    #[napi]
    pub fn resume(&mut self, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.resume(now)?))
    }

    /// The next action (JSON), or `null`.
    #[napi]
    pub fn poll_action(&mut self) -> napi::Result<Option<String>> {
        guard(|| self.inner.poll_action().map(|a| out(&a)).transpose())
    }

    /// AuthSessionStatus (JSON).
    #[napi]
    pub fn status(&self, now: i64) -> napi::Result<String> {
        guard(|| out(&self.inner.status(now)))
    }

    /// AuthSessionSnapshot (JSON).
    #[napi]
    pub fn snapshot(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.snapshot()))
    }
}
