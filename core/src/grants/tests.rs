use serde_json::json;

use super::*;
use crate::entropy::FixedEntropy;
use crate::jwt::{Verifier, VerifierConfig, VerifyingKey};

const ES256_PEM: &str = include_str!("testdata/es256.pem");
const ES256_PUB_PEM: &str = include_str!("testdata/es256.pub.pem");
const ED25519_PEM: &str = include_str!("testdata/ed25519.pem");
const RSA_PEM: &str = include_str!("testdata/rsa.pem");

const NOW: i64 = 1_700_000_000;
const ISSUER: &str = "https://as.example.com";
const TOKEN_URL: &str = "https://as.example.com/token";

fn endpoint() -> TokenEndpoint {
    TokenEndpoint::new(TOKEN_URL, Some(ISSUER))
}

fn entropy() -> FixedEntropy {
    FixedEntropy::new((0u8..16).collect())
}

fn pem_key(pem: &str) -> KeySpec {
    KeySpec {
        pem: Some(pem.to_owned()),
        ..KeySpec::default()
    }
}

fn pkjwt(key: KeySpec) -> TokenEndpointAuth {
    TokenEndpointAuth::PrivateKeyJwt {
        client_id: "client-1".into(),
        key,
        lifetime: None,
    }
}

fn form(req: &HttpRequest) -> Vec<(String, String)> {
    crate::http::form_decode(req.body.as_deref().unwrap()).unwrap()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn cc() -> GrantRequest {
    GrantRequest::new(Grant::ClientCredentials)
}

fn verify_es256(token: &str, now: i64) -> crate::Result<crate::jwt::VerifiedToken> {
    let key = VerifyingKey::from_pem(Algorithm::Es256, ES256_PUB_PEM, Backend::Portable)?;
    let mut config = VerifierConfig::new(&[Algorithm::Es256]);
    config.issuer = Some("client-1".into());
    config.audience = Some(vec![ISSUER.into()]);
    config.leeway = 0;
    Verifier::with_key(config, key)?.verify(token, now)
}

#[test]
fn private_key_jwt_es256_assertion_verifies_with_the_public_key_on_both_backends() {
    for backend in [Backend::Native, Backend::Portable] {
        let req = token_request_with_backend(
            &endpoint(),
            &pkjwt(pem_key(ES256_PEM)),
            &cc(),
            NOW,
            &mut entropy(),
            backend,
        )
        .unwrap();
        let pairs = form(&req);
        assert_eq!(param(&pairs, "grant_type"), Some("client_credentials"));
        assert_eq!(param(&pairs, "client_id"), Some("client-1"));
        assert_eq!(
            param(&pairs, "client_assertion_type"),
            Some(CLIENT_ASSERTION_TYPE_JWT_BEARER)
        );
        assert!(req.header("Authorization").is_none());
        let assertion = param(&pairs, "client_assertion").unwrap();
        let verified = verify_es256(assertion, NOW).unwrap();
        let claims = verified.claims();
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        assert_eq!(claims["aud"], ISSUER);
        assert_eq!(claims["iat"], NOW);
        assert_eq!(claims["exp"], NOW + 60);
        // 16 entropy bytes 00..0f, base64url.
        assert_eq!(claims["jti"], "AAECAwQFBgcICQoLDA0ODw");
        // Expired once the lifetime is over.
        assert_eq!(
            verify_es256(assertion, NOW + 60).unwrap_err().code(),
            ErrorCode::TokenExpired
        );
    }
}

#[test]
fn the_assertion_audience_is_the_issuer_never_the_token_endpoint() {
    let mut ep = endpoint();
    ep.issuer = None;
    let err = token_request(&ep, &pkjwt(pem_key(ES256_PEM)), &cc(), NOW, &mut entropy()).unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::InvalidConfig, Some("issuer"))
    );
    // The issuer is used exactly as given (no trailing slash added or removed).
    let ep = TokenEndpoint::new(TOKEN_URL, Some("https://as.example.com/tenant/"));
    let a = client_assertion(
        &ep,
        "c",
        &pem_key(ES256_PEM),
        None,
        NOW,
        &mut entropy(),
        Backend::Portable,
    )
    .unwrap();
    let (_, claims) = decode_unverified(&a).unwrap();
    assert_eq!(claims["aud"], "https://as.example.com/tenant/");
}

#[test]
fn algorithm_is_chosen_from_the_key_and_the_metadata_list() {
    let alg_of = |key: KeySpec, list: Option<&[&str]>| {
        let mut ep = endpoint();
        ep.auth_signing_alg_values_supported = list.map(|l| l.iter().map(|s| s.to_string()).collect());
        client_assertion(&ep, "c", &key, None, NOW, &mut entropy(), Backend::Portable)
            .map(|a| decode_unverified(&a).unwrap().0["alg"].as_str().unwrap().to_owned())
    };
    assert_eq!(alg_of(pem_key(ES256_PEM), None).unwrap(), "ES256");
    assert_eq!(alg_of(pem_key(ED25519_PEM), None).unwrap(), "EdDSA");
    assert_eq!(alg_of(pem_key(RSA_PEM), None).unwrap(), "RS256");
    assert_eq!(alg_of(pem_key(RSA_PEM), Some(&["PS256", "ES256"])).unwrap(), "PS256");
    assert_eq!(alg_of(pem_key(ED25519_PEM), Some(&["Ed25519"])).unwrap(), "EdDSA");
    // The key fits nothing on the list.
    let err = alg_of(pem_key(ES256_PEM), Some(&["RS256"])).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidKey, Some("key")));
    // The list has nothing authcore signs assertions with.
    let err = alg_of(pem_key(ES256_PEM), Some(&["HS256"])).unwrap_err();
    assert_eq!(
        err.field_name(),
        Some("token_endpoint_auth_signing_alg_values_supported")
    );
    // A named algorithm must be on the list, and must be an assertion algorithm.
    let named = |alg| KeySpec {
        alg: Some(alg),
        ..pem_key(ES256_PEM)
    };
    let err = alg_of(named(Algorithm::Es256), Some(&["RS256"])).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidConfig, Some("alg")));
    let hs = KeySpec {
        alg: Some(Algorithm::Hs256),
        secret: Some("x".repeat(32)),
        ..KeySpec::default()
    };
    assert_eq!(alg_of(hs, None).unwrap_err().field_name(), Some("alg"));
    // No key material.
    let err = alg_of(KeySpec::default(), None).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidKey, Some("key")));
}

#[test]
fn jwk_key_with_kid_and_eddsa_is_deterministic() {
    let seed = [9u8; 32];
    let public = SigningKey::from_raw(Algorithm::EdDsa, &seed, Backend::Portable)
        .unwrap()
        .verifying_key()
        .unwrap()
        .to_jwk()
        .unwrap();
    let mut jwk = public.clone();
    jwk["d"] = json!(crate::util::b64url(&seed));
    jwk["kid"] = json!("k1");
    let key = KeySpec {
        jwk: Some(jwk),
        ..KeySpec::default()
    };
    let a = client_assertion(&endpoint(), "c", &key, Some(30), NOW, &mut entropy(), Backend::Portable).unwrap();
    let b = client_assertion(&endpoint(), "c", &key, Some(30), NOW, &mut entropy(), Backend::Native).unwrap();
    assert_eq!(a, b);
    let (header, claims) = decode_unverified(&a).unwrap();
    assert_eq!(header["kid"], "k1");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(claims["exp"], NOW + 30);
    let vk = VerifyingKey::from_jwk(&public, None, Backend::Portable)
        .unwrap()
        .with_kid("k1")
        .unwrap();
    let mut config = VerifierConfig::new(&[Algorithm::EdDsa]);
    config.audience = Some(vec![ISSUER.into()]);
    Verifier::with_key(config, vk).unwrap().verify(&a, NOW).unwrap();
}

#[test]
fn assertion_lifetime_and_entropy_are_checked() {
    for bad in [0, 601, -5] {
        let err = client_assertion(
            &endpoint(),
            "c",
            &pem_key(ES256_PEM),
            Some(bad),
            NOW,
            &mut entropy(),
            Backend::Portable,
        )
        .unwrap_err();
        assert_eq!(err.field_name(), Some("lifetime"));
    }
    let err = client_assertion(
        &endpoint(),
        "c",
        &pem_key(ES256_PEM),
        None,
        NOW,
        &mut FixedEntropy::new(vec![1; 8]),
        Backend::Portable,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::EntropyUnavailable);
}

#[test]
fn secret_methods_and_none() {
    let basic = TokenEndpointAuth::ClientSecretBasic {
        client_id: "a b:c".into(),
        client_secret: Secret::new("p&ss=w\u{f6}rd"),
    };
    let req = token_request(&endpoint(), &basic, &cc(), NOW, &mut entropy()).unwrap();
    // form-encoded "a+b%3Ac" ":" "p%26ss%3Dw%C3%B6rd"
    let expected = format!(
        "Basic {}",
        <base64ct::Base64 as base64ct::Encoding>::encode_string(b"a+b%3Ac:p%26ss%3Dw%C3%B6rd")
    );
    assert_eq!(req.header("Authorization"), Some(expected.as_str()));
    assert_eq!(req.body.as_deref(), Some("grant_type=client_credentials"));
    assert_eq!(req.header("Content-Type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(req.header("Accept"), Some("application/json"));
    assert_eq!(req.method, "POST");

    let post = TokenEndpointAuth::ClientSecretPost {
        client_id: "id".into(),
        client_secret: Secret::new("s"),
    };
    let req = token_request(&endpoint(), &post, &cc(), NOW, &mut entropy()).unwrap();
    assert_eq!(
        req.body.as_deref(),
        Some("grant_type=client_credentials&client_id=id&client_secret=s")
    );
    assert!(req.header("Authorization").is_none());

    let empty = TokenEndpointAuth::ClientSecretPost {
        client_id: "id".into(),
        client_secret: Secret::new(""),
    };
    let err = token_request(&endpoint(), &empty, &cc(), NOW, &mut entropy()).unwrap_err();
    assert_eq!(err.field_name(), Some("client_secret"));

    let none = TokenEndpointAuth::None {
        client_id: Some("pub".into()),
    };
    let err = token_request(&endpoint(), &none, &cc(), NOW, &mut entropy()).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidInput, Some("auth")));
    let refresh = GrantRequest::new(Grant::RefreshToken {
        refresh_token: Secret::new("rt"),
    });
    let req = token_request(&endpoint(), &none, &refresh, NOW, &mut entropy()).unwrap();
    assert_eq!(
        req.body.as_deref(),
        Some("grant_type=refresh_token&refresh_token=rt&client_id=pub")
    );
}

#[test]
fn scope_and_resource_go_with_every_grant() {
    let auth = TokenEndpointAuth::None { client_id: None };
    let code = GrantRequest {
        grant: Grant::AuthorizationCode {
            code: Secret::new("c1"),
            redirect_uri: "http://127.0.0.1:3000/cb".into(),
            code_verifier: Some(Secret::new("v")),
        },
        scope: Some("  a  b ".into()),
        resource: vec![
            "https://mcp.example.com/mcp".into(),
            "https://other.example.com/".into(),
        ],
    };
    let req = token_request(&endpoint(), &auth, &code, NOW, &mut entropy()).unwrap();
    assert_eq!(
        req.body.as_deref(),
        Some(
            "grant_type=authorization_code&code=c1&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fcb&code_verifier=v\
             &scope=a+b&resource=https%3A%2F%2Fmcp.example.com%2Fmcp&resource=https%3A%2F%2Fother.example.com%2F"
        )
    );
    let mut blank = code.clone();
    blank.scope = Some("   ".into());
    blank.resource.clear();
    let body = token_request(&endpoint(), &auth, &blank, NOW, &mut entropy())
        .unwrap()
        .body
        .unwrap();
    assert!(!body.contains("scope") && !body.contains("resource"));
    let mut bad = code.clone();
    bad.scope = Some("a \"b\"".into());
    assert_eq!(
        token_request(&endpoint(), &auth, &bad, NOW, &mut entropy())
            .unwrap_err()
            .field_name(),
        Some("scope")
    );
    for r in ["https://mcp.example.com/mcp#frag", "/relative", ""] {
        let mut bad = code.clone();
        bad.resource = vec![r.into()];
        let err = token_request(&endpoint(), &auth, &bad, NOW, &mut entropy()).unwrap_err();
        assert_eq!(err.field_name(), Some("resource"), "{r}");
    }
    let mut ep = endpoint();
    ep.url = "http://as.example.com/token".into();
    let err = token_request(&ep, &auth, &code, NOW, &mut entropy()).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidConfig, Some("url")));
}

fn jwt_with_exp(exp: i64) -> String {
    let b = |v: serde_json::Value| crate::util::b64url(v.to_string().as_bytes());
    format!(
        "{}.{}.c2ln",
        b(json!({"alg": "ES256"})),
        b(json!({"iss": "https://idp", "aud": ISSUER, "exp": exp}))
    )
}

#[test]
fn jwt_bearer_grant_sends_the_assertion_and_refuses_an_expired_one() {
    let auth = TokenEndpointAuth::None {
        client_id: Some("wif".into()),
    };
    let assertion = jwt_with_exp(NOW + 1);
    let request = GrantRequest {
        grant: Grant::JwtBearer {
            assertion: Secret::new(assertion.clone()),
        },
        scope: Some("mcp:read".into()),
        resource: vec![],
    };
    let req = token_request(&endpoint(), &auth, &request, NOW, &mut entropy()).unwrap();
    assert_eq!(
        req.body.unwrap(),
        format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}&scope=mcp%3Aread&client_id=wif"
        )
    );
    let err = token_request(&endpoint(), &auth, &request, NOW + 1, &mut entropy()).unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::TokenExpired, Some("assertion"))
    );
    let opaque = GrantRequest::new(Grant::JwtBearer {
        assertion: Secret::new("not-a-jwt"),
    });
    let err = token_request(&endpoint(), &auth, &opaque, NOW, &mut entropy()).unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::InvalidInput, Some("assertion"))
    );

    // invalid_grant from the server names the assertion; other errors their fields.
    let answer = |body: &str| HttpResponse::new(400).with_body(body);
    let err = token_response(
        &request,
        &answer(r#"{"error":"invalid_grant","error_description":"JWT assertion is expired"}"#),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::InvalidGrant, Some("assertion"))
    );
    assert_eq!(err.detail(), "JWT assertion is expired");
    let err = token_response(&request, &answer(r#"{"error":"invalid_scope"}"#), NOW).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::InvalidScope, Some("scope")));
    let err = token_response(&request, &answer(r#"{"error":"unauthorized_client"}"#), NOW).unwrap_err();
    assert_eq!((err.code(), err.field_name()), (ErrorCode::UnauthorizedClient, None));
    let err = token_response(&request, &answer(r#"{"error":"invalid_target"}"#), NOW).unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::InvalidRequest, Some("resource"))
    );
    let err = token_response(
        &cc(),
        &HttpResponse::new(401).with_body(r#"{"error":"invalid_client"}"#),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::InvalidClient, Some("client_id"))
    );
    let ok = token_response(
        &request,
        &HttpResponse::new(200).with_body(r#"{"access_token":"at","token_type":"Bearer","expires_in":60}"#),
        NOW,
    )
    .unwrap();
    assert_eq!((ok.access_token.expose(), ok.expires_at), ("at", Some(NOW + 60)));
}

#[test]
fn id_jag_exchange_then_jwt_bearer() {
    let idp = TokenEndpoint::new("https://idp.example.com/token", Some("https://idp.example.com"));
    let request = id_jag_request("id.token.x", ISSUER, "https://mcp.example.com/mcp", None);
    let auth = TokenEndpointAuth::None {
        client_id: Some("idp-client".into()),
    };
    let req = token_request(&idp, &auth, &request, NOW, &mut entropy()).unwrap();
    assert_eq!(req.url, "https://idp.example.com/token");
    assert_eq!(
        req.body.as_deref(),
        Some(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
             &requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid-jag\
             &audience=https%3A%2F%2Fas.example.com\
             &subject_token=id.token.x\
             &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token\
             &resource=https%3A%2F%2Fmcp.example.com%2Fmcp&client_id=idp-client"
        )
    );
    let mut missing = request.clone();
    missing.resource.clear();
    assert_eq!(
        token_request(&idp, &auth, &missing, NOW, &mut entropy())
            .unwrap_err()
            .field_name(),
        Some("resource")
    );
    let mut missing = request.clone();
    if let Grant::TokenExchange { audience, .. } = &mut missing.grant {
        audience.clear();
    }
    assert_eq!(
        token_request(&idp, &auth, &missing, NOW, &mut entropy())
            .unwrap_err()
            .field_name(),
        Some("audience")
    );

    let jag = jwt_with_exp(NOW + 300);
    let body =
        json!({"access_token": jag, "issued_token_type": TOKEN_TYPE_ID_JAG, "token_type": "N_A", "expires_in": 300});
    let exchanged =
        token_exchange_response(&request, &HttpResponse::new(200).with_body(body.to_string()), NOW).unwrap();
    assert_eq!(exchanged.access_token.expose(), jag);
    assert_eq!(exchanged.token_type, "N_A");
    assert_eq!(exchanged.expires_at, Some(NOW + 300));

    let wrong = json!({"access_token": jag, "issued_token_type": TOKEN_TYPE_ACCESS_TOKEN, "token_type": "Bearer"});
    let err = token_exchange_response(&request, &HttpResponse::new(200).with_body(wrong.to_string()), NOW).unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::InvalidResponse, Some("issued_token_type"))
    );
    let no_type = json!({"access_token": jag, "token_type": "N_A"});
    let err =
        token_exchange_response(&request, &HttpResponse::new(200).with_body(no_type.to_string()), NOW).unwrap_err();
    assert_eq!(err.field_name(), Some("issued_token_type"));
    let err = token_exchange_response(
        &request,
        &HttpResponse::new(400).with_body(r#"{"error":"invalid_grant","error_description":"Invalid ID token"}"#),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        (err.code(), err.field_name()),
        (ErrorCode::InvalidGrant, Some("subject_token"))
    );
    let err = token_exchange_response(&cc(), &HttpResponse::new(200).with_body("{}"), NOW).unwrap_err();
    assert_eq!(err.field_name(), Some("grant"));

    // Step 2: the ID-JAG as a JWT-bearer grant, client_secret_basic at the MCP AS.
    let auth = TokenEndpointAuth::ClientSecretBasic {
        client_id: "mcp-client".into(),
        client_secret: Secret::new("s"),
    };
    let grant = GrantRequest::new(Grant::JwtBearer {
        assertion: exchanged.access_token.clone(),
    });
    let req = token_request(&endpoint(), &auth, &grant, NOW, &mut entropy()).unwrap();
    assert_eq!(
        req.body.clone().unwrap(),
        format!("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={jag}")
    );
    assert!(req.header("Authorization").unwrap().starts_with("Basic "));
}

#[test]
fn token_exchange_actor_rules() {
    let auth = TokenEndpointAuth::None { client_id: None };
    let grant = |actor: Option<&str>, actor_type: Option<&str>| {
        GrantRequest::new(Grant::TokenExchange {
            subject_token: Secret::new("st"),
            subject_token_type: TOKEN_TYPE_ACCESS_TOKEN.into(),
            requested_token_type: None,
            audience: vec![],
            actor_token: actor.map(Secret::new),
            actor_token_type: actor_type.map(str::to_owned),
        })
    };
    let err = token_request(&endpoint(), &auth, &grant(Some("at"), None), NOW, &mut entropy()).unwrap_err();
    assert_eq!(err.field_name(), Some("actor_token_type"));
    let err = token_request(
        &endpoint(),
        &auth,
        &grant(None, Some(TOKEN_TYPE_JWT)),
        NOW,
        &mut entropy(),
    )
    .unwrap_err();
    assert_eq!(err.field_name(), Some("actor_token"));
    let req = token_request(
        &endpoint(),
        &auth,
        &grant(Some("at"), Some(TOKEN_TYPE_JWT)),
        NOW,
        &mut entropy(),
    )
    .unwrap();
    assert!(req
        .body
        .unwrap()
        .ends_with("&actor_token=at&actor_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt"));
}

#[test]
fn choosing_the_method() {
    let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Registered wins.
    assert_eq!(
        choose_auth_method(
            Some("client_secret_post"),
            Some(&list(&["client_secret_basic"])),
            true,
            false
        )
        .unwrap(),
        AuthMethod::ClientSecretPost
    );
    let err = choose_auth_method(Some("tls_client_auth"), None, true, false).unwrap_err();
    assert_eq!(err.field_name(), Some("token_endpoint_auth_method"));
    let err = choose_auth_method(Some("private_key_jwt"), None, true, false).unwrap_err();
    assert_eq!(err.field_name(), Some("key"));
    // Absent list: client_secret_basic (RFC 8414).
    assert_eq!(
        choose_auth_method(None, None, true, false).unwrap(),
        AuthMethod::ClientSecretBasic
    );
    assert!(choose_auth_method(None, None, false, false).is_err());
    let all = list(&["none", "client_secret_post", "client_secret_basic", "private_key_jwt"]);
    assert_eq!(
        choose_auth_method(None, Some(&all), true, true).unwrap(),
        AuthMethod::PrivateKeyJwt
    );
    assert_eq!(
        choose_auth_method(None, Some(&all), true, false).unwrap(),
        AuthMethod::ClientSecretBasic
    );
    assert_eq!(
        choose_auth_method(None, Some(&all), false, false).unwrap(),
        AuthMethod::None
    );
    assert_eq!(
        choose_auth_method(None, Some(&list(&["client_secret_post"])), true, false).unwrap(),
        AuthMethod::ClientSecretPost
    );
    let err = choose_auth_method(None, Some(&list(&["private_key_jwt"])), true, false).unwrap_err();
    assert_eq!(err.field_name(), Some("token_endpoint_auth_methods_supported"));
}

#[test]
fn auth_and_grant_json_shapes() {
    let auth: TokenEndpointAuth = serde_json::from_value(json!({
        "type": "private_key_jwt", "client_id": "c", "key": {"pem": ES256_PEM, "kid": "k"}, "lifetime": 30
    }))
    .unwrap();
    assert_eq!(auth.method(), AuthMethod::PrivateKeyJwt);
    assert!(!format!("{auth:?}").contains("PRIVATE KEY"));
    let req: GrantRequest = serde_json::from_value(json!({
        "grant": {"type": "token_exchange", "subject_token": "t", "subject_token_type": TOKEN_TYPE_ID_TOKEN,
                  "audience": "https://as"},
        "resource": "https://mcp/"
    }))
    .unwrap();
    assert_eq!(req.resource, vec!["https://mcp/".to_owned()]);
    assert!(matches!(&req.grant, Grant::TokenExchange { audience, .. } if audience == &vec!["https://as".to_owned()]));
    assert!(
        serde_json::from_value::<TokenEndpointAuth>(json!({"type": "client_secret_jwt", "client_id": "c"})).is_err()
    );
    assert_eq!(
        serde_json::to_value(Grant::ClientCredentials).unwrap(),
        json!({"type": "client_credentials"})
    );
}
