//! Crypto backends, both behind jwt-compact's `Algorithm` trait.
//!
//! * `portable`: jwt-compact's own pure-Rust algorithms (`hmac`/`sha2`, `ed25519-compact`,
//!   `p256`, `rsa`) and ES256K over `k256`. Always compiled; the only backend on `wasm32`,
//!   where Ed25519 runs over `curve25519-dalek` instead (32-bit arithmetic; the same accept and
//!   reject answers, see `portable::Ed25519U32`).
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
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
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

    /// The Ed25519 implementation of the portable backend: `ed25519-compact` where the CPU
    /// multiplies 64×64→128 bits natively, `curve25519-dalek`'s 32-bit backend on wasm32.
    #[cfg(not(target_arch = "wasm32"))]
    use self::Ed25519 as EdImpl;
    #[cfg(target_arch = "wasm32")]
    use self::Ed25519U32 as EdImpl;

    /// The Ed25519 public key of a seed (RFC 8032 key generation).
    pub(crate) fn ed25519_public(seed: &[u8; 32]) -> [u8; 32] {
        EdImpl::public_key(seed)
    }

    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    impl Ed25519 {
        pub(crate) fn public_key(seed: &[u8; 32]) -> [u8; 32] {
            *ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(*seed)).pk
        }
        pub(crate) fn signing_key(seed: &[u8; 32]) -> ed25519_compact::SecretKey {
            ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(*seed)).sk
        }
        pub(crate) fn verifying_key(pk: &[u8; 32]) -> ed25519_compact::PublicKey {
            ed25519_compact::PublicKey::new(*pk)
        }
    }

    /// Ed25519 over `curve25519-dalek`, whose 32-bit serial backend (u32 limbs) is the one it
    /// selects on wasm32, with the acceptance rules of `ed25519-compact` (and so the same
    /// answer for every signature): `S` must be below the group order; `A` and `R` must be
    /// canonical encodings (`y` below 2^255 - 19) of points on the curve that are not of small
    /// order; the equation is the cofactored one, `[8]([S]B - [k]A - R)` is the identity, with
    /// `k = SHA-512(R || A || M)` over the bytes as given. Signing is RFC 8032's deterministic
    /// signature (`ed25519-dalek`), byte-identical to the other implementations'.
    #[cfg(any(target_arch = "wasm32", test))]
    pub(crate) struct Ed25519U32;

    /// An Ed25519 public key for [`Ed25519U32`]: its bytes as given and the negated point,
    /// decoded once (`None` when the bytes are no valid key: every signature is then refused).
    #[cfg(any(target_arch = "wasm32", test))]
    pub(crate) struct DalekPublicKey {
        bytes: [u8; 32],
        minus_a: Option<curve25519_dalek::edwards::EdwardsPoint>,
    }

    #[cfg(any(target_arch = "wasm32", test))]
    impl Ed25519U32 {
        pub(crate) fn public_key(seed: &[u8; 32]) -> [u8; 32] {
            Self::signing_key(seed).verifying_key().to_bytes()
        }
        pub(crate) fn signing_key(seed: &[u8; 32]) -> ed25519_dalek::SigningKey {
            ed25519_dalek::SigningKey::from_bytes(seed)
        }
        pub(crate) fn verifying_key(pk: &[u8; 32]) -> DalekPublicKey {
            DalekPublicKey {
                bytes: *pk,
                minus_a: Self::decode(pk).map(|a| -a),
            }
        }
        /// A point from its encoding: `y` canonical, on the curve, not of small order.
        fn decode(bytes: &[u8; 32]) -> Option<curve25519_dalek::edwards::EdwardsPoint> {
            // y ≥ p = 2^255 - 19 (sign bit aside): bytes 1..=30 all 0xff, byte 31 0x7f, byte 0 ≥ 0xed.
            let non_canonical = bytes[0] >= 0xed && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[31] & 0x7f == 0x7f;
            if non_canonical {
                return None;
            }
            let point = curve25519_dalek::edwards::CompressedEdwardsY(*bytes).decompress()?;
            (!point.is_small_order()).then_some(point)
        }
    }

    #[cfg(any(target_arch = "wasm32", test))]
    impl jwt_compact::Algorithm for Ed25519U32 {
        type SigningKey = ed25519_dalek::SigningKey;
        type VerifyingKey = DalekPublicKey;
        type Signature = ed25519_compact::Signature;

        fn name(&self) -> Cow<'static, str> {
            Cow::Borrowed("EdDSA")
        }
        fn sign(&self, key: &Self::SigningKey, message: &[u8]) -> Self::Signature {
            use ed25519_dalek::Signer as _;
            ed25519_compact::Signature::new(key.sign(message).to_bytes())
        }
        fn verify_signature(&self, signature: &Self::Signature, key: &Self::VerifyingKey, message: &[u8]) -> bool {
            use curve25519_dalek::edwards::EdwardsPoint;
            use curve25519_dalek::scalar::Scalar;
            use sha2::{Digest, Sha512};

            let Some(minus_a) = key.minus_a else {
                return false;
            };
            let mut r_bytes = [0u8; 32];
            let mut s_bytes = [0u8; 32];
            r_bytes.copy_from_slice(&signature[..32]);
            s_bytes.copy_from_slice(&signature[32..]);
            let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
                return false;
            };
            let Some(r) = Self::decode(&r_bytes) else {
                return false;
            };
            let hash: [u8; 64] = Sha512::new()
                .chain_update(r_bytes)
                .chain_update(key.bytes)
                .chain_update(message)
                .finalize()
                .into();
            let k = Scalar::from_bytes_mod_order_wide(&hash);
            (EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &minus_a, &s) - r).is_small_order()
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
        Ed25519(<EdImpl as jwt_compact::Algorithm>::SigningKey),
        Es256(p256::ecdsa::SigningKey),
        Es256k(k256::ecdsa::SigningKey),
        Rsa(Rsa, Box<rsa::RsaPrivateKey>),
    }

    pub(crate) enum Verifier {
        Hs256(Hs256Key),
        Hs384(Hs384Key),
        Hs512(Hs512Key),
        Ed25519(<EdImpl as jwt_compact::Algorithm>::VerifyingKey),
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
            (Algorithm::EdDsa, PrivateMaterial::Ed25519 { seed, .. }) => Signer::Ed25519(EdImpl::signing_key(seed)),
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
            (Algorithm::EdDsa, PublicMaterial::Ed25519(pk)) => Verifier::Ed25519(EdImpl::verifying_key(pk)),
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
                Signer::Ed25519(k) => sign_with(&EdImpl, k, msg),
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
                Verifier::Ed25519(k) => verify_with(&EdImpl, k, sig, msg),
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
        Hmac(Box<hmac::Key>),
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
                let (_, key) = hmac_key(alg, k)?;
                Verifier::Hmac(key)
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
                // aws-lc's own verify: the precomputed key state, a constant-time tag
                // comparison, no copy of the signature.
                Verifier::Hmac(k) => hmac::verify(k, msg, sig).is_ok(),
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

#[cfg(test)]
mod ed25519_tests {
    //! The two Ed25519 implementations of the portable backend (`ed25519-compact` on native
    //! targets, `curve25519-dalek` on wasm32) give the same answer for every signature.

    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
    use curve25519_dalek::scalar::Scalar;
    use serde_json::Value;
    use sha2::{Digest, Sha512};

    use super::portable::{Ed25519, Ed25519U32};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Both implementations' answers for a public key, signature and message.
    fn answers(pk: &[u8; 32], sig: &[u8], msg: &[u8]) -> (bool, bool) {
        let compact = super::verify_with(&Ed25519, &Ed25519::verifying_key(pk), sig, msg);
        let dalek = super::verify_with(&Ed25519U32, &Ed25519U32::verifying_key(pk), sig, msg);
        (compact, dalek)
    }

    fn agree(pk: &[u8; 32], sig: &[u8], msg: &[u8]) -> bool {
        let (compact, dalek) = answers(pk, sig, msg);
        assert_eq!(compact, dalek, "pk {pk:02x?} sig {sig:02x?}");
        dalek
    }

    #[test]
    fn every_wycheproof_vector_gets_the_same_answer() {
        // Compiled in (test builds only): the test needs the crate's private implementations,
        // and the core's source never touches the file system.
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../conformance/wycheproof/ed25519_test.json"
        ));
        let file: Value = serde_json::from_str(text).unwrap();
        let mut checked = 0;
        for group in file["testGroups"].as_array().unwrap() {
            let pk: [u8; 32] = hex(group["publicKey"]["pk"].as_str().unwrap()).try_into().unwrap();
            for t in group["tests"].as_array().unwrap() {
                let ok = agree(&pk, &hex(t["sig"].as_str().unwrap()), &hex(t["msg"].as_str().unwrap()));
                assert_eq!(ok, t["result"] == "valid", "tcId {}", t["tcId"]);
                checked += 1;
            }
        }
        assert_eq!(checked, 151);
    }

    #[test]
    fn signatures_are_byte_identical_and_verify_under_both() {
        for i in 0..16u8 {
            let seed = [i.wrapping_mul(37).wrapping_add(1); 32];
            let msg = vec![i; usize::from(i) * 7];
            let a = super::sign_with(&Ed25519, &Ed25519::signing_key(&seed), &msg);
            let b = super::sign_with(&Ed25519U32, &Ed25519U32::signing_key(&seed), &msg);
            assert_eq!(a, b);
            assert_eq!(Ed25519::public_key(&seed), Ed25519U32::public_key(&seed));
            let pk = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(seed)).pk;
            assert!(agree(&pk, &a, &msg));
            // Every single-bit change of the signature is refused by both.
            for bit in (0..512).step_by(5) {
                let mut bad = a.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                assert!(!agree(&pk, &bad, &msg));
            }
            assert!(!agree(&pk, &a, b"another message"));
        }
    }

    /// An RFC 8032 signature by the secret scalar `a` under the public key bytes `pk`.
    fn sign_raw(a: Scalar, pk: &[u8; 32], r: Scalar, msg: &[u8]) -> [u8; 64] {
        let big_r = (r * ED25519_BASEPOINT_POINT).compress().to_bytes();
        let k: [u8; 64] = Sha512::new()
            .chain_update(big_r)
            .chain_update(pk)
            .chain_update(msg)
            .finalize()
            .into();
        let s = r + Scalar::from_bytes_mod_order_wide(&k) * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&big_r);
        sig[32..].copy_from_slice(s.as_bytes());
        sig
    }

    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];

    /// `s + L` as 32 little-endian bytes (no overflow for `s` below 2^252).
    fn plus_l(s: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(s[i]) + u16::from(L[i]) + carry;
            out[i] = v as u8;
            carry = v >> 8;
        }
        out
    }

    #[test]
    fn edge_cases_get_the_same_answer() {
        let msg = b"edge";
        let a = Scalar::from_bytes_mod_order([9; 32]);
        let big_a = a * ED25519_BASEPOINT_POINT;
        let pk = big_a.compress().to_bytes();
        let good = sign_raw(a, &pk, Scalar::from_bytes_mod_order([3; 32]), msg);
        assert!(agree(&pk, &good, msg));

        // A non-canonical S (S + L) is refused.
        let mut high_s = good;
        high_s[32..].copy_from_slice(&plus_l(&good[32..]));
        assert!(!agree(&pk, &high_s, msg));

        // Small-order keys and small-order R are refused, whatever the equation says.
        for t in EIGHT_TORSION.iter() {
            let t_bytes = t.compress().to_bytes();
            let sig = sign_raw(Scalar::ZERO, &t_bytes, Scalar::ZERO, msg);
            assert!(!agree(&t_bytes, &sig, msg));
            let mut small_r = good;
            small_r[..32].copy_from_slice(&t_bytes);
            assert!(!agree(&pk, &small_r, msg));
        }

        // Mixed-order keys (A + T, T of order 8): the cofactored equation accepts a signature
        // the uncofactored one would refuse; both implementations accept it.
        let mixed = (big_a + EIGHT_TORSION[1]).compress().to_bytes();
        let mut accepted = 0;
        for i in 0..8u8 {
            let sig = sign_raw(a, &mixed, Scalar::from_bytes_mod_order([i + 20; 32]), msg);
            accepted += usize::from(agree(&mixed, &sig, msg));
        }
        assert_eq!(accepted, 8);

        // A mixed-order R (R + T): accepted by the cofactored equation, by both.
        let r = Scalar::from_bytes_mod_order([5; 32]);
        let big_r = r * ED25519_BASEPOINT_POINT + EIGHT_TORSION[2];
        let r_bytes = big_r.compress().to_bytes();
        let k: [u8; 64] = Sha512::new()
            .chain_update(r_bytes)
            .chain_update(pk)
            .chain_update(msg)
            .finalize()
            .into();
        let s = r + Scalar::from_bytes_mod_order_wide(&k) * a;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r_bytes);
        sig[32..].copy_from_slice(s.as_bytes());
        assert!(agree(&pk, &sig, msg));

        // Non-canonical encodings (y ≥ 2^255 - 19) of keys and of R are refused.
        for low in 0xedu8..=0xff {
            for sign in [0u8, 0x80] {
                let mut enc = [0xffu8; 32];
                enc[0] = low;
                enc[31] = 0x7f | sign;
                assert!(!agree(&enc, &good, msg));
                let mut bad_r = good;
                bad_r[..32].copy_from_slice(&enc);
                assert!(!agree(&pk, &bad_r, msg));
            }
        }

        // Bytes that are no point on the curve.
        let off_curve = (0u8..=255)
            .map(|b| [b; 32])
            .find(|e| curve25519_dalek::edwards::CompressedEdwardsY(*e).decompress().is_none())
            .unwrap();
        assert!(!agree(&off_curve, &good, msg));
    }
}
