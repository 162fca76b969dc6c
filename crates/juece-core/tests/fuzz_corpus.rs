//! Replays the saved fuzzing corpora (`fuzz/corpus/`) and the inputs that once failed
//! (`fuzz/regressions/`) through the same code the fuzz targets run: none may panic.
//! The coverage-guided runs themselves need `cargo fuzz` (see fuzz/README.md).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test"
)]

use std::path::{Path, PathBuf};

use juece_core::builtin;
use juece_core::casefile::{check_case, parse_cases};
use juece_core::evaluate::evaluate;
use juece_core::profile::Profile;

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut files = Vec::new();
    for dir in [
        root.join("corpus").join(target),
        root.join("regressions").join(target),
    ] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    files
}

#[test]
fn case_file_corpus_replays_without_panics() {
    let profiles = builtin::profiles().unwrap();
    let calendar = builtin::calendar().unwrap();
    let files = inputs("case_file");
    assert!(!files.is_empty(), "the corpus is missing");
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let Ok(cases) = parse_cases(text) else {
            continue;
        };
        for (i, case) in cases.iter().enumerate() {
            let Ok(profile) = profiles.resolve(&case.header.workflow) else {
                continue;
            };
            if check_case(case, profile, Some(i)).is_ok() {
                let _ = evaluate(profile, &calendar, case, "2026-12-31".parse().unwrap());
            }
        }
    }
}

#[test]
fn profile_corpus_replays_without_panics() {
    let files = inputs("profile");
    assert!(!files.is_empty(), "the corpus is missing");
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        if let Ok(p) = Profile::parse("corpus.json", text) {
            let _ = p.to_dot(juece_core::Lang::En);
        }
    }
}
