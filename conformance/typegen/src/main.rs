//! `authcore-typegen [--check] [OUT]`: writes the JSON Schema of every binding-crossing shape
//! (`authcore::schema::document`) to `core/schema/authcore.schema.json` (or `OUT`). With
//! `--check` it writes nothing and exits 1 naming the file when the committed one differs.
//! The Python and TypeScript types are generated from that file by
//! `bindings-python/tools/gen_types.py`.

use std::path::PathBuf;
use std::process::ExitCode;

/// The committed schema, relative to the workspace root.
const DEFAULT_OUT: &str = "core/schema/authcore.schema.json";

fn main() -> ExitCode {
    let mut check = false;
    let mut out: Option<PathBuf> = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: authcore-typegen [--check] [OUT]  (default OUT: {DEFAULT_OUT})");
                return ExitCode::SUCCESS;
            }
            other => out = Some(PathBuf::from(other)),
        }
    }
    let out = out.unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(DEFAULT_OUT)
    });
    let text = match serde_json::to_string_pretty(&authcore::schema::document()) {
        Ok(t) => t + "\n",
        Err(e) => {
            eprintln!("authcore-typegen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let current = std::fs::read_to_string(&out).unwrap_or_default();
        if current != text {
            eprintln!("authcore-typegen: {} is stale; run `make types`", out.display());
            return ExitCode::FAILURE;
        }
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&out, text) {
        eprintln!("authcore-typegen: cannot write {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", out.display());
    ExitCode::SUCCESS
}
