//! The JSON Schema of every shape that crosses a binding boundary (feature `schema`).
//!
//! [`document`] returns one JSON Schema (draft 2020-12) whose `$defs` hold every input and
//! output type under its Rust name, derived from the same serde attributes that define the
//! wire shape. The schema describes what the core *accepts* (serde's deserialising view): a
//! member with a default, or an `Option`, is optional; an output always fits it. Settings
//! types that a JavaScript constructor takes as a camelCase options object carry
//! `"x-authcore-options": true`. The generated Python and TypeScript types are written from
//! this document (`conformance/typegen`).

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::{
    authflow, broker, cors, device, discovery, dpop, error, gate, grants, http, jwt, mcp_server, oauth, password,
    refresh, registration, revocation, session, signin, tokens, vault,
};

/// Adds `T` (and everything it refers to) to the generator's definitions.
fn add<T: JsonSchema>(g: &mut SchemaGenerator) {
    let _ = g.subschema_for::<T>();
}

/// The JSON Schema document: `{"$schema", "$id", "title", "$defs": {Name: schema, ...}}`, with
/// `$defs` sorted by name and every reference written as `#/$defs/Name`.
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/$defs".into();
    let mut g = SchemaGenerator::new(settings);
    add::<error::Error>(&mut g);
    add::<error::ErrorCode>(&mut g);
    add::<http::HttpRequest>(&mut g);
    add::<http::HttpResponse>(&mut g);
    // jwt
    add::<jwt::KeySpec>(&mut g);
    add::<jwt::VerifierConfig>(&mut g);
    add::<jwt::VerifierSpec>(&mut g);
    add::<jwt::IssuerConfig>(&mut g);
    add::<jwt::VerifiedToken>(&mut g);
    add::<jwt::SkippedKey>(&mut g);
    add::<jwt::JwksReport>(&mut g);
    add::<jwt::Backend>(&mut g);
    add::<jwt::JwksCacheConfig>(&mut g);
    add::<jwt::JwksCacheStatus>(&mut g);
    add::<jwt::JwksAction>(&mut g);
    add::<jwt::JwksLookup>(&mut g);
    add::<jwt::JwksVerify>(&mut g);
    add::<jwt::cache::JwksCacheSnapshot>(&mut g);
    // tokens and the request driver
    add::<tokens::TokenSet>(&mut g);
    add::<tokens::Freshness>(&mut g);
    add::<tokens::StoredTokens>(&mut g);
    add::<tokens::ClientConfig>(&mut g);
    add::<tokens::DriverStatus>(&mut g);
    add::<tokens::DriverSnapshot>(&mut g);
    add::<tokens::Action>(&mut g);
    // device grant
    add::<device::DeviceClientConfig>(&mut g);
    add::<device::DeviceStatus>(&mut g);
    add::<device::DeviceAction>(&mut g);
    add::<device::client::DeviceClientSnapshot>(&mut g);
    add::<device::DeviceServerConfig>(&mut g);
    add::<device::DeviceGrant>(&mut g);
    add::<device::IssuedGrant>(&mut g);
    add::<device::TokenRequest>(&mut g);
    add::<device::AuthorizationRequest>(&mut g);
    add::<device::PollOutcome>(&mut g);
    add::<device::UserCodeCheck>(&mut g);
    add::<device::EntryLimiter>(&mut g);
    add::<device::EntryOutcome>(&mut g);
    add::<device::Consent>(&mut g);
    // sessions, gate
    add::<session::SessionConfig>(&mut g);
    add::<session::Session>(&mut g);
    add::<session::NewSession>(&mut g);
    add::<session::SignIn>(&mut g);
    add::<session::SessionValid>(&mut g);
    add::<gate::GateConfig>(&mut g);
    add::<gate::Classified>(&mut g);
    add::<gate::Lookup>(&mut g);
    add::<gate::Decision>(&mut g);
    // passwords, refresh tokens, OAuth
    add::<password::PasswordPolicy>(&mut g);
    add::<password::Registration>(&mut g);
    add::<password::NewAccount>(&mut g);
    add::<password::StoredCredentials>(&mut g);
    add::<password::Login>(&mut g);
    add::<refresh::RefreshConfig>(&mut g);
    add::<refresh::RefreshRecord>(&mut g);
    add::<refresh::IssuedRefresh>(&mut g);
    add::<refresh::Rotation>(&mut g);
    add::<refresh::RefreshRequest>(&mut g);
    add::<discovery::WellKnown>(&mut g);
    add::<discovery::ProviderMetadata>(&mut g);
    add::<oauth::Pkce>(&mut g);
    add::<oauth::StoredChallenge>(&mut g);
    add::<oauth::AuthCodeConfig>(&mut g);
    add::<oauth::PendingAuthorization>(&mut g);
    add::<oauth::AuthorizationStart>(&mut g);
    add::<oauth::CallbackOutcome>(&mut g);
    // broker
    add::<broker::Provider>(&mut g);
    add::<broker::ProviderSet>(&mut g);
    add::<broker::ProviderSummary>(&mut g);
    add::<broker::Connection>(&mut g);
    add::<broker::Route>(&mut g);
    add::<broker::Resolution>(&mut g);
    add::<broker::KeyFile>(&mut g);
    add::<broker::Readiness>(&mut g);
    // revocation and introspection
    add::<revocation::ClientAuth>(&mut g);
    add::<revocation::RevocationPlan>(&mut g);
    add::<revocation::RevocationOutcome>(&mut g);
    add::<revocation::Introspection>(&mut g);
    // MCP resource server
    add::<mcp_server::ResourceMetadata>(&mut g);
    // CORS
    add::<cors::CorsConfig>(&mut g);
    add::<cors::CorsDecision>(&mut g);
    // login limits, token response mapping
    add::<password::LoginLimits>(&mut g);
    add::<password::LoginAttempt>(&mut g);
    add::<tokens::ResponseFields>(&mut g);
    add::<tokens::RefreshBody>(&mut g);
    // one-time sign-in: desktop codes, magic links
    add::<signin::DesktopSignInConfig>(&mut g);
    add::<signin::DesktopCode>(&mut g);
    add::<signin::IssuedDesktopCode>(&mut g);
    add::<signin::DesktopRedeem>(&mut g);
    add::<signin::DesktopExchangeRequest>(&mut g);
    add::<signin::DesktopExchange>(&mut g);
    add::<signin::DesktopClientConfig>(&mut g);
    add::<signin::DesktopSession>(&mut g);
    add::<signin::DesktopAction>(&mut g);
    add::<signin::DesktopStatus>(&mut g);
    add::<signin::client::DesktopClientSnapshot>(&mut g);
    add::<signin::MagicLinkConfig>(&mut g);
    add::<signin::MagicLinkRecord>(&mut g);
    add::<signin::IssuedMagicLink>(&mut g);
    add::<signin::MagicLinkRedeemed>(&mut g);
    // vault
    add::<vault::SealedRecord>(&mut g);
    add::<vault::SealedInfo>(&mut g);
    add::<vault::MasterKeyInfo>(&mut g);
    // dynamic client registration, auth sessions
    add::<registration::ClientMetadata>(&mut g);
    add::<registration::RegisteredClient>(&mut g);
    add::<authflow::AuthSessionConfig>(&mut g);
    add::<authflow::AuthAction>(&mut g);
    add::<authflow::AuthSessionStatus>(&mut g);
    add::<authflow::AuthSessionSnapshot>(&mut g);
    // WWW-Authenticate challenges, the MCP authorization client
    add::<crate::challenge::Challenge>(&mut g);
    add::<crate::challenge::ResourceChallenge>(&mut g);
    add::<crate::mcp::discovery::ProtectedResourceMetadata>(&mut g);
    add::<crate::mcp::McpAuthConfig>(&mut g);
    add::<crate::mcp::McpAction>(&mut g);
    add::<crate::mcp::McpStatus>(&mut g);
    add::<crate::mcp::McpClient>(&mut g);
    add::<crate::mcp::CredentialKey>(&mut g);
    add::<crate::mcp::TokenEndpointAuthMethod>(&mut g);
    add::<crate::mcp::McpAuthSnapshot>(&mut g);
    // token requests beyond the authorization code
    add::<grants::TokenEndpoint>(&mut g);
    add::<grants::TokenEndpointAuth>(&mut g);
    add::<grants::AuthMethod>(&mut g);
    add::<grants::Grant>(&mut g);
    add::<grants::GrantRequest>(&mut g);
    add::<grants::ExchangedToken>(&mut g);
    // DPoP
    add::<dpop::ProofParams>(&mut g);
    add::<dpop::ProofConfig>(&mut g);
    add::<dpop::ProofRecord>(&mut g);
    add::<dpop::DecodedProof>(&mut g);
    add::<dpop::DpopNonces>(&mut g);
    add::<dpop::TokenScheme>(&mut g);

    let defs: Map<String, Value> = g
        .take_definitions(true)
        .into_iter()
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect();
    let mut doc = Map::new();
    doc.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
    doc.insert(
        "$id".into(),
        "https://authcore.invalid/schema/authcore.schema.json".into(),
    );
    doc.insert("title".into(), "authcore shapes".into());
    doc.insert("$defs".into(), Value::Object(defs));
    Value::Object(doc)
}

/// Marks `names` required in `schema` (an object schema).
fn require(schema: &mut schemars::Schema, names: &[&str]) {
    let required = schema
        .ensure_object()
        .entry("required")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = required {
        for name in names {
            if !list.iter().any(|v| v == name) {
                list.push(Value::from(*name));
            }
        }
    }
}

/// Schema transforms (`#[schemars(transform = ...)]`) for settings members that serde fills
/// with a default when absent but that construction refuses when missing (an endpoint, a
/// client id): required in the schema, so a typed caller learns it before running.
macro_rules! required_settings {
    ($($(#[$doc:meta])* $fn:ident: [$($name:literal),+];)*) => {
        $($(#[$doc])* pub(crate) fn $fn(schema: &mut schemars::Schema) {
            require(schema, &[$($name),+]);
        })*
    };
}

required_settings! {
    /// [`crate::oauth::AuthCodeConfig`]: both endpoints, the client id and the redirect URI.
    require_auth_code_config: ["authorization_endpoint", "token_endpoint", "client_id", "redirect_uri"];
    /// [`crate::jwt::JwksCacheConfig`]: the key-set URL and the verification policy.
    require_jwks_cache_config: ["jwks_uri", "verifier"];
    /// [`crate::tokens::ClientConfig`]: the token endpoint.
    require_client_config: ["token_endpoint"];
    /// [`crate::device::DeviceClientConfig`]: the base URL and the client id.
    require_device_client_config: ["base_url", "client_id"];
    /// [`crate::device::DeviceServerConfig`]: the verification URI.
    require_device_server_config: ["verification_uri"];
}

/// [`crate::jwt::Algorithm`]: `EdDSA` also accepts RFC 9864's name `Ed25519` (a serde alias),
/// so the schema lists both for that variant.
pub(crate) fn algorithm_aliases(schema: &mut schemars::Schema) {
    if let Some(Value::Array(variants)) = schema.ensure_object().get_mut("oneOf") {
        for v in variants.iter_mut() {
            if let Value::Object(m) = v {
                if m.get("const").and_then(Value::as_str) == Some("EdDSA") {
                    m.remove("const");
                    m.insert("enum".into(), serde_json::json!(["EdDSA", "Ed25519"]));
                }
            }
        }
    }
}
