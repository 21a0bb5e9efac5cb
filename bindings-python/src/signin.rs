//! `authcore.signin`: desktop sign-in codes (server and app machine) and magic links.
//! Conversions only; the rules are the core's (`authcore::signin`).

use std::sync::Mutex;

use authcore::device::EntryLimiter;
use authcore::http::{HttpRequest, HttpResponse};
use authcore::profile::Component;
use authcore::signin::{
    self, DesktopClient as CoreDesktopClient, DesktopClientConfig, DesktopCode, DesktopExchangeRequest,
    DesktopSignIn as CoreDesktopSignIn, DesktopSignInConfig, MagicLinkConfig, MagicLinkRecord,
    MagicLinks as CoreMagicLinks,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use serde_json::Value;

use super::{
    from_py, guard, lock, now_or, opt_from_py, profiled, r_list, r_opt, r_str, r_url, reduce, rng, to_py, EntropyBytes,
    IntoPy, SessionManager,
};

/// Desktop sign-in, server side: one-time codes bound to a PKCE challenge and a redirect URI.
#[pyclass(module = "authcore.signin", frozen)]
pub(crate) struct DesktopSignIn {
    inner: CoreDesktopSignIn,
}

guarded! {
#[pymethods]
impl DesktopSignIn {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: DesktopSignInConfig = profiled(py, config, kwargs, profile, "config", Component::DesktopSignIn)?;
        Ok(Self {
            inner: CoreDesktopSignIn::new(config).py(py)?,
        })
    }

    /// A code for `user_id`: `{"code", "redirect_url", "record"}`.
    #[pyo3(signature = (user_id, email, code_challenge, redirect_uri, state=None, now=None, entropy=None))]
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &self,
        py: Python<'_>,
        user_id: &str,
        email: Option<&str>,
        code_challenge: &str,
        redirect_uri: &str,
        state: Option<&str>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let i = self
            .inner
            .issue(user_id, email, code_challenge, redirect_uri, state, now_or(now), &mut rng(entropy))
            .py(py)?;
        to_py(py, &i)
    }

    /// Whether the app may use `redirect_uri`.
    fn redirect_allowed(&self, redirect_uri: &str) -> PyResult<bool> {
        Ok(self.inner.redirect_allowed(redirect_uri))
    }

    /// Redeems a code: `{"type": "redeemed", ...}` or `{"type": "burned", ...}`.
    #[pyo3(signature = (record, code, code_verifier, redirect_uri, now=None))]
    fn redeem(
        &self,
        py: Python<'_>,
        record: Option<&Bound<'_, PyAny>>,
        code: &str,
        code_verifier: &str,
        redirect_uri: &str,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let r: Option<DesktopCode> = opt_from_py(record, "record")?;
        let out = self
            .inner
            .redeem(r.as_ref(), code, code_verifier, redirect_uri, now_or(now))
            .py(py)?;
        to_py(py, &out)
    }

    /// The whole exchange: `{"response", "record"?, "session"?}`.
    #[pyo3(signature = (sessions, record, request, now=None, entropy=None))]
    fn exchange(
        &self,
        py: Python<'_>,
        sessions: &SessionManager,
        record: Option<&Bound<'_, PyAny>>,
        request: &Bound<'_, PyAny>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let r: Option<DesktopCode> = opt_from_py(record, "record")?;
        let req: DesktopExchangeRequest = from_py(request, "request")?;
        let out = self
            .inner
            .exchange(&sessions.inner, r.as_ref(), &req, now_or(now), &mut rng(entropy));
        to_py(py, &out)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "DesktopSignIn(redirect_uris={}, code_ttl={})",
            r_list(py, c.redirect_uris.iter().map(String::as_str))?,
            c.code_ttl
        ))
    }
}
}

guarded! {
/// Parses an exchange request (`{"code", "code_verifier", "redirect_uri", "code_hash"}`).
#[pyfunction]
fn parse_desktop_exchange(py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let r: HttpRequest = from_py(request, "request")?;
    let parsed = DesktopExchangeRequest::from_request(&r).py(py)?;
    to_py(py, &parsed)
}
}

guarded! {
/// The lookup key of a desktop sign-in code.
#[pyfunction]
fn desktop_code_hash(code: &str) -> PyResult<String> {
    Ok(signin::desktop_code_hash(code))
}
}

guarded! {
/// Parses a stored desktop sign-in code record.
#[pyfunction]
fn load_desktop_code(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let r = DesktopCode::from_json(text).py(py)?;
    to_py(py, &r)
}
}

/// Desktop sign-in, the app's side: a sans-IO machine.
#[pyclass(module = "authcore.signin", frozen)]
pub(crate) struct DesktopClient {
    inner: Mutex<CoreDesktopClient>,
}

guarded! {
#[pymethods]
impl DesktopClient {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: DesktopClientConfig = profiled(py, config, kwargs, profile, "config", Component::DesktopClient)?;
        Ok(Self {
            inner: Mutex::new(CoreDesktopClient::new(config).py(py)?),
        })
    }

    /// Starts the flow: `listen`, `open_browser`, `wait`.
    #[pyo3(signature = (now=None, entropy=None))]
    fn start(&self, py: Python<'_>, now: Option<i64>, entropy: Option<EntropyBytes>) -> PyResult<()> {
        lock(&self.inner)?.start(now_or(now), &mut rng(entropy)).py(py)
    }

    /// What arrived at the redirect (the URL, or the loopback request target).
    #[pyo3(signature = (redirect, now=None))]
    fn handle_redirect(&self, py: Python<'_>, redirect: &str, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_redirect(redirect, now_or(now)).py(py)
    }

    /// Reports the response to the `send` action.
    #[pyo3(signature = (transmit, response, now=None))]
    fn handle_response(
        &self,
        py: Python<'_>,
        transmit: u64,
        response: &Bound<'_, PyAny>,
        now: Option<i64>,
    ) -> PyResult<()> {
        let r: HttpResponse = from_py(response, "response")?;
        lock(&self.inner)?.handle_response(transmit, r, now_or(now)).py(py)
    }

    /// Reports a network failure of the `send` action.
    #[pyo3(signature = (transmit, now=None))]
    fn handle_network_error(&self, py: Python<'_>, transmit: u64, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_network_error(transmit, now_or(now)).py(py)
    }

    /// The host's timer fired.
    #[pyo3(signature = (now=None))]
    fn handle_timeout(&self, py: Python<'_>, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_timeout(now_or(now)).py(py)
    }

    /// Cancels the flow.
    fn cancel(&self) -> PyResult<()> {
        lock(&self.inner)?.cancel();
        Ok(())
    }

    /// The next action as a dict (tagged by `"type"`), or `None`.
    fn poll_action(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let a = lock(&self.inner)?.poll_action();
        a.map(|a| to_py(py, &a)).transpose()
    }

    /// Every pending action, in order.
    fn actions(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let actions = lock(&self.inner)?.actions();
        to_py(py, &actions)
    }

    /// `{"phase", "deadline", "finished"}`.
    #[pyo3(signature = (now=None))]
    fn status(&self, py: Python<'_>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let status = lock(&self.inner)?.status(now_or(now));
        to_py(py, &status)
    }

    /// `{"version": 1, "config", "phase", "next_transmit"}` (holds secrets: store it like one).
    fn snapshot(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let snapshot = lock(&self.inner)?.snapshot();
        to_py(py, &snapshot)
    }

    /// Rebuilds a client from `snapshot()`, with every check of construction.
    #[staticmethod]
    fn restore(py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<Self> {
        let c = CoreDesktopClient::restore(&from_py::<Value>(snapshot, "snapshot")?).py(py)?;
        Ok(Self { inner: Mutex::new(c) })
    }

    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, Py<PyTuple>)> {
        let snapshot = slf.get().snapshot(slf.py())?;
        reduce(slf.as_any(), snapshot)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = lock(&self.inner)?;
        Ok(format!(
            "DesktopClient(sign_in_url={}, redirect_uri={}, status={})",
            r_url(py, &c.config().sign_in_url)?,
            r_str(py, &c.config().redirect_uri)?,
            r_str(py, &c.status(0).phase)?
        ))
    }
}
}

/// Magic links: one-time sign-in tokens mailed to an address, rate-limited per address.
#[pyclass(module = "authcore.signin", frozen)]
pub(crate) struct MagicLinks {
    inner: CoreMagicLinks,
}

guarded! {
#[pymethods]
impl MagicLinks {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: MagicLinkConfig = profiled(py, config, kwargs, profile, "config", Component::MagicLinks)?;
        Ok(Self {
            inner: CoreMagicLinks::new(config).py(py)?,
        })
    }

    /// A link for `email`: `{"token", "link"?, "record", "limiter"}`.
    #[pyo3(signature = (email, limiter=None, now=None, entropy=None))]
    fn issue(
        &self,
        py: Python<'_>,
        email: &str,
        limiter: Option<&Bound<'_, PyAny>>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let l: Option<EntryLimiter> = opt_from_py(limiter, "limiter")?;
        let i = self
            .inner
            .issue(email, l.as_ref(), now_or(now), &mut rng(entropy))
            .py(py)?;
        to_py(py, &i)
    }

    /// Redeems a token: `{"email", "record"}`.
    #[pyo3(signature = (record, token, now=None))]
    fn redeem(
        &self,
        py: Python<'_>,
        record: Option<&Bound<'_, PyAny>>,
        token: &str,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let r: Option<MagicLinkRecord> = opt_from_py(record, "record")?;
        let out = self.inner.redeem(r.as_ref(), token, now_or(now)).py(py)?;
        to_py(py, &out)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "MagicLinks(ttl={}, max_per_window={}, window={}, link_url={})",
            c.ttl,
            c.max_per_window,
            c.window,
            r_opt(py, c.link_url.as_deref().map(authcore::http::display_url).as_deref())?
        ))
    }
}
}

guarded! {
/// The lookup key of a magic-link token.
#[pyfunction]
fn magic_link_hash(token: &str) -> PyResult<String> {
    Ok(signin::magic_link_hash(token))
}
}

guarded! {
/// Parses a stored magic-link record.
#[pyfunction]
fn load_magic_link(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let r = MagicLinkRecord::from_json(text).py(py)?;
    to_py(py, &r)
}
}

/// Adds the module's classes and functions to `_authcore`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<DesktopSignIn>()?;
    m.add_class::<DesktopClient>()?;
    m.add_class::<MagicLinks>()?;
    m.add_function(wrap_pyfunction!(parse_desktop_exchange, m)?)?;
    m.add_function(wrap_pyfunction!(desktop_code_hash, m)?)?;
    m.add_function(wrap_pyfunction!(load_desktop_code, m)?)?;
    m.add_function(wrap_pyfunction!(magic_link_hash, m)?)?;
    m.add_function(wrap_pyfunction!(load_magic_link, m)?)?;
    Ok(())
}
