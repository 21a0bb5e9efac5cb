//! Token requests beyond the authorization code: token-endpoint client authentication
//! (including `private_key_jwt`, RFC 7523 §2.2), the client-credentials grant (RFC 6749
//! §4.4), the JWT-bearer authorization grant (RFC 7523 §2.1) and token exchange (RFC 8693),
//! with the enterprise-managed authorization profile (an ID token exchanged for an ID-JAG at
//! the enterprise IdP, the ID-JAG then presented as a JWT-bearer grant to the MCP
//! authorization server).
//!
//! Everything here is sans-IO and stateless: [`token_request`] takes the endpoint, the
//! client authentication, the grant, `now` and an entropy input and returns the
//! [`HttpRequest`] to send; [`token_response`] and [`token_exchange_response`] read the
//! answer. A state machine (or a host) calls them for every token request it makes,
//! including its authorization-code and refresh requests ([`Grant::AuthorizationCode`],
//! [`Grant::RefreshToken`]), so one place authenticates the client.
//!
//! ## Client authentication
//!
//! [`TokenEndpointAuth`] is tagged by `type`, whose values are the RFC 8414
//! `token_endpoint_auth_methods_supported` names:
//!
//! * `none`: a public client; `client_id` in the body.
//! * `client_secret_basic`: HTTP Basic over the id and secret, each form-encoded first (RFC
//!   6749 §2.3.1), so `:` and non-ASCII survive.
//! * `client_secret_post`: `client_id` and `client_secret` in the body.
//! * `private_key_jwt`: `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
//!   and a `client_assertion` JWT signed with the client's private key (PEM PKCS#8 or JWK):
//!   `iss` = `sub` = the client id, `aud` = the authorization server's **issuer identifier**
//!   as one string, `iat` = `now`, `exp` = `now + lifetime` (default 60 s, at most 600 s),
//!   a `jti` of 16 bytes from the entropy input (base64url), the header's `kid` when the key
//!   has one. The token endpoint URL is never used as the audience: RFC 7523bis makes the
//!   issuer the only audience (an assertion whose `aud` is an endpoint URL can be replayed by
//!   whoever controls a look-alike endpoint), and the MCP conformance suite verifies the
//!   issuer (with or without one trailing slash). The issuer is therefore required
//!   ([`TokenEndpoint::issuer`]).
//!
//! The algorithm: the one the key spec names, else the first of ES256, EdDSA, RS256, PS256
//! that fits the key. When the endpoint lists `token_endpoint_auth_signing_alg_values_supported`,
//! only algorithms on that list are tried (an RSA key against a list of `PS256` signs PS256),
//! and a named algorithm missing from the list is refused (`invalid_config`, field
//! `alg`). HMAC algorithms are `client_secret_jwt`, which is not offered.
//!
//! ECDSA signatures come from the crypto backend, not from the entropy input: aws-lc
//! (`native`) randomises them, the portable backend signs deterministically (RFC 6979).
//! EdDSA signatures are deterministic on both, so an Ed25519 assertion is byte-for-byte
//! reproducible from `now`, the key and the entropy.
//!
//! [`choose_auth_method`] picks the method from the client's registered method and the
//! server's metadata.
//!
//! ## Grants
//!
//! [`Grant`] is tagged by `type`: `authorization_code`, `refresh_token`,
//! `client_credentials` (an authenticated client only: RFC 6749 §4.4 is for confidential
//! clients), `jwt_bearer` (the host supplies the `assertion`, a JWT; one whose `exp` has
//! passed is refused before sending, `token_expired` naming `assertion`) and
//! `token_exchange`. A [`GrantRequest`] adds `scope` (space-separated; empty means omitted)
//! and RFC 8707 `resource` (one or more absolute URIs without a fragment), sent with every
//! grant when given. [`id_jag_request`] builds the enterprise-managed token exchange
//! (`requested_token_type=urn:ietf:params:oauth:token-type:id-jag`, `audience` = the MCP
//! authorization server's issuer, `resource` = the MCP server, `subject_token_type` =
//! `urn:ietf:params:oauth:token-type:id_token`).
//!
//! ## Responses
//!
//! [`token_response`] reads an access-token response with [`crate::oauth::token_response`]
//! and names the field an error is about: `invalid_grant` names the grant's credential
//! (`code`, `refresh_token`, `assertion`, `subject_token`), `invalid_client` names
//! `client_id`, `invalid_scope` names `scope`, and RFC 8707's `invalid_target` (not a
//! catalog code) is `invalid_request` naming `resource`. A JWT-bearer grant refused with
//! `invalid_grant` (an expired, wrongly addressed or unknown assertion) is final for that
//! assertion: the host gets a fresh assertion from its source before trying again and never
//! resends the same one or switches to another grant.
//!
//! [`token_exchange_response`] reads an RFC 8693 §2.2.1 response into an [`ExchangedToken`]:
//! `access_token` (the issued token, whatever its type), `issued_token_type` (required, and
//! equal to the requested type when one was requested) and `token_type` (required; `N_A`
//! for a token that is not an access token, such as an ID-JAG).
//!
//! ```
//! use authcore::entropy::FixedEntropy;
//! use authcore::grants::{token_request, Grant, TokenEndpoint, TokenEndpointAuth, GrantRequest};
//! use authcore::secret::Secret;
//!
//! let endpoint = TokenEndpoint::new("https://as.example.com/token", Some("https://as.example.com"));
//! let auth = TokenEndpointAuth::ClientSecretBasic {
//!     client_id: "cli:ent".into(),
//!     client_secret: Secret::new("s3cret"),
//! };
//! let request = GrantRequest {
//!     grant: Grant::ClientCredentials,
//!     scope: Some("mcp:read".into()),
//!     resource: vec!["https://mcp.example.com/mcp".into()],
//! };
//! let http = token_request(&endpoint, &auth, &request, 1_700_000_000, &mut FixedEntropy::new(vec![]))?;
//! assert_eq!(
//!     http.body.as_deref(),
//!     Some("grant_type=client_credentials&scope=mcp%3Aread&resource=https%3A%2F%2Fmcp.example.com%2Fmcp")
//! );
//! // base64("cli%3Aent:s3cret")
//! assert_eq!(http.header("Authorization"), Some("Basic Y2xpJTNBZW50OnMzY3JldA=="));
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::discovery::ProviderMetadata;
use crate::entropy::Entropy;
use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_url, form_encode, parse_url, HttpRequest, HttpResponse};
use crate::json::parse_object;
use crate::jwt::{decode_unverified, Algorithm, Backend, Issuer, IssuerConfig, KeySpec, SigningKey};
use crate::secret::Secret;
use crate::tokens::{TokenSet, DEFAULT_EXPIRES_IN, DEFAULT_MAX_ACCESS_TOKEN_BYTES};

/// `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const CLIENT_ASSERTION_TYPE_JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// `grant_type` of the JWT-bearer authorization grant (RFC 7523 §2.1).
pub const GRANT_TYPE_JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// `grant_type` of token exchange (RFC 8693 §2.1).
pub const GRANT_TYPE_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// Token type of an OpenID Connect ID token (RFC 8693 §3).
pub const TOKEN_TYPE_ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
/// Token type of an OAuth access token (RFC 8693 §3).
pub const TOKEN_TYPE_ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
/// Token type of a JWT (RFC 8693 §3).
pub const TOKEN_TYPE_JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
/// Token type of an Identity Assertion JWT Authorization Grant (ID-JAG), the enterprise-managed
/// authorization grant.
pub const TOKEN_TYPE_ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";

/// Default lifetime of a `private_key_jwt` client assertion, in seconds.
pub const DEFAULT_ASSERTION_LIFETIME: i64 = 60;
/// Longest allowed lifetime of a `private_key_jwt` client assertion, in seconds.
pub const MAX_ASSERTION_LIFETIME: i64 = 600;

/// The algorithms tried for a `private_key_jwt` key without a named `alg`, in order.
const ASSERTION_ALGS: [Algorithm; 4] = [Algorithm::Es256, Algorithm::EdDsa, Algorithm::Rs256, Algorithm::Ps256];

/// Where a token request goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenEndpoint {
    /// The token endpoint URL (https, or http to a loopback host unless
    /// `allow_insecure_http`).
    pub url: String,
    /// The authorization server's issuer identifier: the audience of `private_key_jwt`
    /// assertions (required by that method only), used exactly as the metadata gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The metadata's `token_endpoint_auth_signing_alg_values_supported`, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_signing_alg_values_supported: Option<Vec<String>>,
    /// Allow a plain-http endpoint on any host (tests only).
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub allow_insecure_http: bool,
}

impl TokenEndpoint {
    /// An endpoint at `url` of the authorization server `issuer`.
    pub fn new(url: impl Into<String>, issuer: Option<&str>) -> Self {
        Self {
            url: url.into(),
            issuer: issuer.map(str::to_owned),
            auth_signing_alg_values_supported: None,
            allow_insecure_http: false,
        }
    }

    /// The token endpoint of validated metadata (`invalid_config` naming `token_endpoint`
    /// when it has none). `token_endpoint_auth_signing_alg_values_supported` is not part of
    /// [`ProviderMetadata`]; set [`TokenEndpoint::auth_signing_alg_values_supported`] from
    /// the document when the server lists it.
    pub fn from_metadata(metadata: &ProviderMetadata) -> Result<Self> {
        let url = metadata.token_endpoint.clone().ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidConfig,
                "token_endpoint",
                "The authorization server's metadata has no `token_endpoint`.",
            )
        })?;
        Ok(Self::new(url, Some(&metadata.issuer)))
    }
}

/// A token-endpoint client authentication method, by its RFC 8414 name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public client.
    None,
    /// HTTP Basic (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// Id and secret in the body.
    ClientSecretPost,
    /// A JWT signed with the client's private key (RFC 7523 §2.2).
    PrivateKeyJwt,
}

impl AuthMethod {
    /// The RFC 8414 name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// The method of an RFC 8414 name; `None` for a method authcore does not implement
    /// (`client_secret_jwt`, `tls_client_auth`, …).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::None,
            Self::ClientSecretBasic,
            Self::ClientSecretPost,
            Self::PrivateKeyJwt,
        ]
        .into_iter()
        .find(|m| m.as_str() == name)
    }
}

/// How the client authenticates at the token endpoint, tagged by `type` (the RFC 8414
/// method name). See the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TokenEndpointAuth {
    /// A public client: `client_id` in the body when given.
    None {
        /// The client id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
    },
    /// HTTP Basic over the form-encoded id and secret.
    ClientSecretBasic {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: Secret,
    },
    /// `client_id` and `client_secret` in the body.
    ClientSecretPost {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: Secret,
    },
    /// A `client_assertion` JWT signed with the client's private key.
    PrivateKeyJwt {
        /// The client id (`iss` and `sub` of the assertion).
        client_id: String,
        /// The private key: `pem` (PKCS#8) or `jwk`, with optional `alg` and `kid`.
        key: KeySpec,
        /// Assertion lifetime in seconds (default 60, 1 to 600).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lifetime: Option<i64>,
    },
}

impl TokenEndpointAuth {
    /// The method.
    pub fn method(&self) -> AuthMethod {
        match self {
            Self::None { .. } => AuthMethod::None,
            Self::ClientSecretBasic { .. } => AuthMethod::ClientSecretBasic,
            Self::ClientSecretPost { .. } => AuthMethod::ClientSecretPost,
            Self::PrivateKeyJwt { .. } => AuthMethod::PrivateKeyJwt,
        }
    }
}

/// Chooses the token-endpoint authentication method.
///
/// * `registered`: the method the client registered (`token_endpoint_auth_method` of its
///   RFC 7591 registration or pre-registration). It wins: the server agreed to it. An
///   unknown name is `invalid_config` naming `token_endpoint_auth_method`.
/// * Otherwise the server's `token_endpoint_auth_methods_supported` (`supported`; absent
///   means `["client_secret_basic"]`, RFC 8414 §2) decides, by what the client holds:
///   with a private key `private_key_jwt`; with a secret `client_secret_basic`, then
///   `client_secret_post`; without either `none`. Nothing fitting is `invalid_config` naming
///   `token_endpoint_auth_methods_supported`.
///
/// The chosen method must be one the client has the credential for (`invalid_config`
/// naming `client_secret` or `key`).
pub fn choose_auth_method(
    registered: Option<&str>,
    supported: Option<&[String]>,
    has_secret: bool,
    has_key: bool,
) -> Result<AuthMethod> {
    let holds = |m: AuthMethod| -> Result<AuthMethod> {
        match m {
            AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost if !has_secret => Err(Error::field(
                ErrorCode::InvalidConfig,
                "client_secret",
                format!("The `{}` method needs a client secret.", m.as_str()),
            )),
            AuthMethod::PrivateKeyJwt if !has_key => Err(Error::field(
                ErrorCode::InvalidConfig,
                "key",
                "The `private_key_jwt` method needs a private key.",
            )),
            m => Ok(m),
        }
    };
    if let Some(name) = registered {
        let m = AuthMethod::from_name(name).ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidConfig,
                "token_endpoint_auth_method",
                format!(
                    "The registered method {} is not one authcore implements.",
                    crate::util::quote_input(name)
                ),
            )
        })?;
        return holds(m);
    }
    let default = ["client_secret_basic".to_owned()];
    let supported = supported.unwrap_or(&default);
    let offered = |m: AuthMethod| supported.iter().any(|s| s == m.as_str());
    let mut prefs = Vec::new();
    if has_key {
        prefs.push(AuthMethod::PrivateKeyJwt);
    }
    if has_secret {
        prefs.extend([AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost]);
    }
    if !has_key && !has_secret {
        prefs.push(AuthMethod::None);
    }
    prefs.into_iter().find(|m| offered(*m)).ok_or_else(|| {
        Error::field(
            ErrorCode::InvalidConfig,
            "token_endpoint_auth_methods_supported",
            "The authorization server supports no authentication method this client can use.",
        )
    })
}

/// A grant, tagged by `type`. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Grant {
    /// The authorization-code grant (RFC 6749 §4.1.3), with the PKCE verifier.
    AuthorizationCode {
        /// The code from the callback.
        code: Secret,
        /// The redirect URI of the authorization request.
        redirect_uri: String,
        /// The PKCE code verifier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code_verifier: Option<Secret>,
    },
    /// A refresh (RFC 6749 §6).
    RefreshToken {
        /// The refresh token.
        refresh_token: Secret,
    },
    /// The client-credentials grant (RFC 6749 §4.4).
    ClientCredentials,
    /// The JWT-bearer authorization grant (RFC 7523 §2.1).
    JwtBearer {
        /// The assertion (a JWT the host obtained: a workload identity token, an ID-JAG).
        assertion: Secret,
    },
    /// Token exchange (RFC 8693 §2.1).
    TokenExchange {
        /// The token to exchange.
        subject_token: Secret,
        /// Its type (a `urn:ietf:params:oauth:token-type:*` URI).
        subject_token_type: String,
        /// The type wanted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        requested_token_type: Option<String>,
        /// Logical names of the target services (`audience`, one parameter each).
        #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "one_or_many")]
        #[cfg_attr(feature = "schema", schemars(schema_with = "one_or_many_schema"))]
        audience: Vec<String>,
        /// A token representing the acting party.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actor_token: Option<Secret>,
        /// Its type (required with `actor_token`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actor_token_type: Option<String>,
    },
}

impl Grant {
    /// The `grant_type` value.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::AuthorizationCode { .. } => "authorization_code",
            Self::RefreshToken { .. } => "refresh_token",
            Self::ClientCredentials => "client_credentials",
            Self::JwtBearer { .. } => GRANT_TYPE_JWT_BEARER,
            Self::TokenExchange { .. } => GRANT_TYPE_TOKEN_EXCHANGE,
        }
    }

    /// The request parameter `invalid_grant` is about.
    fn credential_field(&self) -> Option<&'static str> {
        match self {
            Self::AuthorizationCode { .. } => Some("code"),
            Self::RefreshToken { .. } => Some("refresh_token"),
            Self::ClientCredentials => None,
            Self::JwtBearer { .. } => Some("assertion"),
            Self::TokenExchange { .. } => Some("subject_token"),
        }
    }
}

/// A token request: the grant plus the parameters every grant may carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// The grant.
    pub grant: Grant,
    /// Space-separated scopes (RFC 6749 §3.3); absent or blank: no `scope` parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// RFC 8707 resource indicators (a string or a list), one `resource` parameter each.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "one_or_many")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "one_or_many_schema"))]
    pub resource: Vec<String>,
}

impl GrantRequest {
    /// A request for `grant` without scope or resource.
    pub fn new(grant: Grant) -> Self {
        Self {
            grant,
            scope: None,
            resource: Vec::new(),
        }
    }
}

/// One string or a list of strings.
#[cfg(feature = "schema")]
fn one_or_many_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "anyOf": [
            { "type": "string" },
            { "type": "array", "items": { "type": "string" } },
            { "type": "null" }
        ]
    })
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

/// The enterprise-managed authorization token exchange (ID token → ID-JAG) to send to the
/// enterprise IdP's token endpoint: `subject_token` = the ID token the client got at sign-in,
/// `requested_token_type` = ID-JAG, `audience` = the MCP authorization server's issuer,
/// `resource` = the MCP server's resource identifier, `scope` when given. The client
/// authenticates to the IdP as the IdP's client (often `none` with its IdP `client_id`).
pub fn id_jag_request(id_token: &str, authorization_server: &str, resource: &str, scope: Option<&str>) -> GrantRequest {
    GrantRequest {
        grant: Grant::TokenExchange {
            subject_token: Secret::new(id_token),
            subject_token_type: TOKEN_TYPE_ID_TOKEN.to_owned(),
            requested_token_type: Some(TOKEN_TYPE_ID_JAG.to_owned()),
            audience: vec![authorization_server.to_owned()],
            actor_token: None,
            actor_token_type: None,
        },
        scope: scope.map(str::to_owned),
        resource: vec![resource.to_owned()],
    }
}

fn invalid(field: &str, detail: impl Into<String>) -> Error {
    Error::field(ErrorCode::InvalidInput, field, detail)
}

fn non_empty<'a>(value: &'a str, field: &str) -> Result<&'a str> {
    if value.is_empty() {
        return Err(invalid(field, format!("`{field}` cannot be empty.")));
    }
    Ok(value)
}

/// `scope` as sent: the tokens joined by one space; `None` when blank. Each token is RFC 6749
/// §3.3 `scope-token` characters.
fn scope_param(scope: Option<&str>) -> Result<Option<String>> {
    let Some(scope) = scope else { return Ok(None) };
    let tokens: Vec<&str> = scope.split(' ').filter(|t| !t.is_empty()).collect();
    if tokens.iter().any(|t| {
        !t.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
    }) {
        return Err(invalid(
            "scope",
            "`scope` holds a character RFC 6749 section 3.3 does not allow in a scope.",
        ));
    }
    Ok((!tokens.is_empty()).then(|| tokens.join(" ")))
}

/// RFC 8707 §2: an absolute URI without a fragment.
fn check_resource(resource: &str) -> Result<()> {
    let ok = !resource.is_empty()
        && resource.is_ascii()
        && parse_url(resource).is_ok_and(|u| u.fragment().is_none() && !resource.contains('#'));
    if !ok {
        return Err(invalid(
            "resource",
            "`resource` must be an absolute URI without a fragment (RFC 8707 section 2).",
        ));
    }
    Ok(())
}

/// A token type or other URI parameter: non-empty printable ASCII without spaces.
fn check_uri_param(value: &str, field: &str) -> Result<()> {
    if value.is_empty() || !value.bytes().all(|b| (b'!'..=b'~').contains(&b)) {
        return Err(invalid(
            field,
            format!("`{field}` must be a non-empty URI of printable ASCII."),
        ));
    }
    Ok(())
}

/// Refuses a JWT-bearer assertion that is not a JWT or whose `exp` has passed at `now`.
fn check_assertion(assertion: &str, now: i64) -> Result<()> {
    non_empty(assertion, "assertion")?;
    let (_, claims) = decode_unverified(assertion)
        .map_err(|_| invalid("assertion", "The assertion is not a JWT (RFC 7523 section 2.1)."))?;
    if let Some(exp) = claims.get("exp").and_then(Value::as_f64) {
        if (now as f64) >= exp {
            return Err(Error::field(
                ErrorCode::TokenExpired,
                "assertion",
                "The assertion has expired; obtain a fresh one from its source.",
            ));
        }
    }
    Ok(())
}

/// Builds the `private_key_jwt` client assertion for `client_id` with `key`, addressed to
/// `endpoint`'s issuer. See the module docs for the claims and the algorithm choice.
pub fn client_assertion(
    endpoint: &TokenEndpoint,
    client_id: &str,
    key: &KeySpec,
    lifetime: Option<i64>,
    now: i64,
    entropy: &mut dyn Entropy,
    backend: Backend,
) -> Result<String> {
    non_empty(client_id, "client_id")?;
    let issuer = endpoint.issuer.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| {
        Error::field(
            ErrorCode::InvalidConfig,
            "issuer",
            "`private_key_jwt` needs the authorization server's issuer: it is the assertion's audience.",
        )
    })?;
    let lifetime = lifetime.unwrap_or(DEFAULT_ASSERTION_LIFETIME);
    if !(1..=MAX_ASSERTION_LIFETIME).contains(&lifetime) {
        return Err(Error::field(
            ErrorCode::InvalidConfig,
            "lifetime",
            format!("The assertion lifetime must be 1 to {MAX_ASSERTION_LIFETIME} seconds."),
        ));
    }
    let signing_key = assertion_key(key, endpoint.auth_signing_alg_values_supported.as_deref(), backend)?;
    let config = IssuerConfig {
        lifetime,
        issuer: Some(client_id.to_owned()),
        audience: Some(issuer.to_owned()),
        typ: Some("JWT".to_owned()),
        jti: true,
    };
    let mut claims = Map::new();
    claims.insert("sub".into(), client_id.into());
    Issuer::new(config, signing_key)?.issue(Value::Object(claims), now, entropy)
}

/// The signing key for a client assertion, its algorithm chosen as the module docs say.
fn assertion_key(key: &KeySpec, supported: Option<&[String]>, backend: Backend) -> Result<SigningKey> {
    let allowed = |alg: Algorithm| {
        supported.map_or(true, |list| {
            list.iter()
                .any(|name| Algorithm::from_name(name) == Some(alg) || name == alg.as_str())
        })
    };
    let usable = |alg: Algorithm| ASSERTION_ALGS.contains(&alg);
    if let Some(alg) = key.alg {
        if !usable(alg) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "alg",
                format!(
                    "`private_key_jwt` signs with ES256, EdDSA, RS256 or PS256, not {}.",
                    alg.as_str()
                ),
            ));
        }
        if !allowed(alg) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "alg",
                format!(
                    "The authorization server does not accept {} client assertions \
                     (`token_endpoint_auth_signing_alg_values_supported`).",
                    alg.as_str()
                ),
            ));
        }
        return SigningKey::from_spec(key, backend);
    }
    if key.pem.is_none() && key.jwk.is_none() {
        return Err(Error::field(
            ErrorCode::InvalidKey,
            "key",
            "A `private_key_jwt` key is a `pem` (PKCS#8) or a `jwk`.",
        ));
    }
    let mut tried = false;
    for alg in ASSERTION_ALGS.into_iter().filter(|a| allowed(*a)) {
        tried = true;
        let spec = KeySpec {
            alg: Some(alg),
            ..key.clone()
        };
        if let Ok(k) = SigningKey::from_spec(&spec, backend) {
            return Ok(k);
        }
    }
    Err(if tried {
        Error::field(
            ErrorCode::InvalidKey,
            "key",
            "The private key fits none of the algorithms allowed for client assertions.",
        )
    } else {
        Error::field(
            ErrorCode::InvalidConfig,
            "token_endpoint_auth_signing_alg_values_supported",
            "The authorization server accepts none of ES256, EdDSA, RS256 or PS256 for client assertions.",
        )
    })
}

/// The HTTP Basic `Authorization` value for a client id and secret: each form-encoded
/// first (RFC 6749 §2.3.1), then `id:secret` in base64.
pub fn basic_authorization(client_id: &str, client_secret: &str) -> String {
    let enc = |s: &str| form_encode(&[("", s)]).trim_start_matches('=').to_owned();
    let pair = format!("{}:{}", enc(client_id), enc(client_secret));
    format!(
        "Basic {}",
        <base64ct::Base64 as base64ct::Encoding>::encode_string(pair.as_bytes())
    )
}

/// Adds client authentication to a token-endpoint request: body pairs and, for
/// `client_secret_basic`, the `Authorization` header. For a machine that builds its own
/// request body; [`token_request`] calls it. `backend` signs `private_key_jwt` assertions.
pub fn authenticate(
    endpoint: &TokenEndpoint,
    auth: &TokenEndpointAuth,
    pairs: &mut Vec<(String, String)>,
    request: &mut HttpRequest,
    now: i64,
    entropy: &mut dyn Entropy,
    backend: Backend,
) -> Result<()> {
    match auth {
        TokenEndpointAuth::None { client_id } => {
            if let Some(id) = client_id {
                pairs.push(("client_id".into(), non_empty(id, "client_id")?.to_owned()));
            }
        }
        TokenEndpointAuth::ClientSecretBasic {
            client_id,
            client_secret,
        } => {
            non_empty(client_id, "client_id")?;
            non_empty(client_secret.expose(), "client_secret")?;
            request.set_header("Authorization", basic_authorization(client_id, client_secret.expose()));
        }
        TokenEndpointAuth::ClientSecretPost {
            client_id,
            client_secret,
        } => {
            pairs.push(("client_id".into(), non_empty(client_id, "client_id")?.to_owned()));
            pairs.push((
                "client_secret".into(),
                non_empty(client_secret.expose(), "client_secret")?.to_owned(),
            ));
        }
        TokenEndpointAuth::PrivateKeyJwt {
            client_id,
            key,
            lifetime,
        } => {
            let assertion = client_assertion(endpoint, client_id, key, *lifetime, now, entropy, backend)?;
            pairs.push(("client_id".into(), client_id.clone()));
            pairs.push(("client_assertion_type".into(), CLIENT_ASSERTION_TYPE_JWT_BEARER.into()));
            pairs.push(("client_assertion".into(), assertion));
        }
    }
    Ok(())
}

/// As [`token_request`] on a chosen crypto backend (it signs `private_key_jwt` assertions).
pub fn token_request_with_backend(
    endpoint: &TokenEndpoint,
    auth: &TokenEndpointAuth,
    request: &GrantRequest,
    now: i64,
    entropy: &mut dyn Entropy,
    backend: Backend,
) -> Result<HttpRequest> {
    check_url(
        ErrorCode::InvalidConfig,
        "url",
        &endpoint.url,
        endpoint.allow_insecure_http,
    )?;
    let mut pairs: Vec<(String, String)> = vec![("grant_type".into(), request.grant.grant_type().into())];
    match &request.grant {
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            pairs.push(("code".into(), non_empty(code.expose(), "code")?.to_owned()));
            pairs.push((
                "redirect_uri".into(),
                non_empty(redirect_uri, "redirect_uri")?.to_owned(),
            ));
            if let Some(v) = code_verifier {
                pairs.push((
                    "code_verifier".into(),
                    non_empty(v.expose(), "code_verifier")?.to_owned(),
                ));
            }
        }
        Grant::RefreshToken { refresh_token } => {
            pairs.push((
                "refresh_token".into(),
                non_empty(refresh_token.expose(), "refresh_token")?.to_owned(),
            ));
        }
        Grant::ClientCredentials => {
            if auth.method() == AuthMethod::None {
                return Err(invalid(
                    "auth",
                    "The client-credentials grant needs an authenticated (confidential) client (RFC 6749 section 4.4).",
                ));
            }
        }
        Grant::JwtBearer { assertion } => {
            check_assertion(assertion.expose(), now)?;
            pairs.push(("assertion".into(), assertion.expose().to_owned()));
        }
        Grant::TokenExchange {
            subject_token,
            subject_token_type,
            requested_token_type,
            audience,
            actor_token,
            actor_token_type,
        } => {
            check_uri_param(subject_token_type, "subject_token_type")?;
            if let Some(t) = requested_token_type {
                check_uri_param(t, "requested_token_type")?;
            }
            if requested_token_type.as_deref() == Some(TOKEN_TYPE_ID_JAG) {
                if audience.is_empty() {
                    return Err(invalid(
                        "audience",
                        "An ID-JAG request needs the `audience`: the MCP authorization server's issuer.",
                    ));
                }
                if request.resource.is_empty() {
                    return Err(invalid(
                        "resource",
                        "An ID-JAG request needs the `resource`: the MCP server.",
                    ));
                }
            }
            match (actor_token, actor_token_type) {
                (Some(_), None) => {
                    return Err(invalid(
                        "actor_token_type",
                        "`actor_token_type` is required with `actor_token` (RFC 8693 section 2.1).",
                    ))
                }
                (None, Some(_)) => {
                    return Err(invalid(
                        "actor_token",
                        "`actor_token_type` is only sent with an `actor_token` (RFC 8693 section 2.1).",
                    ))
                }
                _ => {}
            }
            if let Some(t) = requested_token_type {
                pairs.push(("requested_token_type".into(), t.clone()));
            }
            for a in audience {
                pairs.push(("audience".into(), non_empty(a, "audience")?.to_owned()));
            }
            pairs.push((
                "subject_token".into(),
                non_empty(subject_token.expose(), "subject_token")?.to_owned(),
            ));
            pairs.push(("subject_token_type".into(), subject_token_type.clone()));
            if let (Some(t), Some(tt)) = (actor_token, actor_token_type) {
                check_uri_param(tt, "actor_token_type")?;
                pairs.push(("actor_token".into(), non_empty(t.expose(), "actor_token")?.to_owned()));
                pairs.push(("actor_token_type".into(), tt.clone()));
            }
        }
    }
    if let Some(scope) = scope_param(request.scope.as_deref())? {
        pairs.push(("scope".into(), scope));
    }
    for r in &request.resource {
        check_resource(r)?;
        pairs.push(("resource".into(), r.clone()));
    }
    let mut http = HttpRequest::new("POST", endpoint.url.clone());
    authenticate(endpoint, auth, &mut pairs, &mut http, now, entropy, backend)?;
    http.set_header("Accept", "application/json");
    http.set_header("Content-Type", "application/x-www-form-urlencoded");
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    http.body = Some(form_encode(&borrowed));
    Ok(http)
}

/// The token-endpoint request for `request`, authenticated by `auth`: `POST` to
/// `endpoint.url` with a form body (`grant_type` first, then the grant's parameters,
/// `scope`, each `resource`, then the client's body parameters), `Accept:
/// application/json` and, for `client_secret_basic`, `Authorization`. Errors are
/// `invalid_input` or `invalid_config` naming the field (see the module docs).
pub fn token_request(
    endpoint: &TokenEndpoint,
    auth: &TokenEndpointAuth,
    request: &GrantRequest,
    now: i64,
    entropy: &mut dyn Entropy,
) -> Result<HttpRequest> {
    token_request_with_backend(endpoint, auth, request, now, entropy, Backend::default())
}

/// Names the field an error response is about (see the module docs); `invalid_target`
/// becomes `invalid_request` naming `resource`.
fn error_for(grant: &Grant, response: &HttpResponse, err: Error) -> Error {
    let error = parse_object(response.body.as_bytes())
        .ok()
        .and_then(|o| o.get("error").and_then(Value::as_str).map(str::to_owned));
    if error.as_deref() == Some("invalid_target") {
        return Error::field(
            ErrorCode::InvalidRequest,
            "resource",
            "The authorization server refused the `resource` (invalid_target).",
        );
    }
    let field = match err.code() {
        ErrorCode::InvalidGrant => grant.credential_field(),
        ErrorCode::InvalidClient => Some("client_id"),
        ErrorCode::InvalidScope => Some("scope"),
        _ => None,
    };
    match field {
        Some(f) if err.field_name().is_none() => Error::field(err.code(), f, err.detail().to_owned()),
        _ => err,
    }
}

/// Reads the access-token response to `request` (see the module docs): a [`TokenSet`], or
/// the error naming the field it is about.
pub fn token_response(request: &GrantRequest, response: &HttpResponse, now: i64) -> Result<TokenSet> {
    crate::oauth::token_response(response, now, DEFAULT_EXPIRES_IN).map_err(|e| error_for(&request.grant, response, e))
}

/// A token issued by token exchange (RFC 8693 §2.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExchangedToken {
    /// The issued token (the response's `access_token`, whatever its type: an ID-JAG too).
    pub access_token: Secret,
    /// Its type URI.
    pub issued_token_type: String,
    /// How to use it: `Bearer`, or `N_A` for a token that is not an access token.
    pub token_type: String,
    /// When it expires (Unix seconds), when the response said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The granted scope, when the response said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// A refresh token, when issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
}

/// Reads the answer to a token-exchange `request` (see the module docs). Errors:
/// `invalid_input` naming `grant` when `request` is no token exchange; the server's error as
/// [`token_response`] names it; `invalid_response` naming the member that is missing or
/// wrong (`issued_token_type` different from the requested type included).
pub fn token_exchange_response(request: &GrantRequest, response: &HttpResponse, now: i64) -> Result<ExchangedToken> {
    let Grant::TokenExchange {
        requested_token_type, ..
    } = &request.grant
    else {
        return Err(invalid("grant", "The request is not a token exchange."));
    };
    if !response.is_success() || crate::tokens::is_error_body(&response.body) {
        return match crate::oauth::token_response(response, now, DEFAULT_EXPIRES_IN) {
            Err(e) => Err(error_for(&request.grant, response, e)),
            Ok(_) => Err(Error::field(
                ErrorCode::InvalidResponse,
                "status",
                "The token endpoint did not answer with success.",
            )),
        };
    }
    let bad = |field: &str, detail: &str| Error::field(ErrorCode::InvalidResponse, field, detail.to_owned());
    let obj =
        parse_object(response.body.as_bytes()).map_err(|_| bad("body", "The token response is not a JSON object."))?;
    let string = |name: &str| -> Result<Option<String>> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(name, &format!("`{name}` must be a string."))),
        }
    };
    let token = string("access_token")?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("access_token", "The token response has no `access_token`."))?;
    if token.len() > DEFAULT_MAX_ACCESS_TOKEN_BYTES || !token.bytes().all(|b| (b'!'..=b'~').contains(&b)) {
        return Err(bad(
            "access_token",
            "`access_token` must be printable ASCII of at most 16384 bytes.",
        ));
    }
    let issued = string("issued_token_type")?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("issued_token_type", "The token response has no `issued_token_type`."))?;
    if let Some(want) = requested_token_type {
        if &issued != want {
            return Err(bad(
                "issued_token_type",
                "The issued token type is not the requested one.",
            ));
        }
    }
    let token_type = string("token_type")?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("token_type", "The token response has no `token_type`."))?;
    let expires_at = match obj.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64().filter(|s| *s > 0) {
            Some(s) => Some(now.saturating_add(s)),
            None => return Err(bad("expires_in", "`expires_in` must be a positive integer.")),
        },
    };
    let scope = string("scope")?.filter(|s| !s.trim().is_empty());
    let refresh_token = string("refresh_token")?.filter(|s| !s.is_empty()).map(Secret::new);
    Ok(ExchangedToken {
        access_token: Secret::new(token),
        issued_token_type: issued,
        token_type,
        expires_at,
        scope,
        refresh_token,
    })
}

#[cfg(test)]
mod tests;
