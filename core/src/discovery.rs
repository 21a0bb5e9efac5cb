//! Provider metadata: OpenID Connect Discovery 1.0 and RFC 8414 authorization-server metadata.
//!
//! [`well_known_url`] builds where a provider publishes its metadata; [`ProviderMetadata::parse`]
//! reads the document into the endpoints the other machines take
//! ([`crate::oauth::AuthCodeConfig`], [`crate::device::DeviceClientConfig`],
//! [`crate::jwt::JwksCacheConfig`], …).
//!
//! ## Where
//!
//! * OpenID Connect (Discovery §4): `/.well-known/openid-configuration` appended to the issuer
//!   (one trailing `/` of the issuer dropped first), so `https://kc.example/realms/main` gives
//!   `https://kc.example/realms/main/.well-known/openid-configuration`.
//! * RFC 8414 §3.1: `/.well-known/oauth-authorization-server` inserted between the host and
//!   the issuer's path, so `https://as.example/tenant` gives
//!   `https://as.example/.well-known/oauth-authorization-server/tenant` (and `https://as.example`
//!   gives `https://as.example/.well-known/oauth-authorization-server`).
//!
//! The issuer must be an `https` URL (`http` only to loopback unless allowed) without query or
//! fragment (RFC 8414 §2): `invalid_config` naming `issuer` otherwise.
//!
//! ## What is checked
//!
//! A response other than 200 is `invalid_response` naming `status` (5xx: `server_error`); the
//! body must be a JSON object (at most 256 KiB, no duplicate members). `issuer` must equal the
//! expected issuer exactly, byte for byte, trailing slash included (OIDC Discovery §4.3, RFC
//! 8414 §3.3): `invalid_response` naming `issuer`. Every endpoint present must be a URL checked
//! like the settings' endpoints (`https`, no user info, no fragment) and every `*_supported`
//! member a list of strings: `invalid_response` naming the member. Members this module does
//! not name are ignored.
//!
//! ```
//! use authcore::discovery::{well_known_url, ProviderMetadata, WellKnown};
//! use authcore::http::HttpResponse;
//!
//! let issuer = "https://kc.example/realms/main";
//! assert_eq!(
//!     well_known_url(issuer, WellKnown::OpenId, false)?,
//!     "https://kc.example/realms/main/.well-known/openid-configuration"
//! );
//! let body = r#"{"issuer": "https://kc.example/realms/main",
//!   "token_endpoint": "https://kc.example/realms/main/protocol/openid-connect/token",
//!   "jwks_uri": "https://kc.example/realms/main/protocol/openid-connect/certs"}"#;
//! let meta = ProviderMetadata::parse(&HttpResponse::new(200).with_body(body), issuer, false)?;
//! assert_eq!(meta.jwks_uri.as_deref(), Some("https://kc.example/realms/main/protocol/openid-connect/certs"));
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_url, HttpResponse};
use crate::json::parse_object;

/// The largest metadata document read, in bytes.
pub const MAX_METADATA_BYTES: usize = 256 * 1024;

/// Which well-known document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum WellKnown {
    /// `/.well-known/openid-configuration`, appended to the issuer (OpenID Connect Discovery);
    /// `"openid"` in JSON.
    #[default]
    #[serde(rename = "openid")]
    OpenId,
    /// `/.well-known/oauth-authorization-server`, inserted before the issuer's path (RFC 8414);
    /// `"oauth"` in JSON.
    #[serde(rename = "oauth")]
    OauthAuthorizationServer,
}

/// The endpoints and capabilities of a provider, from its metadata document. Absent members
/// are `None`; `authorization_response_iss_parameter_supported` defaults to false.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProviderMetadata {
    /// The issuer identifier (equal to the expected one).
    pub issuer: String,
    /// The authorization endpoint.
    pub authorization_endpoint: Option<String>,
    /// The token endpoint.
    pub token_endpoint: Option<String>,
    /// The device authorization endpoint (RFC 8628 §4).
    pub device_authorization_endpoint: Option<String>,
    /// The key set of the provider's signing keys.
    pub jwks_uri: Option<String>,
    /// The OpenID Connect userinfo endpoint.
    pub userinfo_endpoint: Option<String>,
    /// The revocation endpoint (RFC 7009).
    pub revocation_endpoint: Option<String>,
    /// The introspection endpoint (RFC 7662).
    pub introspection_endpoint: Option<String>,
    /// The dynamic client registration endpoint (RFC 7591).
    pub registration_endpoint: Option<String>,
    /// The pushed authorization request endpoint (RFC 9126).
    pub pushed_authorization_request_endpoint: Option<String>,
    /// The RP-initiated logout endpoint (OpenID Connect RP-Initiated Logout).
    pub end_session_endpoint: Option<String>,
    /// Scopes the provider supports.
    pub scopes_supported: Option<Vec<String>>,
    /// `response_type` values the provider supports.
    pub response_types_supported: Option<Vec<String>>,
    /// Grant types the provider supports.
    pub grant_types_supported: Option<Vec<String>>,
    /// PKCE methods the provider supports (RFC 7636; absent: the provider does not say).
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// Client authentication methods at the token endpoint.
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// Algorithms the provider signs ID tokens with.
    pub id_token_signing_alg_values_supported: Option<Vec<String>>,
    /// Whether authorization responses carry `iss` (RFC 9207), for
    /// [`crate::oauth::AuthCodeConfig::authorization_response_iss_parameter_supported`].
    pub authorization_response_iss_parameter_supported: bool,
}

const ENDPOINTS: [&str; 10] = [
    "authorization_endpoint",
    "token_endpoint",
    "device_authorization_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "registration_endpoint",
    "pushed_authorization_request_endpoint",
    "end_session_endpoint",
];

const LISTS: [&str; 6] = [
    "scopes_supported",
    "response_types_supported",
    "grant_types_supported",
    "code_challenge_methods_supported",
    "token_endpoint_auth_methods_supported",
    "id_token_signing_alg_values_supported",
];

/// Where `issuer` publishes its metadata (see the module docs). The issuer is checked first:
/// `invalid_config` naming `issuer`.
pub fn well_known_url(issuer: &str, kind: WellKnown, allow_insecure_http: bool) -> Result<String> {
    let url = check_issuer(issuer, allow_insecure_http)?;
    let origin = url.origin().ascii_serialization();
    let path = url.path().trim_end_matches('/');
    Ok(match kind {
        WellKnown::OpenId => format!("{origin}{path}/.well-known/openid-configuration"),
        WellKnown::OauthAuthorizationServer => format!("{origin}/.well-known/oauth-authorization-server{path}"),
    })
}

fn check_issuer(issuer: &str, allow_insecure_http: bool) -> Result<url::Url> {
    let url = check_url(ErrorCode::InvalidConfig, "issuer", issuer, allow_insecure_http)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::field(
            ErrorCode::InvalidConfig,
            "issuer",
            "`issuer` must not contain a query or fragment.",
        ));
    }
    Ok(url)
}

impl ProviderMetadata {
    /// Reads a metadata response for the expected `issuer` (see the module docs).
    pub fn parse(response: &HttpResponse, issuer: &str, allow_insecure_http: bool) -> Result<Self> {
        check_issuer(issuer, allow_insecure_http)?;
        let bad = |field: &str, detail: String| Error::field(ErrorCode::InvalidResponse, field, detail);
        if response.status >= 500 {
            return Err(Error::field(
                ErrorCode::ServerError,
                "status",
                format!("The metadata endpoint answered {}.", response.status),
            ));
        }
        if response.status != 200 {
            return Err(bad(
                "status",
                format!("The metadata endpoint answered {}, not 200.", response.status),
            ));
        }
        if response.body.len() > MAX_METADATA_BYTES {
            return Err(bad(
                "body",
                format!("The metadata document is larger than {MAX_METADATA_BYTES} bytes."),
            ));
        }
        let doc = parse_object(response.body.as_bytes())
            .map_err(|_| bad("body", "The metadata document is not a JSON object.".to_owned()))?;
        match doc.get("issuer") {
            Some(Value::String(got)) if got == issuer => {}
            Some(Value::String(_)) => {
                return Err(bad(
                    "issuer",
                    "The metadata's `issuer` is not the expected issuer.".to_owned(),
                ))
            }
            _ => return Err(bad("issuer", "The metadata has no `issuer` string.".to_owned())),
        }
        let mut meta = ProviderMetadata {
            issuer: issuer.to_owned(),
            ..Self::default()
        };
        for name in ENDPOINTS {
            let value = endpoint(&doc, name, allow_insecure_http)?;
            *meta.endpoint_mut(name) = value;
        }
        for name in LISTS {
            let value = list(&doc, name)?;
            *meta.list_mut(name) = value;
        }
        meta.authorization_response_iss_parameter_supported =
            match doc.get("authorization_response_iss_parameter_supported") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(bad(
                        "authorization_response_iss_parameter_supported",
                        "`authorization_response_iss_parameter_supported` must be a boolean.".to_owned(),
                    ))
                }
            };
        Ok(meta)
    }

    fn endpoint_mut(&mut self, name: &str) -> &mut Option<String> {
        match name {
            "authorization_endpoint" => &mut self.authorization_endpoint,
            "token_endpoint" => &mut self.token_endpoint,
            "device_authorization_endpoint" => &mut self.device_authorization_endpoint,
            "jwks_uri" => &mut self.jwks_uri,
            "userinfo_endpoint" => &mut self.userinfo_endpoint,
            "revocation_endpoint" => &mut self.revocation_endpoint,
            "introspection_endpoint" => &mut self.introspection_endpoint,
            "registration_endpoint" => &mut self.registration_endpoint,
            "pushed_authorization_request_endpoint" => &mut self.pushed_authorization_request_endpoint,
            _ => &mut self.end_session_endpoint,
        }
    }

    fn list_mut(&mut self, name: &str) -> &mut Option<Vec<String>> {
        match name {
            "scopes_supported" => &mut self.scopes_supported,
            "response_types_supported" => &mut self.response_types_supported,
            "grant_types_supported" => &mut self.grant_types_supported,
            "code_challenge_methods_supported" => &mut self.code_challenge_methods_supported,
            "token_endpoint_auth_methods_supported" => &mut self.token_endpoint_auth_methods_supported,
            _ => &mut self.id_token_signing_alg_values_supported,
        }
    }
}

fn endpoint(doc: &Map<String, Value>, name: &str, allow_insecure_http: bool) -> Result<Option<String>> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let url = check_url(ErrorCode::InvalidResponse, name, s, allow_insecure_http)?;
            if url.fragment().is_some() {
                return Err(Error::field(
                    ErrorCode::InvalidResponse,
                    name,
                    format!("`{name}` must not contain a fragment."),
                ));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(Error::field(
            ErrorCode::InvalidResponse,
            name,
            format!("`{name}` must be a URL string."),
        )),
    }
}

fn list(doc: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| {
                Error::field(
                    ErrorCode::InvalidResponse,
                    name,
                    format!("`{name}` must be a list of strings."),
                )
            }),
        Some(_) => Err(Error::field(
            ErrorCode::InvalidResponse,
            name,
            format!("`{name}` must be a list of strings."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_urls() {
        let oidc = |i: &str| well_known_url(i, WellKnown::OpenId, false);
        let as_ = |i: &str| well_known_url(i, WellKnown::OauthAuthorizationServer, false);
        assert_eq!(
            oidc("https://a.example").unwrap(),
            "https://a.example/.well-known/openid-configuration"
        );
        assert_eq!(
            oidc("https://a.example/").unwrap(),
            "https://a.example/.well-known/openid-configuration"
        );
        assert_eq!(
            oidc("https://a.example/t/x").unwrap(),
            "https://a.example/t/x/.well-known/openid-configuration"
        );
        assert_eq!(
            as_("https://a.example").unwrap(),
            "https://a.example/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            as_("https://a.example:8443/t/x/").unwrap(),
            "https://a.example:8443/.well-known/oauth-authorization-server/t/x"
        );
        for bad in [
            "http://a.example",
            "https://a.example?x=1",
            "https://a.example#f",
            "nope",
        ] {
            assert_eq!(oidc(bad).unwrap_err().field_name(), Some("issuer"), "{bad}");
        }
    }

    #[test]
    fn parse_checks_issuer_and_members() {
        let r = |body: &str| HttpResponse::new(200).with_body(body);
        let i = "https://a.example/";
        let ok = ProviderMetadata::parse(
            &r(r#"{"issuer":"https://a.example/","jwks_uri":"https://a.example/k","x":1}"#),
            i,
            false,
        )
        .unwrap();
        assert_eq!(ok.jwks_uri.as_deref(), Some("https://a.example/k"));
        let field = |body: &str| {
            ProviderMetadata::parse(&r(body), i, false)
                .unwrap_err()
                .field_name()
                .map(str::to_owned)
        };
        assert_eq!(field(r#"{"issuer":"https://a.example"}"#).as_deref(), Some("issuer"));
        assert_eq!(
            field(r#"{"issuer":"https://a.example/","token_endpoint":"http://a.example/t"}"#).as_deref(),
            Some("token_endpoint")
        );
        assert_eq!(
            field(r#"{"issuer":"https://a.example/","scopes_supported":"openid"}"#).as_deref(),
            Some("scopes_supported")
        );
        assert_eq!(field("[]").as_deref(), Some("body"));
        let e = ProviderMetadata::parse(&HttpResponse::new(503), i, false).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ServerError);
    }
}
