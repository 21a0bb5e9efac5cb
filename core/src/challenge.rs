//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3): a parser for what a
//! resource server sends with a 401 or 403.
//!
//! [`parse_challenges`] reads every challenge of one or more header values (a response may
//! carry the header several times, and one value may hold several challenges separated by
//! commas). [`ResourceChallenge::find`] picks the `Bearer` (or `DPoP`) challenge and reads the
//! parameters an OAuth client acts on: `resource_metadata` (RFC 9728 §5.1), `scope`, `error`
//! and `error_description`.
//!
//! ## Grammar and rules
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param       = token BWS "=" BWS ( token / quoted-string )
//! token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//!
//! * The scheme is kept as sent and compared case-insensitively ([`Challenge::is`]).
//! * Parameter names are case-insensitive and stored lower-cased; values are a token or a
//!   quoted-string whose `\` escapes are removed. A comma inside a quoted string is part of
//!   the value. Optional whitespace (spaces, tabs) around commas and `=` is skipped; empty list
//!   elements (`,,`) are ignored.
//! * Parameter names are matched exactly: `error_scope` is never `scope`.
//! * A parameter that occurs twice in one challenge (RFC 9110: each name MUST occur only
//!   once) makes that whole challenge refused (dropped); parsing goes on with the next one.
//! * A syntax error (an unbalanced quote, a character that fits nowhere, a parameter without
//!   `=`) drops the challenge being read and the rest of that header value; challenges read
//!   before it, and other header values, are kept.
//! * Bounds: a header value longer than [`MAX_HEADER_BYTES`] is ignored whole; at most
//!   [`MAX_CHALLENGES`] challenges are kept in all and at most [`MAX_PARAMS`] parameters per
//!   challenge (a challenge with more is dropped). Parsing never panics and runs in linear
//!   time.
//!
//! ```
//! use authcore::challenge::{parse_challenges, ResourceChallenge};
//!
//! let header = r#"Basic realm="x, y", Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp""#;
//! let challenges = parse_challenges(&[header]);
//! assert_eq!(challenges.len(), 2);
//! assert_eq!(challenges[0].param("realm"), Some("x, y"));
//! let bearer = ResourceChallenge::find(&challenges).unwrap();
//! assert_eq!(bearer.error.as_deref(), Some("insufficient_scope"));
//! assert_eq!(bearer.scopes(), vec!["files:read", "files:write"]);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::http::HttpResponse;

/// The longest header value parsed, in bytes; a longer one is ignored.
pub const MAX_HEADER_BYTES: usize = 8192;
/// The most challenges kept from all header values together.
pub const MAX_CHALLENGES: usize = 16;
/// The most parameters one challenge may carry (a challenge with more is dropped).
pub const MAX_PARAMS: usize = 32;

/// One challenge: a scheme and either a `token68` or parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// The auth scheme as sent, e.g. `Bearer` (compare with [`Challenge::is`]).
    pub scheme: String,
    /// The `token68` form, when the challenge used it instead of parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token68: Option<String>,
    /// The parameters, names lower-cased, values unquoted.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    /// Whether the scheme is `scheme` (case-insensitive).
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The parameter `name` (case-insensitive), if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What an OAuth client reads from a resource server's `Bearer` or `DPoP` challenge.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ResourceChallenge {
    /// The scheme as sent (`Bearer` or `DPoP`).
    pub scheme: String,
    /// RFC 9728 §5.1: where the protected resource metadata is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_metadata: Option<String>,
    /// The scopes the request needs (space-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// RFC 6750 §3.1 error code (`invalid_token`, `insufficient_scope`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The server's human-readable error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl ResourceChallenge {
    /// The first `Bearer` challenge, else the first `DPoP` challenge.
    pub fn find(challenges: &[Challenge]) -> Option<Self> {
        let c = challenges
            .iter()
            .find(|c| c.is("Bearer"))
            .or_else(|| challenges.iter().find(|c| c.is("DPoP")))?;
        let get = |n: &str| c.param(n).map(str::to_owned);
        Some(Self {
            scheme: c.scheme.clone(),
            resource_metadata: get("resource_metadata"),
            scope: get("scope"),
            error: get("error"),
            error_description: get("error_description"),
        })
    }

    /// Reads every `WWW-Authenticate` header of a response (several headers arrive joined
    /// with `, `, which the grammar allows) and picks the challenge as [`Self::find`].
    pub fn from_response(response: &HttpResponse) -> Option<Self> {
        let values: Vec<&str> = response
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
            .map(|(_, v)| v.as_str())
            .collect();
        Self::find(&parse_challenges(&values))
    }

    /// The `scope` split on spaces (empty when absent).
    pub fn scopes(&self) -> Vec<&str> {
        self.scope
            .as_deref()
            .map(|s| s.split(' ').filter(|t| !t.is_empty()).collect())
            .unwrap_or_default()
    }
}

/// Parses the challenges of every header value in order (see the module docs).
pub fn parse_challenges(values: &[&str]) -> Vec<Challenge> {
    let mut out = Vec::new();
    for value in values {
        if value.len() > MAX_HEADER_BYTES {
            continue;
        }
        Parser {
            s: value.as_bytes(),
            pos: 0,
        }
        .run(&mut out);
        if out.len() >= MAX_CHALLENGES {
            out.truncate(MAX_CHALLENGES);
            break;
        }
    }
    out
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

/// Why a challenge was not kept.
enum Refusal {
    /// Drop this challenge, continue after it.
    Drop,
    /// A syntax error: stop reading this header value.
    Stop,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Skips whitespace and empty list elements.
    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.pos += 1;
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        let t = self.s.get(start..self.pos)?;
        if t.is_empty() {
            return None;
        }
        Some(String::from_utf8_lossy(t).into_owned())
    }

    fn at_end_or_comma(&self) -> bool {
        matches!(self.peek(), None | Some(b','))
    }

    /// Whether `token BWS "="` starts at the current position (without moving).
    fn param_ahead(&self) -> bool {
        let mut i = self.pos;
        let start = i;
        while self.s.get(i).copied().is_some_and(is_tchar) {
            i += 1;
        }
        if i == start {
            return false;
        }
        while matches!(self.s.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        self.s.get(i) == Some(&b'=')
    }

    fn quoted(&mut self) -> Option<String> {
        // At the opening quote.
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = self.peek()?;
                    if e < 0x20 && e != b'\t' || e == 0x7f {
                        return None;
                    }
                    out.push(e);
                    self.pos += 1;
                }
                b'\t' | b' ' | 0x21..=0x7e | 0x80..=0xff => out.push(b),
                _ => return None,
            }
        }
    }

    fn run(&mut self, out: &mut Vec<Challenge>) {
        loop {
            self.skip_separators();
            if self.peek().is_none() || out.len() >= MAX_CHALLENGES {
                return;
            }
            match self.challenge() {
                Ok(c) => out.push(c),
                Err(Refusal::Drop) => {}
                Err(Refusal::Stop) => return,
            }
        }
    }

    fn challenge(&mut self) -> Result<Challenge, Refusal> {
        let scheme = self.token().ok_or(Refusal::Stop)?;
        let mut c = Challenge {
            scheme,
            token68: None,
            params: BTreeMap::new(),
        };
        if self.at_end_or_comma() {
            return Ok(c);
        }
        if self.peek() != Some(b' ') {
            return Err(Refusal::Stop);
        }
        self.skip_ows();
        if self.at_end_or_comma() {
            return Ok(c);
        }
        // token68: its characters, then "=" padding, then the end of the challenge.
        let save = self.pos;
        while self.peek().is_some_and(is_token68_char) {
            self.pos += 1;
        }
        let body_end = self.pos;
        while self.peek() == Some(b'=') {
            self.pos += 1;
        }
        let end = self.pos;
        self.skip_ows();
        if body_end > save && self.at_end_or_comma() {
            c.token68 = self.s.get(save..end).map(|t| String::from_utf8_lossy(t).into_owned());
            return Ok(c);
        }
        self.pos = save;
        let mut duplicate = false;
        loop {
            let name = self.token().ok_or(Refusal::Stop)?.to_ascii_lowercase();
            self.skip_ows();
            if self.peek() != Some(b'=') {
                return Err(Refusal::Stop);
            }
            self.pos += 1;
            self.skip_ows();
            let value = if self.peek() == Some(b'"') {
                self.quoted().ok_or(Refusal::Stop)?
            } else {
                self.token().ok_or(Refusal::Stop)?
            };
            if c.params.contains_key(&name) {
                duplicate = true;
            }
            c.params.insert(name, value);
            self.skip_ows();
            match self.peek() {
                None => break,
                Some(b',') => {
                    // Another parameter of this challenge, or the next challenge.
                    let before = self.pos;
                    self.skip_separators();
                    if self.peek().is_none() {
                        break;
                    }
                    if !self.param_ahead() {
                        self.pos = before;
                        break;
                    }
                }
                Some(_) => return Err(Refusal::Stop),
            }
        }
        if duplicate || c.params.len() > MAX_PARAMS {
            return Err(Refusal::Drop);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(h: &str) -> Vec<Challenge> {
        parse_challenges(&[h])
    }

    #[test]
    fn several_schemes_and_quotes() {
        let c = one(r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].param("title"), Some(r#"Login to "apps""#));
        assert_eq!(c[0].param("TYPE"), Some("1"));
        assert!(c[1].is("basic"));
    }

    #[test]
    fn token68_and_bare_scheme() {
        let c = one("Negotiate abc+/==, Bearer, DPoP algs=\"ES256\"");
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].token68.as_deref(), Some("abc+/=="));
        assert!(c[1].params.is_empty());
        assert_eq!(c[2].param("algs"), Some("ES256"));
    }

    #[test]
    fn duplicate_drops_only_that_challenge() {
        let c = one(r#"Bearer scope="a", scope="b", Basic realm="r""#);
        assert_eq!(c.len(), 1);
        assert!(c[0].is("Basic"));
    }

    #[test]
    fn unbalanced_quote_stops_value() {
        let c = one(r#"Basic realm="r", Bearer scope="a"#);
        assert_eq!(c.len(), 1);
        assert!(parse_challenges(&["", "   ", ",,"]).is_empty());
    }

    #[test]
    fn error_scope_is_not_scope() {
        let c = one(r#"Bearer error_scope="admin", error="invalid_token""#);
        let r = ResourceChallenge::find(&c).unwrap();
        assert_eq!(r.scope, None);
        assert_eq!(r.error.as_deref(), Some("invalid_token"));
    }

    /// Every truncation and one-byte substitution of adversarial seeds: never a panic, and
    /// every kept challenge fits the documented shape.
    #[test]
    fn mutations_keep_the_invariants() {
        let seeds = [
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#,
            r#"Bearer error="insufficient_scope", scope="a b", resource_metadata="https://x/y""#,
            "Negotiate abc+/==, Bearer, DPoP algs=\"ES256\"",
        ];
        let alphabet = b" \t,=\"\\aZ9+/\x01\x7f\xc3";
        for seed in seeds {
            let bytes = seed.as_bytes();
            for cut in 0..=bytes.len() {
                for &b in alphabet.iter() {
                    let mut v = bytes.get(..cut).unwrap().to_vec();
                    v.push(b);
                    v.extend_from_slice(bytes.get(cut..).unwrap_or_default());
                    let text = String::from_utf8_lossy(&v);
                    for c in parse_challenges(&[&text, seed]) {
                        assert!(!c.scheme.is_empty() && c.scheme.bytes().all(is_tchar));
                        assert!(c.params.len() <= MAX_PARAMS);
                        assert!(c.token68.is_none() || c.params.is_empty());
                        for k in c.params.keys() {
                            assert!(!k.is_empty() && k.bytes().all(|b| is_tchar(b) && !b.is_ascii_uppercase()));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn across_headers_and_limits() {
        let long = "a".repeat(MAX_HEADER_BYTES + 1);
        let c = parse_challenges(&["Basic realm=x", &long, "Bearer scope=\"s\""]);
        assert_eq!(c.len(), 2);
        let many = vec!["X"; 40].join(", ");
        assert_eq!(one(&many).len(), MAX_CHALLENGES);
    }
}
