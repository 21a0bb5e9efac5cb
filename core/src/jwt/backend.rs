//! Crypto backends, both behind jwt-compact's `Algorithm` trait.
//!
//! * `portable`: jwt-compact's own pure-Rust algorithms (`hmac`/`sha2`, `ed25519-compact`,
//!   `p256`, `rsa`) and ES256K over `k256`. Always compiled; the only backend on `wasm32`.
//! * `native`: `aws-lc-rs`, implemented here as jwt-compact algorithms. Compiled on every
//!   non-wasm target when the `native` Cargo feature is on (the default), and the default
//!   backend there.
//!
//! Both receive key material already parsed into backend-neutral form (`super::material`), once, when a
//! key object is built; signing and verification never parse keys.

use jwt_compact::{Algorithm as JwtAlgorithm, AlgorithmSignature};

use crate::error::{Error, ErrorCode, Result};

/// Signs through any jwt-compact algorithm.
pub(super) fn sign_with<A: JwtAlgorithm>(alg: &A, key: &A::SigningKey, msg: &[u8]) -> Vec<u8> {
    alg.sign(key, msg).as_bytes().into_owned()
}

/// Verifies through any jwt-compact algorithm. The caller has already checked the
/// signature length for the algorithm.
pub(super) fn verify_with<A: JwtAlgorithm>(alg: &A, key: &A::VerifyingKey, sig: &[u8], msg: &[u8]) -> bool {
    if let Some(len) = A::Signature::LENGTH {
        if sig.len() != len.get() {
            return false;
        }
    }
    match A::Signature::try_from_slice(sig) {
        Ok(sig) => alg.verify_signature(&sig, key, msg),
        Err(_) => false,
    }
}

pub(super) mod portable {
    use std::borrow::Cow;

    use jwt_compact::alg::{Es256, Hs256, Hs256Key, Hs384, Hs384Key, Hs512, Hs512Key, Rsa};

    use super::{sign_with, verify_with};
    use crate::error::{Error, ErrorCode, Result};
    use crate::jwt::material::{PrivateMaterial, PublicMaterial};
    use crate::jwt::Algorithm;

    /// Ed25519 over `ed25519-compact` with deterministic RFC 8032 signatures (jwt-compact's
    /// own adapter adds noise), so both backends sign identically.
    pub(crate) struct Ed25519;

    impl jwt_compact::Algorithm for Ed25519 {
        type SigningKey = ed25519_compact::SecretKey;
        type VerifyingKey = ed25519_compact::PublicKey;
        type Signature = ed25519_compact::Signature;

        fn name(&self) -> Cow<'static, str> {
            Cow::Borrowed("EdDSA")
        }
        fn sign(&self, key: &Self::SigningKey, message: &[u8]) -> Self::Signature {
            key.sign(message, None)
        }
        fn verify_signature(&self, signature: &Self::Signature, key: &Self::VerifyingKey, message: &[u8]) -> bool {
            key.verify(message, signature).is_ok()
        }
    }

    /// ES256K over the pure-Rust `k256` crate. Signing is deterministic (RFC 6979) with a
    /// low `s`; verification accepts a high `s` too (RFC 8812 does not require low-S, and
    /// aws-lc accepts both), so both backends give the same answer.
    pub(crate) struct Es256k;

    impl jwt_compact::Algorithm for Es256k {
        type SigningKey = k256::ecdsa::SigningKey;
        type VerifyingKey = k256::ecdsa::VerifyingKey;
        type Signature = K256Signature;

        fn name(&self) -> Cow<'static, str> {
            Cow::Borrowed("ES256K")
        }
        fn sign(&self, key: &Self::SigningKey, message: &[u8]) -> Self::Signature {
            use k256::ecdsa::signature::Signer as _;
            let sig: k256::ecdsa::Signature = key.sign(message);
            K256Signature(sig)
        }
        fn verify_signature(&self, signature: &Self::Signature, key: &Self::VerifyingKey, message: &[u8]) -> bool {
            use k256::ecdsa::signature::Verifier as _;
            let sig = signature.0.normalize_s().unwrap_or(signature.0);
            key.verify(message, &sig).is_ok()
        }
    }

    /// A fixed-width `r || s` secp256k1 signature.
    #[derive(Debug, Clone)]
    pub(crate) struct K256Signature(k256::ecdsa::Signature);

    impl jwt_compact::AlgorithmSignature for K256Signature {
        const LENGTH: Option<core::num::NonZeroUsize> = core::num::NonZeroUsize::new(64);

        fn try_from_slice(slice: &[u8]) -> anyhow::Result<Self> {
            k256::ecdsa::Signature::from_slice(slice)
                .map(Self)
                .map_err(|_| anyhow::anyhow!("not a secp256k1 signature"))
        }
        fn as_bytes(&self) -> Cow<'_, [u8]> {
            Cow::Owned(self.0.to_bytes().to_vec())
        }
    }

    pub(crate) enum Signer {
        Hs256(Hs256Key),
        Hs384(Hs384Key),
        Hs512(Hs512Key),
        Ed25519(ed25519_compact::SecretKey),
        Es256(p256::ecdsa::SigningKey),
        Es256k(k256::ecdsa::SigningKey),
        Rsa(Rsa, Box<rsa::RsaPrivateKey>),
    }

    pub(crate) enum Verifier {
        Hs256(Hs256Key),
        Hs384(Hs384Key),
        Hs512(Hs512Key),
        Ed25519(ed25519_compact::PublicKey),
        Es256(p256::ecdsa::VerifyingKey),
        Es256k(k256::ecdsa::VerifyingKey),
        Rsa(Rsa, Box<rsa::RsaPublicKey>),
    }

    fn rsa_alg(alg: Algorithm) -> Rsa {
        if alg == Algorithm::Ps256 {
            Rsa::ps256()
        } else {
            Rsa::rs256()
        }
    }

    pub(crate) fn signer(alg: Algorithm, m: &PrivateMaterial) -> Result<Signer> {
        Ok(match (alg, m) {
            (Algorithm::Hs256, PrivateMaterial::Hmac(k)) => Signer::Hs256(Hs256Key::new(k)),
            (Algorithm::Hs384, PrivateMaterial::Hmac(k)) => Signer::Hs384(Hs384Key::new(k)),
            (Algorithm::Hs512, PrivateMaterial::Hmac(k)) => Signer::Hs512(Hs512Key::new(k)),
            (Algorithm::EdDsa, PrivateMaterial::Ed25519 { seed, .. }) => {
                let kp = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(**seed));
                Signer::Ed25519(kp.sk)
            }
            (Algorithm::Es256, PrivateMaterial::P256(sk)) => Signer::Es256(p256::ecdsa::SigningKey::from(sk)),
            (Algorithm::Es256k, PrivateMaterial::K256(sk)) => Signer::Es256k(k256::ecdsa::SigningKey::from(sk)),
            (Algorithm::Rs256 | Algorithm::Ps256, PrivateMaterial::Rsa(k)) => Signer::Rsa(rsa_alg(alg), k.clone()),
            _ => return Err(Error::new(ErrorCode::InvalidKey)),
        })
    }

    pub(crate) fn verifier(alg: Algorithm, m: &PublicMaterial) -> Result<Verifier> {
        Ok(match (alg, m) {
            (Algorithm::Hs256, PublicMaterial::Hmac(k)) => Verifier::Hs256(Hs256Key::new(k)),
            (Algorithm::Hs384, PublicMaterial::Hmac(k)) => Verifier::Hs384(Hs384Key::new(k)),
            (Algorithm::Hs512, PublicMaterial::Hmac(k)) => Verifier::Hs512(Hs512Key::new(k)),
            (Algorithm::EdDsa, PublicMaterial::Ed25519(pk)) => Verifier::Ed25519(ed25519_compact::PublicKey::new(*pk)),
            (Algorithm::Es256, PublicMaterial::P256(pk)) => Verifier::Es256(p256::ecdsa::VerifyingKey::from(pk)),
            (Algorithm::Es256k, PublicMaterial::K256(pk)) => Verifier::Es256k(k256::ecdsa::VerifyingKey::from(pk)),
            (Algorithm::Rs256 | Algorithm::Ps256, PublicMaterial::Rsa(k)) => Verifier::Rsa(rsa_alg(alg), k.clone()),
            _ => return Err(Error::new(ErrorCode::InvalidKey)),
        })
    }

    impl Signer {
        pub(crate) fn sign(&self, msg: &[u8]) -> Vec<u8> {
            match self {
                Signer::Hs256(k) => sign_with(&Hs256, k, msg),
                Signer::Hs384(k) => sign_with(&Hs384, k, msg),
                Signer::Hs512(k) => sign_with(&Hs512, k, msg),
                Signer::Ed25519(k) => sign_with(&Ed25519, k, msg),
                Signer::Es256(k) => sign_with(&Es256, k, msg),
                Signer::Es256k(k) => sign_with(&Es256k, k, msg),
                Signer::Rsa(alg, k) => sign_with(alg, k, msg),
            }
        }
    }

    impl Verifier {
        pub(crate) fn verify(&self, sig: &[u8], msg: &[u8]) -> bool {
            match self {
                Verifier::Hs256(k) => verify_with(&Hs256, k, sig, msg),
                Verifier::Hs384(k) => verify_with(&Hs384, k, sig, msg),
                Verifier::Hs512(k) => verify_with(&Hs512, k, sig, msg),
                Verifier::Ed25519(k) => verify_with(&Ed25519, k, sig, msg),
                Verifier::Es256(k) => verify_with(&Es256, k, sig, msg),
                Verifier::Es256k(k) => verify_with(&Es256k, k, sig, msg),
                Verifier::Rsa(alg, k) => verify_with(alg, k, sig, msg),
            }
        }
    }
}

#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
pub(super) mod native {
    //! aws-lc-rs implementations of jwt-compact's `Algorithm` trait.

    use std::borrow::Cow;

    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, Ed25519KeyPair, ParsedPublicKey, RsaKeyPair};
    use aws_lc_rs::{constant_time, hmac};
    use jwt_compact::{Algorithm as JwtAlgorithm, AlgorithmSignature};
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::pkcs8::EncodePrivateKey;
    use rsa::traits::PublicKeyParts;

    use super::{sign_with, verify_with};
    use crate::error::Result;
    use crate::jwt::material::key_error;
    use crate::jwt::material::{PrivateMaterial, PublicMaterial};
    use crate::jwt::Algorithm;

    /// A signature as produced by aws-lc. Empty means signing failed (aws-lc reports an
    /// error where jwt-compact's trait is infallible); callers treat empty as an error.
    #[derive(Debug, Clone)]
    pub(crate) struct NativeSignature(Vec<u8>);

    impl AlgorithmSignature for NativeSignature {
        fn try_from_slice(slice: &[u8]) -> anyhow::Result<Self> {
            Ok(Self(slice.to_vec()))
        }
        fn as_bytes(&self) -> Cow<'_, [u8]> {
            Cow::Borrowed(&self.0)
        }
    }

    /// HS256/384/512 over aws-lc HMAC (constant-time tag comparison).
    pub(crate) struct NativeHmac(&'static str);

    impl JwtAlgorithm for NativeHmac {
        type SigningKey = hmac::Key;
        type VerifyingKey = hmac::Key;
        type Signature = NativeSignature;

        fn name(&self) -> Cow<'static, str> {
            Cow::Borrowed(self.0)
        }
        fn sign(&self, key: &hmac::Key, message: &[u8]) -> NativeSignature {
            NativeSignature(hmac::sign(key, message).as_ref().to_vec())
        }
        fn verify_signature(&self, signature: &NativeSignature, key: &hmac::Key, message: &[u8]) -> bool {
            let tag = hmac::sign(key, message);
            constant_time::verify_slices_are_equal(tag.as_ref(), &signature.0).is_ok()
        }
    }

    /// EdDSA (Ed25519) over aws-lc.
    pub(crate) struct NativeEd25519;

    impl JwtAlgorithm for NativeEd25519 {
        type SigningKey = Ed25519KeyPair;
        type VerifyingKey = ParsedPublicKey;
        type Signature = NativeSignature;

        fn name(&self) -> Cow<'static, str> {
            Cow::Borrowed("EdDSA")
        }
        fn sign(&self, key: &Ed25519KeyPair, message: &[u8]) -> NativeSignature {
            NativeSignature(key.sign(message).as_ref().to_vec())
        }
        fn verify_signature(&self, signature: &NativeSignature, key: &ParsedPublicKey, message: &[u8]) -> bool {
            key.verify_sig(message, &signature.0).is_ok()
        }
    }

    /// ES256 (P-256) and ES256K (secp256k1), fixed-width r‖s signatures, over aws-lc.
    pub(crate) struct NativeEs256(&'static str);

    impl JwtAlgorithm for NativeEs256 {
        type SigningKey = EcdsaKeyPair;
        type VerifyingKey = ParsedPublicKey;
        type Signature = NativeSignature;

        fn name(&self) -> Cow<'static, str> {
            Cow::Borrowed(self.0)
        }
        fn sign(&self, key: &EcdsaKeyPair, message: &[u8]) -> NativeSignature {
            NativeSignature(
                key.sign(&SystemRandom::new(), message)
                    .map(|s| s.as_ref().to_vec())
                    .unwrap_or_default(),
            )
        }
        fn verify_signature(&self, signature: &NativeSignature, key: &ParsedPublicKey, message: &[u8]) -> bool {
            key.verify_sig(message, &signature.0).is_ok()
        }
    }

    /// RS256 / PS256 over aws-lc.
    pub(crate) struct NativeRsa {
        name: &'static str,
        padding: &'static dyn sig::RsaEncoding,
    }

    impl JwtAlgorithm for NativeRsa {
        type SigningKey = RsaKeyPair;
        type VerifyingKey = ParsedPublicKey;
        type Signature = NativeSignature;

        fn name(&self) -> Cow<'static, str> {
            Cow::Borrowed(self.name)
        }
        fn sign(&self, key: &RsaKeyPair, message: &[u8]) -> NativeSignature {
            let mut out = vec![0u8; key.public_modulus_len()];
            match key.sign(self.padding, &SystemRandom::new(), message, &mut out) {
                Ok(()) => NativeSignature(out),
                Err(_) => NativeSignature(Vec::new()),
            }
        }
        fn verify_signature(&self, signature: &NativeSignature, key: &ParsedPublicKey, message: &[u8]) -> bool {
            key.verify_sig(message, &signature.0).is_ok()
        }
    }

    const RS256: NativeRsa = NativeRsa {
        name: "RS256",
        padding: &sig::RSA_PKCS1_SHA256,
    };
    const PS256: NativeRsa = NativeRsa {
        name: "PS256",
        padding: &sig::RSA_PSS_SHA256,
    };

    pub(crate) enum Signer {
        Hmac(NativeHmac, Box<hmac::Key>),
        Ed25519(Ed25519KeyPair),
        Es256(NativeEs256, EcdsaKeyPair),
        Rsa(&'static NativeRsa, RsaKeyPair),
    }

    pub(crate) enum Verifier {
        Hmac(NativeHmac, Box<hmac::Key>),
        Ed25519(ParsedPublicKey),
        Es256(NativeEs256, ParsedPublicKey),
        Rsa(&'static NativeRsa, ParsedPublicKey),
    }

    fn hmac_key(alg: Algorithm, secret: &[u8]) -> Result<(NativeHmac, Box<hmac::Key>)> {
        let (name, a) = match alg {
            Algorithm::Hs256 => ("HS256", hmac::HMAC_SHA256),
            Algorithm::Hs384 => ("HS384", hmac::HMAC_SHA384),
            Algorithm::Hs512 => ("HS512", hmac::HMAC_SHA512),
            _ => return Err(key_error("Key type does not fit the algorithm.")),
        };
        Ok((NativeHmac(name), Box::new(hmac::Key::new(a, secret))))
    }

    fn rsa_alg(alg: Algorithm) -> &'static NativeRsa {
        if alg == Algorithm::Ps256 {
            &PS256
        } else {
            &RS256
        }
    }

    pub(crate) fn signer(alg: Algorithm, m: &PrivateMaterial) -> Result<Signer> {
        Ok(match (alg, m) {
            (Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512, PrivateMaterial::Hmac(k)) => {
                let (a, key) = hmac_key(alg, k)?;
                Signer::Hmac(a, key)
            }
            (Algorithm::EdDsa, PrivateMaterial::Ed25519 { seed, public }) => Signer::Ed25519(
                Ed25519KeyPair::from_seed_and_public_key(&seed[..], public)
                    .map_err(|_| key_error("The Ed25519 key was rejected."))?,
            ),
            (Algorithm::Es256, PrivateMaterial::P256(sk)) => {
                let public = sk.public_key();
                let point = p256::EncodedPoint::from(&public);
                Signer::Es256(
                    NativeEs256("ES256"),
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &sk.to_bytes(),
                        point.as_bytes(),
                    )
                    .map_err(|_| key_error("The P-256 key was rejected."))?,
                )
            }
            (Algorithm::Es256k, PrivateMaterial::K256(sk)) => {
                let point = k256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(&sk.public_key(), false);
                Signer::Es256(
                    NativeEs256("ES256K"),
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &sig::ECDSA_P256K1_SHA256_FIXED_SIGNING,
                        &sk.to_bytes(),
                        point.as_bytes(),
                    )
                    .map_err(|_| key_error("The secp256k1 key was rejected."))?,
                )
            }
            (Algorithm::Rs256 | Algorithm::Ps256, PrivateMaterial::Rsa(k)) => {
                let der = k
                    .to_pkcs8_der()
                    .map_err(|_| key_error("The RSA key could not be encoded."))?;
                Signer::Rsa(
                    rsa_alg(alg),
                    RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|_| key_error("The RSA key was rejected."))?,
                )
            }
            _ => return Err(key_error("Key type does not fit the algorithm.")),
        })
    }

    pub(crate) fn verifier(alg: Algorithm, m: &PublicMaterial) -> Result<Verifier> {
        Ok(match (alg, m) {
            (Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512, PublicMaterial::Hmac(k)) => {
                let (a, key) = hmac_key(alg, k)?;
                Verifier::Hmac(a, key)
            }
            (Algorithm::EdDsa, PublicMaterial::Ed25519(pk)) => Verifier::Ed25519(
                ParsedPublicKey::new(&sig::ED25519, pk).map_err(|_| key_error("The Ed25519 key was rejected."))?,
            ),
            (Algorithm::Es256, PublicMaterial::P256(pk)) => {
                let point = p256::EncodedPoint::from(pk);
                Verifier::Es256(
                    NativeEs256("ES256"),
                    ParsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, point.as_bytes())
                        .map_err(|_| key_error("The P-256 key was rejected."))?,
                )
            }
            (Algorithm::Es256k, PublicMaterial::K256(pk)) => {
                let point = k256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(pk, false);
                Verifier::Es256(
                    NativeEs256("ES256K"),
                    ParsedPublicKey::new(&sig::ECDSA_P256K1_SHA256_FIXED, point.as_bytes())
                        .map_err(|_| key_error("The secp256k1 key was rejected."))?,
                )
            }
            (Algorithm::Rs256 | Algorithm::Ps256, PublicMaterial::Rsa(k)) => {
                let der = k
                    .to_pkcs1_der()
                    .map_err(|_| key_error("The RSA key could not be encoded."))?;
                let params: &'static sig::RsaParameters = if alg == Algorithm::Ps256 {
                    &sig::RSA_PSS_2048_8192_SHA256
                } else {
                    &sig::RSA_PKCS1_2048_8192_SHA256
                };
                debug_assert!(k.n().bits() >= 2048);
                Verifier::Rsa(
                    rsa_alg(alg),
                    ParsedPublicKey::new(params, der.as_bytes()).map_err(|_| key_error("The RSA key was rejected."))?,
                )
            }
            _ => return Err(key_error("Key type does not fit the algorithm.")),
        })
    }

    impl Signer {
        pub(crate) fn sign(&self, msg: &[u8]) -> Vec<u8> {
            match self {
                Signer::Hmac(a, k) => sign_with(a, k, msg),
                Signer::Ed25519(k) => sign_with(&NativeEd25519, k, msg),
                Signer::Es256(a, k) => sign_with(a, k, msg),
                Signer::Rsa(a, k) => sign_with(*a, k, msg),
            }
        }
    }

    impl Verifier {
        pub(crate) fn verify(&self, sig: &[u8], msg: &[u8]) -> bool {
            match self {
                Verifier::Hmac(a, k) => verify_with(a, k, sig, msg),
                Verifier::Ed25519(k) => verify_with(&NativeEd25519, k, sig, msg),
                Verifier::Es256(a, k) => verify_with(a, k, sig, msg),
                Verifier::Rsa(a, k) => verify_with(*a, k, sig, msg),
            }
        }
    }
}

/// Whether the native backend is compiled in: the `native` feature (on by default) on a
/// non-wasm target.
const NATIVE: bool = cfg!(all(feature = "native", not(target_arch = "wasm32")));

/// Which crypto implementation a key object uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// aws-lc-rs: the default on native targets. Not available on `wasm32`, nor without the
    /// `native` Cargo feature.
    Native,
    /// Pure-Rust crates (`hmac`, `ed25519-compact`, `p256`, `k256`, `rsa`): the default and only
    /// backend on `wasm32` and without the `native` feature.
    Portable,
}

impl Default for Backend {
    fn default() -> Self {
        if !NATIVE {
            Backend::Portable
        } else {
            Backend::Native
        }
    }
}

impl Backend {
    /// The backends compiled into this build, default first.
    pub fn available() -> &'static [Backend] {
        if !NATIVE {
            &[Backend::Portable]
        } else {
            &[Backend::Native, Backend::Portable]
        }
    }

    /// The backend a binding's `backend=` argument names: `None` is the [default](Backend::default),
    /// `"native"` and `"portable"` name one. An unknown name, or a backend not compiled into
    /// this build (`native` on `wasm32` or without the `native` feature), is `invalid_config`
    /// naming `backend`.
    ///
    /// ```
    /// use authcore::jwt::Backend;
    ///
    /// assert_eq!(Backend::from_name(Some("portable"))?, Backend::Portable);
    /// assert_eq!(Backend::from_name(None)?, Backend::default());
    /// assert_eq!(Backend::from_name(Some("fast")).unwrap_err().field_name(), Some("backend"));
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn from_name(name: Option<&str>) -> Result<Backend> {
        let backend = match name {
            None => return Ok(Backend::default()),
            Some("native") => Backend::Native,
            Some("portable") => Backend::Portable,
            Some(other) => {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    "backend",
                    format!(
                        "Unknown backend \"{}\"; expected \"native\" or \"portable\".",
                        crate::util::quote_input(other)
                    ),
                ))
            }
        };
        backend.check_available()?;
        Ok(backend)
    }

    /// `"native"` or `"portable"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Native => "native",
            Backend::Portable => "portable",
        }
    }

    pub(super) fn check_available(self) -> Result<()> {
        if Backend::available().contains(&self) {
            Ok(())
        } else {
            Err(Error::field(
                ErrorCode::InvalidConfig,
                "backend",
                "The native crypto backend is not available on this target.",
            ))
        }
    }
}
