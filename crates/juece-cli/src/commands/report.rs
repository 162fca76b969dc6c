//! `juece report`: the major-decision section of the annual 法治政府建设年度报告 (report.md), as
//! Markdown, a printable HTML page or `juece-report/1`; `juece report merge` adds up counties'.
//!
//! Every number comes from `juece_core::report`, a view of the evaluator; this file only words
//! and draws it.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use juece_core::report::{default_as_of, merge, parse_report};
use juece_core::Lang;
use juece_engine::report::{html, json, markdown};

use crate::context::{parse_date, read_text, GlobalArgs};
use crate::error::{CliError, Exit};
use crate::out::emit;
use crate::CmdResult;

/// Write the major-decision section of the annual report (法治政府建设年度报告) for a year
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReportArgs {
    #[command(subcommand)]
    command: Option<ReportCommand>,
    /// The year reported on
    #[arg(long)]
    year: Option<i32>,
    /// Only this deciding organ (default: every organ in the database)
    #[arg(long)]
    organ: Option<String>,
    /// Evaluate as of this date (default: 31 December of the year, or today if earlier)
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    format: ReportFormat,
    #[command(flatten)]
    reader: crate::names::ReadAs,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// Add up juece-report/1 documents of the same year (a province collecting its counties')
    Merge(MergeArgs),
}

#[derive(Args)]
struct MergeArgs {
    /// juece-report/1 files
    #[arg(required = true, num_args = 1..)]
    files: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

pub fn run(global: &GlobalArgs, a: &ReportArgs) -> CmdResult {
    let lang = global.lang();
    if let Some(ReportCommand::Merge(m)) = &a.command {
        return run_merge(m, lang);
    }
    let Some(year) = a.year else {
        return Err(CliError::bad_input(match lang {
            Lang::Zh => "`juece report` 需要 `--year YYYY`（报告的年度）",
            Lang::En => "`juece report` needs `--year YYYY` (the year reported on)",
        })
        .with_hint("e.g. `juece report --year 2023 --format html > report.html`"));
    };
    let as_of = a
        .as_of
        .unwrap_or_else(|| default_as_of(year, global.today()));
    let store = global.store()?;
    crate::progress::total(store.case_count()?, crate::progress::Unit::Cases);
    let profiles = global.profiles(&store)?;
    let calendar = global.calendar_with(&store)?;
    // A user of some organs reports on theirs only (`--organ` of another reads as no cases).
    let scope = a.reader.scope(&store)?;
    if let Some(o) = &a.organ {
        warn_if_unknown(o, &scope.known_organs(&store)?);
    }
    let (report, lines) = juece_engine::report::build(
        &store,
        &profiles,
        &calendar,
        &scope,
        year,
        a.organ.as_deref(),
        as_of,
    )?;
    let text = match a.format {
        ReportFormat::Json => json(&report),
        ReportFormat::Md => markdown(&report, Some(&lines), lang),
        ReportFormat::Html => html(&report, Some(&lines), lang),
    };
    emit(&text)?;
    Ok(Exit::Ok)
}

/// An organ no case or catalogue names gives an empty report, which is right, but is far more
/// often a typo than an organ with no decisions ever: say so on stderr, with the nearest name.
fn warn_if_unknown(organ: &str, known: &[String]) {
    let key = juece_core::text::organ_key(organ);
    if known.iter().any(|k| juece_core::text::organ_key(k) == key) {
        return;
    }
    let names: Vec<&str> = known.iter().map(String::as_str).collect();
    let nearest = juece_core::fuzzy::nearest_name(organ, &names);
    eprintln!(
        "{}",
        crate::t!(
            format!(
                "注意：数据库中没有决策机关 `{organ}` 的事项或目录，报告中的数字都将为零{}",
                nearest
                    .map(|n| format!("；是否指 `{n}`？"))
                    .unwrap_or_else(|| "；机关名称须与事项的 `organ` 字段完全一致".into())
            ),
            format!(
                "warning: no case or catalogue in the database names the organ `{organ}`, so every number of the report is zero{}",
                nearest
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_else(|| "; the name must be the cases' `organ` exactly".into())
            )
        )
    );
}

fn run_merge(m: &MergeArgs, lang: Lang) -> CmdResult {
    let mut reports = Vec::new();
    for path in &m.files {
        let text = read_text(path)?;
        let r = parse_report(&text).map_err(|e| {
            CliError::bad_input(match lang {
                Lang::Zh => format!(
                    "`{}` 不是 juece-report/1 报告：{}",
                    path.display(),
                    crate::error::localized(&e.to_string())
                ),
                Lang::En => format!("`{}` is not a juece-report/1 report: {e}", path.display()),
            })
            .with_hint(crate::t!(
                "请给出 `juece report --format json` 写出的文件",
                "give the files `juece report --format json` wrote"
            ))
        })?;
        reports.push(r);
    }
    let merged = merge(&reports).map_err(|e| {
        use juece_core::report::MergeError;
        let name = |i: usize| {
            m.files
                .get(i)
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        };
        let message = match (&e, lang) {
            (MergeError::Empty, Lang::Zh) => "没有可以合并的报告".to_owned(),
            (MergeError::Empty, Lang::En) => "no report to merge".to_owned(),
            (MergeError::Year { index, expected, found }, Lang::Zh) => format!(
                "不能合并：`{}` 是 {found} 年度的报告，第一份是 {expected} 年度的；省级汇总只能相加同一年度的报告",
                name(*index)
            ),
            (MergeError::Year { index, expected, found }, Lang::En) => format!(
                "cannot merge: `{}` is a report on {found}, the first is on {expected}; a province adds up one year",
                name(*index)
            ),
            (MergeError::SameOrgan(o), Lang::Zh) => {
                format!("不能合并：决策机关 `{o}` 出现在两份报告中，相加会重复计算")
            }
            (MergeError::SameOrgan(o), Lang::En) => {
                format!("cannot merge: organ `{o}` is in two of the reports; it would be counted twice")
            }
        };
        CliError::bad_input(message).with_hint(match lang {
            Lang::Zh => "只合并同一年度、不同决策机关的 `juece report --format json` 报告；未输出任何内容",
            Lang::En => "merge `juece report --format json` reports of one year and of different organs; nothing was written",
        })
    })?;
    emit(&json(&merged))?;
    Ok(Exit::Ok)
}

impl ReportArgs {
    /// Whether this run reads the database (`report merge` reads only the files it is given).
    pub fn reads_db(&self) -> bool {
        self.command.is_none()
    }
}
