use clap::{Args, Subcommand, ValueEnum};
use juece_core::event::{Attributes, Case, CaseHeader, Event, EventBody};
use juece_core::ids::{Category, Status};
use serde_json::json;

use crate::commands::case_show::ShowArgs;
use crate::context::GlobalArgs;
use crate::error::{CliError, Exit};
use crate::out::{csv_line, emit, table, Emitter};
use crate::write::{actor, event_time, role_for, WriteArgs};
use crate::CmdResult;
use juece_engine::import_cases;
use juece_store::ListFilter;

/// Open, show and list decision cases
#[derive(Subcommand)]
pub enum CaseCommand {
    /// Open a decision case under a workflow profile
    Open(Box<OpenArgs>),
    /// Show a case: facts, timeline, steps, findings, what may be done next and dates that matter
    Show(ShowArgs),
    /// List cases, optionally only those with skipped steps or overrides
    List(ListArgs),
    /// Void the case's latest event, recorded by mistake: it is kept and shown, and the rules
    /// leave it out (only its author or legal_office; 第三十三条)
    Void(VoidArgs),
}

#[derive(Args)]
pub struct VoidArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// Why the event is voided
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// The event to void, by its number in `case show` (default: the latest that may be voided)
    #[arg(long, value_name = "SEQ")]
    event: Option<u64>,
    #[command(flatten)]
    write: WriteArgs,
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
    /// The item of the organ's decision catalogue the case implements: ORGAN/YEAR/ITEM (第三条)
    #[arg(long, value_parser = crate::commands::catalogue::parse_link, value_name = "ORGAN/YEAR/ITEM")]
    catalogue: Option<juece_core::event::CatalogueRef>,
    #[command(flatten)]
    write: WriteArgs,
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::parse(s.trim()).ok_or_else(|| {
        crate::t!(
            format!("没有类别 `{s}`；可选：{}", Category::ids().join("、")),
            format!(
                "unknown category `{s}` (one of {})",
                Category::ids().join(", ")
            )
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
    #[command(flatten)]
    reader: crate::names::ReadAs,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
}

/// A status as its id (`published`) or as the tables show it, in either language (`已公布`).
fn parse_status(s: &str) -> Result<Status, String> {
    let t = s.trim();
    if let Some(st) = Status::parse(t) {
        return Ok(st);
    }
    let all: Vec<Status> = Status::ids()
        .into_iter()
        .filter_map(Status::parse)
        .collect();
    if let Some(st) = all.iter().find(|st| {
        [juece_core::Lang::Zh, juece_core::Lang::En]
            .iter()
            .any(|l| st.label(*l).eq_ignore_ascii_case(t))
    }) {
        return Ok(*st);
    }
    let lang = crate::i18n::lang();
    let list = all
        .iter()
        .map(|st| format!("{} ({})", st.as_str(), st.label(lang)))
        .collect::<Vec<_>>()
        .join(", ");
    Err(crate::t!(
        format!("没有状态 `{s}`；可选：{list}"),
        format!("unknown status `{s}` (one of {list})")
    ))
}

pub fn run(global: &GlobalArgs, cmd: &CaseCommand) -> CmdResult {
    match cmd {
        CaseCommand::Open(a) => open(global, a),
        CaseCommand::Show(a) => crate::commands::case_show::run(global, a),
        CaseCommand::List(a) => list(global, a),
        CaseCommand::Void(a) => void(global, a),
    }
}

fn void(global: &GlobalArgs, a: &VoidArgs) -> CmdResult {
    let event = match a.event {
        Some(seq) => seq,
        None => {
            let store = global.store()?;
            let as_user = a.write.as_user.as_deref();
            match crate::names::case_for_writer(&store, as_user, &a.case_ref)? {
                Some(stored) => crate::write::voidable_latest(&stored.case).unwrap_or(0) as u64,
                // Not a case this writer sees: the write path answers as for any case.
                None => 0,
            }
        }
    };
    crate::write::write_event(
        global,
        &a.case_ref,
        &json!({ "type": "voided", "event": event, "reason": a.reason }),
        &a.write,
    )
}

fn open(global: &GlobalArgs, a: &OpenArgs) -> CmdResult {
    if a.write.override_justification.is_some() {
        return Err(CliError::bad_input(crate::t!(
            "立项没有可强制推进的条件，不能用 `--override`",
            "opening a case has no guard to override"
        )));
    }
    let case_ref = juece_core::text::identifier("case reference", &a.case_ref).map_err(|m| {
        CliError::bad_input(crate::error::localized(&m))
            .with_hint(crate::t!("未写入任何内容", "nothing was written"))
    })?;
    for (field, text) in [
        ("title", &a.title),
        ("organ", &a.organ),
        ("unit", &a.undertaking_unit),
    ] {
        if text.len() > juece_core::text::MAX_FIELD_BYTES {
            return Err(CliError::bad_input(crate::t!(
                format!(
                    "`--{field}` 长 {} 字节，一个字段最多 {} 字节",
                    text.len(),
                    juece_core::text::MAX_FIELD_BYTES
                ),
                format!(
                    "`--{field}` is {} bytes long; a field holds at most {} bytes",
                    text.len(),
                    juece_core::text::MAX_FIELD_BYTES
                )
            )));
        }
    }
    let mut store = global.store()?;
    let who = actor(&store, &a.write)?;
    // Only for one's own organs, and never as an inspector (exit 3).
    juece_engine::scope::may_open(&who, &a.organ, global.lang())?;
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar_with(&store)?;
    let profile = profiles.resolve(&a.workflow)?;
    let at = event_time(global, &a.write)?; // refuses a time in the future
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
            case_ref,
            title: a.title.clone(),
            organ: a.organ.clone(),
            undertaking_unit: a.undertaking_unit.clone(),
            category: a.category,
            workflow: profile.pinned(),
            attributes,
            catalogue: a.catalogue.clone(),
        },
        events: vec![Event {
            at,
            recorded_at: Some(global.now()),
            actor: who.name.clone(),
            role,
            body: EventBody::Opened,
        }],
    };
    if case.header.case_ref.is_empty() {
        return Err(CliError::bad_input(crate::t!(
            "立项须有案号",
            "a case needs a reference"
        )));
    }
    // A retried `--command-id` is answered like every other retried write.
    if let Some(id) = &a.write.command_id {
        if let Some((done_ref, first_seq, count)) = store.command_recorded(id)? {
            // A command id used on another organ's case names no case.
            let as_user = a.write.as_user.as_deref();
            let done_ref = match crate::names::case_for_writer(&store, as_user, &done_ref)? {
                Some(_) => done_ref,
                None => String::from("…"),
            };
            if done_ref != case.header.case_ref {
                return Err(CliError::bad_input(crate::t!(
                    format!(
                        "命令编号 `{id}` 已用于事项 `{done_ref}`，不是 `{}`",
                        case.header.case_ref
                    ),
                    format!(
                        "command id `{id}` was already used for case `{done_ref}`, not `{}`",
                        case.header.case_ref
                    )
                ))
                .with_hint(crate::t!(
                    "新的写入请用新的命令编号；未写入任何内容",
                    "use a new command id for a new write; nothing was written"
                )));
            }
            let last = first_seq + count.saturating_sub(1);
            emit(&match global.lang() {
                juece_core::Lang::Zh => format!("命令 `{id}` 已记录过（事项 `{done_ref}` 第 {first_seq}–{last} 号事件），本次未重复写入\n"),
                juece_core::Lang::En => format!("command `{id}` was already recorded (events {first_seq}–{last} of case `{done_ref}`); nothing written again\n"),
            })?;
            return Ok(Exit::Ok);
        }
    }
    import_cases(
        &mut store,
        &profiles,
        &calendar,
        std::slice::from_ref(&case),
    )?;
    if let Some(id) = &a.write.command_id {
        store.record_command(id, &case.header.case_ref, 0, 1)?;
    }
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
    let scope = a.reader.scope(&store)?;
    let rows = scope.list_cases(
        &store,
        &ListFilter {
            status: a.status,
            skipped: a.skipped,
            overridden: a.overridden,
        },
    )?;
    // Written a row at a time: a province's million cases are listed without their text (or a
    // JSON tree of them) ever being in memory at once. To a terminal, the table goes whole
    // through the pager, wrapped to its width.
    let mut out = Emitter::new();
    match a.format {
        ListFormat::Json => {
            out.write("{\n  \"cases\": [")?;
            for (i, c) in rows.iter().enumerate() {
                let case = json!({ "ref": c.case_ref, "title": c.title, "workflow": c.workflow,
                    "status": c.projection.status.as_str(), "skipped": c.projection.has_skipped,
                    "overridden": c.projection.has_override, "violations": c.projection.violations,
                    "warnings": c.projection.warnings, "last_event_at": c.last_at });
                out.write(if i == 0 { "\n" } else { ",\n" })?;
                let text = serde_json::to_string_pretty(&case).unwrap_or_default();
                juece_engine::audit::write_indented(&mut out, &text, "    ", true)?;
            }
            out.write(if rows.is_empty() {
                "]\n}\n"
            } else {
                "\n  ]\n}\n"
            })?;
        }
        ListFormat::Csv => {
            out.write(crate::out::BOM)?;
            out.write(&csv_line(&[
                "ref",
                "title",
                "workflow",
                "status",
                "skipped",
                "overridden",
                "violations",
                "warnings",
                "last_event_at",
            ]))?;
            for c in &rows {
                out.write(&csv_line(&[
                    &c.case_ref,
                    &c.title,
                    &c.workflow,
                    c.projection.status.as_str(),
                    &c.projection.has_skipped.to_string(),
                    &c.projection.has_override.to_string(),
                    &c.projection.violations.to_string(),
                    &c.projection.warnings.to_string(),
                    &c.last_at,
                ]))?;
            }
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
            let cells = |c: &juece_store::CaseRow| {
                vec![
                    c.case_ref.clone(),
                    c.title.clone(),
                    c.projection.status.label(lang).to_owned(),
                    yes(c.projection.has_skipped).to_owned(),
                    yes(c.projection.has_override).to_owned(),
                    c.projection.violations.to_string(),
                    c.last_at.get(..10).unwrap_or(&c.last_at).to_owned(),
                ]
            };
            let total = if zh {
                format!("\n共 {} 件\n", rows.len())
            } else {
                format!(
                    "\n{} {}\n",
                    rows.len(),
                    if rows.len() == 1 { "case" } else { "cases" }
                )
            };
            if crate::out::terminal_width().is_some() {
                let body: Vec<Vec<String>> = rows.iter().map(cells).collect();
                let mut s = table(&header, &body);
                s.push_str(&total);
                emit(&s)?;
            } else {
                let shown = |c: &juece_store::CaseRow| -> Vec<String> {
                    cells(c).iter().map(|c| crate::out::safe_cell(c)).collect()
                };
                crate::out::write_table(&mut out, &header, &rows, shown)?;
                out.write(&total)?;
            }
        }
    }
    out.finish()?;
    Ok(Exit::Ok)
}
