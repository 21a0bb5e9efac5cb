//! Strict JSON: rejects duplicate member names at any depth (RFC 7515 §4, RFC 7519 §4).
//! Typed decoding whose errors name the member and the expected type, never the value.

use std::borrow::Cow;

use serde::de::{self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, ShapeError};
use crate::time::MAX_TIME;
use crate::util::quote_input;

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
            match out.entry(key) {
                serde_json::map::Entry::Vacant(slot) => {
                    slot.insert(v);
                }
                serde_json::map::Entry::Occupied(slot) => {
                    return Err(de::Error::custom(format!(
                        "duplicate member `{}`",
                        quote_input(slot.key())
                    )));
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Parses strict JSON text.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, String> {
    // Valid UTF-8 is checked once for the whole text, so that the parser need not check each
    // string again; text that is not UTF-8 goes to the byte parser for its exact error.
    match core::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<Strict>(text),
        Err(_) => serde_json::from_slice::<Strict>(bytes),
    }
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

/// Parses strict JSON text that must be an object and returns the values of the members
/// named in `names` (in that order), without building a map: the same answer and the same
/// errors as [`parse_object`] (every member is parsed, duplicate names refused at any depth),
/// and the other members are dropped.
pub(crate) fn parse_object_picking<const N: usize>(
    bytes: &[u8],
    names: &[&str; N],
) -> Result<[Option<Value>; N], String> {
    fn pick<'de, R: serde_json::de::Read<'de>, const N: usize>(
        mut de: serde_json::Deserializer<R>,
        names: &[&str; N],
    ) -> Result<[Option<Value>; N], String> {
        let picked = Picking(names).deserialize(&mut de).map_err(|e| e.to_string())?;
        de.end().map_err(|e| e.to_string())?;
        picked.ok_or_else(|| "not a JSON object".to_owned())
    }
    // As in [`parse`]: UTF-8 checked once, the byte parser only for its error.
    match core::str::from_utf8(bytes) {
        Ok(text) => pick(serde_json::Deserializer::from_str(text), names),
        Err(_) => pick(serde_json::Deserializer::from_slice(bytes), names),
    }
}

/// A member name, borrowed from the input unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor).map(Key)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// [`parse_object_picking`]'s visitor: `None` for a strict JSON value that is not an object.
struct Picking<'n, const N: usize>(&'n [&'n str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for Picking<'_, N> {
    type Value = Option<[Option<Value>; N]>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Picking<'_, N> {
    type Value = Option<[Option<Value>; N]>;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        StrictVisitor.visit_seq(seq).map(|_| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut picked: [Option<Value>; N] = std::array::from_fn(|_| None);
        // Names not picked; a picked name is a duplicate when its slot is already taken.
        let mut others: Vec<Cow<'de, str>> = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            let Strict(v) = map.next_value()?;
            match self.0.iter().position(|n| *n == key).and_then(|i| picked.get_mut(i)) {
                Some(slot) if slot.is_none() => {
                    *slot = Some(v);
                }
                None if !others.contains(&key) => {
                    others.push(key);
                }
                _ => return Err(de::Error::custom(format!("duplicate member `{}`", quote_input(&key)))),
            }
        }
        Ok(Some(picked))
    }
}

/// Sanitises and shortens untrusted text before it goes into an error detail (see
/// [`quote_input`]). Never call it on a value that may be a secret: name the field instead.
pub(crate) fn truncate(s: &str) -> String {
    quote_input(s)
}

/// Decodes `value` into `T`; on failure says where and what, never the value itself (serde's
/// own messages quote it: `invalid type: string "hunter2", expected u64`).
pub(crate) fn decode<T: DeserializeOwned>(value: Value) -> Result<T, ShapeError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let (detail, wrong_type) = describe(&e.inner().to_string());
        ShapeError {
            path: path_text(e.path()),
            detail,
            wrong_type,
        }
    })
}

fn path_text(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&quote_input(key));
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}

/// A value-free rewording of a serde error message, and whether it was a type error.
fn describe(msg: &str) -> (String, bool) {
    let expected = |rest: &str| rest.split_once(", expected ").map(|(_, e)| e.to_owned());
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        // `rest` is "<kind> <value>, expected <what>"; only the kind is kept.
        let found = match rest.split([' ', ',']).next().unwrap_or_default() {
            "boolean" => "a boolean",
            "integer" => "an integer",
            "floating" => "a number",
            "string" => "a string",
            "unit" | "null" => "null",
            "sequence" => "a list",
            "map" => "an object",
            _ => "another type",
        };
        let what = expected(rest).unwrap_or_else(|| "another type".to_owned());
        return (format!("expected {what}, found {found}"), true);
    }
    if msg.starts_with("invalid value: ") || msg.starts_with("invalid length ") {
        return (
            expected(msg).map_or_else(
                || "invalid value".to_owned(),
                |e| format!("invalid value, expected {e}"),
            ),
            false,
        );
    }
    if msg.starts_with("unknown variant ") {
        return (
            expected(msg).map_or_else(
                || "unknown variant".to_owned(),
                |e| format!("unknown variant, expected {e}"),
            ),
            false,
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        // A member name, not a value; quoted safely.
        let (name, tail) = rest.split_once("`, expected ").map_or_else(
            || {
                (
                    rest.trim_end_matches(['`', ','])
                        .trim_end_matches("`, there are no fields"),
                    None,
                )
            },
            |(n, e)| (n, Some(e)),
        );
        let name = quote_input(name);
        return (
            tail.map_or_else(
                || format!("unknown field `{name}`"),
                |e| format!("unknown field `{name}`, expected {e}"),
            ),
            false,
        );
    }
    // Names of the type's own fields, not input.
    if msg.starts_with("missing field `") || msg.starts_with("duplicate field `") {
        return (msg.to_owned(), false);
    }
    ("invalid value".to_owned(), false)
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
        self.string(field)?.ok_or_else(|| self.missing(field))
    }

    /// The error for a required member that is absent.
    pub(crate) fn missing(&self, field: &str) -> Error {
        Self::bad(field, format!("`{field}` is missing."))
    }

    /// A positive whole number of seconds: a JSON integer, a float without a fraction, or a
    /// string of 1 to 15 ASCII digits (`"3599"`: Azure AD v1 and ADFS send `expires_in` so,
    /// and oauthlib and authlib accept it).
    pub(crate) fn seconds(&self, field: &str) -> Result<Option<i64>, Error> {
        match self.seconds_or_zero(field)? {
            Some(0) => Err(Self::bad(
                field,
                format!("`{field}` must be a positive number of seconds."),
            )),
            n => Ok(n),
        }
    }

    /// As [`Fields::seconds`], but `0` is accepted.
    pub(crate) fn seconds_or_zero(&self, field: &str) -> Result<Option<i64>, Error> {
        let n = match self.0.get(field) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) if (1..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse::<i64>().ok()
            }
            Some(v) => v.as_i64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            }),
        };
        match n {
            Some(n) if (0..=MAX_TIME).contains(&n) => Ok(Some(n)),
            _ => Err(Self::bad(
                field,
                format!("`{field}` must be a positive number of seconds."),
            )),
        }
    }
}

/// Parses a versioned state document (`{"version": n, ...}`): a different `version` gives
/// `state_version_unsupported`, anything unreadable `state_corrupt` naming the member at
/// fault (never its value: stored state holds secrets).
pub(crate) fn versioned<T: DeserializeOwned>(text: &str, version: u32, what: &str) -> Result<T, Error> {
    let corrupt = |detail: String| Error::with_detail(ErrorCode::StateCorrupt, detail);
    let value: Value =
        serde_json::from_str(text).map_err(|e| corrupt(format!("The {what} is not valid JSON: {e}.")))?;
    check_version(&value, version, what)?;
    decode(value).map_err(|shape| {
        if shape.path.is_empty() {
            corrupt(format!("The {what} is malformed: {}.", shape.detail))
        } else {
            Error::field(
                ErrorCode::StateCorrupt,
                shape.path.clone(),
                format!("The {what} is malformed at `{}`: {}.", shape.path, shape.detail),
            )
        }
    })
}

/// Checks a document's `version` member: missing or not a positive integer is
/// `state_corrupt`, another number `state_version_unsupported`, both naming `version`.
fn check_version(value: &Value, version: u32, what: &str) -> Result<(), Error> {
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
    Ok(())
}

/// The format version of every state-machine snapshot (`RequestDriver::snapshot`,
/// `DeviceClient::snapshot`).
pub const SNAPSHOT_VERSION: u32 = 1;

/// Reads a state-machine snapshot (`{"version": 1, ...}`) of a machine called `what`: a value
/// that is not an object, or has a `version` that is missing or not an integer, is
/// `state_corrupt`; another version is `state_version_unsupported` naming `version`; a value
/// of the wrong shape is `state_corrupt` naming `snapshot`. Error text never quotes the value
/// (snapshots hold secrets).
pub(crate) fn snapshot<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T, Error> {
    if !value.is_object() {
        return Err(Error::field(
            ErrorCode::StateCorrupt,
            "snapshot",
            format!("The {what} snapshot must be a JSON object."),
        ));
    }
    check_version(value, SNAPSHOT_VERSION, &format!("{what} snapshot"))?;
    // Serde's message can quote member values (secrets): it stays out of the error.
    T::deserialize(value).map_err(|_| {
        Error::field(
            ErrorCode::StateCorrupt,
            "snapshot",
            format!("The {what} snapshot is malformed (a member is unknown, missing or of the wrong type)."),
        )
    })
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
        assert_eq!(truncate(&"x".repeat(100)).chars().count(), 67);
        assert_eq!(truncate("a\r\nb"), "a??b");
        let e = parse(br#"{"a\r\nb":1,"a\r\nb":2}"#).unwrap_err();
        assert!(e.starts_with("duplicate member `a??b`"), "{e}");
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        n: u64,
        list: Vec<Inner>,
        kind: Option<Kind>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        s: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    enum Kind {
        A,
        B,
    }

    fn shape(v: Value) -> ShapeError {
        decode::<Doc>(v).unwrap_err()
    }

    #[test]
    fn shapes_name_the_member_never_the_value() {
        let secret = "eyJhbGciOiJIUzI1NiJ9.hunter2";
        let cases = [
            (
                serde_json::json!({"n": secret, "list": []}),
                "n",
                "expected u64, found a string",
                true,
            ),
            (
                serde_json::json!({"n": 1, "list": [{"s": 8_675_309}]}),
                "list[0].s",
                "expected a string, found an integer",
                true,
            ),
            (
                serde_json::json!({"n": 1, "list": [], "kind": secret}),
                "kind",
                "unknown variant, expected `A` or `B`",
                false,
            ),
            (
                serde_json::json!({"n": -1, "list": []}),
                "n",
                "invalid value, expected u64",
                false,
            ),
            (
                serde_json::json!({"n": 1, "list": [{"s": "x", "t\r\n": secret}]}),
                "list[0].t??",
                "unknown field `t??`, expected `s`",
                false,
            ),
            (serde_json::json!({"list": []}), "", "missing field `n`", false),
            (
                serde_json::json!(secret),
                "",
                "expected struct Doc, found a string",
                true,
            ),
        ];
        for (value, path, detail, wrong_type) in cases {
            let got = shape(value);
            assert_eq!(
                got,
                ShapeError {
                    path: path.into(),
                    detail: detail.into(),
                    wrong_type
                }
            );
            assert!(!got.detail.contains("hunter2") && !got.detail.contains("8675309"));
        }
    }

    #[test]
    fn stored_state_errors_name_the_member() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Rec {
            version: u32,
            token: String,
        }
        let e = versioned::<Rec>(r#"{"version":1,"token":12345678901234}"#, 1, "record").unwrap_err();
        assert_eq!(e.code(), ErrorCode::StateCorrupt);
        assert_eq!(e.field_name(), Some("token"));
        assert_eq!(
            e.detail(),
            "The record is malformed at `token`: expected a string, found an integer."
        );
        let e = versioned::<Rec>(r#"{"version":1}"#, 1, "record").unwrap_err();
        assert_eq!(
            (e.field_name(), e.detail()),
            (None, "The record is malformed: missing field `token`.")
        );
    }
}
