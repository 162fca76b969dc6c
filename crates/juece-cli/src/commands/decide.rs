use chrono::NaiveDate;
use clap::Args;
use serde_json::json;

use crate::context::{parse_date, GlobalArgs};
use crate::write::{event_time, write_event, WriteArgs};
use crate::CmdResult;

/// Record the collective decision of a meeting (第二十九条、第三十条)
#[derive(Args)]
pub struct DecideArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// Meeting kind: executive (常务会议), plenary (全体会议), circulation, individual, other
    #[arg(long, value_name = "KIND")]
    kind: String,
    /// Meeting date (default: the day of `--at`, or today)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    date: Option<NaiveDate>,
    /// Members of the deciding body
    #[arg(long, value_name = "N")]
    members: u32,
    /// Members present
    #[arg(long, value_name = "N")]
    present: u32,
    /// The majority opinion: approve, reject, modify, defer, rediscuss
    #[arg(long, value_name = "OUTCOME")]
    majority: String,
    /// The head's decision (default: the majority opinion)
    #[arg(long, value_name = "OUTCOME")]
    head_decision: Option<String>,
    /// The head's reason, required when it differs from the majority
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Dissent was recorded in the minutes
    #[arg(long)]
    dissent: bool,
    #[command(flatten)]
    write: WriteArgs,
}

pub fn run(global: &GlobalArgs, a: &DecideArgs) -> CmdResult {
    let date = match a.date {
        Some(d) => d,
        None => event_time(global, &a.write)?.date_naive(),
    };
    let event = json!({
        "type": "collective_decision",
        "meeting": { "kind": a.kind, "date": date.to_string(), "members_total": a.members, "members_present": a.present },
        "majority": a.majority,
        "head_decision": a.head_decision.clone().unwrap_or_else(|| a.majority.clone()),
        "reason": a.reason,
        "dissent_recorded": a.dissent,
    });
    write_event(global, &a.case_ref, &event, &a.write)
}
