//! The broker's URL decisions, differentially against the WHATWG parser (the `url` crate):
//! for any input, the broker's host is the host `url` yields (one trailing dot removed), a
//! credential goes out exactly when `url` parses the URL, the scheme is allowed (`https`, or
//! `http` to loopback when allowed), there is no user info, the port is the default one (any
//! port on an allowed loopback host) and a provider's pattern matches that host — and then it
//! goes to the first matching route. Host patterns and endpoints the loader accepts are in the
//! form `url` yields.
#![no_main]

use std::sync::OnceLock;

use authcore::broker::{host_of, Broker, Connection, ConnectionCredential, ProviderSet, Resolution, MAX_URL_BYTES};
use authcore::secret::Secret;
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use url::{Host, Url};

const NOW: i64 = 1_700_000_000;

/// Prefixes the first input byte can pick, so the fuzzer reaches provider hosts quickly.
const PREFIXES: &[&str] = &[
    "https://api.openai.com",
    "https://",
    "http://",
    "http://localhost",
    "http://127.0.0.1",
    "http://[::1]",
    "https://x.acme.test",
    "https://api.openai.com\\@",
    "https:",
    "ws://api.openai.com",
];

struct World {
    strict: Broker,
    loopback: Broker,
    connections: Vec<Connection>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let custom = [
            json!({"name": "local", "display_name": "Local", "auth_type": "api_key",
                   "hosts": ["localhost", "127.0.0.1", "[::1]"], "inject": {"header": "X-Api-Key", "format": "{key}"}}),
            json!({"name": "acme", "display_name": "Acme", "auth_type": "api_key",
                   "hosts": ["*.acme.test", "api.acme.test", "10.0.0.1", "[2001:db8::1]", "xn--bcher-kva.example"],
                   "inject": {"header": "Authorization", "format": "Bearer {key}"}}),
        ];
        let set = ProviderSet::load(&custom).expect("the fuzz providers load");
        let connections = set
            .providers
            .keys()
            .map(|p| Connection {
                provider: p.clone(),
                name: "default".into(),
                credential: ConnectionCredential::ApiKey {
                    key: Secret::new(format!("key-{p}")),
                },
                expires_at: None,
                scopes: vec![],
                is_default: true,
                created_at: 0,
            })
            .collect();
        World {
            strict: Broker::new(set.clone()),
            loopback: Broker::new(set).allow_loopback_http(true),
            connections,
        }
    })
}

/// The oracle's host: what `url` yields, one trailing dot off a domain.
fn oracle_host(u: &Url) -> Option<String> {
    let h = u.host_str()?;
    if h.is_empty() {
        return None;
    }
    if matches!(u.host(), Some(Host::Domain(_))) && h.len() > 1 {
        if let Some(stripped) = h.strip_suffix('.') {
            return Some(stripped.to_owned());
        }
    }
    Some(h.to_owned())
}

fn oracle_loopback(u: &Url) -> bool {
    match u.host() {
        Some(Host::Domain(d)) => d == "localhost",
        Some(Host::Ipv4(a)) => a.octets()[0] == 127,
        Some(Host::Ipv6(a)) => a.segments() == [0, 0, 0, 0, 0, 0, 0, 1],
        None => false,
    }
}

fn oracle_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        None => pattern == host,
    }
}

/// The core's rule for `xn--` labels (hosts are ASCII only and IDNA has no Unicode tables):
/// valid Punycode decoding to non-ASCII text without controls, spaces or upper case, and
/// encoding back to the same label.
fn a_labels_ok(u: &Url) -> bool {
    let Some(Host::Domain(d)) = u.host() else {
        return true;
    };
    d.split('.').all(|label| match label.strip_prefix("xn--") {
        None => true,
        Some(code) => idna::punycode::decode_to_string(code).is_some_and(|t| {
            !t.is_ascii()
                && t.chars().all(|c| !c.is_control() && !c.is_whitespace() && !c.is_uppercase() && c != '\u{fffd}')
                && idna::punycode::encode_str(&t).as_deref() == Some(code)
        }),
    })
}

fn check_url(s: &str) {
    let w = world();
    let parsed = if s.len() <= MAX_URL_BYTES {
        Url::parse(s).ok().filter(a_labels_ok)
    } else {
        None
    };
    assert_eq!(host_of(s), parsed.as_ref().and_then(oracle_host), "host of {s:?}");

    for (broker, loopback_allowed) in [(&w.strict, false), (&w.loopback, true)] {
        // What should happen, from `url` alone.
        let expected: Option<&str> = parsed.as_ref().and_then(|u| {
            let loopback = oracle_loopback(u);
            let scheme_ok = u.scheme() == "https" || (u.scheme() == "http" && loopback && loopback_allowed);
            let no_userinfo = u.username().is_empty() && u.password().is_none();
            let port_ok = u.port().is_none() || (loopback && loopback_allowed);
            if !(scheme_ok && no_userinfo && port_ok) {
                return None;
            }
            let host = oracle_host(u)?;
            broker
                .routing_table()
                .iter()
                .find(|r| oracle_matches(&r.pattern, &host))
                .map(|r| r.provider.as_str())
        });
        let got = broker.resolve("GET", s, &w.connections, NOW);
        match (&got, expected) {
            (
                Ok(Resolution::Inject {
                    provider,
                    header,
                    value,
                    ..
                }),
                Some(want),
            ) => {
                assert_eq!(provider, want, "provider for {s:?}");
                let p = &broker.providers().providers[want];
                assert_eq!(header, &p.inject.header);
                assert!(value.expose().bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)));
            }
            (Err(_), None) => {}
            (got, want) => panic!("{s:?} (loopback http {loopback_allowed}): broker {got:?}, oracle {want:?}"),
        }
        assert_eq!(
            broker.provider_for(s).map(|p| p.name.as_str()),
            expected,
            "provider_for {s:?}"
        );
    }
}

fn check_definitions(s: &str) {
    // A host pattern the loader accepts is in the form `url` yields.
    let def = json!({"name": "f", "display_name": "F", "auth_type": "api_key", "hosts": [s],
                     "inject": {"header": "X-F", "format": "{key}"}});
    if ProviderSet::load(&[def]).is_ok() {
        let name = s.strip_prefix("*.").unwrap_or(s);
        let u = Url::parse(&format!("https://{name}/")).expect("an accepted pattern parses");
        assert_eq!(u.host_str(), Some(name), "pattern {s:?}");
        if s.starts_with("*.") {
            assert!(
                matches!(u.host(), Some(Host::Domain(_))),
                "wildcard over an address: {s:?}"
            );
        }
    }
    // An endpoint the loader accepts is an https URL that serialises to itself.
    let def = json!({"name": "f", "display_name": "F", "auth_type": "oauth2", "hosts": ["f.example"],
                     "authorization_endpoint": "https://f.example/authorize", "token_endpoint": s,
                     "inject": {"header": "X-F", "format": "{token}"}});
    if ProviderSet::load(&[def]).is_ok() {
        let u = Url::parse(s).expect("an accepted endpoint parses");
        assert_eq!(u.as_str(), s);
        assert_eq!(u.scheme(), "https");
        assert!(u.username().is_empty() && u.password().is_none() && u.fragment().is_none());
    }
    // Header names and formats the loader accepts are header-safe.
    let def = json!({"name": "f", "display_name": "F", "auth_type": "api_key", "hosts": ["f.example"],
                     "inject": {"header": s, "format": format!("{s}{{key}}")}});
    if ProviderSet::load(&[def]).is_ok() {
        assert!(
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    check_url(s);
    check_definitions(s);
    if let Some((&first, rest)) = data.split_first() {
        if let Ok(rest) = std::str::from_utf8(rest) {
            let prefix = PREFIXES[usize::from(first) % PREFIXES.len()];
            check_url(&format!("{prefix}{rest}"));
        }
    }
});
