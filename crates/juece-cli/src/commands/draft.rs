use std::path::PathBuf;

use clap::{Args, Subcommand};
use juece_core::event::EventBody;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::context::GlobalArgs;
use crate::error::CliError;
use crate::write::{write_event, WriteArgs};
use crate::CmdResult;

/// Record draft versions
#[derive(Subcommand)]
pub enum DraftCommand {
    /// Record a draft version: its SHA-256 is computed from the file, which is not stored
    Add(AddArgs),
}

#[derive(Args)]
pub struct AddArgs {
    /// The case reference
    case_ref: String,
    /// The draft's file
    #[arg(long, value_name = "PATH")]
    file: PathBuf,
    /// The version label (default: v1, v2, … after the drafts recorded)
    #[arg(long, value_name = "V")]
    version: Option<String>,
    #[command(flatten)]
    write: WriteArgs,
}

pub fn run(global: &GlobalArgs, cmd: &DraftCommand) -> CmdResult {
    let DraftCommand::Add(args) = cmd;
    // Hashed as it is read: a draft of any size needs no more memory than a buffer.
    let cannot = |e: std::io::Error| {
        CliError::bad_input(format!("cannot read `{}`: {e}", args.file.display()))
    };
    let mut file = std::fs::File::open(&args.file).map_err(cannot)?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(cannot)?;
    let sha256 = format!("{:x}", hasher.finalize());
    let version = match &args.version {
        Some(v) => v.clone(),
        None => {
            let store = global.store()?;
            let drafts = store
                .load_case(&args.case_ref)?
                .map(|c| {
                    c.case
                        .events
                        .iter()
                        .filter(|e| matches!(e.body, EventBody::Draft(_)))
                        .count()
                })
                .unwrap_or(0);
            format!("v{}", drafts + 1)
        }
    };
    let event = json!({ "type": "draft", "version": version, "sha256": sha256 });
    write_event(global, &args.case_ref, &event, &args.write)
}
