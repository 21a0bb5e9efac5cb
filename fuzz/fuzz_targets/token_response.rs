//! Token responses, stored token files, device grant and session records: parse, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = authcore::tokens::TokenSet::from_token_response(text, 1_700_000_000);
        let _ = authcore::tokens::StoredTokens::from_json(text);
        let _ = authcore::device::DeviceGrant::from_json(text);
        let _ = authcore::session::Session::from_json(text);
        let _ = authcore::device::TokenRequest::from_form(text, None);
    }
});
