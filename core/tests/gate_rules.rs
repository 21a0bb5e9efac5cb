//! The gate's per-route credential kinds, gateway token, services token from the
//! environment, guest fallback, detail overrides and cookie mode with CSRF.

use authcore::entropy::FixedEntropy;
use authcore::gate::{generate_gateway_token, Decision, Gate, GateConfig, Lookup};
use authcore::http::HttpRequest;
use authcore::jwt::{Algorithm, Issuer, IssuerConfig, SigningKey};
use authcore::session::{Session, SessionConfig, SessionManager};
use authcore::ErrorCode;
use serde_json::{json, Value};

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const GW: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

fn gate(config: Value) -> Gate {
    Gate::new(serde_json::from_value::<GateConfig>(config).unwrap()).unwrap()
}

fn config_error(config: Value) -> authcore::Error {
    Gate::new(serde_json::from_value::<GateConfig>(config).unwrap()).unwrap_err()
}

fn jwt_config() -> Value {
    json!({"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": SECRET}]})
}

fn jwt(sub: &str) -> String {
    let key = SigningKey::from_secret(Algorithm::Hs256, SECRET.as_bytes(), Default::default()).unwrap();
    let issuer = Issuer::new(IssuerConfig::default(), key).unwrap();
    issuer
        .issue(json!({"sub": sub}), NOW, &mut FixedEntropy::new(vec![]))
        .unwrap()
}

fn session() -> (String, Session) {
    let s = SessionManager::new(SessionConfig::default())
        .unwrap()
        .create(
            "user_abc123",
            Some("user@example.com"),
            false,
            NOW,
            &mut FixedEntropy::new(vec![7; 16]),
        )
        .unwrap();
    (s.token.expose().to_owned(), s.record)
}

fn req(method: &str, path: &str, headers: &[(&str, &str)]) -> HttpRequest {
    let mut r = HttpRequest::new(method, path);
    for (k, v) in headers {
        r.set_header(k, *v);
    }
    r
}

fn run(gate: &Gate, r: &HttpRequest, lookup: &Lookup) -> Result<Value, (ErrorCode, u16, String)> {
    match gate.authenticate(r, lookup, NOW) {
        Decision::Allow { context, .. } => Ok(serde_json::to_value(context).unwrap()),
        Decision::Deny { error, response } => {
            let body: Value = serde_json::from_str(&response.body).unwrap();
            assert_eq!(body["detail"], error.detail());
            Err((error.code(), response.status, error.detail().to_owned()))
        }
    }
}

fn reeve() -> Gate {
    gate(json!({
        "jwt": jwt_config(),
        "credentials": ["session", "guest", "service"],
        "routes": [
            {"method": "POST", "path": "/api/auth/session", "access": "user", "credentials": ["jwt"]},
            {"method": "GET", "path": "/api/dashboard", "access": "user_or_guest"},
            {"method": "POST", "path": "/api/dashboard", "access": "user_or_guest"},
        ],
    }))
}

#[test]
fn per_route_credential_kinds() {
    let g = reeve();
    let clerk = format!("Bearer {}", jwt("user_abc123"));
    let ctx = run(
        &g,
        &req("POST", "/api/auth/session", &[("Authorization", &clerk)]),
        &Lookup::default(),
    )
    .unwrap();
    assert_eq!(
        (ctx["credential"].as_str(), ctx["user_id"].as_str()),
        (Some("jwt"), Some("user_abc123"))
    );
    // The IdP JWT anywhere else is refused, not read as another kind.
    let e = run(
        &g,
        &req("GET", "/api/me", &[("Authorization", &clerk)]),
        &Lookup::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        (
            ErrorCode::InvalidToken,
            401,
            "This route does not take `jwt` credentials.".into()
        )
    );
    // A session token on the JWT-only route likewise.
    let (token, record) = session();
    let bearer = format!("Bearer {token}");
    let lookup = Lookup {
        session: Some(record),
        user: None,
    };
    let e = run(
        &g,
        &req("POST", "/api/auth/session", &[("Authorization", &bearer)]),
        &lookup,
    )
    .unwrap_err();
    assert_eq!(e.2, "This route does not take `session` credentials.");
    let ctx = run(&g, &req("GET", "/api/me", &[("Authorization", &bearer)]), &lookup).unwrap();
    assert_eq!(ctx["credential"], "session");
    // A guest header on the JWT-only route: refused as a kind, not "not authenticated".
    let e = run(
        &g,
        &req("POST", "/api/auth/session", &[("X-Guest-ID", "guest_demo_123")]),
        &lookup,
    )
    .unwrap_err();
    assert_eq!(e.0, ErrorCode::InvalidToken);
    // The WWW-Authenticate challenge carries the detail.
    let Decision::Deny { response, .. } = g.authenticate(
        &req("GET", "/api/me", &[("Authorization", &clerk)]),
        &Lookup::default(),
        NOW,
    ) else {
        panic!()
    };
    assert_eq!(
        response.header("WWW-Authenticate"),
        Some("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"This route does not take `jwt` credentials.\"")
    );
    assert_eq!(
        config_error(json!({"credentials": []})).field_name(),
        Some("credentials")
    );
    let e = config_error(json!({"routes": [{"path": "/a", "credentials": []}]}));
    assert_eq!(e.field_name(), Some("routes[0].credentials"));
    assert!(serde_json::from_value::<GateConfig>(json!({"credentials": ["cookie"]})).is_err());
}

#[test]
fn gateway_token() {
    let token = generate_gateway_token(&mut FixedEntropy::new((0..32).collect())).unwrap();
    assert_eq!(token.expose(), GW);
    let g = gate(json!({"gateway": {"token": GW}, "routes": [{"path": "/health", "access": "public"}]}));
    let ok = format!("Bearer {GW}");
    let ctx = run(
        &g,
        &req("POST", "/api/chat", &[("Authorization", &ok)]),
        &Lookup::default(),
    )
    .unwrap();
    assert_eq!(ctx, json!({"credential": "gateway", "is_guest": false}));
    // Every request, public routes included.
    let e = run(&g, &req("GET", "/health", &[]), &Lookup::default()).unwrap_err();
    assert_eq!(
        e,
        (ErrorCode::NotAuthenticated, 401, "This gateway needs its token.".into())
    );
    let wrong = format!("Bearer {}", &GW[..42]);
    let e = run(
        &g,
        &req("GET", "/health", &[("Authorization", &wrong)]),
        &Lookup::default(),
    )
    .unwrap_err();
    assert_eq!(e, (ErrorCode::InvalidToken, 401, "Invalid gateway token.".into()));
    // Before routing: no 405 and no `Allow` for a caller without the token.
    let g = gate(json!({"gateway": {"token": GW}, "routes": [{"method": "GET", "path": "/x"}]}));
    assert_eq!(
        run(&g, &req("POST", "/x", &[]), &Lookup::default()).unwrap_err().0,
        ErrorCode::NotAuthenticated
    );
    // In its own header, `Authorization` carries user credentials.
    let g = gate(json!({"gateway": {"token": GW, "header": "X-Gateway-Token"}, "jwt": jwt_config()}));
    let clerk = format!("Bearer {}", jwt("u1"));
    let ctx = run(
        &g,
        &req("GET", "/api/me", &[("X-Gateway-Token", GW), ("Authorization", &clerk)]),
        &Lookup::default(),
    )
    .unwrap();
    assert_eq!(ctx["credential"], "jwt");
    let ctx = run(
        &g,
        &req("GET", "/api/me", &[("X-Gateway-Token", GW)]),
        &Lookup::default(),
    )
    .unwrap();
    assert_eq!(ctx["credential"], "gateway");
    assert!(run(
        &g,
        &req("GET", "/api/me", &[("Authorization", &clerk)]),
        &Lookup::default()
    )
    .is_err());
    // A route that does not take the gateway kind.
    let g = gate(json!({"gateway": {"token": GW}, "routes": [{"path": "/s", "credentials": ["session"]}]}));
    let e = run(&g, &req("GET", "/s", &[("Authorization", &ok)]), &Lookup::default()).unwrap_err();
    assert_eq!(e.2, "This route does not take `gateway` credentials.");
    // Weak or unprintable tokens are refused; the token never prints.
    assert_eq!(
        config_error(json!({"gateway": {"token": "short"}})).field_name(),
        Some("gateway.token")
    );
    let g = gate(json!({"gateway": {"token": GW}}));
    assert!(!format!("{:?}", g.config()).contains(GW));
}

#[test]
fn services_from_env() {
    let config: GateConfig = serde_json::from_value(json!({
        "services_env": [{"name": "reeve", "variable": "REEVE_SERVICES_TOKEN", "header": "X-Reeve-Services-Token"}],
        "routes": [{"path": "/internal/**", "access": "service"}],
    }))
    .unwrap();
    let env = json!({"REEVE_SERVICES_TOKEN": "svc-secret-value"});
    let g = Gate::from_env_values(config.clone(), env.as_object().unwrap()).unwrap();
    let ctx = run(
        &g,
        &req(
            "POST",
            "/internal/credits",
            &[("X-Reeve-Services-Token", "svc-secret-value")],
        ),
        &Lookup::default(),
    )
    .unwrap();
    assert_eq!(ctx["service"], "reeve");
    let e = run(
        &g,
        &req("POST", "/internal/credits", &[("X-Reeve-Services-Token", "nope")]),
        &Lookup::default(),
    )
    .unwrap_err();
    assert_eq!(e.0, ErrorCode::InvalidServiceToken);
    let e =
        Gate::from_env_values(config.clone(), json!({"REEVE_SERVICES_TOKEN": ""}).as_object().unwrap()).unwrap_err();
    assert_eq!(
        (e.code(), e.field_name()),
        (ErrorCode::InvalidConfig, Some("REEVE_SERVICES_TOKEN"))
    );
    // `Gate::new` does not read the environment.
    assert_eq!(Gate::new(config).unwrap_err().field_name(), Some("services_env"));
    // The defaults.
    let env = json!({"AUTHCORE_SERVICES_TOKEN": "x-secret"});
    let g = Gate::from_env_values(GateConfig::default(), env.as_object().unwrap()).unwrap();
    assert_eq!(g.config().services[0].header, "X-Services-Token");
    let e = Gate::from_env_values(GateConfig::default(), &serde_json::Map::new()).unwrap_err();
    assert_eq!(e.detail(), "`AUTHCORE_SERVICES_TOKEN` is not set.");
}

#[test]
fn guest_fallback() {
    let base = json!({
        "routes": [{"path": "/api/dashboard", "access": "user_or_guest"}],
        "guest_fallback": true, "guest_id_rule": "any",
    });
    let g = gate(base.clone());
    let (token, record) = session();
    let bearer = format!("Bearer {token}");
    // The session is not found: the guest header is used instead.
    let r = req(
        "GET",
        "/api/dashboard",
        &[("Authorization", &bearer), ("X-Guest-ID", "demo")],
    );
    let ctx = run(&g, &r, &Lookup::default()).unwrap();
    assert_eq!(
        ctx,
        json!({"credential": "guest", "guest_id": "demo", "is_guest": true})
    );
    // A valid session wins.
    let lookup = Lookup {
        session: Some(record),
        user: None,
    };
    assert_eq!(run(&g, &r, &lookup).unwrap()["credential"], "session");
    // A malformed bearer falls back too; the guest still only reads.
    let r = req(
        "POST",
        "/api/dashboard",
        &[("Authorization", "Bearer junk"), ("X-Guest-ID", "demo")],
    );
    assert_eq!(run(&g, &r, &Lookup::default()).unwrap_err().0, ErrorCode::GuestReadOnly);
    let r = req(
        "POST",
        "/api/dashboard",
        &[("Authorization", &bearer), ("X-Guest-ID", "demo")],
    );
    assert_eq!(run(&g, &r, &Lookup::default()).unwrap_err().0, ErrorCode::GuestReadOnly);
    // Any id, but header-safe and bounded.
    let long = "g".repeat(129);
    for bad in ["a b", long.as_str()] {
        let r = req("GET", "/api/dashboard", &[("X-Guest-ID", bad)]);
        assert_eq!(
            run(&g, &r, &Lookup::default()).unwrap_err().0,
            ErrorCode::InvalidGuestId
        );
    }
    // Default: strict.
    let mut strict = base;
    strict["guest_fallback"] = json!(false);
    strict["guest_id_rule"] = json!("prefixed");
    let g = gate(strict);
    let r = req(
        "GET",
        "/api/dashboard",
        &[("Authorization", &bearer), ("X-Guest-ID", "guest_demo_123")],
    );
    assert_eq!(
        run(&g, &r, &Lookup::default()).unwrap_err().0,
        ErrorCode::InvalidSession
    );
    let r = req("GET", "/api/dashboard", &[("X-Guest-ID", "user_abc123")]);
    assert_eq!(
        run(&g, &r, &Lookup::default()).unwrap_err().0,
        ErrorCode::InvalidGuestId
    );
}

#[test]
fn detail_overrides() {
    let g = gate(json!({
        "services": [{"name": "reeve", "header": "X-Reeve-Services-Token", "secret": "svc-secret-value"}],
        "routes": [{"path": "/internal/**", "access": "service"}],
        "details": {"not_authenticated": "Not authenticated", "invalid_service_token": "Invalid service token"},
    }));
    let Decision::Deny { response, error } = g.authenticate(&req("GET", "/api/me", &[]), &Lookup::default(), NOW)
    else {
        panic!()
    };
    assert_eq!(
        (response.status, response.body.as_str()),
        (401, r#"{"detail":"Not authenticated","code":"not_authenticated"}"#)
    );
    assert_eq!(error.detail(), "Not authenticated");
    let r = req("POST", "/internal/x", &[("X-Reeve-Services-Token", "bad")]);
    let e = run(&g, &r, &Lookup::default()).unwrap_err();
    assert_eq!(e, (ErrorCode::InvalidServiceToken, 401, "Invalid service token".into()));
    assert_eq!(
        config_error(json!({"details": {"nope": "x"}})).field_name(),
        Some("details.nope")
    );
    assert_eq!(
        config_error(json!({"details": {"forbidden": ""}})).field_name(),
        Some("details.forbidden")
    );
    assert_eq!(
        config_error(json!({"details": {"forbidden": "a\r\nb"}})).field_name(),
        Some("details.forbidden")
    );
    let long = "x".repeat(257);
    assert!(Gate::new(serde_json::from_value(json!({"details": {"forbidden": long}})).unwrap()).is_err());
}

#[test]
fn cookie_mode() {
    let g = gate(json!({
        "jwt": jwt_config(),
        "cookie": {"name": "access_token", "csrf": {"origins": ["https://app.example.com"]}},
    }));
    let cookie = format!("theme=dark; access_token={}", jwt("u1"));
    let ctx = run(&g, &req("GET", "/api/me", &[("Cookie", &cookie)]), &Lookup::default()).unwrap();
    assert_eq!(ctx["user_id"], "u1");
    // Unsafe methods need the origin check.
    let e = run(&g, &req("POST", "/api/me", &[("Cookie", &cookie)]), &Lookup::default()).unwrap_err();
    assert_eq!((e.0, e.1), (ErrorCode::CsrfFailed, 403));
    let r = req(
        "POST",
        "/api/me",
        &[("Cookie", &cookie), ("Origin", "https://app.example.com")],
    );
    assert!(run(&g, &r, &Lookup::default()).is_ok());
    let r = req(
        "POST",
        "/api/me",
        &[("Cookie", &cookie), ("Sec-Fetch-Site", "same-origin")],
    );
    assert!(run(&g, &r, &Lookup::default()).is_ok());
    let r = req(
        "POST",
        "/api/me",
        &[("Cookie", &cookie), ("Origin", "https://evil.example")],
    );
    assert_eq!(run(&g, &r, &Lookup::default()).unwrap_err().0, ErrorCode::CsrfFailed);
    // `Authorization` needs no CSRF check, and wins over the cookie.
    let bearer = format!("Bearer {}", jwt("u2"));
    let r = req("POST", "/api/me", &[("Cookie", &cookie), ("Authorization", &bearer)]);
    assert_eq!(run(&g, &r, &Lookup::default()).unwrap()["user_id"], "u2");
    // A duplicated cookie is refused.
    let twice = format!("{cookie}; access_token=x");
    let e = run(&g, &req("GET", "/api/me", &[("Cookie", &twice)]), &Lookup::default()).unwrap_err();
    assert_eq!(e.0, ErrorCode::InvalidToken);
    // Double submit.
    let g = gate(json!({
        "jwt": jwt_config(),
        "cookie": {"name": "access_token", "csrf": {"same_origin_fetch": false, "double_submit": {}}},
    }));
    let with_csrf = format!("{cookie}; csrf_token=k3y");
    let r = req("DELETE", "/api/me", &[("Cookie", &with_csrf), ("X-CSRF-Token", "k3y")]);
    assert!(run(&g, &r, &Lookup::default()).is_ok());
    let r = req("DELETE", "/api/me", &[("Cookie", &with_csrf), ("X-CSRF-Token", "k3z")]);
    assert_eq!(run(&g, &r, &Lookup::default()).unwrap_err().0, ErrorCode::CsrfFailed);
    let r = req(
        "DELETE",
        "/api/me",
        &[("Cookie", &with_csrf), ("Sec-Fetch-Site", "same-origin")],
    );
    assert_eq!(run(&g, &r, &Lookup::default()).unwrap_err().0, ErrorCode::CsrfFailed);
}
