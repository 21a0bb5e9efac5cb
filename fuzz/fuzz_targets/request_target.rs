//! Request-target parsing and gate classification: never panic, and what the gate judges is
//! what a WHATWG URL parser (the one browsers and most clients use) reads.
//!
//! Input: one flag byte (bit 0: `normalize_path`; bits 1..: the method), then the target,
//! then optionally `0xFF` and a credential placed in `Authorization` and `X-Guest-ID`.
//! Invariants:
//! * `classify` judged a path exactly when the parser accepted the target, and it is the
//!   parser's path;
//! * strict mode, origin-form: an accepted target's path is `url::Url`'s path for
//!   `http://h` + target (the query is never routed on; the URL parser re-encodes some of
//!   its characters, so it is not compared);
//! * normalising: the path has no dot-segments or empty segments and normalising it again
//!   changes nothing;
//! * every header of every deny response is printable ASCII (no CR, LF, NUL).
#![no_main]

use std::sync::OnceLock;

use authcore::gate::{Access, Credential, Decision, Gate, GateConfig, GateJwt, IdentityRule, Lookup, RouteRule};
use authcore::http::HttpRequest;
use authcore::jwt::{Algorithm, KeySpec, VerifierConfig};
use authcore::target::{RequestTarget, TargetForm};
use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 8] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "get", "M-SEARCH"];

fn rule(method: &str, path: &str, access: Access, scopes: &[&str]) -> RouteRule {
    RouteRule {
        method: method.into(),
        path: path.into(),
        access,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        identity: IdentityRule::None,
        entitlement: None,
        credentials: None,
    }
}

fn gates() -> &'static [Gate; 2] {
    static GATES: OnceLock<[Gate; 2]> = OnceLock::new();
    GATES.get_or_init(|| {
        let config = |normalize_path| GateConfig {
            jwt: Some(GateJwt {
                config: VerifierConfig::new(&[Algorithm::Hs256]),
                keys: vec![KeySpec {
                    alg: Some(Algorithm::Hs256),
                    secret: Some("0123456789abcdef0123456789abcdef".into()),
                    ..Default::default()
                }],
            }),
            routes: vec![
                rule("GET", "/health", Access::Public, &[]),
                rule("*", "/api/public/**", Access::Public, &[]),
                rule("GET, DELETE", "/api/admin/**", Access::User, &["admin"]),
                rule("GET", "/api/docs/{id}/*", Access::UserOrGuest, &[]),
                rule("*", "/api/docs/**", Access::User, &[]),
            ],
            normalize_path,
            ..Default::default()
        };
        [0, 1].map(|n| Gate::new(config(n == 1)).unwrap_or_else(|e| panic!("fuzz gate config: {e}")))
    })
}

fn header_safe(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else { return };
    let (target, credential) = match rest.iter().position(|&b| b == 0xff) {
        Some(i) => (&rest[..i], Some(String::from_utf8_lossy(&rest[i + 1..]).into_owned())),
        None => (rest, None),
    };
    let target = String::from_utf8_lossy(target).into_owned();
    let normalize = flags & 1 == 1;
    let parsed = RequestTarget::parse(&target, normalize);

    let gate = &gates()[usize::from(normalize)];
    let mut request = HttpRequest::new(METHODS[usize::from(flags >> 1) % METHODS.len()], target.clone());
    if let Some(c) = &credential {
        request.set_header("Authorization", format!("Bearer {c}"));
        request.set_header("X-Guest-ID", c.clone());
    }
    let classified = gate.classify(&request, 1_700_000_000);

    match (&parsed, &classified.path) {
        (Ok(p), Some(path)) => assert_eq!(p.path(), path),
        (Err(_), None) => {}
        (p, path) => panic!("parser {p:?} but gate judged {path:?} for {target:?}"),
    }
    if let Ok(p) = &parsed {
        if normalize {
            assert!(p.segments().iter().all(|s| s != "." && s != ".." && !s.is_empty()), "{target:?}");
            assert!(!p.path().contains("//"), "{target:?}");
            let again = RequestTarget::parse(p.path(), true).unwrap_or_else(|e| panic!("{target:?} → {p:?}: {e}"));
            assert_eq!(again.path(), p.path());
        } else if p.form() == TargetForm::Origin {
            let url = url::Url::parse(&format!("http://h{target}")).unwrap_or_else(|e| panic!("{target:?}: {e}"));
            assert_eq!(url.path(), p.path(), "{target:?}");
            if classified.route.is_some() && !target.contains('?') {
                assert_eq!(classified.path.as_deref(), Some(url.path()), "{target:?}");
            }
        }
    }
    if classified.route.is_none() {
        assert!(classified.refused.is_some() && matches!(classified.credential, Credential::None));
    }

    let lookup = Lookup::default();
    if let Decision::Deny { response, .. } = gate.decide(&classified, &lookup, 1_700_000_000) {
        for (name, value) in &response.headers {
            assert!(header_safe(value), "{name}: {value:?} for {target:?} / {credential:?}");
        }
    }
});
