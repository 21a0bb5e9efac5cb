// tests

use super::VerifierConfig;
use crate::error::decode_json;
use serde_json::json;

#[test]
fn audience_is_one_string_or_a_list() {
    let one: VerifierConfig = decode_json(json!({"algorithms": ["HS256"], "audience": "api"})).unwrap();
    assert_eq!(one.audience, Some(vec!["api".to_owned()]));
    let many: VerifierConfig = decode_json(json!({"algorithms": ["HS256"], "audience": ["a", "b"]})).unwrap();
    assert_eq!(many.audience, Some(vec!["a".to_owned(), "b".to_owned()]));
    let none: VerifierConfig = decode_json(json!({"algorithms": ["HS256"], "audience": null})).unwrap();
    assert_eq!(none.audience, None);
    let absent: VerifierConfig = decode_json(json!({"algorithms": ["HS256"]})).unwrap();
    assert_eq!(absent.audience, None);
    let err = decode_json::<VerifierConfig>(json!({"algorithms": ["HS256"], "audience": 7})).unwrap_err();
    assert_eq!(err.path(), "audience");
    assert!(
        err.detail().contains("a string or a list of strings"),
        "{}",
        err.detail()
    );
    assert!(err.is_wrong_type());
    let err = decode_json::<VerifierConfig>(json!({"algorithms": ["HS256"], "audience": ["a", 1]})).unwrap_err();
    assert_eq!(err.path(), "audience[1]");
    // Serialised as a list, so a config round-trips.
    assert_eq!(serde_json::to_value(&one).unwrap()["audience"], json!(["api"]));
}

mod jwks {
    use serde_json::{json, Value};

    use crate::entropy::OsEntropy;
    use crate::jwt::{
        Algorithm, Backend, Issuer, IssuerConfig, KeySet, SigningKey, SkipReason, Verifier, VerifierConfig,
        VerifierSpec, VerifyingKey,
    };

    const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const RSA_PUB: &str = include_str!("../../../conformance/keys/rsa2048.pub.pem");

    fn rsa_jwk_without_alg() -> Value {
        let key = VerifyingKey::from_pem(Algorithm::Rs256, RSA_PUB, Backend::Portable).unwrap();
        let mut jwk = key.to_jwk().unwrap();
        jwk.as_object_mut().unwrap().remove("alg");
        jwk["kid"] = "rsa".into();
        jwk
    }

    fn ed() -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": "ed"})
    }

    #[test]
    fn unusable_entries_are_skipped_and_reported() {
        for backend in Backend::available() {
            let jwks = json!({"keys": [
                ed(),
                {"kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "enc", "n": "AQAB", "e": "AQAB"},
                {"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"},
                {"kty": "EC", "alg": "ES384", "kid": "es384"},
                {"kty": "XYZ", "kid": "odd"},
                {"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": "wrap", "key_ops": ["wrapKey"]},
                {"kty": "EC", "crv": "P-256", "x": ED_X, "y": ED_X, "kid": "off-curve"},
                rsa_jwk_without_alg(),
                "not an object",
            ]});
            let set = KeySet::from_jwks(&jwks, None, *backend).unwrap();
            assert_eq!(set.len(), 1);
            assert_eq!(set.keys()[0].algorithm(), Algorithm::EdDsa);
            let reasons: Vec<(usize, Option<&str>, SkipReason)> = set
                .skipped()
                .iter()
                .map(|s| (s.index, s.kid.as_deref(), s.reason_code))
                .collect();
            assert_eq!(
                reasons,
                vec![
                    (1, Some("enc"), SkipReason::NotForSignature),
                    (2, Some("p384"), SkipReason::UnsupportedKeyType),
                    (3, Some("es384"), SkipReason::UnsupportedAlg),
                    (4, Some("odd"), SkipReason::UnsupportedKeyType),
                    (5, Some("wrap"), SkipReason::NotForSignature),
                    (6, Some("off-curve"), SkipReason::Malformed),
                    (7, Some("rsa"), SkipReason::AlgRequired),
                    (8, None, SkipReason::Malformed),
                ]
            );
            assert!(
                set.skipped()[6].detail.contains("RS256 or PS256"),
                "{}",
                set.skipped()[6].detail
            );
            let report = serde_json::to_value(set.report()).unwrap();
            assert_eq!(report["skipped"][0]["reason_code"], "not_for_signature");
            assert_eq!(report["keys"][0]["alg"], "EdDSA");
        }
    }

    #[test]
    fn no_usable_key_is_an_error_naming_each_reason() {
        let jwks = json!({"keys": [rsa_jwk_without_alg(), {"kty": "RSA", "use": "enc", "kid": "e"}]});
        let err = KeySet::from_jwks(&jwks, None, Backend::Portable).unwrap_err();
        assert_eq!(err.code().as_str(), "invalid_key");
        assert_eq!(err.field_name(), Some("keys"));
        assert!(err.detail().contains("keys[0] (kid `rsa`)"), "{}", err.detail());
        assert!(err.detail().contains("give `default_alg`"), "{}", err.detail());
        assert!(err.detail().contains("keys[1] (kid `e`)"), "{}", err.detail());
        // An empty array is an empty set; the verifier refuses it.
        assert!(KeySet::from_jwks(&json!({"keys": []}), None, Backend::Portable)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn default_alg_applies_only_where_it_fits() {
        let mut k1 = SigningKey::from_raw(Algorithm::Es256k, &[3; 32], Backend::Portable)
            .unwrap()
            .verifying_key()
            .unwrap()
            .to_jwk()
            .unwrap();
        k1.as_object_mut().unwrap().remove("alg");
        let jwks = json!({"keys": [ed(), rsa_jwk_without_alg(), k1]});
        let set = KeySet::from_jwks(&jwks, Some(Algorithm::Ps256), Backend::Portable).unwrap();
        let algs: Vec<Algorithm> = set.keys().iter().map(VerifyingKey::algorithm).collect();
        assert_eq!(algs, vec![Algorithm::EdDsa, Algorithm::Ps256, Algorithm::Es256k]);
        assert!(set.skipped().is_empty());
    }

    #[test]
    fn keys_outside_the_allow_list_are_skipped_by_the_verifier() {
        let spec: VerifierSpec = serde_json::from_value(json!({
            "config": {"algorithms": ["RS256"]},
            "jwks": {"keys": [ed(), rsa_jwk_without_alg()]},
            "default_alg": "RS256",
        }))
        .unwrap();
        let v = Verifier::from_spec(spec, Backend::Portable).unwrap();
        assert_eq!(v.keys().len(), 1);
        assert_eq!(v.skipped_keys()[0].reason_code, SkipReason::AlgNotAllowed);
        assert_eq!(v.skipped_keys()[0].kid.as_deref(), Some("ed"));
    }

    fn ed_signer(kid: Option<&str>) -> SigningKey {
        let k = SigningKey::from_raw(Algorithm::EdDsa, &[7; 32], Backend::Portable).unwrap();
        match kid {
            Some(kid) => k.with_kid(kid).unwrap(),
            None => k,
        }
    }

    #[test]
    fn single_unnamed_key_matches_any_kid_only_when_asked() {
        let issuer = Issuer::new(IssuerConfig::default(), ed_signer(Some("rotated-7"))).unwrap();
        let token = issuer
            .issue(json!({"sub": "u"}), 1_700_000_000, &mut OsEntropy)
            .unwrap();
        let public = ed_signer(None).verifying_key().unwrap();
        let strict = Verifier::with_key(VerifierConfig::new(&[Algorithm::EdDsa]), public).unwrap();
        let err = strict.verify(&token, 1_700_000_001).unwrap_err();
        assert_eq!((err.code().as_str(), err.field_name()), ("invalid_token", Some("kid")));
        let mut cfg = VerifierConfig::new(&[Algorithm::EdDsa]);
        cfg.unnamed_single_key_matches_any_kid = true;
        let lenient = Verifier::with_key(cfg.clone(), ed_signer(None).verifying_key().unwrap()).unwrap();
        assert_eq!(lenient.verify(&token, 1_700_000_001).unwrap().subject(), Some("u"));
        // A named key is never used for another kid, setting or not.
        let named = Verifier::with_key(cfg, ed_signer(Some("other")).verifying_key().unwrap()).unwrap();
        assert!(named.verify(&token, 1_700_000_001).is_err());
    }

    #[test]
    fn ed25519_is_an_alias_of_eddsa() {
        assert_eq!(Algorithm::from_name("Ed25519"), Some(Algorithm::EdDsa));
        let cfg: VerifierConfig = serde_json::from_value(json!({"algorithms": ["Ed25519"]})).unwrap();
        assert_eq!(cfg.algorithms, vec![Algorithm::EdDsa]);
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "alg": "Ed25519", "x": ED_X});
        assert_eq!(
            VerifyingKey::from_jwk(&jwk, None, Backend::Portable)
                .unwrap()
                .algorithm(),
            Algorithm::EdDsa
        );
        // An Ed25519-bound key never takes a token of another family.
        let bad = json!({"kty": "OKP", "crv": "Ed25519", "alg": "Ed25519", "x": ED_X});
        assert!(VerifyingKey::from_jwk(&bad, Some(Algorithm::Es256), Backend::Portable).is_err());
    }

    #[test]
    fn es256k_signs_and_verifies_across_backends() {
        let scalar = [0x11u8; 32];
        let mut tokens = Vec::new();
        for backend in Backend::available() {
            let key = SigningKey::from_raw(Algorithm::Es256k, &scalar, *backend).unwrap();
            let issuer = Issuer::new(IssuerConfig::default(), key).unwrap();
            tokens.push(
                issuer
                    .issue(json!({"sub": "k"}), 1_700_000_000, &mut OsEntropy)
                    .unwrap(),
            );
        }
        let jwk = SigningKey::from_raw(Algorithm::Es256k, &scalar, Backend::Portable)
            .unwrap()
            .verifying_key()
            .unwrap()
            .to_jwk()
            .unwrap();
        assert_eq!(
            (jwk["kty"].as_str(), jwk["crv"].as_str()),
            (Some("EC"), Some("secp256k1"))
        );
        for backend in Backend::available() {
            let vk = VerifyingKey::from_jwk(&jwk, None, *backend).unwrap();
            assert_eq!(vk.algorithm(), Algorithm::Es256k);
            let v = Verifier::with_key(VerifierConfig::new(&[Algorithm::Es256k]), vk).unwrap();
            for t in &tokens {
                assert_eq!(v.verify(t, 1_700_000_001).unwrap().alg, Algorithm::Es256k);
            }
            // Not an ES256 key: same JWK shape, other curve.
            assert!(VerifyingKey::from_jwk(&jwk, Some(Algorithm::Es256), *backend).is_err());
        }
    }
}

#[test]
fn token_segments_decode_as_strict_base64url() {
    use super::b64url_decode_public as decode;
    use base64ct::{Base64UrlUnpadded, Encoding};
    // Every length and every byte value round-trips, and agrees with the constant-time decoder.
    let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
    for len in 0..data.len() {
        let text = Base64UrlUnpadded::encode_string(&data[..len]);
        assert_eq!(decode(text.as_bytes()).as_deref(), Some(&data[..len]), "length {len}");
    }
    // Refused: padding, the standard alphabet, whitespace, other bytes, a length of 4n+1,
    // and non-zero unused trailing bits; the constant-time decoder refuses the same texts.
    for bad in [
        "QQ==", "QUI=", "a+b/", "ab+/", "YW Jj", "YWJj\n", "YW\0j", "YWJjZ", "A", "QR", "QUJ", "QUJDRA=", "Zm9v.",
        "\u{e9}",
    ] {
        assert_eq!(decode(bad.as_bytes()), None, "{bad:?}");
        assert!(Base64UrlUnpadded::decode_vec(bad).is_err(), "{bad:?}");
    }
    assert_eq!(decode(b"QQ").as_deref(), Some(&b"A"[..]));
    assert_eq!(decode(b"QUI").as_deref(), Some(&b"AB"[..]));
    assert_eq!(decode(b"-_8").as_deref(), Some(&[0xfb, 0xff][..]));
}

#[test]
fn token_segments_encode_as_base64url_agreeing_with_base64ct() {
    use base64ct::{Base64UrlUnpadded, Encoding};
    let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
    for len in 0..data.len() {
        let mut out = b"prefix.".to_vec();
        super::push_b64(&mut out, &data[..len]).unwrap();
        let want = format!("prefix.{}", Base64UrlUnpadded::encode_string(&data[..len]));
        assert_eq!(out, want.as_bytes(), "length {len}");
    }
}

#[test]
fn issued_claims_are_ordered_by_name_with_the_issuer_claims_merged_in() {
    use super::{Algorithm, Backend, Issuer, IssuerConfig, SigningKey};
    use crate::entropy::FixedEntropy;
    let key = SigningKey::from_secret(Algorithm::Hs256, &[7u8; 32], Backend::default()).unwrap();
    let issuer = Issuer::new(
        IssuerConfig {
            issuer: Some("https://i.example".into()),
            audience: Some("api".into()),
            jti: true,
            lifetime: 60,
            ..IssuerConfig::default()
        },
        key,
    )
    .unwrap();
    let mut entropy = FixedEntropy::new(vec![0u8; 16]);
    let token = issuer
        .issue(
            json!({"zz": 1, "a": "x\"y", "email": "e", "ab": [1, {"k": null}], "it": true}),
            1_000,
            &mut entropy,
        )
        .unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let text = String::from_utf8(super::b64url_decode_public(payload.as_bytes()).unwrap()).unwrap();
    assert_eq!(
        text,
        r#"{"a":"x\"y","ab":[1,{"k":null}],"aud":"api","email":"e","exp":1060,"iat":1000,"iss":"https://i.example","it":true,"jti":"AAAAAAAAAAAAAAAAAAAAAA","zz":1}"#
    );
}

#[test]
fn header_members_are_picked_with_the_strict_parser_answers() {
    use crate::json::{parse_object, parse_object_picking};
    let names = ["alg", "kid", "typ"];
    let picked = parse_object_picking(br#"{"typ":"JWT","x":{"y":[1]},"alg":"HS256"}"#, &names).unwrap();
    assert_eq!(picked, [Some(json!("HS256")), None, Some(json!("JWT"))]);
    // Escaped names are names too.
    let picked = parse_object_picking(br#"{"\u0061lg":"HS256"}"#, &names).unwrap();
    assert_eq!(picked[0], Some(json!("HS256")));
    // The same errors as the map parser: duplicates (picked or not, escaped or not, at any
    // depth), text that is not an object, bad JSON, trailing data.
    for text in [
        r#"{"alg":"HS256","alg":"none"}"#,
        r#"{"alg":"HS256","\u0061lg":"none"}"#,
        r#"{"x":1,"x":2,"alg":"HS256"}"#,
        r#"{"alg":"HS256","x":{"y":1,"y":2}}"#,
        r#"{"alg":"HS256","x":[{"y":1,"y":2}]}"#,
        r#"[{"y":1,"y":2}]"#,
        r#"["alg"]"#,
        r#""alg""#,
        "null",
        "7",
        r#"{"alg":"HS256"} {}"#,
        r#"{"alg":"HS256""#,
        "",
    ] {
        let want = parse_object(text.as_bytes()).unwrap_err();
        let got = parse_object_picking(text.as_bytes(), &names).unwrap_err();
        assert_eq!(got, want, "{text}");
    }
}
