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

use serde_json::{json, Value};
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
    let mut out = Vec::new();
    write_canonical(value, &mut out);
    // Only UTF-8 went in: whole strings and ASCII punctuation.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write_canonical(v, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(v, out);
            }
            out.push(b']');
        }
        Value::String(s) => write_string(s, out),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Null => out.extend_from_slice(b"null"),
    }
}

/// A JSON string escaped exactly as serde_json escapes it — by serde_json itself: `"` `\\` and
/// the short forms of `\b \f \n \r \t`, other controls as `\u00xx`, everything else as is.
fn write_string(s: &str, out: &mut Vec<u8>) {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// The header object chained with a case's first event.
pub fn header_json(header: &CaseHeader, pinned: &str) -> Value {
    let mut h = json!({
        "ref": header.case_ref,
        "title": header.title,
        "organ": header.organ,
        "undertaking_unit": header.undertaking_unit,
        "category": header.category.as_str(),
        "workflow": pinned,
        "attributes": header.attributes,
    });
    // The catalogue link (`juece-cases/2`) is chained too, and only when present, so a
    // version-1 case keeps its exact bytes and hashes.
    if let (Some(c), Some(map)) = (&header.catalogue, h.as_object_mut()) {
        map.insert("catalogue".into(), json!(c));
    }
    h
}

/// The canonical bytes of event `seq` of a case. `header` is given for `seq` 0 only.
pub fn leaf_bytes(case_ref: &str, seq: u64, event: &Event, header: Option<&Value>) -> Vec<u8> {
    // The object `{"case", "event", "header"?, "seq"}` written directly, its keys in sorted
    // order, rather than built as a map and sorted: the same bytes (the test vectors say so).
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"{\"case\":");
    write_string(case_ref, &mut out);
    out.extend_from_slice(b",\"event\":");
    write_canonical(&event.to_json(), &mut out);
    if let Some(h) = header {
        out.extend_from_slice(b",\"header\":");
        write_canonical(h, &mut out);
    }
    out.extend_from_slice(b",\"seq\":");
    out.extend_from_slice(seq.to_string().as_bytes());
    out.push(b'}');
    out
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
            let mut out = Vec::new();
            write_string(s, &mut out);
            assert_eq!(
                out,
                Value::String(s.to_owned()).to_string().as_bytes(),
                "{s:?}"
            );
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
