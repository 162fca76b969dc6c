use clap::Args;
use serde_json::json;

use crate::context::GlobalArgs;
use crate::write::{write_event, WriteArgs};
use crate::CmdResult;

/// Record the report of an approved decision to the Party committee (第三十一条)
#[derive(Args)]
pub struct PartyReportArgs {
    /// The case reference
    case_ref: String,
    #[command(flatten)]
    write: WriteArgs,
}

/// Record the publication of an approved decision (第三十二条)
#[derive(Args)]
pub struct PublishArgs {
    /// The case reference
    case_ref: String,
    /// Where it was published, e.g. 政府网站
    #[arg(long, value_name = "CHANNEL")]
    channel: String,
    #[command(flatten)]
    write: WriteArgs,
}

/// Record that the case file is archived (第三十三条)
#[derive(Args)]
pub struct ArchiveArgs {
    /// The case reference
    case_ref: String,
    #[command(flatten)]
    write: WriteArgs,
}

pub fn party_report(global: &GlobalArgs, a: &PartyReportArgs) -> CmdResult {
    write_event(
        global,
        &a.case_ref,
        &json!({ "type": "party_report" }),
        &a.write,
    )
}

pub fn publish(global: &GlobalArgs, a: &PublishArgs) -> CmdResult {
    write_event(
        global,
        &a.case_ref,
        &json!({ "type": "published", "channel": a.channel }),
        &a.write,
    )
}

pub fn archive(global: &GlobalArgs, a: &ArchiveArgs) -> CmdResult {
    write_event(
        global,
        &a.case_ref,
        &json!({ "type": "archived" }),
        &a.write,
    )
}
