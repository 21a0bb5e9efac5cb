//! Checks on the core's source text (read from disk here, never by the core itself).

/// The fixed texts of error details in the core's code (string literals outside tests) are
/// printable ASCII, so a description is never changed on its way out; only quoted input
/// can need `authcore::oauth::error_description`'s replacement.
#[test]
fn error_texts_in_the_source_are_ascii() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let code = code.split("#[cfg(all(test").next().unwrap_or("");
                for (n, line) in code.lines().enumerate() {
                    let t = line.trim_start();
                    if t.starts_with("//") {
                        continue;
                    }
                    let mut inside = false;
                    let mut escaped = false;
                    for c in line.chars() {
                        match c {
                            '\\' if inside => escaped = !escaped,
                            '"' if !escaped => inside = !inside,
                            c if inside && !c.is_ascii() => {
                                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                                break;
                            }
                            _ => escaped = false,
                        }
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(found.is_empty(), "non-ASCII in string literals:\n{}", found.join("\n"));
}
