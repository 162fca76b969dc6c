//! Malformed input exits 2, names the case ref, event index and field, and writes nothing.

use serde_json::{json, Value};

use crate::common::{example_doc, fixture, Env};

/// An environment that already holds the example case, so "nothing written" is visible.
fn seeded() -> Env {
    let env = Env::new();
    let file = fixture("workflows/examples/cases.json");
    assert_eq!(env.juece(&["import", file.to_str().unwrap()]).code, 0);
    env
}

/// A second case (new ref) built from the example, changed by `f`.
fn doc_with(f: impl FnOnce(&mut Value)) -> String {
    let mut doc = example_doc();
    let case = &mut doc["cases"][0];
    case["ref"] = json!("XX县政府〔2024〕重大决策1号");
    f(case);
    doc.to_string()
}

fn assert_refused(env: &Env, text: &str, expected: &[&str]) {
    let before = env.rows();
    let file = env.write("bad.json", text);
    let run = env.juece(&["import", file.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    for e in expected {
        assert!(run.stderr.contains(e), "expected `{e}` in:\n{}", run.stderr);
    }
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert_eq!(env.rows(), before, "nothing may be written");
}

#[test]
fn bad_json() {
    let env = seeded();
    assert_refused(
        &env,
        "{ \"format\": \"juece-cases/1\", \"cases\": [ ",
        &["not valid JSON", "line 1"],
    );
}

#[test]
fn wrong_format_version() {
    let env = seeded();
    assert_refused(
        &env,
        r#"{"format": "juece-cases/9", "cases": []}"#,
        &["unsupported format", "juece-cases/1"],
    );
}

#[test]
fn unknown_field_in_an_event() {
    let env = seeded();
    let text = doc_with(|c| c["events"][3]["experts"][0]["signd"] = json!(true));
    assert_refused(
        &env,
        &text,
        &[
            "case `XX县政府〔2024〕重大决策1号`",
            "events[3]",
            "experts[0]",
            "unknown field `signd`",
        ],
    );
}

#[test]
fn unknown_field_in_a_case() {
    let env = seeded();
    let text = doc_with(|c| c["titel"] = json!("x"));
    assert_refused(
        &env,
        &text,
        &[
            "case `XX县政府〔2024〕重大决策1号`",
            "field `titel`",
            "unknown field",
        ],
    );
}

#[test]
fn unknown_step_in_a_waiver() {
    let env = seeded();
    let text = doc_with(|c| {
        c["events"][4] = json!({ "type": "waived", "at": "2023-03-25T17:00:00+08:00", "actor": "王敏",
            "role": "legal_office", "step": "risk_assesment", "reason": "covered_elsewhere", "basis": "x" });
    });
    assert_refused(
        &env,
        &text,
        &[
            "events[4]",
            "field `step`",
            "unknown step `risk_assesment`",
            "did you mean `risk_assessment`?",
        ],
    );
}

#[test]
fn unknown_role() {
    let env = seeded();
    let text = doc_with(|c| c["events"][6]["role"] = json!("lawyer"));
    assert_refused(
        &env,
        &text,
        &["events[6]", "field `role`", "unknown role `lawyer`"],
    );
}

#[test]
fn unknown_event_type() {
    let env = seeded();
    let text = doc_with(|c| c["events"][8]["type"] = json!("party_reprot"));
    assert_refused(
        &env,
        &text,
        &["events[8]", "field `type`", "did you mean `party_report`?"],
    );
}

#[test]
fn unknown_profile() {
    let env = seeded();
    let text = doc_with(|c| c["workflow"] = json!("decree-731"));
    assert_refused(
        &env,
        &text,
        &[
            "case `XX县政府〔2024〕重大决策1号`",
            "field `workflow`",
            "unknown workflow profile `decree-731`",
            "did you mean `decree-713`?",
        ],
    );
    let text = doc_with(|c| c["workflow"] = json!("decree-713@7"));
    assert_refused(&env, &text, &["unknown workflow profile `decree-713@7`"]);
}

#[test]
fn events_out_of_time_order() {
    let env = seeded();
    let text = doc_with(|c| c["events"][5]["at"] = json!("2023-03-21T09:00:00+08:00"));
    assert_refused(
        &env,
        &text,
        &["events[5]", "field `at`", "earlier than the previous event"],
    );
}

#[test]
fn time_order_compares_instants_across_offsets() {
    // 09:00+08:00 is 01:00Z: an event at 02:00Z on the same day is later, not earlier.
    let env = seeded();
    let text = doc_with(|c| c["events"][6]["at"] = json!("2023-04-04T02:00:00Z"));
    let file = env.write("ok.json", &text);
    assert_eq!(env.juece(&["import", file.to_str().unwrap()]).code, 0);
}

#[test]
fn draft_version_referenced_before_it_exists() {
    let env = seeded();
    let text = doc_with(|c| c["events"][5]["draft"] = json!("v2"));
    assert_refused(
        &env,
        &text,
        &[
            "events[5]",
            "field `draft`",
            "draft version `v2` has not been recorded",
        ],
    );
}

#[test]
fn bad_time_and_date_values() {
    let env = seeded();
    let text = doc_with(|c| c["events"][2]["at"] = json!("2023-03-20 17:00"));
    assert_refused(&env, &text, &["events[2]", "field `at`", "RFC 3339"]);
    let text = doc_with(|c| c["events"][2]["comment_period"]["end"] = json!("2023-02-30"));
    assert_refused(&env, &text, &["events[2]", "comment_period.end"]);
    let text = doc_with(|c| c["events"][2]["comment_period"]["end"] = json!("2023-02-01"));
    assert_refused(
        &env,
        &text,
        &["events[2]", "comment_period.end", "before the start"],
    );
}

#[test]
fn duplicate_ref_in_the_document() {
    let env = seeded();
    let mut doc = example_doc();
    doc["cases"][0]["ref"] = json!("XX县政府〔2024〕重大决策1号");
    let copy = doc["cases"][0].clone();
    doc["cases"].as_array_mut().unwrap().push(copy);
    assert_refused(
        &env,
        &doc.to_string(),
        &["cases[1]", "field `ref`", "duplicate `ref`"],
    );
}

#[test]
fn importing_the_same_document_again_is_a_no_op() {
    let env = seeded();
    let before = env.rows();
    let file = fixture("workflows/examples/cases.json");
    let run = env.juece(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "3 件事项已存在且内容相同；未导入新事项\n");
    assert_eq!(env.rows(), before);
}

#[test]
fn a_stored_ref_with_different_content_is_refused_naming_the_first_difference() {
    let env = seeded();
    let mut doc = example_doc();
    doc["cases"][0]["events"][7]["meeting"]["members_present"] = json!(7);
    assert_refused(
        &env,
        &doc.to_string(),
        &[
            "case `XX县政府〔2023〕重大决策3号` (cases[0]), event 7 (events[7])",
            "already in the database with different content",
        ],
    );
    let mut doc = example_doc();
    doc["cases"][0]["title"] = json!("另一个标题");
    assert_refused(&env, &doc.to_string(), &["event 0 (events[0])", "header"]);
}

#[test]
fn one_bad_case_refuses_the_whole_document() {
    let env = seeded();
    let mut doc = example_doc();
    let mut good = doc["cases"][0].clone();
    good["ref"] = json!("XX县政府〔2024〕重大决策1号");
    let mut bad = good.clone();
    bad["ref"] = json!("XX县政府〔2024〕重大决策2号");
    bad["events"][7]["meeting"]["members_present"] = json!(12);
    doc["cases"] = json!([good, bad]);
    assert_refused(
        &env,
        &doc.to_string(),
        &[
            "case `XX县政府〔2024〕重大决策2号` (cases[1])",
            "events[7]",
            "meeting.members_present",
        ],
    );
}

#[test]
fn history_must_start_with_opened() {
    let env = seeded();
    let text = doc_with(|c| {
        c["events"].as_array_mut().unwrap().remove(0);
    });
    assert_refused(&env, &text, &["events[0]", "starts with `opened`"]);
}

#[test]
fn missing_file_is_bad_input() {
    let env = Env::new();
    let run = env.juece(&["import", "no-such-file.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("文件 `no-such-file.json` 不存在"),
        "{}",
        run.stderr
    );
}
