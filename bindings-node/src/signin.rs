//! `signin`: desktop sign-in codes (server and app machine) and magic links, as in
//! `js/NATIVE.md`. Conversions only; the rules are the core's (`authcore::signin`).

use authcore::device::EntryLimiter;
use authcore::http::{HttpRequest, HttpResponse};
use authcore::signin::{
    self, DesktopClient as CoreDesktopClient, DesktopClientConfig, DesktopCode, DesktopExchangeRequest,
    DesktopSignIn as CoreDesktopSignIn, DesktopSignInConfig, MagicLinkConfig, MagicLinkRecord,
    MagicLinks as CoreMagicLinks,
};
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use serde_json::Value;

use super::{guard, out, parse, parse_config, parse_opt, rng, transmit_id, SessionManager};
use authcore::profile::Component;

/// Desktop sign-in, server side.
#[napi]
pub struct DesktopSignIn {
    inner: CoreDesktopSignIn,
}

#[napi]
impl DesktopSignIn {
    /// From a `DesktopSignInConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: DesktopSignInConfig = parse_config(&config_json, "config", Component::DesktopSignIn)?;
            Ok(Self {
                inner: CoreDesktopSignIn::new(config)?,
            })
        })
    }

    /// A code: JSON `{"code", "redirect_url", "record"}`.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &self,
        user_id: String,
        email: Option<String>,
        code_challenge: String,
        redirect_uri: String,
        state: Option<String>,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let i = self.inner.issue(
                &user_id,
                email.as_deref(),
                &code_challenge,
                &redirect_uri,
                state.as_deref(),
                now,
                &mut rng(entropy.as_deref()),
            )?;
            out(&i)
        })
    }

    /// Whether the app may use `redirect_uri`.
    #[napi]
    pub fn redirect_allowed(&self, redirect_uri: String) -> napi::Result<bool> {
        guard(|| Ok(self.inner.redirect_allowed(&redirect_uri)))
    }

    /// Redeems a code: JSON `{"type": "redeemed"|"burned", ...}`.
    #[napi]
    pub fn redeem(
        &self,
        record_json: Option<String>,
        code: String,
        code_verifier: String,
        redirect_uri: String,
        now: i64,
    ) -> napi::Result<String> {
        guard(|| {
            let r: Option<DesktopCode> = parse_opt(record_json.as_deref(), "record")?;
            out(&self
                .inner
                .redeem(r.as_ref(), &code, &code_verifier, &redirect_uri, now)?)
        })
    }

    /// The whole exchange: JSON `{"response", "record"?, "session"?}`.
    #[napi]
    pub fn exchange(
        &self,
        sessions: &SessionManager,
        record_json: Option<String>,
        request_json: String,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let r: Option<DesktopCode> = parse_opt(record_json.as_deref(), "record")?;
            let req: DesktopExchangeRequest = parse(&request_json, "request")?;
            out(&self
                .inner
                .exchange(&sessions.inner, r.as_ref(), &req, now, &mut rng(entropy.as_deref())))
        })
    }
}

/// Parses an exchange request: JSON `{"code", "code_verifier", "redirect_uri", "code_hash"}`.
#[napi]
pub fn parse_desktop_exchange(request_json: String) -> napi::Result<String> {
    guard(|| {
        let r: HttpRequest = parse(&request_json, "request")?;
        out(&DesktopExchangeRequest::from_request(&r)?)
    })
}

/// The lookup key of a desktop sign-in code.
#[napi]
pub fn desktop_code_hash(code: String) -> napi::Result<String> {
    guard(|| Ok(signin::desktop_code_hash(&code)))
}

/// Parses a stored desktop sign-in code record (JSON out).
#[napi]
pub fn load_desktop_code(text: String) -> napi::Result<String> {
    guard(|| out(&DesktopCode::from_json(&text)?))
}

/// Desktop sign-in, the app's machine.
#[napi]
pub struct DesktopClient {
    inner: CoreDesktopClient,
}

#[napi]
impl DesktopClient {
    /// From a `DesktopClientConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: DesktopClientConfig = parse_config(&config_json, "config", Component::DesktopClient)?;
            Ok(Self {
                inner: CoreDesktopClient::new(config)?,
            })
        })
    }

    /// Rebuilds a client from `snapshot()`.
    #[napi(factory)]
    pub fn restore(snapshot_json: String) -> napi::Result<Self> {
        guard(|| {
            let snapshot: Value = parse(&snapshot_json, "snapshot")?;
            Ok(Self {
                inner: CoreDesktopClient::restore(&snapshot)?,
            })
        })
    }

    /// Starts the flow.
    #[napi]
    pub fn start(&mut self, now: i64, entropy: Option<Uint8Array>) -> napi::Result<()> {
        guard(|| Ok(self.inner.start(now, &mut rng(entropy.as_deref()))?))
    }

    /// What arrived at the redirect.
    #[napi]
    pub fn handle_redirect(&mut self, redirect: String, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_redirect(&redirect, now)?))
    }

    /// Reports the response to the `send` action.
    #[napi]
    pub fn handle_response(&mut self, transmit: i64, response_json: String, now: i64) -> napi::Result<()> {
        guard(|| {
            let r: HttpResponse = parse(&response_json, "response")?;
            Ok(self.inner.handle_response(transmit_id(transmit)?, r, now)?)
        })
    }

    /// Reports a network failure of the `send` action.
    #[napi]
    pub fn handle_network_error(&mut self, transmit: i64, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_network_error(transmit_id(transmit)?, now)?))
    }

    /// The host's timer fired.
    #[napi]
    pub fn handle_timeout(&mut self, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_timeout(now)?))
    }

    /// Cancels the flow.
    #[napi]
    pub fn cancel(&mut self) -> napi::Result<()> {
        guard(|| {
            self.inner.cancel();
            Ok(())
        })
    }

    /// The next action (JSON), or `null`.
    #[napi]
    pub fn poll_action(&mut self) -> napi::Result<Option<String>> {
        guard(|| self.inner.poll_action().map(|a| out(&a)).transpose())
    }

    /// `{"phase", "deadline", "finished"}` (JSON).
    #[napi]
    pub fn status(&self, now: i64) -> napi::Result<String> {
        guard(|| out(&self.inner.status(now)))
    }

    /// `{"version": 1, "config", "phase", "next_transmit"}` (JSON).
    #[napi]
    pub fn snapshot(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.snapshot()))
    }
}

/// Magic links.
#[napi]
pub struct MagicLinks {
    inner: CoreMagicLinks,
}

#[napi]
impl MagicLinks {
    /// From a `MagicLinkConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: MagicLinkConfig = parse_config(&config_json, "config", Component::MagicLinks)?;
            Ok(Self {
                inner: CoreMagicLinks::new(config)?,
            })
        })
    }

    /// A link: JSON `{"token", "link"?, "record", "limiter"}`.
    #[napi]
    pub fn issue(
        &self,
        email: String,
        limiter_json: Option<String>,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let l: Option<EntryLimiter> = parse_opt(limiter_json.as_deref(), "limiter")?;
            out(&self
                .inner
                .issue(&email, l.as_ref(), now, &mut rng(entropy.as_deref()))?)
        })
    }

    /// Redeems a token: JSON `{"email", "record"}`.
    #[napi]
    pub fn redeem(&self, record_json: Option<String>, token: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let r: Option<MagicLinkRecord> = parse_opt(record_json.as_deref(), "record")?;
            out(&self.inner.redeem(r.as_ref(), &token, now)?)
        })
    }
}

/// The lookup key of a magic-link token.
#[napi]
pub fn magic_link_hash(token: String) -> napi::Result<String> {
    guard(|| Ok(signin::magic_link_hash(&token)))
}

/// Parses a stored magic-link record (JSON out).
#[napi]
pub fn load_magic_link(text: String) -> napi::Result<String> {
    guard(|| out(&MagicLinkRecord::from_json(&text)?))
}
