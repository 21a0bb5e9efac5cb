//! The gateway token (a local gateway's single shared secret) and service tokens read from
//! the environment.
//!
//! * [`GatewayToken`] ([`super::GateConfig::gateway`]): when set, every request must carry
//!   it — in `Authorization: Bearer <token>` unless another header is named — or it is
//!   refused before its route is looked up. [`generate_gateway_token`] makes one for an
//!   onboarding step (256 bits, URL-safe base64 without padding).
//! * [`ServiceEnv`] ([`super::GateConfig::services_env`]): a service credential whose secret
//!   is an environment variable, resolved by [`super::Gate::from_env_values`] from the environment
//!   map the host passes in (the core never reads the process environment).
//!
//! A settings document of the form `{"gateway": {"auth": {"token": T}}}` maps onto
//! `GateConfig { gateway: Some(GatewayToken { token: T, header: None }) }`, i.e. the gate
//! option `gateway: {"token": T}`; [`GatewayToken::from_document`] does that mapping.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::entropy::{random_bytes, Entropy};
use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;
use crate::util::b64url;

use super::ServiceToken;

/// Bytes of entropy in a generated gateway token (256 bits).
pub const GATEWAY_TOKEN_BYTES: usize = 32;

/// The shortest gateway token accepted (characters).
pub const GATEWAY_TOKEN_MIN: usize = 16;

/// The longest gateway token accepted (characters).
pub const GATEWAY_TOKEN_MAX: usize = 512;

/// A gateway token: the one secret every request to a local gateway must carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct GatewayToken {
    /// The token: 16 to 512 printable ASCII characters without spaces (see
    /// [`generate_gateway_token`]). It never appears in `Debug` output or errors.
    pub token: Secret,
    /// The header carrying it (default `Authorization`, as `Bearer <token>`). Another header
    /// carries the bare token, and `Authorization` then stays free for user credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

impl GatewayToken {
    /// The gateway settings of a document shaped `{"gateway": {"auth": {"token": T}}}` (the
    /// local gateway's settings file): `Ok(None)` when the document has no
    /// `gateway.auth.token` (or it is `null` or empty: no gateway token configured), and
    /// `invalid_config` (field `gateway.auth.token`) when it is not a string.
    ///
    /// ```
    /// use authcore::gate::GatewayToken;
    ///
    /// let doc = serde_json::json!({"gateway": {"auth": {"token": "your-secret-token-value"}}});
    /// let gateway = GatewayToken::from_document(&doc)?.unwrap();
    /// assert_eq!(gateway.token.expose(), "your-secret-token-value");
    /// assert_eq!(gateway.header, None); // `Authorization: Bearer …`
    /// assert!(GatewayToken::from_document(&serde_json::json!({}))?.is_none());
    /// # Ok::<(), authcore::Error>(())
    /// ```
    pub fn from_document(doc: &Value) -> Result<Option<Self>> {
        match doc.pointer("/gateway/auth/token") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(Self {
                token: Secret::new(s.clone()),
                header: None,
            })),
            Some(_) => Err(Error::field(
                ErrorCode::InvalidConfig,
                "gateway.auth.token",
                "`gateway.auth.token` must be a string.",
            )),
        }
    }

    /// The header name the token is read from.
    pub fn header_name(&self) -> &str {
        self.header.as_deref().unwrap_or("Authorization")
    }

    /// Whether the token travels in `Authorization` (as `Bearer <token>`).
    pub fn in_authorization(&self) -> bool {
        self.header_name().eq_ignore_ascii_case("authorization")
    }

    pub(super) fn check(&self) -> Result<()> {
        let t = self.token.expose();
        if !(GATEWAY_TOKEN_MIN..=GATEWAY_TOKEN_MAX).contains(&t.len()) || !t.bytes().all(|b| (0x21..=0x7e).contains(&b))
        {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                "gateway.token",
                format!(
                    "The gateway token must be {GATEWAY_TOKEN_MIN} to {GATEWAY_TOKEN_MAX} printable ASCII characters \
                     without spaces; generate one with generate_gateway_token."
                ),
            ));
        }
        Ok(())
    }
}

/// A new gateway token for an onboarding step: 32 bytes (256 bits) of `entropy` as URL-safe
/// base64 without padding (43 characters). Too few bytes from the source is
/// `entropy_unavailable`.
///
/// ```
/// use authcore::entropy::FixedEntropy;
/// use authcore::gate::generate_gateway_token;
///
/// let token = generate_gateway_token(&mut FixedEntropy::new(vec![0xfb; 32]))?;
/// assert_eq!(token.expose().len(), 43);
/// assert!(token.expose().starts_with("-_v7")); // URL-safe alphabet
/// assert_eq!(format!("{token:?}"), "\"[redacted]\"");
/// # Ok::<(), authcore::Error>(())
/// ```
pub fn generate_gateway_token(entropy: &mut dyn Entropy) -> Result<Secret> {
    Ok(Secret::new(b64url(&random_bytes(entropy, GATEWAY_TOKEN_BYTES)?)))
}

/// A service credential whose shared secret is an environment variable (see
/// [`super::Gate::from_env_values`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "schema", schemars(extend("x-authcore-options" = true)))]
pub struct ServiceEnv {
    /// Name reported in the auth context (default `services`).
    pub name: String,
    /// The variable holding the secret (default `AUTHCORE_SERVICES_TOKEN`).
    pub variable: String,
    /// The header carrying it (default `X-Services-Token`).
    pub header: String,
}

impl Default for ServiceEnv {
    fn default() -> Self {
        Self {
            name: "services".to_owned(),
            variable: "AUTHCORE_SERVICES_TOKEN".to_owned(),
            header: "X-Services-Token".to_owned(),
        }
    }
}

impl ServiceEnv {
    /// The service credential, its secret read from `env`. A missing, `null`, empty
    /// (or blank) variable, or one that is not a string, is `invalid_config` naming the
    /// variable (as `field` and in the detail), never its value.
    pub fn resolve(&self, env: &Map<String, Value>) -> Result<ServiceToken> {
        let var = &self.variable;
        let bad = |why: &str| Error::field(ErrorCode::InvalidConfig, var.clone(), format!("`{var}` {why}"));
        let secret = match env.get(var) {
            None | Some(Value::Null) => return Err(bad("is not set.")),
            Some(Value::String(s)) if s.trim().is_empty() => return Err(bad("is empty.")),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(bad("must be a string.")),
        };
        Ok(ServiceToken {
            name: self.name.clone(),
            header: self.header.clone(),
            secret: Secret::new(secret),
        })
    }

    pub(super) fn check(&self, i: usize) -> Result<()> {
        let ok = !self.variable.is_empty()
            && self.variable.len() <= 128
            && self.variable.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok {
            return Err(Error::field(
                ErrorCode::InvalidConfig,
                format!("services_env[{i}].variable"),
                "An environment variable name is 1 to 128 letters, digits and '_'.",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;

    #[test]
    fn generated_tokens() {
        let t = generate_gateway_token(&mut FixedEntropy::new((0..32).collect())).unwrap();
        assert_eq!(t.expose(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
        let e = generate_gateway_token(&mut FixedEntropy::new(vec![0; 31])).unwrap_err();
        assert_eq!(e.code(), ErrorCode::EntropyUnavailable);
    }

    #[test]
    fn documents() {
        let doc = serde_json::json!({"gateway": {"auth": {"token": 7}}});
        let e = GatewayToken::from_document(&doc).unwrap_err();
        assert_eq!(e.field_name(), Some("gateway.auth.token"));
        let doc = serde_json::json!({"gateway": {"auth": {"token": ""}}});
        assert!(GatewayToken::from_document(&doc).unwrap().is_none());
        let g = GatewayToken {
            token: Secret::new("short"),
            header: None,
        };
        assert_eq!(g.check().unwrap_err().code(), ErrorCode::InvalidConfig);
        assert!(!format!("{g:?}").contains("short"));
    }

    #[test]
    fn env_values() {
        let spec = ServiceEnv {
            name: "reeve".into(),
            variable: "REEVE_SERVICES_TOKEN".into(),
            header: "X-Reeve-Services-Token".into(),
        };
        let env = |v: Value| {
            serde_json::json!({ "REEVE_SERVICES_TOKEN": v })
                .as_object()
                .unwrap()
                .clone()
        };
        let t = spec.resolve(&env("s3cret-value".into())).unwrap();
        assert_eq!((t.name.as_str(), t.secret.expose()), ("reeve", "s3cret-value"));
        for (v, why) in [
            (Value::Null, "is not set."),
            ("  ".into(), "is empty."),
            (7.into(), "must be a string."),
        ] {
            let e = spec.resolve(&env(v)).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidConfig);
            assert_eq!(e.field_name(), Some("REEVE_SERVICES_TOKEN"));
            assert_eq!(e.detail(), format!("`REEVE_SERVICES_TOKEN` {why}"));
        }
        assert!(spec.resolve(&Map::new()).is_err());
    }
}
