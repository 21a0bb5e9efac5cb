//! MCP resource server: the RFC 9728 Protected Resource Metadata document, its well-known URL
//! and route, and the audience rule, as in `js/NATIVE.md`. Conversions only; the rules are the
//! core's (`authcore::mcp_server`).

use authcore::http::HttpRequest;
use authcore::mcp_server::{self, ResourceMetadata};
use napi_derive::napi;

use super::{guard, out, parse};

/// The URL of `resource`'s metadata document (RFC 9728 §3.1, path-inserted).
#[napi]
pub fn resource_metadata_url(resource: String) -> napi::Result<String> {
    guard(|| Ok(mcp_server::well_known_url(&resource)?))
}

/// The path of `resource`'s metadata document, for a router.
#[napi]
pub fn resource_metadata_path(resource: String) -> napi::Result<String> {
    guard(|| Ok(mcp_server::well_known_path(&resource)?))
}

/// The metadata document checked (JSON ResourceMetadata).
#[napi]
pub fn check_resource_metadata(metadata_json: String) -> napi::Result<String> {
    guard(|| {
        let doc: ResourceMetadata = parse(&metadata_json, "metadata")?;
        doc.check()?;
        out(&doc)
    })
}

/// The response to a request for the metadata document (JSON HttpResponse), or JSON `null`
/// for any other request.
#[napi]
pub fn serve_resource_metadata(metadata_json: String, request_json: String) -> napi::Result<String> {
    guard(|| {
        let doc: ResourceMetadata = parse(&metadata_json, "metadata")?;
        doc.check()?;
        let request: HttpRequest = parse(&request_json, "request")?;
        out(&doc.serve(&request))
    })
}

/// Whether the audience value `aud` names `resource` (the audience rule).
#[napi]
pub fn audience_names_resource(aud: String, resource: String) -> bool {
    mcp_server::resource_matches(&aud, &resource)
}
