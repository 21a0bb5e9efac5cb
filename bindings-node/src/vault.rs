//! `vault`: records sealed with a master key, key files, rotation, as in `js/NATIVE.md`.
//! Conversions only; the rules are the core's (`authcore::vault`).

use authcore::vault::{self, Vault as CoreVault};
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use serde_json::Value;

use super::{guard, out, parse, rng};

/// Master keys by id, the current key first.
#[napi]
pub struct Vault {
    inner: CoreVault,
}

#[napi]
impl Vault {
    /// From a JSON array of master key file contents, the current key first.
    #[napi(constructor)]
    pub fn new(keys_json: String) -> napi::Result<Self> {
        guard(|| {
            let keys: Vec<String> = parse(&keys_json, "keys")?;
            Ok(Self {
                inner: CoreVault::from_key_files(&keys)?,
            })
        })
    }

    /// The current key's id.
    #[napi]
    pub fn current_kid(&self) -> napi::Result<String> {
        guard(|| Ok(self.inner.current_kid().to_owned()))
    }

    /// Every key id, current first (JSON array).
    #[napi]
    pub fn kids(&self) -> napi::Result<String> {
        guard(|| out(&self.inner.kids()))
    }

    /// Seals a record (JSON object) for `context`: JSON SealedRecord.
    #[napi]
    pub fn seal(
        &self,
        record_json: String,
        context: String,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let record: Value = parse(&record_json, "record")?;
            out(&self.inner.seal(&record, &context, now, &mut rng(entropy.as_deref()))?)
        })
    }

    /// Opens a sealed record (JSON) stored for `context`: the record (JSON).
    #[napi]
    pub fn open(&self, sealed_json: String, context: String) -> napi::Result<String> {
        guard(|| {
            let sealed: Value = parse(&sealed_json, "sealed")?;
            out(&self.inner.open(&sealed, &context)?)
        })
    }

    /// Seals a record again under the current key: JSON SealedRecord.
    #[napi]
    pub fn reseal(
        &self,
        sealed_json: String,
        context: String,
        now: i64,
        entropy: Option<Uint8Array>,
    ) -> napi::Result<String> {
        guard(|| {
            let sealed: Value = parse(&sealed_json, "sealed")?;
            out(&self
                .inner
                .reseal(&sealed, &context, now, &mut rng(entropy.as_deref()))?)
        })
    }

    /// `{kid, sealed_at?, needs_reseal}` of a sealed record (JSON), read without the key.
    #[napi]
    pub fn inspect(&self, sealed_json: String) -> napi::Result<String> {
        guard(|| {
            let sealed: Value = parse(&sealed_json, "sealed")?;
            out(&self.inner.inspect(&sealed)?)
        })
    }

    /// Whether a sealed record (JSON) is under another key than the current one.
    #[napi]
    pub fn needs_reseal(&self, sealed_json: String) -> napi::Result<bool> {
        guard(|| {
            let sealed: Value = parse(&sealed_json, "sealed")?;
            Ok(self.inner.needs_reseal(&sealed)?)
        })
    }
}

/// A new master key file's content.
#[napi]
pub fn generate_master_key(kid: Option<String>, entropy: Option<Uint8Array>) -> napi::Result<String> {
    guard(|| {
        Ok(vault::generate_master_key(
            kid.as_deref(),
            &mut rng(entropy.as_deref()),
        )?)
    })
}

/// Checks a master key file's content: JSON `{"kid"}`.
#[napi]
pub fn parse_master_key(text: String) -> napi::Result<String> {
    guard(|| out(&vault::parse_master_key(&text)?))
}

/// A master key file's content for 32 raw key bytes.
#[napi]
pub fn master_key_from_bytes(kid: String, key: Uint8Array) -> napi::Result<String> {
    guard(|| Ok(vault::master_key_from_bytes(&kid, &key)?))
}
