use clap::{Args, Subcommand};
use serde_json::json;

use crate::context::GlobalArgs;
use crate::write::{write_event, WriteArgs};
use crate::CmdResult;

/// Waive a conditional step
#[derive(Subcommand)]
pub enum StepCommand {
    /// Record that a step does not apply, with a reason code and its legal basis
    Waive(WaiveArgs),
}

#[derive(Args)]
pub struct WaiveArgs {
    /// The case reference
    case_ref: String,
    /// The step: public_participation, expert_review, risk_assessment or publication
    step: String,
    /// The reason: not_applicable, confidential, covered_elsewhere, other
    #[arg(long, value_name = "REASON")]
    reason: String,
    /// The legal basis, in words
    #[arg(long, value_name = "TEXT")]
    basis: String,
    #[command(flatten)]
    write: WriteArgs,
}

pub fn run(global: &GlobalArgs, cmd: &StepCommand) -> CmdResult {
    let StepCommand::Waive(a) = cmd;
    let event = json!({ "type": "waived", "step": a.step, "reason": a.reason, "basis": a.basis });
    write_event(global, &a.case_ref, &event, &a.write)
}
