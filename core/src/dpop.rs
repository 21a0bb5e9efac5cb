//! DPoP: demonstrating proof of possession (RFC 9449), client and server.
//!
//! **Client.** A [`DpopKey`] (ES256 by default, P-256 from the entropy input; or EdDSA)
//! signs one proof per request with [`DpopKey::proof`]: header `typ: dpop+jwt`, `alg`, the
//! public `jwk`; claims `jti` (16 bytes of entropy, base64url), `htm`, `htu` (the request URL
//! without query and fragment, normalised: [`normalize_htu`]), `iat` (`now`), `ath` (the
//! base64url SHA-256 of the access token) on resource requests, and `nonce` once a server has
//! given one. [`DpopKey::thumbprint`] is the RFC 7638 thumbprint sent as `dpop_jkt` and bound
//! by the server as `cnf.jkt`. [`DpopNonces`] keeps the nonces servers hand out
//! (`DPoP-Nonce`), one per origin, and says when a `use_dpop_nonce` answer (400 JSON `error`
//! from an authorization server, 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` from a
//! resource server) should be retried, once. [`check_token_type`] reads a token response's
//! `token_type` against whether DPoP was requested.
//!
//! **Server.** A [`ProofChecker`] checks the `DPoP` header of a request (RFC 9449 §4.3, in
//! order): exactly one header, a JWT of three base64url segments, `typ` `dpop+jwt`, `alg` on
//! the allow-list (asymmetric only: `none` and HMAC can never be listed), a public `jwk`
//! without private members that verifies the signature, `jti`/`htm`/`htu`/`iat` present,
//! `htm` equal to the method, `htu` equal to the request URL (both normalised), `iat` within
//! `max_age` seconds before `now` and at most `leeway` ahead of it, `nonce` when the config
//! requires one (stateless nonces: a MAC over their issue time, [`ProofChecker::issue_nonce`]),
//! `ath` equal to the hash of the presented access token and the key's thumbprint equal to the
//! token's `cnf.jkt`. It returns a [`ProofRecord`]: the host stores its
//! [`ProofRecord::replay_key`] until [`ProofRecord::expires_at`] and refuses a proof whose key
//! it has seen ([`check_replay`]), as it does for other one-time records. Errors are
//! `invalid_dpop_proof` and `use_dpop_nonce`; [`challenge`] writes the matching
//! `WWW-Authenticate: DPoP` value and [`token_endpoint_error`] the authorization server's 400.
//!
//! **Issuing.** [`confirmation`] is the `cnf` claim that binds a token to the proof's key
//! (`{"cnf": {"jkt": …}}`, merged into the claims given to [`crate::jwt::Issuer::issue`]);
//! [`check_token_binding`] refuses a DPoP-bound token presented as `Bearer` and a token bound
//! to another key.
//!
//! ```
//! use authcore::dpop::{DpopKey, ProofChecker, ProofConfig, ProofParams};
//! use authcore::entropy::OsEntropy;
//! use authcore::http::HttpRequest;
//! use authcore::jwt::{Algorithm, Backend};
//!
//! let now = 1_700_000_000;
//! let key = DpopKey::generate(Algorithm::Es256, &mut OsEntropy, Backend::default())?;
//! let params = ProofParams::new("POST", "https://mcp.example.com/mcp?session=1").with_access_token("at-1");
//! let proof = key.proof(&params, now, &mut OsEntropy)?;
//!
//! let checker = ProofChecker::new(ProofConfig::default(), Backend::default())?;
//! let mut request = HttpRequest::new("POST", "https://mcp.example.com/mcp");
//! request.set_header("DPoP", proof);
//! let record = checker.check(&request, Some("at-1"), Some(key.thumbprint()), now)?;
//! assert_eq!(record.jkt, key.thumbprint());
//! assert_eq!(record.htu, "https://mcp.example.com/mcp");
//! # Ok::<(), authcore::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::parse_object;
use crate::jwt::{Algorithm, Backend, SigningKey, VerifyingKey};
use crate::time::MAX_TIME;
use crate::util::{b64url, quote_input};

/// The `typ` header of a DPoP proof (RFC 9449 §4.2).
pub const DPOP_TYP: &str = "dpop+jwt";

/// The longest `jti` a proof may carry (bytes).
const MAX_JTI: usize = 256;

/// JWK members that carry private key material (RFC 7518 §6): a proof's `jwk` with any of
/// them is refused.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

fn proof_error(field: &str, detail: impl Into<String>) -> Error {
    Error::field(ErrorCode::InvalidDpopProof, field, detail)
}

// ---------------------------------------------------------------------------------------------
// shared helpers
// ---------------------------------------------------------------------------------------------

/// The `ath` value for an access token: base64url (unpadded) SHA-256 of its ASCII bytes
/// (RFC 9449 §4.2).
pub fn access_token_hash(access_token: &str) -> String {
    b64url(&Sha256::digest(access_token.as_bytes()))
}

/// The RFC 7638 JWK SHA-256 thumbprint (base64url) of a public key: the required members
/// only (`EC`: `crv`, `kty`, `x`, `y`; `OKP`: `crv`, `kty`, `x`; `RSA`: `e`, `kty`, `n`), in
/// lexicographic order, without whitespace. `invalid_key` for another `kty` or a missing
/// member.
pub fn jwk_thumbprint(jwk: &Value) -> Result<String> {
    let obj = jwk
        .as_object()
        .ok_or_else(|| Error::with_detail(ErrorCode::InvalidKey, "A JWK must be a JSON object."))?;
    let kty = obj.get("kty").and_then(Value::as_str).unwrap_or_default();
    let names: &[&str] = match kty {
        "EC" => &["crv", "kty", "x", "y"],
        "OKP" => &["crv", "kty", "x"],
        "RSA" => &["e", "kty", "n"],
        _ => {
            return Err(Error::field(
                ErrorCode::InvalidKey,
                "kty",
                "A thumbprint needs a `kty` of EC, OKP or RSA.",
            ))
        }
    };
    let mut canonical = BTreeMap::new();
    for name in names {
        let v = obj.get(*name).and_then(Value::as_str).ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidKey,
                *name,
                format!("The JWK has no string member `{name}`."),
            )
        })?;
        canonical.insert(*name, v);
    }
    let text = serde_json::to_string(&canonical).map_err(|_| Error::new(ErrorCode::Internal))?;
    Ok(b64url(&Sha256::digest(text.as_bytes())))
}

/// The `htu` form of a URL (RFC 9449 §4.2, §4.3 point 9): absolute `http`/`https`, without
/// query and fragment, with the URL parser's normalisation (lower-case scheme and host,
/// default port dropped, an empty path as `/`, percent-encoding of characters that need it).
/// `invalid_input` (field `url`) for anything else.
pub fn normalize_htu(url: &str) -> Result<String> {
    let bad = || {
        Error::field(
            ErrorCode::InvalidInput,
            "url",
            format!("`{}` is not an absolute http(s) URL.", quote_input(url)),
        )
    };
    let mut u = crate::http::parse_url(url).map_err(|_| bad())?;
    if !matches!(u.scheme(), "http" | "https")
        || u.host().is_none()
        || !u.username().is_empty()
        || u.password().is_some()
    {
        return Err(bad());
    }
    u.set_query(None);
    u.set_fragment(None);
    Ok(u.to_string())
}

// ---------------------------------------------------------------------------------------------
// client: keys and proofs
// ---------------------------------------------------------------------------------------------

/// The request a proof is made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ProofParams {
    /// The HTTP method (`htm`), e.g. `POST`.
    pub method: String,
    /// The request URL; the proof's `htu` is its [`normalize_htu`] form.
    pub url: String,
    /// The access token sent with the request (resource requests): sets `ath`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// The server's nonce (from `DPoP-Nonce`), when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

impl ProofParams {
    /// Parameters for a request without access token or nonce (a token request).
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            url: url.into(),
            access_token: None,
            nonce: None,
        }
    }

    /// Builder: the access token sent with the request (sets `ath`).
    pub fn with_access_token(mut self, access_token: impl Into<String>) -> Self {
        self.access_token = Some(access_token.into());
        self
    }

    /// Builder: the server's nonce.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }
}

/// A DPoP key pair: signs proofs. `Debug` shows the algorithm and thumbprint, never the
/// private key.
pub struct DpopKey {
    signing: SigningKey,
    secret: Zeroizing<Vec<u8>>,
    public_jwk: Value,
    header_b64: String,
    thumbprint: String,
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("alg", &self.signing.algorithm())
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl DpopKey {
    /// A fresh key: ES256 (a P-256 scalar from 32 bytes of entropy, drawn again in the
    /// negligible case that they are not a valid scalar) or EdDSA (a 32-byte Ed25519 seed).
    /// Any other algorithm is `invalid_input` (field `alg`).
    pub fn generate(alg: Algorithm, entropy: &mut dyn Entropy, backend: Backend) -> Result<Self> {
        check_key_alg(alg)?;
        for _ in 0..4 {
            let bytes = Zeroizing::new(random_bytes(entropy, 32)?);
            match SigningKey::from_raw(alg, &bytes, backend) {
                Ok(signing) => return Self::build(signing, bytes),
                Err(e) if e.code() == ErrorCode::InvalidKey && alg == Algorithm::Es256 => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::new(ErrorCode::EntropyUnavailable))
    }

    /// A key from its private JWK (`EC` P-256 for ES256, `OKP` Ed25519 for EdDSA), as
    /// [`DpopKey::to_jwk`] writes it. `invalid_key` when it is not such a key.
    pub fn from_jwk(jwk: &Value, backend: Backend) -> Result<Self> {
        let signing = SigningKey::from_jwk(jwk, None, backend)?;
        check_key_alg(signing.algorithm()).map_err(|_| {
            Error::field(
                ErrorCode::InvalidKey,
                "kty",
                "A DPoP key is an EC P-256 or OKP Ed25519 JWK.",
            )
        })?;
        let d = jwk
            .get("d")
            .and_then(Value::as_str)
            .and_then(|d| Base64UrlUnpadded::decode_vec(d).ok())
            .ok_or_else(|| Error::field(ErrorCode::InvalidKey, "d", "The JWK has no private member `d`."))?;
        Self::build(signing, Zeroizing::new(d))
    }

    fn build(signing: SigningKey, secret: Zeroizing<Vec<u8>>) -> Result<Self> {
        let full = signing.verifying_key()?.to_jwk()?;
        let mut public = Map::new();
        for name in ["kty", "crv", "x", "y"] {
            if let Some(v) = full.get(name) {
                public.insert(name.to_owned(), v.clone());
            }
        }
        let public_jwk = Value::Object(public);
        let thumbprint = jwk_thumbprint(&public_jwk)?;
        let header = json!({"alg": signing.algorithm().as_str(), "jwk": public_jwk, "typ": DPOP_TYP});
        let header_b64 = b64_json(&header)?;
        Ok(Self {
            signing,
            secret,
            public_jwk,
            header_b64,
            thumbprint,
        })
    }

    /// The signing algorithm (`ES256` or `EdDSA`).
    pub fn algorithm(&self) -> Algorithm {
        self.signing.algorithm()
    }

    /// The public JWK a proof carries: the key type's required members only.
    pub fn public_jwk(&self) -> &Value {
        &self.public_jwk
    }

    /// The RFC 7638 thumbprint of the public key: `dpop_jkt`, and the `cnf.jkt` a bound
    /// token carries.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// The private JWK (with `d`), for the host to persist the key (it is a secret: store it
    /// as one).
    pub fn to_jwk(&self) -> Value {
        let mut jwk = self.public_jwk.clone();
        if let Value::Object(m) = &mut jwk {
            m.insert("d".into(), b64url(&self.secret).into());
        }
        jwk
    }

    /// A proof for one request at `now` (a fresh `jti` from 16 bytes of entropy). The method
    /// must be an HTTP token (`invalid_input`, field `method`), the URL absolute http(s)
    /// (field `url`); `nonce` and `access_token` must be non-empty.
    pub fn proof(&self, params: &ProofParams, now: i64, entropy: &mut dyn Entropy) -> Result<String> {
        if params.method.is_empty() || !params.method.bytes().all(is_tchar) {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "method",
                format!("`{}` is not an HTTP method.", quote_input(&params.method)),
            ));
        }
        if !(0..=MAX_TIME).contains(&now) {
            return Err(Error::field(ErrorCode::InvalidInput, "now", "`now` is out of range."));
        }
        let htu = normalize_htu(&params.url)?;
        let mut claims = Map::new();
        claims.insert("htm".into(), params.method.clone().into());
        claims.insert("htu".into(), htu.into());
        claims.insert("iat".into(), now.into());
        claims.insert("jti".into(), b64url(&random_bytes(entropy, 16)?).into());
        if let Some(token) = &params.access_token {
            if token.is_empty() {
                return Err(Error::field(
                    ErrorCode::InvalidInput,
                    "access_token",
                    "The access token is empty.",
                ));
            }
            claims.insert("ath".into(), access_token_hash(token).into());
        }
        if let Some(nonce) = &params.nonce {
            if nonce.is_empty() {
                return Err(Error::field(ErrorCode::InvalidInput, "nonce", "The nonce is empty."));
            }
            claims.insert("nonce".into(), nonce.clone().into());
        }
        let mut token = String::with_capacity(self.header_b64.len() + 256);
        token.push_str(&self.header_b64);
        token.push('.');
        token.push_str(&b64_json(&Value::Object(claims))?);
        let signature = self.signing.sign(token.as_bytes())?;
        token.push('.');
        token.push_str(&b64url(&signature));
        Ok(token)
    }
}

impl DpopKey {
    /// Signs `request` for sending: sets its `DPoP` header to a proof for its method and URL
    /// (with `ath` and `Authorization: DPoP <access_token>` when a token is given, and the
    /// nonce `nonces` holds for its server). The one call a client makes per request.
    pub fn sign_request(
        &self,
        request: &mut HttpRequest,
        access_token: Option<&str>,
        nonces: &DpopNonces,
        now: i64,
        entropy: &mut dyn Entropy,
    ) -> Result<()> {
        let params = ProofParams {
            method: request.method.clone(),
            url: request.url.clone(),
            access_token: access_token.map(str::to_owned),
            nonce: nonces.nonce_for(&request.url).map(str::to_owned),
        };
        let proof = self.proof(&params, now, entropy)?;
        request.set_header("DPoP", proof);
        if let Some(token) = access_token {
            if !crate::util::is_header_safe(token) {
                return Err(Error::field(
                    ErrorCode::InvalidInput,
                    "access_token",
                    "The access token cannot be sent in a header.",
                ));
            }
            request.set_header("Authorization", format!("DPoP {token}"));
        }
        Ok(())
    }
}

fn check_key_alg(alg: Algorithm) -> Result<()> {
    if matches!(alg, Algorithm::Es256 | Algorithm::EdDsa) {
        Ok(())
    } else {
        Err(Error::field(
            ErrorCode::InvalidInput,
            "alg",
            "A DPoP key is ES256 or EdDSA.",
        ))
    }
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn b64_json(v: &Value) -> Result<String> {
    let text = serde_json::to_vec(v).map_err(|_| Error::new(ErrorCode::Internal))?;
    Ok(b64url(&text))
}

// ---------------------------------------------------------------------------------------------
// client: nonces and token responses
// ---------------------------------------------------------------------------------------------

/// The nonces servers have handed out (`DPoP-Nonce`, RFC 9449 §8/§9), one per origin
/// (`scheme://host[:port]`): the latest one wins. Plain data: a host or a client machine owns
/// one, persists it with serde if it likes, and asks it for the nonce of each request's URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DpopNonces {
    /// Origin → nonce.
    #[serde(default)]
    pub nonces: BTreeMap<String, String>,
}

impl DpopNonces {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// The nonce to put in a proof for `url`, if its server gave one.
    pub fn nonce_for(&self, url: &str) -> Option<&str> {
        origin(url).and_then(|o| self.nonces.get(&o)).map(String::as_str)
    }

    /// Reads a response from `url`: remembers its `DPoP-Nonce` (visible ASCII, at most 512
    /// bytes; anything else is ignored) and returns `true` when the request should be sent
    /// again with that nonce: the response is a `use_dpop_nonce` challenge (400 with JSON
    /// `{"error": "use_dpop_nonce"}` from an authorization server, or 401 with a `DPoP`
    /// challenge whose `error` is `use_dpop_nonce`), it carried a new nonce, and
    /// `already_retried` is `false` (retry once: a second challenge is the answer).
    pub fn handle_response(&mut self, url: &str, response: &HttpResponse, already_retried: bool) -> bool {
        let Some(origin) = origin(url) else { return false };
        let nonce = response
            .header("DPoP-Nonce")
            .filter(|n| !n.is_empty() && n.len() <= 512 && n.bytes().all(|b| (b'!'..=b'~').contains(&b)));
        let Some(nonce) = nonce else { return false };
        self.nonces.insert(origin, nonce.to_owned());
        !already_retried && is_nonce_challenge(response)
    }
}

/// Whether a response asks for a DPoP nonce: a 400 whose JSON body's `error` is
/// `use_dpop_nonce` (RFC 9449 §8), or a 401 with a `DPoP` challenge whose `error` parameter is
/// `use_dpop_nonce` (§9).
pub fn is_nonce_challenge(response: &HttpResponse) -> bool {
    match response.status {
        400 => serde_json::from_str::<Value>(&response.body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(|e| e == "use_dpop_nonce"))
            .unwrap_or(false),
        401 => response
            .header("WWW-Authenticate")
            .is_some_and(|h| dpop_challenge_error(h).as_deref() == Some("use_dpop_nonce")),
        _ => false,
    }
}

/// The `error` parameter of the `DPoP` challenge in a `WWW-Authenticate` value (RFC 9110
/// §11.6.1: scheme case-insensitive, parameters as tokens or quoted strings), if any.
fn dpop_challenge_error(header: &str) -> Option<String> {
    let mut rest = header;
    let mut in_dpop = false;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['=', ',', ' ', '\t']).unwrap_or(rest.len());
        let (word, after) = rest.split_at(end);
        let after_ws = after.trim_start_matches([' ', '\t']);
        if let Some(value_part) = after_ws.strip_prefix('=').filter(|_| !word.is_empty()) {
            // auth-param: name = token / quoted-string
            let value_part = value_part.trim_start_matches([' ', '\t']);
            let (value, remaining) = if let Some(q) = value_part.strip_prefix('"') {
                let mut out = String::new();
                let mut chars = q.char_indices();
                let mut end = None;
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, n)) = chars.next() {
                                out.push(n);
                            }
                        }
                        '"' => {
                            end = Some(i + 1);
                            break;
                        }
                        _ => out.push(c),
                    }
                }
                let end = end?;
                (out, q.get(end..).unwrap_or(""))
            } else {
                let end = value_part.find([',', ' ', '\t']).unwrap_or(value_part.len());
                let (v, r) = value_part.split_at(end);
                (v.to_owned(), r)
            };
            if in_dpop && word.eq_ignore_ascii_case("error") {
                return Some(value);
            }
            rest = remaining;
        } else {
            // a scheme name (or a token68, which never names `error`)
            in_dpop = word.eq_ignore_ascii_case("DPoP");
            rest = after;
        }
    }
}

/// `scheme://host[:port]` of an absolute URL.
fn origin(url: &str) -> Option<String> {
    let u = crate::http::parse_url(url).ok()?;
    let o = u.origin();
    o.is_tuple().then(|| o.ascii_serialization())
}

/// How an access token is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TokenScheme {
    /// `Authorization: DPoP <token>` with a proof per request.
    #[serde(rename = "DPoP")]
    Dpop,
    /// `Authorization: Bearer <token>`.
    Bearer,
}

/// Reads a token response's `token_type` (case-insensitive, RFC 6749 §7.1). With DPoP
/// requested, `DPoP` is expected; RFC 9449 §5 lets a server that does not support DPoP
/// answer `Bearer` (the token is then not bound), which is refused (`invalid_response`,
/// field `token_type`) unless `allow_bearer` says the client accepts unbound tokens. Without
/// DPoP requested a `DPoP` token is refused: the client has no key to prove it with.
pub fn check_token_type(token_type: &str, dpop_requested: bool, allow_bearer: bool) -> Result<TokenScheme> {
    let scheme = if token_type.eq_ignore_ascii_case("DPoP") {
        TokenScheme::Dpop
    } else if token_type.eq_ignore_ascii_case("Bearer") {
        TokenScheme::Bearer
    } else {
        return Err(Error::field(
            ErrorCode::InvalidResponse,
            "token_type",
            format!("Unknown token type `{}`.", quote_input(token_type)),
        ));
    };
    match (scheme, dpop_requested) {
        (TokenScheme::Dpop, false) => Err(Error::field(
            ErrorCode::InvalidResponse,
            "token_type",
            "The server issued a DPoP-bound token that was not requested.",
        )),
        (TokenScheme::Bearer, true) if !allow_bearer => Err(Error::field(
            ErrorCode::InvalidResponse,
            "token_type",
            "A DPoP-bound token was requested and the server issued a Bearer token.",
        )),
        _ => Ok(scheme),
    }
}

// ---------------------------------------------------------------------------------------------
// server
// ---------------------------------------------------------------------------------------------

/// The server's proof policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct ProofConfig {
    /// Accepted proof algorithms (default ES256, EdDSA, PS256, RS256). HMAC algorithms are
    /// refused here (`invalid_config`): a proof is signed with a private key.
    pub algorithms: Vec<Algorithm>,
    /// How old a proof's `iat` may be, in seconds (default 300, 1..=3600).
    pub max_age: i64,
    /// Clock-skew allowance in seconds for `iat` in both directions (default 60, 0..=600).
    pub leeway: i64,
    /// Whether every proof must carry a nonce this checker issued (default `false`).
    pub require_nonce: bool,
    /// The nonce MAC key, base64url, at least 32 bytes: required with `require_nonce`.
    /// Nonces are stateless: `base64url(issued_at[8] ‖ random[8] ‖ HMAC-SHA256(key,
    /// issued_at ‖ random)[..16])`, so every instance sharing the key accepts them.
    pub nonce_key: Option<String>,
    /// How long an issued nonce is accepted, in seconds (default 300, 1..=86400).
    pub nonce_lifetime: i64,
    /// Longest `DPoP` header accepted, in bytes (default 8192).
    pub max_proof_bytes: usize,
}

impl Default for ProofConfig {
    fn default() -> Self {
        Self {
            algorithms: vec![Algorithm::Es256, Algorithm::EdDsa, Algorithm::Ps256, Algorithm::Rs256],
            max_age: 300,
            leeway: 60,
            require_nonce: false,
            nonce_key: None,
            nonce_lifetime: 300,
            max_proof_bytes: 8192,
        }
    }
}

/// What a valid proof established: the host stores [`ProofRecord::replay_key`] until
/// [`ProofRecord::expires_at`] (after which the proof is too old anyway) and refuses the
/// request when the key is already there ([`check_replay`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProofRecord {
    /// The proof's `jti`.
    pub jti: String,
    /// The replay-store key: lower-case hex SHA-256 of `jkt:jti` (a `jti` is unique per key).
    pub replay_key: String,
    /// Unix seconds after which the record can be forgotten: `iat + max_age + leeway`.
    pub expires_at: i64,
    /// The RFC 7638 thumbprint of the proof's key: `cnf.jkt` of a token issued for it.
    pub jkt: String,
    /// The proof's algorithm.
    pub alg: Algorithm,
    /// The proof's `htm`.
    pub htm: String,
    /// The proof's `htu`, normalised.
    pub htu: String,
    /// The proof's `iat`.
    pub iat: i64,
}

/// A proof whose header and signature passed [`ProofChecker::decode`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DecodedProof {
    /// The proof's algorithm.
    pub alg: Algorithm,
    /// The RFC 7638 thumbprint of the proof's `jwk`.
    pub jkt: String,
    /// The protected header.
    pub header: Map<String, Value>,
    /// The claims, unchecked.
    pub claims: Map<String, Value>,
}

/// Checks DPoP proofs against one [`ProofConfig`]; built once, used for every request.
pub struct ProofChecker {
    config: ProofConfig,
    backend: Backend,
    nonce_key: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for ProofChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProofChecker")
            .field("algorithms", &self.config.algorithms)
            .field("max_age", &self.config.max_age)
            .field("leeway", &self.config.leeway)
            .field("require_nonce", &self.config.require_nonce)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl ProofChecker {
    /// A checker; `invalid_config` (naming the field) for an empty or symmetric algorithm
    /// list, out-of-range times, a short or undecodable `nonce_key`, or `require_nonce`
    /// without a key.
    pub fn new(config: ProofConfig, backend: Backend) -> Result<Self> {
        if !Backend::available().contains(&backend) {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "backend",
                "This crypto backend is not built in.",
            ));
        }
        let cfg = |field: &str, detail: &str| Err(Error::field(ErrorCode::InvalidConfig, field, detail));
        if config.algorithms.is_empty() || config.algorithms.iter().any(|a| a.is_hmac()) {
            return cfg("algorithms", "DPoP algorithms must be asymmetric and at least one.");
        }
        if !(1..=3600).contains(&config.max_age) {
            return cfg("max_age", "`max_age` must be 1 to 3600 seconds.");
        }
        if !(0..=600).contains(&config.leeway) {
            return cfg("leeway", "`leeway` must be 0 to 600 seconds.");
        }
        if !(1..=86_400).contains(&config.nonce_lifetime) {
            return cfg("nonce_lifetime", "`nonce_lifetime` must be 1 to 86400 seconds.");
        }
        if !(512..=65_536).contains(&config.max_proof_bytes) {
            return cfg("max_proof_bytes", "`max_proof_bytes` must be 512 to 65536.");
        }
        let nonce_key = match &config.nonce_key {
            Some(k) => match Base64UrlUnpadded::decode_vec(k) {
                Ok(bytes) if bytes.len() >= 32 => Some(Zeroizing::new(bytes)),
                _ => return cfg("nonce_key", "`nonce_key` must be base64url of at least 32 bytes."),
            },
            None if config.require_nonce => return cfg("nonce_key", "`require_nonce` needs a `nonce_key`."),
            None => None,
        };
        Ok(Self {
            config,
            backend,
            nonce_key,
        })
    }

    /// The policy.
    pub fn config(&self) -> &ProofConfig {
        &self.config
    }

    /// A fresh nonce for the `DPoP-Nonce` response header (8 bytes of entropy; see
    /// [`ProofConfig::nonce_key`]). `invalid_config` without a `nonce_key`.
    pub fn issue_nonce(&self, now: i64, entropy: &mut dyn Entropy) -> Result<String> {
        let key = self.nonce_key.as_ref().ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidConfig,
                "nonce_key",
                "Issuing nonces needs a `nonce_key`.",
            )
        })?;
        if !(0..=MAX_TIME).contains(&now) {
            return Err(Error::field(ErrorCode::InvalidInput, "now", "`now` is out of range."));
        }
        let mut body = Vec::with_capacity(32);
        body.extend_from_slice(&now.to_be_bytes());
        body.extend_from_slice(&random_bytes(entropy, 8)?);
        let tag = nonce_mac(key, &body)?;
        body.extend_from_slice(tag.get(..16).unwrap_or_default());
        Ok(b64url(&body))
    }

    /// Whether `nonce` is one this checker issued, not older than `nonce_lifetime` and not
    /// from the future (beyond `leeway`).
    fn nonce_valid(&self, nonce: &str, now: i64) -> bool {
        let Some(key) = &self.nonce_key else { return false };
        let Ok(bytes) = Base64UrlUnpadded::decode_vec(nonce) else {
            return false;
        };
        let (Some(body), Some(tag), Some(t)) = (bytes.get(..16), bytes.get(16..), bytes.get(..8)) else {
            return false;
        };
        if tag.len() != 16 {
            return false;
        }
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
            return false;
        };
        mac.update(body);
        if mac.verify_truncated_left(tag).is_err() {
            return false;
        }
        let issued = i64::from_be_bytes(t.try_into().unwrap_or([0xff; 8]));
        issued <= now.saturating_add(self.config.leeway) && now.saturating_sub(issued) <= self.config.nonce_lifetime
    }

    /// Checks the request's `DPoP` header (RFC 9449 §4.3). `request.url` is the absolute URL
    /// the request was addressed to (the server's public URL of the resource, with or without
    /// query). `access_token` and `jkt` (the token's `cnf.jkt`) are given together at a
    /// resource server and both omitted at a token endpoint; one without the other is
    /// `invalid_input`.
    ///
    /// Errors: `invalid_dpop_proof` (field: `DPoP` for the header itself, `typ`, `alg`, `jwk`,
    /// `signature`, or the claim at fault: `jti`, `htm`, `htu`, `iat`, `ath`, `jkt`);
    /// `use_dpop_nonce` (field `nonce`) when a nonce is required and missing, stale or not
    /// ours: the host answers with a fresh [`ProofChecker::issue_nonce`] in `DPoP-Nonce`.
    pub fn check(
        &self,
        request: &HttpRequest,
        access_token: Option<&str>,
        jkt: Option<&str>,
        now: i64,
    ) -> Result<ProofRecord> {
        if access_token.is_some() != jkt.is_some() {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                if access_token.is_some() { "jkt" } else { "access_token" },
                "`access_token` and `jkt` are given together.",
            ));
        }
        let proof = self.single_header(request)?;
        let DecodedProof {
            alg,
            jkt: thumbprint,
            claims,
            ..
        } = self.decode(proof)?;
        // claims
        let jti = claim_str(&claims, "jti")?;
        if jti.len() > MAX_JTI {
            return Err(proof_error("jti", "`jti` is too long."));
        }
        let htm = claim_str(&claims, "htm")?;
        let htu = claim_str(&claims, "htu")?;
        let iat = claims
            .get("iat")
            .and_then(Value::as_i64)
            .filter(|t| (0..=MAX_TIME).contains(t))
            .ok_or_else(|| proof_error("iat", "The proof has no integer `iat`."))?;
        if htm != request.method {
            return Err(proof_error(
                "htm",
                format!(
                    "`htm` is `{}`, the request is `{}`.",
                    quote_input(htm),
                    quote_input(&request.method)
                ),
            ));
        }
        let request_htu = normalize_htu(&request.url).map_err(|_| {
            Error::field(
                ErrorCode::InvalidInput,
                "url",
                "The request URL is not absolute http(s).",
            )
        })?;
        let proof_htu = normalize_htu(htu).map_err(|_| proof_error("htu", "`htu` is not an absolute http(s) URL."))?;
        if htu.contains(['?', '#']) || proof_htu != request_htu {
            return Err(proof_error(
                "htu",
                format!(
                    "`htu` is `{}`, the request is `{}`.",
                    quote_input(htu),
                    quote_input(&request_htu)
                ),
            ));
        }
        if iat > now.saturating_add(self.config.leeway) {
            return Err(proof_error("iat", "The proof's `iat` is in the future."));
        }
        if now.saturating_sub(iat) > self.config.max_age.saturating_add(self.config.leeway) {
            return Err(proof_error("iat", "The proof is too old."));
        }
        if self.config.require_nonce {
            match claims.get("nonce").and_then(Value::as_str) {
                Some(n) if self.nonce_valid(n, now) => {}
                Some(_) => {
                    return Err(Error::field(
                        ErrorCode::UseDpopNonce,
                        "nonce",
                        "The proof's nonce is stale or unknown.",
                    ))
                }
                None => {
                    return Err(Error::field(
                        ErrorCode::UseDpopNonce,
                        "nonce",
                        "The proof has no nonce.",
                    ))
                }
            }
        }
        if let (Some(token), Some(jkt)) = (access_token, jkt) {
            let ath = claims
                .get("ath")
                .and_then(Value::as_str)
                .ok_or_else(|| proof_error("ath", "The proof has no `ath`."))?;
            let expected = access_token_hash(token);
            if !bool::from(subtle::ConstantTimeEq::ct_eq(ath.as_bytes(), expected.as_bytes())) {
                return Err(proof_error("ath", "`ath` does not match the access token."));
            }
            if jkt != thumbprint {
                return Err(proof_error(
                    "jkt",
                    "The proof's key is not the one the token is bound to.",
                ));
            }
        }
        let replay_key = crate::util::sha256_hex(&format!("{thumbprint}:{jti}"));
        Ok(ProofRecord {
            jti: jti.to_owned(),
            replay_key,
            expires_at: iat
                .saturating_add(self.config.max_age)
                .saturating_add(self.config.leeway),
            jkt: thumbprint,
            alg,
            htm: htm.to_owned(),
            htu: proof_htu,
            iat,
        })
    }

    /// The header-level checks of a proof (RFC 9449 §4.3 points 2 to 6): a JWT, `typ`
    /// `dpop+jwt`, `alg` on the allow-list, no `crit`, a public `jwk` without private members
    /// that verifies the signature. Returns its header, claims and key thumbprint; the claims
    /// are not checked ([`ProofChecker::check`] does that).
    pub fn decode(&self, proof: &str) -> Result<DecodedProof> {
        if proof.len() > self.config.max_proof_bytes {
            return Err(proof_error("DPoP", "The `DPoP` header is too long."));
        }
        let (header, claims, signing_input, signature) = split_proof(proof)?;
        match header.get("typ").and_then(Value::as_str) {
            Some(t) if t.eq_ignore_ascii_case(DPOP_TYP) => {}
            Some(t) => {
                return Err(proof_error(
                    "typ",
                    format!("`typ` is `{}`, not `dpop+jwt`.", quote_input(t)),
                ))
            }
            None => return Err(proof_error("typ", "The proof has no `typ`.")),
        }
        let alg_name = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or_else(|| proof_error("alg", "The proof has no `alg`."))?;
        let alg = Algorithm::from_name(alg_name)
            .filter(|a| self.config.algorithms.contains(a))
            .ok_or_else(|| {
                proof_error(
                    "alg",
                    format!("Algorithm `{}` is not allowed for DPoP.", quote_input(alg_name)),
                )
            })?;
        if header.contains_key("crit") {
            return Err(proof_error("crit", "The proof has a `crit` header."));
        }
        let jwk = header
            .get("jwk")
            .filter(|j| j.is_object())
            .ok_or_else(|| proof_error("jwk", "The proof has no `jwk` object."))?;
        if let Some(name) = PRIVATE_MEMBERS.iter().find(|m| jwk.get(**m).is_some()) {
            return Err(proof_error(
                "jwk",
                format!("The proof's `jwk` holds a private member `{name}`."),
            ));
        }
        let key = VerifyingKey::from_jwk(jwk, Some(alg), self.backend)
            .map_err(|_| proof_error("jwk", "The proof's `jwk` is not a public key for its `alg`."))?;
        if !key.verify_signature(&signature, signing_input.as_bytes()) {
            return Err(proof_error("signature", "The proof's signature does not verify."));
        }
        let jkt = jwk_thumbprint(jwk).map_err(|_| proof_error("jwk", "The proof's `jwk` has no thumbprint."))?;
        Ok(DecodedProof {
            alg,
            jkt,
            header,
            claims,
        })
    }

    /// The one `DPoP` header (RFC 9449 §4.3 point 1): absent, present under two spellings, or
    /// holding several values joined by a comma (how hosts merge repeated headers) is refused.
    fn single_header<'r>(&self, request: &'r HttpRequest) -> Result<&'r str> {
        let mut found = request.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("DPoP"));
        let (Some((_, value)), None) = (found.next(), found.next()) else {
            return Err(proof_error("DPoP", "The request needs exactly one `DPoP` header."));
        };
        let value = value.trim_matches([' ', '\t']);
        if value.is_empty() {
            return Err(proof_error("DPoP", "The request needs exactly one `DPoP` header."));
        }
        if value.contains(',') {
            return Err(proof_error("DPoP", "The request carries more than one `DPoP` value."));
        }
        if value.len() > self.config.max_proof_bytes {
            return Err(proof_error("DPoP", "The `DPoP` header is too long."));
        }
        Ok(value)
    }

    /// The `WWW-Authenticate` value for an error of [`ProofChecker::check`] (or for a request
    /// without credentials when `error` is `None`), naming this checker's algorithms.
    pub fn challenge(&self, error: Option<&Error>) -> String {
        challenge(&self.config.algorithms, error)
    }
}

type SplitProof<'p> = (Map<String, Value>, Map<String, Value>, &'p str, Vec<u8>);

/// Header, claims, signing input and signature bytes of a compact JWS.
fn split_proof(proof: &str) -> Result<SplitProof<'_>> {
    let malformed = || proof_error("DPoP", "The `DPoP` header is not a JWT.");
    let mut parts = proof.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(malformed());
    };
    if h.is_empty() || c.is_empty() {
        return Err(malformed());
    }
    let decode = |seg: &str| Base64UrlUnpadded::decode_vec(seg).map_err(|_| malformed());
    let header = parse_object(&decode(h)?).map_err(|_| malformed())?;
    let claims = parse_object(&decode(c)?).map_err(|_| malformed())?;
    let signature = decode(s)?;
    let signing_input = proof.get(..h.len() + 1 + c.len()).ok_or_else(malformed)?;
    Ok((header, claims, signing_input, signature))
}

fn claim_str<'c>(claims: &'c Map<String, Value>, name: &str) -> Result<&'c str> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| proof_error(name, format!("The proof has no `{name}`.")))
}

/// Refuses a replayed proof: `seen` is whether the host's store already held
/// `record.replay_key` (the host inserts it, if absent, until `record.expires_at`).
pub fn check_replay(record: &ProofRecord, seen: bool) -> Result<()> {
    if seen {
        return Err(proof_error("jti", "The proof has been used before."));
    }
    let _ = record;
    Ok(())
}

/// A `WWW-Authenticate: DPoP` value (RFC 9449 §7.1): `algs="…"` always, and for an
/// `invalid_dpop_proof` / `use_dpop_nonce` / token error its `error` and
/// `error_description` (the detail, reduced to RFC 6749 §5.2's characters).
pub fn challenge(algorithms: &[Algorithm], error: Option<&Error>) -> String {
    let algs: Vec<&str> = algorithms.iter().map(|a| a.as_str()).collect();
    let mut out = format!("DPoP algs=\"{}\"", algs.join(" "));
    if let Some(e) = error {
        let code = match e.code() {
            ErrorCode::InvalidDpopProof | ErrorCode::UseDpopNonce | ErrorCode::InsufficientScope => e.code().as_str(),
            ErrorCode::InvalidInput | ErrorCode::InvalidRequest | ErrorCode::InvalidRequestTarget => "invalid_request",
            _ => "invalid_token",
        };
        out.push_str(&format!(
            ", error=\"{code}\", error_description=\"{}\"",
            crate::oauth::error_description(e.detail())
        ));
    }
    out
}

/// The authorization server's answer to a failed proof check at its token endpoint (RFC 9449
/// §5, §8): 400, `{"error": …, "error_description": …}` with `no-store`, and for
/// `use_dpop_nonce` the fresh `nonce` in `DPoP-Nonce`.
pub fn token_endpoint_error(err: &Error, nonce: Option<&str>) -> HttpResponse {
    let code = match err.code() {
        ErrorCode::UseDpopNonce => "use_dpop_nonce",
        ErrorCode::InvalidInput => "invalid_request",
        _ => "invalid_dpop_proof",
    };
    let body = json!({"error": code, "error_description": crate::oauth::error_description(err.detail())});
    let mut response = HttpResponse::new(400)
        .with_header("Cache-Control", "no-store")
        .with_header("Content-Type", "application/json")
        .with_body(body.to_string());
    if let Some(n) = nonce {
        response = response.with_header("DPoP-Nonce", n);
    }
    response
}

// ---------------------------------------------------------------------------------------------
// issuing: token binding
// ---------------------------------------------------------------------------------------------

/// The confirmation claim binding a token to a proof key (RFC 9449 §6.1):
/// `{"cnf": {"jkt": jkt}}`, to merge into the claims of [`crate::jwt::Issuer::issue`].
pub fn confirmation(jkt: &str) -> Value {
    json!({"cnf": {"jkt": jkt}})
}

/// Checks how a verified token was presented against its binding (RFC 9449 §7.1, §6.1):
/// a token with `cnf.jkt` presented as `Bearer` is refused (`invalid_token`, field `cnf`); a
/// `DPoP` presentation needs a `cnf.jkt` (`invalid_token`, field `cnf`) and returns it, for
/// [`ProofChecker::check`]'s `jkt`. A `Bearer` token without `cnf` returns `None`.
pub fn check_token_binding(claims: &Map<String, Value>, scheme: TokenScheme) -> Result<Option<String>> {
    let jkt = match claims.get("cnf") {
        None => None,
        Some(cnf) => Some(
            cnf.get("jkt")
                .and_then(Value::as_str)
                .filter(|j| !j.is_empty())
                .ok_or_else(|| Error::field(ErrorCode::InvalidToken, "cnf", "The token's `cnf` has no `jkt`."))?
                .to_owned(),
        ),
    };
    match (scheme, jkt) {
        (TokenScheme::Bearer, Some(_)) => Err(Error::field(
            ErrorCode::InvalidToken,
            "cnf",
            "A DPoP-bound token must be presented with the DPoP scheme.",
        )),
        (TokenScheme::Dpop, None) => Err(Error::field(
            ErrorCode::InvalidToken,
            "cnf",
            "The token is not DPoP-bound.",
        )),
        (_, jkt) => Ok(jkt),
    }
}

fn nonce_mac(key: &[u8], body: &[u8]) -> Result<Vec<u8>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| Error::new(ErrorCode::Internal))?;
    mac.update(body);
    Ok(mac.finalize().into_bytes().to_vec())
}

#[cfg(test)]
mod tests;
