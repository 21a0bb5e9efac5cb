//! The runner implements exactly the operations of `conformance/ops.json` and of the README's
//! operation table, and dispatches every one of them.

use std::collections::BTreeSet;
use std::path::PathBuf;

use authcore::jwt::Backend;
use authcore_conformance::OPS;
use serde_json::{json, Value};

fn conformance_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The ops named in the first cell of the table rows of the README's "Operations" section (`a.b` / `c` names two: a
/// name without a dot replaces the last part of the first).
fn readme_ops() -> BTreeSet<String> {
    let mut ops = BTreeSet::new();
    let readme = conformance_file("README.md");
    let section = readme.split("\n## Operations\n").nth(1).unwrap_or_default();
    let section = section.split("\n## ").next().unwrap_or_default();
    for line in section.lines() {
        let Some(rest) = line.strip_prefix("| `") else { continue };
        let cell = format!("`{}", rest.split('|').next().unwrap_or_default());
        let names: Vec<&str> = cell.split('`').skip(1).step_by(2).collect();
        let first = names[0];
        for n in &names {
            if n.contains('.') {
                ops.insert((*n).to_owned());
            } else {
                let prefix = first.rsplit_once('.').map_or("", |(p, _)| p);
                ops.insert(format!("{prefix}.{n}"));
            }
        }
    }
    ops
}

#[test]
fn the_runner_implements_the_op_table_and_the_readme_table() {
    let mine: BTreeSet<String> = OPS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(mine.len(), OPS.len(), "OPS lists an op twice");
    let table: Value = serde_json::from_str(&conformance_file("ops.json")).unwrap();
    let table: BTreeSet<String> = table["ops"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(mine, table, "the runner's OPS and conformance/ops.json differ");
    assert_eq!(
        mine,
        readme_ops(),
        "the runner's OPS and the README's operation table differ"
    );
}

/// The step creating the object an op needs (with settings just valid enough), if any.
fn creator(op: &str) -> Option<Value> {
    let (name, input) = match op.rsplit_once('.').map(|(area, _)| area)? {
        "driver" => (
            "driver.new",
            json!({"config": {"token_endpoint": "https://auth.example/token"}}),
        ),
        "device.client" => (
            "device.client.new",
            json!({"config": {"base_url": "https://auth.example", "client_id": "c"}}),
        ),
        "device.server" => (
            "device.server.new",
            json!({"config": {"verification_uri": "https://auth.example/device"}}),
        ),
        "session" => ("session.new", json!({"config": {}})),
        "gate" => ("gate.new", json!({"config": {}})),
        "password" => ("password.new", json!({})),
        "refresh" => ("refresh.new", json!({})),
        "oauth" => (
            "oauth.new",
            json!({"config": {"authorization_endpoint": "https://auth.example/a", "token_endpoint": "https://auth.example/t", "client_id": "c", "redirect_uri": "https://app.example/cb"}}),
        ),
        "broker" => ("broker.load", json!({})),
        _ => return None,
    };
    Some(json!({"op": name, "input": input, "bind": "created"}))
}

#[test]
fn every_listed_op_is_dispatched() {
    for op in OPS {
        let mut steps: Vec<Value> = creator(op).into_iter().collect();
        steps.push(json!({"op": op, "input": {}, "expect": {"never": true}}));
        let case = json!({"name": op, "steps": steps});
        // Empty input fails, or succeeds with another output; never as an unknown operation.
        let err = authcore_conformance::run_case(&case, Backend::Portable).unwrap_err();
        assert!(!err.contains("unknown operation"), "{op}: {err}");
        assert!(
            err.starts_with(&format!("step {}", steps_len(&case) - 1)),
            "{op}: {err}"
        );
    }
}

fn steps_len(case: &Value) -> usize {
    case["steps"].as_array().map_or(0, Vec::len)
}
