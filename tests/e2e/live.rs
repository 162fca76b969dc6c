//! The three journeys of live use, through the real binary: the legal office, the undertaking
//! unit and the public lawyer; the meeting and the head's override; the auditor.

use std::process::{Command, Stdio};

use crate::common::{fixture, Env, Run};

const R: &str = "XX县政府〔2023〕重大决策12号";

/// Users of the journeys, and a case opened by the office on 2023-03-01.
fn office() -> Env {
    let env = Env::new();
    for (name, role) in [
        ("王敏", "legal_office"),
        ("李强", "undertaking_unit"),
        ("陈律师", "public_lawyer"),
        ("周秘书", "secretary"),
        ("赵县长", "head"),
        ("审计员", "auditor"),
    ] {
        let run = env.juece(&["user", "add", name, "--role", role]);
        assert_eq!(run.code, 0, "{run:?}");
    }
    let run = env.juece(&[
        "case",
        "open",
        R,
        "--title",
        "县城区集中供热价格调整方案",
        "--organ",
        "XX县人民政府",
        "--unit",
        "县发展和改革局",
        "--category",
        "public_policy",
        "--stability-risk",
        "--as",
        "王敏",
        "--at",
        "2023-03-01T09:00:00+08:00",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("已立项：事项"), "{}", run.stdout);
    env
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{run:?}");
    run
}

fn refused(run: Run) -> Run {
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    run
}

/// Draft v1, a 20-day comment period with the shortening reason recorded, a risk assessment,
/// and the submission on Monday 2023-03-27.
fn prepared() -> Env {
    let env = office();
    let draft = env.write("v1.txt", "县城区集中供热价格调整方案（征求意见稿）");
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        draft.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-02T10:00:00+08:00",
    ]));
    ok(env.juece(&[
        "evidence",
        "participation",
        R,
        "--method",
        "public_comment",
        "--from",
        "2023-03-03",
        "--to",
        "2023-03-22",
        "--shortened-reason",
        "供暖季前须确定价格",
        "--as",
        "李强",
        "--at",
        "2023-03-23T10:00:00+08:00",
    ]));
    ok(env.juece(&[
        "evidence",
        "risk",
        R,
        "--level",
        "medium",
        "--controllable",
        "yes",
        "--as",
        "李强",
        "--at",
        "2023-03-24T10:00:00+08:00",
    ]));
    ok(env.juece(&[
        "review",
        "submit",
        R,
        "--as",
        "李强",
        "--at",
        "2023-03-27T09:00:00+08:00",
    ]));
    env
}

fn signed() -> Env {
    let env = prepared();
    ok(env.juece(&[
        "review",
        "sign",
        R,
        "--conclusion",
        "lawful",
        "--opinion",
        "合法",
        "--as",
        "陈律师",
        "--at",
        "2023-04-03T09:00:00+08:00",
    ]));
    env
}

#[test]
fn the_lawyer_cannot_sign_before_submission() {
    let env = office();
    let draft = env.write("v1.txt", "草案");
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        draft.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-02T10:00:00+08:00",
    ]));
    let before = env.rows();
    let run = refused(env.juece(&[
        "review",
        "sign",
        R,
        "--conclusion",
        "lawful",
        "--draft",
        "v1",
        "--as",
        "陈律师",
        "--at",
        "2023-03-03T09:00:00+08:00",
    ]));
    assert!(run.stderr.contains("NOT_SUBMITTED"), "{}", run.stderr);
    assert!(run.stderr.contains("第二十六条"), "{}", run.stderr);
    assert_eq!(env.rows(), before);
}

#[test]
fn a_short_comment_period_refuses_submission_until_the_reason_is_recorded() {
    let env = office();
    let draft = env.write("v1.txt", "草案");
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        draft.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-02T10:00:00+08:00",
    ]));
    let run = ok(env.juece(&[
        "evidence",
        "participation",
        R,
        "--method",
        "public_comment",
        "--from",
        "2023-03-03",
        "--to",
        "2023-03-22",
        "--as",
        "李强",
        "--at",
        "2023-03-23T10:00:00+08:00",
    ]));
    assert!(
        run.stdout.contains("SHORT_COMMENT_PERIOD"),
        "evidence is recorded with a warning: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("legality_review_submitted"),
        "it says what will be blocked: {}",
        run.stdout
    );
    ok(env.juece(&[
        "evidence",
        "risk",
        R,
        "--level",
        "low",
        "--controllable",
        "yes",
        "--as",
        "李强",
        "--at",
        "2023-03-24T10:00:00+08:00",
    ]));

    let before = env.rows();
    let run = refused(env.juece(&[
        "review",
        "submit",
        R,
        "--as",
        "李强",
        "--at",
        "2023-03-27T09:00:00+08:00",
    ]));
    assert!(
        run.stderr.contains("SHORT_COMMENT_PERIOD"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("公开征求意见期限 20 日"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("第十五条"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("重新征求意见不少于 30 日，或如实记录缩短理由"),
        "{}",
        run.stderr
    );
    assert_eq!(env.rows(), before, "nothing written on exit 3");

    ok(env.juece(&[
        "evidence",
        "participation",
        R,
        "--method",
        "public_comment",
        "--from",
        "2023-03-03",
        "--to",
        "2023-03-22",
        "--shortened-reason",
        "供暖季前须确定价格，经县政府同意缩短",
        "--as",
        "李强",
        "--at",
        "2023-03-24T11:00:00+08:00",
    ]));
    let run = ok(env.juece(&[
        "review",
        "submit",
        R,
        "--as",
        "李强",
        "--at",
        "2023-03-27T09:00:00+08:00",
    ]));
    assert!(
        run.stdout.contains("legality_review_submitted"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_role_that_is_not_allowed_is_refused_and_told_who_may() {
    let env = prepared();
    let before = env.rows();
    let run = refused(env.juece(&[
        "review",
        "sign",
        R,
        "--conclusion",
        "lawful",
        "--as",
        "李强",
        "--at",
        "2023-04-03T09:00:00+08:00",
    ]));
    assert!(
        run.stderr
            .contains("`李强`（`undertaking_unit`）不得记录 `legality_review_signed`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("（第二十八条）"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`public_lawyer`")
            && run.stderr.contains("`legal_counsel`")
            && run.stderr.contains("`legality_reviewer`"),
        "{}",
        run.stderr
    );
    // The auditor is read-only.
    let run = refused(env.juece(&[
        "party-report",
        R,
        "--as",
        "审计员",
        "--at",
        "2023-04-03T09:00:00+08:00",
    ]));
    assert!(
        run.stderr.contains("不得记录 `party_report`"),
        "{}",
        run.stderr
    );
    // The same refusal in English.
    let run = refused(env.juece(&[
        "--lang",
        "en",
        "review",
        "sign",
        R,
        "--conclusion",
        "lawful",
        "--as",
        "李强",
        "--at",
        "2023-04-03T09:00:00+08:00",
    ]));
    assert!(
        run.stderr
            .contains("`李强` (`undertaking_unit`) may not record `legality_review_signed`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(Art. 28)"), "{}", run.stderr);
    assert_eq!(env.rows(), before);
}

#[test]
fn deciding_on_a_stale_review_is_refused_until_the_revision_is_reviewed() {
    let env = signed();
    let v2 = env.write("v2.txt", "修改稿");
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        v2.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-04-04T10:00:00+08:00",
    ]));
    let decide = |at: &str, date: &str| {
        env.juece(&[
            "decide",
            R,
            "--kind",
            "executive",
            "--date",
            date,
            "--members",
            "9",
            "--present",
            "8",
            "--majority",
            "approve",
            "--as",
            "周秘书",
            "--at",
            at,
        ])
    };
    let run = refused(decide("2023-04-12T11:00:00+08:00", "2023-04-12"));
    assert!(
        run.stderr.contains("STALE_LEGALITY_REVIEW"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("v2") && run.stderr.contains("v1"),
        "{}",
        run.stderr
    );

    ok(env.juece(&[
        "review",
        "submit",
        R,
        "--as",
        "李强",
        "--at",
        "2023-04-04T11:00:00+08:00",
    ]));
    ok(env.juece(&[
        "review",
        "sign",
        R,
        "--conclusion",
        "lawful",
        "--as",
        "陈律师",
        "--at",
        "2023-04-10T09:00:00+08:00",
    ]));
    // 04-04 .. 04-14: 6, 7, 10, 11, 12, 13 (清明 04-05 off) = 6 working days: still too early.
    let run = refused(decide("2023-04-14T11:00:00+08:00", "2023-04-14"));
    assert!(run.stderr.contains("SHORT_REVIEW_WINDOW"), "{}", run.stderr);
    let run = ok(decide("2023-04-17T11:00:00+08:00", "2023-04-17"));
    assert!(run.stdout.contains("collective_decision"), "{}", run.stdout);
}

/// Draft v1, a 30-day comment period and a risk assessment; submitted Wednesday 2023-04-26 and
/// signed off on 04-28, just before 劳动节 (04-29..05-03 off, Saturday 05-06 worked).
fn signed_before_labour_day() -> Env {
    let env = office();
    let draft = env.write("v1.txt", "草案");
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        draft.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-02T10:00:00+08:00",
    ]));
    ok(env.juece(&[
        "evidence",
        "participation",
        R,
        "--method",
        "public_comment",
        "--from",
        "2023-03-03",
        "--to",
        "2023-04-01",
        "--as",
        "李强",
        "--at",
        "2023-04-02T10:00:00+08:00",
    ]));
    ok(env.juece(&[
        "evidence",
        "risk",
        R,
        "--level",
        "low",
        "--controllable",
        "yes",
        "--as",
        "李强",
        "--at",
        "2023-04-03T10:00:00+08:00",
    ]));
    ok(env.juece(&[
        "review",
        "submit",
        R,
        "--as",
        "李强",
        "--at",
        "2023-04-26T09:00:00+08:00",
    ]));
    ok(env.juece(&[
        "review",
        "sign",
        R,
        "--conclusion",
        "lawful",
        "--as",
        "陈律师",
        "--at",
        "2023-04-28T09:00:00+08:00",
    ]));
    env
}

#[test]
fn a_meeting_five_working_days_after_submission_across_a_holiday_is_refused() {
    // 04-27, 04-28, 05-04, 05-05, 05-06 = 5 working days before Monday 05-08.
    let env = signed_before_labour_day();
    let before = env.rows();
    let run = refused(env.juece(&[
        "decide",
        R,
        "--kind",
        "executive",
        "--members",
        "9",
        "--present",
        "8",
        "--majority",
        "approve",
        "--as",
        "周秘书",
        "--at",
        "2023-05-08T11:00:00+08:00",
    ]));
    assert!(run.stderr.contains("SHORT_REVIEW_WINDOW"), "{}", run.stderr);
    assert!(run.stderr.contains("仅 5 个工作日"), "{}", run.stderr);
    assert!(run.stderr.contains("第二十六条"), "{}", run.stderr);
    assert_eq!(env.rows(), before);

    // The earliest lawful date is shown by `case show`.
    let show = ok(env.juece(&["case", "show", R, "--format", "json"])).json();
    let dates = show["dates"].as_array().unwrap();
    let earliest = dates
        .iter()
        .find(|d| d["kind"] == "earliest_meeting")
        .unwrap();
    assert_eq!(
        earliest["date"], "2023-05-10",
        "7th working day after 04-26 is 05-09"
    );
}

#[test]
fn a_heads_override_is_recorded_and_audited() {
    let env = signed_before_labour_day();
    let decide = |who: &str| {
        env.juece(&[
            "decide",
            R,
            "--kind",
            "executive",
            "--members",
            "9",
            "--present",
            "8",
            "--majority",
            "approve",
            "--as",
            who,
            "--override",
            "供暖季临近，须于本周确定价格",
            "--at",
            "2023-05-08T11:00:00+08:00",
        ])
    };
    let before = env.rows();
    let run = refused(decide("周秘书"));
    assert!(run.stderr.contains("只有行政首长"), "{}", run.stderr);
    assert_eq!(env.rows(), before);

    let run = ok(decide("赵县长"));
    assert!(run.stdout.contains("SHORT_REVIEW_WINDOW"), "{}", run.stdout);
    assert_eq!(
        env.rows().1,
        before.1 + 2,
        "the decision and its override event"
    );

    let export = ok(env.juece(&["export", "--ref", R])).json();
    let events = export["cases"][0]["events"].as_array().unwrap();
    let last = events.last().unwrap();
    assert_eq!(last["type"], "override");
    assert_eq!(last["actor"], "赵县长");
    assert_eq!(last["role"], "head");
    assert_eq!(
        last["unmet"],
        serde_json::json!(["ROLE_NOT_ALLOWED", "SHORT_REVIEW_WINDOW"]),
        "the head records what the secretary would: the role rule is forced too"
    );
    assert_eq!(events[events.len() - 2]["type"], "collective_decision");

    let audit = env.juece(&["audit", "--format", "json", "--as-of", "2023-05-31"]);
    assert_eq!(audit.code, 1);
    let codes: Vec<String> = audit.json()["cases"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    // This history is entered in 2026 (the test clock) for events of 2023: each is BACKFILLED.
    assert!(codes.contains(&"BACKFILLED".to_owned()), "{codes:?}");
    let codes: Vec<&String> = codes.iter().filter(|c| *c != "BACKFILLED").collect();
    assert_eq!(codes, ["SHORT_REVIEW_WINDOW", "GUARD_OVERRIDDEN"]);

    // The history goes on after an override: the next writes check against it as usual.
    ok(env.juece(&[
        "party-report",
        R,
        "--as",
        "王敏",
        "--at",
        "2023-05-09T09:00:00+08:00",
    ]));

    let listed = ok(env.juece(&["case", "list", "--overridden", "--format", "json"])).json();
    assert_eq!(listed["cases"].as_array().unwrap().len(), 1);
    assert_eq!(listed["cases"][0]["ref"], R);
}

#[test]
fn the_auditors_skipped_list_is_exactly_the_cases_with_skipped_steps() {
    let env = signed();
    ok(env.juece(&[
        "decide",
        R,
        "--kind",
        "executive",
        "--members",
        "9",
        "--present",
        "8",
        "--majority",
        "approve",
        "--as",
        "周秘书",
        "--at",
        "2023-04-12T11:00:00+08:00",
    ]));
    let examples = fixture("workflows/examples/cases.json");
    ok(env.juece(&["import", examples.to_str().unwrap()]));
    let audit = env.juece(&["audit", "--format", "json"]).json();
    let mut with_skipped: Vec<String> = audit["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == "SKIPPED_STEP")
        })
        .map(|c| c["ref"].as_str().unwrap().to_owned())
        .collect();
    with_skipped.sort();
    let listed = ok(env.juece(&["case", "list", "--skipped", "--format", "json"])).json();
    let listed: Vec<String> = listed["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ref"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, with_skipped);
    assert_eq!(listed, ["XX县政府〔2023〕重大决策7号"]);
    // And the table is for people.
    let table = ok(env.juece(&["case", "list"]));
    assert!(
        table.stdout.contains("案号") && table.stdout.contains("共 4 件"),
        "{}",
        table.stdout
    );
    // The listing is written a case at a time, laid out exactly as one pretty JSON document
    // (and none, when nothing matches).
    for args in [
        &["case", "list", "--format", "json"][..],
        &[
            "case",
            "list",
            "--status",
            "open",
            "--skipped",
            "--format",
            "json",
        ][..],
    ] {
        let out = ok(env.juece(args)).stdout;
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out, serde_json::to_string_pretty(&doc).unwrap() + "\n");
    }
}

#[test]
fn bad_input_exits_two_and_writes_nothing() {
    let env = prepared();
    let before = env.rows();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["party-report", R, "--as", "无名氏"],
            "unknown user `无名氏`",
        ),
        (vec!["party-report", R], "who is recording?"),
        (
            vec!["party-report", "没有这个案号", "--as", "王敏"],
            "no case `没有这个案号`",
        ),
        (
            vec![
                "evidence",
                "risk",
                R,
                "--level",
                "medium",
                "--controllable",
                "yes",
                "--as",
                "李强",
                "--at",
                "2023-03-01T09:00:00+08:00",
            ],
            "earlier than the case's last event",
        ),
        (
            vec![
                "evidence",
                "risk",
                R,
                "--level",
                "severe",
                "--controllable",
                "yes",
                "--as",
                "李强",
            ],
            "unknown risk level `severe`",
        ),
        (
            vec![
                "step",
                "waive",
                R,
                "expert_reveiw",
                "--reason",
                "other",
                "--basis",
                "x",
                "--as",
                "王敏",
            ],
            "did you mean `expert_review`?",
        ),
        (
            vec![
                "evidence",
                "risk",
                R,
                "--level",
                "low",
                "--controllable",
                "yes",
                "--as",
                "李强",
                "--at",
                "2099-01-01T09:00:00+08:00",
            ],
            "in the future",
        ),
    ];
    for (mut args, expected) in cases {
        args.extend(["--lang", "en"]);
        let run = env.juece(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(expected),
            "{args:?}: expected `{expected}` in {}",
            run.stderr
        );
    }
    let bad = env.write(
        "bad.json",
        r#"{"type": "risk_assessment", "level": "low", "controllable": true, "colour": "red"}"#,
    );
    let run = env.juece(&["record", R, bad.to_str().unwrap(), "--as", "李强"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("没有字段 `colour`"), "{}", run.stderr);
    let with_actor = env.write(
        "actor.json",
        r#"{"type": "party_report", "actor": "王敏", "role": "legal_office"}"#,
    );
    let run = env.juece(&["record", R, with_actor.to_str().unwrap(), "--as", "王敏"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("由 `--as` 决定"), "{}", run.stderr);
    let not_json = env.write("x.json", "{");
    assert_eq!(
        env.juece(&["record", R, not_json.to_str().unwrap(), "--as", "李强"])
            .code,
        2
    );
    assert_eq!(env.rows(), before);
}

#[test]
fn record_takes_an_event_file_with_its_own_time() {
    // Entering yesterday's meeting today: the event file carries `at`.
    let env = signed();
    let meeting = r#"{ "type": "collective_decision", "at": "2023-04-12T11:00:00+08:00",
        "meeting": { "kind": "executive", "date": "2023-04-12", "members_total": 9, "members_present": 8 },
        "majority": "approve", "head_decision": "approve", "reason": null, "dissent_recorded": false }"#;
    let run = env.juece_stdin(&["record", R, "-", "--as", "周秘书"], meeting);
    assert_eq!(run.code, 0, "{run:?}");
    let export = env.juece(&["export", "--ref", R]).json();
    let last = export["cases"][0]["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["at"], "2023-04-12T11:00:00+08:00");
    assert_eq!(last["actor"], "周秘书");
    assert_eq!(last["role"], "secretary");
    let show = env.juece(&["case", "show", R, "--format", "json"]).json();
    assert_eq!(show["status"], "decided");
    let next: Vec<&str> = show["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"].as_str().unwrap())
        .collect();
    assert_eq!(next, ["party_report", "published", "archived"]);
}

#[test]
fn case_show_lists_facts_timeline_steps_next_and_dates() {
    let env = signed();
    let run = ok(env.juece(&["case", "show", R]));
    for part in [
        "县城区集中供热价格调整方案",
        "时间线",
        "陈律师",
        "公职律师",
        "程序",
        "合法性审查",
        "已完成",
        "下一步",
        "可以办理：集体讨论决定（juece decide）",
        "重要日期",
        "最早可开会日期: 2023-04-07",
    ] {
        assert!(
            run.stdout.contains(part),
            "expected `{part}` in:\n{}",
            run.stdout
        );
    }
    let en = ok(env.juece(&["--lang", "en", "case", "show", R]));
    assert!(
        en.stdout
            .contains("may be done now: collective decision (juece decide)"),
        "{}",
        en.stdout
    );
}

#[test]
fn due_lists_deadlines_across_cases() {
    // local-strict: publication within 20 working days, archiving within 60 days.
    let env = Env::new();
    let mut doc = crate::common::example_doc();
    doc["cases"][0]["workflow"] = "local-strict".into();
    doc["cases"][0]["events"]
        .as_array_mut()
        .unwrap()
        .truncate(9); // decided, reported; not published
    let file = env.write("c.json", &doc.to_string());
    ok(env.juece(&["import", file.to_str().unwrap()]));
    let run = ok(env.juece(&[
        "--now",
        "2023-05-05T09:00:00+08:00",
        "due",
        "--within",
        "14",
    ]));
    assert!(
        run.stdout.contains("2023-05-11") && run.stdout.contains("公布期限"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("归档期限"),
        "the archiving deadline (06-11) is further away: {}",
        run.stdout
    );
    let late = ok(env.juece(&["--now", "2023-06-20T09:00:00+08:00", "due"]));
    assert!(late.stdout.contains("已逾期"), "{}", late.stdout);
}

/// Two processes append to one case at once. Both read the same history (the test hook makes
/// each wait between its check and its write); one wins, the other is told to retry, and the
/// history stays one chain.
#[test]
fn two_writers_never_fork_a_history() {
    let env = signed();
    let before = env.rows();
    let spawn = |level: &str| {
        Command::new(env!("CARGO_BIN_EXE_juece"))
            .args([
                "evidence",
                "risk",
                R,
                "--level",
                level,
                "--controllable",
                "yes",
                "--as",
                "李强",
                "--at",
                "2023-04-04T10:00:00+08:00",
            ])
            .env_clear()
            .env("JUECE_DB", env.db())
            .env("JUECE_NOW", "2023-06-30T10:00:00+08:00")
            .env("JUECE_TEST_WRITE_DELAY_MS", "800")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn("low");
    let b = spawn("high");
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let codes: Vec<i32> = outs.iter().map(|o| o.status.code().unwrap()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 2], "{outs:?}");
    let loser = outs.iter().find(|o| o.status.code() == Some(2)).unwrap();
    let stderr = String::from_utf8_lossy(&loser.stderr);
    assert!(
        stderr.contains("在本命令运行期间发生了变化")
            && stderr.contains("事项刚被他人修改，请重试"),
        "{stderr}"
    );
    assert_eq!(env.rows().1, before.1 + 1, "exactly the winner's event");
    env.assert_one_chain(R);
}

#[test]
fn evidence_after_the_submission_warns_that_it_needs_a_fresh_submission() {
    let env = prepared(); // submitted on 2023-03-27
    let run = ok(env.juece(&[
        "evidence",
        "risk",
        R,
        "--level",
        "high",
        "--controllable",
        "yes",
        "--as",
        "李强",
        "--at",
        "2023-03-28T10:00:00+08:00",
    ]));
    assert!(run.stdout.contains("注意：OUT_OF_ORDER"), "{}", run.stdout);
    assert!(run.stdout.contains("会议前须重新送审"), "{}", run.stdout);
}

#[test]
fn record_batch_answers_every_line_and_writes_only_what_passes() {
    let env = prepared();
    let (cases, events) = env.rows();
    let requests = [
        // Signed by the public lawyer: written.
        format!(
            r#"{{"ref":"{R}","as":"陈律师","at":"2023-04-03T09:00:00+08:00","event":{{"type":"legality_review_signed","draft":"v1","conclusion":"lawful","opinion":"合法"}}}}"#
        ),
        // The undertaking unit may not publish (`--as` default): refused, exit 3.
        format!(
            r#"{{"ref":"{R}","at":"2023-04-04T09:00:00+08:00","event":{{"type":"published","channel":"政府网站"}}}}"#
        ),
        String::new(),
        "not a request".to_owned(),
        r#"{"ref":"XX县政府〔2023〕重大决策99号","event":{"type":"archived"}}"#.to_owned(),
    ]
    .join("\n");
    let run = env.juece_stdin(&["record-batch", "--as", "李强", "--lang", "en"], &requests);
    assert_eq!(run.code, 3, "the largest exit code of the lines: {run:?}");
    let answers: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let exits: Vec<(u64, u64)> = answers
        .iter()
        .map(|a| (a["line"].as_u64().unwrap(), a["exit"].as_u64().unwrap()))
        .collect();
    assert_eq!(exits, [(1, 0), (2, 3), (4, 2), (5, 2)], "{}", run.stdout);
    assert!(
        answers[0]["message"]
            .as_str()
            .unwrap()
            .contains("recorded `legality_review_signed` as event 5"),
        "{}",
        answers[0]
    );
    assert!(
        answers[1]["error"]
            .as_str()
            .unwrap()
            .contains("may not record `published`"),
        "{}",
        answers[1]
    );
    assert!(
        answers[3]["error"]
            .as_str()
            .unwrap()
            .contains("no case `XX县政府〔2023〕重大决策99号`"),
        "{}",
        answers[3]
    );
    assert_eq!(env.rows(), (cases, events + 1), "only the first line wrote");
    env.assert_one_chain(R);
    // The answers come from the same write path as `juece record`: the audit agrees.
    let audit = env.juece(&["audit", "--format", "json", "--as-of", "2023-04-04"]);
    assert_eq!(audit.code, 0, "{audit:?}");
}
