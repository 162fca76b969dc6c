//! Every finding code of procedure.md: a history that triggers it and a near miss that does not.
//!
//! The histories start from the example case of interchange.md (clean under `decree-713`) and
//! change one thing. Test names carry the code, so docs/rules.md can point at them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use juece_core::builtin;
use juece_core::calendar::Calendar;
use juece_core::casefile::{check_case, parse_cases};
use juece_core::evaluate::{evaluate, Evaluation};
use juece_core::event::Case;
use juece_core::ids::Status;
use juece_core::registry::Profiles;
use serde_json::{json, Value};

struct World {
    profiles: Profiles,
    calendar: Calendar,
}

fn world() -> World {
    World {
        profiles: builtin::profiles().unwrap(),
        calendar: builtin::calendar().unwrap(),
    }
}

/// The example case of interchange.md.
fn base() -> Value {
    json!({
      "ref": "XX县政府〔2023〕重大决策3号",
      "title": "县城老旧小区改造三年行动方案",
      "organ": "XX县人民政府",
      "undertaking_unit": "县住房和城乡建设局",
      "category": "public_construction",
      "workflow": "decree-713",
      "attributes": { "technical": true, "stability_risk": true, "hearing_required": false,
                      "confidential": false, "market_entities": false },
      "events": [
        { "type": "opened", "at": "2023-02-01T09:00:00+08:00", "actor": "王敏", "role": "legal_office" },
        { "type": "draft", "at": "2023-02-10T10:00:00+08:00", "actor": "李强", "role": "undertaking_unit",
          "version": "v1", "sha256": "a".repeat(64) },
        { "type": "public_participation", "at": "2023-03-20T17:00:00+08:00", "actor": "李强",
          "role": "undertaking_unit", "methods": ["public_comment", "symposium"],
          "comment_period": { "start": "2023-02-15", "end": "2023-03-16" },
          "shortened_reason": null, "hearing": null, "opinions_received": 46, "opinions_adopted": 12 },
        { "type": "expert_review", "at": "2023-03-22T17:00:00+08:00", "actor": "李强", "role": "undertaking_unit",
          "experts": [ { "name": "赵工", "signed": true, "conflict_of_interest": false },
                       { "name": "钱教授", "signed": true, "conflict_of_interest": false },
                       { "name": "孙研究员", "signed": true, "conflict_of_interest": false } ] },
        { "type": "risk_assessment", "at": "2023-03-25T17:00:00+08:00", "actor": "李强", "role": "undertaking_unit",
          "level": "medium", "controllable": true, "measures": "分期实施，设立投诉专线" },
        { "type": "legality_review_submitted", "at": "2023-03-27T09:00:00+08:00", "actor": "李强",
          "role": "undertaking_unit", "draft": "v1" },
        { "type": "legality_review_signed", "at": "2023-04-04T16:00:00+08:00", "actor": "陈律师",
          "role": "public_lawyer", "draft": "v1", "conclusion": "lawful", "opinion": "..." },
        { "type": "collective_decision", "at": "2023-04-12T11:00:00+08:00", "actor": "周秘书", "role": "secretary",
          "meeting": { "kind": "executive", "date": "2023-04-12", "members_total": 9, "members_present": 8 },
          "majority": "approve", "head_decision": "approve", "reason": null, "dissent_recorded": true },
        { "type": "party_report", "at": "2023-04-14T09:00:00+08:00", "actor": "王敏", "role": "legal_office" },
        { "type": "published", "at": "2023-04-20T09:00:00+08:00", "actor": "王敏", "role": "legal_office",
          "channel": "政府网站" },
        { "type": "archived", "at": "2023-05-10T09:00:00+08:00", "actor": "王敏", "role": "legal_office" }
      ]
    })
}

// Event indices in `base()`.
const PP: usize = 2;
const ER: usize = 3;
const RA: usize = 4;
const SUBMIT: usize = 5;
const SIGN: usize = 6;
const DECIDE: usize = 7;
const PARTY: usize = 8;
const PUBLISH: usize = 9;
const ARCHIVE: usize = 10;

fn events(case: &mut Value) -> &mut Vec<Value> {
    case["events"].as_array_mut().unwrap()
}

fn parse(case: &Value) -> Case {
    let doc = json!({ "format": "juece-cases/1", "cases": [case] });
    let mut cases = parse_cases(&doc.to_string()).unwrap();
    cases.pop().unwrap()
}

fn eval_at(case: &Value, as_of: &str) -> Evaluation {
    let w = world();
    let case = parse(case);
    let profile = w.profiles.resolve(&case.header.workflow).unwrap();
    check_case(&case, profile, None).unwrap();
    evaluate(profile, &w.calendar, &case, as_of.parse().unwrap())
        .expect("case opened before the as-of date")
}

fn eval(case: &Value) -> Evaluation {
    eval_at(case, "2024-01-31")
}

/// `(code, step)` pairs of the findings, as strings.
fn findings_at(case: &Value, as_of: &str) -> Vec<(String, String)> {
    eval_at(case, as_of)
        .findings
        .iter()
        .map(|f| {
            (
                f.code.as_str().to_owned(),
                f.step.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            )
        })
        .collect()
}

fn findings(case: &Value) -> Vec<(String, String)> {
    findings_at(case, "2024-01-31")
}

fn codes(case: &Value) -> Vec<String> {
    findings(case).into_iter().map(|(c, _)| c).collect()
}

fn has(case: &Value, code: &str, step: &str) -> bool {
    findings(case).contains(&(code.to_owned(), step.to_owned()))
}

fn set_meeting_date(case: &mut Value, date: &str) {
    let e = &mut events(case)[DECIDE];
    e["meeting"]["date"] = json!(date);
    e["at"] = json!(format!("{date}T11:00:00+08:00"));
}

/// Moves the submission to `submitted`, sign-off the next day, meeting on `meeting`, and drops
/// the events after the meeting (the later dates are not needed for the review window).
fn review_window(submitted: &str, meeting: &str) -> Value {
    let mut c = base();
    events(&mut c).truncate(DECIDE + 1);
    for i in [PP, ER, RA] {
        events(&mut c)[i]["at"] = json!("2022-12-20T17:00:00+08:00");
    }
    events(&mut c)[PP]["comment_period"] = json!({ "start": "2022-11-01", "end": "2022-11-30" });
    events(&mut c)[1]["at"] = json!("2022-10-10T10:00:00+08:00");
    events(&mut c)[0]["at"] = json!("2022-10-01T09:00:00+08:00");
    events(&mut c)[SUBMIT]["at"] = json!(format!("{submitted}T09:00:00+08:00"));
    events(&mut c)[SIGN]["at"] = json!(format!("{submitted}T16:00:00+08:00"));
    set_meeting_date(&mut c, meeting);
    c
}

#[test]
fn interchange_example_is_clean() {
    let e = eval(&base());
    assert!(e.findings.is_empty(), "{:?}", e.findings);
    assert_eq!(e.status, Status::Archived);
}

// ---- SKIPPED_STEP ----

#[test]
fn skipped_step_when_required_expert_review_is_missing() {
    let mut c = base();
    events(&mut c).remove(ER);
    assert_eq!(
        findings(&c),
        vec![("SKIPPED_STEP".into(), "expert_review".into())]
    );
    let f = &eval(&c).findings[0];
    assert_eq!(f.article, "第十九条");
}

#[test]
fn skipped_step_near_miss_step_not_required() {
    let mut c = base();
    events(&mut c).remove(ER);
    c["attributes"]["technical"] = json!(false);
    assert!(codes(&c).is_empty());
}

#[test]
fn skipped_step_near_miss_no_decision_yet() {
    let mut c = base();
    events(&mut c).truncate(SUBMIT);
    events(&mut c).remove(ER);
    assert!(
        codes(&c).is_empty(),
        "a case still in preparation has skipped nothing yet"
    );
}

#[test]
fn skipped_step_local_strict_needs_all_five() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    c["attributes"]["technical"] = json!(false);
    events(&mut c).remove(ER);
    assert!(has(&c, "SKIPPED_STEP", "expert_review"));
}

#[test]
fn skipped_legality_review_is_reported_alone() {
    let mut c = base();
    events(&mut c).drain(SUBMIT..=SIGN);
    assert_eq!(
        findings(&c),
        vec![("SKIPPED_STEP".into(), "legality_review".into())]
    );
}

#[test]
fn skipped_step_near_miss_unlawful_review_still_counts_as_done() {
    let mut c = base();
    events(&mut c)[SIGN]["conclusion"] = json!("unlawful");
    assert!(!has(&c, "SKIPPED_STEP", "legality_review"));
    assert!(has(&c, "UNLAWFUL_REVIEW_IGNORED", "legality_review"));
}

// ---- OUT_OF_ORDER ----

#[test]
fn out_of_order_when_evidence_follows_the_submission() {
    let mut c = base();
    let ra = events(&mut c).remove(RA);
    let mut ra = ra;
    ra["at"] = json!("2023-03-28T10:00:00+08:00");
    events(&mut c).insert(SUBMIT, ra); // now after the submission, before the sign-off
    assert_eq!(
        findings(&c),
        vec![("OUT_OF_ORDER".into(), "risk_assessment".into())]
    );
    assert_eq!(eval(&c).findings[0].article, "第二十六条");
}

#[test]
fn out_of_order_near_miss_fresh_submission_cures_it() {
    let mut c = base();
    let mut ra = events(&mut c).remove(RA);
    ra["at"] = json!("2023-03-28T10:00:00+08:00");
    events(&mut c).insert(SUBMIT, ra);
    let resubmit = json!({ "type": "legality_review_submitted", "at": "2023-03-29T09:00:00+08:00",
        "actor": "李强", "role": "undertaking_unit", "draft": "v1" });
    events(&mut c).insert(SUBMIT + 1, resubmit);
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

// ---- WAIVED_STEP / IMPROPER_WAIVER ----

fn waiver_at(step: &str, reason: &str, at: &str) -> Value {
    json!({ "type": "waived", "at": at, "actor": "王敏", "role": "legal_office",
            "step": step, "reason": reason, "basis": "依据某规定" })
}

/// A waiver that takes the place of event `i` of `case` (same time).
fn waiver_for(case: &mut Value, i: usize, step: &str, reason: &str) {
    let at = events(case)[i]["at"].as_str().unwrap().to_owned();
    events(case)[i] = waiver_at(step, reason, &at);
}

#[test]
fn waived_step_risk_assessment_covered_elsewhere() {
    let mut c = base();
    waiver_for(&mut c, RA, "risk_assessment", "covered_elsewhere");
    assert_eq!(
        findings(&c),
        vec![("WAIVED_STEP".into(), "risk_assessment".into())]
    );
    let f = &eval(&c).findings[0];
    assert_eq!(f.article, "第二十二条");
    assert!(f.message_zh.contains("依据某规定"), "the basis is shown");
}

#[test]
fn improper_waiver_of_required_expert_review() {
    let mut c = base();
    waiver_for(&mut c, ER, "expert_review", "other");
    assert_eq!(
        findings(&c),
        vec![
            ("IMPROPER_WAIVER".into(), "expert_review".into()),
            ("SKIPPED_STEP".into(), "expert_review".into()),
        ],
        "an invalid waiver leaves the step not done"
    );
}

#[test]
fn waived_step_near_miss_waiver_of_a_step_not_required_is_valid() {
    let mut c = base();
    c["attributes"]["technical"] = json!(false);
    waiver_for(&mut c, ER, "expert_review", "not_applicable");
    assert_eq!(codes(&c), vec!["WAIVED_STEP"]);
}

#[test]
fn improper_waiver_of_legality_review_is_never_valid() {
    let mut c = base();
    events(&mut c).insert(
        SUBMIT,
        waiver_at("legality_review", "other", "2023-03-26T09:00:00+08:00"),
    );
    let f = eval(&c).findings;
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code.as_str(), "IMPROPER_WAIVER");
    assert_eq!(f[0].article, "第二十五条");
}

#[test]
fn improper_waiver_confidential_reason_on_a_public_case() {
    let mut c = base();
    waiver_for(&mut c, PP, "public_participation", "confidential");
    assert!(has(&c, "IMPROPER_WAIVER", "public_participation"));
    assert_eq!(eval(&c).findings[0].article, "第十四条");
    assert!(has(&c, "SKIPPED_STEP", "public_participation"));
}

#[test]
fn waived_step_near_miss_confidential_case() {
    let mut c = base();
    c["attributes"]["confidential"] = json!(true);
    waiver_for(&mut c, PP, "public_participation", "confidential");
    events(&mut c).remove(PUBLISH);
    assert_eq!(codes(&c), vec!["WAIVED_STEP"]);
}

#[test]
fn improper_waiver_of_collective_decision_cites_article_30() {
    let mut c = base();
    events(&mut c).insert(
        DECIDE,
        waiver_at("collective_decision", "other", "2023-04-11T09:00:00+08:00"),
    );
    let f = eval(&c).findings;
    assert_eq!(f[0].code.as_str(), "IMPROPER_WAIVER");
    assert_eq!(f[0].article, "第三十条");
}

// ---- SHORT_COMMENT_PERIOD / SHORTENED_COMMENT_PERIOD ----

#[test]
fn short_comment_period_29_days() {
    let mut c = base();
    events(&mut c)[PP]["comment_period"]["end"] = json!("2023-03-15"); // 02-15..03-15 = 29 days
    assert_eq!(
        findings(&c),
        vec![("SHORT_COMMENT_PERIOD".into(), "public_participation".into())]
    );
    let f = &eval(&c).findings[0];
    assert_eq!(f.article, "第十五条");
    assert!(f.message_zh.contains("29 日"), "{}", f.message_zh);
}

#[test]
fn short_comment_period_near_miss_exactly_30_days_inclusive() {
    let c = base(); // 2023-02-15 .. 2023-03-16 is 30 days counted inclusively
    assert!(codes(&c).is_empty());
}

#[test]
fn shortened_comment_period_with_reason_is_info() {
    let mut c = base();
    events(&mut c)[PP]["comment_period"]["end"] = json!("2023-03-15");
    events(&mut c)[PP]["shortened_reason"] = json!("防汛紧急需要");
    assert_eq!(
        findings(&c),
        vec![(
            "SHORTENED_COMMENT_PERIOD".into(),
            "public_participation".into()
        )]
    );
}

#[test]
fn short_comment_period_second_round_is_the_one_judged() {
    let mut c = base();
    let mut first = events(&mut c)[PP].clone();
    first["at"] = json!("2023-02-20T17:00:00+08:00");
    first["comment_period"] = json!({ "start": "2023-02-01", "end": "2023-02-10" });
    events(&mut c).insert(PP, first);
    assert!(
        codes(&c).is_empty(),
        "the latest round before the gate is judged"
    );
    // And the other way round: a bad correction after a good round is judged.
    let mut c = base();
    let mut second = events(&mut c)[PP].clone();
    second["at"] = json!("2023-03-21T17:00:00+08:00");
    second["comment_period"] = json!({ "start": "2023-03-01", "end": "2023-03-20" });
    events(&mut c).insert(PP + 1, second);
    assert_eq!(codes(&c), vec!["SHORT_COMMENT_PERIOD"]);
}

// ---- HEARING_MISSING ----

#[test]
fn hearing_missing_when_required() {
    let mut c = base();
    c["attributes"]["hearing_required"] = json!(true);
    assert_eq!(
        findings(&c),
        vec![("HEARING_MISSING".into(), "public_participation".into())]
    );
    assert_eq!(eval(&c).findings[0].article, "第十六条");
}

#[test]
fn hearing_missing_near_miss_hearing_recorded() {
    let mut c = base();
    c["attributes"]["hearing_required"] = json!(true);
    events(&mut c)[PP]["hearing"] = json!({ "date": "2023-03-01" });
    assert!(codes(&c).is_empty());
}

// ---- EXPERT_QUORUM / UNSIGNED_EXPERT_OPINION / CONFLICTED_EXPERT ----

fn expert(name: &str, signed: bool, conflict: bool) -> Value {
    json!({ "name": name, "signed": signed, "conflict_of_interest": conflict })
}

#[test]
fn expert_quorum_two_experts() {
    let mut c = base();
    events(&mut c)[ER]["experts"].as_array_mut().unwrap().pop();
    assert_eq!(
        findings(&c),
        vec![("EXPERT_QUORUM".into(), "expert_review".into())]
    );
}

#[test]
fn expert_quorum_near_miss_three_experts() {
    assert!(!codes(&base()).contains(&"EXPERT_QUORUM".to_owned()));
}

#[test]
fn unsigned_expert_opinion() {
    let mut c = base();
    events(&mut c)[ER]["experts"]
        .as_array_mut()
        .unwrap()
        .push(expert("李工", false, false));
    assert_eq!(
        findings(&c),
        vec![("UNSIGNED_EXPERT_OPINION".into(), "expert_review".into())]
    );
    assert!(eval(&c).findings[0].message_zh.contains("李工"));
}

#[test]
fn unsigned_expert_opinion_near_miss_all_signed() {
    let mut c = base();
    events(&mut c)[ER]["experts"]
        .as_array_mut()
        .unwrap()
        .push(expert("李工", true, false));
    assert!(codes(&c).is_empty());
}

#[test]
fn conflicted_expert() {
    let mut c = base();
    events(&mut c)[ER]["experts"]
        .as_array_mut()
        .unwrap()
        .push(expert("某公司", true, true));
    assert_eq!(
        findings(&c),
        vec![("CONFLICTED_EXPERT".into(), "expert_review".into())]
    );
    assert_eq!(eval(&c).findings[0].article, "第二十条");
}

#[test]
fn conflicted_expert_also_breaks_the_quorum_when_it_leaves_too_few() {
    let mut c = base();
    events(&mut c)[ER]["experts"][0]["conflict_of_interest"] = json!(true);
    assert_eq!(codes(&c), vec!["CONFLICTED_EXPERT", "EXPERT_QUORUM"]);
}

#[test]
fn expert_findings_near_miss_no_conflict() {
    let mut c = base();
    events(&mut c)[ER]["experts"][0]["conflict_of_interest"] = json!(false);
    assert!(codes(&c).is_empty());
}

// ---- UNCONTROLLED_RISK ----

#[test]
fn uncontrolled_risk_on_approval() {
    let mut c = base();
    events(&mut c)[RA]["controllable"] = json!(false);
    assert_eq!(
        findings(&c),
        vec![("UNCONTROLLED_RISK".into(), "risk_assessment".into())]
    );
    assert_eq!(eval(&c).findings[0].article, "第二十四条");
}

#[test]
fn uncontrolled_risk_near_miss_rejected() {
    let mut c = base();
    events(&mut c)[RA]["controllable"] = json!(false);
    events(&mut c)[DECIDE]["majority"] = json!("reject");
    events(&mut c)[DECIDE]["head_decision"] = json!("reject");
    events(&mut c).drain(PARTY..=PUBLISH);
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

#[test]
fn uncontrolled_risk_near_miss_reassessed_controllable() {
    let mut c = base();
    events(&mut c)[RA]["controllable"] = json!(false);
    let mut again = events(&mut c)[RA].clone();
    again["controllable"] = json!(true);
    again["at"] = json!("2023-03-26T10:00:00+08:00");
    events(&mut c).insert(RA + 1, again);
    assert!(codes(&c).is_empty());
}

// ---- UNLAWFUL_REVIEW_IGNORED / LEGAL_RISK_STATED ----

#[test]
fn unlawful_review_ignored() {
    let mut c = base();
    events(&mut c)[SIGN]["conclusion"] = json!("unlawful");
    assert_eq!(
        findings(&c),
        vec![("UNLAWFUL_REVIEW_IGNORED".into(), "legality_review".into())]
    );
    assert_eq!(eval(&c).findings[0].article, "第二十五条");
}

#[test]
fn unlawful_review_near_miss_lawful_with_changes() {
    let mut c = base();
    events(&mut c)[SIGN]["conclusion"] = json!("lawful_with_changes");
    assert!(codes(&c).is_empty());
}

#[test]
fn legal_risk_stated_for_exploratory_reform() {
    let mut c = base();
    events(&mut c)[SIGN]["conclusion"] = json!("exploratory");
    assert_eq!(
        findings(&c),
        vec![("LEGAL_RISK_STATED".into(), "legality_review".into())]
    );
    assert!(!eval(&c).has_violation());
}

// ---- STALE_LEGALITY_REVIEW ----

fn draft(version: &str, at: &str) -> Value {
    json!({ "type": "draft", "at": at, "actor": "李强", "role": "undertaking_unit",
            "version": version, "sha256": "b".repeat(64) })
}

#[test]
fn stale_legality_review_after_revision() {
    let mut c = base();
    events(&mut c).insert(DECIDE, draft("v2", "2023-04-10T10:00:00+08:00"));
    assert_eq!(
        findings(&c),
        vec![("STALE_LEGALITY_REVIEW".into(), "legality_review".into())]
    );
}

#[test]
fn stale_legality_review_near_miss_revision_reviewed_again() {
    let mut c = base();
    let tail: Vec<Value> = events(&mut c).split_off(DECIDE);
    let mut extra = vec![
        draft("v2", "2023-04-05T10:00:00+08:00"),
        json!({ "type": "legality_review_submitted", "at": "2023-04-06T09:00:00+08:00", "actor": "李强",
                "role": "undertaking_unit", "draft": "v2" }),
        json!({ "type": "legality_review_signed", "at": "2023-04-11T09:00:00+08:00", "actor": "陈律师",
                "role": "public_lawyer", "draft": "v2", "conclusion": "lawful", "opinion": null }),
    ];
    events(&mut c).append(&mut extra);
    events(&mut c).extend(tail);
    // 04-06 (Thu) .. 04-18 (Tue): 7, 10..14, 17 = 7 working days strictly between.
    let meeting = &mut events(&mut c)[DECIDE + 3];
    meeting["meeting"]["date"] = json!("2023-04-18");
    meeting["at"] = json!("2023-04-18T11:00:00+08:00");
    for (i, at) in [
        (PARTY + 3, "2023-04-19"),
        (PUBLISH + 3, "2023-04-20"),
        (ARCHIVE + 3, "2023-05-10"),
    ] {
        events(&mut c)[i]["at"] = json!(format!("{at}T09:00:00+08:00"));
    }
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

#[test]
fn modified_then_reviewed_again_is_judged_on_the_new_review() {
    // Meeting 1 says modify; v2 is drafted, submitted and signed; meeting 2 approves.
    let mut c = base();
    events(&mut c).truncate(DECIDE + 1);
    events(&mut c)[DECIDE]["majority"] = json!("modify");
    events(&mut c)[DECIDE]["head_decision"] = json!("modify");
    events(&mut c).extend([
        draft("v2", "2023-04-13T10:00:00+08:00"),
        json!({ "type": "legality_review_submitted", "at": "2023-04-14T09:00:00+08:00", "actor": "李强",
                "role": "undertaking_unit", "draft": "v2" }),
        json!({ "type": "legality_review_signed", "at": "2023-04-20T09:00:00+08:00", "actor": "陈律师",
                "role": "public_lawyer", "draft": "v2", "conclusion": "lawful", "opinion": null }),
        json!({ "type": "collective_decision", "at": "2023-04-26T11:00:00+08:00", "actor": "周秘书", "role": "secretary",
                "meeting": { "kind": "executive", "date": "2023-04-26", "members_total": 9, "members_present": 8 },
                "majority": "approve", "head_decision": "approve", "reason": null, "dissent_recorded": false }),
    ]);
    let e = eval(&c);
    assert!(e.findings.is_empty(), "{:?}", e.findings);
    assert_eq!(e.status, Status::Decided);
    // The same second meeting without the fresh review is stale.
    events(&mut c).drain(DECIDE + 2..DECIDE + 4);
    assert_eq!(codes(&c), vec!["STALE_LEGALITY_REVIEW"]);
}

// ---- SHORT_REVIEW_WINDOW: working days strictly between submission and meeting ----

#[test]
fn short_review_window_six_working_days() {
    // 2023-03-06 (Mon) .. 2023-03-15 (Wed): 7, 8, 9, 10, 13, 14 = 6 working days.
    let c = review_window("2023-03-06", "2023-03-15");
    assert_eq!(
        findings(&c),
        vec![("SHORT_REVIEW_WINDOW".into(), "legality_review".into())]
    );
    let f = &eval(&c).findings[0];
    assert_eq!(f.article, "第二十六条");
    assert!(
        f.message_en.contains("only 6 working days"),
        "{}",
        f.message_en
    );
}

#[test]
fn short_review_window_near_miss_seven_working_days() {
    // .. 2023-03-16 (Thu): 7, 8, 9, 10, 13, 14, 15 = 7.
    let c = review_window("2023-03-06", "2023-03-16");
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

#[test]
fn short_review_window_across_national_day() {
    // 2023-09-27 .. 2023-10-12: 9-28, then 9-29..10-06 off, 10-07 and 10-08 adjusted working
    // weekend days, 10-09, 10-10, 10-11 = 6. Weekday arithmetic would count 10.
    let c = review_window("2023-09-27", "2023-10-12");
    assert_eq!(codes(&c), vec!["SHORT_REVIEW_WINDOW"]);
    let c = review_window("2023-09-27", "2023-10-13");
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

#[test]
fn short_review_window_saved_by_adjusted_working_sunday() {
    // 2023-04-13 (Thu) .. 2023-04-24 (Mon): 14, 17..21, and Sunday 04-23 (调休上班) = 7.
    let c = review_window("2023-04-13", "2023-04-24");
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
    // Without that Sunday (a year with no adjustment there) the same span would be 6; the
    // neighbouring window one day shorter is short.
    let c = review_window("2023-04-14", "2023-04-24");
    assert_eq!(codes(&c), vec!["SHORT_REVIEW_WINDOW"]);
}

#[test]
fn short_review_window_judged_on_the_latest_submission_before_the_meeting() {
    // An early submission with a long window, then a resubmission three days before the meeting.
    let mut c = base();
    let resubmit = json!({ "type": "legality_review_submitted", "at": "2023-04-07T09:00:00+08:00",
        "actor": "李强", "role": "undertaking_unit", "draft": "v1" });
    events(&mut c).insert(SIGN + 1, resubmit);
    assert!(has(&c, "SHORT_REVIEW_WINDOW", "legality_review"));
}

// ---- UNAUTHORIZED_SIGNER / SELF_REVIEW ----

#[test]
fn unauthorized_signer() {
    let mut c = base();
    events(&mut c)[SIGN]["role"] = json!("legal_office");
    assert_eq!(
        findings(&c),
        vec![("UNAUTHORIZED_SIGNER".into(), "legality_review".into())]
    );
    assert_eq!(eval(&c).findings[0].article, "第二十八条");
}

#[test]
fn unauthorized_signer_near_miss_legal_counsel() {
    let mut c = base();
    events(&mut c)[SIGN]["role"] = json!("legal_counsel");
    assert!(codes(&c).is_empty());
}

#[test]
fn self_review_by_the_submitter() {
    let mut c = base();
    events(&mut c)[SIGN]["actor"] = json!("李强");
    assert_eq!(
        findings(&c),
        vec![("SELF_REVIEW".into(), "legality_review".into())]
    );
}

#[test]
fn self_review_by_a_draft_author() {
    let mut c = base();
    events(&mut c)[1]["actor"] = json!("陈律师");
    assert_eq!(codes(&c), vec!["SELF_REVIEW"]);
}

#[test]
fn self_review_near_miss_other_lawyer() {
    let mut c = base();
    events(&mut c)[SIGN]["actor"] = json!("何律师");
    assert!(codes(&c).is_empty());
}

// ---- IMPROPER_MEETING / NO_QUORUM / UNEXPLAINED_HEAD_DECISION ----

#[test]
fn improper_meeting_by_circulation() {
    let mut c = base();
    events(&mut c)[DECIDE]["meeting"]["kind"] = json!("circulation");
    assert_eq!(
        findings(&c),
        vec![("IMPROPER_MEETING".into(), "collective_decision".into())]
    );
    assert_eq!(eval(&c).findings[0].article, "第三十条");
}

#[test]
fn improper_meeting_near_miss_plenary() {
    let mut c = base();
    events(&mut c)[DECIDE]["meeting"]["kind"] = json!("plenary");
    assert!(codes(&c).is_empty());
}

#[test]
fn no_quorum_under_local_strict() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c)[DECIDE]["meeting"]["members_present"] = json!(4);
    assert_eq!(
        findings(&c),
        vec![("NO_QUORUM".into(), "collective_decision".into())]
    );
    // Exactly half is not more than half.
    events(&mut c)[DECIDE]["meeting"]["members_total"] = json!(8);
    assert_eq!(codes(&c), vec!["NO_QUORUM"]);
}

#[test]
fn no_quorum_near_misses() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c)[DECIDE]["meeting"]["members_present"] = json!(5);
    assert!(codes(&c).is_empty(), "5 of 9 is more than half");
    let mut c = base();
    events(&mut c)[DECIDE]["meeting"]["members_present"] = json!(4);
    assert!(codes(&c).is_empty(), "decree-713 sets no quorum");
}

#[test]
fn unexplained_head_decision() {
    let mut c = base();
    events(&mut c)[DECIDE]["majority"] = json!("modify");
    assert_eq!(
        findings(&c),
        vec![(
            "UNEXPLAINED_HEAD_DECISION".into(),
            "collective_decision".into()
        )]
    );
}

#[test]
fn unexplained_head_decision_near_miss_reason_recorded() {
    let mut c = base();
    events(&mut c)[DECIDE]["majority"] = json!("modify");
    events(&mut c)[DECIDE]["reason"] = json!("修改意见已在草案中吸收");
    assert!(codes(&c).is_empty());
}

// ---- NO_PARTY_REPORT ----

#[test]
fn no_party_report_before_publication() {
    let mut c = base();
    events(&mut c).remove(PARTY);
    assert_eq!(
        findings(&c),
        vec![("NO_PARTY_REPORT".into(), "party_report".into())]
    );
    assert_eq!(eval(&c).findings[0].article, "第三十一条");
}

#[test]
fn no_party_report_when_the_report_came_after_publication() {
    let mut c = base();
    let mut report = events(&mut c).remove(PARTY);
    report["at"] = json!("2023-04-21T09:00:00+08:00");
    events(&mut c).insert(PUBLISH, report);
    assert_eq!(codes(&c), vec!["NO_PARTY_REPORT"]);
}

// ---- NOT_PUBLISHED (local-strict: 20 working days) ----

fn unpublished_local_strict() -> Value {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c).truncate(PARTY + 1);
    c
}

#[test]
fn not_published_after_twenty_working_days() {
    // Approved 2023-04-12; the 20th working day after it is 2023-05-11 (劳动节 04-29..05-03 off,
    // 04-23 and 05-06 worked).
    let c = unpublished_local_strict();
    assert!(findings_at(&c, "2023-05-11").is_empty());
    assert_eq!(
        findings_at(&c, "2023-05-12"),
        vec![("NOT_PUBLISHED".into(), "publication".into())]
    );
}

#[test]
fn not_published_near_misses() {
    let mut c = unpublished_local_strict();
    c["workflow"] = json!("decree-713");
    assert!(
        findings_at(&c, "2024-01-31").is_empty(),
        "decree-713 sets no deadline"
    );
    let mut c = unpublished_local_strict();
    c["attributes"]["confidential"] = json!(true);
    waiver_for(&mut c, PP, "public_participation", "confidential");
    assert_eq!(
        findings_at(&c, "2023-05-12")
            .into_iter()
            .map(|(c, _)| c)
            .collect::<Vec<_>>(),
        vec!["WAIVED_STEP"],
        "a confidential decision is not published"
    );
}

// ---- NOT_ARCHIVED (local-strict: 60 days) ----

#[test]
fn not_archived_after_sixty_days() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c).remove(ARCHIVE);
    assert!(
        findings_at(&c, "2023-06-11").is_empty(),
        "2023-04-12 + 60 days"
    );
    assert_eq!(
        findings_at(&c, "2023-06-12"),
        vec![("NOT_ARCHIVED".into(), "archiving".into())]
    );
    c["workflow"] = json!("decree-713");
    assert!(
        findings_at(&c, "2024-06-12").is_empty(),
        "decree-713 sets no deadline"
    );
}

// ---- DEFERRED_TOO_LONG (local-strict: 365 days) ----

#[test]
fn deferred_too_long() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c).truncate(DECIDE + 1);
    events(&mut c)[DECIDE]["majority"] = json!("defer");
    events(&mut c)[DECIDE]["head_decision"] = json!("defer");
    assert_eq!(eval_at(&c, "2024-04-11").status, Status::Deferred);
    assert!(findings_at(&c, "2024-04-11").is_empty());
    assert_eq!(
        findings_at(&c, "2024-04-12"),
        vec![("DEFERRED_TOO_LONG".into(), "collective_decision".into())]
    );
    c["workflow"] = json!("decree-713");
    assert!(findings_at(&c, "2025-04-12").is_empty());
}

// ---- GUARD_OVERRIDDEN ----

#[test]
fn guard_overridden_is_listed_beside_the_violation() {
    let mut c = review_window("2023-03-06", "2023-03-15");
    events(&mut c).push(json!({ "type": "override", "at": "2023-03-15T11:00:00+08:00", "actor": "赵县长",
        "role": "head", "unmet": ["SHORT_REVIEW_WINDOW"], "justification": "防汛抢险，必须当日决定" }));
    assert_eq!(
        findings(&c),
        vec![
            ("SHORT_REVIEW_WINDOW".into(), "legality_review".into()),
            ("GUARD_OVERRIDDEN".into(), "collective_decision".into()),
        ]
    );
    let e = eval(&c);
    let o = e
        .findings
        .iter()
        .find(|f| f.code.as_str() == "GUARD_OVERRIDDEN")
        .unwrap();
    assert_eq!(o.article, "第二十六条");
    assert!(o.message_zh.contains("赵县长") && o.message_zh.contains("防汛抢险"));
}

// ---- as-of and status ----

#[test]
fn as_of_leaves_out_later_events() {
    let c = base();
    let e = eval_at(&c, "2023-04-11");
    assert_eq!(e.status, Status::InReview);
    assert!(e.findings.is_empty());
    assert_eq!(eval_at(&c, "2023-04-12").status, Status::Decided);
    assert_eq!(eval_at(&c, "2023-04-20").status, Status::Published);
    assert_eq!(eval_at(&c, "2023-03-01").status, Status::Open);
    let w = world();
    let case = parse(&c);
    let profile = w.profiles.resolve("decree-713").unwrap();
    assert!(evaluate(profile, &w.calendar, &case, "2023-01-31".parse().unwrap()).is_none());
}

#[test]
fn findings_are_ordered_by_step_then_code() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c)[DECIDE]["meeting"]["kind"] = json!("circulation");
    events(&mut c)[DECIDE]["meeting"]["members_present"] = json!(2);
    events(&mut c)[PP]["comment_period"]["end"] = json!("2023-03-01");
    events(&mut c).remove(PARTY);
    assert_eq!(
        codes(&c),
        vec![
            "SHORT_COMMENT_PERIOD",
            "IMPROPER_MEETING",
            "NO_QUORUM",
            "NO_PARTY_REPORT"
        ]
    );
}

#[test]
fn dates_outside_the_official_calendar_are_estimated_and_marked() {
    // 2027 has no official notice loaded: the window is counted on estimated working days.
    let c = review_window("2027-03-01", "2027-03-05");
    let e = eval_at(&c, "2027-12-31");
    let short = e
        .findings
        .iter()
        .find(|f| f.code.as_str() == "SHORT_REVIEW_WINDOW")
        .expect("a 3-working-day window is short");
    assert!(short.estimated);
    assert!(e
        .findings
        .iter()
        .any(|f| f.code.as_str() == "CALENDAR_ESTIMATED" && f.message_en.contains("2027")));
    assert_eq!(
        e.estimated_years.iter().copied().collect::<Vec<_>>(),
        vec![2027]
    );
    // Inside the official years nothing is estimated.
    let e = eval_at(&review_window("2023-03-06", "2023-03-15"), "2024-01-31");
    assert!(e.findings.iter().all(|f| !f.estimated));
    assert!(e.estimated_years.is_empty());
}

// ---- explicit near misses for the codes whose near miss is the clean example ----

#[test]
fn no_party_report_near_miss_reported_before_publication() {
    let c = base();
    assert!(!codes(&c).contains(&"NO_PARTY_REPORT".to_owned()));
    // A rejected decision that is published needs no report (the rule is about approvals).
    let mut c = base();
    events(&mut c)[DECIDE]["majority"] = json!("reject");
    events(&mut c)[DECIDE]["head_decision"] = json!("reject");
    events(&mut c).remove(PARTY);
    assert!(!codes(&c).contains(&"NO_PARTY_REPORT".to_owned()));
}

#[test]
fn guard_overridden_near_miss_no_override() {
    let c = review_window("2023-03-06", "2023-03-15");
    assert_eq!(codes(&c), vec!["SHORT_REVIEW_WINDOW"]);
}

#[test]
fn deferred_too_long_near_miss_discussed_again() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c).truncate(DECIDE + 1);
    events(&mut c)[DECIDE]["majority"] = json!("defer");
    events(&mut c)[DECIDE]["head_decision"] = json!("defer");
    let mut again = events(&mut c)[DECIDE].clone();
    again["majority"] = json!("rediscuss");
    again["head_decision"] = json!("rediscuss");
    again["at"] = json!("2024-03-01T11:00:00+08:00");
    again["meeting"]["date"] = json!("2024-03-01");
    events(&mut c).push(again);
    assert_eq!(eval_at(&c, "2024-06-01").status, Status::InReview);
    assert!(findings_at(&c, "2024-06-01").is_empty());
}

#[test]
fn not_archived_near_miss_rejected_and_archived() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c)[DECIDE]["majority"] = json!("reject");
    events(&mut c)[DECIDE]["head_decision"] = json!("reject");
    events(&mut c).drain(PARTY..=PUBLISH);
    assert_eq!(eval_at(&c, "2024-01-31").status, Status::Archived);
    assert!(findings_at(&c, "2024-01-31").is_empty());
}

// ==== procedure.md version 2 ====

fn event_codes(e: &Evaluation) -> Vec<String> {
    e.findings
        .iter()
        .map(|f| f.code.as_str().to_owned())
        .collect()
}

// ---- publication is required only for an approved decision (§7) ----

#[test]
fn waived_step_publication_after_a_rejection_is_valid() {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c)[DECIDE]["majority"] = json!("reject");
    events(&mut c)[DECIDE]["head_decision"] = json!("reject");
    events(&mut c).truncate(PARTY);
    events(&mut c).push(waiver_at(
        "publication",
        "not_applicable",
        "2023-04-13T09:00:00+08:00",
    ));
    assert_eq!(
        findings_at(&c, "2023-04-20"),
        vec![("WAIVED_STEP".into(), "publication".into())]
    );
}

#[test]
fn improper_waiver_of_publication_after_an_approval() {
    let mut c = unpublished_local_strict();
    events(&mut c).push(waiver_at(
        "publication",
        "not_applicable",
        "2023-04-14T10:00:00+08:00",
    ));
    let found = findings_at(&c, "2023-04-20");
    assert!(
        found.contains(&("IMPROPER_WAIVER".into(), "publication".into())),
        "{found:?}"
    );
}

#[test]
fn a_publication_waiver_before_an_approval_does_not_cover_it() {
    // Waived while undecided (valid then: not required), approved afterwards: required again.
    let mut c = unpublished_local_strict();
    events(&mut c).insert(
        DECIDE,
        waiver_at("publication", "not_applicable", "2023-04-11T09:00:00+08:00"),
    );
    let found = findings_at(&c, "2023-05-12");
    assert!(
        found.contains(&("WAIVED_STEP".into(), "publication".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("NOT_PUBLISHED".into(), "publication".into())),
        "{found:?}"
    );
    let e = eval_at(&c, "2023-05-12");
    let publication = e.step(juece_core::ids::Step::Publication).unwrap();
    assert_eq!(publication.state, juece_core::evaluate::StepState::Pending);
}

// ---- the evidence judged: the latest before the latest approve/reject decision ----

#[test]
fn evidence_recorded_after_the_decision_is_not_judged() {
    let mut c = base();
    let mut late = events(&mut c)[PP].clone();
    late["at"] = json!("2023-04-13T09:00:00+08:00");
    late["comment_period"] = json!({ "start": "2023-04-01", "end": "2023-04-10" });
    events(&mut c).insert(DECIDE + 1, late);
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

#[test]
fn undecided_case_is_judged_on_its_latest_evidence() {
    let mut c = base();
    events(&mut c).truncate(SUBMIT);
    let mut second = events(&mut c)[PP].clone();
    second["at"] = json!("2023-03-26T09:00:00+08:00");
    second["comment_period"] = json!({ "start": "2023-03-01", "end": "2023-03-20" });
    events(&mut c).push(second);
    assert_eq!(codes(&c), vec!["SHORT_COMMENT_PERIOD"]);
}

// ---- EXPERT_QUORUM counts distinct experts ----

#[test]
fn expert_quorum_an_expert_listed_twice_counts_once() {
    let mut c = base();
    events(&mut c)[ER]["experts"] = json!([
        expert("赵工", true, false),
        expert(" 赵工 ", true, false),
        expert("钱教授", true, false)
    ]);
    assert_eq!(codes(&c), vec!["EXPERT_QUORUM"]);
    // Near miss: three distinct names.
    events(&mut c)[ER]["experts"][1] = expert("孙研究员", true, false);
    assert!(codes(&c).is_empty());
}

// ---- DEFERRED_TOO_LONG for a deferral that ended late ----

fn deferred_then_discussed(again: &str) -> Value {
    let mut c = base();
    c["workflow"] = json!("local-strict");
    events(&mut c).truncate(DECIDE + 1);
    events(&mut c)[DECIDE]["majority"] = json!("defer");
    events(&mut c)[DECIDE]["head_decision"] = json!("defer");
    let mut next = events(&mut c)[DECIDE].clone();
    next["majority"] = json!("rediscuss");
    next["head_decision"] = json!("rediscuss");
    next["at"] = json!(format!("{again}T11:00:00+08:00"));
    next["meeting"]["date"] = json!(again);
    events(&mut c).push(next);
    c
}

#[test]
fn deferred_too_long_when_the_next_meeting_came_late() {
    // Deferred 2023-04-12; 2024-04-12 is 366 days later (2024 is a leap year).
    let c = deferred_then_discussed("2024-04-12");
    assert_eq!(
        findings_at(&c, "2024-06-01"),
        vec![("DEFERRED_TOO_LONG".into(), "collective_decision".into())]
    );
    // Near miss: exactly 365 days.
    let c = deferred_then_discussed("2024-04-11");
    assert!(findings_at(&c, "2024-06-01").is_empty());
}

// ---- NO_PARTY_REPORT: any time before publication (Art. 31, 出台前) ----

#[test]
fn no_party_report_near_miss_reported_before_the_meeting() {
    let mut c = base();
    let mut report = events(&mut c).remove(PARTY);
    report["at"] = json!("2023-04-05T09:00:00+08:00");
    events(&mut c).insert(SIGN + 1, report);
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

// ---- SHORTENED_REVIEW_WINDOW (decree-713) and SHORT_REVIEW_WINDOW (local-strict) ----

fn six_days_with_reason(workflow: &str, reason: Option<&str>) -> Value {
    let mut c = review_window("2023-03-06", "2023-03-15");
    c["workflow"] = json!(workflow);
    if let Some(r) = reason {
        events(&mut c)[SUBMIT]["shortened_reason"] = json!(r);
    }
    c
}

#[test]
fn shortened_review_window_with_a_reason_under_decree_713() {
    let c = six_days_with_reason("decree-713", Some("防汛应急，须于汛期前决定"));
    assert_eq!(
        findings(&c),
        vec![("SHORTENED_REVIEW_WINDOW".into(), "legality_review".into())]
    );
    let e = eval(&c);
    assert_eq!(e.findings[0].article, "第二十六条");
    assert!(e.findings[0]
        .message_en
        .contains("shortening reason recorded"));
}

#[test]
fn short_review_window_without_a_reason_under_decree_713() {
    let c = six_days_with_reason("decree-713", None);
    assert_eq!(codes(&c), vec!["SHORT_REVIEW_WINDOW"]);
    let c = six_days_with_reason("decree-713", Some("   "));
    assert_eq!(
        codes(&c),
        vec!["SHORT_REVIEW_WINDOW"],
        "a blank reason is no reason"
    );
}

#[test]
fn short_review_window_with_a_reason_under_local_strict() {
    // local-strict refuses shortening (review_window_shortening: false): the reason changes
    // nothing. The other local-strict findings of this history are not about the window.
    let c = six_days_with_reason("local-strict", Some("防汛应急"));
    let found = findings(&c);
    assert!(found.contains(&("SHORT_REVIEW_WINDOW".into(), "legality_review".into())));
    assert!(!found.iter().any(|(c, _)| c == "SHORTENED_REVIEW_WINDOW"));
    let c = six_days_with_reason("local-strict", None);
    assert!(findings(&c).contains(&("SHORT_REVIEW_WINDOW".into(), "legality_review".into())));
}

#[test]
fn shortened_review_window_near_miss_seven_working_days_with_a_reason() {
    let mut c = review_window("2023-03-06", "2023-03-16");
    events(&mut c)[SUBMIT]["shortened_reason"] = json!("不需要");
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
}

// ---- FAIR_COMPETITION_REVIEW_MISSING (Art. 29) ----

fn fair_competition_review(at: &str) -> Value {
    json!({ "type": "fair_competition_review", "at": at, "actor": "李强", "role": "undertaking_unit",
            "conclusion": "compliant", "basis": "《公平竞争审查条例》第八条", "reviewer": null })
}

#[test]
fn fair_competition_review_missing_for_market_entities() {
    let mut c = base();
    c["attributes"]["market_entities"] = json!(true);
    assert_eq!(
        findings(&c),
        vec![(
            "FAIR_COMPETITION_REVIEW_MISSING".into(),
            "collective_decision".into()
        )]
    );
    assert_eq!(eval(&c).findings[0].article, "第二十九条");
    // Recorded only after the meeting: still missing at the meeting.
    events(&mut c).insert(
        DECIDE + 1,
        fair_competition_review("2023-04-12T15:00:00+08:00"),
    );
    assert_eq!(codes(&c), vec!["FAIR_COMPETITION_REVIEW_MISSING"]);
}

#[test]
fn fair_competition_review_near_misses() {
    let mut c = base();
    c["attributes"]["market_entities"] = json!(true);
    events(&mut c).insert(DECIDE, fair_competition_review("2023-04-10T09:00:00+08:00"));
    assert!(codes(&c).is_empty(), "{:?}", codes(&c));
    // Its conclusion is shown, not judged.
    events(&mut c)[DECIDE]["conclusion"] = json!("not_compliant");
    assert!(codes(&c).is_empty());
    // No market entities: not needed.
    assert!(codes(&base()).is_empty());
}

// ---- BACKFILLED (Art. 33, 39): 3 days of grace, 4 is after the fact ----

#[test]
fn backfilled_four_days_after() {
    let mut c = base();
    // The expert review happened 2023-03-22 and was entered 2023-03-26: 4 days.
    events(&mut c)[ER]["recorded_at"] = json!("2023-03-26T09:00:00+08:00");
    assert_eq!(
        findings(&c),
        vec![("BACKFILLED".into(), "expert_review".into())]
    );
    let e = eval(&c);
    assert_eq!(e.findings[0].article, "第三十三条、第三十九条");
    assert_eq!(e.findings[0].severity().as_str(), "warning");
}

#[test]
fn backfilled_near_miss_three_days_after() {
    let mut c = base();
    events(&mut c)[ER]["recorded_at"] = json!("2023-03-25T23:59:00+08:00");
    assert!(codes(&c).is_empty());
    // No recorded_at (imported from before version 2): not judged.
    assert!(codes(&base()).is_empty());
}

#[test]
fn backfilled_dates_are_read_in_their_own_offsets() {
    let mut c = base();
    // 2023-03-22T17:00+08:00 happened; entered 2023-03-25T20:00-05:00, which is 03-26 in
    // Beijing but 03-25 in its own offset: 3 days, not backfilled.
    events(&mut c)[ER]["recorded_at"] = json!("2023-03-25T20:00:00-05:00");
    assert!(codes(&c).is_empty());
}

#[test]
fn backfilled_opening_names_no_step() {
    let mut c = base();
    events(&mut c)[0]["recorded_at"] = json!("2023-02-10T09:00:00+08:00");
    let e = eval(&c);
    assert_eq!(event_codes(&e), vec!["BACKFILLED"]);
    assert_eq!(e.findings[0].step, None);
}

// ---- VOIDED_EVENT (Art. 33) ----

fn voided(seq: usize, at: &str) -> Value {
    json!({ "type": "voided", "at": at, "actor": "王敏", "role": "legal_office",
            "event": seq, "reason": "误录" })
}

#[test]
fn voided_event_is_left_out_by_the_rules() {
    let mut c = base();
    // The expert review is voided before the legality review: the step was then skipped.
    events(&mut c).insert(RA + 1, voided(ER, "2023-03-26T09:00:00+08:00"));
    let found = findings(&c);
    assert!(
        found.contains(&("VOIDED_EVENT".into(), "expert_review".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("SKIPPED_STEP".into(), "expert_review".into())),
        "{found:?}"
    );
    let e = eval(&c);
    assert!(e.voided.contains(&ER));
    let v = e
        .findings
        .iter()
        .find(|f| f.code.as_str() == "VOIDED_EVENT")
        .unwrap();
    assert!(
        v.message_zh.contains("王敏") && v.message_zh.contains("误录"),
        "{}",
        v.message_zh
    );
}

#[test]
fn voided_event_near_miss_a_voided_void_voids_nothing() {
    let mut c = base();
    events(&mut c).insert(RA + 1, voided(ER, "2023-03-26T09:00:00+08:00"));
    events(&mut c).insert(RA + 2, voided(RA + 1, "2023-03-26T10:00:00+08:00"));
    let found = findings(&c);
    assert_eq!(
        found,
        vec![("VOIDED_EVENT".into(), String::new())],
        "only the second void is in force, and it voids the first"
    );
    // A void after the as-of date is not in force yet.
    let mut c = base();
    events(&mut c).push(voided(ER, "2023-06-01T09:00:00+08:00"));
    assert!(findings_at(&c, "2023-05-31").is_empty());
}

// ---- CALENDAR_ESTIMATED ----

#[test]
fn calendar_estimated_for_a_pending_deadline_in_an_uncovered_year() {
    // local-strict, approved 2026-12-28: the 20-working-day publication deadline runs into 2027.
    let mut c = unpublished_local_strict();
    events(&mut c).truncate(DECIDE + 1);
    set_meeting_date(&mut c, "2026-12-28");
    let e = eval_at(&c, "2026-12-30");
    let est: Vec<&juece_core::finding::Finding> = e
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "CALENDAR_ESTIMATED")
        .collect();
    assert_eq!(est.len(), 1, "{:?}", event_codes(&e));
    assert!(est[0].message_en.contains("2027"));
    assert_eq!(est[0].severity().as_str(), "info");
    // Past the estimated deadline, NOT_PUBLISHED is marked estimated.
    let e = eval_at(&c, "2027-03-31");
    let np = e
        .findings
        .iter()
        .find(|f| f.code.as_str() == "NOT_PUBLISHED")
        .expect("past the deadline");
    assert!(np.estimated);
}

#[test]
fn calendar_estimated_near_miss_deadline_inside_the_official_years() {
    let mut c = unpublished_local_strict();
    events(&mut c).truncate(DECIDE + 1);
    // Approved 2026-11-02: the 20th working day is 2026-11-27, inside 2026.
    set_meeting_date(&mut c, "2026-11-02");
    let e = eval_at(&c, "2026-11-10");
    assert!(e.findings.is_empty(), "{:?}", event_codes(&e));
    assert!(e.estimated_years.is_empty());
    // And a past deadline is computed as a date: an audit in 2040 of a 2024 case still works
    // and is exact (the calendar is needed up to the deadline, never up to the audit date).
    let mut c = unpublished_local_strict();
    events(&mut c).truncate(DECIDE + 1);
    // Approved 2024-01-31: the 20th working day after it is 2024-03-04 (春节 02-10..17 off,
    // 02-04 and 02-18 worked).
    set_meeting_date(&mut c, "2024-01-31");
    let e = eval_at(&c, "2040-01-10");
    let np = e
        .findings
        .iter()
        .find(|f| f.code.as_str() == "NOT_PUBLISHED")
        .unwrap();
    assert!(!np.estimated);
    assert!(np.message_en.contains("2024-03-04"), "{}", np.message_en);
    assert!(e.estimated_years.is_empty());
}
