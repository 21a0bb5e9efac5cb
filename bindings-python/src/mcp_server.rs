//! `authcore.mcp_server`: the RFC 9728 Protected Resource Metadata document, its well-known
//! URL and route, and the audience rule. Conversions only; the rules are the core's
//! (`authcore::mcp_server`).

use authcore::http::HttpRequest;
use authcore::mcp_server::{self, ResourceMetadata};
use pyo3::prelude::*;

use super::{from_py, guard, to_py, IntoPy};

guarded! {
/// The URL of `resource`'s metadata document (RFC 9728 §3.1, path-inserted).
#[pyfunction]
fn resource_metadata_url(py: Python<'_>, resource: &str) -> PyResult<String> {
    mcp_server::well_known_url(resource).py(py)
}

/// The path of `resource`'s metadata document, for a router.
#[pyfunction]
fn resource_metadata_path(py: Python<'_>, resource: &str) -> PyResult<String> {
    mcp_server::well_known_path(resource).py(py)
}

/// The metadata document checked, in its wire shape (absent members left out).
#[pyfunction]
fn check_resource_metadata(py: Python<'_>, metadata: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let doc: ResourceMetadata = from_py(metadata, "metadata")?;
    doc.check().py(py)?;
    to_py(py, &doc)
}

/// The response to `request` when it asks for the metadata document (200, or 405 for a
/// method other than GET and HEAD), else `None`. The document is checked first.
#[pyfunction]
fn serve_resource_metadata(
    py: Python<'_>,
    metadata: &Bound<'_, PyAny>,
    request: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let doc: ResourceMetadata = from_py(metadata, "metadata")?;
    doc.check().py(py)?;
    let request: HttpRequest = from_py(request, "request")?;
    to_py(py, &doc.serve(&request))
}

/// Whether the audience value `aud` names `resource` (the audience rule).
#[pyfunction]
fn audience_names_resource(aud: &str, resource: &str) -> PyResult<bool> {
    Ok(mcp_server::resource_matches(aud, resource))
}
}

/// Adds the module's functions to `_authcore`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(resource_metadata_url, m)?)?;
    m.add_function(wrap_pyfunction!(resource_metadata_path, m)?)?;
    m.add_function(wrap_pyfunction!(check_resource_metadata, m)?)?;
    m.add_function(wrap_pyfunction!(serve_resource_metadata, m)?)?;
    m.add_function(wrap_pyfunction!(audience_names_resource, m)?)?;
    Ok(())
}
