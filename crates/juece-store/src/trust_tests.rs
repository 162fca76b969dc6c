//! Evidence against bit rot, quiet edits and careless copies (issue 10): gaps refused on read,
//! SQLite's own check in `verify`, the records chain, backups, the WAL folded on close.

use std::path::Path;

use juece_core::event::Case;
use juece_core::profile::Profile;
use juece_core::{builtin, casefile};

use super::*;
use crate::SqliteStore as Store;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn projection() -> Projection {
    Projection {
        status: Status::Archived,
        has_skipped: false,
        has_override: false,
        violations: 0,
        warnings: 0,
    }
}

/// A database file holding the example cases; returns them in import order.
fn example_db(path: &Path) -> TestResult<Vec<Case>> {
    let profiles = builtin::profiles()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = Store::open(path)?;
    let with: Vec<_> = cases
        .iter()
        .map(|c| Ok((c, profiles.resolve(&c.header.workflow)?, projection())))
        .collect::<Result<_, juece_core::registry::UnknownProfileError>>()?;
    store.import(with)?;
    Ok(cases)
}

/// Removes the `k`-th entry (in key order) of a one-page index with a few bytes' edit of the
/// file — what bit rot or a hex editor does: the cell count drops by one and the cell's pointer
/// goes. The table row stays.
pub(crate) fn drop_index_entry(path: &Path, index: &str, k: usize) -> TestResult {
    let (page_size, root): (i64, i64) = {
        let conn = rusqlite::Connection::open(path)?;
        let size = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let root = conn.query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
            [index],
            |r| r.get(0),
        )?;
        (size, root)
    };
    let mut bytes = std::fs::read(path)?;
    let page = ((root - 1) * page_size) as usize;
    let header = if root == 1 { page + 100 } else { page };
    assert_eq!(bytes[header], 0x0a, "the index is a single leaf page");
    let cells = u16::from_be_bytes([bytes[header + 3], bytes[header + 4]]) as usize;
    assert!(k < cells, "the index has {cells} entries");
    let pointers = header + 8;
    bytes.copy_within(
        pointers + 2 * (k + 1)..pointers + 2 * cells,
        pointers + 2 * k,
    );
    bytes[pointers + 2 * (cells - 1)] = 0;
    bytes[pointers + 2 * (cells - 1) + 1] = 0;
    bytes[header + 3..header + 5].copy_from_slice(&((cells - 1) as u16).to_be_bytes());
    std::fs::write(path, bytes)?;
    Ok(())
}

/// The number of cases the gathered pass (the audit's) reads.
fn gathered_count(store: &Store) -> Result<usize, StoreError> {
    let mut n = 0;
    store.map_cases_gathered(
        |_| Ok(Some(())),
        |chunk| {
            n += chunk.len();
            Ok::<(), StoreError>(())
        },
    )?;
    Ok(n)
}

#[test]
fn a_lost_index_entry_is_refused_by_reads_and_reported_by_verify() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    let cases = example_db(&path)?;
    let first = &cases[0].header.case_ref;
    assert!(cases[0].events.len() > 4);
    // Near miss: the intact file reads whole and verifies with no damage.
    {
        let store = Store::open(&path)?;
        assert_eq!(
            store.load_case(first)?.map(|c| c.case.events.len()),
            Some(cases[0].events.len())
        );
        assert_eq!(gathered_count(&store)?, cases.len());
        let report = store.verify(None)?;
        assert!(report.ok(), "{report:?}");
        assert!(report.damage.is_empty());
    }
    assert!(
        !dir.path().join("j.db-wal").exists()
            || std::fs::metadata(dir.path().join("j.db-wal"))?.len() == 0
    );
    drop_index_entry(&path, "sqlite_autoindex_events_1", 3)?;
    let store = Store::open(&path)?;
    let gap_at_3 = |read: Result<(), StoreError>| match read {
        Err(StoreError::Gap {
            case_ref,
            missing_seq,
        }) => {
            assert_eq!(&case_ref, first);
            assert_eq!(missing_seq, 3);
        }
        other => panic!("expected a gap, got {other:?}"),
    };
    gap_at_3(store.load_case(first).map(drop));
    assert!(matches!(store.load_all(), Err(StoreError::Gap { .. })));
    // The whole-database pass in the file's order (the audit's) refuses it the same way.
    gap_at_3(gathered_count(&store).map(drop));
    let report = store.verify(None)?;
    assert!(!report.ok());
    // Found by comparing the index with the table (whose side the chain's reader sums), which
    // names the index, not only by the per-case counts.
    assert!(
        report
            .damage
            .iter()
            .any(|d| d.contains("sqlite_autoindex_events_1")),
        "{:?}",
        report.damage
    );
    // The other cases still read whole.
    assert!(store.load_case(&cases[1].header.case_ref)?.is_some());
    Ok(())
}

#[test]
fn a_lost_last_entry_shows_against_the_stored_count() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    let cases = example_db(&path)?;
    let n = cases[0].events.len();
    drop_index_entry(&path, "sqlite_autoindex_events_1", n - 1)?;
    let store = Store::open(&path)?;
    match store.load_case(&cases[0].header.case_ref) {
        Err(StoreError::Gap { missing_seq, .. }) => assert_eq!(missing_seq as usize, n - 1),
        other => panic!("expected a gap, got {other:?}"),
    }
    match gathered_count(&store) {
        Err(StoreError::Gap { missing_seq, .. }) => assert_eq!(missing_seq as usize, n - 1),
        other => panic!("expected a gap, got {other:?}"),
    }
    let report = store.verify(None)?;
    assert!(!report.damage.is_empty());
    Ok(())
}

/// SQLite's own check, as `verify` runs it (quick_check, the small tables' full check, the
/// events' index against its table), finds a lost entry in either kind of index by itself,
/// without the per-case counts.
#[test]
fn the_linear_integrity_check_finds_a_lost_entry_in_any_index() -> TestResult {
    for (index, k) in [
        ("sqlite_autoindex_events_1", 3),
        ("sqlite_autoindex_events_1", 0),
        ("sqlite_autoindex_cases_1", 1),
    ] {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("j.db");
        example_db(&path)?;
        // Near miss: the intact file has no damage.
        assert_eq!(Store::open(&path)?.integrity()?, Vec::<String>::new());
        drop_index_entry(&path, index, k)?;
        let damage = Store::open(&path)?.integrity()?;
        assert!(
            damage
                .iter()
                .any(|d| d.contains("index") && d.contains(index)),
            "{index}: {damage:?}"
        );
    }
    Ok(())
}

#[test]
fn the_wal_is_folded_into_the_file_when_the_last_connection_closes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    let cases = example_db(&path)?;
    {
        let mut store = Store::open(&path)?;
        store.add_user(
            "王敏",
            &[juece_core::ids::Role::LegalOffice],
            "2026-11-28T10:00:00+08:00",
        )?;
        // While open, the write is in the log.
        assert!(std::fs::metadata(dir.path().join("j.db-wal"))?.len() > 0);
    }
    let wal = dir.path().join("j.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal)?.len() == 0);
    // The file alone is complete: a copy without the log holds everything.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy)?;
    let store = Store::open(&copy)?;
    assert_eq!(store.case_count()? as usize, cases.len());
    assert!(store.user_roles("王敏")?.is_some());
    Ok(())
}

#[test]
fn backup_copies_and_never_overwrites() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    example_db(&path)?;
    let store = Store::open(&path)?;
    let dest = dir.path().join("b.db");
    store.backup_to(&dest)?;
    assert!(!dir.path().join("b.db-wal").exists());
    let copy = Store::open(&dest)?;
    assert_eq!(copy.head()?, store.head()?);
    assert_eq!(copy.records_head()?, store.records_head()?);
    assert!(copy.verify(None)?.ok());
    assert!(copy.verify_records(None)?.ok());
    let before = std::fs::read(&dest)?;
    assert!(matches!(
        store.backup_to(&dest),
        Err(StoreError::BackupTarget { .. })
    ));
    drop(copy);
    assert_eq!(std::fs::read(&dest)?, before);
    Ok(())
}

#[test]
fn a_newer_schema_is_refused_before_the_file_is_touched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    {
        let conn = rusqlite::Connection::open(&path)?;
        conn.execute_batch("CREATE TABLE x (a INTEGER); PRAGMA user_version = 99;")?;
    }
    let before = std::fs::read(&path)?;
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::SchemaTooNew { found: 99, .. })
    ));
    assert_eq!(std::fs::read(&path)?, before);
    assert!(!dir.path().join("j.db-wal").exists());
    Ok(())
}

fn changed_decree() -> TestResult<Profile> {
    let mut v: serde_json::Value = serde_json::from_str(builtin::DECREE_713)?;
    let title = v["title"].clone();
    v["title"] = match title {
        serde_json::Value::Object(mut m) => {
            m.insert("en".into(), serde_json::json!("Doctored"));
            serde_json::Value::Object(m)
        }
        _ => serde_json::json!("Doctored"),
    };
    Ok(Profile::parse("doctored.json", &v.to_string())?)
}

#[test]
fn a_shipped_profile_is_never_stored_with_other_content() -> TestResult {
    let mut store = Store::open_in_memory()?;
    let doctored = changed_decree()?;
    assert_eq!(doctored.pinned(), "decree-713@1");
    assert!(matches!(
        store.add_profile(&doctored),
        Err(StoreError::ProfileConflict(_))
    ));
    // Near miss: the shipped text itself is accepted.
    let shipped = builtin::profiles()?;
    assert!(store.add_profile(shipped.resolve("decree-713@1")?)?);
    assert!(store.verify_records(None)?.ok());
    Ok(())
}

#[test]
fn edits_to_profiles_and_roles_outside_juece_fail_verification() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    example_db(&path)?;
    let mut store = Store::open(&path)?;
    store.add_user(
        "王敏",
        &[juece_core::ids::Role::LegalOffice],
        "2026-11-28T10:00:00+08:00",
    )?;
    store.add_calendar(
        "2027.json",
        "{\"year\":2027,\"days\":[]}",
        "2026-11-28T10:00:00+08:00",
    )?;
    let report = store.verify_records(None)?;
    assert!(report.ok(), "{:?}", report.failures);
    assert!(report.records >= 3);
    assert_eq!(store.calendars()?.len(), 1);

    store.conn.execute(
        "UPDATE profiles SET content = replace(content, '\"deferral_lapse_days\": 365', '\"deferral_lapse_days\": 366')",
        [],
    )?;
    store.conn.execute(
        "UPDATE profiles SET content = content || ' ' WHERE id = 'decree-713'",
        [],
    )?;
    let report = store.verify_records(None)?;
    assert!(
        report.failures.iter().any(|f| f.contains("decree-713@1")),
        "{:?}",
        report.failures
    );
    // Reads refuse the edited text rather than judge cases by it.
    assert!(
        matches!(store.profile_texts(), Err(StoreError::Corrupt(m)) if m.contains("decree-713@1"))
    );

    let dir2 = tempfile::tempdir()?;
    let path2 = dir2.path().join("j.db");
    let mut store = Store::open(&path2)?;
    store.add_user(
        "王敏",
        &[juece_core::ids::Role::LegalOffice],
        "2026-11-28T10:00:00+08:00",
    )?;
    store
        .conn
        .execute("UPDATE users SET roles = '[\"head\"]'", [])?;
    let report = store.verify_records(None)?;
    assert!(
        report.failures.iter().any(|f| f.contains("王敏")),
        "{:?}",
        report.failures
    );

    // Records themselves cannot be changed or removed with SQL, and a record forged with
    // triggers disabled breaks the chain.
    assert!(store.conn.execute("DELETE FROM records", []).is_err());
    assert!(store
        .conn
        .execute("UPDATE records SET key = 'x'", [])
        .is_err());
    Ok(())
}

#[test]
fn a_checkpointed_records_head_detects_a_recomputed_chain() -> TestResult {
    let mut store = Store::open_in_memory()?;
    store.add_user(
        "王敏",
        &[juece_core::ids::Role::LegalOffice],
        "2026-11-28T10:00:00+08:00",
    )?;
    let anchor = store.records_head()?;
    assert!(store.verify_records(Some(anchor))?.ok());
    store.add_user(
        "李强",
        &[juece_core::ids::Role::Head],
        "2026-11-28T11:00:00+08:00",
    )?;
    let later = store.verify_records(Some(anchor))?;
    assert!(later.ok());
    assert_eq!(later.unanchored, 1);
    // Rewrite the whole chain consistently (drop triggers, recompute): only the anchor notices.
    store.conn.execute_batch(
        "DROP TRIGGER records_are_never_updated; DROP TRIGGER records_are_never_deleted; DELETE FROM records; UPDATE users SET roles = '[\"head\"]' WHERE name = '王敏';",
    )?;
    for (name, roles, at) in [
        ("王敏", vec!["head".to_owned()], "a"),
        ("李强", vec!["head".to_owned()], "b"),
    ] {
        records::append_record(
            &store.conn,
            records::KIND_USER,
            name,
            &records::user_body(&roles, &[], at),
        )?;
    }
    assert!(
        store.verify_records(None)?.ok(),
        "a recomputed chain passes without a checkpoint"
    );
    assert!(!store.verify_records(Some(anchor))?.ok());
    Ok(())
}

#[test]
fn existing_profiles_and_users_enter_the_chain_on_migration() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    {
        let conn = rusqlite::Connection::open(&path)?;
        for sql in &migrations::MIGRATIONS[..4] {
            conn.execute_batch(sql)?;
        }
        conn.execute_batch("PRAGMA user_version = 4;")?;
        conn.execute(
            "INSERT INTO users (name, roles, added_at) VALUES ('王敏', '[\"legal_office\"]', '2026-01-01T00:00:00+08:00')",
            [],
        )?;
        conn.execute(
            "INSERT INTO profiles (id, version, content) VALUES ('mine', 1, '{}')",
            [],
        )?;
    }
    let store = Store::open(&path)?;
    let report = store.verify_records(None)?;
    assert_eq!(report.records, 2);
    assert!(report.ok(), "{:?}", report.failures);
    Ok(())
}

#[test]
fn organ_changes_are_chained_and_an_edited_membership_fails_verification() -> TestResult {
    use juece_core::ids::Role;
    let at = "2026-11-28T10:00:00+08:00";
    let mut store = Store::open_in_memory()?;
    let before = store.records_head()?;
    let (user, is_new) = store.add_user_in(
        "王敏",
        &[Role::LegalOffice],
        &["甲县人民政府".to_owned()],
        at,
    )?;
    assert!(is_new);
    assert_eq!(user.organs, ["甲县人民政府"]);
    // Adding an organ again does not list it twice; adding another appends a record.
    let (user, _) = store.add_user_in(
        "王敏",
        &[],
        &["甲县人民政府".to_owned(), "乙县人民政府".to_owned()],
        at,
    )?;
    assert_eq!(user.organs, ["甲县人民政府", "乙县人民政府"]);
    let left = store.remove_organs("王敏", &["甲县人民政府".to_owned()], at)?;
    assert_eq!(left, Some(vec!["乙县人民政府".to_owned()]));
    assert_eq!(store.remove_organs("nobody", &[], at)?, None);
    assert_eq!(store.records_head()?.size, before.size + 3);
    assert_eq!(
        store.user_organs("王敏")?,
        Some(vec!["乙县人民政府".to_owned()])
    );
    assert!(store.verify_records(None)?.ok());
    // A user without organs keeps the record body of before (no `organs` key).
    store.add_user("李强", &[Role::Head], at)?;
    let body = records::latest_body(&store.conn, records::KIND_USER, "李强")?.unwrap_or_default();
    assert!(body.get("organs").is_none(), "{body}");
    assert_eq!(store.user_organs("李强")?, Some(vec![]));

    // Membership edited with SQL: verify names the user, and reads refuse to act on it.
    store.conn.execute(
        "UPDATE users SET organs = '[\"甲县人民政府\"]' WHERE name = '王敏'",
        [],
    )?;
    let report = store.verify_records(None)?;
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.contains("王敏") && f.contains("organs")),
        "{:?}",
        report.failures
    );
    assert!(matches!(store.user("王敏"), Err(StoreError::Corrupt(_))));
    assert!(matches!(
        store.user_roles("王敏"),
        Err(StoreError::Corrupt(_))
    ));
    // The near miss: the untouched user still reads.
    assert!(store.user("李强")?.is_some());
    Ok(())
}

/// The first import into an empty file goes through a rollback journal (its pages written once,
/// not into the log and again into the file) and leaves the file in WAL, whole, with no
/// journal beside it; one that fails leaves it empty and in WAL too.
#[test]
fn the_first_import_writes_its_pages_once_and_leaves_the_log_on() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    let cases = example_db(&path)?;
    let store = Store::open(&path)?;
    assert_eq!(store.durability()?.0, "wal");
    assert_eq!(store.case_count()? as usize, cases.len());
    assert!(store.verify(None)?.ok());
    drop(store);
    assert!(!dir.path().join("j.db-journal").exists());
    // A failed first import: a reference twice in one import. Nothing stays, and the log is on.
    let failed = dir.path().join("failed.db");
    let profiles = builtin::profiles()?;
    let mut store = Store::open(&failed)?;
    let twice = [&cases[0], &cases[0]];
    let with: Vec<_> = twice
        .iter()
        .map(|c| Ok((*c, profiles.resolve(&c.header.workflow)?, projection())))
        .collect::<Result<_, juece_core::registry::UnknownProfileError>>()?;
    assert!(matches!(store.import(with), Err(StoreError::CaseExists(_))));
    assert_eq!(store.durability()?.0, "wal");
    assert_eq!(store.case_count()?, 0);
    assert_eq!(store.event_count()?, 0);
    Ok(())
}

/// Near miss: with another connection holding the file open, leaving the log is not possible
/// without waiting for it; the import goes through the log at once, as any write does.
#[test]
fn a_first_import_beside_another_connection_goes_through_the_log() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    let other = Store::open(&path)?;
    assert_eq!(other.case_count()?, 0);
    let started = std::time::Instant::now();
    let cases = example_db(&path)?;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the import waited for the other connection"
    );
    assert_eq!(other.case_count()? as usize, cases.len());
    assert_eq!(other.durability()?.0, "wal");
    assert!(other.verify(None)?.ok());
    Ok(())
}
