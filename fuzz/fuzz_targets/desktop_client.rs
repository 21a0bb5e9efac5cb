//! The desktop sign-in machine under arbitrary redirects, responses, timings and restored
//! states: never panic, a restored machine's own state is always accepted, and a `save`
//! only ever follows a redirect that carried the machine's own `state`.
#![no_main]

use authcore::entropy::FixedEntropy;
use authcore::http::HttpResponse;
use authcore::signin::{DesktopAction, DesktopClient, DesktopClientConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = DesktopClientConfig {
        sign_in_url: "https://app.example/desktop".into(),
        exchange_url: "https://api.example/exchange".into(),
        redirect_uri: "http://127.0.0.1:53682/callback".into(),
        ..Default::default()
    };
    let Ok(mut c) = DesktopClient::new(config) else {
        return;
    };
    let mut now = 0i64;
    let _ = c.start(now, &mut FixedEntropy::new(vec![7; 64]));
    let state = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc";
    let mut good_redirect = false;
    let mut rest = data;
    while let Some((&op, tail)) = rest.split_first() {
        let len = usize::from(tail.first().copied().unwrap_or(0)).min(tail.len().saturating_sub(1));
        let payload = String::from_utf8_lossy(tail.get(1..1 + len).unwrap_or_default()).into_owned();
        rest = tail.get(1 + len..).unwrap_or_default();
        now += i64::from(op >> 3);
        let _ = match op % 6 {
            0 => c.handle_timeout(now),
            1 => c.handle_redirect(&payload, now),
            2 => {
                let redirect = format!("/callback?code={}&state={state}", payload.escape_default());
                let r = c.handle_redirect(&redirect, now);
                good_redirect |= r.is_ok();
                r
            }
            3 => c.handle_response(
                1 + u64::from(op & 1),
                HttpResponse::new([200, 400, 401, 500][usize::from(op >> 6)]).with_body(payload),
                now,
            ),
            4 => match DesktopClient::restore(&c.snapshot()) {
                Ok(restored) => {
                    c = restored;
                    Ok(())
                }
                Err(e) => panic!("a client's own state is refused: {e}"),
            },
            _ => {
                if let Ok(state) = serde_json::from_str(&payload) {
                    if let Ok(restored) = DesktopClient::restore(&state) {
                        c = restored;
                        good_redirect = true; // a restored machine may already be exchanging
                    }
                }
                Ok(())
            }
        };
        for action in c.actions() {
            if let DesktopAction::Save { .. } = action {
                assert!(good_redirect, "a session was saved without the machine's own state");
            }
        }
    }
});
