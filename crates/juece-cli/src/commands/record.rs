use std::path::PathBuf;

use clap::Args;

use crate::context::{read_text, GlobalArgs};
use crate::error::CliError;
use crate::write::{write_event, WriteArgs};
use crate::CmdResult;

/// Record one event of the interchange vocabulary, checked by the procedure's guards
///
/// The event file holds one event object without `actor` and `role` (they come from `--as`);
/// `at` is optional and defaults to now. Evidence is recorded with warnings; a gate event
/// (submission, sign-off, decision, report, publication, archiving) is refused with exit 3 while
/// a prerequisite or guard is unmet.
#[derive(Args)]
pub struct RecordArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// The event file, or `-` for standard input
    event_file: PathBuf,
    #[command(flatten)]
    write: WriteArgs,
}

pub fn run(global: &GlobalArgs, args: &RecordArgs) -> CmdResult {
    let text = read_text(&args.event_file)?;
    let value: serde_json::Value = juece_core::json::from_str(&text).map_err(|e| {
        CliError::bad_input(crate::t!(
            format!(
                "事件文件 `{}` 不是有效的 JSON：{}",
                args.event_file.display(),
                crate::error::localized(&e.to_string())
            ),
            format!(
                "event file `{}` is not valid JSON: {e}",
                args.event_file.display()
            )
        ))
        .with_hint(crate::t!("未写入任何内容", "nothing was written"))
    })?;
    write_event(global, &args.case_ref, &value, &args.write)
}
