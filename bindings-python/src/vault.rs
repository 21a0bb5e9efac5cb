//! `authcore.vault`: records sealed with a master key, key files, rotation.
//! Conversions only; the rules are the core's (`authcore::vault`).

use authcore::vault::{self, Vault as CoreVault};
use pyo3::prelude::*;
use serde_json::Value;

use super::{from_py, guard, now_or, r_list, r_str, rng, to_py, EntropyBytes, IntoPy};

/// Master keys by id (key file contents, the current key first): seals, opens, reseals.
#[pyclass(module = "authcore.vault", frozen)]
pub(crate) struct Vault {
    inner: CoreVault,
}

guarded! {
#[pymethods]
impl Vault {
    #[new]
    fn new(py: Python<'_>, keys: &Bound<'_, PyAny>) -> PyResult<Self> {
        let keys: Vec<String> = from_py(keys, "keys")?;
        Ok(Self {
            inner: CoreVault::from_key_files(&keys).py(py)?,
        })
    }

    /// The current key's id (the one that seals).
    #[getter]
    fn current_kid(&self) -> PyResult<String> {
        Ok(self.inner.current_kid().to_owned())
    }

    /// Every key id, current first.
    #[getter]
    fn kids(&self) -> PyResult<Vec<String>> {
        Ok(self.inner.kids())
    }

    /// Seals `record` (a dict) for `context` at `now`: `{"v", "kid", "alg", "nonce", "ct",
    /// "sealed_at"}`.
    #[pyo3(signature = (record, context, now=None, entropy=None))]
    fn seal(
        &self,
        py: Python<'_>,
        record: &Bound<'_, PyAny>,
        context: &str,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let record: Value = from_py(record, "record")?;
        let s = self.inner.seal(&record, context, now_or(now), &mut rng(entropy)).py(py)?;
        to_py(py, &s)
    }

    /// Opens a sealed record stored for `context`.
    fn open(&self, py: Python<'_>, sealed: &Bound<'_, PyAny>, context: &str) -> PyResult<Py<PyAny>> {
        let sealed: Value = from_py(sealed, "sealed")?;
        let r = self.inner.open(&sealed, context).py(py)?;
        to_py(py, &r)
    }

    /// Opens a sealed record under any key and seals it again under the current key at `now`.
    #[pyo3(signature = (sealed, context, now=None, entropy=None))]
    fn reseal(
        &self,
        py: Python<'_>,
        sealed: &Bound<'_, PyAny>,
        context: &str,
        now: Option<i64>,
        entropy: Option<EntropyBytes>,
    ) -> PyResult<Py<PyAny>> {
        let sealed: Value = from_py(sealed, "sealed")?;
        let s = self.inner.reseal(&sealed, context, now_or(now), &mut rng(entropy)).py(py)?;
        to_py(py, &s)
    }

    /// Whether a sealed record is under another key than the current one.
    fn needs_reseal(&self, py: Python<'_>, sealed: &Bound<'_, PyAny>) -> PyResult<bool> {
        let sealed: Value = from_py(sealed, "sealed")?;
        self.inner.needs_reseal(&sealed).py(py)
    }

    /// `{"kid", "sealed_at"?, "needs_reseal"}` of a sealed record (read without the key).
    fn inspect(&self, py: Python<'_>, sealed: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let sealed: Value = from_py(sealed, "sealed")?;
        let info = self.inner.inspect(&sealed).py(py)?;
        to_py(py, &info)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let kids = self.inner.kids();
        Ok(format!(
            "Vault(current_kid={}, kids={})",
            r_str(py, self.inner.current_kid())?,
            r_list(py, kids.iter().map(String::as_str))?
        ))
    }
}
}

guarded! {
/// A new master key file's content (32 bytes from `entropy`, then 6 for the key id when
/// `kid` is not given).
#[pyfunction]
#[pyo3(signature = (kid=None, entropy=None))]
fn generate_master_key(py: Python<'_>, kid: Option<&str>, entropy: Option<EntropyBytes>) -> PyResult<String> {
    vault::generate_master_key(kid, &mut rng(entropy)).py(py)
}

/// Checks a master key file's content: `{"kid"}`.
#[pyfunction]
fn parse_master_key(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    let info = vault::parse_master_key(text).py(py)?;
    to_py(py, &info)
}

/// A master key file's content for 32 raw key bytes (e.g. from an OS keyring).
#[pyfunction]
fn master_key_from_bytes(py: Python<'_>, kid: &str, key: &[u8]) -> PyResult<String> {
    vault::master_key_from_bytes(kid, key).py(py)
}
}

/// Adds the module's classes and functions to `_authcore`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Vault>()?;
    m.add_function(wrap_pyfunction!(generate_master_key, m)?)?;
    m.add_function(wrap_pyfunction!(parse_master_key, m)?)?;
    m.add_function(wrap_pyfunction!(master_key_from_bytes, m)?)?;
    Ok(())
}
