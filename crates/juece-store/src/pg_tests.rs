//! The store on PostgreSQL, beside SQLite: the same history gives the same head, cases and
//! listings; writers on separate connections never fork the chain; the database refuses changes
//! to the append-only tables for every role; direct-SQL tampering by a superuser is found.
//!
//! Needs a server where tests may CREATE DATABASE: `JUECE_TEST_PG=postgres://ROLE@HOST:PORT/DB`
//! (each test makes and drops a database of its own). Without it each test says on stderr that
//! it was SKIPPED, and fails instead when `JUECE_REQUIRE_PG=1` (CI).

use std::sync::atomic::{AtomicUsize, Ordering};

use juece_core::event::Case;
use juece_core::ids::Role;
use juece_core::{builtin, casefile};

use crate::{Location, Projection, Store, StoreError};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A throwaway database on the test server, dropped at the end.
pub(crate) struct TestDb {
    admin: String,
    name: String,
    pub(crate) url: String,
}

impl TestDb {
    /// A new empty database, or `None` (with the reason on stderr) when no server is configured.
    #[allow(clippy::disallowed_methods)] // the fixture's own switches, read by tests only
    pub(crate) fn new(test: &str) -> Option<TestDb> {
        let Ok(admin) = std::env::var("JUECE_TEST_PG") else {
            let required = std::env::var("JUECE_REQUIRE_PG").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "JUECE_REQUIRE_PG=1 but JUECE_TEST_PG is not set: the PostgreSQL test `{test}` cannot run"
            );
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("SKIPPED {test}: PostgreSQL tests need JUECE_TEST_PG=postgres://ROLE@HOST:PORT/DB (a server where tests may CREATE DATABASE); set JUECE_REQUIRE_PG=1 to make this a failure\n").as_bytes(),
            );
            return None;
        };
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "juece_test_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(TestDb { admin, name, url })
    }

    pub(crate) fn store(&self) -> Store {
        Store::open(std::path::Path::new(&self.url)).unwrap()
    }

    /// A superuser's raw connection to the database (to tamper with it).
    pub(crate) fn raw(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn projection() -> Projection {
    Projection {
        status: juece_core::ids::Status::Archived,
        has_skipped: false,
        has_override: false,
        violations: 0,
        warnings: 0,
    }
}

fn import_examples(store: &mut Store, cases: &[Case]) {
    let profiles = builtin::profiles().unwrap();
    let mut tx = store.begin_import().unwrap();
    for c in cases {
        tx.add(
            c,
            profiles.resolve(&c.header.workflow).unwrap(),
            &projection(),
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn a_postgres_url_selects_postgres_and_an_empty_database_gets_the_schema() -> TestResult {
    let Some(db) = TestDb::new("a_postgres_url_selects_postgres") else {
        return Ok(());
    };
    let loc = Location::parse(std::path::Path::new(&db.url));
    assert!(loc.is_postgres());
    let store = Store::open_location(&loc)?;
    assert!(store.is_postgres());
    assert_eq!(store.case_count()?, 0);
    drop(store);
    // Opening again finds the schema at its version and changes nothing.
    let store = db.store();
    assert_eq!(store.head()?.size, 0);
    // A schema from a newer juece is refused.
    db.raw()
        .batch_execute("UPDATE juece_schema SET version = version + 1")?;
    assert!(matches!(
        Store::open(std::path::Path::new(&db.url)),
        Err(StoreError::SchemaTooNew { .. })
    ));
    Ok(())
}

#[test]
fn an_unreachable_server_names_its_address() {
    let err = Store::open(std::path::Path::new("postgres://juece@127.0.0.1:1/none"))
        .err()
        .unwrap();
    assert!(
        matches!(&err, StoreError::Unreachable { addr, .. } if addr == "127.0.0.1:1"),
        "{err}"
    );
}

#[test]
fn the_same_history_gives_the_same_head_cases_and_records_on_both_backends() -> TestResult {
    let Some(db) = TestDb::new("the_same_history_on_both_backends") else {
        return Ok(());
    };
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut pg = db.store();
    let mut lite = Store::open_in_memory()?;
    for store in [&mut pg, &mut lite] {
        import_examples(store, &cases);
        store.add_user("王敏", &[Role::LegalOffice], "2023-01-01T00:00:00+08:00")?;
        store.add_user("王敏", &[Role::Head], "2023-01-02T00:00:00+08:00")?;
        store.add_calendar("x.json", "{}", "2023-01-03T00:00:00+08:00")?;
        let first = &cases[0];
        let mut short = first.clone();
        short.header.case_ref = "续写案".into();
        let tail = short.events.split_off(2);
        let profiles = builtin::profiles()?;
        store.import([(&short, profiles.resolve("decree-713")?, projection())])?;
        store.append("续写案", 2, &tail[..1], &projection(), Some("cmd-1"))?;
        assert!(matches!(
            store.append("续写案", 2, &tail[..1], &projection(), Some("cmd-1"))?,
            crate::Appended::AlreadyRecorded {
                first_seq: 2,
                count: 1
            }
        ));
    }
    assert_eq!(pg.head()?, lite.head()?);
    assert_eq!(pg.records_head()?, lite.records_head()?);
    let (pv, lv) = (pg.verify(None)?, lite.verify(None)?);
    assert!(pv.ok(), "{pv:?}");
    assert_eq!(pv.head, lv.head);
    assert_eq!(pv.events, lv.events);
    assert!(pg.verify_records(None)?.ok());
    let (pc, lc) = (pg.load_all()?, lite.load_all()?);
    assert_eq!(pc.len(), lc.len());
    for (p, l) in pc.iter().zip(&lc) {
        assert_eq!(p.case.header.case_ref, l.case.header.case_ref);
        assert_eq!(p.case.events, l.case.events);
        assert_eq!(p.pinned(), l.pinned());
    }
    let list = |s: &Store| {
        s.list_cases(&crate::ListFilter::default())
            .unwrap()
            .into_iter()
            .map(|r| (r.case_ref, r.workflow, r.last_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(list(&pg), list(&lite));
    assert_eq!(pg.users()?, lite.users()?);
    assert_eq!(pg.calendars()?, lite.calendars()?);
    assert_eq!(
        pg.command_recorded("cmd-1")?,
        lite.command_recorded("cmd-1")?
    );
    // An import that fails writes nothing on PostgreSQL either.
    let before = pg.head()?;
    let profiles = builtin::profiles()?;
    let again = pg.import([(
        &cases[0],
        profiles.resolve(&cases[0].header.workflow)?,
        projection(),
    )]);
    assert!(matches!(again, Err(StoreError::CaseExists(_))), "{again:?}");
    assert_eq!(pg.head()?, before);
    Ok(())
}

/// `n` cases made from the examples, each with a reference of its own.
fn numbered_cases(n: usize) -> Result<Vec<Case>, Box<dyn std::error::Error>> {
    let examples = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    Ok((0..n)
        .map(|i| {
            let mut c = examples[i % examples.len()].clone();
            c.header.case_ref = format!("批量〔2025〕{i}号");
            c
        })
        .collect())
}

#[test]
fn an_import_sent_in_batches_is_still_one_transaction_with_sqlites_chain() -> TestResult {
    let Some(db) = TestDb::new("import_in_batches") else {
        return Ok(());
    };
    let profiles = builtin::profiles()?;
    let cases = numbered_cases(8)?; // three batches of three, the last short
    let mut pg = db.store();
    let mut lite = Store::open_in_memory()?;
    for store in [&mut pg, &mut lite] {
        import_examples(store, &cases);
    }
    assert_eq!(pg.head()?, lite.head()?);
    assert_eq!(pg.case_count()?, 8);
    let (pv, lv) = (pg.verify(None)?, lite.verify(None)?);
    assert!(pv.ok(), "{pv:?}");
    assert_eq!((pv.head, pv.events), (lv.head, lv.events));
    let refs = |s: &Store| -> Vec<String> {
        s.load_all()
            .unwrap()
            .into_iter()
            .map(|c| c.case.header.case_ref)
            .collect()
    };
    assert_eq!(refs(&pg), refs(&lite));

    // A reference repeated inside one batch, and one repeated from a batch already sent: both
    // refused by name, and nothing of either import is written.
    let resolve = |c: &Case| profiles.resolve(&c.header.workflow).unwrap();
    let fresh = numbered_cases(20)?;
    for repeat_at in [9, 14] {
        let before = (pg.head()?, pg.case_count()?);
        let mut batch: Vec<&Case> = fresh[8..repeat_at].iter().collect();
        batch.push(&fresh[8 + usize::from(repeat_at == 14)]);
        let err = pg
            .import(batch.iter().map(|c| (*c, resolve(c), projection())))
            .unwrap_err();
        let repeated = &batch.last().unwrap().header.case_ref;
        assert!(
            matches!(&err, StoreError::CaseExists(r) if r == repeated),
            "{err:?}"
        );
        assert_eq!((pg.head()?, pg.case_count()?), before);
    }

    // In a database that is not empty, a case still waiting in the batch compares as stored.
    let extra = &fresh[19];
    let prepared = crate::PreparedCase::new(extra, &resolve(extra).pinned());
    let mut tx = pg.begin_import()?;
    assert_eq!(tx.compare_prepared(&prepared)?, None);
    tx.add_prepared(&prepared, resolve(extra), &projection())?;
    assert_eq!(tx.compare_prepared(&prepared)?, Some(None));
    tx.commit()?;
    assert_eq!(pg.case_count()?, 9);
    assert!(pg.verify(None)?.ok());
    Ok(())
}

/// Group commit on PostgreSQL: each append of the batch is checked inside the transaction
/// (the chain's last hash too, so the second append continues the first), one that fails
/// leaves no trace, and the chain comes out as SQLite's for the same batch.
#[test]
fn a_group_commit_chains_as_sqlite_does_and_each_append_fails_alone() -> TestResult {
    let Some(db) = TestDb::new("group_commit") else {
        return Ok(());
    };
    let profiles = builtin::profiles()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut head = cases[0].clone();
    let tail = head.events.split_off(3);
    let r = head.header.case_ref.as_str();
    let p = projection();
    let item = |expected_len, events, command_id| crate::AppendItem {
        case_ref: r,
        expected_len,
        events,
        projection: &p,
        command_id,
        answer: None,
    };
    let batch = [
        item(3, &tail[..1], Some("c-1")),
        item(3, &tail[1..2], None), // lost the race to the first
        crate::AppendItem {
            case_ref: "没有",
            ..item(0, &tail[1..2], None)
        },
        item(4, &tail[1..2], Some("c-1")), // the first's command id: already recorded
        item(4, &tail[1..2], None),
    ];
    let mut heads = Vec::new();
    for mut store in [db.store(), Store::open_in_memory()?] {
        store.import([(&head, profiles.resolve("decree-713")?, projection())])?;
        let results = store.append_batch(&batch);
        assert!(matches!(
            results[0],
            Ok(crate::Appended::Written { first_seq: 3 })
        ));
        assert!(matches!(results[1], Err(StoreError::Conflict { .. })));
        assert!(matches!(results[2], Err(StoreError::UnknownCase(_))));
        assert!(matches!(
            results[3],
            Ok(crate::Appended::AlreadyRecorded {
                first_seq: 3,
                count: 1
            })
        ));
        assert!(matches!(
            results[4],
            Ok(crate::Appended::Written { first_seq: 4 })
        ));
        assert_eq!(store.load_case(r)?.unwrap().case.events[3..5], tail[..2]);
        let report = store.verify(None)?;
        assert!(report.ok(), "{report:?}");
        heads.push(store.head()?);
    }
    assert_eq!(heads[0], heads[1]);
    Ok(())
}

#[test]
fn append_refuses_a_stale_history_on_postgres() -> TestResult {
    let Some(db) = TestDb::new("append_refuses_a_stale_history_on_postgres") else {
        return Ok(());
    };
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut head = cases[0].clone();
    let tail = head.events.split_off(3);
    let mut store = db.store();
    import_examples(&mut store, std::slice::from_ref(&head));
    store.append(&head.header.case_ref, 3, &tail[..1], &projection(), None)?;
    let err = store
        .append(&head.header.case_ref, 3, &tail[1..2], &projection(), None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 3,
                found: 4,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(store.event_count()?, 4);
    Ok(())
}

#[test]
fn the_append_only_tables_refuse_changes_from_every_role() -> TestResult {
    let Some(db) = TestDb::new("the_append_only_tables_refuse_changes") else {
        return Ok(());
    };
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = db.store();
    import_examples(&mut store, &cases);
    // The test role is a superuser: privileges do not stop it, the triggers do.
    let mut raw = db.raw();
    for sql in [
        "UPDATE events SET seq = seq + 100",
        "DELETE FROM events",
        "TRUNCATE events CASCADE",
        "UPDATE records SET key = 'x'",
        "DELETE FROM records",
        "TRUNCATE records",
        "TRUNCATE catalogue_versions",
    ] {
        let err = raw.batch_execute(sql).unwrap_err();
        assert!(
            err.to_string().contains("append-only")
                || crate::pg::describe(&err).contains("append-only"),
            "{sql}: {err}"
        );
    }
    // The owner gave up the privileges too.
    let granted: bool = raw
        .query_one(
            "SELECT has_table_privilege(current_user, 'events', 'UPDATE')
                 OR has_table_privilege(current_user, 'events', 'DELETE')",
            &[],
        )?
        .get(0);
    let superuser: bool = raw
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )?
        .get(0);
    assert!(superuser || !granted);
    assert!(store.verify(None)?.ok());
    Ok(())
}

#[test]
fn direct_sql_tampering_by_a_superuser_is_found() -> TestResult {
    let Some(db) = TestDb::new("direct_sql_tampering_is_found") else {
        return Ok(());
    };
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = db.store();
    import_examples(&mut store, &cases);
    store.add_user("王敏", &[Role::LegalOffice], "2023-01-01T00:00:00+08:00")?;
    let anchor = store.head()?;
    let records = store.records_head()?;
    assert!(store.verify(Some(anchor))?.ok());
    let mut raw = db.raw();
    // One byte of one event, with the triggers switched off for the edit.
    raw.batch_execute(
        "ALTER TABLE events DISABLE TRIGGER USER;
         UPDATE events SET canonical = overlay(canonical placing '\\x20'::bytea from length(canonical) - 12 for 1)
             WHERE event_id = 5;
         ALTER TABLE events ENABLE TRIGGER USER;",
    )?;
    let report = store.verify(Some(anchor))?;
    assert!(!report.ok());
    assert_eq!(report.failure.as_ref().and_then(|f| f.position), Some(5));
    // A user's roles changed in the table, outside juece.
    raw.batch_execute("UPDATE users SET roles = '[\"head\"]' WHERE name = '王敏'")?;
    let r = store.verify_records(Some(records))?;
    assert!(!r.ok());
    assert!(store.user_roles("王敏").is_err());
    // The last event removed: the checkpoint no longer matches.
    raw.batch_execute(
        "ALTER TABLE events DISABLE TRIGGER USER;
         DELETE FROM events WHERE event_id = (SELECT max(event_id) FROM events);
         ALTER TABLE events ENABLE TRIGGER USER;",
    )?;
    assert!(!store.verify(Some(anchor))?.ok());
    Ok(())
}

#[test]
fn two_writers_on_separate_connections_never_fork_a_case_or_lose_a_write() -> TestResult {
    let Some(db) = TestDb::new("two_writers_never_fork") else {
        return Ok(());
    };
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut head = cases[0].clone();
    let tail = head.events.split_off(1);
    import_examples(&mut db.store(), std::slice::from_ref(&head));
    let case_ref = head.header.case_ref.clone();
    let per_writer = 8;
    let written = std::thread::scope(|s| {
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let (db, tail, case_ref) = (&db, &tail, &case_ref);
                s.spawn(move || {
                    let mut store = db.store();
                    let mut mine = 0;
                    let mut conflicts = 0;
                    while mine < per_writer {
                        // Read the history, then write against it, as the engine does.
                        let len = store
                            .load_case(case_ref)
                            .unwrap()
                            .unwrap()
                            .case
                            .events
                            .len();
                        let event = &tail[(len - 1) % tail.len()];
                        match store.append(
                            case_ref,
                            len,
                            std::slice::from_ref(event),
                            &projection(),
                            Some(&format!("w{w}-{mine}")),
                        ) {
                            Ok(_) => mine += 1,
                            Err(StoreError::Conflict { .. }) => conflicts += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                    (mine, conflicts)
                })
            })
            .collect();
        writers
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect::<Vec<_>>()
    });
    let total: usize = written.iter().map(|(m, _)| m).sum();
    let store = db.store();
    let stored = store.load_case(&case_ref)?.unwrap();
    assert_eq!(stored.case.events.len(), 1 + total);
    let report = store.verify(None)?;
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.events, 1 + total as u64);
    Ok(())
}

#[test]
fn opening_and_reading_never_wait_for_another_processs_write() {
    let Some(db) = TestDb::new("opening_never_waits") else {
        return;
    };
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES).unwrap();
    let mut writer = db.store();
    import_examples(&mut writer, &cases[..1]);
    // An import in progress holds the write lock until it ends.
    let import = writer.begin_import().unwrap();
    let (done, opened) = std::sync::mpsc::channel();
    let url = db.url.clone();
    std::thread::spawn(move || {
        let store = Store::open(std::path::Path::new(&url)).unwrap();
        let _ = done.send(store.case_count().unwrap());
    });
    let seen = opened.recv_timeout(std::time::Duration::from_secs(10));
    drop(import);
    assert_eq!(
        seen,
        Ok(1),
        "another connection could not open and read during a write"
    );
}
