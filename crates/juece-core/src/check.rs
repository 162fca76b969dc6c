//! The live check: what a proposed next event would do to a case.
//!
//! It is the audit's evaluator run twice — on the history, and on the history with the proposed
//! event appended — so live use and audit never disagree. An evidence event is accepted with the
//! findings it causes as warnings; a gate event is refused while any prerequisite step is
//! unsatisfied or any of its own guards fails, and the refusal lists every reason.

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::evaluate::{evaluate, Evaluation, StepState};
use crate::event::{Case, Event, EventBody};
use crate::finding::{Code, Finding};
use crate::ids::{Outcome, Severity, Step};
use crate::profile::Profile;
use crate::Lang;

/// Guard codes that are not audit findings: a gate's own preconditions.
pub const GUARD_CODES: &[&str] = &[
    "ROLE_NOT_ALLOWED",
    "NO_DRAFT",
    "NOT_SUBMITTED",
    "NOT_APPROVED",
    "NOT_DECIDED",
    "NOT_PUBLISHED_YET",
];

/// One unmet prerequisite or guard of a refused gate event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// A finding code, or one of [`GUARD_CODES`].
    pub code: String,
    /// The step concerned.
    pub step: Option<Step>,
    /// The article, Chinese form.
    pub article: String,
    /// What is wrong, in Chinese.
    pub message_zh: String,
    /// What is wrong, in English.
    pub message_en: String,
    /// What would satisfy it, in Chinese.
    pub fix_zh: String,
    /// What would satisfy it, in English.
    pub fix_en: String,
}

impl Unmet {
    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        if lang == Lang::Zh {
            &self.message_zh
        } else {
            &self.message_en
        }
    }
    /// The fix in `lang`.
    pub fn fix(&self, lang: Lang) -> &str {
        if lang == Lang::Zh {
            &self.fix_zh
        } else {
            &self.fix_en
        }
    }
}

/// What a proposed event would do.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// Whether the event is a gate (refusable) rather than evidence.
    pub gate: bool,
    /// For a gate, every unmet prerequisite and guard; empty when it may pass.
    pub unmet: Vec<Unmet>,
    /// Findings the event would add to the case's audit.
    pub new_findings: Vec<Finding>,
    /// Findings the event will cause later unless something is done first (evidence recorded
    /// after the legality review submission: `OUT_OF_ORDER` at the next meeting).
    pub advisories: Vec<Finding>,
    /// The evaluation with the event appended.
    pub after: Evaluation,
}

impl CheckOutcome {
    /// Whether the event would be refused.
    pub fn refused(&self) -> bool {
        self.gate && !self.unmet.is_empty()
    }
}

/// Checks `proposed` against `case`'s history as of `as_of` (normally the proposed event's date).
/// `None` when the history with the event appended has no `opened` event on or before it (the
/// case does not exist yet at that time): the caller's input is wrong, not the procedure.
pub fn check_event(
    profile: &Profile,
    calendar: &Calendar,
    case: &Case,
    proposed: &Event,
    as_of: NaiveDate,
) -> Option<CheckOutcome> {
    let as_of = as_of.max(proposed.at.date_naive());
    let before = evaluate(profile, calendar, case, as_of);
    let mut extended = case.clone();
    extended.events.push(proposed.clone());
    let after = evaluate(profile, calendar, &extended, as_of)?;
    let old: Vec<&Finding> = before
        .as_ref()
        .map(|b| b.findings.iter().collect())
        .unwrap_or_default();
    let new_findings: Vec<Finding> = after
        .findings
        .iter()
        .filter(|f| {
            !old.iter()
                .any(|o| o.code == f.code && o.step == f.step && o.message_en == f.message_en)
        })
        .cloned()
        .collect();
    let gate = proposed.body.is_gate();
    let mut unmet = Vec::new();
    if gate {
        if let Some(before) = &before {
            unmet = gate_unmet(profile, case, before, &after, proposed);
        }
        let index = case.events.len();
        for f in &new_findings {
            if f.severity() == Severity::Violation
                && f.event == Some(index)
                && !unmet.iter().any(|u| u.code == f.code.as_str())
            {
                unmet.push(from_finding(f));
            }
        }
    }
    let advisories = out_of_order_ahead(profile, case, proposed)
        .into_iter()
        .collect();
    Some(CheckOutcome {
        gate,
        unmet,
        new_findings,
        advisories,
        after,
    })
}

/// `OUT_OF_ORDER` (第二十六条) ahead: fact-finding evidence recorded after the latest legality
/// review submission, with no meeting since, would not have been seen by the review the next
/// meeting relies on. A fresh submission before that meeting cures it.
fn out_of_order_ahead(profile: &Profile, case: &Case, proposed: &Event) -> Option<Finding> {
    let step = proposed.body.step().filter(|s| s.is_fact_finding())?;
    if matches!(proposed.body, EventBody::Waived(_)) {
        return None;
    }
    let s = case
        .events
        .iter()
        .rposition(|e| matches!(e.body, EventBody::ReviewSubmitted(_)))?;
    if case.events[s..]
        .iter()
        .any(|e| matches!(e.body, EventBody::CollectiveDecision(_)))
    {
        return None;
    }
    let submitted = case.events[s].date();
    let rule = profile.step(step);
    Some(Finding {
        code: Code::OutOfOrder,
        step: Some(step),
        article: Code::OutOfOrder.fixed_article().to_owned(),
        message_zh: format!(
            "{}材料晚于 {submitted} 送请合法性审查，审查未见该材料；会议前须重新送审，否则将记为 OUT_OF_ORDER",
            rule.label(Lang::Zh)
        ),
        message_en: format!(
            "{} evidence comes after the legality review submission of {submitted}, so the review has not seen it; submit again before the meeting, or it counts as OUT_OF_ORDER",
            rule.label(Lang::En)
        ),
        event: Some(case.events.len()),
        estimated: false,
    })
}

fn from_finding(f: &Finding) -> Unmet {
    let (fix_zh, fix_en) = fix_for(f.code.as_str());
    Unmet {
        code: f.code.as_str().to_owned(),
        step: f.step,
        article: f.article.clone(),
        message_zh: f.message_zh.clone(),
        message_en: f.message_en.clone(),
        fix_zh: fix_zh.to_owned(),
        fix_en: fix_en.to_owned(),
    }
}

/// The prerequisites a gate event needs, from the state before it. A flawed prerequisite is worded
/// as its finding: from the history, or, where only this gate reveals it (the review a meeting
/// would rely on is stale), as the evaluation with the gate appended words it.
fn gate_unmet(
    profile: &Profile,
    case: &Case,
    before: &Evaluation,
    after: &Evaluation,
    proposed: &Event,
) -> Vec<Unmet> {
    let Some(step) = proposed.body.step() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Gates after the decision depend on the decision and the steps between it and them; the
    // steps before the decision were judged when it was taken.
    let after_decision = profile.precedes(Step::CollectiveDecision, step);
    let prereqs: Vec<Step> = profile
        .prerequisites(step)
        .into_iter()
        .filter(|p| !after_decision || !profile.precedes(*p, Step::CollectiveDecision))
        .collect();
    for p in prereqs {
        let Some(report) = before.step(p) else {
            continue;
        };
        if p == Step::CollectiveDecision {
            let decided = before.latest_decision.map(|(o, _)| o);
            let ok = match proposed.body {
                EventBody::Archived => matches!(decided, Some(Outcome::Approve | Outcome::Reject)),
                _ => decided == Some(Outcome::Approve),
            };
            if !ok {
                let (code, zh, en) = if matches!(proposed.body, EventBody::Archived) {
                    (
                        "NOT_DECIDED",
                        "尚未作出同意或不同意的决定",
                        "no approve or reject decision has been made",
                    )
                } else {
                    (
                        "NOT_APPROVED",
                        "决策尚未经集体讨论同意",
                        "the decision has not been approved at a meeting",
                    )
                };
                out.push(guard(code, Some(p), profile.step(p).article(), zh, en));
            }
            continue;
        }
        if report.state.is_satisfied() {
            continue;
        }
        let rule = profile.step(p);
        let (label_zh, label_en) = (rule.label(Lang::Zh), rule.label(Lang::En));
        match report.state {
            StepState::Flawed | StepState::ImproperlyWaived => {
                for code in &report.problems {
                    let at_gate = case.events.len();
                    let f = before
                        .findings
                        .iter()
                        .find(|f| f.code == *code && f.step == Some(p))
                        .or_else(|| {
                            after.findings.iter().find(|f| {
                                f.code == *code && f.step == Some(p) && f.event == Some(at_gate)
                            })
                        });
                    match f {
                        Some(f) => out.push(from_finding(f)),
                        None => {
                            let (fix_zh, fix_en) = fix_for(code.as_str());
                            out.push(Unmet {
                                code: code.as_str().to_owned(),
                                step: Some(p),
                                article: article_of(profile, *code, p),
                                message_zh: format!("{label_zh}存在问题：{code}"),
                                message_en: format!("{label_en} has a problem: {code}"),
                                fix_zh: fix_zh.to_owned(),
                                fix_en: fix_en.to_owned(),
                            });
                        }
                    }
                }
            }
            _ => {
                let (code, zh, en) = if p == Step::LegalityReview
                    && matches!(proposed.body, EventBody::ReviewSigned(_))
                {
                    (
                        "NOT_SUBMITTED",
                        "尚未送请合法性审查".to_owned(),
                        "not yet submitted for legality review".to_owned(),
                    )
                } else if p == Step::PartyReport {
                    (
                        Code::NoPartyReport.as_str(),
                        format!("{label_zh}尚未进行"),
                        format!("the {label_en} has not been made"),
                    )
                } else if p == Step::Publication {
                    (
                        "NOT_PUBLISHED_YET",
                        format!("{label_zh}尚未完成"),
                        format!("{label_en} is not done yet"),
                    )
                } else {
                    (
                        Code::SkippedStep.as_str(),
                        format!("{label_zh}尚未履行，也未依法免除"),
                        format!("{label_en} is neither completed nor validly waived"),
                    )
                };
                out.push(guard(code, Some(p), rule.article(), &zh, &en));
            }
        }
    }
    if let EventBody::ReviewSigned(sig) = &proposed.body {
        let submitted = case
            .events
            .iter()
            .any(|e| matches!(&e.body, EventBody::ReviewSubmitted(s) if s.draft == sig.draft));
        if !submitted && !out.iter().any(|u| u.code == "NOT_SUBMITTED") {
            out.push(guard(
                "NOT_SUBMITTED",
                Some(Step::LegalityReview),
                "第二十六条",
                &format!("草案 {} 尚未送请合法性审查", sig.draft),
                &format!(
                    "draft {} has not been submitted for legality review",
                    sig.draft
                ),
            ));
        }
    }
    out
}

fn article_of(profile: &Profile, code: Code, step: Step) -> String {
    match code.fixed_article() {
        "" => profile.step(step).article().to_owned(),
        a => a.to_owned(),
    }
}

fn guard(code: &str, step: Option<Step>, article: &str, zh: &str, en: &str) -> Unmet {
    let (fix_zh, fix_en) = fix_for(code);
    Unmet {
        code: code.to_owned(),
        step,
        article: article.to_owned(),
        message_zh: zh.to_owned(),
        message_en: en.to_owned(),
        fix_zh: fix_zh.to_owned(),
        fix_en: fix_en.to_owned(),
    }
}

/// The role rule, as a guard a head's override forces: the event is recorded by a role the
/// profile does not allow for it.
pub fn role_not_allowed(event_type: &str, allowed: &[&str]) -> Unmet {
    guard(
        "ROLE_NOT_ALLOWED",
        None,
        "",
        &format!(
            "行政首长记录了本流程只允许 {} 记录的 `{event_type}`",
            allowed.join("、")
        ),
        &format!(
            "the head records `{event_type}`, which the workflow lets only {} record",
            allowed.join(", ")
        ),
    )
}

/// The role rule for a `province_inspector`, who reads every organ's cases and records nothing:
/// no override forces it.
pub fn inspector_records_nothing(event_type: &str) -> Unmet {
    guard(
        "ROLE_NOT_ALLOWED",
        None,
        "",
        &format!("省级法治督察不记录任何事件（`{event_type}`）"),
        &format!("a province inspector records nothing (`{event_type}`)"),
    )
}

/// The reason a submission cannot be made before any draft exists.
pub fn no_draft() -> Unmet {
    guard(
        "NO_DRAFT",
        Some(Step::LegalityReview),
        "第二十六条",
        "尚未记录决策草案",
        "no draft has been recorded",
    )
}

/// What would satisfy an unmet guard, in Chinese and English.
pub fn fix_for(code: &str) -> (&'static str, &'static str) {
    match code {
        "SKIPPED_STEP" => ("履行该程序并记录材料，或依法记录免除理由和依据", "perform the step and record its evidence, or record a valid waiver with its legal basis"),
        "IMPROPER_WAIVER" => ("履行该程序，或以本流程允许的理由重新记录免除", "perform the step, or record a waiver with a reason the workflow allows"),
        "SHORT_COMMENT_PERIOD" => ("重新征求意见不少于 30 日，或如实记录缩短理由", "run a new comment period of at least 30 days, or record the reason it was shortened"),
        "HEARING_MISSING" => ("依法举行听证会并记录", "hold the hearing the law requires and record it"),
        "EXPERT_QUORUM" => ("补充无直接利害关系专家的署名论证意见", "add signed opinions from experts without a direct interest"),
        "UNSIGNED_EXPERT_OPINION" => ("由专家在书面论证意见上署名、盖章后重新记录", "have the written opinions signed and record the review again"),
        "CONFLICTED_EXPERT" => ("更换有直接利害关系的专家后重新论证", "replace the expert with a direct interest and record a new review"),
        "UNCONTROLLED_RISK" => ("采取措施并重新评估至风险可控，或作出同意以外的决定", "take measures and reassess until the risk is controllable, or decide otherwise"),
        "UNLAWFUL_REVIEW_IGNORED" => ("修改草案并重新送请合法性审查", "revise the draft and submit it for legality review again"),
        "STALE_LEGALITY_REVIEW" => ("将现行草案重新送请合法性审查并签署意见", "submit the current draft for legality review and have it signed off"),
        "SHORT_REVIEW_WINDOW" => ("推迟会议，使送审与会议之间不少于 7 个工作日；本流程允许缩短的，可在送审时如实记录缩短理由", "hold the meeting later, leaving at least 7 working days after the submission, or, where the workflow allows it, record why the window is shortened when submitting"),
        "FAIR_COMPETITION_REVIEW_MISSING" => ("会前进行公平竞争审查并记录（juece evidence fair-competition）", "carry out the fair-competition review before the meeting and record it (juece evidence fair-competition)"),
        "UNAUTHORIZED_SIGNER" => ("由本流程允许的审查人员签署", "have a role the workflow allows sign the review"),
        "SELF_REVIEW" => ("由未送审、未起草草案的审查人员签署", "have someone who neither submitted nor drafted it sign the review"),
        "IMPROPER_MEETING" => ("提交常务会议或者全体会议讨论", "put it to an executive or plenary meeting"),
        "NO_QUORUM" => ("在半数以上组成人员到会时讨论", "discuss it with more than half of the members present"),
        "UNEXPLAINED_HEAD_DECISION" => ("记录行政首长作出不同决定的理由", "record the head's reason for deciding against the majority"),
        "NOT_PUBLISHED" => ("依法及时公布决策并记录", "publish the decision and record it"),
        "NO_PARTY_REPORT" => ("公布前向同级党委请示报告并记录", "report to the Party committee before publishing, and record it"),
        "ROLE_NOT_ALLOWED" => ("由本流程允许的角色办理", "have a role the workflow allows record it"),
        "NO_DRAFT" => ("先由承办单位记录决策草案（juece draft add）", "record the draft first (juece draft add)"),
        "NOT_SUBMITTED" => ("先由承办单位送请合法性审查", "have the undertaking unit submit the draft for legality review first"),
        "NOT_APPROVED" => ("待集体讨论作出同意决定后再办理", "wait for an approving collective decision"),
        "NOT_DECIDED" => ("待集体讨论作出同意或不同意决定后再归档", "archive once the meeting has approved or rejected"),
        "NOT_PUBLISHED_YET" => ("先公布决策，或依法记录不予公开的理由", "publish the decision first, or record a valid waiver"),
        _ => ("满足该项规则后再办理", "satisfy the rule first"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guard_code_has_its_own_fix() {
        let default = fix_for("");
        for code in GUARD_CODES {
            assert_ne!(fix_for(code), default, "{code}");
        }
        for code in Code::ALL {
            if code.severity() == Severity::Violation {
                assert_ne!(fix_for(code.as_str()), default, "{code}");
            }
        }
    }
}
