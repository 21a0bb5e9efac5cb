//! JWT verification on both backends, with HMAC and Ed25519 keys: never panic.
#![no_main]

use authcore::jwt::{Algorithm, Backend, SigningKey, Verifier, VerifierConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    for backend in Backend::available() {
        for (alg, secret) in [(Algorithm::Hs256, &[7u8; 32][..]), (Algorithm::EdDsa, &[9u8; 32][..])] {
            let key = match alg {
                Algorithm::Hs256 => SigningKey::from_secret(alg, secret, *backend),
                _ => SigningKey::from_raw(alg, secret, *backend),
            };
            let Ok(vk) = key.and_then(|k| k.verifying_key()) else {
                return;
            };
            if let Ok(v) = Verifier::with_key(VerifierConfig::new(&[alg]), vk) {
                let _ = v.verify(token, 1_700_000_000);
            }
        }
    }
    let _ = authcore::jwt::decode_unverified(token);
});
