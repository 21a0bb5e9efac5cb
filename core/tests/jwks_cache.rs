//! Property tests of the remote key-set machine: for any sequence of `kid` sprays, time steps
//! and fetch outcomes (ok, rotated, 500, garbage, network error) it never panics, never has
//! two fetches in flight, never starts two fetches less than one cooldown apart, and a rotated
//! key verifies after exactly one fetch.

use authcore::entropy::FixedEntropy;
use authcore::http::HttpResponse;
use authcore::jwt::{
    Algorithm, Backend, Issuer, IssuerConfig, JwksAction, JwksCache, JwksCacheConfig, JwksVerify, SigningKey,
    VerifierConfig,
};
use proptest::prelude::*;
use serde_json::{json, Value};

const NOW: i64 = 1_700_000_000;
const COOLDOWN: i64 = 300;

fn issuer(kid: &str, seed: u8) -> Issuer {
    let key = SigningKey::from_raw(Algorithm::EdDsa, &[seed; 32], Backend::Portable)
        .and_then(|k| k.with_kid(kid))
        .unwrap();
    Issuer::new(
        IssuerConfig {
            lifetime: 1_000_000,
            ..IssuerConfig::default()
        },
        key,
    )
    .unwrap()
}

fn token(i: &Issuer, kid_override: Option<&str>) -> String {
    let t = i
        .issue(json!({"sub": "u"}), NOW, &mut FixedEntropy::new(vec![]))
        .unwrap();
    match kid_override {
        None => t,
        Some(kid) => {
            // A token naming another kid (the signature will not verify; the lookup is what counts).
            use base64ct::{Base64UrlUnpadded, Encoding};
            let rest = t.split_once('.').unwrap().1;
            let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid}).to_string();
            format!("{}.{rest}", Base64UrlUnpadded::encode_string(header.as_bytes()))
        }
    }
}

fn jwks(i: &Issuer) -> String {
    i.jwks().unwrap().to_string()
}

fn cache() -> JwksCache {
    let mut config = JwksCacheConfig::new("https://idp.example/jwks", VerifierConfig::new(&[Algorithm::EdDsa]));
    config.cooldown = COOLDOWN;
    JwksCache::new(config, Backend::Portable).unwrap()
}

#[derive(Debug, Clone)]
enum Step {
    /// Time passes.
    Wait(u16),
    /// A token with a random kid.
    Spray(u32),
    /// A token of the key the server serves now.
    Current,
    /// A token of the key served before the last rotation.
    Old,
    /// The server rotates to a new key.
    Rotate,
    /// The fetch in flight (if any) gets: 0 ok, 1 500, 2 garbage, 3 network error, 4 404.
    Answer(u8),
    /// The host's timer.
    Timeout,
    /// The machine is snapshotted and restored (a fetch in flight is lost).
    Restore,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0u16..400).prop_map(Step::Wait),
        4 => any::<u32>().prop_map(Step::Spray),
        2 => Just(Step::Current),
        1 => Just(Step::Old),
        1 => Just(Step::Rotate),
        4 => (0u8..5).prop_map(Step::Answer),
        1 => Just(Step::Timeout),
        1 => Just(Step::Restore),
    ]
}

struct World {
    cache: JwksCache,
    now: i64,
    keys: Vec<Issuer>,
    in_flight: Option<u64>,
    starts: Vec<i64>,
    restored_at: Vec<i64>,
}

impl World {
    fn drain(&mut self) {
        for a in self.cache.actions() {
            if let JwksAction::Send { transmit, .. } = a {
                assert!(self.in_flight.is_none(), "two fetches in flight");
                self.in_flight = Some(transmit);
                self.starts.push(self.now);
            }
        }
    }

    fn answer(&mut self, kind: u8) {
        let Some(tx) = self.in_flight.take() else { return };
        let r = match kind {
            0 => self.cache.handle_response(
                tx,
                HttpResponse::new(200).with_body(jwks(self.keys.last().unwrap())),
                self.now,
            ),
            1 => self.cache.handle_response(tx, HttpResponse::new(500), self.now),
            2 => self
                .cache
                .handle_response(tx, HttpResponse::new(200).with_body("{\"keys\": 7"), self.now),
            3 => self.cache.handle_network_error(tx, self.now),
            _ => self
                .cache
                .handle_response(tx, HttpResponse::new(404).with_body("nope"), self.now),
        };
        r.unwrap();
        self.drain();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn at_most_one_fetch_per_cooldown(steps in proptest::collection::vec(step(), 1..80)) {
        let mut w = World { cache: cache(), now: NOW, keys: vec![issuer("k0", 1)], in_flight: None, starts: vec![], restored_at: vec![] };
        for s in steps {
            match s {
                Step::Wait(dt) => w.now += i64::from(dt),
                Step::Spray(n) => { let _ = w.cache.verify(&token(&w.keys[0], Some(&format!("spray-{n}"))), w.now); }
                Step::Current => { let _ = w.cache.verify(&token(w.keys.last().unwrap(), None), w.now); }
                Step::Old => { let t = token(&w.keys[w.keys.len().saturating_sub(2)], None); let _ = w.cache.verify(&t, w.now); }
                Step::Rotate => { let n = w.keys.len(); w.keys.push(issuer(&format!("k{n}"), n as u8 + 1)); }
                Step::Answer(k) => w.answer(k),
                Step::Timeout => w.cache.handle_timeout(w.now),
                Step::Restore => {
                    let snap = w.cache.snapshot();
                    w.cache = JwksCache::restore(&snap, Backend::Portable).unwrap();
                    w.in_flight = None;
                    w.restored_at.push(w.now);
                }
            }
            w.drain();
            let status = w.cache.status(w.now);
            prop_assert_eq!(status.fetching, w.in_flight.is_some());
        }
        // Fetch starts are at least a cooldown apart, except right after a restore that lost
        // a fetch in flight (its end was never recorded).
        for pair in w.starts.windows(2) {
            let restored_between = w.restored_at.iter().any(|r| *r >= pair[0] && *r <= pair[1]);
            prop_assert!(restored_between || pair[1] - pair[0] >= COOLDOWN, "fetches at {} and {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn rotated_key_verifies_after_exactly_one_fetch(prefix in proptest::collection::vec(step(), 0..40)) {
        let mut w = World { cache: cache(), now: NOW, keys: vec![issuer("k0", 1)], in_flight: None, starts: vec![], restored_at: vec![] };
        for s in prefix {
            match s {
                Step::Wait(dt) => w.now += i64::from(dt),
                Step::Spray(n) => { let _ = w.cache.verify(&token(&w.keys[0], Some(&format!("spray-{n}"))), w.now); }
                Step::Current | Step::Old => { let _ = w.cache.verify(&token(w.keys.last().unwrap(), None), w.now); }
                Step::Answer(k) => w.answer(k),
                Step::Timeout => w.cache.handle_timeout(w.now),
                Step::Rotate | Step::Restore => {}
            }
            w.drain();
        }
        // Settle whatever is in flight, let the cooldown pass, then rotate.
        w.answer(3);
        w.now += COOLDOWN;
        let n = w.keys.len();
        w.keys.push(issuer(&format!("k{n}"), 200));
        let fresh = token(w.keys.last().unwrap(), None);
        let before = w.starts.len();
        let first = w.cache.verify(&fresh, w.now).unwrap();
        prop_assert!(matches!(first, JwksVerify::Fetch { .. }), "{:?}", first);
        w.drain();
        prop_assert_eq!(w.starts.len(), before + 1);
        w.answer(0);
        let again = w.cache.verify(&fresh, w.now).unwrap();
        prop_assert!(matches!(again, JwksVerify::Verified { .. }), "{:?}", again);
        prop_assert_eq!(w.starts.len(), before + 1);
        let kid: Value = json!(format!("k{n}"));
        prop_assert_eq!(json!(w.cache.status(w.now).kids[0]), kid);
    }
}
