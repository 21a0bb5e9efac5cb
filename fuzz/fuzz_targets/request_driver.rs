//! The request driver under arbitrary event sequences: never panic.
#![no_main]

use authcore::http::{HttpRequest, HttpResponse};
use authcore::tokens::{Action, ClientConfig, RequestDriver, TokenSet};
use libfuzzer_sys::fuzz_target;

const BODIES: &[&str] = &[
    r#"{"access_token":"a2","refresh_token":"r2","token_type":"Bearer","expires_in":60}"#,
    r#"{"error":"invalid_grant"}"#,
    "{",
    "",
];

fuzz_target!(|data: &[u8]| {
    let now0 = 1_700_000_000;
    let Ok(tokens) = TokenSet::from_token_response(r#"{"access_token":"a","refresh_token":"r","expires_in":30}"#, now0)
    else {
        return;
    };
    let mut config = ClientConfig::new("https://a.example/token");
    config.shared_store = data.first().is_some_and(|b| b & 1 == 1);
    let mut d = RequestDriver::new(config, Some(tokens), 0);
    let mut transmits = Vec::new();
    let mut now = now0;
    for chunk in data.chunks(3) {
        let (op, a, b) = (chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0));
        now += i64::from(a);
        let pick = |t: &mut Vec<u64>| {
            if t.is_empty() {
                u64::from(b)
            } else {
                t.remove(usize::from(b) % t.len())
            }
        };
        let _ = match op % 6 {
            0 => {
                d.send(HttpRequest::new("GET", "https://api.example/"), now);
                Ok(())
            }
            1 => {
                let status = [200, 401, 402, 500, 400][usize::from(a) % 5];
                let t = pick(&mut transmits);
                d.handle_response(
                    t,
                    HttpResponse::new(status).with_body(BODIES[usize::from(b) % BODIES.len()]),
                    now,
                )
            }
            2 => {
                let t = pick(&mut transmits);
                d.handle_network_error(t, now)
            }
            3 => d.handle_loaded(None, now),
            4 => {
                if let Some(s) = d.stored() {
                    d.handle_save_conflict(s);
                }
                Ok(())
            }
            _ => {
                d.set_identity(Some("11111111-1111-4111-8111-111111111111".into()));
                Ok(())
            }
        };
        while let Some(a) = d.poll_action() {
            if let Action::Send { transmit, .. } = a {
                transmits.push(transmit);
            }
        }
    }
});
