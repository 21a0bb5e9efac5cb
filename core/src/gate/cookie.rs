//! httpOnly-cookie mode: the bearer credential read from a named cookie, and the CSRF
//! protection unsafe methods then need.
//!
//! With [`super::GateConfig::cookie`] set, a request without an `Authorization` header has its
//! credential read from the named cookie (the `Cookie` header parsed as RFC 6265 §5.4 sends
//! it: `name=value` pairs separated by `;`; a value may be wrapped in `"`). The cookie
//! holds what `Authorization: Bearer` would: a session token or a JWT. A cookie named twice
//! is refused (401 `invalid_token`): which of the two the application would read is not
//! defined.
//!
//! A browser attaches cookies to cross-site requests, so for every method other than GET,
//! HEAD and OPTIONS a cookie credential is accepted only with CSRF protection
//! ([`CsrfRule`]), otherwise 403 `csrf_failed`:
//!
//! * **origin check** (on when `origins` is non-empty or `same_origin_fetch` is on): the
//!   request's `Origin` is one of `origins` (exact, ASCII case-insensitive), or
//!   `Sec-Fetch-Site` is `same-origin` (with `same_origin_fetch`, the default), or — only
//!   with `referer` on and no `Origin` — the origin of `Referer` is one of `origins`;
//! * **double submit** (with `double_submit`): the CSRF cookie (default `csrf_token`) and the
//!   CSRF header (default `X-CSRF-Token`) are both present, non-empty and equal (constant
//!   time).
//!
//! When both are configured both must pass. A credential in `Authorization` is not a
//! cookie: it needs no CSRF check (a browser never adds it on its own).

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorCode, Result};
use crate::http::HttpRequest;
use crate::util::quote_input;

/// Reading the bearer credential from a cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct CookieMode {
    /// The cookie holding the token (e.g. `access_token`).
    pub name: String,
    /// The CSRF protection unsafe methods need (default: `Sec-Fetch-Site: same-origin` only).
    #[serde(default)]
    pub csrf: CsrfRule,
}

/// CSRF protection for cookie credentials on unsafe methods. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct CsrfRule {
    /// Allowed origins, e.g. `https://app.example.com` (scheme, host and port, no path).
    pub origins: Vec<String>,
    /// Accept `Sec-Fetch-Site: same-origin` (default true).
    pub same_origin_fetch: bool,
    /// Without `Origin`, judge the origin of `Referer` (default false: a `Referer` may be
    /// stripped or rewritten by policies and proxies).
    pub referer: bool,
    /// Require a double-submit token too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub double_submit: Option<DoubleSubmit>,
}

impl Default for CsrfRule {
    fn default() -> Self {
        Self {
            origins: Vec::new(),
            same_origin_fetch: true,
            referer: false,
            double_submit: None,
        }
    }
}

/// A double-submit CSRF token: a cookie and a header that must hold the same value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct DoubleSubmit {
    /// The cookie (default `csrf_token`).
    pub cookie: String,
    /// The header (default `X-CSRF-Token`).
    pub header: String,
}

impl Default for DoubleSubmit {
    fn default() -> Self {
        Self {
            cookie: "csrf_token".to_owned(),
            header: "X-CSRF-Token".to_owned(),
        }
    }
}

/// An RFC 6265 §4.1.1 cookie-name (an RFC 9110 token).
fn cookie_name_ok(s: &str) -> bool {
    super::is_token(s) && s.len() <= 256
}

/// An origin as `Origin` carries it: `scheme://host[:port]`, lower-cased.
fn origin_ok(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    (scheme == "https" || scheme == "http")
        && !rest.is_empty()
        && rest.len() <= 256
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}

impl CookieMode {
    pub(super) fn check(&self) -> Result<()> {
        let bad = |f: &str, d: &str| Err(Error::field(ErrorCode::InvalidConfig, f, d));
        if !cookie_name_ok(&self.name) {
            return bad(
                "cookie.name",
                "The cookie name must be a token (RFC 6265 section 4.1.1).",
            );
        }
        for (i, o) in self.csrf.origins.iter().enumerate() {
            if !origin_ok(&o.to_ascii_lowercase()) {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    format!("cookie.csrf.origins[{i}]"),
                    "An origin is `https://host[:port]` (or http), without a path or a trailing '/'.",
                ));
            }
        }
        if let Some(d) = &self.csrf.double_submit {
            if !cookie_name_ok(&d.cookie) {
                return bad(
                    "cookie.csrf.double_submit.cookie",
                    "The CSRF cookie name must be a token.",
                );
            }
            if !super::header_name_ok(&d.header) {
                return bad(
                    "cookie.csrf.double_submit.header",
                    "The CSRF header must be a header name.",
                );
            }
        }
        let origin_check = self.origin_check();
        if !origin_check && self.csrf.double_submit.is_none() {
            return bad(
                "cookie.csrf",
                "Cookie credentials need CSRF protection: allowed origins, same_origin_fetch or double_submit.",
            );
        }
        if self.csrf.referer && self.csrf.origins.is_empty() {
            return bad("cookie.csrf.referer", "The Referer check needs allowed origins.");
        }
        Ok(())
    }

    fn origin_check(&self) -> bool {
        !self.csrf.origins.is_empty() || self.csrf.same_origin_fetch
    }

    /// The credential cookie's value: `Ok(None)` when absent, `invalid_token` when named twice.
    pub(super) fn token<'a>(&self, request: &'a HttpRequest) -> Result<Option<&'a str>> {
        cookie(request, &self.name)
    }

    /// The CSRF check for a cookie credential on an unsafe method.
    pub(super) fn csrf(&self, request: &HttpRequest) -> Result<()> {
        let failed = |d: &str| Err(Error::with_detail(ErrorCode::CsrfFailed, d));
        if self.origin_check() {
            let allowed = |o: &str| self.csrf.origins.iter().any(|a| a.eq_ignore_ascii_case(o));
            let same_site = self.csrf.same_origin_fetch
                && request
                    .header("Sec-Fetch-Site")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("same-origin"));
            let origin = request.header("Origin").map(str::trim);
            let by_origin = origin.is_some_and(allowed);
            let by_referer = origin.is_none()
                && self.csrf.referer
                && request.header("Referer").and_then(referer_origin).is_some_and(allowed);
            if !(same_site || by_origin || by_referer) {
                return failed("The request's origin is not allowed to use the session cookie.");
            }
        }
        if let Some(d) = &self.csrf.double_submit {
            let header = request.header(&d.header).map(str::trim).unwrap_or("");
            let cookie = cookie(request, &d.cookie)
                .map_err(|_| Error::with_detail(ErrorCode::CsrfFailed, "The CSRF cookie is sent more than once."))?
                .unwrap_or("");
            if header.is_empty() || cookie.is_empty() || !bool::from(header.as_bytes().ct_eq(cookie.as_bytes())) {
                return failed("The CSRF token header does not match the CSRF cookie.");
            }
        }
        Ok(())
    }
}

/// `scheme://host[:port]` of a `Referer` URL.
fn referer_origin(referer: &str) -> Option<&str> {
    let r = referer.trim();
    let (_, rest) = r.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let cut = r.len() - rest.len() + end;
    r.get(..cut)
}

/// The value of cookie `name` in the `Cookie` header (RFC 6265 §5.4: `;`-separated
/// `name=value` pairs, whitespace around them ignored, a value in `"` unwrapped). `Ok(None)`
/// when absent; `invalid_token` when the name appears more than once.
pub(super) fn cookie<'a>(request: &'a HttpRequest, name: &str) -> Result<Option<&'a str>> {
    let Some(header) = request.header("Cookie") else {
        return Ok(None);
    };
    let mut found = None;
    for pair in header.split(';') {
        let Some((n, v)) = pair.split_once('=') else { continue };
        if n.trim() != name {
            continue;
        }
        if found.is_some() {
            return Err(Error::field(
                ErrorCode::InvalidToken,
                "cookie",
                format!("The `{}` cookie is sent more than once.", quote_input(name)),
            ));
        }
        let v = v.trim();
        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
        found = Some(v);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = HttpRequest::new("POST", "/api/x");
        for (k, v) in headers {
            r.set_header(k, *v);
        }
        r
    }

    #[test]
    fn cookies() {
        let r = req(&[("Cookie", "a=1; access_token=\"tok\";b=2")]);
        assert_eq!(cookie(&r, "access_token").unwrap(), Some("tok"));
        assert_eq!(cookie(&r, "c").unwrap(), None);
        assert_eq!(cookie(&r, "A").unwrap(), None);
        let r = req(&[("Cookie", "access_token=1; access_token=2")]);
        assert_eq!(cookie(&r, "access_token").unwrap_err().code(), ErrorCode::InvalidToken);
        assert_eq!(
            referer_origin("https://app.example.com/a?b"),
            Some("https://app.example.com")
        );
        assert_eq!(
            referer_origin("https://app.example.com"),
            Some("https://app.example.com")
        );
        assert_eq!(referer_origin("nonsense"), None);
    }

    #[test]
    fn csrf_rules() {
        let mode = CookieMode {
            name: "access_token".into(),
            csrf: CsrfRule {
                origins: vec!["https://app.example.com".into()],
                ..CsrfRule::default()
            },
        };
        mode.check().unwrap();
        assert!(mode.csrf(&req(&[("Origin", "https://APP.example.com")])).is_ok());
        assert!(mode.csrf(&req(&[("Sec-Fetch-Site", "same-origin")])).is_ok());
        assert!(mode.csrf(&req(&[("Origin", "https://evil.example")])).is_err());
        assert!(mode.csrf(&req(&[("Referer", "https://app.example.com/x")])).is_err());
        assert!(mode.csrf(&req(&[])).is_err());
        let mut both = mode.clone();
        both.csrf.referer = true;
        both.csrf.double_submit = Some(DoubleSubmit::default());
        let ok = [
            ("Referer", "https://app.example.com/x"),
            ("Cookie", "csrf_token=abc"),
            ("X-CSRF-Token", "abc"),
        ];
        assert!(both.csrf(&req(&ok)).is_ok());
        let e = both.csrf(&req(&ok[..2])).unwrap_err();
        assert_eq!((e.code(), e.status()), (ErrorCode::CsrfFailed, 403));
        let none = CookieMode {
            name: "t".into(),
            csrf: CsrfRule {
                same_origin_fetch: false,
                ..CsrfRule::default()
            },
        };
        assert_eq!(none.check().unwrap_err().field_name(), Some("cookie.csrf"));
        for bad in ["https://a.example/", "ftp://a", "https://", "*"] {
            let mut m = mode.clone();
            m.csrf.origins = vec![bad.into()];
            assert!(m.check().is_err(), "{bad}");
        }
    }
}
