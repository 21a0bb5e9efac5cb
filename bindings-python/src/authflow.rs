//! `authcore.authflow`: dynamic client registration and auth sessions. Conversions only; the
//! rules are the core's (`authcore::registration`, `authcore::authflow`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use authcore::authflow::{AuthSession as CoreAuthSession, AuthSessionConfig, Flow};
use authcore::broker::Provider;
use authcore::http::HttpResponse;
use authcore::registration::{self, ClientMetadata};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use serde_json::Value;

use super::{from_py, guard, lock, now_or, r_str, reduce, rng, to_py, EntropyBytes, IntoPy};

guarded! {
/// The RFC 7591 registration request for `metadata` (`{"redirect_uris", "client_name", "scope"?}`).
#[pyfunction]
#[pyo3(signature = (endpoint, metadata, *, allow_loopback_http=false))]
fn registration_request(
    py: Python<'_>,
    endpoint: &str,
    metadata: &Bound<'_, PyAny>,
    allow_loopback_http: bool,
) -> PyResult<Py<PyAny>> {
    let m: ClientMetadata = from_py(metadata, "metadata")?;
    let r = registration::registration_request(endpoint, &m, allow_loopback_http).py(py)?;
    to_py(py, &r)
}
}

guarded! {
/// The registered client in the registration endpoint's answer.
#[pyfunction]
#[pyo3(signature = (response, now=None))]
fn registration_response(py: Python<'_>, response: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
    let r: HttpResponse = from_py(response, "response")?;
    let c = registration::registration_response(&r, now_or(now)).py(py)?;
    to_py(py, &c)
}
}

/// One attempt to connect a provider: a sans-IO machine.
#[pyclass(module = "authcore.authflow", frozen)]
pub(crate) struct AuthSession {
    inner: Mutex<CoreAuthSession>,
}

guarded! {
#[pymethods]
impl AuthSession {
    /// Starts a session for `provider` with `flow` (`pkce`, `device_code`, `api_key`,
    /// `client_credentials`).
    #[staticmethod]
    #[pyo3(signature = (provider, flow, now=None, entropy=None, *, redirect_uri=None, connection_name=None, client_name=None, ttl=None, allow_loopback_http=false))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        py: Python<'_>,
        provider: &Bound<'_, PyAny>,
        flow: &Bound<'_, PyAny>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
        redirect_uri: Option<String>,
        connection_name: Option<String>,
        client_name: Option<String>,
        ttl: Option<i64>,
        allow_loopback_http: bool,
    ) -> PyResult<Self> {
        let p: Provider = from_py(provider, "provider")?;
        let f: Flow = from_py(flow, "flow")?;
        let defaults = AuthSessionConfig::default();
        let config = AuthSessionConfig {
            redirect_uri: redirect_uri.or(defaults.redirect_uri),
            connection_name: connection_name.unwrap_or(defaults.connection_name),
            client_name: client_name.unwrap_or(defaults.client_name),
            ttl: ttl.unwrap_or(defaults.ttl),
            allow_loopback_http,
        };
        let s = CoreAuthSession::start(&p, f, config, now_or(now), &mut rng(entropy)).py(py)?;
        Ok(Self { inner: Mutex::new(s) })
    }

    /// Rebuilds a session from `snapshot()` (a lost request leaves it `paused`).
    #[staticmethod]
    fn restore(py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<Self> {
        let s = CoreAuthSession::restore(&from_py::<Value>(snapshot, "snapshot")?).py(py)?;
        Ok(Self { inner: Mutex::new(s) })
    }

    /// The session id.
    #[getter]
    fn session_id(&self) -> PyResult<String> {
        Ok(lock(&self.inner)?.session_id().to_owned())
    }

    /// The provider, with the registered client once there is one.
    fn provider(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let p = lock(&self.inner)?.provider();
        to_py(py, &p)
    }

    /// Reports the response to a `send` action.
    #[pyo3(signature = (transmit, response, now=None))]
    fn handle_response(&self, py: Python<'_>, transmit: u64, response: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<()> {
        let r: HttpResponse = from_py(response, "response")?;
        lock(&self.inner)?.handle_response(transmit, r, now_or(now)).py(py)
    }

    /// Reports a network failure of a `send` action (the session pauses).
    #[pyo3(signature = (transmit, now=None))]
    fn handle_network_error(&self, py: Python<'_>, transmit: u64, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_network_error(transmit, now_or(now)).py(py)
    }

    /// The host's timer fired.
    #[pyo3(signature = (now=None))]
    fn handle_timeout(&self, py: Python<'_>, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_timeout(now_or(now)).py(py)
    }

    /// The OAuth callback (the redirect URL, or its query).
    #[pyo3(signature = (callback, now=None))]
    fn handle_callback(&self, py: Python<'_>, callback: &str, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_callback(callback, now_or(now)).py(py)
    }

    /// The values typed into the form (a dict of strings).
    #[pyo3(signature = (values, now=None))]
    fn submit_input(&self, py: Python<'_>, values: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<()> {
        let v: BTreeMap<String, String> = from_py(values, "values")?;
        lock(&self.inner)?.submit_input(&v, now_or(now)).py(py)
    }

    /// Continues a paused session, or shows a waiting one's page again.
    #[pyo3(signature = (now=None))]
    fn resume(&self, py: Python<'_>, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.resume(now_or(now)).py(py)
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

    /// `{"session_id", "provider", "flow", "status", "expires_at", "error"?}`.
    #[pyo3(signature = (now=None))]
    fn status(&self, py: Python<'_>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let status = lock(&self.inner)?.status(now_or(now));
        to_py(py, &status)
    }

    /// The versioned snapshot (holds secrets: store it like one).
    fn snapshot(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let snapshot = lock(&self.inner)?.snapshot();
        to_py(py, &snapshot)
    }

    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, Py<PyTuple>)> {
        let snapshot = slf.get().snapshot(slf.py())?;
        reduce(slf.as_any(), snapshot)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let st = lock(&self.inner)?.status(0);
        Ok(format!(
            "AuthSession(provider={}, flow={}, status={})",
            r_str(py, &st.provider)?,
            r_str(py, serde_json::to_value(st.flow).ok().and_then(|v| v.as_str().map(str::to_owned)).as_deref().unwrap_or(""))?,
            r_str(py, serde_json::to_value(st.status).ok().and_then(|v| v.as_str().map(str::to_owned)).as_deref().unwrap_or(""))?
        ))
    }
}
}

/// Adds the module's classes and functions to `_authcore`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AuthSession>()?;
    m.add_function(wrap_pyfunction!(registration_request, m)?)?;
    m.add_function(wrap_pyfunction!(registration_response, m)?)?;
    Ok(())
}
