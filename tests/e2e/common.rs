use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// A temporary folder with its own database, and a fixed clock. With
/// `JUECE_E2E_BACKEND=postgres` (and `JUECE_TEST_PG`), the database is a throwaway PostgreSQL
/// database instead of `juece.db`: the whole suite runs on either backend.
pub struct Env {
    dir: TempDir,
    pg: Option<PgDb>,
}

/// Whether this run puts every `Env`'s database on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("JUECE_E2E_BACKEND").as_deref() == Ok("postgres")
}

/// Tests about SQLite itself — its file (existence, WAL, pages, `juece backup`, `juece demo`'s
/// file) or tampering with it through rusqlite — stay on SQLite in a PostgreSQL run; their
/// PostgreSQL counterparts (tampering with direct SQL, backup refused) are in
/// `crates/juece-store/src/pg_tests.rs` and `postgres.rs`.
const SQLITE_ONLY: &[&str] = &[
    "audit::demo_creates_a_database_and_prints_the_audit",
    "first_hour::read_commands_refuse_a_missing_database_and_create_nothing",
    "history::a_stored_status_juece_does_not_know_stops_the_replay_but_not_the_audit",
    "history::a_truncated_log_fails_against_its_checkpoint",
    "history::key_checkpoint_and_verify_against_it",
    "history::replay_names_a_case_whose_projection_is_gone_and_counts_the_others",
    "history::replay_reports_a_projection_that_differs",
    "history::verify_catches_edited_case_attributes",
    "history::verify_names_the_first_broken_event",
    "messages::evidence_commands_report_in_chinese",
    "report::catalogue_is_kept_in_versions_and_checked",
    "server::passwords_are_set_from_stdin_and_stored_as_argon2id",
    "server::tokens_are_printed_once_listed_without_secret_and_revoked",
    "trust::a_lost_index_entry_is_refused_by_reads_and_reported_by_verify",
    "trust::a_newer_schema_is_refused_before_the_file_is_touched",
    "trust::after_any_command_the_database_file_alone_is_complete",
    "trust::backup_makes_a_verified_copy_while_others_write_and_never_overwrites",
    "trust::damage_sqlite_cannot_read_is_reported_in_plain_words_exit_1",
    "trust::edited_rules_and_roles_fail_verify_and_checkpoints_cover_them",
];

/// Whether the test running on this thread is about SQLite itself.
fn sqlite_only_test() -> bool {
    let current = std::thread::current();
    current
        .name()
        .is_some_and(|name| SQLITE_ONLY.contains(&name))
}

/// A throwaway database on the test server (`JUECE_TEST_PG`), dropped at the end.
pub struct PgDb {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDb {
    /// A new empty database, or `None` (said on stderr as SKIPPED) when no server is configured;
    /// with `JUECE_REQUIRE_PG=1` that is a failure.
    pub fn new(test: &str) -> Option<PgDb> {
        let Ok(admin) = std::env::var("JUECE_TEST_PG") else {
            assert!(
                std::env::var("JUECE_REQUIRE_PG").as_deref() != Ok("1"),
                "JUECE_REQUIRE_PG=1 but JUECE_TEST_PG is not set: `{test}` cannot run"
            );
            let _ = std::io::stderr().write_all(
                format!("SKIPPED {test}: needs JUECE_TEST_PG=postgres://ROLE@HOST:PORT/DB\n")
                    .as_bytes(),
            );
            return None;
        };
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!(
            "juece_e2e_{}_{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(PgDb { admin, name, url })
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// What a run printed and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// The repository root (fixtures, shipped workflows).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join(rel)
}

impl Env {
    pub fn new() -> Env {
        let pg = if on_postgres() && !sqlite_only_test() {
            Some(
                PgDb::new("e2e on PostgreSQL")
                    .expect("JUECE_E2E_BACKEND=postgres needs JUECE_TEST_PG"),
            )
        } else {
            None
        };
        Env {
            dir: tempfile::tempdir().unwrap(),
            pg,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The `--db` value: `juece.db` in the folder, or the PostgreSQL URL.
    pub fn db(&self) -> PathBuf {
        match &self.pg {
            Some(pg) => PathBuf::from(&pg.url),
            None => self.path("juece.db"),
        }
    }

    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn juece(&self, args: &[&str]) -> Run {
        self.juece_in(args, None)
    }

    pub fn juece_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.juece_in(args, Some(stdin))
    }

    fn juece_in(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_juece"));
        cmd.args(args)
            .env_clear()
            .env("JUECE_DB", self.db())
            .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
            .env("TZ", "Asia/Shanghai")
            .current_dir(self.dir.path())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        let out = child.wait_with_output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    /// Runs `sql` on the database directly, outside juece, as a tamperer would (the same
    /// statement on either backend).
    pub fn execute_sql(&self, sql: &str) {
        if let Some(pg) = &self.pg {
            pg.client().batch_execute(sql).unwrap();
            return;
        }
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.execute_batch(sql).unwrap();
    }

    /// Row counts of the database: (cases, events), counted with SQLite directly.
    pub fn rows(&self) -> (i64, i64) {
        if let Some(pg) = &self.pg {
            let mut c = pg.client();
            let schema: bool = c
                .query_one("SELECT to_regclass('events') IS NOT NULL", &[])
                .unwrap()
                .get(0);
            if !schema {
                return (0, 0);
            }
            let count = |c: &mut postgres::Client, t: &str| -> i64 {
                c.query_one(&format!("SELECT count(*) FROM {t}"), &[])
                    .unwrap()
                    .get(0)
            };
            return (count(&mut c, "cases"), count(&mut c, "events"));
        }
        if !self.db().exists() {
            return (0, 0);
        }
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        let count = |t: &str| {
            conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        };
        (count("cases"), count("events"))
    }
}

impl Env {
    /// Asserts that the case's events are numbered 0, 1, 2, … with no gap or fork.
    pub fn assert_one_chain(&self, case_ref: &str) {
        if let Some(pg) = &self.pg {
            let seqs: Vec<i64> = pg
                .client()
                .query(
                    "SELECT seq FROM events e JOIN cases c ON c.case_id = e.case_id WHERE c.ref = $1 ORDER BY seq",
                    &[&case_ref],
                )
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            assert_eq!(
                seqs,
                (0..seqs.len() as i64).collect::<Vec<_>>(),
                "case {case_ref}: one chain, no gaps"
            );
            return;
        }
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        let seqs: Vec<i64> = conn
            .prepare("SELECT seq FROM events e JOIN cases c ON c.case_id = e.case_id WHERE c.ref = ?1 ORDER BY seq")
            .unwrap()
            .query_map([case_ref], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            seqs,
            (0..seqs.len() as i64).collect::<Vec<_>>(),
            "case {case_ref}: one chain, no gaps"
        );
    }
}

/// The interchange.md example case file as JSON.
pub fn example_doc() -> serde_json::Value {
    let text =
        std::fs::read_to_string(fixture("tests/data/cases/interchange_example.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}
