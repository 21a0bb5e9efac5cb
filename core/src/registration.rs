//! OAuth 2.0 dynamic client registration (RFC 7591), client side, sans-IO.
//!
//! A provider that publishes a `registration_endpoint` and has no client yet gets one before
//! its first sign-in: [`registration_request`] builds the `POST` with the client metadata
//! (RFC 7591 §2) as a JSON body, the host sends it, and [`registration_response`] reads the
//! answer (§3.2.1) into a [`RegisteredClient`] the host stores with the provider
//! ([`crate::broker::Provider::with_registered_client`]).
//!
//! # The request
//!
//! [`ClientMetadata`] holds what the caller chooses (`redirect_uris`, `client_name`, `scope`);
//! the core fills in the rest for a public client using PKCE: `grant_types`
//! `["authorization_code", "refresh_token"]`, `response_types` `["code"]`,
//! `token_endpoint_auth_method` `none`, and `application_type` (OpenID Connect Dynamic Client
//! Registration §2) from the redirect URIs:
//!
//! * `native` when every redirect URI is a loopback `http` URI (`http://127.0.0.1:…`,
//!   `http://[::1]:…`, `http://localhost:…`) or a private-use scheme URI (`com.example.app:/cb`;
//!   RFC 8252 §7.1, §7.3);
//! * `web` when every redirect URI is `https`;
//! * a mix of the two, `http` to another host, a fragment, user info, or a scheme a browser runs
//!   itself (`javascript:`, `data:`, `file:` …) is `invalid_input` naming `redirect_uris`.
//!
//! Bounds: 1 to [`MAX_REDIRECT_URIS`] redirect URIs of at most [`MAX_URL_LEN`] bytes each; a
//! `client_name` of 1 to [`MAX_CLIENT_NAME`] characters without control characters; a `scope`
//! of space-separated RFC 6749 §3.3 tokens. The endpoint is an `https` URL (or `http` to a
//! loopback host when `allow_loopback_http` is set, for local development).
//!
//! # The response
//!
//! * `201` (RFC 7591 §3.2.1) or `200`, with a JSON object of at most [`MAX_RESPONSE_BYTES`]:
//!   `client_id` is required (1 to [`MAX_CREDENTIAL_BYTES`] visible ASCII characters);
//!   `client_secret` is optional (a [`Secret`], same bounds); `client_secret_expires_at` is a
//!   non-negative integer, `0` meaning it never expires (also when absent), and a secret that
//!   has already expired at `now` is refused; `client_id_issued_at` is optional;
//!   `token_endpoint_auth_method`, when given, is the client authentication the server
//!   registered (`none`, `client_secret_basic` or `client_secret_post`; another method, or a
//!   `client_secret_*` one without a `client_secret`, is refused) and the provider's endpoints
//!   are then called with it ([`crate::revocation`]). Anything else malformed is
//!   `invalid_response` naming the member.
//! * `400` with an RFC 7591 §3.2.2 error: `invalid_redirect_uri` is `invalid_request` naming
//!   `redirect_uris`; `invalid_client_metadata` is `invalid_request` naming `client_metadata`;
//!   `invalid_software_statement` and `unapproved_software_statement` are `invalid_request`
//!   naming `software_statement`. The server's `error_description` is the detail (sanitised).
//! * `401`/`403` (an initial access token is required, RFC 7591 §3) are `access_denied`; any
//!   `5xx` is `server_error`; any other status, or a `400` without a known error, is
//!   `invalid_response`.
//!
//! ```
//! use authcore::http::HttpResponse;
//! use authcore::registration::{registration_request, registration_response, ClientMetadata};
//!
//! let metadata = ClientMetadata {
//!     redirect_uris: vec!["http://127.0.0.1:7998/auth/callback/oauth".into()],
//!     client_name: "authsome".into(),
//!     scope: None,
//! };
//! let req = registration_request("https://auth.example.com/register", &metadata, false)?;
//! assert_eq!(req.method, "POST");
//! let body: serde_json::Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
//! assert_eq!(body["application_type"], "native");
//! assert_eq!(body["token_endpoint_auth_method"], "none");
//!
//! let answer = HttpResponse::new(201).with_body(r#"{"client_id": "c-123", "client_secret_expires_at": 0}"#);
//! let client = registration_response(&answer, 1_700_000_000)?;
//! assert_eq!(client.client_id, "c-123");
//! assert!(client.client_secret.is_none());
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::http::{is_loopback, parse_url, HttpRequest, HttpResponse, MAX_URL_LEN};
use crate::json::{parse_object, truncate};
use crate::revocation::ClientAuthMethod;
use crate::secret::Secret;

/// The most redirect URIs one registration carries.
pub const MAX_REDIRECT_URIS: usize = 10;
/// The longest `client_name`, in characters.
pub const MAX_CLIENT_NAME: usize = 200;
/// The largest registration response body read, in bytes.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// The longest `client_id` or `client_secret`, in bytes.
pub const MAX_CREDENTIAL_BYTES: usize = 1024;

/// Schemes a browser runs or reads itself: never a redirect URI.
const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "data",
    "file",
    "blob",
    "about",
    "filesystem",
    "vbscript",
    "ftp",
    "ws",
    "wss",
    "mailto",
    "chrome",
    "view-source",
];

/// The client metadata a caller chooses; the core adds the rest (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClientMetadata {
    /// Where the authorization server may send the browser back (1 to [`MAX_REDIRECT_URIS`]).
    pub redirect_uris: Vec<String>,
    /// The name shown to the person on the consent page.
    pub client_name: String,
    /// Space-separated scopes the client will ask for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `native` or `web` (OpenID Connect Dynamic Client Registration §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    /// Loopback or private-use scheme redirect URIs.
    Native,
    /// `https` redirect URIs.
    Web,
}

/// A client the authorization server registered: store it with the provider. `Debug` never
/// shows the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisteredClient {
    /// The issued client identifier.
    pub client_id: String,
    /// The issued client secret, if the server issued one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// When the secret expires (Unix seconds); `0` = never.
    #[serde(default)]
    pub client_secret_expires_at: i64,
    /// When the client id was issued (Unix seconds), if the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_issued_at: Option<i64>,
    /// The client authentication the server registered (RFC 7591 §3.2.1 returns the
    /// registered metadata, which may differ from the request's `none`), if it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<crate::revocation::ClientAuthMethod>,
}

impl RegisteredClient {
    /// Whether the client secret has expired at `now` (never when `client_secret_expires_at`
    /// is `0` or there is no secret): then register again.
    pub fn secret_expired(&self, now: i64) -> bool {
        self.client_secret.is_some() && self.client_secret_expires_at != 0 && now >= self.client_secret_expires_at
    }
}

fn bad_uri(detail: impl Into<String>) -> Error {
    Error::field(ErrorCode::InvalidInput, "redirect_uris", detail)
}

/// The application type a redirect URI implies.
fn redirect_kind(uri: &str) -> Result<ApplicationType> {
    if uri.len() > MAX_URL_LEN || !uri.is_ascii() {
        return Err(bad_uri(format!(
            "A redirect URI is an ASCII URL of at most {MAX_URL_LEN} bytes."
        )));
    }
    let url = parse_url(uri).map_err(|_| bad_uri(format!("`{}` is not an absolute URL.", truncate(uri))))?;
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad_uri(format!(
            "`{}` must not carry a fragment or user info.",
            truncate(uri)
        )));
    }
    match url.scheme() {
        "https" if url.host_str().is_some() => Ok(ApplicationType::Web),
        "http" if is_loopback(&url) => Ok(ApplicationType::Native),
        "http" | "https" => Err(bad_uri(format!(
            "`{}`: `http` redirect URIs must go to a loopback host.",
            truncate(uri)
        ))),
        s if FORBIDDEN_SCHEMES.contains(&s) => Err(bad_uri(format!(
            "`{}`: the `{s}` scheme cannot be a redirect URI.",
            truncate(uri)
        ))),
        _ => Ok(ApplicationType::Native),
    }
}

/// The application type `redirect_uris` imply: `native` (all loopback `http` or private-use
/// scheme), `web` (all `https`); anything else is `invalid_input` naming `redirect_uris`.
pub fn application_type(redirect_uris: &[String]) -> Result<ApplicationType> {
    if redirect_uris.is_empty() || redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(bad_uri(format!(
            "A registration carries 1 to {MAX_REDIRECT_URIS} redirect URIs."
        )));
    }
    let mut kind = None;
    for uri in redirect_uris {
        let k = redirect_kind(uri)?;
        if kind.is_some_and(|prev| prev != k) {
            return Err(bad_uri(
                "Redirect URIs must all be native (loopback or private-use scheme) or all https.",
            ));
        }
        kind = Some(k);
    }
    kind.ok_or_else(|| bad_uri("A registration needs a redirect URI."))
}

/// The registration request body (RFC 7591 §2), members in this order.
#[derive(Serialize)]
struct RegistrationBody<'a> {
    redirect_uris: &'a [String],
    client_name: &'a str,
    grant_types: [&'static str; 2],
    response_types: [&'static str; 1],
    token_endpoint_auth_method: &'static str,
    application_type: ApplicationType,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

fn is_scope_token(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// Builds the registration request: `POST endpoint` with the JSON client metadata (see the
/// module docs for the defaults and bounds).
pub fn registration_request(
    endpoint: &str,
    metadata: &ClientMetadata,
    allow_loopback_http: bool,
) -> Result<HttpRequest> {
    let bad_endpoint = || {
        Error::field(
            ErrorCode::InvalidInput,
            "registration_endpoint",
            "The registration endpoint must be an https URL without user info or fragment.",
        )
    };
    if endpoint.len() > MAX_URL_LEN {
        return Err(bad_endpoint());
    }
    let url = parse_url(endpoint).map_err(|_| bad_endpoint())?;
    let scheme_ok = url.scheme() == "https" || (allow_loopback_http && url.scheme() == "http" && is_loopback(&url));
    if !scheme_ok
        || url.host_str().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(bad_endpoint());
    }
    let app = application_type(&metadata.redirect_uris)?;
    let name = &metadata.client_name;
    if name.trim().is_empty() || name.chars().count() > MAX_CLIENT_NAME || name.chars().any(char::is_control) {
        return Err(Error::field(
            ErrorCode::InvalidInput,
            "client_name",
            format!("The client name is 1 to {MAX_CLIENT_NAME} characters without control characters."),
        ));
    }
    if let Some(scope) = &metadata.scope {
        if scope.len() > MAX_URL_LEN || !scope.split(' ').all(is_scope_token) {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "scope",
                "The scope is space-separated RFC 6749 scope tokens.",
            ));
        }
    }
    // A struct, so the body's member order is fixed whatever serde_json's features.
    let body = RegistrationBody {
        redirect_uris: &metadata.redirect_uris,
        client_name: name,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
        application_type: app,
        scope: metadata.scope.as_deref(),
    };
    let mut req = HttpRequest::new("POST", url.as_str());
    req.set_header("Content-Type", "application/json");
    req.set_header("Accept", "application/json");
    req.body = Some(serde_json::to_string(&body).map_err(|_| Error::new(ErrorCode::Internal))?);
    Ok(req)
}

fn bad_response(field: &str, detail: impl Into<String>) -> Error {
    Error::field(ErrorCode::InvalidResponse, field, detail)
}

/// A `client_id` or `client_secret` member: 1 to [`MAX_CREDENTIAL_BYTES`] visible ASCII.
fn credential(obj: &Map<String, Value>, field: &str) -> Result<Option<String>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s))
            if !s.is_empty() && s.len() <= MAX_CREDENTIAL_BYTES && s.bytes().all(|b| (0x21..=0x7e).contains(&b)) =>
        {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(bad_response(
            field,
            format!("`{field}` must be 1 to {MAX_CREDENTIAL_BYTES} visible ASCII characters."),
        )),
    }
}

fn timestamp(obj: &Map<String, Value>, field: &str) -> Result<Option<i64>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Ok(Some(n)),
            _ => Err(bad_response(
                field,
                format!("`{field}` must be a non-negative integer."),
            )),
        },
    }
}

/// Reads the registration endpoint's answer (see the module docs).
pub fn registration_response(response: &HttpResponse, now: i64) -> Result<RegisteredClient> {
    if response.body.len() > MAX_RESPONSE_BYTES {
        return Err(bad_response(
            "body",
            format!("The registration response exceeds {MAX_RESPONSE_BYTES} bytes."),
        ));
    }
    match response.status {
        200 | 201 => {}
        401 | 403 => {
            return Err(Error::with_detail(
                ErrorCode::AccessDenied,
                format!(
                    "The registration endpoint answered {}: it needs an initial access token.",
                    response.status
                ),
            ))
        }
        s if s >= 500 => {
            return Err(Error::with_detail(
                ErrorCode::ServerError,
                format!("The registration endpoint answered {s}."),
            ))
        }
        400 => return Err(registration_error(response)),
        s => {
            return Err(bad_response(
                "status",
                format!("The registration endpoint answered {s}."),
            ))
        }
    }
    let obj = parse_object(response.body.as_bytes())
        .map_err(|_| bad_response("body", "The registration response is not a JSON object."))?;
    let client_id = credential(&obj, "client_id")?
        .ok_or_else(|| bad_response("client_id", "The registration response has no `client_id`."))?;
    let client_secret = credential(&obj, "client_secret")?.map(Secret::new);
    let expires_at = timestamp(&obj, "client_secret_expires_at")?.unwrap_or(0);
    if client_secret.is_some() && expires_at != 0 && now >= expires_at {
        return Err(bad_response(
            "client_secret_expires_at",
            "The issued client secret has already expired.",
        ));
    }
    let method =
        match obj.get("token_endpoint_auth_method") {
            None | Some(Value::Null) => None,
            Some(Value::String(m)) => Some(match m.as_str() {
                "none" => ClientAuthMethod::None,
                "client_secret_basic" => ClientAuthMethod::ClientSecretBasic,
                "client_secret_post" => ClientAuthMethod::ClientSecretPost,
                _ => return Err(bad_response(
                    "token_endpoint_auth_method",
                    "The registered client authentication is not one of none, client_secret_basic, client_secret_post.",
                )),
            }),
            Some(_) => {
                return Err(bad_response(
                    "token_endpoint_auth_method",
                    "`token_endpoint_auth_method` must be a string.",
                ))
            }
        };
    if client_secret.is_none()
        && matches!(
            method,
            Some(ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost)
        )
    {
        return Err(bad_response(
            "client_secret",
            "The registered client authentication needs a `client_secret` the server did not issue.",
        ));
    }
    Ok(RegisteredClient {
        client_id,
        client_secret,
        client_secret_expires_at: expires_at,
        client_id_issued_at: timestamp(&obj, "client_id_issued_at")?,
        token_endpoint_auth_method: method,
    })
}

/// An RFC 7591 §3.2.2 error answer as a catalog error.
fn registration_error(response: &HttpResponse) -> Error {
    let obj = parse_object(response.body.as_bytes()).ok();
    let error = obj.as_ref().and_then(|o| o.get("error")).and_then(Value::as_str);
    let field = match error {
        Some("invalid_redirect_uri") => "redirect_uris",
        Some("invalid_client_metadata") => "client_metadata",
        Some("invalid_software_statement" | "unapproved_software_statement") => "software_statement",
        _ => {
            return bad_response(
                "error",
                "The registration endpoint answered 400 without a known registration error.",
            )
        }
    };
    let detail = obj
        .as_ref()
        .and_then(|o| o.get("error_description"))
        .and_then(Value::as_str)
        .filter(|d| !d.is_empty())
        .map(|d| crate::oauth::error_description(&truncate(d)))
        .unwrap_or_else(|| {
            format!(
                "The authorization server refused the registration ({}).",
                error.unwrap_or("")
            )
        });
    Error::field(ErrorCode::InvalidRequest, field, detail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(uris: &[&str]) -> ClientMetadata {
        ClientMetadata {
            redirect_uris: uris.iter().map(|s| s.to_string()).collect(),
            client_name: "authsome".into(),
            scope: Some("read write".into()),
        }
    }

    #[test]
    fn request_defaults_and_application_type() {
        let req = registration_request("https://as.example/register", &meta(&["com.example.app:/cb"]), false).unwrap();
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["application_type"], "native");
        assert_eq!(body["grant_types"], json!(["authorization_code", "refresh_token"]));
        assert_eq!(body["scope"], "read write");
        assert_eq!(req.header("content-type"), Some("application/json"));
        let web =
            registration_request("https://as.example/register", &meta(&["https://app.example/cb"]), false).unwrap();
        assert!(web.body.unwrap().contains(r#""application_type":"web""#));
    }

    #[test]
    fn request_refusals() {
        let e = |uris: &[&str]| registration_request("https://as.example/r", &meta(uris), false).unwrap_err();
        for uris in [
            &["http://app.example/cb"][..],
            &["javascript:alert(1)"],
            &["https://app.example/cb#x"],
            &["https://app.example/cb", "http://127.0.0.1/cb"],
            &[],
        ] {
            let err = e(uris);
            assert_eq!(
                (err.code(), err.field_name()),
                (ErrorCode::InvalidInput, Some("redirect_uris"))
            );
        }
        let err = registration_request("http://as.example/r", &meta(&["http://127.0.0.1/cb"]), true).unwrap_err();
        assert_eq!(err.field_name(), Some("registration_endpoint"));
        assert!(registration_request("http://127.0.0.1:9/r", &meta(&["http://127.0.0.1/cb"]), true).is_ok());
    }

    #[test]
    fn response_parsing() {
        let ok = HttpResponse::new(201)
            .with_body(r#"{"client_id":"abc","client_secret":"s3cr3t","client_secret_expires_at":2000}"#);
        let c = registration_response(&ok, 1000).unwrap();
        assert_eq!(c.client_secret.as_ref().map(Secret::expose), Some("s3cr3t"));
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert!(c.secret_expired(2000));
        let err = registration_response(&ok, 2000).unwrap_err();
        assert_eq!(err.field_name(), Some("client_secret_expires_at"));
        let err = registration_response(&HttpResponse::new(201).with_body("{}"), 0).unwrap_err();
        assert_eq!(
            (err.code(), err.field_name()),
            (ErrorCode::InvalidResponse, Some("client_id"))
        );
        let err = registration_response(
            &HttpResponse::new(400).with_body(r#"{"error":"invalid_redirect_uri","error_description":"bad \"uri\""}"#),
            0,
        )
        .unwrap_err();
        assert_eq!(
            (err.code(), err.field_name()),
            (ErrorCode::InvalidRequest, Some("redirect_uris"))
        );
        assert_eq!(
            registration_response(&HttpResponse::new(503), 0).unwrap_err().code(),
            ErrorCode::ServerError
        );
    }
}
