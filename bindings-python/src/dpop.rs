//! `authcore.dpop`: DPoP (RFC 9449) keys, proofs, the server proof check, nonces and token
//! binding. Conversions only; the rules are the core's (`authcore::dpop`).

use std::sync::Mutex;

use authcore::dpop::{self as core_dpop, DpopKey as CoreKey, DpopNonces as CoreNonces, ProofChecker as CoreChecker};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::Algorithm;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{Map, Value};

use super::{backend, from_py, guard, lock, now_or, opt_from_py, r_str, rng, settings, to_py, EntropyBytes, IntoPy};

/// A DPoP key pair (ES256 or EdDSA) that signs one proof per request. Its `repr` shows the
/// algorithm and thumbprint, never the private key.
#[pyclass(module = "authcore.dpop", frozen)]
pub(crate) struct DpopKey {
    inner: CoreKey,
}

guarded! {
#[pymethods]
impl DpopKey {
    /// A fresh key: `"ES256"` (default; a P-256 scalar from 32 bytes of entropy) or `"EdDSA"`.
    #[staticmethod]
    #[pyo3(signature = (alg=None, *, entropy=None, backend=None))]
    fn generate(py: Python<'_>, alg: Option<&Bound<'_, PyAny>>, entropy: Option<EntropyBytes>, backend: Option<&str>) -> PyResult<Self> {
        let alg: Option<Algorithm> = opt_from_py(alg, "alg")?;
        let b = self::backend(py, backend)?;
        Ok(Self {
            inner: CoreKey::generate(alg.unwrap_or(Algorithm::Es256), &mut rng(entropy), b).py(py)?,
        })
    }

    /// A key from its private JWK (as `to_jwk` writes it).
    #[staticmethod]
    #[pyo3(signature = (jwk, *, backend=None))]
    fn from_jwk(py: Python<'_>, jwk: &Bound<'_, PyAny>, backend: Option<&str>) -> PyResult<Self> {
        let jwk: Value = from_py(jwk, "jwk")?;
        let b = self::backend(py, backend)?;
        Ok(Self {
            inner: CoreKey::from_jwk(&jwk, b).py(py)?,
        })
    }

    /// The private JWK (with `d`): a secret, for the host to persist the key.
    fn to_jwk(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.inner.to_jwk())
    }

    /// The public JWK a proof carries.
    #[getter]
    fn public_jwk(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, self.inner.public_jwk())
    }

    /// The RFC 7638 thumbprint: `dpop_jkt`, and the `cnf.jkt` of a token bound to this key.
    #[getter]
    fn thumbprint(&self) -> PyResult<String> {
        Ok(self.inner.thumbprint().to_owned())
    }

    /// `"ES256"` or `"EdDSA"`.
    #[getter]
    fn algorithm(&self) -> PyResult<String> {
        Ok(self.inner.algorithm().as_str().to_owned())
    }

    /// A proof (the `DPoP` header value) for one request: `ath` from `access_token`, `nonce`
    /// when the server gave one, `jti` from 16 bytes of entropy.
    #[pyo3(signature = (method, url, *, access_token=None, nonce=None, now=None, entropy=None))]
    #[allow(clippy::too_many_arguments)]
    fn proof(
        &self,
        py: Python<'_>,
        method: String,
        url: String,
        access_token: Option<String>,
        nonce: Option<String>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<String> {
        let params = core_dpop::ProofParams { method, url, access_token, nonce };
        self.inner.proof(&params, now_or(now), &mut rng(entropy)).py(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "DpopKey(alg={}, thumbprint={})",
            r_str(py, self.inner.algorithm().as_str())?,
            r_str(py, self.inner.thumbprint())?
        ))
    }
}
}

/// Checks DPoP proofs (RFC 9449 §4.3) against one policy; issues and checks nonces.
#[pyclass(module = "authcore.dpop", frozen)]
pub(crate) struct ProofChecker {
    inner: CoreChecker,
}

guarded! {
#[pymethods]
impl ProofChecker {
    #[new]
    #[pyo3(signature = (config=None, *, backend=None, **kwargs))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>, backend: Option<&str>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let config: core_dpop::ProofConfig = settings(py, config, kwargs, "config")?;
        Ok(Self {
            inner: CoreChecker::new(config, self::backend(py, backend)?).py(py)?,
        })
    }

    /// Checks the request's `DPoP` header: the proof record (store `replay_key` until
    /// `expires_at`). `access_token` and `jkt` (the token's `cnf.jkt`) together at a resource
    /// server; neither at a token endpoint.
    #[pyo3(signature = (request, access_token=None, jkt=None, now=None))]
    fn check(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        access_token: Option<&str>,
        jkt: Option<&str>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let request: HttpRequest = from_py(request, "request")?;
        let r = self.inner.check(&request, access_token, jkt, now_or(now)).py(py)?;
        to_py(py, &r)
    }

    /// The header checks and signature of one proof: `{"alg", "jkt", "header", "claims"}`.
    fn decode(&self, py: Python<'_>, proof: &str) -> PyResult<Py<PyAny>> {
        let d = self.inner.decode(proof).py(py)?;
        to_py(py, &d)
    }

    /// A fresh nonce for the `DPoP-Nonce` header (needs `nonce_key`).
    #[pyo3(signature = (now=None, entropy=None))]
    fn issue_nonce(&self, py: Python<'_>, now: Option<i64>, entropy: Option<EntropyBytes>) -> PyResult<String> {
        self.inner.issue_nonce(now_or(now), &mut rng(entropy)).py(py)
    }

    /// The `WWW-Authenticate: DPoP` value for an error (a dict `{"code", "detail"}` or an
    /// `AuthError`'s `to_dict()`), or for a request without credentials.
    #[pyo3(signature = (error=None))]
    fn challenge(&self, error: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let e: Option<authcore::Error> = opt_from_py(error, "error")?;
        Ok(self.inner.challenge(e.as_ref()))
    }

    fn __repr__(&self) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "ProofChecker(max_age={}, leeway={}, require_nonce={})",
            c.max_age,
            c.leeway,
            if c.require_nonce { "True" } else { "False" }
        ))
    }
}
}

/// The nonces servers handed out (`DPoP-Nonce`), one per origin.
#[pyclass(module = "authcore.dpop", frozen)]
pub(crate) struct DpopNonces {
    inner: Mutex<CoreNonces>,
}

guarded! {
#[pymethods]
impl DpopNonces {
    #[new]
    #[pyo3(signature = (nonces=None))]
    fn new(nonces: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let nonces = opt_from_py(nonces, "nonces")?.unwrap_or_default();
        Ok(Self {
            inner: Mutex::new(CoreNonces { nonces }),
        })
    }

    /// The nonce for a request to `url`, `None` when its server gave none.
    fn nonce_for(&self, url: &str) -> PyResult<Option<String>> {
        Ok(lock(&self.inner)?.nonce_for(url).map(str::to_owned))
    }

    /// Remembers the response's `DPoP-Nonce`; `True` when the request should be sent again
    /// with it (a `use_dpop_nonce` challenge, not yet retried).
    #[pyo3(signature = (url, response, already_retried=false))]
    fn handle_response(&self, url: &str, response: &Bound<'_, PyAny>, already_retried: bool) -> PyResult<bool> {
        let response: HttpResponse = from_py(response, "response")?;
        Ok(lock(&self.inner)?.handle_response(url, &response, already_retried))
    }

    /// `{origin: nonce}`, to persist.
    #[getter]
    fn nonces(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let n = lock(&self.inner)?.nonces.clone();
        to_py(py, &n)
    }
}
}

guarded! {
/// The RFC 7638 thumbprint of a public JWK.
#[pyfunction]
fn jwk_thumbprint(py: Python<'_>, jwk: &Bound<'_, PyAny>) -> PyResult<String> {
    let jwk: Value = from_py(jwk, "jwk")?;
    core_dpop::jwk_thumbprint(&jwk).py(py)
}

/// The `ath` of an access token: base64url SHA-256.
#[pyfunction]
fn dpop_access_token_hash(access_token: &str) -> PyResult<String> {
    Ok(core_dpop::access_token_hash(access_token))
}

/// The `htu` form of a URL: without query and fragment, normalised.
#[pyfunction]
fn normalize_htu(py: Python<'_>, url: &str) -> PyResult<String> {
    core_dpop::normalize_htu(url).py(py)
}

/// Raises `InvalidDpopProof` when the host's replay store had already seen the record.
#[pyfunction]
fn dpop_check_replay(py: Python<'_>, record: &Bound<'_, PyAny>, seen: bool) -> PyResult<()> {
    let record: core_dpop::ProofRecord = from_py(record, "record")?;
    core_dpop::check_replay(&record, seen).py(py)
}

/// A token response's `token_type` read against whether DPoP was requested: `"DPoP"` or
/// `"Bearer"`.
#[pyfunction]
#[pyo3(signature = (token_type, dpop_requested, allow_bearer=false))]
fn dpop_check_token_type(py: Python<'_>, token_type: &str, dpop_requested: bool, allow_bearer: bool) -> PyResult<Py<PyAny>> {
    let s = core_dpop::check_token_type(token_type, dpop_requested, allow_bearer).py(py)?;
    to_py(py, &s)
}

/// The `{"cnf": {"jkt": jkt}}` claim binding a token to a proof key.
#[pyfunction]
fn dpop_confirmation(py: Python<'_>, jkt: &str) -> PyResult<Py<PyAny>> {
    to_py(py, &core_dpop::confirmation(jkt))
}

/// How a verified token was presented (`"DPoP"` or `"Bearer"`) against its `cnf`: the
/// `jkt` to check the proof against, `None` for an unbound Bearer token.
#[pyfunction]
fn dpop_check_token_binding(py: Python<'_>, claims: &Bound<'_, PyAny>, scheme: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let claims: Map<String, Value> = from_py(claims, "claims")?;
    let scheme: core_dpop::TokenScheme = from_py(scheme, "scheme")?;
    core_dpop::check_token_binding(&claims, scheme).py(py)
}

/// The token endpoint's 400 answer to a failed proof check, with `DPoP-Nonce` when given.
#[pyfunction]
#[pyo3(signature = (error, nonce=None))]
fn dpop_token_endpoint_error(py: Python<'_>, error: &Bound<'_, PyAny>, nonce: Option<&str>) -> PyResult<Py<PyAny>> {
    let e: authcore::Error = from_py(error, "error")?;
    to_py(py, &core_dpop::token_endpoint_error(&e, nonce))
}

/// Whether a response is a `use_dpop_nonce` challenge (400 JSON error or 401 `DPoP`).
#[pyfunction]
fn dpop_is_nonce_challenge(response: &Bound<'_, PyAny>) -> PyResult<bool> {
    let r: HttpResponse = from_py(response, "response")?;
    Ok(core_dpop::is_nonce_challenge(&r))
}
}

/// Adds the module's classes and functions to `_authcore`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<DpopKey>()?;
    m.add_class::<ProofChecker>()?;
    m.add_class::<DpopNonces>()?;
    m.add_function(wrap_pyfunction!(jwk_thumbprint, m)?)?;
    m.add_function(wrap_pyfunction!(dpop_access_token_hash, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_htu, m)?)?;
    m.add_function(wrap_pyfunction!(dpop_check_replay, m)?)?;
    m.add_function(wrap_pyfunction!(dpop_check_token_type, m)?)?;
    m.add_function(wrap_pyfunction!(dpop_confirmation, m)?)?;
    m.add_function(wrap_pyfunction!(dpop_check_token_binding, m)?)?;
    m.add_function(wrap_pyfunction!(dpop_token_endpoint_error, m)?)?;
    m.add_function(wrap_pyfunction!(dpop_is_nonce_challenge, m)?)?;
    Ok(())
}
