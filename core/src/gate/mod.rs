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
//! 0. The **gateway token** ([`GateConfig::gateway`], see [`GatewayToken`]), when configured:
//!    every request must carry it (in `Authorization: Bearer` unless another header is
//!    named), compared in constant time. It is judged right after the request target and
//!    method (400) and before the route is looked up (so a caller without it sees no 405 or
//!    `Allow`): missing is 401 `not_authenticated`, wrong is 401 `invalid_token`. In
//!    `Authorization` it is the whole credential (kind `gateway`); in its own header it is a
//!    precondition, and the request's credential is judged from the other headers as below
//!    (kind `gateway` when there is none and the route takes that kind; anonymous otherwise).
//! 1. A configured **service-token header** (e.g. `X-Services-Token`): compared in constant
//!    time; missing secret, wrong value or an empty configured secret give
//!    `invalid_service_token`. Nothing else is looked at.
//! 2. **`Authorization`**: `Bearer <uuid>` is a session token, `Bearer <jwt>` an access token
//!    verified with the configured keys; any other scheme or a malformed value is
//!    `invalid_token`. A bad bearer credential is an error — it is never downgraded to guest
//!    or anonymous access, even when a guest header is also present (unless
//!    [`GateConfig::guest_fallback`] opts in, below).
//! 3. The **cookie** ([`GateConfig::cookie`], see [`CookieMode`]), only when there is no
//!    `Authorization` header: the same as a bearer token, and for methods other than GET,
//!    HEAD and OPTIONS only with CSRF protection (403 `csrf_failed`).
//! 4. The **guest header** (`X-Guest-ID`): a guest identity, read-only. Guest ids live in
//!    their own namespace: they start with `guest_` or `guest-` (see [`check_guest_id`]), so
//!    a user's id (a UUID, `user_…`) is never accepted as one, and the [`AuthContext`] of a
//!    guest carries it in `guest_id` — `user_id` is only ever set for signed-in users.
//!    [`GuestIdRule::Any`] accepts any header-safe id instead (see its risk).
//! 5. Otherwise anonymous.
//!
//! ## Credential kinds per route
//!
//! A rule's [`RouteRule::credentials`] (default [`GateConfig::credentials`], all kinds) lists
//! the [`CredentialKind`]s it takes. The kind is decided from the headers in the precedence
//! above (for a bearer token: a UUID is `session`, anything else `jwt`) and a kind the route
//! does not take is refused with 401 `invalid_token` ("This route does not take `jwt`
//! credentials.") before a JWT is verified — never read as another kind. E.g. an identity
//! provider's JWT accepted on `POST /api/auth/session` only, session tokens everywhere else.
//!
//! ## Guest fallback (opt-in)
//!
//! With [`GateConfig::guest_fallback`], a credential from `Authorization` or the cookie that
//! is malformed, of a refused kind, or (found in step 2) an unknown, expired or revoked
//! session, is replaced by the guest header's id when that id is valid and the route takes
//! guests ([`Classified::fallback_guest`] carries it while the session is still to be
//! loaded). CSRF failures never fall back. The risk: a client whose session ended becomes a
//! guest instead of being told to sign in again, and a broken token looks like guest use.
//! Guests stay read-only whatever happens (403 `guest_read_only`).
//!
//! ## Detail overrides
//!
//! [`GateConfig::details`] replaces the `detail` of a denial per code (body and
//! `error_description`); code, status and field stay. Keys must be catalog codes, texts 1
//! to 256 printable ASCII characters.
//!
//! ## Protected-resource mode (MCP servers)
//!
//! With [`GateConfig::protected_resource`] (see [`ProtectedResource`]) the gate is an OAuth
//! 2.1 resource server as the MCP authorization spec requires:
//!
//! * **Audience and issuer are mandatory.** A JWT is accepted only when its `aud` (a string
//!   or an array) names the resource identifier ([`crate::mcp_server::resource_matches`]:
//!   scheme and host case-insensitive, `https://h` = `https://h/`, otherwise exact — a
//!   trailing slash after a path is significant) and its `iss` is one of
//!   [`ProtectedResource::issuers`]. A token without `aud` or `iss` is refused
//!   (`invalid_claims`, 401 `invalid_token`). `jwt.config.audience` and `jwt.config.issuer`
//!   must be left unset (`invalid_config`): the resource settings are the one source.
//! * **Challenges** carry `resource_metadata="…"` (RFC 9728 §5.1; the configured URL or the
//!   resource's well-known URL) and every scope the route needs in one `scope` parameter:
//!   401 without a credential (no `error`), 401 `invalid_token` for an invalid or expired
//!   token, 403 `insufficient_scope`, and 400 `invalid_request` for an `Authorization`
//!   header that is not `Bearer <b64token>`. E.g.
//!   `Bearer realm="api", scope="files:read files:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"`.
//! * **The token is never handed downstream.** [`Decision::Allow`] carries an
//!   [`AuthContext`] (subject, e-mail, scopes), never the token itself; neither does
//!   [`Classified`] for a JWT. A handler that calls another service must get its own token
//!   for it (token exchange), never forward the caller's.
//!
//! Without the setting, nothing of the above changes the gate's output.
//!
//! ## Decision order
//!
//! request target and method (400 `invalid_request_target`) → gateway token (401) → route
//! (405 `method_not_allowed`) → credential errors (401, 403 `csrf_failed`) → route access:
//! `public`, `user`, `user_or_guest`, `service`
//! (401 `not_authenticated` / `invalid_service_token`, 403 `forbidden`) → guests only read
//! (403 `guest_read_only` for methods other than GET, HEAD, OPTIONS) → scopes (403
//! `insufficient_scope`) → identity (400 `invalid_identity`, 400 `identity_required`, 403
//! `identity_forbidden`) → entitlement (402 `subscription_required`).
//!
//! ## Request targets
//!
//! `request.url` is the request target as the client sent it (`/path?query`) or the full URL
//! of the request (`https://host/path?query`); it is parsed by [`crate::target`] (RFC 9112
//! §3.2). Routing uses the **path only**: nothing after `?` is ever matched, so
//! `/api/admin/x?next=https://h/api/public/` is judged as `/api/admin/x`. Refused with 400
//! `invalid_request_target` before anything else is looked at: targets that are not
//! origin-form or absolute `http(s)` URLs (asterisk-form `*` and authority-form `host:port`
//! included), a space, control character, non-ASCII or `#` anywhere, and in the path: `\`,
//! `;` parameters, encoded `/` (`%2F`), `\` (`%5C`) or control characters, bad `%` escapes,
//! and — unless [`GateConfig::normalize_path`] is on — dot-segments (`.`, `..`), any `%2E`,
//! and empty segments (`//`). A method that is not an HTTP token is refused the same way
//! (`field` = `method`). Methods are compared upper-cased.
//!
//! **The host must route on exactly the path the gate judged**, [`Classified::path`]: with
//! `normalize_path` off that is the path as received; with it on, dot-segments are resolved
//! (RFC 3986 §5.2.4) and empty segments dropped, and the host must dispatch the request on
//! that normalised path (or refuse it when it differs from the raw one). A router that
//! resolves `..` or decodes `%2F` itself while the gate judges something else is a bypass.
//!
//! ## Route rules
//!
//! Rules are tried in order; the first whose path pattern **and** method match applies.
//! When no rule matches the path, the default access applies (`user`). When some rule
//! matches the path but none of those matching it allows the method, the request is refused
//! with 405 `method_not_allowed` and an `Allow` header listing the methods those rules allow
//! (RFC 9110 §15.5.6) — an unlisted method never falls through to the default. So
//! `GET /x/** user_or_guest` followed by `* /x/** user` lets guests read and users write,
//! while `GET, DELETE /api/admin/**` alone answers a `POST` there with 405.
//!
//! * Methods are a name, a comma-separated list or `*`. A rule listing `GET` also covers
//!   `HEAD` (frameworks run the GET handler for it), and `Allow` then names `HEAD` too. CORS
//!   preflights (`OPTIONS`) need their own rule (e.g. `OPTIONS /api/** public`) or must be
//!   answered before the gate.
//! * Patterns are `/`-separated segments: a literal, `*` or `{name}` (any one segment), or a
//!   final `**` (any rest, including nothing). Literals are compared **case-sensitively**
//!   with the path's percent-decoded segments (`/api/%61dmin` is judged as `/api/admin`,
//!   `/API/admin` is not); a host whose router ignores case must make it case-sensitive or
//!   write every case into the rules.
//! * A single trailing `/` is ignored for matching: `/api/feed/` is judged by the rules for
//!   `/api/feed` (routers that treat them as one path, or redirect one to the other, then
//!   run a handler the gate judged). [`Classified::path`] keeps it.
//!
//! ## Response headers
//!
//! Nothing from the request is copied into a response header. The `WWW-Authenticate`
//! `error_description` is the error's detail reduced to the characters RFC 6750 §3 allows
//! (others, `"` and `\` become `?`) and capped at 256 characters, and error details quote
//! caller input (`kid`, `alg`, …) only in a sanitised, length-capped form. The realm, route
//! scopes and route methods come from the configuration and are checked when the gate is
//! built (`invalid_config`), so they cannot break a header either.
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
//!     credentials: None,
//! });
//! let gate = Gate::new(config)?;
//! let mut request = HttpRequest::new("GET", "/api/docs/42?page=2");
//! request.set_header("X-Guest-ID", "guest_demo_123");
//! let classified = gate.classify(&request, 1_700_000_000);
//! // Route on exactly this path:
//! assert_eq!(classified.path.as_deref(), Some("/api/docs/42"));
//! // The host loads what `classified.needs` names (nothing, for a guest), then:
//! match gate.decide(&classified, &Lookup::default(), 1_700_000_000) {
//!     Decision::Allow { context, .. } => {
//!         assert!(context.is_guest);
//!         assert_eq!(context.guest_id.as_deref(), Some("guest_demo_123"));
//!         assert_eq!(context.user_id, None);
//!     }
//!     Decision::Deny { response, .. } => panic!("{}", response.body),
//! }
//!
//! // A POST where only GET is listed is 405, never the default access:
//! let decision = gate.authenticate(&HttpRequest::new("POST", "/api/docs/42"), &Lookup::default(), 0);
//! let Decision::Deny { response, .. } = decision else { panic!() };
//! assert_eq!((response.status, response.header("Allow")), (405, Some("GET, HEAD")));
//!
//! // `..` is refused, not resolved:
//! let decision = gate.authenticate(&HttpRequest::new("GET", "/api/docs/../admin"), &Lookup::default(), 0);
//! let Decision::Deny { error, .. } = decision else { panic!() };
//! assert_eq!(error.code().as_str(), "invalid_request_target");
//! # Ok::<(), authcore::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

mod cookie;
mod gateway;
mod resource;

pub use cookie::{CookieMode, CsrfRule, DoubleSubmit};
pub use gateway::{
    generate_gateway_token, GatewayToken, ServiceEnv, GATEWAY_TOKEN_BYTES, GATEWAY_TOKEN_MAX, GATEWAY_TOKEN_MIN,
};
pub use resource::ProtectedResource;

use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::jwt::{Backend, KeySet, KeySpec, Verifier, VerifierConfig};
use crate::secret::Secret;
use crate::session::{token_hash, Session, SessionConfig, SessionManager};
use crate::target::RequestTarget;
use crate::util::{canonical_uuid, is_header_safe, quote_input};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// A kind of credential, for the credentials a route accepts ([`RouteRule::credentials`],
/// [`GateConfig::credentials`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A JWT access token in `Authorization: Bearer` (or the cookie).
    Jwt,
    /// A session token in `Authorization: Bearer` (or the cookie).
    Session,
    /// The guest header (or a guest fallback).
    Guest,
    /// A service-token header.
    Service,
    /// The gateway token alone ([`GateConfig::gateway`]).
    Gateway,
}

impl CredentialKind {
    /// Every kind.
    pub const ALL: [CredentialKind; 5] = [Self::Jwt, Self::Session, Self::Guest, Self::Service, Self::Gateway];

    /// The wire name (`jwt`, `session`, `guest`, `service`, `gateway`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jwt => "jwt",
            Self::Session => "session",
            Self::Guest => "guest",
            Self::Service => "service",
            Self::Gateway => "gateway",
        }
    }
}

/// How guest ids are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GuestIdRule {
    /// `guest_…`/`guest-…` ids only (see [`check_guest_id`]): a user id is never a guest id.
    #[default]
    Prefixed,
    /// Any id of 1 to 128 printable ASCII characters without spaces (see
    /// [`check_guest_id_any`]). A guest may then present a user's id as its guest id; guests
    /// stay read-only, but a handler that keys data on the guest id without checking
    /// `is_guest` would serve that user's data.
    Any,
}

/// One route rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
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
    /// The credential kinds this route accepts (default: [`GateConfig::credentials`]). A
    /// credential of another kind is refused with 401 `invalid_token`, never read as
    /// another kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Vec<CredentialKind>>,
}

fn any_method() -> String {
    "*".to_owned()
}

/// A shared-secret service credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct GateJwt {
    /// Verifier settings (allow-list, leeway, issuer, audience).
    pub config: VerifierConfig,
    /// The keys.
    pub keys: Vec<KeySpec>,
}

/// Gate settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
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
    /// Resolve dot-segments and empty segments in request paths instead of refusing them
    /// (default false). When on, the host must route on [`Classified::path`], the
    /// normalised path. See the module docs.
    pub normalize_path: bool,
    /// The credential kinds a rule accepts when it does not say (default: all five).
    pub credentials: Vec<CredentialKind>,
    /// A gateway token every request must carry (default none). See [`GatewayToken`].
    pub gateway: Option<GatewayToken>,
    /// Service credentials whose secrets are environment variables, resolved by
    /// [`Gate::from_env_values`] (default none; [`Gate::new`] refuses a config listing some).
    pub services_env: Vec<ServiceEnv>,
    /// Fall back to the guest header when the bearer credential is invalid (default false).
    /// See the module docs for the risk.
    pub guest_fallback: bool,
    /// How guest ids are checked (default `prefixed`).
    pub guest_id_rule: GuestIdRule,
    /// Per-code replacements for the `detail` of denials (e.g. `{"not_authenticated": "Not
    /// authenticated"}`); the code and status stay. Known codes only; 1 to 256 printable
    /// ASCII characters.
    pub details: BTreeMap<String, String>,
    /// Read the bearer credential from a cookie when there is no `Authorization` header
    /// (default none). See [`CookieMode`].
    pub cookie: Option<CookieMode>,
    /// Act as an OAuth protected resource (an MCP server; default none). See
    /// [`ProtectedResource`] and "Protected-resource mode" in the module docs.
    pub protected_resource: Option<ProtectedResource>,
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
            normalize_path: false,
            credentials: CredentialKind::ALL.to_vec(),
            gateway: None,
            services_env: Vec::new(),
            guest_fallback: false,
            guest_id_rule: GuestIdRule::Prefixed,
            details: BTreeMap::new(),
            cookie: None,
            protected_resource: None,
        }
    }
}

/// The credential a request presented (not [`crate::broker::ConnectionCredential`], the
/// secret a broker connection holds for an outbound call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
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
    /// The gateway token and nothing else.
    Gateway,
    /// A credential that is present but wrong.
    Invalid {
        /// Why.
        error: Error,
    },
}

/// What the host must load before [`Gate::decide`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Needs {
    /// Load the session whose `token_hash` is this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// Load the user's identities and entitlements: which user is
    /// [`Classified::user_to_load`] (for session tokens, after the session is loaded).
    pub user: bool,
}

/// The result of step 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Classified {
    /// The request method (upper-case).
    pub method: String,
    /// The path the rules were matched against — the request path as received, or its
    /// normalised form with [`GateConfig::normalize_path`]. The host must route on exactly
    /// this path. `None` when the request target was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The matching rule (or the default). `None` when the request was refused before a rule
    /// could apply (see `refused`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteRule>,
    /// Why the request is refused before its credential is read: `invalid_request_target`
    /// (400) or `method_not_allowed` (405). [`Gate::decide`] denies with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Error>,
    /// With `method_not_allowed`: the methods the rules matching the path allow, for the
    /// `Allow` header.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// The credential.
    pub credential: Credential,
    /// The identity header's value, if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// With [`GateConfig::guest_fallback`]: the guest id to use when the session token in
    /// `credential` turns out invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_guest: Option<String>,
    /// What to load.
    pub needs: Needs,
}

impl Classified {
    /// The id of the user whose identities and entitlements the host loads into
    /// [`Lookup::user`], or `None` when nothing is to be loaded. For a JWT it is the token's
    /// subject; for a session token it is the `user_id` of the record loaded under
    /// [`Needs::session`] (pass that record as `session`; a guest session, or a record that
    /// is not the one named, loads no user).
    pub fn user_to_load<'a>(&'a self, session: Option<&'a Session>) -> Option<&'a str> {
        if !self.needs.user {
            return None;
        }
        match &self.credential {
            Credential::Jwt { user_id, .. } => Some(user_id),
            Credential::Session { token_hash } => session
                .filter(|s| !s.is_guest && bool::from(s.token_hash.as_bytes().ct_eq(token_hash.as_bytes())))
                .map(|s| s.user_id.as_str()),
            _ => None,
        }
    }
}

/// A user's data, as the host loaded it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Lookup {
    /// The session record found under `needs.session` (`None`: not found).
    pub session: Option<Session>,
    /// The user's data (`None`: not loaded or no such user).
    pub user: Option<UserInfo>,
}

/// Who is calling, for the handler.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuthContext {
    /// `jwt`, `session`, `guest`, `service`, `gateway` or `none`.
    pub credential: String,
    /// The signed-in user's id. Never set for guests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// A guest's id (from the guest header, or a guest session's record). Set only for
    /// guests, never together with `user_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guest_id: Option<String>,
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
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
        let header_ok = header_name_ok;
        if !(1..=256).contains(&config.realm.len()) || !config.realm.bytes().all(is_qdtext) {
            return bad(
                "realm",
                "The realm must be 1 to 256 printable ASCII characters without quotes or backslashes.",
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
            if !pattern_ok(&r.path) {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    format!("routes[{i}].path"),
                    "A path pattern starts with '/', has no empty, '.' or '..' segments, no \
                     '%', '?', '#', ';' or '\\', no spaces or control characters, and may use \
                     '**' only as its last segment.",
                ));
            }
            if r.method != "*" && !r.method.split(',').map(str::trim).all(|m| m != "*" && is_token(m)) {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    format!("routes[{i}].method"),
                    "A route method must be a method name, a comma-separated list of them or '*'.",
                ));
            }
            if let Some(j) = r
                .scopes
                .iter()
                .position(|s| s.is_empty() || !s.bytes().all(is_scope_char))
            {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    format!("routes[{i}].scopes[{j}]"),
                    "A scope is printable ASCII without spaces, quotes or backslashes (RFC 6749 section 3.3).",
                ));
            }
        }
        if !config.services_env.is_empty() {
            return bad(
                "services_env",
                "Service tokens from the environment are resolved by Gate::from_env, not Gate::new.",
            );
        }
        if config.credentials.is_empty() {
            return bad(
                "credentials",
                "The default credential kinds must name at least one kind.",
            );
        }
        if let Some(i) = config
            .routes
            .iter()
            .position(|r| r.credentials.as_ref().is_some_and(Vec::is_empty))
        {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                format!("routes[{i}].credentials"),
                "A route's credential kinds must name at least one kind.",
            ));
        }
        if let Some(g) = &config.gateway {
            g.check()?;
            if !header_ok(g.header_name()) {
                return bad("gateway.header", "The gateway header must be a header name.");
            }
        }
        if let Some(c) = &config.cookie {
            c.check()?;
        }
        for (code, detail) in &config.details {
            let field = || format!("details.{}", quote_input(code));
            if code.parse::<ErrorCode>().is_err() {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    field(),
                    "Not an error code of the catalog.",
                ));
            }
            if !(1..=DESCRIPTION_MAX).contains(&detail.len()) || !detail.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    field(),
                    "A detail is 1 to 256 printable ASCII characters.",
                ));
            }
        }
        if let Some(r) = &config.protected_resource {
            r.check(config.jwt.as_ref())?;
        }
        let verifier = match &config.jwt {
            Some(j) => {
                let v = Verifier::new(
                    j.config.clone(),
                    KeySet::from_specs(&j.keys, backend).map_err(|e| e.in_field("jwt"))?,
                )?;
                // A protected resource matches `aud` against its resource identifier as URIs.
                Some(match config.protected_resource {
                    Some(_) => v.with_caller_audience(),
                    None => v,
                })
            }
            None => None,
        };
        let sessions = SessionManager::new(config.session.clone())?;
        Ok(Self {
            config,
            verifier,
            sessions,
        })
    }

    /// A gate whose [`GateConfig::services_env`] secrets are read from `env`, the
    /// environment as a map (the host passes its process environment; bindings pass
    /// `os.environ` / `process.env` when given none). With no `services_env` entry, the
    /// default one applies ([`ServiceEnv::default`]: `AUTHCORE_SERVICES_TOKEN` on
    /// `X-Services-Token`, named `services`). A missing or empty variable is
    /// `invalid_config` naming the variable, never its value.
    ///
    /// ```
    /// use authcore::gate::{Gate, GateConfig, ServiceEnv};
    ///
    /// let mut config = GateConfig::default();
    /// config.services_env.push(ServiceEnv {
    ///     name: "reeve".into(),
    ///     variable: "REEVE_SERVICES_TOKEN".into(),
    ///     header: "X-Reeve-Services-Token".into(),
    /// });
    /// let env = serde_json::json!({"REEVE_SERVICES_TOKEN": "a-long-shared-secret"});
    /// let gate = Gate::from_env_values(config.clone(), env.as_object().unwrap())?;
    /// assert_eq!(gate.config().services[0].header, "X-Reeve-Services-Token");
    ///
    /// let err = Gate::from_env_values(config, &serde_json::Map::new()).unwrap_err();
    /// assert_eq!(err.detail(), "`REEVE_SERVICES_TOKEN` is not set.");
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn from_env_values(config: GateConfig, env: &Map<String, Value>) -> Result<Self> {
        Self::from_env_values_with_backend(config, env, Backend::default())
    }

    /// As [`Gate::from_env_values`] with a chosen crypto backend.
    pub fn from_env_values_with_backend(
        mut config: GateConfig,
        env: &Map<String, Value>,
        backend: Backend,
    ) -> Result<Self> {
        let specs = match std::mem::take(&mut config.services_env) {
            v if v.is_empty() => vec![ServiceEnv::default()],
            v => v,
        };
        for (i, spec) in specs.iter().enumerate() {
            spec.check(i)?;
            config.services.push(spec.resolve(env)?);
        }
        Self::with_backend(config, backend)
    }

    /// As [`Gate::from_env_values`], from a string map.
    pub fn from_env_map(config: GateConfig, env: &BTreeMap<String, String>) -> Result<Self> {
        let values: Map<String, Value> = env.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        Self::from_env_values(config, &values)
    }

    /// The settings.
    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// Step 1: route and credential. `request.url` is the request target (`/path?query`) or
    /// the request's absolute URL; see the module docs for what is refused.
    pub fn classify(&self, request: &HttpRequest, now: i64) -> Classified {
        let method = request.method.to_ascii_uppercase();
        let mut classified = Classified {
            method,
            path: None,
            route: None,
            refused: None,
            allow: Vec::new(),
            credential: Credential::None,
            identity: None,
            fallback_guest: None,
            needs: Needs {
                session: None,
                user: false,
            },
        };
        if !is_token(&classified.method) {
            classified.refused = Some(Error::field(
                ErrorCode::InvalidRequestTarget,
                "method",
                "The method must be an HTTP token (RFC 9110 section 9).",
            ));
            return classified;
        }
        let target = match RequestTarget::parse(&request.url, self.config.normalize_path) {
            Ok(t) => t,
            Err(e) => {
                classified.refused = Some(e);
                return classified;
            }
        };
        classified.path = Some(target.path().to_owned());
        if let Some(g) = &self.config.gateway {
            if let Err(e) = gateway_check(g, request) {
                classified.refused = Some(e);
                return classified;
            }
        }
        let route = match self.route(&classified.method, target.segments()) {
            Ok(route) => route,
            Err(allow) => {
                classified.refused = Some(Error::with_detail(
                    ErrorCode::MethodNotAllowed,
                    "The route does not allow this method.",
                ));
                classified.allow = allow;
                return classified;
            }
        };
        let accepts = route.credentials.as_deref().unwrap_or(&self.config.credentials);
        let (mut credential, from_bearer) = self.credential(request, &classified.method, accepts, now);
        if from_bearer && self.config.guest_fallback && accepts.contains(&CredentialKind::Guest) {
            let guest = self.config.guest_header.as_deref().and_then(|h| request.header(h));
            if let Some(id) = guest.filter(|id| self.check_guest(id).is_ok()) {
                match &credential {
                    Credential::Invalid { error } if error.code() != ErrorCode::CsrfFailed => {
                        credential = Credential::Guest {
                            guest_id: id.to_owned(),
                        }
                    }
                    Credential::Session { .. } => classified.fallback_guest = Some(id.to_owned()),
                    _ => {}
                }
            }
        }
        classified.needs = Needs {
            session: match &credential {
                Credential::Session { token_hash } => Some(token_hash.clone()),
                _ => None,
            },
            user: matches!(credential, Credential::Jwt { .. } | Credential::Session { .. })
                && (route.identity != IdentityRule::None || route.entitlement.is_some()),
        };
        classified.identity = request.header(&self.config.identity_header).map(str::to_owned);
        classified.route = Some(route);
        classified.credential = credential;
        classified
    }

    /// The first rule whose path and method match (or the default rule when no rule matches
    /// the path); `Err(allow)` when rules match the path but none the method.
    fn route(&self, method: &str, segments: &[String]) -> core::result::Result<RouteRule, Vec<String>> {
        let mut allow: Vec<String> = Vec::new();
        for r in &self.config.routes {
            if !path_matches(&r.path, segments) {
                continue;
            }
            if method_matches(&r.method, method) {
                return Ok(r.clone());
            }
            for m in r.method.split(',').map(|m| m.trim().to_ascii_uppercase()) {
                let head = (m == "GET").then(|| "HEAD".to_owned());
                for m in std::iter::once(m).chain(head) {
                    if !allow.contains(&m) {
                        allow.push(m);
                    }
                }
            }
        }
        if !allow.is_empty() {
            return Err(allow);
        }
        Ok(RouteRule {
            method: any_method(),
            path: "/**".to_owned(),
            access: self.config.default_access,
            scopes: Vec::new(),
            identity: IdentityRule::None,
            entitlement: None,
            credentials: None,
        })
    }

    fn check_guest(&self, id: &str) -> Result<()> {
        match self.config.guest_id_rule {
            GuestIdRule::Prefixed => check_guest_id(id),
            GuestIdRule::Any => check_guest_id_any(id),
        }
    }

    /// The request's credential, and whether it came from `Authorization` or the cookie.
    fn credential(
        &self,
        request: &HttpRequest,
        method: &str,
        accepts: &[CredentialKind],
        now: i64,
    ) -> (Credential, bool) {
        let invalid = |error: Error| Credential::Invalid { error };
        let refuse = |kind: CredentialKind| {
            invalid(Error::with_detail(
                ErrorCode::InvalidToken,
                format!("This route does not take `{}` credentials.", kind.as_str()),
            ))
        };
        for s in &self.config.services {
            if let Some(presented) = request.header(&s.header) {
                if !accepts.contains(&CredentialKind::Service) {
                    return (refuse(CredentialKind::Service), false);
                }
                let secret = s.secret.expose().as_bytes();
                let ok = !secret.is_empty() && bool::from(presented.as_bytes().ct_eq(secret));
                let c = if ok {
                    Credential::Service { name: s.name.clone() }
                } else {
                    invalid(Error::field(
                        ErrorCode::InvalidServiceToken,
                        s.header.clone(),
                        "Invalid service token.",
                    ))
                };
                return (c, false);
            }
        }
        if self.config.gateway.as_ref().is_some_and(GatewayToken::in_authorization) {
            // `Authorization` carried the gateway token (checked in `classify`).
            let c = if accepts.contains(&CredentialKind::Gateway) {
                Credential::Gateway
            } else {
                refuse(CredentialKind::Gateway)
            };
            return (c, false);
        }
        let token = if let Some(auth) = request.header("Authorization") {
            match self.authorization_token(auth) {
                Ok(t) => Some(t),
                Err(e) => return (invalid(e), true),
            }
        } else if let Some(mode) = &self.config.cookie {
            match mode.token(request) {
                Ok(Some(t)) if !t.is_empty() => {
                    if !SAFE_METHODS.contains(&method) {
                        if let Err(e) = mode.csrf(request) {
                            return (invalid(e), true);
                        }
                    }
                    Some(t)
                }
                Ok(_) => None,
                Err(e) => return (invalid(e), true),
            }
        } else {
            None
        };
        if let Some(token) = token {
            return (self.bearer_credential(token, accepts, now), true);
        }
        if let Some(header) = &self.config.guest_header {
            if let Some(id) = request.header(header) {
                if !accepts.contains(&CredentialKind::Guest) {
                    return (refuse(CredentialKind::Guest), false);
                }
                let c = match self.check_guest(id) {
                    Ok(()) => Credential::Guest {
                        guest_id: id.to_owned(),
                    },
                    Err(e) => invalid(e),
                };
                return (c, false);
            }
        }
        if self.config.gateway.is_some() && accepts.contains(&CredentialKind::Gateway) {
            // The gateway token (in its own header, checked in `classify`) and nothing else.
            return (Credential::Gateway, false);
        }
        (Credential::None, false)
    }

    /// The access token of an `Authorization` header. Only the `Bearer` scheme is taken
    /// (RFC 6750 §2.1). Anything else is 401 `invalid_token`, or — in protected-resource
    /// mode — 400 `invalid_request` (RFC 6750 §3.1: a malformed request), where the token
    /// must also be an RFC 6750 `b64token`.
    ///
    /// The DPoP seam: a `DPoP` scheme (RFC 9449 §7.1) is recognised here. Accepting it needs
    /// the request's `DPoP` proof header checked (`htm`, `htu`, `ath`, `jti` replay record)
    /// and the verified token's `cnf.jkt` compared with the proof key's thumbprint; the token
    /// would then go through [`Gate::bearer_credential`] like a bearer token, and the
    /// challenges would add a `DPoP` challenge with `algs` (RFC 9449 §7.1). Until then a
    /// `DPoP` credential is refused like any other scheme.
    fn authorization_token<'r>(&self, auth: &'r str) -> Result<&'r str> {
        if self.config.protected_resource.is_none() {
            return bearer(auth).ok_or_else(|| {
                Error::field(
                    ErrorCode::InvalidToken,
                    "authorization",
                    "The Authorization header must be `Bearer <token>`.",
                )
            });
        }
        match auth.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && is_b64token(token) => Ok(token),
            _ => Err(Error::field(
                ErrorCode::InvalidRequest,
                "authorization",
                "The Authorization header must be `Bearer <token>`.",
            )),
        }
    }

    /// A bearer token (from `Authorization` or the cookie): a session token or a JWT.
    fn bearer_credential(&self, token: &str, accepts: &[CredentialKind], now: i64) -> Credential {
        let invalid = |error: Error| Credential::Invalid { error };
        let refuse = |kind: CredentialKind| {
            invalid(Error::with_detail(
                ErrorCode::InvalidToken,
                format!("This route does not take `{}` credentials.", kind.as_str()),
            ))
        };
        if let Some(hash) = token_hash(token) {
            if !accepts.contains(&CredentialKind::Session) {
                return refuse(CredentialKind::Session);
            }
            return Credential::Session { token_hash: hash };
        }
        let Some(verifier) = &self.verifier else {
            return invalid(Error::new(ErrorCode::InvalidSession));
        };
        if !accepts.contains(&CredentialKind::Jwt) {
            return refuse(CredentialKind::Jwt);
        }
        let checked = verifier
            .verify(token, now)
            .and_then(|v| match &self.config.protected_resource {
                Some(r) => r.check_claims(v.claims()).map(|()| v),
                None => Ok(v),
            });
        match checked {
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
        }
    }

    /// Both steps at once, for hosts that load everything up front.
    pub fn authenticate(&self, request: &HttpRequest, lookup: &Lookup, now: i64) -> Decision {
        self.decide(&self.classify(request, now), lookup, now)
    }

    /// Step 2: the decision, given what the host loaded.
    pub fn decide(&self, classified: &Classified, lookup: &Lookup, now: i64) -> Decision {
        let result = match (&classified.refused, &classified.route) {
            (Some(error), _) => Err(error.clone()),
            (None, Some(route)) => self.decide_inner(classified, route, lookup, now),
            // A classification without a rule and without a reason: refuse (fail closed).
            (None, None) => Err(Error::new(ErrorCode::InvalidRequestTarget)),
        };
        match result {
            Ok((context, touch)) => Decision::Allow { context, touch },
            Err(error) => {
                let error = match self.config.details.get(error.code().as_str()) {
                    Some(detail) => match error.field_name() {
                        Some(f) => Error::field(error.code(), f, detail.clone()),
                        None => Error::with_detail(error.code(), detail.clone()),
                    },
                    None => error,
                };
                Decision::Deny {
                    response: self.deny_response(&error, classified),
                    error,
                }
            }
        }
    }

    fn decide_inner(
        &self,
        c: &Classified,
        route: &RouteRule,
        lookup: &Lookup,
        now: i64,
    ) -> Result<(AuthContext, Option<Session>)> {
        let mut touch = None;
        let mut ctx = AuthContext {
            credential: "none".to_owned(),
            user_id: None,
            guest_id: None,
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
                let checked = lookup
                    .session
                    .as_ref()
                    .filter(|s| bool::from(s.token_hash.as_bytes().ct_eq(token_hash.as_bytes())))
                    .ok_or_else(|| Error::new(ErrorCode::InvalidSession))
                    .and_then(|record| Ok((record, self.sessions.check(record, now)?)));
                match (checked, &c.fallback_guest) {
                    (Ok((record, valid)), _) => {
                        touch = valid.touch;
                        ctx.credential = "session".to_owned();
                        if record.is_guest {
                            ctx.guest_id = Some(record.user_id.clone());
                        } else {
                            ctx.user_id = Some(record.user_id.clone());
                        }
                        ctx.email = record.email.clone();
                        ctx.is_guest = record.is_guest;
                    }
                    (Err(_), Some(guest_id)) => {
                        ctx.credential = "guest".to_owned();
                        ctx.guest_id = Some(guest_id.clone());
                        ctx.is_guest = true;
                    }
                    (Err(e), None) => return Err(e),
                }
            }
            Credential::Guest { guest_id } => {
                ctx.credential = "guest".to_owned();
                ctx.guest_id = Some(guest_id.clone());
                ctx.is_guest = true;
            }
            Credential::Service { name } => {
                ctx.credential = "service".to_owned();
                ctx.service = Some(name.clone());
            }
            Credential::Gateway => ctx.credential = "gateway".to_owned(),
        }
        let is_gateway = matches!(c.credential, Credential::Gateway);
        // The gateway token's holder is the gateway's owner: a user without lookups.
        let is_user = (ctx.user_id.is_some() && !ctx.is_guest) || is_gateway;
        let is_service = ctx.service.is_some();
        let trusted = is_service || is_gateway;
        match route.access {
            Access::Public => {}
            Access::User | Access::UserOrGuest if is_service => return Err(Error::new(ErrorCode::Forbidden)),
            Access::User if !is_user => {
                return Err(Error::with_detail(ErrorCode::NotAuthenticated, "Sign-in required."));
            }
            Access::UserOrGuest if !is_user && !ctx.is_guest => return Err(Error::new(ErrorCode::NotAuthenticated)),
            Access::Service if !is_service => {
                return Err(Error::field(
                    ErrorCode::InvalidServiceToken,
                    "service",
                    "This route needs a service token.",
                ))
            }
            _ => {}
        }
        if ctx.is_guest && route.access != Access::Public && !SAFE_METHODS.contains(&c.method.as_str()) {
            return Err(Error::new(ErrorCode::GuestReadOnly));
        }
        if let Some(missing) = route.scopes.iter().find(|s| !ctx.scopes.contains(s)) {
            if !trusted {
                return Err(Error::field(
                    ErrorCode::InsufficientScope,
                    "scope",
                    format!("The token lacks the `{}` scope.", quote_input(missing)),
                ));
            }
        }
        ctx.identity = self.identity(c, route, lookup, trusted)?;
        if let Some(entitlement) = &route.entitlement {
            let entitled = trusted
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

    fn identity(&self, c: &Classified, route: &RouteRule, lookup: &Lookup, trusted: bool) -> Result<Option<String>> {
        if route.identity == IdentityRule::None {
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
        if trusted {
            // Services (and the gateway's owner) act for whichever identity they name.
            return match named {
                Some(n) => Ok(Some(n)),
                None if route.identity == IdentityRule::Required => Err(Error::new(ErrorCode::IdentityRequired)),
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
                    None if route.identity == IdentityRule::Required => Err(Error::new(ErrorCode::IdentityRequired)),
                    None => Ok(None),
                }
            }
        }
    }

    fn deny_response(&self, error: &Error, c: &Classified) -> HttpResponse {
        let mut response = HttpResponse::new(error.status())
            .with_header("Content-Type", "application/json")
            .with_body(error.to_json());
        let realm = format!("Bearer realm=\"{}\"", self.config.realm);
        let scopes = c.route.as_ref().map(|r| r.scopes.join(" ")).unwrap_or_default();
        let challenge = if let Some(r) = &self.config.protected_resource {
            resource_challenge(&realm, error, &scopes, &r.metadata_url())
        } else {
            match error.code() {
                ErrorCode::InsufficientScope => Some(format!(
                    "{realm}, error=\"insufficient_scope\", scope=\"{}\"",
                    header_text(&scopes)
                )),
                ErrorCode::NotAuthenticated | ErrorCode::InvalidServiceToken => Some(realm),
                _ if error.status() == 401 => Some(format!(
                    "{realm}, error=\"invalid_token\", error_description=\"{}\"",
                    header_text(error.detail())
                )),
                _ => None,
            }
        };
        // Every part is sanitised or was checked at construction; never write one that is not.
        if let Some(c) = challenge.filter(|c| is_header_safe(c)) {
            response = response.with_header("WWW-Authenticate", c);
        }
        if error.code() == ErrorCode::MethodNotAllowed {
            // Only token-shaped names (checked when the gate was built) go into `Allow`.
            let allow: Vec<&str> = c.allow.iter().map(String::as_str).filter(|m| is_token(m)).collect();
            response = response.with_header("Allow", allow.join(", "));
        }
        response
    }
}

/// The challenge in protected-resource mode (RFC 6750 §3, RFC 9728 §5.1, the MCP spec's
/// "Scope challenge"): `realm`, then `error` and `error_description` when the request
/// carried a credential, then `scope` (all the route's scopes, in one parameter, when it has
/// any) and `resource_metadata`. 401 without a usable credential has no `error`; 401 for a bad
/// token is `invalid_token`; 403 `insufficient_scope`; 400 `invalid_request` for a
/// malformed `Authorization` header. Other refusals carry no challenge.
fn resource_challenge(realm: &str, error: &Error, scopes: &str, metadata_url: &str) -> Option<String> {
    let code = match error.code() {
        ErrorCode::NotAuthenticated | ErrorCode::InvalidServiceToken => None,
        ErrorCode::InsufficientScope => Some("insufficient_scope"),
        ErrorCode::InvalidRequest => Some("invalid_request"),
        _ if error.status() == 401 => Some("invalid_token"),
        _ => return None,
    };
    let mut out = realm.to_owned();
    if let Some(code) = code {
        out.push_str(&format!(
            ", error=\"{code}\", error_description=\"{}\"",
            header_text(error.detail())
        ));
    }
    // Scopes and the metadata URL were checked when the gate was built (no quotes, no
    // backslashes, printable ASCII), and are written whole: a cut list or URL would mislead.
    if !scopes.is_empty() {
        out.push_str(&format!(", scope=\"{scopes}\""));
    }
    out.push_str(&format!(", resource_metadata=\"{metadata_url}\""));
    Some(out)
}

/// An RFC 6750 §2.1 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
/// *"="`.
fn is_b64token(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
}

/// The longest `error_description` written into `WWW-Authenticate`.
const DESCRIPTION_MAX: usize = 256;

/// Text for a quoted-string in `WWW-Authenticate`: only the characters RFC 6750 §3 allows in
/// `error_description` and `scope` (printable ASCII without `"` and `\`; everything else
/// becomes `?`), at most [`DESCRIPTION_MAX`] characters.
fn header_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(DESCRIPTION_MAX + 3));
    for (i, c) in s.chars().enumerate() {
        if i == DESCRIPTION_MAX {
            out.push_str("...");
            break;
        }
        out.push(if c.is_ascii() && is_qdtext(c as u8) { c } else { '?' });
    }
    out
}

/// RFC 6750 §3 quoted-string content: `%x20-21 / %x23-5B / %x5D-7E`.
fn is_qdtext(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\'
}

/// RFC 6749 §3.3 scope-token characters: `%x21 / %x23-5B / %x5D-7E`.
fn is_scope_char(b: u8) -> bool {
    is_qdtext(b) && b != b' '
}

/// An RFC 9110 §5.6.2 token (method names).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A route pattern: `/`, then segments that are `**` (last only), `*`, `{name}` or literals
/// without empty, `.`/`..` segments, `%`, `?`, `#`, `;`, `\\`, spaces or control characters.
/// A single trailing `/` is allowed (and ignored).
fn pattern_ok(pattern: &str) -> bool {
    let Some(rest) = pattern.strip_prefix('/') else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segs: Vec<&str> = rest.split('/').collect();
    let last = segs.len() - 1;
    segs.iter().enumerate().all(|(i, s)| {
        !s.is_empty()
            && *s != "."
            && *s != ".."
            && (*s != "**" || i == last)
            && !s
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || "%?#;\\".contains(c))
    })
}

/// Guest ids: `guest_` or `guest-` followed by letters, digits, `-` and `_`, 8 to 128
/// characters in all (e.g. `guest_demo_123`). The prefix keeps guest ids in their own
/// namespace: a user id (a UUID, `user_abc123`) is never a valid guest id.
pub fn check_guest_id(id: &str) -> Result<()> {
    let prefixed = id.starts_with("guest_") || id.starts_with("guest-");
    if prefixed
        && (8..=128).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(Error::field(
            ErrorCode::InvalidGuestId,
            "guest_id",
            "A guest id starts with `guest_` or `guest-` and is 8 to 128 letters, digits, '-' and '_'.",
        ))
    }
}

/// Guest ids under [`GuestIdRule::Any`]: 1 to 128 printable ASCII characters without spaces
/// (safe in a header and a log line; anything else is `invalid_guest_id`).
pub fn check_guest_id_any(id: &str) -> Result<()> {
    if (1..=128).contains(&id.len()) && id.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        Ok(())
    } else {
        Err(Error::field(
            ErrorCode::InvalidGuestId,
            "guest_id",
            "A guest id is 1 to 128 printable ASCII characters without spaces.",
        ))
    }
}

/// An HTTP header name (letters, digits and `-`).
fn header_name_ok(h: &str) -> bool {
    !h.is_empty() && h.len() <= 256 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The token of `Bearer <token>` (scheme case-insensitive), or `None`.
fn bearer(auth: &str) -> Option<&str> {
    match auth.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") && !rest.trim().is_empty() => Some(rest.trim()),
        _ => None,
    }
}

/// Whether the request carries the gateway token (constant-time compare).
fn gateway_check(g: &GatewayToken, request: &HttpRequest) -> Result<()> {
    let header = g.header_name();
    let presented = match request.header(header) {
        None => None,
        Some(v) if g.in_authorization() => Some(bearer(v).unwrap_or("")),
        Some(v) => Some(v.trim()),
    };
    match presented {
        None => Err(Error::field(
            ErrorCode::NotAuthenticated,
            header,
            "This gateway needs its token.",
        )),
        Some(p) if bool::from(p.as_bytes().ct_eq(g.token.expose().as_bytes())) => Ok(()),
        Some(_) => Err(Error::field(ErrorCode::InvalidToken, header, "Invalid gateway token.")),
    }
}

fn scopes(claims: &Map<String, Value>) -> Vec<String> {
    match (claims.get("scope"), claims.get("scp")) {
        (Some(Value::String(s)), _) => s.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        (_, Some(Value::Array(a))) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Whether a rule's method list covers `method` (upper-case). A rule listing `GET` also
/// covers `HEAD`.
fn method_matches(rule: &str, method: &str) -> bool {
    rule == "*"
        || rule
            .split(',')
            .map(str::trim)
            .any(|m| m.eq_ignore_ascii_case(method) || (method == "HEAD" && m.eq_ignore_ascii_case("GET")))
}

/// Whether `pattern` matches the path's decoded segments (case-sensitive; a trailing `/` on
/// either side is ignored).
fn path_matches(pattern: &str, segments: &[String]) -> bool {
    let mut segs = segments.iter();
    for p in pattern.split('/').filter(|s| !s.is_empty()) {
        if p == "**" {
            return true;
        }
        let Some(s) = segs.next() else { return false };
        let wildcard = p == "*" || (p.starts_with('{') && p.ends_with('}'));
        if !wildcard && p != s {
            return false;
        }
    }
    segs.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        RequestTarget::parse(path, false).unwrap().segments().to_vec()
    }

    #[test]
    fn paths() {
        assert!(path_matches("/api/projects/{id}", &segs("/api/projects/7")));
        assert!(path_matches("/api/projects/{id}", &segs("/api/projects/7/")));
        assert!(!path_matches("/api/projects/{id}", &segs("/api/projects/7/x")));
        assert!(path_matches("/api/admin/**", &segs("/api/admin")));
        assert!(path_matches("/api/admin/**", &segs("/api/admin/a/b")));
        assert!(path_matches("/api/admin/**", &segs("/api/%61dmin/a")));
        assert!(!path_matches("/api/admin/**", &segs("/api/Admin/a")));
        assert!(!path_matches("/api/admin/**", &segs("/api/administrator")));
        assert!(path_matches("/", &segs("/")));
        assert!(!path_matches("/", &segs("/a")));
        assert!(method_matches("GET, POST", "POST"));
        assert!(method_matches("GET", "HEAD"));
        assert!(!method_matches("POST", "HEAD"));
        assert!(!method_matches("HEAD", "GET"));
    }

    #[test]
    fn patterns_and_header_text() {
        for p in ["/", "/a", "/a/", "/a/**", "/a/{id}/*", "/caf\u{e9}"] {
            assert!(pattern_ok(p), "{p}");
        }
        for p in [
            "", "a", "//", "/a//b", "/a/./b", "/a/..", "/**/a", "/a%2f", "/a;b", "/a b", "/a\\b", "/a?", "/a\n",
        ] {
            assert!(!pattern_ok(p), "{p}");
        }
        assert_eq!(header_text("a\r\nb\"c\\\u{0}\u{e9}"), "a??b?c???");
        assert_eq!(header_text(&"x".repeat(300)), format!("{}...", "x".repeat(256)));
        assert!(is_token("M-SEARCH") && !is_token("GET ") && !is_token("") && !is_token("G\r\n"));
    }

    #[test]
    fn guest_ids() {
        assert!(check_guest_id("guest_demo_123").is_ok());
        assert!(check_guest_id("guest-12345678").is_ok());
        for id in [
            "550e8400-e29b-41d4-a716-446655440000",
            "user_abc123",
            "guest_",
            "Guest_demo",
            "guest_a b",
            "x",
        ] {
            assert!(check_guest_id(id).is_err(), "{id}");
        }
    }
}
