//! The case page's "record an event" section: a form (fields from [`crate::forms`]) for each
//! event type the signed-in user's roles may record on this case, the head's override field on
//! gate events, and the raw JSON form under a `<details>` for anything the forms do not cover.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset};
use juece_core::event::{parse_event, EventBody, Supplied};
use juece_core::ids::{Role, Step};
use juece_core::Lang;
use juece_engine::view::CaseView;
use juece_engine::WriteSession;
use maud::{html, Markup};
use serde_json::{json, Value};

use crate::forms::{self, Prefill};
use crate::pages::Viewer;

/// The form type of the raw JSON form.
pub const RAW: &str = "json";

/// The gate events a head may force with an override.
pub const GATES: &[&str] = &[
    "legality_review_submitted",
    "legality_review_signed",
    "collective_decision",
    "party_report",
    "published",
    "archived",
];

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh {
        zh
    } else {
        en
    }
}

/// A well-formed event of `event_type` (sample values): only to ask the case's profile which
/// roles may record it.
fn sample(event_type: &str, step: Step) -> Value {
    let today = "2024-01-01";
    match event_type {
        "draft" => json!({"type": "draft", "version": "v1", "sha256": "0".repeat(64)}),
        "public_participation" => json!({"type": event_type, "methods": ["public_comment"]}),
        "expert_review" => {
            json!({"type": event_type, "experts": [{"name": "x", "signed": true, "conflict_of_interest": false}]})
        }
        "risk_assessment" => json!({"type": event_type, "level": "low", "controllable": true}),
        "fair_competition_review" => {
            json!({"type": event_type, "conclusion": "compliant", "basis": "x"})
        }
        "waived" => {
            json!({"type": event_type, "step": step.as_str(), "reason": "not_applicable", "basis": "x"})
        }
        "legality_review_submitted" => json!({"type": event_type, "draft": "v1"}),
        "legality_review_signed" => {
            json!({"type": event_type, "draft": "v1", "conclusion": "lawful"})
        }
        "collective_decision" => {
            json!({"type": event_type, "meeting": {"kind": "executive", "date": today, "members_total": 9, "members_present": 8}, "majority": "approve", "head_decision": "approve"})
        }
        "voided" => json!({"type": event_type, "event": 1, "reason": "x"}),
        other => json!({"type": other}),
    }
}

/// Whether any of `roles` may record `event_type` on this case (a waiver: of any step).
fn may_record(engine: &WriteSession, view: &CaseView, roles: &[Role], event_type: &str) -> bool {
    let Ok(profile) = engine.profiles().resolve(&view.stored.pinned()) else {
        return false;
    };
    if event_type == "voided" {
        // Only the author of the latest event that may be voided, or the legal office.
        let latest = juece_engine::write::voidable_latest(&view.stored.case);
        return latest.is_some_and(|i| i > 0)
            && (roles.contains(&Role::LegalOffice)
                || latest.is_some_and(|i| roles.contains(&view.stored.case.events[i].role)));
    }
    let supplied = Supplied {
        actor: Some(("x".into(), Role::Auditor)),
        default_at: Some(view.stored.case.events[0].at),
        recorded_at: None,
    };
    Step::ALL.iter().any(|step| {
        parse_event(&sample(event_type, *step), &supplied).is_ok_and(|e| {
            let allowed = profile.roles_for(&e.body);
            roles.iter().any(|r| allowed.contains(r))
        })
    })
}

/// What a form starts with on this case: the next draft version, the current draft, today's
/// meeting date, the event that may be voided.
fn defaults(event_type: &str, view: &CaseView) -> HashMap<&'static str, String> {
    let mut d = HashMap::new();
    let current = view.eval.current_draft.clone().unwrap_or_default();
    match event_type {
        "draft" => {
            let drafts = view
                .stored
                .case
                .events
                .iter()
                .filter(|e| matches!(e.body, EventBody::Draft(_)))
                .count();
            d.insert("version", format!("v{}", drafts + 1));
        }
        "legality_review_submitted" | "legality_review_signed" => {
            d.insert("draft", current);
        }
        "collective_decision" => {
            d.insert("meeting.date", view.as_of.to_string());
        }
        "voided" => {
            if let Some(i) = juece_engine::write::voidable_latest(&view.stored.case) {
                d.insert("event", i.to_string());
            }
        }
        _ => {}
    }
    d
}

/// The hidden fields every event form carries.
fn hidden(v: &Viewer, event_type: &str, expected_seq: usize) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(v.csrf);
        input type="hidden" name="idem" value=(uuid::Uuid::new_v4().to_string());
        input type="hidden" name="event_type" value=(event_type);
        input type="hidden" name="expected_seq" value=(expected_seq);
    }
}

/// The override field of a gate event's form (heads only).
fn override_field(lang: Lang, prefill: Option<&HashMap<String, String>>) -> Markup {
    let value = prefill
        .and_then(|p| p.get("override").cloned())
        .unwrap_or_default();
    html! {
        label.override {
            (t(lang, "强制推进理由（仅行政首长；留空则不强制；审计中将始终显示）", "Override justification (heads only; leave empty not to override; the audit always shows it)"))
            textarea name="override" rows="2" { (value) }
        }
    }
}

/// The section: one form per event type the user may record. `submitted` is the form of a
/// write just refused (`(event type, values)`): that form is open and keeps what was typed.
pub fn section(
    lang: Lang,
    v: &Viewer,
    engine: &WriteSession,
    view: &CaseView,
    post: &str,
    submitted: Option<(&str, &HashMap<String, String>)>,
) -> Markup {
    let is_head = v.roles.contains(&Role::Head);
    let seq = view.stored.case.events.len();
    let offered: Vec<&str> = forms::event_types()
        .filter(|ty| may_record(engine, view, &v.roles, ty) || (is_head && GATES.contains(ty)))
        .collect();
    let values = |ty: &str| submitted.filter(|(s, _)| *s == ty).map(|(_, f)| f);
    html! {
        @if offered.is_empty() { p { (t(lang, "您的角色不能为本事项记录事件。", "Your roles may not record events for this case.")) } }
        @for ty in &offered {
            details.event open[values(ty).is_some()] {
                summary { (forms::type_label(ty, lang)) " " code { (ty) } }
                form.event-form method="post" action=(post) {
                    (hidden(v, ty, seq))
                    (forms::inputs(ty, &Prefill { values: values(ty), defaults: defaults(ty, view) }, lang))
                    @if is_head && GATES.contains(ty) { (override_field(lang, values(ty))) }
                    button type="submit" { (t(lang, "记录", "Record")) }
                }
            }
        }
        @if !offered.is_empty() {
            details.event.raw open[values(RAW).is_some()] {
                summary { (t(lang, "以 JSON 记录（高级）", "Record as JSON (advanced)")) }
                form method="post" action=(post) {
                    (hidden(v, RAW, seq))
                    label { (t(lang, "事件（JSON，不含 actor/role）", "Event (JSON, without actor/role)"))
                        textarea name="event" rows="6" { (values(RAW).and_then(|f| f.get("event").cloned()).unwrap_or_default()) }
                    }
                    @if is_head { (override_field(lang, values(RAW))) }
                    button type="submit" { (t(lang, "记录", "Record")) }
                }
            }
        }
    }
}

/// The event a submitted form stands for: the raw JSON form's text, or the fields of an event
/// form built into the event object. A plain message when it cannot be read.
pub fn submitted_event(
    form: &HashMap<String, String>,
    offset: FixedOffset,
    lang: Lang,
) -> Result<Value, String> {
    let event_type = form
        .get("event_type")
        .map(String::as_str)
        .unwrap_or_default();
    if event_type == RAW || (event_type.is_empty() && form.contains_key("event")) {
        let text = form.get("event").map(String::as_str).unwrap_or_default();
        return serde_json::from_str(text).map_err(|e| match lang {
            Lang::Zh => format!("事件不是有效的 JSON：{e}"),
            Lang::En => format!("the event is not JSON: {e}"),
        });
    }
    forms::build_event(event_type, form, offset, lang)
}

/// The office's offset: that of the server's clock now.
pub fn office_offset(now: DateTime<FixedOffset>) -> FixedOffset {
    *now.offset()
}
