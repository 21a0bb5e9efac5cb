//! `authcore-node`: the native addon under the `@authcore/node` package.
//!
//! This is the low-level surface described in `js/NATIVE.md`: the core's classes and
//! functions with data crossing as JSON text (the exact shapes of `conformance/README.md`),
//! settings as one snake_case object, `now` always explicit and entropy optional. The public
//! JavaScript API is built on top of it by `js/facade.mjs`, which the WASM package shares.
//!
//! Thin by design: every function converts its arguments, calls the core and converts the
//! result or error back; no auth rule and no default lives here. Every entry point runs its
//! body under [`guard`] (`catch_unwind`), and every failure crosses as a JS `Error` whose
//! message is `AUTHCORE:` followed by a JSON object tagged by `type` (`auth`: a core error
//! with its catalog fields; `type`: an argument that does not decode).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use authcore::broker::{self, Broker as CoreBroker, Connection, KeyFile};
use authcore::cors::{Cors as CoreCors, CorsConfig};
use authcore::device::{
    self, AuthorizationRequest, DeviceAuthority as CoreDeviceAuthority, DeviceClient as CoreDeviceClient,
    DeviceClientConfig, DeviceGrant, DeviceServerConfig, EntryLimiter, TokenRequest,
};
use authcore::discovery::{self, ProviderMetadata, WellKnown};
use authcore::entropy::EntropySource;
use authcore::gate::{self, Classified, Gate as CoreGate, GateConfig, Lookup};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::{
    self, Backend, Issuer as CoreIssuer, IssuerConfig, JwksCache as CoreJwksCache, JwksCacheConfig, JwtConfig, KeySet,
    KeySpec, SigningKey, Verifier as CoreVerifier, VerifierSpec, VerifyingKey,
};
use authcore::oauth::{
    self, AuthCodeClient as CoreAuthCodeClient, AuthCodeConfig, PendingAuthorization, Pkce, PkceMethod, StoredChallenge,
};
use authcore::password::{self, Accounts as CoreAccounts, PasswordPolicy, Registration, StoredCredentials};
use authcore::profile::Component;
use authcore::refresh::{self, RefreshConfig, RefreshRecord, RefreshRequest, RefreshTokens as CoreRefreshTokens};
use authcore::session::{self, Session, SessionConfig, SessionManager as CoreSessionManager};
use authcore::tokens::{ClientConfig, RequestDriver as CoreRequestDriver, ResponseFields, StoredTokens, TokenSet};
use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName, Uint8Array};
use napi::{Env, Status, Task};
use napi_derive::napi;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub mod authflow;
pub mod dpop;
pub mod grants;
pub mod mcp;
pub mod mcp_server;
pub mod revocation;
pub mod signin;
pub mod vault;

// ---------------------------------------------------------------------------------------------
// Failures, panics and conversions
// ---------------------------------------------------------------------------------------------

/// Why a call failed, before it becomes the JS error of the contract.
enum Fail {
    /// A core error: crosses as `{"type": "auth", ...}`.
    Auth(authcore::Error),
    /// An argument that does not decode: crosses as `{"type": "type", "message"}`.
    Type(String),
}

impl From<authcore::Error> for Fail {
    fn from(e: authcore::Error) -> Self {
        Self::Auth(e)
    }
}

/// The JS error carrying a failure: message `AUTHCORE:` + a JSON object tagged by `type`.
fn js_error(f: Fail) -> napi::Error {
    let body = match f {
        Fail::Auth(e) => {
            let mut m = serde_json::Map::new();
            m.insert("type".into(), "auth".into());
            m.insert("code".into(), e.code().as_str().into());
            m.insert("status".into(), e.status().into());
            m.insert("detail".into(), e.detail().into());
            m.insert("family".into(), e.code().family().into());
            if let Some(field) = e.field_name() {
                m.insert("field".into(), field.into());
            }
            Value::Object(m)
        }
        Fail::Type(message) => serde_json::json!({"type": "type", "message": message}),
    };
    napi::Error::new(Status::GenericFailure, format!("AUTHCORE:{body}"))
}

/// The error a caught panic becomes (its message is not used: it could quote data).
fn internal() -> Fail {
    Fail::Auth(authcore::Error::with_detail(
        authcore::ErrorCode::Internal,
        "Internal error in the authcore extension; please report it.",
    ))
}

/// Runs an entry point's body; a panic becomes the `internal` error instead of unwinding
/// into Node (which would abort the process).
fn guard<T>(body: impl FnOnce() -> Result<T, Fail>) -> napi::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(f)) => Err(js_error(f)),
        Err(_) => Err(js_error(internal())),
    }
}

/// A core type from JSON text. The error names the argument and the member, never the value.
fn parse<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, Fail> {
    decode(parse_json(text, what)?, what)
}

/// A component's settings from JSON text: its `profile` member, when present, applied by the
/// core's merge rule (`authcore::profile`).
fn parse_config<T: DeserializeOwned>(text: &str, what: &str, component: Component) -> Result<T, Fail> {
    decode(authcore::profile::resolve(component, parse_json(text, what)?)?, what)
}

/// JSON text as a value; malformed text is a `TypeError` naming `what`.
fn parse_json(text: &str, what: &str) -> Result<Value, Fail> {
    serde_json::from_str(text).map_err(|e| {
        let why = match e.classify() {
            serde_json::error::Category::Eof => "truncated JSON text",
            _ if e.to_string().contains("recursion limit") => "nested too deeply",
            _ => "malformed JSON text",
        };
        Fail::Type(format!("{what}: {why}"))
    })
}

/// A value of type `T` from JSON; shape errors are a `TypeError` naming the path.
fn decode<T: DeserializeOwned>(json: Value, what: &str) -> Result<T, Fail> {
    authcore::error::decode_json(json).map_err(|e| {
        Fail::Type(match e.path() {
            "" => format!("{what}: {}", e.detail()),
            p if p.starts_with('[') => format!("{what}{p}: {}", e.detail()),
            p => format!("{what}.{p}: {}", e.detail()),
        })
    })
}

/// [`parse`] for an optional argument (`null` stays `None`).
fn parse_opt<T: DeserializeOwned>(text: Option<&str>, what: &str) -> Result<Option<T>, Fail> {
    text.map(|t| parse(t, what)).transpose()
}

/// A result as JSON text.
fn out<T: Serialize + ?Sized>(v: &T) -> Result<String, Fail> {
    serde_json::to_string(v).map_err(|_| internal())
}

/// The optional entropy bytes as the core's entropy source (else the OS generator).
fn rng(entropy: Option<&[u8]>) -> EntropySource {
    EntropySource::from_bytes(entropy.map(<[u8]>::to_vec))
}

/// The `backend` argument as the core's [`Backend`] (`None`: the build's default).
fn backend(name: Option<&str>) -> Result<Backend, Fail> {
    Ok(Backend::from_name(name)?)
}

/// A transmit id (a non-negative integer; the façade checks it first).
fn transmit_id(t: i64) -> Result<u64, Fail> {
    u64::try_from(t).map_err(|_| Fail::Type("transmit: expected a non-negative integer".into()))
}

/// A catalog error from its code string and an optional detail.
fn catalog_error(code: &str, detail: Option<String>) -> Result<authcore::Error, Fail> {
    let code = code
        .parse::<authcore::ErrorCode>()
        .map_err(|_| Fail::Type("code: not a code of the error catalog".into()))?;
    Ok(match detail {
        Some(d) => authcore::Error::with_detail(code, d),
        None => authcore::Error::new(code),
    })
}

/// A computation for the libuv thread pool (the `…Async` variants).
pub struct Job<T: Send + 'static> {
    run: Option<Box<dyn FnOnce() -> Result<T, Fail> + Send>>,
}

impl<T: ToNapiValue + TypeName + Send + 'static> Job<T> {
    fn new(run: impl FnOnce() -> Result<T, Fail> + Send + 'static) -> AsyncTask<Self> {
        AsyncTask::new(Self {
            run: Some(Box::new(run)),
        })
    }
}

impl<T: ToNapiValue + TypeName + Send + 'static> Task for Job<T> {
    type Output = T;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<T> {
        let run = self.run.take();
        guard(move || match run {
            Some(run) => run(),
            None => Err(internal()),
        })
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T> {
        Ok(output)
    }
}

// ---------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------

/// The crate version.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Where the Ravi CLI keeps its token file (`~/.ravi/auth.json`; `~` expanded by the store).
#[napi]
pub fn ravi_token_file() -> String {
    authcore::tokens::RAVI_TOKEN_FILE.to_owned()
}

/// The document of the named profile (JSON); an unknown name is `invalid_config`.
#[napi]
pub fn profile(name: String) -> napi::Result<String> {
    guard(|| out(&authcore::profile::document(&name)?))
}

/// The names of the profiles (JSON list), sorted.
#[napi]
pub fn profile_names() -> napi::Result<String> {
    guard(|| out(&authcore::profile::names()))
}

/// The error catalog: JSON `[{"code", "status", "family", "detail"}]`.
#[napi]
pub fn catalog() -> napi::Result<String> {
    guard(|| out(&authcore::error::catalog()))
}

/// The compact `{"detail", "code"}` body of a catalog code (with an optional detail).
#[napi]
pub fn error_body(code: String, detail: Option<String>) -> napi::Result<String> {
    guard(|| Ok(catalog_error(&code, detail)?.to_json()))
}

/// Panics on purpose: the tests use it to show that a panic surfaces as `internal`.
#[napi]
#[allow(clippy::panic)] // the point of this function
pub fn panic_for_tests() -> napi::Result<()> {
    guard(|| panic!("deliberate panic for the tests"))
}

// ---------------------------------------------------------------------------------------------
// jwt
// ---------------------------------------------------------------------------------------------

/// Verifies JWTs against a fixed algorithm allow-list and a key set.
#[napi]
pub struct Verifier {
    inner: Arc<CoreVerifier>,
}

#[napi]
impl Verifier {
    /// From a `VerifierSpec` (`{config, keys?, jwks?, default_alg?}`) and a backend name.
    #[napi(constructor)]
    pub fn new(spec_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let spec: VerifierSpec = parse(&spec_json, "spec")?;
            let inner = CoreVerifier::from_spec(spec, backend(backend_name.as_deref())?)?;
            Ok(Self { inner: Arc::new(inner) })
        })
    }

    /// The verifier half of the env-file configuration.
    #[napi(factory)]
    pub fn from_env(env_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let env: serde_json::Map<String, Value> = parse(&env_json, "env")?;
            let c = JwtConfig::from_env_values(&env, backend(backend_name.as_deref())?)?;
            Ok(Self {
                inner: Arc::new(c.verifier),
            })
        })
    }

    /// Verifies `token` at `now`: JSON `{"alg", "kid"?, "typ"?, "claims"}`.
    #[napi]
    pub fn verify(&self, token: String, now: i64) -> napi::Result<String> {
        guard(|| out(&self.inner.verify(&token, now)?))
    }

    /// [`Verifier::verify`] on the thread pool.
    #[napi]
    pub fn verify_async(&self, token: String, now: i64) -> AsyncTask<Job<String>> {
        let inner = Arc::clone(&self.inner);
        Job::new(move || out(&inner.verify(&token, now)?))
    }

    /// The public keys as a JWKS (JSON).
    #[napi]
    pub fn jwks(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.jwks()))
    }

    /// The JWKS entries skipped at construction (JSON array of `SkippedKey`).
    #[napi]
    pub fn skipped_keys(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.skipped_keys()))
    }
}

/// Issues signed JWTs with one key.
#[napi]
pub struct Issuer {
    inner: Arc<CoreIssuer>,
}

#[napi]
impl Issuer {
    /// From a `KeySpec`, an `IssuerConfig` and a backend name.
    #[napi(constructor)]
    pub fn new(key_json: String, config_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let spec: KeySpec = parse(&key_json, "key")?;
            let config: IssuerConfig = parse_config(&config_json, "config", Component::Issuer)?;
            let key = SigningKey::from_spec(&spec, backend(backend_name.as_deref())?)?;
            Ok(Self {
                inner: Arc::new(CoreIssuer::new(config, key)?),
            })
        })
    }

    /// The issuer half of the env-file configuration.
    #[napi(factory)]
    pub fn from_env(env_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let env: serde_json::Map<String, Value> = parse(&env_json, "env")?;
            let c = JwtConfig::from_env_values(&env, backend(backend_name.as_deref())?)?;
            Ok(Self {
                inner: Arc::new(c.issuer),
            })
        })
    }

    /// Signs `claims` (a JSON object) at `now`: the token.
    #[napi]
    pub fn issue(&self, claims_json: String, now: i64, entropy: Option<Uint8Array>) -> napi::Result<String> {
        guard(|| {
            let claims: Value = parse(&claims_json, "claims")?;
            Ok(self.inner.issue(claims, now, &mut rng(entropy.as_deref()))?)
        })
    }

    /// [`Issuer::issue`] on the thread pool.
    #[napi]
    pub fn issue_async(&self, claims_json: String, now: i64, entropy: Option<Uint8Array>) -> AsyncTask<Job<String>> {
        let inner = Arc::clone(&self.inner);
        let entropy = entropy.map(|e| e.to_vec());
        Job::new(move || {
            let claims: Value = parse(&claims_json, "claims")?;
            Ok(inner.issue(claims, now, &mut rng(entropy.as_deref()))?)
        })
    }

    /// The public key as a JWKS (JSON).
    #[napi]
    pub fn jwks(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.jwks()?))
    }
}

/// Checks one raw signature with one key (no claims checked).
#[napi]
pub fn verify_signature(
    key_json: String,
    signing_input: Uint8Array,
    signature: Uint8Array,
    backend_name: Option<String>,
) -> napi::Result<bool> {
    guard(|| {
        let spec: KeySpec = parse(&key_json, "key")?;
        let k = VerifyingKey::from_spec(&spec, backend(backend_name.as_deref())?)?;
        Ok(k.verify_signature(&signature, &signing_input))
    })
}

/// A JWKS parsed and re-exported (public parts only), as JSON.
fn parse_jwks_text(jwks_json: &str, default_alg: Option<&str>, backend_name: Option<&str>) -> Result<String, Fail> {
    let jwks: Value = parse(jwks_json, "jwks")?;
    let alg = match default_alg {
        Some(a) => Some(parse(&out(a)?, "default_alg")?),
        None => None,
    };
    let set = KeySet::from_jwks(&jwks, alg, backend(backend_name)?)?;
    out(&set.report())
}

/// A JWKS parsed and re-exported (public parts only), as JSON.
#[napi]
pub fn parse_jwks(
    jwks_json: String,
    default_alg: Option<String>,
    backend_name: Option<String>,
) -> napi::Result<String> {
    guard(|| parse_jwks_text(&jwks_json, default_alg.as_deref(), backend_name.as_deref()))
}

/// [`parse_jwks`] on the thread pool.
#[napi]
pub fn parse_jwks_async(
    jwks_json: String,
    default_alg: Option<String>,
    backend_name: Option<String>,
) -> AsyncTask<Job<String>> {
    Job::new(move || parse_jwks_text(&jwks_json, default_alg.as_deref(), backend_name.as_deref()))
}

/// JSON `[header, claims]` of a token WITHOUT verifying it.
#[napi]
pub fn decode_unverified(token: String) -> napi::Result<String> {
    guard(|| out(&jwt::decode_unverified(&token)?))
}

// ---------------------------------------------------------------------------------------------
// tokens
// ---------------------------------------------------------------------------------------------

/// A token set (JSON) from an OAuth token response body received at `now`.
#[napi]
pub fn token_set_from_response(
    body: String,
    now: i64,
    default_expires_in: Option<i64>,
    response_fields_json: Option<String>,
) -> napi::Result<String> {
    guard(|| {
        let fields: ResponseFields = parse_opt(response_fields_json.as_deref(), "response_fields")?.unwrap_or_default();
        out(&TokenSet::from_token_response_with_fields(
            &body,
            now,
            default_expires_in,
            &fields,
        )?)
    })
}

/// `"fresh"`, `"refresh_due"`, `"expired"` or `"refresh_expired"`.
#[napi]
pub fn freshness(tokens_json: String, now: i64, margin: Option<i64>) -> napi::Result<String> {
    guard(|| {
        let t: TokenSet = parse(&tokens_json, "tokens")?;
        match serde_json::to_value(t.freshness(now, margin)) {
            Ok(Value::String(s)) => Ok(s),
            _ => Err(internal()),
        }
    })
}

/// Parses the persisted token file text (JSON out).
#[napi]
pub fn load_tokens(text: String) -> napi::Result<String> {
    guard(|| out(&StoredTokens::from_json(&text)?))
}

/// Serialises stored tokens to the file text.
#[napi]
pub fn dump_tokens(stored_json: String) -> napi::Result<String> {
    guard(|| Ok(parse::<StoredTokens>(&stored_json, "stored")?.to_json()))
}

/// The sans-IO request driver.
#[napi]
pub struct RequestDriver {
    inner: CoreRequestDriver,
}

#[napi]
impl RequestDriver {
    /// From a `ClientConfig` and optional stored tokens.
    #[napi(constructor)]
    pub fn new(config_json: String, stored_json: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let config: ClientConfig = parse_config(&config_json, "config", Component::Client)?;
            let stored: Option<StoredTokens> = parse_opt(stored_json.as_deref(), "stored")?;
            Ok(Self {
                inner: CoreRequestDriver::with_config(config, stored)?,
            })
        })
    }

    /// Rebuilds a driver from `snapshot()`.
    #[napi(factory)]
    pub fn restore(snapshot_json: String) -> napi::Result<Self> {
        guard(|| {
            let snapshot: Value = parse(&snapshot_json, "snapshot")?;
            Ok(Self {
                inner: CoreRequestDriver::restore(&snapshot)?,
            })
        })
    }

    /// Queues an API request; its id.
    #[napi]
    pub fn send(&mut self, request_json: String, now: i64) -> napi::Result<i64> {
        guard(|| {
            let r: HttpRequest = parse(&request_json, "request")?;
            i64::try_from(self.inner.send(r, now)).map_err(|_| internal())
        })
    }

    /// Reports the response to a `send` action.
    #[napi]
    pub fn handle_response(&mut self, transmit: i64, response_json: String, now: i64) -> napi::Result<()> {
        guard(|| {
            let r: HttpResponse = parse(&response_json, "response")?;
            Ok(self.inner.handle_response(transmit_id(transmit)?, r, now)?)
        })
    }

    /// Reports that a `send` action failed at the network level.
    #[napi]
    pub fn handle_network_error(&mut self, transmit: i64, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_network_error(transmit_id(transmit)?, now)?))
    }

    /// Answers a `load_tokens` action.
    #[napi]
    pub fn handle_loaded(&mut self, stored_json: Option<String>, now: i64) -> napi::Result<()> {
        guard(|| {
            let s: Option<StoredTokens> = parse_opt(stored_json.as_deref(), "stored")?;
            Ok(self.inner.handle_loaded(s, now)?)
        })
    }

    /// Reports a lost compare-and-swap save with what the store holds now.
    #[napi]
    pub fn handle_save_conflict(&mut self, stored_json: String) -> napi::Result<()> {
        guard(|| {
            let s: StoredTokens = parse(&stored_json, "stored")?;
            Ok(self.inner.handle_save_conflict(s)?)
        })
    }

    /// Selects the identity sent in the identity header.
    #[napi]
    pub fn set_identity(&mut self, identity: Option<String>) -> napi::Result<()> {
        guard(|| Ok(self.inner.set_identity(identity)?))
    }

    /// Replaces the tokens after a sign-in.
    #[napi]
    pub fn set_tokens(&mut self, tokens_json: String) -> napi::Result<()> {
        guard(|| {
            let t: TokenSet = parse(&tokens_json, "tokens")?;
            Ok(self.inner.set_tokens(t)?)
        })
    }

    /// The next action (JSON), or `null`.
    #[napi]
    pub fn poll_action(&mut self) -> napi::Result<Option<String>> {
        guard(|| self.inner.poll_action().map(|a| out(&a)).transpose())
    }

    /// `{"generation", "clock_offset", "freshness"}` at `now` (JSON).
    #[napi]
    pub fn status(&self, now: i64) -> napi::Result<String> {
        guard(|| out(&self.inner.status(now)))
    }

    /// The current tokens as the stored-file document (JSON, `null` without tokens).
    #[napi]
    pub fn stored(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.stored()))
    }

    /// `{"version": 1, "config", "stored"}` (JSON).
    #[napi]
    pub fn snapshot(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.snapshot()))
    }
}

// ---------------------------------------------------------------------------------------------
// remote key sets
// ---------------------------------------------------------------------------------------------

/// The remote key-set machine.
#[napi]
pub struct JwksCache {
    inner: CoreJwksCache,
}

#[napi]
impl JwksCache {
    /// From a `JwksCacheConfig` and a backend name.
    #[napi(constructor)]
    pub fn new(config_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let config: JwksCacheConfig = parse(&config_json, "config")?;
            Ok(Self {
                inner: CoreJwksCache::new(config, backend(backend_name.as_deref())?)?,
            })
        })
    }

    /// Rebuilds a cache from `snapshot()`.
    #[napi(factory)]
    pub fn restore(snapshot_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let snapshot: Value = parse(&snapshot_json, "snapshot")?;
            Ok(Self {
                inner: CoreJwksCache::restore(&snapshot, backend(backend_name.as_deref())?)?,
            })
        })
    }

    /// `{"type": "key", "jwk"}` or `{"type": "fetch", "transmit"}` (JSON).
    #[napi]
    pub fn key_for(&mut self, kid: Option<String>, now: i64) -> napi::Result<String> {
        guard(|| out(&self.inner.key_for(kid.as_deref(), now)?))
    }

    /// `{"type": "verified", ...}` or `{"type": "fetch", "transmit"}` (JSON).
    #[napi]
    pub fn verify(&mut self, token: String, now: i64) -> napi::Result<String> {
        guard(|| out(&self.inner.verify(&token, now)?))
    }

    /// The host's timer fired.
    #[napi]
    pub fn handle_timeout(&mut self, now: i64) -> napi::Result<()> {
        guard(|| {
            self.inner.handle_timeout(now);
            Ok(())
        })
    }

    /// Reports the response to a `send` action.
    #[napi]
    pub fn handle_response(&mut self, transmit: i64, response_json: String, now: i64) -> napi::Result<()> {
        guard(|| {
            let r: HttpResponse = parse(&response_json, "response")?;
            Ok(self.inner.handle_response(transmit_id(transmit)?, r, now)?)
        })
    }

    /// Reports a network failure of a `send` action.
    #[napi]
    pub fn handle_network_error(&mut self, transmit: i64, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_network_error(transmit_id(transmit)?, now)?))
    }

    /// The next action (JSON), or `null`.
    #[napi]
    pub fn poll_action(&mut self) -> napi::Result<Option<String>> {
        guard(|| self.inner.poll_action().map(|a| out(&a)).transpose())
    }

    /// The set and fetch state (JSON).
    #[napi]
    pub fn status(&self, now: i64) -> napi::Result<String> {
        guard(|| out(&self.inner.status(now)))
    }

    /// The snapshot (JSON).
    #[napi]
    pub fn snapshot(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.snapshot()))
    }
}

// ---------------------------------------------------------------------------------------------
// device
// ---------------------------------------------------------------------------------------------

/// The device-flow client machine (RFC 8628).
#[napi]
pub struct DeviceClient {
    inner: CoreDeviceClient,
}

#[napi]
impl DeviceClient {
    /// From a `DeviceClientConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: DeviceClientConfig = parse_config(&config_json, "config", Component::DeviceClient)?;
            Ok(Self {
                inner: CoreDeviceClient::new(config)?,
            })
        })
    }

    /// Rebuilds a client from `snapshot()`.
    #[napi(factory)]
    pub fn restore(snapshot_json: String) -> napi::Result<Self> {
        guard(|| {
            let snapshot: Value = parse(&snapshot_json, "snapshot")?;
            Ok(Self {
                inner: CoreDeviceClient::restore(&snapshot)?,
            })
        })
    }

    /// Starts the flow.
    #[napi]
    pub fn start(&mut self, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.start(now)?))
    }

    /// The host's timer fired.
    #[napi]
    pub fn handle_timeout(&mut self, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_timeout(now)?))
    }

    /// Reports the response to a `send` action.
    #[napi]
    pub fn handle_response(&mut self, transmit: i64, response_json: String, now: i64) -> napi::Result<()> {
        guard(|| {
            let r: HttpResponse = parse(&response_json, "response")?;
            Ok(self.inner.handle_response(transmit_id(transmit)?, r, now)?)
        })
    }

    /// Reports a network failure of a `send` action.
    #[napi]
    pub fn handle_network_error(&mut self, transmit: i64, now: i64) -> napi::Result<()> {
        guard(|| Ok(self.inner.handle_network_error(transmit_id(transmit)?, now)?))
    }

    /// Cancels the flow.
    #[napi]
    pub fn cancel(&mut self) -> napi::Result<()> {
        guard(|| {
            self.inner.cancel();
            Ok(())
        })
    }

    /// The next action (JSON), or `null`.
    #[napi]
    pub fn poll_action(&mut self) -> napi::Result<Option<String>> {
        guard(|| self.inner.poll_action().map(|a| out(&a)).transpose())
    }

    /// `{"interval", "finished"}` (JSON).
    #[napi]
    pub fn status(&self, now: i64) -> napi::Result<String> {
        guard(|| out(&self.inner.status(now)))
    }

    /// `{"version": 1, "config", "phase", "next_transmit"}` (JSON).
    #[napi]
    pub fn snapshot(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.snapshot()))
    }
}

/// The authorization server's side of the device grant.
#[napi]
pub struct DeviceAuthority {
    inner: CoreDeviceAuthority,
}

#[napi]
impl DeviceAuthority {
    /// From a `DeviceServerConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: DeviceServerConfig = parse_config(&config_json, "config", Component::DeviceServer)?;
            Ok(Self {
                inner: CoreDeviceAuthority::new(config)?,
            })
        })
    }

    /// Issues a grant: JSON `{"response", "record"}`.
    #[napi]
    pub fn issue(
        &self,
        client_id: String,
        scope: Option<String>,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let req = AuthorizationRequest { client_id, scope };
            out(&self.inner.issue(&req, now, &mut rng(entropy.as_deref()))?)
        })
    }

    /// The canonical form of a typed user code.
    #[napi]
    pub fn normalize_user_code(&self, typed: String) -> napi::Result<String> {
        guard(|| Ok(self.inner.normalize_user_code(&typed)?))
    }

    /// Checks a typed code against a grant: JSON `{"ok", "error"?, "record"?}`.
    #[napi]
    pub fn check_user_code(&self, grant_json: String, typed: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let g: DeviceGrant = parse(&grant_json, "grant")?;
            out(&self.inner.check_user_code(&g, &typed, now))
        })
    }

    /// Records approval; the record to store (JSON).
    #[napi]
    pub fn approve(
        &self,
        grant_json: String,
        user_id: String,
        claims_json: Option<String>,
        now: i64,
    ) -> napi::Result<String> {
        guard(|| {
            let g: DeviceGrant = parse(&grant_json, "grant")?;
            let claims = parse_opt(claims_json.as_deref(), "claims")?;
            out(&self.inner.approve(&g, &user_id, claims, now)?)
        })
    }

    /// What the verification page shows before approval (JSON).
    #[napi]
    pub fn consent(&self, grant_json: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let g: DeviceGrant = parse(&grant_json, "grant")?;
            out(&self.inner.consent(&g, now))
        })
    }

    /// A person typed `typed`: JSON `{"consent"?, "error"?, "limiter"?, "global_limiter"?, "global_pressure"}`.
    #[napi]
    pub fn enter_user_code(
        &self,
        limiter_json: Option<String>,
        grant_json: Option<String>,
        typed: String,
        now: i64,
        global_limiter_json: Option<String>,
    ) -> napi::Result<String> {
        guard(|| {
            let l: Option<EntryLimiter> = parse_opt(limiter_json.as_deref(), "limiter")?;
            let global: Option<EntryLimiter> = parse_opt(global_limiter_json.as_deref(), "global_limiter")?;
            let g: Option<DeviceGrant> = parse_opt(grant_json.as_deref(), "grant")?;
            out(&self
                .inner
                .enter_user_code(l.as_ref(), global.as_ref(), g.as_ref(), &typed, now))
        })
    }

    /// Records denial; the record to store (JSON).
    #[napi]
    pub fn deny(&self, grant_json: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let g: DeviceGrant = parse(&grant_json, "grant")?;
            out(&self.inner.deny(&g, now)?)
        })
    }

    /// Answers a poll (JSON PollOutcome).
    #[napi]
    pub fn poll(&self, grant_json: Option<String>, request_json: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let g: Option<DeviceGrant> = parse_opt(grant_json.as_deref(), "grant")?;
            let r: TokenRequest = parse(&request_json, "request")?;
            out(&self.inner.poll(g.as_ref(), &r, now))
        })
    }
}

/// Parses a form-encoded token request (JSON out).
#[napi]
pub fn parse_token_request(body: String, client_id: Option<String>) -> napi::Result<String> {
    guard(|| out(&TokenRequest::from_form(&body, client_id.as_deref())?))
}

/// Parses a form-encoded device authorization request (JSON out).
#[napi]
pub fn parse_authorization_request(body: String) -> napi::Result<String> {
    guard(|| out(&AuthorizationRequest::from_form(&body)?))
}

/// The lookup key of a device code.
#[napi]
pub fn device_code_hash(device_code: String) -> napi::Result<String> {
    guard(|| Ok(device::device_code_hash(&device_code)))
}

/// Parses a stored grant record (JSON out).
#[napi]
pub fn load_grant(text: String) -> napi::Result<String> {
    guard(|| out(&DeviceGrant::from_json(&text)?))
}

/// JSON `[status, {"error", "error_description"}]` for a catalog code.
#[napi]
pub fn oauth_error(code: String, detail: Option<String>) -> napi::Result<String> {
    guard(|| {
        let e = catalog_error(&code, detail)?;
        out(&(oauth::error_status(&e), oauth::error_body(&e)))
    })
}

/// The whole token-endpoint error response for a catalog code (JSON).
#[napi]
pub fn oauth_error_response(code: String, detail: Option<String>) -> napi::Result<String> {
    guard(|| out(&oauth::error_response(&catalog_error(&code, detail)?)))
}

// ---------------------------------------------------------------------------------------------
// session
// ---------------------------------------------------------------------------------------------

/// Opaque session tokens, idle expiry, revocation, rotation on sign-in.
#[napi]
pub struct SessionManager {
    inner: CoreSessionManager,
}

#[napi]
impl SessionManager {
    /// From a `SessionConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: SessionConfig = parse_config(&config_json, "config", Component::Session)?;
            Ok(Self {
                inner: CoreSessionManager::new(config)?,
            })
        })
    }

    /// A new session: JSON `{"token", "record"}`.
    #[napi]
    pub fn create(
        &self,
        user_id: String,
        email: Option<String>,
        is_guest: bool,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let s = self
                .inner
                .create(&user_id, email.as_deref(), is_guest, now, &mut rng(entropy.as_deref()))?;
            out(&s)
        })
    }

    /// Sign-in: JSON `{"session", "revoked"?, "response"}`.
    #[napi]
    pub fn sign_in(
        &self,
        user_id: String,
        email: Option<String>,
        previous_json: Option<String>,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let prev: Option<Session> = parse_opt(previous_json.as_deref(), "previous")?;
            let s = self.inner.sign_in(
                prev.as_ref(),
                &user_id,
                email.as_deref(),
                now,
                &mut rng(entropy.as_deref()),
            )?;
            out(&s)
        })
    }

    /// The exchange `Bearer <JWT>` → session, verifying with `verifier`.
    #[napi]
    pub fn exchange(
        &self,
        verifier: &Verifier,
        token: String,
        previous_json: Option<String>,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let prev: Option<Session> = parse_opt(previous_json.as_deref(), "previous")?;
            let s = self.inner.exchange_token(
                &verifier.inner,
                &token,
                prev.as_ref(),
                now,
                &mut rng(entropy.as_deref()),
            )?;
            out(&s)
        })
    }

    /// Checks a presented token against its record: JSON `{"session", "touch"?}`.
    #[napi]
    pub fn validate(&self, record_json: Option<String>, token: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let r: Option<Session> = parse_opt(record_json.as_deref(), "record")?;
            out(&self.inner.validate(r.as_ref(), &token, now)?)
        })
    }

    /// The record revoked (JSON).
    #[napi]
    pub fn revoke(&self, record_json: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let r: Session = parse(&record_json, "record")?;
            out(&self.inner.revoke(&r, now))
        })
    }
}

/// A new gateway token (256 bits, URL-safe base64 without padding).
#[napi]
pub fn generate_gateway_token(entropy: Option<Uint8Array>) -> napi::Result<String> {
    guard(|| {
        Ok(gate::generate_gateway_token(&mut rng(entropy.as_deref()))?
            .expose()
            .to_owned())
    })
}

/// The lookup key of a session token (`null` when it is not a UUID).
#[napi]
pub fn session_token_hash(token: String) -> napi::Result<Option<String>> {
    guard(|| Ok(session::token_hash(&token)))
}

/// Parses a stored session record (JSON out).
#[napi]
pub fn load_session(text: String) -> napi::Result<String> {
    guard(|| out(&Session::from_json(&text)?))
}

// ---------------------------------------------------------------------------------------------
// gate
// ---------------------------------------------------------------------------------------------

/// The two-step authenticator.
#[napi]
pub struct Gate {
    inner: CoreGate,
}

#[napi]
impl Gate {
    /// From a `GateConfig` and a backend name.
    #[napi(constructor)]
    pub fn new(config_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let config: GateConfig = parse_config(&config_json, "config", Component::Gate)?;
            Ok(Self {
                inner: CoreGate::with_backend(config, backend(backend_name.as_deref())?)?,
            })
        })
    }

    /// From a `GateConfig` whose `services_env` secrets are read from `env` (JSON object).
    #[napi(factory)]
    pub fn from_env(env_json: String, config_json: String, backend_name: Option<String>) -> napi::Result<Self> {
        guard(|| {
            let env: serde_json::Map<String, Value> = parse(&env_json, "env")?;
            let config: GateConfig = parse_config(&config_json, "config", Component::Gate)?;
            Ok(Self {
                inner: CoreGate::from_env_values_with_backend(config, &env, backend(backend_name.as_deref())?)?,
            })
        })
    }

    /// Step 1: route, credential and what to load (JSON Classified).
    #[napi]
    pub fn classify(&self, request_json: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let r: HttpRequest = parse(&request_json, "request")?;
            out(&self.inner.classify(&r, now))
        })
    }

    /// Step 2: allow or deny (JSON Decision).
    #[napi]
    pub fn decide(&self, classified_json: String, lookup_json: Option<String>, now: i64) -> napi::Result<String> {
        guard(|| {
            let c: Classified = parse(&classified_json, "classified")?;
            let l: Lookup = parse_opt(lookup_json.as_deref(), "lookup")?.unwrap_or_default();
            out(&self.inner.decide(&c, &l, now))
        })
    }

    /// The id of the user to load into the lookup's `user` (the JWT's subject, or the owner
    /// of the session loaded under `needs.session`, given as `session`), or `null`.
    #[napi]
    pub fn user_to_load(&self, classified_json: String, session_json: Option<String>) -> napi::Result<Option<String>> {
        guard(|| {
            let c: Classified = parse(&classified_json, "classified")?;
            let s: Option<Session> = parse_opt(session_json.as_deref(), "session")?;
            Ok(c.user_to_load(s.as_ref()).map(str::to_owned))
        })
    }

    /// Both steps (JSON Decision).
    #[napi]
    pub fn authenticate(&self, request_json: String, lookup_json: Option<String>, now: i64) -> napi::Result<String> {
        guard(|| {
            let r: HttpRequest = parse(&request_json, "request")?;
            let l: Lookup = parse_opt(lookup_json.as_deref(), "lookup")?.unwrap_or_default();
            out(&self.inner.authenticate(&r, &l, now))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// password
// ---------------------------------------------------------------------------------------------

/// Registration and password login (argon2id).
#[napi]
pub struct Accounts {
    inner: Arc<CoreAccounts>,
}

/// A registration from its parts.
fn registration(password: String, username: Option<String>, email: Option<String>) -> Registration {
    Registration {
        username,
        email,
        password: authcore::secret::Secret::new(password),
    }
}

#[napi]
impl Accounts {
    /// From a `PasswordPolicy`.
    #[napi(constructor)]
    pub fn new(policy_json: String) -> napi::Result<Self> {
        guard(|| {
            let policy: PasswordPolicy = parse_config(&policy_json, "policy", Component::Accounts)?;
            Ok(Self {
                inner: Arc::new(CoreAccounts::new(policy)?),
            })
        })
    }

    /// An argon2id PHC string.
    #[napi]
    pub fn hash_password(&self, password: String, entropy: Option<Uint8Array>) -> napi::Result<String> {
        guard(|| Ok(self.inner.hash_password(&password, &mut rng(entropy.as_deref()))?))
    }

    /// [`Accounts::hash_password`] on the thread pool.
    #[napi]
    pub fn hash_password_async(&self, password: String, entropy: Option<Uint8Array>) -> AsyncTask<Job<String>> {
        let inner = Arc::clone(&self.inner);
        let entropy = entropy.map(|e| e.to_vec());
        Job::new(move || Ok(inner.hash_password(&password, &mut rng(entropy.as_deref()))?))
    }

    /// Whether `password` matches the stored hash.
    #[napi]
    pub fn verify_password(&self, password_hash: String, password: String) -> napi::Result<bool> {
        guard(|| Ok(self.inner.verify_password(&password_hash, &password)?))
    }

    /// [`Accounts::verify_password`] on the thread pool.
    #[napi]
    pub fn verify_password_async(&self, password_hash: String, password: String) -> AsyncTask<Job<bool>> {
        let inner = Arc::clone(&self.inner);
        Job::new(move || Ok(inner.verify_password(&password_hash, &password)?))
    }

    /// Whether a stored hash uses other parameters than the policy.
    #[napi]
    pub fn needs_rehash(&self, password_hash: String) -> napi::Result<bool> {
        guard(|| Ok(self.inner.needs_rehash(&password_hash)))
    }

    /// Validates a registration and hashes its password (JSON).
    #[napi]
    pub fn register(
        &self,
        password: String,
        username: Option<String>,
        email: Option<String>,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let reg = registration(password, username, email);
            out(&self.inner.register(&reg, &mut rng(entropy.as_deref()))?)
        })
    }

    /// [`Accounts::register`] on the thread pool.
    #[napi]
    pub fn register_async(
        &self,
        password: String,
        username: Option<String>,
        email: Option<String>,
        entropy: Option<Uint8Array>,
    ) -> AsyncTask<Job<String>> {
        let inner = Arc::clone(&self.inner);
        let entropy = entropy.map(|e| e.to_vec());
        Job::new(move || {
            let reg = registration(password, username, email);
            out(&inner.register(&reg, &mut rng(entropy.as_deref()))?)
        })
    }

    /// Password login: JSON `{"user_id", "email"?}` or `invalid_credentials`.
    #[napi]
    pub fn login(&self, account_json: Option<String>, password: String) -> napi::Result<String> {
        guard(|| {
            let acct: Option<StoredCredentials> = parse_opt(account_json.as_deref(), "account")?;
            out(&self.inner.login(acct.as_ref(), &password)?)
        })
    }

    /// [`Accounts::login`] on the thread pool.
    #[napi]
    pub fn login_async(&self, account_json: Option<String>, password: String) -> AsyncTask<Job<String>> {
        let inner = Arc::clone(&self.inner);
        Job::new(move || {
            let acct: Option<StoredCredentials> = parse_opt(account_json.as_deref(), "account")?;
            out(&inner.login(acct.as_ref(), &password)?)
        })
    }

    /// Password login behind brute-force limits: JSON `{login?, error?, account_limiter?,
    /// requester_limiter?, retry_at?}`.
    #[napi]
    pub fn login_limited(
        &self,
        account_json: Option<String>,
        password: String,
        account_limiter_json: Option<String>,
        requester_limiter_json: Option<String>,
        now: i64,
    ) -> napi::Result<String> {
        guard(|| {
            login_limited(
                &self.inner,
                account_json,
                &password,
                account_limiter_json,
                requester_limiter_json,
                now,
            )
        })
    }

    /// [`Accounts::login_limited`] on the thread pool.
    #[napi]
    pub fn login_limited_async(
        &self,
        account_json: Option<String>,
        password: String,
        account_limiter_json: Option<String>,
        requester_limiter_json: Option<String>,
        now: i64,
    ) -> AsyncTask<Job<String>> {
        let inner = Arc::clone(&self.inner);
        Job::new(move || {
            login_limited(
                &inner,
                account_json,
                &password,
                account_limiter_json,
                requester_limiter_json,
                now,
            )
        })
    }
}

/// [`Accounts::login_limited`] with JSON records in and out.
fn login_limited(
    accounts: &CoreAccounts,
    account_json: Option<String>,
    password: &str,
    account_limiter_json: Option<String>,
    requester_limiter_json: Option<String>,
    now: i64,
) -> Result<String, Fail> {
    let acct: Option<StoredCredentials> = parse_opt(account_json.as_deref(), "account")?;
    let a: Option<EntryLimiter> = parse_opt(account_limiter_json.as_deref(), "account_limiter")?;
    let r: Option<EntryLimiter> = parse_opt(requester_limiter_json.as_deref(), "requester_limiter")?;
    out(&accounts.login_limited(acct.as_ref(), password, a.as_ref(), r.as_ref(), now))
}

/// The normalised user name.
#[napi]
pub fn normalize_username(username: String) -> napi::Result<String> {
    guard(|| Ok(password::normalize_username(&username)?))
}

/// The normalised e-mail address.
#[napi]
pub fn normalize_email(email: String) -> napi::Result<String> {
    guard(|| Ok(password::normalize_email(&email)?))
}

// ---------------------------------------------------------------------------------------------
// cors
// ---------------------------------------------------------------------------------------------

/// CORS decisions for one configuration.
#[napi]
pub struct Cors {
    inner: CoreCors,
}

#[napi]
impl Cors {
    /// From a `CorsConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: CorsConfig = parse_config(&config_json, "config", Component::Cors)?;
            Ok(Self {
                inner: CoreCors::new(config)?,
            })
        })
    }

    /// The decision for one request: JSON `{"type": "preflight"|"refused"|"actual", ...}`.
    #[napi]
    pub fn decide(&self, request_json: String) -> napi::Result<String> {
        guard(|| {
            let r: HttpRequest = parse(&request_json, "request")?;
            out(&self.inner.decide(&r))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// refresh
// ---------------------------------------------------------------------------------------------

/// Refresh-token rotation with reuse detection.
#[napi]
pub struct RefreshTokens {
    inner: CoreRefreshTokens,
}

#[napi]
impl RefreshTokens {
    /// From a `RefreshConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: RefreshConfig = parse(&config_json, "config")?;
            Ok(Self {
                inner: CoreRefreshTokens::new(config)?,
            })
        })
    }

    /// Starts a family: JSON `{"refresh_token", "record"}`.
    #[napi]
    pub fn issue(
        &self,
        user_id: String,
        client_id: Option<String>,
        scope: Option<String>,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let i = self.inner.issue(
                &user_id,
                client_id.as_deref(),
                scope.as_deref(),
                now,
                &mut rng(entropy.as_deref()),
            )?;
            out(&i)
        })
    }

    /// Uses a presented token: JSON `{"type": "rotated"|"reuse", ...}`.
    #[napi]
    pub fn rotate(
        &self,
        record_json: Option<String>,
        token: String,
        client_id: Option<String>,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let r: Option<RefreshRecord> = parse_opt(record_json.as_deref(), "record")?;
            let o = self.inner.rotate(
                r.as_ref(),
                &token,
                client_id.as_deref(),
                now,
                &mut rng(entropy.as_deref()),
            )?;
            out(&o)
        })
    }

    /// The record revoked (JSON).
    #[napi]
    pub fn revoke(&self, record_json: String) -> napi::Result<String> {
        guard(|| {
            let r: RefreshRecord = parse(&record_json, "record")?;
            out(&self.inner.revoke(&r))
        })
    }
}

/// The lookup key of a refresh token.
#[napi]
pub fn refresh_token_hash(token: String) -> napi::Result<String> {
    guard(|| Ok(refresh::refresh_token_hash(&token)))
}

/// Parses a stored refresh-token record (JSON out).
#[napi]
pub fn load_refresh_record(text: String) -> napi::Result<String> {
    guard(|| out(&RefreshRecord::from_json(&text)?))
}

/// Parses a form-encoded refresh request (RFC 6749 §6; `client_id` overrides the body's).
#[napi]
pub fn parse_refresh_request(body: String, client_id: Option<String>) -> napi::Result<String> {
    guard(|| out(&RefreshRequest::from_form(&body, client_id.as_deref())?))
}

// ---------------------------------------------------------------------------------------------
// oauth
// ---------------------------------------------------------------------------------------------

/// A PKCE pair (JSON): from `verifier`, or fresh from `bytes` random bytes.
#[napi]
pub fn pkce(
    verifier: Option<String>,
    method: Option<String>,
    allow_plain: bool,
    bytes: Option<u32>,
    entropy: Option<Uint8Array>,
) -> napi::Result<String> {
    guard(|| {
        let method = PkceMethod::from_name(method.as_deref())?;
        let n = bytes.map(|b| usize::try_from(b).map_err(|_| internal())).transpose()?;
        out(&Pkce::create(
            verifier.as_deref(),
            method,
            allow_plain,
            n,
            &mut rng(entropy.as_deref()),
        )?)
    })
}

/// The server's PKCE check.
#[napi]
pub fn check_pkce(challenge_json: Option<String>, verifier: Option<String>, allow_plain: bool) -> napi::Result<()> {
    guard(|| {
        let c: Option<StoredChallenge> = parse_opt(challenge_json.as_deref(), "challenge")?;
        Ok(oauth::check_pkce(c.as_ref(), verifier.as_deref(), allow_plain)?)
    })
}

/// Where `issuer` publishes its metadata (`kind`: `"openid"`, the default, or `"oauth"`).
#[napi]
pub fn well_known_url(issuer: String, kind: Option<String>, allow_insecure_http: bool) -> napi::Result<String> {
    guard(|| {
        let kind: WellKnown = match kind {
            Some(k) => parse(&Value::String(k).to_string(), "kind")?,
            None => WellKnown::default(),
        };
        Ok(discovery::well_known_url(&issuer, kind, allow_insecure_http)?)
    })
}

/// A provider's metadata response read for the expected issuer (JSON ProviderMetadata).
#[napi]
pub fn parse_provider_metadata(
    response_json: String,
    issuer: String,
    allow_insecure_http: bool,
) -> napi::Result<String> {
    guard(|| {
        let r: HttpResponse = parse(&response_json, "response")?;
        out(&ProviderMetadata::parse(&r, &issuer, allow_insecure_http)?)
    })
}

/// The authorization-code flow with PKCE and a single-use state.
#[napi]
pub struct AuthCodeClient {
    inner: CoreAuthCodeClient,
}

#[napi]
impl AuthCodeClient {
    /// From an `AuthCodeConfig`.
    #[napi(constructor)]
    pub fn new(config_json: String) -> napi::Result<Self> {
        guard(|| {
            let config: AuthCodeConfig = parse_config(&config_json, "config", Component::AuthCode)?;
            Ok(Self {
                inner: CoreAuthCodeClient::new(config)?,
            })
        })
    }

    /// JSON `{"url", "record"}`.
    #[napi]
    pub fn start(&self, now: i64, entropy: Option<Uint8Array>) -> napi::Result<String> {
        guard(|| out(&self.inner.start(now, &mut rng(entropy.as_deref()))?))
    }

    /// Validates the callback URL: JSON `{"request", "record"}`.
    #[napi]
    pub fn callback(&self, record_json: String, callback: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let r: PendingAuthorization = parse(&record_json, "record")?;
            out(&self.inner.callback(&r, &callback, now)?)
        })
    }

    /// The token set from the token endpoint's response (JSON).
    #[napi]
    pub fn token_response(&self, response_json: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let r: HttpResponse = parse(&response_json, "response")?;
            out(&self.inner.token_response(&r, now)?)
        })
    }

    /// The OpenID Connect ID-token checks on a verified token.
    #[napi]
    pub fn check_id_token(
        &self,
        verified_json: String,
        record_json: String,
        access_token: Option<String>,
    ) -> napi::Result<()> {
        guard(|| {
            let v: jwt::VerifiedToken = parse(&verified_json, "verified")?;
            let r: PendingAuthorization = parse(&record_json, "record")?;
            Ok(self.inner.check_id_token(&v, &r, access_token.as_deref())?)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// broker
// ---------------------------------------------------------------------------------------------

/// The credential broker over bundled and custom providers.
#[napi]
pub struct Broker {
    inner: CoreBroker,
}

#[napi]
impl Broker {
    /// From custom provider definitions (JSON list or `null`).
    #[napi(constructor)]
    pub fn new(custom_json: Option<String>, allow_loopback_http: bool) -> napi::Result<Self> {
        guard(|| {
            let custom: Vec<Value> = parse_opt(custom_json.as_deref(), "custom")?.unwrap_or_default();
            Ok(Self {
                inner: CoreBroker::from_custom(&custom, allow_loopback_http)?,
            })
        })
    }

    /// JSON `{"providers", "sources", "overrides"}`.
    #[napi]
    pub fn providers(&self) -> napi::Result<String> {
        guard(|| out(self.inner.providers()))
    }

    /// The routing table in precedence order (JSON).
    #[napi]
    pub fn routing_table(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.routing_table()))
    }

    /// What an outbound request to `url` needs (JSON).
    #[napi]
    pub fn resolve(
        &self,
        url: String,
        connections_json: String,
        method: Option<String>,
        now: i64,
    ) -> napi::Result<String> {
        guard(|| {
            let conns: Vec<Connection> = parse(&connections_json, "connections")?;
            out(&self.inner.resolve(method.as_deref(), &url, &conns, now)?)
        })
    }

    /// The connection after a refresh response (JSON).
    #[napi]
    pub fn apply_refresh(&self, connection_json: String, response_json: String, now: i64) -> napi::Result<String> {
        guard(|| {
            let c: Connection = parse(&connection_json, "connection")?;
            let r: HttpResponse = parse(&response_json, "response")?;
            out(&self.inner.apply_refresh(&c, &r, now)?)
        })
    }
}

/// The listing form of connections (JSON, secrets redacted).
#[napi]
pub fn redact(connections_json: String) -> napi::Result<String> {
    guard(|| {
        out(&broker::redact(&parse::<Vec<Connection>>(
            &connections_json,
            "connections",
        )?))
    })
}

/// `NAME='value'` lines for POSIX sh (reveals secrets).
#[napi]
pub fn export_env(connections_json: String) -> napi::Result<String> {
    guard(|| {
        Ok(broker::export_env(&parse::<Vec<Connection>>(
            &connections_json,
            "connections",
        )?)?)
    })
}

/// Checks a connection before it is stored.
#[napi]
pub fn check_connection(connection_json: String) -> napi::Result<()> {
    guard(|| Ok(parse::<Connection>(&connection_json, "connection")?.check()?))
}

/// The connections as JSON data (reveals secrets).
#[napi]
pub fn export_json(connections_json: String) -> napi::Result<String> {
    guard(|| {
        out(&broker::export_json(&parse::<Vec<Connection>>(
            &connections_json,
            "connections",
        )?))
    })
}

/// The readiness report (JSON).
#[napi]
pub fn readiness(
    custom_json: Option<String>,
    connections_json: Option<String>,
    key_files_json: Option<String>,
    now: i64,
    schema_version: Option<i64>,
    allow_loopback_http: Option<bool>,
) -> napi::Result<String> {
    guard(|| {
        let schema_version = schema_version
            .map(u32::try_from)
            .transpose()
            .map_err(|_| Fail::Type("schemaVersion: expected a non-negative 32-bit integer".into()))?;
        let custom: Vec<Value> = parse_opt(custom_json.as_deref(), "custom")?.unwrap_or_default();
        let conns: Vec<Connection> = parse_opt(connections_json.as_deref(), "connections")?.unwrap_or_default();
        let keys: Vec<KeyFile> = parse_opt(key_files_json.as_deref(), "key_files")?.unwrap_or_default();
        out(&broker::readiness_with(
            &custom,
            &conns,
            &keys,
            schema_version,
            now,
            allow_loopback_http.unwrap_or(false),
        ))
    })
}
