//! The `juece-log/1` test vectors in docs/log-vectors.json are what this implementation computes.
//! `docs/check_log_vectors.py` checks the same file independently, from the format description
//! alone. Regenerate (only when adding vectors; the format is frozen) with JUECE_BLESS=1.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test"
)]

use juece_core::casefile::parse_cases;
use juece_core::log::{chain_hash, header_json, hex, leaf_bytes, leaf_hash, GENESIS};
use serde_json::{json, Value};

fn vectors() -> Value {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/cases/interchange_example.json"),
    )
    .unwrap();
    let case = parse_cases(&text).unwrap().remove(0);
    let header = header_json(&case.header, "decree-713@1");
    let mut prev = GENESIS;
    let mut entries = Vec::new();
    for (seq, event) in case.events.iter().enumerate().take(3) {
        let bytes = leaf_bytes(
            &case.header.case_ref,
            seq as u64,
            event,
            (seq == 0).then_some(&header),
        );
        let leaf = leaf_hash(&bytes);
        let chain = chain_hash(&prev, &leaf);
        entries.push(json!({
            "canonical": String::from_utf8(bytes).unwrap(),
            "leaf_hash": hex(&leaf),
            "chain_hash": hex(&chain),
        }));
        prev = chain;
    }
    json!({
        "format": "juece-log/1",
        "note": "leaf_hash = SHA-256(0x00 || canonical UTF-8 bytes); chain_hash = SHA-256(0x01 || previous chain_hash || leaf_hash); the previous chain hash of the first event is 32 zero bytes",
        "events": entries,
    })
}

#[test]
fn vectors_match_the_documented_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/log-vectors.json");
    let computed = vectors();
    if std::env::var_os("JUECE_BLESS").is_some() {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&computed).unwrap() + "\n",
        )
        .unwrap();
    }
    let documented: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(computed, documented, "the frozen log format changed");
}
