//! Request targets (RFC 9112 §3.2): the path a request is routed on, parsed once and strictly.
//!
//! A route decision taken on one reading of a path while the host's router dispatches on
//! another is an authorisation bypass (`/api/admin/..%2fpublic`, `/public;/../admin`,
//! `?next=https://x/public`). [`RequestTarget::parse`] therefore accepts only targets that
//! every common router reads the same way, and refuses the rest with
//! `invalid_request_target` (400):
//!
//! * **origin-form** `/path?query`: the path ends at the first `?`; the query is never looked
//!   at again (it may hold `://`, `/`, anything visible).
//! * **absolute-form** `http(s)://host[:port]/path?query` only when the target really is one:
//!   it starts with `http://` or `https://` (any case), has a non-empty authority without
//!   userinfo or `\`, and parses with the WHATWG URL parser (the `url` crate) to the same
//!   path. Hosts that pass a full URL (`request.url`) get the same result as with the path.
//! * **asterisk-form** (`*`, server-wide `OPTIONS`) and **authority-form** (`host:port`, for
//!   `CONNECT`) are refused: they name no resource an application route could match. Answer
//!   them in the web server if they are needed.
//!
//! Refused everywhere: an empty target, more than [`MAX_TARGET_BYTES`] bytes, a space, a
//! control character, non-ASCII (send it percent-encoded), a fragment (`#`), and in the path:
//! `\`, `;` (path parameters), characters outside RFC 3986 `pchar`, bad `%` escapes, encoded
//! `/` (`%2F`), `\` (`%5C`) and control characters, and percent-encoded bytes that are not
//! UTF-8.
//!
//! **Ambiguous paths.** By default dot-segments (`.`, `..`), any `%2E` (any case) and empty
//! segments (`//`) are refused, because routers disagree about them: some resolve them, some
//! match the raw text. With `normalize` on, they are resolved instead — dot-segments as RFC
//! 3986 §5.2.4 (and browsers) do, `%2E` counting as `.`, then empty segments dropped — and
//! [`RequestTarget::path`] is the normalised path, which the host must then route on.
//!
//! A single trailing `/` is kept in [`RequestTarget::path`] and is not a segment
//! ([`RequestTarget::segments`] of `/a/` is `["a"]`).
//!
//! ```
//! use authcore::target::RequestTarget;
//!
//! let t = RequestTarget::parse("/api/caf%C3%A9/?next=https://x/api/public", false)?;
//! assert_eq!(t.path(), "/api/caf%C3%A9/");
//! assert_eq!(t.segments(), ["api", "café"]);
//! assert_eq!(t.query(), Some("next=https://x/api/public"));
//!
//! let e = RequestTarget::parse("/api/admin/../public", false).unwrap_err();
//! assert_eq!(e.code().as_str(), "invalid_request_target");
//! assert_eq!(RequestTarget::parse("/api/admin/../public", true)?.path(), "/api/public");
//! # Ok::<(), authcore::Error>(())
//! ```

use crate::error::{Error, ErrorCode, Result};

/// The longest request target accepted, in bytes (RFC 9112 §3 recommends supporting at
/// least 8000).
pub const MAX_TARGET_BYTES: usize = 16 * 1024;

/// The form a request target came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetForm {
    /// `/path?query`.
    Origin,
    /// `http(s)://host/path?query`.
    Absolute,
}

/// A parsed request target. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestTarget {
    form: TargetForm,
    path: String,
    query: Option<String>,
    segments: Vec<String>,
}

fn refuse(detail: &str) -> Error {
    Error::field(ErrorCode::InvalidRequestTarget, "url", detail)
}

impl RequestTarget {
    /// Parses `target` (a request target, or the full URL of the request). `normalize`
    /// resolves dot-segments and empty segments instead of refusing them.
    pub fn parse(target: &str, normalize: bool) -> Result<Self> {
        if target.is_empty() {
            return Err(refuse("The request target is empty."));
        }
        if target.len() > MAX_TARGET_BYTES {
            return Err(refuse("The request target is longer than 16384 bytes."));
        }
        if !target.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(refuse(
                "The request target holds a space, a control character or non-ASCII text.",
            ));
        }
        if target.contains('#') {
            return Err(refuse("The request target holds a fragment (`#`)."));
        }
        let (form, rest) = if target.starts_with('/') {
            (TargetForm::Origin, target)
        } else if target == "*" {
            return Err(refuse("Asterisk-form request targets (`*`) are not accepted."));
        } else {
            (TargetForm::Absolute, after_authority(target)?)
        };
        let (raw_path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        // An absolute URL with no path (`https://h?q`) names `/`.
        let raw_path = if raw_path.is_empty() { "/" } else { raw_path };
        let raw = check_path(raw_path, normalize)?;
        let (path, segments) = if normalize {
            normalized(&raw)
        } else {
            (
                raw_path.to_owned(),
                raw.into_iter()
                    .filter(|s| !s.text.is_empty())
                    .map(|s| s.decoded)
                    .collect(),
            )
        };
        if form == TargetForm::Absolute {
            same_as_whatwg(target, &path, normalize)?;
        }
        Ok(Self {
            form,
            path,
            query: query.map(str::to_owned),
            segments,
        })
    }

    /// The form the target came in.
    pub fn form(&self) -> TargetForm {
        self.form
    }

    /// The path as sent (percent-encoding kept; normalised when asked for), starting with `/`.
    /// The host must route on exactly this path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query (after `?`, without it), as sent.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The path's segments, percent-decoded (a trailing `/` adds none): what route patterns
    /// are matched against.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }
}

/// The path and query of an absolute-form target (`http(s)://authority` stripped).
fn after_authority(target: &str) -> Result<&str> {
    let scheme_len = ["http://", "https://"]
        .iter()
        .find(|s| target.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)))
        .map(|s| s.len())
        .ok_or_else(|| {
            refuse(
                "A request target is `/path?query` or an absolute `http(s)://` URL (authority-form is not accepted).",
            )
        })?;
    let rest = target.get(scheme_len..).unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = rest.get(..end).unwrap_or("");
    if authority.is_empty() || authority.contains(['@', '\\']) {
        return Err(refuse(
            "The URL's authority must be a host (and port), without user information or `\\`.",
        ));
    }
    Ok(rest.get(end..).unwrap_or(""))
}

/// The WHATWG parse of an absolute-form target must agree with this one: same path (after
/// dropping empty segments, when normalising), a host, no user information.
fn same_as_whatwg(target: &str, path: &str, normalize: bool) -> Result<()> {
    let url = crate::http::parse_url(target).map_err(|_| refuse("The URL cannot be parsed."))?;
    let theirs = if normalize {
        collapse(url.path())
    } else {
        url.path().to_owned()
    };
    if url.host().is_none() || !url.username().is_empty() || url.password().is_some() || theirs != path {
        return Err(refuse("The URL is ambiguous: URL parsers disagree about its path."));
    }
    Ok(())
}

/// `/a//b/` → `/a/b/` (empty segments dropped, a trailing `/` kept).
fn collapse(path: &str) -> String {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = format!("/{}", segs.join("/"));
    if path.ends_with('/') && !segs.is_empty() {
        out.push('/');
    }
    out
}

/// One path segment: its text as sent, decoded, and whether it is a dot-segment.
struct Segment<'a> {
    text: &'a str,
    decoded: String,
    dots: u8,
}

/// Checks every segment of `path` (which starts with `/`) and decodes it.
fn check_path(path: &str, normalize: bool) -> Result<Vec<Segment<'_>>> {
    let mut out = Vec::new();
    let mut parts = path.split('/').skip(1).peekable();
    while let Some(text) = parts.next() {
        let last = parts.peek().is_none();
        if text.is_empty() && !last && !normalize {
            return Err(refuse("The path holds an empty segment (`//`)."));
        }
        let decoded = decode_segment(text, normalize)?;
        let dots = match decoded.as_str() {
            "." => 1,
            ".." => 2,
            _ => 0,
        };
        if dots > 0 && !normalize {
            return Err(refuse("The path holds a dot-segment (`.` or `..`)."));
        }
        out.push(Segment { text, decoded, dots });
    }
    Ok(out)
}

/// Validates one raw segment and percent-decodes it. `%2E` is refused unless normalising
/// (then it is a plain `.`, and `%2E%2E` a dot-segment, as browsers read it).
fn decode_segment(text: &str, normalize: bool) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|h| hex_value(*h));
                let lo = bytes.get(i + 2).and_then(|h| hex_value(*h));
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(refuse("The path holds a `%` that is not followed by two hex digits."));
                };
                let v = hi << 4 | lo;
                match v {
                    b'/' => return Err(refuse("The path holds an encoded `/` (`%2F`).")),
                    b'\\' => return Err(refuse("The path holds an encoded `\\` (`%5C`).")),
                    b'.' if !normalize => return Err(refuse("The path holds an encoded `.` (`%2E`).")),
                    0..=0x1f | 0x7f => return Err(refuse("The path holds an encoded control character.")),
                    _ => {}
                }
                out.push(v);
                i += 3;
            }
            b'\\' => return Err(refuse("The path holds a `\\`.")),
            b';' => return Err(refuse("The path holds a `;` (path parameters are not accepted).")),
            _ if is_pchar(b) => {
                out.push(b);
                i += 1;
            }
            _ => return Err(refuse("The path holds a character that must be percent-encoded.")),
        }
    }
    String::from_utf8(out).map_err(|_| refuse("The path holds percent-encoded bytes that are not UTF-8."))
}

/// RFC 3986 `pchar` without `%` (handled by the caller) and `;` (refused).
fn is_pchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,=:@".contains(&b)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// RFC 3986 §5.2.4 on the segments (a `..` also removes an empty segment, as browsers do),
/// then empty segments dropped: the normalised path (raw text of the kept segments) and its
/// decoded segments.
fn normalized(segments: &[Segment<'_>]) -> (String, Vec<String>) {
    let mut stack: Vec<&Segment<'_>> = Vec::new();
    let mut trailing = false;
    let mut it = segments.iter().peekable();
    while let Some(s) = it.next() {
        let last = it.peek().is_none();
        match s.dots {
            2 => {
                stack.pop();
                trailing = last;
            }
            1 => trailing = last,
            _ => {
                stack.push(s);
                trailing = s.text.is_empty();
            }
        }
    }
    let kept: Vec<&Segment<'_>> = stack.into_iter().filter(|s| !s.text.is_empty()).collect();
    let mut path = String::with_capacity(segments.iter().map(|s| s.text.len() + 1).sum());
    for s in &kept {
        path.push('/');
        path.push_str(s.text);
    }
    if path.is_empty() || trailing {
        path.push('/');
    }
    (path, kept.iter().map(|s| s.decoded.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(t: &str) -> RequestTarget {
        RequestTarget::parse(t, false).unwrap()
    }

    fn bad(t: &str) -> String {
        let e = RequestTarget::parse(t, false).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidRequestTarget, "{t}");
        e.detail().to_owned()
    }

    #[test]
    fn origin_form() {
        let t = ok("/api/admin/users/7/delete?next=https://x/api/public/");
        assert_eq!(t.path(), "/api/admin/users/7/delete");
        assert_eq!(t.segments(), ["api", "admin", "users", "7", "delete"]);
        assert_eq!(t.query(), Some("next=https://x/api/public/"));
        assert_eq!(t.form(), TargetForm::Origin);
        assert_eq!(ok("/").segments().len(), 0);
        assert_eq!(ok("/a/").segments(), ["a"]);
        assert_eq!(ok("/a/").path(), "/a/");
        assert_eq!(ok("/%61dmin").segments(), ["admin"]);
        assert_eq!(ok("/a%3Bb").segments(), ["a;b"]);
        assert_eq!(ok("/a:b@c!$&'()*+,=~-_").path(), "/a:b@c!$&'()*+,=~-_");
        assert_eq!(ok("/a?").query(), Some(""));
        assert_eq!(ok("/a?b?c/../d\\").query(), Some("b?c/../d\\"));
    }

    #[test]
    fn absolute_form() {
        let t = ok("HTTPS://api.example.com:8443/x/y?q=1");
        assert_eq!(
            (t.path(), t.query(), t.form()),
            ("/x/y", Some("q=1"), TargetForm::Absolute)
        );
        assert_eq!(ok("http://h").path(), "/");
        assert_eq!(ok("http://h?q").path(), "/");
        assert!(bad("http://u:p@h/x").contains("user information"));
        assert!(bad("http://h\\x/y").contains("authority"));
        assert!(bad("http:///x").contains("authority"));
        assert!(bad("http://h:99999/").contains("cannot be parsed"));
        assert!(bad("ftp://h/x").contains("authority-form"));
        assert!(bad("api.example.com:443").contains("authority-form"));
        assert!(bad("*").contains("Asterisk"));
        assert!(bad("x/api/admin").contains("authority-form"));
    }

    #[test]
    fn refusals() {
        for t in [
            "",
            "/a/../b",
            "/a/./b",
            "/a/..",
            "/..",
            "/a/%2e%2e/b",
            "/a/%2E/b",
            "/a/b%2ec",
            "/a%2fb",
            "/a%2Fb",
            "/a%5cb",
            "/a\\b",
            "/a;b/c",
            "/a//b",
            "//a",
            "/a%00b",
            "/a%7F",
            "/a%zz",
            "/a%2",
            "/a b",
            "/a\tb",
            "/a\u{0}b",
            "/caf\u{e9}",
            "/a#f",
            "/a|b",
            "/a[b]",
            "/a\"b",
            "/a{b}",
            "/%C3",
            "/%FF",
            "/a?b c",
        ] {
            bad(t);
        }
        bad(&format!("/{}", "a".repeat(MAX_TARGET_BYTES)));
        assert!(RequestTarget::parse(&format!("/{}", "a".repeat(MAX_TARGET_BYTES - 1)), false).is_ok());
    }

    #[test]
    fn normalising() {
        let n = |t: &str| RequestTarget::parse(t, true).map(|t| (t.path().to_owned(), t.segments().to_vec()));
        assert_eq!(n("/a/../b").unwrap().0, "/b");
        assert_eq!(n("/a/%2e%2E/b").unwrap().0, "/b");
        assert_eq!(
            n("/a//b/./c/").unwrap(),
            ("/a/b/c/".to_owned(), vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(n("/../../etc").unwrap().0, "/etc");
        assert_eq!(n("/a/b/..").unwrap().0, "/a/");
        assert_eq!(n("/a/.").unwrap().0, "/a/");
        assert_eq!(n("/..").unwrap().0, "/");
        assert_eq!(n("//").unwrap().0, "/");
        assert_eq!(n("/a%2eb").unwrap().1, ["a.b"]);
        assert_eq!(n("https://h/a/b/../c").unwrap().0, "/a/c");
        // Browsers let `..` remove an empty segment, and so does this.
        assert_eq!(n("/a//../b").unwrap().0, "/a/b");
        assert_eq!(n("http://h/a//../b").unwrap().0, "/a/b");
        for t in ["/a%2fb", "/a\\b", "/a;b", "/a%00"] {
            assert!(n(t).is_err(), "{t}");
        }
    }

    #[test]
    fn agrees_with_whatwg_on_accepted_origin_form() {
        for t in ["/", "/a/", "/a:b", "/%41%zz", "/a/b?c", "/~x/!$&'()*+,=@"] {
            if let Ok(p) = RequestTarget::parse(t, false) {
                let u = url::Url::parse(&format!("http://h{t}")).unwrap();
                assert_eq!(p.path(), u.path(), "{t}");
            }
        }
    }
}
