//! Protected-resource mode: the gate as an OAuth resource server (an MCP server).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::GateJwt;
use crate::error::{Error, ErrorCode, Result};
use crate::http::check_url;
use crate::mcp_server::{audience_matches, check_resource, well_known_url};

/// Protected-resource settings ([`super::GateConfig::protected_resource`]): the gate accepts
/// only access tokens issued for `resource` by one of `issuers`, and its challenges point
/// clients at the resource's metadata (RFC 9728 §5.1). See "Protected-resource mode" in the
/// module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct ProtectedResource {
    /// The resource identifier (RFC 8707, RFC 9728 `resource`), e.g.
    /// `https://mcp.example.com/mcp`: an https URL without a fragment (http only to a loopback
    /// host). A token's `aud` must name it ([`crate::mcp_server::resource_matches`]).
    pub resource: String,
    /// The URL of the resource's metadata document, written as `resource_metadata` in every
    /// challenge (default: [`crate::mcp_server::well_known_url`] of `resource`).
    #[serde(default)]
    pub resource_metadata: Option<String>,
    /// The issuers whose tokens are accepted: a token's `iss` must be one of them, compared
    /// exactly (RFC 8414 §3.3 issuer identifiers). At least one.
    pub issuers: Vec<String>,
}

impl ProtectedResource {
    /// Checks the settings against the gate's JWT settings; `invalid_config` naming the
    /// member (under `protected_resource.` or `jwt.`).
    pub(crate) fn check(&self, jwt: Option<&GateJwt>) -> Result<()> {
        let within = |e: Error| e.in_field("protected_resource");
        check_resource(&self.resource).map_err(within)?;
        if let Some(url) = &self.resource_metadata {
            let parsed = check_url(ErrorCode::InvalidConfig, "resource_metadata", url, false).map_err(within)?;
            if parsed.fragment().is_some() {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    "protected_resource.resource_metadata",
                    "The metadata URL has no fragment.",
                ));
            }
        }
        if self.metadata_url().contains('"') {
            // It is written into `WWW-Authenticate` as a quoted string.
            let field = match self.resource_metadata {
                Some(_) => "protected_resource.resource_metadata",
                None => "protected_resource.resource",
            };
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                field,
                "The metadata URL must not contain `\"`.",
            ));
        }
        if self.issuers.is_empty() {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "protected_resource.issuers",
                "A protected resource accepts tokens of at least one issuer.",
            ));
        }
        for (i, issuer) in self.issuers.iter().enumerate() {
            check_url(ErrorCode::InvalidConfig, &format!("issuers[{i}]"), issuer, false).map_err(within)?;
        }
        let Some(jwt) = jwt else {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "jwt",
                "A protected resource verifies JWT access tokens: configure `jwt`.",
            ));
        };
        if jwt.config.audience.is_some() || jwt.config.issuer.is_some() {
            let field = if jwt.config.audience.is_some() {
                "jwt.config.audience"
            } else {
                "jwt.config.issuer"
            };
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                field,
                "With `protected_resource`, the audience is its `resource` and the issuers its `issuers`.",
            ));
        }
        Ok(())
    }

    /// The `resource_metadata` URL of the challenges.
    pub fn metadata_url(&self) -> String {
        match &self.resource_metadata {
            Some(url) => url.clone(),
            // `resource` was checked when the gate was built.
            None => well_known_url(&self.resource).unwrap_or_default(),
        }
    }

    /// The checks after the signature and the time claims: `iss` one of `issuers`, `aud`
    /// naming `resource`. `invalid_claims` (401) naming the claim.
    pub(crate) fn check_claims(&self, claims: &Map<String, Value>) -> Result<()> {
        let bad = |claim: &str, detail: &str| Err(Error::field(ErrorCode::InvalidClaims, claim, detail.to_owned()));
        match claims.get("iss") {
            Some(Value::String(iss)) if self.issuers.iter().any(|i| i == iss) => {}
            Some(_) => return bad("iss", "Claim `iss` is not an accepted issuer."),
            None => return bad("iss", "Token has no `iss` claim."),
        }
        match claims.get("aud") {
            None => bad("aud", "Token has no `aud` claim."),
            aud if audience_matches(aud, &self.resource) => Ok(()),
            _ => bad("aud", "Claim `aud` does not name this resource."),
        }
    }
}
