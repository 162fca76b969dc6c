//! `juece import`: reads the case file and prints what was imported; the checking and writing
//! are the engine's (crates/juece-engine/src/import.rs).

use std::path::{Path, PathBuf};

use clap::Args;
use juece_store::ImportSummary;

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
    let mut store = global.store()?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let summary = juece_engine::import_bytes(&mut store, &profiles, &calendar, &bytes)?;
    emit(&report(&summary, &global.db))?;
    Ok(Exit::Ok)
}

fn report(summary: &ImportSummary, db: &Path) -> String {
    let identical = format!(
        "{} {} already present, identical",
        summary.identical,
        if summary.identical == 1 {
            "case"
        } else {
            "cases"
        }
    );
    match (summary.cases, summary.identical) {
        (0, n) if n > 0 => format!("{identical}; nothing imported\n"),
        (_, 0) => format!(
            "imported {} cases, {} events into {}\n",
            summary.cases,
            summary.events,
            db.display()
        ),
        _ => format!(
            "imported {} cases, {} events into {}; {identical}\n",
            summary.cases,
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

fn read_bytes(path: &Path) -> Result<Input, CliError> {
    let cannot =
        |e: std::io::Error| CliError::bad_input(format!("cannot read `{}`: {e}", path.display()));
    if path == Path::new("-") {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)
            .map_err(|e| CliError::bad_input(format!("cannot read standard input: {e}")))?;
        return Ok(Input::Read(v));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    if file.metadata().map_err(cannot)?.is_file() {
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
