//! Key objects: parsed once from raw bytes, PEM or JWK, then reused for every call.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::BigUint;
use serde_json::{json, Map, Value};
use zeroize::Zeroizing;

use super::backend::{self, Backend};
use super::material::{key_error, PrivateMaterial, PublicMaterial};
use super::Algorithm;
use crate::error::{Error, ErrorCode, Result};

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const MAX_KID_LEN: usize = 256;
const MAX_HMAC_SECRET: usize = 1024;

enum SignerInner {
    Portable(backend::portable::Signer),
    #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
    Native(backend::native::Signer),
}

enum VerifierInner {
    Portable(backend::portable::Verifier),
    #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
    Native(backend::native::Verifier),
}

/// A private (or HMAC) key bound to one algorithm, ready to sign.
///
/// `Debug` shows the algorithm, key id and backend, never key material.
pub struct SigningKey {
    alg: Algorithm,
    kid: Option<String>,
    backend: Backend,
    public: PublicMaterial,
    inner: SignerInner,
}

/// A public (or HMAC) key bound to one algorithm, ready to verify.
///
/// `Debug` shows the algorithm, key id and backend, never key material.
pub struct VerifyingKey {
    alg: Algorithm,
    kid: Option<String>,
    backend: Backend,
    material: PublicMaterial,
    inner: VerifierInner,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    fn build(alg: Algorithm, material: PrivateMaterial, backend: Backend) -> Result<Self> {
        backend.check_available()?;
        check_fits(alg, &material.public())?;
        let inner = match backend {
            Backend::Portable => SignerInner::Portable(backend::portable::signer(alg, &material)?),
            #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
            Backend::Native => SignerInner::Native(backend::native::signer(alg, &material)?),
            #[cfg(not(all(feature = "native", not(target_arch = "wasm32"))))]
            Backend::Native => return Err(Error::new(ErrorCode::InvalidConfig)),
        };
        Ok(Self {
            alg,
            kid: None,
            backend,
            public: material.public(),
            inner,
        })
    }

    /// An HMAC key (HS256/384/512) from a shared secret of at least 32/48/64 bytes
    /// (RFC 7518 §3.2). PEM text is refused, so a public key can never become an HMAC secret.
    pub fn from_secret(alg: Algorithm, secret: &[u8], backend: Backend) -> Result<Self> {
        Self::build(alg, hmac_material(alg, secret)?, backend)
    }

    /// Always `invalid_key` (field `legacy_short_secret`): a legacy short secret verifies
    /// old tokens and never signs new ones (see [`VerifyingKey::from_legacy_short_secret`]).
    fn from_legacy_short_secret(alg: Algorithm, _secret: &[u8], _backend: Backend) -> Result<Self> {
        let min = hmac_min_len(alg)?;
        Err(Error::field(
            ErrorCode::InvalidKey,
            "legacy_short_secret",
            format!(
                "A `legacy_short_secret` key only verifies; sign with a new secret of at least {min} bytes, e.g. \
                 `python -c \"import secrets; print(secrets.token_urlsafe({min}))\"`, given its own `kid`."
            ),
        ))
    }

    /// A private key from PEM: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1
    /// (`EC PRIVATE KEY`). The key type must fit `alg`.
    pub fn from_pem(alg: Algorithm, pem: &str, backend: Backend) -> Result<Self> {
        Self::build(alg, private_from_pem(alg, pem)?, backend)
    }

    /// A private key from raw bytes: the 32-byte Ed25519 seed, or the 32-byte P-256 or
    /// secp256k1 scalar.
    /// For HS* this is the same as [`SigningKey::from_secret`].
    pub fn from_raw(alg: Algorithm, bytes: &[u8], backend: Backend) -> Result<Self> {
        let material = match alg {
            Algorithm::EdDsa => ed25519_private(bytes)?,
            Algorithm::Es256 => PrivateMaterial::P256(
                p256::SecretKey::from_slice(bytes).map_err(|_| key_error("A raw P-256 key is a 32-byte scalar."))?,
            ),
            Algorithm::Es256k => PrivateMaterial::K256(
                k256::SecretKey::from_slice(bytes)
                    .map_err(|_| key_error("A raw secp256k1 key is a 32-byte scalar."))?,
            ),
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => hmac_material(alg, bytes)?,
            Algorithm::Rs256 | Algorithm::Ps256 => return Err(key_error("RSA keys are read from PEM or JWK.")),
        };
        Self::build(alg, material, backend)
    }

    /// A private key from a JWK (JSON text or object). `alg` comes from the JWK's `alg`
    /// member unless given, else from the key type where it settles one (`OKP`/`Ed25519` →
    /// EdDSA, `EC`/`P-256` → ES256, `EC`/`secp256k1` → ES256K; RSA and `oct` keys need an
    /// `alg`); `kid` is kept.
    pub fn from_jwk(jwk: &Value, alg: Option<Algorithm>, backend: Backend) -> Result<Self> {
        let obj = jwk
            .as_object()
            .ok_or_else(|| key_error("A JWK must be a JSON object."))?;
        let alg = jwk_alg(obj, alg, None)?;
        let material = private_from_jwk(alg, obj)?;
        let mut key = Self::build(alg, material, backend)?;
        key.kid = jwk_kid(obj)?;
        Ok(key)
    }

    /// Sets the key id written into the `kid` header of issued tokens.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Result<Self> {
        self.kid = Some(check_kid(kid.into())?);
        Ok(self)
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The matching verifying key (for HS*, the same secret), with the same kid and backend.
    pub fn verifying_key(&self) -> Result<VerifyingKey> {
        let mut key = VerifyingKey::build(self.alg, self.public.clone(), self.backend)?;
        key.kid = self.kid.clone();
        Ok(key)
    }

    /// Signs `msg`, returning the raw JWS signature bytes.
    pub(crate) fn sign(&self, msg: &[u8]) -> Result<Vec<u8>> {
        let sig = match &self.inner {
            SignerInner::Portable(s) => s.sign(msg),
            #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
            SignerInner::Native(s) => s.sign(msg),
        };
        if sig.is_empty() {
            return Err(key_error("Signing failed."));
        }
        Ok(sig)
    }
}

impl VerifyingKey {
    fn build(alg: Algorithm, material: PublicMaterial, backend: Backend) -> Result<Self> {
        backend.check_available()?;
        check_fits(alg, &material)?;
        let inner = match backend {
            Backend::Portable => VerifierInner::Portable(backend::portable::verifier(alg, &material)?),
            #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
            Backend::Native => VerifierInner::Native(backend::native::verifier(alg, &material)?),
            #[cfg(not(all(feature = "native", not(target_arch = "wasm32"))))]
            Backend::Native => return Err(Error::new(ErrorCode::InvalidConfig)),
        };
        Ok(Self {
            alg,
            kid: None,
            backend,
            material,
            inner,
        })
    }

    /// An HMAC key from a shared secret; see [`SigningKey::from_secret`].
    pub fn from_secret(alg: Algorithm, secret: &[u8], backend: Backend) -> Result<Self> {
        Self::build(alg, hmac_material(alg, secret)?.public(), backend)
    }

    /// A **verify-only** HMAC key from a legacy secret shorter than RFC 7518 §3.2 allows
    /// (any length from 1 byte): the migration path from a system that signed with a weak
    /// secret. It sits in a [`KeySet`] next to a strong key that issues the new tokens; there
    /// is no signing counterpart (a [`KeySpec`] with `legacy_short_secret` is refused by
    /// [`SigningKey::from_spec`]). A short secret can be brute-forced offline from any one
    /// token, so remove the key once the tokens it signed have expired.
    pub fn from_legacy_short_secret(alg: Algorithm, secret: &[u8], backend: Backend) -> Result<Self> {
        Self::build(alg, legacy_hmac_material(alg, secret)?.public(), backend)
    }

    /// A public key from PEM: SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`). A private
    /// key PEM is accepted too and its public half used.
    pub fn from_pem(alg: Algorithm, pem: &str, backend: Backend) -> Result<Self> {
        let material = match public_from_pem(alg, pem) {
            Ok(m) => m,
            Err(e) if e.detail() == NOT_PUBLIC => private_from_pem(alg, pem)?.public(),
            Err(e) => return Err(e),
        };
        Self::build(alg, material, backend)
    }

    /// A public key from raw bytes: the 32-byte Ed25519 key, or a SEC1 P-256 or secp256k1 point.
    pub fn from_raw(alg: Algorithm, bytes: &[u8], backend: Backend) -> Result<Self> {
        let material = match alg {
            Algorithm::EdDsa => PublicMaterial::Ed25519(
                bytes
                    .try_into()
                    .map_err(|_| key_error("A raw Ed25519 public key is 32 bytes."))?,
            ),
            Algorithm::Es256 => PublicMaterial::P256(
                p256::PublicKey::from_sec1_bytes(bytes).map_err(|_| key_error("Not a valid SEC1 P-256 point."))?,
            ),
            Algorithm::Es256k => PublicMaterial::K256(
                k256::PublicKey::from_sec1_bytes(bytes).map_err(|_| key_error("Not a valid SEC1 secp256k1 point."))?,
            ),
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => hmac_material(alg, bytes)?.public(),
            Algorithm::Rs256 | Algorithm::Ps256 => return Err(key_error("RSA keys are read from PEM or JWK.")),
        };
        Self::build(alg, material, backend)
    }

    /// A key from a JWK (public members are enough; private members are ignored). The
    /// algorithm is found as for [`SigningKey::from_jwk`].
    pub fn from_jwk(jwk: &Value, alg: Option<Algorithm>, backend: Backend) -> Result<Self> {
        let obj = jwk
            .as_object()
            .ok_or_else(|| key_error("A JWK must be a JSON object."))?;
        let alg = jwk_alg(obj, alg, None)?;
        let material = public_from_jwk(alg, obj)?;
        let mut key = Self::build(alg, material, backend)?;
        key.kid = jwk_kid(obj)?;
        Ok(key)
    }

    /// Sets the key id this key is selected by.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Result<Self> {
        self.kid = Some(check_kid(kid.into())?);
        Ok(self)
    }

    /// The algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The public JWK (`kty`, curve/modulus members, `alg`, `use`, `kid`). HMAC secrets are
    /// never exported: `invalid_key`.
    pub fn to_jwk(&self) -> Result<Value> {
        let mut jwk = match &self.material {
            PublicMaterial::Hmac(_) => return Err(key_error("Shared secrets are never exported.")),
            PublicMaterial::Ed25519(pk) => json!({"kty": "OKP", "crv": "Ed25519", "x": b64(pk)}),
            PublicMaterial::P256(pk) => {
                let point = p256::EncodedPoint::from(pk);
                let (x, y) = match (point.x(), point.y()) {
                    (Some(x), Some(y)) => (x.to_vec(), y.to_vec()),
                    _ => return Err(key_error("The P-256 point cannot be exported.")),
                };
                json!({"kty": "EC", "crv": "P-256", "x": b64(&x), "y": b64(&y)})
            }
            PublicMaterial::K256(pk) => {
                let point = k256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(pk, false);
                let (x, y) = match (point.x(), point.y()) {
                    (Some(x), Some(y)) => (x.to_vec(), y.to_vec()),
                    _ => return Err(key_error("The secp256k1 point cannot be exported.")),
                };
                json!({"kty": "EC", "crv": "secp256k1", "x": b64(&x), "y": b64(&y)})
            }
            PublicMaterial::Rsa(k) => {
                json!({"kty": "RSA", "n": b64(&k.n().to_bytes_be()), "e": b64(&k.e().to_bytes_be())})
            }
        };
        if let Value::Object(m) = &mut jwk {
            m.insert("alg".into(), self.alg.as_str().into());
            m.insert("use".into(), "sig".into());
            if let Some(kid) = &self.kid {
                m.insert("kid".into(), kid.clone().into());
            }
        }
        Ok(jwk)
    }

    /// Verifies raw JWS signature bytes over `msg` (the signature layer only: no header or
    /// claim checks). The exact signature length for the algorithm is checked first, so
    /// truncated HMAC tags and DER-encoded ECDSA signatures are refused.
    pub fn verify_signature(&self, sig: &[u8], msg: &[u8]) -> bool {
        if Some(sig.len()) != self.signature_len() {
            return false;
        }
        match &self.inner {
            VerifierInner::Portable(v) => v.verify(sig, msg),
            #[cfg(all(feature = "native", not(target_arch = "wasm32")))]
            VerifierInner::Native(v) => v.verify(sig, msg),
        }
    }

    /// The exact signature length for this key.
    fn signature_len(&self) -> Option<usize> {
        Some(match (&self.material, self.alg) {
            (_, Algorithm::Hs256) => 32,
            (_, Algorithm::Hs384) => 48,
            (_, Algorithm::Hs512) => 64,
            (_, Algorithm::EdDsa | Algorithm::Es256 | Algorithm::Es256k) => 64,
            (PublicMaterial::Rsa(k), _) => k.size(),
            _ => return None,
        })
    }
}

/// Keys selected by `kid`: the verifier's fixed table. Never fetched, never extended by a token.
///
/// A set imported from a JWKS also keeps the report of the entries it skipped
/// ([`KeySet::skipped`]).
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<VerifyingKey>,
    skipped: Vec<SkippedKey>,
}

/// Why a JWKS entry was skipped (RFC 7517 §5: keys an implementation cannot use are ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The key is not for verifying signatures: `use` is not `sig` (e.g. `enc`), or
    /// `key_ops` does not list `verify`.
    NotForSignature,
    /// Its `alg` is not one authcore implements (`RSA-OAEP`, `ES384`, …).
    UnsupportedAlg,
    /// Its `kty` (or curve) is not one authcore implements (`EC`/`P-384`, `OKP`/`X25519`, …).
    UnsupportedKeyType,
    /// An RSA (or `oct`) key without `alg` and no fitting `default_alg`: RS256 and PS256 use
    /// the same keys, so the algorithm is never guessed.
    AlgRequired,
    /// Its algorithm is not on the verifier's allow-list, so it could never verify a token.
    AlgNotAllowed,
    /// It claims a supported type and algorithm but its members are missing or invalid
    /// (bad base64url, wrong length, a point off the curve, an RSA key under 2048 bits).
    Malformed,
}

impl SkipReason {
    /// The snake_case name (`not_for_signature`, …), as serialised.
    pub const fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotForSignature => "not_for_signature",
            SkipReason::UnsupportedAlg => "unsupported_alg",
            SkipReason::UnsupportedKeyType => "unsupported_key_type",
            SkipReason::AlgRequired => "alg_required",
            SkipReason::AlgNotAllowed => "alg_not_allowed",
            SkipReason::Malformed => "malformed",
        }
    }
}

/// One JWKS entry [`KeySet::from_jwks`] did not load: data for a host to log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SkippedKey {
    /// Position in the `keys` array.
    pub index: usize,
    /// The entry's `kid`, when it has a string one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub reason_code: SkipReason,
    /// What is wrong, in words (never key material; names and values from the document
    /// only in sanitised form).
    pub detail: String,
}

/// What importing a JWKS gave, as data: the usable keys (public JWKS members, HMAC secrets
/// left out) and the skipped entries.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct JwksReport {
    /// The loaded keys as public JWKs.
    pub keys: Vec<Value>,
    /// The entries that were skipped, in document order.
    pub skipped: Vec<SkippedKey>,
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key. Two keys with the same `kid` are refused (`invalid_key`).
    pub fn add(&mut self, key: VerifyingKey) -> Result<()> {
        if let Some(kid) = key.kid() {
            if self.keys.iter().any(|k| k.kid() == Some(kid)) {
                return Err(key_error(format!(
                    "Duplicate key id `{}` in the key set.",
                    crate::util::quote_input(kid)
                )));
            }
        }
        self.keys.push(key);
        Ok(())
    }

    /// Imports a JWKS document (`{"keys": [...]}`) following RFC 7517 §5: entries authcore
    /// cannot use are skipped and reported ([`KeySet::skipped`]), not fatal. Skipped are keys
    /// not for signatures (`use` other than `sig`, `key_ops` without `verify`), unsupported
    /// algorithms or key types, RSA/`oct` keys without `alg` when `default_alg` does not fit
    /// them, and malformed keys (missing or invalid members). A key without `alg` gets the one
    /// its type settles (`OKP`/`Ed25519` → EdDSA, `EC`/`P-256` → ES256, `EC`/`secp256k1` →
    /// ES256K), else `default_alg` when it fits the key type.
    ///
    /// Errors (`invalid_key`): no `keys` array; entries present but none usable (the detail
    /// says why each was skipped); two loaded keys with the same `kid`. An empty `keys` array
    /// gives an empty set.
    ///
    /// ```
    /// use authcore::jwt::{Algorithm, Backend, KeySet};
    /// use serde_json::json;
    ///
    /// let jwks = json!({"keys": [
    ///     {"kty": "OKP", "crv": "Ed25519", "kid": "sig-1", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
    ///     {"kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "enc-1", "n": "AQAB", "e": "AQAB"},
    /// ]});
    /// let set = KeySet::from_jwks(&jwks, None, Backend::default())?;
    /// assert_eq!(set.keys()[0].algorithm(), Algorithm::EdDsa);
    /// assert_eq!(set.skipped()[0].kid.as_deref(), Some("enc-1"));
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn from_jwks(jwks: &Value, default_alg: Option<Algorithm>, backend: Backend) -> Result<Self> {
        Self::from_jwks_allowing(jwks, default_alg, None, backend)
    }

    /// As [`KeySet::from_jwks`], also skipping (reason `alg_not_allowed`) keys whose
    /// algorithm is not in `allowed` (a verifier's allow-list): they could never verify a
    /// token.
    pub fn from_jwks_allowing(
        jwks: &Value,
        default_alg: Option<Algorithm>,
        allowed: Option<&[Algorithm]>,
        backend: Backend,
    ) -> Result<Self> {
        let keys = jwks
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::field(ErrorCode::InvalidKey, "keys", "A JWKS needs a `keys` array."))?;
        let mut set = Self::new();
        for (index, jwk) in keys.iter().enumerate() {
            match jwks_entry(jwk, default_alg, allowed, backend) {
                Ok(key) => set.add(key)?,
                Err((reason_code, detail)) => set.skipped.push(SkippedKey {
                    index,
                    kid: jwk
                        .get("kid")
                        .and_then(Value::as_str)
                        .filter(|k| !k.is_empty() && k.len() <= MAX_KID_LEN)
                        .map(str::to_owned),
                    reason_code,
                    detail,
                }),
            }
        }
        if set.keys.is_empty() && !set.skipped.is_empty() {
            return Err(no_usable_key(&set.skipped));
        }
        Ok(set)
    }

    /// The JWKS entries skipped when this set was imported (empty for a set built otherwise).
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// The set as data: the public JWKs of its keys and the skipped entries.
    pub fn report(&self) -> JwksReport {
        JwksReport {
            keys: self.keys.iter().filter_map(|k| k.to_jwk().ok()).collect(),
            skipped: self.skipped.clone(),
        }
    }

    /// Exports the public keys as a JWKS document. HMAC keys are left out.
    pub fn to_jwks(&self) -> Value {
        let keys: Vec<Value> = self.keys.iter().filter_map(|k| k.to_jwk().ok()).collect();
        json!({ "keys": keys })
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// Selects the key for a token: by `kid` when the token names one; otherwise the only key
    /// for `alg`, or among several for `alg` the only one without a kid (or the set's only
    /// key, whatever its algorithm). `None` when nothing (or more than one candidate) fits.
    pub(crate) fn select(&self, kid: Option<&str>, alg: Algorithm) -> Option<&VerifyingKey> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid() == Some(kid)),
            None => {
                let mut it = self.keys.iter().filter(|k| k.alg == alg);
                let mut unnamed = self.keys.iter().filter(|k| k.alg == alg && k.kid.is_none());
                match (it.next(), it.next(), self.keys.as_slice()) {
                    (Some(k), None, _) => Some(k),
                    // Several keys for `alg`: a token without `kid` goes to the one key without
                    // a kid (a legacy key next to its named successors).
                    (Some(_), Some(_), _) => match (unnamed.next(), unnamed.next()) {
                        (Some(k), None) => Some(k),
                        _ => None,
                    },
                    // A lone key of another algorithm is returned so the caller reports
                    // `algorithm_not_allowed` rather than an unknown key.
                    (None, _, [only]) => Some(only),
                    _ => None,
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// JWKS entries

/// Loads one JWKS entry, or says why it is skipped.
fn jwks_entry(
    jwk: &Value,
    default_alg: Option<Algorithm>,
    allowed: Option<&[Algorithm]>,
    backend: Backend,
) -> core::result::Result<VerifyingKey, (SkipReason, String)> {
    let q = crate::util::quote_input;
    let Some(obj) = jwk.as_object() else {
        return Err((SkipReason::Malformed, "The entry is not a JSON object.".into()));
    };
    match obj.get("use") {
        None => {}
        Some(Value::String(u)) if u == "sig" => {}
        Some(Value::String(u)) => {
            return Err((
                SkipReason::NotForSignature,
                format!("Its `use` is `{}`, not `sig`.", q(u)),
            ))
        }
        Some(_) => return Err((SkipReason::Malformed, "Its `use` is not a string.".into())),
    }
    match obj.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) if ops.iter().any(|o| o.as_str() == Some("verify")) => {}
        Some(Value::Array(_)) => {
            return Err((
                SkipReason::NotForSignature,
                "Its `key_ops` do not include `verify`.".into(),
            ))
        }
        Some(_) => return Err((SkipReason::Malformed, "Its `key_ops` is not an array.".into())),
    }
    let alg = match jwk_alg(obj, None, default_alg) {
        Ok(a) => a,
        Err(e) => {
            let reason = match obj.get("alg") {
                Some(Value::String(_)) => SkipReason::UnsupportedAlg,
                Some(_) => SkipReason::Malformed,
                None => match obj.get("kty").and_then(Value::as_str) {
                    Some("RSA" | "oct") => SkipReason::AlgRequired,
                    _ => SkipReason::UnsupportedKeyType,
                },
            };
            let detail = match (reason, obj.get("kty").and_then(Value::as_str)) {
                (SkipReason::UnsupportedKeyType, Some(kty)) => {
                    let crv = obj
                        .get("crv")
                        .and_then(Value::as_str)
                        .map(|c| format!(" with curve `{}`", q(c)));
                    format!("Key type `{}`{} is not supported.", q(kty), crv.unwrap_or_default())
                }
                (SkipReason::UnsupportedKeyType, None) => "The entry has no string `kty`.".into(),
                _ => e.detail().to_owned(),
            };
            return Err((reason, detail));
        }
    };
    if let Some(allowed) = allowed {
        if !allowed.contains(&alg) {
            return Err((
                SkipReason::AlgNotAllowed,
                format!("Its algorithm {} is not on the allow-list.", alg.as_str()),
            ));
        }
    }
    let mut clean = obj.clone();
    clean.insert("alg".into(), alg.as_str().into());
    VerifyingKey::from_jwk(&Value::Object(clean), None, backend).map_err(|e| {
        let detail = match e.field_name() {
            Some(f) => format!("`{f}`: {}", e.detail()),
            None => e.detail().to_owned(),
        };
        (SkipReason::Malformed, detail)
    })
}

/// The error for a JWKS whose every entry was skipped: why, per entry (the first eight).
fn no_usable_key(skipped: &[SkippedKey]) -> Error {
    let mut parts: Vec<String> = skipped
        .iter()
        .take(8)
        .map(|s| {
            let kid = s
                .kid
                .as_deref()
                .map(|k| format!(" (kid `{}`)", crate::util::quote_input(k)))
                .unwrap_or_default();
            format!("keys[{}]{kid}: {}", s.index, s.detail)
        })
        .collect();
    if skipped.len() > 8 {
        parts.push(format!("and {} more", skipped.len() - 8));
    }
    Error::field(
        ErrorCode::InvalidKey,
        "keys",
        format!("The JWKS has no usable key. {}", parts.join(" ")),
    )
}

// ---------------------------------------------------------------------------------------
// Parsing helpers

const NOT_PUBLIC: &str = "The PEM block is not a public key.";

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn check_kid(kid: String) -> Result<String> {
    if kid.is_empty() || kid.len() > MAX_KID_LEN {
        return Err(Error::field(
            ErrorCode::InvalidKey,
            "kid",
            "A key id must be 1 to 256 bytes long.",
        ));
    }
    Ok(kid)
}

fn check_fits(alg: Algorithm, m: &PublicMaterial) -> Result<()> {
    let fits = matches!(
        (alg, m),
        (
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512,
            PublicMaterial::Hmac(_)
        ) | (Algorithm::EdDsa, PublicMaterial::Ed25519(_))
            | (Algorithm::Es256, PublicMaterial::P256(_))
            | (Algorithm::Es256k, PublicMaterial::K256(_))
            | (Algorithm::Rs256 | Algorithm::Ps256, PublicMaterial::Rsa(_))
    );
    if !fits {
        return Err(key_error(format!(
            "The key type does not fit algorithm {}.",
            alg.as_str()
        )));
    }
    if let PublicMaterial::Rsa(k) = m {
        let bits = k.n().bits();
        if !(2048..=8192).contains(&bits) {
            return Err(key_error(format!(
                "RSA keys must have 2048 to 8192 bits (this one has {bits})."
            )));
        }
    }
    Ok(())
}

fn hmac_material(alg: Algorithm, secret: &[u8]) -> Result<PrivateMaterial> {
    let min = hmac_min_len(alg)?;
    if secret.len() < min {
        return Err(key_error(format!(
            "An {} secret must be at least {min} bytes (RFC 7518 section 3.2); this one has {}. Generate one with \
             `python -c \"import secrets; print(secrets.token_urlsafe({min}))\"`. To keep verifying tokens \
             signed with an old short secret, add it as a verify-only key with `\"legacy_short_secret\": true`.",
            alg.as_str(),
            secret.len()
        )));
    }
    hmac_checked(secret)
}

/// The material of a verify-only legacy HMAC key: any length from 1 byte (see
/// [`VerifyingKey::from_legacy_short_secret`]).
fn legacy_hmac_material(alg: Algorithm, secret: &[u8]) -> Result<PrivateMaterial> {
    hmac_min_len(alg)?;
    if secret.is_empty() {
        return Err(key_error("An HMAC secret cannot be empty."));
    }
    hmac_checked(secret)
}

fn hmac_min_len(alg: Algorithm) -> Result<usize> {
    Ok(match alg {
        Algorithm::Hs256 => 32,
        Algorithm::Hs384 => 48,
        Algorithm::Hs512 => 64,
        _ => {
            return Err(key_error(format!(
                "{} is not an HMAC algorithm; use a PEM or JWK key.",
                alg.as_str()
            )))
        }
    })
}

fn hmac_checked(secret: &[u8]) -> Result<PrivateMaterial> {
    if secret.len() > MAX_HMAC_SECRET {
        return Err(key_error("An HMAC secret may be at most 1024 bytes."));
    }
    if secret.starts_with(b"-----BEGIN") || secret.windows(10).any(|w| w == b"-----BEGIN") {
        return Err(key_error("A PEM document cannot be used as an HMAC secret."));
    }
    Ok(PrivateMaterial::Hmac(Zeroizing::new(secret.to_vec())))
}

fn ed25519_private(bytes: &[u8]) -> Result<PrivateMaterial> {
    let seed: [u8; 32] = match bytes.len() {
        32 | 64 => bytes
            .get(..32)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| key_error("A raw Ed25519 key is a 32-byte seed."))?,
        _ => return Err(key_error("A raw Ed25519 key is a 32-byte seed.")),
    };
    // An all-zero seed is no secret at all (and `ed25519-compact` refuses to expand it).
    if seed.iter().all(|&b| b == 0) {
        return Err(key_error("An Ed25519 seed of all zero bytes is not a key."));
    }
    let public = super::backend::portable::ed25519_public(&seed);
    if bytes.len() == 64 && bytes.get(32..) != Some(&public[..]) {
        return Err(key_error("The Ed25519 public half does not match the seed."));
    }
    Ok(PrivateMaterial::Ed25519 {
        seed: Zeroizing::new(seed),
        public,
    })
}

fn decode_pem(pem: &str) -> Result<(String, Zeroizing<Vec<u8>>)> {
    let (label, der) =
        rsa::pkcs8::der::pem::decode_vec(pem.trim().as_bytes()).map_err(|_| key_error("Not a valid PEM document."))?;
    Ok((label.to_owned(), Zeroizing::new(der)))
}

fn private_from_pem(alg: Algorithm, pem: &str) -> Result<PrivateMaterial> {
    let (label, der) = decode_pem(pem)?;
    let material = match label.as_str() {
        "PRIVATE KEY" => {
            let info = rsa::pkcs8::PrivateKeyInfo::try_from(der.as_slice())
                .map_err(|_| key_error("Not a valid PKCS#8 private key."))?;
            match info.algorithm.oid.to_string().as_str() {
                OID_RSA => PrivateMaterial::Rsa(Box::new(
                    rsa::RsaPrivateKey::from_pkcs8_der(&der).map_err(|_| key_error("Not a valid RSA private key."))?,
                )),
                OID_EC if alg == Algorithm::Es256k => PrivateMaterial::K256(
                    k256::SecretKey::from_pkcs8_der(&der)
                        .map_err(|_| key_error("Not a valid secp256k1 private key."))?,
                ),
                OID_EC => PrivateMaterial::P256(
                    p256::SecretKey::from_pkcs8_der(&der).map_err(|_| key_error("Not a valid P-256 private key."))?,
                ),
                OID_ED25519 => {
                    // The private key is an OCTET STRING holding the 32-byte seed (RFC 8410 §7).
                    match info.private_key {
                        [0x04, 0x20, seed @ ..] if seed.len() == 32 => ed25519_private(seed)?,
                        _ => return Err(key_error("Not a valid Ed25519 private key.")),
                    }
                }
                _ => return Err(key_error("Unsupported private key type.")),
            }
        }
        "RSA PRIVATE KEY" => PrivateMaterial::Rsa(Box::new(
            rsa::RsaPrivateKey::from_pkcs1_der(&der).map_err(|_| key_error("Not a valid PKCS#1 RSA private key."))?,
        )),
        "EC PRIVATE KEY" if alg == Algorithm::Es256k => PrivateMaterial::K256(
            k256::SecretKey::from_sec1_der(&der).map_err(|_| key_error("Not a valid SEC1 secp256k1 private key."))?,
        ),
        "EC PRIVATE KEY" => PrivateMaterial::P256(
            p256::SecretKey::from_sec1_der(&der).map_err(|_| key_error("Not a valid SEC1 P-256 private key."))?,
        ),
        "ENCRYPTED PRIVATE KEY" => return Err(key_error("Encrypted private keys are not supported.")),
        "PUBLIC KEY" | "RSA PUBLIC KEY" => return Err(key_error("A private key is needed to sign.")),
        _ => return Err(key_error("Unsupported PEM block.")),
    };
    if let PrivateMaterial::Rsa(k) = &material {
        k.validate()
            .map_err(|_| key_error("The RSA private key is inconsistent."))?;
    }
    check_fits(alg, &material.public())?;
    Ok(material)
}

fn public_from_pem(alg: Algorithm, pem: &str) -> Result<PublicMaterial> {
    let (label, der) = decode_pem(pem)?;
    let material = match label.as_str() {
        "PUBLIC KEY" => {
            let spki = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::try_from(der.as_slice())
                .map_err(|_| key_error("Not a valid SPKI public key."))?;
            match spki.algorithm.oid.to_string().as_str() {
                OID_RSA => PublicMaterial::Rsa(Box::new(
                    rsa::RsaPublicKey::from_public_key_der(&der)
                        .map_err(|_| key_error("Not a valid RSA public key."))?,
                )),
                OID_EC if alg == Algorithm::Es256k => PublicMaterial::K256(
                    k256::PublicKey::from_public_key_der(&der)
                        .map_err(|_| key_error("Not a valid secp256k1 public key."))?,
                ),
                OID_EC => PublicMaterial::P256(
                    p256::PublicKey::from_public_key_der(&der)
                        .map_err(|_| key_error("Not a valid P-256 public key."))?,
                ),
                OID_ED25519 => PublicMaterial::Ed25519(
                    spki.subject_public_key
                        .as_bytes()
                        .and_then(|b| <[u8; 32]>::try_from(b).ok())
                        .ok_or_else(|| key_error("Not a valid Ed25519 public key."))?,
                ),
                _ => return Err(key_error("Unsupported public key type.")),
            }
        }
        "RSA PUBLIC KEY" => PublicMaterial::Rsa(Box::new(
            rsa::RsaPublicKey::from_pkcs1_der(&der).map_err(|_| key_error("Not a valid PKCS#1 RSA public key."))?,
        )),
        _ => return Err(key_error(NOT_PUBLIC)),
    };
    check_fits(alg, &material)?;
    Ok(material)
}

/// The algorithm of a JWK: its own `alg` (`Ed25519` reads as EdDSA); else `given` (an
/// explicit choice, which the key must then fit); else what the key settles (`OKP`/`Ed25519`
/// → EdDSA, `EC`/`P-256` → ES256, `EC`/`secp256k1` → ES256K); else `default` when it fits the
/// key type (RSA: RS256 or PS256; `oct`: HS256/384/512). An RSA key is never guessed: RS256
/// and PS256 use the same keys.
fn jwk_alg(obj: &Map<String, Value>, given: Option<Algorithm>, default: Option<Algorithm>) -> Result<Algorithm> {
    let named = match obj.get("alg") {
        None => None,
        Some(Value::String(s)) => Some(Algorithm::from_name(s).ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidKey,
                "alg",
                format!("Unsupported JWK alg `{}`.", crate::util::quote_input(s)),
            )
        })?),
        Some(_) => {
            return Err(Error::field(
                ErrorCode::InvalidKey,
                "alg",
                "JWK `alg` must be a string.",
            ))
        }
    };
    match (named, given) {
        (Some(a), Some(g)) if a != g => {
            return Err(Error::field(
                ErrorCode::InvalidKey,
                "alg",
                format!("The JWK is for {} but {} was asked for.", a.as_str(), g.as_str()),
            ))
        }
        (Some(a), _) | (None, Some(a)) => return Ok(a),
        (None, None) => {}
    }
    let kty = obj.get("kty").and_then(Value::as_str).unwrap_or("");
    let crv = obj.get("crv").and_then(Value::as_str).unwrap_or("");
    let fits = |pred: fn(Algorithm) -> bool| default.filter(|a| pred(*a));
    let inferred = match (kty, crv) {
        ("OKP", "Ed25519") => Some(Algorithm::EdDsa),
        ("EC", "P-256") => Some(Algorithm::Es256),
        ("EC", "secp256k1") => Some(Algorithm::Es256k),
        ("RSA", _) => {
            return fits(|a| matches!(a, Algorithm::Rs256 | Algorithm::Ps256)).ok_or_else(|| {
                Error::field(
                    ErrorCode::InvalidKey,
                    "alg",
                    "An RSA JWK without `alg` may be for RS256 or PS256; give `default_alg`.",
                )
            })
        }
        ("oct", _) => {
            return fits(Algorithm::is_hmac).ok_or_else(|| {
                Error::field(
                    ErrorCode::InvalidKey,
                    "alg",
                    "An `oct` JWK without `alg` needs `default_alg` (HS256, HS384 or HS512).",
                )
            })
        }
        _ => None,
    };
    inferred.ok_or_else(|| {
        Error::field(
            ErrorCode::InvalidKey,
            "alg",
            "The JWK has no `alg` and its key type does not settle one; give one.",
        )
    })
}

fn jwk_kid(obj: &Map<String, Value>) -> Result<Option<String>> {
    match obj.get("kid") {
        None => Ok(None),
        Some(Value::String(s)) => check_kid(s.clone()).map(Some),
        Some(_) => Err(Error::field(
            ErrorCode::InvalidKey,
            "kid",
            "JWK `kid` must be a string.",
        )),
    }
}

fn jwk_str<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str> {
    obj.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::field(ErrorCode::InvalidKey, name, format!("The JWK needs a string `{name}`.")))
}

fn jwk_bytes(obj: &Map<String, Value>, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    let s = jwk_str(obj, name)?;
    Base64UrlUnpadded::decode_vec(s)
        .map(Zeroizing::new)
        .map_err(|_| Error::field(ErrorCode::InvalidKey, name, format!("JWK `{name}` is not base64url.")))
}

fn jwk_expect(obj: &Map<String, Value>, name: &str, want: &str) -> Result<()> {
    let got = jwk_str(obj, name)?;
    if got != want {
        return Err(Error::field(
            ErrorCode::InvalidKey,
            name,
            format!("JWK `{name}` must be `{want}` for this algorithm."),
        ));
    }
    Ok(())
}

fn p256_point(obj: &Map<String, Value>) -> Result<p256::PublicKey> {
    jwk_expect(obj, "kty", "EC")?;
    jwk_expect(obj, "crv", "P-256")?;
    let x = jwk_bytes(obj, "x")?;
    let y = jwk_bytes(obj, "y")?;
    if x.len() != 32 || y.len() != 32 {
        return Err(key_error("P-256 JWK coordinates are 32 bytes."));
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(4);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| key_error("The JWK point is not on P-256."))
}

fn k256_point(obj: &Map<String, Value>) -> Result<k256::PublicKey> {
    jwk_expect(obj, "kty", "EC")?;
    jwk_expect(obj, "crv", "secp256k1")?;
    let x = jwk_bytes(obj, "x")?;
    let y = jwk_bytes(obj, "y")?;
    if x.len() != 32 || y.len() != 32 {
        return Err(key_error("secp256k1 JWK coordinates are 32 bytes."));
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(4);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    k256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| key_error("The JWK point is not on secp256k1."))
}

fn public_from_jwk(alg: Algorithm, obj: &Map<String, Value>) -> Result<PublicMaterial> {
    let m = match alg {
        Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => {
            jwk_expect(obj, "kty", "oct")?;
            hmac_material(alg, &jwk_bytes(obj, "k")?)?.public()
        }
        Algorithm::EdDsa => {
            jwk_expect(obj, "kty", "OKP")?;
            jwk_expect(obj, "crv", "Ed25519")?;
            PublicMaterial::Ed25519(
                jwk_bytes(obj, "x")?
                    .as_slice()
                    .try_into()
                    .map_err(|_| Error::field(ErrorCode::InvalidKey, "x", "An Ed25519 JWK `x` is 32 bytes."))?,
            )
        }
        Algorithm::Es256 => PublicMaterial::P256(p256_point(obj)?),
        Algorithm::Es256k => PublicMaterial::K256(k256_point(obj)?),
        Algorithm::Rs256 | Algorithm::Ps256 => {
            jwk_expect(obj, "kty", "RSA")?;
            let n = BigUint::from_bytes_be(&jwk_bytes(obj, "n")?);
            let e = BigUint::from_bytes_be(&jwk_bytes(obj, "e")?);
            PublicMaterial::Rsa(Box::new(
                rsa::RsaPublicKey::new_with_max_size(n, e, 8192)
                    .map_err(|_| key_error("Not a valid RSA public key."))?,
            ))
        }
    };
    check_fits(alg, &m)?;
    Ok(m)
}

fn private_from_jwk(alg: Algorithm, obj: &Map<String, Value>) -> Result<PrivateMaterial> {
    let m = match alg {
        Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => {
            jwk_expect(obj, "kty", "oct")?;
            hmac_material(alg, &jwk_bytes(obj, "k")?)?
        }
        Algorithm::EdDsa => {
            jwk_expect(obj, "kty", "OKP")?;
            jwk_expect(obj, "crv", "Ed25519")?;
            let d = jwk_bytes(obj, "d")?;
            if d.len() != 32 {
                return Err(Error::field(
                    ErrorCode::InvalidKey,
                    "d",
                    "An Ed25519 JWK `d` is 32 bytes.",
                ));
            }
            let m = ed25519_private(&d)?;
            if let (PrivateMaterial::Ed25519 { public, .. }, Some(x)) = (&m, obj.get("x")) {
                let x = x.as_str().and_then(|x| Base64UrlUnpadded::decode_vec(x).ok());
                if x.as_deref() != Some(&public[..]) {
                    return Err(Error::field(ErrorCode::InvalidKey, "x", "JWK `x` does not match `d`."));
                }
            }
            m
        }
        Algorithm::Es256 => {
            let point = p256_point(obj)?;
            let sk = p256::SecretKey::from_slice(&jwk_bytes(obj, "d")?)
                .map_err(|_| Error::field(ErrorCode::InvalidKey, "d", "JWK `d` is not a P-256 scalar."))?;
            if sk.public_key() != point {
                return Err(Error::field(
                    ErrorCode::InvalidKey,
                    "x",
                    "JWK `x`/`y` do not match `d`.",
                ));
            }
            PrivateMaterial::P256(sk)
        }
        Algorithm::Es256k => {
            let point = k256_point(obj)?;
            let sk = k256::SecretKey::from_slice(&jwk_bytes(obj, "d")?)
                .map_err(|_| Error::field(ErrorCode::InvalidKey, "d", "JWK `d` is not a secp256k1 scalar."))?;
            if sk.public_key() != point {
                return Err(Error::field(
                    ErrorCode::InvalidKey,
                    "x",
                    "JWK `x`/`y` do not match `d`.",
                ));
            }
            PrivateMaterial::K256(sk)
        }
        Algorithm::Rs256 | Algorithm::Ps256 => {
            jwk_expect(obj, "kty", "RSA")?;
            let int = |name: &str| jwk_bytes(obj, name).map(|b| BigUint::from_bytes_be(&b));
            let key = rsa::RsaPrivateKey::from_components(int("n")?, int("e")?, int("d")?, vec![int("p")?, int("q")?])
                .map_err(|_| key_error("Not a valid RSA private key."))?;
            key.validate()
                .map_err(|_| key_error("The RSA private key is inconsistent."))?;
            PrivateMaterial::Rsa(Box::new(key))
        }
    };
    check_fits(alg, &m.public())?;
    Ok(m)
}

/// Key material as data: the one JSON shape every binding and vector uses for a key.
///
/// Exactly one of `secret` (UTF-8 text), `secret_b64` (base64url bytes), `pem`, `jwk` or
/// `raw_b64` (base64url raw key bytes) must be given. `alg` may be omitted for a JWK that
/// names its own.
#[derive(Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// Algorithm the key is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<Algorithm>,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// HMAC secret as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// HMAC secret as base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_b64: Option<String>,
    /// PEM document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pem: Option<String>,
    /// JWK object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<Value>,
    /// Raw key bytes (Ed25519 seed or public key, P-256 scalar or SEC1 point), base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_b64: Option<String>,
    /// `true`: a verify-only HMAC key whose `secret`/`secret_b64` may be shorter than RFC
    /// 7518 §3.2 allows (see [`VerifyingKey::from_legacy_short_secret`]). Verifiers accept
    /// it; every signer refuses it.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub legacy_short_secret: bool,
}

/// Names which material is present, never the material itself.
impl core::fmt::Debug for KeySpec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let redacted = |present: bool| if present { Some("[redacted]") } else { None };
        f.debug_struct("KeySpec")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .field("secret", &redacted(self.secret.is_some()))
            .field("secret_b64", &redacted(self.secret_b64.is_some()))
            .field("pem", &redacted(self.pem.is_some()))
            .field("jwk", &redacted(self.jwk.is_some()))
            .field("raw_b64", &redacted(self.raw_b64.is_some()))
            .field("legacy_short_secret", &self.legacy_short_secret)
            .finish()
    }
}

enum SpecMaterial<'a> {
    Secret(Zeroizing<Vec<u8>>),
    Pem(&'a str),
    Jwk(&'a Value),
    Raw(Zeroizing<Vec<u8>>),
}

impl KeySpec {
    fn material(&self) -> Result<(Option<Algorithm>, SpecMaterial<'_>)> {
        let given = [
            self.secret.is_some(),
            self.secret_b64.is_some(),
            self.pem.is_some(),
            self.jwk.is_some(),
            self.raw_b64.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(Error::field(
                ErrorCode::InvalidKey,
                "key",
                "Give exactly one of secret, secret_b64, pem, jwk or raw_b64.",
            ));
        }
        let b64 = |field: &str, s: &str| {
            Base64UrlUnpadded::decode_vec(s)
                .map(Zeroizing::new)
                .map_err(|_| Error::field(ErrorCode::InvalidKey, field, format!("`{field}` is not base64url.")))
        };
        let m = if let Some(s) = &self.secret {
            SpecMaterial::Secret(Zeroizing::new(s.as_bytes().to_vec()))
        } else if let Some(s) = &self.secret_b64 {
            SpecMaterial::Secret(b64("secret_b64", s)?)
        } else if let Some(p) = &self.pem {
            SpecMaterial::Pem(p)
        } else if let Some(j) = &self.jwk {
            SpecMaterial::Jwk(j)
        } else {
            SpecMaterial::Raw(b64("raw_b64", self.raw_b64.as_deref().unwrap_or_default())?)
        };
        Ok((self.alg, m))
    }

    fn alg(&self) -> Result<Algorithm> {
        self.alg
            .ok_or_else(|| Error::field(ErrorCode::InvalidKey, "alg", "The key needs an `alg`."))
    }
}

/// The constructors [`SigningKey`] and [`VerifyingKey`] share, so one function maps a
/// [`KeySpec`] onto either.
trait FromKeyMaterial: Sized {
    fn from_secret(alg: Algorithm, secret: &[u8], backend: Backend) -> Result<Self>;
    fn from_legacy_short_secret(alg: Algorithm, secret: &[u8], backend: Backend) -> Result<Self>;
    fn from_pem(alg: Algorithm, pem: &str, backend: Backend) -> Result<Self>;
    fn from_raw(alg: Algorithm, bytes: &[u8], backend: Backend) -> Result<Self>;
    fn from_jwk(jwk: &Value, alg: Option<Algorithm>, backend: Backend) -> Result<Self>;
    fn with_kid(self, kid: String) -> Result<Self>;
}

macro_rules! from_key_material {
    ($ty:ty) => {
        impl FromKeyMaterial for $ty {
            fn from_secret(alg: Algorithm, secret: &[u8], backend: Backend) -> Result<Self> {
                <$ty>::from_secret(alg, secret, backend)
            }
            fn from_legacy_short_secret(alg: Algorithm, secret: &[u8], backend: Backend) -> Result<Self> {
                <$ty>::from_legacy_short_secret(alg, secret, backend)
            }
            fn from_pem(alg: Algorithm, pem: &str, backend: Backend) -> Result<Self> {
                <$ty>::from_pem(alg, pem, backend)
            }
            fn from_raw(alg: Algorithm, bytes: &[u8], backend: Backend) -> Result<Self> {
                <$ty>::from_raw(alg, bytes, backend)
            }
            fn from_jwk(jwk: &Value, alg: Option<Algorithm>, backend: Backend) -> Result<Self> {
                <$ty>::from_jwk(jwk, alg, backend)
            }
            fn with_kid(self, kid: String) -> Result<Self> {
                <$ty>::with_kid(self, kid)
            }
        }
    };
}

from_key_material!(SigningKey);
from_key_material!(VerifyingKey);

fn from_spec<K: FromKeyMaterial>(spec: &KeySpec, backend: Backend) -> Result<K> {
    let key = match spec.material()? {
        (_, SpecMaterial::Secret(s)) if spec.legacy_short_secret => {
            K::from_legacy_short_secret(spec.alg()?, &s, backend)?
        }
        _ if spec.legacy_short_secret => {
            return Err(Error::field(
                ErrorCode::InvalidKey,
                "legacy_short_secret",
                "`legacy_short_secret` applies to an HMAC `secret` or `secret_b64` only.",
            ))
        }
        (alg, SpecMaterial::Jwk(j)) => K::from_jwk(j, alg, backend)?,
        (_, SpecMaterial::Secret(s)) => K::from_secret(spec.alg()?, &s, backend)?,
        (_, SpecMaterial::Pem(p)) => K::from_pem(spec.alg()?, p, backend)?,
        (_, SpecMaterial::Raw(r)) => K::from_raw(spec.alg()?, &r, backend)?,
    };
    match &spec.kid {
        Some(kid) => key.with_kid(kid.clone()),
        None => Ok(key),
    }
}

impl SigningKey {
    /// Builds a signing key from a [`KeySpec`].
    pub fn from_spec(spec: &KeySpec, backend: Backend) -> Result<Self> {
        from_spec(spec, backend)
    }
}

impl VerifyingKey {
    /// Builds a verifying key from a [`KeySpec`] (private material yields its public half).
    pub fn from_spec(spec: &KeySpec, backend: Backend) -> Result<Self> {
        from_spec(spec, backend)
    }
}

impl KeySet {
    /// Builds a key set from specs.
    pub fn from_specs(specs: &[KeySpec], backend: Backend) -> Result<Self> {
        let mut set = Self::new();
        for (i, spec) in specs.iter().enumerate() {
            set.add(VerifyingKey::from_spec(spec, backend).map_err(|e| e.in_field(&format!("keys[{i}]")))?)?;
        }
        Ok(set)
    }
}
