//! `authcore-wasm`: the low-level module under the npm package `@authcore/wasm`.
//!
//! It implements exactly the native contract of `bindings-node/js/NATIVE.md` (the same export
//! names, arguments, results and error transport as the Node addon), so the one JavaScript
//! façade in `bindings-node/js/` wraps either module unchanged. Conversion only: data arrives
//! as JSON text and is decoded into the core's types, the core is called, and results leave as
//! JSON text. No auth rule and no default lives here.
//!
//! Two modules are built from this crate: the full one (default features) and the frontend one
//! for `@authcore/wasm/client` (no features: without the `server` exports — `Gate`, `Broker`,
//! `DeviceAuthority`, `SessionManager`, `RefreshTokens`, `Accounts`, `DesktopSignIn`,
//! `MagicLinks` and the server helpers —
//! and without `issuer`). A name either module exports behaves the same in both.
//!
//! Errors are thrown as JS `Error`s whose message is `AUTHCORE:` followed by one JSON object
//! tagged by `type` (`auth` for a core error, `type` for an argument that does not decode).
//!
//! Panics: wasm32 builds abort on panic (the instance traps; with `-Cpanic=immediate-abort`,
//! the package's build where the toolchain allows it, at once and without running the hook).
//! The panic hook installed at start-up asks wasm-bindgen to re-instantiate the module before
//! the next call, and the
//! JavaScript glue (`bindings-wasm/js/native.mjs`) turns the trap into the contract's
//! `internal` error. Nothing here panics on input; the hook is the last line of defence.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use authcore::device::{DeviceClient as CoreDeviceClient, DeviceClientConfig};
use authcore::discovery::{self, ProviderMetadata, WellKnown};
use authcore::entropy::EntropySource;
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::{
    self, Backend, JwksCache as CoreJwksCache, JwksCacheConfig, KeySet, KeySpec, Verifier as CoreVerifier,
    VerifierSpec, VerifyingKey,
};
#[cfg(feature = "issuer")]
use authcore::jwt::{Issuer as CoreIssuer, IssuerConfig, JwtConfig, SigningKey};
use authcore::oauth::{AuthCodeClient as CoreAuthCodeClient, AuthCodeConfig, PendingAuthorization, Pkce, PkceMethod};
#[cfg(feature = "argon2")]
use authcore::password::{Accounts as CoreAccounts, PasswordPolicy, Registration, StoredCredentials};
use authcore::profile::Component;
use authcore::tokens::{ClientConfig, RequestDriver as CoreRequestDriver, ResponseFields, StoredTokens, TokenSet};
#[cfg(feature = "server")]
use authcore::{
    broker::{self, Broker as CoreBroker, Connection, KeyFile},
    cors::{Cors as CoreCors, CorsConfig},
    device::{
        self, AuthorizationRequest, DeviceAuthority as CoreDeviceAuthority, DeviceGrant, DeviceServerConfig,
        EntryLimiter, TokenRequest,
    },
    gate::{Classified, Gate as CoreGate, GateConfig, Lookup},
    oauth::{self, StoredChallenge},
    password,
    refresh::{self, RefreshConfig, RefreshRecord, RefreshRequest, RefreshTokens as CoreRefreshTokens},
    session::{self, Session, SessionConfig, SessionManager as CoreSessionManager},
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

mod authflow;
mod dpop;
// Signs `private_key_jwt` assertions: with the issuer, outside the frontend module.
#[cfg(feature = "issuer")]
mod grants;
// The MCP client machine: in the full module only (the frontend entry does not export it).
#[cfg(feature = "server")]
mod mcp;
#[cfg(feature = "server")]
mod mcp_server;
#[cfg(feature = "server")]
mod revocation;
mod signin;
#[cfg(feature = "server")]
mod vault;

// ---------------------------------------------------------------------------------------------
// Errors and conversions
// ---------------------------------------------------------------------------------------------

/// What every export returns: a value, or the contract's `AUTHCORE:` error.
type R<T> = Result<T, JsError>;

/// The contract's error: a JS `Error` with the message `AUTHCORE:<json>`.
fn throw(v: &Value) -> JsError {
    JsError::new(&format!("AUTHCORE:{v}"))
}

/// A core error as the `auth` shape.
fn auth(e: &authcore::Error) -> JsError {
    let mut v = json!({
        "type": "auth",
        "code": e.code().as_str(),
        "status": e.status(),
        "detail": e.detail(),
        "family": e.code().family(),
    });
    if let (Some(field), Value::Object(m)) = (e.field_name(), &mut v) {
        m.insert("field".into(), Value::String(field.to_owned()));
    }
    throw(&v)
}

/// An argument that does not decode: the `type` shape (the façade throws `TypeError`).
fn type_error(message: String) -> JsError {
    throw(&json!({"type": "type", "message": message}))
}

/// The core's results with the contract's error.
trait Core<T> {
    fn js(self) -> R<T>;
}

impl<T> Core<T> for authcore::Result<T> {
    fn js(self) -> R<T> {
        self.map_err(|e| auth(&e))
    }
}

/// One JSON value from text. serde_json's recursion limit refuses deep nesting as an error;
/// its messages give a position, never the text.
fn parse_value(text: &str, what: &str) -> R<Value> {
    serde_json::from_str(text).map_err(|e| {
        let why = if e.to_string().contains("recursion limit") {
            "nested too deeply".to_owned()
        } else {
            format!("malformed JSON text (line {} column {})", e.line(), e.column())
        };
        type_error(format!("{what}: {why}"))
    })
}

/// A core type from a JSON value; the message names the argument and the member, never the
/// value (the core's `decode_json`).
fn decode<T: DeserializeOwned>(value: Value, what: &str) -> R<T> {
    authcore::error::decode_json(value).map_err(|e| {
        type_error(match e.path() {
            "" => format!("{what}: {}", e.detail()),
            p if p.starts_with('[') => format!("{what}{p}: {}", e.detail()),
            p => format!("{what}.{p}: {}", e.detail()),
        })
    })
}

/// A core type from JSON text.
fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> R<T> {
    decode(parse_value(text, what)?, what)
}

/// A component's settings from JSON text: its `profile` member, when present, applied by the
/// core's merge rule (`authcore::profile`).
fn config_json_for<T: DeserializeOwned>(text: &str, what: &str, component: Component) -> R<T> {
    decode(
        authcore::profile::resolve(component, parse_value(text, what)?).js()?,
        what,
    )
}

/// An optional core type from optional JSON text (`null` → `None`).
fn opt_json<T: DeserializeOwned>(text: Option<String>, what: &str) -> R<Option<T>> {
    text.map(|t| from_json(&t, what)).transpose()
}

/// A result as JSON text.
fn to_json<T: Serialize>(v: &T) -> R<String> {
    serde_json::to_string(v).map_err(|_| {
        auth(&authcore::Error::with_detail(
            authcore::ErrorCode::Internal,
            "A result could not be encoded as JSON.",
        ))
    })
}

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A JS number that must hold a safe integer (`now`, margins, lifetimes).
fn int(v: f64, what: &str) -> R<i64> {
    if v.is_finite() && v.fract() == 0.0 && v.abs() <= MAX_SAFE {
        // In range by the check above, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        Ok(v as i64)
    } else {
        Err(type_error(format!("{what}: expected a safe integer")))
    }
}

/// A JS number that must hold a non-negative safe integer (transmit ids, counts).
fn uint(v: f64, what: &str) -> R<u64> {
    let i = int(v, what)?;
    u64::try_from(i).map_err(|_| type_error(format!("{what}: expected a non-negative safe integer")))
}

/// A request id or count as a JS number (ids stay far below 2^53).
#[allow(clippy::cast_precision_loss)]
fn num(v: u64) -> f64 {
    v as f64
}

/// The `entropy` argument as the core's entropy source (the bytes, else `crypto.getRandomValues`).
fn rng(bytes: Option<Vec<u8>>) -> EntropySource {
    EntropySource::from_bytes(bytes)
}

/// The `backend` argument as the core's [`Backend`] (the core refuses `"native"` here).
fn backend(name: Option<String>) -> R<Backend> {
    Backend::from_name(name.as_deref()).js()
}

/// JSON text, or JS `null` for `None`.
fn json_or_null<T: Serialize>(v: Option<T>) -> R<JsValue> {
    Ok(match v {
        Some(v) => JsValue::from_str(&to_json(&v)?),
        None => JsValue::NULL,
    })
}

/// A settled promise: the async variants run synchronously inside it on WASM.
fn settle<T: Into<JsValue>>(r: R<T>) -> js_sys::Promise {
    match r {
        Ok(v) => js_sys::Promise::resolve(&v.into()),
        Err(e) => js_sys::Promise::reject(&JsValue::from(e)),
    }
}

/// A catalog error from its code and an optional detail (an unknown code is a `type` error).
fn catalog_error(code: &str, detail: Option<String>) -> R<authcore::Error> {
    let c = code
        .parse::<authcore::ErrorCode>()
        .map_err(|_| type_error("code: unknown error code".to_owned()))?;
    Ok(match detail {
        Some(d) => authcore::Error::with_detail(c, d),
        None => authcore::Error::new(c),
    })
}

// ---------------------------------------------------------------------------------------------
// Start-up and panics
// ---------------------------------------------------------------------------------------------

/// Runs once per instance: a panic (which aborts, i.e. traps) first asks wasm-bindgen for a
/// fresh instance before the next call. The message is not reported (it could quote data).
#[wasm_bindgen(start)]
pub fn start() {
    // With `-Cpanic=immediate-abort` a panic traps at once and no hook runs; installing one
    // would only link the standard panic machinery (message formatting, backtrace symbol
    // demangling) into the module.
    #[cfg(all(target_arch = "wasm32", not(panic = "immediate-abort")))]
    std::panic::set_hook(Box::new(|_| wasm_bindgen::handler::schedule_reinit()));
}

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Where the Ravi CLI keeps its token file (`~/.ravi/auth.json`; `~` expanded by the store).
#[wasm_bindgen(js_name = raviTokenFile)]
pub fn ravi_token_file() -> String {
    authcore::tokens::RAVI_TOKEN_FILE.to_owned()
}

/// The document of the named profile (JSON); an unknown name is `invalid_config`.
#[wasm_bindgen]
pub fn profile(name: &str) -> R<String> {
    to_json(&authcore::profile::document(name).js()?)
}

/// The names of the profiles (JSON list), sorted.
#[wasm_bindgen(js_name = profileNames)]
pub fn profile_names() -> R<String> {
    to_json(&authcore::profile::names())
}

/// The error catalog: JSON `[{code, status, family, detail}]`.
#[wasm_bindgen]
pub fn catalog() -> R<String> {
    to_json(&authcore::error::catalog())
}

/// The compact `{"detail","code"}` body of a catalog code.
#[wasm_bindgen(js_name = errorBody)]
pub fn error_body(code: &str, detail: Option<String>) -> R<String> {
    Ok(catalog_error(code, detail)?.to_json())
}

/// Panics on purpose: the tests use it to show that a trap becomes `internal` and that the
/// module works again afterwards.
#[wasm_bindgen(js_name = panicForTests)]
#[allow(clippy::panic)] // the point of this function
pub fn panic_for_tests() -> R<()> {
    panic!("deliberate panic for the tests")
}

// ---------------------------------------------------------------------------------------------
// jwt
// ---------------------------------------------------------------------------------------------

/// Checks one raw signature with one key (no claims checked).
#[wasm_bindgen(js_name = verifySignature)]
pub fn verify_signature(key_json: &str, signing_input: &[u8], signature: &[u8], backend: Option<String>) -> R<bool> {
    let spec: KeySpec = from_json(key_json, "key")?;
    let k = VerifyingKey::from_spec(&spec, self::backend(backend)?).js()?;
    Ok(k.verify_signature(signature, signing_input))
}

fn parse_jwks_inner(jwks_json: &str, default_alg: Option<String>, backend: Option<String>) -> R<String> {
    let jwks: Value = parse_value(jwks_json, "jwks")?;
    let alg = default_alg
        .map(|a| decode(Value::String(a), "default_alg"))
        .transpose()?;
    let set = KeySet::from_jwks(&jwks, alg, self::backend(backend)?).js()?;
    to_json(&set.report())
}

/// A JWKS parsed and re-exported (public parts only): JSON.
#[wasm_bindgen(js_name = parseJwks)]
pub fn parse_jwks(jwks_json: &str, default_alg: Option<String>, backend: Option<String>) -> R<String> {
    parse_jwks_inner(jwks_json, default_alg, backend)
}

/// [`parse_jwks`] as a promise (computed synchronously on WASM).
#[wasm_bindgen(js_name = parseJwksAsync)]
pub fn parse_jwks_async(jwks_json: &str, default_alg: Option<String>, backend: Option<String>) -> js_sys::Promise {
    settle(parse_jwks_inner(jwks_json, default_alg, backend))
}

/// `[header, claims]` of a token WITHOUT verifying it: JSON.
#[wasm_bindgen(js_name = decodeUnverified)]
pub fn decode_unverified(token: &str) -> R<String> {
    let (h, c) = jwt::decode_unverified(token).js()?;
    to_json(&(h, c))
}

/// Verifies JWTs against a fixed algorithm allow-list and a key set.
#[wasm_bindgen]
pub struct Verifier {
    inner: CoreVerifier,
}

#[wasm_bindgen]
impl Verifier {
    /// From the core's `VerifierSpec` (JSON) and a backend name.
    #[wasm_bindgen(constructor)]
    pub fn new(spec_json: &str, backend: Option<String>) -> R<Verifier> {
        let spec: VerifierSpec = from_json(spec_json, "spec")?;
        Ok(Self {
            inner: CoreVerifier::from_spec(spec, self::backend(backend)?).js()?,
        })
    }

    /// The verifier half of the env-file configuration (the façade's `fromEnv`, which needs the
    /// `Issuer` too).
    #[cfg(feature = "issuer")]
    #[wasm_bindgen(js_name = fromEnv)]
    pub fn from_env(env_json: &str, backend: Option<String>) -> R<Verifier> {
        Ok(Self {
            inner: env_config(env_json, backend)?.verifier,
        })
    }

    /// Verifies `token` at `now`: JSON `{alg, kid?, typ?, claims}`.
    pub fn verify(&self, token: &str, now: f64) -> R<String> {
        to_json(&self.inner.verify(token, int(now, "now")?).js()?)
    }

    /// [`Verifier::verify`] as a promise (computed synchronously on WASM).
    #[wasm_bindgen(js_name = verifyAsync)]
    pub fn verify_async(&self, token: &str, now: f64) -> js_sys::Promise {
        settle(self.verify(token, now))
    }

    /// The public keys as a JWKS: JSON.
    pub fn jwks(&self) -> R<String> {
        to_json(&self.inner.jwks())
    }

    /// The JWKS entries skipped at construction: JSON array of `SkippedKey`.
    #[wasm_bindgen(js_name = skippedKeys)]
    pub fn skipped_keys(&self) -> R<String> {
        to_json(&self.inner.skipped_keys())
    }
}

#[cfg(feature = "issuer")]
fn env_config(env_json: &str, backend: Option<String>) -> R<JwtConfig> {
    let Value::Object(env) = parse_value(env_json, "env")? else {
        return Err(type_error("env: expected an object".to_owned()));
    };
    JwtConfig::from_env_values(&env, self::backend(backend)?).js()
}

#[cfg(feature = "issuer")]
/// Issues signed JWTs with one key.
#[wasm_bindgen]
pub struct Issuer {
    inner: CoreIssuer,
}

#[cfg(feature = "issuer")]
#[wasm_bindgen]
impl Issuer {
    /// From a key spec and the issuer settings (JSON), and a backend name.
    #[wasm_bindgen(constructor)]
    pub fn new(key_json: &str, config_json: &str, backend: Option<String>) -> R<Issuer> {
        let spec: KeySpec = from_json(key_json, "key")?;
        let config: IssuerConfig = config_json_for(config_json, "config", Component::Issuer)?;
        let key = SigningKey::from_spec(&spec, self::backend(backend)?).js()?;
        Ok(Self {
            inner: CoreIssuer::new(config, key).js()?,
        })
    }

    /// The issuer half of the env-file configuration.
    #[wasm_bindgen(js_name = fromEnv)]
    pub fn from_env(env_json: &str, backend: Option<String>) -> R<Issuer> {
        Ok(Self {
            inner: env_config(env_json, backend)?.issuer,
        })
    }

    /// Signs `claims` (JSON) at `now`: the token.
    pub fn issue(&self, claims_json: &str, now: f64, entropy: Option<Vec<u8>>) -> R<String> {
        let claims: Value = parse_value(claims_json, "claims")?;
        self.inner.issue(claims, int(now, "now")?, &mut rng(entropy)).js()
    }

    /// [`Issuer::issue`] as a promise (computed synchronously on WASM).
    #[wasm_bindgen(js_name = issueAsync)]
    pub fn issue_async(&self, claims_json: &str, now: f64, entropy: Option<Vec<u8>>) -> js_sys::Promise {
        settle(self.issue(claims_json, now, entropy))
    }

    /// The public key as a JWKS: JSON.
    pub fn jwks(&self) -> R<String> {
        to_json(&self.inner.jwks().js()?)
    }
}

// ---------------------------------------------------------------------------------------------
// tokens
// ---------------------------------------------------------------------------------------------

/// A token set from an OAuth token response body: JSON (`null` default: the core's).
#[wasm_bindgen(js_name = tokenSetFromResponse)]
pub fn token_set_from_response(
    body: &str,
    now: f64,
    default_expires_in: Option<f64>,
    response_fields_json: Option<String>,
) -> R<String> {
    let now = int(now, "now")?;
    let default_expires_in = default_expires_in.map(|d| int(d, "defaultExpiresIn")).transpose()?;
    let fields: ResponseFields = opt_json(response_fields_json, "response_fields")?.unwrap_or_default();
    let t = TokenSet::from_token_response_with_fields(body, now, default_expires_in, &fields).js()?;
    to_json(&t)
}

/// `"fresh"`, `"refresh_due"`, `"expired"` or `"refresh_expired"`.
#[wasm_bindgen]
pub fn freshness(tokens_json: &str, now: f64, margin: Option<f64>) -> R<String> {
    let t: TokenSet = from_json(tokens_json, "tokens")?;
    let margin = margin.map(|m| int(m, "margin")).transpose()?;
    let f = t.freshness(int(now, "now")?, margin);
    match serde_json::to_value(f) {
        Ok(Value::String(s)) => Ok(s),
        _ => to_json(&f),
    }
}

/// Parses the persisted token file text: JSON.
#[wasm_bindgen(js_name = loadTokens)]
pub fn load_tokens(text: &str) -> R<String> {
    to_json(&StoredTokens::from_json(text).js()?)
}

/// Serialises stored tokens (JSON) to the file text.
#[wasm_bindgen(js_name = dumpTokens)]
pub fn dump_tokens(stored_json: &str) -> R<String> {
    let s: StoredTokens = from_json(stored_json, "stored")?;
    Ok(s.to_json())
}

/// The sans-IO request driver.
#[wasm_bindgen]
pub struct RequestDriver {
    inner: CoreRequestDriver,
}

#[wasm_bindgen]
impl RequestDriver {
    /// From the client settings and optional stored tokens (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, stored_json: Option<String>) -> R<RequestDriver> {
        let config: ClientConfig = config_json_for(config_json, "config", Component::Client)?;
        let stored: Option<StoredTokens> = opt_json(stored_json, "stored")?;
        Ok(Self {
            inner: CoreRequestDriver::with_config(config, stored).js()?,
        })
    }

    /// Rebuilds a driver from `snapshot()`.
    pub fn restore(snapshot_json: &str) -> R<RequestDriver> {
        let snap: Value = parse_value(snapshot_json, "snapshot")?;
        Ok(Self {
            inner: CoreRequestDriver::restore(&snap).js()?,
        })
    }

    /// Queues an API request; returns its id.
    pub fn send(&mut self, request_json: &str, now: f64) -> R<f64> {
        let r: HttpRequest = from_json(request_json, "request")?;
        Ok(num(self.inner.send(r, int(now, "now")?)))
    }

    /// Reports the response to a `send` action.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, transmit: f64, response_json: &str, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        let r: HttpResponse = from_json(response_json, "response")?;
        self.inner.handle_response(transmit, r, int(now, "now")?).js()
    }

    /// Reports a network failure of a `send` action.
    #[wasm_bindgen(js_name = handleNetworkError)]
    pub fn handle_network_error(&mut self, transmit: f64, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        self.inner.handle_network_error(transmit, int(now, "now")?).js()
    }

    /// Answers a `load_tokens` action.
    #[wasm_bindgen(js_name = handleLoaded)]
    pub fn handle_loaded(&mut self, stored_json: Option<String>, now: f64) -> R<()> {
        let s: Option<StoredTokens> = opt_json(stored_json, "stored")?;
        self.inner.handle_loaded(s, int(now, "now")?).js()
    }

    /// Reports a lost compare-and-swap save.
    #[wasm_bindgen(js_name = handleSaveConflict)]
    pub fn handle_save_conflict(&mut self, stored_json: &str) -> R<()> {
        let s: StoredTokens = from_json(stored_json, "stored")?;
        self.inner.handle_save_conflict(s).js()
    }

    /// Selects the identity sent in the identity header.
    #[wasm_bindgen(js_name = setIdentity)]
    pub fn set_identity(&mut self, identity: Option<String>) -> R<()> {
        self.inner.set_identity(identity).js()
    }

    /// Replaces the tokens after a sign-in.
    #[wasm_bindgen(js_name = setTokens)]
    pub fn set_tokens(&mut self, tokens_json: &str) -> R<()> {
        let t: TokenSet = from_json(tokens_json, "tokens")?;
        self.inner.set_tokens(t).js()
    }

    /// The next action (JSON), or `null`.
    #[wasm_bindgen(js_name = pollAction)]
    pub fn poll_action(&mut self) -> R<JsValue> {
        json_or_null(self.inner.poll_action())
    }

    /// The status at `now`: JSON.
    pub fn status(&self, now: f64) -> R<String> {
        to_json(&self.inner.status(int(now, "now")?))
    }

    /// The current tokens as the stored form: JSON (`null` text when none).
    pub fn stored(&self) -> R<String> {
        to_json(&self.inner.stored())
    }

    /// The snapshot: JSON.
    pub fn snapshot(&self) -> R<String> {
        to_json(&self.inner.snapshot())
    }
}

// ---------------------------------------------------------------------------------------------
// device
// ---------------------------------------------------------------------------------------------

/// The device-flow client machine (RFC 8628).
#[wasm_bindgen]
pub struct DeviceClient {
    inner: CoreDeviceClient,
}

#[wasm_bindgen]
impl DeviceClient {
    /// From the client settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<DeviceClient> {
        let config: DeviceClientConfig = config_json_for(config_json, "config", Component::DeviceClient)?;
        Ok(Self {
            inner: CoreDeviceClient::new(config).js()?,
        })
    }

    /// Rebuilds a client from `snapshot()`.
    pub fn restore(snapshot_json: &str) -> R<DeviceClient> {
        let snap: Value = parse_value(snapshot_json, "snapshot")?;
        Ok(Self {
            inner: CoreDeviceClient::restore(&snap).js()?,
        })
    }

    /// Starts the flow.
    pub fn start(&mut self, now: f64) -> R<()> {
        self.inner.start(int(now, "now")?).js()
    }

    /// The host's timer fired.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) -> R<()> {
        self.inner.handle_timeout(int(now, "now")?).js()
    }

    /// Reports the response to a `send` action.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, transmit: f64, response_json: &str, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        let r: HttpResponse = from_json(response_json, "response")?;
        self.inner.handle_response(transmit, r, int(now, "now")?).js()
    }

    /// Reports a network failure of a `send` action.
    #[wasm_bindgen(js_name = handleNetworkError)]
    pub fn handle_network_error(&mut self, transmit: f64, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        self.inner.handle_network_error(transmit, int(now, "now")?).js()
    }

    /// Cancels the flow.
    pub fn cancel(&mut self) {
        self.inner.cancel();
    }

    /// The next action (JSON), or `null`.
    #[wasm_bindgen(js_name = pollAction)]
    pub fn poll_action(&mut self) -> R<JsValue> {
        json_or_null(self.inner.poll_action())
    }

    /// The status at `now`: JSON.
    pub fn status(&self, now: f64) -> R<String> {
        to_json(&self.inner.status(int(now, "now")?))
    }

    /// The snapshot: JSON.
    pub fn snapshot(&self) -> R<String> {
        to_json(&self.inner.snapshot())
    }
}

/// The remote key-set machine.
#[wasm_bindgen]
pub struct JwksCache {
    inner: CoreJwksCache,
}

#[wasm_bindgen]
impl JwksCache {
    /// From the cache settings (JSON) and a backend name.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, backend: Option<String>) -> R<JwksCache> {
        let config: JwksCacheConfig = from_json(config_json, "config")?;
        Ok(Self {
            inner: CoreJwksCache::new(config, self::backend(backend)?).js()?,
        })
    }

    /// Rebuilds a cache from `snapshot()`.
    pub fn restore(snapshot_json: &str, backend: Option<String>) -> R<JwksCache> {
        let snap: Value = parse_value(snapshot_json, "snapshot")?;
        Ok(Self {
            inner: CoreJwksCache::restore(&snap, self::backend(backend)?).js()?,
        })
    }

    /// The key for a `kid`, or a fetch to wait for: JSON.
    #[wasm_bindgen(js_name = keyFor)]
    pub fn key_for(&mut self, kid: Option<String>, now: f64) -> R<String> {
        let r = self.inner.key_for(kid.as_deref(), int(now, "now")?).js()?;
        to_json(&r)
    }

    /// The verified token, or a fetch to wait for: JSON.
    pub fn verify(&mut self, token: &str, now: f64) -> R<String> {
        let r = self.inner.verify(token, int(now, "now")?).js()?;
        to_json(&r)
    }

    /// The host's timer fired.
    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) -> R<()> {
        self.inner.handle_timeout(int(now, "now")?);
        Ok(())
    }

    /// Reports the response to a `send` action.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, transmit: f64, response_json: &str, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        let r: HttpResponse = from_json(response_json, "response")?;
        self.inner.handle_response(transmit, r, int(now, "now")?).js()
    }

    /// Reports a network failure of a `send` action.
    #[wasm_bindgen(js_name = handleNetworkError)]
    pub fn handle_network_error(&mut self, transmit: f64, now: f64) -> R<()> {
        let transmit = uint(transmit, "transmit")?;
        self.inner.handle_network_error(transmit, int(now, "now")?).js()
    }

    /// The next action (JSON), or `null`.
    #[wasm_bindgen(js_name = pollAction)]
    pub fn poll_action(&mut self) -> R<JsValue> {
        json_or_null(self.inner.poll_action())
    }

    /// The status at `now`: JSON.
    pub fn status(&self, now: f64) -> R<String> {
        to_json(&self.inner.status(int(now, "now")?))
    }

    /// The snapshot: JSON.
    pub fn snapshot(&self) -> R<String> {
        to_json(&self.inner.snapshot())
    }
}

#[cfg(feature = "server")]
/// The authorization server's side of the device grant.
#[wasm_bindgen]
pub struct DeviceAuthority {
    inner: CoreDeviceAuthority,
}

#[cfg(feature = "server")]
#[wasm_bindgen]
impl DeviceAuthority {
    /// From the server settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<DeviceAuthority> {
        let config: DeviceServerConfig = config_json_for(config_json, "config", Component::DeviceServer)?;
        Ok(Self {
            inner: CoreDeviceAuthority::new(config).js()?,
        })
    }

    /// Issues a grant: JSON `{response, record}`.
    pub fn issue(&self, client_id: String, scope: Option<String>, now: f64, entropy: Option<Vec<u8>>) -> R<String> {
        let req = AuthorizationRequest { client_id, scope };
        to_json(&self.inner.issue(&req, int(now, "now")?, &mut rng(entropy)).js()?)
    }

    /// The canonical form of a typed user code.
    #[wasm_bindgen(js_name = normalizeUserCode)]
    pub fn normalize_user_code(&self, typed: &str) -> R<String> {
        self.inner.normalize_user_code(typed).js()
    }

    /// Checks a typed code against a grant: JSON.
    #[wasm_bindgen(js_name = checkUserCode)]
    pub fn check_user_code(&self, grant_json: &str, typed: &str, now: f64) -> R<String> {
        let g: DeviceGrant = from_json(grant_json, "grant")?;
        to_json(&self.inner.check_user_code(&g, typed, int(now, "now")?))
    }

    /// Records approval: JSON (the record to store).
    pub fn approve(&self, grant_json: &str, user_id: &str, claims_json: Option<String>, now: f64) -> R<String> {
        let g: DeviceGrant = from_json(grant_json, "grant")?;
        let claims = opt_json(claims_json, "claims")?;
        to_json(&self.inner.approve(&g, user_id, claims, int(now, "now")?).js()?)
    }

    /// What the verification page shows before approval: JSON.
    pub fn consent(&self, grant_json: &str, now: f64) -> R<String> {
        let g: DeviceGrant = from_json(grant_json, "grant")?;
        to_json(&self.inner.consent(&g, int(now, "now")?))
    }

    /// A person typed `typed`: JSON.
    #[wasm_bindgen(js_name = enterUserCode)]
    pub fn enter_user_code(
        &self,
        limiter_json: Option<String>,
        grant_json: Option<String>,
        typed: &str,
        now: f64,
        global_limiter_json: Option<String>,
    ) -> R<String> {
        let l: Option<EntryLimiter> = opt_json(limiter_json, "limiter")?;
        let g: Option<DeviceGrant> = opt_json(grant_json, "grant")?;
        let global: Option<EntryLimiter> = opt_json(global_limiter_json, "globalLimiter")?;
        let now = int(now, "now")?;
        to_json(
            &self
                .inner
                .enter_user_code(l.as_ref(), global.as_ref(), g.as_ref(), typed, now),
        )
    }

    /// Records denial: JSON (the record to store).
    pub fn deny(&self, grant_json: &str, now: f64) -> R<String> {
        let g: DeviceGrant = from_json(grant_json, "grant")?;
        to_json(&self.inner.deny(&g, int(now, "now")?).js()?)
    }

    /// Answers a poll: JSON PollOutcome.
    pub fn poll(&self, grant_json: Option<String>, request_json: &str, now: f64) -> R<String> {
        let g: Option<DeviceGrant> = opt_json(grant_json, "grant")?;
        let r: TokenRequest = from_json(request_json, "request")?;
        to_json(&self.inner.poll(g.as_ref(), &r, int(now, "now")?))
    }
}

#[cfg(feature = "server")]
/// Parses a form-encoded token request: JSON.
#[wasm_bindgen(js_name = parseTokenRequest)]
pub fn parse_token_request(body: &str, client_id: Option<String>) -> R<String> {
    to_json(&TokenRequest::from_form(body, client_id.as_deref()).js()?)
}

#[cfg(feature = "server")]
/// Parses a form-encoded device authorization request: JSON.
#[wasm_bindgen(js_name = parseAuthorizationRequest)]
pub fn parse_authorization_request(body: &str) -> R<String> {
    to_json(&AuthorizationRequest::from_form(body).js()?)
}

#[cfg(feature = "server")]
/// The lookup key of a device code.
#[wasm_bindgen(js_name = deviceCodeHash)]
pub fn device_code_hash(device_code: &str) -> String {
    device::device_code_hash(device_code)
}

#[cfg(feature = "server")]
/// Parses a stored grant record: JSON.
#[wasm_bindgen(js_name = loadGrant)]
pub fn load_grant(text: &str) -> R<String> {
    to_json(&DeviceGrant::from_json(text).js()?)
}

#[cfg(feature = "server")]
/// JSON `[status, {error, error_description}]` for a catalog code.
#[wasm_bindgen(js_name = oauthError)]
pub fn oauth_error(code: &str, detail: Option<String>) -> R<String> {
    let e = catalog_error(code, detail)?;
    to_json(&(oauth::error_status(&e), oauth::error_body(&e)))
}

#[cfg(feature = "server")]
/// The whole token-endpoint error response for a catalog code: JSON HttpResponse.
#[wasm_bindgen(js_name = oauthErrorResponse)]
pub fn oauth_error_response(code: &str, detail: Option<String>) -> R<String> {
    let e = catalog_error(code, detail)?;
    to_json(&oauth::error_response(&e))
}

// ---------------------------------------------------------------------------------------------
// session
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "server")]
/// Opaque session tokens, idle expiry, revocation, rotation on sign-in.
#[wasm_bindgen]
pub struct SessionManager {
    inner: CoreSessionManager,
}

#[cfg(feature = "server")]
#[wasm_bindgen]
impl SessionManager {
    /// From the session settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<SessionManager> {
        let config: SessionConfig = config_json_for(config_json, "config", Component::Session)?;
        Ok(Self {
            inner: CoreSessionManager::new(config).js()?,
        })
    }

    /// A new session: JSON `{token, record}`.
    pub fn create(
        &self,
        user_id: &str,
        email: Option<String>,
        is_guest: bool,
        now: f64,
        entropy: Option<Vec<u8>>,
    ) -> R<String> {
        let now = int(now, "now")?;
        let s = self
            .inner
            .create(user_id, email.as_deref(), is_guest, now, &mut rng(entropy))
            .js()?;
        to_json(&s)
    }

    /// Sign-in (the previous session is revoked): JSON.
    #[wasm_bindgen(js_name = signIn)]
    pub fn sign_in(
        &self,
        user_id: &str,
        email: Option<String>,
        previous_json: Option<String>,
        now: f64,
        entropy: Option<Vec<u8>>,
    ) -> R<String> {
        let prev: Option<Session> = opt_json(previous_json, "previous")?;
        let now = int(now, "now")?;
        let s = self
            .inner
            .sign_in(prev.as_ref(), user_id, email.as_deref(), now, &mut rng(entropy))
            .js()?;
        to_json(&s)
    }

    /// Verifies an identity-provider JWT with `verifier` and signs its subject in: JSON.
    pub fn exchange(
        &self,
        verifier: &Verifier,
        token: &str,
        previous_json: Option<String>,
        now: f64,
        entropy: Option<Vec<u8>>,
    ) -> R<String> {
        let prev: Option<Session> = opt_json(previous_json, "previous")?;
        let now = int(now, "now")?;
        let s = self
            .inner
            .exchange_token(&verifier.inner, token, prev.as_ref(), now, &mut rng(entropy))
            .js()?;
        to_json(&s)
    }

    /// Checks a presented token against its record: JSON.
    pub fn validate(&self, record_json: Option<String>, token: &str, now: f64) -> R<String> {
        let r: Option<Session> = opt_json(record_json, "record")?;
        to_json(&self.inner.validate(r.as_ref(), token, int(now, "now")?).js()?)
    }

    /// The record revoked: JSON.
    pub fn revoke(&self, record_json: &str, now: f64) -> R<String> {
        let r: Session = from_json(record_json, "record")?;
        to_json(&self.inner.revoke(&r, int(now, "now")?))
    }
}

#[cfg(feature = "server")]
/// The lookup key of a session token, or `null` when it is not a session token.
#[wasm_bindgen(js_name = sessionTokenHash)]
pub fn session_token_hash(token: &str) -> JsValue {
    session::token_hash(token).map_or(JsValue::NULL, |h| JsValue::from_str(&h))
}

#[cfg(feature = "server")]
/// Parses a stored session record: JSON.
#[wasm_bindgen(js_name = loadSession)]
pub fn load_session(text: &str) -> R<String> {
    to_json(&Session::from_json(text).js()?)
}

// ---------------------------------------------------------------------------------------------
// gate
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "server")]
/// The two-step authenticator.
#[wasm_bindgen]
pub struct Gate {
    inner: CoreGate,
}

#[cfg(feature = "server")]
#[wasm_bindgen]
impl Gate {
    /// From the gate settings (JSON) and a backend name.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str, backend: Option<String>) -> R<Gate> {
        let config: GateConfig = config_json_for(config_json, "config", Component::Gate)?;
        Ok(Self {
            inner: CoreGate::with_backend(config, self::backend(backend)?).js()?,
        })
    }

    /// From gate settings whose `services_env` secrets are read from `env` (JSON object).
    #[wasm_bindgen(js_name = fromEnv)]
    pub fn from_env(env_json: &str, config_json: &str, backend: Option<String>) -> R<Gate> {
        let env: serde_json::Map<String, serde_json::Value> = from_json(env_json, "env")?;
        let config: GateConfig = config_json_for(config_json, "config", Component::Gate)?;
        Ok(Self {
            inner: CoreGate::from_env_values_with_backend(config, &env, self::backend(backend)?).js()?,
        })
    }

    /// Step 1: route, credential and what to load: JSON.
    pub fn classify(&self, request_json: &str, now: f64) -> R<String> {
        let r: HttpRequest = from_json(request_json, "request")?;
        to_json(&self.inner.classify(&r, int(now, "now")?))
    }

    /// Step 2: allow or deny: JSON.
    pub fn decide(&self, classified_json: &str, lookup_json: Option<String>, now: f64) -> R<String> {
        let c: Classified = from_json(classified_json, "classified")?;
        let l: Lookup = opt_json(lookup_json, "lookup")?.unwrap_or_default();
        to_json(&self.inner.decide(&c, &l, int(now, "now")?))
    }

    /// The id of the user to load into the lookup's `user` (the JWT's subject, or the owner
    /// of the session loaded under `needs.session`, given as `session`), or `null`.
    #[wasm_bindgen(js_name = userToLoad)]
    pub fn user_to_load(&self, classified_json: &str, session_json: Option<String>) -> R<JsValue> {
        let c: Classified = from_json(classified_json, "classified")?;
        let s: Option<Session> = opt_json(session_json, "session")?;
        // `null`, not wasm-bindgen's `undefined` for `None` (the contract's `string | null`).
        Ok(c.user_to_load(s.as_ref()).map_or(JsValue::NULL, JsValue::from_str))
    }

    /// Both steps: JSON.
    pub fn authenticate(&self, request_json: &str, lookup_json: Option<String>, now: f64) -> R<String> {
        let r: HttpRequest = from_json(request_json, "request")?;
        let l: Lookup = opt_json(lookup_json, "lookup")?.unwrap_or_default();
        to_json(&self.inner.authenticate(&r, &l, int(now, "now")?))
    }
}

#[cfg(feature = "server")]
/// A new gateway token (256 bits, URL-safe base64 without padding).
#[wasm_bindgen(js_name = generateGatewayToken)]
pub fn generate_gateway_token(entropy: Option<Vec<u8>>) -> R<String> {
    Ok(authcore::gate::generate_gateway_token(&mut rng(entropy))
        .js()?
        .expose()
        .to_owned())
}

// ---------------------------------------------------------------------------------------------
// password
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "server")]
/// Registration and password login (argon2id; slow on purpose, also in a browser).
#[cfg(feature = "argon2")]
#[wasm_bindgen]
pub struct Accounts {
    inner: CoreAccounts,
}

#[cfg(feature = "server")]
#[cfg(feature = "argon2")]
#[wasm_bindgen]
impl Accounts {
    /// From the password policy (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(policy_json: &str) -> R<Accounts> {
        let policy: PasswordPolicy = config_json_for(policy_json, "policy", Component::Accounts)?;
        Ok(Self {
            inner: CoreAccounts::new(policy).js()?,
        })
    }

    /// An argon2id PHC string.
    #[wasm_bindgen(js_name = hashPassword)]
    pub fn hash_password(&self, password: &str, entropy: Option<Vec<u8>>) -> R<String> {
        self.inner.hash_password(password, &mut rng(entropy)).js()
    }

    /// [`Accounts::hash_password`] as a promise (computed synchronously on WASM).
    #[wasm_bindgen(js_name = hashPasswordAsync)]
    pub fn hash_password_async(&self, password: &str, entropy: Option<Vec<u8>>) -> js_sys::Promise {
        settle(self.hash_password(password, entropy))
    }

    /// Whether `password` matches the stored hash.
    #[wasm_bindgen(js_name = verifyPassword)]
    pub fn verify_password(&self, hash: &str, password: &str) -> R<bool> {
        self.inner.verify_password(hash, password).js()
    }

    /// [`Accounts::verify_password`] as a promise (computed synchronously on WASM).
    #[wasm_bindgen(js_name = verifyPasswordAsync)]
    pub fn verify_password_async(&self, hash: &str, password: &str) -> js_sys::Promise {
        settle(self.verify_password(hash, password))
    }

    /// Whether a stored hash uses other parameters than the policy.
    #[wasm_bindgen(js_name = needsRehash)]
    pub fn needs_rehash(&self, hash: &str) -> bool {
        self.inner.needs_rehash(hash)
    }

    /// Validates a registration and hashes its password: JSON.
    pub fn register(
        &self,
        password: &str,
        username: Option<String>,
        email: Option<String>,
        entropy: Option<Vec<u8>>,
    ) -> R<String> {
        let reg = Registration {
            username,
            email,
            password: authcore::secret::Secret::new(password),
        };
        to_json(&self.inner.register(&reg, &mut rng(entropy)).js()?)
    }

    /// [`Accounts::register`] as a promise (computed synchronously on WASM).
    #[wasm_bindgen(js_name = registerAsync)]
    pub fn register_async(
        &self,
        password: &str,
        username: Option<String>,
        email: Option<String>,
        entropy: Option<Vec<u8>>,
    ) -> js_sys::Promise {
        settle(self.register(password, username, email, entropy))
    }

    /// Password login: JSON `{user_id, email?}` or `invalid_credentials`.
    pub fn login(&self, account_json: Option<String>, password: &str) -> R<String> {
        let acct: Option<StoredCredentials> = opt_json(account_json, "account")?;
        to_json(&self.inner.login(acct.as_ref(), password).js()?)
    }

    /// [`Accounts::login`] as a promise (computed synchronously on WASM).
    #[wasm_bindgen(js_name = loginAsync)]
    pub fn login_async(&self, account_json: Option<String>, password: &str) -> js_sys::Promise {
        settle(self.login(account_json, password))
    }

    /// Password login behind brute-force limits: JSON `{login?, error?, account_limiter?,
    /// requester_limiter?, retry_at?}`.
    #[wasm_bindgen(js_name = loginLimited)]
    pub fn login_limited(
        &self,
        account_json: Option<String>,
        password: &str,
        account_limiter_json: Option<String>,
        requester_limiter_json: Option<String>,
        now: f64,
    ) -> R<String> {
        let acct: Option<StoredCredentials> = opt_json(account_json, "account")?;
        let a: Option<EntryLimiter> = opt_json(account_limiter_json, "accountLimiter")?;
        let r: Option<EntryLimiter> = opt_json(requester_limiter_json, "requesterLimiter")?;
        let now = int(now, "now")?;
        to_json(
            &self
                .inner
                .login_limited(acct.as_ref(), password, a.as_ref(), r.as_ref(), now),
        )
    }

    /// [`Accounts::login_limited`] as a promise (computed synchronously on WASM).
    #[wasm_bindgen(js_name = loginLimitedAsync)]
    pub fn login_limited_async(
        &self,
        account_json: Option<String>,
        password: &str,
        account_limiter_json: Option<String>,
        requester_limiter_json: Option<String>,
        now: f64,
    ) -> js_sys::Promise {
        settle(self.login_limited(
            account_json,
            password,
            account_limiter_json,
            requester_limiter_json,
            now,
        ))
    }
}

#[cfg(feature = "server")]
/// The normalised user name.
#[wasm_bindgen(js_name = normalizeUsername)]
pub fn normalize_username(username: &str) -> R<String> {
    password::normalize_username(username).js()
}

#[cfg(feature = "server")]
/// The normalised e-mail address.
#[wasm_bindgen(js_name = normalizeEmail)]
pub fn normalize_email(email: &str) -> R<String> {
    password::normalize_email(email).js()
}

// ---------------------------------------------------------------------------------------------
// cors
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "server")]
/// CORS decisions for one configuration.
#[wasm_bindgen]
pub struct Cors {
    inner: CoreCors,
}

#[cfg(feature = "server")]
#[wasm_bindgen]
impl Cors {
    /// From the CORS settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<Cors> {
        let config: CorsConfig = config_json_for(config_json, "config", Component::Cors)?;
        Ok(Self {
            inner: CoreCors::new(config).js()?,
        })
    }

    /// The decision for one request (JSON): `preflight`, `refused` or `actual`.
    pub fn decide(&self, request_json: &str) -> R<String> {
        let r: HttpRequest = from_json(request_json, "request")?;
        to_json(&self.inner.decide(&r))
    }
}

// ---------------------------------------------------------------------------------------------
// refresh
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "server")]
/// Refresh-token rotation with reuse detection.
#[wasm_bindgen]
pub struct RefreshTokens {
    inner: CoreRefreshTokens,
}

#[cfg(feature = "server")]
#[wasm_bindgen]
impl RefreshTokens {
    /// From the refresh settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<RefreshTokens> {
        let config: RefreshConfig = from_json(config_json, "config")?;
        Ok(Self {
            inner: CoreRefreshTokens::new(config).js()?,
        })
    }

    /// Starts a family: JSON `{refresh_token, record}`.
    pub fn issue(
        &self,
        user_id: &str,
        client_id: Option<String>,
        scope: Option<String>,
        now: f64,
        entropy: Option<Vec<u8>>,
    ) -> R<String> {
        let now = int(now, "now")?;
        let i = self
            .inner
            .issue(user_id, client_id.as_deref(), scope.as_deref(), now, &mut rng(entropy))
            .js()?;
        to_json(&i)
    }

    /// Uses a presented token: JSON (`rotated` or `reuse`).
    pub fn rotate(
        &self,
        record_json: Option<String>,
        token: &str,
        client_id: Option<String>,
        now: f64,
        entropy: Option<Vec<u8>>,
    ) -> R<String> {
        let r: Option<RefreshRecord> = opt_json(record_json, "record")?;
        let now = int(now, "now")?;
        let out = self
            .inner
            .rotate(r.as_ref(), token, client_id.as_deref(), now, &mut rng(entropy))
            .js()?;
        to_json(&out)
    }

    /// The record revoked: JSON.
    pub fn revoke(&self, record_json: &str) -> R<String> {
        let r: RefreshRecord = from_json(record_json, "record")?;
        to_json(&self.inner.revoke(&r))
    }
}

#[cfg(feature = "server")]
/// The lookup key of a refresh token.
#[wasm_bindgen(js_name = refreshTokenHash)]
pub fn refresh_token_hash(token: &str) -> String {
    refresh::refresh_token_hash(token)
}

#[cfg(feature = "server")]
/// Parses a stored refresh-token record: JSON.
#[wasm_bindgen(js_name = loadRefreshRecord)]
pub fn load_refresh_record(text: &str) -> R<String> {
    to_json(&RefreshRecord::from_json(text).js()?)
}

#[cfg(feature = "server")]
/// Parses a form-encoded refresh request (RFC 6749 §6; `client_id` overrides the body's): JSON.
#[wasm_bindgen(js_name = parseRefreshRequest)]
pub fn parse_refresh_request(body: &str, client_id: Option<String>) -> R<String> {
    to_json(&RefreshRequest::from_form(body, client_id.as_deref()).js()?)
}

// ---------------------------------------------------------------------------------------------
// oauth
// ---------------------------------------------------------------------------------------------

/// A PKCE pair: JSON `{verifier, challenge, method}`.
#[wasm_bindgen]
pub fn pkce(
    verifier: Option<String>,
    method: Option<String>,
    allow_plain: bool,
    bytes: Option<f64>,
    entropy: Option<Vec<u8>>,
) -> R<String> {
    let method = PkceMethod::from_name(method.as_deref()).js()?;
    let bytes = bytes
        .map(|b| usize::try_from(uint(b, "bytes")?).map_err(|_| type_error("bytes: out of range".to_owned())))
        .transpose()?;
    let p = Pkce::create(verifier.as_deref(), method, allow_plain, bytes, &mut rng(entropy)).js()?;
    to_json(&p)
}

#[cfg(feature = "server")]
/// The server's PKCE check (throws `invalid_grant` on mismatch or downgrade).
#[wasm_bindgen(js_name = checkPkce)]
pub fn check_pkce(challenge_json: Option<String>, verifier: Option<String>, allow_plain: bool) -> R<()> {
    let c: Option<StoredChallenge> = opt_json(challenge_json, "challenge")?;
    oauth::check_pkce(c.as_ref(), verifier.as_deref(), allow_plain).js()
}

/// Where `issuer` publishes its metadata (`kind`: `"openid"`, the default, or `"oauth"`).
#[wasm_bindgen(js_name = wellKnownUrl)]
pub fn well_known_url(issuer: &str, kind: Option<String>, allow_insecure_http: bool) -> R<String> {
    let kind: WellKnown = match kind {
        Some(k) => from_json(&Value::String(k).to_string(), "kind")?,
        None => WellKnown::default(),
    };
    discovery::well_known_url(issuer, kind, allow_insecure_http).js()
}

/// A provider's metadata response read for the expected issuer: JSON ProviderMetadata.
#[wasm_bindgen(js_name = parseProviderMetadata)]
pub fn parse_provider_metadata(response_json: &str, issuer: &str, allow_insecure_http: bool) -> R<String> {
    let r: HttpResponse = from_json(response_json, "response")?;
    to_json(&ProviderMetadata::parse(&r, issuer, allow_insecure_http).js()?)
}

/// The authorization-code flow with PKCE and a single-use state.
#[wasm_bindgen]
pub struct AuthCodeClient {
    inner: CoreAuthCodeClient,
}

#[wasm_bindgen]
impl AuthCodeClient {
    /// From the client settings (JSON).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> R<AuthCodeClient> {
        let config: AuthCodeConfig = config_json_for(config_json, "config", Component::AuthCode)?;
        Ok(Self {
            inner: CoreAuthCodeClient::new(config).js()?,
        })
    }

    /// JSON `{url, record}`.
    pub fn start(&self, now: f64, entropy: Option<Vec<u8>>) -> R<String> {
        to_json(&self.inner.start(int(now, "now")?, &mut rng(entropy)).js()?)
    }

    /// Validates the callback URL: JSON `{request, record}`.
    pub fn callback(&self, record_json: &str, callback: &str, now: f64) -> R<String> {
        let r: PendingAuthorization = from_json(record_json, "record")?;
        to_json(&self.inner.callback(&r, callback, int(now, "now")?).js()?)
    }

    /// The token set from the token endpoint's response: JSON.
    #[wasm_bindgen(js_name = tokenResponse)]
    pub fn token_response(&self, response_json: &str, now: f64) -> R<String> {
        let r: HttpResponse = from_json(response_json, "response")?;
        to_json(&self.inner.token_response(&r, int(now, "now")?).js()?)
    }

    /// The OpenID Connect ID-token checks on a verified token.
    #[wasm_bindgen(js_name = checkIdToken)]
    pub fn check_id_token(&self, verified_json: &str, record_json: &str, access_token: Option<String>) -> R<()> {
        let v: jwt::VerifiedToken = from_json(verified_json, "verified")?;
        let r: PendingAuthorization = from_json(record_json, "record")?;
        self.inner.check_id_token(&v, &r, access_token.as_deref()).js()
    }
}

// ---------------------------------------------------------------------------------------------
// broker
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "server")]
/// The credential broker over bundled and custom providers.
#[wasm_bindgen]
pub struct Broker {
    inner: CoreBroker,
}

#[cfg(feature = "server")]
#[wasm_bindgen]
impl Broker {
    /// From custom provider definitions (JSON, or `null`) and the loopback switch.
    #[wasm_bindgen(constructor)]
    pub fn new(custom_json: Option<String>, allow_loopback_http: bool) -> R<Broker> {
        let custom: Vec<Value> = opt_json(custom_json, "custom")?.unwrap_or_default();
        Ok(Self {
            inner: CoreBroker::from_custom(&custom, allow_loopback_http).js()?,
        })
    }

    /// JSON `{providers, sources, overrides}`.
    pub fn providers(&self) -> R<String> {
        to_json(self.inner.providers())
    }

    /// The routing table in precedence order: JSON.
    #[wasm_bindgen(js_name = routingTable)]
    pub fn routing_table(&self) -> R<String> {
        to_json(&self.inner.routing_table())
    }

    /// What an outbound request to `url` needs: JSON.
    pub fn resolve(&self, url: &str, connections_json: &str, method: Option<String>, now: f64) -> R<String> {
        let conns: Vec<Connection> = from_json(connections_json, "connections")?;
        to_json(
            &self
                .inner
                .resolve(method.as_deref(), url, &conns, int(now, "now")?)
                .js()?,
        )
    }

    /// The connection after a refresh response: JSON.
    #[wasm_bindgen(js_name = applyRefresh)]
    pub fn apply_refresh(&self, connection_json: &str, response_json: &str, now: f64) -> R<String> {
        let c: Connection = from_json(connection_json, "connection")?;
        let r: HttpResponse = from_json(response_json, "response")?;
        to_json(&self.inner.apply_refresh(&c, &r, int(now, "now")?).js()?)
    }
}

#[cfg(feature = "server")]
/// The listing form of connections (secrets redacted): JSON.
#[wasm_bindgen]
pub fn redact(connections_json: &str) -> R<String> {
    let conns: Vec<Connection> = from_json(connections_json, "connections")?;
    to_json(&broker::redact(&conns))
}

#[cfg(feature = "server")]
/// `NAME='value'` lines for POSIX sh (reveals secrets).
#[wasm_bindgen(js_name = exportEnv)]
pub fn export_env(connections_json: &str) -> R<String> {
    let conns: Vec<Connection> = from_json(connections_json, "connections")?;
    broker::export_env(&conns).js()
}

#[cfg(feature = "server")]
/// Checks a connection before it is stored.
#[wasm_bindgen(js_name = checkConnection)]
pub fn check_connection(connection_json: &str) -> R<()> {
    let c: Connection = from_json(connection_json, "connection")?;
    c.check().js()
}

#[cfg(feature = "server")]
/// The connections as JSON data (reveals secrets).
#[wasm_bindgen(js_name = exportJson)]
pub fn export_json(connections_json: &str) -> R<String> {
    let conns: Vec<Connection> = from_json(connections_json, "connections")?;
    to_json(&broker::export_json(&conns))
}

#[cfg(feature = "server")]
/// The readiness report: JSON `{status, components, warnings, errors}`.
#[wasm_bindgen]
pub fn readiness(
    custom_json: Option<String>,
    connections_json: Option<String>,
    key_files_json: Option<String>,
    now: f64,
    schema_version: Option<f64>,
    allow_loopback_http: Option<bool>,
) -> R<String> {
    let custom: Vec<Value> = opt_json(custom_json, "custom")?.unwrap_or_default();
    let conns: Vec<Connection> = opt_json(connections_json, "connections")?.unwrap_or_default();
    let keys: Vec<KeyFile> = opt_json(key_files_json, "keyFiles")?.unwrap_or_default();
    let schema_version = match schema_version {
        None => None,
        Some(v) => Some(
            u32::try_from(uint(v, "schemaVersion")?)
                .map_err(|_| type_error("schemaVersion: expected a non-negative 32-bit integer".to_owned()))?,
        ),
    };
    to_json(&broker::readiness_with(
        &custom,
        &conns,
        &keys,
        schema_version,
        int(now, "now")?,
        allow_loopback_http.unwrap_or(false),
    ))
}
