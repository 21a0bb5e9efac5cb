//! The `vault.*` operations: sealed records, master key files, rotation.

use authcore::vault::{generate_master_key, master_key_from_bytes, parse_master_key, Vault};
use serde_json::{json, Value};

use crate::{arg, entropy, opt, out, OpResult};

/// Unpadded base64url → bytes (the op table's `b64url_bytes` conversion).
fn b64url(text: &str) -> Result<Vec<u8>, String> {
    let mut bits = 0u32;
    let mut n = 0;
    let mut bytes = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err("`key` must be unpadded base64url".into()),
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            bytes.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Ok(bytes)
}

pub(crate) fn dispatch(vault: &mut Option<Vault>, op: &str, input: &Value) -> OpResult {
    Ok(match op {
        "vault.new" => Vault::from_key_files(&arg::<Vec<String>>(input, "keys")?).map(|v| {
            *vault = Some(v);
            json!({})
        }),
        "vault.generate_master_key" => {
            let kid: Option<String> = opt(input, "kid")?;
            generate_master_key(kid.as_deref(), &mut entropy(input)?).map(|t| json!({"text": t}))
        }
        "vault.parse_master_key" => parse_master_key(&arg::<String>(input, "text")?).map(|i| out(&i)),
        "vault.master_key_from_bytes" => {
            master_key_from_bytes(&arg::<String>(input, "kid")?, &b64url(&arg::<String>(input, "key")?)?)
                .map(|t| json!({"text": t}))
        }
        _ => {
            let v = vault.as_ref().ok_or("no vault: call vault.new first")?;
            let context = || arg::<String>(input, "context");
            let sealed = || arg::<Value>(input, "sealed");
            match op {
                "vault.kids" => Ok(json!({"current_kid": v.current_kid(), "kids": v.kids()})),
                "vault.seal" => v
                    .seal(
                        &arg::<Value>(input, "record")?,
                        &context()?,
                        arg(input, "now")?,
                        &mut entropy(input)?,
                    )
                    .map(|s| out(&s)),
                "vault.open" => v.open(&sealed()?, &context()?),
                "vault.reseal" => v
                    .reseal(&sealed()?, &context()?, arg(input, "now")?, &mut entropy(input)?)
                    .map(|s| out(&s)),
                "vault.needs_reseal" => v.needs_reseal(&sealed()?).map(|b| json!({"needs_reseal": b})),
                "vault.inspect" => v.inspect(&sealed()?).map(|i| out(&i)),
                _ => return Err(format!("unknown op `{op}`")),
            }
        }
    })
}
