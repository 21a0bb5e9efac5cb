// tests

use super::VerifierConfig;
use crate::error::decode_json;
use serde_json::json;

#[test]
fn audience_is_one_string_or_a_list() {
    let one: VerifierConfig = decode_json(json!({"algorithms": ["HS256"], "audience": "api"})).unwrap();
    assert_eq!(one.audience, Some(vec!["api".to_owned()]));
    let many: VerifierConfig = decode_json(json!({"algorithms": ["HS256"], "audience": ["a", "b"]})).unwrap();
    assert_eq!(many.audience, Some(vec!["a".to_owned(), "b".to_owned()]));
    let none: VerifierConfig = decode_json(json!({"algorithms": ["HS256"], "audience": null})).unwrap();
    assert_eq!(none.audience, None);
    let absent: VerifierConfig = decode_json(json!({"algorithms": ["HS256"]})).unwrap();
    assert_eq!(absent.audience, None);
    let err = decode_json::<VerifierConfig>(json!({"algorithms": ["HS256"], "audience": 7})).unwrap_err();
    assert_eq!(err.path(), "audience");
    assert!(
        err.detail().contains("a string or a list of strings"),
        "{}",
        err.detail()
    );
    assert!(err.is_wrong_type());
    let err = decode_json::<VerifierConfig>(json!({"algorithms": ["HS256"], "audience": ["a", 1]})).unwrap_err();
    assert_eq!(err.path(), "audience[1]");
    // Serialised as a list, so a config round-trips.
    assert_eq!(serde_json::to_value(&one).unwrap()["audience"], json!(["api"]));
}
