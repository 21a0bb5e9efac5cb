//! Verifies one HS256 token N times (or, with `sign` as third argument, issues one N times): a
//! fixed workload for profilers.
//!
//! `cargo build --release -p authcore --example hs256_verify_loop`, then e.g.
//! `valgrind --tool=callgrind target/release/examples/hs256_verify_loop 100000 native`
//! (or `… 100000 native sign`).
//! The token carries `sub`, `email`, `iat`, `exp`, `iss` and `aud`; the verifier checks the
//! signature, `exp`, `iss` and `aud`, as the benchmarks do.

use authcore::jwt::{Algorithm, Backend, Issuer, IssuerConfig, SigningKey, Verifier, VerifierConfig};
use serde_json::json;

const NOW: i64 = 1_700_000_000;

fn main() -> Result<(), authcore::Error> {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let backend = match args.next().as_deref() {
        Some("portable") => Backend::Portable,
        _ => Backend::default(),
    };
    let key = SigningKey::from_secret(Algorithm::Hs256, b"benchmark-secret-benchmark-secret-0123", backend)?;
    let verifier = Verifier::with_key(
        VerifierConfig {
            issuer: Some("https://auth.example.com".into()),
            audience: Some(vec!["api".into()]),
            ..VerifierConfig::new(&[Algorithm::Hs256])
        },
        key.verifying_key()?,
    )?;
    let issuer = Issuer::new(
        IssuerConfig {
            issuer: Some("https://auth.example.com".into()),
            audience: Some("api".into()),
            ..IssuerConfig::default()
        },
        key,
    )?;
    let mut entropy = authcore::entropy::OsEntropy;
    let token = issuer.issue(
        json!({"sub": "user-1", "email": "user-1@example.com"}),
        NOW,
        &mut entropy,
    )?;
    let mut ok = 0u64;
    if args.next().as_deref() == Some("sign") {
        for _ in 0..n {
            let claims = json!({"sub": "user-1", "email": "user-1@example.com"});
            let token = issuer.issue(std::hint::black_box(claims), NOW, &mut entropy)?;
            ok += u64::from(token.len() > 100);
        }
        println!("{ok} of {n} issued");
        return Ok(());
    }
    for _ in 0..n {
        let verified = verifier.verify(std::hint::black_box(&token), NOW + 1)?;
        ok += u64::from(verified.claims().len() == 6);
    }
    println!("{token}\n{ok} of {n} verified");
    Ok(())
}
