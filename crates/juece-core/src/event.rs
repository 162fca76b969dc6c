//! The event vocabulary of `juece-cases/1`, as Rust types.
//!
//! FROZEN FORMAT: field names, value spellings and the field order written by [`Event::to_json`]
//! are a public format that other offices script against. Do not change them; add
//! `juece-cases/2` instead (and keep reading version 1).

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::ids::{
    Attribute, Category, Conclusion, MeetingKind, Outcome, ParticipationMethod, RiskLevel, Role,
    Step, WaiverReason,
};

/// The case attributes that decide which conditional steps apply. Omitted flags are `false`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attributes {
    /// 专业性、技术性较强 (Art. 19).
    #[serde(default)]
    pub technical: bool,
    /// 可能对社会稳定、公共安全等造成不利影响 (Art. 22).
    #[serde(default)]
    pub stability_risk: bool,
    /// A law or rule requires a hearing (Art. 16).
    #[serde(default)]
    pub hearing_required: bool,
    /// 依法不予公开 (Art. 14, 32).
    #[serde(default)]
    pub confidential: bool,
    /// 涉及市场主体经济活动 (Art. 29).
    #[serde(default)]
    pub market_entities: bool,
}

impl Attributes {
    /// The value of one attribute.
    pub fn get(&self, a: Attribute) -> bool {
        match a {
            Attribute::Technical => self.technical,
            Attribute::StabilityRisk => self.stability_risk,
            Attribute::HearingRequired => self.hearing_required,
            Attribute::Confidential => self.confidential,
            Attribute::MarketEntities => self.market_entities,
        }
    }

    /// Sets one attribute.
    pub fn set(&mut self, a: Attribute, value: bool) {
        match a {
            Attribute::Technical => self.technical = value,
            Attribute::StabilityRisk => self.stability_risk = value,
            Attribute::HearingRequired => self.hearing_required = value,
            Attribute::Confidential => self.confidential = value,
            Attribute::MarketEntities => self.market_entities = value,
        }
    }
}

/// A draft version (`draft`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// The version label, e.g. `v1`.
    pub version: String,
    /// SHA-256 of the draft's content, 64 lowercase hex characters.
    pub sha256: String,
}

/// An inclusive date range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

impl Period {
    /// Calendar days counted inclusively: end − start + 1.
    pub fn days_inclusive(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

/// A hearing (听证会).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hearing {
    /// The day it was held.
    pub date: NaiveDate,
}

/// Evidence of public participation (Art. 14–18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicParticipation {
    /// Methods used.
    pub methods: Vec<ParticipationMethod>,
    /// The public comment period, for `public_comment`.
    #[serde(default)]
    pub comment_period: Option<Period>,
    /// Why the period was shorter than the minimum, if it was.
    #[serde(default)]
    pub shortened_reason: Option<String>,
    /// The hearing, when one was held.
    #[serde(default)]
    pub hearing: Option<Hearing>,
    /// Opinions received.
    #[serde(default)]
    pub opinions_received: Option<u64>,
    /// Opinions adopted.
    #[serde(default)]
    pub opinions_adopted: Option<u64>,
}

/// One expert's (or institution's) opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expert {
    /// Name of the expert or institution.
    pub name: String,
    /// Whether the written opinion is signed (署名、盖章).
    pub signed: bool,
    /// Whether the expert has a direct interest (直接利害关系).
    pub conflict_of_interest: bool,
}

/// Evidence of expert review (Art. 19–21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpertReview {
    /// The experts consulted.
    pub experts: Vec<Expert>,
}

/// Evidence of a risk assessment (Art. 22–24).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAssessment {
    /// The assessed level.
    pub level: RiskLevel,
    /// Whether the risk is controllable.
    pub controllable: bool,
    /// The measures.
    #[serde(default)]
    pub measures: Option<String>,
}

/// A submission for legality review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSubmission {
    /// The draft version submitted.
    pub draft: String,
    /// Why the review window (一般不少于7个工作日, Art. 26) is shorter, if it is (`juece-cases/2`).
    /// Written only when present, so version-1 events keep their exact bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortened_reason: Option<String>,
}

/// The conclusion of a fair-competition review (公平竞争审查).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FairCompetitionConclusion {
    /// 符合公平竞争审查标准.
    Compliant,
    /// 不符合.
    NotCompliant,
    /// 适用例外规定.
    Exception,
}

impl FairCompetitionConclusion {
    /// The identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::NotCompliant => "not_compliant",
            Self::Exception => "exception",
        }
    }

    /// The label in `lang`.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match (self, lang) {
            (Self::Compliant, crate::Lang::Zh) => "符合",
            (Self::NotCompliant, crate::Lang::Zh) => "不符合",
            (Self::Exception, crate::Lang::Zh) => "适用例外",
            (Self::Compliant, crate::Lang::En) => "compliant",
            (Self::NotCompliant, crate::Lang::En) => "not compliant",
            (Self::Exception, crate::Lang::En) => "exception",
        }
    }
}

/// A fair-competition review among the meeting materials (Art. 29 (1); `juece-cases/2`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FairCompetitionReview {
    /// The conclusion.
    pub conclusion: FairCompetitionConclusion,
    /// Its basis, in words.
    pub basis: String,
    /// Who reviewed, if named.
    #[serde(default)]
    pub reviewer: Option<String>,
}

/// An earlier event of the same case recorded by mistake, voided (`juece-cases/2`): never
/// deleted, left out by the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Voided {
    /// The `seq` (0-based position in the case's events) of the voided event.
    pub event: u64,
    /// Why.
    pub reason: String,
}

/// A legality review sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSignoff {
    /// The draft version reviewed.
    pub draft: String,
    /// The conclusion.
    pub conclusion: Conclusion,
    /// The written opinion.
    #[serde(default)]
    pub opinion: Option<String>,
}

/// A waiver of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The step waived.
    pub step: Step,
    /// The reason code.
    pub reason: WaiverReason,
    /// The legal basis, in words.
    #[serde(default)]
    pub basis: Option<String>,
}

/// A meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meeting {
    /// Kind of meeting.
    pub kind: MeetingKind,
    /// The day it was held.
    pub date: NaiveDate,
    /// Members of the deciding body.
    pub members_total: u32,
    /// Members present.
    pub members_present: u32,
}

/// A collective decision (Art. 29–30).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectiveDecision {
    /// The meeting.
    pub meeting: Meeting,
    /// The majority opinion.
    pub majority: Outcome,
    /// The head's decision.
    pub head_decision: Outcome,
    /// The head's reason, required when it differs from the majority.
    #[serde(default)]
    pub reason: Option<String>,
    /// Whether dissent was recorded in the minutes.
    #[serde(default)]
    pub dissent_recorded: Option<bool>,
}

/// Publication (Art. 32).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    /// Where it was published.
    #[serde(default)]
    pub channel: Option<String>,
}

/// A live transition forced past unmet guards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The codes of the unmet guards.
    pub unmet: Vec<String>,
    /// The written justification.
    pub justification: String,
}

/// Nothing beyond the common fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// What happened, by event type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    /// `opened`
    Opened,
    /// `draft`
    Draft(Draft),
    /// `public_participation`
    PublicParticipation(PublicParticipation),
    /// `expert_review`
    ExpertReview(ExpertReview),
    /// `risk_assessment`
    RiskAssessment(RiskAssessment),
    /// `legality_review_submitted`
    ReviewSubmitted(ReviewSubmission),
    /// `legality_review_signed`
    ReviewSigned(ReviewSignoff),
    /// `waived`
    Waived(Waiver),
    /// `collective_decision`
    CollectiveDecision(CollectiveDecision),
    /// `party_report`
    PartyReport,
    /// `published`
    Published(Publication),
    /// `archived`
    Archived,
    /// `override`
    Override(Override),
    /// `fair_competition_review` (`juece-cases/2`)
    FairCompetitionReview(FairCompetitionReview),
    /// `voided` (`juece-cases/2`)
    Voided(Voided),
}

/// Every event type, in the order of interchange.md.
pub const EVENT_TYPES: &[&str] = &[
    "opened",
    "draft",
    "public_participation",
    "expert_review",
    "risk_assessment",
    "legality_review_submitted",
    "legality_review_signed",
    "waived",
    "collective_decision",
    "party_report",
    "published",
    "archived",
    "override",
    "fair_competition_review",
    "voided",
];

impl EventBody {
    /// The `type` string.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventBody::Opened => "opened",
            EventBody::Draft(_) => "draft",
            EventBody::PublicParticipation(_) => "public_participation",
            EventBody::ExpertReview(_) => "expert_review",
            EventBody::RiskAssessment(_) => "risk_assessment",
            EventBody::ReviewSubmitted(_) => "legality_review_submitted",
            EventBody::ReviewSigned(_) => "legality_review_signed",
            EventBody::Waived(_) => "waived",
            EventBody::CollectiveDecision(_) => "collective_decision",
            EventBody::PartyReport => "party_report",
            EventBody::Published(_) => "published",
            EventBody::Archived => "archived",
            EventBody::Override(_) => "override",
            EventBody::FairCompetitionReview(_) => "fair_competition_review",
            EventBody::Voided(_) => "voided",
        }
    }

    /// The step this event records, if it records one.
    pub fn step(&self) -> Option<Step> {
        match self {
            EventBody::PublicParticipation(_) => Some(Step::PublicParticipation),
            EventBody::ExpertReview(_) => Some(Step::ExpertReview),
            EventBody::RiskAssessment(_) => Some(Step::RiskAssessment),
            EventBody::ReviewSubmitted(_) | EventBody::ReviewSigned(_) => {
                Some(Step::LegalityReview)
            }
            EventBody::CollectiveDecision(_) | EventBody::FairCompetitionReview(_) => {
                Some(Step::CollectiveDecision)
            }
            EventBody::PartyReport => Some(Step::PartyReport),
            EventBody::Published(_) => Some(Step::Publication),
            EventBody::Archived => Some(Step::Archiving),
            EventBody::Waived(w) => Some(w.step),
            EventBody::Opened
            | EventBody::Draft(_)
            | EventBody::Override(_)
            | EventBody::Voided(_) => None,
        }
    }

    /// Whether this event moves the case forward (a gate), rather than recording evidence.
    pub fn is_gate(&self) -> bool {
        matches!(
            self,
            EventBody::ReviewSubmitted(_)
                | EventBody::ReviewSigned(_)
                | EventBody::CollectiveDecision(_)
                | EventBody::PartyReport
                | EventBody::Published(_)
                | EventBody::Archived
        )
    }
}

/// One event of a case's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// When it happened, with its offset: what the rules judge.
    pub at: DateTime<FixedOffset>,
    /// When it was entered (`juece-cases/2`): set by live use from the clock, never by the user;
    /// absent on events imported from before.
    pub recorded_at: Option<DateTime<FixedOffset>>,
    /// Who recorded or performed it.
    pub actor: String,
    /// In which role.
    pub role: Role,
    /// What happened.
    pub body: EventBody,
}

impl Event {
    /// The date used by working-day and deadline rules: the evidence date where the event has one
    /// (the meeting date), else the calendar date of `at` in its own offset.
    pub fn date(&self) -> NaiveDate {
        match &self.body {
            EventBody::CollectiveDecision(d) => d.meeting.date,
            _ => self.at.date_naive(),
        }
    }

    /// The event as a `juece-cases/1` JSON object, fields in the frozen order.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::from(self.body.type_name()));
        map.insert(
            "at".into(),
            Value::from(self.at.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
        );
        if let Some(recorded_at) = self.recorded_at {
            map.insert(
                "recorded_at".into(),
                Value::from(recorded_at.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
            );
        }
        map.insert("actor".into(), Value::from(self.actor.clone()));
        map.insert("role".into(), Value::from(self.role.as_str()));
        let fields = match &self.body {
            EventBody::Opened | EventBody::PartyReport | EventBody::Archived => Value::Null,
            EventBody::Draft(x) => to_value(x),
            EventBody::PublicParticipation(x) => to_value(x),
            EventBody::ExpertReview(x) => to_value(x),
            EventBody::RiskAssessment(x) => to_value(x),
            EventBody::ReviewSubmitted(x) => to_value(x),
            EventBody::ReviewSigned(x) => to_value(x),
            EventBody::Waived(x) => to_value(x),
            EventBody::CollectiveDecision(x) => to_value(x),
            EventBody::Published(x) => to_value(x),
            EventBody::Override(x) => to_value(x),
            EventBody::FairCompetitionReview(x) => to_value(x),
            EventBody::Voided(x) => to_value(x),
        };
        if let Value::Object(fields) = fields {
            map.extend(fields);
        }
        Value::Object(map)
    }
}

fn to_value<T: Serialize>(x: &T) -> Value {
    // Serializing these plain structs cannot fail: no maps with non-string keys, no floats.
    serde_json::to_value(x).unwrap_or(Value::Null)
}

/// A problem with one field of an event, before the case is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field path inside the event, e.g. `comment_period.end`; empty for the whole event.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Which of the common fields the caller supplies rather than the event object.
#[derive(Debug, Clone, Default)]
pub struct Supplied {
    /// Actor and role from the command line (`--as`), which the object must then not carry.
    pub actor: Option<(String, Role)>,
    /// The time to use when the object has no `at`.
    pub default_at: Option<DateTime<FixedOffset>>,
    /// Live use: `recorded_at` comes from the clock, so the object must not carry it.
    pub recorded_at: Option<DateTime<FixedOffset>>,
}

/// Parses one event object of the vocabulary.
pub fn parse_event(value: &Value, supplied: &Supplied) -> Result<Event, FieldError> {
    parse_event_owned(value.clone(), supplied)
}

/// Parses one event object of the vocabulary, consuming it (no copy of its fields).
pub fn parse_event_owned(value: Value, supplied: &Supplied) -> Result<Event, FieldError> {
    let err = |field: &str, message: String| FieldError {
        field: field.to_owned(),
        message,
    };
    let mut obj = match value {
        Value::Object(obj) => obj,
        other => {
            return Err(err(
                "",
                format!("expected an event object, found {}", kind_of(&other)),
            ))
        }
    };
    let type_name = match obj.remove("type") {
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(err(
                "type",
                format!("expected a string, found {}", kind_of(&other)),
            ))
        }
        None => return Err(err("type", "missing field `type`".into())),
    };
    let at = match obj.remove("at") {
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(&s).map_err(|e| {
            err(
                "at",
                format!("`{s}` is not an RFC 3339 time with offset ({e}), e.g. `2023-02-01T09:00:00+08:00`"),
            )
        })?,
        Some(other) => return Err(err("at", format!("expected a string, found {}", kind_of(&other)))),
        None => match supplied.default_at {
            Some(at) => at,
            None => return Err(err("at", "missing field `at`".into())),
        },
    };
    let recorded_at = match (obj.remove("recorded_at"), supplied.recorded_at) {
        (Some(_), Some(_)) => {
            return Err(err(
                "recorded_at",
                "`recorded_at` is set by juece from the clock when the event is entered; remove it from the event file".into(),
            ))
        }
        (Some(Value::String(s)), None) => Some(DateTime::parse_from_rfc3339(&s).map_err(|e| {
            err(
                "recorded_at",
                format!("`{s}` is not an RFC 3339 time with offset ({e}), e.g. `2023-02-01T09:00:00+08:00`"),
            )
        })?),
        (Some(Value::Null), None) => None,
        (Some(other), None) => {
            return Err(err(
                "recorded_at",
                format!("expected a string, found {}", kind_of(&other)),
            ))
        }
        (None, clock) => clock,
    };
    let (actor, role) = match &supplied.actor {
        Some((actor, role)) => {
            for f in ["actor", "role"] {
                if obj.contains_key(f) {
                    return Err(err(
                        f,
                        format!("`{f}` comes from `--as`; remove it from the event file"),
                    ));
                }
            }
            (actor.clone(), *role)
        }
        None => {
            let actor = match obj.remove("actor") {
                Some(Value::String(s)) if !s.trim().is_empty() => s,
                Some(Value::String(_)) => return Err(err("actor", "must not be empty".into())),
                Some(other) => {
                    return Err(err(
                        "actor",
                        format!("expected a string, found {}", kind_of(&other)),
                    ))
                }
                None => return Err(err("actor", "missing field `actor`".into())),
            };
            let role: Role = match obj.remove("role") {
                Some(v) => serde_json::from_value(v).map_err(|e| err("role", e.to_string()))?,
                None => return Err(err("role", "missing field `role`".into())),
            };
            (actor, role)
        }
    };
    let mut track = serde_path_to_error::Track::new();
    let rest = serde_path_to_error::Deserializer::new(Value::Object(obj), &mut track);
    let body = match decode_body(&type_name, rest) {
        Ok(Some(body)) => body,
        Ok(None) => {
            let hint = crate::fuzzy::did_you_mean(&type_name, EVENT_TYPES)
                .map(|m| format!("; did you mean `{m}`?"))
                .unwrap_or_default();
            return Err(err(
                "type",
                format!("unknown event type `{type_name}`{hint}"),
            ));
        }
        Err(e) => return Err(field_error(&track.path().to_string(), e.to_string())),
    };
    check_body(&body, at)?;
    Ok(Event {
        at,
        recorded_at,
        actor,
        role,
        body,
    })
}

/// The type-specific fields of an event of type `type_name`, deserialized from `fields` (the
/// event object without `type`, `at`, `actor` and `role`); `None` for an unknown type. One
/// function for both parsers below, so that they cannot disagree on what a type holds.
fn decode_body<'de, D: serde::Deserializer<'de>>(
    type_name: &str,
    fields: D,
) -> Result<Option<EventBody>, D::Error> {
    Ok(Some(match type_name {
        "opened" => Empty::deserialize(fields).map(|_| EventBody::Opened)?,
        "draft" => EventBody::Draft(Draft::deserialize(fields)?),
        "public_participation" => {
            EventBody::PublicParticipation(PublicParticipation::deserialize(fields)?)
        }
        "expert_review" => EventBody::ExpertReview(ExpertReview::deserialize(fields)?),
        "risk_assessment" => EventBody::RiskAssessment(RiskAssessment::deserialize(fields)?),
        "legality_review_submitted" => {
            EventBody::ReviewSubmitted(ReviewSubmission::deserialize(fields)?)
        }
        "legality_review_signed" => EventBody::ReviewSigned(ReviewSignoff::deserialize(fields)?),
        "waived" => EventBody::Waived(Waiver::deserialize(fields)?),
        "collective_decision" => {
            EventBody::CollectiveDecision(CollectiveDecision::deserialize(fields)?)
        }
        "party_report" => Empty::deserialize(fields).map(|_| EventBody::PartyReport)?,
        "published" => EventBody::Published(Publication::deserialize(fields)?),
        "archived" => Empty::deserialize(fields).map(|_| EventBody::Archived)?,
        "override" => EventBody::Override(Override::deserialize(fields)?),
        "fair_competition_review" => {
            EventBody::FairCompetitionReview(FairCompetitionReview::deserialize(fields)?)
        }
        "voided" => EventBody::Voided(Voided::deserialize(fields)?),
        _ => return Ok(None),
    }))
}

/// What the types of an event's fields cannot say: the checks made once they are read.
fn check_body(body: &EventBody, at: DateTime<FixedOffset>) -> Result<(), FieldError> {
    let err = |field: &str, message: String| {
        Err(FieldError {
            field: field.to_owned(),
            message,
        })
    };
    match body {
        EventBody::Draft(d) => {
            if d.version.trim().is_empty() {
                return err("version", "must not be empty".into());
            }
            if d.sha256.len() != 64 || !d.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return err(
                    "sha256",
                    format!(
                        "`{}` is not 64 hexadecimal characters (a SHA-256 digest)",
                        d.sha256
                    ),
                );
            }
        }
        EventBody::PublicParticipation(p) => {
            if p.methods.is_empty() {
                return err("methods", "at least one method is needed".into());
            }
            if let Some(period) = p.comment_period {
                if period.end < period.start {
                    return err(
                        "comment_period.end",
                        format!("{} is before the start {}", period.end, period.start),
                    );
                }
            }
            if let (Some(r), Some(a)) = (p.opinions_received, p.opinions_adopted) {
                if a > r {
                    return err(
                        "opinions_adopted",
                        format!("{a} opinions adopted but only {r} received"),
                    );
                }
            }
        }
        EventBody::ExpertReview(r) => {
            if r.experts.is_empty() {
                return err("experts", "at least one expert is needed".into());
            }
        }
        EventBody::CollectiveDecision(d) => {
            if d.meeting.members_total == 0 {
                return err("meeting.members_total", "must be at least 1".into());
            }
            if d.meeting.members_present > d.meeting.members_total {
                return err(
                    "meeting.members_present",
                    format!(
                        "{} present is more than the {} members",
                        d.meeting.members_present, d.meeting.members_total
                    ),
                );
            }
            if d.meeting.date > at.date_naive() {
                return err(
                    "meeting.date",
                    format!(
                        "the meeting on {} is after the time it is recorded ({}); a meeting is recorded once held",
                        d.meeting.date,
                        at.date_naive()
                    ),
                );
            }
        }
        EventBody::Override(o) => {
            if o.justification.trim().is_empty() {
                return err("justification", "must not be empty".into());
            }
        }
        EventBody::Voided(v) => {
            if v.reason.trim().is_empty() {
                return err(
                    "reason",
                    "must not be empty: say why the event is voided".into(),
                );
            }
        }
        EventBody::FairCompetitionReview(r) => {
            if r.basis.trim().is_empty() {
                return err("basis", "must not be empty".into());
            }
        }
        EventBody::Opened
        | EventBody::RiskAssessment(_)
        | EventBody::ReviewSubmitted(_)
        | EventBody::ReviewSigned(_)
        | EventBody::Waived(_)
        | EventBody::PartyReport
        | EventBody::Published(_)
        | EventBody::Archived => {}
    }
    Ok(())
}

/// Parses one event object given as JSON text without building a JSON tree: the common case of
/// stored and imported events, about twice as fast. `None` whenever anything is not plainly
/// right (an error of any kind, a repeated or escaped key): the caller then parses the text with
/// [`parse_event_owned`], which says exactly what is wrong. Whenever this returns an event,
/// `parse_event_owned` returns the same one for the same text (tested on every fuzzing input and
/// on generated cases).
pub fn parse_event_fast(json: &str, supplied: &Supplied) -> Option<Event> {
    event_of_members(serde_json::from_str(json).ok()?, supplied)
}

/// The event of a stored leaf (`{"case":…,"event":{…},"header":…,"seq":…}`, canonical JSON),
/// read as [`parse_event_fast`] reads the event's own text, in one pass over the leaf: its
/// event's members are taken where they lie instead of the event being cut out first and read
/// again (a whole-database read parses 13 million of them at a million cases). `None` wherever
/// `parse_event_fast` of the leaf's event would give `None`, or the leaf is not plainly one.
pub fn parse_leaf_event_fast(leaf: &[u8]) -> Option<Event> {
    #[derive(Deserialize)]
    struct LeafEvent<'a> {
        #[serde(borrow)]
        event: Members<'a>,
    }
    let leaf: LeafEvent<'_> = serde_json::from_slice(leaf).ok()?;
    event_of_members(leaf.event, &Supplied::default())
}

fn event_of_members(Members(members): Members<'_>, supplied: &Supplied) -> Option<Event> {
    let (mut type_name, mut at, mut actor, mut role, mut recorded) = (None, None, None, None, None);
    let mut rest = Vec::with_capacity(members.len());
    for (key, value) in members {
        let slot = match key {
            "type" => &mut type_name,
            "at" => &mut at,
            "actor" => &mut actor,
            "role" => &mut role,
            "recorded_at" => &mut recorded,
            _ => {
                rest.push((key, value));
                continue;
            }
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    let type_name: String = serde_json::from_str(type_name?.get()).ok()?;
    let at = match at {
        Some(raw) => {
            let text: String = serde_json::from_str(raw.get()).ok()?;
            DateTime::parse_from_rfc3339(&text).ok()?
        }
        None => supplied.default_at?,
    };
    let recorded_at = match (recorded, supplied.recorded_at) {
        (Some(_), Some(_)) => return None,
        (Some(raw), None) => {
            let text: Option<String> = serde_json::from_str(raw.get()).ok()?;
            match text {
                Some(text) => Some(DateTime::parse_from_rfc3339(&text).ok()?),
                None => None,
            }
        }
        (None, clock) => clock,
    };
    let (actor, role) = match &supplied.actor {
        Some((name, role_given)) => {
            if actor.is_some() || role.is_some() {
                return None;
            }
            (name.clone(), *role_given)
        }
        None => {
            let actor: String = serde_json::from_str(actor?.get()).ok()?;
            if actor.trim().is_empty() {
                return None;
            }
            (actor, serde_json::from_str(role?.get()).ok()?)
        }
    };
    let fields = serde::de::value::MapDeserializer::<_, serde_json::Error>::new(rest.into_iter());
    let body = decode_body(&type_name, fields).ok()??;
    check_body(&body, at).ok()?;
    Some(Event {
        at,
        recorded_at,
        actor,
        role,
        body,
    })
}

/// The members of a JSON object, in order, their values unparsed (keys without escapes only).
pub(crate) struct Members<'a>(pub(crate) Vec<(&'a str, &'a serde_json::value::RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members<'a>, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// Deserializes the type-specific fields, reporting the path of the field at fault.
pub(crate) fn fields<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        field_error(&path, e.into_inner().to_string())
    })
}

/// The error of the field at `path` (`.` for the object itself).
fn field_error(path: &str, message: String) -> FieldError {
    let field = if path == "." {
        // serde reports unknown and missing fields at the parent: name them from the message.
        field_in_message(&message).unwrap_or_default()
    } else {
        path.to_owned()
    };
    FieldError { field, message }
}

fn field_in_message(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))?;
    rest.split('`').next().map(str::to_owned)
}

/// A short name for the JSON kind of a value, for messages.
pub fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A case's identity and attributes (everything but its events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHeader {
    /// The case reference, e.g. `XX县政府〔2023〕重大决策3号`.
    pub case_ref: String,
    /// Title.
    pub title: String,
    /// 决策机关.
    pub organ: String,
    /// 决策承办单位.
    pub undertaking_unit: String,
    /// Category (Art. 3).
    pub category: Category,
    /// The profile, as written (`id` or `id@version`).
    pub workflow: String,
    /// Attributes.
    pub attributes: Attributes,
    /// The entry of the organ's decision catalogue (决策事项目录) the case implements, if any
    /// (`juece-cases/2`, the `catalogue` header field).
    pub catalogue: Option<CatalogueRef>,
}

/// A link from a case to an item of a decision catalogue (`juece-catalogue/1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueRef {
    /// The organ whose catalogue it is.
    pub organ: String,
    /// The catalogue's year.
    pub year: i32,
    /// The item's id.
    pub item: String,
}

/// A case: its header and its history in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Identity and attributes.
    pub header: CaseHeader,
    /// The history.
    pub events: Vec<Event>,
}
