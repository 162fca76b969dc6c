use clap::Args;
use juece_core::casefile::{document_case, document_head, document_tail};

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::Emitter;
use crate::CmdResult;

/// Write cases as a juece-cases/1 document to standard output
#[derive(Args)]
pub struct ExportArgs {
    /// Export only this case
    #[arg(long = "ref", value_name = "REF", value_parser = crate::context::RefParser)]
    case_ref: Option<String>,
    #[command(flatten)]
    reader: crate::names::ReadAs,
}

pub fn run(global: &GlobalArgs, args: &ExportArgs) -> CmdResult {
    let store = global.store()?;
    let scope = args.reader.scope(&store)?;
    let one = match &args.case_ref {
        Some(r) => match scope.find_case(&store, r)? {
            Some(c) => Some(c),
            None => return Err(crate::names::no_case(&store, &scope, r)),
        },
        None => None,
    };
    let mut out = Emitter::new();
    // Written one case at a time: a whole database is never held in memory.
    out.write(&document_head())?;
    let mut any = false;
    match one {
        Some(c) => {
            out.write(&document_case(&c.case, &c.pinned(), true))?;
            any = true;
        }
        None => {
            crate::progress::total(store.case_count()?, crate::progress::Unit::Cases);
            scope.visit_cases(&store, |chunk| {
                for c in chunk {
                    out.write(&document_case(&c.case, &c.pinned(), !any))?;
                    any = true;
                }
                Ok::<(), CliError>(())
            })?
        }
    }
    out.write(document_tail(any))?;
    out.finish()?;
    Ok(Exit::Ok)
}
