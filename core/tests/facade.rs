//! The one-call entry points bindings use: each decision made once, in the core.

use authcore::entropy::{Entropy, EntropySource, FixedEntropy, OsEntropy};
use authcore::jwt::{Algorithm, Backend, Issuer, IssuerConfig, KeySpec, SigningKey, Verifier, VerifierSpec};
use authcore::oauth::{self, Pkce, PkceMethod};
use authcore::password::{Accounts, PasswordPolicy, StoredCredentials};
use authcore::session::{SessionConfig, SessionManager};
use authcore::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::json;

const SECRET: &str = "an HS256 secret of at least 32 bytes!!";
const NOW: i64 = 1_700_000_000;

fn hs_key() -> KeySpec {
    serde_json::from_value(json!({"alg": "HS256", "secret": SECRET})).unwrap()
}

fn spec(keys: Option<Vec<KeySpec>>, jwks: Option<serde_json::Value>, default_alg: Option<Algorithm>) -> VerifierSpec {
    VerifierSpec {
        config: authcore::jwt::VerifierConfig::new(&[Algorithm::Hs256, Algorithm::EdDsa]),
        keys,
        jwks,
        default_alg,
    }
}

#[test]
fn backend_from_name() {
    assert_eq!(Backend::from_name(None).unwrap(), Backend::default());
    assert_eq!(Backend::from_name(Some("portable")).unwrap(), Backend::Portable);
    assert_eq!(Backend::from_name(Some("native")).unwrap(), Backend::Native);
    for bad in ["fast", "Native", "", "na\"tive\n"] {
        let e = Backend::from_name(Some(bad)).unwrap_err();
        assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidConfig, Some("backend")));
        assert!(!e.detail().contains('\n'), "input is quoted safely: {}", e.detail());
    }
}

#[test]
fn entropy_source_is_fixed_or_os() {
    let mut fixed = EntropySource::from_bytes(Some(vec![1, 2]));
    let mut buf = [0u8; 3];
    assert_eq!(fixed.fill(&mut buf).unwrap_err().code(), ErrorCode::EntropyUnavailable);
    let mut os = EntropySource::from_bytes(None);
    os.fill(&mut buf).unwrap();
}

#[test]
fn verifier_from_spec_takes_exactly_one_key_source() {
    let jwks = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]});
    let v = Verifier::from_spec(spec(Some(vec![hs_key()]), None, None), Backend::Portable).unwrap();
    assert_eq!(v.keys().len(), 1);
    assert_eq!(v.jwks(), json!({"keys": []}), "shared secrets are never exported");
    let v = Verifier::from_spec(
        spec(None, Some(jwks.clone()), Some(Algorithm::EdDsa)),
        Backend::Portable,
    )
    .unwrap();
    assert_eq!(v.jwks()["keys"][0]["alg"], "EdDSA");
    for (s, field) in [
        (spec(None, None, None), "keys"),
        (spec(Some(vec![hs_key()]), Some(jwks), None), "keys"),
        (spec(Some(vec![hs_key()]), None, Some(Algorithm::Hs256)), "default_alg"),
    ] {
        let e = Verifier::from_spec(s, Backend::Portable).unwrap_err();
        assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidConfig, Some(field)));
    }
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Claims {
    sub: String,
    roles: Vec<String>,
}

#[test]
fn issue_serializable_claims_and_read_them_typed() {
    let key = SigningKey::from_secret(Algorithm::Hs256, SECRET.as_bytes(), Backend::Portable).unwrap();
    let verifier = Verifier::with_key(
        authcore::jwt::VerifierConfig::new(&[Algorithm::Hs256]),
        key.verifying_key().unwrap(),
    )
    .unwrap();
    let issuer = Issuer::new(IssuerConfig::default(), key).unwrap();
    let claims = Claims {
        sub: "u-1".into(),
        roles: vec!["admin".into()],
    };
    let token = issuer.issue(&claims, NOW, &mut OsEntropy).unwrap();
    let verified = verifier.verify(&token, NOW + 1).unwrap();
    assert_eq!(verified.claims_as::<Claims>().unwrap(), claims);

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        sub: u64,
    }
    let e = verified.claims_as::<Wrong>().unwrap_err();
    assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidClaims, Some("sub")));
    assert!(!e.detail().contains("u-1"), "claim values are not quoted");

    for not_object in [json!("x"), json!([1]), json!(null)] {
        let e = issuer.issue(not_object, NOW, &mut OsEntropy).unwrap_err();
        assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidInput, Some("claims")));
    }
    // An issuer's JWKS: refused for a shared secret.
    assert_eq!(issuer.jwks().unwrap_err().code(), ErrorCode::InvalidKey);
}

#[test]
fn password_login_is_typed_then_minted() {
    let accounts = Accounts::new(PasswordPolicy {
        memory_kib: 64,
        iterations: 1,
        ..Default::default()
    })
    .unwrap();
    let hash = accounts
        .hash_password("correct horse", &mut FixedEntropy::new(vec![9; 16]))
        .unwrap();
    let stored = StoredCredentials {
        user_id: "u-1".into(),
        password_hash: hash,
        email: Some("a@example.com".into()),
    };
    let login = accounts.login(Some(&stored), "correct horse").unwrap();
    assert_eq!(
        serde_json::to_value(&login).unwrap(),
        json!({"user_id": "u-1", "email": "a@example.com", "needs_rehash": false})
    );
    assert_eq!(login.claims(), json!({"sub": "u-1", "email": "a@example.com"}));
    for (acct, pw) in [(Some(&stored), "wrong horse"), (None, "correct horse")] {
        assert_eq!(
            accounts.login(acct, pw).unwrap_err(),
            Error::new(ErrorCode::InvalidCredentials)
        );
    }
}

#[test]
fn session_exchange_token_verifies_first() {
    let key = SigningKey::from_secret(Algorithm::Hs256, SECRET.as_bytes(), Backend::Portable).unwrap();
    let verifier = Verifier::from_spec(spec(Some(vec![hs_key()]), None, None), Backend::Portable).unwrap();
    let issuer = Issuer::new(IssuerConfig::default(), key).unwrap();
    let token = issuer.issue(json!({"sub": "u-1"}), NOW, &mut OsEntropy).unwrap();
    let sm = SessionManager::new(SessionConfig::default()).unwrap();
    let s = sm
        .exchange_token(&verifier, &token, None, NOW + 1, &mut OsEntropy)
        .unwrap();
    assert_eq!(s.response["user_id"], "u-1");
    let e = sm
        .exchange_token(&verifier, &token, None, NOW + 3600 + 60, &mut OsEntropy)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::TokenExpired);
}

#[test]
fn pkce_method_names_and_create() {
    assert_eq!(PkceMethod::from_name("S256").unwrap(), PkceMethod::S256);
    assert_eq!(PkceMethod::from_name("plain").unwrap(), PkceMethod::Plain);
    let e = PkceMethod::from_name("s256").unwrap_err();
    assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidInput, Some("method")));
    let p = Pkce::create(None, PkceMethod::Plain, false, 32, &mut FixedEntropy::new(vec![0; 32])).unwrap();
    assert_eq!(p.method, PkceMethod::S256, "a generated pair is always S256");
    let e = Pkce::create(Some(p.verifier.expose()), PkceMethod::Plain, false, 32, &mut OsEntropy).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidRequest);
}

#[test]
fn oauth_error_mapping_round_trips() {
    for code in [
        "invalid_grant",
        "expired_token",
        "slow_down",
        "access_denied",
        "invalid_client",
    ] {
        let c = oauth::error_from_str(code).unwrap();
        assert_eq!(oauth::error_code(c), code);
    }
    assert_eq!(
        oauth::error_from_str("temporarily_unavailable"),
        Some(ErrorCode::ServerError)
    );
    assert_eq!(oauth::error_from_str("token_expired"), None, "ours, not an OAuth code");
    let r = oauth::error_response(&Error::new(ErrorCode::Internal));
    assert_eq!(r.status, 500);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.body,
        r#"{"error":"server_error","error_description":"Internal error."}"#
    );
}

#[test]
fn omitted_settings_take_the_core_defaults() {
    use authcore::tokens::{Freshness, TokenSet, DEFAULT_EXPIRES_IN, DEFAULT_REFRESH_MARGIN};
    let body = r#"{"access_token":"at","refresh_token":"rt","token_type":"Bearer"}"#;
    let t = TokenSet::from_token_response_with_default(body, NOW, None).unwrap();
    assert_eq!(t.expires_at, Some(NOW + DEFAULT_EXPIRES_IN));
    assert_eq!(
        TokenSet::from_token_response_with_default(body, NOW, 60)
            .unwrap()
            .expires_at,
        Some(NOW + 60)
    );
    let edge = NOW + DEFAULT_EXPIRES_IN - DEFAULT_REFRESH_MARGIN;
    assert_eq!(t.freshness(edge - 1, None), Freshness::Fresh);
    assert_eq!(t.freshness(edge, None), Freshness::RefreshDue);
    assert_eq!(t.freshness(edge, 0), Freshness::Fresh);

    assert_eq!(PkceMethod::from_name(None).unwrap(), PkceMethod::S256);
    let p = Pkce::create(None, None, false, None, &mut FixedEntropy::new(vec![7; 32])).unwrap();
    assert_eq!((p.method, p.verifier.expose().len()), (PkceMethod::S256, 43));
    let e = Pkce::create(None, None, false, 31, &mut OsEntropy).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidConfig);
}

#[test]
fn machines_drain_their_actions_in_order() {
    use authcore::device::{DeviceAction, DeviceClient};
    use authcore::http::HttpRequest;
    use authcore::tokens::{Action, ClientConfig, RequestDriver};
    let config = ClientConfig {
        token_endpoint: "https://auth.example/token".into(),
        ..ClientConfig::default()
    };
    let mut d = RequestDriver::with_config(config, None).unwrap();
    let req: HttpRequest =
        serde_json::from_value(json!({"method": "GET", "url": "https://auth.example/me", "headers": {}})).unwrap();
    d.send(req, NOW);
    let drained = d.actions();
    assert!(
        !drained.is_empty() && !drained.iter().any(|a| matches!(a, Action::Complete { .. })),
        "{drained:?}"
    );
    assert!(d.actions().is_empty() && d.poll_action().is_none());

    let mut c: DeviceClient = DeviceClient::new(
        serde_json::from_value(json!({"base_url": "https://auth.example", "client_id": "cli"})).unwrap(),
    )
    .unwrap();
    c.start(NOW).unwrap();
    let drained = c.actions();
    assert!(matches!(drained.as_slice(), [DeviceAction::Send { .. }]), "{drained:?}");
    assert!(c.actions().is_empty());
}

#[test]
fn the_user_to_load_is_the_jwt_subject_or_the_session_owner() {
    use authcore::gate::Classified;
    use authcore::session::Session;
    let classified = |credential: serde_json::Value, user: bool| -> Classified {
        serde_json::from_value(json!({"method": "GET", "credential": credential, "needs": {"user": user}})).unwrap()
    };
    let jwt = classified(json!({"type": "jwt", "user_id": "u1", "scopes": []}), true);
    assert_eq!(jwt.user_to_load(None), Some("u1"));
    assert_eq!(
        classified(json!({"type": "jwt", "user_id": "u1", "scopes": []}), false).user_to_load(None),
        None
    );

    let mgr = SessionManager::new(SessionConfig::default()).unwrap();
    let created = mgr.create("u2", None, false, NOW, &mut OsEntropy).unwrap();
    let record: Session = created.record.clone();
    let by_session = classified(json!({"type": "session", "token_hash": record.token_hash}), true);
    assert_eq!(by_session.user_to_load(None), None);
    assert_eq!(by_session.user_to_load(Some(&record)), Some("u2"));
    let other = mgr.create("u3", None, false, NOW, &mut OsEntropy).unwrap().record;
    assert_eq!(by_session.user_to_load(Some(&other)), None);
    let guest = mgr
        .create("guest_demo_1", None, true, NOW, &mut OsEntropy)
        .unwrap()
        .record;
    let by_guest = classified(json!({"type": "session", "token_hash": guest.token_hash}), true);
    assert_eq!(by_guest.user_to_load(Some(&guest)), None);
    assert_eq!(classified(json!({"type": "none"}), true).user_to_load(None), None);
}
