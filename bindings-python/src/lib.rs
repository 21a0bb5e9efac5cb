//! `authcore._authcore`: the compiled half of the `authcore` Python package.
//!
//! Thin by design: every function converts Python values to the core's serde types (one JSON
//! shape everywhere), calls the core, and converts the result or error back. No auth rule
//! lives here. Core errors become `authcore.errors` exceptions (one class per code, grouped
//! by family); malformed arguments become `TypeError` / `ValueError`, whose text names the
//! argument and member but never quotes the value (it may be a secret).
//!
//! Every entry point is written inside [`guarded!`], which runs its body under
//! `catch_unwind`: a Rust panic surfaces as `authcore.Internal` (an `AuthError`, so an
//! `Exception`), never as pyo3's `PanicException` (a `BaseException` that `except Exception`
//! does not catch).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Mutex, MutexGuard};

use authcore::broker::{self, Broker, Connection, KeyFile};
use authcore::cors::{Cors as CoreCors, CorsConfig};
use authcore::device::{
    self, AuthorizationRequest, DeviceAuthority as CoreDeviceAuthority, DeviceClient as CoreDeviceClient,
    DeviceClientConfig, DeviceGrant, DeviceServerConfig, EntryLimiter, TokenRequest,
};
use authcore::discovery::{self, ProviderMetadata, WellKnown};
use authcore::entropy::EntropySource;
use authcore::gate::{Classified, Gate as CoreGate, GateConfig, Lookup};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::{
    self, Backend, Issuer as CoreIssuer, IssuerConfig, JwksCache as CoreJwksCache, JwksCacheConfig, JwtConfig, KeySet,
    KeySpec, SigningKey, Verifier as CoreVerifier, VerifierSpec, VerifyingKey,
};
use authcore::oauth::{
    self, AuthCodeClient as CoreAuthCodeClient, AuthCodeConfig, PendingAuthorization, Pkce, PkceMethod, StoredChallenge,
};
use authcore::password::{self, Accounts as CoreAccounts, PasswordPolicy, Registration, StoredCredentials};
use authcore::profile::Component;
use authcore::refresh::{self, RefreshConfig, RefreshRecord, RefreshRequest, RefreshTokens as CoreRefreshTokens};
use authcore::revocation::ClientAuth;
use authcore::session::{self, Session, SessionConfig, SessionManager as CoreSessionManager};
use authcore::tokens::{ClientConfig, RequestDriver as CoreRequestDriver, ResponseFields, StoredTokens, TokenSet};
use pyo3::exceptions::{PyOverflowError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Panics
// ---------------------------------------------------------------------------------------------

/// Runs an entry point's body; a panic becomes `authcore.Internal` (HTTP 500, family `input`)
/// instead of crossing into Python as `PanicException`. Its message is not put in the error
/// (it could quote data); the panic hook still prints it to stderr.
fn guard<T>(body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or_else(|_| {
        Python::attach(|py| {
            Err(raise(
                py,
                &authcore::Error::with_detail(
                    authcore::ErrorCode::Internal,
                    "Internal error in the authcore extension; please report it.",
                ),
            ))
        })
    })
}

/// Wraps every function of a `#[pymethods]` block, or a `#[pyfunction]`, in [`guard`]. Every
/// entry point of this module is written inside it (`tests/test_panics.py` checks the source).
macro_rules! guarded {
    (
        $(#[$attr:meta])*
        impl $ty:ident {
            $( $(#[$fattr:meta])* fn $name:ident ( $($arg:tt)* ) -> $ret:ty $body:block )*
        }
    ) => {
        $(#[$attr])*
        impl $ty {
            $( $(#[$fattr])* fn $name ( $($arg)* ) -> $ret { guard(|| $body) } )*
        }
    };
    ( $( $(#[$fattr:meta])* fn $name:ident ( $($arg:tt)* ) -> $ret:ty $body:block )* ) => {
        $( $(#[$fattr])* fn $name ( $($arg)* ) -> $ret { guard(|| $body) } )*
    };
}

// One file per core module where it keeps `lib.rs` readable (declared after `guarded!`).
mod authflow;
mod dpop;
mod grants;
mod mcp;
mod mcp_server;
mod signin;
mod vault;

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

/// A core error as the matching `authcore.errors` exception.
fn raise(py: Python<'_>, e: &authcore::Error) -> PyErr {
    // `authcore.errors._from_core`, looked up once per interpreter.
    static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let built = FACTORY
        .get_or_try_init(py, || {
            py.import("authcore.errors")
                .and_then(|m| m.getattr("_from_core"))
                .map(Bound::unbind)
        })
        .and_then(|f| {
            f.bind(py)
                .call1((e.code().as_str(), e.status(), e.detail(), e.field_name()))
        });
    match built {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for authcore::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| raise(py, &e))
    }
}

fn to_py<T: Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    pythonize::pythonize(py, v)
        .map(Bound::unbind)
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// A JSON value as the Python objects [`to_py`] makes of it (`None`, `bool`, `int`, `float`,
/// `str`, `list`, `dict` in the map's order), built directly rather than through `serde`: for
/// the calls whose result is mostly JSON (verified claims, error bodies).
fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            // serde_json without arbitrary precision: a number is an i64, a u64 or an f64.
            (None, None) => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => map_to_py(py, map)?.into_any(),
    })
}

/// A JSON object as a `dict` (see [`json_to_py`]).
fn map_to_py<'py>(py: Python<'py>, map: &serde_json::Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in map {
        dict.set_item(PyString::new(py, k), json_to_py(py, v)?)?;
    }
    Ok(dict)
}

/// A Python value as JSON: `None`, `bool`, `int`, `float`, `str`, lists/tuples and dicts with
/// `str` keys. Strict on purpose: a `str` is never read as a list of characters.
fn py_to_json(v: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    if depth > 64 {
        return Err(PyValueError::new_err(format!("{path}: nested too deeply")));
    }
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if v.is_instance_of::<PyInt>() {
        if let Ok(i) = v.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return v
            .extract::<u64>()
            .map(Value::from)
            .map_err(|_| PyOverflowError::new_err(format!("{path}: integer out of range")));
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err(format!("{path}: NaN and infinities are not JSON")));
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        // A snapshot of the items: converting a value can run Python code (a list subclass's
        // `__iter__`) that changes this dict, and pyo3's live dict iterator panics on that.
        for pair in d.items().iter() {
            let (k, item) = pair.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
            let key = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err(format!("{path}: dict keys must be str")))?
                .to_cow()?
                .into_owned();
            let value = py_to_json(&item, &format!("{path}.{key}"), depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in v.try_iter()?.enumerate() {
            out.push(py_to_json(&item?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    Err(PyTypeError::new_err(format!(
        "{path}: expected None, bool, int, float, str, list or dict, got {}",
        v.get_type().name()?
    )))
}

/// A core type from a Python value. The error names the argument, the member and the expected
/// type, never the value (the core's `decode_json`).
fn from_py<T: DeserializeOwned>(v: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    decode_py(py_to_json(v, what, 0)?, what)
}

/// A value of type `T` from JSON; shape errors are `TypeError` / `ValueError` naming the path.
fn decode_py<T: DeserializeOwned>(json: Value, what: &str) -> PyResult<T> {
    authcore::error::decode_json(json).map_err(|e| {
        let msg = match e.path() {
            "" => format!("{what}: {}", e.detail()),
            p if p.starts_with('[') => format!("{what}{p}: {}", e.detail()),
            p => format!("{what}.{p}: {}", e.detail()),
        };
        if e.is_wrong_type() {
            PyTypeError::new_err(msg)
        } else {
            PyValueError::new_err(msg)
        }
    })
}

fn opt_from_py<T: DeserializeOwned>(v: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<T>> {
    match v {
        Some(v) if !v.is_none() => from_py(v, what).map(Some),
        _ => Ok(None),
    }
}

/// A settings struct from an optional dict plus keyword arguments (keywords win).
fn settings<T: DeserializeOwned>(
    py: Python<'_>,
    config: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
    what: &str,
) -> PyResult<T> {
    from_py(settings_dict(py, config, kwargs, what)?.as_any(), what)
}

/// A component's settings from an optional dict plus keyword arguments (keywords win), with
/// the named profile's section under them (the core's merge rule, `authcore::profile`).
pub(crate) fn profiled<T: DeserializeOwned>(
    py: Python<'_>,
    config: Option<&Bound<'_, PyAny>>,
    kwargs: Option<&Bound<'_, PyDict>>,
    profile: Option<&str>,
    what: &str,
    component: Component,
) -> PyResult<T> {
    let merged = settings_dict(py, config, kwargs, what)?;
    profiled_dict(py, &merged, profile, what, component)
}

/// [`profiled`] for a settings dict already merged.
fn profiled_dict<T: DeserializeOwned>(
    py: Python<'_>,
    merged: &Bound<'_, PyDict>,
    profile: Option<&str>,
    what: &str,
    component: Component,
) -> PyResult<T> {
    if let Some(name) = profile {
        merged.set_item("profile", name)?;
    }
    let json = py_to_json(merged.as_any(), what, 0)?;
    let json = authcore::profile::resolve(component, json).py(py)?;
    decode_py(json, what)
}

/// The optional settings dict and the keyword arguments merged into a new dict (keywords win).
fn settings_dict<'py>(
    py: Python<'py>,
    config: Option<&Bound<'py, PyAny>>,
    kwargs: Option<&Bound<'py, PyDict>>,
    what: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let merged = PyDict::new(py);
    if let Some(c) = config.filter(|c| !c.is_none()) {
        let c = c
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err(format!("{what}: expected a dict")))?;
        merged.update(c.as_mapping())?;
    }
    if let Some(k) = kwargs {
        merged.update(k.as_mapping())?;
    }
    Ok(merged)
}

/// A key spec as given, except that a `secret` given as `bytes` / `bytearray` becomes the
/// core's `secret_b64` (base64url) member. (When `secret_b64` is given too, the encoded
/// bytes go into `secret` instead, so the core refuses the two materials as usual.)
fn key_spec_py<'py>(v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let Ok(d) = v.cast::<PyDict>() else {
        return Ok(v.clone());
    };
    let Some(secret) = d.get_item("secret")? else {
        return Ok(v.clone());
    };
    let bytes = if let Ok(b) = secret.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(b) = secret.cast::<PyByteArray>() {
        b.to_vec()
    } else {
        return Ok(v.clone());
    };
    let out = d.copy()?;
    out.del_item("secret")?;
    let slot = if out.contains("secret_b64")? {
        "secret"
    } else {
        "secret_b64"
    };
    out.set_item(
        slot,
        <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(&bytes),
    )?;
    Ok(out.into_any())
}

/// A list of key specs through [`key_spec_py`] (anything else as given, for the usual error).
fn key_specs_py<'py>(v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if !(v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>()) {
        return Ok(v.clone());
    }
    let out = PyList::empty(v.py());
    for item in v.try_iter()? {
        out.append(key_spec_py(&item?)?)?;
    }
    Ok(out.into_any())
}

/// `now` defaults to the current time (the binding may read the clock; the core never does).
fn now_or(now: Option<i64>) -> i64 {
    now.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}

/// `entropy=` bytes: `bytes` or `bytearray` only. (pyo3's `Vec<u8>` conversion also takes
/// any sequence and reserves `len(seq)` bytes first, so a list subclass whose `__len__` lies
/// could make it ask for exabytes, which aborts the process.)
struct EntropyBytes(Vec<u8>);

impl<'py> FromPyObject<'_, 'py> for EntropyBytes {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Self(b.as_bytes().to_vec()));
        }
        if let Ok(b) = obj.cast::<PyByteArray>() {
            return Ok(Self(b.to_vec()));
        }
        Err(PyTypeError::new_err("entropy: expected bytes"))
    }
}

/// The `entropy=` argument as the core's entropy source (the given bytes, else the OS).
fn rng(bytes: Option<EntropyBytes>) -> EntropySource {
    EntropySource::from_bytes(bytes.map(|b| b.0))
}

/// The `backend=` argument as the core's [`Backend`].
fn backend(py: Python<'_>, name: Option<&str>) -> PyResult<Backend> {
    Backend::from_name(name).py(py)
}

thread_local! {
    /// The state machines (mutex addresses) this thread holds locked right now.
    static HELD: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A locked state machine; unlocking also forgets it in [`HELD`].
struct Locked<'a, T> {
    guard: MutexGuard<'a, T>,
    addr: usize,
}

impl<T> std::ops::Deref for Locked<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> std::ops::DerefMut for Locked<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for Locked<'_, T> {
    fn drop(&mut self) {
        let addr = self.addr;
        // `try_with`: never panic in a destructor, even during thread teardown.
        let _ = HELD.try_with(|h| h.borrow_mut().retain(|a| *a != addr));
    }
}

/// Locks a state machine. A second thread arriving meanwhile WAITS for the first, with the
/// GIL released while it waits (so the holder, which may need the GIL to finish, can run):
/// calls from many threads are serialised, never refused. The same thread coming back while
/// it holds the lock (a `__del__` or callback run mid-call) gets a `RuntimeError` instead of
/// deadlocking.
fn lock<T: Send>(m: &Mutex<T>) -> PyResult<Locked<'_, T>> {
    let addr = std::ptr::from_ref(m) as usize;
    if HELD.with(|h| h.borrow().contains(&addr)) {
        return Err(PyRuntimeError::new_err(
            "this object was called again from inside one of its own calls (on the same thread)",
        ));
    }
    let guard = loop {
        match m.try_lock() {
            Ok(g) => break g,
            // Wait for the holder without the GIL, then take the lock with it (a guard cannot
            // leave `detach`); another thread may win the race, so try again.
            Err(std::sync::TryLockError::WouldBlock) => Python::attach(|py| py.detach(|| drop(m.lock()))),
            Err(std::sync::TryLockError::Poisoned(_)) => {
                return Err(PyRuntimeError::new_err(
                    "this object is unusable after an earlier failure",
                ))
            }
        }
    };
    HELD.with(|h| h.borrow_mut().push(addr));
    Ok(Locked { guard, addr })
}

// ---------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------

guarded! {
/// The error catalog: a list of `{"code", "status", "family", "detail"}`.
#[pyfunction]
fn catalog(py: Python<'_>) -> PyResult<Py<PyAny>> {
    to_py(py, &authcore::error::catalog())
}
}

guarded! {
/// Panics on purpose: the tests use it to show that a panic surfaces as `authcore.Internal`.
#[pyfunction]
#[allow(clippy::panic)] // the point of this function
fn _panic_for_tests() -> PyResult<()> {
    panic!("deliberate panic for the tests")
}
}

guarded! {
/// The `{"detail", "code"}` body of a code (with an optional detail).
#[pyfunction]
#[pyo3(signature = (code, detail=None))]
fn error_body(code: &str, detail: Option<String>) -> PyResult<String> {
    Ok(catalog_error(code, detail)?.to_json())
}
}

/// A catalog error from its code string and an optional detail.
fn catalog_error(code: &str, detail: Option<String>) -> PyResult<authcore::Error> {
    let code = code
        .parse::<authcore::ErrorCode>()
        .map_err(|_| PyValueError::new_err(format!("unknown error code {code:?}")))?;
    Ok(match detail {
        Some(d) => authcore::Error::with_detail(code, d),
        None => authcore::Error::new(code),
    })
}

/// `__reduce__` for state machines: rebuild with `type(self).restore(snapshot)`.
fn reduce(slf: &Bound<'_, PyAny>, snapshot: Py<PyAny>) -> PyResult<(Py<PyAny>, Py<PyTuple>)> {
    let ctor = slf.get_type().getattr("restore")?.unbind();
    Ok((ctor, PyTuple::new(slf.py(), [snapshot])?.unbind()))
}

// ---------------------------------------------------------------------------------------------
// repr: Python notation, settings only (never a secret, token or key material)
// ---------------------------------------------------------------------------------------------

/// `'text'`: Python's own `repr` of a `str`.
fn r_str(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(PyString::new(py, s).repr()?.to_cow()?.into_owned())
}

/// A URL's `repr` as the core displays it (without any `user:password@` part).
fn r_url(py: Python<'_>, url: &str) -> PyResult<String> {
    r_str(py, &authcore::http::display_url(url))
}

/// `'text'` or `None`.
fn r_opt(py: Python<'_>, s: Option<&str>) -> PyResult<String> {
    s.map_or_else(|| Ok("None".to_owned()), |s| r_str(py, s))
}

/// `['a', 'b']`.
fn r_list<'a>(py: Python<'_>, items: impl IntoIterator<Item = &'a str>) -> PyResult<String> {
    let items = items.into_iter().map(|i| r_str(py, i)).collect::<PyResult<Vec<_>>>()?;
    Ok(format!("[{}]", items.join(", ")))
}

/// `3` or `None`.
fn r_num<T: std::fmt::Display>(n: Option<T>) -> String {
    n.map_or_else(|| "None".to_owned(), |n| n.to_string())
}

/// `True` / `False`.
fn r_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

// ---------------------------------------------------------------------------------------------
// jwt
// ---------------------------------------------------------------------------------------------

/// Verifies JWTs against a fixed algorithm allow-list and a key set.
#[pyclass(module = "authcore.jwt", frozen)]
struct Verifier {
    inner: CoreVerifier,
}

guarded! {
#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(signature = (config=None, *, keys=None, jwks=None, default_alg=None, backend=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        keys: Option<&Bound<'_, PyAny>>,
        jwks: Option<&Bound<'_, PyAny>>,
        default_alg: Option<&Bound<'_, PyAny>>,
        backend: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let keys = match keys {
            Some(k) if !k.is_none() => Some(from_py(&key_specs_py(k)?, "keys")?),
            _ => None,
        };
        let spec = VerifierSpec {
            config: settings(py, config, kwargs, "config")?,
            keys,
            jwks: opt_from_py(jwks, "jwks")?,
            default_alg: opt_from_py(default_alg, "default_alg")?,
        };
        Ok(Self {
            inner: CoreVerifier::from_spec(spec, self::backend(py, backend)?).py(py)?,
        })
    }

    /// Verifies `token` at `now` (default: the current time); returns
    /// `{"alg", "kid"?, "typ"?, "claims"}`.
    #[pyo3(signature = (token, now=None))]
    fn verify(&self, py: Python<'_>, token: &str, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let v = self.inner.verify(token, now_or(now)).py(py)?;
        // The shape `to_py` gives a `VerifiedToken`, built directly (claims are most of it).
        let out = PyDict::new(py);
        out.set_item("alg", v.alg.as_str())?;
        if let Some(kid) = &v.kid {
            out.set_item("kid", kid)?;
        }
        if let Some(typ) = &v.typ {
            out.set_item("typ", typ)?;
        }
        out.set_item("claims", map_to_py(py, &v.claims)?)?;
        Ok(out.into_any().unbind())
    }

    /// The public keys as a JWKS.
    fn jwks(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.inner.jwks())
    }

    /// The JWKS entries skipped at construction: `[{"index", "kid", "reason_code", "detail"}]`.
    fn skipped_keys(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.inner.skipped_keys())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "Verifier(algorithms={}, issuer={}, audience={}, leeway={}, keys={})",
            r_list(py, c.algorithms.iter().map(|a| a.as_str()))?,
            r_opt(py, c.issuer.as_deref())?,
            match &c.audience {
                Some(a) => r_list(py, a.iter().map(String::as_str))?,
                None => "None".to_owned(),
            },
            c.leeway,
            self.inner.keys().len()
        ))
    }
}
}

/// Issues signed JWTs with one key.
#[pyclass(module = "authcore.jwt", frozen)]
struct Issuer {
    inner: CoreIssuer,
}

guarded! {
#[pymethods]
impl Issuer {
    #[new]
    #[pyo3(signature = (key, config=None, *, profile=None, backend=None, **kwargs))]
    fn new(
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        backend: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let spec: KeySpec = from_py(&key_spec_py(key)?, "key")?;
        let config: IssuerConfig = profiled(py, config, kwargs, profile, "config", Component::Issuer)?;
        let key = SigningKey::from_spec(&spec, self::backend(py, backend)?).py(py)?;
        Ok(Self {
            inner: CoreIssuer::new(config, key).py(py)?,
        })
    }

    /// Signs `claims` (a dict) at `now`; `iat`/`exp` (and `jti`) are set. Releases the GIL.
    #[pyo3(signature = (claims, now=None, entropy=None))]
    fn issue(
        &self,
        py: Python<'_>,
        claims: &Bound<'_, PyAny>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<String> {
        let claims: Value = from_py(claims, "claims")?;
        let now = now_or(now);
        py.detach(|| self.inner.issue(claims, now, &mut rng(entropy)))
            .py(py)
    }

    /// The public key as a JWKS, for verifiers elsewhere.
    fn jwks(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.inner.jwks().py(py)?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let key = self.inner.key();
        Ok(format!(
            "Issuer(alg={}, kid={}, lifetime={})",
            r_str(py, key.algorithm().as_str())?,
            r_opt(py, key.kid())?,
            self.inner.config().lifetime
        ))
    }
}
}

/// The remote key-set machine: a `jwks_uri` kept fresh without IO (see the core's
/// `authcore::jwt::JwksCache`).
#[pyclass(module = "authcore.jwt", frozen)]
struct JwksCache {
    inner: Mutex<CoreJwksCache>,
}

guarded! {
#[pymethods]
impl JwksCache {
    #[new]
    #[pyo3(signature = (config=None, *, backend=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        backend: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: JwksCacheConfig = settings(py, config, kwargs, "config")?;
        let cache = CoreJwksCache::new(config, self::backend(py, backend)?).py(py)?;
        Ok(Self { inner: Mutex::new(cache) })
    }

    /// `{"type": "key", "jwk"}` or `{"type": "fetch", "transmit"}` for a token's `kid`.
    #[pyo3(signature = (kid, now=None))]
    fn key_for(&self, py: Python<'_>, kid: Option<&str>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let r = lock(&self.inner)?.key_for(kid, now_or(now)).py(py)?;
        to_py(py, &r)
    }

    /// `{"type": "verified", "token": {"alg", "kid"?, "typ"?, "claims"}}` or `{"type": "fetch", "transmit"}`.
    #[pyo3(signature = (token, now=None))]
    fn verify(&self, py: Python<'_>, token: &str, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let r = lock(&self.inner)?.verify(token, now_or(now)).py(py)?;
        to_py(py, &r)
    }

    /// The host's timer fired (or a warm-up on a cache that never fetched).
    #[pyo3(signature = (now=None))]
    fn handle_timeout(&self, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_timeout(now_or(now));
        Ok(())
    }

    /// Reports the response to a `send` action.
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

    /// Reports a network failure of a `send` action.
    #[pyo3(signature = (transmit, now=None))]
    fn handle_network_error(&self, py: Python<'_>, transmit: u64, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_network_error(transmit, now_or(now)).py(py)
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

    /// The set and fetch state at `now`.
    #[pyo3(signature = (now=None))]
    fn status(&self, py: Python<'_>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let status = lock(&self.inner)?.status(now_or(now));
        to_py(py, &status)
    }

    /// `{"version": 1, "config", "jwks", "fetched_at", "expires_at", "last_fetch_end",
    /// "last_error", "next_transmit"}`: what pickling keeps.
    fn snapshot(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let snapshot = lock(&self.inner)?.snapshot();
        to_py(py, &snapshot)
    }

    /// Rebuilds a cache from `snapshot()`, with every check of construction.
    #[staticmethod]
    #[pyo3(signature = (snapshot, *, backend=None))]
    fn restore(py: Python<'_>, snapshot: &Bound<'_, PyAny>, backend: Option<&str>) -> PyResult<Self> {
        let backend = self::backend(py, backend)?;
        let c = CoreJwksCache::restore(&from_py::<Value>(snapshot, "snapshot")?, backend).py(py)?;
        Ok(Self { inner: Mutex::new(c) })
    }

    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, Py<PyTuple>)> {
        let snapshot = slf.get().snapshot(slf.py())?;
        reduce(slf.as_any(), snapshot)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = lock(&self.inner)?;
        Ok(format!(
            "JwksCache(jwks_uri={}, algorithms={})",
            r_url(py, &c.config().jwks_uri)?,
            r_list(py, c.config().verifier.algorithms.iter().map(|a| a.as_str()))?
        ))
    }
}
}

guarded! {
/// `(Issuer, Verifier)` from the env-file shape (`JWT_SECRET_KEY`, `JWT_ALGORITHM`,
/// `JWT_EXPIRATION`, `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_LEEWAY`).
#[pyfunction]
#[pyo3(signature = (env, *, backend=None))]
fn from_env(py: Python<'_>, env: &Bound<'_, PyAny>, backend: Option<&str>) -> PyResult<(Issuer, Verifier)> {
    let Value::Object(env) = py_to_json(env, "env", 0)? else {
        return Err(PyTypeError::new_err("env: expected a dict"));
    };
    let c = JwtConfig::from_env_values(&env, self::backend(py, backend)?).py(py)?;
    Ok((Issuer { inner: c.issuer }, Verifier { inner: c.verifier }))
}
}

guarded! {
/// Checks one raw signature with one key (no claims checked).
#[pyfunction]
#[pyo3(signature = (key, signing_input, signature, *, backend=None))]
fn verify_signature(
    py: Python<'_>,
    key: &Bound<'_, PyAny>,
    signing_input: &[u8],
    signature: &[u8],
    backend: Option<&str>,
) -> PyResult<bool> {
    let spec: KeySpec = from_py(&key_spec_py(key)?, "key")?;
    let k = VerifyingKey::from_spec(&spec, self::backend(py, backend)?).py(py)?;
    Ok(k.verify_signature(signature, signing_input))
}
}

guarded! {
/// A JWKS parsed: `{"keys": [public JWK...], "skipped": [{"index", "kid", "reason_code", "detail"}]}`.
#[pyfunction]
#[pyo3(signature = (jwks, default_alg=None, *, backend=None))]
fn parse_jwks(
    py: Python<'_>,
    jwks: &Bound<'_, PyAny>,
    default_alg: Option<&Bound<'_, PyAny>>,
    backend: Option<&str>,
) -> PyResult<Py<PyAny>> {
    let set = KeySet::from_jwks(
        &from_py(jwks, "jwks")?,
        opt_from_py(default_alg, "default_alg")?,
        self::backend(py, backend)?,
    )
    .py(py)?;
    to_py(py, &set.report())
}
}

guarded! {
/// `(header, claims)` of a token WITHOUT verifying it. Never trust the result.
#[pyfunction]
fn decode_unverified(py: Python<'_>, token: &str) -> PyResult<(Py<PyAny>, Py<PyAny>)> {
    let (h, c) = jwt::decode_unverified(token).py(py)?;
    Ok((to_py(py, &h)?, to_py(py, &c)?))
}
}

// ---------------------------------------------------------------------------------------------
// tokens
// ---------------------------------------------------------------------------------------------

guarded! {
/// A token set from an OAuth token response body received at `now`.
#[pyfunction]
#[pyo3(signature = (body, now=None, default_expires_in=None, *, response_fields=None))]
fn token_set_from_response(
    py: Python<'_>,
    body: &str,
    now: Option<i64>,
    default_expires_in: Option<i64>,
    response_fields: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyAny>> {
    let fields: ResponseFields = opt_from_py(response_fields, "response_fields")?.unwrap_or_default();
    let t = TokenSet::from_token_response_with_fields(body, now_or(now), default_expires_in, &fields).py(py)?;
    to_py(py, &t)
}
}

guarded! {
/// `"fresh"`, `"refresh_due"`, `"expired"` or `"refresh_expired"`.
#[pyfunction]
#[pyo3(signature = (tokens, now=None, margin=None))]
fn freshness(py: Python<'_>, tokens: &Bound<'_, PyAny>, now: Option<i64>, margin: Option<i64>) -> PyResult<Py<PyAny>> {
    let t: TokenSet = from_py(tokens, "tokens")?;
    to_py(py, &t.freshness(now_or(now), margin))
}
}

guarded! {
/// Parses the persisted token file text.
#[pyfunction]
fn load_tokens(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let s = StoredTokens::from_json(text).py(py)?;
    to_py(py, &s)
}
}

guarded! {
/// Serialises a stored-tokens dict to the file text.
#[pyfunction]
fn dump_tokens(stored: &Bound<'_, PyAny>) -> PyResult<String> {
    let s: StoredTokens = from_py(stored, "stored")?;
    Ok(s.to_json())
}
}

/// The sans-IO request driver: authorises requests, refreshes once per 401, single flight.
#[pyclass(module = "authcore.tokens", frozen)]
struct RequestDriver {
    inner: Mutex<CoreRequestDriver>,
}

guarded! {
#[pymethods]
impl RequestDriver {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, stored=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        stored: Option<&Bound<'_, PyAny>>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: ClientConfig = profiled(py, config, kwargs, profile, "config", Component::Client)?;
        let stored: Option<StoredTokens> = opt_from_py(stored, "stored")?;
        let d = CoreRequestDriver::with_config(config, stored).py(py)?;
        Ok(Self { inner: Mutex::new(d) })
    }

    /// Queues an API request (a dict `{"method", "url", "headers"?, "body"?}`); returns its id.
    #[pyo3(signature = (request, now=None))]
    fn send(&self, request: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<u64> {
        let r: HttpRequest = from_py(request, "request")?;
        Ok(lock(&self.inner)?.send(r, now_or(now)))
    }

    /// Reports the response to a `send` action.
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

    /// Reports that a `send` action failed at the network level.
    #[pyo3(signature = (transmit, now=None))]
    fn handle_network_error(&self, py: Python<'_>, transmit: u64, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_network_error(transmit, now_or(now)).py(py)
    }

    /// Answers a `load_tokens` action with what the store holds (or `None`).
    #[pyo3(signature = (stored, now=None))]
    fn handle_loaded(&self, py: Python<'_>, stored: Option<&Bound<'_, PyAny>>, now: Option<i64>) -> PyResult<()> {
        let s: Option<StoredTokens> = opt_from_py(stored, "stored")?;
        lock(&self.inner)?.handle_loaded(s, now_or(now)).py(py)
    }

    /// Reports a lost compare-and-swap save with what the store holds now.
    fn handle_save_conflict(&self, py: Python<'_>, stored: &Bound<'_, PyAny>) -> PyResult<()> {
        let s: StoredTokens = from_py(stored, "stored")?;
        lock(&self.inner)?.handle_save_conflict(s).py(py)
    }

    /// Selects the identity sent in the identity header (`None`: the default identity).
    #[pyo3(signature = (identity=None))]
    fn set_identity(&self, py: Python<'_>, identity: Option<String>) -> PyResult<()> {
        lock(&self.inner)?.set_identity(identity).py(py)
    }

    /// Replaces the tokens after a sign-in (emits a save).
    fn set_tokens(&self, py: Python<'_>, tokens: &Bound<'_, PyAny>) -> PyResult<()> {
        let t: TokenSet = from_py(tokens, "tokens")?;
        lock(&self.inner)?.set_tokens(t).py(py)
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

    /// `{"generation", "clock_offset", "freshness"}` at `now`.
    #[pyo3(signature = (now=None))]
    fn status(&self, py: Python<'_>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let status = lock(&self.inner)?.status(now_or(now));
        to_py(py, &status)
    }

    /// The current tokens as the stored-file dict (or `None`).
    fn stored(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let s = lock(&self.inner)?.stored();
        to_py(py, &s)
    }

    /// `{"version": 1, "config", "stored"}`: what pickling keeps (requests in flight are not
    /// kept).
    fn snapshot(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let snapshot = lock(&self.inner)?.snapshot();
        to_py(py, &snapshot)
    }

    /// Rebuilds a driver from `snapshot()`, with every check of construction.
    #[staticmethod]
    fn restore(py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<Self> {
        let d = CoreRequestDriver::restore(&from_py::<Value>(snapshot, "snapshot")?).py(py)?;
        Ok(Self { inner: Mutex::new(d) })
    }

    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, Py<PyTuple>)> {
        let snapshot = slf.get().snapshot(slf.py())?;
        reduce(slf.as_any(), snapshot)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let d = lock(&self.inner)?;
        Ok(format!(
            "RequestDriver(token_endpoint={}, generation={}, has_tokens={})",
            r_url(py, &d.config().token_endpoint)?,
            d.generation(),
            r_bool(d.tokens().is_some())
        ))
    }
}
}

// ---------------------------------------------------------------------------------------------
// device
// ---------------------------------------------------------------------------------------------

/// The device-flow client machine (RFC 8628).
#[pyclass(module = "authcore.device", frozen)]
struct DeviceClient {
    inner: Mutex<CoreDeviceClient>,
}

guarded! {
#[pymethods]
impl DeviceClient {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: DeviceClientConfig = profiled(py, config, kwargs, profile, "config", Component::DeviceClient)?;
        Ok(Self {
            inner: Mutex::new(CoreDeviceClient::new(config).py(py)?),
        })
    }

    /// Starts the flow (emits the device authorization request).
    #[pyo3(signature = (now=None))]
    fn start(&self, py: Python<'_>, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.start(now_or(now)).py(py)
    }

    /// The host's timer fired.
    #[pyo3(signature = (now=None))]
    fn handle_timeout(&self, py: Python<'_>, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_timeout(now_or(now)).py(py)
    }

    /// Reports the response to a `send` action.
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

    /// Reports a network failure of a `send` action.
    #[pyo3(signature = (transmit, now=None))]
    fn handle_network_error(&self, py: Python<'_>, transmit: u64, now: Option<i64>) -> PyResult<()> {
        lock(&self.inner)?.handle_network_error(transmit, now_or(now)).py(py)
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

    /// `{"interval", "finished"}`: the polling interval in force (after any `slow_down`), once
    /// polling, and whether the flow has ended. The next wake-up comes as a `wait` action.
    #[pyo3(signature = (now=None))]
    fn status(&self, py: Python<'_>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let status = lock(&self.inner)?.status(now_or(now));
        to_py(py, &status)
    }

    /// `{"version": 1, "config", "phase", "next_transmit"}`: what pickling keeps (pending
    /// actions and an exchange in flight are not kept).
    fn snapshot(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let snapshot = lock(&self.inner)?.snapshot();
        to_py(py, &snapshot)
    }

    /// Rebuilds a client from `snapshot()`, with every check of construction; a machine that
    /// was waiting emits its `wait` action again.
    #[staticmethod]
    fn restore(py: Python<'_>, snapshot: &Bound<'_, PyAny>) -> PyResult<Self> {
        let c = CoreDeviceClient::restore(&from_py::<Value>(snapshot, "snapshot")?).py(py)?;
        Ok(Self { inner: Mutex::new(c) })
    }

    fn __reduce__(slf: &Bound<'_, Self>) -> PyResult<(Py<PyAny>, Py<PyTuple>)> {
        let snapshot = slf.get().snapshot(slf.py())?;
        reduce(slf.as_any(), snapshot)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = lock(&self.inner)?;
        Ok(format!(
            "DeviceClient(base_url={}, client_id={}, status={}, interval={})",
            r_url(py, &c.config().base_url)?,
            r_str(py, &c.config().client_id)?,
            r_str(py, c.phase_name())?,
            r_num(c.interval())
        ))
    }
}
}

/// The authorization server's side of the device grant.
#[pyclass(module = "authcore.device", frozen)]
struct DeviceAuthority {
    inner: CoreDeviceAuthority,
}

guarded! {
#[pymethods]
impl DeviceAuthority {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: DeviceServerConfig = profiled(py, config, kwargs, profile, "config", Component::DeviceServer)?;
        Ok(Self {
            inner: CoreDeviceAuthority::new(config).py(py)?,
        })
    }

    /// Issues a grant: `{"response": body to send, "record": grant to store}`.
    #[pyo3(signature = (client_id, scope=None, now=None, entropy=None))]
    fn issue(
        &self,
        py: Python<'_>,
        client_id: String,
        scope: Option<String>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let req = AuthorizationRequest { client_id, scope };
        let g = self.inner.issue(&req, now_or(now), &mut rng(entropy)).py(py)?;
        to_py(py, &g)
    }

    /// The canonical form of a typed user code (the lookup key).
    fn normalize_user_code(&self, py: Python<'_>, typed: &str) -> PyResult<String> {
        self.inner.normalize_user_code(typed).py(py)
    }

    /// Checks a typed code against a grant: `{"ok", "error"?, "record"?}`.
    #[pyo3(signature = (grant, typed, now=None))]
    fn check_user_code(
        &self,
        py: Python<'_>,
        grant: &Bound<'_, PyAny>,
        typed: &str,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let g: DeviceGrant = from_py(grant, "grant")?;
        to_py(py, &self.inner.check_user_code(&g, typed, now_or(now)))
    }

    /// Records approval; returns the record to store.
    #[pyo3(signature = (grant, user_id, claims=None, now=None))]
    fn approve(
        &self,
        py: Python<'_>,
        grant: &Bound<'_, PyAny>,
        user_id: &str,
        claims: Option<&Bound<'_, PyAny>>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let g: DeviceGrant = from_py(grant, "grant")?;
        let r = self
            .inner
            .approve(&g, user_id, opt_from_py(claims, "claims")?, now_or(now))
            .py(py)?;
        to_py(py, &r)
    }

    /// What the verification page shows before approval: `{"client_id", "scopes", "user_code", "expires_in"}`.
    #[pyo3(signature = (grant, now=None))]
    fn consent(&self, py: Python<'_>, grant: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let g: DeviceGrant = from_py(grant, "grant")?;
        to_py(py, &self.inner.consent(&g, now_or(now)))
    }

    /// A person typed `typed`: `{"consent"?, "error"?, "limiter"?, "global_limiter"?,
    /// "global_pressure"}`. `limiter` is the requester's record (strict cap), `global_limiter`
    /// the server's (a soft signal only); store the returned ones.
    #[pyo3(signature = (limiter, grant, typed, now=None, *, global_limiter=None))]
    fn enter_user_code(
        &self,
        py: Python<'_>,
        limiter: Option<&Bound<'_, PyAny>>,
        grant: Option<&Bound<'_, PyAny>>,
        typed: &str,
        now: Option<i64>,
        global_limiter: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let l: Option<EntryLimiter> = opt_from_py(limiter, "limiter")?;
        let global: Option<EntryLimiter> = opt_from_py(global_limiter, "global_limiter")?;
        let g: Option<DeviceGrant> = opt_from_py(grant, "grant")?;
        to_py(
            py,
            &self
                .inner
                .enter_user_code(l.as_ref(), global.as_ref(), g.as_ref(), typed, now_or(now)),
        )
    }

    /// Records denial; returns the record to store.
    #[pyo3(signature = (grant, now=None))]
    fn deny(&self, py: Python<'_>, grant: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let g: DeviceGrant = from_py(grant, "grant")?;
        let r = self.inner.deny(&g, now_or(now)).py(py)?;
        to_py(py, &r)
    }

    /// Answers a poll: `{"type": "approved"|"error", ..., "record"?, "response"?}`.
    #[pyo3(signature = (grant, request, now=None))]
    fn poll(
        &self,
        py: Python<'_>,
        grant: Option<&Bound<'_, PyAny>>,
        request: &Bound<'_, PyAny>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let g: Option<DeviceGrant> = opt_from_py(grant, "grant")?;
        let r: TokenRequest = from_py(request, "request")?;
        to_py(py, &self.inner.poll(g.as_ref(), &r, now_or(now)))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "DeviceAuthority(verification_uri={}, expires_in={}, interval={})",
            r_url(py, &c.verification_uri)?,
            c.expires_in,
            c.interval
        ))
    }
}
}

guarded! {
/// Parses a form-encoded token request (`client_id` overrides the body's, e.g. from Basic auth).
#[pyfunction]
#[pyo3(signature = (body, client_id=None))]
fn parse_token_request(py: Python<'_>, body: &str, client_id: Option<&str>) -> PyResult<Py<PyAny>> {
    let r = TokenRequest::from_form(body, client_id).py(py)?;
    to_py(py, &r)
}
}

guarded! {
/// Parses a form-encoded device authorization request.
#[pyfunction]
fn parse_authorization_request(py: Python<'_>, body: &str) -> PyResult<Py<PyAny>> {
    let r = AuthorizationRequest::from_form(body).py(py)?;
    to_py(py, &r)
}
}

guarded! {
/// The lookup key of a device code.
#[pyfunction]
fn device_code_hash(device_code: &str) -> PyResult<String> {
    Ok(device::device_code_hash(device_code))
}
}

guarded! {
/// Parses a stored grant record.
#[pyfunction]
fn load_grant(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let g = DeviceGrant::from_json(text).py(py)?;
    to_py(py, &g)
}
}

guarded! {
/// `(status, {"error", "error_description"})` for a catalog code (RFC 6749 §5.2).
#[pyfunction]
#[pyo3(signature = (code, detail=None))]
fn oauth_error(py: Python<'_>, code: &str, detail: Option<String>) -> PyResult<(u16, Py<PyAny>)> {
    let e = catalog_error(code, detail)?;
    Ok((oauth::error_status(&e), json_to_py(py, &oauth::error_body(&e))?.unbind()))
}
}

guarded! {
/// The whole token-endpoint error response for a catalog code: `{"status", "headers", "body"}`.
#[pyfunction]
#[pyo3(signature = (code, detail=None))]
fn oauth_error_response(py: Python<'_>, code: &str, detail: Option<String>) -> PyResult<Py<PyAny>> {
    let e = catalog_error(code, detail)?;
    to_py(py, &oauth::error_response(&e))
}
}

// ---------------------------------------------------------------------------------------------
// session
// ---------------------------------------------------------------------------------------------

/// Opaque UUID session tokens, idle expiry, revocation, rotation on sign-in.
#[pyclass(module = "authcore.session", frozen)]
struct SessionManager {
    inner: CoreSessionManager,
}

guarded! {
#[pymethods]
impl SessionManager {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: SessionConfig = profiled(py, config, kwargs, profile, "config", Component::Session)?;
        Ok(Self {
            inner: CoreSessionManager::new(config).py(py)?,
        })
    }

    /// A new session: `{"token", "record"}`.
    #[pyo3(signature = (user_id, email=None, is_guest=false, now=None, entropy=None))]
    fn create(
        &self,
        py: Python<'_>,
        user_id: &str,
        email: Option<&str>,
        is_guest: bool,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let s = self
            .inner
            .create(user_id, email, is_guest, now_or(now), &mut rng(entropy))
            .py(py)?;
        to_py(py, &s)
    }

    /// Sign-in: `{"session", "revoked"?, "response"}`; the previous session is revoked.
    #[pyo3(signature = (user_id, email=None, previous=None, now=None, entropy=None))]
    fn sign_in(
        &self,
        py: Python<'_>,
        user_id: &str,
        email: Option<&str>,
        previous: Option<&Bound<'_, PyAny>>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let prev: Option<Session> = opt_from_py(previous, "previous")?;
        let s = self
            .inner
            .sign_in(prev.as_ref(), user_id, email, now_or(now), &mut rng(entropy))
            .py(py)?;
        to_py(py, &s)
    }

    /// The exchange `Bearer <identity-provider JWT>` → session: verifies `token` with
    /// `verifier`, then signs its `sub` (and `email`) in: `{"session", "revoked"?, "response"}`.
    #[pyo3(signature = (verifier, token, previous=None, now=None, entropy=None))]
    fn exchange(
        &self,
        py: Python<'_>,
        verifier: &Verifier,
        token: &str,
        previous: Option<&Bound<'_, PyAny>>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let prev: Option<Session> = opt_from_py(previous, "previous")?;
        let s = self
            .inner
            .exchange_token(&verifier.inner, token, prev.as_ref(), now_or(now), &mut rng(entropy))
            .py(py)?;
        to_py(py, &s)
    }

    /// Checks a presented token against its record: `{"session", "touch"?}`.
    #[pyo3(signature = (record, token, now=None))]
    fn validate(
        &self,
        py: Python<'_>,
        record: Option<&Bound<'_, PyAny>>,
        token: &str,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let r: Option<Session> = opt_from_py(record, "record")?;
        let v = self.inner.validate(r.as_ref(), token, now_or(now)).py(py)?;
        to_py(py, &v)
    }

    /// The record revoked.
    #[pyo3(signature = (record, now=None))]
    fn revoke(&self, py: Python<'_>, record: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let r: Session = from_py(record, "record")?;
        to_py(py, &self.inner.revoke(&r, now_or(now)))
    }

    fn __repr__(&self) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "SessionManager(idle_timeout={}, absolute_lifetime={}, touch_interval={})",
            c.idle_timeout,
            r_num(c.absolute_lifetime),
            c.touch_interval
        ))
    }
}
}

guarded! {
/// The lookup key of a session token (`None` when it is not a UUID).
#[pyfunction]
fn session_token_hash(token: &str) -> PyResult<Option<String>> {
    Ok(session::token_hash(token))
}
}

guarded! {
/// A new gateway token (256 bits, URL-safe base64 without padding) for an onboarding step.
#[pyfunction]
#[pyo3(signature = (entropy=None))]
fn generate_gateway_token(py: Python<'_>, entropy: Option<EntropyBytes>) -> PyResult<String> {
    let t = authcore::gate::generate_gateway_token(&mut rng(entropy)).py(py)?;
    Ok(t.expose().to_owned())
}
}

guarded! {
/// Parses a stored session record.
#[pyfunction]
fn load_session(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let s = Session::from_json(text).py(py)?;
    to_py(py, &s)
}
}

// ---------------------------------------------------------------------------------------------
// gate
// ---------------------------------------------------------------------------------------------

/// The two-step authenticator.
#[pyclass(module = "authcore.gate", frozen)]
struct Gate {
    inner: CoreGate,
}

/// The gate's settings from `config` and keyword arguments, the named profile's section under
/// them; `jwt.keys` may hold `bytes` secrets (see `key_spec_py`), the caller's dicts stay as
/// they are.
fn gate_config(
    py: Python<'_>,
    config: Option<&Bound<'_, PyAny>>,
    profile: Option<&str>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<GateConfig> {
    let merged = settings_dict(py, config, kwargs, "config")?;
    if let Some(jwt) = merged.get_item("jwt")? {
        if let Ok(jwt) = jwt.cast::<PyDict>() {
            if let Some(keys) = jwt.get_item("keys")? {
                let jwt = jwt.copy()?;
                jwt.set_item("keys", key_specs_py(&keys)?)?;
                merged.set_item("jwt", jwt)?;
            }
        }
    }
    profiled_dict(py, &merged, profile, "config", Component::Gate)
}

guarded! {
#[pymethods]
impl Gate {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, backend=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        backend: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config = gate_config(py, config, profile, kwargs)?;
        Ok(Self {
            inner: CoreGate::with_backend(config, self::backend(py, backend)?).py(py)?,
        })
    }

    /// A gate whose `services_env` secrets are read from `env` (default `os.environ`).
    #[staticmethod]
    #[pyo3(signature = (env=None, config=None, *, profile=None, backend=None, **kwargs))]
    fn from_env(
        py: Python<'_>,
        env: Option<&Bound<'_, PyAny>>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        backend: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        // `None` is `os.environ`; a mapping that is not a dict (`os.environ` itself) is copied.
        let source = match env.filter(|e| !e.is_none()) {
            Some(e) => e.clone(),
            None => py.import("os")?.getattr("environ")?,
        };
        let environ = if source.cast::<PyDict>().is_err() && source.hasattr("keys")? {
            py.import("builtins")?.getattr("dict")?.call1((source,))?
        } else {
            source
        };
        let env = &environ;
        let Value::Object(env) = py_to_json(env, "env", 0)? else {
            return Err(PyTypeError::new_err("env: expected a dict"));
        };
        let config = gate_config(py, config, profile, kwargs)?;
        Ok(Self {
            inner: CoreGate::from_env_values_with_backend(config, &env, self::backend(py, backend)?).py(py)?,
        })
    }

    /// Step 1: route, credential and what to load.
    #[pyo3(signature = (request, now=None))]
    fn classify(&self, py: Python<'_>, request: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let r: HttpRequest = from_py(request, "request")?;
        to_py(py, &self.inner.classify(&r, now_or(now)))
    }

    /// Step 2: allow (with a context) or deny (with the response to send).
    #[pyo3(signature = (classified, lookup=None, now=None))]
    fn decide(
        &self,
        py: Python<'_>,
        classified: &Bound<'_, PyAny>,
        lookup: Option<&Bound<'_, PyAny>>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let c: Classified = from_py(classified, "classified")?;
        let l: Lookup = opt_from_py(lookup, "lookup")?.unwrap_or_default();
        to_py(py, &self.inner.decide(&c, &l, now_or(now)))
    }

    /// The id of the user to load into `lookup["user"]` (the JWT's subject, or the owner of
    /// the session loaded under `needs["session"]`, given as `session`), or `None`.
    #[pyo3(signature = (classified, session=None))]
    fn user_to_load(&self, classified: &Bound<'_, PyAny>, session: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
        let c: Classified = from_py(classified, "classified")?;
        let s: Option<Session> = opt_from_py(session, "session")?;
        Ok(c.user_to_load(s.as_ref()).map(str::to_owned))
    }

    /// Both steps, for hosts that can load everything up front.
    #[pyo3(signature = (request, lookup=None, now=None))]
    fn authenticate(
        &self,
        py: Python<'_>,
        request: &Bound<'_, PyAny>,
        lookup: Option<&Bound<'_, PyAny>>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let r: HttpRequest = from_py(request, "request")?;
        let l: Lookup = opt_from_py(lookup, "lookup")?.unwrap_or_default();
        to_py(py, &self.inner.authenticate(&r, &l, now_or(now)))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "Gate(realm={}, routes={}, jwt={}, services={})",
            r_str(py, &c.realm)?,
            c.routes.len(),
            r_bool(c.jwt.is_some()),
            c.services.len()
        ))
    }
}
}

// ---------------------------------------------------------------------------------------------
// password
// ---------------------------------------------------------------------------------------------

/// Registration and password login (argon2id). Hashing releases the GIL.
#[pyclass(module = "authcore.password", frozen)]
struct Accounts {
    inner: CoreAccounts,
}

guarded! {
#[pymethods]
impl Accounts {
    #[new]
    #[pyo3(signature = (policy=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        policy: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let policy: PasswordPolicy = profiled(py, policy, kwargs, profile, "policy", Component::Accounts)?;
        let inner = py.detach(|| CoreAccounts::new(policy)).py(py)?;
        Ok(Self { inner })
    }

    /// An argon2id PHC string.
    #[pyo3(signature = (password, entropy=None))]
    fn hash_password(&self, py: Python<'_>, password: &str, entropy: Option<EntropyBytes>) -> PyResult<String> {
        py.detach(|| self.inner.hash_password(password, &mut rng(entropy)))
            .py(py)
    }

    /// Whether `password` matches the stored hash.
    fn verify_password(&self, py: Python<'_>, password_hash: &str, password: &str) -> PyResult<bool> {
        py.detach(|| self.inner.verify_password(password_hash, password)).py(py)
    }

    /// Whether a stored hash uses other parameters than the policy.
    fn needs_rehash(&self, password_hash: &str) -> PyResult<bool> {
        Ok(self.inner.needs_rehash(password_hash))
    }

    /// Validates a registration and hashes its password: `{"username"?, "email"?, "password_hash"}`.
    #[pyo3(signature = (password, username=None, email=None, entropy=None))]
    fn register(
        &self,
        py: Python<'_>,
        password: &str,
        username: Option<String>,
        email: Option<String>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let reg = Registration {
            username,
            email,
            password: authcore::secret::Secret::new(password),
        };
        let a = py.detach(|| self.inner.register(&reg, &mut rng(entropy))).py(py)?;
        to_py(py, &a)
    }

    /// Password login: `{"user_id", "email"?}` or `InvalidCredentials` (for a wrong password
    /// and for an unknown user alike). Mint a token next with `Issuer.issue`.
    fn login(&self, py: Python<'_>, account: Option<&Bound<'_, PyAny>>, password: &str) -> PyResult<Py<PyAny>> {
        let acct: Option<StoredCredentials> = opt_from_py(account, "account")?;
        let r = py.detach(|| self.inner.login(acct.as_ref(), password)).py(py)?;
        to_py(py, &r)
    }

    /// Password login behind brute-force limits: `{"login"?, "error"?, "account_limiter"?,
    /// "requester_limiter"?, "retry_at"?}`. `account_limiter` is the record kept for the
    /// submitted account name, `requester_limiter` the one for the requester; store the
    /// returned ones. Unknown accounts are answered, counted and locked like known ones.
    #[pyo3(signature = (account, password, account_limiter=None, requester_limiter=None, now=None))]
    fn login_limited(
        &self,
        py: Python<'_>,
        account: Option<&Bound<'_, PyAny>>,
        password: &str,
        account_limiter: Option<&Bound<'_, PyAny>>,
        requester_limiter: Option<&Bound<'_, PyAny>>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let acct: Option<StoredCredentials> = opt_from_py(account, "account")?;
        let a: Option<EntryLimiter> = opt_from_py(account_limiter, "account_limiter")?;
        let r: Option<EntryLimiter> = opt_from_py(requester_limiter, "requester_limiter")?;
        let now = now_or(now);
        let out = py.detach(|| {
            self.inner
                .login_limited(acct.as_ref(), password, a.as_ref(), r.as_ref(), now)
        });
        to_py(py, &out)
    }

    fn __repr__(&self) -> PyResult<String> {
        let p = self.inner.policy();
        Ok(format!(
            "Accounts(min_length={}, memory_kib={}, iterations={}, parallelism={})",
            p.min_length, p.memory_kib, p.iterations, p.parallelism
        ))
    }
}
}

guarded! {
/// The normalised user name.
#[pyfunction]
fn normalize_username(py: Python<'_>, username: &str) -> PyResult<String> {
    password::normalize_username(username).py(py)
}
}

guarded! {
/// The normalised e-mail address.
#[pyfunction]
fn normalize_email(py: Python<'_>, email: &str) -> PyResult<String> {
    password::normalize_email(email).py(py)
}
}

// ---------------------------------------------------------------------------------------------
// cors
// ---------------------------------------------------------------------------------------------

/// CORS decisions for one configuration (exact origins, methods, headers, credentials).
#[pyclass(module = "authcore.cors", frozen)]
struct Cors {
    inner: CoreCors,
}

guarded! {
#[pymethods]
impl Cors {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: CorsConfig = profiled(py, config, kwargs, profile, "config", Component::Cors)?;
        Ok(Self {
            inner: CoreCors::new(config).py(py)?,
        })
    }

    /// `{"type": "preflight", "response"}`, `{"type": "refused", "error", "response"}` or
    /// `{"type": "actual", "headers"}` for one request.
    fn decide(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let r: HttpRequest = from_py(request, "request")?;
        to_py(py, &self.inner.decide(&r))
    }

    fn __repr__(&self) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "Cors(allowed_origins={:?}, allow_credentials={})",
            c.allowed_origins,
            if c.allow_credentials { "True" } else { "False" }
        ))
    }
}
}

// ---------------------------------------------------------------------------------------------
// refresh
// ---------------------------------------------------------------------------------------------

/// Refresh-token rotation with reuse detection.
#[pyclass(module = "authcore.refresh", frozen)]
struct RefreshTokens {
    inner: CoreRefreshTokens,
}

guarded! {
#[pymethods]
impl RefreshTokens {
    #[new]
    #[pyo3(signature = (config=None, **kwargs))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let config: RefreshConfig = settings(py, config, kwargs, "config")?;
        Ok(Self {
            inner: CoreRefreshTokens::new(config).py(py)?,
        })
    }

    /// Starts a family: `{"refresh_token", "record"}`.
    #[pyo3(signature = (user_id, client_id=None, scope=None, now=None, entropy=None))]
    fn issue(
        &self,
        py: Python<'_>,
        user_id: &str,
        client_id: Option<&str>,
        scope: Option<&str>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let i = self
            .inner
            .issue(user_id, client_id, scope, now_or(now), &mut rng(entropy))
            .py(py)?;
        to_py(py, &i)
    }

    /// Uses a presented token: `{"type": "rotated", ...}` or `{"type": "reuse", ...}`.
    #[pyo3(signature = (record, token, client_id=None, now=None, entropy=None))]
    fn rotate(
        &self,
        py: Python<'_>,
        record: Option<&Bound<'_, PyAny>>,
        token: &str,
        client_id: Option<&str>,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let r: Option<RefreshRecord> = opt_from_py(record, "record")?;
        let out = self
            .inner
            .rotate(r.as_ref(), token, client_id, now_or(now), &mut rng(entropy))
            .py(py)?;
        to_py(py, &out)
    }

    /// The record revoked.
    fn revoke(&self, py: Python<'_>, record: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let r: RefreshRecord = from_py(record, "record")?;
        to_py(py, &self.inner.revoke(&r))
    }

    fn __repr__(&self) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "RefreshTokens(ttl={}, family_lifetime={})",
            c.ttl,
            r_num(c.family_lifetime)
        ))
    }
}
}

guarded! {
/// The lookup key of a refresh token.
#[pyfunction]
fn refresh_token_hash(token: &str) -> PyResult<String> {
    Ok(refresh::refresh_token_hash(token))
}
}

guarded! {
/// Parses a stored refresh-token record.
#[pyfunction]
fn load_refresh_record(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let r = RefreshRecord::from_json(text).py(py)?;
    to_py(py, &r)
}
}

guarded! {
/// Parses a form-encoded refresh request (RFC 6749 §6; `client_id` overrides the body's).
#[pyfunction]
#[pyo3(signature = (body, client_id=None))]
fn parse_refresh_request(py: Python<'_>, body: &str, client_id: Option<&str>) -> PyResult<Py<PyAny>> {
    let r = RefreshRequest::from_form(body, client_id).py(py)?;
    to_py(py, &r)
}
}

// ---------------------------------------------------------------------------------------------
// oauth
// ---------------------------------------------------------------------------------------------

guarded! {
/// A PKCE pair: from `verifier`, or fresh from `bytes` random bytes.
#[pyfunction]
#[pyo3(signature = (verifier=None, method=None, allow_plain=false, bytes=None, entropy=None))]
fn pkce(
    py: Python<'_>,
    verifier: Option<&str>,
    method: Option<&str>,
    allow_plain: bool,
    bytes: Option<usize>,
    entropy: Option<EntropyBytes>,
) -> PyResult<Py<PyAny>> {
    let method = PkceMethod::from_name(method).py(py)?;
    let p = Pkce::create(verifier, method, allow_plain, bytes, &mut rng(entropy)).py(py)?;
    to_py(py, &p)
}
}

guarded! {
/// The server's PKCE check (raises `InvalidGrant` on mismatch or downgrade).
#[pyfunction]
#[pyo3(signature = (challenge=None, verifier=None, allow_plain=false))]
fn check_pkce(
    py: Python<'_>,
    challenge: Option<&Bound<'_, PyAny>>,
    verifier: Option<&str>,
    allow_plain: bool,
) -> PyResult<()> {
    let c: Option<StoredChallenge> = opt_from_py(challenge, "challenge")?;
    oauth::check_pkce(c.as_ref(), verifier, allow_plain).py(py)
}
}

guarded! {
/// Where `issuer` publishes its metadata (`kind`: `"openid"`, the default, or `"oauth"`).
#[pyfunction]
#[pyo3(signature = (issuer, kind=None, *, allow_insecure_http=false))]
fn well_known_url(py: Python<'_>, issuer: &str, kind: Option<&Bound<'_, PyAny>>, allow_insecure_http: bool) -> PyResult<String> {
    let kind: Option<WellKnown> = opt_from_py(kind, "kind")?;
    discovery::well_known_url(issuer, kind.unwrap_or_default(), allow_insecure_http).py(py)
}

/// A provider's metadata response (`{status, headers, body}`) read for the expected issuer.
#[pyfunction]
#[pyo3(signature = (response, issuer, *, allow_insecure_http=false))]
fn parse_provider_metadata(
    py: Python<'_>,
    response: &Bound<'_, PyAny>,
    issuer: &str,
    allow_insecure_http: bool,
) -> PyResult<Py<PyAny>> {
    let r: HttpResponse = from_py(response, "response")?;
    let meta = ProviderMetadata::parse(&r, issuer, allow_insecure_http).py(py)?;
    to_py(py, &meta)
}
}

/// The authorization-code flow with PKCE and a single-use state.
#[pyclass(module = "authcore.oauth", frozen)]
struct AuthCodeClient {
    inner: CoreAuthCodeClient,
}

guarded! {
#[pymethods]
impl AuthCodeClient {
    #[new]
    #[pyo3(signature = (config=None, *, profile=None, **kwargs))]
    fn new(
        py: Python<'_>,
        config: Option<&Bound<'_, PyAny>>,
        profile: Option<&str>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let config: AuthCodeConfig = profiled(py, config, kwargs, profile, "config", Component::AuthCode)?;
        Ok(Self {
            inner: CoreAuthCodeClient::new(config).py(py)?,
        })
    }

    /// `{"url", "record"}`: send the browser to `url`, keep `record` until the callback.
    #[pyo3(signature = (now=None, entropy=None))]
    fn start(&self, py: Python<'_>, now: Option<i64>, entropy: Option<EntropyBytes>) -> PyResult<Py<PyAny>> {
        let s = self.inner.start(now_or(now), &mut rng(entropy)).py(py)?;
        to_py(py, &s)
    }

    /// Validates the callback URL: `{"request": token request to send, "record": used record}`.
    #[pyo3(signature = (record, callback, now=None))]
    fn callback(
        &self,
        py: Python<'_>,
        record: &Bound<'_, PyAny>,
        callback: &str,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let r: PendingAuthorization = from_py(record, "record")?;
        let o = self.inner.callback(&r, callback, now_or(now)).py(py)?;
        to_py(py, &o)
    }

    /// The token set from the token endpoint's response.
    #[pyo3(signature = (response, now=None))]
    fn token_response(&self, py: Python<'_>, response: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
        let r: HttpResponse = from_py(response, "response")?;
        let t = self.inner.token_response(&r, now_or(now)).py(py)?;
        to_py(py, &t)
    }

    /// The OpenID Connect ID-token checks (`iss`, `aud`, `azp`, `nonce`, `at_hash`) on a token
    /// a verifier already verified.
    #[pyo3(signature = (verified, record, access_token=None))]
    fn check_id_token(
        &self,
        py: Python<'_>,
        verified: &Bound<'_, PyAny>,
        record: &Bound<'_, PyAny>,
        access_token: Option<&str>,
    ) -> PyResult<()> {
        let v: jwt::VerifiedToken = from_py(verified, "verified")?;
        let r: PendingAuthorization = from_py(record, "record")?;
        self.inner.check_id_token(&v, &r, access_token).py(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.inner.config();
        Ok(format!(
            "AuthCodeClient(authorization_endpoint={}, client_id={}, redirect_uri={}, scopes={})",
            r_url(py, &c.authorization_endpoint)?,
            r_str(py, &c.client_id)?,
            r_url(py, &c.redirect_uri)?,
            r_list(py, c.scopes.iter().map(String::as_str))?
        ))
    }
}
}

// ---------------------------------------------------------------------------------------------
// broker
// ---------------------------------------------------------------------------------------------

/// The credential broker over bundled and custom providers.
#[pyclass(module = "authcore.broker", name = "Broker", frozen)]
struct PyBroker {
    inner: Broker,
}

guarded! {
#[pymethods]
impl PyBroker {
    #[new]
    #[pyo3(signature = (custom=None, allow_loopback_http=false))]
    fn new(py: Python<'_>, custom: Option<&Bound<'_, PyAny>>, allow_loopback_http: bool) -> PyResult<Self> {
        let custom: Vec<Value> = opt_from_py(custom, "custom")?.unwrap_or_default();
        Ok(Self {
            inner: Broker::from_custom(&custom, allow_loopback_http).py(py)?,
        })
    }

    /// `{"providers", "sources", "overrides"}`.
    #[getter]
    fn providers(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, self.inner.providers())
    }

    /// The routing table in precedence order.
    fn routing_table(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.inner.routing_table())
    }

    /// What an outbound request to `url` needs: `{"type": "inject"|"refresh", ...}`.
    #[pyo3(signature = (url, connections, method=None, now=None))]
    fn resolve(
        &self,
        py: Python<'_>,
        url: &str,
        connections: &Bound<'_, PyAny>,
        method: Option<&str>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let conns: Vec<Connection> = from_py(connections, "connections")?;
        let r = self.inner.resolve(method, url, &conns, now_or(now)).py(py)?;
        to_py(py, &r)
    }

    /// The connection after a refresh response.
    #[pyo3(signature = (connection, response, now=None))]
    fn apply_refresh(
        &self,
        py: Python<'_>,
        connection: &Bound<'_, PyAny>,
        response: &Bound<'_, PyAny>,
        now: Option<i64>,
    ) -> PyResult<Py<PyAny>> {
        let c: Connection = from_py(connection, "connection")?;
        let r: HttpResponse = from_py(response, "response")?;
        let out = self.inner.apply_refresh(&c, &r, now_or(now)).py(py)?;
        to_py(py, &out)
    }

    /// The RFC 7009 revocation requests for provider `provider`'s connections and the records
    /// to delete: `{"requests": [...], "delete": [{"provider", "name"}]}`.
    #[pyo3(signature = (provider, connections, *, client=None))]
    fn revoke(
        &self,
        py: Python<'_>,
        provider: &str,
        connections: &Bound<'_, PyAny>,
        client: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let conns: Vec<Connection> = from_py(connections, "connections")?;
        let client: Option<ClientAuth> = opt_from_py(client, "client")?;
        let plan = self.inner.revoke(provider, &conns, client.as_ref()).py(py)?;
        to_py(py, &plan)
    }

    /// One `{name, display_name, auth_type, flow, source, hosts, has_client}` per provider
    /// (`source`: `bundled`, `custom` or `override`); no secret.
    fn provider_listing(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.inner.provider_listing())
    }

    /// Provider `name`'s definition, its `client_secret` `"[redacted]"` unless `reveal`.
    #[pyo3(signature = (name, *, reveal=false))]
    fn show_provider(&self, py: Python<'_>, name: &str, reveal: bool) -> PyResult<Py<PyAny>> {
        let v = self.inner.show_provider(name, reveal).py(py)?;
        to_py(py, &v)
    }

    /// The RFC 7662 introspection request for `token` at provider `provider`.
    #[pyo3(signature = (provider, token, token_type_hint=None, *, client=None))]
    fn introspect(
        &self,
        py: Python<'_>,
        provider: &str,
        token: &str,
        token_type_hint: Option<&str>,
        client: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let client: Option<ClientAuth> = opt_from_py(client, "client")?;
        let request = self
            .inner
            .introspect(provider, token, token_type_hint, client.as_ref())
            .py(py)?;
        to_py(py, &request)
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("Broker(providers={})", self.inner.providers().providers.len()))
    }
}
}

guarded! {
/// The listing form of connections (secrets redacted).
#[pyfunction]
fn redact(py: Python<'_>, connections: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let conns: Vec<Connection> = from_py(connections, "connections")?;
    to_py(py, &broker::redact(&conns))
}
}

guarded! {
/// `NAME='value'` lines for POSIX sh (reveals secrets).
#[pyfunction]
fn export_env(py: Python<'_>, connections: &Bound<'_, PyAny>) -> PyResult<String> {
    let conns: Vec<Connection> = from_py(connections, "connections")?;
    broker::export_env(&conns).py(py)
}

/// Checks a connection before it is stored (raises `invalid_input` naming the field).
#[pyfunction]
fn check_connection(py: Python<'_>, connection: &Bound<'_, PyAny>) -> PyResult<()> {
    let c: Connection = from_py(connection, "connection")?;
    c.check().py(py)
}
}

guarded! {
/// The connections as JSON data (reveals secrets).
#[pyfunction]
fn export_json(py: Python<'_>, connections: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let conns: Vec<Connection> = from_py(connections, "connections")?;
    to_py(py, &broker::export_json(&conns))
}
}

guarded! {
/// The readiness report.
#[pyfunction]
#[pyo3(signature = (custom=None, connections=None, key_files=None, now=None, *, schema_version=None, allow_loopback_http=false))]
fn readiness(
    py: Python<'_>,
    custom: Option<&Bound<'_, PyAny>>,
    connections: Option<&Bound<'_, PyAny>>,
    key_files: Option<&Bound<'_, PyAny>>,
    now: Option<i64>,
    schema_version: Option<u32>,
    allow_loopback_http: bool,
) -> PyResult<Py<PyAny>> {
    let custom: Vec<Value> = opt_from_py(custom, "custom")?.unwrap_or_default();
    let conns: Vec<Connection> = opt_from_py(connections, "connections")?.unwrap_or_default();
    let keys: Vec<KeyFile> = opt_from_py(key_files, "key_files")?.unwrap_or_default();
    to_py(py, &broker::readiness_with(&custom, &conns, &keys, schema_version, now_or(now), allow_loopback_http))
}
}

guarded! {
/// The connections with `connection` made `provider`'s one default.
#[pyfunction]
fn set_default(py: Python<'_>, connections: &Bound<'_, PyAny>, provider: &str, connection: &str) -> PyResult<Py<PyAny>> {
    let conns: Vec<Connection> = from_py(connections, "connections")?;
    let out = broker::set_default(&conns, provider, connection).py(py)?;
    to_py(py, &out)
}

/// Reads the answer to a revocation request: `{"type": "revoked" | "retry" | "unsupported_token_type"}`.
#[pyfunction]
fn revocation_outcome(py: Python<'_>, response: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let r: HttpResponse = from_py(response, "response")?;
    let out = authcore::revocation::revocation_outcome(&r).py(py)?;
    to_py(py, &out)
}

/// Reads an introspection answer: `{"type": "active", ...}` or `{"type": "inactive"}`.
#[pyfunction]
#[pyo3(signature = (response, now=None))]
fn introspection_outcome(py: Python<'_>, response: &Bound<'_, PyAny>, now: Option<i64>) -> PyResult<Py<PyAny>> {
    let r: HttpResponse = from_py(response, "response")?;
    let out = authcore::revocation::introspection_outcome(&r, now_or(now)).py(py)?;
    to_py(py, &out)
}
}

guarded! {
/// The document of the named profile (`ravi`, `reeve`, `rag-modulo`); an unknown name is
/// `invalid_config`.
#[pyfunction]
fn profile(py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
    let doc = authcore::profile::document(name).py(py)?;
    to_py(py, &doc)
}
}

guarded! {
/// The names of the profiles, sorted.
#[pyfunction]
fn profile_names() -> PyResult<Vec<&'static str>> {
    Ok(authcore::profile::names())
}
}

#[pymodule]
fn _authcore(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("RAVI_TOKEN_FILE", authcore::tokens::RAVI_TOKEN_FILE)?;
    m.add_function(wrap_pyfunction!(catalog, m)?)?;
    m.add_function(wrap_pyfunction!(error_body, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_class::<Verifier>()?;
    m.add_class::<Issuer>()?;
    m.add_class::<JwksCache>()?;
    m.add_function(wrap_pyfunction!(from_env, m)?)?;
    m.add_function(wrap_pyfunction!(verify_signature, m)?)?;
    m.add_function(wrap_pyfunction!(parse_jwks, m)?)?;
    m.add_function(wrap_pyfunction!(decode_unverified, m)?)?;
    m.add_function(wrap_pyfunction!(token_set_from_response, m)?)?;
    m.add_function(wrap_pyfunction!(freshness, m)?)?;
    m.add_function(wrap_pyfunction!(load_tokens, m)?)?;
    m.add_function(wrap_pyfunction!(dump_tokens, m)?)?;
    m.add_class::<RequestDriver>()?;
    m.add_class::<DeviceClient>()?;
    m.add_class::<DeviceAuthority>()?;
    m.add_function(wrap_pyfunction!(parse_token_request, m)?)?;
    m.add_function(wrap_pyfunction!(parse_authorization_request, m)?)?;
    m.add_function(wrap_pyfunction!(device_code_hash, m)?)?;
    m.add_function(wrap_pyfunction!(load_grant, m)?)?;
    m.add_function(wrap_pyfunction!(oauth_error, m)?)?;
    m.add_function(wrap_pyfunction!(oauth_error_response, m)?)?;
    m.add_class::<SessionManager>()?;
    m.add_function(wrap_pyfunction!(session_token_hash, m)?)?;
    m.add_function(wrap_pyfunction!(load_session, m)?)?;
    m.add_class::<Gate>()?;
    m.add_function(wrap_pyfunction!(generate_gateway_token, m)?)?;
    m.add_class::<Accounts>()?;
    m.add_function(wrap_pyfunction!(normalize_username, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_email, m)?)?;
    m.add_class::<RefreshTokens>()?;
    m.add_class::<Cors>()?;
    m.add_function(wrap_pyfunction!(refresh_token_hash, m)?)?;
    m.add_function(wrap_pyfunction!(load_refresh_record, m)?)?;
    m.add_function(wrap_pyfunction!(parse_refresh_request, m)?)?;
    m.add_function(wrap_pyfunction!(pkce, m)?)?;
    m.add_function(wrap_pyfunction!(check_pkce, m)?)?;
    m.add_function(wrap_pyfunction!(well_known_url, m)?)?;
    m.add_function(wrap_pyfunction!(parse_provider_metadata, m)?)?;
    m.add_class::<AuthCodeClient>()?;
    m.add_class::<PyBroker>()?;
    m.add_function(wrap_pyfunction!(redact, m)?)?;
    m.add_function(wrap_pyfunction!(export_env, m)?)?;
    m.add_function(wrap_pyfunction!(check_connection, m)?)?;
    m.add_function(wrap_pyfunction!(export_json, m)?)?;
    m.add_function(wrap_pyfunction!(readiness, m)?)?;
    m.add_function(wrap_pyfunction!(set_default, m)?)?;
    m.add_function(wrap_pyfunction!(revocation_outcome, m)?)?;
    m.add_function(wrap_pyfunction!(introspection_outcome, m)?)?;
    m.add_function(wrap_pyfunction!(profile, m)?)?;
    m.add_function(wrap_pyfunction!(profile_names, m)?)?;
    signin::register(m)?;
    vault::register(m)?;
    authflow::register(m)?;
    mcp_server::register(m)?;
    grants::register(m)?;
    dpop::register(m)?;
    mcp::register(m)?;
    Ok(())
}
