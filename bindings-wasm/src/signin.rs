//! `signin`: the desktop app's sign-in machine (both modules) and, with `server`, desktop
//! sign-in codes and magic links, as in `bindings-node/js/NATIVE.md`. Conversions only.

use authcore::http::HttpResponse;
use authcore::signin::{DesktopClient as CoreDesktopClient, DesktopClientConfig};
#[cfg(feature = "server")]
use authcore::{
    device::EntryLimiter,
    http::HttpRequest,
    signin::{
        self, DesktopCode, DesktopExchangeRequest, DesktopSignIn as CoreDesktopSignIn, DesktopSignInConfig,
        MagicLinkConfig, MagicLinkRecord, MagicLinks as CoreMagicLinks,
    },
};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::{config_json_for, from_json, int, json_or_null, parse_value, to_json, uint, Core, R};
#[cfg(feature = "server")]
use super::{opt_json, rng, SessionManager};
use authcore::profile::Component;

/// Desktop sign-in, the app's machine.
#[wasm_bindgen]
pub struct DesktopClient {
    inner: CoreDesktopClient,
}

#[wasm_bindgen]
impl DesktopClient {
    /// From the client settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<DesktopClient> {
        let config: DesktopClientConfig = config_json_for(config_json, "config", Component::DesktopClient)?;
        Ok(Self {
            inner: CoreDesktopClient::new(config).js()?,
        })
    }

    /// Rebuilds a client from `snapshot()`.
    pub fn restore(snapshot_json: &str) -> R<DesktopClient> {
        let snap: Value = parse_value(snapshot_json, "snapshot")?;
        Ok(Self {
            inner: CoreDesktopClient::restore(&snap).js()?,
        })
    }

    /// Starts the flow.
    pub fn start(&mut self, now: f64, entropy: Option<Vec<u8>>) -> R<()> {
        let now = int(now, "now")?;
        self.inner
            .start(now, &mut authcore::entropy::EntropySource::from_bytes(entropy))
            .js()
    }

    /// What arrived at the redirect.
    #[wasm_bindgen(js_name = handleRedirect)]
    pub fn handle_redirect(&mut self, redirect: &str, now: f64) -> R<()> {
        self.inner.handle_redirect(redirect, int(now, "now")?).js()
    }

    /// Reports the response to the `send` action.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, transmit: f64, response_json: &str, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        let r: HttpResponse = from_json(response_json, "response")?;
        self.inner.handle_response(transmit, r, int(now, "now")?).js()
    }

    /// Reports a network failure of the `send` action.
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

    /// Cancels the flow.
    pub fn cancel(&mut self) {
        self.inner.cancel();
    }

    /// The next action (JSON), or `null`.
    #[wasm_bindgen(js_name = pollAction)]
    pub fn poll_action(&mut self) -> R<JsValue> {
        json_or_null(self.inner.poll_action())
    }

    /// The status at `now`: JSON.
    pub fn status(&self, now: f64) -> R<String> {
        to_json(&self.inner.status(int(now, "now")?))
    }

    /// The snapshot: JSON.
    pub fn snapshot(&self) -> R<String> {
        to_json(&self.inner.snapshot())
    }
}

#[cfg(feature = "server")]
/// Desktop sign-in, server side.
#[wasm_bindgen]
pub struct DesktopSignIn {
    inner: CoreDesktopSignIn,
}

#[cfg(feature = "server")]
#[wasm_bindgen]
impl DesktopSignIn {
    /// From the settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<DesktopSignIn> {
        let config: DesktopSignInConfig = config_json_for(config_json, "config", Component::DesktopSignIn)?;
        Ok(Self {
            inner: CoreDesktopSignIn::new(config).js()?,
        })
    }

    /// A code: JSON `{code, redirect_url, record}`.
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &self,
        user_id: &str,
        email: Option<String>,
        code_challenge: &str,
        redirect_uri: &str,
        state: Option<String>,
        now: f64,
        entropy: Option<Vec<u8>>,
    ) -> R<String> {
        let now = int(now, "now")?;
        let i = self
            .inner
            .issue(
                user_id,
                email.as_deref(),
                code_challenge,
                redirect_uri,
                state.as_deref(),
                now,
                &mut rng(entropy),
            )
            .js()?;
        to_json(&i)
    }

    /// Whether the app may use `redirect_uri`.
    #[wasm_bindgen(js_name = redirectAllowed)]
    pub fn redirect_allowed(&self, redirect_uri: &str) -> bool {
        self.inner.redirect_allowed(redirect_uri)
    }

    /// Redeems a code: JSON (`redeemed` or `burned`).
    pub fn redeem(
        &self,
        record_json: Option<String>,
        code: &str,
        code_verifier: &str,
        redirect_uri: &str,
        now: f64,
    ) -> R<String> {
        let r: Option<DesktopCode> = opt_json(record_json, "record")?;
        let now = int(now, "now")?;
        to_json(
            &self
                .inner
                .redeem(r.as_ref(), code, code_verifier, redirect_uri, now)
                .js()?,
        )
    }

    /// The whole exchange: JSON `{response, record?, session?}`.
    pub fn exchange(
        &self,
        sessions: &SessionManager,
        record_json: Option<String>,
        request_json: &str,
        now: f64,
        entropy: Option<Vec<u8>>,
    ) -> R<String> {
        let r: Option<DesktopCode> = opt_json(record_json, "record")?;
        let req: DesktopExchangeRequest = from_json(request_json, "request")?;
        let now = int(now, "now")?;
        to_json(
            &self
                .inner
                .exchange(&sessions.inner, r.as_ref(), &req, now, &mut rng(entropy)),
        )
    }
}

#[cfg(feature = "server")]
/// Parses an exchange request: JSON `{code, code_verifier, redirect_uri, code_hash}`.
#[wasm_bindgen(js_name = parseDesktopExchange)]
pub fn parse_desktop_exchange(request_json: &str) -> R<String> {
    let r: HttpRequest = from_json(request_json, "request")?;
    to_json(&DesktopExchangeRequest::from_request(&r).js()?)
}

#[cfg(feature = "server")]
/// The lookup key of a desktop sign-in code.
#[wasm_bindgen(js_name = desktopCodeHash)]
pub fn desktop_code_hash(code: &str) -> String {
    signin::desktop_code_hash(code)
}

#[cfg(feature = "server")]
/// Parses a stored desktop sign-in code record: JSON.
#[wasm_bindgen(js_name = loadDesktopCode)]
pub fn load_desktop_code(text: &str) -> R<String> {
    to_json(&DesktopCode::from_json(text).js()?)
}

#[cfg(feature = "server")]
/// Magic links.
#[wasm_bindgen]
pub struct MagicLinks {
    inner: CoreMagicLinks,
}

#[cfg(feature = "server")]
#[wasm_bindgen]
impl MagicLinks {
    /// From the settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<MagicLinks> {
        let config: MagicLinkConfig = config_json_for(config_json, "config", Component::MagicLinks)?;
        Ok(Self {
            inner: CoreMagicLinks::new(config).js()?,
        })
    }

    /// A link: JSON `{token, link?, record, limiter}`.
    pub fn issue(&self, email: &str, limiter_json: Option<String>, now: f64, entropy: Option<Vec<u8>>) -> R<String> {
        let l: Option<EntryLimiter> = opt_json(limiter_json, "limiter")?;
        let now = int(now, "now")?;
        to_json(&self.inner.issue(email, l.as_ref(), now, &mut rng(entropy)).js()?)
    }

    /// Redeems a token: JSON `{email, record}`.
    pub fn redeem(&self, record_json: Option<String>, token: &str, now: f64) -> R<String> {
        let r: Option<MagicLinkRecord> = opt_json(record_json, "record")?;
        let now = int(now, "now")?;
        to_json(&self.inner.redeem(r.as_ref(), token, now).js()?)
    }
}

#[cfg(feature = "server")]
/// The lookup key of a magic-link token.
#[wasm_bindgen(js_name = magicLinkHash)]
pub fn magic_link_hash(token: &str) -> String {
    signin::magic_link_hash(token)
}

#[cfg(feature = "server")]
/// Parses a stored magic-link record: JSON.
#[wasm_bindgen(js_name = loadMagicLink)]
pub fn load_magic_link(text: &str) -> R<String> {
    to_json(&MagicLinkRecord::from_json(text).js()?)
}
