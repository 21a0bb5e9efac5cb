//! `grants`: token requests beyond the authorization code (client authentication incl.
//! `private_key_jwt`, client credentials, JWT bearer, token exchange), as in `js/NATIVE.md`.
//! Conversions only; the rules are the core's (`authcore::grants`).

use authcore::grants::{self, GrantRequest, TokenEndpoint, TokenEndpointAuth};
use authcore::http::HttpResponse;
use authcore::jwt::KeySpec;
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;

use super::{backend, guard, out, parse, parse_opt, rng};

/// The token-endpoint request (JSON HttpRequest) for a GrantRequest at a TokenEndpoint,
/// authenticated by a TokenEndpointAuth (all JSON).
#[napi]
pub fn grant_request(
    endpoint_json: String,
    auth_json: String,
    request_json: String,
    now: i64,
    entropy: Option<Uint8Array>,
    backend_name: Option<String>,
) -> napi::Result<String> {
    guard(|| {
        let e: TokenEndpoint = parse(&endpoint_json, "endpoint")?;
        let a: TokenEndpointAuth = parse(&auth_json, "auth")?;
        let r: GrantRequest = parse(&request_json, "request")?;
        let b = backend(backend_name.as_deref())?;
        out(&grants::token_request_with_backend(
            &e,
            &a,
            &r,
            now,
            &mut rng(entropy.as_deref()),
            b,
        )?)
    })
}

/// A `private_key_jwt` client assertion (the JWT text).
#[napi]
pub fn client_assertion(
    endpoint_json: String,
    client_id: String,
    key_json: String,
    now: i64,
    entropy: Option<Uint8Array>,
    lifetime: Option<i64>,
    backend_name: Option<String>,
) -> napi::Result<String> {
    guard(|| {
        let e: TokenEndpoint = parse(&endpoint_json, "endpoint")?;
        let k: KeySpec = parse(&key_json, "key")?;
        let b = backend(backend_name.as_deref())?;
        Ok(grants::client_assertion(
            &e,
            &client_id,
            &k,
            lifetime,
            now,
            &mut rng(entropy.as_deref()),
            b,
        )?)
    })
}

/// The answer to an access-token request (JSON TokenSet).
#[napi]
pub fn grant_response(request_json: String, response_json: String, now: i64) -> napi::Result<String> {
    guard(|| {
        let q: GrantRequest = parse(&request_json, "request")?;
        let r: HttpResponse = parse(&response_json, "response")?;
        out(&grants::token_response(&q, &r, now)?)
    })
}

/// The answer to a token-exchange request (JSON ExchangedToken).
#[napi]
pub fn token_exchange_response(request_json: String, response_json: String, now: i64) -> napi::Result<String> {
    guard(|| {
        let q: GrantRequest = parse(&request_json, "request")?;
        let r: HttpResponse = parse(&response_json, "response")?;
        out(&grants::token_exchange_response(&q, &r, now)?)
    })
}

/// The token-endpoint authentication method's RFC 8414 name.
#[napi]
pub fn choose_auth_method(
    registered: Option<String>,
    supported_json: Option<String>,
    has_secret: bool,
    has_key: bool,
) -> napi::Result<String> {
    guard(|| {
        let supported: Option<Vec<String>> = parse_opt(supported_json.as_deref(), "supported")?;
        let m = grants::choose_auth_method(registered.as_deref(), supported.as_deref(), has_secret, has_key)?;
        Ok(m.as_str().to_owned())
    })
}

/// The enterprise-managed token exchange (ID token to ID-JAG): JSON GrantRequest.
#[napi]
pub fn id_jag_request(
    id_token: String,
    authorization_server: String,
    resource: String,
    scope: Option<String>,
) -> napi::Result<String> {
    guard(|| {
        out(&grants::id_jag_request(
            &id_token,
            &authorization_server,
            &resource,
            scope.as_deref(),
        ))
    })
}
