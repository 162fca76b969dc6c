//! Every mistake answered in the language chosen (issue 12, "Chinese mode is half English"): the
//! field-level errors of juece-core (event, case, profile, calendar and catalogue files), bad
//! `--at` values, unknown options and a bad configuration file, run with `--lang zh` and
//! `--lang en`. Chinese must hold no English sentence (codes, paths and quoted values aside);
//! English must hold no Chinese wording; both exit alike.

use juece_core::zh::english_left;

use crate::common::{fixture, Env};

const R: &str = "XX县政府〔2023〕重大决策3号";

/// An office with the example case and two users.
fn office() -> Env {
    let env = Env::new();
    let example = fixture("tests/data/cases/interchange_example.json");
    assert_eq!(env.juece(&["import", example.to_str().unwrap()]).code, 0);
    for (name, role) in [("王敏", "legal_office"), ("李强", "undertaking_unit")] {
        assert_eq!(env.juece(&["user", "add", name, "--role", role]).code, 0);
    }
    env
}

/// One mistake: a file to write (name, content) and the arguments that read it.
struct Mistake {
    what: &'static str,
    file: Option<(&'static str, &'static str)>,
    args: Vec<String>,
}

fn record(what: &'static str, event: &'static str) -> Mistake {
    Mistake {
        what,
        file: Some(("event.json", event)),
        args: ["record", R, "event.json", "--as", "李强"]
            .map(str::to_owned)
            .to_vec(),
    }
}

fn with_file(
    what: &'static str,
    name: &'static str,
    content: &'static str,
    args: &[&str],
) -> Mistake {
    Mistake {
        what,
        file: Some((name, content)),
        args: args.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn plain(what: &'static str, args: &[&str]) -> Mistake {
    Mistake {
        what,
        file: None,
        args: args.iter().map(|s| (*s).to_owned()).collect(),
    }
}

const CASE_HEAD: &str = r#"{"format":"juece-cases/1","cases":[{"ref":"A","title":"t","organ":"o","undertaking_unit":"u","category":"plan","workflow":"decree-713","events":["#;

fn mistakes() -> Vec<Mistake> {
    let invalid_profiles = fixture("tests/data/workflows/invalid");
    let mut v = vec![
        record("missing field", r#"{"type":"draft"}"#),
        record("unknown event type", r#"{"type":"drafty"}"#),
        record(
            "wrong type",
            r#"{"type":"draft","version":3,"sha256":"ab"}"#,
        ),
        record(
            "invalid date",
            r#"{"type":"public_participation","methods":["public_comment"],"comment_period":{"start":"2023-02-30","end":"2023-03-16"}}"#,
        ),
        record(
            "unknown value",
            r#"{"type":"public_participation","methods":["publik_comment"]}"#,
        ),
        record(
            "unknown field",
            r#"{"type":"draft","version":"v9","sha256":"00","foo":1}"#,
        ),
        record(
            "bad digest",
            r#"{"type":"draft","version":"v9","sha256":"00"}"#,
        ),
        record("broken JSON", r#"{"type":"draft","#),
        record("not an object", "[1]"),
        record(
            "bad time",
            r#"{"type":"draft","version":"v9","at":"yesterday"}"#,
        ),
        record(
            "actor given",
            r#"{"type":"draft","version":"v9","sha256":"00","actor":"x"}"#,
        ),
        record(
            "not a boolean",
            r#"{"type":"risk_assessment","level":"medium","controllable":"yes"}"#,
        ),
        record(
            "negative count",
            r#"{"type":"public_participation","methods":["public_comment"],"opinions_received":-1}"#,
        ),
        record(
            "more present than members",
            r#"{"type":"collective_decision","meeting":{"kind":"executive","date":"2023-04-12","members_total":9,"members_present":10},"majority":"approve","head_decision":"approve"}"#,
        ),
        record(
            "repeated key",
            r#"{"type":"draft","version":"v9","version":"v2"}"#,
        ),
        with_file(
            "case file format",
            "cases.json",
            r#"{"format":"juece-cases/9","cases":[]}"#,
            &["import", "cases.json"],
        ),
        with_file(
            "case file without cases",
            "cases.json",
            r#"{"format":"juece-cases/1"}"#,
            &["import", "cases.json"],
        ),
        with_file(
            "case without events",
            "cases.json",
            r#"{"format":"juece-cases/1","cases":[{"ref":"A","title":"t","organ":"o","undertaking_unit":"u","category":"plan","workflow":"decree-713","events":[]}]}"#,
            &["import", "cases.json"],
        ),
        with_file(
            "unknown category",
            "cases.json",
            r#"{"format":"juece-cases/1","cases":[{"ref":"A","title":"t","organ":"o","undertaking_unit":"u","category":"plann","workflow":"decree-713","events":[]}]}"#,
            &["import", "cases.json"],
        ),
        with_file(
            "unknown role",
            "cases.json",
            const_format(
                CASE_HEAD,
                r#"{"type":"opened","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"legal_ofice"}]}]}"#,
            ),
            &["import", "cases.json"],
        ),
        with_file(
            "unknown workflow",
            "cases.json",
            r#"{"format":"juece-cases/1","cases":[{"ref":"A","title":"t","organ":"o","undertaking_unit":"u","category":"plan","workflow":"decree-714","events":[{"type":"opened","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"legal_office"}]}]}"#,
            &["import", "cases.json"],
        ),
        with_file(
            "draft never recorded",
            "cases.json",
            const_format(
                CASE_HEAD,
                r#"{"type":"opened","at":"2023-01-01T09:00:00+08:00","actor":"a","role":"legal_office"},{"type":"legality_review_submitted","at":"2023-01-02T09:00:00+08:00","actor":"a","role":"undertaking_unit","draft":"v1"}]}]}"#,
            ),
            &["import", "cases.json"],
        ),
        with_file(
            "events out of order",
            "cases.json",
            const_format(
                CASE_HEAD,
                r#"{"type":"opened","at":"2023-01-03T09:00:00+08:00","actor":"a","role":"legal_office"},{"type":"party_report","at":"2023-01-02T09:00:00+08:00","actor":"a","role":"legal_office"}]}]}"#,
            ),
            &["import", "cases.json"],
        ),
        with_file(
            "hidden character in a ref",
            "cases.json",
            r#"{"format":"juece-cases/1","cases":[{"ref":"A\u200bB","title":"t","organ":"o","undertaking_unit":"u","category":"plan","workflow":"decree-713","events":[]}]}"#,
            &["import", "cases.json"],
        ),
        with_file(
            "workflow file missing a field",
            "w.json",
            r#"{"format":"juece-workflow/1"}"#,
            &["workflow", "validate", "w.json"],
        ),
        with_file(
            "workflow not JSON",
            "w.json",
            "x",
            &["workflow", "validate", "w.json"],
        ),
        plain("unknown workflow", &["workflow", "show", "decree-714"]),
        with_file(
            "calendar field",
            "k.json",
            r#"{"format":"juece-calendar/1","year":2027}"#,
            &["calendar", "add", "k.json"],
        ),
        with_file(
            "calendar date",
            "k.json",
            r#"{"year":2027,"days":[{"name":"x","date":"2027-13-01","isOffDay":true}]}"#,
            &["calendar", "add", "k.json"],
        ),
        with_file(
            "calendar shape",
            "k.json",
            r#"{"foo":1}"#,
            &["calendar", "add", "k.json"],
        ),
        with_file(
            "calendar year",
            "k.json",
            r#"{"year":3000,"days":[]}"#,
            &["calendar", "add", "k.json"],
        ),
        with_file(
            "catalogue duplicate",
            "g.json",
            r#"{"format":"juece-catalogue/1","organ":"o","year":2023,"items":[{"id":"1","title":"t","undertaking_unit":"u","category":"plan"},{"id":"1","title":"t","undertaking_unit":"u","category":"plan"}]}"#,
            &["catalogue", "import", "g.json"],
        ),
        with_file(
            "catalogue field",
            "g.json",
            r#"{"format":"juece-catalogue/1","organ":"o","year":2023,"itemz":[]}"#,
            &["catalogue", "import", "g.json"],
        ),
        with_file(
            "not a checkpoint",
            "ck.json",
            r#"{"x":1}"#,
            &["verify", "--checkpoint", "ck.json", "--key", "ck.json"],
        ),
        plain(
            "bad --at",
            &[
                "draft", "add", R, "--file", "nope", "--as", "李强", "--at", "tomorrow",
            ],
        ),
        plain("bad --as-of", &["audit", "--as-of", "2024-02-30"]),
        plain("unknown option", &["audit", "--formt", "json"]),
        plain("bad option value", &["audit", "--format", "xml"]),
        plain("not a number", &["due", "--within", "x"]),
        plain("unknown command", &["audti"]),
        plain("missing argument", &["record"]),
        plain("backup over a file", &["backup", "juece.db"]),
        plain("missing file", &["import", "nope.json"]),
        plain(
            "unknown catalogue",
            &["catalogue", "show", "某县人民政府", "2024"],
        ),
        plain(
            "unknown catalogue version",
            &[
                "catalogue",
                "show",
                "某县人民政府",
                "2024",
                "--version",
                "2",
            ],
        ),
        plain("bad listen address", &["serve", "--listen", "nonsense"]),
        with_file(
            "not a report",
            "report.json",
            "{\"format\":\"juece-cases/1\"}",
            &["report", "merge", "report.json"],
        ),
    ];
    for name in [
        "unknown_parameter",
        "unknown_prerequisite",
        "decision_without_legality_review",
    ] {
        let path = invalid_profiles.join(format!("{name}.json"));
        v.push(Mistake {
            what: "invalid profile",
            file: None,
            args: vec![
                "workflow".into(),
                "validate".into(),
                path.display().to_string(),
            ],
        });
    }
    v
}

/// `head` and `tail` joined, leaked once: the mistakes are built once per test run.
fn const_format(head: &str, tail: &str) -> &'static str {
    Box::leak(format!("{head}{tail}").into_boxed_str())
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn every_mistake_is_answered_in_chinese_or_in_english() {
    let env = office();
    for m in mistakes() {
        if let Some((name, content)) = m.file {
            env.write(name, content);
        }
        let run = |lang: &str| {
            let mut args: Vec<&str> = m.args.iter().map(String::as_str).collect();
            args.extend(["--lang", lang]);
            env.juece(&args)
        };
        let (zh, en) = (run("zh"), run("en"));
        assert!(zh.code >= 1, "{}: accepted\n{zh:?}", m.what);
        assert_eq!(zh.code, en.code, "{}: same exit in both languages", m.what);
        assert!(
            zh.stderr.starts_with("错误："),
            "{}:\n{}",
            m.what,
            zh.stderr
        );
        assert_eq!(
            english_left(&zh.stderr, &["juece"]),
            None,
            "{}: English left in the Chinese message:\n{}",
            m.what,
            zh.stderr
        );
        assert!(
            en.stderr.starts_with("error: "),
            "{}:\n{}",
            m.what,
            en.stderr
        );
        assert!(
            english_left(&en.stderr, &[]).is_some(),
            "{}: the English message has no English:\n{}",
            m.what,
            en.stderr
        );
        // Chinese in English messages only where it is data or the law's own words.
        let en_words: String = en
            .stderr
            .split('`')
            .step_by(2)
            .collect::<Vec<_>>()
            .join(" ");
        for zh_word in ["错误", "提示", "未写入", "字段", "没有", "不是", "无效"] {
            assert!(
                !en_words.contains(zh_word),
                "{}: Chinese `{zh_word}` in the English message:\n{}",
                m.what,
                en.stderr
            );
        }
    }
}

#[test]
fn a_bad_configuration_file_is_warned_of_in_the_chosen_language() {
    let env = office();
    env.write(
        "juece.toml",
        "databse = \"office.db\"\nzone = \"+25:00\"\ndatabase = 3\n",
    );
    let zh = env.juece(&["case", "list", "--lang", "zh"]);
    assert_eq!(zh.code, 0, "{zh:?}");
    for expected in ["第 1 行", "`databse`", "第 2 行", "`+25:00`", "第 3 行"] {
        assert!(zh.stderr.contains(expected), "{expected}:\n{}", zh.stderr);
    }
    assert_eq!(english_left(&zh.stderr, &[]), None, "{}", zh.stderr);
    let en = env.juece(&["case", "list", "--lang", "en"]);
    assert!(
        en.stderr.contains("line 1: unknown key `databse`"),
        "{}",
        en.stderr
    );
    assert!(!has_cjk(&en.stderr), "{}", en.stderr);
    // `juece config` lists them itself, once.
    let shown = env.juece(&["config", "--lang", "zh"]);
    assert_eq!(shown.stderr, "", "{shown:?}");
    assert!(shown.stdout.contains("`databse`"), "{}", shown.stdout);
    // Near miss: a good file says nothing.
    env.write("juece.toml", "language = \"zh\"\n");
    let quiet = env.juece(&["case", "list"]);
    assert_eq!(quiet.stderr, "", "{quiet:?}");
}

#[test]
fn evidence_commands_report_in_chinese() {
    let env = office();
    let key = env.path("k");
    let key = key.to_str().unwrap();
    let runs = [
        vec!["key", "init", "--out", key],
        vec!["checkpoint", "--key", key, "--out", "c.json"],
        vec![
            "verify",
            "--replay",
            "--checkpoint",
            "c.json",
            "--key",
            "k.pub",
        ],
        vec!["backup", "copy.db"],
    ];
    for args in runs {
        let zh = env.juece(&args);
        assert_eq!(zh.code, 0, "{args:?}: {zh:?}");
        let all = format!("{}{}", zh.stdout, zh.stderr);
        assert_eq!(english_left(&all, &["juece"]), None, "{args:?}:\n{all}");
    }
    // Near miss: the same report in English is English.
    let en = env.juece(&["verify", "--replay", "--lang", "en"]);
    assert!(
        en.stdout.contains("records: OK") && en.stdout.contains("file: OK"),
        "{}",
        en.stdout
    );
    assert!(!has_cjk(&en.stdout.replace(R, "")), "{}", en.stdout);
}

#[test]
fn the_calendar_table_names_its_sources_in_the_language_chosen() {
    let env = office();
    let zh = env.juece(&["calendar", "list", "--lang", "zh"]);
    assert_eq!(zh.code, 0, "{zh:?}");
    assert!(zh.stdout.contains("2026  官方公布"), "{}", zh.stdout);
    assert!(zh.stdout.contains("随程序提供"), "{}", zh.stdout);
    for code in ["official", "estimated", "shipped"] {
        assert!(
            !zh.stdout.contains(code),
            "`{code}` in Chinese:\n{}",
            zh.stdout
        );
    }
    // Near miss: English keeps the words, and the JSON its codes in either language.
    let en = env.juece(&["calendar", "list", "--lang", "en"]);
    assert!(en.stdout.contains("2026  official"), "{}", en.stdout);
    let json = env.juece(&["calendar", "list", "--format", "json", "--lang", "zh"]);
    assert!(
        json.stdout.contains("\"source\": \"official\""),
        "{}",
        json.stdout
    );
}
