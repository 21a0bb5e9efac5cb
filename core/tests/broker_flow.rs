//! A broker driven through connect (authorization code with PKCE), resolve, expiry, refresh
//! and resolve again, with a simulated clock and a fake provider.

use authcore::broker::{readiness, Broker, Connection, Credential, KeyFile, ProviderSet, Resolution};
use authcore::entropy::OsEntropy;
use authcore::error::ErrorCode;
use authcore::http::{form_decode, HttpResponse};
use authcore::oauth::{check_pkce, AuthCodeClient, AuthCodeConfig, PkceMethod, StoredChallenge};
use serde_json::json;

const NOW: i64 = 1_700_000_000;

fn acme() -> serde_json::Value {
    json!({
        "name": "acme", "display_name": "Acme", "auth_type": "oauth2",
        "authorization_endpoint": "https://auth.acme.test/authorize",
        "token_endpoint": "https://auth.acme.test/token",
        "client_id": "broker", "hosts": ["api.acme.test", "*.acme.test"],
        "inject": {"header": "Authorization", "format": "Bearer {token}"}
    })
}

fn param(body: &str, name: &str) -> Option<String> {
    form_decode(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[test]
fn connect_resolve_expire_refresh_resolve() {
    // Connect: authorization code with PKCE.
    let client = AuthCodeClient::new(AuthCodeConfig {
        authorization_endpoint: "https://auth.acme.test/authorize".into(),
        token_endpoint: "https://auth.acme.test/token".into(),
        client_id: "broker".into(),
        redirect_uri: "http://127.0.0.1:8765/callback".into(),
        scopes: vec!["read".into()],
        ..Default::default()
    })
    .unwrap();
    let start = client.start(NOW, &mut OsEntropy).unwrap();
    let query = start.url.split_once('?').unwrap().1;
    let challenge = param(query, "code_challenge").unwrap();
    let state = param(query, "state").unwrap();
    assert_eq!(param(query, "code_challenge_method").as_deref(), Some("S256"));

    // The provider redirects back; a forged callback is refused first.
    let forged = client.callback(
        &start.record,
        "http://127.0.0.1:8765/callback?code=evil&state=nope",
        NOW + 5,
    );
    assert_eq!(forged.unwrap_err().code(), ErrorCode::StateMismatch);
    let cb = client
        .callback(
            &start.record,
            &format!("http://127.0.0.1:8765/callback?code=c-1&state={state}"),
            NOW + 5,
        )
        .unwrap();
    let body = cb.request.body.clone().unwrap();
    // The provider's side: the verifier matches the challenge it stored.
    let stored = StoredChallenge {
        challenge,
        method: PkceMethod::S256,
    };
    check_pkce(Some(&stored), param(&body, "code_verifier").as_deref(), false).unwrap();
    // Replaying the callback fails: a state is single-use.
    let replay = client.callback(&cb.record, &format!("?code=c-1&state={state}"), NOW + 6);
    assert_eq!(replay.unwrap_err().code(), ErrorCode::StateExpired);

    let tokens = client
        .token_response(
            &HttpResponse::new(200)
                .with_body(r#"{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}"#),
            NOW + 6,
        )
        .unwrap();
    let mut conn = Connection {
        provider: "acme".into(),
        name: "default".into(),
        credential: Credential::Oauth { tokens },
        expires_at: None,
        scopes: vec!["read".into()],
        is_default: true,
        created_at: NOW + 6,
    };

    // Resolve.
    let broker = Broker::new(ProviderSet::load(&[acme()]).unwrap());
    let r = broker
        .resolve(
            "GET",
            "https://files.eu.acme.test/v1/x",
            std::slice::from_ref(&conn),
            NOW + 60,
        )
        .unwrap();
    assert!(
        matches!(&r, Resolution::Inject { header, value, .. } if header == "Authorization" && value.expose() == "Bearer at-1")
    );
    assert!(!format!("{r:?}").contains("at-1"), "resolutions print redacted");
    assert_eq!(
        broker
            .resolve("GET", "https://api.other.test/", std::slice::from_ref(&conn), NOW)
            .unwrap_err()
            .code(),
        ErrorCode::NoProvider
    );

    // Near expiry: refresh first.
    let later = NOW + 6 + 3600 - 200;
    let Resolution::Refresh { request, .. } = broker
        .resolve("GET", "https://api.acme.test/v1/x", std::slice::from_ref(&conn), later)
        .unwrap()
    else {
        panic!("expected a refresh")
    };
    let body = request.body.unwrap();
    assert_eq!(param(&body, "grant_type").as_deref(), Some("refresh_token"));
    assert_eq!(param(&body, "refresh_token").as_deref(), Some("rt-1"));
    assert_eq!(param(&body, "client_id").as_deref(), Some("broker"));
    conn = broker
        .apply_refresh(
            &conn,
            &HttpResponse::new(200).with_body(r#"{"access_token":"at-2","token_type":"Bearer","expires_in":3600}"#),
            later,
        )
        .unwrap();

    // Resolve again: the new token, and the refresh token was kept.
    let r = broker
        .resolve(
            "POST",
            "https://api.acme.test/v1/x",
            std::slice::from_ref(&conn),
            later + 1,
        )
        .unwrap();
    assert!(matches!(&r, Resolution::Inject { value, .. } if value.expose() == "Bearer at-2"));
    let Credential::Oauth { tokens } = &conn.credential else {
        panic!()
    };
    assert_eq!(tokens.refresh_token.as_ref().map(|t| t.expose()), Some("rt-1"));

    // A revoked grant means reconnect.
    let revoked = broker.apply_refresh(
        &conn,
        &HttpResponse::new(400).with_body(r#"{"error":"invalid_grant"}"#),
        later + 2,
    );
    assert_eq!(revoked.unwrap_err().code(), ErrorCode::ConnectionExpired);

    // Readiness: the custom provider is fine, a loose key file degrades.
    let report = readiness(
        &[acme()],
        std::slice::from_ref(&conn),
        &[KeyFile {
            path: "/k".into(),
            mode: 0o644,
        }],
        later,
    );
    assert_eq!(report.status, "degraded");
    assert_eq!(report.components["key_files"].status, "degraded");
    assert_eq!(report.components["providers"].status, "ok");
}
