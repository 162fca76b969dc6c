//! The real binary on PostgreSQL (`--db postgres://…`), beside SQLite: the same import exports
//! byte for byte the same and verifies to the same head; two processes racing on one case never
//! fork it; a server that cannot be reached is exit 2 naming its address; backup refuses.
//! Needs `JUECE_TEST_PG` (see crates/juece-store/src/pg_tests.rs); without it each test says
//! SKIPPED on stderr, and fails when `JUECE_REQUIRE_PG=1`.

use std::process::{Command, Stdio};

use crate::common::{fixture, Env, PgDb};

fn on(env: &Env, db: &str, args: &[&str]) -> crate::common::Run {
    let mut all = vec!["--db", db];
    all.extend_from_slice(args);
    env.juece(&all)
}

#[test]
fn an_import_exports_and_verifies_the_same_on_both_backends() {
    let Some(pg) = PgDb::new("same_on_both") else {
        return;
    };
    let env = Env::new();
    let cases = fixture("workflows/examples/cases.json");
    let cases = cases.to_str().unwrap();
    let lite = env.path("county.db");
    let lite = lite.to_str().unwrap();
    for db in [lite, pg.url.as_str()] {
        let run = on(&env, db, &["--lang", "en", "import", cases]);
        assert_eq!(run.code, 0, "{run:?}");
    }
    let (a, b) = (on(&env, lite, &["export"]), on(&env, &pg.url, &["export"]));
    assert_eq!(a.code, 0);
    assert_eq!(a.stdout, b.stdout, "exports differ");
    let head = |db: &str| {
        let run = on(&env, db, &["--lang", "en", "verify"]);
        assert_eq!(run.code, 0, "{run:?}");
        run.stdout.lines().next().unwrap().to_owned()
    };
    assert_eq!(head(lite), head(&pg.url));
    let (a, b) = (
        on(&env, lite, &["--lang", "en", "audit"]),
        on(&env, &pg.url, &["--lang", "en", "audit"]),
    );
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.code, b.code);
    // The replay compares each case with its stored projection as the pass reads it (the
    // report's line about the file itself differs by backend).
    for db in [lite, pg.url.as_str()] {
        let run = on(&env, db, &["--lang", "en", "verify", "--replay"]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout.contains(
                "replay: OK — 3 projections rebuilt from the events match the stored ones"
            ),
            "{run:?}"
        );
    }
    // Backup is SQLite's; PostgreSQL points to pg_dump.
    let run = on(&env, &pg.url, &["--lang", "en", "backup", "copy.db"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pg_dump"), "{run:?}");
}

#[test]
fn an_unreachable_server_is_exit_2_naming_its_address() {
    let env = Env::new();
    for (lang, words) in [("en", "cannot connect"), ("zh", "无法连接")] {
        let run = on(
            &env,
            "postgres://juece@127.0.0.1:1/none",
            &["--lang", lang, "case", "list"],
        );
        assert_eq!(run.code, 2, "{run:?}");
        assert!(
            run.stderr.contains("127.0.0.1:1") && run.stderr.contains(words),
            "{run:?}"
        );
    }
}

#[test]
fn two_processes_importing_at_once_never_fork_the_chain() {
    let Some(pg) = PgDb::new("race") else {
        return;
    };
    let env = Env::new();
    let text = std::fs::read_to_string(fixture("workflows/examples/cases.json")).unwrap();
    let mut files = Vec::new();
    for office in ["甲", "乙", "丙"] {
        let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        for case in doc["cases"].as_array_mut().unwrap() {
            let r = format!("{office}{}", case["ref"].as_str().unwrap());
            case["ref"] = r.into();
        }
        files.push(env.write(&format!("{office}.json"), &doc.to_string()));
    }
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            Command::new(env!("CARGO_BIN_EXE_juece"))
                .args(["--lang", "en", "import", f.to_str().unwrap()])
                .env_clear()
                .env("JUECE_DB", &pg.url)
                .env("JUECE_NOW", "2026-11-28T10:00:00+08:00")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    let verify = on(&env, &pg.url, &["--lang", "en", "verify"]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let list = on(&env, &pg.url, &["case", "list", "--format", "json"]);
    assert_eq!(
        list.json()["cases"].as_array().map(Vec::len),
        Some(9),
        "{list:?}"
    );
}

#[test]
fn migrate_copies_a_county_and_proves_the_copy() {
    let Some(pg) = PgDb::new("migrate") else {
        return;
    };
    let env = Env::new();
    let county = env.path("county.db");
    let county = county.to_str().unwrap();
    let cases = fixture("workflows/examples/cases.json");
    let catalogue = fixture("workflows/examples/catalogue.json");
    for args in [
        vec!["import", cases.to_str().unwrap()],
        vec!["user", "add", "王敏", "--role", "legal_office"],
        vec!["catalogue", "import", catalogue.to_str().unwrap()],
        vec!["token", "create", "王敏"],
    ] {
        let run = on(&env, county, &args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
    }
    // Into a file: refused, nothing written.
    let run = env.juece(&["--lang", "en", "migrate", "--from", county, "--to", "x.db"]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = env.juece(&["--lang", "en", "migrate", "--from", county, "--to", &pg.url]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("proof: OK"), "{}", run.stdout);
    let heads: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split("head ").nth(1))
        .collect();
    assert_eq!(heads.len(), 2);
    assert_eq!(heads[0], heads[1]);
    assert_eq!(
        on(&env, county, &["export"]).stdout,
        on(&env, &pg.url, &["export"]).stdout
    );
    assert_eq!(
        on(&env, county, &["--lang", "en", "verify"])
            .stdout
            .lines()
            .next(),
        on(&env, &pg.url, &["--lang", "en", "verify"])
            .stdout
            .lines()
            .next()
    );
    let tokens = on(&env, &pg.url, &["--lang", "en", "token", "list"]);
    assert!(tokens.stdout.contains("王敏"), "{tokens:?}");
    // A second migrate into the now non-empty database is refused (zh by default).
    let again = env.juece(&["migrate", "--from", county, "--to", &pg.url]);
    assert_eq!(again.code, 2, "{again:?}");
    assert!(again.stderr.contains("不是空的"), "{again:?}");
    // The copy takes new writes after the copied rows.
    let text = std::fs::read_to_string(&cases).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    for case in doc["cases"].as_array_mut().unwrap() {
        let r = format!("省{}", case["ref"].as_str().unwrap());
        case["ref"] = r.into();
    }
    let more = env.write("more.json", &doc.to_string());
    assert_eq!(
        on(&env, &pg.url, &["import", more.to_str().unwrap()]).code,
        0
    );
    assert_eq!(on(&env, &pg.url, &["verify"]).code, 0);
}

#[test]
fn two_servers_on_one_database_never_fork_it_or_lose_a_write() {
    let Some(pg) = PgDb::new("two_servers") else {
        return;
    };
    let env = Env::new();
    assert_eq!(
        on(
            &env,
            &pg.url,
            &["user", "add", "王敏", "--role", "legal_office"]
        )
        .code,
        0
    );
    let created = on(&env, &pg.url, &["token", "create", "王敏"]);
    let token = created.stdout.lines().next().unwrap().trim().to_owned();
    let servers = [
        crate::server::serve_on(pg.url.as_ref()),
        crate::server::serve_on(pg.url.as_ref()),
    ];
    let per_thread = 6;
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let (addr, token) = (&servers[t % 2].addr, &token);
                s.spawn(move || {
                    (0..per_thread)
                        .map(|i| {
                            let body = serde_json::json!({
                                "ref": format!("并发{t}-{i}"), "title": "t", "organ": "XX县人民政府",
                                "undertaking_unit": "u", "category": "plan", "workflow": "decree-713",
                                "attributes": {"technical": false, "stability_risk": false,
                                    "hearing_required": false, "confidential": false,
                                    "market_entities": false},
                                "at": "2024-02-01T09:00:00+08:00",
                            });
                            crate::server::http(
                                addr,
                                "POST",
                                "/api/v1/cases",
                                Some(token),
                                Some(&body.to_string()),
                            )
                            .unwrap()
                            .0
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(statuses.iter().all(|&s| s == 201), "{statuses:?}");
    drop(servers);
    let verify = on(&env, &pg.url, &["--lang", "en", "verify"]);
    assert_eq!(verify.code, 0, "{verify:?}");
    assert!(
        verify.stdout.starts_with(&format!(
            "log: {} events in {} cases",
            4 * per_thread,
            4 * per_thread
        )),
        "{}",
        verify.stdout
    );
}

/// `--readers N`: a server holds N read-only connections, two that check writes and the
/// writer — what a province counts against PostgreSQL's `max_connections`.
#[test]
fn a_server_holds_its_readers_and_three_more_connections() {
    let Some(pg) = PgDb::new("readers") else {
        return;
    };
    let connections = || -> i64 {
        let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
        c.query_one(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = 'juece'",
            &[],
        )
        .unwrap()
        .get(0)
    };
    // A killed server's backends end as they see their sockets close: wait for that.
    let settle = |want: i64| {
        let start = std::time::Instant::now();
        let mut found = connections();
        while found != want && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(100));
            found = connections();
        }
        found
    };
    for (readers, expected) in [("2", 5), ("5", 8)] {
        let served = crate::server::serve_on_args(pg.url.as_ref(), &[], &["--readers", readers]);
        assert_eq!(settle(expected), expected, "--readers {readers}");
        drop(served);
        assert_eq!(settle(0), 0);
    }
    // Out of range: refused before anything is opened.
    let env = Env::new();
    let run = env.juece(&["--db", &pg.url, "serve", "--readers", "0"]);
    assert_eq!(run.code, 2, "{run:?}");
}
