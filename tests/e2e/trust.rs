//! Evidence that holds against bit rot, quiet edits and careless copies — and never panics
//! (issue 10), through the real binary.

use std::path::Path;

use serde_json::{json, Value};

use crate::common::{fixture, Env, Run};

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{run:?}");
    run
}

fn with_examples() -> Env {
    let env = Env::new();
    let file = fixture("workflows/examples/cases.json");
    ok(env.juece(&["import", file.to_str().unwrap()]));
    env
}

fn sql(env: &Env, statements: &str) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(statements).unwrap();
}

fn no_wal_left(db: &Path) {
    let wal = db.with_file_name(format!("{}-wal", db.file_name().unwrap().to_string_lossy()));
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "the write-ahead log still holds data after the command exited"
    );
}

/// Removes the `k`-th entry (in key order) of a one-page index with a few bytes' edit of the
/// file, as bit rot or a hex editor would: the table row stays, the index loses it.
fn drop_index_entry(db: &Path, index: &str, k: usize) {
    let (page_size, root): (i64, i64) = {
        let conn = rusqlite::Connection::open(db).unwrap();
        (
            conn.query_row("PRAGMA page_size", [], |r| r.get(0))
                .unwrap(),
            conn.query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
                [index],
                |r| r.get(0),
            )
            .unwrap(),
        )
    };
    no_wal_left(db);
    let mut bytes = std::fs::read(db).unwrap();
    let header = ((root - 1) * page_size) as usize + if root == 1 { 100 } else { 0 };
    assert_eq!(bytes[header], 0x0a, "a single leaf page of an index");
    let cells = u16::from_be_bytes([bytes[header + 3], bytes[header + 4]]) as usize;
    let pointers = header + 8;
    bytes.copy_within(
        pointers + 2 * (k + 1)..pointers + 2 * cells,
        pointers + 2 * k,
    );
    bytes[header + 3..header + 5].copy_from_slice(&((cells - 1) as u16).to_be_bytes());
    std::fs::write(db, bytes).unwrap();
}

/// The (case ref, seq) of each entry of the events' `(case_id, seq)` index, in key order.
fn index_entries(env: &Env) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let mut stmt = conn
        .prepare("SELECT c.ref, e.seq FROM events e JOIN cases c ON c.case_id = e.case_id ORDER BY e.case_id, e.seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_lost_index_entry_is_refused_by_reads_and_reported_by_verify() {
    let env = with_examples();
    ok(env.juece(&["key", "init", "--out", env.path("k").to_str().unwrap()]));
    let cp = env.path("cp.json");
    ok(env.juece(&[
        "checkpoint",
        "--key",
        env.path("k").to_str().unwrap(),
        "--out",
        cp.to_str().unwrap(),
    ]));
    // Near miss: the intact file passes every read and verify.
    let run = ok(env.juece(&["verify", "--lang", "en"]));
    assert!(run.stdout.contains("file: OK"), "{}", run.stdout);
    let entries = index_entries(&env);
    // An event in the middle of the first case.
    let k = 4;
    let (case_ref, seq) = entries[k].clone();
    assert_eq!(entries[k - 1].0, case_ref);
    assert!(entries.get(k + 1).is_some_and(|e| e.0 == case_ref));
    drop_index_entry(&env.db(), "sqlite_autoindex_events_1", k);

    for args in [
        vec!["case", "show", case_ref.as_str()],
        vec!["audit"],
        vec!["export"],
    ] {
        let run = env.juece(&args);
        assert_eq!(run.code, 2, "{args:?} must refuse: {run:?}");
        assert!(
            run.stderr.contains(&case_ref) && run.stderr.contains(&format!("缺少其事件 {seq}")),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = env.juece(&["verify", "--lang", "en"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("file: DAMAGED"), "{}", run.stdout);
    assert!(run.stdout.contains("index"), "{}", run.stdout);
    let run = env.juece(&[
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--key",
        env.path("k.pub").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("文件：已损坏"), "{}", run.stdout);
    // Nothing is appended to a damaged case.
    ok(env.juece(&["user", "add", "李强", "--role", "head"]));
    let before = env.rows();
    let run = env.juece(&[
        "evidence",
        "risk",
        &case_ref,
        "--level",
        "low",
        "--controllable",
        "yes",
        "--as",
        "李强",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(env.rows(), before);
}

#[test]
fn a_projection_counting_other_events_than_the_chain_is_reported_by_verify() {
    let env = with_examples();
    // Near miss: every case's projection counts the events its chain holds.
    let run = ok(env.juece(&["verify", "--lang", "en"]));
    assert!(!run.stdout.contains("should have"), "{}", run.stdout);
    let (case_ref, events): (String, i64) = {
        let run = ok(env.juece(&["export"]));
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        let case = &doc["cases"][1];
        (
            case["ref"].as_str().unwrap().to_owned(),
            case["events"].as_array().unwrap().len() as i64,
        )
    };
    // The projection's count edited outside juece: the chain is untouched and sound, so only
    // the comparison of each case's count with its events can say so.
    env.execute_sql(&format!(
        "UPDATE case_projection SET last_seq = last_seq + 1 WHERE case_id = (SELECT case_id FROM cases WHERE ref = '{case_ref}')"
    ));
    let run = env.juece(&["verify", "--lang", "en"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("\nchain: OK"), "{}", run.stdout);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(&case_ref))
        .unwrap_or_else(|| panic!("no line names `{case_ref}`: {}", run.stdout));
    assert!(
        line.contains(&format!("should have {} events", events + 1))
            && line.contains(&format!("{events}: reads of it would lose events")),
        "{line}"
    );
}

#[test]
fn damage_sqlite_cannot_read_is_reported_in_plain_words_exit_1() {
    let env = with_examples();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let (page_size, root): (i64, i64) = (
        conn.query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap(),
        conn.query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = 'events'",
            [],
            |r| r.get(0),
        )
        .unwrap(),
    );
    drop(conn);
    let mut bytes = std::fs::read(env.db()).unwrap();
    let page = ((root - 1) * page_size) as usize;
    // Scribble over the events table's root page header.
    for b in &mut bytes[page..page + 12] {
        *b = 0xff;
    }
    std::fs::write(env.db(), bytes).unwrap();
    let run = env.juece(&["verify", "--lang", "en"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("DAMAGED") || run.stdout.contains("damaged"),
        "{}",
        run.stdout
    );
}

#[test]
fn after_any_command_the_database_file_alone_is_complete() {
    let env = with_examples();
    no_wal_left(&env.db());
    ok(env.juece(&["user", "add", "王敏", "--role", "legal_office"]));
    no_wal_left(&env.db());
    ok(env.juece(&[
        "case",
        "open",
        "新案",
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
    ]));
    no_wal_left(&env.db());
    let requests: String = (0..5)
        .map(|i| {
            format!(
                "{}\n",
                json!({"ref": "新案", "event": {"type": "draft", "version": format!("v{}", i + 1), "sha256": format!("{:064x}", i + 1)}, "as": "王敏"})
            )
        })
        .collect();
    let run = env.juece_stdin(&["record-batch"], &requests);
    let written = run
        .stdout
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).unwrap()["exit"] == 0)
        .count();
    assert_eq!(written, 5, "{run:?}");
    no_wal_left(&env.db());
    // Copy the database file alone, as a careless backup would.
    let other = Env::new();
    std::fs::copy(env.db(), other.db()).unwrap();
    assert_eq!(other.rows(), env.rows());
    let run = ok(other.juece(&["verify"]));
    assert!(run.stdout.contains("哈希链：完好"), "{}", run.stdout);
    let shown = ok(other.juece(&["case", "show", "新案", "--lang", "en"]));
    assert!(written > 0, "{run:?}");
    assert!(shown.stdout.contains("新案"));
}

#[test]
fn backup_makes_a_verified_copy_while_others_write_and_never_overwrites() {
    let env = with_examples();
    ok(env.juece(&["user", "add", "李强", "--role", "head"]));
    let dest = env.path("backup.db");
    // Writers run while the backup is taken.
    let writer = {
        let db = env.db();
        std::thread::spawn(move || {
            for i in 0..8 {
                let st = std::process::Command::new(env!("CARGO_BIN_EXE_juece"))
                    .args(["user", "add", &format!("u{i}"), "--role", "auditor"])
                    .env_clear()
                    .env("JUECE_DB", &db)
                    .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
                    .output()
                    .unwrap();
                assert!(st.status.success());
            }
        })
    };
    let run = ok(env.juece(&["backup", dest.to_str().unwrap(), "--lang", "en"]));
    writer.join().unwrap();
    assert!(run.stdout.contains("verified: OK"), "{}", run.stdout);
    no_wal_left(&dest);
    let copy = Env::new();
    std::fs::copy(&dest, copy.db()).unwrap();
    ok(copy.juece(&["verify"]));
    assert_eq!(copy.rows(), env.rows());
    // Never over an existing file.
    let before = std::fs::read(&dest).unwrap();
    let run = env.juece(&["backup", dest.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(std::fs::read(&dest).unwrap(), before);
}

#[test]
fn edited_rules_and_roles_fail_verify_and_checkpoints_cover_them() {
    let env = with_examples();
    ok(env.juece(&["user", "add", "李强", "--role", "head"]));
    ok(env.juece(&["key", "init", "--out", env.path("k").to_str().unwrap()]));
    let cp = env.path("cp.json");
    ok(env.juece(&[
        "checkpoint",
        "--key",
        env.path("k").to_str().unwrap(),
        "--out",
        cp.to_str().unwrap(),
    ]));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    assert_eq!(doc["format"], "juece-checkpoint/2");
    assert!(doc["records_size"].as_u64().unwrap() >= 2, "{doc}");
    let run = ok(env.juece(&[
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--key",
        env.path("k.pub").to_str().unwrap(),
    ]));
    assert!(run.stdout.contains("记录：完好"), "{}", run.stdout);
    assert!(run.stdout.contains("锚定：前 29 个事件"), "{}", run.stdout);

    // The stored profile's text, edited with SQL: the chain head of the events is the same,
    // but verify fails.
    sql(
        &env,
        "UPDATE profiles SET content = replace(content, '\"technical\"', '\"market_entities\"') WHERE id = 'decree-713';",
    );
    let run = env.juece(&["verify", "--lang", "en"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("records: BROKEN"), "{}", run.stdout);
    assert!(run.stdout.contains("decree-713@1"), "{}", run.stdout);
    // The audit refuses to judge cases by the edited text.
    let run = env.juece(&["audit"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("decree-713@1"), "{}", run.stderr);

    // A user's roles, edited with SQL.
    let env = with_examples();
    ok(env.juece(&["user", "add", "王敏", "--role", "legal_office"]));
    ok(env.juece(&["verify"]));
    sql(
        &env,
        "UPDATE users SET roles = '[\"head\"]' WHERE name = '王敏';",
    );
    let run = env.juece(&["verify", "--lang", "en"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("王敏"), "{}", run.stdout);
    // A role given with SQL does not allow a write.
    let before = env.rows();
    let run = env.juece(&[
        "evidence",
        "risk",
        "XX县政府〔2023〕重大决策7号",
        "--level",
        "low",
        "--controllable",
        "yes",
        "--as",
        "王敏",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("王敏"), "{}", run.stderr);
    assert_eq!(env.rows(), before);
}

#[test]
fn a_changed_shipped_profile_cannot_be_registered() {
    let env = Env::new();
    let mut doc: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("workflows/decree-713.json")).unwrap(),
    )
    .unwrap();
    doc["title"]["en"] = json!("Doctored");
    let file = env.write("doctored.json", &doc.to_string());
    let run = env.juece(&["workflow", "add", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("decree-713@1"), "{}", run.stderr);
    // Near miss: the shipped file itself registers.
    ok(env.juece(&[
        "workflow",
        "add",
        fixture("workflows/decree-713.json").to_str().unwrap(),
    ]));
}

#[test]
fn stored_calendars_are_used_listed_and_limited() {
    let env = with_examples();
    let file = env.write(
        "2027.json",
        &json!({"year": 2027, "papers": [], "days": [
            {"name": "元旦", "date": "2027-01-01", "isOffDay": true}
        ]})
        .to_string(),
    );
    ok(env.juece(&["calendar", "add", file.to_str().unwrap()]));
    let run = ok(env.juece(&["calendar", "list", "--format", "json"]));
    let years = run.json()["years"].as_array().unwrap().clone();
    assert!(years
        .iter()
        .any(|y| y["year"] == 2027 && y["source"] == "stored"));
    assert!(years
        .iter()
        .any(|y| y["year"] == 2026 && y["source"] == "official"));
    let run = ok(env.juece(&["verify", "--lang", "en"]));
    assert!(run.stdout.contains("records: OK"), "{}", run.stdout);
    // The same again is a no-op; an absurd range is refused with its limit.
    ok(env.juece(&["calendar", "add", file.to_str().unwrap()]));
    let absurd = env.write(
        "absurd.json",
        r#"{"format":"juece-calendar/1","years":[{"year":2027,"days_off":[{"name":"x","from":"2027-01-01","to":"+200000-01-01"}],"working_weekends":[]}]}"#,
    );
    let run = env.juece(&["calendar", "add", absurd.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("31"), "{}", run.stderr);
    let far = env.write("far.json", r#"{"year":30000,"days":[]}"#);
    let run = env.juece(&["calendar", "add", far.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("1900"), "{}", run.stderr);
}

#[test]
fn absurd_numbers_are_refused_not_panicked_on() {
    let env = with_examples();
    let run = env.juece(&["due", "--within", "100000000"]);
    assert_eq!(run.code, 2, "{run:?}");
    ok(env.juece(&["due", "--within", "3650"]));
    for field in ["deferral_lapse_days", "archiving_deadline_days"] {
        let mut doc: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture("workflows/decree-713.json")).unwrap(),
        )
        .unwrap();
        doc["id"] = json!("absurd");
        doc["parameters"][field] = json!(4294967295u64);
        let file = env.write("absurd.json", &doc.to_string());
        let run = env.juece(&["workflow", "validate", file.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stderr.contains(field) && run.stderr.contains("3650"),
            "{}",
            run.stderr
        );
        let run = env.juece(&["workflow", "add", file.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{run:?}");
    }
}

#[test]
fn record_batch_answers_an_invalid_utf8_line_and_goes_on() {
    let env = Env::new();
    ok(env.juece(&["user", "add", "王敏", "--role", "legal_office"]));
    ok(env.juece(&[
        "case",
        "open",
        "新案",
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
    ]));
    let good = json!({"ref": "新案", "event": {"type": "draft", "version": "v1", "sha256": format!("{:064x}", 1)}, "as": "王敏"}).to_string();
    let mut input = Vec::new();
    input.extend_from_slice(b"{\"ref\": \"\xff\xfe\"}\n");
    input.extend_from_slice(good.as_bytes());
    input.push(b'\n');
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_juece"))
        .args(["record-batch"])
        .env_clear()
        .env("JUECE_DB", env.db())
        .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &input).unwrap();
    let out = child.wait_with_output().unwrap();
    let answers: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(answers[0]["line"], 1);
    assert_eq!(answers[0]["exit"], 2);
    assert!(answers[0]["error"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(answers[1]["line"], 2);
    assert_eq!(answers[1]["exit"], 0, "{answers:?}");
}

#[test]
fn a_retried_case_open_is_already_recorded() {
    let env = Env::new();
    ok(env.juece(&["user", "add", "王敏", "--role", "legal_office"]));
    let args = [
        "case",
        "open",
        "新案",
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
        "--command-id",
        "open-1",
        "--lang",
        "en",
    ];
    ok(env.juece(&args));
    let rows = env.rows();
    let run = ok(env.juece(&args));
    assert!(run.stdout.contains("already recorded"), "{}", run.stdout);
    assert_eq!(env.rows(), rows);
    // Near miss: another case under the same reference, without the command id, is refused.
    let mut other = args[..13].to_vec();
    other[4] = "another title";
    let run = env.juece(&other);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn keys_and_checkpoints_are_handled_safely() {
    let env = with_examples();
    // `key init` that fails leaves nothing behind.
    env.write("taken.pub", "x");
    let run = env.juece(&["key", "init", "--out", env.path("taken").to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!env.path("taken").exists());

    ok(env.juece(&["key", "init", "--out", env.path("k").to_str().unwrap()]));
    // A public key is not a signing key.
    let run = env.juece(&["checkpoint", "--key", env.path("k.pub").to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("是公钥"), "{}", run.stderr);
    // A copy of the public key under another name does not match the `.pub` beside it either.
    std::fs::copy(env.path("k.pub"), env.path("copy")).unwrap();
    std::fs::copy(env.path("k.pub"), env.path("copy.pub")).unwrap();
    let run = env.juece(&["checkpoint", "--key", env.path("copy").to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");

    // A private key others can read: used, with a warning.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::copy(env.path("k"), env.path("open-key")).unwrap();
        std::fs::set_permissions(env.path("open-key"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let run = ok(env.juece(&[
            "checkpoint",
            "--key",
            env.path("open-key").to_str().unwrap(),
        ]));
        assert!(run.stderr.contains("其他用户可以读取"), "{}", run.stderr);
        let run = ok(env.juece(&["checkpoint", "--key", env.path("k").to_str().unwrap()]));
        assert!(!run.stderr.contains("其他用户可以读取"), "{}", run.stderr);
    }

    // `--out` never overwrites.
    let cp = env.path("cp.json");
    std::fs::write(&cp, "keep me").unwrap();
    let run = env.juece(&[
        "checkpoint",
        "--key",
        env.path("k").to_str().unwrap(),
        "--out",
        cp.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(std::fs::read_to_string(&cp).unwrap(), "keep me");

    // A trusted key in uppercase hex is the same key.
    let cp = env.path("cp2.json");
    ok(env.juece(&[
        "checkpoint",
        "--key",
        env.path("k").to_str().unwrap(),
        "--out",
        cp.to_str().unwrap(),
    ]));
    let upper = std::fs::read_to_string(env.path("k.pub"))
        .unwrap()
        .to_uppercase();
    let up = env.write("upper.pub", &upper);
    ok(env.juece(&[
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--key",
        up.to_str().unwrap(),
    ]));
}

#[test]
fn a_newer_schema_is_refused_before_the_file_is_touched() {
    let env = Env::new();
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.execute_batch("CREATE TABLE x (a INTEGER); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(env.db()).unwrap();
    let run = env.juece(&["case", "list"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("99"), "{}", run.stderr);
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
}

fn examples_with(edit: impl Fn(&str) -> String) -> String {
    edit(&std::fs::read_to_string(fixture("workflows/examples/cases.json")).unwrap())
}

#[test]
fn a_key_repeated_in_one_object_is_refused_naming_it() {
    let env = Env::new();
    let doc = examples_with(|s| {
        s.replacen(
            "\"technical\": true",
            "\"technical\": true, \"technical\": false",
            1,
        )
    });
    assert!(doc.contains("\"technical\": false"));
    let file = env.write("dup.json", &doc);
    let run = env.juece(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("键 `technical` 出现了两次"),
        "{}",
        run.stderr
    );
    assert_eq!(env.rows(), (0, 0));
    // Near miss: the same document without the repeat imports.
    let file = env.write("ok.json", &examples_with(str::to_owned));
    ok(env.juece(&["import", file.to_str().unwrap()]));

    let profile = std::fs::read_to_string(fixture("workflows/decree-713.json"))
        .unwrap()
        .replacen(
            "\"id\": \"decree-713\"",
            "\"id\": \"decree-713\", \"id\": \"mine\"",
            1,
        );
    assert!(profile.contains("\"mine\""));
    let file = env.write("p.json", &profile);
    let run = env.juece(&["workflow", "validate", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("键 `id` 出现了两次"), "{}", run.stderr);

    let cal = env.write("c.json", r#"{"year":2027,"year":2028,"days":[]}"#);
    let run = env.juece(&["calendar", "add", cal.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("键 `year` 出现了两次"),
        "{}",
        run.stderr
    );

    ok(env.juece(&["user", "add", "李强", "--role", "head"]));
    let event = env.write(
        "e.json",
        r#"{"type":"risk_assessment","level":"low","level":"high","controllable":true}"#,
    );
    let run = env.juece(&[
        "record",
        "XX县政府〔2023〕重大决策7号",
        event.to_str().unwrap(),
        "--as",
        "李强",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("键 `level` 出现了两次"),
        "{}",
        run.stderr
    );
}

#[test]
fn hostile_text_is_refused_escaped_or_cut() {
    let env = Env::new();
    ok(env.juece(&["user", "add", "王敏", "--role", "legal_office"]));
    let open = |r: &str, title: &str| {
        env.juece(&[
            "case",
            "open",
            r,
            "--title",
            title,
            "--organ",
            "o",
            "--unit",
            "u",
            "--category",
            "other",
            "--as",
            "王敏",
        ])
    };
    // Invisible and bidi characters in references and names are refused.
    for bad in ["案\u{200B}1", "案\u{202E}1", "案\u{2066}1"] {
        let run = open(bad, "t");
        assert_eq!(run.code, 2, "{bad:?}: {run:?}");
        assert!(run.stderr.contains("U+"), "{}", run.stderr);
    }
    let run = env.juece(&["user", "add", "王\u{200D}敏", "--role", "head"]);
    assert_eq!(run.code, 2, "{run:?}");
    // Full-width digits are folded: the same reference.
    ok(open("县〔２０２３〕1号", "t"));
    let run = ok(env.juece(&["case", "list", "--format", "json"]));
    assert!(run.stdout.contains("县〔2023〕1号"), "{}", run.stdout);
    // A newline and an ANSI escape in a title cannot forge table rows.
    ok(open("案2", "标题\n案3  open  伪造\u{1b}[31m"));
    let run = ok(env.juece(&["case", "list"]));
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("案3")),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.lines().filter(|l| l.starts_with('案')).count(),
        2,
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\\n"), "{}", run.stdout);
    let run = ok(env.juece(&["case", "show", "案2"]));
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("案3")),
        "{}",
        run.stdout
    );
    // Sizes: a field over 64 KiB is refused naming it; echoed input is cut.
    let big = "长".repeat(30_000);
    let run = open("案4", &big);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("title"), "{}", run.stderr);
    let doc = examples_with(|s| s.replacen("县城老旧小区改造三年行动方案", &big, 1));
    let file = env.write("big.json", &doc);
    let run = env.juece(&["import", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("title"), "{}", run.stderr);
    assert!(
        run.stderr.len() < 10_000,
        "{} bytes of stderr",
        run.stderr.len()
    );
    let long_ref = "号".repeat(30_000);
    let run = env.juece(&["case", "show", &long_ref]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.len() < 20_000,
        "{} bytes of stderr",
        run.stderr.len()
    );
    #[cfg(unix)]
    {
        let run = env.juece(&["import", "/dev/zero"]);
        assert_eq!(run.code, 2, "{run:?}");
    }
    let huge = env.path("huge.json");
    std::fs::write(&huge, vec![b' '; (16 << 20) + 10]).unwrap();
    let run = env.juece(&["record", "案2", huge.to_str().unwrap(), "--as", "王敏"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("MiB"), "{}", run.stderr);
}

/// Every command that takes a case reference looks it up as references are stored (the
/// identifier rule: full-width ASCII folded, NFC, surrounding spaces trimmed), so a reference
/// typed with a Chinese input method's full-width letters and digits finds the case.
#[test]
fn a_reference_typed_full_width_finds_the_stored_case() {
    let env = with_examples();
    let stored = "XX县政府〔2023〕重大决策3号";
    let typed = "ＸＸ县政府〔２０２３〕重大决策３号";
    let run = ok(env.juece(&["case", "show", typed, "--format", "json"]));
    assert!(run.stdout.contains(stored), "{}", run.stdout);
    let run = ok(env.juece(&["export", "--ref", typed]));
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["cases"][0]["ref"], json!(stored), "{}", run.stdout);
    assert_eq!(doc["cases"].as_array().map(Vec::len), Some(1));
    // With a space before it (an ideographic one) too.
    ok(env.juece(&["case", "show", &format!("\u{3000}{typed} ")]));
    // A write finds it as well.
    ok(env.juece(&["user", "add", "李强", "--role", "undertaking_unit"]));
    ok(env.juece(&[
        "evidence",
        "risk",
        typed,
        "--level",
        "low",
        "--controllable",
        "yes",
        "--as",
        "李强",
    ]));
    // Near misses: another number is another case (not found, exit 2), and an invisible
    // character is refused by name rather than folded away.
    let other = "ＸＸ县政府〔２０２３〕重大决策４号";
    for args in [vec!["case", "show", other], vec!["export", "--ref", other]] {
        let run = env.juece(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("重大决策4号"), "{}", run.stderr);
    }
    let hidden = "XX县政府〔2023〕重大决策\u{200B}3号";
    for args in [
        vec!["case", "show", hidden],
        vec!["export", "--ref", hidden],
    ] {
        let run = env.juece(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("U+200B"), "{}", run.stderr);
    }
}
