//! `grants`: token requests beyond the authorization code, as in
//! `bindings-node/js/NATIVE.md`. Conversions only; the rules are the core's.

use authcore::grants::{self, GrantRequest, TokenEndpoint, TokenEndpointAuth};
use authcore::http::HttpResponse;
use authcore::jwt::KeySpec;
use wasm_bindgen::prelude::*;

use super::{from_json, int, rng, to_json, Core, R};

/// The token-endpoint request (JSON HttpRequest) for a GrantRequest at a TokenEndpoint,
/// authenticated by a TokenEndpointAuth (all JSON).
#[wasm_bindgen(js_name = grantRequest)]
pub fn grant_request(
    endpoint_json: &str,
    auth_json: &str,
    request_json: &str,
    now: f64,
    entropy: Option<Vec<u8>>,
    backend: Option<String>,
) -> R<String> {
    let e: TokenEndpoint = from_json(endpoint_json, "endpoint")?;
    let a: TokenEndpointAuth = from_json(auth_json, "auth")?;
    let r: GrantRequest = from_json(request_json, "request")?;
    let b = super::backend(backend)?;
    to_json(&grants::token_request_with_backend(&e, &a, &r, int(now, "now")?, &mut rng(entropy), b).js()?)
}

/// A `private_key_jwt` client assertion (the JWT text).
#[wasm_bindgen(js_name = clientAssertion)]
pub fn client_assertion(
    endpoint_json: &str,
    client_id: &str,
    key_json: &str,
    now: f64,
    entropy: Option<Vec<u8>>,
    lifetime: Option<f64>,
    backend: Option<String>,
) -> R<String> {
    let e: TokenEndpoint = from_json(endpoint_json, "endpoint")?;
    let k: KeySpec = from_json(key_json, "key")?;
    let lifetime = lifetime.map(|l| int(l, "lifetime")).transpose()?;
    let b = super::backend(backend)?;
    grants::client_assertion(&e, client_id, &k, lifetime, int(now, "now")?, &mut rng(entropy), b).js()
}

/// The answer to an access-token request (JSON TokenSet).
#[wasm_bindgen(js_name = grantResponse)]
pub fn grant_response(request_json: &str, response_json: &str, now: f64) -> R<String> {
    let q: GrantRequest = from_json(request_json, "request")?;
    let r: HttpResponse = from_json(response_json, "response")?;
    to_json(&grants::token_response(&q, &r, int(now, "now")?).js()?)
}

/// The answer to a token-exchange request (JSON ExchangedToken).
#[wasm_bindgen(js_name = tokenExchangeResponse)]
pub fn token_exchange_response(request_json: &str, response_json: &str, now: f64) -> R<String> {
    let q: GrantRequest = from_json(request_json, "request")?;
    let r: HttpResponse = from_json(response_json, "response")?;
    to_json(&grants::token_exchange_response(&q, &r, int(now, "now")?).js()?)
}

/// The token-endpoint authentication method's RFC 8414 name.
#[wasm_bindgen(js_name = chooseAuthMethod)]
pub fn choose_auth_method(
    registered: Option<String>,
    supported_json: Option<String>,
    has_secret: bool,
    has_key: bool,
) -> R<String> {
    let supported: Option<Vec<String>> = supported_json
        .as_deref()
        .map(|s| from_json(s, "supported"))
        .transpose()?;
    let m = grants::choose_auth_method(registered.as_deref(), supported.as_deref(), has_secret, has_key).js()?;
    Ok(m.as_str().to_owned())
}

/// The enterprise-managed token exchange (ID token to ID-JAG): JSON GrantRequest.
#[wasm_bindgen(js_name = idJagRequest)]
pub fn id_jag_request(id_token: &str, authorization_server: &str, resource: &str, scope: Option<String>) -> R<String> {
    to_json(&grants::id_jag_request(
        id_token,
        authorization_server,
        resource,
        scope.as_deref(),
    ))
}
