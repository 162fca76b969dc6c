//! The live check: a proposed event against a history, with the audit's evaluator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use juece_core::builtin;
use juece_core::casefile::parse_cases;
use juece_core::check::{check_event, CheckOutcome};
use juece_core::event::{parse_event, Case, Supplied};
use serde_json::{json, Value};

fn example() -> Case {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/data/cases/interchange_example.json"),
    )
    .unwrap();
    parse_cases(&text).unwrap().pop().unwrap()
}

fn event(v: Value) -> juece_core::event::Event {
    parse_event(&v, &Supplied::default()).unwrap()
}

/// Checks event `index` of `case` against the events before it.
fn check_nth(case: &Case, index: usize) -> CheckOutcome {
    let mut history = case.clone();
    let proposed = history.events.split_off(index).remove(0);
    check(&history, &proposed)
}

fn check(history: &Case, proposed: &juece_core::event::Event) -> CheckOutcome {
    let profiles = builtin::profiles().unwrap();
    let calendar = builtin::calendar().unwrap();
    let profile = profiles.resolve(&history.header.workflow).unwrap();
    check_event(profile, &calendar, history, proposed, proposed.date()).unwrap()
}

fn unmet_codes(o: &CheckOutcome) -> Vec<&str> {
    o.unmet.iter().map(|u| u.code.as_str()).collect()
}

#[test]
fn every_event_of_a_clean_history_passes_its_check() {
    let case = example();
    for i in 1..case.events.len() {
        let o = check_nth(&case, i);
        assert!(!o.refused(), "event {i}: {:?}", o.unmet);
        assert!(o.new_findings.is_empty(), "event {i}: {:?}", o.new_findings);
    }
}

#[test]
fn submission_is_refused_while_the_comment_period_is_short() {
    let mut case = example();
    case.events.truncate(5);
    case.events[2] = event(
        json!({ "type": "public_participation", "at": "2023-03-20T17:00:00+08:00",
        "actor": "李强", "role": "undertaking_unit", "methods": ["public_comment"],
        "comment_period": { "start": "2023-02-15", "end": "2023-03-06" } }),
    );
    let submit = event(
        json!({ "type": "legality_review_submitted", "at": "2023-03-27T09:00:00+08:00",
        "actor": "李强", "role": "undertaking_unit", "draft": "v1" }),
    );
    let o = check(&case, &submit);
    assert!(o.refused());
    assert_eq!(unmet_codes(&o), ["SHORT_COMMENT_PERIOD"]);
    let u = &o.unmet[0];
    assert_eq!(u.article, "第十五条");
    assert!(
        u.message_zh.contains("公开征求意见期限 20 日"),
        "{}",
        u.message_zh
    );
    assert_eq!(u.fix_zh, "重新征求意见不少于 30 日，或如实记录缩短理由");

    // Recording the shortening reason (a corrected evidence event) is accepted, with an info.
    let corrected = event(
        json!({ "type": "public_participation", "at": "2023-03-26T17:00:00+08:00",
        "actor": "李强", "role": "undertaking_unit", "methods": ["public_comment"],
        "comment_period": { "start": "2023-02-15", "end": "2023-03-06" },
        "shortened_reason": "汛期前必须开工，经县政府同意缩短" }),
    );
    let o = check(&case, &corrected);
    assert!(!o.gate && !o.refused());
    assert_eq!(o.new_findings[0].code.as_str(), "SHORTENED_COMMENT_PERIOD");
    case.events.push(corrected);
    assert!(!check(&case, &submit).refused());
}

#[test]
fn evidence_is_recorded_with_warnings_never_refused() {
    let mut case = example();
    case.events.truncate(3);
    let review = event(
        json!({ "type": "expert_review", "at": "2023-03-22T17:00:00+08:00", "actor": "李强",
        "role": "undertaking_unit", "experts": [{ "name": "赵工", "signed": false, "conflict_of_interest": true }] }),
    );
    let o = check(&case, &review);
    assert!(!o.gate && !o.refused());
    let codes: Vec<&str> = o.new_findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "CONFLICTED_EXPERT",
            "EXPERT_QUORUM",
            "UNSIGNED_EXPERT_OPINION"
        ]
    );
}

#[test]
fn submission_lists_every_missing_step() {
    let mut case = example();
    case.events.truncate(2); // opened, draft
    let submit = event(
        json!({ "type": "legality_review_submitted", "at": "2023-03-27T09:00:00+08:00",
        "actor": "李强", "role": "undertaking_unit", "draft": "v1" }),
    );
    let o = check(&case, &submit);
    assert_eq!(
        unmet_codes(&o),
        ["SKIPPED_STEP", "SKIPPED_STEP", "SKIPPED_STEP"]
    );
    let steps: Vec<&str> = o.unmet.iter().map(|u| u.step.unwrap().as_str()).collect();
    assert_eq!(
        steps,
        ["public_participation", "expert_review", "risk_assessment"]
    );
}

#[test]
fn the_lawyer_cannot_sign_before_submission() {
    let case = example();
    let mut history = case.clone();
    history.events.truncate(5);
    let o = check(&history, &case.events[6]);
    assert_eq!(unmet_codes(&o), ["NOT_SUBMITTED"]);
}

#[test]
fn deciding_on_a_stale_review_is_refused() {
    let case = example();
    let mut history = case.clone();
    history.events.truncate(7);
    history.events.push(event(
        json!({ "type": "draft", "at": "2023-04-10T10:00:00+08:00", "actor": "李强",
        "role": "undertaking_unit", "version": "v2", "sha256": "b".repeat(64) }),
    ));
    let o = check(&history, &case.events[7]);
    assert_eq!(unmet_codes(&o), ["STALE_LEGALITY_REVIEW"]);
}

#[test]
fn a_meeting_five_working_days_after_submission_across_a_holiday_is_refused() {
    // Submitted Tuesday 2023-09-26; meeting Monday 2023-10-09: 9-27, 9-28, 10-07, 10-08 (调休) = 4.
    let case = example();
    let mut history = case.clone();
    history.events.truncate(5);
    let shift = |v: Value, at: &str| {
        let mut v = v;
        v["at"] = json!(at);
        v
    };
    let submit = case.events[5].to_json();
    let sign = case.events[6].to_json();
    history
        .events
        .push(event(shift(submit, "2023-09-26T09:00:00+08:00")));
    history
        .events
        .push(event(shift(sign, "2023-09-28T09:00:00+08:00")));
    let mut meeting = case.events[7].to_json();
    meeting["at"] = json!("2023-10-09T11:00:00+08:00");
    meeting["meeting"]["date"] = json!("2023-10-09");
    let o = check(&history, &event(meeting));
    assert_eq!(unmet_codes(&o), ["SHORT_REVIEW_WINDOW"]);
    assert!(
        o.unmet[0].message_en.contains("only 4 working days"),
        "{}",
        o.unmet[0].message_en
    );
    assert_eq!(o.unmet[0].article, "第二十六条");
}

/// procedure.md v2, §6: the party report (Art. 31, 出台前) may be made any time after opening
/// and before publication: before the meeting, or after a deferral, it is not refused.
#[test]
fn party_report_may_come_any_time_before_publication() {
    let case = example();
    let mut history = case.clone();
    history.events.truncate(8);
    let mut decision = case.events[7].to_json();
    decision["majority"] = json!("defer");
    decision["head_decision"] = json!("defer");
    history.events[7] = event(decision);
    let o = check(&history, &case.events[8]);
    assert!(unmet_codes(&o).is_empty(), "{:?}", unmet_codes(&o));
    // Before the meeting too.
    history.events.truncate(5);
    let early = event(
        json!({ "type": "party_report", "at": "2023-03-26T09:00:00+08:00", "actor": "王敏", "role": "legal_office" }),
    );
    assert!(!check(&history, &early).refused());
    // Publication still needs the approval and the report.
    let mut decided = case.clone();
    decided.events.truncate(8);
    let o = check(&decided, &case.events[9]);
    assert_eq!(unmet_codes(&o), ["NO_PARTY_REPORT"]);
}

#[test]
fn evidence_after_the_submission_is_flagged_ahead_of_the_meeting() {
    let case = example();
    let mut history = case.clone();
    history.events.truncate(6); // … submitted on 2023-03-27, not yet signed
    let late = event(
        json!({ "type": "risk_assessment", "at": "2023-03-28T10:00:00+08:00", "actor": "李强",
        "role": "undertaking_unit", "level": "low", "controllable": true }),
    );
    let o = check(&history, &late);
    assert!(!o.refused());
    assert_eq!(o.advisories.len(), 1);
    assert_eq!(o.advisories[0].code.as_str(), "OUT_OF_ORDER");
    assert!(
        o.advisories[0].message_en.contains("2023-03-27"),
        "{}",
        o.advisories[0].message_en
    );
    // Before any submission, or after the meeting, there is nothing ahead.
    history.events.truncate(5);
    assert!(check(&history, &late).advisories.is_empty());
    let mut decided = case.clone();
    decided.events.truncate(8); // … through the meeting of 2023-04-12
    let after_meeting = event(
        json!({ "type": "risk_assessment", "at": "2023-04-13T10:00:00+08:00", "actor": "李强",
        "role": "undertaking_unit", "level": "low", "controllable": true }),
    );
    assert!(check(&decided, &after_meeting).advisories.is_empty());
}
