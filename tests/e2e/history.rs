//! Evidence-grade history through the real binary: verify and checkpoints, tamper reports,
//! crash safety under SIGKILL, several writer processes at once, safe retries.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{example_doc, fixture, Env, Run};

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

#[test]
fn verify_reports_an_intact_log() {
    let env = with_examples();
    let run = ok(env.juece(&["--lang", "en", "verify"]));
    assert!(
        run.stdout.contains("log: 29 events in 3 cases"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("chain: OK"), "{}", run.stdout);
}

#[test]
fn verify_names_the_first_broken_event() {
    let env = with_examples();
    sql(
        &env,
        "DROP TRIGGER events_are_never_updated;
         UPDATE events SET canonical = CAST(replace(CAST(canonical AS TEXT), '\"lawful\"', '\"exploratory\"') AS BLOB)
         WHERE seq = 6 AND case_id = (SELECT case_id FROM cases WHERE ref = 'XX县政府〔2023〕重大决策3号');",
    );
    let run = env.juece(&["--lang", "en", "verify"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .contains("chain: BROKEN at event #7, case `XX县政府〔2023〕重大决策3号`, sequence 6"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("content differs from what was hashed"),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_catches_edited_case_attributes() {
    let env = with_examples();
    sql(&env, "UPDATE cases SET attributes = replace(attributes, '\"technical\":true', '\"technical\":false')");
    let run = env.juece(&["--lang", "en", "verify"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .contains("sequence 0: the case's title, attributes or workflow differ"),
        "{}",
        run.stdout
    );
}

#[test]
fn key_checkpoint_and_verify_against_it() {
    let env = with_examples();
    let run = ok(env.juece(&[
        "key",
        "init",
        "--out",
        env.path("office-key").to_str().unwrap(),
    ]));
    assert!(run.stdout.contains("公钥："), "{}", run.stdout);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.path("office-key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the private key is readable by its owner only"
        );
    }
    let again = env.juece(&[
        "key",
        "init",
        "--out",
        env.path("office-key").to_str().unwrap(),
    ]);
    assert_eq!(again.code, 2, "a key is never replaced: {again:?}");

    let cp = env.path("cp.json");
    let key = env.path("office-key");
    let pubkey = env.path("office-key.pub");
    ok(env.juece(&[
        "checkpoint",
        "--key",
        key.to_str().unwrap(),
        "--out",
        cp.to_str().unwrap(),
    ]));
    let checkpoint: Value = serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    assert_eq!(checkpoint["format"], "juece-checkpoint/2");
    assert_eq!(checkpoint["log_size"], 29);

    let run = ok(env.juece(&[
        "--lang",
        "en",
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--key",
        pubkey.to_str().unwrap(),
    ]));
    assert!(
        run.stdout.contains("signature valid for the trusted key"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("anchored: the first 29 events"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("not yet anchored"), "{}", run.stdout);

    // Later events are intact but not yet anchored, never "OK" for the checkpoint.
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
    let run = ok(env.juece(&[
        "--lang",
        "en",
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--key",
        pubkey.to_str().unwrap(),
    ]));
    assert!(
        run.stdout
            .contains("not yet anchored: 1 events after the checkpoint"),
        "{}",
        run.stdout
    );

    // A full rewrite of the chain after the checkpoint was taken is caught by it.
    sql(
        &env,
        "DROP TRIGGER events_are_never_deleted; DELETE FROM events WHERE event_id = 3;",
    );
    let run = env.juece(&[
        "--lang",
        "en",
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--key",
        pubkey.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("BROKEN"), "{}", run.stdout);
    assert!(run.stdout.contains("anchored: NO"), "{}", run.stdout);
}

#[test]
fn a_forged_or_foreign_checkpoint_fails() {
    let env = with_examples();
    ok(env.juece(&["key", "init", "--out", env.path("k1").to_str().unwrap()]));
    ok(env.juece(&["key", "init", "--out", env.path("k2").to_str().unwrap()]));
    let cp = env.path("cp.json");
    ok(env.juece(&[
        "checkpoint",
        "--key",
        env.path("k1").to_str().unwrap(),
        "--out",
        cp.to_str().unwrap(),
    ]));
    // Signed by another key than the trusted one.
    let run = env.juece(&[
        "--lang",
        "en",
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
        "--key",
        env.path("k2.pub").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("not by the trusted key"),
        "{}",
        run.stderr
    );
    // Altered after signing.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    doc["log_size"] = json!(20);
    let forged = env.write("forged.json", &doc.to_string());
    let run = env.juece(&[
        "--lang",
        "en",
        "verify",
        "--checkpoint",
        forged.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("signature does not match"),
        "{}",
        run.stderr
    );
    // Not a checkpoint at all: bad input.
    let junk = env.write("junk.json", "{}");
    assert_eq!(
        env.juece(&[
            "--lang",
            "en",
            "verify",
            "--checkpoint",
            junk.to_str().unwrap()
        ])
        .code,
        2
    );
}

#[test]
fn a_truncated_log_fails_against_its_checkpoint() {
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
    sql(
        &env,
        "DROP TRIGGER events_are_never_deleted; DELETE FROM events WHERE event_id > 27;",
    );
    let run = env.juece(&[
        "--lang",
        "en",
        "verify",
        "--checkpoint",
        cp.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("events were removed from the end"),
        "{}",
        run.stdout
    );
}

#[test]
fn replay_names_a_case_whose_projection_is_gone_and_counts_the_others() {
    let env = with_examples();
    let whole = ok(env.juece(&["--lang", "en", "verify", "--replay"]));
    let stored: i64 = rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row("SELECT count(*) FROM case_projection", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 3);
    assert!(
        whole.stdout.contains(&format!(
            "replay: OK — {stored} projections rebuilt from the events match the stored ones"
        )),
        "{}",
        whole.stdout
    );
    sql(
        &env,
        "DELETE FROM case_projection WHERE case_id = (SELECT case_id FROM cases WHERE ref = 'XX县政府〔2023〕重大决策7号')",
    );
    replay_finds(
        &env,
        "replay: case `XX县政府〔2023〕重大决策7号` has no stored projection",
    );
}

#[test]
fn a_stored_status_juece_does_not_know_stops_the_replay_but_not_the_audit() {
    let env = with_examples();
    let audit_before = env.juece(&["--lang", "en", "audit", "--format", "json"]);
    sql(
        &env,
        "UPDATE case_projection SET status = 'bogus' WHERE case_id = (SELECT case_id FROM cases WHERE ref = 'XX县政府〔2023〕重大决策7号')",
    );
    let run = env.juece(&["--lang", "en", "verify", "--replay"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("unknown status `bogus`"), "{run:?}");
    // The audit reads the events, not the projection: the same report as before.
    let audit = env.juece(&["--lang", "en", "audit", "--format", "json"]);
    assert_eq!(audit.code, audit_before.code, "{audit:?}");
    assert_eq!(audit.stdout, audit_before.stdout);
}

/// `verify --replay` (in English), which must exit 1 saying `what`.
fn replay_finds(env: &Env, what: &str) -> Run {
    let run = env.juece(&["--lang", "en", "verify", "--replay"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains(what), "{}", run.stdout);
    run
}

#[test]
fn replay_reports_a_projection_that_differs() {
    let env = with_examples();
    ok(env.juece(&["--lang", "en", "verify", "--replay"]));
    sql(&env, "UPDATE case_projection SET has_skipped = 0");
    let run = replay_finds(&env, "replay: case `XX县政府〔2023〕重大决策7号`");
    assert!(
        run.stdout.contains("chain: OK"),
        "the events themselves are intact: {}",
        run.stdout
    );
}

#[test]
fn a_retried_command_id_writes_nothing_again() {
    let env = with_examples();
    ok(env.juece(&["user", "add", "李强", "--role", "undertaking_unit"]));
    let args = [
        "evidence",
        "risk",
        "XX县政府〔2023〕重大决策9号",
        "--level",
        "low",
        "--controllable",
        "yes",
        "--as",
        "李强",
        "--command-id",
        "batch-7/row-12",
    ];
    ok(env.juece(&args));
    let after_first = env.rows();
    let run = ok(env.juece(&args));
    assert!(
        run.stdout.contains("`batch-7/row-12` 已记录过"),
        "{}",
        run.stdout
    );
    assert_eq!(env.rows(), after_first);
    let other_case = env.juece(&[
        "evidence",
        "risk",
        "XX县政府〔2023〕重大决策7号",
        "--level",
        "low",
        "--controllable",
        "yes",
        "--as",
        "李强",
        "--command-id",
        "batch-7/row-12",
    ]);
    assert_eq!(other_case.code, 2, "{other_case:?}");
    assert_eq!(env.rows(), after_first);
}

/// A large case file: the examples repeated under distinct references.
fn large_doc(copies: usize) -> (String, Vec<(String, usize)>) {
    let examples: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("workflows/examples/cases.json")).unwrap(),
    )
    .unwrap();
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for i in 0..copies {
        for c in examples["cases"].as_array().unwrap() {
            let mut c = c.clone();
            let r = format!("{}-{i:04}", c["ref"].as_str().unwrap());
            c["ref"] = json!(r);
            expected.push((r, c["events"].as_array().unwrap().len()));
            cases.push(c);
        }
    }
    (
        json!({ "format": "juece-cases/1", "cases": cases }).to_string(),
        expected,
    )
}

/// A deterministic generator for kill times.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The real binary is killed with SIGKILL at random moments during a large import; each time
/// the database passes `integrity_check`, holds every case whole or not at all, verifies, and a
/// re-run gives the same database as an uninterrupted run. JUECE_CRASH_TRIALS sets the number of
/// trials (default 50; docs/log-format.md records an extended run).
#[test]
fn sigkill_during_import_never_tears_a_case() {
    let trials: usize = std::env::var("JUECE_CRASH_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let (doc, expected) = large_doc(100);
    let reference = Env::new();
    let file = reference.write("big.json", &doc);
    let started = Instant::now();
    ok(reference.juece(&["import", file.to_str().unwrap()]));
    let full = started.elapsed();
    let reference_export = ok(reference.juece(&["export"])).stdout;
    let reference_head = ok(reference.juece(&["--lang", "en", "verify"])).stdout;

    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut killed_midway = 0;
    for trial in 0..trials {
        let env = Env::new();
        let file = env.write("big.json", &doc);
        let mut child = Command::new(env!("CARGO_BIN_EXE_juece"))
            .args(["import", file.to_str().unwrap()])
            .env_clear()
            .env("JUECE_DB", env.db())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = Duration::from_micros(rng.next() % (full.as_micros() as u64 * 6 / 5 + 1));
        std::thread::sleep(delay);
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        if !finished {
            killed_midway += 1;
        }
        if env.db().exists() {
            let conn = rusqlite::Connection::open(env.db()).unwrap();
            let integrity: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("trial {trial}: {e}"));
            assert_eq!(integrity, "ok", "trial {trial}");
            let has_events: bool = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'events'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap()
                == 1;
            if has_events {
                let mut stmt = conn.prepare("SELECT c.ref, count(e.event_id) FROM cases c LEFT JOIN events e ON e.case_id = c.case_id GROUP BY c.ref").unwrap();
                let counts: Vec<(String, i64)> = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                assert!(
                    counts.is_empty() || counts.len() == expected.len(),
                    "trial {trial}: {} of {} cases",
                    counts.len(),
                    expected.len()
                );
                for (r, n) in &counts {
                    let want = expected
                        .iter()
                        .find(|(e, _)| e == r)
                        .map(|(_, n)| *n as i64);
                    assert_eq!(Some(*n), want, "trial {trial}: case {r} is torn");
                }
            }
            ok(env.juece(&["--lang", "en", "verify"]));
        }
        ok(env.juece(&["import", file.to_str().unwrap()]));
        assert_eq!(
            env.juece(&["export"]).stdout,
            reference_export,
            "trial {trial}: the re-run differs"
        );
        assert_eq!(
            ok(env.juece(&["--lang", "en", "verify"])).stdout,
            reference_head,
            "trial {trial}"
        );
    }
    eprintln!(
        "crash trials: {trials}, killed during the import: {killed_midway}, import time {full:?}"
    );
    assert!(
        killed_midway > 0 || trials == 0,
        "no trial was killed during the import"
    );
}

/// Four processes append 200 writes each to 20 shared cases at once: no SQLITE_BUSY reaches
/// the user, per-case sequences have no gaps, the events equal the accepted writes exactly,
/// every lost race is a reported conflict, and the chain verifies.
#[test]
fn several_writer_processes_share_cases() {
    let env = Env::new();
    let mut doc = example_doc();
    let template = doc["cases"][0].clone();
    let mut cases = Vec::new();
    let refs: Vec<String> = (0..20).map(|i| format!("并发测试〔2023〕{i}号")).collect();
    for r in &refs {
        let mut c = template.clone();
        c["ref"] = json!(r);
        c["events"].as_array_mut().unwrap().truncate(5);
        cases.push(c);
    }
    doc["cases"] = json!(cases);
    let file = env.write("cases.json", &doc.to_string());
    ok(env.juece(&["import", file.to_str().unwrap()]));
    ok(env.juece(&["user", "add", "李强", "--role", "undertaking_unit"]));
    let before = env.rows();

    let workers: Vec<_> = (0..4u64)
        .map(|w| {
            let refs = refs.clone();
            let db = env.db();
            std::thread::spawn(move || {
                let mut rng = Rng(0x9E37_79B9 + w * 7919);
                let (mut accepted, mut conflicts) = (0u64, 0u64);
                for _ in 0..200 {
                    let r = &refs[(rng.next() % refs.len() as u64) as usize];
                    let out = Command::new(env!("CARGO_BIN_EXE_juece"))
                        .args([
                            "evidence",
                            "risk",
                            r,
                            "--level",
                            "low",
                            "--controllable",
                            "yes",
                            "--as",
                            "李强",
                        ])
                        .env_clear()
                        .env("JUECE_DB", &db)
                        .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
                        .output()
                        .unwrap();
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    assert!(
                        !stderr.contains("locked") && !stderr.contains("busy"),
                        "{stderr}"
                    );
                    match out.status.code() {
                        Some(0) => accepted += 1,
                        Some(2) if stderr.contains("事项刚被他人修改，请重试") => {
                            conflicts += 1
                        }
                        other => panic!("unexpected exit {other:?}: {stderr}"),
                    }
                }
                (accepted, conflicts)
            })
        })
        .collect();
    let (mut accepted, mut conflicts) = (0, 0);
    for w in workers {
        let (a, c) = w.join().unwrap();
        accepted += a;
        conflicts += c;
    }
    assert_eq!(accepted + conflicts, 800);
    assert_eq!(
        env.rows().1 as u64,
        before.1 as u64 + accepted,
        "events equal accepted writes exactly"
    );
    for r in &refs {
        env.assert_one_chain(r);
    }
    ok(env.juece(&["--lang", "en", "verify", "--replay"]));
    eprintln!("concurrency: {accepted} accepted, {conflicts} conflicts reported");
}
