//! `vault` (with `server`): records sealed with a master key, key files, rotation, as in
//! `bindings-node/js/NATIVE.md`. Conversions only; the rules are the core's (`authcore::vault`).

use authcore::vault::{self, Vault as CoreVault};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use super::{from_json, int, rng, to_json, Core, R};

/// Master keys by id, the current key first.
#[wasm_bindgen]
pub struct Vault {
    inner: CoreVault,
}

#[wasm_bindgen]
impl Vault {
    /// From a JSON array of master key file contents, the current key first.
    #[wasm_bindgen(constructor)]
    pub fn new(keys_json: &str) -> R<Vault> {
        let keys: Vec<String> = from_json(keys_json, "keys")?;
        Ok(Self {
            inner: CoreVault::from_key_files(&keys).js()?,
        })
    }

    /// The current key's id.
    #[wasm_bindgen(js_name = currentKid)]
    pub fn current_kid(&self) -> String {
        self.inner.current_kid().to_owned()
    }

    /// Every key id, current first (JSON array).
    pub fn kids(&self) -> R<String> {
        to_json(&self.inner.kids())
    }

    /// Seals a record (JSON object) for `context`: JSON SealedRecord.
    pub fn seal(&self, record_json: &str, context: &str, now: f64, entropy: Option<Vec<u8>>) -> R<String> {
        let record: Value = from_json(record_json, "record")?;
        to_json(
            &self
                .inner
                .seal(&record, context, int(now, "now")?, &mut rng(entropy))
                .js()?,
        )
    }

    /// Opens a sealed record (JSON) stored for `context`: the record (JSON).
    pub fn open(&self, sealed_json: &str, context: &str) -> R<String> {
        let sealed: Value = from_json(sealed_json, "sealed")?;
        to_json(&self.inner.open(&sealed, context).js()?)
    }

    /// Seals a record again under the current key: JSON SealedRecord.
    pub fn reseal(&self, sealed_json: &str, context: &str, now: f64, entropy: Option<Vec<u8>>) -> R<String> {
        let sealed: Value = from_json(sealed_json, "sealed")?;
        to_json(
            &self
                .inner
                .reseal(&sealed, context, int(now, "now")?, &mut rng(entropy))
                .js()?,
        )
    }

    /// Whether a sealed record (JSON) is under another key than the current one.
    /// `{kid, sealed_at?, needs_reseal}` of a sealed record (JSON), read without the key.
    pub fn inspect(&self, sealed_json: &str) -> R<String> {
        let sealed: Value = from_json(sealed_json, "sealed")?;
        to_json(&self.inner.inspect(&sealed).js()?)
    }

    #[wasm_bindgen(js_name = needsReseal)]
    pub fn needs_reseal(&self, sealed_json: &str) -> R<bool> {
        let sealed: Value = from_json(sealed_json, "sealed")?;
        self.inner.needs_reseal(&sealed).js()
    }
}

/// A new master key file's content.
#[wasm_bindgen(js_name = generateMasterKey)]
pub fn generate_master_key(kid: Option<String>, entropy: Option<Vec<u8>>) -> R<String> {
    vault::generate_master_key(kid.as_deref(), &mut rng(entropy)).js()
}

/// Checks a master key file's content: JSON `{kid}`.
#[wasm_bindgen(js_name = parseMasterKey)]
pub fn parse_master_key(text: &str) -> R<String> {
    to_json(&vault::parse_master_key(text).js()?)
}

/// A master key file's content for 32 raw key bytes.
#[wasm_bindgen(js_name = masterKeyFromBytes)]
pub fn master_key_from_bytes(kid: &str, key: &[u8]) -> R<String> {
    vault::master_key_from_bytes(kid, key).js()
}
