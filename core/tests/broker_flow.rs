//! A broker driven through connect (authorization code with PKCE), resolve, expiry, refresh
//! and resolve again, with a simulated clock and a fake provider.

use authcore::broker::{
    export_env, readiness, Broker, Connection, ConnectionCredential, KeyFile, ProviderSet, Resolution,
};
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
        credential: ConnectionCredential::Oauth { tokens },
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
    let ConnectionCredential::Oauth { tokens } = &conn.credential else {
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
            error: None,
        }],
        Some(authcore::broker::STORE_SCHEMA_VERSION),
        later,
    );
    assert_eq!(report.status, "degraded");
    assert_eq!(report.components["vault"].status, "degraded");
    assert_eq!(report.components["schema_version"].status, "ok");
    assert_eq!(report.components["providers"].status, "ok");
}

fn api_key(provider: &str, name: &str, key: &str) -> Connection {
    Connection {
        provider: provider.into(),
        name: name.into(),
        credential: ConnectionCredential::ApiKey {
            key: authcore::secret::Secret::new(key),
        },
        expires_at: None,
        scopes: vec![],
        is_default: false,
        created_at: NOW,
    }
}

/// Sources `export_env`'s output in real shells and reads every variable back: nothing runs,
/// every value is byte-exact.
#[test]
fn export_env_is_inert_when_sourced() {
    let hostile = [
        "$(touch X)",
        "`touch X`",
        "\\",
        "a\\b\\\\c\\n",
        "'",
        "''",
        "a'b",
        "'$(touch X)'",
        "'\\''",
        "\"",
        "\"$(touch X)\"",
        "\"`touch X`\"",
        "line1\nline2",
        "ends with newlines\n\n",
        "\n",
        "$HOME",
        "${HOME}",
        "$0$1$@$*$$$?",
        "!",
        "!!",
        "!$ !-1",
        "~",
        "~root",
        "a:~/b",
        ";touch X;",
        "&& touch X",
        "| touch X",
        "> X",
        "",
        "-n",
        "%s%d%%",
        "tab\there\rcarriage",
        "é € \u{1F511}",
        "sk-plain_1.2~3+4/5=6-7",
    ];
    let connections: Vec<Connection> = hostile
        .iter()
        .enumerate()
        .map(|(i, v)| api_key(&format!("p{i}"), "default", v))
        .collect();
    let text = export_env(&connections).unwrap();

    let dir = std::env::temp_dir().join(format!("authcore-export-env-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("env.sh"), &text).unwrap();
    let names: Vec<String> = connections.iter().map(Connection::env_name).collect();
    let script = format!(
        ". ./env.sh; printf '%s\\0' {}",
        names.iter().map(|n| format!("\"${n}\"")).collect::<Vec<_>>().join(" ")
    );
    let shells: Vec<&str> = ["/bin/sh", "/bin/dash", "/bin/bash"]
        .into_iter()
        .filter(|s| std::path::Path::new(s).exists())
        .collect();
    assert!(!shells.is_empty(), "no POSIX shell to test with");
    for shell in shells {
        let out = std::process::Command::new(shell)
            .arg("-c")
            .arg(&script)
            .current_dir(&dir)
            .env("HOME", "/nonexistent-home")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut got: Vec<&[u8]> = out.stdout.split(|b| *b == 0).collect();
        assert_eq!(got.pop(), Some(&b""[..]), "{shell}: output ends with a NUL");
        assert_eq!(got.len(), hostile.len(), "{shell}");
        for (want, got) in hostile.iter().zip(got) {
            assert_eq!(got, want.as_bytes(), "{shell}: {want:?}");
        }
        assert!(!dir.join("X").exists(), "{shell} ran a command from the export");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_env_refuses_what_sh_cannot_carry() {
    let err = export_env(&[api_key("openai", "default", "a\0b")]).unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::InvalidInput, Some("connections[0].credential.key"))
    );
    assert!(!err.detail().contains("a\0b"));
    for (provider, name, field) in [
        ("open\nai", "default", "connections[1].provider"),
        ("openai", "work\0", "connections[1].name"),
        ("openai", "a\rb", "connections[1].name"),
    ] {
        let err = export_env(&[api_key("x", "default", "k"), api_key(provider, name, "k")]).unwrap_err();
        assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidInput, Some(field)));
    }
    // `acme-eu` and `acme` named `eu` both derive ACME_EU_API_KEY.
    let err = export_env(&[api_key("acme-eu", "default", "a"), api_key("acme", "eu", "b")]).unwrap_err();
    assert_eq!(err.field_name(), Some("connections[1].name"));
    assert_eq!(
        export_env(&[api_key("1password", "default", "it's")]).unwrap(),
        "_1PASSWORD_API_KEY='it'\\''s'\n"
    );
}

#[test]
fn stored_tokens_that_cannot_be_headers_are_never_injected() {
    let broker = Broker::new(ProviderSet::load(&[acme()]).unwrap());
    for key in ["sk\r\nX-Evil: 1", "sk\n", "\0", "", "sk\u{7f}", "clé"] {
        let err = broker
            .resolve(
                "GET",
                "https://api.openai.com/",
                &[api_key("openai", "default", key)],
                NOW,
            )
            .unwrap_err();
        assert_eq!(
            (err.code(), err.field_name()),
            (ErrorCode::InvalidInput, Some("connections[0].credential.key")),
            "{key:?}"
        );
        assert!(!err.detail().contains(key) || key.is_empty());
        assert_eq!(
            api_key("openai", "default", key).check().unwrap_err().field_name(),
            Some("credential.key")
        );
    }
    // A refresh response carrying a line break is refused before anything is stored.
    let conn = Connection {
        credential: ConnectionCredential::Oauth {
            tokens: authcore::tokens::TokenSet::from_token_response(
                r#"{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}"#,
                NOW,
            )
            .unwrap(),
        },
        ..api_key("acme", "default", "unused")
    };
    for (body, field) in [
        (
            r#"{"access_token":"at\r\nX-Evil: 1","token_type":"Bearer"}"#,
            "access_token",
        ),
        (r#"{"access_token":"","token_type":"Bearer"}"#, "access_token"),
        (r#"{"access_token":"at\u0000","token_type":"Bearer"}"#, "access_token"),
        (
            r#"{"access_token":"at-2","refresh_token":"rt\n","token_type":"Bearer"}"#,
            "refresh_token",
        ),
    ] {
        let err = broker
            .apply_refresh(&conn, &HttpResponse::new(200).with_body(body), NOW)
            .unwrap_err();
        assert_eq!(
            (err.code(), err.field_name()),
            (ErrorCode::InvalidResponse, Some(field)),
            "{body}"
        );
    }
}

/// The two URLs a naive parser reads as `api.openai.com`, and what a WHATWG client does with
/// them: nothing is injected.
#[test]
fn urls_are_read_as_clients_read_them() {
    let broker = Broker::new(ProviderSet::load(&[]).unwrap());
    let conns = [api_key("openai", "default", "sk-1")];
    for url in [
        "https://evil.example\\@api.openai.com/v1",
        "https:evil.example/?://api.openai.com/",
        "https://evil.example#@api.openai.com",
        "https://api.openai.com.evil.example/",
        "https://api.openai.com:8443/",
    ] {
        let err = broker.resolve("POST", url, &conns, NOW).unwrap_err();
        assert_eq!(err.code(), ErrorCode::NoProvider, "{url}");
        assert!(broker.provider_for(url).is_none(), "{url}");
    }
    for url in [
        "http://api.openai.com/",
        "ws://api.openai.com/",
        "https://u:p@api.openai.com/",
    ] {
        let err = broker.resolve("POST", url, &conns, NOW).unwrap_err();
        assert_eq!(
            (err.code(), err.field_name()),
            (ErrorCode::InsecureUrl, Some("url")),
            "{url}"
        );
    }
    let err = broker.resolve("POST", "https://[::1/", &conns, NOW).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidInput, Some("url")));
    for url in [
        "https://API.OPENAI.COM./v1",
        "https://api.o\tpen\nai.com/",
        "https://%61pi.openai.com/",
    ] {
        assert!(broker.resolve("POST", url, &conns, NOW).is_ok(), "{url}");
    }
}
