//! The request driver under arbitrary event sequences and request URLs: never panic, and the
//! access token only ever goes to its API origin (checked against a plain prefix oracle).
#![no_main]

use authcore::http::{HttpRequest, HttpResponse};
use authcore::tokens::{Action, ClientConfig, RequestDriver, TokenSet};
use libfuzzer_sys::fuzz_target;

const BODIES: &[&str] = &[
    r#"{"access_token":"a2","refresh_token":"r2","token_type":"Bearer","expires_in":60}"#,
    r#"{"access_token":"a\r\nX: 1","token_type":"Bearer"}"#,
    r#"{"error":"invalid_grant"}"#,
    "{",
    "",
];

const URLS: &[&str] = &[
    "https://api.example/",
    "https://API.example:443/x",
    "https://api.example@evil.example/",
    "https://api.example\\@evil.example/",
    "https:api.example/",
    "https://api.example.evil.example/",
    "http://api.example/",
    "https://api.example:8443/",
    "https://api%2Eexample/",
];

const DATES: &[&str] = &[
    "Tue, 14 Nov 2023 22:13:20 GMT",
    "Wed, 15 Nov 2023 22:13:21 GMT",
    "Sun, 14 Nov 2123 22:13:20 GMT",
];

/// The oracle: `https://api.example` (any case, optional `:443`), then the end or `/?#`.
fn is_api_origin(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://api.example") else {
        return false;
    };
    let rest = rest.strip_prefix(":443").unwrap_or(rest);
    rest.is_empty() || rest.starts_with(['/', '?', '#'])
}

fuzz_target!(|data: &[u8]| {
    let now0 = 1_700_000_000;
    let Ok(tokens) = TokenSet::from_token_response(r#"{"access_token":"a","refresh_token":"r","expires_in":30}"#, now0)
    else {
        return;
    };
    let mut config = ClientConfig::new("https://a.example/token");
    config.api_origins = vec!["https://api.example".into()];
    config.shared_store = data.first().is_some_and(|b| b & 1 == 1);
    let Ok(mut d) = RequestDriver::new(config, Some(tokens), 0) else {
        return;
    };
    let mut transmits = Vec::new();
    let mut now = now0;
    let mut rest = data.get(1..).unwrap_or_default();
    while let Some((&op, tail)) = rest.split_first() {
        let (a, b) = (tail.first().copied().unwrap_or(0), tail.get(1).copied().unwrap_or(0));
        rest = tail.get(2..).unwrap_or_default();
        now += i64::from(a);
        let pick = |t: &mut Vec<u64>| {
            if t.is_empty() {
                u64::from(b)
            } else {
                t.remove(usize::from(b) % t.len())
            }
        };
        let _ = match op % 8 {
            0 => {
                d.send(HttpRequest::new("GET", URLS[usize::from(b) % URLS.len()]), now);
                Ok(())
            }
            1 => {
                let status = [200, 401, 402, 500, 400][usize::from(a) % 5];
                let t = pick(&mut transmits);
                let mut response = HttpResponse::new(status).with_body(BODIES[usize::from(b) % BODIES.len()]);
                if op & 0x80 != 0 {
                    response = response.with_header("Date", DATES[usize::from(op >> 3) % DATES.len()]);
                }
                d.handle_response(t, response, now)
            }
            2 => {
                let t = pick(&mut transmits);
                d.handle_network_error(t, now)
            }
            3 => d.handle_loaded(None, now),
            4 => match d.stored() {
                Some(s) => d.handle_save_conflict(s),
                None => Ok(()),
            },
            5 => d.set_identity(Some("11111111-1111-4111-8111-111111111111".into())),
            6 => {
                // An arbitrary URL: `a` bytes of the input.
                let len = usize::from(a).min(rest.len());
                let url = String::from_utf8_lossy(rest.get(..len).unwrap_or_default()).into_owned();
                rest = rest.get(len..).unwrap_or_default();
                d.send(HttpRequest::new("GET", url), now);
                Ok(())
            }
            _ => match RequestDriver::restore(&d.snapshot()) {
                Ok(restored) => {
                    assert_eq!(restored.generation(), d.generation());
                    Ok(())
                }
                Err(e) => panic!("a driver's own snapshot is refused: {e}"),
            },
        };
        while let Some(action) = d.poll_action() {
            if let Action::Send { transmit, request, .. } = action {
                if request.url != "https://a.example/token" {
                    let authorised = request.header("Authorization").is_some();
                    assert_eq!(
                        authorised,
                        is_api_origin(&request.url) && d.tokens().is_some(),
                        "token sent to {:?}",
                        request.url
                    );
                }
                transmits.push(transmit);
            }
        }
    }
});
