//! The harness in smoke mode (200 cases, every step once, 3 live writes) against the real
//! `juece` binary: every step runs and the harness exits 0. Nothing here is timed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `juece` binary of the same target folder and profile as this test's `juece-bench`.
///
/// It is built here, with `cargo build -p juece-cli` through `$CARGO` (the cargo running this
/// test), rather than assumed to exist: `cargo test --workspace` happens to build it before any
/// test runs, but `cargo test -p juece-bench` does not build another package's binary, and a
/// binary left by an earlier build may be stale. When it is up to date the build is a no-op
/// of about a second. Cargo releases the build-folder lock before it runs the test binaries, so
/// the nested build does not wait on the outer one. Skipping when the binary is missing would
/// let the smoke test pass without running anything, so a failed build fails the test.
fn juece() -> PathBuf {
    let bench = Path::new(env!("CARGO_BIN_EXE_juece-bench"));
    let dir = bench.parent().expect("the binary has a folder");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--quiet", "-p", "juece-cli"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if dir.file_name() == Some("release".as_ref()) {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "`cargo build -p juece-cli` failed");
    let juece = dir.join(format!("juece{}", std::env::consts::EXE_SUFFIX));
    assert!(
        juece.is_file(),
        "no `{}` after building juece-cli (a --target build puts it elsewhere; run the harness by hand with --juece)",
        juece.display()
    );
    juece
}

/// The PostgreSQL test server's admin URL (`JUECE_TEST_PG`), or `None` after a loud SKIPPED
/// line; with `JUECE_REQUIRE_PG=1` (CI) a missing server fails the test instead.
#[expect(
    clippy::disallowed_methods,
    reason = "the test server's address comes from the environment, as in the store's tests"
)]
fn test_server(test: &str) -> Option<String> {
    let Ok(admin) = std::env::var("JUECE_TEST_PG") else {
        assert!(
            std::env::var("JUECE_REQUIRE_PG").as_deref() != Ok("1"),
            "JUECE_REQUIRE_PG=1 but JUECE_TEST_PG is not set: `{test}` cannot run"
        );
        eprintln!("SKIPPED {test}: needs JUECE_TEST_PG=postgres://ROLE@HOST:PORT/DB");
        return None;
    };
    Some(admin)
}

#[test]
fn the_harness_runs_every_step_in_smoke_mode() {
    let juece = juece();
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_juece-bench"))
        .args(["run", "--smoke", "--juece"])
        .arg(&juece)
        .arg("--work")
        .arg(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "juece-bench run --smoke: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    for step in [
        "process start: `juece --version`",
        "import (whole process)",
        "import peak RSS",
        "storage per case",
        "audit --format json",
        "verify vs SHA-256",
        "live guarded write",
        "`case show REF`",
        "`case list --skipped`",
    ] {
        assert!(stdout.contains(step), "no `{step}` row in:\n{stdout}");
    }
    assert!(!stdout.contains("FAILED"), "{stdout}");
    assert!(stdout.contains("| 200 |"), "{stdout}");
}

/// The server load in miniature (200 cases, 4 clients, 2 s on a free loopback port): the
/// server starts, every request answers 201/200 or 409, and `verify --replay` passes afterwards.
#[test]
fn the_server_load_runs_and_the_history_verifies_afterwards() {
    let juece = juece();
    let work = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_juece-bench"))
        .args([
            "serve-load",
            "--cases",
            "200",
            "--clients",
            "4",
            "--seconds",
            "2",
        ])
        .args(["--port", &port.to_string(), "--juece"])
        .arg(&juece)
        .arg("--work")
        .arg(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "juece-bench serve-load: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    assert!(stdout.contains("| other errors | 0 | 0 |"), "{stdout}");
    assert!(
        stdout.contains("| `verify --replay` afterwards | passes |"),
        "{stdout}"
    );
    let writes: usize = stdout
        .lines()
        .find(|l| l.starts_with("| guarded write"))
        .and_then(|l| l.split('|').nth(2))
        .and_then(|c| c.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(writes > 0, "{stdout}");
}

/// The same load on PostgreSQL (issue 14): two `juece serve` processes on one database, the
/// clients spread over both; no request answers anything but 201/200 or 409, and the shared
/// history verifies afterwards. Needs `JUECE_TEST_PG` (a loud SKIPPED line without it; a failure
/// with `JUECE_REQUIRE_PG=1`).
#[test]
fn two_servers_on_one_postgres_database_lose_nothing_under_load() {
    let Some(admin) = test_server("two_servers_on_one_postgres_database_lose_nothing_under_load")
    else {
        return;
    };
    let name = format!("juece_bench_load_{}", std::process::id());
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let url = format!("{base}/{name}");
    let juece = juece();
    let work = tempfile::tempdir().unwrap();
    // Two free ports in a row.
    let port = (0..50)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .find(|p| *p < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok())
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_juece-bench"))
        .args([
            "serve-load",
            "--cases",
            "200",
            "--clients",
            "4",
            "--seconds",
            "2",
        ])
        .args(["--servers", "2", "--db", &url])
        .args(["--port", &port.to_string(), "--juece"])
        .arg(&juece)
        .arg("--work")
        .arg(work.path())
        .output()
        .unwrap();
    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "juece-bench serve-load on PostgreSQL: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    assert!(stdout.contains("on PostgreSQL, 2 server(s)"), "{stdout}");
    assert!(stdout.contains("| other errors | 0 | 0 |"), "{stdout}");
    assert!(
        stdout.contains("| `verify --replay` afterwards | passes |"),
        "{stdout}"
    );
}

/// The harness on PostgreSQL too (`run --smoke --pg URL`): every step runs on both backends and
/// the PostgreSQL table follows the SQLite one, each against its own backend's bare work.
#[test]
fn the_harness_runs_every_step_on_postgres_too() {
    let Some(admin) = test_server("the_harness_runs_every_step_on_postgres_too") else {
        return;
    };
    let juece = juece();
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_juece-bench"))
        .args(["run", "--smoke", "--pg", &admin, "--juece"])
        .arg(&juece)
        .arg("--work")
        .arg(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "juece-bench run --smoke --pg: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let (_, on_pg) = stdout
        .split_once("### On PostgreSQL")
        .unwrap_or_else(|| panic!("no PostgreSQL section in:\n{stdout}"));
    for step in [
        "import (whole process) vs bare PostgreSQL COPY",
        "storage per case (the whole database",
        "audit --format json vs bare PostgreSQL SELECT",
        "verify vs SHA-256",
        "live guarded write, one long-running writer (`record-batch`) vs bare PostgreSQL",
        "`case show REF`",
    ] {
        assert!(on_pg.contains(step), "no `{step}` row in:\n{on_pg}");
    }
}
