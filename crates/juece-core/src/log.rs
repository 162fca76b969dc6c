//! The tamper-evident log format `juece-log/1`: the canonical bytes of a stored event, its leaf
//! hash and the chain hash that links it to every event before it.
//!
//! FROZEN FORMAT (docs/log-format.md has the definition and test vectors). Changing anything here
//! breaks every existing chain: add `juece-log/2` instead.
//!
//! - canonical bytes: UTF-8 JSON with object keys sorted by byte order, no insignificant
//!   whitespace, strings escaped as serde_json escapes them (`\"`, `\\`, `\b\f\n\r\t`, other
//!   controls as `\u00xx`, everything else raw UTF-8), integers only, of the object
//!   `{"case": REF, "event": EVENT, "seq": N}` — and, for the first event of a case (`seq` 0),
//!   also `"header": HEADER` with the case's identity and attributes, so that they are chained too.
//! - leaf hash: SHA-256(0x00 ‖ canonical bytes)
//! - chain hash: SHA-256(0x01 ‖ previous chain hash ‖ leaf hash), the previous chain hash of the
//!   first event being 32 zero bytes. The order is the global order of appends.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::event::{CaseHeader, Event};

/// The log format version.
pub const LOG_FORMAT: &str = "juece-log/1";

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The chain hash before the first event.
pub const GENESIS: Hash = [0u8; 32];

/// Writes `value` in the canonical form: sorted keys, no whitespace.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Null => out.push_str("null"),
    }
}

/// A JSON string escaped exactly as serde_json escapes it: `"` `\\` and the short forms of
/// `\b \f \n \r \t`, other controls as `\u00xx`, everything else as is.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// The header object chained with a case's first event.
pub fn header_json(header: &CaseHeader, pinned: &str) -> Value {
    json!({
        "ref": header.case_ref,
        "title": header.title,
        "organ": header.organ,
        "undertaking_unit": header.undertaking_unit,
        "category": header.category.as_str(),
        "workflow": pinned,
        "attributes": header.attributes,
    })
}

/// The canonical bytes of event `seq` of a case. `header` is given for `seq` 0 only.
pub fn leaf_bytes(case_ref: &str, seq: u64, event: &Event, header: Option<&Value>) -> Vec<u8> {
    let mut map = Map::new();
    map.insert("case".into(), Value::from(case_ref));
    map.insert("event".into(), event.to_json());
    map.insert("seq".into(), Value::from(seq));
    if let Some(h) = header {
        map.insert("header".into(), h.clone());
    }
    canonical_json(&Value::Object(map)).into_bytes()
}

/// SHA-256(0x00 ‖ canonical bytes).
pub fn leaf_hash(canonical: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(canonical);
    h.finalize().into()
}

/// SHA-256(0x01 ‖ previous ‖ leaf).
pub fn chain_hash(previous: &Hash, leaf: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(previous);
    h.update(leaf);
    h.finalize().into()
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hexadecimal characters into a hash.
pub fn parse_hash(s: &str) -> Option<Hash> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_keys_and_drops_whitespace() {
        let v: Value =
            serde_json::from_str(r#"{ "b": [1, {"z": null, "a": "é\n"}], "a": true }"#).unwrap();
        assert_eq!(
            canonical_json(&v),
            r#"{"a":true,"b":[1,{"a":"é\n","z":null}]}"#
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in [
            "plain",
            "引号\"与\\反斜杠",
            "\u{0}\u{1f}\u{8}\u{c}\n\r\t",
            "\u{7f}\u{2028}/é",
        ] {
            let mut out = String::new();
            write_string(s, &mut out);
            assert_eq!(out, Value::String(s.to_owned()).to_string(), "{s:?}");
        }
    }

    #[test]
    fn hashes_have_domain_separation() {
        let leaf = leaf_hash(b"");
        assert_eq!(
            hex(&leaf),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let chained = chain_hash(&GENESIS, &leaf);
        assert_ne!(chained, leaf);
        assert_eq!(parse_hash(&hex(&chained)), Some(chained));
        assert_eq!(parse_hash("zz"), None);
    }
}
