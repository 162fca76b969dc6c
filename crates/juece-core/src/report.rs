//! The annual report `juece-report/1` (report.md): the numbers of the major-decision section of
//! a 法治政府建设年度报告, as a pure function of the evaluations of the cases, the catalogues and
//! the as-of date.
//!
//! It is a view of the one evaluator, never a second set of rules: every count is either a count
//! of the evaluator's findings and step states, or a plain fact of the evidence the evaluator
//! judged (opinions received, meeting kind). The only computation of its own is the timeliness
//! of publication and archiving, which uses the profile's deadlines exactly as the
//! `NOT_PUBLISHED` and `NOT_ARCHIVED` rules do.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::catalogue::{catalogue_findings, item_states, CaseFacts, Catalogue, ItemState};
use crate::evaluate::{Evaluation, StepState};
use crate::event::{Case, CatalogueRef, EventBody};
use crate::finding::Finding;
use crate::ids::{Category, Conclusion, MeetingKind, Outcome, ParticipationMethod, Severity, Step};
use crate::profile::Profile;

/// The report format.
pub const REPORT_FORMAT: &str = "juece-report/1";

/// `juece-report/1`. Field order is the order of report.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always `juece-report/1`.
    pub format: String,
    /// The year reported on.
    pub year: i32,
    /// The organ, or null for every organ of the database (or a merged report).
    pub organ: Option<String>,
    /// A merged report only: the organs of the reports it adds up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organs: Option<Vec<String>>,
    /// The date the audit was taken as of.
    pub as_of: NaiveDate,
    /// Decisions of the year.
    pub decisions: Decisions,
    /// The five procedures.
    pub procedures: Procedures,
    /// Legality review.
    pub legality_review: LegalityReview,
    /// Public participation.
    pub public_participation: Participation,
    /// Meetings.
    pub meetings: Meetings,
    /// After the decision.
    pub after_decision: AfterDecision,
    /// The catalogue, null where no organ reported on has one for the year.
    pub catalogue: Option<CatalogueCounts>,
    /// One entry per (code, article).
    pub findings: Vec<FindingCount>,
    /// `GUARD_OVERRIDDEN` findings.
    pub overrides: u64,
    /// `BACKFILLED` findings.
    pub backfilled: u64,
    /// `VOIDED_EVENT` findings.
    pub voided: u64,
}

/// Decisions of the year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decisions {
    /// How many.
    pub total: u64,
    /// By the head's decision.
    pub by_outcome: ByOutcome,
    /// By category.
    pub by_category: ByCategory,
}

/// Counts by outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ByOutcome {
    pub approve: u64,
    pub reject: u64,
    pub modify: u64,
    pub defer: u64,
    pub rediscuss: u64,
}

/// Counts by category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ByCategory {
    pub public_policy: u64,
    pub plan: u64,
    pub resources: u64,
    pub public_construction: u64,
    pub other: u64,
}

/// One procedure over the decisions that required it: required = done + waived + skipped + defective.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Partition {
    pub required: u64,
    pub done: u64,
    pub waived: u64,
    pub skipped: u64,
    pub defective: u64,
}

/// The five procedures of Decree 713.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Procedures {
    pub public_participation: Partition,
    pub expert_review: Partition,
    pub risk_assessment: Partition,
    pub legality_review: Partition,
    pub collective_decision: Partition,
}

impl Procedures {
    /// The five steps in order.
    pub const STEPS: [Step; 5] = [
        Step::PublicParticipation,
        Step::ExpertReview,
        Step::RiskAssessment,
        Step::LegalityReview,
        Step::CollectiveDecision,
    ];

    /// The partition of one of the five steps.
    pub fn get(&self, step: Step) -> Option<&Partition> {
        Some(match step {
            Step::PublicParticipation => &self.public_participation,
            Step::ExpertReview => &self.expert_review,
            Step::RiskAssessment => &self.risk_assessment,
            Step::LegalityReview => &self.legality_review,
            Step::CollectiveDecision => &self.collective_decision,
            _ => return None,
        })
    }

    fn get_mut(&mut self, step: Step) -> Option<&mut Partition> {
        Some(match step {
            Step::PublicParticipation => &mut self.public_participation,
            Step::ExpertReview => &mut self.expert_review,
            Step::RiskAssessment => &mut self.risk_assessment,
            Step::LegalityReview => &mut self.legality_review,
            Step::CollectiveDecision => &mut self.collective_decision,
            _ => return None,
        })
    }
}

/// Legality review.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalityReview {
    /// Decisions with a sign-off before their latest meeting ÷ decisions (null without decisions).
    pub coverage: Option<f64>,
    /// The conclusion of that sign-off.
    pub conclusions: Conclusions,
    /// Decisions with `SHORT_REVIEW_WINDOW`.
    pub short_window: u64,
    /// Decisions with `SHORTENED_REVIEW_WINDOW`.
    pub shortened_window: u64,
}

/// Counts by conclusion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Conclusions {
    pub lawful: u64,
    pub lawful_with_changes: u64,
    pub unlawful: u64,
    pub exploratory: u64,
}

/// Public participation, over the judged evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participation {
    /// Judged public participation events.
    pub rounds: u64,
    /// Opinions received, summed.
    pub opinions_received: u64,
    /// Opinions adopted, summed.
    pub opinions_adopted: u64,
    /// Rounds with a hearing.
    pub hearings: u64,
    /// `SHORTENED_COMMENT_PERIOD` findings.
    pub shortened: u64,
}

/// The latest meeting of each decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Meetings {
    pub executive: u64,
    pub plenary: u64,
    pub other: u64,
    pub head_differs: u64,
    pub head_differs_unexplained: u64,
}

/// After the decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AfterDecision {
    pub party_reports: u64,
    pub published: u64,
    pub published_late: u64,
    pub unpublished: u64,
    pub archived: u64,
    pub archived_late: u64,
    pub unarchived: u64,
}

/// The catalogue: items = decided + open + removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CatalogueCounts {
    pub items: u64,
    pub decided: u64,
    pub open: u64,
    pub removed: u64,
    pub not_in_catalogue: u64,
}

/// One finding code (with one article) and how often it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingCount {
    /// The code.
    pub code: String,
    /// Its severity.
    pub severity: Severity,
    /// The article, `第十九条`.
    pub article: String,
    /// How many findings.
    pub count: u64,
}

/// A decision of the year with a violation, for the list under the tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    /// The case reference.
    pub case_ref: String,
    /// Title.
    pub title: String,
    /// Organ.
    pub organ: String,
    /// The codes of its violations, in finding order, each once.
    pub codes: Vec<String>,
}

/// A case linked to a catalogue item: its organ, the link and its latest decision.
type LinkedCase = (String, CatalogueRef, Option<(Outcome, NaiveDate)>);

/// Builds a report one case at a time (a large database is never held at once).
pub struct Builder<'a> {
    year: i32,
    organ: Option<String>,
    as_of: NaiveDate,
    calendar: &'a Calendar,
    report: Report,
    covered: u64,
    findings: BTreeMap<(String, String), (Severity, u64)>,
    /// Headers and latest decisions of every evaluated case, for the catalogue's item states.
    facts: Vec<LinkedCase>,
    lines: Vec<CaseLine>,
}

impl<'a> Builder<'a> {
    /// A report on `year` (of `organ`, if given) as of `as_of`.
    pub fn new(year: i32, organ: Option<&str>, as_of: NaiveDate, calendar: &'a Calendar) -> Self {
        Builder {
            year,
            organ: organ.map(crate::text::organ_key),
            as_of,
            calendar,
            report: empty(year, organ.map(crate::text::organ_key), as_of),
            covered: 0,
            findings: BTreeMap::new(),
            facts: Vec::new(),
            lines: Vec::new(),
        }
    }

    fn of_organ(&self, organ: &str) -> bool {
        organ_matches(self.organ.as_deref(), organ)
    }

    /// Adds one evaluated case. `findings` are its findings as the audit lists them: the
    /// evaluator's plus `NOT_IN_CATALOGUE` where [`crate::catalogue::not_in_catalogue`] gives it.
    pub fn add(&mut self, profile: &Profile, case: &Case, eval: &Evaluation, findings: &[Finding]) {
        let header = &case.header;
        if let Some(link) = &header.catalogue {
            self.facts
                .push((header.organ.clone(), link.clone(), eval.latest_decision));
        }
        let Some((outcome, decided)) = eval.latest_decision else {
            return;
        };
        if decided.year() != self.year || !self.of_organ(&header.organ) {
            return;
        }
        let r = &mut self.report;
        let has = |code: &str| findings.iter().any(|f| f.code.as_str() == code);
        let count = |code: &str| findings.iter().filter(|f| f.code.as_str() == code).count() as u64;

        // Decisions.
        r.decisions.total += 1;
        let o = &mut r.decisions.by_outcome;
        *match outcome {
            Outcome::Approve => &mut o.approve,
            Outcome::Reject => &mut o.reject,
            Outcome::Modify => &mut o.modify,
            Outcome::Defer => &mut o.defer,
            Outcome::Rediscuss => &mut o.rediscuss,
        } += 1;
        let c = &mut r.decisions.by_category;
        *match header.category {
            Category::PublicPolicy => &mut c.public_policy,
            Category::Plan => &mut c.plan,
            Category::Resources => &mut c.resources,
            Category::PublicConstruction => &mut c.public_construction,
            Category::Other => &mut c.other,
        } += 1;

        // The five procedures: skipped, else waived, else defective, else done.
        for step in Procedures::STEPS {
            let Some(report) = eval.step(step) else {
                continue;
            };
            if !report.required {
                continue;
            }
            let Some(p) = r.procedures.get_mut(step) else {
                continue;
            };
            p.required += 1;
            let on_step = |f: &&Finding| f.step == Some(step);
            if findings
                .iter()
                .filter(on_step)
                .any(|f| f.code.as_str() == "SKIPPED_STEP")
            {
                p.skipped += 1;
            } else if report.state == StepState::Waived {
                p.waived += 1;
            } else if findings
                .iter()
                .filter(on_step)
                .any(|f| f.severity() == Severity::Violation)
            {
                p.defective += 1;
            } else {
                p.done += 1;
            }
        }

        // Legality review: the latest sign-off before the latest meeting.
        if let Some(g) = eval.signoff_at_decision {
            self.covered += 1;
            if let Some(EventBody::ReviewSigned(sig)) = case.events.get(g).map(|e| &e.body) {
                let k = &mut r.legality_review.conclusions;
                *match sig.conclusion {
                    Conclusion::Lawful => &mut k.lawful,
                    Conclusion::LawfulWithChanges => &mut k.lawful_with_changes,
                    Conclusion::Unlawful => &mut k.unlawful,
                    Conclusion::Exploratory => &mut k.exploratory,
                } += 1;
            }
        }
        r.legality_review.short_window += u64::from(has("SHORT_REVIEW_WINDOW"));
        r.legality_review.shortened_window += u64::from(has("SHORTENED_REVIEW_WINDOW"));

        // Public participation over the judged evidence.
        for &e in &eval.judged_evidence {
            if let Some(EventBody::PublicParticipation(pp)) = case.events.get(e).map(|e| &e.body) {
                let p = &mut r.public_participation;
                p.rounds += 1;
                p.opinions_received += pp.opinions_received.unwrap_or(0);
                p.opinions_adopted += pp.opinions_adopted.unwrap_or(0);
                p.hearings += u64::from(
                    pp.hearing.is_some() || pp.methods.contains(&ParticipationMethod::Hearing),
                );
            }
        }
        r.public_participation.shortened += count("SHORTENED_COMMENT_PERIOD");

        // The latest meeting.
        if let Some(EventBody::CollectiveDecision(d)) = eval
            .decision_event
            .and_then(|m| case.events.get(m))
            .map(|e| &e.body)
        {
            let m = &mut r.meetings;
            *match d.meeting.kind {
                MeetingKind::Executive => &mut m.executive,
                MeetingKind::Plenary => &mut m.plenary,
                _ => &mut m.other,
            } += 1;
            if d.head_decision != d.majority {
                m.head_differs += 1;
                if d.reason.as_deref().is_none_or(|x| x.trim().is_empty()) {
                    m.head_differs_unexplained += 1;
                }
            }
        }

        // After the decision.
        let a = &mut r.after_decision;
        let done = |step: Step| {
            eval.step(step)
                .filter(|s| s.state == StepState::Done)
                .and_then(|s| s.evidence)
                .and_then(|e| case.events.get(e))
                .map(|e| e.date())
        };
        if done(Step::PartyReport).is_some() {
            a.party_reports += 1;
        }
        let params = profile.parameters();
        if outcome == Outcome::Approve && !header.attributes.confidential {
            match done(Step::Publication) {
                None => a.unpublished += 1,
                Some(p) => {
                    let deadline = match params.publication_deadline_working_days {
                        Some(limit) => {
                            // A deadline past the last representable date never falls due.
                            self.calendar
                                .add_working_days(decided, limit)
                                .map(|d| d.value)
                        }
                        None => None,
                    };
                    if deadline.is_none_or(|d| p <= d) {
                        a.published += 1;
                    } else {
                        a.published_late += 1;
                    }
                }
            }
        }
        if matches!(outcome, Outcome::Approve | Outcome::Reject) {
            match done(Step::Archiving) {
                None => a.unarchived += 1,
                Some(x) => {
                    let late = params
                        .archiving_deadline_days
                        .is_some_and(|days| x > decided + Duration::days(i64::from(days)));
                    if late {
                        a.archived_late += 1;
                    } else {
                        a.archived += 1;
                    }
                }
            }
        }

        // Findings.
        for f in findings {
            let entry = self
                .findings
                .entry((f.code.as_str().to_owned(), f.article.clone()))
                .or_insert((f.severity(), 0));
            entry.1 += 1;
        }
        r.overrides += count("GUARD_OVERRIDDEN");
        r.backfilled += count("BACKFILLED");
        r.voided += count("VOIDED_EVENT");
        if has("NOT_IN_CATALOGUE") {
            r.catalogue
                .get_or_insert_with(CatalogueCounts::default)
                .not_in_catalogue += 1;
        }
        let mut codes: Vec<String> = Vec::new();
        for f in findings
            .iter()
            .filter(|f| f.severity() == Severity::Violation)
        {
            if !codes.iter().any(|c| c == f.code.as_str()) {
                codes.push(f.code.as_str().to_owned());
            }
        }
        if !codes.is_empty() {
            self.lines.push(CaseLine {
                case_ref: header.case_ref.clone(),
                title: header.title.clone(),
                organ: header.organ.clone(),
                codes,
            });
        }
    }

    /// The report, with the catalogues of the year (of the organ, if given) and their findings.
    /// `catalogues` are the latest stored versions.
    pub fn finish(mut self, catalogues: &[&Catalogue]) -> (Report, Vec<CaseLine>) {
        let facts: Vec<CaseFacts<'_>> = self
            .facts
            .iter()
            .map(|(organ, link, decision)| CaseFacts {
                organ,
                link: Some(link),
                decision: *decision,
            })
            .collect();
        let mut any = false;
        let mut counts = self.report.catalogue.take().unwrap_or_default();
        for cat in catalogues
            .iter()
            .filter(|c| c.year == self.year && organ_matches(self.organ.as_deref(), &c.organ))
        {
            any = true;
            for (_, state) in item_states(cat, &facts, self.as_of) {
                counts.items += 1;
                *match state {
                    ItemState::Decided => &mut counts.decided,
                    ItemState::Open => &mut counts.open,
                    ItemState::Removed => &mut counts.removed,
                } += 1;
            }
            for f in catalogue_findings(cat, &facts, self.as_of) {
                let entry = self
                    .findings
                    .entry((
                        f.finding.code.as_str().to_owned(),
                        f.finding.article.clone(),
                    ))
                    .or_insert((f.finding.severity(), 0));
                entry.1 += 1;
            }
        }
        // A decision can only carry NOT_IN_CATALOGUE where its organ has a catalogue.
        self.report.catalogue = (any || counts.not_in_catalogue > 0).then_some(counts);
        let total = self.report.decisions.total;
        self.report.legality_review.coverage =
            (total > 0).then(|| self.covered as f64 / total as f64);
        self.report.findings = finding_list(self.findings);
        (self.report, self.lines)
    }
}

fn finding_list(map: BTreeMap<(String, String), (Severity, u64)>) -> Vec<FindingCount> {
    map.into_iter()
        .filter(|(_, (_, n))| *n > 0)
        .map(|((code, article), (severity, count))| FindingCount {
            code,
            severity,
            article,
            count,
        })
        .collect()
}

/// Whether `organ` is the report's organ (`key`, already an [`crate::text::organ_key`]; `None`:
/// every organ), compared as organs are everywhere: a stray space or a full-width letter on
/// either side is the same organ.
fn organ_matches(key: Option<&str>, organ: &str) -> bool {
    key.is_none_or(|k| k == crate::text::organ_key(organ))
}

fn empty(year: i32, organ: Option<String>, as_of: NaiveDate) -> Report {
    Report {
        format: REPORT_FORMAT.to_owned(),
        year,
        organ,
        organs: None,
        as_of,
        decisions: Decisions::default(),
        procedures: Procedures::default(),
        legality_review: LegalityReview::default(),
        public_participation: Participation::default(),
        meetings: Meetings::default(),
        after_decision: AfterDecision::default(),
        catalogue: None,
        findings: Vec::new(),
        overrides: 0,
        backfilled: 0,
        voided: 0,
    }
}

/// The default as-of date of a report on `year`: 31 December, or `today` if earlier.
pub fn default_as_of(year: i32, today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31)
        .map(|end| end.min(today))
        .unwrap_or(today)
}

/// Why reports cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no report to merge")]
    Empty,
    /// Two reports of different years.
    #[error("report {index} is of {found}, the first is of {expected}: a province report adds up one year")]
    Year {
        /// 0-based position.
        index: usize,
        /// The first report's year.
        expected: i32,
        /// This one's.
        found: i32,
    },
    /// The same organ twice: it would be counted twice.
    #[error("organ `{0}` is in two of the reports; it would be counted twice")]
    SameOrgan(String),
}

/// Adds up reports of the same year into one (a province collecting its counties'). The result
/// has `organ` null and `organs` listing the organs of the inputs (an input's `organ`, or its own
/// `organs` when it is itself a merge), in the order given; `as_of` is the latest of the inputs;
/// coverage is recomputed from the added-up numbers; `catalogue` is null only where every input's
/// is.
pub fn merge(reports: &[Report]) -> Result<Report, MergeError> {
    let first = reports.first().ok_or(MergeError::Empty)?;
    let mut out = empty(first.year, None, first.as_of);
    let mut organs: Vec<String> = Vec::new();
    let mut covered = 0.0;
    let mut findings: BTreeMap<(String, String), (Severity, u64)> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        if r.year != first.year {
            return Err(MergeError::Year {
                index: i,
                expected: first.year,
                found: r.year,
            });
        }
        let named: Vec<String> = match (&r.organ, &r.organs) {
            (Some(o), _) => vec![o.clone()],
            (None, Some(list)) => list.clone(),
            (None, None) => Vec::new(),
        };
        for o in named {
            if organs.contains(&o) {
                return Err(MergeError::SameOrgan(o));
            }
            organs.push(o);
        }
        out.as_of = out.as_of.max(r.as_of);
        add_into(&mut out, r);
        covered += r.legality_review.coverage.unwrap_or(0.0) * r.decisions.total as f64;
        for f in &r.findings {
            let e = findings
                .entry((f.code.clone(), f.article.clone()))
                .or_insert((f.severity, 0));
            e.1 += f.count;
        }
    }
    let total = out.decisions.total;
    out.legality_review.coverage = (total > 0).then(|| (covered.round()) / total as f64);
    out.findings = finding_list(findings);
    out.organs = Some(organs);
    Ok(out)
}

fn add_into(out: &mut Report, r: &Report) {
    let d = &mut out.decisions;
    d.total += r.decisions.total;
    let (a, b) = (&mut d.by_outcome, &r.decisions.by_outcome);
    a.approve += b.approve;
    a.reject += b.reject;
    a.modify += b.modify;
    a.defer += b.defer;
    a.rediscuss += b.rediscuss;
    let (a, b) = (&mut d.by_category, &r.decisions.by_category);
    a.public_policy += b.public_policy;
    a.plan += b.plan;
    a.resources += b.resources;
    a.public_construction += b.public_construction;
    a.other += b.other;
    for step in Procedures::STEPS {
        if let (Some(a), Some(b)) = (out.procedures.get_mut(step), r.procedures.get(step)) {
            a.required += b.required;
            a.done += b.done;
            a.waived += b.waived;
            a.skipped += b.skipped;
            a.defective += b.defective;
        }
    }
    let (a, b) = (&mut out.legality_review, &r.legality_review);
    a.conclusions.lawful += b.conclusions.lawful;
    a.conclusions.lawful_with_changes += b.conclusions.lawful_with_changes;
    a.conclusions.unlawful += b.conclusions.unlawful;
    a.conclusions.exploratory += b.conclusions.exploratory;
    a.short_window += b.short_window;
    a.shortened_window += b.shortened_window;
    let (a, b) = (&mut out.public_participation, &r.public_participation);
    a.rounds += b.rounds;
    a.opinions_received += b.opinions_received;
    a.opinions_adopted += b.opinions_adopted;
    a.hearings += b.hearings;
    a.shortened += b.shortened;
    let (a, b) = (&mut out.meetings, &r.meetings);
    a.executive += b.executive;
    a.plenary += b.plenary;
    a.other += b.other;
    a.head_differs += b.head_differs;
    a.head_differs_unexplained += b.head_differs_unexplained;
    let (a, b) = (&mut out.after_decision, &r.after_decision);
    a.party_reports += b.party_reports;
    a.published += b.published;
    a.published_late += b.published_late;
    a.unpublished += b.unpublished;
    a.archived += b.archived;
    a.archived_late += b.archived_late;
    a.unarchived += b.unarchived;
    if let Some(b) = &r.catalogue {
        let a = out.catalogue.get_or_insert_with(CatalogueCounts::default);
        a.items += b.items;
        a.decided += b.decided;
        a.open += b.open;
        a.removed += b.removed;
        a.not_in_catalogue += b.not_in_catalogue;
    }
    out.overrides += r.overrides;
    out.backfilled += r.backfilled;
    out.voided += r.voided;
}

/// Parses a `juece-report/1` document (for merging): unknown fields are refused.
pub fn parse_report(text: &str) -> Result<Report, String> {
    let r: Report = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if r.format != REPORT_FORMAT {
        return Err(format!(
            "unsupported format `{}`; this version reads `{REPORT_FORMAT}`",
            r.format
        ));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{builtin, casefile};

    fn example_report(as_of: &str) -> (Report, Vec<CaseLine>) {
        let profiles = builtin::profiles().unwrap();
        let calendar = builtin::calendar().unwrap();
        let cases = casefile::parse_cases(builtin::EXAMPLE_CASES).unwrap();
        let as_of: NaiveDate = as_of.parse().unwrap();
        let mut b = Builder::new(2023, None, as_of, &calendar);
        for case in &cases {
            let profile = profiles.resolve(&case.header.workflow).unwrap();
            let eval = crate::evaluate::evaluate(profile, &calendar, case, as_of).unwrap();
            b.add(profile, case, &eval, &eval.findings);
        }
        b.finish(&[])
    }

    #[test]
    fn the_examples_add_up() {
        let (r, _) = example_report("2023-12-31");
        assert_eq!(r.decisions.total, 3);
        for step in Procedures::STEPS {
            let p = r.procedures.get(step).unwrap();
            assert_eq!(
                p.required,
                p.done + p.waived + p.skipped + p.defective,
                "{step}"
            );
        }
        assert_eq!(r.procedures.collective_decision.required, 3);
        assert!(r.catalogue.is_none());
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.starts_with(r#"{"format":"juece-report/1","year":2023,"organ":null,"as_of":"2023-12-31","decisions""#), "{json}");
        assert!(!json.contains("organs"));
        assert_eq!(parse_report(&json).unwrap(), r);
    }

    #[test]
    fn merge_adds_up_and_refuses_other_years() {
        let (mut a, _) = example_report("2023-12-31");
        a.organ = Some("甲县人民政府".into());
        let mut b = a.clone();
        b.organ = Some("乙县人民政府".into());
        let m = merge(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(m.decisions.total, 2 * a.decisions.total);
        assert_eq!(m.organ, None);
        assert_eq!(
            m.organs.as_deref(),
            Some(&["甲县人民政府".to_owned(), "乙县人民政府".to_owned()][..])
        );
        assert_eq!(m.legality_review.coverage, a.legality_review.coverage);
        for (x, y) in m.findings.iter().zip(&a.findings) {
            assert_eq!(x.count, 2 * y.count);
        }
        assert_eq!(
            merge(&[a.clone(), a.clone()]),
            Err(MergeError::SameOrgan("甲县人民政府".into()))
        );
        b.year = 2024;
        assert!(matches!(
            merge(&[a, b]),
            Err(MergeError::Year { index: 1, .. })
        ));
        assert_eq!(merge(&[]), Err(MergeError::Empty));
    }

    #[test]
    fn default_as_of_is_year_end_or_today() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(default_as_of(2023, d("2026-11-28")), d("2023-12-31"));
        assert_eq!(default_as_of(2026, d("2026-11-28")), d("2026-11-28"));
    }
}
