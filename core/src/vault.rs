//! The vault: records (connections, tokens) sealed with a master key, XChaCha20-Poly1305.
//!
//! Sans-IO like the rest of the crate: the host reads the master key (from a `master.key`
//! file or an OS keyring) and stores the sealed records; the core seals, opens and reseals.
//!
//! * **Master key file** (`master.key`): one line,
//!   `authcore-master-key:v1:<kid>:<key>` where `<kid>` is the key id (1–64 characters of
//!   `A-Z a-z 0-9 . _ -`) and `<key>` is the base64url (unpadded) encoding of 32 random bytes.
//!   Surrounding whitespace (a trailing newline) is ignored. The file should have mode `0600`;
//!   [`readiness_component`] reports a looser mode as a warning.
//! * **Sealed record**: `{"v": 1, "kid", "alg": "XChaCha20-Poly1305", "nonce", "ct",
//!   "sealed_at"}`, with `nonce` the base64url of 24 random bytes, `ct` the base64url of the
//!   ciphertext and its 16-byte tag, and `sealed_at` the Unix time of the seal (the caller's
//!   `now`). The plaintext is the record's compact JSON. The associated data binds the
//!   version, the key id, a caller-given context (e.g. `connection:github/default`) and the
//!   seal time, so a record cannot be moved to another slot, relabelled with another key id,
//!   or made to look sealed at another time (which would mislead a rotation that reseals the
//!   oldest records first, or an audit):
//!   `"authcore.vault.v1" ‖ u32be(len kid) ‖ kid ‖ u32be(len context) ‖ context ‖
//!   "sealed_at" ‖ i64be(sealed_at)`. Records sealed before `sealed_at` existed have no such
//!   member and no such suffix, and still open; adding a `sealed_at` to one, or removing it
//!   from a newer one, changes the associated data, so the record no longer opens.
//! * **Rotation**: a [`Vault`] holds several keys; the first is the current one (it seals),
//!   the others only open. To rotate: generate a new key, put it first, [`Vault::reseal`] every
//!   record ([`Vault::needs_reseal`] says which), then drop the old key.
//!
//! Errors (no secret in any text): a malformed key file or key is `invalid_key`; a sealed
//! record whose shape is wrong or that does not authenticate (tampered, sealed under another
//! key with the same id, or for another context) is `state_corrupt`; an unknown `v` is
//! `state_version_unsupported`; a key id the vault does not hold is `invalid_key` (field `kid`).
//!
//! ```
//! use authcore::entropy::FixedEntropy;
//! use authcore::vault::{generate_master_key, MasterKey, Vault};
//! use serde_json::json;
//!
//! let text = generate_master_key(Some("k1"), &mut FixedEntropy::new(vec![7; 32])).unwrap();
//! let vault = Vault::new(vec![MasterKey::parse(&text).unwrap()]).unwrap();
//! let sealed = vault.seal(&json!({"a": 1}), "ctx", 1_700_000_000, &mut FixedEntropy::new(vec![1; 24])).unwrap();
//! let sealed = serde_json::to_value(&sealed).unwrap();
//! assert_eq!(vault.open(&sealed, "ctx").unwrap(), json!({"a": 1}));
//! assert_eq!(vault.open(&sealed, "other").unwrap_err().code().as_str(), "state_corrupt");
//! ```

use std::collections::BTreeMap;

use base64ct::{Base64UrlUnpadded, Encoding};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::broker::{Component, KeyFile};
use crate::entropy::Entropy;
use crate::error::{Error, ErrorCode, Result};
use crate::util::quote_input;

/// The sealed-record format version this core writes and opens.
pub const VAULT_VERSION: u32 = 1;
/// The AEAD of version 1.
pub const VAULT_ALG: &str = "XChaCha20-Poly1305";
/// The first fields of a master key file's line.
pub const MASTER_KEY_PREFIX: &str = "authcore-master-key:v1:";
/// The largest context accepted, in bytes.
pub const MAX_CONTEXT_BYTES: usize = 1024;
/// The largest record accepted (compact JSON), in bytes.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

const AAD_LABEL: &[u8] = b"authcore.vault.v1";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// A 32-byte master key with its key id. `Debug` shows the key id only.
#[derive(Clone)]
pub struct MasterKey {
    kid: String,
    key: Zeroizing<[u8; 32]>,
}

impl core::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MasterKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn check_kid(kid: &str) -> Result<()> {
    let ok = !kid.is_empty()
        && kid.len() <= 64
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::field(
            ErrorCode::InvalidKey,
            "kid",
            format!(
                "A key id is 1 to 64 characters of A-Z a-z 0-9 . _ - (got `{}`).",
                quote_input(kid)
            ),
        ))
    }
}

impl MasterKey {
    /// A master key from raw bytes (e.g. read from an OS keyring): exactly 32 bytes.
    pub fn from_bytes(kid: &str, key: &[u8]) -> Result<Self> {
        check_kid(kid)?;
        let bytes: [u8; 32] = key
            .try_into()
            .map_err(|_| Error::field(ErrorCode::InvalidKey, "key", "A master key is exactly 32 bytes."))?;
        Ok(Self {
            kid: kid.to_owned(),
            key: Zeroizing::new(bytes),
        })
    }

    /// Parses a master key file's content (see the module documentation).
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::field(
                ErrorCode::InvalidKey,
                "master_key",
                "A master key file is one line `authcore-master-key:v1:<kid>:<base64url of 32 bytes>`.",
            )
        };
        let rest = text.trim().strip_prefix(MASTER_KEY_PREFIX).ok_or_else(bad)?;
        let (kid, key) = rest.split_once(':').ok_or_else(bad)?;
        check_kid(kid)?;
        let mut buf = Zeroizing::new([0u8; 33]);
        let decoded = Base64UrlUnpadded::decode(key.as_bytes(), &mut buf[..]).map_err(|_| bad())?;
        if decoded.len() != 32 {
            return Err(bad());
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(decoded);
        Ok(Self {
            kid: kid.to_owned(),
            key: bytes,
        })
    }

    /// A new key from `entropy` (32 bytes; then 6 more for the key id when `kid` is `None`,
    /// which becomes `mk-` and their base64url).
    pub fn generate(kid: Option<&str>, entropy: &mut dyn Entropy) -> Result<Self> {
        if let Some(k) = kid {
            check_kid(k)?;
        }
        let mut key = Zeroizing::new([0u8; 32]);
        entropy.fill(&mut key[..])?;
        let kid = match kid {
            Some(k) => k.to_owned(),
            None => {
                let mut id = [0u8; 6];
                entropy.fill(&mut id)?;
                format!("mk-{}", Base64UrlUnpadded::encode_string(&id))
            }
        };
        Ok(Self { kid, key })
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The key file's content, with a trailing newline.
    pub fn to_file_content(&self) -> String {
        format!(
            "{MASTER_KEY_PREFIX}{}:{}\n",
            self.kid,
            Base64UrlUnpadded::encode_string(&self.key[..])
        )
    }
}

/// A new master key file's content (see [`MasterKey::generate`]).
pub fn generate_master_key(kid: Option<&str>, entropy: &mut dyn Entropy) -> Result<String> {
    Ok(MasterKey::generate(kid, entropy)?.to_file_content())
}

/// What a valid master key file holds, without the key: `{"kid"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MasterKeyInfo {
    /// The key id.
    pub kid: String,
}

/// Checks a master key file's content; its key id.
pub fn parse_master_key(text: &str) -> Result<MasterKeyInfo> {
    MasterKey::parse(text).map(|k| MasterKeyInfo { kid: k.kid })
}

/// A master key file's content for raw key bytes (e.g. from an OS keyring).
pub fn master_key_from_bytes(kid: &str, key: &[u8]) -> Result<String> {
    Ok(MasterKey::from_bytes(kid, key)?.to_file_content())
}

/// A sealed record, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SealedRecord {
    /// The format version (`1`).
    pub v: u32,
    /// The id of the key that sealed it.
    pub kid: String,
    /// `XChaCha20-Poly1305`.
    pub alg: String,
    /// base64url of the 24-byte nonce.
    pub nonce: String,
    /// base64url of the ciphertext followed by the 16-byte tag.
    pub ct: String,
    /// When it was sealed (Unix seconds), bound into the associated data; absent in records
    /// sealed before this member existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_at: Option<i64>,
}

/// What a sealed record says about itself ([`Vault::inspect`]), for a rotation to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SealedInfo {
    /// The id of the key that sealed it.
    pub kid: String,
    /// When it was sealed (Unix seconds), when the record says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_at: Option<i64>,
    /// Whether it is under another key than the vault's current one.
    pub needs_reseal: bool,
}

fn corrupt(field: &str, detail: &str) -> Error {
    Error::field(ErrorCode::StateCorrupt, field, detail)
}

fn aad(kid: &str, context: &str, sealed_at: Option<i64>) -> Vec<u8> {
    let mut a = Vec::with_capacity(AAD_LABEL.len() + 8 + kid.len() + context.len() + 17);
    a.extend_from_slice(AAD_LABEL);
    // Both lengths are capped (64 and MAX_CONTEXT_BYTES), so they fit in a u32.
    a.extend_from_slice(&(kid.len() as u32).to_be_bytes());
    a.extend_from_slice(kid.as_bytes());
    a.extend_from_slice(&(context.len() as u32).to_be_bytes());
    a.extend_from_slice(context.as_bytes());
    // The context's length prefix ends the older form, so this fixed-size suffix cannot be
    // confused with a context.
    if let Some(t) = sealed_at {
        a.extend_from_slice(b"sealed_at");
        a.extend_from_slice(&t.to_be_bytes());
    }
    a
}

fn check_context(context: &str) -> Result<()> {
    if context.len() > MAX_CONTEXT_BYTES {
        return Err(Error::field(
            ErrorCode::InvalidInput,
            "context",
            format!("A context is at most {MAX_CONTEXT_BYTES} bytes."),
        ));
    }
    Ok(())
}

/// Reads a stored sealed record: its version first, so that a record of a later format is
/// `state_version_unsupported` rather than a shape error.
fn decode_sealed(sealed: &Value) -> Result<SealedRecord> {
    let obj = sealed
        .as_object()
        .ok_or_else(|| corrupt("sealed", "A sealed record is a JSON object."))?;
    match obj.get("v").and_then(Value::as_u64) {
        Some(v) if v == u64::from(VAULT_VERSION) => {}
        Some(_) => {
            return Err(Error::field(
                ErrorCode::StateVersionUnsupported,
                "v",
                "This sealed record's version is not supported.",
            ))
        }
        None => return Err(corrupt("v", "A sealed record has a numeric `v`.")),
    }
    let r: SealedRecord = serde_json::from_value(sealed.clone()).map_err(|_| {
        corrupt(
            "sealed",
            "A sealed record has `v`, `kid`, `alg`, `nonce` and `ct` (strings) and may have `sealed_at` (an integer).",
        )
    })?;
    if r.alg != VAULT_ALG {
        return Err(corrupt("alg", "A version 1 sealed record uses XChaCha20-Poly1305."));
    }
    Ok(r)
}

/// Master keys by id; the first seals, every one opens.
#[derive(Debug, Clone)]
pub struct Vault {
    current: MasterKey,
    older: Vec<MasterKey>,
}

impl Vault {
    /// A vault over `keys`: at least one, distinct key ids, the first is the current key.
    pub fn new(keys: Vec<MasterKey>) -> Result<Self> {
        let mut seen: Vec<&str> = Vec::with_capacity(keys.len());
        for k in &keys {
            if seen.contains(&k.kid.as_str()) {
                return Err(Error::field(
                    ErrorCode::InvalidConfig,
                    "keys",
                    format!("Key id `{}` appears twice.", quote_input(&k.kid)),
                ));
            }
            seen.push(&k.kid);
        }
        let mut keys = keys.into_iter();
        let current = keys
            .next()
            .ok_or_else(|| Error::field(ErrorCode::InvalidConfig, "keys", "A vault needs at least one key."))?;
        Ok(Self {
            current,
            older: keys.collect(),
        })
    }

    fn keys(&self) -> impl Iterator<Item = &MasterKey> {
        std::iter::once(&self.current).chain(&self.older)
    }

    /// A vault from master key files' contents, current key first.
    pub fn from_key_files<S: AsRef<str>>(texts: &[S]) -> Result<Self> {
        Self::new(
            texts
                .iter()
                .map(|t| MasterKey::parse(t.as_ref()))
                .collect::<Result<_>>()?,
        )
    }

    /// The current key's id (the one that seals).
    pub fn current_kid(&self) -> &str {
        &self.current.kid
    }

    /// Every key id, current first.
    pub fn kids(&self) -> Vec<String> {
        self.keys().map(|k| k.kid.clone()).collect()
    }

    /// Seals `record` (a JSON object) for `context` under the current key at `now` (the
    /// record's `sealed_at`), with a nonce of 24 bytes from `entropy`.
    pub fn seal(&self, record: &Value, context: &str, now: i64, entropy: &mut dyn Entropy) -> Result<SealedRecord> {
        check_context(context)?;
        if !record.is_object() {
            return Err(Error::field(
                ErrorCode::InvalidInput,
                "record",
                "A record is a JSON object.",
            ));
        }
        let plain = Zeroizing::new(
            serde_json::to_vec(record)
                .map_err(|_| Error::field(ErrorCode::InvalidInput, "record", "Unserialisable record."))?,
        );
        if plain.len() > MAX_RECORD_BYTES {
            return Err(Error::field(
                ErrorCode::PayloadTooLarge,
                "record",
                format!("A record is at most {MAX_RECORD_BYTES} bytes of JSON."),
            ));
        }
        let key = &self.current;
        let mut nonce = [0u8; NONCE_LEN];
        entropy.fill(&mut nonce)?;
        let cipher = XChaCha20Poly1305::new((&*key.key).into());
        let ct = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &plain,
                    aad: &aad(&key.kid, context, Some(now)),
                },
            )
            .map_err(|_| Error::new(ErrorCode::Internal))?;
        Ok(SealedRecord {
            v: VAULT_VERSION,
            kid: key.kid.clone(),
            alg: VAULT_ALG.to_owned(),
            nonce: Base64UrlUnpadded::encode_string(&nonce),
            ct: Base64UrlUnpadded::encode_string(&ct),
            sealed_at: Some(now),
        })
    }

    /// Opens a sealed record stored for `context`; the record.
    pub fn open(&self, sealed: &Value, context: &str) -> Result<Value> {
        check_context(context)?;
        let r = decode_sealed(sealed)?;
        let key = self.keys().find(|k| k.kid == r.kid).ok_or_else(|| {
            Error::field(
                ErrorCode::InvalidKey,
                "kid",
                format!("The vault holds no key `{}`.", quote_input(&r.kid)),
            )
        })?;
        let mut buf = [0u8; NONCE_LEN + 1];
        let nonce: [u8; NONCE_LEN] = Base64UrlUnpadded::decode(r.nonce.as_bytes(), &mut buf)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| corrupt("nonce", "The nonce is the base64url of 24 bytes."))?;
        let nonce = XNonce::from(nonce);
        let ct = Base64UrlUnpadded::decode_vec(&r.ct)
            .ok()
            .filter(|c| c.len() >= TAG_LEN && c.len() <= MAX_RECORD_BYTES + TAG_LEN)
            .ok_or_else(|| corrupt("ct", "The ciphertext is base64url, at least 16 bytes."))?;
        let cipher = XChaCha20Poly1305::new((&*key.key).into());
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    &nonce,
                    Payload {
                        msg: &ct,
                        aad: &aad(&r.kid, context, r.sealed_at),
                    },
                )
                .map_err(|_| {
                    corrupt(
                        "ct",
                        "The sealed record does not authenticate (tampered, sealed under another key, or for another context).",
                    )
                })?,
        );
        serde_json::from_slice(&plain).map_err(|_| corrupt("ct", "The sealed record does not hold JSON."))
    }

    /// Opens a record (under any key) and seals it again under the current key at `now` (its
    /// new `sealed_at`).
    pub fn reseal(&self, sealed: &Value, context: &str, now: i64, entropy: &mut dyn Entropy) -> Result<SealedRecord> {
        let record = Zeroizing::new(self.open(sealed, context)?.to_string());
        let value: Value = serde_json::from_str(&record).map_err(|_| Error::new(ErrorCode::Internal))?;
        self.seal(&value, context, now, entropy)
    }

    /// Whether a stored sealed record is under another key than the current one (rotation).
    pub fn needs_reseal(&self, sealed: &Value) -> Result<bool> {
        Ok(decode_sealed(sealed)?.kid != self.current.kid)
    }

    /// What a stored sealed record says about itself — its key id, `sealed_at` (absent in
    /// older records) and whether it needs a reseal — for a rotation to show (e.g. the oldest
    /// records first). Read from the record's clear members without the key: [`Vault::open`]
    /// authenticates them (a changed `kid` or `sealed_at` no longer opens).
    pub fn inspect(&self, sealed: &Value) -> Result<SealedInfo> {
        let r = decode_sealed(sealed)?;
        Ok(SealedInfo {
            needs_reseal: r.kid != self.current.kid,
            kid: r.kid,
            sealed_at: r.sealed_at,
        })
    }
}

/// The vault's part of the broker's readiness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultReadiness {
    /// The `vault` component.
    pub component: Component,
    /// Non-fatal observations (a key file readable by others).
    pub warnings: Vec<String>,
    /// Fatal problems (a key file that could not be read or parsed).
    pub errors: Vec<String>,
}

/// Whether a key file is a vault master key: its file name is `master.key`.
pub fn is_master_key_file(k: &KeyFile) -> bool {
    k.path.rsplit(['/', '\\']).next() == Some("master.key")
}

/// The `vault` readiness component from the master key files among `key_files` (file name
/// `master.key`); `None` when there is none (the host keeps its key elsewhere, e.g. an OS
/// keyring). A mode with any group or other bit is a warning (`0600` is expected); a file the
/// host reports with an `error` (unreadable, or refused by [`parse_master_key`]) is an error.
pub fn readiness_component(key_files: &[KeyFile]) -> Option<VaultReadiness> {
    let files: Vec<&KeyFile> = key_files.iter().filter(|k| is_master_key_file(k)).collect();
    if files.is_empty() {
        return None;
    }
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for k in &files {
        if let Some(e) = &k.error {
            errors.push(format!(
                "Master key `{}` cannot be used: {}.",
                quote_input(&k.path),
                quote_input(e)
            ));
        }
        if k.mode & 0o077 != 0 {
            warnings.push(format!(
                "Master key `{}` has mode {:04o} instead of 0600.",
                quote_input(&k.path),
                k.mode & 0o7777
            ));
        }
    }
    let status = if !errors.is_empty() {
        "unhealthy"
    } else if !warnings.is_empty() {
        "degraded"
    } else {
        "ok"
    };
    Some(VaultReadiness {
        component: Component {
            status: status.to_owned(),
            detail: format!(
                "{} master key file{}",
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            ),
        },
        warnings,
        errors,
    })
}

/// The readiness components a vault adds, by name (for callers assembling their own report).
pub fn readiness_components(key_files: &[KeyFile]) -> BTreeMap<String, Component> {
    readiness_component(key_files)
        .map(|r| BTreeMap::from([("vault".to_owned(), r.component)]))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::FixedEntropy;
    use serde_json::json;

    fn vault(kids: &[(&str, u8)]) -> Vault {
        Vault::new(
            kids.iter()
                .map(|(k, b)| MasterKey::from_bytes(k, &[*b; 32]).unwrap())
                .collect(),
        )
        .unwrap()
    }

    fn fixed(b: u8, n: usize) -> FixedEntropy {
        FixedEntropy::new(vec![b; n])
    }

    #[test]
    fn key_file_round_trip_and_refusals() {
        let text = generate_master_key(None, &mut FixedEntropy::new((0..38).collect())).unwrap();
        assert!(text.starts_with("authcore-master-key:v1:mk-ICEiIyQl:"));
        assert_eq!(parse_master_key(&text).unwrap().kid, "mk-ICEiIyQl");
        for bad in [
            "",
            "authcore-master-key:v1:k1",
            "authcore-master-key:v1:k1:AAAA",
            "authcore-master-key:v2:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "authcore-master-key:v1:k 1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            let e = parse_master_key(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidKey);
        }
        assert!(parse_master_key("authcore-master-key:v1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n").is_ok());
        assert!(!format!("{:?}", MasterKey::parse(&text).unwrap()).contains(text.rsplit(':').next().unwrap().trim()));
    }

    #[test]
    fn seal_open_and_failures() {
        let v = vault(&[("k1", 1)]);
        let rec = json!({"provider": "github", "token": "s3cret"});
        let sealed = serde_json::to_value(v.seal(&rec, "c1", 1, &mut fixed(9, 24)).unwrap()).unwrap();
        assert!(!sealed.to_string().contains("s3cret"));
        assert_eq!(v.open(&sealed, "c1").unwrap(), rec);
        // Wrong context, tamper, other key with the same id, unknown key id, unknown version.
        assert_eq!(v.open(&sealed, "c2").unwrap_err().code(), ErrorCode::StateCorrupt);
        let mut t = sealed.clone();
        let ct = t["ct"].as_str().unwrap().to_owned();
        let flipped = if ct.starts_with('A') { "B" } else { "A" };
        t["ct"] = json!(format!("{flipped}{}", &ct[1..]));
        assert_eq!(v.open(&t, "c1").unwrap_err().code(), ErrorCode::StateCorrupt);
        assert_eq!(
            vault(&[("k1", 2)]).open(&sealed, "c1").unwrap_err().code(),
            ErrorCode::StateCorrupt
        );
        let e = vault(&[("k2", 1)]).open(&sealed, "c1").unwrap_err();
        assert_eq!((e.code(), e.field_name()), (ErrorCode::InvalidKey, Some("kid")));
        let mut t = sealed.clone();
        t["kid"] = json!("k0");
        assert_eq!(
            vault(&[("k1", 1), ("k0", 1)]).open(&t, "c1").unwrap_err().code(),
            ErrorCode::StateCorrupt
        );
        let mut t = sealed.clone();
        t["v"] = json!(2);
        assert_eq!(v.open(&t, "c1").unwrap_err().code(), ErrorCode::StateVersionUnsupported);
        assert_eq!(v.open(&json!([]), "c1").unwrap_err().code(), ErrorCode::StateCorrupt);
        assert!(v.seal(&json!("x"), "c", 1, &mut fixed(1, 24)).is_err());
        assert_eq!(
            v.seal(&rec, "c", 1, &mut fixed(1, 10)).unwrap_err().code(),
            ErrorCode::EntropyUnavailable
        );
    }

    #[test]
    fn rotation() {
        let old = vault(&[("k1", 1)]);
        let sealed = serde_json::to_value(old.seal(&json!({"a": 1}), "c", 1, &mut fixed(3, 24)).unwrap()).unwrap();
        let new = vault(&[("k2", 2), ("k1", 1)]);
        assert!(new.needs_reseal(&sealed).unwrap());
        let re = serde_json::to_value(new.reseal(&sealed, "c", 2, &mut fixed(4, 24)).unwrap()).unwrap();
        assert_eq!(re["kid"], "k2");
        assert!(!new.needs_reseal(&re).unwrap());
        assert_eq!(vault(&[("k2", 2)]).open(&re, "c").unwrap(), json!({"a": 1}));
        assert!(Vault::new(vec![]).is_err());
        assert!(Vault::new(vec![MasterKey::from_bytes("a", &[0; 32]).unwrap(); 2]).is_err());
    }

    #[test]
    fn readiness() {
        let kf = |path: &str, mode: u32, error: Option<&str>| KeyFile {
            path: path.to_owned(),
            mode,
            error: error.map(str::to_owned),
        };
        assert!(readiness_component(&[kf("/h/other.pem", 0o644, None)]).is_none());
        let r = readiness_component(&[kf("/h/master.key", 0o600, None)]).unwrap();
        assert_eq!(r.component.status, "ok");
        let r = readiness_component(&[kf("/h/master.key", 0o644, None)]).unwrap();
        assert_eq!(r.component.status, "degraded");
        assert_eq!(
            r.warnings,
            ["Master key `/h/master.key` has mode 0644 instead of 0600."]
        );
        let r = readiness_component(&[kf("/h/master.key", 0o600, Some("unreadable"))]).unwrap();
        assert_eq!(r.component.status, "unhealthy");
        assert_eq!(r.errors.len(), 1);
    }
}
