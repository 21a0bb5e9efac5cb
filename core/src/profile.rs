//! Named profiles: the settings of a known system, shipped as data.
//!
//! A profile is a JSON document (`core/profiles/<name>.json`, compiled into the crate) that
//! holds, for one system the core was written to reproduce, the values its own
//! documentation gives: header names, endpoint paths, lifetimes, route rules. It has one
//! section per component, each a partial settings object of that component's type:
//!
//! | section | settings type | built by |
//! |---|---|---|
//! | `gate` | [`crate::gate::GateConfig`] | `Gate` |
//! | `client` | [`crate::tokens::ClientConfig`] | `RequestDriver` |
//! | `device_client` | [`crate::device::DeviceClientConfig`] | `DeviceClient` |
//! | `device_server` | [`crate::device::DeviceServerConfig`] | `DeviceAuthority` |
//! | `session` | [`crate::session::SessionConfig`] | `SessionManager` |
//! | `accounts` | [`crate::password::PasswordPolicy`] | `Accounts` |
//! | `issuer` | [`crate::jwt::IssuerConfig`] | `Issuer` |
//! | `auth_code` | [`crate::oauth::AuthCodeConfig`] | `AuthCodeClient` |
//! | `cors` | [`crate::cors::CorsConfig`] | `Cors` |
//! | `desktop_signin` | [`crate::signin::DesktopSignInConfig`] | `DesktopSignIn` |
//! | `desktop_client` | [`crate::signin::DesktopClientConfig`] | `DesktopClient` |
//! | `magic_links` | [`crate::signin::MagicLinkConfig`] | `MagicLinks` |
//!
//! and further sections that are reference data for the host (`paths`, `headers`, `env`,
//! `lifetimes`, `token_file`, `responses`), plus `name`, `version`, `description`, `seeds`
//! (the documents the values come from) and `source` (for each value, by dotted path, the
//! document and section it is taken from). A profile never holds a secret: keys and shared
//! secrets come from the caller (a service secret named by `services_env` is read from the
//! environment by `Gate::from_env_values`; `Gate::new` refuses to start without it).
//!
//! ## Merge rule
//!
//! A component's settings are the profile's section with the caller's settings merged over
//! it ([`merge`]): the caller wins; objects merge member by member, at every depth; any other
//! value (arrays included) is replaced whole. A caller names the profile with a `profile`
//! member in the settings object it hands to a constructor, which [`resolve`] takes out:
//!
//! ```
//! use authcore::gate::GateConfig;
//! use authcore::profile::{self, Component};
//! use serde_json::json;
//!
//! let merged = profile::resolve(Component::Gate, json!({"profile": "reeve", "realm": "services"}))?;
//! let config: GateConfig = profile::decode(Component::Gate, merged)?;
//! assert_eq!(config.guest_header.as_deref(), Some("X-Guest-ID"));
//! assert_eq!(config.services_env[0].variable, "REEVE_SERVICES_TOKEN");
//! assert_eq!(config.services_env[0].header, "X-Reeve-Services-Token");
//! assert_eq!(config.session.idle_timeout, 30 * 86_400);
//! assert_eq!(config.realm, "services");
//!
//! let err = profile::named("acme").unwrap_err();
//! assert_eq!(err.code().as_str(), "invalid_config");
//! assert_eq!(err.detail(), "Unknown profile `acme`; the profiles are `rag-modulo`, `ravi`, `reeve`.");
//! # Ok::<(), authcore::Error>(())
//! ```

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};
use crate::util::quote_input;

/// The documents, by name, in name order.
const DOCUMENTS: &[(&str, &str)] = &[
    ("rag-modulo", include_str!("../profiles/rag-modulo.json")),
    ("ravi", include_str!("../profiles/ravi.json")),
    ("reeve", include_str!("../profiles/reeve.json")),
];

/// The member of a settings object that names a profile.
pub const PROFILE_MEMBER: &str = "profile";

/// A component whose settings a profile can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    /// `Gate` ([`crate::gate::GateConfig`]).
    Gate,
    /// `RequestDriver` ([`crate::tokens::ClientConfig`]).
    Client,
    /// `DeviceClient` ([`crate::device::DeviceClientConfig`]).
    DeviceClient,
    /// `DeviceAuthority` ([`crate::device::DeviceServerConfig`]).
    DeviceServer,
    /// `SessionManager` ([`crate::session::SessionConfig`]).
    Session,
    /// `Accounts` ([`crate::password::PasswordPolicy`]).
    Accounts,
    /// `Issuer` ([`crate::jwt::IssuerConfig`]).
    Issuer,
    /// `AuthCodeClient` ([`crate::oauth::AuthCodeConfig`]).
    AuthCode,
    /// `Cors` ([`crate::cors::CorsConfig`]).
    Cors,
    /// `DesktopSignIn` ([`crate::signin::DesktopSignInConfig`]).
    DesktopSignIn,
    /// `DesktopClient` ([`crate::signin::DesktopClientConfig`]).
    DesktopClient,
    /// `MagicLinks` ([`crate::signin::MagicLinkConfig`]).
    MagicLinks,
}

impl Component {
    /// Every component.
    pub const ALL: [Component; 12] = [
        Component::Gate,
        Component::Client,
        Component::DeviceClient,
        Component::DeviceServer,
        Component::Session,
        Component::Accounts,
        Component::Issuer,
        Component::AuthCode,
        Component::Cors,
        Component::DesktopSignIn,
        Component::DesktopClient,
        Component::MagicLinks,
    ];

    /// The section's name in a profile document.
    pub fn section(self) -> &'static str {
        match self {
            Component::Gate => "gate",
            Component::Client => "client",
            Component::DeviceClient => "device_client",
            Component::DeviceServer => "device_server",
            Component::Session => "session",
            Component::Accounts => "accounts",
            Component::Issuer => "issuer",
            Component::AuthCode => "auth_code",
            Component::Cors => "cors",
            Component::DesktopSignIn => "desktop_signin",
            Component::DesktopClient => "desktop_client",
            Component::MagicLinks => "magic_links",
        }
    }
}

/// One named profile. See the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    name: &'static str,
    document: Map<String, Value>,
}

impl Profile {
    /// The profile's name (`ravi`, `reeve`, `rag-modulo`).
    pub fn name(&self) -> &str {
        self.name
    }

    /// The whole document.
    pub fn document(&self) -> Value {
        Value::Object(self.document.clone())
    }

    /// The document's section for `component`, when it has one.
    pub fn section(&self, component: Component) -> Option<&Value> {
        self.document.get(component.section())
    }

    /// The component's settings: this profile's section with `overrides` merged over it
    /// ([`merge`]). A profile without a section for the component is `invalid_config` (field
    /// `profile`).
    pub fn settings(&self, component: Component, overrides: Value) -> Result<Value> {
        let Some(section) = self.section(component) else {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                PROFILE_MEMBER,
                format!(
                    "The profile `{}` has no `{}` settings; its sections are {}.",
                    self.name,
                    component.section(),
                    list(self.components().iter().map(|c| c.section()))
                ),
            ));
        };
        let mut merged = section.clone();
        merge(&mut merged, overrides);
        Ok(merged)
    }

    /// The components this profile has settings for.
    pub fn components(&self) -> Vec<Component> {
        Component::ALL
            .into_iter()
            .filter(|c| self.section(*c).is_some())
            .collect()
    }
}

/// The names of the profiles, sorted.
pub fn names() -> Vec<&'static str> {
    DOCUMENTS.iter().map(|(name, _)| *name).collect()
}

/// The profile called `name`; an unknown name is `invalid_config` (field `profile`) listing
/// the known ones.
pub fn named(name: &str) -> Result<Profile> {
    let Some((name, text)) = DOCUMENTS.iter().find(|(n, _)| *n == name) else {
        return Err(Error::field(
            ErrorCode::InvalidConfig,
            PROFILE_MEMBER,
            format!(
                "Unknown profile `{}`; the profiles are {}.",
                quote_input(name),
                list(names().into_iter())
            ),
        ));
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(document)) => Ok(Profile { name, document }),
        _ => Err(Error::new(ErrorCode::Internal)),
    }
}

/// The document of the profile called `name` (what bindings return from `profile(name)`).
pub fn document(name: &str) -> Result<Value> {
    named(name).map(|p| p.document())
}

/// Merges `overrides` into `base`: where both are objects, member by member (recursively);
/// otherwise `overrides` replaces `base` (arrays and `null` included).
pub fn merge(base: &mut Value, overrides: Value) {
    match (base, overrides) {
        (Value::Object(base), Value::Object(overrides)) => {
            for (key, value) in overrides {
                match base.get_mut(&key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overrides) => *base = overrides,
    }
}

/// A constructor's settings object with its `profile` member applied: when `config` is an
/// object naming a profile (a string; `null` names none), the result is that profile's
/// section for `component` with the rest of `config` merged over it; otherwise `config`
/// unchanged. A `profile` that is not a string is `invalid_config` (field `profile`).
pub fn resolve(component: Component, config: Value) -> Result<Value> {
    let Value::Object(mut config) = config else {
        return Ok(config);
    };
    match config.remove(PROFILE_MEMBER) {
        None | Some(Value::Null) => Ok(Value::Object(config)),
        Some(Value::String(name)) => named(&name)?.settings(component, Value::Object(config)),
        Some(_) => Err(Error::field(
            ErrorCode::InvalidConfig,
            PROFILE_MEMBER,
            "`profile` must be the name of a profile (a string).",
        )),
    }
}

/// Settings of type `T` from a resolved settings object; a shape error is `invalid_config`
/// naming the member's path.
pub fn decode<T: DeserializeOwned>(component: Component, config: Value) -> Result<T> {
    crate::json::decode(config).map_err(|e| {
        let detail = format!("{} settings: {}", component.section(), e.detail());
        match e.path() {
            "" => Error::with_detail(ErrorCode::InvalidConfig, detail),
            path => Error::field(ErrorCode::InvalidConfig, path.to_owned(), detail),
        }
    })
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::cors::CorsConfig;
    use crate::device::{DeviceClientConfig, DeviceServerConfig};
    use crate::gate::{Access, GateConfig, IdentityRule};
    use crate::jwt::IssuerConfig;
    use crate::oauth::AuthCodeConfig;
    use crate::password::PasswordPolicy;
    use crate::session::SessionConfig;
    use crate::tokens::ClientConfig;

    /// What a caller must add because a profile cannot know it (endpoints, keys).
    fn required(component: Component) -> Value {
        match component {
            Component::Gate => json!({"jwt": {"keys": [{"alg": "HS256", "secret": "k".repeat(32)}]}}),
            Component::Client => json!({"token_endpoint": "https://api.example.com/api/auth/token/"}),
            Component::DeviceClient => json!({"base_url": "https://api.example.com", "client_id": "cli"}),
            Component::DeviceServer => json!({"verification_uri": "https://example.com/device"}),
            Component::AuthCode => json!({
                "authorization_endpoint": "https://idp.example.com/authorize",
                "token_endpoint": "https://idp.example.com/token",
                "client_id": "web",
                "redirect_uri": "https://app.example.com/callback"
            }),
            Component::DesktopSignIn => json!({"redirect_uris": ["app://callback"]}),
            Component::DesktopClient => json!({
                "sign_in_url": "https://app.example.com/desktop/sign-in",
                "exchange_url": "https://api.example.com/api/auth/desktop/exchange",
                "redirect_uri": "app://callback"
            }),
            _ => json!({}),
        }
    }

    fn build(component: Component, config: Value) -> Result<()> {
        let config = resolve(component, config)?;
        match component {
            Component::Gate => {
                let c: GateConfig = decode(component, config)?;
                // A service secret named by `services_env` is the caller's to supply.
                if c.services_env.is_empty() {
                    return crate::gate::Gate::new(c).map(|_| ());
                }
                let env: serde_json::Map<String, Value> = c
                    .services_env
                    .iter()
                    .map(|e| (e.variable.clone(), json!("s".repeat(32))))
                    .collect();
                crate::gate::Gate::from_env_values(c, &env).map(|_| ())
            }
            Component::Client => {
                crate::tokens::RequestDriver::new(decode::<ClientConfig>(component, config)?, None, 0).map(|_| ())
            }
            Component::DeviceClient => {
                crate::device::DeviceClient::new(decode::<DeviceClientConfig>(component, config)?).map(|_| ())
            }
            Component::DeviceServer => {
                crate::device::DeviceAuthority::new(decode::<DeviceServerConfig>(component, config)?).map(|_| ())
            }
            Component::Session => {
                crate::session::SessionManager::new(decode::<SessionConfig>(component, config)?).map(|_| ())
            }
            Component::Accounts => decode::<PasswordPolicy>(component, config).map(|_| ()),
            Component::Issuer => decode::<IssuerConfig>(component, config).map(|_| ()),
            Component::AuthCode => decode::<AuthCodeConfig>(component, config)?.validate(),
            Component::Cors => crate::cors::Cors::new(decode::<CorsConfig>(component, config)?).map(|_| ()),
            Component::DesktopSignIn => {
                crate::signin::DesktopSignIn::new(decode::<crate::signin::DesktopSignInConfig>(component, config)?)
                    .map(|_| ())
            }
            Component::DesktopClient => {
                crate::signin::DesktopClient::new(decode::<crate::signin::DesktopClientConfig>(component, config)?)
                    .map(|_| ())
            }
            Component::MagicLinks => {
                crate::signin::MagicLinks::new(decode::<crate::signin::MagicLinkConfig>(component, config)?).map(|_| ())
            }
        }
    }

    #[test]
    fn every_section_builds_its_component_with_only_what_the_caller_must_add() {
        for name in names() {
            let profile = named(name).unwrap();
            assert_eq!(profile.name(), name);
            let doc = profile.document();
            assert_eq!(doc["name"], json!(name));
            assert_eq!(doc["version"], json!(1));
            assert!(!profile.components().is_empty());
            for component in profile.components() {
                let mut config = required(component);
                if component == Component::Gate && profile.section(component).and_then(|s| s.get("jwt")).is_none() {
                    config = json!({});
                }
                config["profile"] = json!(name);
                build(component, config).unwrap_or_else(|e| panic!("{name}.{}: {e}", component.section()));
            }
        }
    }

    #[test]
    fn every_value_names_its_source_and_no_profile_holds_a_secret() {
        for name in names() {
            let doc = document(name).unwrap();
            let source = doc["source"].as_object().unwrap();
            for (path, from) in source {
                let mut at = &doc;
                for part in path.split('.') {
                    at = at
                        .get(part)
                        .unwrap_or_else(|| panic!("{name}: source names missing `{path}`"));
                }
                let from = from.as_str().unwrap();
                assert!(from.contains(" § "), "{name}.{path}: {from}");
                let file = from.split(" § ").next().unwrap();
                assert!(
                    doc["seeds"].as_array().unwrap().iter().any(|s| s == file) || from.contains("; "),
                    "{name}.{path}: {file}"
                );
            }
            let text = doc.to_string();
            for needle in ["\"secret\":\"", "\"secret_b64\"", "\"pem\"", "\"client_secret\""] {
                for (i, _) in text.match_indices(needle) {
                    assert!(text[i..].starts_with("\"secret\":\"\""), "{name} holds a secret");
                }
            }
        }
    }

    #[test]
    fn seed_values() {
        let ravi = named("ravi").unwrap();
        let client: ClientConfig = decode(
            Component::Client,
            ravi.settings(Component::Client, required(Component::Client)).unwrap(),
        )
        .unwrap();
        assert_eq!(
            (
                client.identity_header.as_str(),
                client.refresh_margin,
                client.default_expires_in
            ),
            ("X-Ravi-Identity", 300, 3600)
        );
        let device: DeviceClientConfig = decode(
            Component::DeviceClient,
            ravi.settings(Component::DeviceClient, required(Component::DeviceClient))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (device.authorization_path.as_str(), device.token_path.as_str()),
            ("/api/auth/device/", "/api/auth/device/token/")
        );
        let gate: GateConfig = decode(Component::Gate, ravi.settings(Component::Gate, json!({})).unwrap()).unwrap();
        assert_eq!(gate.identity_header, "X-Ravi-Identity");
        assert_eq!(gate.routes[0].access, Access::Public);
        assert!(gate
            .routes
            .iter()
            .any(|r| r.path == "/api/email-inbox/**" && r.identity == IdentityRule::Required));

        let reeve = named("reeve").unwrap();
        let session: SessionConfig = decode(
            Component::Session,
            reeve.settings(Component::Session, json!({})).unwrap(),
        )
        .unwrap();
        assert_eq!(session.idle_timeout, 2_592_000);
        let doc = reeve.document();
        assert_eq!(doc["paths"]["session"], "/api/auth/session");
        assert_eq!(doc["lifetimes"]["oauth_state"], 600);

        let rag = named("rag-modulo").unwrap();
        let policy: PasswordPolicy = decode(
            Component::Accounts,
            rag.settings(Component::Accounts, json!({})).unwrap(),
        )
        .unwrap();
        assert!(policy.allow_email_usernames);
        let issuer: IssuerConfig =
            decode(Component::Issuer, rag.settings(Component::Issuer, json!({})).unwrap()).unwrap();
        assert_eq!(issuer.lifetime, 3600);
        let doc = rag.document();
        assert_eq!(
            (doc["paths"]["login"].as_str(), doc["paths"]["register"].as_str()),
            (Some("/api/auth/login"), Some("/api/auth/register"))
        );
    }

    #[test]
    fn merge_caller_wins_objects_deep_arrays_whole() {
        let mut base = json!({"a": 1, "o": {"x": 1, "y": {"z": 1}}, "list": [1, 2], "keep": true});
        merge(&mut base, json!({"a": 2, "o": {"y": {"w": 2}}, "list": [3], "n": null}));
        assert_eq!(
            base,
            json!({"a": 2, "o": {"x": 1, "y": {"z": 1, "w": 2}}, "list": [3], "keep": true, "n": null})
        );
        let mut base = json!({"o": {"x": 1}});
        merge(&mut base, json!({"o": null}));
        assert_eq!(base, json!({"o": null}));

        // A gate's jwt keys come from the caller, next to the profile's verifier settings.
        let merged = resolve(
            Component::Gate,
            json!({"profile": "rag-modulo", "jwt": {"keys": [{"secret": "s"}]}, "guest_header": "X-G"}),
        )
        .unwrap();
        assert_eq!(
            merged["jwt"],
            json!({"config": {"algorithms": ["HS256"]}, "keys": [{"secret": "s"}]})
        );
        assert_eq!(merged["guest_header"], "X-G");
        assert!(merged.get("profile").is_none());
        // Routes given by the caller replace the profile's.
        let merged = resolve(Component::Gate, json!({"profile": "ravi", "routes": []})).unwrap();
        assert_eq!(merged["routes"], json!([]));
    }

    #[test]
    fn resolve_without_profile_and_errors() {
        assert_eq!(
            resolve(Component::Gate, json!({"realm": "x"})).unwrap(),
            json!({"realm": "x"})
        );
        assert_eq!(
            resolve(Component::Gate, json!({"realm": "x", "profile": null})).unwrap(),
            json!({"realm": "x"})
        );
        assert_eq!(resolve(Component::Gate, json!(null)).unwrap(), json!(null));
        let e = resolve(Component::Gate, json!({"profile": 7})).unwrap_err();
        assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidConfig, Some("profile")));
        let e = resolve(Component::Gate, json!({"profile": "Reeve\u{7}\"x"})).unwrap_err();
        assert_eq!(
            e.detail(),
            "Unknown profile `Reeve??x`; the profiles are `rag-modulo`, `ravi`, `reeve`."
        );
        let e = resolve(Component::Session, json!({"profile": "ravi"})).unwrap_err();
        assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidConfig, Some("profile")));
        assert_eq!(
            e.detail(),
            "The profile `ravi` has no `session` settings; its sections are `gate`, `client`, `device_client`, `device_server`, `issuer`."
        );
        let e = decode::<SessionConfig>(Component::Session, json!({"idle_timeout": "x"})).unwrap_err();
        assert_eq!(
            (e.code(), e.field_name()),
            (ErrorCode::InvalidConfig, Some("idle_timeout"))
        );
        assert_eq!(names(), vec!["rag-modulo", "ravi", "reeve"]);
    }
}
