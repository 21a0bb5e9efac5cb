//! JWT sign and verify: authcore (native and portable backends) next to `jsonwebtoken` (over
//! aws-lc) and `jwt-compact`, same process, same run, same keys and claims.
//!
//! HS256 (32-byte key), EdDSA (Ed25519), ES256 (P-256), RS256 (2048-bit); keys from
//! `conformance/keys`, parsed once outside the timed loops by every library. Claims: `sub`,
//! `email`, `iat`, `exp`, `iss`, `aud`; verify = signature + `exp` + `iss` + `aud`. Before any
//! timing every library verifies every library's token. Every verifier is timed on the token
//! authcore (native) signed. Plus the gate's decisions per credential (JWT, session, guest,
//! service token; classify + decide, the host's lookup given), device-authority poll decisions
//! and session validation.
//!
//! Timing: a warm-up that sizes each case's batch to about a millisecond, then interleaved
//! rounds (every case once per round, same order); the median of the rounds is reported.
//! Results go to `target/bench/rust.json` in the shape every harness writes (`bench/report.py`
//! turns them into BENCHMARKS.md's tables).
//!
//! ```text
//! cargo bench -p authcore --bench jwt -- [--rounds N] [--seconds S] [--json PATH]
//! cargo test -p authcore --bench jwt -- --json PATH     # smoke: every case once, no timing
//! ```
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use authcore::entropy::OsEntropy;
use authcore::jwt::{Algorithm, Backend, Issuer, IssuerConfig, KeySpec, SigningKey, Verifier, VerifierConfig};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const ISS: &str = "https://issuer.example";
const AUD: &str = "api://bench";
const SUB: &str = "user-1";
const EMAIL: &str = "user-1@example.com";
const SECRET: &str = "bench-hs256-secret-of-32-bytes!!";
const LIFETIME: i64 = 3600;
const ALGS: [&str; 4] = ["HS256", "EdDSA", "ES256", "RS256"];

type SignFn = Box<dyn Fn() -> String>;
type VerifyFn = Box<dyn Fn(&str) -> Result<Value, String>>;

/// One library for one algorithm: keys parsed once, here.
struct Lib {
    lib: &'static str,
    backend: Option<&'static str>,
    sign: SignFn,
    verify: VerifyFn,
}

impl Lib {
    fn label(&self) -> String {
        match self.backend {
            Some(b) => format!("{} ({b})", self.lib),
            None => self.lib.to_owned(),
        }
    }
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn pem(file: &str) -> String {
    std::fs::read_to_string(root().join("conformance/keys").join(file)).unwrap()
}

fn key_files(alg: &str) -> (&'static str, &'static str) {
    match alg {
        "EdDSA" => ("ed25519.pem", "ed25519.pub.pem"),
        "ES256" => ("p256.pem", "p256.pub.pem"),
        _ => ("rsa2048.pem", "rsa2048.pub.pem"),
    }
}

fn authcore_lib(alg: &str, backend: Backend, now: i64) -> Lib {
    let alg_ = match alg {
        "HS256" => Algorithm::Hs256,
        "EdDSA" => Algorithm::EdDsa,
        "ES256" => Algorithm::Es256,
        _ => Algorithm::Rs256,
    };
    let mut spec = KeySpec {
        alg: Some(alg_),
        ..KeySpec::default()
    };
    if alg == "HS256" {
        spec.secret = Some(SECRET.into());
    } else {
        spec.pem = Some(pem(key_files(alg).0));
    }
    let key = SigningKey::from_spec(&spec, backend).unwrap();
    let verifier = Verifier::with_key(
        VerifierConfig {
            issuer: Some(ISS.into()),
            audience: Some(vec![AUD.into()]),
            ..VerifierConfig::new(&[alg_])
        },
        key.verifying_key().unwrap(),
    )
    .unwrap();
    let issuer = Issuer::new(
        IssuerConfig {
            lifetime: LIFETIME,
            issuer: Some(ISS.into()),
            audience: Some(AUD.into()),
            ..IssuerConfig::default()
        },
        key,
    )
    .unwrap();
    // Built once, as every library's claims are: a sign is the issuer's claims, the JSON, the
    // base64url and the signature.
    let claims = json!({"sub": SUB, "email": EMAIL});
    Lib {
        lib: "authcore",
        backend: Some(backend.as_str()),
        sign: Box::new(move || issuer.issue(&claims, now, &mut OsEntropy).unwrap()),
        verify: Box::new(move |t| {
            verifier
                .verify(t, now)
                .map(|v| Value::Object(v.claims))
                .map_err(|e| e.to_string())
        }),
    }
}

fn jsonwebtoken_lib(alg: &str, now: i64) -> Lib {
    use jsonwebtoken::{Algorithm as A, DecodingKey, EncodingKey, Header, Validation};
    let (a, ek, dk) = match alg {
        "HS256" => (
            A::HS256,
            EncodingKey::from_secret(SECRET.as_bytes()),
            DecodingKey::from_secret(SECRET.as_bytes()),
        ),
        "EdDSA" => (
            A::EdDSA,
            EncodingKey::from_ed_pem(pem("ed25519.pem").as_bytes()).unwrap(),
            DecodingKey::from_ed_pem(pem("ed25519.pub.pem").as_bytes()).unwrap(),
        ),
        "ES256" => (
            A::ES256,
            EncodingKey::from_ec_pem(pem("p256.pem").as_bytes()).unwrap(),
            DecodingKey::from_ec_pem(pem("p256.pub.pem").as_bytes()).unwrap(),
        ),
        _ => (
            A::RS256,
            EncodingKey::from_rsa_pem(pem("rsa2048.pem").as_bytes()).unwrap(),
            DecodingKey::from_rsa_pem(pem("rsa2048.pub.pem").as_bytes()).unwrap(),
        ),
    };
    let mut validation = Validation::new(a);
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[AUD]);
    let header = Header::new(a);
    let claims = json!({"sub": SUB, "email": EMAIL, "iat": now, "exp": now + LIFETIME, "iss": ISS, "aud": AUD});
    Lib {
        lib: "jsonwebtoken",
        backend: Some("aws-lc"),
        sign: Box::new(move || jsonwebtoken::encode(&header, &claims, &ek).unwrap()),
        verify: Box::new(move |t| {
            jsonwebtoken::decode::<Value>(t, &dk, &validation)
                .map(|d| d.claims)
                .map_err(|e| e.to_string())
        }),
    }
}

#[derive(Serialize, Deserialize)]
struct Custom {
    sub: String,
    email: String,
    iss: String,
    aud: String,
}

fn compact<A>(alg: A, sk: A::SigningKey, vk: A::VerifyingKey, now: i64) -> Lib
where
    A: jwt_compact::Algorithm + 'static,
    A::SigningKey: 'static,
    A::VerifyingKey: 'static,
{
    use chrono::{DateTime, Duration, Utc};
    use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, Token, UntrustedToken};
    let at = DateTime::<Utc>::from_timestamp(now, 0).unwrap();
    let mut claims = Claims::new(Custom {
        sub: SUB.into(),
        email: EMAIL.into(),
        iss: ISS.into(),
        aud: AUD.into(),
    });
    claims.issued_at = Some(at);
    claims.expiration = Some(at + Duration::seconds(LIFETIME));
    let header = Header::empty();
    let alg = std::rc::Rc::new(alg);
    let signer = alg.clone();
    let time = TimeOptions::new(Duration::seconds(0), move || at);
    Lib {
        lib: "jwt-compact",
        backend: None,
        sign: Box::new(move || signer.token(&header, &claims, &sk).unwrap()),
        verify: Box::new(move |t| {
            let untrusted = UntrustedToken::new(t).map_err(|e| e.to_string())?;
            let token: Token<Custom> = alg.validator(&vk).validate(&untrusted).map_err(|e| e.to_string())?;
            let c = token.claims();
            c.validate_expiration(&time).map_err(|e| e.to_string())?;
            if c.custom.iss != ISS || c.custom.aud != AUD {
                return Err("iss or aud mismatch".into());
            }
            Ok(
                json!({"sub": c.custom.sub, "email": c.custom.email, "iss": c.custom.iss, "aud": c.custom.aud,
                "iat": c.issued_at.map(|d| d.timestamp()), "exp": c.expiration.map(|d| d.timestamp())}),
            )
        }),
    }
}

fn jwt_compact_lib(alg: &str, now: i64) -> Lib {
    use jwt_compact::alg::{Es256, Hs256, Hs256Key, Rsa};
    use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
    match alg {
        "HS256" => compact(Hs256, Hs256Key::new(SECRET), Hs256Key::new(SECRET), now),
        "EdDSA" => {
            // PKCS#8 and SPKI DER of Ed25519 end with the 32-byte seed and public key.
            let der = |f: &str| {
                use base64ct::Encoding;
                let b64: String = pem(f).lines().filter(|l| !l.starts_with("-----")).collect();
                base64ct::Base64::decode_vec(&b64).unwrap()
            };
            let (sk, pk) = (der("ed25519.pem"), der("ed25519.pub.pem"));
            let seed = ed25519_compact::Seed::from_slice(&sk[sk.len() - 32..]).unwrap();
            let sk = ed25519_compact::KeyPair::from_seed(seed).sk;
            let pk = ed25519_compact::PublicKey::from_slice(&pk[pk.len() - 32..]).unwrap();
            compact(jwt_compact::alg::Ed25519, sk, pk, now)
        }
        "ES256" => compact(
            Es256,
            p256::ecdsa::SigningKey::from_pkcs8_pem(&pem("p256.pem")).unwrap(),
            p256::ecdsa::VerifyingKey::from_public_key_pem(&pem("p256.pub.pem")).unwrap(),
            now,
        ),
        _ => {
            use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
            compact(
                Rsa::rs256(),
                rsa::RsaPrivateKey::from_pkcs8_pem(&pem("rsa2048.pem")).unwrap(),
                rsa::RsaPublicKey::from_public_key_pem(&pem("rsa2048.pub.pem")).unwrap(),
                now,
            )
        }
    }
}

fn check_claims(c: &Value, who: &str) {
    for (k, v) in [("sub", SUB), ("email", EMAIL), ("iss", ISS)] {
        assert_eq!(c[k], json!(v), "{who}: claim {k}");
    }
    assert!(c["aud"] == json!(AUD) || c["aud"] == json!([AUD]), "{who}: claim aud");
    assert!(c["exp"].is_number() && c["iat"].is_number(), "{who}: iat/exp");
}

// ------------------------------------------------------------------------------- timing

struct Case {
    group: &'static str,
    op: &'static str,
    alg: Option<&'static str>,
    lib: &'static str,
    backend: Option<&'static str>,
    f: Box<dyn FnMut()>,
    batch: u64,
    rounds: Vec<f64>,
}

fn rate(f: &mut dyn FnMut(), seconds: f64, batch: u64) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        for _ in 0..batch {
            f();
        }
        n += batch;
        let el = start.elapsed().as_secs_f64();
        if el >= seconds {
            return n as f64 / el;
        }
    }
}

fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    }
}

// ------------------------------------------------------------------------------- gate, sessions

/// The gate's decisions per credential (classify + decide, the host's lookup given), and
/// session validation. Each is checked to allow before any timing.
fn gate_cases(now: i64) -> Vec<Case> {
    use authcore::gate::{Access, Decision, Gate, GateConfig, GateJwt, IdentityRule, Lookup, RouteRule, ServiceToken};
    use authcore::http::HttpRequest;
    use authcore::secret::Secret;
    use authcore::session::{SessionConfig, SessionManager};
    use std::rc::Rc;

    let mut config = GateConfig::default();
    // `/api/**` for users and guests, `/internal/**` for services.
    for (path, access) in [("/api/**", Access::UserOrGuest), ("/internal/**", Access::Service)] {
        config.routes.push(RouteRule {
            method: "GET".into(),
            path: path.into(),
            access,
            scopes: vec![],
            identity: IdentityRule::None,
            entitlement: None,
            credentials: None,
        });
    }
    config.jwt = Some(GateJwt {
        config: VerifierConfig {
            issuer: Some(ISS.into()),
            audience: Some(vec![AUD.into()]),
            ..VerifierConfig::new(&[Algorithm::Hs256])
        },
        keys: vec![KeySpec {
            alg: Some(Algorithm::Hs256),
            secret: Some(SECRET.into()),
            ..KeySpec::default()
        }],
    });
    config.services.push(ServiceToken {
        name: "billing".into(),
        header: "X-Service-Token".into(),
        secret: Secret::new("bench-service-secret-0123456789abcdef"),
    });
    let gate = Rc::new(Gate::new(config).unwrap());
    let jwt = (authcore_lib("HS256", Backend::available()[0], now).sign)();
    let sessions = Rc::new(SessionManager::new(SessionConfig::default()).unwrap());
    let new = sessions.create(SUB, Some(EMAIL), false, now, &mut OsEntropy).unwrap();
    let session_token = new.token.expose().to_owned();
    let record = new.record;

    let request = |header: &str, value: &str| {
        let path = if header == "X-Service-Token" {
            "/internal/jobs"
        } else {
            "/api/me"
        };
        let mut r = HttpRequest::new("GET", path);
        r.set_header(header, value);
        r
    };
    let credentials: Vec<(&'static str, HttpRequest, Lookup)> = vec![
        (
            "jwt",
            request("Authorization", &format!("Bearer {jwt}")),
            Lookup::default(),
        ),
        (
            "session",
            request("Authorization", &format!("Bearer {session_token}")),
            Lookup {
                session: Some(record.clone()),
                user: None,
            },
        ),
        ("guest", request("X-Guest-ID", "guest_bench_123"), Lookup::default()),
        (
            "service",
            request("X-Service-Token", "bench-service-secret-0123456789abcdef"),
            Lookup::default(),
        ),
    ];
    let mut cases = Vec::new();
    for (kind, req, lookup) in credentials {
        let decide = {
            let gate = gate.clone();
            move || {
                let classified = gate.classify(&req, now);
                gate.decide(&classified, &lookup, now)
            }
        };
        match decide() {
            Decision::Allow { context, .. } => assert_eq!(context.credential, kind, "gate: {kind}"),
            Decision::Deny { response, .. } => panic!("gate denies the {kind} request: {}", response.body),
        }
        cases.push(Case {
            group: "gate",
            op: match kind {
                "jwt" => "decision: JWT (HS256)",
                "session" => "decision: session",
                "guest" => "decision: guest",
                _ => "decision: service token",
            },
            alg: None,
            lib: "authcore",
            backend: None,
            f: Box::new(move || {
                black_box(decide());
            }),
            batch: 1,
            rounds: vec![],
        });
    }
    cases.extend(device_cases(now));
    sessions.validate(Some(&record), &session_token, now).unwrap();
    cases.push(Case {
        group: "session",
        op: "validate",
        alg: None,
        lib: "authcore",
        backend: None,
        f: Box::new(move || {
            black_box(sessions.validate(Some(&record), &session_token, now).unwrap());
        }),
        batch: 1,
        rounds: vec![],
    });
    cases
}

/// The device authority's poll decisions: a pending grant (`authorization_pending`) and an
/// approved one (the grant's user), each on the stored record as the host would find it.
fn device_cases(now: i64) -> Vec<Case> {
    use authcore::device::{AuthorizationRequest, DeviceAuthority, DeviceServerConfig, PollResult, TokenRequest};
    use std::rc::Rc;

    let authority = Rc::new(
        DeviceAuthority::new(DeviceServerConfig {
            verification_uri: "https://issuer.example/device".into(),
            ..DeviceServerConfig::default()
        })
        .unwrap(),
    );
    let issued = authority
        .issue(
            &AuthorizationRequest {
                client_id: "cli".into(),
                scope: None,
            },
            now,
            &mut OsEntropy,
        )
        .unwrap();
    let request = Rc::new(
        TokenRequest::from_form(
            &format!(
                "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code={}&client_id=cli",
                issued.response.device_code.expose()
            ),
            None,
        )
        .unwrap(),
    );
    let pending = issued.record;
    let approved = authority.approve(&pending, SUB, None, now).unwrap();
    let mut cases = Vec::new();
    for (op, grant, want_approved) in [("poll: pending", pending, false), ("poll: approved", approved, true)] {
        let (authority, request) = (authority.clone(), request.clone());
        // One interval after issue, so that the poll is neither early nor late.
        let at = now + 10;
        let poll = move || authority.poll(Some(&grant), &request, at);
        let outcome = poll();
        match (&outcome.result, want_approved) {
            (PollResult::Approved { user_id, .. }, true) => assert_eq!(user_id, SUB),
            (PollResult::Error { error }, false) => assert_eq!(error.code().as_str(), "authorization_pending"),
            (other, _) => panic!("device {op}: {other:?}"),
        }
        cases.push(Case {
            group: "device",
            op,
            alg: None,
            lib: "authcore",
            backend: None,
            f: Box::new(move || {
                black_box(poll());
            }),
            batch: 1,
            rounds: vec![],
        });
    }
    cases
}

// ------------------------------------------------------------------------------- machine

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_owned()))
    });
    format!(
        "{} ({}-{})",
        pretty.unwrap_or_else(|| "unknown".into()),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

fn lock_version(krate: &str) -> String {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap_or_default();
    let needle = format!("name = \"{krate}\"\nversion = \"");
    lock.find(&needle)
        .map(|i| {
            let rest = &lock[i + needle.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .unwrap_or_else(|| "unknown".into())
}

fn rustc_version() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            let v = String::from_utf8_lossy(&o.stdout);
            v.trim().trim_start_matches("rustc ").to_owned()
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; `cargo test --bench jwt` does not: that is the smoke run.
    let mut smoke = !argv.iter().any(|a| a == "--bench");
    let (mut rounds, mut seconds, mut json_path) = (5usize, 0.2f64, None::<String>);
    // `--only HS256`: one algorithm's JWT rows and no others (a quick look; never written to
    // target/bench/rust.json unless `--json` says where).
    let mut only = None::<String>;
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--smoke" => smoke = true,
            "--rounds" => rounds = it.next().and_then(|v| v.parse().ok()).expect("--rounds N"),
            "--seconds" => seconds = it.next().and_then(|v| v.parse().ok()).expect("--seconds S"),
            "--json" => json_path = it.next().cloned(),
            "--only" => only = it.next().cloned(),
            _ => {}
        }
    }
    if smoke {
        (rounds, seconds) = (1, 0.0);
    }
    let json_path = json_path.or_else(|| {
        (!smoke && only.is_none()).then(|| root().join("target/bench/rust.json").to_string_lossy().into_owned())
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;

    let mut cases = Vec::new();
    let mut interop = 0;
    for alg in ALGS.iter().filter(|a| only.as_deref().map_or(true, |o| o == **a)) {
        let mut libs: Vec<Lib> = Backend::available()
            .iter()
            .map(|&b| authcore_lib(alg, b, now))
            .collect();
        libs.push(jsonwebtoken_lib(alg, now));
        libs.push(jwt_compact_lib(alg, now));
        let tokens: Vec<(String, String)> = libs.iter().map(|l| (l.label(), (l.sign)())).collect();
        for v in &libs {
            for (from, t) in &tokens {
                let who = format!("{alg}: {} on the token of {from}", v.label());
                let c = (v.verify)(t).unwrap_or_else(|e| panic!("{who}: {e}"));
                check_claims(&c, &who);
                interop += 1;
            }
        }
        let token = std::rc::Rc::new(tokens[0].1.clone());
        for l in libs {
            let l = std::rc::Rc::new(l);
            let (lv, t) = (l.clone(), token.clone());
            cases.push(Case {
                group: "jwt",
                op: "verify",
                alg: Some(alg),
                lib: l.lib,
                backend: l.backend,
                f: Box::new(move || {
                    black_box((lv.verify)(&t).unwrap());
                }),
                batch: 1,
                rounds: vec![],
            });
            let ls = l.clone();
            cases.push(Case {
                group: "jwt",
                op: "sign",
                alg: Some(alg),
                lib: l.lib,
                backend: l.backend,
                f: Box::new(move || {
                    black_box((ls.sign)());
                }),
                batch: 1,
                rounds: vec![],
            });
        }
    }

    if only.is_none() {
        cases.extend(gate_cases(now));
    }

    if smoke {
        for c in &mut cases {
            // One call, timed only so that every row has a (meaningless) positive rate.
            let start = Instant::now();
            (c.f)();
            c.rounds.push(1.0 / start.elapsed().as_secs_f64().max(1e-9));
        }
    } else {
        for c in &mut cases {
            let probe = rate(&mut c.f, 0.05, 1);
            c.batch = ((probe / 1000.0).round() as u64).max(1);
            rate(&mut c.f, seconds / 2.0, c.batch);
        }
        for r in 0..rounds {
            for c in &mut cases {
                let x = rate(&mut c.f, seconds, c.batch);
                c.rounds.push(x);
            }
            eprintln!("round {}/{rounds} done", r + 1);
        }
    }

    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            let ops = median(&c.rounds);
            json!({
                "group": c.group, "op": c.op, "alg": c.alg, "lib": c.lib, "backend": c.backend,
                "ops_per_s": ops, "rounds": c.rounds,
                "median_ns": if ops > 0.0 { 1e9 / ops } else { 0.0 },
            })
        })
        .collect();
    for r in &rows {
        println!(
            "{:<8} {:<24} {:<6} {:<28} {:>14.0}/s",
            r["group"].as_str().unwrap_or(""),
            r["op"].as_str().unwrap_or(""),
            r["alg"].as_str().unwrap_or(""),
            format!(
                "{} {}",
                r["lib"].as_str().unwrap_or(""),
                r["backend"].as_str().unwrap_or("")
            ),
            r["ops_per_s"].as_f64().unwrap_or(0.0)
        );
    }
    let doc = json!({
        "schema": "authcore-bench/1",
        "name": "rust",
        "harness": "core/benches/jwt.rs",
        "smoke": smoke,
        "meta": {
            "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "cpu": cpu_model(),
            "os": os_name(),
            "rounds": rounds,
            "seconds": seconds,
            "statistic": "median of interleaved rounds, ops/s",
            "interop_checks": interop,
            "versions": {
                "authcore": env!("CARGO_PKG_VERSION"),
                "rustc": rustc_version(),
                "aws-lc-rs": lock_version("aws-lc-rs"),
                "jsonwebtoken": lock_version("jsonwebtoken"),
                "jwt-compact": lock_version("jwt-compact"),
            },
        },
        "rows": rows,
    });
    if let Some(p) = json_path {
        let p = std::path::PathBuf::from(p);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
        println!("results: {}", p.display());
    }
    println!(
        "jwt bench{}: {} cases, {interop} cross-library verifications passed",
        if smoke { " smoke" } else { "" },
        cases.len()
    );
}
