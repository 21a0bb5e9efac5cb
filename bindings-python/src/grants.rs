//! `authcore.grants`: token requests beyond the authorization code (client authentication
//! incl. `private_key_jwt`, client credentials, JWT bearer, token exchange). Conversions
//! only; the rules are the core's (`authcore::grants`).

use authcore::grants::{self, GrantRequest, TokenEndpoint, TokenEndpointAuth};
use authcore::http::HttpResponse;
use authcore::jwt::KeySpec;
use pyo3::prelude::*;

use super::{backend, from_py, guard, now_or, rng, to_py, EntropyBytes, IntoPy};

guarded! {
/// The token-endpoint request (an `HttpRequest` dict) for `request` (`{"grant", "scope"?,
/// "resource"?}`) at `endpoint` (`{"url", "issuer"?, ...}`), authenticated by `auth`
/// (`{"type": "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt", ...}`).
#[pyfunction]
#[pyo3(signature = (endpoint, auth, request, now=None, entropy=None, *, backend=None))]
fn grant_request(
    py: Python<'_>,
    endpoint: &Bound<'_, PyAny>,
    auth: &Bound<'_, PyAny>,
    request: &Bound<'_, PyAny>,
    now: Option<i64>,
    entropy: Option<EntropyBytes>,
    backend: Option<&str>,
) -> PyResult<Py<PyAny>> {
    let e: TokenEndpoint = from_py(endpoint, "endpoint")?;
    let a: TokenEndpointAuth = from_py(auth, "auth")?;
    let r: GrantRequest = from_py(request, "request")?;
    let b = self::backend(py, backend)?;
    let out = grants::token_request_with_backend(&e, &a, &r, now_or(now), &mut rng(entropy), b).py(py)?;
    to_py(py, &out)
}
}

guarded! {
/// A `private_key_jwt` client assertion (the JWT text) for `client_id`, addressed to the
/// endpoint's issuer.
#[pyfunction]
#[pyo3(signature = (endpoint, client_id, key, now=None, entropy=None, *, lifetime=None, backend=None))]
#[allow(clippy::too_many_arguments)]
fn client_assertion(
    py: Python<'_>,
    endpoint: &Bound<'_, PyAny>,
    client_id: &str,
    key: &Bound<'_, PyAny>,
    now: Option<i64>,
    entropy: Option<EntropyBytes>,
    lifetime: Option<i64>,
    backend: Option<&str>,
) -> PyResult<String> {
    let e: TokenEndpoint = from_py(endpoint, "endpoint")?;
    let k: KeySpec = from_py(key, "key")?;
    let b = self::backend(py, backend)?;
    grants::client_assertion(&e, client_id, &k, lifetime, now_or(now), &mut rng(entropy), b).py(py)
}
}

guarded! {
/// The answer to an access-token `request`: a `TokenSet` dict, or the error naming its field.
#[pyfunction]
#[pyo3(signature = (request, response, now=None))]
fn grant_response(py: Python<'_>, request: &Bound<'_, PyAny>, response: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
    let q: GrantRequest = from_py(request, "request")?;
    let r: HttpResponse = from_py(response, "response")?;
    let t = grants::token_response(&q, &r, now_or(now)).py(py)?;
    to_py(py, &t)
}
}

guarded! {
/// The answer to a token-exchange `request`: `{"access_token", "issued_token_type", "token_type", ...}`.
#[pyfunction]
#[pyo3(signature = (request, response, now=None))]
fn token_exchange_response(py: Python<'_>, request: &Bound<'_, PyAny>, response: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
    let q: GrantRequest = from_py(request, "request")?;
    let r: HttpResponse = from_py(response, "response")?;
    let t = grants::token_exchange_response(&q, &r, now_or(now)).py(py)?;
    to_py(py, &t)
}
}

guarded! {
/// The token-endpoint authentication method (its RFC 8414 name) for a client.
#[pyfunction]
#[pyo3(signature = (registered=None, supported=None, has_secret=false, has_key=false))]
fn choose_auth_method(
    py: Python<'_>,
    registered: Option<&str>,
    supported: Option<Vec<String>>,
    has_secret: bool,
    has_key: bool,
) -> PyResult<String> {
    let m = grants::choose_auth_method(registered, supported.as_deref(), has_secret, has_key).py(py)?;
    Ok(m.as_str().to_owned())
}
}

guarded! {
/// The enterprise-managed token exchange (ID token to ID-JAG): a grant request dict.
#[pyfunction]
#[pyo3(signature = (id_token, authorization_server, resource, *, scope=None))]
fn id_jag_request(
    py: Python<'_>,
    id_token: &str,
    authorization_server: &str,
    resource: &str,
    scope: Option<&str>,
) -> PyResult<Py<PyAny>> {
    to_py(py, &grants::id_jag_request(id_token, authorization_server, resource, scope))
}
}

/// Adds the module's functions to `_authcore`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(grant_request, m)?)?;
    m.add_function(wrap_pyfunction!(client_assertion, m)?)?;
    m.add_function(wrap_pyfunction!(grant_response, m)?)?;
    m.add_function(wrap_pyfunction!(token_exchange_response, m)?)?;
    m.add_function(wrap_pyfunction!(choose_auth_method, m)?)?;
    m.add_function(wrap_pyfunction!(id_jag_request, m)?)?;
    Ok(())
}
