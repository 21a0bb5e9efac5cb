//! `broker` additions: the default connection, revocation (RFC 7009) and introspection (RFC
//! 7662), as in `js/NATIVE.md`. Conversions only; the rules are the core's
//! (`authcore::broker`, `authcore::revocation`).

use authcore::broker::{self, Connection};
use authcore::http::HttpResponse;
use authcore::revocation::{self, ClientAuth};
use napi_derive::napi;

use super::{guard, out, parse, parse_opt, Broker};

#[napi]
impl Broker {
    /// The revocation requests for `provider`'s connections and the records to delete (JSON).
    #[napi]
    pub fn revoke(
        &self,
        provider: String,
        connections_json: String,
        client_json: Option<String>,
    ) -> napi::Result<String> {
        guard(|| {
            let conns: Vec<Connection> = parse(&connections_json, "connections")?;
            let client: Option<ClientAuth> = parse_opt(client_json.as_deref(), "client")?;
            out(&self.inner.revoke(&provider, &conns, client.as_ref())?)
        })
    }

    /// The provider listing (JSON `[ProviderSummary]`, no secret).
    #[napi]
    pub fn provider_listing(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.provider_listing()))
    }

    /// Provider `name`'s definition (JSON), its `client_secret` redacted unless `reveal`.
    #[napi]
    pub fn show_provider(&self, name: String, reveal: bool) -> napi::Result<String> {
        guard(|| out(&self.inner.show_provider(&name, reveal)?))
    }

    /// The introspection request for `token` at `provider` (JSON).
    #[napi]
    pub fn introspect(
        &self,
        provider: String,
        token: String,
        token_type_hint: Option<String>,
        client_json: Option<String>,
    ) -> napi::Result<String> {
        guard(|| {
            let client: Option<ClientAuth> = parse_opt(client_json.as_deref(), "client")?;
            out(&self
                .inner
                .introspect(&provider, &token, token_type_hint.as_deref(), client.as_ref())?)
        })
    }
}

/// The connections with `connection` made `provider`'s one default (JSON).
#[napi]
pub fn set_default(connections_json: String, provider: String, connection: String) -> napi::Result<String> {
    guard(|| {
        let conns: Vec<Connection> = parse(&connections_json, "connections")?;
        out(&broker::set_default(&conns, &provider, &connection)?)
    })
}

/// The answer to a revocation request (JSON `{type: "revoked" | "retry" | "unsupported_token_type"}`).
#[napi]
pub fn revocation_outcome(response_json: String) -> napi::Result<String> {
    guard(|| {
        let r: HttpResponse = parse(&response_json, "response")?;
        out(&revocation::revocation_outcome(&r)?)
    })
}

/// An introspection answer (JSON `{type: "active", ...}` or `{type: "inactive"}`).
#[napi]
pub fn introspection_outcome(response_json: String, now: i64) -> napi::Result<String> {
    guard(|| {
        let r: HttpResponse = parse(&response_json, "response")?;
        out(&revocation::introspection_outcome(&r, now)?)
    })
}
