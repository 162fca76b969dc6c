use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};

use crate::context::{parse_date, read_text, GlobalArgs};
use crate::error::CliError;
use crate::write::{write_event, WriteArgs};
use crate::CmdResult;

/// Record the evidence of public participation, expert review or risk assessment
///
/// Each takes its fields as options, or as a JSON file (`--file`) holding the event's fields
/// as in the interchange format (`type`, `actor`, `role` may be left out).
#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Public participation (第十四条至第十八条)
    Participation(ParticipationArgs),
    /// Expert review (第十九条至第二十一条)
    Experts(ExpertsArgs),
    /// Risk assessment (第二十二条至第二十四条)
    Risk(RiskArgs),
    /// Fair-competition review among the meeting materials, for a case concerning market
    /// entities (第二十九条; 《公平竞争审查条例》)
    FairCompetition(FairCompetitionArgs),
}

#[derive(Args)]
pub struct ParticipationArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// The evidence as a JSON file instead of options
    #[arg(long, value_name = "PATH", conflicts_with_all = ["methods", "from", "to"])]
    file: Option<PathBuf>,
    /// A method: public_comment, hearing, symposium, field_visit, written_consultation, questionnaire, poll (can be repeated)
    #[arg(long = "method", value_name = "METHOD")]
    methods: Vec<String>,
    /// First day of the public comment period
    #[arg(long, value_parser = parse_date, value_name = "DATE", requires = "to")]
    from: Option<NaiveDate>,
    /// Last day of the public comment period
    #[arg(long, value_parser = parse_date, value_name = "DATE", requires = "from")]
    to: Option<NaiveDate>,
    /// Why the period was shorter than the minimum
    #[arg(long, value_name = "TEXT")]
    shortened_reason: Option<String>,
    /// The day a hearing was held
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    hearing_date: Option<NaiveDate>,
    /// Opinions received
    #[arg(long, value_name = "N")]
    received: Option<u64>,
    /// Opinions adopted
    #[arg(long, value_name = "N")]
    adopted: Option<u64>,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Args)]
pub struct ExpertsArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// The evidence as a JSON file instead of options
    #[arg(long, value_name = "PATH", conflicts_with = "experts")]
    file: Option<PathBuf>,
    /// An expert: `NAME`, with `:unsigned` if the opinion is not signed and `:conflict` if they have a direct interest (can be repeated)
    #[arg(long = "expert", value_name = "NAME[:unsigned][:conflict]")]
    experts: Vec<String>,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Args)]
pub struct RiskArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// The evidence as a JSON file instead of options
    #[arg(long, value_name = "PATH", conflicts_with_all = ["level", "controllable"])]
    file: Option<PathBuf>,
    /// Risk level: low, medium, high
    #[arg(long, value_name = "LEVEL")]
    level: Option<String>,
    /// Whether the risk is controllable: yes or no
    #[arg(long, value_name = "yes|no", value_parser = parse_yes_no)]
    controllable: Option<bool>,
    /// The measures
    #[arg(long, value_name = "TEXT")]
    measures: Option<String>,
    #[command(flatten)]
    write: WriteArgs,
}

#[derive(Args)]
pub struct FairCompetitionArgs {
    /// The case reference
    #[arg(value_parser = crate::context::RefParser)]
    case_ref: String,
    /// The conclusion: compliant, not_compliant, exception
    #[arg(long, value_name = "CONCLUSION")]
    conclusion: String,
    /// The basis of the conclusion
    #[arg(long, value_name = "TEXT")]
    basis: String,
    /// Who reviewed
    #[arg(long, value_name = "NAME")]
    reviewer: Option<String>,
    #[command(flatten)]
    write: WriteArgs,
}

fn parse_yes_no(s: &str) -> Result<bool, String> {
    match s {
        "yes" | "true" | "是" => Ok(true),
        "no" | "false" | "否" => Ok(false),
        _ => Err(crate::t!(
            format!("`{s}`：请写 yes 或 no（是/否）"),
            format!("`{s}`: say yes or no")
        )),
    }
}

/// Reads an evidence file and sets its `type`.
fn from_file(path: &Path, event_type: &str) -> Result<Value, CliError> {
    let text = read_text(path)?;
    let mut value: Value = juece_core::json::from_str(&text).map_err(|e| {
        CliError::bad_input(crate::t!(
            format!(
                "`{}` 不是有效的 JSON：{}",
                path.display(),
                crate::error::localized(&e.to_string())
            ),
            format!("`{}` is not valid JSON: {e}", path.display())
        ))
    })?;
    let Some(obj) = value.as_object_mut() else {
        return Err(CliError::bad_input(crate::t!(
            format!("`{}` 须为一个 JSON 对象", path.display()),
            format!("`{}` must hold a JSON object", path.display())
        )));
    };
    match obj.get("type").and_then(Value::as_str) {
        Some(t) if t != event_type => {
            return Err(CliError::bad_input(crate::t!(
                format!("`{}` 中是 `{t}` 事件，不是 `{event_type}`", path.display()),
                format!(
                    "`{}` holds a `{t}` event, not `{event_type}`",
                    path.display()
                )
            )))
        }
        _ => {}
    }
    obj.insert("type".into(), json!(event_type));
    Ok(value)
}

fn missing(what: &str) -> CliError {
    CliError::bad_input(crate::t!(
        format!("缺少 {what}"),
        format!("{what} is needed")
    ))
    .with_hint(crate::t!(
        "用选项给出，或用 --file 给出完整的材料",
        "give it as an option, or the whole evidence with --file"
    ))
}

pub fn run(global: &GlobalArgs, cmd: &EvidenceCommand) -> CmdResult {
    match cmd {
        EvidenceCommand::Participation(a) => {
            let event = match &a.file {
                Some(f) => from_file(f, "public_participation")?,
                None => {
                    if a.methods.is_empty() {
                        return Err(missing("at least one `--method`"));
                    }
                    let mut m = Map::new();
                    m.insert("type".into(), json!("public_participation"));
                    m.insert("methods".into(), json!(a.methods));
                    if let (Some(from), Some(to)) = (a.from, a.to) {
                        m.insert(
                            "comment_period".into(),
                            json!({ "start": from.to_string(), "end": to.to_string() }),
                        );
                    }
                    m.insert("shortened_reason".into(), json!(a.shortened_reason));
                    m.insert(
                        "hearing".into(),
                        a.hearing_date
                            .map(|d| json!({ "date": d.to_string() }))
                            .unwrap_or(Value::Null),
                    );
                    m.insert("opinions_received".into(), json!(a.received));
                    m.insert("opinions_adopted".into(), json!(a.adopted));
                    Value::Object(m)
                }
            };
            write_event(global, &a.case_ref, &event, &a.write)
        }
        EvidenceCommand::Experts(a) => {
            let event = match &a.file {
                Some(f) => from_file(f, "expert_review")?,
                None => {
                    if a.experts.is_empty() {
                        return Err(missing("at least one `--expert`"));
                    }
                    let experts: Vec<Value> = a
                        .experts
                        .iter()
                        .map(|spec| {
                            let mut parts = spec.split(':');
                            let name = parts.next().unwrap_or_default().trim().to_owned();
                            let flags: Vec<&str> = parts.collect();
                            json!({ "name": name, "signed": !flags.contains(&"unsigned"),
                                    "conflict_of_interest": flags.contains(&"conflict") })
                        })
                        .collect();
                    json!({ "type": "expert_review", "experts": experts })
                }
            };
            write_event(global, &a.case_ref, &event, &a.write)
        }
        EvidenceCommand::Risk(a) => {
            let event = match &a.file {
                Some(f) => from_file(f, "risk_assessment")?,
                None => {
                    let level = a.level.clone().ok_or_else(|| missing("`--level`"))?;
                    let controllable = a
                        .controllable
                        .ok_or_else(|| missing("`--controllable yes|no`"))?;
                    json!({ "type": "risk_assessment", "level": level, "controllable": controllable, "measures": a.measures })
                }
            };
            write_event(global, &a.case_ref, &event, &a.write)
        }
        EvidenceCommand::FairCompetition(a) => {
            let event = json!({ "type": "fair_competition_review", "conclusion": a.conclusion,
                                "basis": a.basis, "reviewer": a.reviewer });
            write_event(global, &a.case_ref, &event, &a.write)
        }
    }
}
