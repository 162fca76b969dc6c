use juece_core::event::{Case, Event};
use juece_core::ids::Role;
use juece_core::{builtin, casefile};

use super::*;
use crate::SqliteStore as Store;

fn projection() -> Projection {
    Projection {
        status: Status::Archived,
        has_skipped: false,
        has_override: false,
        violations: 0,
        warnings: 0,
    }
}

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Imports `cases`, each under the shipped profile it names.
fn import_under_their_profiles(store: &mut Store, cases: &[Case]) -> TestResult<ImportSummary> {
    let profiles = builtin::profiles()?;
    let with_profiles: Vec<_> = cases
        .iter()
        .map(|c| Ok((c, profiles.resolve(&c.header.workflow)?, projection())))
        .collect::<Result<_, juece_core::registry::UnknownProfileError>>()?;
    Ok(store.import(with_profiles)?)
}

/// A store holding the first three events of the first example case, and the events left to
/// append.
fn stored_head() -> TestResult<(Store, Case, Vec<Event>)> {
    let profiles = builtin::profiles()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = Store::open_in_memory()?;
    let mut head = cases[0].clone();
    let tail = head.events.split_off(3);
    store.import([(&head, profiles.resolve("decree-713")?, projection())])?;
    Ok((store, head, tail))
}

#[test]
fn import_then_load_gives_the_same_cases() -> Result<(), Box<dyn std::error::Error>> {
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = Store::open_in_memory()?;
    let summary = import_under_their_profiles(&mut store, &cases)?;
    assert_eq!(summary.cases, cases.len());
    assert_eq!(
        store.event_count()? as usize,
        cases.iter().map(|c| c.events.len()).sum::<usize>()
    );
    let loaded = store.load_all()?;
    let mut expected: Vec<_> = cases.clone();
    expected.sort_by(|a, b| a.header.case_ref.cmp(&b.header.case_ref));
    for (l, e) in loaded.iter().zip(&expected) {
        assert_eq!(l.case.events, e.events);
        assert_eq!(l.case.header.attributes, e.header.attributes);
    }
    Ok(())
}

#[test]
fn a_failed_import_writes_nothing() -> Result<(), Box<dyn std::error::Error>> {
    let profiles = builtin::profiles()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = Store::open_in_memory()?;
    let p = profiles.resolve("decree-713")?;
    store.import([(&cases[0], p, projection())])?;
    // The second batch repeats case 0 after a new one: the whole batch is refused.
    let err = store
        .import([(&cases[1], p, projection()), (&cases[0], p, projection())])
        .unwrap_err();
    assert!(matches!(err, StoreError::CaseExists(ref r) if r == &cases[0].header.case_ref));
    assert_eq!(store.case_count()?, 1);
    assert_eq!(store.event_count()? as usize, cases[0].events.len());
    Ok(())
}

#[test]
fn an_import_into_a_file_writes_behind_and_one_in_memory_does_not() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let profiles = builtin::profiles()?;
    let mut on_file = Store::open(&dir.path().join("juece.db"))?;
    let mut import = on_file.begin_import()?;
    assert_eq!(import.writes_behind(), cfg!(target_os = "linux"));
    import.add(
        &cases[0],
        profiles.resolve(&cases[0].header.workflow)?,
        &projection(),
    )?;
    import.commit()?;
    // The thread is gone with the import; the case is there.
    assert_eq!(on_file.event_count()? as usize, cases[0].events.len());
    let mut in_memory = Store::open_in_memory()?;
    assert!(!in_memory.begin_import()?.writes_behind());
    Ok(())
}

#[test]
fn a_new_file_has_pages_of_8_kib_and_an_older_file_keeps_its_own() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let page_size = |store: &Store| -> rusqlite::Result<i64> {
        store.conn.query_row("PRAGMA page_size", [], |r| r.get(0))
    };
    let new = dir.path().join("new.db");
    let mut store = Store::open(&new)?;
    import_under_their_profiles(&mut store, &cases)?;
    assert_eq!(page_size(&store)?, crate::PAGE_SIZE);
    drop(store);
    // A file laid out in SQLite's default pages (as every juece before this one made them),
    // already in WAL mode: it keeps them, and reads and verifies as the new one does.
    let old = dir.path().join("old.db");
    rusqlite::Connection::open(&old)?.execute_batch(
        "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t(x); DROP TABLE t;",
    )?;
    let mut store = Store::open(&old)?;
    import_under_their_profiles(&mut store, &cases)?;
    assert_eq!(page_size(&store)?, 4096);
    let report = store.verify(None)?;
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.head, Store::open(&new)?.verify(None)?.head);
    assert_eq!(store.load_all()?.len(), cases.len());
    Ok(())
}

#[test]
fn foreign_keys_are_on_again_after_an_import_ends() -> Result<(), Box<dyn std::error::Error>> {
    let profiles = builtin::profiles()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = Store::open_in_memory()?;
    let p = profiles.resolve("decree-713")?;
    let foreign_keys = |store: &Store| -> rusqlite::Result<i64> {
        store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
    };
    assert_eq!(foreign_keys(&store)?, 1);
    store.import([(&cases[0], p, projection())])?;
    assert_eq!(foreign_keys(&store)?, 1, "after a commit");
    assert!(store.import([(&cases[0], p, projection())]).is_err());
    assert_eq!(foreign_keys(&store)?, 1, "after a rollback");
    {
        let _import = store.begin_import()?;
    }
    assert_eq!(
        foreign_keys(&store)?,
        1,
        "after an import dropped unfinished"
    );
    // Enforced again: an event of a case that does not exist is refused by SQLite itself.
    let orphan = store.conn.execute(
        "INSERT INTO events (case_id, seq, canonical, leaf_hash, chain_hash) VALUES (999, 0, x'00', x'00', x'00')",
        [],
    );
    assert!(orphan.is_err(), "{orphan:?}");
    Ok(())
}

#[test]
fn events_cannot_be_updated_or_deleted() -> Result<(), Box<dyn std::error::Error>> {
    let profiles = builtin::profiles()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = Store::open_in_memory()?;
    store.import([(&cases[0], profiles.resolve("decree-713")?, projection())])?;
    let upd = store.conn.execute("UPDATE events SET seq = seq + 1", []);
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = store.conn.execute("DELETE FROM events", []);
    assert!(del.unwrap_err().to_string().contains("append-only"));
    Ok(())
}

#[test]
fn reopening_keeps_the_schema_version() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("j.db");
    drop(Store::open(&path)?);
    let store = Store::open(&path)?;
    let v: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(v, crate::migrations::MIGRATIONS.len() as i64);
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    Ok(())
}

#[test]
fn append_refuses_a_stale_history() -> Result<(), Box<dyn std::error::Error>> {
    let (mut store, head, tail) = stored_head()?;
    store.append(&head.header.case_ref, 3, &tail[..1], &projection(), None)?;
    // A writer that still believes the case has 3 events loses, and writes nothing.
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
    let loaded = store.load_case(&head.header.case_ref)?.unwrap();
    assert_eq!(loaded.case.events[3], tail[0]);
    assert!(matches!(
        store.append("没有", 0, &tail[..1], &projection(), None),
        Err(StoreError::UnknownCase(_))
    ));
    Ok(())
}

#[test]
fn users_accumulate_roles() -> Result<(), Box<dyn std::error::Error>> {
    let mut store = Store::open_in_memory()?;
    let (roles, new) = store.add_user("王敏", &[Role::LegalOffice], "2023-01-01T00:00:00+08:00")?;
    assert!(new);
    assert_eq!(roles, [Role::LegalOffice]);
    let (roles, new) = store.add_user(
        "王敏",
        &[Role::Head, Role::LegalOffice],
        "2023-01-02T00:00:00+08:00",
    )?;
    assert!(!new);
    assert_eq!(roles, [Role::LegalOffice, Role::Head]);
    assert_eq!(
        store.user_roles("王敏")?,
        Some(vec![Role::LegalOffice, Role::Head])
    );
    assert_eq!(store.user_roles("没有")?, None);
    Ok(())
}

#[test]
fn map_cases_answers_in_the_order_of_the_references() -> Result<(), Box<dyn std::error::Error>> {
    let examples = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    // Imported out of order, across several chunks.
    let cases: Vec<_> = (0..20)
        .map(|i| {
            let mut c = examples[i % examples.len()].clone();
            c.header.case_ref = format!("案{:02}", (i * 7) % 20);
            c
        })
        .collect();
    let mut store = Store::open_in_memory()?;
    import_under_their_profiles(&mut store, &cases)?;
    let refs = store.map_cases(|chunk| {
        Ok::<_, StoreError>(
            chunk
                .into_iter()
                .map(|c| (c.case.header.case_ref, c.case.events.len()))
                .collect(),
        )
    })?;
    let expected: Vec<_> = (0..20)
        .map(|i| {
            let c = cases
                .iter()
                .find(|c| c.header.case_ref == format!("案{i:02}"));
            (format!("案{i:02}"), c.map_or(0, |c| c.events.len()))
        })
        .collect();
    assert_eq!(refs, expected);
    // The first error, in the order of the references, is the one returned.
    let failed = store.map_cases(|chunk| {
        match chunk
            .iter()
            .find(|c| c.case.header.case_ref.as_str() >= "案10")
        {
            Some(c) => Err(StoreError::UnknownCase(c.case.header.case_ref.clone())),
            None => Ok(vec![()]),
        }
    });
    assert!(
        matches!(failed, Err(StoreError::UnknownCase(ref r)) if r == "案10"),
        "{failed:?}"
    );
    Ok(())
}

/// Every case as the gathered pass hands it over: reference and events, in the order given.
fn gathered(store: &Store) -> Result<Vec<(String, Vec<Event>)>, StoreError> {
    let mut out = Vec::new();
    store.map_cases_gathered(
        |c| Ok(Some((c.case.header.case_ref, c.case.events))),
        |chunk| {
            out.extend(chunk);
            Ok::<(), StoreError>(())
        },
    )?;
    Ok(out)
}

/// Read in the order of the file and put back in the order of the references, the cases are
/// what a read by reference gives: imported out of order, across several windows (four
/// references each in tests), some histories continued live between other cases' (not one run
/// of the table), some whole.
#[test]
fn the_gathered_pass_answers_in_the_order_of_the_references() -> TestResult {
    let examples = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let profiles = builtin::profiles()?;
    let mut store = Store::open_in_memory()?;
    // Near miss first: no case at all.
    assert!(gathered(&store)?.is_empty());
    let mut tails = Vec::new();
    let mut heads = Vec::new();
    for i in 0..11 {
        let mut c = examples[i % examples.len()].clone();
        c.header.case_ref = format!("案{:02}", (i * 7) % 11);
        let tail = if i % 3 == 0 {
            Vec::new()
        } else {
            c.events.split_off(2)
        };
        heads.push(c);
        tails.push(tail);
    }
    let with: Vec<_> = heads
        .iter()
        .map(|c| Ok((c, profiles.resolve(&c.header.workflow)?, projection())))
        .collect::<Result<_, juece_core::registry::UnknownProfileError>>()?;
    store.import(with)?;
    // The tails, one event at a time round the cases: interleaved in the table.
    let mut lens: Vec<usize> = heads.iter().map(|c| c.events.len()).collect();
    let longest = tails.iter().map(Vec::len).max().unwrap_or(0);
    for k in 0..longest {
        for (i, tail) in tails.iter().enumerate() {
            if let Some(e) = tail.get(k) {
                let r = heads[i].header.case_ref.clone();
                store.append(&r, lens[i], std::slice::from_ref(e), &projection(), None)?;
                lens[i] += 1;
            }
        }
    }
    let by_reference: Vec<(String, Vec<Event>)> = store
        .load_all()?
        .into_iter()
        .map(|c| (c.case.header.case_ref, c.case.events))
        .collect();
    assert_eq!(by_reference.len(), 11);
    assert!(by_reference.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(gathered(&store)?, by_reference);
    // `None` leaves a case out; an error stops the pass.
    let mut kept = Vec::new();
    store.map_cases_gathered(
        |c| Ok((c.case.header.case_ref.as_str() >= "案05").then_some(c.case.header.case_ref)),
        |chunk| {
            kept.extend(chunk);
            Ok::<(), StoreError>(())
        },
    )?;
    assert_eq!(kept, ["案05", "案06", "案07", "案08", "案09", "案10"]);
    let failed = store.map_cases_gathered(
        |c| match c.case.header.case_ref.as_str() {
            "案07" => Err(StoreError::UnknownCase("案07".into())),
            _ => Ok(Some(())),
        },
        |_| Ok(()),
    );
    assert!(
        matches!(failed, Err(StoreError::UnknownCase(_))),
        "{failed:?}"
    );
    Ok(())
}

#[test]
fn appends_keep_the_projection_and_its_listings_current() -> Result<(), Box<dyn std::error::Error>>
{
    let (mut store, head, tail) = stored_head()?;
    let row = |store: &Store,
               filter: &ListFilter|
     -> Result<Vec<(String, Projection, String)>, StoreError> {
        Ok(store
            .list_cases(filter)?
            .into_iter()
            .map(|r| (r.case_ref, r.projection, r.last_at))
            .collect())
    };
    let skipped = ListFilter {
        skipped: true,
        ..ListFilter::default()
    };
    // Same projection: only the last event moves.
    store.append(&head.header.case_ref, 3, &tail[..1], &projection(), None)?;
    let all = row(&store, &ListFilter::default())?;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].1, projection());
    assert_eq!(all[0].2, tail[0].at.to_rfc3339());
    assert!(row(&store, &skipped)?.is_empty());
    // A changed projection reaches the row and the indexed listings.
    let flagged = Projection {
        status: Status::Open,
        has_skipped: true,
        ..projection()
    };
    store.append(&head.header.case_ref, 4, &tail[1..2], &flagged, None)?;
    let listed = row(&store, &skipped)?;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].1, flagged);
    assert_eq!(listed[0].2, tail[1].at.to_rfc3339());
    let by_status = row(
        &store,
        &ListFilter {
            status: Some(Status::Archived),
            ..ListFilter::default()
        },
    )?;
    assert!(by_status.is_empty(), "{by_status:?}");
    Ok(())
}

/// Group commit: several appends in one transaction, each checked on its own; one that finds a
/// stale history (or no case) leaves no trace and the others are written, chained in order.
#[test]
fn a_batch_writes_each_append_on_its_own() -> Result<(), Box<dyn std::error::Error>> {
    let (mut store, head, tail) = stored_head()?;
    let r = head.header.case_ref.as_str();
    let p = projection();
    let item = |expected_len, events| AppendItem {
        case_ref: r,
        expected_len,
        events,
        projection: &p,
        command_id: None,
        answer: None,
    };
    let results = store.append_batch(&[
        item(3, &tail[..1]),
        // Checked against 3 events too: it lost the race to the first.
        item(3, &tail[1..2]),
        AppendItem {
            case_ref: "没有",
            ..item(0, &tail[1..2])
        },
        item(4, &tail[1..2]),
    ]);
    assert!(matches!(results[0], Ok(Appended::Written { first_seq: 3 })));
    assert!(matches!(results[1], Err(StoreError::Conflict { .. })));
    assert!(matches!(results[2], Err(StoreError::UnknownCase(_))));
    assert!(matches!(results[3], Ok(Appended::Written { first_seq: 4 })));
    let loaded = store.load_case(r)?.unwrap();
    assert_eq!(loaded.case.events[3..5], tail[..2]);
    assert_eq!(store.event_count()?, 5);
    assert!(
        store.verify(None)?.ok(),
        "the chain runs on through the batch"
    );
    Ok(())
}

/// Reads take a case's events as one range of the table when they lie together, and through
/// the index, event by event, when other cases' events lie between them (cases written live,
/// in turns): both give the whole history, in order.
#[test]
fn interleaved_histories_read_whole_and_in_order() -> TestResult {
    let profiles = builtin::profiles()?;
    let cases = casefile::parse_cases(builtin::EXAMPLE_CASES)?;
    let mut store = Store::open_in_memory()?;
    let p = profiles.resolve("decree-713")?;
    // Each case starts with its first two events; the rest are appended in turns.
    let mut heads = Vec::new();
    let mut tails = Vec::new();
    for case in cases.iter().take(2) {
        let mut head = case.clone();
        tails.push(head.events.split_off(2));
        heads.push(head);
    }
    for head in &heads {
        store.import([(head, p, projection())])?;
    }
    let longest = tails.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        for (case, tail) in cases.iter().zip(&tails) {
            if let Some(event) = tail.get(i) {
                store.append(
                    &case.header.case_ref,
                    2 + i,
                    std::slice::from_ref(event),
                    &projection(),
                    None,
                )?;
            }
        }
    }
    // The first two cases' events are not contiguous; a third, imported whole, is.
    store.import([(&cases[2], p, projection())])?;
    for case in cases.iter().take(3) {
        let loaded = store
            .load_case(&case.header.case_ref)?
            .ok_or("the case is stored")?;
        assert_eq!(loaded.case.events, case.events, "{}", case.header.case_ref);
    }
    let all = store.load_all()?;
    assert_eq!(all.len(), 3);
    for loaded in &all {
        let case = cases
            .iter()
            .find(|c| c.header.case_ref == loaded.case.header.case_ref)
            .ok_or("a stored case")?;
        assert_eq!(loaded.case.events, case.events);
    }
    Ok(())
}
