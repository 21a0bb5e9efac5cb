//! `broker` additions (with `server`): the default connection, revocation (RFC 7009) and
//! introspection (RFC 7662), as in `bindings-node/js/NATIVE.md`. Conversions only; the rules
//! are the core's (`authcore::broker`, `authcore::revocation`).

use authcore::broker::{self, Connection};
use authcore::http::HttpResponse;
use authcore::revocation::{self, ClientAuth};
use wasm_bindgen::prelude::*;

use super::{from_json, int, opt_json, to_json, Broker, Core, R};

#[wasm_bindgen]
impl Broker {
    /// The revocation requests for `provider`'s connections and the records to delete: JSON.
    pub fn revoke(&self, provider: &str, connections_json: &str, client_json: Option<String>) -> R<String> {
        let conns: Vec<Connection> = from_json(connections_json, "connections")?;
        let client: Option<ClientAuth> = opt_json(client_json, "client")?;
        to_json(&self.inner.revoke(provider, &conns, client.as_ref()).js()?)
    }

    /// The provider listing: JSON `[ProviderSummary]`, no secret.
    #[wasm_bindgen(js_name = providerListing)]
    pub fn provider_listing(&self) -> R<String> {
        to_json(&self.inner.provider_listing())
    }

    /// Provider `name`'s definition: JSON, its `client_secret` redacted unless `reveal`.
    #[wasm_bindgen(js_name = showProvider)]
    pub fn show_provider(&self, name: &str, reveal: bool) -> R<String> {
        to_json(&self.inner.show_provider(name, reveal).js()?)
    }

    /// The introspection request for `token` at `provider`: JSON.
    pub fn introspect(
        &self,
        provider: &str,
        token: &str,
        token_type_hint: Option<String>,
        client_json: Option<String>,
    ) -> R<String> {
        let client: Option<ClientAuth> = opt_json(client_json, "client")?;
        to_json(
            &self
                .inner
                .introspect(provider, token, token_type_hint.as_deref(), client.as_ref())
                .js()?,
        )
    }
}

/// The connections with `connection` made `provider`'s one default: JSON.
#[wasm_bindgen(js_name = setDefault)]
pub fn set_default(connections_json: &str, provider: &str, connection: &str) -> R<String> {
    let conns: Vec<Connection> = from_json(connections_json, "connections")?;
    to_json(&broker::set_default(&conns, provider, connection).js()?)
}

/// The answer to a revocation request: JSON `{type: "revoked" | "retry" | "unsupported_token_type"}`.
#[wasm_bindgen(js_name = revocationOutcome)]
pub fn revocation_outcome(response_json: &str) -> R<String> {
    let r: HttpResponse = from_json(response_json, "response")?;
    to_json(&revocation::revocation_outcome(&r).js()?)
}

/// An introspection answer: JSON `{type: "active", ...}` or `{type: "inactive"}`.
#[wasm_bindgen(js_name = introspectionOutcome)]
pub fn introspection_outcome(response_json: &str, now: f64) -> R<String> {
    let r: HttpResponse = from_json(response_json, "response")?;
    to_json(&revocation::introspection_outcome(&r, int(now, "now")?).js()?)
}
