use std::path::{Path, PathBuf};

use clap::Args;
use juece_core::calendar::Calendar;
use juece_core::casefile::{check_case, stream_cases, CaseFileError};
use juece_core::evaluate::evaluate;
use juece_core::event::Case;
use juece_core::finding::Code;
use juece_core::ids::Severity;
use juece_core::profile::Profile;
use juece_core::registry::Profiles;
use juece_store::{Difference, ImportSummary, PreparedCase, Projection, Store};

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::CmdResult;

/// Import a case file (juece-cases/1): all its cases or, on any error, none
#[derive(Args)]
pub struct ImportArgs {
    /// The case file, or `-` for standard input
    file: PathBuf,
}

pub fn run(global: &GlobalArgs, args: &ImportArgs) -> CmdResult {
    let bytes = read_bytes(&args.file)?;
    // A byte-order mark (Notepad's "UTF-8 with BOM") is dropped; an empty file is refused
    // in plain words, and so is a GBK file once parsing fails (checked only then: no cost).
    let data: &[u8] = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if data.iter().all(u8::is_ascii_whitespace) {
        crate::context::text_of(&args.file, data)?;
    }
    let mut store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    // One transaction; each case is checked and written as it is read, so a large file is never
    // held whole in memory. Any error drops the transaction: nothing is written.
    let mut import = store.begin_import()?;
    let mut identical = 0;
    std::thread::scope(|s| -> Result<(), CliError> {
        // Three stages on their own threads, joined by bounded channels: parse and check; evaluate
        // and hash; write. A closed channel means a later stage stopped on an error of its own.
        let (parsed_tx, parsed_rx) =
            std::sync::mpsc::sync_channel::<Result<(usize, Case), CliError>>(256);
        let (ready_tx, ready_rx) =
            std::sync::mpsc::sync_channel::<Result<Prepared<'_>, CliError>>(256);
        let (profiles, calendar, bytes) = (&profiles, &calendar, data);
        s.spawn(move || {
            let outcome = stream_cases(bytes, |i, case| {
                parsed_tx
                    .send(Ok((i, case)))
                    .map_err(|_| CliError::bad_input("import stopped"))
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
            match import.compare_prepared(&p.case)? {
                None => import.add_prepared(&p.case, p.profile, &p.projection)?,
                Some(None) => identical += 1,
                Some(Some(diff)) => return Err(different(p.index, &diff)),
            }
        }
        Ok(())
    })
    .map_err(|e| match std::str::from_utf8(data) {
        Err(_) => crate::context::text_of(&args.file, data).err().unwrap_or(e),
        Ok(_) => e,
    })?;
    let mut summary = import.commit()?;
    summary.identical = identical;
    if summary.cases > 0 {
        // The import is committed and durable; folding the log is housekeeping for the next
        // command, and a failure here must not report the import as failed.
        let _ = store.fold_wal();
    }
    emit(&report(&summary, &global.db))?;
    Ok(Exit::Ok)
}

fn report(summary: &ImportSummary, db: &Path) -> String {
    let plural = |n: usize| if n == 1 { "case" } else { "cases" };
    if crate::i18n::zh() {
        let identical = format!("{} 件事项已存在且内容相同", summary.identical);
        return match (summary.cases, summary.identical) {
            (0, n) if n > 0 => format!("{identical}；未导入新事项\n"),
            (_, 0) => format!(
                "已导入 {} 件事项、{} 个事件到 {}\n",
                summary.cases,
                summary.events,
                db.display()
            ),
            _ => format!(
                "已导入 {} 件事项、{} 个事件到 {}；{identical}\n",
                summary.cases,
                summary.events,
                db.display()
            ),
        };
    }
    let identical = format!(
        "{} {} already present, identical",
        summary.identical,
        plural(summary.identical)
    );
    match (summary.cases, summary.identical) {
        (0, n) if n > 0 => format!("{identical}; nothing imported\n"),
        (_, 0) => format!(
            "imported {} {}, {} events into {}\n",
            summary.cases,
            plural(summary.cases),
            summary.events,
            db.display()
        ),
        _ => format!(
            "imported {} {}, {} events into {}; {identical}\n",
            summary.cases,
            plural(summary.cases),
            summary.events,
            db.display()
        ),
    }
}

/// The bytes of a case file: mapped when it is a regular file, read otherwise.
enum Input {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Input {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Input::Mapped(m) => m,
            Input::Read(v) => v,
        }
    }
}

/// The largest case file imported (a million cases take about 2.7 GB).
const MAX_IMPORT: u64 = 16 << 30;
/// The largest case document read from a pipe or device (it is held in memory).
const MAX_IMPORT_STREAM: u64 = 2 << 30;

/// Reads what is not a regular file (standard input, a pipe, a device) up to the limit,
/// refusing early what cannot be a JSON document (`/dev/zero`).
fn read_stream(mut input: impl std::io::Read, name: &str) -> Result<Input, CliError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| CliError::bad_input(format!("cannot read {name}: {e}"));
    let mut v = Vec::new();
    let mut limited = (&mut input).take(MAX_IMPORT_STREAM + 1);
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = limited.read(&mut buf).map_err(cannot)?;
        if n == 0 {
            break;
        }
        v.extend_from_slice(buf.get(..n).unwrap_or_default());
        if let Some(&first) = v.iter().find(|b| !b.is_ascii_whitespace()) {
            if first != b'{' {
                return Err(CliError::bad_input(format!(
                    "{name} is not a juece-cases/1 document: it does not begin with `{{`"
                )));
            }
        }
    }
    if v.len() as u64 > MAX_IMPORT_STREAM {
        return Err(CliError::bad_input(format!(
            "{name} holds more than {} GiB; save it to a file and import the file",
            MAX_IMPORT_STREAM >> 30
        )));
    }
    Ok(Input::Read(v))
}

fn read_bytes(path: &Path) -> Result<Input, CliError> {
    let cannot = |e: std::io::Error| crate::context::read_error(path, &e);
    if path == Path::new("-") {
        return read_stream(std::io::stdin(), "standard input");
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_file() && meta.len() > MAX_IMPORT {
        return Err(CliError::bad_input(format!(
            "`{}` is {} GiB, larger than the {} GiB a case file may be; split it",
            path.display(),
            meta.len() >> 30,
            MAX_IMPORT >> 30
        )));
    }
    if !meta.is_file() {
        return read_stream(file, &format!("`{}`", path.display()));
    }
    if meta.is_file() {
        // Mapping spares copying the file into fresh memory before parsing can start: for a
        // 270 MB file that copy was a serial second of a 7.5 s import on the reference machine.
        // SAFETY: the map is only read. Were another program to truncate the file while it is
        // imported, reading past the new end would stop this process with SIGBUS before the
        // import's single transaction commits: nothing would be written (docs/performance.md).
        #[allow(unsafe_code)]
        let mapped = unsafe { memmap2::Mmap::map(&file) };
        if let Ok(m) = mapped {
            return Ok(Input::Mapped(m));
        }
    }
    let mut v = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut v).map_err(cannot)?;
    Ok(Input::Read(v))
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
) -> Result<Prepared<'p>, CliError> {
    let profile = resolve(profiles, i, case)?;
    check_case(case, profile, Some(i))?;
    Ok(Prepared {
        index: i,
        case: PreparedCase::new(case, &profile.pinned()),
        profile,
        projection: projection(profile, calendar, case),
    })
}

fn resolve<'p>(profiles: &'p Profiles, i: usize, case: &Case) -> Result<&'p Profile, CliError> {
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
fn different(i: usize, diff: &Difference) -> CliError {
    let at = diff
        .event_index
        .map(|e| format!(", event {e} (events[{e}])"))
        .unwrap_or_default();
    CliError::bad_input(crate::t!(
        format!(
            "事项 `{}`（cases[{i}]）{at}：数据库中已有此案号的事项，内容不同：{}",
            diff.case_ref, diff.what
        ),
        format!(
            "case `{}` (cases[{i}]){at}: a case with this reference is already in the database with different content: {}",
            diff.case_ref, diff.what
        )
    ))
    .with_hint(crate::t!(
        "已存储的历史从不改写；新事项请用新的案号。未写入任何内容",
        "a stored history is never rewritten; give a new case its own reference. Nothing was written"
    ))
}

/// Checks parsed cases, then writes them all in one transaction (cases already stored with the
/// same content are left as they are).
pub fn import_cases(
    store: &mut Store,
    profiles: &Profiles,
    calendar: &Calendar,
    cases: &[Case],
) -> Result<ImportSummary, CliError> {
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
