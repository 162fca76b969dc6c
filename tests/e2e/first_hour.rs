//! What a new user trips over in the first hour (issue 12), through the real binary.

use crate::common::{fixture, Env, Run};

const R: &str = "XX县政府〔2023〕重大决策12号";

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{run:?}");
    run
}

/// Two users and one case opened on 2023-03-01.
fn office() -> Env {
    let env = Env::new();
    ok(env.juece(&["user", "add", "王敏", "--role", "legal_office"]));
    ok(env.juece(&["user", "add", "李强", "--role", "undertaking_unit"]));
    ok(env.juece(&[
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
        "--as",
        "王敏",
        "--at",
        "2023-03-01T09:00:00+08:00",
    ]));
    env
}

fn files_in(env: &Env) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(env.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// 1. Read commands never create a database.

#[test]
fn read_commands_refuse_a_missing_database_and_create_nothing() {
    let env = Env::new();
    for args in [
        &["audit"][..],
        &["verify"],
        &["case", "list"],
        &["case", "show", R],
        &["due"],
        &["export"],
        &["user", "list"],
        &["--db", "typo.db", "audit"],
    ] {
        let run = env.juece(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert!(run.stderr.contains("不存在"), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("juece import"), "{}", run.stderr);
        assert!(run.stderr.contains("juece demo"), "{}", run.stderr);
        assert!(run.stderr.contains("--db"), "{}", run.stderr);
        assert!(run.stderr.contains("JUECE_DB"), "{}", run.stderr);
    }
    let typo = env.juece(&["--db", "typo.db", "--lang", "en", "audit"]);
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("typo.db` does not exist"),
        "{}",
        typo.stderr
    );
    assert!(files_in(&env).is_empty(), "{:?}", files_in(&env));
    // Showing a shipped workflow needs no database, and creates none.
    ok(env.juece(&["workflow", "show", "decree-713"]));
    assert!(files_in(&env).is_empty(), "{:?}", files_in(&env));
    // Near miss: a writing command still creates the database.
    ok(env.juece(&["user", "add", "王敏", "--role", "legal_office"]));
    assert!(env.db().exists());
    ok(env.juece(&["audit"]));
}

// 2. The demo never writes into a real database.

#[test]
fn demo_uses_its_own_file_and_never_touches_the_real_database() {
    let env = office();
    // No --db: the default juece.db stays untouched, the demo has its own file.
    let mut run = std::process::Command::new(env!("CARGO_BIN_EXE_juece"));
    run.arg("demo")
        .env_clear()
        .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
        .current_dir(env.path("."));
    let out = run.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("juece-demo.db"), "{stdout}");
    assert!(stdout.contains("导入示例事项 3 件"), "{stdout}");
    assert_eq!(env.rows().0, 1, "the real database keeps its one case");
    assert!(env.path("juece-demo.db").exists());
    // Pointed at the real database on purpose: refused, nothing written.
    let refused = env.juece(&["demo"]);
    assert_eq!(refused.code, 3, "{refused:?}");
    assert!(refused.stderr.contains("真实事项"), "{}", refused.stderr);
    assert!(refused.stderr.contains(R), "{}", refused.stderr);
    assert_eq!(env.rows().0, 1);
}

#[test]
fn demo_speaks_english_with_lang_en() {
    let env = Env::new();
    let run = ok(env.juece(&["demo", "--lang", "en"]));
    assert!(
        run.stdout.contains("3 example cases imported"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Major decision procedure audit"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("违规"), "{}", run.stdout);
    assert!(!run.stdout.contains("演示数据库"), "{}", run.stdout);
}

// 3. Chinese by default, English with --lang en or JUECE_LANG.

#[test]
fn help_and_argument_errors_follow_the_language() {
    let env = Env::new();
    let top = ok(env.juece(&["--help"]));
    assert!(top.stdout.contains("用法：juece"), "{}", top.stdout);
    assert!(top.stdout.contains("导入案卷文件"), "{}", top.stdout);
    assert!(top.stdout.contains("显示帮助"), "{}", top.stdout);
    assert!(!top.stdout.contains("Usage:"), "{}", top.stdout);
    assert!(!top.stdout.contains("Print help"), "{}", top.stdout);
    let audit = ok(env.juece(&["audit", "--help"]));
    assert!(
        audit.stdout.contains("按各事项立项时适用的流程审计"),
        "{}",
        audit.stdout
    );
    assert!(audit.stdout.contains("输出格式"), "{}", audit.stdout);
    assert!(
        audit.stdout.contains("可选值：table、json、csv"),
        "{}",
        audit.stdout
    );
    assert!(!audit.stdout.contains("[default"), "{}", audit.stdout);
    let bad = env.juece(&["audit", "--formt", "json"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("错误：不认识的选项"), "{}", bad.stderr);
    assert!(bad.stderr.contains("是否指 `--format`"), "{}", bad.stderr);
    let bad_value = env.juece(&["audit", "--format", "xml"]);
    assert_eq!(bad_value.code, 2);
    assert!(
        bad_value.stderr.contains("值 `xml` 无效"),
        "{}",
        bad_value.stderr
    );

    let top = ok(env.juece(&["--lang", "en", "--help"]));
    assert!(top.stdout.contains("Usage: juece"), "{}", top.stdout);
    assert!(!top.stdout.contains("用法"), "{}", top.stdout);
    let audit = ok(env.juece(&["audit", "--help", "--lang", "en"]));
    assert!(
        audit.stdout.contains("Audit every case"),
        "{}",
        audit.stdout
    );
    let bad = env.juece(&["--lang=en", "audit", "--formt", "json"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unexpected argument"), "{}", bad.stderr);
    assert!(!bad.stderr.contains("错误"), "{}", bad.stderr);
}

#[test]
fn unknown_case_and_user_messages_follow_the_language() {
    let env = office();
    let run = env.juece(&["case", "show", "没有的案号"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("错误：数据库中没有事项"),
        "{}",
        run.stderr
    );
    let run = env.juece(&["case", "show", "没有的案号", "--lang", "en"]);
    assert!(run.stderr.starts_with("error: no case"), "{}", run.stderr);
    let run = env.juece(&["archive", R, "--as", "张三"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("没有用户 `张三`"), "{}", run.stderr);
    assert!(run.stderr.contains("juece user add 张三"), "{}", run.stderr);
}

// 4. Input as people type it.

#[test]
fn at_takes_a_date_or_a_time_without_offset_in_the_office_zone() {
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
        "2023-03-02",
    ]));
    let draft2 = env.write("v2.txt", "草案第二稿");
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        draft2.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-02 14:30",
    ]));
    let export = ok(env.juece(&["export", "--ref", R])).json();
    let events = export["cases"][0]["events"].as_array().unwrap();
    assert_eq!(
        events[1]["at"], "2023-03-02T09:00:00+08:00",
        "date alone: 09:00"
    );
    assert_eq!(
        events[2]["at"], "2023-03-02T14:30:00+08:00",
        "no offset: +08:00"
    );
    // Near miss: nonsense is refused in words, nothing written.
    let bad = env.juece(&["archive", R, "--as", "王敏", "--at", "上周五"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("不是时间"), "{}", bad.stderr);
    assert!(bad.stderr.contains("2024-03-01"), "{}", bad.stderr);
    assert_eq!(env.rows().1, 3);
}

#[test]
fn the_office_zone_comes_from_the_configuration_file() {
    let env = office();
    env.write("juece.toml", "zone = \"+09:00\"\n");
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
        "2023-03-02 14:30",
    ]));
    let export = ok(env.juece(&["export", "--ref", R])).json();
    assert_eq!(
        export["cases"][0]["events"][1]["at"],
        "2023-03-02T14:30:00+09:00"
    );
    let shown = ok(env.juece(&["config"]));
    assert!(shown.stdout.contains("+09:00"), "{}", shown.stdout);
    assert!(
        shown.stdout.contains("juece.toml  ← 使用中"),
        "{}",
        shown.stdout
    );
}

#[test]
fn json_with_a_bom_is_read_and_gbk_or_empty_files_get_plain_words() {
    let env = Env::new();
    let text =
        std::fs::read_to_string(fixture("tests/data/cases/interchange_example.json")).unwrap();
    let bom = env.write("bom.json", &format!("\u{feff}{text}"));
    let run = ok(env.juece(&["import", bom.to_str().unwrap()]));
    assert!(run.stdout.contains("已导入 1 件事项"), "{}", run.stdout);

    let empty = env.write("empty.json", "");
    let run = env.juece(&["import", empty.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("是空的"), "{}", run.stderr);
    let run = env.juece(&["import", empty.to_str().unwrap(), "--lang", "en"]);
    assert!(run.stderr.contains("is empty"), "{}", run.stderr);

    // "县城" in GBK inside an otherwise valid document.
    let gbk = env.path("gbk.json");
    let mut bytes = b"{\"format\": \"juece-cases/1\", \"cases\": [{\"ref\": \"".to_vec();
    bytes.extend_from_slice(&[0xCF, 0xD8, 0xB3, 0xC7]);
    bytes.extend_from_slice(b"\"}]}");
    std::fs::write(&gbk, &bytes).unwrap();
    let run = env.juece(&["import", gbk.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("GBK"), "{}", run.stderr);
    assert!(run.stderr.contains("UTF-8"), "{}", run.stderr);
    assert_eq!(env.rows().0, 1);

    // The event file of `juece record` too.
    let ev = env.write("ev.json", "\u{feff}{\"type\": \"party_report\"}");
    let run = env.juece(&["record", "X", ev.to_str().unwrap(), "--as", "nobody"]);
    assert!(!run.stderr.contains("expected value"), "{}", run.stderr);
}

#[test]
fn status_is_accepted_as_the_tables_show_it() {
    let env = Env::new();
    ok(env.juece(&[
        "import",
        fixture("tests/data/cases/interchange_example.json")
            .to_str()
            .unwrap(),
    ]));
    let by_id = ok(env.juece(&["case", "list", "--status", "archived", "--format", "json"])).json();
    let n = by_id["cases"].as_array().unwrap().len();
    for label in ["已归档", "archived", "Archived"] {
        let run = ok(env.juece(&["case", "list", "--status", label, "--format", "json"])).json();
        assert_eq!(run["cases"].as_array().unwrap().len(), n, "{label}");
    }
    let bad = env.juece(&["case", "list", "--status", "已发布了"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("已公布"), "{}", bad.stderr);
}

// 5. Names.

#[test]
fn a_user_one_character_off_gets_the_existing_one_suggested() {
    let env = office();
    let run = env.juece(&["archive", R, "--as", "王明"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("是否指已登记的用户 `王敏`"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("juece user add 王明"),
        "{}",
        run.stderr
    );
    // Near miss: a different name gets the advice to add it, no suggestion.
    let run = env.juece(&["archive", R, "--as", "张三"]);
    assert!(!run.stderr.contains("是否指"), "{}", run.stderr);
}

#[test]
fn a_mistyped_case_ref_gets_the_existing_one_suggested() {
    let env = office();
    for typo in [
        "XX县政府(2023)重大决策12号",
        "XX县政府〔2023〕重大决策12号 ",
        "XX县政府（2023）重大决策12号",
        "XX县政府〔2023〕重大决第12号",
    ] {
        let run = env.juece(&["case", "show", typo]);
        if typo.trim() == R {
            // Reads take the reference in its stored form as writes do (trimmed; the
            // identifier rule of docs/log-format.md): this is the case itself.
            assert_eq!(run.code, 0, "{typo}: {run:?}");
        } else {
            assert_eq!(run.code, 2, "{typo}");
            assert!(
                run.stderr.contains(&format!("是否指 `{R}`")),
                "{typo}: {}",
                run.stderr
            );
        }
        let run = env.juece(&["archive", typo, "--as", "王敏"]);
        if typo.trim() == R {
            // Writes take the reference in its stored form (trimmed; docs/log-format.md, text
            // limits): this is the case itself, refused only because it is not decided yet.
            assert_eq!(run.code, 3, "{typo}: {run:?}");
            continue;
        }
        assert_eq!(run.code, 2, "{typo}");
        assert!(
            run.stderr.contains(&format!("是否指 `{R}`")),
            "{typo}: {}",
            run.stderr
        );
    }
    let run = env.juece(&["case", "show", "别的县〔2020〕1号"]);
    assert!(!run.stderr.contains("是否指"), "{}", run.stderr);
}

// 6. `case show`: one view, one wording.

/// The office with a lawyer, a head and a secretary too.
fn full_office() -> Env {
    let env = office();
    ok(env.juece(&["user", "add", "陈律师", "--role", "public_lawyer"]));
    ok(env.juece(&["user", "add", "赵县长", "--role", "head"]));
    ok(env.juece(&["user", "add", "周秘书", "--role", "secretary"]));
    env
}

fn submitted(env: &Env) {
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
        "2023-03-02",
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
        "2023-04-03",
        "--as",
        "李强",
        "--at",
        "2023-04-04",
    ]));
    ok(env.juece(&["review", "submit", R, "--as", "李强", "--at", "2023-04-06"]));
}

fn show(env: &Env, lang: &str) -> String {
    ok(env.juece(&["case", "show", R, "--lang", lang])).stdout
}

fn section<'a>(text: &'a str, from: &str, to: &str) -> &'a str {
    let start = text
        .find(from)
        .unwrap_or_else(|| panic!("no `{from}` in {text}"));
    let rest = &text[start..];
    let end = rest[from.len()..]
        .find(to)
        .map_or(rest.len(), |e| e + from.len());
    &rest[..end]
}

#[test]
fn show_steps_and_findings_agree_and_next_shows_labels() {
    let env = full_office();
    submitted(&env);
    let text = show(&env, "zh");
    let next = section(&text, "\n下一步\n", "\n重要日期");
    assert!(
        next.contains("签署合法性审查意见（juece review sign）"),
        "{next}"
    );
    assert!(!next.contains("legality_review_signed"), "{next}");
    assert!(!next.contains("collective_decision"), "{next}");
    // The decision is blocked on the unsigned review: the advice never offers a waiver.
    assert!(next.contains("SKIPPED_STEP 合法性审查"), "{next}");
    assert!(next.contains("该程序不得免除"), "{next}");
    assert!(!next.contains("依法记录免除"), "{next}");
    let en = show(&env, "en");
    let next_en = section(&en, "\nNext\n", "\nDates that matter");
    assert!(
        next_en.contains("sign the legality review (juece review sign)"),
        "{next_en}"
    );
    assert!(next_en.contains("can never be waived"), "{next_en}");
    assert!(!next_en.contains("valid waiver"), "{next_en}");

    // An unlawful review not yet put to a meeting: the step and the findings say the same.
    ok(env.juece(&[
        "review",
        "sign",
        R,
        "--conclusion",
        "unlawful",
        "--opinion",
        "不合法",
        "--as",
        "陈律师",
        "--at",
        "2023-04-10",
    ]));
    let text = show(&env, "zh");
    let steps = section(&text, "\n程序\n", "\n审计发现");
    let findings = section(&text, "\n审计发现", "\n下一步");
    assert!(!steps.contains("有问题"), "{steps}");
    assert!(
        steps.contains("UNLAWFUL_REVIEW_IGNORED（尚未构成违规）"),
        "{steps}"
    );
    assert!(findings.contains("UNLAWFUL_REVIEW_IGNORED"), "{findings}");
    assert!(!findings.contains("未发现问题"), "{findings}");
    // The blocked decision is a hypothesis: nothing was decided or discussed.
    let next = section(&text, "\n下一步\n", "\n重要日期");
    assert!(next.contains("UNLAWFUL_REVIEW_IGNORED"), "{next}");
    assert!(!next.contains("仍于"), "{next}");
    assert!(next.contains("如于 2026-11-28 提交讨论"), "{next}");

    // Put to the meeting anyway: now it is a finding, and the step shows it as a problem.
    let run = ok(env.juece(&[
        "decide",
        R,
        "--kind",
        "executive",
        "--members",
        "9",
        "--present",
        "7",
        "--majority",
        "approve",
        "--as",
        "赵县长",
        "--at",
        "2023-04-20",
        "--override",
        "紧急",
    ]));
    assert!(
        run.stdout.contains("UNLAWFUL_REVIEW_IGNORED (合法性审查)"),
        "{}",
        run.stdout
    );
    let text = show(&env, "zh");
    let steps = section(&text, "\n程序\n", "\n审计发现");
    let findings = section(&text, "\n审计发现", "\n下一步");
    assert!(steps.contains("有问题"), "{steps}");
    assert!(
        findings.contains("违规 UNLAWFUL_REVIEW_IGNORED"),
        "{findings}"
    );
    let timeline = section(&text, "\n时间线\n", "\n程序\n");
    assert!(
        timeline.contains("UNLAWFUL_REVIEW_IGNORED (合法性审查)"),
        "{timeline}"
    );

    let en = show(&env, "en");
    assert!(en.contains("status: decided\n"), "{en}");
    assert!(!en.contains("decided (decided)"), "{en}");
    assert!(en.contains("(Art. 25)"), "{en}");
    assert!(!en.contains("（Art."), "{en}");
}

#[test]
fn waiving_the_legality_review_says_it_can_never_be_waived() {
    let env = full_office();
    let run = env.juece(&[
        "step",
        "waive",
        R,
        "legality_review",
        "--reason",
        "other",
        "--basis",
        "x",
        "--as",
        "王敏",
    ]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("不得免除（第二十五条）"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("只允许"), "{}", run.stderr);
    let run = env.juece(&[
        "step",
        "waive",
        R,
        "legality_review",
        "--reason",
        "other",
        "--basis",
        "x",
        "--as",
        "王敏",
        "--lang",
        "en",
    ]);
    assert!(
        run.stderr.contains("can never be waived (Art. 25)"),
        "{}",
        run.stderr
    );
    // Near miss: a waivable step is waived.
    ok(env.juece(&[
        "step",
        "waive",
        R,
        "expert_review",
        "--reason",
        "not_applicable",
        "--basis",
        "不涉及",
        "--as",
        "王敏",
        "--at",
        "2023-03-02",
    ]));
}

#[test]
fn english_counts_cases_in_the_singular_and_plural() {
    let env = office();
    let run = ok(env.juece(&["case", "list", "--lang", "en"]));
    assert!(run.stdout.contains("\n1 case\n"), "{}", run.stdout);
    ok(env.juece(&[
        "case",
        "open",
        "另一号",
        "--title",
        "T",
        "--organ",
        "O",
        "--unit",
        "U",
        "--category",
        "plan",
        "--as",
        "王敏",
        "--at",
        "2023-03-01",
    ]));
    let run = ok(env.juece(&["case", "list", "--lang", "en"]));
    assert!(run.stdout.contains("\n2 cases\n"), "{}", run.stdout);
}

// 7. Slips that were quietly accepted.

#[test]
fn a_repeated_submission_of_the_same_draft_is_refused_saying_why() {
    let env = full_office();
    submitted(&env);
    let before = env.rows();
    let run = env.juece(&["review", "submit", R, "--as", "李强", "--at", "2023-04-07"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("草案 v1 已于 2023-04-06 09:00 送请合法性审查"),
        "{}",
        run.stderr
    );
    assert_eq!(env.rows(), before);
    // Near miss: a revised draft may be submitted.
    let v2 = env.write("v2.txt", "草案（修改稿）");
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        v2.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-04-08",
    ]));
    ok(env.juece(&["review", "submit", R, "--as", "李强", "--at", "2023-04-09"]));
}

#[test]
fn an_unchanged_or_empty_draft_is_refused() {
    let env = office();
    let v1 = env.write("v1.txt", "草案");
    ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        v1.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-02",
    ]));
    let before = env.rows();
    let same = env.write("copy.txt", "草案");
    let run = env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        same.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-03",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("与上一版本 v1 内容完全相同"),
        "{}",
        run.stderr
    );
    let empty = env.write("empty.txt", "");
    let run = env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        empty.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-03",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("是空的"), "{}", run.stderr);
    assert_eq!(env.rows(), before);
    // Near miss: a changed draft is a new version.
    let v2 = env.write("v2.txt", "草案第二稿");
    let run = ok(env.juece(&[
        "draft",
        "add",
        R,
        "--file",
        v2.to_str().unwrap(),
        "--as",
        "李强",
        "--at",
        "2023-03-03",
    ]));
    assert!(run.stdout.contains("draft"), "{}", run.stdout);
}

#[test]
fn a_second_archiving_is_refused() {
    let env = Env::new();
    ok(env.juece(&[
        "import",
        fixture("workflows/examples/cases.json").to_str().unwrap(),
    ]));
    ok(env.juece(&["user", "add", "王敏", "--role", "legal_office"]));
    let archived = "XX县政府〔2023〕重大决策3号";
    let before = env.rows();
    let run = env.juece(&["archive", archived, "--as", "王敏"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("已于"), "{}", run.stderr);
    assert!(run.stderr.contains("归档（第三十三条）"), "{}", run.stderr);
    assert_eq!(env.rows(), before);
}

// 8. Conveniences.

#[test]
fn completions_for_four_shells_and_a_man_page() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = ok(env.juece(&["completions", shell]));
        assert!(run.stdout.contains("juece"), "{shell}");
        assert!(run.stdout.contains("audit"), "{shell}");
        assert!(run.stdout.contains("record-batch"), "{shell}");
    }
    let bad = env.juece(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
    let man = ok(env.juece(&["man", "--lang", "en"]));
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH juece"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(man.stdout.contains(".SH"), "roff sections");
    assert!(man.stdout.contains("audit"));
    assert!(
        files_in(&env).is_empty(),
        "no database for these: {:?}",
        files_in(&env)
    );
}

#[test]
fn the_configuration_file_sets_database_user_language_and_calendar() {
    let env = office();
    // JUECE_DB is set by the test harness and wins over the file; without it the file's
    // database is used.
    let dir = env.path(".");
    let conf = "database = \"office.db\"\nuser = \"王敏\"\nlanguage = \"en\"\n";
    env.write("juece.toml", conf);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_juece"))
            .args(args)
            .env_clear()
            .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
            .current_dir(&dir)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, stdout, _) = run(&["config"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("office.db"), "{stdout}");
    assert!(stdout.contains("王敏"), "{stdout}");
    assert!(
        stdout.contains("Settings in force"),
        "English from the file: {stdout}"
    );
    // The file's user records; its database is created by the writing command.
    let (code, stdout, stderr) = run(&["user", "add", "王敏", "--role", "legal_office"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("added user"), "{stdout}");
    let (code, _, stderr) = run(&[
        "case",
        "open",
        "新案号",
        "--title",
        "T",
        "--organ",
        "O",
        "--unit",
        "U",
        "--category",
        "plan",
        "--at",
        "2023-03-01",
    ]);
    assert_eq!(code, Some(0), "--as comes from the file: {stderr}");
    assert!(env.path("office.db").exists());
    // --lang on the command line wins over the file.
    let (_, stdout, _) = run(&["case", "list", "--lang", "zh"]);
    assert!(stdout.contains("共 1 件"), "{stdout}");
    // The demo never writes into the file's database either.
    let (code, stdout, _) = run(&["demo"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("juece-demo.db"), "{stdout}");
    let (_, stdout, _) = run(&["case", "list", "--format", "json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&stdout).unwrap()["cases"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn csv_starts_with_a_byte_order_mark_and_due_has_formats() {
    let env = Env::new();
    ok(env.juece(&[
        "import",
        fixture("workflows/examples/cases.json").to_str().unwrap(),
    ]));
    let list = ok(env.juece(&["case", "list", "--format", "csv"]));
    assert!(
        list.stdout.starts_with("\u{feff}ref,title"),
        "{}",
        list.stdout
    );
    let audit = env.juece(&["audit", "--format", "csv"]);
    assert!(audit.stdout.starts_with("\u{feff}"), "{}", audit.stdout);
    let json = ok(env.juece(&["due", "--format", "json", "--within", "4000"])).json();
    assert!(json["due"].is_array(), "{json}");
    let csv = ok(env.juece(&["due", "--format", "csv", "--within", "4000"]));
    assert!(
        csv.stdout.starts_with("\u{feff}date,days_left,ref,kind"),
        "{}",
        csv.stdout
    );
    let table = ok(env.juece(&["due"]));
    assert!(table.stdout.contains("到期事项"), "{}", table.stdout);
    // Piped output is never coloured.
    for out in [&list.stdout, &audit.stdout, &table.stdout] {
        assert!(!out.contains('\u{1b}'), "{out}");
    }
    assert!(!audit.stderr.contains('\u{1b}'));
}

#[test]
fn users_are_listed_removed_and_their_roles_changed() {
    let env = office();
    let run = ok(env.juece(&["user", "role", "add", "王敏", "auditor"]));
    assert!(run.stdout.contains("auditor"), "{}", run.stdout);
    let list = ok(env.juece(&["user", "list"]));
    assert!(
        list.stdout.contains("legal_office, auditor"),
        "{}",
        list.stdout
    );
    let run = ok(env.juece(&["user", "role", "remove", "王敏", "legal_office"]));
    assert!(
        run.stdout.contains("auditor") && !run.stdout.contains("legal_office"),
        "{}",
        run.stdout
    );
    // Without legal_office, 王敏 may no longer open a case.
    let refused = env.juece(&[
        "case",
        "open",
        "新号",
        "--title",
        "T",
        "--organ",
        "O",
        "--unit",
        "U",
        "--category",
        "plan",
        "--as",
        "王敏",
        "--at",
        "2023-03-01",
    ]);
    assert_eq!(refused.code, 3, "{refused:?}");
    let run = ok(env.juece(&["user", "remove", "李强"]));
    assert!(run.stdout.contains("已删除用户 `李强`"), "{}", run.stdout);
    let list = ok(env.juece(&["user", "list"]));
    assert!(!list.stdout.contains("李强"), "{}", list.stdout);
    // The history keeps the name.
    let export = ok(env.juece(&["export"]));
    assert!(export.stdout.contains("王敏"));
    let bad = env.juece(&["user", "remove", "王明"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("是否指已登记的用户 `王敏`"),
        "{}",
        bad.stderr
    );
    let bad = env.juece(&["user", "role", "add", "王敏", "boss"]);
    assert_eq!(bad.code, 2);
}
