//! `authcore-conformance --matrix <vectors-dir>`: runs every vector on every crypto backend
//! and prints the pass matrix and the summary line. Exits non-zero on any failure.

use std::path::PathBuf;
use std::process::ExitCode;

use authcore::jwt::Backend;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = match args.as_slice() {
        [flag, dir] if flag == "--matrix" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: authcore-conformance --matrix <vectors-dir>");
            return ExitCode::from(2);
        }
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
    println!();
    let (mut cases, mut failures) = (0, Vec::new());
    for area in &areas {
        print!("{area:<10}");
        for (_, r) in &results {
            let t = &r[area];
            print!("  {:>16}", format!("{}/{}", t.passed, t.total));
            failures.extend(t.failures.iter().cloned());
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
    println!("conformance: {cases} cases; rust {passed}/{cases}");
    if failures.is_empty() && cases > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
