//! CORS decisions (Fetch standard, "CORS protocol"), without IO.
//!
//! A [`Cors`] is configured with the exact origins that may call the API (for example the
//! one frontend origin), the methods and request headers they may use, whether credentials
//! (cookies, `Authorization`) may be sent, and how long a preflight may be cached.
//! [`Cors::decide`] looks at one request and answers:
//!
//! * [`CorsDecision::Preflight`]: an allowed preflight (`OPTIONS` with `Origin` and
//!   `Access-Control-Request-Method`): send `response` (204 with the CORS headers) and do not
//!   call the application.
//! * [`CorsDecision::Refused`]: a preflight that is not allowed (origin, method or a header):
//!   send `response` (`invalid_request`, 400, with the `{"detail","code"}` body); the browser
//!   then does not send the real request.
//! * [`CorsDecision::Actual`]: every other request: let the application (or the gate)
//!   answer, then add `headers` to its response. From an allowed origin they grant access
//!   (`Access-Control-Allow-Origin`, …); from any other origin, or without `Origin`, they are
//!   only `Vary: Origin`, so the browser keeps the response from the calling page. The request
//!   itself is not refused: a same-origin request also carries `Origin`, and CORS is not a
//!   CSRF defence.
//!
//! Rules: origins are compared exactly with the configured serialized origins
//! (`https://app.example.com`, no path, no trailing slash, lower case). A wildcard `*` is
//! allowed only alone and never together with credentials (the Fetch standard forbids
//! `Access-Control-Allow-Origin: *` with credentials, and reflecting any origin with
//! credentials would let every site act as the user). The origin `null` (sandboxed frames,
//! `file:` pages) is never allowed. Every response carries `Vary: Origin` (a preflight also
//! varies on the two request headers), so a shared cache never serves one origin's answer to
//! another.
//!
//! ```
//! use authcore::cors::{Cors, CorsConfig, CorsDecision};
//! use authcore::http::HttpRequest;
//!
//! let cors = Cors::new(CorsConfig {
//!     allowed_origins: vec!["https://app.example.com".into()],
//!     allowed_methods: vec!["GET".into(), "POST".into(), "DELETE".into()],
//!     allow_credentials: true,
//!     ..Default::default()
//! })?;
//! let mut preflight = HttpRequest::new("OPTIONS", "/api/auth/session");
//! preflight.set_header("Origin", "https://app.example.com");
//! preflight.set_header("Access-Control-Request-Method", "DELETE");
//! let CorsDecision::Preflight { response } = cors.decide(&preflight) else { panic!() };
//! assert_eq!(response.status, 204);
//! assert_eq!(response.header("Access-Control-Allow-Origin"), Some("https://app.example.com"));
//! assert_eq!(response.header("Access-Control-Allow-Credentials"), Some("true"));
//!
//! let mut other = HttpRequest::new("GET", "/api/me");
//! other.set_header("Origin", "https://evil.example");
//! let CorsDecision::Actual { headers } = cors.decide(&other) else { panic!() };
//! assert_eq!(headers.len(), 1); // Vary: Origin only: the browser hides the response
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, Result};
use crate::http::{Headers, HttpRequest, HttpResponse};
use crate::util::quote_input;

/// The longest preflight cache time accepted, in seconds (browsers cap it lower: Firefox at
/// 24 hours, Chromium at 2 hours).
pub const MAX_AGE_LIMIT: u32 = 86_400;

/// CORS settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct CorsConfig {
    /// The origins that may call, as serialized origins (`https://app.example.com`,
    /// `http://localhost:3000`), compared exactly; or `["*"]` for any origin, only without
    /// credentials. Default: none (no cross-origin access).
    pub allowed_origins: Vec<String>,
    /// Methods a cross-origin request may use (default `GET`, `HEAD`, `POST`).
    pub allowed_methods: Vec<String>,
    /// Request headers a cross-origin request may send, case-insensitive (default
    /// `authorization`, `content-type`).
    pub allowed_headers: Vec<String>,
    /// Response headers the calling page may read beyond the CORS-safelisted ones (default
    /// none).
    pub exposed_headers: Vec<String>,
    /// Whether credentials (cookies, `Authorization`) may be sent (default `false`).
    pub allow_credentials: bool,
    /// How long a browser may cache a preflight answer, in seconds, 0 to 86400 (default 600;
    /// `null`: no `Access-Control-Max-Age`, the browser's default of 5 seconds).
    pub max_age: Option<u32>,
}

impl Default for CorsConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            allowed_methods: vec!["GET".into(), "HEAD".into(), "POST".into()],
            allowed_headers: vec!["authorization".into(), "content-type".into()],
            exposed_headers: Vec::new(),
            allow_credentials: false,
            max_age: Some(600),
        }
    }
}

/// What to do with one request; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CorsDecision {
    /// An allowed preflight: send `response` (204 with the CORS headers); the application is
    /// not called.
    Preflight {
        /// What to send.
        response: HttpResponse,
    },
    /// A refused preflight: send `response`; the application is not called.
    Refused {
        /// Why (`invalid_request`, field `origin`, `access-control-request-method` or
        /// `access-control-request-headers`).
        error: Error,
        /// What to send (400, JSON error body, `Vary`).
        response: HttpResponse,
    },
    /// Not a preflight: let the application answer, then add `headers` to its response.
    Actual {
        /// The headers to add (always `Vary: Origin`; the CORS grant when the origin is
        /// allowed).
        headers: Headers,
    },
}

/// CORS decisions under one validated configuration.
#[derive(Debug, Clone)]
pub struct Cors {
    config: CorsConfig,
    any_origin: bool,
    /// Lower-cased allowed request headers.
    headers_lower: Vec<String>,
}

const PREFLIGHT_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// RFC 9110 §5.6.2 `token`, except the wildcard `*` (which means "any" only without
/// credentials, and is not offered here).
fn is_token(s: &str) -> bool {
    s != "*"
        && !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `s` is exactly the ASCII serialization of an http(s) origin.
fn is_serialized_origin(s: &str) -> bool {
    let Ok(url) = url::Url::parse(s) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https") && url.origin().ascii_serialization() == s
}

impl Cors {
    /// Validates the configuration (`invalid_config` naming the field otherwise).
    pub fn new(config: CorsConfig) -> Result<Self> {
        let bad = |field: &str, detail: String| Err(Error::field(ErrorCode::InvalidConfig, field, detail));
        let any_origin = config.allowed_origins.iter().any(|o| o == "*");
        if any_origin && config.allowed_origins.len() > 1 {
            return bad("allowed_origins", "`*` must be the only allowed origin.".into());
        }
        if any_origin && config.allow_credentials {
            return bad(
                "allowed_origins",
                "Any origin (`*`) cannot be combined with credentials; list the origins that may call.".into(),
            );
        }
        for origin in config.allowed_origins.iter().filter(|o| *o != "*") {
            if !is_serialized_origin(origin) {
                return bad(
                    "allowed_origins",
                    format!(
                        "`{}` is not a serialized origin: write scheme://host[:port] in lower case, without a path or a trailing slash.",
                        quote_input(origin)
                    ),
                );
            }
        }
        for (field, list) in [
            ("allowed_methods", &config.allowed_methods),
            ("allowed_headers", &config.allowed_headers),
            ("exposed_headers", &config.exposed_headers),
        ] {
            if let Some(bad_item) = list.iter().find(|m| !is_token(m)) {
                return bad(
                    field,
                    format!(
                        "`{}` is not an HTTP token (no `*`, spaces or commas).",
                        quote_input(bad_item)
                    ),
                );
            }
        }
        if config.max_age.is_some_and(|a| a > MAX_AGE_LIMIT) {
            return bad("max_age", format!("max_age must be 0 to {MAX_AGE_LIMIT} seconds."));
        }
        let headers_lower = config.allowed_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
        Ok(Self {
            config,
            any_origin,
            headers_lower,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CorsConfig {
        &self.config
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        origin != "null" && (self.any_origin || self.config.allowed_origins.iter().any(|o| o == origin))
    }

    /// The `Access-Control-Allow-Origin` (and `-Credentials`) grant for an allowed origin.
    fn grant(&self, origin: &str, headers: &mut Headers) {
        let value = if self.any_origin { "*" } else { origin };
        headers.insert("Access-Control-Allow-Origin".into(), value.into());
        if self.config.allow_credentials {
            headers.insert("Access-Control-Allow-Credentials".into(), "true".into());
        }
    }

    /// Decides one request; see the module docs.
    pub fn decide(&self, request: &HttpRequest) -> CorsDecision {
        let origin = request.header("Origin");
        let requested_method = request.header("Access-Control-Request-Method");
        match (origin, requested_method) {
            (Some(origin), Some(method)) if request.method.eq_ignore_ascii_case("OPTIONS") => {
                self.preflight(origin, method, request.header("Access-Control-Request-Headers"))
            }
            _ => {
                let mut headers = Headers::new();
                headers.insert("Vary".into(), "Origin".into());
                if let Some(origin) = origin.filter(|o| self.origin_allowed(o)) {
                    self.grant(origin, &mut headers);
                    if !self.config.exposed_headers.is_empty() {
                        headers.insert(
                            "Access-Control-Expose-Headers".into(),
                            self.config.exposed_headers.join(", "),
                        );
                    }
                }
                CorsDecision::Actual { headers }
            }
        }
    }

    fn preflight(&self, origin: &str, method: &str, requested_headers: Option<&str>) -> CorsDecision {
        let refuse = |field: &str, detail: String| {
            let error = Error::field(ErrorCode::InvalidRequest, field, detail);
            let response = HttpResponse::new(error.status())
                .with_header("Content-Type", "application/json")
                .with_header("Vary", PREFLIGHT_VARY)
                .with_body(error.to_json());
            CorsDecision::Refused { error, response }
        };
        if !self.origin_allowed(origin) {
            return refuse("origin", "The origin is not allowed.".into());
        }
        if !self.config.allowed_methods.iter().any(|m| m == method) {
            return refuse(
                "access-control-request-method",
                format!("The method `{}` is not allowed.", quote_input(method)),
            );
        }
        let requested: Vec<&str> = requested_headers
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect();
        if let Some(h) = requested
            .iter()
            .find(|h| !self.headers_lower.iter().any(|a| a.eq_ignore_ascii_case(h)))
        {
            return refuse(
                "access-control-request-headers",
                format!("The request header `{}` is not allowed.", quote_input(h)),
            );
        }
        let mut response = HttpResponse::new(204)
            .with_header("Access-Control-Allow-Methods", self.config.allowed_methods.join(", "))
            .with_header("Vary", PREFLIGHT_VARY);
        if !requested.is_empty() {
            response = response.with_header("Access-Control-Allow-Headers", self.headers_lower.join(", "));
        }
        if let Some(age) = self.config.max_age {
            response = response.with_header("Access-Control-Max-Age", age.to_string());
        }
        self.grant(origin, &mut response.headers);
        CorsDecision::Preflight { response }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors(origins: &[&str], credentials: bool) -> Result<Cors> {
        Cors::new(CorsConfig {
            allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            allow_credentials: credentials,
            ..Default::default()
        })
    }

    fn request(method: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = HttpRequest::new(method, "/api/x");
        for (k, v) in headers {
            r.set_header(k, *v);
        }
        r
    }

    #[test]
    fn config_rules() {
        for (origins, creds) in [
            (&["*"][..], true),
            (&["*", "https://a.example"][..], false),
            (&["https://a.example/"][..], false),
            (&["https://A.example"][..], false),
            (&["https://a.example/path"][..], false),
            (&["null"][..], false),
            (&["ftp://a.example"][..], false),
        ] {
            let e = cors(origins, creds).unwrap_err();
            assert_eq!(
                (e.code(), e.field_name()),
                (ErrorCode::InvalidConfig, Some("allowed_origins")),
                "{origins:?}"
            );
        }
        assert!(cors(&["*"], false).is_ok());
        assert!(cors(&["http://localhost:3000", "https://app.example.com"], true).is_ok());
        let e = Cors::new(CorsConfig {
            allowed_methods: vec!["*".into()],
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field_name(), Some("allowed_methods"));
        let e = Cors::new(CorsConfig {
            max_age: Some(86_401),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field_name(), Some("max_age"));
    }

    #[test]
    fn decisions() {
        let c = cors(&["https://app.example.com"], true).unwrap();
        let ok = c.decide(&request(
            "OPTIONS",
            &[
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "Content-Type, authorization"),
            ],
        ));
        let CorsDecision::Preflight { response } = ok else {
            panic!("{ok:?}")
        };
        assert_eq!(
            response.header("Access-Control-Allow-Headers"),
            Some("authorization, content-type")
        );
        assert_eq!(response.header("Access-Control-Max-Age"), Some("600"));
        for headers in [
            &[
                ("Origin", "https://evil.example"),
                ("Access-Control-Request-Method", "POST"),
            ][..],
            &[("Origin", "null"), ("Access-Control-Request-Method", "POST")][..],
            &[
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "DELETE"),
            ][..],
            &[
                ("Origin", "https://app.example.com"),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "x-evil"),
            ][..],
        ] {
            let d = c.decide(&request("OPTIONS", headers));
            let CorsDecision::Refused { error, response } = d else {
                panic!("{d:?}")
            };
            assert_eq!((error.code(), response.status), (ErrorCode::InvalidRequest, 400));
        }
        // OPTIONS without a requested method is an ordinary request.
        let d = c.decide(&request("OPTIONS", &[("Origin", "https://app.example.com")]));
        assert!(
            matches!(d, CorsDecision::Actual { ref headers } if headers.len() == 3),
            "{d:?}"
        );
        let d = c.decide(&request("GET", &[]));
        assert!(
            matches!(d, CorsDecision::Actual { ref headers } if headers.len() == 1),
            "{d:?}"
        );
    }
}
