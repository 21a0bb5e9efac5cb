//! JWT access tokens: issue and verify on jwt-compact's algorithms.
//!
//! * Algorithms: HS256/384/512, EdDSA (Ed25519; RFC 9864's `Ed25519` is the same algorithm),
//!   ES256, ES256K (secp256k1), RS256, PS256. A [`Verifier`] has a
//!   fixed allow-list; the algorithm is never chosen from the token (`none` does not exist
//!   here, and an HS256 token cannot be checked against an RSA or EC key).
//! * Keys are parsed once into [`SigningKey`] / [`VerifyingKey`] objects, from raw bytes,
//!   PEM or JWK; a [`KeySet`] selects by `kid` and imports/exports JWKS.
//! * Two crypto [`Backend`]s: aws-lc (native targets, default) and pure Rust (always, and
//!   the only one on `wasm32`). Both give the same answer on every vector.
//!
//! Verification order: size cap (default 8 KiB) → three non-empty strict base64url
//! segments → header (a JSON object without duplicates, no `crit`, no nested `cty: JWT`,
//! `alg` on the allow-list, `typ` if required) → key by `kid` → signature → claims (a JSON
//! object without duplicates) → `exp` (required), `nbf`, `iat`, `iss`, `aud`.
//!
//! Time rules, with `leeway` seconds (default 60): the token is expired when
//! `now >= exp + leeway` (so with zero leeway a token whose `exp` equals `now` is
//! expired, as RFC 7519 §4.1.4 says); not yet valid when `now + leeway < nbf`; and refused
//! when `iat > now + leeway`. Times must be JSON numbers within years 0..9999; fractions
//! are truncated.
//!
//! Error details quote what a token says (an unknown `kid` or `alg`, a duplicate member name)
//! only in a sanitised form: printable ASCII (anything else, `"` and `\` become `?`), at most
//! 64 characters then `...`. Claim values are never quoted. So a detail is safe to log and to
//! put into a `WWW-Authenticate` `error_description`.
//!
//! ```
//! use authcore::entropy::OsEntropy;
//! use authcore::jwt::{Algorithm, Backend, Issuer, IssuerConfig, SigningKey, Verifier, VerifierConfig};
//! use serde_json::json;
//!
//! let secret = b"an HS256 secret of at least 32 bytes!!";
//! let key = SigningKey::from_secret(Algorithm::Hs256, secret, Backend::default())?;
//! let verifier = Verifier::with_key(VerifierConfig::new(&[Algorithm::Hs256]), key.verifying_key()?)?;
//! let issuer = Issuer::new(IssuerConfig::default(), key)?;
//!
//! let now = 1_700_000_000;
//! let token = issuer.issue(json!({"sub": "user-1", "role": "admin"}), now, &mut OsEntropy)?;
//! let verified = verifier.verify(&token, now + 10)?;
//! assert_eq!(verified.claims()["sub"], "user-1");
//! assert_eq!(verified.claims()["exp"], now + 3600);
//!
//! let err = verifier.verify(&token, now + 3600 + 60).unwrap_err();
//! assert_eq!(err.code().as_str(), "token_expired");
//! # Ok::<(), authcore::Error>(())
//! ```

mod backend;
pub(crate) mod cache;
mod keys;
mod material;

use std::collections::BTreeMap;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use backend::Backend;
pub use cache::{JwksAction, JwksCache, JwksCacheConfig, JwksCacheStatus, JwksLookup, JwksVerify};
pub use keys::{JwksReport, KeySet, KeySpec, SigningKey, SkipReason, SkippedKey, VerifyingKey};

use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{parse_object, parse_object_picking};
use crate::time::MAX_TIME;
use crate::util::quote_input;

/// A JWS algorithm authcore implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(transform = crate::schema::algorithm_aliases))]
pub enum Algorithm {
    /// HMAC with SHA-256.
    #[serde(rename = "HS256")]
    Hs256,
    /// HMAC with SHA-384.
    #[serde(rename = "HS384")]
    Hs384,
    /// HMAC with SHA-512.
    #[serde(rename = "HS512")]
    Hs512,
    /// EdDSA with Ed25519. RFC 9864's fully-specified name `Ed25519` is an alias: it names
    /// exactly this algorithm (authcore has no other EdDSA curve), so it is accepted wherever
    /// `EdDSA` is (allow-lists, JWK `alg`, token headers) and reported as `EdDSA`.
    #[serde(rename = "EdDSA", alias = "Ed25519")]
    EdDsa,
    /// ECDSA P-256 with SHA-256.
    #[serde(rename = "ES256")]
    Es256,
    /// ECDSA secp256k1 with SHA-256 (RFC 8812).
    #[serde(rename = "ES256K")]
    Es256k,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "RS256")]
    Rs256,
    /// RSASSA-PSS with SHA-256.
    #[serde(rename = "PS256")]
    Ps256,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: &'static [Algorithm] = &[
        Algorithm::Hs256,
        Algorithm::Hs384,
        Algorithm::Hs512,
        Algorithm::EdDsa,
        Algorithm::Es256,
        Algorithm::Es256k,
        Algorithm::Rs256,
        Algorithm::Ps256,
    ];

    /// The JOSE name (`"HS256"`, `"EdDSA"`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::Hs384 => "HS384",
            Algorithm::Hs512 => "HS512",
            Algorithm::EdDsa => "EdDSA",
            Algorithm::Es256 => "ES256",
            Algorithm::Es256k => "ES256K",
            Algorithm::Rs256 => "RS256",
            Algorithm::Ps256 => "PS256",
        }
    }

    /// Parses an exact JOSE name. Case matters: `hs256` and `none` are not algorithms.
    /// `Ed25519` (RFC 9864) is read as [`Algorithm::EdDsa`].
    pub fn from_name(name: &str) -> Option<Self> {
        if name == "Ed25519" {
            return Some(Algorithm::EdDsa);
        }
        Self::ALL.iter().copied().find(|a| a.as_str() == name)
    }

    /// Whether this is an HMAC (shared secret) algorithm.
    pub const fn is_hmac(self) -> bool {
        matches!(self, Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512)
    }
}

/// Verification policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct VerifierConfig {
    /// Allowed algorithms. Tokens with any other `alg` fail with `algorithm_not_allowed`.
    pub algorithms: Vec<Algorithm>,
    /// Clock-skew allowance in seconds for `exp`, `nbf` and `iat` (default 60, max 600).
    pub leeway: i64,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Accepted audiences, when set: the token's `aud` must contain one. When unset, a
    /// token carrying `aud` is refused (RFC 7519 §4.1.3). In JSON either one string
    /// (`"api"`) or a list of strings (`["api", "admin"]`); serialised as a list.
    #[serde(deserialize_with = "one_or_many")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "audience_schema"))]
    pub audience: Option<Vec<String>>,
    /// Required `typ` header (compared case-insensitively, `application/` prefix optional),
    /// e.g. `at+jwt` (RFC 9068), to keep ID and refresh tokens from passing as access tokens.
    pub typ: Option<String>,
    /// Maximum token length in bytes, checked before parsing (default 8192).
    pub max_token_bytes: usize,
    /// When the verifier holds exactly one key and that key has no `kid`, use it for a token
    /// whatever `kid` the token names (default `false`). PyJWT and joserfc behave this way;
    /// by default a token `kid` that matches no key is refused, even with a single key, so a
    /// token meant for another key set is never checked against this one.
    pub unnamed_single_key_matches_any_kid: bool,
}

/// The accepted forms of `audience`: `null`, one string, or a list of strings.
#[cfg(feature = "schema")]
fn audience_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "anyOf": [
            { "type": "string" },
            { "type": "array", "items": { "type": "string" } },
            { "type": "null" }
        ]
    })
}

/// `null`, one string, or a list of strings, as `Option<Vec<String>>` (one string is a list of
/// one). Every binding reads `audience` through this, so each accepts `"api"` and `["api"]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Option<Vec<String>>, D::Error> {
    struct OneOrMany;
    impl<'de> serde::de::Visitor<'de> for OneOrMany {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a string or a list of strings")
        }
        fn visit_none<E: serde::de::Error>(self) -> core::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> core::result::Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> core::result::Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> core::result::Result<Self::Value, E> {
            Ok(Some(vec![v.to_owned()]))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> core::result::Result<Self::Value, A::Error> {
            Vec::<String>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(Some)
        }
    }
    d.deserialize_option(OneOrMany)
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self {
            algorithms: Vec::new(),
            leeway: 60,
            issuer: None,
            audience: None,
            typ: None,
            max_token_bytes: 8192,
            unnamed_single_key_matches_any_kid: false,
        }
    }
}

impl VerifierConfig {
    /// Defaults with the given allow-list.
    pub fn new(algorithms: &[Algorithm]) -> Self {
        Self {
            algorithms: algorithms.to_vec(),
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<()> {
        let bad = |field: &str, detail: &str| Err(Error::field(ErrorCode::InvalidConfig, field, detail));
        if self.algorithms.is_empty() {
            return bad("algorithms", "At least one algorithm must be allowed.");
        }
        if !(0..=600).contains(&self.leeway) {
            return bad("leeway", "Leeway must be between 0 and 600 seconds.");
        }
        if self.issuer.as_deref() == Some("") {
            return bad("issuer", "An expected issuer cannot be empty.");
        }
        if let Some(aud) = &self.audience {
            if aud.is_empty() || aud.iter().any(String::is_empty) {
                return bad("audience", "Expected audiences must be non-empty strings.");
            }
        }
        if self.typ.as_deref() == Some("") {
            return bad("typ", "A required typ cannot be empty.");
        }
        if !(64..=1 << 20).contains(&self.max_token_bytes) {
            return bad(
                "max_token_bytes",
                "The token size cap must be between 64 bytes and 1 MiB.",
            );
        }
        Ok(())
    }
}

/// A verified token: its header members and all its claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifiedToken {
    /// The algorithm that verified it.
    pub alg: Algorithm,
    /// The `kid` header, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The `typ` header, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// Every claim, standard and custom, as JSON.
    pub claims: Map<String, Value>,
}

impl VerifiedToken {
    /// All claims.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }
    /// `sub`, if present.
    pub fn subject(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }
    /// `exp`, truncated to whole seconds.
    pub fn expires_at(&self) -> Option<i64> {
        self.claims.get("exp").and_then(numeric_date)
    }

    /// The claims as a typed value. Members `T` does not name are ignored unless `T` denies
    /// unknown fields; a missing or mistyped member is `invalid_claims` naming it (the claim's
    /// value is never quoted).
    ///
    /// ```
    /// use authcore::entropy::OsEntropy;
    /// use authcore::jwt::{Algorithm, Backend, Issuer, IssuerConfig, SigningKey, Verifier, VerifierConfig};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct Claims { sub: String, role: String }
    ///
    /// let key = SigningKey::from_secret(Algorithm::Hs256, b"an HS256 secret of at least 32 bytes!!", Backend::default())?;
    /// let verifier = Verifier::with_key(VerifierConfig::new(&[Algorithm::Hs256]), key.verifying_key()?)?;
    /// let issuer = Issuer::new(IssuerConfig::default(), key)?;
    /// let token = issuer.issue(Claims { sub: "user-1".into(), role: "admin".into() }, 1_700_000_000, &mut OsEntropy)?;
    /// let claims: Claims = verifier.verify(&token, 1_700_000_010)?.claims_as()?;
    /// assert_eq!((claims.sub.as_str(), claims.role.as_str()), ("user-1", "admin"));
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn claims_as<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        crate::error::decode_json(Value::Object(self.claims.clone())).map_err(|e| {
            let field = e.path().to_owned();
            let detail = if field.is_empty() {
                "The claims do not have the expected shape.".to_owned()
            } else {
                format!("Claim `{}` is missing or has the wrong type.", quote_input(&field))
            };
            if field.is_empty() {
                Error::with_detail(ErrorCode::InvalidClaims, detail)
            } else {
                Error::field(ErrorCode::InvalidClaims, field, detail)
            }
        })
    }
}

/// What a [`Verifier`] is built from in one call: the policy and its keys, given either as a
/// list of key specs or as a JWKS (with `default_alg` for JWKs without `alg`). Bindings build
/// their verifiers through [`Verifier::from_spec`], so the rules (exactly one key source)
/// are the same everywhere.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifierSpec {
    /// The policy.
    #[serde(default)]
    pub config: VerifierConfig,
    /// The keys as specs (raw secret, PEM or JWK each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<KeySpec>>,
    /// The keys as a JWKS `{"keys": [...]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<Value>,
    /// The algorithm for JWKs without `alg` (only with `jwks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_alg: Option<Algorithm>,
}

/// A token split and its header checked, before a key is chosen.
/// The header members a verifier reads (see [`Verifier::check_header`]); `kid` is taken
/// separately.
const HEADER_MEMBERS: [&str; 6] = ["alg", "kid", "typ", "cty", "crit", "b64"];

/// A token header as [`Verifier::check_header`] sees it: the values of `alg`, `typ` and
/// `cty` as given, and whether `crit` and `b64` are present.
struct Header {
    alg: Option<Value>,
    typ: Option<Value>,
    cty: Option<Value>,
    crit: bool,
    b64: bool,
}

struct Parsed<'t> {
    h64: &'t str,
    c64: &'t str,
    signature: Vec<u8>,
    claims_bytes: Vec<u8>,
    typ: Option<String>,
    alg: Algorithm,
    kid: Option<String>,
}

/// Verifies tokens against a fixed key set and policy.
#[derive(Debug)]
pub struct Verifier {
    config: VerifierConfig,
    keys: KeySet,
    /// The caller matches `aud` itself (the gate's protected-resource mode, see
    /// [`crate::mcp_server::resource_matches`]): the claim's shape is still checked here.
    caller_audience: bool,
}

impl Verifier {
    /// A verifier over a key set. Every key's algorithm must be on the allow-list.
    pub fn new(config: VerifierConfig, keys: KeySet) -> Result<Self> {
        config.validate()?;
        if keys.is_empty() {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "keys",
                "A verifier needs at least one key.",
            ));
        }
        if let Some(k) = keys.keys().iter().find(|k| !config.algorithms.contains(&k.algorithm())) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "algorithms",
                format!(
                    "A key is for {}, which is not on the allow-list.",
                    k.algorithm().as_str()
                ),
            ));
        }
        Ok(Self {
            config,
            keys,
            caller_audience: false,
        })
    }

    /// This verifier with the `aud` match left to the caller (its shape, a string or an
    /// array of strings, is still checked). For the gate's protected-resource mode, which
    /// matches `aud` against the resource identifier as URIs.
    pub(crate) fn with_caller_audience(mut self) -> Self {
        self.caller_audience = true;
        self
    }

    /// A verifier from a [`VerifierSpec`] on `backend`. Exactly one of `keys` and `jwks` must
    /// be given (neither, or both: `invalid_config` naming `keys`); `default_alg` only goes
    /// with `jwks` (else `invalid_config` naming `default_alg`). A `jwks` is imported by
    /// [`KeySet::from_jwks_allowing`] with the allow-list: entries the verifier cannot use are
    /// skipped and listed by [`Verifier::skipped_keys`]. A key in `keys` outside the
    /// allow-list stays an error (`invalid_config`): it was chosen explicitly.
    ///
    /// ```
    /// use authcore::jwt::{Backend, Verifier, VerifierSpec};
    /// use serde_json::json;
    ///
    /// let spec: VerifierSpec = serde_json::from_value(json!({
    ///     "config": {"algorithms": ["HS256"]},
    ///     "keys": [{"alg": "HS256", "secret": "an HS256 secret of at least 32 bytes!!"}],
    /// })).unwrap();
    /// let verifier = Verifier::from_spec(spec, Backend::default())?;
    /// assert_eq!(verifier.keys().len(), 1);
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn from_spec(spec: VerifierSpec, backend: Backend) -> Result<Self> {
        let keys = match (spec.keys, spec.jwks) {
            (Some(specs), None) => {
                if spec.default_alg.is_some() {
                    return Err(Error::field(
                        ErrorCode::InvalidConfig,
                        "default_alg",
                        "`default_alg` applies to `jwks` only.",
                    ));
                }
                KeySet::from_specs(&specs, backend)?
            }
            (None, Some(jwks)) => {
                KeySet::from_jwks_allowing(&jwks, spec.default_alg, Some(&spec.config.algorithms), backend)?
            }
            (Some(_), Some(_)) => {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    "keys",
                    "Give `keys` or `jwks`, not both.",
                ))
            }
            (None, None) => {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    "keys",
                    "A verifier needs `keys` or `jwks`.",
                ))
            }
        };
        Self::new(spec.config, keys)
    }

    /// The public keys as a JWKS `{"keys": [...]}` (shared HMAC secrets are never exported).
    pub fn jwks(&self) -> Value {
        self.keys.to_jwks()
    }

    /// A verifier with a single key.
    pub fn with_key(config: VerifierConfig, key: VerifyingKey) -> Result<Self> {
        let mut keys = KeySet::new();
        keys.add(key)?;
        Self::new(config, keys)
    }

    /// The policy.
    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// The key set.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The JWKS entries skipped when the verifier was built from a JWKS (empty otherwise),
    /// for a host to log.
    pub fn skipped_keys(&self) -> &[keys::SkippedKey] {
        self.keys.skipped()
    }

    /// Verifies `token` at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: i64) -> Result<VerifiedToken> {
        let parsed = self.parse(token)?;
        self.verify_parsed(token, parsed, now)
    }

    /// The checks before a key is chosen: the size cap, the three segments, and the header
    /// (its `alg` on the allow-list, its `kid` a string when present).
    fn parse<'t>(&self, token: &'t str) -> Result<Parsed<'t>> {
        let cfg = &self.config;
        if token.len() > cfg.max_token_bytes {
            return Err(invalid_token(format!(
                "Token is larger than {} bytes.",
                cfg.max_token_bytes
            )));
        }
        let (h64, c64, s64) = match three_segments(token) {
            Some(parts) => parts,
            None => return Err(invalid_token("A token has exactly three segments.")),
        };
        if h64.is_empty() || c64.is_empty() || s64.is_empty() {
            return Err(invalid_token("A token segment is empty."));
        }
        let header_bytes = b64_decode(h64, "header")?;
        let claims_bytes = b64_decode(c64, "payload")?;
        let signature = b64_decode(s64, "signature")?;

        let [alg, kid, typ, cty, crit, b64] = parse_object_picking(&header_bytes, &HEADER_MEMBERS).map_err(|e| {
            Error::field(
                ErrorCode::InvalidToken,
                "header",
                format!("Token header is not a valid JSON object: {e}."),
            )
        })?;
        let header = Header {
            alg,
            typ,
            cty,
            crit: crit.is_some(),
            b64: b64.is_some(),
        };
        let alg = self.check_header(&header)?;
        let kid = match kid {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                return Err(Error::field(
                    ErrorCode::InvalidToken,
                    "kid",
                    "Token `kid` must be a string.",
                ))
            }
        };
        let typ = match header.typ {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        Ok(Parsed {
            h64,
            c64,
            signature,
            claims_bytes,
            typ,
            alg,
            kid,
        })
    }

    /// The rest of [`Verifier::verify`]: key by `kid`, signature, claims.
    fn verify_parsed(&self, token: &str, parsed: Parsed<'_>, now: i64) -> Result<VerifiedToken> {
        let Parsed {
            h64,
            c64,
            signature,
            claims_bytes,
            typ,
            alg,
            kid,
        } = parsed;
        let kid = kid.as_deref();
        let cfg = &self.config;
        let lone_unnamed = || match self.keys.keys() {
            [only] if cfg.unnamed_single_key_matches_any_kid && only.kid().is_none() => Some(only),
            _ => None,
        };
        let key = self
            .keys
            .select(kid, alg)
            .or_else(lone_unnamed)
            .ok_or_else(|| match kid {
                Some(k) => match self.keys.skipped().iter().find(|s| s.kid.as_deref() == Some(k)) {
                    Some(s) => Error::field(
                        ErrorCode::InvalidToken,
                        "kid",
                        format!(
                            "Key id `{}` names a JWKS entry that was skipped ({}).",
                            quote_input(k),
                            s.reason_code.as_str()
                        ),
                    ),
                    None => Error::field(
                        ErrorCode::InvalidToken,
                        "kid",
                        format!("Unknown key id `{}`.", quote_input(k)),
                    ),
                },
                None => Error::field(
                    ErrorCode::InvalidToken,
                    "kid",
                    "Token has no `kid` and no single key fits.",
                ),
            })?;
        if key.algorithm() != alg {
            return Err(Error::field(
                ErrorCode::AlgorithmNotAllowed,
                "alg",
                format!(
                    "Key `{}` is for {}, not {}.",
                    quote_input(kid.unwrap_or("")),
                    key.algorithm().as_str(),
                    alg.as_str()
                ),
            ));
        }
        // Signed data is the first two segments as they appear in the token.
        let signed_len = h64.len() + 1 + c64.len();
        let signed = token.as_bytes().get(..signed_len).unwrap_or_default();
        if !key.verify_signature(&signature, signed) {
            return Err(Error::new(ErrorCode::InvalidSignature));
        }

        let claims = parse_object(&claims_bytes).map_err(|e| {
            Error::field(
                ErrorCode::InvalidToken,
                "payload",
                format!("Token claims are not a valid JSON object: {e}."),
            )
        })?;
        self.check_claims(&claims, now)?;
        Ok(VerifiedToken {
            alg,
            kid: kid.map(str::to_owned),
            typ,
            claims,
        })
    }

    fn check_header(&self, header: &Header) -> Result<Algorithm> {
        let alg_name = match &header.alg {
            Some(Value::String(s)) => s.as_str(),
            Some(_) => {
                return Err(Error::field(
                    ErrorCode::InvalidToken,
                    "alg",
                    "Token `alg` must be a string.",
                ))
            }
            None => {
                return Err(Error::field(
                    ErrorCode::InvalidToken,
                    "alg",
                    "Token header has no `alg`.",
                ))
            }
        };
        let alg = Algorithm::from_name(alg_name)
            .filter(|a| self.config.algorithms.contains(a))
            .ok_or_else(|| {
                Error::field(
                    ErrorCode::AlgorithmNotAllowed,
                    "alg",
                    format!("Algorithm `{}` is not allowed.", quote_input(alg_name)),
                )
            })?;
        if header.crit {
            return Err(Error::field(
                ErrorCode::InvalidToken,
                "crit",
                "Tokens with critical header extensions are refused.",
            ));
        }
        if header.b64 {
            return Err(Error::field(
                ErrorCode::InvalidToken,
                "b64",
                "Unencoded payloads are refused.",
            ));
        }
        if let Some(cty) = &header.cty {
            let nested = cty.as_str().map_or(true, |c| c.eq_ignore_ascii_case("JWT"));
            if nested {
                return Err(Error::field(
                    ErrorCode::InvalidToken,
                    "cty",
                    "Nested tokens are refused.",
                ));
            }
        }
        match (header.typ.as_ref(), &self.config.typ) {
            (Some(v), _) if !v.is_string() => {
                return Err(Error::field(
                    ErrorCode::InvalidToken,
                    "typ",
                    "Token `typ` must be a string.",
                ))
            }
            (typ, Some(want)) => {
                let got = typ.and_then(Value::as_str).unwrap_or("");
                if !media_type_eq(got, want) {
                    return Err(Error::field(
                        ErrorCode::InvalidToken,
                        "typ",
                        format!("Token `typ` must be `{want}`."),
                    ));
                }
            }
            _ => {}
        }
        Ok(alg)
    }

    fn check_claims(&self, claims: &Map<String, Value>, now: i64) -> Result<()> {
        let leeway = self.config.leeway;
        let picked = RegisteredClaims::pick(claims);
        let exp = time_claim(picked.exp, "exp")?.ok_or_else(|| claim_error("exp", "Token has no `exp` claim."))?;
        if now >= exp.saturating_add(leeway) {
            return Err(Error::field(
                ErrorCode::TokenExpired,
                "exp",
                ErrorCode::TokenExpired.default_detail(),
            ));
        }
        if let Some(nbf) = time_claim(picked.nbf, "nbf")? {
            if now.saturating_add(leeway) < nbf {
                return Err(Error::field(
                    ErrorCode::TokenNotYetValid,
                    "nbf",
                    ErrorCode::TokenNotYetValid.default_detail(),
                ));
            }
        }
        if let Some(iat) = time_claim(picked.iat, "iat")? {
            if iat > now.saturating_add(leeway) {
                return Err(Error::field(
                    ErrorCode::TokenNotYetValid,
                    "iat",
                    "Token was issued in the future.",
                ));
            }
        }
        for (name, value) in [("sub", picked.sub), ("jti", picked.jti)] {
            if value.is_some_and(|v| !v.is_string()) {
                return Err(claim_error(name, &format!("Claim `{name}` must be a string.")));
            }
        }
        match (&self.config.issuer, picked.iss) {
            (Some(want), Some(Value::String(got))) if got == want => {}
            (Some(_), Some(_)) => return Err(claim_error("iss", "Claim `iss` does not match the expected issuer.")),
            (Some(_), None) => return Err(claim_error("iss", "Token has no `iss` claim.")),
            (None, Some(v)) if !v.is_string() => return Err(claim_error("iss", "Claim `iss` must be a string.")),
            (None, _) => {}
        }
        // The token's audiences, borrowed: one string, or an array of strings.
        let aud: Option<&[Value]> = match picked.aud {
            None => None,
            Some(v @ Value::String(_)) => Some(std::slice::from_ref(v)),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => Some(items),
            Some(_) => {
                return Err(claim_error(
                    "aud",
                    "Claim `aud` must be a string or an array of strings.",
                ))
            }
        };
        let listed = |got: &[Value], want: &[String]| {
            got.iter()
                .filter_map(Value::as_str)
                .any(|a| want.iter().any(|w| w == a))
        };
        match (&self.config.audience, aud) {
            _ if self.caller_audience => {}
            (Some(want), Some(got)) if listed(got, want) => {}
            (Some(_), Some(_)) => return Err(claim_error("aud", "Claim `aud` does not match the expected audience.")),
            (Some(_), None) => return Err(claim_error("aud", "Token has no `aud` claim.")),
            (None, Some(_)) => {
                return Err(claim_error(
                    "aud",
                    "Token has an `aud` claim but no audience is expected.",
                ))
            }
            (None, None) => {}
        }
        Ok(())
    }
}

/// Issuance policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct IssuerConfig {
    /// Token lifetime in seconds: `exp = iat + lifetime` (default 3600).
    pub lifetime: i64,
    /// `iss` to set, if any.
    pub issuer: Option<String>,
    /// `aud` to set, if any.
    pub audience: Option<String>,
    /// `typ` header (default `JWT`; `at+jwt` for RFC 9068 access tokens).
    pub typ: Option<String>,
    /// Whether to set a random `jti` (16 bytes from the entropy input, base64url).
    pub jti: bool,
}

impl Default for IssuerConfig {
    fn default() -> Self {
        Self {
            lifetime: 3600,
            issuer: None,
            audience: None,
            typ: Some("JWT".to_owned()),
            jti: false,
        }
    }
}

/// Issues signed tokens with one key.
#[derive(Debug)]
pub struct Issuer {
    config: IssuerConfig,
    key: SigningKey,
    header_b64: String,
}

impl Issuer {
    /// An issuer. The header (`alg`, `kid`, `typ`) is fixed and encoded once here.
    pub fn new(config: IssuerConfig, key: SigningKey) -> Result<Self> {
        if !(1..=10 * 365 * 86_400).contains(&config.lifetime) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "lifetime",
                "Lifetime must be 1 second to 10 years.",
            ));
        }
        for (name, v) in [
            ("issuer", &config.issuer),
            ("audience", &config.audience),
            ("typ", &config.typ),
        ] {
            if v.as_deref() == Some("") {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    name,
                    format!("`{name}` cannot be empty."),
                ));
            }
        }
        let mut header = Map::new();
        header.insert("alg".into(), key.algorithm().as_str().into());
        if let Some(kid) = key.kid() {
            header.insert("kid".into(), kid.into());
        }
        if let Some(typ) = &config.typ {
            header.insert("typ".into(), typ.clone().into());
        }
        let header_b64 = b64_json(&Value::Object(header))?;
        Ok(Self {
            config,
            key,
            header_b64,
        })
    }

    /// The policy.
    pub fn config(&self) -> &IssuerConfig {
        &self.config
    }

    /// The signing key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The public key as a JWKS `{"keys": [jwk]}`, for verifiers elsewhere; `invalid_key` for an
    /// HMAC key (a shared secret is never exported).
    pub fn jwks(&self) -> Result<Value> {
        let jwk = self.key.verifying_key()?.to_jwk()?;
        Ok(serde_json::json!({ "keys": [jwk] }))
    }

    /// Issues a token carrying `claims` (any value that serialises to a JSON object: a
    /// `serde_json` map or `json!` object, or your own `#[derive(Serialize)]` struct; `sub` and
    /// custom claims) plus `iat`,
    /// `exp` and the configured `iss`, `aud`, `jti`. Claims the issuer owns (`iat`, `exp`,
    /// and `iss`/`aud`/`jti` when configured) may not be given: `invalid_input`.
    /// Claims are written with sorted member names, so output is deterministic for
    /// deterministic algorithms (HS*, EdDSA).
    ///
    /// ```
    /// use authcore::entropy::OsEntropy;
    /// use authcore::jwt::{Algorithm, Backend, Issuer, IssuerConfig, SigningKey};
    ///
    /// #[derive(serde::Serialize)]
    /// struct Claims<'a> { sub: &'a str, scope: &'a str }
    ///
    /// let key = SigningKey::from_secret(Algorithm::Hs256, b"an HS256 secret of at least 32 bytes!!", Backend::default())?;
    /// let issuer = Issuer::new(IssuerConfig::default(), key)?;
    /// let token = issuer.issue(Claims { sub: "user-1", scope: "read" }, 1_700_000_000, &mut OsEntropy)?;
    /// assert_eq!(token.split('.').count(), 3);
    /// assert!(issuer.issue("not an object", 1_700_000_000, &mut OsEntropy).is_err()); // invalid_input
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn issue(&self, claims: impl Serialize, now: i64, entropy: &mut dyn Entropy) -> Result<String> {
        let claims = serde_json::to_value(claims)
            .map_err(|_| Error::field(ErrorCode::InvalidInput, "claims", "Claims could not be serialised."))?;
        let Value::Object(claims) = claims else {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "claims",
                "Claims must be a JSON object.",
            ));
        };
        if !(0..=MAX_TIME).contains(&now) {
            return Err(Error::field(ErrorCode::InvalidInput, "now", "`now` is out of range."));
        }
        let mut owned = vec!["iat", "exp"];
        if self.config.issuer.is_some() {
            owned.push("iss");
        }
        if self.config.audience.is_some() {
            owned.push("aud");
        }
        if self.config.jti {
            owned.push("jti");
        }
        if let Some(name) = owned.iter().find(|n| claims.contains_key(**n)) {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                *name,
                format!("Claim `{name}` is set by the issuer."),
            ));
        }
        // The issuer's claims, merged into the caller's (already ordered by name, as a map
        // orders them) while writing: the same bytes as inserting them and serialising the
        // map, without building it. `aud` < `exp` < `iat` < `iss` < `jti`.
        let jti = match self.config.jti {
            true => Some(Base64UrlUnpadded::encode_string(&random_bytes(entropy, 16)?)),
            false => None,
        };
        let exp = now + self.config.lifetime;
        let issuer_claims: [(&str, Option<IssuerClaim<'_>>); 5] = [
            ("aud", self.config.audience.as_deref().map(IssuerClaim::Text)),
            ("exp", Some(IssuerClaim::Time(exp))),
            ("iat", Some(IssuerClaim::Time(now))),
            ("iss", self.config.issuer.as_deref().map(IssuerClaim::Text)),
            ("jti", jti.as_deref().map(IssuerClaim::Text)),
        ];
        let mut json = Vec::with_capacity(256);
        json.push(b'{');
        let mut pending = issuer_claims
            .iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| (*n, v)))
            .peekable();
        let mut first = true;
        for (name, value) in &claims {
            while let Some((n, v)) = pending.next_if(|(n, _)| *n < name.as_str()) {
                write_member(&mut json, &mut first, n, v)?;
            }
            write_member(&mut json, &mut first, name, value)?;
        }
        for (n, v) in pending {
            write_member(&mut json, &mut first, n, v)?;
        }
        json.push(b'}');

        let payload_len = Base64UrlUnpadded::encoded_len(&json);
        let mut token = Vec::with_capacity(self.header_b64.len() + payload_len + 2 + 344);
        token.extend_from_slice(self.header_b64.as_bytes());
        token.push(b'.');
        push_b64(&mut token, &json)?;
        let signature = self.key.sign(&token)?;
        token.push(b'.');
        push_b64(&mut token, &signature)?;
        // Every byte is the header's or base64url's: ASCII.
        let token = String::from_utf8(token).map_err(|_| Error::new(ErrorCode::Internal))?;
        Ok(token)
    }
}

/// An issuer and verifier pair built from the environment-file shape
/// `JWT_SECRET_KEY`, `JWT_ALGORITHM` (default `HS256`), `JWT_EXPIRATION` (seconds, default
/// 3600), and optionally `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_LEEWAY`. For asymmetric
/// algorithms `JWT_SECRET_KEY` holds a PEM private key. Other keys are ignored.
///
/// Errors are `invalid_config` naming the variable. Their text never contains a variable's
/// value: a secret pasted into the wrong variable (or a numeric secret read from YAML) must
/// not end up in a log.
///
/// ```
/// use std::collections::BTreeMap;
/// use authcore::jwt::JwtConfig;
///
/// let mut env = BTreeMap::new();
/// env.insert("JWT_SECRET_KEY".to_string(), "x".repeat(32));
/// env.insert("JWT_EXPIRATION".to_string(), "soon".to_string());
/// let err = JwtConfig::from_env_map(&env).unwrap_err();
/// assert_eq!(err.field_name(), Some("JWT_EXPIRATION"));
/// ```
#[derive(Debug)]
pub struct JwtConfig {
    /// Issues tokens.
    pub issuer: Issuer,
    /// Verifies them.
    pub verifier: Verifier,
}

impl JwtConfig {
    /// Builds from a string map; errors name the offending variable.
    pub fn from_env_map(env: &BTreeMap<String, String>) -> Result<Self> {
        Self::from_env_map_with_backend(env, Backend::default())
    }

    /// As [`JwtConfig::from_env_map`], with an explicit backend.
    pub fn from_env_map_with_backend(env: &BTreeMap<String, String>, backend: Backend) -> Result<Self> {
        let values: Map<String, Value> = env.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        Self::from_env_values(&values, backend)
    }

    /// As [`JwtConfig::from_env_map`], from JSON values (a parsed YAML or JSON settings file,
    /// or a binding's dict): every variable must be a string, except that `JWT_EXPIRATION`
    /// and `JWT_LEEWAY` may also be integers. Any other type is `invalid_config` naming the
    /// variable and its expected type, never the value.
    ///
    /// ```
    /// use authcore::jwt::{Backend, JwtConfig};
    ///
    /// let env = serde_json::json!({"JWT_SECRET_KEY": 8675309867530986_i64});
    /// let err = JwtConfig::from_env_values(env.as_object().unwrap(), Backend::default()).unwrap_err();
    /// assert_eq!(err.detail(), "`JWT_SECRET_KEY` must be a string.");
    /// ```
    pub fn from_env_values(env: &Map<String, Value>, backend: Backend) -> Result<Self> {
        let bad = |name: &str, detail: String| Error::field(ErrorCode::InvalidConfig, name, detail);
        let text = |name: &str| -> Result<Option<&str>> {
            match env.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(bad(name, format!("`{name}` must be a string."))),
            }
        };
        let var = |name: &str| -> Result<Option<&str>> { Ok(text(name)?.map(str::trim).filter(|s| !s.is_empty())) };
        let alg = match var("JWT_ALGORITHM")? {
            None => Algorithm::Hs256,
            // Never quote the value: it may be a secret put in the wrong variable.
            Some(a) => Algorithm::from_name(a)
                .or_else(|| Algorithm::from_name(&a.to_ascii_uppercase()))
                .ok_or_else(|| {
                    let names: Vec<&str> = Algorithm::ALL.iter().map(|a| a.as_str()).collect();
                    bad(
                        "JWT_ALGORITHM",
                        format!("`JWT_ALGORITHM` must be one of {}.", names.join(", ")),
                    )
                })?,
        };
        let int = |name: &str, default: i64| -> Result<i64> {
            let whole = || bad(name, format!("`{name}` must be a whole number of seconds."));
            match env.get(name) {
                Some(Value::Number(n)) => n.as_i64().ok_or_else(whole),
                Some(Value::String(_)) | None | Some(Value::Null) => match var(name)? {
                    None => Ok(default),
                    Some(v) => v.parse::<i64>().map_err(|_| whole()),
                },
                Some(_) => Err(whole()),
            }
        };
        let lifetime = int("JWT_EXPIRATION", 3600)?;
        if lifetime <= 0 {
            return Err(bad("JWT_EXPIRATION", "`JWT_EXPIRATION` must be positive.".into()));
        }
        let leeway = int("JWT_LEEWAY", 60)?;
        let secret = text("JWT_SECRET_KEY")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad("JWT_SECRET_KEY", "`JWT_SECRET_KEY` is required.".into()))?;
        let key = if alg.is_hmac() {
            SigningKey::from_secret(alg, secret.as_bytes(), backend)
        } else {
            SigningKey::from_pem(alg, secret, backend)
        }
        .map_err(|e| bad("JWT_SECRET_KEY", e.detail().to_owned()))?;
        let issuer_name = var("JWT_ISSUER")?.map(str::to_owned);
        let audience = var("JWT_AUDIENCE")?.map(str::to_owned);
        let verifier_cfg = VerifierConfig {
            algorithms: vec![alg],
            leeway,
            issuer: issuer_name.clone(),
            audience: audience.clone().map(|a| vec![a]),
            ..VerifierConfig::default()
        };
        let verifier = Verifier::with_key(verifier_cfg, key.verifying_key()?).map_err(|e| match e.field_name() {
            Some("leeway") => bad("JWT_LEEWAY", e.detail().to_owned()),
            _ => e,
        })?;
        let issuer = Issuer::new(
            IssuerConfig {
                lifetime,
                issuer: issuer_name,
                audience,
                ..IssuerConfig::default()
            },
            key,
        )
        .map_err(|e| match e.field_name() {
            Some("lifetime") => bad("JWT_EXPIRATION", e.detail().to_owned()),
            _ => e,
        })?;
        Ok(Self { issuer, verifier })
    }
}

/// Reads a token's header and claims **without verifying it**, e.g. for a client to learn
/// its own access token's `exp`. Never use the result for an access decision.
pub fn decode_unverified(token: &str) -> Result<(Map<String, Value>, Map<String, Value>)> {
    if token.len() > 1 << 16 {
        return Err(invalid_token("Token is too large."));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid_token("A token has exactly three segments."));
    };
    let header = parse_object(&b64_decode(h, "header")?)
        .map_err(|_| Error::field(ErrorCode::InvalidToken, "header", "Token header is not a JSON object."))?;
    let claims = parse_object(&b64_decode(c, "payload")?).map_err(|_| {
        Error::field(
            ErrorCode::InvalidToken,
            "payload",
            "Token claims are not a JSON object.",
        )
    })?;
    Ok((header, claims))
}

/// Splits `token` at its two dots; `None` unless there are exactly two.
fn three_segments(token: &str) -> Option<(&str, &str, &str)> {
    let (h64, rest) = token.split_once('.')?;
    let (c64, s64) = rest.split_once('.')?;
    (!s64.as_bytes().contains(&b'.')).then_some((h64, c64, s64))
}

fn invalid_token(detail: impl Into<String>) -> Error {
    Error::with_detail(ErrorCode::InvalidToken, detail)
}

fn claim_error(name: &str, detail: &str) -> Error {
    Error::field(ErrorCode::InvalidClaims, name, detail)
}

fn b64_decode(segment: &str, what: &str) -> Result<Vec<u8>> {
    b64url_decode_public(segment.as_bytes()).ok_or_else(|| {
        Error::field(
            ErrorCode::InvalidToken,
            what,
            format!("Token {what} is not valid base64url."),
        )
    })
}

/// Marks a byte outside the base64url alphabet in [`B64URL`]; every sextet is below 64, so
/// OR-ing decoded values and testing the top two bits finds any such byte.
const B64_INVALID: u8 = 0xff;

/// base64url sextet of each byte value, or [`B64_INVALID`].
#[allow(clippy::indexing_slicing)] // evaluated at compile time: a bad index fails the build
static B64URL: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [B64_INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Strict unpadded base64url (RFC 4648 §5) for the segments of a token, which are public
/// data: a table lookup per byte, not constant time. The same strictness as the
/// constant-time decoder used on secrets: no `=`, no `+`/`/`, no whitespace, no length of
/// 4n+1, and the unused trailing bits of the last character must be zero.
fn b64url_decode_public(text: &[u8]) -> Option<Vec<u8>> {
    let rem = text.len() % 4;
    if rem == 1 {
        return None;
    }
    let sextet = |b: u8| B64URL.get(usize::from(b)).copied().unwrap_or(B64_INVALID);
    let chunks = text.chunks_exact(4);
    let tail = chunks.remainder();
    let whole = text.len() / 4 * 3;
    // `resize` over `with_capacity`, not `vec![0; n]`: glibc's calloc skips its thread cache.
    #[allow(clippy::slow_vector_initialization)]
    let mut out = {
        let mut v = Vec::with_capacity(whole + rem.saturating_sub(1));
        v.resize(whole + rem.saturating_sub(1), 0u8);
        v
    };
    let (body, end) = out.split_at_mut(whole);
    let mut seen = 0u8;
    for (src, dst) in chunks.zip(body.chunks_exact_mut(3)) {
        let &[a, b, c, d] = src else { return None };
        let [a, b, c, d] = [a, b, c, d].map(sextet);
        seen |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        if let [x, y, z] = dst {
            *x = (n >> 16) as u8;
            *y = (n >> 8) as u8;
            *z = n as u8;
        }
    }
    match (tail, end) {
        ([], []) => {}
        (&[a, b], [x]) => {
            let [a, b] = [a, b].map(sextet);
            seen |= a | b;
            if b & 0x0f != 0 {
                return None;
            }
            *x = a << 2 | b >> 4;
        }
        (&[a, b, c], [x, y]) => {
            let [a, b, c] = [a, b, c].map(sextet);
            seen |= a | b | c;
            if c & 0x03 != 0 {
                return None;
            }
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
        }
        _ => return None,
    }
    (seen & 0xc0 == 0).then_some(out)
}

/// A claim the issuer sets: a string or a time.
enum IssuerClaim<'a> {
    Text(&'a str),
    Time(i64),
}

impl Serialize for IssuerClaim<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        match self {
            IssuerClaim::Text(t) => s.serialize_str(t),
            IssuerClaim::Time(t) => s.serialize_i64(*t),
        }
    }
}

/// Writes `"name":value` (compact, as `serde_json` writes a map member), after a comma unless
/// it is the first member.
fn write_member(json: &mut Vec<u8>, first: &mut bool, name: &str, value: &impl Serialize) -> Result<()> {
    if !core::mem::take(first) {
        json.push(b',');
    }
    let unserialisable = |_| Error::field(ErrorCode::InvalidInput, "claims", "Claims could not be serialised.");
    serde_json::to_writer(&mut *json, name).map_err(unserialisable)?;
    json.push(b':');
    serde_json::to_writer(&mut *json, value).map_err(unserialisable)
}

/// Appends `bytes` in unpadded base64url (RFC 4648 §5). For a token's segments, which are
/// public: a table lookup per character, not constant time (secrets go through `base64ct`).
fn push_b64(out: &mut Vec<u8>, bytes: &[u8]) -> Result<()> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let char_of = |sextet: u32| ALPHABET.get((sextet & 0x3f) as usize).copied().unwrap_or(b'A');
    let start = out.len();
    out.resize(start + Base64UrlUnpadded::encoded_len(bytes), 0);
    let dst = out.get_mut(start..).ok_or_else(|| Error::new(ErrorCode::Internal))?;
    let chunks = bytes.chunks_exact(3);
    let tail = chunks.remainder();
    let mut dst_chunks = dst.chunks_exact_mut(4);
    for (src, d) in chunks.zip(&mut dst_chunks) {
        let (&[a, b, c], [w, x, y, z]) = (src, d) else { continue };
        let n = u32::from(a) << 16 | u32::from(b) << 8 | u32::from(c);
        (*w, *x, *y, *z) = (char_of(n >> 18), char_of(n >> 12), char_of(n >> 6), char_of(n));
    }
    match (tail, dst_chunks.into_remainder()) {
        (&[a], [w, x]) => {
            let n = u32::from(a) << 16;
            (*w, *x) = (char_of(n >> 18), char_of(n >> 12));
        }
        (&[a, b], [w, x, y]) => {
            let n = u32::from(a) << 16 | u32::from(b) << 8;
            (*w, *x, *y) = (char_of(n >> 18), char_of(n >> 12), char_of(n >> 6));
        }
        _ => {}
    }
    Ok(())
}

fn b64_json(v: &Value) -> Result<String> {
    let text = serde_json::to_vec(v).map_err(|_| Error::new(ErrorCode::InvalidInput))?;
    Ok(Base64UrlUnpadded::encode_string(&text))
}

/// The registered claims [`Verifier::check_claims`] reads, found in one pass over the
/// claims (a map lookup per name costs more).
#[derive(Default)]
struct RegisteredClaims<'c> {
    exp: Option<&'c Value>,
    nbf: Option<&'c Value>,
    iat: Option<&'c Value>,
    sub: Option<&'c Value>,
    jti: Option<&'c Value>,
    iss: Option<&'c Value>,
    aud: Option<&'c Value>,
}

impl<'c> RegisteredClaims<'c> {
    fn pick(claims: &'c Map<String, Value>) -> Self {
        let mut out = Self::default();
        for (name, value) in claims {
            let slot = match name.as_str() {
                "exp" => &mut out.exp,
                "nbf" => &mut out.nbf,
                "iat" => &mut out.iat,
                "sub" => &mut out.sub,
                "jti" => &mut out.jti,
                "iss" => &mut out.iss,
                "aud" => &mut out.aud,
                _ => continue,
            };
            *slot = Some(value);
        }
        out
    }
}

/// A NumericDate: a JSON number within years 0..9999, fractions truncated.
fn numeric_date(v: &Value) -> Option<i64> {
    let n = v.as_number()?;
    let t = if let Some(i) = n.as_i64() {
        i
    } else {
        let f = n.as_f64()?;
        if !f.is_finite() || f.abs() > MAX_TIME as f64 {
            return None;
        }
        f.trunc() as i64
    };
    (-MAX_TIME..=MAX_TIME).contains(&t).then_some(t)
}

fn time_claim(value: Option<&Value>, name: &str) -> Result<Option<i64>> {
    match value {
        None => Ok(None),
        Some(v) => numeric_date(v).map(Some).ok_or_else(|| {
            claim_error(
                name,
                &format!("Claim `{name}` must be a number of seconds within range."),
            )
        }),
    }
}

fn media_type_eq(got: &str, want: &str) -> bool {
    let strip = |s: &str| {
        let lower = s.to_ascii_lowercase();
        lower.strip_prefix("application/").map(str::to_owned).unwrap_or(lower)
    };
    strip(got) == strip(want)
}

#[cfg(test)]
mod tests;
