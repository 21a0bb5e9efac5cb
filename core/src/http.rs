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

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};

/// Header map: name → value.
pub type Headers = BTreeMap<String, String>;

/// An HTTP request for the host to send (or an API request the host wants authorised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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

/// The longest URL accepted as an endpoint, origin or link shown to a person, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Whether a parsed URL names a loopback host: `localhost`, `127.0.0.0/8` or `[::1]`.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether `raw`, parsed as `url`, spells its scheme and authority plainly: `scheme://`
/// then exactly the host (as the WHATWG parser serialises it) and an optional `:port`, up to
/// the first `/`, `?` or `#`. Then every URL parser (WHATWG, RFC 3986, an HTTP client's own)
/// finds the same host: no user info, backslashes, percent-escapes, missing slashes or
/// non-canonical IP forms.
pub(crate) fn plain_authority(raw: &str, url: &url::Url) -> bool {
    let (Some(host), Some((scheme, rest))) = (url.host_str(), raw.split_once("://")) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let with_port = || {
        url.port_or_known_default()
            .is_some_and(|port| authority.eq_ignore_ascii_case(&format!("{host}:{port}")))
    };
    scheme.eq_ignore_ascii_case(url.scheme()) && (authority.eq_ignore_ascii_case(host) || with_port())
}

/// Parses `s` with the WHATWG URL parser (the `url` crate), hosts read in their ASCII form
/// only. The crate's IDNA back end has no Unicode tables (`idna_adapter` 1.0), so a Unicode
/// host (also once percent-decoded, e.g. `%C3%BC`) fails with [`url::ParseError::IdnaError`];
/// without tables it would also let any `xn--` label through, so each one is checked here
/// structurally ([`valid_a_label`]) and a bad one fails the same way. Every URL the core
/// parses goes through this function.
pub(crate) fn parse_url(s: &str) -> std::result::Result<url::Url, url::ParseError> {
    let url = url::Url::parse(s)?;
    if let Some(url::Host::Domain(d)) = url.host() {
        if !d.split('.').all(valid_a_label) {
            return Err(url::ParseError::IdnaError);
        }
    }
    Ok(url)
}

/// Whether a host label (as the URL parser serialises it: lower-case ASCII) is either not an
/// A-label or a well-formed one: `xn--` then Punycode that decodes to text with at least one
/// non-ASCII character, no control, space or upper-case character, and that encodes back to
/// exactly the same label. (Full IDNA2008 validity needs Unicode tables authcore does not
/// carry; hosts are compared and sent in their ASCII form, so this check is about refusing
/// labels no browser would accept, not about routing.)
pub(crate) fn valid_a_label(label: &str) -> bool {
    let Some(code) = label.strip_prefix("xn--") else {
        return true;
    };
    let Some(text) = idna::punycode::decode_to_string(code) else {
        return false;
    };
    !text.is_ascii()
        && text
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && !c.is_uppercase() && c != '\u{fffd}')
        && idna::punycode::encode_str(&text).as_deref() == Some(code)
}

/// The detail of a URL or host refused because it is not ASCII. authcore reads ASCII hosts
/// only: an internationalised domain name must be written in its A-label form (`xn--…`, as
/// DNS carries it), so a look-alike Unicode host can never be mistaken for another one, and
/// no Unicode tables are needed to map it.
pub(crate) fn non_ascii_detail(field: &str) -> String {
    format!(
        "`{field}` must be ASCII: write an internationalised host name in its `xn--` form and \
         percent-encode any other non-ASCII text."
    )
}

/// Checks a URL that credentials or people are sent to, and parses it with the WHATWG URL
/// parser (the one browsers and most HTTP clients use). Refused, as `code` naming `field`:
/// more than [`MAX_URL_LEN`] bytes; anything but printable ASCII (so no spaces, control
/// characters such as ESC, CR or LF; non-ASCII text, such as a Unicode host, has its own
/// detail, [`non_ascii_detail`]); a backslash (parsers disagree
/// on it); not an absolute URL; a scheme other than `https`, except `http` to a loopback host
/// ([`is_loopback`]) or, with `allow_insecure`, `http` to any host; a host name with
/// characters other than letters, digits, `.`, `-` and `_` (such as a `*` wildcard); a user
/// name or password; an authority not spelt plainly ([`plain_authority`]).
pub(crate) fn check_url(code: ErrorCode, field: &str, s: &str, allow_insecure: bool) -> Result<url::Url> {
    let bad = |reason: &str| Err(Error::field(code, field, format!("`{field}` {reason}")));
    if s.len() > MAX_URL_LEN {
        return bad(&format!("is longer than {MAX_URL_LEN} bytes."));
    }
    if !s.is_ascii() {
        return Err(Error::field(code, field, non_ascii_detail(field)));
    }
    if !s.bytes().all(|b| (b'!'..=b'~').contains(&b)) || s.contains('\\') {
        return bad("must be printable ASCII without spaces or backslashes.");
    }
    let Ok(url) = parse_url(s) else {
        return bad("is not an absolute URL.");
    };
    let secure = match url.scheme() {
        "https" => true,
        "http" => allow_insecure || is_loopback(&url),
        _ => false,
    };
    if !secure || !url.has_host() {
        return if allow_insecure {
            bad("must be an http(s) URL.")
        } else {
            bad("must be an https URL (http only to a loopback host).")
        };
    }
    if let Some(url::Host::Domain(d)) = url.host() {
        if !d
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return bad("must name a host of letters, digits, '.', '-' and '_'.");
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("must not contain a user name or password.");
    }
    if !plain_authority(s, &url) {
        return bad("must be written as scheme://host[:port] followed by the path.");
    }
    Ok(url)
}

/// [`check_url`] for an endpoint in the settings: errors are `invalid_config`, and a fragment
/// is refused too (RFC 6749 §3.1, §3.2).
pub(crate) fn check_endpoint(field: &str, s: &str, allow_insecure: bool) -> Result<url::Url> {
    let url = check_url(ErrorCode::InvalidConfig, field, s, allow_insecure)?;
    if url.fragment().is_some() {
        return Err(Error::field(
            ErrorCode::InvalidConfig,
            field,
            format!("`{field}` must not contain a fragment."),
        ));
    }
    Ok(url)
}

/// A URL as settings listings and `repr`s show it: any `user:password@` in the authority
/// becomes `***@`; everything else is kept as given (it is not parsed, so a malformed URL
/// still shows). Bindings call this rather than deciding what to hide.
///
/// ```
/// assert_eq!(authcore::http::display_url("https://u:pw@auth.example/t?x=1"), "https://***@auth.example/t?x=1");
/// assert_eq!(authcore::http::display_url("https://auth.example/a@b"), "https://auth.example/a@b");
/// ```
pub fn display_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{tail}"),
        None => url.to_owned(),
    }
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

/// The most bytes of form data (a request body or a URL query) the core parses: 64 KiB.
/// Token, device-authorization and callback requests are a few hundred bytes; anything near
/// this cap is an attack or a mistake.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The most parameters (non-empty `&`-separated pieces) in form data the core parses: 64.
pub const MAX_FORM_PARAMS: usize = 64;

/// Caps on form data, checked before and while decoding; see [`form_decode_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLimits {
    /// The most bytes accepted.
    pub max_bytes: usize,
    /// The most parameters accepted.
    pub max_params: usize,
}

impl Default for FormLimits {
    /// [`MAX_FORM_BYTES`] and [`MAX_FORM_PARAMS`].
    fn default() -> Self {
        Self {
            max_bytes: MAX_FORM_BYTES,
            max_params: MAX_FORM_PARAMS,
        }
    }
}

/// Parses `application/x-www-form-urlencoded` text (WHATWG URL standard) into pairs, in
/// linear time, under the default caps ([`MAX_FORM_BYTES`], [`MAX_FORM_PARAMS`]).
///
/// Errors: `payload_too_large` when the text is longer than the byte cap (checked before
/// anything is decoded) or holds more parameters than the parameter cap (checked while
/// decoding, so no more than the cap is ever decoded); `invalid_request` for a bad
/// percent-escape or text that does not decode to UTF-8. The detail names the cap; it never
/// quotes the input.
///
/// ```
/// use authcore::http::form_decode;
/// use authcore::ErrorCode;
///
/// assert_eq!(form_decode("a=b+c&d=%C3%A9")?, vec![("a".into(), "b c".into()), ("d".into(), "é".into())]);
/// assert_eq!(form_decode(&"x&".repeat(65)).unwrap_err().code(), ErrorCode::PayloadTooLarge);
/// assert_eq!(form_decode("a=%zz").unwrap_err().code(), ErrorCode::InvalidRequest);
/// # Ok::<(), authcore::Error>(())
/// ```
pub fn form_decode(s: &str) -> Result<Vec<(String, String)>> {
    form_decode_with(s, FormLimits::default())
}

/// [`form_decode`] under other caps.
pub fn form_decode_with(s: &str, limits: FormLimits) -> Result<Vec<(String, String)>> {
    if s.len() > limits.max_bytes {
        return Err(Error::with_detail(
            ErrorCode::PayloadTooLarge,
            format!("The form data is larger than {} bytes.", limits.max_bytes),
        ));
    }
    let pieces = s.bytes().filter(|&b| b == b'&').count().saturating_add(1);
    let mut pairs = Vec::with_capacity(pieces.min(limits.max_params));
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        if pairs.len() >= limits.max_params {
            return Err(Error::with_detail(
                ErrorCode::PayloadTooLarge,
                format!("The form data has more than {} parameters.", limits.max_params),
            ));
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (decode_component(k), decode_component(v)) {
            (Some(k), Some(v)) => pairs.push((k, v)),
            _ => {
                return Err(Error::with_detail(
                    ErrorCode::InvalidRequest,
                    "The form data has a bad percent-escape or is not UTF-8.",
                ))
            }
        }
    }
    Ok(pairs)
}

/// The first parameter name that occurs a second time (in input order), found in one pass.
pub fn repeated_name(pairs: &[(String, String)]) -> Option<&str> {
    let mut seen = HashSet::with_capacity(pairs.len());
    pairs.iter().map(|(k, _)| k.as_str()).find(|k| !seen.insert(*k))
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
    fn hosts_are_ascii_only() {
        // A-labels: well-formed ones parse (and keep their ASCII form); Unicode hosts, also
        // percent-encoded or full-width, do not, nor do malformed or non-canonical A-labels.
        for ok in [
            "https://xn--bcher-kva.example/",
            "https://xn--pi-6kc.openai.com/x",
            "https://a.xn--p1ai/",
        ] {
            let url = parse_url(ok).unwrap();
            assert!(ok.starts_with(&format!("https://{}/", url.host_str().unwrap())), "{ok}");
        }
        for bad in [
            "https://bücher.example/",
            "https://b%C3%BCcher.example/",
            "https://\u{0430}pi.openai.com/",
            "https://\u{ff41}\u{ff50}\u{ff49}.openai.com/",
            "https://api\u{ff0e}openai.com/",
            "https://xn--a.com/",
            "https://xn--.com/",
            "https://xn--abc.com/",
            "https://xn--zz-.com/",
            "https://xn--bcher-kva-.example/",
        ] {
            assert_eq!(parse_url(bad), Err(url::ParseError::IdnaError), "{bad}");
        }
        assert!(valid_a_label("example") && valid_a_label("xn--bcher-kva") && !valid_a_label("xn--a"));
        // Checked URLs name the field and say what to write instead.
        let e = check_url(
            ErrorCode::InvalidConfig,
            "token_endpoint",
            "https://bücher.example/t",
            false,
        )
        .unwrap_err();
        assert_eq!(e.field_name(), Some("token_endpoint"));
        assert!(e.detail().contains("`xn--` form"), "{}", e.detail());
        check_url(
            ErrorCode::InvalidConfig,
            "token_endpoint",
            "https://xn--bcher-kva.example/t",
            false,
        )
        .unwrap();
        let e = check_url(
            ErrorCode::InvalidConfig,
            "token_endpoint",
            "https://xn--a.example/t",
            false,
        )
        .unwrap_err();
        assert_eq!(e.detail(), "`token_endpoint` is not an absolute URL.");
    }

    #[test]
    fn url_checks() {
        let ok = |s: &str, insecure: bool| check_url(ErrorCode::InvalidConfig, "f", s, insecure).is_ok();
        for good in [
            "https://a.example/x?y#z",
            "https://A.EXAMPLE:8443/",
            "http://localhost:8000/",
            "http://127.9.9.9/",
            "http://[::1]:1/",
            "https://my_service.internal/",
        ] {
            assert!(ok(good, false), "{good}");
        }
        for bad in [
            "http://a.example/",
            "http://localhost.a.example/",
            "http://127.0.0.1.nip.io/",
            "ftp://a.example/",
            "javascript:alert(1)",
            "/relative",
            "",
            "https://u:p@a.example/",
            "https://a.example@b.example/",
            "https://a.example\\@b.example/",
            "https:a.example/",
            "https:///a.example/",
            "https://a%2Eexample/",
            "https://0x7f.1/",
            "https://*.example/",
            "https://a.example/\u{1b}[2J",
            "https://a.example/ x",
            "https://\u{430}.example/",
        ] {
            assert!(!ok(bad, false), "{bad:?}");
        }
        assert!(ok("http://a.example/", true));
        assert!(!ok(&format!("https://a.example/{}", "a".repeat(MAX_URL_LEN)), false));
        let e = check_url(ErrorCode::InvalidResponse, "verification_uri", "http://evil/", false).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidResponse);
        assert_eq!(e.field_name(), Some("verification_uri"));
        assert!(check_endpoint("token_endpoint", "https://a.example/t#f", false).is_err());
        assert!(check_endpoint("token_endpoint", "https://a.example/t?q", false).is_ok());
    }

    #[test]
    fn form_round_trip() {
        let enc = form_encode(&[("grant_type", "refresh_token"), ("refresh_token", "a+b/c=")]);
        assert_eq!(enc, "grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3D");
        let dec = form_decode(&enc).unwrap();
        assert_eq!(dec[1].1, "a+b/c=");
        for bad in ["a=%zz", "a=%e9", "a=%", "%=1", "a=%4"] {
            assert_eq!(form_decode(bad).unwrap_err().code(), ErrorCode::InvalidRequest, "{bad}");
        }
        assert_eq!(query_encode("read write"), "read%20write");
    }

    #[test]
    fn form_caps() {
        let at_cap = vec!["k=v"; MAX_FORM_PARAMS].join("&");
        assert_eq!(form_decode(&at_cap).unwrap().len(), MAX_FORM_PARAMS);
        let over = format!("{at_cap}&k=v");
        let e = form_decode(&over).unwrap_err();
        assert_eq!(e.code(), ErrorCode::PayloadTooLarge);
        assert_eq!(e.detail(), "The form data has more than 64 parameters.");
        // Empty pieces are not parameters.
        assert_eq!(form_decode(&format!("&&{at_cap}&&")).unwrap().len(), MAX_FORM_PARAMS);
        let big = "a".repeat(MAX_FORM_BYTES + 1);
        let e = form_decode(&big).unwrap_err();
        assert_eq!(
            (e.code(), e.detail()),
            (ErrorCode::PayloadTooLarge, "The form data is larger than 65536 bytes.")
        );
        assert_eq!(form_decode(&big[1..]).unwrap().len(), 1);
        // A bad escape past the parameter cap is never reached.
        assert_eq!(
            form_decode(&format!("{over}&%zz")).unwrap_err().code(),
            ErrorCode::PayloadTooLarge
        );
    }

    #[test]
    fn repeated_names() {
        let pairs = |s: &str| form_decode(s).unwrap();
        assert_eq!(repeated_name(&pairs("a=1&b=2&c=3")), None);
        assert_eq!(repeated_name(&pairs("a=1&b=2&b=3&a=4")), Some("b"));
        assert_eq!(repeated_name(&pairs("a=1&%61=2")), Some("a"), "compared after decoding");
    }
}
