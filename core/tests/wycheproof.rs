//! Wycheproof signature vectors through the JWS signature path of every crypto backend.
//!
//! `valid` must verify and `invalid` must be refused on every backend; HMAC groups with
//! truncated tags must be refused (a JWS tag is always the full hash length), and HMAC
//! keys shorter than RFC 7518 §3.2 allows must be refused when the key is built. Both
//! backends must agree on every test, `acceptable` ones included.

use std::path::PathBuf;

use authcore::jwt::{Algorithm, Backend, VerifyingKey};
use authcore::ErrorCode;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../conformance/wycheproof")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[derive(Default, Debug)]
struct Tally {
    checked: usize,
    key_refused: usize,
    acceptable_accepted: usize,
    acceptable_refused: usize,
}

fn run(file: &str, alg: Algorithm, key_of: impl Fn(&Value, &Value, Backend) -> Option<VerifyingKey>) -> Tally {
    let data = load(file);
    let mut tally = Tally::default();
    for group in data["testGroups"].as_array().unwrap() {
        let full_tag = group.get("tagSize").and_then(Value::as_u64).map_or(true, |t| {
            t == match alg {
                Algorithm::Hs256 => 256,
                Algorithm::Hs384 => 384,
                _ => 512,
            }
        });
        for test in group["tests"].as_array().unwrap() {
            let id = test["tcId"].as_u64().unwrap();
            let msg = hex(test["msg"].as_str().unwrap());
            let sig = hex(test
                .get("sig")
                .or_else(|| test.get("tag"))
                .and_then(Value::as_str)
                .unwrap());
            let result = test["result"].as_str().unwrap();
            let mut outcomes = Vec::new();
            for &backend in Backend::available() {
                let Some(key) = key_of(group, test, backend) else {
                    tally.key_refused += 1;
                    continue;
                };
                outcomes.push(key.verify_signature(&sig, &msg));
            }
            if outcomes.is_empty() {
                continue;
            }
            assert!(
                outcomes.windows(2).all(|w| w[0] == w[1]),
                "{file} tc {id}: backends disagree {outcomes:?}"
            );
            let ok = outcomes[0];
            let expected_ok = match result {
                "valid" => Some(full_tag),
                "invalid" => Some(false),
                _ => None,
            };
            match expected_ok {
                Some(want) => assert_eq!(ok, want, "{file} tc {id} ({result}): {}", test["comment"]),
                None if ok => tally.acceptable_accepted += 1,
                None => tally.acceptable_refused += 1,
            }
            tally.checked += 1;
        }
    }
    eprintln!("{file}: {tally:?}");
    tally
}

fn hmac(file: &str, alg: Algorithm, min_key_bytes: usize) {
    let tally = run(file, alg, |_, test, backend| {
        let key = hex(test["key"].as_str().unwrap());
        match VerifyingKey::from_secret(alg, &key, backend) {
            Ok(k) => Some(k),
            Err(e) => {
                assert!(key.len() < min_key_bytes, "a {}-byte key was refused: {e}", key.len());
                assert_eq!(e.code(), ErrorCode::InvalidKey);
                None
            }
        }
    });
    assert!(tally.checked > 50, "{tally:?}");
}

#[test]
fn hmac_sha256() {
    hmac("hmac_sha256_test.json", Algorithm::Hs256, 32);
}

#[test]
fn hmac_sha384() {
    hmac("hmac_sha384_test.json", Algorithm::Hs384, 48);
}

#[test]
fn hmac_sha512() {
    hmac("hmac_sha512_test.json", Algorithm::Hs512, 64);
}

fn pem_key(alg: Algorithm) -> impl Fn(&Value, &Value, Backend) -> Option<VerifyingKey> {
    move |group, _, backend| {
        Some(VerifyingKey::from_pem(alg, group["publicKeyPem"].as_str().unwrap(), backend).unwrap())
    }
}

#[test]
fn ecdsa_p256_p1363() {
    let t = run(
        "ecdsa_secp256r1_sha256_p1363_test.json",
        Algorithm::Es256,
        pem_key(Algorithm::Es256),
    );
    assert_eq!(t.checked, 262);
}

#[test]
fn ecdsa_p256_raw_and_jwk_keys_agree_with_pem() {
    let data = load("ecdsa_secp256r1_sha256_p1363_test.json");
    let group = &data["testGroups"][0];
    let raw = hex(group["publicKey"]["uncompressed"].as_str().unwrap());
    for &backend in Backend::available() {
        let a = VerifyingKey::from_raw(Algorithm::Es256, &raw, backend).unwrap();
        let b = VerifyingKey::from_jwk(&group["publicKeyJwk"], Some(Algorithm::Es256), backend).unwrap();
        let c = VerifyingKey::from_pem(Algorithm::Es256, group["publicKeyPem"].as_str().unwrap(), backend).unwrap();
        let mut ja = a.to_jwk().unwrap();
        ja.as_object_mut().unwrap().remove("kid");
        let mut jb = b.to_jwk().unwrap();
        jb.as_object_mut().unwrap().remove("kid");
        assert_eq!(ja, jb);
        assert_eq!(ja, c.to_jwk().unwrap());
    }
}

#[test]
fn ed25519() {
    let t = run("ed25519_test.json", Algorithm::EdDsa, |group, _, backend| {
        let pk = hex(group["publicKey"]["pk"].as_str().unwrap());
        Some(VerifyingKey::from_raw(Algorithm::EdDsa, &pk, backend).unwrap())
    });
    assert_eq!(t.checked, 151);
}

#[test]
fn rsa_pkcs1_2048_sha256() {
    let t = run(
        "rsa_signature_2048_sha256_test.json",
        Algorithm::Rs256,
        pem_key(Algorithm::Rs256),
    );
    assert_eq!(t.checked, 259);
    // Every `acceptable` case here is refused by both backends (documented in the README).
    assert_eq!(t.acceptable_accepted, 0, "{t:?}");
}

#[test]
fn rsa_pss_2048_sha256() {
    let t = run(
        "rsa_pss_2048_sha256_mgf1_32_test.json",
        Algorithm::Ps256,
        |group, _, backend| {
            Some(VerifyingKey::from_jwk(&group["publicKeyJwk"], Some(Algorithm::Ps256), backend).unwrap())
        },
    );
    assert_eq!(t.checked, 108);
}
