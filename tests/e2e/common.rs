use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// A temporary folder with its own database, and a fixed clock.
pub struct Env {
    dir: TempDir,
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
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("juece.db")
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

    /// Row counts of the database: (cases, events), counted with SQLite directly.
    pub fn rows(&self) -> (i64, i64) {
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
