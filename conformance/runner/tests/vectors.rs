//! `cargo test` runs every vector on every backend, and checks the runner refuses unknown ops.

use std::path::PathBuf;

use authcore::jwt::Backend;
use serde_json::json;

#[test]
fn every_vector_passes_on_every_backend() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    let suites = authcore_conformance::load(&dir).unwrap();
    assert!(suites.len() >= 3);
    let mut failures = Vec::new();
    for &backend in Backend::available() {
        for (_, t) in authcore_conformance::run_all(&suites, backend) {
            failures.extend(t.failures);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unknown_operations_fail_the_case() {
    let case = json!({"name": "x", "steps": [{"op": "jwt.frobnicate", "input": {}, "expect": {}}]});
    let err = authcore_conformance::run_case(&case, Backend::Portable).unwrap_err();
    assert!(err.contains("unknown operation"), "{err}");
    let case = json!({"name": "x", "steps": [{"op": "driver.frobnicate", "input": {}}]});
    assert!(authcore_conformance::run_case(&case, Backend::Portable).is_err());
}

#[test]
fn a_wrong_expectation_fails() {
    let case = json!({"name": "x", "steps": [{"op": "errors.lookup", "input": {"code": "token_expired"}, "expect": {"status": 401}}]});
    assert!(authcore_conformance::run_case(&case, Backend::Portable).is_err());
    let case = json!({"name": "x", "steps": [{"op": "errors.lookup", "input": {"code": "token_expired"}, "expect_error": {"code": "token_expired"}}]});
    assert!(authcore_conformance::run_case(&case, Backend::Portable).is_err());
}
