//! Import: checking whole case histories and writing them in one transaction; and the listing
//! projection every write stores beside a case.

use juece_core::calendar::Calendar;
use juece_core::casefile::{check_case, stream_cases_reporting, CaseFileError};
use juece_core::evaluate::evaluate;
use juece_core::event::Case;
use juece_core::finding::Code;
use juece_core::ids::Severity;
use juece_core::profile::Profile;
use juece_core::registry::Profiles;
use juece_store::{Difference, ImportSummary, PreparedCase, Projection, Store};

use crate::error::EngineError;

/// Imports the case file `bytes` (juece-cases/1 or /2): all its cases or, on any error, none.
/// Cases already stored with the same content are counted as identical and left as they are.
pub fn import_bytes(
    store: &mut Store,
    profiles: &Profiles,
    calendar: &Calendar,
    bytes: &[u8],
) -> Result<ImportSummary, EngineError> {
    import_bytes_reporting(store, profiles, calendar, bytes, |_| {})
}

/// [`import_bytes`], telling `on_read` as the import goes how much of `bytes` it has read and
/// will not read again (see [`stream_cases_reporting`]): a caller holding a mapped file of a
/// million cases, larger than the memory an import may take, gives that part back.
pub fn import_bytes_reporting(
    store: &mut Store,
    profiles: &Profiles,
    calendar: &Calendar,
    bytes: &[u8],
    on_read: impl FnMut(usize) + Send,
) -> Result<ImportSummary, EngineError> {
    // One transaction; each case is checked and written as it is read, so a large file is never
    // held whole in memory. Any error drops the transaction: nothing is written.
    let mut import = store.begin_import()?;
    let mut identical = 0;
    std::thread::scope(|s| -> Result<(), EngineError> {
        // Three stages on their own threads, joined by bounded channels: parse and check; evaluate
        // and hash; write. A closed channel means a later stage stopped on an error of its own.
        let (parsed_tx, parsed_rx) =
            std::sync::mpsc::sync_channel::<Result<(usize, Case), EngineError>>(256);
        let (ready_tx, ready_rx) =
            std::sync::mpsc::sync_channel::<Result<Prepared<'_>, EngineError>>(256);
        s.spawn(move || {
            let outcome = stream_cases_reporting(bytes, on_read, |i, case| {
                parsed_tx
                    .send(Ok((i, case)))
                    .map_err(|_| EngineError::bad_input("import stopped"))
            });
            if let Err(e) = outcome {
                let _ = parsed_tx.send(Err(e));
            }
        });
        s.spawn(move || {
            for message in parsed_rx {
                let prepared = message.and_then(|(i, case)| prepare(profiles, calendar, i, &case));
                let failed = prepared.is_err();
                if ready_tx.send(prepared).is_err() || failed {
                    return;
                }
            }
        });
        for message in ready_rx {
            let p = message?;
            juece_store::progress::advance(1);
            match import.compare_prepared(&p.case)? {
                None => import.add_prepared(&p.case, p.profile, &p.projection)?,
                Some(None) => identical += 1,
                Some(Some(diff)) => return Err(different(p.index, &diff)),
            }
        }
        Ok(())
    })?;
    let mut summary = import.commit()?;
    summary.identical = identical;
    if summary.cases > 0 {
        // The import is committed and durable; folding the log is housekeeping for the next
        // command, and a failure here must not report the import as failed.
        let _ = store.fold_wal();
    }
    Ok(summary)
}

/// A case checked and hashed, ready for the writer.
struct Prepared<'p> {
    index: usize,
    case: PreparedCase,
    profile: &'p Profile,
    projection: Projection,
}

/// Resolves a case's profile, checks its history, evaluates its projection and computes its
/// canonical leaves: everything an import does before writing.
fn prepare<'p>(
    profiles: &'p Profiles,
    calendar: &Calendar,
    i: usize,
    case: &Case,
) -> Result<Prepared<'p>, EngineError> {
    let profile = resolve(profiles, i, case)?;
    check_case(case, profile, Some(i))?;
    Ok(Prepared {
        index: i,
        case: PreparedCase::new(case, &profile.pinned()),
        profile,
        projection: projection(profile, calendar, case),
    })
}

fn resolve<'p>(profiles: &'p Profiles, i: usize, case: &Case) -> Result<&'p Profile, EngineError> {
    Ok(profiles
        .resolve(&case.header.workflow)
        .map_err(|e| CaseFileError {
            case_index: Some(i),
            case_ref: Some(case.header.case_ref.clone()),
            event_index: None,
            field: Some("workflow".into()),
            message: e.to_string(),
            help: Some("`juece workflow list` shows the known profiles".into()),
        })?)
}

/// A stored case with the same reference and other content: refused, naming the difference.
fn different(i: usize, diff: &Difference) -> EngineError {
    let at = diff
        .event_index
        .map(|e| format!(", event {e} (events[{e}])"))
        .unwrap_or_default();
    EngineError::new(crate::ErrorKind::Exists, format!(
        "case `{}` (cases[{i}]){at}: a case with this reference is already in the database with different content: {}",
        diff.case_ref, diff.what
    ))
    .with_hint("a stored history is never rewritten; give a new case its own reference. Nothing was written")
}

/// Checks parsed cases, then writes them all in one transaction (cases already stored with the
/// same content are left as they are).
pub fn import_cases(
    store: &mut Store,
    profiles: &Profiles,
    calendar: &Calendar,
    cases: &[Case],
) -> Result<ImportSummary, EngineError> {
    let mut import = store.begin_import()?;
    let mut identical = 0;
    for (i, case) in cases.iter().enumerate() {
        let p = prepare(profiles, calendar, i, case)?;
        match import.compare_prepared(&p.case)? {
            None => import.add_prepared(&p.case, p.profile, &p.projection)?,
            Some(None) => identical += 1,
            Some(Some(diff)) => return Err(different(i, &diff)),
        }
    }
    let mut summary = import.commit()?;
    summary.identical = identical;
    Ok(summary)
}

/// The listing projection of a case: its evaluation as of its last event.
pub fn projection(profile: &Profile, calendar: &Calendar, case: &Case) -> Projection {
    let as_of = case
        .events
        .iter()
        .map(|e| e.at.date_naive())
        .max()
        .unwrap_or_default();
    let eval = evaluate(profile, calendar, case, as_of);
    let count = |s: Severity| {
        eval.iter()
            .flat_map(|e| &e.findings)
            .filter(|f| f.severity() == s)
            .count() as u32
    };
    Projection {
        status: eval
            .as_ref()
            .map(|e| e.status)
            .unwrap_or(juece_core::ids::Status::Open),
        has_skipped: eval
            .iter()
            .flat_map(|e| &e.findings)
            .any(|f| f.code == Code::SkippedStep),
        has_override: case.events.iter().any(|e| e.body.type_name() == "override"),
        violations: count(Severity::Violation),
        warnings: count(Severity::Warning),
    }
}
