//! Token revocation (RFC 7009) and token introspection (RFC 7662) for broker connections.
//!
//! Both are sans-IO: the core builds the requests and reads the answers; the host sends them.
//!
//! * [`revocation_plan`]: for a provider and the stored connections, the revocation requests
//!   to send — for each OAuth connection of that provider, its refresh token first (revoking
//!   it also ends the access tokens issued from it, RFC 7009 §2.1), then its access token, each
//!   with its `token_type_hint` — and the connection records to delete once every request has
//!   a final outcome. A provider without a `revocation_endpoint`, and API-key connections,
//!   need no request: their records are simply deleted.
//! * [`revocation_outcome`]: 2xx is `revoked`, also for a token the server did not know (RFC
//!   7009 §2.2); 503 is `retry` (with `Retry-After` seconds when given); an
//!   `unsupported_token_type` error is its own outcome (the server does not revoke that kind
//!   of token: the local record goes anyway); any other error is an error value.
//! * [`introspection_request`] and [`introspection_outcome`]: `active` with the members RFC
//!   7662 §2.2 defines, or `inactive` — also when the server says active but `exp` has passed
//!   or `nbf` has not come.
//!
//! Client authentication is what [`ClientAuth`] says: `none` (a public client: `client_id` in
//! the body), `client_secret_basic` (RFC 6749 §2.3.1: HTTP Basic over the form-encoded id and
//! secret) or `client_secret_post` (both in the body). Without a [`ClientAuth`], the
//! provider's own client: its `client_id`, its `client_secret` (configured, or registered by
//! RFC 7591 dynamic client registration) and its `token_endpoint_auth_method` (absent:
//! `client_secret_basic` with a secret, `none` without). A [`ClientAuth`] member overrides
//! the provider's; the provider's secret and method are only used with the provider's own
//! `client_id`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::broker::{Connection, ConnectionCredential, Provider};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{form_encode, HttpRequest, HttpResponse};
use crate::oauth::error_from_str;
use crate::secret::Secret;
use crate::util::quote_input;

/// How a client authenticates to the revocation or introspection endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// A public client: `client_id` in the body, no secret.
    #[default]
    None,
    /// HTTP Basic with the form-encoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the body.
    ClientSecretPost,
}

/// The client credentials for revocation and introspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ClientAuth {
    /// The client id (default: the provider's `client_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The client secret (required by the `client_secret_*` methods; default: the
    /// provider's, when the client id is the provider's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// How to send them (default: the provider's `token_endpoint_auth_method` when the client
    /// id is the provider's, else `client_secret_basic` with a secret, else `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<ClientAuthMethod>,
}

/// One revocation request to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevocationRequest {
    /// The connection whose token it revokes.
    pub connection: String,
    /// `refresh_token` or `access_token`.
    pub token_type_hint: String,
    /// The request (holds the token).
    pub request: HttpRequest,
}

/// A stored connection record, by key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConnectionRef {
    /// The provider's name.
    pub provider: String,
    /// The connection's name.
    pub name: String,
}

/// What revoking a provider's connections takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevocationPlan {
    /// The requests to send, in order (empty when the provider has no revocation endpoint).
    pub requests: Vec<RevocationRequest>,
    /// The records to delete once every request has a final outcome (anything but `retry`).
    pub delete: Vec<ConnectionRef>,
}

/// The answer to one revocation request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RevocationOutcome {
    /// The token is revoked (or was unknown to the server, which is the same to the client).
    Revoked,
    /// The server is unavailable (503): send the request again later.
    Retry {
        /// `Retry-After` in seconds, when the server gave it as a number.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<i64>,
    },
    /// The server does not revoke this type of token; the local record is deleted anyway.
    UnsupportedTokenType,
}

/// An introspection answer (RFC 7662 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
// One value per introspection call, never stored in bulk: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Introspection {
    /// The token is active.
    Active {
        /// Granted scopes (from the space-separated `scope`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        scope: Vec<String>,
        /// The client the token was issued to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// The resource owner's human-readable name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        username: Option<String>,
        /// The token type, e.g. `Bearer`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_type: Option<String>,
        /// Expiry (Unix seconds).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exp: Option<i64>,
        /// Issue time (Unix seconds).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        iat: Option<i64>,
        /// Not-before time (Unix seconds).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nbf: Option<i64>,
        /// The subject.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sub: Option<String>,
        /// Audiences (a single `aud` string as a one-item list).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        aud: Vec<String>,
        /// The issuer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        iss: Option<String>,
        /// The token identifier.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jti: Option<String>,
    },
    /// The token is not active (revoked, expired, unknown, or not for this client).
    Inactive,
}

/// The request body pairs and headers for client authentication.
fn authenticate(
    provider: &Provider,
    client: Option<&ClientAuth>,
    pairs: &mut Vec<(&'static str, String)>,
    request: &mut HttpRequest,
) -> Result<()> {
    let default = ClientAuth::default();
    let client = client.unwrap_or(&default);
    // The provider's registered secret and method belong to its own client id only.
    let own = client.client_id.is_none() || client.client_id == provider.client_id;
    let id = client.client_id.clone().or_else(|| provider.client_id.clone());
    let secret = client
        .client_secret
        .clone()
        .or_else(|| own.then(|| provider.client_secret.clone()).flatten());
    let method = client
        .method
        .or_else(|| own.then_some(provider.token_endpoint_auth_method).flatten())
        .unwrap_or(if secret.is_some() {
            ClientAuthMethod::ClientSecretBasic
        } else {
            ClientAuthMethod::None
        });
    let need = |v: Option<String>, field: &str| {
        v.filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidInput,
                format!("client.{field}"),
                format!("This client authentication method needs a `{field}`."),
            )
        })
    };
    match method {
        ClientAuthMethod::None => {
            if let Some(id) = id {
                pairs.push(("client_id", id));
            }
        }
        ClientAuthMethod::ClientSecretPost => {
            pairs.push(("client_id", need(id, "client_id")?));
            let secret = need(secret.as_ref().map(|s| s.expose().to_owned()), "client_secret")?;
            pairs.push(("client_secret", secret));
        }
        ClientAuthMethod::ClientSecretBasic => {
            let id = need(id, "client_id")?;
            let secret = need(secret.as_ref().map(|s| s.expose().to_owned()), "client_secret")?;
            request.set_header("Authorization", crate::grants::basic_authorization(&id, &secret));
        }
    }
    Ok(())
}

fn post(
    endpoint: &str,
    provider: &Provider,
    client: Option<&ClientAuth>,
    mut pairs: Vec<(&'static str, String)>,
) -> Result<HttpRequest> {
    let mut request = HttpRequest::new("POST", endpoint);
    authenticate(provider, client, &mut pairs, &mut request)?;
    request.set_header("Accept", "application/json");
    request.set_header("Content-Type", "application/x-www-form-urlencoded");
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    request.body = Some(form_encode(&borrowed));
    Ok(request)
}

/// The revocation requests for `provider`'s connections among `connections` (sorted by
/// connection name; per connection the refresh token, then the access token) and the records
/// to delete afterwards (every connection of the provider). See the module docs.
pub fn revocation_plan(
    provider: &Provider,
    connections: &[Connection],
    client: Option<&ClientAuth>,
) -> Result<RevocationPlan> {
    let mut mine: Vec<&Connection> = connections.iter().filter(|c| c.provider == provider.name).collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    let mut requests = Vec::new();
    if let Some(endpoint) = &provider.revocation_endpoint {
        for c in &mine {
            let ConnectionCredential::Oauth { tokens } = &c.credential else {
                continue;
            };
            let mut tokens_to_revoke = Vec::new();
            if let Some(r) = tokens.refresh_token.as_ref().filter(|r| !r.expose().is_empty()) {
                tokens_to_revoke.push(("refresh_token", r.expose()));
            }
            if !tokens.access_token.expose().is_empty() {
                tokens_to_revoke.push(("access_token", tokens.access_token.expose()));
            }
            for (hint, token) in tokens_to_revoke {
                let pairs = vec![("token", token.to_owned()), ("token_type_hint", hint.to_owned())];
                requests.push(RevocationRequest {
                    connection: c.name.clone(),
                    token_type_hint: hint.to_owned(),
                    request: post(endpoint, provider, client, pairs)?,
                });
            }
        }
    }
    Ok(RevocationPlan {
        requests,
        delete: mine
            .iter()
            .map(|c| ConnectionRef {
                provider: c.provider.clone(),
                name: c.name.clone(),
            })
            .collect(),
    })
}

/// The error an RFC 6749 §5.2-shaped error answer stands for; `what` names the endpoint.
fn error_answer(response: &HttpResponse, obj: Option<&Map<String, Value>>, what: &str) -> Error {
    if response.status >= 500 {
        return Error::with_detail(
            ErrorCode::ServerError,
            format!("The {what} endpoint answered {}.", response.status),
        );
    }
    let error = obj.and_then(|o| o.get("error")).and_then(Value::as_str);
    match error.and_then(error_from_str) {
        Some(code) => Error::with_detail(
            code,
            format!("The {what} endpoint refused the request ({}).", code.as_str()),
        ),
        None => Error::field(
            ErrorCode::InvalidResponse,
            "error",
            format!(
                "The {what} endpoint answered {} without a known OAuth error.",
                response.status
            ),
        ),
    }
}

/// Reads the answer to one revocation request (RFC 7009 §2.2, §2.2.1).
pub fn revocation_outcome(response: &HttpResponse) -> Result<RevocationOutcome> {
    if response.is_success() {
        return Ok(RevocationOutcome::Revoked);
    }
    if response.status == 503 {
        let retry_after = response
            .header("Retry-After")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|s| *s >= 0);
        return Ok(RevocationOutcome::Retry { retry_after });
    }
    let obj = crate::json::parse_object(response.body.as_bytes()).ok();
    if obj.as_ref().and_then(|o| o.get("error")).and_then(Value::as_str) == Some("unsupported_token_type") {
        return Ok(RevocationOutcome::UnsupportedTokenType);
    }
    Err(error_answer(response, obj.as_ref(), "revocation"))
}

/// The introspection request for `token` (RFC 7662 §2.1) with an optional `token_type_hint`
/// (`access_token` or `refresh_token`). `invalid_provider` naming `introspection_endpoint`
/// when the provider has none; `invalid_input` naming `token` or `token_type_hint`.
pub fn introspection_request(
    provider: &Provider,
    token: &str,
    token_type_hint: Option<&str>,
    client: Option<&ClientAuth>,
) -> Result<HttpRequest> {
    let endpoint = provider.introspection_endpoint.as_deref().ok_or_else(|| {
        Error::field(
            ErrorCode::InvalidProvider,
            "introspection_endpoint",
            format!(
                "Provider `{}` has no introspection endpoint.",
                quote_input(&provider.name)
            ),
        )
    })?;
    if token.is_empty() {
        return Err(Error::field(ErrorCode::InvalidInput, "token", "The token is empty."));
    }
    let mut pairs = vec![("token", token.to_owned())];
    match token_type_hint {
        None => {}
        Some(h @ ("access_token" | "refresh_token")) => pairs.push(("token_type_hint", h.to_owned())),
        Some(_) => {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "token_type_hint",
                "The hint is `access_token` or `refresh_token`.",
            ))
        }
    }
    post(endpoint, provider, client, pairs)
}

/// Reads an introspection answer (RFC 7662 §2.2, §2.3) at `now`. A 200 JSON object with a
/// boolean `active` is the answer; `active: false` is [`Introspection::Inactive`] whatever
/// else it says, and so is an active token whose `exp` has passed or whose `nbf` is still
/// ahead. A member of the wrong type is `invalid_response` naming it; an error answer is its
/// catalog code (`invalid_client`, `server_error`, …).
pub fn introspection_outcome(response: &HttpResponse, now: i64) -> Result<Introspection> {
    let obj = crate::json::parse_object(response.body.as_bytes()).ok();
    if response.status != 200 {
        return Err(error_answer(response, obj.as_ref(), "introspection"));
    }
    let bad = |field: &str, what: &str| {
        Error::field(
            ErrorCode::InvalidResponse,
            field,
            format!("The introspection answer's `{field}` must be {what}."),
        )
    };
    let obj = obj.ok_or_else(|| bad("body", "a JSON object"))?;
    let active = obj
        .get("active")
        .and_then(Value::as_bool)
        .ok_or_else(|| bad("active", "true or false"))?;
    if !active {
        return Ok(Introspection::Inactive);
    }
    let text = |field: &str| -> Result<Option<String>> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(field, "a string")),
        }
    };
    let time = |field: &str| -> Result<Option<i64>> {
        match obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| bad(field, "an integer (Unix seconds)")),
        }
    };
    let scope = text("scope")?
        .map(|s| s.split(' ').filter(|p| !p.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default();
    let aud = match obj.get("aud") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("aud", "a string or a list of strings"))?,
        Some(_) => return Err(bad("aud", "a string or a list of strings")),
    };
    let (exp, nbf) = (time("exp")?, time("nbf")?);
    if exp.is_some_and(|e| now >= e) || nbf.is_some_and(|n| now < n) {
        return Ok(Introspection::Inactive);
    }
    Ok(Introspection::Active {
        scope,
        client_id: text("client_id")?,
        username: text("username")?,
        token_type: text("token_type")?,
        exp,
        iat: time("iat")?,
        nbf,
        sub: text("sub")?,
        aud,
        iss: text("iss")?,
        jti: text("jti")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        let r = |status: u16| HttpResponse::new(status);
        assert_eq!(revocation_outcome(&r(200)).unwrap(), RevocationOutcome::Revoked);
        assert_eq!(revocation_outcome(&r(204)).unwrap(), RevocationOutcome::Revoked);
        assert_eq!(
            revocation_outcome(&r(503).with_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")).unwrap(),
            RevocationOutcome::Retry { retry_after: None }
        );
        assert_eq!(
            revocation_outcome(&r(400).with_body(r#"{"error":"invalid_request"}"#))
                .unwrap_err()
                .code(),
            ErrorCode::InvalidRequest
        );
        let active = r(200).with_body(r#"{"active":true,"exp":10}"#);
        assert!(matches!(
            introspection_outcome(&active, 9).unwrap(),
            Introspection::Active { exp: Some(10), .. }
        ));
        assert_eq!(introspection_outcome(&active, 10).unwrap(), Introspection::Inactive);
        assert_eq!(
            introspection_outcome(&r(200).with_body("[]"), 0)
                .unwrap_err()
                .field_name(),
            Some("body")
        );
    }
}
