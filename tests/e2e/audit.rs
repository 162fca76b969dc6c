use serde_json::json;
use unicode_width::UnicodeWidthStr;

use crate::common::{example_doc, fixture, Env};

fn with_examples() -> Env {
    let env = Env::new();
    let file = fixture("workflows/examples/cases.json");
    let run = env.juece(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    env
}

#[test]
fn audit_json_lists_every_case_with_article_cited_findings() {
    let env = with_examples();
    let run = env.juece(&["audit", "--format", "json", "--as-of", "2024-01-31"]);
    assert_eq!(run.code, 1, "violations found: exit 1");
    let report = run.json();
    let cases = report["cases"].as_array().unwrap();
    let refs: Vec<&str> = cases.iter().map(|c| c["ref"].as_str().unwrap()).collect();
    assert_eq!(
        refs,
        [
            "XX县政府〔2023〕重大决策3号",
            "XX县政府〔2023〕重大决策7号",
            "XX县政府〔2023〕重大决策9号"
        ]
    );
    let rushed: Vec<(&str, &str, &str)> = cases[1]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["step"].as_str().unwrap(),
                f["article"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rushed,
        [
            ("SHORT_COMMENT_PERIOD", "public_participation", "第十五条"),
            ("SKIPPED_STEP", "expert_review", "第十九条"),
            ("SHORT_REVIEW_WINDOW", "legality_review", "第二十六条"),
        ]
    );
    let first = &cases[1]["findings"][0];
    assert_eq!(first["severity"], "violation");
    assert!(first["message"].as_str().unwrap().contains("21 日"));
    assert_eq!(cases[1]["status"], "published");
}

#[test]
fn audit_as_of_leaves_out_later_events_and_cases() {
    let env = with_examples();
    let run = env.juece(&["audit", "--format", "json", "--as-of", "2023-04-11"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    let cases = report["cases"].as_array().unwrap();
    // Case 7 opens 2023-08-01 and is left out; case 9 opens 2023-05-04.
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["status"], "in_review");
}

#[test]
fn audit_table_is_for_people() {
    let env = with_examples();
    let run = env.juece(&["audit", "--as-of", "2024-01-31"]);
    assert_eq!(run.code, 1);
    let out = &run.stdout;
    assert!(
        out.contains("重大行政决策程序审计（截至 2024-01-31）"),
        "{out}"
    );
    assert!(out.contains("案号") && out.contains("条款") && out.contains("说明"));
    assert!(
        out.contains("SHORT_COMMENT_PERIOD")
            && out.contains("第十五条")
            && out.contains("公众参与")
    );
    assert!(
        out.contains("共 3 件事项，2 件有发现：违规 12 项，警告 1 项，提示 1 项"),
        "{out}"
    );
    // Columns are aligned by display width: the article column starts at the same width on
    // every row, whatever mix of Chinese and ASCII comes before it.
    let starts: Vec<usize> = out
        .lines()
        .filter(|l| l.contains("重大决策") && l.contains('第'))
        .map(|l| l[..l.find('第').unwrap()].width())
        .collect();
    assert!(starts.len() > 5);
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{starts:?}\n{out}");

    let en = env.juece(&["audit", "--as-of", "2024-01-31", "--lang", "en"]);
    assert!(en
        .stdout
        .contains("Major decision procedure audit (as of 2024-01-31)"));
    assert!(en.stdout.contains("public participation") && en.stdout.contains("Art. 15"));
    assert!(
        en.stdout
            .contains("3 cases, 2 with findings: 12 violations, 1 warning, 1 info"),
        "{}",
        en.stdout
    );
}

#[test]
fn audit_csv_and_only_findings() {
    let env = with_examples();
    let run = env.juece(&[
        "audit",
        "--format",
        "csv",
        "--as-of",
        "2024-01-31",
        "--lang",
        "en",
    ]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0], "\u{feff}ref,title,workflow,status,code,severity,step,article,message",
        "a byte-order mark first, for Excel"
    );
    assert!(lines[1].starts_with(
        "XX县政府〔2023〕重大决策3号,县城老旧小区改造三年行动方案,decree-713@1,archived,,,,,"
    ));
    assert!(lines
        .iter()
        .any(|l| l.contains(",SKIPPED_STEP,violation,expert_review,Art. 19,")));

    let run = env.juece(&[
        "audit",
        "--format",
        "json",
        "--as-of",
        "2024-01-31",
        "--only-findings",
    ]);
    let report = run.json();
    assert_eq!(report["cases"].as_array().unwrap().len(), 2);
}

#[test]
fn audit_of_a_clean_database_exits_zero() {
    let env = Env::new();
    // A database with no case yet (reading commands never create one).
    assert_eq!(
        env.juece(&["user", "add", "王敏", "--role", "auditor"])
            .code,
        0
    );
    let run = env.juece(&["audit", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["as_of"], "2026-11-28", "default as-of is today");
    assert_eq!(run.json()["cases"], json!([]));
}

#[test]
fn warnings_alone_exit_zero() {
    let env = Env::new();
    let mut doc = example_doc();
    doc["cases"][0]["workflow"] = json!("local-strict");
    doc["cases"][0]["events"].as_array_mut().unwrap().pop(); // not archived
    let file = env.write("c.json", &doc.to_string());
    assert_eq!(env.juece(&["import", file.to_str().unwrap()]).code, 0);
    let run = env.juece(&["audit", "--format", "json", "--as-of", "2024-01-31"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.json()["cases"][0]["findings"][0]["code"],
        "NOT_ARCHIVED"
    );
    assert_eq!(run.json()["cases"][0]["findings"][0]["severity"], "warning");
}

#[test]
fn bad_usage_exits_two() {
    let env = Env::new();
    for args in [
        &["audit", "--as-of", "2024-13-01"][..],
        &["audit", "--format", "xml"],
        &["audit", "--lang", "fr"],
        &["frobnicate"],
        &[],
    ] {
        let run = env.juece(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty());
    }
    assert_eq!(env.juece(&["--help"]).code, 0);
}

/// procedure.md v2: the calendar never makes an import or an audit fail. A year no official
/// notice covers is estimated, and the findings say so until the notice is loaded.
#[test]
fn dates_beyond_the_official_calendar_are_estimated_never_refused() {
    let env = Env::new();
    let mut doc = example_doc();
    // Move the case to 2027, a year the shipped calendar does not cover, and make the review
    // window 6 estimated working days: 2027-03-29 (Mon) .. 2027-04-08 (Thu), with 清明 on
    // 2027-04-05 (Mon) an estimated statutory holiday.
    let text = doc.to_string().replace("2023-", "2027-");
    doc = serde_json::from_str(&text).unwrap();
    let events = doc["cases"][0]["events"].as_array_mut().unwrap();
    let at = |e: &mut serde_json::Value, t: &str| e["at"] = serde_json::json!(t);
    at(&mut events[5], "2027-03-29T09:00:00+08:00");
    at(&mut events[6], "2027-04-01T16:00:00+08:00");
    at(&mut events[7], "2027-04-08T11:00:00+08:00");
    events[7]["meeting"]["date"] = serde_json::json!("2027-04-08");
    let file = env.write("c.json", &doc.to_string());
    let run = env.juece(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(env.rows(), (1, 11));
    let audit = |env: &Env, extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["audit", "--format", "json", "--as-of", "2027-12-31"]);
        env.juece(&args)
    };
    let run = audit(&env, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let doc = run.json();
    let findings = doc["cases"][0]["findings"].as_array().unwrap();
    let short = findings
        .iter()
        .find(|f| f["code"] == "SHORT_REVIEW_WINDOW")
        .expect("6 estimated working days");
    assert_eq!(short["estimated"], true);
    let est = findings
        .iter()
        .find(|f| f["code"] == "CALENDAR_ESTIMATED")
        .expect("the case names the estimated year");
    assert!(est["message"].as_str().unwrap().contains("2027"), "{est}");
    // The table says it in plain words.
    let table = env.juece(&["audit", "--as-of", "2027-12-31"]);
    assert!(table.stdout.contains("〔估算〕"), "{}", table.stdout);

    // Once the official notice is loaded (here: 清明 is not a day off after all), the same audit
    // is exact and the window has 7 working days.
    let cal = env.write(
        "2027.json",
        r#"{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#,
    );
    let run = audit(&env, &["--calendar", cal.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["cases"][0]["findings"], serde_json::json!([]), "{doc}");
}

#[test]
fn demo_creates_a_database_and_prints_the_audit() {
    let env = Env::new();
    let run = env.juece(&["demo"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("导入示例事项 3 件"), "{}", run.stdout);
    assert!(run.stdout.contains("STALE_LEGALITY_REVIEW"));
    assert!(env.db().exists());
    // Running it again imports nothing new and still prints the audit.
    let again = env.juece(&["demo"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("导入示例事项 0 件"));
    assert_eq!(env.rows().0, 3);
}
