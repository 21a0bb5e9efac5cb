use serde_json::{json, Value};

use super::*;
use crate::entropy::FixedEntropy;
use crate::jwt::{Issuer, IssuerConfig, SigningKey};

const NOW: i64 = 1_700_000_000;
const URI: &str = "https://idp.example/jwks";

fn issuer(kid: &str, seed: u8) -> Issuer {
    let key = SigningKey::from_raw(Algorithm::EdDsa, &[seed; 32], Backend::Portable)
        .unwrap()
        .with_kid(kid)
        .unwrap();
    Issuer::new(IssuerConfig::default(), key).unwrap()
}

fn token(i: &Issuer, now: i64) -> String {
    i.issue(json!({"sub": "u"}), now, &mut FixedEntropy::new(vec![]))
        .unwrap()
}

fn jwks(issuers: &[&Issuer]) -> String {
    let keys: Vec<Value> = issuers.iter().map(|i| i.jwks().unwrap()["keys"][0].clone()).collect();
    json!({ "keys": keys }).to_string()
}

fn config() -> JwksCacheConfig {
    JwksCacheConfig::new(URI, VerifierConfig::new(&[Algorithm::EdDsa, Algorithm::Es256]))
}

fn cache() -> JwksCache {
    JwksCache::new(config(), Backend::Portable).unwrap()
}

fn ok(body: String) -> HttpResponse {
    HttpResponse::new(200).with_body(body)
}

/// Drives a lookup that must fetch: returns the transmit after checking the `send` action.
fn expect_fetch(cache: &mut JwksCache, token: &str, now: i64) -> TransmitId {
    let JwksVerify::Fetch { transmit } = cache.verify(token, now).unwrap() else {
        panic!("expected a fetch")
    };
    match cache.poll_action() {
        Some(JwksAction::Send { transmit: t, request }) => {
            assert_eq!(t, transmit);
            assert_eq!(request.method, "GET");
            assert_eq!(request.url, URI);
            assert_eq!(request.header("accept"), Some("application/json"));
        }
        other => panic!("expected send, got {other:?}"),
    }
    transmit
}

fn verified(cache: &mut JwksCache, token: &str, now: i64) -> bool {
    matches!(cache.verify(token, now), Ok(JwksVerify::Verified { .. }))
}

#[test]
fn empty_cache_fetches_then_verifies() {
    let a = issuer("a", 1);
    let mut c = cache();
    let t = token(&a, NOW);
    let tx = expect_fetch(&mut c, &t, NOW);
    // A second lookup while in flight waits for the same fetch and sends nothing new.
    assert_eq!(c.verify(&t, NOW).unwrap(), JwksVerify::Fetch { transmit: tx });
    assert_eq!(c.poll_action(), None);
    c.handle_response(tx, ok(jwks(&[&a])), NOW).unwrap();
    assert_eq!(c.actions(), vec![JwksAction::Wait { until: NOW + 600 }]);
    let JwksVerify::Verified { token: v } = c.verify(&t, NOW + 1).unwrap() else {
        panic!()
    };
    assert_eq!(v.claims["sub"], "u");
    assert!(matches!(c.key_for(Some("a"), NOW + 1).unwrap(), JwksLookup::Key { jwk } if jwk["kid"] == "a"));
}

#[test]
fn unknown_kid_fetches_once_per_cooldown() {
    let a = issuer("a", 1);
    let b = issuer("b", 2);
    let mut c = cache();
    let tx = expect_fetch(&mut c, &token(&a, NOW), NOW);
    c.handle_response(tx, ok(jwks(&[&a])), NOW).unwrap();
    let _ = c.actions();
    // The rotated key: inside the cooldown it is unknown, and nothing is fetched.
    let err = c.verify(&token(&b, NOW), NOW + 10).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidToken, Some("kid")));
    assert_eq!(err.detail(), "Unknown key id `b`.");
    assert_eq!(c.poll_action(), None);
    // After the cooldown: exactly one fetch, then it verifies.
    let tx = expect_fetch(&mut c, &token(&b, NOW), NOW + 300);
    c.handle_response(tx, ok(jwks(&[&b])), NOW + 300).unwrap();
    assert!(verified(&mut c, &token(&b, NOW + 300), NOW + 301));
    // The old key is gone from the set; asking for it again is within the cooldown.
    assert_eq!(
        c.verify(&token(&a, NOW + 300), NOW + 302).unwrap_err().code(),
        ErrorCode::InvalidToken
    );
}

#[test]
fn max_age_sets_the_ttl_within_bounds() {
    let a = issuer("a", 1);
    let cases = [
        ("max-age=120", 120),
        ("public, max-age=\"900\"", 900),
        ("max-age=5", 60),
        ("max-age=99999999", 86400),
        ("no-store", 60),
        ("private", 600),
    ];
    for (cc, ttl) in cases {
        let mut c = cache();
        let tx = expect_fetch(&mut c, &token(&a, NOW), NOW);
        c.handle_response(tx, ok(jwks(&[&a])).with_header("Cache-Control", cc), NOW)
            .unwrap();
        assert_eq!(c.status(NOW).expires_at, Some(NOW + ttl), "{cc}");
    }
    let mut c = cache();
    let tx = expect_fetch(&mut c, &token(&a, NOW), NOW);
    let resp = ok(jwks(&[&a]))
        .with_header("cache-control", "max-age=1000")
        .with_header("Age", "100");
    c.handle_response(tx, resp, NOW).unwrap();
    assert_eq!(c.status(NOW).expires_at, Some(NOW + 900));
}

#[test]
fn stale_set_refetches_and_serves_while_fetches_fail() {
    let a = issuer("a", 1);
    let mut c = cache();
    let t = token(&a, NOW);
    let tx = expect_fetch(&mut c, &t, NOW);
    c.handle_response(tx, ok(jwks(&[&a])), NOW).unwrap();
    let _ = c.actions();
    // Stale at NOW + 600: the lookup fetches first.
    let tx = expect_fetch(&mut c, &t, NOW + 600);
    c.handle_response(tx, HttpResponse::new(503), NOW + 600).unwrap();
    let actions = c.actions();
    assert!(matches!(&actions[0], JwksAction::FetchFailed { error } if error.code() == ErrorCode::ServerError));
    assert_eq!(actions[1], JwksAction::Wait { until: NOW + 900 });
    // Within stale_while_error the stale set serves the kid it knows.
    assert!(verified(&mut c, &t, NOW + 601));
    // After the cooldown another fetch; this one fails with garbage.
    let tx = expect_fetch(&mut c, &t, NOW + 900);
    c.handle_response(tx, ok("not json".into()), NOW + 900).unwrap();
    assert_eq!(
        c.status(NOW + 900).last_error.unwrap().code(),
        ErrorCode::InvalidResponse
    );
    let _ = c.actions();
    assert!(verified(&mut c, &t, NOW + 1000));
    // Network error, then past stale_while_error (600 + 3600): a clear error.
    let tx = expect_fetch(&mut c, &t, NOW + 1200);
    c.handle_network_error(tx, NOW + 1200).unwrap();
    let _ = c.actions();
    assert!(verified(&mut c, &t, NOW + 1300));
    assert!(verified(&mut c, &t, NOW + 1400));
    // The cooldown ended at NOW + 1500: the lookup fetches; while that fails past the window, it errors.
    let tx = expect_fetch(&mut c, &t, NOW + 4300);
    c.handle_network_error(tx, NOW + 4300).unwrap();
    let err = c.verify(&t, NOW + 4300).unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::NetworkError, Some("jwks_uri"))
    );
    assert!(err.detail().starts_with("No usable key set"), "{}", err.detail());
}

#[test]
fn unusable_keys_are_skipped_and_an_empty_set_is_refused() {
    let a = issuer("a", 1);
    let mut doc: Value = serde_json::from_str(&jwks(&[&a])).unwrap();
    let keys = doc["keys"].as_array_mut().unwrap();
    keys.push(json!({"kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "enc", "n": "AQAB", "e": "AQAB"}));
    keys.push(json!({"kty": "oct", "alg": "HS256", "kid": "h", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}));
    keys.push(json!({"kty": "XYZ", "kid": "x"}));
    let mut dup = keys[0].clone();
    dup["x"] = json!("AAAA");
    keys.push(dup);
    let mut c = cache();
    let tx = expect_fetch(&mut c, &token(&a, NOW), NOW);
    c.handle_response(tx, ok(doc.to_string()), NOW).unwrap();
    let s = c.status(NOW);
    assert_eq!((s.kids, s.skipped_keys), (vec!["a".to_owned()], 4));

    let mut c = cache();
    let tx = expect_fetch(&mut c, &token(&a, NOW), NOW);
    c.handle_response(tx, ok(r#"{"keys":[{"kty":"XYZ"}]}"#.into()), NOW)
        .unwrap();
    let e = c.status(NOW).last_error.unwrap();
    assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidResponse, Some("keys")));
    // No set and inside the cooldown: the fetch error, naming jwks_uri.
    let e = c.verify(&token(&a, NOW), NOW + 1).unwrap_err();
    assert_eq!(
        (e.code(), e.field_name()),
        (ErrorCode::InvalidResponse, Some("jwks_uri"))
    );
}

#[test]
fn malformed_tokens_never_fetch() {
    let mut c = cache();
    for bad in ["", "a.b", "e30.e30.c2ln", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"] {
        assert!(c.verify(bad, NOW).is_err());
    }
    assert_eq!(c.poll_action(), None);
    assert!(!c.status(NOW).fetching);
}

#[test]
fn timeouts_refresh_in_the_background() {
    let a = issuer("a", 1);
    let mut c = cache();
    c.handle_timeout(NOW); // warm-up
    let Some(JwksAction::Send { transmit, .. }) = c.poll_action() else {
        panic!()
    };
    c.handle_timeout(NOW); // in flight: nothing
    assert_eq!(c.poll_action(), None);
    c.handle_response(transmit, ok(jwks(&[&a])), NOW).unwrap();
    assert_eq!(c.actions(), vec![JwksAction::Wait { until: NOW + 600 }]);
    c.handle_timeout(NOW + 100);
    assert_eq!(c.actions(), vec![JwksAction::Wait { until: NOW + 600 }]);
    c.handle_timeout(NOW + 600);
    assert!(matches!(c.poll_action(), Some(JwksAction::Send { transmit: 2, .. })));
    assert!(c.handle_response(1, ok(jwks(&[&a])), NOW).is_err());
}

#[test]
fn snapshot_round_trips_and_is_checked() {
    let a = issuer("a", 1);
    let mut c = cache();
    let t = token(&a, NOW);
    let tx = expect_fetch(&mut c, &t, NOW);
    c.handle_response(tx, ok(jwks(&[&a])), NOW).unwrap();
    let snap = c.snapshot();
    assert_eq!(snap["version"], 1);
    let mut r = JwksCache::restore(&snap, Backend::Portable).unwrap();
    assert_eq!(r.actions(), vec![JwksAction::Wait { until: NOW + 600 }]);
    assert!(verified(&mut r, &t, NOW + 1));
    assert_eq!(r.snapshot(), snap);
    let with = |k: &str, v: Value| {
        let mut s = snap.clone();
        s[k] = v;
        JwksCache::restore(&s, Backend::Portable).unwrap_err()
    };
    assert_eq!(with("version", json!(2)).code(), ErrorCode::StateVersionUnsupported);
    assert_eq!(with("jwks", json!({"keys": []})).field_name(), Some("jwks"));
    assert_eq!(with("expires_at", Value::Null).field_name(), Some("jwks"));
    assert_eq!(with("next_transmit", json!(0)).field_name(), Some("next_transmit"));
    assert_eq!(with("extra", json!(1)).field_name(), Some("snapshot"));
}

#[test]
fn config_is_checked() {
    let bad = |f: fn(&mut JwksCacheConfig)| {
        let mut c = config();
        f(&mut c);
        JwksCache::new(c, Backend::Portable)
            .unwrap_err()
            .field_name()
            .map(str::to_owned)
    };
    assert_eq!(
        bad(|c| c.jwks_uri = "http://idp.example/jwks".into()).as_deref(),
        Some("jwks_uri")
    );
    assert_eq!(
        bad(|c| c.verifier.algorithms = vec![Algorithm::Hs256]).as_deref(),
        Some("verifier.algorithms")
    );
    assert_eq!(
        bad(|c| c.verifier.algorithms = vec![]).as_deref(),
        Some("verifier.algorithms")
    );
    assert_eq!(
        bad(|c| c.default_alg = Some(Algorithm::Rs256)).as_deref(),
        Some("default_alg")
    );
    assert_eq!(bad(|c| c.min_ttl = 0).as_deref(), Some("min_ttl"));
    assert_eq!(bad(|c| c.max_ttl = 10).as_deref(), Some("max_ttl"));
    assert_eq!(bad(|c| c.default_ttl = 10).as_deref(), Some("default_ttl"));
    assert_eq!(bad(|c| c.cooldown = 0).as_deref(), Some("cooldown"));
    assert_eq!(bad(|c| c.stale_while_error = -1).as_deref(), Some("stale_while_error"));
    let mut c = config();
    c.jwks_uri = "http://127.0.0.1:8080/jwks".into();
    assert!(JwksCache::new(c, Backend::Portable).is_ok());
}
