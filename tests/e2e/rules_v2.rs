//! procedure.md version 2 through the real binary: the calendar that never fails (the clock in
//! 2027, 2030 and 2040), `recorded_at` from the clock, the future refused, voiding, the
//! fair-competition review, the shortened review window and `juece-cases/2`.

use crate::common::{example_doc, Env, Run};

const R: &str = "XX县政府〔2026〕重大决策5号";

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{run:?}");
    run
}

fn users(env: &Env) {
    for (name, role) in [
        ("王敏", "legal_office"),
        ("李强", "undertaking_unit"),
        ("刘芳", "undertaking_unit"),
        ("陈律师", "public_lawyer"),
        ("周秘书", "secretary"),
    ] {
        ok(env.juece(&["user", "add", name, "--role", role]));
    }
}

/// A local-strict case approved on 2026-12-28 with every step done before, by live use with the
/// clock at each event's own time; publication is still pending, and its 20-working-day
/// deadline runs into 2027, a year no official notice covers.
fn approved_at_year_end() -> Env {
    let env = Env::new();
    users(&env);
    let draft = env
        .write("draft-v1.txt", "县城停车收费标准调整方案（草案）")
        .display()
        .to_string();
    let at = |t: &str| format!("--now={t}");
    let steps: Vec<Vec<String>> = vec![
        vec![
            "case",
            "open",
            R,
            "--title",
            "县城停车收费标准调整",
            "--organ",
            "XX县人民政府",
            "--unit",
            "县发展和改革局",
            "--category",
            "public_policy",
            "--workflow",
            "local-strict",
            "--as",
            "王敏",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        vec!["draft", "add", R, "--file", &draft, "--as", "李强"]
            .into_iter()
            .map(String::from)
            .collect(),
        vec![
            "evidence",
            "participation",
            R,
            "--method",
            "public_comment",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-30",
            "--as",
            "李强",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        vec![
            "evidence",
            "experts",
            R,
            "--expert",
            "赵工",
            "--expert",
            "钱教授",
            "--expert",
            "孙研究员",
            "--as",
            "李强",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
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
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        vec!["review", "submit", R, "--as", "李强"]
            .into_iter()
            .map(String::from)
            .collect(),
        vec![
            "review",
            "sign",
            R,
            "--conclusion",
            "lawful",
            "--as",
            "陈律师",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        vec![
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
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    ];
    let times = [
        "2026-09-20T09:00:00+08:00",
        "2026-09-25T09:00:00+08:00",
        "2026-11-02T09:00:00+08:00",
        "2026-11-05T09:00:00+08:00",
        "2026-11-06T09:00:00+08:00",
        "2026-12-01T09:00:00+08:00",
        "2026-12-10T09:00:00+08:00",
        "2026-12-28T11:00:00+08:00",
    ];
    for (args, t) in steps.iter().zip(times) {
        let mut all = vec![at(t)];
        all.extend(args.iter().cloned());
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        ok(env.juece(&refs));
    }
    env
}

fn at_clock(env: &Env, now: &str, args: &[&str]) -> Run {
    let clock = format!("--now={now}");
    let mut all = vec![clock.as_str()];
    all.extend_from_slice(args);
    env.juece(&all)
}

#[test]
fn audit_due_and_case_show_work_with_the_clock_in_2027_2030_and_2040() {
    let env = approved_at_year_end();
    for now in [
        "2027-01-05T10:00:00+08:00",
        "2030-06-01T10:00:00+08:00",
        "2040-01-10T10:00:00+08:00",
    ] {
        let audit = at_clock(&env, now, &["audit"]);
        assert!(audit.code == 0 || audit.code == 1, "{now}: {audit:?}");
        let due = ok(at_clock(&env, now, &["due", "--within", "60"]));
        let show = ok(at_clock(&env, now, &["case", "show", R]));
        let json = ok(at_clock(
            &env,
            now,
            &["case", "show", R, "--format", "json"],
        ))
        .json();
        assert_eq!(
            json["calendar"]["estimated"],
            serde_json::json!([2027]),
            "{now}"
        );
        // Plain words: which year is estimated, and how to load the official notice.
        assert!(
            show.stdout.contains("2027 年尚未导入国务院放假安排"),
            "{}",
            show.stdout
        );
        assert!(
            show.stdout.contains("juece calendar add"),
            "{}",
            show.stdout
        );
        assert!(due.stdout.contains("估算"), "{now}: {}", due.stdout);
        let en = ok(at_clock(&env, now, &["case", "show", R, "--lang", "en"]));
        assert!(
            en.stdout
                .contains("no official holiday notice is loaded for 2027"),
            "{}",
            en.stdout
        );
    }
    // In January 2027 the deadline is still ahead: CALENDAR_ESTIMATED names 2027.
    let audit = at_clock(
        &env,
        "2027-01-05T10:00:00+08:00",
        &["audit", "--format", "json"],
    )
    .json();
    let findings = audit["cases"][0]["findings"].as_array().unwrap().clone();
    assert!(
        findings.iter().any(|f| f["code"] == "CALENDAR_ESTIMATED"),
        "{findings:?}"
    );
    // In 2030 the estimated deadline has passed: NOT_PUBLISHED, marked estimated.
    let audit = at_clock(
        &env,
        "2030-06-01T10:00:00+08:00",
        &["audit", "--format", "json"],
    );
    assert_eq!(audit.code, 1);
    let doc = audit.json();
    let np = doc["cases"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "NOT_PUBLISHED")
        .cloned()
        .expect("past the deadline");
    assert_eq!(np["estimated"], true);
}

#[test]
fn an_import_whose_deadline_runs_into_an_uncovered_year_is_accepted() {
    let env = Env::new();
    let mut doc = example_doc();
    let case = &mut doc["cases"][0];
    case["workflow"] = serde_json::json!("local-strict");
    let events = case["events"].as_array_mut().unwrap();
    events.truncate(8);
    let text = serde_json::to_string(&doc)
        .unwrap()
        .replace("2023-04-12", "2026-12-29")
        .replace("2023-04-12T11:00:00", "2026-12-29T11:00:00");
    let file = env.write("c.json", &text);
    ok(env.juece(&["import", file.to_str().unwrap()]));
    let run = env.juece(&["audit", "--format", "json", "--as-of", "2027-01-10"]);
    assert!(run.code == 0 || run.code == 1, "{run:?}");
}

#[test]
fn live_events_carry_recorded_at_from_the_clock_and_the_user_never_sets_it() {
    let env = Env::new();
    users(&env);
    ok(env.juece(&[
        "case",
        "open",
        R,
        "--title",
        "t",
        "--organ",
        "o",
        "--unit",
        "u",
        "--category",
        "other",
        "--as",
        "王敏",
        "--at",
        "2026-11-27T09:00:00+08:00",
    ]));
    let export = ok(env.juece(&["export"])).json();
    assert_eq!(export["format"], "juece-cases/2");
    let opened = &export["cases"][0]["events"][0];
    assert_eq!(opened["at"], "2026-11-27T09:00:00+08:00");
    assert_eq!(
        opened["recorded_at"], "2026-11-28T10:00:00+08:00",
        "the test clock"
    );

    // An event file may not carry `recorded_at`.
    let file = env.write(
        "e.json",
        r#"{"type": "draft", "version": "v1", "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "recorded_at": "2020-01-01T00:00:00+08:00"}"#,
    );
    let run = env.juece(&["record", R, file.to_str().unwrap(), "--as", "李强"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("recorded_at"), "{}", run.stderr);
    assert_eq!(env.rows(), (1, 1));
}

#[test]
fn a_time_in_the_future_is_refused_for_every_write_case_open_included() {
    let env = Env::new();
    users(&env);
    let run = env.juece(&[
        "case",
        "open",
        R,
        "--title",
        "t",
        "--organ",
        "o",
        "--unit",
        "u",
        "--category",
        "other",
        "--as",
        "王敏",
        "--at",
        "2099-01-01T09:00:00+08:00",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("晚于当前时间"), "{}", run.stderr);
    assert_eq!(env.rows(), (0, 0), "nothing written");
    // Five minutes ahead of the clock is tolerated (two machines' clocks differ); six is not.
    ok(env.juece(&[
        "case",
        "open",
        R,
        "--title",
        "t",
        "--organ",
        "o",
        "--unit",
        "u",
        "--category",
        "other",
        "--as",
        "王敏",
        "--at",
        "2026-11-28T10:05:00+08:00",
    ]));
    let run = env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        &env.write("d.txt", "草案 c").display().to_string(),
        "--as",
        "李强",
        "--at",
        "2026-11-28T10:06:00+08:00",
        "--lang",
        "en",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("is in the future"), "{}", run.stderr);
}

#[test]
fn case_void_by_the_author_or_the_legal_office_of_the_latest_event_only() {
    let env = Env::new();
    users(&env);
    let t = |h: &str| format!("2026-11-{h}:00+08:00");
    ok(env.juece(&[
        "case",
        "open",
        R,
        "--title",
        "t",
        "--organ",
        "o",
        "--unit",
        "u",
        "--category",
        "other",
        "--technical",
        "--as",
        "王敏",
        "--at",
        &t("02T09:00"),
    ]));
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        &env.write("d.txt", "草案 d").display().to_string(),
        "--as",
        "李强",
        "--at",
        &t("03T09:00"),
    ]));
    ok(env.juece(&[
        "evidence",
        "experts",
        R,
        "--expert",
        "赵工",
        "--expert",
        "钱教授",
        "--expert",
        "孙研究员",
        "--as",
        "李强",
        "--at",
        &t("04T09:00"),
    ]));
    // Someone else of the unit may not void 李强's entry (exit 3).
    let run = env.juece(&["case", "void", R, "--reason", "误录", "--as", "刘芳"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("李强"), "{}", run.stderr);
    // An earlier event may not be voided, even by its author.
    let run = env.juece(&[
        "case", "void", R, "--reason", "误录", "--event", "1", "--as", "李强",
    ]);
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(env.rows(), (1, 3), "nothing written");
    // The author voids the latest event; it stays in the history and the rules leave it out.
    ok(env.juece(&[
        "case",
        "void",
        R,
        "--reason",
        "专家名单录错",
        "--as",
        "李强",
    ]));
    assert_eq!(env.rows(), (1, 4));
    let show = ok(env.juece(&["case", "show", R, "--format", "json"])).json();
    assert_eq!(show["timeline"][2]["voided"], true);
    assert_eq!(show["timeline"][3]["type"], "voided");
    let codes: Vec<String> = show["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(codes.contains(&"VOIDED_EVENT".to_owned()), "{codes:?}");
    let expert = show["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "expert_review")
        .unwrap()
        .clone();
    assert_eq!(
        expert["state"], "pending",
        "the voided review no longer counts"
    );
    // The legal office may void the latest (now: the draft).
    ok(env.juece(&[
        "case",
        "void",
        R,
        "--reason",
        "草案版本有误",
        "--as",
        "王敏",
    ]));
    let export = ok(env.juece(&["export"])).json();
    let last = export["cases"][0]["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["type"], "voided");
    assert_eq!(last["event"], 1);
    assert_eq!(last["role"], "legal_office");
}

#[test]
fn fair_competition_review_and_a_shortened_review_window_live() {
    let env = Env::new();
    users(&env);
    ok(env.juece(&["user", "add", "赵县长", "--role", "head"]));
    let t = |d: &str| format!("2026-{d}+08:00");
    ok(env.juece(&[
        "case",
        "open",
        R,
        "--title",
        "t",
        "--organ",
        "o",
        "--unit",
        "u",
        "--category",
        "public_policy",
        "--market-entities",
        "--as",
        "王敏",
        "--at",
        &t("09-01T09:00:00"),
    ]));
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        &env.write("d.txt", "草案 e").display().to_string(),
        "--as",
        "李强",
        "--at",
        &t("09-02T09:00:00"),
    ]));
    ok(env.juece(&[
        "evidence",
        "participation",
        R,
        "--method",
        "public_comment",
        "--from",
        "2026-09-03",
        "--to",
        "2026-10-09",
        "--as",
        "李强",
        "--at",
        &t("10-10T09:00:00"),
    ]));
    // Six working days (2026-11-02 Mon .. 2026-11-10 Tue) with a recorded reason: allowed under
    // decree-713 (SHORTENED_REVIEW_WINDOW, info).
    ok(env.juece(&[
        "review",
        "submit",
        R,
        "--shortened-reason",
        "防汛应急",
        "--as",
        "李强",
        "--at",
        &t("11-02T09:00:00"),
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
        &t("11-05T09:00:00"),
    ]));
    // Without the fair-competition review the meeting is refused (exit 3), naming Art. 29.
    let decide = |env: &Env| {
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
            "周秘书",
            "--at",
            &t("11-10T11:00:00"),
        ])
    };
    let run = decide(&env);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("FAIR_COMPETITION_REVIEW_MISSING"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("第二十九条"), "{}", run.stderr);
    ok(env.juece(&[
        "evidence",
        "fair-competition",
        R,
        "--conclusion",
        "compliant",
        "--basis",
        "《公平竞争审查条例》",
        "--as",
        "李强",
        "--at",
        &t("11-06T09:00:00"),
    ]));
    ok(decide(&env));
    let audit = env.juece(&["audit", "--format", "json", "--as-of", "2026-11-28"]);
    let doc = audit.json();
    let codes: Vec<&str> = doc["cases"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"SHORTENED_REVIEW_WINDOW"), "{codes:?}");
    assert!(!codes.contains(&"SHORT_REVIEW_WINDOW"), "{codes:?}");
    assert!(
        !codes.contains(&"FAIR_COMPETITION_REVIEW_MISSING"),
        "{codes:?}"
    );
}

#[test]
fn version_1_imports_and_exports_as_version_2_and_version_2_round_trips() {
    let env = Env::new();
    let v1 = example_doc();
    assert_eq!(v1["format"], "juece-cases/1");
    let file = env.write("v1.json", &v1.to_string());
    ok(env.juece(&["import", file.to_str().unwrap()]));
    let a = ok(env.juece(&["export"]));
    let exported = a.json();
    assert_eq!(exported["format"], "juece-cases/2");
    // The same content: nothing invented for the fields version 1 lacked.
    let mut same = v1.clone();
    same["format"] = serde_json::json!("juece-cases/2");
    same["cases"][0]["workflow"] = serde_json::json!("decree-713@1");
    assert_eq!(exported, same);

    // A version-2 document with every new field round-trips byte for byte.
    let mut v2 = exported.clone();
    let events = v2["cases"][0]["events"].as_array_mut().unwrap();
    events[5]["shortened_reason"] = serde_json::json!("汛期");
    events[3]["recorded_at"] = serde_json::json!("2023-03-22T18:00:00+08:00");
    events.insert(
        7,
        serde_json::json!({ "type": "fair_competition_review", "at": "2023-04-10T09:00:00+08:00",
            "recorded_at": "2023-04-10T09:30:00+08:00", "actor": "李强", "role": "undertaking_unit",
            "conclusion": "exception", "basis": "第十二条", "reviewer": "县市场监管局" }),
    );
    events.push(
        serde_json::json!({ "type": "voided", "at": "2023-05-10T10:00:00+08:00",
        "actor": "王敏", "role": "legal_office", "event": 11, "reason": "重复归档" }),
    );
    v2["cases"][0]["ref"] = serde_json::json!("XX县政府〔2023〕重大决策99号");
    let second = Env::new();
    let file = second.write("v2.json", &serde_json::to_string_pretty(&v2).unwrap());
    ok(second.juece(&["import", file.to_str().unwrap()]));
    let b = ok(second.juece(&["export"]));
    let third = Env::new();
    let file = third.write("b.json", &b.stdout);
    ok(third.juece(&["import", file.to_str().unwrap()]));
    let c = ok(third.juece(&["export"]));
    assert_eq!(b.stdout, c.stdout);
    assert_eq!(b.json(), v2);
    // A `voided` that names a later event is refused, naming the field.
    let mut bad = v2.clone();
    let events = bad["cases"][0]["events"].as_array_mut().unwrap();
    let n = events.len();
    events.last_mut().unwrap()["event"] = serde_json::json!(n + 3);
    let file = env.write("bad.json", &bad.to_string());
    let run = env.juece(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("`event`"), "{}", run.stderr);
}
