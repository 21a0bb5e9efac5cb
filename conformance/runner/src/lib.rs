//! The Rust conformance runner: executes `conformance/vectors/**.json` against the core.
//!
//! A case is a list of steps; each step names an operation, gives its input, and expects
//! either an output (compared as JSON, exactly) or an error (`code`, and `field`, `status`
//! and `detail` when given).
//! A step may `bind` its output to a name; later inputs refer to it as
//! `{"$ref": "name.path.to.value"}`. An unknown operation fails the case: nothing is skipped.
//! Every case runs once per crypto backend.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use authcore::broker::{export_env, export_json, readiness_with, redact, set_default, Broker, Connection, KeyFile};
use authcore::cors::{Cors, CorsConfig};
use authcore::device::{
    device_code_hash, AuthorizationRequest, DeviceAuthority, DeviceClient, DeviceClientConfig, DeviceGrant,
    DeviceServerConfig, EntryLimiter, TokenRequest,
};
use authcore::discovery::{well_known_url, ProviderMetadata, WellKnown};
use authcore::entropy::{Entropy, FixedEntropy};
use authcore::error::ErrorCode;
use authcore::gate::{Classified, Gate, GateConfig, Lookup};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::{
    Backend, Issuer, IssuerConfig, JwksCache, JwksCacheConfig, JwtConfig, KeySet, KeySpec, SigningKey, Verifier,
    VerifierSpec,
};
use authcore::oauth::{
    self, check_pkce, AuthCodeClient, AuthCodeConfig, PendingAuthorization, Pkce, PkceMethod, StoredChallenge,
};
use authcore::password::{
    normalize_email, normalize_username, Accounts, PasswordPolicy, Registration, StoredCredentials,
};
use authcore::profile::Component;
use authcore::refresh::{refresh_token_hash, RefreshConfig, RefreshRecord, RefreshRequest, RefreshTokens};
use authcore::revocation::{introspection_outcome, revocation_outcome, ClientAuth};
use authcore::session::{token_hash, Session, SessionManager};
use authcore::tokens::{ClientConfig, RequestDriver, ResponseFields, StoredTokens, TokenSet};
use authcore::Error;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

mod authflow;
mod dpop;
mod grants;
mod mcp;
mod signin;
mod vault;

/// One vector file.
#[derive(Debug)]
pub struct Suite {
    /// The folder name (`jwt`, `tokens`, …).
    pub area: String,
    /// The file.
    pub path: PathBuf,
    /// Its cases.
    pub cases: Vec<Value>,
}

/// Loads every `*.json` under `dir/<area>/`.
pub fn load(dir: &Path) -> Result<Vec<Suite>, String> {
    let mut suites = Vec::new();
    let mut areas: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    areas.sort();
    for area in areas {
        let mut files: Vec<_> = std::fs::read_dir(&area)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            let cases = doc
                .get("cases")
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| format!("{}: no `cases` array", path.display()))?;
            suites.push(Suite {
                area: area
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                path,
                cases,
            });
        }
    }
    Ok(suites)
}

/// Per-case state: bound values and the live state machines.
struct Ctx {
    backend: Backend,
    bound: BTreeMap<String, Value>,
    driver: Option<RequestDriver>,
    device_client: Option<DeviceClient>,
    jwks_cache: Option<JwksCache>,
    authority: Option<DeviceAuthority>,
    sessions: Option<SessionManager>,
    gate: Option<Gate>,
    accounts: Option<Accounts>,
    refresh: Option<RefreshTokens>,
    auth_code: Option<AuthCodeClient>,
    broker: Option<Broker>,
    cors: Option<Cors>,
    signin: signin::SigninObjects,
    vault: Option<authcore::vault::Vault>,
    authflow: authflow::AuthflowObjects,
    mcp: mcp::McpObjects,
    dpop_nonces: Option<authcore::dpop::DpopNonces>,
}

/// Runs one case on one backend. `Err` describes the first failing step.
pub fn run_case(case: &Value, backend: Backend) -> Result<(), String> {
    let steps = case
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("case has no `steps`")?;
    let mut ctx = Ctx {
        backend,
        bound: BTreeMap::new(),
        driver: None,
        device_client: None,
        jwks_cache: None,
        authority: None,
        sessions: None,
        gate: None,
        accounts: None,
        refresh: None,
        auth_code: None,
        broker: None,
        cors: None,
        signin: signin::SigninObjects::default(),
        vault: None,
        authflow: authflow::AuthflowObjects::default(),
        mcp: mcp::McpObjects::default(),
        dpop_nonces: None,
    };
    for (i, step) in steps.iter().enumerate() {
        run_step(&mut ctx, step).map_err(|e| format!("step {i} ({}): {e}", step["op"].as_str().unwrap_or("?")))?;
    }
    Ok(())
}

fn run_step(ctx: &mut Ctx, step: &Value) -> Result<(), String> {
    let op = step.get("op").and_then(Value::as_str).ok_or("step has no `op`")?;
    let input = resolve(ctx, step.get("input").cloned().unwrap_or(json!({})))?;
    let result = dispatch(ctx, op, &input)?;
    match (step.get("expect"), step.get("expect_error"), result) {
        (Some(want), None, Ok(got)) => {
            if &got != want {
                return Err(format!("output mismatch\n  want: {want}\n  got:  {got}"));
            }
            bind(ctx, step, got);
        }
        (None, Some(want), Err(err)) => {
            let got_code = err.code().as_str();
            if want.get("code").and_then(Value::as_str) != Some(got_code) {
                return Err(format!(
                    "error mismatch: want {want}, got {got_code} ({})",
                    err.detail()
                ));
            }
            if let Some(field) = want.get("field") {
                if field.as_str() != err.field_name() {
                    return Err(format!(
                        "error field mismatch: want {field}, got {:?}",
                        err.field_name()
                    ));
                }
            }
            if let Some(status) = want.get("status") {
                if status.as_u64() != Some(u64::from(err.status())) {
                    return Err(format!("error status mismatch: want {status}, got {}", err.status()));
                }
            }
            if let Some(detail) = want.get("detail") {
                if detail.as_str() != Some(err.detail()) {
                    return Err(format!("error detail mismatch: want {detail}, got {:?}", err.detail()));
                }
            }
        }
        (None, None, Ok(got)) if step.get("bind").is_some() => bind(ctx, step, got),
        (_, _, Ok(got)) => return Err(format!("expected an error, got output {got}")),
        (_, _, Err(err)) => return Err(format!("unexpected error {err}")),
    }
    Ok(())
}

fn bind(ctx: &mut Ctx, step: &Value, got: Value) {
    if let Some(name) = step.get("bind").and_then(Value::as_str) {
        ctx.bound.insert(name.to_owned(), got);
    }
}

/// Replaces `{"$ref": "name.path"}` objects with bound values.
fn resolve(ctx: &Ctx, v: Value) -> Result<Value, String> {
    Ok(match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("$ref") => {
            let path = m.get("$ref").and_then(Value::as_str).ok_or("`$ref` must be a string")?;
            let mut parts = path.split('.');
            let root = parts.next().unwrap_or_default();
            let mut cur = ctx.bound.get(root).ok_or_else(|| format!("unbound `{root}`"))?;
            for p in parts {
                cur = match cur {
                    Value::Array(a) => p.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => cur.get(p),
                }
                .ok_or_else(|| format!("`{path}` not found"))?;
            }
            cur.clone()
        }
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| resolve(ctx, v).map(|v| (k, v)))
                .collect::<Result<Map<_, _>, _>>()?,
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| resolve(ctx, v)).collect::<Result<_, _>>()?),
        other => other,
    })
}

type OpResult = Result<Result<Value, Error>, String>;

fn arg<T: DeserializeOwned>(input: &Value, name: &str) -> Result<T, String> {
    serde_json::from_value(input.get(name).cloned().unwrap_or(Value::Null)).map_err(|e| format!("input `{name}`: {e}"))
}

/// A component's settings: input `name`, with input `profile` (when given) applied by the
/// core's merge rule. The inner error is the core's (an unknown profile is a step error).
fn settings<T: DeserializeOwned>(input: &Value, name: &str, component: Component) -> Result<Result<T, Error>, String> {
    let mut config = input.get(name).cloned().unwrap_or(Value::Null);
    if let Some(p) = input.get("profile").filter(|p| !p.is_null()) {
        if config.is_null() {
            config = json!({});
        }
        if let Value::Object(m) = &mut config {
            m.insert("profile".into(), p.clone());
        }
    }
    match authcore::profile::resolve(component, config) {
        Ok(v) => serde_json::from_value(v)
            .map(Ok)
            .map_err(|e| format!("input `{name}`: {e}")),
        Err(e) => Ok(Err(e)),
    }
}

fn opt<T: DeserializeOwned>(input: &Value, name: &str) -> Result<Option<T>, String> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => arg(input, name).map(Some),
    }
}

fn entropy(input: &Value) -> Result<FixedEntropy, String> {
    let hex: String = opt(input, "entropy")?.unwrap_or_default();
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or("`entropy` must be hex")?;
    Ok(FixedEntropy::new(bytes))
}

fn out<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Every operation this runner implements: the same set as `conformance/ops.json` and the
/// README's operation table (`tests/ops.rs` checks both).
pub const OPS: &[&str] = &[
    "errors.lookup",
    "jwt.verify",
    "jwt.issue",
    "jwt.env_issue",
    "jwt.verify_signature",
    "jwt.jwks",
    "jwt.skipped_keys",
    "tokens.from_response",
    "tokens.freshness",
    "tokens.load",
    "tokens.save",
    "driver.new",
    "driver.send",
    "driver.handle_response",
    "driver.handle_network_error",
    "driver.handle_loaded",
    "driver.handle_save_conflict",
    "driver.set_identity",
    "driver.status",
    "driver.snapshot",
    "driver.restore",
    "discovery.well_known_url",
    "discovery.parse",
    "jwks_cache.new",
    "jwks_cache.verify",
    "jwks_cache.key_for",
    "jwks_cache.handle_response",
    "jwks_cache.handle_network_error",
    "jwks_cache.handle_timeout",
    "jwks_cache.status",
    "jwks_cache.snapshot",
    "jwks_cache.restore",
    "device.client.new",
    "device.client.start",
    "device.client.handle_timeout",
    "device.client.handle_response",
    "device.client.handle_network_error",
    "device.client.cancel",
    "device.client.status",
    "device.client.snapshot",
    "device.client.restore",
    "device.server.new",
    "device.server.issue",
    "device.server.normalize_user_code",
    "device.server.check_user_code",
    "device.server.enter_user_code",
    "device.server.consent",
    "device.server.approve",
    "device.server.deny",
    "device.server.poll",
    "device.server.parse_token_request",
    "device.server.parse_authorization_request",
    "device.server.hash",
    "device.server.load",
    "device.oauth_error",
    "oauth.error_response",
    "session.new",
    "session.create",
    "session.sign_in",
    "session.exchange",
    "session.validate",
    "session.revoke",
    "session.hash",
    "session.load",
    "gate.new",
    "gate.classify",
    "gate.decide",
    "gate.authenticate",
    "gate.from_env",
    "gate.generate_gateway_token",
    "password.new",
    "password.hash",
    "password.verify",
    "password.needs_rehash",
    "password.register",
    "password.login",
    "password.login_limited",
    "password.normalize_username",
    "password.normalize_email",
    "refresh.new",
    "refresh.issue",
    "refresh.rotate",
    "refresh.revoke",
    "refresh.hash",
    "refresh.load",
    "refresh.parse_request",
    "oauth.pkce",
    "oauth.check_pkce",
    "oauth.new",
    "oauth.start",
    "oauth.callback",
    "oauth.check_id_token",
    "oauth.token_response",
    "broker.load",
    "broker.routing_table",
    "broker.resolve",
    "broker.apply_refresh",
    "broker.redact",
    "broker.export_env",
    "broker.export_json",
    "broker.check_connection",
    "broker.readiness",
    "broker.set_default",
    "broker.revoke",
    "broker.revocation_outcome",
    "broker.introspect",
    "broker.introspection_outcome",
    "broker.provider_listing",
    "broker.show_provider",
    "cors.new",
    "cors.decide",
    "profile.load",
    "profile.names",
    "signin.desktop.new",
    "signin.desktop.issue",
    "signin.desktop.redirect_allowed",
    "signin.desktop.redeem",
    "signin.desktop.parse_exchange",
    "signin.desktop.exchange",
    "signin.desktop.hash",
    "signin.desktop.load",
    "signin.client.new",
    "signin.client.start",
    "signin.client.handle_redirect",
    "signin.client.handle_response",
    "signin.client.handle_network_error",
    "signin.client.handle_timeout",
    "signin.client.cancel",
    "signin.client.status",
    "signin.client.snapshot",
    "signin.client.restore",
    "signin.magic.new",
    "signin.magic.issue",
    "signin.magic.redeem",
    "signin.magic.hash",
    "signin.magic.load",
    "vault.new",
    "vault.kids",
    "vault.seal",
    "vault.open",
    "vault.reseal",
    "vault.needs_reseal",
    "vault.inspect",
    "vault.generate_master_key",
    "vault.parse_master_key",
    "vault.master_key_from_bytes",
    "registration.request",
    "registration.response",
    "grants.request",
    "grants.client_assertion",
    "grants.response",
    "grants.token_exchange_response",
    "grants.choose_auth_method",
    "grants.id_jag_request",
    "authflow.start",
    "authflow.handle_response",
    "authflow.handle_network_error",
    "authflow.handle_timeout",
    "authflow.handle_callback",
    "authflow.submit_input",
    "authflow.resume",
    "authflow.status",
    "authflow.snapshot",
    "authflow.restore",
    // MCP resource server
    "mcp_server.metadata_url",
    "mcp_server.check_metadata",
    "mcp_server.serve_metadata",
    "mcp_server.resource_matches",
    "challenge.parse",
    "mcp.prm_urls",
    "mcp.as_metadata_urls",
    "mcp.resource_matches",
    "mcp.choose_scopes",
    "mcp.choose_auth_method",
    "mcp.prm_parse",
    "mcp.client.new",
    "mcp.client.handle_unauthorized",
    "mcp.client.handle_response",
    "mcp.client.handle_network_error",
    "mcp.client.handle_callback",
    "mcp.client.provide_client",
    "mcp.client.handle_success",
    "mcp.client.add_client",
    "mcp.client.add_tokens",
    "mcp.client.authorize_request",
    "mcp.client.resume",
    "mcp.client.status",
    "mcp.client.snapshot",
    "mcp.client.restore",
    "dpop.thumbprint",
    "dpop.access_token_hash",
    "dpop.normalize_htu",
    "dpop.generate",
    "dpop.proof",
    "dpop.check",
    "dpop.issue_nonce",
    "dpop.check_replay",
    "dpop.challenge",
    "dpop.token_endpoint_error",
    "dpop.check_token_type",
    "dpop.confirmation",
    "dpop.check_token_binding",
    "dpop.nonces.new",
    "dpop.nonces.handle_response",
    "dpop.nonces.nonce_for",
];

/// The operation table. Shapes are documented in `conformance/README.md`.
fn dispatch(ctx: &mut Ctx, op: &str, input: &Value) -> OpResult {
    if !OPS.contains(&op) {
        return Err(format!("unknown operation `{op}`"));
    }
    let backend = ctx.backend;
    let r = (|| -> OpResult {
        Ok(match op {
            "errors.lookup" => {
                let code: String = arg(input, "code")?;
                let code = code.parse::<ErrorCode>().map_err(|_| format!("unknown code {code}"))?;
                let err = Error::new(code);
                Ok(
                    json!({"code": code.as_str(), "status": code.status(), "family": code.family(), "detail": code.default_detail(), "body": err.to_json()}),
                )
            }
            "jwt.verify" => {
                let spec = VerifierSpec {
                    config: arg(input, "config")?,
                    keys: opt(input, "keys")?,
                    jwks: opt(input, "jwks")?,
                    default_alg: opt(input, "default_alg")?,
                };
                let token: String = arg(input, "token")?;
                let now: i64 = arg(input, "now")?;
                Verifier::from_spec(spec, backend)
                    .and_then(|v| v.verify(&token, now))
                    .map(|t| out(&t))
            }
            "jwt.issue" => {
                let config = match input.get("profile") {
                    Some(_) => settings::<IssuerConfig>(input, "config", Component::Issuer)?,
                    None => Ok(opt(input, "config")?.unwrap_or_default()),
                };
                let spec: KeySpec = arg(input, "key")?;
                let claims: Value = arg(input, "claims")?;
                let now: i64 = arg(input, "now")?;
                let mut e = entropy(input)?;
                config
                    .and_then(|config| SigningKey::from_spec(&spec, backend).map(|k| (config, k)))
                    .and_then(|(config, k)| Issuer::new(config, k))
                    .and_then(|i| i.issue(claims, now, &mut e as &mut dyn Entropy))
                    .map(|token| json!({ "token": token }))
            }
            "jwt.env_issue" => {
                let env: Map<String, Value> = arg(input, "env")?;
                let claims: Value = arg(input, "claims")?;
                let now: i64 = arg(input, "now")?;
                let mut e = entropy(input)?;
                JwtConfig::from_env_values(&env, backend)
                    .and_then(|c| c.issuer.issue(claims, now, &mut e).map(|t| (c, t)))
                    .and_then(|(c, token)| {
                        c.verifier
                            .verify(&token, now)
                            .map(|v| json!({"token": token, "verified": out(&v)}))
                    })
            }
            "jwt.verify_signature" => {
                let spec: KeySpec = arg(input, "key")?;
                let signing_input: String = arg(input, "signing_input")?;
                let sig: String = arg(input, "signature")?;
                let sig = base64_url(&sig)?;
                authcore::jwt::VerifyingKey::from_spec(&spec, backend)
                    .map(|k| json!({"valid": k.verify_signature(&sig, signing_input.as_bytes())}))
            }
            "jwt.jwks" => {
                let jwks: Value = arg(input, "jwks")?;
                KeySet::from_jwks(&jwks, opt(input, "default_alg")?, backend).map(|k| out(&k.report()))
            }
            "jwt.skipped_keys" => {
                let spec = VerifierSpec {
                    config: arg(input, "config")?,
                    keys: None,
                    jwks: Some(arg(input, "jwks")?),
                    default_alg: opt(input, "default_alg")?,
                };
                Verifier::from_spec(spec, backend).map(|v| json!({"skipped": out(&v.skipped_keys())}))
            }
            "tokens.from_response" => {
                let body: String = arg(input, "body")?;
                let fields: ResponseFields = opt(input, "response_fields")?.unwrap_or_default();
                TokenSet::from_token_response_with_fields(&body, arg(input, "now")?, None, &fields).map(|t| out(&t))
            }
            "tokens.freshness" => {
                let t: TokenSet = arg(input, "tokens")?;
                let margin: Option<i64> = opt(input, "margin")?;
                Ok(json!({"freshness": t.freshness(arg(input, "now")?, margin)}))
            }
            "tokens.load" => {
                let text: String = arg(input, "text")?;
                StoredTokens::from_json(&text).map(|s| out(&s))
            }
            "tokens.save" => {
                let s: StoredTokens = arg(input, "stored")?;
                Ok(json!({"text": s.to_json()}))
            }
            "driver.new" => {
                let config = settings::<ClientConfig>(input, "config", Component::Client)?;
                let stored: Option<StoredTokens> = opt(input, "stored")?;
                config
                    .and_then(|config| RequestDriver::with_config(config, stored))
                    .map(|d| {
                        ctx.driver = Some(d);
                        json!({})
                    })
            }
            "driver.restore" => RequestDriver::restore(&arg::<Value>(input, "snapshot")?).map(|mut d| {
                let actions = out(&d.actions());
                ctx.driver = Some(d);
                json!({ "actions": actions })
            }),
            op if op.starts_with("driver.") => {
                let d = ctx.driver.as_mut().ok_or("no driver: call driver.new first")?;
                let now = || arg::<i64>(input, "now");
                let mut result = json!({});
                let r = match op {
                    "driver.send" => {
                        let req: HttpRequest = arg(input, "request")?;
                        result["request"] = json!(d.send(req, now()?));
                        Ok(())
                    }
                    "driver.handle_response" => {
                        let resp: HttpResponse = arg(input, "response")?;
                        d.handle_response(arg(input, "transmit")?, resp, now()?)
                    }
                    "driver.handle_network_error" => d.handle_network_error(arg(input, "transmit")?, now()?),
                    "driver.handle_loaded" => d.handle_loaded(opt(input, "stored")?, now()?),
                    "driver.handle_save_conflict" => d.handle_save_conflict(arg(input, "stored")?),
                    "driver.set_identity" => d.set_identity(opt(input, "identity")?),
                    "driver.status" => return Ok(Ok(out(&d.status(now()?)))),
                    "driver.snapshot" => return Ok(Ok(d.snapshot())),
                    _ => return Err(format!("unknown operation `{op}`")),
                };
                r.map(|()| {
                    result["actions"] = out(&d.actions());
                    result
                })
            }
            "discovery.well_known_url" => {
                let issuer: String = arg(input, "issuer")?;
                let kind: Option<WellKnown> = opt(input, "kind")?;
                let insecure: Option<bool> = opt(input, "allow_insecure_http")?;
                well_known_url(&issuer, kind.unwrap_or_default(), insecure.unwrap_or(false))
                    .map(|url| json!({ "url": url }))
            }
            "discovery.parse" => {
                let response: HttpResponse = arg(input, "response")?;
                let issuer: String = arg(input, "issuer")?;
                let insecure: Option<bool> = opt(input, "allow_insecure_http")?;
                ProviderMetadata::parse(&response, &issuer, insecure.unwrap_or(false)).map(|m| out(&m))
            }
            "jwks_cache.new" => {
                let config: JwksCacheConfig = arg(input, "config")?;
                JwksCache::new(config, backend).map(|c| {
                    ctx.jwks_cache = Some(c);
                    json!({})
                })
            }
            "jwks_cache.restore" => JwksCache::restore(&arg::<Value>(input, "snapshot")?, backend).map(|mut c| {
                let actions = out(&c.actions());
                ctx.jwks_cache = Some(c);
                json!({ "actions": actions })
            }),
            op if op.starts_with("jwks_cache.") => {
                let c = ctx
                    .jwks_cache
                    .as_mut()
                    .ok_or("no key-set cache: call jwks_cache.new first")?;
                let now = || arg::<i64>(input, "now");
                let result = match op {
                    "jwks_cache.verify" => c.verify(&arg::<String>(input, "token")?, now()?).map(|r| out(&r)),
                    "jwks_cache.key_for" => {
                        let kid: Option<String> = opt(input, "kid")?;
                        c.key_for(kid.as_deref(), now()?).map(|r| out(&r))
                    }
                    "jwks_cache.handle_response" => c
                        .handle_response(arg(input, "transmit")?, arg(input, "response")?, now()?)
                        .map(|()| Value::Null),
                    "jwks_cache.handle_network_error" => c
                        .handle_network_error(arg(input, "transmit")?, now()?)
                        .map(|()| Value::Null),
                    "jwks_cache.handle_timeout" => {
                        c.handle_timeout(now()?);
                        Ok(Value::Null)
                    }
                    "jwks_cache.status" => return Ok(Ok(out(&c.status(now()?)))),
                    "jwks_cache.snapshot" => return Ok(Ok(c.snapshot())),
                    _ => return Err(format!("unknown operation `{op}`")),
                };
                result.map(|r| {
                    let actions = out(&c.actions());
                    if r.is_null() {
                        json!({ "actions": actions })
                    } else {
                        json!({ "result": r, "actions": actions })
                    }
                })
            }
            "device.client.new" => settings::<DeviceClientConfig>(input, "config", Component::DeviceClient)?
                .and_then(DeviceClient::new)
                .map(|c| {
                    ctx.device_client = Some(c);
                    json!({})
                }),
            "device.client.restore" => DeviceClient::restore(&arg::<Value>(input, "snapshot")?).map(|mut c| {
                let actions = out(&c.actions());
                ctx.device_client = Some(c);
                json!({ "actions": actions })
            }),
            op if op.starts_with("device.client.") => {
                let c = ctx
                    .device_client
                    .as_mut()
                    .ok_or("no device client: call device.client.new first")?;
                let now = || arg::<i64>(input, "now");
                let r = match op {
                    "device.client.start" => c.start(now()?),
                    "device.client.handle_response" => {
                        c.handle_response(arg(input, "transmit")?, arg(input, "response")?, now()?)
                    }
                    "device.client.handle_network_error" => c.handle_network_error(arg(input, "transmit")?, now()?),
                    "device.client.handle_timeout" => c.handle_timeout(now()?),
                    "device.client.cancel" => {
                        c.cancel();
                        Ok(())
                    }
                    "device.client.status" => return Ok(Ok(out(&c.status(now()?)))),
                    "device.client.snapshot" => return Ok(Ok(c.snapshot())),
                    _ => return Err(format!("unknown operation `{op}`")),
                };
                r.map(|()| json!({ "actions": out(&c.actions()) }))
            }
            "device.server.new" => settings::<DeviceServerConfig>(input, "config", Component::DeviceServer)?
                .and_then(DeviceAuthority::new)
                .map(|a| {
                    ctx.authority = Some(a);
                    json!({})
                }),
            "device.server.parse_authorization_request" => {
                AuthorizationRequest::from_form(&arg::<String>(input, "body")?).map(|r| out(&r))
            }
            "device.server.parse_token_request" => {
                let client_id: Option<String> = opt(input, "client_id")?;
                TokenRequest::from_form(&arg::<String>(input, "body")?, client_id.as_deref()).map(|r| out(&r))
            }
            "device.server.hash" => Ok(json!({"hash": device_code_hash(&arg::<String>(input, "device_code")?)})),
            "device.server.load" => DeviceGrant::from_json(&arg::<String>(input, "text")?).map(|g| out(&g)),
            "device.oauth_error" | "oauth.error_response" => {
                let code: String = arg(input, "code")?;
                let code = code.parse::<ErrorCode>().map_err(|_| format!("unknown code {code}"))?;
                let err = match opt::<String>(input, "detail")? {
                    Some(d) => Error::with_detail(code, d),
                    None => Error::new(code),
                };
                if op == "device.oauth_error" {
                    Ok(json!({"status": oauth::error_status(&err), "body": oauth::error_body(&err)}))
                } else {
                    Ok(out(&oauth::error_response(&err)))
                }
            }
            op if op.starts_with("device.server.") => {
                let a = ctx
                    .authority
                    .as_ref()
                    .ok_or("no authority: call device.server.new first")?;
                if op == "device.server.normalize_user_code" {
                    return Ok(a
                        .normalize_user_code(&arg::<String>(input, "typed")?)
                        .map(|c| json!({ "user_code": c })));
                }
                let now: i64 = arg(input, "now")?;
                match op {
                    "device.server.issue" => {
                        let request: AuthorizationRequest = arg(input, "request")?;
                        let mut e = entropy(input)?;
                        a.issue(&request, now, &mut e).map(|g| out(&g))
                    }
                    "device.server.check_user_code" => {
                        let grant: DeviceGrant = arg(input, "grant")?;
                        Ok(out(&a.check_user_code(&grant, &arg::<String>(input, "typed")?, now)))
                    }
                    "device.server.approve" => {
                        let grant: DeviceGrant = arg(input, "grant")?;
                        let user_id: String = arg(input, "user_id")?;
                        a.approve(&grant, &user_id, opt(input, "claims")?, now).map(|g| out(&g))
                    }
                    "device.server.deny" => a.deny(&arg(input, "grant")?, now).map(|g| out(&g)),
                    "device.server.consent" => Ok(out(&a.consent(&arg(input, "grant")?, now))),
                    "device.server.enter_user_code" => {
                        let limiter: Option<EntryLimiter> = opt(input, "limiter")?;
                        let global: Option<EntryLimiter> = opt(input, "global_limiter")?;
                        let grant: Option<DeviceGrant> = opt(input, "grant")?;
                        Ok(out(&a.enter_user_code(
                            limiter.as_ref(),
                            global.as_ref(),
                            grant.as_ref(),
                            &arg::<String>(input, "typed")?,
                            now,
                        )))
                    }
                    "device.server.poll" => {
                        let grant: Option<DeviceGrant> = opt(input, "grant")?;
                        let request: TokenRequest = arg(input, "request")?;
                        Ok(out(&a.poll(grant.as_ref(), &request, now)))
                    }
                    _ => return Err(format!("unknown operation `{op}`")),
                }
            }
            "session.new" => settings(input, "config", Component::Session)?
                .and_then(SessionManager::new)
                .map(|m| {
                    ctx.sessions = Some(m);
                    json!({})
                }),
            "session.hash" => Ok(json!({"hash": token_hash(&arg::<String>(input, "token")?)})),
            "session.load" => Session::from_json(&arg::<String>(input, "text")?).map(|s| out(&s)),
            op if op.starts_with("session.") => {
                let m = ctx
                    .sessions
                    .as_ref()
                    .ok_or("no session manager: call session.new first")?;
                let now: i64 = arg(input, "now")?;
                let user_id = || arg::<String>(input, "user_id");
                let email: Option<String> = opt(input, "email")?;
                let mut e = entropy(input)?;
                match op {
                    "session.create" => m
                        .create(
                            &user_id()?,
                            email.as_deref(),
                            opt(input, "is_guest")?.unwrap_or(false),
                            now,
                            &mut e,
                        )
                        .map(|s| out(&s)),
                    "session.sign_in" => {
                        let previous: Option<Session> = opt(input, "previous")?;
                        m.sign_in(previous.as_ref(), &user_id()?, email.as_deref(), now, &mut e)
                            .map(|s| out(&s))
                    }
                    "session.validate" => {
                        let record: Option<Session> = opt(input, "record")?;
                        m.validate(record.as_ref(), &arg::<String>(input, "token")?, now)
                            .map(|v| out(&v))
                    }
                    "session.revoke" => Ok(out(&m.revoke(&arg(input, "record")?, now))),
                    "session.exchange" => {
                        let previous: Option<Session> = opt(input, "previous")?;
                        let spec = VerifierSpec {
                            config: arg(input, "verifier_config")?,
                            keys: Some(arg(input, "keys")?),
                            ..VerifierSpec::default()
                        };
                        let token: String = arg(input, "token")?;
                        Verifier::from_spec(spec, backend)
                            .and_then(|v| m.exchange_token(&v, &token, previous.as_ref(), now, &mut e))
                            .map(|s| out(&s))
                    }
                    _ => return Err(format!("unknown operation `{op}`")),
                }
            }
            "gate.new" => settings::<GateConfig>(input, "config", Component::Gate)?
                .and_then(|c| Gate::with_backend(c, backend))
                .map(|g| {
                    ctx.gate = Some(g);
                    json!({})
                }),
            "gate.from_env" => {
                let env: Map<String, Value> = arg(input, "env")?;
                let mut input = input.clone();
                if input.get("config").map_or(true, Value::is_null) {
                    input["config"] = json!({});
                }
                settings::<GateConfig>(&input, "config", Component::Gate)?
                    .and_then(|config| Gate::from_env_values_with_backend(config, &env, backend))
                    .map(|g| {
                        ctx.gate = Some(g);
                        json!({})
                    })
            }
            "gate.generate_gateway_token" => {
                let mut e = entropy(input)?;
                authcore::gate::generate_gateway_token(&mut e).map(|t| json!({ "token": t.expose() }))
            }
            "gate.classify" | "gate.decide" | "gate.authenticate" => {
                let g = ctx.gate.as_ref().ok_or("no gate: call gate.new first")?;
                let now: i64 = arg(input, "now")?;
                let lookup: Lookup = opt(input, "lookup")?.unwrap_or_default();
                match op {
                    "gate.classify" => Ok(out(&g.classify(&arg::<HttpRequest>(input, "request")?, now))),
                    "gate.decide" => Ok(out(&g.decide(&arg::<Classified>(input, "classified")?, &lookup, now))),
                    _ => Ok(out(&g.authenticate(
                        &arg::<HttpRequest>(input, "request")?,
                        &lookup,
                        now,
                    ))),
                }
            }
            "password.new" => match input.get("profile") {
                Some(_) => settings::<PasswordPolicy>(input, "policy", Component::Accounts)?,
                None => Ok(opt::<PasswordPolicy>(input, "policy")?.unwrap_or_default()),
            }
            .and_then(Accounts::new)
            .map(|a| {
                ctx.accounts = Some(a);
                json!({})
            }),
            "password.normalize_username" => {
                normalize_username(&arg::<String>(input, "username")?).map(|u| json!({ "username": u }))
            }
            "password.normalize_email" => {
                normalize_email(&arg::<String>(input, "email")?).map(|u| json!({ "email": u }))
            }
            op if op.starts_with("password.") => {
                let a = ctx.accounts.as_ref().ok_or("no accounts: call password.new first")?;
                let mut e = entropy(input)?;
                match op {
                    "password.hash" => a
                        .hash_password(&arg::<String>(input, "password")?, &mut e)
                        .map(|h| json!({ "hash": h })),
                    "password.verify" => a
                        .verify_password(&arg::<String>(input, "hash")?, &arg::<String>(input, "password")?)
                        .map(|v| json!({ "valid": v })),
                    "password.needs_rehash" => {
                        Ok(json!({"needs_rehash": a.needs_rehash(&arg::<String>(input, "hash")?)}))
                    }
                    "password.register" => a
                        .register(&arg::<Registration>(input, "registration")?, &mut e)
                        .map(|n| out(&n)),
                    "password.login" => {
                        let account: Option<StoredCredentials> = opt(input, "account")?;
                        let password: String = arg(input, "password")?;
                        a.login(account.as_ref(), &password).map(|l| out(&l))
                    }
                    "password.login_limited" => {
                        let account: Option<StoredCredentials> = opt(input, "account")?;
                        let password: String = arg(input, "password")?;
                        let al: Option<EntryLimiter> = opt(input, "account_limiter")?;
                        let rl: Option<EntryLimiter> = opt(input, "requester_limiter")?;
                        let now: i64 = arg(input, "now")?;
                        Ok(out(&a.login_limited(
                            account.as_ref(),
                            &password,
                            al.as_ref(),
                            rl.as_ref(),
                            now,
                        )))
                    }
                    _ => return Err(format!("unknown operation `{op}`")),
                }
            }
            "refresh.new" => RefreshTokens::new(opt::<RefreshConfig>(input, "config")?.unwrap_or_default()).map(|r| {
                ctx.refresh = Some(r);
                json!({})
            }),
            "refresh.hash" => Ok(json!({"hash": refresh_token_hash(&arg::<String>(input, "token")?)})),
            "refresh.load" => RefreshRecord::from_json(&arg::<String>(input, "text")?).map(|r| out(&r)),
            "refresh.parse_request" => {
                let client_id: Option<String> = opt(input, "client_id")?;
                RefreshRequest::from_form(&arg::<String>(input, "body")?, client_id.as_deref()).map(|r| out(&r))
            }
            op if op.starts_with("refresh.") => {
                let r = ctx
                    .refresh
                    .as_ref()
                    .ok_or("no refresh rotation: call refresh.new first")?;
                let mut e = entropy(input)?;
                let client_id: Option<String> = opt(input, "client_id")?;
                match op {
                    "refresh.issue" => {
                        let scope: Option<String> = opt(input, "scope")?;
                        r.issue(
                            &arg::<String>(input, "user_id")?,
                            client_id.as_deref(),
                            scope.as_deref(),
                            arg(input, "now")?,
                            &mut e,
                        )
                        .map(|i| out(&i))
                    }
                    "refresh.rotate" => {
                        let record: Option<RefreshRecord> = opt(input, "record")?;
                        r.rotate(
                            record.as_ref(),
                            &arg::<String>(input, "token")?,
                            client_id.as_deref(),
                            arg(input, "now")?,
                            &mut e,
                        )
                        .map(|x| out(&x))
                    }
                    "refresh.revoke" => Ok(out(&r.revoke(&arg(input, "record")?))),
                    _ => return Err(format!("unknown operation `{op}`")),
                }
            }
            "oauth.pkce" => {
                let method: Option<String> = opt(input, "method")?;
                let verifier: Option<String> = opt(input, "verifier")?;
                let allow_plain: bool = opt(input, "allow_plain")?.unwrap_or(false);
                let bytes: Option<usize> = opt(input, "bytes")?;
                let mut e = entropy(input)?;
                PkceMethod::from_name(method.as_deref())
                    .and_then(|method| Pkce::create(verifier.as_deref(), method, allow_plain, bytes, &mut e))
                    .map(|p| out(&p))
            }
            "oauth.check_pkce" => {
                let challenge: Option<StoredChallenge> = opt(input, "challenge")?;
                let verifier: Option<String> = opt(input, "verifier")?;
                check_pkce(
                    challenge.as_ref(),
                    verifier.as_deref(),
                    opt(input, "allow_plain")?.unwrap_or(false),
                )
                .map(|()| json!({}))
            }
            "oauth.new" => settings::<AuthCodeConfig>(input, "config", Component::AuthCode)?
                .and_then(AuthCodeClient::new)
                .map(|c| {
                    ctx.auth_code = Some(c);
                    json!({})
                }),
            "oauth.check_id_token" => {
                let c = ctx.auth_code.as_ref().ok_or("no client: call oauth.new first")?;
                let access_token: Option<String> = opt(input, "access_token")?;
                c.check_id_token(
                    &arg::<authcore::jwt::VerifiedToken>(input, "verified")?,
                    &arg::<PendingAuthorization>(input, "record")?,
                    access_token.as_deref(),
                )
                .map(|()| json!({}))
            }
            op if op.starts_with("oauth.") => {
                let c = ctx.auth_code.as_ref().ok_or("no client: call oauth.new first")?;
                let now: i64 = arg(input, "now")?;
                match op {
                    "oauth.start" => c.start(now, &mut entropy(input)?).map(|s| out(&s)),
                    "oauth.callback" => c
                        .callback(
                            &arg::<PendingAuthorization>(input, "record")?,
                            &arg::<String>(input, "callback")?,
                            now,
                        )
                        .map(|o| out(&o)),
                    "oauth.token_response" => c
                        .token_response(&arg::<HttpResponse>(input, "response")?, now)
                        .map(|t| out(&t)),
                    _ => return Err(format!("unknown operation `{op}`")),
                }
            }
            "broker.load" => {
                let allow_loopback_http = opt::<bool>(input, "allow_loopback_http")?.unwrap_or(false);
                Broker::from_custom(
                    &opt::<Vec<Value>>(input, "custom")?.unwrap_or_default(),
                    allow_loopback_http,
                )
                .map(|b| {
                    let v = out(b.providers());
                    ctx.broker = Some(b);
                    v
                })
            }
            "broker.redact" => Ok(Value::Array(redact(&arg::<Vec<Connection>>(input, "connections")?))),
            "broker.export_env" => {
                export_env(&arg::<Vec<Connection>>(input, "connections")?).map(|text| json!({ "text": text }))
            }
            "broker.check_connection" => arg::<Connection>(input, "connection")?.check().map(|()| json!({})),
            "broker.export_json" => Ok(export_json(&arg::<Vec<Connection>>(input, "connections")?)),
            "broker.readiness" => Ok(out(&readiness_with(
                &opt::<Vec<Value>>(input, "custom")?.unwrap_or_default(),
                &opt::<Vec<Connection>>(input, "connections")?.unwrap_or_default(),
                &opt::<Vec<KeyFile>>(input, "key_files")?.unwrap_or_default(),
                opt::<u32>(input, "schema_version")?,
                arg(input, "now")?,
                opt::<bool>(input, "allow_loopback_http")?.unwrap_or(false),
            ))),
            "broker.set_default" => set_default(
                &arg::<Vec<Connection>>(input, "connections")?,
                &arg::<String>(input, "provider")?,
                &arg::<String>(input, "connection")?,
            )
            .map(|c| out(&c)),
            "broker.revocation_outcome" => revocation_outcome(&arg(input, "response")?).map(|o| out(&o)),
            "broker.introspection_outcome" => {
                introspection_outcome(&arg(input, "response")?, arg(input, "now")?).map(|o| out(&o))
            }
            op if op.starts_with("broker.") => {
                let b = ctx.broker.as_ref().ok_or("no broker: call broker.load first")?;
                match op {
                    "broker.routing_table" => Ok(out(&b.routing_table())),
                    "broker.provider_listing" => Ok(out(&b.provider_listing())),
                    "broker.show_provider" => b.show_provider(
                        &arg::<String>(input, "name")?,
                        opt::<bool>(input, "reveal")?.unwrap_or(false),
                    ),
                    "broker.resolve" => b
                        .resolve(
                            opt::<String>(input, "method")?.as_deref(),
                            &arg::<String>(input, "url")?,
                            &arg::<Vec<Connection>>(input, "connections")?,
                            arg(input, "now")?,
                        )
                        .map(|r| out(&r)),
                    "broker.revoke" => b
                        .revoke(
                            &arg::<String>(input, "provider")?,
                            &arg::<Vec<Connection>>(input, "connections")?,
                            opt::<ClientAuth>(input, "client")?.as_ref(),
                        )
                        .map(|p| out(&p)),
                    "broker.introspect" => b
                        .introspect(
                            &arg::<String>(input, "provider")?,
                            &arg::<String>(input, "token")?,
                            opt::<String>(input, "token_type_hint")?.as_deref(),
                            opt::<ClientAuth>(input, "client")?.as_ref(),
                        )
                        .map(|r| out(&r)),
                    "broker.apply_refresh" => b
                        .apply_refresh(&arg(input, "connection")?, &arg(input, "response")?, arg(input, "now")?)
                        .map(|c| out(&c)),
                    _ => return Err(format!("unknown operation `{op}`")),
                }
            }
            "cors.new" => match input.get("profile") {
                Some(_) => settings::<CorsConfig>(input, "config", Component::Cors)?,
                None => Ok(opt::<CorsConfig>(input, "config")?.unwrap_or_default()),
            }
            .and_then(Cors::new)
            .map(|c| {
                ctx.cors = Some(c);
                json!({})
            }),
            "profile.load" => authcore::profile::document(&arg::<String>(input, "name")?),
            "profile.names" => Ok(json!({ "names": authcore::profile::names() })),
            "cors.decide" => {
                let c = ctx.cors.as_ref().ok_or("no cors: call cors.new first")?;
                Ok(out(&c.decide(&arg(input, "request")?)))
            }
            // MCP resource server
            "mcp_server.metadata_url" => {
                let resource: String = arg(input, "resource")?;
                authcore::mcp_server::well_known_url(&resource).and_then(|url| {
                    let path = authcore::mcp_server::well_known_path(&resource)?;
                    Ok(json!({ "url": url, "path": path }))
                })
            }
            "mcp_server.check_metadata" => {
                let doc: authcore::mcp_server::ResourceMetadata = arg(input, "metadata")?;
                doc.check().map(|()| out(&doc))
            }
            "mcp_server.serve_metadata" => {
                let doc: authcore::mcp_server::ResourceMetadata = arg(input, "metadata")?;
                let request: HttpRequest = arg(input, "request")?;
                doc.check().map(|()| json!({ "response": out(&doc.serve(&request)) }))
            }
            "mcp_server.resource_matches" => {
                let aud: String = arg(input, "aud")?;
                let resource: String = arg(input, "resource")?;
                Ok(json!({ "matches": authcore::mcp_server::resource_matches(&aud, &resource) }))
            }
            op if op.starts_with("dpop.") => return dpop::dispatch(&mut ctx.dpop_nonces, op, input, backend),
            op if op.starts_with("signin.") => return signin::dispatch(&mut ctx.signin, op, input),
            op if op.starts_with("vault.") => return vault::dispatch(&mut ctx.vault, op, input),
            op if op.starts_with("registration.") || op.starts_with("authflow.") => {
                return authflow::dispatch(&mut ctx.authflow, op, input)
            }
            op if op.starts_with("challenge.") || op.starts_with("mcp.") => {
                return mcp::dispatch(&mut ctx.mcp, op, input)
            }
            op if op.starts_with("grants.") => return grants::dispatch(op, input, ctx.backend),
            _ => return Err(format!("unknown operation `{op}`")),
        })
    })();
    r
}

fn base64_url(s: &str) -> Result<Vec<u8>, String> {
    // A tiny strict decoder so the runner does not depend on the core's own.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).ok_or("bad base64url")? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Ok(out)
}

/// Results of one suite on one backend.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Passed cases.
    pub passed: usize,
    /// All cases.
    pub total: usize,
    /// Failure messages.
    pub failures: Vec<String>,
}

/// Runs every case of every suite on `backend`.
pub fn run_all(suites: &[Suite], backend: Backend) -> BTreeMap<String, Tally> {
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for suite in suites {
        let t = tallies.entry(suite.area.clone()).or_default();
        for case in &suite.cases {
            t.total += 1;
            match run_case(case, backend) {
                Ok(()) => t.passed += 1,
                Err(e) => t.failures.push(format!(
                    "[{}] {} / {}: {e}",
                    backend.as_str(),
                    suite.path.file_name().map(|f| f.to_string_lossy()).unwrap_or_default(),
                    case.get("name").and_then(Value::as_str).unwrap_or("?")
                )),
            }
        }
    }
    tallies
}
