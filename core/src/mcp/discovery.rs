//! The discovery rules of the MCP authorization spec, as pure functions: where the protected
//! resource metadata (RFC 9728) and the authorization-server metadata (RFC 8414, OpenID
//! Connect Discovery) are looked for, the `resource` match rule, and the scope choice.
//!
//! ```
//! use authcore::mcp::discovery::{as_metadata_urls, prm_urls, resource_matches};
//!
//! assert_eq!(
//!     prm_urls("https://example.com/public/mcp", None)?,
//!     vec![
//!         "https://example.com/.well-known/oauth-protected-resource/public/mcp",
//!         "https://example.com/.well-known/oauth-protected-resource",
//!     ]
//! );
//! assert_eq!(
//!     as_metadata_urls("https://auth.example.com/tenant1")?,
//!     vec![
//!         "https://auth.example.com/.well-known/oauth-authorization-server/tenant1",
//!         "https://auth.example.com/.well-known/openid-configuration/tenant1",
//!         "https://auth.example.com/tenant1/.well-known/openid-configuration",
//!     ]
//! );
//! assert!(resource_matches("https://example.com", "https://example.com/public/mcp"));
//! assert!(!resource_matches("https://evil.example.com/mcp", "https://example.com/mcp"));
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_url, HttpResponse};
use crate::json::parse_object;

/// The largest metadata document read, in bytes.
pub const MAX_PRM_BYTES: usize = 64 * 1024;
/// The most `authorization_servers` entries considered.
pub const MAX_AUTHORIZATION_SERVERS: usize = 8;

fn parse(field: &str, url: &str) -> Result<url::Url> {
    let u = check_url(ErrorCode::InvalidInput, field, url, false)?;
    if u.fragment().is_some() {
        return Err(Error::field(
            ErrorCode::InvalidInput,
            field,
            format!("`{field}` must not contain a fragment."),
        ));
    }
    Ok(u)
}

fn origin_and_path(u: &url::Url) -> (String, String) {
    (
        u.origin().ascii_serialization(),
        u.path().trim_end_matches('/').to_owned(),
    )
}

/// The canonical URI of an MCP server (RFC 8707 §2, the spec's "Canonical Server URI"): the
/// URL lower-cased in scheme and host, without the trailing `/` of an empty path.
/// `invalid_input` naming `server_url` for a URL that is not `https` (or `http` to a loopback
/// host), or that has a fragment.
///
/// ```
/// use authcore::mcp::discovery::canonical_resource;
///
/// assert_eq!(canonical_resource("HTTPS://MCP.Example.com/")?, "https://mcp.example.com");
/// assert_eq!(canonical_resource("https://mcp.example.com/mcp")?, "https://mcp.example.com/mcp");
/// assert!(canonical_resource("https://mcp.example.com/mcp#x").is_err());
/// # Ok::<(), authcore::Error>(())
/// ```
pub fn canonical_resource(server_url: &str) -> Result<String> {
    let u = parse("server_url", server_url)?;
    let origin = u.origin().ascii_serialization();
    let path = if u.path() == "/" { "" } else { u.path() };
    Ok(match u.query() {
        Some(q) => format!("{origin}{path}?{q}"),
        None => format!("{origin}{path}"),
    })
}

/// Where to look for the protected resource metadata, in order: the challenge's
/// `resource_metadata` alone when given; else the path-inserted well-known URL
/// (`/.well-known/oauth-protected-resource` + the server URL's path, when it has one), then
/// the root one. `invalid_input` naming `server_url` or `resource_metadata` for a bad URL.
pub fn prm_urls(server_url: &str, resource_metadata: Option<&str>) -> Result<Vec<String>> {
    let u = parse("server_url", server_url)?;
    if let Some(rm) = resource_metadata {
        return Ok(vec![parse("resource_metadata", rm)?.to_string()]);
    }
    let (origin, path) = origin_and_path(&u);
    let root = format!("{origin}/.well-known/oauth-protected-resource");
    Ok(if path.is_empty() {
        vec![root]
    } else {
        vec![format!("{root}{path}"), root]
    })
}

/// Where an issuer publishes its metadata, in the spec's order. With a path
/// (`https://as.example/tenant1`): RFC 8414 path-inserted, OpenID path-inserted, OpenID
/// path-appended. Without: RFC 8414, then OpenID. `invalid_input` naming `issuer` for an
/// issuer that is not an `https` URL (or `http` to loopback) without query or fragment.
pub fn as_metadata_urls(issuer: &str) -> Result<Vec<String>> {
    let u = parse("issuer", issuer)?;
    if u.query().is_some() {
        return Err(Error::field(
            ErrorCode::InvalidInput,
            "issuer",
            "`issuer` must not contain a query.",
        ));
    }
    let (origin, path) = origin_and_path(&u);
    let oauth = format!("{origin}/.well-known/oauth-authorization-server");
    let oidc = format!("{origin}/.well-known/openid-configuration");
    Ok(if path.is_empty() {
        vec![oauth, oidc]
    } else {
        vec![
            format!("{oauth}{path}"),
            format!("{oidc}{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ]
    })
}

/// Whether the metadata's `resource` may stand for the MCP server at `server_url`: the same
/// origin (scheme, host and port, compared after URL normalisation, so case-insensitively),
/// no query or fragment, and a path that is empty, equal to the server URL's path, or a
/// prefix of it ending at a `/` boundary. A resource on another origin (the
/// `resource-mismatch` case) never matches.
pub fn resource_matches(resource: &str, server_url: &str) -> bool {
    let (Ok(r), Ok(s)) = (url::Url::parse(resource), url::Url::parse(server_url)) else {
        return false;
    };
    if r.origin() != s.origin() || r.query().is_some() || r.fragment().is_some() {
        return false;
    }
    let rp = r.path().trim_end_matches('/');
    let sp = s.path().trim_end_matches('/');
    rp.is_empty() || sp == rp || sp.strip_prefix(rp).is_some_and(|rest| rest.starts_with('/'))
}

/// A protected resource metadata document (RFC 9728 §2), the members the client uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProtectedResourceMetadata {
    /// The resource identifier.
    pub resource: String,
    /// The issuers of the authorization servers that protect it (at least one here).
    pub authorization_servers: Vec<String>,
    /// The scopes the resource uses, if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
}

impl ProtectedResourceMetadata {
    /// Reads a 200 response: a JSON object (at most [`MAX_PRM_BYTES`], no duplicate members)
    /// with a `resource` URL, a non-empty `authorization_servers` list of URLs (the first
    /// [`MAX_AUTHORIZATION_SERVERS`] kept) and an optional `scopes_supported` list of strings.
    /// Anything else is `invalid_response` naming the member (`status`, `body`, …).
    pub fn parse(response: &HttpResponse) -> Result<Self> {
        let bad = |f: &str, d: &str| Error::field(ErrorCode::InvalidResponse, f, d);
        if response.status != 200 {
            return Err(bad("status", "The resource metadata endpoint did not answer 200."));
        }
        if response.body.len() > MAX_PRM_BYTES {
            return Err(bad("body", "The resource metadata document is too large."));
        }
        let doc = parse_object(response.body.as_bytes())
            .map_err(|_| bad("body", "The resource metadata is not a JSON object."))?;
        let resource = match doc.get("resource") {
            Some(Value::String(s)) if check_url(ErrorCode::InvalidResponse, "resource", s, false).is_ok() => s.clone(),
            _ => return Err(bad("resource", "The resource metadata has no valid `resource` URL.")),
        };
        let strings = |name: &str| -> Result<Option<Vec<String>>> {
            match doc.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .map(Some)
                    .ok_or_else(|| bad(name, "Expected a list of strings.")),
                Some(_) => Err(bad(name, "Expected a list of strings.")),
            }
        };
        let mut servers = strings("authorization_servers")?.unwrap_or_default();
        servers.truncate(MAX_AUTHORIZATION_SERVERS);
        if servers.is_empty() {
            return Err(bad(
                "authorization_servers",
                "The resource metadata names no authorization server.",
            ));
        }
        Ok(Self {
            resource,
            authorization_servers: servers,
            scopes_supported: strings("scopes_supported")?,
        })
    }
}

/// The scopes of a first authorization (the spec's "Scope Selection Strategy"): the
/// challenge's `scope` when it has one, else every scope of the resource metadata's
/// `scopes_supported`, else none (the `scope` parameter is then omitted).
///
/// ```
/// use authcore::mcp::discovery::{choose_scopes, union_scopes};
///
/// let supported = vec!["mcp:basic".to_owned()];
/// assert_eq!(choose_scopes(Some("files:read"), Some(&supported)), vec!["files:read"]);
/// assert_eq!(choose_scopes(None, Some(&supported)), vec!["mcp:basic"]);
/// assert!(choose_scopes(None, None).is_empty());
/// let granted = vec!["files:read".to_owned()];
/// assert_eq!(union_scopes(&granted, &["files:write".to_owned()]), vec!["files:read", "files:write"]);
/// ```
pub fn choose_scopes(challenge_scope: Option<&str>, scopes_supported: Option<&[String]>) -> Vec<String> {
    let from_challenge = split_scope(challenge_scope.unwrap_or(""));
    if !from_challenge.is_empty() {
        return from_challenge;
    }
    let mut out: Vec<String> = Vec::new();
    for s in scopes_supported.unwrap_or(&[]) {
        if !s.is_empty() && !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// The union of `previous` and `more`, in order of first appearance (step-up: keep what was
/// granted, add what the challenge asks for).
pub fn union_scopes(previous: &[String], more: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in previous.iter().chain(more) {
        if !s.is_empty() && !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

/// A space-separated scope string as a list (empty items dropped, duplicates kept once).
pub fn split_scope(scope: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}
