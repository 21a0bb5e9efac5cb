//! A remote key set (`jwks_uri`) kept fresh without IO: [`JwksCache`].
//!
//! The cache answers "which key verifies this token" from the last key set it fetched, or
//! asks the host to fetch the set first. It never reads a clock or the network: every call
//! takes `now`, fetches go out as [`JwksAction::Send`] and come back through
//! [`JwksCache::handle_response`] / [`JwksCache::handle_network_error`].
//!
//! ## Rules
//!
//! * **When to fetch.** A lookup fetches when there is no set yet, when the set is stale (its
//!   time to live has passed) or when the token's `kid` is not in it. The time to live is
//!   the response's `Cache-Control: max-age` (less its `Age`; `no-store`/`no-cache` count as
//!   0), or `default_ttl` without one, clamped to `min_ttl..=max_ttl`.
//! * **One fetch at a time, one per cooldown.** While a fetch is in flight every lookup that
//!   needs one is told to wait for it ([`JwksLookup::Fetch`] with its `transmit`). A new
//!   fetch starts only `cooldown` seconds after the previous one ended (succeeded or not), so
//!   a caller spraying random `kid`s makes the host fetch at most once per cooldown; inside
//!   the cooldown an unknown `kid` is `invalid_token` naming `kid`. A rotated key (a new
//!   `kid`) is therefore picked up by exactly one fetch, at the latest one cooldown after the
//!   previous fetch.
//! * **Stale while error.** A failed fetch (a network error, a status other than 200, a body
//!   that is not a JWKS with at least one usable key) keeps the previous set, which goes on
//!   serving the `kid`s it knows until `stale_while_error` seconds after it went stale. Past
//!   that, or with no set at all, a lookup fails with the last fetch error (`network_error`
//!   503, `server_error` 502 or `invalid_response` 502, naming `jwks_uri`), until a later
//!   fetch succeeds. Each failure is also reported as [`JwksAction::FetchFailed`].
//! * **Which keys.** Keys that cannot be used are skipped, not fatal (RFC 7517 §5): a key of
//!   an unknown type or algorithm, a key whose `use` is not `sig`, a shared (`oct`) key, a
//!   key whose algorithm is not on the verifier's allow-list, or a second key with the same
//!   `kid`. Their number is [`JwksCacheStatus::skipped_keys`].
//! * **Waking.** After each fetch the cache emits [`JwksAction::Wait`] for when the next
//!   fetch is due: when the set goes stale or the cooldown ends, whichever is later (after a
//!   failure, the end of the cooldown); a host
//!   that calls [`JwksCache::handle_timeout`] then refreshes in the background and lookups
//!   never have to wait. A host that does not keep a timer can ignore `wait`.
//!
//! ## Snapshots
//!
//! [`JwksCache::snapshot`] keeps the set as fetched, its times, the end of the last fetch and
//! its error, so that processes sharing a cache fetch once between them. A fetch in flight
//! is not kept (its answer cannot reach another process). [`JwksCache::restore`] runs the
//! constructor's checks and parses the set again.
//!
//! ```
//! use authcore::http::HttpResponse;
//! use authcore::jwt::{Algorithm, Backend, JwksAction, JwksCache, JwksCacheConfig, JwksVerify, VerifierConfig};
//!
//! let mut config = JwksCacheConfig::new("https://idp.example.com/jwks", VerifierConfig::new(&[Algorithm::EdDsa]));
//! config.verifier.issuer = Some("https://idp.example.com".into());
//! let mut cache = JwksCache::new(config, Backend::default())?;
//! let now = 1_700_000_000;
//! let token = "eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.e30.c2ln";
//! let JwksVerify::Fetch { transmit } = cache.verify(token, now)? else { unreachable!() };
//! let Some(JwksAction::Send { request, .. }) = cache.poll_action() else { unreachable!() };
//! assert_eq!((request.method.as_str(), request.url.as_str()), ("GET", "https://idp.example.com/jwks"));
//! // The host sends the request and reports the answer; then it calls `verify` again.
//! let jwks = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","kid":"k1","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
//! cache.handle_response(transmit, HttpResponse::new(200).with_body(jwks), now)?;
//! assert_eq!(cache.status(now).kids, vec!["k1".to_owned()]);
//! let err = cache.verify(token, now).unwrap_err(); // the key is there; this signature is not
//! assert_eq!(err.code().as_str(), "invalid_signature");
//! # Ok::<(), authcore::Error>(())
//! ```

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::keys::{KeySet, VerifyingKey};
use super::{Algorithm, Backend, VerifiedToken, Verifier, VerifierConfig};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{check_endpoint, HttpRequest, HttpResponse};
use crate::json::parse_object;
use crate::tokens::TransmitId;
use crate::util::quote_input;
use crate::SNAPSHOT_VERSION;

/// The largest key-set body read, in bytes.
pub const MAX_JWKS_BYTES: usize = 512 * 1024;
/// The longest time to live, cooldown or stale-while-error period accepted (30 days).
const MAX_PERIOD: i64 = 30 * 24 * 3600;

/// [`JwksCache`] settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::require_jwks_cache_config))]
pub struct JwksCacheConfig {
    /// The key set's URL (`jwks_uri` of the provider's metadata): `https`, or `http` to a
    /// loopback host (any host with `allow_insecure_http`).
    pub jwks_uri: String,
    /// How tokens are verified: the allow-list (keys for other algorithms are skipped),
    /// issuer, audience, leeway, `typ`, size cap.
    pub verifier: VerifierConfig,
    /// The algorithm for keys without `alg` (default none: such keys are skipped).
    pub default_alg: Option<Algorithm>,
    /// Time to live of a set whose response has no `Cache-Control: max-age` (default 600 s).
    pub default_ttl: i64,
    /// Lower bound of the time to live (default 60 s).
    pub min_ttl: i64,
    /// Upper bound of the time to live (default 86400 s).
    pub max_ttl: i64,
    /// Seconds after the end of a fetch before another may start (default 300 s, at least
    /// 1, so a lookup repeated at the time a fetch ended never asks for another).
    pub cooldown: i64,
    /// How long a stale set keeps serving the `kid`s it knows while fetches fail, counted
    /// from when it went stale (default 3600 s).
    pub stale_while_error: i64,
    /// Allow plain `http` to hosts other than loopback (default false; development only).
    pub allow_insecure_http: bool,
}

impl Default for JwksCacheConfig {
    fn default() -> Self {
        Self {
            jwks_uri: String::new(),
            verifier: VerifierConfig::default(),
            default_alg: None,
            default_ttl: 600,
            min_ttl: 60,
            max_ttl: 86400,
            cooldown: 300,
            stale_while_error: 3600,
            allow_insecure_http: false,
        }
    }
}

impl JwksCacheConfig {
    /// Defaults with a key-set URL and a verification policy.
    pub fn new(jwks_uri: impl Into<String>, verifier: VerifierConfig) -> Self {
        Self {
            jwks_uri: jwks_uri.into(),
            verifier,
            ..Self::default()
        }
    }

    /// Checks the settings; errors are `invalid_config` naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        check_endpoint("jwks_uri", &self.jwks_uri, self.allow_insecure_http)?;
        self.verifier.validate().map_err(|e| e.in_field("verifier"))?;
        if self.verifier.algorithms.iter().all(|a| a.is_hmac()) {
            return bad(
                "verifier.algorithms",
                "A remote key set holds public keys: allow at least one public-key algorithm.",
            );
        }
        if let Some(alg) = self.default_alg {
            if alg.is_hmac() || !self.verifier.algorithms.contains(&alg) {
                return bad(
                    "default_alg",
                    "`default_alg` must be a public-key algorithm on the allow-list.",
                );
            }
        }
        if !(1..=MAX_PERIOD).contains(&self.min_ttl) {
            return bad("min_ttl", "`min_ttl` must be 1 second to 30 days.");
        }
        if !(self.min_ttl..=MAX_PERIOD).contains(&self.max_ttl) {
            return bad("max_ttl", "`max_ttl` must be at least `min_ttl` and at most 30 days.");
        }
        if !(self.min_ttl..=self.max_ttl).contains(&self.default_ttl) {
            return bad("default_ttl", "`default_ttl` must lie between `min_ttl` and `max_ttl`.");
        }
        if !(1..=MAX_PERIOD).contains(&self.cooldown) {
            return bad("cooldown", "`cooldown` must be 1 second to 30 days.");
        }
        if !(0..=MAX_PERIOD).contains(&self.stale_while_error) {
            return bad("stale_while_error", "`stale_while_error` must be 0 to 30 days.");
        }
        Ok(())
    }
}

/// What the cache wants the host to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JwksAction {
    /// Fetch the key set; report with `handle_response` or `handle_network_error`.
    Send {
        /// Exchange id.
        transmit: TransmitId,
        /// The request (`GET jwks_uri`, `Accept: application/json`).
        request: HttpRequest,
    },
    /// Call `handle_timeout` at (or after) this time to refresh in the background.
    Wait {
        /// Unix seconds, local clock.
        until: i64,
    },
    /// A fetch failed; the previous set (if any) is kept (for the host's log).
    FetchFailed {
        /// Why.
        error: Error,
    },
}

/// The answer to [`JwksCache::key_for`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JwksLookup {
    /// The key, as a public JWK.
    Key {
        /// The JWK (with `kid` and `alg`).
        jwk: Value,
    },
    /// Fetch first: send the `send` action of this exchange (emitted once), report its
    /// answer, then ask again.
    Fetch {
        /// The exchange to wait for.
        transmit: TransmitId,
    },
}

/// The answer to [`JwksCache::verify`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum JwksVerify {
    /// The token verified.
    Verified {
        /// Its header members and claims, as [`Verifier::verify`] gives them.
        token: VerifiedToken,
    },
    /// Fetch first, as in [`JwksLookup::Fetch`], then verify again.
    Fetch {
        /// The exchange to wait for.
        transmit: TransmitId,
    },
}

/// What a cache reports about itself ([`JwksCache::status`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct JwksCacheStatus {
    /// The `kid`s of the current set, in the set's order (a key without `kid` is left out).
    pub kids: Vec<String>,
    /// When the current set was fetched.
    pub fetched_at: Option<i64>,
    /// When it goes stale.
    pub expires_at: Option<i64>,
    /// Whether it is fresh at `now`.
    pub fresh: bool,
    /// Whether a fetch is in flight.
    pub fetching: bool,
    /// The earliest time another fetch may start (the end of the cooldown), when later than `now`.
    pub next_fetch_at: Option<i64>,
    /// Keys of the current set's document that were skipped (see the module docs).
    pub skipped_keys: usize,
    /// The error of the last fetch, when it failed.
    pub last_error: Option<Error>,
}

/// The set in use.
#[derive(Debug)]
struct Current {
    verifier: Verifier,
    document: Value,
    fetched_at: i64,
    expires_at: i64,
    skipped: usize,
}

/// The snapshot of a [`JwksCache`].
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct JwksCacheSnapshot {
    version: u32,
    config: JwksCacheConfig,
    jwks: Option<Value>,
    fetched_at: Option<i64>,
    expires_at: Option<i64>,
    last_fetch_end: Option<i64>,
    last_error: Option<Error>,
    next_transmit: TransmitId,
}

/// The remote key-set machine: see the module docs.
#[derive(Debug)]
pub struct JwksCache {
    config: JwksCacheConfig,
    backend: Backend,
    /// A verifier without keys: runs the header checks before any fetch is asked for.
    probe: Verifier,
    current: Option<Current>,
    in_flight: Option<TransmitId>,
    last_fetch_end: Option<i64>,
    last_error: Option<Error>,
    next_transmit: TransmitId,
    actions: VecDeque<JwksAction>,
}

/// What a lookup decided.
enum Decision {
    Ready,
    Fetch(TransmitId),
}

impl JwksCache {
    /// A cache with validated settings ([`JwksCacheConfig::validate`], `invalid_config`) on a
    /// crypto backend. Nothing is fetched until a lookup (or `handle_timeout`) needs it.
    pub fn new(config: JwksCacheConfig, backend: Backend) -> Result<Self> {
        config.validate()?;
        backend.check_available()?;
        Ok(Self {
            probe: Verifier {
                config: config.verifier.clone(),
                keys: KeySet::new(),
                caller_audience: false,
            },
            config,
            backend,
            current: None,
            in_flight: None,
            last_fetch_end: None,
            last_error: None,
            next_transmit: 1,
            actions: VecDeque::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &JwksCacheConfig {
        &self.config
    }

    /// The machine as a versioned JSON value, `{"version": 1, "config", "jwks",
    /// "fetched_at", "expires_at", "last_fetch_end", "last_error", "next_transmit"}`, for
    /// [`JwksCache::restore`]. A fetch in flight and pending actions are not kept.
    pub fn snapshot(&self) -> Value {
        let snapshot = JwksCacheSnapshot {
            version: SNAPSHOT_VERSION,
            config: self.config.clone(),
            jwks: self.current.as_ref().map(|c| c.document.clone()),
            fetched_at: self.current.as_ref().map(|c| c.fetched_at),
            expires_at: self.current.as_ref().map(|c| c.expires_at),
            last_fetch_end: self.last_fetch_end,
            last_error: self.last_error.clone(),
            next_transmit: self.next_transmit,
        };
        serde_json::to_value(snapshot).unwrap_or(Value::Null)
    }

    /// Rebuilds a cache from [`JwksCache::snapshot`] with the constructor's checks (bad
    /// settings are `invalid_config`); a `version` other than 1 is
    /// `state_version_unsupported`; a value of the wrong shape, a set that no longer parses,
    /// times that do not fit together or a zero `next_transmit` are `state_corrupt`. A cache
    /// holding a set emits [`JwksAction::Wait`] for its next refresh.
    pub fn restore(snapshot: &Value, backend: Backend) -> Result<Self> {
        let s: JwksCacheSnapshot = crate::json::snapshot(snapshot, "key-set cache")?;
        let mut cache = Self::new(s.config, backend)?;
        let corrupt = |field: &str, detail: &str| Err(Error::field(ErrorCode::StateCorrupt, field, detail));
        if s.next_transmit == 0 {
            return corrupt("next_transmit", "`next_transmit` must be positive.");
        }
        match (s.jwks, s.fetched_at, s.expires_at) {
            (None, None, None) => {}
            (Some(doc), Some(fetched_at), Some(expires_at)) if fetched_at <= expires_at => {
                let (verifier, skipped) = cache
                    .build(&doc)
                    .map_err(|_| Error::field(ErrorCode::StateCorrupt, "jwks", "The stored key set does not parse."))?;
                cache.current = Some(Current {
                    verifier,
                    document: doc,
                    fetched_at,
                    expires_at,
                    skipped,
                });
            }
            _ => return corrupt("jwks", "`jwks`, `fetched_at` and `expires_at` go together."),
        }
        cache.last_fetch_end = s.last_fetch_end;
        cache.last_error = s.last_error;
        cache.next_transmit = s.next_transmit;
        if let Some(until) = cache.wake_up() {
            cache.actions.push_back(JwksAction::Wait { until });
        }
        Ok(cache)
    }

    /// The key for a token's `kid` (`None`: a token without `kid`, answered by the set's
    /// only key) at `now`: [`JwksLookup::Key`], or [`JwksLookup::Fetch`] (a `send` action is
    /// queued when a new fetch starts), or an error: `invalid_token` naming `kid` for a `kid`
    /// the set does not hold inside the cooldown, or the last fetch error when no usable set
    /// is left (see the module docs).
    pub fn key_for(&mut self, kid: Option<&str>, now: i64) -> Result<JwksLookup> {
        match self.decide(kid, None, now)? {
            Decision::Fetch(transmit) => Ok(JwksLookup::Fetch { transmit }),
            Decision::Ready => {
                let key = self
                    .current
                    .as_ref()
                    .and_then(|c| find(&c.verifier, kid, None))
                    .ok_or_else(|| unknown_kid(kid))?;
                Ok(JwksLookup::Key { jwk: key.to_jwk()? })
            }
        }
    }

    /// Verifies `token` at `now` with the set, fetching first when the set is missing, stale
    /// or lacks the token's `kid` ([`JwksVerify::Fetch`]). A token that fails the checks made
    /// before a key is chosen (size, segments, header, `alg` on the allow-list) fails at once
    /// and never causes a fetch. Errors are the verifier's, or those of
    /// [`JwksCache::key_for`].
    pub fn verify(&mut self, token: &str, now: i64) -> Result<JwksVerify> {
        let parsed = self.probe.parse(token)?;
        match self.decide(parsed.kid.as_deref(), Some(parsed.alg), now)? {
            Decision::Fetch(transmit) => Ok(JwksVerify::Fetch { transmit }),
            Decision::Ready => match &self.current {
                Some(c) => c
                    .verifier
                    .verify_parsed(token, parsed, now)
                    .map(|token| JwksVerify::Verified { token }),
                None => Err(unknown_kid(parsed.kid.as_deref())),
            },
        }
    }

    /// The host's timer fired: starts a background refresh when one is due (the set is stale
    /// or a failed fetch may be retried) and the cooldown allows it; otherwise emits the
    /// `wait` again. On a cache that never fetched, starts the first fetch (a warm-up).
    pub fn handle_timeout(&mut self, now: i64) {
        if self.in_flight.is_some() {
            return;
        }
        let due = match self.wake_up() {
            Some(until) => until,
            None if self.current.is_none() && self.last_fetch_end.is_none() => now,
            None => return,
        };
        if now >= due {
            self.start_fetch();
        } else {
            self.actions.push_back(JwksAction::Wait { until: due });
        }
    }

    /// Reports the answer to a `send` action. A 200 with a JWKS holding at least one usable
    /// key replaces the set; anything else keeps the previous one and is reported as
    /// [`JwksAction::FetchFailed`]. A `transmit` that is not the fetch in flight is
    /// `invalid_state` naming `transmit`.
    pub fn handle_response(&mut self, transmit: TransmitId, response: HttpResponse, now: i64) -> Result<()> {
        self.take_in_flight(transmit)?;
        self.last_fetch_end = Some(now);
        match self.accept(&response, now) {
            Ok(current) => {
                self.current = Some(current);
                self.last_error = None;
            }
            Err(e) => self.failed(e),
        }
        if let Some(until) = self.wake_up() {
            self.actions.push_back(JwksAction::Wait { until });
        }
        Ok(())
    }

    /// Reports that a `send` action could not be completed (`network_error`); the previous
    /// set is kept. A `transmit` that is not the fetch in flight is `invalid_state`.
    pub fn handle_network_error(&mut self, transmit: TransmitId, now: i64) -> Result<()> {
        self.take_in_flight(transmit)?;
        self.last_fetch_end = Some(now);
        self.failed(Error::field(
            ErrorCode::NetworkError,
            "jwks_uri",
            "The key set could not be fetched (network error).",
        ));
        if let Some(until) = self.wake_up() {
            self.actions.push_back(JwksAction::Wait { until });
        }
        Ok(())
    }

    /// The next action, or `None` until the host reports something or asks for a key.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<JwksAction> {
        self.actions.pop_front()
    }

    /// Every pending action, in order: [`JwksCache::poll_action`] until it returns `None`.
    #[must_use]
    pub fn actions(&mut self) -> Vec<JwksAction> {
        self.actions.drain(..).collect()
    }

    /// The set and fetch state at `now`.
    pub fn status(&self, now: i64) -> JwksCacheStatus {
        let c = self.current.as_ref();
        JwksCacheStatus {
            kids: c
                .map(|c| {
                    c.verifier
                        .keys
                        .keys()
                        .iter()
                        .filter_map(|k| k.kid().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            fetched_at: c.map(|c| c.fetched_at),
            expires_at: c.map(|c| c.expires_at),
            fresh: c.is_some_and(|c| now < c.expires_at),
            fetching: self.in_flight.is_some(),
            next_fetch_at: self.cooldown_end().filter(|t| *t > now),
            skipped_keys: c.map_or(0, |c| c.skipped),
            last_error: self.last_error.clone(),
        }
    }

    // --- the rules ------------------------------------------------------------------------

    /// Every lookup goes through here (see the module docs).
    fn decide(&mut self, kid: Option<&str>, alg: Option<Algorithm>, now: i64) -> Result<Decision> {
        let (known, fresh, usable) = match &self.current {
            Some(c) => (
                find(&c.verifier, kid, alg).is_some(),
                now < c.expires_at,
                now < c.expires_at.saturating_add(self.config.stale_while_error),
            ),
            None => (false, false, false),
        };
        if known && fresh {
            return Ok(Decision::Ready);
        }
        if let Some(transmit) = self.in_flight {
            return Ok(Decision::Fetch(transmit));
        }
        if self.cooldown_end().map_or(true, |end| now >= end) {
            return Ok(Decision::Fetch(self.start_fetch()));
        }
        if known && usable {
            return Ok(Decision::Ready);
        }
        if usable {
            return Err(unknown_kid(kid));
        }
        Err(self.unavailable())
    }

    fn cooldown_end(&self) -> Option<i64> {
        self.last_fetch_end.map(|t| t.saturating_add(self.config.cooldown))
    }

    /// When the next background fetch is due: never while one is in flight or before any
    /// fetch; the set's expiry after a success; the end of the cooldown after a failure.
    fn wake_up(&self) -> Option<i64> {
        if self.in_flight.is_some() {
            return None;
        }
        let end = self.cooldown_end()?;
        match (&self.current, &self.last_error) {
            (Some(c), None) => Some(c.expires_at.max(end)),
            _ => Some(end),
        }
    }

    fn start_fetch(&mut self) -> TransmitId {
        let transmit = self.next_transmit;
        self.next_transmit = self.next_transmit.saturating_add(1);
        self.in_flight = Some(transmit);
        let mut request = HttpRequest::new("GET", self.config.jwks_uri.clone());
        request.set_header("Accept", "application/json");
        self.actions.push_back(JwksAction::Send { transmit, request });
        transmit
    }

    fn take_in_flight(&mut self, transmit: TransmitId) -> Result<()> {
        if self.in_flight == Some(transmit) {
            self.in_flight = None;
            Ok(())
        } else {
            Err(Error::field(
                ErrorCode::InvalidState,
                "transmit",
                "No key-set fetch with this id is in flight.",
            ))
        }
    }

    fn failed(&mut self, error: Error) {
        self.actions.push_back(JwksAction::FetchFailed { error: error.clone() });
        self.last_error = Some(error);
    }

    fn unavailable(&self) -> Error {
        match &self.last_error {
            Some(e) => Error::field(
                e.code(),
                "jwks_uri",
                format!("No usable key set: the last fetch failed ({})", e.detail()),
            ),
            None => Error::field(ErrorCode::NetworkError, "jwks_uri", "No usable key set."),
        }
    }

    /// A fetched response as the new set.
    fn accept(&self, response: &HttpResponse, now: i64) -> Result<Current> {
        let bad = |field: &str, detail: String| Error::field(ErrorCode::InvalidResponse, field, detail);
        if response.status >= 500 {
            return Err(Error::field(
                ErrorCode::ServerError,
                "jwks_uri",
                format!("The key-set endpoint answered {}.", response.status),
            ));
        }
        if response.status != 200 {
            return Err(bad(
                "status",
                format!("The key-set endpoint answered {}, not 200.", response.status),
            ));
        }
        if response.body.len() > MAX_JWKS_BYTES {
            return Err(bad(
                "body",
                format!("The key set is larger than {MAX_JWKS_BYTES} bytes."),
            ));
        }
        let document = parse_object(response.body.as_bytes())
            .map(Value::Object)
            .map_err(|_| bad("body", "The key set is not a JSON object.".to_owned()))?;
        let (verifier, skipped) = self.build(&document)?;
        let ttl = max_age(response)
            .unwrap_or(self.config.default_ttl)
            .clamp(self.config.min_ttl, self.config.max_ttl);
        Ok(Current {
            verifier,
            document,
            fetched_at: now,
            expires_at: now.saturating_add(ttl),
            skipped,
        })
    }

    /// The verifier over a JWKS document's usable keys, and how many keys were skipped.
    fn build(&self, document: &Value) -> Result<(Verifier, usize)> {
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::field(ErrorCode::InvalidResponse, "keys", "A JWKS needs a `keys` array."))?;
        let allowed = &self.config.verifier.algorithms;
        let mut set = KeySet::new();
        let mut skipped = 0;
        for jwk in keys {
            let for_signing = jwk.get("use").map_or(true, |u| u == "sig");
            let key = VerifyingKey::from_jwk(jwk, self.config.default_alg, self.backend)
                .ok()
                .filter(|k| for_signing && !k.algorithm().is_hmac() && allowed.contains(&k.algorithm()));
            match key.map(|k| set.add(k)) {
                Some(Ok(())) => {}
                _ => skipped += 1,
            }
        }
        if set.is_empty() {
            return Err(Error::field(
                ErrorCode::InvalidResponse,
                "keys",
                "The key set has no key usable with the allowed algorithms.",
            ));
        }
        Ok((Verifier::new(self.config.verifier.clone(), set)?, skipped))
    }
}

/// The key a token's `kid` (and `alg`, when known) selects, as the verifier selects it
/// (including [`VerifierConfig::unnamed_single_key_matches_any_kid`]).
fn find<'v>(verifier: &'v Verifier, kid: Option<&str>, alg: Option<Algorithm>) -> Option<&'v VerifyingKey> {
    let found = match (kid, alg) {
        (_, Some(alg)) => verifier.keys.select(kid, alg),
        (Some(kid), None) => verifier.keys.keys().iter().find(|k| k.kid() == Some(kid)),
        (None, None) => match verifier.keys.keys() {
            [only] => Some(only),
            _ => None,
        },
    };
    found.or_else(|| match verifier.keys.keys() {
        [only] if verifier.config.unnamed_single_key_matches_any_kid && only.kid().is_none() => Some(only),
        _ => None,
    })
}

fn unknown_kid(kid: Option<&str>) -> Error {
    match kid {
        Some(k) => Error::field(
            ErrorCode::InvalidToken,
            "kid",
            format!("Unknown key id `{}`.", quote_input(k)),
        ),
        None => Error::field(
            ErrorCode::InvalidToken,
            "kid",
            "Token has no `kid` and no single key fits.",
        ),
    }
}

/// The response's freshness lifetime from `Cache-Control` (RFC 9111 §5.2.2): `max-age` less
/// `Age`; `no-store` or `no-cache` give 0. `None` without either.
fn max_age(response: &HttpResponse) -> Option<i64> {
    let cc = response.header("cache-control")?;
    let mut max_age = None;
    for directive in cc.split(',') {
        let d = directive.trim();
        let (name, value) = d.split_once('=').unwrap_or((d, ""));
        let name = name.trim();
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            return Some(0);
        }
        if name.eq_ignore_ascii_case("max-age") {
            max_age = seconds(value.trim().trim_matches('"'));
        }
    }
    let age = response.header("age").and_then(|a| seconds(a.trim())).unwrap_or(0);
    max_age.map(|m| m.saturating_sub(age).max(0))
}

/// A delta-seconds value: digits only; a huge one saturates.
fn seconds(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<i64>().unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
