//! Benchmarks: JWT issue/verify per algorithm and backend, and one request-driver round trip.
//! Run with `make bench`; results are recorded in BENCHMARKS.md.
#![allow(missing_docs)]

use authcore::entropy::OsEntropy;
use authcore::http::{HttpRequest, HttpResponse};
use authcore::jwt::{Algorithm, Backend, Issuer, IssuerConfig, KeySpec, SigningKey, Verifier, VerifierConfig};
use authcore::tokens::{Action, ClientConfig, RequestDriver, TokenSet};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

const NOW: i64 = 1_700_000_000;

fn spec(alg: Algorithm) -> KeySpec {
    let pem =
        |f: &str| std::fs::read_to_string(format!("{}/../conformance/keys/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut s = KeySpec {
        alg: Some(alg),
        ..KeySpec::default()
    };
    match alg {
        Algorithm::Hs256 => s.secret = Some("benchmark-secret-benchmark-secret-0123".into()),
        Algorithm::EdDsa => s.pem = Some(pem("ed25519.pem")),
        Algorithm::Es256 => s.pem = Some(pem("p256.pem")),
        _ => s.pem = Some(pem("rsa2048.pem")),
    }
    s
}

fn jwt(c: &mut Criterion) {
    for &backend in Backend::available() {
        for alg in [Algorithm::Hs256, Algorithm::EdDsa, Algorithm::Es256, Algorithm::Rs256] {
            let key = SigningKey::from_spec(&spec(alg), backend).unwrap();
            let verifier = Verifier::with_key(
                VerifierConfig {
                    issuer: Some("bench".into()),
                    audience: Some(vec!["api".into()]),
                    ..VerifierConfig::new(&[alg])
                },
                key.verifying_key().unwrap(),
            )
            .unwrap();
            let issuer = Issuer::new(
                IssuerConfig {
                    issuer: Some("bench".into()),
                    audience: Some("api".into()),
                    ..IssuerConfig::default()
                },
                key,
            )
            .unwrap();
            let token = issuer.issue(json!({"sub": "user-1"}), NOW, &mut OsEntropy).unwrap();
            let name = format!("{}/{}", backend.as_str(), alg.as_str());
            c.bench_function(&format!("verify/{name}"), |b| {
                b.iter(|| verifier.verify(&token, NOW + 1).unwrap())
            });
            c.bench_function(&format!("issue/{name}"), |b| {
                b.iter(|| issuer.issue(json!({"sub": "user-1"}), NOW, &mut OsEntropy).unwrap())
            });
        }
    }
}

fn driver(c: &mut Criterion) {
    let tokens = TokenSet::from_token_response(
        r#"{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":3600}"#,
        NOW,
    )
    .unwrap();
    let mut config = ClientConfig::new("https://auth.example.com/token");
    config.api_origins = vec!["https://api.example.com".to_owned()];
    let mut d = RequestDriver::new(config, Some(tokens), 0).unwrap();
    c.bench_function("driver/send+complete", |b| {
        b.iter(|| {
            d.send(HttpRequest::new("GET", "https://api.example.com/me"), NOW);
            let Some(Action::Send { transmit, .. }) = d.poll_action() else {
                unreachable!()
            };
            d.handle_response(transmit, HttpResponse::new(200), NOW).unwrap();
            d.poll_action().unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = jwt, driver
}
criterion_main!(benches);
