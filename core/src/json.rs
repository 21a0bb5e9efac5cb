//! Strict JSON: rejects duplicate member names at any depth (RFC 7515 §4, RFC 7519 §4).

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode};
use crate::time::MAX_TIME;

/// A JSON value parsed with duplicate member names refused.
pub(crate) struct Strict(pub(crate) Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(v) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate member `{}`",
                    crate::util::quote_input(&key)
                )));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parses strict JSON text.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, String> {
    serde_json::from_slice::<Strict>(bytes)
        .map(|s| s.0)
        .map_err(|e| e.to_string())
}

/// Parses strict JSON text that must be an object.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    match parse(bytes)? {
        Value::Object(m) => Ok(m),
        _ => Err("not a JSON object".to_owned()),
    }
}

/// Shortens untrusted text before it goes into an error detail.
pub(crate) fn truncate(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

/// Reads typed members of a JSON object received from a server; every failure is
/// `invalid_response` naming the member.
pub(crate) struct Fields<'a>(pub(crate) &'a Map<String, Value>);

impl Fields<'_> {
    fn bad(field: &str, detail: String) -> Error {
        Error::field(ErrorCode::InvalidResponse, field, detail)
    }

    /// A non-empty string of at most 4096 bytes, or `None` when absent or null.
    pub(crate) fn string(&self, field: &str) -> Result<Option<String>, Error> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 4096 => Ok(Some(s.clone())),
            Some(_) => Err(Self::bad(field, format!("`{field}` must be a non-empty string."))),
        }
    }

    /// A required non-empty string.
    pub(crate) fn required(&self, field: &str) -> Result<String, Error> {
        self.string(field)?
            .ok_or_else(|| Self::bad(field, format!("`{field}` is missing.")))
    }

    /// A positive whole number of seconds (JSON integers, or floats without a fraction).
    pub(crate) fn seconds(&self, field: &str) -> Result<Option<i64>, Error> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_i64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            }) {
                Some(n) if (1..=MAX_TIME).contains(&n) => Ok(Some(n)),
                _ => Err(Self::bad(
                    field,
                    format!("`{field}` must be a positive number of seconds."),
                )),
            },
        }
    }
}

/// Parses a versioned state document (`{"version": n, ...}`): a different `version` gives
/// `state_version_unsupported`, anything unreadable `state_corrupt` naming what was wrong.
pub(crate) fn versioned<T: DeserializeOwned>(text: &str, version: u32, what: &str) -> Result<T, Error> {
    let corrupt = |detail: String| Error::with_detail(ErrorCode::StateCorrupt, detail);
    let value: Value =
        serde_json::from_str(text).map_err(|e| corrupt(format!("The {what} is not valid JSON: {e}.")))?;
    let found = value
        .get("version")
        .ok_or_else(|| {
            Error::field(
                ErrorCode::StateCorrupt,
                "version",
                format!("The {what} has no `version`."),
            )
        })?
        .as_u64()
        .ok_or_else(|| {
            Error::field(
                ErrorCode::StateCorrupt,
                "version",
                "`version` must be a positive integer.",
            )
        })?;
    if found != u64::from(version) {
        return Err(Error::field(
            ErrorCode::StateVersionUnsupported,
            "version",
            format!("Unsupported {what} version {found} (this build reads version {version})."),
        ));
    }
    serde_json::from_value(value).map_err(|e| corrupt(format!("The {what} is malformed: {e}.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_refused_at_any_depth() {
        assert!(parse(br#"{"a":1,"a":2}"#).is_err());
        assert!(parse(br#"{"x":{"a":1,"a":2}}"#).is_err());
        assert!(parse(br#"[{"a":1,"a":1}]"#).is_err());
        assert_eq!(parse(br#"{"a":[1,2.5,null,true,"s"]}"#).unwrap()["a"][1], 2.5);
        assert!(parse_object(b"[]").is_err());
        assert!(parse_object(b"{} x").is_err());
        let e = parse_object(b"{\"a\\r\\nSet-Cookie: x\\\"\":1,\"a\\r\\nSet-Cookie: x\\\"\":2}").unwrap_err();
        assert!(e.starts_with("duplicate member `a??Set-Cookie: x?`"), "{e}");
    }

    #[test]
    fn truncates_long_text() {
        assert_eq!(truncate("abc"), "abc");
        assert_eq!(truncate(&"x".repeat(100)).chars().count(), 41);
    }
}
