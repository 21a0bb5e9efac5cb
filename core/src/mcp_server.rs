//! MCP authorization, resource-server side: the RFC 9728 Protected Resource Metadata
//! document, the well-known URL it is served at, and the audience rule.
//!
//! An MCP server is an OAuth 2.1 resource server. It tells clients where to get tokens with
//! a **Protected Resource Metadata** document (RFC 9728): its `resource` identifier, the
//! `authorization_servers` that issue tokens for it, the scopes it knows. The gate
//! ([`crate::gate::GateConfig::protected_resource`]) points at that document from every
//! `WWW-Authenticate` challenge (`resource_metadata="…"`), and accepts only tokens whose `aud`
//! names the resource and whose `iss` is one of the listed authorization servers.
//!
//! * [`ResourceMetadata`]: the document, checked by [`ResourceMetadata::check`] (see there
//!   for every rule) and written by [`ResourceMetadata::to_json`].
//! * [`well_known_url`] / [`well_known_path`]: where the document lives for a resource
//!   identifier (RFC 9728 §3.1): `/.well-known/oauth-protected-resource` inserted between the
//!   host and the resource's path, so `https://mcp.example.com/mcp` publishes at
//!   `https://mcp.example.com/.well-known/oauth-protected-resource/mcp` and
//!   `https://mcp.example.com` at `https://mcp.example.com/.well-known/oauth-protected-resource`.
//! * [`ResourceMetadata::serve`]: the route helper. A request for the well-known path is
//!   answered (200 JSON for `GET`/`HEAD`, 405 otherwise); any other request is `None`, for
//!   the host's next handler.
//! * [`resource_matches`]: the audience rule (below).
//!
//! ## The audience rule
//!
//! A token is for this resource when one of its `aud` values (a string, or an array of
//! strings) **is the resource identifier**, compared as URIs after the syntax normalisation
//! RFC 3986 §6.2.2 allows without knowing the scheme's rules beyond "an empty path is `/`"
//! (§6.2.3): the scheme and host are compared case-insensitively (the MCP spec: servers
//! should accept upper-case scheme and host), `https://mcp.example.com` and
//! `https://mcp.example.com/` are the same resource, an explicit default port (`:443` for
//! https, `:80` for http) is the same as none, and **everything else is exact**: a trailing
//! slash after a non-empty path is significant (`https://h/mcp/` is not `https://h/mcp`,
//! RFC 3986 §6.2.4 leaves that to the scheme and the MCP spec calls it "semantically
//! significant"), the path is case-sensitive, and a query must be equal. A prefix is never
//! enough: a token for `https://h/mcp` is not a token for `https://h/mcp/admin` or
//! `https://h/mcp2`.
//!
//! ```
//! use authcore::mcp_server::{resource_matches, well_known_url, ResourceMetadata};
//! use authcore::http::HttpRequest;
//!
//! let mut doc = ResourceMetadata::new("https://mcp.example.com/mcp", vec!["https://auth.example.com".into()]);
//! doc.scopes_supported = Some(vec!["files:read".into()]);
//! doc.check()?;
//! assert_eq!(
//!     well_known_url("https://mcp.example.com/mcp")?,
//!     "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
//! );
//! let response = doc.serve(&HttpRequest::new("GET", "/.well-known/oauth-protected-resource/mcp")).unwrap();
//! assert_eq!((response.status, response.header("Content-Type")), (200, Some("application/json")));
//! assert!(doc.serve(&HttpRequest::new("GET", "/mcp")).is_none());
//!
//! assert!(resource_matches("HTTPS://MCP.example.com/mcp", "https://mcp.example.com/mcp"));
//! assert!(!resource_matches("https://mcp.example.com/mcp/", "https://mcp.example.com/mcp"));
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_url, HttpRequest, HttpResponse};
use crate::target::RequestTarget;
use crate::util::quote_input;

/// The well-known URI suffix of RFC 9728 §3.
pub const WELL_KNOWN_SUFFIX: &str = "oauth-protected-resource";

/// `Cache-Control` of the metadata response: the document changes only with the deployment.
pub const METADATA_CACHE_CONTROL: &str = "public, max-age=3600";

/// The bearer methods RFC 9728 §2 names (RFC 6750 §2.1 to §2.3).
const BEARER_METHODS: [&str; 3] = ["header", "body", "query"];

/// An RFC 9728 §2 Protected Resource Metadata document (the wire shape; absent members are
/// left out of the JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ResourceMetadata {
    /// The resource identifier: an https URL without a fragment (http only to a loopback
    /// host), e.g. `https://mcp.example.com/mcp`. Tokens for this resource carry it in `aud`.
    pub resource: String,
    /// The issuers of the authorization servers that issue tokens for this resource (RFC 8414
    /// issuer identifiers; at least one, as MCP requires).
    pub authorization_servers: Vec<String>,
    /// The scopes a client needs for basic use (without `offline_access`, which the MCP spec
    /// keeps out of a resource's scopes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    /// How a token may be presented: `header`, `body`, `query` (MCP: `header` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_methods_supported: Option<Vec<String>>,
    /// A human-readable name of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
    /// A page for developers (an https URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_documentation: Option<String>,
    /// The resource's own JWKS (an https URL), for signed responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// The JWS algorithms the resource accepts in DPoP proofs (RFC 9449 §5.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// Whether the resource accepts only DPoP-bound tokens (RFC 9449 §5.2; absent: false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_bound_access_tokens_required: Option<bool>,
}

impl ResourceMetadata {
    /// A document naming the resource and its authorization servers; every other member
    /// absent. Call [`ResourceMetadata::check`] before publishing it.
    pub fn new(resource: impl Into<String>, authorization_servers: Vec<String>) -> Self {
        Self {
            resource: resource.into(),
            authorization_servers,
            scopes_supported: None,
            bearer_methods_supported: None,
            resource_name: None,
            resource_documentation: None,
            jwks_uri: None,
            dpop_signing_alg_values_supported: None,
            dpop_bound_access_tokens_required: None,
        }
    }

    /// Checks the document; `invalid_config` naming the member:
    ///
    /// * `resource`: see [`check_resource`].
    /// * `authorization_servers`: at least one; each an issuer identifier (an https URL, http
    ///   only to a loopback host, without query or fragment); no duplicates.
    /// * `scopes_supported`: scope tokens (RFC 6749 §3.3), no duplicates, not
    ///   `offline_access` (a refresh-token request, not a resource requirement).
    /// * `bearer_methods_supported`: `header`, `body`, `query`, no duplicates.
    /// * `resource_documentation`, `jwks_uri`: https URLs (http only to a loopback host)
    ///   without a fragment.
    /// * `dpop_signing_alg_values_supported`: non-empty; JWS algorithm names, not `none`, no
    ///   duplicates.
    /// * `resource_name`: 1 to 256 characters without control characters.
    pub fn check(&self) -> Result<()> {
        check_resource(&self.resource)?;
        let bad = |field: String, detail: &str| Err(Error::field(ErrorCode::InvalidConfig, field, detail.to_owned()));
        if self.authorization_servers.is_empty() {
            return bad(
                "authorization_servers".into(),
                "At least one authorization server is needed.",
            );
        }
        for (i, issuer) in self.authorization_servers.iter().enumerate() {
            let field = format!("authorization_servers[{i}]");
            let url = check_url(ErrorCode::InvalidConfig, &field, issuer, false)?;
            if url.query().is_some() || url.fragment().is_some() {
                return bad(field, "An issuer identifier has no query or fragment.");
            }
        }
        duplicates("authorization_servers", &self.authorization_servers)?;
        if let Some(scopes) = &self.scopes_supported {
            for (i, s) in scopes.iter().enumerate() {
                if s.is_empty() || !s.bytes().all(is_scope_char) {
                    return bad(
                        format!("scopes_supported[{i}]"),
                        "A scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 section 3.3).",
                    );
                }
                if s == "offline_access" {
                    return bad(
                        format!("scopes_supported[{i}]"),
                        "`offline_access` asks for a refresh token; it is not a scope of the resource.",
                    );
                }
            }
            duplicates("scopes_supported", scopes)?;
        }
        if let Some(methods) = &self.bearer_methods_supported {
            if let Some(i) = methods.iter().position(|m| !BEARER_METHODS.contains(&m.as_str())) {
                return bad(
                    format!("bearer_methods_supported[{i}]"),
                    "A bearer method is `header`, `body` or `query`.",
                );
            }
            duplicates("bearer_methods_supported", methods)?;
        }
        for (field, value) in [
            ("resource_documentation", &self.resource_documentation),
            ("jwks_uri", &self.jwks_uri),
        ] {
            if let Some(v) = value {
                if check_url(ErrorCode::InvalidConfig, field, v, false)?
                    .fragment()
                    .is_some()
                {
                    return bad(field.into(), "The URL must not contain a fragment.");
                }
            }
        }
        if let Some(algs) = &self.dpop_signing_alg_values_supported {
            if algs.is_empty() {
                return bad(
                    "dpop_signing_alg_values_supported".into(),
                    "List at least one algorithm, or leave the member out.",
                );
            }
            for (i, a) in algs.iter().enumerate() {
                let ok = (1..=32).contains(&a.len())
                    && a.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'+')
                    && !a.eq_ignore_ascii_case("none");
                if !ok {
                    return bad(
                        format!("dpop_signing_alg_values_supported[{i}]"),
                        "A JWS algorithm name (RFC 7518), not `none`.",
                    );
                }
            }
            duplicates("dpop_signing_alg_values_supported", algs)?;
        }
        if let Some(name) = &self.resource_name {
            if name.is_empty() || name.chars().count() > 256 || name.chars().any(char::is_control) {
                return bad(
                    "resource_name".into(),
                    "A resource name is 1 to 256 characters without control characters.",
                );
            }
        }
        Ok(())
    }

    /// The document as JSON (members in declaration order, absent ones left out).
    pub fn to_json(&self) -> String {
        // A struct of strings, lists and a bool always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The path the document is served at ([`well_known_path`] of `resource`).
    pub fn well_known_path(&self) -> Result<String> {
        well_known_path(&self.resource)
    }

    /// The 200 response carrying the document: `Content-Type: application/json`,
    /// `Cache-Control` [`METADATA_CACHE_CONTROL`], and `Access-Control-Allow-Origin: *` (the
    /// document is public, and browser-based clients read it across origins).
    pub fn response(&self) -> HttpResponse {
        HttpResponse::new(200)
            .with_header("Content-Type", "application/json")
            .with_header("Cache-Control", METADATA_CACHE_CONTROL)
            .with_header("Access-Control-Allow-Origin", "*")
            .with_body(self.to_json())
    }

    /// The route helper: for a request whose path is the document's well-known path (the
    /// query is ignored), the answer — [`ResourceMetadata::response`] for `GET`, the same
    /// without a body for `HEAD`, 405 `method_not_allowed` with `Allow: GET, HEAD` for any
    /// other method. `None` for every other request (including a request target the gate
    /// would refuse, and a document whose `resource` does not check): the host passes it on.
    pub fn serve(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let path = self.well_known_path().ok()?;
        let target = RequestTarget::parse(&request.url, false).ok()?;
        if target.path() != path {
            return None;
        }
        let method = request.method.to_ascii_uppercase();
        Some(match method.as_str() {
            "GET" => self.response(),
            "HEAD" => {
                let mut r = self.response();
                r.body.clear();
                r
            }
            _ => {
                let error = Error::with_detail(ErrorCode::MethodNotAllowed, "The metadata is read with GET.");
                HttpResponse::new(error.status())
                    .with_header("Content-Type", "application/json")
                    .with_header("Allow", "GET, HEAD")
                    .with_body(error.to_json())
            }
        })
    }
}

/// Checks a resource identifier (RFC 9728 §1.2, RFC 8707 §2, the MCP canonical server URI):
/// an absolute https URL (http only to a loopback host) with a host, no user name or
/// password, and **no fragment**. A query is allowed (RFC 9728 allows one where it is needed;
/// the well-known URL keeps it). `invalid_config` naming `resource`.
pub fn check_resource(resource: &str) -> Result<()> {
    let url = check_url(ErrorCode::InvalidConfig, "resource", resource, false)?;
    if url.fragment().is_some() || resource.contains('#') {
        return Err(Error::field(
            ErrorCode::InvalidConfig,
            "resource",
            "A resource identifier has no fragment (RFC 8707 section 2).",
        ));
    }
    Ok(())
}

/// The URL of the metadata document for `resource` (RFC 9728 §3.1): the well-known segment
/// `/.well-known/oauth-protected-resource` inserted between the host (and port) and the
/// path, a path of only `/` dropped, the query kept. The resource is checked first
/// ([`check_resource`]).
///
/// | resource | metadata URL |
/// |---|---|
/// | `https://h` or `https://h/` | `https://h/.well-known/oauth-protected-resource` |
/// | `https://h/mcp` | `https://h/.well-known/oauth-protected-resource/mcp` |
/// | `https://h:8443/a/b/` | `https://h:8443/.well-known/oauth-protected-resource/a/b/` |
/// | `https://h/mcp?t=1` | `https://h/.well-known/oauth-protected-resource/mcp?t=1` |
pub fn well_known_url(resource: &str) -> Result<String> {
    check_resource(resource)?;
    let (origin, rest) = split_origin(resource);
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = if path == "/" { "" } else { path };
    let mut out = format!("{origin}/.well-known/{WELL_KNOWN_SUFFIX}{path}");
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Ok(out)
}

/// The path part of [`well_known_url`] (what a router matches), e.g.
/// `/.well-known/oauth-protected-resource/mcp`.
pub fn well_known_path(resource: &str) -> Result<String> {
    let url = well_known_url(resource)?;
    let (_, rest) = split_origin(&url);
    Ok(rest.split_once('?').map_or(rest, |(p, _)| p).to_owned())
}

/// Whether the audience value `aud` names `resource` (see "The audience rule" in the module
/// docs). Values that are not absolute http(s) URLs match only when byte-equal.
pub fn resource_matches(aud: &str, resource: &str) -> bool {
    if aud == resource {
        return true;
    }
    match (normal_form(aud), normal_form(resource)) {
        (Some(a), Some(r)) => a == r,
        _ => false,
    }
}

/// Whether a token's `aud` claim (a string or an array of strings) names `resource`.
pub fn audience_matches(aud: Option<&Value>, resource: &str) -> bool {
    match aud {
        Some(Value::String(a)) => resource_matches(a, resource),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .any(|a| resource_matches(a, resource)),
        _ => false,
    }
}

/// `(lower-case scheme, lower-case host, port or default, path ("/" when empty), query)`.
fn normal_form(uri: &str) -> Option<(String, String, String, String)> {
    let (scheme, rest) = uri.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    if rest.contains('#') {
        return None;
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !authority.ends_with(']') => {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (h, p.trim_start_matches('0'))
        }
        _ => (authority, default_port),
    };
    let port = if port.is_empty() || port == default_port {
        default_port
    } else {
        port
    };
    let tail = if tail.is_empty() || tail.starts_with('?') {
        format!("/{tail}")
    } else {
        tail.to_owned()
    };
    Some((scheme, host.to_ascii_lowercase(), port.to_owned(), tail))
}

/// `("https://host:port", "/path?query")` of a checked URL.
fn split_origin(url: &str) -> (&str, &str) {
    let after = url.find("://").map_or(0, |i| i + 3);
    let end = url
        .get(after..)
        .and_then(|rest| rest.find(['/', '?']))
        .map_or(url.len(), |i| after + i);
    url.split_at_checked(end).unwrap_or((url, ""))
}

fn duplicates(field: &str, items: &[String]) -> Result<()> {
    for (i, item) in items.iter().enumerate() {
        if items.iter().take(i).any(|x| x == item) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                format!("{field}[{i}]"),
                format!("`{}` is listed twice.", quote_input(item)),
            ));
        }
    }
    Ok(())
}

/// RFC 6749 §3.3 scope-token characters: `%x21 / %x23-5B / %x5D-7E`.
fn is_scope_char(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known() {
        for (resource, url) in [
            ("https://h", "https://h/.well-known/oauth-protected-resource"),
            ("https://h/", "https://h/.well-known/oauth-protected-resource"),
            ("https://h/mcp", "https://h/.well-known/oauth-protected-resource/mcp"),
            (
                "https://h:8443/a/b/",
                "https://h:8443/.well-known/oauth-protected-resource/a/b/",
            ),
            (
                "https://h/mcp?t=1",
                "https://h/.well-known/oauth-protected-resource/mcp?t=1",
            ),
            ("https://h?t=1", "https://h/.well-known/oauth-protected-resource?t=1"),
            (
                "http://127.0.0.1:9000/mcp",
                "http://127.0.0.1:9000/.well-known/oauth-protected-resource/mcp",
            ),
        ] {
            assert_eq!(well_known_url(resource).unwrap(), url, "{resource}");
        }
        assert_eq!(
            well_known_path("https://h/mcp?x").unwrap(),
            "/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            well_known_path("https://h").unwrap(),
            "/.well-known/oauth-protected-resource"
        );
        for bad in [
            "https://h/mcp#f",
            "http://example.com/mcp",
            "mcp.example.com",
            "https://u@h/",
            "",
        ] {
            let e = well_known_url(bad).unwrap_err();
            assert_eq!(
                (e.code(), e.field_name()),
                (ErrorCode::InvalidConfig, Some("resource")),
                "{bad}"
            );
        }
    }

    #[test]
    fn audience_rule() {
        let r = "https://mcp.example.com/mcp";
        for yes in [r, "HTTPS://MCP.EXAMPLE.COM/mcp", "https://mcp.example.com:443/mcp"] {
            assert!(resource_matches(yes, r), "{yes}");
        }
        for no in [
            "https://mcp.example.com/mcp/",
            "https://mcp.example.com/MCP",
            "https://mcp.example.com/mcp2",
            "https://mcp.example.com/mcp/admin",
            "https://mcp.example.com",
            "http://mcp.example.com/mcp",
            "https://mcp.example.com:8443/mcp",
            "https://evil.example/mcp",
            "https://mcp.example.com/mcp?x=1",
            "https://mcp.example.com/mcp#f",
            "mcp",
            "",
        ] {
            assert!(!resource_matches(no, r), "{no}");
        }
        assert!(resource_matches("https://h/", "https://h"));
        assert!(resource_matches("https://h", "https://h/"));
        assert!(resource_matches("https://h:0443", "https://h"));
        assert!(resource_matches("api", "api"));
        let aud = serde_json::json!(["other", "https://h/"]);
        assert!(audience_matches(Some(&aud), "https://h"));
        assert!(!audience_matches(None, "https://h"));
        assert!(!audience_matches(Some(&serde_json::json!(7)), "https://h"));
    }

    #[test]
    fn document_rules() {
        let ok = ResourceMetadata::new("https://h/mcp", vec!["https://as.example".into()]);
        assert!(ok.check().is_ok());
        let field = |d: ResourceMetadata| d.check().unwrap_err().field_name().map(str::to_owned);
        let mut d = ok.clone();
        d.authorization_servers.clear();
        assert_eq!(field(d).as_deref(), Some("authorization_servers"));
        let mut d = ok.clone();
        d.authorization_servers.push("https://as.example/?x".into());
        assert_eq!(field(d).as_deref(), Some("authorization_servers[1]"));
        let mut d = ok.clone();
        d.scopes_supported = Some(vec!["a".into(), "offline_access".into()]);
        assert_eq!(field(d).as_deref(), Some("scopes_supported[1]"));
        let mut d = ok.clone();
        d.bearer_methods_supported = Some(vec!["header".into(), "cookie".into()]);
        assert_eq!(field(d).as_deref(), Some("bearer_methods_supported[1]"));
        let mut d = ok.clone();
        d.dpop_signing_alg_values_supported = Some(vec!["ES256".into(), "none".into()]);
        assert_eq!(field(d).as_deref(), Some("dpop_signing_alg_values_supported[1]"));
        let mut d = ok;
        d.scopes_supported = Some(vec!["a".into(), "a".into()]);
        assert_eq!(field(d).as_deref(), Some("scopes_supported[1]"));
    }

    #[test]
    fn serve_route() {
        let d = ResourceMetadata::new("https://h/mcp", vec!["https://as.example".into()]);
        let r = d
            .serve(&HttpRequest::new(
                "GET",
                "/.well-known/oauth-protected-resource/mcp?x=1",
            ))
            .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body,
            r#"{"resource":"https://h/mcp","authorization_servers":["https://as.example"]}"#
        );
        let r = d
            .serve(&HttpRequest::new("head", "/.well-known/oauth-protected-resource/mcp"))
            .unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, ""));
        let r = d
            .serve(&HttpRequest::new("POST", "/.well-known/oauth-protected-resource/mcp"))
            .unwrap();
        assert_eq!((r.status, r.header("Allow")), (405, Some("GET, HEAD")));
        assert!(d
            .serve(&HttpRequest::new("GET", "/.well-known/oauth-protected-resource"))
            .is_none());
        assert!(d
            .serve(&HttpRequest::new("GET", "/.well-known/oauth-protected-resource/mcp/"))
            .is_none());
    }
}
