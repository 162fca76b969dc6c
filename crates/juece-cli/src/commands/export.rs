use clap::Args;
use juece_core::casefile::write_cases;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::CmdResult;

/// Write cases as a juece-cases/1 document to standard output
#[derive(Args)]
pub struct ExportArgs {
    /// Export only this case
    #[arg(long = "ref", value_name = "REF")]
    case_ref: Option<String>,
}

pub fn run(global: &GlobalArgs, args: &ExportArgs) -> CmdResult {
    let store = global.store()?;
    let cases = match &args.case_ref {
        Some(r) => match store.load_case(r)? {
            Some(c) => vec![c],
            None => {
                return Err(
                    CliError::bad_input(format!("no case `{r}` in the database"))
                        .with_hint("`juece audit` lists the stored cases"),
                )
            }
        },
        None => store.load_all()?,
    };
    let doc = write_cases(cases.iter().map(|c| (&c.case, c.pinned())));
    let mut text =
        serde_json::to_string_pretty(&doc).map_err(|e| CliError::bad_input(e.to_string()))?;
    text.push('\n');
    emit(&text)?;
    Ok(Exit::Ok)
}
