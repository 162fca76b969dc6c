//! Read models: what a case looks like now (the case page, `juece case show`), and the rows of
//! the case list.

use chrono::{DateTime, FixedOffset, NaiveDate};
use juece_core::calendar::Calendar;
use juece_core::evaluate::{evaluate, Evaluation};
use juece_core::event::{Event, EventBody};
use juece_core::ids::Step;
use juece_core::next::{key_dates, next_actions, KeyDate, NextAction};
use juece_core::registry::Profiles;
use juece_core::Lang;
use juece_store::{Store, StoredCase};
use serde_json::json;
use std::collections::BTreeSet;

use crate::error::EngineError;
use crate::scope::Scope;

/// A case as of now: its history, its evaluation, the dates that matter and what may come next.
pub struct CaseView {
    pub stored: StoredCase,
    pub eval: Evaluation,
    pub dates: Vec<KeyDate>,
    pub next: Vec<NextAction>,
    pub as_of: NaiveDate,
    /// The years an official holiday notice covers (the rest are estimated).
    pub official_years: Vec<i32>,
}

/// Loads and evaluates case `case_ref` as of `now` (or its last event, if later). A case outside
/// `scope` is answered as one that exists nowhere (`NotFound`, in `lang`).
pub fn case_view(
    store: &Store,
    profiles: &Profiles,
    calendar: &Calendar,
    scope: &Scope,
    case_ref: &str,
    now: DateTime<FixedOffset>,
    lang: Lang,
) -> Result<CaseView, EngineError> {
    // Looked up as references are stored (full-width ASCII folded, NFC, …), as writes do.
    let case_ref =
        juece_core::text::identifier("case reference", case_ref).map_err(EngineError::bad_input)?;
    let stored = scope.load_case(store, &case_ref, lang)?;
    let profile = profiles.resolve(&stored.pinned())?;
    let as_of = live_as_of(&stored.case, now.date_naive());
    let Some(mut eval) = evaluate(profile, calendar, &stored.case, as_of) else {
        return Err(EngineError::bad_input(format!(
            "case `{case_ref}` has no history"
        )));
    };
    // The catalogue's finding about this case (NOT_IN_CATALOGUE), as the audit lists it, so
    // that `case show` and `GET /api/v1/cases/{ref}` say what the audit says.
    let catalogues = crate::catalogue::latest(store)?;
    crate::catalogue::complete_findings(
        &mut eval.findings,
        &crate::catalogue::index(&catalogues),
        &stored.case.header.organ,
        stored.case.header.catalogue.as_ref(),
        eval.latest_decision,
        as_of,
    );
    let dates = key_dates(profile, calendar, &stored.case, &eval);
    let next = next_actions(profile, calendar, &stored.case, &eval, now);
    Ok(CaseView {
        stored,
        eval,
        dates,
        next,
        as_of,
        official_years: calendar.official_years().iter().copied().collect(),
    })
}

/// `juece case show --format json` and `GET /api/v1/cases/{ref}`.
pub fn case_json(view: &CaseView, lang: Lang) -> String {
    render_json(
        &view.official_years,
        &view.stored,
        &view.eval,
        &view.dates,
        &view.next,
        view.as_of,
        lang,
    )
}

/// A one-line summary of an event's content.
pub fn summary(e: &Event, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match &e.body {
        EventBody::Opened => (if zh { "立项" } else { "opened" }).to_owned(),
        EventBody::Draft(d) => format!(
            "{} {} (sha256 {}…)",
            if zh { "草案" } else { "draft" },
            d.version,
            d.sha256.get(..12).unwrap_or(&d.sha256)
        ),
        EventBody::PublicParticipation(p) => {
            let methods = p
                .methods
                .iter()
                .map(|m| m.label(lang))
                .collect::<Vec<_>>()
                .join(if zh { "、" } else { ", " });
            let period = p
                .comment_period
                .map(|c| {
                    format!(
                        " {} – {} ({} {})",
                        c.start,
                        c.end,
                        c.days_inclusive(),
                        if zh { "日" } else { "days" }
                    )
                })
                .unwrap_or_default();
            format!(
                "{}: {methods}{period}",
                Step::PublicParticipation.label(lang)
            )
        }
        EventBody::ExpertReview(r) => format!(
            "{}: {}",
            Step::ExpertReview.label(lang),
            r.experts
                .iter()
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        EventBody::RiskAssessment(r) => format!(
            "{}: {} / {}",
            Step::RiskAssessment.label(lang),
            r.level.label(lang),
            match (r.controllable, zh) {
                (true, true) => "可控",
                (false, true) => "不可控",
                (true, false) => "controllable",
                (false, false) => "not controllable",
            }
        ),
        EventBody::ReviewSubmitted(s) => format!(
            "{} {}",
            if zh {
                "送请合法性审查"
            } else {
                "submitted for legality review:"
            },
            s.draft
        ),
        EventBody::ReviewSigned(s) => format!(
            "{} {}: {}",
            if zh {
                "合法性审查意见"
            } else {
                "legality review of"
            },
            s.draft,
            s.conclusion.label(lang)
        ),
        EventBody::Waived(w) => format!(
            "{} {} ({})",
            if zh { "免除" } else { "waived" },
            w.step.label(lang),
            w.reason.label(lang)
        ),
        EventBody::CollectiveDecision(d) => format!(
            "{} {} {}: {} ({} {})",
            d.meeting.date,
            d.meeting.kind.label(lang),
            format_args!("{}/{}", d.meeting.members_present, d.meeting.members_total),
            d.head_decision.label(lang),
            if zh { "多数意见" } else { "majority" },
            d.majority.label(lang)
        ),
        EventBody::PartyReport => Step::PartyReport.label(lang).to_owned(),
        EventBody::Published(p) => format!(
            "{} {}",
            Step::Publication.label(lang),
            p.channel.as_deref().unwrap_or("")
        ),
        EventBody::Archived => Step::Archiving.label(lang).to_owned(),
        EventBody::Override(o) => format!(
            "{}: {} — {}",
            if zh { "强制推进" } else { "override" },
            o.unmet.join(", "),
            o.justification
        ),
        EventBody::FairCompetitionReview(r) => format!(
            "{}: {} — {}",
            if zh {
                "公平竞争审查"
            } else {
                "fair-competition review"
            },
            r.conclusion.label(lang),
            r.basis
        ),
        EventBody::Voided(v) => format!(
            "{} {}: {}",
            if zh { "作废事件" } else { "voided event" },
            v.event,
            v.reason
        ),
    }
}

/// The JSON of a case view (see [`case_json`]).
pub fn render_json(
    official_years: &[i32],
    stored: &StoredCase,
    eval: &Evaluation,
    dates: &[KeyDate],
    next: &[NextAction],
    as_of: chrono::NaiveDate,
    lang: Lang,
) -> String {
    let h = &stored.case.header;
    let doc = json!({
        "ref": h.case_ref,
        "title": h.title,
        "organ": h.organ,
        "undertaking_unit": h.undertaking_unit,
        "category": h.category.as_str(),
        "workflow": stored.pinned(),
        "attributes": h.attributes,
        "status": eval.status.as_str(),
        "as_of": as_of.to_string(),
        "current_draft": eval.current_draft,
        "timeline": stored.case.events.iter().enumerate().map(|(i, e)| json!({
            "seq": i, "at": e.at.to_rfc3339(),
            "recorded_at": e.recorded_at.map(|r| r.to_rfc3339()),
            "actor": e.actor, "role": e.role.as_str(),
            "type": e.body.type_name(), "summary": summary(e, lang),
            "voided": eval.voided.contains(&i),
        })).collect::<Vec<_>>(),
        "steps": eval.steps.iter().map(|s| json!({
            "step": s.step.as_str(), "required": s.required, "state": s.state.as_str(),
            "problems": s.problems.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "findings": eval.findings.iter().map(|f| {
            let mut j = json!({
                "code": f.code.as_str(), "severity": f.severity().as_str(),
                "step": f.step.map(|s| s.as_str()), "article": f.article, "message": f.message(lang),
            });
            if f.estimated {
                j["estimated"] = json!(true);
            }
            j
        }).collect::<Vec<_>>(),
        "next": next.iter().map(|n| json!({
            "event": n.event_type, "step": n.step.as_str(), "possible": n.unmet.is_empty(),
            "roles": n.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "blocked_by": n.unmet.iter().map(|u| json!({
                "code": u.code, "article": u.article, "message": u.message(lang), "fix": crate::write::advice(u, lang),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "dates": dates.iter().map(|d| json!({
            "kind": d.kind.as_str(), "step": d.step.as_str(),
            "date": d.date.map(|x| x.to_string()), "unknown_because": d.unknown_because,
            "estimated": !d.estimated.is_empty(),
        })).collect::<Vec<_>>(),
        "calendar": {
            "official": official_years,
            "estimated": estimated_years(eval, dates).into_iter().collect::<Vec<_>>(),
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// Which years behind this case's findings and dates are estimated (no official notice loaded).
pub fn estimated_years(eval: &Evaluation, dates: &[KeyDate]) -> BTreeSet<i32> {
    let mut years = eval.estimated_years.clone();
    for d in dates {
        years.extend(&d.estimated);
    }
    years
}

/// The date a live view judges a case as of: everything recorded so far, as of today (or its
/// last event's day, if later).
pub fn live_as_of(case: &juece_core::event::Case, today: chrono::NaiveDate) -> chrono::NaiveDate {
    let last = case.events.iter().map(|e| e.at.date_naive()).max();
    last.map_or(today, |last| today.max(last))
}
