//! `authflow`: dynamic client registration and auth sessions (both modules), as in
//! `bindings-node/js/NATIVE.md`. Conversions only; the rules are the core's.

use std::collections::BTreeMap;

use authcore::authflow::{AuthSession as CoreAuthSession, AuthSessionConfig, Flow};
use authcore::broker::Provider;
use authcore::http::HttpResponse;
use authcore::registration::{self, ClientMetadata};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::{decode, from_json, int, json_or_null, parse_value, rng, to_json, uint, Core, R};

/// The RFC 7591 registration request: JSON HttpRequest.
#[wasm_bindgen(js_name = registrationRequest)]
pub fn registration_request(endpoint: &str, metadata_json: &str, allow_loopback_http: bool) -> R<String> {
    let m: ClientMetadata = from_json(metadata_json, "metadata")?;
    to_json(&registration::registration_request(endpoint, &m, allow_loopback_http).js()?)
}

/// The registered client in the registration endpoint's answer: JSON RegisteredClient.
#[wasm_bindgen(js_name = registrationResponse)]
pub fn registration_response(response_json: &str, now: f64) -> R<String> {
    let r: HttpResponse = from_json(response_json, "response")?;
    to_json(&registration::registration_response(&r, int(now, "now")?).js()?)
}

/// One attempt to connect a provider.
#[wasm_bindgen]
pub struct AuthSession {
    inner: CoreAuthSession,
}

#[wasm_bindgen]
impl AuthSession {
    /// Starts a session: a Provider, a flow name, and AuthSessionConfig (JSON).
    pub fn start(
        provider_json: &str,
        flow: &str,
        now: f64,
        entropy: Option<Vec<u8>>,
        config_json: &str,
    ) -> R<AuthSession> {
        let p: Provider = from_json(provider_json, "provider")?;
        let f: Flow = decode(Value::String(flow.to_owned()), "flow")?;
        let c: AuthSessionConfig = from_json(config_json, "options")?;
        Ok(Self {
            inner: CoreAuthSession::start(&p, f, c, int(now, "now")?, &mut rng(entropy)).js()?,
        })
    }

    /// Rebuilds a session from `snapshot()`.
    pub fn restore(snapshot_json: &str) -> R<AuthSession> {
        let snap: Value = parse_value(snapshot_json, "snapshot")?;
        Ok(Self {
            inner: CoreAuthSession::restore(&snap).js()?,
        })
    }

    /// The session id.
    #[wasm_bindgen(js_name = sessionId)]
    pub fn session_id(&self) -> String {
        self.inner.session_id().to_owned()
    }

    /// The provider, with the registered client once there is one: JSON.
    pub fn provider(&self) -> R<String> {
        to_json(&self.inner.provider())
    }

    /// Reports the response to a `send` action.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, transmit: f64, response_json: &str, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        let r: HttpResponse = from_json(response_json, "response")?;
        self.inner.handle_response(transmit, r, int(now, "now")?).js()
    }

    /// Reports a network failure of a `send` action.
    #[wasm_bindgen(js_name = handleNetworkError)]
    pub fn handle_network_error(&mut self, transmit: f64, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        self.inner.handle_network_error(transmit, int(now, "now")?).js()
    }

    /// The host's timer fired.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) -> R<()> {
        self.inner.handle_timeout(int(now, "now")?).js()
    }

    /// The OAuth callback.
    #[wasm_bindgen(js_name = handleCallback)]
    pub fn handle_callback(&mut self, callback: &str, now: f64) -> R<()> {
        self.inner.handle_callback(callback, int(now, "now")?).js()
    }

    /// The form's values (JSON object of strings).
    #[wasm_bindgen(js_name = submitInput)]
    pub fn submit_input(&mut self, values_json: &str, now: f64) -> R<()> {
        let v: BTreeMap<String, String> = from_json(values_json, "values")?;
        self.inner.submit_input(&v, int(now, "now")?).js()
    }

    /// Continues a paused session, or shows a waiting one's page again.
    pub fn resume(&mut self, now: f64) -> R<()> {
        self.inner.resume(int(now, "now")?).js()
    }

    /// The next action (JSON), or `null`.
    #[wasm_bindgen(js_name = pollAction)]
    pub fn poll_action(&mut self) -> R<JsValue> {
        json_or_null(self.inner.poll_action())
    }

    /// AuthSessionStatus: JSON.
    pub fn status(&self, now: f64) -> R<String> {
        to_json(&self.inner.status(int(now, "now")?))
    }

    /// AuthSessionSnapshot: JSON.
    pub fn snapshot(&self) -> R<String> {
        to_json(&self.inner.snapshot())
    }
}
