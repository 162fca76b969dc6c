use clap::{Args, Subcommand};
use serde_json::json;

use juece_core::finding::article_in;
use juece_core::ids::Step;

use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
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
    #[arg(value_parser = crate::context::RefParser)]
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
    if let Some(step) = Step::parse(a.step.trim()).filter(|s| s.never_waivable()) {
        let article = match step {
            Step::LegalityReview => "第二十五条",
            Step::CollectiveDecision => "第三十条",
            Step::PartyReport => "第三十一条",
            _ => "第三十三条",
        };
        let lang = global.lang();
        let art = article_in(article, lang);
        return Err(CliError {
            exit: Exit::Refused,
            message: crate::t!(
                format!(
                    "{}（{}）任何情况下都不得免除（{art}），任何角色都不能记录此项免除；未写入任何内容",
                    step.label(lang),
                    step.as_str()
                ),
                format!(
                    "the {} (`{}`) can never be waived ({art}); no role may record such a waiver; nothing was written",
                    step.label(lang),
                    step.as_str()
                )
            ),
            hints: vec![crate::t!(
                "只有 public_participation、expert_review、risk_assessment、publication 可依法免除",
                "only public_participation, expert_review, risk_assessment and publication can be waived, with a legal basis"
            )],
        });
    }
    let event = json!({ "type": "waived", "step": a.step, "reason": a.reason, "basis": a.basis });
    write_event(global, &a.case_ref, &event, &a.write)
}
