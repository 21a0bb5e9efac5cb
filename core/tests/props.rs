//! Property tests: for any sequence of inputs the request driver never panics, never has two
//! refreshes in flight, and settles every request exactly once; parsers never panic.

use std::collections::{BTreeMap, BTreeSet};

use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::{Algorithm, Verifier, VerifierConfig, VerifyingKey};
use authcore::tokens::{Action, ClientConfig, RequestDriver, StoredTokens, TokenSet};
use proptest::prelude::*;

const NOW: i64 = 1_700_000_000;
const TOKEN_URL: &str = "https://auth.example/token";
const FOREIGN_URL: &str = "https://evil.example/x";

#[derive(Debug, Clone)]
enum Input {
    Send {
        dt: u16,
        foreign: bool,
    },
    Respond {
        pick: u8,
        status: u16,
        body: u8,
        date: bool,
    },
    NetworkError {
        pick: u8,
    },
    Loaded {
        newer: bool,
    },
    SaveConflict {
        generation: u8,
    },
    Identity {
        some: bool,
    },
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        3 => (any::<u16>(), any::<u8>()).prop_map(|(dt, f)| Input::Send { dt, foreign: f % 4 == 0 }),
        5 => (any::<u8>(), prop_oneof![Just(200u16), Just(401), Just(402), Just(400), Just(500), Just(204)], any::<u8>(), any::<bool>())
            .prop_map(|(pick, status, body, date)| Input::Respond { pick, status, body, date }),
        1 => any::<u8>().prop_map(|pick| Input::NetworkError { pick }),
        1 => any::<bool>().prop_map(|newer| Input::Loaded { newer }),
        1 => any::<u8>().prop_map(|generation| Input::SaveConflict { generation }),
        1 => any::<bool>().prop_map(|some| Input::Identity { some }),
    ]
}

fn tokens(at: &str, expires_in: i64) -> TokenSet {
    TokenSet::from_token_response(
        &format!(
            r#"{{"access_token":"{at}","refresh_token":"rt-{at}","token_type":"Bearer","expires_in":{expires_in}}}"#
        ),
        NOW,
    )
    .unwrap()
}

const BODIES: &[&str] = &[
    r#"{"access_token":"at-n","refresh_token":"rt-n","token_type":"Bearer","expires_in":3600}"#,
    r#"{"access_token":"at-m","token_type":"Bearer"}"#,
    r#"{"error":"invalid_grant"}"#,
    "not json",
    r#"{"detail":"Active subscription required.","code":"subscription_required"}"#,
    "",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn driver_invariants(shared in any::<bool>(), lifetime in 1i64..7200, inputs in proptest::collection::vec(input(), 1..80)) {
        let mut config = ClientConfig::new(TOKEN_URL);
        config.shared_store = shared;
        config.api_origins = vec!["https://api.example".to_owned()];
        let mut d = RequestDriver::new(config, Some(tokens("at-0", lifetime)), 0).unwrap();
        let mut now = NOW;
        let mut in_flight: BTreeMap<u64, bool> = BTreeMap::new(); // transmit -> is refresh
        let mut open: BTreeSet<u64> = BTreeSet::new();
        let mut settled: BTreeSet<u64> = BTreeSet::new();
        let mut loading = false;
        for inp in inputs {
            let r = match inp {
                Input::Send { dt, foreign } => {
                    now += i64::from(dt % 900);
                    let url = if foreign { FOREIGN_URL } else { "https://api.example/x" };
                    let id = d.send(HttpRequest::new("GET", url), now);
                    prop_assert!(open.insert(id), "request ids are unique");
                    Ok(())
                }
                Input::Respond { pick, status, body, date } => {
                    let Some(&t) = in_flight.keys().nth(usize::from(pick) % in_flight.len().max(1)) else { continue };
                    in_flight.remove(&t);
                    let mut resp = HttpResponse::new(status).with_body(BODIES[usize::from(body) % BODIES.len()]);
                    if date {
                        resp = resp.with_header("Date", "Tue, 14 Nov 2023 22:13:20 GMT");
                    }
                    d.handle_response(t, resp, now)
                }
                Input::NetworkError { pick } => {
                    let Some(&t) = in_flight.keys().nth(usize::from(pick) % in_flight.len().max(1)) else { continue };
                    in_flight.remove(&t);
                    d.handle_network_error(t, now)
                }
                Input::Loaded { newer } => {
                    let stored = newer.then(|| StoredTokens::new(tokens("at-other", 3600), d.generation() + 1, 0));
                    let r = d.handle_loaded(stored, now);
                    prop_assert_eq!(r.is_ok(), loading, "a load answer is accepted exactly when one was asked for");
                    loading = false;
                    r
                }
                Input::SaveConflict { generation } => {
                    d.handle_save_conflict(StoredTokens::new(tokens("at-x", 3600), u64::from(generation), 0))
                }
                Input::Identity { some } => {
                    d.set_identity(some.then(|| "11111111-1111-4111-8111-111111111111".to_owned()))
                }
            };
            let _ = r;
            while let Some(a) = d.poll_action() {
                match a {
                    Action::Send { transmit, request, .. } => {
                        let refresh = request.url == TOKEN_URL;
                        prop_assert!(in_flight.insert(transmit, refresh).is_none(), "transmit ids are unique");
                        prop_assert!(in_flight.values().filter(|r| **r).count() <= 1, "one refresh in flight at most");
                        if request.url == FOREIGN_URL {
                            prop_assert!(request.headers.is_empty(), "nothing is added for another origin");
                        } else if !refresh {
                            prop_assert!(request.header("Authorization").is_some_and(|h| h.starts_with("Bearer ")));
                        }
                    }
                    Action::LoadTokens => {
                        prop_assert!(shared, "loads only with a shared store");
                        loading = true;
                    }
                    Action::SaveTokens { generation, expected_generation, stored } => {
                        prop_assert_eq!(stored.generation, generation);
                        prop_assert!(generation > expected_generation);
                    }
                    Action::Reauthenticate { .. } | Action::SignedOut {} | Action::ClearTokens { .. } => {}
                    Action::Complete { request_id: request, .. } | Action::Failed { request_id: request, .. } => {
                        prop_assert!(open.remove(&request), "request {} settled once and only if open", request);
                        prop_assert!(settled.insert(request));
                    }
                }
            }
        }
        // Liveness: once the host answers everything, every request settles.
        for _ in 0..64 {
            while let Some(a) = d.poll_action() {
                match a {
                    Action::Send { transmit, request, .. } => {
                        in_flight.insert(transmit, request.url == TOKEN_URL);
                    }
                    Action::LoadTokens => loading = true,
                    Action::Complete { request_id: request, .. } | Action::Failed { request_id: request, .. } => {
                        prop_assert!(open.remove(&request));
                    }
                    Action::SaveTokens { .. }
                    | Action::Reauthenticate { .. }
                    | Action::SignedOut {}
                    | Action::ClearTokens { .. } => {}
                }
            }
            if loading {
                d.handle_loaded(None, now).unwrap();
                loading = false;
                continue;
            }
            let Some((&t, &refresh)) = in_flight.iter().next() else { break };
            in_flight.remove(&t);
            let body = if refresh { BODIES[0] } else { "{}" };
            d.handle_response(t, HttpResponse::new(200).with_body(body), now).unwrap();
        }
        prop_assert!(open.is_empty(), "unsettled requests: {:?}", open);
    }

    #[test]
    fn token_parsing_never_panics(body in ".{0,200}", now in any::<i64>()) {
        let _ = TokenSet::from_token_response(&body, now);
        let _ = StoredTokens::from_json(&body);
    }

    #[test]
    fn token_json_shapes_never_panic(
        at in proptest::option::of(".{0,10}"),
        exp in prop_oneof![Just(serde_json::json!(null)), any::<i64>().prop_map(serde_json::Value::from), any::<f64>().prop_map(serde_json::Value::from), Just(serde_json::json!("60"))],
        now in any::<i64>(),
    ) {
        let body = serde_json::json!({"access_token": at, "token_type": "Bearer", "expires_in": exp}).to_string();
        if let Ok(t) = TokenSet::from_token_response(&body, now) {
            let expires_at = t.expires_at.unwrap_or(i64::MAX);
            prop_assert!(expires_at >= now.min(expires_at));
            let _ = t.freshness(now, 300);
        }
    }

    #[test]
    fn jwt_verify_never_panics(token in "[A-Za-z0-9_.=-]{0,300}", now in any::<i64>()) {
        let key = VerifyingKey::from_secret(Algorithm::Hs256, &[7u8; 32], Default::default()).unwrap();
        let v = Verifier::with_key(VerifierConfig::new(&[Algorithm::Hs256]), key).unwrap();
        let _ = v.verify(&token, now);
    }
}

mod jwt_props {
    use authcore::entropy::OsEntropy;
    use authcore::jwt::{Algorithm, Backend, Issuer, IssuerConfig, KeySpec, SigningKey, Verifier, VerifierConfig};
    use proptest::prelude::*;

    const NOW: i64 = 1_700_000_000;

    fn key(alg: Algorithm) -> KeySpec {
        let pem = |f: &str| {
            std::fs::read_to_string(format!("{}/../conformance/keys/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
        };
        let mut spec = KeySpec {
            alg: Some(alg),
            ..Default::default()
        };
        match alg {
            Algorithm::Hs256 | Algorithm::Hs384 | Algorithm::Hs512 => spec.secret = Some("s".repeat(64)),
            Algorithm::EdDsa => spec.pem = Some(pem("ed25519.pem")),
            Algorithm::Es256 => spec.pem = Some(pem("p256.pem")),
            _ => spec.pem = Some(pem("rsa2048.pem")),
        }
        spec
    }

    fn alg() -> impl Strategy<Value = Algorithm> {
        prop_oneof![
            Just(Algorithm::Hs256),
            Just(Algorithm::Hs384),
            Just(Algorithm::Hs512),
            Just(Algorithm::EdDsa),
            Just(Algorithm::Es256),
            Just(Algorithm::Rs256),
            Just(Algorithm::Ps256),
        ]
    }

    fn backend() -> impl Strategy<Value = Backend> {
        prop_oneof![Just(Backend::Native), Just(Backend::Portable)]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// Any backend's token verifies on any backend; any one-byte change is refused.
        #[test]
        fn sign_verify_round_trip_and_any_mutation_fails(
            alg in alg(), sign_with in backend(), verify_with in backend(),
            sub in "[a-zA-Z0-9 é]{0,20}", n in any::<i64>(), pos in any::<usize>(), flip in 1u8..=255,
        ) {
            let spec = key(alg);
            let sk = SigningKey::from_spec(&spec, sign_with).unwrap();
            let vk = SigningKey::from_spec(&spec, verify_with).unwrap().verifying_key().unwrap();
            let issuer = Issuer::new(IssuerConfig::default(), sk).unwrap();
            let verifier = Verifier::with_key(VerifierConfig::new(&[alg]), vk).unwrap();
            let token = issuer.issue(serde_json::json!({"sub": sub, "n": n}), NOW, &mut OsEntropy).unwrap();
            let v = verifier.verify(&token, NOW).unwrap();
            prop_assert_eq!(v.claims()["sub"].as_str(), Some(sub.as_str()));
            prop_assert_eq!(v.claims()["n"].as_i64(), Some(n));
            let mut bytes = token.into_bytes();
            let i = pos % bytes.len();
            bytes[i] ^= flip;
            let mutated = String::from_utf8_lossy(&bytes).into_owned();
            prop_assert!(verifier.verify(&mutated, NOW).is_err(), "byte {} changed and still verified", i);
        }
    }
}

mod refresh_props {
    use authcore::entropy::OsEntropy;
    use authcore::refresh::{RefreshConfig, RefreshRecord, RefreshTokens, Rotation};
    use proptest::prelude::*;

    proptest! {
        /// After any number of rotations, presenting any earlier token always reports reuse of
        /// the one family; the newest token always rotates.
        #[test]
        fn reuse_always_revokes_the_family(rotations in 1usize..12, replay in any::<usize>()) {
            let rt = RefreshTokens::new(RefreshConfig::default()).unwrap();
            let first = rt.issue("u", None, None, 0, &mut OsEntropy).unwrap();
            let family = first.record.family_id.clone();
            let mut history: Vec<(String, RefreshRecord)> = Vec::new();
            let (mut token, mut record) = (first.refresh_token.expose().to_owned(), first.record);
            for i in 0..rotations {
                let Rotation::Rotated { previous, issued } = rt.rotate(Some(&record), &token, None, 10 + i as i64, &mut OsEntropy).unwrap() else {
                    return Err(TestCaseError::fail("an active token must rotate"));
                };
                history.push((token, previous));
                token = issued.refresh_token.expose().to_owned();
                record = issued.record;
                prop_assert_eq!(&record.family_id, &family);
            }
            let (old, old_record) = &history[replay % history.len()];
            match rt.rotate(Some(old_record), old, None, 100, &mut OsEntropy).unwrap() {
                Rotation::Reuse { family_id, error } => {
                    prop_assert_eq!(family_id, family);
                    prop_assert_eq!(error.code(), authcore::ErrorCode::InvalidGrant);
                }
                Rotation::Rotated { .. } => return Err(TestCaseError::fail("a rotated token rotated again")),
            }
        }
    }
}

mod target_props {
    use authcore::target::{RequestTarget, TargetForm};
    use proptest::prelude::*;

    /// Targets built from the characters that matter: separators, dots, escapes, controls.
    fn target() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("/".to_owned()),
            Just(".".to_owned()),
            Just("..".to_owned()),
            Just("%2e".to_owned()),
            Just("%2F".to_owned()),
            Just("%5c".to_owned()),
            Just("%41".to_owned()),
            Just("%".to_owned()),
            Just("?".to_owned()),
            Just("#".to_owned()),
            Just(";".to_owned()),
            Just("\\".to_owned()),
            Just("://".to_owned()),
            Just("http://h".to_owned()),
            "[a-z]{1,3}",
            "[ -~]",
            ".",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn accepted_origin_form_paths_are_what_browsers_parse(t in target()) {
            if let Ok(p) = RequestTarget::parse(&t, false) {
                if p.form() == TargetForm::Origin {
                    let url = url::Url::parse(&format!("http://h{t}")).unwrap();
                    prop_assert_eq!(url.path(), p.path());
                }
                prop_assert!(p.segments().iter().all(|s| !s.is_empty() && s != "." && s != ".."));
            }
        }

        #[test]
        fn normalising_is_idempotent(t in target()) {
            if let Ok(p) = RequestTarget::parse(&t, true) {
                let again = RequestTarget::parse(p.path(), true).unwrap();
                prop_assert_eq!(again.path(), p.path());
                prop_assert!(!p.path().contains("//"));
            }
        }
    }
}

mod signin_props {
    use authcore::entropy::OsEntropy;
    use authcore::oauth::s256_challenge;
    use authcore::signin::{
        DesktopCode, DesktopRedeem, DesktopSignIn, DesktopSignInConfig, MagicLinkConfig, MagicLinks,
    };
    use proptest::prelude::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const WRONG: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
        /// Whatever sequence of redeem attempts (right or wrong verifier, redirect URI, time),
        /// storing each returned record: a code yields a user at most once, and never after a
        /// burn or after its expiry.
        #[test]
        fn a_desktop_code_is_redeemed_at_most_once(attempts in proptest::collection::vec((0u8..4, 0i64..200), 1..12)) {
            let d = DesktopSignIn::new(DesktopSignInConfig {
                redirect_uris: vec!["reeve://callback".into()],
                ..Default::default()
            }).unwrap();
            let issued = d.issue("u", None, &s256_challenge(VERIFIER), "reeve://callback", None, 0, &mut OsEntropy).unwrap();
            let code = issued.code.expose().to_owned();
            let mut stored: DesktopCode = issued.record;
            let (mut redeemed, mut burned) = (0, false);
            for (kind, at) in attempts {
                let (verifier, redirect) = match kind {
                    0 => (VERIFIER, "reeve://callback"),
                    1 => (WRONG, "reeve://callback"),
                    2 => (VERIFIER, "reeve://other"),
                    _ => (VERIFIER, "reeve://callback"),
                };
                match d.redeem(Some(&stored), &code, verifier, redirect, at) {
                    Ok(DesktopRedeem::Redeemed { record, .. }) => {
                        prop_assert!(!burned && at < 120);
                        redeemed += 1;
                        stored = record;
                    }
                    Ok(DesktopRedeem::Burned { record, .. }) => {
                        prop_assert!(kind == 1 || kind == 2);
                        burned = true;
                        stored = record;
                    }
                    Err(e) => prop_assert_eq!(e.code(), authcore::ErrorCode::InvalidGrant),
                }
            }
            prop_assert!(redeemed <= 1);
        }

        /// A magic link's token is redeemed at most once, and any other token never matches.
        #[test]
        fn a_magic_link_is_redeemed_at_most_once(tries in proptest::collection::vec(any::<bool>(), 1..10), other in "[A-Za-z0-9_-]{0,60}") {
            let m = MagicLinks::new(MagicLinkConfig::default()).unwrap();
            let issued = m.issue("a@example.com", None, 0, &mut OsEntropy).unwrap();
            let token = issued.token.expose().to_owned();
            prop_assume!(other != token);
            let mut record = issued.record;
            let mut ok = 0;
            for right in tries {
                let presented = if right { token.as_str() } else { other.as_str() };
                if let Ok(r) = m.redeem(Some(&record), presented, 10) {
                    prop_assert!(right);
                    ok += 1;
                    record = r.record;
                }
            }
            prop_assert!(ok <= 1);
        }
    }
}
