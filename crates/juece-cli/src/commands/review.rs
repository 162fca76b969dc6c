use clap::{Args, Subcommand};
use juece_core::event::EventBody;
use serde_json::json;

use crate::context::GlobalArgs;
use crate::error::CliError;
use crate::write::{write_event, WriteArgs};
use crate::CmdResult;

/// Submit a draft for legality review, and sign the review off
#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Submit a draft for legality review (第二十六条)
    Submit(SubmitArgs),
    /// Sign off the legality review of a submitted draft (第二十五条至第二十八条)
    Sign(SignArgs),
}

#[derive(Args)]
pub struct SubmitArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// The draft version (default: the latest)
    #[arg(long, value_name = "V")]
    draft: Option<String>,
    /// Why the reviewer gets fewer than 7 working days before the meeting (第二十六条: 一般不少于
    /// 7个工作日); counts only where the workflow allows shortening (decree-713 does,
    /// local-strict does not)
    #[arg(long, value_name = "REASON")]
    shortened_reason: Option<String>,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Args)]
pub struct SignArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// The conclusion: lawful, lawful_with_changes, unlawful, exploratory
    #[arg(long, value_name = "CONCLUSION")]
    conclusion: String,
    /// The written opinion
    #[arg(long, value_name = "TEXT")]
    opinion: Option<String>,
    /// The draft version reviewed (default: the latest submitted)
    #[arg(long, value_name = "V")]
    draft: Option<String>,
    #[command(flatten)]
    write: WriteArgs,
}

/// The latest draft version recorded (`submitted`: the latest submitted one); `None` when the
/// writer cannot see the case (the write path then gives its answer: no such case, or a refusal).
fn latest_draft(
    global: &GlobalArgs,
    case_ref: &str,
    submitted: bool,
    write: &WriteArgs,
) -> Result<Option<String>, CliError> {
    let store = global.store()?;
    let Some(stored) = crate::names::case_for_writer(&store, write.as_user.as_deref(), case_ref)?
    else {
        return Ok(None);
    };
    let found = stored.case.events.iter().rev().find_map(|e| match &e.body {
        EventBody::Draft(d) if !submitted => Some(d.version.clone()),
        EventBody::ReviewSubmitted(s) if submitted => Some(s.draft.clone()),
        _ => None,
    });
    // With nothing to point at, the event goes on to the guards, which say what is missing.
    Ok(Some(found.unwrap_or_default()))
}

/// A second submission of the same draft with nothing recorded since (no new draft, evidence or
/// waiver, no sign-off, no meeting) changes nothing: refused, saying when it was submitted.
fn already_submitted(
    global: &GlobalArgs,
    case_ref: &str,
    draft: &str,
    command_id: Option<&str>,
    as_user: Option<&str>,
) -> Result<Option<CliError>, CliError> {
    let store = global.store()?;
    // A retry of a recorded command is answered by the write path ("already recorded").
    if let Some(id) = command_id {
        if store.command_recorded(id)?.is_some() {
            return Ok(None);
        }
    }
    let Some(stored) = crate::names::case_for_writer(&store, as_user, case_ref)? else {
        return Ok(None);
    };
    let events = &stored.case.events;
    let Some(i) = events
        .iter()
        .rposition(|e| matches!(&e.body, EventBody::ReviewSubmitted(_)))
    else {
        return Ok(None);
    };
    let EventBody::ReviewSubmitted(s) = &events[i].body else {
        return Ok(None);
    };
    if s.draft != draft || events.len() > i + 1 {
        return Ok(None);
    }
    let at = events[i].at.format("%Y-%m-%d %H:%M");
    Ok(Some(
        CliError::bad_input(crate::t!(
            format!("草案 {draft} 已于 {at} 送请合法性审查，此后没有新的记录；重复送审不写入"),
            format!("draft {draft} was already submitted for legality review on {at}, and nothing has been recorded since; a repeated submission is not written")
        ))
        .with_hint(crate::t!(
            "等待审查意见（juece review sign）；修改草案后先 `juece draft add` 再送审。未写入任何内容",
            "wait for the sign-off (juece review sign); after revising, `juece draft add` and submit again. Nothing was written"
        )),
    ))
}

pub fn run(global: &GlobalArgs, cmd: &ReviewCommand) -> CmdResult {
    match cmd {
        ReviewCommand::Submit(a) => {
            let draft = match &a.draft {
                Some(d) => d.clone(),
                None => match latest_draft(global, &a.case_ref, false, &a.write)? {
                    Some(d) => d,
                    // Not a case this writer sees: the write path answers.
                    None => {
                        return unseen_case(
                            global,
                            &a.case_ref,
                            &a.write,
                            "legality_review_submitted",
                        )
                    }
                },
            };
            if draft.is_empty() {
                let zh = global.lang() == juece_core::Lang::Zh;
                return Err(CliError {
                    exit: crate::error::Exit::Refused,
                    message: if zh {
                        format!("不能将事项 `{}` 送请合法性审查：NO_DRAFT 尚未记录决策草案（第二十六条）", a.case_ref)
                    } else {
                        format!("cannot submit case `{}` for legality review: NO_DRAFT — no draft has been recorded (Art. 26)", a.case_ref)
                    },
                    hints: vec![if zh {
                        "先记录草案：juece draft add 案号 --file 草案文件".into()
                    } else {
                        "record the draft first: juece draft add REF --file DRAFT".into()
                    }],
                });
            }
            if let Some(e) = already_submitted(
                global,
                &a.case_ref,
                &draft,
                a.write.command_id.as_deref(),
                a.write.as_user.as_deref(),
            )? {
                return Err(e);
            }
            write_event(
                global,
                &a.case_ref,
                &match &a.shortened_reason {
                    Some(r) => {
                        json!({ "type": "legality_review_submitted", "draft": draft, "shortened_reason": r })
                    }
                    None => json!({ "type": "legality_review_submitted", "draft": draft }),
                },
                &a.write,
            )
        }
        ReviewCommand::Sign(a) => {
            let draft = match &a.draft {
                Some(d) => d.clone(),
                None => match latest_draft(global, &a.case_ref, true, &a.write)? {
                    Some(d) => d,
                    // Not a case this writer sees: the write path answers.
                    None => {
                        return unseen_case(global, &a.case_ref, &a.write, "legality_review_signed")
                    }
                },
            };
            if draft.is_empty() {
                let zh = global.lang() == juece_core::Lang::Zh;
                return Err(CliError {
                    exit: crate::error::Exit::Refused,
                    message: if zh {
                        format!("不能签署事项 `{}` 的合法性审查意见：NOT_SUBMITTED 尚未送请合法性审查（第二十六条）", a.case_ref)
                    } else {
                        format!(
                            "cannot sign the legality review of case `{}`: NOT_SUBMITTED — no draft has been submitted for legality review (Art. 26)",
                            a.case_ref
                        )
                    },
                    hints: vec![if zh {
                        "先由承办单位送请审查：juece review submit 案号；未写入任何内容".into()
                    } else {
                        "the undertaking unit submits first: juece review submit REF; nothing was written".into()
                    }],
                });
            }
            let event = json!({ "type": "legality_review_signed", "draft": draft, "conclusion": a.conclusion, "opinion": a.opinion });
            write_event(global, &a.case_ref, &event, &a.write)
        }
    }
}

/// The write path's answer for a case the writer cannot see (or that does not exist): the same
/// as for any other event.
fn unseen_case(global: &GlobalArgs, case_ref: &str, write: &WriteArgs, kind: &str) -> CmdResult {
    write_event(
        global,
        case_ref,
        &json!({ "type": kind, "draft": "" }),
        write,
    )
}
