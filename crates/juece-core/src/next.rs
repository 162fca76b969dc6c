//! What a case needs next: the dates that matter and which gate events may be recorded now.
//!
//! Both are derived from the history with the same evaluator as the audit: a gate is "possible"
//! exactly when [`check_event`] would accept it today.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde_json::json;

use crate::calendar::Calendar;
use crate::check::{check_event, Unmet};
use crate::evaluate::{EvalError, Evaluation, StepState};
use crate::event::{parse_event, Case, EventBody, Supplied};
use crate::ids::{Outcome, Role, Step};
use crate::profile::Profile;
use crate::Lang;

/// A kind of date that matters for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// The end of the public comment period.
    CommentPeriodEnd,
    /// The earliest lawful meeting date given the review window (第二十六条).
    EarliestMeeting,
    /// The profile's publication deadline.
    PublicationDeadline,
    /// The profile's archiving deadline.
    ArchivingDeadline,
    /// The profile's deferral lapse.
    DeferralLapse,
}

impl DateKind {
    /// Identifier for JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            DateKind::CommentPeriodEnd => "comment_period_end",
            DateKind::EarliestMeeting => "earliest_meeting",
            DateKind::PublicationDeadline => "publication_deadline",
            DateKind::ArchivingDeadline => "archiving_deadline",
            DateKind::DeferralLapse => "deferral_lapse",
        }
    }

    /// Label in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DateKind::CommentPeriodEnd, Lang::Zh) => "征求意见截止",
            (DateKind::EarliestMeeting, Lang::Zh) => "最早可开会日期",
            (DateKind::PublicationDeadline, Lang::Zh) => "公布期限",
            (DateKind::ArchivingDeadline, Lang::Zh) => "归档期限",
            (DateKind::DeferralLapse, Lang::Zh) => "暂缓失效日期",
            (DateKind::CommentPeriodEnd, Lang::En) => "comment period ends",
            (DateKind::EarliestMeeting, Lang::En) => "earliest lawful meeting",
            (DateKind::PublicationDeadline, Lang::En) => "publication deadline",
            (DateKind::ArchivingDeadline, Lang::En) => "archiving deadline",
            (DateKind::DeferralLapse, Lang::En) => "deferral lapses",
        }
    }

    /// Whether the date is a deadline (something is overdue after it) rather than a milestone.
    pub fn is_deadline(self) -> bool {
        matches!(
            self,
            DateKind::PublicationDeadline | DateKind::ArchivingDeadline | DateKind::DeferralLapse
        )
    }
}

/// A date that matters for a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDate {
    /// What it is.
    pub kind: DateKind,
    /// The step it concerns.
    pub step: Step,
    /// The date; `None` when it lies beyond the working-day calendar.
    pub date: Option<NaiveDate>,
    /// Why it is unknown, when `date` is `None`.
    pub unknown_because: Option<String>,
}

/// The dates that still matter for a case, from its whole history.
pub fn key_dates(
    profile: &Profile,
    calendar: &Calendar,
    case: &Case,
    eval: &Evaluation,
) -> Vec<KeyDate> {
    let mut out = Vec::new();
    let events = &case.events;
    let p = profile.parameters();
    let last = |f: &dyn Fn(&EventBody) -> bool| events.iter().rposition(|e| f(&e.body));
    let latest_meeting = last(&|b| matches!(b, EventBody::CollectiveDecision(_)));
    let latest_submission = last(&|b| matches!(b, EventBody::ReviewSubmitted(_)));

    // The comment period matters until the case goes to legality review.
    if latest_submission.is_none() {
        if let Some(i) = last(&|b| matches!(b, EventBody::PublicParticipation(_))) {
            if let EventBody::PublicParticipation(pp) = &events[i].body {
                if let Some(period) = pp.comment_period {
                    out.push(known(
                        DateKind::CommentPeriodEnd,
                        Step::PublicParticipation,
                        period.end,
                    ));
                }
            }
        }
    }
    // The earliest meeting, while the latest submission has not yet been discussed.
    if let Some(s) = latest_submission {
        if latest_meeting.is_none_or(|m| m < s) {
            let n = p.min_review_working_days;
            out.push(match calendar.add_working_days(events[s].date(), n) {
                Ok(d) => known(
                    DateKind::EarliestMeeting,
                    Step::CollectiveDecision,
                    d.succ_opt().unwrap_or(d),
                ),
                Err(e) => unknown(
                    DateKind::EarliestMeeting,
                    Step::CollectiveDecision,
                    e.to_string(),
                ),
            });
        }
    }
    if let Some((outcome, decided)) = eval.latest_decision {
        let done = |step: Step| {
            eval.step(step).is_some_and(|s| {
                matches!(
                    s.state,
                    StepState::Done | StepState::Waived | StepState::NotRequired
                )
            })
        };
        if outcome == Outcome::Approve && !done(Step::Publication) {
            if let Some(n) = p.publication_deadline_working_days {
                out.push(match calendar.add_working_days(decided, n) {
                    Ok(d) => known(DateKind::PublicationDeadline, Step::Publication, d),
                    Err(e) => unknown(
                        DateKind::PublicationDeadline,
                        Step::Publication,
                        e.to_string(),
                    ),
                });
            }
        }
        if matches!(outcome, Outcome::Approve | Outcome::Reject) && !done(Step::Archiving) {
            if let Some(n) = p.archiving_deadline_days {
                out.push(known(
                    DateKind::ArchivingDeadline,
                    Step::Archiving,
                    plus_days(decided, n),
                ));
            }
        }
        if outcome == Outcome::Defer {
            if let Some(n) = p.deferral_lapse_days {
                out.push(known(
                    DateKind::DeferralLapse,
                    Step::CollectiveDecision,
                    plus_days(decided, n),
                ));
            }
        }
    }
    out
}

fn plus_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_signed(Duration::days(i64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

fn known(kind: DateKind, step: Step, date: NaiveDate) -> KeyDate {
    KeyDate {
        kind,
        step,
        date: Some(date),
        unknown_because: None,
    }
}

fn unknown(kind: DateKind, step: Step, why: String) -> KeyDate {
    KeyDate {
        kind,
        step,
        date: None,
        unknown_because: Some(why),
    }
}

/// A gate event that could come next, and whether it may be recorded now.
#[derive(Debug, Clone)]
pub struct NextAction {
    /// The event type, e.g. `legality_review_submitted`.
    pub event_type: &'static str,
    /// The step it records.
    pub step: Step,
    /// Roles that may record it.
    pub roles: Vec<Role>,
    /// Why it would be refused today; empty when it may be recorded.
    pub unmet: Vec<Unmet>,
}

/// The gate events that could come next for a case, each checked as if recorded at `now`.
pub fn next_actions(
    profile: &Profile,
    calendar: &Calendar,
    case: &Case,
    eval: &Evaluation,
    now: DateTime<FixedOffset>,
) -> Result<Vec<NextAction>, EvalError> {
    let draft = eval.current_draft.clone();
    let submitted_current = case.events.iter().any(
        |e| matches!(&e.body, EventBody::ReviewSubmitted(s) if Some(&s.draft) == draft.as_ref()),
    );
    let signed = |s: &Step| eval.step(*s).is_some_and(|r| r.state == StepState::Done);
    let mut candidates: Vec<serde_json::Value> = Vec::new();
    let draft_v = draft.clone().unwrap_or_default();
    match eval.latest_decision.map(|(o, _)| o) {
        Some(Outcome::Approve) => {
            let state = |s: Step| eval.step(s).map(|r| r.state);
            if state(Step::PartyReport) == Some(StepState::Pending) {
                candidates.push(json!({ "type": "party_report" }));
            }
            if state(Step::Publication) == Some(StepState::Pending) {
                candidates.push(json!({ "type": "published", "channel": null }));
            }
            if state(Step::Archiving) == Some(StepState::Pending) {
                candidates.push(json!({ "type": "archived" }));
            }
        }
        Some(Outcome::Reject) => {
            if eval.step(Step::Archiving).map(|r| r.state) == Some(StepState::Pending) {
                candidates.push(json!({ "type": "archived" }));
            }
        }
        _ => {
            if !submitted_current {
                candidates.push(json!({ "type": "legality_review_submitted", "draft": draft_v }));
            } else if !signed(&Step::LegalityReview) {
                candidates.push(json!({ "type": "legality_review_signed", "draft": draft_v, "conclusion": "lawful" }));
            }
            if submitted_current {
                let today = now.date_naive();
                candidates.push(json!({ "type": "collective_decision",
                    "meeting": { "kind": "executive", "date": today.to_string(), "members_total": 1, "members_present": 1 },
                    "majority": "approve", "head_decision": "approve" }));
            }
        }
    }
    let mut out = Vec::new();
    for mut c in candidates {
        c["at"] = json!(now.to_rfc3339());
        // A name no real person has, so that separation-of-duty guards judge the gate, not him.
        let supplied = Supplied {
            actor: Some(("\u{2063}next".to_owned(), Role::Head)),
            default_at: None,
        };
        let Ok(event) = parse_event(&c, &supplied) else {
            continue;
        };
        let step = event.body.step().unwrap_or(Step::CollectiveDecision);
        let roles = profile.roles_for(&event.body).to_vec();
        let mut unmet = if draft.is_none() && matches!(event.body, EventBody::ReviewSubmitted(_)) {
            vec![crate::check::no_draft()]
        } else {
            check_event(profile, calendar, case, &event, event.date())?.unmet
        };
        unmet.retain(|u| u.code != "UNAUTHORIZED_SIGNER");
        out.push(NextAction {
            event_type: event.body.type_name(),
            step,
            roles,
            unmet,
        });
    }
    Ok(out)
}
