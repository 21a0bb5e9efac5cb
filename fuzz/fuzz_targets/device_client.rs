//! The device-flow client under arbitrary responses and timings: never panic.
#![no_main]

use authcore::device::{DeviceAction, DeviceClient, DeviceClientConfig};
use authcore::http::HttpResponse;
use libfuzzer_sys::fuzz_target;

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
        let body = String::from_utf8_lossy(tail.get(1..1 + len).unwrap_or_default()).into_owned();
        rest = tail.get(1 + len..).unwrap_or_default();
        now += i64::from(op >> 3);
        let _ = match op % 5 {
            0 => c.handle_timeout(now),
            1 => c.handle_network_error(last, now),
            2 => {
                c.cancel();
                Ok(())
            }
            _ => c.handle_response(
                last,
                HttpResponse::new([200, 400, 429, 500, 302][usize::from(op) % 5]).with_body(body),
                now,
            ),
        };
        while let Some(a) = c.poll_action() {
            if let DeviceAction::Send { transmit, .. } = a {
                last = transmit;
            }
        }
    }
});
