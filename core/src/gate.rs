//! The authenticator: who is calling, and may they proceed — decided without IO.
//!
//! A [`Gate`] is configured once with credential policies and route rules. For each request
//! it works in two steps, because the host must look things up in between:
//!
//! 1. [`Gate::classify`] reads the method, path and headers, picks the route rule and the
//!    credential (verifying a JWT on the spot, since that needs no lookup) and says what the
//!    host must load ([`Classified::needs`]): a session row by token hash, and the user's
//!    identities and entitlements.
//! 2. [`Gate::decide`] takes what the host loaded ([`Lookup`]) and answers
//!    [`Decision::Allow`] with an [`AuthContext`] (and possibly a session "touch" to store) or
//!    [`Decision::Deny`] with the HTTP response to send: status, `{"detail", "code"}` body and,
//!    for 401s and `insufficient_scope`, a `WWW-Authenticate` header (RFC 6750 §3).
//!
//! ## Credential precedence
//!
//! 1. A configured **service-token header** (e.g. `X-Services-Token`): compared in constant
//!    time; missing secret, wrong value or an empty configured secret give
//!    `invalid_service_token`. Nothing else is looked at.
//! 2. **`Authorization`**: `Bearer <uuid>` is a session token, `Bearer <jwt>` an access token
//!    verified with the configured keys; any other scheme or a malformed value is
//!    `invalid_token`. A bad bearer credential is an error — it is never downgraded to guest
//!    or anonymous access, even when a guest header is also present.
//! 3. The **guest header** (`X-Guest-ID`): a guest identity, read-only.
//! 4. Otherwise anonymous.
//!
//! ## Decision order
//!
//! credential errors (401) → route access: `public`, `user`, `user_or_guest`, `service`
//! (401 `not_authenticated` / `invalid_service_token`, 403 `forbidden`) → guests only read
//! (403 `guest_read_only` for methods other than GET, HEAD, OPTIONS) → scopes (403
//! `insufficient_scope`) → identity (400 `invalid_identity`, 400 `identity_required`, 403
//! `identity_forbidden`) → entitlement (402 `subscription_required`).
//!
//! ## Route rules
//!
//! Rules are tried in order; the first whose method and path pattern match applies, else the
//! default access (`user`). Methods are a name, a comma-separated list or `*`. Patterns are
//! `/`-separated segments: a literal, `*` or `{name}` (any one segment), or a final `**` (any
//! rest, including nothing). The request path is taken without query or fragment, with `.`
//! and `..` segments resolved and empty segments and a trailing `/` ignored.
//!
//! ```
//! use authcore::gate::{Access, Decision, Gate, GateConfig, Lookup, RouteRule, IdentityRule};
//! use authcore::http::HttpRequest;
//!
//! let mut config = GateConfig::default();
//! config.routes.push(RouteRule {
//!     method: "GET".into(),
//!     path: "/api/docs/**".into(),
//!     access: Access::UserOrGuest,
//!     scopes: vec![],
//!     identity: IdentityRule::None,
//!     entitlement: None,
//! });
//! let gate = Gate::new(config)?;
//! let mut request = HttpRequest::new("GET", "/api/docs/42");
//! request.set_header("X-Guest-ID", "guest-12345678");
//! let classified = gate.classify(&request, 1_700_000_000);
//! // The host loads what `classified.needs` names (nothing, for a guest), then:
//! match gate.decide(&classified, &Lookup::default(), 1_700_000_000) {
//!     Decision::Allow { context, .. } => assert!(context.is_guest),
//!     Decision::Deny { response, .. } => panic!("{}", response.body),
//! }
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::jwt::{Backend, KeySet, KeySpec, Verifier, VerifierConfig};
use crate::session::{token_hash, Session, SessionConfig, SessionManager};
use crate::tokens::Secret;
use crate::util::canonical_uuid;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone, credentials or not (credentials that are present are still checked).
    Public,
    /// A signed-in user (JWT or session).
    #[default]
    User,
    /// A signed-in user or a guest (guests only read).
    UserOrGuest,
    /// A service presenting its shared secret.
    Service,
}

/// Whether a route needs an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityRule {
    /// The identity header is ignored.
    #[default]
    None,
    /// An identity is used when named (or the default one, if the policy allows).
    Optional,
    /// An identity must be named (or defaulted, if the policy allows).
    Required,
}

/// One route rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// `GET`, `GET,POST` or `*` (default `*`).
    #[serde(default = "any_method")]
    pub method: String,
    /// Path pattern, e.g. `/api/projects/{id}/**`.
    pub path: String,
    /// Who may call it (default `user`).
    #[serde(default)]
    pub access: Access,
    /// Scopes the caller's token must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Whether an identity is needed.
    #[serde(default)]
    pub identity: IdentityRule,
    /// An entitlement (subscription) the user must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlement: Option<String>,
}

fn any_method() -> String {
    "*".to_owned()
}

/// A shared-secret service credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceToken {
    /// Name reported in the auth context (e.g. `billing`, `gateway`).
    pub name: String,
    /// The header carrying it (e.g. `X-Services-Token`).
    pub header: String,
    /// The shared secret. Empty rejects every request instead of accepting empty headers.
    pub secret: Secret,
}

/// JWT verification settings for bearer access tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateJwt {
    /// Verifier settings (allow-list, leeway, issuer, audience).
    pub config: VerifierConfig,
    /// The keys.
    pub keys: Vec<KeySpec>,
}

/// Gate settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GateConfig {
    /// `realm` in `WWW-Authenticate` (default `api`).
    pub realm: String,
    /// Bearer JWT verification (none: only session tokens are accepted as bearer tokens).
    pub jwt: Option<GateJwt>,
    /// Session rules.
    pub session: SessionConfig,
    /// Guest header (default `X-Guest-ID`; `null` disables guests).
    pub guest_header: Option<String>,
    /// Service credentials, checked first.
    pub services: Vec<ServiceToken>,
    /// Identity header (default `X-Identity`).
    pub identity_header: String,
    /// Use the caller's default identity when none is named (default true).
    pub default_identity: bool,
    /// Route rules, first match wins.
    pub routes: Vec<RouteRule>,
    /// Access for requests matching no rule (default `user`).
    pub default_access: Access,
}

impl Default for GateConfig {
    fn default() -> Self {
        Self {
            realm: "api".to_owned(),
            jwt: None,
            session: SessionConfig::default(),
            guest_header: Some("X-Guest-ID".to_owned()),
            services: Vec::new(),
            identity_header: "X-Identity".to_owned(),
            default_identity: true,
            routes: Vec::new(),
            default_access: Access::User,
        }
    }
}

/// The credential a request presented.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credential {
    /// Nothing.
    None,
    /// A verified JWT access token.
    Jwt {
        /// `sub`.
        user_id: String,
        /// `email`, if present.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        /// From `scope` (space-separated) or `scp` (array).
        scopes: Vec<String>,
    },
    /// A session token; the host loads the record by `token_hash`.
    Session {
        /// Lookup key.
        token_hash: String,
    },
    /// A guest.
    Guest {
        /// The guest id.
        guest_id: String,
    },
    /// A service with a valid shared secret.
    Service {
        /// Its configured name.
        name: String,
    },
    /// A credential that is present but wrong.
    Invalid {
        /// Why.
        error: Error,
    },
}

/// What the host must load before [`Gate::decide`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Needs {
    /// Load the session whose `token_hash` is this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Load this user's identities and entitlements (after the session, for session tokens:
    /// then use the session's `user_id`).
    pub user: bool,
}

/// The result of step 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classified {
    /// The request method (upper-case).
    pub method: String,
    /// The normalised path.
    pub path: String,
    /// The matching rule (or the default).
    pub route: RouteRule,
    /// The credential.
    pub credential: Credential,
    /// The identity header's value, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// What to load.
    pub needs: Needs,
}

/// A user's data, as the host loaded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserInfo {
    /// The identities (UUIDs) the user may act as.
    pub identities: Vec<String>,
    /// The identity used when none is named.
    pub default_identity: Option<String>,
    /// Active entitlements (e.g. `pro`).
    pub entitlements: Vec<String>,
}

/// What the host loaded for step 2.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lookup {
    /// The session record found under `needs.session` (`None`: not found).
    pub session: Option<Session>,
    /// The user's data (`None`: not loaded or no such user).
    pub user: Option<UserInfo>,
}

/// Who is calling, for the handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthContext {
    /// `jwt`, `session`, `guest`, `service` or `none`.
    pub credential: String,
    /// The user (or guest) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's e-mail, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A guest (read-only).
    pub is_guest: bool,
    /// The identity in effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Token scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The service's name, for service credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// The result of step 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum Decision {
    /// Proceed.
    Allow {
        /// Who is calling.
        context: AuthContext,
        /// A session record to store (last-seen update), at most once a minute.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        touch: Option<Session>,
    },
    /// Refuse with `response`.
    Deny {
        /// Why.
        error: Error,
        /// What to send.
        response: HttpResponse,
    },
}

/// The authenticator. See the module docs.
#[derive(Debug)]
pub struct Gate {
    config: GateConfig,
    verifier: Option<Verifier>,
    sessions: SessionManager,
}

const SAFE_METHODS: [&str; 3] = ["GET", "HEAD", "OPTIONS"];

impl Gate {
    /// A gate with validated settings (keys parsed once, here).
    pub fn new(config: GateConfig) -> Result<Self> {
        Self::with_backend(config, Backend::default())
    }

    /// As [`Gate::new`] with a chosen crypto backend.
    pub fn with_backend(config: GateConfig, backend: Backend) -> Result<Self> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        let header_ok = |h: &str| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if config.realm.is_empty() || config.realm.contains('"') || config.realm.contains('\\') {
            return bad(
                "realm",
                "The realm must be non-empty and contain no quotes or backslashes.",
            );
        }
        if config.guest_header.as_deref().is_some_and(|h| !header_ok(h)) {
            return bad("guest_header", "The guest header must be a header name.");
        }
        if !header_ok(&config.identity_header) {
            return bad("identity_header", "The identity header must be a header name.");
        }
        for (i, s) in config.services.iter().enumerate() {
            if !header_ok(&s.header) || s.header.eq_ignore_ascii_case("authorization") {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    format!("services[{i}].header"),
                    "A service header must be a header name other than Authorization.",
                ));
            }
        }
        for (i, r) in config.routes.iter().enumerate() {
            if !r.path.starts_with('/') || r.path.split('/').rev().skip(1).any(|s| s == "**") {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    format!("routes[{i}].path"),
                    "A path pattern starts with '/' and may use '**' only as its last segment.",
                ));
            }
            if r.method.is_empty() {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    format!("routes[{i}].method"),
                    "A route method must be a name, a list or '*'.",
                ));
            }
        }
        let verifier = match &config.jwt {
            Some(j) => Some(Verifier::new(
                j.config.clone(),
                KeySet::from_specs(&j.keys, backend).map_err(|e| e.in_field("jwt"))?,
            )?),
            None => None,
        };
        let sessions = SessionManager::new(config.session.clone())?;
        Ok(Self {
            config,
            verifier,
            sessions,
        })
    }

    /// The settings.
    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// Step 1: route and credential. `request.url` may be a path or an absolute URL.
    pub fn classify(&self, request: &HttpRequest, now: i64) -> Classified {
        let method = request.method.to_ascii_uppercase();
        let path = normalize_path(&request.url);
        let route = self
            .config
            .routes
            .iter()
            .find(|r| method_matches(&r.method, &method) && path_matches(&r.path, &path))
            .cloned()
            .unwrap_or_else(|| RouteRule {
                method: any_method(),
                path: "/**".to_owned(),
                access: self.config.default_access,
                scopes: Vec::new(),
                identity: IdentityRule::None,
                entitlement: None,
            });
        let credential = self.credential(request, now);
        let needs = Needs {
            session: match &credential {
                Credential::Session { token_hash } => Some(token_hash.clone()),
                _ => None,
            },
            user: matches!(credential, Credential::Jwt { .. } | Credential::Session { .. })
                && (route.identity != IdentityRule::None || route.entitlement.is_some()),
        };
        Classified {
            method,
            path,
            identity: request.header(&self.config.identity_header).map(str::to_owned),
            route,
            credential,
            needs,
        }
    }

    fn credential(&self, request: &HttpRequest, now: i64) -> Credential {
        let invalid = |error: Error| Credential::Invalid { error };
        for s in &self.config.services {
            if let Some(presented) = request.header(&s.header) {
                let secret = s.secret.expose().as_bytes();
                let ok = !secret.is_empty() && bool::from(presented.as_bytes().ct_eq(secret));
                return if ok {
                    Credential::Service { name: s.name.clone() }
                } else {
                    invalid(Error::field(
                        ErrorCode::InvalidServiceToken,
                        s.header.clone(),
                        "Invalid service token.",
                    ))
                };
            }
        }
        if let Some(auth) = request.header("Authorization") {
            let token = match auth.split_once(' ') {
                Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() => rest.trim(),
                _ => {
                    return invalid(Error::field(
                        ErrorCode::InvalidToken,
                        "authorization",
                        "The Authorization header must be `Bearer <token>`.",
                    ))
                }
            };
            if let Some(hash) = token_hash(token) {
                return Credential::Session { token_hash: hash };
            }
            let Some(verifier) = &self.verifier else {
                return invalid(Error::new(ErrorCode::InvalidSession));
            };
            return match verifier.verify(token, now) {
                Ok(v) => {
                    let Some(user_id) = v.subject().filter(|s| !s.is_empty()).map(str::to_owned) else {
                        return invalid(Error::field(
                            ErrorCode::InvalidClaims,
                            "sub",
                            "The token has no subject.",
                        ));
                    };
                    Credential::Jwt {
                        user_id,
                        email: v.claims().get("email").and_then(Value::as_str).map(str::to_owned),
                        scopes: scopes(v.claims()),
                    }
                }
                Err(e) => invalid(e),
            };
        }
        if let Some(header) = &self.config.guest_header {
            if let Some(id) = request.header(header) {
                return match check_guest_id(id) {
                    Ok(()) => Credential::Guest {
                        guest_id: id.to_owned(),
                    },
                    Err(e) => invalid(e),
                };
            }
        }
        Credential::None
    }

    /// Both steps at once, for hosts that load everything up front.
    pub fn authenticate(&self, request: &HttpRequest, lookup: &Lookup, now: i64) -> Decision {
        self.decide(&self.classify(request, now), lookup, now)
    }

    /// Step 2: the decision, given what the host loaded.
    pub fn decide(&self, classified: &Classified, lookup: &Lookup, now: i64) -> Decision {
        match self.decide_inner(classified, lookup, now) {
            Ok((context, touch)) => Decision::Allow { context, touch },
            Err(error) => Decision::Deny {
                response: self.deny_response(&error, &classified.route),
                error,
            },
        }
    }

    fn decide_inner(&self, c: &Classified, lookup: &Lookup, now: i64) -> Result<(AuthContext, Option<Session>)> {
        let mut touch = None;
        let mut ctx = AuthContext {
            credential: "none".to_owned(),
            user_id: None,
            email: None,
            is_guest: false,
            identity: None,
            scopes: Vec::new(),
            service: None,
        };
        match &c.credential {
            Credential::Invalid { error } => return Err(error.clone()),
            Credential::None => {}
            Credential::Jwt { user_id, email, scopes } => {
                ctx.credential = "jwt".to_owned();
                ctx.user_id = Some(user_id.clone());
                ctx.email = email.clone();
                ctx.scopes = scopes.clone();
            }
            Credential::Session { token_hash } => {
                let record = lookup
                    .session
                    .as_ref()
                    .filter(|s| bool::from(s.token_hash.as_bytes().ct_eq(token_hash.as_bytes())))
                    .ok_or_else(|| Error::new(ErrorCode::InvalidSession))?;
                let valid = self.sessions.check(record, now)?;
                touch = valid.touch;
                ctx.credential = "session".to_owned();
                ctx.user_id = Some(record.user_id.clone());
                ctx.email = record.email.clone();
                ctx.is_guest = record.is_guest;
            }
            Credential::Guest { guest_id } => {
                ctx.credential = "guest".to_owned();
                ctx.user_id = Some(guest_id.clone());
                ctx.is_guest = true;
            }
            Credential::Service { name } => {
                ctx.credential = "service".to_owned();
                ctx.service = Some(name.clone());
            }
        }
        let is_user = ctx.user_id.is_some() && !ctx.is_guest;
        let is_service = ctx.service.is_some();
        match c.route.access {
            Access::Public => {}
            Access::User | Access::UserOrGuest if is_service => return Err(Error::new(ErrorCode::Forbidden)),
            Access::User if !is_user => {
                return Err(Error::with_detail(ErrorCode::NotAuthenticated, "Sign-in required."));
            }
            Access::UserOrGuest if ctx.user_id.is_none() => return Err(Error::new(ErrorCode::NotAuthenticated)),
            Access::Service if !is_service => {
                return Err(Error::field(
                    ErrorCode::InvalidServiceToken,
                    "service",
                    "This route needs a service token.",
                ))
            }
            _ => {}
        }
        if ctx.is_guest && c.route.access != Access::Public && !SAFE_METHODS.contains(&c.method.as_str()) {
            return Err(Error::new(ErrorCode::GuestReadOnly));
        }
        if let Some(missing) = c.route.scopes.iter().find(|s| !ctx.scopes.contains(s)) {
            if !is_service {
                return Err(Error::field(
                    ErrorCode::InsufficientScope,
                    "scope",
                    format!("The token lacks the `{}` scope.", crate::json::truncate(missing)),
                ));
            }
        }
        ctx.identity = self.identity(c, lookup, &ctx)?;
        if let Some(entitlement) = &c.route.entitlement {
            let entitled = is_service
                || lookup
                    .user
                    .as_ref()
                    .is_some_and(|u| u.entitlements.contains(entitlement));
            if !entitled {
                return Err(Error::new(ErrorCode::SubscriptionRequired));
            }
        }
        Ok((ctx, touch))
    }

    fn identity(&self, c: &Classified, lookup: &Lookup, ctx: &AuthContext) -> Result<Option<String>> {
        if c.route.identity == IdentityRule::None {
            return Ok(None);
        }
        let named = match c.identity.as_deref() {
            Some(v) => Some(canonical_uuid(v.trim()).ok_or_else(|| {
                Error::field(
                    ErrorCode::InvalidIdentity,
                    self.config.identity_header.clone(),
                    "The identity must be a UUID.",
                )
            })?),
            None => None,
        };
        if ctx.service.is_some() {
            // Services act for whichever identity they name.
            return match named {
                Some(n) => Ok(Some(n)),
                None if c.route.identity == IdentityRule::Required => Err(Error::new(ErrorCode::IdentityRequired)),
                None => Ok(None),
            };
        }
        let owned: Vec<String> = lookup
            .user
            .as_ref()
            .map(|u| u.identities.iter().filter_map(|i| canonical_uuid(i)).collect())
            .unwrap_or_default();
        match named {
            Some(n) if owned.contains(&n) => Ok(Some(n)),
            Some(_) => Err(Error::new(ErrorCode::IdentityForbidden)),
            None => {
                let default = lookup
                    .user
                    .as_ref()
                    .and_then(|u| u.default_identity.as_deref())
                    .and_then(canonical_uuid)
                    .filter(|d| self.config.default_identity && owned.contains(d));
                match default {
                    Some(d) => Ok(Some(d)),
                    None if c.route.identity == IdentityRule::Required => Err(Error::new(ErrorCode::IdentityRequired)),
                    None => Ok(None),
                }
            }
        }
    }

    fn deny_response(&self, error: &Error, route: &RouteRule) -> HttpResponse {
        let mut response = HttpResponse::new(error.status())
            .with_header("Content-Type", "application/json")
            .with_body(error.to_json());
        let realm = format!("Bearer realm=\"{}\"", self.config.realm);
        let challenge = match error.code() {
            ErrorCode::InsufficientScope => Some(format!(
                "{realm}, error=\"insufficient_scope\", scope=\"{}\"",
                route.scopes.join(" ")
            )),
            ErrorCode::NotAuthenticated | ErrorCode::InvalidServiceToken => Some(realm),
            _ if error.status() == 401 => Some(format!(
                "{realm}, error=\"invalid_token\", error_description=\"{}\"",
                error.detail().replace(['"', '\\'], "'")
            )),
            _ => None,
        };
        if let Some(c) = challenge {
            response = response.with_header("WWW-Authenticate", c);
        }
        response
    }
}

/// Guest ids: 8 to 128 characters of `A-Z a-z 0-9 - _`.
pub fn check_guest_id(id: &str) -> Result<()> {
    if (8..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Ok(())
    } else {
        Err(Error::field(
            ErrorCode::InvalidGuestId,
            "guest_id",
            "A guest id is 8 to 128 characters of letters, digits, '-' and '_'.",
        ))
    }
}

fn scopes(claims: &Map<String, Value>) -> Vec<String> {
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) => s.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        (_, Some(Value::Array(a))) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

fn method_matches(rule: &str, method: &str) -> bool {
    rule == "*" || rule.split(',').any(|m| m.trim().eq_ignore_ascii_case(method))
}

/// The path of `url` without scheme, authority, query or fragment, with dot segments
/// resolved and empty segments dropped: `https://h/a//b/./c/../d/?q` → `/a/b/d`.
pub fn normalize_path(url: &str) -> String {
    let rest = match url.find("://") {
        Some(i) => {
            let after = url.get(i + 3..).unwrap_or("");
            after.find('/').and_then(|j| after.get(j..)).unwrap_or("/")
        }
        None => url,
    };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let mut out: Vec<&str> = Vec::new();
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut i = 0;
    for p in &pat {
        if *p == "**" {
            return true;
        }
        let Some(s) = segs.get(i) else { return false };
        let wildcard = *p == "*" || (p.starts_with('{') && p.ends_with('}'));
        if !wildcard && p != s {
            return false;
        }
        i += 1;
    }
    i == segs.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalize_path("https://h.example/a//b/./c/../d/?q=1#f"), "/a/b/d");
        assert_eq!(normalize_path("/../../etc"), "/etc");
        assert_eq!(normalize_path(""), "/");
        assert!(path_matches("/api/projects/{id}", "/api/projects/7"));
        assert!(!path_matches("/api/projects/{id}", "/api/projects/7/x"));
        assert!(path_matches("/api/admin/**", "/api/admin"));
        assert!(path_matches("/api/admin/**", "/api/admin/a/b"));
        assert!(!path_matches("/api/admin/**", "/api/administrator"));
        assert!(path_matches("/", "/"));
        assert!(method_matches("GET, POST", "POST"));
    }
}
