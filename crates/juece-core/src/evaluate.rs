//! The rule evaluator: one fold over a case's history, as of a date, into step states, a status
//! and findings. The audit calls it on whole histories; the live check ([`crate::check`]) calls it
//! on the history with a proposed event appended, so the two can never disagree.
//!
//! Each finding code is produced by one small function below named after it (`rule_…`), which
//! cites its article: "where is the rule about X" is one search for the code.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{Duration, NaiveDate};

use crate::calendar::{years_text, Calendar};
use crate::event::{Case, Event, EventBody, Expert};
use crate::finding::{Code, Finding};
use crate::ids::{Conclusion, Outcome, ParticipationMethod, Severity, Status, Step};
use crate::profile::{Profile, Quorum};
use crate::Lang;

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Not required for this case (attributes, outcome).
    NotRequired,
    /// Required and not yet done.
    Pending,
    /// Done, and its latest evidence has no violation.
    Done,
    /// Done, but its latest evidence has a violation.
    Flawed,
    /// Validly waived.
    Waived,
    /// Only waived, and the waiver is not valid: the step counts as not done.
    ImproperlyWaived,
    /// Required, not done, and the case was decided without it.
    Skipped,
    /// Depends on the decision, which is not yet made (report, publication, archiving).
    AfterDecision,
}

impl StepState {
    /// The identifier used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::NotRequired => "not_required",
            StepState::Pending => "pending",
            StepState::Done => "done",
            StepState::Flawed => "flawed",
            StepState::Waived => "waived",
            StepState::ImproperlyWaived => "improperly_waived",
            StepState::Skipped => "skipped",
            StepState::AfterDecision => "after_decision",
        }
    }

    /// The label in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (StepState::NotRequired, Lang::Zh) => "不适用",
            (StepState::Pending, Lang::Zh) => "待办",
            (StepState::Done, Lang::Zh) => "已完成",
            (StepState::Flawed, Lang::Zh) => "有问题",
            (StepState::Waived, Lang::Zh) => "已免除",
            (StepState::ImproperlyWaived, Lang::Zh) => "免除不当",
            (StepState::Skipped, Lang::Zh) => "已跳过",
            (StepState::AfterDecision, Lang::Zh) => "待决定后办理",
            (StepState::NotRequired, Lang::En) => "not required",
            (StepState::Pending, Lang::En) => "pending",
            (StepState::Done, Lang::En) => "done",
            (StepState::Flawed, Lang::En) => "flawed",
            (StepState::Waived, Lang::En) => "waived",
            (StepState::ImproperlyWaived, Lang::En) => "improperly waived",
            (StepState::Skipped, Lang::En) => "skipped",
            (StepState::AfterDecision, Lang::En) => "after the decision",
        }
    }

    /// Whether a gate that depends on this step may pass (procedure.md: *satisfied*).
    pub fn is_satisfied(self) -> bool {
        matches!(
            self,
            StepState::NotRequired | StepState::Done | StepState::Waived
        )
    }
}

/// One step's state at the end of the evaluated history.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// The step.
    pub step: Step,
    /// Whether the case needs it.
    pub required: bool,
    /// Its state.
    pub state: StepState,
    /// The event that is its latest evidence (or waiver).
    pub evidence: Option<usize>,
    /// The violation codes of that evidence, when `state` is `Flawed` or `ImproperlyWaived`.
    pub problems: Vec<Code>,
}

/// The outcome of evaluating one case.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The furthest point reached.
    pub status: Status,
    /// Every finding, ordered by step (profile order) then code.
    pub findings: Vec<Finding>,
    /// Every step's state, in profile order.
    pub steps: Vec<StepReport>,
    /// How many events were dated on or before the as-of date.
    pub events_considered: usize,
    /// The current draft version.
    pub current_draft: Option<String>,
    /// The latest collective decision's outcome and meeting date.
    pub latest_decision: Option<(Outcome, NaiveDate)>,
    /// The indices of the events the rules leave out because a `voided` event voids them.
    pub voided: BTreeSet<usize>,
    /// The years whose working days were estimated for a finding or a pending deadline (the
    /// `CALENDAR_ESTIMATED` finding names them); empty when every count was exact.
    pub estimated_years: BTreeSet<i32>,
    /// The event index of that latest collective decision.
    pub decision_event: Option<usize>,
    /// The latest legality sign-off before that decision (the one the meeting relied on).
    pub signoff_at_decision: Option<usize>,
    /// The fact-finding evidence events the rules judged (ascending event indices).
    pub judged_evidence: Vec<usize>,
}

impl Evaluation {
    /// The report for one step.
    pub fn step(&self, step: Step) -> Option<&StepReport> {
        self.steps.iter().find(|s| s.step == step)
    }

    /// Whether any finding is a violation.
    pub fn has_violation(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity() == Severity::Violation)
    }
}

/// Evaluates `case` against `profile` as of `as_of`. Events whose `at` falls after `as_of` are
/// left out (`recorded_at` plays no part in the cut); `None` when the case was opened after it.
/// It never fails: a day no official calendar covers is estimated, and the findings say so.
pub fn evaluate(
    profile: &Profile,
    calendar: &Calendar,
    case: &Case,
    as_of: NaiveDate,
) -> Option<Evaluation> {
    match case.events.first() {
        Some(opened) if opened.at.date_naive() <= as_of => {}
        _ => return None,
    }
    let included: Vec<usize> = (0..case.events.len())
        .filter(|&i| case.events[i].at.date_naive() <= as_of)
        .collect();
    let voided = voided_events(case, &included);
    let kept: Vec<usize> = included
        .iter()
        .copied()
        .filter(|i| !voided.contains(i))
        .collect();
    let mut ctx = Ctx {
        profile,
        calendar,
        case,
        as_of,
        findings: Vec::new(),
        by_kind: Kinds::collect(case, &kept),
        voided: voided.clone(),
        estimated_years: BTreeSet::new(),
        judged: Vec::new(),
    };
    ctx.run();
    let steps = ctx.step_reports();
    let k = &ctx.by_kind;
    let latest_decision = k.meetings.last().map(|&m| {
        let d = decision(&case.events[m]);
        (d.0, case.events[m].date())
    });
    let current_draft = k
        .drafts
        .last()
        .map(|&d| draft_version(&case.events[d]).to_owned());
    let status = status_of(case, k);
    let estimated_years = ctx.estimated_years;
    let decision_event = k.meetings.last().copied();
    let signoff_at_decision = decision_event.and_then(|m| latest_before(&k.signoffs, m));
    let judged_evidence = std::mem::take(&mut ctx.judged);
    let mut findings = ctx.findings;
    findings.sort_by(|a, b| {
        let sa = a.step.map(|s| profile.order_of(s)).unwrap_or(usize::MAX);
        let sb = b.step.map(|s| profile.order_of(s)).unwrap_or(usize::MAX);
        sa.cmp(&sb).then(a.code.as_str().cmp(b.code.as_str()))
    });
    Some(Evaluation {
        status,
        findings,
        steps,
        events_considered: included.len(),
        current_draft,
        latest_decision,
        voided,
        estimated_years,
        decision_event,
        signoff_at_decision,
        judged_evidence,
    })
}

/// The events voided by a `voided` event among `included` (the indices of the events taken
/// into account, ascending). A `voided` event that is itself voided voids nothing; its target
/// is earlier, so one pass from the end settles every chain. The `opened` event is never left
/// out: the case exists from it.
pub fn voided_events(case: &Case, included: &[usize]) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for &i in included.iter().rev() {
        if out.contains(&i) {
            continue;
        }
        if let EventBody::Voided(v) = &case.events[i].body {
            if let Ok(target) = usize::try_from(v.event) {
                if target > 0 && target < i {
                    out.insert(target);
                }
            }
        }
    }
    out
}

/// The included events' indices, by kind, in time order.
#[derive(Default)]
struct Kinds {
    drafts: Vec<usize>,
    evidence: HashMap<Step, Vec<usize>>,
    waivers: Vec<usize>,
    submissions: Vec<usize>,
    signoffs: Vec<usize>,
    meetings: Vec<usize>,
    party_reports: Vec<usize>,
    publications: Vec<usize>,
    archives: Vec<usize>,
    overrides: Vec<usize>,
    fair_competition: Vec<usize>,
    voids: Vec<usize>,
}

impl Kinds {
    fn collect(case: &Case, included: &[usize]) -> Kinds {
        let mut k = Kinds::default();
        for &i in included {
            match &case.events[i].body {
                EventBody::Opened => {}
                EventBody::Draft(_) => k.drafts.push(i),
                EventBody::PublicParticipation(_) => k
                    .evidence
                    .entry(Step::PublicParticipation)
                    .or_default()
                    .push(i),
                EventBody::ExpertReview(_) => {
                    k.evidence.entry(Step::ExpertReview).or_default().push(i)
                }
                EventBody::RiskAssessment(_) => {
                    k.evidence.entry(Step::RiskAssessment).or_default().push(i)
                }
                EventBody::ReviewSubmitted(_) => k.submissions.push(i),
                EventBody::ReviewSigned(_) => k.signoffs.push(i),
                EventBody::Waived(_) => k.waivers.push(i),
                EventBody::CollectiveDecision(_) => k.meetings.push(i),
                EventBody::PartyReport => k.party_reports.push(i),
                EventBody::Published(_) => k.publications.push(i),
                EventBody::Archived => k.archives.push(i),
                EventBody::Override(_) => k.overrides.push(i),
                EventBody::FairCompetitionReview(_) => k.fair_competition.push(i),
                EventBody::Voided(_) => k.voids.push(i),
            }
        }
        k
    }

    fn evidence(&self, step: Step) -> &[usize] {
        self.evidence.get(&step).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The last index in `list` strictly before `before`.
fn latest_before(list: &[usize], before: usize) -> Option<usize> {
    list.iter().rev().copied().find(|&i| i < before)
}

fn decision(e: &Event) -> (Outcome, &crate::event::CollectiveDecision) {
    match &e.body {
        EventBody::CollectiveDecision(d) => (d.head_decision, d),
        // Only called on indices collected as meetings.
        _ => unreachable_decision(),
    }
}

#[expect(
    clippy::panic,
    reason = "an index collected as a meeting always holds a decision"
)]
fn unreachable_decision() -> ! {
    panic!("not a collective decision")
}

fn draft_version(e: &Event) -> &str {
    match &e.body {
        EventBody::Draft(d) => &d.version,
        EventBody::ReviewSubmitted(s) => &s.draft,
        EventBody::ReviewSigned(s) => &s.draft,
        _ => "",
    }
}

fn status_of(case: &Case, k: &Kinds) -> Status {
    if !k.archives.is_empty() {
        return Status::Archived;
    }
    if !k.publications.is_empty() {
        return Status::Published;
    }
    if let Some(&m) = k.meetings.last() {
        return match decision(&case.events[m]).0 {
            Outcome::Approve => Status::Decided,
            Outcome::Reject => Status::Rejected,
            Outcome::Defer => Status::Deferred,
            Outcome::Modify | Outcome::Rediscuss => Status::InReview,
        };
    }
    if !k.submissions.is_empty() {
        return Status::InReview;
    }
    Status::Open
}

struct Ctx<'a> {
    profile: &'a Profile,
    calendar: &'a Calendar,
    case: &'a Case,
    as_of: NaiveDate,
    findings: Vec<Finding>,
    by_kind: Kinds,
    voided: BTreeSet<usize>,
    estimated_years: BTreeSet<i32>,
    /// The judged fact-finding evidence, for [`Evaluation::judged_evidence`].
    judged: Vec<usize>,
}

/// Both languages of one message.
struct Msg {
    zh: String,
    en: String,
}

fn msg(zh: String, en: String) -> Msg {
    Msg { zh, en }
}

impl<'a> Ctx<'a> {
    fn ev(&self, i: usize) -> &'a Event {
        &self.case.events[i]
    }

    fn step_label(&self, step: Step) -> (String, String) {
        let r = self.profile.step(step);
        (r.label(Lang::Zh).to_owned(), r.label(Lang::En).to_owned())
    }

    fn push(&mut self, code: Code, step: Option<Step>, event: Option<usize>, m: Msg) {
        self.push_estimated(code, step, event, m, &BTreeSet::new());
    }

    /// A finding whose working-day count or deadline used the estimated days of `estimated`.
    fn push_estimated(
        &mut self,
        code: Code,
        step: Option<Step>,
        event: Option<usize>,
        m: Msg,
        estimated: &BTreeSet<i32>,
    ) {
        let article = match code.fixed_article() {
            "" => step
                .map(|s| self.profile.step(s).article().to_owned())
                .unwrap_or_default(),
            a => a.to_owned(),
        };
        self.estimated_years.extend(estimated);
        self.push_full(code, step, event, article, m, !estimated.is_empty());
    }

    fn push_with_article(
        &mut self,
        code: Code,
        step: Option<Step>,
        event: Option<usize>,
        article: String,
        m: Msg,
    ) {
        self.push_full(code, step, event, article, m, false);
    }

    fn push_full(
        &mut self,
        code: Code,
        step: Option<Step>,
        event: Option<usize>,
        article: String,
        m: Msg,
        estimated: bool,
    ) {
        let f = Finding {
            code,
            step,
            article,
            message_zh: m.zh,
            message_en: m.en,
            event,
            estimated,
        };
        // The same judgement reached from two meetings is one finding; every override is its own.
        let repeated = f.code != Code::GuardOverridden
            && self
                .findings
                .iter()
                .any(|g| g.code == f.code && g.step == f.step && g.message_en == f.message_en);
        if !repeated {
            self.findings.push(f);
        }
    }

    fn run(&mut self) {
        let k = &self.by_kind;
        let waivers = k.waivers.clone();
        let meetings = k.meetings.clone();
        let publications = k.publications.clone();
        let overrides = k.overrides.clone();

        for w in waivers {
            self.rule_waiver(w);
        }

        // Evidence judged (procedure.md, precise points): one per fact-finding step, the latest
        // before the latest approving or rejecting decision, else the latest as of the audit date.
        let mut judged_signoffs: BTreeSet<usize> = BTreeSet::new();
        for &m in &meetings {
            if let Some(g) = latest_before(&self.by_kind.signoffs, m) {
                judged_signoffs.insert(g);
            }
        }
        let judged: Vec<usize> = Step::FACT_FINDING
            .into_iter()
            .filter_map(|step| self.judged_evidence(step))
            .collect();
        if let Some(&g) = self.by_kind.signoffs.last() {
            judged_signoffs.insert(g);
        }
        self.judged = judged.clone();
        for e in judged {
            for (code, m) in self.judge_evidence(e) {
                let step = self.ev(e).body.step();
                self.push(code, step, Some(e), m);
            }
        }
        for g in judged_signoffs {
            self.rule_unauthorized_signer(g);
            self.rule_self_review(g);
        }

        for &m in &meetings {
            self.rule_skipped_step(m);
            self.rule_out_of_order(m);
            self.rules_on_review_at_meeting(m);
            self.rule_improper_meeting(m);
            self.rule_no_quorum(m);
            self.rule_unexplained_head_decision(m);
            self.rule_uncontrolled_risk(m);
            self.rule_fair_competition_review_missing(m);
            self.rule_deferred_too_long(m);
        }
        for p in publications {
            self.rule_no_party_report(p);
        }
        self.rule_not_published();
        self.rule_not_archived();
        for o in overrides {
            self.rule_guard_overridden(o);
        }
        self.rule_backfilled();
        self.rule_voided_event();
        self.rule_calendar_estimated();
    }

    /// The latest approving or rejecting collective decision: the one whose evidence is judged.
    fn decisive_meeting(&self) -> Option<usize> {
        self.by_kind
            .meetings
            .iter()
            .rev()
            .copied()
            .find(|&m| matches!(decision(self.ev(m)).0, Outcome::Approve | Outcome::Reject))
    }

    /// The evidence event judged for a fact-finding step: the latest recorded before the latest
    /// approving or rejecting decision, or, where there is none, the latest as of the audit date.
    fn judged_evidence(&self, step: Step) -> Option<usize> {
        let evidence = self.by_kind.evidence(step);
        match self.decisive_meeting() {
            Some(m) => latest_before(evidence, m),
            None => evidence.last().copied(),
        }
    }

    /// Whether the waiver event `w` is valid (procedure.md, "Waivers"). Publication is required
    /// only for an approved decision, judged against the latest decision before the waiver.
    fn waiver_valid(&self, w: usize) -> bool {
        match &self.ev(w).body {
            EventBody::Waived(x) => {
                if x.step == Step::Publication {
                    let approved_before = latest_before(&self.by_kind.meetings, w)
                        .is_some_and(|m| decision(self.ev(m)).0 == Outcome::Approve);
                    if !approved_before {
                        return true;
                    }
                }
                self.profile
                    .waiver_is_valid(x.step, x.reason, &self.case.header.attributes)
            }
            _ => false,
        }
    }

    /// `WAIVED_STEP` (info) and `IMPROPER_WAIVER` (violation; Art. 14, 25, 30 and the step's own).
    fn rule_waiver(&mut self, w: usize) {
        let EventBody::Waived(x) = &self.ev(w).body else {
            return;
        };
        let (zh, en) = self.step_label(x.step);
        let basis = x.basis.clone().unwrap_or_default();
        if self.waiver_valid(w) {
            self.push(
                Code::WaivedStep,
                Some(x.step),
                Some(w),
                msg(
                    format!(
                        "{zh}依法免除：理由 {}（{}），依据：{}",
                        x.reason.label(Lang::Zh),
                        x.reason,
                        or_dash(&basis)
                    ),
                    format!(
                        "{en} validly waived: reason {} ({}), basis: {}",
                        x.reason.label(Lang::En),
                        x.reason,
                        or_dash(&basis)
                    ),
                ),
            );
        } else {
            let (why_zh, why_en) = if x.step.never_waivable() {
                (
                    "该程序依法不得免除".to_owned(),
                    "this step may never be waived".to_owned(),
                )
            } else {
                (
                    format!(
                        "本流程不允许以“{}”为由免除本事项必须履行的该程序",
                        x.reason.label(Lang::Zh)
                    ),
                    format!(
                        "the workflow does not allow reason `{}` for this step on this case",
                        x.reason
                    ),
                )
            };
            self.push(
                Code::ImproperWaiver,
                Some(x.step),
                Some(w),
                msg(
                    format!("{zh}的免除不符合规定（{why_zh}），该程序仍视为未履行"),
                    format!(
                        "improper waiver of {en} ({why_en}); the step still counts as not done"
                    ),
                ),
            );
        }
    }

    /// The violations (and infos) of one fact-finding evidence event, by code.
    fn judge_evidence(&self, e: usize) -> Vec<(Code, Msg)> {
        let p = self.profile.parameters();
        let attrs = &self.case.header.attributes;
        let mut out = Vec::new();
        match &self.ev(e).body {
            EventBody::PublicParticipation(pp) => {
                // SHORT_COMMENT_PERIOD / SHORTENED_COMMENT_PERIOD (Art. 15): inclusive calendar days.
                let public_comment = pp.methods.contains(&ParticipationMethod::PublicComment);
                let reason = pp
                    .shortened_reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty());
                match pp.comment_period {
                    Some(period) => {
                        let days = period.days_inclusive();
                        if days < i64::from(p.min_comment_days) {
                            let span = format!("{} – {}", period.start, period.end);
                            match reason {
                                Some(r) => out.push((
                                    Code::ShortenedCommentPeriod,
                                    msg(
                                        format!("公开征求意见期限 {days} 日（{span}），少于 {} 日，已记录缩短理由：{r}", p.min_comment_days),
                                        format!("public comment period of {days} days ({span}) is under {} days; shortening reason recorded: {r}", p.min_comment_days),
                                    ),
                                )),
                                None => out.push((
                                    Code::ShortCommentPeriod,
                                    msg(
                                        format!("公开征求意见期限 {days} 日（{span}），少于 {} 日，且未记录缩短理由", p.min_comment_days),
                                        format!("public comment period of {days} days ({span}) is under {} days and no shortening reason is recorded", p.min_comment_days),
                                    ),
                                )),
                            }
                        }
                    }
                    None if public_comment && reason.is_none() => out.push((
                        Code::ShortCommentPeriod,
                        msg(
                            "记录了公开征求意见，但未记录征求意见期限".to_owned(),
                            "public comment is recorded without its comment period".to_owned(),
                        ),
                    )),
                    None => {}
                }
                // HEARING_MISSING (Art. 16).
                if attrs.hearing_required
                    && pp.hearing.is_none()
                    && !pp.methods.contains(&ParticipationMethod::Hearing)
                {
                    out.push((
                        Code::HearingMissing,
                        msg(
                            "依法应当举行听证，但未记录听证会".to_owned(),
                            "a hearing is required by law but none is recorded".to_owned(),
                        ),
                    ));
                }
            }
            EventBody::ExpertReview(r) => {
                // UNSIGNED_EXPERT_OPINION (Art. 19), CONFLICTED_EXPERT (Art. 20), EXPERT_QUORUM.
                let names = |f: &dyn Fn(&Expert) -> bool| {
                    r.experts
                        .iter()
                        .filter(|x| f(x))
                        .map(|x| x.name.as_str())
                        .collect::<Vec<_>>()
                };
                let unsigned = names(&|x| !x.signed);
                if !unsigned.is_empty() {
                    out.push((
                        Code::UnsignedExpertOpinion,
                        msg(
                            format!("专家论证意见未署名、盖章：{}", unsigned.join("、")),
                            format!("expert opinion not signed: {}", unsigned.join(", ")),
                        ),
                    ));
                }
                let conflicted = names(&|x| x.conflict_of_interest);
                if !conflicted.is_empty() {
                    out.push((
                        Code::ConflictedExpert,
                        msg(
                            format!(
                                "与决策事项有直接利害关系的专家参与论证：{}",
                                conflicted.join("、")
                            ),
                            format!(
                                "expert with a direct interest took part: {}",
                                conflicted.join(", ")
                            ),
                        ),
                    ));
                }
                if let Some(min) = p.min_experts {
                    // Distinct experts, names compared after trimming: one listed twice counts once.
                    let good = r
                        .experts
                        .iter()
                        .filter(|x| x.signed && !x.conflict_of_interest)
                        .map(|x| x.name.trim())
                        .collect::<HashSet<&str>>()
                        .len();
                    if good < min as usize {
                        out.push((
                            Code::ExpertQuorum,
                            msg(
                                format!("无直接利害关系且署名的专家（同名只计一次）{good} 名，少于本流程要求的 {min} 名"),
                                format!("{good} distinct experts without a direct interest signed their opinions, fewer than the {min} the workflow requires"),
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// `SKIPPED_STEP` (the step's own article): a required fact-finding step or the legality
    /// review neither completed nor validly waived when a collective decision was recorded.
    fn rule_skipped_step(&mut self, m: usize) {
        let attrs = self.case.header.attributes;
        let date = self.ev(m).date();
        for step in Step::FACT_FINDING {
            if !self.profile.is_required(step, &attrs) {
                continue;
            }
            let done = latest_before(self.by_kind.evidence(step), m).is_some();
            let waived =
                self.by_kind.waivers.iter().any(|&w| {
                    w < m && waived_step(self.ev(w)) == Some(step) && self.waiver_valid(w)
                });
            if !done && !waived {
                self.skipped(step, m, date);
            }
        }
        if latest_before(&self.by_kind.signoffs, m).is_none() {
            self.skipped(Step::LegalityReview, m, date);
        }
    }

    fn skipped(&mut self, step: Step, m: usize, date: NaiveDate) {
        if self
            .findings
            .iter()
            .any(|f| f.code == Code::SkippedStep && f.step == Some(step))
        {
            return;
        }
        let (zh, en) = self.step_label(step);
        let what_zh = if step == Step::LegalityReview {
            "未经合法性审查签署意见"
        } else {
            "未履行也未依法免除"
        };
        let what_en = if step == Step::LegalityReview {
            "was never signed off"
        } else {
            "was neither completed nor validly waived"
        };
        self.push(
            Code::SkippedStep,
            Some(step),
            Some(m),
            msg(
                format!("{zh}{what_zh}，即于 {date} 作出集体讨论决定"),
                format!("{en} {what_en} when the collective decision of {date} was made"),
            ),
        );
    }

    /// `OUT_OF_ORDER` (Art. 26): fact-finding evidence recorded after the review submission the
    /// meeting relies on, so the review never saw it.
    fn rule_out_of_order(&mut self, m: usize) {
        let Some(s) = latest_before(&self.by_kind.submissions, m) else {
            return;
        };
        let sub_date = self.ev(s).date();
        for step in Step::FACT_FINDING {
            let late: Vec<usize> = self
                .by_kind
                .evidence(step)
                .iter()
                .copied()
                .filter(|&e| e > s && e < m)
                .collect();
            for e in late {
                let (zh, en) = self.step_label(step);
                let at = self.ev(e).date();
                self.push(
                    Code::OutOfOrder,
                    Some(step),
                    Some(e),
                    msg(
                        format!("{zh}材料于 {at} 记录，晚于 {sub_date} 送请合法性审查，审查未见该材料；重新送审可以补正"),
                        format!("{en} evidence recorded on {at}, after the legality review submission of {sub_date}, so the review never saw it; a fresh submission cures it"),
                    ),
                );
            }
        }
    }

    /// The legality-review findings judged at a meeting, on the latest submission and sign-off
    /// before it: `UNLAWFUL_REVIEW_IGNORED`, `LEGAL_RISK_STATED`, `STALE_LEGALITY_REVIEW` (Art. 25)
    /// and `SHORT_REVIEW_WINDOW` (Art. 26).
    fn rules_on_review_at_meeting(&mut self, m: usize) {
        let meeting_date = self.ev(m).date();
        if let Some(g) = latest_before(&self.by_kind.signoffs, m) {
            let EventBody::ReviewSigned(sig) = &self.ev(g).body else {
                return;
            };
            let signed_on = self.ev(g).date();
            match sig.conclusion {
                Conclusion::Unlawful => self.push(
                    Code::UnlawfulReviewIgnored,
                    Some(Step::LegalityReview),
                    Some(m),
                    msg(
                        format!("合法性审查结论为不合法（{signed_on}，草案 {}），仍于 {meeting_date} 提交讨论", sig.draft),
                        format!("discussed on {meeting_date} although the legality review of {signed_on} (draft {}) concluded unlawful", sig.draft),
                    ),
                ),
                Conclusion::Exploratory => self.push(
                    Code::LegalRiskStated,
                    Some(Step::LegalityReview),
                    Some(m),
                    msg(
                        format!("作为探索性改革事项于 {meeting_date} 提交讨论，合法性审查已说明法律风险（草案 {}）", sig.draft),
                        format!("discussed on {meeting_date} as an exploratory reform with its legal risk stated (draft {})", sig.draft),
                    ),
                ),
                Conclusion::Lawful | Conclusion::LawfulWithChanges => {}
            }
            if let Some(d) = latest_before(&self.by_kind.drafts, m) {
                let current = draft_version(self.ev(d));
                if current != sig.draft {
                    self.push(
                        Code::StaleLegalityReview,
                        Some(Step::LegalityReview),
                        Some(m),
                        msg(
                            format!("{meeting_date} 讨论的草案为 {current}，而最近一次合法性审查意见针对的是 {}；修改后的草案须重新审查", sig.draft),
                            format!("the draft discussed on {meeting_date} is {current}, but the latest legality sign-off covers {}; a revised draft needs a fresh review", sig.draft),
                        ),
                    );
                }
            }
        }
        if let Some(s) = latest_before(&self.by_kind.submissions, m) {
            let submitted = self.ev(s).date();
            let min = self.profile.parameters().min_review_working_days;
            // Only "fewer than `min`?" matters: the count stops there.
            let counted = self
                .calendar
                .working_days_between_capped(submitted, meeting_date, min);
            let n = counted.value;
            if n < min {
                let reason = match &self.ev(s).body {
                    EventBody::ReviewSubmitted(sub) => sub
                        .shortened_reason
                        .as_deref()
                        .map(str::trim)
                        .filter(|r| !r.is_empty()),
                    _ => None,
                };
                let allowed = self.profile.parameters().allows_review_window_shortening();
                let (code, zh, en) = match reason {
                    Some(r) if allowed => (
                        Code::ShortenedReviewWindow,
                        format!("送请合法性审查（{submitted}）与会议（{meeting_date}）之间仅 {n} 个工作日，少于 {min} 个工作日，已记录缩短理由：{r}"),
                        format!("only {n} working days between the legality review submission ({submitted}) and the meeting ({meeting_date}), fewer than {min}; shortening reason recorded: {r}"),
                    ),
                    Some(r) => (
                        Code::ShortReviewWindow,
                        format!("送请合法性审查（{submitted}）与会议（{meeting_date}）之间仅 {n} 个工作日，少于 {min} 个工作日；记录了缩短理由（{r}），但本流程不允许缩短审查期限"),
                        format!("only {n} working days between the legality review submission ({submitted}) and the meeting ({meeting_date}), fewer than {min}; a shortening reason is recorded ({r}), but this workflow does not allow shortening the review window"),
                    ),
                    None => (
                        Code::ShortReviewWindow,
                        format!("送请合法性审查（{submitted}）与会议（{meeting_date}）之间仅 {n} 个工作日，少于 {min} 个工作日"),
                        format!("only {n} working days between the legality review submission ({submitted}) and the meeting ({meeting_date}), fewer than {min}"),
                    ),
                };
                self.push_estimated(
                    code,
                    Some(Step::LegalityReview),
                    Some(m),
                    msg(zh, en),
                    &counted.estimated,
                );
            }
        }
    }

    /// `UNAUTHORIZED_SIGNER` (Art. 28): signed by a role the profile does not allow.
    fn rule_unauthorized_signer(&mut self, g: usize) {
        let e = self.ev(g);
        let allowed = self
            .profile
            .step(Step::LegalityReview)
            .roles_for("legality_review_signed");
        if allowed.contains(&e.role) {
            return;
        }
        let list = |lang: Lang| {
            allowed
                .iter()
                .map(|r| r.label(lang))
                .collect::<Vec<_>>()
                .join(if lang == Lang::Zh { "、" } else { ", " })
        };
        self.push(
            Code::UnauthorizedSigner,
            Some(Step::LegalityReview),
            Some(g),
            msg(
                format!("合法性审查意见由 {}（{}）于 {} 签署，本流程只允许{}签署", e.actor, e.role.label(Lang::Zh), e.date(), list(Lang::Zh)),
                format!("legality review signed on {} by {} as {}, a role the workflow does not allow (allowed: {})", e.date(), e.actor, e.role, list(Lang::En)),
            ),
        );
    }

    /// `SELF_REVIEW` (Art. 28): signed by the submitter or by an author of a draft version.
    fn rule_self_review(&mut self, g: usize) {
        let signer = &self.ev(g).actor;
        let submitted = self
            .by_kind
            .submissions
            .iter()
            .any(|&s| s < g && &self.ev(s).actor == signer);
        let authored: Vec<&str> = self
            .by_kind
            .drafts
            .iter()
            .filter(|&&d| d < g && &self.ev(d).actor == signer)
            .map(|&d| draft_version(self.ev(d)))
            .collect();
        if !submitted && authored.is_empty() {
            return;
        }
        let (zh, en) = match (submitted, authored.is_empty()) {
            (true, true) => (
                "本人送请审查".to_owned(),
                "submitted the draft for review".to_owned(),
            ),
            (false, false) => (
                format!("本人起草了草案 {}", authored.join("、")),
                format!("authored draft {}", authored.join(", ")),
            ),
            _ => (
                format!("本人送请审查并起草了草案 {}", authored.join("、")),
                format!(
                    "submitted the draft and authored draft {}",
                    authored.join(", ")
                ),
            ),
        };
        let date = self.ev(g).date();
        self.push(
            Code::SelfReview,
            Some(Step::LegalityReview),
            Some(g),
            msg(
                format!("合法性审查意见由 {signer} 于 {date} 签署，而其{zh}"),
                format!("legality review signed on {date} by {signer}, who {en}"),
            ),
        );
    }

    /// `IMPROPER_MEETING` (Art. 30): decided in a meeting kind the profile does not allow.
    fn rule_improper_meeting(&mut self, m: usize) {
        let (_, d) = decision(self.ev(m));
        let kind = d.meeting.kind;
        if self.profile.parameters().meeting_kinds.contains(&kind) {
            return;
        }
        let date = d.meeting.date;
        self.push(
            Code::ImproperMeeting,
            Some(Step::CollectiveDecision),
            Some(m),
            msg(
                format!("{date} 以{}方式作出决定；重大行政决策应当经常务会议或者全体会议讨论", kind.label(Lang::Zh)),
                format!("decided on {date} by {}; a major decision must be discussed at an executive or plenary meeting", kind.label(Lang::En)),
            ),
        );
    }

    /// `NO_QUORUM` (local rules): the profile sets a quorum and not more than half were present.
    fn rule_no_quorum(&mut self, m: usize) {
        let Some(Quorum::MoreThanHalf) = self.profile.parameters().quorum else {
            return;
        };
        let (_, d) = decision(self.ev(m));
        let (present, total) = (d.meeting.members_present, d.meeting.members_total);
        if u64::from(present) * 2 > u64::from(total) {
            return;
        }
        let date = d.meeting.date;
        self.push(
            Code::NoQuorum,
            Some(Step::CollectiveDecision),
            Some(m),
            msg(
                format!("{date} 会议组成人员 {total} 人，到会 {present} 人，未超过半数"),
                format!(
                    "meeting of {date}: {present} of {total} members present, not more than half"
                ),
            ),
        );
    }

    /// `UNEXPLAINED_HEAD_DECISION` (Art. 30): the head decided against the majority without a reason.
    fn rule_unexplained_head_decision(&mut self, m: usize) {
        let (head, d) = decision(self.ev(m));
        let has_reason = d.reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        if head == d.majority || has_reason {
            return;
        }
        let date = d.meeting.date;
        self.push(
            Code::UnexplainedHeadDecision,
            Some(Step::CollectiveDecision),
            Some(m),
            msg(
                format!("{date} 行政首长的决定（{}）与多数意见（{}）不一致，但未说明理由", head.label(Lang::Zh), d.majority.label(Lang::Zh)),
                format!("on {date} the head decided `{head}` against the majority's `{}` and recorded no reason", d.majority),
            ),
        );
    }

    /// `UNCONTROLLED_RISK` (Art. 24): approved while the latest risk assessment says not controllable.
    fn rule_uncontrolled_risk(&mut self, m: usize) {
        let (head, d) = decision(self.ev(m));
        if head != Outcome::Approve {
            return;
        }
        let Some(r) = latest_before(self.by_kind.evidence(Step::RiskAssessment), m) else {
            return;
        };
        let EventBody::RiskAssessment(ra) = &self.ev(r).body else {
            return;
        };
        if ra.controllable {
            return;
        }
        let (assessed, date) = (self.ev(r).date(), d.meeting.date);
        self.push(
            Code::UncontrolledRisk,
            Some(Step::RiskAssessment),
            Some(m),
            msg(
                format!("风险评估（{assessed}，{}风险）认为风险不可控，仍于 {date} 作出同意决定", ra.level.label(Lang::Zh)),
                format!("approved on {date} although the latest risk assessment ({assessed}, {} risk) found the risk not controllable", ra.level),
            ),
        );
    }

    /// `FAIR_COMPETITION_REVIEW_MISSING` (Art. 29 (1)): a case with `market_entities` discussed
    /// with no fair-competition review recorded before the meeting. Its presence is judged, not
    /// its conclusion (shown in `case show` and the report).
    fn rule_fair_competition_review_missing(&mut self, m: usize) {
        if !self.case.header.attributes.market_entities {
            return;
        }
        if latest_before(&self.by_kind.fair_competition, m).is_some() {
            return;
        }
        let date = self.ev(m).date();
        self.push(
            Code::FairCompetitionReviewMissing,
            Some(Step::CollectiveDecision),
            Some(m),
            msg(
                format!("本事项涉及市场主体经济活动，{date} 会议前未记录公平竞争审查"),
                format!("the case concerns market entities' economic activity, and no fair-competition review was recorded before the meeting of {date}"),
            ),
        );
    }

    /// `NO_PARTY_REPORT` (Art. 31): an approved decision published with no party report before
    /// it. 出台前: a report any time after opening and before publication counts.
    fn rule_no_party_report(&mut self, p: usize) {
        let Some(m) = latest_before(&self.by_kind.meetings, p) else {
            return;
        };
        if decision(self.ev(m)).0 != Outcome::Approve {
            return;
        }
        if self.by_kind.party_reports.iter().any(|&r| r < p) {
            return;
        }
        let (decided, published) = (self.ev(m).date(), self.ev(p).date());
        self.push(
            Code::NoPartyReport,
            Some(Step::PartyReport),
            Some(p),
            msg(
                format!("{decided} 作出同意决定，{published} 公布，公布前未向同级党委请示报告"),
                format!("approved on {decided} and published on {published} with no report to the Party committee before publication"),
            ),
        );
    }

    fn latest_decision(&self) -> Option<(usize, Outcome, NaiveDate)> {
        let &m = self.by_kind.meetings.last()?;
        Some((m, decision(self.ev(m)).0, self.ev(m).date()))
    }

    /// Whether publication is required now: the latest decision approves, the case is not
    /// confidential (the profile's condition), and no valid waiver after that approval covers it
    /// (an approval after a waiver makes publication required again).
    fn publication_required(&self) -> bool {
        let attrs = &self.case.header.attributes;
        let Some((m, Outcome::Approve, _)) = self.latest_decision() else {
            return false;
        };
        self.profile.is_required(Step::Publication, attrs)
            && !self.by_kind.waivers.iter().any(|&w| {
                w > m && waived_step(self.ev(w)) == Some(Step::Publication) && self.waiver_valid(w)
            })
    }

    /// The publication deadline of the latest approval, while publication is required and not
    /// done: the `limit`-th working day after the decision, a date computed from its start.
    fn pending_publication_deadline(
        &self,
    ) -> Option<(usize, NaiveDate, u32, crate::calendar::Counted<NaiveDate>)> {
        let limit = self
            .profile
            .parameters()
            .publication_deadline_working_days?;
        let (m, _, decided) = self.latest_decision()?;
        if !self.publication_required() || self.by_kind.publications.iter().any(|&p| p > m) {
            return None;
        }
        let deadline = self.calendar.add_working_days(decided, limit)?;
        Some((m, decided, limit, deadline))
    }

    /// `NOT_PUBLISHED` (Art. 32): approved, not confidential, unpublished past the profile's
    /// deadline (working days after the meeting) as of the audit date.
    fn rule_not_published(&mut self) {
        let Some((m, decided, limit, deadline)) = self.pending_publication_deadline() else {
            return;
        };
        let as_of = self.as_of;
        if as_of <= deadline.value {
            // Still pending: an estimated deadline is named by CALENDAR_ESTIMATED.
            self.estimated_years.extend(&deadline.estimated);
            return;
        }
        let due = deadline.value;
        self.push_estimated(
            Code::NotPublished,
            Some(Step::Publication),
            Some(m),
            msg(
                format!("{decided} 作出同意决定，截至 {as_of} 仍未公布，已超过 {limit} 个工作日的公布期限（{due}）"),
                format!("approved on {decided} and still unpublished on {as_of}, past the {limit}-working-day deadline ({due})"),
            ),
            &deadline.estimated,
        );
    }

    /// `NOT_ARCHIVED` (Art. 33): approved or rejected, unarchived past the profile's deadline
    /// (calendar days after the meeting) as of the audit date.
    fn rule_not_archived(&mut self) {
        let Some(limit) = self.profile.parameters().archiving_deadline_days else {
            return;
        };
        let Some((m, outcome @ (Outcome::Approve | Outcome::Reject), decided)) =
            self.latest_decision()
        else {
            return;
        };
        if self.by_kind.archives.iter().any(|&a| a > m) {
            return;
        }
        let Some(deadline) = decided.checked_add_signed(Duration::days(i64::from(limit))) else {
            return;
        };
        let as_of = self.as_of;
        if as_of <= deadline {
            return;
        }
        self.push(
            Code::NotArchived,
            Some(Step::Archiving),
            Some(m),
            msg(
                format!("{decided} 作出{}决定，截至 {as_of} 仍未归档，已超过 {limit} 日的归档期限（{deadline}）", outcome.label(Lang::Zh)),
                format!("decided (`{outcome}`) on {decided} and still unarchived on {as_of}, past the {limit}-day deadline ({deadline})"),
            ),
        );
    }

    /// `DEFERRED_TOO_LONG` (local rules): a `defer` decision whose next meeting came more than
    /// the lapse period (calendar days) after it, or, with no later meeting, the audit date is
    /// more than that after it. Exactly the lapse period is not flagged.
    fn rule_deferred_too_long(&mut self, m: usize) {
        let Some(limit) = self.profile.parameters().deferral_lapse_days else {
            return;
        };
        if decision(self.ev(m)).0 != Outcome::Defer {
            return;
        }
        let deferred = self.ev(m).date();
        let next = self.by_kind.meetings.iter().copied().find(|&n| n > m);
        let (until, zh_end, en_end) = match next {
            Some(n) => {
                let again = self.ev(n).date();
                (
                    again,
                    format!("至 {again} 才再次讨论"),
                    format!("discussed again only on {again}"),
                )
            }
            None => {
                let as_of = self.as_of;
                (
                    as_of,
                    format!("截至 {as_of} 未再次讨论，草案依规失效"),
                    format!("not discussed again by {as_of}; the draft has lapsed"),
                )
            }
        };
        let days = (until - deferred).num_days();
        if days <= i64::from(limit) {
            return;
        }
        self.push(
            Code::DeferredTooLong,
            Some(Step::CollectiveDecision),
            Some(m),
            msg(
                format!("{deferred} 决定暂缓，{zh_end}，相隔 {days} 日，超过 {limit} 日的暂缓期限"),
                format!("deferred on {deferred} and {en_end}, {days} days later, past the {limit}-day lapse period"),
            ),
        );
    }

    /// `BACKFILLED` (Art. 33, 39): an event entered more than the profile's grace period
    /// (calendar days) after the date it happened — a procedure documented after the fact
    /// (事后补录). Only events carrying `recorded_at` can be judged.
    fn rule_backfilled(&mut self) {
        let grace = i64::from(self.profile.parameters().backfill_grace());
        let candidates: Vec<usize> = (0..self.case.events.len())
            .filter(|&i| self.ev(i).at.date_naive() <= self.as_of && !self.voided.contains(&i))
            .collect();
        for i in candidates {
            let e = self.ev(i);
            let Some(recorded) = e.recorded_at else {
                continue;
            };
            let (happened, entered) = (e.at.date_naive(), recorded.date_naive());
            let late = (entered - happened).num_days();
            if late <= grace {
                continue;
            }
            let (what_zh, what_en) = (event_label(e, Lang::Zh), event_label(e, Lang::En));
            let actor = e.actor.clone();
            self.push(
                Code::Backfilled,
                e.body.step(),
                Some(i),
                msg(
                    format!("“{what_zh}”（第 {i} 项事件）发生于 {happened}，由 {actor} 于 {entered} 才录入，晚 {late} 日，超过 {grace} 日：属事后补录"),
                    format!("`{what_en}` (event {i}) happened on {happened} but was entered by {actor} only on {entered}, {late} days later, more than {grace}: documented after the fact"),
                ),
            );
        }
    }

    /// `VOIDED_EVENT` (Art. 33): an event voided by mistake is kept, left out by the rules, and
    /// shown with who voided it, when and why.
    fn rule_voided_event(&mut self) {
        for v in self.by_kind.voids.clone() {
            let e = self.ev(v);
            let EventBody::Voided(x) = &e.body else {
                continue;
            };
            let Some(target) = usize::try_from(x.event)
                .ok()
                .filter(|t| self.voided.contains(t))
            else {
                continue;
            };
            let t = self.ev(target);
            let (what_zh, what_en) = (event_label(t, Lang::Zh), event_label(t, Lang::En));
            let (actor, date, reason) = (e.actor.clone(), e.at.date_naive(), x.reason.clone());
            self.push(
                Code::VoidedEvent,
                t.body.step(),
                Some(v),
                msg(
                    format!("第 {target} 项事件“{what_zh}”已由 {actor} 于 {date} 作废，不再计入；理由：{reason}"),
                    format!("event {target} (`{what_en}`) was voided by {actor} on {date} and is left out; reason: {reason}"),
                ),
            );
        }
    }

    /// `CALENDAR_ESTIMATED`: one per case, naming the years whose working days were estimated
    /// for a finding or a still pending deadline. Loading the official notice makes it exact.
    fn rule_calendar_estimated(&mut self) {
        if self.estimated_years.is_empty() {
            return;
        }
        let step = self
            .findings
            .iter()
            .find(|f| f.estimated)
            .and_then(|f| f.step)
            .or(Some(Step::Publication));
        let zh = years_text(&self.estimated_years, Lang::Zh);
        let en = years_text(&self.estimated_years, Lang::En);
        self.push(
            Code::CalendarEstimated,
            step,
            None,
            msg(
                format!("{zh} 年的工作日按法定节假日估算（尚未导入国务院该年的放假安排）；导入官方通知（juece calendar add 文件）后结果即为准确"),
                format!("working days in {en} are estimated from the statutory holidays (no official holiday notice loaded for that year); load the notice with `juece calendar add FILE` to make this exact"),
            ),
        );
    }

    /// `GUARD_OVERRIDDEN` (the overridden guards' articles): a live transition forced past unmet guards.
    fn rule_guard_overridden(&mut self, o: usize) {
        let e = self.ev(o);
        let EventBody::Override(ov) = &e.body else {
            return;
        };
        // The override is recorded beside the gate event it forced: prefer the one just before.
        let neighbour = |i: Option<usize>| {
            i.and_then(|i| self.case.events.get(i))
                .filter(|x| x.body.is_gate())
        };
        let gate = neighbour(o.checked_sub(1)).or_else(|| neighbour(Some(o + 1)));
        let codes: Vec<Code> = ov.unmet.iter().filter_map(|c| Code::parse(c)).collect();
        let step = gate
            .and_then(|g| g.body.step())
            .or_else(|| codes.first().and_then(|c| step_of_code(*c)));
        let mut articles: Vec<String> = Vec::new();
        for c in &codes {
            let a = match c.fixed_article() {
                "" => step_of_code(*c)
                    .or(step)
                    .map(|s| self.profile.step(s).article().to_owned())
                    .unwrap_or_default(),
                a => a.to_owned(),
            };
            if !a.is_empty() && !articles.contains(&a) {
                articles.push(a);
            }
        }
        if articles.is_empty() {
            if let Some(s) = step {
                articles.push(self.profile.step(s).article().to_owned());
            }
        }
        let what_zh = gate.map(|g| event_label(g, Lang::Zh)).unwrap_or("流程");
        let what_en = gate
            .map(|g| event_label(g, Lang::En))
            .unwrap_or("the procedure");
        let unmet = ov.unmet.join(", ");
        let date = e.date();
        self.push_with_article(
            Code::GuardOverridden,
            step,
            Some(o),
            articles.join("、"),
            msg(
                format!("{}（{}）于 {date} 强制推进“{what_zh}”，未满足：{unmet}；理由：{}", e.actor, e.role.label(Lang::Zh), ov.justification),
                format!("{} ({}) forced `{what_en}` on {date} past unmet guards {unmet}; justification: {}", e.actor, e.role, ov.justification),
            ),
        );
    }

    /// The state of every step at the end of the evaluated history.
    fn step_reports(&self) -> Vec<StepReport> {
        let attrs = self.case.header.attributes;
        let k = &self.by_kind;
        let decided = self.latest_decision();
        let any_meeting = decided.is_some();
        let after_decision = |list: &[usize]| -> Option<usize> {
            let (m, ..) = decided?;
            list.iter().rev().copied().find(|&i| i > m)
        };
        let waiver_of = |step: Step| -> (Option<usize>, Option<usize>) {
            let of_step: Vec<usize> = k
                .waivers
                .iter()
                .copied()
                .filter(|&w| waived_step(self.ev(w)) == Some(step))
                .collect();
            let valid = of_step
                .iter()
                .rev()
                .copied()
                .find(|&w| self.waiver_valid(w));
            (valid, of_step.last().copied())
        };
        let undecided = !matches!(decided, Some((_, Outcome::Approve | Outcome::Reject, _)));
        let mut out = Vec::new();
        for rule in self.profile.steps() {
            let step = rule.step();
            let mut problems = Vec::new();
            let (required, state, evidence) = match step {
                Step::PublicParticipation | Step::ExpertReview | Step::RiskAssessment => {
                    let required = self.profile.is_required(step, &attrs);
                    let (valid_w, any_w) = waiver_of(step);
                    match self.judged_evidence(step) {
                        Some(e) => {
                            problems = self
                                .judge_evidence(e)
                                .into_iter()
                                .map(|(c, _)| c)
                                .filter(|c| c.severity() == Severity::Violation)
                                .collect();
                            let state = if problems.is_empty() {
                                StepState::Done
                            } else {
                                StepState::Flawed
                            };
                            (required, state, Some(e))
                        }
                        None if valid_w.is_some() => (required, StepState::Waived, valid_w),
                        None if !required => (false, StepState::NotRequired, None),
                        None if any_w.is_some() => {
                            problems.push(Code::ImproperWaiver);
                            (true, StepState::ImproperlyWaived, any_w)
                        }
                        None if any_meeting => (true, StepState::Skipped, None),
                        None => (true, StepState::Pending, None),
                    }
                }
                Step::LegalityReview => match k.signoffs.last() {
                    Some(&g) => {
                        if let EventBody::ReviewSigned(sig) = &self.ev(g).body {
                            if sig.conclusion == Conclusion::Unlawful {
                                problems.push(Code::UnlawfulReviewIgnored);
                            }
                            let current = k.drafts.last().map(|&d| draft_version(self.ev(d)));
                            if current.is_some_and(|c| c != sig.draft) {
                                problems.push(Code::StaleLegalityReview);
                            }
                        }
                        for f in &self.findings {
                            if f.event == Some(g)
                                && matches!(f.code, Code::SelfReview | Code::UnauthorizedSigner)
                            {
                                problems.push(f.code);
                            }
                        }
                        let state = if problems.is_empty() {
                            StepState::Done
                        } else {
                            StepState::Flawed
                        };
                        (true, state, Some(g))
                    }
                    None if any_meeting => {
                        (true, StepState::Skipped, k.submissions.last().copied())
                    }
                    None => (true, StepState::Pending, k.submissions.last().copied()),
                },
                Step::CollectiveDecision => match decided {
                    Some((m, Outcome::Approve | Outcome::Reject, _)) => {
                        (true, StepState::Done, Some(m))
                    }
                    Some((m, ..)) => (true, StepState::Pending, Some(m)),
                    None => (true, StepState::Pending, None),
                },
                // 出台前: a report any time before publication counts, before the decision too.
                Step::PartyReport => {
                    let approved = matches!(decided, Some((_, Outcome::Approve, _)));
                    let report = match after_decision(&k.publications) {
                        Some(p) => latest_before(&k.party_reports, p),
                        None => k.party_reports.last().copied(),
                    };
                    match (report, decided) {
                        (Some(r), _) => (approved, StepState::Done, Some(r)),
                        (None, Some((_, Outcome::Approve, _))) => (true, StepState::Pending, None),
                        (None, _) if undecided => (false, StepState::AfterDecision, None),
                        (None, _) => (false, StepState::NotRequired, None),
                    }
                }
                Step::Publication => {
                    let required = self.publication_required();
                    let (valid_w, _) = waiver_of(step);
                    let covering_w = valid_w.filter(|&w| decided.is_none_or(|(m, ..)| w > m));
                    match after_decision(&k.publications) {
                        Some(p) => (required, StepState::Done, Some(p)),
                        None if required => (true, StepState::Pending, None),
                        None if covering_w.is_some() => (false, StepState::Waived, covering_w),
                        None if undecided && self.profile.is_required(step, &attrs) => {
                            (false, StepState::AfterDecision, None)
                        }
                        None => (false, StepState::NotRequired, None),
                    }
                }
                Step::Archiving => match decided {
                    Some((_, Outcome::Approve | Outcome::Reject, _)) => {
                        match after_decision(&k.archives) {
                            Some(a) => (true, StepState::Done, Some(a)),
                            None => (true, StepState::Pending, None),
                        }
                    }
                    _ => (false, StepState::AfterDecision, None),
                },
            };
            out.push(StepReport {
                step,
                required,
                state,
                evidence,
                problems,
            });
        }
        out
    }
}

fn waived_step(e: &Event) -> Option<Step> {
    match &e.body {
        EventBody::Waived(w) => Some(w.step),
        _ => None,
    }
}

/// The step a finding code is about, where the code fixes it.
pub fn step_of_code(code: Code) -> Option<Step> {
    Some(match code {
        Code::ShortCommentPeriod | Code::ShortenedCommentPeriod | Code::HearingMissing => {
            Step::PublicParticipation
        }
        Code::ExpertQuorum | Code::UnsignedExpertOpinion | Code::ConflictedExpert => {
            Step::ExpertReview
        }
        Code::UncontrolledRisk => Step::RiskAssessment,
        Code::UnlawfulReviewIgnored
        | Code::LegalRiskStated
        | Code::StaleLegalityReview
        | Code::ShortReviewWindow
        | Code::UnauthorizedSigner
        | Code::SelfReview => Step::LegalityReview,
        Code::ImproperMeeting
        | Code::NoQuorum
        | Code::UnexplainedHeadDecision
        | Code::DeferredTooLong => Step::CollectiveDecision,
        Code::NoPartyReport => Step::PartyReport,
        Code::NotPublished => Step::Publication,
        Code::NotArchived => Step::Archiving,
        Code::ShortenedReviewWindow => Step::LegalityReview,
        Code::FairCompetitionReviewMissing => Step::CollectiveDecision,
        Code::SkippedStep
        | Code::OutOfOrder
        | Code::WaivedStep
        | Code::ImproperWaiver
        | Code::GuardOverridden
        | Code::Backfilled
        | Code::VoidedEvent
        | Code::CalendarEstimated => return None,
        Code::NotInCatalogue | Code::CatalogueItemOpen | Code::CatalogueNotConsented => {
            return None
        }
    })
}

/// A short label for what an event does.
pub fn event_label(e: &Event, lang: Lang) -> &'static str {
    let zh = lang == Lang::Zh;
    match &e.body {
        EventBody::Opened => {
            if zh {
                "立项"
            } else {
                "open the case"
            }
        }
        EventBody::Draft(_) => {
            if zh {
                "提交草案"
            } else {
                "record a draft"
            }
        }
        EventBody::PublicParticipation(_) => {
            if zh {
                "公众参与"
            } else {
                "public participation"
            }
        }
        EventBody::ExpertReview(_) => {
            if zh {
                "专家论证"
            } else {
                "expert review"
            }
        }
        EventBody::RiskAssessment(_) => {
            if zh {
                "风险评估"
            } else {
                "risk assessment"
            }
        }
        EventBody::ReviewSubmitted(_) => {
            if zh {
                "送请合法性审查"
            } else {
                "submit for legality review"
            }
        }
        EventBody::ReviewSigned(_) => {
            if zh {
                "签署合法性审查意见"
            } else {
                "sign the legality review"
            }
        }
        EventBody::Waived(_) => {
            if zh {
                "免除程序"
            } else {
                "waive a step"
            }
        }
        EventBody::CollectiveDecision(_) => {
            if zh {
                "集体讨论决定"
            } else {
                "collective decision"
            }
        }
        EventBody::PartyReport => {
            if zh {
                "向党委请示报告"
            } else {
                "report to the Party committee"
            }
        }
        EventBody::Published(_) => {
            if zh {
                "公布决策"
            } else {
                "publish"
            }
        }
        EventBody::Archived => {
            if zh {
                "归档"
            } else {
                "archive"
            }
        }
        EventBody::Override(_) => {
            if zh {
                "强制推进"
            } else {
                "override"
            }
        }
        EventBody::FairCompetitionReview(_) => {
            if zh {
                "公平竞争审查"
            } else {
                "fair-competition review"
            }
        }
        EventBody::Voided(_) => {
            if zh {
                "作废事件"
            } else {
                "void an event"
            }
        }
    }
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() {
        "—"
    } else {
        s
    }
}
