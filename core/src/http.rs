//! HTTP requests and responses as plain data.
//!
//! State machines output [`HttpRequest`]s for the host to send and take the host's
//! [`HttpResponse`]s back. Headers are a name → value map; names are matched
//! case-insensitively on input and written in their usual capitalisation on output.
//!
//! ```
//! use authcore::http::{HttpResponse, form_encode};
//!
//! let resp = HttpResponse::new(200).with_header("content-type", "application/json");
//! assert_eq!(resp.header("Content-Type"), Some("application/json"));
//! assert_eq!(form_encode(&[("a", "b c"), ("d", "é&")]), "a=b+c&d=%C3%A9%26");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Header map: name → value.
pub type Headers = BTreeMap<String, String>;

/// An HTTP request for the host to send (or an API request the host wants authorised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// Method, e.g. `GET`.
    pub method: String,
    /// Absolute URL. For [`crate::gate::Gate`], the request target as received
    /// (`/path?query`) or the request's absolute URL.
    pub url: String,
    /// Headers to send.
    #[serde(default)]
    pub headers: Headers,
    /// Body text, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl HttpRequest {
    /// A request without headers or body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            method: method.into(),
            url: url.into(),
            headers: Headers::new(),
            body: None,
        }
    }

    /// Case-insensitive header lookup.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Sets a header, replacing any existing one with the same name in any case.
    pub fn set_header(&mut self, name: &str, value: impl Into<String>) {
        set_header(&mut self.headers, name, value.into());
    }
}

/// An HTTP response, as the host received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Response headers.
    #[serde(default)]
    pub headers: Headers,
    /// Body text (empty when there was none).
    #[serde(default)]
    pub body: String,
}

impl HttpResponse {
    /// A response with a status only.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Headers::new(),
            body: String::new(),
        }
    }

    /// Builder: adds a header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        set_header(&mut self.headers, name, value.into());
        self
    }

    /// Builder: sets the body.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// Case-insensitive header lookup.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn set_header(headers: &mut Headers, name: &str, value: String) {
    headers.retain(|k, _| !k.eq_ignore_ascii_case(name));
    headers.insert(name.to_owned(), value);
}

/// Whether `s` is an absolute http(s) URL.
pub(crate) fn is_http_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

/// `application/x-www-form-urlencoded` serialisation (WHATWG URL standard).
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(k, &mut out);
        out.push('=');
        encode_component(v, &mut out);
    }
    out
}

fn encode_component(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                for nibble in [b >> 4, b & 15] {
                    out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
                }
            }
        }
    }
}

/// Percent-encodes a URL query component (spaces as `%20`).
pub fn query_encode(s: &str) -> String {
    form_encode(&[("", s)]).trim_start_matches('=').replace('+', "%20")
}

/// Parses `application/x-www-form-urlencoded` text into pairs; `None` on bad escapes or
/// non-UTF-8 results.
pub fn form_decode(s: &str) -> Option<Vec<(String, String)>> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

fn decode_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = core::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_case_insensitive_and_replaced() {
        let mut r = HttpRequest::new("GET", "https://api.example.com/");
        r.set_header("authorization", "a");
        r.set_header("Authorization", "b");
        assert_eq!(r.headers.len(), 1);
        assert_eq!(r.header("AUTHORIZATION"), Some("b"));
    }

    #[test]
    fn form_round_trip() {
        let enc = form_encode(&[("grant_type", "refresh_token"), ("refresh_token", "a+b/c=")]);
        assert_eq!(enc, "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3D");
        let dec = form_decode(&enc).unwrap();
        assert_eq!(dec[1].1, "a+b/c=");
        assert_eq!(form_decode("a=%zz"), None);
        assert_eq!(form_decode("a=%e9"), None);
        assert_eq!(form_decode("a=%"), None);
        assert_eq!(query_encode("read write"), "read%20write");
    }
}
