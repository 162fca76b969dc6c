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

/// The bodies of the `numbers` and `calendar` fuzz targets, the very code they run.
mod bodies {
    include!("../../../fuzz/bodies/numbers.rs");
    include!("../../../fuzz/bodies/calendar.rs");
}

#[test]
fn numbers_corpus_replays_without_panics() {
    let files = inputs("numbers");
    assert!(!files.is_empty(), "the corpus is missing");
    for path in files {
        bodies::run_numbers(&std::fs::read(&path).unwrap());
    }
}

#[test]
fn calendar_corpus_replays_without_panics() {
    let files = inputs("calendar");
    assert!(!files.is_empty(), "the corpus is missing");
    for path in files {
        bodies::run_calendar(&std::fs::read(&path).unwrap());
    }
}

/// Every object found in the case-file corpus (a few thousand events, valid and broken, and
/// whatever else the fuzzer produced), given to both event parsers: whenever the fast one
/// returns an event, it is the one the full parser returns; and it never declines an event
/// that `Event::to_json` wrote.
#[test]
fn the_fast_event_parser_agrees_with_the_full_one() {
    use juece_core::event::{parse_event_fast, parse_event_owned, Supplied};
    use serde_json::Value;

    fn objects(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Object(map) => {
                out.push(v.clone());
                map.values().for_each(|x| objects(x, out));
            }
            Value::Array(items) => items.iter().for_each(|x| objects(x, out)),
            _ => {}
        }
    }
    let supplied = [
        Supplied::default(),
        Supplied {
            actor: Some(("某人".into(), juece_core::ids::Role::Head)),
            default_at: Some("2023-04-12T11:00:00+08:00".parse().unwrap()),
            recorded_at: Some("2023-04-12T12:00:00+08:00".parse().unwrap()),
        },
    ];
    let (mut agreed, mut declined, mut written) = (0, 0, 0);
    for path in inputs("case_file") {
        let data = std::fs::read(&path).unwrap();
        let Ok(doc) = serde_json::from_slice::<Value>(&data) else {
            continue;
        };
        let mut found = Vec::new();
        objects(&doc, &mut found);
        for object in found {
            let text = object.to_string();
            for s in &supplied {
                let full = parse_event_owned(object.clone(), s);
                match parse_event_fast(&text, s) {
                    Some(fast) => {
                        assert_eq!(Ok(&fast), full.as_ref(), "{}: {text}", path.display());
                        agreed += 1;
                    }
                    None => declined += 1,
                }
                if let Ok(event) = full {
                    let again = event.to_json().to_string();
                    assert_eq!(
                        parse_event_fast(&again, &Supplied::default()).as_ref(),
                        Some(&event),
                        "{again}"
                    );
                    written += 1;
                }
            }
        }
    }
    assert!(
        agreed > 1000 && declined > 1000 && written > 1000,
        "{agreed} {declined} {written}"
    );
}
