//! The gate in protected-resource mode (an MCP server): mandatory audience and issuer, the
//! challenges with `resource_metadata` and `scope`, and the output unchanged without it.

use authcore::entropy::FixedEntropy;
use authcore::gate::{Decision, Gate, GateConfig, Lookup};
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::{Algorithm, Issuer, IssuerConfig, SigningKey};
use authcore::ErrorCode;
use serde_json::{json, Value};

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const RESOURCE: &str = "https://mcp.example.com/mcp";
const AS: &str = "https://auth.example.com";
const PRM: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

fn config(resource: Value) -> Value {
    json!({
        "jwt": {"config": {"algorithms": ["HS256"]}, "keys": [{"alg": "HS256", "secret": SECRET}]},
        "credentials": ["jwt"],
        "routes": [
            {"method": "POST", "path": "/mcp", "access": "user", "scopes": ["files:read", "files:write"]},
            {"method": "GET", "path": "/mcp", "access": "user"},
        ],
        "protected_resource": resource,
    })
}

fn gate(resource: Value) -> Gate {
    Gate::new(serde_json::from_value::<GateConfig>(config(resource)).unwrap()).unwrap()
}

fn mcp_gate() -> Gate {
    gate(json!({"resource": RESOURCE, "issuers": [AS]}))
}

fn token(claims: Value) -> String {
    token_at(claims, NOW)
}

fn token_at(claims: Value, iat: i64) -> String {
    let key = SigningKey::from_secret(Algorithm::Hs256, SECRET.as_bytes(), Default::default()).unwrap();
    Issuer::new(IssuerConfig::default(), key)
        .unwrap()
        .issue(claims, iat, &mut FixedEntropy::new(vec![]))
        .unwrap()
}

fn call(gate: &Gate, method: &str, auth: Option<&str>) -> Result<Value, (ErrorCode, HttpResponse)> {
    let mut r = HttpRequest::new(method, "/mcp");
    if let Some(a) = auth {
        r.set_header("Authorization", a);
    }
    match gate.authenticate(&r, &Lookup::default(), NOW) {
        Decision::Allow { context, .. } => Ok(serde_json::to_value(context).unwrap()),
        Decision::Deny { error, response } => Err((error.code(), response)),
    }
}

fn denied(gate: &Gate, method: &str, auth: Option<&str>) -> (ErrorCode, u16, String) {
    let (code, response) = call(gate, method, auth).unwrap_err();
    let challenge = response.header("WWW-Authenticate").unwrap_or("").to_owned();
    (code, response.status, challenge)
}

fn bearer(claims: Value) -> String {
    format!("Bearer {}", token(claims))
}

#[test]
fn accepts_a_token_for_the_resource_and_hands_down_claims_only() {
    let g = mcp_gate();
    let auth = bearer(json!({"sub": "u1", "iss": AS, "aud": RESOURCE, "scope": "files:read files:write"}));
    let ctx = call(&g, "POST", Some(&auth)).unwrap();
    assert_eq!(ctx["user_id"], "u1");
    assert_eq!(ctx["scopes"], json!(["files:read", "files:write"]));
    // The context carries no token, in any member.
    let text = ctx.to_string();
    assert!(!text.contains(auth.trim_start_matches("Bearer ")));
    // An array `aud` naming the resource among others; the host's case and a default port.
    for aud in [
        json!(["https://other.example", RESOURCE]),
        json!("HTTPS://MCP.EXAMPLE.COM/mcp"),
        json!("https://mcp.example.com:443/mcp"),
    ] {
        let auth = bearer(json!({"sub": "u1", "iss": AS, "aud": aud}));
        assert!(call(&g, "GET", Some(&auth)).is_ok(), "{aud}");
    }
}

#[test]
fn refuses_wrong_missing_audience_and_issuer() {
    let g = mcp_gate();
    for (claims, claim) in [
        (json!({"sub": "u1", "iss": AS}), "aud"),
        (
            json!({"sub": "u1", "iss": AS, "aud": "https://mcp.example.com/mcp/"}),
            "aud",
        ),
        (
            json!({"sub": "u1", "iss": AS, "aud": "https://mcp.example.com/mcp2"}),
            "aud",
        ),
        (json!({"sub": "u1", "iss": AS, "aud": "https://mcp.example.com"}), "aud"),
        (
            json!({"sub": "u1", "iss": AS, "aud": ["https://a.example", "https://b.example"]}),
            "aud",
        ),
        (json!({"sub": "u1", "aud": RESOURCE}), "iss"),
        (
            json!({"sub": "u1", "iss": "https://evil.example", "aud": RESOURCE}),
            "iss",
        ),
        (
            json!({"sub": "u1", "iss": "https://auth.example.com/", "aud": RESOURCE}),
            "iss",
        ),
    ] {
        let (code, response) = call(&g, "GET", Some(&bearer(claims.clone()))).unwrap_err();
        assert_eq!((code, response.status), (ErrorCode::InvalidClaims, 401), "{claims}");
        let body: Value = serde_json::from_str(&response.body).unwrap();
        assert_eq!(body["code"], "invalid_claims");
        let challenge = response.header("WWW-Authenticate").unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(
            challenge.ends_with(&format!("resource_metadata=\"{PRM}\"")),
            "{challenge}"
        );
        let _ = claim;
    }
}

#[test]
fn challenges() {
    let g = mcp_gate();
    assert_eq!(
        denied(&g, "POST", None),
        (
            ErrorCode::NotAuthenticated,
            401,
            format!("Bearer realm=\"api\", scope=\"files:read files:write\", resource_metadata=\"{PRM}\"")
        )
    );
    assert_eq!(
        denied(&g, "GET", None),
        (
            ErrorCode::NotAuthenticated,
            401,
            format!("Bearer realm=\"api\", resource_metadata=\"{PRM}\"")
        )
    );
    // Step-up: both scopes in one challenge, though only one is missing.
    let auth = bearer(json!({"sub": "u1", "iss": AS, "aud": RESOURCE, "scope": "files:read"}));
    assert_eq!(
        denied(&g, "POST", Some(&auth)),
        (
            ErrorCode::InsufficientScope,
            403,
            format!(
                "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"The token lacks the \
                 `files:write` scope.\", scope=\"files:read files:write\", resource_metadata=\"{PRM}\""
            )
        )
    );
    let expired = token_at(json!({"sub": "u1", "iss": AS, "aud": RESOURCE}), NOW - 7200);
    let (code, status, challenge) = denied(&g, "GET", Some(&format!("Bearer {expired}")));
    assert_eq!((code, status), (ErrorCode::TokenExpired, 401));
    assert!(challenge.starts_with("Bearer realm=\"api\", error=\"invalid_token\", error_description=\""));
    for malformed in [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Basic dXNlcjpwYXNz",
        "Bearer tok\"en",
        "bearer",
    ] {
        let (code, status, challenge) = denied(&g, "GET", Some(malformed));
        assert_eq!((code, status), (ErrorCode::InvalidRequest, 400), "{malformed}");
        assert_eq!(
            challenge,
            format!(
                "Bearer realm=\"api\", error=\"invalid_request\", error_description=\"The Authorization header \
                 must be `Bearer <token>`.\", resource_metadata=\"{PRM}\""
            )
        );
    }
    // A configured metadata URL is used as given.
    let g = gate(json!({"resource": RESOURCE, "issuers": [AS], "resource_metadata": "https://meta.example.com/prm"}));
    assert_eq!(
        denied(&g, "GET", None).2,
        "Bearer realm=\"api\", resource_metadata=\"https://meta.example.com/prm\""
    );
}

#[test]
fn unchanged_without_the_setting() {
    let mut c = config(Value::Null);
    c.as_object_mut().unwrap().remove("protected_resource");
    let g = Gate::new(serde_json::from_value::<GateConfig>(c).unwrap()).unwrap();
    assert_eq!(denied(&g, "POST", None).2, "Bearer realm=\"api\"");
    let (code, status, challenge) = denied(&g, "GET", Some("Basic x"));
    assert_eq!((code, status), (ErrorCode::InvalidToken, 401));
    assert!(challenge.starts_with("Bearer realm=\"api\", error=\"invalid_token\""));
    // A token with `aud` is refused when no audience is configured, as before.
    let auth = bearer(json!({"sub": "u1", "aud": RESOURCE}));
    assert_eq!(denied(&g, "GET", Some(&auth)).0, ErrorCode::InvalidClaims);
}

#[test]
fn settings_are_checked() {
    let field = |resource: Value, jwt_config: Value| {
        let mut c = config(resource);
        c["jwt"]["config"] = jwt_config;
        let e = Gate::new(serde_json::from_value::<GateConfig>(c).unwrap()).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
        e.field_name().unwrap_or("").to_owned()
    };
    let hs = json!({"algorithms": ["HS256"]});
    assert_eq!(
        field(json!({"resource": "https://h/mcp#x", "issuers": [AS]}), hs.clone()),
        "protected_resource.resource"
    );
    assert_eq!(
        field(json!({"resource": "http://h.example/mcp", "issuers": [AS]}), hs.clone()),
        "protected_resource.resource"
    );
    assert_eq!(
        field(json!({"resource": RESOURCE, "issuers": []}), hs.clone()),
        "protected_resource.issuers"
    );
    assert_eq!(
        field(json!({"resource": RESOURCE, "issuers": ["not a url"]}), hs.clone()),
        "protected_resource.issuers[0]"
    );
    assert_eq!(
        field(
            json!({"resource": RESOURCE, "issuers": [AS], "resource_metadata": "https://h/p#f"}),
            hs
        ),
        "protected_resource.resource_metadata"
    );
    assert_eq!(
        field(
            json!({"resource": RESOURCE, "issuers": [AS]}),
            json!({"algorithms": ["HS256"], "audience": RESOURCE})
        ),
        "jwt.config.audience"
    );
    assert_eq!(
        field(
            json!({"resource": RESOURCE, "issuers": [AS]}),
            json!({"algorithms": ["HS256"], "issuer": AS})
        ),
        "jwt.config.issuer"
    );
}

/// The README's Rust snippet ("MCP authorization (resource server)"), as written there, then
/// one request through it.
#[test]
fn readme_snippet_builds_the_metadata_and_the_gate() -> Result<(), Box<dyn std::error::Error>> {
    use authcore::mcp_server::ResourceMetadata;

    let doc = ResourceMetadata::new("https://mcp.example.com/mcp", vec!["https://auth.example.com".into()]);
    doc.check()?;
    // The authorization server's ES256 public key (a JWK; a JWKS works too).
    let as_public_jwk = serde_json::json!({"kty": "EC", "crv": "P-256",
        "x": "mC1UeFewX7j45nUS1iv2F13aYGOW43xis20DsjxC544", "y": "GDLdezKTwA9EpUn5G0IEGwkgQLrydhUgcqmZFMNjkrE"});
    let config: GateConfig = serde_json::from_value(serde_json::json!({
        "jwt": {"config": {"algorithms": ["ES256"]}, "keys": [{"jwk": as_public_jwk}]},
        "credentials": ["jwt"],
        "routes": [{"method": "POST", "path": "/mcp", "scopes": ["mcp:tools"]}],
        "protected_resource": {"resource": "https://mcp.example.com/mcp", "issuers": ["https://auth.example.com"]},
    }))?;
    let gate = Gate::new(config)?;

    let metadata = doc
        .serve(&HttpRequest::new(
            "GET",
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
        ))
        .expect("the metadata route");
    assert_eq!(metadata.status, 200);
    // No token: 401 with the metadata URL and the route's scope in the challenge.
    let (code, status, challenge) = denied(&gate, "POST", None);
    assert_eq!((code, status), (ErrorCode::NotAuthenticated, 401));
    assert!(
        challenge.contains(r#"resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#)
    );
    assert!(challenge.contains(r#"scope="mcp:tools""#));
    Ok(())
}
