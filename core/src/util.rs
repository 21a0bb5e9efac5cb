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

/// The longest piece of caller input that error text quotes.
#[allow(dead_code)] // used by the request and header checks
pub(crate) const QUOTE_MAX: usize = 64;

/// A sanitised, length-capped form of caller input for error details and headers: printable
/// ASCII only (everything else, and `"` and `\\`, become `?`), at most [`QUOTE_MAX`]
/// characters, with `...` when cut. Never call it on a secret: name the field instead.
#[allow(dead_code)] // used by the request and header checks
pub(crate) fn quote_input(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(QUOTE_MAX + 3));
    for (i, c) in s.chars().enumerate() {
        if i == QUOTE_MAX {
            out.push_str("...");
            break;
        }
        out.push(match c {
            '"' | '\\' => '?',
            ' '..='~' => c,
            _ => '?',
        });
    }
    out
}

/// Whether `s` can be written into an HTTP header value as is: visible ASCII, space and tab
/// (RFC 9110 §5.5), so no CR, LF, NUL or other control character can split or end a header.
#[allow(dead_code)] // used by the request and header checks
pub(crate) fn is_header_safe(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
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

    #[test]
    fn quoting() {
        assert_eq!(quote_input("x\r\nSet-Cookie: a=\"b\""), "x??Set-Cookie: a=?b?");
        assert_eq!(quote_input("\u{1b}[31mé"), "?[31m?");
        let long = "a".repeat(100);
        assert_eq!(quote_input(&long), format!("{}...", "a".repeat(QUOTE_MAX)));
        assert!(is_header_safe("Bearer abc\t=") && !is_header_safe("a\r\nb") && !is_header_safe("\u{7f}"));
    }
}
