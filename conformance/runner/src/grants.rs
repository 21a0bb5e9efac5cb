//! The `grants.*` operations: token requests beyond the authorization code.

use authcore::grants::{self, GrantRequest, TokenEndpoint, TokenEndpointAuth};
use authcore::jwt::{Backend, KeySpec};
use serde_json::{json, Value};

use crate::{arg, entropy, opt, out, OpResult};

pub(crate) fn dispatch(op: &str, input: &Value, backend: Backend) -> OpResult {
    let now = || arg::<i64>(input, "now");
    Ok(match op {
        "grants.request" => {
            let endpoint: TokenEndpoint = arg(input, "endpoint")?;
            let auth: TokenEndpointAuth = arg(input, "auth")?;
            let request: GrantRequest = arg(input, "request")?;
            grants::token_request_with_backend(&endpoint, &auth, &request, now()?, &mut entropy(input)?, backend)
                .map(|r| out(&r))
        }
        "grants.client_assertion" => {
            let endpoint: TokenEndpoint = arg(input, "endpoint")?;
            let key: KeySpec = arg(input, "key")?;
            grants::client_assertion(
                &endpoint,
                &arg::<String>(input, "client_id")?,
                &key,
                opt(input, "lifetime")?,
                now()?,
                &mut entropy(input)?,
                backend,
            )
            .map(|a| json!({ "assertion": a }))
        }
        "grants.response" => {
            let request: GrantRequest = arg(input, "request")?;
            grants::token_response(&request, &arg(input, "response")?, now()?).map(|t| out(&t))
        }
        "grants.token_exchange_response" => {
            let request: GrantRequest = arg(input, "request")?;
            grants::token_exchange_response(&request, &arg(input, "response")?, now()?).map(|t| out(&t))
        }
        "grants.choose_auth_method" => {
            let registered: Option<String> = opt(input, "registered")?;
            let supported: Option<Vec<String>> = opt(input, "supported")?;
            grants::choose_auth_method(
                registered.as_deref(),
                supported.as_deref(),
                opt(input, "has_secret")?.unwrap_or(false),
                opt(input, "has_key")?.unwrap_or(false),
            )
            .map(|m| json!({ "method": m.as_str() }))
        }
        "grants.id_jag_request" => {
            let scope: Option<String> = opt(input, "scope")?;
            Ok(out(&grants::id_jag_request(
                &arg::<String>(input, "id_token")?,
                &arg::<String>(input, "authorization_server")?,
                &arg::<String>(input, "resource")?,
                scope.as_deref(),
            )))
        }
        _ => return Err(format!("unknown operation `{op}`")),
    })
}
