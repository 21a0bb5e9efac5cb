//! `authcore.challenge` and `authcore.mcp`: the `WWW-Authenticate` parser and the MCP
//! authorization client machine. Conversions only; the rules are the core's
//! (`authcore::challenge`, `authcore::mcp`).

use std::sync::Mutex;

use authcore::challenge::{self, Challenge, ResourceChallenge};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::mcp::discovery::{self, ProtectedResourceMetadata};
use authcore::mcp::{self as core_mcp, CredentialKey, McpAuth as CoreMcpAuth, McpAuthConfig, McpClient};
use authcore::tokens::TokenSet;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use serde_json::Value;

use super::{from_py, guard, lock, now_or, r_str, reduce, rng, to_py, EntropyBytes, IntoPy};

guarded! {
/// Every challenge in the `WWW-Authenticate` header values (a malformed challenge is left out).
#[pyfunction]
fn parse_challenges(py: Python<'_>, headers: Vec<String>) -> PyResult<Py<PyAny>> {
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    to_py(py, &challenge::parse_challenges(&refs))
}
}

guarded! {
/// The first `Bearer` challenge (else the first `DPoP` one) of parsed `challenges`, read as
/// `{"scheme", "resource_metadata"?, "scope"?, "error"?, "error_description"?}`, or `None`.
#[pyfunction]
fn resource_challenge(py: Python<'_>, challenges: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let c: Vec<Challenge> = from_py(challenges, "challenges")?;
    to_py(py, &ResourceChallenge::find(&c))
}
}

guarded! {
/// The protected resource metadata URLs to try, in order.
#[pyfunction]
#[pyo3(signature = (server_url, resource_metadata))]
fn prm_urls(py: Python<'_>, server_url: &str, resource_metadata: Option<&str>) -> PyResult<Vec<String>> {
    discovery::prm_urls(server_url, resource_metadata).py(py)
}
}

guarded! {
/// The authorization-server metadata URLs to try for `issuer`, in order.
#[pyfunction]
fn as_metadata_urls(py: Python<'_>, issuer: &str) -> PyResult<Vec<String>> {
    discovery::as_metadata_urls(issuer).py(py)
}
}

guarded! {
/// Whether a resource metadata document's `resource` fits the MCP server URL.
#[pyfunction]
fn resource_matches(resource: &str, server_url: &str) -> PyResult<bool> {
    Ok(discovery::resource_matches(resource, server_url))
}
}

guarded! {
/// The scopes to request: the challenge's, else `scopes_supported`, else none.
#[pyfunction]
#[pyo3(signature = (challenge_scope, scopes_supported))]
fn choose_scopes(challenge_scope: Option<&str>, scopes_supported: Option<Vec<String>>) -> PyResult<Vec<String>> {
    Ok(discovery::choose_scopes(challenge_scope, scopes_supported.as_deref()))
}
}

guarded! {
/// `previous` followed by the scopes of `chosen` not in it.
#[pyfunction]
#[pyo3(signature = (previous=None, chosen=None))]
fn union_scopes(previous: Option<Vec<String>>, chosen: Option<Vec<String>>) -> PyResult<Vec<String>> {
    Ok(discovery::union_scopes(&previous.unwrap_or_default(), &chosen.unwrap_or_default()))
}
}

guarded! {
/// The token endpoint authentication method for `client` given the server's supported list.
#[pyfunction]
#[pyo3(name = "mcp_choose_auth_method", signature = (client, supported))]
fn choose_auth_method(py: Python<'_>, client: &Bound<'_, PyAny>, supported: Option<Vec<String>>) -> PyResult<Py<PyAny>> {
    let c: McpClient = from_py(client, "client")?;
    let m = core_mcp::choose_auth_method(&c, supported.as_deref()).py(py)?;
    to_py(py, &m)
}
}

guarded! {
/// Reads a protected resource metadata response (RFC 9728).
#[pyfunction]
fn parse_protected_resource_metadata(py: Python<'_>, response: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let r: HttpResponse = from_py(response, "response")?;
    let p = ProtectedResourceMetadata::parse(&r).py(py)?;
    to_py(py, &p)
}
}

guarded! {
/// The Client ID Metadata Document a client hosts at its `client_id` URL.
#[pyfunction]
fn client_metadata_document(py: Python<'_>, client_id: &str, client_name: &str, redirect_uris: Vec<String>) -> PyResult<Py<PyAny>> {
    let d = core_mcp::client_metadata_document(client_id, client_name, &redirect_uris).py(py)?;
    to_py(py, &d)
}
}

guarded! {
/// Checks a Client ID Metadata Document fetched from `client_id` (raises when it is unfit).
#[pyfunction]
fn validate_client_metadata_document(py: Python<'_>, client_id: &str, document: &Bound<'_, PyAny>) -> PyResult<()> {
    let d: Value = from_py(document, "document")?;
    core_mcp::validate_client_metadata_document(client_id, &d).py(py)
}
}

/// The MCP authorization client: a sans-IO machine from a 401 to a usable access token.
#[pyclass(module = "authcore.mcp", frozen)]
pub(crate) struct McpAuth {
    inner: Mutex<CoreMcpAuth>,
}

guarded! {
#[pymethods]
impl McpAuth {
    /// A machine for `config` (`server_url` and `redirect_uri` required).
    #[new]
    fn new(py: Python<'_>, config: &Bound<'_, PyAny>) -> PyResult<Self> {
        let c: McpAuthConfig = from_py(config, "config")?;
        Ok(Self { inner: Mutex::new(CoreMcpAuth::new(c).py(py)?) })
    }

    /// Rebuilds a machine from `snapshot()` (a lost request leaves it `paused`).
    #[staticmethod]
    fn restore(py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<Self> {
        let s = CoreMcpAuth::restore(&from_py::<Value>(snapshot, "snapshot")?).py(py)?;
        Ok(Self { inner: Mutex::new(s) })
    }

    /// The configuration, as given (defaults filled in).
    fn config(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let c = lock(&self.inner)?.config().clone();
        to_py(py, &c)
    }

    /// A client stored in an earlier run for `key` (`{"resource", "issuer"}`).
    fn add_client(&self, key: &Bound<'_, PyAny>, client: &Bound<'_, PyAny>) -> PyResult<()> {
        let k: CredentialKey = from_py(key, "key")?;
        let c: McpClient = from_py(client, "client")?;
        lock(&self.inner)?.add_client(k, c);
        Ok(())
    }

    /// Tokens stored in an earlier run for `key`.
    fn add_tokens(&self, key: &Bound<'_, PyAny>, tokens: &Bound<'_, PyAny>) -> PyResult<()> {
        let k: CredentialKey = from_py(key, "key")?;
        let t: TokenSet = from_py(tokens, "tokens")?;
        lock(&self.inner)?.add_tokens(k, t);
        Ok(())
    }

    /// The headers to add to an MCP request (`{"method", "url", "headers"?, "body"?}`).
    #[pyo3(signature = (request, now=None))]
    fn authorize_request(&self, py: Python<'_>, request: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let r: HttpRequest = from_py(request, "request")?;
        let h = lock(&self.inner)?.authorize_request(&r, now_or(now)).py(py)?;
        to_py(py, &h)
    }

    /// An MCP request succeeded (resets the step-up cap).
    fn handle_success(&self) -> PyResult<()> {
        lock(&self.inner)?.handle_success();
        Ok(())
    }

    /// The MCP server answered 401, or 403 `insufficient_scope` (`response` with its headers).
    #[pyo3(signature = (response, now=None, entropy=None))]
    fn handle_unauthorized(&self, py: Python<'_>, response: &Bound<'_, PyAny>, now: Option<i64>, entropy: Option<EntropyBytes>) -> PyResult<()> {
        let r: HttpResponse = from_py(response, "response")?;
        lock(&self.inner)?.handle_unauthorized(&r, now_or(now), &mut rng(entropy)).py(py)
    }

    /// Reports the response to a `send` action.
    #[pyo3(signature = (transmit, response, now=None))]
    fn handle_response(&self, py: Python<'_>, transmit: u64, response: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<()> {
        let r: HttpResponse = from_py(response, "response")?;
        lock(&self.inner)?.handle_response(transmit, r, now_or(now)).py(py)
    }

    /// Reports a network failure of a `send` action.
    #[pyo3(signature = (transmit, now=None))]
    fn handle_network_error(&self, py: Python<'_>, transmit: u64, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_network_error(transmit, now_or(now)).py(py)
    }

    /// The browser came back to the redirect URI (the URL, or its query).
    #[pyo3(signature = (callback, now=None))]
    fn handle_callback(&self, py: Python<'_>, callback: &str, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_callback(callback, now_or(now)).py(py)
    }

    /// The client the person gave after `needs_client`.
    #[pyo3(signature = (client, now=None))]
    fn provide_client(&self, py: Python<'_>, client: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<()> {
        let c: McpClient = from_py(client, "client")?;
        lock(&self.inner)?.provide_client(c, now_or(now)).py(py)
    }

    /// Sends again the request a restored machine lost.
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

    /// `{"state", "key"?, "scopes", "authorizations", "error"?}`.
    fn status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let status = lock(&self.inner)?.status();
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
        let m = lock(&self.inner)?;
        let state = serde_json::to_value(m.status().state).ok().and_then(|v| v.as_str().map(str::to_owned));
        Ok(format!(
            "McpAuth(server_url={}, state={})",
            r_str(py, &m.config().server_url)?,
            r_str(py, state.as_deref().unwrap_or(""))?
        ))
    }
}
}

/// Adds the module's classes and functions to `_authcore`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<McpAuth>()?;
    m.add_function(wrap_pyfunction!(parse_challenges, m)?)?;
    m.add_function(wrap_pyfunction!(resource_challenge, m)?)?;
    m.add_function(wrap_pyfunction!(prm_urls, m)?)?;
    m.add_function(wrap_pyfunction!(as_metadata_urls, m)?)?;
    m.add_function(wrap_pyfunction!(resource_matches, m)?)?;
    m.add_function(wrap_pyfunction!(choose_scopes, m)?)?;
    m.add_function(wrap_pyfunction!(union_scopes, m)?)?;
    m.add_function(wrap_pyfunction!(choose_auth_method, m)?)?;
    m.add_function(wrap_pyfunction!(parse_protected_resource_metadata, m)?)?;
    m.add_function(wrap_pyfunction!(client_metadata_document, m)?)?;
    m.add_function(wrap_pyfunction!(validate_client_metadata_document, m)?)?;
    Ok(())
}
