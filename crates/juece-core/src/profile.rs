//! Workflow profiles: the procedure of one jurisdiction, as data.
//!
//! [`WorkflowFile`] mirrors the JSON (`juece-workflow/1`) and rejects unknown fields; [`Profile`] is
//! the checked form, reachable only through [`Profile::from_file`] / [`Profile::parse`], which
//! verify the dependency graph and the statutory invariants of procedure.md and report every
//! problem at once.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use petgraph::algo::{has_path_connecting, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};

use crate::ids::{Attribute, MeetingKind, Role, Step, WaiverReason};
use crate::{Lang, Localized};

/// The workflow format this version reads. Frozen: a change needs `juece-workflow/2`.
pub const WORKFLOW_FORMAT: &str = "juece-workflow/1";

/// The raw mirror of a workflow file. Build a [`Profile`] from it to use it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowFile {
    /// Always `juece-workflow/1`.
    pub format: String,
    /// Profile id, e.g. `decree-713`.
    pub id: String,
    /// Version number; cases pin the version they were opened under.
    pub version: u32,
    /// Human title.
    pub title: Localized,
    /// Free description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Roles that may open a case (default: `legal_office`, `admin`).
    #[serde(default = "default_opened_by")]
    pub opened_by: Vec<Role>,
    /// Roles that may record a draft version (default: `undertaking_unit`, `legal_office`).
    #[serde(default = "default_drafted_by")]
    pub drafted_by: Vec<Role>,
    /// The rule parameters.
    pub parameters: Parameters,
    /// The steps, in the order used to sort findings.
    pub steps: Vec<StepFile>,
}

fn default_opened_by() -> Vec<Role> {
    vec![Role::LegalOffice, Role::Admin]
}

fn default_drafted_by() -> Vec<Role> {
    vec![Role::UndertakingUnit, Role::LegalOffice]
}

/// The largest number of calendar days a profile parameter may hold (ten years).
pub const MAX_DAYS: u32 = 3650;
/// The largest number of working days a profile parameter may hold (about ten years).
pub const MAX_WORKING_DAYS: u32 = 2500;
/// The largest expert count a profile may require.
pub const MAX_EXPERTS: u32 = 1000;

/// The rule parameters of a profile (procedure.md, "Profile parameters").
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    /// Minimum public comment period in calendar days, counted inclusively (Art. 15; ≥ 30).
    pub min_comment_days: u32,
    /// Minimum working days strictly between review submission and meeting (Art. 26; ≥ 7).
    pub min_review_working_days: u32,
    /// Minimum signed opinions from experts without a direct interest; `null`: not checked.
    pub min_experts: Option<u32>,
    /// Meeting quorum; `null`: not checked.
    pub quorum: Option<Quorum>,
    /// Meeting kinds that may decide (Art. 30).
    pub meeting_kinds: Vec<MeetingKind>,
    /// Working days after an approval within which it must be published; `null`: none.
    pub publication_deadline_working_days: Option<u32>,
    /// Calendar days after a decision within which it must be archived; `null`: none.
    pub archiving_deadline_days: Option<u32>,
    /// Calendar days after which a deferred draft lapses; `null`: none.
    pub deferral_lapse_days: Option<u32>,
    /// Whether a recorded reason may shorten the legality-review lead time (Art. 26: 一般不少于7个
    /// 工作日). Omitted: allowed, as the Decree says (`decree-713`); `local-strict` refuses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_window_shortening: Option<bool>,
    /// Calendar days after an event's date within which it may be entered before it counts as
    /// documented after the fact (`BACKFILLED`). Omitted: 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill_grace_days: Option<u32>,
}

/// The default of [`Parameters::backfill_grace_days`].
pub const DEFAULT_BACKFILL_GRACE_DAYS: u32 = 3;

impl Parameters {
    /// Whether a recorded reason turns a short review window into `SHORTENED_REVIEW_WINDOW`.
    pub fn allows_review_window_shortening(&self) -> bool {
        self.review_window_shortening.unwrap_or(true)
    }

    /// The grace period of `BACKFILLED`, in calendar days.
    pub fn backfill_grace(&self) -> u32 {
        self.backfill_grace_days
            .unwrap_or(DEFAULT_BACKFILL_GRACE_DAYS)
    }
}

/// A meeting quorum rule.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Quorum {
    /// 半数以上组成人员到会: more than half of the members present.
    MoreThanHalf,
}

/// One step as written in a workflow file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    /// The step id.
    pub id: String,
    /// Labels in Chinese and English.
    pub label: Localized,
    /// The article the step rests on, e.g. `第十四条`.
    pub article: String,
    /// Prerequisite steps.
    pub after: Vec<String>,
    /// When the step is required for a case.
    pub required: Requirement,
    /// Waiver reasons the profile allows for this step.
    #[serde(default)]
    pub waivers: Vec<WaiverRule>,
    /// Roles that may record a waiver of this step.
    #[serde(default)]
    pub waived_by: Vec<Role>,
    /// For each event type of the step, the roles that may record it.
    pub performed_by: BTreeMap<String, Vec<Role>>,
}

/// When a step is required: `"always"` or attribute conditions.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Requirement {
    /// The literal string `"always"`.
    Always(AlwaysTag),
    /// Required when every `when_all` attribute is set and no `unless_any` attribute is.
    Conditions {
        /// Attributes that must all be set.
        #[serde(default)]
        when_all: Vec<Attribute>,
        /// Attributes any one of which excuses the step.
        #[serde(default)]
        unless_any: Vec<Attribute>,
    },
}

/// The tag `"always"`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AlwaysTag {
    /// Always required.
    Always,
}

/// A waiver reason allowed for a step, optionally only for cases with certain attributes.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WaiverRule {
    /// The reason code.
    pub reason: WaiverReason,
    /// Attributes the case must have for the reason to be valid.
    #[serde(default)]
    pub only_if: Vec<Attribute>,
}

/// The event types that record each step.
pub fn event_types_of(step: Step) -> &'static [&'static str] {
    match step {
        Step::PublicParticipation => &["public_participation"],
        Step::ExpertReview => &["expert_review"],
        Step::RiskAssessment => &["risk_assessment"],
        Step::LegalityReview => &["legality_review_submitted", "legality_review_signed"],
        Step::CollectiveDecision => &["collective_decision"],
        Step::PartyReport => &["party_report"],
        Step::Publication => &["published"],
        Step::Archiving => &["archived"],
    }
}

/// Event types a step's `performed_by` may name but need not: their roles default to
/// [`default_roles_for`] (`fair_competition_review`, new in `juece-cases/2`, so that version-1
/// profiles keep loading).
pub fn optional_event_types_of(step: Step) -> &'static [&'static str] {
    match step {
        Step::CollectiveDecision => &["fair_competition_review"],
        _ => &[],
    }
}

/// The roles that may record an optional event type a profile does not mention.
pub fn default_roles_for(event_type: &str) -> &'static [Role] {
    match event_type {
        "fair_competition_review" => &[Role::UndertakingUnit, Role::LegalOffice],
        _ => &[],
    }
}

/// One problem found while checking a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileProblem {
    /// The step concerned, if any.
    pub step: Option<String>,
    /// What rule is broken.
    pub message: String,
}

impl fmt::Display for ProfileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.step {
            Some(step) => write!(f, "step `{step}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A workflow profile that was refused, with every problem found.
#[derive(Debug, Clone, thiserror::Error)]
#[error("workflow `{origin}` is refused: {}", render_problems(.problems))]
pub struct ProfileError {
    /// The file name (or other origin) of the profile.
    pub origin: String,
    /// Every problem, in file order.
    pub problems: Vec<ProfileProblem>,
}

fn render_problems(problems: &[ProfileProblem]) -> String {
    if problems.len() == 1 {
        return problems[0].to_string();
    }
    let mut s = format!("{} problems", problems.len());
    for p in problems {
        s.push_str("\n  - ");
        s.push_str(&p.to_string());
    }
    s
}

/// A checked step.
#[derive(Debug, Clone)]
pub struct StepRule {
    step: Step,
    label: Localized,
    article: String,
    after: Vec<Step>,
    required: Requirement,
    waivers: Vec<WaiverRule>,
    waived_by: Vec<Role>,
    performed_by: BTreeMap<String, Vec<Role>>,
}

impl StepRule {
    /// The step.
    pub fn step(&self) -> Step {
        self.step
    }
    /// Its label.
    pub fn label(&self, lang: Lang) -> &str {
        self.label.get(lang)
    }
    /// The article it rests on.
    pub fn article(&self) -> &str {
        &self.article
    }
    /// Its direct prerequisites.
    pub fn after(&self) -> &[Step] {
        &self.after
    }
    /// The roles that may record `event_type` for this step (empty when it is not one of its events).
    pub fn roles_for(&self, event_type: &str) -> &[Role] {
        self.performed_by
            .get(event_type)
            .map(Vec::as_slice)
            .unwrap_or_else(|| {
                if optional_event_types_of(self.step).contains(&event_type) {
                    default_roles_for(event_type)
                } else {
                    &[]
                }
            })
    }
    /// The roles that may waive it.
    pub fn waived_by(&self) -> &[Role] {
        &self.waived_by
    }
    /// The waiver reasons it allows.
    pub fn waivers(&self) -> &[WaiverRule] {
        &self.waivers
    }
}

/// A checked workflow profile: the steps form an acyclic graph and the statutory invariants hold.
#[derive(Debug, Clone)]
pub struct Profile {
    file: WorkflowFile,
    steps: Vec<StepRule>,
    graph: DiGraph<Step, ()>,
    nodes: HashMap<Step, NodeIndex>,
}

impl Profile {
    /// Parses and checks a workflow file's text. `origin` names it in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Profile, ProfileError> {
        // A key repeated in one object is refused, naming it (serde_json would keep the last).
        if let Err(e) = crate::json::from_str(text) {
            if e.is_data() {
                return Err(ProfileError {
                    origin: origin.to_owned(),
                    problems: vec![ProfileProblem {
                        step: None,
                        message: format!("not a valid `{WORKFLOW_FORMAT}` document: {e}"),
                    }],
                });
            }
        }
        let file: WorkflowFile = serde_json::from_str(text).map_err(|e| ProfileError {
            origin: origin.to_owned(),
            problems: vec![ProfileProblem {
                step: None,
                message: format!("not a valid `{WORKFLOW_FORMAT}` document: {e}"),
            }],
        })?;
        Profile::from_file(origin, file)
    }

    /// Checks a parsed workflow file.
    pub fn from_file(origin: &str, file: WorkflowFile) -> Result<Profile, ProfileError> {
        let mut problems = Vec::new();
        let mut problem = |step: Option<&str>, message: String| {
            problems.push(ProfileProblem {
                step: step.map(str::to_owned),
                message,
            })
        };
        if file.format != WORKFLOW_FORMAT {
            problem(
                None,
                format!(
                    "unsupported format `{}`, expected `{WORKFLOW_FORMAT}`",
                    file.format
                ),
            );
        }
        if file.id.trim().is_empty() || file.id.contains('@') {
            problem(
                None,
                format!("id `{}` must be non-empty and contain no `@`", file.id),
            );
        }
        let p = &file.parameters;
        if p.min_comment_days < 30 {
            problem(
                Some("public_participation"),
                format!(
                    "`min_comment_days` is {}, below the statutory 30 days (第十五条); a profile may raise it, never lower it",
                    p.min_comment_days
                ),
            );
        }
        if p.min_review_working_days < 7 {
            problem(
                Some("legality_review"),
                format!(
                    "`min_review_working_days` is {}, below the statutory 7 working days (第二十六条); a profile may raise it, never lower it",
                    p.min_review_working_days
                ),
            );
        }
        // Upper limits: a deadline or period is days, not millennia. Larger values overflowed the
        // date arithmetic (issue 10); ten years is beyond any procedure's need.
        for (name, step, value, max) in [
            (
                "min_comment_days",
                "public_participation",
                Some(p.min_comment_days),
                MAX_DAYS,
            ),
            (
                "min_review_working_days",
                "legality_review",
                Some(p.min_review_working_days),
                MAX_WORKING_DAYS,
            ),
            ("min_experts", "expert_review", p.min_experts, MAX_EXPERTS),
            (
                "publication_deadline_working_days",
                "publication",
                p.publication_deadline_working_days,
                MAX_WORKING_DAYS,
            ),
            (
                "archiving_deadline_days",
                "archiving",
                p.archiving_deadline_days,
                MAX_DAYS,
            ),
            (
                "deferral_lapse_days",
                "collective_decision",
                p.deferral_lapse_days,
                MAX_DAYS,
            ),
        ] {
            if let Some(v) = value.filter(|v| *v > max) {
                problem(
                    Some(step),
                    format!(
                        "`{name}` is {v}, above the limit of {max}; use a value from 0 to {max}"
                    ),
                );
            }
        }
        if p.meeting_kinds.is_empty() {
            problem(
                Some("collective_decision"),
                "`meeting_kinds` is empty".into(),
            );
        }
        for kind in &p.meeting_kinds {
            if !matches!(kind, MeetingKind::Executive | MeetingKind::Plenary) {
                problem(
                    Some("collective_decision"),
                    format!("meeting kind `{kind}` may not decide: only `executive` or `plenary` meetings (第三十条)"),
                );
            }
        }

        // Steps: known, unique, with valid events, roles and waivers.
        let mut seen: HashMap<Step, usize> = HashMap::new();
        let mut rules = Vec::new();
        for raw in &file.steps {
            let Some(step) = Step::parse(&raw.id) else {
                let hint = crate::fuzzy::did_you_mean(&raw.id, &Step::ids())
                    .map(|m| format!("; did you mean `{m}`?"))
                    .unwrap_or_default();
                problem(
                    Some(&raw.id),
                    format!(
                        "unknown step; the engine knows {}{hint}",
                        Step::ids()
                            .iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            };
            if seen.insert(step, rules.len()).is_some() {
                problem(Some(&raw.id), "step is listed twice".into());
                continue;
            }
            let mut after = Vec::new();
            for a in &raw.after {
                match Step::parse(a) {
                    Some(s) => after.push(s),
                    None => problem(
                        Some(&raw.id),
                        format!("prerequisite `{a}` is not a step{}", suggest(a)),
                    ),
                }
            }
            for (event, roles) in &raw.performed_by {
                if !event_types_of(step).contains(&event.as_str())
                    && !optional_event_types_of(step).contains(&event.as_str())
                {
                    problem(
                        Some(&raw.id),
                        format!(
                            "`performed_by` names event `{event}`, which does not record this step (expected {})",
                            join_ticks(event_types_of(step))
                        ),
                    );
                } else if roles.is_empty() {
                    problem(Some(&raw.id), format!("no role may record `{event}`"));
                }
            }
            for event in event_types_of(step) {
                if !raw.performed_by.contains_key(*event) {
                    problem(
                        Some(&raw.id),
                        format!("`performed_by` does not say which roles may record `{event}`"),
                    );
                }
            }
            if step.never_waivable() && (!raw.waivers.is_empty() || !raw.waived_by.is_empty()) {
                problem(
                    Some(&raw.id),
                    format!(
                        "may never be waived ({}); remove its `waivers` and `waived_by`",
                        raw.article
                    ),
                );
            }
            if !raw.waivers.is_empty() && raw.waived_by.is_empty() {
                problem(
                    Some(&raw.id),
                    "allows waivers but no role may record one (`waived_by`)".into(),
                );
            }
            if matches!(step, Step::LegalityReview | Step::CollectiveDecision)
                && !matches!(raw.required, Requirement::Always(_))
            {
                problem(
                    Some(&raw.id),
                    "must be required for every case (`\"required\": \"always\"`): no case may skip it (第二十五条, 第三十条)".into(),
                );
            }
            rules.push(StepRule {
                step,
                label: raw.label.clone(),
                article: raw.article.clone(),
                after,
                required: raw.required.clone(),
                waivers: raw.waivers.clone(),
                waived_by: raw.waived_by.clone(),
                performed_by: raw.performed_by.clone(),
            });
        }
        for step in Step::ALL {
            if !seen.contains_key(step) {
                problem(
                    Some(step.as_str()),
                    "is missing; every profile has all eight steps".into(),
                );
            }
        }

        // The dependency graph.
        let mut graph = DiGraph::new();
        let mut nodes = HashMap::new();
        for rule in &rules {
            nodes.insert(rule.step, graph.add_node(rule.step));
        }
        for rule in &rules {
            for prereq in &rule.after {
                match nodes.get(prereq) {
                    Some(&from) => {
                        graph.add_edge(from, nodes[&rule.step], ());
                    }
                    None => problem(
                        Some(rule.step.as_str()),
                        format!("prerequisite `{prereq}` is not a step of this profile"),
                    ),
                }
            }
        }
        if let Err(cycle) = toposort(&graph, None) {
            let at = graph[cycle.node_id()];
            problem(
                Some(at.as_str()),
                "is part of a dependency cycle; the steps must form an acyclic graph".into(),
            );
        } else if let (Some(&lr), Some(&cd)) = (
            nodes.get(&Step::LegalityReview),
            nodes.get(&Step::CollectiveDecision),
        ) {
            if !has_path_connecting(&graph, lr, cd, None) {
                problem(
                    Some("collective_decision"),
                    "`legality_review` must be a (transitive) prerequisite: 未经合法性审查的，不得提交决策机关讨论 (第二十五条)".into(),
                );
            }
            for ff in Step::FACT_FINDING {
                if let Some(&n) = nodes.get(&ff) {
                    if !has_path_connecting(&graph, n, lr, None) {
                        problem(
                            Some("legality_review"),
                            format!("`{ff}` must be a (transitive) prerequisite: the review covers the procedures performed (第二十六条)"),
                        );
                    }
                }
            }
            // Every step must be reachable: connected to the decision, before or after it, or a
            // prerequisite of a step after it (the party report, Art. 31: any time before
            // publication).
            let after_decision: Vec<NodeIndex> = nodes
                .values()
                .copied()
                .filter(|&m| has_path_connecting(&graph, cd, m, None))
                .collect();
            for (&step, &n) in &nodes {
                if !has_path_connecting(&graph, n, cd, None)
                    && !has_path_connecting(&graph, cd, n, None)
                    && !after_decision
                        .iter()
                        .any(|&m| has_path_connecting(&graph, n, m, None))
                {
                    problem(
                        Some(step.as_str()),
                        "is not reachable: it is neither before nor after `collective_decision`, nor a prerequisite of a step after it"
                            .into(),
                    );
                }
            }
        }

        if !problems.is_empty() {
            problems.sort_by_key(|p| {
                p.step
                    .as_deref()
                    .and_then(Step::parse)
                    .map(|s| Step::ALL.iter().position(|x| *x == s))
            });
            return Err(ProfileError {
                origin: origin.to_owned(),
                problems,
            });
        }
        Ok(Profile {
            file,
            steps: rules,
            graph,
            nodes,
        })
    }

    /// The profile id.
    pub fn id(&self) -> &str {
        &self.file.id
    }
    /// The profile version.
    pub fn version(&self) -> u32 {
        self.file.version
    }
    /// `id@version`, as pinned by cases.
    pub fn pinned(&self) -> String {
        format!("{}@{}", self.file.id, self.file.version)
    }
    /// The title.
    pub fn title(&self, lang: Lang) -> &str {
        self.file.title.get(lang)
    }
    /// The parameters.
    pub fn parameters(&self) -> &Parameters {
        &self.file.parameters
    }
    /// The raw file, as checked.
    pub fn file(&self) -> &WorkflowFile {
        &self.file
    }
    /// Roles that may open a case.
    pub fn opened_by(&self) -> &[Role] {
        &self.file.opened_by
    }
    /// The steps, in profile order.
    pub fn steps(&self) -> &[StepRule] {
        &self.steps
    }
    /// The rule for one step.
    pub fn step(&self, step: Step) -> &StepRule {
        // Every step is present: `from_file` refuses a profile that lacks one.
        let i = self.steps.iter().position(|r| r.step == step).unwrap_or(0);
        &self.steps[i]
    }
    /// The position of a step in profile order, for sorting findings.
    pub fn order_of(&self, step: Step) -> usize {
        self.steps
            .iter()
            .position(|r| r.step == step)
            .unwrap_or(usize::MAX)
    }
    /// Whether `prereq` is a transitive prerequisite of `step`.
    pub fn precedes(&self, prereq: Step, step: Step) -> bool {
        match (self.nodes.get(&prereq), self.nodes.get(&step)) {
            (Some(&a), Some(&b)) => a != b && has_path_connecting(&self.graph, a, b, None),
            _ => false,
        }
    }
    /// Every transitive prerequisite of `step`, in profile order.
    pub fn prerequisites(&self, step: Step) -> Vec<Step> {
        self.steps
            .iter()
            .map(|r| r.step)
            .filter(|s| self.precedes(*s, step))
            .collect()
    }

    /// Whether `step` is required for a case with these attributes.
    pub fn is_required(&self, step: Step, attrs: &crate::event::Attributes) -> bool {
        match &self.step(step).required {
            Requirement::Always(_) => true,
            Requirement::Conditions {
                when_all,
                unless_any,
            } => {
                when_all.iter().all(|a| attrs.get(*a)) && !unless_any.iter().any(|a| attrs.get(*a))
            }
        }
    }

    /// Whether a waiver of `step` for `reason` is valid for a case with these attributes:
    /// the step is waivable and either not required anyway or the reason is allowed.
    pub fn waiver_is_valid(
        &self,
        step: Step,
        reason: WaiverReason,
        attrs: &crate::event::Attributes,
    ) -> bool {
        if step.never_waivable() {
            return false;
        }
        if !self.is_required(step, attrs) {
            return true;
        }
        self.step(step)
            .waivers
            .iter()
            .any(|w| w.reason == reason && w.only_if.iter().all(|a| attrs.get(*a)))
    }

    /// The roles that may record `body` in live use. Overrides are written only beside a gate
    /// event forced by a head, never on their own: no role may record one directly.
    pub fn roles_for(&self, body: &crate::event::EventBody) -> &[Role] {
        use crate::event::EventBody;
        match body {
            EventBody::Opened => &self.file.opened_by,
            EventBody::Draft(_) => &self.file.drafted_by,
            EventBody::Waived(w) => self.step(w.step).waived_by(),
            EventBody::Override(_) => &[],
            other => match other.step() {
                Some(step) => self.step(step).roles_for(other.type_name()),
                None => &[],
            },
        }
    }

    /// The dependency graph in Graphviz DOT.
    pub fn to_dot(&self, lang: Lang) -> String {
        let mut s = format!(
            "digraph \"{}\" {{\n  rankdir=LR;\n  label=\"{} — {}\";\n  node [shape=box];\n",
            self.pinned(),
            self.pinned(),
            escape_dot(self.title(lang))
        );
        for rule in &self.steps {
            let style = if self.is_required_always(rule.step) {
                ""
            } else {
                ", style=dashed"
            };
            s.push_str(&format!(
                "  {} [label=\"{}\\n{}\"{}];\n",
                rule.step,
                escape_dot(rule.label(lang)),
                escape_dot(&rule.article),
                style
            ));
        }
        for rule in &self.steps {
            for prereq in &rule.after {
                s.push_str(&format!("  {prereq} -> {};\n", rule.step));
            }
        }
        s.push_str("}\n");
        s
    }

    fn is_required_always(&self, step: Step) -> bool {
        matches!(self.step(step).required, Requirement::Always(_))
    }
}

fn escape_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn suggest(s: &str) -> String {
    crate::fuzzy::did_you_mean(s, &Step::ids())
        .map(|m| format!("; did you mean `{m}`?"))
        .unwrap_or_default()
}

fn join_ticks(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
