//! `juece import`: reads the case file and prints what was imported; the checking and writing
//! are the engine's (crates/juece-engine/src/import.rs).

use std::path::{Path, PathBuf};

use clap::Args;
use juece_store::ImportSummary;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::CmdResult;

/// Import a case file (juece-cases/1 or /2): all its cases or, on any error, none
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
    crate::progress::total(cases_in(data), crate::progress::Unit::Cases);
    let mut store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar_with(&store)?;
    let summary = juece_engine::import_bytes(&mut store, &profiles, &calendar, data)
        .map_err(CliError::from)
        .map_err(|e| match std::str::from_utf8(data) {
            Err(_) => crate::context::text_of(&args.file, data).err().unwrap_or(e),
            Ok(_) => e,
        })?;
    emit(&report(&summary, Path::new(&global.location().shown())))?;
    Ok(Exit::Ok)
}

/// About how many cases `data` holds, for the progress line: the `"ref"` keys (one a case; a
/// title that quotes `"ref"` makes the estimate high, and the line never shows more than all).
fn cases_in(data: &[u8]) -> u64 {
    if !crate::progress::wanted() {
        return 0;
    }
    memchr::memmem::find_iter(data, b"\"ref\"").count() as u64
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
    let cannot = |e: std::io::Error| {
        CliError::bad_input(crate::t!(
            format!("无法读取{name}：{}", crate::i18n::io_error(&e)),
            format!("cannot read {name}: {e}")
        ))
    };
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
                return Err(CliError::bad_input(crate::t!(
                    format!("{name} 不是 juece-cases 案卷文件：它不以 `{{` 开头"),
                    format!("{name} is not a juece-cases/1 document: it does not begin with `{{`")
                )));
            }
        }
    }
    if v.len() as u64 > MAX_IMPORT_STREAM {
        return Err(CliError::bad_input(crate::t!(
            format!(
                "{name} 超过 {} GiB；请先存为文件，再导入该文件",
                MAX_IMPORT_STREAM >> 30
            ),
            format!(
                "{name} holds more than {} GiB; save it to a file and import the file",
                MAX_IMPORT_STREAM >> 30
            )
        )));
    }
    Ok(Input::Read(v))
}

fn read_bytes(path: &Path) -> Result<Input, CliError> {
    let cannot = |e: std::io::Error| crate::context::read_error(path, &e);
    if path == Path::new("-") {
        return read_stream(std::io::stdin(), &crate::t!("标准输入", "standard input"));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_file() && meta.len() > MAX_IMPORT {
        return Err(CliError::bad_input(crate::t!(
            format!(
                "`{}` 有 {} GiB，超过案卷文件 {} GiB 的上限；请拆分",
                path.display(),
                meta.len() >> 30,
                MAX_IMPORT >> 30
            ),
            format!(
                "`{}` is {} GiB, larger than the {} GiB a case file may be; split it",
                path.display(),
                meta.len() >> 30,
                MAX_IMPORT >> 30
            )
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
