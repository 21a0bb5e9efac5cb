//! Plays a request log through the authenticator with an in-memory "database" and checks
//! every decision.

use std::collections::BTreeMap;

use authcore::entropy::FixedEntropy;
use authcore::error::ErrorCode;
use authcore::gate::{
    Access, Classified, Decision, Gate, GateConfig, GateJwt, IdentityRule, Lookup, RouteRule, ServiceToken, UserInfo,
};
use authcore::http::HttpRequest;
use authcore::jwt::{Algorithm, Issuer, IssuerConfig, KeySpec, SigningKey, VerifierConfig};
use authcore::secret::Secret;
use authcore::session::{Session, SessionConfig, SessionManager};
use serde_json::json;

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const ID_A: &str = "11111111-1111-4111-8111-111111111111";
const ID_B: &str = "22222222-2222-4222-8222-222222222222";
const ID_OTHER: &str = "33333333-3333-4333-8333-333333333333";

fn route(method: &str, path: &str, access: Access) -> RouteRule {
    RouteRule {
        method: method.into(),
        path: path.into(),
        access,
        scopes: vec![],
        identity: IdentityRule::None,
        entitlement: None,
        credentials: None,
    }
}

fn config() -> GateConfig {
    let key = KeySpec {
        alg: Some(Algorithm::Hs256),
        secret: Some(SECRET.into()),
        ..Default::default()
    };
    GateConfig {
        jwt: Some(GateJwt {
            config: VerifierConfig::new(&[Algorithm::Hs256]),
            keys: vec![key],
        }),
        services: vec![ServiceToken {
            name: "billing".into(),
            header: "X-Services-Token".into(),
            secret: Secret::new("svc-secret-value"),
        }],
        routes: vec![
            route("GET", "/health", Access::Public),
            route("*", "/internal/**", Access::Service),
            route("GET,HEAD", "/api/docs/**", Access::UserOrGuest),
            route("POST", "/api/docs/**", Access::UserOrGuest),
            RouteRule {
                identity: IdentityRule::Required,
                ..route("*", "/api/projects/**", Access::User)
            },
            RouteRule {
                entitlement: Some("pro".into()),
                ..route("*", "/api/pro/**", Access::User)
            },
            RouteRule {
                scopes: vec!["admin".into()],
                ..route("*", "/api/admin/**", Access::User)
            },
        ],
        ..Default::default()
    }
}

struct Db {
    sessions: BTreeMap<String, Session>,
    users: BTreeMap<String, UserInfo>,
}

impl Db {
    fn lookup(&self, c: &Classified) -> Lookup {
        let session = c.needs.session.as_ref().and_then(|h| self.sessions.get(h)).cloned();
        let user_id = match &c.credential {
            authcore::gate::Credential::Jwt { user_id, .. } => Some(user_id.clone()),
            _ => session.as_ref().map(|s| s.user_id.clone()),
        };
        let user = if c.needs.user {
            user_id.and_then(|u| self.users.get(&u).cloned())
        } else {
            None
        };
        Lookup { session, user }
    }
}

fn jwt(sub: &str, scope: Option<&str>) -> String {
    let key = SigningKey::from_secret(Algorithm::Hs256, SECRET.as_bytes(), Default::default()).unwrap();
    let issuer = Issuer::new(IssuerConfig::default(), key).unwrap();
    let mut claims = json!({"sub": sub, "email": format!("{sub}@example.com")});
    if let Some(s) = scope {
        claims["scope"] = json!(s);
    }
    issuer.issue(claims, NOW, &mut FixedEntropy::new(vec![])).unwrap()
}

#[test]
fn request_log() {
    let gate = Gate::new(config()).unwrap();
    let debug = format!("{:?}", gate.config());
    assert!(
        !debug.contains(SECRET) && !debug.contains("svc-secret-value"),
        "{debug}"
    );

    let sessions = SessionManager::new(SessionConfig::default()).unwrap();
    let live = sessions
        .create(
            "alice",
            Some("alice@example.com"),
            false,
            NOW - 120,
            &mut FixedEntropy::new(vec![1; 16]),
        )
        .unwrap();
    let revoked = sessions
        .create("alice", None, false, NOW, &mut FixedEntropy::new(vec![2; 16]))
        .unwrap();
    let idle = sessions
        .create(
            "alice",
            None,
            false,
            NOW - 30 * 86_400,
            &mut FixedEntropy::new(vec![3; 16]),
        )
        .unwrap();
    let mut db = Db {
        sessions: BTreeMap::new(),
        users: BTreeMap::new(),
    };
    for s in [&live.record, &idle.record] {
        db.sessions.insert(s.token_hash.clone(), s.clone());
    }
    let r = sessions.revoke(&revoked.record, NOW);
    db.sessions.insert(r.token_hash.clone(), r);
    db.users.insert(
        "alice".into(),
        UserInfo {
            identities: vec![ID_A.into(), ID_B.into()],
            default_identity: Some(ID_A.into()),
            entitlements: vec![],
        },
    );
    db.users.insert(
        "bob".into(),
        UserInfo {
            identities: vec![ID_OTHER.into()],
            default_identity: None,
            entitlements: vec!["pro".into()],
        },
    );

    let alice = format!("Bearer {}", jwt("alice", Some("read")));
    let bob = format!("Bearer {}", jwt("bob", Some("read admin")));
    let sess = |t: &Secret| format!("Bearer {}", t.expose());
    let guest = "guest-12345678";

    // (method, path, headers, expected: Ok(user/identity) or Err(code))
    type Want = Result<(&'static str, Option<&'static str>), ErrorCode>;
    type Entry<'a> = (&'a str, &'a str, Vec<(&'a str, String)>, Want);
    let log: Vec<Entry> = vec![
        ("GET", "/health", vec![], Ok(("none", None))),
        ("GET", "/api/me", vec![], Err(ErrorCode::NotAuthenticated)),
        (
            "GET",
            "/api/me",
            vec![("Authorization", alice.clone())],
            Ok(("jwt", None)),
        ),
        (
            "GET",
            "/api/me",
            vec![("Authorization", "Basic abc".into())],
            Err(ErrorCode::InvalidToken),
        ),
        (
            "GET",
            "/api/me",
            vec![("Authorization", "Bearer x.y.z".into())],
            Err(ErrorCode::InvalidToken),
        ),
        // A bad bearer token is never downgraded to guest access.
        (
            "GET",
            "/api/docs/1",
            vec![("Authorization", "Bearer x.y.z".into()), ("X-Guest-ID", guest.into())],
            Err(ErrorCode::InvalidToken),
        ),
        (
            "GET",
            "/api/docs/1",
            vec![("X-Guest-ID", guest.into())],
            Ok(("guest", None)),
        ),
        (
            "HEAD",
            "/api/docs/1",
            vec![("X-Guest-ID", guest.into())],
            Ok(("guest", None)),
        ),
        (
            "POST",
            "/api/docs/1",
            vec![("X-Guest-ID", guest.into())],
            Err(ErrorCode::GuestReadOnly),
        ),
        (
            "GET",
            "/api/docs/1",
            vec![("X-Guest-ID", "bad id!".into())],
            Err(ErrorCode::InvalidGuestId),
        ),
        (
            "GET",
            "/api/me",
            vec![("X-Guest-ID", guest.into())],
            Err(ErrorCode::NotAuthenticated),
        ),
        (
            "POST",
            "/api/docs/1",
            vec![("Authorization", sess(&live.token))],
            Ok(("session", None)),
        ),
        (
            "GET",
            "/api/me",
            vec![("Authorization", sess(&revoked.token))],
            Err(ErrorCode::SessionRevoked),
        ),
        (
            "GET",
            "/api/me",
            vec![("Authorization", sess(&idle.token))],
            Err(ErrorCode::SessionExpired),
        ),
        (
            "GET",
            "/api/me",
            vec![("Authorization", "Bearer 99999999-9999-4999-8999-999999999999".into())],
            Err(ErrorCode::InvalidSession),
        ),
        (
            "POST",
            "/internal/jobs",
            vec![("X-Services-Token", "svc-secret-value".into())],
            Ok(("service", None)),
        ),
        (
            "POST",
            "/internal/jobs",
            vec![("X-Services-Token", "svc-secret-valuX".into())],
            Err(ErrorCode::InvalidServiceToken),
        ),
        (
            "POST",
            "/internal/jobs",
            vec![("Authorization", alice.clone())],
            Err(ErrorCode::InvalidServiceToken),
        ),
        // Dot-segments are refused, never resolved: the router might not resolve them.
        (
            "POST",
            "/internal/../internal/jobs",
            vec![("X-Services-Token", "svc-secret-value".into())],
            Err(ErrorCode::InvalidRequestTarget),
        ),
        // Only the path routes: a URL in the query names no rule.
        (
            "GET",
            "/api/admin/users?next=https://x/health",
            vec![],
            Err(ErrorCode::NotAuthenticated),
        ),
        // A method no matching rule lists is 405, not the default access.
        (
            "PUT",
            "/api/docs/1",
            vec![("Authorization", alice.clone())],
            Err(ErrorCode::MethodNotAllowed),
        ),
        (
            "GET",
            "/api/projects/1",
            vec![("Authorization", alice.clone())],
            Ok(("jwt", Some(ID_A))),
        ),
        (
            "GET",
            "/api/projects/1",
            vec![("Authorization", alice.clone()), ("X-Identity", ID_B.into())],
            Ok(("jwt", Some(ID_B))),
        ),
        (
            "GET",
            "/api/projects/1",
            vec![("Authorization", alice.clone()), ("X-Identity", ID_OTHER.into())],
            Err(ErrorCode::IdentityForbidden),
        ),
        (
            "GET",
            "/api/projects/1",
            vec![("Authorization", alice.clone()), ("X-Identity", "me".into())],
            Err(ErrorCode::InvalidIdentity),
        ),
        (
            "GET",
            "/api/projects/1",
            vec![("Authorization", bob.clone())],
            Err(ErrorCode::IdentityRequired),
        ),
        (
            "GET",
            "/api/pro/report",
            vec![("Authorization", alice.clone())],
            Err(ErrorCode::SubscriptionRequired),
        ),
        (
            "GET",
            "/api/pro/report",
            vec![("Authorization", bob.clone())],
            Ok(("jwt", None)),
        ),
        (
            "GET",
            "/api/admin/users",
            vec![("Authorization", alice.clone())],
            Err(ErrorCode::InsufficientScope),
        ),
        (
            "GET",
            "/api/admin/users",
            vec![("Authorization", bob.clone())],
            Ok(("jwt", None)),
        ),
        (
            "GET",
            "/api/me",
            vec![("X-Services-Token", "svc-secret-value".into())],
            Err(ErrorCode::Forbidden),
        ),
    ];

    for (i, (method, path, headers, want)) in log.into_iter().enumerate() {
        let mut req = HttpRequest::new(method, format!("https://api.example.com{path}?x=1"));
        for (k, v) in headers {
            req.set_header(k, v);
        }
        let classified = gate.classify(&req, NOW);
        let lookup = db.lookup(&classified);
        match (gate.decide(&classified, &lookup, NOW), want) {
            (Decision::Allow { context, touch }, Ok((cred, identity))) => {
                assert_eq!(context.credential, cred, "#{i} {method} {path}");
                assert_eq!(context.identity.as_deref(), identity, "#{i} {method} {path}");
                if context.is_guest {
                    assert_eq!(
                        (context.user_id, context.guest_id.as_deref()),
                        (None, Some(guest)),
                        "#{i}"
                    );
                }
                if cred == "session" {
                    assert_eq!(
                        touch.map(|t| t.last_seen_at),
                        Some(NOW),
                        "#{i}: touched after two minutes"
                    );
                    assert_eq!(context.email.as_deref(), Some("alice@example.com"));
                }
            }
            (Decision::Deny { error, response }, Err(code)) => {
                assert_eq!(error.code(), code, "#{i} {method} {path}: {}", error.detail());
                assert_eq!(response.status, code.status());
                assert_eq!(response.body, error.to_json());
                let challenge = response.header("WWW-Authenticate");
                assert_eq!(
                    challenge.is_some(),
                    response.status == 401 || code == ErrorCode::InsufficientScope,
                    "#{i}"
                );
                if code == ErrorCode::InsufficientScope {
                    assert_eq!(
                        challenge,
                        Some("Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"admin\"")
                    );
                }
                if code == ErrorCode::MethodNotAllowed {
                    assert_eq!(response.header("Allow"), Some("GET, HEAD, POST"));
                }
                if code == ErrorCode::SubscriptionRequired {
                    assert_eq!(
                        response.body,
                        r#"{"detail":"Active subscription required.","code":"subscription_required"}"#
                    );
                }
            }
            (got, want) => panic!("#{i} {method} {path}: got {got:?}, want {want:?}"),
        }
    }
}
