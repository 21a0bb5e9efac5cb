//! MCP resource server: the RFC 9728 Protected Resource Metadata document, its well-known URL
//! and route, and the audience rule, as in `bindings-node/js/NATIVE.md`. Conversions only; the
//! rules are the core's (`authcore::mcp_server`).

use authcore::http::HttpRequest;
use authcore::mcp_server::{self, ResourceMetadata};
use wasm_bindgen::prelude::*;

use super::{from_json, to_json, Core, R};

/// The URL of `resource`'s metadata document (RFC 9728 §3.1, path-inserted).
#[wasm_bindgen(js_name = resourceMetadataUrl)]
pub fn resource_metadata_url(resource: &str) -> R<String> {
    mcp_server::well_known_url(resource).js()
}

/// The path of `resource`'s metadata document, for a router.
#[wasm_bindgen(js_name = resourceMetadataPath)]
pub fn resource_metadata_path(resource: &str) -> R<String> {
    mcp_server::well_known_path(resource).js()
}

/// The metadata document checked: JSON ResourceMetadata.
#[wasm_bindgen(js_name = checkResourceMetadata)]
pub fn check_resource_metadata(metadata_json: &str) -> R<String> {
    let doc: ResourceMetadata = from_json(metadata_json, "metadata")?;
    doc.check().js()?;
    to_json(&doc)
}

/// The response to a request for the metadata document (JSON HttpResponse), or JSON `null`
/// for any other request.
#[wasm_bindgen(js_name = serveResourceMetadata)]
pub fn serve_resource_metadata(metadata_json: &str, request_json: &str) -> R<String> {
    let doc: ResourceMetadata = from_json(metadata_json, "metadata")?;
    doc.check().js()?;
    let request: HttpRequest = from_json(request_json, "request")?;
    to_json(&doc.serve(&request))
}

/// Whether the audience value `aud` names `resource` (the audience rule).
#[wasm_bindgen(js_name = audienceNamesResource)]
pub fn audience_names_resource(aud: &str, resource: &str) -> bool {
    mcp_server::resource_matches(aud, resource)
}
