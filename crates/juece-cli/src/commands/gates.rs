use clap::Args;
use serde_json::json;

use crate::context::GlobalArgs;
use crate::write::{write_event, WriteArgs};
use crate::CmdResult;

/// Record the report of an approved decision to the Party committee (第三十一条)
#[derive(Args)]
pub struct PartyReportArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    #[command(flatten)]
    write: WriteArgs,
}

/// Record the publication of an approved decision (第三十二条)
#[derive(Args)]
pub struct PublishArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
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
    #[arg(value_parser = crate::context::RefParser)]
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
    let store = global.store()?;
    let retry = match a.write.command_id.as_deref() {
        Some(id) => store.command_recorded(id)?.is_some(),
        None => false,
    };
    let as_user = a.write.as_user.as_deref();
    if let Some(stored) =
        crate::names::case_for_writer(&store, as_user, &a.case_ref)?.filter(|_| !retry)
    {
        if let Some(e) = stored
            .case
            .events
            .iter()
            .find(|e| matches!(e.body, juece_core::event::EventBody::Archived))
        {
            let at = e.at.format("%Y-%m-%d %H:%M");
            let lang = global.lang();
            let art = juece_core::finding::article_in("第三十三条", lang);
            return Err(crate::error::CliError {
                exit: crate::error::Exit::Refused,
                message: crate::t!(
                    format!("事项 `{}` 已于 {at} 归档（{art}）；案卷只归档一次", a.case_ref),
                    format!("case `{}` was already archived on {at} ({art}); a case file is archived once", a.case_ref)
                ),
                hints: vec![crate::t!("未写入任何内容", "nothing was written")],
            });
        }
    }
    drop(store);
    write_event(
        global,
        &a.case_ref,
        &json!({ "type": "archived" }),
        &a.write,
    )
}
