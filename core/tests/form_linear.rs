//! Form bodies are parsed in linear time: decoding plus the repeated-parameter check (what the
//! device server and the OAuth callback run on untrusted input), with the caps lifted.

use std::time::{Duration, Instant};

use authcore::http::{form_decode_with, repeated_name, FormLimits};

fn distinct_keys(n: usize) -> String {
    (0..n).map(|i| format!("key{i}=value")).collect::<Vec<_>>().join("&")
}

/// `reps` parses of `body` in one timed window.
fn timed(body: &str, n: usize, reps: u32) -> Duration {
    let uncapped = FormLimits {
        max_bytes: usize::MAX,
        max_params: usize::MAX,
    };
    let start = Instant::now();
    for _ in 0..reps {
        let pairs = form_decode_with(body, uncapped).unwrap();
        assert_eq!(pairs.len(), n);
        assert_eq!(repeated_name(&pairs), None);
    }
    start.elapsed()
}

#[test]
fn form_parsing_is_linear_in_the_number_of_parameters() {
    // Ten times the parameters must take about ten times as long (a quadratic check takes a
    // hundred). Ten parses of the small body are timed together, so both windows are equally
    // long and a busy machine disturbs both alike; the fastest of several windows counts.
    let (small, large) = (distinct_keys(10_000), distinct_keys(100_000));
    let (mut ten_small, mut one_large) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        ten_small = ten_small.min(timed(&small, 10_000, 10));
        one_large = one_large.min(timed(&large, 100_000, 1));
    }
    let ratio = one_large.as_secs_f64() / (ten_small.as_secs_f64() / 10.0).max(1e-9);
    assert!(
        ratio <= 15.0,
        "10x the parameters took {ratio:.1}x the time ({:?} -> {one_large:?})",
        ten_small / 10
    );
}
