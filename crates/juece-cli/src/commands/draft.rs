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
    #[arg(value_parser = crate::context::RefParser)]
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
    let cannot = |e: std::io::Error| crate::context::read_error(&args.file, &e);
    let mut file = std::fs::File::open(&args.file).map_err(cannot)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut blank = true;
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).map_err(cannot)?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        blank &= chunk.iter().all(u8::is_ascii_whitespace);
        hasher.update(chunk);
    }
    let sha256 = format!("{:x}", hasher.finalize());
    let shown = args.file.display();
    if blank {
        return Err(CliError::bad_input(crate::t!(
            format!("草案文件 `{shown}` 是空的；记录的 SHA-256 须对应实际的草案内容"),
            format!("the draft file `{shown}` is empty; the SHA-256 recorded must be that of the real draft")
        ))
        .with_hint(crate::t!(
            "请检查文件路径和文件是否已保存；未写入任何内容",
            "check the path and that the file was saved; nothing was written"
        )));
    }
    let store = global.store()?;
    let drafts: Vec<(String, String)> =
        crate::names::case_for_writer(&store, args.write.as_user.as_deref(), &args.case_ref)?
            .map(|c| {
                c.case
                    .events
                    .iter()
                    .filter_map(|e| match &e.body {
                        EventBody::Draft(d) => Some((d.version.clone(), d.sha256.clone())),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
    drop(store);
    if let Some((prev, _)) = drafts.last().filter(|(_, h)| *h == sha256) {
        return Err(CliError::bad_input(crate::t!(
            format!("草案文件 `{shown}` 与上一版本 {prev} 内容完全相同（SHA-256 {}…）；未改动的草案不是新版本", &sha256[..12]),
            format!("the draft file `{shown}` is identical to the previous version {prev} (SHA-256 {}…); an unchanged draft is not a new version", &sha256[..12])
        ))
        .with_hint(crate::t!(
            "请确认选择的是修改后的文件；未写入任何内容",
            "check that you chose the revised file; nothing was written"
        )));
    }
    let version = match &args.version {
        Some(v) => v.clone(),
        None => format!("v{}", drafts.len() + 1),
    };
    let event = json!({ "type": "draft", "version": version, "sha256": sha256 });
    write_event(global, &args.case_ref, &event, &args.write)
}
