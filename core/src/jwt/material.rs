//! Key material in backend-neutral form: what a PEM, JWK or raw key parses into, and what
//! both crypto backends build their key objects from. A leaf module: it depends on no other
//! part of `jwt`, so `keys` (parsing) and `backend` (crypto) both import it and not each other.

use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode};

/// An `invalid_key` error with a fixed detail (never key bytes).
pub(crate) fn key_error(detail: impl Into<String>) -> Error {
    Error::with_detail(ErrorCode::InvalidKey, detail)
}

/// Private key material in backend-neutral form.
pub(crate) enum PrivateMaterial {
    Hmac(Zeroizing<Vec<u8>>),
    Ed25519 {
        seed: Zeroizing<[u8; 32]>,
        public: [u8; 32],
    },
    P256(p256::SecretKey),
    K256(k256::SecretKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// Public (or, for HMAC, shared) key material in backend-neutral form.
#[derive(Clone)]
pub(crate) enum PublicMaterial {
    Hmac(Zeroizing<Vec<u8>>),
    Ed25519([u8; 32]),
    P256(p256::PublicKey),
    K256(k256::PublicKey),
    Rsa(Box<rsa::RsaPublicKey>),
}

impl PrivateMaterial {
    /// The public (for HMAC: the shared) half.
    pub(crate) fn public(&self) -> PublicMaterial {
        match self {
            PrivateMaterial::Hmac(k) => PublicMaterial::Hmac(k.clone()),
            PrivateMaterial::Ed25519 { public, .. } => PublicMaterial::Ed25519(*public),
            PrivateMaterial::P256(sk) => PublicMaterial::P256(sk.public_key()),
            PrivateMaterial::K256(sk) => PublicMaterial::K256(sk.public_key()),
            PrivateMaterial::Rsa(k) => PublicMaterial::Rsa(Box::new(k.to_public_key())),
        }
    }
}
