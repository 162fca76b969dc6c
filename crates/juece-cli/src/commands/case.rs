use clap::{Args, Subcommand, ValueEnum};
use juece_core::event::{Attributes, Case, CaseHeader, Event, EventBody};
use juece_core::ids::{Category, Status};
use serde_json::{json, Value};

use crate::commands::case_show::ShowArgs;
use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::{csv_line, emit, table};
use crate::write::{actor, event_time, role_for, WriteArgs};
use crate::CmdResult;
use juece_engine::import_cases;
use juece_store::ListFilter;

/// Open, show and list decision cases
#[derive(Subcommand)]
pub enum CaseCommand {
    /// Open a decision case under a workflow profile
    Open(OpenArgs),
    /// Show a case: facts, timeline, steps, findings, what may be done next and dates that matter
    Show(ShowArgs),
    /// List cases, optionally only those with skipped steps or overrides
    List(ListArgs),
}

#[derive(Args)]
pub struct OpenArgs {
    /// The case reference, e.g. XX县政府〔2024〕重大决策1号
    case_ref: String,
    /// Title of the decision
    #[arg(long)]
    title: String,
    /// The deciding organ (决策机关)
    #[arg(long)]
    organ: String,
    /// The undertaking unit (决策承办单位)
    #[arg(long = "unit", value_name = "UNIT")]
    undertaking_unit: String,
    /// public_policy, plan, resources, public_construction, other
    #[arg(long, value_parser = parse_category)]
    category: Category,
    /// Workflow profile id or id@version
    #[arg(long, default_value = "decree-713")]
    workflow: String,
    /// 专业性、技术性较强: expert review applies (第十九条)
    #[arg(long)]
    technical: bool,
    /// May affect social stability: risk assessment applies (第二十二条)
    #[arg(long)]
    stability_risk: bool,
    /// A law or rule requires a hearing (第十六条)
    #[arg(long)]
    hearing_required: bool,
    /// 依法不予公开 (第十四条、第三十二条)
    #[arg(long)]
    confidential: bool,
    /// Concerns the economic activity of market entities (第二十九条)
    #[arg(long)]
    market_entities: bool,
    #[command(flatten)]
    write: WriteArgs,
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::parse(s).ok_or_else(|| {
        format!(
            "unknown category `{s}` (one of {})",
            Category::ids().join(", ")
        )
    })
}

#[derive(Args)]
pub struct ListArgs {
    /// Only cases with this status: open, in_review, deferred, rejected, decided, published, archived
    #[arg(long, value_parser = parse_status)]
    status: Option<Status>,
    /// Only cases decided with a required step skipped
    #[arg(long)]
    skipped: bool,
    /// Only cases where a guard was overridden
    #[arg(long)]
    overridden: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
}

fn parse_status(s: &str) -> Result<Status, String> {
    Status::parse(s)
        .ok_or_else(|| format!("unknown status `{s}` (one of {})", Status::ids().join(", ")))
}

pub fn run(global: &GlobalArgs, cmd: &CaseCommand) -> CmdResult {
    match cmd {
        CaseCommand::Open(a) => open(global, a),
        CaseCommand::Show(a) => crate::commands::case_show::run(global, a),
        CaseCommand::List(a) => list(global, a),
    }
}

fn open(global: &GlobalArgs, a: &OpenArgs) -> CmdResult {
    if a.write.override_justification.is_some() {
        return Err(CliError::bad_input(
            "opening a case has no guard to override",
        ));
    }
    let mut store = global.store()?;
    let who = actor(&store, &a.write)?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar()?;
    let profile = profiles.resolve(&a.workflow)?;
    let at = event_time(global, &a.write)?;
    let (role, _) = role_for(profile, &who, &EventBody::Opened, false, global.lang())?;
    let attributes = Attributes {
        technical: a.technical,
        stability_risk: a.stability_risk,
        hearing_required: a.hearing_required,
        confidential: a.confidential,
        market_entities: a.market_entities,
    };
    let case = Case {
        header: CaseHeader {
            case_ref: a.case_ref.trim().to_owned(),
            title: a.title.clone(),
            organ: a.organ.clone(),
            undertaking_unit: a.undertaking_unit.clone(),
            category: a.category,
            workflow: profile.pinned(),
            attributes,
        },
        events: vec![Event {
            at,
            actor: who.name.clone(),
            role,
            body: EventBody::Opened,
        }],
    };
    if case.header.case_ref.is_empty() {
        return Err(CliError::bad_input("a case needs a reference"));
    }
    import_cases(
        &mut store,
        &profiles,
        &calendar,
        std::slice::from_ref(&case),
    )?;
    emit(&match global.lang() {
        juece_core::Lang::Zh => format!(
            "已立项：事项 `{}`，适用流程 `{}`（{}，{}）\n",
            case.header.case_ref,
            profile.pinned(),
            who.name,
            role.label(juece_core::Lang::Zh)
        ),
        juece_core::Lang::En => format!(
            "opened case `{}` under `{}` ({}, {})\n",
            case.header.case_ref,
            profile.pinned(),
            who.name,
            role.as_str()
        ),
    })?;
    Ok(Exit::Ok)
}

fn list(global: &GlobalArgs, a: &ListArgs) -> CmdResult {
    let lang = global.lang();
    let store = global.store()?;
    let rows = store.list_cases(&ListFilter {
        status: a.status,
        skipped: a.skipped,
        overridden: a.overridden,
    })?;
    match a.format {
        ListFormat::Json => {
            let cases: Vec<Value> = rows
                .iter()
                .map(|c| {
                    json!({ "ref": c.case_ref, "title": c.title, "workflow": c.workflow,
                        "status": c.projection.status.as_str(), "skipped": c.projection.has_skipped,
                        "overridden": c.projection.has_override, "violations": c.projection.violations,
                        "warnings": c.projection.warnings, "last_event_at": c.last_at })
                })
                .collect();
            let mut s =
                serde_json::to_string_pretty(&json!({ "cases": cases })).unwrap_or_default();
            s.push('\n');
            emit(&s)?;
        }
        ListFormat::Csv => {
            let mut s = csv_line(&[
                "ref",
                "title",
                "workflow",
                "status",
                "skipped",
                "overridden",
                "violations",
                "warnings",
                "last_event_at",
            ]);
            for c in &rows {
                s.push_str(&csv_line(&[
                    &c.case_ref,
                    &c.title,
                    &c.workflow,
                    c.projection.status.as_str(),
                    &c.projection.has_skipped.to_string(),
                    &c.projection.has_override.to_string(),
                    &c.projection.violations.to_string(),
                    &c.projection.warnings.to_string(),
                    &c.last_at,
                ]));
            }
            emit(&s)?;
        }
        ListFormat::Table => {
            let zh = lang == juece_core::Lang::Zh;
            let yes = |b: bool| {
                if b {
                    if zh {
                        "是"
                    } else {
                        "yes"
                    }
                } else {
                    ""
                }
            };
            let header: [&str; 7] = if zh {
                [
                    "案号",
                    "标题",
                    "状态",
                    "跳过程序",
                    "强制推进",
                    "违规",
                    "最近记录",
                ]
            } else {
                [
                    "ref",
                    "title",
                    "status",
                    "skipped",
                    "overridden",
                    "violations",
                    "last event",
                ]
            };
            let body: Vec<Vec<String>> = rows
                .iter()
                .map(|c| {
                    vec![
                        c.case_ref.clone(),
                        c.title.clone(),
                        c.projection.status.label(lang).to_owned(),
                        yes(c.projection.has_skipped).to_owned(),
                        yes(c.projection.has_override).to_owned(),
                        c.projection.violations.to_string(),
                        c.last_at.get(..10).unwrap_or(&c.last_at).to_owned(),
                    ]
                })
                .collect();
            let mut s = table(&header, &body);
            s.push_str(&if zh {
                format!("\n共 {} 件\n", rows.len())
            } else {
                format!("\n{} cases\n", rows.len())
            });
            emit(&s)?;
        }
    }
    Ok(Exit::Ok)
}
