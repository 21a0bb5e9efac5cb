//! The pass matrix: a binding's results file gives one column per backend, each counted on its
//! own, so a case failing on one backend only fails that column (and the run).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;

/// A vectors directory with one passing case (area `errors`), unique per test.
fn vectors(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("authcore-matrix-{}-{name}", std::process::id()));
    let area = dir.join("vectors").join("errors");
    std::fs::create_dir_all(&area).unwrap();
    let case = json!({"name": "lookup", "steps": [{"op": "errors.lookup", "input": {"code": "token_expired"},
        "expect": {"body": "{\"detail\":\"Token has expired.\",\"code\":\"token_expired\"}", "code": "token_expired",
            "detail": "Token has expired.", "family": "token", "status": 401}}]});
    let doc = json!({"suite": "errors", "description": "one case", "cases": [case]});
    std::fs::write(area.join("one.json"), doc.to_string()).unwrap();
    dir
}

fn matrix(dir: &Path, results: &serde_json::Value) -> Output {
    let file = dir.join("python.json");
    std::fs::write(&file, results.to_string()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_authcore-conformance"))
        .arg("--matrix")
        .arg(dir.join("vectors"))
        .arg("--extra")
        .arg(format!("python={}", file.display()))
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn one_column_per_backend_all_green() {
    let dir = vectors("green");
    let out = matrix(
        &dir,
        &json!({"runner": "python", "backends": {"native": {"errors": [1, 1]}, "portable": {"errors": [1, 1]}}}),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    let header = stdout.lines().next().unwrap();
    assert!(
        header.contains("python-native") && header.contains("python-portable"),
        "{header}"
    );
    assert!(stdout.contains("; python-native 1/1; python-portable 1/1"), "{stdout}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_failure_on_one_backend_fails_that_column() {
    let dir = vectors("red");
    let out = matrix(
        &dir,
        &json!({"runner": "python", "backends": {"native": {"errors": [1, 1]}, "portable": {"errors": [0, 1]}}}),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("; python-native 1/1; python-portable 0/1"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FAIL [python-portable] errors: 0/1"),
        "{}",
        text(&out)
    );
    // A column that misses an area fails too.
    let out = matrix(
        &dir,
        &json!({"backends": {"native": {"errors": [1, 1]}, "portable": {}}}),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_malformed_results_file_is_refused() {
    let dir = vectors("bad");
    for bad in [
        json!({"areas": {"errors": [1, 1]}}),
        json!({"backends": {}}),
        json!({"backends": {"native": [1, 1]}}),
        json!({"backends": {"native": {"errors": [1]}}}),
    ] {
        let out = matrix(&dir, &bad);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_single_backend_runner_is_one_column_named_after_the_runner() {
    let dir = vectors("single");
    let out = matrix(
        &dir,
        &json!({"runner": "wasm", "backends": {"portable": {"errors": [1, 1]}}}),
    );
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let header = stdout.lines().next().unwrap();
    assert!(
        header.split_whitespace().any(|c| c == "python") && !header.contains("python-portable"),
        "{header}"
    );
    assert!(stdout.trim_end().ends_with("; python 1/1"), "{stdout}");
    // Its failures are reported under that name too.
    let out = matrix(&dir, &json!({"backends": {"portable": {"errors": [0, 1]}}}));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FAIL [python] errors: 0/1"),
        "{}",
        text(&out)
    );
    std::fs::remove_dir_all(dir).unwrap();
}
