//! Form data from the network: the decoder, the device server's request parsers and the
//! OAuth callback. Never panic; respect the caps; round-trip what parses. Run with
//! `-max_len=70000 -timeout=5` (as `make fuzz` does) so inputs up to and past the 64 KiB cap
//! are tried and a super-linear parse shows up as a timeout.
#![no_main]

use authcore::device::{AuthorizationRequest, TokenRequest};
use authcore::http::{form_decode, form_encode, repeated_name, MAX_FORM_BYTES, MAX_FORM_PARAMS};
use authcore::oauth::{AuthCodeClient, AuthCodeConfig};
use authcore::ErrorCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match form_decode(&text) {
        Ok(pairs) => {
            assert!(text.len() <= MAX_FORM_BYTES && pairs.len() <= MAX_FORM_PARAMS);
            let _ = repeated_name(&pairs);
            let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let encoded = form_encode(&borrowed);
            if encoded.len() <= MAX_FORM_BYTES {
                assert_eq!(form_decode(&encoded).ok(), Some(pairs), "decode(encode(pairs)) == pairs");
            }
        }
        Err(e) => assert!(matches!(e.code(), ErrorCode::PayloadTooLarge | ErrorCode::InvalidRequest)),
    }
    for result in [
        TokenRequest::from_form(&text, None).err(),
        TokenRequest::from_form(&text, Some("basic-client")).err(),
        AuthorizationRequest::from_form(&text).err(),
    ] {
        if let Some(e) = result {
            assert!(e.field_name().map_or(true, |f| f.bytes().all(|b| (b' '..=b'~').contains(&b))));
        }
    }
    let config = AuthCodeConfig {
        authorization_endpoint: "https://idp.example/authorize".into(),
        token_endpoint: "https://idp.example/token".into(),
        client_id: "cli".into(),
        redirect_uri: "https://app.example/cb".into(),
        ..AuthCodeConfig::default()
    };
    if let Ok(client) = AuthCodeClient::new(config) {
        let mut entropy = authcore::entropy::FixedEntropy::new(vec![7; 64]);
        if let Ok(start) = client.start(0, &mut entropy) {
            let _ = client.callback(&start.record, &text, 1);
            let _ = client.callback(&start.record, &format!("https://app.example/cb?{text}"), 1);
        }
    }
});
