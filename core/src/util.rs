//! Small shared helpers: encodings, digests, identifiers.

use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorCode, Result};

/// base64url without padding.
pub(crate) fn b64url(bytes: &[u8]) -> String {
    <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(bytes)
}

/// Lower-case hex, in one allocation.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from(DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0')));
        }
    }
    out
}

/// Lower-case hex SHA-256 of text: the lookup key of every stored secret (session tokens,
/// device codes, refresh tokens), so a database leak does not leak live credentials.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// A UUID in its canonical lower-case hyphenated form, when `s` is one.
pub(crate) fn canonical_uuid(s: &str) -> Option<String> {
    uuid::Uuid::try_parse(s).ok().map(|u| u.hyphenated().to_string())
}

/// Checks a user id handed in by the host: 1 to 256 bytes.
pub(crate) fn check_user_id(user_id: &str) -> Result<()> {
    if user_id.is_empty() || user_id.len() > 256 {
        return Err(Error::field(
            ErrorCode::InvalidInput,
            "user_id",
            "The user id must be 1 to 256 bytes.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(hex(&[0, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(
            canonical_uuid("11111111-1111-4111-8111-11111111111A").as_deref(),
            Some("11111111-1111-4111-8111-11111111111a")
        );
        assert!(check_user_id("").is_err() && check_user_id("u").is_ok());
    }
}
