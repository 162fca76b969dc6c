//! Profile loading: the shipped profiles are valid, and every file under
//! `tests/data/workflows/invalid/` is refused with the messages in its `.expected` file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::path::PathBuf;

use juece_core::builtin;
use juece_core::ids::Step;
use juece_core::profile::Profile;

fn data(dir: &str) -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/workflows")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn shipped_profiles_load() {
    let profiles = builtin::profiles().unwrap();
    let strict = profiles.resolve("local-strict@1").unwrap();
    assert_eq!(
        strict.parameters().publication_deadline_working_days,
        Some(20)
    );
    assert!(strict.precedes(Step::LegalityReview, Step::CollectiveDecision));
    assert!(strict.precedes(Step::PublicParticipation, Step::Archiving));
    assert!(!strict.precedes(Step::Archiving, Step::PublicParticipation));
    let decree = profiles.resolve("decree-713").unwrap();
    assert_eq!(decree.pinned(), "decree-713@1");
    assert_eq!(decree.parameters().quorum, None);
}

#[test]
fn valid_fixtures_load() {
    for path in data("valid") {
        let text = std::fs::read_to_string(&path).unwrap();
        Profile::parse(&path.display().to_string(), &text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

#[test]
fn invalid_fixtures_are_refused_with_precise_messages() {
    let files = data("invalid");
    assert!(files.len() >= 10);
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let err = Profile::parse(&name, &text).expect_err(&name).to_string();
        assert!(
            err.starts_with(&format!("workflow `{name}` is refused: ")),
            "{err}"
        );
        let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
        for line in expected.lines().filter(|l| !l.is_empty()) {
            assert!(err.contains(line), "{name}: expected `{line}` in:\n{err}");
        }
    }
}

#[test]
fn every_problem_is_listed_not_just_the_first() {
    let mut file: serde_json::Value = serde_json::from_str(builtin::DECREE_713).unwrap();
    file["parameters"]["min_comment_days"] = 10.into();
    file["parameters"]["min_review_working_days"] = 3.into();
    let err = Profile::parse("two.json", &file.to_string()).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(err.to_string().contains("2 problems"));
}
