//! JSON read strictly: an object that names the same key twice is refused, naming the key.
//!
//! serde_json keeps the last of repeated keys (`"technical":true,"technical":false` reads as
//! `false`), so a document could say one thing to a human reader or another tool and another to
//! juece. Every document juece reads from outside (case files, event files, profiles,
//! calendars, request lines, checkpoints) goes through [`StrictValue`], which builds the same
//! `serde_json::Value` in one pass and refuses a repeated key.

use std::cell::Cell;
use std::fmt;

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Number, Value};

/// A JSON value read with every object's keys checked to be unique.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StrictValue, D::Error> {
        d.deserialize_any(StrictVisitor { read_to: None })
            .map(StrictValue)
    }
}

/// [`StrictValue`] read from a slice, noting in `read_to` the address just past the last
/// string it borrowed from the input: a point the parser has certainly passed, and never goes
/// back to. A large input's caller can give up what lies before it (`juece import` gives the
/// pages of a mapped file back), at no cost to the parse.
pub struct TrackedStrictValue<'t> {
    pub read_to: &'t Cell<usize>,
}

impl<'de> DeserializeSeed<'de> for TrackedStrictValue<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor {
            read_to: Some(self.read_to),
        })
    }
}

/// One visitor for both: `read_to` is `None` when nobody asks how far the parse is.
#[derive(Clone, Copy)]
struct StrictVisitor<'t> {
    read_to: Option<&'t Cell<usize>>,
}

impl<'de> DeserializeSeed<'de> for StrictVisitor<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Value, E> {
        // serde_json lends a string without escapes straight from the input slice.
        if let Some(read_to) = self.read_to {
            read_to.set(v.as_ptr() as usize + v.len());
        }
        Ok(Value::String(v.to_owned()))
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
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // One lookup per key: the entry is kept while its value is read.
            match out.entry(key) {
                serde_json::map::Entry::Occupied(e) => {
                    return Err(A::Error::custom(format!(
                        "duplicate key `{}` in one object: a key may appear once (which value was meant?)",
                        crate::json::clip(e.key(), 64)
                    )));
                }
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(map.next_value_seed(self)?);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

/// Parses `text` as JSON, refusing repeated keys.
pub fn from_str(text: &str) -> serde_json::Result<Value> {
    serde_json::from_str::<StrictValue>(text).map(|v| v.0)
}

/// Parses `bytes` as JSON, refusing repeated keys.
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    serde_json::from_slice::<StrictValue>(bytes).map(|v| v.0)
}

/// `s` cut to at most `max` characters, with `…` when cut: for echoing input in messages.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((at, _)) => format!("{}…", s.get(..at).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_is_refused_by_name_at_any_depth() {
        let e = from_str(r#"{"a":{"technical":true,"technical":false}}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("duplicate key `technical`"), "{e}");
        // Near miss: the same key in two objects is fine, and the value is what serde_json gives.
        let v = from_str(r#"{"a":{"technical":true},"b":[{"technical":false}],"n":1.5}"#);
        assert_eq!(
            v.ok(),
            serde_json::from_str::<Value>(
                r#"{"a":{"technical":true},"b":[{"technical":false}],"n":1.5}"#
            )
            .ok()
        );
    }

    #[test]
    fn clip_cuts_on_characters() {
        assert_eq!(clip("重大决策", 2), "重大…");
        assert_eq!(clip("ab", 2), "ab");
    }
}
