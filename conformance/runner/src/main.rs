//! `authcore-conformance --matrix <vectors-dir> [--extra NAME=results.json]...`: runs every
//! vector on every crypto backend and prints the pass matrix and the summary line, with one
//! more column per backend of each binding runner whose results file
//! (`{"backends": {backend: {area: [passed, total]}}}`) is given: `NAME-<backend>` when the
//! file has several backends, plain `NAME` when it has one (WASM: `wasm`, `browser`). Every
//! column is counted on its own in the summary line. Exits non-zero on any failure, or when a
//! binding's column misses a case.

use std::path::PathBuf;
use std::process::ExitCode;

use authcore::jwt::Backend;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        eprintln!("usage: authcore-conformance --matrix <vectors-dir> [--extra NAME=results.json]...");
        ExitCode::from(2)
    };
    let (dir, extras) = match args.as_slice() {
        [flag, dir, rest @ ..] if flag == "--matrix" && rest.len() % 2 == 0 => {
            let mut extras = Vec::new();
            for pair in rest.chunks(2) {
                match (
                    pair.first().map(String::as_str),
                    pair.get(1).and_then(|p| p.split_once('=')),
                ) {
                    (Some("--extra"), Some((name, file))) => match read_extra(file) {
                        Ok(columns) => {
                            let single = columns.len() == 1;
                            extras.extend(
                                columns
                                    .into_iter()
                                    .map(|(backend, areas)| (column_name(name, &backend, single), areas)),
                            );
                        }
                        Err(e) => {
                            eprintln!("conformance: {file}: {e}");
                            return ExitCode::from(2);
                        }
                    },
                    _ => return usage(),
                }
            }
            (PathBuf::from(dir), extras)
        }
        _ => return usage(),
    };
    let suites = match authcore_conformance::load(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("conformance: cannot load vectors: {e}");
            return ExitCode::from(2);
        }
    };
    let backends = Backend::available();
    let results: Vec<_> = backends
        .iter()
        .map(|b| (b, authcore_conformance::run_all(&suites, *b)))
        .collect();
    let areas: Vec<String> = results
        .first()
        .map(|(_, r)| r.keys().cloned().collect())
        .unwrap_or_default();

    print!("{:<10}", "suite");
    for (b, _) in &results {
        print!("  {:>16}", format!("rust-{}", b.as_str()));
    }
    for (name, _) in &extras {
        print!("  {name:>16}");
    }
    println!();
    let (mut cases, mut failures) = (0, Vec::new());
    let mut extra_failed = false;
    for area in &areas {
        print!("{area:<10}");
        for (_, r) in &results {
            let t = &r[area];
            print!("  {:>16}", format!("{}/{}", t.passed, t.total));
            failures.extend(t.failures.iter().cloned());
        }
        for (name, areas) in &extras {
            let (p, n) = areas.get(area).copied().unwrap_or((0, 0));
            print!("  {:>16}", format!("{p}/{n}"));
            if p != n || n != results.first().map_or(0, |(_, r)| r[area].total) {
                extra_failed = true;
                eprintln!("FAIL [{name}] {area}: {p}/{n}");
            }
        }
        println!();
        cases += results.first().map_or(0, |(_, r)| r[area].total);
    }
    // A case passes for `rust` when it passes on every backend.
    let failed_cases: std::collections::BTreeSet<String> = failures
        .iter()
        .map(|f| {
            f.split_once("] ")
                .map_or(f.as_str(), |x| x.1)
                .split(": ")
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let passed = cases - failed_cases.len();
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    let mut summary = format!("conformance: {cases} cases; rust {passed}/{cases}");
    for (name, areas) in &extras {
        let p: usize = areas.values().map(|(p, _)| p).sum();
        summary.push_str(&format!("; {name} {p}/{cases}"));
    }
    println!("{summary}");
    if failures.is_empty() && !extra_failed && cases > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The column of one backend of a binding runner: `NAME-<backend>` (`node-native`) when the
/// runner has several backends, just `NAME` (`wasm`) when it has one.
fn column_name(name: &str, backend: &str, single: bool) -> String {
    if single {
        name.to_owned()
    } else {
        format!("{name}-{backend}")
    }
}

/// One binding column: `{area: (passed, total)}`.
type Areas = std::collections::BTreeMap<String, (usize, usize)>;

/// Reads a binding runner's results, one column per backend:
/// `{"backends": {"native": {"jwt": [passed, total], ...}, "portable": {...}}}`.
fn read_extra(file: &str) -> Result<Vec<(String, Areas)>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let backends = doc
        .get("backends")
        .and_then(|a| a.as_object())
        .filter(|b| !b.is_empty())
        .ok_or("no `backends` object (`{backend: {area: [passed, total]}}`)")?;
    backends
        .iter()
        .map(|(backend, areas)| {
            let areas = areas
                .as_object()
                .ok_or_else(|| format!("`backends.{backend}` must be an object"))?;
            let areas = areas
                .iter()
                .map(|(k, v)| {
                    let n = |i: usize| {
                        v.get(i)
                            .and_then(serde_json::Value::as_u64)
                            .and_then(|x| usize::try_from(x).ok())
                    };
                    match (n(0), n(1)) {
                        (Some(p), Some(t)) => Ok((k.clone(), (p, t))),
                        _ => Err(format!("`backends.{backend}.{k}` must be [passed, total]")),
                    }
                })
                .collect::<Result<Areas, String>>()?;
            Ok((backend.clone(), areas))
        })
        .collect()
}
