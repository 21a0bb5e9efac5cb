//! Large form bodies, with the caps lifted: decoding and the repeated-parameter check (what
//! the device server and the OAuth callback run on untrusted input) answer correctly at
//! 100,000 parameters. Both are one pass (the check keeps a hash set of the names seen), so
//! their cost is linear in the body; how fast they run is the benchmarks' business, not a
//! timed test's.

use authcore::http::{form_decode_with, repeated_name, FormLimits};

const UNCAPPED: FormLimits = FormLimits {
    max_bytes: usize::MAX,
    max_params: usize::MAX,
};

fn distinct_keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("key{i}=value")).collect()
}

#[test]
fn a_hundred_thousand_distinct_parameters_decode_with_no_repeat() {
    let body = distinct_keys(100_000).join("&");
    let pairs = form_decode_with(&body, UNCAPPED).unwrap();
    assert_eq!(pairs.len(), 100_000);
    assert_eq!(
        pairs.last().map(|(k, v)| (k.as_str(), v.as_str())),
        Some(("key99999", "value"))
    );
    assert_eq!(repeated_name(&pairs), None);
}

#[test]
fn a_repeat_anywhere_among_a_hundred_thousand_is_named() {
    let keys = distinct_keys(100_000);
    // The repeat of the first name, last; a repeat in the middle; two adjacent.
    for (at, name) in [(100_000, "key0"), (50_000, "key49999"), (1, "key0")] {
        let mut with_repeat = keys.clone();
        with_repeat.insert(at, format!("{name}=again"));
        let pairs = form_decode_with(&with_repeat.join("&"), UNCAPPED).unwrap();
        assert_eq!(pairs.len(), 100_001);
        assert_eq!(repeated_name(&pairs), Some(name), "repeat inserted at {at}");
    }
}
