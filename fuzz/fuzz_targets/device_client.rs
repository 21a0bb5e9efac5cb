//! The device-flow client under arbitrary responses, timings and restored states: never panic,
//! and never show a prompt with anything but a safe user code and an http(s) link of
//! printable ASCII.
#![no_main]

use authcore::device::{DeviceAction, DeviceClient, DeviceClientConfig};
use authcore::http::HttpResponse;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(mut c) = DeviceClient::new(DeviceClientConfig::new("https://a.example", "cli")) else {
        return;
    };
    let mut now = 0i64;
    let mut last = 1;
    let _ = c.start(now);
    let mut rest = data;
    while let Some((&op, tail)) = rest.split_first() {
        let len = usize::from(tail.first().copied().unwrap_or(0)).min(tail.len().saturating_sub(1));
        let payload = String::from_utf8_lossy(tail.get(1..1 + len).unwrap_or_default()).into_owned();
        rest = tail.get(1 + len..).unwrap_or_default();
        now += i64::from(op >> 3);
        let _ = match op % 8 {
            0 => c.handle_timeout(now),
            1 => c.handle_network_error(last, now),
            2 => {
                c.cancel();
                Ok(())
            }
            3 => {
                // The payload as a user code or a verification URI in an otherwise good answer.
                let (code, uri) = if op & 0x80 != 0 {
                    (payload.as_str(), "https://a.example/device")
                } else {
                    ("BCDF-GHJK", payload.as_str())
                };
                let body = json!({"device_code": "dc", "user_code": code, "verification_uri": uri, "expires_in": 600});
                c.handle_response(last, HttpResponse::new(200).with_body(body.to_string()), now)
            }
            4 => {
                // Restore from the payload as JSON, or round-trip the machine's own state.
                match serde_json::from_str(&payload) {
                    Ok(state) => {
                        if let Ok(restored) = DeviceClient::restore(&state) {
                            c = restored;
                        }
                    }
                    Err(_) => match DeviceClient::restore(&c.snapshot()) {
                        Ok(restored) => c = restored,
                        Err(e) => panic!("a client's own state is refused: {e}"),
                    },
                }
                Ok(())
            }
            _ => c.handle_response(
                last,
                HttpResponse::new([200, 400, 429, 500, 302][usize::from(op) % 5]).with_body(payload),
                now,
            ),
        };
        while let Some(a) = c.poll_action() {
            match a {
                DeviceAction::Send { transmit, .. } => last = transmit,
                DeviceAction::Prompt(p) => {
                    assert!(
                        !p.user_code.is_empty()
                            && p.user_code.len() <= 32
                            && p.user_code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b' '),
                        "unsafe user code {:?}",
                        p.user_code
                    );
                    for uri in std::iter::once(&p.verification_uri).chain(&p.verification_uri_complete) {
                        assert!(
                            (uri.starts_with("https://") || uri.starts_with("http://"))
                                && uri.bytes().all(|b| (b'!'..=b'~').contains(&b) && b != b'\\'),
                            "unsafe link {uri:?}"
                        );
                    }
                }
                _ => {}
            }
        }
    }
});
