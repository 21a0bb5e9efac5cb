//! [`Secret`]: a string that must not leak through logs.
//!
//! A leaf module used by every part of the crate that holds tokens, passwords or client
//! secrets. It is serialised as the plain string (stores and wire formats need the value);
//! only `Debug` hides it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret string: serialised as itself, but `Debug` prints `"[redacted]"`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The secret text. Handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}
